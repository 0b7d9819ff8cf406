#!/usr/bin/env python3
"""Checks that no function in the C++ sources under DIR is longer than
LIMIT lines (signature line to closing brace). A function is found the way
the code is formatted (LLVM style): a line whose code ends in `) ... {` and
is neither a control statement nor a lambda opens a body, which ends at its
matching brace (lambdas and local classes count toward their function).
    function-length.py DIR [LIMIT]
Prints the longest function; exits 1 naming each one over the limit.
"""
import os
import re
import sys

CONTROL = re.compile(r"^\s*(\}\s*)?(if|for|while|switch|else|do|catch)\b")
LAMBDA = re.compile(r"\[[^\]]*\]\s*(\([^()]*(\([^()]*\)[^()]*)*\))?\s*"
                    r"(mutable\s*)?(->\s*[\w:<>,\s*&]+)?\{\s*$")
OPENS = re.compile(r"\)\s*(const\s*)?(override\s*)?(final\s*)?(noexcept\s*)?"
                   r"(->\s*[\w:<>,\s*&]+)?\s*(:.*)?\{\s*$")


def code(line):
    """The line without string and character literals and comments."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return re.sub(r"//.*", "", line).rstrip()


def functions(path):
    """(lines, first line number, signature line) of each function."""
    with open(path, encoding="utf-8") as f:
        lines = [code(l) for l in f.read().split("\n")]
    i = 0
    while i < len(lines):
        line = lines[i]
        if OPENS.search(line) and not CONTROL.search(line) \
                and not LAMBDA.search(line):
            depth, j = 0, i
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                if depth <= 0:
                    break
                j += 1
            yield j - i + 1, i + 1, line.strip()
            i = j + 1
        else:
            i += 1


def main():
    root = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    found = []
    for d, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith((".cpp", ".h")):
                path = os.path.join(d, name)
                rel = os.path.relpath(path, root)
                found += [(n, rel, at, sig) for n, at, sig in functions(path)]
    if not found:
        print("no functions found under %s" % root)
        return 1
    found.sort(key=lambda f: -f[0])
    n, rel, at, _ = found[0]
    print("%d functions; the longest: %d lines (%s:%d)" % (len(found), n, rel,
                                                           at))
    over = [f for f in found if f[0] > limit]
    for n, rel, at, sig in over:
        print("OVER %d LINES: %s:%d (%d lines): %s" % (limit, rel, at, n, sig))
    print("%d over %d lines" % (len(over), limit))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
