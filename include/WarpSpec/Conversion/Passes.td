//===- Passes.td - ws conversion passes ------------------*- tablegen -*-===//

#ifndef WARPSPEC_CONVERSION_PASSES_TD
#define WARPSPEC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertWSWarpSpecializeToNVVM
    : Pass<"convert-ws-warp-specialize-to-nvvm"> {
  let summary = "Lower ws.warp_specialize to per-role branches with "
                "setmaxnreg and role-scoped named barriers";
  let description = [{
    Each `ws.warp_specialize` (inside a `gpu.func` kernel) becomes one
    `scf.if` per role on the thread index, roles taking consecutive warp
    ranges in region order. Inside its branch a role first rebalances its
    registers with `nvvm.setmaxregister` (`decrease` below the kernel's
    entry allocation, `increase` above it; none when equal), then runs its
    region with the captures substituted for the block arguments. A
    `gpu.barrier` inside role `i` synchronizes only that role: it becomes
    the named barrier `i + 1` over the role's threads (id 0 stays the
    CTA-wide barrier).

    The kernel gets `known_block_size = [threads, 1, 1]` and
    `nvvm.minctasm = 1`: ptxas honours `setmaxnreg` only when it knows the
    register count at entry, which these two fix at `65536 / threads`,
    capped at 255, rounded down to a multiple of 8 (168 for 384 threads,
    248 for 128).
    A kernel whose existing `known_block_size` disagrees with the roles is
    an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def ConvertWSChannelsToNVVM : Pass<"convert-ws-channels-to-nvvm"> {
  let summary = "Lower ws channels to mbarriers";
  let description = [{
    A `!ws.channel<depth>` becomes `2 * depth` mbarriers in the shared
    memory its `ws.channel.create` names: `full[s]` expecting `producers`
    arrivals and `empty[s]` expecting `consumers` arrivals, initialized by
    thread 0 and followed by a CTA-wide barrier.

    * `ws.channel.acquire producer %ch[%i]`: slot `s = i % depth`; waits
      `empty[s]` with parity `((i / depth) & 1) ^ 1` (a fresh barrier counts
      as released: the ring starts empty).
    * `ws.channel.acquire consumer %ch[%i]`: waits `full[s]` with parity
      `(i / depth) & 1`.
    * `ws.channel.release producer ... async`:
      `cp.async.mbarrier.arrive.noinc` on `full[s]`: the arrival lands when
      the thread's copies have (the barrier's count already includes it);
      with `tx(N)`, `mbarrier.arrive.expect_tx` on `full[s]`, announcing `N`
      bytes from the first thread of each warpgroup and 0 from the others;
      otherwise an arrive.
    * `ws.channel.release consumer`: arrive on `empty[s]`.

    Runs after `convert-ws-warp-specialize-to-nvvm`, once every use of a
    channel sits in the kernel body.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // WARPSPEC_CONVERSION_PASSES_TD
