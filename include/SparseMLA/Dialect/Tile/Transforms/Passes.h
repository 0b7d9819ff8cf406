//===- Passes.h - sparse_mla_tile transformation passes ---------*- C++ -*-===//

#ifndef SPARSEMLA_DIALECT_TILE_TRANSFORMS_PASSES_H
#define SPARSEMLA_DIALECT_TILE_TRANSFORMS_PASSES_H

#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "WarpSpec/IR/WarpSpec.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sparse_mla::tile {

#define GEN_PASS_DECL
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "SparseMLA/Dialect/Tile/Transforms/Passes.h.inc"

} // namespace mlir::sparse_mla::tile

#endif // SPARSEMLA_DIALECT_TILE_TRANSFORMS_PASSES_H
