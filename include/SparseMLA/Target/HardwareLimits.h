//===- HardwareLimits.h - GPU limits used by sparse_mla ---------*- C++ -*-===//
//
// Every hardware number the compiler reasons about is named here, once, with
// the document it comes from (those of warp specialization are defined by the
// ws dialect and brought in by name). Passes and verifiers name these
// constants instead of spelling the numbers.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSEMLA_TARGET_HARDWARELIMITS_H
#define SPARSEMLA_TARGET_HARDWARELIMITS_H

#include <cstdint>
#include <optional>
#include <string>

#include "WarpSpec/IR/HopperLimits.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::sparse_mla::hw {

// Warps and warpgroups, threads and registers per block, setmaxnreg, named
// barriers and mbarriers: the ws dialect's limits, with their sources, in
// WarpSpec/IR/HopperLimits.h.
using ws::hw::kMaxRegistersPerThread;
using ws::hw::kMaxThreadsPerBlock;
using ws::hw::kMBarrierBytes;
using ws::hw::kMBarrierMaxTxCount;
using ws::hw::kNumNamedBarriers;
using ws::hw::kRegistersPerSM;
using ws::hw::kSetMaxNRegGranule;
using ws::hw::kSetMaxNRegMax;
using ws::hw::kSetMaxNRegMin;
using ws::hw::kWarpgroupSize;
using ws::hw::kWarpSize;
using ws::hw::kWarpsPerWarpgroup;

/// Resident blocks per SM on sm_90 (and sm_80: 32). CUDA C++ Programming
/// Guide, "Technical Specifications per Compute Capability": "Maximum
/// number of resident blocks per SM".
inline constexpr int64_t kMaxCtasPerSM = 32;

/// Shared memory: the most one block may use after opting in through
/// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES. CUDA C++ Programming
/// Guide, "Technical Specifications per Compute Capability" and the tuning
/// guides: 227 KiB on sm_90/sm_100, 163 KiB on sm_80/sm_87, 99 KiB on
/// sm_86/sm_89/sm_120.
inline constexpr int64_t kMaxSharedMemoryPerBlockSm90 = 227 * 1024;
inline constexpr int64_t kMaxSharedMemoryPerBlockSm80 = 163 * 1024;
inline constexpr int64_t kMaxSharedMemoryPerBlockSm86 = 99 * 1024;

/// Alignment that 128-byte swizzled TMA boxes and WGMMA operand tiles need
/// (PTX ISA, "Tensor Memory Layout / swizzling modes"). The schedule's
/// shared-memory size reserves this much slack so a kernel can align its
/// base; the simple kernel needs only 16-byte alignment and does not.
inline constexpr int64_t kSharedMemoryAlignment = 1024;

/// Tensor maps: rank 1..5, each box dimension 1..256 elements. CUDA driver
/// API, cuTensorMapEncodeTiled ("tensorRank ... boxDim").
inline constexpr int64_t kTmaMaxRank = 5;
inline constexpr int64_t kTmaMaxBoxSize = 256;

/// A CUtensorMap: 128 opaque bytes, 64-byte aligned (passed by value as a
/// kernel parameter). CUDA driver API, "CUtensorMap".
inline constexpr int64_t kTensorMapBytes = 128;
inline constexpr int64_t kTensorMapAlignment = 64;

/// WGMMA tile: M is always 64; K is 16 for 16-bit inputs; N is a multiple
/// of 8 up to 256. PTX ISA 8.x, "Matrix shape" for wgmma.mma_async.
inline constexpr int64_t kWgmmaM = 64;
inline constexpr int64_t kWgmmaKBf16 = 16;
inline constexpr int64_t kWgmmaMaxN = 256;

/// Bytes moved by one `cp.async.cg` (the only size `.cg` accepts). PTX ISA,
/// "cp.async".
inline constexpr int64_t kCpAsyncBytes = 16;

/// PTX ISA versions, times ten. The `.sync_restrict` fences
/// (`fence.proxy.async::generic.acquire.sync_restrict`, which the seesaw
/// kernel uses) need 8.6 (PTX ISA "membar / fence"); 7.0 is the oldest PTX
/// ISA of any chip the compiler targets (sm_80, PTX ISA release notes).
inline constexpr int64_t kPtxIsaSyncRestrict = 86;
inline constexpr int64_t kPtxIsaOldest = 70;

/// A parsed `sm_XY[a]` chip name and what the compiler needs to know of it.
struct Chip {
  std::string name;       ///< as given, e.g. "sm_90a"
  int64_t arch = 0;       ///< compute capability times ten, e.g. 90
  bool archSpecific = false; ///< the "a" suffix: sm_90a features (wgmma,
                             ///< setmaxnreg) are only in arch-specific code
  int64_t maxSharedMemoryPerBlock = 0;
  /// The oldest PTX ISA (times ten) that can target the chip, which LLVM's
  /// NVPTX backend takes where no `+ptxNN` feature is given. PTX ISA release
  /// notes: sm_80 7.0, sm_90 7.8, sm_90a 8.0, sm_100 8.6, sm_120 8.7.
  int64_t oldestPtxIsa = 0;
  /// The PTX ISA the kernels for the chip are emitted in, as an NVVM target
  /// feature: 8.0 below sm_90; from sm_90 on the oldest one, but at least
  /// kPtxIsaSyncRestrict (8.6 for sm_90a and sm_100a, 8.7 for sm_120).
  std::string ptxFeatures;

  /// True where the Hopper seesaw schedule can run: wgmma, setmaxnreg and
  /// TMA exist only on sm_90a (PTX ISA "Target ISA notes": requires sm_90a).
  bool supportsSeesaw() const { return arch == 90 && archSpecific; }
  /// The portable schedule needs bf16 mma / cp.async: sm_80 and newer.
  bool supportsSimple() const { return arch >= 80; }
};

/// Parses "sm_XY" or "sm_XYa" (XY >= 10). Returns std::nullopt on anything
/// else.
std::optional<Chip> parseChip(llvm::StringRef name);

/// LLVM -O levels the NVVM target accepts (`#nvvm.target<O = N>`).
inline constexpr int64_t kMinOptLevel = 0;
inline constexpr int64_t kMaxOptLevel = 3;

/// Checks a chip and a PTX feature string against the NVPTX backend of the
/// LLVM this compiler links (its processor and feature tables), so that
/// nothing LLVM would ignore or abort on reaches it: the chip must be one
/// the backend knows and that the compiler serves (sm_80+), each feature a
/// `+name` or `-name` the backend knows, and the newest `+ptxNN` no older
/// than the chip's oldest PTX ISA. Returns the empty string when both are
/// fine, else a sentence naming the value, what was expected and what came.
std::string checkNvptxTarget(llvm::StringRef chip, llvm::StringRef features);

/// The newest `+ptxNN` in `features` (times ten), or std::nullopt.
std::optional<int64_t> newestPtxIsa(llvm::StringRef features);

} // namespace mlir::sparse_mla::hw

#endif // SPARSEMLA_TARGET_HARDWARELIMITS_H
