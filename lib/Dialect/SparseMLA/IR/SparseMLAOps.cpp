//===- SparseMLAOps.cpp - sparse_mla.fwd ----------------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::sparse_mla;

#define GET_OP_CLASSES
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOps.cpp.inc"

//===----------------------------------------------------------------------===//
// FwdOp
//===----------------------------------------------------------------------===//

namespace {
/// What the verifier expects of one memref operand.
struct OperandSpec {
  StringRef name;
  Value value;
  StringRef elementName; ///< "bf16", "i32" or "f32"
  /// Symbolic name of each dimension, outermost first.
  SmallVector<StringRef, 4> dims;
};

/// Where a symbolic dimension got its (static) size first.
struct DimSource {
  int64_t size;
  StringRef operand;
  unsigned index;
};
} // namespace

static bool hasElementType(ShapedType type, StringRef name) {
  Type elt = type.getElementType();
  if (name == "bf16")
    return elt.isBF16();
  if (name == "f32")
    return elt.isF32();
  return elt.isSignlessInteger(32);
}

/// Sizes that must be compile-time constants (they fix the kernel's tiles).
static bool mustBeStatic(StringRef dim) {
  return dim == "H" || dim == "G" || dim == "Dqk" || dim == "Dv" ||
         dim == "topk";
}

/// The memory space, rank and layout rules of one operand (memory space
/// and layout only for memrefs: a tensor has neither).
static LogicalResult verifyMemRefLayout(FwdOp op, const OperandSpec &spec,
                                        ShapedType type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (memref && memref.getMemorySpace())
    return op.emitOpError() << "operand '" << spec.name
                         << "' must be in the default memory space, but is "
                            "in "
                         << memref.getMemorySpace();
  if (type.getRank() != static_cast<int64_t>(spec.dims.size())) {
    InFlightDiagnostic diag = op.emitOpError()
                              << "operand '" << spec.name
                              << "' must have rank " << spec.dims.size()
                              << " [";
    llvm::interleaveComma(spec.dims, diag);
    return diag << "], but got rank " << type.getRank();
  }
  if (!memref)
    return success();
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(memref.getStridesAndOffset(strides, offset)))
    return op.emitOpError() << "operand '" << spec.name
                         << "' must have a strided layout, but got "
                         << memref.getLayout();
  if (strides.back() != 1)
    return op.emitOpError() << "operand '" << spec.name
                         << "' must be contiguous in its last dimension ("
                         << spec.dims.back() << "), but its stride is "
                         << (ShapedType::isDynamic(strides.back())
                                 ? std::string("dynamic")
                                 : std::to_string(strides.back()));

  return success();
}

/// Every operand a memref (the buffer form: no results) or every operand a
/// ranked tensor (the value form: the updated out, lse and max_logits as
/// results, in that order and of their types).
static LogicalResult verifyFormOf(FwdOp op) {
  bool tensors = op.hasTensorSemantics();
  for (OpOperand &operand : op->getOpOperands()) {
    Type type = operand.get().getType();
    if (type.isSignlessInteger(32) &&
        operand.getOperandNumber() == op.getQStartMutable().getOperandNumber())
      continue; // q_start
    if (isa<TensorType>(type) != tensors)
      return op.emitOpError()
             << "operands must be all memrefs or all ranked tensors, but "
                "operand 'q' is a "
             << (tensors ? "tensor" : "memref") << " and operand #"
             << operand.getOperandNumber() << " is " << type;
  }
  size_t inits = op.getDpsInits().size();
  if (!tensors && !op.getResults().empty())
    return op.emitOpError() << "on memrefs has no results, but has "
                            << op.getResults().size();
  if (tensors && op.getResults().size() != inits)
    return op.emitOpError() << "on tensors must return " << inits
                            << " values (out, lse"
                            << (inits == 3 ? ", max_logits" : "")
                            << "), but returns " << op.getResults().size();
  for (auto [i, init] : llvm::enumerate(op.getDpsInits()))
    if (tensors && op.getResult(i).getType() != init.getType())
      return op.emitOpError() << "result #" << i << " must have the type of "
                              << "its destination, " << init.getType()
                              << ", but has " << op.getResult(i).getType();
  return success();
}

/// The inherent attribute name closest to `name` by edit distance, for a
/// "did you mean" hint; empty when none is plausibly meant.
static StringRef closestAttributeName(StringRef name) {
  StringRef best;
  unsigned bestDistance = std::max<unsigned>(2, name.size() / 2) + 1;
  for (StringRef known : FwdOp::getAttributeNames()) {
    unsigned distance = name.edit_distance(known, /*AllowReplacements=*/true,
                                           /*MaxEditDistance=*/bestDistance);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/// An attribute the op does not know would be dropped silently (a typo of
/// `causal` would give a causal kernel); refuse it. Dialect-prefixed names
/// (`dialect.name`) are discardable annotations of other passes and stay.
static LogicalResult verifyKnownAttributes(FwdOp op) {
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    StringRef name = attr.getName().getValue();
    if (name.contains('.'))
      continue;
    InFlightDiagnostic diag = op.emitOpError()
                              << "has unknown attribute '" << name << "'";
    if (StringRef guess = closestAttributeName(name); !guess.empty())
      diag << "; did you mean '" << guess << "'?";
    diag << " (known: ";
    // The operand segment sizes are the generic form's bookkeeping, not an
    // attribute anyone writes.
    llvm::interleaveComma(
        llvm::make_filter_range(FwdOp::getAttributeNames(),
                                [](StringRef n) {
                                  return n != "operandSegmentSizes";
                                }),
        diag);
    return diag << ")";
  }
  return success();
}

LogicalResult FwdOp::verify() {
  if (failed(verifyKnownAttributes(*this)))
    return failure();
  SmallVector<OperandSpec> specs = {
      {"q", getQ(), "bf16", {"B", "S", "H", "Dqk"}},
      {"kv", getKv(), "bf16", {"B", "Skv", "G", "Dqk"}},
      {"indices", getIndices(), "i32", {"B", "S", "G", "topk"}},
      {"out", getOut(), "bf16", {"B", "S", "H", "Dv"}},
      {"lse", getLse(), "f32", {"B", "S", "H"}},
  };
  if (getMaxLogits())
    specs.push_back({"max_logits", getMaxLogits(), "f32", {"B", "S", "H"}});
  if (getAttnSink())
    specs.push_back({"attn_sink", getAttnSink(), "f32", {"H"}});
  if (getTopkLength())
    specs.push_back({"topk_length", getTopkLength(), "i32", {"B", "S"}});

  if (failed(verifyFormOf(*this)))
    return failure();
  llvm::StringMap<DimSource> sizes;
  for (const OperandSpec &spec : specs) {
    auto type = cast<ShapedType>(spec.value.getType());
    if (!hasElementType(type, spec.elementName))
      return emitOpError() << "operand '" << spec.name
                           << "' must have element type " << spec.elementName
                           << ", but got " << type.getElementType();
    if (failed(verifyMemRefLayout(*this, spec, type)))
      return failure();

    for (auto [i, dim] : llvm::enumerate(spec.dims)) {
      int64_t size = type.getDimSize(i);
      if (ShapedType::isDynamic(size)) {
        if (mustBeStatic(dim))
          return emitOpError() << "operand '" << spec.name << "' dimension "
                               << i << " (" << dim
                               << ") must be static, but is dynamic";
        continue;
      }
      if (mustBeStatic(dim) && size < 1)
        return emitOpError() << "operand '" << spec.name << "' dimension " << i
                             << " (" << dim << ") must be >= 1, but got "
                             << size;
      auto [it, inserted] =
          sizes.try_emplace(dim, DimSource{size, spec.name, unsigned(i)});
      if (!inserted && it->second.size != size)
        return emitOpError()
               << "operand '" << spec.name << "' dimension " << i << " ("
               << dim << ") must match operand '" << it->second.operand
               << "' dimension " << it->second.index << ": expected "
               << it->second.size << ", but got " << size;
    }
  }

  int64_t H = sizes.lookup("H").size, G = sizes.lookup("G").size;
  int64_t Dqk = sizes.lookup("Dqk").size, Dv = sizes.lookup("Dv").size;
  if (H % G != 0)
    return emitOpError() << "heads H = " << H << " (operand 'q') must be a "
                         << "multiple of kv groups G = " << G
                         << " (operand 'kv')";
  // V is the first Dv columns of a kv row: all of it when Dqk == Dv.
  if (Dqk < Dv)
    return emitOpError() << "Dqk = " << Dqk << " (operand 'q') must be at "
                         << "least Dv = " << Dv << " (operand 'out')";
  // Read as signed: the generated getter returns the value zero-extended.
  int64_t kvStride = getKvStrideAttr() ? getKvStrideAttr().getInt() : 1;
  if (kvStride < 1)
    return emitOpError() << "attribute 'kv_stride' must be >= 1, but got "
                         << kvStride;
  if (std::optional<APFloat> scale = getSmScale()) {
    // Kernels work in base 2 with sm_scale * log2(e) as an f32.
    const double maxScale = std::numeric_limits<float>::max() / M_LOG2E;
    if (scale->isFinite() && scale->convertToDouble() > maxScale)
      return emitOpError() << "attribute 'sm_scale' must be at most "
                           << maxScale << " (sm_scale * log2(e) must be a "
                           << "finite f32), but got "
                           << scale->convertToDouble();
    if (!scale->isFinite() || scale->isNegative() || scale->isZero()) {
      SmallString<16> text;
      if (scale->isNaN())
        text = "nan";
      else if (scale->isInfinity())
        text = scale->isNegative() ? "-inf" : "inf";
      else
        scale->toString(text);
      return emitOpError() << "attribute 'sm_scale' must be finite and > 0, "
                           << "but got " << text;
    }
  }
  // The chip is not known here: check against the largest shared memory of
  // any supported chip; sparse-mla-select-schedule checks the real one.
  if (ScheduleAttr schedule = getScheduleAttr()) {
    std::string reason = whyScheduleCannotServe(
        schedule, getProblem(), hw::kMaxSharedMemoryPerBlockSm90);
    if (!reason.empty())
      return emitOpError() << reason;
  }
  return success();
}

FwdOp::Problem mlir::sparse_mla::getFwdProblem(Value q, Value kv,
                                              Value indices, Value out,
                                              Value lse, Value maxLogits,
                                              bool attnSink, bool topkLength) {
  auto dims = [](Value v) {
    return cast<ShapedType>(v.getType()).getShape();
  };
  // Prefer a static size from any operand that carries the dimension.
  auto pick = [](std::initializer_list<int64_t> sizes) {
    for (int64_t size : sizes)
      if (!ShapedType::isDynamic(size))
        return size;
    return ShapedType::kDynamic;
  };
  ArrayRef<int64_t> qd = dims(q), kvd = dims(kv), idx = dims(indices),
                    outd = dims(out), lsed = dims(lse);
  ArrayRef<int64_t> ml = maxLogits ? dims(maxLogits) : lsed;
  FwdOp::Problem p;
  p.B = pick({qd[0], kvd[0], idx[0], outd[0], lsed[0], ml[0]});
  p.S = pick({qd[1], idx[1], outd[1], lsed[1], ml[1]});
  p.Skv = kvd[1];
  p.H = qd[2];
  p.G = kvd[2];
  p.Dqk = qd[3];
  p.Dv = outd[3];
  p.topk = idx[3];
  p.attnSink = attnSink;
  p.topkLength = topkLength;
  return p;
}

FwdOp::Problem FwdOp::getProblem() {
  return getFwdProblem(getQ(), getKv(), getIndices(), getOut(), getLse(),
                       getMaxLogits(), bool(getAttnSink()),
                       bool(getTopkLength()));
}

void FwdOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // Only the buffer form touches memory: it reads q, kv and indices and
  // writes out, lse and max_logits. The value form is pure.
  if (hasTensorSemantics())
    return;
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

double FwdOp::getEffectiveSmScale() {
  if (std::optional<APFloat> scale = getSmScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getProblem().Dqk));
}

//===----------------------------------------------------------------------===//
// SplitPlanOp
//===----------------------------------------------------------------------===//

LogicalResult SplitPlanOp::verify() {
  auto ptr = dyn_cast<LLVM::LLVMPointerType>(getWorkspace().getType());
  if (!ptr || ptr.getAddressSpace() != 1)
    return emitOpError() << "workspace must be !llvm.ptr<1> (a device "
                            "pointer), but is "
                         << getWorkspace().getType();
  if (getEntry().empty())
    return emitOpError() << "entry must name the split kernel";
  if (getMaxParts() < 2)
    return emitOpError() << "max_parts must be >= 2, but is " << getMaxParts();
  if (getWorkspaceBytesPerCta() < 1)
    return emitOpError() << "workspace_bytes_per_cta must be >= 1, but is "
                         << getWorkspaceBytesPerCta();
  return success();
}

//===----------------------------------------------------------------------===//
// TensorMapOp
//===----------------------------------------------------------------------===//

LogicalResult TensorMapOp::verify() {
  auto type = cast<MemRefType>(getSource().getType());
  auto ptr = dyn_cast<LLVM::LLVMPointerType>(getMap().getType());
  if (!ptr || ptr.getAddressSpace() != 0)
    return emitOpError() << "result must be !llvm.ptr (a host pointer to the "
                            "encoded map), but is "
                         << getMap().getType();
  Type elt = type.getElementType();
  if (!elt.isBF16() && !elt.isF32() && !elt.isSignlessInteger(32))
    return emitOpError() << "source element type must be bf16, f32 or i32, "
                            "but is "
                         << elt;
  if (type.getRank() < 1 || type.getRank() > hw::kTmaMaxRank)
    return emitOpError() << "source rank must be in [1, " << hw::kTmaMaxRank
                         << "], but is " << type.getRank();
  ArrayRef<int64_t> box = getBox();
  if (static_cast<int64_t>(box.size()) != type.getRank())
    return emitOpError() << "box must have one size per dimension ("
                         << type.getRank() << "), but has " << box.size();
  for (auto [i, size] : llvm::enumerate(box))
    if (size < 1 || size > hw::kTmaMaxBoxSize)
      return emitOpError() << "box[" << i << "] must be in [1, "
                           << hw::kTmaMaxBoxSize << "], but is " << size;
  int64_t swizzle = getSwizzle();
  if (!llvm::is_contained({0, 32, 64, 128}, swizzle))
    return emitOpError() << "swizzle must be 0, 32, 64 or 128 bytes, but is "
                         << swizzle;
  int64_t rowBytes = box[0] * (elt.getIntOrFloatBitWidth() / 8);
  if (swizzle != 0 && rowBytes > swizzle)
    return emitOpError() << "innermost box of " << box[0] << " elements is "
                         << rowBytes << " bytes, more than the " << swizzle
                         << "-byte swizzle span";
  if (swizzle == 0 && rowBytes % 16 != 0)
    return emitOpError() << "innermost box of " << box[0] << " elements is "
                         << rowBytes
                         << " bytes; without swizzle it must be a multiple "
                            "of 16";
  return success();
}
