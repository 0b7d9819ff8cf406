//===- run.h - pieces of sparse-mla-run ------------------------*- C++ -*-===//
//
// Host-side parts of the launcher that need no GPU: deterministic inputs,
// the input/output files of --dump / --inputs, the output check, and the
// differential check of --compare.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_MLA_RUN_H
#define SPARSE_MLA_RUN_H

#include "sparse_mla/reference.h"

#include <array>
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
  /// The package's kernel takes attn_sink [H] / topk_length [B, S].
  bool hasAttnSink = false, hasTopkLength = false;

  int64_t qElems() const { return shape.B * shape.S * shape.H * shape.Dqk; }
  int64_t kvElems() const { return shape.B * shape.Skv * shape.G * shape.Dqk; }
  int64_t idxElems() const { return shape.B * shape.S * shape.G * shape.topk; }
  int64_t outElems() const { return shape.B * shape.S * shape.H * shape.Dv; }
  int64_t rows() const { return shape.B * shape.S * shape.H; }
};

struct HostInputs {
  std::vector<uint16_t> q, kv; // bf16 bits, contiguous
  std::vector<int32_t> indices;
  std::vector<float> attnSink;     ///< [H]; empty without attn_sink
  std::vector<int32_t> topkLength; ///< [B, S]; empty without topk_length
};

struct HostOutputs {
  std::vector<uint16_t> out;
  std::vector<float> lse, maxLogits; // maxLogits empty if none
};

enum class Generator { Uniform, Causal, Adversarial };
const char *generatorName(Generator g);
bool parseGenerator(const std::string &s, Generator &g);

/// How q and kv are filled. Uniform: every element uniform in [-1, 1].
/// Spiky: the same, but about one kv row in eight has its K-only columns
/// (Dv .. Dqk - 1, the RoPE part) scaled by 2^3, 2^5, 2^7 or 2^9 (exact in
/// bf16), so that a row's logits jump by tens to hundreds of log2 units
/// between blocks while V stays in [-1, 1]: the running max moves late and
/// far, which the uniform values barely do.
enum class Values { Uniform, Spiky };
const char *valuesName(Values v);
bool parseValues(const std::string &s, Values &v);

/// How attn_sink is filled (--attn-sink). Uniform: each head's sink uniform
/// in [0, 10] (around the lse of uniform inputs, so the factor
/// 1 / (1 + exp(sink - lse)) spans most of (0, 1)). Mixed: heads cycle
/// through -inf, +inf, then two uniform ones. Inf / NegInf: every head +inf
/// (out = 0) / -inf (no effect).
enum class SinkMode { Mixed, Uniform, Inf, NegInf };
const char *sinkModeName(SinkMode m);
bool parseSinkMode(const std::string &s, SinkMode &m);

/// How topk_length is filled (--topk-length). Uniform: each (b, s) uniform
/// in [0, topk], with the first position 0 and the second topk; Full:
/// topk; Zero: 0 (every row empty); Wild: every other position outside
/// [0, topk] (-1, INT32_MIN, topk + 1, INT32_MAX, which the op clamps), the
/// rest uniform.
enum class LengthMode { Uniform, Full, Zero, Wild };
const char *lengthModeName(LengthMode m);
bool parseLengthMode(const std::string &s, LengthMode &m);

/// Fills in.attnSink / in.topkLength where \p p has them and they are still
/// empty (not read from a dump).
void generateOptionalInputs(const Problem &p, SinkMode sink, LengthMode length,
                            uint64_t seed, HostInputs &in);

/// Runs fn(begin, end) over [0, n) split across hardware threads. The
/// split never changes results: callers write disjoint outputs.
void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &fn);

/// Counter-based hash: the same (seed, stream, counter) gives the same value
/// whatever the thread layout.
uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t counter);

/// Sorts each top-k row of \p in.indices ascending (the same keys, so the
/// same result up to the order of the sums).
void sortIndexRows(const Problem &p, HostInputs &in);
/// Reorders each top-k row of token s >= 1 so that the entries it shares
/// with token s - 1 of its batch and kv group sit at that row's positions
/// (the same keys per row; token 0's rows unchanged).
void alignIndexRows(const Problem &p, HostInputs &in);
/// Fills q and kv (\p values, rounded to bf16) and the indices.
void generateInputs(const Problem &p, Generator g, uint64_t seed,
                    HostInputs &in, Values values = Values::Uniform);

/// --input-pad: poison in the padding cells of the padded device inputs.
/// bf16 NaN for q / kv; for indices a valid-looking index (0), so a kernel
/// that wrongly reads padding gets wrong results rather than a masked entry.
constexpr uint16_t kInputPadPoison = 0x7FC1;
constexpr int32_t kIndexPadPoison = 0;

/// Element strides of a [d0, d1, d2, d3] tensor whose innermost rows are
/// padded by \p pad elements: [d1*d2*(d3+pad), d2*(d3+pad), d3+pad, 1].
std::array<int64_t, 4> paddedStrides(const std::array<int64_t, 4> &sizes,
                                     int64_t pad);

/// The inputs in the padded layout of --input-pad (device copy only; the
/// host data stays contiguous). Each buffer holds d0*d1*d2*(d3+pad)
/// elements: element (i, j, k, l) at the dot product with the strides,
/// every other cell the poison above.
struct PaddedInputs {
  int64_t pad = 0;
  std::vector<uint16_t> q, kv;
  std::vector<int32_t> indices;
  std::array<int64_t, 4> qStrides{}, kvStrides{}, idxStrides{};
};

/// Scatters the contiguous \p in into the padded layout (\p pad >= 0;
/// pad 0 gives contiguous copies).
PaddedInputs padInputs(const Problem &p, const HostInputs &in, int64_t pad);

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

/// \p in as the float64 reference's inputs (contiguous views, no copy).
sparse_mla::ref::Inputs referenceInputs(const Problem &p, const HostInputs &in);

/// Scans every output (NaN, poison, infinities, empty rows) and compares
/// \p checkPositions sampled (b, s) positions (all heads) with the float64
/// reference.
CheckResult checkOutputs(const Problem &p, const HostInputs &in,
                         const HostOutputs &out, int64_t checkPositions,
                         uint64_t seed);

//===----------------------------------------------------------------------===//
// Differential check (--compare): two packages, the same inputs
//===----------------------------------------------------------------------===//

/// What a package computes (its manifest's `op`), as far as two packages
/// must agree to be compared.
struct OpDescription {
  int64_t H = 0, G = 0, Dqk = 0, Dv = 0, topk = 0;
  bool causal = false;
  int64_t kvStride = 1;
  float smScale = 0.0f;
  int64_t B = -1, S = -1, Skv = -1; ///< Static sizes; -1 if dynamic.
  bool hasMaxLogits = false;
  bool hasAttnSink = false, hasTopkLength = false; ///< Must agree.
};

/// Empty if \p second describes the same op as \p first: H, G, Dqk, Dv,
/// topk, causal, kv_stride and the optional operands (attn_sink,
/// topk_length) equal, sm_scale equal within f32 rounding
/// (|a - b| <= FLT_EPSILON * max(|a|, |b|), i.e. about one ulp). Else a
/// message naming the first differing field and both values. has_max_logits
/// and the static sizes may differ (see staticSizesError).
std::string sameOpError(const OpDescription &first,
                        const OpDescription &second);

/// Empty if the static sizes of \p d accept a run of sizes B, S, Skv, else a
/// message naming the size, the package's static value and the run's.
std::string staticSizesError(const OpDescription &d, int64_t B, int64_t S,
                             int64_t Skv);

/// One position where two kernels' outputs disagree.
struct Mismatch {
  std::string tensor; ///< "out", "lse" or "max_logits".
  int64_t b = 0, s = 0, h = 0;
  /// Column of out; -1 for lse / max_logits and for a row-level (cosine)
  /// failure of out.
  int64_t column = -1;
  /// The two values (first package, second package); for a cosine failure
  /// the cosine and NaN.
  double first = 0, second = 0;
  std::string message;
};

/// The coefficient of sum_j p_j |v_j| in the out bound of compareOutputs:
/// the contract's 2^-8 (ref::kOutPRoundTol) once for each kernel, since each
/// may round its weights P to bf16 on its own (see compare.cpp).
constexpr double kComparePRoundTol = 2 * sparse_mla::ref::kOutPRoundTol;

/// Outcome of compareOutputs. Tolerances: docs/semantics.md "Numerics" with
/// the second package in the place of the reference (ref::kOutAbsTol,
/// kOutRelTol, kMinCosine, kStatAbsTol) and the P rounding term counted for
/// both kernels (kComparePRoundTol).
struct CompareResult {
  bool passed = true;
  int64_t rows = 0;        ///< B*S*H rows compared.
  int64_t outElements = 0; ///< B*S*H*Dv out elements compared.
  bool comparedMaxLogits = false; ///< Both have max_logits.
  /// out elements outside |a - b| <= 2e-3 + 2e-2*|b| + 2^-7 * sum_j p_j
  /// |v_j|; a NaN or an infinity in either always counts.
  int64_t outMismatches = 0;
  int64_t outNan = 0;         ///< out elements that are NaN in either.
  int64_t cosineFailures = 0; ///< Rows with cosine < 0.9999 (or NaN).
  int64_t lseMismatches = 0, maxLogitsMismatches = 0;
  int64_t mismatchedRows = 0; ///< Rows with any failure above.
  double maxAbsErrOut = 0;    ///< Largest finite |a - b| over out.
  /// Largest finite |a - b| / the bound the element was judged by (without
  /// the P term where the element met that; with the row's float64 sum
  /// where it decided; with its upper bound where even that was exceeded).
  double maxErrRatioOut = 0;
  double maxErrLse = 0, maxErrMaxLogits = 0; ///< Largest finite |a - b|.
  double minCosine = 1.0; ///< NaN if some row holds a NaN.
  /// The first mismatches in row-major order (within a row: out columns,
  /// at most 3 of them, then the cosine, lse, max_logits).
  std::vector<Mismatch> firstMismatches;
};

/// Compares every element of two kernels' outputs for problem \p p, both
/// computed from the inputs \p in (contiguous): out elementwise
/// |a - b| <= 2e-3 + 2e-2 * |b| + 2^-7 * sum_j p_j |v_j| (the sum over the
/// row's valid entries in float64, computed from \p in only for rows where
/// it decides an element) and per row cosine >= 0.9999 (two all-zero rows
/// are equal; one all-zero row against a nonzero one has cosine 0); lse and
/// max_logits within 1e-3 absolute, infinities equal exactly; NaN never passes. max_logits is
/// compared when both \p a and \p b have it (non-empty). Keeps the first
/// \p maxReported mismatches (at most 3 out elements per row).
CompareResult compareOutputs(const Problem &p, const HostInputs &in,
                             const HostOutputs &a, const HostOutputs &b,
                             size_t maxReported = 10);

} // namespace smla_run

#endif // SPARSE_MLA_RUN_H
