// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | FileCheck %s
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | sparse-mla-opt | FileCheck %s

// Level 2: the kernel's body is the tile program (no NVVM op, no barrier, no
// thread index), printable and parseable (the second RUN line re-parses it).
// H = 8 heads in G = 2 groups, 2 heads per CTA, topk = 40 (two blocks of 32,
// the last partial), causal with kv_stride = 2.

// CHECK-LABEL: func.func @small
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_simple
// CHECK-SAME: dynamic_shared_memory = 5376 : i64
// CHECK-NOT: sparse_mla.fwd

// CHECK: gpu.func @sparse_mla_fwd_simple(%[[Q:[a-z0-9]+]]: {{.*}}, %[[KV:[a-z0-9]+]]: {{.*}}, %[[IDX:[a-z0-9]+]]: {{.*}}, %[[QS:[a-z0-9]+]]: i32, %[[OUT:[a-z0-9]+]]: {{.*}}, %[[LSE:[a-z0-9]+]]: {{.*}}, %[[SCALE:[a-z0-9]+]]: f32)
// CHECK-NOT: gpu.thread_id
// CHECK-NOT: nvvm.
// CHECK: %[[BATCH:.*]] = gpu.block_id y
// CHECK: %[[TOKEN:.*]] = arith.divui
// CHECK: %[[HEAD0:.*]] = arith.muli
// CHECK: %[[GROUP:.*]] = arith.divui %[[HEAD0]]
// CHECK: %[[SKV:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[LAST:.*]] = arith.floordivsi
// The tiles, in the schedule's layout order: Q, the KV ring (rows padded to
// Dqk + 2), scores, accumulator, the statistics side by side.
// CHECK: %[[QT:.*]] = memref.alloc() : memref<2x64xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[RING:.*]] = memref.alloc() : memref<1x32x66xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[S:.*]] = memref.alloc() : memref<2x32xf32, #gpu.address_space<workgroup>>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<2x48xf32, #gpu.address_space<workgroup>>
// CHECK: %[[STATS:.*]] = memref.alloc() : memref<3x2xf32, #gpu.address_space<workgroup>>
// CHECK: %[[MAX:.*]] = memref.subview %[[STATS]][0, 0] [1, 2]
// CHECK: %[[SUM:.*]] = memref.subview %[[STATS]][1, 0] [1, 2]
// CHECK: %[[RESCALE:.*]] = memref.subview %[[STATS]][2, 0] [1, 2]
// CHECK: %[[KT:.*]] = memref.subview %[[RING]][0, 0, 0] [1, 32, 64]
// CHECK: sparse_mla_tile.load %[[Q]][%[[BATCH]], %[[TOKEN]], %[[HEAD0]]] into %[[QT]]
// CHECK: sparse_mla_tile.fill %{{.*}} into %[[ACC]]
// CHECK: sparse_mla_tile.fill %{{.*}} into %[[MAX]]
// CHECK: sparse_mla_tile.fill %{{.*}} into %[[SUM]]
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %[[C2:.*]] step
// CHECK-NEXT: %[[ROWS:.*]] = sparse_mla_tile.block_rows %[[IDX]][%[[BATCH]], %[[TOKEN]], %[[GROUP]]] block %[[BLK]] below %[[SKV]] last_visible %[[LAST]] : {{.*}} -> !sparse_mla_tile.rows<32>
// CHECK-NEXT: sparse_mla_tile.gather %[[KV]][%[[BATCH]], %[[GROUP]]] rows(%[[ROWS]]) into %[[KT]] :
// CHECK-NEXT: sparse_mla_tile.matmul %[[QT]], %[[KT]] transpose_b into %[[S]] mask(%[[ROWS]] : !sparse_mla_tile.rows<32>) scale(%[[SCALE]])
// CHECK-NEXT: sparse_mla_tile.softmax_step %[[S]] max(%[[MAX]]) sum(%[[SUM]]) rescale(%[[RESCALE]])
// CHECK-NEXT: sparse_mla_tile.matmul %[[S]], %[[KT]] into %[[ACC]] row_scale(%[[RESCALE]]
// CHECK-NEXT: }
// CHECK-NEXT: sparse_mla_tile.finish %[[ACC]] max(%[[MAX]]) sum(%[[SUM]]) out(%[[OUT]]) lse(%[[LSE]]) at[%[[BATCH]], %[[TOKEN]], %[[HEAD0]]]
// CHECK-NEXT: gpu.return
func.func @small(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                 %idx: memref<?x?x2x40xi32>, %qs: i32,
                 %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {causal = true, kv_stride = 2 : i64, sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>}
  return
}
