//===- Tile.h - sparse_mla_tile dialect -------------------------*- C++ -*-===//
//
// The tile program of a sparse MLA kernel (IR level 2): tile ops on
// workgroup memrefs, before threads, barriers or hardware instructions.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_DIALECT_TILE_IR_TILE_H
#define SPARSEMLA_DIALECT_TILE_IR_TILE_H

#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "SparseMLA/Dialect/Tile/IR/TileOpsDialect.h.inc"

namespace mlir::sparse_mla::tile {
/// On a kernel whose tile program is to be split into a producer and a
/// consumer role (sparse-mla-tile-partition-pipelined): their register
/// budgets, as a DenseI32ArrayAttr.
constexpr llvm::StringLiteral kPipelineRegsAttrName =
    "sparse_mla_tile.pipeline_regs";
/// On a kernel whose tile program becomes the seesaw kernel
/// (convert-sparse-mla-seesaw-to-gpu): a DictionaryAttr with the `schedule`
/// (#sparse_mla.schedule), `kv_stride` (which the program holds only as the
/// arithmetic of each block's causal bound) and `split` (whether this is
/// split_tail's split kernel).
constexpr llvm::StringLiteral kSeesawAttrName = "sparse_mla_tile.seesaw";
} // namespace mlir::sparse_mla::tile

#define GET_TYPEDEF_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileOpsTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileAttrs.h.inc"

#define GET_OP_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileOps.h.inc"

#endif // SPARSEMLA_DIALECT_TILE_IR_TILE_H
