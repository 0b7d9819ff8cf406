// RUN: sparse-mla-opt %s -split-input-file --pass-pipeline="builtin.module(gpu.module(llvm.func(sparse-mla-by-value-params)))" -verify-diagnostics | FileCheck %s

// The listed argument becomes a 128-byte by-value, 64-aligned grid constant;
// the list is dropped.
// CHECK: llvm.func @kernel(%{{[a-z0-9]+}}: i64, %{{[a-z0-9]+}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.struct<(array<16 x i64>)>, nvvm.grid_constant}) attributes {nvvm.kernel} {
gpu.module @k {
  llvm.func @kernel(%n: i64, %map: !llvm.ptr) attributes {nvvm.kernel, sparse_mla.by_value_params = array<i64: 1>} {
    llvm.return
  }
}

// -----

gpu.module @k {
  // expected-error @+1 {{'llvm.func' op by-value parameter #0 is not an !llvm.ptr argument}}
  llvm.func @kernel(%n: i64, %map: !llvm.ptr) attributes {nvvm.kernel, sparse_mla.by_value_params = array<i64: 0>} {
    llvm.return
  }
}

// -----

gpu.module @k {
  // expected-error @+1 {{'llvm.func' op lists by-value parameters but is not an NVVM kernel (run after convert-gpu-to-nvvm)}}
  llvm.func @device(%map: !llvm.ptr) attributes {sparse_mla.by_value_params = array<i64: 0>} {
    llvm.return
  }
}
