/* fwd.c - launch a sparse_mla kernel package through the C API.
 *
 *   fwd PACKAGE [S]
 *
 * Makes one batch of S query tokens (default 64) over Skv = max(1024, topk)
 * keys with the package's H, G, Dqk, Dv and topk, every query attending to
 * keys 0 .. topk-1, q and kv all ones, launches
 * the kernel and checks what such inputs give exactly: every out element is
 * 1 and every lse is ln(topk) + Dqk * sm_scale. Exit status 0 on success,
 * 1 on a wrong result, 2 on bad arguments, 3 without a GPU or on a CUDA or
 * runtime error (the message names it). Built with runtime/ (CMake target
 * sparse_mla_c_api_example). */
#include "sparse_mla/runtime.h"

#include <cuda.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_CU(call)                                                         \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *s_ = "";                                                     \
      cuGetErrorString(r_, &s_);                                               \
      fprintf(stderr, "fwd: %s failed: %s\n", #call, s_);                      \
      return 3;                                                                \
    }                                                                          \
  } while (0)

/* A rank-`rank` tensor of `sizes` (contiguous) at `data`. */
static smla_tensor tensor(CUdeviceptr data, smla_dtype dtype, int rank,
                          const int64_t *sizes) {
  smla_tensor t = {data, dtype, rank, {0, 0, 0, 0}, {0, 0, 0, 0}};
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    t.sizes[d] = sizes[d];
    t.strides[d] = stride;
    stride *= sizes[d];
  }
  return t;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: fwd PACKAGE [S]\n");
    return 2;
  }
  smla_package *pkg;
  if (smla_package_load_file(argv[1], &pkg) != SMLA_SUCCESS) {
    fprintf(stderr, "fwd: %s\n", smla_last_error());
    return 2;
  }
  const int64_t H = smla_package_H(pkg), G = smla_package_G(pkg);
  const int64_t Dqk = smla_package_Dqk(pkg), Dv = smla_package_Dv(pkg);
  const int64_t topk = smla_package_topk(pkg);
  const int64_t B = 1, S = argc > 2 ? atoll(argv[2]) : 64;
  const int64_t Skv = topk > 1024 ? topk : 1024;
  if (S < 1 || S > 65536) {
    fprintf(stderr, "fwd: S must be in [1, 65536], got %s\n", argv[2]);
    return 2;
  }

  CUdevice dev;
  CUcontext ctx;
  CHECK_CU(cuInit(0));
  CHECK_CU(cuDeviceGet(&dev, 0));
  CHECK_CU(cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK_CU(cuCtxSetCurrent(ctx));

  const int64_t qs[4] = {B, S, H, Dqk}, kvs[4] = {B, Skv, G, Dqk};
  const int64_t is[4] = {B, S, G, topk}, os[4] = {B, S, H, Dv};
  const int64_t ls[3] = {B, S, H};
  const size_t nq = B * S * H * Dqk, nkv = B * Skv * G * Dqk;
  const size_t ni = B * S * G * topk, no = B * S * H * Dv, nl = B * S * H;
  CUdeviceptr q, kv, idx, out, lse, ml = 0;
  CHECK_CU(cuMemAlloc(&q, nq * 2));
  CHECK_CU(cuMemAlloc(&kv, nkv * 2));
  CHECK_CU(cuMemAlloc(&idx, ni * 4));
  CHECK_CU(cuMemAlloc(&out, no * 2));
  CHECK_CU(cuMemAlloc(&lse, nl * 4));
  CHECK_CU(cuMemsetD16(q, 0x3F80, nq));   /* bf16 1.0 */
  CHECK_CU(cuMemsetD16(kv, 0x3F80, nkv)); /* bf16 1.0 */
  int32_t *host = malloc(ni * 4);
  for (size_t i = 0; i < ni; ++i)
    host[i] = (int32_t)(i % (size_t)topk); /* keys 0 .. topk-1 */
  CHECK_CU(cuMemcpyHtoD(idx, host, ni * 4));
  free(host);

  smla_tensor tq = tensor(q, SMLA_DTYPE_BF16, 4, qs);
  smla_tensor tkv = tensor(kv, SMLA_DTYPE_BF16, 4, kvs);
  smla_tensor ti = tensor(idx, SMLA_DTYPE_I32, 4, is);
  smla_tensor to = tensor(out, SMLA_DTYPE_BF16, 4, os);
  smla_tensor tl = tensor(lse, SMLA_DTYPE_F32, 3, ls), tm;
  if (smla_package_has_max_logits(pkg)) {
    CHECK_CU(cuMemAlloc(&ml, nl * 4));
    tm = tensor(ml, SMLA_DTYPE_F32, 3, ls);
  }
  /* q_start = Skv: with a causal package every key 0 .. topk-1 is visible. */
  smla_status st = smla_launch(pkg, &tq, &tkv, &ti, (int32_t)Skv, &to, &tl,
                               ml ? &tm : NULL, NULL);
  if (st != SMLA_SUCCESS) {
    fprintf(stderr, "fwd: smla_launch: %s\n", smla_last_error());
    return 3;
  }
  CHECK_CU(cuCtxSynchronize());

  uint16_t *o = malloc(no * 2);
  float *l = malloc(nl * 4);
  CHECK_CU(cuMemcpyDtoH(o, out, no * 2));
  CHECK_CU(cuMemcpyDtoH(l, lse, nl * 4));
  const double wantLse =
      log((double)topk) + (double)Dqk * smla_package_sm_scale(pkg);
  size_t bad = 0;
  for (size_t i = 0; i < no; ++i)
    bad += o[i] != 0x3F80;
  for (size_t i = 0; i < nl; ++i)
    bad += fabs(l[i] - wantLse) > 1e-3 + 1e-5 * fabs(wantLse);
  printf("fwd: %s on %lld tokens x %lld heads: %zu wrong of %zu (lse %.6f, "
         "expected %.6f)\n",
         smla_package_entry(pkg), (long long)S, (long long)H, bad, no + nl,
         l[0], wantLse);
  free(o);
  free(l);
  cuMemFree(q);
  cuMemFree(kv);
  cuMemFree(idx);
  cuMemFree(out);
  cuMemFree(lse);
  if (ml)
    cuMemFree(ml);
  smla_package_destroy(pkg);
  cuDevicePrimaryCtxRelease(dev);
  return bad ? 1 : 0;
}
