//===- WarpSpec.h - ws dialect ----------------------------------*- C++ -*-===//
//
// The ws (warp specialization) dialect: roles of one CTA and the channels
// between them. Depends on MLIR only.
//
//===----------------------------------------------------------------------===//

#ifndef WARPSPEC_IR_WARPSPEC_H
#define WARPSPEC_IR_WARPSPEC_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "WarpSpec/IR/WarpSpecEnums.h.inc"
#include "WarpSpec/IR/WarpSpecInterfaces.h.inc"
#include "WarpSpec/IR/WarpSpecOpsDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "WarpSpec/IR/WarpSpecOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "WarpSpec/IR/WarpSpecOps.h.inc"

#endif // WARPSPEC_IR_WARPSPEC_H
