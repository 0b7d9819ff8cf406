//===- main.cpp - sparse-mla-run: run, check and time a kernel package -----===//
//
// sparse-mla-run PACKAGE [flags]; see --help. Loads a package with the
// runtime library, makes deterministic inputs (or reads a dump), poisons the
// outputs, launches once, scans every output and checks sampled rows against
// the float64 CPU reference, then optionally times the kernel with an L2
// flush before each iteration. With --compare PACKAGE2, a second package
// runs on the same device inputs and every element of its outputs is
// compared with the first's (and it is timed the same way). Exit status: 0 pass, 1 check failed, 2 usage
// or input-file error, 3 package / CUDA / launch error.
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include "sparse_mla/json.h"
#include "sparse_mla/runtime.h"

#include <algorithm>
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
    "  --check-rows N          (b, s) positions checked against the float64\n"
    "                          reference, all heads each: first, last and\n"
    "                          random ones (default 64)\n"
    "  --no-check              skip the output scan and the reference check\n"
    "  --warmup N              untimed launches before timing (default 3)\n"
    "  --iters N               timed launches, each after an L2 flush\n"
    "                          (default 10; 0 = no timing)\n"
    "  --json                  print one JSON object on stdout (the log goes\n"
    "                          to stderr)\n"
    "  --dump DIR              write inputs, outputs and meta.json to DIR\n"
    "  --inputs DIR            read q, kv, indices and q_start from a dump\n"
    "  --device N              CUDA device ordinal (default 0)\n"
    "  --compare PACKAGE2      differential check: run PACKAGE2 (the same op)\n"
    "                          on the same inputs and compare every element\n"
    "                          of out, lse and max_logits with PACKAGE's\n"
    "                          (SEMANTICS.md tolerance, PACKAGE2 as the\n"
    "                          reference); timed too unless --iters 0\n"
    "\n"
    "Exit status: 0 pass, 1 check failed, 2 usage or input error,\n"
    "3 package, CUDA or launch error.\n";

struct Options {
  std::string package;
  std::optional<int64_t> B, S, Skv, qStart;
  uint64_t seed = 1;
  Generator generator = Generator::Uniform;
  int64_t checkRows = 64;
  bool noCheck = false;
  int64_t warmup = 3, iters = 10;
  bool json = false;
  std::string dumpDir, inputsDir;
  int64_t device = 0;
  std::string comparePackage; ///< --compare; empty if none.
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
    } else if (flag == "--check-rows")
      o.checkRows = parseIntArg(flag, take(), 0, big);
    else if (flag == "--no-check") {
      noValue();
      o.noCheck = true;
    } else if (flag == "--warmup")
      o.warmup = parseIntArg(flag, take(), 0, 1000000);
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
    else if (flag == "--compare") {
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
                     std::initializer_list<int64_t> sizes) {
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

int run(const Options &o, Value &report) {
  report.set("package", Value::string(o.package));

  //--- Package --------------------------------------------------------------//
  // The context outlives the package (destroyed in reverse order), so the
  // package's module is unloaded while its context is alive.
  Context cx;
  PackageHandle pkg;
  if (smla_package_load_file(o.package.c_str(), &pkg.p) != SMLA_SUCCESS)
    throw RunError(kExitRuntime,
                   std::string("cannot load package: ") + smla_last_error());
  const char *binaries = smla_package_has_cubin(pkg.p)
                             ? (smla_package_has_ptx(pkg.p) ? "cubin+ptx"
                                                            : "cubin")
                             : "ptx";
  report.set("entry", Value::string(smla_package_entry(pkg.p)));
  report.set("chip", Value::string(smla_package_chip(pkg.p)));
  report.set("schedule", Value::string(smla_package_schedule(pkg.p)));
  logf("package: %s (entry %s, chip %s, %s)\n", o.package.c_str(),
       smla_package_entry(pkg.p), smla_package_chip(pkg.p), binaries);

  Problem p;
  auto &sh = p.shape;
  sh.H = smla_package_H(pkg.p);
  sh.G = smla_package_G(pkg.p);
  sh.Dqk = smla_package_Dqk(pkg.p);
  sh.Dv = smla_package_Dv(pkg.p);
  sh.topk = smla_package_topk(pkg.p);
  p.attrs.smScale = static_cast<double>(smla_package_sm_scale(pkg.p));
  p.attrs.kvStride = smla_package_kv_stride(pkg.p);
  p.attrs.causal = smla_package_causal(pkg.p) != 0;
  p.hasMaxLogits = smla_package_has_max_logits(pkg.p) != 0;

  // Sizes: flags, else the package's static value, else the defaults.
  struct DynSize {
    const char *name;
    const std::optional<int64_t> &flag;
    int64_t fixed;
    int64_t deflt;
    int64_t &dst;
  } dyn[] = {{"B", o.B, smla_package_B(pkg.p), 1, sh.B},
             {"S", o.S, smla_package_S(pkg.p), 128, sh.S},
             {"Skv", o.Skv, smla_package_Skv(pkg.p), 1024, sh.Skv}};
  for (DynSize &d : dyn) {
    if (d.flag && d.fixed >= 0 && *d.flag != d.fixed)
      throw RunError(kExitUsage, std::string("--") + d.name + " " +
                                     std::to_string(*d.flag) +
                                     ": the package has static " + d.name +
                                     " = " + std::to_string(d.fixed));
    d.dst = d.flag ? *d.flag : d.fixed >= 0 ? d.fixed : d.deflt;
  }
  p.attrs.qStart = static_cast<int32_t>(o.qStart.value_or(0));

  //--- CUDA -----------------------------------------------------------------//
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
  report.set("card", Value::string(name));
  report.set("device", Value::integer(o.device));
  report.set("compute_capability",
             Value::string(std::to_string(major) + "." + std::to_string(minor)));
  logf("device %lld: %s (sm_%d%d, L2 %s)\n", static_cast<long long>(o.device),
       name, major, minor, humanBytes(static_cast<uint64_t>(l2)).c_str());
  cuCheck(cuDevicePrimaryCtxRetain(&cx.ctx, cx.dev), "cuDevicePrimaryCtxRetain");
  cx.retained = true;
  cuCheck(cuCtxSetCurrent(cx.ctx), "cuCtxSetCurrent");

  //--- Inputs ---------------------------------------------------------------//
  HostInputs in;
  std::string generator = generatorName(o.generator);
  auto t0 = std::chrono::steady_clock::now();
  if (!o.inputsDir.empty()) {
    std::vector<std::string> notes;
    int32_t metaQStart = 0;
    loadInputs(o.inputsDir, p, in, metaQStart, notes);
    for (DynSize &d : dyn)
      if (d.flag && *d.flag != d.dst)
        throw RunError(kExitUsage, std::string("--") + d.name + " " +
                                       std::to_string(*d.flag) +
                                       " disagrees with --inputs (" + d.name +
                                       " = " + std::to_string(d.dst) + ")");
    for (DynSize &d : dyn)
      if (d.fixed >= 0 && d.fixed != d.dst)
        throw RunError(kExitUsage,
                       std::string("--inputs: ") + d.name + " = " +
                           std::to_string(d.dst) + ", but the package has "
                           "static " + d.name + " = " + std::to_string(d.fixed));
    p.attrs.qStart =
        o.qStart ? static_cast<int32_t>(*o.qStart) : metaQStart;
    if (o.qStart && *o.qStart != metaQStart)
      notes.push_back("--q-start overrides meta.json's q_start = " +
                      std::to_string(metaQStart));
    for (const std::string &n : notes)
      logf("note: %s\n", n.c_str());
    generator = "inputs:" + o.inputsDir;
  } else {
    generateInputs(p, o.generator, o.seed, in);
  }
  double genSeconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - t0)
                          .count();

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
  report.set("attrs", attrs);
  report.set("generator", Value::string(generator));
  report.set("seed", Value::integer(static_cast<int64_t>(o.seed)));
  logf("shape: B=%lld S=%lld Skv=%lld H=%lld G=%lld Dqk=%lld Dv=%lld "
       "topk=%lld; causal=%d kv_stride=%lld q_start=%d sm_scale=%.9g%s\n",
       (long long)sh.B, (long long)sh.S, (long long)sh.Skv, (long long)sh.H,
       (long long)sh.G, (long long)sh.Dqk, (long long)sh.Dv,
       (long long)sh.topk, p.attrs.causal ? 1 : 0, (long long)p.attrs.kvStride,
       p.attrs.qStart, p.attrs.smScale,
       p.hasMaxLogits ? "; max_logits" : "");
  logf("inputs: %s, seed %llu (%.2f s)\n", generator.c_str(),
       static_cast<unsigned long long>(o.seed), genSeconds);

  //--- Device buffers -------------------------------------------------------//
  DeviceBuffer dq, dkv, didx, dout, dlse, dml, flush;
  dq.alloc("q", in.q.size() * 2);
  dkv.alloc("kv", in.kv.size() * 2);
  didx.alloc("indices", in.indices.size() * 4);
  dout.alloc("out", static_cast<size_t>(p.outElems()) * 2);
  dlse.alloc("lse", static_cast<size_t>(p.rows()) * 4);
  if (p.hasMaxLogits)
    dml.alloc("max_logits", static_cast<size_t>(p.rows()) * 4);
  if (dq.bytes)
    cuCheck(cuMemcpyHtoD(dq.ptr, in.q.data(), dq.bytes), "cuMemcpyHtoD(q)");
  if (dkv.bytes)
    cuCheck(cuMemcpyHtoD(dkv.ptr, in.kv.data(), dkv.bytes),
            "cuMemcpyHtoD(kv)");
  if (didx.bytes)
    cuCheck(cuMemcpyHtoD(didx.ptr, in.indices.data(), didx.bytes),
            "cuMemcpyHtoD(indices)");
  if (dout.bytes)
    cuCheck(cuMemsetD16(dout.ptr, kOutPoison, dout.bytes / 2),
            "cuMemsetD16(out poison)");
  if (dlse.bytes)
    cuCheck(cuMemsetD32(dlse.ptr, kStatPoison, dlse.bytes / 4),
            "cuMemsetD32(lse poison)");
  if (dml.bytes)
    cuCheck(cuMemsetD32(dml.ptr, kStatPoison, dml.bytes / 4),
            "cuMemsetD32(max_logits poison)");

  smla_tensor tq = tensorOf(dq.ptr, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dqk});
  smla_tensor tkv =
      tensorOf(dkv.ptr, SMLA_DTYPE_BF16, {sh.B, sh.Skv, sh.G, sh.Dqk});
  smla_tensor tidx =
      tensorOf(didx.ptr, SMLA_DTYPE_I32, {sh.B, sh.S, sh.G, sh.topk});
  smla_tensor tout =
      tensorOf(dout.ptr, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dv});
  smla_tensor tlse = tensorOf(dlse.ptr, SMLA_DTYPE_F32, {sh.B, sh.S, sh.H});
  smla_tensor tml = tensorOf(dml.ptr, SMLA_DTYPE_F32, {sh.B, sh.S, sh.H});
  const smla_tensor *pml = p.hasMaxLogits ? &tml : nullptr;

  CUstream stream;
  cuCheck(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  struct StreamGuard {
    CUstream s;
    ~StreamGuard() { cuStreamDestroy(s); }
  } streamGuard{stream};

  //--- First launch and check -----------------------------------------------//
  smla_binary_kind kind = SMLA_BINARY_NONE;
  smlaCheck(smla_package_prepare(pkg.p, &kind), "loading the kernel");
  const char *kindName = kind == SMLA_BINARY_CUBIN ? "cubin" : "ptx";
  report.set("binary", Value::string(kindName));
  uint32_t grid[3] = {0, 0, 0}, block[3];
  smla_package_block(pkg.p, block);
  smlaCheck(smla_package_grid(pkg.p, sh.B, sh.S, sh.Skv, grid), "grid");
  logf("kernel: loaded from the %s; grid [%u, %u, %u], block [%u, %u, %u], "
       "%u bytes of dynamic shared memory\n",
       kindName, grid[0], grid[1], grid[2], block[0], block[1], block[2],
       smla_package_dynamic_shared_memory(pkg.p));

  auto launch = [&](const char *what) {
    smlaCheck(smla_launch(pkg.p, &tq, &tkv, &tidx, p.attrs.qStart, &tout,
                          &tlse, pml, stream),
              what);
  };
  launch("smla_launch");
  cuCheck(cuStreamSynchronize(stream),
          "the kernel (cuStreamSynchronize after the first launch)");

  HostOutputs outs;
  outs.out.resize(static_cast<size_t>(p.outElems()));
  outs.lse.resize(static_cast<size_t>(p.rows()));
  if (p.hasMaxLogits)
    outs.maxLogits.resize(static_cast<size_t>(p.rows()));
  if (dout.bytes)
    cuCheck(cuMemcpyDtoH(outs.out.data(), dout.ptr, dout.bytes),
            "cuMemcpyDtoH(out)");
  if (dlse.bytes)
    cuCheck(cuMemcpyDtoH(outs.lse.data(), dlse.ptr, dlse.bytes),
            "cuMemcpyDtoH(lse)");
  if (dml.bytes)
    cuCheck(cuMemcpyDtoH(outs.maxLogits.data(), dml.ptr, dml.bytes),
            "cuMemcpyDtoH(max_logits)");

  bool passed = true;
  Value check = Value::object();
  if (o.noCheck) {
    check.set("status", Value::string("skipped"));
    logf("check: skipped (--no-check)\n");
  } else {
    t0 = std::chrono::steady_clock::now();
    CheckResult c = checkOutputs(p, in, outs, o.checkRows, o.seed);
    double checkSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - t0)
                              .count();
    passed = c.passed;
    check.set("status", Value::string(c.passed ? "pass" : "fail"));
    check.set("sampled_positions", Value::integer(c.positions));
    check.set("sampled_rows", Value::integer(c.rowsChecked));
    check.set("row_failures", Value::integer(c.rowFailures));
    check.set("scanned_rows", Value::integer(p.rows()));
    check.set("scan_failures", Value::integer(c.scanFailures));
    check.set("out_never_written", Value::integer(c.unwrittenOut));
    check.set("out_nan", Value::integer(c.nanOut));
    check.set("out_inf", Value::integer(c.infOut));
    check.set("bad_lse", Value::integer(c.badLse));
    check.set("bad_max_logits", Value::integer(c.badMaxLogits));
    check.set("nonzero_empty_rows", Value::integer(c.nonzeroEmptyRows));
    check.set("empty_rows", Value::integer(c.emptyRows));
    check.set("max_abs_err_out", Value::number(c.maxAbsErrOut));
    check.set("max_abs_err_lse", Value::number(c.maxErrLse));
    check.set("max_abs_err_max_logits",
              p.hasMaxLogits ? Value::number(c.maxErrMaxLogits)
                             : Value::null());
    check.set("min_cosine", Value::number(c.minCosine));
    Value msgs = Value::array();
    for (const std::string &m : c.messages)
      msgs.push(Value::string(m));
    check.set("first_failures", msgs);
    logf("check: %s: %lld positions x %lld heads = %lld rows vs float64 "
         "reference, %lld failed; max |err| out %.3g, lse %.3g, max_logits "
         "%.3g; min cosine %.7f\n",
         c.passed ? "PASS" : "FAIL", (long long)c.positions, (long long)sh.H,
         (long long)c.rowsChecked, (long long)c.rowFailures, c.maxAbsErrOut,
         c.maxErrLse, c.maxErrMaxLogits, c.minCosine);
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
  report.set("check", check);

  if (!o.dumpDir.empty()) {
    dumpFiles(o.dumpDir, p, in, &outs, generator, o.seed);
    logf("dump: wrote %s/{q,kv,indices,out,lse%s}.bin and meta.json\n",
         o.dumpDir.c_str(), p.hasMaxLogits ? ",max_logits" : "");
  }

  //--- Timing ---------------------------------------------------------------//
  Value timing = Value::null();
  if (o.iters > 0 && grid[0] && grid[1] && grid[2]) {
    const size_t flushBytes =
        std::max<size_t>(2 * static_cast<size_t>(std::max(l2, 0)), 1 << 20);
    flush.alloc("L2 flush buffer", flushBytes);
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
                              flushBytes, stream),
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
    const double flops = 2.0 * sh.B * sh.S * sh.H * sh.topk *
                         static_cast<double>(sh.Dqk + sh.Dv);
    const double bytes = static_cast<double>(sh.B) * sh.S * sh.G * sh.topk *
                             sh.Dqk * 2.0 +
                         static_cast<double>(p.qElems()) * 2.0 +
                         static_cast<double>(p.outElems()) * 2.0;
    const double sec = med * 1e-3;
    timing = Value::object();
    timing.set("warmup", Value::integer(o.warmup));
    timing.set("iters", Value::integer(o.iters));
    timing.set("median_ms", Value::number(med));
    timing.set("min_ms", Value::number(mn));
    timing.set("max_ms", Value::number(mx));
    timing.set("tflops", Value::number(sec > 0 ? flops / sec / 1e12 : 0));
    timing.set("tbps", Value::number(sec > 0 ? bytes / sec / 1e12 : 0));
    timing.set("flops", Value::number(flops));
    timing.set("bytes", Value::number(bytes));
    timing.set("l2_flush_bytes", Value::integer(static_cast<int64_t>(flushBytes)));
    logf("time: median %.4f ms (min %.4f, max %.4f; %lld iters after %lld "
         "warm-up, L2 flushed): %.1f TFLOPS, %.3f TB/s (nominal: all topk "
         "entries)\n",
         med, mn, mx, (long long)o.iters, (long long)o.warmup,
         sec > 0 ? flops / sec / 1e12 : 0, sec > 0 ? bytes / sec / 1e12 : 0);

    // The timed launches recomputed the same outputs: they must match the
    // checked ones bit for bit (a difference points at a race).
    if (dout.bytes) {
      std::vector<uint16_t> again(outs.out.size());
      cuCheck(cuMemcpyDtoH(again.data(), dout.ptr, dout.bytes),
              "cuMemcpyDtoH(out)");
      std::vector<float> lseAgain(outs.lse.size());
      cuCheck(cuMemcpyDtoH(lseAgain.data(), dlse.ptr, dlse.bytes),
              "cuMemcpyDtoH(lse)");
      const bool same =
          again == outs.out &&
          std::memcmp(lseAgain.data(), outs.lse.data(), dlse.bytes) == 0;
      report.set("deterministic", Value::boolean(same));
      if (!same)
        logf("warning: outputs of the timed launches differ from the first "
             "launch's (nondeterminism or a race)\n");
    }
  }
  report.set("timing", timing);
  report.set("passed", Value::boolean(passed));
  logf("%s\n", passed ? (o.noCheck ? "DONE (not checked)" : "PASS") : "FAIL");
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
