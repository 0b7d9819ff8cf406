//===- SparseMLATypes.cpp - sparse_mla types ------------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparse_mla;

#define GET_TYPEDEF_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsTypes.cpp.inc"

void SparseMLADialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsTypes.cpp.inc"
      >();
}

LogicalResult
ChannelType::verify(function_ref<InFlightDiagnostic()> emitError,
                    int64_t depth) {
  if (depth < 1)
    return emitError() << "channel depth must be >= 1, but got " << depth;
  return success();
}
