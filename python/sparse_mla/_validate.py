"""Checks of the operands of one call, before any launch. Works on anything
shaped like a torch.Tensor (dtype, shape, stride(), device, data_ptr()), so
the rules are tested without torch. Each failure names the operand, what was
expected and what came."""
import math

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
_ELEM_BYTES = {"torch.bfloat16": 2, "torch.float32": 4, "torch.int32": 4}
#: The kernel's rows are copied in 16-byte pieces (cp.async, TMA): data
#: pointers and outer strides in bytes must be multiples of it.
ROW_ALIGNMENT = 16


def _where(t):
    d = t.device
    return "%s:%s" % (d.type, d.index) if d.index is not None else d.type


def check_tensor(name, t, dtype, rank, aligned_rows=False, expected=None):
    """(shape, strides) of ``t`` after the checks of one operand; with
    ``expected`` (sizes with names, as for check_shape) a rank that differs
    names the whole expected shape."""
    try:
        shape, strides, dt, ptr = t.shape, t.stride(), t.dtype, t.data_ptr()
        is_cuda = t.device.type == "cuda"
    except (AttributeError, TypeError):
        raise TypeError("%s: expected a torch.Tensor, got %s"
                        % (name, type(t).__name__)) from None
    if str(dt) != dtype:
        raise TypeError("%s: expected dtype %s, got %s" % (name, dtype, dt))
    if not is_cuda:
        raise ValueError("%s: expected a CUDA tensor, got one on %s"
                         % (name, _where(t)))
    if len(shape) != rank:
        if expected is not None:
            check_shape(name, t, expected)
        raise ValueError("%s: expected rank %d, got shape %s (rank %d)"
                         % (name, rank, list(shape), len(shape)))
    if 0 in shape:
        return shape, strides  # Empty: nothing is read or written.
    if strides[-1] != 1 and shape[-1] != 1:
        raise ValueError("%s: the last dimension must be contiguous (stride 1), "
                         "got strides %s" % (name, list(strides)))
    if ptr % ROW_ALIGNMENT:
        _misaligned(name, ptr)
    esize = _ELEM_BYTES[dtype]
    for i in range(rank - 1):
        st = strides[i]
        if st <= 0 and shape[i] > 1:
            raise ValueError("%s: stride %d of dimension %d must be > 0 (a "
                             "broadcast or expanded view cannot be passed; "
                             "use .contiguous()), got strides %s"
                             % (name, st, i, list(strides)))
        if aligned_rows and (st * esize) % ROW_ALIGNMENT and shape[i] > 1:
            raise ValueError(
                "%s: stride %d of dimension %d is %d bytes, not a multiple "
                "of %d (rows are copied in %d-byte pieces); got strides %s"
                % (name, st, i, st * esize, ROW_ALIGNMENT, ROW_ALIGNMENT,
                   list(strides)))
    return shape, strides


def _misaligned(name, ptr):
    raise ValueError("%s: data pointer 0x%x is not %d-byte aligned (a "
                     "view starting mid-row? use .contiguous())"
                     % (name, ptr, ROW_ALIGNMENT))


OPERANDS = ("q", "kv", "indices", "out", "lse", "max_logits")


def check_pointers(ptrs):
    """The data pointers of the six operands, in launch order, of a call
    whose layout passed every other check before."""
    for name, ptr in zip(OPERANDS, ptrs):
        if ptr % ROW_ALIGNMENT:
            _misaligned(name, ptr)


def check_shape(name, t, expected):
    """``expected``: sizes with names, e.g. [("B", 2), ("S", 7), ...]."""
    got = tuple(t.shape)
    want = tuple(v for _, v in expected)
    if got != want:
        desc = ", ".join("%s=%d" % (n, v) for n, v in expected)
        raise ValueError("%s: expected shape %s (%s), got %s"
                         % (name, list(want), desc, list(got)))


def check_inputs(q, kv, indices, rank=4):
    """(B, S, H, Dqk, Skv, G, topk) of q [B,S,H,Dqk], kv [B,Skv,G,Dqk],
    indices [B,S,G,topk]; with rank 3, the same without B (B = 1)."""
    q_shape = check_tensor("q", q, "torch.bfloat16", rank, aligned_rows=True)[0]
    kv_shape = check_tensor("kv", kv, "torch.bfloat16", rank,
                            aligned_rows=True)[0]
    idx_shape = check_tensor("indices", indices, "torch.int32", rank)[0]
    if rank == 3:
        q_shape, kv_shape, idx_shape = ((1,) + tuple(q_shape),
                                        (1,) + tuple(kv_shape),
                                        (1,) + tuple(idx_shape))
    B, S, H, Dqk = q_shape
    Skv, G = kv_shape[1], kv_shape[2]
    if kv_shape[0] != B or kv_shape[3] != Dqk:
        check_shape("kv", kv, [("B", B), ("Skv", Skv), ("G", G),
                               ("Dqk", Dqk)][4 - rank:])
    if G < 1 or H % G:
        raise ValueError("kv: its %d kv groups (dimension 2) must divide the "
                         "%d heads of q" % (G, H))
    topk = idx_shape[3]
    if idx_shape[0] != B or idx_shape[1] != S or idx_shape[2] != G:
        check_shape("indices", indices, [("B", B), ("S", S), ("G", G),
                                         ("topk", topk)][4 - rank:])
    if topk < 1:
        raise ValueError("indices: topk (dimension 3) must be >= 1, got 0")
    qdev = q.get_device()
    for name, t in (("kv", kv), ("indices", indices)):
        if t.get_device() != qdev:
            raise ValueError("%s: expected the device of q (%s), got %s"
                             % (name, _where(q), _where(t)))
    if Skv > INT32_MAX:
        raise ValueError("kv: %d rows (dimension 1); indices are int32, so at "
                         "most %d rows can be addressed" % (Skv, INT32_MAX))
    return B, S, H, Dqk, Skv, G, topk


def check_outputs(q, out, lse, max_logits, B, S, H, Dv):
    for name, t, dtype, shape in (
            ("out", out, "torch.bfloat16", [("B", B), ("S", S), ("H", H),
                                            ("Dv", Dv)]),
            ("lse", lse, "torch.float32", [("B", B), ("S", S), ("H", H)]),
            ("max_logits", max_logits, "torch.float32",
             [("B", B), ("S", S), ("H", H)])):
        if t is None:
            continue
        check_tensor(name, t, dtype, len(shape), aligned_rows=(name == "out"))
        check_shape(name, t, shape)
        if t.get_device() != q.get_device():
            raise ValueError("%s: expected the device of q (%s), got %s"
                             % (name, _where(q), _where(t)))


def check_scalars(Dqk, q_start, sm_scale, causal, kv_stride, schedule,
                  schedules):
    """The effective sm_scale (1/sqrt(Dqk) for None)."""
    if isinstance(q_start, bool) or not isinstance(q_start, int):
        raise TypeError("q_start: expected an int, got %s" % type(q_start).__name__)
    if not INT32_MIN <= q_start <= INT32_MAX:
        raise ValueError("q_start: expected a 32-bit integer, got %d" % q_start)
    if not isinstance(causal, bool):
        raise TypeError("causal: expected a bool, got %s" % type(causal).__name__)
    if isinstance(kv_stride, bool) or not isinstance(kv_stride, int) or \
            kv_stride < 1:
        raise ValueError("kv_stride: expected an int >= 1, got %r" % (kv_stride,))
    if schedule not in schedules:
        raise ValueError("schedule: expected one of %s, got %r"
                         % (", ".join(schedules), schedule))
    if sm_scale is None:
        return 1.0 / math.sqrt(Dqk)
    try:
        scale = float(sm_scale)
    except (TypeError, ValueError):
        raise TypeError("sm_scale: expected a float, got %s"
                        % type(sm_scale).__name__) from None
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError("sm_scale: expected a finite value > 0, got %r" % scale)
    # sm_scale * log2(e) must stay a finite float32 (the op's verifier).
    if scale * 1.4426950408889634 >= 3.4028234663852886e38:
        raise ValueError("sm_scale: %r is too large (sm_scale * log2(e) must "
                         "be a finite float32)" % scale)
    return scale


def check_optional(q, attn_sink, topk_length, B, S, H, rank=4):
    """FlashMLA's optional operands: attn_sink [H] float32 (a sink logit per
    head), topk_length [B, S] int32 ([S] in FlashMLA's layout, rank 3), on
    q's device; None when absent."""
    for name, t, dtype, shape in (
            ("attn_sink", attn_sink, "torch.float32", [("H", H)]),
            ("topk_length", topk_length, "torch.int32",
             [("S", S)] if rank == 3 else [("B", B), ("S", S)])):
        if t is None:
            continue
        check_tensor(name, t, dtype, len(shape), expected=shape)
        check_shape(name, t, shape)
        if t.get_device() != q.get_device():
            raise ValueError("%s: expected the device of q (%s), got %s"
                             % (name, _where(q), _where(t)))
