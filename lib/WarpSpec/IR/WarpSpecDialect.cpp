//===- WarpSpecDialect.cpp - ws dialect -----------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"

using namespace mlir;
using namespace mlir::ws;

#include "WarpSpec/IR/WarpSpecEnums.cpp.inc"
#include "WarpSpec/IR/WarpSpecInterfaces.cpp.inc"
#include "WarpSpec/IR/WarpSpecOpsDialect.cpp.inc"

void WarpSpecDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "WarpSpec/IR/WarpSpecOps.cpp.inc"
      >();
}
