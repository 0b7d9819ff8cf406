// RUN: sparse-mla-opt %s --sparse-mla-select-schedule="chip=sm_90a schedule=simple" --convert-sparse-mla-to-tiles | FileCheck %s

// Dqk == Dv (the DeepSeek-V4-style layout: K = V, the whole 512-wide row):
// the same tile program; P V reads all of each gathered row.
// CHECK: %[[RING:.*]] = memref.alloc() : memref<1x32x514xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<16x512xf32, #gpu.address_space<workgroup>>
// CHECK: %[[KT:.*]] = memref.subview %[[RING]][0, 0, 0] [1, 32, 512]
// CHECK: sparse_mla_tile.matmul %{{.*}}, %[[KT]] transpose_b into
// CHECK: sparse_mla_tile.matmul %{{.*}}, %[[KT]] into %[[ACC]] row_scale({{.*}}) : memref<16x32xf32, #gpu.address_space<workgroup>>, memref<32x512xbf16, strided<[514, 1]>, #gpu.address_space<workgroup>>, memref<16x512xf32, #gpu.address_space<workgroup>>
func.func @v4(%q: memref<?x?x64x512xbf16>, %kv: memref<?x?x1x512xbf16>,
              %idx: memref<?x?x1x512xi32>, %qs: i32,
              %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x512xbf16>) kv(%kv : memref<?x?x1x512xbf16>)
                 indices(%idx : memref<?x?x1x512xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true}
  return
}
