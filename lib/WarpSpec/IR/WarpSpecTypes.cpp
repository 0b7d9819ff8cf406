//===- WarpSpecTypes.cpp - ws types ---------------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ws;

#define GET_TYPEDEF_CLASSES
#include "WarpSpec/IR/WarpSpecOpsTypes.cpp.inc"

void WarpSpecDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "WarpSpec/IR/WarpSpecOpsTypes.cpp.inc"
      >();
}

LogicalResult ChannelType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t depth, MemRefType buffer) {
  if (depth < 1)
    return emitError() << "channel depth must be >= 1, but got " << depth;
  if (!buffer)
    return success();
  if (buffer.getRank() < 2 || buffer.getDimSize(0) != depth)
    return emitError() << "a channel's buffer must have a leading dimension of "
                          "its depth ("
                       << depth << ") and rank >= 2, but has type " << buffer;
  if (!buffer.hasStaticShape() || !buffer.getLayout().isIdentity())
    return emitError() << "a channel's buffer must have a static shape and "
                          "the identity layout, but has type "
                       << buffer;
  if (!gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(buffer))
    return emitError() << "a channel's buffer must be in workgroup (shared) "
                          "memory, but has type "
                       << buffer;
  return success();
}

MemRefType ChannelType::getSlotType() const {
  MemRefType buffer = getBuffer();
  if (!buffer)
    return MemRefType();
  ArrayRef<int64_t> shape = buffer.getShape().drop_front();
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return MemRefType::get(
      shape, buffer.getElementType(),
      StridedLayoutAttr::get(getContext(), ShapedType::kDynamic, strides),
      buffer.getMemorySpace());
}
