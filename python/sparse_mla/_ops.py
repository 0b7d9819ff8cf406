"""The PyTorch side: ``torch.ops.sparse_mla.fwd`` / ``fwd_out`` (custom ops
with fake implementations, so ``torch.compile(fullgraph=True)`` traces
them), the eager launch path, and FlashMLA's ``flash_mla_sparse_fwd``."""
import ctypes
import math

import torch

from . import _fastpath, _runtime
from ._cache import registry
from ._package import SCHEDULES, KernelConfig
from ._validate import (check_inputs, check_optional, check_outputs,
                        check_pointers, check_scalars)

DEFAULT_DV = 512


def device_chip(device):
    """The compiler's chip for a CUDA device: sm_90a on Hopper (the seesaw
    schedule's target), sm_XY elsewhere."""
    major, minor = torch.cuda.get_device_capability(device)
    return "sm_%d%d%s" % (major, minor, "a" if (major, minor) == (9, 0) else "")


_chips = {}


def _chip(device):
    index = device.index if device.index is not None else torch.cuda.current_device()
    chip = _chips.get(index)
    if chip is None:
        chip = _chips[index] = device_chip(index)
    return chip, index


#: (device, H, Dqk, G, topk, Dv, causal, kv_stride, schedule, attn_sink,
#: topk_length[, sm_scale]) -> the loaded package: the launch path's lookup
#: without building a config (with sm_scale only for a package whose scale
#: is compiled in).
_packages = {}

_raw_stream = getattr(torch._C, "_cuda_getCurrentRawStream", None)


def _stream(index):
    if _raw_stream is not None:
        return _raw_stream(index)
    return torch.cuda.current_stream(index).cuda_stream


def _prepare(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
             Dv, rank=4, attn_sink=None, topk_length=None):
    """Validates the inputs (rank 3: FlashMLA's layout, no batch), the
    optional operands included, before the package lookup (which may
    compile); returns (package, (B, S, H), device index, the effective
    sm_scale). The package takes attn_sink / topk_length iff given."""
    B, S, H, Dqk, Skv, G, topk = check_inputs(q, kv, indices, rank)
    check_optional(q, attn_sink, topk_length, B, S, H, rank)
    scale = check_scalars(Dqk, q_start, sm_scale, causal, kv_stride, schedule,
                          SCHEDULES)
    index = q.device.index
    sink, length = attn_sink is not None, topk_length is not None
    # A package with this scale compiled in (older packages), else one that
    # takes the scale at launch (what the compiler builds).
    key = (index, H, Dqk, G, topk, Dv, causal, kv_stride, schedule, sink,
           length)
    pkg = _packages.get(key + (scale,)) or _packages.get(key)
    if pkg is None:
        chip, index = _chip(q.device)
        config = KernelConfig(H=H, G=G, Dqk=Dqk, Dv=Dv, topk=topk,
                              causal=causal, kv_stride=kv_stride,
                              sm_scale=scale, chip=chip, schedule=schedule,
                              attn_sink=sink, topk_length=length)
        pkg = registry.package(config)
        _packages[key if pkg.takes_scale else key + (scale,)] = pkg
    return pkg, (B, S, H), index, scale


def _packed(tensors):
    """The six smla_tensor structs of one layout with null data pointers:
    ``tensors`` are (dtype, sizes, strides) in launch order."""
    T = _runtime.TENSOR
    buf = bytearray(6 * T.size)
    for i, (dtype, sizes, strides) in enumerate(tensors):
        pad = (0,) * (4 - len(sizes))
        T.pack_into(buf, i * T.size, 0, dtype, len(sizes), *sizes, *pad,
                    *strides, *pad)
    return bytes(buf)


def _as_launched(shape, strides, unbatched):
    """(sizes, strides) as launched: FlashMLA's layout (no batch) as batch
    1."""
    if unbatched:
        return (1,) + shape, ((shape[0] * strides[0]) or 1,) + strides
    return shape, strides


def _layout(t, dtype, unbatched):
    return (dtype,) + _as_launched(tuple(t.shape), tuple(t.stride()),
                                   unbatched)


def _contiguous(shape):
    strides, n = [], 1
    for size in reversed(shape):
        strides.append(n)
        n *= max(size, 1)
    return tuple(reversed(strides))


class _Plan:
    """What one call layout needs after its checks passed once: the package,
    the device, the scale, the output shapes and the packed operand
    descriptors (``packed``, a ctypes buffer; data pointers patched in per
    call; ``layout`` is its address, for the C++ fast path)."""
    __slots__ = ("pkg", "index", "scale", "shapes", "packed", "layout")

    def __init__(self, pkg, index, scale, shapes, packed):
        self.pkg, self.index, self.scale = pkg, index, scale
        self.shapes = shapes
        self.packed = ctypes.create_string_buffer(packed, len(packed))
        self.layout = ctypes.addressof(self.packed)


#: call signature -> _Plan. A signature holds everything the checks look at
#: except the data pointers: shapes, strides, dtypes and devices of the
#: tensors and every scalar argument; a hit only checks the pointers.
_plans = {}
_MAX_PLANS = 1024


def _signature(q, kv, indices, q_start, sm_scale, causal, kv_stride,
               schedule, Dv, rank, outs):
    """The plan key of one call; None for operands that are not tensors."""
    try:
        sig = (q.shape, q.stride(), q.dtype, q.get_device(),
               kv.shape, kv.stride(), kv.dtype, kv.get_device(),
               indices.shape, indices.stride(), indices.dtype,
               indices.get_device(), q_start, type(q_start), sm_scale,
               causal, type(causal), kv_stride, type(kv_stride), schedule, Dv,
               rank)
        if outs is not None:
            for t in outs:
                sig += (t.shape, t.stride(), t.dtype, t.get_device())
        hash(sig)
    except (AttributeError, TypeError):
        return None
    return sig


def _new_plan(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
              Dv, rank, outs):
    """Checks every input (raising on the first bad one) and builds a plan."""
    pkg, (B, S, H), index, scale = _prepare(q, kv, indices, q_start, sm_scale,
                                            causal, kv_stride, schedule, Dv,
                                            rank)
    R, u = _runtime, rank == 3
    if outs is None:
        lead = (S, H) if u else (B, S, H)
        shapes = (lead + (Dv,), lead)
        out_layouts = [(R.DTYPE_BF16,) + _unbatch(shapes[0], u),
                       (R.DTYPE_F32,) + _unbatch(shapes[1], u),
                       (R.DTYPE_F32,) + _unbatch(shapes[1], u)]
    else:
        check_outputs(q, *outs, B, S, H, Dv)
        shapes = None
        out_layouts = [_layout(outs[0], R.DTYPE_BF16, False),
                       _layout(outs[1], R.DTYPE_F32, False),
                       _layout(outs[2], R.DTYPE_F32, False)]
    packed = _packed([_layout(q, R.DTYPE_BF16, u), _layout(kv, R.DTYPE_BF16, u),
                      _layout(indices, R.DTYPE_I32, u)] + out_layouts)
    return _Plan(pkg, index, scale, shapes, packed)


def _unbatch(shape, unbatched):
    """(sizes, strides) of a new contiguous output, as launched."""
    return _as_launched(shape, _contiguous(shape), unbatched)


def _plan(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, Dv,
          rank=4, outs=None):
    sig = _signature(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                     schedule, Dv, rank, outs)
    plan = _plans.get(sig) if sig is not None else None
    if plan is None:
        plan = _new_plan(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                         schedule, Dv, rank, outs)
        if sig is not None:
            if len(_plans) >= _MAX_PLANS:
                _plans.clear()
            _plans[sig] = plan
    return plan


def _failed(status):
    """The exception of a launch the runtime refused or failed."""
    e = _runtime.LaunchError(status, _runtime.last_error(status))
    if status == 1:  # SMLA_ERROR_INVALID_ARGUMENT
        return ValueError(str(e))
    return e


#: The C++ half of the launch path (_fast.cpp), when built; else None and
#: the launches go through ctypes.
_fast = _fastpath.load()
_launch_fn = None


def _fast_args(plan):
    global _launch_fn
    if _launch_fn is None:
        _launch_fn = _runtime.launch_ex_address()
    return _launch_fn, plan.pkg.handle, plan.layout


def _launch(plan, q, kv, indices, q_start, out, lse, max_logits):
    """Launches on the current stream of the operands' device."""
    if _fast is not None:
        fn, pkg, layout = _fast_args(plan)
        st = _fast.fwd_out(fn, pkg, layout, q, kv, indices, q_start,
                           plan.scale, _runtime.LAUNCH_TRUSTED_MEMORY, out,
                           lse, max_logits)
        if st:
            raise _failed(st)
        return
    ptrs = (q.data_ptr(), kv.data_ptr(), indices.data_ptr(), out.data_ptr(),
            lse.data_ptr(), max_logits.data_ptr())
    if (ptrs[0] | ptrs[1] | ptrs[2] | ptrs[3] | ptrs[4] | ptrs[5]) & 15:
        check_pointers(ptrs)  # A layout seen before, a pointer it cannot take.
    index = plan.index
    _on_device(index, plan.pkg.launch_packed, plan.packed, ptrs, q_start,
               _stream(index), plan.scale, _runtime.LAUNCH_TRUSTED_MEMORY)


def _on_device(index, launch, *args):
    """Runs ``launch(*args)`` (a runtime call returning its status) with
    device ``index`` current, as a DeviceGuard would, and puts the previous
    one back; raises on a failed status."""
    drv = _runtime.driver()
    restore = drv.make_current(index) if drv.current_device() != index \
        else None
    try:
        st = launch(*args)
        if st:
            raise _failed(st)
    finally:
        if restore is not None:
            drv.restore(restore)


def _alloc(q, B, S, H, Dv, out=None, lse=None, max_logits=None):
    """out, lse, max_logits: those given, the others new on q's device (one
    allocation each: a custom op's returns may not alias one another)."""
    return (q.new_empty((B, S, H, Dv)) if out is None else out,
            q.new_empty((B, S, H), dtype=torch.float32) if lse is None else lse,
            q.new_empty((B, S, H), dtype=torch.float32)
            if max_logits is None else max_logits)


_F32 = torch.float32


def _fwd_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
              Dv, rank=4):
    plan = _plan(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                 schedule, Dv, rank)
    out_shape, lse_shape = plan.shapes
    if _fast is not None:
        fn, pkg, layout = _fast_args(plan)
        st, out, lse, ml = _fast.fwd(fn, pkg, layout, q, kv, indices, q_start,
                                     plan.scale,
                                     _runtime.LAUNCH_TRUSTED_MEMORY,
                                     out_shape, lse_shape)
        if st:
            raise _failed(st)
        return out, lse, ml
    out = q.new_empty(out_shape)
    lse = q.new_empty(lse_shape, dtype=_F32)
    ml = q.new_empty(lse_shape, dtype=_F32)
    _launch(plan, q, kv, indices, q_start, out, lse, ml)
    return out, lse, ml


def _fwd_out_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                  schedule, out, lse, max_logits):
    Dv = out.shape[-1] if hasattr(out, "dim") and out.dim() == 4 else DEFAULT_DV
    plan = _plan(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                 schedule, Dv, outs=(out, lse, max_logits))
    _launch(plan, q, kv, indices, q_start, out, lse, max_logits)


def _fwd_ext_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                  schedule, Dv, attn_sink, topk_length, rank=4, outs=None):
    """A launch with attn_sink and/or topk_length (smla_launch_with): every
    operand checked on each call (no plan, no C++ half). ``outs``: (out,
    lse, max_logits) to write (rank 4), else new ones."""
    pkg, (B, S, H), index, scale = _prepare(
        q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, Dv,
        rank, attn_sink, topk_length)
    R, u = _runtime, rank == 3
    if outs is None:
        lead = (S, H) if u else (B, S, H)
        out = q.new_empty(lead + (Dv,))
        lse = q.new_empty(lead, dtype=_F32)
        ml = q.new_empty(lead, dtype=_F32)
    else:
        check_outputs(q, *outs, B, S, H, Dv)
        out, lse, ml = outs
    def desc(t, dtype, unbatched):
        return (t.data_ptr(),) + _layout(t, dtype, unbatched)
    tensors = [desc(q, R.DTYPE_BF16, u), desc(kv, R.DTYPE_BF16, u),
               desc(indices, R.DTYPE_I32, u),
               None if attn_sink is None else desc(attn_sink, R.DTYPE_F32,
                                                   False),
               None if topk_length is None else desc(topk_length,
                                                     R.DTYPE_I32, u),
               desc(out, R.DTYPE_BF16, u), desc(lse, R.DTYPE_F32, u),
               desc(ml, R.DTYPE_F32, u)]
    _on_device(index, pkg.launch_with, tensors, q_start, _stream(index),
               scale, _runtime.LAUNCH_TRUSTED_MEMORY)
    return out, lse, ml


# --- torch.library ---------------------------------------------------------
# Registered through torch.library.Library (a schema, a CUDA kernel and a
# fake kernel) rather than the custom_op decorator: the dispatcher then calls
# the kernel directly, without custom_op's per-call Python wrappers.

_LIB = torch.library.Library("sparse_mla", "DEF")
_LIB.define("fwd(Tensor q, Tensor kv, Tensor indices, int q_start, "
            "float sm_scale, bool causal, int kv_stride, str schedule, "
            "int d_v) -> (Tensor, Tensor, Tensor)")
_LIB.define("fwd_out(Tensor q, Tensor kv, Tensor indices, int q_start, "
            "float sm_scale, bool causal, int kv_stride, str schedule, "
            "Tensor(a!) out, Tensor(b!) lse, Tensor(c!) max_logits) -> ()")
_LIB.define("fwd_ext(Tensor q, Tensor kv, Tensor indices, int q_start, "
            "float sm_scale, bool causal, int kv_stride, str schedule, "
            "int d_v, Tensor? attn_sink, Tensor? topk_length) "
            "-> (Tensor, Tensor, Tensor)")


def _op_fwd(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
            d_v):
    return _fwd_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                     schedule, d_v)


def _op_fwd_out(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                schedule, out, lse, max_logits):
    _fwd_out_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                  schedule, out, lse, max_logits)


def _op_fwd_ext(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                schedule, d_v, attn_sink, topk_length):
    return _fwd_ext_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                         schedule, d_v, attn_sink, topk_length)


_LIB.impl("fwd", _op_fwd, "CUDA")
_LIB.impl("fwd_ext", _op_fwd_ext, "CUDA")
_LIB.impl("fwd_out", _op_fwd_out, "CUDA")


@torch.library.register_fake("sparse_mla::fwd", lib=_LIB)
def _(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, d_v):
    B, S, H = q.shape[0], q.shape[1], q.shape[2]
    return (q.new_empty((B, S, H, d_v)),
            q.new_empty((B, S, H), dtype=torch.float32),
            q.new_empty((B, S, H), dtype=torch.float32))


@torch.library.register_fake("sparse_mla::fwd_ext", lib=_LIB)
def _(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, d_v,
      attn_sink, topk_length):
    B, S, H = q.shape[0], q.shape[1], q.shape[2]
    return (q.new_empty((B, S, H, d_v)),
            q.new_empty((B, S, H), dtype=torch.float32),
            q.new_empty((B, S, H), dtype=torch.float32))


@torch.library.register_fake("sparse_mla::fwd_out", lib=_LIB)
def _(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, out,
      lse, max_logits):
    return None


def _compiling():
    return torch.compiler.is_compiling()


def fwd(q, kv, indices, q_start=0, *, sm_scale=None, causal=True,
        kv_stride=1, attn_sink=None, topk_length=None, out=None, lse=None,
        max_logits=None, schedule="default"):
    """Sparse MLA attention forward (docs/semantics.md).

    q [B, S, H, Dqk] bf16, kv [B, Skv, G, Dqk] bf16, indices [B, S, G, topk]
    int32 (an entry outside [0, Skv), or past the causal bound when
    ``causal``, is invalid: masked, never read). Returns ``(out [B, S, H, Dv]
    bf16, lse [B, S, H] f32, max_logits [B, S, H] f32)``, natural-log lse;
    a row with no valid entry gives out 0, lse +inf, max_logits -inf.
    ``out``/``lse``/``max_logits`` given: written in place (any strides) and
    returned. Dv is 512, or ``out``'s last dimension. ``attn_sink`` [H]
    float32 (out scaled by 1 / (1 + exp(attn_sink[h] - lse))) and
    ``topk_length`` [B, S] int32 (entry j of a row valid only if
    j < clamp(topk_length[b, s], 0, topk)): FlashMLA's optional operands,
    each needing a package that takes it. Runs on the current stream of the
    operands' device; capturable in a CUDA graph.
    """
    if attn_sink is not None or topk_length is not None:
        return _fwd_with_optional(q, kv, indices, q_start, sm_scale, causal,
                                  kv_stride, attn_sink, topk_length, out, lse,
                                  max_logits, schedule)
    if out is None and lse is None and max_logits is None:
        if _compiling():
            return torch.ops.sparse_mla.fwd(q, kv, indices, q_start,
                                            _scale_arg(sm_scale, q), causal,
                                            kv_stride, schedule, DEFAULT_DV)
        return _fwd_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                         schedule, DEFAULT_DV)
    # Some outputs given: the others are allocated, then all written.
    if not hasattr(q, "shape") or len(q.shape) != 4:
        check_inputs(q, kv, indices)  # Raises the error about q.
    B, S, H = q.shape[0], q.shape[1], q.shape[2]
    Dv = out.shape[-1] if hasattr(out, "dim") and out.dim() == 4 else DEFAULT_DV
    out, lse, max_logits = _alloc(q, B, S, H, Dv, out, lse, max_logits)
    if _compiling():
        torch.ops.sparse_mla.fwd_out(q, kv, indices, q_start,
                                     _scale_arg(sm_scale, q), causal, kv_stride,
                                     schedule, out, lse, max_logits)
    else:
        _fwd_out_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                      schedule, out, lse, max_logits)
    return out, lse, max_logits


def _fwd_with_optional(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                       attn_sink, topk_length, out, lse, max_logits,
                       schedule):
    """fwd() with attn_sink and/or topk_length."""
    given = (out, lse, max_logits)
    Dv = out.shape[-1] if hasattr(out, "dim") and out.dim() == 4 else DEFAULT_DV
    if _compiling():
        res = torch.ops.sparse_mla.fwd_ext(q, kv, indices, q_start,
                                           _scale_arg(sm_scale, q), causal,
                                           kv_stride, schedule, Dv, attn_sink,
                                           topk_length)
        if all(t is None for t in given):
            return res
        # Outputs given: the new ones copied into them.
        return tuple(r if t is None else t.copy_(r)
                     for r, t in zip(res, given))
    if all(t is None for t in given):
        return _fwd_ext_impl(q, kv, indices, q_start, sm_scale, causal,
                             kv_stride, schedule, Dv, attn_sink, topk_length)
    if not hasattr(q, "shape") or len(q.shape) != 4:
        check_inputs(q, kv, indices)  # Raises the error about q.
    B, S, H = q.shape[0], q.shape[1], q.shape[2]
    outs = _alloc(q, B, S, H, Dv, out, lse, max_logits)
    return _fwd_ext_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                         schedule, Dv, attn_sink, topk_length, outs=outs)


def _scale_arg(sm_scale, q):
    """The ops' sm_scale argument: the given scale, else 1/sqrt(Dqk)."""
    return 1.0 / math.sqrt(q.shape[-1]) if sm_scale is None else float(sm_scale)


def flash_mla_sparse_fwd(q, kv, indices, sm_scale, d_v=512, attn_sink=None,
                         topk_length=None):
    """FlashMLA's ``flash_mla_sparse_fwd``: q [s_q, h_q, d_qk], kv [s_kv,
    h_kv, d_qk], indices [s_q, h_kv, topk] int32 (``< 0`` or ``>= s_kv``:
    invalid); returns ``(out [s_q, h_q, d_v], max_logits [s_q, h_q],
    lse [s_q, h_q])``, natural-log lse. No causal rule: the indices alone
    say which rows are attended. ``attn_sink`` [h_q] float32,
    ``topk_length`` [s_q] int32: FlashMLA's optional operands."""
    for name, t in (("q", q), ("kv", kv), ("indices", indices)):
        if not hasattr(t, "dim"):
            raise TypeError("%s: expected a torch.Tensor, got %s"
                            % (name, type(t).__name__))
        if t.dim() != 3:
            raise ValueError("%s: expected rank 3 (FlashMLA's layout, no "
                             "batch), got shape %s" % (name, list(t.shape)))
    if isinstance(d_v, bool) or not isinstance(d_v, int) or d_v < 1:
        raise ValueError("d_v: expected an int >= 1, got %r" % (d_v,))
    if attn_sink is not None or topk_length is not None:
        if _compiling():
            length = None if topk_length is None else topk_length.unsqueeze(0)
            out, lse, ml = torch.ops.sparse_mla.fwd_ext(
                q.unsqueeze(0), kv.unsqueeze(0), indices.unsqueeze(0), 0,
                _scale_arg(sm_scale, q), False, 1, "default", d_v, attn_sink,
                length)
            return out[0], ml[0], lse[0]
        out, lse, ml = _fwd_ext_impl(q, kv, indices, 0, sm_scale, False, 1,
                                     "default", d_v, attn_sink, topk_length,
                                     rank=3)
        return out, ml, lse
    if _compiling():
        out, lse, ml = torch.ops.sparse_mla.fwd(
            q.unsqueeze(0), kv.unsqueeze(0), indices.unsqueeze(0), 0,
            _scale_arg(sm_scale, q), False, 1, "default", d_v)
        return out[0], ml[0], lse[0]
    # Eager: the 3-d tensors are launched as batch 1 without views.
    out, lse, ml = _fwd_impl(q, kv, indices, 0, sm_scale, False, 1, "default",
                             d_v, rank=3)
    return out, ml, lse
