"""GPU tests of the Python package (pytest; skipped without torch or a CUDA
device). Every result is checked against the float64 reference."""
import math
import os
import sys

import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

sys.path.insert(0, os.path.dirname(__file__))
import sparse_mla  # noqa: E402
from reference import check, make_inputs, reference  # noqa: E402

HOPPER = torch.cuda.get_device_capability() == (9, 0)


def run_checked(q, kv, idx, **kw):
    out, lse, ml = sparse_mla.fwd(q, kv, idx, **kw)
    torch.cuda.synchronize()
    ref = reference(q, kv, idx, q_start=kw.get("q_start", 0),
                    sm_scale=kw.get("sm_scale"), causal=kw.get("causal", True),
                    kv_stride=kw.get("kv_stride", 1), Dv=out.shape[-1],
                    attn_sink=kw.get("attn_sink"),
                    topk_length=kw.get("topk_length"))
    check(out, lse, ml, ref)
    return out, lse, ml


@pytest.mark.parametrize("H,topk,causal,q_start", [
    (128, 2048, False, 0), (128, 2048, True, 5000), (64, 512, True, 100),
    (64, 2048, False, 0), (128, 1024, True, 0), (128, 512, False, 0)])
def test_prebuilt_configs(H, topk, causal, q_start):
    q, kv, idx = make_inputs(2, 96, H, 6000, topk, seed=H + topk)
    run_checked(q, kv, idx, q_start=q_start, causal=causal)


@pytest.mark.parametrize("scale", [None, 0.5 / 24, "v32-yarn", 0.3, 1e-3])
def test_any_scale_one_package(scale):
    """The scale is a launch parameter: one package serves every scale."""
    from sparse_mla._prebuilt import V32_YARN_SM_SCALE
    scale = V32_YARN_SM_SCALE if scale == "v32-yarn" else scale
    q, kv, idx = make_inputs(1, 64, 128, 4096, 2048, seed=3)
    run_checked(q, kv, idx, causal=False, sm_scale=scale)
    run_checked(q, kv, idx, causal=True, q_start=3000, sm_scale=scale)


def _have(config_kw):
    try:
        sparse_mla.find_package(sparse_mla.KernelConfig(**config_kw),
                                compile=False)
        return True
    except sparse_mla.KernelNotFound:
        return False


@pytest.mark.parametrize("schedule", ["simple", "pipelined", "seesaw"])
def test_schedules(schedule):
    kw = dict(H=128, G=1, Dqk=576, Dv=512, topk=2048, causal=True, kv_stride=1,
              sm_scale=1 / 24, chip=sparse_mla.device_chip(0),
              schedule=schedule)
    if not _have(kw):
        pytest.skip("no %s package (SPARSE_MLA_KERNEL_PATH)" % schedule)
    q, kv, idx = make_inputs(1, 64, 128, 3000, 2048, seed=7)
    run_checked(q, kv, idx, q_start=1000, schedule=schedule)


@pytest.mark.parametrize("schedule", ["simple", "pipelined", "seesaw"])
def test_dqk_equals_dv(schedule):
    """K = V, the whole 512-wide row (DeepSeek-V4-style)."""
    kw = dict(H=64, G=1, Dqk=512, Dv=512, topk=512, causal=True, kv_stride=1,
              sm_scale=1 / 24, chip=sparse_mla.device_chip(0),
              schedule=schedule)
    if not _have(kw):
        pytest.skip("no Dqk = Dv = 512 %s package (SPARSE_MLA_KERNEL_PATH)"
                    % schedule)
    q, kv, idx = make_inputs(1, 64, 64, 3000, 512, Dqk=512, seed=9)
    run_checked(q, kv, idx, q_start=1000, schedule=schedule)


def test_kv_stride_and_groups():
    kw = dict(H=128, G=2, Dqk=576, Dv=512, topk=2048, causal=True, kv_stride=2,
              sm_scale=1 / 24, chip=sparse_mla.device_chip(0))
    if not _have(kw):
        pytest.skip("no G=2 kv_stride=2 package (SPARSE_MLA_KERNEL_PATH)")
    q, kv, idx = make_inputs(1, 64, 128, 3000, 2048, G=2, seed=8)
    run_checked(q, kv, idx, q_start=3000, kv_stride=2)


def test_views_and_out_variant():
    """Non-contiguous operands and outputs, written in place."""
    B, S, H, Skv, topk = 2, 80, 128, 5000, 2048
    qb, kvb, idxb = make_inputs(B, S, 2 * H, Skv, topk, G=2, seed=11)
    q = qb[:, :, H:]                       # heads 128..255 of 256
    kv = kvb[:, :, 1:2]                    # group 1 of 2
    idx = idxb[:, :, 1:2].clone()[..., :topk]
    idx_wide = torch.full((B, S, 1, topk + 64), -1, dtype=torch.int32,
                          device="cuda")
    idx_wide[..., :topk] = idx
    idx = idx_wide[..., :topk]             # row stride topk + 64
    assert not q.is_contiguous() and not kv.is_contiguous()
    out_buf = torch.full((B, S, H, 640), 7.0, dtype=torch.bfloat16, device="cuda")
    out = out_buf[..., 64:576]
    lse_buf = torch.full((B, S, 2 * H), 7.0, device="cuda")
    lse = lse_buf[..., ::1][:, :, :H]
    ml = torch.empty(B, S, H, device="cuda")
    r = sparse_mla.fwd(q, kv, idx, causal=False, out=out, lse=lse,
                       max_logits=ml)
    assert r[0] is out and r[1] is lse and r[2] is ml
    torch.cuda.synchronize()
    ref = reference(q, kv, idx, causal=False)
    check(out, lse, ml, ref)
    assert (out_buf[..., :64] == 7).all() and (out_buf[..., 576:] == 7).all()
    assert (lse_buf[..., H:] == 7).all()
    # Only out given: lse and max_logits allocated and returned.
    out2 = torch.empty_like(out)
    o2, l2, m2 = sparse_mla.fwd(q, kv, idx, causal=False, out=out2)
    torch.cuda.synchronize()
    check(o2, l2, m2, ref)


def test_empty_sizes():
    for B, S, Skv in ((0, 8, 100), (1, 0, 100)):
        q, kv, idx = make_inputs(max(B, 1), max(S, 1), 128, Skv, 512)
        q, idx = q[:B, :S], idx[:B, :S]
        kv = kv[:B] if B == 0 else kv
        out, lse, ml = sparse_mla.fwd(q, kv, idx, causal=False)
        assert out.shape == (B, S, 128, 512)
    # No kv rows: every entry invalid, every row empty.
    q, _, idx = make_inputs(1, 8, 128, 10, 512)
    kv = torch.empty(1, 0, 1, 576, dtype=torch.bfloat16, device="cuda")
    out, lse, ml = sparse_mla.fwd(q, kv, idx, causal=False)
    torch.cuda.synchronize()
    assert (out == 0).all() and (lse == math.inf).all() and \
        (ml == -math.inf).all()


def test_cuda_graph_replay_new_values():
    q, kv, idx = make_inputs(1, 64, 128, 4096, 2048, seed=21)
    sparse_mla.fwd(q, kv, idx, causal=True, q_start=10)  # warm (optional)
    out = torch.empty(1, 64, 128, 512, dtype=torch.bfloat16, device="cuda")
    lse = torch.empty(1, 64, 128, device="cuda")
    ml = torch.empty_like(lse)
    g = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        with torch.cuda.graph(g):
            fo, fl, fm = sparse_mla.fwd(q, kv, idx, causal=True, q_start=10)
            sparse_mla.fwd(q, kv, idx, causal=True, q_start=10, out=out,
                           lse=lse, max_logits=ml)
    torch.cuda.current_stream().wait_stream(s)
    for seed in (22, 23):
        q2, kv2, idx2 = make_inputs(1, 64, 128, 4096, 2048, seed=seed)
        q.copy_(q2), kv.copy_(kv2), idx.copy_(idx2)
        g.replay()
        torch.cuda.synchronize()
        ref = reference(q2, kv2, idx2, q_start=10, causal=True)
        check(fo, fl, fm, ref, what="graph functional")
        check(out, lse, ml, ref, what="graph out=")


def test_cuda_graph_first_use_in_capture():
    """A package never launched before, first used inside the capture."""
    q, kv, idx = make_inputs(1, 32, 64, 2048, 1024, seed=31)
    g = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        with torch.cuda.graph(g):
            out, lse, ml = sparse_mla.fwd(q, kv, idx, causal=False)
    torch.cuda.current_stream().wait_stream(s)
    g.replay()
    torch.cuda.synchronize()
    check(out, lse, ml, reference(q, kv, idx, causal=False))


def test_torch_compile_fullgraph():
    q, kv, idx = make_inputs(1, 48, 128, 3000, 2048, seed=41)

    @torch.compile(fullgraph=True)
    def f(q, kv, idx):
        out, lse, ml = sparse_mla.fwd(q * 1, kv, idx, causal=True, q_start=64)
        return out.float() * 2, lse, ml

    o, l, m = f(q, kv, idx)
    torch.cuda.synchronize()
    ref = reference(q, kv, idx, q_start=64, causal=True)
    check((o / 2).to(torch.bfloat16), l, m, ref)

    @torch.compile(fullgraph=True)
    def g(q, kv, idx, out, lse, ml):
        sparse_mla.fwd(q, kv, idx, causal=True, q_start=64, out=out, lse=lse,
                       max_logits=ml)
        return out.sum()

    out = torch.empty(1, 48, 128, 512, dtype=torch.bfloat16, device="cuda")
    lse, ml = torch.empty(1, 48, 128, device="cuda"), torch.empty(1, 48, 128,
                                                                   device="cuda")
    g(q, kv, idx, out, lse, ml)
    torch.cuda.synchronize()
    check(out, lse, ml, ref)

    @torch.compile(fullgraph=True)
    def h(q, kv, idx):
        return sparse_mla.flash_mla_sparse_fwd(q, kv, idx, 1 / 24)

    o3, m3, l3 = h(q[0], kv[0], idx[0])
    torch.cuda.synchronize()
    check(o3[None], l3[None], m3[None], reference(q, kv, idx, causal=False,
                                                  sm_scale=1 / 24))


def test_two_streams():
    a = make_inputs(1, 64, 128, 4096, 2048, seed=51)
    b = make_inputs(1, 64, 128, 4096, 2048, seed=52)
    s1, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    s1.wait_stream(torch.cuda.current_stream())
    s2.wait_stream(torch.cuda.current_stream())
    res = []
    for _ in range(3):
        with torch.cuda.stream(s1):
            ra = sparse_mla.fwd(*a, causal=False)
        with torch.cuda.stream(s2):
            rb = sparse_mla.fwd(*b, causal=False)
        res.append((ra, rb))
    torch.cuda.synchronize()
    refa, refb = reference(*a, causal=False), reference(*b, causal=False)
    for ra, rb in res:
        check(*ra, refa, what="stream 1")
        check(*rb, refb, what="stream 2")


def test_other_current_device_context():
    """A call from a new thread (no context current in it yet)."""
    import threading
    q, kv, idx = make_inputs(1, 32, 128, 2048, 2048, seed=61)
    box = {}

    def work():
        try:
            box["r"] = sparse_mla.fwd(q, kv, idx, causal=False)
            torch.cuda.synchronize()
        except Exception as e:  # noqa: BLE001
            box["e"] = e

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert "e" not in box, box.get("e")
    check(*box["r"], reference(q, kv, idx, causal=False))


def test_launch_path_is_the_expected_one():
    want = os.environ.get("SPARSE_MLA_EXPECT_FAST")
    if want is None:
        pytest.skip("SPARSE_MLA_EXPECT_FAST not set (python/tests/gpu.sh)")
    from sparse_mla import _ops
    assert (_ops._fast is not None) == (want == "1"), _ops._fast


def test_repeated_layout_new_pointers_and_values():
    """A layout seen before takes the planned path (Python and C): new
    tensors of the same layout, new values, every result checked."""
    held = []
    for seed in (21, 22, 23):
        q, kv, idx = make_inputs(2, 40, 128, 3000, 2048, seed=seed)
        run_checked(q, kv, idx, causal=True, q_start=2000)
        out = torch.full((2, 40, 128, 512), float("nan"), dtype=torch.bfloat16,
                         device="cuda")
        lse = torch.full((2, 40, 128), float("nan"), device="cuda")
        ml = torch.full_like(lse, float("nan"))
        sparse_mla.fwd(q, kv, idx, causal=True, q_start=2000, out=out, lse=lse,
                       max_logits=ml)
        torch.cuda.synchronize()
        check(out, lse, ml, reference(q, kv, idx, q_start=2000))
        o, m, l = sparse_mla.flash_mla_sparse_fwd(q[1], kv[1], idx[1], 1 / 24)
        torch.cuda.synchronize()
        check(o[None], l[None], m[None],
              reference(q[1:], kv[1:], idx[1:], sm_scale=1 / 24, causal=False))
        held.append((q, kv, idx, out, lse, ml))  # Fresh addresses next time.


def test_planned_layout_still_checks_arguments():
    q, kv, idx = make_inputs(1, 8, 128, 100, 2048)
    sparse_mla.fwd(q, kv, idx, q_start=1)
    torch.cuda.synchronize()
    with pytest.raises(TypeError, match="q_start: expected an int, got bool"):
        sparse_mla.fwd(q, kv, idx, q_start=True)
    with pytest.raises(TypeError, match="causal: expected a bool"):
        sparse_mla.fwd(q, kv, idx, q_start=1, causal=1)
    flat = torch.zeros(8 * 128 * 576 + 8, dtype=torch.bfloat16, device="cuda")
    misaligned = flat[1:1 + 8 * 128 * 576].view(1, 8, 128, 576)
    with pytest.raises(ValueError, match="q: data pointer 0x[0-9a-f]+ is not "
                                         "16-byte aligned"):
        sparse_mla.fwd(misaligned, kv, idx, q_start=1)
    out = torch.empty(1, 8, 128, 512, dtype=torch.bfloat16, device="cuda")
    lse = torch.empty(1, 8, 128, device="cuda")
    sparse_mla.fwd(q, kv, idx, out=out, lse=lse, max_logits=lse.clone())
    oflat = torch.empty(8 * 128 * 512 + 8, dtype=torch.bfloat16, device="cuda")
    with pytest.raises(ValueError, match="out: data pointer"):
        sparse_mla.fwd(q, kv, idx, out=oflat[1:1 + 8 * 128 * 512].view(
            1, 8, 128, 512), lse=lse, max_logits=lse.clone())


def test_validation_errors():
    q, kv, idx = make_inputs(1, 8, 128, 100, 2048)
    sparse_mla.fwd(q, kv, idx)  # Planned: the checks below hold after it.
    torch.cuda.synchronize()
    with pytest.raises(TypeError, match="q: expected dtype torch.bfloat16"):
        sparse_mla.fwd(q.float(), kv, idx)
    with pytest.raises(ValueError, match="expected a CUDA tensor"):
        sparse_mla.fwd(q.cpu(), kv, idx)
    with pytest.raises(ValueError, match=r"indices: expected shape \[1, 8, 1, 2048\]"):
        sparse_mla.fwd(q, kv, idx[:, :7])
    with pytest.raises(ValueError, match="kv: expected shape"):
        sparse_mla.fwd(q, kv[..., :512], idx)
    with pytest.raises(ValueError, match="broadcast or expanded"):
        sparse_mla.fwd(q[:, :1].expand(1, 8, 128, 576), kv, idx)
    flat = torch.zeros(8 * 128 * 576 + 8, dtype=torch.bfloat16, device="cuda")
    misaligned = flat[1:1 + 8 * 128 * 576].view(1, 8, 128, 576)
    with pytest.raises(ValueError, match="not 16-byte aligned"):
        sparse_mla.fwd(misaligned, kv, idx)
    with pytest.raises(ValueError, match="kv_stride"):
        sparse_mla.fwd(q, kv, idx, kv_stride=0)
    with pytest.raises(ValueError, match="sm_scale"):
        sparse_mla.fwd(q, kv, idx, sm_scale=-1.0)
    with pytest.raises(ValueError, match="q_start"):
        sparse_mla.fwd(q, kv, idx, q_start=1 << 31)
    with pytest.raises(ValueError, match="schedule"):
        sparse_mla.fwd(q, kv, idx, schedule="fast")
    with pytest.raises(ValueError, match="out: expected shape"):
        sparse_mla.fwd(q, kv, idx, out=torch.empty(1, 8, 64, 512,
                                                   dtype=torch.bfloat16,
                                                   device="cuda"))
    with pytest.raises(sparse_mla.KernelNotFound, match="build --out DIR"):
        os.environ.pop("SPARSE_MLA_BIN", None)
        path = os.environ.get("PATH", "")
        os.environ["PATH"] = ""
        try:
            sparse_mla.fwd(q, kv, idx[..., :192].contiguous(), causal=False)
        finally:
            os.environ["PATH"] = path


def _peer():
    try:
        import flash_mla  # noqa: F401
        return flash_mla
    except Exception:  # noqa: BLE001
        return None


@pytest.mark.skipif(not HOPPER, reason="FlashMLA's kernel is sm_90a")
@pytest.mark.parametrize("h_q,topk,sm_scale", [(128, 2048, 1 / 24),
                                               (64, 512, 0.5 / 24),
                                               (128, 1024, 0.1),
                                               (128, 2048, None)])
def test_drop_in_agrees_with_flash_mla(h_q, topk, sm_scale):
    peer = _peer()
    if peer is None:
        pytest.skip("flash_mla (../shared/peer) not importable")
    from sparse_mla._prebuilt import V32_YARN_SM_SCALE
    scale = V32_YARN_SM_SCALE if sm_scale is None else sm_scale
    q, kv, idx = make_inputs(1, 256, h_q, 8192, topk, seed=h_q * 7 + topk)
    q3, kv3, idx3 = q[0], kv[0], idx[0]
    o1, m1, l1 = sparse_mla.flash_mla_sparse_fwd(q3, kv3, idx3, scale)
    o2, m2, l2 = peer.flash_mla_sparse_fwd(q3, kv3, idx3, scale)
    torch.cuda.synchronize()
    assert o1.shape == o2.shape and m1.shape == m2.shape and l1.shape == l2.shape
    ref = reference(q, kv, idx, causal=False, sm_scale=scale)
    check(o1[None], l1[None], m1[None], ref, what="sparse_mla")
    check(o2[None], l2[None], m2[None], ref, what="FlashMLA")
    # Element by element, the two kernels: each rounds its own P.
    peer_ref = (o2[None].double(), l2[None].double(), m2[None].double(), ref[3])
    check(o1[None], l1[None], m1[None], peer_ref, rounding=2.0,
          what="sparse_mla vs FlashMLA")


@pytest.mark.skipif(os.environ.get("SPARSE_MLA_BIG_POOL") != "1",
                    reason="set SPARSE_MLA_BIG_POOL=1 (needs ~10 GB)")
def test_pool_over_2_31_elements():
    """kv as one flat pool of 8M slots (4.8e9 elements, 9.7 GB), indices as
    global slot ids up to the last slot."""
    slots = 8 * 1024 * 1024 + 4096
    kv = torch.empty(1, slots, 1, 576, dtype=torch.bfloat16, device="cuda")
    assert kv.numel() > 2 ** 32
    gen = torch.Generator(device="cuda").manual_seed(5)
    kv.normal_(generator=gen)
    S, H, topk = 64, 128, 2048
    q = torch.randn(1, S, H, 576, device="cuda", generator=gen).to(torch.bfloat16)
    idx = torch.randint(0, slots, (1, S, 1, topk), device="cuda",
                        dtype=torch.int32, generator=gen)
    idx[..., 0] = slots - 1
    idx[..., 1] = (2 ** 31) // 576 + 17        # past 2^31 elements
    idx[..., 2] = -1
    out, ml, lse = sparse_mla.flash_mla_sparse_fwd(q[0], kv[0], idx[0], 1 / 24)
    torch.cuda.synchronize()
    ref = reference(q, kv, idx, causal=False, sm_scale=1 / 24, chunk=16)
    check(out[None], lse[None], ml[None], ref)


def _sinks(H, g):
    """A sink per head: -inf, +inf and finite ones (uniform in [0, 10])."""
    sink = torch.rand(H, generator=g) * 10
    sink[0::4] = -math.inf
    sink[1::4] = math.inf
    return sink.cuda()


def _lengths(B, S, topk, g):
    """Lengths uniform in [0, topk], with 0, topk, a negative one and one
    past topk."""
    n = torch.randint(0, topk + 1, (B, S), generator=g, dtype=torch.int32)
    n.view(-1)[:4] = torch.tensor([0, topk, -5, topk + 7], dtype=torch.int32)
    return n.cuda()


@pytest.mark.parametrize("sink,length", [(True, False), (False, True),
                                         (True, True)])
@pytest.mark.parametrize("H,Dqk,topk", [(128, 576, 2048), (64, 512, 512)])
def test_attn_sink_topk_length(sink, length, H, Dqk, topk):
    """FlashMLA's optional operands through fwd() and flash_mla_sparse_fwd,
    against the float64 reference (the chip's default schedule)."""
    kw = dict(H=H, G=1, Dqk=Dqk, Dv=512, topk=topk, causal=True, kv_stride=1,
              sm_scale=1 / 24, chip=sparse_mla.device_chip(0),
              attn_sink=sink, topk_length=length)
    if not _have(kw):
        pytest.skip("no package with attn_sink=%s topk_length=%s "
                    "(SPARSE_MLA_KERNEL_PATH)" % (sink, length))
    g = torch.Generator(device="cpu").manual_seed(H + topk + 2 * sink + length)
    q, kv, idx = make_inputs(2, 70, H, 3000, topk, Dqk=Dqk, seed=H + topk)
    extra = dict(attn_sink=_sinks(H, g) if sink else None,
                 topk_length=_lengths(2, 70, topk, g) if length else None)
    run_checked(q, kv, idx, q_start=1000, **extra)
    # Written in place into given outputs too.
    out = torch.empty(2, 70, H, 512, dtype=torch.bfloat16, device="cuda")
    o, l, m = sparse_mla.fwd(q, kv, idx, q_start=1000, out=out, **extra)
    assert o is out
    ref = reference(q, kv, idx, q_start=1000, **extra)
    check(o, l, m, ref)


@pytest.mark.parametrize("sink,length", [(True, False), (False, True),
                                         (True, True)])
def test_flash_mla_optional_operands(sink, length):
    """flash_mla_sparse_fwd(..., attn_sink=[h_q], topk_length=[s_q])."""
    kw = dict(H=128, G=1, Dqk=576, Dv=512, topk=2048, causal=False,
              kv_stride=1, sm_scale=1 / 24, chip=sparse_mla.device_chip(0),
              attn_sink=sink, topk_length=length)
    if not _have(kw):
        pytest.skip("no non-causal package with attn_sink=%s topk_length=%s"
                    % (sink, length))
    g = torch.Generator(device="cpu").manual_seed(11 + 2 * sink + length)
    q, kv, idx = make_inputs(1, 90, 128, 5000, 2048, seed=5)
    s_ = _sinks(128, g) if sink else None
    n = _lengths(1, 90, 2048, g) if length else None
    o, m, l = sparse_mla.flash_mla_sparse_fwd(
        q[0], kv[0], idx[0], 1 / 24, attn_sink=s_,
        topk_length=None if n is None else n[0])
    torch.cuda.synchronize()
    ref = reference(q, kv, idx, sm_scale=1 / 24, causal=False, attn_sink=s_,
                    topk_length=n)
    check(o.unsqueeze(0), l.unsqueeze(0), m.unsqueeze(0), ref)


def test_optional_operand_errors():
    q, kv, idx = make_inputs(1, 8, 128, 256, 2048, seed=1)
    with pytest.raises(ValueError, match=r"attn_sink: expected shape \[128\]"):
        sparse_mla.fwd(q, kv, idx, attn_sink=torch.zeros(64, device="cuda"))
    with pytest.raises(TypeError, match="attn_sink: expected dtype torch.float32"):
        sparse_mla.fwd(q, kv, idx, attn_sink=torch.zeros(128, device="cuda",
                                                         dtype=torch.bfloat16))
    with pytest.raises(ValueError,
                       match=r"topk_length: expected shape \[1, 8\] \(B=1, S=8\), got \[8\]"):
        sparse_mla.fwd(q, kv, idx, topk_length=torch.zeros(
            8, dtype=torch.int32, device="cuda"))
    with pytest.raises(ValueError, match=r"topk_length: expected shape \[8\]"):
        sparse_mla.flash_mla_sparse_fwd(q[0], kv[0], idx[0], 0.1,
                                        topk_length=torch.zeros(
                                            1, 8, dtype=torch.int32,
                                            device="cuda"))
