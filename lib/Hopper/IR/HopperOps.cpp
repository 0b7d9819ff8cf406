//===- HopperOps.cpp - hopper operations ----------------------------------===//

#include "Hopper/IR/Hopper.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::hopper;

#define GET_OP_CLASSES
#include "Hopper/IR/HopperOps.cpp.inc"

int64_t mlir::hopper::wgmmaAccumulatorN(Type type) {
  auto st = dyn_cast<LLVM::LLVMStructType>(type);
  if (!st || st.isIdentified() || st.getBody().empty())
    return 0;
  for (Type t : st.getBody())
    if (!t.isF32())
      return 0;
  return 2 * static_cast<int64_t>(st.getBody().size());
}

/// The accumulator check both wgmma forms share.
static LogicalResult verifyAccumulator(Operation *op, Type type) {
  int64_t n = wgmmaAccumulatorN(type);
  if (n == 0)
    return op->emitOpError()
           << "accumulator must be a literal !llvm.struct of f32, got "
           << type;
  if (n % kWgmmaNGranule != 0 || n > kWgmmaMaxN)
    return op->emitOpError()
           << "accumulator of " << n / 2
           << " f32 gives N = " << n << ", expected N a multiple of "
           << kWgmmaNGranule << " in [" << kWgmmaNGranule << ", "
           << kWgmmaMaxN << "] (m64nNk16 bf16)";
  return success();
}

LogicalResult WgmmaOp::verify() {
  return verifyAccumulator(*this, getAcc().getType());
}

LogicalResult WgmmaRegAOp::verify() {
  if (failed(verifyAccumulator(*this, getAcc().getType())))
    return failure();
  if (static_cast<int64_t>(getA().size()) != kWgmmaRegAWords)
    return emitOpError() << "register A has " << getA().size()
                         << " i32, expected " << kWgmmaRegAWords
                         << " (the m64nNk16 bf16 A fragment)";
  return success();
}

/// f32, i32, or a literal struct of them: what one inline-asm register
/// constraint ("f" or "r") each element can be tied through.
static bool isTieable(Type type) {
  auto scalar = [](Type t) { return t.isF32() || t.isInteger(32); };
  if (scalar(type))
    return true;
  auto st = dyn_cast<LLVM::LLVMStructType>(type);
  return st && !st.isIdentified() && llvm::all_of(st.getBody(), scalar);
}

static LogicalResult verifyTied(Operation *op, ValueRange values) {
  for (auto [i, v] : llvm::enumerate(values))
    if (!isTieable(v.getType()))
      return op->emitOpError()
             << "value #" << i << " is " << v.getType()
             << ", expected f32, i32 or a literal !llvm.struct of them";
  return success();
}

LogicalResult WgmmaFenceOp::verify() { return verifyTied(*this, getValues()); }
LogicalResult WgmmaWaitOp::verify() { return verifyTied(*this, getValues()); }

LogicalResult PinOp::verify() {
  if (getValues().empty())
    return emitOpError() << "needs at least one value to pin, got none";
  return verifyTied(*this, getValues());
}

//===----------------------------------------------------------------------===//
// Shared-memory proxies (ws::SharedMemoryProxyOpInterface)
//===----------------------------------------------------------------------===//

// wgmma reads its shared-memory operands through the async proxy (PTX ISA
// 8.x, "Asynchronous Warpgroup Level Matrix Multiply-Accumulate": "The
// wgmma.mma_async operations ... are performed in the async proxy").
std::optional<ws::MemoryProxy> WgmmaOp::getSharedMemoryReadProxy() {
  return ws::MemoryProxy::async;
}
std::optional<ws::MemoryProxy> WgmmaOp::getSharedMemoryWriteProxy() {
  return std::nullopt;
}
std::optional<ws::MemoryProxy> WgmmaRegAOp::getSharedMemoryReadProxy() {
  return ws::MemoryProxy::async;
}
std::optional<ws::MemoryProxy> WgmmaRegAOp::getSharedMemoryWriteProxy() {
  return std::nullopt;
}
