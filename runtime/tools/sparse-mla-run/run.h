//===- run.h - pieces of sparse-mla-run ------------------------*- C++ -*-===//
//
// Host-side parts of the launcher that need no GPU: deterministic inputs,
// the input/output files of --dump / --inputs, and the output check.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_MLA_RUN_H
#define SPARSE_MLA_RUN_H

#include "sparse_mla/reference.h"

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace smla_run {

/// A failure that ends the run; `code` is the exit status.
struct RunError : std::runtime_error {
  int code;
  RunError(int c, const std::string &msg) : std::runtime_error(msg), code(c) {}
};

constexpr int kExitPass = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRuntime = 3;

/// bf16 NaN written over `out` before the run. A NaN the kernel computes
/// rounds to another pattern (0x7FC0 for the canonical float NaN), so the
/// scan can tell "never written" from "computed NaN"; both fail.
constexpr uint16_t kOutPoison = 0x7FC1;
/// f32 NaN written over lse and max_logits before the run.
constexpr uint32_t kStatPoison = 0x7FC0DEADu;

struct Problem {
  sparse_mla::ref::Shape shape{};
  sparse_mla::ref::Attrs attrs{};
  bool hasMaxLogits = false;

  int64_t qElems() const { return shape.B * shape.S * shape.H * shape.Dqk; }
  int64_t kvElems() const { return shape.B * shape.Skv * shape.G * shape.Dqk; }
  int64_t idxElems() const { return shape.B * shape.S * shape.G * shape.topk; }
  int64_t outElems() const { return shape.B * shape.S * shape.H * shape.Dv; }
  int64_t rows() const { return shape.B * shape.S * shape.H; }
};

struct HostInputs {
  std::vector<uint16_t> q, kv; // bf16 bits, contiguous
  std::vector<int32_t> indices;
};

struct HostOutputs {
  std::vector<uint16_t> out;
  std::vector<float> lse, maxLogits; // maxLogits empty if none
};

enum class Generator { Uniform, Causal, Adversarial };
const char *generatorName(Generator g);
bool parseGenerator(const std::string &s, Generator &g);

/// Runs fn(begin, end) over [0, n) split across hardware threads. The
/// split never changes results: callers write disjoint outputs.
void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &fn);

/// Counter-based hash: the same (seed, stream, counter) gives the same value
/// whatever the thread layout.
uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t counter);

/// Fills q and kv (uniform in [-1, 1], rounded to bf16) and the indices.
void generateInputs(const Problem &p, Generator g, uint64_t seed,
                    HostInputs &in);

/// Number of valid entries of each (b, s, g) row (duplicates counted).
std::vector<int32_t> validCounts(const Problem &p, const HostInputs &in);

/// Writes q.bin, kv.bin, indices.bin, out.bin, lse.bin, max_logits.bin (raw
/// little-endian, contiguous) and meta.json to \p dir (created if missing).
/// \p outputs may be null (inputs only).
void dumpFiles(const std::string &dir, const Problem &p, const HostInputs &in,
               const HostOutputs *outputs, const std::string &generator,
               uint64_t seed);

/// Reads q/kv/indices and meta.json from \p dir. Sizes B, S, Skv and q_start
/// come from the files; H, G, Dqk, Dv, topk must match \p p (the package).
/// Returns the q_start of meta.json in \p qStart.
void loadInputs(const std::string &dir, Problem &p, HostInputs &in,
                int32_t &qStart, std::vector<std::string> &notes);

struct CheckResult {
  bool passed = true;
  int64_t positions = 0;   ///< Sampled (b, s) positions.
  int64_t rowsChecked = 0; ///< positions x H.
  int64_t rowFailures = 0; ///< Sampled rows out of tolerance.
  int64_t scanFailures = 0;
  int64_t nanOut = 0, unwrittenOut = 0, infOut = 0;
  int64_t badLse = 0, badMaxLogits = 0, nonzeroEmptyRows = 0;
  int64_t emptyRows = 0; ///< Rows with no valid entry.
  double maxAbsErrOut = 0, maxErrLse = 0, maxErrMaxLogits = 0;
  double minCosine = 1.0;
  std::vector<std::string> messages; ///< First failures, in row order.
};

/// Scans every output (NaN, poison, infinities, empty rows) and compares
/// \p checkPositions sampled (b, s) positions (all heads) with the float64
/// reference.
CheckResult checkOutputs(const Problem &p, const HostInputs &in,
                         const HostOutputs &out, int64_t checkPositions,
                         uint64_t seed);

} // namespace smla_run

#endif // SPARSE_MLA_RUN_H
