//===- SparseMLA.h - sparse_mla dialect -------------------------*- C++ -*-===//

#ifndef SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H
#define SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsDialect.h.inc"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.h.inc"

#define GET_OP_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOps.h.inc"

namespace mlir::sparse_mla {

/// The sizes of an op whose operands (or, in a kernel, the values they
/// became) are `q`, `kv`, `indices`, `out`, `lse` and `maxLogits` (null
/// without it), each dimension read from any of them that has it static.
/// FwdOp::getProblem is this on the op's own operands.
FwdOp::Problem getFwdProblem(Value q, Value kv, Value indices, Value out,
                             Value lse, Value maxLogits, bool attnSink,
                             bool topkLength);

/// The default schedule of `kind` for an op whose kv groups have
/// `headsPerGroup` (= H/G) query heads each.
ScheduleAttr getDefaultSchedule(MLIRContext *ctx, ScheduleKind kind,
                                int64_t headsPerGroup);

/// Shared-memory carve-up of the simple and pipelined schedules' kernels: byte offsets from
/// the dynamic shared-memory base (16-byte aligned, enough for its scalar
/// accesses). The lowering and the
/// schedule's shared-memory check both use it, so they cannot disagree.
struct SimpleSmemLayout {
  int64_t q;       ///< bf16 [heads_per_cta, Dqk]
  int64_t kv;      ///< bf16 [stages, block_k, kvPitch]: gathered rows, zero
                   ///< when masked
  int64_t kvPitch; ///< elements per kv row: Dqk + 2 (simple), which spreads
                   ///< the rows of one column over all 32 banks, or Dqk + 8
                   ///< (pipelined), which keeps rows 16-byte aligned for
                   ///< cp.async
  int64_t scores;  ///< f32 [heads_per_cta, block_k]: logits, then weights
  int64_t acc;     ///< f32 [heads_per_cta, Dv]: unnormalized output
  int64_t stats;   ///< f32 [3, heads_per_cta]: running max, sum, rescale
  int64_t rows;    ///< i32 [block_k]: kv row of each entry, -1 if invalid
  int64_t barriers; ///< i64 [2, stages] mbarriers, full then empty
                    ///< (pipelined only)
  int64_t total;   ///< bytes used
};
SimpleSmemLayout getSimpleSmemLayout(ScheduleAttr schedule, int64_t dqk,
                                     int64_t dv);

/// Shared-memory layout of the seesaw kernel (byte offsets from the dynamic
/// shared-memory base): the mbarriers of its channels, the consumers' row
/// statistics exchange, then the Q tile and the KV stages, each
/// [rows, Dqk] bf16 in 128-byte-swizzled 64-column blocks, from the first
/// 1024-aligned address at or after `tiles`, then consumer 1's P tile
/// (docs/seesaw-lowering.md).
struct SeesawLayout {
  int64_t barriers;    ///< i64 mbarriers: kv (2 x stages), q, max[2], p[2],
                       ///< with shared_validity valid[2] (stages)
  int64_t numBarriers;
  int64_t stats;       ///< f32 [2, heads_per_cta]: one slot per consumer
  int64_t validity = -1; ///< shared_validity: i8 [stages, block_k], else -1
  int64_t tiles;       ///< where the (aligned-up) tile region may start
  int64_t qTileBytes;  ///< [heads_per_cta, Dqk] bf16
  int64_t stageBytes;  ///< one KV stage, [block_k, Dqk] bf16
  int64_t pBuffer;     ///< consumer 1's P tile [heads_per_cta, block_k] bf16
                       ///< (offset as if the tile region started at `tiles`)
  int64_t pBuffer0 = -1; ///< Dqk = Dv (no RoPE slice to hold consumer 0's P
                         ///< tile): its own buffer after pBuffer, else -1
  int64_t total;       ///< bytes to request, alignment slack included
};
SeesawLayout getSeesawLayout(ScheduleAttr schedule, int64_t dqk);

/// Returns why the seesaw kernel cannot serve an op of sizes `problem` with
/// `schedule` (a shape or schedule parameter it does not implement), or an
/// empty string.
std::string whySeesawKernelCannotServe(ScheduleAttr schedule,
                                       const FwdOp::Problem &problem);

/// Returns why `schedule` cannot serve an op of sizes `problem` on a chip
/// with `maxSharedMemoryBytes` of shared memory per block, naming the limit
/// that failed; an empty string when it can.
std::string whyScheduleCannotServe(ScheduleAttr schedule,
                                   const FwdOp::Problem &problem,
                                   int64_t maxSharedMemoryBytes);

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_DIALECT_SPARSEMLA_IR_SPARSEMLA_H
