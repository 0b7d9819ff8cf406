//===- HopperToNVVM.cpp - hopper ops -> NVVM ------------------------------===//
//
// Each hopper op becomes the NVVM op of its instruction, or where MLIR 22
// has none (register-A wgmma; the tie of registers to a wait, a fence or a
// pin) one inline PTX statement built in one place below.
//
//===----------------------------------------------------------------------===//

#include "Hopper/Conversion/Passes.h"
#include "Hopper/IR/Hopper.h"

#include "mlir/Transforms/DialectConversion.h"

#include <string>

namespace mlir::hopper {
#define GEN_PASS_DEF_CONVERTHOPPERTONVVM
#include "Hopper/Conversion/Passes.h.inc"
} // namespace mlir::hopper

using namespace mlir;
using namespace mlir::hopper;

namespace {

/// A side-effecting inline PTX statement with result type `result`: LLVM
/// keeps it in place relative to the other side effects (waits, fences,
/// wgmma) and cannot see through it.
Value inlinePtx(OpBuilder &b, Location loc, Type result, ValueRange operands,
                StringRef text, StringRef constraints) {
  return LLVM::InlineAsmOp::create(b, loc, result, operands, text,
                                   constraints,
                                   /*has_side_effects=*/true,
                                   /*is_align_stack=*/false,
                                   LLVM::tailcallkind::TailCallKind::None,
                                   LLVM::AsmDialectAttr(), ArrayAttr())
      .getResult(0);
}

/// `values` (each f32, i32 or a literal struct of them) through one empty
/// statement that ties every register: returns the values to use after it.
SmallVector<Value> tieRegisters(OpBuilder &b, Location loc,
                                ValueRange values) {
  SmallVector<Value> flat;
  for (Value v : values) {
    auto st = dyn_cast<LLVM::LLVMStructType>(v.getType());
    if (!st) {
      flat.push_back(v);
      continue;
    }
    for (int64_t i = 0, e = st.getBody().size(); i < e; ++i)
      flat.push_back(LLVM::ExtractValueOp::create(b, loc, v, i));
  }
  SmallVector<Type> types;
  std::string constraints;
  for (Value v : flat) {
    types.push_back(v.getType());
    constraints += v.getType().isF32() ? "=f," : "=r,";
  }
  for (size_t i = 0; i < flat.size(); ++i)
    constraints += std::to_string(i) + (i + 1 < flat.size() ? "," : "");
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value tied = inlinePtx(b, loc, type, flat, "", constraints);
  SmallVector<Value> out;
  int64_t next = 0;
  for (Value v : values) {
    auto st = dyn_cast<LLVM::LLVMStructType>(v.getType());
    if (!st) {
      out.push_back(LLVM::ExtractValueOp::create(b, loc, tied, next++));
      continue;
    }
    SmallVector<Value> elements;
    for (int64_t i = 0, e = st.getBody().size(); i < e; ++i)
      elements.push_back(LLVM::ExtractValueOp::create(b, loc, tied, next++));
    Value rebuilt = LLVM::UndefOp::create(b, loc, st);
    for (auto [i, element] : llvm::enumerate(elements))
      rebuilt = LLVM::InsertValueOp::create(b, loc, rebuilt, element, i);
    out.push_back(rebuilt);
  }
  return out;
}

struct WgmmaLowering : OpConversionPattern<WgmmaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WgmmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    int64_t n = wgmmaAccumulatorN(op.getAcc().getType());
    auto mma = NVVM::WgmmaMmaAsyncOp::create(
        rewriter, op.getLoc(), op.getAcc().getType(), adaptor.getAcc(),
        adaptor.getDescA(), adaptor.getDescB(),
        NVVM::MMAShapeAttr::get(ctx, kWgmmaM, n, kWgmmaKBf16),
        NVVM::WGMMATypes::bf16, NVVM::WGMMATypes::bf16, NVVM::WGMMATypes::f32,
        op.getZeroInit() ? NVVM::WGMMAScaleOut::zero : NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
        op.getBMnMajor() ? NVVM::MMALayout::row : NVVM::MMALayout::col,
        /*satfinite=*/nullptr);
    rewriter.replaceOp(op, mma);
    return success();
  }
};

/// Register-A wgmma: `wgmma.mma_async.sync.aligned.m64nNk16.f32.bf16.bf16
/// {d}, {a0, a1, a2, a3}, b-desc, scale-d, 1, 1, trans-b;` with d tied in
/// and out (PTX ISA 8.x, "wgmma.mma_async").
struct WgmmaRegALowering : OpConversionPattern<WgmmaRegAOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WgmmaRegAOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<LLVM::LLVMStructType>(op.getAcc().getType());
    const int64_t regs = type.getBody().size();
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "{\n.reg .pred p;\nsetp.ne.b32 p, " << (op.getZeroInit() ? 0 : 1)
       << ", 0;\n"
       << "wgmma.mma_async.sync.aligned.m64n" << 2 * regs
       << "k16.f32.bf16.bf16 {";
    for (int64_t i = 0; i < regs; ++i)
      os << (i ? ", " : "") << "$" << i;
    os << "}, {";
    for (int64_t i = 0; i < kWgmmaRegAWords; ++i)
      os << (i ? ", " : "") << "$" << 2 * regs + i;
    os << "}, $" << 2 * regs + kWgmmaRegAWords << ", p, 1, 1, "
       << (op.getBMnMajor() ? 1 : 0) << ";\n}\n";
    std::string constraints;
    for (int64_t i = 0; i < regs; ++i)
      constraints += "=f,";
    for (int64_t i = 0; i < regs; ++i)
      constraints += std::to_string(i) + ",";
    for (int64_t i = 0; i < kWgmmaRegAWords; ++i)
      constraints += "r,";
    constraints += "l";
    SmallVector<Value> operands;
    for (int64_t i = 0; i < regs; ++i)
      operands.push_back(
          LLVM::ExtractValueOp::create(rewriter, loc, adaptor.getAcc(), i));
    llvm::append_range(operands, adaptor.getA());
    operands.push_back(adaptor.getDescB());
    rewriter.replaceOp(
        op, inlinePtx(rewriter, loc, type, operands, text, constraints));
    return success();
  }
};

struct WgmmaFenceLowering : OpConversionPattern<WgmmaFenceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WgmmaFenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> tied;
    if (!adaptor.getValues().empty())
      tied = tieRegisters(rewriter, op.getLoc(), adaptor.getValues());
    NVVM::WgmmaFenceAlignedOp::create(rewriter, op.getLoc());
    rewriter.replaceOp(op, tied);
    return success();
  }
};

struct WgmmaCommitLowering : OpConversionPattern<WgmmaCommitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WgmmaCommitOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::WgmmaGroupSyncAlignedOp>(op);
    return success();
  }
};

struct WgmmaWaitLowering : OpConversionPattern<WgmmaWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WgmmaWaitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    NVVM::WgmmaWaitGroupSyncOp::create(rewriter, op.getLoc(),
                                       op.getPending());
    SmallVector<Value> tied;
    if (!adaptor.getValues().empty())
      tied = tieRegisters(rewriter, op.getLoc(), adaptor.getValues());
    rewriter.replaceOp(op, tied);
    return success();
  }
};

struct PinLowering : OpConversionPattern<PinOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PinOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       tieRegisters(rewriter, op.getLoc(), adaptor.getValues()));
    return success();
  }
};

struct ConvertHopperToNVVMPass
    : public hopper::impl::ConvertHopperToNVVMBase<ConvertHopperToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<HopperDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    patterns.add<WgmmaLowering, WgmmaRegALowering, WgmmaFenceLowering,
                 WgmmaCommitLowering, WgmmaWaitLowering, PinLowering>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
