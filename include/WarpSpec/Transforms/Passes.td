//===- Passes.td - ws transformation passes --------------*- tablegen -*-===//

#ifndef WARPSPEC_TRANSFORMS_PASSES_TD
#define WARPSPEC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WSAssignSharedMemory
    : Pass<"ws-assign-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Place a kernel's workgroup allocations in its dynamic "
                "shared memory, once";
  let description = [{
    Every `memref.alloc` of a statically shaped, identity-layout memref in
    the workgroup address space inside a `gpu.func` (in its body or in a
    role of a `ws.warp_specialize`) becomes a `memref.view` of the kernel's
    dynamic shared memory (`gpu.dynamic_shared_memory`) at an offset: the
    allocations are laid out in program order (pre-order walk), each at the
    next multiple of `alignment` bytes, disjoint for the whole kernel (every
    buffer lives for the whole kernel: roles run concurrently). The kernel
    gets `ws.dynamic_shared_memory` = the bytes used, and every
    `gpu.launch_func` of it in the module must pass at least that many
    (a constant), or the pass fails naming both numbers.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"128",
           "Byte alignment of every buffer (128: TMA and cp.async targets, "
           "bank-aligned rows)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def WSInsertProxyFences : Pass<"ws-insert-proxy-fences"> {
  let summary = "Order each channel's writes before its reads across memory "
                "proxies";
  let description = [{
    For every `ws.warp_specialize`, finds through which memory proxy each
    channel's slots are written and read, and inserts the proxy fence the
    pair needs after the reading side's `ws.channel.acquire`; no fence is
    placed by hand.

    The writers of a channel are the shared-memory writes a producer-side
    holder makes while it holds a slot (from its acquire to the release of
    its token, nested regions included), plus the async proxy where the
    release counts TMA bytes (`tx(N)`). The readers are the shared-memory
    reads a consumer-side holder makes while it holds the slot (to the
    release, or the end of the block where the slot is kept). Proxies come
    from `ws::SharedMemoryProxyOpInterface`, or for upstream operations from
    a table: `cp.async` and `llvm.load` / `llvm.store` / `memref.load` /
    `memref.store` of shared memory go through the generic proxy; TMA
    (`cp.async.bulk*`) and `nvvm.wgmma.mma_async` through the async proxy.

    The fence, by writer x reader (PTX ISA 8.x, "Memory Consistency Model",
    "Proxies", and "membar / fence"):
    | writer \ reader | generic | async |
    |---|---|---|
    | generic | none (the mbarrier orders them) | `fence.proxy.async::generic.acquire.sync_restrict::shared::cluster` after the acquire |
    | async | none (a phase completes when the bytes have landed) | none |

    Adjacent acquires that each need the fence share one, after the last of
    them.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

def WSExpandValueTransfers : Pass<"ws-expand-value-transfers"> {
  let summary = "Expand value-channel sends and receives into acquire, "
                "access and release";
  let description = [{
    Rewrites each `ws.channel.send` into a producer-side `ws.channel.acquire`
    of its transfer, a `memref.store` of the value into the acquired slot's
    view per value (inside an `scf.if` of the send's `if` operand, if it
    has one) and a `ws.channel.release`, and each `ws.channel.receive` into
    a consumer-side acquire, a `memref.load` per value and a release. Runs
    before `ws-insert-proxy-fences` (the stores and the loads then count as
    the slot's generic-proxy writer and reader: no fence) and before
    `convert-ws-channels-to-nvvm`.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // WARPSPEC_TRANSFORMS_PASSES_TD
