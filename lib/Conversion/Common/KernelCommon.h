//===- KernelCommon.h - shared pieces of the kernel lowerings -*- C++ -*-===//
//
// What every schedule's lowering of sparse_mla.fwd shares: a small builder
// vocabulary, the kernel's view of the op's memrefs, the CTA's coordinates
// and index validity, and the kernel + launch + kernel_info scaffolding.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_LIB_CONVERSION_KERNELCOMMON_H
#define SPARSEMLA_LIB_CONVERSION_KERNELCOMMON_H

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

#include <functional>

namespace mlir::sparse_mla {

/// Thin helpers over one ImplicitLocOpBuilder so kernels read like the
/// algorithm: constants, strided loops, reductions and value-returning
/// conditionals.
struct KernelBuilder {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v);
  }
  Value f32(double v);
  Value negInf();
  Value posInf();
  /// Two f32 as packed bf16x2 (i32), `lo` in the low half.
  Value packBf16(Value lo, Value hi);

  /// for (iv = lb; iv < ub; iv += step) body(iv)
  void loop(Value lb, Value ub, Value step, function_ref<void(Value)> body);
  /// for (iv = lb; iv < ub; ++iv) acc = body(iv, acc); return acc
  Value reduce(int64_t lb, int64_t ub, Value init,
               function_ref<Value(Value, Value)> body);
  /// cond ? thenFn() : elseFn(), where only the taken side executes (the
  /// untaken side may hold a load that must not happen).
  Value ifElse(Value cond, Type type, function_ref<Value()> thenFn,
               function_ref<Value()> elseFn);
  /// if (cond) thenFn()
  void when(Value cond, function_ref<void()> thenFn);

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
MemRefType getKernelMemRefType(MemRefType type);

/// What a kernel lowering needs of a sparse_mla.fwd op beyond its operands'
/// values: its sizes and optional operands, its causal rule, and the scale
/// a kernel without a `scale_log2` parameter compiles in. Read from the op
/// (`of`) or, by a pass that starts from a kernel, from what the op became.
struct FwdSpec {
  FwdOp::Problem p;
  bool causal = false;
  int64_t kvStride = 1;
  bool hasMaxLogits = false;
  /// sm_scale x log2(e) as the f32 a compiled-scale kernel uses.
  float compiledScaleLog2 = 0;
  static FwdSpec of(FwdOp op);
  /// The op's operands among the kernel's parameters (kernelOperands).
  size_t numOperands() const {
    return 6 + p.attnSink + p.topkLength + hasMaxLogits;
  }
};

/// Which (batch, query token, heads, kv group) a CTA computes, and which of
/// its top-k entries are valid. Grid: x = query token * head blocks + head
/// block, y = batch.
struct CtaView {
  CtaView(ImplicitLocOpBuilder &b, const FwdSpec &spec, ScheduleAttr schedule,
          ValueRange args);
  /// The view of tile (`blockX`, `batch`) (index values), for a kernel whose
  /// CTAs loop over tiles (persistent schedules).
  CtaView(ImplicitLocOpBuilder &b, const FwdSpec &spec, ScheduleAttr schedule,
          ValueRange args, Value blockX, Value batch);

  /// Computes what rowEntry reads: the address of this CTA's index row
  /// (`indexRow`), the end of the valid kv rows as i32 (`validEnd`:
  /// min(Skv, causal bound + 1), clamped to [0, 2^31], compared unsigned)
  /// and, with topk_length, the row's length as i32 (`rowLength`:
  /// clamp(topk_length[batch, token], 0, topk)). Values instead of the
  /// coordinates they come from, for loops whose registers are scarce.
  void prepareRowEntries();
  /// Whether entry `e` (an index into the top-k list, `e < topk`: the
  /// caller guarantees it, so the index is loaded without a branch and
  /// independent loads overlap) is valid (in `[0, Skv)` and within the
  /// causal bound, and with topk_length below the row's length), and its
  /// raw index, from prepareRowEntries' values.
  std::pair<Value, Value> rowEntry(Value e);
  /// clamp(topk_length[batch, token], 0, topk) as i32 (index coordinates):
  /// `rowLength` of prepareRowEntries, and for a kernel that loads it again
  /// where registers are scarce.
  Value loadRowLength(Value batchIndex, Value tokenIndex);

private:
  void init(const FwdSpec &spec, ValueRange args, Value blockX,
            Value batchIndex);

public:
  ImplicitLocOpBuilder &b;
  KernelBuilder kb;
  FwdOp::Problem p;
  bool causal;
  int64_t kvStride, hpc;
  Value q, kv, indices, qStart, attnSink, topkLength, out, lse, maxLogits;
  /// f32: sm_scale x log2(e) (kernelScaleLog2); the softmax works in base
  /// 2.
  Value scaleLog2;
  Value batch, token, head0, group;
  Value skv, maxKv; ///< i64: Skv and (if causal) the last visible kv row
  Value indexRow, validEnd; ///< set by prepareRowEntries
  Value rowLength;          ///< with topk_length; set by prepareRowEntries
};

/// The kernel module of `module` (created on first use).
gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module);

/// A new kernel `name` in `kernels` taking `op`'s operands in the package's
/// parameter order, then (unless `compiledScale`) the f32 `scale_log2`,
/// then `extraArgs`, with `known_block_size` set from the schedule.
gpu::GPUFuncOp createKernelFunc(FwdOp op, ScheduleAttr schedule,
                                gpu::GPUModuleOp kernels, SymbolTable &symbols,
                                StringRef name, TypeRange extraArgs = {},
                                bool compiledScale = false);

/// sm_scale x log2(e) in a kernel whose leading arguments are `opArgs`: the
/// `scale_log2` argument after the op's operands when the kernel has one,
/// else the op's value as a constant (`compiled-scale`).
Value kernelScaleLog2(ImplicitLocOpBuilder &b, const FwdSpec &spec,
                      ValueRange opArgs);

/// Kernel parameters beyond the op's operands: their names in kernel_info
/// and a builder of the host values the launch passes for them.
struct ExtraLaunchArgs {
  SmallVector<std::string> names;
  std::function<SmallVector<Value>(ImplicitLocOpBuilder &)> build;
  /// Memref parameters whose data pointer and outer strides must be
  /// multiples of the given bytes (kernel_info "row_alignment").
  SmallVector<std::pair<std::string, int64_t>> rowAlignment;
  /// Persistent kernels: CTAs per SM the launch should run (kernel_info
  /// "ctas_per_sm"); the kernel loops over the grid's tiles itself. 0: one
  /// CTA per tile.
  int64_t ctasPerSm = 0;
  /// The op's scale is compiled into the kernel: no `scale_log2`.
  bool compiledScale = false;
};

/// Replaces `op` by a launch of `func` over the grid
/// `(S * H / heads_per_cta, B, 1)` with `sharedMemory` bytes, carrying the
/// `sparse_mla.kernel_info` dictionary.
void replaceWithLaunch(FwdOp op, ScheduleAttr schedule, gpu::GPUFuncOp func,
                       int64_t sharedMemory, const ExtraLaunchArgs &extra = {});

/// Checks the ops a kernel lowering may see: every fwd op in `module` itself
/// with a schedule. Collects those of `kinds`. Emits a diagnostic naming
/// `passName` and fails otherwise.
LogicalResult collectFwdOps(ModuleOp module, StringRef passName,
                            ArrayRef<ScheduleKind> kinds,
                            SmallVectorImpl<FwdOp> &ops);

} // namespace mlir::sparse_mla

#endif // SPARSEMLA_LIB_CONVERSION_KERNELCOMMON_H
