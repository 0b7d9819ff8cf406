//===- SparseMLAToTiles.cpp - sparse_mla.fwd -> kernel with a tile program ===//
//
// IR level 1 -> 2 for the simple and pipelined schedules: the op becomes a
// kernel (one CTA per query token, block of heads and batch) whose body is
// the tile program, and the launch of that kernel. Which threads compute
// what, the barriers, the roles of a pipelined kernel and the shared-memory
// offsets are decided by later passes.
//
//===----------------------------------------------------------------------===//

#include "../Common/KernelCommon.h"
#include "../Common/SeesawParams.h"
#include "SparseMLA/Conversion/Passes.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Dialect/Tile/IR/Tile.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sparse_mla {
#define GEN_PASS_DEF_CONVERTSPARSEMLATOTILES
#include "SparseMLA/Conversion/Passes.h.inc"
} // namespace mlir::sparse_mla

using namespace mlir;
using namespace mlir::sparse_mla;

namespace {

/// The tiles of one CTA, in workgroup memory. Allocated in the order of the
/// schedule's layout (getSimpleSmemLayout), which ws-assign-shared-memory
/// follows.
struct Tiles {
  Value q, ring, scores, acc, max, sum, rescale;
  /// Slot 0 of the ring: the KV tile the program gathers into.
  Value kv;
};

Tiles allocateTiles(ImplicitLocOpBuilder &b, ScheduleAttr schedule,
                    const FwdOp::Problem &p) {
  MLIRContext *ctx = b.getContext();
  const SimpleSmemLayout layout = getSimpleSmemLayout(schedule, p.Dqk, p.Dv);
  const int64_t hpc = schedule.getHeadsPerCta(),
                blockK = schedule.getBlockK();
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto alloc = [&](ArrayRef<int64_t> shape, Type elt) -> Value {
    return memref::AllocOp::create(b, MemRefType::get(shape, elt, nullptr, wg));
  };
  // The rank-reduced [sizes] view at `offsets` of `source` (unit strides).
  auto view = [&](Value source, ArrayRef<int64_t> offsets,
                  ArrayRef<int64_t> sizes, ArrayRef<int64_t> resultShape) {
    auto type = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
        resultShape, cast<MemRefType>(source.getType()), offsets, sizes,
        SmallVector<int64_t>(offsets.size(), 1)));
    SmallVector<OpFoldResult> o, s, st;
    for (auto [offset, size] : llvm::zip(offsets, sizes)) {
      o.push_back(b.getIndexAttr(offset));
      s.push_back(b.getIndexAttr(size));
      st.push_back(b.getIndexAttr(1));
    }
    return memref::SubViewOp::create(b, type, source, o, s, st).getResult();
  };
  Tiles t;
  t.q = alloc({hpc, p.Dqk}, bf16);
  // Rows padded to kvPitch elements (bank spread, or cp.async alignment).
  t.ring = alloc({schedule.getStages(), blockK, layout.kvPitch}, bf16);
  t.scores = alloc({hpc, blockK}, f32);
  t.acc = alloc({hpc, p.Dv}, f32);
  // The row statistics side by side: running max, sum, rescale.
  Value stats = alloc({3, hpc}, f32);
  t.max = view(stats, {0, 0}, {1, hpc}, {hpc});
  t.sum = view(stats, {1, 0}, {1, hpc}, {hpc});
  t.rescale = view(stats, {2, 0}, {1, hpc}, {hpc});
  t.kv = view(t.ring, {0, 0, 0}, {1, blockK, p.Dqk}, {blockK, p.Dqk});
  return t;
}

/// clamp(topk_length[batch, token], 0, topk) as an index, or null without
/// topk_length.
Value rowLength(ImplicitLocOpBuilder &b, const CtaView &cta) {
  if (!cta.topkLength)
    return Value();
  Type i32 = b.getI32Type();
  Value raw = memref::LoadOp::create(b, cta.topkLength,
                                     ValueRange{cta.batch, cta.token});
  Value zero = arith::ConstantIntOp::create(b, i32, 0);
  Value topk = arith::ConstantIntOp::create(b, i32, cta.p.topk);
  Value clamped = arith::MinSIOp::create(
      b, arith::MaxSIOp::create(b, raw, zero), topk);
  return arith::IndexCastOp::create(b, b.getIndexType(), clamped);
}

/// Writes the tile program of `op` into `func`'s body; the kernel's last
/// `numExtraArgs` parameters are not the program's (a seesaw kernel's Q
/// tensor map and split plan).
void buildTileProgram(gpu::GPUFuncOp func, FwdOp op, ScheduleAttr schedule,
                      size_t numExtraArgs = 0) {
  Block &entry = func.getBody().front();
  ImplicitLocOpBuilder b(op.getLoc(), op.getContext());
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb{b};
  CtaView cta(b, FwdSpec::of(op), schedule,
              entry.getArguments().drop_back(numExtraArgs));
  const FwdOp::Problem &p = cta.p;
  const int64_t blockK = schedule.getBlockK();
  Tiles t = allocateTiles(b, schedule, p);

  tile::LoadOp::create(b, cta.q, ValueRange{cta.batch, cta.token, cta.head0},
                       t.q);
  tile::FillOp::create(b, kb.f32(0.0), t.acc);
  tile::FillOp::create(b, kb.negInf(), t.max);
  tile::FillOp::create(b, kb.f32(0.0), t.sum);
  auto rowsType = tile::RowsType::get(b.getContext(), blockK);
  // With topk_length, only the row's leading entries count: no block past
  // them is visited.
  Value length = rowLength(b, cta);
  Value numBlocks =
      length ? kb.div(kb.add(length, kb.idx(blockK - 1)), blockK)
             : kb.idx(llvm::divideCeil(p.topk, blockK));
  kb.loop(kb.idx(0), numBlocks, kb.idx(1),
          [&](Value blk) {
            Value rows = tile::BlockRowsOp::create(
                b, rowsType, cta.indices, cta.batch, cta.token, cta.group, blk,
                cta.skv, cta.causal ? cta.maxKv : Value(), length);
            tile::GatherOp::create(b, cta.kv, cta.batch, cta.group, rows, t.kv,
                                   /*async=*/false);
            tile::MatmulOp::create(b, t.q, t.kv, t.scores, rows, cta.scaleLog2,
                                   /*row_scale=*/Value(),
                                   /*transpose_b=*/true);
            tile::SoftmaxStepOp::create(b, t.scores, t.max, t.sum, t.rescale);
            tile::MatmulOp::create(b, t.scores, t.kv, t.acc, /*mask=*/Value(),
                                   /*scale=*/Value(), t.rescale,
                                   /*transpose_b=*/false);
          });
  tile::FinishOp::create(b, t.acc, t.max, t.sum, cta.out, cta.lse,
                         cta.maxLogits, cta.attnSink, cta.batch, cta.token,
                         cta.head0);
  gpu::ReturnOp::create(b);
}

/// Marks a seesaw kernel for convert-sparse-mla-seesaw-to-gpu: the
/// schedule, the kv stride (which the tile program holds only as the
/// arithmetic of each block's causal bound) and `split`: whether this is
/// split_tail's split kernel.
void markSeesawKernel(gpu::GPUFuncOp func, FwdOp op, ScheduleAttr schedule,
                      bool split) {
  Builder b(func.getContext());
  func->setAttr(
      tile::kSeesawAttrName,
      b.getDictionaryAttr(
          {b.getNamedAttr("schedule", schedule),
           b.getNamedAttr("kv_stride", op.getKvStrideAttr()),
           b.getNamedAttr("split", b.getBoolAttr(split))}));
}

struct ConvertToTilesPass
    : public sparse_mla::impl::ConvertSparseMLAToTilesBase<ConvertToTilesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FwdOp> ops;
    if (failed(collectFwdOps(module, getArgument(),
                             {ScheduleKind::simple, ScheduleKind::pipelined,
                              ScheduleKind::seesaw},
                             ops)))
      return signalPassFailure();
    if (ops.empty())
      return;
    // The seesaw kernel's own limits, named on the op before any is
    // lowered (sparse-mla-select-schedule falls back to simple where the
    // schedule was not asked for).
    bool refused = false;
    for (FwdOp op : ops) {
      ScheduleAttr schedule = op.getScheduleAttr();
      if (schedule.getKind() != ScheduleKind::seesaw)
        continue;
      std::string why = whySeesawKernelCannotServe(schedule, op.getProblem());
      if (!why.empty()) {
        op.emitOpError() << why;
        refused = true;
      }
    }
    if (refused)
      return signalPassFailure();
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    SymbolTable symbols(kernels);
    for (FwdOp op : ops) {
      ScheduleAttr schedule = op.getScheduleAttr();
      if (schedule.getKind() == ScheduleKind::seesaw)
        lowerSeesaw(op, schedule, kernels, symbols);
      else
        lowerSimpleOrPipelined(op, schedule, kernels, symbols);
    }
  }

  void lowerSimpleOrPipelined(FwdOp op, ScheduleAttr schedule,
                              gpu::GPUModuleOp kernels, SymbolTable &symbols) {
    bool pipelined = schedule.getKind() == ScheduleKind::pipelined;
    gpu::GPUFuncOp func = createKernelFunc(
        op, schedule, kernels, symbols,
        pipelined ? "sparse_mla_fwd_pipelined" : "sparse_mla_fwd_simple",
        /*extraArgs=*/{}, compiledScale);
    buildTileProgram(func, op, schedule);
    ExtraLaunchArgs extra;
    extra.compiledScale = compiledScale;
    if (pipelined) {
      ArrayRef<int32_t> regs = schedule.getRegs();
      OpBuilder b(func);
      func->setAttr(tile::kPipelineRegsAttrName,
                    b.getDenseI32ArrayAttr({regs.empty() ? 56 : regs[0],
                                            regs.empty() ? 232 : regs[1]}));
      // The producer gathers KV rows in 16-byte cp.async pieces.
      extra.rowAlignment = {{"kv", hw::kCpAsyncBytes}};
    }
    FwdOp::Problem p = op.getProblem();
    replaceWithLaunch(op, schedule, func,
                      getSimpleSmemLayout(schedule, p.Dqk, p.Dv).total, extra);
  }

  /// The seesaw kernel (and with split_tail its split kernel, the same
  /// program over a share of a tile's blocks) holds the same tile program
  /// as the simple one; its launch passes Q's tensor map (and the split
  /// plan) for the body convert-sparse-mla-seesaw-to-gpu builds from it.
  void lowerSeesaw(FwdOp op, ScheduleAttr schedule, gpu::GPUModuleOp kernels,
                   SymbolTable &symbols) {
    SmallVector<Type> extraTypes =
        seesawExtraParamTypes(op.getContext(), schedule);
    auto makeKernel = [&](StringRef name, bool split) {
      gpu::GPUFuncOp func = createKernelFunc(op, schedule, kernels, symbols,
                                             name, extraTypes, compiledScale);
      buildTileProgram(func, op, schedule, extraTypes.size());
      markSeesawKernel(func, op, schedule, split);
      return func;
    };
    gpu::GPUFuncOp func = makeKernel(kSeesawKernelName, false);
    StringRef splitName;
    if (schedule.getSplitTail())
      splitName = makeKernel(kSeesawSplitKernelName, true).getName();
    replaceWithLaunch(op, schedule, func,
                      getSeesawLayout(schedule, op.getProblem().Dqk).total,
                      seesawLaunchArgs(op, schedule, splitName, compiledScale));
  }
};

} // namespace
