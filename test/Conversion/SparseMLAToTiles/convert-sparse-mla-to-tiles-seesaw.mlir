// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | FileCheck %s
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles | sparse-mla-opt | FileCheck %s

// A seesaw op becomes the same tile program as a simple one (64 heads per
// CTA, blocks of 64 entries), in a kernel marked for
// convert-sparse-mla-seesaw-to-gpu, and with split_tail a second kernel with
// the same program; the launch passes Q's tensor map and the split plan
// naming the split kernel, asks for the seesaw layout's shared memory and
// one CTA per SM (persistent). No NVVM, ws or hopper op at this level.

// CHECK-LABEL: func.func @seesaw
// CHECK: %[[MAP:.*]] = sparse_mla.tensor_map %arg0 box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
// CHECK: %[[TILES:.*]], %[[PARTS:.*]], %[[WS:.*]] = sparse_mla.split_plan "sparse_mla_fwd_seesaw_split" max_parts(2) workspace_bytes_per_cta(135200)
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw
// CHECK-SAME: threads in (%{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %{{.*}} args(
// CHECK-SAME: %[[MAP]] : !llvm.ptr, %[[TILES]] : i32, %[[PARTS]] : i32, %[[WS]] : !llvm.ptr<1>)
// CHECK-SAME: block = array<i64: 384, 1, 1>, ctas_per_sm = 1 : i64, dynamic_shared_memory = 231168 : i64, entry = "sparse_mla_fwd_seesaw"
// CHECK-SAME: params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2", "q_map", "split_tiles", "split_parts", "workspace"], row_alignment = {kv = 16 : i64}

// CHECK: gpu.func @sparse_mla_fwd_seesaw(%[[Q:[a-z0-9]+]]: memref<?x?x64x576xbf16, {{.*}}>, %[[KV:[a-z0-9]+]]: memref<?x?x1x576xbf16, {{.*}}>, %[[IDX:[a-z0-9]+]]: memref<?x?x1x256xi32, {{.*}}>, %{{.*}}: i32, %[[OUT:[a-z0-9]+]]: memref<?x?x64x512xbf16, {{.*}}>, %[[LSE:[a-z0-9]+]]: memref<?x?x64xf32, {{.*}}>, %[[SCALE:[a-z0-9]+]]: f32, %{{.*}}: !llvm.ptr, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: !llvm.ptr<1>)
// CHECK-SAME: known_block_size = array<i32: 384, 1, 1>
// CHECK-SAME: sparse_mla_tile.seesaw = {kv_stride = 2 : i64, schedule = #sparse_mla.schedule<seesaw, {{.*}}split_tail = true>, split = false}
// CHECK-NOT: nvvm.
// CHECK-NOT: ws.
// CHECK-NOT: hopper.
// CHECK: sparse_mla_tile.load %[[Q]]
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[ROWS:.*]] = sparse_mla_tile.block_rows %[[IDX]][{{.*}}] block %[[BLK]] below %{{.*}} last_visible %{{.*}} : {{.*}} -> !sparse_mla_tile.rows<64>
// CHECK: sparse_mla_tile.gather %[[KV]][{{.*}}] rows(%[[ROWS]])
// CHECK: sparse_mla_tile.matmul {{.*}} transpose_b into {{.*}} mask(%[[ROWS]] : !sparse_mla_tile.rows<64>) scale(%[[SCALE]])
// CHECK: sparse_mla_tile.softmax_step
// CHECK: sparse_mla_tile.matmul
// CHECK: sparse_mla_tile.finish {{.*}} out(%[[OUT]]) lse(%[[LSE]])
// CHECK: gpu.func @sparse_mla_fwd_seesaw_split(
// CHECK-SAME: split = true}
// CHECK: sparse_mla_tile.softmax_step
func.func @seesaw(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                  %idx: memref<?x?x1x256xi32>, %qs: i32,
                  %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true, kv_stride = 2 : i64,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}
  return
}
