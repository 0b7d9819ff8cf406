#!/usr/bin/env python3
"""A peer implementation of the op, side by side with sparse_mla on the same
inputs and the same card.

    bench/peer.py DUMP_DIR [--impl flash_mla|torch-ref] [--check-rows N]
                  [--warmup N] [--iters N] [--seed N] [--stats-base e|2]

DUMP_DIR is what `sparse-mla-run PACKAGE FLAGS --dump DIR` wrote (meta.json,
q/kv/indices and sparse_mla's out/lse/max_logits, raw little-endian). The peer
gets exactly those inputs in its own calling convention and is then

- checked against float64 on sampled (b, s) rows (first, last, random; all
  heads), with docs/semantics.md's tolerances (out |err| <= 2e-3 + 2e-2 |ref|
  + 2^-8 sum_j p_j |v_j| and cosine >= 0.9999 per row; lse, max_logits within
  1e-3, infinities equal);
- compared element by element with sparse_mla's outputs in the dump, with the
  tolerances `sparse-mla-run --compare` applies: sparse_mla's value in the
  place of the reference, and the P rounding term twice, 2^-7 sum_j p_j |v_j|
  (each kernel may round its weights P to bf16 on its own), the sum computed
  in float64 for the (b, s) rows where it decides an element;
- timed like sparse-mla-run times a package: warm-up calls, then per
  iteration a write of 2 x L2 bytes to flush L2 and CUDA events around the
  call only, every iteration queued before one synchronization; median (of
  the two middle times for an even count); TFLOPS = 2 B S H topk
  (Dqk + Dv) / t.

Implementations (`--impl`):
- `flash_mla` (default): DeepSeek's FlashMLA, `flash_mla.flash_mla_sparse_fwd(
  q, kv, indices, sm_scale, d_v)` -> (out, max_logits, lse). Its lse and
  max_logits are taken in natural-log units (FlashMLA since
  2026-01; `--stats-base 2` for earlier releases, which returned log2 units).
  It has no batch dimension and no causal flag: the batch is flattened and
  each valid index offset by b x Skv; entries that are invalid under
  docs/semantics.md (out of range, or past max_kv(s) when causal) become -1, the
  peer's invalid marker. It needs G = 1, H in {64, 128}, Dqk in {512, 576},
  Dv = 512, topk a multiple of 128 (its API's limits).
- `torch-ref`: the same calling convention computed with torch (fp32 gather,
  chunks of queries). It exists to check this harness on a machine without
  FlashMLA; its time is not a peer's time.

Prints one JSON object with the fields bench/summarize.py reads from
sparse-mla-run's `--json` (card, shape, attrs, check, timing) plus `impl` and
`compare`. Exit status: 0 pass, 1 a check or the comparison failed, 2 usage,
unsupported shape or an implementation that cannot be imported.
"""
import argparse
import json
import math
import os
import random
import sys

import torch

OUT_ABS, OUT_REL, MIN_COSINE, STAT_ABS = 2e-3, 2e-2, 0.9999, 1e-3
# The out bound's last term, 2^-8 sum_j p_j |v_j|: a kernel may round each
# weight p_j to bf16 (unit roundoff 2^-8) before the P.V product.
OUT_P_ROUND = 2.0 ** -8


class Unsupported(Exception):
    pass


def load(dump):
    meta = json.load(open(os.path.join(dump, "meta.json")))
    dtypes = {"bf16": torch.bfloat16, "f32": torch.float32, "i32": torch.int32}
    arrays = {}
    for name, a in meta["arrays"].items():
        raw = bytearray(open(os.path.join(dump, a["file"]), "rb").read())
        t = torch.frombuffer(raw, dtype=dtypes[a["dtype"]]) if raw else torch.empty(0, dtype=dtypes[a["dtype"]])
        if t.numel() != math.prod(a["shape"]):
            raise Unsupported("%s: %d elements, meta.json says %s" % (a["file"], t.numel(), a["shape"]))
        arrays[name] = t.reshape(a["shape"])
    for need in ("q", "kv", "indices", "out", "lse"):
        if need not in arrays:
            raise Unsupported("%s: no array '%s' (run sparse-mla-run with --dump on a run that computes)" % (dump, need))
    return meta["op"], arrays


def valid_mask(op, idx, lengths=None):
    """docs/semantics.md, "Valid entries", for idx [B, S, G, topk];
    lengths: topk_length [B, S] or None."""
    ok = (idx >= 0) & (idx < op["Skv"])
    if lengths is not None:
        n = lengths.to(torch.int64).clamp(0, op["topk"])
        j = torch.arange(op["topk"], device=idx.device, dtype=torch.int64)
        ok &= j.view(1, 1, 1, -1) < n.view(n.shape[0], n.shape[1], 1, 1)
    if op["causal"]:
        s = torch.arange(op["S"], device=idx.device, dtype=torch.int64)
        q_pos = op["q_start"] + s
        max_kv = torch.div(q_pos + 1 - op["kv_stride"], op["kv_stride"], rounding_mode="floor")
        ok &= idx.to(torch.int64) <= max_kv.view(1, -1, 1, 1)
    return ok


def peer_inputs(op, q, kv, idx):
    """The peer's convention: q [B S, H, Dqk], kv [B Skv, 1, Dqk], indices
    [B S, 1, topk] with offsets b x Skv and -1 for every invalid entry (with
    topk_length, the entries past a row's length stay as they are: the peer
    is given the lengths too, and must not read them)."""
    B, S, Skv = op["B"], op["S"], op["Skv"]
    offset = (torch.arange(B, device=idx.device, dtype=torch.int64) * Skv).view(B, 1, 1, 1)
    flat = torch.where(valid_mask(op, idx), idx.to(torch.int64) + offset, torch.full_like(offset, -1))
    if B * Skv > 2**31:  # the largest flat index, B Skv - 1, must fit int32
        raise Unsupported("B x Skv = %d rows do not fit the peer's int32 indices" % (B * Skv))
    return (q.reshape(B * S, op["H"], op["Dqk"]), kv.reshape(B * Skv, 1, op["Dqk"]),
            flat.to(torch.int32).reshape(B * S, 1, op["topk"]))


def torch_ref(q, kv, indices, sm_scale, d_v, attn_sink=None, topk_length=None, chunk=64):
    """flash_mla_sparse_fwd's semantics in torch (fp32), for the harness."""
    sq, h, _ = q.shape
    out = torch.empty(sq, h, d_v, dtype=torch.bfloat16, device=q.device)
    lse = torch.empty(sq, h, dtype=torch.float32, device=q.device)
    mx = torch.empty(sq, h, dtype=torch.float32, device=q.device)
    kv2 = kv[:, 0, :]
    for a in range(0, sq, chunk):
        b = min(sq, a + chunk)
        idx = indices[a:b, 0, :].to(torch.int64)
        valid = idx >= 0
        if topk_length is not None:
            n = topk_length[a:b].to(torch.int64).clamp(0, idx.shape[1])
            valid &= torch.arange(idx.shape[1], device=idx.device)[None, :] < n[:, None]
        rows = kv2[idx.clamp(min=0)].float()                       # [c, topk, Dqk]
        rows = rows.masked_fill(~valid[..., None], 0)                 # nothing from invalid entries
        s = torch.einsum("chd,ckd->chk", q[a:b].float(), rows) * sm_scale
        s = s.masked_fill(~valid[:, None, :], -math.inf)
        m = s.amax(dim=-1)
        l = torch.logsumexp(s, dim=-1)                                # -inf where empty
        p = torch.exp(s - torch.where(torch.isfinite(l), l, torch.zeros_like(l))[..., None])
        o = torch.einsum("chk,ckd->chd", p, rows[..., :d_v])
        if attn_sink is not None:
            o = o / (1 + torch.exp(attn_sink.float()[None, :] - l))[..., None]
        empty = ~torch.isfinite(l)
        out[a:b] = o.masked_fill(empty[..., None], 0).to(torch.bfloat16)
        lse[a:b] = torch.where(empty, torch.full_like(l, math.inf), l)
        mx[a:b] = m
    return out, mx, lse


def implementation(name):
    if name == "torch-ref":
        return torch_ref
    if name == "flash_mla":
        try:
            import flash_mla  # noqa: F401  (the peer, where installed)
        except ImportError as e:
            raise Unsupported("cannot import flash_mla (%s): install FlashMLA on this machine, "
                              "or use --impl torch-ref to check the harness" % e)
        return lambda q, kv, idx, scale, d_v, sink=None, lengths=None: flash_mla.flash_mla_sparse_fwd(
            q, kv, idx, scale, d_v=d_v, attn_sink=sink, topk_length=lengths)
    raise Unsupported("unknown --impl '%s' (flash_mla, torch-ref)" % name)


def check_support(op, impl):
    if op["G"] != 1:
        raise Unsupported("the peer's convention is one kv head (G = 1); this op has G = %d" % op["G"])
    if impl != "flash_mla":
        return
    limits = [("H", op["H"] in (64, 128), "64 or 128"),
              ("Dqk", op["Dqk"] in (512, 576), "512 or 576"), ("Dv", op["Dv"] == 512, "512"),
              ("topk", op["topk"] % 128 == 0, "a multiple of 128")]
    for field, ok, want in limits:
        if not ok:
            raise Unsupported("flash_mla_sparse_fwd needs %s = %s; this op has %s = %s"
                              % (field, want, field, op[field]))


def stat_mismatches(a, b):
    """Count of elements outside 1e-3 (infinities must match, NaN never
    passes), and the largest difference: 0 for matching infinities, inf for
    any other non-finite pair."""
    if a.numel() == 0:
        return 0, 0.0
    both_inf = torch.isinf(a) & torch.isinf(b) & (torch.sign(a) == torch.sign(b))
    finite = torch.isfinite(a) & torch.isfinite(b)
    diff = (a - b).abs()
    ok = both_inf | (finite & (diff <= STAT_ABS))
    shown = torch.where(finite, diff, torch.where(both_inf, torch.zeros_like(diff), torch.full_like(diff, math.inf)))
    return int((~ok).sum()), float(shown.max())


def out_mismatches(a, ref, tol):
    """a, ref, tol: [..., Dv] float. Elementwise tolerance and per-row cosine."""
    err = (a - ref).abs()
    bad = ~(err <= tol)                                      # NaN never passes
    na, nr = a.norm(dim=-1), ref.norm(dim=-1)
    cos = (a * ref).sum(dim=-1) / (na * nr)
    cos = torch.where((na == 0) & (nr == 0), torch.ones_like(cos), torch.nan_to_num(cos, nan=0.0))
    return int(bad.sum()), int((cos < MIN_COSINE).sum()), float(torch.nan_to_num(err, nan=math.inf).max()), float(cos.min())


def float64_rows(op, q, kv, idx, rows, sink=None, lengths=None):
    """Reference out/lse/max_logits (float64) for the (b, s) pairs in rows, and
    sum_j p_j |v_j| per out element (the weight of the P rounding term);
    sink: attn_sink [H] or None (out and the weights scaled by
    1 / (1 + exp(sink - lse))); lengths: topk_length [B, S] or None."""
    outs, lses, mxs, ws = [], [], [], []
    valid = valid_mask(op, idx, lengths)
    for b, s in rows:
        k = idx[b, s, 0][valid[b, s, 0]].to(torch.int64)
        keys = kv[b, k, 0].double()                               # [n, Dqk]
        sc = (q[b, s].double() @ keys.T) * op["sm_scale"]          # [H, n]
        if k.numel() == 0:
            outs.append(torch.zeros(op["H"], op["Dv"], dtype=torch.float64, device=q.device))
            ws.append(torch.zeros(op["H"], op["Dv"], dtype=torch.float64, device=q.device))
            lses.append(torch.full((op["H"],), math.inf, dtype=torch.float64, device=q.device))
            mxs.append(torch.full((op["H"],), -math.inf, dtype=torch.float64, device=q.device))
            continue
        l = torch.logsumexp(sc, dim=-1)
        p = torch.exp(sc - l[:, None])                             # [H, n]
        if sink is not None:  # exp(sink - l) may overflow to inf: the factor is then 0
            p = p / (1 + torch.exp(sink.double() - l))[:, None]
        outs.append(p @ keys[:, :op["Dv"]])
        ws.append(p @ keys[:, :op["Dv"]].abs())
        lses.append(l)
        mxs.append(sc.amax(dim=-1))
    return torch.stack(outs), torch.stack(lses), torch.stack(mxs), torch.stack(ws)


def compare_tolerance(op, q, kv, idx, a, b, sink=None, lengths=None):
    """The elementwise out bound of the comparison of a (the peer) with b
    (sparse_mla), [B, S, H, Dv]: 2e-3 + 2e-2 |b| + 2 x 2^-8 sum_j p_j |v_j|.
    The float64 sum is computed only for the (b, s) rows with an element it
    decides: one above the first two terms but within them plus 2 x 2^-8 x
    the column's largest |v| over the batch's kv rows (an upper bound of the
    sum, the weights summing to 1). Elsewhere the bound is the first two
    terms (met) or that widest bound (exceeded either way)."""
    Dv = op["Dv"]
    err = (a - b).abs()
    base = OUT_ABS + OUT_REL * b.abs()
    colmax = torch.stack([kv[i, :, :, :Dv].abs().amax(dim=0) for i in range(op["B"])]).float()  # [B, G = 1, Dv]
    widest = base + 2 * OUT_P_ROUND * colmax[:, None, :, :]
    tol = torch.where(err <= base, base, widest)
    undecided = ((err > base) & (err <= widest)).any(dim=-1).any(dim=-1)   # [B, S]
    pairs = [tuple(x) for x in undecided.nonzero().tolist()]
    for i in range(0, len(pairs), 256):
        chunk = pairs[i:i + 256]
        w = float64_rows(op, q, kv, idx, chunk, sink, lengths)[3].float()         # [n, H, Dv]
        sel_b = torch.tensor([p[0] for p in chunk], device=a.device)
        sel_s = torch.tensor([p[1] for p in chunk], device=a.device)
        tol[sel_b, sel_s] = base[sel_b, sel_s] + 2 * OUT_P_ROUND * w
    return tol, len(pairs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump")
    ap.add_argument("--impl", default="flash_mla")
    ap.add_argument("--check-rows", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stats-base", choices=("e", "2"), default="e",
                    help="units of the peer's lse and max_logits: e (FlashMLA since 2026-01) or 2 "
                         "(earlier releases, log2 units); converted to natural units before checking")
    args = ap.parse_args()
    report = {"impl": args.impl, "dump": args.dump}
    try:
        fn = implementation(args.impl)
        op, arr = load(args.dump)
        check_support(op, args.impl)
        dev = torch.device("cuda")
        q, kv, idx = (arr[n].to(dev) for n in ("q", "kv", "indices"))
        pq, pkv, pidx = peer_inputs(op, q, kv, idx)
    except (Unsupported, OSError, ValueError, KeyError) as e:
        report["error"] = str(e)
        print(json.dumps(report))
        print("peer: %s" % e, file=sys.stderr)
        return 2
    report.update(card=torch.cuda.get_device_name(0), torch=torch.__version__,
                  shape={k: op[k] for k in ("B", "S", "Skv", "H", "G", "Dqk", "Dv", "topk")},
                  attrs={k: op[k] for k in ("sm_scale", "kv_stride", "causal", "q_start")})
    scale = float(op["sm_scale"])
    B, S, H, Dv = op["B"], op["S"], op["H"], op["Dv"]
    out, mx, lse = fn(pq, pkv, pidx, scale, Dv)
    torch.cuda.synchronize()
    out, mx, lse = out.reshape(B, S, H, Dv).float(), mx.reshape(B, S, H), lse.reshape(B, S, H)
    if args.stats_base == "2":
        mx, lse = mx * math.log(2.0), lse * math.log(2.0)

    # float64 check of sampled rows.
    rng = random.Random(args.seed)
    pairs = [(0, 0), (B - 1, S - 1)] + [(rng.randrange(B), rng.randrange(S)) for _ in range(max(0, args.check_rows - 2))]
    pairs = sorted(set(pairs))
    ro, rl, rm, rw = float64_rows(op, q, kv, idx, pairs)
    sel_b = torch.tensor([p[0] for p in pairs], device=dev)
    sel_s = torch.tensor([p[1] for p in pairs], device=dev)
    o_tol = OUT_ABS + OUT_REL * ro.abs() + OUT_P_ROUND * rw
    o_bad, o_cos, o_err, o_min_cos = out_mismatches(out[sel_b, sel_s].double(), ro, o_tol)
    l_bad, l_err = stat_mismatches(lse[sel_b, sel_s].double(), rl)
    m_bad, m_err = stat_mismatches(mx[sel_b, sel_s].double(), rm)
    ok = o_bad == 0 and o_cos == 0 and l_bad == 0 and m_bad == 0
    report["check"] = {"status": "pass" if ok else "fail", "rows": len(pairs), "out_mismatches": o_bad,
                       "rows_below_cosine": o_cos, "lse_mismatches": l_bad, "max_logits_mismatches": m_bad,
                       "max_abs_err_out": o_err, "max_abs_err_lse": l_err, "max_abs_err_max_logits": m_err,
                       "min_cosine": o_min_cos}

    # Every element against sparse_mla's outputs in the dump.
    theirs = arr["out"].to(dev).float()
    c_tol, c_weighed = compare_tolerance(op, q, kv, idx, out, theirs)
    c_bad, c_cos, c_err, c_min_cos = out_mismatches(out, theirs, c_tol)
    cl_bad, cl_err = stat_mismatches(lse, arr["lse"].to(dev))
    compare = {"out_mismatches": c_bad, "rows_below_cosine": c_cos, "max_abs_diff_out": c_err,
               "min_cosine": c_min_cos, "lse_mismatches": cl_bad, "max_abs_diff_lse": cl_err,
               "positions_with_float64_p_term": c_weighed}
    if "max_logits" in arr:
        cm_bad, cm_err = stat_mismatches(mx, arr["max_logits"].to(dev))
        compare.update(max_logits_mismatches=cm_bad, max_abs_diff_max_logits=cm_err)
    compare["status"] = "pass" if c_bad == 0 and c_cos == 0 and cl_bad == 0 and compare.get("max_logits_mismatches", 0) == 0 else "fail"
    report["compare"] = compare

    # Timing.
    flush = torch.empty(2 * torch.cuda.get_device_properties(0).L2_cache_size, dtype=torch.uint8, device=dev)
    for _ in range(args.warmup):
        fn(pq, pkv, pidx, scale, Dv)
    # All iterations queued, one synchronization at the end (as sparse-mla-run
    # does), so host time between launches is not in the events' interval.
    torch.cuda.synchronize()
    events = []
    for _ in range(args.iters):
        flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(pq, pkv, pidx, scale, Dv)
        end.record()
        events.append((start, end))
    torch.cuda.synchronize()
    times = sorted(start.elapsed_time(end) for start, end in events)
    if times:
        n = len(times)
        med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
        flops = 2.0 * B * S * H * op["topk"] * (op["Dqk"] + Dv)
        nbytes = B * S * op["G"] * op["topk"] * op["Dqk"] * 2 + q.numel() * 2 + B * S * H * Dv * 2
        report["timing"] = {"iters": len(times), "median_ms": med, "min_ms": times[0], "max_ms": times[-1],
                            "tflops": flops / (med * 1e-3) / 1e12, "tbps": nbytes / (med * 1e-3) / 1e12}
    print(json.dumps(report))
    print("peer %s: check %s (max |err| out %.3g, %d rows), compare with sparse_mla %s (max |diff| out %.3g)%s"
          % (args.impl, report["check"]["status"], o_err, len(pairs), compare["status"], c_err,
             (", %.4f ms, %.1f TFLOPS" % (report["timing"]["median_ms"], report["timing"]["tflops"])) if times else ""),
          file=sys.stderr)
    return 0 if ok and compare["status"] == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
