//===- BufferizableOpInterfaceImpl.cpp - sparse_mla.fwd on tensors --------===//
//
// One-Shot Bufferize support for the value form of sparse_mla.fwd: the op
// becomes its buffer form writing into the buffers of its destinations (out,
// lse, max_logits), in place where the analysis allows, else into copies.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Dialect/SparseMLA/Transforms/BufferizableOpInterfaceImpl.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::sparse_mla;

namespace {

/// `buffer` with its innermost stride made static 1 where it is dynamic
/// (one-shot-bufferize's function boundaries give fully dynamic layouts; the
/// op needs rows contiguous, which the runtime checks on every launch).
Value withUnitInnerStride(RewriterBase &rewriter, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.empty() ||
      strides.back() == 1)
    return buffer;
  strides.back() = 1;
  auto layout =
      StridedLayoutAttr::get(type.getContext(), offset, strides);
  auto contiguous = MemRefType::get(type.getShape(), type.getElementType(),
                                    layout, type.getMemorySpace());
  return memref::CastOp::create(rewriter, loc, contiguous, buffer);
}

struct FwdOpInterface
    : public DstBufferizableOpInterfaceExternalModel<FwdOpInterface, FwdOp> {
  /// q, kv and indices are read; out, lse and max_logits are overwritten
  /// whole (every element of every row is written), so their old contents
  /// are not read: no copy of a destination's value is ever needed.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto fwd = cast<FwdOp>(op);
    if (!fwd.hasTensorSemantics())
      return success();
    SmallVector<Value> buffers;
    for (OpOperand &operand : op->getOpOperands()) {
      Value value = operand.get();
      if (!isa<TensorType>(value.getType())) {
        buffers.push_back(value); // q_start
        continue;
      }
      FailureOr<Value> buffer = getBuffer(rewriter, value, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(withUnitInnerStride(rewriter, op->getLoc(), *buffer));
    }
    rewriter.setInsertionPoint(op);
    // The buffers in operand order: q, kv, indices, q_start, [attn_sink],
    // [topk_length], out, lse, [max_logits].
    unsigned next = 4;
    Value sink = fwd.getAttnSink() ? buffers[next++] : Value();
    Value length = fwd.getTopkLength() ? buffers[next++] : Value();
    const unsigned outIndex = next;
    Value maxLogits = fwd.getMaxLogits() ? buffers[outIndex + 2] : Value();
    auto memrefOp = FwdOp::create(
        rewriter, op->getLoc(), TypeRange(), buffers[0], buffers[1],
        buffers[2], buffers[3], sink, length, buffers[outIndex],
        buffers[outIndex + 1], maxLogits, fwd.getSmScaleAttr(),
        fwd.getKvStrideAttr(), fwd.getCausalAttr(), fwd.getScheduleAttr());
    // Keep what other passes attached (dialect-prefixed annotations).
    for (NamedAttribute attr : op->getDiscardableAttrs())
      memrefOp->setAttr(attr.getName(), attr.getValue());
    SmallVector<Value> results(buffers.begin() + outIndex,
                               buffers.begin() + outIndex + 2);
    if (maxLogits)
      results.push_back(maxLogits);
    replaceOpWithBufferizedValues(rewriter, op, results);
    return success();
  }
};

} // namespace

void mlir::sparse_mla::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, SparseMLADialect *) {
    FwdOp::attachInterface<FwdOpInterface>(*ctx);
  });
}
