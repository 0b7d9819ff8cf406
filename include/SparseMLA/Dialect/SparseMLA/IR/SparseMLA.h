//===- SparseMLA.h - sparse_mla dialect -------------------------*- C++ -*-===//

#ifndef SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H
#define SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsDialect.h.inc"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.h.inc"

#define GET_OP_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOps.h.inc"

namespace mlir::sparse_mla {

/// The default schedule of `kind` for an op whose kv groups have
/// `headsPerGroup` (= H/G) query heads each.
ScheduleAttr getDefaultSchedule(MLIRContext *ctx, ScheduleKind kind,
                                int64_t headsPerGroup);

/// Returns why `schedule` cannot serve an op of sizes `problem` on a chip
/// with `maxSharedMemoryBytes` of shared memory per block, naming the limit
/// that failed; an empty string when it can.
std::string whyScheduleCannotServe(ScheduleAttr schedule,
                                   const FwdOp::Problem &problem,
                                   int64_t maxSharedMemoryBytes);

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H
