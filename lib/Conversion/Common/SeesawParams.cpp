//===- SeesawParams.cpp - the seesaw kernels' launch parameters ----------===//

#include "SeesawParams.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::sparse_mla;

/// Q's tensor map copies the tile in boxes of [64 rows, 64 bf16 columns]
/// (one 128-byte swizzle atom of the seesaw layout, docs/seesaw-lowering.md).
static constexpr int64_t kQBoxCols = 64, kQBoxRows = 64, kQBoxRowBytes = 128;

int64_t mlir::sparse_mla::seesawSplitWorkspaceBytes(int64_t nO) {
  return kSeesawSplitCounterBytes + 2 * hw::kWarpgroupSize * (nO + 4) * 4;
}

SmallVector<Type>
mlir::sparse_mla::seesawExtraParamTypes(MLIRContext *ctx,
                                        ScheduleAttr schedule) {
  SmallVector<Type> types = {LLVM::LLVMPointerType::get(ctx)};
  if (schedule.getSplitTail()) {
    Type i32 = IntegerType::get(ctx, 32);
    types.append({i32, i32, LLVM::LLVMPointerType::get(ctx, 1)});
  }
  return types;
}

ExtraLaunchArgs mlir::sparse_mla::seesawLaunchArgs(FwdOp op,
                                                   ScheduleAttr schedule,
                                                   StringRef splitKernel,
                                                   bool compiledScale) {
  ExtraLaunchArgs extra;
  extra.compiledScale = compiledScale;
  extra.names = {"q_map"};
  if (schedule.getSplitTail())
    extra.names.append({"split_tiles", "split_parts", "workspace"});
  // KV rows are gathered in 16-byte cp.async pieces.
  extra.rowAlignment = {{"kv", hw::kCpAsyncBytes}};
  // Persistent: one CTA per SM (the shared memory allows no more), each
  // looping over tiles; the launch's grid is still one CTA per tile, which
  // the kernel also computes correctly, and the runtime shrinks it to the
  // device's SM count.
  if (schedule.getPersistent())
    extra.ctasPerSm = 1;
  const FwdOp::Problem p = op.getProblem();
  const int64_t rounds = p.topk / (2 * schedule.getBlockK());
  std::string split = splitKernel.str();
  extra.build = [op, schedule, split, rounds,
                 dv = p.Dv](ImplicitLocOpBuilder &hb) mutable
      -> SmallVector<Value> {
    SmallVector<Type> types =
        seesawExtraParamTypes(hb.getContext(), schedule);
    SmallVector<Value> values = {TensorMapOp::create(
        hb, types[0], op.getQ(),
        hb.getDenseI64ArrayAttr({kQBoxCols, kQBoxRows, 1, 1}),
        hb.getI64IntegerAttr(kQBoxRowBytes))};
    if (schedule.getSplitTail()) {
      // Per split CTA: its ticket counters (one i32 per consumer warp) and
      // its part's values (O registers, 2 pivots and 2 row sums per
      // consumer thread, f32).
      auto plan =
          SplitPlanOp::create(hb, types[1], types[2], types[3], split, rounds,
                              seesawSplitWorkspaceBytes(dv / 4));
      values.append(plan->result_begin(), plan->result_end());
    }
    return values;
  };
  return extra;
}
