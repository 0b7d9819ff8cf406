//===- runtime.cpp - sparse_mla kernel package runtime --------------------===//
//
// See include/sparse_mla/runtime.h. CUDA driver API only.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/runtime.h"

#include "sparse_mla/package.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace pkg = sparse_mla::pkg;

namespace {

thread_local std::string tLastError;

smla_status fail(smla_status status, const std::string &message) {
  tLastError = message;
  return status;
}


/// Names of the errors a missing or stub driver gives (cuGetErrorName itself
/// fails then).
const char *fallbackErrorName(CUresult r) {
  switch (static_cast<int>(r)) {
  case 3:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case 34:
    return "CUDA_ERROR_STUB_LIBRARY";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  case 101:
    return "CUDA_ERROR_INVALID_DEVICE";
  default:
    return nullptr;
  }
}

/// "CUDA_ERROR_INVALID_VALUE (invalid argument)".
std::string cudaErrorText(CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(r, &name) != CUDA_SUCCESS || !name)
    name = fallbackErrorName(r);
  if (cuGetErrorString(r, &text) != CUDA_SUCCESS || !text)
    text = nullptr;
  std::string s = name ? name : pkg::format("CUDA error %d", static_cast<int>(r));
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

smla_status cudaFail(const std::string &call, CUresult r,
                     const std::string &context = std::string()) {
  std::string msg = call + " failed: " + cudaErrorText(r);
  if (!context.empty())
    msg = context + ": " + msg;
  return fail(SMLA_ERROR_CUDA, msg);
}

struct ContextModule {
  CUcontext context = nullptr;
  CUdevice device = 0;
  bool primary = false; // The context is its device's primary context.
  int smCount = 0;      // The device's multiprocessors (persistent grids).

  CUmodule module = nullptr;
  CUfunction function = nullptr;
  CUfunction splitFunction = nullptr; ///< kernel.split's entry, if any.
  smla_binary_kind kind = SMLA_BINARY_NONE;
};

/// The split kernel's workspace of one context and stream: launches on one
/// stream run in order, so they may share it; launches on different streams
/// never do.
struct Workspace {
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  bool retired = false; ///< Replaced by a larger one; freed at destroy.
};

/// A tensor map encoded for one request (the last few, per package): a
/// launch with the same operand layout reuses it instead of encoding again.
struct EncodedMap {
  pkg::TensorMapRequest request;
  CUtensorMap map;
};

bool sameRequest(const pkg::TensorMapRequest &a,
                 const pkg::TensorMapRequest &b) {
  return a.param == b.param && a.dtype == b.dtype && a.data == b.data &&
         a.rank == b.rank && a.swizzle == b.swizzle &&
         std::memcmp(a.dims, b.dims, sizeof(a.dims)) == 0 &&
         std::memcmp(a.strides, b.strides, sizeof(a.strides)) == 0 &&
         std::memcmp(a.box, b.box, sizeof(a.box)) == 0;
}

/// Encoded maps kept per package (a few distinct layouts of a serving loop).
constexpr size_t kEncodedMapCache = 8;

/// The operands of smla_launch in order, and their names in messages.
constexpr int kOperands = 8;
const char *const kOperandNames[kOperands] = {
    "q", "kv", "indices", "out", "lse", "max_logits", "attn_sink",
    "topk_length"};

/// Everything a launch depends on except the data pointers and the stream
/// (the split kernel's workspace, per stream, is looked up per launch): the
/// key of a LaunchPlan. Zero-filled before use, so keys compare with memcmp.
struct PlanKey {
  CUcontext context;
  double smScale;
  int32_t qStart;
  uint32_t present; ///< Bit i: operand i was given.
  int64_t layout[kOperands][2 + 2 * 4]; ///< dtype, rank, sizes, strides.
};

/// A launch checked once for one PlanKey: its grids, its parameter buffer
/// and where in it each data pointer, tensor map and the workspace go. A
/// later launch with the same key only checks its pointers, patches them in
/// and launches (the launch path's fast path).
struct LaunchPlan {
  PlanKey key;
  ContextModule module;
  uint32_t grid[3] = {0, 0, 0};
  uint32_t splitCtas = 0;
  size_t workspaceBytes = 0;
  size_t workspaceOffset = SIZE_MAX;
  pkg::ParamBuffer params;
  struct Patch {
    int operand;
    size_t offset;
  };
  std::vector<Patch> pointers; ///< Memref allocated/aligned slots.
  struct Map {
    int operand;
    size_t offset;
    pkg::TensorMapRequest request;
  };
  std::vector<Map> maps;
  uint64_t align[kOperands] = {};  ///< Data pointer alignment needed.
  bool nonEmpty[kOperands] = {};   ///< A null pointer is refused.
};

/// Plans kept per package; a serving loop has a few layouts at a time.
constexpr size_t kPlanCache = 16;
/// The largest parameter buffer a plan launches from the stack; a kernel
/// with more parameters always takes the checked path. 4 KiB is CUDA's
/// classic kernel parameter limit (CUDA C++ Programming Guide, "Function
/// Parameters").
constexpr size_t kPlanMaxParamBytes = 4096;
constexpr size_t kPlanMaxSlots = kPlanMaxParamBytes / 4;

} // namespace

struct smla_package {
  pkg::Package package;
  // Copies of the binaries with a NUL appended: the driver reads an image
  // that is not ELF or fatbin as NUL-terminated PTX text, so a corrupt cubin
  // must not make it read past the buffer.
  std::vector<uint8_t> cubin;
  std::string ptx;
  std::mutex mutex;
  std::vector<ContextModule> modules;
  std::vector<Workspace> workspaces;
  pkg::SplitPolicy splitPolicy;
  std::mutex mapMutex;
  std::vector<EncodedMap> encodedMaps; ///< Most recent last.
  std::mutex planMutex;
  std::vector<std::shared_ptr<const LaunchPlan>> plans; ///< Most recent last.
};

namespace {

smla_status finishLoad(pkg::Package &&package, smla_package **out) {
  smla_package *p = new smla_package;
  p->package = std::move(package);
  if (const pkg::Section *s = p->package.find(pkg::kSectionCubin)) {
    p->cubin = s->data;
    p->cubin.push_back(0);
  }
  if (const pkg::Section *s = p->package.find(pkg::kSectionPtx))
    p->ptx.assign(reinterpret_cast<const char *>(s->data.data()),
                  s->data.size());
  *out = p;
  return SMLA_SUCCESS;
}

/// Runs \p body, turning C++ exceptions (bad_alloc) into a status.
template <typename F> smla_status guarded(F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(SMLA_ERROR_INTERNAL, "out of host memory");
  } catch (const std::exception &e) {
    return fail(SMLA_ERROR_INTERNAL,
                std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(SMLA_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

/// Loads a module image with an error log.
CUresult loadImage(const void *image, CUmodule *module, std::string &log) {
  char errorLog[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog, reinterpret_cast<void *>(
                                  static_cast<uintptr_t>(sizeof(errorLog)))};
  CUresult r = cuModuleLoadDataEx(module, image, 2, options, values);
  errorLog[sizeof(errorLog) - 1] = '\0';
  log = errorLog;
  return r;
}

std::string deviceDescription(CUdevice dev) {
  int major = 0, minor = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                       dev);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                       dev);
  char name[256] = {0};
  cuDeviceGetName(name, sizeof(name) - 1, dev);
  return pkg::format("device %d (%s, sm_%d%d)", static_cast<int>(dev), name, major,
             minor);
}

/// Finds or loads the module of the current context. \p out receives a
/// copy: another thread may grow the list meanwhile.
smla_status getModule(smla_package *p, ContextModule &out) {
  CUcontext ctx = nullptr;
  CUresult r = cuCtxGetCurrent(&ctx);
  if (r != CUDA_SUCCESS)
    return cudaFail("cuCtxGetCurrent", r);
  if (!ctx)
    return fail(SMLA_ERROR_INVALID_ARGUMENT,
                "no CUDA context is current on this thread (call "
                "cuCtxSetCurrent / cuDevicePrimaryCtxRetain, or "
                "cudaSetDevice, first)");

  std::lock_guard<std::mutex> lock(p->mutex);
  for (ContextModule &m : p->modules) {
    if (m.context == ctx) {
      out = m;
      return SMLA_SUCCESS;
    }
  }

  CUdevice dev;
  if ((r = cuCtxGetDevice(&dev)) != CUDA_SUCCESS)
    return cudaFail("cuCtxGetDevice", r);
  const pkg::Manifest &man = p->package.manifest;

  ContextModule cm;
  cm.context = ctx;
  cm.device = dev;
  if ((r = cuDeviceGetAttribute(&cm.smCount,
                                CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                dev)) != CUDA_SUCCESS)
    return cudaFail("cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)", r);
  {
    // Remember whether this is the device's primary context: once released
    // by everyone it becomes inactive (its modules gone) while the handle
    // still looks valid, and smla_package_destroy must not touch it then.
    // Retaining an active primary context only bumps its reference count.
    unsigned flags = 0;
    int active = 0;
    CUcontext primary = nullptr;
    if (cuDevicePrimaryCtxGetState(dev, &flags, &active) == CUDA_SUCCESS &&
        active && cuDevicePrimaryCtxRetain(&primary, dev) == CUDA_SUCCESS) {
      cm.primary = primary == ctx;
      cuDevicePrimaryCtxRelease(dev);
    }
  }
  std::string cubinError, ptxError;
  if (!p->cubin.empty()) {
    std::string log;
    r = loadImage(p->cubin.data(), &cm.module, log);
    if (r == CUDA_SUCCESS)
      cm.kind = SMLA_BINARY_CUBIN;
    else
      cubinError = "cubin: cuModuleLoadDataEx failed: " + cudaErrorText(r) +
                   (log.empty() ? "" : ": " + log);
  } else {
    cubinError = "cubin: none in the package";
  }
  if (cm.kind == SMLA_BINARY_NONE) {
    if (!p->ptx.empty()) {
      std::string log;
      r = loadImage(p->ptx.c_str(), &cm.module, log);
      if (r == CUDA_SUCCESS)
        cm.kind = SMLA_BINARY_PTX;
      else
        ptxError = "PTX: cuModuleLoadDataEx (JIT) failed: " +
                   cudaErrorText(r) + (log.empty() ? "" : ": " + log);
    } else {
      ptxError = "PTX: none in the package";
    }
  }
  if (cm.kind == SMLA_BINARY_NONE)
    return fail(SMLA_ERROR_UNSUPPORTED,
                "cannot load the kernel (package chip " + man.chip + ") on " +
                    deviceDescription(dev) + ": " + cubinError + "; " +
                    ptxError);

  auto unloadAndFail = [&](smla_status s) {
    cuModuleUnload(cm.module);
    return s;
  };
  const char *kindName = cm.kind == SMLA_BINARY_CUBIN ? "cubin" : "PTX";
  r = cuModuleGetFunction(&cm.function, cm.module, man.kernel.entry.c_str());
  if (r != CUDA_SUCCESS)
    return unloadAndFail(cudaFail(
        pkg::format("cuModuleGetFunction(\"%s\")", man.kernel.entry.c_str()), r,
        pkg::format("the package's %s has no usable kernel named by kernel.entry",
            kindName)));

  if (!man.kernel.splitEntry.empty()) {
    r = cuModuleGetFunction(&cm.splitFunction, cm.module,
                            man.kernel.splitEntry.c_str());
    if (r != CUDA_SUCCESS)
      return unloadAndFail(
          cudaFail(pkg::format("cuModuleGetFunction(\"%s\")",
                               man.kernel.splitEntry.c_str()),
                   r,
                   pkg::format("the package's %s has no usable kernel named by "
                               "kernel.split.entry",
                               kindName)));
  }

  // Block size and shared memory against what each compiled kernel allows
  // (the split kernel, if any, launches with the same block and memory).
  std::vector<std::pair<CUfunction, const std::string *>> functions = {
      {cm.function, &man.kernel.entry}};
  if (cm.splitFunction)
    functions.push_back({cm.splitFunction, &man.kernel.splitEntry});
  const int64_t threads =
      man.kernel.block[0] * man.kernel.block[1] * man.kernel.block[2];
  const int64_t smem = man.kernel.dynamicSharedMemory;
  int optin = 0;
  if (smem > 48 * 1024) {
    r = cuDeviceGetAttribute(
        &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
    if (r != CUDA_SUCCESS)
      return unloadAndFail(cudaFail(
          "cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)", r));
  }
  for (auto [function, entry] : functions) {
    int maxThreads = 0;
    r = cuFuncGetAttribute(&maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                           function);
    if (r != CUDA_SUCCESS)
      return unloadAndFail(cudaFail(
          "cuFuncGetAttribute(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)", r));
    if (threads > maxThreads)
      return unloadAndFail(fail(
          SMLA_ERROR_UNSUPPORTED,
          pkg::format("kernel.block has %" PRId64 " threads, but kernel \"%s\" "
                      "(%s) allows at most %d on %s",
                      threads, entry->c_str(), kindName, maxThreads,
                      deviceDescription(dev).c_str())));
    // Dynamic shared memory above the 48 KiB default needs an opt-in.
    if (smem <= 48 * 1024)
      continue;
    int staticSmem = 0;
    cuFuncGetAttribute(&staticSmem, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                       function);
    if (smem + staticSmem > optin)
      return unloadAndFail(fail(
          SMLA_ERROR_UNSUPPORTED,
          pkg::format("kernel.dynamic_shared_memory is %" PRId64 " bytes (+ %d "
                      "static in kernel \"%s\"), but %s allows at most %d per "
                      "block",
                      smem, staticSmem, entry->c_str(),
                      deviceDescription(dev).c_str(), optin)));
    r = cuFuncSetAttribute(function,
                           CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           static_cast<int>(smem));
    if (r != CUDA_SUCCESS)
      return unloadAndFail(cudaFail(
          pkg::format("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, "
                      "%" PRId64 ") of kernel \"%s\"",
                      smem, entry->c_str()),
          r));
  }
  p->modules.push_back(cm);
  out = cm;
  return SMLA_SUCCESS;
}

/// Converts a C tensor; refuses a rank the descriptor cannot hold.
smla_status toTensorArg(const char *name, const smla_tensor *t,
                        pkg::TensorArg &out) {
  if (t->rank < 0 || t->rank > 4)
    return fail(SMLA_ERROR_INVALID_ARGUMENT,
                pkg::format("%s: rank is %d, expected 3 or 4", name, t->rank));
  out.data = reinterpret_cast<const void *>(static_cast<uintptr_t>(t->data));
  out.dtype = t->dtype;
  out.rank = t->rank;
  for (int i = 0; i < 4; ++i) {
    out.sizes[i] = t->sizes[i];
    out.strides[i] = t->strides[i];
  }
  return SMLA_SUCCESS;
}

/// Checks that a (validated, non-empty) tensor lies in device memory, inside
/// one allocation.
smla_status checkDeviceMemory(const char *name, const pkg::TensorArg &t) {
  bool empty = false;
  int64_t extent = 0;
  for (int d = 0; d < t.rank; ++d) {
    empty = empty || t.sizes[d] == 0;
    extent += (t.sizes[d] - 1) * t.strides[d];
  }
  if (empty)
    return SMLA_SUCCESS;
  const uint64_t bytes =
      static_cast<uint64_t>(extent + 1) * pkg::dtypeSize(t.dtype);
  const CUdeviceptr ptr =
      static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(t.data));

  // Zero-initialized and wider than the driver writes (an enum, a bool).
  uint64_t memType = 0;
  CUdeviceptr base = 0;
  size_t rangeSize = 0;
  uint64_t isManaged = 0;
  CUpointer_attribute attrs[] = {
      CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
      CU_POINTER_ATTRIBUTE_RANGE_SIZE, CU_POINTER_ATTRIBUTE_IS_MANAGED};
  void *values[] = {&memType, &base, &rangeSize, &isManaged};
  CUresult r = cuPointerGetAttributes(4, attrs, values, ptr);
  if (r != CUDA_SUCCESS)
    return cudaFail(pkg::format("cuPointerGetAttributes(0x%llx)",
                        static_cast<unsigned long long>(ptr)),
                    r, name);
  if (memType == 0)
    return fail(SMLA_ERROR_INVALID_ARGUMENT,
                pkg::format("%s: data pointer 0x%llx is not CUDA memory (a host "
                    "pointer?); expected device memory",
                    name, static_cast<unsigned long long>(ptr)));
  if (memType == CU_MEMORYTYPE_HOST && !isManaged)
    return fail(SMLA_ERROR_INVALID_ARGUMENT,
                pkg::format("%s: data pointer 0x%llx is page-locked host memory; "
                    "expected device memory",
                    name, static_cast<unsigned long long>(ptr)));
  if (rangeSize > 0 && base <= ptr) {
    const uint64_t avail = static_cast<uint64_t>(base + rangeSize - ptr);
    if (bytes > avail)
      return fail(SMLA_ERROR_INVALID_ARGUMENT,
                  pkg::format("%s: the tensor spans %llu bytes from 0x%llx, but its "
                      "allocation (0x%llx, %llu bytes) has only %llu bytes "
                      "from there",
                      name, static_cast<unsigned long long>(bytes),
                      static_cast<unsigned long long>(ptr),
                      static_cast<unsigned long long>(base),
                      static_cast<unsigned long long>(rangeSize),
                      static_cast<unsigned long long>(avail)));
  }
  return SMLA_SUCCESS;
}

CUtensorMapDataType tensorMapType(int dtype) {
  switch (dtype) {
  case pkg::kF32:
    return CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
  case pkg::kI32:
    return CU_TENSOR_MAP_DATA_TYPE_INT32;
  default:
    return CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
  }
}

CUtensorMapSwizzle tensorMapSwizzle(int64_t bytes) {
  switch (bytes) {
  case 32:
    return CU_TENSOR_MAP_SWIZZLE_32B;
  case 64:
    return CU_TENSOR_MAP_SWIZZLE_64B;
  case 128:
    return CU_TENSOR_MAP_SWIZZLE_128B;
  default:
    return CU_TENSOR_MAP_SWIZZLE_NONE;
  }
}

std::string listU64(const uint64_t *v, uint32_t n) {
  std::string s = "[";
  for (uint32_t i = 0; i < n; ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// The workspace of the current context and \p stream, at least \p bytes:
/// allocated on first use and zero-filled on \p stream (so before the
/// launches that follow on it), replaced by a larger one when too small. A
/// replaced workspace is kept until the package is destroyed: launches
/// already enqueued (or captured into a graph) may still use it. While the
/// stream is being captured a workspace cannot be allocated: the first
/// launch of a size must happen outside capture.
smla_status getWorkspace(smla_package *p, const ContextModule &cm,
                         CUstream stream, size_t bytes, CUdeviceptr &out) {
  std::lock_guard<std::mutex> lock(p->mutex);
  Workspace *ws = nullptr;
  for (Workspace &w : p->workspaces)
    if (w.context == cm.context && w.stream == stream && !w.retired)
      ws = &w;
  if (ws && ws->bytes >= bytes) {
    out = ws->ptr;
    return SMLA_SUCCESS;
  }
  CUstreamCaptureStatus capture = CU_STREAM_CAPTURE_STATUS_NONE;
  CUresult r = cuStreamIsCapturing(stream, &capture);
  if (r != CUDA_SUCCESS)
    return cudaFail("cuStreamIsCapturing", r,
                    "before allocating the split "
                    "kernel's workspace");
  if (capture != CU_STREAM_CAPTURE_STATUS_NONE)
    return fail(SMLA_ERROR_UNSUPPORTED,
                pkg::format("the split kernel needs a workspace of %zu bytes "
                            "on this stream (it has %zu), which cannot be "
                            "allocated while the stream is captured: launch "
                            "this size once outside the capture first",
                            bytes, ws ? ws->bytes : size_t(0)));
  CUdeviceptr ptr = 0;
  r = cuMemAlloc(&ptr, bytes);
  if (r != CUDA_SUCCESS)
    return cudaFail("cuMemAlloc", r,
                    pkg::format("split kernel workspace of %zu bytes", bytes));
  if ((r = cuMemsetD8Async(ptr, 0, bytes, stream)) != CUDA_SUCCESS) {
    cuMemFree(ptr);
    return cudaFail("cuMemsetD8Async", r, "zero-filling the workspace");
  }
  if (ws)
    ws->retired = true;
  p->workspaces.push_back(Workspace{cm.context, stream, ptr, bytes, false});
  out = ptr;
  return SMLA_SUCCESS;
}

/// Encodes the tensor map of \p req into \p slot (a parameter slot), or
/// reuses the map encoded for the same request by an earlier launch.
smla_status encodeTensorMap(smla_package *p, const pkg::TensorMapRequest &req,
                            void *slot) {
  if (req.empty) {
    std::memset(slot, 0, sizeof(CUtensorMap));
    return SMLA_SUCCESS;
  }
  CUtensorMap map;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(p->mapMutex);
    for (const EncodedMap &e : p->encodedMaps)
      if (sameRequest(e.request, req)) {
        map = e.map;
        cached = true;
        break;
      }
  }
  if (!cached) {
    cuuint64_t dims[5], strides[4];
    cuuint32_t box[5], elementStrides[5];
    for (uint32_t d = 0; d < req.rank; ++d) {
      dims[d] = req.dims[d];
      box[d] = req.box[d];
      elementStrides[d] = 1;
      if (d + 1 < req.rank)
        strides[d] = req.strides[d];
    }
    CUresult r = cuTensorMapEncodeTiled(
        &map, tensorMapType(req.dtype), req.rank, const_cast<void *>(req.data),
        dims, strides, box, elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
        tensorMapSwizzle(req.swizzle), CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
        CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS) {
      uint64_t box64[5];
      for (uint32_t d = 0; d < req.rank; ++d)
        box64[d] = req.box[d];
      return cudaFail(
          "cuTensorMapEncodeTiled", r,
          pkg::format("tensor map for parameter %" PRId64 " (%s: dims %s, byte "
              "strides %s, box %s, swizzle %" PRId64 ")",
              req.param, req.tensor.c_str(),
              listU64(req.dims, req.rank).c_str(),
              listU64(req.strides, req.rank - 1).c_str(),
              listU64(box64, req.rank).c_str(), req.swizzle));
    }
    std::lock_guard<std::mutex> lock(p->mapMutex);
    if (p->encodedMaps.size() >= kEncodedMapCache)
      p->encodedMaps.erase(p->encodedMaps.begin());
    p->encodedMaps.push_back(EncodedMap{req, map});
  }
  static_assert(sizeof(CUtensorMap) == 128, "CUtensorMap is 128 bytes");
  std::memcpy(slot, &map, sizeof(map));
  return SMLA_SUCCESS;
}

/// Launches \p function on \p stream with the kernel's block and shared
/// memory from the manifest.
smla_status launchKernel(const pkg::Manifest &man, CUfunction function,
                         const std::string &entry, const uint32_t g[3],
                         CUstream stream, void **params) {
  const pkg::Kernel &k = man.kernel;
  CUresult r = cuLaunchKernel(
      function, g[0], g[1], g[2], static_cast<unsigned>(k.block[0]),
      static_cast<unsigned>(k.block[1]), static_cast<unsigned>(k.block[2]),
      static_cast<unsigned>(k.dynamicSharedMemory), stream, params, nullptr);
  if (r != CUDA_SUCCESS)
    return cudaFail(
        "cuLaunchKernel", r,
        pkg::format("kernel \"%s\", grid [%u, %u, %u], block [%" PRId64
                    ", %" PRId64 ", %" PRId64 "], %" PRId64
                    " bytes of dynamic shared memory",
                    entry.c_str(), g[0], g[1], g[2], k.block[0], k.block[1],
                    k.block[2], k.dynamicSharedMemory));
  return SMLA_SUCCESS;
}

/// The persistent kernel on \p grid (unless empty), then the split kernel
/// on \p splitCtas CTAs (if any), with the same parameters.
smla_status launchKernels(const pkg::Manifest &man, const ContextModule &cm,
                          const uint32_t grid[3], uint32_t splitCtas,
                          CUstream stream, void **params) {
  smla_status s = SMLA_SUCCESS;
  if (!pkg::gridIsEmpty(grid) &&
      (s = launchKernel(man, cm.function, man.kernel.entry, grid, stream,
                        params)) != SMLA_SUCCESS)
    return s;
  if (splitCtas > 0) {
    const uint32_t splitGrid[3] = {splitCtas, 1, 1};
    s = launchKernel(man, cm.splitFunction, man.kernel.splitEntry, splitGrid,
                     stream, params);
  }
  return s;
}

/// The split kernel's workspace for \p splitCtas CTAs.
size_t splitWorkspaceBytes(const pkg::Manifest &man, uint32_t splitCtas) {
  return size_t(splitCtas) * size_t(man.kernel.splitWorkspaceBytesPerCta);
}

PlanKey planKey(CUcontext context, double smScale, int32_t qStart,
                const smla_tensor *const given[kOperands]) {
  PlanKey key;
  std::memset(&key, 0, sizeof(key));
  key.context = context;
  key.smScale = smScale;
  key.qStart = qStart;
  for (int i = 0; i < kOperands; ++i) {
    const smla_tensor *t = given[i];
    if (!t)
      continue;
    key.present |= 1u << i;
    int64_t *l = key.layout[i];
    l[0] = t->dtype;
    l[1] = t->rank;
    for (int d = 0; d < 4; ++d) {
      l[2 + d] = t->sizes[d];
      l[6 + d] = t->strides[d];
    }
  }
  return key;
}

std::shared_ptr<const LaunchPlan> findPlan(smla_package *p,
                                           const PlanKey &key) {
  std::lock_guard<std::mutex> lock(p->planMutex);
  for (const auto &plan : p->plans)
    if (std::memcmp(&plan->key, &key, sizeof(key)) == 0)
      return plan;
  return nullptr;
}

int operandIndex(const std::string &name) {
  for (int i = 0; i < kOperands; ++i)
    if (name == kOperandNames[i])
      return i;
  return -1;
}

/// Keeps what a checked launch computed for its key (\p buffer holds its
/// pointers; a planned launch overwrites every pointer-dependent slot).
void recordPlan(smla_package *p, const PlanKey &key, const ContextModule &cm,
                const uint32_t grid[3], const pkg::SplitPlan &split,
                const pkg::ParamBuffer &buffer,
                const std::vector<pkg::TensorMapRequest> &maps,
                const pkg::TensorArg args[kOperands]) {
  const pkg::Manifest &man = p->package.manifest;
  if (buffer.sizeBytes() > kPlanMaxParamBytes ||
      buffer.slots().size() > kPlanMaxSlots)
    return;
  auto plan = std::make_shared<LaunchPlan>();
  plan->key = key;
  plan->module = cm;
  std::memcpy(plan->grid, grid, sizeof(plan->grid));
  plan->splitCtas = split.splitCtas();
  plan->workspaceBytes = splitWorkspaceBytes(man, plan->splitCtas);
  plan->params = buffer;
  const auto &slots = buffer.slots();
  for (int i = 0; i < kOperands; ++i) {
    plan->align[i] = 16; // Every operand (checkTensorBasics).
    bool nonEmpty = args[i].rank > 0;
    for (int d = 0; d < args[i].rank; ++d)
      nonEmpty = nonEmpty && args[i].sizes[d] != 0;
    plan->nonEmpty[i] = nonEmpty;
  }
  for (size_t i = 0; i < man.kernel.params.size(); ++i) {
    const pkg::Param &param = man.kernel.params[i];
    const size_t slot = pkg::slotIndexOfParam(man, i);
    if (param.kind == pkg::ParamKind::Workspace)
      plan->workspaceOffset = slots[slot].offset;
    if (param.kind != pkg::ParamKind::Memref)
      continue;
    const int op = operandIndex(param.name);
    if (op < 0)
      return; // Not an operand: never planned.
    plan->pointers.push_back({op, slots[slot].offset});     // allocated
    plan->pointers.push_back({op, slots[slot + 1].offset}); // aligned
    if (param.rowAlignment > 1)
      plan->align[op] = std::max<uint64_t>(
          plan->align[op], static_cast<uint64_t>(param.rowAlignment));
  }
  for (const pkg::TensorMapRequest &req : maps) {
    const int op = operandIndex(req.tensor);
    if (op < 0 || req.empty)
      return;
    plan->maps.push_back(
        {op,
         slots[pkg::slotIndexOfParam(man, static_cast<size_t>(req.param))]
             .offset,
         req});
  }
  std::lock_guard<std::mutex> lock(p->planMutex);
  if (p->plans.size() >= kPlanCache)
    p->plans.erase(p->plans.begin());
  p->plans.push_back(std::move(plan));
}

/// Launches through \p plan; false (and nothing done) when a data pointer
/// breaks a rule, so that the checked path reports it.
bool launchPlanned(smla_package *p, const LaunchPlan &plan,
                   const smla_tensor *const given[kOperands], CUstream stream,
                   uint32_t flags, smla_status &status) {
  const void *data[kOperands] = {};
  for (int i = 0; i < kOperands; ++i) {
    if (!given[i])
      continue;
    const uintptr_t a = static_cast<uintptr_t>(given[i]->data);
    if ((plan.nonEmpty[i] && a == 0) || a % plan.align[i] != 0)
      return false;
    data[i] = reinterpret_cast<const void *>(a);
  }
  for (int i = 0; i < kOperands && !(flags & SMLA_LAUNCH_TRUSTED_MEMORY); ++i) {
    pkg::TensorArg t;
    if (given[i] && toTensorArg(kOperandNames[i], given[i], t) == SMLA_SUCCESS &&
        (status = checkDeviceMemory(kOperandNames[i], t)) != SMLA_SUCCESS)
      return true;
  }
  alignas(128) unsigned char bytes[kPlanMaxParamBytes];
  void *params[kPlanMaxSlots];
  std::memcpy(bytes, plan.params.data(), plan.params.sizeBytes());
  const auto &slots = plan.params.slots();
  for (size_t i = 0; i < slots.size(); ++i)
    params[i] = bytes + slots[i].offset;
  for (const LaunchPlan::Patch &patch : plan.pointers) {
    const uint64_t ptr = reinterpret_cast<uintptr_t>(data[patch.operand]);
    std::memcpy(bytes + patch.offset, &ptr, sizeof(ptr));
  }
  for (const LaunchPlan::Map &m : plan.maps) {
    pkg::TensorMapRequest req = m.request;
    req.data = data[m.operand];
    if ((status = encodeTensorMap(p, req, bytes + m.offset)) != SMLA_SUCCESS)
      return true;
  }
  const pkg::Manifest &man = p->package.manifest;
  if (plan.splitCtas > 0) {
    CUdeviceptr workspace = 0;
    if ((status = getWorkspace(p, plan.module, stream, plan.workspaceBytes,
                               workspace)) != SMLA_SUCCESS)
      return true;
    if (plan.workspaceOffset != SIZE_MAX)
      std::memcpy(bytes + plan.workspaceOffset, &workspace, sizeof(workspace));
  }
  status = launchKernels(man, plan.module, plan.grid, plan.splitCtas, stream,
                         params);
  return true;
}

/// The checked launch: every rule, then the launch; records its plan.
smla_status launchChecked(smla_package *p,
                          const smla_tensor *const given[kOperands],
                          int32_t qStart, CUstream stream, double smScale,
                          uint32_t flags, const PlanKey *key) {
  const pkg::Manifest &man = p->package.manifest;

  // Host-side validation (no CUDA).
  pkg::TensorArg args[kOperands];
  pkg::LaunchArgs la;
  const pkg::TensorArg **slots[kOperands] = {
      &la.q,   &la.kv,        &la.indices,  &la.out,
      &la.lse, &la.maxLogits, &la.attnSink, &la.topkLength};
  for (int i = 0; i < kOperands; ++i) {
    if (!given[i])
      continue;
    smla_status s = toTensorArg(kOperandNames[i], given[i], args[i]);
    if (s != SMLA_SUCCESS)
      return s;
    *slots[i] = &args[i];
  }
  la.qStart = qStart;
  la.smScale = smScale;
  std::string err;
  pkg::LaunchShape shape;
  if (!pkg::validateLaunchArgs(man, la, shape, err))
    return fail(SMLA_ERROR_INVALID_ARGUMENT, err);
  uint32_t grid[3];
  if (!pkg::computeGrid(man, shape, grid, err))
    return fail(SMLA_ERROR_UNSUPPORTED, err);
  if (pkg::gridIsEmpty(grid))
    return SMLA_SUCCESS; // Nothing to compute.
  std::vector<pkg::TensorMapRequest> maps;
  if (!pkg::buildTensorMapRequests(man, la, maps, err))
    return fail(SMLA_ERROR_INVALID_ARGUMENT, err);

  // Device-side checks and the module.
  ContextModule cm;
  smla_status s = getModule(p, cm);
  if (s != SMLA_SUCCESS)
    return s;
  for (int i = 0; i < kOperands && !(flags & SMLA_LAUNCH_TRUSTED_MEMORY); ++i) {
    if (!*slots[i])
      continue;
    if ((s = checkDeviceMemory(kOperandNames[i], args[i])) != SMLA_SUCCESS)
      return s;
  }
  // A persistent kernel runs as many CTAs as the device holds at once.
  uint32_t tiles[3] = {grid[0], grid[1], grid[2]};
  if (!pkg::launchGrid(man, tiles, cm.smCount, grid, err))
    return fail(SMLA_ERROR_UNSUPPORTED, err);
  // With a split kernel: the tiles of the last partial wave go to it.
  pkg::SplitPlan plan;
  if (!man.kernel.splitEntry.empty()) {
    // launchGrid bounded the tile count by 2^31 - 1.
    const uint32_t total = tiles[0] * tiles[1] * tiles[2];
    plan = pkg::planSplit(man, total, cm.smCount, p->splitPolicy);
    uint32_t persistent[3] = {plan.persistentTiles, 1, 1};
    if (!pkg::launchGrid(man, persistent, cm.smCount, grid, err))
      return fail(SMLA_ERROR_UNSUPPORTED, err);
    CUdeviceptr workspace = 0;
    if (plan.splitCtas() > 0 &&
        (s = getWorkspace(p, cm, stream,
                          splitWorkspaceBytes(man, plan.splitCtas()),
                          workspace)) != SMLA_SUCCESS)
      return s;
    la.splitTiles = static_cast<int32_t>(plan.persistentTiles);
    la.splitParts = static_cast<int32_t>(plan.parts);
    la.workspace = workspace;
  }
  pkg::ParamBuffer buffer;
  if (!pkg::buildParamBuffer(man, la, buffer, err, /*slotNames=*/false))
    return fail(SMLA_ERROR_INVALID_ARGUMENT, err);

  for (const pkg::TensorMapRequest &req : maps) {
    void *slot = buffer.slotData(pkg::slotIndexOfParam(
        man, static_cast<size_t>(req.param)));
    if ((s = encodeTensorMap(p, req, slot)) != SMLA_SUCCESS)
      return s;
  }

  if ((s = launchKernels(man, cm, grid, plan.splitCtas(), stream,
                         buffer.kernelParams())) != SMLA_SUCCESS)
    return s;
  if (key && key->context == cm.context)
    recordPlan(p, *key, cm, grid, plan, buffer, maps, args);
  return SMLA_SUCCESS;
}

/// The operands of the launch functions without the optional ones.
smla_launch_operands operandsOf(const smla_tensor *q, const smla_tensor *kv,
                                const smla_tensor *indices, int32_t qStart,
                                const smla_tensor *out, const smla_tensor *lse,
                                const smla_tensor *maxLogits) {
  smla_launch_operands o;
  std::memset(&o, 0, sizeof(o));
  o.q = q;
  o.kv = kv;
  o.indices = indices;
  o.q_start = qStart;
  o.out = out;
  o.lse = lse;
  o.max_logits = maxLogits;
  return o;
}

smla_status launchImpl(smla_package *p, const smla_launch_operands &o,
                       CUstream stream, double smScale, uint32_t flags) {
  if (!p)
    return fail(SMLA_ERROR_INVALID_ARGUMENT, "package: null");
  const smla_tensor *const given[kOperands] = {
      o.q,   o.kv,         o.indices,   o.out,
      o.lse, o.max_logits, o.attn_sink, o.topk_length};
  const int32_t qStart = o.q_start;
  // The fast path: a layout launched before in this context.
  CUcontext context = nullptr;
  if (cuCtxGetCurrent(&context) != CUDA_SUCCESS || !context)
    return launchChecked(p, given, qStart, stream, smScale, flags, nullptr);
  const PlanKey key = planKey(context, smScale, qStart, given);
  if (std::shared_ptr<const LaunchPlan> plan = findPlan(p, key)) {
    smla_status s;
    if (launchPlanned(p, *plan, given, stream, flags, s))
      return s;
  }
  return launchChecked(p, given, qStart, stream, smScale, flags, &key);
}

} // namespace

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

const char *smla_status_string(smla_status status) {
  switch (status) {
  case SMLA_SUCCESS:
    return "SMLA_SUCCESS";
  case SMLA_ERROR_INVALID_ARGUMENT:
    return "SMLA_ERROR_INVALID_ARGUMENT";
  case SMLA_ERROR_IO:
    return "SMLA_ERROR_IO";
  case SMLA_ERROR_INVALID_PACKAGE:
    return "SMLA_ERROR_INVALID_PACKAGE";
  case SMLA_ERROR_CUDA:
    return "SMLA_ERROR_CUDA";
  case SMLA_ERROR_UNSUPPORTED:
    return "SMLA_ERROR_UNSUPPORTED";
  case SMLA_ERROR_INTERNAL:
    return "SMLA_ERROR_INTERNAL";
  }
  return "SMLA_ERROR_UNKNOWN";
}

const char *smla_last_error(void) { return tLastError.c_str(); }

smla_status smla_package_load_file(const char *path, smla_package **out) {
  return guarded([&]() -> smla_status {
    if (!out)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "out: null");
    *out = nullptr;
    if (!path)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "path: null");
    std::vector<uint8_t> bytes;
    std::string err;
    if (!pkg::readFileBytes(path, bytes, err))
      return fail(SMLA_ERROR_IO, err);
    pkg::Package package;
    if (!pkg::readPackage(bytes.data(), bytes.size(), package, err))
      return fail(SMLA_ERROR_INVALID_PACKAGE, std::string(path) + ": " + err);
    return finishLoad(std::move(package), out);
  });
}

smla_status smla_package_load_memory(const void *data, size_t size,
                                     smla_package **out) {
  return guarded([&]() -> smla_status {
    if (!out)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "out: null");
    *out = nullptr;
    if (!data && size)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "data: null");
    pkg::Package package;
    std::string err;
    if (!pkg::readPackage(static_cast<const uint8_t *>(data), size, package,
                          err))
      return fail(SMLA_ERROR_INVALID_PACKAGE, err);
    return finishLoad(std::move(package), out);
  });
}

void smla_package_destroy(smla_package *pkg) {
  if (!pkg)
    return;
  for (ContextModule &m : pkg->modules) {
    // Unload in the module's own context; a context destroyed (or a primary
    // context released) already took its modules with it.
    if (m.primary) {
      unsigned flags = 0;
      int active = 0;
      if (cuDevicePrimaryCtxGetState(m.device, &flags, &active) !=
              CUDA_SUCCESS ||
          !active)
        continue;
    }
    if (cuCtxPushCurrent(m.context) == CUDA_SUCCESS) {
      cuModuleUnload(m.module);
      for (const Workspace &w : pkg->workspaces)
        if (w.context == m.context)
          cuMemFree(w.ptr);
      CUcontext popped;
      cuCtxPopCurrent(&popped);
    }
  }
  delete pkg;
}

#define SMLA_ACCESSOR(type, name, expr, fallback)                              \
  type smla_package_##name(const smla_package *pkg) {                          \
    return pkg ? static_cast<type>(expr) : (fallback);                         \
  }

SMLA_ACCESSOR(const char *, entry,
              pkg->package.manifest.kernel.entry.c_str(), "")
SMLA_ACCESSOR(const char *, chip, pkg->package.manifest.chip.c_str(), "")
SMLA_ACCESSOR(const char *, schedule,
              pkg->package.manifest.op.schedule.c_str(), "")
SMLA_ACCESSOR(const char *, manifest_json, pkg->package.manifestJson.c_str(),
              "")
SMLA_ACCESSOR(uint32_t, dynamic_shared_memory,
              pkg->package.manifest.kernel.dynamicSharedMemory, 0)
SMLA_ACCESSOR(uint32_t, ctas_per_sm, pkg->package.manifest.kernel.ctasPerSm, 0)
SMLA_ACCESSOR(int64_t, H, pkg->package.manifest.op.H, 0)
SMLA_ACCESSOR(int64_t, G, pkg->package.manifest.op.G, 0)
SMLA_ACCESSOR(int64_t, Dqk, pkg->package.manifest.op.Dqk, 0)
SMLA_ACCESSOR(int64_t, Dv, pkg->package.manifest.op.Dv, 0)
SMLA_ACCESSOR(int64_t, topk, pkg->package.manifest.op.topk, 0)
SMLA_ACCESSOR(int64_t, B, pkg->package.manifest.op.B.value_or(-1), 0)
SMLA_ACCESSOR(int64_t, S, pkg->package.manifest.op.S.value_or(-1), 0)
SMLA_ACCESSOR(int64_t, Skv, pkg->package.manifest.op.Skv.value_or(-1), 0)
SMLA_ACCESSOR(int, causal, pkg->package.manifest.op.causal, 0)
SMLA_ACCESSOR(int64_t, kv_stride, pkg->package.manifest.op.kvStride, 0)
SMLA_ACCESSOR(float, sm_scale, pkg->package.manifest.op.smScale, 0.0f)
SMLA_ACCESSOR(int, has_max_logits, pkg->package.manifest.op.hasMaxLogits, 0)
SMLA_ACCESSOR(int, has_cubin,
              pkg->package.find(sparse_mla::pkg::kSectionCubin) != nullptr, 0)
SMLA_ACCESSOR(int, has_ptx,
              pkg->package.find(sparse_mla::pkg::kSectionPtx) != nullptr, 0)

#undef SMLA_ACCESSOR

void smla_package_block(const smla_package *pkg, uint32_t block[3]) {
  if (!block)
    return;
  for (int i = 0; i < 3; ++i)
    block[i] = pkg ? static_cast<uint32_t>(
                         pkg->package.manifest.kernel.block[i])
                   : 0;
}

smla_binary_kind smla_package_loaded_binary(const smla_package *pkg) {
  if (!pkg)
    return SMLA_BINARY_NONE;
  CUcontext ctx = nullptr;
  if (cuCtxGetCurrent(&ctx) != CUDA_SUCCESS || !ctx)
    return SMLA_BINARY_NONE;
  smla_package *p = const_cast<smla_package *>(pkg);
  std::lock_guard<std::mutex> lock(p->mutex);
  for (const ContextModule &m : p->modules)
    if (m.context == ctx)
      return m.kind;
  return SMLA_BINARY_NONE;
}

smla_status smla_package_prepare(smla_package *pkg, smla_binary_kind *kind) {
  return guarded([&]() -> smla_status {
    if (!pkg)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "package: null");
    ContextModule cm;
    smla_status s = getModule(pkg, cm);
    if (s != SMLA_SUCCESS)
      return s;
    if (kind)
      *kind = cm.kind;
    return SMLA_SUCCESS;
  });
}

smla_status smla_launch(smla_package *pkg, const smla_tensor *q,
                        const smla_tensor *kv, const smla_tensor *indices,
                        int32_t q_start, const smla_tensor *out,
                        const smla_tensor *lse, const smla_tensor *max_logits,
                        CUstream stream) {
  return guarded([&]() -> smla_status {
    return launchImpl(pkg, operandsOf(q, kv, indices, q_start, out, lse,
                                      max_logits),
                      stream, 0.0, 0);
  });
}

smla_status smla_launch_ex(smla_package *pkg, const smla_tensor *q,
                           const smla_tensor *kv, const smla_tensor *indices,
                           int32_t q_start, const smla_tensor *out,
                           const smla_tensor *lse,
                           const smla_tensor *max_logits, CUstream stream,
                           float sm_scale, uint32_t flags) {
  smla_launch_operands o =
      operandsOf(q, kv, indices, q_start, out, lse, max_logits);
  return smla_launch_with(pkg, &o, stream, sm_scale, flags);
}

smla_status smla_launch_with(smla_package *pkg,
                             const smla_launch_operands *operands,
                             CUstream stream, float sm_scale, uint32_t flags) {
  return guarded([&]() -> smla_status {
    if (flags & ~uint32_t(SMLA_LAUNCH_TRUSTED_MEMORY))
      return fail(SMLA_ERROR_INVALID_ARGUMENT,
                  pkg::format("flags: unknown bits 0x%x (known: "
                              "SMLA_LAUNCH_TRUSTED_MEMORY = 0x%x)",
                              flags & ~uint32_t(SMLA_LAUNCH_TRUSTED_MEMORY),
                              unsigned(SMLA_LAUNCH_TRUSTED_MEMORY)));
    if (!operands)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "operands: null");
    return launchImpl(pkg, *operands, stream, static_cast<double>(sm_scale),
                      flags);
  });
}

int smla_package_has_attn_sink(const smla_package *pkg) {
  return pkg && pkg::hasParam(pkg->package.manifest, "attn_sink") ? 1 : 0;
}

int smla_package_has_topk_length(const smla_package *pkg) {
  return pkg && pkg::hasParam(pkg->package.manifest, "topk_length") ? 1 : 0;
}

int smla_package_takes_scale(const smla_package *pkg) {
  return pkg && pkg::takesScaleAtLaunch(pkg->package.manifest) ? 1 : 0;
}

const char *smla_package_split_entry(const smla_package *pkg) {
  return pkg ? pkg->package.manifest.kernel.splitEntry.c_str() : "";
}

smla_status smla_package_set_split_policy(smla_package *pkg, int32_t max_parts,
                                          int32_t max_waves,
                                          int32_t min_rounds) {
  return guarded([&]() -> smla_status {
    if (!pkg)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "package: null");
    if (max_parts < 0 || max_waves < 0 || min_rounds < 0)
      return fail(SMLA_ERROR_INVALID_ARGUMENT,
                  pkg::format("split policy: max_parts %d, max_waves %d, "
                              "min_rounds %d; expected each >= 0",
                              max_parts, max_waves, min_rounds));
    pkg->splitPolicy = pkg::SplitPolicy{max_parts, max_waves, min_rounds};
    std::lock_guard<std::mutex> lock(pkg->planMutex);
    pkg->plans.clear(); // Their split grids followed the old policy.
    return SMLA_SUCCESS;
  });
}

smla_status smla_package_split_plan(const smla_package *pkg, int64_t B,
                                    int64_t S, int64_t Skv, int64_t sm_count,
                                    uint32_t plan[3]) {
  return guarded([&]() -> smla_status {
    if (!pkg || !plan)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "package or plan: null");
    if (sm_count < 1)
      return fail(SMLA_ERROR_INVALID_ARGUMENT,
                  pkg::format("sm_count: %" PRId64 ", expected >= 1",
                              sm_count));
    const pkg::Manifest &man = pkg->package.manifest;
    std::string err;
    uint32_t tiles[3], grid[3];
    pkg::LaunchShape shape{B, S, Skv};
    // launchGrid also bounds the tile count (2^31 - 1 for a persistent
    // kernel), as a launch does.
    if (!pkg::computeGrid(man, shape, tiles, err) ||
        !pkg::launchGrid(man, tiles, sm_count, grid, err))
      return fail(SMLA_ERROR_UNSUPPORTED, err);
    // planSplit gives every tile to the kernel without a split kernel.
    pkg::SplitPlan p = pkg::planSplit(
        man, static_cast<uint32_t>(uint64_t(tiles[0]) * tiles[1] * tiles[2]),
        sm_count, pkg->splitPolicy);
    plan[0] = p.persistentTiles;
    plan[1] = p.splitTiles;
    plan[2] = p.parts;
    return SMLA_SUCCESS;
  });
}

smla_status smla_package_grid(const smla_package *pkg, int64_t B, int64_t S,
                              int64_t Skv, uint32_t grid[3]) {
  return guarded([&]() -> smla_status {
    if (!pkg || !grid)
      return fail(SMLA_ERROR_INVALID_ARGUMENT, "package or grid: null");
    std::string err;
    pkg::LaunchShape shape{B, S, Skv};
    if (!pkg::computeGrid(pkg->package.manifest, shape, grid, err))
      return fail(SMLA_ERROR_UNSUPPORTED, err);
    return SMLA_SUCCESS;
  });
}

} // extern "C"
