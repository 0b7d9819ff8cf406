//===- Passes.h - sparse_mla conversion passes ------------------*- C++ -*-===//

#ifndef SPARSEMLA_CONVERSION_PASSES_H
#define SPARSEMLA_CONVERSION_PASSES_H

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "Hopper/IR/Hopper.h"
#include "WarpSpec/IR/WarpSpec.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparse_mla {

#define GEN_PASS_DECL
#include "SparseMLA/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "SparseMLA/Conversion/Passes.h.inc"

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_CONVERSION_PASSES_H
