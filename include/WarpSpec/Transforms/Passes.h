//===- Passes.h - ws transformation passes ----------------------*- C++ -*-===//

#ifndef WARPSPEC_TRANSFORMS_PASSES_H
#define WARPSPEC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir::ws {

#define GEN_PASS_DECL
#include "WarpSpec/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "WarpSpec/Transforms/Passes.h.inc"

} // namespace mlir::ws

#endif // WARPSPEC_TRANSFORMS_PASSES_H
