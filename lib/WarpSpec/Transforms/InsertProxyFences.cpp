//===- InsertProxyFences.cpp - proxy fences from channel accesses ---------===//
//
// A channel's slot may be written through one memory proxy and read through
// another (cp.async or st.shared, then wgmma): the reader must fence between
// its acquire and its reads. This pass finds the proxies from the accesses
// each side makes while it holds a slot, and places the fences.
//
//===----------------------------------------------------------------------===//

#include "WarpSpec/IR/WarpSpec.h"
#include "WarpSpec/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::ws {
#define GEN_PASS_DEF_WSINSERTPROXYFENCES
#include "WarpSpec/Transforms/Passes.h.inc"
} // namespace mlir::ws

using namespace mlir;
using namespace mlir::ws;

namespace {

/// The proxies an operation (alone, not its regions) reads and writes
/// shared memory through.
struct Access {
  std::optional<MemoryProxy> read, write;
};

bool isShared(Type type) {
  if (auto ptr = dyn_cast<LLVM::LLVMPointerType>(type))
    return ptr.getAddressSpace() ==
           static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared);
  if (auto memref = dyn_cast<MemRefType>(type))
    return gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(memref);
  return false;
}

/// The table of upstream operations; others declare their proxies through
/// SharedMemoryProxyOpInterface.
Access accessOf(Operation *op) {
  constexpr MemoryProxy generic = MemoryProxy::generic;
  constexpr MemoryProxy async = MemoryProxy::async;
  if (auto iface = dyn_cast<SharedMemoryProxyOpInterface>(op))
    return {iface.getSharedMemoryReadProxy(),
            iface.getSharedMemoryWriteProxy()};
  // cp.async (non-bulk) writes through the generic proxy.
  if (isa<NVVM::CpAsyncOp>(op))
    return {std::nullopt, generic};
  // TMA and bulk copies, and wgmma's operand reads: the async proxy.
  if (isa<NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp,
          NVVM::CpAsyncBulkGlobalToSharedClusterOp>(op))
    return {std::nullopt, async};
  if (isa<NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp,
          NVVM::CpAsyncBulkSharedCTAToGlobalOp, NVVM::WgmmaMmaAsyncOp>(op))
    return {async, std::nullopt};
  if (auto store = dyn_cast<LLVM::StoreOp>(op))
    if (isShared(store.getAddr().getType()))
      return {std::nullopt, generic};
  if (auto load = dyn_cast<LLVM::LoadOp>(op))
    if (isShared(load.getAddr().getType()))
      return {generic, std::nullopt};
  if (auto store = dyn_cast<memref::StoreOp>(op))
    if (isShared(store.getMemRef().getType()))
      return {std::nullopt, generic};
  if (auto load = dyn_cast<memref::LoadOp>(op))
    if (isShared(load.getMemRef().getType()))
      return {generic, std::nullopt};
  return {};
}

/// The proxies used while a slot is held.
struct Proxies {
  bool generic = false, async = false;
  void add(std::optional<MemoryProxy> p) {
    if (p)
      (*p == MemoryProxy::generic ? generic : async) = true;
  }
};

/// The accesses made from `acquire` to the release of its token (an
/// operation of the same block that holds the release counts whole), or to
/// the end of the block where there is none; with `tx`, whether that
/// release counts TMA bytes.
Proxies accessesWhileHeld(ChannelAcquireOp acquire, bool reads, bool *tx) {
  Proxies found;
  Value token = acquire.getToken();
  for (Operation *op = acquire->getNextNode(); op; op = op->getNextNode()) {
    bool releases = false;
    op->walk([&](Operation *inner) {
      Access a = accessOf(inner);
      found.add(reads ? a.read : a.write);
      if (auto release = dyn_cast<ChannelReleaseOp>(inner))
        if (release.getToken() == token) {
          releases = true;
          if (tx && release.getTxBytes())
            *tx = true;
        }
    });
    if (releases)
      break;
  }
  return found;
}

/// The channel `acquire` acts on, as the warp_specialize's capture (the same
/// value in every role); the channel itself when it is not a capture.
Value channelKey(WarpSpecializeOp roles, ChannelAcquireOp acquire) {
  Value ch = acquire.getChannel();
  auto arg = dyn_cast<BlockArgument>(ch);
  if (arg && arg.getOwner()->getParentOp() == roles)
    return roles.getCaptures()[arg.getArgNumber()];
  return ch;
}

/// The writer x reader table (Passes.td): only generic-proxy writes read
/// through the async proxy need a fence, the reader's acquire-side one.
bool needsFence(const Proxies &writers, const Proxies &readers) {
  return writers.generic && readers.async;
}

/// After the run of acquires `acquire` starts: one fence for all of them.
void insertFenceAfterRun(ChannelAcquireOp acquire) {
  Operation *last = acquire;
  while (isa_and_nonnull<ChannelAcquireOp>(last->getNextNode()))
    last = last->getNextNode();
  if (isa_and_nonnull<NVVM::FenceProxySyncRestrictOp>(last->getNextNode()))
    return;
  OpBuilder b(acquire.getContext());
  b.setInsertionPointAfter(last);
  NVVM::FenceProxySyncRestrictOp::create(b, acquire.getLoc(),
                                         NVVM::MemOrderKind::ACQUIRE);
}

void insertFences(WarpSpecializeOp roles) {
  DenseMap<Value, Proxies> writers;
  SmallVector<ChannelAcquireOp> readerSides;
  roles.walk([&](ChannelAcquireOp acquire) {
    if (acquire.getSide() == ChannelSide::consumer) {
      readerSides.push_back(acquire);
      return;
    }
    bool tx = false;
    Proxies w = accessesWhileHeld(acquire, /*reads=*/false, &tx);
    Proxies &all = writers[channelKey(roles, acquire)];
    all.generic |= w.generic;
    all.async |= w.async || tx;
  });
  for (ChannelAcquireOp acquire : readerSides) {
    auto it = writers.find(channelKey(roles, acquire));
    if (it == writers.end())
      continue;
    if (needsFence(it->second,
                   accessesWhileHeld(acquire, /*reads=*/true, nullptr)))
      insertFenceAfterRun(acquire);
  }
}

struct InsertProxyFencesPass
    : public ws::impl::WSInsertProxyFencesBase<InsertProxyFencesPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation()->walk([](WarpSpecializeOp roles) { insertFences(roles); });
  }
};

} // namespace
