#!/usr/bin/env python3
"""Collects bench/run.sh's runs into RESULTS_DIR/bench.json and bench.md."""
import json
import os
import sys


def reference_rate(runs_dir):
    """The matmul measurement the ratios use, and every measurement taken.

    bench/run.sh measures the rate before the suite (matmul.json) and after
    it (matmul-after.json). A busy card runs warmer and slower, and a lower
    matmul rate would raise every ratio, so the ratios use the higher of the
    passing measurements. A missing or failed measurement gives no rate."""
    runs = []
    for when, name in (("before", "matmul.json"), ("after", "matmul-after.json")):
        path = os.path.join(runs_dir, name)
        if not os.path.exists(path):
            continue
        try:
            m = json.load(open(path))
        except ValueError:
            m = {"check": "fail"}
        m["when"] = when
        runs.append(m)
    passing = [m for m in runs if m.get("check") == "pass" and m.get("tflops")]
    if not passing:
        return {"check": "fail"}, runs
    return max(passing, key=lambda m: m["tflops"]), runs


def main():
    res = sys.argv[1]
    runs_dir = os.path.join(res, "runs")
    matmul, matmul_runs = reference_rate(runs_dir)
    rows, failed = [], False
    for line in open(os.path.join(runs_dir, "index.tsv")):
        label, name, status, cmd = line.rstrip("\n").split("\t")
        row = {"schedule": label, "name": name, "command": cmd}
        if status == "skipped":
            row["status"] = "skipped"
            rows.append(row)
            continue
        if not status.lstrip("-").isdigit():  # the run did not happen (bench/run.sh: "dump-failed")
            row.update(status="fail", error=status)
            failed = True
            rows.append(row)
            continue
        try:
            r = json.load(open(os.path.join(runs_dir, "%s-%s.json" % (label, name))))
        except (OSError, ValueError) as e:
            row.update(status="fail", error="no JSON result: %s" % e)
            failed = True
            rows.append(row)
            continue
        t = r.get("timing") or {}
        ok = r.get("check", {}).get("status") == "pass" and status == "0"
        # A peer's row (bench/peer.py) also needs its outputs to equal the package's.
        ok = ok and (r.get("compare") or {}).get("status", "pass") == "pass"
        failed |= not ok
        row.update(status="pass" if ok else "fail", card=r.get("card"), shape=r.get("shape"),
                   attrs=r.get("attrs"), generator=r.get("generator"),
                   median_ms=t.get("median_ms"), tflops=t.get("tflops"), tbps=t.get("tbps"),
                   ratio_to_matmul=(t["tflops"] / matmul["tflops"]) if t.get("tflops") and matmul.get("tflops") else None,
                   max_abs_err_out=r.get("check", {}).get("max_abs_err_out"), error=r.get("error"))
        if "impl" in r:  # a peer's run (bench/peer.py): its element-by-element comparison too
            row.update(impl=r["impl"], check_status=r.get("check", {}).get("status"), compare=r.get("compare"))
        rows.append(row)
    card = matmul.get("card") or next((r.get("card") for r in rows if r.get("card")), "unknown")
    json.dump({"card": card, "matmul": matmul, "matmul_runs": matmul_runs, "runs": rows},
              open(os.path.join(res, "bench.json"), "w"), indent=1)

    def describe(m):
        rate = ("%.1f TFLOPS" % m["tflops"]) if m.get("tflops") else "no rate"
        return "%s the suite %s%s" % (m["when"], rate, "" if m.get("check") == "pass" else " (check failed)")
    taken = ", ".join(describe(m) for m in matmul_runs)
    md = ["# Benchmark", "", "Card: **%s**. bf16 matmul (torch %s, 8192^3, median of 20): **%.1f TFLOPS** (check %s; "
          "measured %s; the ratios use the higher)."
          % (card, matmul.get("torch", "?"), matmul.get("tflops", 0.0), matmul.get("check"), taken or "not measured"), "",
          "| schedule | case | B | S | Skv | H | topk | causal | q_start | ms (median) | TFLOPS | TB/s | / matmul | check |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s, a = r.get("shape") or {}, r.get("attrs") or {}
        fmt = lambda v, f: (f % v) if isinstance(v, (int, float)) else ""
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["schedule"], r["name"], s.get("B", ""), s.get("S", ""), s.get("Skv", ""), s.get("H", ""),
            s.get("topk", ""), a.get("causal", ""), a.get("q_start", ""), fmt(r.get("median_ms"), "%.3f"),
            fmt(r.get("tflops"), "%.1f"), fmt(r.get("tbps"), "%.3f"), fmt(r.get("ratio_to_matmul"), "%.3f"),
            r["status"]))
    peers = [r for r in rows if r.get("impl") or r["schedule"].startswith("peer-")]
    if peers:
        md += ["", "Peers (`bench/peer.py`, on the inputs the first schedule's package was checked on; every "
               "element compared with that package's outputs):", ""]
        for r in peers:
            c = r.get("compare")
            if not c:
                md.append("- %s/%s: %s" % (r["schedule"], r["name"], "skipped" if r["status"] == "skipped"
                                           else "no comparison (%s)" % (r.get("error") or "no result")))
                continue
            num = lambda v: ("%.3g" % v) if isinstance(v, (int, float)) else "?"
            parts = ["out: %s elements outside the tolerance, %s rows below cosine 0.9999, max |diff| %s"
                     % (c.get("out_mismatches", "?"), c.get("rows_below_cosine", "?"), num(c.get("max_abs_diff_out"))),
                     "lse: %s outside, max |diff| %s" % (c.get("lse_mismatches", "?"), num(c.get("max_abs_diff_lse")))]
            if "max_logits_mismatches" in c:
                parts.append("max_logits: %s outside, max |diff| %s"
                             % (c["max_logits_mismatches"], num(c.get("max_abs_diff_max_logits"))))
            md.append("- %s/%s: float64 check %s; comparison %s (%s)" % (
                r["schedule"], r["name"], r.get("check_status") or "not run", c.get("status", "not run"),
                "; ".join(parts)))
    md += ["", "Commands (`sparse-mla-run` from the package directory; `bench/peer.py` from the repository root):",
           ""]
    md += ["- %s/%s: `%s`" % (r["schedule"], r["name"], r["command"]) for r in rows]
    open(os.path.join(res, "bench.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
