// REQUIRES: ptxas
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill_tensor.mlir --sparse-mla-to-nvvm=chip=sm_90a | sparse-mla-translate --package --toolkit=%cuda_toolkit -o %t.tensor.smlapkg
// RUN: sparse-mla-opt %src_root/examples/deepseek_v32_prefill.mlir --sparse-mla-to-nvvm=chip=sm_90a | sparse-mla-translate --package --toolkit=%cuda_toolkit -o %t.memref.smlapkg
// RUN: cmp %t.tensor.smlapkg %t.memref.smlapkg
