//===- WarpSpecTypes.cpp - ws types ---------------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ws;

#define GET_TYPEDEF_CLASSES
#include "WarpSpec/IR/WarpSpecOpsTypes.cpp.inc"

void WarpSpecDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "WarpSpec/IR/WarpSpecOpsTypes.cpp.inc"
      >();
}

LogicalResult ChannelType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t depth) {
  if (depth < 1)
    return emitError() << "channel depth must be >= 1, but got " << depth;
  return success();
}
