//===- check.cpp - output scan and float64 reference check ----------------===//

#include "run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>

namespace smla_run {

namespace ref = sparse_mla::ref;

namespace {

constexpr size_t kMaxMessages = 10;

/// Failures of one thread, in row order (each thread runs a contiguous,
/// increasing range), capped at kMaxMessages.
struct Messages {
  std::vector<std::pair<int64_t, std::string>> list;
  void add(int64_t key, const std::string &msg) {
    if (list.size() < kMaxMessages)
      list.emplace_back(key, msg);
  }
};

void mergeMessages(std::vector<Messages> &parts,
                   std::vector<std::string> &out) {
  std::vector<std::pair<int64_t, std::string>> all;
  for (Messages &m : parts)
    all.insert(all.end(), m.list.begin(), m.list.end());
  std::stable_sort(all.begin(), all.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  for (auto &e : all) {
    if (out.size() >= kMaxMessages)
      break;
    out.push_back(std::move(e.second));
  }
}

uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

std::string rowName(const Problem &p, int64_t row) {
  const int64_t H = p.shape.H, S = p.shape.S;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "[b=%lld, s=%lld, h=%lld]",
                static_cast<long long>(row / (S * H)),
                static_cast<long long>((row / H) % S),
                static_cast<long long>(row % H));
  return buf;
}

/// Per-thread accumulators of the full scan.
struct ScanPart {
  int64_t nanOut = 0, unwrittenOut = 0, infOut = 0, badLse = 0,
          badMaxLogits = 0, nonzeroEmpty = 0, empty = 0;
  Messages messages;
};

/// What is wrong with a row statistic (lse, max_logits) of a row with \p n
/// valid entries, or null: an empty row must give \p emptyValue
/// (lse +inf, max_logits -inf), a row with valid entries a finite value.
const char *statProblem(float v, int32_t n, float emptyValue) {
  if (bitsOf(v) == kStatPoison)
    return "never written (poison)";
  if (std::isnan(v))
    return "NaN";
  if (n == 0 && v != emptyValue)
    return emptyValue > 0 ? "not +inf for a row with no valid entry"
                          : "not -inf for a row with no valid entry";
  if (n > 0 && !std::isfinite(v))
    return "not finite for a row with valid entries";
  return nullptr;
}

/// Reports \p problem (if any) of statistic \p name = \p v of \p row.
void reportStat(const Problem &p, int64_t row, int32_t n, const char *name,
                float v, const char *problem, int slot, int64_t &count,
                Messages &messages) {
  if (!problem)
    return;
  ++count;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s%s = %g: %s (%d valid entries)", name,
                rowName(p, row).c_str(), static_cast<double>(v), problem, n);
  messages.add(row * 4 + slot, buf);
}

/// The scan of one output row (\p n valid entries) into \p part.
void scanRow(const Problem &p, const HostOutputs &out, int64_t row, int32_t n,
             ScanPart &part) {
  const auto &sh = p.shape;
  const uint16_t *o = out.out.data() + row * sh.Dv;
  int64_t nan = 0, unwritten = 0, inf = 0, nonzero = 0;
  for (int64_t d = 0; d < sh.Dv; ++d) {
    const uint16_t bits = o[d];
    const float v = ref::bf16ToFloat(bits);
    if (bits == kOutPoison)
      ++unwritten;
    else if (std::isnan(v))
      ++nan;
    else if (std::isinf(v))
      ++inf;
    if (v != 0.0f)
      ++nonzero;
  }
  part.unwrittenOut += unwritten;
  part.nanOut += nan;
  part.infOut += inf;
  char buf[256];
  if (unwritten || nan || inf) {
    std::snprintf(buf, sizeof(buf),
                  "out%s: %lld never written (poison 0x%04X), %lld NaN, "
                  "%lld infinite of %lld values",
                  rowName(p, row).c_str(), static_cast<long long>(unwritten),
                  kOutPoison, static_cast<long long>(nan),
                  static_cast<long long>(inf), static_cast<long long>(sh.Dv));
    part.messages.add(row * 4 + 0, buf);
  }
  const float infinity = std::numeric_limits<float>::infinity();
  const float lse = out.lse[static_cast<size_t>(row)];
  reportStat(p, row, n, "lse", lse, statProblem(lse, n, infinity), 1,
             part.badLse, part.messages);
  if (p.hasMaxLogits) {
    const float ml = out.maxLogits[static_cast<size_t>(row)];
    reportStat(p, row, n, "max_logits", ml, statProblem(ml, n, -infinity), 2,
               part.badMaxLogits, part.messages);
  }
  if (n == 0) {
    ++part.empty;
    if (nonzero && !unwritten && !nan) {
      ++part.nonzeroEmpty;
      std::snprintf(buf, sizeof(buf),
                    "out%s: %lld nonzero values in a row with no valid "
                    "entry (must be all zero)",
                    rowName(p, row).c_str(), static_cast<long long>(nonzero));
      part.messages.add(row * 4 + 3, buf);
    }
  }
}

/// The full scan of every output row: its counts and first findings (in
/// row order) into \p r.
void scanOutputs(const Problem &p, const HostInputs &in,
                 const HostOutputs &out, CheckResult &r) {
  const auto &sh = p.shape;
  const int64_t headsPerGroup = sh.H / sh.G;
  const std::vector<int32_t> counts = validCounts(p, in);
  std::mutex mu;
  std::vector<ScanPart> parts;
  parallelFor(p.rows(), [&](int64_t begin, int64_t end) {
    ScanPart part;
    for (int64_t row = begin; row < end; ++row) {
      const int64_t bs = row / sh.H, h = row % sh.H;
      const int32_t n =
          counts[static_cast<size_t>(bs * sh.G + h / headsPerGroup)];
      scanRow(p, out, row, n, part);
    }
    std::lock_guard<std::mutex> lock(mu);
    parts.push_back(std::move(part));
  });
  std::vector<Messages> scanMessages;
  for (ScanPart &part : parts) {
    r.nanOut += part.nanOut;
    r.unwrittenOut += part.unwrittenOut;
    r.infOut += part.infOut;
    r.badLse += part.badLse;
    r.badMaxLogits += part.badMaxLogits;
    r.nonzeroEmptyRows += part.nonzeroEmpty;
    r.emptyRows += part.empty;
    scanMessages.push_back(std::move(part.messages));
  }
  r.scanFailures = r.nanOut + r.unwrittenOut + r.infOut + r.badLse +
                   r.badMaxLogits + r.nonzeroEmptyRows;
  mergeMessages(scanMessages, r.messages);
}

/// The (b, s) positions checked against the reference, ascending: all of
/// them if \p checkPositions covers them, else the first, the last and
/// random ones of \p seed.
std::vector<int64_t> samplePositions(const Problem &p, int64_t checkPositions,
                                     uint64_t seed) {
  const int64_t totalPositions = p.shape.B * p.shape.S;
  std::vector<int64_t> positions;
  if (checkPositions >= totalPositions) {
    for (int64_t i = 0; i < totalPositions; ++i)
      positions.push_back(i);
  } else if (checkPositions > 0) {
    std::set<int64_t> chosen;
    chosen.insert(0);
    if (checkPositions > 1)
      chosen.insert(totalPositions - 1);
    for (uint64_t k = 0; static_cast<int64_t>(chosen.size()) < checkPositions;
         ++k)
      chosen.insert(static_cast<int64_t>(hash3(seed, 5, k) %
                                         static_cast<uint64_t>(totalPositions)));
    positions.assign(chosen.begin(), chosen.end());
  }
  return positions;
}

/// Per-thread accumulators of the reference check.
struct RefPart {
  int64_t failures = 0;
  double maxOut = 0, maxLse = 0, maxMl = 0, minCos = 1.0;
  Messages messages;
};

/// Output row \p row (token b, s, head h) against the float64 reference,
/// into \p part; \p outRow is scratch of Dv floats.
void checkRowAgainstReference(const Problem &p, const ref::Inputs &refIn,
                              const HostOutputs &out, int64_t b, int64_t s,
                              int64_t h, int64_t row,
                              std::vector<float> &outRow, RefPart &part) {
  const auto &sh = p.shape;
  ref::RowResult want = ref::computeRow(sh, p.attrs, refIn, b, s, h);
  for (int64_t d = 0; d < sh.Dv; ++d)
    outRow[static_cast<size_t>(d)] =
        ref::bf16ToFloat(out.out[static_cast<size_t>(row * sh.Dv + d)]);
  const float lse = out.lse[static_cast<size_t>(row)];
  const float *ml =
      p.hasMaxLogits ? &out.maxLogits[static_cast<size_t>(row)] : nullptr;
  ref::RowCheck c = ref::checkRow(want, outRow.data(), lse, ml);
  part.maxOut = std::max(part.maxOut, c.maxAbsErr);
  if (!std::isnan(c.cosine))
    part.minCos = std::min(part.minCos, c.cosine);
  else
    part.minCos = std::numeric_limits<double>::quiet_NaN();
  if (std::isfinite(want.lse) && std::isfinite(lse))
    part.maxLse =
        std::max(part.maxLse, std::fabs(static_cast<double>(lse) - want.lse));
  if (ml && std::isfinite(want.maxLogit) && std::isfinite(*ml))
    part.maxMl =
        std::max(part.maxMl, std::fabs(static_cast<double>(*ml) - want.maxLogit));
  if (!c.ok) {
    ++part.failures;
    part.messages.add(row, "row " + rowName(p, row) + " (" +
                               std::to_string(want.numValid) +
                               " valid entries): " + c.message);
  }
}

/// Every head of the sampled \p positions against the float64 reference:
/// the counts and errors into \p r. Returns the first failures, in row
/// order.
std::vector<std::string> checkSampledRows(const Problem &p,
                                          const HostInputs &in,
                                          const HostOutputs &out,
                                          const std::vector<int64_t> &positions,
                                          CheckResult &r) {
  const auto &sh = p.shape;
  const ref::Inputs refIn = referenceInputs(p, in);
  std::mutex mu;
  std::vector<RefPart> refParts;
  parallelFor(r.rowsChecked, [&](int64_t begin, int64_t end) {
    RefPart part;
    std::vector<float> outRow(static_cast<size_t>(sh.Dv));
    for (int64_t t = begin; t < end; ++t) {
      const int64_t pos = positions[static_cast<size_t>(t / sh.H)];
      const int64_t h = t % sh.H;
      const int64_t b = pos / sh.S, s = pos % sh.S;
      const int64_t row = pos * sh.H + h;
      checkRowAgainstReference(p, refIn, out, b, s, h, row, outRow, part);
    }
    std::lock_guard<std::mutex> lock(mu);
    refParts.push_back(std::move(part));
  });
  std::vector<Messages> refMessages;
  for (RefPart &part : refParts) {
    r.rowFailures += part.failures;
    r.maxAbsErrOut = std::max(r.maxAbsErrOut, part.maxOut);
    r.maxErrLse = std::max(r.maxErrLse, part.maxLse);
    r.maxErrMaxLogits = std::max(r.maxErrMaxLogits, part.maxMl);
    if (std::isnan(part.minCos) || std::isnan(r.minCosine))
      r.minCosine = std::numeric_limits<double>::quiet_NaN();
    else
      r.minCosine = std::min(r.minCosine, part.minCos);
    refMessages.push_back(std::move(part.messages));
  }
  std::vector<std::string> messages;
  mergeMessages(refMessages, messages);
  return messages;
}

} // namespace

ref::Inputs referenceInputs(const Problem &p, const HostInputs &in) {
  const auto &sh = p.shape;
  ref::Inputs r;
  r.q = in.q.data();
  r.qStrides = ref::contiguous4(sh.B, sh.S, sh.H, sh.Dqk);
  r.kv = in.kv.data();
  r.kvStrides = ref::contiguous4(sh.B, sh.Skv, sh.G, sh.Dqk);
  r.indices = in.indices.data();
  r.idxStrides = ref::contiguous4(sh.B, sh.S, sh.G, sh.topk);
  if (!in.attnSink.empty())
    r.attnSink = in.attnSink.data();
  if (!in.topkLength.empty()) {
    r.topkLength = in.topkLength.data();
    r.lengthStrides[0] = sh.S;
    r.lengthStrides[1] = 1;
  }
  return r;
}

CheckResult checkOutputs(const Problem &p, const HostInputs &in,
                         const HostOutputs &out, int64_t checkPositions,
                         uint64_t seed) {
  CheckResult r;
  //===--- Full scan -------------------------------------------------------===//
  scanOutputs(p, in, out, r);

  //===--- Sampled rows against the float64 reference ----------------------===//
  const std::vector<int64_t> positions =
      samplePositions(p, checkPositions, seed);
  r.positions = static_cast<int64_t>(positions.size());
  r.rowsChecked = r.positions * p.shape.H;
  std::vector<std::string> messages =
      checkSampledRows(p, in, out, positions, r);
  // Reference failures first (they carry the numbers), then scan findings.
  for (std::string &m : r.messages)
    if (messages.size() < kMaxMessages)
      messages.push_back(std::move(m));
  r.messages = std::move(messages);
  r.passed = r.rowFailures == 0 && r.scanFailures == 0;
  return r;
}

} // namespace smla_run
