//===- inputs_test.cpp - sparse-mla-run --inputs: malformed meta.json ----===//
//
// Every meta.json a user can hand to `sparse-mla-run --inputs` is either
// read or refused with RunError naming what is wrong; none may crash, abort
// or read past a file (the sizes in it used to be multiplied unchecked, so
// a shape whose byte size wrapped around to 0 matched an empty file).
//
//===----------------------------------------------------------------------===//

#include "run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

using namespace smla_run;

namespace {

Problem tinyProblem() {
  Problem p;
  p.shape = {1, 2, 8, 4, 1, 16, 8, 4}; // B S Skv H G Dqk Dv topk
  p.attrs = {0.25, 1, false, 0};
  p.hasMaxLogits = false;
  return p;
}

/// A directory with q.bin, kv.bin and indices.bin sized as `shapes` says
/// (bytes = product x element size, unless `bytes` overrides) and meta.json
/// holding `meta`.
struct InputDir {
  std::string path;
  InputDir() {
    char dir[] = "/tmp/smla_inputs_test_XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    path = dir;
  }
  ~InputDir() {
    for (const char *f : {"q.bin", "kv.bin", "indices.bin", "meta.json"})
      std::remove((path + "/" + f).c_str());
    std::remove(path.c_str());
  }
  void file(const std::string &name, size_t bytes) const {
    std::ofstream(path + "/" + name, std::ios::binary)
        << std::string(bytes, '\0');
  }
  void meta(const std::string &text) const {
    std::ofstream(path + "/meta.json") << text;
  }
};

std::string array(const char *file, const char *dtype,
                  const std::string &shape) {
  return std::string("{\"file\": \"") + file + "\", \"dtype\": \"" + dtype +
         "\", \"shape\": " + shape + "}";
}

std::string metaText(const std::string &q, const std::string &kv,
                     const std::string &idx, const std::string &qStart = "0") {
  return "{\"arrays\": {\"q\": " + array("q.bin", "bf16", q) +
         ", \"kv\": " + array("kv.bin", "bf16", kv) +
         ", \"indices\": " + array("indices.bin", "i32", idx) +
         "}, \"op\": {\"q_start\": " + qStart + "}}";
}

/// Loads `dir`; returns the RunError's message, or "" when it loaded.
std::string load(const InputDir &dir, Problem &p) {
  HostInputs in;
  int32_t qStart = 0;
  std::vector<std::string> notes;
  try {
    loadInputs(dir.path, p, in, qStart, notes);
  } catch (const RunError &e) {
    EXPECT_EQ(e.code, kExitUsage) << e.what();
    return e.what();
  }
  return "";
}

#define EXPECT_REFUSED(dir, text)                                              \
  do {                                                                         \
    Problem p = tinyProblem();                                                 \
    std::string msg = load(dir, p);                                            \
    EXPECT_NE(msg.find(text), std::string::npos)                               \
        << "message: '" << msg << "', expected '" << text << "'";              \
  } while (0)

void writeValid(const InputDir &d) {
  d.file("q.bin", 1 * 2 * 4 * 16 * 2);
  d.file("kv.bin", 1 * 8 * 1 * 16 * 2);
  d.file("indices.bin", 1 * 2 * 1 * 4 * 4);
}

} // namespace

TEST(InputsMeta, ValidDirectoryLoads) {
  InputDir d;
  writeValid(d);
  d.meta(metaText("[1, 2, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]"));
  Problem p = tinyProblem();
  EXPECT_EQ(load(d, p), "");
  EXPECT_EQ(p.shape.S, 2);
  EXPECT_EQ(p.shape.Skv, 8);
}

TEST(InputsMeta, SizesThatWrapAroundAreRefused) {
  InputDir d;
  d.file("q.bin", 0);
  d.file("kv.bin", 0);
  d.file("indices.bin", 0);
  // 65536^4 x 2 bytes = 2^65: wraps to 0 in 64 bits, matching empty files.
  d.meta(metaText("[65536, 65536, 65536, 65536]", "[1, 8, 1, 16]",
                  "[1, 2, 1, 4]"));
  EXPECT_REFUSED(d, "arrays.q: shape [65536, 65536, 65536, 65536] is larger "
                    "than 2^63 bytes");
  d.file("q.bin", 1 * 2 * 4 * 16 * 2);
  d.meta(metaText("[1, 2, 4, 16]", "[1, 2147483647, 2147483647, 16]",
                  "[1, 2, 1, 4]"));
  EXPECT_REFUSED(d, "arrays.kv: shape");
}

TEST(InputsMeta, BadDimensionsAreRefusedByValue) {
  InputDir d;
  writeValid(d);
  struct Case {
    const char *q, *kv, *indices, *message;
  };
  const Case cases[] = {
      {"[1, -2, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]",
       "arrays.q: shape entries must be integers in [0, 2147483647], got -2"},
      {"[1, 2, 4, 16]", "[1, 4294967296, 1, 16]", "[1, 2, 1, 4]",
       "got 4294967296"},
      {"[1, 2.5, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]", "got 2.5"},
      {"[1, \"2\", 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]",
       "shape entries must be integers"},
      {"[1, 2, 4]", "[1, 8, 1, 16]", "[1, 2, 1, 4]",
       "arrays.q: shape has 3 dimensions, expected 4"},
      {"[1, 2, 4, 16]", "[1, 8, 1, 16]", "[1, 3, 1, 4]",
       "indices.bin: 32 bytes, expected 48"},
      {"[1, 2, 8, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]",
       "q.bin: 256 bytes, expected 512"},
  };
  for (const Case &c : cases) {
    d.meta(metaText(c.q, c.kv, c.indices));
    EXPECT_REFUSED(d, c.message);
  }
}

TEST(InputsMeta, BadDocumentsAreRefused) {
  InputDir d;
  writeValid(d);
  d.meta("");
  EXPECT_REFUSED(d, "meta.json");
  d.meta("[1, 2, 3]");
  EXPECT_REFUSED(d, "needs objects \"arrays\" and \"op\"");
  d.meta("{\"arrays\": 1, \"op\": {}}");
  EXPECT_REFUSED(d, "needs objects \"arrays\" and \"op\"");
  d.meta("{\"arrays\": {\"q\": ");
  EXPECT_REFUSED(d, "meta.json");
  d.meta(metaText("[1, 2, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]",
                  "4294967296"));
  EXPECT_REFUSED(d, "op.q_start out of int32");
  d.meta(metaText("[1, 2, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]", "0.5"));
  EXPECT_REFUSED(d, "\"q_start\" missing or not an integer");
  d.meta("{\"arrays\": {\"q\": {\"file\": \"q.bin\"}}, \"op\": "
         "{\"q_start\": 0}}");
  EXPECT_REFUSED(d, "arrays.q: needs \"file\", \"dtype\" and \"shape\"");
  d.meta("{\"arrays\": {\"q\": " + array("q.bin", "f32", "[1, 2, 4, 16]") +
         "}, \"op\": {\"q_start\": 0}}");
  EXPECT_REFUSED(d, "arrays.q: dtype is f32, expected bf16");
  d.meta("{\"arrays\": {\"q\": " + array("../nope.bin", "bf16", "[1,2,4,16]") +
         "}, \"op\": {\"q_start\": 0}}");
  EXPECT_REFUSED(d, "nope.bin");
}

// Random corruptions of a valid meta.json: each is read or refused, never a
// crash (ASan and UBSan builds make an out-of-bounds read fail here too).
TEST(InputsMeta, RandomCorruptionsNeverCrash) {
  InputDir d;
  writeValid(d);
  const std::string valid =
      metaText("[1, 2, 4, 16]", "[1, 8, 1, 16]", "[1, 2, 1, 4]");
  const std::string pieces[] = {"0",  "-1", "2147483648", "9223372036854775807",
                                "1e300", "null", "\"x\"", "[]", "{}", "",
                                ",",  "]",  "}"};
  std::mt19937 rng(7);
  int refused = 0, loaded = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string text = valid;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % text.size();
      size_t len = rng() % 4;
      text.replace(at, std::min(len, text.size() - at),
                   pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))]);
    }
    d.meta(text);
    Problem p = tinyProblem();
    (load(d, p).empty() ? loaded : refused)++;
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(refused + loaded, 400);
}
