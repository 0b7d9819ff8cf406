//===- launch_test.cpp - argument validation, grid, parameter buffer ------===//

#include "sparse_mla/package.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <functional>

using namespace sparse_mla::pkg;

namespace {

#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)            \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

const void *fakePtr(uintptr_t addr) {
  return reinterpret_cast<const void *>(addr);
}

/// Good arguments for a manifest (dynamic B, S, Skv) and their tensors.
struct Args {
  TensorArg q, kv, indices, out, lse, maxLogits;
  LaunchArgs launch;

  Args(const Manifest &m, int64_t B, int64_t S, int64_t Skv,
       bool withMax = true) {
    const Op &op = m.op;
    q = contiguousTensor(fakePtr(0x100000), kBF16, {B, S, op.H, op.Dqk});
    kv = contiguousTensor(fakePtr(0x200000), kBF16, {B, Skv, op.G, op.Dqk});
    indices =
        contiguousTensor(fakePtr(0x300000), kI32, {B, S, op.G, op.topk});
    out = contiguousTensor(fakePtr(0x400000), kBF16, {B, S, op.H, op.Dv});
    lse = contiguousTensor(fakePtr(0x500000), kF32, {B, S, op.H});
    maxLogits = contiguousTensor(fakePtr(0x600000), kF32, {B, S, op.H});
    relink(withMax);
  }
  Args(const Args &o) { *this = o; }
  Args &operator=(const Args &o) {
    q = o.q;
    kv = o.kv;
    indices = o.indices;
    out = o.out;
    lse = o.lse;
    maxLogits = o.maxLogits;
    relink(o.launch.maxLogits != nullptr);
    launch.qStart = o.launch.qStart;
    return *this;
  }
  void relink(bool withMax) {
    launch.q = &q;
    launch.kv = &kv;
    launch.indices = &indices;
    launch.out = &out;
    launch.lse = &lse;
    launch.maxLogits = withMax ? &maxLogits : nullptr;
  }
};

std::string validateErr(const Manifest &m, const Args &a) {
  LaunchShape shape;
  std::string err;
  EXPECT_FALSE(validateLaunchArgs(m, a.launch, shape, err));
  return err;
}

/// The example manifest with the optional attn_sink and topk_length
/// parameters, after q_start as the compiler emits them.
Manifest withOptionalOperands() {
  Manifest m = exampleManifest();
  auto &ps = m.kernel.params;
  auto at = std::find_if(ps.begin(), ps.end(),
                         [](const Param &p) { return p.name == "q_start"; });
  Param sink, length;
  sink.name = "attn_sink";
  sink.rank = 1;
  sink.element = kF32;
  length.name = "topk_length";
  length.rank = 2;
  length.element = kI32;
  ps.insert(ps.insert(at + 1, sink) + 1, length);
  return m;
}

TEST(Launch, OptionalOperandsGivenIffTheKernelTakesThem) {
  Manifest m = withOptionalOperands();
  std::string err;
  ASSERT_TRUE(checkManifest(m, err)) << err;
  Args a(m, 2, 100, 3000);
  TensorArg sink = contiguousTensor(fakePtr(0x700000), kF32, {m.op.H});
  TensorArg length = contiguousTensor(fakePtr(0x800000), kI32, {2, 100});
  // Missing: named.
  EXPECT_HAS(validateErr(m, a), "attn_sink: the package's kernel takes "
                                "attn_sink but no tensor was given");
  a.launch.attnSink = &sink;
  EXPECT_HAS(validateErr(m, a), "topk_length: the package's kernel takes "
                                "topk_length but no tensor was given");
  a.launch.topkLength = &length;
  LaunchShape shape;
  ASSERT_TRUE(validateLaunchArgs(m, a.launch, shape, err)) << err;
  // Shapes and dtypes.
  TensorArg badSink = contiguousTensor(fakePtr(0x700000), kF32, {m.op.H + 1});
  a.launch.attnSink = &badSink;
  EXPECT_HAS(validateErr(m, a), "attn_sink: dimension 0 (H)");
  a.launch.attnSink = &sink;
  TensorArg badLength = contiguousTensor(fakePtr(0x800000), kI32, {2, 99});
  a.launch.topkLength = &badLength;
  EXPECT_HAS(validateErr(m, a), "topk_length: dimension 1 (S) is 99, but q "
                                "has S = 100");
  TensorArg f32Length = contiguousTensor(fakePtr(0x800000), kF32, {2, 100});
  a.launch.topkLength = &f32Length;
  EXPECT_HAS(validateErr(m, a), "topk_length");
  // Given to a kernel without them: refused, named.
  Manifest plain = exampleManifest();
  Args b(plain, 2, 100, 3000);
  b.launch.attnSink = &sink;
  EXPECT_HAS(validateErr(plain, b), "attn_sink: a tensor was given, but the "
                                    "package's kernel has no attn_sink");
}

TEST(Launch, GoodArgsAccepted) {
  Manifest m = exampleManifest();
  Args a(m, 2, 100, 3000);
  LaunchShape shape;
  std::string err;
  ASSERT_TRUE(validateLaunchArgs(m, a.launch, shape, err)) << err;
  EXPECT_EQ(shape.B, 2);
  EXPECT_EQ(shape.S, 100);
  EXPECT_EQ(shape.Skv, 3000);

  // Non-contiguous outer strides are fine.
  Args b = a;
  b.q.strides[0] *= 2;
  b.q.strides[1] = 128 * 640; // Padded rows.
  b.q.strides[2] = 640;
  b.kv.strides[1] = 1024;
  ASSERT_TRUE(validateLaunchArgs(m, b.launch, shape, err)) << err;

  // Empty tensors may have null pointers.
  Args e(m, 1, 0, 0);
  e.q.data = nullptr;
  e.kv.data = nullptr;
  e.indices.data = nullptr;
  e.out.data = nullptr;
  e.lse.data = nullptr;
  e.maxLogits.data = nullptr;
  ASSERT_TRUE(validateLaunchArgs(m, e.launch, shape, err)) << err;
  EXPECT_EQ(shape.S, 0);

  // Static sizes that match.
  Manifest st = m;
  st.op.B = 2;
  st.op.S = 100;
  st.op.Skv = 3000;
  ASSERT_TRUE(validateLaunchArgs(st, a.launch, shape, err)) << err;

  // No max_logits when the package has none.
  Manifest nm = m;
  nm.op.hasMaxLogits = false;
  nm.kernel.params = standardParams(false);
  Args c(nm, 1, 4, 64, false);
  ASSERT_TRUE(validateLaunchArgs(nm, c.launch, shape, err)) << err;
}

TEST(Launch, BadArgsRejected) {
  const Manifest m = exampleManifest();
  const Args good(m, 2, 100, 3000);
  struct Case {
    std::function<void(Args &)> edit;
    const char *message;
  };
  const Case cases[] = {
      {[](Args &a) { a.q.dtype = kF32; }, "q: dtype is f32, expected bf16"},
      {[](Args &a) { a.launch.smScale = -0.5; },
       "sm_scale: -0.5, expected a finite value > 0"},
      {[](Args &a) { a.launch.smScale = 1e39; },
       "sm_scale: 1e+39, expected a finite value > 0"},
      {[](Args &a) { a.launch.smScale = std::nan(""); },
       "sm_scale: nan, expected a finite value > 0"},
      {[](Args &a) { a.launch.smScale = 1e-50; },
       "sm_scale: 1e-50, expected a finite value > 0"},
      {[](Args &a) { a.indices.dtype = kBF16; },
       "indices: dtype is bf16, expected i32"},
      {[](Args &a) { a.lse.dtype = 9; },
       "lse: dtype is dtype(9), expected f32"},
      {[](Args &a) { a.kv.rank = 3; },
       "kv: rank is 3, expected 4 ([B, Skv, G, Dqk])"},
      {[](Args &a) { a.lse.rank = 4; },
       "lse: rank is 4, expected 3 ([B, S, H])"},
      {[](Args &a) { a.q.sizes[2] = 64; },
       "q: dimension 2 (H) is 64, expected 128 (H of the package)"},
      {[](Args &a) { a.q.sizes[3] = 512; },
       "q: dimension 3 (Dqk) is 512, expected 576 (Dqk of the package)"},
      {[](Args &a) { a.kv.sizes[2] = 2; },
       "kv: dimension 2 (G) is 2, expected 1 (G of the package)"},
      {[](Args &a) { a.indices.sizes[3] = 1024; },
       "indices: dimension 3 (topk) is 1024, expected 2048 (topk of the "
       "package)"},
      {[](Args &a) { a.out.sizes[3] = 576; },
       "out: dimension 3 (Dv) is 576, expected 512 (Dv of the package)"},
      {[](Args &a) { a.kv.sizes[0] = 3; },
       "kv: dimension 0 (B) is 3, but q has B = 2"},
      {[](Args &a) { a.indices.sizes[1] = 99; },
       "indices: dimension 1 (S) is 99, but q has S = 100"},
      {[](Args &a) { a.lse.sizes[0] = 1; },
       "lse: dimension 0 (B) is 1, but q has B = 2"},
      {[](Args &a) { a.maxLogits.sizes[1] = 7; },
       "max_logits: dimension 1 (S) is 7, but q has S = 100"},
      {[](Args &a) { a.out.sizes[1] = 101; },
       "out: dimension 1 (S) is 101, but q has S = 100"},
      {[](Args &a) { a.q.sizes[1] = -5; },
       "q: dimension 1 (S) has size -5, expected a size >= 0"},
      {[](Args &a) { a.kv.strides[1] = 0; },
       "kv: stride of dimension 1 (Skv) is 0, expected a stride > 0"},
      {[](Args &a) { a.out.strides[0] = -4; },
       "out: stride of dimension 0 (B) is -4, expected a stride > 0"},
      {[](Args &a) { a.q.strides[3] = 2; },
       "q: stride of dimension 3 (Dqk, the last) is 2, expected 1 (the last "
       "dimension must be contiguous)"},
      {[](Args &a) { a.lse.strides[2] = 0; },
       "lse: stride of dimension 2 (H, the last) is 0, expected 1"},
      {[](Args &a) { a.kv.data = fakePtr(0x200002); },
       "kv: data pointer 0x200002 is not 16-byte aligned (address mod 16 = "
       "2)"},
      {[](Args &a) { a.maxLogits.data = fakePtr(0x600008); },
       "max_logits: data pointer 0x600008 is not 16-byte aligned"},
      {[](Args &a) { a.out.data = nullptr; },
       "out: data pointer is null but the tensor is not empty (shape [2, "
       "100, 128, 512])"},
      {[](Args &a) { a.launch.maxLogits = nullptr; },
       "max_logits: the package computes max_logits (op.has_max_logits = "
       "true) but no tensor was given"},
      {[](Args &a) { a.launch.indices = nullptr; },
       "indices: missing (no tensor given)"},
      {[](Args &a) { a.q.strides[0] = INT64_MAX; },
       "q: shape [2, 100, 128, 576] with these strides spans more elements "
       "than int64 can address"},
  };
  for (const Case &c : cases) {
    Args a = good;
    c.edit(a);
    EXPECT_HAS(validateErr(m, a), c.message);
  }

  // Static B/S/Skv of the package.
  Manifest st = m;
  st.op.S = 64;
  EXPECT_HAS(validateErr(st, good),
             "q: dimension 1 (S) is 100, expected 64 (static S of the "
             "package)");
  st = m;
  st.op.Skv = 4096;
  EXPECT_HAS(validateErr(st, good),
             "kv: dimension 1 (Skv) is 3000, expected 4096 (static Skv of "
             "the package)");
  st = m;
  st.op.B = 1;
  EXPECT_HAS(validateErr(st, good),
             "q: dimension 0 (B) is 2, expected 1 (static B of the package)");

  // max_logits given to a package without it.
  Manifest nm = m;
  nm.op.hasMaxLogits = false;
  nm.kernel.params = standardParams(false);
  EXPECT_HAS(validateErr(nm, good),
             "max_logits: a tensor was given, but the package does not "
             "compute max_logits (op.has_max_logits = false)");
}

// A kernel that copies kv rows in 16-byte pieces refuses strides and
// pointers that would misalign them, naming the value.
TEST(Launch, ScaleCompiledIn) {
  // A package without "scale_log2" runs only its own scale.
  Manifest m = exampleManifest();
  m.kernel.params.pop_back();
  ASSERT_FALSE(takesScaleAtLaunch(m));
  Args a(m, 2, 100, 3000);
  LaunchShape shape;
  std::string err;
  a.launch.smScale = 1.0 / 24;
  EXPECT_TRUE(validateLaunchArgs(m, a.launch, shape, err)) << err;
  a.launch.smScale = 0.1;
  EXPECT_FALSE(validateLaunchArgs(m, a.launch, shape, err));
  EXPECT_HAS(err, "this package's kernel has its scale compiled in");
  EXPECT_TRUE(takesScaleAtLaunch(exampleManifest()));
  EXPECT_TRUE(validateLaunchArgs(exampleManifest(), a.launch, shape, err))
      << err;
}

TEST(Launch, RowAlignment) {
  Manifest m = exampleManifest();
  m.kernel.params[1].rowAlignment = 16;
  {
    Args a(m, 2, 100, 3000);
    LaunchShape shape;
    std::string err;
    EXPECT_TRUE(validateLaunchArgs(m, a.launch, shape, err)) << err;
    // Padded rows that stay multiples of 16 bytes are fine.
    a.kv.strides[2] = m.op.Dqk + 8;
    a.kv.strides[1] = a.kv.strides[2] * m.op.G;
    a.kv.strides[0] = a.kv.strides[1] * 3000;
    EXPECT_TRUE(validateLaunchArgs(m, a.launch, shape, err)) << err;
  }
  {
    Args a(m, 2, 100, 3000);
    a.kv.strides[2] = m.op.Dqk + 1;
    a.kv.strides[1] = a.kv.strides[2] * m.op.G;
    a.kv.strides[0] = a.kv.strides[1] * 3000;
    // Dimension 0 spans 3000 rows (a multiple of 16 bytes); dimension 1 is
    // the first that misaligns.
    EXPECT_HAS(validateErr(m, a),
               "kv: stride of dimension 1 is " +
                   std::to_string(2 * (m.op.Dqk + 1) * m.op.G) +
                   " bytes; this kernel copies rows in 16-byte pieces and "
                   "needs a multiple of 16");
  }
  {
    // Beyond the 16 bytes every pointer has: a 64-byte requirement.
    Manifest m64 = m;
    m64.kernel.params[1].rowAlignment = 64;
    Args a(m64, 2, 100, 3000);
    a.kv.data = fakePtr(0x200010);
    EXPECT_HAS(validateErr(m64, a),
               "kv: data pointer is not 64-byte aligned, which this kernel "
               "needs (it copies rows in 64-byte pieces)");
  }
  // The same strides are fine for a kernel that does not ask.
  {
    Manifest plain = exampleManifest();
    Args a(plain, 2, 100, 3000);
    a.kv.strides[2] = plain.op.Dqk + 1;
    a.kv.strides[1] = a.kv.strides[2] * plain.op.G;
    a.kv.strides[0] = a.kv.strides[1] * 3000;
    LaunchShape shape;
    std::string err;
    EXPECT_TRUE(validateLaunchArgs(plain, a.launch, shape, err)) << err;
  }
}

TEST(Launch, Grid) {
  Manifest m = exampleManifest(); // x = 8 S, y = B, z = 1
  uint32_t grid[3];
  std::string err;
  ASSERT_TRUE(computeGrid(m, {3, 4096, 8192}, grid, err)) << err;
  EXPECT_EQ(grid[0], 8u * 4096u);
  EXPECT_EQ(grid[1], 3u);
  EXPECT_EQ(grid[2], 1u);
  EXPECT_FALSE(gridIsEmpty(grid));

  ASSERT_TRUE(computeGrid(m, {1, 0, 8192}, grid, err)) << err;
  EXPECT_TRUE(gridIsEmpty(grid));

  // x limit: 2^31 - 1.
  ASSERT_TRUE(computeGrid(m, {1, 268435455, 1}, grid, err)) << err;
  EXPECT_EQ(grid[0], 2147483640u);
  EXPECT_FALSE(computeGrid(m, {1, 268435456, 1}, grid, err));
  EXPECT_HAS(err, "grid x: S (268435456) x multiplier 8 exceeds the limit "
                  "2147483647");
  // Multiplication overflow of int64.
  EXPECT_FALSE(computeGrid(m, {1, INT64_MAX / 4, 1}, grid, err));
  EXPECT_HAS(err, "grid x: S");
  // y, z limit: 65535.
  ASSERT_TRUE(computeGrid(m, {65535, 1, 1}, grid, err)) << err;
  EXPECT_FALSE(computeGrid(m, {65536, 1, 1}, grid, err));
  EXPECT_HAS(err, "grid y: B (65536) x multiplier 1 exceeds the limit 65535");
  m.kernel.grid[2] = {GridDim::None, 70000};
  EXPECT_FALSE(computeGrid(m, {1, 1, 1}, grid, err));
  EXPECT_HAS(err, "grid z: multiplier 70000 exceeds the limit 65535");
  m.kernel.grid[2] = {GridDim::Skv, 2};
  ASSERT_TRUE(computeGrid(m, {1, 1, 300}, grid, err)) << err;
  EXPECT_EQ(grid[2], 600u);
}

TEST(Launch, PersistentGrid) {
  Manifest m = exampleManifest();
  std::string err;
  uint32_t grid[3];
  // One CTA per tile: the tiles as they are.
  const uint32_t tiles[3] = {8 * 4096, 3, 1};
  ASSERT_TRUE(launchGrid(m, tiles, 132, grid, err)) << err;
  EXPECT_EQ(grid[0], 8u * 4096u);
  EXPECT_EQ(grid[1], 3u);
  EXPECT_EQ(grid[2], 1u);
  // Persistent: ctas_per_sm x SMs CTAs along x, or fewer if fewer tiles.
  m.kernel.ctasPerSm = 1;
  ASSERT_TRUE(launchGrid(m, tiles, 132, grid, err)) << err;
  EXPECT_EQ(grid[0], 132u);
  EXPECT_EQ(grid[1], 1u);
  EXPECT_EQ(grid[2], 1u);
  m.kernel.ctasPerSm = 2;
  const uint32_t few[3] = {10, 20, 1};
  ASSERT_TRUE(launchGrid(m, few, 114, grid, err)) << err;
  EXPECT_EQ(grid[0], 200u);
  EXPECT_EQ(grid[1], 1u);
  const uint32_t none[3] = {0, 3, 1};
  ASSERT_TRUE(launchGrid(m, none, 132, grid, err)) << err;
  EXPECT_TRUE(gridIsEmpty(grid));
  // The kernel counts tiles in 32 bits.
  const uint32_t many[3] = {2147483647u, 2, 1};
  EXPECT_FALSE(launchGrid(m, many, 132, grid, err));
  EXPECT_HAS(err, "persistent kernel: 4294967294 tiles (2147483647 x 2 x 1)");
  EXPECT_FALSE(launchGrid(m, tiles, 0, grid, err));
  EXPECT_HAS(err, "persistent kernel: SM count 0, expected >= 1");
  // Tiles along y are only counted: B above the CUDA y limit is fine as long
  // as the tiles number fewer than 2^31.
  uint32_t byB[3];
  ASSERT_TRUE(computeGrid(m, {70000, 2, 8192}, byB, err)) << err;
  EXPECT_EQ(byB[1], 70000u);
  ASSERT_TRUE(launchGrid(m, byB, 132, grid, err)) << err;
  EXPECT_EQ(grid[0], 264u);
  EXPECT_EQ(grid[1], 1u);
  m.kernel.ctasPerSm = 0;
  EXPECT_FALSE(computeGrid(m, {70000, 2, 8192}, byB, err));
  EXPECT_HAS(err, "grid y: B (70000) x multiplier 1 exceeds the limit 65535");
}

int64_t slotI64(const ParamBuffer &b, size_t i) {
  int64_t v;
  std::memcpy(&v, b.slotData(i), 8);
  return v;
}

TEST(Launch, SplitPlanPolicy) {
  Manifest m = exampleManifest();
  m.kernel.ctasPerSm = 1;
  // No split kernel: the persistent kernel takes every tile.
  SplitPlan plan = planSplit(m, 32, 132);
  EXPECT_EQ(plan.persistentTiles, 32u);
  EXPECT_EQ(plan.splitCtas(), 0u);
  m.kernel.splitEntry = "fwd_split";
  m.kernel.splitMaxParts = 16; // rounds per tile
  m.kernel.splitWorkspaceBytesPerCta = 135200;
  struct Case {
    uint32_t tiles;
    int64_t sms;
    SplitPolicy policy;
    uint32_t persistent, split, parts;
  } cases[] = {
      // Below one wave: every tile split, min(132 / 32, 16, 8) parts.
      {32, 132, {}, 0, 32, 4},
      {2, 132, {}, 0, 2, 8},
      {2, 132, {16, 8, 8}, 0, 2, 16},
      // 66 < tiles: one part each, so no split.
      {100, 132, {}, 100, 0, 0},
      // One and eight whole waves plus a tail: split; nine: not.
      {140, 132, {}, 132, 8, 8},
      {8 * 132 + 4, 132, {}, 8 * 132, 4, 8},
      {9 * 132 + 4, 132, {}, 9 * 132 + 4, 0, 0},
      {9 * 132 + 4, 132, {8, 1000, 8}, 9 * 132, 4, 8},
      // The V3.2 prefill shape: 62 waves and 8 tiles.
      {8192, 132, {}, 8192, 0, 0},
      // Whole waves: nothing left to split.
      {264, 132, {}, 264, 0, 0},
      // Splitting off.
      {32, 132, {0, 8, 8}, 32, 0, 0},
      {32, 132, {1, 8, 8}, 32, 0, 0},
      // Two CTAs per SM: N = 264.
      {40, 132, {}, 0, 40, 6},
  };
  for (const Case &c : cases) {
    Manifest mc = m;
    if (c.tiles == 40)
      mc.kernel.ctasPerSm = 2;
    plan = planSplit(mc, c.tiles, c.sms, c.policy);
    EXPECT_EQ(plan.persistentTiles, c.persistent) << c.tiles;
    EXPECT_EQ(plan.splitTiles, c.split) << c.tiles;
    EXPECT_EQ(plan.parts, c.parts) << c.tiles;
    EXPECT_EQ(plan.persistentTiles + plan.splitTiles, c.tiles) << c.tiles;
    EXPECT_LE(plan.splitCtas(), uint32_t(mc.kernel.ctasPerSm * c.sms));
  }
  // Tiles of 4 rounds (topk = 512): the split kernel's fixed cost exceeds a
  // tile, so only a policy that asks for it splits them.
  m.kernel.splitMaxParts = 4;
  plan = planSplit(m, 32, 132);
  EXPECT_EQ(plan.splitCtas(), 0u);
  plan = planSplit(m, 32, 132, SplitPolicy{8, 8, 2});
  EXPECT_EQ(plan.splitTiles, 32u);
  EXPECT_EQ(plan.parts, 4u);
}

TEST(Launch, ParamBufferSplitPlan) {
  Manifest m = exampleSplitManifest();
  Args a(m, 2, 100, 3000);
  a.launch.splitTiles = 132;
  a.launch.splitParts = 8;
  a.launch.workspace = 0x7000000;
  ParamBuffer buf;
  std::string err;
  ASSERT_TRUE(buildParamBuffer(m, a.launch, buf, err)) << err;
  const size_t first = slotIndexOfParam(m, 8);
  ASSERT_EQ(buf.slots().size(), first + 3);
  EXPECT_EQ(buf.slots()[first].name, "split_tiles");
  EXPECT_EQ(buf.slots()[first].size, 4u);
  int32_t v;
  std::memcpy(&v, buf.slotData(first), 4);
  EXPECT_EQ(v, 132);
  std::memcpy(&v, buf.slotData(first + 1), 4);
  EXPECT_EQ(v, 8);
  EXPECT_EQ(buf.slots()[first + 2].size, 8u);
  EXPECT_EQ(slotI64(buf, first + 2), 0x7000000);
}

TEST(Launch, ParamBufferLayout) {
  Manifest m = exampleManifest();
  Args a(m, 2, 100, 3000);
  a.launch.qStart = -7;
  a.q.strides[1] = 128 * 640;
  a.q.strides[2] = 640;
  ParamBuffer buf;
  std::string err;
  ASSERT_TRUE(buildParamBuffer(m, a.launch, buf, err)) << err;
  // q, kv, indices, out: 3 + 2*4 = 11 values; q_start 1; lse, max_logits:
  // 3 + 2*3 = 9; scale_log2 1.
  ASSERT_EQ(buf.slots().size(), 11u * 4 + 1 + 9u * 2 + 1);
  EXPECT_EQ(slotIndexOfParam(m, 0), 0u);
  EXPECT_EQ(slotIndexOfParam(m, 3), 33u);
  EXPECT_EQ(slotIndexOfParam(m, 4), 34u);
  EXPECT_EQ(slotIndexOfParam(m, 5), 45u);
  EXPECT_EQ(slotIndexOfParam(m, 6), 54u);
  EXPECT_EQ(slotIndexOfParam(m, 7), 63u);

  // Every value in its own 8-byte slot, in order.
  for (size_t i = 0; i < buf.slots().size(); ++i) {
    EXPECT_EQ(buf.slots()[i].offset, 8 * i) << buf.slots()[i].name;
    EXPECT_EQ(buf.slots()[i].size, i == 33 || i == 63 ? 4u : 8u)
        << buf.slots()[i].name;
    EXPECT_EQ(buf.kernelParams()[i], buf.slotData(i));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.slotData(i)) % 8, 0u);
  }
  EXPECT_EQ(buf.sizeBytes(), 8u * 63 + 4);

  // scale_log2: the package's sm_scale x log2(e), or the launch's.
  float scale;
  EXPECT_EQ(buf.slots()[63].name, "scale_log2");
  std::memcpy(&scale, buf.slotData(63), 4);
  EXPECT_EQ(scale, static_cast<float>(static_cast<double>(1.0f / 24) *
                                      1.4426950408889634));
  a.launch.smScale = 0.1;
  ASSERT_TRUE(buildParamBuffer(m, a.launch, buf, err)) << err;
  std::memcpy(&scale, buf.slotData(63), 4);
  EXPECT_EQ(scale, static_cast<float>(static_cast<double>(0.1f) *
                                      1.4426950408889634));

  // q: rank-4 memref descriptor.
  const char *qNames[] = {"q.allocated", "q.aligned",  "q.offset",
                          "q.sizes[0]",  "q.sizes[1]", "q.sizes[2]",
                          "q.sizes[3]",  "q.strides[0]", "q.strides[1]",
                          "q.strides[2]", "q.strides[3]"};
  const int64_t qValues[] = {0x100000, 0x100000, 0,       2,   100, 128,
                             576,      a.q.strides[0], 128 * 640, 640, 1};
  for (size_t i = 0; i < 11; ++i) {
    EXPECT_EQ(buf.slots()[i].name, qNames[i]);
    EXPECT_EQ(slotI64(buf, i), qValues[i]) << qNames[i];
  }
  // q_start.
  EXPECT_EQ(buf.slots()[33].name, "q_start");
  int32_t qs;
  std::memcpy(&qs, buf.slotData(33), 4);
  EXPECT_EQ(qs, -7);
  // lse: rank-3 memref descriptor.
  const char *lseNames[] = {"lse.allocated", "lse.aligned", "lse.offset",
                            "lse.sizes[0]",  "lse.sizes[1]", "lse.sizes[2]",
                            "lse.strides[0]", "lse.strides[1]",
                            "lse.strides[2]"};
  const int64_t lseValues[] = {0x500000, 0x500000, 0, 2, 100, 128,
                               100 * 128, 128, 1};
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(buf.slots()[45 + i].name, lseNames[i]);
    EXPECT_EQ(slotI64(buf, 45 + i), lseValues[i]) << lseNames[i];
  }
  EXPECT_EQ(buf.slots()[54].name, "max_logits.allocated");
  EXPECT_EQ(slotI64(buf, 54), 0x600000);

  // A copy points into its own storage.
  ParamBuffer copy = buf;
  EXPECT_NE(copy.kernelParams()[0], buf.kernelParams()[0]);
  EXPECT_EQ(copy.kernelParams()[5], copy.slotData(5));
  EXPECT_EQ(slotI64(copy, 5), 128);
}

TEST(Launch, ParamBufferTensorMapSlot) {
  Manifest m = exampleManifest();
  Param tm;
  tm.name = "kv_map";
  tm.kind = ParamKind::TensorMap;
  m.kernel.params.insert(m.kernel.params.begin() + 4, tm); // After q_start.
  TensorMapSpec spec;
  spec.param = 4;
  spec.tensor = "kv";
  spec.box = {64, 1, 1, 64};
  spec.swizzle = 128;
  m.kernel.tensorMaps.push_back(spec);
  std::string err;
  ASSERT_TRUE(checkManifest(m, err)) << err;

  Args a(m, 1, 16, 256);
  ParamBuffer buf;
  ASSERT_TRUE(buildParamBuffer(m, a.launch, buf, err)) << err;
  size_t slot = slotIndexOfParam(m, 4);
  EXPECT_EQ(slot, 34u);
  EXPECT_EQ(buf.slots()[slot].name, "kv_map");
  EXPECT_EQ(buf.slots()[slot].size, 128u);
  EXPECT_EQ(buf.slots()[slot].offset, 384u); // 34 * 8 = 272, aligned to 128.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.slotData(slot)) % 128, 0u);
  EXPECT_EQ(buf.slots()[slot + 1].name, "out.allocated");
  EXPECT_EQ(buf.slots()[slot + 1].offset, 512u);

  std::vector<TensorMapRequest> reqs;
  ASSERT_TRUE(buildTensorMapRequests(m, a.launch, reqs, err)) << err;
  ASSERT_EQ(reqs.size(), 1u);
  const TensorMapRequest &r = reqs[0];
  EXPECT_EQ(r.param, 4);
  EXPECT_EQ(r.rank, 4u);
  EXPECT_EQ(r.dtype, kBF16);
  EXPECT_EQ(r.data, a.kv.data);
  // kv [1, 256, 1, 576], innermost first.
  EXPECT_EQ(r.dims[0], 576u);
  EXPECT_EQ(r.dims[1], 1u);
  EXPECT_EQ(r.dims[2], 256u);
  EXPECT_EQ(r.dims[3], 1u);
  EXPECT_EQ(r.strides[0], 576u * 2);
  EXPECT_EQ(r.strides[1], 576u * 2);
  EXPECT_EQ(r.strides[2], 256u * 576 * 2);
  EXPECT_EQ(r.box[0], 64u);
  EXPECT_EQ(r.box[3], 64u);
  EXPECT_FALSE(r.empty);

  // Strides that a tensor map cannot express.
  Args odd = a;
  odd.kv.strides[1] = 577;
  odd.kv.strides[2] = 577;
  EXPECT_FALSE(buildTensorMapRequests(m, odd.launch, reqs, err));
  EXPECT_HAS(err, "tensor map 0 (parameter 4, kv): stride of dimension 2 is "
                  "1154 bytes; a tensor map needs a multiple of 16");
  // Box row wider than the swizzle span.
  Manifest wide = m;
  wide.kernel.tensorMaps[0].swizzle = 64;
  EXPECT_FALSE(buildTensorMapRequests(wide, a.launch, reqs, err));
  EXPECT_HAS(err, "innermost box of 64 elements is 128 bytes, more than the "
                  "64-byte swizzle span");
  // An empty tensor is flagged, not refused.
  Args e(m, 1, 16, 0);
  ASSERT_TRUE(buildTensorMapRequests(m, e.launch, reqs, err)) << err;
  EXPECT_TRUE(reqs[0].empty);
}

} // namespace
