// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per message of the op's value form (tensors, destination style);
// every rule of the buffer form (invalid.mlir) applies to tensors too.

func.func @mixed(%q: tensor<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operands must be all memrefs or all ranked tensors, but operand 'q' is a tensor and operand #1 is 'memref<2x16x2x64xbf16>'}}
  %o, %l = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>
  return
}

// -----

func.func @result_count(%q: tensor<2x4x8x64xbf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op on tensors must return 2 values (out, lse), but returns 1}}
  %o = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>
  return
}

// -----

func.func @result_type(%q: tensor<2x4x8x64xbf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op result #1 must have the type of its destination, 'tensor<2x4x8xf32>', but has 'tensor<2x4x9xf32>'}}
  %o, %l = sparse_mla.fwd q(%q : tensor<2x4x8x64xbf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>, tensor<2x4x9xf32>
  return
}

// -----

func.func @memref_with_results(%q: memref<2x4x8x64xbf16>, %kv: memref<2x16x2x64xbf16>, %idx: memref<2x4x2x32xi32>, %qs: i32, %out: memref<2x4x8x32xbf16>, %lse: memref<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op on memrefs has no results, but has 1}}
  %r = sparse_mla.fwd q(%q : memref<2x4x8x64xbf16>) kv(%kv : memref<2x16x2x64xbf16>) indices(%idx : memref<2x4x2x32xi32>) q_start(%qs) out(%out : memref<2x4x8x32xbf16>) lse(%lse : memref<2x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// The shared rules hold for tensors too (here: element type).
func.func @tensor_element_type(%q: tensor<2x4x8x64xf16>, %kv: tensor<2x16x2x64xbf16>, %idx: tensor<2x4x2x32xi32>, %qs: i32, %out: tensor<2x4x8x32xbf16>, %lse: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'sparse_mla.fwd' op operand 'q' must have element type bf16, but got 'f16'}}
  %o, %l = sparse_mla.fwd q(%q : tensor<2x4x8x64xf16>) kv(%kv : tensor<2x16x2x64xbf16>) indices(%idx : tensor<2x4x2x32xi32>) q_start(%qs) out(%out : tensor<2x4x8x32xbf16>) lse(%lse : tensor<2x4x8xf32>) -> tensor<2x4x8x32xbf16>, tensor<2x4x8xf32>
  return
}

