#!/usr/bin/env bash
# The main job: set up, build, and compile the DeepSeek-V3.2 prefill example
# through the furthest pipeline that exists, printing each stage's IR.
#   bash scripts/run.sh [CHIP]        (CHIP defaults to sm_90a)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CHIP=${1:-sm_90a}
OPT=$BUILD_DIR/bin/sparse-mla-opt
EXAMPLE=$ROOT/examples/deepseek_v32_prefill.mlir
OUT=$ROOT/out
mkdir -p "$OUT"

echo "== level 1 (problem): $EXAMPLE"
"$OPT" "$EXAMPLE" | tee "$OUT/01-problem.mlir"
echo "== level 1 + schedule for $CHIP: --sparse-mla-select-schedule=chip=$CHIP"
"$OPT" "$EXAMPLE" --sparse-mla-select-schedule="chip=$CHIP" | tee "$OUT/02-scheduled.mlir"
echo "== done: IR of each stage is in $OUT/"
echo "   (lowering to a GPU kernel and running it are not implemented yet: see README.md, Status)"
