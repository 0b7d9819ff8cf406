//===- sparse-mla-opt.cpp - sparse_mla optimizer driver -------------------===//
//
// mlir-opt with the sparse_mla dialect and passes added. Every upstream
// dialect, pass, extension and the GPU-to-LLVM-IR translations are registered
// too, so a whole pipeline (down to gpu-module-to-binary) runs in one tool.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/InitAll.h"
#include "SparseMLA/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << SPARSE_MLA_COMPILER_ID << "\n";
  });
  // A diagnostic names its op's location, not the op itself: printing the
  // op would dump a whole gpu.module for an error in a kernel. The flag
  // (given after this default) brings the op back.
  llvm::SmallVector<char *> args(argv, argv + argc);
  static char quietOps[] = "--mlir-print-op-on-diagnostic=false";
  args.insert(args.begin() + 1, quietOps);
  argc = static_cast<int>(args.size());
  args.push_back(nullptr); // argv[argc]
  argv = args.data();

  mlir::registerAllPasses();
  mlir::sparse_mla::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  mlir::sparse_mla::registerAllDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "sparse_mla optimizer driver\n", registry));
}
