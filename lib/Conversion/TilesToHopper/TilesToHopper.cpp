//===- TilesToHopper.cpp - warpgroup tile ops -> hopper ops ---------------===//
//
// IR level 5 for the matrix products of a warpgroup: an
// sparse_mla_tile.mma_async on shared-memory tiles becomes the wgmma
// fence / steps / commit of its K range, with matrix descriptors derived
// from the tiles' #sparse_mla_tile.shared layouts; mma_wait becomes the
// wgmma wait that returns the accumulators.
//
//===----------------------------------------------------------------------===//

#include "../Common/KernelCommon.h"
#include "Hopper/IR/Hopper.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_CONVERTSPARSEMLATILESTOHOPPER
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;
using namespace mlir::sparse_mla::tile;

namespace {

/// The K of one warpgroup matrix instruction on bf16 (HardwareLimits.h).
constexpr int64_t kStepK = hw::kWgmmaKBf16;
/// Matrix descriptor fields (PTX ISA 8.x, "Matrix Descriptor Format"): the
/// start address and the leading / stride byte offsets are stored >> 4;
/// the byte offsets at bits 16 and 32, the swizzle mode at bits 62-63
/// (1 = 128-byte swizzle, 0 = none).
constexpr int64_t kDescAddressShift = 4;
constexpr int64_t kDescLboShift = 16;
constexpr int64_t kDescSboShift = 32;
constexpr int64_t kDescSwizzle128B = int64_t(1) << 62;
/// The register A fragment of one k16 step: four i32, two bf16 each.
constexpr int64_t kRegsPerStep = 4;

/// The matrix descriptor of the operand at shared address `addr` (i32) in
/// a tile of `layout`, read K-major or (for B) MN-major.
Value descriptor(ImplicitLocOpBuilder &b, Value addr, SharedLayoutAttr layout,
                 bool kMajor) {
  Type i64 = b.getI64Type();
  Value start = arith::ExtUIOp::create(
      b, i64,
      arith::ShRUIOp::create(
          b, addr,
          arith::ConstantIntOp::create(b, b.getI32Type(), kDescAddressShift)));
  int64_t fixed =
      (layout.getSwizzle() ? kDescSwizzle128B : 0) |
      ((layout.strideByteOffset() >> kDescAddressShift) << kDescSboShift) |
      ((layout.leadingByteOffset(kMajor) >> kDescAddressShift)
       << kDescLboShift);
  return arith::OrIOp::create(b, start,
                              arith::ConstantIntOp::create(b, i64, fixed));
}

/// `desc` with its start address advanced by `bytes` (the field cannot
/// carry: shared addresses are below 2^18).
Value advance(ImplicitLocOpBuilder &b, Value desc, int64_t bytes) {
  if (bytes == 0)
    return desc;
  return arith::AddIOp::create(
      b, desc,
      arith::ConstantIntOp::create(b, b.getI64Type(),
                                   bytes >> kDescAddressShift));
}

/// The operands of one mma_async, and where each k16 step reads them.
struct MmaOperands {
  SharedLayoutAttr a, b;
  bool bKMajor;
  int64_t kOffset, kSize, nOffset;

  explicit MmaOperands(MmaAsyncOp op)
      : a(op.getALayoutAttr()), b(op.getBLayout()), bKMajor(op.getTransposeB()),
        kOffset(op.getKOffset()), kSize(op.getKSize()),
        nOffset(op.getNOffset()) {}

  /// Bytes from the A tile's address to step `s`'s first element.
  int64_t aStep(int64_t s) const { return a.byteOffset(0, kOffset + s * kStepK); }
  /// Bytes from B's first element (column n_offset of an MN-major B, row
  /// n_offset of a K-major one) to step `s`'s.
  int64_t bStep(int64_t s) const {
    int64_t k = kOffset + s * kStepK;
    return bKMajor ? b.byteOffset(nOffset, k) - b.byteOffset(nOffset, 0)
                   : b.byteOffset(k, nOffset) - b.byteOffset(0, nOffset);
  }
  /// Bytes from the B tile's address to B's first element.
  int64_t bBase() const {
    return bKMajor ? b.byteOffset(nOffset, 0) : b.byteOffset(0, nOffset);
  }
  int64_t steps() const { return kSize / kStepK; }
};

struct LowerMmaAsync : OpRewritePattern<MmaAsyncOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MmaAsyncOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MmaOperands m(op);
    Value acc = op.getAcc();
    // B's first element: its address, then its descriptor.
    auto descB = [&] {
      Value addr = op.getB();
      if (int64_t base = m.bBase())
        addr = arith::AddIOp::create(
            b, addr, arith::ConstantIntOp::create(b, b.getI32Type(), base));
      return descriptor(b, addr, m.b, m.bKMajor);
    };
    if (!m.a) {
      // A from registers: bf16 pairs in the order of the fragment, written
      // (with the accumulator) before the fence.
      SmallVector<Value> fenced;
      ValueRange weights = op.getA();
      KernelBuilder kb{b};
      for (size_t q = 0; q + 1 < weights.size(); q += 2)
        fenced.push_back(kb.packBf16(weights[q], weights[q + 1]));
      fenced.push_back(acc);
      auto fence = hopper::WgmmaFenceOp::create(
          b, ValueRange(fenced).getTypes(), fenced);
      ValueRange aFrag = fence.getResults().drop_back();
      acc = fence.getResults().back();
      Value bDesc = descB();
      for (int64_t s = 0; s < m.steps(); ++s)
        acc = hopper::WgmmaRegAOp::create(
            b, acc.getType(), acc, aFrag.slice(kRegsPerStep * s, kRegsPerStep),
            advance(b, bDesc, m.bStep(s)), /*b_mn_major=*/!m.bKMajor,
            /*zero_init=*/op.getZeroInit() && s == 0);
    } else {
      Value aDesc = descriptor(b, op.getA()[0], m.a, /*kMajor=*/true);
      Value bDesc = descB();
      hopper::WgmmaFenceOp::create(b, TypeRange{}, ValueRange{});
      for (int64_t s = 0; s < m.steps(); ++s) {
        Value aStep = advance(b, aDesc, m.aStep(s));
        Value bStep = advance(b, bDesc, m.bStep(s));
        acc = hopper::WgmmaOp::create(b, acc.getType(), acc, aStep, bStep,
                                      /*b_mn_major=*/!m.bKMajor,
                                      /*zero_init=*/op.getZeroInit() && s == 0);
      }
    }
    hopper::WgmmaCommitOp::create(b);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// Bytes from a tile's address to the 16-byte piece of row `row` (i32,
/// dynamic) that holds column `col` (a multiple of 8), by the layout's
/// formula (#sparse_mla_tile.shared).
Value pieceOffset(ImplicitLocOpBuilder &b, SharedLayoutAttr layout, Value row,
                  int64_t col) {
  auto c32 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v).getResult();
  };
  constexpr int64_t kRowGroup = 8, kPiece = 16, kPieceCols = 8;
  if (layout.getSwizzle() == 0) {
    // Core matrices: the row's 8-row group, the piece's core matrix along
    // the columns, the row within its core matrix.
    Value group = arith::ShRUIOp::create(b, row, c32(3));
    Value inGroup = arith::AndIOp::create(b, row, c32(kRowGroup - 1));
    Value groups =
        arith::MulIOp::create(b, group, c32(layout.getCols() * kPiece));
    Value withCore =
        arith::AddIOp::create(b, groups, c32(layout.byteOffset(0, col)));
    Value inCore = arith::MulIOp::create(b, inGroup, c32(kPiece));
    return arith::AddIOp::create(b, withCore, inCore);
  }
  // 128-byte swizzle: the column block, the row, and the piece XOR the
  // row's place in its 8-row group.
  const int64_t rowBytes = layout.getSwizzle();
  const int64_t blockCols = layout.getBlockColumns();
  Value phase = arith::AndIOp::create(b, row, c32(kRowGroup - 1));
  Value piece =
      arith::XOrIOp::create(b, c32((col % blockCols) / kPieceCols), phase);
  Value pieceBytes = arith::ShLIOp::create(b, piece, c32(4));
  Value block = c32((col / blockCols) * layout.getRows() * rowBytes);
  Value rowStart = arith::MulIOp::create(b, row, c32(rowBytes));
  Value withRow = arith::AddIOp::create(b, block, rowStart);
  return arith::AddIOp::create(b, withRow, pieceBytes);
}

struct LowerStoreFragment : OpRewritePattern<StoreFragmentOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(StoreFragmentOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    KernelBuilder kb{b};
    Type i32 = b.getI32Type();
    auto toI32 = [&](Value index) {
      return arith::IndexCastOp::create(b, i32, index).getResult();
    };
    // Lane t holds columns 2t, 2t + 1 of each 8-column group: 4t bytes into
    // its piece.
    constexpr int64_t kQuad = 4, kPairBytes = 4;
    Value laneBytes =
        toI32(kb.mul(kb.rem(op.getLane(), kQuad), kb.idx(kPairBytes)));
    ValueRange v = op.getValues();
    auto shared = LLVM::LLVMPointerType::get(b.getContext(), 3);
    std::array<Value, 2> rows = {op.getRow0(), op.getRow1()};
    for (int64_t j = 0, e = static_cast<int64_t>(v.size()) / 4; j < e; ++j)
      for (int h = 0; h < 2; ++h) {
        Value bits = kb.packBf16(v[4 * j + 2 * h], v[4 * j + 2 * h + 1]);
        Value row = toI32(rows[h]);
        Value offset = pieceOffset(b, op.getLayout(), row, 8 * j);
        Value piece = arith::AddIOp::create(b, op.getDest(), offset);
        Value addr = arith::AddIOp::create(b, piece, laneBytes);
        LLVM::StoreOp::create(b, bits,
                              LLVM::IntToPtrOp::create(b, shared, addr));
      }
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerTmaLoad : OpRewritePattern<TmaLoadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TmaLoadOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Type i32 = b.getI32Type();
    // An L2 policy for data read once: evicted first, leaving L2 to data
    // that is read again (PTX ISA 8.x, "createpolicy"; MLIR 22 has no op).
    Value policy;
    if (op.getEvictFirst())
      policy =
          LLVM::InlineAsmOp::create(
              b, b.getI64Type(), ValueRange{},
              "createpolicy.fractional.L2::evict_first.b64 $0, 1.0;", "=l",
              /*has_side_effects=*/true, /*is_align_stack=*/false,
              LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
              ArrayAttr())
              .getResult(0);
    SharedLayoutAttr layout = op.getLayout();
    const int64_t blockCols = layout.getBlockColumns();
    auto shared = LLVM::LLVMPointerType::get(ctx, 3);
    // The copy's destination operand is a shared::cluster address.
    auto cluster = LLVM::LLVMPointerType::get(ctx, 7);
    for (int64_t col = 0; col < layout.getCols(); col += blockCols) {
      Value addr = arith::AddIOp::create(
          b, op.getDest(),
          arith::ConstantIntOp::create(b, i32, layout.byteOffset(0, col)));
      Value dst = LLVM::AddrSpaceCastOp::create(
          b, cluster, LLVM::IntToPtrOp::create(b, shared, addr));
      SmallVector<Value> coords = {arith::ConstantIntOp::create(b, i32, col)};
      llvm::append_range(coords, op.getCoords());
      NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
          b, dst, op.getMap(), coords, op.getBarrier(), ValueRange{},
          /*multicastMask=*/Value(), policy, NVVM::TMALoadMode::TILE,
          /*isCTAOnly=*/false, NVVM::CTAGroupKindAttr(), /*predicate=*/Value());
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerCopyRowAsync : OpRewritePattern<CopyRowAsyncOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CopyRowAsyncOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    SharedLayoutAttr layout = op.getLayout();
    const int64_t rowBytes = layout.getSwizzle();
    const int64_t blockCols = layout.getBlockColumns();
    // One 16-byte cp.async per column block, cached at L2 only (.cg: a
    // gathered row is not read again by this CTA).
    constexpr int64_t kPieceBytes = hw::kCpAsyncBytes;
    auto global = LLVM::LLVMPointerType::get(ctx, 1);
    auto shared = LLVM::LLVMPointerType::get(ctx, 3);
    const int64_t end = op.getColEnd();
    for (int64_t col = op.getColBegin(); col < end; col += blockCols) {
      Value srcAt = arith::AddIOp::create(
          b, op.getSrc(),
          arith::ConstantIndexOp::create(b, (col / blockCols) * rowBytes));
      Value from = LLVM::IntToPtrOp::create(
          b, global,
          arith::IndexCastOp::create(b, b.getI64Type(), srcAt).getResult());
      Value dstAt = arith::AddIOp::create(
          b, op.getDst(),
          arith::ConstantIntOp::create(b, b.getI32Type(),
                                       layout.byteOffset(0, col)));
      Value to = LLVM::IntToPtrOp::create(b, shared, dstAt);
      NVVM::CpAsyncOp::create(b, to, from, kPieceBytes,
                              NVVM::LoadCacheModifierKind::CG, op.getBytes());
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct LowerMmaWait : OpRewritePattern<MmaWaitOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MmaWaitOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<hopper::WgmmaWaitOp>(
        op, op.getValues().getTypes(), /*pending=*/0, op.getValues());
    return success();
  }
};

struct ConvertTilesToHopperPass
    : public sparse_mla::impl::ConvertSparseMLATilesToHopperBase<
          ConvertTilesToHopperPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerMmaAsync, LowerMmaWait, LowerStoreFragment, LowerTmaLoad,
               LowerCopyRowAsync>(&getContext());
    // Only these ops change: no folding or region simplification of the
    // code around them.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
