//===- cuda_driver.cpp - the CUDA driver API, loaded when first called ----===//
//
// Definitions of the CUDA driver API functions the runtime, sparse-mla-run
// and the tests call. Each forwards to libcuda.so.1, opened with dlopen on
// first use, so that nothing here needs the driver at load time: on a machine
// without one every call returns CUDA_ERROR_STUB_LIBRARY and
// cuGetErrorString says what is missing (the library still loads, its
// callers report "no CUDA driver" and the tests skip their GPU cases).
//
// The functions are declared by cuda.h, whose macros give their ABI names
// (cuMemAlloc -> cuMemAlloc_v2, ...); SMLA_CU_NAME looks up those names.
// A signature that differs from cuda.h's does not compile (static_assert).
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <dlfcn.h>

#include <mutex>
#include <string>
#include <type_traits>

namespace {

/// The driver's shared object (its soname; the unversioned libcuda.so is a
/// development link that may be absent on machines with only a driver).
constexpr const char *kDriverLibrary = "libcuda.so.1";

struct Driver {
  void *handle = nullptr;
  std::string error; ///< dlopen's message when the driver is absent
};

const Driver &driver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] {
    d.handle = dlopen(kDriverLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!d.handle) {
      const char *e = dlerror();
      d.error = std::string("no CUDA driver: ") + kDriverLibrary +
                " could not be loaded (" + (e ? e : "unknown error") + ")";
    }
  });
  return d;
}

void *lookup(const char *name) {
  const Driver &d = driver();
  return d.handle ? dlsym(d.handle, name) : nullptr;
}

} // namespace

#define SMLA_CU_STR2(x) #x
#define SMLA_CU_NAME(x) SMLA_CU_STR2(x)

// Defines `name params` forwarding `args` to the driver's symbol of the same
// (macro-expanded) name.
#define SMLA_CU(name, params, args)                                            \
  CUresult CUDAAPI name params {                                               \
    using Fn = CUresult(CUDAAPI *) params;                                     \
    static_assert(std::is_same_v<Fn, decltype(&name)>,                         \
                  "signature differs from cuda.h");                            \
    static const Fn fn = reinterpret_cast<Fn>(lookup(SMLA_CU_NAME(name)));     \
    return fn ? fn args : CUDA_ERROR_STUB_LIBRARY;                             \
  }

extern "C" {

// Error texts: where the driver is absent, say so instead of failing again.
CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr) {
  using Fn = CUresult(CUDAAPI *)(CUresult, const char **);
  static const Fn fn = reinterpret_cast<Fn>(lookup("cuGetErrorName"));
  if (fn)
    return fn(error, pStr);
  *pStr = error == CUDA_ERROR_STUB_LIBRARY ? "CUDA_ERROR_STUB_LIBRARY"
                                           : "CUDA_ERROR_UNKNOWN";
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr) {
  using Fn = CUresult(CUDAAPI *)(CUresult, const char **);
  static const Fn fn = reinterpret_cast<Fn>(lookup("cuGetErrorString"));
  if (fn)
    return fn(error, pStr);
  *pStr = driver().error.c_str();
  return CUDA_SUCCESS;
}

SMLA_CU(cuInit, (unsigned int flags), (flags))
SMLA_CU(cuDeviceGet, (CUdevice * device, int ordinal), (device, ordinal))
SMLA_CU(cuDeviceGetCount, (int *count), (count))
SMLA_CU(cuDeviceGetName, (char *name, int len, CUdevice dev),
        (name, len, dev))
SMLA_CU(cuDeviceGetAttribute,
        (int *pi, CUdevice_attribute attrib, CUdevice dev), (pi, attrib, dev))
SMLA_CU(cuDevicePrimaryCtxRetain, (CUcontext * pctx, CUdevice dev),
        (pctx, dev))
SMLA_CU(cuDevicePrimaryCtxRelease, (CUdevice dev), (dev))
SMLA_CU(cuDevicePrimaryCtxGetState,
        (CUdevice dev, unsigned int *flags, int *active), (dev, flags, active))
SMLA_CU(cuCtxCreate,
        (CUcontext * pctx, CUctxCreateParams *params, unsigned int flags,
         CUdevice dev),
        (pctx, params, flags, dev))
SMLA_CU(cuCtxDestroy, (CUcontext ctx), (ctx))
SMLA_CU(cuCtxGetCurrent, (CUcontext * pctx), (pctx))
SMLA_CU(cuCtxSetCurrent, (CUcontext ctx), (ctx))
SMLA_CU(cuCtxPushCurrent, (CUcontext ctx), (ctx))
SMLA_CU(cuCtxPopCurrent, (CUcontext * pctx), (pctx))
SMLA_CU(cuCtxGetDevice, (CUdevice * device), (device))
SMLA_CU(cuCtxSynchronize, (void), ())
SMLA_CU(cuMemAlloc, (CUdeviceptr * dptr, size_t bytes), (dptr, bytes))
SMLA_CU(cuMemFree, (CUdeviceptr dptr), (dptr))
SMLA_CU(cuMemAllocHost, (void **pp, size_t bytes), (pp, bytes))
SMLA_CU(cuMemFreeHost, (void *p), (p))
SMLA_CU(cuMemcpyHtoD, (CUdeviceptr dst, const void *src, size_t bytes),
        (dst, src, bytes))
SMLA_CU(cuMemcpyDtoH, (void *dst, CUdeviceptr src, size_t bytes),
        (dst, src, bytes))
SMLA_CU(cuMemsetD8, (CUdeviceptr dst, unsigned char value, size_t n),
        (dst, value, n))
SMLA_CU(cuMemsetD16, (CUdeviceptr dst, unsigned short value, size_t n),
        (dst, value, n))
SMLA_CU(cuMemsetD32, (CUdeviceptr dst, unsigned int value, size_t n),
        (dst, value, n))
SMLA_CU(cuMemsetD8Async,
        (CUdeviceptr dst, unsigned char value, size_t n, CUstream stream),
        (dst, value, n, stream))
SMLA_CU(cuPointerGetAttributes,
        (unsigned int count, CUpointer_attribute *attributes, void **data,
         CUdeviceptr ptr),
        (count, attributes, data, ptr))
SMLA_CU(cuModuleLoadDataEx,
        (CUmodule * module, const void *image, unsigned int numOptions,
         CUjit_option *options, void **optionValues),
        (module, image, numOptions, options, optionValues))
SMLA_CU(cuModuleUnload, (CUmodule module), (module))
SMLA_CU(cuModuleGetFunction,
        (CUfunction * function, CUmodule module, const char *name),
        (function, module, name))
SMLA_CU(cuFuncGetAttribute,
        (int *pi, CUfunction_attribute attrib, CUfunction function),
        (pi, attrib, function))
SMLA_CU(cuFuncSetAttribute,
        (CUfunction function, CUfunction_attribute attrib, int value),
        (function, attrib, value))
SMLA_CU(cuLaunchKernel,
        (CUfunction f, unsigned int gridX, unsigned int gridY,
         unsigned int gridZ, unsigned int blockX, unsigned int blockY,
         unsigned int blockZ, unsigned int sharedMemBytes, CUstream stream,
         void **params, void **extra),
        (f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes,
         stream, params, extra))
SMLA_CU(cuTensorMapEncodeTiled,
        (CUtensorMap * map, CUtensorMapDataType type, cuuint32_t rank,
         void *address, const cuuint64_t *dims, const cuuint64_t *strides,
         const cuuint32_t *box, const cuuint32_t *elementStrides,
         CUtensorMapInterleave interleave, CUtensorMapSwizzle swizzle,
         CUtensorMapL2promotion l2Promotion, CUtensorMapFloatOOBfill oobFill),
        (map, type, rank, address, dims, strides, box, elementStrides,
         interleave, swizzle, l2Promotion, oobFill))
SMLA_CU(cuStreamCreate, (CUstream * stream, unsigned int flags),
        (stream, flags))
SMLA_CU(cuStreamDestroy, (CUstream stream), (stream))
SMLA_CU(cuStreamSynchronize, (CUstream stream), (stream))
SMLA_CU(cuStreamIsCapturing,
        (CUstream stream, CUstreamCaptureStatus *status), (stream, status))
SMLA_CU(cuEventCreate, (CUevent * event, unsigned int flags), (event, flags))
SMLA_CU(cuEventDestroy, (CUevent event), (event))
SMLA_CU(cuEventRecord, (CUevent event, CUstream stream), (event, stream))
SMLA_CU(cuEventSynchronize, (CUevent event), (event))
SMLA_CU(cuEventElapsedTime, (float *ms, CUevent start, CUevent end),
        (ms, start, end))

} // extern "C"
