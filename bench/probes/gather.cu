// Gather probe: how fast can one SM fill a seesaw KV stage?
//
// A stage is 64 KV rows of 576 bf16 (1,152 bytes each) gathered by random
// indices into the 128B-swizzled layout the kernel's wgmma reads: 9 column
// blocks of [64 rows, 128 bytes], the 16-byte piece p of row r at
// cb * 8192 + r * 128 + ((p ^ (r % 8)) * 16). Every variant runs one CTA per
// SM (or per cluster slot) over many blocks, two stages in flight, and checks
// every gathered byte of its first launch against the KV tensor (the "bad"
// column counts wrong 16-byte pieces; invalid entries must read as zeros).
// Timed launches report the cycles (clock64, averaged over CTAs) one SM
// spends per 73,728-byte stage.
//
// Variants:
//   cp.async      16-byte cp.async.cg, 8 threads per row (the kernel's copy)
//   cp.async/4    the same on a quarter of the SMs (less L2 contention)
//   cp.L2::128B / cp.L2::256B   cp.async with an L2 prefetch-size hint
//   ld/st         16-byte global loads into registers, then shared stores
//   tma/64, tma/128             TMA with one-row boxes {64 columns, 1 row},
//                 SWIZZLE_128B, written at 128-byte (not 1024-byte) aligned
//                 rows of a swizzle atom; 64 or 128 issuing threads
//   cp+tma        cp.async for 7 column blocks, TMA boxes for the other 2
//   cluster2      2-CTA clusters: each CTA gathers half the rows by cp.async
//                 and copies them into its peer's stage (DSMEM bulk copy);
//                 cycles are per stage delivered to each CTA
//   cluster2+mcN  2-CTA clusters taking the same blocks (N = 0: the cluster
//                 launch and per-stage cluster barrier alone): each CTA gathers
//                 the first 9 - N column blocks of all rows by cp.async and
//                 issues one-row TMA boxes of the last N column blocks for
//                 its 32 rows, multicast to both CTAs (bench/LOG.md
//                 step 64); cycles are per stage delivered to each CTA
//   +st.v4 / +bulk               the cp.async gather plus N bytes per block
//                 written to global by 16-byte stores or by one bulk
//                 (cp.async.bulk) store from shared memory
//
// Build and run on the GPU machine (results: bench/LOG.md, step 29):
//   nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a \
//        -o /tmp/gather bench/probes/gather.cu -lcuda && /tmp/gather
#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CHECK_CUDA(x)                                                          \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      std::printf("%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e));   \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

namespace {

constexpr int kRows = 64;                           // keys per block
constexpr int kCols = 576;                          // bf16 per KV row
constexpr int kColBlocks = 9;                       // 64-column blocks
constexpr int kColBlockBytes = kRows * 128;         // 8,192
constexpr int kStage = kColBlocks * kColBlockBytes; // 73,728
constexpr int kStages = 2;
constexpr int kThreads = 128;

__device__ __forceinline__ uint32_t smem(const void *p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ uint8_t *alignedStages(uint8_t *raw) {
  return reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(raw) + 1023) &
                                     ~uintptr_t(1023));
}
__device__ __forceinline__ uint32_t swizzled(int r, int cb, int piece) {
  return cb * kColBlockBytes + r * 128 + ((piece ^ (r & 7)) * 16);
}
__device__ __forceinline__ void mbarInit(uint32_t bar, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar),
               "r"(count));
}
__device__ __forceinline__ void mbarExpect(uint32_t bar, int bytes) {
  asm volatile(
      "mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar),
      "r"(bytes)
      : "memory");
}
__device__ __forceinline__ void mbarWait(uint32_t bar, int parity) {
  asm volatile("{.reg .pred p; W: mbarrier.try_wait.parity.shared::cta.b64 "
               "p, [%0], %1; @!p bra W;}" ::"r"(bar),
               "r"(parity)
               : "memory");
}
__device__ __forceinline__ void tmaRow(uint32_t dst, const CUtensorMap *map,
                                       int col, int row, uint32_t bar) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::"
               "complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(dst),
               "l"(map), "r"(col), "r"(row), "r"(bar)
               : "memory");
}
template <int kHint>
__device__ __forceinline__ void cpAsync(uint32_t dst, const void *src,
                                        int bytes) {
  if (kHint == 0)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst),
                 "l"(src), "r"(bytes)
                 : "memory");
  else if (kHint == 128)
    asm volatile(
        "cp.async.cg.shared.global.L2::128B [%0], [%1], 16, %2;" ::"r"(dst),
        "l"(src), "r"(bytes)
        : "memory");
  else
    asm volatile(
        "cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;" ::"r"(dst),
        "l"(src), "r"(bytes)
        : "memory");
}

/// Thread 0 initializes the stages' mbarriers (one arrival each).
__device__ void initStageBarriers(uint64_t *bars) {
  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s)
      mbarInit(smem(&bars[s]), 1);
    asm volatile("fence.mbarrier_init.release.cluster;");
  }
}

/// Wrong 16-byte pieces of a gathered stage (rows `ix`; invalid rows zero).
__device__ int wrongPieces(const uint8_t *stage, const uint16_t *kv,
                           const int *ix) {
  int bad = 0;
  for (int p = threadIdx.x; p < kRows * kColBlocks * 8; p += blockDim.x) {
    int r = p / (kColBlocks * 8), cb = (p / 8) % kColBlocks, piece = p % 8;
    uint4 want = {0, 0, 0, 0};
    if (ix[r] >= 0)
      want = *reinterpret_cast<const uint4 *>(kv + size_t(ix[r]) * kCols +
                                              cb * 64 + piece * 8);
    uint4 got =
        *reinterpret_cast<const uint4 *>(stage + swizzled(r, cb, piece));
    bad += want.x != got.x || want.y != got.y || want.z != got.z ||
           want.w != got.w;
  }
  return bad;
}

struct Args {
  const uint16_t *kv;
  const int *idx;
  int blocks;
  int *bad;
  long long *cycles; // per CTA
  int check;
};

__device__ void finish(const Args &a, long long start, int bad) {
  if (bad)
    atomicAdd(a.bad, bad);
  if (threadIdx.x == 0)
    a.cycles[blockIdx.x] = clock64() - start;
}

/// This thread's rows of block `ix` by cp.async (column blocks [cb0, cb1)),
/// invalid rows zero-filled: rows firstRow + 16 pass + thread / 8 for
/// `passes` passes (all 64 rows by default).
template <int kHint>
__device__ void gatherRows(uint8_t *stage, const uint16_t *kv, const int *ix,
                           int cb0, int cb1, int firstRow = 0,
                           int passes = kRows / 16) {
  int r8 = threadIdx.x / 8, piece = threadIdx.x % 8;
  for (int pass = 0; pass < passes; ++pass) {
    int r = firstRow + pass * 16 + r8, row = ix[r];
    int bytes = row >= 0 ? 16 : 0;
    const uint16_t *src = kv + size_t(row >= 0 ? row : 0) * kCols + piece * 8;
    uint32_t dst = smem(stage) + swizzled(r, 0, piece);
    for (int cb = cb0; cb < cb1; ++cb)
      cpAsync<kHint>(dst + cb * kColBlockBytes, src + cb * 64, bytes);
  }
}

/// cp.async gather, two stages in flight; kStoreMode 1 / 2 also writes
/// `storeBytes` of each gathered stage to `out` (16-byte stores / one bulk
/// store).
template <int kHint, int kStoreMode>
__global__ void __launch_bounds__(kThreads, 1)
    gatherCpAsync(Args a, uint8_t *out, int storeBytes) {
  extern __shared__ uint8_t raw[];
  uint8_t *stages = alignedStages(raw);
  long long start = clock64();
  int bad = 0, it = 0;
  for (int blk = blockIdx.x; blk < a.blocks + gridDim.x * (kStages - 1);
       blk += gridDim.x, ++it) {
    if (kStoreMode == 2 && threadIdx.x == 0)
      asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
    __syncthreads();
    if (blk < a.blocks)
      gatherRows<kHint>(stages + (it % kStages) * kStage, a.kv,
                        a.idx + size_t(blk) * kRows, 0, kColBlocks);
    asm volatile("cp.async.commit_group;");
    asm volatile("cp.async.wait_group %0;" ::"n"(kStages - 1) : "memory");
    __syncthreads();
    int done = blk - (kStages - 1) * gridDim.x;
    if (done < 0 || done >= a.blocks)
      continue;
    uint8_t *stage = stages + ((it - (kStages - 1)) % kStages) * kStage;
    if (a.check)
      bad += wrongPieces(stage, a.kv, a.idx + size_t(done) * kRows);
    uint8_t *o = out + size_t(done) * storeBytes;
    if (kStoreMode == 1)
      for (int k = threadIdx.x * 16; k < storeBytes; k += kThreads * 16)
        *reinterpret_cast<uint4 *>(o + k) =
            *reinterpret_cast<const uint4 *>(stage + k);
    if (kStoreMode == 2 && threadIdx.x == 0) {
      asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
      asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], "
                   "%2;" ::"l"(o),
                   "r"(smem(stage)), "r"(storeBytes)
                   : "memory");
      asm volatile("cp.async.bulk.commit_group;" ::: "memory");
    }
  }
  if (kStoreMode == 2 && threadIdx.x == 0)
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
  finish(a, start, bad);
}

/// Global loads into registers, then swizzled shared stores.
__global__ void __launch_bounds__(kThreads, 1) gatherLoadStore(Args a) {
  extern __shared__ uint8_t raw[];
  uint8_t *stages = alignedStages(raw);
  long long start = clock64();
  int r8 = threadIdx.x / 8, piece = threadIdx.x % 8, bad = 0, it = 0;
  for (int blk = blockIdx.x; blk < a.blocks; blk += gridDim.x, ++it) {
    uint8_t *stage = stages + (it % kStages) * kStage;
    const int *ix = a.idx + size_t(blk) * kRows;
    for (int pass = 0; pass < 4; ++pass) {
      int r = pass * 16 + r8, row = ix[r];
      uint4 v[kColBlocks];
#pragma unroll
      for (int cb = 0; cb < kColBlocks; ++cb)
        v[cb] = row >= 0
                    ? __ldcg(reinterpret_cast<const uint4 *>(
                          a.kv + size_t(row) * kCols + cb * 64 + piece * 8))
                    : make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int cb = 0; cb < kColBlocks; ++cb)
        *reinterpret_cast<uint4 *>(stage + swizzled(r, cb, piece)) = v[cb];
    }
    __syncthreads();
    if (a.check)
      bad += wrongPieces(stage, a.kv, ix);
  }
  finish(a, start, bad);
}

/// TMA one-row boxes: with kCpBlocks = 0 for every column block (kIssuers
/// threads, thread t row t % 64), else cp.async for column blocks
/// [0, kCpBlocks) and one TMA box per thread for the rest (2 blocks).
template <int kIssuers, int kCpBlocks>
__global__ void __launch_bounds__(kThreads, 1)
    gatherTma(const __grid_constant__ CUtensorMap map, Args a) {
  extern __shared__ uint8_t raw[];
  uint8_t *stages = alignedStages(raw);
  __shared__ __align__(8) uint64_t bars[kStages];
  int tid = threadIdx.x;
  initStageBarriers(bars);
  __syncthreads();
  long long start = clock64();
  int bad = 0, it = 0;
  constexpr int kTmaBytes = (kColBlocks - kCpBlocks) * kColBlockBytes;
  for (int blk = blockIdx.x; blk < a.blocks + gridDim.x * (kStages - 1);
       blk += gridDim.x, ++it) {
    if (blk < a.blocks) {
      int s = it % kStages;
      uint8_t *stage = stages + s * kStage;
      uint32_t bar = smem(&bars[s]);
      const int *ix = a.idx + size_t(blk) * kRows;
      if (tid == 0)
        mbarExpect(bar, kTmaBytes);
      // Out-of-range rows are zero-filled by the copy engine, not read.
      int r = tid % kRows, row = ix[r] >= 0 ? ix[r] : -(1 << 30);
      if (kCpBlocks == 0) {
        if (tid < kIssuers) {
          int cb0 = kIssuers == 128 ? (tid / 64) * 5 : 0;
          int cb1 = kIssuers == 128 ? (tid / 64 ? kColBlocks : 5) : kColBlocks;
          for (int cb = cb0; cb < cb1; ++cb)
            tmaRow(smem(stage) + cb * kColBlockBytes + r * 128, &map, cb * 64,
                   row, bar);
        }
      } else {
        int cb = kCpBlocks + tid / kRows;
        tmaRow(smem(stage) + cb * kColBlockBytes + r * 128, &map, cb * 64, row,
               bar);
        gatherRows<0>(stage, a.kv, ix, 0, kCpBlocks);
      }
    }
    if (kCpBlocks) {
      asm volatile("cp.async.commit_group;");
      asm volatile("cp.async.wait_group %0;" ::"n"(kStages - 1) : "memory");
    }
    int done = blk - (kStages - 1) * gridDim.x, doneIt = it - (kStages - 1);
    if (done >= 0 && done < a.blocks)
      mbarWait(smem(&bars[doneIt % kStages]), (doneIt / kStages) & 1);
    __syncthreads();
    if (a.check && done >= 0 && done < a.blocks)
      bad += wrongPieces(stages + (doneIt % kStages) * kStage, a.kv,
                         a.idx + size_t(done) * kRows);
    __syncthreads();
  }
  finish(a, start, bad);
}

__device__ __forceinline__ uint32_t mapa(uint32_t addr, int rank) {
  uint32_t out;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
               : "=r"(out)
               : "r"(addr), "r"(rank));
  return out;
}
__device__ __forceinline__ void clusterSync() {
  asm volatile("barrier.cluster.arrive.release.aligned; "
               "barrier.cluster.wait.acquire.aligned;" ::
                   : "memory");
}

/// 2-CTA clusters: both CTAs take the same blocks; each gathers its 32 rows
/// by cp.async and bulk-copies them into the peer's stage.
__global__ void __launch_bounds__(kThreads, 1) gatherCluster(Args a) {
  extern __shared__ uint8_t raw[];
  uint8_t *stages = alignedStages(raw);
  __shared__ __align__(8) uint64_t bars[kStages];
  uint32_t rank;
  asm("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  int peer = rank ^ 1, tid = threadIdx.x;
  initStageBarriers(bars);
  clusterSync();
  long long start = clock64();
  constexpr int kHalfBytes = 32 * 128; // one CTA's rows of a column block
  int clusters = gridDim.x / 2, cluster = blockIdx.x / 2, bad = 0, it = 0;
  for (int blk = cluster; blk < a.blocks + clusters; blk += clusters, ++it) {
    if (blk < a.blocks) {
      gatherRows<0>(stages + (it % kStages) * kStage, a.kv,
                    a.idx + size_t(blk) * kRows, 0, kColBlocks, rank * 32,
                    /*passes=*/2);
    }
    asm volatile("cp.async.commit_group;");
    asm volatile("cp.async.wait_group 1;" ::: "memory");
    __syncthreads();
    int done = blk - clusters, doneIt = it - 1;
    if (done >= 0 && done < a.blocks) {
      int s = doneIt % kStages;
      uint8_t *stage = stages + s * kStage;
      if (tid == 0) {
        mbarExpect(smem(&bars[s]), kColBlocks * kHalfBytes);
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
        uint32_t peerBar = mapa(smem(&bars[s]), peer);
        for (int cb = 0; cb < kColBlocks; ++cb) {
          uint32_t src = smem(stage) + cb * kColBlockBytes + rank * kHalfBytes;
          asm volatile(
              "cp.async.bulk.shared::cluster.shared::cta.mbarrier::"
              "complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(mapa(src, peer)),
              "r"(src), "r"(kHalfBytes), "r"(peerBar)
              : "memory");
        }
      }
      mbarWait(smem(&bars[s]), (doneIt / kStages) & 1);
      if (a.check)
        bad += wrongPieces(stage, a.kv, a.idx + size_t(done) * kRows);
    }
    clusterSync();
  }
  asm volatile("cp.async.wait_group 0;");
  finish(a, start, bad);
}

/// 2-CTA clusters sharing part of each block by TMA multicast: both CTAs take
/// the same blocks; each gathers column blocks [0, 9 - kMcBlocks) of all 64
/// rows by cp.async, and issues one-row boxes of the other kMcBlocks column
/// blocks for its 32 rows, multicast to both CTAs (same offset, each CTA's
/// barrier counting every box's bytes).
template <int kMcBlocks>
__global__ void __launch_bounds__(kThreads, 1)
    gatherMulticast(const __grid_constant__ CUtensorMap map, Args a) {
  extern __shared__ uint8_t raw[];
  uint8_t *stages = alignedStages(raw);
  __shared__ __align__(8) uint64_t bars[kStages];
  uint32_t rank;
  asm("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  int tid = threadIdx.x;
  initStageBarriers(bars);
  clusterSync();
  long long start = clock64();
  constexpr int kCpBlocks = kColBlocks - kMcBlocks;
  constexpr int kMcBytes = kMcBlocks * kColBlockBytes; // per stage, all rows
  int clusters = gridDim.x / 2, cluster = blockIdx.x / 2, bad = 0, it = 0;
  for (int blk = cluster; blk < a.blocks + clusters; blk += clusters, ++it) {
    if (blk < a.blocks) {
      int s = it % kStages;
      uint8_t *stage = stages + s * kStage;
      uint32_t bar = smem(&bars[s]);
      const int *ix = a.idx + size_t(blk) * kRows;
      if (tid == 0)
        mbarExpect(bar, kMcBytes);
      gatherRows<0>(stage, a.kv, ix, 0, kCpBlocks);
      for (int k = tid; k < 32 * kMcBlocks; k += kThreads) {
        int r = rank * 32 + k % 32, cb = kCpBlocks + k / 32;
        int row = ix[r] >= 0 ? ix[r] : -(1 << 30);
        uint16_t mask = 3;
        asm volatile(
            "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::"
            "complete_tx::bytes.multicast::cluster [%0], [%1, {%2, %3}], [%4], "
            "%5;" ::"r"(smem(stage) + cb * kColBlockBytes + r * 128),
            "l"(&map), "r"(cb * 64), "r"(row), "r"(bar), "h"(mask)
            : "memory");
      }
    }
    asm volatile("cp.async.commit_group;");
    asm volatile("cp.async.wait_group 1;" ::: "memory");
    int done = blk - clusters, doneIt = it - 1;
    if (done >= 0 && done < a.blocks)
      mbarWait(smem(&bars[doneIt % kStages]), (doneIt / kStages) & 1);
    __syncthreads();
    if (a.check && done >= 0 && done < a.blocks)
      bad += wrongPieces(stages + (doneIt % kStages) * kStage, a.kv,
                         a.idx + size_t(done) * kRows);
    // Neither CTA refills a stage (its own or, by multicast, the peer's)
    // before both are done with it.
    clusterSync();
  }
  asm volatile("cp.async.wait_group 0;");
  finish(a, start, bad);
}

} // namespace

int main() {
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  std::printf("%s, %d SMs\n", prop.name, sms);
  const int smemBytes = kStages * kStage + 1024;
  auto allowSmem = [&](const void *f) {
    CHECK_CUDA(cudaFuncSetAttribute(
        f, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes));
  };
  allowSmem(reinterpret_cast<const void *>(gatherCpAsync<0, 0>));
  allowSmem(reinterpret_cast<const void *>(gatherCpAsync<128, 0>));
  allowSmem(reinterpret_cast<const void *>(gatherCpAsync<256, 0>));
  allowSmem(reinterpret_cast<const void *>(gatherCpAsync<0, 1>));
  allowSmem(reinterpret_cast<const void *>(gatherCpAsync<0, 2>));
  allowSmem(reinterpret_cast<const void *>(gatherLoadStore));
  allowSmem(reinterpret_cast<const void *>(gatherTma<64, 0>));
  allowSmem(reinterpret_cast<const void *>(gatherTma<128, 0>));
  allowSmem(reinterpret_cast<const void *>(gatherTma<128, 7>));
  allowSmem(reinterpret_cast<const void *>(gatherCluster));
  allowSmem(reinterpret_cast<const void *>(gatherMulticast<0>));
  allowSmem(reinterpret_cast<const void *>(gatherMulticast<2>));
  allowSmem(reinterpret_cast<const void *>(gatherMulticast<4>));
  allowSmem(reinterpret_cast<const void *>(gatherMulticast<6>));
  allowSmem(reinterpret_cast<const void *>(gatherMulticast<9>));

  int failures = 0;
  // Skv = 8,192 (9.4 MB, in L2, the headline) and 262,144 (302 MB, HBM).
  for (int skv : {8192, 262144}) {
    std::mt19937 rng(1);
    std::vector<uint16_t> hostKv(size_t(skv) * kCols);
    for (auto &x : hostKv)
      x = static_cast<uint16_t>(rng());
    const int blocks = sms * 200;
    std::vector<int> hostIdx(size_t(blocks) * kRows);
    for (size_t i = 0; i < hostIdx.size(); ++i)
      hostIdx[i] = i % 97 == 5 ? -1 : static_cast<int>(rng() % skv);
    uint16_t *kv;
    int *idx, *bad;
    long long *cycles;
    uint8_t *out;
    CHECK_CUDA(cudaMalloc(&kv, hostKv.size() * 2));
    CHECK_CUDA(cudaMalloc(&idx, hostIdx.size() * 4));
    CHECK_CUDA(cudaMalloc(&bad, 4));
    CHECK_CUDA(cudaMalloc(&cycles, sizeof(long long) * sms));
    CHECK_CUDA(cudaMalloc(&out, size_t(blocks) * kStage));
    CHECK_CUDA(cudaMemcpy(kv, hostKv.data(), hostKv.size() * 2,
                          cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(idx, hostIdx.data(), hostIdx.size() * 4,
                          cudaMemcpyHostToDevice));

    CUtensorMap map;
    cuuint64_t dims[2] = {kCols, cuuint64_t(skv)}, strides[1] = {kCols * 2};
    cuuint32_t box[2] = {64, 1}, elementStrides[2] = {1, 1};
    if (cuTensorMapEncodeTiled(
            &map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, kv, dims, strides, box,
            elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
            CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) != CUDA_SUCCESS) {
      std::printf("cuTensorMapEncodeTiled failed\n");
      return 1;
    }

    // One checked launch, then the median-free mean of five timed ones.
    auto run = [&](const char *name, int ctas, int stagesPerBlock,
                   auto launch) {
      Args a{kv, idx, blocks, bad, cycles, 1};
      CHECK_CUDA(cudaMemset(bad, 0, 4));
      launch(a, ctas);
      CHECK_CUDA(cudaDeviceSynchronize());
      int wrong = 0;
      CHECK_CUDA(cudaMemcpy(&wrong, bad, 4, cudaMemcpyDeviceToHost));
      failures += wrong != 0;
      a.check = 0;
      double sum = 0;
      for (int k = 0; k < 5; ++k) {
        launch(a, ctas);
        CHECK_CUDA(cudaDeviceSynchronize());
        std::vector<long long> c(ctas);
        CHECK_CUDA(cudaMemcpy(c.data(), cycles, sizeof(long long) * ctas,
                              cudaMemcpyDeviceToHost));
        for (long long x : c)
          sum += double(x);
      }
      double perCta = sum / 5 / ctas;
      double stagesPerCta = double(blocks) * stagesPerBlock / ctas;
      std::printf("Skv %6d  %-14s ctas %3d  bad %5d  %6.0f cycles/stage  "
                  "%5.1f B/cycle/SM\n",
                  skv, name, ctas, wrong, perCta / stagesPerCta,
                  kStage * stagesPerCta / perCta);
    };
    auto cp = [&](auto kernel) {
      return [=](Args a, int ctas) {
        kernel<<<ctas, kThreads, smemBytes>>>(a, nullptr, 0);
      };
    };
    run("cp.async", sms, 1, cp(gatherCpAsync<0, 0>));
    run("cp.async/4", sms / 4, 1, cp(gatherCpAsync<0, 0>));
    run("cp.L2::128B", sms, 1, cp(gatherCpAsync<128, 0>));
    run("cp.L2::256B", sms, 1, cp(gatherCpAsync<256, 0>));
    run("ld/st", sms, 1, [&](Args a, int ctas) {
      gatherLoadStore<<<ctas, kThreads, smemBytes>>>(a);
    });
    run("tma/64", sms, 1, [&](Args a, int ctas) {
      gatherTma<64, 0><<<ctas, kThreads, smemBytes>>>(map, a);
    });
    run("tma/128", sms, 1, [&](Args a, int ctas) {
      gatherTma<128, 0><<<ctas, kThreads, smemBytes>>>(map, a);
    });
    run("cp+tma", sms, 1, [&](Args a, int ctas) {
      gatherTma<128, 7><<<ctas, kThreads, smemBytes>>>(map, a);
    });
    // 2-CTA clusters: `kernel(params..., a)` over `ctas` CTAs.
    auto clusterLaunch = [&](auto kernel, auto... params) {
      return [=](Args a, int ctas) {
        cudaLaunchConfig_t cfg = {};
        cudaLaunchAttribute attr[1];
        attr[0].id = cudaLaunchAttributeClusterDimension;
        attr[0].val.clusterDim.x = 2;
        attr[0].val.clusterDim.y = 1;
        attr[0].val.clusterDim.z = 1;
        cfg.gridDim = dim3(ctas);
        cfg.blockDim = dim3(kThreads);
        cfg.dynamicSmemBytes = smemBytes;
        cfg.attrs = attr;
        cfg.numAttrs = 1;
        CHECK_CUDA(cudaLaunchKernelEx(&cfg, kernel, params..., a));
      };
    };
    run("cluster2", sms - sms % 2, 2, clusterLaunch(gatherCluster));
    run("cluster2+mc0", sms - sms % 2, 2,
        clusterLaunch(gatherMulticast<0>, map));
    run("cluster2+mc2", sms - sms % 2, 2,
        clusterLaunch(gatherMulticast<2>, map));
    run("cluster2+mc4", sms - sms % 2, 2,
        clusterLaunch(gatherMulticast<4>, map));
    run("cluster2+mc6", sms - sms % 2, 2,
        clusterLaunch(gatherMulticast<6>, map));
    run("cluster2+mc9", sms - sms % 2, 2,
        clusterLaunch(gatherMulticast<9>, map));
    for (int storeBytes : {8192, 32768, kStage}) {
      char name[32];
      std::snprintf(name, sizeof name, "+st.v4 %dK", storeBytes / 1024);
      run(name, sms, 1, [&](Args a, int ctas) {
        gatherCpAsync<0, 1><<<ctas, kThreads, smemBytes>>>(a, out, storeBytes);
      });
      std::snprintf(name, sizeof name, "+bulk %dK", storeBytes / 1024);
      run(name, sms, 1, [&](Args a, int ctas) {
        gatherCpAsync<0, 2><<<ctas, kThreads, smemBytes>>>(a, out, storeBytes);
      });
    }
    CHECK_CUDA(cudaFree(kv));
    CHECK_CUDA(cudaFree(idx));
    CHECK_CUDA(cudaFree(bad));
    CHECK_CUDA(cudaFree(cycles));
    CHECK_CUDA(cudaFree(out));
  }
  std::printf(failures ? "FAIL: %d variants gathered wrong bytes\n"
                       : "PASS: every variant gathered every byte right\n",
              failures);
  return failures ? 1 : 0;
}
