#!/usr/bin/env python3
"""Medians and NegMAS/detente ratios from run.sh's results.jsonl, as Markdown tables.

    summarize.py RESULTS.jsonl

Each line is one run: `tool` (negmas | detente), `kind` (process: the tool's own program with
in-process timings; cli: the `detente` binary), the tool's JSON fields, `wall_s` and
`max_rss_kb` (from /usr/bin/time). A ratio is NegMAS's median over detente's: how many times
faster (or smaller) detente is.
"""

import json
import statistics
import sys
from collections import defaultdict


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_t(s):
    if s is None:
        return "–"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def fmt_mb(kb):
    return "–" if kb is None else f"{kb / 1024:.0f} MB"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    r = a / b
    return f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"


def main(path):
    runs = defaultdict(list)
    order = []
    for line in open(path):
        r = json.loads(line)
        key = (r["workload"], r["tool"], r["kind"])
        if r["workload"] not in order:
            order.append(r["workload"])
        runs[key].append(r)

    def m(workload, tool, kind, field):
        return med(r.get(field) for r in runs.get((workload, tool, kind), []))

    def n(workload):
        return len(runs.get((workload, "negmas", "process"), []))

    sao = [w for w in order if w.startswith("sao/")]
    tour = [w for w in order if w.startswith("tournament/")]
    ana = [w for w in order if not w.startswith(("sao/", "tournament/"))]
    if tour:
        print("\n### Tournament (one thread)\n")
        print("In-process: every negotiation of the tournament (detente: planning included, i.e. "
              "bid spaces and each scenario's Pareto frontier and Nash point; NegMAS: one "
              "SAOMechanism after the other); whole process: loading and start-up included.\n")
        print("| workload | negotiations | agreements N/d | in-process NegMAS | detente | ratio | "
              "process NegMAS | detente | ratio | peak RSS NegMAS | detente | ratio | runs | checksum |")
        print("|" + "---|" * 14)
        for w in tour:
            ip = (m(w, "negmas", "process", "tournament_s"), m(w, "detente", "process", "tournament_s"))
            wp = (m(w, "negmas", "process", "wall_s"), m(w, "detente", "process", "wall_s"))
            rs = (m(w, "negmas", "process", "max_rss_kb"), m(w, "detente", "process", "max_rss_kb"))
            ag = (m(w, "negmas", "process", "agreements"), m(w, "detente", "process", "agreements"))
            ng = m(w, "detente", "process", "negotiations")
            sums = sorted({r.get("checksum") for r in runs.get((w, "detente", "process"), [])} - {None})
            print(f"| {w} | {ng:.0f} | {ag[0]:.0f}/{ag[1]:.0f} | {fmt_t(ip[0])} | {fmt_t(ip[1])} | "
                  f"{ratio(*ip)} | {fmt_t(wp[0])} | {fmt_t(wp[1])} | {ratio(*wp)} | {fmt_mb(rs[0])} | "
                  f"{fmt_mb(rs[1])} | {ratio(*rs)} | {n(w)} | {' '.join(sums)} |")
    print("\n### Negotiations (stacked alternating offers)\n")
    print("In-process: per round (NegMAS without its first step, which sorts the outcome space) "
          "and per negotiation including set-up (building the negotiators); whole process: the "
          "`detente negotiate` binary vs `python negmas_side.py`, loading included; peak RSS of "
          "those processes.\n")
    print("| workload | rounds N/d | per round NegMAS | detente | ratio | negotiation NegMAS | "
          "detente | ratio | process NegMAS | detente | ratio | peak RSS NegMAS | detente | ratio | runs |")
    print("|" + "---|" * 15)
    for w in sao:
        pr = (m(w, "negmas", "process", "per_round_s"), m(w, "detente", "process", "per_round_s"))
        ng = (m(w, "negmas", "process", "negotiation_s"), m(w, "detente", "process", "negotiation_s"))
        wp = (m(w, "negmas", "process", "wall_s"), m(w, "detente", "cli", "wall_s"))
        rs = (m(w, "negmas", "process", "max_rss_kb"), m(w, "detente", "cli", "max_rss_kb"))
        rounds = (m(w, "negmas", "process", "rounds"), m(w, "detente", "process", "rounds"))
        print(f"| {w[4:]} | {rounds[0]:.0f}/{rounds[1]:.0f} | {fmt_t(pr[0])} | {fmt_t(pr[1])} | "
              f"{ratio(*pr)} | {fmt_t(ng[0])} | {fmt_t(ng[1])} | {ratio(*ng)} | {fmt_t(wp[0])} | "
              f"{fmt_t(wp[1])} | {ratio(*wp)} | {fmt_mb(rs[0])} | {fmt_mb(rs[1])} | {ratio(*rs)} | {n(w)} |")
    cpu = [(w, f) for w in sao + tour for f in ("per_round", "negotiation", "tournament")
           if m(w, "negmas", "process", f + "_cpu_s") is not None]
    if cpu:
        print("\n### NegMAS on its CPU clock\n")
        print("A loaded machine slows a long Python run far more than a sub-millisecond one, so "
              "the wall-clock ratios above overstate. Here NegMAS's side is its process CPU time "
              "(`time.process_time`) over the same steps; detente's is wall time as above (its "
              "runs are short enough to rarely be preempted, so this understates detente).\n")
        print("| workload | metric | NegMAS CPU | detente | ratio |")
        print("|---|---|---|---|---|")
        for w, f in cpu:
            a = m(w, "negmas", "process", f + "_cpu_s")
            b = m(w, "detente", "process", f + "_s")
            print(f"| {w} | {f.replace('_', ' ')} | {fmt_t(a)} | {fmt_t(b)} | {ratio(a, b)} |")
    print("\n### Analysis\n")
    print("In-process: the analysis alone (scenario loaded); whole process: `detente analyze` "
          "(which computes every statistic and both frontiers) vs `python negmas_side.py`.\n")
    print("| workload | in-process NegMAS | detente | ratio | process NegMAS | detente | ratio | "
          "peak RSS NegMAS | detente | ratio | runs |")
    print("|" + "---|" * 11)
    for w in ana:
        ip = (m(w, "negmas", "process", "analysis_s"), m(w, "detente", "process", "analysis_s"))
        wp = (m(w, "negmas", "process", "wall_s"), m(w, "detente", "cli", "wall_s"))
        rs = (m(w, "negmas", "process", "max_rss_kb"), m(w, "detente", "cli", "max_rss_kb"))
        print(f"| {w} | {fmt_t(ip[0])} | {fmt_t(ip[1])} | {ratio(*ip)} | {fmt_t(wp[0])} | "
              f"{fmt_t(wp[1])} | {ratio(*wp)} | {fmt_mb(rs[0])} | {fmt_mb(rs[1])} | {ratio(*rs)} | "
              f"{n(w) or len(runs.get((w, 'detente', 'cli'), []))} |")
    print("\n### Same answers\n")
    print("| workload | field | NegMAS | detente |")
    print("|---|---|---|---|")
    for w in ana:
        a = (runs.get((w, "negmas", "process")) or [{}])[0]
        b = (runs.get((w, "detente", "process")) or [{}])[0]
        for f in ["outcomes", "pareto_acceptable_size", "nash", "kalai_smorodinsky",
                  "max_welfare", "zopa_fraction", "opposition"]:
            if f in a or (f in b and b[f] is not None):
                print(f"| {w} | {f} | {a.get(f, '–')} | {b.get(f, '–')} |")


if __name__ == "__main__":
    main(sys.argv[1])
