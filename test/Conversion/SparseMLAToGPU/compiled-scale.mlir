// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | FileCheck %s --check-prefix=LAUNCH
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles=compiled-scale=true | FileCheck %s --check-prefix=COMPILED
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu | FileCheck %s --check-prefix=SEESAW-LAUNCH
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles=compiled-scale=true --convert-sparse-mla-seesaw-to-gpu | FileCheck %s --check-prefix=SEESAW-COMPILED

// The softmax scale: by default a launch parameter (`scale_log2` = sm_scale
// x log2(e), the op's value passed by the host launch, any value by a
// runtime), so one package serves every scale; with compiled-scale=true a
// constant in the kernel, as the op states it (sm_scale = 0.125:
// 0.125 x 1.4427 = 0.180336878).

// LAUNCH-LABEL: func.func @simple
// LAUNCH: %[[S:.*]] = arith.constant 0.180336878 : f32
// LAUNCH: gpu.launch_func
// LAUNCH-SAME: %[[S]] : f32)
// LAUNCH-SAME: params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2"]
// LAUNCH: gpu.func @sparse_mla_fwd_simple(
// LAUNCH-SAME: %[[ARG:[a-z0-9]+]]: f32) kernel
// LAUNCH: sparse_mla_tile.matmul {{.*}} scale(%[[ARG]])

// COMPILED-LABEL: func.func @simple
// COMPILED-NOT: arith.constant 0.180336878
// COMPILED: gpu.launch_func
// COMPILED-SAME: params = ["q", "kv", "indices", "q_start", "out", "lse"]
// COMPILED: gpu.func @sparse_mla_fwd_simple(
// COMPILED-SAME: strided<[?, ?, 1], offset: ?>>) kernel
// COMPILED: %[[C:.*]] = arith.constant 0.180336878 : f32
// COMPILED: sparse_mla_tile.matmul {{.*}} scale(%[[C]])
func.func @simple(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x1x64xbf16>,
                  %idx: memref<?x?x1x64xi32>, %qs: i32,
                  %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x1x64xbf16>)
                 indices(%idx : memref<?x?x1x64xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>}
  return
}

// SEESAW-LAUNCH-LABEL: func.func @seesaw
// SEESAW-LAUNCH: params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2", "q_map"]
// SEESAW-LAUNCH: gpu.func @sparse_mla_fwd_seesaw(
// SEESAW-LAUNCH-SAME: %{{.*}}: f32, %{{.*}}: !llvm.ptr) kernel
// SEESAW-LAUNCH-SAME: sparse_mla.by_value_params = array<i64: 55>
// SEESAW-COMPILED-LABEL: func.func @seesaw
// SEESAW-COMPILED: params = ["q", "kv", "indices", "q_start", "out", "lse", "q_map"]
// SEESAW-COMPILED: gpu.func @sparse_mla_fwd_seesaw(
// SEESAW-COMPILED-SAME: sparse_mla.by_value_params = array<i64: 54>
// SEESAW-COMPILED: arith.constant 0.180336878 : f32
func.func @seesaw(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                  %idx: memref<?x?x1x256xi32>, %qs: i32,
                  %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>}
  return
}
