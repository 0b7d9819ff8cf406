#!/usr/bin/env bash
# Benchmark driver, run on the GPU machine from the repository root:
#   bash bench/run.sh RESULTS_DIR LABEL=PACKAGE_DIR [LABEL=PACKAGE_DIR ...]
# e.g. bash bench/run.sh /tmp/bench simple=packages-simple seesaw=packages
#      PEER=flash_mla bash bench/run.sh /tmp/bench seesaw=packages-seesaw
#
# Builds runtime/, measures the card's bf16 matmul rate (torch, 8192^3), then
# for every schedule label and every line of bench/suite.tsv runs
# sparse-mla-run with the correctness check on and timing (warm-up, L2
# flushed between runs, median of ITERS), then measures the matmul rate again.
# The ratios use the higher of the two rates: a card that has been busy
# (warmer, lower clocks) gives a lower matmul rate, which would flatter the
# ratio. Writes RESULTS_DIR/bench.json and RESULTS_DIR/bench.md (card, shape,
# ms, TFLOPS, TB/s, ratio to matmul, pass/fail; both matmul measurements).
# SUITE=FILE runs another suite file of the same format instead.
# Exit status 1 if any check failed; 3 on a machine without a GPU.
#
# PEER=flash_mla (or torch-ref, which checks the harness itself) adds a
# side-by-side run of a peer implementation: for each case in PEER_CASES
# (names; unset: every case but decode, whose 19 GB of KV is too large to dump),
# the first label's package runs once more with --dump, and bench/peer.py
# runs the peer on exactly those inputs (float64 check of sampled rows,
# every element compared with the package's outputs, then timed the same
# way); its rows appear under the label peer-$PEER. Where the peer cannot be
# imported its rows are marked skipped. PEER_FLAGS passes more options to
# bench/peer.py (e.g. "--stats-base 2" for a FlashMLA release before 2026-01).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RESULTS_DIR LABEL=PACKAGE_DIR..." >&2; exit 2; }
RES=$1; shift
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/require-gpu.sh"
require_gpu
BUILD=${BUILD_DIR:-/tmp/build-runtime}
ITERS=${ITERS:-5}
SUITE=${SUITE:-$ROOT/bench/suite.tsv}
[ -r "$SUITE" ] || { echo "no suite file $SUITE" >&2; exit 2; }
mkdir -p "$RES/runs"

echo "== $(nvidia-smi -L | head -1)"
cmake -S "$ROOT/runtime" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > "$RES/runs/build.log" 2>&1 &&
  cmake --build "$BUILD" -j "${JOBS:-16}" >> "$RES/runs/build.log" 2>&1 ||
  { tail -30 "$RES/runs/build.log"; exit 2; }

matmul() { # OUT_JSON
  python3 "$ROOT/bench/matmul.py" 8192 20 > "$1" || echo '{"check": "fail"}' > "$1"
  cat "$1"
}
echo "== bf16 matmul rate (before the suite)"
matmul "$RES/runs/matmul.json"

: > "$RES/runs/index.tsv"
for spec in "$@"; do
  label=${spec%%=*}; dir=${spec#*=}
  while IFS=$'\t' read -r name pkg flags; do
    case "$name" in ''|\#*) continue;; esac
    out="$RES/runs/$label-$name.json"
    if [ ! -f "$dir/$pkg.smlapkg" ]; then
      echo "-- $label $name: SKIPPED (no $dir/$pkg.smlapkg)"
      printf '%s\t%s\t%s\t%s\n' "$label" "$name" "skipped" "$dir/$pkg.smlapkg $flags" >> "$RES/runs/index.tsv"
      continue
    fi
    cmd="sparse-mla-run $pkg.smlapkg $flags --check-rows 32 --warmup 2 --iters $ITERS --json"
    echo "-- $label $name: $cmd"
    # shellcheck disable=SC2086
    "$BUILD/sparse-mla-run" "$dir/$pkg.smlapkg" $flags --check-rows 32 --warmup 2 --iters "$ITERS" --json > "$out" 2> "$out.log"
    printf '%s\t%s\t%s\t%s\n' "$label" "$name" "$?" "$cmd" >> "$RES/runs/index.tsv"
  done < "$SUITE"
done

if [ -n "${PEER:-}" ]; then
  first=${1%%=*}; firstdir=${1#*=}
  plabel="peer-$PEER"
  peer_ok=1
  if [ "$PEER" = flash_mla ] && ! python3 -c "import torch, flash_mla" 2> "$RES/runs/peer-import.log"; then
    peer_ok=0
    echo "-- $plabel: SKIPPED (cannot import flash_mla: $(tail -1 "$RES/runs/peer-import.log"))"
  fi
  while IFS=$'\t' read -r name pkg flags; do
    case "$name" in ''|\#*) continue;; esac
    if [ -n "${PEER_CASES:-}" ]; then
      case " $PEER_CASES " in *" $name "*) ;; *) continue;; esac
    elif [ "$name" = decode ]; then
      continue
    fi
    cmd="python3 bench/peer.py DUMP --impl $PEER ${PEER_FLAGS:+$PEER_FLAGS }--check-rows 32 --warmup 2 --iters $ITERS (DUMP: sparse-mla-run $pkg.smlapkg $flags --iters 0 --dump DUMP, schedule $first)"
    if [ $peer_ok = 0 ] || [ ! -f "$firstdir/$pkg.smlapkg" ]; then
      printf '%s\t%s\t%s\t%s\n' "$plabel" "$name" "skipped" "$cmd" >> "$RES/runs/index.tsv"
      continue
    fi
    echo "-- $plabel $name: $cmd"
    dump="$RES/runs/dump-$name"
    rm -rf "$dump" "$RES/runs/$plabel-$name.json" "$RES/runs/$plabel-$name.json.log"
    # shellcheck disable=SC2086
    if "$BUILD/sparse-mla-run" "$firstdir/$pkg.smlapkg" $flags --check-rows 32 --iters 0 --dump "$dump" > "$dump.log" 2>&1; then
      # shellcheck disable=SC2086
      python3 "$ROOT/bench/peer.py" "$dump" --impl "$PEER" --check-rows 32 --warmup 2 --iters "$ITERS" ${PEER_FLAGS:-} \
        > "$RES/runs/$plabel-$name.json" 2> "$RES/runs/$plabel-$name.json.log"
      status=$?
      tail -1 "$RES/runs/$plabel-$name.json.log"
    else
      status=dump-failed
      tail -3 "$dump.log"
    fi
    rm -rf "$dump"
    printf '%s\t%s\t%s\t%s\n' "$plabel" "$name" "$status" "$cmd" >> "$RES/runs/index.tsv"
  done < "$SUITE"
fi

echo "== bf16 matmul rate (after the suite)"
matmul "$RES/runs/matmul-after.json"

python3 "$ROOT/bench/summarize.py" "$RES"
