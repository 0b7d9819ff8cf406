//===- inputs.cpp - deterministic inputs and the dump format --------------===//

#include "run.h"

#include "sparse_mla/json.h"
#include "sparse_mla/package.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sys/stat.h>
#include <thread>
#include <unordered_map>

namespace smla_run {

using sparse_mla::json::Value;
namespace json = sparse_mla::json;
namespace ref = sparse_mla::ref;

const char *generatorName(Generator g) {
  switch (g) {
  case Generator::Uniform:
    return "uniform";
  case Generator::Causal:
    return "causal";
  case Generator::Adversarial:
    return "adversarial";
  }
  return "?";
}

bool parseGenerator(const std::string &s, Generator &g) {
  if (s == "uniform")
    g = Generator::Uniform;
  else if (s == "causal")
    g = Generator::Causal;
  else if (s == "adversarial")
    g = Generator::Adversarial;
  else
    return false;
  return true;
}

const char *valuesName(Values v) {
  return v == Values::Spiky ? "spiky" : "uniform";
}

bool parseValues(const std::string &s, Values &v) {
  if (s == "uniform")
    v = Values::Uniform;
  else if (s == "spiky")
    v = Values::Spiky;
  else
    return false;
  return true;
}

const char *sinkModeName(SinkMode m) {
  switch (m) {
  case SinkMode::Mixed:
    return "mixed";
  case SinkMode::Uniform:
    return "uniform";
  case SinkMode::Inf:
    return "inf";
  case SinkMode::NegInf:
    return "-inf";
  }
  return "?";
}

bool parseSinkMode(const std::string &s, SinkMode &m) {
  for (SinkMode c : {SinkMode::Mixed, SinkMode::Uniform, SinkMode::Inf,
                     SinkMode::NegInf})
    if (s == sinkModeName(c)) {
      m = c;
      return true;
    }
  return false;
}

const char *lengthModeName(LengthMode m) {
  switch (m) {
  case LengthMode::Uniform:
    return "uniform";
  case LengthMode::Full:
    return "full";
  case LengthMode::Zero:
    return "zero";
  case LengthMode::Wild:
    return "wild";
  }
  return "?";
}

bool parseLengthMode(const std::string &s, LengthMode &m) {
  for (LengthMode c : {LengthMode::Uniform, LengthMode::Full,
                       LengthMode::Zero, LengthMode::Wild})
    if (s == lengthModeName(c)) {
      m = c;
      return true;
    }
  return false;
}

void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0)
    return;
  int64_t threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<int64_t>(threads, n);
  if (threads == 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + threads - 1) / threads;
  for (int64_t t = 0; t < threads; ++t) {
    int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin >= end)
      break;
    pool.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  for (std::thread &th : pool)
    th.join();
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t hash3(uint64_t seed, uint64_t stream, uint64_t counter) {
  return mix(mix(seed * 0x9E3779B97F4A7C15ull + stream) ^
             (counter * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull));
}

namespace {

/// A per-row random stream.
struct Rng {
  uint64_t key, ctr = 0;
  Rng(uint64_t seed, uint64_t stream, uint64_t row)
      : key(hash3(seed, stream, row)) {}
  uint64_t next() { return mix(key ^ (0x9E3779B97F4A7C15ull * ++ctr)); }
  /// Uniform in [0, n), n > 0.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(next()) * n) >> 64);
  }
};

/// The top 53 bits of a hash as a uniform double in [0, 1).
double unitInterval(uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

/// Uniform value in [-1, 1], as bf16 bits.
uint16_t uniformBf16(uint64_t h) {
  return ref::floatToBf16(static_cast<float>(2.0 * unitInterval(h) - 1.0));
}

/// Number of kv rows visible to query token s (all Skv if not causal).
int64_t visibleRows(const Problem &p, int64_t s) {
  if (!p.attrs.causal)
    return p.shape.Skv;
  int64_t maxKv = ref::maxVisibleKv(p.attrs, s);
  return std::max<int64_t>(0, std::min<int64_t>(maxKv + 1, p.shape.Skv));
}

/// \p k distinct values of [0, n) in random order (Floyd's sampling, then a
/// shuffle). \p mark is scratch of >= n bytes, all zero on entry and exit.
void sampleDistinct(Rng &rng, int64_t n, int64_t k,
                    std::vector<uint8_t> &mark, std::vector<int32_t> &out) {
  out.clear();
  if (k >= n) {
    for (int64_t v = 0; v < n; ++v)
      out.push_back(static_cast<int32_t>(v));
  } else if (k > 0) {
    for (int64_t j = n - k; j < n; ++j) {
      int64_t t = static_cast<int64_t>(rng.below(static_cast<uint64_t>(j + 1)));
      int64_t pick = mark[static_cast<size_t>(t)] ? j : t;
      mark[static_cast<size_t>(pick)] = 1;
      out.push_back(static_cast<int32_t>(pick));
    }
    for (int32_t v : out)
      mark[static_cast<size_t>(v)] = 0;
  }
  for (size_t i = out.size(); i > 1; --i)
    std::swap(out[i - 1], out[rng.below(i)]);
}

int32_t clampI32(int64_t v) {
  return static_cast<int32_t>(std::max<int64_t>(INT32_MIN,
                                                std::min<int64_t>(INT32_MAX, v)));
}

/// An invalid index value of a random kind.
int32_t invalidIndex(Rng &rng, const Problem &p, int64_t s) {
  const int64_t Skv = p.shape.Skv;
  const int64_t vis = visibleRows(p, s);
  switch (rng.below(8)) {
  case 0:
    return -1;
  case 1:
    return INT32_MIN;
  case 2:
    return INT32_MAX;
  case 3:
    return clampI32(Skv);
  case 4:
    return clampI32(Skv + 7);
  case 5:
    if (p.attrs.causal && vis < Skv) // Past the causal limit, in range.
      return static_cast<int32_t>(vis + static_cast<int64_t>(rng.below(
                                            static_cast<uint64_t>(Skv - vis))));
    return clampI32(Skv + static_cast<int64_t>(rng.below(1000)));
  case 6:
    return -2 - static_cast<int32_t>(rng.below(1000000));
  default:
    return clampI32(Skv + static_cast<int64_t>(rng.below(1u << 30)));
  }
}

void fillIndexRow(const Problem &p, Generator g, uint64_t seed, int64_t row,
                  int64_t s, std::vector<uint8_t> &mark,
                  std::vector<int32_t> &pool, int32_t *dst) {
  const int64_t topk = p.shape.topk;
  Rng rng(seed, 3, static_cast<uint64_t>(row));
  if (g == Generator::Uniform || g == Generator::Causal) {
    int64_t n = g == Generator::Uniform ? p.shape.Skv : visibleRows(p, s);
    sampleDistinct(rng, n, topk, mark, pool);
    for (int64_t j = 0; j < topk; ++j)
      dst[j] = j < static_cast<int64_t>(pool.size()) ? pool[static_cast<size_t>(j)]
                                                     : -1;
    return;
  }
  // Adversarial: ~5% of rows entirely invalid; others a mix.
  if (rng.below(100) < 5) {
    for (int64_t j = 0; j < topk; ++j)
      dst[j] = invalidIndex(rng, p, s);
    return;
  }
  sampleDistinct(rng, visibleRows(p, s), topk, mark, pool);
  size_t used = 0;
  for (int64_t j = 0; j < topk; ++j) {
    uint64_t c = rng.below(100);
    if (c < 60 && used < pool.size()) {
      dst[j] = pool[used++];
    } else if (c < 72 && used > 0) {
      dst[j] = pool[rng.below(used)]; // Duplicate of a valid one.
    } else {
      dst[j] = invalidIndex(rng, p, s);
    }
  }
}

} // namespace

void generateInputs(const Problem &p, Generator g, uint64_t seed,
                    HostInputs &in, Values values) {
  in.q.resize(static_cast<size_t>(p.qElems()));
  in.kv.resize(static_cast<size_t>(p.kvElems()));
  in.indices.resize(static_cast<size_t>(p.idxElems()));
  parallelFor(p.qElems(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      in.q[static_cast<size_t>(i)] =
          uniformBf16(hash3(seed, 1, static_cast<uint64_t>(i)));
  });
  parallelFor(p.kvElems(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      in.kv[static_cast<size_t>(i)] =
          uniformBf16(hash3(seed, 2, static_cast<uint64_t>(i)));
  });
  if (values == Values::Spiky) {
    // Per kv row: 7 in 8 keep their values, the others scale their K-only
    // columns by one of four powers of two (exact: a bf16 exponent shift).
    const int64_t Dqk = p.shape.Dqk, Dv = p.shape.Dv;
    const int64_t kvRows = p.kvElems() / Dqk;
    parallelFor(kvRows, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        uint64_t h = hash3(seed, 4, static_cast<uint64_t>(r));
        if (h % 8 != 0)
          continue;
        const double scale =
            std::ldexp(1.0, 3 + 2 * static_cast<int>((h >> 3) % 4));
        for (int64_t c = Dv; c < Dqk; ++c) {
          uint16_t &bits = in.kv[static_cast<size_t>(r * Dqk + c)];
          bits = ref::floatToBf16(
              static_cast<float>(ref::bf16ToFloat(bits) * scale));
        }
      }
    });
  }
  const int64_t rows = p.shape.B * p.shape.S * p.shape.G;
  parallelFor(rows, [&](int64_t b, int64_t e) {
    std::vector<uint8_t> mark(static_cast<size_t>(p.shape.Skv), 0);
    std::vector<int32_t> pool;
    for (int64_t r = b; r < e; ++r) {
      int64_t s = (r / p.shape.G) % p.shape.S;
      fillIndexRow(p, g, seed, r, s, mark, pool,
                   in.indices.data() + r * p.shape.topk);
    }
  });
}

void sortIndexRows(const Problem &p, HostInputs &in) {
  const int64_t rows = p.shape.B * p.shape.S * p.shape.G;
  const int64_t topk = p.shape.topk;
  parallelFor(rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int32_t *row = in.indices.data() + r * topk;
      std::sort(row, row + topk);
    }
  });
}

void alignIndexRows(const Problem &p, HostInputs &in) {
  const int64_t S = p.shape.S, G = p.shape.G, topk = p.shape.topk;
  // Rows (b, s, g) of one (b, g) are G * topk entries apart; token s is
  // aligned to token s - 1 once that one is final, so each (b, g) is one
  // sequential chain.
  parallelFor(p.shape.B * G, [&](int64_t first, int64_t end) {
    std::unordered_map<int32_t, int64_t> left;
    std::vector<int32_t> row(static_cast<size_t>(topk));
    std::vector<uint8_t> taken(static_cast<size_t>(topk));
    for (int64_t bg = first; bg < end; ++bg) {
      const int64_t b = bg / G, g = bg % G;
      for (int64_t s = 1; s < S; ++s) {
        const int32_t *prev =
            in.indices.data() + ((b * S + s - 1) * G + g) * topk;
        int32_t *cur = in.indices.data() + ((b * S + s) * G + g) * topk;
        left.clear();
        for (int64_t j = 0; j < topk; ++j)
          ++left[cur[j]];
        // Entries this row shares with the previous one keep that row's
        // positions (each occurrence matched once).
        std::fill(taken.begin(), taken.end(), 0);
        for (int64_t j = 0; j < topk; ++j) {
          auto it = left.find(prev[j]);
          if (it == left.end() || it->second == 0)
            continue;
          --it->second;
          row[static_cast<size_t>(j)] = prev[j];
          taken[static_cast<size_t>(j)] = 1;
        }
        // The rest, in their order, fill the other positions.
        int64_t slot = 0;
        for (int64_t j = 0; j < topk; ++j) {
          auto it = left.find(cur[j]);
          if (it->second == 0)
            continue;
          --it->second;
          while (taken[static_cast<size_t>(slot)])
            ++slot;
          row[static_cast<size_t>(slot++)] = cur[j];
        }
        std::copy(row.begin(), row.end(), cur);
      }
    }
  });
}

std::array<int64_t, 4> paddedStrides(const std::array<int64_t, 4> &sizes,
                                     int64_t pad) {
  const int64_t inner = sizes[3] + pad;
  return {sizes[1] * sizes[2] * inner, sizes[2] * inner, inner, 1};
}

namespace {
/// Copies each contiguous innermost row of \p src (sizes[3] elements) to
/// the start of a row of sizes[3] + pad elements of \p dst; the rest of
/// \p dst holds \p poison.
template <typename T>
void scatterPadded(const std::vector<T> &src,
                   const std::array<int64_t, 4> &sizes, int64_t pad, T poison,
                   std::vector<T> &dst) {
  const int64_t rows = sizes[0] * sizes[1] * sizes[2];
  const int64_t n = sizes[3], inner = n + pad;
  if (static_cast<int64_t>(src.size()) != rows * n)
    throw std::logic_error("padInputs: input size does not match its shape");
  dst.assign(static_cast<size_t>(rows * inner), poison);
  if (n == 0)
    return;
  parallelFor(rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      std::memcpy(dst.data() + r * inner, src.data() + r * n,
                  static_cast<size_t>(n) * sizeof(T));
  });
}
} // namespace

PaddedInputs padInputs(const Problem &p, const HostInputs &in, int64_t pad) {
  if (pad < 0)
    throw std::logic_error("padInputs: negative pad");
  const auto &sh = p.shape;
  const std::array<int64_t, 4> qSizes{sh.B, sh.S, sh.H, sh.Dqk},
      kvSizes{sh.B, sh.Skv, sh.G, sh.Dqk}, idxSizes{sh.B, sh.S, sh.G, sh.topk};
  PaddedInputs out;
  out.pad = pad;
  out.qStrides = paddedStrides(qSizes, pad);
  out.kvStrides = paddedStrides(kvSizes, pad);
  out.idxStrides = paddedStrides(idxSizes, pad);
  scatterPadded(in.q, qSizes, pad, kInputPadPoison, out.q);
  scatterPadded(in.kv, kvSizes, pad, kInputPadPoison, out.kv);
  scatterPadded(in.indices, idxSizes, pad, kIndexPadPoison, out.indices);
  return out;
}

void generateOptionalInputs(const Problem &p, SinkMode sink, LengthMode length,
                            uint64_t seed, HostInputs &in) {
  const auto &sh = p.shape;
  auto unit = [&](uint64_t stream, uint64_t i) {
    return unitInterval(hash3(seed, stream, i));
  };
  if (p.hasAttnSink && in.attnSink.empty()) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    for (int64_t h = 0; h < sh.H; ++h) {
      float v = static_cast<float>(10.0 * unit(7, static_cast<uint64_t>(h)));
      if (sink == SinkMode::Inf || (sink == SinkMode::Mixed && h % 4 == 1))
        v = inf;
      else if (sink == SinkMode::NegInf ||
               (sink == SinkMode::Mixed && h % 4 == 0))
        v = -inf;
      in.attnSink.push_back(v);
    }
  }
  if (p.hasTopkLength && in.topkLength.empty()) {
    const int64_t n = sh.B * sh.S;
    const int32_t topk = static_cast<int32_t>(sh.topk);
    const int32_t wild[] = {-1, std::numeric_limits<int32_t>::min(), topk + 1,
                            std::numeric_limits<int32_t>::max()};
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = std::min(
          static_cast<int32_t>(unit(8, static_cast<uint64_t>(i)) *
                               static_cast<double>(sh.topk + 1)),
          topk);
      if (length == LengthMode::Full ||
          (length == LengthMode::Uniform && i == 1))
        v = topk;
      else if (length == LengthMode::Zero ||
               (length == LengthMode::Uniform && i == 0))
        v = 0;
      else if (length == LengthMode::Wild && i % 2 == 0)
        v = wild[(i / 2) % 4];
      in.topkLength.push_back(v);
    }
  }
}

std::vector<int32_t> validCounts(const Problem &p, const HostInputs &in) {
  const int64_t rows = p.shape.B * p.shape.S * p.shape.G;
  std::vector<int32_t> counts(static_cast<size_t>(rows), 0);
  const ref::Inputs refIn = referenceInputs(p, in);
  parallelFor(rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t s = (r / p.shape.G) % p.shape.S;
      const int32_t *idx = in.indices.data() + r * p.shape.topk;
      // With topk_length only the row's leading entries count.
      const int64_t length =
          ref::rowLength(p.shape, refIn, r / p.shape.G / p.shape.S, s);
      int32_t n = 0;
      for (int64_t j = 0; j < length; ++j)
        n += ref::isValidEntry(p.shape, p.attrs, s, idx[j]) ? 1 : 0;
      counts[static_cast<size_t>(r)] = n;
    }
  });
  return counts;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

namespace {

void writeRaw(const std::string &path, const void *data, size_t bytes) {
  std::string err;
  if (!sparse_mla::pkg::writeFileBytes(
          path, static_cast<const uint8_t *>(data), bytes, err))
    throw RunError(kExitRuntime, "--dump: " + err);
}

Value shapeValue(std::initializer_list<int64_t> dims) {
  Value a = Value::array();
  for (int64_t d : dims)
    a.push(Value::integer(d));
  return a;
}

Value arrayEntry(const char *file, const char *dtype,
                 std::initializer_list<int64_t> dims) {
  Value v = Value::object();
  v.set("file", Value::string(file));
  v.set("dtype", Value::string(dtype));
  v.set("shape", shapeValue(dims));
  return v;
}

} // namespace

void dumpFiles(const std::string &dir, const Problem &p, const HostInputs &in,
               const HostOutputs *outputs, const std::string &generator,
               uint64_t seed) {
  if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    throw RunError(kExitRuntime, "--dump: cannot create directory '" + dir +
                                     "': " + std::strerror(errno));
  const auto &sh = p.shape;
  writeRaw(dir + "/q.bin", in.q.data(), in.q.size() * 2);
  writeRaw(dir + "/kv.bin", in.kv.data(), in.kv.size() * 2);
  writeRaw(dir + "/indices.bin", in.indices.data(), in.indices.size() * 4);
  Value arrays = Value::object();
  arrays.set("q", arrayEntry("q.bin", "bf16", {sh.B, sh.S, sh.H, sh.Dqk}));
  arrays.set("kv", arrayEntry("kv.bin", "bf16", {sh.B, sh.Skv, sh.G, sh.Dqk}));
  arrays.set("indices",
             arrayEntry("indices.bin", "i32", {sh.B, sh.S, sh.G, sh.topk}));
  if (!in.attnSink.empty()) {
    writeRaw(dir + "/attn_sink.bin", in.attnSink.data(),
             in.attnSink.size() * 4);
    arrays.set("attn_sink", arrayEntry("attn_sink.bin", "f32", {sh.H}));
  }
  if (!in.topkLength.empty()) {
    writeRaw(dir + "/topk_length.bin", in.topkLength.data(),
             in.topkLength.size() * 4);
    arrays.set("topk_length",
               arrayEntry("topk_length.bin", "i32", {sh.B, sh.S}));
  }
  if (outputs) {
    writeRaw(dir + "/out.bin", outputs->out.data(), outputs->out.size() * 2);
    writeRaw(dir + "/lse.bin", outputs->lse.data(), outputs->lse.size() * 4);
    arrays.set("out", arrayEntry("out.bin", "bf16", {sh.B, sh.S, sh.H, sh.Dv}));
    arrays.set("lse", arrayEntry("lse.bin", "f32", {sh.B, sh.S, sh.H}));
    if (p.hasMaxLogits) {
      writeRaw(dir + "/max_logits.bin", outputs->maxLogits.data(),
               outputs->maxLogits.size() * 4);
      arrays.set("max_logits",
                 arrayEntry("max_logits.bin", "f32", {sh.B, sh.S, sh.H}));
    }
  }
  Value op = Value::object();
  op.set("B", Value::integer(sh.B));
  op.set("S", Value::integer(sh.S));
  op.set("Skv", Value::integer(sh.Skv));
  op.set("H", Value::integer(sh.H));
  op.set("G", Value::integer(sh.G));
  op.set("Dqk", Value::integer(sh.Dqk));
  op.set("Dv", Value::integer(sh.Dv));
  op.set("topk", Value::integer(sh.topk));
  op.set("sm_scale", Value::float32(static_cast<float>(p.attrs.smScale)));
  op.set("kv_stride", Value::integer(p.attrs.kvStride));
  op.set("causal", Value::boolean(p.attrs.causal));
  op.set("q_start", Value::integer(p.attrs.qStart));
  op.set("has_max_logits", Value::boolean(p.hasMaxLogits));
  Value root = Value::object();
  root.set("format", Value::string("sparse_mla.arrays"));
  root.set("version", Value::integer(1));
  root.set("byte_order", Value::string("little"));
  root.set("layout", Value::string("contiguous, row-major"));
  root.set("generator", Value::string(generator));
  root.set("seed", Value::integer(static_cast<int64_t>(seed)));
  root.set("op", op);
  root.set("arrays", arrays);
  std::string text = json::write(root) + "\n";
  writeRaw(dir + "/meta.json", text.data(), text.size());
}

namespace {

int64_t metaInt(const Value &obj, const char *key, const std::string &where) {
  const Value *v = obj.find(key);
  if (!v || !v->isInteger())
    throw RunError(kExitUsage, where + ": \"" + key +
                                   "\" missing or not an integer");
  return v->asInt64();
}

std::string shapeText(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Reads array \p name: checks dtype, rank \p rank and the file size;
/// returns its shape.
std::vector<int64_t> readArray(const std::string &dir, const Value &arrays,
                               const char *name, const char *dtype,
                               std::vector<uint8_t> &bytes, size_t rank = 4) {
  const std::string where = dir + "/meta.json: arrays." + name;
  const Value *a = arrays.find(name);
  if (!a || !a->isObject())
    throw RunError(kExitUsage, where + ": missing");
  const Value *file = a->find("file");
  const Value *dt = a->find("dtype");
  const Value *shape = a->find("shape");
  if (!file || !file->isString() || !dt || !dt->isString() || !shape ||
      !shape->isArray())
    throw RunError(kExitUsage,
                   where + ": needs \"file\", \"dtype\" and \"shape\"");
  if (dt->asString() != dtype)
    throw RunError(kExitUsage, where + ": dtype is " + dt->asString() +
                                   ", expected " + dtype);
  if (shape->items().size() != rank)
    throw RunError(kExitUsage, where + ": shape has " +
                                   std::to_string(shape->items().size()) +
                                   " dimensions, expected " +
                                   std::to_string(rank));
  // Sizes are checked before they are multiplied: a product that wraps
  // around would match a short (even empty) file and then index past it.
  // Each dimension is at most INT32_MAX (grid dimensions, token positions
  // and indices are 32-bit), and so is the size of every other product.
  std::vector<int64_t> dims;
  uint64_t bytesWanted = std::string(dtype) == "bf16" ? 2 : 4;
  bool overflow = false;
  for (const Value &d : shape->items()) {
    if (!d.isInteger() || d.asInt64() < 0 || d.asInt64() > INT32_MAX)
      throw RunError(kExitUsage,
                     where + ": shape entries must be integers in [0, " +
                         std::to_string(INT32_MAX) + "], got " +
                         json::write(d));
    dims.push_back(d.asInt64());
    // The size of the nonzero dimensions alone must fit too: with a 0 among
    // them the array is empty, but the others still size the launch.
    if (d.asInt64() > 0)
      overflow |= __builtin_mul_overflow(
          bytesWanted, static_cast<uint64_t>(d.asInt64()), &bytesWanted);
  }
  if (overflow || bytesWanted > static_cast<uint64_t>(INT64_MAX))
    throw RunError(kExitUsage, where + ": shape " + shapeText(dims) +
                                   " is larger than 2^63 bytes");
  const uint64_t want = std::count(dims.begin(), dims.end(), 0) ? 0
                                                                : bytesWanted;
  const std::string path = dir + "/" + file->asString();
  std::string err;
  if (!sparse_mla::pkg::readFileBytes(path, bytes, err))
    throw RunError(kExitUsage, "--inputs: " + err);
  if (bytes.size() != want)
    throw RunError(kExitUsage,
                   path + ": " + std::to_string(bytes.size()) +
                       " bytes, expected " + std::to_string(want) +
                       " for shape " + shapeText(dims) + " of " + dtype);
  return dims;
}

/// attn_sink [H] and topk_length [B, S] from the dump, where the package
/// takes them and the dump has them (else they are generated, noted).
void readOptionalArrays(const std::string &dir, const Value &arrays,
                        const Problem &p, HostInputs &in,
                        std::vector<std::string> &notes) {
  const auto &sh = p.shape;
  struct Optional {
    const char *name;
    bool taken;
    std::vector<int64_t> shape;
    const char *dtype;
  } optionals[] = {{"attn_sink", p.hasAttnSink, {sh.H}, "f32"},
                   {"topk_length", p.hasTopkLength, {sh.B, sh.S}, "i32"}};
  for (const Optional &o : optionals) {
    if (!o.taken || !arrays.find(o.name)) {
      if (o.taken)
        notes.push_back(std::string("the dump has no ") + o.name +
                        "; it is generated from --seed");
      continue;
    }
    std::vector<uint8_t> bytes;
    std::vector<int64_t> dims =
        readArray(dir, arrays, o.name, o.dtype, bytes, o.shape.size());
    if (dims != o.shape)
      throw RunError(kExitUsage, dir + "/meta.json: arrays." + o.name +
                                     ": shape " + shapeText(dims) +
                                     ", expected " + shapeText(o.shape));
    if (std::string(o.name) == "attn_sink") {
      in.attnSink.resize(bytes.size() / 4);
      std::memcpy(in.attnSink.data(), bytes.data(), bytes.size());
    } else {
      in.topkLength.resize(bytes.size() / 4);
      std::memcpy(in.topkLength.data(), bytes.data(), bytes.size());
    }
  }
}

} // namespace

void loadInputs(const std::string &dir, Problem &p, HostInputs &in,
                int32_t &qStart, std::vector<std::string> &notes) {
  std::vector<uint8_t> metaBytes;
  std::string err;
  if (!sparse_mla::pkg::readFileBytes(dir + "/meta.json", metaBytes, err))
    throw RunError(kExitUsage, "--inputs: " + err);
  Value meta;
  if (!json::parse(std::string(metaBytes.begin(), metaBytes.end()), meta,
                   err))
    throw RunError(kExitUsage, dir + "/meta.json: " + err);
  const Value *arrays = meta.find("arrays");
  const Value *op = meta.find("op");
  if (!meta.isObject() || !arrays || !arrays->isObject() || !op ||
      !op->isObject())
    throw RunError(kExitUsage,
                   dir + "/meta.json: needs objects \"arrays\" and \"op\"");
  int64_t qs = metaInt(*op, "q_start", dir + "/meta.json: op");
  if (qs < INT32_MIN || qs > INT32_MAX)
    throw RunError(kExitUsage, dir + "/meta.json: op.q_start out of int32");
  qStart = static_cast<int32_t>(qs);

  std::vector<uint8_t> qb, kvb, ib;
  std::vector<int64_t> qd = readArray(dir, *arrays, "q", "bf16", qb);
  std::vector<int64_t> kd = readArray(dir, *arrays, "kv", "bf16", kvb);
  std::vector<int64_t> id = readArray(dir, *arrays, "indices", "i32", ib);
  auto &sh = p.shape;
  auto expectDim = [&](const char *arr, int dim, const char *name,
                       int64_t got, int64_t want, const char *from) {
    if (got != want)
      throw RunError(kExitUsage,
                     dir + "/meta.json: " + arr + " dimension " +
                         std::to_string(dim) + " (" + name + ") is " +
                         std::to_string(got) + ", expected " +
                         std::to_string(want) + " (" + from + ")");
  };
  expectDim("q", 2, "H", qd[2], sh.H, "the package");
  expectDim("q", 3, "Dqk", qd[3], sh.Dqk, "the package");
  expectDim("kv", 2, "G", kd[2], sh.G, "the package");
  expectDim("kv", 3, "Dqk", kd[3], sh.Dqk, "the package");
  expectDim("indices", 2, "G", id[2], sh.G, "the package");
  expectDim("indices", 3, "topk", id[3], sh.topk, "the package");
  expectDim("kv", 0, "B", kd[0], qd[0], "B of q");
  expectDim("indices", 0, "B", id[0], qd[0], "B of q");
  expectDim("indices", 1, "S", id[1], qd[1], "S of q");
  sh.B = qd[0];
  sh.S = qd[1];
  sh.Skv = kd[1];

  // Attributes come from the package; say so when the dump differs.
  if (const Value *v = op->find("causal"))
    if (v->isBool() && v->asBool() != p.attrs.causal)
      notes.push_back("meta.json has causal = " +
                      std::string(v->asBool() ? "true" : "false") +
                      "; the package's value is used");
  if (const Value *v = op->find("kv_stride"))
    if (v->isInteger() && v->asInt64() != p.attrs.kvStride)
      notes.push_back("meta.json has kv_stride = " +
                      std::to_string(v->asInt64()) +
                      "; the package's value is used");
  if (const Value *v = op->find("sm_scale"))
    if (v->isNumber() && static_cast<float>(v->asDouble()) !=
                             static_cast<float>(p.attrs.smScale))
      notes.push_back("meta.json has sm_scale = " +
                      json::formatDouble(v->asDouble()) +
                      "; the package's value is used");

  in.q.resize(qb.size() / 2);
  std::memcpy(in.q.data(), qb.data(), qb.size());
  in.kv.resize(kvb.size() / 2);
  std::memcpy(in.kv.data(), kvb.data(), kvb.size());
  in.indices.resize(ib.size() / 4);
  std::memcpy(in.indices.data(), ib.data(), ib.size());
  readOptionalArrays(dir, *arrays, p, in, notes);
}

} // namespace smla_run
