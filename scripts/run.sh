#!/usr/bin/env bash
# The main job: set up, build, and compile the DeepSeek-V3.2 prefill example
# through every stage of the pipeline, writing each stage's IR to out/; where
# a CUDA toolkit exists, write the kernel package; where a GPU exists too,
# build the runtime and run the package with a correctness check.
#   bash scripts/run.sh [CHIP]        (CHIP defaults to sm_90a)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CHIP=${1:-sm_90a}
OPT=$BUILD_DIR/bin/sparse-mla-opt
TRANSLATE=$BUILD_DIR/bin/sparse-mla-translate
EXAMPLE=$ROOT/examples/deepseek_v32_prefill.mlir
OUT=$ROOT/out
mkdir -p "$OUT"

stage() { echo "== $1"; shift; "$@"; }

stage "level 1 (problem): out/01-problem.mlir" \
  "$OPT" "$EXAMPLE" -o "$OUT/01-problem.mlir"
stage "level 1 + schedule for $CHIP (the chip's default): out/02-scheduled.mlir" \
  "$OPT" "$EXAMPLE" --sparse-mla-select-schedule="chip=$CHIP" -o "$OUT/02-scheduled.mlir"
stage "level 2 (kernel holding the tile program + host launch, the chip's default schedule): out/03-tiles.mlir" \
  "$OPT" "$OUT/02-scheduled.mlir" --convert-sparse-mla-to-tiles -o "$OUT/03-tiles.mlir"
stage "levels 3-4 (on sm_90a the seesaw roles, channels, TMA, and the warpgroup products as tile ops on shared-memory tiles in place of the tile program; elsewhere the tile program): out/03-kernel.mlir" \
  "$OPT" "$OUT/03-tiles.mlir" --convert-sparse-mla-seesaw-to-gpu --canonicalize --cse \
    -o "$OUT/03-kernel.mlir"
stage "level 5 (the products as hopper wgmma ops, descriptors from the tiles' layouts): out/04-hopper.mlir" \
  "$OPT" "$OUT/03-kernel.mlir" --convert-sparse-mla-tiles-to-hopper -o "$OUT/04-hopper.mlir"
stage "levels 4-5 (proxy fences, hopper ops -> NVVM wgmma, roles -> setmaxnreg branches, channels -> mbarriers): out/04-roles-lowered.mlir" \
  "$OPT" "$OUT/04-hopper.mlir" \
    --pass-pipeline="builtin.module(gpu.module(ws-insert-proxy-fences,convert-hopper-to-nvvm,convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm,canonicalize,cse))" \
    -o "$OUT/04-roles-lowered.mlir"
# The simple and pipelined schedules level by level: the tile program
# (level 2), the pipelined roles (level 3), then barriers, SIMT loops and
# shared-memory offsets.
SIMT="sparse-mla-tile-barriers,convert-sparse-mla-tiles-to-simt"
stage "level 2 (simple schedule: the tile program): out/03-tiles-simple.mlir" \
  "$OPT" "$EXAMPLE" --sparse-mla-select-schedule="chip=$CHIP schedule=simple" \
    --convert-sparse-mla-to-tiles -o "$OUT/03-tiles-simple.mlir"
stage "simple schedule as SIMT loops on shared memory: out/04-simt-simple.mlir" \
  "$OPT" "$OUT/03-tiles-simple.mlir" \
    --pass-pipeline="builtin.module(gpu.module(gpu.func($SIMT)),ws-assign-shared-memory,canonicalize,cse)" \
    -o "$OUT/04-simt-simple.mlir"
case "$CHIP" in
  sm_9*|sm_1[0-9]*)
    stage "level 3 (pipelined schedule: producer/consumer roles + channel): out/03-roles-pipelined.mlir" \
      "$OPT" "$EXAMPLE" \
        --pass-pipeline="builtin.module(sparse-mla-select-schedule{chip=$CHIP schedule=pipelined},convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-partition-pipelined)))" \
        -o "$OUT/03-roles-pipelined.mlir"
    stage "pipelined schedule as SIMT loops and cp.async: out/04-simt-pipelined.mlir" \
      "$OPT" "$OUT/03-roles-pipelined.mlir" \
        --pass-pipeline="builtin.module(gpu.module(gpu.func($SIMT)),ws-assign-shared-memory,canonicalize,cse)" \
        -o "$OUT/04-simt-pipelined.mlir"
    ;;
esac
stage "NVVM (sparse-mla-to-nvvm): out/05-nvvm.mlir" \
  "$OPT" "$EXAMPLE" --sparse-mla-to-nvvm="chip=$CHIP" -o "$OUT/05-nvvm.mlir"
stage "manifest: out/06-manifest.json" \
  "$TRANSLATE" --manifest "$OUT/05-nvvm.mlir" -o "$OUT/06-manifest.json"
cat "$OUT/06-manifest.json"

TOOLKIT=""
for d in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
  if [ -n "$d" ] && [ -x "$d/bin/ptxas" ]; then TOOLKIT=$d; break; fi
done
if [ -z "$TOOLKIT" ]; then
  echo "== no CUDA toolkit (ptxas) found: stopping before the binary and the package"
  exit 0
fi
stage "PTX: out/07-kernel.ptx" \
  "$TRANSLATE" --ptx --toolkit="$TOOLKIT" "$OUT/05-nvvm.mlir" -o "$OUT/07-kernel.ptx"
"$TOOLKIT/bin/ptxas" -v -arch="$CHIP" "$OUT/07-kernel.ptx" -o /dev/null 2>&1 | grep -E "registers|spill"
stage "kernel package: out/deepseek_v32_prefill.smlapkg" \
  "$TRANSLATE" --package --toolkit="$TOOLKIT" "$OUT/05-nvvm.mlir" -o "$OUT/deepseek_v32_prefill.smlapkg"

if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "== no GPU here: the package runs elsewhere with runtime/ (see README.md, 'Running on a GPU')"
  exit 0
fi
stage "building runtime/" cmake -S "$ROOT/runtime" -B "$BUILD_DIR-runtime" -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR-runtime" -j "$JOBS"
stage "running the package on $(nvidia-smi -L | head -1)" \
  "$BUILD_DIR-runtime/sparse-mla-run" "$OUT/deepseek_v32_prefill.smlapkg" \
    --B 1 --S 256 --Skv 4096 --indices uniform --iters 5
