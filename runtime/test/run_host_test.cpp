//===- run_host_test.cpp - sparse-mla-run's host side, without a GPU -------===//
//
// Index generators, determinism, the output scan / reference check (fed with
// outputs computed by the CPU reference, then corrupted), the dump files, and
// the differential check of --compare (two sets of outputs, one corrupted).
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include "sparse_mla/package.h"

#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cmath>
#include <limits>
#include <cstdio>
#include <cstring>
#include <set>
#include <unistd.h>

using namespace smla_run;
namespace ref = sparse_mla::ref;

namespace {

#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)            \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

Problem smallProblem(bool causal, int64_t kvStride, int32_t qStart,
                     int64_t topk = 64, int64_t Skv = 100) {
  Problem p;
  p.shape = {2, 12, Skv, 8, 2, 40, 32, topk};
  p.attrs = {1.0 / std::sqrt(40.0), kvStride, causal, qStart};
  p.hasMaxLogits = true;
  return p;
}

const int32_t *indexRow(const Problem &p, const HostInputs &in, int64_t b,
                        int64_t s, int64_t g) {
  return in.indices.data() +
         ((b * p.shape.S + s) * p.shape.G + g) * p.shape.topk;
}

TEST(Generators, UniformDistinctInRange) {
  Problem p = smallProblem(false, 1, 0);
  HostInputs in;
  generateInputs(p, Generator::Uniform, 3, in);
  ASSERT_EQ(in.indices.size(), static_cast<size_t>(p.idxElems()));
  for (int64_t r = 0; r < p.shape.B * p.shape.S * p.shape.G; ++r) {
    std::set<int32_t> seen;
    for (int64_t j = 0; j < p.shape.topk; ++j) {
      int32_t v = in.indices[static_cast<size_t>(r * p.shape.topk + j)];
      ASSERT_GE(v, 0);
      ASSERT_LT(v, p.shape.Skv);
      EXPECT_TRUE(seen.insert(v).second) << "duplicate " << v;
    }
  }
  // q and kv in [-1, 1], not all equal.
  float lo = 2, hi = -2;
  for (uint16_t v : in.q) {
    float f = ref::bf16ToFloat(v);
    lo = std::min(lo, f);
    hi = std::max(hi, f);
  }
  EXPECT_GE(lo, -1.0f);
  EXPECT_LE(hi, 1.0f);
  EXPECT_LT(lo, -0.9f);
  EXPECT_GT(hi, 0.9f);

  // topk > Skv: all Skv values, then -1.
  Problem small = smallProblem(false, 1, 0, 64, 20);
  generateInputs(small, Generator::Uniform, 3, in);
  const int32_t *row = indexRow(small, in, 1, 5, 1);
  std::set<int32_t> vals(row, row + 20);
  EXPECT_EQ(vals.size(), 20u);
  EXPECT_EQ(*vals.begin(), 0);
  EXPECT_EQ(*vals.rbegin(), 19);
  for (int j = 20; j < 64; ++j)
    EXPECT_EQ(row[j], -1);
}

TEST(Generators, SpikyScalesOnlyKOnlyColumnsOfSomeRows) {
  // Skv large enough for every scale to occur.
  Problem p = smallProblem(false, 1, 0, 64, 400);
  HostInputs plain, spiky;
  generateInputs(p, Generator::Uniform, 7, plain);
  generateInputs(p, Generator::Uniform, 7, spiky, Values::Spiky);
  EXPECT_EQ(plain.q, spiky.q);
  EXPECT_EQ(plain.indices, spiky.indices);
  const int64_t Dqk = p.shape.Dqk, Dv = p.shape.Dv;
  const int64_t rows = p.kvElems() / Dqk;
  std::set<double> scales;
  int64_t scaledRows = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double rowScale = 0;
    for (int64_t c = 0; c < Dqk; ++c) {
      size_t i = static_cast<size_t>(r * Dqk + c);
      float a = ref::bf16ToFloat(plain.kv[i]), b = ref::bf16ToFloat(spiky.kv[i]);
      if (c < Dv) {
        ASSERT_EQ(plain.kv[i], spiky.kv[i]) << "V changed: row " << r;
        continue;
      }
      if (a == 0)
        continue;
      double ratio = static_cast<double>(b) / a;
      if (rowScale == 0)
        rowScale = ratio;
      ASSERT_EQ(ratio, rowScale) << "row " << r << " column " << c;
    }
    if (rowScale != 1) {
      ++scaledRows;
      scales.insert(rowScale);
    }
  }
  EXPECT_EQ(scales, (std::set<double>{8, 32, 128, 512}));
  // About one row in eight.
  EXPECT_GT(scaledRows, rows / 16);
  EXPECT_LT(scaledRows, rows / 5);
  Values v;
  EXPECT_TRUE(parseValues("spiky", v));
  EXPECT_EQ(v, Values::Spiky);
  EXPECT_STREQ(valuesName(v), "spiky");
  EXPECT_FALSE(parseValues("large", v));
}

TEST(Generators, CausalRespectsMaxKv) {
  for (int64_t kvStride : {1, 2}) {
    for (int32_t qStart : {0, 30, 1000}) {
      Problem p = smallProblem(true, kvStride, qStart);
      HostInputs in;
      generateInputs(p, Generator::Causal, 4, in);
      for (int64_t s = 0; s < p.shape.S; ++s) {
        const int64_t maxKv = ref::maxVisibleKv(p.attrs, s);
        const int64_t visible =
            std::max<int64_t>(0, std::min<int64_t>(maxKv + 1, p.shape.Skv));
        const int32_t *row = indexRow(p, in, 0, s, 0);
        std::set<int32_t> seen;
        int64_t valid = 0;
        for (int64_t j = 0; j < p.shape.topk; ++j) {
          if (row[j] == -1)
            continue;
          ++valid;
          EXPECT_GE(row[j], 0);
          EXPECT_LE(row[j], maxKv);
          EXPECT_TRUE(seen.insert(row[j]).second);
        }
        EXPECT_EQ(valid, std::min(visible, p.shape.topk))
            << "s " << s << " kv_stride " << kvStride << " q_start "
            << qStart;
      }
    }
  }
}

TEST(Generators, SortedRowsKeepTheirKeys) {
  Problem p = smallProblem(true, 1, 40, 256, 120);
  HostInputs in, sorted;
  generateInputs(p, Generator::Adversarial, 6, in);
  sorted = in;
  sortIndexRows(p, sorted);
  bool anyMoved = false;
  for (int64_t r = 0; r < p.shape.B * p.shape.S * p.shape.G; ++r) {
    const int32_t *a = in.indices.data() + r * p.shape.topk;
    const int32_t *b = sorted.indices.data() + r * p.shape.topk;
    std::multiset<int32_t> before(a, a + p.shape.topk),
        after(b, b + p.shape.topk);
    EXPECT_EQ(before, after) << "row " << r;
    for (int64_t j = 1; j < p.shape.topk; ++j)
      ASSERT_LE(b[j - 1], b[j]) << "row " << r << " entry " << j;
    anyMoved |= !std::equal(a, a + p.shape.topk, b);
  }
  EXPECT_TRUE(anyMoved);
  EXPECT_EQ(in.q, sorted.q);
  EXPECT_EQ(in.kv, sorted.kv);
}

TEST(Generators, AlignedRowsShareThePreviousTokensPositions) {
  Problem p = smallProblem(true, 1, 40, 256, 120);
  p.shape.B = 3;
  p.shape.S = 5;
  p.shape.G = 2;
  for (Generator g : {Generator::Causal, Generator::Adversarial}) {
    HostInputs in, aligned;
    generateInputs(p, g, 8, in);
    aligned = in;
    alignIndexRows(p, aligned);
    const int64_t topk = p.shape.topk;
    auto rowOf = [&](const HostInputs &x, int64_t b, int64_t s, int64_t gr) {
      return x.indices.data() + ((b * p.shape.S + s) * p.shape.G + gr) * topk;
    };
    int64_t shared = 0, moved = 0;
    for (int64_t b = 0; b < p.shape.B; ++b)
      for (int64_t gr = 0; gr < p.shape.G; ++gr)
        for (int64_t s = 0; s < p.shape.S; ++s) {
          const int32_t *before = rowOf(in, b, s, gr);
          const int32_t *after = rowOf(aligned, b, s, gr);
          EXPECT_EQ(std::multiset<int32_t>(before, before + topk),
                    std::multiset<int32_t>(after, after + topk))
              << "b " << b << " s " << s << " g " << gr;
          if (s == 0) {
            EXPECT_TRUE(std::equal(before, before + topk, after));
            continue;
          }
          moved += !std::equal(before, before + topk, after);
          // Every entry the two rows share (as multisets) sits at one of
          // the previous row's positions of it.
          const int32_t *prev = rowOf(aligned, b, s - 1, gr);
          std::multiset<int32_t> mine(after, after + topk), common;
          for (int64_t j = 0; j < topk; ++j) {
            auto it = mine.find(prev[j]);
            if (it == mine.end())
              continue;
            mine.erase(it);
            common.insert(prev[j]);
          }
          int64_t same = 0;
          for (int64_t j = 0; j < topk; ++j)
            same += after[j] == prev[j];
          EXPECT_EQ(same, static_cast<int64_t>(common.size()))
              << "b " << b << " s " << s << " g " << gr;
          shared += same;
        }
    EXPECT_GT(shared, 0);
    EXPECT_GT(moved, 0);
    EXPECT_EQ(in.q, aligned.q);
    EXPECT_EQ(in.kv, aligned.kv);
  }
}

TEST(Generators, AdversarialMix) {
  Problem p = smallProblem(true, 1, 40, 256, 120);
  p.shape.B = 4;
  p.shape.S = 64;
  HostInputs in;
  generateInputs(p, Generator::Adversarial, 5, in);
  std::set<int32_t> kinds;
  int64_t allInvalidRows = 0, dupRows = 0, pastCausal = 0;
  const int64_t rows = p.shape.B * p.shape.S * p.shape.G;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t s = (r / p.shape.G) % p.shape.S;
    const int32_t *row = in.indices.data() + r * p.shape.topk;
    int64_t valid = 0;
    std::set<int32_t> seen;
    bool dup = false;
    for (int64_t j = 0; j < p.shape.topk; ++j) {
      const int32_t v = row[j];
      if (ref::isValidEntry(p.shape, p.attrs, s, v)) {
        ++valid;
        dup = dup || !seen.insert(v).second;
      } else {
        if (v == -1 || v == INT_MIN || v == INT_MAX || v == p.shape.Skv ||
            v == p.shape.Skv + 7)
          kinds.insert(v);
        if (v >= 0 && v < p.shape.Skv)
          ++pastCausal;
      }
    }
    allInvalidRows += valid == 0;
    dupRows += dup;
  }
  EXPECT_EQ(kinds.size(), 5u); // -1, INT_MIN, INT_MAX, Skv, Skv + 7
  EXPECT_GT(pastCausal, 0);
  EXPECT_GT(dupRows, rows / 2);
  // ~5% of rows entirely invalid (rows with s small are empty anyway).
  EXPECT_GE(allInvalidRows, 2);
  EXPECT_LE(allInvalidRows, rows / 5);
}

TEST(Generators, DeterministicAndSeeded) {
  Problem p = smallProblem(false, 1, 0);
  HostInputs a, b, c;
  generateInputs(p, Generator::Adversarial, 9, a);
  generateInputs(p, Generator::Adversarial, 9, b);
  generateInputs(p, Generator::Adversarial, 10, c);
  EXPECT_EQ(a.q, b.q);
  EXPECT_EQ(a.kv, b.kv);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_NE(a.q, c.q);
  EXPECT_NE(a.indices, c.indices);
  // Values depend on the element, not on how the work is split.
  EXPECT_EQ(hash3(1, 2, 3), hash3(1, 2, 3));
  EXPECT_NE(hash3(1, 2, 3), hash3(1, 2, 4));
}

/// Outputs computed by the CPU reference, rounded like a kernel's.
HostOutputs referenceOutputs(const Problem &p, const HostInputs &in) {
  const auto &sh = p.shape;
  const ref::Inputs ri = referenceInputs(p, in);
  std::vector<double> out(static_cast<size_t>(p.outElems())),
      lse(static_cast<size_t>(p.rows())), ml(static_cast<size_t>(p.rows()));
  ref::computeAll(sh, p.attrs, ri, out.data(), lse.data(), ml.data());
  HostOutputs o;
  for (double v : out)
    o.out.push_back(ref::floatToBf16(static_cast<float>(v)));
  for (double v : lse)
    o.lse.push_back(static_cast<float>(v));
  for (double v : ml)
    o.maxLogits.push_back(static_cast<float>(v));
  return o;
}

TEST(Check, ReferenceOutputsPass) {
  for (Generator g :
       {Generator::Uniform, Generator::Causal, Generator::Adversarial}) {
    // kv_stride 2, q_start 0: token 0 sees nothing, so empty rows occur.
    Problem p = smallProblem(g != Generator::Uniform, 2, 0);
    HostInputs in;
    generateInputs(p, g, 11, in);
    HostOutputs o = referenceOutputs(p, in);
    CheckResult c = checkOutputs(p, in, o, 1000, 11);
    EXPECT_TRUE(c.passed) << generatorName(g) << ": "
                          << (c.messages.empty() ? "" : c.messages[0]);
    EXPECT_EQ(c.positions, p.shape.B * p.shape.S);
    EXPECT_EQ(c.rowsChecked, p.rows());
    EXPECT_EQ(c.scanFailures, 0);
    if (g != Generator::Uniform) {
      EXPECT_GT(c.emptyRows, 0);
    }
  }
}

TEST(Generators, OptionalInputs) {
  Problem p = smallProblem(true, 1, 40);
  HostInputs in;
  generateOptionalInputs(p, SinkMode::Mixed, LengthMode::Uniform, 3, in);
  EXPECT_TRUE(in.attnSink.empty()); // the problem takes neither
  EXPECT_TRUE(in.topkLength.empty());
  p.hasAttnSink = p.hasTopkLength = true;
  generateOptionalInputs(p, SinkMode::Mixed, LengthMode::Uniform, 3, in);
  ASSERT_EQ(in.attnSink.size(), size_t(p.shape.H));
  ASSERT_EQ(in.topkLength.size(), size_t(p.shape.B * p.shape.S));
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t h = 0; h < p.shape.H; ++h) {
    const float v = in.attnSink[size_t(h)];
    if (h % 4 == 0)
      EXPECT_EQ(v, -inf);
    else if (h % 4 == 1)
      EXPECT_EQ(v, inf);
    else
      EXPECT_TRUE(v >= 0.0f && v <= 10.0f) << v;
  }
  EXPECT_EQ(in.topkLength[0], 0);
  EXPECT_EQ(in.topkLength[1], p.shape.topk);
  for (int32_t v : in.topkLength)
    EXPECT_TRUE(v >= 0 && v <= p.shape.topk) << v;
  // Arrays already there (read from a dump) are kept; fresh ones filled.
  const std::vector<int32_t> kept = in.topkLength;
  generateOptionalInputs(p, SinkMode::Inf, LengthMode::Full, 3, in);
  EXPECT_EQ(in.topkLength, kept);
  in.attnSink.clear();
  in.topkLength.clear();
  generateOptionalInputs(p, SinkMode::Inf, LengthMode::Wild, 3, in);
  for (float v : in.attnSink)
    EXPECT_EQ(v, inf);
  EXPECT_EQ(in.topkLength[0], -1);
  EXPECT_EQ(in.topkLength[2], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(in.topkLength[4], p.shape.topk + 1);
  EXPECT_EQ(in.topkLength[6], std::numeric_limits<int32_t>::max());
}

TEST(Check, SinkAndLengthAreHonoured) {
  Problem p = smallProblem(true, 1, 40);
  p.hasAttnSink = p.hasTopkLength = true;
  for (LengthMode lm : {LengthMode::Uniform, LengthMode::Wild}) {
    HostInputs in;
    generateInputs(p, Generator::Adversarial, 5, in);
    generateOptionalInputs(p, SinkMode::Mixed, lm, 5, in);
    HostOutputs o = referenceOutputs(p, in);
    CheckResult c = checkOutputs(p, in, o, 1000, 5);
    EXPECT_TRUE(c.passed) << (c.messages.empty() ? "" : c.messages[0]);
    // Rows of length 0 are empty, and an empty row keeps out = 0.
    EXPECT_GT(c.emptyRows, 0);
    // A kernel that ignored the sink, or the lengths, fails the check.
    HostInputs noSink = in, noLength = in;
    noSink.attnSink.clear();
    noLength.topkLength.clear();
    EXPECT_FALSE(checkOutputs(p, in, referenceOutputs(p, noSink), 1000, 5)
                     .passed);
    EXPECT_FALSE(
        checkOutputs(p, in, referenceOutputs(p, noLength), 1000, 5).passed);
  }
}

TEST(Check, ReferenceOutputsPassWithSpikyValues) {
  // Logits far apart: the reference's own outputs still pass its check
  // (no tolerance or overflow trouble in the checker itself).
  Problem p = smallProblem(true, 1, 40, 64, 400);
  HostInputs in;
  generateInputs(p, Generator::Causal, 13, in, Values::Spiky);
  HostOutputs o = referenceOutputs(p, in);
  CheckResult c = checkOutputs(p, in, o, 1000, 13);
  EXPECT_TRUE(c.passed) << (c.messages.empty() ? "" : c.messages[0]);
  EXPECT_EQ(c.rowsChecked, p.rows());
}

TEST(Check, SamplingPicksFirstAndLast) {
  Problem p = smallProblem(false, 1, 0);
  HostInputs in;
  generateInputs(p, Generator::Uniform, 2, in);
  HostOutputs o = referenceOutputs(p, in);
  // Corrupt only the very last row: a 2-position sample must still see it.
  o.lse.back() += 1.0f;
  CheckResult c = checkOutputs(p, in, o, 2, 2);
  EXPECT_EQ(c.positions, 2);
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.rowFailures, 1);
  ASSERT_FALSE(c.messages.empty());
  EXPECT_HAS(c.messages[0], "row [b=1, s=11, h=7]");
  EXPECT_HAS(c.messages[0], "lse: got");
}

TEST(Check, ScanFindsUnwrittenNanAndWrongInfinities) {
  Problem p = smallProblem(true, 2, 0);
  HostInputs in;
  generateInputs(p, Generator::Causal, 6, in);
  const HostOutputs good = referenceOutputs(p, in);
  const int64_t Dv = p.shape.Dv;
  const int64_t last = p.rows() - 1; // Has valid entries (s = 11).
  {
    HostOutputs o = good;
    o.out[static_cast<size_t>(last * Dv + 3)] = kOutPoison;
    CheckResult c = checkOutputs(p, in, o, 0, 1); // Scan only.
    EXPECT_FALSE(c.passed);
    EXPECT_EQ(c.unwrittenOut, 1);
    EXPECT_EQ(c.rowsChecked, 0);
    ASSERT_FALSE(c.messages.empty());
    EXPECT_HAS(c.messages[0], "out[b=1, s=11, h=7]: 1 never written");
  }
  {
    HostOutputs o = good;
    o.out[5] = 0x7FC0; // A computed NaN.
    uint32_t poison = kStatPoison;
    std::memcpy(&o.maxLogits[7], &poison, 4);
    CheckResult c = checkOutputs(p, in, o, 0, 1);
    EXPECT_EQ(c.nanOut, 1);
    EXPECT_EQ(c.badMaxLogits, 1);
    EXPECT_HAS(c.messages[1], "max_logits[b=0, s=0, h=7]");
    EXPECT_HAS(c.messages[1], "never written (poison)");
  }
  {
    // Token 0 sees no kv row (kv_stride 2, q_start 0): give one of its rows
    // a finite lse and a nonzero out.
    std::vector<int32_t> counts = validCounts(p, in);
    int64_t emptyRow = -1;
    for (int64_t r = 0; r < p.rows() && emptyRow < 0; ++r) {
      const int64_t bs = r / p.shape.H, h = r % p.shape.H;
      if (counts[static_cast<size_t>(bs * p.shape.G +
                                     h / (p.shape.H / p.shape.G))] == 0)
        emptyRow = r;
    }
    ASSERT_GE(emptyRow, 0);
    HostOutputs o = good;
    o.lse[static_cast<size_t>(emptyRow)] = 1.0f;
    o.out[static_cast<size_t>(emptyRow * Dv)] = ref::floatToBf16(0.5f);
    CheckResult c = checkOutputs(p, in, o, 0, 1);
    EXPECT_EQ(c.badLse, 1);
    EXPECT_EQ(c.nonzeroEmptyRows, 1);
    EXPECT_HAS(c.messages[0], "not +inf for a row with no valid entry");
  }
  {
    HostOutputs o = good;
    o.lse[static_cast<size_t>(last)] = INFINITY;
    CheckResult c = checkOutputs(p, in, o, 0, 1);
    EXPECT_EQ(c.badLse, 1);
    EXPECT_HAS(c.messages[0], "not finite for a row with valid entries");
  }
}

TEST(Files, DumpAndLoadRoundTripWithSinkAndLength) {
  char dir[] = "/tmp/smla_run_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Problem p = smallProblem(true, 1, 17);
  p.hasAttnSink = p.hasTopkLength = true;
  HostInputs in;
  generateInputs(p, Generator::Adversarial, 12, in);
  generateOptionalInputs(p, SinkMode::Mixed, LengthMode::Wild, 12, in);
  dumpFiles(dir, p, in, nullptr, "adversarial", 12);

  Problem q = p;
  q.shape.B = q.shape.S = q.shape.Skv = 0;
  HostInputs back;
  int32_t qStart = 0;
  std::vector<std::string> notes;
  loadInputs(dir, q, back, qStart, notes);
  EXPECT_EQ(back.attnSink.size(), in.attnSink.size());
  for (size_t h = 0; h < in.attnSink.size(); ++h) // -inf / +inf kept
    EXPECT_EQ(back.attnSink[h], in.attnSink[h]);
  EXPECT_EQ(back.topkLength, in.topkLength);
  EXPECT_TRUE(notes.empty());
  // Reading them back, nothing is regenerated.
  HostInputs again = back;
  generateOptionalInputs(q, SinkMode::Uniform, LengthMode::Full, 99, again);
  EXPECT_EQ(again.topkLength, in.topkLength);

  // A package that takes them, a dump without them: noted, then generated.
  char plainDir[] = "/tmp/smla_run_test_XXXXXX";
  ASSERT_NE(mkdtemp(plainDir), nullptr);
  HostInputs plain;
  generateInputs(p, Generator::Uniform, 3, plain);
  dumpFiles(plainDir, p, plain, nullptr, "uniform", 3);
  HostInputs back2;
  std::vector<std::string> notes2;
  loadInputs(plainDir, q, back2, qStart, notes2);
  EXPECT_TRUE(back2.attnSink.empty());
  ASSERT_EQ(notes2.size(), 2u);
  EXPECT_HAS(notes2[0], "the dump has no attn_sink; it is generated");
}

TEST(Files, DumpAndLoadRoundTrip) {
  char dir[] = "/tmp/smla_run_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Problem p = smallProblem(true, 2, 17);
  HostInputs in;
  generateInputs(p, Generator::Adversarial, 12, in);
  HostOutputs o = referenceOutputs(p, in);
  dumpFiles(dir, p, in, &o, "adversarial", 12);

  Problem q = smallProblem(true, 2, 0);
  q.shape.B = q.shape.S = q.shape.Skv = 0;
  HostInputs back;
  int32_t qStart = 0;
  std::vector<std::string> notes;
  loadInputs(dir, q, back, qStart, notes);
  EXPECT_EQ(qStart, 17);
  EXPECT_EQ(q.shape.B, p.shape.B);
  EXPECT_EQ(q.shape.S, p.shape.S);
  EXPECT_EQ(q.shape.Skv, p.shape.Skv);
  EXPECT_EQ(back.q, in.q);
  EXPECT_EQ(back.kv, in.kv);
  EXPECT_EQ(back.indices, in.indices);
  EXPECT_TRUE(notes.empty());

  std::vector<uint8_t> meta;
  std::string err;
  ASSERT_TRUE(sparse_mla::pkg::readFileBytes(std::string(dir) + "/meta.json",
                                             meta, err));
  std::string text(meta.begin(), meta.end());
  EXPECT_HAS(text, "\"shape\": [2, 12, 8, 32]");
  EXPECT_HAS(text, "\"max_logits\"");
  EXPECT_HAS(text, "\"kv_stride\": 2");

  // A package with other head sizes is refused, naming the dimension.
  Problem other = q;
  other.shape.H = 16;
  try {
    loadInputs(dir, other, back, qStart, notes);
    ADD_FAILURE() << "accepted H = 16";
  } catch (const RunError &e) {
    EXPECT_HAS(e.what(), "q dimension 2 (H) is 8, expected 16 (the package)");
  }
  // Different attributes are noted, not refused.
  Problem nc = q;
  nc.attrs.causal = false;
  notes.clear();
  loadInputs(dir, nc, back, qStart, notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_HAS(notes[0], "causal = true");

  // A truncated file is refused with the sizes.
  {
    FILE *f = std::fopen((std::string(dir) + "/kv.bin").c_str(), "wb");
    std::fputs("short", f);
    std::fclose(f);
  }
  try {
    loadInputs(dir, q, back, qStart, notes);
    ADD_FAILURE() << "accepted a short kv.bin";
  } catch (const RunError &e) {
    EXPECT_HAS(e.what(), "kv.bin: 5 bytes, expected");
  }
  for (const char *f : {"q.bin", "kv.bin", "indices.bin", "out.bin", "lse.bin",
                        "max_logits.bin", "meta.json"})
    std::remove((std::string(dir) + "/" + f).c_str());
  rmdir(dir);
}

//===----------------------------------------------------------------------===//
// Differential check (--compare)
//===----------------------------------------------------------------------===//

/// Two identical sets of kernel-like outputs for a small problem, and its
/// inputs.
struct ComparePair {
  Problem p;
  HostInputs in;
  HostOutputs a, b;
};

ComparePair comparePair(Generator g = Generator::Uniform) {
  ComparePair c;
  c.p = smallProblem(g != Generator::Uniform, 2, 0);
  generateInputs(c.p, g, 21, c.in);
  c.a = referenceOutputs(c.p, c.in);
  c.b = c.a;
  return c;
}

/// Sets column \p col of every kv row of batch \p b to zero, so that no row
/// of that batch has a P rounding term in that column.
void zeroKvColumn(ComparePair &c, int64_t b, int64_t col) {
  const auto &sh = c.p.shape;
  for (int64_t t = 0; t < sh.Skv; ++t)
    for (int64_t g = 0; g < sh.G; ++g)
      c.in.kv[static_cast<size_t>(((b * sh.Skv + t) * sh.G + g) * sh.Dqk +
                                  col)] = 0;
}

size_t outIndex(const Problem &p, int64_t b, int64_t s, int64_t h,
                int64_t col) {
  return static_cast<size_t>(((b * p.shape.S + s) * p.shape.H + h) *
                                 p.shape.Dv +
                             col);
}

size_t rowIndex(const Problem &p, int64_t b, int64_t s, int64_t h) {
  return static_cast<size_t>((b * p.shape.S + s) * p.shape.H + h);
}

TEST(Compare, IdenticalOutputsPass) {
  for (Generator g : {Generator::Uniform, Generator::Adversarial}) {
    ComparePair c = comparePair(g);
    CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
    EXPECT_TRUE(r.passed) << generatorName(g);
    EXPECT_EQ(r.rows, c.p.rows());
    EXPECT_EQ(r.outElements, c.p.outElems());
    EXPECT_TRUE(r.comparedMaxLogits);
    EXPECT_EQ(r.outMismatches, 0);
    EXPECT_EQ(r.cosineFailures, 0);
    EXPECT_EQ(r.lseMismatches, 0);
    EXPECT_EQ(r.maxLogitsMismatches, 0);
    EXPECT_EQ(r.mismatchedRows, 0);
    EXPECT_EQ(r.maxAbsErrOut, 0.0);
    EXPECT_EQ(r.maxErrLse, 0.0);
    EXPECT_NEAR(r.minCosine, 1.0, 1e-12);
    EXPECT_TRUE(r.firstMismatches.empty());
  }
}

TEST(Compare, ElementJustOutsideToleranceFailsAndIsNamed) {
  ComparePair c = comparePair();
  // |a - b| <= 2e-3 + 2e-2 * |b| + 2^-7 * sum_j p_j |v_j|, b the second
  // package. Columns 4 and 5 of every kv row are zero, so the last term is 0
  // there. bf16 values around 2e-3 are 0.0019989014 and 0.0020141602.
  zeroKvColumn(c, 0, 4);
  zeroKvColumn(c, 1, 5);
  const float inside = ref::bf16ToFloat(0x3B03);  // 1.0234375 * 2^-9
  const float outside = ref::bf16ToFloat(0x3B04); // 1.03125 * 2^-9
  ASSERT_LT(inside, 2e-3f);
  ASSERT_GT(outside, 2e-3f);
  const size_t in1 = outIndex(c.p, 0, 2, 1, 4);
  c.b.out[in1] = ref::floatToBf16(0.0f);
  c.a.out[in1] = ref::floatToBf16(inside);
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_TRUE(r.passed) << (r.firstMismatches.empty()
                                ? ""
                                : r.firstMismatches[0].message);
  EXPECT_NEAR(r.maxAbsErrOut, inside, 1e-9);
  EXPECT_LT(r.maxErrRatioOut, 1.0);

  const size_t out1 = outIndex(c.p, 1, 3, 2, 5);
  c.b.out[out1] = ref::floatToBf16(0.0f);
  c.a.out[out1] = ref::floatToBf16(outside);
  r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outMismatches, 1);
  EXPECT_EQ(r.outNan, 0);
  EXPECT_EQ(r.cosineFailures, 0);
  EXPECT_EQ(r.mismatchedRows, 1);
  EXPECT_GT(r.maxErrRatioOut, 1.0);
  ASSERT_EQ(r.firstMismatches.size(), 1u);
  const Mismatch &m = r.firstMismatches[0];
  EXPECT_EQ(m.tensor, "out");
  EXPECT_EQ(m.b, 1);
  EXPECT_EQ(m.s, 3);
  EXPECT_EQ(m.h, 2);
  EXPECT_EQ(m.column, 5);
  EXPECT_EQ(m.first, static_cast<double>(outside));
  EXPECT_EQ(m.second, 0.0);
  EXPECT_HAS(m.message, "out[b=1, s=3, h=2, column 5]");
  EXPECT_HAS(m.message, "> 0.002");

  // The relative part of the bound uses |b|: 0.5 vs 0.51171875 is inside
  // (0.0117 <= 0.012), 0.5 vs 0.515625 outside (column 0 of kv zero).
  ComparePair d = comparePair();
  zeroKvColumn(d, 0, 0);
  const size_t k = outIndex(d.p, 0, 0, 0, 0);
  d.b.out[k] = ref::floatToBf16(0.5f);
  d.a.out[k] = ref::floatToBf16(0.51171875f);
  EXPECT_EQ(compareOutputs(d.p, d.in, d.a, d.b).outMismatches, 0);
  d.a.out[k] = ref::floatToBf16(0.515625f);
  EXPECT_EQ(compareOutputs(d.p, d.in, d.a, d.b).outMismatches, 1);

  // lse just outside 1e-3 absolute.
  ComparePair e = comparePair();
  const size_t row = rowIndex(e.p, 1, 11, 7);
  e.a.lse[row] = e.b.lse[row] + 2e-3f;
  r = compareOutputs(e.p, e.in, e.a, e.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.lseMismatches, 1);
  ASSERT_EQ(r.firstMismatches.size(), 1u);
  EXPECT_EQ(r.firstMismatches[0].tensor, "lse");
  EXPECT_EQ(r.firstMismatches[0].column, -1);
  EXPECT_HAS(r.firstMismatches[0].message, "lse[b=1, s=11, h=7]");
  EXPECT_NEAR(r.maxErrLse, 2e-3, 1e-5);
}

/// The smallest bf16 value above \p x >= 0.
float bf16Above(double x) {
  uint16_t bits = ref::floatToBf16(static_cast<float>(x));
  while (ref::bf16ToFloat(bits) <= x)
    ++bits;
  return ref::bf16ToFloat(bits);
}

/// The largest bf16 value at most \p x >= 0.
float bf16AtMost(double x) {
  uint16_t bits = ref::floatToBf16(static_cast<float>(x));
  while (ref::bf16ToFloat(bits) > x)
    --bits;
  return ref::bf16ToFloat(bits);
}

TEST(Compare, PRoundingTermCountsForBothKernels) {
  ComparePair c = comparePair();
  const int64_t b = 1, s = 4, h = 3, col = 6;
  ref::Inputs ri{c.in.q.data(),
                 ref::contiguous4(c.p.shape.B, c.p.shape.S, c.p.shape.H,
                                  c.p.shape.Dqk),
                 c.in.kv.data(),
                 ref::contiguous4(c.p.shape.B, c.p.shape.Skv, c.p.shape.G,
                                  c.p.shape.Dqk),
                 c.in.indices.data(),
                 ref::contiguous4(c.p.shape.B, c.p.shape.S, c.p.shape.G,
                                  c.p.shape.topk)};
  const ref::RowResult want = ref::computeRow(c.p.shape, c.p.attrs, ri, b, s,
                                              h);
  const double w = want.absWeightedV[static_cast<size_t>(col)];
  ASSERT_GT(w, 0.1); // Uniform values in [-1, 1]: about 0.5.
  EXPECT_EQ(kComparePRoundTol, 2 * ref::kOutPRoundTol);
  // b = 0 there, so the bound is 2e-3 + 2^-7 * w; 2e-3 + 2^-8 * w (one
  // kernel's share) is not enough, since each kernel may round its P.
  const double bound = 2e-3 + kComparePRoundTol * w;
  const size_t k = outIndex(c.p, b, s, h, col);
  // The rest of the row 1 in both, so that its cosine stays above 0.9999.
  for (int64_t d = 0; d < c.p.shape.Dv; ++d)
    c.a.out[outIndex(c.p, b, s, h, d)] = c.b.out[outIndex(c.p, b, s, h, d)] =
        ref::floatToBf16(1.0f);
  c.b.out[k] = ref::floatToBf16(0.0f);
  const float onePart = bf16Above(2e-3 + ref::kOutPRoundTol * w);
  const float inside = bf16AtMost(bound);
  const float outside = bf16Above(bound);
  ASSERT_LT(onePart, inside);
  for (float v : {bf16Above(2e-3), onePart, inside}) {
    c.a.out[k] = ref::floatToBf16(v);
    CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
    EXPECT_TRUE(r.passed) << v << ": "
                          << (r.firstMismatches.empty()
                                  ? ""
                                  : r.firstMismatches[0].message);
    EXPECT_LE(r.maxErrRatioOut, 1.0);
  }
  c.a.out[k] = ref::floatToBf16(outside);
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outMismatches, 1);
  EXPECT_GT(r.maxErrRatioOut, 1.0);
  ASSERT_EQ(r.firstMismatches.size(), 1u);
  EXPECT_EQ(r.firstMismatches[0].column, col);
  char tol[32];
  std::snprintf(tol, sizeof(tol), "> %.3g", bound);
  EXPECT_HAS(r.firstMismatches[0].message, tol);

  // Far beyond any P term the row can have: fails, the widest bound shown.
  c.a.out[k] = ref::floatToBf16(0.5f);
  r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_EQ(r.outMismatches, 1);
  EXPECT_GT(r.maxErrRatioOut, 10.0);
}

TEST(Compare, NanFails) {
  ComparePair c = comparePair();
  const size_t k = outIndex(c.p, 0, 1, 0, 3);
  // A NaN in the first, then in both: neither passes.
  c.a.out[k] = 0x7FC0;
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outNan, 1);
  EXPECT_EQ(r.outMismatches, 1);
  EXPECT_TRUE(std::isnan(r.minCosine));
  ASSERT_FALSE(r.firstMismatches.empty());
  EXPECT_HAS(r.firstMismatches[0].message, "(NaN)");
  EXPECT_EQ(r.firstMismatches[0].column, 3);
  c.b.out[k] = 0x7FC0;
  r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outNan, 1);

  // The never-written poison is a NaN too; so is a poisoned statistic.
  ComparePair d = comparePair();
  d.b.out[outIndex(d.p, 1, 0, 0, 0)] = kOutPoison;
  uint32_t poison = kStatPoison;
  std::memcpy(&d.a.maxLogits[rowIndex(d.p, 0, 5, 5)], &poison, 4);
  d.a.lse[rowIndex(d.p, 0, 6, 0)] = NAN;
  d.b.lse[rowIndex(d.p, 0, 6, 0)] = NAN;
  r = compareOutputs(d.p, d.in, d.a, d.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outNan, 1);
  EXPECT_EQ(r.maxLogitsMismatches, 1);
  EXPECT_EQ(r.lseMismatches, 1);
  EXPECT_EQ(r.mismatchedRows, 3);
}

TEST(Compare, MismatchedInfinitiesFail) {
  // Adversarial inputs with kv_stride 2: some rows have no valid entry
  // (lse +inf, max_logits -inf in both): equal infinities pass.
  ComparePair c = comparePair(Generator::Adversarial);
  int64_t emptyRow = -1;
  for (size_t r = 0; r < c.a.lse.size() && emptyRow < 0; ++r)
    if (std::isinf(c.a.lse[r]))
      emptyRow = static_cast<int64_t>(r);
  ASSERT_GE(emptyRow, 0);
  EXPECT_TRUE(compareOutputs(c.p, c.in, c.a, c.b).passed);
  const size_t e = static_cast<size_t>(emptyRow);

  HostOutputs a = c.a;
  a.lse[e] = -INFINITY; // +inf vs -inf
  CompareResult r = compareOutputs(c.p, c.in, a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.lseMismatches, 1);
  ASSERT_EQ(r.firstMismatches.size(), 1u);
  EXPECT_HAS(r.firstMismatches[0].message, "infinities must match");

  a = c.a;
  a.lse[e] = 3.0e38f; // finite vs +inf
  EXPECT_EQ(compareOutputs(c.p, c.in, a, c.b).lseMismatches, 1);

  a = c.a;
  a.maxLogits[e] = INFINITY; // +inf vs -inf
  r = compareOutputs(c.p, c.in, a, c.b);
  EXPECT_EQ(r.maxLogitsMismatches, 1);
  EXPECT_EQ(r.firstMismatches[0].tensor, "max_logits");

  // An infinite out element never passes, even in both.
  a = c.a;
  HostOutputs b = c.b;
  a.out[3] = b.out[3] = 0x7F80; // +inf
  r = compareOutputs(c.p, c.in, a, b);
  EXPECT_EQ(r.outMismatches, 1);
  EXPECT_HAS(r.firstMismatches[0].message, "(infinite)");

  // max_logits is compared only when both have it.
  a = c.a;
  a.maxLogits[e] = INFINITY;
  b = c.b;
  b.maxLogits.clear();
  r = compareOutputs(c.p, c.in, a, b);
  EXPECT_FALSE(r.comparedMaxLogits);
  EXPECT_TRUE(r.passed);
}

TEST(Compare, AllZeroRowsEqual) {
  ComparePair c = comparePair();
  const int64_t Dv = c.p.shape.Dv;
  const size_t row = rowIndex(c.p, 0, 4, 3);
  for (int64_t d = 0; d < Dv; ++d)
    c.a.out[row * Dv + d] = c.b.out[row * Dv + d] = 0; // +0.0
  c.a.out[row * Dv + 1] = 0x8000;                    // -0.0
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.cosineFailures, 0);

  // One all-zero row against a small nonzero one (every element within the
  // elementwise bound): no direction to agree on, cosine 0, fails.
  for (int64_t d = 0; d < Dv; ++d)
    c.a.out[row * Dv + d] = ref::floatToBf16(1e-3f);
  r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outMismatches, 0);
  EXPECT_EQ(r.cosineFailures, 1);
  EXPECT_EQ(r.minCosine, 0.0);
}

TEST(Compare, CosineFailureWithinElementwiseBounds) {
  ComparePair c = comparePair();
  const int64_t Dv = c.p.shape.Dv;
  const size_t row = rowIndex(c.p, 1, 7, 6);
  // b = 2^-6 everywhere, a = b * (1 +- 1/8) alternating (exact in bf16):
  // |a - b| = 2^-9 = 0.00195 <= 2e-3 + 2e-2 * 2^-6 = 0.0023 per element,
  // but cosine = 1 / sqrt(1 + 1/64) = 0.9923.
  for (int64_t d = 0; d < Dv; ++d) {
    c.b.out[row * Dv + d] = ref::floatToBf16(0.015625f);
    c.a.out[row * Dv + d] =
        ref::floatToBf16(d % 2 ? 0.017578125f : 0.013671875f);
  }
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outMismatches, 0);
  EXPECT_EQ(r.cosineFailures, 1);
  EXPECT_EQ(r.mismatchedRows, 1);
  EXPECT_NEAR(r.minCosine, 1.0 / std::sqrt(1.0 + 1.0 / 64), 1e-9);
  EXPECT_LT(r.maxErrRatioOut, 1.0);
  ASSERT_EQ(r.firstMismatches.size(), 1u);
  const Mismatch &m = r.firstMismatches[0];
  EXPECT_EQ(m.tensor, "out");
  EXPECT_EQ(m.column, -1);
  EXPECT_EQ(m.b, 1);
  EXPECT_EQ(m.s, 7);
  EXPECT_EQ(m.h, 6);
  EXPECT_HAS(m.message, "out[b=1, s=7, h=6]: cosine similarity 0.99");
}

TEST(Compare, FirstMismatchesInRowOrderAndCapped) {
  ComparePair c = comparePair();
  // Mismatches everywhere in the last row and one in the first row's lse.
  const int64_t Dv = c.p.shape.Dv;
  const size_t last = static_cast<size_t>(c.p.rows() - 1);
  for (int64_t d = 0; d < Dv; ++d)
    c.a.out[last * Dv + d] = ref::floatToBf16(5.0f);
  c.a.lse[0] += 1.0f;
  CompareResult r = compareOutputs(c.p, c.in, c.a, c.b, 4);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.outMismatches, Dv);
  EXPECT_EQ(r.lseMismatches, 1);
  EXPECT_EQ(r.mismatchedRows, 2);
  ASSERT_EQ(r.firstMismatches.size(), 4u);
  EXPECT_EQ(r.firstMismatches[0].tensor, "lse");
  EXPECT_HAS(r.firstMismatches[0].message, "lse[b=0, s=0, h=0]");
  EXPECT_EQ(r.firstMismatches[1].column, 0);
  EXPECT_EQ(r.firstMismatches[3].column, 2);
  EXPECT_HAS(r.firstMismatches[1].message, "out[b=1, s=11, h=7, column 0]");

  // Default cap (10): a row that differs everywhere lists 3 of its columns
  // and its cosine, leaving room for the next rows.
  const size_t mid = rowIndex(c.p, 0, 5, 2);
  for (int64_t d = 0; d < Dv; ++d)
    c.a.out[mid * Dv + d] = ref::floatToBf16(-5.0f);
  r = compareOutputs(c.p, c.in, c.a, c.b);
  EXPECT_EQ(r.outMismatches, 2 * Dv);
  EXPECT_EQ(r.cosineFailures, 2);
  ASSERT_EQ(r.firstMismatches.size(), 9u);
  const char *want[] = {"lse[b=0, s=0, h=0]",
                        "out[b=0, s=5, h=2, column 0]",
                        "out[b=0, s=5, h=2, column 1]",
                        "out[b=0, s=5, h=2, column 2]",
                        "out[b=0, s=5, h=2]: cosine",
                        "out[b=1, s=11, h=7, column 0]",
                        "out[b=1, s=11, h=7, column 1]",
                        "out[b=1, s=11, h=7, column 2]",
                        "out[b=1, s=11, h=7]: cosine"};
  for (size_t i = 0; i < 9; ++i)
    EXPECT_HAS(r.firstMismatches[i].message, want[i]);
}

TEST(Compare, SameOpNamesTheField) {
  OpDescription a;
  a.H = 128;
  a.G = 1;
  a.Dqk = 576;
  a.Dv = 512;
  a.topk = 2048;
  a.causal = true;
  a.kvStride = 1;
  a.smScale = 0.041666668f;
  a.hasMaxLogits = true;
  OpDescription b = a;
  EXPECT_EQ(sameOpError(a, b), "");
  // Differences that are allowed: max_logits, static sizes, one ulp of
  // sm_scale.
  b.hasMaxLogits = false;
  b.S = 64;
  b.smScale = std::nextafter(a.smScale, 1.0f);
  EXPECT_EQ(sameOpError(a, b), "");

  b = a;
  b.H = 64;
  EXPECT_EQ(sameOpError(a, b), "H = 64 here, 128 in the main package");
  b = a;
  b.topk = 1024;
  EXPECT_HAS(sameOpError(a, b), "topk = 1024 here, 2048");
  b = a;
  b.causal = false;
  EXPECT_EQ(sameOpError(a, b), "causal = false here, true in the main package");
  b = a;
  b.kvStride = 2;
  EXPECT_HAS(sameOpError(a, b), "kv_stride = 2 here, 1 in the main package");
  b = a;
  b.smScale = 0.0625f;
  EXPECT_HAS(sameOpError(a, b),
             "sm_scale = 0.0625 here, 0.0416666679 in the main package");
  b.smScale = std::nextafter(std::nextafter(a.smScale, 1.0f), 1.0f) * 1.000001f;
  EXPECT_HAS(sameOpError(a, b), "sm_scale");

  OpDescription s = a;
  EXPECT_EQ(staticSizesError(s, 2, 5, 70), "");
  s.B = 2;
  s.S = 5;
  s.Skv = 70;
  EXPECT_EQ(staticSizesError(s, 2, 5, 70), "");
  EXPECT_EQ(staticSizesError(s, 2, 128, 70),
            "the package has static S = 5, but the run uses S = 128");
  EXPECT_HAS(staticSizesError(s, 1, 5, 70), "static B = 2");
}

//===----------------------------------------------------------------------===//
// --input-pad: the padded device layout
//===----------------------------------------------------------------------===//

/// Every element of the contiguous [d0, d1, d2, d3] \p src is at the dot
/// product of its index with \p st in \p dst, and every other cell of
/// \p dst holds \p poison.
template <typename T>
void expectPadded(const char *name, const std::vector<T> &src,
                  const std::array<int64_t, 4> &sz,
                  const std::array<int64_t, 4> &st, int64_t pad, T poison,
                  const std::vector<T> &dst) {
  SCOPED_TRACE(name);
  ASSERT_EQ(st[3], 1);
  ASSERT_EQ(st[2], sz[3] + pad);
  ASSERT_EQ(st[1], sz[2] * (sz[3] + pad));
  ASSERT_EQ(st[0], sz[1] * sz[2] * (sz[3] + pad));
  ASSERT_EQ(static_cast<int64_t>(dst.size()), sz[0] * st[0]);
  std::vector<uint8_t> hit(dst.size(), 0);
  int64_t flat = 0, bad = 0;
  for (int64_t i = 0; i < sz[0]; ++i)
    for (int64_t j = 0; j < sz[1]; ++j)
      for (int64_t k = 0; k < sz[2]; ++k)
        for (int64_t l = 0; l < sz[3]; ++l, ++flat) {
          const int64_t off = i * st[0] + j * st[1] + k * st[2] + l * st[3];
          ASSERT_LT(off, static_cast<int64_t>(dst.size()));
          EXPECT_EQ(hit[off], 0) << "offset " << off << " written twice";
          hit[off] = 1;
          if (dst[off] != src[flat] && ++bad <= 5)
            ADD_FAILURE() << "element " << flat << " at offset " << off;
        }
  EXPECT_EQ(bad, 0);
  int64_t padCells = 0, badPad = 0;
  for (size_t c = 0; c < dst.size(); ++c)
    if (!hit[c]) {
      ++padCells;
      if (dst[c] != poison && ++badPad <= 5)
        ADD_FAILURE() << "padding cell " << c << " is not the poison";
    }
  EXPECT_EQ(badPad, 0);
  EXPECT_EQ(padCells, sz[0] * sz[1] * sz[2] * pad);
}

TEST(InputPad, PaddedStrides) {
  EXPECT_EQ(paddedStrides({2, 3, 4, 5}, 0),
            (std::array<int64_t, 4>{60, 20, 5, 1}));
  EXPECT_EQ(paddedStrides({2, 3, 4, 5}, 3),
            (std::array<int64_t, 4>{96, 32, 8, 1}));
}

TEST(InputPad, ScatterPlacesElementsAndPoison) {
  Problem p = smallProblem(true, 1, 0);
  const auto &sh = p.shape;
  HostInputs in;
  generateInputs(p, Generator::Adversarial, 5, in);
  const HostInputs before = in;
  for (int64_t pad : {int64_t(8), int64_t(3), int64_t(1)}) {
    SCOPED_TRACE("pad " + std::to_string(pad));
    PaddedInputs d = padInputs(p, in, pad);
    EXPECT_EQ(d.pad, pad);
    expectPadded("q", in.q, {sh.B, sh.S, sh.H, sh.Dqk}, d.qStrides, pad,
                 kInputPadPoison, d.q);
    expectPadded("kv", in.kv, {sh.B, sh.Skv, sh.G, sh.Dqk}, d.kvStrides, pad,
                 kInputPadPoison, d.kv);
    expectPadded("indices", in.indices, {sh.B, sh.S, sh.G, sh.topk},
                 d.idxStrides, pad, kIndexPadPoison, d.indices);
  }
  // The host inputs (reference, --dump, check) stay contiguous, untouched.
  EXPECT_EQ(in.q, before.q);
  EXPECT_EQ(in.kv, before.kv);
  EXPECT_EQ(in.indices, before.indices);
  // The poison values of the brief.
  EXPECT_EQ(kInputPadPoison, 0x7FC1);
  EXPECT_EQ(kIndexPadPoison, 0);
}

TEST(InputPad, ZeroPadIsContiguousAndEmptySizesWork) {
  Problem p = smallProblem(false, 1, 0);
  HostInputs in;
  generateInputs(p, Generator::Uniform, 2, in);
  PaddedInputs d = padInputs(p, in, 0);
  EXPECT_EQ(d.q, in.q);
  EXPECT_EQ(d.kv, in.kv);
  EXPECT_EQ(d.indices, in.indices);
  EXPECT_EQ(d.qStrides, (std::array<int64_t, 4>{
                            p.shape.S * p.shape.H * p.shape.Dqk,
                            p.shape.H * p.shape.Dqk, p.shape.Dqk, 1}));

  Problem e = p;
  e.shape.S = 0;
  HostInputs ein;
  generateInputs(e, Generator::Uniform, 2, ein);
  PaddedInputs de = padInputs(e, ein, 8);
  EXPECT_TRUE(de.q.empty());
  EXPECT_TRUE(de.indices.empty());
  EXPECT_EQ(static_cast<int64_t>(de.kv.size()),
            e.shape.B * e.shape.Skv * e.shape.G * (e.shape.Dqk + 8));
}

} // namespace
