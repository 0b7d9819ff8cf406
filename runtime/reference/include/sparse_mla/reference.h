//===- reference.h - float64 CPU reference of sparse_mla.fwd ----*- C++ -*-===//
//
// A straightforward float64 implementation of the `sparse_mla.fwd` contract
// (see docs/semantics.md), used as the ground truth for tests of compiled
// kernels.
//
// Inputs are bf16 (stored as raw uint16_t bit patterns) and int32 indices,
// addressed through arbitrary element strides. All arithmetic is float64 and
// numerically stable (the row maximum is subtracted before exponentiation).
// Invalid entries are never dereferenced.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_MLA_REFERENCE_H
#define SPARSE_MLA_REFERENCE_H

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sparse_mla {
namespace ref {

//===----------------------------------------------------------------------===//
// bf16 conversion
//===----------------------------------------------------------------------===//

/// Converts a float to bf16 bits, rounding to nearest with ties to even.
/// NaN stays NaN (sign kept, quiet bit set); values that round past the
/// largest finite bf16 become infinity.
uint16_t floatToBf16(float value);

/// Converts bf16 bits to the float of identical value (exact).
float bf16ToFloat(uint16_t bits);

//===----------------------------------------------------------------------===//
// Problem description
//===----------------------------------------------------------------------===//

/// Sizes of one `sparse_mla.fwd` call.
struct Shape {
  int64_t B;    ///< Batch.
  int64_t S;    ///< Query tokens per batch.
  int64_t Skv;  ///< Kv rows per batch.
  int64_t H;    ///< Query heads.
  int64_t G;    ///< Kv groups; H % G == 0.
  int64_t Dqk;  ///< Row width of q and kv (K is the whole kv row).
  int64_t Dv;   ///< Width of V (the first Dv columns of a kv row); Dv <= Dqk.
  int64_t topk; ///< Index entries per (b, s, g).
};

/// Attributes and the runtime scalar of one call.
struct Attrs {
  double smScale;   ///< Logit scale; finite and > 0.
  int64_t kvStride; ///< Query positions per kv row for the causal rule; >= 1.
  bool causal;      ///< Whether the causal rule applies.
  int32_t qStart;   ///< Global position of query token 0.
};

/// The default softmax scale, 1 / sqrt(dqk).
double defaultSmScale(int64_t dqk);

/// Returns nullptr if \p shape and \p attrs describe a valid call, else a
/// static message naming the first violated rule.
const char *validateShape(const Shape &shape, const Attrs &attrs);

//===----------------------------------------------------------------------===//
// Strided views
//===----------------------------------------------------------------------===//

/// Element strides of a rank-4 tensor (any sign, any value).
struct Strides4 {
  int64_t s[4];
};

/// Element strides of a rank-3 tensor.
struct Strides3 {
  int64_t s[3];
};

/// Row-major strides of a dense [d0, d1, d2, d3] tensor.
Strides4 contiguous4(int64_t d0, int64_t d1, int64_t d2, int64_t d3);

/// Row-major strides of a dense [d0, d1, d2] tensor.
Strides3 contiguous3(int64_t d0, int64_t d1, int64_t d2);

/// Element offset of (i0, i1, i2, i3) under \p st.
inline int64_t offset4(const Strides4 &st, int64_t i0, int64_t i1, int64_t i2,
                       int64_t i3) {
  return i0 * st.s[0] + i1 * st.s[1] + i2 * st.s[2] + i3 * st.s[3];
}

/// Element offset of (i0, i1, i2) under \p st.
inline int64_t offset3(const Strides3 &st, int64_t i0, int64_t i1, int64_t i2) {
  return i0 * st.s[0] + i1 * st.s[1] + i2 * st.s[2];
}

/// The operands: q [B,S,H,Dqk] bf16, kv [B,Skv,G,Dqk] bf16 and
/// indices [B,S,G,topk] int32, each with its own element strides.
struct Inputs {
  const uint16_t *q;
  Strides4 qStrides;
  const uint16_t *kv;
  Strides4 kvStrides;
  const int32_t *indices;
  Strides4 idxStrides;
  /// Optional attn_sink [H] f32 (element stride sinkStride): out is scaled
  /// by 1 / (1 + exp(attn_sink[h] - lse)).
  const float *attnSink = nullptr;
  int64_t sinkStride = 1;
  /// Optional topk_length [B, S] int32 (element strides lengthStrides):
  /// entry j of row (b, s, g) counts only if j < clamp(topk_length[b, s],
  /// 0, topk).
  const int32_t *topkLength = nullptr;
  int64_t lengthStrides[2] = {0, 1};
};

//===----------------------------------------------------------------------===//
// Validity rules
//===----------------------------------------------------------------------===//

/// The largest kv row visible to query token \p s under the causal rule:
/// floor((qStart + s + 1 - kvStride) / kvStride), computed in int64 with
/// floor (not truncating) division. Meaningful only if attrs.causal.
int64_t maxVisibleKv(const Attrs &attrs, int64_t s);

/// Whether index value \p idx of query token \p s is a valid entry:
/// 0 <= idx < Skv and, if causal, idx <= maxVisibleKv(attrs, s).
bool isValidEntry(const Shape &shape, const Attrs &attrs, int64_t s,
                  int64_t idx);

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

/// The float64 result of one (b, s, h) row.
struct RowResult {
  std::vector<double> out; ///< Dv values; all zero if numValid == 0.
  double lse;              ///< Natural-log sum-exp; +inf if numValid == 0.
  double maxLogit;         ///< Largest scaled logit; -inf if numValid == 0.
  int64_t numValid;        ///< Valid entries, duplicates counted each time.
  /// Per column d, sum_j p_j * |v_j[d]| over the valid entries (the weight
  /// of the bf16 rounding of P in the out bound); all zero if numValid == 0.
  /// computeRow always fills it; a row built by hand may leave it empty,
  /// which checkRow reads as zero.
  std::vector<double> absWeightedV;
};

/// How many leading entries of row (b, s) count: clamp(topk_length[b, s], 0,
/// topk), or topk without topk_length.
int64_t rowLength(const Shape &shape, const Inputs &inputs, int64_t b,
                  int64_t s);

/// The factor attn_sink applies to out for a row with log-sum-exp \p lse:
/// 1 / (1 + exp(sink - lse)); 1 for sink = -inf, 0 for sink = +inf.
double sinkFactor(double sink, double lse);

/// Computes row (b, s, h). Only kv rows of valid entries are read.
RowResult computeRow(const Shape &shape, const Attrs &attrs,
                     const Inputs &inputs, int64_t b, int64_t s, int64_t h);

/// Computes every row. \p out is a dense [B,S,H,Dv] buffer, \p lse a dense
/// [B,S,H] buffer and \p maxLogits a dense [B,S,H] buffer or nullptr.
void computeAll(const Shape &shape, const Attrs &attrs, const Inputs &inputs,
                double *out, double *lse, double *maxLogits);

//===----------------------------------------------------------------------===//
// Tolerance check (docs/semantics.md, "Numerics")
//===----------------------------------------------------------------------===//

/// Elementwise bound on out:
///   |got - ref| <= kOutAbsTol + kOutRelTol * |ref|
///                  + kOutPRoundTol * sum_j p_j * |v_j|
/// (outBound). The last term covers a kernel that rounds the weights p_j to
/// bf16 before the P.V product (relative error at most 2^-8 each); it
/// matters for rows with few valid keys whose values cancel, where |ref| is
/// small but the rounded terms are not.
constexpr double kOutAbsTol = 2e-3;
constexpr double kOutRelTol = 2e-2;
constexpr double kOutPRoundTol = 0.00390625; // 2^-8, the bf16 unit roundoff
/// Lower bound on the cosine similarity of an out row with its reference.
constexpr double kMinCosine = 0.9999;
/// Absolute bound on lse and max_logits errors.
constexpr double kStatAbsTol = 1e-3;

/// The out bound for one element: kOutAbsTol + kOutRelTol * |ref| +
/// kOutPRoundTol * absWeightedV, where \p absWeightedV is
/// RowResult::absWeightedV of that column.
inline double outBound(double ref, double absWeightedV) {
  return kOutAbsTol + kOutRelTol * std::fabs(ref) +
         kOutPRoundTol * absWeightedV;
}

/// Outcome of checkRow.
struct RowCheck {
  bool ok;
  double maxAbsErr;    ///< Largest finite |got - ref| over out.
  double cosine;       ///< Cosine similarity of the out rows.
  std::string message; ///< Empty if ok, else the first failure.
};

/// Checks one row of a kernel's results against \p ref. \p outRow holds Dv
/// values (already widened from bf16); each is held to outBound(ref.out[d],
/// ref.absWeightedV[d]) (0 for the last argument if absWeightedV is empty).
/// \p maxLogit may be nullptr to skip max_logits. NaN never passes;
/// infinities must match exactly. The cosine of two all-zero rows is 1; when
/// the reference row is all zero, only the elementwise bound applies to out.
RowCheck checkRow(const RowResult &ref, const float *outRow, float lse,
                  const float *maxLogit);

} // namespace ref
} // namespace sparse_mla

#endif // SPARSE_MLA_REFERENCE_H
