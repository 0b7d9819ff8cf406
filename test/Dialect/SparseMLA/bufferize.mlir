// RUN: sparse-mla-opt %s -split-input-file --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s
// RUN: sparse-mla-opt %s -split-input-file --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=IDENTITY

// In place: the destinations' buffers are written, nothing is allocated or
// copied; the function-boundary buffers (fully dynamic layouts) are cast to
// unit innermost strides, which the op needs.
// CHECK-LABEL: func.func @in_place
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: %[[OUT:.*]] = memref.cast %arg4 : memref<?x?x128x512xbf16, strided<[?, ?, ?, ?], offset: ?>> to memref<?x?x128x512xbf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK: sparse_mla.fwd q(%{{.*}} : memref<?x?x128x576xbf16, strided<[?, ?, ?, 1], offset: ?>>) {{.*}} out(%[[OUT]] : memref<?x?x128x512xbf16, strided<[?, ?, ?, 1], offset: ?>>) {{.*}} {causal = false}
// CHECK-NOT: ->
// CHECK: return
// IDENTITY-LABEL: func.func @in_place
// IDENTITY-NOT: memref.cast
// IDENTITY: sparse_mla.fwd q(%arg0 : memref<?x?x128x576xbf16>) kv(%arg1 : memref<?x?x1x576xbf16>) indices(%arg2 : memref<?x?x1x2048xi32>) q_start(%arg3) out(%arg4 : memref<?x?x128x512xbf16>) lse(%arg5 : memref<?x?x128xf32>) {causal = false}
func.func @in_place(%q: tensor<?x?x128x576xbf16>, %kv: tensor<?x?x1x576xbf16>, %idx: tensor<?x?x1x2048xi32>, %qs: i32, %out: tensor<?x?x128x512xbf16>, %lse: tensor<?x?x128xf32>) -> (tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>) {
  %o, %l = sparse_mla.fwd q(%q : tensor<?x?x128x576xbf16>) kv(%kv : tensor<?x?x1x576xbf16>) indices(%idx : tensor<?x?x1x2048xi32>) q_start(%qs) out(%out : tensor<?x?x128x512xbf16>) lse(%lse : tensor<?x?x128xf32>) {causal = false} -> tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>
  return %o, %l : tensor<?x?x128x512xbf16>, tensor<?x?x128xf32>
}

// -----

// Out of place: the old value of %out is still returned after the op, so the
// op writes a new buffer. The destination's old contents are not read (every
// element is overwritten), so the new buffer is allocated, not copied.
// CHECK-LABEL: func.func @copy
// CHECK: %[[NEW:.*]] = memref.alloc({{.*}}) {{.*}} : memref<2x4x8x32xbf16>
// CHECK-NOT: memref.copy
// CHECK: sparse_mla.fwd {{.*}} out(%[[NEW]] : memref<2x4x8x32xbf16>)
// CHECK: return %[[NEW]], %{{.*}}, %arg4
func.func @copy(%q: tensor<2x4x8x64xbf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>) -> (tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8x32xbf16>) {
  %o, %l = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>
  return %o, %l, %out : tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8x32xbf16>
}

// -----

// Destinations made inside the function (tensor.empty): fresh buffers.
// CHECK-LABEL: func.func @empty_destinations
// CHECK-DAG: %[[O:.*]] = memref.alloc() {{.*}} : memref<2x4x8x32xbf16>
// CHECK-DAG: %[[L:.*]] = memref.alloc() {{.*}} : memref<2x4x8xf32>
// CHECK: sparse_mla.fwd {{.*}} out(%[[O]] : memref<2x4x8x32xbf16>) lse(%[[L]] : memref<2x4x8xf32>)
func.func @empty_destinations(%q: tensor<2x4x8x64xbf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32) -> (tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>) {
  %out = tensor.empty() : tensor<2x4x8x32xbf16>
  %lse = tensor.empty() : tensor<2x4x8xf32>
  %o, %l = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>
  return %o, %l : tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>
}
