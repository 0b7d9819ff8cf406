//===- package_test.cpp - manifest and package file tests -----------------===//

#include "sparse_mla/json.h"
#include "sparse_mla/package.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

using namespace sparse_mla::pkg;
using sparse_mla::json::Value;
namespace json = sparse_mla::json;

namespace {

/// The manifest of docs/kernel-package.md, verbatim.
const char *kDocManifest = R"json({
  "format": "sparse_mla.package",
  "version": 1,
  "chip": "sm_90a",
  "compiler": "sparse_mla 0.5.0 (LLVM/MLIR 22.1.8)",
  "kernel": {
    "entry": "sparse_mla_fwd_simple",
    "block": [128, 1, 1],
    "dynamic_shared_memory": 91392,
    "grid": [ {"dim": "S", "multiplier": 8}, {"dim": "B", "multiplier": 1}, {"dim": null, "multiplier": 1} ],
    "params": [
      {"name": "q",          "kind": "memref", "rank": 4, "element": "bf16"},
      {"name": "kv",         "kind": "memref", "rank": 4, "element": "bf16"},
      {"name": "indices",    "kind": "memref", "rank": 4, "element": "i32"},
      {"name": "q_start",    "kind": "i32"},
      {"name": "out",        "kind": "memref", "rank": 4, "element": "bf16"},
      {"name": "lse",        "kind": "memref", "rank": 3, "element": "f32"},
      {"name": "max_logits", "kind": "memref", "rank": 3, "element": "f32"},
      {"name": "scale_log2", "kind": "f32"}
    ],
    "tensor_maps": []
  },
  "op": {
    "H": 128, "G": 1, "Dqk": 576, "Dv": 512, "topk": 2048,
    "B": null, "S": null, "Skv": null,
    "sm_scale": 0.041666668, "kv_stride": 1, "causal": false,
    "has_max_logits": true,
    "schedule": "#sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>"
  }
})json";

/// A manifest using every feature: static sizes, causal, tensor maps.
Manifest richManifest() {
  Manifest m = exampleManifest();
  m.op.B = 2;
  m.op.S = 0;
  m.op.Skv = 4096;
  m.op.causal = true;
  m.op.kvStride = 2;
  m.op.hasMaxLogits = false;
  m.op.smScale = static_cast<double>(0.1f);
  m.op.schedule = "#sparse_mla.schedule<seesaw, \"quoted\">\n";
  m.kernel.params = standardParams(false);
  m.kernel.params[1].rowAlignment = 16; // kv, copied in 16-byte pieces
  Param tm;
  tm.name = "kv_map";
  tm.kind = ParamKind::TensorMap;
  m.kernel.params.push_back(tm);
  TensorMapSpec spec;
  spec.param = 7; // after the standard parameters, scale_log2 last
  spec.tensor = "kv";
  spec.box = {64, 1, 1, 64};
  spec.swizzle = 128;
  m.kernel.tensorMaps.push_back(spec);
  m.kernel.grid[2] = {GridDim::Skv, 3};
  m.kernel.block[1] = 2;
  m.kernel.ctasPerSm = 1; // persistent
  return m;
}

void expectSameManifest(const Manifest &a, const Manifest &b) {
  EXPECT_EQ(manifestToJson(a), manifestToJson(b));
  EXPECT_EQ(a.format, b.format);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.chip, b.chip);
  EXPECT_EQ(a.compiler, b.compiler);
  EXPECT_EQ(a.kernel.entry, b.kernel.entry);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.kernel.block[i], b.kernel.block[i]);
    EXPECT_EQ(a.kernel.grid[i].dim, b.kernel.grid[i].dim);
    EXPECT_EQ(a.kernel.grid[i].multiplier, b.kernel.grid[i].multiplier);
  }
  EXPECT_EQ(a.kernel.dynamicSharedMemory, b.kernel.dynamicSharedMemory);
  EXPECT_EQ(a.kernel.ctasPerSm, b.kernel.ctasPerSm);
  ASSERT_EQ(a.kernel.params.size(), b.kernel.params.size());
  for (size_t i = 0; i < a.kernel.params.size(); ++i) {
    EXPECT_EQ(a.kernel.params[i].name, b.kernel.params[i].name);
    EXPECT_EQ(a.kernel.params[i].kind, b.kernel.params[i].kind);
    if (a.kernel.params[i].kind == ParamKind::Memref) {
      EXPECT_EQ(a.kernel.params[i].rank, b.kernel.params[i].rank);
      EXPECT_EQ(a.kernel.params[i].element, b.kernel.params[i].element);
      EXPECT_EQ(a.kernel.params[i].rowAlignment,
                b.kernel.params[i].rowAlignment);
    }
  }
  ASSERT_EQ(a.kernel.tensorMaps.size(), b.kernel.tensorMaps.size());
  for (size_t i = 0; i < a.kernel.tensorMaps.size(); ++i) {
    EXPECT_EQ(a.kernel.tensorMaps[i].param, b.kernel.tensorMaps[i].param);
    EXPECT_EQ(a.kernel.tensorMaps[i].tensor, b.kernel.tensorMaps[i].tensor);
    EXPECT_EQ(a.kernel.tensorMaps[i].box, b.kernel.tensorMaps[i].box);
    EXPECT_EQ(a.kernel.tensorMaps[i].swizzle, b.kernel.tensorMaps[i].swizzle);
  }
  EXPECT_EQ(a.op.H, b.op.H);
  EXPECT_EQ(a.op.G, b.op.G);
  EXPECT_EQ(a.op.Dqk, b.op.Dqk);
  EXPECT_EQ(a.op.Dv, b.op.Dv);
  EXPECT_EQ(a.op.topk, b.op.topk);
  EXPECT_EQ(a.op.B, b.op.B);
  EXPECT_EQ(a.op.S, b.op.S);
  EXPECT_EQ(a.op.Skv, b.op.Skv);
  EXPECT_EQ(a.op.smScale, b.op.smScale);
  EXPECT_EQ(a.op.kvStride, b.op.kvStride);
  EXPECT_EQ(a.op.causal, b.op.causal);
  EXPECT_EQ(a.op.hasMaxLogits, b.op.hasMaxLogits);
  EXPECT_EQ(a.op.schedule, b.op.schedule);
}

std::vector<Section> smallSections() {
  Section cubin;
  cubin.kind = kSectionCubin;
  cubin.data = {0x7F, 'E', 'L', 'F', 1, 2, 3};
  Section ptx;
  ptx.kind = kSectionPtx;
  const std::string text = ".version 8.0\n.target sm_90a\n";
  ptx.data.assign(text.begin(), text.end());
  return {cubin, ptx};
}

/// A small package: a short manifest (the minimum the checks accept) keeps
/// the exhaustive truncation and corruption loops fast.
std::vector<uint8_t> smallPackage() {
  Manifest m = exampleManifest();
  m.op.schedule = "s";
  return writePackage(m, smallSections());
}

std::string readErr(const std::vector<uint8_t> &bytes) {
  Package p;
  std::string err;
  EXPECT_FALSE(readPackage(bytes.data(), bytes.size(), p, err));
  return err;
}

/// Rewrites the trailing hash after an edit.
void rehash(std::vector<uint8_t> &bytes) {
  uint64_t h = fnv1a64(bytes.data(), bytes.size() - 8);
  for (int i = 0; i < 8; ++i)
    bytes[bytes.size() - 8 + i] = static_cast<uint8_t>(h >> (8 * i));
}

void putU32At(std::vector<uint8_t> &bytes, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    bytes[pos + i] = static_cast<uint8_t>(v >> (8 * i));
}

void putU64At(std::vector<uint8_t> &bytes, size_t pos, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    bytes[pos + i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t getU32At(const std::vector<uint8_t> &bytes, size_t pos) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | bytes[pos + i];
  return v;
}

#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)            \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

//===----------------------------------------------------------------------===//
// Manifest JSON
//===----------------------------------------------------------------------===//

TEST(Manifest, FnvKnownValues) {
  EXPECT_EQ(fnv1a64(nullptr, 0), 0xcbf29ce484222325ull);
  const uint8_t a[] = {'a'};
  EXPECT_EQ(fnv1a64(a, 1), 0xaf63dc4c8601ec8cull);
  const uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(fnv1a64(foobar, 6), 0x85944171f73967e8ull);
}

TEST(Manifest, DocExampleParses) {
  Manifest m;
  std::string err;
  ASSERT_TRUE(parseManifest(kDocManifest, m, err)) << err;
  Manifest want = exampleManifest();
  want.compiler = "sparse_mla 0.5.0 (LLVM/MLIR 22.1.8)";
  expectSameManifest(m, want);
}

TEST(Manifest, JsonRoundTrip) {
  for (const Manifest &m : {exampleManifest(), richManifest()}) {
    std::string err;
    ASSERT_TRUE(checkManifest(m, err)) << err;
    std::string text = manifestToJson(m);
    Manifest back;
    ASSERT_TRUE(parseManifest(text, back, err)) << err << "\n" << text;
    expectSameManifest(m, back);
    EXPECT_EQ(manifestToJson(back), text);
  }
}

TEST(Manifest, UnknownMembersIgnored) {
  Value root;
  std::string err;
  ASSERT_TRUE(json::parse(manifestToJson(exampleManifest()), root, err));
  root.set("future_field", Value::string("x"));
  Manifest m;
  ASSERT_TRUE(parseManifest(json::write(root), m, err)) << err;
}

/// Copies \p v without the member at \p path (dotted, e.g. "kernel.block").
Value without(const Value &v, const std::string &path) {
  size_t dot = path.find('.');
  std::string head = path.substr(0, dot);
  Value out = Value::object();
  for (size_t i = 0; i < v.keys().size(); ++i) {
    if (v.keys()[i] != head)
      out.set(v.keys()[i], v.values()[i]);
    else if (dot != std::string::npos)
      out.set(v.keys()[i], without(v.values()[i], path.substr(dot + 1)));
  }
  return out;
}

TEST(Manifest, MissingFieldsRefused) {
  Value root;
  std::string err;
  ASSERT_TRUE(json::parse(manifestToJson(exampleManifest()), root, err));
  const char *fields[] = {
      "format",         "version",
      "chip",           "kernel",
      "kernel.entry",   "kernel.block",
      "kernel.dynamic_shared_memory",
      "kernel.grid",    "kernel.params",
      "kernel.tensor_maps",
      "op",             "op.H",
      "op.G",           "op.Dqk",
      "op.Dv",          "op.topk",
      "op.B",           "op.S",
      "op.Skv",         "op.sm_scale",
      "op.kv_stride",   "op.causal",
      "op.has_max_logits",
      "op.schedule"};
  for (const char *field : fields) {
    Manifest m;
    std::string text = json::write(without(root, field));
    EXPECT_FALSE(parseManifest(text, m, err)) << field;
    EXPECT_HAS(err, std::string(field) + ": missing");
  }
}

TEST(Manifest, NestedMissingFieldsRefused) {
  Manifest m = exampleManifest();
  std::string text = manifestToJson(m);
  std::string err;
  Manifest out;
  // A grid term without "multiplier".
  std::string t1 = text;
  size_t pos = t1.find("\"multiplier\": 8");
  ASSERT_NE(pos, std::string::npos);
  t1.replace(pos, std::string("\"multiplier\": 8").size(), "\"mult\": 8");
  EXPECT_FALSE(parseManifest(t1, out, err));
  EXPECT_HAS(err, "kernel.grid[0].multiplier: missing");
  // A memref parameter without "rank".
  std::string t2 = text;
  pos = t2.find("\"rank\": 4");
  t2.replace(pos, std::string("\"rank\": 4").size(), "\"rnk\": 4");
  EXPECT_FALSE(parseManifest(t2, out, err));
  EXPECT_HAS(err, "kernel.params[0].rank: missing");
}

struct BadCase {
  const char *from, *to, *message;
};

TEST(Manifest, MistypedAndInvalidFieldsRefused) {
  const std::string text = manifestToJson(exampleManifest());
  const BadCase cases[] = {
      {"\"version\": 1", "\"version\": \"1\"",
       "version: expected an integer, found string"},
      {"\"format\": \"sparse_mla.package\"", "\"format\": \"other\"",
       "format: expected \"sparse_mla.package\", found \"other\""},
      {"[128, 1, 1]", "[128, \"1\", 1]",
       "kernel.block[1]: expected an integer, found string"},
      {"[128, 1, 1]", "[128, 1]", "kernel.block: expected 3 entries, found 2"},
      {"[128, 1, 1]", "[2048, 1, 1]",
       "kernel.block[0]: expected 1..1024, found 2048"},
      {"[128, 1, 1]", "[128, 16, 1]", "2048 threads, more than 1024"},
      {"\"dynamic_shared_memory\": 91392", "\"dynamic_shared_memory\": -1",
       "kernel.dynamic_shared_memory: expected 0..2147483647, found -1"},
      {"\"dim\": \"S\"", "\"dim\": \"T\"",
       "kernel.grid[0].dim: expected \"B\", \"S\", \"Skv\" or null, found "
       "\"T\""},
      {"\"multiplier\": 8", "\"multiplier\": 0",
       "kernel.grid[0].multiplier: expected 1..2147483647, found 0"},
      {"\"multiplier\": 8", "\"multiplier\": 8.5",
       "kernel.grid[0].multiplier: expected an integer, found non-integer "
       "number 8.5"},
      {"\"element\": \"i32\"", "\"element\": \"i64\"",
       "kernel.params[2].element: expected \"bf16\", \"f32\" or \"i32\", "
       "found \"i64\""},
      {"\"element\": \"i32\"", "\"element\": \"bf16\"",
       "kernel.params[2] (\"indices\"): element bf16, expected i32"},
      {"\"kind\": \"i32\"", "\"kind\": \"i64\"",
       "kernel.params[3].kind: expected \"memref\", \"i32\", \"f32\", "
       "\"tensor_map\", \"split_tiles\", \"split_parts\" or "
       "\"workspace\", found \"i64\""},
      {"\"name\": \"kv\"", "\"name\": \"q\"",
       "kernel.params[1] (\"q\"): duplicate of kernel.params[0]"},
      {"\"name\": \"kv\"", "\"name\": \"k\"",
       "kernel.params[1] (\"k\"): unknown memref operand"},
      {"\"name\": \"q_start\"", "\"name\": \"start\"",
       "the only i32 parameter is \"q_start\""},
      {"\"H\": 128", "\"H\": 0", "op.H: expected a positive integer, found 0"},
      {"\"G\": 1", "\"G\": 3", "op: H % G != 0 (H = 128, G = 3)"},
      {"\"Dv\": 512", "\"Dv\": 640", "op: Dqk (576) must be at least Dv (640)"},
      {"\"kv_stride\": 1", "\"kv_stride\": 0",
       "op.kv_stride: expected >= 1, found 0"},
      {"\"sm_scale\": 0.041666668", "\"sm_scale\": -1",
       "op.sm_scale: expected finite and > 0"},
      {"\"sm_scale\": 0.041666668", "\"sm_scale\": null",
       "op.sm_scale: expected a number, found null"},
      {"\"sm_scale\": 0.041666668", "\"sm_scale\": 1e39",
       "op.sm_scale: expected finite and > 0, found inf"},
      {"\"B\": null", "\"B\": -2", "op.B: expected null or >= 0, found -2"},
      {"\"S\": null", "\"S\": \"dyn\"",
       "op.S: expected an integer or null, found string"},
      {"\"causal\": false", "\"causal\": 0",
       "op.causal: expected true or false, found number"},
      {"\"has_max_logits\": true", "\"has_max_logits\": false",
       "\"max_logits\" is a parameter but op.has_max_logits is false"},
      {"\"chip\": \"sm_90a\"", "\"chip\": \"\"", "chip: empty"},
      {"\"entry\": \"sparse_mla_fwd_simple\"", "\"entry\": \"\"",
       "kernel.entry: empty"},
  };
  for (const BadCase &c : cases) {
    std::string t = text;
    size_t pos = t.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    t.replace(pos, std::strlen(c.from), c.to);
    Manifest m;
    std::string err;
    EXPECT_FALSE(parseManifest(t, m, err)) << c.to;
    EXPECT_HAS(err, c.message);
  }
  Manifest m;
  std::string err;
  EXPECT_FALSE(parseManifest("[1]", m, err));
  EXPECT_HAS(err, "(root): expected an object, found array");
  EXPECT_FALSE(parseManifest("{", m, err));
  EXPECT_HAS(err, "manifest: not valid JSON: line 1, column 2");
}

TEST(Manifest, CtasPerSm) {
  std::string err;
  Manifest m = exampleManifest();
  EXPECT_EQ(manifestToJson(m).find("ctas_per_sm"), std::string::npos)
      << "absent when 0";
  m.kernel.ctasPerSm = 2;
  Manifest back;
  ASSERT_TRUE(parseManifest(manifestToJson(m), back, err)) << err;
  EXPECT_EQ(back.kernel.ctasPerSm, 2);
  for (int64_t bad : {-1, 33}) {
    m.kernel.ctasPerSm = bad;
    EXPECT_FALSE(checkManifest(m, err)) << bad;
    EXPECT_HAS(err, "kernel.ctas_per_sm: expected 0..32 (resident blocks per "
                    "SM), found " +
                        std::to_string(bad));
  }
}

TEST(Manifest, SplitKernel) {
  std::string err;
  Manifest m = exampleSplitManifest();
  ASSERT_TRUE(checkManifest(m, err)) << err;
  const std::string json = manifestToJson(m);
  EXPECT_HAS(json, "\"split\": {");
  EXPECT_HAS(json, "\"entry\": \"fwd_split\"");
  EXPECT_HAS(json, "\"kind\": \"split_parts\"");
  Manifest back;
  ASSERT_TRUE(parseManifest(json, back, err)) << err;
  EXPECT_EQ(back.kernel.splitEntry, "fwd_split");
  EXPECT_EQ(back.kernel.splitMaxParts, 16);
  EXPECT_EQ(back.kernel.splitWorkspaceBytesPerCta, 135200);
  ASSERT_EQ(back.kernel.params.size(), m.kernel.params.size());
  EXPECT_EQ(back.kernel.params.back().kind, ParamKind::Workspace);
  EXPECT_EQ(manifestToJson(exampleManifest()).find("\"split\""),
            std::string::npos)
      << "absent without a split kernel";
  {
    Manifest bad = exampleSplitManifest();
    bad.kernel.ctasPerSm = 0;
    EXPECT_FALSE(checkManifest(bad, err));
    EXPECT_HAS(err, "kernel.split: a split kernel needs a persistent kernel");
  }
  {
    Manifest bad = exampleSplitManifest();
    bad.kernel.splitMaxParts = 1;
    EXPECT_FALSE(checkManifest(bad, err));
    EXPECT_HAS(err, "kernel.split.max_parts: expected 2..2147483647, found 1");
  }
  {
    Manifest bad = exampleSplitManifest();
    bad.kernel.splitWorkspaceBytesPerCta = 0;
    EXPECT_FALSE(checkManifest(bad, err));
    EXPECT_HAS(err, "kernel.split.workspace_bytes_per_cta: expected 1..2^30");
  }
  {
    Manifest bad = exampleSplitManifest();
    bad.kernel.params.pop_back();
    EXPECT_FALSE(checkManifest(bad, err));
    EXPECT_HAS(err, "kernel.params: 0 parameters of kind workspace, expected "
                    "1 (the kernel has a split kernel)");
  }
  {
    Manifest bad = exampleSplitManifest();
    bad.kernel.splitEntry.clear();
    EXPECT_FALSE(checkManifest(bad, err));
    EXPECT_HAS(err, "kernel.params: 1 parameters of kind split_tiles, "
                    "expected 0 (no kernel.split)");
  }
  {
    std::string text = json;
    const std::string key = "\"entry\": \"fwd_split\"";
    text.replace(text.find(key), key.size(), "\"entry\": \"\"");
    EXPECT_FALSE(parseManifest(text, back, err));
    EXPECT_HAS(err, "kernel.split.entry: expected a kernel name");
  }
}

TEST(Manifest, ParamAndTensorMapRules) {
  std::string err;
  for (int64_t bad : {-16, 3, 24, 512}) {
    Manifest m = exampleManifest();
    m.kernel.params[1].rowAlignment = bad;
    EXPECT_FALSE(checkManifest(m, err)) << bad;
    EXPECT_HAS(err, "kernel.params[1] (\"kv\"): row_alignment " +
                        std::to_string(bad) +
                        ", expected 0 or a power of two up to 256");
  }
  {
    Manifest m = exampleManifest();
    m.kernel.params = standardParams(false);
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "op.has_max_logits is true but there is no "
                    "\"max_logits\" parameter");
  }
  {
    Manifest m = exampleManifest();
    m.kernel.params.erase(m.kernel.params.begin() + 3);
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "no i32 parameter \"q_start\"");
  }
  {
    Manifest m = exampleManifest();
    m.kernel.params.erase(m.kernel.params.begin() + 1);
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "no memref parameter \"kv\"");
  }
  {
    Manifest m = exampleManifest();
    m.kernel.params[5].rank = 4;
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "kernel.params[5] (\"lse\"): rank 4, expected 3");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].param = 2;
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "parameter 2 (\"indices\") is a memref, expected a "
                    "tensor_map");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].param = 9;
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "kernel.tensor_maps[0].param: 9 is not a parameter index");
  }
  {
    Manifest m = exampleManifest();
    m.kernel.params.back().name = "scale";
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "the only f32 parameter is \"scale_log2\"");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps.clear();
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "(\"kv_map\"): a tensor_map parameter that no "
                    "kernel.tensor_maps entry fills");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps.push_back(m.kernel.tensorMaps[0]);
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, "already receives another tensor map");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].box = {64, 1, 64};
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, ".box: 3 entries, expected 4 (the rank of kv)");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].box[0] = 512;
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, ".box[0]: expected 1..256, found 512");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].swizzle = 16;
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, ".swizzle: expected 0, 32, 64 or 128, found 16");
  }
  {
    Manifest m = richManifest();
    m.kernel.tensorMaps[0].tensor = "k";
    EXPECT_FALSE(checkManifest(m, err));
    EXPECT_HAS(err, ".tensor: unknown operand \"k\"");
  }
}

//===----------------------------------------------------------------------===//
// Package file
//===----------------------------------------------------------------------===//

TEST(Package, RoundTrip) {
  for (const Manifest &m : {exampleManifest(), richManifest()}) {
    std::vector<Section> sections = smallSections();
    std::vector<uint8_t> bytes = writePackage(m, sections);
    Package p;
    std::string err;
    ASSERT_TRUE(readPackage(bytes.data(), bytes.size(), p, err)) << err;
    EXPECT_EQ(p.version, kFormatVersion);
    EXPECT_EQ(p.manifestJson, manifestToJson(m));
    expectSameManifest(p.manifest, m);
    ASSERT_EQ(p.sections.size(), 2u);
    ASSERT_NE(p.find(kSectionCubin), nullptr);
    ASSERT_NE(p.find(kSectionPtx), nullptr);
    EXPECT_EQ(p.find(kSectionCubin)->data, sections[0].data);
    EXPECT_EQ(p.find(kSectionPtx)->data, sections[1].data);
    // Header layout of the docs.
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(bytes.data()), 8),
              std::string("SMLAPKG\0", 8));
    EXPECT_EQ(getU32At(bytes, 8), 1u);
    EXPECT_EQ(getU32At(bytes, 12), manifestToJson(m).size());
  }
  // PTX alone is a valid package.
  std::vector<uint8_t> bytes =
      writePackage(exampleManifest(), {smallSections()[1]});
  Package p;
  std::string err;
  ASSERT_TRUE(readPackage(bytes.data(), bytes.size(), p, err)) << err;
  EXPECT_EQ(p.find(kSectionCubin), nullptr);
}

TEST(Package, EveryTruncationRefused) {
  std::vector<uint8_t> bytes = smallPackage();
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
    Package p;
    std::string err;
    EXPECT_FALSE(readPackage(cut.data(), cut.size(), p, err)) << len;
    EXPECT_FALSE(err.empty());
    if (len < kMinFileSize) {
      EXPECT_HAS(err, "shorter than the 24-byte minimum");
    }
  }
}

TEST(Package, EverySingleByteCorruptionRefused) {
  const std::vector<uint8_t> bytes = smallPackage();
  const size_t manifestEnd = 16 + getU32At(bytes, 12);
  size_t hashCaught = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
      std::vector<uint8_t> bad = bytes;
      bad[i] ^= mask;
      Package p;
      std::string err;
      ASSERT_FALSE(readPackage(bad.data(), bad.size(), p, err))
          << "byte " << i << " ^ " << int(mask) << " was accepted";
      EXPECT_FALSE(err.empty());
      if (err.find("hash mismatch") != std::string::npos)
        ++hashCaught;
      // Bytes inside the manifest text and the binaries can only be caught
      // by the hash.
      if (i >= 16 && i < manifestEnd) {
        EXPECT_HAS(err, "hash mismatch");
      }
      if (i < 8) {
        EXPECT_HAS(err, "bad magic");
      }
      if (i >= 8 && i < 12) {
        EXPECT_HAS(err, "unsupported format version");
      }
    }
  }
  EXPECT_GT(hashCaught, bytes.size());
}

TEST(Package, WrongMagic) {
  std::vector<uint8_t> bytes = smallPackage();
  bytes[0] = 'X';
  EXPECT_HAS(readErr(bytes),
             "bad magic: expected \"SMLAPKG\\x00\", found \"XMLAPKG\\x00\"");
}

TEST(Package, VersionMismatch) {
  Manifest m = exampleManifest();
  // Unknown header version.
  std::vector<uint8_t> v2 =
      writePackageRaw(2, manifestToJson(m), smallSections());
  EXPECT_HAS(readErr(v2), "unsupported format version 2 (this reader knows "
                          "version 1)");
  // Header 1, manifest 2.
  Manifest m2 = m;
  m2.version = 2;
  std::vector<uint8_t> mixed =
      writePackageRaw(1, manifestToJson(m2), smallSections());
  EXPECT_HAS(readErr(mixed),
             "manifest version 2 differs from the header's version 1");
}

TEST(Package, LengthsPastTheEnd) {
  std::vector<uint8_t> good = smallPackage();
  const size_t countPos = 16 + getU32At(good, 12);
  {
    std::vector<uint8_t> bad = good;
    putU32At(bad, 12, 0x7FFFFFFF);
    rehash(bad);
    EXPECT_HAS(readErr(bad), "manifest length 2147483647 runs past the end");
  }
  {
    // First section's length.
    std::vector<uint8_t> bad = good;
    putU64At(bad, countPos + 4 + 8, 1000000);
    rehash(bad);
    EXPECT_HAS(readErr(bad), "section 0 (cubin) length 1000000 runs past the "
                             "end of the file");
  }
  {
    // A huge length must not wrap around.
    std::vector<uint8_t> bad = good;
    putU64At(bad, countPos + 4 + 8, ~uint64_t(0));
    rehash(bad);
    EXPECT_HAS(readErr(bad), "runs past the end");
  }
  {
    // More sections announced than present.
    std::vector<uint8_t> bad = good;
    putU32At(bad, countPos, 3);
    rehash(bad);
    EXPECT_HAS(readErr(bad), "section 2 of 3: header runs past the end");
  }
  {
    // Fewer sections announced: bytes left over.
    std::vector<uint8_t> bad = good;
    putU32At(bad, countPos, 1);
    rehash(bad);
    EXPECT_HAS(readErr(bad), "unexpected bytes between the last section and "
                             "the hash");
  }
}

TEST(Package, SectionRules) {
  const std::string json = manifestToJson(exampleManifest());
  std::vector<Section> s = smallSections();
  {
    std::vector<Section> bad = s;
    bad[1].kind = 7;
    EXPECT_HAS(readErr(writePackageRaw(1, json, bad)),
               "section 1: unknown kind 7 (expected 1 = cubin or 2 = PTX)");
  }
  {
    std::vector<Section> bad = {s[0], s[0]};
    EXPECT_HAS(readErr(writePackageRaw(1, json, bad)),
               "section 1: a second cubin section");
  }
  EXPECT_HAS(readErr(writePackageRaw(1, json, {})), "no cubin or PTX section");
  {
    std::vector<Section> bad = s;
    bad[0].data.clear();
    EXPECT_HAS(readErr(writePackageRaw(1, json, bad)),
               "section 0 (cubin): empty");
  }
  {
    std::vector<uint8_t> bytes = writePackageRaw(1, json, s);
    putU32At(bytes, 16 + json.size() + 4 + 4, 5);
    rehash(bytes);
    EXPECT_HAS(readErr(bytes), "section 0 (cubin): reserved field is 5, "
                               "expected 0");
  }
  // A manifest that is not JSON / lacks a field, with a correct hash.
  EXPECT_HAS(readErr(writePackageRaw(1, "{not json", s)),
             "manifest: not valid JSON");
  Value root;
  std::string err;
  ASSERT_TRUE(json::parse(json, root, err));
  EXPECT_HAS(readErr(writePackageRaw(1, json::write(without(root, "op.topk")),
                                     s)),
             "manifest: op.topk: missing");
}

TEST(Package, Files) {
  char dir[] = "/tmp/smla_pkg_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/a.smlapkg";
  std::string err;
  ASSERT_TRUE(writePackageFile(path, exampleManifest(), smallSections(), err))
      << err;
  Package p;
  ASSERT_TRUE(readPackageFile(path, p, err)) << err;
  expectSameManifest(p.manifest, exampleManifest());

  // A corrupted file names the path.
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(readFileBytes(path, bytes, err)) << err;
  bytes[bytes.size() / 2] ^= 0x10;
  ASSERT_TRUE(writeFileBytes(path, bytes.data(), bytes.size(), err)) << err;
  EXPECT_FALSE(readPackageFile(path, p, err));
  EXPECT_HAS(err, path + ": package: hash mismatch");

  EXPECT_FALSE(readPackageFile(std::string(dir) + "/missing", p, err));
  EXPECT_HAS(err, "cannot open '" + std::string(dir) +
                      "/missing': No such file or directory");
  EXPECT_FALSE(writeFileBytes(std::string(dir) + "/no/such/dir/x",
                              bytes.data(), bytes.size(), err));
  EXPECT_HAS(err, "cannot create");
  std::remove(path.c_str());
  rmdir(dir);
}

} // namespace

// The compiler that wrote a package travels in its manifest; packages
// without the field (older writers) still load.
TEST(Manifest, CompilerVersionRoundTripsAndIsOptional) {
  Manifest m = exampleManifest();
  m.compiler = "sparse_mla 1.2.3 (LLVM/MLIR 22.1.8)";
  std::string json = manifestToJson(m);
  EXPECT_NE(json.find("\"compiler\": \"sparse_mla 1.2.3"), std::string::npos)
      << json;
  Manifest back;
  std::string err;
  ASSERT_TRUE(parseManifest(json, back, err)) << err;
  EXPECT_EQ(back.compiler, m.compiler);

  Manifest plain = exampleManifest();
  std::string plainJson = manifestToJson(plain);
  EXPECT_EQ(plainJson.find("compiler"), std::string::npos);
  ASSERT_TRUE(parseManifest(plainJson, back, err)) << err;
  EXPECT_EQ(back.compiler, "");

  std::string bad = json;
  bad.replace(bad.find("\"sparse_mla 1.2.3"), 0, "7, \"x\": ");
  EXPECT_FALSE(parseManifest(bad, back, err));
}
