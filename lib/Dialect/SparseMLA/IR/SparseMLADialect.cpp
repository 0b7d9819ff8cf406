//===- SparseMLADialect.cpp - sparse_mla dialect --------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparse_mla;

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsDialect.cpp.inc"

void SparseMLADialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOps.cpp.inc"
      >();
}
