//===- runtime_test.cpp - tests of the runtime C API ----------------------===//
//
// RuntimeHost.* need no GPU. Gpu.* launch the plain CUDA kernel of
// test/kernels/naive_fwd.cu (packaged at build time) and compare every row
// with the float64 reference; they skip when no CUDA device is usable.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/package.h"
#include "sparse_mla/reference.h"
#include "sparse_mla/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace pkg = sparse_mla::pkg;
namespace ref = sparse_mla::ref;

namespace {

#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)            \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

std::string naivePath(const char *name) {
  return std::string(SMLA_NAIVE_DIR) + "/" + name + ".smlapkg";
}

std::vector<uint8_t> examplePackageBytes() {
  pkg::Section ptx;
  ptx.kind = pkg::kSectionPtx;
  const std::string text = "// not real PTX\n";
  ptx.data.assign(text.begin(), text.end());
  return pkg::writePackage(pkg::exampleManifest(), {ptx});
}

//===----------------------------------------------------------------------===//
// No GPU needed
//===----------------------------------------------------------------------===//

TEST(RuntimeHost, LoadErrors) {
  smla_package *p = reinterpret_cast<smla_package *>(0x1);
  EXPECT_EQ(smla_package_load_file("/nonexistent/x.smlapkg", &p),
            SMLA_ERROR_IO);
  EXPECT_EQ(p, nullptr);
  EXPECT_HAS(smla_last_error(), "cannot open '/nonexistent/x.smlapkg'");

  const char garbage[] = "this is not a package, but long enough";
  EXPECT_EQ(smla_package_load_memory(garbage, sizeof(garbage), &p),
            SMLA_ERROR_INVALID_PACKAGE);
  EXPECT_HAS(smla_last_error(), "bad magic");

  std::vector<uint8_t> bytes = examplePackageBytes();
  bytes[bytes.size() / 2] ^= 1;
  EXPECT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_ERROR_INVALID_PACKAGE);
  EXPECT_HAS(smla_last_error(), "hash mismatch");

  EXPECT_EQ(smla_package_load_memory(garbage, 10, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(smla_package_load_file(nullptr, &p), SMLA_ERROR_INVALID_ARGUMENT);
  smla_package_destroy(nullptr);
}

TEST(RuntimeHost, Accessors) {
  std::vector<uint8_t> bytes = examplePackageBytes();
  smla_package *p = nullptr;
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS)
      << smla_last_error();
  EXPECT_STREQ(smla_package_entry(p), "sparse_mla_fwd_simple");
  EXPECT_STREQ(smla_package_chip(p), "sm_90a");
  EXPECT_HAS(smla_package_schedule(p), "simple");
  EXPECT_HAS(smla_package_manifest_json(p), "\"format\": \"sparse_mla.package\"");
  uint32_t block[3];
  smla_package_block(p, block);
  EXPECT_EQ(block[0], 128u);
  EXPECT_EQ(block[1], 1u);
  EXPECT_EQ(smla_package_dynamic_shared_memory(p), 91392u);
  EXPECT_EQ(smla_package_ctas_per_sm(p), 0u);
  EXPECT_EQ(smla_package_H(p), 128);
  EXPECT_EQ(smla_package_G(p), 1);
  EXPECT_EQ(smla_package_Dqk(p), 576);
  EXPECT_EQ(smla_package_Dv(p), 512);
  EXPECT_EQ(smla_package_topk(p), 2048);
  EXPECT_EQ(smla_package_B(p), -1);
  EXPECT_EQ(smla_package_S(p), -1);
  EXPECT_EQ(smla_package_Skv(p), -1);
  EXPECT_EQ(smla_package_causal(p), 0);
  EXPECT_EQ(smla_package_kv_stride(p), 1);
  EXPECT_EQ(smla_package_sm_scale(p), 1.0f / 24.0f);
  EXPECT_EQ(smla_package_has_max_logits(p), 1);
  EXPECT_EQ(smla_package_has_cubin(p), 0);
  EXPECT_EQ(smla_package_has_ptx(p), 1);
  uint32_t grid[3];
  ASSERT_EQ(smla_package_grid(p, 2, 4096, 8192, grid), SMLA_SUCCESS);
  EXPECT_EQ(grid[0], 8u * 4096);
  EXPECT_EQ(grid[1], 2u);
  EXPECT_EQ(grid[2], 1u);
  EXPECT_EQ(smla_package_grid(p, 70000, 1, 1, grid), SMLA_ERROR_UNSUPPORTED);
  EXPECT_HAS(smla_last_error(), "grid y: B (70000)");
  smla_package_destroy(p);

  // A persistent package reports its CTAs per SM; its grid is the tiles'.
  pkg::Manifest persistent = pkg::exampleManifest();
  persistent.kernel.ctasPerSm = 1;
  pkg::Section text;
  text.kind = pkg::kSectionPtx;
  text.data = {'/', '/', '\n'};
  bytes = pkg::writePackage(persistent, {text});
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS)
      << smla_last_error();
  EXPECT_EQ(smla_package_ctas_per_sm(p), 1u);
  ASSERT_EQ(smla_package_grid(p, 2, 4096, 8192, grid), SMLA_SUCCESS);
  EXPECT_EQ(grid[0], 8u * 4096);
  EXPECT_EQ(grid[1], 2u);
  EXPECT_STREQ(smla_package_split_entry(p), "");
  uint32_t plan[3];
  ASSERT_EQ(smla_package_split_plan(p, 1, 16, 8192, 132, plan), SMLA_SUCCESS);
  EXPECT_EQ(plan[0], 8u * 16) << "no split kernel: every tile persistent";
  EXPECT_EQ(plan[1], 0u);
  smla_package_destroy(p);

  // A package with a split kernel: the runtime's default policy, and a
  // policy set through the C API.
  pkg::Manifest split = pkg::exampleSplitManifest();
  bytes = pkg::writePackage(split, {text});
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS)
      << smla_last_error();
  EXPECT_STREQ(smla_package_split_entry(p), "fwd_split");
  // H = 128 (8 tiles per token with 16 heads per CTA), S = 4: 32 tiles.
  ASSERT_EQ(smla_package_split_plan(p, 1, 4, 8192, 132, plan), SMLA_SUCCESS);
  EXPECT_EQ(plan[0], 0u);
  EXPECT_EQ(plan[1], 32u);
  EXPECT_EQ(plan[2], 4u);
  // 62 waves: not split by default.
  ASSERT_EQ(smla_package_split_plan(p, 1, 1024, 8192, 132, plan),
            SMLA_SUCCESS);
  EXPECT_EQ(plan[0], 8u * 1024);
  EXPECT_EQ(plan[1], 0u);
  ASSERT_EQ(smla_package_set_split_policy(p, 8, 1000, 2), SMLA_SUCCESS);
  ASSERT_EQ(smla_package_split_plan(p, 1, 1024, 8192, 132, plan),
            SMLA_SUCCESS);
  EXPECT_EQ(plan[0], 8184u);
  EXPECT_EQ(plan[1], 8u);
  EXPECT_EQ(plan[2], 8u);
  ASSERT_EQ(smla_package_set_split_policy(p, 0, 8, 8), SMLA_SUCCESS);
  ASSERT_EQ(smla_package_split_plan(p, 1, 4, 8192, 132, plan), SMLA_SUCCESS);
  EXPECT_EQ(plan[1], 0u) << "max_parts 0: never split";
  EXPECT_EQ(smla_package_set_split_policy(p, -1, 8, 8),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "split policy: max_parts -1");
  EXPECT_EQ(smla_package_split_plan(p, 1, 4, 8192, 0, plan),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "sm_count: 0, expected >= 1");
  smla_package_destroy(p);

  EXPECT_STREQ(smla_package_entry(nullptr), "");
  EXPECT_EQ(smla_package_H(nullptr), 0);
  EXPECT_STREQ(smla_status_string(SMLA_ERROR_CUDA), "SMLA_ERROR_CUDA");
}

TEST(RuntimeHost, LastErrorIsPerThread) {
  smla_package *p;
  EXPECT_EQ(smla_package_load_file("/nonexistent/main", &p), SMLA_ERROR_IO);
  std::string other;
  std::thread t([&] {
    smla_package *q;
    smla_package_load_file("/nonexistent/thread", &q);
    other = smla_last_error();
  });
  t.join();
  EXPECT_HAS(other, "/nonexistent/thread");
  EXPECT_HAS(smla_last_error(), "/nonexistent/main");
}

TEST(RuntimeHost, LaunchValidatesBeforeCuda) {
  // Shape errors are reported before any CUDA call, so this runs anywhere.
  std::vector<uint8_t> bytes = examplePackageBytes();
  smla_package *p = nullptr;
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS);
  smla_tensor q{}, kv{}, idx{}, out{}, lse{}, ml{};
  auto init = [](smla_tensor &t, int dtype, std::vector<int64_t> sizes) {
    t.data = 0x10000;
    t.dtype = dtype;
    t.rank = static_cast<int32_t>(sizes.size());
    int64_t stride = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
      t.sizes[d] = sizes[static_cast<size_t>(d)];
      t.strides[d] = stride;
      stride *= t.sizes[d];
    }
  };
  init(q, SMLA_DTYPE_BF16, {1, 4, 128, 576});
  init(kv, SMLA_DTYPE_BF16, {1, 64, 1, 576});
  init(idx, SMLA_DTYPE_I32, {1, 4, 1, 2048});
  init(out, SMLA_DTYPE_BF16, {1, 4, 64, 512}); // Wrong H.
  init(lse, SMLA_DTYPE_F32, {1, 4, 128});
  init(ml, SMLA_DTYPE_F32, {1, 4, 128});
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(),
             "out: dimension 2 (H) is 64, expected 128 (H of the package)");
  out.rank = 9;
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "out: rank is 9, expected 3 or 4");
  EXPECT_EQ(smla_launch(nullptr, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  // smla_launch_ex: the same checks with trusted memory; unknown flags.
  EXPECT_EQ(smla_launch_ex(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr,
                           0.0f, SMLA_LAUNCH_TRUSTED_MEMORY),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "out: rank is 9, expected 3 or 4");
  EXPECT_EQ(smla_launch_ex(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr,
                           0.0f, 6u),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "flags: unknown bits 0x6");
  out.rank = 4;
  init(out, SMLA_DTYPE_BF16, {1, 4, 128, 512});
  EXPECT_EQ(smla_launch_ex(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr,
                           -1.0f, 0),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "sm_scale: -1, expected a finite value > 0");
  EXPECT_EQ(smla_package_takes_scale(p), 1);
  EXPECT_EQ(smla_package_takes_scale(nullptr), 0);
  smla_package_destroy(p);
}

//===----------------------------------------------------------------------===//
// GPU
//===----------------------------------------------------------------------===//

struct GpuState {
  bool ready = false;
  std::string reason;
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  int major = 0, minor = 0;
};

GpuState &gpu() {
  static GpuState s = [] {
    GpuState st;
    CUresult r = cuInit(0);
    const char *name = nullptr;
    if (r != CUDA_SUCCESS) {
      if (cuGetErrorName(r, &name) != CUDA_SUCCESS)
        name = nullptr;
      st.reason = std::string("cuInit failed: ") +
                  (name ? name : "CUDA error " + std::to_string(r));
      return st;
    }
    int count = 0;
    if (cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
      st.reason = "no CUDA device";
      return st;
    }
    cuDeviceGet(&st.dev, 0);
    cuDeviceGetAttribute(&st.major,
                         CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, st.dev);
    cuDeviceGetAttribute(&st.minor,
                         CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, st.dev);
    if (cuDevicePrimaryCtxRetain(&st.ctx, st.dev) != CUDA_SUCCESS) {
      st.reason = "cuDevicePrimaryCtxRetain failed";
      return st;
    }
    st.ready = true;
    return st;
  }();
  return s;
}

class Gpu : public ::testing::Test {
protected:
  void SetUp() override {
    if (!SMLA_HAVE_NAIVE)
      GTEST_SKIP() << "built without nvcc: no self-test packages";
    if (!gpu().ready)
      GTEST_SKIP() << "no GPU: " << gpu().reason;
    ASSERT_EQ(cuCtxSetCurrent(gpu().ctx), CUDA_SUCCESS);
  }

  smla_package *load(const char *name) {
    smla_package *p = nullptr;
    smla_status s = smla_package_load_file(naivePath(name).c_str(), &p);
    EXPECT_EQ(s, SMLA_SUCCESS) << smla_last_error();
    packages_.push_back(p);
    return p;
  }

  void TearDown() override {
    for (smla_package *p : packages_)
      smla_package_destroy(p);
  }

  std::vector<smla_package *> packages_;
};

struct DevBuf {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  explicit DevBuf(size_t n) : bytes(n) {
    if (n) {
      EXPECT_EQ(cuMemAlloc(&ptr, n), CUDA_SUCCESS);
    }
  }
  ~DevBuf() {
    if (ptr)
      cuMemFree(ptr);
  }
};

/// A tensor of \p sizes whose rows (the last dimension) are padded to
/// sizes.back() + pad elements, and whose other dims are dense.
smla_tensor strided(CUdeviceptr data, int dtype, std::vector<int64_t> sizes,
                    int64_t pad) {
  smla_tensor t{};
  t.data = data;
  t.dtype = dtype;
  t.rank = static_cast<int32_t>(sizes.size());
  int64_t stride = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    t.sizes[d] = sizes[static_cast<size_t>(d)];
    t.strides[d] = stride;
    stride *= std::max<int64_t>(t.sizes[d], 1) + (d == t.rank - 1 ? pad : 0);
  }
  return t;
}

int64_t spanElems(const smla_tensor &t) {
  int64_t e = 1;
  for (int d = 0; d < t.rank; ++d)
    e += (t.sizes[d] - 1) * t.strides[d];
  return e;
}

struct RunSpec {
  int64_t B = 1, S = 4, Skv = 70;
  int32_t qStart = 0;
  int64_t pad = 0; // Row padding of every operand.
  uint32_t seed = 7;
  float smScale = 0.0f; // The launch's scale (smla_launch_ex); 0: the package's.
  uint32_t flags = 0;    // smla_launch_ex's flags.
};

/// Launches \p p on random inputs (invalid and duplicate indices included)
/// and checks every row against the float64 reference. Returns the number
/// of failing rows (-1 if the launch failed).
/// With \p launchStatus, a failing launch is not a test failure: its
/// status is stored there.
int64_t runAndCheck(smla_package *p, const RunSpec &spec,
                    std::string *firstFailure = nullptr,
                    smla_status *launchStatus = nullptr) {
  ref::Shape sh{spec.B, spec.S, spec.Skv, smla_package_H(p),
                smla_package_G(p), smla_package_Dqk(p), smla_package_Dv(p),
                smla_package_topk(p)};
  ref::Attrs at{static_cast<double>(spec.smScale > 0 ? spec.smScale
                                                     : smla_package_sm_scale(p)),
                smla_package_kv_stride(p), smla_package_causal(p) != 0,
                spec.qStart};
  const bool hasMax = smla_package_has_max_logits(p) != 0;

  smla_tensor tq = strided(0, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dqk},
                           spec.pad);
  smla_tensor tkv = strided(0, SMLA_DTYPE_BF16, {sh.B, sh.Skv, sh.G, sh.Dqk},
                            spec.pad);
  smla_tensor ti = strided(0, SMLA_DTYPE_I32, {sh.B, sh.S, sh.G, sh.topk},
                           spec.pad);
  smla_tensor to = strided(0, SMLA_DTYPE_BF16, {sh.B, sh.S, sh.H, sh.Dv},
                           spec.pad);
  smla_tensor tl = strided(0, SMLA_DTYPE_F32, {sh.B, sh.S, sh.H}, spec.pad);
  smla_tensor tm = tl;

  std::mt19937 rng(spec.seed);
  std::uniform_real_distribution<float> val(-1.0f, 1.0f);
  std::vector<uint16_t> q(static_cast<size_t>(spanElems(tq)), 0x7FC1),
      kv(static_cast<size_t>(spanElems(tkv)), 0x7FC1);
  for (auto &v : q)
    v = ref::floatToBf16(val(rng));
  for (auto &v : kv)
    v = ref::floatToBf16(val(rng));
  std::vector<int32_t> idx(static_cast<size_t>(spanElems(ti)), 0);
  std::uniform_int_distribution<int64_t> pick(-3, sh.Skv + 3);
  const int32_t specials[] = {-1, INT_MIN, INT_MAX,
                              static_cast<int32_t>(sh.Skv)};
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t s = 0; s < sh.S; ++s)
      for (int64_t g = 0; g < sh.G; ++g) {
        const bool allInvalid = (b * sh.S + s) % 5 == 3;
        for (int64_t j = 0; j < sh.topk; ++j) {
          int32_t v = static_cast<int32_t>(pick(rng));
          if (allInvalid || j % 11 == 5)
            v = specials[(j + s) % 4];
          idx[static_cast<size_t>(b * ti.strides[0] + s * ti.strides[1] +
                                  g * ti.strides[2] + j)] = v;
        }
      }

  DevBuf dq(q.size() * 2), dkv(kv.size() * 2), di(idx.size() * 4),
      dout(static_cast<size_t>(spanElems(to)) * 2),
      dl(static_cast<size_t>(spanElems(tl)) * 4),
      dm(static_cast<size_t>(spanElems(tm)) * 4);
  EXPECT_EQ(cuMemcpyHtoD(dq.ptr, q.data(), dq.bytes), CUDA_SUCCESS);
  EXPECT_EQ(cuMemcpyHtoD(dkv.ptr, kv.data(), dkv.bytes), CUDA_SUCCESS);
  EXPECT_EQ(cuMemcpyHtoD(di.ptr, idx.data(), di.bytes), CUDA_SUCCESS);
  EXPECT_EQ(cuMemsetD16(dout.ptr, 0x7FC1, dout.bytes / 2), CUDA_SUCCESS);
  EXPECT_EQ(cuMemsetD32(dl.ptr, 0x7FC0DEAD, dl.bytes / 4), CUDA_SUCCESS);
  EXPECT_EQ(cuMemsetD32(dm.ptr, 0x7FC0DEAD, dm.bytes / 4), CUDA_SUCCESS);
  tq.data = dq.ptr;
  tkv.data = dkv.ptr;
  ti.data = di.ptr;
  to.data = dout.ptr;
  tl.data = dl.ptr;
  tm.data = dm.ptr;

  smla_status st =
      smla_launch_ex(p, &tq, &tkv, &ti, spec.qStart, &to, &tl,
                     hasMax ? &tm : nullptr, nullptr, spec.smScale, spec.flags);
  if (launchStatus) {
    *launchStatus = st;
  } else {
    EXPECT_EQ(st, SMLA_SUCCESS) << smla_last_error();
  }
  if (st != SMLA_SUCCESS)
    return -1;
  EXPECT_EQ(cuCtxSynchronize(), CUDA_SUCCESS);

  std::vector<uint16_t> out(static_cast<size_t>(spanElems(to)));
  std::vector<float> lse(static_cast<size_t>(spanElems(tl))),
      ml(static_cast<size_t>(spanElems(tm)));
  EXPECT_EQ(cuMemcpyDtoH(out.data(), dout.ptr, dout.bytes), CUDA_SUCCESS);
  EXPECT_EQ(cuMemcpyDtoH(lse.data(), dl.ptr, dl.bytes), CUDA_SUCCESS);
  EXPECT_EQ(cuMemcpyDtoH(ml.data(), dm.ptr, dm.bytes), CUDA_SUCCESS);

  ref::Inputs in;
  in.q = q.data();
  in.kv = kv.data();
  in.indices = idx.data();
  for (int d = 0; d < 4; ++d) {
    in.qStrides.s[d] = tq.strides[d];
    in.kvStrides.s[d] = tkv.strides[d];
    in.idxStrides.s[d] = ti.strides[d];
  }
  int64_t failures = 0;
  std::vector<float> row(static_cast<size_t>(sh.Dv));
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t s = 0; s < sh.S; ++s)
      for (int64_t h = 0; h < sh.H; ++h) {
        ref::RowResult want = ref::computeRow(sh, at, in, b, s, h);
        const int64_t o = b * to.strides[0] + s * to.strides[1] +
                          h * to.strides[2];
        for (int64_t d = 0; d < sh.Dv; ++d)
          row[static_cast<size_t>(d)] =
              ref::bf16ToFloat(out[static_cast<size_t>(o + d)]);
        const int64_t so = b * tl.strides[0] + s * tl.strides[1] + h;
        ref::RowCheck c =
            ref::checkRow(want, row.data(), lse[static_cast<size_t>(so)],
                          hasMax ? &ml[static_cast<size_t>(so)] : nullptr);
        if (!c.ok) {
          if (failures == 0 && firstFailure)
            *firstFailure = "[" + std::to_string(b) + "," +
                            std::to_string(s) + "," + std::to_string(h) +
                            "]: " + c.message;
          ++failures;
        }
      }
  return failures;
}

TEST_F(Gpu, SmallContiguous) {
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(smla_package_loaded_binary(p), SMLA_BINARY_NONE);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {2, 5, 70, 0, 0, 1}, &why), 0) << why;
  smla_binary_kind kind = smla_package_loaded_binary(p);
  EXPECT_NE(kind, SMLA_BINARY_NONE);
  if (gpu().major == 9 && gpu().minor == 0) {
    EXPECT_EQ(kind, SMLA_BINARY_CUBIN);
  }
}

TEST_F(Gpu, SmallStrided) {
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  std::string why;
  // Padded rows: every stride but the last differs from a dense layout.
  EXPECT_EQ(runAndCheck(p, {3, 4, 50, 0, 8, 2}, &why), 0) << why;
  EXPECT_EQ(runAndCheck(p, {1, 7, 33, 0, 24, 3}, &why), 0) << why;
}

TEST_F(Gpu, ScaleAtLaunch) {
  // The kernel's scale_log2 parameter: one package, any scale.
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(smla_package_takes_scale(p), 1);
  std::string why;
  for (float scale : {0.3f, 0.01f, 1.0f}) {
    RunSpec spec{2, 5, 70, 0, 0, 5};
    spec.smScale = scale;
    EXPECT_EQ(runAndCheck(p, spec, &why), 0) << "sm_scale " << scale << ": "
                                             << why;
  }
}

TEST_F(Gpu, RepeatedLayoutFollowsNewPointers) {
  // A layout launched before takes the planned path, which patches the new
  // data pointers into the parameters it kept: held buffers push the second
  // call's allocations elsewhere, and both results are checked in full.
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  std::string why;
  for (uint32_t flags : {0u, uint32_t(SMLA_LAUNCH_TRUSTED_MEMORY)}) {
    RunSpec spec{2, 5, 70, 3, 8, 11};
    spec.flags = flags;
    EXPECT_EQ(runAndCheck(p, spec, &why), 0) << why;
    DevBuf hold(1 << 20);
    spec.seed = 12;
    EXPECT_EQ(runAndCheck(p, spec, &why), 0) << "second launch: " << why;
    DevBuf hold2(3 << 20);
    spec.seed = 13;
    EXPECT_EQ(runAndCheck(p, spec, &why), 0) << "third launch: " << why;
  }
}

TEST_F(Gpu, CausalStride2NoMaxLogits) {
  smla_package *p = load("naive_small_causal_s2_nomax");
  ASSERT_NE(p, nullptr);
  std::string why;
  for (int32_t qStart : {0, 37, -5, 1000})
    EXPECT_EQ(runAndCheck(p, {2, 6, 70, qStart, 0, 4}, &why), 0)
        << "q_start " << qStart << ": " << why;
}

TEST_F(Gpu, PtxOnlyUsesJit) {
  smla_package *p = load("naive_small_ptx_only");
  ASSERT_NE(p, nullptr);
  smla_binary_kind kind = SMLA_BINARY_NONE;
  ASSERT_EQ(smla_package_prepare(p, &kind), SMLA_SUCCESS) << smla_last_error();
  EXPECT_EQ(kind, SMLA_BINARY_PTX);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {1, 3, 40, 0, 0, 5}, &why), 0) << why;
}

TEST_F(Gpu, ForeignCubinFallsBackToPtx) {
  smla_package *p = load("naive_small_sm80_cubin");
  ASSERT_NE(p, nullptr);
  smla_binary_kind kind = SMLA_BINARY_NONE;
  ASSERT_EQ(smla_package_prepare(p, &kind), SMLA_SUCCESS) << smla_last_error();
  EXPECT_EQ(kind, gpu().major == 8 ? SMLA_BINARY_CUBIN : SMLA_BINARY_PTX);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {1, 3, 40, 0, 0, 6}, &why), 0) << why;
}

TEST_F(Gpu, GarbageCubinFallsBackToPtx) {
  pkg::Package base;
  std::string err;
  ASSERT_TRUE(pkg::readPackageFile(naivePath("naive_small"), base, err)) << err;
  std::vector<pkg::Section> sections;
  pkg::Section junk;
  junk.kind = pkg::kSectionCubin;
  junk.data.assign(300, 0xAB); // No NUL: the runtime must not over-read.
  sections.push_back(junk);
  sections.push_back(*base.find(pkg::kSectionPtx));
  std::vector<uint8_t> bytes = pkg::writePackage(base.manifest, sections);
  smla_package *p = nullptr;
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS);
  packages_.push_back(p);
  smla_binary_kind kind = SMLA_BINARY_NONE;
  ASSERT_EQ(smla_package_prepare(p, &kind), SMLA_SUCCESS) << smla_last_error();
  EXPECT_EQ(kind, SMLA_BINARY_PTX);

  // Neither binary loads: a clear error naming both attempts.
  sections[1].data.assign(100, 'x');
  bytes = pkg::writePackage(base.manifest, sections);
  smla_package *bad = nullptr;
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &bad),
            SMLA_SUCCESS);
  packages_.push_back(bad);
  EXPECT_EQ(smla_package_prepare(bad, &kind), SMLA_ERROR_UNSUPPORTED);
  EXPECT_HAS(smla_last_error(), "cannot load the kernel");
  EXPECT_HAS(smla_last_error(), "cubin: cuModuleLoadDataEx failed: CUDA_ERROR");
  EXPECT_HAS(smla_last_error(), "PTX: cuModuleLoadDataEx (JIT) failed: ");
}

TEST_F(Gpu, MissingEntryAndSharedMemoryLimits) {
  pkg::Package base;
  std::string err;
  ASSERT_TRUE(pkg::readPackageFile(naivePath("naive_small"), base, err)) << err;
  pkg::Manifest m = base.manifest;
  m.kernel.entry = "no_such_kernel";
  std::vector<uint8_t> bytes = pkg::writePackage(m, base.sections);
  smla_package *p = nullptr;
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS);
  packages_.push_back(p);
  EXPECT_EQ(smla_package_prepare(p, nullptr), SMLA_ERROR_CUDA);
  EXPECT_HAS(smla_last_error(), "cuModuleGetFunction(\"no_such_kernel\") "
                                "failed: CUDA_ERROR_NOT_FOUND");

  m = base.manifest;
  m.kernel.dynamicSharedMemory = 1 << 20;
  bytes = pkg::writePackage(m, base.sections);
  ASSERT_EQ(smla_package_load_memory(bytes.data(), bytes.size(), &p),
            SMLA_SUCCESS);
  packages_.push_back(p);
  EXPECT_EQ(smla_package_prepare(p, nullptr), SMLA_ERROR_UNSUPPORTED);
  EXPECT_HAS(smla_last_error(), "kernel.dynamic_shared_memory is 1048576 "
                                "bytes");
}

TEST_F(Gpu, LargeSharedMemoryOptIn) {
  // naive_v32 declares 64 KiB of dynamic shared memory (> the 48 KiB
  // default) and has the DeepSeek-V3.2 head shapes.
  smla_package *p = load("naive_v32");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(smla_package_dynamic_shared_memory(p), 65536u);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {1, 2, 3000, 0, 0, 8}, &why), 0) << why;
}

TEST_F(Gpu, StaticShapes) {
  smla_package *p = load("naive_small_static");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(smla_package_B(p), 2);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {2, 5, 70, 0, 0, 9}, &why), 0) << why;
  smla_status st = SMLA_SUCCESS;
  EXPECT_EQ(runAndCheck(p, {2, 6, 70, 0, 0, 9}, nullptr, &st), -1);
  EXPECT_EQ(st, SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "q: dimension 1 (S) is 6, expected 5 (static "
                                "S of the package)");
}

TEST_F(Gpu, EmptyLaunchDoesNothing) {
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  smla_tensor q = strided(0, SMLA_DTYPE_BF16, {1, 0, 16, 96}, 0);
  smla_tensor kv = strided(0, SMLA_DTYPE_BF16, {1, 10, 2, 96}, 0);
  DevBuf dkv(10 * 2 * 96 * 2);
  kv.data = dkv.ptr;
  smla_tensor idx = strided(0, SMLA_DTYPE_I32, {1, 0, 2, 64}, 0);
  smla_tensor out = strided(0, SMLA_DTYPE_BF16, {1, 0, 16, 64}, 0);
  smla_tensor lse = strided(0, SMLA_DTYPE_F32, {1, 0, 16}, 0);
  smla_tensor ml = lse;
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_SUCCESS)
      << smla_last_error();
}

TEST_F(Gpu, RejectsBadPointers) {
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  const int64_t B = 1, S = 2, Skv = 8;
  DevBuf dq(B * S * 16 * 96 * 2), dkv(B * Skv * 2 * 96 * 2),
      di(B * S * 2 * 64 * 4), dout(B * S * 16 * 64 * 2), dl(B * S * 16 * 4),
      dm(B * S * 16 * 4);
  smla_tensor q = strided(dq.ptr, SMLA_DTYPE_BF16, {B, S, 16, 96}, 0);
  smla_tensor kv = strided(dkv.ptr, SMLA_DTYPE_BF16, {B, Skv, 2, 96}, 0);
  smla_tensor idx = strided(di.ptr, SMLA_DTYPE_I32, {B, S, 2, 64}, 0);
  smla_tensor out = strided(dout.ptr, SMLA_DTYPE_BF16, {B, S, 16, 64}, 0);
  smla_tensor lse = strided(dl.ptr, SMLA_DTYPE_F32, {B, S, 16}, 0);
  smla_tensor ml = strided(dm.ptr, SMLA_DTYPE_F32, {B, S, 16}, 0);
  ASSERT_EQ(cuMemsetD32(di.ptr, 0xFFFFFFFFu, di.bytes / 4), CUDA_SUCCESS);
  ASSERT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_SUCCESS)
      << smla_last_error();
  ASSERT_EQ(cuCtxSynchronize(), CUDA_SUCCESS);

  // A host pointer.
  std::vector<uint16_t> host(static_cast<size_t>(B * S * 16 * 96 + 64));
  smla_tensor bad = q;
  bad.data = (reinterpret_cast<uintptr_t>(host.data()) + 15) & ~uintptr_t(15);
  EXPECT_EQ(smla_launch(p, &bad, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "q: data pointer 0x");
  EXPECT_HAS(smla_last_error(), "is not CUDA memory");

  // Page-locked host memory.
  void *pinned = nullptr;
  ASSERT_EQ(cuMemAllocHost(&pinned, 4096), CUDA_SUCCESS);
  bad = lse;
  bad.data = reinterpret_cast<uintptr_t>(pinned);
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &bad, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "lse: data pointer");
  EXPECT_HAS(smla_last_error(), "page-locked host memory");
  cuMemFreeHost(pinned);

  // Past the end of the allocation.
  bad = kv;
  bad.sizes[1] = Skv + 1;
  EXPECT_EQ(smla_launch(p, &q, &bad, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "kv: the tensor spans");
  EXPECT_HAS(smla_last_error(), "its allocation");

  // Misaligned.
  bad = out;
  bad.data += 2;
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &bad, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "is not 16-byte aligned");

  // max_logits is required by this package.
  EXPECT_EQ(smla_launch(p, &q, &kv, &idx, 0, &out, &lse, nullptr, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "max_logits: the package computes");

  // No current context.
  CUcontext none = nullptr;
  ASSERT_EQ(cuCtxSetCurrent(none), CUDA_SUCCESS);
  smla_package *fresh = load("naive_small");
  EXPECT_EQ(smla_launch(fresh, &q, &kv, &idx, 0, &out, &lse, &ml, nullptr),
            SMLA_ERROR_INVALID_ARGUMENT);
  EXPECT_HAS(smla_last_error(), "no CUDA context is current");
  EXPECT_EQ(smla_package_loaded_binary(fresh), SMLA_BINARY_NONE);
  ASSERT_EQ(cuCtxSetCurrent(gpu().ctx), CUDA_SUCCESS);
}

TEST_F(Gpu, ModulesPerContext) {
  // One package used in two contexts loads one module in each; destroy
  // unloads both (each in its own context) while they are alive.
  CUcontext ctx = nullptr;
  ASSERT_EQ(cuCtxCreate(&ctx, nullptr, 0, gpu().dev), CUDA_SUCCESS);
  smla_package *p = nullptr;
  ASSERT_EQ(smla_package_load_file(naivePath("naive_small").c_str(), &p),
            SMLA_SUCCESS);
  EXPECT_EQ(smla_package_loaded_binary(p), SMLA_BINARY_NONE);
  ASSERT_EQ(smla_package_prepare(p, nullptr), SMLA_SUCCESS)
      << smla_last_error();
  EXPECT_NE(smla_package_loaded_binary(p), SMLA_BINARY_NONE);
  ASSERT_EQ(cuCtxSetCurrent(gpu().ctx), CUDA_SUCCESS);
  EXPECT_EQ(smla_package_loaded_binary(p), SMLA_BINARY_NONE);
  std::string why;
  EXPECT_EQ(runAndCheck(p, {1, 3, 40, 0, 0, 10}, &why), 0) << why;
  EXPECT_NE(smla_package_loaded_binary(p), SMLA_BINARY_NONE);
  smla_package_destroy(p);
  CUcontext current = nullptr;
  ASSERT_EQ(cuCtxGetCurrent(&current), CUDA_SUCCESS);
  EXPECT_EQ(current, gpu().ctx); // destroy restored the current context.
  ASSERT_EQ(cuCtxDestroy(ctx), CUDA_SUCCESS);
  ASSERT_EQ(cuCtxSetCurrent(gpu().ctx), CUDA_SUCCESS);
}

TEST_F(Gpu, ConcurrentFirstLaunches) {
  // Several threads race to load the module and launch: one module, right
  // results everywhere.
  smla_package *p = load("naive_small");
  ASSERT_NE(p, nullptr);
  std::vector<std::thread> threads;
  std::vector<int64_t> failures(4, -2);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      if (cuCtxSetCurrent(gpu().ctx) != CUDA_SUCCESS)
        return;
      failures[static_cast<size_t>(t)] =
          runAndCheck(p, {1, 3 + t, 50, t, 0, static_cast<uint32_t>(20 + t)});
    });
  for (std::thread &th : threads)
    th.join();
  for (int64_t f : failures)
    EXPECT_EQ(f, 0);
}

TEST_F(Gpu, TensorMapsAreEncodedAndPassed) {
  if (gpu().major < 9)
    GTEST_SKIP() << "tensor maps need sm_90";
  for (const char *name : {"tmap_probe_none", "tmap_probe_sw128"}) {
    SCOPED_TRACE(name);
    smla_package *p = load(name);
    ASSERT_NE(p, nullptr);
    const int64_t Skv = 64;
    DevBuf dq(16 * 576 * 2), dkv(Skv * 576 * 2), di(64 * 4),
        dout(16 * 512 * 2), dl(16 * 4);
    std::vector<uint16_t> kv(static_cast<size_t>(Skv * 576));
    for (size_t i = 0; i < kv.size(); ++i)
      kv[i] = static_cast<uint16_t>(i * 2654435761u >> 7);
    ASSERT_EQ(cuMemcpyHtoD(dkv.ptr, kv.data(), dkv.bytes), CUDA_SUCCESS);
    ASSERT_EQ(cuMemsetD32(dl.ptr, 0, 16), CUDA_SUCCESS);
    smla_tensor q = strided(dq.ptr, SMLA_DTYPE_BF16, {1, 1, 16, 576}, 0);
    smla_tensor tkv = strided(dkv.ptr, SMLA_DTYPE_BF16, {1, Skv, 1, 576}, 0);
    smla_tensor idx = strided(di.ptr, SMLA_DTYPE_I32, {1, 1, 1, 64}, 0);
    smla_tensor out = strided(dout.ptr, SMLA_DTYPE_BF16, {1, 1, 16, 512}, 0);
    smla_tensor lse = strided(dl.ptr, SMLA_DTYPE_F32, {1, 1, 16}, 0);
    ASSERT_EQ(smla_launch(p, &q, &tkv, &idx, 0, &out, &lse, nullptr, nullptr),
              SMLA_SUCCESS)
        << smla_last_error();
    ASSERT_EQ(cuCtxSynchronize(), CUDA_SUCCESS);
    float res[3];
    ASSERT_EQ(cuMemcpyDtoH(res, dl.ptr, sizeof(res)), CUDA_SUCCESS);
    EXPECT_EQ(res[2], 1.0f) << "probe did not run";
    EXPECT_EQ(res[0], 0.0f) << "mismatches; first at row*64+col " << res[1];
  }
}

} // namespace
