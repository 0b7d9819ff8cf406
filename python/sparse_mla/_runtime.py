"""ctypes bindings of the C runtime (runtime/include/sparse_mla/runtime.h):
``libsparse_mla_runtime.so`` loads and launches kernel packages through the
CUDA driver API. It opens libcuda itself on first use, so importing this
module works on a machine without a GPU."""
import ctypes
import ctypes.util
import os
import struct
import threading

SUCCESS = 0
#: smla_launch_ex: the caller vouches that the tensors lie in device memory
#: (torch checks a view's bounds against its storage), so the runtime skips
#: its per-tensor cuPointerGetAttributes query.
LAUNCH_TRUSTED_MEMORY = 1
DTYPE_BF16, DTYPE_F32, DTYPE_I32 = 1, 2, 3
BINARY_NAMES = {0: "none", 1: "cubin", 2: "ptx"}

_LIB_NAME = "libsparse_mla_runtime.so"
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))

#: struct smla_tensor: data, dtype, rank, sizes[4], strides[4] (80 bytes).
TENSOR = struct.Struct("<Qii4q4q")


class RuntimeNotFound(RuntimeError):
    """libsparse_mla_runtime.so could not be found or loaded."""


class LaunchError(RuntimeError):
    """The runtime refused or failed a call; the message is its own."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def candidate_paths():
    """Where the runtime library is looked for, in order."""
    paths = []
    env = os.environ.get("SPARSE_MLA_RUNTIME_LIB")
    if env:
        paths.append(env)
    paths.append(os.path.join(_HERE, "_lib", _LIB_NAME))
    # An editable install inside the source tree: the runtime's build dirs.
    for rel in ("runtime-build", os.path.join("build", "runtime")):
        paths.append(os.path.join(_ROOT, rel, _LIB_NAME))
    return paths


_lib = None
_lib_lock = threading.Lock()


def library():
    """The loaded runtime library (loaded once)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        tried = []
        for path in candidate_paths():
            if os.path.exists(path):
                try:
                    _lib = _bind(ctypes.CDLL(path))
                    _lib.path = path
                    return _lib
                except OSError as e:
                    tried.append("%s (%s)" % (path, e))
            else:
                tried.append(path + " (absent)")
        found = ctypes.util.find_library("sparse_mla_runtime")
        if found:
            _lib = _bind(ctypes.CDLL(found))
            _lib.path = found
            return _lib
        raise RuntimeNotFound(
            "libsparse_mla_runtime.so not found; tried: %s. Reinstall the "
            "package where a CUDA toolkit and CMake are (pip install ./python "
            "builds it), or set SPARSE_MLA_RUNTIME_LIB to a built one "
            "(cmake -S runtime -B runtime-build && cmake --build runtime-build)"
            % "; ".join(tried))


def _bind(lib):
    vp, i32, cstr = ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p
    sig = {
        "smla_status_string": (cstr, [ctypes.c_int]),
        "smla_last_error": (cstr, []),
        "smla_package_load_file": (ctypes.c_int, [cstr, ctypes.POINTER(vp)]),
        "smla_package_destroy": (None, [vp]),
        "smla_package_manifest_json": (cstr, [vp]),
        "smla_package_prepare": (ctypes.c_int, [vp, ctypes.POINTER(ctypes.c_int)]),
        "smla_package_loaded_binary": (ctypes.c_int, [vp]),
        "smla_launch": (ctypes.c_int, [vp, vp, vp, vp, i32, vp, vp, vp, vp]),
        "smla_launch_ex": (ctypes.c_int, [vp, vp, vp, vp, i32, vp, vp, vp, vp,
                                          ctypes.c_float, ctypes.c_uint32]),
        "smla_package_takes_scale": (ctypes.c_int, [vp]),
        "smla_launch_with": (ctypes.c_int, [vp, vp, vp, ctypes.c_float,
                                            ctypes.c_uint32]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def launch_ex_address():
    """The address of smla_launch_ex (for the C++ fast path)."""
    return ctypes.cast(library().smla_launch_ex, ctypes.c_void_p).value


def last_error(status):
    lib = library()
    return "%s: %s" % (lib.smla_status_string(status).decode(),
                       lib.smla_last_error().decode())


class Package:
    """One loaded package (``smla_package``). Kept for the life of the
    process: the runtime unloads a package's modules only when it is
    destroyed, which must happen before the CUDA contexts go."""

    def __init__(self, path):
        lib = library()
        handle = ctypes.c_void_p()
        st = lib.smla_package_load_file(os.fsencode(path), ctypes.byref(handle))
        if st != SUCCESS:
            raise LaunchError(st, last_error(st))
        self.path = path
        self.handle = handle.value
        #: Whether the kernel takes its scale at launch (else only its own).
        self.takes_scale = bool(lib.smla_package_takes_scale(self.handle))
        self._launch = lib.smla_launch_ex

    def prepare(self):
        """Loads the module in the current context; returns "cubin"/"ptx"."""
        kind = ctypes.c_int()
        st = library().smla_package_prepare(self.handle, ctypes.byref(kind))
        if st != SUCCESS:
            raise LaunchError(st, last_error(st))
        return BINARY_NAMES.get(kind.value, str(kind.value))

    def loaded_binary(self):
        return BINARY_NAMES.get(
            library().smla_package_loaded_binary(self.handle), "?")

    def launch(self, tensors, q_start, stream, sm_scale=0.0, flags=0):
        """``tensors``: six ``(data, dtype, sizes, strides)`` or None, in
        the order q, kv, indices, out, lse, max_logits; ``sm_scale``: the
        launch's (0: the package's); ``flags``: LAUNCH_TRUSTED_MEMORY or 0."""
        buf, addrs = _launch_words()
        _tls.layout = None  # Its contents are this call's, not a plan's.
        ptrs = _pack_tensors(buf, addrs, tensors)
        st = self._launch(self.handle, ptrs[0], ptrs[1], ptrs[2], q_start,
                          ptrs[3], ptrs[4], ptrs[5], stream, sm_scale, flags)
        if st != SUCCESS:
            raise LaunchError(st, last_error(st))

    def launch_packed(self, layout, data, q_start, stream, sm_scale, flags):
        """The launch path's call: ``layout``, the six smla_tensor structs
        with null data pointers (a ctypes buffer of 6 x 80 bytes), ``data``
        their six data pointers; the other arguments as in launch().
        Returns the status (0: launched)."""
        words, a = _launch_words()
        if _tls.layout is not layout:
            ctypes.memmove(a[0], layout, len(layout))
            _tls.layout = layout
        words[0], words[_WORDS], words[2 * _WORDS] = data[0], data[1], data[2]
        words[3 * _WORDS], words[4 * _WORDS], words[5 * _WORDS] = \
            data[3], data[4], data[5]
        return self._launch(self.handle, a[0], a[1], a[2], q_start, a[3],
                            a[4], a[5], stream, sm_scale, flags)

    def launch_with(self, tensors, q_start, stream, sm_scale=0.0, flags=0):
        """smla_launch_with: ``tensors``, eight ``(data, dtype, sizes,
        strides)`` or None, in the order q, kv, indices, attn_sink,
        topk_length, out, lse, max_logits; returns the status (0:
        launched)."""
        buf = ctypes.create_string_buffer(8 * TENSOR.size)
        base = ctypes.addressof(buf)
        ptrs = [p or 0 for p in _pack_tensors(
            buf, [base + i * TENSOR.size for i in range(8)], tensors)]
        # struct smla_launch_operands: q, kv, indices (pointers), q_start
        # (i32, padded to 8), attn_sink, topk_length, out, lse, max_logits.
        ops = struct.pack("<QQQi4xQQQQQ", ptrs[0], ptrs[1], ptrs[2], q_start,
                          ptrs[3], ptrs[4], ptrs[5], ptrs[6], ptrs[7])
        ops_buf = ctypes.create_string_buffer(ops, len(ops))
        return library().smla_launch_with(self.handle, ctypes.addressof(ops_buf),
                                          stream, sm_scale, flags)


def _pack_tensors(buf, addrs, tensors):
    """Packs each ``(data, dtype, sizes, strides)`` of ``tensors`` as an
    smla_tensor at ``buf``'s slot of the same index; returns each slot's
    address (``addrs[i]``), None for an absent tensor."""
    ptrs = []
    for i, t in enumerate(tensors):
        if t is None:
            ptrs.append(None)
            continue
        data, dtype, sizes, strides = t
        pad = (0,) * (4 - len(sizes))
        TENSOR.pack_into(buf, i * TENSOR.size, data, dtype, len(sizes),
                         *sizes, *pad, *strides, *pad)
        ptrs.append(addrs[i])
    return ptrs


_tls = threading.local()
_WORDS = TENSOR.size // 8


def _launch_words():
    """This thread's six smla_tensor structs, as 64-bit words, and their
    addresses; ``_tls.layout`` is the plan layout they hold (None: another
    call's)."""
    try:
        return _tls.words, _tls.addrs
    except AttributeError:
        words = (ctypes.c_uint64 * (6 * _WORDS))()
        base = ctypes.addressof(words)
        _tls.words, _tls.addrs = words, [base + i * TENSOR.size
                                         for i in range(6)]
        _tls.layout = None
        return _tls.words, _tls.addrs


class Driver:
    """The few CUDA driver calls the launch path needs to make the right
    context current (as cudaSetDevice does), through libcuda directly."""

    def __init__(self):
        self.lib = ctypes.CDLL("libcuda.so.1")
        vp, ci = ctypes.c_void_p, ctypes.c_int
        for name, args in (("cuCtxGetCurrent", [ctypes.POINTER(vp)]),
                           ("cuCtxSetCurrent", [vp]),
                           ("cuCtxGetDevice", [ctypes.POINTER(ci)]),
                           ("cuDeviceGet", [ctypes.POINTER(ci), ci]),
                           ("cuDevicePrimaryCtxRetain",
                            [ctypes.POINTER(vp), ci])):
            fn = getattr(self.lib, name)
            fn.restype, fn.argtypes = ci, args
        self.primary = {}
        self._get_device = self.lib.cuCtxGetDevice

    def current_device(self):
        """The device ordinal of the current context, or -1 without one."""
        try:
            dev, ref = _tls.dev, _tls.dev_ref
        except AttributeError:
            dev = _tls.dev = ctypes.c_int()
            ref = _tls.dev_ref = ctypes.byref(dev)
        if self._get_device(ref) != 0:
            return -1
        return dev.value

    def make_current(self, ordinal):
        """Makes the primary context of ``ordinal`` current; returns the
        context that was current before (to restore), or None."""
        ctx = self.primary.get(ordinal)
        if ctx is None:
            dev, handle = ctypes.c_int(), ctypes.c_void_p()
            r = self.lib.cuDeviceGet(ctypes.byref(dev), ordinal)
            if r == 0:
                r = self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(handle),
                                                      dev.value)
            if r != 0:
                raise LaunchError(4, "cuDevicePrimaryCtxRetain(device %d) "
                                     "failed: CUresult %d" % (ordinal, r))
            ctx = self.primary[ordinal] = handle.value
        current = ctypes.c_void_p()
        before = current.value if self.lib.cuCtxGetCurrent(
            ctypes.byref(current)) == 0 else None
        r = self.lib.cuCtxSetCurrent(ctx)
        if r != 0:
            raise LaunchError(4, "cuCtxSetCurrent failed: CUresult %d" % r)
        return before

    def restore(self, ctx):
        self.lib.cuCtxSetCurrent(ctx)


_driver = None


def driver():
    global _driver
    if _driver is None:
        _driver = Driver()
    return _driver
