//===- package.h - the sparse_mla kernel package ---------------*- C++ -*-===//
//
// The kernel package (`*.smlapkg`, docs/kernel-package.md): a manifest (JSON)
// describing one compiled `sparse_mla.fwd` kernel, its binaries (cubin, PTX)
// and a hash. This library reads and writes packages and, without CUDA,
// validates a launch: the caller's tensors against the manifest, the grid,
// and the kernel parameter buffer of the package's ABI.
//
// Used by the compiler (linked into LLVM-based tools: builds with
// -fno-exceptions, no CUDA) and by the runtime. Every failure is a `false`
// return with a message naming the value, the expected and the found value;
// nothing here aborts or throws.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_MLA_PACKAGE_H
#define SPARSE_MLA_PACKAGE_H

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace sparse_mla {
namespace pkg {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// The format version this library reads and writes.
constexpr uint32_t kFormatVersion = 1;
/// The 8-byte magic at offset 0 ("SMLAPKG" and a NUL).
constexpr char kMagic[8] = {'S', 'M', 'L', 'A', 'P', 'K', 'G', '\0'};
/// The manifest's "format" value.
constexpr const char *kFormatName = "sparse_mla.package";
/// Smallest possible file: magic, version, manifest length, section count,
/// hash.
constexpr size_t kMinFileSize = 24;

/// FNV-1a 64-bit hash.
uint64_t fnv1a64(const uint8_t *data, size_t size);

/// printf into a std::string, of any length (messages name values).
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

/// Element types. The numbering is shared with the runtime's C API
/// (smla_dtype) and TensorArg::dtype.
enum DType : int { kBF16 = 1, kF32 = 2, kI32 = 3 };
/// "bf16", "f32", "i32", or "dtype(N)" for an unknown value.
std::string dtypeName(int dtype);
/// Bytes per element (0 for an unknown dtype).
size_t dtypeSize(int dtype);

/// A dimension a grid term scales with.
enum class GridDim { None, B, S, Skv };

/// grid[i] = multiplier x (runtime size of dim), or multiplier if dim = None.
struct GridTerm {
  GridDim dim = GridDim::None;
  int64_t multiplier = 1;
};

/// Kinds of kernel parameters.
///  - Memref: MLIR's expanded descriptor (allocated ptr, aligned ptr, offset,
///    sizes[rank], strides[rank]); one kernel parameter per value.
///  - I32: one 32-bit scalar (only "q_start").
///  - F32: one 32-bit float (only "scale_log2": the launch's sm_scale times
///    log2(e), rounded to f32; the runtime fills it from the launch's scale,
///    or op.sm_scale when the launch gives none). A package without it has
///    its scale compiled in.
///  - TensorMap: a 128-byte CUtensorMap passed by value (128-byte aligned);
///    filled from the tensor_maps entry whose "param" is its index.
///  - SplitTiles, SplitParts (i32) and Workspace (a 64-bit device pointer):
///    the split plan of a kernel with a split kernel (Kernel::split): the
///    tiles the persistent kernel computes (the first tile of the split
///    kernel), the split kernel's CTAs per tile, and its workspace. Filled
///    by the runtime (planSplit); each at most once, all three or none.
enum class ParamKind {
  Memref,
  I32,
  F32,
  TensorMap,
  SplitTiles,
  SplitParts,
  Workspace
};

struct Param {
  std::string name;
  ParamKind kind = ParamKind::Memref;
  /// Memref only: bytes that the data pointer and every outer stride must be
  /// a multiple of (the kernel copies rows in pieces of that size); 0 when
  /// the kernel needs no more than element alignment. Manifest key
  /// "row_alignment", absent when 0.
  int64_t rowAlignment = 0;
  int64_t rank = 0;         ///< Memref only.
  int element = kBF16;      ///< Memref only (a DType).
};

/// A tensor map the host encodes (cuTensorMapEncodeTiled) before launching.
struct TensorMapSpec {
  int64_t param = 0;          ///< Index into Kernel::params (a TensorMap).
  std::string tensor;         ///< Operand: q, kv, indices, out, lse, max_logits.
  std::vector<int64_t> box;   ///< Box sizes, innermost first (rank entries).
  int64_t swizzle = 0;        ///< 0 (none), 32, 64 or 128 bytes.
};

struct Kernel {
  std::string entry;
  int64_t block[3] = {1, 1, 1};
  int64_t dynamicSharedMemory = 0;
  GridTerm grid[3];
  /// Persistent kernels (manifest key "ctas_per_sm", absent when 0): the
  /// grid terms count tiles, and the kernel loops over them itself, so the
  /// launch runs min(tiles, ctas_per_sm x SMs) CTAs along x (see
  /// launchGrid). 0: one CTA per tile.
  int64_t ctasPerSm = 0;
  std::vector<Param> params;
  std::vector<TensorMapSpec> tensorMaps;
  /// A persistent kernel's split kernel (manifest key "split", absent when
  /// splitEntry is empty): a second entry of the same parameters that
  /// computes the tiles of the last partial wave (all tiles when there are
  /// fewer than CTAs), each tile's rounds divided among `parts` CTAs
  /// (2 <= parts <= splitMaxParts); splitWorkspaceBytesPerCta bytes of
  /// workspace per CTA of the split grid. See planSplit.
  std::string splitEntry;
  int64_t splitMaxParts = 0;
  int64_t splitWorkspaceBytesPerCta = 0;
};

/// The op the kernel computes (docs/semantics.md).
struct Op {
  int64_t H = 0, G = 0, Dqk = 0, Dv = 0, topk = 0;
  std::optional<int64_t> B, S, Skv; ///< Static size, or nullopt if dynamic.
  /// Effective scale: an f32 value (the op's attribute type), stored
  /// widened. parseManifest rounds the JSON number to the nearest float;
  /// manifestToJson writes the shortest text of that float.
  double smScale = 0.0;
  int64_t kvStride = 1;
  bool causal = false;
  bool hasMaxLogits = false;
  std::string schedule;
};

struct Manifest {
  std::string format = kFormatName;
  int64_t version = kFormatVersion;
  std::string chip;
  /// What wrote the package, e.g. "sparse_mla 0.6.0 (LLVM/MLIR 22.1.8)";
  /// optional ("compiler" in the JSON; empty when absent).
  std::string compiler;
  Kernel kernel;
  Op op;
};

/// The manifest of docs/kernel-package.md's example (simple schedule,
/// DeepSeek-V3.2 shape, dynamic B/S/Skv, max_logits on).
Manifest exampleManifest();

/// exampleManifest() as a persistent kernel (one CTA per SM) with a split
/// kernel (split_tail): entry "fwd_split", at most 16 parts, 135,200
/// workspace bytes per CTA, and the split_tiles, split_parts and workspace
/// parameters after the standard ones.
Manifest exampleSplitManifest();

/// The standard parameter list for an op: q, kv, indices, q_start, out, lse
/// and, if \p hasMaxLogits, max_logits.
std::vector<Param> standardParams(bool hasMaxLogits);

/// Checks the manifest's contents (not the version): required strings not
/// empty, block and grid well formed, op rules of docs/semantics.md,
/// parameters (each operand once, right kind, rank and element type;
/// max_logits iff has_max_logits), tensor maps (referenced parameter, rank,
/// box, swizzle).
bool checkManifest(const Manifest &m, std::string &err);

/// The manifest as pretty-printed JSON (the format of the docs).
std::string manifestToJson(const Manifest &m);

/// Parses and checks a manifest. Unknown members are ignored (forward
/// compatibility); missing or mistyped members are errors naming the path
/// ("kernel.block[1]: expected an integer, found string"). The manifest's
/// version is read but not compared with anything (readPackage does that).
bool parseManifest(const std::string &json, Manifest &m, std::string &err);

//===----------------------------------------------------------------------===//
// Package file
//===----------------------------------------------------------------------===//

enum SectionKind : uint32_t { kSectionCubin = 1, kSectionPtx = 2 };
/// "cubin", "ptx", or "kind N".
std::string sectionKindName(uint32_t kind);

struct Section {
  uint32_t kind = kSectionCubin;
  std::vector<uint8_t> data;
};

struct Package {
  uint32_t version = 0;
  std::string manifestJson; ///< The manifest text as stored.
  Manifest manifest;
  std::vector<Section> sections;

  /// The first section of \p kind, or nullptr.
  const Section *find(uint32_t kind) const;
};

/// Serializes a package (the manifest is written with manifestToJson).
/// Callers should checkManifest first; writePackage does not refuse.
std::vector<uint8_t> writePackage(const Manifest &m,
                                  const std::vector<Section> &sections);

/// Same, with the manifest text given verbatim (for tests and tools).
std::vector<uint8_t> writePackageRaw(uint32_t headerVersion,
                                     const std::string &manifestJson,
                                     const std::vector<Section> &sections);

/// Reads a package from memory, refusing (with a message) a file shorter
/// than 24 bytes, a wrong magic, an unknown version, a manifest or section
/// length past the end, trailing bytes, a hash mismatch, an unknown section
/// kind or nonzero reserved field, a package with neither cubin nor PTX, a
/// manifest that is not valid JSON, lacks a field or fails checkManifest, and
/// a manifest version that differs from the header's.
bool readPackage(const uint8_t *data, size_t size, Package &out,
                 std::string &err);

/// Whole-file helpers. Errors name the path and the system error.
bool readFileBytes(const std::string &path, std::vector<uint8_t> &out,
                   std::string &err);
bool writeFileBytes(const std::string &path, const uint8_t *data, size_t size,
                    std::string &err);
bool readPackageFile(const std::string &path, Package &out, std::string &err);
bool writePackageFile(const std::string &path, const Manifest &m,
                      const std::vector<Section> &sections, std::string &err);

//===----------------------------------------------------------------------===//
// Launch validation (no CUDA)
//===----------------------------------------------------------------------===//

/// A caller's tensor. Sizes and strides are in elements, outermost first;
/// entries past `rank` are ignored. `data` is a device address.
struct TensorArg {
  const void *data = nullptr;
  int dtype = kBF16;
  int rank = 0;
  int64_t sizes[4] = {0, 0, 0, 0};
  int64_t strides[4] = {0, 0, 0, 0};
};

/// Row-major (contiguous) TensorArg of the given sizes.
TensorArg contiguousTensor(const void *data, int dtype,
                           std::initializer_list<int64_t> sizes);

/// The operands of one launch. maxLogits may be null.
struct LaunchArgs {
  const TensorArg *q = nullptr;
  const TensorArg *kv = nullptr;
  const TensorArg *indices = nullptr;
  int32_t qStart = 0;
  /// The launch's sm_scale; 0: the package's (op.sm_scale).
  double smScale = 0.0;
  const TensorArg *out = nullptr;
  const TensorArg *lse = nullptr;
  const TensorArg *maxLogits = nullptr;
  /// Optional operands, given iff the kernel has a parameter of that name.
  const TensorArg *attnSink = nullptr;   ///< [H] f32
  const TensorArg *topkLength = nullptr; ///< [B, S] i32
  /// The split plan's arguments (planSplit; the runtime's workspace).
  int32_t splitTiles = 0;
  int32_t splitParts = 0;
  uint64_t workspace = 0;
};

/// Whether the kernel takes its scale at launch (a "scale_log2" parameter).
bool takesScaleAtLaunch(const Manifest &m);

/// The f32 value of the "scale_log2" parameter for a launch scale
/// \p smScale (0: op.sm_scale): smScale x log2(e), rounded once.
float scaleLog2Of(const Manifest &m, double smScale);

/// The dynamic sizes of a launch.
struct LaunchShape {
  int64_t B = 0, S = 0, Skv = 0;
};

/// Checks \p args against \p m: presence, dtype, rank, sizes (static H, G,
/// Dqk, Dv, topk; static B/S/Skv; B/S/Skv consistent across tensors), sizes
/// >= 0, strides > 0 with the last one 1, the element extent fits int64,
/// data 16-byte aligned and non-null unless the tensor is empty, max_logits
/// given iff the package computes it. Fills \p shape.
bool validateLaunchArgs(const Manifest &m, const LaunchArgs &args,
                        LaunchShape &shape, std::string &err);

/// Whether the kernel has a parameter called \p name (e.g. "attn_sink").
bool hasParam(const Manifest &m, const std::string &name);

/// The tensor operand called \p name in \p args (nullptr if unknown/absent).
const TensorArg *operandByName(const LaunchArgs &args, const std::string &name);

/// Grid from the manifest's terms: x <= 2^31-1, y and z <= 65535 (for a
/// persistent kernel, whose terms count tiles, each <= 2^31-1; launchGrid
/// bounds their product). A zero dimension is allowed (nothing to launch:
/// see gridIsEmpty).
bool computeGrid(const Manifest &m, const LaunchShape &shape, uint32_t grid[3],
                 std::string &err);
/// The grid to launch: \p tiles (from computeGrid) for a kernel with one
/// CTA per tile; for a persistent one (ctas_per_sm > 0), (min(tiles,
/// ctas_per_sm x \p smCount), 1, 1), which needs fewer than 2^31 tiles in all.
bool launchGrid(const Manifest &m, const uint32_t tiles[3], int64_t smCount,
                uint32_t grid[3], std::string &err);
/// When the runtime uses a package's split kernel. Defaults from an H100
/// (bench/LOG.md step 50): with 16 rounds per tile the split kernel made
/// grids below one wave 1.3-2x faster and grids of 1, 3 and 6 whole waves
/// plus a tail 16%, 6.5% and 3.3% faster, but made no difference past 30
/// waves; with 4 rounds per tile (topk = 512) it was slower everywhere (its
/// fixed cost, ~20 us, exceeds a tile); more than 8 parts per tile was
/// slower than 8 (the merging warp reads every part).
struct SplitPolicy {
  int64_t maxParts = 8;  ///< Most CTAs per split tile (< 2: never split).
  int64_t maxWaves = 8;  ///< Most whole waves before the tail.
  int64_t minRounds = 8; ///< Fewest rounds per tile (kernel.split.max_parts).
};

/// How a launch of \p tiles tiles (in all) is divided between a persistent
/// kernel and its split kernel on a device of \p smCount SMs, with N =
/// ctas_per_sm x smCount CTAs: tail = tiles mod N (all of them when fewer
/// than N) and parts = min(N / tail, kernel.split.max_parts (the rounds of a
/// tile), policy.maxParts). The split kernel computes the tail on tail x
/// parts CTAs, and the persistent kernel the first tiles - tail tiles, when
/// parts >= 2, tiles / N <= policy.maxWaves and the tile has at least
/// policy.minRounds rounds; otherwise (or without a split kernel) the
/// persistent kernel computes every tile.
struct SplitPlan {
  uint32_t persistentTiles = 0; ///< Tiles of the persistent kernel.
  uint32_t splitTiles = 0;      ///< Tiles of the split kernel (the tail).
  uint32_t parts = 0;           ///< CTAs per split tile (0 without split).
  /// CTAs of the split launch (splitTiles x parts).
  uint32_t splitCtas() const { return splitTiles * parts; }
};
SplitPlan planSplit(const Manifest &m, uint32_t tiles, int64_t smCount,
                    const SplitPolicy &policy = SplitPolicy());

inline bool gridIsEmpty(const uint32_t grid[3]) {
  return grid[0] == 0 || grid[1] == 0 || grid[2] == 0;
}

/// What cuTensorMapEncodeTiled needs for one tensor_maps entry (CUDA-free).
struct TensorMapRequest {
  int64_t param = 0;         ///< Parameter index receiving the map.
  std::string tensor;        ///< Operand name.
  int dtype = kBF16;
  const void *data = nullptr;
  uint32_t rank = 0;
  uint64_t dims[5] = {};     ///< Innermost first.
  uint64_t strides[4] = {};  ///< Bytes, of dims 1..rank-1.
  uint32_t box[5] = {};      ///< Innermost first.
  int64_t swizzle = 0;       ///< Bytes: 0, 32, 64, 128.
  bool empty = false;        ///< Some dim is 0: cannot be encoded; the
                             ///< runtime passes a zeroed map.
};

/// Builds and checks the encode requests for \p m's tensor maps (global
/// strides multiples of 16 bytes and < 2^40, dims <= 2^32, box <= 256 and
/// <= dim, box row bytes within the swizzle span).
bool buildTensorMapRequests(const Manifest &m, const LaunchArgs &args,
                            std::vector<TensorMapRequest> &out,
                            std::string &err);

/// The kernel parameter buffer: one slot per kernel parameter, 8-byte
/// aligned (i64, pointers, i32 in an 8-byte slot), 128-byte slots aligned to
/// 128 for tensor maps, and the pointer array cuLaunchKernel takes.
class ParamBuffer {
public:
  struct Slot {
    std::string name; ///< "q.allocated", "q.sizes[2]", "q_start", ...
    size_t offset;    ///< Bytes from the start of the storage.
    size_t size;      ///< 8, 4 (i32) or 128 (tensor map).
  };

  ParamBuffer() = default;
  ParamBuffer(const ParamBuffer &other) { *this = other; }
  ParamBuffer &operator=(const ParamBuffer &other);
  ParamBuffer(ParamBuffer &&) = default;
  ParamBuffer &operator=(ParamBuffer &&) = default;
  /// Room for \p slots slots and \p bytes bytes (no reallocation after).
  void reserve(size_t slots, size_t bytes);

  const std::vector<Slot> &slots() const { return slots_; }
  /// Bytes of storage used (the end of the last slot).
  size_t sizeBytes() const { return used_; }
  /// The storage (slot offsets are from here; 128-byte aligned).
  const void *data() const { return storage_.data(); }
  /// Storage address of slot \p i.
  void *slotData(size_t i);
  const void *slotData(size_t i) const;
  /// The kernelParams array for cuLaunchKernel (one pointer per slot).
  void **kernelParams() {
    rebuildPointers();
    return pointers_.data();
  }

  /// Appends a slot (used by buildParamBuffer and tests).
  void append(const std::string &name, const void *value, size_t size,
              size_t align);

private:
  struct alignas(128) Chunk {
    unsigned char bytes[128];
  };
  std::vector<Chunk> storage_;
  size_t used_ = 0;
  std::vector<Slot> slots_;
  std::vector<void *> pointers_;
  void rebuildPointers();
};

/// Builds the parameters in manifest order. Memref pointers are the data
/// pointers (allocated = aligned), offset 0, sizes and strides of the tensor
/// (in elements). TensorMap slots are zero-filled: the runtime encodes them
/// in place (slot index from tensorMapSlot). Without \p slotNames the slots
/// are unnamed (the launch path: no string is built per launch).
bool buildParamBuffer(const Manifest &m, const LaunchArgs &args,
                      ParamBuffer &out, std::string &err,
                      bool slotNames = true);

/// Index of the slot that holds parameter \p param (a manifest params index)
/// in a buffer built by buildParamBuffer.
size_t slotIndexOfParam(const Manifest &m, size_t param);

} // namespace pkg
} // namespace sparse_mla

#endif // SPARSE_MLA_PACKAGE_H
