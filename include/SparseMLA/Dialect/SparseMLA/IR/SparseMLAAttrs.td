//===- SparseMLAAttrs.td - sparse_mla attributes ---------*- tablegen -*-===//

#ifndef SPARSEMLA_ATTRS_TD
#define SPARSEMLA_ATTRS_TD

include "SparseMLA/Dialect/SparseMLA/IR/SparseMLADialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def SparseMLA_ScheduleKind : I32EnumAttr<"ScheduleKind",
    "how a sparse_mla.fwd op is lowered", [
      I32EnumAttrCase<"simple", 0>,
      I32EnumAttrCase<"seesaw", 1>,
      I32EnumAttrCase<"pipelined", 2>
    ]> {
  let cppNamespace = "::mlir::sparse_mla";
  let genSpecializedAttr = 0;
}

def SparseMLA_ScheduleAttr : AttrDef<SparseMLA_Dialect, "Schedule"> {
  let mnemonic = "schedule";
  let summary = "how one sparse_mla.fwd op is lowered to a GPU kernel";
  let description = [{
    Records the decisions the lowering follows, so they are visible (and
    editable) in IR rather than hidden in a pass:

    * `kind`: `seesaw` (Hopper sm_90a: one producer warpgroup gathering KV
      rows, two consumer warpgroups that split the KV blocks and the output
      columns and synchronize through mbarriers) or `simple` (portable
      sm_80+ kernel, no warp specialization).
    * `heads_per_cta`: query heads of one kv group handled by one CTA for one
      query token. Must divide `H/G`. The seesaw schedule needs a multiple of
      64 (the WGMMA M dimension).
    * `block_k`: top-k entries gathered per KV block. Seesaw: a multiple of
      16 and at most 256 (WGMMA K and N limits); `topk` must be a multiple of
      `2 * block_k`, since the two consumers take blocks in pairs.
    * `stages`: KV block buffers in shared memory. Seesaw: even (one per
      consumer per pipeline step). Simple: 1. Pipelined: at least 2.
    * `warpgroups`: warpgroups per CTA (128 threads each). Seesaw: 3, in
      the order producer, consumer 0, consumer 1. Pipelined: 2, producer
      then consumer.
    * `regs` (optional): per-warpgroup register budget applied with
      `setmaxnreg`, one entry per warpgroup, each a multiple of 8 in
      [24, 256]; `sum(regs) * 128` must fit the 65,536-register file.
      Required by seesaw, which rebalances registers between roles.
    * `persistent` (optional, default `false`; seesaw only): each CTA loops
      over output tiles (query token x head block x batch), striding by the
      number of CTAs, instead of computing one tile and exiting. The launch
      then runs at most one CTA per SM (kernel_info `ctas_per_sm`; the
      runtime sizes the grid from the device) and the producer loads the
      next tile's Q and KV while the consumers finish the current one. The
      kernel is correct for any grid: launched with one CTA per tile, each
      CTA computes exactly its own tile.
    * `shared_validity` (optional, default `false`; seesaw only): the
      producer, which loads every top-k index anyway, writes each KV block's
      validity (one byte per key) to shared memory through a channel, and
      the consumers read it there instead of loading the indices again.
    * `lazy_rescale` (optional, default `false`; seesaw only): the softmax
      pivot of a row (the value subtracted before exp2) moves only when the
      row's running max exceeds it by more than 8 (log2 units), so the
      consumers rescale their O accumulators (128 multiplies per thread)
      only in the rare rounds where some row of the warp moved its pivot.
      Every weight stays at most 2^8; lse uses the pivot, max_logits the
      true running max. The same softmax up to rounding, but not the same
      rounding: the largest weight of a row is no longer exactly 1, and on
      an H200 this option (about 1% faster) exceeded the out tolerance then
      in force (2e-3 + 2e-2 |ref|, before docs/semantics.md added the term
      for the bf16 rounding of P) on 1 of 32,768 rows of a topk = 512
      causal test, so it is not the default.
    * `split_tail` (optional, default `false`; seesaw with `persistent` only):
      the package gets a second kernel, the split kernel, for the tiles that
      do not fill a whole wave of the persistent grid: with T tiles on N CTAs
      the persistent kernel computes the first T - (T mod N) tiles (all of
      them when T < N: none) and the split kernel the rest, each tile's
      rounds divided among P CTAs (P >= 2, chosen by the runtime so that the
      split grid fits N CTAs). Every part writes its O halves, row pivots and
      row sums (f32) to a runtime-provided workspace and takes a ticket per
      consumer warp; the warp with the last ticket merges all parts in part
      order (so the result does not depend on which part ends last) and
      writes out, lse and max_logits. No CTA waits for another. The
      persistent kernel's loop is the same as without the option (its tile
      count becomes a launch argument). Not with `lazy_rescale`.
    * `carried_pivot` (optional, default `false`; seesaw only): consumer 0
      weights its own KV block against
      the pivot it carried into the round (the previous round's max) instead
      of the block's new max m0, so its O half and row sums need no rescale
      before its own GEMM (128 multiplies and an exponential fewer on that
      path: 1.2% on the headline shape, 3% for H = 64, on an H100); the one
      rescale to the round's max m' follows as before. A row's first valid
      max takes m0 itself, and a jump beyond 32 (log2 units) takes m0 - 32,
      so weights stay below 2^32. The price: in a round where consumer 0's
      block moves a row's max by a non-integer amount up to 32, that block's
      largest weight enters the own GEMM as 2^(m0 - m) rounded to bf16
      instead of exactly 1 (the P tile consumer 1 reads is unchanged). On
      inputs whose logits jump far (`sparse-mla-run --values spiky`) that
      left the out tolerance then in force (2e-3 + 2e-2 |ref|, before
      docs/semantics.md added the term for the bf16 rounding of P) on one
      row of 16,384 (|err| 0.00208 where 0.002 was allowed, H100), so it is
      not the default. Not with `lazy_rescale`.

    Shared memory is derived from the parameters and the op's shape (see
    `getSharedMemoryBytes`) and checked against the chip's limit (227 KiB on
    sm_90a) by the op verifier and by `sparse-mla-select-schedule`.

    Example:

    ```mlir
    #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2,
                         warpgroups = 3, regs = [72, 216, 216],
                         persistent = true>
    ```
  }];
  let parameters = (ins
    EnumParameter<SparseMLA_ScheduleKind>:$kind,
    "int64_t":$heads_per_cta,
    "int64_t":$block_k,
    "int64_t":$stages,
    "int64_t":$warpgroups,
    OptionalArrayRefParameter<"int32_t">:$regs,
    DefaultValuedParameter<"bool", "false">:$persistent,
    DefaultValuedParameter<"bool", "false">:$shared_validity,
    DefaultValuedParameter<"bool", "false">:$lazy_rescale,
    DefaultValuedParameter<"bool", "false">:$split_tail,
    DefaultValuedParameter<"bool", "false">:$carried_pivot
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Threads per CTA.
    int64_t getNumThreads() const;
    /// Bytes of dynamic shared memory one CTA needs for an op with head dims
    /// `dqk` and `dv` (alignment padding included).
    int64_t getSharedMemoryBytes(int64_t dqk, int64_t dv) const;
    /// Registers the whole CTA holds under `regs` (0 when `regs` is empty).
    int64_t getRegisterFileUse() const;
  }];
}

#endif // SPARSEMLA_ATTRS_TD
