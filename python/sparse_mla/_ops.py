"""The PyTorch side: ``torch.ops.sparse_mla.fwd`` / ``fwd_out`` (custom ops
with fake implementations, so ``torch.compile(fullgraph=True)`` traces
them), the eager launch path, and FlashMLA's ``flash_mla_sparse_fwd``."""
import math
from typing import Optional, Tuple

import torch

from . import _runtime
from ._cache import registry
from ._package import SCHEDULES, KernelConfig
from ._validate import check_inputs, check_outputs, check_scalars

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


def _not_yet(attn_sink, topk_length):
    for name, v in (("attn_sink", attn_sink), ("topk_length", topk_length)):
        if v is not None:
            raise NotImplementedError(
                "%s: not implemented yet (the kernel has no %s operand; "
                "docs/semantics.md says what it will compute)" % (name, name))


#: (device, H, Dqk, G, topk, Dv, causal, kv_stride, schedule[, sm_scale])
#: -> the loaded package: the launch path's lookup without building a config
#: (with sm_scale only for a package whose scale is compiled in).
_packages = {}

_raw_stream = getattr(torch._C, "_cuda_getCurrentRawStream", None)


def _stream(index):
    if _raw_stream is not None:
        return _raw_stream(index)
    return torch.cuda.current_stream(index).cuda_stream


def _prepare(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
             Dv, rank=4):
    """Validates the inputs (rank 3: FlashMLA's layout, no batch); returns
    (package, (B, S, H), device index, the effective sm_scale)."""
    B, S, H, Dqk, Skv, G, topk = check_inputs(q, kv, indices, rank)
    scale = check_scalars(Dqk, q_start, sm_scale, causal, kv_stride, schedule,
                          SCHEDULES)
    index = q.device.index
    # A package with this scale compiled in (older packages), else one that
    # takes the scale at launch (what the compiler builds).
    key = (index, H, Dqk, G, topk, Dv, causal, kv_stride, schedule)
    pkg = _packages.get(key + (scale,)) or _packages.get(key)
    if pkg is None:
        if Dqk == Dv:
            raise NotImplementedError("Dqk == Dv == %d (K = V, the whole row): "
                                      "not implemented yet" % Dqk)
        chip, index = _chip(q.device)
        config = KernelConfig(H=H, G=G, Dqk=Dqk, Dv=Dv, topk=topk,
                              causal=causal, kv_stride=kv_stride,
                              sm_scale=scale, chip=chip, schedule=schedule)
        pkg = registry.package(config)
        _packages[key if pkg.takes_scale else key + (scale,)] = pkg
    return pkg, (B, S, H), index, scale


def _t(t, dtype, unbatched=False):
    shape, strides = t.shape, t.stride()
    if unbatched:  # FlashMLA's layout: launched as batch 1.
        return (t.data_ptr(), dtype, (1,) + tuple(shape),
                (shape[0] * strides[0] or 1,) + tuple(strides))
    return (t.data_ptr(), dtype, shape, strides)


def _launch(pkg, index, q, kv, indices, q_start, out, lse, max_logits,
            sm_scale, unbatched=False):
    """Launches on the current stream of the operands' device."""
    drv = _runtime.driver()
    _, dev = drv.current()
    # The operands' device, as a DeviceGuard would; put back afterwards.
    restore = drv.make_current(index) if dev != index else None
    try:
        R = _runtime
        u = unbatched
        pkg.launch((_t(q, R.DTYPE_BF16, u), _t(kv, R.DTYPE_BF16, u),
                    _t(indices, R.DTYPE_I32, u), _t(out, R.DTYPE_BF16, u),
                    _t(lse, R.DTYPE_F32, u), _t(max_logits, R.DTYPE_F32, u)),
                   q_start, _stream(index), sm_scale, R.LAUNCH_TRUSTED_MEMORY)
    except _runtime.LaunchError as e:
        if e.status == 1:  # SMLA_ERROR_INVALID_ARGUMENT
            raise ValueError(str(e)) from None
        raise
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


def _fwd_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule,
              Dv, rank=4):
    pkg, (B, S, H), index, scale = _prepare(q, kv, indices, q_start, sm_scale,
                                            causal, kv_stride, schedule, Dv,
                                            rank)
    if rank == 3:
        out = q.new_empty((S, H, Dv))
        lse = q.new_empty((S, H), dtype=torch.float32)
        ml = q.new_empty((S, H), dtype=torch.float32)
    else:
        out, lse, ml = _alloc(q, B, S, H, Dv)
    _launch(pkg, index, q, kv, indices, q_start, out, lse, ml, scale,
            unbatched=(rank == 3))
    return out, lse, ml


def _fwd_out_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                  schedule, out, lse, max_logits):
    Dv = out.shape[-1] if hasattr(out, "dim") and out.dim() == 4 else DEFAULT_DV
    pkg, (B, S, H), index, scale = _prepare(q, kv, indices, q_start, sm_scale,
                                            causal, kv_stride, schedule, Dv)
    check_outputs(q, out, lse, max_logits, B, S, H, Dv)
    _launch(pkg, index, q, kv, indices, q_start, out, lse, max_logits, scale)


# --- torch.library ---------------------------------------------------------

@torch.library.custom_op("sparse_mla::fwd", mutates_args=(), device_types="cuda")
def _op_fwd(q: torch.Tensor, kv: torch.Tensor, indices: torch.Tensor,
            q_start: int, sm_scale: float, causal: bool, kv_stride: int,
            schedule: str, d_v: int) -> Tuple[torch.Tensor, torch.Tensor,
                                              torch.Tensor]:
    return _fwd_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                     schedule, d_v)


@_op_fwd.register_fake
def _(q, kv, indices, q_start, sm_scale, causal, kv_stride, schedule, d_v):
    B, S, H = q.shape[0], q.shape[1], q.shape[2]
    return (q.new_empty((B, S, H, d_v)),
            q.new_empty((B, S, H), dtype=torch.float32),
            q.new_empty((B, S, H), dtype=torch.float32))


@torch.library.custom_op("sparse_mla::fwd_out",
                         mutates_args=("out", "lse", "max_logits"),
                         device_types="cuda")
def _op_fwd_out(q: torch.Tensor, kv: torch.Tensor, indices: torch.Tensor,
                q_start: int, sm_scale: float, causal: bool, kv_stride: int,
                schedule: str, out: torch.Tensor, lse: torch.Tensor,
                max_logits: torch.Tensor) -> None:
    _fwd_out_impl(q, kv, indices, q_start, sm_scale, causal, kv_stride,
                  schedule, out, lse, max_logits)


@_op_fwd_out.register_fake
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
    returned. Dv is 512, or ``out``'s last dimension. Runs on the current
    stream of the operands' device; capturable in a CUDA graph.
    """
    _not_yet(attn_sink, topk_length)
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


def _scale_arg(sm_scale, q):
    """The ops' sm_scale argument: the given scale, else 1/sqrt(Dqk)."""
    return 1.0 / math.sqrt(q.shape[-1]) if sm_scale is None else float(sm_scale)


def flash_mla_sparse_fwd(q, kv, indices, sm_scale, d_v=512, attn_sink=None,
                         topk_length=None):
    """FlashMLA's ``flash_mla_sparse_fwd``: q [s_q, h_q, d_qk], kv [s_kv,
    h_kv, d_qk], indices [s_q, h_kv, topk] int32 (``< 0`` or ``>= s_kv``:
    invalid); returns ``(out [s_q, h_q, d_v], max_logits [s_q, h_q],
    lse [s_q, h_q])``, natural-log lse. No causal rule: the indices alone
    say which rows are attended."""
    _not_yet(attn_sink, topk_length)
    for name, t in (("q", q), ("kv", kv), ("indices", indices)):
        if not hasattr(t, "dim"):
            raise TypeError("%s: expected a torch.Tensor, got %s"
                            % (name, type(t).__name__))
        if t.dim() != 3:
            raise ValueError("%s: expected rank 3 (FlashMLA's layout, no "
                             "batch), got shape %s" % (name, list(t.shape)))
    if isinstance(d_v, bool) or not isinstance(d_v, int) or d_v < 1:
        raise ValueError("d_v: expected an int >= 1, got %r" % (d_v,))
    if _compiling():
        out, lse, ml = torch.ops.sparse_mla.fwd(
            q.unsqueeze(0), kv.unsqueeze(0), indices.unsqueeze(0), 0,
            _scale_arg(sm_scale, q), False, 1, "default", d_v)
        return out[0], ml[0], lse[0]
    # Eager: the 3-d tensors are launched as batch 1 without views.
    out, lse, ml = _fwd_impl(q, kv, indices, 0, sm_scale, False, 1, "default",
                             d_v, rank=3)
    return out, ml, lse
