//===- SimpleToGPU.cpp - simple schedule: sparse_mla.fwd -> GPU kernel ----===//
//
// The portable lowering (any sm_80+ GPU): one CTA per (query token, block of
// heads_per_cta heads of one kv group) and batch, plain SIMT code over
// dynamic shared memory. It is the reference the Hopper seesaw kernel is
// checked and timed against, so it favours obviousness over speed.
//
//===----------------------------------------------------------------------===//

#include "KernelCommon.h"
#include "PointerUtils.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Target/HardwareLimits.h"
#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_CONVERTSPARSEMLASIMPLETOGPU
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {

/// The pieces of the simple kernel's algorithm, emitted for a group of
/// `numThreads` threads whose index (0-based within the group) is `tid`. The
/// simple schedule runs them all on the whole CTA; the pipelined schedule
/// runs all but the gather in its consumer role, fed by a producer role.
class KernelEmitter {
public:
  KernelEmitter(ImplicitLocOpBuilder &b, FwdOp op, ScheduleAttr schedule,
                ValueRange args, Value tid, int64_t numThreads)
      : b(b), kb{b}, schedule(schedule), cta(b, op, schedule, args),
        p(cta.p), layout(getSimpleSmemLayout(schedule, p.Dqk, p.Dv)),
        scaleLog2(cta.scaleLog2), tid(tid) {
    q = cta.q;
    kv = cta.kv;
    indices = cta.indices;
    out = cta.out;
    lse = cta.lse;
    maxLogits = cta.maxLogits;
    batch = cta.batch;
    token = cta.token;
    head0 = cta.head0;
    group = cta.group;
    hpc = schedule.getHeadsPerCta();
    blockK = schedule.getBlockK();
    step = kb.idx(numThreads);
    setUpSharedMemory();
  }

  /// 1. Q tile into shared memory; zero accumulators; empty statistics.
  void loadQAndClear() {
    kb.loop(tid, kb.idx(hpc * p.Dqk), step, [&](Value e) {
      Value h = kb.div(e, p.Dqk), d = kb.rem(e, p.Dqk);
      Value head = kb.add(head0, h);
      kb.store(kb.load(q, {batch, token, head, d}), qTile, {h, d});
    });
    kb.loop(tid, kb.idx(hpc * p.Dv), step, [&](Value e) {
      Value h = kb.div(e, p.Dv), c = kb.rem(e, p.Dv);
      kb.store(kb.f32(0.0), acc, {h, c});
    });
    kb.loop(tid, kb.idx(hpc), step, [&](Value h) {
      kb.store(kb.negInf(), stats, {statMax, h});
      kb.store(kb.f32(0.0), stats, {statSum, h});
    });
  }

  /// Whether entry `e` (an index into the top-k list) is valid, and its
  /// index value. Entries past topk read no index.
  std::pair<Value, Value> entry(Value e) { return cta.entry(e); }

  /// 2a. Row of each entry of the block starting at `base`; -1 if invalid.
  void markRows(Value base) {
    kb.loop(tid, kb.idx(blockK), step, [&](Value j) {
      auto [valid, raw] = entry(kb.add(base, j));
      Value row = arith::SelectOp::create(
          b, valid, raw, arith::ConstantIntOp::create(b, b.getI32Type(), -1));
      kb.store(row, rows, {j});
    });
  }

  /// 2b (simple). Gather the valid rows into `kvTile`; masked rows are
  /// zero-filled, never read.
  void gather(Value kvTile) {
    kb.loop(tid, kb.idx(blockK * p.Dqk), step, [&](Value e) {
      Value j = kb.div(e, p.Dqk), d = kb.rem(e, p.Dqk);
      Value row = kb.load(rows, {j});
      Value isValid = arith::CmpIOp::create(
          b, arith::CmpIPredicate::sge, row,
          arith::ConstantIntOp::create(b, b.getI32Type(), 0));
      Value v = kb.ifElse(
          isValid, b.getBF16Type(),
          [&] {
            Value r = arith::IndexCastOp::create(b, b.getIndexType(), row);
            return kb.load(kv, {batch, r, group, d});
          },
          [&] {
            return arith::ConstantFloatOp::create(
                       b, b.getBF16Type(), APFloat::getZero(APFloat::BFloat()))
                .getResult();
          });
      kb.store(v, kvTile, {j, d});
    });
  }

  /// 2c. Scaled logits (base 2) of the block in `kvTile`, -inf for invalid
  /// entries.
  void logits(Value kvTile) {
    Type f32 = b.getF32Type();
    kb.loop(tid, kb.idx(hpc * blockK), step, [&](Value e) {
      Value h = kb.div(e, blockK), j = kb.rem(e, blockK);
      Value isValid = arith::CmpIOp::create(
          b, arith::CmpIPredicate::sge, kb.load(rows, {j}),
          arith::ConstantIntOp::create(b, b.getI32Type(), 0));
      Value logit = kb.ifElse(
          isValid, f32,
          [&] {
            Value dot = kb.reduce(0, p.Dqk, kb.f32(0.0), [&](Value d, Value s) {
              Value x = arith::ExtFOp::create(b, f32, kb.load(qTile, {h, d}));
              Value y = arith::ExtFOp::create(b, f32, kb.load(kvTile, {j, d}));
              return math::FmaOp::create(b, x, y, s).getResult();
            });
            return arith::MulFOp::create(b, dot, scaleLog2).getResult();
          },
          [&] { return kb.negInf(); });
      kb.store(logit, scores, {h, j});
    });
  }

  /// 2d. Online softmax: new running max, weights, rescale factor, sum.
  void softmax() {
    kb.loop(tid, kb.idx(hpc), step, [&](Value h) {
      Value oldMax = kb.load(stats, {statMax, h});
      Value oldSum = kb.load(stats, {statSum, h});
      Value blockMax = kb.reduce(0, blockK, kb.negInf(), [&](Value j, Value m) {
        return arith::MaximumFOp::create(b, m, kb.load(scores, {h, j}))
            .getResult();
      });
      Value newMax = arith::MaximumFOp::create(b, oldMax, blockMax);
      // While nothing valid has been seen the max is -inf; subtract 0
      // instead so every weight is exp2(-inf) = 0 rather than NaN.
      Value noneYet = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                            newMax, kb.negInf());
      Value pivot = arith::SelectOp::create(b, noneYet, kb.f32(0.0), newMax);
      Value rescale = math::Exp2Op::create(
          b, arith::SubFOp::create(b, oldMax, pivot));
      Value blockSum = kb.reduce(0, blockK, kb.f32(0.0), [&](Value j, Value s) {
        Value w = math::Exp2Op::create(
            b, arith::SubFOp::create(b, kb.load(scores, {h, j}), pivot));
        kb.store(w, scores, {h, j});
        return arith::AddFOp::create(b, s, w).getResult();
      });
      kb.store(newMax, stats, {statMax, h});
      kb.store(math::FmaOp::create(b, oldSum, rescale, blockSum), stats,
               {statSum, h});
      kb.store(rescale, stats, {statScale, h});
    });
  }

  /// 2e. acc = acc * rescale + P V (V = the first Dv columns of the rows).
  void accumulate(Value kvTile) {
    Type f32 = b.getF32Type();
    kb.loop(tid, kb.idx(hpc * p.Dv), step, [&](Value e) {
      Value h = kb.div(e, p.Dv), c = kb.rem(e, p.Dv);
      Value start = arith::MulFOp::create(b, kb.load(acc, {h, c}),
                                          kb.load(stats, {statScale, h}));
      Value sum = kb.reduce(0, blockK, start, [&](Value j, Value s) {
        Value v = arith::ExtFOp::create(b, f32, kb.load(kvTile, {j, c}));
        return math::FmaOp::create(b, kb.load(scores, {h, j}), v, s)
            .getResult();
      });
      kb.store(sum, acc, {h, c});
    });
  }

  /// 2c-2e on the block in `kvTile`, each step behind a barrier of the
  /// group (the whole CTA, or a role's named barrier once roles are lowered).
  void computeBlock(Value kvTile) {
    logits(kvTile);
    gpu::BarrierOp::create(b);
    softmax();
    gpu::BarrierOp::create(b);
    accumulate(kvTile);
    gpu::BarrierOp::create(b);
  }

  /// 3. Normalize and write out, lse (natural log) and max_logits. A row
  /// with no valid entry has sum 0: out = 0, lse = +inf, max_logits = -inf.
  void epilogue() {
    kb.loop(tid, kb.idx(hpc * p.Dv), step, [&](Value e) {
      Value h = kb.div(e, p.Dv), c = kb.rem(e, p.Dv);
      Value sum = kb.load(stats, {statSum, h});
      Value any = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum,
                                        kb.f32(0.0));
      Value o = arith::SelectOp::create(
          b, any, arith::DivFOp::create(b, kb.load(acc, {h, c}), sum),
          kb.f32(0.0));
      kb.store(arith::TruncFOp::create(b, b.getBF16Type(), o), out,
               {batch, token, kb.add(head0, h), c});
    });
    kb.loop(tid, kb.idx(hpc), step, [&](Value h) {
      Value max = kb.load(stats, {statMax, h});
      Value sum = kb.load(stats, {statSum, h});
      Value any = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum,
                                        kb.f32(0.0));
      Value safeSum = arith::SelectOp::create(b, any, sum, kb.f32(1.0));
      Value log2Sum = math::Log2Op::create(b, safeSum);
      Value lseLog2 = arith::AddFOp::create(b, max, log2Sum);
      Value lseVal = arith::MulFOp::create(b, lseLog2, kb.f32(M_LN2));
      Value head = kb.add(head0, h);
      kb.store(arith::SelectOp::create(b, any, lseVal, kb.posInf()), lse,
               {batch, token, head});
      if (maxLogits) {
        Value scaled = arith::MulFOp::create(b, max, kb.f32(M_LN2));
        Value negInf = kb.negInf();
        kb.store(arith::SelectOp::create(b, any, scaled, negInf), maxLogits,
                 {batch, token, head});
      }
    });
  }

  int64_t numBlocks() const { return llvm::divideCeil(p.topk, blockK); }

  ImplicitLocOpBuilder &b;
  KernelBuilder kb;
  ScheduleAttr schedule;
  CtaView cta;
  FwdOp::Problem p;
  SimpleSmemLayout layout;
  Value scaleLog2; ///< f32: the kernel's scale_log2 parameter.
  int64_t hpc = 0, blockK = 0;
  Value tid, step;
  Value q, kv, indices, out, lse, maxLogits;
  Value batch, token, head0, group;
  Value smem, qTile, kvRing, scores, acc, stats, rows;
  Value statMax, statSum, statScale;

private:
  void setUpSharedMemory() {
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
    auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    smem = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
    auto view = [&](int64_t offset, ArrayRef<int64_t> shape,
                    Type elt) -> Value {
      return memref::ViewOp::create(b,
                                    MemRefType::get(shape, elt, nullptr, wg),
                                    smem, kb.idx(offset), ValueRange{});
    };
    qTile = view(layout.q, {hpc, p.Dqk}, bf16);
    kvRing = view(layout.kv, {schedule.getStages(), blockK, layout.kvPitch},
                  bf16);
    scores = view(layout.scores, {hpc, blockK}, f32);
    acc = view(layout.acc, {hpc, p.Dv}, f32);
    stats = view(layout.stats, {3, hpc}, f32);
    rows = view(layout.rows, {blockK}, b.getI32Type());
    statMax = kb.idx(0);
    statSum = kb.idx(1);
    statScale = kb.idx(2);
  }

};

/// The KV buffer of `stage` as a [block_k, pitch] memref.
Value stageTile(KernelEmitter &k, Value stage) {
  ImplicitLocOpBuilder &b = k.b;
  int64_t blockK = k.blockK, pitch = k.layout.kvPitch;
  auto ringType = cast<MemRefType>(k.kvRing.getType());
  auto tileType = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
      {blockK, pitch}, ringType, SmallVector<int64_t>{ShapedType::kDynamic, 0, 0},
      SmallVector<int64_t>{1, blockK, pitch}, SmallVector<int64_t>{1, 1, 1}));
  SmallVector<OpFoldResult> offsets = {stage, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(blockK),
                                     b.getIndexAttr(pitch)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(1)};
  return memref::SubViewOp::create(b, tileType, k.kvRing, offsets, sizes,
                                   strides);
}

/// Emits the body of the simple kernel into `func` (see the pass
/// description for the algorithm).
void buildSimpleKernelBody(gpu::GPUFuncOp func, FwdOp op,
                           ScheduleAttr schedule) {
  Block &entry = func.getBody().front();
  ImplicitLocOpBuilder b(op.getLoc(), op.getContext());
  b.setInsertionPointToStart(&entry);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  KernelEmitter k(b, op, schedule, entry.getArguments(), tid,
                  schedule.getNumThreads());
  Value kvTile = stageTile(k, k.kb.idx(0));
  k.loadQAndClear();
  gpu::BarrierOp::create(b);
  k.kb.loop(k.kb.idx(0), k.kb.idx(k.numBlocks()), k.kb.idx(1), [&](Value blk) {
    Value base = k.kb.mul(blk, k.kb.idx(k.blockK));
    k.markRows(base);
    gpu::BarrierOp::create(b);
    k.gather(kvTile);
    gpu::BarrierOp::create(b);
    k.computeBlock(kvTile);
  });
  k.epilogue();
  gpu::ReturnOp::create(b);
}

/// Emits the body of the pipelined kernel: a channel of `stages` slots
/// (the KV ring) between a producer role, which gathers each block into its
/// slot with zero-filling 16-byte cp.async, and a consumer role, which runs
/// the simple kernel's math on each slot once full. Channels and roles are
/// lowered by later passes (convert-ws-warp-specialize-to-nvvm,
/// convert-ws-channels-to-nvvm).
void buildPipelinedKernelBody(gpu::GPUFuncOp func, FwdOp op,
                              ScheduleAttr schedule) {
  MLIRContext *ctx = op.getContext();
  Block &entry = func.getBody().front();
  ImplicitLocOpBuilder b(op.getLoc(), ctx);
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb{b};
  const int64_t stages = schedule.getStages();
  const int64_t roleThreads = hw::kWarpgroupSize;
  const SimpleSmemLayout layout =
      getSimpleSmemLayout(schedule, op.getProblem().Dqk, op.getProblem().Dv);
  Type i32 = b.getI32Type();
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);

  // The ring's channel; its barriers live at the end of the layout.
  Value smem = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  Value bars = memref::ViewOp::create(
      b, MemRefType::get({2 * stages}, b.getI64Type(), nullptr, wg), smem,
      kb.idx(layout.barriers), ValueRange{});
  Value channel = ws::ChannelCreateOp::create(
      b, ws::ChannelType::get(ctx, stages), bars,
      b.getI64IntegerAttr(roleThreads), b.getI64IntegerAttr(roleThreads));

  // Roles: producer (warpgroup 0), consumer (warpgroup 1).
  SmallVector<Value> captures(entry.getArguments());
  captures.push_back(channel);
  ArrayRef<int32_t> regs = schedule.getRegs();
  auto roles = ws::WarpSpecializeOp::create(
      b, TypeRange{}, captures, b.getStrArrayAttr({"producer", "consumer"}),
      b.getDenseI32ArrayAttr({4, 4}),
      b.getDenseI32ArrayAttr(
          {regs.empty() ? 56 : regs[0], regs.empty() ? 232 : regs[1]}),
      /*numRegions=*/2);
  SmallVector<Type> argTypes(ValueRange(captures).getTypes());
  SmallVector<Location> argLocs(argTypes.size(), op.getLoc());
  for (int role = 0; role < 2; ++role) {
    Block *body =
        b.createBlock(&roles.getPartitions()[role], {}, argTypes, argLocs);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    Value ring = body->getArguments().back();
    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    Value roleTid = arith::SubIOp::create(b, tid, kb.idx(role * roleThreads));
    KernelEmitter k(b, op, schedule, body->getArguments().drop_back(),
                    roleTid, roleThreads);

    if (role == 0) {
      // Producer: per block, take the slot once empty, copy each valid row
      // in 16-byte pieces (zero-fill for invalid ones, reading nothing), and
      // hand the slot over once the copies land.
      const int64_t pieces = k.p.Dqk * 2 / hw::kCpAsyncBytes;
      Value smemBase = gpu::DynamicSharedMemoryOp::create(
          b,
          MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
      auto meta = memref::ExtractStridedMetadataOp::create(b, k.kv);
      Value kvBase = meta.getBaseBuffer();
      Value elemOffset = meta.getOffset();
      ValueRange kvStrides = meta.getStrides();
      kb.loop(kb.idx(0), kb.idx(k.numBlocks()), kb.idx(1), [&](Value blk) {
        auto acquire = ws::ChannelAcquireOp::create(
            b, b.getIndexType(), ws::TokenType::get(ctx), ring, blk,
            ws::ChannelSide::producer);
        Value slot = acquire.getSlot();
        Value base = kb.mul(blk, kb.idx(k.blockK));
        kb.loop(roleTid, kb.idx(k.blockK * pieces), kb.idx(roleThreads),
                [&](Value e) {
                  Value j = kb.div(e, pieces), piece = kb.rem(e, pieces);
                  auto [valid, raw] = k.entry(kb.add(base, j));
                  // An invalid entry copies 0 bytes from row 0: nothing read.
                  Value safe = arith::SelectOp::create(
                      b, valid, raw, arith::ConstantIntOp::create(b, i32, 0));
                  Value row = arith::IndexCastOp::create(b, b.getIndexType(),
                                                         safe);
                  Value elem = kb.add(
                      kb.add(kb.add(elemOffset, kb.mul(k.batch, kvStrides[0])),
                             kb.add(kb.mul(row, kvStrides[1]),
                                    kb.mul(k.group, kvStrides[2]))),
                      kb.mul(piece, kb.idx(hw::kCpAsyncBytes / 2)));
                  Value src = rawPointer(b, kvBase, kb.mul(elem, kb.idx(2)),
                                         /*addrSpace=*/1);
                  Value dstElem = kb.add(
                      kb.mul(kb.add(kb.mul(slot, kb.idx(k.blockK)), j),
                             kb.idx(layout.kvPitch)),
                      kb.mul(piece, kb.idx(hw::kCpAsyncBytes / 2)));
                  Value dst = rawPointer(
                      b, smemBase, kb.add(kb.idx(layout.kv),
                                          kb.mul(dstElem, kb.idx(2))),
                      /*addrSpace=*/3);
                  Value bytes = arith::SelectOp::create(
                      b, valid,
                      arith::ConstantIntOp::create(b, i32, hw::kCpAsyncBytes),
                      arith::ConstantIntOp::create(b, i32, 0));
                  NVVM::CpAsyncOp::create(b, dst, src, hw::kCpAsyncBytes,
                                          NVVM::LoadCacheModifierKind::CG,
                                          bytes);
                });
        ws::ChannelReleaseOp::create(b, ring, slot, acquire.getToken(),
                                     ws::ChannelSide::producer, /*async=*/true);
      });
      // Leave no copy in flight behind the role.
      NVVM::CpAsyncCommitGroupOp::create(b);
      NVVM::CpAsyncWaitGroupOp::create(b, 0);
    } else {
      // Consumer: the simple kernel's math on each full slot.
      k.loadQAndClear();
      gpu::BarrierOp::create(b);
      kb.loop(kb.idx(0), kb.idx(k.numBlocks()), kb.idx(1), [&](Value blk) {
        auto acquire = ws::ChannelAcquireOp::create(
            b, b.getIndexType(), ws::TokenType::get(ctx), ring, blk,
            ws::ChannelSide::consumer);
        Value kvTile = stageTile(k, acquire.getSlot());
        k.markRows(kb.mul(blk, kb.idx(k.blockK)));
        gpu::BarrierOp::create(b);
        k.computeBlock(kvTile);
        ws::ChannelReleaseOp::create(b, ring, acquire.getSlot(),
                                     acquire.getToken(),
                                     ws::ChannelSide::consumer,
                                     /*async=*/false);
      });
      k.epilogue();
    }
    ws::RoleReturnOp::create(b);
  }
  b.setInsertionPointAfter(roles);
  gpu::ReturnOp::create(b);
}

struct ConvertSimpleToGPUPass
    : public sparse_mla::impl::ConvertSparseMLASimpleToGPUBase<
          ConvertSimpleToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FwdOp> ops;
    if (failed(collectFwdOps(module, getArgument(),
                             {ScheduleKind::simple, ScheduleKind::pipelined},
                             ops)))
      return signalPassFailure();
    if (ops.empty())
      return;
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    SymbolTable symbols(kernels);
    for (FwdOp op : ops) {
      ScheduleAttr schedule = op.getScheduleAttr();
      bool pipelined = schedule.getKind() == ScheduleKind::pipelined;
      gpu::GPUFuncOp func = createKernelFunc(
          op, schedule, kernels, symbols,
          pipelined ? "sparse_mla_fwd_pipelined" : "sparse_mla_fwd_simple",
          /*extraArgs=*/{}, compiledScale);
      if (pipelined)
        buildPipelinedKernelBody(func, op, schedule);
      else
        buildSimpleKernelBody(func, op, schedule);
      FwdOp::Problem p = op.getProblem();
      ExtraLaunchArgs extra;
      extra.compiledScale = compiledScale;
      // The pipelined producer gathers KV rows in 16-byte cp.async pieces.
      if (pipelined)
        extra.rowAlignment = {{"kv", hw::kCpAsyncBytes}};
      replaceWithLaunch(op, schedule, func,
                        getSimpleSmemLayout(schedule, p.Dqk, p.Dv).total,
                        extra);
    }
  }
};

} // namespace
