//===- TileOps.cpp - sparse_mla_tile op verifiers --------------------------===//

#include "SparseMLA/Dialect/Tile/IR/Tile.h"

#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"

using namespace mlir;
using namespace mlir::sparse_mla::tile;
namespace hw = mlir::sparse_mla::hw;

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

//===----------------------------------------------------------------------===//
// Warpgroup tile ops
//===----------------------------------------------------------------------===//

/// The rows of a warpgroup matrix product's A and accumulator, its K step,
/// and the range of N (HardwareLimits.h: PTX ISA 8.x, wgmma.mma_async).
static constexpr int64_t kMmaRows = hw::kWgmmaM;
static constexpr int64_t kMmaK = hw::kWgmmaKBf16;
static constexpr int64_t kMmaMaxN = hw::kWgmmaMaxN;
static constexpr int64_t kMmaNMultiple = 8;

int64_t MmaAsyncOp::getN() {
  auto type = dyn_cast<LLVM::LLVMStructType>(getAcc().getType());
  return type ? 2 * static_cast<int64_t>(type.getBody().size()) : 0;
}

/// Fails unless columns [begin, begin + size) lie within `extent` of the
/// tile `what` (its `dimName`).
static LogicalResult expectWithin(Operation *op, StringRef what,
                                  StringRef dimName, int64_t begin,
                                  int64_t size, int64_t extent) {
  if (begin + size <= extent)
    return success();
  return op->emitOpError() << "reads " << dimName << " [" << begin << ", "
                           << begin + size << ") of " << what << ", but it has "
                           << extent;
}

LogicalResult MmaAsyncOp::verify() {
  auto acc = dyn_cast<LLVM::LLVMStructType>(getAcc().getType());
  bool allF32 = acc && !acc.getBody().empty() &&
                llvm::all_of(acc.getBody(), [](Type t) { return t.isF32(); });
  int64_t n = getN();
  if (!allF32 || n % kMmaNMultiple != 0 || n > kMmaMaxN)
    return emitOpError() << "needs an accumulator of N / 2 f32 (an "
                            "!llvm.struct) with N a multiple of "
                         << kMmaNMultiple << " up to " << kMmaMaxN
                         << ", but got " << getAcc().getType();
  int64_t k0 = getKOffset(), k = getKSize();
  if (k % kMmaK != 0 || k0 % kMmaK != 0)
    return emitOpError() << "needs k_offset and k_size multiples of " << kMmaK
                         << ", but got " << k0 << " and " << k;
  if (auto a = getALayoutAttr()) {
    if (getA().size() != 1 || !getA()[0].getType().isInteger(32))
      return emitOpError() << "with a_layout needs A as one i32 shared "
                              "address, but got "
                           << getA().size() << " values";
    if (a.getRows() != kMmaRows)
      return emitOpError() << "needs an A tile of " << kMmaRows
                           << " rows, but a_layout has " << a.getRows();
    if (failed(expectWithin(*this, "the A tile", "columns", k0, k,
                            a.getCols())))
      return failure();
  } else {
    if (static_cast<int64_t>(getA().size()) != k / 2 ||
        !llvm::all_of(getA().getTypes(), [](Type t) { return t.isF32(); }))
      return emitOpError() << "without a_layout needs A as k_size / 2 = "
                           << k / 2 << " f32 values, but got "
                           << getA().size() << " values";
  }
  SharedLayoutAttr b = getBLayout();
  if (getTransposeB() && getNOffset() % 8 != 0)
    return emitOpError() << "needs n_offset a multiple of 8 (a row group of "
                            "B), but got "
                         << getNOffset();
  if (getTransposeB())
    return failure(
        failed(expectWithin(*this, "the B tile", "rows", getNOffset(), n,
                            b.getRows())) ||
        failed(expectWithin(*this, "the B tile", "columns", k0, k,
                            b.getCols())));
  if (b.getSwizzle() == 0)
    return emitOpError() << "reads B with its rows as K, which needs "
                            "swizzle = 128, but b_layout has swizzle = 0";
  if (getNOffset() % 64 != 0)
    return emitOpError() << "needs n_offset a multiple of 64 (a column "
                            "block of B), but got "
                         << getNOffset();
  return failure(
      failed(expectWithin(*this, "the B tile", "rows", k0, k, b.getRows())) ||
      failed(expectWithin(*this, "the B tile", "columns", getNOffset(), n,
                          b.getCols())));
}

// The products read their tiles through the async proxy, as wgmma does (PTX
// ISA 8.x, "Asynchronous Warpgroup Level Matrix Multiply-Accumulate").
std::optional<ws::MemoryProxy> MmaAsyncOp::getSharedMemoryReadProxy() {
  return ws::MemoryProxy::async;
}
std::optional<ws::MemoryProxy> MmaAsyncOp::getSharedMemoryWriteProxy() {
  return std::nullopt;
}

LogicalResult StoreFragmentOp::verify() {
  SharedLayoutAttr layout = getLayout();
  if (layout.getRows() != kMmaRows)
    return emitOpError() << "stores a fragment of " << kMmaRows
                         << " rows, but the layout has " << layout.getRows();
  if (static_cast<int64_t>(getValues().size()) * 2 != layout.getCols())
    return emitOpError() << "needs cols / 2 = " << layout.getCols() / 2
                         << " values for a tile of " << layout.getCols()
                         << " columns, but got " << getValues().size();
  return success();
}

std::optional<ws::MemoryProxy> StoreFragmentOp::getSharedMemoryReadProxy() {
  return std::nullopt;
}
std::optional<ws::MemoryProxy> StoreFragmentOp::getSharedMemoryWriteProxy() {
  return ws::MemoryProxy::generic;
}

/// The most dimensions a tensor map describes (HardwareLimits.h): the
/// columns and the outer ones.
static constexpr int64_t kTensorMapMaxOuterDims = hw::kTmaMaxRank - 1;

LogicalResult TmaLoadOp::verify() {
  if (getLayout().getSwizzle() == 0)
    return emitOpError() << "copies into 128-byte swizzled column blocks, "
                            "but the layout has swizzle = 0";
  int64_t n = getCoords().size();
  if (n < 1 || n > kTensorMapMaxOuterDims)
    return emitOpError() << "needs 1 to " << kTensorMapMaxOuterDims
                         << " outer coordinates, but got " << n;
  auto barrier = cast<LLVM::LLVMPointerType>(getBarrier().getType());
  if (barrier.getAddressSpace() != 3)
    return emitOpError() << "needs its barrier in shared memory (address "
                            "space 3), but it is in address space "
                         << barrier.getAddressSpace();
  return success();
}

std::optional<ws::MemoryProxy> TmaLoadOp::getSharedMemoryReadProxy() {
  return std::nullopt;
}
std::optional<ws::MemoryProxy> TmaLoadOp::getSharedMemoryWriteProxy() {
  return ws::MemoryProxy::async;
}

LogicalResult CopyRowAsyncOp::verify() {
  SharedLayoutAttr layout = getLayout();
  if (layout.getSwizzle() == 0)
    return emitOpError() << "copies pieces of 128-byte swizzled column "
                            "blocks, but the layout has swizzle = 0";
  const int64_t blockCols = layout.getBlockColumns();
  int64_t begin = getColBegin(), end = getColEnd();
  if (begin % blockCols != 0 || end % blockCols != 0 || begin >= end ||
      end > layout.getCols())
    return emitOpError() << "needs columns [col_begin, col_end) of whole "
                            "column blocks of "
                         << blockCols << " within the tile's "
                         << layout.getCols() << ", but got [" << begin << ", "
                         << end << ")";
  return success();
}

std::optional<ws::MemoryProxy> CopyRowAsyncOp::getSharedMemoryReadProxy() {
  return std::nullopt;
}
std::optional<ws::MemoryProxy> CopyRowAsyncOp::getSharedMemoryWriteProxy() {
  return ws::MemoryProxy::generic;
}
