"""A float64 torch reference of sparse_mla.fwd (docs/semantics.md) and the
project's tolerance check, for the GPU tests."""
import math

import torch

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def reference(q, kv, indices, q_start=0, sm_scale=None, causal=True,
              kv_stride=1, Dv=512, chunk=32, attn_sink=None, topk_length=None):
    """(out, lse, max_logits, bound_term) in float64; bound_term is
    sum_j p_j |v_j| per element (the bf16 rounding of P). attn_sink [H]
    scales out (and the term) by 1 / (1 + exp(attn_sink[h] - lse));
    topk_length [B, S]: entry j valid only if j < clamp(length, 0, topk)."""
    B, S, H, Dqk = q.shape
    Skv, G = kv.shape[1], kv.shape[2]
    hpg = H // G
    scale = 1 / math.sqrt(Dqk) if sm_scale is None else float(sm_scale)
    dev = q.device
    out = torch.zeros(B, S, H, Dv, dtype=torch.float64, device=dev)
    term = torch.zeros_like(out)
    lse = torch.empty(B, S, H, dtype=torch.float64, device=dev)
    ml = torch.empty_like(lse)
    groups = torch.arange(G, device=dev).view(1, G, 1)
    for b in range(B):
        for s0 in range(0, S, chunk):
            s1 = min(S, s0 + chunk)
            idx = indices[b, s0:s1].long()                    # [s, G, topk]
            valid = (idx >= 0) & (idx < Skv)
            if topk_length is not None:
                n = topk_length[b, s0:s1].long().clamp(0, idx.shape[-1])
                j = torch.arange(idx.shape[-1], device=dev)
                valid &= j.view(1, 1, -1) < n.view(-1, 1, 1)
            if causal:
                pos = q_start + torch.arange(s0, s1, device=dev)
                max_kv = torch.div(pos + 1 - kv_stride, kv_stride,
                                   rounding_mode="floor")
                valid &= idx <= max_kv.view(-1, 1, 1)
            safe = torch.where(valid, idx, torch.zeros_like(idx))
            rows = kv[b][safe, groups].double()               # [s, G, topk, Dqk]
            qq = q[b, s0:s1].double().view(s1 - s0, G, hpg, Dqk)
            logits = torch.einsum("sghd,sgtd->sght", qq, rows) * scale
            logits = logits.masked_fill(~valid.unsqueeze(2), -math.inf)
            m = logits.amax(-1)
            l = torch.logsumexp(logits, -1)
            empty = ~valid.any(-1, keepdim=True).expand(-1, -1, hpg)
            p = torch.exp(logits - l.unsqueeze(-1))
            p = torch.nan_to_num(p, nan=0.0)
            if attn_sink is not None:
                sink = attn_sink.double().view(1, G, hpg)
                p = p / (1 + torch.exp(sink - l)).unsqueeze(-1)
            v = rows[..., :Dv]
            o = torch.einsum("sght,sgtd->sghd", p, v)
            t = torch.einsum("sght,sgtd->sghd", p, v.abs())
            sl = slice(s0, s1)
            out[b, sl] = o.reshape(s1 - s0, H, Dv)
            term[b, sl] = t.reshape(s1 - s0, H, Dv)
            l = torch.where(empty, torch.full_like(l, math.inf), l)
            lse[b, sl] = l.reshape(s1 - s0, H)
            ml[b, sl] = m.reshape(s1 - s0, H)
    return out, lse, ml, term


def check(out, lse, ml, ref, rounding=1.0, what=""):
    """Raises AssertionError naming the worst element when the kernel's
    results miss the bound (rounding = 2 when comparing two kernels)."""
    r_out, r_lse, r_ml, term = ref
    o = out.double()
    assert torch.isfinite(o).all(), "%s out: non-finite values" % what
    err = (o - r_out).abs()
    bound = 2e-3 + 2e-2 * r_out.abs() + rounding * 2.0 ** -8 * term
    bad = err > bound
    if bad.any():
        i = tuple(int(x) for x in bad.nonzero()[0])
        raise AssertionError("%s out%s = %g, reference %g (bound %g); %d "
                             "elements outside" % (what, list(i), o[i].item(),
                                                   r_out[i].item(),
                                                   bound[i].item(),
                                                   int(bad.sum())))
    for name, got, want in (("lse", lse, r_lse), ("max_logits", ml, r_ml)):
        g = got.double()
        inf = torch.isinf(want)
        assert torch.equal(torch.isinf(g), inf), \
            "%s %s: infinities differ from the reference" % (what, name)
        assert torch.equal(g[inf], want[inf]), \
            "%s %s: infinity signs differ" % (what, name)
        assert not torch.isnan(g).any(), "%s %s: NaN" % (what, name)
        e = (g - want).abs()[~inf]
        b = (1e-3 + 1e-5 * want.abs())[~inf]
        assert (e <= b).all(), "%s %s: max error %g" % (
            what, name, (e - b).max().item())


def make_inputs(B, S, H, Skv, topk, G=1, Dqk=576, seed=0, invalid=0.1,
                device="cuda", causal_q_start=None):
    """q, kv and indices with invalid entries of every kind (-1, Skv,
    INT32_MIN, INT32_MAX), duplicates and one row with no valid entry."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    q = torch.randn(B, S, H, Dqk, generator=g).to(device, torch.bfloat16)
    kv = torch.randn(B, Skv, G, Dqk, generator=g).to(device, torch.bfloat16)
    idx = torch.randint(0, max(Skv, 1), (B, S, G, topk), generator=g,
                        dtype=torch.int32)
    if topk >= 2:
        idx[..., 1] = idx[..., 0]                      # a duplicate
    mask = torch.rand(B, S, G, topk, generator=g) < invalid
    markers = torch.tensor([-1, Skv, INT32_MIN, INT32_MAX], dtype=torch.int32)
    pick = torch.randint(0, 4, (B, S, G, topk), generator=g)
    idx = torch.where(mask, markers[pick], idx)
    if S > 1:
        idx[0, S // 2] = -1                            # an empty row
    return q, kv, idx.to(device)
