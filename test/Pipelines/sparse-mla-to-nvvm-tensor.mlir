// The pipeline takes the op on tensors end to end (it bufferizes first) and
// lowers the same kernel as for the memref form: the manifests are equal,
// and with ptxas the packages are byte for byte the same.
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill_tensor.mlir --sparse-mla-to-nvvm=chip=sm_90a -o %t.tensor.mlir
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill.mlir --sparse-mla-to-nvvm=chip=sm_90a -o %t.memref.mlir
// RUN: sparse-mla-translate --manifest %t.tensor.mlir -o %t.tensor.json
// RUN: sparse-mla-translate --manifest %t.memref.mlir -o %t.memref.json
// RUN: cmp %t.tensor.json %t.memref.json
// RUN: FileCheck %s --input-file=%t.tensor.mlir
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill_tensor.mlir --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --manifest -o %t.tensor-simple.json
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill.mlir --sparse-mla-to-nvvm="chip=sm_90a schedule=simple" | sparse-mla-translate --manifest -o %t.memref-simple.json
// RUN: cmp %t.tensor-simple.json %t.memref-simple.json

// No tensor and no sparse_mla.fwd is left; the host function works on memrefs.
// CHECK-NOT: tensor<
// CHECK-NOT: sparse_mla.fwd
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw
