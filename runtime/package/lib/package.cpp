//===- package.cpp - manifest and package file ----------------------------===//
//
// See package.h and docs/kernel-package.md.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/package.h"
#include "sparse_mla/json.h"

#include <cerrno>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sparse_mla {
namespace pkg {

using json::Value;

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

uint64_t fnv1a64(const uint8_t *data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string dtypeName(int dtype) {
  switch (dtype) {
  case kBF16:
    return "bf16";
  case kF32:
    return "f32";
  case kI32:
    return "i32";
  default:
    return "dtype(" + std::to_string(dtype) + ")";
  }
}

size_t dtypeSize(int dtype) {
  switch (dtype) {
  case kBF16:
    return 2;
  case kF32:
  case kI32:
    return 4;
  default:
    return 0;
  }
}

static bool parseDType(const std::string &s, int &out) {
  if (s == "bf16")
    out = kBF16;
  else if (s == "f32")
    out = kF32;
  else if (s == "i32")
    out = kI32;
  else
    return false;
  return true;
}

static const char *gridDimName(GridDim d) {
  switch (d) {
  case GridDim::B:
    return "B";
  case GridDim::S:
    return "S";
  case GridDim::Skv:
    return "Skv";
  case GridDim::None:
    break;
  }
  return "null";
}

static const char *paramKindName(ParamKind k) {
  switch (k) {
  case ParamKind::Memref:
    return "memref";
  case ParamKind::I32:
    return "i32";
  case ParamKind::F32:
    return "f32";
  case ParamKind::TensorMap:
    return "tensor_map";
  case ParamKind::SplitTiles:
    return "split_tiles";
  case ParamKind::SplitParts:
    return "split_parts";
  case ParamKind::Workspace:
    return "workspace";
  }
  return "?";
}

std::string sectionKindName(uint32_t kind) {
  if (kind == kSectionCubin)
    return "cubin";
  if (kind == kSectionPtx)
    return "PTX";
  return "kind " + std::to_string(kind);
}

std::string format(const char *f, ...) {
  va_list ap, again;
  va_start(ap, f);
  va_copy(again, ap);
  int size = std::vsnprintf(nullptr, 0, f, ap);
  va_end(ap);
  std::string out(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  if (size > 0)
    std::vsnprintf(out.data(), out.size() + 1, f, again);
  va_end(again);
  return out;
}


//===----------------------------------------------------------------------===//
// Operands
//===----------------------------------------------------------------------===//

namespace {
struct OperandInfo {
  const char *name;
  int64_t rank;
  int element;
};
} // namespace

static const OperandInfo kOperands[] = {
    {"q", 4, kBF16},      {"kv", 4, kBF16},         {"indices", 4, kI32},
    {"out", 4, kBF16},    {"lse", 3, kF32},         {"max_logits", 3, kF32},
    {"attn_sink", 1, kF32}, {"topk_length", 2, kI32},
};

static const OperandInfo *findOperand(const std::string &name) {
  for (const OperandInfo &o : kOperands)
    if (name == o.name)
      return &o;
  return nullptr;
}

std::vector<Param> standardParams(bool hasMaxLogits) {
  std::vector<Param> ps;
  auto memref = [&](const char *name, int64_t rank, int element) {
    Param p;
    p.name = name;
    p.kind = ParamKind::Memref;
    p.rank = rank;
    p.element = element;
    ps.push_back(p);
  };
  memref("q", 4, kBF16);
  memref("kv", 4, kBF16);
  memref("indices", 4, kI32);
  Param qs;
  qs.name = "q_start";
  qs.kind = ParamKind::I32;
  ps.push_back(qs);
  memref("out", 4, kBF16);
  memref("lse", 3, kF32);
  if (hasMaxLogits)
    memref("max_logits", 3, kF32);
  Param scale;
  scale.name = "scale_log2";
  scale.kind = ParamKind::F32;
  ps.push_back(scale);
  return ps;
}

Manifest exampleManifest() {
  Manifest m;
  m.chip = "sm_90a";
  m.kernel.entry = "sparse_mla_fwd_simple";
  m.kernel.block[0] = 128;
  m.kernel.block[1] = 1;
  m.kernel.block[2] = 1;
  m.kernel.dynamicSharedMemory = 91392;
  m.kernel.grid[0] = {GridDim::S, 8};
  m.kernel.grid[1] = {GridDim::B, 1};
  m.kernel.grid[2] = {GridDim::None, 1};
  m.kernel.params = standardParams(true);
  m.op.H = 128;
  m.op.G = 1;
  m.op.Dqk = 576;
  m.op.Dv = 512;
  m.op.topk = 2048;
  m.op.smScale = static_cast<double>(static_cast<float>(1.0 / 24.0));
  m.op.kvStride = 1;
  m.op.causal = false;
  m.op.hasMaxLogits = true;
  m.op.schedule = "#sparse_mla.schedule<simple, heads_per_cta = 16, "
                  "block_k = 32, stages = 1, warpgroups = 1>";
  return m;
}

Manifest exampleSplitManifest() {
  Manifest m = exampleManifest();
  m.kernel.ctasPerSm = 1;
  m.kernel.splitEntry = "fwd_split";
  m.kernel.splitMaxParts = 16;
  m.kernel.splitWorkspaceBytesPerCta = 135200;
  for (auto [name, kind] : {std::pair<const char *, ParamKind>{
                                "split_tiles", ParamKind::SplitTiles},
                            {"split_parts", ParamKind::SplitParts},
                            {"workspace", ParamKind::Workspace}}) {
    Param p;
    p.name = name;
    p.kind = kind;
    m.kernel.params.push_back(p);
  }
  return m;
}

//===----------------------------------------------------------------------===//
// checkManifest
//===----------------------------------------------------------------------===//

/// Sets \p err to "manifest: \p msg" and returns false.
static bool manifestError(std::string &err, const std::string &msg) {
  err = "manifest: " + msg;
  return false;
}

/// The kernel's entry, block, dynamic shared memory and ctas_per_sm.
static bool checkKernelLaunch(const Kernel &k, std::string &err) {
  auto fail = [&](const std::string &msg) { return manifestError(err, msg); };
  if (k.entry.empty())
    return fail("kernel.entry: empty");
  if (k.entry.find('\0') != std::string::npos)
    return fail("kernel.entry: contains a NUL character");
  static const int64_t kBlockMax[3] = {1024, 1024, 64};
  for (int i = 0; i < 3; ++i)
    if (k.block[i] < 1 || k.block[i] > kBlockMax[i])
      return fail(format("kernel.block[%d]: expected 1..%lld, found %lld", i,
                      (long long)kBlockMax[i], (long long)k.block[i]));
  int64_t threads = k.block[0] * k.block[1] * k.block[2];
  if (threads > 1024)
    return fail(format("kernel.block: %lld x %lld x %lld = %lld threads, more "
                    "than 1024",
                    (long long)k.block[0], (long long)k.block[1],
                    (long long)k.block[2], (long long)threads));
  if (k.dynamicSharedMemory < 0 || k.dynamicSharedMemory > 0x7FFFFFFF)
    return fail(format("kernel.dynamic_shared_memory: expected 0..2147483647, "
                    "found %lld",
                    (long long)k.dynamicSharedMemory));
  if (k.ctasPerSm < 0 || k.ctasPerSm > 32)
    return fail(format("kernel.ctas_per_sm: expected 0..32 (resident blocks "
                       "per SM), found %lld",
                       (long long)k.ctasPerSm));
  return true;
}

/// The split kernel and the split plan's parameters: all or nothing.
static bool checkSplit(const Kernel &k, std::string &err) {
  auto fail = [&](const std::string &msg) { return manifestError(err, msg); };
  const bool split = !k.splitEntry.empty();
  if (split && k.ctasPerSm == 0)
    return fail("kernel.split: a split kernel needs a persistent kernel "
                "(ctas_per_sm)");
  if (split && (k.splitMaxParts < 2 || k.splitMaxParts > 0x7FFFFFFF))
    return fail(format("kernel.split.max_parts: expected 2..2147483647, "
                       "found %lld",
                       (long long)k.splitMaxParts));
  if (split && (k.splitWorkspaceBytesPerCta < 1 ||
                k.splitWorkspaceBytesPerCta > (int64_t(1) << 30)))
    return fail(format("kernel.split.workspace_bytes_per_cta: expected "
                       "1..2^30, found %lld",
                       (long long)k.splitWorkspaceBytesPerCta));
  for (ParamKind kind :
       {ParamKind::SplitTiles, ParamKind::SplitParts, ParamKind::Workspace}) {
    size_t n = 0;
    for (const Param &p : k.params)
      n += p.kind == kind;
    if (n != (split ? 1u : 0u))
      return fail(format("kernel.params: %zu parameters of kind %s, "
                         "expected %d (%s)",
                         n, paramKindName(kind), split ? 1 : 0,
                         split ? "the kernel has a split kernel"
                               : "no kernel.split"));
  }
  return true;
}

/// The grid multipliers.
static bool checkGrid(const Kernel &k, std::string &err) {
  for (int i = 0; i < 3; ++i)
    if (k.grid[i].multiplier < 1 || k.grid[i].multiplier > 0x7FFFFFFF)
      return manifestError(
          err, format("kernel.grid[%d].multiplier: expected 1..2147483647, "
                      "found %lld",
                      i, (long long)k.grid[i].multiplier));
  return true;
}

/// The op: sizes, kv_stride, sm_scale and the static B, S, Skv.
static bool checkOp(const Op &op, std::string &err) {
  auto fail = [&](const std::string &msg) { return manifestError(err, msg); };
  const struct {
    const char *name;
    int64_t value;
  } positives[] = {{"H", op.H}, {"G", op.G}, {"Dqk", op.Dqk}, {"Dv", op.Dv},
                   {"topk", op.topk}};
  for (const auto &p : positives)
    if (p.value <= 0)
      return fail(format("op.%s: expected a positive integer, found %lld", p.name,
                      (long long)p.value));
  if (op.H % op.G != 0)
    return fail(format("op: H %% G != 0 (H = %lld, G = %lld): query heads must "
                    "be a multiple of kv groups",
                    (long long)op.H, (long long)op.G));
  if (op.Dqk < op.Dv)
    return fail(format("op: Dqk (%lld) must be at least Dv (%lld)",
                    (long long)op.Dqk, (long long)op.Dv));
  if (op.kvStride < 1)
    return fail(format("op.kv_stride: expected >= 1, found %lld",
                    (long long)op.kvStride));
  if (!std::isfinite(op.smScale) || op.smScale <= 0.0)
    return fail(format("op.sm_scale: expected finite and > 0, found %g",
                    op.smScale));
  const struct {
    const char *name;
    const std::optional<int64_t> &v;
  } dyn[] = {{"B", op.B}, {"S", op.S}, {"Skv", op.Skv}};
  for (const auto &d : dyn)
    if (d.v && *d.v < 0)
      return fail(format("op.%s: expected null or >= 0, found %lld", d.name,
                      (long long)*d.v));
  return true;
}

/// The kernel parameters: names, the scalar and memref parameters (the
/// tensor_map and split ones are checked with their sections), and every
/// operand of the op present.
static bool checkParams(const Kernel &k, const Op &op, std::string &err) {
  auto fail = [&](const std::string &msg) { return manifestError(err, msg); };
  bool seen[8] = {};
  bool seenQStart = false;
  for (size_t i = 0; i < k.params.size(); ++i) {
    const Param &p = k.params[i];
    std::string where = format("kernel.params[%zu] (\"%s\")", i, p.name.c_str());
    if (p.name.empty())
      return fail(format("kernel.params[%zu].name: empty", i));
    for (size_t j = 0; j < i; ++j)
      if (k.params[j].name == p.name)
        return fail(where + format(": duplicate of kernel.params[%zu]", j));
    if (p.kind == ParamKind::I32) {
      if (p.name != "q_start")
        return fail(where + ": the only i32 parameter is \"q_start\"");
      seenQStart = true;
      continue;
    }
    if (p.kind == ParamKind::F32) {
      if (p.name != "scale_log2")
        return fail(where + ": the only f32 parameter is \"scale_log2\"");
      continue;
    }
    if (p.kind == ParamKind::TensorMap)
      continue; // Checked with tensor_maps below.
    if (p.kind == ParamKind::SplitTiles || p.kind == ParamKind::SplitParts ||
        p.kind == ParamKind::Workspace)
      continue; // Checked with kernel.split above.
    const OperandInfo *o = findOperand(p.name);
    if (!o)
      return fail(where + ": unknown memref operand (expected q, kv, "
                          "indices, attn_sink, topk_length, out, lse or "
                          "max_logits)");
    if (p.rowAlignment < 0 || p.rowAlignment > 256 ||
        (p.rowAlignment & (p.rowAlignment - 1)) != 0)
      return fail(where + format(": row_alignment %lld, expected 0 or a "
                                 "power of two up to 256",
                                 (long long)p.rowAlignment));
    if (p.rank != o->rank)
      return fail(where + format(": rank %lld, expected %lld", (long long)p.rank,
                              (long long)o->rank));
    if (p.element != o->element)
      return fail(where + ": element " + dtypeName(p.element) + ", expected " +
                  dtypeName(o->element));
    seen[o - kOperands] = true;
  }
  for (int i = 0; i < 5; ++i)
    if (!seen[i])
      return fail(std::string("kernel.params: no memref parameter \"") +
                  kOperands[i].name + "\"");
  if (!seenQStart)
    return fail("kernel.params: no i32 parameter \"q_start\"");
  if (op.hasMaxLogits && !seen[5])
    return fail("kernel.params: op.has_max_logits is true but there is no "
                "\"max_logits\" parameter");
  if (!op.hasMaxLogits && seen[5])
    return fail("kernel.params: \"max_logits\" is a parameter but "
                "op.has_max_logits is false");
  return true;
}

/// One kernel.tensor_maps entry (index \p i); \p uses counts the entries
/// that fill each parameter.
static bool checkTensorMap(const Kernel &k, const Op &op, size_t i,
                           std::vector<int> &uses, std::string &err) {
  auto fail = [&](const std::string &msg) { return manifestError(err, msg); };
  const TensorMapSpec &t = k.tensorMaps[i];
  std::string where = format("kernel.tensor_maps[%zu]", i);
  if (t.param < 0 || t.param >= static_cast<int64_t>(k.params.size()))
    return fail(where + format(".param: %lld is not a parameter index "
                            "(0..%zu)",
                            (long long)t.param, k.params.size() - 1));
  const Param &p = k.params[static_cast<size_t>(t.param)];
  if (p.kind != ParamKind::TensorMap)
    return fail(where + format(".param: parameter %lld (\"%s\") is a %s, "
                            "expected a tensor_map",
                            (long long)t.param, p.name.c_str(),
                            paramKindName(p.kind)));
  if (uses[static_cast<size_t>(t.param)]++)
    return fail(where + format(".param: parameter %lld already receives "
                            "another tensor map",
                            (long long)t.param));
  const OperandInfo *o = findOperand(t.tensor);
  if (!o)
    return fail(where + ".tensor: unknown operand \"" + t.tensor + "\"");
  if (t.tensor == "max_logits" && !op.hasMaxLogits)
    return fail(where + ".tensor: max_logits, but op.has_max_logits is "
                        "false");
  if (static_cast<int64_t>(t.box.size()) != o->rank)
    return fail(where + format(".box: %zu entries, expected %lld (the rank "
                            "of %s)",
                            t.box.size(), (long long)o->rank, o->name));
  for (size_t j = 0; j < t.box.size(); ++j)
    if (t.box[j] < 1 || t.box[j] > 256)
      return fail(where + format(".box[%zu]: expected 1..256, found %lld", j,
                              (long long)t.box[j]));
  if (t.swizzle != 0 && t.swizzle != 32 && t.swizzle != 64 &&
      t.swizzle != 128)
    return fail(where + format(".swizzle: expected 0, 32, 64 or 128, found "
                            "%lld",
                            (long long)t.swizzle));
  return true;
}

/// The tensor maps: each entry, and each tensor_map parameter filled by
/// exactly one of them.
static bool checkTensorMaps(const Kernel &k, const Op &op, std::string &err) {
  std::vector<int> uses(k.params.size(), 0);
  for (size_t i = 0; i < k.tensorMaps.size(); ++i)
    if (!checkTensorMap(k, op, i, uses, err))
      return false;
  for (size_t i = 0; i < k.params.size(); ++i)
    if (k.params[i].kind == ParamKind::TensorMap && !uses[i])
      return manifestError(
          err, format("kernel.params[%zu] (\"%s\"): a tensor_map parameter "
                      "that no kernel.tensor_maps entry fills",
                      i, k.params[i].name.c_str()));
  return true;
}

bool checkManifest(const Manifest &m, std::string &err) {
  if (m.format != kFormatName)
    return manifestError(err, format("format: expected \"%s\", found \"%s\"",
                                     kFormatName, m.format.c_str()));
  if (m.version < 1)
    return manifestError(err,
                         format("version: expected a positive integer, found "
                                "%lld",
                                (long long)m.version));
  if (m.chip.empty())
    return manifestError(err, "chip: empty");
  return checkKernelLaunch(m.kernel, err) && checkSplit(m.kernel, err) &&
         checkGrid(m.kernel, err) && checkOp(m.op, err) &&
         checkParams(m.kernel, m.op, err) &&
         checkTensorMaps(m.kernel, m.op, err);
}

//===----------------------------------------------------------------------===//
// manifestToJson
//===----------------------------------------------------------------------===//

std::string manifestToJson(const Manifest &m) {
  Value root = Value::object();
  root.set("format", Value::string(m.format));
  root.set("version", Value::integer(m.version));
  root.set("chip", Value::string(m.chip));
  if (!m.compiler.empty())
    root.set("compiler", Value::string(m.compiler));

  Value kernel = Value::object();
  kernel.set("entry", Value::string(m.kernel.entry));
  Value block = Value::array();
  for (int64_t b : m.kernel.block)
    block.push(Value::integer(b));
  kernel.set("block", block);
  kernel.set("dynamic_shared_memory",
             Value::integer(m.kernel.dynamicSharedMemory));
  Value grid = Value::array();
  for (const GridTerm &g : m.kernel.grid) {
    Value t = Value::object();
    t.set("dim", g.dim == GridDim::None ? Value::null()
                                        : Value::string(gridDimName(g.dim)));
    t.set("multiplier", Value::integer(g.multiplier));
    grid.push(t);
  }
  kernel.set("grid", grid);
  if (m.kernel.ctasPerSm > 0)
    kernel.set("ctas_per_sm", Value::integer(m.kernel.ctasPerSm));
  if (!m.kernel.splitEntry.empty()) {
    Value split = Value::object();
    split.set("entry", Value::string(m.kernel.splitEntry));
    split.set("max_parts", Value::integer(m.kernel.splitMaxParts));
    split.set("workspace_bytes_per_cta",
              Value::integer(m.kernel.splitWorkspaceBytesPerCta));
    kernel.set("split", split);
  }
  Value params = Value::array();
  for (const Param &p : m.kernel.params) {
    Value v = Value::object();
    v.set("name", Value::string(p.name));
    v.set("kind", Value::string(paramKindName(p.kind)));
    if (p.kind == ParamKind::Memref) {
      v.set("rank", Value::integer(p.rank));
      v.set("element", Value::string(dtypeName(p.element)));
      if (p.rowAlignment > 0)
        v.set("row_alignment", Value::integer(p.rowAlignment));
    }
    params.push(v);
  }
  kernel.set("params", params);
  Value maps = Value::array();
  for (const TensorMapSpec &t : m.kernel.tensorMaps) {
    Value v = Value::object();
    v.set("param", Value::integer(t.param));
    v.set("tensor", Value::string(t.tensor));
    Value box = Value::array();
    for (int64_t b : t.box)
      box.push(Value::integer(b));
    v.set("box", box);
    v.set("swizzle", Value::integer(t.swizzle));
    maps.push(v);
  }
  kernel.set("tensor_maps", maps);
  root.set("kernel", kernel);

  Value op = Value::object();
  op.set("H", Value::integer(m.op.H));
  op.set("G", Value::integer(m.op.G));
  op.set("Dqk", Value::integer(m.op.Dqk));
  op.set("Dv", Value::integer(m.op.Dv));
  op.set("topk", Value::integer(m.op.topk));
  op.set("B", m.op.B ? Value::integer(*m.op.B) : Value::null());
  op.set("S", m.op.S ? Value::integer(*m.op.S) : Value::null());
  op.set("Skv", m.op.Skv ? Value::integer(*m.op.Skv) : Value::null());
  op.set("sm_scale", Value::float32(static_cast<float>(m.op.smScale)));
  op.set("kv_stride", Value::integer(m.op.kvStride));
  op.set("causal", Value::boolean(m.op.causal));
  op.set("has_max_logits", Value::boolean(m.op.hasMaxLogits));
  op.set("schedule", Value::string(m.op.schedule));
  root.set("op", op);
  return json::write(root, 2) + "\n";
}

//===----------------------------------------------------------------------===//
// parseManifest
//===----------------------------------------------------------------------===//

namespace {

/// Typed member access with path-qualified errors.
class Fields {
public:
  explicit Fields(std::string &err) : err_(err) {}

  bool fail(const std::string &path, const std::string &what) {
    err_ = "manifest: " + path + ": " + what;
    return false;
  }
  bool typeError(const std::string &path, const char *expected,
                 const Value &v) {
    std::string found = Value::kindName(v.kind());
    if (v.isNumber() && !v.isInteger())
      found = "non-integer number " + json::formatDouble(v.asDouble());
    return fail(path, std::string("expected ") + expected + ", found " + found);
  }

  bool member(const Value &obj, const std::string &path, const char *key,
              const Value *&out) {
    out = obj.find(key);
    if (!out)
      return fail(join(path, key), "missing");
    return true;
  }
  static std::string join(const std::string &path, const char *key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }

  bool object(const Value &obj, const std::string &path, const char *key,
              const Value *&out) {
    if (!member(obj, path, key, out))
      return false;
    if (!out->isObject())
      return typeError(join(path, key), "an object", *out);
    return true;
  }
  bool array(const Value &obj, const std::string &path, const char *key,
             const Value *&out) {
    if (!member(obj, path, key, out))
      return false;
    if (!out->isArray())
      return typeError(join(path, key), "an array", *out);
    return true;
  }
  bool integerValue(const Value &v, const std::string &path, int64_t &out) {
    if (!v.isInteger())
      return typeError(path, "an integer", v);
    out = v.asInt64();
    return true;
  }
  bool integer(const Value &obj, const std::string &path, const char *key,
               int64_t &out) {
    const Value *v;
    return member(obj, path, key, v) && integerValue(*v, join(path, key), out);
  }
  bool optionalInteger(const Value &obj, const std::string &path,
                       const char *key, std::optional<int64_t> &out) {
    const Value *v;
    if (!member(obj, path, key, v))
      return false;
    if (v->isNull()) {
      out.reset();
      return true;
    }
    if (!v->isInteger())
      return typeError(join(path, key), "an integer or null", *v);
    out = v->asInt64();
    return true;
  }
  bool number(const Value &obj, const std::string &path, const char *key,
              double &out) {
    const Value *v;
    if (!member(obj, path, key, v))
      return false;
    if (!v->isNumber())
      return typeError(join(path, key), "a number", *v);
    out = v->asDouble();
    return true;
  }
  bool boolean(const Value &obj, const std::string &path, const char *key,
               bool &out) {
    const Value *v;
    if (!member(obj, path, key, v))
      return false;
    if (!v->isBool())
      return typeError(join(path, key), "true or false", *v);
    out = v->asBool();
    return true;
  }
  bool stringValue(const Value &v, const std::string &path, std::string &out) {
    if (!v.isString())
      return typeError(path, "a string", v);
    out = v.asString();
    return true;
  }
  bool string(const Value &obj, const std::string &path, const char *key,
              std::string &out) {
    const Value *v;
    return member(obj, path, key, v) && stringValue(*v, join(path, key), out);
  }

private:
  std::string &err_;
};

} // namespace

bool parseManifest(const std::string &text, Manifest &out, std::string &err) {
  Value root;
  std::string jerr;
  if (!json::parse(text, root, jerr)) {
    err = "manifest: not valid JSON: " + jerr;
    return false;
  }
  Fields f(err);
  if (!root.isObject())
    return f.typeError("(root)", "an object", root);

  Manifest m;
  if (!f.string(root, "", "format", m.format))
    return false;
  if (m.format != kFormatName)
    return f.fail("format", format("expected \"%s\", found \"%s\"", kFormatName,
                                m.format.c_str()));
  if (!f.integer(root, "", "version", m.version) ||
      !f.string(root, "", "chip", m.chip))
    return false;
  if (root.find("compiler") && !f.string(root, "", "compiler", m.compiler))
    return false;

  const Value *kernel;
  if (!f.object(root, "", "kernel", kernel))
    return false;
  Kernel &k = m.kernel;
  if (!f.string(*kernel, "kernel", "entry", k.entry))
    return false;
  const Value *block;
  if (!f.array(*kernel, "kernel", "block", block))
    return false;
  if (block->items().size() != 3)
    return f.fail("kernel.block",
                  format("expected 3 entries, found %zu", block->items().size()));
  for (int i = 0; i < 3; ++i)
    if (!f.integerValue(block->items()[static_cast<size_t>(i)],
                        format("kernel.block[%d]", i), k.block[i]))
      return false;
  if (!f.integer(*kernel, "kernel", "dynamic_shared_memory",
                 k.dynamicSharedMemory))
    return false;
  const Value *grid;
  if (!f.array(*kernel, "kernel", "grid", grid))
    return false;
  if (grid->items().size() != 3)
    return f.fail("kernel.grid",
                  format("expected 3 entries, found %zu", grid->items().size()));
  for (int i = 0; i < 3; ++i) {
    const Value &t = grid->items()[static_cast<size_t>(i)];
    std::string path = format("kernel.grid[%d]", i);
    if (!t.isObject())
      return f.typeError(path, "an object", t);
    const Value *dim;
    if (!f.member(t, path, "dim", dim))
      return false;
    GridTerm &g = k.grid[i];
    if (dim->isNull()) {
      g.dim = GridDim::None;
    } else if (dim->isString() && dim->asString() == "B") {
      g.dim = GridDim::B;
    } else if (dim->isString() && dim->asString() == "S") {
      g.dim = GridDim::S;
    } else if (dim->isString() && dim->asString() == "Skv") {
      g.dim = GridDim::Skv;
    } else if (dim->isString()) {
      return f.fail(path + ".dim", "expected \"B\", \"S\", \"Skv\" or null, "
                                   "found \"" +
                                       dim->asString() + "\"");
    } else {
      return f.typeError(path + ".dim", "\"B\", \"S\", \"Skv\" or null",
                         *dim);
    }
    if (!f.integer(t, path, "multiplier", g.multiplier))
      return false;
  }
  if (kernel->find("ctas_per_sm") &&
      !f.integer(*kernel, "kernel", "ctas_per_sm", k.ctasPerSm))
    return false;
  if (kernel->find("split")) {
    const Value *split;
    if (!f.object(*kernel, "kernel", "split", split) ||
        !f.string(*split, "kernel.split", "entry", k.splitEntry) ||
        !f.integer(*split, "kernel.split", "max_parts", k.splitMaxParts) ||
        !f.integer(*split, "kernel.split", "workspace_bytes_per_cta",
                   k.splitWorkspaceBytesPerCta))
      return false;
    if (k.splitEntry.empty())
      return f.fail("kernel.split.entry", "expected a kernel name, found "
                                          "\"\"");
  }

  const Value *params;
  if (!f.array(*kernel, "kernel", "params", params))
    return false;
  for (size_t i = 0; i < params->items().size(); ++i) {
    const Value &pv = params->items()[i];
    std::string path = format("kernel.params[%zu]", i);
    if (!pv.isObject())
      return f.typeError(path, "an object", pv);
    Param p;
    std::string kind;
    if (!f.string(pv, path, "name", p.name) ||
        !f.string(pv, path, "kind", kind))
      return false;
    if (kind == "memref") {
      p.kind = ParamKind::Memref;
      std::string element;
      if (!f.integer(pv, path, "rank", p.rank) ||
          !f.string(pv, path, "element", element))
        return false;
      if (pv.find("row_alignment") &&
          !f.integer(pv, path, "row_alignment", p.rowAlignment))
        return false;
      if (!parseDType(element, p.element))
        return f.fail(path + ".element",
                      "expected \"bf16\", \"f32\" or \"i32\", found \"" +
                          element + "\"");
    } else if (kind == "i32") {
      p.kind = ParamKind::I32;
    } else if (kind == "f32") {
      p.kind = ParamKind::F32;
    } else if (kind == "tensor_map") {
      p.kind = ParamKind::TensorMap;
    } else if (kind == "split_tiles") {
      p.kind = ParamKind::SplitTiles;
    } else if (kind == "split_parts") {
      p.kind = ParamKind::SplitParts;
    } else if (kind == "workspace") {
      p.kind = ParamKind::Workspace;
    } else {
      return f.fail(path + ".kind",
                    "expected \"memref\", \"i32\", \"f32\", \"tensor_map\", "
                    "\"split_tiles\", \"split_parts\" or \"workspace\", "
                    "found \"" +
                        kind + "\"");
    }
    k.params.push_back(p);
  }

  const Value *maps;
  if (!f.array(*kernel, "kernel", "tensor_maps", maps))
    return false;
  for (size_t i = 0; i < maps->items().size(); ++i) {
    const Value &tv = maps->items()[i];
    std::string path = format("kernel.tensor_maps[%zu]", i);
    if (!tv.isObject())
      return f.typeError(path, "an object", tv);
    TensorMapSpec t;
    if (!f.integer(tv, path, "param", t.param) ||
        !f.string(tv, path, "tensor", t.tensor) ||
        !f.integer(tv, path, "swizzle", t.swizzle))
      return false;
    const Value *box;
    if (!f.array(tv, path, "box", box))
      return false;
    for (size_t j = 0; j < box->items().size(); ++j) {
      int64_t b;
      if (!f.integerValue(box->items()[j], path + format(".box[%zu]", j), b))
        return false;
      t.box.push_back(b);
    }
    k.tensorMaps.push_back(t);
  }

  const Value *op;
  if (!f.object(root, "", "op", op))
    return false;
  Op &o = m.op;
  if (!f.integer(*op, "op", "H", o.H) || !f.integer(*op, "op", "G", o.G) ||
      !f.integer(*op, "op", "Dqk", o.Dqk) ||
      !f.integer(*op, "op", "Dv", o.Dv) ||
      !f.integer(*op, "op", "topk", o.topk) ||
      !f.optionalInteger(*op, "op", "B", o.B) ||
      !f.optionalInteger(*op, "op", "S", o.S) ||
      !f.optionalInteger(*op, "op", "Skv", o.Skv) ||
      !f.number(*op, "op", "sm_scale", o.smScale) ||
      !f.integer(*op, "op", "kv_stride", o.kvStride) ||
      !f.boolean(*op, "op", "causal", o.causal) ||
      !f.boolean(*op, "op", "has_max_logits", o.hasMaxLogits) ||
      !f.string(*op, "op", "schedule", o.schedule))
    return false;
  // sm_scale is an f32 attribute: keep exactly the float the kernel uses.
  o.smScale = static_cast<double>(static_cast<float>(o.smScale));

  if (!checkManifest(m, err))
    return false;
  out = std::move(m);
  return true;
}

//===----------------------------------------------------------------------===//
// Package file
//===----------------------------------------------------------------------===//

const Section *Package::find(uint32_t kind) const {
  for (const Section &s : sections)
    if (s.kind == kind)
      return &s;
  return nullptr;
}

static void putU32(std::vector<uint8_t> &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

static void putU64(std::vector<uint8_t> &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

static uint32_t getU32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

static uint64_t getU64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

std::vector<uint8_t> writePackageRaw(uint32_t headerVersion,
                                     const std::string &manifestJson,
                                     const std::vector<Section> &sections) {
  // Appended piece by piece: g++ 12 at -O3 reports false stringop-overflow
  // errors for insert() after reserve() here.
  std::vector<uint8_t> out;
  for (char c : kMagic)
    out.push_back(static_cast<uint8_t>(c));
  putU32(out, headerVersion);
  putU32(out, static_cast<uint32_t>(manifestJson.size()));
  out.insert(out.end(), manifestJson.begin(), manifestJson.end());
  putU32(out, static_cast<uint32_t>(sections.size()));
  for (const Section &s : sections) {
    putU32(out, s.kind);
    putU32(out, 0);
    putU64(out, s.data.size());
    out.insert(out.end(), s.data.begin(), s.data.end());
  }
  putU64(out, fnv1a64(out.data(), out.size()));
  return out;
}

std::vector<uint8_t> writePackage(const Manifest &m,
                                  const std::vector<Section> &sections) {
  return writePackageRaw(kFormatVersion, manifestToJson(m), sections);
}

static std::string describeMagic(const uint8_t *p) {
  std::string s = "\"";
  for (int i = 0; i < 8; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\')
      s += static_cast<char>(p[i]);
    else
      s += format("\\x%02X", p[i]);
  }
  return s + "\"";
}

bool readPackage(const uint8_t *data, size_t size, Package &out,
                 std::string &err) {
  auto fail = [&](const std::string &msg) {
    err = "package: " + msg;
    return false;
  };
  if (!data && size)
    return fail("null data");
  if (size < kMinFileSize)
    return fail(format("%zu bytes, shorter than the %zu-byte minimum (truncated "
                    "or not a package)",
                    size, kMinFileSize));
  if (std::memcmp(data, kMagic, 8) != 0)
    return fail("bad magic: expected \"SMLAPKG\\x00\", found " +
                describeMagic(data));
  uint32_t version = getU32(data + 8);
  if (version != kFormatVersion)
    return fail(format("unsupported format version %u (this reader knows "
                    "version %u)",
                    version, kFormatVersion));
  const size_t hashPos = size - 8;
  uint64_t manifestLen = getU32(data + 12);
  // The manifest, the section count and the hash must fit.
  if (16 + manifestLen + 4 > hashPos)
    return fail(format("manifest length %llu runs past the end of the file "
                    "(%zu bytes; at most %zu available)",
                    (unsigned long long)manifestLen, size,
                    hashPos >= 20 ? hashPos - 20 : 0));
  size_t pos = 16 + static_cast<size_t>(manifestLen);
  uint32_t count = getU32(data + pos);
  pos += 4;
  struct Raw {
    uint32_t kind, reserved;
    size_t offset, length;
  };
  std::vector<Raw> raws;
  for (uint32_t i = 0; i < count; ++i) {
    if (hashPos - pos < 16)
      return fail(format("section %u of %u: header runs past the end of the "
                      "file (%zu bytes left before the hash, 16 needed)",
                      i, count, hashPos - pos));
    Raw r;
    r.kind = getU32(data + pos);
    r.reserved = getU32(data + pos + 4);
    uint64_t len = getU64(data + pos + 8);
    pos += 16;
    if (len > hashPos - pos)
      return fail(format("section %u (%s) length %llu runs past the end of the "
                      "file (%zu bytes left before the hash)",
                      i, sectionKindName(r.kind).c_str(),
                      (unsigned long long)len, hashPos - pos));
    r.offset = pos;
    r.length = static_cast<size_t>(len);
    pos += r.length;
    raws.push_back(r);
  }
  if (pos != hashPos)
    return fail(format("%zu unexpected bytes between the last section and the "
                    "hash",
                    hashPos - pos));
  uint64_t stored = getU64(data + hashPos);
  uint64_t computed = fnv1a64(data, hashPos);
  if (stored != computed)
    return fail(format("hash mismatch: stored 0x%016llx, computed 0x%016llx "
                    "(file truncated or corrupted)",
                    (unsigned long long)stored, (unsigned long long)computed));

  Package p;
  p.version = version;
  bool haveCubin = false, havePtx = false;
  for (size_t i = 0; i < raws.size(); ++i) {
    const Raw &r = raws[i];
    if (r.kind != kSectionCubin && r.kind != kSectionPtx)
      return fail(format("section %zu: unknown kind %u (expected 1 = cubin or "
                      "2 = PTX)",
                      i, r.kind));
    if (r.reserved != 0)
      return fail(format("section %zu (%s): reserved field is %u, expected 0", i,
                      sectionKindName(r.kind).c_str(), r.reserved));
    if (r.length == 0)
      return fail(format("section %zu (%s): empty", i,
                      sectionKindName(r.kind).c_str()));
    bool &have = r.kind == kSectionCubin ? haveCubin : havePtx;
    if (have)
      return fail(format("section %zu: a second %s section", i,
                      sectionKindName(r.kind).c_str()));
    have = true;
    Section s;
    s.kind = r.kind;
    s.data.assign(data + r.offset, data + r.offset + r.length);
    p.sections.push_back(std::move(s));
  }
  if (!haveCubin && !havePtx)
    return fail("no cubin or PTX section");

  p.manifestJson.assign(reinterpret_cast<const char *>(data + 16),
                        static_cast<size_t>(manifestLen));
  std::string merr;
  if (!parseManifest(p.manifestJson, p.manifest, merr))
    return fail(merr);
  if (p.manifest.version != static_cast<int64_t>(version))
    return fail(format("manifest version %lld differs from the header's "
                    "version %u",
                    (long long)p.manifest.version, version));
  out = std::move(p);
  return true;
}

bool readFileBytes(const std::string &path, std::vector<uint8_t> &out,
                   std::string &err) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    err = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof(buf), f);
    bytes.insert(bytes.end(), buf, buf + n);
    if (n < sizeof(buf)) {
      if (std::ferror(f)) {
        err = "cannot read '" + path + "': " + std::strerror(errno);
        std::fclose(f);
        return false;
      }
      break;
    }
  }
  std::fclose(f);
  out = std::move(bytes);
  return true;
}

bool writeFileBytes(const std::string &path, const uint8_t *data, size_t size,
                    std::string &err) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    err = "cannot create '" + path + "': " + std::strerror(errno);
    return false;
  }
  size_t n = size ? std::fwrite(data, 1, size, f) : 0;
  int werr = errno;
  bool closed = std::fclose(f) == 0;
  if (n != size || !closed) {
    err = "cannot write '" + path + "': " +
          std::strerror(n != size ? werr : errno);
    return false;
  }
  return true;
}

bool readPackageFile(const std::string &path, Package &out, std::string &err) {
  std::vector<uint8_t> bytes;
  if (!readFileBytes(path, bytes, err))
    return false;
  if (!readPackage(bytes.data(), bytes.size(), out, err)) {
    err = path + ": " + err;
    return false;
  }
  return true;
}

bool writePackageFile(const std::string &path, const Manifest &m,
                      const std::vector<Section> &sections, std::string &err) {
  std::vector<uint8_t> bytes = writePackage(m, sections);
  return writeFileBytes(path, bytes.data(), bytes.size(), err);
}

} // namespace pkg
} // namespace sparse_mla
