//===- HopperDialect.td - hopper dialect -----------------*- tablegen -*-===//

#ifndef HOPPER_DIALECT_TD
#define HOPPER_DIALECT_TD

include "mlir/IR/OpBase.td"

def Hopper_Dialect : Dialect {
  let name = "hopper";
  let summary = "a thin layer of NVIDIA Hopper (sm_90a) warpgroup matrix ops";
  let description = [{
    The `hopper` dialect is the last level before NVVM: warpgroup matrix
    multiply-accumulate (`wgmma.mma_async`) with A from shared memory or
    from registers, and the fence / commit / wait that order it, with the
    accumulators threaded through SSA. A wait returns the accumulators it
    waited for and a fence the registers it orders, so nothing can read an
    accumulator before its wait or write an operand after its fence.

    Operands are what NVVM's `wgmma.mma_async` takes: 64-bit shared-memory
    matrix descriptors and `!llvm.struct` accumulators of f32. What MLIR 22
    has an op for lowers to it (`convert-hopper-to-nvvm`); the register-A
    form, which it has none for, lowers to one inline PTX statement, as does
    the tie of a wait or fence to its registers.

    It knows nothing of what the matrices hold. Its operations that read
    shared memory name the proxy they read through
    (`ws::SharedMemoryProxyOpInterface`), so `ws-insert-proxy-fences` orders
    generic-proxy writes before them.
  }];
  let cppNamespace = "::mlir::hopper";
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let usePropertiesForAttributes = 1;
}

class Hopper_Op<string mnemonic, list<Trait> traits = []>
    : Op<Hopper_Dialect, mnemonic, traits>;

#endif // HOPPER_DIALECT_TD
