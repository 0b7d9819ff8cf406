//===- ChannelsToNVVM.cpp - channels -> mbarriers -------------------------===//

#include "WarpSpec/Conversion/Passes.h"
#include "WarpSpec/IR/HopperLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::ws {
#define GEN_PASS_DEF_CONVERTWSCHANNELSTONVVM
#include "WarpSpec/Conversion/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;
using namespace mlir::ws;

namespace {

/// How long one `mbarrier.try_wait` probe may suspend the thread before it
/// retries (a hint, in nanoseconds; PTX ISA "mbarrier.try_wait").
constexpr int32_t kTryWaitTicks = 10000000;

/// The creating op of a channel, or a diagnostic on `user`.
FailureOr<ChannelCreateOp> creator(Operation *user, Value channel) {
  auto create = channel.getDefiningOp<ChannelCreateOp>();
  if (!create)
    return user->emitOpError()
               << "channel must come straight from ws.channel.create (lower "
                  "ws.warp_specialize first)",
           failure();
  return create;
}

/// Pointer to barrier `index` (full slots first, then empty ones): the
/// barrier memref's aligned pointer plus `index` barriers, as the
/// `!llvm.ptr<3>` (shared memory) the NVVM mbarrier ops take.
Value barrier(ImplicitLocOpBuilder &b, ChannelCreateOp create, Value index) {
  Value bytes = arith::MulIOp::create(
      b, index, arith::ConstantIndexOp::create(b, hw::kMBarrierBytes));
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(b, create.getBarriers());
  Value addr = arith::AddIOp::create(b, base, bytes);
  Value addr64 = arith::IndexCastOp::create(b, b.getI64Type(), addr);
  return LLVM::IntToPtrOp::create(
      b, LLVM::LLVMPointerType::get(b.getContext(), /*addressSpace=*/3),
      addr64);
}

LogicalResult lowerRelease(ChannelReleaseOp op) {
  FailureOr<ChannelCreateOp> create = creator(op, op.getChannel());
  if (failed(create))
    return failure();
  ImplicitLocOpBuilder b(op.getLoc(), op);
  int64_t depth = op.getChannel().getType().getDepth();
  if (op.getSide() == ChannelSide::producer) {
    Value full = barrier(b, *create, op.getSlot());
    if (op.getAsync()) {
      NVVM::CpAsyncMBarrierArriveOp::create(b, full, /*noinc=*/true);
    } else if (std::optional<int64_t> tx = op.getTxBytes()) {
      // The first thread of the (warpgroup-aligned) role announces the
      // bytes with its arrival; the others arrive announcing 0 bytes, which
      // is a plain arrival. One instruction for all, no branch: a divergent
      // branch here cost a persistent producer (40 registers) dozens of
      // spilled registers.
      Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
      Value lead = arith::CmpIOp::create(
          b, arith::CmpIPredicate::eq,
          arith::RemUIOp::create(
              b, tid, arith::ConstantIndexOp::create(b, hw::kWarpgroupSize)),
          arith::ConstantIndexOp::create(b, 0));
      Value bytes = arith::SelectOp::create(
          b, lead, arith::ConstantIntOp::create(b, b.getI32Type(), *tx),
          arith::ConstantIntOp::create(b, b.getI32Type(), 0));
      NVVM::MBarrierArriveExpectTxOp::create(b, Type(), full, bytes,
                                             NVVM::MemScopeKind::CTA,
                                             /*relaxed=*/false, Value());
    } else
      NVVM::MBarrierArriveOp::create(b, Type(), full, Value());
  } else {
    Value which = arith::AddIOp::create(
        b, op.getSlot(), arith::ConstantIndexOp::create(b, depth));
    NVVM::MBarrierArriveOp::create(b, Type(), barrier(b, *create, which),
                                   Value());
  }
  op.erase();
  return success();
}

LogicalResult lowerAcquire(ChannelAcquireOp op) {
  FailureOr<ChannelCreateOp> create = creator(op, op.getChannel());
  if (failed(create))
    return failure();
  if (!op.getToken().use_empty())
    return op.emitOpError() << "token still in use after its release was "
                               "lowered";
  ImplicitLocOpBuilder b(op.getLoc(), op);
  int64_t depth = op.getChannel().getType().getDepth();
  Value depthC = arith::ConstantIndexOp::create(b, depth);
  Value slot = arith::RemUIOp::create(b, op.getIteration(), depthC);
  // Phase of this use of the slot; the producer waits for the previous one
  // (a fresh barrier counts as having completed it: the ring starts empty).
  Value round = arith::DivUIOp::create(b, op.getIteration(), depthC);
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value parity = arith::AndIOp::create(b, round, one);
  bool producer = op.getSide() == ChannelSide::producer;
  if (producer)
    parity = arith::XOrIOp::create(b, parity, one);
  Value phase = arith::IndexCastOp::create(b, b.getI32Type(), parity);
  Value which =
      producer ? arith::AddIOp::create(b, slot, depthC).getResult() : slot;
  Value ticks = arith::ConstantIntOp::create(b, b.getI32Type(), kTryWaitTicks);
  NVVM::MBarrierTryWaitParityOp::create(b, barrier(b, *create, which), phase,
                                        ticks);
  op.getSlot().replaceAllUsesWith(slot);
  if (Value view = op.getView()) {
    // The slot of the channel's buffer.
    auto buffer = cast<MemRefType>(create->getBuffer().getType());
    SmallVector<OpFoldResult> offsets = {slot}, sizes = {b.getIndexAttr(1)},
                              strides(buffer.getRank(), b.getIndexAttr(1));
    for (int64_t size : buffer.getShape().drop_front()) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(size));
    }
    view.replaceAllUsesWith(memref::SubViewOp::create(
        b, cast<MemRefType>(view.getType()), create->getBuffer(), offsets,
        sizes, strides));
  }
  op.erase();
  return success();
}

LogicalResult lowerCreate(ChannelCreateOp op) {
  if (!op.getChannel().use_empty())
    return op.emitOpError()
           << "is still used (by a ws.warp_specialize capture?); "
              "lower the roles first";
  ImplicitLocOpBuilder b(op.getLoc(), op);
  int64_t depth = op.getChannel().getType().getDepth();
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid,
                                      arith::ConstantIndexOp::create(b, 0));
  auto ifOp = scf::IfOp::create(b, first, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    Value producers =
        arith::ConstantIntOp::create(b, b.getI32Type(), op.getProducers());
    Value consumers =
        arith::ConstantIntOp::create(b, b.getI32Type(), op.getConsumers());
    for (int64_t s = 0; s < depth; ++s) {
      NVVM::MBarrierInitOp::create(
          b, barrier(b, op, arith::ConstantIndexOp::create(b, s)), producers,
          Value());
      NVVM::MBarrierInitOp::create(
          b, barrier(b, op, arith::ConstantIndexOp::create(b, depth + s)),
          consumers, Value());
    }
  }
  // Every thread sees initialized barriers before any role uses them.
  gpu::BarrierOp::create(b);
  op.erase();
  return success();
}

struct ConvertChannelsToNVVMPass
    : public ws::impl::ConvertWSChannelsToNVVMBase<ConvertChannelsToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<ChannelReleaseOp> releases;
    SmallVector<ChannelAcquireOp> acquires;
    SmallVector<ChannelCreateOp> creates;
    getOperation()->walk([&](Operation *op) {
      if (auto r = dyn_cast<ChannelReleaseOp>(op))
        releases.push_back(r);
      else if (auto a = dyn_cast<ChannelAcquireOp>(op))
        acquires.push_back(a);
      else if (auto c = dyn_cast<ChannelCreateOp>(op))
        creates.push_back(c);
    });
    for (ChannelReleaseOp op : releases)
      if (failed(lowerRelease(op)))
        return signalPassFailure();
    for (ChannelAcquireOp op : acquires)
      if (failed(lowerAcquire(op)))
        return signalPassFailure();
    for (ChannelCreateOp op : creates)
      if (failed(lowerCreate(op)))
        return signalPassFailure();
  }
};

} // namespace
