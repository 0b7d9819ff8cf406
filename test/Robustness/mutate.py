#!/usr/bin/env python3
"""Deterministic mutation test for sparse-mla-opt.

Takes a valid IR file, derives many invalid variants from it (dropped tokens,
wrong element types, bad attribute values and shapes, truncation), runs the
tool on each and checks that every run ends with a diagnostic: a non-zero
exit status and an `error:` line on stderr. A run killed by a signal (a
crash or an abort), a hang, or one that accepts a broken input fails the test.
"""
import argparse
import random
import re
import subprocess
import sys

TOKEN = re.compile(r"%[\w.]+|#[\w.]+|[\w.]+|->|\S")


def strip_comments(text):
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//")) + "\n"


def token_spans(text):
    return [m.span() for m in TOKEN.finditer(text)]


def drop_token(text, rng, spans):
    start, end = spans[rng.randrange(len(spans))]
    return "drop %r at %d" % (text[start:end], start), text[:start] + text[end:]


def truncate(text, rng, spans):
    # Cut strictly before the last token: the module is then incomplete.
    cut = rng.randrange(1, spans[-1][0])
    return "truncate at %d" % cut, text[:cut]


TYPE_SWAPS = [("xbf16>", "xf16>"), ("xbf16>", "xf32>"), ("xbf16>", "xi32>"),
              ("xi32>", "xi64>"), ("xi32>", "xf32>"), ("xf32>", "xbf16>"),
              ("xf32>", "xf64>")]


def wrong_type(text, rng, spans):
    old, new = TYPE_SWAPS[rng.randrange(len(TYPE_SWAPS))]
    where = [m.start() for m in re.finditer(re.escape(old), text)]
    pos = where[rng.randrange(len(where))]
    # Either one occurrence (a type mismatch between the signature and the op)
    # or every occurrence of the same memref (a verifier error on the op).
    if rng.random() < 0.5:
        return "type %s -> %s at %d" % (old, new, pos), text[:pos] + new + text[pos + len(old):]
    memref = re.compile(r"memref<[^>]*%s" % re.escape(old))
    m = memref.search(text, pos - 40 if pos > 40 else 0)
    if m is None:
        return "type %s -> %s at %d" % (old, new, pos), text[:pos] + new + text[pos + len(old):]
    whole = m.group(0)
    return "type %s -> %s everywhere" % (whole, whole.replace(old, new)), text.replace(whole, whole.replace(old, new))


BAD_ATTRS = [
    "kv_stride = 0 : i64", "kv_stride = -3 : i64", "kv_stride = 1.5",
    "sm_scale = -1.0 : f32", "sm_scale = 0.0 : f32", "sm_scale = 0x7FC00000 : f32",
    "sm_scale = 0x7F800000 : f32", "sm_scale = 1 : i32", "sm_scale = \"x\"",
    "causal = 3 : i32", "causal = \"yes\"", "kv_stride = 99999999999999999999 : i64",
    "schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3>",
    "schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 3, warpgroups = 3, regs = [72, 216, 216]>",
    "schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 8, warpgroups = 3, regs = [72, 216, 216]>",
    "schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [256, 256, 256]>",
    "schedule = #sparse_mla.schedule<simple, heads_per_cta = 256, block_k = 32, stages = 1, warpgroups = 1>",
    "schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 0, stages = 1, warpgroups = 1>",
    "schedule = #sparse_mla.schedule<fast, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>",
    "schedule = #sparse_mla.schedule<simple, heads_per_cta = 16>",
    "schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1, regs = [-8]>",
    "schedule = 5 : i64",
]


def bad_attribute(text, rng, spans):
    bad = BAD_ATTRS[rng.randrange(len(BAD_ATTRS))]
    m = re.search(r"\{causal[^}]*\}", text)
    if m is None:
        return "attr (no attribute dictionary to mutate)", text
    if rng.random() < 0.5:
        return "attr %s first" % bad, text[:m.start() + 1] + bad + ", " + text[m.start() + 1:]
    return "attr %s last" % bad, text[:m.end() - 1] + ", " + bad + text[m.end() - 1:]


def bad_shape(text, rng, spans):
    # Change one size that several operands share (H, G or Dqk) in one memref
    # type, everywhere that type appears: the operands then disagree.
    memrefs = sorted(set(m for m in re.findall(r"memref<[^>]*>", text)
                         if len(m[len("memref<"):-1].split("x")) >= 4))
    if not memrefs:
        return "shape (no memref to mutate)", text
    victim = memrefs[rng.randrange(len(memrefs))]
    dims = victim[len("memref<"):-1].split("x")
    shared = [2] + ([3] if dims[-1] == "bf16" and dims[3] == "576" else [])
    i = shared[rng.randrange(len(shared))]
    new_value = rng.choice(["0", "3", "7", "?", str(int(dims[i]) + 1)])
    if new_value == dims[i]:
        new_value = "5"
    dims[i] = new_value
    mutated = "memref<" + "x".join(dims) + ">"
    return "shape %s -> %s" % (victim, mutated), text.replace(victim, mutated)


MUTATORS = [drop_token, truncate, wrong_type, bad_attribute, bad_shape]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--allow-valid", action="store_true",
                    help="a mutation the tool accepts is fine (only crashes, "
                         "hangs and silent failures count)")
    ap.add_argument("pass_args", nargs="*")
    args = ap.parse_args()

    text = strip_comments(open(args.input).read())
    spans = token_spans(text)
    base = subprocess.run([args.opt] + args.pass_args, input=text, capture_output=True, text=True)
    if base.returncode != 0:
        print("the unmutated input must be accepted:\n" + base.stderr)
        return 1

    rng = random.Random(args.seed)
    failures, seen, by_kind = [], set(), {}
    attempts = 0
    while len(seen) < args.count and attempts < args.count * 20:
        attempts += 1
        mutator = MUTATORS[rng.randrange(len(MUTATORS))]
        what, mutated = mutator(text, rng, spans)
        if mutated in seen or mutated == text:
            continue
        seen.add(mutated)
        by_kind[mutator.__name__] = by_kind.get(mutator.__name__, 0) + 1
        try:
            r = subprocess.run([args.opt] + args.pass_args, input=mutated, capture_output=True,
                               text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            failures.append((what, "timed out (hang)"))
            continue
        if r.returncode < 0:
            failures.append((what, "killed by signal %d\n%s" % (-r.returncode, r.stderr[-2000:])))
        elif r.returncode == 0:
            if not args.allow_valid:
                failures.append((what, "accepted without a diagnostic"))
        elif "error:" not in r.stderr:
            failures.append((what, "exit %d without an error diagnostic\n%s" % (r.returncode, r.stderr[-2000:])))

    print("mutations: %d (%s)" % (len(seen), ", ".join("%s %d" % kv for kv in sorted(by_kind.items()))))
    for what, why in failures:
        print("FAIL: %s: %s" % (what, why))
    if len(seen) < args.count:
        print("FAIL: only %d distinct mutations generated" % len(seen))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
