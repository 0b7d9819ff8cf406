//===- SparseMLAOps.td - sparse_mla operations -----------*- tablegen -*-===//

#ifndef SPARSEMLA_OPS_TD
#define SPARSEMLA_OPS_TD

include "SparseMLA/Dialect/SparseMLA/IR/SparseMLADialect.td"
include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.td"
include "SparseMLA/Dialect/SparseMLA/IR/SparseMLATypes.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// i32, with a summary that names the operand in the generated diagnostic.
def SparseMLA_QStart : Type<CPred<"$_self.isSignlessInteger(32)">,
    "i32 (operand 'q_start', the position of query token 0)",
    "::mlir::IntegerType">,
    BuildableType<"$_builder.getIntegerType(32)">;

// A memref (the buffer form) or a ranked tensor (the value form).
def SparseMLA_Operand : AnyTypeOf<[AnyMemRef, AnyRankedTensor],
    "memref or ranked tensor">;

def SparseMLA_FwdOp : SparseMLA_Op<"fwd", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DestinationStyleOpInterface]> {
  let summary = "sparse multi-head latent attention, forward";
  let description = [{
    For every batch `b`, query token `s` and head `h`, attends to the `topk`
    latent rows of `kv` listed in `indices` and writes the softmax-weighted
    sum of their first `Dv` columns to `out`, the natural-log sum of
    exponentials to `lse` and, when given, the largest scaled logit to
    `max_logits`.

    The op has two forms. On memrefs (the buffer form) it writes `out`, `lse`
    and `max_logits` and has no results. On ranked tensors (the value form,
    destination-passing style) they are destinations and the op returns
    their updated values, in that order; One-Shot Bufferize turns it into the
    buffer form (`sparse-mla-to-nvvm` does so first). The operands are all
    memrefs or all tensors.

    Operands (memrefs in the default memory space, row-major in the listed
    dimension order; the last dimension of each must be contiguous, other
    strides are free):

    | operand      | shape              | element | role |
    |--------------|--------------------|---------|------|
    | `q`          | `[B, S, H, Dqk]`   | bf16    | read |
    | `kv`         | `[B, Skv, G, Dqk]` | bf16    | read: K is the whole row, V its first `Dv` columns |
    | `indices`    | `[B, S, G, topk]`  | i32     | read |
    | `q_start`    | scalar             | i32     | global position of query token 0 |
    | `out`        | `[B, S, H, Dv]`    | bf16    | written |
    | `lse`        | `[B, S, H]`        | f32     | written |
    | `max_logits` | `[B, S, H]`        | f32     | written, optional |

    `B`, `S` and `Skv` may be dynamic; `H`, `G`, `Dqk`, `Dv` (taken from
    `out`) and `topk` must be static. Query head `h` reads kv group
    `h / (H / G)`.

    With `s_j = dot(q[b, s, h, :], kv[b, idx_j, g, :])`:
    `lse = ln(sum_j exp(sm_scale * s_j))`,
    `out = sum_j exp(sm_scale * s_j - lse) * kv[b, idx_j, g, 0:Dv]` and
    `max_logits = max_j sm_scale * s_j`, over the valid entries `j` only.
    Entry `j` (value `idx`) is valid iff `0 <= idx < Skv` and, when
    `causal`, `idx <= floor((q_start + s + 1 - kv_stride) / kv_stride)`.
    Invalid entries contribute nothing and are never read; duplicated
    indices count once per occurrence. A row with no valid entry yields
    `out = 0`, `lse = +inf` and `max_logits = -inf`.

    Attributes: `sm_scale` (f32, finite and > 0, and small enough that
    `sm_scale * log2(e)` is a finite f32; `1/sqrt(Dqk)` when absent),
    `kv_stride` (>= 1, default 1), `causal` (default true) and, optionally, a
    `#sparse_mla.schedule` that fixes how the op is lowered (attached by
    `sparse-mla-select-schedule` when absent).

    Numerics: bf16 inputs, fp32 accumulation and softmax statistics, bf16
    `out`. The full contract, tolerances included, is docs/semantics.md.

    Example (DeepSeek-V3.2 prefill):

    ```mlir
    sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>)
                   kv(%kv : memref<?x?x1x576xbf16>)
                   indices(%idx : memref<?x?x1x2048xi32>)
                   q_start(%q_start)
                   out(%out : memref<?x?x128x512xbf16>)
                   lse(%lse : memref<?x?x128xf32>)
                   max_logits(%ml : memref<?x?x128xf32>)
                   {causal = false, kv_stride = 1 : i64}
    ```
  }];

  let arguments = (ins
    SparseMLA_Operand:$q,
    SparseMLA_Operand:$kv,
    SparseMLA_Operand:$indices,
    SparseMLA_QStart:$q_start,
    SparseMLA_Operand:$out,
    SparseMLA_Operand:$lse,
    Optional<SparseMLA_Operand>:$max_logits,
    OptionalAttr<F32Attr>:$sm_scale,
    DefaultValuedAttr<I64Attr, "1">:$kv_stride,
    DefaultValuedAttr<BoolAttr, "true">:$causal,
    OptionalAttr<SparseMLA_ScheduleAttr>:$schedule
  );
  // On tensors (destination-passing style): the updated out, lse and, when
  // given, max_logits. On memrefs: none.
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    `q` `(` $q `:` type($q) `)`
    `kv` `(` $kv `:` type($kv) `)`
    `indices` `(` $indices `:` type($indices) `)`
    `q_start` `(` $q_start `)`
    `out` `(` $out `:` type($out) `)`
    `lse` `(` $lse `:` type($lse) `)`
    (`max_logits` `(` $max_logits^ `:` type($max_logits) `)`)?
    attr-dict (`->` type($results)^)?
  }];

  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// Static problem sizes; B, S and Skv are ShapedType::kDynamic when
    /// dynamic.
    struct Problem {
      int64_t B, S, Skv, H, G, Dqk, Dv, topk;
    };
    /// The op's sizes, read from the operand types. Only meaningful on a
    /// verified op.
    Problem getProblem();
    /// `sm_scale`, or its default `1/sqrt(Dqk)` when the attribute is absent.
    double getEffectiveSmScale();
    /// True for the value form (every operand a tensor).
    bool hasTensorSemantics() { return isa<TensorType>(getQ().getType()); }
    /// DestinationStyleOpInterface: out, lse and max_logits are the inits.
    MutableOperandRange getDpsInitsMutable() {
      return MutableOperandRange(*this, /*start=*/4,
                                 /*length=*/getMaxLogits() ? 3 : 2);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Host-side kernel arguments (level 2)
//===----------------------------------------------------------------------===//

def SparseMLA_TensorMapOp : SparseMLA_Op<"tensor_map", [Pure]> {
  let summary = "a TMA tensor map of a memref, for a kernel parameter";
  let description = [{
    Stands for the 128-byte `CUtensorMap` (CUDA driver,
    `cuTensorMapEncodeTiled`) that describes `source` — its base pointer,
    sizes and strides, bf16/f32/i32 elements — with a copy box of `box`
    elements per dimension (innermost first, as TMA coordinates are) and
    `swizzle` bytes of shared-memory swizzling (0, 32, 64 or 128). The
    result is passed to a kernel parameter that takes it by value
    (`llvm.byval`, `nvvm.grid_constant`).

    The map is encoded by the host when the kernel is launched: the kernel
    package lists it under `tensor_maps` (docs/kernel-package.md), and the
    runtime fills the parameter from the operand the launch passes as
    `source`. This op has no lowering of its own.

    ```mlir
    %map = sparse_mla.tensor_map %q box [64, 64, 1, 1] swizzle(128)
        : memref<?x?x128x576xbf16> -> !llvm.ptr
    ```
  }];
  let arguments = (ins AnyMemRef:$source, DenseI64ArrayAttr:$box,
                       I64Attr:$swizzle);
  let results = (outs AnyType:$map);
  let assemblyFormat = [{
    $source `box` $box `swizzle` `(` $swizzle `)` attr-dict `:` type($source)
    `->` type($map)
  }];
  let hasVerifier = 1;
}

def SparseMLA_SplitPlanOp : SparseMLA_Op<"split_plan", [Pure]> {
  let summary = "how the runtime divides a launch between two kernels";
  let description = [{
    Stands for three launch arguments that the runtime chooses when it
    launches a persistent kernel together with its split kernel (the seesaw
    schedule's `split_tail`): `tiles`, the number of tiles the persistent
    kernel computes, which is also the first tile of the split kernel;
    `parts`, the CTAs of the split kernel per tile (its grid is
    `parts x (all tiles - tiles)` CTAs, each taking a contiguous share of a
    tile's rounds); and `workspace`, a device pointer to
    `workspace_bytes_per_cta` bytes per CTA of the split kernel, zero-filled
    when the runtime first allocates it, that the split kernel leaves as it
    found its zeroed parts (its ticket counters). `entry` names the split
    kernel (a `gpu.func` of the same parameters in the same `gpu.module`),
    and `max_parts` is the most parts a tile may be divided into (its
    rounds). The kernel package lists these under `kernel.split`
    (docs/kernel-package.md). This op has no lowering of its own.

    ```mlir
    %tiles, %parts, %ws = sparse_mla.split_plan "sparse_mla_fwd_seesaw_split"
        max_parts(16) workspace_bytes_per_cta(135200)
        : i32, i32, !llvm.ptr<1>
    ```
  }];
  let arguments = (ins StrAttr:$entry, I64Attr:$max_parts,
                       I64Attr:$workspace_bytes_per_cta);
  let results = (outs I32:$tiles, I32:$parts, AnyType:$workspace);
  let assemblyFormat = [{
    $entry `max_parts` `(` $max_parts `)`
    `workspace_bytes_per_cta` `(` $workspace_bytes_per_cta `)` attr-dict
    `:` type($tiles) `,` type($parts) `,` type($workspace)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Warp specialization (level 3)
//===----------------------------------------------------------------------===//

def SparseMLA_WarpSpecializeOp : SparseMLA_Op<"warp_specialize", [
    IsolatedFromAbove, RecursiveMemoryEffects]> {
  let summary = "one CTA split into roles, each a whole number of warpgroups";
  let description = [{
    Runs its regions concurrently on disjoint warps of one CTA: region `i`
    is role `roles[i]`, executed by `num_warps[i]` warps (a multiple of 4:
    `setmaxnreg` and `wgmma` act on whole warpgroups) holding `regs[i]`
    registers per thread once the role starts. Warps are assigned in region
    order: role 0 takes warps `[0, num_warps[0])`, and so on.

    Regions are isolated from above: every value a role uses from outside
    arrives as an explicit capture (the op's operands, which become each
    region's block arguments, in order). Roles share nothing else; they
    communicate only through shared memory and barriers that the IR spells
    out, so no SSA value silently crosses warpgroups.

    A role that releases a `sparse_mla.channel` it captured must have as
    many threads as the channel's barriers expect arrivals on that side
    (every thread releases once per transfer), or a wait would never
    complete or would complete early.

    The verifier checks what the hardware imposes: whole warpgroups, each
    budget a valid `setmaxnreg` value (a multiple of 8 in [24, 256]), the sum
    of `regs x threads` within the 65,536-register file, at most 1,024
    threads, and one named barrier per role (plus the CTA-wide id 0) within
    the 16 the hardware has.

    Example (the seesaw schedule's roles):

    ```mlir
    sparse_mla.warp_specialize (%q, %n) : memref<64x576xbf16, 3>, index
      role "producer" warps(4) regs(72) (%q0: memref<64x576xbf16, 3>, %n0: index) {
        sparse_mla.role_return
      }
      role "consumer0" warps(4) regs(216) (%q1: memref<64x576xbf16, 3>, %n1: index) {
        sparse_mla.role_return
      }
      role "consumer1" warps(4) regs(216) (%q2: memref<64x576xbf16, 3>, %n2: index) {
        sparse_mla.role_return
      }
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$captures,
                       StrArrayAttr:$roles,
                       DenseI32ArrayAttr:$num_warps,
                       DenseI32ArrayAttr:$regs);
  let regions = (region VariadicRegion<SizedRegion<1>>:$partitions);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Threads of the whole CTA (sum over roles).
    int64_t getNumThreads();
  }];
}

def SparseMLA_RoleReturnOp : SparseMLA_Op<"role_return", [
    Pure, Terminator, ReturnLike, HasParent<"WarpSpecializeOp">]> {
  let summary = "ends one role of a sparse_mla.warp_specialize";
  let description = [{
    Terminates a role's region. Roles produce no values: what they compute
    leaves through memory.
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Channels between roles (level 3)
//===----------------------------------------------------------------------===//

def SparseMLA_ChannelCreateOp : SparseMLA_Op<"channel.create"> {
  let summary = "a channel whose barriers live in `barriers`";
  let description = [{
    Declares a channel of `depth` slots (the result type's depth), written by
    `producers` threads per transfer and read by `consumers` threads.
    `barriers` is the shared memory of its `2 * depth` barriers (full ones,
    then empty ones). Created before the roles start, by the whole CTA, and
    passed to them as a capture.

    ```mlir
    %ch = sparse_mla.channel.create %bars producers(128) consumers(128)
        : memref<4xi64, #gpu.address_space<workgroup>> -> !sparse_mla.channel<2>
    ```
  }];
  let arguments = (ins MemRefRankOf<[I64], [1]>:$barriers,
                       ConfinedAttr<I64Attr, [IntPositive]>:$producers,
                       ConfinedAttr<I64Attr, [IntPositive]>:$consumers);
  let results = (outs SparseMLA_ChannelType:$channel);
  let assemblyFormat = [{
    $barriers `producers` `(` $producers `)` `consumers` `(` $consumers `)`
    attr-dict `:` type($barriers) `->` qualified(type($channel))
  }];
  let hasVerifier = 1;
}

def SparseMLA_ChannelAcquireOp : SparseMLA_Op<"channel.acquire"> {
  let summary = "wait until slot `iteration % depth` is the caller's";
  let description = [{
    For the `producer` side: waits until the slot of transfer `iteration` is
    empty (its previous use was released; the first `depth` transfers find
    their slots empty). For the `consumer` side: waits until it is full.
    Returns the slot index and the token that the matching release consumes.
    The barrier phase follows from `iteration`: `(iteration / depth) & 1`.

    ```mlir
    %slot, %tok = sparse_mla.channel.acquire producer %ch[%i]
        : !sparse_mla.channel<2>
    ```
  }];
  let arguments = (ins SparseMLA_ChannelType:$channel, Index:$iteration,
                       SparseMLA_ChannelSide:$side);
  let results = (outs Index:$slot, SparseMLA_TokenType:$token);
  let assemblyFormat = [{
    $side $channel `[` $iteration `]` attr-dict `:` qualified(type($channel))
  }];
}

def SparseMLA_ChannelReleaseOp : SparseMLA_Op<"channel.release"> {
  let summary = "hand slot back: producer marks it full, consumer empty";
  let description = [{
    Ends the ownership that `token` stands for. On the `producer` side with
    `async`, the slot counts as full once the calling thread's outstanding
    `cp.async` copies have landed (`cp.async.mbarrier.arrive.noinc`);
    with `tx(N)`, once `N` more bytes of asynchronous transactions (TMA
    copies that name the slot's full barrier, issued after the release)
    have landed: the first thread of each warpgroup-aligned role announces
    them (`mbarrier.arrive.expect_tx`), the others just arrive; otherwise at
    once. On the `consumer` side, the slot is empty for the producer's next
    use.

    ```mlir
    sparse_mla.channel.release producer %ch[%slot], %tok async
        : !sparse_mla.channel<2>
    ```
  }];
  let arguments = (ins SparseMLA_ChannelType:$channel, Index:$slot,
                       SparseMLA_TokenType:$token, SparseMLA_ChannelSide:$side,
                       UnitAttr:$async, OptionalAttr<I64Attr>:$tx_bytes);
  let assemblyFormat = [{
    $side $channel `[` $slot `]` `,` $token (`async` $async^)?
    (`tx` `(` $tx_bytes^ `)`)? attr-dict `:`
    qualified(type($channel))
  }];
  let builders = [
    OpBuilder<(ins "Value":$channel, "Value":$slot, "Value":$token,
                   "ChannelSide":$side, "bool":$async), [{
      build($_builder, $_state, channel, slot, token, side, async,
            IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
}

#endif // SPARSEMLA_OPS_TD
