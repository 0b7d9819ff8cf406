//===- TileDialect.cpp - sparse_mla_tile dialect and types ----------------===//

#include "SparseMLA/Dialect/Tile/IR/Tile.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparse_mla::tile;

#include "SparseMLA/Dialect/Tile/IR/TileOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileOpsTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "SparseMLA/Dialect/Tile/IR/TileAttrs.cpp.inc"

void TileDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "SparseMLA/Dialect/Tile/IR/TileOps.cpp.inc"
      >();
}

void TileDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "SparseMLA/Dialect/Tile/IR/TileOpsTypes.cpp.inc"
      >();
}

LogicalResult RowsType::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t size) {
  if (size < 1)
    return emitError() << "a block of rows must hold >= 1 entry, but got "
                       << size;
  return success();
}

void TileDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "SparseMLA/Dialect/Tile/IR/TileAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// #sparse_mla_tile.shared
//===----------------------------------------------------------------------===//

/// The shared-memory layouts of warpgroup matrix operands (PTX ISA 8.x,
/// "Shared Memory Matrix Layout"): 128-byte rows swizzled in 8-row atoms,
/// or 8 x 16-byte core matrices without swizzle.
namespace {
constexpr int64_t kSwizzleBytes = 128;
constexpr int64_t kCoreRows = 8;
constexpr int64_t kPieceBytes = 16;
constexpr int64_t kElementBytes = 2; // bf16
constexpr int64_t kBlockCols = kSwizzleBytes / kElementBytes;  // 64
constexpr int64_t kPieceCols = kPieceBytes / kElementBytes;    // 8
constexpr int64_t kCoreBytes = kCoreRows * kPieceBytes;        // 128
constexpr int64_t kAtomBytes = kCoreRows * kSwizzleBytes;      // 1024
} // namespace

LogicalResult
SharedLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t rows, int64_t cols, int64_t swizzle) {
  if (swizzle != 0 && swizzle != kSwizzleBytes)
    return emitError() << "a shared tile's swizzle must be 0 or "
                       << kSwizzleBytes << " (bytes), but got " << swizzle;
  if (rows < 1 || rows % kCoreRows != 0)
    return emitError() << "a shared tile's rows must be a positive multiple "
                          "of "
                       << kCoreRows << ", but got " << rows;
  int64_t colMultiple = swizzle ? kBlockCols : kPieceCols;
  if (cols < 1 || cols % colMultiple != 0)
    return emitError() << "a shared tile with swizzle = " << swizzle
                       << " must have a positive multiple of " << colMultiple
                       << " columns, but got " << cols;
  return success();
}

int64_t SharedLayoutAttr::byteOffset(int64_t row, int64_t col) const {
  int64_t inPiece = (col % kPieceCols) * kElementBytes;
  if (getSwizzle() == 0)
    return (row / kCoreRows) * getCols() * kPieceBytes +
           (col / kPieceCols) * kCoreBytes + (row % kCoreRows) * kPieceBytes +
           inPiece;
  int64_t piece = ((col % kBlockCols) / kPieceCols) ^ (row % kCoreRows);
  return (col / kBlockCols) * getRows() * kSwizzleBytes +
         row * kSwizzleBytes + piece * kPieceBytes + inPiece;
}

int64_t SharedLayoutAttr::getBlockColumns() const {
  return getSwizzle() / kElementBytes;
}

int64_t SharedLayoutAttr::leadingByteOffset(bool kMajor) const {
  if (getSwizzle() == 0)
    return kCoreBytes; // the next core matrix along K
  // K-major swizzled operands ignore the field (one atom spans K 64); an
  // MN-major one steps to the next 64-column block.
  return kMajor ? kPieceBytes : getRows() * kSwizzleBytes;
}

int64_t SharedLayoutAttr::strideByteOffset() const {
  // The next 8-row group: of M / N rows (K-major) or of K rows (MN-major).
  return getSwizzle() == 0 ? getCols() * kPieceBytes : kAtomBytes;
}
