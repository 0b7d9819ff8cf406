//===- TileDialect.cpp - sparse_mla_tile dialect and types ----------------===//

#include "SparseMLA/Dialect/Tile/IR/Tile.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparse_mla::tile;

#include "SparseMLA/Dialect/Tile/IR/TileOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileOpsTypes.cpp.inc"

void TileDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "SparseMLA/Dialect/Tile/IR/TileOps.cpp.inc"
      >();
}

void TileDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "SparseMLA/Dialect/Tile/IR/TileOpsTypes.cpp.inc"
      >();
}

LogicalResult RowsType::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t size) {
  if (size < 1)
    return emitError() << "a block of rows must hold >= 1 entry, but got "
                       << size;
  return success();
}
