//===- embed.cpp - sparse_mla inside another compiler ---------------------===//
//
//   embed INPUT.mlir OUTPUT [chip] [manifest|package]
//
// Registers the sparse_mla dialect in this program's own registry, parses
// INPUT, runs the sparse-mla-to-nvvm pipeline from C++ and writes the kernel
// package (or, with `manifest`, only its manifest: no CUDA toolkit needed)
// to OUTPUT — no subprocess, no sparse_mla tool.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/InitAll.h"
#include "SparseMLA/Pipelines/Pipelines.h"
#include "SparseMLA/Target/KernelPackage.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>
#include <string>

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    llvm::errs() << "usage: embed INPUT.mlir OUTPUT [chip] [manifest|package]\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  mlir::sparse_mla::registerAllDialects(registry);
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sources;
  mlir::SourceMgrDiagnosticHandler diagnostics(sources, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sources, &context);
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  mlir::sparse_mla::ToNVVMPipelineOptions options;
  options.chip = argc > 3 ? argv[3] : "sm_90a";
  std::string problem = mlir::sparse_mla::checkToNVVMPipelineOptions(options);
  if (!problem.empty()) {
    llvm::errs() << problem << "\n";
    return 2;
  }
  mlir::sparse_mla::buildToNVVMPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return 1;

  const bool manifestOnly = argc > 4 && std::string(argv[4]) == "manifest";
  mlir::sparse_mla::PackageOptions packaging;
  packaging.toolkit = mlir::sparse_mla::defaultCudaToolkit();
  mlir::FailureOr<std::string> bytes = mlir::sparse_mla::translateToKernelPackage(
      *module,
      manifestOnly ? mlir::sparse_mla::PackageOutput::Manifest
                   : mlir::sparse_mla::PackageOutput::Package,
      packaging);
  if (mlir::failed(bytes))
    return 1;
  std::ofstream(argv[2], std::ios::binary) << *bytes;
  llvm::outs() << "embed: wrote " << bytes->size() << " bytes to " << argv[2]
               << "\n";
  return 0;
}
