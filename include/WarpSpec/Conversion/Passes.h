//===- Passes.h - ws conversion passes --------------------------*- C++ -*-===//
//
// The lowerings of the ws dialect to NVVM: roles to setmaxnreg branches,
// channels to mbarriers.
//
//===----------------------------------------------------------------------===//

#ifndef WARPSPEC_CONVERSION_PASSES_H
#define WARPSPEC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir::ws {

#define GEN_PASS_DECL
#include "WarpSpec/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "WarpSpec/Conversion/Passes.h.inc"

} // namespace mlir::ws

#endif // WARPSPEC_CONVERSION_PASSES_H
