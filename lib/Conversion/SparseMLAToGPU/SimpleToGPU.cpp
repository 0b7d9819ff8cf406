//===- SimpleToGPU.cpp - simple schedule: sparse_mla.fwd -> GPU kernel ----===//
//
// The portable lowering (any sm_80+ GPU): one CTA per (query token, block of
// heads_per_cta heads of one kv group) and batch, plain SIMT code over
// dynamic shared memory. It is the reference the Hopper seesaw kernel is
// checked and timed against, so it favours obviousness over speed.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"

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

constexpr StringLiteral kKernelModuleName = "sparse_mla_kernels";
constexpr StringLiteral kKernelInfoAttrName = "sparse_mla.kernel_info";

/// Thin helpers over one ImplicitLocOpBuilder so the kernel below reads like
/// the algorithm: constants, strided loops, reductions and value-returning
/// conditionals.
struct KernelBuilder {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(double v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                          APFloat(static_cast<float>(v)));
  }
  Value negInf() {
    return arith::ConstantFloatOp::create(
        b, b.getF32Type(), APFloat::getInf(APFloat::IEEEsingle(), true));
  }
  Value posInf() {
    return arith::ConstantFloatOp::create(
        b, b.getF32Type(), APFloat::getInf(APFloat::IEEEsingle(), false));
  }

  /// for (iv = lb; iv < ub; iv += step) body(iv)
  void loop(Value lb, Value ub, Value step, function_ref<void(Value)> body) {
    auto forOp = scf::ForOp::create(b, lb, ub, step);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(forOp.getInductionVar());
  }
  /// for (iv = lb; iv < ub; ++iv) acc = body(iv, acc); return acc
  Value reduce(int64_t lb, int64_t ub, Value init,
               function_ref<Value(Value, Value)> body) {
    auto forOp =
        scf::ForOp::create(b, idx(lb), idx(ub), idx(1), ValueRange{init});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value next = body(forOp.getInductionVar(), forOp.getRegionIterArgs()[0]);
    scf::YieldOp::create(b, next);
    return forOp.getResult(0);
  }
  /// cond ? thenFn() : elseFn(), where only the taken side executes (the
  /// untaken side may hold a load that must not happen).
  Value ifElse(Value cond, Type type, function_ref<Value()> thenFn,
               function_ref<Value()> elseFn) {
    auto ifOp = scf::IfOp::create(b, TypeRange{type}, cond,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    scf::YieldOp::create(b, thenFn());
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(b, elseFn());
    return ifOp.getResult(0);
  }
  Value load(Value memref, ValueRange indices) {
    return memref::LoadOp::create(b, memref, indices);
  }
  void store(Value value, Value memref, ValueRange indices) {
    memref::StoreOp::create(b, value, memref, indices);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, idx(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, idx(y)); }
};

/// The kernel's view of a memref operand: same shape, any outer strides, a
/// contiguous last dimension, any offset. One kernel then serves every
/// layout the op accepts, and the parameter ABI (docs/kernel-package.md)
/// does not depend on the caller's layout.
MemRefType getKernelMemRefType(MemRefType type) {
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  strides.back() = 1;
  return MemRefType::get(
      type.getShape(), type.getElementType(),
      StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic,
                             strides));
}

/// Emits the body of the simple kernel into `func` (see the pass
/// description for the algorithm).
void buildSimpleKernelBody(gpu::GPUFuncOp func, FwdOp op,
                           ScheduleAttr schedule) {
  MLIRContext *ctx = op.getContext();
  FwdOp::Problem p = op.getProblem();
  const int64_t hpc = schedule.getHeadsPerCta(), blockK = schedule.getBlockK();
  const int64_t numThreads = schedule.getNumThreads();
  const int64_t headsPerGroup = p.H / p.G;
  const SimpleSmemLayout layout = getSimpleSmemLayout(schedule, p.Dqk, p.Dv);
  // Logits are kept in base 2: exp(x * scale) = exp2(x * scale * log2(e)).
  const double scaleLog2 = op.getEffectiveSmScale() * M_LOG2E;
  const bool causal = op.getCausal();
  const int64_t kvStride = op.getKvStrideAttr().getInt();

  Block &entry = func.getBody().front();
  ImplicitLocOpBuilder b(op.getLoc(), ctx);
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb{b};

  Value q = entry.getArgument(0), kv = entry.getArgument(1),
        indices = entry.getArgument(2), qStart = entry.getArgument(3),
        out = entry.getArgument(4), lse = entry.getArgument(5);
  Value maxLogits = entry.getNumArguments() > 6 ? entry.getArgument(6) : Value();

  Type f32 = b.getF32Type(), bf16 = b.getBF16Type(), i32 = b.getI32Type(),
       i64 = b.getI64Type();

  // Which CTA: x = query token * head blocks + head block, y = batch.
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  const int64_t headBlocks = p.H / hpc;
  Value token = kb.div(blockX, headBlocks);
  Value head0 = kb.mul(kb.rem(blockX, headBlocks), kb.idx(hpc));
  Value group = kb.div(head0, headsPerGroup);
  Value step = kb.idx(numThreads);

  // Shared memory, carved as the schedule's layout says.
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value smem = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  auto view = [&](int64_t offset, ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::ViewOp::create(b, MemRefType::get(shape, elt, nullptr, wg),
                                  smem, kb.idx(offset), ValueRange{});
  };
  Value qTile = view(layout.q, {hpc, p.Dqk}, bf16);
  Value kvTile = view(layout.kv, {blockK, layout.kvPitch}, bf16);
  Value scores = view(layout.scores, {hpc, blockK}, f32);
  Value acc = view(layout.acc, {hpc, p.Dv}, f32);
  Value stats = view(layout.stats, {3, hpc}, f32);
  Value rows = view(layout.rows, {blockK}, i32);
  Value statMax = kb.idx(0), statSum = kb.idx(1), statScale = kb.idx(2);

  // 1. Q tile into shared memory; zero accumulators; empty statistics.
  kb.loop(tid, kb.idx(hpc * p.Dqk), step, [&](Value e) {
    Value h = kb.div(e, p.Dqk), d = kb.rem(e, p.Dqk);
    kb.store(kb.load(q, {batch, token, kb.add(head0, h), d}), qTile, {h, d});
  });
  kb.loop(tid, kb.idx(hpc * p.Dv), step, [&](Value e) {
    kb.store(kb.f32(0.0), acc, {kb.div(e, p.Dv), kb.rem(e, p.Dv)});
  });
  kb.loop(tid, kb.idx(hpc), step, [&](Value h) {
    kb.store(kb.negInf(), stats, {statMax, h});
    kb.store(kb.f32(0.0), stats, {statSum, h});
  });
  gpu::BarrierOp::create(b);

  // Causal bound of this token: floor((q_start + s + 1 - kv_stride) /
  // kv_stride), in i64 so no q_start overflows.
  Value skv = arith::IndexCastOp::create(
      b, i64, memref::DimOp::create(b, kv, kb.idx(1)));
  Value maxKv;
  if (causal) {
    Value start = arith::ExtSIOp::create(b, i64, qStart);
    Value pos = arith::IndexCastOp::create(b, i64, token);
    Value qPos = arith::AddIOp::create(b, start, pos);
    Value one = arith::ConstantIntOp::create(b, i64, 1);
    Value stride = arith::ConstantIntOp::create(b, i64, kvStride);
    Value numerator = arith::SubIOp::create(
        b, arith::AddIOp::create(b, qPos, one), stride);
    maxKv = arith::FloorDivSIOp::create(b, numerator, stride);
  }

  // 2. One block of block_k entries at a time.
  const int64_t numBlocks = llvm::divideCeil(p.topk, blockK);
  kb.loop(kb.idx(0), kb.idx(numBlocks), kb.idx(1), [&](Value blk) {
    Value base = kb.mul(blk, kb.idx(blockK));

    // 2a. Which entries are valid; invalid ones get row -1.
    kb.loop(tid, kb.idx(blockK), step, [&](Value j) {
      Value e = kb.add(base, j);
      Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e,
                                            kb.idx(p.topk));
      Value raw = kb.ifElse(
          inRange, i32, [&] { return kb.load(indices, {batch, token, group, e}); },
          [&] { return arith::ConstantIntOp::create(b, i32, -1).getResult(); });
      Value wide = arith::ExtSIOp::create(b, i64, raw);
      Value zero = arith::ConstantIntOp::create(b, i64, 0);
      Value notNegative =
          arith::CmpIOp::create(b, arith::CmpIPredicate::sge, wide, zero);
      Value belowSkv =
          arith::CmpIOp::create(b, arith::CmpIPredicate::slt, wide, skv);
      Value valid = arith::AndIOp::create(b, notNegative, belowSkv);
      if (causal)
        valid = arith::AndIOp::create(
            b, valid,
            arith::CmpIOp::create(b, arith::CmpIPredicate::sle, wide, maxKv));
      Value row = arith::SelectOp::create(
          b, valid, raw, arith::ConstantIntOp::create(b, i32, -1));
      kb.store(row, rows, {j});
    });
    gpu::BarrierOp::create(b);

    // 2b. Gather the valid rows; masked rows are zero-filled, never read.
    kb.loop(tid, kb.idx(blockK * p.Dqk), step, [&](Value e) {
      Value j = kb.div(e, p.Dqk), d = kb.rem(e, p.Dqk);
      Value row = kb.load(rows, {j});
      Value isValid = arith::CmpIOp::create(
          b, arith::CmpIPredicate::sge, row,
          arith::ConstantIntOp::create(b, i32, 0));
      Value v = kb.ifElse(
          isValid, bf16,
          [&] {
            Value r = arith::IndexCastOp::create(b, b.getIndexType(), row);
            return kb.load(kv, {batch, r, group, d});
          },
          [&] {
            return arith::ConstantFloatOp::create(b, b.getBF16Type(),
                                                  APFloat::getZero(
                                                      APFloat::BFloat()))
                .getResult();
          });
      kb.store(v, kvTile, {j, d});
    });
    gpu::BarrierOp::create(b);

    // 2c. Scaled logits (base 2), -inf for invalid entries.
    kb.loop(tid, kb.idx(hpc * blockK), step, [&](Value e) {
      Value h = kb.div(e, blockK), j = kb.rem(e, blockK);
      Value isValid = arith::CmpIOp::create(
          b, arith::CmpIPredicate::sge, kb.load(rows, {j}),
          arith::ConstantIntOp::create(b, i32, 0));
      Value logit = kb.ifElse(
          isValid, f32,
          [&] {
            Value dot = kb.reduce(0, p.Dqk, kb.f32(0.0), [&](Value d, Value s) {
              Value x = arith::ExtFOp::create(b, f32, kb.load(qTile, {h, d}));
              Value y = arith::ExtFOp::create(b, f32, kb.load(kvTile, {j, d}));
              return math::FmaOp::create(b, x, y, s).getResult();
            });
            return arith::MulFOp::create(b, dot, kb.f32(scaleLog2)).getResult();
          },
          [&] { return kb.negInf(); });
      kb.store(logit, scores, {h, j});
    });
    gpu::BarrierOp::create(b);

    // 2d. Online softmax: new running max, weights, rescale factor, sum.
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
    gpu::BarrierOp::create(b);

    // 2e. acc = acc * rescale + P V (V = the first Dv columns of the rows).
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
    gpu::BarrierOp::create(b);
  });

  // 3. Normalize and write out, lse (natural log) and max_logits. A row
  // with no valid entry has sum 0: out = 0, lse = +inf, max_logits = -inf.
  kb.loop(tid, kb.idx(hpc * p.Dv), step, [&](Value e) {
    Value h = kb.div(e, p.Dv), c = kb.rem(e, p.Dv);
    Value sum = kb.load(stats, {statSum, h});
    Value any = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum,
                                      kb.f32(0.0));
    Value o = arith::SelectOp::create(
        b, any, arith::DivFOp::create(b, kb.load(acc, {h, c}), sum),
        kb.f32(0.0));
    kb.store(arith::TruncFOp::create(b, bf16, o), out,
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
  gpu::ReturnOp::create(b);
}

/// The `sparse_mla.kernel_info` dictionary: what the kernel package's
/// manifest needs that the lowered module no longer says.
DictionaryAttr buildKernelInfo(OpBuilder &b, FwdOp op, ScheduleAttr schedule,
                               StringRef entry, int64_t sharedMemory) {
  FwdOp::Problem p = op.getProblem();
  auto dim = [&](int64_t size) -> Attribute {
    return ShapedType::isDynamic(size) ? Attribute(b.getUnitAttr())
                                       : Attribute(b.getI64IntegerAttr(size));
  };
  auto gridTerm = [&](StringRef name, int64_t multiplier) {
    SmallVector<NamedAttribute> fields;
    if (!name.empty())
      fields.push_back(b.getNamedAttr("dim", b.getStringAttr(name)));
    fields.push_back(
        b.getNamedAttr("multiplier", b.getI64IntegerAttr(multiplier)));
    return b.getDictionaryAttr(fields);
  };
  SmallVector<Attribute> params = {
      b.getStringAttr("q"),   b.getStringAttr("kv"),  b.getStringAttr("indices"),
      b.getStringAttr("q_start"), b.getStringAttr("out"), b.getStringAttr("lse")};
  if (op.getMaxLogits())
    params.push_back(b.getStringAttr("max_logits"));
  std::string scheduleText;
  llvm::raw_string_ostream(scheduleText) << schedule;

  SmallVector<NamedAttribute> opInfo = {
      b.getNamedAttr("H", b.getI64IntegerAttr(p.H)),
      b.getNamedAttr("G", b.getI64IntegerAttr(p.G)),
      b.getNamedAttr("Dqk", b.getI64IntegerAttr(p.Dqk)),
      b.getNamedAttr("Dv", b.getI64IntegerAttr(p.Dv)),
      b.getNamedAttr("topk", b.getI64IntegerAttr(p.topk)),
      b.getNamedAttr("B", dim(p.B)),
      b.getNamedAttr("S", dim(p.S)),
      b.getNamedAttr("Skv", dim(p.Skv)),
      b.getNamedAttr("sm_scale", b.getF64FloatAttr(op.getEffectiveSmScale())),
      b.getNamedAttr("kv_stride",
                     b.getI64IntegerAttr(op.getKvStrideAttr().getInt())),
      b.getNamedAttr("causal", b.getBoolAttr(op.getCausal())),
      b.getNamedAttr("has_max_logits", b.getBoolAttr(bool(op.getMaxLogits()))),
      b.getNamedAttr("schedule", b.getStringAttr(scheduleText)),
  };
  return b.getDictionaryAttr({
      b.getNamedAttr("entry", b.getStringAttr(entry)),
      b.getNamedAttr("block",
                     b.getDenseI64ArrayAttr({schedule.getNumThreads(), 1, 1})),
      b.getNamedAttr("dynamic_shared_memory",
                     b.getI64IntegerAttr(sharedMemory)),
      b.getNamedAttr("grid",
                     b.getArrayAttr({gridTerm("S", p.H / schedule.getHeadsPerCta()),
                                     gridTerm("B", 1), gridTerm("", 1)})),
      b.getNamedAttr("params", b.getArrayAttr(params)),
      b.getNamedAttr("op", b.getDictionaryAttr(opInfo)),
  });
}

struct ConvertSimpleToGPUPass
    : public sparse_mla::impl::ConvertSparseMLASimpleToGPUBase<
          ConvertSimpleToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FwdOp> ops;
    bool missing = false;
    module.walk([&](FwdOp op) {
      ScheduleAttr schedule = op.getScheduleAttr();
      if (op->getParentOfType<ModuleOp>() != module) {
        op.emitOpError() << "is inside a nested module; run "
                            "convert-sparse-mla-simple-to-gpu on that module";
        missing = true;
      } else if (!schedule) {
        op.emitOpError() << "has no schedule; run sparse-mla-select-schedule "
                            "before convert-sparse-mla-simple-to-gpu";
        missing = true;
      } else if (schedule.getKind() == ScheduleKind::simple) {
        ops.push_back(op);
      }
    });
    if (missing)
      return signalPassFailure();
    if (ops.empty())
      return;

    MLIRContext *ctx = module.getContext();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(ctx));
    SymbolTable moduleSymbols(module);
    auto kernels = moduleSymbols.lookup<gpu::GPUModuleOp>(kKernelModuleName);
    if (!kernels) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
      moduleSymbols.insert(kernels);
    }
    SymbolTable kernelSymbols(kernels);

    for (FwdOp op : ops)
      lowerOne(op, kernels, kernelSymbols);
  }

  void lowerOne(FwdOp op, gpu::GPUModuleOp kernels, SymbolTable &symbols) {
    ScheduleAttr schedule = op.getScheduleAttr();
    FwdOp::Problem p = op.getProblem();
    SimpleSmemLayout layout = getSimpleSmemLayout(schedule, p.Dqk, p.Dv);

    // Kernel operands, in the order of the package's parameter ABI.
    SmallVector<Value> operands = {op.getQ(), op.getKv(), op.getIndices(),
                                   op.getQStart(), op.getOut(), op.getLse()};
    if (op.getMaxLogits())
      operands.push_back(op.getMaxLogits());
    SmallVector<Type> argTypes;
    for (Value v : operands) {
      auto type = dyn_cast<MemRefType>(v.getType());
      argTypes.push_back(type ? Type(getKernelMemRefType(type)) : v.getType());
    }

    // The kernel.
    OpBuilder kb = OpBuilder::atBlockEnd(kernels.getBody());
    auto func = gpu::GPUFuncOp::create(
        kb, op.getLoc(), "sparse_mla_fwd_simple",
        FunctionType::get(op.getContext(), argTypes, {}));
    symbols.insert(func); // renames on collision: _0, _1, ...
    func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), kb.getUnitAttr());
    func.setKnownBlockSizeAttr(kb.getDenseI32ArrayAttr(
        {static_cast<int32_t>(schedule.getNumThreads()), 1, 1}));
    buildSimpleKernelBody(func, op, schedule);

    // The launch, in place of the op.
    ImplicitLocOpBuilder b(op.getLoc(), op);
    SmallVector<Value> args;
    for (auto [v, t] : llvm::zip(operands, argTypes))
      args.push_back(v.getType() == t
                         ? v
                         : memref::CastOp::create(b, t, v).getResult());
    auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
    Value batch = memref::DimOp::create(b, op.getQ(), cst(0));
    Value tokens = memref::DimOp::create(b, op.getQ(), cst(1));
    Value gridX = arith::MulIOp::create(
        b, tokens, cst(p.H / schedule.getHeadsPerCta()));
    Value smem = arith::ConstantIntOp::create(b, b.getI32Type(), layout.total);
    auto launch = gpu::LaunchFuncOp::create(
        b, func, gpu::KernelDim3{gridX, batch, cst(1)},
        gpu::KernelDim3{cst(schedule.getNumThreads()), cst(1), cst(1)}, smem,
        args);
    launch->setAttr(kKernelInfoAttrName,
                    buildKernelInfo(b, op, schedule, func.getName(),
                                    layout.total));
    op.erase();
  }
};

} // namespace
