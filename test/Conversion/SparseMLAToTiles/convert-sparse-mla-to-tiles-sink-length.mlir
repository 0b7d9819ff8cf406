// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | FileCheck %s
// RUN: sparse-mla-opt %s --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-barriers,convert-sparse-mla-tiles-to-simt)),ws-assign-shared-memory,canonicalize,cse)' | FileCheck %s --check-prefix=SIMT

// attn_sink and topk_length are changes to the tile program, nothing else:
// the row's length (clamped to [0, topk]) bounds the block loop and the
// block's valid entries; the finish scales out by the sink factor.
// CHECK-LABEL: func.func @sink_length
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_simple
// CHECK-SAME: params = ["q", "kv", "indices", "q_start", "attn_sink", "topk_length", "out", "lse", "scale_log2"]
// CHECK: gpu.func @sparse_mla_fwd_simple(%{{.*}}, %{{.*}}, %[[IDX:[a-z0-9]+]]: {{.*}}, %{{.*}}: i32, %[[SINK:[a-z0-9]+]]: memref<8xf32, strided<[1], offset: ?>>, %[[LEN:[a-z0-9]+]]: memref<?x?xi32, strided<[?, 1], offset: ?>>,
// CHECK: %[[BATCH:.*]] = gpu.block_id y
// CHECK: %[[TOKEN:.*]] = arith.divui
// CHECK: %[[RAW:.*]] = memref.load %[[LEN]][%[[BATCH]], %[[TOKEN]]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[RAW]], %{{.*}} : i32
// CHECK: %[[CL:.*]] = arith.minsi %[[LO]], %[[C40:.*]] : i32
// CHECK: %[[LENGTH:.*]] = arith.index_cast %[[CL]] : i32 to index
// CHECK: %[[UP:.*]] = arith.addi %[[LENGTH]], %{{.*}} : index
// CHECK: %[[BLOCKS:.*]] = arith.divui %[[UP]], %{{.*}} : index
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %[[BLOCKS]] step
// CHECK: sparse_mla_tile.block_rows %[[IDX]][{{.*}}] block %[[BLK]] below %{{.*}} length %[[LENGTH]] :
// CHECK: sparse_mla_tile.finish {{.*}} sink(%[[SINK]] : memref<8xf32, strided<[1], offset: ?>>) at[

// Lowered, an entry counts only below the length (no index past it is
// read); out is multiplied by 1 / (1 + exp2(sink log2(e) - max - log2(sum))).
// SIMT-LABEL: gpu.func @sparse_mla_fwd_simple
// SIMT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// SIMT: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// SIMT: %[[LENGTH:.*]] = arith.index_cast %{{.*}} : i32 to index
// SIMT: %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[LENGTH]] : index
// SIMT-NEXT: scf.if %[[IN]] -> (i32)
// SIMT: %[[NORM:.*]] = arith.divf
// SIMT: %[[S:.*]] = memref.load %{{.*}} : memref<8xf32, strided<[1], offset: ?>>
// SIMT: %[[SL:.*]] = arith.mulf %[[S]], %[[LOG2E]] : f32
// SIMT: %[[L2:.*]] = math.log2
// SIMT: %[[LSE2:.*]] = arith.addf %{{.*}}, %[[L2]] : f32
// SIMT: %[[D:.*]] = arith.subf %[[SL]], %[[LSE2]] : f32
// SIMT: %[[R:.*]] = math.exp2 %[[D]] : f32
// SIMT: %[[DEN:.*]] = arith.addf %[[R]], %[[ONE]] : f32
// SIMT: %[[F:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// SIMT: %[[SCALED:.*]] = arith.mulf %[[NORM]], %[[F]] : f32
// SIMT: arith.select %{{.*}}, %[[SCALED]], %{{.*}} : f32
func.func @sink_length(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                       %idx: memref<?x?x2x40xi32>, %qs: i32, %sink: memref<8xf32>,
                       %len: memref<?x?xi32>,
                       %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 attn_sink(%sink : memref<8xf32>) topk_length(%len : memref<?x?xi32>)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {causal = false, sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>}
  return
}
