#!/usr/bin/env bash
# Compiles, on the compiler machine, the packages the GPU tests look for
# beyond the shipped ones (python/tests/kernels: every schedule of the
# headline and Dqk = Dv = 512 shapes, G = 2 with kv_stride = 2, and the
# attn_sink / topk_length kernels FlashMLA's drop-in API reaches). gpu.sh
# finds them through SPARSE_MLA_KERNEL_PATH; a test whose package is
# missing is skipped by name.
#   bash python/tests/build-gpu-kernels.sh [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/python/tests/kernels}
export SPARSE_MLA_BIN=${SPARSE_MLA_BIN:-$ROOT/build/bin}
V32="H=128 G=1 Dqk=576 Dv=512 topk=2048"
V4="H=64 G=1 Dqk=512 Dv=512 topk=512"
configs=()
for s in simple pipelined seesaw; do
  configs+=("$V32 causal=true schedule=$s" "$V4 causal=true schedule=$s")
done
configs+=("H=128 G=2 Dqk=576 Dv=512 topk=2048 causal=true kv_stride=2")
for extra in "attn_sink=true" "topk_length=true" \
             "attn_sink=true topk_length=true"; do
  configs+=("$V32 causal=true $extra" "$V4 causal=true $extra"
            "$V32 causal=false $extra")
done
mkdir -p "$OUT"
rm -f "$OUT"/*.smlapkg
cd "$ROOT/python"
for c in "${configs[@]}"; do
  echo "== $c"
  python3 -m sparse_mla build --out "$OUT" "$c"
done
