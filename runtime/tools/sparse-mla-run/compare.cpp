//===- compare.cpp - differential check of two kernels' outputs -----------===//
//
// --compare: a second package runs on the same inputs; every element of its
// outputs is compared with the first package's under the tolerance of
// SEMANTICS.md ("Numerics"), the second package in the place of the
// reference.
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
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

} // namespace

CompareResult compareOutputs(const Problem &p, const HostOutputs &a,
                             const HostOutputs &b, size_t maxReported) {
  CompareResult r;
  const auto &sh = p.shape;
  const int64_t rows = p.rows(), Dv = sh.Dv;
  r.rows = rows;
  r.outElements = rows * Dv;
  r.comparedMaxLogits = !a.maxLogits.empty() && !b.maxLogits.empty();

  std::mutex mu;
  std::vector<ComparePart> parts;
  parallelFor(rows, [&](int64_t begin, int64_t end) {
    ComparePart part;
    char buf[256];
    for (int64_t row = begin; row < end; ++row) {
      const int64_t bb = row / (sh.S * sh.H), s = (row / sh.H) % sh.S,
                    h = row % sh.H;
      auto report = [&](const char *tensor, int64_t column, double va,
                        double vb, const char *text) {
        if (part.first.size() >= maxReported)
          return;
        Mismatch m;
        m.tensor = tensor;
        m.b = bb;
        m.s = s;
        m.h = h;
        m.column = column;
        m.first = va;
        m.second = vb;
        m.message = text;
        part.first.push_back(std::move(m));
      };
      char pos[96];
      std::snprintf(pos, sizeof(pos), "b=%lld, s=%lld, h=%lld",
                    static_cast<long long>(bb), static_cast<long long>(s),
                    static_cast<long long>(h));

      //--- out: elementwise, then the row's cosine ------------------------//
      const uint16_t *oa = a.out.data() + row * Dv;
      const uint16_t *ob = b.out.data() + row * Dv;
      bool rowBad = false, rowNan = false;
      int listed = 0;
      double dot = 0, na2 = 0, nb2 = 0;
      for (int64_t d = 0; d < Dv; ++d) {
        const double va = ref::bf16ToFloat(oa[d]);
        const double vb = ref::bf16ToFloat(ob[d]);
        const double err = std::fabs(va - vb);
        const double tol = ref::kOutAbsTol + ref::kOutRelTol * std::fabs(vb);
        const bool nan = std::isnan(va) || std::isnan(vb);
        if (std::isfinite(err)) {
          part.maxAbs = std::max(part.maxAbs, err);
          part.maxRatio = std::max(part.maxRatio, err / tol);
        }
        if (nan) {
          ++part.outNan;
          rowNan = true;
        }
        // NaN and infinities fail: err is NaN or the bound is not met.
        if (nan || !std::isfinite(va) || !std::isfinite(vb) || !(err <= tol)) {
          ++part.outMismatches;
          rowBad = true;
          if (listed < kMaxOutPerRow) {
            ++listed;
            if (nan)
              std::snprintf(buf, sizeof(buf),
                            "out[%s, column %lld]: %.9g vs %.9g (NaN)", pos,
                            static_cast<long long>(d), va, vb);
            else if (!std::isfinite(va) || !std::isfinite(vb))
              std::snprintf(buf, sizeof(buf),
                            "out[%s, column %lld]: %.9g vs %.9g (infinite)",
                            pos, static_cast<long long>(d), va, vb);
            else
              std::snprintf(buf, sizeof(buf),
                            "out[%s, column %lld]: %.9g vs %.9g, |diff| %.3g > "
                            "%.3g",
                            pos, static_cast<long long>(d), va, vb, err, tol);
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
        part.cosNan = true;
      else
        part.minCos = std::min(part.minCos, cosine);
      if (!(cosine >= ref::kMinCosine)) {
        ++part.cosineFailures;
        rowBad = true;
        // A row with a NaN is already reported by its elements.
        if (!rowNan) {
          std::snprintf(buf, sizeof(buf),
                        "out[%s]: cosine similarity %.9f < %.6f", pos, cosine,
                        ref::kMinCosine);
          report("out", -1, cosine, std::numeric_limits<double>::quiet_NaN(),
                 buf);
        }
      }

      //--- lse, max_logits -------------------------------------------------//
      struct Stat {
        const char *name;
        const std::vector<float> &va, &vb;
        int64_t &count;
        double &maxErr;
        bool on;
      } stats[] = {{"lse", a.lse, b.lse, part.lseMismatches, part.maxLse, true},
                   {"max_logits", a.maxLogits, b.maxLogits,
                    part.maxLogitsMismatches, part.maxMl,
                    r.comparedMaxLogits}};
      for (Stat &st : stats) {
        if (!st.on)
          continue;
        const float va = st.va[static_cast<size_t>(row)];
        const float vb = st.vb[static_cast<size_t>(row)];
        if (statMatches(va, vb, st.maxErr))
          continue;
        ++st.count;
        rowBad = true;
        const double da = va, db = vb;
        if (std::isnan(va) || std::isnan(vb))
          std::snprintf(buf, sizeof(buf), "%s[%s]: %.9g vs %.9g (NaN)",
                        st.name, pos, da, db);
        else if (std::isinf(va) || std::isinf(vb))
          std::snprintf(buf, sizeof(buf),
                        "%s[%s]: %.9g vs %.9g (infinities must match)",
                        st.name, pos, da, db);
        else
          std::snprintf(buf, sizeof(buf), "%s[%s]: %.9g vs %.9g, |diff| %.3g "
                                          "> %.3g",
                        st.name, pos, da, db, std::fabs(da - db),
                        ref::kStatAbsTol);
        report(st.name, -1, da, db, buf);
      }
      if (rowBad)
        ++part.mismatchedRows;
    }
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
