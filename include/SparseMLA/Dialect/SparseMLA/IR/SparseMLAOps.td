//===- SparseMLAOps.td - sparse_mla operations -----------*- tablegen -*-===//

#ifndef SPARSEMLA_OPS_TD
#define SPARSEMLA_OPS_TD

include "SparseMLA/Dialect/SparseMLA/IR/SparseMLADialect.td"
include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def SparseMLA_FwdOp : SparseMLA_Op<"fwd"> {
  let summary = "sparse multi-head latent attention, forward";
  let description = [{
    For every batch `b`, query token `s` and head `h`, attends to the `topk`
    latent rows of `kv` listed in `indices` and writes the softmax-weighted
    sum of their first `Dv` columns to `out`, the natural-log sum of
    exponentials to `lse` and, when given, the largest scaled logit to
    `max_logits`.

    Operands (memrefs, row-major in the listed dimension order; the last
    dimension of each must be contiguous, other strides are free):

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

    Attributes: `sm_scale` (f32, finite and > 0; `1/sqrt(Dqk)` when absent),
    `kv_stride` (>= 1, default 1), `causal` (default true) and, optionally, a
    `#sparse_mla.schedule` that fixes how the op is lowered (attached by
    `sparse-mla-select-schedule` when absent).

    Numerics: bf16 inputs, fp32 accumulation and softmax statistics, bf16
    `out`.

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
    Arg<AnyMemRef, "queries [B, S, H, Dqk]", [MemRead]>:$q,
    Arg<AnyMemRef, "latent rows [B, Skv, G, Dqk]", [MemRead]>:$kv,
    Arg<AnyMemRef, "top-k row indices [B, S, G, topk]", [MemRead]>:$indices,
    I32:$q_start,
    Arg<AnyMemRef, "attention output [B, S, H, Dv]", [MemWrite]>:$out,
    Arg<AnyMemRef, "log-sum-exp [B, S, H]", [MemWrite]>:$lse,
    Arg<Optional<AnyMemRef>, "max logit [B, S, H]", [MemWrite]>:$max_logits,
    OptionalAttr<F32Attr>:$sm_scale,
    DefaultValuedAttr<I64Attr, "1">:$kv_stride,
    DefaultValuedAttr<BoolAttr, "true">:$causal,
    OptionalAttr<SparseMLA_ScheduleAttr>:$schedule
  );

  let assemblyFormat = [{
    `q` `(` $q `:` type($q) `)`
    `kv` `(` $kv `:` type($kv) `)`
    `indices` `(` $indices `:` type($indices) `)`
    `q_start` `(` $q_start `)`
    `out` `(` $out `:` type($out) `)`
    `lse` `(` $lse `:` type($lse) `)`
    (`max_logits` `(` $max_logits^ `:` type($max_logits) `)`)?
    attr-dict
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
  }];
}

#endif // SPARSEMLA_OPS_TD
