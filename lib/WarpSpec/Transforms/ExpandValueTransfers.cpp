//===- ExpandValueTransfers.cpp - value-channel sends / receives ----------===//
//
// ws.channel.send / ws.channel.receive -> acquire, memref.store / load on
// the acquired slot's view (a send's stores under its `if`), release.
//
//===----------------------------------------------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"
#include "WarpSpec/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ws {
#define GEN_PASS_DEF_WSEXPANDVALUETRANSFERS
#include "WarpSpec/Transforms/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;
using namespace mlir::ws;

namespace {

/// Holds the slot of `op`'s transfer on `side` around `access` (given the
/// slot's view): acquire, access, release.
template <typename TransferOp, typename Access>
void heldSlot(TransferOp op, ChannelSide side, PatternRewriter &rewriter,
              Access access) {
  Location loc = op.getLoc();
  auto acquire = ChannelAcquireOp::create(rewriter, loc, op.getChannel(),
                                          op.getIteration(), side);
  access(acquire.getView());
  ChannelReleaseOp::create(rewriter, loc, op.getChannel(), acquire.getSlot(),
                           acquire.getToken(), side, /*async=*/false);
}

/// send: each value stored into the producer side's slot (under `when`, if
/// the send has one).
struct ExpandSend : OpRewritePattern<ChannelSendOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChannelSendOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    heldSlot(op, ChannelSide::producer, rewriter, [&](Value view) {
      auto stores = [&] {
        for (auto [k, value] : llvm::enumerate(op.getValues()))
          memref::StoreOp::create(rewriter, loc, value, view,
                                  op.getIndexGroup(k));
      };
      if (!op.getWhen())
        return stores();
      auto guarded = scf::IfOp::create(rewriter, loc, op.getWhen());
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(guarded.thenBlock());
      stores();
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// receive: each value loaded from the consumer side's slot.
struct ExpandReceive : OpRewritePattern<ChannelReceiveOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChannelReceiveOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> values;
    heldSlot(op, ChannelSide::consumer, rewriter, [&](Value view) {
      for (size_t k = 0, e = op.getNumResults(); k < e; ++k)
        values.push_back(memref::LoadOp::create(rewriter, op.getLoc(), view,
                                                op.getIndexGroup(k)));
    });
    rewriter.replaceOp(op, values);
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
