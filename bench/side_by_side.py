#!/usr/bin/env python3
"""sparse_mla and a peer side by side in one process, on the same inputs,
the same card and interleaved iteration by iteration.

    bench/side_by_side.py PACKAGE --B N --S N --Skv N [--q-start N]
        [--indices uniform|causal] [--attn-sink uniform] [--topk-length uniform]
        [--impl flash_mla|torch-ref] [--check-rows N] [--burst N]
        [--sustained N] [--seed N]

PACKAGE is a kernel package (.smlapkg); its op fixes H, G, Dqk, Dv, topk,
causal, kv_stride and whether it takes attn_sink / topk_length (then the
inputs have them, generated as named). Inputs (torch, on the GPU, from
--seed): q and kv uniform in [-1, 1] (bf16); indices: per row topk distinct
kv rows uniformly drawn from those the row may see (`causal`: at most
max_kv(s) of docs/semantics.md, with -1 where fewer exist); attn_sink
uniform in [0, 10] per head; topk_length uniform in [0, topk] per query.

Both implementations run on those inputs: sparse_mla through the C runtime
(smla_launch_with), the peer in its convention (bench/peer.py:
peer_inputs). Then

- each is checked against float64 on sampled (b, s) rows (first, last,
  random; all heads), with docs/semantics.md's tolerances;
- the two are compared element by element (out, lse, max_logits), with the
  bound bench/peer.py's comparison applies (the P rounding term twice);
- they are timed interleaved: every iteration runs both, in alternating
  order, each call preceded by a write of 2 x L2 bytes and bracketed by CUDA
  events, all queued before one synchronization. `burst`: --burst
  iterations (default 10) after 2 warm-up calls of each; `sustained`:
  --sustained iterations (default 60) right after. Median per phase.

TFLOPS = 2 H (Dqk + Dv) x the number of valid entries (the work done: with
topk_length, the entries within the lengths) / t; `nominal_tflops` counts
every B S topk entry. `speedup` = peer ms / sparse_mla ms.

Prints one JSON object (card, shape, attrs, checks, compare, timing); exit
status 0 when every check and the comparison pass, 1 otherwise, 2 for usage,
an unsupported shape or a peer that cannot be imported.
"""
import argparse
import ctypes
import json
import math
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import peer  # noqa: E402  (bench/peer.py: checks, comparison, the peer's convention)
from sparse_mla import _runtime  # noqa: E402  (ctypes loader of the C runtime)

DTYPE = {torch.bfloat16: _runtime.DTYPE_BF16, torch.float32: _runtime.DTYPE_F32,
         torch.int32: _runtime.DTYPE_I32}


def describe(t):
    """(data, dtype, sizes, strides) of a tensor, as _runtime.Package.launch_with takes it."""
    return (t.data_ptr(), DTYPE[t.dtype], tuple(t.shape), tuple(t.stride()))


class Package:
    """One package through the C runtime, with the queries the run needs."""

    def __init__(self, path):
        lib = _runtime.library()
        vp = ctypes.c_void_p
        for name, res in (("smla_package_H", ctypes.c_int64), ("smla_package_G", ctypes.c_int64),
                          ("smla_package_Dqk", ctypes.c_int64), ("smla_package_Dv", ctypes.c_int64),
                          ("smla_package_topk", ctypes.c_int64), ("smla_package_causal", ctypes.c_int),
                          ("smla_package_kv_stride", ctypes.c_int64), ("smla_package_sm_scale", ctypes.c_float),
                          ("smla_package_has_max_logits", ctypes.c_int),
                          ("smla_package_has_attn_sink", ctypes.c_int),
                          ("smla_package_has_topk_length", ctypes.c_int),
                          ("smla_package_schedule", ctypes.c_char_p)):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, [vp]
        self.pkg = _runtime.Package(path)
        self.lib, self.handle = lib, self.pkg.handle
        get = lambda n: getattr(lib, "smla_package_" + n)(self.handle)  # noqa: E731
        self.op = {k: int(get(k)) for k in ("H", "G", "Dqk", "Dv", "topk", "kv_stride")}
        self.op.update(causal=bool(get("causal")), sm_scale=float(get("sm_scale")))
        self.has_max_logits, self.schedule = bool(get("has_max_logits")), get("schedule").decode()
        self.has_sink, self.has_len = bool(get("has_attn_sink")), bool(get("has_topk_length"))

    def bind(self, q, kv, idx, q_start, sink, lengths, out, lse, mx, scale):
        """A launcher of this package on these tensors (descriptors built once)."""
        tensors = [describe(t) if t is not None else None for t in (q, kv, idx, sink, lengths, out, lse, mx)]
        pkg = self.pkg

        def launch():
            st = pkg.launch_with(tensors, q_start, torch.cuda.current_stream().cuda_stream, scale)
            if st != _runtime.SUCCESS:
                raise RuntimeError("smla_launch_with: " + _runtime.last_error(st))
        return launch


def indices_for(op, B, S, Skv, q_start, kind, gen, dev):
    """[B, S, G, topk] i32: distinct rows per (b, s, g), -1 where too few."""
    G, topk = op["G"], op["topk"]
    if kind == "causal":
        pos = q_start + torch.arange(S, device=dev)
        max_kv = torch.div(pos + 1 - op["kv_stride"], op["kv_stride"], rounding_mode="floor")
    rows = []
    for _ in range(B * G):
        chunk = []
        for a in range(0, S, 512):
            b = min(S, a + 512)
            r = torch.rand(b - a, Skv, generator=gen, device=dev)
            if kind == "causal":
                r = r.masked_fill(torch.arange(Skv, device=dev)[None, :] > max_kv[a:b, None], -1.0)
            v, i = r.topk(topk, dim=1)
            chunk.append(torch.where(v >= 0, i, torch.full_like(i, -1)).to(torch.int32))
        rows.append(torch.cat(chunk))
    return torch.stack(rows).view(B, G, S, topk).permute(0, 2, 1, 3).contiguous()


def check_rows(op, q, kv, idx, sink, lengths, out, lse, mx, pairs):
    ro, rl, rm, rw = peer.float64_rows(op, q, kv, idx, pairs, sink, lengths)
    sb = torch.tensor([p[0] for p in pairs], device=q.device)
    ss = torch.tensor([p[1] for p in pairs], device=q.device)
    tol = peer.OUT_ABS + peer.OUT_REL * ro.abs() + peer.OUT_P_ROUND * rw
    o_bad, o_cos, o_err, o_min = peer.out_mismatches(out[sb, ss].double(), ro, tol)
    l_bad, l_err = peer.stat_mismatches(lse[sb, ss].double(), rl)
    r = {"rows": len(pairs), "out_mismatches": o_bad, "rows_below_cosine": o_cos, "lse_mismatches": l_bad,
         "max_abs_err_out": o_err, "min_cosine": o_min, "max_abs_err_lse": l_err}
    bad = o_bad + o_cos + l_bad
    if mx is not None:
        m_bad, m_err = peer.stat_mismatches(mx[sb, ss].double(), rm)
        r.update(max_logits_mismatches=m_bad, max_abs_err_max_logits=m_err)
        bad += m_bad
    r["status"] = "pass" if bad == 0 else "fail"
    return r


def interleaved(fns, flush, warmup, burst, sustained):
    """{name: {phase: median ms, ...}} timing the callables in fns (a dict)
    interleaved, the order alternating by iteration."""
    names = list(fns)
    for _ in range(warmup):
        for n in names:
            fns[n]()
    torch.cuda.synchronize()
    result = {n: {} for n in names}
    for phase, iters in (("burst", burst), ("sustained", sustained)):
        events = {n: [] for n in names}
        for i in range(iters):
            for n in (names if i % 2 == 0 else names[::-1]):
                flush.zero_()
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                fns[n]()
                e.record()
                events[n].append((s, e))
        torch.cuda.synchronize()
        for n in names:
            t = sorted(s.elapsed_time(e) for s, e in events[n])
            k = len(t)
            med = t[k // 2] if k % 2 else 0.5 * (t[k // 2 - 1] + t[k // 2])
            result[n][phase] = {"iters": k, "median_ms": med, "min_ms": t[0], "max_ms": t[-1]}
    return result


def summarize(folder):
    """A markdown table of the NAME.json reports in folder (bench/run.sh)."""
    md = ["| case | schedule | shape | checks (ours / peer / compare) | burst ms ours / peer | speedup | "
          "sustained ms ours / peer | speedup | TFLOPS ours (burst) |", "|" + "---|" * 9]
    for name in sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")):
        try:
            r = json.load(open(os.path.join(folder, name + ".json")))
        except ValueError:
            md.append("| %s | | | no report (see %s.json.log) | | | | | |" % (name, name))
            continue
        if "error" in r:
            md.append("| %s | | | %s | | | | | |" % (name, r["error"]))
            continue
        sh, t = r["shape"], r["timing"]
        shape = "H%d Dqk%d topk%d S%d Skv%d%s%s%s" % (sh["H"], sh["Dqk"], sh["topk"], sh["S"], sh["Skv"],
                                                     " causal" if r["attrs"]["causal"] else "",
                                                     " +sink" if r["attrs"]["attn_sink"] else "",
                                                     " +topk_length" if r["attrs"]["topk_length"] else "")
        checks = " / ".join(r[k]["status"] for k in ("check_sparse_mla", "check_peer", "compare"))
        ms = lambda ph: "%.4f / %.4f" % (t["sparse_mla"][ph]["median_ms"], t["peer"][ph]["median_ms"])  # noqa: E731
        md.append("| %s | %s | %s | %s | %s | %.3fx | %s | %.3fx | %.1f |"
                  % (name, r["schedule"], shape, checks, ms("burst"), r["speedup"]["burst"], ms("sustained"),
                     r["speedup"]["sustained"], t["sparse_mla"]["burst"]["tflops"]))
    card = next((json.load(open(os.path.join(folder, f))).get("card") for f in sorted(os.listdir(folder))
                 if f.endswith(".json")), "?")
    return "\n".join(["Side by side with the peer on %s (bench/side_by_side.py; speedup = peer ms / ours):" % card,
                      ""] + md) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package", nargs="?")
    ap.add_argument("--summarize", metavar="DIR", help="print a markdown table of DIR's reports and exit")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--S", type=int, default=4096)
    ap.add_argument("--Skv", type=int, default=8192)
    ap.add_argument("--q-start", type=int, default=0)
    ap.add_argument("--indices", choices=("uniform", "causal"), default="uniform")
    ap.add_argument("--attn-sink", choices=("uniform",), default="uniform")
    ap.add_argument("--topk-length", choices=("uniform",), default="uniform")
    ap.add_argument("--impl", default="flash_mla")
    ap.add_argument("--check-rows", type=int, default=32)
    ap.add_argument("--burst", type=int, default=10)
    ap.add_argument("--sustained", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.summarize:
        sys.stdout.write(summarize(a.summarize))
        return 0
    if not a.package:
        ap.error("a PACKAGE is needed (or --summarize DIR)")
    report = {"impl": a.impl, "package": a.package}
    try:
        pkg = Package(a.package)
        op = dict(pkg.op, B=a.B, S=a.S, Skv=a.Skv, q_start=a.q_start)
        peer.check_support(op, a.impl)
        if op["causal"] and a.indices != "causal":
            raise peer.Unsupported("the package is causal: the peer has no causal flag, so the inputs must be "
                                   "--indices causal (every entry valid under the causal rule)")
        fn = peer.implementation(a.impl)
    except (peer.Unsupported, _runtime.RuntimeNotFound, _runtime.LaunchError, OSError) as e:
        report["error"] = str(e)
        print(json.dumps(report))
        print("side_by_side: %s" % e, file=sys.stderr)
        return 2
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)
    B, S, Skv, H, G, Dqk, Dv, topk = (op[k] for k in ("B", "S", "Skv", "H", "G", "Dqk", "Dv", "topk"))
    uni = lambda *shape: (torch.rand(*shape, generator=gen, device=dev) * 2 - 1).to(torch.bfloat16)  # noqa: E731
    q, kv = uni(B, S, H, Dqk), uni(B, Skv, G, Dqk)
    idx = indices_for(op, B, S, Skv, a.q_start, a.indices, gen, dev)
    sink = torch.rand(H, generator=gen, device=dev) * 10 if pkg.has_sink else None
    lengths = (torch.randint(0, topk + 1, (B, S), generator=gen, device=dev, dtype=torch.int32)
               if pkg.has_len else None)
    scale = Dqk ** -0.5
    op["sm_scale"] = scale
    out = torch.empty(B, S, H, Dv, dtype=torch.bfloat16, device=dev)
    lse = torch.empty(B, S, H, dtype=torch.float32, device=dev)
    mx = torch.empty(B, S, H, dtype=torch.float32, device=dev) if pkg.has_max_logits else None
    ours = pkg.bind(q, kv, idx, a.q_start, sink, lengths, out, lse, mx, scale)
    pq, pkv, pidx = peer.peer_inputs(op, q, kv, idx)
    plen = lengths.reshape(B * S) if lengths is not None else None
    theirs = lambda: fn(pq, pkv, pidx, scale, Dv, sink, plen)  # noqa: E731
    ours()
    p_out, p_mx, p_lse = theirs()
    torch.cuda.synchronize()
    p_out, p_mx, p_lse = p_out.reshape(B, S, H, Dv).float(), p_mx.reshape(B, S, H), p_lse.reshape(B, S, H)

    rng = random.Random(a.seed)
    pairs = sorted(set([(0, 0), (B - 1, S - 1)] + [(rng.randrange(B), rng.randrange(S))
                                                    for _ in range(max(0, a.check_rows - 2))]))
    ofl = out.float()
    report.update(card=torch.cuda.get_device_name(0), torch=torch.__version__, schedule=pkg.schedule,
                  shape={k: op[k] for k in ("B", "S", "Skv", "H", "G", "Dqk", "Dv", "topk")},
                  attrs={"sm_scale": scale, "kv_stride": op["kv_stride"], "causal": op["causal"],
                         "q_start": a.q_start, "indices": a.indices, "attn_sink": pkg.has_sink,
                         "topk_length": pkg.has_len})
    report["check_sparse_mla"] = check_rows(op, q, kv, idx, sink, lengths, ofl, lse, mx, pairs)
    report["check_peer"] = check_rows(op, q, kv, idx, sink, lengths, p_out, p_lse, p_mx, pairs)

    tol, weighed = peer.compare_tolerance(op, q, kv, idx, p_out, ofl, sink, lengths)
    c_bad, c_cos, c_err, c_min = peer.out_mismatches(p_out, ofl, tol)
    l_bad, l_err = peer.stat_mismatches(p_lse, lse)
    cmp = {"out_mismatches": c_bad, "rows_below_cosine": c_cos, "max_abs_diff_out": c_err, "min_cosine": c_min,
           "lse_mismatches": l_bad, "max_abs_diff_lse": l_err, "positions_with_float64_p_term": weighed}
    if mx is not None:
        m_bad, m_err = peer.stat_mismatches(p_mx, mx)
        cmp.update(max_logits_mismatches=m_bad, max_abs_diff_max_logits=m_err)
    cmp["status"] = "pass" if c_bad + c_cos + l_bad + cmp.get("max_logits_mismatches", 0) == 0 else "fail"
    report["compare"] = cmp
    del p_out, ofl

    flush = torch.empty(2 * torch.cuda.get_device_properties(0).L2_cache_size, dtype=torch.uint8, device=dev)
    t = interleaved({"sparse_mla": ours, "peer": theirs}, flush, 2, a.burst, a.sustained)
    valid = int(peer.valid_mask(op, idx, lengths).sum())
    work, nominal = 2.0 * (H // G) * (Dqk + Dv) * valid, 2.0 * B * S * H * topk * (Dqk + Dv)
    for n in t:
        for ph in t[n].values():
            ph["tflops"] = work / (ph["median_ms"] * 1e-3) / 1e12
            ph["nominal_tflops"] = nominal / (ph["median_ms"] * 1e-3) / 1e12
    report["timing"] = t
    report["valid_entries"] = valid
    report["speedup"] = {ph: t["peer"][ph]["median_ms"] / t["sparse_mla"][ph]["median_ms"]
                         for ph in ("burst", "sustained")}
    print(json.dumps(report))
    ok = all(report[k]["status"] == "pass" for k in ("check_sparse_mla", "check_peer", "compare"))
    print("side_by_side %s: sparse_mla %s, peer %s, compare %s; burst %.4f vs %.4f ms (x%.3f), "
          "sustained %.4f vs %.4f ms (x%.3f)"
          % (os.path.basename(a.package), report["check_sparse_mla"]["status"], report["check_peer"]["status"],
             cmp["status"], t["sparse_mla"]["burst"]["median_ms"], t["peer"]["burst"]["median_ms"],
             report["speedup"]["burst"], t["sparse_mla"]["sustained"]["median_ms"],
             t["peer"]["sustained"]["median_ms"], report["speedup"]["sustained"]), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
