//===- embed-ws.cpp - the ws dialect alone inside another compiler --------===//
//
//   embed-ws INPUT.mlir
//
// Registers only the ws dialect and the upstream dialects around it, parses
// INPUT, lowers its roles and channels in every gpu.module with the ws
// dialect's two passes, and prints the result: a warp-specialized kernel of
// one's own, with nothing of sparse_mla linked in (SparseMLA::WarpSpec).
//
//===----------------------------------------------------------------------===//

#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: embed-ws INPUT.mlir\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  registry.insert<mlir::ws::WarpSpecDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::gpu::GPUDialect,
                  mlir::LLVM::LLVMDialect, mlir::memref::MemRefDialect,
                  mlir::NVVM::NVVMDialect, mlir::scf::SCFDialect>();
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sources;
  mlir::SourceMgrDiagnosticHandler diagnostics(sources, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sources, &context);
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  mlir::OpPassManager &device = pm.nest<mlir::gpu::GPUModuleOp>();
  device.addPass(mlir::ws::createConvertWSWarpSpecializeToNVVM());
  device.addPass(mlir::ws::createConvertWSChannelsToNVVM());
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  llvm::outs() << "\n";
  return 0;
}
