// RUN: sparse-mla-opt %S/../../examples/deepseek_v32_prefill.mlir --sparse-mla-to-nvvm="chip=sm_90a" | grep -c "llvm.inline_asm" | FileCheck %s

// The default sm_90a kernel of the V3.2 example holds each distinct inline
// PTX statement once (sparse-mla-outline-inline-asm): at most 48 in its final
// NVVM IR.
// CHECK: {{^([0-9]|[1-3][0-9]|4[0-8])$}}
