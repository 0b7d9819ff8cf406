//===- TilesToSIMT.cpp - tile ops -> SIMT loops of their thread group -----===//
//
// Each tile op becomes a loop over its elements (or rows) strided over the
// threads of the group that runs it: the kernel's block, or the warps of its
// ws.warp_specialize role. Portable code (any sm_80+ GPU) but for the async
// gather, which uses 16-byte cp.async with zero-fill.
//
//===----------------------------------------------------------------------===//

#include "../Common/KernelCommon.h"
#include "../Common/PointerUtils.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "SparseMLA/Target/HardwareLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_CONVERTSPARSEMLATILESTOSIMT
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;
using namespace mlir::sparse_mla::tile;

namespace {

/// The threads that run a tile op: `threads` of them, numbered by `tid`.
struct Group {
  Block *entry = nullptr; ///< the kernel's or the role's entry block
  Value tid;
  int64_t threads = 0;
};

int64_t dim(Value memref, unsigned i) {
  return cast<MemRefType>(memref.getType()).getDimSize(i);
}

Value toF32(ImplicitLocOpBuilder &b, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

/// The indices of element `e` of a row-major array of `shape`.
SmallVector<Value> delinearize(KernelBuilder &kb, Value e,
                               ArrayRef<int64_t> shape) {
  SmallVector<Value> indices(shape.size());
  int64_t inner = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    Value q = inner == 1 ? e : kb.div(e, inner);
    indices[i] = i == 0 ? q : kb.rem(q, shape[i]);
    inner *= shape[i];
  }
  return indices;
}

/// Whether entry `e` of `rows`' top-k list is valid, and its raw index.
/// Entries past topk read no index.
std::pair<Value, Value> entryOf(ImplicitLocOpBuilder &b, BlockRowsOp rows,
                                Value e) {
  KernelBuilder kb{b};
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  // Entries at or past topk (or the row's length, at most topk) read no
  // index.
  const int64_t topk = dim(rows.getIndices(), 3);
  Value end = rows.getLength() ? rows.getLength() : kb.idx(topk);
  Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e, end);
  Value raw = kb.ifElse(
      inRange, i32,
      [&] {
        return kb.load(rows.getIndices(),
                       {rows.getBatch(), rows.getToken(), rows.getGroup(), e});
      },
      [&] { return arith::ConstantIntOp::create(b, i32, -1).getResult(); });
  Value wide = arith::ExtSIOp::create(b, i64, raw);
  Value zero = arith::ConstantIntOp::create(b, i64, 0);
  Value notNegative =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sge, wide, zero);
  Value below = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, wide,
                                      rows.getNumRows());
  Value valid = arith::AndIOp::create(b, notNegative, below);
  if (Value last = rows.getLastVisible())
    valid = arith::AndIOp::create(
        b, valid,
        arith::CmpIOp::create(b, arith::CmpIPredicate::sle, wide, last));
  return {valid, raw};
}

/// 1 / (1 + exp(sink - lse)) for a row of running max `max` and sum `sum`
/// (base 2: lse / ln 2 = max + log2(sum)): exp2(sink log2(e) - max -
/// log2(sum)). -inf gives 1, +inf gives 0.
Value sinkFactor(ImplicitLocOpBuilder &b, Value sink, Value max, Value sum) {
  KernelBuilder kb{b};
  Value sinkLog2 = arith::MulFOp::create(b, sink, kb.f32(M_LOG2E));
  Value lseLog2 = arith::AddFOp::create(b, max, math::Log2Op::create(b, sum));
  Value ratio = math::Exp2Op::create(
      b, arith::SubFOp::create(b, sinkLog2, lseLog2));
  return arith::DivFOp::create(
      b, kb.f32(1.0), arith::AddFOp::create(b, kb.f32(1.0), ratio));
}

class Lowering {
public:
  explicit Lowering(gpu::GPUFuncOp func) : func(func) {}
  LogicalResult run();

private:
  FailureOr<Group> groupOf(Operation *op);
  LogicalResult lower(Operation *op, Group &g);
  void lowerLoad(LoadOp op, Group &g);
  void lowerFills(MutableArrayRef<FillOp> fills, Group &g);
  void lowerBlockRows(BlockRowsOp op, Group &g);
  void lowerGather(GatherOp op, Group &g);
  LogicalResult lowerAsyncGather(GatherOp op, Group &g);
  void lowerLogits(MatmulOp op, Group &g);
  void lowerAccumulate(MatmulOp op, Group &g);
  void lowerSoftmaxStep(SoftmaxStepOp op, Group &g);
  void lowerFinish(FinishOp op, Group &g);
  /// The fills after `first` that share its loop (same shape, nothing but
  /// pure ops between).
  SmallVector<FillOp> fillGroup(FillOp first);

  gpu::GPUFuncOp func;
  DenseMap<Block *, Group> groups;
  DenseMap<Value, Value> rowsBuffers; ///< materialized rows
  llvm::SmallPtrSet<Operation *, 8> done;
  llvm::SetVector<Block *> asyncGroups; ///< groups that issued cp.async
};

FailureOr<Group> Lowering::groupOf(Operation *op) {
  Block *entry = &func.getBody().front();
  int64_t threads = 0, first = 0;
  Region *region = op->getParentRegion();
  while (region && !isa<ws::WarpSpecializeOp>(region->getParentOp()) &&
         region->getParentOp() != func)
    region = region->getParentOp()->getParentRegion();
  if (auto roles = dyn_cast<ws::WarpSpecializeOp>(region->getParentOp())) {
    unsigned index = region->getRegionNumber();
    for (unsigned i = 0; i < index; ++i)
      first += roles.getNumWarps()[i] * hw::kWarpSize;
    threads = roles.getNumWarps()[index] * hw::kWarpSize;
    entry = &region->front();
  } else if (std::optional<ArrayRef<int32_t>> block =
                 func.getKnownBlockSize()) {
    threads = (*block)[0];
  } else {
    return op->emitOpError()
           << "runs on the kernel's block, whose size is not known (set "
              "known_block_size on the gpu.func)";
  }
  auto [it, inserted] = groups.try_emplace(entry);
  if (inserted) {
    ImplicitLocOpBuilder b(func.getLoc(), entry, entry->begin());
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    if (entry != &func.getBody().front())
      tid = arith::SubIOp::create(b, tid,
                                  arith::ConstantIndexOp::create(b, first));
    it->second = Group{entry, tid, threads};
  }
  return it->second;
}

SmallVector<FillOp> Lowering::fillGroup(FillOp first) {
  SmallVector<FillOp> fills = {first};
  auto shape = cast<MemRefType>(first.getDest().getType()).getShape();
  for (Operation *op = first->getNextNode(); op; op = op->getNextNode()) {
    if (auto fill = dyn_cast<FillOp>(op)) {
      if (cast<MemRefType>(fill.getDest().getType()).getShape() != shape)
        break;
      fills.push_back(fill);
    } else if (isa<TileDialect>(op->getDialect()) ||
               !isMemoryEffectFree(op)) {
      break;
    }
  }
  return fills;
}

void Lowering::lowerLoad(LoadOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  const int64_t rows = dim(op.getDest(), 0), cols = dim(op.getDest(), 1);
  kb.loop(g.tid, kb.idx(rows * cols), kb.idx(g.threads), [&](Value e) {
    Value r = kb.div(e, cols), c = kb.rem(e, cols);
    SmallVector<Value> at(op.getOffsets());
    at.back() = kb.add(at.back(), r);
    at.push_back(c);
    kb.store(kb.load(op.getSource(), at), op.getDest(), {r, c});
  });
}

void Lowering::lowerFills(MutableArrayRef<FillOp> fills, Group &g) {
  // At the last fill, where every value is defined.
  ImplicitLocOpBuilder b(fills.back().getLoc(), fills.back());
  KernelBuilder kb{b};
  auto shape = cast<MemRefType>(fills.front().getDest().getType()).getShape();
  int64_t elements = 1;
  for (int64_t size : shape)
    elements *= size;
  kb.loop(g.tid, kb.idx(elements), kb.idx(g.threads), [&](Value e) {
    SmallVector<Value> at = delinearize(kb, e, shape);
    for (FillOp fill : fills)
      kb.store(fill.getValue(), fill.getDest(), at);
  });
}

void Lowering::lowerBlockRows(BlockRowsOp op, Group &g) {
  if (!op.isMaterialized())
    return; // each async piece evaluates its entry itself
  // The buffer goes with the group's other tiles, after them.
  Block *entry = g.entry;
  auto it = entry->begin();
  for (auto i = entry->begin(); i != entry->end(); ++i)
    if (isa<memref::AllocOp>(*i))
      it = std::next(i);
  ImplicitLocOpBuilder ab(op.getLoc(), entry, it);
  const int64_t n = op.getRows().getType().getSize();
  auto wg = gpu::AddressSpaceAttr::get(ab.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Value buffer = memref::AllocOp::create(
      ab, MemRefType::get({n}, ab.getI32Type(), nullptr, wg));
  rowsBuffers[op.getRows()] = buffer;

  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  Value base = kb.mul(op.getBlock(), kb.idx(n));
  kb.loop(g.tid, kb.idx(n), kb.idx(g.threads), [&](Value j) {
    auto [valid, raw] = entryOf(b, op, kb.add(base, j));
    Value row = arith::SelectOp::create(b, valid, raw, kb.i32(-1));
    kb.store(row, buffer, {j});
  });
}

void Lowering::lowerGather(GatherOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  const int64_t rows = dim(op.getDest(), 0), cols = dim(op.getDest(), 1);
  Value buffer = rowsBuffers.lookup(op.getRows());
  Type elt = cast<MemRefType>(op.getDest().getType()).getElementType();
  kb.loop(g.tid, kb.idx(rows * cols), kb.idx(g.threads), [&](Value e) {
    Value j = kb.div(e, cols), d = kb.rem(e, cols);
    Value row = kb.load(buffer, {j});
    Value isValid =
        arith::CmpIOp::create(b, arith::CmpIPredicate::sge, row, kb.i32(0));
    Value v = kb.ifElse(
        isValid, elt,
        [&] {
          Value r = arith::IndexCastOp::create(b, b.getIndexType(), row);
          return kb.load(op.getSource(), {op.getBatch(), r, op.getGroup(), d});
        },
        [&] {
          return arith::ConstantOp::create(b, b.getZeroAttr(elt)).getResult();
        });
    kb.store(v, op.getDest(), {j, d});
  });
}

LogicalResult Lowering::lowerAsyncGather(GatherOp op, Group &g) {
  auto rowsOp = op.getRows().getDefiningOp<BlockRowsOp>();
  if (!rowsOp)
    return op.emitOpError()
           << "async needs rows from a sparse_mla_tile.block_rows";
  auto destType = cast<MemRefType>(op.getDest().getType());
  const int64_t eltBytes = destType.getElementTypeBitWidth() / 8;
  const int64_t rows = destType.getDimSize(0);
  const int64_t rowBytes = destType.getDimSize(1) * eltBytes;
  if (rowBytes % hw::kCpAsyncBytes != 0)
    return op.emitOpError() << "async copies rows in " << hw::kCpAsyncBytes
                            << "-byte pieces, but a row has " << rowBytes
                            << " bytes";
  const int64_t pieces = rowBytes / hw::kCpAsyncBytes;
  const int64_t pieceElems = hw::kCpAsyncBytes / eltBytes;
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  Type i32 = b.getI32Type();
  auto kv = memref::ExtractStridedMetadataOp::create(b, op.getSource());
  ValueRange kvStrides = kv.getStrides();
  auto dest = memref::ExtractStridedMetadataOp::create(b, op.getDest());
  Value base = kb.mul(rowsOp.getBlock(), kb.idx(rows));
  kb.loop(g.tid, kb.idx(rows * pieces), kb.idx(g.threads), [&](Value e) {
    Value j = kb.div(e, pieces), piece = kb.rem(e, pieces);
    auto [valid, raw] = entryOf(b, rowsOp, kb.add(base, j));
    // An invalid entry copies 0 bytes from row 0: nothing read.
    Value safe = arith::SelectOp::create(b, valid, raw, kb.i32(0));
    Value row = arith::IndexCastOp::create(b, b.getIndexType(), safe);
    Value elem = kb.add(
        kb.add(kb.add(kv.getOffset(), kb.mul(op.getBatch(), kvStrides[0])),
               kb.add(kb.mul(row, kvStrides[1]),
                      kb.mul(op.getGroup(), kvStrides[2]))),
        kb.mul(piece, kb.idx(pieceElems)));
    Value src = rawPointer(b, kv.getBaseBuffer(),
                           kb.mul(elem, kb.idx(eltBytes)), /*addrSpace=*/1);
    Value dstElem =
        kb.add(kb.add(dest.getOffset(), kb.mul(j, dest.getStrides()[0])),
               kb.mul(piece, kb.idx(pieceElems)));
    Value dst = rawPointer(b, op.getDest(), kb.mul(dstElem, kb.idx(eltBytes)),
                           /*addrSpace=*/3);
    Value bytes = arith::SelectOp::create(
        b, valid, arith::ConstantIntOp::create(b, i32, hw::kCpAsyncBytes),
        arith::ConstantIntOp::create(b, i32, 0));
    NVVM::CpAsyncOp::create(b, dst, src, hw::kCpAsyncBytes,
                            NVVM::LoadCacheModifierKind::CG, bytes);
  });
  asyncGroups.insert(g.entry);
  return success();
}

void Lowering::lowerLogits(MatmulOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  Type f32 = b.getF32Type();
  const int64_t m = dim(op.getAcc(), 0), n = dim(op.getAcc(), 1);
  const int64_t k = dim(op.getLhs(), 1);
  Value mask = op.getMask() ? rowsBuffers.lookup(op.getMask()) : Value();
  kb.loop(g.tid, kb.idx(m * n), kb.idx(g.threads), [&](Value e) {
    Value h = kb.div(e, n), j = kb.rem(e, n);
    auto product = [&]() -> Value {
      Value dot = kb.reduce(0, k, kb.f32(0.0), [&](Value d, Value s) {
        Value x = toF32(b, kb.load(op.getLhs(), {h, d}));
        Value y = toF32(b, kb.load(op.getRhs(), {j, d}));
        return math::FmaOp::create(b, x, y, s).getResult();
      });
      return op.getScale() ? arith::MulFOp::create(b, dot, op.getScale())
                           : dot;
    };
    Value logit;
    if (mask) {
      Value isValid = arith::CmpIOp::create(
          b, arith::CmpIPredicate::sge, kb.load(mask, {j}), kb.i32(0));
      logit = kb.ifElse(isValid, f32, product, [&] { return kb.negInf(); });
    } else {
      logit = product();
    }
    kb.store(logit, op.getAcc(), {h, j});
  });
}

void Lowering::lowerAccumulate(MatmulOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  const int64_t m = dim(op.getAcc(), 0), n = dim(op.getAcc(), 1);
  const int64_t k = dim(op.getLhs(), 1);
  kb.loop(g.tid, kb.idx(m * n), kb.idx(g.threads), [&](Value e) {
    Value h = kb.div(e, n), c = kb.rem(e, n);
    Value scale = op.getRowScale() ? kb.load(op.getRowScale(), {h}) : Value();
    Value start = kb.load(op.getAcc(), {h, c});
    if (scale)
      start = arith::MulFOp::create(b, start, scale);
    Value sum = kb.reduce(0, k, start, [&](Value j, Value s) {
      Value v = toF32(b, kb.load(op.getRhs(), {j, c}));
      Value p = toF32(b, kb.load(op.getLhs(), {h, j}));
      return math::FmaOp::create(b, p, v, s).getResult();
    });
    kb.store(sum, op.getAcc(), {h, c});
  });
}

void Lowering::lowerSoftmaxStep(SoftmaxStepOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  const int64_t m = dim(op.getScores(), 0), n = dim(op.getScores(), 1);
  Value scores = op.getScores();
  kb.loop(g.tid, kb.idx(m), kb.idx(g.threads), [&](Value h) {
    Value oldMax = kb.load(op.getMax(), {h});
    Value oldSum = kb.load(op.getSum(), {h});
    Value blockMax = kb.reduce(0, n, kb.negInf(), [&](Value j, Value mx) {
      return arith::MaximumFOp::create(b, mx, kb.load(scores, {h, j}))
          .getResult();
    });
    Value newMax = arith::MaximumFOp::create(b, oldMax, blockMax);
    // While nothing valid has been seen the max is -inf; subtract 0 instead
    // so every weight is exp2(-inf) = 0 rather than NaN.
    Value noneYet = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, newMax,
                                          kb.negInf());
    Value pivot = arith::SelectOp::create(b, noneYet, kb.f32(0.0), newMax);
    Value rescale =
        math::Exp2Op::create(b, arith::SubFOp::create(b, oldMax, pivot));
    Value blockSum = kb.reduce(0, n, kb.f32(0.0), [&](Value j, Value s) {
      Value w = math::Exp2Op::create(
          b, arith::SubFOp::create(b, kb.load(scores, {h, j}), pivot));
      kb.store(w, scores, {h, j});
      return arith::AddFOp::create(b, s, w).getResult();
    });
    kb.store(newMax, op.getMax(), {h});
    kb.store(math::FmaOp::create(b, oldSum, rescale, blockSum), op.getSum(),
             {h});
    kb.store(rescale, op.getRescale(), {h});
  });
}

void Lowering::lowerFinish(FinishOp op, Group &g) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  KernelBuilder kb{b};
  const int64_t m = dim(op.getAcc(), 0), cols = dim(op.getAcc(), 1);
  Type outElt = cast<MemRefType>(op.getOut().getType()).getElementType();
  Value batch = op.getBatch(), token = op.getToken();
  kb.loop(g.tid, kb.idx(m * cols), kb.idx(g.threads), [&](Value e) {
    Value h = kb.div(e, cols), c = kb.rem(e, cols);
    Value sum = kb.load(op.getSum(), {h});
    Value any =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum, kb.f32(0.0));
    Value normalized =
        arith::DivFOp::create(b, kb.load(op.getAcc(), {h, c}), sum);
    if (Value sink = op.getSink())
      normalized = arith::MulFOp::create(
          b, normalized,
          sinkFactor(b, kb.load(sink, {kb.add(op.getHead(), h)}),
                     kb.load(op.getMax(), {h}), sum));
    Value o = arith::SelectOp::create(b, any, normalized, kb.f32(0.0));
    Value head = kb.add(op.getHead(), h);
    if (outElt != o.getType())
      o = arith::TruncFOp::create(b, outElt, o);
    kb.store(o, op.getOut(), {batch, token, head, c});
  });
  kb.loop(g.tid, kb.idx(m), kb.idx(g.threads), [&](Value h) {
    Value max = kb.load(op.getMax(), {h});
    Value sum = kb.load(op.getSum(), {h});
    Value any =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum, kb.f32(0.0));
    Value safeSum = arith::SelectOp::create(b, any, sum, kb.f32(1.0));
    Value log2Sum = math::Log2Op::create(b, safeSum);
    Value lseLog2 = arith::AddFOp::create(b, max, log2Sum);
    Value lse = arith::MulFOp::create(b, lseLog2, kb.f32(M_LN2));
    Value head = kb.add(op.getHead(), h);
    kb.store(arith::SelectOp::create(b, any, lse, kb.posInf()), op.getLse(),
             {batch, token, head});
    if (Value maxLogits = op.getMaxLogits()) {
      Value scaled = arith::MulFOp::create(b, max, kb.f32(M_LN2));
      Value negInf = kb.negInf();
      kb.store(arith::SelectOp::create(b, any, scaled, negInf), maxLogits,
               {batch, token, head});
    }
  });
}

LogicalResult Lowering::lower(Operation *op, Group &g) {
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](LoadOp o) { return lowerLoad(o, g), success(); })
      .Case([&](FillOp o) {
        SmallVector<FillOp> fills = fillGroup(o);
        for (FillOp f : fills)
          done.insert(f);
        return lowerFills(fills, g), success();
      })
      .Case([&](BlockRowsOp o) { return lowerBlockRows(o, g), success(); })
      .Case([&](GatherOp o) {
        if (o.getAsync())
          return lowerAsyncGather(o, g);
        return lowerGather(o, g), success();
      })
      .Case([&](MatmulOp o) {
        if (o.getTransposeB())
          lowerLogits(o, g);
        else
          lowerAccumulate(o, g);
        return success();
      })
      .Case([&](SoftmaxStepOp o) { return lowerSoftmaxStep(o, g), success(); })
      .Case([&](FinishOp o) { return lowerFinish(o, g), success(); })
      .Default([](Operation *o) {
        return o->emitOpError() << "has no SIMT lowering";
      });
}

LogicalResult Lowering::run() {
  SmallVector<Operation *> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<TileDialect>(op->getDialect()))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (done.contains(op))
      continue;
    FailureOr<Group> g = groupOf(op);
    if (failed(g) || failed(lower(op, *g)))
      return failure();
    done.insert(op);
  }
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  // A role leaves no copy in flight behind it.
  for (Block *entry : asyncGroups) {
    ImplicitLocOpBuilder b(func.getLoc(), entry->getTerminator());
    NVVM::CpAsyncCommitGroupOp::create(b);
    NVVM::CpAsyncWaitGroupOp::create(b, 0);
  }
  return success();
}

struct ConvertTilesToSIMTPass
    : public sparse_mla::impl::ConvertSparseMLATilesToSIMTBase<
          ConvertTilesToSIMTPass> {
  void runOnOperation() override {
    if (failed(Lowering(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
