#!/usr/bin/env bash
# Compiles the kernel packages the GPU tests and benchmarks run, on the CPU
# machine (it has MLIR and a CUDA toolkit; the GPU machine has neither MLIR
# nor a need for it):
#   bash scripts/build-packages.sh [OUT_DIR] [CHIP] [SCHEDULE]
# SCHEDULE (default simple) is the pipeline's `schedule=` option for the
# variants without a hand-written schedule: `default` gives the chip's choice
# (seesaw on sm_90a wherever it serves the shape; topk2000 falls back to
# simple with a remark), `seesaw` insists (topk2000 then fails to compile).
# Each package is the V3.2 op (Dqk = 576, Dv = 512, topk = 2048, dynamic B, S,
# Skv, with max_logits) in one variant:
#   v32            H = 128, G = 1, not causal (the headline shape)
#   v32_causal     causal, kv_stride = 1
#   v32_causal_s2  causal, kv_stride = 2
#   g2             H = 128, G = 2 (64 heads per kv group), causal
#   h64            H = 64, G = 1, causal
#   topk512        topk = 512, causal
#   topk2000       topk = 2000, causal: the simple schedule's last block of 32
#                  is partial
#   v32_wg2        v32 with a hand-written simple schedule (8 heads per CTA,
#                  blocks of 64, 2 warpgroups): the same op as v32, so the two
#                  can be compared element for element
#   v32_pipelined, v32_causal_pipelined
#                  v32 / v32_causal with the pipelined schedule (producer
#                  warpgroup, cp.async ring, mbarriers); sm_90+ only
#   v32_sv, v32_causal_sv
#                  v32 / v32_causal with the seesaw schedule's
#                  shared_validity option (validity through shared memory);
#                  sm_90a only
#   v32_cp         v32 with the seesaw schedule's carried_pivot option (not
#                  the default: outside the out tolerance on one row of a
#                  spiky-values test, bench/LOG.md step 51); sm_90a only
#   v32_np, v32_causal_np
#                  v32 / v32_causal with the seesaw schedule's one CTA per
#                  tile (`persistent = false`); sm_90a only
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/packages}
CHIP=${2:-sm_90a}
SCHEDULE=${3:-simple}
BIN=${BIN:-$ROOT/build/bin}
mkdir -p "$OUT"

# name H G topk causal kv_stride Dqk [schedule parameters] (Dv = 512)
VARIANTS=(
  "v32 128 1 2048 false 1 576"
  "v32_causal 128 1 2048 true 1 576"
  "v32_causal_s2 128 1 2048 true 2 576"
  "g2 128 2 2048 true 1 576"
  "h64 64 1 2048 true 1 576"
  "topk512 128 1 512 true 1 576"
  "topk2000 128 1 2000 true 1 576"
  "v32_wg2 128 1 2048 false 1 576 simple, heads_per_cta = 8, block_k = 64, stages = 1, warpgroups = 2"
  "v32_pipelined 128 1 2048 false 1 576 pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]"
  "v32_causal_pipelined 128 1 2048 true 1 576 pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]"
  "v32_sv 128 1 2048 false 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, shared_validity = true"
  "v32_causal_sv 128 1 2048 true 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, shared_validity = true"
  "v32_np 128 1 2048 false 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = false"
  "v32_causal_np 128 1 2048 true 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = false"
  "v32_split 128 1 2048 false 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true"
  "v32_causal_split 128 1 2048 true 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true"
  "h64_split 64 1 2048 true 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true"
  "v32_cp 128 1 2048 false 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, carried_pivot = true"
  "topk512_split 128 1 512 true 1 576 seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true"

  "v4_simple 64 1 512 true 1 512 simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1"
  "v4_pipelined 64 1 512 true 1 512 pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]")

for v in "${VARIANTS[@]}"; do
  read -r name H G topk causal stride dqk schedule <<<"$v"
  sched_attr=""
  kind=$SCHEDULE
  if [ -n "$schedule" ]; then
    # A hand-written schedule is kept as written (schedule=default).
    sched_attr=", schedule = #sparse_mla.schedule<$schedule>"
    kind=default
    case "$schedule" in
      pipelined*) [[ "$CHIP" =~ ^sm_(9|1[0-9])[0-9] ]] || continue;;
      seesaw*) [ "$CHIP" = sm_90a ] || continue;;
    esac
  fi
  src="$OUT/$name.mlir"
  cat >"$src" <<MLIR
func.func @$name(%q: memref<?x?x${H}x${dqk}xbf16>, %kv: memref<?x?x${G}x${dqk}xbf16>,
                 %idx: memref<?x?x${G}x${topk}xi32>, %q_start: i32,
                 %out: memref<?x?x${H}x512xbf16>, %lse: memref<?x?x${H}xf32>,
                 %ml: memref<?x?x${H}xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x${H}x${dqk}xbf16>) kv(%kv : memref<?x?x${G}x${dqk}xbf16>)
                 indices(%idx : memref<?x?x${G}x${topk}xi32>) q_start(%q_start)
                 out(%out : memref<?x?x${H}x512xbf16>) lse(%lse : memref<?x?x${H}xf32>)
                 max_logits(%ml : memref<?x?x${H}xf32>)
                 {causal = $causal, kv_stride = $stride : i64$sched_attr}
  return
}
MLIR
  start=$(date +%s%N)
  "$BIN/sparse-mla-opt" "$src" --sparse-mla-to-nvvm="chip=$CHIP schedule=$kind" -o "$OUT/$name.nvvm.mlir"
  "$BIN/sparse-mla-translate" --package "$OUT/$name.nvvm.mlir" -o "$OUT/$name.smlapkg"
  end=$(date +%s%N)
  printf '%-18s %8d bytes  %5d ms\n' "$name.smlapkg" "$(stat -c %s "$OUT/$name.smlapkg")" $(( (end - start) / 1000000 ))
done

# attn_sink + topk_length (FlashMLA's optional operands) on the simple and
# pipelined schedules: H = 64, topk = 512, causal (the seesaw schedule does
# not implement them yet).
#   sl_simple, sl_pipelined
for sched in "simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1" \
             "pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]"; do
  kind=${sched%%,*}
  [ "$kind" = pipelined ] && ! [[ "$CHIP" =~ ^sm_(9|1[0-9])[0-9] ]] && continue
  name=sl_$kind
  src="$OUT/$name.mlir"
  cat >"$src" <<MLIR
func.func @$name(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x512xi32>, %q_start: i32,
                 %sink: memref<64xf32>, %len: memref<?x?xi32>,
                 %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
                 %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x512xi32>) q_start(%q_start)
                 attn_sink(%sink : memref<64xf32>) topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<$sched>}
  return
}
MLIR
  "$BIN/sparse-mla-opt" "$src" --sparse-mla-to-nvvm="chip=$CHIP" -o "$OUT/$name.nvvm.mlir"
  "$BIN/sparse-mla-translate" --package "$OUT/$name.nvvm.mlir" -o "$OUT/$name.smlapkg"
  printf '%-18s %8d bytes\n' "$name.smlapkg" "$(stat -c %s "$OUT/$name.smlapkg")"
done

# attn_sink alone on the V3.2 op (H = 128, topk = 2048, causal): the chip's
# default (seesaw on sm_90a) and the simple schedule, compared element for
# element on the GPU.
#   sink_default, sink_simple
for kind in default simple; do
  name=sink_$kind
  src="$OUT/$name.mlir"
  cat >"$src" <<MLIR
func.func @$name(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x2048xi32>, %q_start: i32, %sink: memref<128xf32>,
                 %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                 %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%q_start)
                 attn_sink(%sink : memref<128xf32>)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = true}
  return
}
MLIR
  "$BIN/sparse-mla-opt" "$src" --sparse-mla-to-nvvm="chip=$CHIP schedule=$kind" -o "$OUT/$name.nvvm.mlir"
  "$BIN/sparse-mla-translate" --package "$OUT/$name.nvvm.mlir" -o "$OUT/$name.smlapkg"
  printf '%-18s %8d bytes\n' "$name.smlapkg" "$(stat -c %s "$OUT/$name.smlapkg")"
done
