//===- HopperDialect.cpp - hopper dialect ---------------------------------===//

#include "Hopper/IR/Hopper.h"

using namespace mlir;
using namespace mlir::hopper;

#include "Hopper/IR/HopperOpsDialect.cpp.inc"

void HopperDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "Hopper/IR/HopperOps.cpp.inc"
      >();
}
