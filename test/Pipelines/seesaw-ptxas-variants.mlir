// Every seesaw schedule variant stays within its register budgets: ptxas
// (through `sparse-mla-translate --ptx`, whose --verify-ptxas refuses spills,
// local memory and an ignored setmaxnreg) accepts one cubin holding the
// kernel with one CTA per tile, the persistent one with kv_stride = 2 (the
// causal bound's floor division), block_k = 32 with four stages,
// shared_validity (persistent), lazy_rescale and carried_pivot with H = 64
// (one head block per token: the shape whose tile-invariant addresses make
// consumer 0 spill unless taken per tile), and split_tail (the persistent
// kernel and its split kernel), each with max_logits and causal masking;
// all but lazy_rescale also with carried_pivot.
// REQUIRES: ptxas
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --ptx --gpu-module=sparse_mla_kernels --toolkit=%cuda_toolkit -o %t.ptx
// RUN: FileCheck %s < %t.ptx

// CHECK: .entry sparse_mla_fwd_seesaw(
// CHECK: .entry sparse_mla_fwd_seesaw_0(
// CHECK: .entry sparse_mla_fwd_seesaw_1(
// CHECK: .entry sparse_mla_fwd_seesaw_2(
// CHECK: .entry sparse_mla_fwd_seesaw_3(
// CHECK: .entry sparse_mla_fwd_seesaw_4(
// CHECK: .entry sparse_mla_fwd_seesaw_5(
// CHECK: .entry sparse_mla_fwd_seesaw_split(

func.func @one_cta_per_tile(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                            %idx: memref<?x?x1x2048xi32>, %qs: i32,
                            %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                            %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], carried_pivot = true>}
  return
}

func.func @persistent_stride2(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                              %idx: memref<?x?x1x2048xi32>, %qs: i32,
                              %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                              %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = true, kv_stride = 2 : i64, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, carried_pivot = true>}
  return
}

func.func @persistent_block32(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                              %idx: memref<?x?x1x2048xi32>, %qs: i32,
                              %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                              %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 32, stages = 4, warpgroups = 3, regs = [40, 232, 232], persistent = true, carried_pivot = true>}
  return
}

func.func @persistent_shared_validity(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                                      %idx: memref<?x?x1x2048xi32>, %qs: i32,
                                      %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                                      %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, shared_validity = true, carried_pivot = true>}
  return
}

func.func @lazy_rescale_h64(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                            %idx: memref<?x?x1x2048xi32>, %qs: i32,
                            %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
                            %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, lazy_rescale = true>}
  return
}

func.func @carried_pivot_h64(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                             %idx: memref<?x?x1x2048xi32>, %qs: i32,
                             %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
                             %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, carried_pivot = true>}
  return
}

func.func @split_tail(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                      %idx: memref<?x?x1x2048xi32>, %qs: i32,
                      %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                      %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>)
                 {causal = true, schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true, carried_pivot = true>}
  return
}
