/*===- runtime.h - sparse_mla kernel package runtime (C API) -----*- C -*-===//
 *
 * Loads a kernel package (`*.smlapkg`, docs/kernel-package.md) produced by
 * `sparse-mla-translate --package` and launches its `sparse_mla.fwd` kernel
 * through the CUDA driver API. Needs only libcuda (no cudart, no MLIR).
 *
 * Usage:
 *
 *   smla_package *pkg;
 *   if (smla_package_load_file("fwd.smlapkg", &pkg) != SMLA_SUCCESS)
 *     fprintf(stderr, "%s\n", smla_last_error());
 *   // A CUDA context must be current (cuCtxSetCurrent, or cudaSetDevice).
 *   smla_tensor q = {...}, kv = {...}, idx = {...}, out = {...}, lse = {...};
 *   smla_status st = smla_launch(pkg, &q, &kv, &idx, q_start, &out, &lse,
 *                                NULL, stream);
 *   ...
 *   smla_package_destroy(pkg);
 *
 * Tensors: sizes and strides in elements, outermost first; the last stride
 * must be 1, the others > 0; data 16-byte aligned device memory (or managed
 * memory). Shapes (docs/semantics.md):
 *   q [B, S, H, Dqk] bf16    kv [B, Skv, G, Dqk] bf16   indices [B, S, G, topk] i32
 *   out [B, S, H, Dv] bf16   lse [B, S, H] f32          max_logits [B, S, H] f32
 * H, G, Dqk, Dv, topk are fixed by the package; B, S, Skv too if static.
 *
 * Errors: every function that can fail returns an smla_status; the message
 * (naming the value, the expected and the actual, or the CUDA call and its
 * error name) is then available from smla_last_error() on the same thread.
 * Nothing aborts or exits.
 *
 * Modules: the kernel is loaded lazily, once per CUDA context, on the first
 * launch (or smla_package_prepare) in that context: the cubin first, then the
 * PTX (driver JIT) if the driver refuses the cubin. Destroy a package before
 * destroying the contexts it was used in. A package may be used from several
 * threads at once (loading is serialized by a mutex).
 *
 * Launches are asynchronous on the caller's stream, like any kernel launch:
 * an error in the kernel itself shows up at the next synchronization.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SPARSE_MLA_RUNTIME_H
#define SPARSE_MLA_RUNTIME_H

#include <cuda.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SMLA_API
#else
#define SMLA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Result of a call. */
typedef enum smla_status {
  SMLA_SUCCESS = 0,
  /** A null or malformed argument: tensor shape/dtype/stride/alignment,
   *  pointer not in device memory, ... */
  SMLA_ERROR_INVALID_ARGUMENT = 1,
  /** A file could not be read. */
  SMLA_ERROR_IO = 2,
  /** The package is malformed (truncated, corrupted, bad manifest). */
  SMLA_ERROR_INVALID_PACKAGE = 3,
  /** A CUDA driver call failed (the message names the call and error). */
  SMLA_ERROR_CUDA = 4,
  /** The launch cannot be done on this device (shared memory, grid, neither
   *  binary loads). */
  SMLA_ERROR_UNSUPPORTED = 5,
  /** Host memory ran out, or another internal failure. */
  SMLA_ERROR_INTERNAL = 6
} smla_status;

/** Element types (same numbering as the package library's DType). */
typedef enum smla_dtype {
  SMLA_DTYPE_BF16 = 1,
  SMLA_DTYPE_F32 = 2,
  SMLA_DTYPE_I32 = 3
} smla_dtype;

/** Which binary of the package a context loaded. */
typedef enum smla_binary_kind {
  SMLA_BINARY_NONE = 0, /**< Not loaded in the current context yet. */
  SMLA_BINARY_CUBIN = 1,
  SMLA_BINARY_PTX = 2
} smla_binary_kind;

/** A strided tensor in device memory. */
typedef struct smla_tensor {
  CUdeviceptr data;   /**< Device address, 16-byte aligned; 0 only if empty. */
  int32_t dtype;      /**< An smla_dtype. */
  int32_t rank;       /**< 3 or 4. */
  int64_t sizes[4];   /**< Elements, outermost first; entries >= rank unused. */
  int64_t strides[4]; /**< Elements, outermost first; last must be 1. */
} smla_tensor;

/** A loaded package (opaque). */
typedef struct smla_package smla_package;

/** A short name of a status ("SMLA_ERROR_CUDA"). */
SMLA_API const char *smla_status_string(smla_status status);

/** The message of the last failing call on this thread ("" if none). Valid
 *  until the next failing call on this thread. */
SMLA_API const char *smla_last_error(void);

/** Reads and validates a package file. No CUDA call is made. */
SMLA_API smla_status smla_package_load_file(const char *path,
                                            smla_package **out);

/** Same, from memory (copied; the caller's buffer may be freed after). */
SMLA_API smla_status smla_package_load_memory(const void *data, size_t size,
                                              smla_package **out);

/** Unloads the modules of every context it was used in and frees the
 *  package. Null is ignored. */
SMLA_API void smla_package_destroy(smla_package *pkg);

/* Manifest accessors (null-safe: 0 / "" on a null package). Strings live as
 * long as the package. */
SMLA_API const char *smla_package_entry(const smla_package *pkg);
SMLA_API const char *smla_package_chip(const smla_package *pkg);
SMLA_API const char *smla_package_schedule(const smla_package *pkg);
/** The manifest JSON text as stored in the package. */
SMLA_API const char *smla_package_manifest_json(const smla_package *pkg);
SMLA_API void smla_package_block(const smla_package *pkg, uint32_t block[3]);
SMLA_API uint32_t smla_package_dynamic_shared_memory(const smla_package *pkg);
/** Persistent kernels: CTAs per SM of a launch (manifest "ctas_per_sm"); 0
 *  for one CTA per tile. */
SMLA_API uint32_t smla_package_ctas_per_sm(const smla_package *pkg);
SMLA_API int64_t smla_package_H(const smla_package *pkg);
SMLA_API int64_t smla_package_G(const smla_package *pkg);
SMLA_API int64_t smla_package_Dqk(const smla_package *pkg);
SMLA_API int64_t smla_package_Dv(const smla_package *pkg);
SMLA_API int64_t smla_package_topk(const smla_package *pkg);
/** Static B / S / Skv, or -1 when dynamic. */
SMLA_API int64_t smla_package_B(const smla_package *pkg);
SMLA_API int64_t smla_package_S(const smla_package *pkg);
SMLA_API int64_t smla_package_Skv(const smla_package *pkg);
SMLA_API int smla_package_causal(const smla_package *pkg);
SMLA_API int64_t smla_package_kv_stride(const smla_package *pkg);
SMLA_API float smla_package_sm_scale(const smla_package *pkg);
SMLA_API int smla_package_has_max_logits(const smla_package *pkg);
/** Whether the package carries a cubin / a PTX section. */
SMLA_API int smla_package_has_cubin(const smla_package *pkg);
SMLA_API int smla_package_has_ptx(const smla_package *pkg);

/** The binary loaded in the current CUDA context (SMLA_BINARY_NONE if none
 *  yet, or no context is current). */
SMLA_API smla_binary_kind smla_package_loaded_binary(const smla_package *pkg);

/** Loads the module in the current context now (otherwise done by the first
 *  launch): cubin, else PTX; sets the dynamic shared memory limit. If
 *  \p kind is not null it receives the binary used. */
SMLA_API smla_status smla_package_prepare(smla_package *pkg,
                                          smla_binary_kind *kind);

/** Validates the operands against the package (shapes, dtypes, strides,
 *  16-byte alignment, device memory inside one allocation), loads the module
 *  if needed, encodes the manifest's tensor maps, then launches the kernel
 *  with cuLaunchKernel on \p stream in the current context. \p max_logits
 *  must be given iff the package computes it. A launch whose grid has a zero
 *  dimension (e.g. B = 0 or S = 0) does nothing and succeeds.
 *
 *  The package keeps a plan for the last few operand layouts launched (per
 *  context: dtypes, ranks, sizes, strides, q_start and scale): a launch with
 *  the layout of an earlier one checks only its data pointers (null,
 *  alignment, and device memory unless trusted), patches them into the
 *  parameters that launch computed and launches, with the same result and
 *  the same diagnostics as a first launch. Thread-safe. */
SMLA_API smla_status smla_launch(smla_package *pkg, const smla_tensor *q,
                                 const smla_tensor *kv,
                                 const smla_tensor *indices, int32_t q_start,
                                 const smla_tensor *out,
                                 const smla_tensor *lse,
                                 const smla_tensor *max_logits,
                                 CUstream stream);

/** Flags of smla_launch_ex. */
enum {
  /** The caller vouches that every tensor lies inside device memory of the
   *  current context (a framework's tensors, e.g. PyTorch's, whose storage
   *  bounds the framework checks): the per-tensor cuPointerGetAttributes
   *  query is skipped. Shapes, dtypes, strides and alignment are still
   *  validated. */
  SMLA_LAUNCH_TRUSTED_MEMORY = 1u
};

/** smla_launch with a softmax scale and \p flags (SMLA_LAUNCH_*; unknown
 *  bits are refused). \p sm_scale: the scale of this launch (finite, > 0,
 *  sm_scale x log2(e) a finite float), or 0 for the package's (manifest
 *  op.sm_scale). A package compiled by this project's compiler takes any
 *  scale (its kernel's "scale_log2" parameter); an older package, whose
 *  scale is compiled in, refuses one that differs from its own.
 *  smla_launch(...) is smla_launch_ex(..., stream, 0, 0). */
SMLA_API smla_status smla_launch_ex(smla_package *pkg, const smla_tensor *q,
                                    const smla_tensor *kv,
                                    const smla_tensor *indices,
                                    int32_t q_start, const smla_tensor *out,
                                    const smla_tensor *lse,
                                    const smla_tensor *max_logits,
                                    CUstream stream, float sm_scale,
                                    uint32_t flags);

/** The operands of one launch, for smla_launch_with. Zero-initialize it,
 *  then set what the launch has: the optional attn_sink ([H] f32, a sink
 *  logit per head) and topk_length ([B, S] i32, how many leading entries of
 *  each index row count) must be given iff the package's kernel takes them
 *  (smla_package_has_attn_sink / _has_topk_length), max_logits iff it
 *  computes it. */
typedef struct smla_launch_operands {
  const smla_tensor *q;
  const smla_tensor *kv;
  const smla_tensor *indices;
  int32_t q_start;
  const smla_tensor *attn_sink;
  const smla_tensor *topk_length;
  const smla_tensor *out;
  const smla_tensor *lse;
  const smla_tensor *max_logits;
} smla_launch_operands;

/** smla_launch_ex with the operands in a struct, optional ones included;
 *  the same checks, plans and diagnostics. smla_launch_ex(...) is
 *  smla_launch_with with attn_sink and topk_length null. */
SMLA_API smla_status smla_launch_with(smla_package *pkg,
                                      const smla_launch_operands *operands,
                                      CUstream stream, float sm_scale,
                                      uint32_t flags);

/** Whether the package's kernel takes attn_sink / topk_length (1) or not
 *  (0; also for a null package). */
SMLA_API int smla_package_has_attn_sink(const smla_package *pkg);
SMLA_API int smla_package_has_topk_length(const smla_package *pkg);

/** Whether the package's kernel takes its scale at launch (1) or has it
 *  compiled in (0; also for a null package). */
SMLA_API int smla_package_takes_scale(const smla_package *pkg);

/** The split kernel's entry (manifest kernel.split), or "" if the package
 *  has none. */
SMLA_API const char *smla_package_split_entry(const smla_package *pkg);

/** With a split kernel (the seesaw schedule's split_tail): when a launch of
 *  T tiles on N CTAs (ctas_per_sm x SMs) gives its last T mod N tiles (all
 *  of them when T < N) to the split kernel, each divided among
 *  P = min(max_parts, kernel.split.max_parts, N / (T mod N)) CTAs: when
 *  P >= 2, T / N <= max_waves and a tile has at least min_rounds rounds
 *  (kernel.split.max_parts). Defaults 8, 8, 8 (measured on an H100, see
 *  bench/LOG.md step 50); max_parts 0 or 1: never. Not thread-safe against
 *  concurrent launches of the package. */
SMLA_API smla_status smla_package_set_split_policy(smla_package *pkg,
                                                   int32_t max_parts,
                                                   int32_t max_waves,
                                                   int32_t min_rounds);

/** How a launch of these sizes on a device of \p sm_count SMs is divided
 *  under the package's split policy (no CUDA call): \p plan receives the
 *  tiles of the persistent kernel, the tiles of the split kernel and the
 *  CTAs per split tile (0 and 0 when the persistent kernel computes every
 *  tile, and always for a package without a split kernel). */
SMLA_API smla_status smla_package_split_plan(const smla_package *pkg,
                                             int64_t B, int64_t S,
                                             int64_t Skv, int64_t sm_count,
                                             uint32_t plan[3]);

/** The grid of tiles for these sizes (no CUDA call): the grid smla_launch
 *  uses, except for a persistent package (manifest "ctas_per_sm"), which it
 *  launches with min(tiles, ctas_per_sm x SMs) CTAs along x. */
SMLA_API smla_status smla_package_grid(const smla_package *pkg, int64_t B,
                                       int64_t S, int64_t Skv,
                                       uint32_t grid[3]);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SPARSE_MLA_RUNTIME_H */
