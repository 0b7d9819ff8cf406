// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="split-tail=true" | FileCheck %s
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="split-tail=true" -verify-diagnostics -o /dev/null
// The whole pipeline takes the option too.
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-to-nvvm="split-tail=true" 2>/dev/null | FileCheck %s --check-prefix=PIPELINE

// split-tail=true: the seesaw schedules the pass chooses get split_tail.
// CHECK-LABEL: func.func @prefill
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>
// PIPELINE: sparse_mla.split_plan "sparse_mla_fwd_seesaw_split" max_parts(16)
// PIPELINE: llvm.func @sparse_mla_fwd_seesaw_split(
func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {causal = false}
  return
}

// -----

// One round per tile (topk = 2 x block_k): nothing to split, the plain
// seesaw schedule, with a remark.
// CHECK-LABEL: func.func @one_round
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>
func.func @one_round(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                     %idx: memref<?x?x1x128xi32>, %qs: i32,
                     %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-remark @+1 {{split-tail: not used for this op (seesaw schedule with split_tail needs at least two rounds, topk >= 4 x block_k = 256, but got 128)}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x128xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = false}
  return
}

// -----

// A schedule written on the op is kept as written.
// CHECK-LABEL: func.func @written
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>
func.func @written(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x256xi32>, %qs: i32,
                   %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = false, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>}
  return
}
