//===- AssignSharedMemory.cpp - workgroup allocations -> offsets ----------===//

#include "WarpSpec/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::ws {
#define GEN_PASS_DEF_WSASSIGNSHAREDMEMORY
#include "WarpSpec/Transforms/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;

namespace {

constexpr StringLiteral kBytesAttr = "ws.dynamic_shared_memory";

/// Replaces the workgroup allocations of `func` by views of its dynamic
/// shared memory; returns the bytes they take.
FailureOr<int64_t> assign(gpu::GPUFuncOp func, int64_t alignment) {
  SmallVector<memref::AllocOp> allocs;
  func.walk<WalkOrder::PreOrder>([&](memref::AllocOp alloc) {
    if (gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(alloc.getType()))
      allocs.push_back(alloc);
  });
  int64_t end = 0;
  // One base per isolated region (the kernel, or a role), at its start.
  DenseMap<Block *, Value> bases;
  auto baseFor = [&](Operation *op) {
    Region *region = op->getParentRegion();
    while (region->getParentOp() != func &&
           !region->getParentOp()->hasTrait<OpTrait::IsIsolatedFromAbove>())
      region = region->getParentOp()->getParentRegion();
    Block *entry = &region->front();
    Value &base = bases[entry];
    if (!base) {
      OpBuilder b = OpBuilder::atBlockBegin(entry);
      auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                           gpu::AddressSpace::Workgroup);
      base = gpu::DynamicSharedMemoryOp::create(
          b, func.getLoc(),
          MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
    }
    return base;
  };
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return alloc.emitOpError()
             << "in workgroup memory must have a static shape and the "
                "identity layout to be placed, but has type "
             << type;
    const int64_t bits = type.getElementTypeBitWidth();
    const int64_t bytes = type.getNumElements() * llvm::divideCeil(bits, 8);
    const int64_t offset = llvm::alignTo(end, alignment);
    OpBuilder b(alloc);
    Location loc = alloc.getLoc();
    auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    Value base = baseFor(alloc);
    Value view = memref::ViewOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType(), nullptr,
                                wg),
        base, arith::ConstantIndexOp::create(b, loc, offset), ValueRange{});
    alloc.replaceAllUsesWith(view);
    alloc.erase();
    end = offset + bytes;
  }
  return end;
}

struct AssignSharedMemoryPass
    : public ws::impl::WSAssignSharedMemoryBase<AssignSharedMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    if (alignment < 1 || !llvm::isPowerOf2_64(alignment)) {
      getOperation().emitError()
          << "ws-assign-shared-memory: alignment must be a power of 2, but "
             "got "
          << alignment;
      return signalPassFailure();
    }
    llvm::StringMap<int64_t> used; // "module::kernel" -> bytes
    WalkResult result = getOperation().walk([&](gpu::GPUFuncOp func) {
      FailureOr<int64_t> bytes = assign(func, alignment);
      if (failed(bytes))
        return WalkResult::interrupt();
      if (*bytes == 0)
        return WalkResult::advance();
      func->setAttr(kBytesAttr,
                    IntegerAttr::get(IntegerType::get(func.getContext(), 64),
                                     *bytes));
      auto module = func->getParentOfType<gpu::GPUModuleOp>();
      if (module)
        used[(module.getName() + "::" + func.getName()).str()] = *bytes;
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    result = getOperation().walk([&](gpu::LaunchFuncOp launch) {
      auto it = used.find((launch.getKernelModuleName().getValue() +
                           "::" + launch.getKernelName().getValue())
                              .str());
      if (it == used.end())
        return WalkResult::advance();
      APInt given(64, 0);
      Value size = launch.getDynamicSharedMemorySize();
      if (!size || !matchPattern(size, m_ConstantInt(&given)) ||
          given.getSExtValue() < it->second) {
        launch.emitOpError()
            << "launches a kernel whose workgroup buffers take " << it->second
            << " bytes of dynamic shared memory, but passes "
            << (size && matchPattern(size, m_ConstantInt(&given))
                    ? std::to_string(given.getSExtValue()) + " bytes"
                    : std::string("no constant size"));
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
