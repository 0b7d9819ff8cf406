//===- sparse-mla-pack.cpp - build or inspect a kernel package -------------===//
//
//   sparse-mla-pack -o OUT.smlapkg [--manifest FILE] [--cubin FILE]
//                   [--ptx FILE] [--set KEY=VALUE]...
//   sparse-mla-pack --info PACKAGE
//
// Builds a package from a manifest (a JSON file, or the example manifest of
// docs/kernel-package.md when none is given) plus binaries, after applying
// --set overrides. Used to package hand-written test kernels (the runtime's
// self-test) and to inspect packages. The compiler writes its packages
// itself (sparse-mla-translate --package).
//
// --set keys: entry, chip, schedule, H, G, Dqk, Dv, topk, B, S, Skv (an
// integer or "null"), sm_scale (a number, or "default" = 1/sqrt(Dqk)),
// kv_stride, causal, has_max_logits (0/1/true/false; has_max_logits also
// adds or removes the max_logits parameter), smem, block (X,Y,Z), grid
// (three DIM:MULT terms, DIM one of B, S, Skv, null; e.g. S:1,B:1,null:128).
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/package.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace sparse_mla::pkg;

namespace {

int usage(const char *msg) {
  if (msg)
    std::fprintf(stderr, "sparse-mla-pack: %s\n", msg);
  std::fprintf(stderr,
               "usage: sparse-mla-pack -o OUT [--manifest FILE] [--cubin FILE] "
               "[--ptx FILE] [--set KEY=VALUE]...\n"
               "       sparse-mla-pack --info PACKAGE\n");
  return 2;
}

bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  out = v;
  return true;
}

bool parseBool(const std::string &s, bool &out) {
  if (s == "1" || s == "true") {
    out = true;
    return true;
  }
  if (s == "0" || s == "false") {
    out = false;
    return true;
  }
  return false;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos)
      break;
    start = pos + 1;
  }
  return parts;
}

bool applySet(Manifest &m, const std::string &kv, bool &smScaleDefault,
              std::string &err) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos) {
    err = "--set expects KEY=VALUE, got '" + kv + "'";
    return false;
  }
  std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
  auto badValue = [&](const char *what) {
    err = "--set " + key + ": expected " + what + ", got '" + value + "'";
    return false;
  };
  int64_t *intField = nullptr;
  if (key == "H")
    intField = &m.op.H;
  else if (key == "G")
    intField = &m.op.G;
  else if (key == "Dqk")
    intField = &m.op.Dqk;
  else if (key == "Dv")
    intField = &m.op.Dv;
  else if (key == "topk")
    intField = &m.op.topk;
  else if (key == "kv_stride")
    intField = &m.op.kvStride;
  else if (key == "smem")
    intField = &m.kernel.dynamicSharedMemory;
  if (intField)
    return parseInt(value, *intField) || badValue("an integer");

  std::optional<int64_t> *dynField = nullptr;
  if (key == "B")
    dynField = &m.op.B;
  else if (key == "S")
    dynField = &m.op.S;
  else if (key == "Skv")
    dynField = &m.op.Skv;
  if (dynField) {
    if (value == "null") {
      dynField->reset();
      return true;
    }
    int64_t v;
    if (!parseInt(value, v))
      return badValue("an integer or null");
    *dynField = v;
    return true;
  }

  if (key == "entry") {
    m.kernel.entry = value;
  } else if (key == "chip") {
    m.chip = value;
  } else if (key == "schedule") {
    m.op.schedule = value;
  } else if (key == "causal") {
    if (!parseBool(value, m.op.causal))
      return badValue("0, 1, true or false");
  } else if (key == "has_max_logits") {
    bool on;
    if (!parseBool(value, on))
      return badValue("0, 1, true or false");
    m.op.hasMaxLogits = on;
    std::vector<Param> &ps = m.kernel.params;
    bool present = false;
    for (size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].name == "max_logits") {
        present = true;
        if (!on)
          ps.erase(ps.begin() + static_cast<long>(i));
        break;
      }
    }
    if (on && !present) {
      Param p;
      p.name = "max_logits";
      p.kind = ParamKind::Memref;
      p.rank = 3;
      p.element = kF32;
      ps.push_back(p);
    }
  } else if (key == "sm_scale") {
    if (value == "default") {
      smScaleDefault = true;
      return true;
    }
    char *end = nullptr;
    double d = std::strtod(value.c_str(), &end);
    if (value.empty() || *end)
      return badValue("a number or default");
    m.op.smScale = static_cast<double>(static_cast<float>(d));
    smScaleDefault = false;
  } else if (key == "block") {
    std::vector<std::string> parts = split(value, ',');
    if (parts.size() != 3)
      return badValue("X,Y,Z");
    for (int i = 0; i < 3; ++i)
      if (!parseInt(parts[static_cast<size_t>(i)], m.kernel.block[i]))
        return badValue("X,Y,Z");
  } else if (key == "grid") {
    std::vector<std::string> parts = split(value, ',');
    if (parts.size() != 3)
      return badValue("three DIM:MULT terms");
    for (int i = 0; i < 3; ++i) {
      std::vector<std::string> dm = split(parts[static_cast<size_t>(i)], ':');
      if (dm.size() != 2)
        return badValue("three DIM:MULT terms");
      GridTerm &t = m.kernel.grid[i];
      if (dm[0] == "B")
        t.dim = GridDim::B;
      else if (dm[0] == "S")
        t.dim = GridDim::S;
      else if (dm[0] == "Skv")
        t.dim = GridDim::Skv;
      else if (dm[0] == "null")
        t.dim = GridDim::None;
      else
        return badValue("DIM in B, S, Skv, null");
      if (!parseInt(dm[1], t.multiplier))
        return badValue("an integer multiplier");
    }
  } else {
    err = "--set: unknown key '" + key + "'";
    return false;
  }
  return true;
}

int info(const std::string &path) {
  Package p;
  std::string err;
  if (!readPackageFile(path, p, err)) {
    std::fprintf(stderr, "sparse-mla-pack: %s\n", err.c_str());
    return 1;
  }
  std::printf("%s: format version %u\n", path.c_str(), p.version);
  for (const Section &s : p.sections)
    std::printf("section %s: %zu bytes\n", sectionKindName(s.kind).c_str(),
                s.data.size());
  std::printf("manifest:\n%s", p.manifestJson.c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string outPath, manifestPath, cubinPath, ptxPath;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](std::string &dst) {
      if (i + 1 >= argc)
        return false;
      dst = argv[++i];
      return true;
    };
    if (a == "--info") {
      std::string path;
      if (!next(path))
        return usage("--info needs a package");
      return info(path);
    }
    bool ok = true;
    if (a == "-o")
      ok = next(outPath);
    else if (a == "--manifest")
      ok = next(manifestPath);
    else if (a == "--cubin")
      ok = next(cubinPath);
    else if (a == "--ptx")
      ok = next(ptxPath);
    else if (a == "--set") {
      std::string s;
      ok = next(s);
      sets.push_back(s);
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
      return 0;
    } else if (a == "--version") {
      std::printf("sparse-mla-pack (sparse_mla %s, package format %u)\n",
                  SPARSE_MLA_VERSION, sparse_mla::pkg::kFormatVersion);
      return 0;
    } else {
      return usage(("unknown argument '" + a + "'").c_str());
    }
    if (!ok)
      return usage((a + " needs a value").c_str());
  }
  if (outPath.empty())
    return usage("-o OUT is required");
  if (cubinPath.empty() && ptxPath.empty())
    return usage("give --cubin and/or --ptx");

  std::string err;
  Manifest m = exampleManifest();
  if (!manifestPath.empty()) {
    std::vector<uint8_t> bytes;
    if (!readFileBytes(manifestPath, bytes, err) ||
        !parseManifest(std::string(bytes.begin(), bytes.end()), m, err)) {
      std::fprintf(stderr, "sparse-mla-pack: %s%s\n",
                   manifestPath.empty() ? "" : (manifestPath + ": ").c_str(),
                   err.c_str());
      return 1;
    }
  }
  bool smScaleDefault = false;
  for (const std::string &s : sets) {
    if (!applySet(m, s, smScaleDefault, err)) {
      std::fprintf(stderr, "sparse-mla-pack: %s\n", err.c_str());
      return 2;
    }
  }
  if (smScaleDefault)
    m.op.smScale = static_cast<double>(
        static_cast<float>(1.0 / std::sqrt(static_cast<double>(m.op.Dqk))));
  if (!checkManifest(m, err)) {
    std::fprintf(stderr, "sparse-mla-pack: %s\n", err.c_str());
    return 1;
  }

  std::vector<Section> sections;
  const struct {
    const std::string &path;
    uint32_t kind;
  } inputs[] = {{cubinPath, kSectionCubin}, {ptxPath, kSectionPtx}};
  for (const auto &in : inputs) {
    if (in.path.empty())
      continue;
    Section s;
    s.kind = in.kind;
    if (!readFileBytes(in.path, s.data, err)) {
      std::fprintf(stderr, "sparse-mla-pack: %s\n", err.c_str());
      return 1;
    }
    if (s.data.empty()) {
      std::fprintf(stderr, "sparse-mla-pack: %s is empty\n", in.path.c_str());
      return 1;
    }
    sections.push_back(std::move(s));
  }
  if (!writePackageFile(outPath, m, sections, err)) {
    std::fprintf(stderr, "sparse-mla-pack: %s\n", err.c_str());
    return 1;
  }
  return 0;
}
