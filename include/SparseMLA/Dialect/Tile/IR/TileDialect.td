//===- TileDialect.td - sparse_mla_tile dialect ----------*- tablegen -*-===//

#ifndef SPARSEMLA_TILE_DIALECT_TD
#define SPARSEMLA_TILE_DIALECT_TD

include "mlir/IR/OpBase.td"

def Tile_Dialect : Dialect {
  let name = "sparse_mla_tile";
  let summary = "the tile program of a sparse MLA kernel (IR level 2)";
  let description = [{
    The ops one CTA of a sparse MLA kernel is written in before any schedule
    decides which threads run what: load a Q tile, describe the rows of a
    block of top-k entries (with their validity), gather those rows, tile
    matmuls, one online-softmax step, and the finish that normalizes and
    writes `out`, `lse` and `max_logits`.

    Every tile op is executed by all the threads of the group it runs in
    (the CTA, or a role of a `ws.warp_specialize`), on tiles that are
    memrefs in workgroup memory allocated by `memref.alloc`. Where a tile
    lives (its shared-memory offset) is decided later
    (`ws-assign-shared-memory`); which thread computes which element, and
    the barriers between ops, are decided by the lowerings
    (`sparse-mla-tile-barriers`, `convert-sparse-mla-tiles-to-simt`).

    Logits and softmax statistics are in base 2: the matmul's `scale` is
    `sm_scale x log2(e)`.

    Inside the roles of a warp-specialized kernel (IR level 4) the matrix
    products of a warpgroup are `mma_async` / `mma_wait` on shared-memory
    tiles given by address and `#sparse_mla_tile.shared` layout, which
    `convert-sparse-mla-tiles-to-hopper` turns into `hopper` ops.
  }];
  let cppNamespace = "::mlir::sparse_mla::tile";
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

#endif // SPARSEMLA_TILE_DIALECT_TD
