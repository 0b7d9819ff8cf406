//===- launch.cpp - CUDA-free launch validation ---------------------------===//
//
// Argument validation, grid computation, tensor-map requests and the kernel
// parameter buffer of docs/kernel-package.md ("Parameter ABI").
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/package.h"

#include <algorithm>
#include <iterator>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace sparse_mla {
namespace pkg {


TensorArg contiguousTensor(const void *data, int dtype,
                           std::initializer_list<int64_t> sizes) {
  TensorArg t;
  t.data = data;
  t.dtype = dtype;
  t.rank = static_cast<int>(sizes.size() > 4 ? 4 : sizes.size());
  int i = 0;
  for (int64_t s : sizes) {
    if (i >= 4)
      break;
    t.sizes[i++] = s;
  }
  int64_t stride = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    t.strides[d] = stride;
    stride *= t.sizes[d] > 0 ? t.sizes[d] : 1;
  }
  return t;
}

const TensorArg *operandByName(const LaunchArgs &args,
                               const std::string &name) {
  if (name == "q")
    return args.q;
  if (name == "kv")
    return args.kv;
  if (name == "indices")
    return args.indices;
  if (name == "out")
    return args.out;
  if (name == "lse")
    return args.lse;
  if (name == "max_logits")
    return args.maxLogits;
  if (name == "attn_sink")
    return args.attnSink;
  if (name == "topk_length")
    return args.topkLength;
  return nullptr;
}

bool hasParam(const Manifest &m, const std::string &name) {
  for (const Param &p : m.kernel.params)
    if (p.name == name)
      return true;
  return false;
}

static std::string shapeString(const TensorArg &t) {
  std::string s = "[";
  for (int i = 0; i < t.rank && i < 4; ++i) {
    if (i)
      s += ", ";
    s += std::to_string(t.sizes[i]);
  }
  return s + "]";
}

namespace {

/// What one operand must look like. A dimension is either static (a fixed
/// value from the manifest) or one of the dynamic sizes B, S, Skv.
struct DimRule {
  const char *name;
  enum { Static, DynB, DynS, DynSkv } kind;
  int64_t value; // Static only.
};

struct OperandRule {
  const char *name;
  const TensorArg *t;
  int dtype;
  int rank;
  DimRule dims[4];
};

} // namespace

/// Checks dtype, rank, sizes >= 0, strides, extent and the data pointer of
/// one tensor; static dims too.
static bool checkTensorBasics(const OperandRule &r, const char *layout,
                              std::string &err) {
  const TensorArg &t = *r.t;
  if (t.dtype != r.dtype) {
    err = format("%s: dtype is %s, expected %s", r.name,
              dtypeName(t.dtype).c_str(), dtypeName(r.dtype).c_str());
    return false;
  }
  if (t.rank != r.rank) {
    err = format("%s: rank is %d, expected %d (%s)", r.name, t.rank, r.rank,
              layout);
    return false;
  }
  for (int d = 0; d < r.rank; ++d) {
    if (t.sizes[d] < 0) {
      err = format("%s: dimension %d (%s) has size %" PRId64
                ", expected a size >= 0",
                r.name, d, r.dims[d].name, t.sizes[d]);
      return false;
    }
  }
  for (int d = 0; d < r.rank; ++d) {
    if (d == r.rank - 1 && t.strides[d] != 1) {
      err = format("%s: stride of dimension %d (%s, the last) is %" PRId64
                ", expected 1 (the last dimension must be contiguous)",
                r.name, d, r.dims[d].name, t.strides[d]);
      return false;
    }
    if (t.strides[d] <= 0) {
      err = format("%s: stride of dimension %d (%s) is %" PRId64
                ", expected a stride > 0",
                r.name, d, r.dims[d].name, t.strides[d]);
      return false;
    }
  }
  for (int d = 0; d < r.rank; ++d) {
    const DimRule &dr = r.dims[d];
    if (dr.kind == DimRule::Static && t.sizes[d] != dr.value) {
      err = format("%s: dimension %d (%s) is %" PRId64 ", expected %" PRId64
                " (%s of the package)",
                r.name, d, dr.name, t.sizes[d], dr.value, dr.name);
      return false;
    }
  }
  bool empty = false;
  for (int d = 0; d < r.rank; ++d)
    empty = empty || t.sizes[d] == 0;
  if (!empty) {
    // Largest element offset, then bytes: both must fit int64.
    int64_t extent = 0;
    for (int d = 0; d < r.rank; ++d) {
      int64_t term;
      if (__builtin_mul_overflow(t.sizes[d] - 1, t.strides[d], &term) ||
          __builtin_add_overflow(extent, term, &extent)) {
        err = format("%s: shape %s with these strides spans more elements than "
                  "int64 can address",
                  r.name, shapeString(t).c_str());
        return false;
      }
    }
    int64_t bytes;
    if (__builtin_add_overflow(extent, int64_t(1), &bytes) ||
        __builtin_mul_overflow(bytes, static_cast<int64_t>(dtypeSize(t.dtype)),
                               &bytes)) {
      err = format("%s: shape %s spans more bytes than int64 can address",
                r.name, shapeString(t).c_str());
      return false;
    }
    if (!t.data) {
      err = format("%s: data pointer is null but the tensor is not empty "
                "(shape %s)",
                r.name, shapeString(t).c_str());
      return false;
    }
  }
  uintptr_t addr = reinterpret_cast<uintptr_t>(t.data);
  if (addr % 16 != 0) {
    err = format("%s: data pointer 0x%" PRIxPTR " is not 16-byte aligned "
              "(address mod 16 = %u)",
              r.name, addr, static_cast<unsigned>(addr % 16));
    return false;
  }
  return true;
}

bool takesScaleAtLaunch(const Manifest &m) {
  for (const Param &p : m.kernel.params)
    if (p.kind == ParamKind::F32 && p.name == "scale_log2")
      return true;
  return false;
}

/// log2(e): the kernels' softmax works in base 2.
constexpr double kLog2E = 1.4426950408889634;

float scaleLog2Of(const Manifest &m, double smScale) {
  const double scale = smScale != 0.0 ? static_cast<double>(
                                            static_cast<float>(smScale))
                                      : m.op.smScale;
  return static_cast<float>(scale * kLog2E);
}

/// The launch's sm_scale: 0 (the package's), or finite, > 0, with
/// sm_scale x log2(e) a finite f32 (the op verifier's rule); a package
/// without "scale_log2" runs only its own.
static bool checkLaunchScale(const Manifest &m, double s, std::string &err) {
  if (s == 0.0)
    return true;
  if (!std::isfinite(s) || s < 0.0 ||
      !std::isfinite(static_cast<float>(s * kLog2E)) ||
      static_cast<float>(s) <= 0.0f) {
    err = format("sm_scale: %g, expected a finite value > 0 whose product "
                 "with log2(e) is a finite f32 (or 0: the package's, %g)",
                 s, m.op.smScale);
    return false;
  }
  if (!takesScaleAtLaunch(m) && static_cast<float>(s) !=
                                    static_cast<float>(m.op.smScale)) {
    err = format("sm_scale: %.9g, but this package's kernel has its scale "
                 "compiled in (%.9g; it has no \"scale_log2\" parameter): "
                 "rebuild the package with a compiler that passes it at "
                 "launch, or launch with its own scale",
                 s, m.op.smScale);
    return false;
  }
  return true;
}

bool validateLaunchArgs(const Manifest &m, const LaunchArgs &args,
                        LaunchShape &shape, std::string &err) {
  const Op &op = m.op;
  if (!checkLaunchScale(m, args.smScale, err))
    return false;
  const struct {
    const char *name;
    const TensorArg *t;
  } required[] = {{"q", args.q},     {"kv", args.kv}, {"indices", args.indices},
                  {"out", args.out}, {"lse", args.lse}};
  for (const auto &r : required) {
    if (!r.t) {
      err = format("%s: missing (no tensor given)", r.name);
      return false;
    }
  }
  if (op.hasMaxLogits && !args.maxLogits) {
    err = "max_logits: the package computes max_logits (op.has_max_logits = "
          "true) but no tensor was given";
    return false;
  }
  if (!op.hasMaxLogits && args.maxLogits) {
    err = "max_logits: a tensor was given, but the package does not compute "
          "max_logits (op.has_max_logits = false)";
    return false;
  }
  const struct {
    const char *name;
    const TensorArg *t;
  } optional[] = {{"attn_sink", args.attnSink},
                  {"topk_length", args.topkLength}};
  for (const auto &o : optional) {
    const bool takes = hasParam(m, o.name);
    if (takes && !o.t) {
      err = format("%s: the package's kernel takes %s but no tensor was given",
                   o.name, o.name);
      return false;
    }
    if (!takes && o.t) {
      err = format("%s: a tensor was given, but the package's kernel has no "
                   "%s (compile the op with it)",
                   o.name, o.name);
      return false;
    }
  }

  using D = DimRule;
  const D dB{"B", D::DynB, 0}, dS{"S", D::DynS, 0}, dSkv{"Skv", D::DynSkv, 0};
  const D dH{"H", D::Static, op.H}, dG{"G", D::Static, op.G},
      dDqk{"Dqk", D::Static, op.Dqk}, dDv{"Dv", D::Static, op.Dv},
      dTopk{"topk", D::Static, op.topk};
  const D none{"-", D::Static, 0};
  const OperandRule rules[] = {
      {"q", args.q, kBF16, 4, {dB, dS, dH, dDqk}},
      {"kv", args.kv, kBF16, 4, {dB, dSkv, dG, dDqk}},
      {"indices", args.indices, kI32, 4, {dB, dS, dG, dTopk}},
      {"out", args.out, kBF16, 4, {dB, dS, dH, dDv}},
      {"lse", args.lse, kF32, 3, {dB, dS, dH, none}},
      {"max_logits", args.maxLogits, kF32, 3, {dB, dS, dH, none}},
      {"attn_sink", args.attnSink, kF32, 1, {dH, none, none, none}},
      {"topk_length", args.topkLength, kI32, 2, {dB, dS, none, none}},
  };
  const char *layouts[] = {"[B, S, H, Dqk]",  "[B, Skv, G, Dqk]",
                           "[B, S, G, topk]", "[B, S, H, Dv]",
                           "[B, S, H]",       "[B, S, H]",
                           "[H]",             "[B, S]"};

  for (size_t i = 0; i < std::size(rules); ++i) {
    if (!rules[i].t)
      continue;
    if (!checkTensorBasics(rules[i], layouts[i], err))
      return false;
  }

  // Row alignment the kernel's copies need (e.g. 16-byte cp.async pieces).
  for (const Param &p : m.kernel.params) {
    const TensorArg *t = p.kind == ParamKind::Memref && p.rowAlignment > 1
                             ? operandByName(args, p.name)
                             : nullptr;
    if (!t)
      continue;
    const uint64_t align = static_cast<uint64_t>(p.rowAlignment);
    const uint64_t esize = dtypeSize(t->dtype);
    if (reinterpret_cast<uintptr_t>(t->data) % align != 0) {
      err = format("%s: data pointer is not %" PRIu64 "-byte aligned, which "
                   "this kernel needs (it copies rows in %" PRIu64
                   "-byte pieces)",
                   p.name.c_str(), align, align);
      return false;
    }
    for (int d = 0; d + 1 < t->rank; ++d) {
      const uint64_t bytes = static_cast<uint64_t>(t->strides[d]) * esize;
      if (bytes % align != 0) {
        err = format("%s: stride of dimension %d is %" PRIu64
                     " bytes; this kernel copies rows in %" PRIu64
                     "-byte pieces and needs a multiple of %" PRIu64,
                     p.name.c_str(), d, bytes, align, align);
        return false;
      }
    }
  }

  // Dynamic sizes: B and S from q, Skv from kv; each must match the
  // package's static value, if any, and every other operand.
  const int64_t B = args.q->sizes[0], S = args.q->sizes[1],
                Skv = args.kv->sizes[1];
  const struct {
    const char *name;
    const std::optional<int64_t> &fixed;
    int64_t value;
    const char *from;
    int dim;
  } dyn[] = {{"B", op.B, B, "q", 0},
             {"S", op.S, S, "q", 1},
             {"Skv", op.Skv, Skv, "kv", 1}};
  for (const auto &d : dyn) {
    if (d.fixed && *d.fixed != d.value) {
      err = format("%s: dimension %d (%s) is %" PRId64 ", expected %" PRId64
                " (static %s of the package)",
                d.from, d.dim, d.name, d.value, *d.fixed, d.name);
      return false;
    }
  }
  for (size_t i = 0; i < std::size(rules); ++i) {
    const OperandRule &r = rules[i];
    if (!r.t)
      continue;
    for (int d = 0; d < r.rank; ++d) {
      int64_t want;
      const char *from;
      switch (r.dims[d].kind) {
      case D::DynB:
        want = B;
        from = "q";
        break;
      case D::DynS:
        want = S;
        from = "q";
        break;
      case D::DynSkv:
        want = Skv;
        from = "kv";
        break;
      default:
        continue;
      }
      if (r.t->sizes[d] != want) {
        err = format("%s: dimension %d (%s) is %" PRId64 ", but %s has %s = "
                  "%" PRId64,
                  r.name, d, r.dims[d].name, r.t->sizes[d], from,
                  r.dims[d].name, want);
        return false;
      }
    }
  }
  shape.B = B;
  shape.S = S;
  shape.Skv = Skv;
  return true;
}

bool computeGrid(const Manifest &m, const LaunchShape &shape, uint32_t grid[3],
                 std::string &err) {
  static const char *axis[3] = {"x", "y", "z"};
  // A persistent kernel's terms count tiles, launched along x only
  // (launchGrid checks their product); otherwise the CUDA grid limits.
  const bool persistent = m.kernel.ctasPerSm > 0;
  const int64_t limit[3] = {2147483647, persistent ? 2147483647 : 65535,
                            persistent ? 2147483647 : 65535};
  for (int i = 0; i < 3; ++i) {
    const GridTerm &t = m.kernel.grid[i];
    int64_t size = 1;
    const char *name = "1";
    switch (t.dim) {
    case GridDim::B:
      size = shape.B;
      name = "B";
      break;
    case GridDim::S:
      size = shape.S;
      name = "S";
      break;
    case GridDim::Skv:
      size = shape.Skv;
      name = "Skv";
      break;
    case GridDim::None:
      break;
    }
    if (size < 0) {
      err = format("grid %s: %s is negative (%" PRId64 ")", axis[i], name, size);
      return false;
    }
    int64_t value;
    if (__builtin_mul_overflow(size, t.multiplier, &value) ||
        value > limit[i]) {
      if (t.dim == GridDim::None)
        err = format("grid %s: multiplier %" PRId64 " exceeds the limit %" PRId64,
                  axis[i], t.multiplier, limit[i]);
      else
        err = format("grid %s: %s (%" PRId64 ") x multiplier %" PRId64
                  " exceeds the limit %" PRId64,
                  axis[i], name, size, t.multiplier, limit[i]);
      return false;
    }
    grid[i] = static_cast<uint32_t>(value);
  }
  return true;
}

bool launchGrid(const Manifest &m, const uint32_t tiles[3], int64_t smCount,
                uint32_t grid[3], std::string &err) {
  if (m.kernel.ctasPerSm <= 0) {
    for (int i = 0; i < 3; ++i)
      grid[i] = tiles[i];
    return true;
  }
  const uint64_t total =
      uint64_t(tiles[0]) * uint64_t(tiles[1]) * uint64_t(tiles[2]);
  if (total > 0x7FFFFFFF) {
    err = format("persistent kernel: %" PRIu64 " tiles (%u x %u x %u), the "
                 "kernel counts them in 32 bits (at most 2147483647)",
                 total, tiles[0], tiles[1], tiles[2]);
    return false;
  }
  if (smCount < 1) {
    err = format("persistent kernel: SM count %" PRId64 ", expected >= 1",
                 smCount);
    return false;
  }
  const uint64_t ctas = uint64_t(m.kernel.ctasPerSm) * uint64_t(smCount);
  grid[0] = static_cast<uint32_t>(total < ctas ? total : ctas);
  grid[1] = grid[2] = total == 0 ? 0 : 1;
  if (total == 0)
    grid[0] = 0;
  return true;
}

SplitPlan planSplit(const Manifest &m, uint32_t tiles, int64_t smCount,
                    const SplitPolicy &policy) {
  SplitPlan plan;
  plan.persistentTiles = tiles;
  const Kernel &k = m.kernel;
  if (k.splitEntry.empty() || k.ctasPerSm <= 0 || smCount < 1 || tiles == 0)
    return plan;
  const uint64_t ctas = uint64_t(k.ctasPerSm) * uint64_t(smCount);
  const uint64_t tail = tiles % ctas; // all of them below one wave
  if (tail == 0 || k.splitMaxParts < policy.minRounds ||
      tiles / ctas > uint64_t(std::max<int64_t>(policy.maxWaves, 0)))
    return plan;
  uint64_t parts = ctas / tail;
  parts = std::min<uint64_t>(parts, uint64_t(k.splitMaxParts));
  parts = std::min<uint64_t>(parts,
                             uint64_t(std::max<int64_t>(policy.maxParts, 0)));
  if (parts < 2)
    return plan;
  plan.persistentTiles = static_cast<uint32_t>(tiles - tail);
  plan.splitTiles = static_cast<uint32_t>(tail);
  plan.parts = static_cast<uint32_t>(parts);
  return plan;
}

bool buildTensorMapRequests(const Manifest &m, const LaunchArgs &args,
                            std::vector<TensorMapRequest> &out,
                            std::string &err) {
  out.clear();
  for (size_t i = 0; i < m.kernel.tensorMaps.size(); ++i) {
    const TensorMapSpec &spec = m.kernel.tensorMaps[i];
    const TensorArg *t = operandByName(args, spec.tensor);
    std::string where = format("tensor map %zu (parameter %" PRId64 ", %s)", i,
                            spec.param, spec.tensor.c_str());
    if (!t) {
      err = where + ": operand not given";
      return false;
    }
    if (t->rank < 1 || t->rank > 5 ||
        static_cast<size_t>(t->rank) != spec.box.size()) {
      err = where + format(": tensor rank %d does not match the box's %zu "
                        "entries",
                        t->rank, spec.box.size());
      return false;
    }
    TensorMapRequest r;
    r.param = spec.param;
    r.tensor = spec.tensor;
    r.dtype = t->dtype;
    r.data = t->data;
    r.rank = static_cast<uint32_t>(t->rank);
    r.swizzle = spec.swizzle;
    const uint64_t esize = dtypeSize(t->dtype);
    for (uint32_t d = 0; d < r.rank; ++d) {
      const int64_t outer = static_cast<int64_t>(r.rank - 1 - d);
      r.dims[d] = static_cast<uint64_t>(t->sizes[outer]);
      r.box[d] = static_cast<uint32_t>(spec.box[d]);
      if (t->sizes[outer] == 0)
        r.empty = true;
      if (r.dims[d] > (uint64_t(1) << 32)) {
        err = where + format(": dimension %" PRId64 " has %" PRIu64
                          " elements, more than a tensor map allows (2^32)",
                          outer, r.dims[d]);
        return false;
      }
      if (d > 0) {
        uint64_t bytes = static_cast<uint64_t>(t->strides[outer]) * esize;
        r.strides[d - 1] = bytes;
        if (bytes % 16 != 0 || bytes >= (uint64_t(1) << 40)) {
          err = where + format(": stride of dimension %" PRId64 " is %" PRIu64
                            " bytes; a tensor map needs a multiple of 16 "
                            "below 2^40",
                            outer, bytes);
          return false;
        }
      }
    }
    const uint64_t rowBytes = r.box[0] * esize;
    if (r.swizzle == 0 && rowBytes % 16 != 0) {
      err = where + format(": innermost box of %u elements is %" PRIu64
                        " bytes; without swizzle it must be a multiple of 16",
                        r.box[0], rowBytes);
      return false;
    }
    if (r.swizzle != 0 && rowBytes > static_cast<uint64_t>(r.swizzle)) {
      err = where + format(": innermost box of %u elements is %" PRIu64
                        " bytes, more than the %" PRId64 "-byte swizzle span",
                        r.box[0], rowBytes, r.swizzle);
      return false;
    }
    out.push_back(r);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// ParamBuffer
//===----------------------------------------------------------------------===//

ParamBuffer &ParamBuffer::operator=(const ParamBuffer &other) {
  if (this == &other)
    return *this;
  storage_ = other.storage_;
  used_ = other.used_;
  slots_ = other.slots_;
  rebuildPointers();
  return *this;
}

void *ParamBuffer::slotData(size_t i) {
  return reinterpret_cast<unsigned char *>(storage_.data()) +
         slots_[i].offset;
}

const void *ParamBuffer::slotData(size_t i) const {
  return reinterpret_cast<const unsigned char *>(storage_.data()) +
         slots_[i].offset;
}

void ParamBuffer::reserve(size_t slots, size_t bytes) {
  slots_.reserve(slots);
  pointers_.reserve(slots);
  storage_.reserve((bytes + sizeof(Chunk) - 1) / sizeof(Chunk));
}

void ParamBuffer::rebuildPointers() {
  pointers_.resize(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i)
    pointers_[i] = slotData(i);
}

void ParamBuffer::append(const std::string &name, const void *value,
                         size_t size, size_t align) {
  size_t offset = (used_ + align - 1) / align * align;
  size_t end = offset + size;
  size_t chunks = (end + sizeof(Chunk) - 1) / sizeof(Chunk);
  if (storage_.size() < chunks)
    storage_.resize(chunks, Chunk{});
  unsigned char *base = reinterpret_cast<unsigned char *>(storage_.data());
  if (value)
    std::memcpy(base + offset, value, size);
  else
    std::memset(base + offset, 0, size);
  slots_.push_back(Slot{name, offset, size});
  used_ = end;
}

size_t slotIndexOfParam(const Manifest &m, size_t param) {
  size_t slot = 0;
  for (size_t i = 0; i < param && i < m.kernel.params.size(); ++i) {
    const Param &p = m.kernel.params[i];
    slot += p.kind == ParamKind::Memref ? static_cast<size_t>(3 + 2 * p.rank)
                                        : 1;
  }
  return slot;
}

bool buildParamBuffer(const Manifest &m, const LaunchArgs &args,
                      ParamBuffer &out, std::string &err, bool slotNames) {
  ParamBuffer buf;
  buf.reserve(128, 2048);
  static const std::string unnamed;
  // The slot's name ("q.sizes[2]") only when asked for.
  auto named = [&](const std::string &base, const char *part = nullptr,
                   int64_t index = -1) -> std::string {
    if (!slotNames)
      return unnamed;
    std::string n = base;
    if (part)
      n += part;
    if (index >= 0)
      n += "[" + std::to_string(index) + "]";
    return n;
  };
  for (size_t i = 0; i < m.kernel.params.size(); ++i) {
    const Param &p = m.kernel.params[i];
    switch (p.kind) {
    case ParamKind::I32: {
      int32_t v = args.qStart;
      buf.append(named(p.name), &v, sizeof(v), 8);
      break;
    }
    case ParamKind::F32: {
      float v = scaleLog2Of(m, args.smScale);
      buf.append(named(p.name), &v, sizeof(v), 8);
      break;
    }
    case ParamKind::TensorMap:
      buf.append(named(p.name), nullptr, 128, 128);
      break;
    case ParamKind::SplitTiles:
      buf.append(named(p.name), &args.splitTiles, sizeof(args.splitTiles), 8);
      break;
    case ParamKind::SplitParts:
      buf.append(named(p.name), &args.splitParts, sizeof(args.splitParts), 8);
      break;
    case ParamKind::Workspace:
      buf.append(named(p.name), &args.workspace, sizeof(args.workspace), 8);
      break;
    case ParamKind::Memref: {
      const TensorArg *t = operandByName(args, p.name);
      if (!t) {
        err = format("parameter %zu (%s): operand not given", i, p.name.c_str());
        return false;
      }
      if (t->rank != p.rank) {
        err = format("parameter %zu (%s): tensor rank %d, expected %" PRId64, i,
                  p.name.c_str(), t->rank, p.rank);
        return false;
      }
      uint64_t ptr = reinterpret_cast<uintptr_t>(t->data);
      int64_t offset = 0;
      buf.append(named(p.name, ".allocated"), &ptr, 8, 8);
      buf.append(named(p.name, ".aligned"), &ptr, 8, 8);
      buf.append(named(p.name, ".offset"), &offset, 8, 8);
      for (int64_t d = 0; d < p.rank; ++d)
        buf.append(named(p.name, ".sizes", d), &t->sizes[d], 8, 8);
      for (int64_t d = 0; d < p.rank; ++d)
        buf.append(named(p.name, ".strides", d), &t->strides[d], 8, 8);
      break;
    }
    }
  }
  out = std::move(buf);
  return true;
}

} // namespace pkg
} // namespace sparse_mla
