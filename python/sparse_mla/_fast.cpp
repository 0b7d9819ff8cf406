// The launch path's fast half (python/README.md, "Host overhead"): the
// outputs are allocated and the kernel launched from C++, without Python's
// per-tensor call overhead. Built on demand with torch's extension tooling
// (`python3 -m sparse_mla build-extension`); the package works without it,
// through ctypes.
//
// Python keeps the checks and the choice of package (a plan per call
// layout, sparse_mla/_ops.py); this file only launches a checked plan. It
// calls the runtime's smla_launch_ex through a pointer Python passes in, so
// it links nothing of the runtime.

#include <torch/extension.h>

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace {

/// runtime.h's smla_tensor.
struct SmlaTensor {
  uint64_t data;
  int32_t dtype;
  int32_t rank;
  int64_t sizes[4];
  int64_t strides[4];
};
static_assert(sizeof(SmlaTensor) == 80, "smla_tensor is 80 bytes");

using LaunchFn = int (*)(void *, const SmlaTensor *, const SmlaTensor *,
                         const SmlaTensor *, int32_t, const SmlaTensor *,
                         const SmlaTensor *, const SmlaTensor *, void *, float,
                         uint32_t);

/// runtime.h's SMLA_ERROR_INVALID_ARGUMENT (also: no current context).
constexpr int kInvalidArgument = 1;

/// Launches the plan: \p layout is the address of its six packed
/// smla_tensor structs (null data pointers), \p tensors the six operands.
/// Returns the runtime's status. A thread that has not used CUDA yet may
/// have no current context: the device is then made current (as
/// cudaSetDevice does) and the launch tried once more.
int launch(int64_t launchFn, int64_t pkg, int64_t layout,
           const at::Tensor *const tensors[6], int64_t qStart, double scale,
           int64_t flags) {
  SmlaTensor t[6];
  std::memcpy(t, reinterpret_cast<const void *>(layout), sizeof(t));
  for (int i = 0; i < 6; ++i)
    t[i].data = reinterpret_cast<uintptr_t>(tensors[i]->data_ptr());
  const at::Tensor &q = *tensors[0];
  const c10::cuda::CUDAGuard guard(q.device());
  cudaStream_t stream =
      c10::cuda::getCurrentCUDAStream(q.get_device()).stream();
  auto fn = reinterpret_cast<LaunchFn>(launchFn);
  auto call = [&] {
    return fn(reinterpret_cast<void *>(pkg), &t[0], &t[1], &t[2],
              static_cast<int32_t>(qStart), &t[3], &t[4], &t[5],
              reinterpret_cast<void *>(stream), static_cast<float>(scale),
              static_cast<uint32_t>(flags));
  };
  int status = call();
  if (status == kInvalidArgument &&
      cudaSetDevice(q.get_device()) == cudaSuccess)
    status = call();
  return status;
}

/// The functional op: new out [out_shape] bf16, lse and max_logits
/// [lse_shape] f32 on q's device; returns (status, out, lse, max_logits).
std::tuple<int64_t, at::Tensor, at::Tensor, at::Tensor>
fwd(int64_t launchFn, int64_t pkg, int64_t layout, const at::Tensor &q,
    const at::Tensor &kv, const at::Tensor &indices, int64_t qStart,
    double scale, int64_t flags, at::IntArrayRef outShape,
    at::IntArrayRef lseShape) {
  at::Tensor out = at::empty(outShape, q.options());
  const auto f32 = q.options().dtype(at::kFloat);
  at::Tensor lse = at::empty(lseShape, f32);
  at::Tensor ml = at::empty(lseShape, f32);
  const at::Tensor *const tensors[6] = {&q, &kv, &indices, &out, &lse, &ml};
  const int status =
      launch(launchFn, pkg, layout, tensors, qStart, scale, flags);
  return {status, out, lse, ml};
}

/// The out= op: writes the given tensors; returns the status.
int64_t fwdOut(int64_t launchFn, int64_t pkg, int64_t layout,
               const at::Tensor &q, const at::Tensor &kv,
               const at::Tensor &indices, int64_t qStart, double scale,
               int64_t flags, const at::Tensor &out, const at::Tensor &lse,
               const at::Tensor &maxLogits) {
  const at::Tensor *const tensors[6] = {&q,   &kv,  &indices,
                                        &out, &lse, &maxLogits};
  return launch(launchFn, pkg, layout, tensors, qStart, scale, flags);
}

} // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "sparse_mla's launch fast path (outputs and launch in C++)";
  m.def("fwd", &fwd);
  m.def("fwd_out", &fwdOut);
}
