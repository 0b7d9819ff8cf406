// RUN: sparse-mla-opt %s -split-input-file --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper | FileCheck %s

// `lazy_rescale = true`: a row's softmax pivot moves only when the running
// max exceeds it by more than 8 (log2 units), and the O accumulators are
// rescaled only where some row of the warp moved (a warp vote, then an
// scf.if whose else branch keeps O as it is). Everything else is the
// protocol of convert-sparse-mla-seesaw-to-gpu.mlir.

// Consumer 0 carries the pivots (not the running max), l and O; it decides
// twice per round whether to rescale: before its own GEMM (q0 against the
// previous pivot) and after learning m' (the round's pivot against q0).
// It writes lse (from the pivot) and no max_logits.
// CHECK-LABEL: func.func @lazy
// CHECK: role "consumer0"
// CHECK: scf.for %{{.*}} iter_args(%{{[a-z0-9_]+}} = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}, %{{[a-z0-9_]+}} = %{{.*}}) -> (f32, f32, f32, f32, !llvm.struct
// CHECK: %[[T:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[BOUND:.*]] = arith.addf %{{.*}}, %[[T]] : f32
// CHECK: arith.cmpf ogt, %{{.*}}, %[[BOUND]] : f32
// CHECK: arith.cmpf une
// CHECK: %[[ANY0:.*]] = nvvm.vote.sync  any %{{.*}}, %{{.*}} -> i1
// CHECK-NEXT: scf.if %[[ANY0]] -> (!llvm.struct
// CHECK: arith.mulf
// CHECK: } else {
// CHECK-NEXT: scf.yield %{{.*}} : !llvm.struct
// CHECK: hopper.wgmma_rs
// CHECK: %[[ANY1:.*]] = nvvm.vote.sync  any %{{.*}}, %{{.*}} -> i1
// CHECK-NEXT: scf.if %[[ANY1]] -> (!llvm.struct
// CHECK-NOT: nvvm.vote.sync
// CHECK: memref.store %{{.*}}, %[[LSE:[a-z0-9_]+]][{{.*}}] : memref<?x?x64xf32
// CHECK: memref.store %{{.*}}, %[[LSE]][{{.*}}] : memref<?x?x64xf32
// CHECK-NOT: memref.store %{{.*}} : memref<?x?x64xf32

// Consumer 1 carries the running max as well (two more f32, before the next
// round's validity mask), rescales at most once per round, and writes
// max_logits from that max.
// CHECK: role "consumer1"
// CHECK: scf.for %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, !llvm.struct<{{.*}}>, f32, f32, i32)
// CHECK: nvvm.vote.sync  any
// CHECK-NOT: nvvm.vote.sync
// CHECK: memref.store %{{.*}}, %[[ML:[a-z0-9_]+]][{{.*}}] : memref<?x?x64xf32
// CHECK-NOT: memref.store %{{.*}}, %[[LSE]]
// CHECK: memref.store %{{.*}}, %[[ML]][{{.*}}] : memref<?x?x64xf32
// CHECK-NOT: memref.store %{{.*}}, %[[LSE]]
// CHECK: ws.role_return
func.func @lazy(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                %idx: memref<?x?x1x256xi32>, %qs: i32,
                %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
                %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>)
                 {causal = true,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], lazy_rescale = true>}
  return
}

// -----

// Without it: no vote, O rescaled unconditionally, consumer 0 writes lse and
// max_logits.
// CHECK-LABEL: func.func @eager
// CHECK-NOT: nvvm.vote.sync
// CHECK: role "consumer0"
// CHECK-NOT: nvvm.vote.sync
// Without carried_pivot, consumer 0 brings O_0 to its m0 before its own
// GEMM: 128 multiplies between its weights and that GEMM.
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK-COUNT-128: arith.mulf
// CHECK-NOT: arith.mulf
// CHECK: hopper.wgmma_rs
// CHECK-NOT: nvvm.vote.sync
// CHECK: memref.store %{{.*}} : memref<?x?x64xf32
// CHECK: memref.store %{{.*}} : memref<?x?x64xf32
// CHECK: role "consumer1"
// CHECK-NOT: nvvm.vote.sync
// CHECK-NOT: memref.store %{{.*}} : memref<?x?x64xf32
// CHECK: ws.role_return
func.func @eager(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                 %idx: memref<?x?x1x256xi32>, %qs: i32,
                 %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>,
                 %ml: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 max_logits(%ml : memref<?x?x64xf32>)
                 {causal = true,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232]>}
  return
}
