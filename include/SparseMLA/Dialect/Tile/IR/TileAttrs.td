//===- TileAttrs.td - sparse_mla_tile attributes ---------*- tablegen -*-===//

#ifndef SPARSEMLA_TILE_ATTRS_TD
#define SPARSEMLA_TILE_ATTRS_TD

include "SparseMLA/Dialect/Tile/IR/TileDialect.td"
include "mlir/IR/AttrTypeBase.td"

def Tile_SharedLayoutAttr : AttrDef<Tile_Dialect, "SharedLayout"> {
  let mnemonic = "shared";
  let summary = "where each element of a bf16 tile lives in shared memory";
  let description = [{
    The layout of a `[rows, cols]` bf16 tile at a shared-memory address, in
    one of the two forms the warpgroup matrix instructions read (PTX ISA
    8.x, "Shared Memory Matrix Layout"):

    * `swizzle = 128`: column blocks of 64 columns, `rows x 128` bytes
      each, one after the other; within a block, row `r` is the 128 bytes
      at `r x 128`, its eight 16-byte pieces permuted by XOR with `r mod 8`
      (the 128-byte swizzle). `rows` is a multiple of 8 and `cols` of 64;
      the address is 1024-byte aligned.
    * `swizzle = 0`: 8 x 8 core matrices (8 rows of 16 contiguous bytes),
      those of one 8-row group one after the other along the columns
      (128 bytes apart), the groups `cols x 16` bytes apart. `rows` and
      `cols` are multiples of 8; the address is 16-byte aligned.

    Element `(r, c)` is at byte
    `(c / 64) rows 128 + r 128 + (((c mod 64) / 8) xor (r mod 8)) 16 + (c mod 8) 2`
    with `swizzle = 128`, and at
    `(r / 8) cols 16 + (c / 8) 128 + (r mod 8) 16 + (c mod 8) 2` with
    `swizzle = 0`. The matrix descriptors of `sparse_mla_tile.mma_async`
    are derived from it (`convert-sparse-mla-tiles-to-hopper`).

    ```mlir
    #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols, "int64_t":$swizzle);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes from the tile's address to element (row, col): `row` a
    /// multiple of 8 or `col` within the first 8 columns of its block
    /// where the layout swizzles (the offsets of whole pieces).
    int64_t byteOffset(int64_t row, int64_t col) const;
    /// With `swizzle = 128`: the columns of one column block (64 bf16 in a
    /// 128-byte row).
    int64_t getBlockColumns() const;
    /// The matrix descriptor fields of an operand read from this tile
    /// (PTX ISA 8.x, "Matrix Descriptor Format"): the leading byte offset
    /// when the tile's rows are the operand's M or N (`kMajor`: K runs
    /// along the columns) or its K, and the stride byte offset (the next
    /// group of 8 rows, either way).
    int64_t leadingByteOffset(bool kMajor) const;
    int64_t strideByteOffset() const;
  }];
}

#endif // SPARSEMLA_TILE_ATTRS_TD
