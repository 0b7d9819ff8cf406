//===- sparse-mla-translate.cpp - lowered module -> kernel package --------===//
//
// Reads the output of `sparse-mla-to-nvvm` (host launches carrying
// `sparse_mla.kernel_info`, and the gpu.module in the NVVM dialect) and
// writes what the runtime loads:
//
//   --package   the kernel package (docs/kernel-package.md): manifest, cubin
//               and PTX, serialized here with gpu-module-to-binary
//   --manifest  only the manifest, as JSON (needs no CUDA toolkit)
//   --ptx       only the PTX text
//
// The work is the library's (SparseMLA/Target/KernelPackage.h); this is its
// command line.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/InitAll.h"
#include "SparseMLA/Target/KernelPackage.h"
#include "SparseMLA/Version.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include "sparse_mla/package.h"

using namespace mlir;

namespace {

using mlir::sparse_mla::PackageOutput;

llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                         llvm::cl::desc("<input file>"),
                                         llvm::cl::init("-"));
llvm::cl::opt<std::string> outputFilename("o", llvm::cl::desc("Output file"),
                                          llvm::cl::value_desc("filename"),
                                          llvm::cl::init("-"));
llvm::cl::opt<PackageOutput> mode(
    llvm::cl::desc("What to write:"), llvm::cl::init(PackageOutput::Package),
    llvm::cl::values(
        clEnumValN(PackageOutput::Package, "package", "the kernel package (default)"),
        clEnumValN(PackageOutput::Manifest, "manifest", "the manifest JSON only"),
        clEnumValN(PackageOutput::Ptx, "ptx", "the kernel's PTX only")));
llvm::cl::opt<std::string>
    toolkit("toolkit",
            llvm::cl::desc("CUDA toolkit for ptxas and libdevice"),
            llvm::cl::init(mlir::sparse_mla::defaultCudaToolkit()));
llvm::cl::opt<std::string>
    kernelName("kernel",
               llvm::cl::desc("Entry to package when the module has several"),
               llvm::cl::init(""));

llvm::cl::opt<std::string> gpuModuleName(
    "gpu-module",
    llvm::cl::desc("With --ptx: serialize this gpu.module, whether or not a "
                   "sparse_mla launch names it"),
    llvm::cl::init(""));

llvm::cl::opt<bool> printOpOnDiagnostic(
    "print-op-on-diagnostic",
    llvm::cl::desc("Print the operation a diagnostic is attached to (for a "
                   "gpu.module, the whole kernel)"),
    llvm::cl::init(false));

llvm::cl::opt<bool> verifyPtxas(
    "verify-ptxas",
    llvm::cl::desc("With --package or --ptx: assemble the PTX with `ptxas -v` "
                   "and fail on spills, local memory (a stack frame) or "
                   "setmaxnreg being ignored (info C7508)"),
    llvm::cl::init(true));

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << SPARSE_MLA_COMPILER_ID << "\n";
  });
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "sparse_mla: lowered module -> kernel package\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  mlir::sparse_mla::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(printOpOnDiagnostic);

  std::string error;
  auto input = openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  // Parsing verifies the module, sparse_mla.kernel_info included.
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  auto output = openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "error: " << error << "\n";
    return 1;
  }
  mlir::sparse_mla::PackageOptions options;
  options.toolkit = toolkit;
  options.kernel = kernelName;
  options.gpuModule = gpuModuleName;
  options.verifyPtxas = verifyPtxas;
  FailureOr<std::string> bytes =
      mlir::sparse_mla::translateToKernelPackage(*module, mode, options);
  if (failed(bytes))
    return 1;
  output->os() << *bytes;
  output->keep();
  return 0;
}
