#!/usr/bin/env python3
"""The speed and agreement gates of a compiler change, on one GPU: for
every shape of the suite (bench/suite.tsv), the package of the same name
from OLD_DIR (built before the change) and from NEW_DIR, on the same inputs,
outputs compared element by element, timed interleaved with L2 flushed
(bench/ab.py), burst and sustained:

  python3 bench/gates.py OLD_DIR NEW_DIR [--out gates.md] [--iters 10]
      [--sustained 60] [--only NAME,...]

A shape passes when the outputs are bit-identical or within the out bound
of docs/semantics.md, and NEW/OLD is at most 1.01 on the headline shape and
1.02 on every other shape, burst and sustained. Exit status 1 if any shape
fails (a missing package is a failure too).
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ab  # noqa: E402

LIMITS = {"headline": 1.01}
DEFAULT_LIMIT = 1.02


def suite():
    """(name, package, ab.py arguments) of each suite shape."""
    rows = []
    with open(os.path.join(HERE, "suite.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, package, flags = line.rstrip("\n").split("\t")
            args, words = [], flags.split()
            for flag, value in zip(words[::2], words[1::2]):
                args += [flag, value]
            rows.append((name, package, args))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--out")
    ap.add_argument("--iters", default="10")
    ap.add_argument("--sustained", default="60")
    ap.add_argument("--only", help="comma-separated suite names")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    lines = ["| shape | package | outputs | burst new/old | sustained new/old "
             "| limit | result |", "|---|---|---|---|---|---|---|"]
    failed = 0
    for name, package, flags in suite():
        if only and name not in only:
            continue
        old = os.path.join(args.old, package + ".smlapkg")
        new = os.path.join(args.new, package + ".smlapkg")
        limit = LIMITS.get(name, DEFAULT_LIMIT)
        if not (os.path.exists(old) and os.path.exists(new)):
            lines.append("| %s | %s | missing package | | | %.2f | FAIL |"
                         % (name, package, limit))
            failed += 1
            continue
        print("== %s" % name, flush=True)
        r = ab.compare(ab.parser().parse_args(
            [old, new, "--iters", args.iters, "--sustained", args.sustained]
            + flags))
        burst = r["burst"][1] / r["burst"][0]
        sustained = r["sustained"][1] / r["sustained"][0]
        ok = r["outputs_ok"] and burst <= limit and sustained <= limit
        failed += not ok
        lines.append("| %s | %s | %s | %.4f | %.4f | %.2f | %s |" % (
            name, package, "bit-identical" if r["identical"] else
            ("within bound" if r["outputs_ok"] else "DIFFER"), burst,
            sustained, limit, "pass" if ok else "FAIL"))
        torch.cuda.empty_cache()
    table = "\n".join(lines)
    print("\n%s, torch %s; OLD %s, NEW %s\n\n%s" % (
        torch.cuda.get_device_name(), torch.__version__, args.old, args.new,
        table))
    if args.out:
        with open(args.out, "w") as f:
            f.write("%s; OLD `%s`, NEW `%s`\n\n%s\n"
                    % (torch.cuda.get_device_name(), args.old, args.new, table))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
