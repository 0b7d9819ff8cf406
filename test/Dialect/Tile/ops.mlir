// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s

// Every tile op round-trips, in the custom and the generic form.
// CHECK-LABEL: gpu.func @program
// CHECK: sparse_mla_tile.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}} :
// CHECK: sparse_mla_tile.fill %{{.*}} into %{{.*}} : f32,
// CHECK: sparse_mla_tile.block_rows %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] block %{{.*}} below %{{.*}} last_visible %{{.*}} : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
// CHECK: sparse_mla_tile.block_rows %{{.*}} below %{{.*}} : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
// CHECK: sparse_mla_tile.gather %{{.*}}[%{{.*}}, %{{.*}}] rows(%{{.*}}) into %{{.*}} :
// CHECK: sparse_mla_tile.gather %{{.*}}[%{{.*}}, %{{.*}}] rows(%{{.*}}) into %{{.*}} async :
// CHECK: sparse_mla_tile.matmul %{{.*}}, %{{.*}} transpose_b into %{{.*}} mask(%{{.*}} : !sparse_mla_tile.rows<32>) scale(%{{.*}}) :
// CHECK: sparse_mla_tile.softmax_step %{{.*}} max(%{{.*}}) sum(%{{.*}}) rescale(%{{.*}}) :
// CHECK: sparse_mla_tile.matmul %{{.*}}, %{{.*}} into %{{.*}} row_scale(%{{.*}} : memref<4xf32, 3>) :
// CHECK: sparse_mla_tile.finish %{{.*}} max(%{{.*}}) sum(%{{.*}}) out(%{{.*}}) lse(%{{.*}}) max_logits(%{{.*}} : memref<1x4x8xf32>) at[%{{.*}}, %{{.*}}, %{{.*}}] :
// CHECK: sparse_mla_tile.block_rows {{.*}} last_visible %{{.*}} length %{{.*}} :
// CHECK: sparse_mla_tile.finish {{.*}} sink(%{{.*}} : memref<8xf32>) at[
gpu.module @m {
  gpu.func @program(%q: memref<1x4x8x64xbf16>, %kv: memref<1x100x1x64xbf16>,
                    %idx: memref<1x4x1x64xi32>, %out: memref<1x4x8x48xbf16>,
                    %lse: memref<1x4x8xf32>, %ml: memref<1x4x8xf32>,
                    %b: index, %s: index, %h: index, %g: index, %blk: index,
                    %skv: i64, %last: i64, %scale: f32, %zero: f32,
                    %qt: memref<4x64xbf16, 3>, %kt: memref<32x64xbf16, 3>,
                    %st: memref<4x32xf32, 3>, %acc: memref<4x48xf32, 3>,
                    %mx: memref<4xf32, 3>, %sm: memref<4xf32, 3>,
                    %al: memref<4xf32, 3>, %sink: memref<8xf32>) {
    sparse_mla_tile.load %q[%b, %s, %h] into %qt : memref<1x4x8x64xbf16>, memref<4x64xbf16, 3>
    sparse_mla_tile.fill %zero into %acc : f32, memref<4x48xf32, 3>
    %rows = sparse_mla_tile.block_rows %idx[%b, %s, %g] block %blk below %skv last_visible %last : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
    %all = sparse_mla_tile.block_rows %idx[%b, %s, %g] block %blk below %skv : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
    sparse_mla_tile.gather %kv[%b, %g] rows(%rows) into %kt : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x64xbf16, 3>
    sparse_mla_tile.gather %kv[%b, %g] rows(%all) into %kt async : memref<1x100x1x64xbf16>, !sparse_mla_tile.rows<32>, memref<32x64xbf16, 3>
    sparse_mla_tile.matmul %qt, %kt transpose_b into %st mask(%rows : !sparse_mla_tile.rows<32>) scale(%scale) : memref<4x64xbf16, 3>, memref<32x64xbf16, 3>, memref<4x32xf32, 3>
    sparse_mla_tile.softmax_step %st max(%mx) sum(%sm) rescale(%al) : memref<4x32xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>
    sparse_mla_tile.matmul %st, %kt into %acc row_scale(%al : memref<4xf32, 3>) : memref<4x32xf32, 3>, memref<32x64xbf16, 3>, memref<4x48xf32, 3>
    sparse_mla_tile.finish %acc max(%mx) sum(%sm) out(%out) lse(%lse) max_logits(%ml : memref<1x4x8xf32>) at[%b, %s, %h] : memref<4x48xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>, memref<1x4x8x48xbf16>, memref<1x4x8xf32>
    %len = arith.constant 40 : index
    %r3 = sparse_mla_tile.block_rows %idx[%b, %s, %g] block %blk below %skv last_visible %last length %len : memref<1x4x1x64xi32> -> !sparse_mla_tile.rows<32>
    sparse_mla_tile.finish %acc max(%mx) sum(%sm) out(%out) lse(%lse) sink(%sink : memref<8xf32>) at[%b, %s, %h] : memref<4x48xf32, 3>, memref<4xf32, 3>, memref<4xf32, 3>, memref<1x4x8x48xbf16>, memref<1x4x8xf32>
    gpu.return
  }
}

// The warpgroup products on shared-memory tiles, both forms of A.
// CHECK-LABEL: func.func @warpgroup_products
// CHECK: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 256 : i64, transpose_b, zero_init} : !llvm.struct<(f32, f32, f32, f32)>
// CHECK: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32, f32, f32, f32, f32, f32), b(%{{.*}}) {b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 256 : i64}
// CHECK: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 32, swizzle = 0>
// CHECK: sparse_mla_tile.mma_wait %{{.*}} : !llvm.struct<(f32, f32, f32, f32)>
func.func @warpgroup_products(%acc: !llvm.struct<(f32, f32, f32, f32)>, %q: i32, %k: i32, %w: f32) -> !llvm.struct<(f32, f32, f32, f32)> {
  %s = sparse_mla_tile.mma_async %acc, a(%q : i32), b(%k) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 256 : i64, transpose_b, zero_init} : !llvm.struct<(f32, f32, f32, f32)>
  %o = sparse_mla_tile.mma_async %s, a(%w, %w, %w, %w, %w, %w, %w, %w : f32, f32, f32, f32, f32, f32, f32, f32), b(%k) {b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 16 : i64, n_offset = 256 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  %p = sparse_mla_tile.mma_async %o, a(%q : i32), b(%k) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 32, swizzle = 0>, b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 32 : i64} : !llvm.struct<(f32, f32, f32, f32)>
  %r = sparse_mla_tile.mma_wait %p : !llvm.struct<(f32, f32, f32, f32)>
  return %r : !llvm.struct<(f32, f32, f32, f32)>
}

// CHECK-LABEL: func.func @fragment_store
// CHECK: sparse_mla_tile.store_fragment %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} rows(%{{.*}}, %{{.*}}) lane(%{{.*}}) {layout = #sparse_mla_tile.shared<rows = 64, cols = 8, swizzle = 0>} : f32, f32, f32, f32
func.func @fragment_store(%w: f32, %p: i32, %r0: index, %r1: index, %lane: index) {
  sparse_mla_tile.store_fragment %w, %w, %w, %w into %p rows(%r0, %r1) lane(%lane) {layout = #sparse_mla_tile.shared<rows = 64, cols = 8, swizzle = 0>} : f32, f32, f32, f32
  return
}

// CHECK-LABEL: func.func @tensor_copy
// CHECK: sparse_mla_tile.tma_load %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} barrier(%{{.*}}) {evict_first, layout = #sparse_mla_tile.shared<rows = 64, cols = 128, swizzle = 128>} : !llvm.ptr, !llvm.ptr<3>, i32, i32
func.func @tensor_copy(%map: !llvm.ptr, %bar: !llvm.ptr<3>, %q: i32, %h: i32, %s: i32) {
  sparse_mla_tile.tma_load %map[%h, %s] into %q barrier(%bar) {layout = #sparse_mla_tile.shared<rows = 64, cols = 128, swizzle = 128>, evict_first} : !llvm.ptr, !llvm.ptr<3>, i32, i32
  return
}

// CHECK-LABEL: func.func @row_copy
// CHECK: sparse_mla_tile.copy_row_async %{{.*}} into %{{.*}} bytes(%{{.*}}) {col_begin = 256 : i64, col_end = 576 : i64, layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>}
func.func @row_copy(%src: index, %dst: i32, %n: i32) {
  sparse_mla_tile.copy_row_async %src into %dst bytes(%n) {layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, col_begin = 256 : i64, col_end = 576 : i64}
  return
}
