//===- WarpSpecializeToNVVM.cpp - roles -> branches + setmaxnreg ----------===//

#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/IR/HopperLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::ws {
#define GEN_PASS_DEF_CONVERTWSWARPSPECIALIZETONVVM
#include "WarpSpec/Conversion/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;
using namespace mlir::ws;

namespace {

/// Registers per thread that ptxas gives a kernel of `threads` threads at
/// entry under `.minnctapersm 1`: the register file split evenly, capped at
/// the per-thread maximum, rounded down to the allocation granule.
int64_t entryRegisters(int64_t threads) {
  int64_t regs =
      std::min(hw::kRegistersPerSM / threads, hw::kMaxRegistersPerThread);
  return regs / hw::kSetMaxNRegGranule * hw::kSetMaxNRegGranule;
}

LogicalResult lowerWarpSpecialize(WarpSpecializeOp ws) {
  auto func = ws->getParentOfType<gpu::GPUFuncOp>();
  if (!func || !func.isKernel())
    return ws.emitOpError() << "must be inside a gpu.func kernel to be "
                               "lowered";
  const int64_t threads = ws.getNumThreads();
  if (DenseI32ArrayAttr known = func.getKnownBlockSizeAttr()) {
    if (known.size() != 3 || known[0] != threads || known[1] != 1 ||
        known[2] != 1)
      return ws.emitOpError()
             << "roles need a block of [" << threads
             << ", 1, 1] threads, but the kernel's known_block_size is "
             << known;
  }
  MLIRContext *ctx = ws.getContext();
  OpBuilder attrs(ctx);
  func.setKnownBlockSizeAttr(
      attrs.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                attrs.getI32IntegerAttr(1));
  const int64_t entry = entryRegisters(threads);

  ImplicitLocOpBuilder b(ws.getLoc(), ws);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  int64_t firstThread = 0;
  for (auto [i, region] : llvm::enumerate(ws.getPartitions())) {
    const int64_t roleThreads = int64_t(ws.getNumWarps()[i]) * hw::kWarpSize;
    Value lo = arith::ConstantIndexOp::create(b, firstThread);
    Value hi = arith::ConstantIndexOp::create(b, firstThread + roleThreads);
    Value aboveLo =
        arith::CmpIOp::create(b, arith::CmpIPredicate::uge, tid, lo);
    Value belowHi =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tid, hi);
    Value inRole = arith::AndIOp::create(b, aboveLo, belowHi);
    auto ifOp = scf::IfOp::create(b, inRole, /*withElseRegion=*/false);
    firstThread += roleThreads;

    OpBuilder::InsertionGuard guard(b);
    Block *then = ifOp.thenBlock();
    b.setInsertionPoint(then->getTerminator());
    const int64_t regs = ws.getRegs()[i];
    if (regs != entry)
      NVVM::SetMaxRegisterOp::create(
          b, b.getI32IntegerAttr(regs),
          NVVM::SetMaxRegisterActionAttr::get(
              ctx, regs > entry ? NVVM::SetMaxRegisterAction::increase
                                : NVVM::SetMaxRegisterAction::decrease));

    // The role's body, with the captures in place of its arguments.
    Block &body = region.front();
    for (auto [arg, capture] : llvm::zip(body.getArguments(), ws.getCaptures()))
      arg.replaceAllUsesWith(capture);
    body.getTerminator()->erase();
    then->getOperations().splice(Block::iterator(then->getTerminator()),
                                 body.getOperations());

    // Barriers inside a role synchronize that role only.
    SmallVector<gpu::BarrierOp> barriers;
    ifOp.getThenRegion().walk(
        [&](gpu::BarrierOp barrier) { barriers.push_back(barrier); });
    for (gpu::BarrierOp barrier : barriers) {
      ImplicitLocOpBuilder bb(barrier.getLoc(), barrier);
      Value id = arith::ConstantIntOp::create(bb, bb.getI32Type(), i + 1);
      Value count =
          arith::ConstantIntOp::create(bb, bb.getI32Type(), roleThreads);
      NVVM::BarrierOp::create(bb, Type(), id, count, {}, Value());
      barrier.erase();
    }
  }
  ws.erase();
  return success();
}

struct ConvertWarpSpecializeToNVVMPass
    : public ws::impl::ConvertWSWarpSpecializeToNVVMBase<
          ConvertWarpSpecializeToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<WarpSpecializeOp> ops;
    getOperation()->walk([&](WarpSpecializeOp ws) { ops.push_back(ws); });
    for (WarpSpecializeOp ws : ops)
      if (failed(lowerWarpSpecialize(ws)))
        return signalPassFailure();
  }
};

} // namespace
