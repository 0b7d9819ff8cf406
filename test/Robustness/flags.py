#!/usr/bin/env python3
"""Flag robustness test for sparse-mla-opt and sparse-mla-translate.

Runs the tools on a valid input with deterministic combinations of option
values (chip names, PTX feature strings, schedules, optimization levels,
booleans, garbage) and checks that no run dies by a signal, prints an LLVM
fatal error or stack dump, or hangs. A run may succeed (the value is valid)
or fail; a failure must come with an `error:` line, and no diagnostic may
print the module (no more than MAX_ERROR_LINES lines of stderr).
"""
import argparse
import itertools
import random
import subprocess
import sys

CHIPS = ["sm_90a", "sm_90", "sm_80", "sm_86", "sm_100a", "sm_120", "sm_75",
         "sm_95", "sm_9", "sm_", "sm_90b", "sm_-1", "sm_99999999999999999999",
         "gfx90a", "h100", "", "SM_90A", "sm_90a ", "sm_90aa"]
FEATURES = ["auto", "+ptx86", "+ptx80", "+ptx78", "+ptx91", "+ptx99", "ptx86",
            "+ptx86,+ptx87", "-ptx86", "+", "", ",", "+ptx86,,", "+foo",
            "+sm_90a", "+ptx", "+ptx8.6", "+ptx0086"]
SCHEDULES = ["default", "seesaw", "simple", "pipelined", "fast", "", "SEESAW"]
OPT_LEVELS = ["0", "3", "-1", "4", "999999999999", "x", ""]
BOOLS = ["true", "false", "1", "maybe", ""]
MAX_ERROR_LINES = 40
BAD_MARKERS = ("LLVM ERROR", "PLEASE submit a bug report", "Stack dump",
               "Assertion", "Segmentation fault")


def check(cmd, timeout, failures, label):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        failures.append("%s: hang (> %d s)" % (label, timeout))
        return None
    err = p.stderr
    if p.returncode < 0:
        failures.append("%s: killed by signal %d" % (label, -p.returncode))
    elif any(m in err for m in BAD_MARKERS):
        failures.append("%s: %s" % (label, err.strip().splitlines()[0][:200]))
    elif p.returncode != 0 and not any(m in err for m in ("error:", " option: '", "Unknown command line argument")):
        # (" option: '...' is invalid ..." is the command-line parser's own
        # diagnostic for a value of the wrong kind, naming the value.)
        failures.append("%s: exit %d without a diagnostic" % (label, p.returncode))
    elif p.returncode != 0 and len(err.splitlines()) > MAX_ERROR_LINES:
        failures.append("%s: %d lines of stderr (module dumped?)" % (label, len(err.splitlines())))
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", required=True)
    ap.add_argument("--translate", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--lowered", required=True, help="output of sparse-mla-to-nvvm")
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failures, ran = [], 0

    # Every chip and every feature string alone, then random combinations.
    combos = [("chip=" + c,) for c in CHIPS] + [("features=" + f,) for f in FEATURES]
    for _ in range(args.count):
        combos.append(("chip=" + rng.choice(CHIPS), "features=" + rng.choice(FEATURES),
                       "schedule=" + rng.choice(SCHEDULES), "opt-level=" + rng.choice(OPT_LEVELS),
                       "split-tail=" + rng.choice(BOOLS)))
    for combo in combos:
        option = "--sparse-mla-to-nvvm=" + " ".join("%s" % c for c in combo)
        check([args.opt, args.input, option, "-o", "/dev/null"], args.timeout, failures, option)
        ran += 1
    for chip in CHIPS[:8]:
        option = "--sparse-mla-select-schedule=chip=%s schedule=%s" % (chip, rng.choice(SCHEDULES))
        check([args.opt, args.input, option, "-o", "/dev/null"], args.timeout, failures, option)
        ran += 1

    # sparse-mla-translate: its own flags, on a lowered module.
    translate_flags = [["--manifest"], ["--ptx", "--verify-ptxas=false"], ["--ptx", "--toolkit=/nonexistent"],
                       ["--package", "--toolkit="], ["--package", "--toolkit=/tmp"], ["--manifest", "--kernel=nope"],
                       ["--ptx", "--gpu-module=nope"], ["--manifest", "--gpu-module=sparse_mla_kernels"],
                       ["--package", "-o", "/nonexistent/dir/x.smlapkg"], ["--bogus"], ["--ptx", "--verify-ptxas=maybe"]]
    for flags in translate_flags:
        out = [] if "-o" in flags else ["-o", "/dev/null"]
        check([args.translate, args.lowered] + flags + out, args.timeout, failures, "translate " + " ".join(flags))
        ran += 1
    # Lowered modules whose target says something LLVM does not know.
    text = open(args.lowered).read()
    for chip, feats in itertools.islice(itertools.product(["sm_90a", "sm_95", "sm_75", "sm_100a"],
                                                          ["+ptx86", "+ptx91", "ptx86", "+ptx78", "+foo"]), 20):
        variant = text.replace('chip = "sm_90a", features = "+ptx86"', 'chip = "%s", features = "%s"' % (chip, feats))
        path = args.lowered + ".variant.mlir"
        with open(path, "w") as f:
            f.write(variant)
        check([args.translate, path, "--ptx", "--verify-ptxas=false", "-o", "/dev/null"], args.timeout, failures,
              "translate target chip=%s features=%s" % (chip, feats))
        ran += 1

    print("flag runs: %d" % ran)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
