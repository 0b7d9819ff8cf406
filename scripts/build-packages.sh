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

# build NAME H G TOPK CAUSAL KV_STRIDE DQK OPERANDS KIND [SCHEDULE]
# OPERANDS: "-", "sink", "len" or "sink,len" (attn_sink [H] / topk_length
# [B, S]); KIND: the pipeline's schedule= option; SCHEDULE: a hand-written
# #sparse_mla.schedule (kept as written: KIND is then default).
build() {
  local name=$1 H=$2 G=$3 topk=$4 causal=$5 stride=$6 dqk=$7 ops=$8 kind=$9
  local schedule=${10:-} sched_attr="" args="" uses=""
  if [ -n "$schedule" ]; then
    sched_attr=", schedule = #sparse_mla.schedule<$schedule>"
    kind=default
    case "$schedule" in
      pipelined*) [[ "$CHIP" =~ ^sm_(9|1[0-9])[0-9] ]] || return 0;;
      seesaw*) [ "$CHIP" = sm_90a ] || return 0;;
    esac
  fi
  case ",$ops," in *,sink,*)
    args+=" %sink: memref<${H}xf32>,"; uses+=" attn_sink(%sink : memref<${H}xf32>)";; esac
  case ",$ops," in *,len,*)
    args+=" %len: memref<?x?xi32>,"; uses+=" topk_length(%len : memref<?x?xi32>)";; esac
  local src="$OUT/$name.mlir"
  cat >"$src" <<MLIR
func.func @$name(%q: memref<?x?x${H}x${dqk}xbf16>, %kv: memref<?x?x${G}x${dqk}xbf16>,
                 %idx: memref<?x?x${G}x${topk}xi32>, %q_start: i32,${args}
                 %out: memref<?x?x${H}x512xbf16>, %lse: memref<?x?x${H}xf32>,
                 %ml: memref<?x?x${H}xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x${H}x${dqk}xbf16>) kv(%kv : memref<?x?x${G}x${dqk}xbf16>)
                 indices(%idx : memref<?x?x${G}x${topk}xi32>) q_start(%q_start)${uses}
                 out(%out : memref<?x?x${H}x512xbf16>) lse(%lse : memref<?x?x${H}xf32>)
                 max_logits(%ml : memref<?x?x${H}xf32>)
                 {causal = $causal, kv_stride = $stride : i64$sched_attr}
  return
}
MLIR
  local start end
  start=$(date +%s%N)
  "$BIN/sparse-mla-opt" "$src" --sparse-mla-to-nvvm="chip=$CHIP schedule=$kind" -o "$OUT/$name.nvvm.mlir"
  "$BIN/sparse-mla-translate" --package "$OUT/$name.nvvm.mlir" -o "$OUT/$name.smlapkg"
  end=$(date +%s%N)
  printf '%-22s %8d bytes  %5d ms\n' "$name.smlapkg" "$(stat -c %s "$OUT/$name.smlapkg")" $(( (end - start) / 1000000 ))
}

for v in "${VARIANTS[@]}"; do
  read -r name H G topk causal stride dqk schedule <<<"$v"
  build "$name" "$H" "$G" "$topk" "$causal" "$stride" "$dqk" - "$SCHEDULE" "$schedule"
done

# attn_sink + topk_length (FlashMLA's optional operands) on the simple and
# pipelined schedules: H = 64, topk = 512, causal.
#   sl_simple, sl_pipelined
build sl_simple 64 1 512 true 1 576 sink,len default \
  "simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1"
build sl_pipelined 64 1 512 true 1 576 sink,len default \
  "pipelined, heads_per_cta = 16, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]"

# attn_sink alone on the V3.2 op (H = 128, topk = 2048, causal): the chip's
# default (seesaw on sm_90a) and the simple schedule, compared element for
# element on the GPU.
#   sink_default, sink_simple
build sink_default 128 1 2048 true 1 576 sink default
build sink_simple 128 1 2048 true 1 576 sink simple

# topk_length on the V3.2 op (H = 128, topk = 2048, causal): the chip's
# default (seesaw on sm_90a, one CTA per tile), the persistent seesaw
# kernel, and the simple schedule; with attn_sink too at H = 64, topk = 512
# (the simple kernel of that op is sl_simple).
#   len_default, len_persistent, len_simple, sl_default
build len_default 128 1 2048 true 1 576 len default
build len_persistent 128 1 2048 true 1 576 len default \
  "seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true"
build len_simple 128 1 2048 true 1 576 len simple
build sl_default 64 1 512 true 1 576 sink,len default

# Dqk = Dv = 512 (K = V) on the chip's default (seesaw on sm_90a: consumer
# 0's P tile in a buffer of its own), H = 64, topk = 512, causal: the op of
# v4_simple / v4_pipelined; and with topk_length and attn_sink.
#   v4_default, v4_sl_default, v4_sl_simple
build v4_default 64 1 512 true 1 512 - default
build v4_sl_default 64 1 512 true 1 512 sink,len default
build v4_sl_simple 64 1 512 true 1 512 sink,len simple

# The shapes of the side-by-side suite with FlashMLA (bench/peer-suite.tsv)
# that the variants above do not cover, each with SCHEDULE:
#   v32_sink      v32 with attn_sink
#   v32_len       v32 with topk_length
#   v4_h64        Dqk = Dv = 512 (K = V), H = 64, topk = 512, not causal
#   v4_h128       Dqk = Dv = 512, H = 128, topk = 1024, not causal
build v32_sink 128 1 2048 false 1 576 sink "$SCHEDULE"
build v32_len 128 1 2048 false 1 576 len "$SCHEDULE"
build v4_h64 64 1 512 false 1 512 - "$SCHEDULE"
build v4_h128 128 1 1024 false 1 512 - "$SCHEDULE"
