// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// The DeepSeek-V3.2 prefill op: dynamic B, S, Skv; optional max_logits.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[Q:.*]]: memref<?x?x128x576xbf16>, %[[KV:.*]]: memref<?x?x1x576xbf16>, %[[IDX:.*]]: memref<?x?x1x2048xi32>, %[[QS:.*]]: i32, %[[OUT:.*]]: memref<?x?x128x512xbf16>, %[[LSE:.*]]: memref<?x?x128xf32>, %[[ML:.*]]: memref<?x?x128xf32>)
// CHECK: sparse_mla.fwd q(%[[Q]] : memref<?x?x128x576xbf16>) kv(%[[KV]] : memref<?x?x1x576xbf16>) indices(%[[IDX]] : memref<?x?x1x2048xi32>) q_start(%[[QS]]) out(%[[OUT]] : memref<?x?x128x512xbf16>) lse(%[[LSE]] : memref<?x?x128xf32>) max_logits(%[[ML]] : memref<?x?x128xf32>) {causal = false, sm_scale = 0.0416666679 : f32}
// GENERIC-LABEL: sym_name = "prefill"
// GENERIC: "sparse_mla.fwd"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{causal = false, kv_stride = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 1, 1, 1>, sm_scale = 0.0416666679 : f32}>
func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %q_start: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%q_start)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = false, sm_scale = 0.0416666679 : f32}
  return
}

// No max_logits; defaults (causal = true, kv_stride = 1, no sm_scale) are
// not printed; G = 2, kv_stride = 2, static shapes, strided (non-contiguous)
// outer dimensions.
// CHECK-LABEL: func.func @grouped_strided
// CHECK: sparse_mla.fwd q(%{{.*}} : memref<2x4x8x64xbf16, strided<[8192, 2048, 128, 1]>>) kv(%{{.*}} : memref<2x16x2x64xbf16>) indices(%{{.*}} : memref<2x4x2x32xi32>) q_start(%{{.*}}) out(%{{.*}} : memref<2x4x8x32xbf16>) lse(%{{.*}} : memref<2x4x8xf32>) {kv_stride = 2 : i64}
// CHECK-NOT: max_logits
// GENERIC-LABEL: sym_name = "grouped_strided"
// GENERIC: "sparse_mla.fwd"({{.*}}) <{causal = true, kv_stride = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 1, 1, 0>}>
func.func @grouped_strided(%q: memref<2x4x8x64xbf16, strided<[8192, 2048, 128, 1]>>,
                           %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>,
                           %q_start: i32, %out: memref<2x4x8x32xbf16>,
                           %lse: memref<2x4x8xf32>) {
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16, strided<[8192, 2048, 128, 1]>>)
                 kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>)
                 q_start(%q_start) out(%out : memref<2x4x8x32xbf16>)
                 lse(%lse : memref<2x4x8xf32>) {kv_stride = 2 : i64}
  return
}

// Mixed static and dynamic batch sizes agree; a schedule round-trips with
// its parameters in canonical order.
// CHECK-LABEL: func.func @scheduled
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>
// GENERIC-LABEL: sym_name = "scheduled"
// GENERIC: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>
func.func @scheduled(%q: memref<1x?x64x576xbf16>, %kv: memref<?x8192x1x576xbf16>,
                     %idx: memref<1x?x1x256xi32>, %q_start: i32,
                     %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<1x?x64x576xbf16>) kv(%kv : memref<?x8192x1x576xbf16>)
                 indices(%idx : memref<1x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, regs = [72, 216, 216], warpgroups = 3, stages = 2, block_k = 64, heads_per_cta = 64>}
  return
}

// `persistent` is printed only when set.
// CHECK-LABEL: func.func @persistent_schedule
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>
// CHECK-LABEL: func.func @not_persistent
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
func.func @persistent_schedule(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                               %idx: memref<?x?x1x256xi32>, %q_start: i32,
                               %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, persistent = true, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
  return
}
func.func @not_persistent(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                          %idx: memref<?x?x1x256xi32>, %q_start: i32,
                          %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = false>}
  return
}

// CHECK-LABEL: func.func @shared_validity_schedule
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, shared_validity = true>
func.func @shared_validity_schedule(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                                    %idx: memref<?x?x1x256xi32>, %q_start: i32,
                                    %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, shared_validity = true, persistent = true, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
  return
}

// Parameters in any order; lazy_rescale printed only when true.
// CHECK-LABEL: func.func @lazy_rescale_schedule
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, lazy_rescale = true>
// CHECK-LABEL: func.func @lazy_rescale_false
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>
func.func @lazy_rescale_schedule(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                                 %idx: memref<?x?x1x256xi32>, %q_start: i32,
                                 %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, lazy_rescale = true, persistent = true, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
  return
}
func.func @lazy_rescale_false(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                              %idx: memref<?x?x1x256xi32>, %q_start: i32,
                              %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], lazy_rescale = false>}
  return
}

// carried_pivot printed only when true, after split_tail.
// CHECK-LABEL: func.func @carried_pivot_schedule
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true, carried_pivot = true>
// CHECK-LABEL: func.func @carried_pivot_false
// CHECK: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>
func.func @carried_pivot_schedule(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                                  %idx: memref<?x?x1x256xi32>, %q_start: i32,
                                  %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, carried_pivot = true, split_tail = true, persistent = true, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
  return
}
func.func @carried_pivot_false(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                               %idx: memref<?x?x1x256xi32>, %q_start: i32,
                               %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%q_start)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], carried_pivot = false>}
  return
}

// CHECK-LABEL: func.func @simple_schedule
// CHECK: schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>
func.func @simple_schedule(%q: memref<?x?x4x64xbf16>, %kv: memref<?x?x1x64xbf16>,
                           %idx: memref<?x?x1x10xi32>, %q_start: i32,
                           %out: memref<?x?x4x48xbf16>, %lse: memref<?x?x4xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x4x64xbf16>) kv(%kv : memref<?x?x1x64xbf16>)
                 indices(%idx : memref<?x?x1x10xi32>) q_start(%q_start)
                 out(%out : memref<?x?x4x48xbf16>) lse(%lse : memref<?x?x4xf32>)
                 {schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>}
  return
}

// The tensor map of Q the seesaw kernel reads by TMA, and a release that
// announces the transaction bytes of such a copy.
// CHECK-LABEL: func.func @tensor_map
// CHECK: sparse_mla.tensor_map %{{.*}} box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
// GENERIC-LABEL: sym_name = "tensor_map"
// GENERIC: "sparse_mla.tensor_map"(%{{.*}}) <{box = array<i64: 64, 64, 1, 1>, swizzle = 128 : i64}>
func.func @tensor_map(%q: memref<?x?x64x576xbf16>) -> !llvm.ptr {
  %m = sparse_mla.tensor_map %q box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return %m : !llvm.ptr
}

// The split plan of a kernel with a split kernel (split_tail): launch
// arguments the runtime chooses.
// CHECK-LABEL: func.func @split_plan
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = sparse_mla.split_plan "fwd_split" max_parts(16) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr<1>
// GENERIC-LABEL: sym_name = "split_plan"
// GENERIC: "sparse_mla.split_plan"() <{entry = "fwd_split", max_parts = 16 : i64, workspace_bytes_per_cta = 135200 : i64}>
func.func @split_plan() -> (i32, i32, !llvm.ptr<1>) {
  %t, %p, %ws = sparse_mla.split_plan "fwd_split" max_parts(16) workspace_bytes_per_cta(135200) : i32, i32, !llvm.ptr<1>
  return %t, %p, %ws : i32, i32, !llvm.ptr<1>
}

// FlashMLA's optional operands: a sink logit per head and a length per
// query token, between q_start and out.
// CHECK-LABEL: func.func @sink_and_length
// CHECK: sparse_mla.fwd q(%{{.*}}) kv(%{{.*}}) indices(%{{.*}}) q_start(%{{.*}}) attn_sink(%{{.*}} : memref<8xf32>) topk_length(%{{.*}} : memref<?x?xi32>) out(%{{.*}}) lse(%{{.*}})
// GENERIC-LABEL: sym_name = "sink_and_length"
// GENERIC: "sparse_mla.fwd"({{.*}}) <{causal = true, kv_stride = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 0>}>
// CHECK-LABEL: func.func @length_only
// CHECK: q_start(%{{.*}}) topk_length(%{{.*}} : memref<2x4xi32>) out(
// GENERIC-LABEL: sym_name = "length_only"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1, 1, 1, 0>
func.func @sink_and_length(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                           %idx: memref<?x?x2x32xi32>, %qs: i32,
                           %sink: memref<8xf32>, %len: memref<?x?xi32>,
                           %out: memref<?x?x8x32xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x32xi32>) q_start(%qs)
                 attn_sink(%sink : memref<8xf32>) topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x8x32xbf16>) lse(%lse : memref<?x?x8xf32>)
  return
}
func.func @length_only(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>,
                       %idx: memref<2x4x2x32xi32>, %qs: i32, %len: memref<2x4xi32>,
                       %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>)
                 indices(%idx : memref<2x4x2x32xi32>) q_start(%qs)
                 topk_length(%len : memref<2x4xi32>)
                 out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>)
  return
}
