//===- compare.cpp - differential check of two kernels' outputs -----------===//
//
// --compare: a second package runs on the same inputs; every element of its
// outputs is compared with the first package's under the tolerance of
// docs/semantics.md ("Numerics"), the second package in the place of the
// reference.
//
// The out bound of the contract is
//   |got - ref| <= 2e-3 + 2e-2 |ref| + 2^-8 sum_j p_j |v_j|.
// Its first two terms are applied as they always were, with the second
// package's value b in the place of ref: |a - b| <= 2e-3 + 2e-2 |b|. The
// last term stands for an error of a different kind: a kernel may round each
// weight p_j to bf16 before the P.V product, which moves its out by up to
// 2^-8 sum_j p_j |v_j|, and each of the two kernels may do so on its own, in
// opposite directions (one rounds a weight up, the other down, or only one
// of them rounds at all). So the comparison allows that term twice:
//   |a - b| <= 2e-3 + 2e-2 |b| + 2 * 2^-8 * sum_j p_j |v_j|,
// with sum_j p_j |v_j| computed in float64 from the inputs by the reference
// (RowResult::absWeightedV) -- neither output can stand in for it, since
// out = sum_j p_j v_j is small exactly where the values cancel. That sum is
// computed only for rows where it decides an element: an element within the
// first two terms passes whatever the sum, and one beyond the first two
// terms plus 2 * 2^-8 * max_t |kv[b, t, g, d]| (an upper bound of the sum,
// the weights summing to 1) fails whatever the sum.
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>

namespace smla_run {

namespace ref = sparse_mla::ref;

namespace {

std::string fmtInt(int64_t v) { return std::to_string(v); }

std::string fmtFloat(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string differs(const char *field, const std::string &second,
                    const std::string &first) {
  return std::string(field) + " = " + second + " here, " + first +
         " in the main package";
}

} // namespace

std::string sameOpError(const OpDescription &first,
                        const OpDescription &second) {
  struct IntField {
    const char *name;
    int64_t a, b;
  } ints[] = {{"H", first.H, second.H},
              {"G", first.G, second.G},
              {"Dqk", first.Dqk, second.Dqk},
              {"Dv", first.Dv, second.Dv},
              {"topk", first.topk, second.topk}};
  for (const IntField &f : ints)
    if (f.a != f.b)
      return differs(f.name, fmtInt(f.b), fmtInt(f.a));
  if (first.causal != second.causal)
    return differs("causal", second.causal ? "true" : "false",
                   first.causal ? "true" : "false");
  if (first.kvStride != second.kvStride)
    return differs("kv_stride", fmtInt(second.kvStride),
                   fmtInt(first.kvStride));
  auto has = [](bool b) { return b ? "yes" : "no"; };
  if (first.hasAttnSink != second.hasAttnSink)
    return differs("attn_sink", has(second.hasAttnSink),
                   has(first.hasAttnSink));
  if (first.hasTopkLength != second.hasTopkLength)
    return differs("topk_length", has(second.hasTopkLength),
                   has(first.hasTopkLength));
  const double a = first.smScale, b = second.smScale;
  if (!(std::fabs(a - b) <=
        static_cast<double>(FLT_EPSILON) * std::max(std::fabs(a), std::fabs(b))))
    return differs("sm_scale", fmtFloat(b), fmtFloat(a)) +
           " (beyond f32 rounding)";
  return std::string();
}

std::string staticSizesError(const OpDescription &d, int64_t B, int64_t S,
                             int64_t Skv) {
  struct Size {
    const char *name;
    int64_t fixed, run;
  } sizes[] = {{"B", d.B, B}, {"S", d.S, S}, {"Skv", d.Skv, Skv}};
  for (const Size &z : sizes)
    if (z.fixed >= 0 && z.fixed != z.run)
      return std::string("the package has static ") + z.name + " = " +
             fmtInt(z.fixed) + ", but the run uses " + z.name + " = " +
             fmtInt(z.run);
  return std::string();
}

namespace {

/// At most this many out elements of one row are listed among the first
/// mismatches, so that a row that differs everywhere leaves room for others.
constexpr int kMaxOutPerRow = 3;

/// Per-thread accumulators; each thread covers a contiguous, increasing
/// range of rows, so its mismatches are in order.
struct ComparePart {
  int64_t outMismatches = 0, outNan = 0, cosineFailures = 0,
          lseMismatches = 0, maxLogitsMismatches = 0, mismatchedRows = 0;
  double maxAbs = 0, maxRatio = 0, maxLse = 0, maxMl = 0, minCos = 1.0;
  bool cosNan = false;
  std::vector<Mismatch> first;
};

/// Compares one statistic (lse or max_logits). Returns true if it passes;
/// updates \p maxErr with a finite difference.
bool statMatches(float a, float b, double &maxErr) {
  if (std::isnan(a) || std::isnan(b))
    return false;
  if (std::isinf(a) || std::isinf(b))
    return a == b;
  const double err = std::fabs(static_cast<double>(a) - static_cast<double>(b));
  maxErr = std::max(maxErr, err);
  return err <= ref::kStatAbsTol;
}

/// Per (b, g) and column d, the largest |kv[b, t, g, d]| over all Skv rows,
/// computed on first use. The softmax weights of a row sum to 1, so this
/// bounds sum_j p_j * |v_j[d]| of every row of (b, g) from above.
class ColumnMaxAbsV {
public:
  ColumnMaxAbsV(const Problem &p, const HostInputs &in)
      : p_(p), in_(in),
        once_(new std::once_flag[static_cast<size_t>(p.shape.B * p.shape.G)]),
        max_(static_cast<size_t>(p.shape.B * p.shape.G * p.shape.Dv), 0.0f) {
  }

  const float *get(int64_t b, int64_t g) {
    const auto &sh = p_.shape;
    const int64_t bg = b * sh.G + g;
    float *m = max_.data() + bg * sh.Dv;
    std::call_once(once_[static_cast<size_t>(bg)], [&] {
      for (int64_t t = 0; t < sh.Skv; ++t) {
        const uint16_t *row =
            in_.kv.data() + ((b * sh.Skv + t) * sh.G + g) * sh.Dqk;
        for (int64_t d = 0; d < sh.Dv; ++d)
          m[d] = std::fmax(m[d], std::fabs(ref::bf16ToFloat(row[d])));
      }
    });
    return m;
  }

private:
  const Problem &p_;
  const HostInputs &in_;
  std::unique_ptr<std::once_flag[]> once_;
  std::vector<float> max_;
};

/// Compares the rows of one thread's range, into \p part.
class RowComparer {
public:
  RowComparer(const Problem &p, const HostInputs &in, const HostOutputs &a,
              const HostOutputs &b, bool compareMaxLogits,
              ColumnMaxAbsV &columnMax, size_t maxReported, ComparePart &part)
      : p_(p), a_(a), b_(b), compareMaxLogits_(compareMaxLogits),
        columnMax_(columnMax), maxReported_(maxReported), part_(part),
        refIn_(referenceInputs(p, in)) {}

  void compareRow(int64_t row) {
    const auto &sh = p_.shape;
    batch_ = row / (sh.S * sh.H);
    s_ = (row / sh.H) % sh.S;
    h_ = row % sh.H;
    std::snprintf(pos_, sizeof(pos_), "b=%lld, s=%lld, h=%lld",
                  static_cast<long long>(batch_), static_cast<long long>(s_),
                  static_cast<long long>(h_));
    bool rowBad = compareOut(row);
    rowBad = compareStats(row) || rowBad;
    if (rowBad)
      ++part_.mismatchedRows;
  }

private:
  void report(const char *tensor, int64_t column, double va, double vb,
              const char *text) {
    if (part_.first.size() >= maxReported_)
      return;
    Mismatch m;
    m.tensor = tensor;
    m.b = batch_;
    m.s = s_;
    m.h = h_;
    m.column = column;
    m.first = va;
    m.second = vb;
    m.message = text;
    part_.first.push_back(std::move(m));
  }

  /// The weights of the bf16 rounding of P for this row, when some element
  /// needs them (see compareOut); empty when none does.
  std::vector<double> pRoundingWeights(const uint16_t *oa, const uint16_t *ob) {
    const auto &sh = p_.shape;
    const float *colMax = columnMax_.get(batch_, h_ / (sh.H / sh.G));
    for (int64_t d = 0; d < sh.Dv; ++d) {
      const double va = ref::bf16ToFloat(oa[d]);
      const double vb = ref::bf16ToFloat(ob[d]);
      const double err = std::fabs(va - vb);
      const double base = ref::outBound(vb, 0.0);
      if (std::isfinite(err) && err > base &&
          err <= base + kComparePRoundTol * colMax[d])
        return ref::computeRow(sh, p_.attrs, refIn_, batch_, s_, h_)
            .absWeightedV;
    }
    return {};
  }

  /// out: elementwise, then the row's cosine. Returns whether the row fails.
  bool compareOut(int64_t row) {
    const auto &sh = p_.shape;
    const int64_t Dv = sh.Dv;
    const uint16_t *oa = a_.out.data() + row * Dv;
    const uint16_t *ob = b_.out.data() + row * Dv;
    // The float64 weights are computed only for a row with an element that
    // passes or fails depending on them: above the bound without the P term
    // but within the widest P term the row can have.
    const std::vector<double> weights = pRoundingWeights(oa, ob);
    const float *colMax = columnMax_.get(batch_, h_ / (sh.H / sh.G));
    char buf[256];
    bool rowBad = false, rowNan = false;
    int listed = 0;
    double dot = 0, na2 = 0, nb2 = 0;
    for (int64_t d = 0; d < Dv; ++d) {
      const double va = ref::bf16ToFloat(oa[d]);
      const double vb = ref::bf16ToFloat(ob[d]);
      const double err = std::fabs(va - vb);
      // The bound the element is judged by: with the row's own weights when
      // they were computed; else every element either meets the bound
      // without the P term or exceeds the widest one, which is shown.
      double tol = ref::outBound(vb, 0.0);
      if (!weights.empty())
        tol += kComparePRoundTol * weights[static_cast<size_t>(d)];
      else if (!(err <= tol))
        tol += kComparePRoundTol * colMax[d];
      const bool nan = std::isnan(va) || std::isnan(vb);
      if (std::isfinite(err)) {
        part_.maxAbs = std::max(part_.maxAbs, err);
        part_.maxRatio = std::max(part_.maxRatio, err / tol);
      }
      if (nan) {
        ++part_.outNan;
        rowNan = true;
      }
      // NaN and infinities fail: err is NaN or the bound is not met.
      if (nan || !std::isfinite(va) || !std::isfinite(vb) || !(err <= tol)) {
        ++part_.outMismatches;
        rowBad = true;
        if (listed < kMaxOutPerRow) {
          ++listed;
          if (nan)
            std::snprintf(buf, sizeof(buf),
                          "out[%s, column %lld]: %.9g vs %.9g (NaN)", pos_,
                          static_cast<long long>(d), va, vb);
          else if (!std::isfinite(va) || !std::isfinite(vb))
            std::snprintf(buf, sizeof(buf),
                          "out[%s, column %lld]: %.9g vs %.9g (infinite)",
                          pos_, static_cast<long long>(d), va, vb);
          else
            std::snprintf(buf, sizeof(buf),
                          "out[%s, column %lld]: %.9g vs %.9g, |diff| %.3g > "
                          "%.3g",
                          pos_, static_cast<long long>(d), va, vb, err, tol);
          report("out", d, va, vb, buf);
        }
      }
      dot += va * vb;
      na2 += va * va;
      nb2 += vb * vb;
    }
    double cosine;
    if (rowNan)
      cosine = std::numeric_limits<double>::quiet_NaN();
    else if (na2 == 0.0 && nb2 == 0.0)
      cosine = 1.0;
    else if (na2 == 0.0 || nb2 == 0.0)
      cosine = 0.0;
    else
      cosine = dot / (std::sqrt(na2) * std::sqrt(nb2));
    if (std::isnan(cosine))
      part_.cosNan = true;
    else
      part_.minCos = std::min(part_.minCos, cosine);
    if (!(cosine >= ref::kMinCosine)) {
      ++part_.cosineFailures;
      rowBad = true;
      // A row with a NaN is already reported by its elements.
      if (!rowNan) {
        std::snprintf(buf, sizeof(buf),
                      "out[%s]: cosine similarity %.9f < %.6f", pos_, cosine,
                      ref::kMinCosine);
        report("out", -1, cosine, std::numeric_limits<double>::quiet_NaN(),
               buf);
      }
    }
    return rowBad;
  }

  /// lse, max_logits. Returns whether either fails.
  bool compareStats(int64_t row) {
    struct Stat {
      const char *name;
      const std::vector<float> &va, &vb;
      int64_t &count;
      double &maxErr;
      bool on;
    } stats[] = {
        {"lse", a_.lse, b_.lse, part_.lseMismatches, part_.maxLse, true},
        {"max_logits", a_.maxLogits, b_.maxLogits, part_.maxLogitsMismatches,
         part_.maxMl, compareMaxLogits_}};
    char buf[256];
    bool bad = false;
    for (Stat &st : stats) {
      if (!st.on)
        continue;
      const float va = st.va[static_cast<size_t>(row)];
      const float vb = st.vb[static_cast<size_t>(row)];
      if (statMatches(va, vb, st.maxErr))
        continue;
      ++st.count;
      bad = true;
      const double da = va, db = vb;
      if (std::isnan(va) || std::isnan(vb))
        std::snprintf(buf, sizeof(buf), "%s[%s]: %.9g vs %.9g (NaN)", st.name,
                      pos_, da, db);
      else if (std::isinf(va) || std::isinf(vb))
        std::snprintf(buf, sizeof(buf),
                      "%s[%s]: %.9g vs %.9g (infinities must match)", st.name,
                      pos_, da, db);
      else
        std::snprintf(buf, sizeof(buf),
                      "%s[%s]: %.9g vs %.9g, |diff| %.3g > %.3g", st.name,
                      pos_, da, db, std::fabs(da - db), ref::kStatAbsTol);
      report(st.name, -1, da, db, buf);
    }
    return bad;
  }

  const Problem &p_;
  const HostOutputs &a_, &b_;
  const bool compareMaxLogits_;
  ColumnMaxAbsV &columnMax_;
  const size_t maxReported_;
  ComparePart &part_;
  ref::Inputs refIn_{};
  int64_t batch_ = 0, s_ = 0, h_ = 0;
  char pos_[96] = {};
};

} // namespace

CompareResult compareOutputs(const Problem &p, const HostInputs &in,
                             const HostOutputs &a, const HostOutputs &b,
                             size_t maxReported) {
  CompareResult r;
  const auto &sh = p.shape;
  const int64_t rows = p.rows();
  r.rows = rows;
  r.outElements = rows * sh.Dv;
  r.comparedMaxLogits = !a.maxLogits.empty() && !b.maxLogits.empty();

  ColumnMaxAbsV columnMax(p, in);
  std::mutex mu;
  std::vector<ComparePart> parts;
  parallelFor(rows, [&](int64_t begin, int64_t end) {
    ComparePart part;
    RowComparer comparer(p, in, a, b, r.comparedMaxLogits, columnMax,
                         maxReported, part);
    for (int64_t row = begin; row < end; ++row)
      comparer.compareRow(row);
    std::lock_guard<std::mutex> lock(mu);
    parts.push_back(std::move(part));
  });

  // Merge in row order: the parts cover disjoint increasing ranges.
  std::sort(parts.begin(), parts.end(),
            [&](const ComparePart &x, const ComparePart &y) {
              auto key = [&](const ComparePart &c) {
                return c.first.empty()
                           ? std::numeric_limits<int64_t>::max()
                           : (c.first[0].b * sh.S + c.first[0].s) * sh.H +
                                 c.first[0].h;
              };
              return key(x) < key(y);
            });
  bool cosNan = false;
  for (ComparePart &part : parts) {
    r.outMismatches += part.outMismatches;
    r.outNan += part.outNan;
    r.cosineFailures += part.cosineFailures;
    r.lseMismatches += part.lseMismatches;
    r.maxLogitsMismatches += part.maxLogitsMismatches;
    r.mismatchedRows += part.mismatchedRows;
    r.maxAbsErrOut = std::max(r.maxAbsErrOut, part.maxAbs);
    r.maxErrRatioOut = std::max(r.maxErrRatioOut, part.maxRatio);
    r.maxErrLse = std::max(r.maxErrLse, part.maxLse);
    r.maxErrMaxLogits = std::max(r.maxErrMaxLogits, part.maxMl);
    r.minCosine = std::min(r.minCosine, part.minCos);
    cosNan = cosNan || part.cosNan;
    for (Mismatch &m : part.first)
      if (r.firstMismatches.size() < maxReported)
        r.firstMismatches.push_back(std::move(m));
  }
  if (cosNan)
    r.minCosine = std::numeric_limits<double>::quiet_NaN();
  r.passed = r.mismatchedRows == 0;
  return r;
}

} // namespace smla_run
