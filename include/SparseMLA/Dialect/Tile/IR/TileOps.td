//===- TileOps.td - sparse_mla_tile types and ops --------*- tablegen -*-===//

#ifndef SPARSEMLA_TILE_OPS_TD
#define SPARSEMLA_TILE_OPS_TD

include "SparseMLA/Dialect/Tile/IR/TileDialect.td"
include "SparseMLA/Dialect/Tile/IR/TileAttrs.td"
include "WarpSpec/IR/WarpSpecInterfaces.td"
include "mlir/Dialect/LLVMIR/LLVMTypes.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def Tile_RowsType : TypeDef<Tile_Dialect, "Rows"> {
  let mnemonic = "rows";
  let summary = "the kv rows of one block of top-k entries, with validity";
  let description = [{
    Entry `j` of a `!sparse_mla_tile.rows<N>` value is a kv row index, or
    invalid. It holds no memory: it is what `sparse_mla_tile.block_rows`
    says about its operands, and a lowering either materializes it (once, in
    shared memory, for ops every thread of a group reads it in) or evaluates
    it where an op needs one entry (an asynchronous gather).
  }];
  let parameters = (ins "int64_t":$size);
  let assemblyFormat = "`<` $size `>`";
  let genVerifyDecl = 1;
}

// A tile: a rank-`rank` memref in workgroup memory.
class Tile_Memref<int rank, list<Type> elts>
    : MemRefRankOf<elts, [rank]>;

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

def Tile_LoadOp : Tile_Op<"load"> {
  let summary = "copy a [rows, cols] box of a global array into a tile";
  let description = [{
    `dest[r, c] = source[o_0, ..., o_{n-1}, o_n + r, c]` for the tile's
    `rows x cols`, where `o` are the `offsets` (one per dimension of
    `source` but the last) and `cols` is the whole last dimension.

    ```mlir
    sparse_mla_tile.load %q[%b, %s, %h0] into %qt
        : memref<?x?x128x576xbf16, strided<[?, ?, ?, 1], offset: ?>>,
          memref<64x576xbf16, #gpu.address_space<workgroup>>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "global array", [MemRead]>:$source,
                       Variadic<Index>:$offsets,
                       Arg<Tile_Memref<2, [AnyType]>, "tile",
                           [MemWrite]>:$dest);
  let assemblyFormat = [{
    $source `[` $offsets `]` `into` $dest attr-dict `:` type($source) `,`
    type($dest)
  }];
  let hasVerifier = 1;
}

def Tile_FillOp : Tile_Op<"fill"> {
  let summary = "set every element of a tile";
  let description = [{
    ```mlir
    sparse_mla_tile.fill %zero into %acc : f32, memref<64x512xf32, 3>
    ```
  }];
  let arguments = (ins AnyType:$value,
                       Arg<AnyMemRef, "tile", [MemWrite]>:$dest);
  let assemblyFormat = [{
    $value `into` $dest attr-dict `:` type($value) `,` type($dest)
  }];
  let hasVerifier = 1;
}

def Tile_BlockRowsOp : Tile_Op<"block_rows", [AttrSizedOperandSegments]> {
  let summary = "the kv rows of block `block` of one top-k list, and which are valid";
  let description = [{
    Entry `j` (of the result's `N`) is entry `e = block * N + j` of the list
    `indices[batch, token, group, :]`. It is valid if `e < topk` (the
    indices' last dimension) and, with `length`, `e < length` (the row's
    `topk_length`, clamped to [0, topk]), its index `i` satisfies
    `0 <= i < num_rows` and, with `last_visible`, `i <= last_visible` (the
    causal bound); then its row is `i`, otherwise it is invalid and no kv
    row of it is ever read. Entries at or past `topk` (or `length`) read no
    index.

    ```mlir
    %rows = sparse_mla_tile.block_rows %idx[%b, %s, %g] block %blk
        below %skv last_visible %bound : memref<?x?x1x2048xi32, ...> -> !sparse_mla_tile.rows<64>
    ```
  }];
  let arguments = (ins Arg<MemRefRankOf<[I32], [4]>, "indices",
                           [MemRead]>:$indices,
                       Index:$batch, Index:$token, Index:$group, Index:$block,
                       I64:$num_rows, Optional<I64>:$last_visible,
                       Optional<Index>:$length);
  let results = (outs Tile_RowsType:$rows);
  let assemblyFormat = [{
    $indices `[` $batch `,` $token `,` $group `]` `block` $block
    `below` $num_rows (`last_visible` $last_visible^)?
    (`length` $length^)? attr-dict `:`
    type($indices) `->` qualified(type($rows))
  }];
  let extraClassDeclaration = [{
    /// Whether the rows are kept in a buffer: some op other than an async
    /// gather reads them (every thread of a group reads them); rows only
    /// async gathers read are evaluated per piece instead.
    bool isMaterialized();
  }];
}

def Tile_GatherOp : Tile_Op<"gather"> {
  let summary = "gather the kv rows of a block into a tile, zero where invalid";
  let description = [{
    `dest[j, :] = source[batch, rows[j], group, :]` for every valid entry
    `j` of `rows`; `dest[j, :] = 0` for an invalid one, whose row is never
    read. With `async` the copies complete asynchronously: whatever hands
    the tile on (a `ws.channel.release ... async`) waits for them; without
    it they are complete, for every thread of the group, once a barrier
    follows.

    ```mlir
    sparse_mla_tile.gather %kv[%b, %g] rows(%rows) into %kt
        : memref<?x?x1x576xbf16, ...>, !sparse_mla_tile.rows<64>,
          memref<64x576xbf16, strided<[578, 1]>, 3>
    ```
  }];
  let arguments = (ins Arg<MemRefRankOf<[AnyType], [4]>, "kv",
                           [MemRead]>:$source,
                       Index:$batch, Index:$group, Tile_RowsType:$rows,
                       Arg<Tile_Memref<2, [AnyType]>, "tile",
                           [MemWrite]>:$dest,
                       UnitAttr:$async);
  let assemblyFormat = [{
    $source `[` $batch `,` $group `]` `rows` `(` $rows `)` `into` $dest
    (`async` $async^)? attr-dict `:` type($source) `,` qualified(type($rows))
    `,` type($dest)
  }];
  let hasVerifier = 1;
}

def Tile_MatmulOp : Tile_Op<"matmul", [AttrSizedOperandSegments]> {
  let summary = "tile matmul: masked, scaled A B^T, or C = row_scale C + A B";
  let description = [{
    With `transpose_b` (the logits, `Q K^T`):
    `acc[i, j] = scale * sum_k lhs[i, k] * rhs[j, k]` for every valid entry
    `j` of `mask`, `-inf` for an invalid one (its product is not computed);
    `k` runs over `lhs`'s columns, which `rhs` has too.

    Without it (the weighted values, `P V`):
    `acc[i, j] = row_scale[i] * acc[i, j] + sum_k lhs[i, k] * rhs[k, j]`
    for `acc`'s columns `j`, which are the leading columns of `rhs`
    (`V` is the first `Dv` columns of a kv row).

    Products are computed in f32 from the operands' elements.

    ```mlir
    sparse_mla_tile.matmul %qt, %kt transpose_b into %s
        mask(%rows : !sparse_mla_tile.rows<64>) scale(%c)
        : memref<64x576xbf16, 3>, memref<64x576xbf16, strided<[578, 1]>, 3>,
          memref<64x64xf32, 3>
    sparse_mla_tile.matmul %s, %kt into %acc
        row_scale(%alpha : memref<64xf32, strided<[1], offset: 128>, 3>)
        : memref<64x64xf32, 3>, memref<64x576xbf16, strided<[578, 1]>, 3>,
          memref<64x512xf32, 3>
    ```
  }];
  let arguments = (ins Arg<Tile_Memref<2, [AnyType]>, "A", [MemRead]>:$lhs,
                       Arg<Tile_Memref<2, [AnyType]>, "B", [MemRead]>:$rhs,
                       Arg<Tile_Memref<2, [F32]>, "C",
                           [MemRead, MemWrite]>:$acc,
                       Optional<Tile_RowsType>:$mask,
                       Optional<F32>:$scale,
                       Arg<Optional<Tile_Memref<1, [F32]>>, "row scale",
                           [MemRead]>:$row_scale,
                       UnitAttr:$transpose_b);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_b` $transpose_b^)? `into` $acc
    (`mask` `(` $mask^ `:` qualified(type($mask)) `)`)?
    (`scale` `(` $scale^ `)`)?
    (`row_scale` `(` $row_scale^ `:` type($row_scale) `)`)? attr-dict `:`
    type($lhs) `,` type($rhs) `,` type($acc)
  }];
  let hasVerifier = 1;
}

def Tile_SoftmaxStepOp : Tile_Op<"softmax_step"> {
  let summary = "one online-softmax step over a tile of base-2 logits";
  let description = [{
    For each row `h` of `scores` (base-2 logits, `-inf` where masked), with
    `m = max(max[h], max_j scores[h, j])` and `pivot = m`, or 0 while
    `m = -inf` (nothing valid seen yet, so weights are 0, never NaN):
    `scores[h, j] = exp2(scores[h, j] - pivot)` (the weights P),
    `rescale[h] = exp2(max[h] - pivot)`,
    `sum[h] = sum[h] * rescale[h] + sum_j scores[h, j]` and `max[h] = m`.
    The accumulator of the weighted values is rescaled by `rescale` by the
    matmul that adds this block (`row_scale`).

    ```mlir
    sparse_mla_tile.softmax_step %s max(%m) sum(%l) rescale(%alpha)
        : memref<64x64xf32, 3>, memref<64xf32, ...>, memref<64xf32, ...>,
          memref<64xf32, ...>
    ```
  }];
  let arguments = (ins Arg<Tile_Memref<2, [F32]>, "logits, then weights",
                           [MemRead, MemWrite]>:$scores,
                       Arg<Tile_Memref<1, [F32]>, "running max",
                           [MemRead, MemWrite]>:$max,
                       Arg<Tile_Memref<1, [F32]>, "running sum",
                           [MemRead, MemWrite]>:$sum,
                       Arg<Tile_Memref<1, [F32]>, "rescale of the accumulator",
                           [MemWrite]>:$rescale);
  let assemblyFormat = [{
    $scores `max` `(` $max `)` `sum` `(` $sum `)` `rescale` `(` $rescale `)`
    attr-dict `:` type($scores) `,` type($max) `,` type($sum) `,`
    type($rescale)
  }];
  let hasVerifier = 1;
}

def Tile_FinishOp : Tile_Op<"finish", [AttrSizedOperandSegments]> {
  let summary = "normalize the accumulator and write out, lse and max_logits";
  let description = [{
    For each row `h` (head `head + h` of query token `token` of batch
    `batch`): with `any = sum[h] > 0`,
    `out[..., head + h, c] = any ? acc[h, c] / sum[h] : 0` (rounded to
    `out`'s element type), `lse[..., head + h] = any ?
    ln(2) * (max[h] + log2(sum[h])) : +inf` and, when given,
    `max_logits[..., head + h] = any ? ln(2) * max[h] : -inf`. With `sink`
    (the attention sink logit of each head, natural-log units), `out` is
    further multiplied by `1 / (1 + exp(sink[head + h] - lse))`: `-inf`
    changes nothing, `+inf` gives 0.

    ```mlir
    sparse_mla_tile.finish %acc max(%m) sum(%l) out(%out) lse(%lse)
        max_logits(%ml : memref<?x?x128xf32>) at [%b, %s, %h0] : ...
    ```
  }];
  let arguments = (ins Arg<Tile_Memref<2, [F32]>, "accumulator",
                           [MemRead]>:$acc,
                       Arg<Tile_Memref<1, [F32]>, "running max",
                           [MemRead]>:$max,
                       Arg<Tile_Memref<1, [F32]>, "running sum",
                           [MemRead]>:$sum,
                       Arg<MemRefRankOf<[AnyType], [4]>, "out",
                           [MemWrite]>:$out,
                       Arg<MemRefRankOf<[F32], [3]>, "lse", [MemWrite]>:$lse,
                       Arg<Optional<MemRefRankOf<[F32], [3]>>, "max_logits",
                           [MemWrite]>:$max_logits,
                       Arg<Optional<MemRefRankOf<[F32], [1]>>, "sink",
                           [MemRead]>:$sink,
                       Index:$batch, Index:$token, Index:$head);
  let assemblyFormat = [{
    $acc `max` `(` $max `)` `sum` `(` $sum `)` `out` `(` $out `)`
    `lse` `(` $lse `)`
    (`max_logits` `(` $max_logits^ `:` type($max_logits) `)`)?
    (`sink` `(` $sink^ `:` type($sink) `)`)?
    `at` `[` $batch `,` $token `,` $head `]` attr-dict `:` type($acc) `,`
    type($max) `,` type($sum) `,` type($out) `,` type($lse)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Warpgroup tile ops on shared memory (inside roles, IR level 4)
//===----------------------------------------------------------------------===//

def Tile_MmaAsyncOp : Tile_Op<"mma_async", [
    AllTypesMatch<["acc", "result"]>,
    DeclareOpInterfaceMethods<WarpSpec_SharedMemoryProxyOpInterface>]> {
  let summary = "acc += A B by one warpgroup, bf16 tiles from shared memory "
                "(A also from registers), completing asynchronously";
  let description = [{
    The executing warpgroup's `[64, N]` f32 accumulator `acc` (`N / 2` f32
    per thread, in the accumulator fragment layout of the warpgroup matrix
    instructions; PTX ISA 8.x, "Register Fragments") plus `A B` over the
    `k_size` columns of K from `k_offset`:

    * `A` (`[64, K]`): with `a_layout`, one i32, the shared address of a
      tile of that layout whose rows are A's and whose columns are K;
      without it, this thread's `k_size / 2` f32 of a `[64, k_size]` tile
      in the accumulator fragment layout (the weights just computed),
      rounded to bf16.
    * `B` (`[K, N]`): `b`, the shared address of a tile of layout
      `b_layout`: with `transpose_b` stored `[N, K]` (its rows are N, its
      columns K), otherwise stored `[K, N]` (its rows are K, its columns
      `n_offset .. n_offset + N` are N).

    With `zero_init` the accumulator's input is ignored (`acc = A B`). The
    products complete asynchronously: the result may be read only through
    a later `sparse_mla_tile.mma_wait`. The lowering
    (`convert-sparse-mla-tiles-to-hopper`) derives the operands' matrix
    descriptors from their layouts. The tiles are read through the async
    proxy, as the instructions it becomes read them.

    ```mlir
    %s1 = sparse_mla_tile.mma_async %s0, a(%q : i32), b(%k)
        {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>,
         b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>,
         k_offset = 0, k_size = 256, transpose_b, zero_init}
        : !llvm.struct<(f32, ...)>
    ```
  }];
  let arguments = (ins AnyType:$acc, Variadic<AnyType>:$a, I32:$b,
                       OptionalAttr<Tile_SharedLayoutAttr>:$a_layout,
                       Tile_SharedLayoutAttr:$b_layout,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$k_offset,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k_size,
                       DefaultValuedAttr<I64Attr, "0">:$n_offset,
                       UnitAttr:$transpose_b, UnitAttr:$zero_init);
  let results = (outs AnyType:$result);
  let assemblyFormat = [{
    $acc `,` `a` `(` $a `:` type($a) `)` `,` `b` `(` $b `)` attr-dict `:`
    type($acc)
  }];
  let extraClassDeclaration = [{
    /// N: the accumulator's columns.
    int64_t getN();
  }];
  let hasVerifier = 1;
}

def Tile_MmaWaitOp : Tile_Op<"mma_wait", [
    AllTypesMatch<["values", "results"]>]> {
  let summary = "waits for the warpgroup's mma_async products; returns "
                "their accumulators";
  let description = [{
    Every `sparse_mla_tile.mma_async` the warpgroup issued before has
    completed. The accumulators given are returned: reading the results
    (never the operands) orders every read after the wait.
    ```mlir
    %s = sparse_mla_tile.mma_wait %s1 : !llvm.struct<(f32, f32)>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

def Tile_StoreFragmentOp : Tile_Op<"store_fragment", [
    DeclareOpInterfaceMethods<WarpSpec_SharedMemoryProxyOpInterface>]> {
  let summary = "store this thread's part of a warpgroup accumulator tile, "
                "rounded to bf16, into a shared-memory tile";
  let description = [{
    The executing warpgroup holds a `[64, K]` f32 tile in the accumulator
    fragment layout of its matrix instructions (PTX ISA 8.x, "Register
    Fragments"): the `K / 2` `values` of this thread are, for `j < K / 8`,
    columns `8j + 2t` and `8j + 2t + 1` (`t = lane mod 4`) of row `row0`
    (values `4j`, `4j + 1`) and of row `row1` (values `4j + 2`, `4j + 3`).
    Each pair is rounded to bf16 and stored, 4 bytes, where `layout` places
    it in the tile at shared address `dest`. `row0`, `row1` and `lane` are
    this thread's fragment rows (`16 warp + lane / 4` and 8 more) and lane,
    given so that a kernel can choose where they are computed. The stores
    go through the generic proxy; nothing orders them before other threads'
    reads (a barrier or a channel release does).

    ```mlir
    sparse_mla_tile.store_fragment %w0, %w1, ... into %p rows(%r0, %r1)
        lane(%lane) {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>}
        : f32, f32, ...
    ```
  }];
  let arguments = (ins Variadic<F32>:$values, I32:$dest, Index:$row0,
                       Index:$row1, Index:$lane,
                       Tile_SharedLayoutAttr:$layout);
  let assemblyFormat = [{
    $values `into` $dest `rows` `(` $row0 `,` $row1 `)` `lane` `(` $lane `)`
    attr-dict `:` type($values)
  }];
  let hasVerifier = 1;
}

def Tile_TmaLoadOp : Tile_Op<"tma_load", [
    DeclareOpInterfaceMethods<WarpSpec_SharedMemoryProxyOpInterface>]> {
  let summary = "copy a box of a global tensor into a shared-memory tile "
                "with the tensor memory accelerator";
  let description = [{
    Copies the `[rows, cols]` box of the tensor that the tensor map `map`
    (a `CUtensorMap` built with the tile's swizzle and a box of 64 columns
    by `rows`) describes, at columns `0 .. cols` and outer coordinates
    `coords` (the map's dimensions after the columns, innermost first),
    into the tile at shared address `dest` with layout `layout`
    (`swizzle = 128`): one bulk tensor copy per 64-column block. The copies
    complete on the mbarrier at `barrier`, whose phase must expect their
    `rows x cols x 2` bytes. One thread issues the op. With `evict_first`
    the source is read with an L2 evict-first policy (data read once).
    Writes through the async proxy.

    ```mlir
    sparse_mla_tile.tma_load %map[%h0, %s, %b] into %q barrier(%full)
        {layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>,
         evict_first} : i32, i32, i32
    ```
  }];
  let arguments = (ins LLVM_AnyPointer:$map, Variadic<I32>:$coords,
                       I32:$dest, LLVM_AnyPointer:$barrier,
                       Tile_SharedLayoutAttr:$layout, UnitAttr:$evict_first);
  let assemblyFormat = [{
    $map `[` $coords `]` `into` $dest `barrier` `(` $barrier `)` attr-dict
    `:` qualified(type($map)) `,` qualified(type($barrier))
    (`,` type($coords)^)?
  }];
  let hasVerifier = 1;
}

def Tile_CopyRowAsyncOp : Tile_Op<"copy_row_async", [
    DeclareOpInterfaceMethods<WarpSpec_SharedMemoryProxyOpInterface>]> {
  let summary = "copy this thread's 16-byte pieces of one tile row from "
                "global memory, asynchronously, zero-filled on request";
  let description = [{
    A gathering warpgroup copies the rows of a tile of layout `layout`
    (`swizzle = 128`) piece by piece: each thread takes one 16-byte piece
    of each 64-column block of a row. This op is one thread's share of one
    row over the column blocks `b` in `[col_begin / 64, col_end / 64)`:
    from the global address `src + 128 b` (`src`, an index, is the piece's
    source in block 0 of the row) to the shared address `dst` plus block
    `b`'s offset in the layout (`dst`, an i32, is the piece's place in
    block 0, its swizzle included). `bytes` (i32) is 16, or 0 to zero-fill
    the piece without reading anything (an invalid row). The copies
    complete asynchronously, through the generic proxy: a
    `ws.channel.release ... async` of the tile waits for them.

    ```mlir
    sparse_mla_tile.copy_row_async %src into %dst bytes(%n)
        {layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>,
         col_begin = 0 : i64, col_end = 256 : i64}
    ```
  }];
  let arguments = (ins Index:$src, I32:$dst, I32:$bytes,
                       Tile_SharedLayoutAttr:$layout,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$col_begin,
                       ConfinedAttr<I64Attr, [IntPositive]>:$col_end);
  let assemblyFormat = [{
    $src `into` $dst `bytes` `(` $bytes `)` attr-dict
  }];
  let hasVerifier = 1;
}

#endif // SPARSEMLA_TILE_OPS_TD
