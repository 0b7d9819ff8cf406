//===- Passes.td - ws transformation passes --------------*- tablegen -*-===//

#ifndef WARPSPEC_TRANSFORMS_PASSES_TD
#define WARPSPEC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WSAssignSharedMemory
    : Pass<"ws-assign-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Place a kernel's workgroup allocations in its dynamic "
                "shared memory, once";
  let description = [{
    Every `memref.alloc` of a statically shaped, identity-layout memref in
    the workgroup address space inside a `gpu.func` (in its body or in a
    role of a `ws.warp_specialize`) becomes a `memref.view` of the kernel's
    dynamic shared memory (`gpu.dynamic_shared_memory`) at an offset: the
    allocations are laid out in program order (pre-order walk), each at the
    next multiple of `alignment` bytes, disjoint for the whole kernel (every
    buffer lives for the whole kernel: roles run concurrently). The kernel
    gets `ws.dynamic_shared_memory` = the bytes used, and every
    `gpu.launch_func` of it in the module must pass at least that many
    (a constant), or the pass fails naming both numbers.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"128",
           "Byte alignment of every buffer (128: TMA and cp.async targets, "
           "bank-aligned rows)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

#endif // WARPSPEC_TRANSFORMS_PASSES_TD
