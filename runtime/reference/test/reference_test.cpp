//===- reference_test.cpp - Tests of the sparse_mla.fwd CPU reference -----===//
//
// Expected values are computed here by a separate, direct formula on tiny
// shapes whose inputs are exactly representable in bf16:
//   lse = log(sum_j exp(l_j)), out = sum_j exp(l_j - lse) * v_j.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

using namespace sparse_mla::ref;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int32_t kIntMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kIntMax = std::numeric_limits<int32_t>::max();
const uint16_t kBf16NaN = 0x7FC0;

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/// Converts a value that must be exact in bf16.
uint16_t exactBf16(float f) {
  uint16_t bits = floatToBf16(f);
  EXPECT_EQ(bf16ToFloat(bits), f) << "test value not exact in bf16";
  return bits;
}

/// Dense operands of one tiny problem. The kv buffer holds exactly
/// B * Skv * G * Dqk elements so that any read outside it is visible to
/// memory checkers.
struct Problem {
  Shape shape;
  Attrs attrs;
  std::vector<uint16_t> q;
  std::vector<uint16_t> kv;
  std::vector<int32_t> idx;

  Problem(const Shape &sh, const Attrs &at)
      : shape(sh), attrs(at),
        q(static_cast<size_t>(sh.B * sh.S * sh.H * sh.Dqk), 0),
        kv(static_cast<size_t>(sh.B * sh.Skv * sh.G * sh.Dqk), 0),
        idx(static_cast<size_t>(sh.B * sh.S * sh.G * sh.topk), -1) {}

  void setQ(int64_t b, int64_t s, int64_t h, std::initializer_list<float> v) {
    ASSERT_EQ(static_cast<int64_t>(v.size()), shape.Dqk);
    int64_t base = ((b * shape.S + s) * shape.H + h) * shape.Dqk;
    int64_t d = 0;
    for (float x : v)
      q[static_cast<size_t>(base + d++)] = exactBf16(x);
  }

  void setKv(int64_t b, int64_t t, int64_t g, std::initializer_list<float> v) {
    ASSERT_EQ(static_cast<int64_t>(v.size()), shape.Dqk);
    int64_t base = ((b * shape.Skv + t) * shape.G + g) * shape.Dqk;
    int64_t d = 0;
    for (float x : v)
      kv[static_cast<size_t>(base + d++)] = exactBf16(x);
  }

  void poisonKv(int64_t b, int64_t t, int64_t g) {
    int64_t base = ((b * shape.Skv + t) * shape.G + g) * shape.Dqk;
    for (int64_t d = 0; d < shape.Dqk; ++d)
      kv[static_cast<size_t>(base + d)] = kBf16NaN;
  }

  void setIdx(int64_t b, int64_t s, int64_t g, std::vector<int32_t> v) {
    ASSERT_EQ(static_cast<int64_t>(v.size()), shape.topk);
    int64_t base = ((b * shape.S + s) * shape.G + g) * shape.topk;
    for (size_t j = 0; j < v.size(); ++j)
      idx[static_cast<size_t>(base) + j] = v[j];
  }

  Inputs inputs() const {
    const Shape &sh = shape;
    return Inputs{q.data(),   contiguous4(sh.B, sh.S, sh.H, sh.Dqk),
                  kv.data(),  contiguous4(sh.B, sh.Skv, sh.G, sh.Dqk),
                  idx.data(), contiguous4(sh.B, sh.S, sh.G, sh.topk)};
  }

  RowResult row(int64_t b, int64_t s, int64_t h) const {
    return computeRow(shape, attrs, inputs(), b, s, h);
  }
};

struct Expected {
  std::vector<double> out;
  double lse;
  double maxLogit;
};

/// The direct formula (no max subtraction): fine for the small logits used.
Expected handSoftmax(const std::vector<double> &logits,
                     const std::vector<std::vector<double>> &values) {
  Expected e;
  double sum = 0.0;
  e.maxLogit = -kInf;
  for (double l : logits) {
    sum += std::exp(l);
    e.maxLogit = std::max(e.maxLogit, l);
  }
  e.lse = std::log(sum);
  e.out.assign(values.front().size(), 0.0);
  for (size_t j = 0; j < logits.size(); ++j)
    for (size_t d = 0; d < e.out.size(); ++d)
      e.out[d] += std::exp(logits[j] - e.lse) * values[j][d];
  return e;
}

void expectMatches(const RowResult &got, const Expected &want) {
  ASSERT_EQ(got.out.size(), want.out.size());
  for (size_t d = 0; d < want.out.size(); ++d)
    EXPECT_NEAR(got.out[d], want.out[d], 1e-12) << "out[" << d << "]";
  EXPECT_NEAR(got.lse, want.lse, 1e-12);
  EXPECT_NEAR(got.maxLogit, want.maxLogit, 1e-12);
}

void expectIdentical(const RowResult &a, const RowResult &b) {
  ASSERT_EQ(a.out.size(), b.out.size());
  for (size_t d = 0; d < a.out.size(); ++d)
    EXPECT_EQ(a.out[d], b.out[d]) << "out[" << d << "]";
  EXPECT_EQ(a.lse, b.lse);
  EXPECT_EQ(a.maxLogit, b.maxLogit);
  EXPECT_EQ(a.numValid, b.numValid);
}

void expectEmptyRow(const RowResult &r) {
  for (size_t d = 0; d < r.out.size(); ++d)
    EXPECT_EQ(r.out[d], 0.0) << "out[" << d << "]";
  ASSERT_EQ(r.absWeightedV.size(), r.out.size());
  for (size_t d = 0; d < r.absWeightedV.size(); ++d)
    EXPECT_EQ(r.absWeightedV[d], 0.0) << "absWeightedV[" << d << "]";
  EXPECT_EQ(r.lse, kInf);
  EXPECT_EQ(r.maxLogit, -kInf);
  EXPECT_EQ(r.numValid, 0);
}

/// B=1, S=1, H=1, G=1, Dqk=4, Dv=2, non-causal, sm_scale 0.5.
/// q = [1, 0.5, 0, 2]; dot products with kv rows 0..3 are 2, 1, 0, 3, so the
/// scaled logits are 1, 0.5, 0, 1.5; V rows are {1,2}, {0,0}, {-1,4}, {2,-2}.
/// Rows Skv-1 >= t >= 4 are NaN.
Problem makeBase(int64_t topk, int64_t skv = 4) {
  Problem p(Shape{1, 1, skv, 1, 1, 4, 2, topk}, Attrs{0.5, 1, false, 0});
  p.setQ(0, 0, 0, {1, 0.5f, 0, 2});
  p.setKv(0, 0, 0, {1, 2, 0, 0});
  p.setKv(0, 1, 0, {0, 0, 3, 0.5f});
  p.setKv(0, 2, 0, {-1, 4, 1, -0.5f});
  p.setKv(0, 3, 0, {2, -2, 0, 1});
  for (int64_t t = 4; t < skv; ++t)
    p.poisonKv(0, t, 0);
  return p;
}

const std::vector<double> kBaseLogits = {1.0, 0.5, 0.0, 1.5};
const std::vector<std::vector<double>> kBaseV = {
    {1, 2}, {0, 0}, {-1, 4}, {2, -2}};

Expected handBase(std::initializer_list<int> rows) {
  std::vector<double> logits;
  std::vector<std::vector<double>> values;
  for (int r : rows) {
    logits.push_back(kBaseLogits[static_cast<size_t>(r)]);
    values.push_back(kBaseV[static_cast<size_t>(r)]);
  }
  return handSoftmax(logits, values);
}

/// sum_j p_j * |v_j| of the given base rows: the softmax of |V|.
std::vector<double> handBaseAbsWeightedV(std::initializer_list<int> rows) {
  std::vector<double> logits;
  std::vector<std::vector<double>> values;
  for (int r : rows) {
    logits.push_back(kBaseLogits[static_cast<size_t>(r)]);
    std::vector<double> v = kBaseV[static_cast<size_t>(r)];
    for (double &x : v)
      x = std::fabs(x);
    values.push_back(v);
  }
  return handSoftmax(logits, values).out;
}

//===----------------------------------------------------------------------===//
// bf16
//===----------------------------------------------------------------------===//

TEST(Bf16, KnownBitPatterns) {
  EXPECT_EQ(floatToBf16(0.0f), 0x0000);
  EXPECT_EQ(floatToBf16(-0.0f), 0x8000);
  EXPECT_EQ(floatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBf16(-2.0f), 0xC000);
  EXPECT_EQ(floatToBf16(0.5f), 0x3F00);
  EXPECT_EQ(floatToBf16(3.0f), 0x4040);
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(floatToBf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xC000), -2.0f);
  EXPECT_EQ(bf16ToFloat(0x4049), 3.140625f);
  EXPECT_EQ(bf16ToFloat(0x0001), floatFromBits(0x00010000)); // Subnormal.
  EXPECT_EQ(bf16ToFloat(0xFF80), -std::numeric_limits<float>::infinity());
}

TEST(Bf16, RoundsToNearestEven) {
  // Exactly halfway between 0x3F80 (even) and 0x3F81: down to even.
  EXPECT_EQ(floatToBf16(floatFromBits(0x3F808000)), 0x3F80);
  // Exactly halfway between 0x3F81 and 0x3F82 (even): up to even.
  EXPECT_EQ(floatToBf16(floatFromBits(0x3F818000)), 0x3F82);
  // Just above and below halfway.
  EXPECT_EQ(floatToBf16(floatFromBits(0x3F808001)), 0x3F81);
  EXPECT_EQ(floatToBf16(floatFromBits(0x3F807FFF)), 0x3F80);
  // Negative values round by magnitude.
  EXPECT_EQ(floatToBf16(floatFromBits(0xBF818000)), 0xBF82);
  EXPECT_EQ(floatToBf16(floatFromBits(0xBF80C000)), 0xBF81);
  // Rounding carries into the exponent.
  EXPECT_EQ(floatToBf16(floatFromBits(0x3FFF8000)), 0x4000);
  // The largest float rounds to infinity; just below stays finite.
  EXPECT_EQ(floatToBf16(floatFromBits(0x7F7FFFFF)), 0x7F80);
  EXPECT_EQ(floatToBf16(floatFromBits(0x7F7F7FFF)), 0x7F7F);
  // pi = 0x40490FDB rounds down to 0x4049.
  EXPECT_EQ(floatToBf16(3.14159265f), 0x4049);
}

TEST(Bf16, NaNIsPreserved) {
  EXPECT_EQ(floatToBf16(floatFromBits(0x7FC00000)), 0x7FC0);
  EXPECT_EQ(floatToBf16(floatFromBits(0xFFC00000)), 0xFFC0);
  // A NaN whose payload lies only in the dropped bits must stay NaN (plain
  // truncation would give infinity; rounding would carry into the sign).
  for (uint32_t bits : {0x7F800001u, 0x7F80FFFFu, 0xFF800001u, 0x7FFFFFFFu}) {
    uint16_t h = floatToBf16(floatFromBits(bits));
    EXPECT_TRUE(std::isnan(bf16ToFloat(h))) << std::hex << bits;
    EXPECT_EQ(uint32_t(h) & 0x8000u, (bits >> 16) & 0x8000u)
        << std::hex << bits;
  }
}

TEST(Bf16, EveryNonNaNPatternRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float f = bf16ToFloat(static_cast<uint16_t>(bits));
    EXPECT_EQ(floatBits(f), bits << 16);
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToBf16(f), bits) << std::hex << bits;
  }
}

//===----------------------------------------------------------------------===//
// Validity rules
//===----------------------------------------------------------------------===//

TEST(MaxVisibleKv, StrideOne) {
  Attrs a{1.0, 1, true, 0};
  EXPECT_EQ(maxVisibleKv(a, 0), 0); // A token sees itself.
  EXPECT_EQ(maxVisibleKv(a, 7), 7);
  a.qStart = 10;
  EXPECT_EQ(maxVisibleKv(a, 3), 13);
  a.qStart = -3;
  EXPECT_EQ(maxVisibleKv(a, 0), -3);
  EXPECT_EQ(maxVisibleKv(a, 3), 0);
}

TEST(MaxVisibleKv, StrideTwoUsesFloorDivision) {
  Attrs a{1.0, 2, true, 0};
  // floor((s + 1 - 2) / 2): s = 0 gives floor(-1/2) = -1, not 0.
  EXPECT_EQ(maxVisibleKv(a, 0), -1);
  EXPECT_EQ(maxVisibleKv(a, 1), 0);
  EXPECT_EQ(maxVisibleKv(a, 2), 0);
  EXPECT_EQ(maxVisibleKv(a, 3), 1);
  EXPECT_EQ(maxVisibleKv(a, 4), 1);
  EXPECT_EQ(maxVisibleKv(a, 5), 2);
  a.qStart = 4;
  EXPECT_EQ(maxVisibleKv(a, 0), 1); // floor(3/2)
  EXPECT_EQ(maxVisibleKv(a, 1), 2); // floor(4/2)
  a.qStart = -4;
  EXPECT_EQ(maxVisibleKv(a, 0), -3); // floor(-5/2); truncation gives -2.
  EXPECT_EQ(maxVisibleKv(a, 1), -2); // floor(-4/2)
}

TEST(MaxVisibleKv, StrideFour) {
  Attrs a{1.0, 4, true, 0};
  EXPECT_EQ(maxVisibleKv(a, 0), -1); // floor(-3/4)
  EXPECT_EQ(maxVisibleKv(a, 2), -1); // floor(-1/4)
  EXPECT_EQ(maxVisibleKv(a, 3), 0);
  EXPECT_EQ(maxVisibleKv(a, 6), 0);
  EXPECT_EQ(maxVisibleKv(a, 7), 1);
}

TEST(MaxVisibleKv, ExtremeValuesUseInt64) {
  Attrs a{1.0, 1, true, kIntMax};
  EXPECT_EQ(maxVisibleKv(a, 10), int64_t(kIntMax) + 10);
  a.qStart = kIntMin;
  EXPECT_EQ(maxVisibleKv(a, 0), int64_t(kIntMin));
  a.qStart = 0;
  a.kvStride = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(maxVisibleKv(a, 0), -1);
  a.qStart = kIntMin;
  EXPECT_EQ(maxVisibleKv(a, 0), -2); // floor((INT_MIN + 1) / k) - 1
}

TEST(IsValidEntry, RangeRule) {
  Shape sh{1, 1, 8, 1, 1, 4, 2, 1};
  Attrs a{1.0, 1, false, 0};
  for (int64_t bad : {int64_t(-1), int64_t(kIntMin), int64_t(kIntMax),
                      int64_t(8), int64_t(9), int64_t(-8)})
    EXPECT_FALSE(isValidEntry(sh, a, 0, bad)) << bad;
  EXPECT_TRUE(isValidEntry(sh, a, 0, 0));
  EXPECT_TRUE(isValidEntry(sh, a, 0, 7)); // Non-causal: position ignored.
}

TEST(IsValidEntry, CausalRule) {
  Shape sh{1, 4, 8, 1, 1, 4, 2, 1};
  Attrs a{1.0, 1, true, 2};
  EXPECT_TRUE(isValidEntry(sh, a, 1, 3)); // q_pos 3 sees itself.
  EXPECT_FALSE(isValidEntry(sh, a, 1, 4));
  EXPECT_FALSE(isValidEntry(sh, a, 1, -1));
  EXPECT_FALSE(isValidEntry(sh, a, 3, 8)); // Visible bound 5, but >= Skv.
  a.qStart = 0;
  a.kvStride = 2;
  EXPECT_FALSE(isValidEntry(sh, a, 0, 0)); // Bound is -1.
  EXPECT_TRUE(isValidEntry(sh, a, 1, 0));
  EXPECT_FALSE(isValidEntry(sh, a, 2, 1));
  EXPECT_TRUE(isValidEntry(sh, a, 3, 1));
}

//===----------------------------------------------------------------------===//
// computeRow
//===----------------------------------------------------------------------===//

TEST(ComputeRow, MatchesHandComputation) {
  Problem p = makeBase(3);
  p.setIdx(0, 0, 0, {0, 1, 3});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.numValid, 3);
  expectMatches(r, handBase({0, 1, 3}));
  EXPECT_EQ(r.maxLogit, 1.5);
  // Written out: lse = ln(e + e^0.5 + e^1.5).
  double lse = std::log(std::exp(1.0) + std::exp(0.5) + std::exp(1.5));
  EXPECT_NEAR(r.lse, lse, 1e-12);
  EXPECT_NEAR(r.out[0], (std::exp(1.0) * 1 + std::exp(1.5) * 2) / std::exp(lse),
              1e-12);
  EXPECT_NEAR(r.out[1],
              (std::exp(1.0) * 2 + std::exp(1.5) * -2) / std::exp(lse), 1e-12);
}

/// Dqk == Dv: V is the whole row, the same as K. Dqk = Dv = 2, q = [1, 2],
/// kv rows {1, 0}, {0, 1}, {1, 1}, sm_scale 1: logits 1, 2, 3.
TEST(ComputeRow, DqkEqualsDvUsesTheWholeRowAsV) {
  Problem p(Shape{1, 1, 3, 1, 1, 2, 2, 3}, Attrs{1.0, 1, false, 0});
  p.setQ(0, 0, 0, {1, 2});
  p.setKv(0, 0, 0, {1, 0});
  p.setKv(0, 1, 0, {0, 1});
  p.setKv(0, 2, 0, {1, 1});
  p.setIdx(0, 0, 0, {0, 1, 2});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.numValid, 3);
  expectMatches(r, handSoftmax({1, 2, 3}, {{1, 0}, {0, 1}, {1, 1}}));
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(r.out[0], (std::exp(1.0) + std::exp(3.0)) / z, 1e-12);
  EXPECT_NEAR(r.out[1], (std::exp(2.0) + std::exp(3.0)) / z, 1e-12);
}

TEST(ComputeRow, TopkLengthCountsLeadingEntries) {
  Problem p = makeBase(4);
  p.setIdx(0, 0, 0, {0, 1, 3, 2});
  Inputs in = p.inputs();
  int32_t length = 2;
  in.topkLength = &length;
  in.lengthStrides[0] = 1;
  in.lengthStrides[1] = 1;
  auto row = [&] { return computeRow(p.shape, p.attrs, in, 0, 0, 0); };
  expectMatches(row(), handBase({0, 1}));
  EXPECT_EQ(row().numValid, 2);
  length = 4; // = topk: every entry
  expectMatches(row(), handBase({0, 1, 3, 2}));
  length = 100; // > topk: clamped to topk
  expectMatches(row(), handBase({0, 1, 3, 2}));
  for (int32_t empty : {0, -1, std::numeric_limits<int32_t>::min()}) {
    length = empty; // <= 0: no entry counts, the row is empty
    expectEmptyRow(row());
  }
}

TEST(ComputeRow, TopkLengthEntriesPastItAreNeverRead) {
  Problem p = makeBase(4, 6);
  // Entries past the length point at poisoned rows 4 and 5: a read would
  // turn out into NaN.
  p.setIdx(0, 0, 0, {0, 3, 4, 5});
  Inputs in = p.inputs();
  int32_t length = 2;
  in.topkLength = &length;
  RowResult r = computeRow(p.shape, p.attrs, in, 0, 0, 0);
  expectMatches(r, handBase({0, 3}));
}

TEST(ComputeRow, AttnSinkScalesOutOnly) {
  Problem p = makeBase(3);
  p.setIdx(0, 0, 0, {0, 1, 3});
  const RowResult plain = p.row(0, 0, 0);
  Inputs in = p.inputs();
  float sink = 0.75f;
  in.attnSink = &sink;
  RowResult r = computeRow(p.shape, p.attrs, in, 0, 0, 0);
  const double factor = 1.0 / (1.0 + std::exp(0.75 - plain.lse));
  EXPECT_EQ(r.lse, plain.lse);
  EXPECT_EQ(r.maxLogit, plain.maxLogit);
  for (size_t d = 0; d < r.out.size(); ++d) {
    EXPECT_NEAR(r.out[d], plain.out[d] * factor, 1e-15);
    EXPECT_NEAR(r.absWeightedV[d], plain.absWeightedV[d] * factor, 1e-15);
  }
  // -inf changes nothing; +inf gives out = 0.
  sink = -std::numeric_limits<float>::infinity();
  r = computeRow(p.shape, p.attrs, in, 0, 0, 0);
  for (size_t d = 0; d < r.out.size(); ++d)
    EXPECT_EQ(r.out[d], plain.out[d]);
  sink = std::numeric_limits<float>::infinity();
  r = computeRow(p.shape, p.attrs, in, 0, 0, 0);
  for (double v : r.out)
    EXPECT_EQ(v, 0.0);
  EXPECT_EQ(r.lse, plain.lse);
}

TEST(ComputeRow, AttnSinkKeepsAnEmptyRowEmpty) {
  Problem p = makeBase(2);
  p.setIdx(0, 0, 0, {-1, 7});
  Inputs in = p.inputs();
  for (float sink : {0.0f, -std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::infinity()}) {
    in.attnSink = &sink;
    expectEmptyRow(computeRow(p.shape, p.attrs, in, 0, 0, 0));
  }
}

TEST(ComputeRow, AbsWeightedVMatchesHandComputation) {
  Problem p = makeBase(4);
  p.setIdx(0, 0, 0, {0, 1, -1, 3}); // One invalid entry.
  RowResult r = p.row(0, 0, 0);
  std::vector<double> want = handBaseAbsWeightedV({0, 1, 3});
  ASSERT_EQ(r.absWeightedV.size(), 2u);
  for (size_t d = 0; d < 2; ++d)
    EXPECT_NEAR(r.absWeightedV[d], want[d], 1e-12) << "d = " << d;
  // Column 1 cancels in out (2 against -2) but not here.
  EXPECT_GT(r.absWeightedV[1], std::fabs(r.out[1]) + 1.0);
  // Never below |out| (the triangle inequality).
  for (size_t d = 0; d < 2; ++d)
    EXPECT_GE(r.absWeightedV[d], std::fabs(r.out[d]));
  // Duplicates count per entry, as in out.
  p.setIdx(0, 0, 0, {0, 0, 3, -1});
  r = p.row(0, 0, 0);
  want = handBaseAbsWeightedV({0, 0, 3});
  for (size_t d = 0; d < 2; ++d)
    EXPECT_NEAR(r.absWeightedV[d], want[d], 1e-12) << "d = " << d;
}

TEST(ComputeRow, EntryOrderDoesNotMatter) {
  Problem p = makeBase(4);
  p.setIdx(0, 0, 0, {3, 2, 0, 1});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.numValid, 4);
  expectMatches(r, handBase({0, 1, 2, 3}));
}

TEST(ComputeRow, UsesSmScale) {
  Problem p = makeBase(2);
  p.attrs.smScale = 0.125;
  p.setIdx(0, 0, 0, {0, 3});
  // Dots 2 and 3 scaled by 0.125.
  Expected e = handSoftmax({0.25, 0.375}, {{1, 2}, {2, -2}});
  expectMatches(p.row(0, 0, 0), e);
}

TEST(ComputeRow, DefaultSmScale) {
  EXPECT_EQ(defaultSmScale(4), 0.5);
  EXPECT_DOUBLE_EQ(defaultSmScale(576), 1.0 / 24.0);
  EXPECT_DOUBLE_EQ(defaultSmScale(192), 1.0 / std::sqrt(192.0));
}

TEST(ComputeRow, LseIsNaturalLog) {
  Problem p = makeBase(2, 5);
  p.setKv(0, 4, 0, {2, 0, 7, 0}); // Dot with q is 2, like row 0.
  p.attrs.smScale = 1.5;          // Both logits are x = 3.
  p.setIdx(0, 0, 0, {0, 4});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.maxLogit, 3.0);
  EXPECT_NEAR(r.lse, 3.0 + std::log(2.0), 1e-14);
  EXPECT_NEAR(r.out[0], 1.5, 1e-14); // Mean of {1,2} and {2,0}.
  EXPECT_NEAR(r.out[1], 1.0, 1e-14);
}

TEST(ComputeRow, SingleEntryIsExact) {
  Problem p = makeBase(1);
  p.setIdx(0, 0, 0, {3});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.out, (std::vector<double>{2, -2}));
  EXPECT_EQ(r.lse, 1.5);
  EXPECT_EQ(r.maxLogit, 1.5);
}

TEST(ComputeRow, DuplicatesCountPerEntry) {
  Problem p = makeBase(3);
  p.setIdx(0, 0, 0, {0, 0, 3});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.numValid, 3);
  expectMatches(r, handBase({0, 0, 3}));
  // Row 0 has twice its weight.
  double sum = 2 * std::exp(1.0) + std::exp(1.5);
  EXPECT_NEAR(r.lse, std::log(sum), 1e-12);
  EXPECT_NEAR(r.out[0], (2 * std::exp(1.0) * 1 + std::exp(1.5) * 2) / sum,
              1e-12);
  EXPECT_NEAR(r.out[1], (2 * std::exp(1.0) * 2 + std::exp(1.5) * -2) / sum,
              1e-12);
  // A deduplicated computation would differ.
  Problem dedup = makeBase(2);
  dedup.setIdx(0, 0, 0, {0, 3});
  EXPECT_GT(std::fabs(dedup.row(0, 0, 0).lse - r.lse), 0.1);

  // All entries equal: out is that V row, lse is logit + ln(topk).
  p.setIdx(0, 0, 0, {1, 1, 1});
  RowResult same = p.row(0, 0, 0);
  EXPECT_NEAR(same.lse, 0.5 + std::log(3.0), 1e-14);
  EXPECT_EQ(same.out, (std::vector<double>{0, 0}));
}

TEST(ComputeRow, NumericallyStableForLargeLogits) {
  Problem p(Shape{1, 1, 2, 1, 1, 4, 2, 2}, Attrs{1.0, 1, false, 0});
  p.setQ(0, 0, 0, {64, 0, 0, 0});
  p.setKv(0, 0, 0, {64, 1, 0, 0});     // Logit 4096.
  p.setKv(0, 1, 0, {63.5f, -1, 0, 0}); // Logit 4064.
  p.setIdx(0, 0, 0, {0, 1});
  RowResult r = p.row(0, 0, 0);
  EXPECT_EQ(r.maxLogit, 4096.0);
  EXPECT_NEAR(r.lse, 4096.0 + std::log1p(std::exp(-32.0)), 1e-9);
  double w1 = std::exp(-32.0) / (1 + std::exp(-32.0));
  EXPECT_NEAR(r.out[0], 64 * (1 - w1) + 63.5 * w1, 1e-12);
  EXPECT_NEAR(r.out[1], (1 - w1) - w1, 1e-12);

  // Very negative logits too: no underflow to an empty sum.
  p.setQ(0, 0, 0, {-64, 0, 0, 0});
  r = p.row(0, 0, 0);
  EXPECT_EQ(r.maxLogit, -4064.0);
  EXPECT_NEAR(r.lse, -4064.0 + std::log1p(std::exp(-32.0)), 1e-9);
  EXPECT_TRUE(std::isfinite(r.out[0]));
}

/// Each invalid kind, inserted among valid entries, changes nothing, and the
/// kv rows it names are never read (rows past the causal bound hold NaN; the
/// kv buffer ends at row Skv - 1).
TEST(ComputeRow, InvalidEntriesContributeNothing) {
  // Skv = 6; causal with q_start 3, so s = 0 sees rows 0..3; rows 4, 5 NaN.
  Problem ref = makeBase(3, 6);
  ref.attrs.causal = true;
  ref.attrs.qStart = 3;
  ref.setIdx(0, 0, 0, {0, 1, 3});
  RowResult want = ref.row(0, 0, 0);
  ASSERT_EQ(want.numValid, 3);
  expectMatches(want, handBase({0, 1, 3}));

  for (int32_t bad : {-1, kIntMin, kIntMax, 6, 7, 1000, -7, 4, 5}) {
    SCOPED_TRACE(bad);
    for (size_t pos = 0; pos < 4; ++pos) {
      SCOPED_TRACE(pos);
      Problem p = makeBase(4, 6);
      p.attrs = ref.attrs;
      std::vector<int32_t> entries = {0, 1, 3};
      entries.insert(entries.begin() + static_cast<long>(pos), bad);
      p.setIdx(0, 0, 0, entries);
      RowResult got = p.row(0, 0, 0);
      expectIdentical(got, want);
    }
  }
  // Non-causal, so only the range rule applies; the kv buffer ends right
  // after row Skv - 1 = 3.
  Problem refNc = makeBase(3);
  refNc.setIdx(0, 0, 0, {0, 1, 3});
  RowResult wantNc = refNc.row(0, 0, 0);
  for (int32_t bad : {-1, kIntMin, kIntMax, 4, 5, -4}) {
    SCOPED_TRACE(bad);
    Problem p = makeBase(4);
    p.setIdx(0, 0, 0, {0, 1, bad, 3});
    expectIdentical(p.row(0, 0, 0), wantNc);
  }

  // Only invalid entries: an empty row, with nothing read.
  Problem p = makeBase(4, 6);
  p.attrs = ref.attrs;
  p.setIdx(0, 0, 0, {-1, 4, 6, kIntMin});
  expectEmptyRow(p.row(0, 0, 0));
}

/// Same, with NaN guard rows right before and after the kv tensor, so an
/// out-of-range read near either end shows up as NaN even without a memory
/// checker.
TEST(ComputeRow, InvalidEntriesNeverReadGuardRows) {
  Problem p = makeBase(4);
  const int64_t guardRows = 4, dqk = p.shape.Dqk;
  std::vector<uint16_t> storage(
      static_cast<size_t>((guardRows * 2 + p.shape.Skv) * dqk), kBf16NaN);
  std::copy(p.kv.begin(), p.kv.end(),
            storage.begin() + static_cast<long>(guardRows * dqk));
  for (int32_t bad : {-1, -2, -4, 4, 5, 7}) {
    SCOPED_TRACE(bad);
    p.setIdx(0, 0, 0, {0, bad, 1, 3});
    Inputs in = p.inputs();
    in.kv = storage.data() + guardRows * dqk;
    RowResult r = computeRow(p.shape, p.attrs, in, 0, 0, 0);
    EXPECT_EQ(r.numValid, 3);
    expectMatches(r, handBase({0, 1, 3}));
  }
}

TEST(ComputeRow, NonCausalIgnoresPosition) {
  Problem p = makeBase(2);
  p.attrs.causal = false;
  p.attrs.qStart = -100;
  p.setIdx(0, 0, 0, {2, 3});
  expectMatches(p.row(0, 0, 0), handBase({2, 3}));
  p.attrs.causal = true; // Now nothing is visible.
  expectEmptyRow(p.row(0, 0, 0));
}

TEST(ComputeRow, CausalWithKvStrideTwo) {
  // S = 5 query tokens, all with the base q, all listing rows 0..3.
  Problem p(Shape{1, 5, 4, 1, 1, 4, 2, 4}, Attrs{0.5, 2, true, 0});
  Problem base = makeBase(4);
  for (int64_t s = 0; s < 5; ++s) {
    std::copy(base.q.begin(), base.q.end(),
              p.q.begin() + static_cast<long>(s * 4));
    p.setIdx(0, s, 0, {3, 2, 1, 0});
  }
  p.kv = base.kv;

  // q_start 0: bounds -1, 0, 0, 1, 1.
  expectEmptyRow(p.row(0, 0, 0));
  RowResult r1 = p.row(0, 1, 0);
  EXPECT_EQ(r1.numValid, 1);
  EXPECT_EQ(r1.out, (std::vector<double>{1, 2}));
  EXPECT_EQ(r1.lse, 1.0);
  expectIdentical(p.row(0, 2, 0), r1);
  expectMatches(p.row(0, 3, 0), handBase({0, 1}));
  EXPECT_EQ(p.row(0, 4, 0).numValid, 2);

  // q_start 4: bounds 1, 2, 2, 3, 3.
  p.attrs.qStart = 4;
  expectMatches(p.row(0, 0, 0), handBase({0, 1}));
  expectMatches(p.row(0, 1, 0), handBase({0, 1, 2}));
  expectMatches(p.row(0, 2, 0), handBase({0, 1, 2}));
  expectMatches(p.row(0, 3, 0), handBase({0, 1, 2, 3}));

  // q_start -3, stride 1: bounds -3, -2, -1, 0, 1.
  p.attrs.qStart = -3;
  p.attrs.kvStride = 1;
  for (int64_t s = 0; s < 3; ++s)
    expectEmptyRow(p.row(0, s, 0));
  expectMatches(p.row(0, 3, 0), handBase({0}));
  expectMatches(p.row(0, 4, 0), handBase({0, 1}));
}

TEST(ComputeRow, HeadsMapToGroupsByDivision) {
  // H = 4, G = 2: heads 0, 1 read group 0; heads 2, 3 read group 1.
  Problem p(Shape{1, 1, 3, 4, 2, 4, 2, 2}, Attrs{1.0, 1, false, 0});
  p.setQ(0, 0, 0, {1, 0, 0, 0});
  p.setQ(0, 0, 1, {0, 1, 0, 0});
  p.setQ(0, 0, 2, {0, 0, 1, 0});
  p.setQ(0, 0, 3, {0, 0, 0, 1});
  p.setKv(0, 0, 0, {1, 2, 3, 4});
  p.setKv(0, 1, 0, {0.5f, -1, 2, 0});
  p.poisonKv(0, 2, 0); // Not listed by group 0.
  p.setKv(0, 0, 1, {-1, 0.25f, 1, 2});
  p.poisonKv(0, 1, 1); // Not listed by group 1.
  p.setKv(0, 2, 1, {3, 1, -2, 0.5f});
  p.setIdx(0, 0, 0, {0, 1});
  p.setIdx(0, 0, 1, {2, 0});

  expectMatches(p.row(0, 0, 0), handSoftmax({1, 0.5}, {{1, 2}, {0.5, -1}}));
  expectMatches(p.row(0, 0, 1), handSoftmax({2, -1}, {{1, 2}, {0.5, -1}}));
  expectMatches(p.row(0, 0, 2), handSoftmax({-2, 1}, {{3, 1}, {-1, 0.25}}));
  expectMatches(p.row(0, 0, 3), handSoftmax({0.5, 2}, {{3, 1}, {-1, 0.25}}));
}

TEST(ComputeRow, EmptyRow) {
  Problem p = makeBase(3);
  std::fill(p.kv.begin(), p.kv.end(), kBf16NaN); // Nothing may be read.
  p.setIdx(0, 0, 0, {-1, -1, -1});
  expectEmptyRow(p.row(0, 0, 0));

  // computeAll zero-fills instead of leaving stale values.
  std::vector<double> out(2, 123.0), lse(1, 123.0), mx(1, 123.0);
  computeAll(p.shape, p.attrs, p.inputs(), out.data(), lse.data(), mx.data());
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.0}));
  EXPECT_FALSE(std::signbit(out[0]));
  EXPECT_EQ(lse[0], kInf);
  EXPECT_EQ(mx[0], -kInf);
}

//===----------------------------------------------------------------------===//
// computeAll and strided inputs
//===----------------------------------------------------------------------===//

/// B=2, S=3, Skv=5, H=4, G=2, Dqk=4, Dv=2, topk=3, causal with q_start 1,
/// deterministic values and a mix of valid and invalid indices.
Problem makeMixed() {
  Problem p(Shape{2, 3, 5, 4, 2, 4, 2, 3}, Attrs{0.5, 1, true, 1});
  for (size_t i = 0; i < p.q.size(); ++i)
    p.q[i] = exactBf16(static_cast<float>(int(i * 7 % 13) - 6) * 0.25f);
  for (size_t i = 0; i < p.kv.size(); ++i)
    p.kv[i] = exactBf16(static_cast<float>(int(i * 5 % 11) - 5) * 0.5f);
  const int32_t pool[] = {0, 4, -1, 2, 3, 1, 5, 2, 0, 3, kIntMax, 1};
  for (size_t i = 0; i < p.idx.size(); ++i)
    p.idx[i] = pool[(i * 5 + i / 7) % 12];
  p.setIdx(0, 0, 0, {-1, 4, kIntMax}); // Empty: s = 0 sees rows 0..1.
  p.setIdx(1, 2, 1, {0, 3, 2});        // Full: s = 2 sees rows 0..3.
  p.setIdx(1, 1, 0, {2, 2, 5});        // Duplicate plus out of range.
  return p;
}

TEST(ComputeAll, MatchesComputeRow) {
  Problem p = makeMixed();
  const Shape &sh = p.shape;
  size_t rows = static_cast<size_t>(sh.B * sh.S * sh.H);
  std::vector<double> out(rows * 2), lse(rows), mx(rows);
  computeAll(sh, p.attrs, p.inputs(), out.data(), lse.data(), mx.data());
  std::vector<double> out2(rows * 2), lse2(rows);
  computeAll(sh, p.attrs, p.inputs(), out2.data(), lse2.data(), nullptr);
  int64_t numEmpty = 0, numFull = 0;
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t s = 0; s < sh.S; ++s)
      for (int64_t h = 0; h < sh.H; ++h) {
        RowResult r = p.row(b, s, h);
        size_t i = static_cast<size_t>((b * sh.S + s) * sh.H + h);
        EXPECT_EQ(out[i * 2], r.out[0]);
        EXPECT_EQ(out[i * 2 + 1], r.out[1]);
        EXPECT_EQ(lse[i], r.lse);
        EXPECT_EQ(mx[i], r.maxLogit);
        EXPECT_EQ(out2[i * 2], r.out[0]);
        EXPECT_EQ(lse2[i], r.lse);
        numEmpty += r.numValid == 0;
        numFull += r.numValid == sh.topk;
      }
  // The data exercise both kinds of rows.
  EXPECT_GT(numEmpty, 0);
  EXPECT_GT(numFull, 0);
}

/// Copies the operands of \p p into buffers of the given sizes and strides
/// (padding holds NaN, or index 0 for indices, so reading it would show) and
/// checks that computeAll gives bit-identical results.
void expectLayoutMatches(const Problem &p, Strides4 qSt, int64_t qSize,
                         Strides4 kvSt, int64_t kvSize, Strides4 iSt,
                         int64_t iSize) {
  const Shape &sh = p.shape;
  size_t rows = static_cast<size_t>(sh.B * sh.S * sh.H);
  std::vector<double> want(rows * 2), wantLse(rows), wantMax(rows);
  computeAll(sh, p.attrs, p.inputs(), want.data(), wantLse.data(),
             wantMax.data());

  std::vector<uint16_t> q(static_cast<size_t>(qSize), kBf16NaN);
  std::vector<uint16_t> kv(static_cast<size_t>(kvSize), kBf16NaN);
  std::vector<int32_t> idx(static_cast<size_t>(iSize), 0);
  Inputs dense = p.inputs();
  for (int64_t b = 0; b < sh.B; ++b) {
    for (int64_t s = 0; s < sh.S; ++s) {
      for (int64_t h = 0; h < sh.H; ++h)
        for (int64_t d = 0; d < sh.Dqk; ++d)
          q[static_cast<size_t>(offset4(qSt, b, s, h, d))] =
              dense.q[offset4(dense.qStrides, b, s, h, d)];
      for (int64_t g = 0; g < sh.G; ++g)
        for (int64_t j = 0; j < sh.topk; ++j)
          idx[static_cast<size_t>(offset4(iSt, b, s, g, j))] =
              dense.indices[offset4(dense.idxStrides, b, s, g, j)];
    }
    for (int64_t t = 0; t < sh.Skv; ++t)
      for (int64_t g = 0; g < sh.G; ++g)
        for (int64_t d = 0; d < sh.Dqk; ++d)
          kv[static_cast<size_t>(offset4(kvSt, b, t, g, d))] =
              dense.kv[offset4(dense.kvStrides, b, t, g, d)];
  }

  Inputs strided{q.data(), qSt, kv.data(), kvSt, idx.data(), iSt};
  std::vector<double> got(rows * 2), gotLse(rows), gotMax(rows);
  computeAll(sh, p.attrs, strided, got.data(), gotLse.data(), gotMax.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(gotLse, wantLse);
  EXPECT_EQ(gotMax, wantMax);
}

TEST(ComputeAll, StridedInputsMatchContiguous) {
  Problem p = makeMixed();
  const Shape &sh = p.shape;
  // q as [S, B, H, Dqk + 2], kv as [G, Skv, B, Dqk + 3], indices as
  // [B, G, S, topk + 2]; the last dimension stays contiguous.
  const int64_t qPad = sh.Dqk + 2, kvPad = sh.Dqk + 3, iPad = sh.topk + 2;
  expectLayoutMatches(p, Strides4{{sh.H * qPad, sh.B * sh.H * qPad, qPad, 1}},
                      sh.S * sh.B * sh.H * qPad,
                      Strides4{{kvPad, sh.B * kvPad, sh.Skv * sh.B * kvPad, 1}},
                      sh.G * sh.Skv * sh.B * kvPad,
                      Strides4{{sh.G * sh.S * iPad, iPad, sh.S * iPad, 1}},
                      sh.B * sh.G * sh.S * iPad);
}

TEST(ComputeAll, InnerStridesAreHonoured) {
  Problem p = makeMixed();
  const Shape &sh = p.shape;
  // Dense layouts whose last dimension has stride 2 (q, indices) or 3 (kv).
  Strides4 q = contiguous4(sh.B, sh.S, sh.H, sh.Dqk * 2);
  q.s[3] = 2;
  Strides4 kv = contiguous4(sh.B, sh.Skv, sh.G, sh.Dqk * 3);
  kv.s[3] = 3;
  Strides4 idx = contiguous4(sh.B, sh.S, sh.G, sh.topk * 2);
  idx.s[3] = 2;
  expectLayoutMatches(p, q, sh.B * sh.S * sh.H * sh.Dqk * 2, kv,
                      sh.B * sh.Skv * sh.G * sh.Dqk * 3, idx,
                      sh.B * sh.S * sh.G * sh.topk * 2);
}

TEST(Strides, Contiguous) {
  Strides4 s4 = contiguous4(2, 3, 4, 5);
  EXPECT_EQ(s4.s[0], 60);
  EXPECT_EQ(s4.s[1], 20);
  EXPECT_EQ(s4.s[2], 5);
  EXPECT_EQ(s4.s[3], 1);
  Strides3 s3 = contiguous3(2, 3, 4);
  EXPECT_EQ(s3.s[0], 12);
  EXPECT_EQ(s3.s[1], 4);
  EXPECT_EQ(s3.s[2], 1);
  EXPECT_EQ(offset4(s4, 1, 2, 3, 4), 60 + 40 + 15 + 4);
  EXPECT_EQ(offset3(s3, 1, 2, 3), 12 + 8 + 3);
}

//===----------------------------------------------------------------------===//
// validateShape
//===----------------------------------------------------------------------===//

TEST(ValidateShape, AcceptsValidAndNamesEachProblem) {
  const Shape ok{2, 4, 16, 128, 1, 576, 512, 2048};
  const Attrs okA{defaultSmScale(576), 1, true, 0};
  EXPECT_EQ(validateShape(ok, okA), nullptr);
  EXPECT_EQ(
      validateShape(Shape{1, 1, 1, 4, 2, 4, 2, 1}, Attrs{1.0, 3, false, -5}),
      nullptr);

  auto expectRejected = [&](Shape sh, Attrs a, const char *needle) {
    const char *msg = validateShape(sh, a);
    ASSERT_NE(msg, nullptr) << needle;
    EXPECT_NE(std::strstr(msg, needle), nullptr) << msg;
  };
  Shape sh = ok;
  sh.H = 6;
  sh.G = 4;
  expectRejected(sh, okA, "H % G");
  sh = ok;
  sh.Dv = 577;
  expectRejected(sh, okA, "Dqk");
  sh.Dv = 600;
  expectRejected(sh, okA, "Dqk");
  // Dqk == Dv (K = V, the whole row) is a valid shape.
  sh.Dv = 576;
  EXPECT_EQ(validateShape(sh, okA), nullptr);
  Attrs a = okA;
  a.kvStride = 0;
  expectRejected(ok, a, "kv_stride");
  a.kvStride = -2;
  expectRejected(ok, a, "kv_stride");
  a = okA;
  for (double bad :
       {0.0, -1.0, kInf, -kInf, std::numeric_limits<double>::quiet_NaN()}) {
    a.smScale = bad;
    expectRejected(ok, a, "sm_scale");
  }
  const char *names[] = {"B", "S", "Skv", "H", "G", "Dqk", "Dv", "topk"};
  for (int field = 0; field < 8; ++field) {
    for (int64_t bad : {int64_t(0), int64_t(-1)}) {
      sh = ok;
      int64_t *dims[] = {&sh.B, &sh.S,   &sh.Skv, &sh.H,
                         &sh.G, &sh.Dqk, &sh.Dv,  &sh.topk};
      *dims[field] = bad;
      const char *msg = validateShape(sh, okA);
      ASSERT_NE(msg, nullptr) << names[field];
      EXPECT_EQ(std::strncmp(msg, names[field], std::strlen(names[field])), 0)
          << msg;
    }
  }
}

//===----------------------------------------------------------------------===//
// checkRow
//===----------------------------------------------------------------------===//

RowResult baseRow() {
  Problem p = makeBase(3);
  p.setIdx(0, 0, 0, {0, 1, 3});
  return p.row(0, 0, 0);
}

TEST(CheckRow, AcceptsReference) {
  RowResult ref = baseRow();
  std::vector<float> out = {static_cast<float>(ref.out[0]),
                            static_cast<float>(ref.out[1])};
  float mx = static_cast<float>(ref.maxLogit);
  RowCheck c = checkRow(ref, out.data(), static_cast<float>(ref.lse), &mx);
  EXPECT_TRUE(c.ok) << c.message;
  EXPECT_TRUE(c.message.empty());
  EXPECT_GT(c.cosine, 0.9999999);
  EXPECT_LT(c.maxAbsErr, 1e-6);

  // bf16-rounded out still passes.
  for (float &v : out)
    v = bf16ToFloat(floatToBf16(v));
  c = checkRow(ref, out.data(), static_cast<float>(ref.lse), nullptr);
  EXPECT_TRUE(c.ok) << c.message;
}

TEST(CheckRow, AcceptsEmptyRowWithMatchingInfinities) {
  RowResult ref{{0.0, 0.0}, kInf, -kInf, 0, {}};
  float out[2] = {0.0f, -0.0f};
  float mx = -std::numeric_limits<float>::infinity();
  RowCheck c = checkRow(ref, out, std::numeric_limits<float>::infinity(), &mx);
  EXPECT_TRUE(c.ok) << c.message;
  EXPECT_EQ(c.cosine, 1.0);
  EXPECT_EQ(c.maxAbsErr, 0.0);
}

TEST(CheckRow, RejectsPerturbedOut) {
  RowResult ref = baseRow();
  float lse = static_cast<float>(ref.lse);
  float out[2] = {static_cast<float>(ref.out[0]),
                  static_cast<float>(ref.out[1])};
  // Within 2e-3 + 2e-2 * |ref| + 2^-8 * sum_j p_j |v_j|: passes.
  const double bound = 2e-3 + 2e-2 * std::fabs(ref.out[1]) +
                       std::ldexp(ref.absWeightedV[1], -8);
  EXPECT_EQ(outBound(ref.out[1], ref.absWeightedV[1]), bound);
  float ok[2] = {out[0], out[1] + static_cast<float>(0.9 * bound)};
  EXPECT_TRUE(checkRow(ref, ok, lse, nullptr).ok);
  // Just past it: fails, naming the element.
  float bad[2] = {out[0], out[1] + static_cast<float>(1.1 * bound)};
  RowCheck c = checkRow(ref, bad, lse, nullptr);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("out[1]"), std::string::npos) << c.message;
  EXPECT_GT(c.maxAbsErr, 2e-3);
  // The first failing element is the one named.
  float both[2] = {out[0] + 1.0f, out[1] - 1.0f};
  c = checkRow(ref, both, lse, nullptr);
  EXPECT_NE(c.message.find("out[0]"), std::string::npos) << c.message;
}

/// Two valid keys of equal logits whose V columns cancel: out = {0, 0.5},
/// sum_j p_j |v_j| = {1, 0.5}. Dqk = 4, Dv = 2, q = 0 (every logit 0);
/// causal with q_start 1, so the third entry (row 2, large values) is
/// invalid and counts nowhere.
RowResult cancellingRow() {
  Problem p(Shape{1, 1, 3, 1, 1, 4, 2, 3}, Attrs{0.5, 1, true, 1});
  p.setQ(0, 0, 0, {0, 0, 0, 0});
  p.setKv(0, 0, 0, {1, 0.5f, 0, 0});
  p.setKv(0, 1, 0, {-1, 0.5f, 0, 0});
  p.setKv(0, 2, 0, {64, 64, 0, 0});
  p.setIdx(0, 0, 0, {0, 1, 2});
  return p.row(0, 0, 0);
}

TEST(CheckRow, PRoundingTermForCancellingValues) {
  RowResult ref = cancellingRow();
  ASSERT_EQ(ref.numValid, 2);
  EXPECT_EQ(ref.out, (std::vector<double>{0.0, 0.5}));
  EXPECT_EQ(ref.absWeightedV, (std::vector<double>{1.0, 0.5}));
  // Column 0: ref 0, bound 2e-3 + 2^-8 = 0.0059. What a kernel that rounds
  // P to bf16 may do here: weights 0.5 * (1 +- 2^-8) give out 2^-8 = 0.0039.
  const double bound = 2e-3 + 0.00390625;
  EXPECT_EQ(outBound(ref.out[0], ref.absWeightedV[0]), bound);
  const float lse = static_cast<float>(ref.lse);
  float out[2] = {0.005f, 0.5f};
  RowCheck c = checkRow(ref, out, lse, nullptr);
  EXPECT_TRUE(c.ok) << c.message;
  // The same error fails without the term (a row built without weights).
  RowResult noWeights = ref;
  noWeights.absWeightedV.clear();
  c = checkRow(noWeights, out, lse, nullptr);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("out[0]"), std::string::npos) << c.message;
  // Just past the bound, in either direction: fails, naming the bound.
  for (float sign : {1.0f, -1.0f}) {
    float past[2] = {sign * static_cast<float>(bound * 1.01), 0.5f};
    c = checkRow(ref, past, lse, nullptr);
    EXPECT_FALSE(c.ok) << "sign " << sign;
    EXPECT_NE(c.message.find("out[0]"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("> 0.0059"), std::string::npos) << c.message;
  }
  float inside[2] = {-static_cast<float>(bound * 0.99), 0.5f};
  EXPECT_TRUE(checkRow(ref, inside, lse, nullptr).ok);
}

TEST(CheckRow, PRoundingTermIsZeroWhereValuesAreZero) {
  // The valid rows' V column 0 is zero (row 2 has 64 there, but causal
  // with q_start 1 makes its entry invalid): the bound is 2e-3 alone.
  Problem p(Shape{1, 1, 3, 1, 1, 4, 2, 3}, Attrs{0.5, 1, true, 1});
  p.setQ(0, 0, 0, {0, 0, 1, 0});
  p.setKv(0, 0, 0, {0, 1, 1, 0});
  p.setKv(0, 1, 0, {0, -1, 0, 0});
  p.setKv(0, 2, 0, {64, 64, 0, 0});
  p.setIdx(0, 0, 0, {0, 1, 2});
  RowResult ref = p.row(0, 0, 0);
  ASSERT_EQ(ref.numValid, 2);
  EXPECT_EQ(ref.absWeightedV[0], 0.0);
  EXPECT_GT(ref.absWeightedV[1], 0.9);
  EXPECT_EQ(outBound(ref.out[0], ref.absWeightedV[0]), 2e-3);
  const float lse = static_cast<float>(ref.lse);
  const float v1 = static_cast<float>(ref.out[1]);
  float ok[2] = {1.9e-3f, v1};
  EXPECT_TRUE(checkRow(ref, ok, lse, nullptr).ok);
  float bad[2] = {2.1e-3f, v1};
  EXPECT_FALSE(checkRow(ref, bad, lse, nullptr).ok);

  // An empty row has no weights at all: its out must be within 2e-3 of 0.
  p.setIdx(0, 0, 0, {-1, 2, 3});
  RowResult empty = p.row(0, 0, 0);
  expectEmptyRow(empty);
  float tiny[2] = {1.9e-3f, -1.9e-3f};
  EXPECT_TRUE(checkRow(empty, tiny, std::numeric_limits<float>::infinity(),
                       nullptr)
                  .ok);
  float big[2] = {0.0f, 2.1e-3f};
  EXPECT_FALSE(checkRow(empty, big, std::numeric_limits<float>::infinity(),
                        nullptr)
                   .ok);
}

TEST(CheckRow, RejectsLowCosineWithinElementwiseBound) {
  RowResult ref{std::vector<double>(8, 1.0), 1.0, 1.0, 1, {}};
  float out[8];
  for (int i = 0; i < 8; ++i)
    out[i] = (i % 2) ? 1.015f : 0.985f; // |err| 0.015 <= 0.022 everywhere.
  RowCheck c = checkRow(ref, out, 1.0f, nullptr);
  EXPECT_FALSE(c.ok);
  EXPECT_NEAR(c.cosine, 1.0 / std::sqrt(1.0 + 0.015 * 0.015), 1e-6);
  EXPECT_NE(c.message.find("cosine"), std::string::npos) << c.message;
}

TEST(CheckRow, ZeroReferenceRow) {
  RowResult ref{{0.0, 0.0}, 2.0, 1.0, 2, {}};
  float tiny[2] = {1e-3f, 0.0f}; // Within the absolute bound.
  EXPECT_TRUE(checkRow(ref, tiny, 2.0f, nullptr).ok);
  float big[2] = {0.0f, 0.01f};
  RowCheck c = checkRow(ref, big, 2.0f, nullptr);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("out[1]"), std::string::npos) << c.message;
  // A zero result for a non-zero reference fails.
  RowResult nonZero{{1e-3, 0.0}, 2.0, 1.0, 1, {}};
  float zero[2] = {0.0f, 0.0f};
  c = checkRow(nonZero, zero, 2.0f, nullptr);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.cosine, 0.0);
}

TEST(CheckRow, RejectsNaN) {
  RowResult ref = baseRow();
  float out[2] = {static_cast<float>(ref.out[0]),
                  static_cast<float>(ref.out[1])};
  float lse = static_cast<float>(ref.lse);
  float mx = static_cast<float>(ref.maxLogit);
  const float nan = std::numeric_limits<float>::quiet_NaN();

  float nanOut[2] = {out[0], nan};
  RowCheck c = checkRow(ref, nanOut, lse, &mx);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("out[1]"), std::string::npos) << c.message;

  c = checkRow(ref, out, nan, &mx);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("lse"), std::string::npos) << c.message;

  c = checkRow(ref, out, lse, &nan);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("max_logits"), std::string::npos) << c.message;

  // A NaN reference passes nothing either.
  RowResult nanRef = ref;
  nanRef.lse = std::nan("");
  EXPECT_FALSE(checkRow(nanRef, out, nan, nullptr).ok);
  nanRef = ref;
  nanRef.out[0] = std::nan("");
  EXPECT_FALSE(checkRow(nanRef, nanOut, lse, nullptr).ok);
}

TEST(CheckRow, StatisticsTolerance) {
  RowResult ref = baseRow();
  float out[2] = {static_cast<float>(ref.out[0]),
                  static_cast<float>(ref.out[1])};
  float lse = static_cast<float>(ref.lse);
  float mx = static_cast<float>(ref.maxLogit);
  EXPECT_TRUE(checkRow(ref, out, lse + 5e-4f, &mx).ok);
  EXPECT_FALSE(checkRow(ref, out, lse + 2e-3f, &mx).ok);
  EXPECT_FALSE(checkRow(ref, out, lse - 2e-3f, &mx).ok);
  // log2 instead of ln is caught.
  EXPECT_FALSE(
      checkRow(ref, out, static_cast<float>(ref.lse / std::log(2.0)), &mx).ok);
  float mxOk = mx - 5e-4f, mxBad = mx + 2e-3f;
  EXPECT_TRUE(checkRow(ref, out, lse, &mxOk).ok);
  RowCheck c = checkRow(ref, out, lse, &mxBad);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("max_logits"), std::string::npos) << c.message;
  // nullptr skips max_logits.
  EXPECT_TRUE(checkRow(ref, out, lse, nullptr).ok);
}

TEST(CheckRow, RejectsMismatchedInfinities) {
  const float inf = std::numeric_limits<float>::infinity();
  RowResult empty{{0.0, 0.0}, kInf, -kInf, 0, {}};
  float zero[2] = {0.0f, 0.0f};
  float mxOk = -inf, mxWrongSign = inf, mxFinite = -3.0e38f;
  EXPECT_TRUE(checkRow(empty, zero, inf, &mxOk).ok);
  EXPECT_FALSE(checkRow(empty, zero, -inf, &mxOk).ok);
  EXPECT_FALSE(checkRow(empty, zero, 3.0e38f, &mxOk).ok);
  EXPECT_FALSE(checkRow(empty, zero, 0.0f, &mxOk).ok);
  EXPECT_FALSE(checkRow(empty, zero, inf, &mxWrongSign).ok);
  EXPECT_FALSE(checkRow(empty, zero, inf, &mxFinite).ok);

  RowResult ref = baseRow();
  float out[2] = {static_cast<float>(ref.out[0]),
                  static_cast<float>(ref.out[1])};
  float mx = static_cast<float>(ref.maxLogit);
  EXPECT_FALSE(checkRow(ref, out, inf, &mx).ok);
  EXPECT_FALSE(checkRow(ref, out, -inf, &mx).ok);
  EXPECT_FALSE(checkRow(ref, out, static_cast<float>(ref.lse), &mxOk).ok);
  float infOut[2] = {inf, out[1]};
  EXPECT_FALSE(checkRow(ref, infOut, static_cast<float>(ref.lse), &mx).ok);
}

} // namespace
