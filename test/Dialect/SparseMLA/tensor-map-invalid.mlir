// RUN: sparse-mla-opt %s -split-input-file -verify-diagnostics

// One case per sparse_mla.tensor_map verifier message.

func.func @tensor_map_box_rank(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op box must have one size per dimension (4), but has 2}}
  %m = sparse_mla.tensor_map %q box [64, 64] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_box_size(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op box[1] must be in [1, 256], but is 512}}
  %m = sparse_mla.tensor_map %q box [64, 512, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_swizzle_span(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op innermost box of 128 elements is 256 bytes, more than the 128-byte swizzle span}}
  %m = sparse_mla.tensor_map %q box [128, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_swizzle_value(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op swizzle must be 0, 32, 64 or 128 bytes, but is 96}}
  %m = sparse_mla.tensor_map %q box [32, 64, 1, 1] swizzle(96) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_result(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op result must be !llvm.ptr (a host pointer to the encoded map), but is '!llvm.ptr<1>'}}
  %m = sparse_mla.tensor_map %q box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr<1>
  return
}

// -----

func.func @tensor_map_element(%q: memref<?x8xf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op source element type must be bf16, f32 or i32, but is 'f16'}}
  %m = sparse_mla.tensor_map %q box [8, 8] swizzle(0) : memref<?x8xf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_rank(%t: memref<1x1x1x1x1x8xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op source rank must be in [1, 5], but is 6}}
  %m = sparse_mla.tensor_map %t box [8, 1, 1, 1, 1, 1] swizzle(0) : memref<1x1x1x1x1x8xbf16> -> !llvm.ptr
  return
}

// -----

func.func @tensor_map_unswizzled_row(%q: memref<?x?x64x576xbf16>) {
  // expected-error @+1 {{'sparse_mla.tensor_map' op innermost box of 4 elements is 8 bytes; without swizzle it must be a multiple of 16}}
  %m = sparse_mla.tensor_map %q box [4, 64, 1, 1] swizzle(0) : memref<?x?x64x576xbf16> -> !llvm.ptr
  return
}
