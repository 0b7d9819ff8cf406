//===- ExpandValueTransfers.cpp - value-channel sends / receives ----------===//
//
// ws.channel.send / ws.channel.receive -> acquire, memref.store / load on
// the acquired slot's view, release.
//
//===----------------------------------------------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"
#include "WarpSpec/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ws {
#define GEN_PASS_DEF_WSEXPANDVALUETRANSFERS
#include "WarpSpec/Transforms/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;
using namespace mlir::ws;

namespace {

/// send: acquire the producer side, store into the slot, release it.
struct ExpandSend : OpRewritePattern<ChannelSendOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChannelSendOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto acquire = ChannelAcquireOp::create(rewriter, loc, op.getChannel(),
                                            op.getIteration(),
                                            ChannelSide::producer);
    memref::StoreOp::create(rewriter, loc, op.getValue(), acquire.getView(),
                            op.getIndices());
    ChannelReleaseOp::create(rewriter, loc, op.getChannel(),
                             acquire.getSlot(), acquire.getToken(),
                             ChannelSide::producer, /*async=*/false);
    rewriter.eraseOp(op);
    return success();
  }
};

/// receive: acquire the consumer side, load from the slot, release it.
struct ExpandReceive : OpRewritePattern<ChannelReceiveOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChannelReceiveOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto acquire = ChannelAcquireOp::create(rewriter, loc, op.getChannel(),
                                            op.getIteration(),
                                            ChannelSide::consumer);
    Value value = memref::LoadOp::create(rewriter, loc, acquire.getView(),
                                         op.getIndices());
    ChannelReleaseOp::create(rewriter, loc, op.getChannel(),
                             acquire.getSlot(), acquire.getToken(),
                             ChannelSide::consumer, /*async=*/false);
    rewriter.replaceOp(op, value);
    return success();
  }
};

struct ExpandValueTransfersPass
    : ws::impl::WSExpandValueTransfersBase<ExpandValueTransfersPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandSend, ExpandReceive>(&getContext());
    // Only the transfers change: no folding, no constant CSE, no region
    // simplification of the rest of the module.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false)
        .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};

} // namespace
