//===- SeesawParams.h - the seesaw kernels' launch parameters -*- C++ -*-===//
//
// What the launch of a seesaw kernel passes beyond the op's operands, shared
// by the pass that makes the launch (convert-sparse-mla-to-tiles) and the one
// that builds the kernel's body (convert-sparse-mla-seesaw-to-gpu).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_LIB_CONVERSION_SEESAWPARAMS_H
#define SPARSEMLA_LIB_CONVERSION_SEESAWPARAMS_H

#include "KernelCommon.h"

namespace mlir::sparse_mla {

/// The kernel a seesaw op becomes, and with `split_tail` its split kernel.
constexpr llvm::StringLiteral kSeesawKernelName = "sparse_mla_fwd_seesaw";
constexpr llvm::StringLiteral kSeesawSplitKernelName =
    "sparse_mla_fwd_seesaw_split";

/// split_tail: the ticket counters at the start of each split CTA's
/// workspace block, one i32 per consumer warp.
constexpr int64_t kSeesawSplitCounterBytes = 2 * 4 * 4;
/// Kernel parameters after the op's operands (and scale_log2) with
/// split_tail: Q's tensor map, then the split plan (tiles, parts,
/// workspace).
constexpr int64_t kSeesawSplitPlanParams = 3;

/// Workspace bytes per CTA of the split kernel for `nO` O registers per
/// consumer thread: the ticket counters, then the part's O values, two
/// pivots and two row sums per consumer thread (f32).
int64_t seesawSplitWorkspaceBytes(int64_t nO);

/// The types of the seesaw kernels' parameters after the op's operands
/// (and scale_log2): Q's tensor map (a __grid_constant__ CUtensorMap, as a
/// pointer until sparse-mla-by-value-params), then with split_tail the split
/// plan.
SmallVector<Type> seesawExtraParamTypes(MLIRContext *ctx,
                                        ScheduleAttr schedule);

/// The launch of a seesaw kernel for `op`: the names and host values of the
/// parameters of seesawExtraParamTypes (the split plan naming
/// `splitKernel`, empty without split_tail), the kv row alignment of its
/// 16-byte cp.async gathers and, when persistent, one CTA per SM.
ExtraLaunchArgs seesawLaunchArgs(FwdOp op, ScheduleAttr schedule,
                                 StringRef splitKernel, bool compiledScale);

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_LIB_CONVERSION_SEESAWPARAMS_H
