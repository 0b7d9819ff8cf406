//===- Passes.h - sparse_mla transformation passes --------------*- C++ -*-===//

#ifndef SPARSEMLA_DIALECT_SPARSEMLA_TRANSFORMS_PASSES_H
#define SPARSEMLA_DIALECT_SPARSEMLA_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::sparse_mla {

#define GEN_PASS_DECL
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "SparseMLA/Dialect/SparseMLA/Transforms/Passes.h.inc"

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_DIALECT_SPARSEMLA_TRANSFORMS_PASSES_H
