//===- Passes.h - hopper conversion passes ----------------------*- C++ -*-===//
//
// The lowering of the hopper dialect to NVVM.
//
//===----------------------------------------------------------------------===//

#ifndef HOPPER_CONVERSION_PASSES_H
#define HOPPER_CONVERSION_PASSES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::hopper {

#define GEN_PASS_DECL
#include "Hopper/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Hopper/Conversion/Passes.h.inc"

} // namespace mlir::hopper

#endif // HOPPER_CONVERSION_PASSES_H
