//===- naive_fwd.cu - a plain CUDA sparse_mla.fwd for runtime self-tests ---===//
//
// A slow, simple and obviously correct kernel with the package parameter ABI
// of docs/kernel-package.md (expanded memref descriptors, q_start as i32). It
// lets the runtime, sparse-mla-run and scripts/gpu-test.sh be tested on a GPU
// independently of the compiler. Not a performance reference.
//
// One CTA of 128 threads per (s, b, h): grid [S, B, H]. Dynamic shared
// memory: (Dqk + 2 * topk) * 4 bytes at least (checked; traps if short).
// causal, kv_stride and max_logits are template parameters, one entry point
// per combination; the scale is the launch's (the scale_log2 parameter).
//
//===----------------------------------------------------------------------===//

#include <stdint.h>

namespace {

__device__ __forceinline__ float bf16ToFloat(uint16_t bits) {
  return __uint_as_float(static_cast<uint32_t>(bits) << 16);
}

__device__ __forceinline__ uint16_t floatToBf16(float f) {
  uint32_t bits = __float_as_uint(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7FFFu + lsb) >> 16);
}

__device__ __forceinline__ uint32_t dynamicSmemSize() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%dynamic_smem_size;" : "=r"(r));
  return r;
}

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;

__device__ float blockReduceMax(float v, float *scratch) {
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
  if ((threadIdx.x & 31) == 0)
    scratch[threadIdx.x / 32] = v;
  __syncthreads();
  float r = scratch[0];
  for (int w = 1; w < kWarps; ++w)
    r = fmaxf(r, scratch[w]);
  __syncthreads();
  return r;
}

__device__ float blockReduceSum(float v, float *scratch) {
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  if ((threadIdx.x & 31) == 0)
    scratch[threadIdx.x / 32] = v;
  __syncthreads();
  float r = 0.0f;
  for (int w = 0; w < kWarps; ++w)
    r += scratch[w];
  __syncthreads();
  return r;
}

struct Memref4 {
  int64_t off, s[4], t[4];
};
struct Memref3 {
  int64_t off, s[3], t[3];
};

template <bool kCausal, int kKvStride, bool kMaxLogits>
__device__ void naiveFwd(const uint16_t *q, Memref4 mq, const uint16_t *kv,
                         Memref4 mkv, const int32_t *indices, Memref4 mi,
                         int32_t qStart, uint16_t *out, Memref4 mo, float *lse,
                         Memref3 ml, float *maxLogits, Memref3 mm,
                         float scaleLog2) {
  __shared__ float scratch[kWarps];
  extern __shared__ float smem[];

  const int64_t S = mq.s[1], H = mq.s[2], Dqk = mq.s[3];
  const int64_t Skv = mkv.s[1], G = mkv.s[2];
  const int64_t topk = mi.s[3], Dv = mo.s[3];
  const int64_t s = blockIdx.x, b = blockIdx.y, h = blockIdx.z;
  if (s >= S || h >= H)
    return;
  if (dynamicSmemSize() < static_cast<uint32_t>((Dqk + 2 * topk) * 4))
    __trap();
  float *qRow = smem;                                        // Dqk
  float *logits = smem + Dqk;                                // topk
  int32_t *rows = reinterpret_cast<int32_t *>(logits + topk); // topk

  const int64_t g = h / (H / G);
  // The launch's scale, as the runtime passes it: sm_scale x log2(e).
  const float smScale = scaleLog2 * 0.69314718f;
  const int64_t qPos = static_cast<int64_t>(qStart) + s;
  // floor((qPos + 1) / kKvStride) - 1, floor division.
  int64_t num = qPos + 1;
  int64_t maxKv = num / kKvStride;
  if (num % kKvStride != 0 && num < 0)
    --maxKv;
  maxKv -= 1;

  const uint16_t *qp = q + mq.off + b * mq.t[0] + s * mq.t[1] + h * mq.t[2];
  for (int64_t d = threadIdx.x; d < Dqk; d += kThreads)
    qRow[d] = bf16ToFloat(qp[d * mq.t[3]]);
  __syncthreads();

  // Pass 1: one warp per entry; invalid entries are never dereferenced.
  const int lane = threadIdx.x & 31, warp = threadIdx.x / 32;
  float localMax = -INFINITY;
  for (int64_t j = warp; j < topk; j += kWarps) {
    const int64_t idx =
        indices[mi.off + b * mi.t[0] + s * mi.t[1] + g * mi.t[2] + j * mi.t[3]];
    const bool valid = idx >= 0 && idx < Skv && (!kCausal || idx <= maxKv);
    float logit = -INFINITY;
    if (valid) {
      const uint16_t *kp =
          kv + mkv.off + b * mkv.t[0] + idx * mkv.t[1] + g * mkv.t[2];
      float dot = 0.0f;
      for (int64_t d = lane; d < Dqk; d += 32)
        dot = fmaf(qRow[d], bf16ToFloat(kp[d * mkv.t[3]]), dot);
      for (int o = 16; o > 0; o >>= 1)
        dot += __shfl_xor_sync(0xFFFFFFFFu, dot, o);
      logit = smScale * dot;
    }
    if (lane == 0) {
      logits[j] = logit;
      rows[j] = valid ? static_cast<int32_t>(idx) : -1;
    }
    localMax = fmaxf(localMax, logit);
  }
  const float m = blockReduceMax(localMax, scratch); // Also syncs smem.

  uint16_t *op = out + mo.off + b * mo.t[0] + s * mo.t[1] + h * mo.t[2];
  const int64_t statOff = b * ml.t[0] + s * ml.t[1] + h * ml.t[2];
  if (m == -INFINITY) {
    // No valid entry: zeros, lse = +inf, max_logits = -inf.
    for (int64_t d = threadIdx.x; d < Dv; d += kThreads)
      op[d * mo.t[3]] = 0;
    if (threadIdx.x == 0) {
      lse[ml.off + statOff] = INFINITY;
      if (kMaxLogits)
        maxLogits[mm.off + b * mm.t[0] + s * mm.t[1] + h * mm.t[2]] = -INFINITY;
    }
    return;
  }

  // Pass 2: weights and their sum.
  float localSum = 0.0f;
  for (int64_t j = threadIdx.x; j < topk; j += kThreads) {
    float p = rows[j] >= 0 ? expf(logits[j] - m) : 0.0f;
    logits[j] = p;
    localSum += p;
  }
  const float sum = blockReduceSum(localSum, scratch);

  // Pass 3: weighted sum of V, one column per thread.
  const float inv = 1.0f / sum;
  for (int64_t d = threadIdx.x; d < Dv; d += kThreads) {
    float acc = 0.0f;
    for (int64_t j = 0; j < topk; ++j) {
      const int32_t r = rows[j];
      if (r < 0)
        continue;
      const uint16_t *vp =
          kv + mkv.off + b * mkv.t[0] + r * mkv.t[1] + g * mkv.t[2];
      acc = fmaf(logits[j], bf16ToFloat(vp[d * mkv.t[3]]), acc);
    }
    op[d * mo.t[3]] = floatToBf16(acc * inv);
  }
  if (threadIdx.x == 0) {
    lse[ml.off + statOff] = m + logf(sum);
    if (kMaxLogits)
      maxLogits[mm.off + b * mm.t[0] + s * mm.t[1] + h * mm.t[2]] = m;
  }
}

} // namespace

// Expanded memref descriptors, as MLIR passes them.
#define MEMREF4(T, n)                                                          \
  T *n##_alloc, T *n, int64_t n##_off, int64_t n##_s0, int64_t n##_s1,         \
      int64_t n##_s2, int64_t n##_s3, int64_t n##_t0, int64_t n##_t1,          \
      int64_t n##_t2, int64_t n##_t3
#define MEMREF3(T, n)                                                          \
  T *n##_alloc, T *n, int64_t n##_off, int64_t n##_s0, int64_t n##_s1,         \
      int64_t n##_s2, int64_t n##_t0, int64_t n##_t1, int64_t n##_t2
#define M4(n)                                                                  \
  Memref4 {                                                                    \
    n##_off, {n##_s0, n##_s1, n##_s2, n##_s3}, { n##_t0, n##_t1, n##_t2, n##_t3 } \
  }
#define M3(n)                                                                  \
  Memref3 {                                                                    \
    n##_off, {n##_s0, n##_s1, n##_s2}, { n##_t0, n##_t1, n##_t2 }              \
  }

#define ENTRY_WITH_MAX(NAME, CAUSAL, KVS)                                      \
  extern "C" __global__ void __launch_bounds__(kThreads) NAME(                 \
      MEMREF4(const uint16_t, q), MEMREF4(const uint16_t, kv),                 \
      MEMREF4(const int32_t, idx), int32_t q_start, MEMREF4(uint16_t, out),   \
      MEMREF3(float, lse), MEMREF3(float, ml), float scale_log2) {             \
    naiveFwd<CAUSAL, KVS, true>(q, M4(q), kv, M4(kv), idx, M4(idx), q_start,  \
                                out, M4(out), lse, M3(lse), ml, M3(ml),        \
                                scale_log2);                                   \
  }
#define ENTRY_NO_MAX(NAME, CAUSAL, KVS)                                        \
  extern "C" __global__ void __launch_bounds__(kThreads) NAME(                 \
      MEMREF4(const uint16_t, q), MEMREF4(const uint16_t, kv),                 \
      MEMREF4(const int32_t, idx), int32_t q_start, MEMREF4(uint16_t, out),   \
      MEMREF3(float, lse), float scale_log2) {                                 \
    naiveFwd<CAUSAL, KVS, false>(q, M4(q), kv, M4(kv), idx, M4(idx), q_start, \
                                 out, M4(out), lse, M3(lse), nullptr,          \
                                 Memref3{}, scale_log2);                       \
  }

ENTRY_WITH_MAX(smla_naive_fwd, false, 1)
ENTRY_WITH_MAX(smla_naive_fwd_causal, true, 1)
ENTRY_WITH_MAX(smla_naive_fwd_causal_s2, true, 2)
ENTRY_NO_MAX(smla_naive_fwd_nomax, false, 1)
ENTRY_NO_MAX(smla_naive_fwd_causal_s2_nomax, true, 2)

//===----------------------------------------------------------------------===//
// Tensor-map probe (sm_90): checks that the runtime encodes and passes a
// CUtensorMap by value. The standard parameters (no max_logits) are followed
// by a 128-byte tensor map of kv with box [64, 1, 8, 1] (innermost first);
// one CTA loads kv[0, 3:11, 0, 64:128] with cp.async.bulk.tensor and compares
// it with plain loads through the memref descriptor. lse[0] receives the
// number of mismatches, lse[1] the first mismatching row * 64 + column (or
// -1), lse[2] 1.0 when the probe ran (sm_90 and later).
//===----------------------------------------------------------------------===//

struct alignas(64) TensorMap128 {
  unsigned long long opaque[16];
};

template <bool kSwizzle128>
__device__ void tmapProbe(const uint16_t *kv, Memref4 mkv, float *lse,
                          Memref3 ml, const TensorMap128 *map) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  __shared__ __align__(1024) uint16_t box[8 * 64];
  __shared__ __align__(8) unsigned long long bar;
  const uint32_t barAddr =
      static_cast<uint32_t>(__cvta_generic_to_shared(&bar));
  const uint32_t boxAddr =
      static_cast<uint32_t>(__cvta_generic_to_shared(box));
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(barAddr));
    asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    asm volatile(
        "mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(barAddr),
        "r"(8 * 64 * 2)
        : "memory");
    asm volatile("cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::"
                 "complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], [%6];" ::"r"(
                     boxAddr),
                 "l"(reinterpret_cast<unsigned long long>(map)), "r"(64),
                 "r"(0), "r"(3), "r"(0), "r"(barAddr)
                 : "memory");
  }
  uint32_t done = 0;
  while (!done) {
    asm volatile("{\n .reg .pred p;\n"
                 " mbarrier.try_wait.parity.shared::cta.b64 p, [%1], 0;\n"
                 " selp.u32 %0, 1, 0, p;\n}"
                 : "=r"(done)
                 : "r"(barAddr)
                 : "memory");
  }
  __shared__ int mismatches, first;
  if (threadIdx.x == 0) {
    mismatches = 0;
    first = -1;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < 8 * 64; i += blockDim.x) {
    const int r = i / 64, c = i % 64;
    const uint16_t want =
        kv[mkv.off + (3 + r) * mkv.t[1] + (64 + c) * mkv.t[3]];
    int byteOff = r * 128 + c * 2;
    if (kSwizzle128)
      byteOff = r * 128 + ((((c * 2) / 16) ^ (r % 8)) * 16) + (c * 2) % 16;
    const uint16_t got = box[byteOff / 2];
    if (got != want) {
      atomicAdd(&mismatches, 1);
      atomicCAS(&first, -1, i);
    }
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    lse[ml.off] = static_cast<float>(mismatches);
    lse[ml.off + ml.t[2]] = static_cast<float>(first);
    lse[ml.off + 2 * ml.t[2]] = 1.0f;
  }
#else
  (void)kv;
  (void)mkv;
  (void)map;
  if (threadIdx.x == 0)
    lse[ml.off + 2 * ml.t[2]] = 0.0f;
#endif
}

#define ENTRY_TMAP(NAME, SW)                                                   \
  extern "C" __global__ void __launch_bounds__(kThreads) NAME(                 \
      MEMREF4(const uint16_t, q), MEMREF4(const uint16_t, kv),                 \
      MEMREF4(const int32_t, idx), int32_t q_start, MEMREF4(uint16_t, out),   \
      MEMREF3(float, lse), const __grid_constant__ TensorMap128 kv_map) {     \
    tmapProbe<SW>(kv, M4(kv), lse, M3(lse), &kv_map);                          \
  }

ENTRY_TMAP(smla_tmap_probe_none, false)
ENTRY_TMAP(smla_tmap_probe_sw128, true)
