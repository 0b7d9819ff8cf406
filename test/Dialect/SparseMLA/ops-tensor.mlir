// RUN: sparse-mla-opt %s | FileCheck %s
// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s

// The value form: tensors in destination-passing style; the op returns the
// updated out, lse and (when given) max_logits.
// CHECK-LABEL: func.func @tensors
// CHECK: %{{.*}}:3 = sparse_mla.fwd q(%{{.*}} : tensor<2x4x8x64xbf16>) kv(%{{.*}} : tensor<2x16x2x64xbf16>) indices(%{{.*}} : tensor<2x4x2x32xi32>) q_start(%{{.*}}) out(%{{.*}} : tensor<2x4x8x32xbf16>) lse(%{{.*}} : tensor<2x4x8xf32>) max_logits(%{{.*}} : tensor<2x4x8xf32>) {causal = false} -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
func.func @tensors(%q: tensor<2x4x8x64xbf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>, %ml: tensor<2x4x8xf32>) -> (tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
  %o, %l, %m = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) max_logits(%ml : tensor<2x4x8xf32>) {causal = false} -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return %o, %l, %m : tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
}

// CHECK-LABEL: func.func @dynamic_no_max_logits
// CHECK: %{{.*}}:2 = sparse_mla.fwd {{.*}} -> tensor<?x?x8x32xbf16>, tensor<?x?x8xf32>
func.func @dynamic_no_max_logits(%q: tensor<?x?x8x64xbf16>, %kv: tensor<?x?x2x64xbf16>, %idx: tensor<?x?x2x32xi32>, %qs: i32, %out: tensor<?x?x8x32xbf16>, %lse: tensor<?x?x8xf32>) -> (tensor<?x?x8x32xbf16>, tensor<?x?x8xf32>) {
  %o, %l = sparse_mla.fwd q(%q : tensor<?x?x8x64xbf16>) kv(%kv : tensor<?x?x2x64xbf16>) indices(%idx : tensor<?x?x2x32xi32>) q_start(%qs) out(%out : tensor<?x?x8x32xbf16>) lse(%lse : tensor<?x?x8xf32>) -> tensor<?x?x8x32xbf16>, tensor<?x?x8xf32>
  return %o, %l : tensor<?x?x8x32xbf16>, tensor<?x?x8xf32>
}
