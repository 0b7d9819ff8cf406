//===- reference.cpp - float64 CPU reference of sparse_mla.fwd ------------===//
//
// See reference.h and docs/semantics.md.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/reference.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <limits>

namespace sparse_mla {
namespace ref {

//===----------------------------------------------------------------------===//
// bf16 conversion
//===----------------------------------------------------------------------===//

uint16_t floatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value)) {
    // Truncating could clear every payload bit and produce infinity; set the
    // quiet bit so the result stays NaN.
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  uint32_t lsb = (bits >> 16) & 1u;
  uint32_t rounded = bits + 0x7FFFu + lsb;
  return static_cast<uint16_t>(rounded >> 16);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

//===----------------------------------------------------------------------===//
// Problem description
//===----------------------------------------------------------------------===//

double defaultSmScale(int64_t dqk) {
  return 1.0 / std::sqrt(static_cast<double>(dqk));
}

const char *validateShape(const Shape &shape, const Attrs &attrs) {
  if (shape.B <= 0)
    return "B must be positive";
  if (shape.S <= 0)
    return "S must be positive";
  if (shape.Skv <= 0)
    return "Skv must be positive";
  if (shape.H <= 0)
    return "H must be positive";
  if (shape.G <= 0)
    return "G must be positive";
  if (shape.Dqk <= 0)
    return "Dqk must be positive";
  if (shape.Dv <= 0)
    return "Dv must be positive";
  if (shape.topk <= 0)
    return "topk must be positive";
  if (shape.H % shape.G != 0)
    return "H % G != 0: query heads must be a multiple of kv groups";
  if (shape.Dqk < shape.Dv)
    return "Dqk < Dv: Dqk must be at least Dv (V is the first Dv columns of "
           "a kv row)";
  if (attrs.kvStride < 1)
    return "kv_stride < 1: kv_stride must be at least 1";
  if (!std::isfinite(attrs.smScale) || attrs.smScale <= 0.0)
    return "sm_scale must be finite and > 0";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Strided views
//===----------------------------------------------------------------------===//

Strides4 contiguous4(int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
  (void)d0;
  return Strides4{{d1 * d2 * d3, d2 * d3, d3, 1}};
}

Strides3 contiguous3(int64_t d0, int64_t d1, int64_t d2) {
  (void)d0;
  return Strides3{{d1 * d2, d2, 1}};
}

//===----------------------------------------------------------------------===//
// Validity rules
//===----------------------------------------------------------------------===//

/// Floor division for a positive divisor.
static int64_t floorDiv(int64_t num, int64_t den) {
  int64_t quot = num / den;
  if (num % den != 0 && num < 0)
    --quot;
  return quot;
}

int64_t maxVisibleKv(const Attrs &attrs, int64_t s) {
  int64_t qPos = static_cast<int64_t>(attrs.qStart) + s;
  // floor((qPos + 1 - k) / k) == floor((qPos + 1) / k) - 1, without the
  // overflow a huge kvStride could cause in the first form.
  return floorDiv(qPos + 1, attrs.kvStride) - 1;
}

bool isValidEntry(const Shape &shape, const Attrs &attrs, int64_t s,
                  int64_t idx) {
  if (idx < 0 || idx >= shape.Skv)
    return false;
  if (attrs.causal && idx > maxVisibleKv(attrs, s))
    return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

int64_t rowLength(const Shape &shape, const Inputs &inputs, int64_t b,
                  int64_t s) {
  if (!inputs.topkLength)
    return shape.topk;
  const int64_t raw = inputs.topkLength[b * inputs.lengthStrides[0] +
                                        s * inputs.lengthStrides[1]];
  return std::min(std::max(raw, int64_t(0)), shape.topk);
}

double sinkFactor(double sink, double lse) {
  if (sink == -std::numeric_limits<double>::infinity())
    return 1.0;
  if (sink == std::numeric_limits<double>::infinity())
    return 0.0;
  return 1.0 / (1.0 + std::exp(sink - lse));
}

RowResult computeRow(const Shape &shape, const Attrs &attrs,
                     const Inputs &inputs, int64_t b, int64_t s, int64_t h) {
  RowResult result;
  result.out.assign(static_cast<size_t>(shape.Dv), 0.0);
  result.absWeightedV.assign(static_cast<size_t>(shape.Dv), 0.0);
  result.lse = std::numeric_limits<double>::infinity();
  result.maxLogit = -std::numeric_limits<double>::infinity();
  result.numValid = 0;

  const int64_t g = h / (shape.H / shape.G);
  const uint16_t *qRow = inputs.q + offset4(inputs.qStrides, b, s, h, 0);
  const int64_t qStep = inputs.qStrides.s[3];
  const int64_t kvStep = inputs.kvStrides.s[3];

  // Pass 1: logits of the valid entries, in entry order.
  std::vector<double> logits;
  std::vector<int64_t> rows;
  logits.reserve(static_cast<size_t>(shape.topk));
  rows.reserve(static_cast<size_t>(shape.topk));
  // Entries past the row's length are never read.
  const int64_t length = rowLength(shape, inputs, b, s);
  for (int64_t j = 0; j < length; ++j) {
    int64_t idx = inputs.indices[offset4(inputs.idxStrides, b, s, g, j)];
    if (!isValidEntry(shape, attrs, s, idx))
      continue;
    const uint16_t *kvRow = inputs.kv + offset4(inputs.kvStrides, b, idx, g, 0);
    double dot = 0.0;
    for (int64_t d = 0; d < shape.Dqk; ++d)
      dot += static_cast<double>(bf16ToFloat(qRow[d * qStep])) *
             static_cast<double>(bf16ToFloat(kvRow[d * kvStep]));
    double logit = attrs.smScale * dot;
    logits.push_back(logit);
    rows.push_back(idx);
    if (logit > result.maxLogit)
      result.maxLogit = logit;
  }
  result.numValid = static_cast<int64_t>(logits.size());
  if (result.numValid == 0)
    return result;

  // Pass 2: stable softmax weights, the weighted sum of V and the weighted
  // sum of |V|.
  double sum = 0.0;
  for (size_t j = 0; j < logits.size(); ++j) {
    double w = std::exp(logits[j] - result.maxLogit);
    sum += w;
    const uint16_t *vRow =
        inputs.kv + offset4(inputs.kvStrides, b, rows[j], g, 0);
    for (int64_t d = 0; d < shape.Dv; ++d) {
      double v = static_cast<double>(bf16ToFloat(vRow[d * kvStep]));
      result.out[static_cast<size_t>(d)] += w * v;
      result.absWeightedV[static_cast<size_t>(d)] += w * std::fabs(v);
    }
  }
  for (double &v : result.out)
    v /= sum;
  for (double &v : result.absWeightedV)
    v /= sum;
  result.lse = result.maxLogit + std::log(sum);
  if (inputs.attnSink) {
    const double factor = sinkFactor(
        static_cast<double>(inputs.attnSink[h * inputs.sinkStride]),
        result.lse);
    for (double &v : result.out)
      v *= factor;
    for (double &v : result.absWeightedV)
      v *= factor;
  }
  return result;
}

void computeAll(const Shape &shape, const Attrs &attrs, const Inputs &inputs,
                double *out, double *lse, double *maxLogits) {
  for (int64_t b = 0; b < shape.B; ++b) {
    for (int64_t s = 0; s < shape.S; ++s) {
      for (int64_t h = 0; h < shape.H; ++h) {
        RowResult row = computeRow(shape, attrs, inputs, b, s, h);
        int64_t r = (b * shape.S + s) * shape.H + h;
        double *outRow = out + r * shape.Dv;
        for (int64_t d = 0; d < shape.Dv; ++d)
          outRow[d] = row.out[static_cast<size_t>(d)];
        lse[r] = row.lse;
        if (maxLogits)
          maxLogits[r] = row.maxLogit;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Tolerance check
//===----------------------------------------------------------------------===//

/// Checks one statistic (lse or max_logits). Returns an empty string if it
/// passes, else a message.
static std::string checkStat(const char *name, double ref, float got) {
  char buf[160];
  if (std::isnan(ref)) {
    std::snprintf(buf, sizeof(buf), "%s: reference is NaN", name);
    return buf;
  }
  if (std::isnan(got)) {
    std::snprintf(buf, sizeof(buf), "%s: got NaN, expected %.9g", name, ref);
    return buf;
  }
  if (std::isinf(ref) || std::isinf(got)) {
    if (static_cast<double>(got) == ref)
      return std::string();
    std::snprintf(buf, sizeof(buf),
                  "%s: got %.9g, expected %.9g (infinities must match)", name,
                  static_cast<double>(got), ref);
    return buf;
  }
  double err = std::fabs(static_cast<double>(got) - ref);
  if (err <= kStatAbsTol)
    return std::string();
  std::snprintf(buf, sizeof(buf),
                "%s: got %.9g, expected %.9g, |err| %.3g > %.3g", name,
                static_cast<double>(got), ref, err, kStatAbsTol);
  return buf;
}

RowCheck checkRow(const RowResult &ref, const float *outRow, float lse,
                  const float *maxLogit) {
  RowCheck check{true, 0.0, 1.0, std::string()};
  char buf[200];
  auto fail = [&](const std::string &message) {
    if (check.ok) {
      check.ok = false;
      check.message = message;
    }
  };

  double dot = 0.0, refNorm2 = 0.0, gotNorm2 = 0.0;
  bool anyNaN = false;
  for (size_t d = 0; d < ref.out.size(); ++d) {
    double r = ref.out[d];
    double g = static_cast<double>(outRow[d]);
    if (std::isnan(r) || std::isnan(g)) {
      anyNaN = true;
      std::snprintf(buf, sizeof(buf), "out[%zu]: got %.9g, expected %.9g (NaN)",
                    d, g, r);
      fail(buf);
      continue;
    }
    double err = std::fabs(g - r);
    double tol =
        outBound(r, d < ref.absWeightedV.size() ? ref.absWeightedV[d] : 0.0);
    if (std::isfinite(err) && err > check.maxAbsErr)
      check.maxAbsErr = err;
    if (!(err <= tol)) {
      std::snprintf(buf, sizeof(buf),
                    "out[%zu]: got %.9g, expected %.9g, |err| %.3g > %.3g", d,
                    g, r, err, tol);
      fail(buf);
    }
    dot += r * g;
    refNorm2 += r * r;
    gotNorm2 += g * g;
  }

  if (anyNaN) {
    check.cosine = std::numeric_limits<double>::quiet_NaN();
  } else if (refNorm2 == 0.0 && gotNorm2 == 0.0) {
    check.cosine = 1.0;
  } else if (refNorm2 == 0.0 || gotNorm2 == 0.0) {
    check.cosine = 0.0;
  } else {
    check.cosine = dot / (std::sqrt(refNorm2) * std::sqrt(gotNorm2));
  }
  // An all-zero reference row has no direction; the elementwise bound alone
  // decides it.
  if (!anyNaN && refNorm2 != 0.0 && !(check.cosine >= kMinCosine)) {
    std::snprintf(buf, sizeof(buf), "out: cosine similarity %.9f < %.6f",
                  check.cosine, kMinCosine);
    fail(buf);
  }

  std::string lseMsg = checkStat("lse", ref.lse, lse);
  if (!lseMsg.empty())
    fail(lseMsg);
  if (maxLogit) {
    std::string maxMsg = checkStat("max_logits", ref.maxLogit, *maxLogit);
    if (!maxMsg.empty())
      fail(maxMsg);
  }
  return check;
}

} // namespace ref
} // namespace sparse_mla
