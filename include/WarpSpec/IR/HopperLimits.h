//===- HopperLimits.h - hardware limits the ws dialect checks ---*- C++ -*-===//
//
// The NVIDIA Hopper (sm_90a) numbers that warp specialization reasons about,
// each with the document it comes from: what a role may be (whole
// warpgroups, a setmaxnreg budget), what a CTA may hold (threads, the
// register file, named barriers) and what an mbarrier may count. The ws
// dialect's verifiers and lowerings name these instead of spelling the
// numbers.
//
//===----------------------------------------------------------------------===//

#ifndef WARPSPEC_IR_HOPPERLIMITS_H
#define WARPSPEC_IR_HOPPERLIMITS_H

#include <cstdint>

namespace mlir::ws::hw {

/// Threads in a warp. CUDA C++ Programming Guide, "SIMT Architecture".
inline constexpr int64_t kWarpSize = 32;

/// Warps in a warpgroup: the unit that executes `wgmma.mma_async` and
/// `setmaxnreg`. PTX ISA 8.x, "Asynchronous Warpgroup Level Matrix
/// Multiply-Accumulate Instructions" (section 9.7.15).
inline constexpr int64_t kWarpsPerWarpgroup = 4;
inline constexpr int64_t kWarpgroupSize = kWarpSize * kWarpsPerWarpgroup;

/// Maximum threads per block on every sm_80+ GPU. CUDA C++ Programming Guide,
/// "Technical Specifications per Compute Capability".
inline constexpr int64_t kMaxThreadsPerBlock = 1024;

/// 32-bit registers per SM (and the most one block may use) on sm_80 .. sm_120.
/// CUDA C++ Programming Guide, "Technical Specifications per Compute
/// Capability": "Number of 32-bit registers per multiprocessor: 64 K".
inline constexpr int64_t kRegistersPerSM = 65536;

/// Most registers one thread may hold. Same table: "Maximum number of 32-bit
/// registers per thread: 255"; `setmaxnreg` rounds to multiples of 8, so 256
/// is its upper bound (PTX ISA, "setmaxnreg": range 24..256).
inline constexpr int64_t kMaxRegistersPerThread = 255;

/// `setmaxnreg.{inc,dec}` immediates: multiples of 8 in [24, 256]. PTX ISA
/// 8.x, section 9.7.17.1 "setmaxnreg" (sm_90a).
inline constexpr int64_t kSetMaxNRegMin = 24;
inline constexpr int64_t kSetMaxNRegMax = 256;
inline constexpr int64_t kSetMaxNRegGranule = 8;

/// Hardware named barriers per CTA (`bar.sync id` with id in [0, 15]); id 0
/// is the CTA-wide `__syncthreads` barrier. PTX ISA, "bar, barrier".
inline constexpr int64_t kNumNamedBarriers = 16;

/// Size of one mbarrier object. PTX ISA, "mbarrier": ".b64".
inline constexpr int64_t kMBarrierBytes = 8;

/// Largest transaction count one mbarrier phase can expect: 2^20 - 1.
/// PTX ISA, "mbarrier" ("tx-count ... range [-(2^20 - 1), 2^20 - 1]").
inline constexpr int64_t kMBarrierMaxTxCount = (int64_t(1) << 20) - 1;

} // namespace mlir::ws::hw

#endif // WARPSPEC_IR_HOPPERLIMITS_H
