//===- main.cpp - sparse-mla-run: run, check and time a kernel package -----===//
//
// sparse-mla-run PACKAGE [flags]; see --help. Loads a package with the
// runtime library, makes deterministic inputs (or reads a dump), poisons the
// outputs, launches once (--launches N: N times, the last checked), scans
// every output and checks sampled rows against the float64 CPU reference,
// then optionally times the kernel with an L2 flush before each iteration.
// With --compare PACKAGE2, a second package runs on the same device inputs
// and every element of its outputs is compared with the first's (and it is
// timed the same way). Exit status: 0 pass, 1 check failed, 2 usage or
// input-file error, 3 package / CUDA / launch error.
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include "sparse_mla/json.h"
#include "sparse_mla/package.h"
#include "sparse_mla/runtime.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace smla_run;
using sparse_mla::json::Value;
namespace json = sparse_mla::json;

namespace {

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

const char *kUsage =
    "usage: sparse-mla-run PACKAGE [flags]\n"
    "\n"
    "Runs the kernel of a sparse_mla package on deterministic inputs, checks\n"
    "it against the float64 CPU reference and optionally times it.\n"
    "\n"
    "  --B N, --S N, --Skv N   sizes (default 1, 128, 1024, or the package's\n"
    "                          static values)\n"
    "  --q-start N             position of query token 0 (default 0)\n"
    "  --seed N                input seed (default 1)\n"
    "  --indices KIND          uniform | causal | adversarial (default "
    "uniform)\n"
    "  --values KIND           uniform | spiky: q and kv uniform in [-1, 1],\n"
    "                          or with spiky about one kv row in eight with\n"
    "                          its K-only (RoPE) columns scaled by 2^3 to\n"
    "                          2^9, so logits jump far between blocks\n"
    "                          (default uniform)\n"
    "  --attn-sink MODE        mixed | uniform | inf | -inf: the attn_sink\n"
    "                          of a package that takes it: heads cycling\n"
    "                          through -inf, +inf and two uniform in [0, 10];\n"
    "                          all uniform; all +inf (out = 0); all -inf\n"
    "                          (default mixed)\n"
    "  --topk-length MODE      uniform | full | zero | wild: the topk_length\n"
    "                          of a package that takes it: uniform in\n"
    "                          [0, topk] (the first position 0, the second\n"
    "                          topk); topk; 0; every other position outside\n"
    "                          [0, topk] (default uniform). Both are\n"
    "                          generated from --seed; --dump writes them,\n"
    "                          --inputs reads them back\n"
    "  --index-order ORDER     random | sorted | aligned: with sorted, each\n"
    "                          top-k row (generated or from --inputs) is\n"
    "                          sorted ascending before the run; with\n"
    "                          aligned, the keys a token shares with the\n"
    "                          previous token of its batch take that\n"
    "                          token's positions; each row keeps its keys\n"
    "                          (default random: as made)\n"
    "  --check-rows N          (b, s) positions checked against the float64\n"
    "                          reference, all heads each: first, last and\n"
    "                          random ones (default 64)\n"
    "  --no-check              skip the output scan and the reference check\n"
    "  --warmup N              untimed launches before timing (default 3)\n"
    "  --sm-scale X            launch with softmax scale X (the kernel's\n"
    "                          scale_log2 parameter; the check uses X too);\n"
    "                          default: the package's op.sm_scale\n"
    "  --launches N            launch PACKAGE N times, its outputs poisoned\n"
    "                          again before the last, which is checked\n"
    "                          (default 1)\n"
    "  --split-parts N         with a split kernel (kernel.split): the most\n"
    "                          CTAs a tail tile is divided into (default 8;\n"
    "                          0 = the persistent kernel computes every tile)\n"
    "  --split-any             split the tail whatever the wave count and the\n"
    "                          rounds per tile (default: at most 8 whole\n"
    "                          waves before it, at least 8 rounds per tile)\n"
    "  --iters N               timed launches, each after an L2 flush\n"
    "                          (default 10; 0 = no timing)\n"
    "  --version               print the version and exit\n"
    "  --json                  print one JSON object on stdout (the log goes\n"
    "                          to stderr)\n"
    "  --dump DIR              write inputs, outputs and meta.json to DIR\n"
    "  --inputs DIR            read q, kv, indices and q_start from a dump\n"
    "  --device N              CUDA device ordinal (default 0)\n"
    "  --compare PACKAGE2      differential check: run PACKAGE2 (the same op)\n"
    "                          on the same inputs and compare every element\n"
    "                          of out, lse and max_logits with PACKAGE's\n"
    "                          (docs/semantics.md tolerance, PACKAGE2 as\n"
    "                          the reference); timed too unless --iters 0\n"
    "  --input-pad N           place q, kv and indices on the device with\n"
    "                          each innermost row padded by N elements\n"
    "                          (outer strides grow, the last stays 1); the\n"
    "                          padding holds bf16 NaN (q, kv) and index 0;\n"
    "                          default 0 (contiguous). TMA packages need\n"
    "                          16-byte strides, e.g. N = 8\n"
    "\n"
    "Exit status: 0 pass, 1 check failed, 2 usage or input error,\n"
    "3 package, CUDA or launch error.\n";

struct Options {
  std::string package;
  std::optional<int64_t> B, S, Skv, qStart;
  uint64_t seed = 1;
  Generator generator = Generator::Uniform;
  Values values = Values::Uniform; ///< --values
  bool valuesGiven = false;
  SinkMode sinkMode = SinkMode::Mixed;        ///< --attn-sink
  LengthMode lengthMode = LengthMode::Uniform; ///< --topk-length
  bool sinkGiven = false, lengthGiven = false;
  std::string indexOrder = "random"; ///< --index-order
  int64_t checkRows = 64;
  bool noCheck = false;
  int64_t warmup = 3, iters = 10;
  int64_t launches = 1; ///< --launches: launches before the checked copy.
  double smScale = 0.0; ///< --sm-scale: the launches' scale; 0: the package's.
  int64_t splitParts = -1; ///< --split-parts; -1: the runtime's default.
  bool splitAny = false;   ///< --split-any
  bool json = false;
  std::string dumpDir, inputsDir;
  int64_t device = 0;
  std::string comparePackage; ///< --compare; empty if none.
  int64_t inputPad = 0;       ///< --input-pad; elements per innermost row.
};

int64_t parseIntArg(const std::string &flag, const std::string &v, int64_t lo,
                    int64_t hi) {
  char *end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno)
    throw RunError(kExitUsage, flag + ": expected an integer, got '" + v + "'");
  if (x < lo || x > hi)
    throw RunError(kExitUsage, flag + ": " + v + " is out of range [" +
                                   std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]");
  return x;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--version") {
      std::printf("sparse-mla-run (sparse_mla %s, package format %u, CUDA "
                  "driver API %d)\n",
                  SPARSE_MLA_VERSION, sparse_mla::pkg::kFormatVersion,
                  CUDA_VERSION);
      std::exit(0);
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional.push_back(a);
      continue;
    }
    std::string flag = a, value;
    bool hasValue = false;
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      hasValue = true;
    }
    auto take = [&]() -> std::string {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        throw RunError(kExitUsage, flag + " needs a value");
      return argv[++i];
    };
    auto noValue = [&]() {
      if (hasValue)
        throw RunError(kExitUsage, flag + " takes no value");
    };
    const int64_t big = INT64_C(1) << 40;
    if (flag == "--B")
      o.B = parseIntArg(flag, take(), 0, 65535);
    else if (flag == "--S")
      o.S = parseIntArg(flag, take(), 0, big);
    else if (flag == "--Skv")
      o.Skv = parseIntArg(flag, take(), 0, INT32_MAX);
    else if (flag == "--q-start")
      o.qStart = parseIntArg(flag, take(), INT32_MIN, INT32_MAX);
    else if (flag == "--seed")
      o.seed = static_cast<uint64_t>(parseIntArg(flag, take(), 0, INT64_MAX));
    else if (flag == "--indices") {
      std::string g = take();
      if (!parseGenerator(g, o.generator))
        throw RunError(kExitUsage, "--indices: expected uniform, causal or "
                                   "adversarial, got '" +
                                       g + "'");
    } else if (flag == "--values") {
      std::string v = take();
      if (!parseValues(v, o.values))
        throw RunError(kExitUsage,
                       "--values: expected uniform or spiky, got '" + v + "'");
      o.valuesGiven = true;
    } else if (flag == "--attn-sink") {
      std::string v = take();
      if (!parseSinkMode(v, o.sinkMode))
        throw RunError(kExitUsage, "--attn-sink: expected mixed, uniform, inf "
                                   "or -inf, got '" +
                                       v + "'");
      o.sinkGiven = true;
    } else if (flag == "--topk-length") {
      std::string v = take();
      if (!parseLengthMode(v, o.lengthMode))
        throw RunError(kExitUsage, "--topk-length: expected uniform, full, "
                                   "zero or wild, got '" +
                                       v + "'");
      o.lengthGiven = true;
    } else if (flag == "--index-order") {
      std::string v = take();
      if (v != "random" && v != "sorted" && v != "aligned")
        throw RunError(kExitUsage,
                       "--index-order: expected random, sorted or aligned, "
                       "got '" +
                           v + "'");
      o.indexOrder = v;
    } else if (flag == "--check-rows")
      o.checkRows = parseIntArg(flag, take(), 0, big);
    else if (flag == "--no-check") {
      noValue();
      o.noCheck = true;
    } else if (flag == "--warmup")
      o.warmup = parseIntArg(flag, take(), 0, 1000000);
    else if (flag == "--launches")
      o.launches = parseIntArg(flag, take(), 1, 1000);
    else if (flag == "--sm-scale") {
      const std::string v = take();
      char *end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      const float f = static_cast<float>(x);
      if (v.empty() || *end != '\0' || !std::isfinite(x) || !(f > 0.0f) ||
          !std::isfinite(f * 1.44269504f))
        throw RunError(kExitUsage,
                       "--sm-scale: expected a finite number > 0 whose "
                       "product with log2(e) is a finite f32, got '" +
                           v + "'");
      o.smScale = static_cast<double>(f);
    }
    else if (flag == "--split-parts")
      o.splitParts = parseIntArg(flag, take(), 0, 1 << 20);
    else if (flag == "--split-any")
      o.splitAny = true;
    else if (flag == "--iters")
      o.iters = parseIntArg(flag, take(), 0, 1000000);
    else if (flag == "--json") {
      noValue();
      o.json = true;
    } else if (flag == "--dump")
      o.dumpDir = take();
    else if (flag == "--inputs")
      o.inputsDir = take();
    else if (flag == "--device")
      o.device = parseIntArg(flag, take(), 0, 1023);
    else if (flag == "--input-pad") {
      const std::string v = take();
      const int64_t n = parseIntArg(flag, v, INT64_MIN, INT64_MAX);
      if (n < 0)
        throw RunError(kExitUsage, "--input-pad: expected a padding >= 0 "
                                   "(elements), got " + v);
      if (n > (INT64_C(1) << 20))
        throw RunError(kExitUsage, "--input-pad: " + v +
                                       " is too large (at most 1048576)");
      o.inputPad = n;
    } else if (flag == "--compare") {
      o.comparePackage = take();
      if (o.comparePackage.empty())
        throw RunError(kExitUsage, "--compare needs a package path");
    }
    else
      throw RunError(kExitUsage, "unknown flag '" + flag + "' (see --help)");
  }
  if (positional.size() != 1)
    throw RunError(kExitUsage,
                   positional.empty()
                       ? "missing PACKAGE (see --help)"
                       : "expected one PACKAGE, got " +
                             std::to_string(positional.size()) +
                             " positional arguments");
  o.package = positional[0];
  if (o.valuesGiven && !o.inputsDir.empty())
    throw RunError(kExitUsage, "--values makes inputs; --inputs reads them: "
                               "give one of the two");
  return o;
}

//===----------------------------------------------------------------------===//
// Logging and CUDA helpers
//===----------------------------------------------------------------------===//

bool gJson = false;

void logf(const char *f, ...) __attribute__((format(printf, 1, 2)));
void logf(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  std::vfprintf(gJson ? stderr : stdout, f, ap);
  va_end(ap);
  std::fflush(gJson ? stderr : stdout);
}

std::string cuErrorText(CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(r, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (cuGetErrorString(r, &text) != CUDA_SUCCESS)
    text = nullptr;
  if (!name) {
    // A stub or missing driver cannot name its own errors.
    switch (static_cast<int>(r)) {
    case 3:
      name = "CUDA_ERROR_NOT_INITIALIZED";
      break;
    case 34:
      name = "CUDA_ERROR_STUB_LIBRARY";
      text = "the CUDA driver found is a stub library, not a real driver";
      break;
    case 35:
      name = "CUDA_ERROR_INSUFFICIENT_DRIVER";
      break;
    case 100:
      name = "CUDA_ERROR_NO_DEVICE";
      break;
    default:
      break;
    }
  }
  std::string s = name ? name : "CUDA error " + std::to_string(r);
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

void cuCheck(CUresult r, const std::string &call) {
  if (r != CUDA_SUCCESS)
    throw RunError(kExitRuntime, call + " failed: " + cuErrorText(r));
}

void smlaCheck(smla_status s, const std::string &what) {
  if (s != SMLA_SUCCESS)
    throw RunError(kExitRuntime, what + ": " + smla_status_string(s) + ": " +
                                     smla_last_error());
}

std::string humanBytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30))
    std::snprintf(buf, sizeof(buf), "%.2f GiB", b / double(1ull << 30));
  else if (b >= (1ull << 20))
    std::snprintf(buf, sizeof(buf), "%.1f MiB", b / double(1ull << 20));
  else
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(b));
  return buf;
}

struct DeviceBuffer {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() {
    if (ptr)
      cuMemFree(ptr);
  }
  void alloc(const char *name, size_t n) {
    bytes = n;
    if (n)
      cuCheck(cuMemAlloc(&ptr, n),
              std::string("cuMemAlloc(") + name + ", " + humanBytes(n) + ")");
  }
};

struct Events {
  std::vector<CUevent> list;
  ~Events() {
    for (CUevent e : list)
      cuEventDestroy(e);
  }
  CUevent make() {
    CUevent e;
    cuCheck(cuEventCreate(&e, CU_EVENT_DEFAULT), "cuEventCreate");
    list.push_back(e);
    return e;
  }
};

smla_tensor tensorOf(CUdeviceptr data, smla_dtype dtype,
                     std::initializer_list<int64_t> sizes,
                     const std::array<int64_t, 4> *strides = nullptr) {
  smla_tensor t{};
  t.data = data;
  t.dtype = dtype;
  t.rank = static_cast<int32_t>(sizes.size());
  int i = 0;
  for (int64_t s : sizes)
    t.sizes[i++] = s;
  int64_t stride = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    t.strides[d] = stride;
    stride *= std::max<int64_t>(t.sizes[d], 1);
  }
  if (strides)
    for (int d = 0; d < t.rank; ++d)
      t.strides[d] = (*strides)[d];
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

//===----------------------------------------------------------------------===//
// The run
//===----------------------------------------------------------------------===//

struct Context {
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  bool retained = false;
  ~Context() {
    if (retained)
      cuDevicePrimaryCtxRelease(dev);
  }
};

struct PackageHandle {
  smla_package *p = nullptr;
  ~PackageHandle() { smla_package_destroy(p); }
};

OpDescription describe(const smla_package *pk) {
  OpDescription d;
  d.H = smla_package_H(pk);
  d.G = smla_package_G(pk);
  d.Dqk = smla_package_Dqk(pk);
  d.Dv = smla_package_Dv(pk);
  d.topk = smla_package_topk(pk);
  d.causal = smla_package_causal(pk) != 0;
  d.kvStride = smla_package_kv_stride(pk);
  d.smScale = smla_package_sm_scale(pk);
  d.B = smla_package_B(pk);
  d.S = smla_package_S(pk);
  d.Skv = smla_package_Skv(pk);
  d.hasMaxLogits = smla_package_has_max_logits(pk) != 0;
  d.hasAttnSink = smla_package_has_attn_sink(pk) != 0;
  d.hasTopkLength = smla_package_has_topk_length(pk) != 0;
  return d;
}

const char *binariesOf(const smla_package *pk) {
  return smla_package_has_cubin(pk)
             ? (smla_package_has_ptx(pk) ? "cubin+ptx" : "cubin")
             : "ptx";
}

/// The outputs of one package on the device: buffers poisoned before the
/// run, their tensors, and the copy back to the host.
struct DeviceOutputs {
  std::string tag; ///< "" for the main package, "compare " for --compare.
  DeviceBuffer out, lse, ml;
  smla_tensor tout{}, tlse{}, tml{};
  bool hasMaxLogits = false;

  void alloc(const Problem &p, bool withMaxLogits) {
    const auto &sh = p.shape;
    hasMaxLogits = withMaxLogits;
    out.alloc((tag + "out").c_str(), static_cast<size_t>(p.outElems()) * 2);
    lse.alloc((tag + "lse").c_str(), static_cast<size_t>(p.rows()) * 4);
    if (hasMaxLogits)
      ml.alloc((tag + "max_logits").c_str(), static_cast<size_t>(p.rows()) * 4);
    tout = tensorOf(out.ptr, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dv});
    tlse = tensorOf(lse.ptr, SMLA_DTYPE_F32, {sh.B, sh.S, sh.H});
    tml = tensorOf(ml.ptr, SMLA_DTYPE_F32, {sh.B, sh.S, sh.H});
  }
  const smla_tensor *maxLogitsTensor() const {
    return hasMaxLogits ? &tml : nullptr;
  }
  void poison() {
    if (out.bytes)
      cuCheck(cuMemsetD16(out.ptr, kOutPoison, out.bytes / 2),
              "cuMemsetD16(" + tag + "out poison)");
    if (lse.bytes)
      cuCheck(cuMemsetD32(lse.ptr, kStatPoison, lse.bytes / 4),
              "cuMemsetD32(" + tag + "lse poison)");
    if (ml.bytes)
      cuCheck(cuMemsetD32(ml.ptr, kStatPoison, ml.bytes / 4),
              "cuMemsetD32(" + tag + "max_logits poison)");
  }
  void copyBack(HostOutputs &h) const {
    h.out.resize(out.bytes / 2);
    h.lse.resize(lse.bytes / 4);
    h.maxLogits.resize(ml.bytes / 4);
    if (out.bytes)
      cuCheck(cuMemcpyDtoH(h.out.data(), out.ptr, out.bytes),
              "cuMemcpyDtoH(" + tag + "out)");
    if (lse.bytes)
      cuCheck(cuMemcpyDtoH(h.lse.data(), lse.ptr, lse.bytes),
              "cuMemcpyDtoH(" + tag + "lse)");
    if (ml.bytes)
      cuCheck(cuMemcpyDtoH(h.maxLogits.data(), ml.ptr, ml.bytes),
              "cuMemcpyDtoH(" + tag + "max_logits)");
  }
  /// Whether out and lse on the device equal \p h bit for bit (after the
  /// timed launches recomputed them).
  bool sameAs(const HostOutputs &h) const {
    std::vector<uint16_t> again(h.out.size());
    cuCheck(cuMemcpyDtoH(again.data(), out.ptr, out.bytes),
            "cuMemcpyDtoH(" + tag + "out)");
    std::vector<float> lseAgain(h.lse.size());
    if (lse.bytes)
      cuCheck(cuMemcpyDtoH(lseAgain.data(), lse.ptr, lse.bytes),
              "cuMemcpyDtoH(" + tag + "lse)");
    return again == h.out &&
           std::memcmp(lseAgain.data(), h.lse.data(), lse.bytes) == 0;
  }
};

struct Timing {
  Value json;
  double medianMs = 0;
};

/// Warm-up launches, then o.iters launches each after an L2 flush of
/// \p flush, CUDA events around the launch only. \p label prefixes the log
/// line ("time" or "compare-time").
Timing timeKernel(const std::function<void(const char *)> &launch,
                  CUstream stream, DeviceBuffer &flush, const Options &o,
                  double flops, double bytes, const char *label) {
  for (int64_t i = 0; i < o.warmup; ++i)
    launch("smla_launch (warm-up)");
  Events ev;
  std::vector<CUevent> starts, stops;
  for (int64_t i = 0; i < o.iters; ++i) {
    starts.push_back(ev.make());
    stops.push_back(ev.make());
  }
  for (int64_t i = 0; i < o.iters; ++i) {
    cuCheck(cuMemsetD8Async(flush.ptr, static_cast<unsigned char>(i),
                            flush.bytes, stream),
            "cuMemsetD8Async(L2 flush)");
    cuCheck(cuEventRecord(starts[static_cast<size_t>(i)], stream),
            "cuEventRecord");
    launch("smla_launch (timed)");
    cuCheck(cuEventRecord(stops[static_cast<size_t>(i)], stream),
            "cuEventRecord");
  }
  cuCheck(cuStreamSynchronize(stream),
          "the kernel (cuStreamSynchronize after the timed launches)");
  std::vector<double> ms;
  for (int64_t i = 0; i < o.iters; ++i) {
    float t = 0;
    cuCheck(cuEventElapsedTime(&t, starts[static_cast<size_t>(i)],
                               stops[static_cast<size_t>(i)]),
            "cuEventElapsedTime");
    ms.push_back(t);
  }
  const double med = median(ms);
  const double mn = *std::min_element(ms.begin(), ms.end());
  const double mx = *std::max_element(ms.begin(), ms.end());
  const double sec = med * 1e-3;
  Timing t;
  t.medianMs = med;
  t.json = Value::object();
  t.json.set("warmup", Value::integer(o.warmup));
  t.json.set("iters", Value::integer(o.iters));
  t.json.set("median_ms", Value::number(med));
  t.json.set("min_ms", Value::number(mn));
  t.json.set("max_ms", Value::number(mx));
  t.json.set("tflops", Value::number(sec > 0 ? flops / sec / 1e12 : 0));
  t.json.set("tbps", Value::number(sec > 0 ? bytes / sec / 1e12 : 0));
  t.json.set("flops", Value::number(flops));
  t.json.set("bytes", Value::number(bytes));
  t.json.set("l2_flush_bytes",
             Value::integer(static_cast<int64_t>(flush.bytes)));
  logf("%s: median %.4f ms (min %.4f, max %.4f; %lld iters after %lld "
       "warm-up, L2 flushed): %.1f TFLOPS, %.3f TB/s (nominal: all topk "
       "entries)\n",
       label, med, mn, mx, (long long)o.iters, (long long)o.warmup,
       sec > 0 ? flops / sec / 1e12 : 0, sec > 0 ? bytes / sec / 1e12 : 0);
  return t;
}

/// The scan counts of a CheckResult.
void setScanFields(Value &v, const CheckResult &c) {
  v.set("scan_failures", Value::integer(c.scanFailures));
  v.set("out_never_written", Value::integer(c.unwrittenOut));
  v.set("out_nan", Value::integer(c.nanOut));
  v.set("out_inf", Value::integer(c.infOut));
  v.set("bad_lse", Value::integer(c.badLse));
  v.set("bad_max_logits", Value::integer(c.badMaxLogits));
  v.set("nonzero_empty_rows", Value::integer(c.nonzeroEmptyRows));
  v.set("empty_rows", Value::integer(c.emptyRows));
}

/// What the phases of a run share. Members are destroyed in reverse order:
/// the context outlives the packages, so the packages' modules are unloaded
/// while their context is alive.
struct RunState {
  RunState(const Options &o, Value &report) : o(o), report(report) {}

  const Options &o;
  Value &report;
  Context cx;
  PackageHandle pkg, pkg2;
  bool comparing = false; ///< --compare given.
  OpDescription op1, op2;
  Value compare = Value::object(); ///< The report's "compare" member.
  Problem p;
  int l2 = 0; ///< The device's L2 cache size in bytes.
  HostInputs in;
  std::string generator; ///< The report's "generator".
  // Both packages read the same q / kv / indices; each writes its own
  // poisoned outputs.
  DeviceBuffer dq, dkv, didx, dsink, dlength, flush;
  DeviceOutputs d1, d2;
  smla_tensor tq{}, tkv{}, tidx{}, tsink{}, tlength{};
  struct StreamGuard {
    CUstream s = nullptr;
    ~StreamGuard() {
      if (s)
        cuStreamDestroy(s);
    }
  } stream;
  uint32_t grid[3] = {0, 0, 0}, grid2[3] = {0, 0, 0};
  HostOutputs outs, outs2;
};

//--- Package ----------------------------------------------------------------//

/// Loads PACKAGE and, for a split kernel, sets the split policy of
/// --split-parts / --split-any.
void loadPackage(RunState &s) {
  const Options &o = s.o;
  Value &report = s.report;
  if (smla_package_load_file(o.package.c_str(), &s.pkg.p) != SMLA_SUCCESS)
    throw RunError(kExitRuntime,
                   std::string("cannot load package: ") + smla_last_error());
  smla_package *pk = s.pkg.p;
  report.set("entry", Value::string(smla_package_entry(pk)));
  report.set("chip", Value::string(smla_package_chip(pk)));
  report.set("schedule", Value::string(smla_package_schedule(pk)));
  logf("package: %s (entry %s, chip %s, %s)\n", o.package.c_str(),
       smla_package_entry(pk), smla_package_chip(pk), binariesOf(pk));
  if (*smla_package_split_entry(pk)) {
    report.set("split_entry", Value::string(smla_package_split_entry(pk)));
    const sparse_mla::pkg::SplitPolicy defaults;
    const int32_t parts = o.splitParts >= 0
                              ? static_cast<int32_t>(o.splitParts)
                              : static_cast<int32_t>(defaults.maxParts);
    const int32_t waves =
        o.splitAny ? INT32_MAX : static_cast<int32_t>(defaults.maxWaves);
    const int32_t rounds =
        o.splitAny ? 2 : static_cast<int32_t>(defaults.minRounds);
    smlaCheck(smla_package_set_split_policy(pk, parts, waves, rounds),
              "--split-parts / --split-any");
    logf("split kernel: %s (at most %d parts per tile, %s)\n",
         smla_package_split_entry(pk), parts,
         o.splitAny ? "any grid" : "the runtime's default policy");
  }
}

/// Describes PACKAGE's op and, with --compare, loads the second package,
/// which must describe the same op.
void loadComparePackage(RunState &s) {
  const Options &o = s.o;
  Value &report = s.report;
  s.comparing = !o.comparePackage.empty();
  s.op1 = describe(s.pkg.p);
  if (!s.comparing)
    return;
  Value &compare = s.compare;
  compare.set("package", Value::string(o.comparePackage));
  if (smla_package_load_file(o.comparePackage.c_str(), &s.pkg2.p) !=
      SMLA_SUCCESS) {
    compare.set("status", Value::string("not run"));
    report.set("compare", compare);
    throw RunError(kExitRuntime, "--compare: cannot load package: " +
                                     std::string(smla_last_error()));
  }
  smla_package *pk2 = s.pkg2.p;
  compare.set("entry", Value::string(smla_package_entry(pk2)));
  compare.set("chip", Value::string(smla_package_chip(pk2)));
  compare.set("schedule", Value::string(smla_package_schedule(pk2)));
  compare.set("status", Value::string("not run"));
  report.set("compare", compare);
  logf("compare package: %s (entry %s, chip %s, %s)\n",
       o.comparePackage.c_str(), smla_package_entry(pk2),
       smla_package_chip(pk2), binariesOf(pk2));
  logf("  schedule: %s\n  vs main: %s\n", smla_package_schedule(pk2),
       smla_package_schedule(s.pkg.p));
  s.op2 = describe(pk2);
  // With --sm-scale both packages run at that scale.
  if (o.smScale > 0)
    s.op2.smScale = s.op1.smScale;
  const std::string err = sameOpError(s.op1, s.op2);
  if (!err.empty())
    throw RunError(kExitUsage, "--compare " + o.comparePackage +
                                   ": not the same op as " + o.package + ": " +
                                   err);
}

//--- Problem ----------------------------------------------------------------//

/// One of the sizes B, S and Skv: its flag, the static values of the two
/// packages (-1: dynamic), its default, and where the chosen size goes.
struct DynSize {
  const char *name;
  const std::optional<int64_t> &flag;
  int64_t fixed;
  int64_t fixed2;
  int64_t deflt;
  int64_t &dst;
};

std::array<DynSize, 3> dynSizes(RunState &s) {
  const Options &o = s.o;
  auto &sh = s.p.shape;
  const OpDescription &op1 = s.op1, &op2 = s.op2;
  const bool comparing = s.comparing;
  return {{{"B", o.B, op1.B, comparing ? op2.B : -1, 1, sh.B},
           {"S", o.S, op1.S, comparing ? op2.S : -1, 128, sh.S},
           {"Skv", o.Skv, op1.Skv, comparing ? op2.Skv : -1, 1024, sh.Skv}}};
}

/// With --compare: the sizes of the run must suit the second package's
/// static sizes.
void checkCompareSizes(const RunState &s) {
  if (!s.comparing)
    return;
  const auto &sh = s.p.shape;
  const std::string err = staticSizesError(s.op2, sh.B, sh.S, sh.Skv);
  if (!err.empty())
    throw RunError(kExitUsage, "--compare " + s.o.comparePackage + ": " + err);
}

/// The Problem: the op of PACKAGE, the sizes, the scale and q_start.
void chooseProblem(RunState &s) {
  const Options &o = s.o;
  const OpDescription &op1 = s.op1;
  Problem &p = s.p;
  auto &sh = p.shape;
  sh.H = op1.H;
  sh.G = op1.G;
  sh.Dqk = op1.Dqk;
  sh.Dv = op1.Dv;
  sh.topk = op1.topk;
  p.attrs.smScale = o.smScale > 0 ? o.smScale : static_cast<double>(op1.smScale);
  p.attrs.kvStride = op1.kvStride;
  p.attrs.causal = op1.causal;
  p.hasMaxLogits = op1.hasMaxLogits;
  p.hasAttnSink = op1.hasAttnSink;
  p.hasTopkLength = op1.hasTopkLength;
  if (o.sinkGiven && !p.hasAttnSink)
    throw RunError(kExitUsage, "--attn-sink: the package's kernel takes no "
                               "attn_sink (compile the op with it)");
  if (o.lengthGiven && !p.hasTopkLength)
    throw RunError(kExitUsage, "--topk-length: the package's kernel takes no "
                               "topk_length (compile the op with it)");

  // Sizes: flags, else the package's static value (the --compare package's
  // if only it has one), else the defaults.
  for (const DynSize &d : dynSizes(s)) {
    if (d.flag && d.fixed >= 0 && *d.flag != d.fixed)
      throw RunError(kExitUsage, std::string("--") + d.name + " " +
                                     std::to_string(*d.flag) +
                                     ": the package has static " + d.name +
                                     " = " + std::to_string(d.fixed));
    d.dst = d.flag            ? *d.flag
            : d.fixed >= 0    ? d.fixed
            : d.fixed2 >= 0   ? d.fixed2
                              : d.deflt;
  }
  if (o.inputsDir.empty())
    checkCompareSizes(s);
  p.attrs.qStart = static_cast<int32_t>(o.qStart.value_or(0));
}

//--- CUDA -------------------------------------------------------------------//

/// cuInit, the device of --device, and its primary context made current.
void initDevice(RunState &s) {
  const Options &o = s.o;
  Value &report = s.report;
  Context &cx = s.cx;
  CUresult r = cuInit(0);
  if (r != CUDA_SUCCESS)
    throw RunError(kExitRuntime,
                   "cuInit failed: " + cuErrorText(r) +
                       " (no usable NVIDIA GPU or driver on this machine)");
  int count = 0;
  cuCheck(cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (o.device >= count)
    throw RunError(kExitRuntime, "--device " + std::to_string(o.device) +
                                     ": only " + std::to_string(count) +
                                     " CUDA device(s)");
  cuCheck(cuDeviceGet(&cx.dev, static_cast<int>(o.device)), "cuDeviceGet");
  char name[256] = {0};
  cuCheck(cuDeviceGetName(name, sizeof(name) - 1, cx.dev), "cuDeviceGetName");
  int major = 0, minor = 0, l2 = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                       cx.dev);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                       cx.dev);
  cuDeviceGetAttribute(&l2, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, cx.dev);
  s.l2 = l2;
  report.set("card", Value::string(name));
  report.set("device", Value::integer(o.device));
  report.set("compute_capability",
             Value::string(std::to_string(major) + "." + std::to_string(minor)));
  logf("device %lld: %s (sm_%d%d, L2 %s)\n", static_cast<long long>(o.device),
       name, major, minor, humanBytes(static_cast<uint64_t>(l2)).c_str());
  cuCheck(cuDevicePrimaryCtxRetain(&cx.ctx, cx.dev), "cuDevicePrimaryCtxRetain");
  cx.retained = true;
  cuCheck(cuCtxSetCurrent(cx.ctx), "cuCtxSetCurrent");
}

//--- Inputs -----------------------------------------------------------------//

/// --inputs: reads the dump; its sizes must agree with the size flags and
/// the static sizes of the packages, and its q_start is the run's unless
/// --q-start overrides it.
void readInputs(RunState &s) {
  const Options &o = s.o;
  Problem &p = s.p;
  std::vector<std::string> notes;
  int32_t metaQStart = 0;
  loadInputs(o.inputsDir, p, s.in, metaQStart, notes);
  const std::array<DynSize, 3> dyn = dynSizes(s);
  for (const DynSize &d : dyn)
    if (d.flag && *d.flag != d.dst)
      throw RunError(kExitUsage, std::string("--") + d.name + " " +
                                     std::to_string(*d.flag) +
                                     " disagrees with --inputs (" + d.name +
                                     " = " + std::to_string(d.dst) + ")");
  for (const DynSize &d : dyn)
    if (d.fixed >= 0 && d.fixed != d.dst)
      throw RunError(kExitUsage,
                     std::string("--inputs: ") + d.name + " = " +
                         std::to_string(d.dst) + ", but the package has "
                         "static " + d.name + " = " + std::to_string(d.fixed));
  checkCompareSizes(s);
  p.attrs.qStart = o.qStart ? static_cast<int32_t>(*o.qStart) : metaQStart;
  if (o.qStart && *o.qStart != metaQStart)
    notes.push_back("--q-start overrides meta.json's q_start = " +
                    std::to_string(metaQStart));
  for (const std::string &n : notes)
    logf("note: %s\n", n.c_str());
  s.generator = "inputs:" + o.inputsDir;
}

/// The host inputs, read (--inputs) or generated, then reordered
/// (--index-order). Returns the seconds this took.
double makeInputs(RunState &s) {
  const Options &o = s.o;
  s.generator = generatorName(o.generator);
  auto t0 = std::chrono::steady_clock::now();
  if (!o.inputsDir.empty()) {
    readInputs(s);
  } else {
    generateInputs(s.p, o.generator, o.seed, s.in, o.values);
    if (o.values != Values::Uniform)
      s.generator += std::string("+") + valuesName(o.values);
  }
  // attn_sink / topk_length: read from --inputs when the dump has them,
  // else generated.
  const bool makeSink = s.p.hasAttnSink && s.in.attnSink.empty();
  const bool makeLength = s.p.hasTopkLength && s.in.topkLength.empty();
  generateOptionalInputs(s.p, o.sinkMode, o.lengthMode, o.seed, s.in);
  if (makeSink)
    s.generator += std::string("+attn_sink:") + sinkModeName(o.sinkMode);
  if (makeLength)
    s.generator +=
        std::string("+topk_length:") + lengthModeName(o.lengthMode);
  if (o.indexOrder == "sorted")
    sortIndexRows(s.p, s.in);
  else if (o.indexOrder == "aligned")
    alignIndexRows(s.p, s.in);
  if (o.indexOrder != "random")
    s.generator += "+" + o.indexOrder;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

/// The shape, attributes and inputs of the run, in the report and the log.
void reportProblem(RunState &s, double genSeconds) {
  const Options &o = s.o;
  Value &report = s.report;
  const Problem &p = s.p;
  const auto &sh = p.shape;
  Value shape = Value::object();
  shape.set("B", Value::integer(sh.B));
  shape.set("S", Value::integer(sh.S));
  shape.set("Skv", Value::integer(sh.Skv));
  shape.set("H", Value::integer(sh.H));
  shape.set("G", Value::integer(sh.G));
  shape.set("Dqk", Value::integer(sh.Dqk));
  shape.set("Dv", Value::integer(sh.Dv));
  shape.set("topk", Value::integer(sh.topk));
  report.set("shape", shape);
  Value attrs = Value::object();
  attrs.set("sm_scale", Value::float32(static_cast<float>(p.attrs.smScale)));
  attrs.set("kv_stride", Value::integer(p.attrs.kvStride));
  attrs.set("causal", Value::boolean(p.attrs.causal));
  attrs.set("q_start", Value::integer(p.attrs.qStart));
  attrs.set("has_max_logits", Value::boolean(p.hasMaxLogits));
  attrs.set("has_attn_sink", Value::boolean(p.hasAttnSink));
  attrs.set("has_topk_length", Value::boolean(p.hasTopkLength));
  report.set("attrs", attrs);
  report.set("generator", Value::string(s.generator));
  report.set("seed", Value::integer(static_cast<int64_t>(o.seed)));
  report.set("input_pad", Value::integer(o.inputPad));
  logf("shape: B=%lld S=%lld Skv=%lld H=%lld G=%lld Dqk=%lld Dv=%lld "
       "topk=%lld; causal=%d kv_stride=%lld q_start=%d sm_scale=%.9g%s\n",
       (long long)sh.B, (long long)sh.S, (long long)sh.Skv, (long long)sh.H,
       (long long)sh.G, (long long)sh.Dqk, (long long)sh.Dv,
       (long long)sh.topk, p.attrs.causal ? 1 : 0, (long long)p.attrs.kvStride,
       p.attrs.qStart, p.attrs.smScale,
       p.hasMaxLogits ? "; max_logits" : "");
  logf("inputs: %s, seed %llu (%.2f s)\n", s.generator.c_str(),
       static_cast<unsigned long long>(o.seed), genSeconds);
}

//--- Device buffers ---------------------------------------------------------//

/// --input-pad: the strides of the padded device inputs, in the report and
/// the log.
void reportInputPad(RunState &s, const PaddedInputs &padded) {
  auto stridesJson = [](const std::array<int64_t, 4> &st) {
    Value v = Value::array();
    for (int64_t x : st)
      v.push(Value::integer(x));
    return v;
  };
  Value st = Value::object();
  st.set("q", stridesJson(padded.qStrides));
  st.set("kv", stridesJson(padded.kvStrides));
  st.set("indices", stridesJson(padded.idxStrides));
  s.report.set("input_strides", st);
  auto str = [](const std::array<int64_t, 4> &a) {
    return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + ", " +
           std::to_string(a[2]) + ", " + std::to_string(a[3]) + "]";
  };
  logf("input-pad: %lld elements per innermost row (poison bf16 0x%04X, "
       "index %d); strides q %s, kv %s, indices %s\n",
       (long long)s.o.inputPad, unsigned(kInputPadPoison), int(kIndexPadPoison),
       str(padded.qStrides).c_str(), str(padded.kvStrides).c_str(),
       str(padded.idxStrides).c_str());
}

/// The device inputs (copied from the host) and the poisoned outputs of
/// both packages, and their tensors.
void uploadInputs(RunState &s) {
  const Options &o = s.o;
  const Problem &p = s.p;
  const auto &sh = p.shape;
  // With --input-pad the device copies are scattered into the padded layout
  // (host data, reference, --dump and the check stay contiguous). The padded
  // host copy is dropped on return, once the device holds its copy.
  const bool padding = o.inputPad > 0;
  PaddedInputs padded;
  if (padding)
    padded = padInputs(p, s.in, o.inputPad);
  const std::vector<uint16_t> &hq = padding ? padded.q : s.in.q;
  const std::vector<uint16_t> &hkv = padding ? padded.kv : s.in.kv;
  const std::vector<int32_t> &hidx = padding ? padded.indices : s.in.indices;
  if (padding)
    reportInputPad(s, padded);
  s.d2.tag = "compare ";
  s.dq.alloc("q", hq.size() * 2);
  s.dkv.alloc("kv", hkv.size() * 2);
  s.didx.alloc("indices", hidx.size() * 4);
  s.d1.alloc(p, p.hasMaxLogits);
  if (s.comparing)
    s.d2.alloc(p, s.op2.hasMaxLogits);
  if (s.dq.bytes)
    cuCheck(cuMemcpyHtoD(s.dq.ptr, hq.data(), s.dq.bytes), "cuMemcpyHtoD(q)");
  if (s.dkv.bytes)
    cuCheck(cuMemcpyHtoD(s.dkv.ptr, hkv.data(), s.dkv.bytes),
            "cuMemcpyHtoD(kv)");
  if (s.didx.bytes)
    cuCheck(cuMemcpyHtoD(s.didx.ptr, hidx.data(), s.didx.bytes),
            "cuMemcpyHtoD(indices)");
  s.d1.poison();
  if (s.comparing)
    s.d2.poison();

  s.tq = tensorOf(s.dq.ptr, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dqk},
                  padding ? &padded.qStrides : nullptr);
  s.tkv = tensorOf(s.dkv.ptr, SMLA_DTYPE_BF16, {sh.B, sh.Skv, sh.G, sh.Dqk},
                   padding ? &padded.kvStrides : nullptr);
  s.tidx = tensorOf(s.didx.ptr, SMLA_DTYPE_I32, {sh.B, sh.S, sh.G, sh.topk},
                    padding ? &padded.idxStrides : nullptr);
  if (p.hasAttnSink) {
    s.dsink.alloc("attn_sink", s.in.attnSink.size() * 4);
    cuCheck(cuMemcpyHtoD(s.dsink.ptr, s.in.attnSink.data(), s.dsink.bytes),
            "cuMemcpyHtoD(attn_sink)");
    s.tsink = tensorOf(s.dsink.ptr, SMLA_DTYPE_F32, {sh.H});
  }
  if (p.hasTopkLength) {
    s.dlength.alloc("topk_length", s.in.topkLength.size() * 4);
    if (s.dlength.bytes)
      cuCheck(cuMemcpyHtoD(s.dlength.ptr, s.in.topkLength.data(),
                           s.dlength.bytes),
              "cuMemcpyHtoD(topk_length)");
    s.tlength = tensorOf(s.dlength.ptr, SMLA_DTYPE_I32, {sh.B, sh.S});
  }
}

/// The launch operands of the run's tensors and \p d's outputs.
smla_launch_operands launchOperands(const RunState &s, const DeviceOutputs &d) {
  smla_launch_operands o{};
  o.q = &s.tq;
  o.kv = &s.tkv;
  o.indices = &s.tidx;
  o.q_start = s.p.attrs.qStart;
  o.attn_sink = s.p.hasAttnSink ? &s.tsink : nullptr;
  o.topk_length = s.p.hasTopkLength ? &s.tlength : nullptr;
  o.out = &d.tout;
  o.lse = &d.tlse;
  o.max_logits = d.maxLogitsTensor();
  return o;
}

void createStream(RunState &s) {
  CUstream stream;
  cuCheck(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  s.stream.s = stream;
}

//--- First launch and check -------------------------------------------------//

/// With a split kernel: the split plan of the run's sizes on this device, in
/// the report and the log.
void reportSplitPlan(RunState &s) {
  const auto &sh = s.p.shape;
  CUdevice dev;
  int sms = 0;
  cuCheck(cuCtxGetDevice(&dev), "cuCtxGetDevice");
  cuCheck(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                               dev),
          "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)");
  uint32_t plan[3];
  smlaCheck(smla_package_split_plan(s.pkg.p, sh.B, sh.S, sh.Skv, sms, plan),
            "split plan");
  Value split = Value::object();
  split.set("persistent_tiles", Value::integer(plan[0]));
  split.set("split_tiles", Value::integer(plan[1]));
  split.set("parts", Value::integer(plan[2]));
  s.report.set("split_plan", split);
  logf("split plan: %u tiles on the persistent kernel, %u on the split "
       "kernel (%u CTAs each)\n",
       plan[0], plan[1], plan[2]);
}

/// Loads PACKAGE's kernel and works out its launch (grid, split plan).
void prepareKernel(RunState &s) {
  const auto &sh = s.p.shape;
  smla_package *pk = s.pkg.p;
  smla_binary_kind kind = SMLA_BINARY_NONE;
  smlaCheck(smla_package_prepare(pk, &kind), "loading the kernel");
  const char *kindName = kind == SMLA_BINARY_CUBIN ? "cubin" : "ptx";
  s.report.set("binary", Value::string(kindName));
  uint32_t *grid = s.grid, block[3];
  smla_package_block(pk, block);
  smlaCheck(smla_package_grid(pk, sh.B, sh.S, sh.Skv, grid), "grid");
  const uint32_t ctasPerSm = smla_package_ctas_per_sm(pk);
  logf("kernel: loaded from the %s; %s [%u, %u, %u]%s, block [%u, %u, %u], "
       "%u bytes of dynamic shared memory\n",
       kindName, ctasPerSm ? "tiles" : "grid", grid[0], grid[1], grid[2],
       ctasPerSm ? " (persistent: CTAs per SM x SMs, each looping over "
                   "tiles)"
                 : "",
       block[0], block[1], block[2], smla_package_dynamic_shared_memory(pk));
  if (*smla_package_split_entry(pk))
    reportSplitPlan(s);
}

/// One launch of PACKAGE on the run's tensors; \p what names it in errors.
void launchMain(const RunState &s, const char *what) {
  const smla_launch_operands ops = launchOperands(s, s.d1);
  smlaCheck(smla_launch_with(s.pkg.p, &ops, s.stream.s,
                             static_cast<float>(s.o.smScale), 0),
            what);
}

/// One launch of the --compare package: the same device inputs and q_start.
void launchCompare(const RunState &s, const char *what) {
  const smla_launch_operands ops = launchOperands(s, s.d2);
  smlaCheck(smla_launch_with(s.pkg2.p, &ops, s.stream.s,
                             static_cast<float>(s.o.smScale), 0),
            std::string("--compare package: ") + what);
}

/// The launches of PACKAGE whose outputs are checked, copied to s.outs.
void runMainPackage(RunState &s) {
  // --launches N: the checked outputs are the N-th launch's, poisoned again
  // before it (what a kernel leaves behind for the next launch, a
  // workspace say, is then checked).
  for (int64_t i = 0; i < s.o.launches; ++i) {
    if (i > 0) {
      cuCheck(cuStreamSynchronize(s.stream.s),
              "the kernel (an earlier launch)");
      s.d1.poison();
    }
    launchMain(s, "smla_launch");
  }
  cuCheck(cuStreamSynchronize(s.stream.s),
          "the kernel (cuStreamSynchronize after the checked launch)");
  s.d1.copyBack(s.outs);
}

/// The --compare package: loads its kernel, launches it once on the same
/// device inputs and q_start, and copies its outputs to s.outs2.
void runComparePackage(RunState &s) {
  const auto &sh = s.p.shape;
  smla_package *pk2 = s.pkg2.p;
  smla_binary_kind kind2 = SMLA_BINARY_NONE;
  smlaCheck(smla_package_prepare(pk2, &kind2),
            "loading the --compare kernel");
  const char *kindName2 = kind2 == SMLA_BINARY_CUBIN ? "cubin" : "ptx";
  s.compare.set("binary", Value::string(kindName2));
  uint32_t *grid2 = s.grid2, block2[3];
  smla_package_block(pk2, block2);
  smlaCheck(smla_package_grid(pk2, sh.B, sh.S, sh.Skv, grid2),
            "--compare grid");
  logf("compare kernel: loaded from the %s; grid [%u, %u, %u], block [%u, "
       "%u, %u], %u bytes of dynamic shared memory\n",
       kindName2, grid2[0], grid2[1], grid2[2], block2[0], block2[1],
       block2[2], smla_package_dynamic_shared_memory(pk2));
  launchCompare(s, "smla_launch");
  cuCheck(cuStreamSynchronize(s.stream.s), "the --compare kernel "
                                           "(cuStreamSynchronize after the "
                                           "first launch)");
  s.d2.copyBack(s.outs2);
}

/// The report's "check" of a CheckResult on the main package's outputs.
Value checkJson(const Problem &p, const CheckResult &c) {
  Value check = Value::object();
  check.set("status", Value::string(c.passed ? "pass" : "fail"));
  check.set("sampled_positions", Value::integer(c.positions));
  check.set("sampled_rows", Value::integer(c.rowsChecked));
  check.set("row_failures", Value::integer(c.rowFailures));
  check.set("scanned_rows", Value::integer(p.rows()));
  setScanFields(check, c);
  check.set("max_abs_err_out", Value::number(c.maxAbsErrOut));
  check.set("max_abs_err_lse", Value::number(c.maxErrLse));
  check.set("max_abs_err_max_logits",
            p.hasMaxLogits ? Value::number(c.maxErrMaxLogits) : Value::null());
  check.set("min_cosine", Value::number(c.minCosine));
  Value msgs = Value::array();
  for (const std::string &m : c.messages)
    msgs.push(Value::string(m));
  check.set("first_failures", msgs);
  return check;
}

/// The scan and the reference check of PACKAGE's outputs (unless
/// --no-check), in the report and the log. Returns whether they passed.
bool checkMainPackage(RunState &s) {
  const Problem &p = s.p;
  bool passed = true;
  Value check = Value::object();
  if (s.o.noCheck) {
    check.set("status", Value::string("skipped"));
    logf("check: skipped (--no-check)\n");
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    CheckResult c = checkOutputs(p, s.in, s.outs, s.o.checkRows, s.o.seed);
    double checkSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - t0)
                              .count();
    passed = c.passed;
    check = checkJson(p, c);
    logf("check: %s: %lld positions x %lld heads = %lld rows vs float64 "
         "reference, %lld failed; max |err| out %.3g, lse %.3g, max_logits "
         "%.3g; min cosine %.7f\n",
         c.passed ? "PASS" : "FAIL", (long long)c.positions,
         (long long)p.shape.H, (long long)c.rowsChecked,
         (long long)c.rowFailures, c.maxAbsErrOut, c.maxErrLse,
         c.maxErrMaxLogits, c.minCosine);
    logf("scan: %lld rows, %lld with no valid entry; %lld problems (out: %lld "
         "never written, %lld NaN, %lld inf; lse %lld, max_logits %lld, "
         "nonzero empty rows %lld) (%.2f s)\n",
         (long long)p.rows(), (long long)c.emptyRows,
         (long long)c.scanFailures, (long long)c.unwrittenOut,
         (long long)c.nanOut, (long long)c.infOut, (long long)c.badLse,
         (long long)c.badMaxLogits, (long long)c.nonzeroEmptyRows,
         checkSeconds);
    for (const std::string &m : c.messages)
      logf("  %s\n", m.c_str());
  }
  s.report.set("check", check);
  return passed;
}

//--- Differential check -----------------------------------------------------//

/// The report's "first_mismatches" of a CompareResult.
Value mismatchesJson(const CompareResult &cr) {
  Value firsts = Value::array();
  for (const Mismatch &m : cr.firstMismatches) {
    Value v = Value::object();
    v.set("tensor", Value::string(m.tensor));
    v.set("b", Value::integer(m.b));
    v.set("s", Value::integer(m.s));
    v.set("h", Value::integer(m.h));
    v.set("column", m.column >= 0 ? Value::integer(m.column) : Value::null());
    v.set("value", Value::number(m.first));
    v.set("compare_value", Value::number(m.second));
    v.set("message", Value::string(m.message));
    firsts.push(v);
  }
  return firsts;
}

/// The results of the differential check in the report's "compare": \p cr
/// the comparison, \p scan2 the --compare package's own scan.
void setCompareFields(Value &compare, const CompareResult &cr,
                      const CheckResult &scan2) {
  compare.set("rows", Value::integer(cr.rows));
  compare.set("out_elements", Value::integer(cr.outElements));
  compare.set("compared_max_logits", Value::boolean(cr.comparedMaxLogits));
  compare.set("mismatched_rows", Value::integer(cr.mismatchedRows));
  compare.set("out_mismatches", Value::integer(cr.outMismatches));
  compare.set("out_nan", Value::integer(cr.outNan));
  compare.set("cosine_failures", Value::integer(cr.cosineFailures));
  compare.set("lse_mismatches", Value::integer(cr.lseMismatches));
  compare.set("max_logits_mismatches",
              cr.comparedMaxLogits ? Value::integer(cr.maxLogitsMismatches)
                                   : Value::null());
  compare.set("max_abs_diff_out", Value::number(cr.maxAbsErrOut));
  compare.set("max_diff_ratio_out", Value::number(cr.maxErrRatioOut));
  compare.set("max_abs_diff_lse", Value::number(cr.maxErrLse));
  compare.set("max_abs_diff_max_logits",
              cr.comparedMaxLogits ? Value::number(cr.maxErrMaxLogits)
                                   : Value::null());
  compare.set("min_cosine", Value::number(cr.minCosine));
  compare.set("first_mismatches", mismatchesJson(cr));
  Value scan = Value::object();
  scan.set("status", Value::string(scan2.passed ? "pass" : "fail"));
  setScanFields(scan, scan2);
  Value scanMsgs = Value::array();
  for (const std::string &m : scan2.messages)
    scanMsgs.push(Value::string(m));
  scan.set("first_failures", scanMsgs);
  compare.set("scan", scan);
  Value tol = Value::object();
  tol.set("out_abs", Value::number(sparse_mla::ref::kOutAbsTol));
  tol.set("out_rel", Value::number(sparse_mla::ref::kOutRelTol));
  tol.set("out_p_rounding", Value::number(kComparePRoundTol));
  tol.set("min_cosine", Value::number(sparse_mla::ref::kMinCosine));
  tol.set("stat_abs", Value::number(sparse_mla::ref::kStatAbsTol));
  compare.set("tolerance", tol);
}

/// The log lines of the differential check.
void logCompare(const Options &o, const CompareResult &cr,
                const CheckResult &scan2, double cmpSeconds) {
  logf("compare: %s: all %lld rows (%lld out elements) vs %s: %lld rows "
       "differ; out %lld elements (%lld NaN), %lld rows below cosine %.4f; "
       "lse %lld; max_logits %s; max |diff| out %.3g (%.2f of the "
       "tolerance), lse %.3g, max_logits %.3g; min cosine %.7f (%.2f s)\n",
       cr.passed ? "PASS" : "FAIL", (long long)cr.rows,
       (long long)cr.outElements, o.comparePackage.c_str(),
       (long long)cr.mismatchedRows, (long long)cr.outMismatches,
       (long long)cr.outNan, (long long)cr.cosineFailures,
       sparse_mla::ref::kMinCosine, (long long)cr.lseMismatches,
       cr.comparedMaxLogits ? std::to_string(cr.maxLogitsMismatches).c_str()
                            : "not compared",
       cr.maxAbsErrOut, cr.maxErrRatioOut, cr.maxErrLse, cr.maxErrMaxLogits,
       cr.minCosine, cmpSeconds);
  for (const Mismatch &m : cr.firstMismatches)
    logf("  %s\n", m.message.c_str());
  logf("compare-scan: %s: %lld problems in the --compare package's outputs "
       "(out: %lld never written, %lld NaN, %lld inf; lse %lld, max_logits "
       "%lld, nonzero empty rows %lld)\n",
       scan2.passed ? "PASS" : "FAIL", (long long)scan2.scanFailures,
       (long long)scan2.unwrittenOut, (long long)scan2.nanOut,
       (long long)scan2.infOut, (long long)scan2.badLse,
       (long long)scan2.badMaxLogits, (long long)scan2.nonzeroEmptyRows);
  for (const std::string &m : scan2.messages)
    logf("  %s\n", m.c_str());
}

/// --compare: the second package's outputs scanned and compared element by
/// element with the first's, in the report and the log. Returns whether
/// both passed.
bool comparePackages(RunState &s) {
  const auto t0 = std::chrono::steady_clock::now();
  // The second package's own scan (NaN, never written, infinities, empty
  // rows), then every element against the first package's outputs.
  Problem p2 = s.p;
  p2.hasMaxLogits = s.op2.hasMaxLogits;
  const CheckResult scan2 = checkOutputs(p2, s.in, s.outs2, 0, s.o.seed);
  const CompareResult cr = compareOutputs(s.p, s.in, s.outs, s.outs2);
  const double cmpSeconds = std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - t0)
                                .count();
  const bool comparePassed = cr.passed && scan2.passed;
  s.compare.set("status", Value::string(comparePassed ? "pass" : "fail"));
  setCompareFields(s.compare, cr, scan2);
  s.report.set("compare", s.compare);
  logCompare(s.o, cr, scan2, cmpSeconds);
  return comparePassed;
}

//--- Timing -----------------------------------------------------------------//

/// The L2 flush buffer of the timed launches (twice the L2, at least 1 MiB),
/// allocated on first use.
void allocFlush(RunState &s) {
  if (!s.flush.bytes)
    s.flush.alloc("L2 flush buffer",
                  std::max<size_t>(2 * static_cast<size_t>(std::max(s.l2, 0)),
                                   1 << 20));
}

/// --iters: times PACKAGE (report "timing") and checks that the timed
/// launches reproduced the checked outputs. Returns the median in ms (0 if
/// not timed).
double timeMainPackage(RunState &s, double flops, double bytes) {
  Value timing = Value::null();
  double medianMs = 0;
  if (s.o.iters > 0 && s.grid[0] && s.grid[1] && s.grid[2]) {
    allocFlush(s);
    Timing t = timeKernel([&s](const char *what) { launchMain(s, what); },
                          s.stream.s, s.flush, s.o, flops, bytes, "time");
    timing = t.json;
    medianMs = t.medianMs;
    // The timed launches recomputed the same outputs: they must match the
    // checked ones bit for bit (a difference points at a race).
    if (s.d1.out.bytes) {
      const bool same = s.d1.sameAs(s.outs);
      s.report.set("deterministic", Value::boolean(same));
      if (!same)
        logf("warning: outputs of the timed launches differ from the first "
             "launch's (nondeterminism or a race)\n");
    }
  }
  s.report.set("timing", timing);
  return medianMs;
}

/// --iters with --compare: times the second package (report
/// "compare_timing"), with its speedup over PACKAGE's median \p medianMs.
void timeComparePackage(RunState &s, double flops, double bytes,
                        double medianMs) {
  Value timing2 = Value::null();
  if (s.o.iters > 0 && s.grid2[0] && s.grid2[1] && s.grid2[2]) {
    allocFlush(s);
    Timing t = timeKernel([&s](const char *what) { launchCompare(s, what); },
                          s.stream.s, s.flush, s.o, flops, bytes,
                          "compare-time");
    timing2 = t.json;
    // > 1: the main package is faster.
    const bool haveRatio = medianMs > 0 && t.medianMs > 0;
    timing2.set("speedup", haveRatio ? Value::number(t.medianMs / medianMs)
                                     : Value::null());
    if (haveRatio)
      logf("compare-time: speedup %.3fx (--compare median / main median)\n",
           t.medianMs / medianMs);
    if (s.d2.out.bytes) {
      const bool same = s.d2.sameAs(s.outs2);
      timing2.set("deterministic", Value::boolean(same));
      if (!same)
        logf("warning: outputs of the --compare package's timed launches "
             "differ from its first launch's (nondeterminism or a race)\n");
    }
  }
  s.report.set("compare_timing", timing2);
}

/// Times both packages on the nominal work of the problem.
void timePackages(RunState &s) {
  const Problem &p = s.p;
  const auto &sh = p.shape;
  const double flops = 2.0 * sh.B * sh.S * sh.H * sh.topk *
                       static_cast<double>(sh.Dqk + sh.Dv);
  const double bytes = static_cast<double>(sh.B) * sh.S * sh.G * sh.topk *
                           sh.Dqk * 2.0 +
                       static_cast<double>(p.qElems()) * 2.0 +
                       static_cast<double>(p.outElems()) * 2.0;
  const double medianMs = timeMainPackage(s, flops, bytes);
  if (s.comparing)
    timeComparePackage(s, flops, bytes, medianMs);
}

//--- The run ----------------------------------------------------------------//

int run(const Options &o, Value &report) {
  report.set("package", Value::string(o.package));
  RunState s(o, report);
  loadPackage(s);
  loadComparePackage(s);
  chooseProblem(s);
  initDevice(s);
  const double genSeconds = makeInputs(s);
  reportProblem(s, genSeconds);
  uploadInputs(s);
  createStream(s);
  prepareKernel(s);
  runMainPackage(s);
  if (s.comparing)
    runComparePackage(s);
  bool passed = checkMainPackage(s);
  const bool comparePassed = s.comparing ? comparePackages(s) : true;

  if (!o.dumpDir.empty()) {
    dumpFiles(o.dumpDir, s.p, s.in, &s.outs, s.generator, o.seed);
    logf("dump: wrote %s/{q,kv,indices,out,lse%s}.bin and meta.json\n",
         o.dumpDir.c_str(), s.p.hasMaxLogits ? ",max_logits" : "");
  }
  timePackages(s);
  passed = passed && comparePassed;
  report.set("passed", Value::boolean(passed));
  logf("%s\n", passed ? (o.noCheck && !s.comparing ? "DONE (not checked)"
                                                   : "PASS")
                      : "FAIL");
  return passed ? kExitPass : kExitCheckFailed;
}

} // namespace

int main(int argc, char **argv) {
  Value report = Value::object();
  report.set("tool", Value::string("sparse-mla-run"));
  int code;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--json") == 0)
      gJson = true;
  try {
    Options o = parseArgs(argc, argv);
    gJson = o.json;
    Value args = Value::array();
    for (int i = 1; i < argc; ++i)
      args.push(Value::string(argv[i]));
    report.set("args", args);
    code = run(o, report);
    report.set("error", Value::null());
  } catch (const RunError &e) {
    std::fprintf(stderr, "sparse-mla-run: error: %s\n", e.what());
    if (e.code == kExitUsage && !gJson)
      std::fprintf(stderr, "(see sparse-mla-run --help)\n");
    report.set("passed", Value::boolean(false));
    report.set("error", Value::string(e.what()));
    code = e.code;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "sparse-mla-run: error: %s\n", e.what());
    report.set("passed", Value::boolean(false));
    report.set("error", Value::string(std::string("internal: ") + e.what()));
    code = kExitRuntime;
  }
  report.set("exit_code", Value::integer(code));
  if (gJson)
    std::printf("%s\n", json::write(report, -1).c_str());
  return code;
}
