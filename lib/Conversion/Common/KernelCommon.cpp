//===- KernelCommon.cpp - shared pieces of the fwd kernel lowerings -------===//

#include "KernelCommon.h"
#include "PointerUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <limits>

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {
constexpr StringLiteral kKernelModuleName = "sparse_mla_kernels";
constexpr StringLiteral kKernelInfoAttrName = "sparse_mla.kernel_info";
} // namespace

//===----------------------------------------------------------------------===//
// KernelBuilder
//===----------------------------------------------------------------------===//

Value KernelBuilder::f32(double v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                        APFloat(static_cast<float>(v)));
}
Value KernelBuilder::negInf() {
  return arith::ConstantFloatOp::create(
      b, b.getF32Type(), APFloat::getInf(APFloat::IEEEsingle(), true));
}
Value KernelBuilder::posInf() {
  return arith::ConstantFloatOp::create(
      b, b.getF32Type(), APFloat::getInf(APFloat::IEEEsingle(), false));
}
Value KernelBuilder::packBf16(Value lo, Value hi) {
  Type bf16 = b.getBF16Type();
  Value pair = LLVM::UndefOp::create(b, VectorType::get({2}, bf16));
  pair = LLVM::InsertElementOp::create(
      b, pair, arith::TruncFOp::create(b, bf16, lo), i32(0));
  pair = LLVM::InsertElementOp::create(
      b, pair, arith::TruncFOp::create(b, bf16, hi), i32(1));
  return LLVM::BitcastOp::create(b, b.getI32Type(), pair);
}

void KernelBuilder::loop(Value lb, Value ub, Value step,
                         function_ref<void(Value)> body) {
  auto forOp = scf::ForOp::create(b, lb, ub, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forOp.getBody()->getTerminator());
  body(forOp.getInductionVar());
}

Value KernelBuilder::reduce(int64_t lb, int64_t ub, Value init,
                            function_ref<Value(Value, Value)> body) {
  auto forOp =
      scf::ForOp::create(b, idx(lb), idx(ub), idx(1), ValueRange{init});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forOp.getBody());
  Value next = body(forOp.getInductionVar(), forOp.getRegionIterArgs()[0]);
  scf::YieldOp::create(b, next);
  return forOp.getResult(0);
}

Value KernelBuilder::ifElse(Value cond, Type type, function_ref<Value()> thenFn,
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

void KernelBuilder::when(Value cond, function_ref<void()> thenFn) {
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  thenFn();
}

MemRefType mlir::sparse_mla::getKernelMemRefType(MemRefType type) {
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  strides.back() = 1;
  return MemRefType::get(
      type.getShape(), type.getElementType(),
      StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic, strides));
}

//===----------------------------------------------------------------------===//
// CtaView
//===----------------------------------------------------------------------===//

FwdSpec FwdSpec::of(FwdOp op) {
  FwdSpec spec;
  spec.p = op.getProblem();
  spec.causal = op.getCausal();
  spec.kvStride = op.getKvStrideAttr().getInt();
  spec.hasMaxLogits = static_cast<bool>(op.getMaxLogits());
  spec.compiledScaleLog2 =
      static_cast<float>(op.getEffectiveSmScale() * M_LOG2E);
  return spec;
}

CtaView::CtaView(ImplicitLocOpBuilder &b, const FwdSpec &spec,
                 ScheduleAttr schedule, ValueRange args)
    : b(b), kb{b}, p(spec.p), causal(spec.causal), kvStride(spec.kvStride),
      hpc(schedule.getHeadsPerCta()) {
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value batchIndex = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  init(spec, args, blockX, batchIndex);
}

CtaView::CtaView(ImplicitLocOpBuilder &b, const FwdSpec &spec,
                 ScheduleAttr schedule, ValueRange args, Value blockX,
                 Value batchIndex)
    : b(b), kb{b}, p(spec.p), causal(spec.causal), kvStride(spec.kvStride),
      hpc(schedule.getHeadsPerCta()) {
  init(spec, args, blockX, batchIndex);
}

void CtaView::init(const FwdSpec &spec, ValueRange args, Value blockX,
                   Value batchIndex) {
  // The kernel's parameters in the order of kernelOperands.
  q = args[0];
  kv = args[1];
  indices = args[2];
  qStart = args[3];
  unsigned next = 4;
  attnSink = p.attnSink ? args[next++] : Value();
  topkLength = p.topkLength ? args[next++] : Value();
  out = args[next++];
  lse = args[next++];
  maxLogits = spec.hasMaxLogits ? args[next++] : Value();
  scaleLog2 = kernelScaleLog2(b, spec, args);

  batch = batchIndex;
  const int64_t headBlocks = p.H / hpc;
  token = kb.div(blockX, headBlocks);
  head0 = kb.mul(kb.rem(blockX, headBlocks), kb.idx(hpc));
  group = kb.div(head0, p.H / p.G);

  // Causal bound of this token: floor((q_start + s + 1 - kv_stride) /
  // kv_stride), in i64 so no q_start overflows.
  Type i64 = b.getI64Type();
  skv = arith::IndexCastOp::create(b, i64,
                                   memref::DimOp::create(b, kv, kb.idx(1)));
  if (!causal)
    return;
  Value start = arith::ExtSIOp::create(b, i64, qStart);
  Value pos = arith::IndexCastOp::create(b, i64, token);
  Value qPos = arith::AddIOp::create(b, start, pos);
  Value one = arith::ConstantIntOp::create(b, i64, 1);
  Value stride = arith::ConstantIntOp::create(b, i64, kvStride);
  Value numerator =
      arith::SubIOp::create(b, arith::AddIOp::create(b, qPos, one), stride);
  maxKv = arith::FloorDivSIOp::create(b, numerator, stride);
}

void CtaView::prepareRowEntries() {
  Type i64 = b.getI64Type();
  auto meta = memref::ExtractStridedMetadataOp::create(b, indices);
  ValueRange st = meta.getStrides();
  Value elem = kb.add(kb.add(meta.getOffset(), kb.mul(batch, st[0])),
                      kb.add(kb.mul(token, st[1]), kb.mul(group, st[2])));
  indexRow = rawPointer(b, meta.getBaseBuffer(), kb.mul(elem, kb.idx(4)),
                        /*addrSpace=*/1);
  auto c64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, i64, v).getResult();
  };
  Value last = arith::SubIOp::create(b, skv, c64(1));
  if (causal)
    last = arith::MinSIOp::create(b, last, maxKv);
  // End of the valid rows, clamped to [0, 2^31] (i32: 2^31 reads as
  // 0x80000000 unsigned).
  Value end = arith::AddIOp::create(b, last, c64(1));
  end = arith::MaxSIOp::create(b, end, c64(0));
  end = arith::MinSIOp::create(
      b, end, c64(int64_t(std::numeric_limits<int32_t>::max()) + 1));
  validEnd = arith::TruncIOp::create(b, b.getI32Type(), end);
  if (topkLength)
    rowLength = loadRowLength(batch, token);
}

Value CtaView::loadRowLength(Value batchIndex, Value tokenIndex) {
  Type i32 = b.getI32Type();
  Value length = memref::LoadOp::create(b, topkLength,
                                        ValueRange{batchIndex, tokenIndex});
  length = arith::MaxSIOp::create(
      b, length, arith::ConstantIntOp::create(b, i32, 0));
  return arith::MinSIOp::create(
      b, length, arith::ConstantIntOp::create(b, i32, p.topk));
}

std::pair<Value, Value> CtaView::rowEntry(Value e) {
  Type i32 = b.getI32Type();
  Value at = LLVM::GEPOp::create(
      b, indexRow.getType(), i32, indexRow,
      ValueRange{arith::IndexCastOp::create(b, b.getI64Type(), e)});
  Value raw = LLVM::LoadOp::create(b, i32, at, /*alignment=*/4);
  // 0 <= raw < end in one unsigned compare: a negative raw is above 2^31.
  Value valid =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, raw, validEnd);
  if (rowLength)
    valid = arith::AndIOp::create(
        b, valid,
        arith::CmpIOp::create(b, arith::CmpIPredicate::slt,
                              arith::IndexCastOp::create(b, i32, e),
                              rowLength));
  return {valid, raw};
}

//===----------------------------------------------------------------------===//
// Kernel, launch and kernel_info
//===----------------------------------------------------------------------===//

/// The `sparse_mla.kernel_info` dictionary: what the kernel package's
/// manifest needs that the lowered module no longer says.
static DictionaryAttr buildKernelInfo(OpBuilder &b, FwdOp op,
                                      ScheduleAttr schedule, StringRef entry,
                                      int64_t sharedMemory,
                                      const ExtraLaunchArgs &extra) {
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
      b.getStringAttr("q"), b.getStringAttr("kv"), b.getStringAttr("indices"),
      b.getStringAttr("q_start")};
  if (op.getAttnSink())
    params.push_back(b.getStringAttr("attn_sink"));
  if (op.getTopkLength())
    params.push_back(b.getStringAttr("topk_length"));
  params.push_back(b.getStringAttr("out"));
  params.push_back(b.getStringAttr("lse"));
  if (op.getMaxLogits())
    params.push_back(b.getStringAttr("max_logits"));
  if (!extra.compiledScale)
    params.push_back(b.getStringAttr("scale_log2"));
  for (const std::string &name : extra.names)
    params.push_back(b.getStringAttr(name));
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
  SmallVector<NamedAttribute> info = {
      b.getNamedAttr("entry", b.getStringAttr(entry)),
      b.getNamedAttr("block",
                     b.getDenseI64ArrayAttr({schedule.getNumThreads(), 1, 1})),
      b.getNamedAttr("dynamic_shared_memory",
                     b.getI64IntegerAttr(sharedMemory)),
      b.getNamedAttr(
          "grid",
          b.getArrayAttr({gridTerm("S", p.H / schedule.getHeadsPerCta()),
                          gridTerm("B", 1), gridTerm("", 1)})),
      b.getNamedAttr("params", b.getArrayAttr(params)),
      b.getNamedAttr("op", b.getDictionaryAttr(opInfo)),
  };
  if (!extra.rowAlignment.empty()) {
    SmallVector<NamedAttribute> align;
    for (auto &[name, bytes] : extra.rowAlignment)
      align.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(bytes)));
    info.push_back(b.getNamedAttr("row_alignment", b.getDictionaryAttr(align)));
  }
  if (extra.ctasPerSm > 0)
    info.push_back(
        b.getNamedAttr("ctas_per_sm", b.getI64IntegerAttr(extra.ctasPerSm)));
  return b.getDictionaryAttr(info);
}

/// Kernel operands, in the order of the package's parameter ABI.
static SmallVector<Value> kernelOperands(FwdOp op) {
  SmallVector<Value> operands = {op.getQ(), op.getKv(), op.getIndices(),
                                 op.getQStart()};
  if (op.getAttnSink())
    operands.push_back(op.getAttnSink());
  if (op.getTopkLength())
    operands.push_back(op.getTopkLength());
  operands.push_back(op.getOut());
  operands.push_back(op.getLse());
  if (op.getMaxLogits())
    operands.push_back(op.getMaxLogits());
  return operands;
}

static Type kernelArgType(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type ? Type(getKernelMemRefType(type)) : v.getType();
}

/// The kernel's `scale_log2` parameter, or without one (compiled-scale) the
/// op's sm_scale x log2(e) as an f32 constant.
Value mlir::sparse_mla::kernelScaleLog2(ImplicitLocOpBuilder &b,
                                        const FwdSpec &spec,
                                        ValueRange opArgs) {
  if (opArgs.size() > spec.numOperands())
    return opArgs[spec.numOperands()];
  return arith::ConstantOp::create(b,
                                   b.getF32FloatAttr(spec.compiledScaleLog2));
}

gpu::GPUModuleOp mlir::sparse_mla::getOrCreateKernelModule(ModuleOp module) {
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(module.getContext()));
  SymbolTable moduleSymbols(module);
  auto kernels = moduleSymbols.lookup<gpu::GPUModuleOp>(kKernelModuleName);
  if (!kernels) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
    moduleSymbols.insert(kernels);
  }
  return kernels;
}

gpu::GPUFuncOp mlir::sparse_mla::createKernelFunc(
    FwdOp op, ScheduleAttr schedule, gpu::GPUModuleOp kernels,
    SymbolTable &symbols, StringRef name, TypeRange extraArgs,
    bool compiledScale) {
  SmallVector<Type> argTypes;
  for (Value v : kernelOperands(op))
    argTypes.push_back(kernelArgType(v));
  if (!compiledScale)
    argTypes.push_back(Float32Type::get(op.getContext()));
  llvm::append_range(argTypes, extraArgs);
  OpBuilder kb = OpBuilder::atBlockEnd(kernels.getBody());
  auto func = gpu::GPUFuncOp::create(
      kb, op.getLoc(), name, FunctionType::get(op.getContext(), argTypes, {}));
  symbols.insert(func); // renames on collision: _0, _1, ...
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), kb.getUnitAttr());
  func.setKnownBlockSizeAttr(kb.getDenseI32ArrayAttr(
      {static_cast<int32_t>(schedule.getNumThreads()), 1, 1}));
  return func;
}

void mlir::sparse_mla::replaceWithLaunch(FwdOp op, ScheduleAttr schedule,
                                         gpu::GPUFuncOp func,
                                         int64_t sharedMemory,
                                         const ExtraLaunchArgs &extra) {
  FwdOp::Problem p = op.getProblem();
  ImplicitLocOpBuilder b(op.getLoc(), op);
  SmallVector<Value> args;
  for (Value v : kernelOperands(op)) {
    Type t = kernelArgType(v);
    args.push_back(
        v.getType() == t ? v : memref::CastOp::create(b, t, v).getResult());
  }
  // sm_scale x log2(e) as the kernel's `scale_log2` parameter: the op's
  // value here; a runtime may pass another scale (docs/kernel-package.md).
  if (!extra.compiledScale)
    args.push_back(arith::ConstantOp::create(
        b, b.getF32FloatAttr(FwdSpec::of(op).compiledScaleLog2)));
  if (extra.build)
    llvm::append_range(args, extra.build(b));
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  Value batch = memref::DimOp::create(b, op.getQ(), cst(0));
  Value tokens = memref::DimOp::create(b, op.getQ(), cst(1));
  Value gridX =
      arith::MulIOp::create(b, tokens, cst(p.H / schedule.getHeadsPerCta()));
  Value smem = arith::ConstantIntOp::create(b, b.getI32Type(), sharedMemory);
  auto launch = gpu::LaunchFuncOp::create(
      b, func, gpu::KernelDim3{gridX, batch, cst(1)},
      gpu::KernelDim3{cst(schedule.getNumThreads()), cst(1), cst(1)}, smem,
      args);
  launch->setAttr(
      kKernelInfoAttrName,
      buildKernelInfo(b, op, schedule, func.getName(), sharedMemory, extra));
  op.erase();
}

LogicalResult mlir::sparse_mla::collectFwdOps(ModuleOp module,
                                              StringRef passName,
                                              ArrayRef<ScheduleKind> kinds,
                                              SmallVectorImpl<FwdOp> &ops) {
  bool missing = false;
  module.walk([&](FwdOp op) {
    ScheduleAttr schedule = op.getScheduleAttr();
    if (op.hasTensorSemantics()) {
      op.emitOpError() << "is on tensors; bufferize it first "
                          "(one-shot-bufferize, or the sparse-mla-to-nvvm "
                          "pipeline, which starts with it) before "
                       << passName;
      missing = true;
    } else if (op->getParentOfType<ModuleOp>() != module) {
      op.emitOpError() << "is inside a nested module; run " << passName
                       << " on that module";
      missing = true;
    } else if (!schedule) {
      op.emitOpError() << "has no schedule; run sparse-mla-select-schedule "
                          "before "
                       << passName;
      missing = true;
    } else if (llvm::is_contained(kinds, schedule.getKind())) {
      ops.push_back(op);
    }
  });
  return failure(missing);
}
