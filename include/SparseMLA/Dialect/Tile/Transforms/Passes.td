//===- Passes.td - sparse_mla_tile passes ----------------*- tablegen -*-===//

#ifndef SPARSEMLA_TILE_PASSES_TD
#define SPARSEMLA_TILE_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparseMLATilePartitionPipelined
    : Pass<"sparse-mla-tile-partition-pipelined", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Split a tile program into a gathering producer role and a "
                "computing consumer role joined by a channel (IR level 3)";
  let description = [{
    For a kernel carrying `sparse_mla.partition = "pipelined"` (set by
    `convert-sparse-mla-to-tiles` for the pipelined schedule), whose body is
    a tile program with one loop over kv blocks that gathers into slot 0 of
    a `[stages, block_k, pitch]` ring:

    * the ring becomes a `!ws.channel<stages>` (its full/empty barriers in a
      new workgroup buffer), written by the producer and read by the
      consumer, 128 threads each;
    * a `ws.warp_specialize` with role `producer` (one warpgroup) running
      the loop's `block_rows` and `gather` — now `async`, into the slot it
      acquired, released `async` — and role `consumer` (one warpgroup)
      running every other tile op, the loop's on the slot it acquired and
      releases at the end of the iteration;
    * values the roles use are captured (the kernel's arguments and
      buffers) or, for pure ops (coordinates, views), recomputed in each
      role, so no register value crosses from one role to another.

    The register budgets come from the attribute's `regs` (default 56 for
    the producer, 232 for the consumer).
  }];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ws::WarpSpecDialect",
  ];
}

def SparseMLATileBarriers
    : Pass<"sparse-mla-tile-barriers", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Insert the barriers between tile ops that share a tile";
  let description = [{
    A tile op is run by every thread of its group (the CTA, or its role),
    each on its own part of the tiles: an op that reads a tile another op
    wrote, or writes one another op read or wrote, since the last barrier
    must wait for the whole group. This pass walks each block, tracks the
    tiles read and written since the last barrier (from the ops' declared
    memory effects, a tile being its allocation) and inserts a `gpu.barrier`
    before the first op that conflicts; before a loop or conditional, at
    the end of a loop body and before any other op with memory effects (a
    channel acquire or release, say) it inserts one if any access is
    pending.

    A `sparse_mla_tile.block_rows` counts as a write of its rows (to the
    buffer the lowering will keep them in) when any synchronous op reads
    them; the ops reading them read it. An `async` gather is not tracked:
    the channel that hands its tile on synchronizes it. Within a role,
    `gpu.barrier` becomes the role's named barrier when roles are lowered.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // SPARSEMLA_TILE_PASSES_TD
