#!/usr/bin/env python3
"""Checks the structure of every pass: each `Pass<"flag", ...>` record of a
Passes.td under INCLUDE has a TableGen definition `def Name` whose generated
base (GEN_PASS_DEF_<NAME upper-cased>) is defined by exactly one .cpp under
LIB, and at least one test under TEST whose file name contains the flag.
    pass-structure.py INCLUDE LIB TEST
Prints one line per pass; exits 1 naming each pass that breaks a rule.
"""
import os
import re
import sys

RECORD = re.compile(r'^def\s+(\w+)\s*:\s*Pass<"([^"]+)"', re.M)


def files(root, suffixes):
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(suffixes):
                yield os.path.join(d, n)


def main():
    include, lib, test = sys.argv[1:4]
    passes = []
    for path in files(include, ("Passes.td",)):
        with open(path) as f:
            passes += RECORD.findall(f.read())
    sources = {}
    for path in files(lib, (".cpp",)):
        with open(path) as f:
            for m in re.finditer(r"#define\s+GEN_PASS_DEF_(\w+)", f.read()):
                sources.setdefault(m.group(1), []).append(path)
    tests = [os.path.basename(p) for p in files(test, (".mlir", ".test", ".c"))]
    bad = 0
    for name, flag in sorted(passes, key=lambda p: p[1]):
        defs = sources.get(name.upper(), [])
        named = [t for t in tests if flag in t]
        problems = []
        if len(defs) != 1:
            problems.append("%d .cpp files define GEN_PASS_DEF_%s, expected 1"
                            % (len(defs), name.upper()))
        if not named:
            problems.append("no test file named after the flag")
        if problems:
            bad += 1
            print("BAD %s (%s): %s" % (flag, name, "; ".join(problems)))
        else:
            print("ok %s: %s, %d test(s)"
                  % (flag, os.path.relpath(defs[0], lib), len(named)))
    print("%d passes, %d breaking a rule" % (len(passes), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
