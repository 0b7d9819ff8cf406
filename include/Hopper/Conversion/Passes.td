//===- Passes.td - hopper conversion passes --------------*- tablegen -*-===//

#ifndef HOPPER_CONVERSION_PASSES_TD
#define HOPPER_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertHopperToNVVM : Pass<"convert-hopper-to-nvvm"> {
  let summary = "Lower hopper ops to NVVM ops (and inline PTX where MLIR 22 "
                "has no op)";
  let description = [{
    `hopper.wgmma` becomes `nvvm.wgmma.mma_async` (m64nNk16, bf16 x bf16 ->
    f32); `hopper.wgmma_commit` and the fence and wait become
    `nvvm.wgmma.commit.group.sync.aligned`, `nvvm.wgmma.fence.aligned` and
    `nvvm.wgmma.wait.group.sync.aligned`. MLIR 22 has no op for two things,
    which become inline PTX, one statement each:
    - `hopper.wgmma_rs` (A from registers): the `wgmma.mma_async` text with
      the accumulator registers tied in and out;
    - the tie of a `hopper.wgmma_wait` (after the wait), a
      `hopper.wgmma_fence` (before the fence) or a `hopper.pin` to its
      values: one empty side-effecting statement whose outputs are tied to
      every f32 / i32 register of the values, which LLVM keeps in order
      with the waits, fences and wgmma around it and cannot see through.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

#endif // HOPPER_CONVERSION_PASSES_TD
