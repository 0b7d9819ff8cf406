//===- KernelPackage.h - lowered module -> kernel package -------*- C++ -*-===//
//
// What `sparse-mla-translate` does, as a library: a module lowered by
// `sparse-mla-to-nvvm` (host launches carrying `sparse_mla.kernel_info`, the
// gpu.module in the NVVM dialect) becomes a kernel package in memory
// (docs/kernel-package.md), its manifest, or its PTX. An embedding compiler
// calls this instead of running the tool.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_TARGET_KERNELPACKAGE_H
#define SPARSEMLA_TARGET_KERNELPACKAGE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::sparse_mla {

/// What to produce.
enum class PackageOutput {
  Package,  ///< the kernel package: manifest, cubin and PTX
  Manifest, ///< the manifest JSON only (needs no CUDA toolkit)
  Ptx,      ///< the kernel's PTX only
};

struct PackageOptions {
  /// CUDA toolkit root holding bin/ptxas and nvvm/libdevice; empty: none
  /// (then only the manifest can be written, or PTX with verifyPtxas off).
  std::string toolkit;
  /// The entry to package when the module launches several kernels.
  std::string kernel;
  /// With PackageOutput::Ptx: serialize this gpu.module, whether or not a
  /// sparse_mla launch names it.
  std::string gpuModule;
  /// Assemble the PTX with `ptxas -v` and fail on spills, local memory or an
  /// ignored setmaxnreg.
  bool verifyPtxas = true;
};

/// The output's bytes, or failure after a diagnostic on the module's
/// context (naming the op, the launch or the option at fault).
FailureOr<std::string> translateToKernelPackage(ModuleOp module,
                                                PackageOutput output,
                                                const PackageOptions &options);

/// The CUDA toolkit found when the compiler was built ("" if none).
const char *defaultCudaToolkit();

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_TARGET_KERNELPACKAGE_H
