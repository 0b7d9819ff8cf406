//===- SparseMLAOps.td - sparse_mla operations -----------*- tablegen -*-===//

#ifndef SPARSEMLA_OPS_TD
#define SPARSEMLA_OPS_TD

include "SparseMLA/Dialect/SparseMLA/IR/SparseMLADialect.td"
include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.td"
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
    DestinationStyleOpInterface, AttrSizedOperandSegments]> {
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
    | `attn_sink`  | `[H]`              | f32     | read, optional: a sink logit per head |
    | `topk_length`| `[B, S]`           | i32     | read, optional: the leading entries of each index row that count |
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
    Entry `j` (value `idx`) is valid iff `0 <= idx < Skv`, when `causal`
    `idx <= floor((q_start + s + 1 - kv_stride) / kv_stride)` and, with
    `topk_length`, `j < clamp(topk_length[b, s], 0, topk)`.
    Invalid entries contribute nothing and are never read; duplicated
    indices count once per occurrence. A row with no valid entry yields
    `out = 0`, `lse = +inf` and `max_logits = -inf`. With `attn_sink`, `out`
    is multiplied by `1 / (1 + exp(attn_sink[h] - lse))` (`lse` and
    `max_logits` unchanged): `-inf` changes nothing, `+inf` gives 0.

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
    Optional<SparseMLA_Operand>:$attn_sink,
    Optional<SparseMLA_Operand>:$topk_length,
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
    (`attn_sink` `(` $attn_sink^ `:` type($attn_sink) `)`)?
    (`topk_length` `(` $topk_length^ `:` type($topk_length) `)`)?
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
      /// Whether the op has the optional attn_sink / topk_length operands.
      bool attnSink = false, topkLength = false;
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
      return MutableOperandRange(
          *this, /*start=*/getOutMutable().getOperandNumber(),
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

#endif // SPARSEMLA_OPS_TD
