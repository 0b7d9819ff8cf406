#!/usr/bin/env python3
"""Checks docs/pipeline.md against the compiler: each ```sh block's command
is run (sparse-mla-opt from BIN_DIR, in the repository root) and the ```mlir
block after it must appear in its output, line by line, in order. A block
line ending in `...` matches an output line starting with the rest; a `...`
line alone skips any number of lines; other lines must match a whole output
line (both stripped of surrounding white space).
    pipeline-doc.py DOC BIN_DIR REPO_ROOT
"""
import os
import re
import subprocess
import sys


def blocks(text):
    """(command, expected lines) pairs, in document order."""
    found = re.findall(r"```sh\n(.*?)\n```\n```mlir\n(.*?)\n```", text, re.S)
    return [(cmd.strip(), body.split("\n")) for cmd, body in found]


def matcher(want):
    """A predicate on an output line for one block line."""
    inner = want.startswith("... ")
    prefix = want.endswith("...")
    key = want[4:] if inner else want
    key = key[:-3].rstrip() if prefix else key
    if inner:
        return lambda got: key in got
    if prefix:
        return lambda got: got.startswith(key)
    return lambda got: got == key


def check(expected, output):
    """None if the block matches, else the first line of the run (the lines
    between two `...` lines) that matches nowhere after the previous run."""
    lines = [l.strip() for l in output.split("\n")]
    runs, run = [], []
    for want in expected:
        want = want.strip()
        if want == "...":
            if run:
                runs.append(run)
            run = []
        else:
            run.append(want)
    if run:
        runs.append(run)
    at = 0
    for run in runs:
        tests = [matcher(w) for w in run]
        start = next((i for i in range(at, len(lines) - len(run) + 1)
                      if all(t(lines[i + k]) for k, t in enumerate(tests))),
                     None)
        if start is None:
            return run[0], "no consecutive match after line %d" % (at + 1)
        at = start + len(run)
    return None


def main():
    doc, bin_dir, root = sys.argv[1:4]
    pairs = blocks(open(doc).read())
    if not pairs:
        print("%s: no sh + mlir block pairs found" % doc)
        return 1
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
    failures = 0
    for cmd, expected in pairs:
        run = subprocess.run(cmd, shell=True, cwd=root, env=env,
                             capture_output=True, text=True)
        if run.returncode != 0:
            print("FAILED to run: %s\n%s" % (cmd, run.stderr))
            failures += 1
            continue
        miss = check(expected, run.stdout)
        if miss:
            print("STALE block after: %s\n  run from: %s\n  %s"
                  % (cmd, miss[0], miss[1]))
            failures += 1
    print("%d of %d blocks match" % (len(pairs) - failures, len(pairs)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
