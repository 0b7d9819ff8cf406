#!/usr/bin/env bash
# Quick look at seesaw kernel variants on a GPU machine (no MLIR needed):
#   bash scripts/seesaw-quick.sh EXP_DIR SIMPLE_DIR
# builds sparse-mla-run, then for each EXP_DIR/v32_*.smlapkg checks a small
# adversarial run element by element against SIMPLE_DIR/v32.smlapkg (or
# v32_causal.smlapkg for *causal* variants) and times the headline shape
# (B=1, S=4096, Skv=8192, uniform indices) with the float64 check on.
set -u
EXP=${1:?EXP_DIR}; SIMPLE=${2:?SIMPLE_DIR}
source "$(dirname "${BASH_SOURCE[0]}")/require-gpu.sh"
require_gpu
nvidia-smi -L
B=${BUILD_DIR:-/tmp/br}
cmake -S runtime -B "$B" -DCMAKE_BUILD_TYPE=Release > /tmp/cmake.log 2>&1 || { tail -20 /tmp/cmake.log; exit 1; }
cmake --build "$B" -j16 --target sparse-mla-run > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
R=$B/sparse-mla-run
run() { echo "### ${*#"$B/"}"; timeout "${T:-120}" "$@" 2>&1 | grep -E "^(check|compare|time|PASS|FAIL|error)" ; }
for pkg in "$EXP"/v32_*.smlapkg; do
  ref=$SIMPLE/v32.smlapkg; flags=(--indices adversarial)
  case "$pkg" in *causal*) ref=$SIMPLE/v32_causal.smlapkg; flags=(--q-start 7 --indices adversarial);; esac
  run "$R" "$pkg" --B 2 --S 128 --Skv 2048 "${flags[@]}" --iters 0 --compare "$ref"
  case "$pkg" in *causal*) continue;; esac
  run "$R" "$pkg" --B 1 --S 4096 --Skv 8192 --indices uniform --iters 10 --warmup 3
done
