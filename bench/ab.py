#!/usr/bin/env python3
"""Two kernel packages of the same op, side by side on one GPU: the same
inputs, outputs compared element by element, then timed interleaved launch
by launch (A, B, A, B, ...) with L2 flushed before each launch, as burst
(the first ITERS) and sustained (ITERS_SUSTAINED back to back) medians.

  python3 bench/ab.py A.smlapkg B.smlapkg [--B 1 --S 4096 --Skv 8192]
      [--q-start N] [--indices uniform|causal] [--iters 10] [--sustained 60]
      [--scale X]

Needs torch and the Python package (python/, or PYTHONPATH=python).
Exit status 1 when the outputs differ beyond the out bound of
docs/semantics.md (twice the P-rounding term: each kernel rounds its own P).
"""
import argparse
import os
import statistics
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from sparse_mla import _runtime  # noqa: E402
from sparse_mla._package import read_manifest  # noqa: E402


def indices(B, S, G, Skv, topk, g, causal_q_start=None):
    """Distinct indices per row, uniform over [0, Skv) (the suite's
    "uniform"), or with ``causal_q_start`` over row s's causal window
    [0, q_start + s] (the suite's "causal"; -1 where the window holds fewer
    than topk keys)."""
    keys = torch.rand(B * S * G, Skv, device="cuda", generator=g)
    if causal_q_start is None:
        return keys.argsort(1)[:, :topk].to(torch.int32).view(B, S, G, topk)
    pos = torch.arange(Skv, device="cuda")
    last = causal_q_start + torch.arange(S, device="cuda")  # row s's last key
    last = last.view(1, S, 1).expand(B, S, G).reshape(-1, 1)
    keys = keys.masked_fill(pos.view(1, -1) > last, 2.0)  # outside: sorted last
    idx = keys.argsort(1)[:, :topk]
    idx = torch.where(idx > last, torch.full_like(idx, -1), idx)
    return idx.to(torch.int32).view(B, S, G, topk)


def tensors(m, B, S, Skv, seed, q_start, causal_indices=False):
    op = m["op"]
    H, G, Dqk, Dv, topk = op["H"], op["G"], op["Dqk"], op["Dv"], op["topk"]
    g = torch.Generator(device="cuda").manual_seed(seed)
    q = torch.randn(B, S, H, Dqk, device="cuda", generator=g).to(torch.bfloat16)
    kv = torch.randn(B, Skv, G, Dqk, device="cuda", generator=g).to(torch.bfloat16)
    idx = indices(B, S, G, Skv, topk, g, q_start if causal_indices else None)
    outs = [(torch.empty(B, S, H, Dv, dtype=torch.bfloat16, device="cuda"),
             torch.empty(B, S, H, device="cuda"),
             torch.empty(B, S, H, device="cuda") if op["has_max_logits"] else None)
            for _ in range(2)]
    return q, kv, idx, outs


def pack(t, dtype):
    return None if t is None else (t.data_ptr(), dtype, t.shape, t.stride())


def parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--B", type=int, default=1)
    ap.add_argument("--S", type=int, default=4096)
    ap.add_argument("--Skv", type=int, default=8192)
    ap.add_argument("--q-start", type=int, default=8192)
    ap.add_argument("--indices", choices=("uniform", "causal"),
                    default="uniform",
                    help="distinct per row over [0, Skv), or over the row's "
                         "causal window [0, q_start + s]")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--sustained", type=int, default=60)
    ap.add_argument("--scale", type=float, default=0.0,
                    help="launch sm_scale (0: each package's own)")
    ap.add_argument("--seed", type=int, default=1)
    return ap


def main(argv=None):
    r = compare(parser().parse_args(argv))
    return 0 if r["outputs_ok"] else 1


def compare(args):
    """Runs the comparison of ``args`` (parser()'s); prints it and returns
    {"identical", "outputs_ok", "burst": (a, b), "sustained": (a, b)} (ms)."""
    ma, mb = read_manifest(args.a), read_manifest(args.b)
    for k in ("H", "G", "Dqk", "Dv", "topk", "causal", "kv_stride",
              "has_max_logits"):
        if ma["op"][k] != mb["op"][k]:
            sys.exit("error: the packages differ in op.%s (%r vs %r)"
                     % (k, ma["op"][k], mb["op"][k]))
    pa, pb = _runtime.Package(args.a), _runtime.Package(args.b)
    q, kv, idx, outs = tensors(ma, args.B, args.S, args.Skv, args.seed,
                               args.q_start, args.indices == "causal")
    stream = torch.cuda.current_stream().cuda_stream
    R = _runtime

    def launch(pkg, o):
        pkg.launch((pack(q, R.DTYPE_BF16), pack(kv, R.DTYPE_BF16),
                    pack(idx, R.DTYPE_I32), pack(o[0], R.DTYPE_BF16),
                    pack(o[1], R.DTYPE_F32), pack(o[2], R.DTYPE_F32)),
                   args.q_start, stream, args.scale)

    launch(pa, outs[0])
    launch(pb, outs[1])
    torch.cuda.synchronize()
    (oa, la, ma_), (ob, lb, mb_) = outs
    identical = torch.equal(oa, ob) and torch.equal(la, lb) and \
        (ma_ is None or torch.equal(ma_, mb_))
    diff = (oa.float() - ob.float()).abs().max().item()
    ldiff = (la - lb).abs().nan_to_num(0.0).max().item()
    bound_ok = diff <= 2e-3 + 2e-2 * max(oa.float().abs().max().item(), 1e-30) \
        and ldiff <= 1e-3 + 1e-5 * la.abs().nan_to_num(0.0).max().item()
    print("%s, torch %s" % (torch.cuda.get_device_name(), torch.__version__))
    print("A %s\nB %s" % (args.a, args.b))
    print("shape B=%d S=%d Skv=%d H=%d topk=%d causal=%s; outputs %s (max "
          "|out diff| %.3g, max |lse diff| %.3g)" % (
              args.B, args.S, args.Skv, ma["op"]["H"], ma["op"]["topk"],
              ma["op"]["causal"], "bit-identical" if identical else "differ",
              diff, ldiff))
    flush = torch.empty(256 * 2 ** 20, dtype=torch.uint8, device="cuda")
    times = {0: [], 1: []}
    total = args.iters + args.sustained
    for i in range(total):
        for k, pkg in ((0, pa), (1, pb)):
            flush.fill_(i & 0xFF)
            s, e = torch.cuda.Event(True), torch.cuda.Event(True)
            s.record()
            launch(pkg, outs[k])
            e.record()
            times[k].append((s, e))
    torch.cuda.synchronize()
    ms = {k: [s.elapsed_time(e) for s, e in v] for k, v in times.items()}
    result = {"identical": identical, "outputs_ok": identical or bound_ok}
    for name, lo, hi in (("burst", 0, args.iters),
                         ("sustained", args.iters, total)):
        a = statistics.median(ms[0][lo:hi])
        b = statistics.median(ms[1][lo:hi])
        result[name] = (a, b)
        print("%-9s (%3d interleaved pairs): A %.3f ms  B %.3f ms  B/A %.4f"
              % (name, hi - lo, a, b, b / a))
    return result


if __name__ == "__main__":
    sys.exit(main())
