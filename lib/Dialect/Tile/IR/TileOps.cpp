//===- TileOps.cpp - sparse_mla_tile op verifiers --------------------------===//

#include "SparseMLA/Dialect/Tile/IR/Tile.h"

using namespace mlir;
using namespace mlir::sparse_mla::tile;

#define GET_OP_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileOps.cpp.inc"

/// Fails with "<what> has <got> <noun>, but <expected> was expected" unless
/// `got == expected` (or either is dynamic).
static LogicalResult expectSize(Operation *op, StringRef what, int64_t got,
                                int64_t expected, StringRef noun) {
  if (ShapedType::isDynamic(got) || ShapedType::isDynamic(expected) ||
      got == expected)
    return success();
  return op->emitOpError() << what << " has " << got << " " << noun << ", but "
                           << expected << " was expected";
}

static int64_t dim(Value v, unsigned i) {
  return cast<MemRefType>(v.getType()).getDimSize(i);
}

static Type elementOf(Value v) {
  return cast<MemRefType>(v.getType()).getElementType();
}

static LogicalResult expectElement(Operation *op, StringRef what, Value v,
                                   Type expected) {
  if (elementOf(v) == expected)
    return success();
  return op->emitOpError() << what << " has elements of type " << elementOf(v)
                           << ", but " << expected << " was expected";
}

LogicalResult LoadOp::verify() {
  auto source = cast<MemRefType>(getSource().getType());
  if (source.getRank() != static_cast<int64_t>(getOffsets().size()) + 1)
    return emitOpError() << "needs one offset per dimension of the source but "
                            "the last ("
                         << source.getRank() - 1 << "), but got "
                         << getOffsets().size();
  if (source.getRank() < 2)
    return emitOpError() << "needs a source of rank >= 2, but got rank "
                         << source.getRank();
  if (failed(expectSize(*this, "the tile", dim(getDest(), 1),
                        source.getShape().back(), "columns")) ||
      failed(expectElement(*this, "the tile", getDest(),
                           source.getElementType())))
    return failure();
  int64_t rows = source.getDimSize(source.getRank() - 2);
  if (!ShapedType::isDynamic(rows) && dim(getDest(), 0) > rows)
    return emitOpError() << "loads " << dim(getDest(), 0)
                         << " rows from a dimension of " << rows;
  return success();
}

LogicalResult FillOp::verify() {
  return expectElement(*this, "the tile", getDest(), getValue().getType());
}

bool BlockRowsOp::isMaterialized() {
  return llvm::any_of(getRows().getUsers(), [](Operation *user) {
    auto gather = dyn_cast<GatherOp>(user);
    return !gather || !gather.getAsync();
  });
}

LogicalResult GatherOp::verify() {
  return failure(
      failed(expectSize(*this, "the tile", dim(getDest(), 0),
                        getRows().getType().getSize(), "rows")) ||
      failed(expectSize(*this, "the tile", dim(getDest(), 1),
                        dim(getSource(), 3), "columns")) ||
      failed(expectElement(*this, "the tile", getDest(),
                           elementOf(getSource()))));
}

LogicalResult MatmulOp::verify() {
  const int64_t m = dim(getLhs(), 0), k = dim(getLhs(), 1);
  const int64_t n = dim(getAcc(), 1);
  if (failed(expectSize(*this, "the accumulator", dim(getAcc(), 0), m,
                        "rows")))
    return failure();
  if (getTransposeB()) {
    if (getRowScale())
      return emitOpError() << "takes row_scale only without transpose_b (C = "
                              "row_scale C + A B)";
    if (failed(expectSize(*this, "B", dim(getRhs(), 1), k, "columns")) ||
        failed(expectSize(*this, "B", dim(getRhs(), 0), n, "rows")))
      return failure();
    if (getMask() && failed(expectSize(*this, "the mask",
                                       getMask().getType().getSize(), n,
                                       "entries")))
      return failure();
    return success();
  }
  if (getMask() || getScale())
    return emitOpError() << "takes mask and scale only with transpose_b (C = "
                            "scale A B^T, -inf where masked)";
  if (failed(expectSize(*this, "B", dim(getRhs(), 0), k, "rows")))
    return failure();
  if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(dim(getRhs(), 1)) &&
      dim(getRhs(), 1) < n)
    return emitOpError() << "B has " << dim(getRhs(), 1)
                         << " columns, but the accumulator's " << n
                         << " must be its leading columns";
  if (getRowScale() && failed(expectSize(*this, "row_scale",
                                         dim(getRowScale(), 0), m,
                                         "entries")))
    return failure();
  return success();
}

LogicalResult SoftmaxStepOp::verify() {
  const int64_t rows = dim(getScores(), 0);
  return failure(
      failed(expectSize(*this, "max", dim(getMax(), 0), rows, "entries")) ||
      failed(expectSize(*this, "sum", dim(getSum(), 0), rows, "entries")) ||
      failed(expectSize(*this, "rescale", dim(getRescale(), 0), rows,
                        "entries")));
}

LogicalResult FinishOp::verify() {
  const int64_t rows = dim(getAcc(), 0);
  if (failed(expectSize(*this, "max", dim(getMax(), 0), rows, "entries")) ||
      failed(expectSize(*this, "sum", dim(getSum(), 0), rows, "entries")) ||
      failed(expectSize(*this, "out", dim(getOut(), 3), dim(getAcc(), 1),
                        "columns")))
    return failure();
  int64_t heads = dim(getOut(), 2);
  if (!ShapedType::isDynamic(heads) && rows > heads)
    return emitOpError() << "writes " << rows << " heads of an out with "
                         << heads;
  return success();
}
