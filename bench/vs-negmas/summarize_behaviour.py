#!/usr/bin/env python3
"""Per-strategy behaviour table from the JSON lines of both tools (behaviour workload).

    summarize_behaviour.py DETENTE.jsonl NEGMAS.jsonl [ALIAS=ALIAS ...]

Each line is one negotiation (``detente-vs-negmas behaviour`` or ``negmas_behaviour.py``).
Per strategy and tool: participations (a strategy counts once per seat, self-play included),
mean own utility (the reservation value without agreement) and agreement rate, then the
differences. ``ALIAS=ALIAS`` pairs a detente name with a NegMAS name when they differ
(``tit-for-tat=naive-tft``). Prints Markdown; also a per-domain table of mean own utility.
"""

import json
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def per_strategy(rows):
    acc = defaultdict(lambda: [0, 0.0, 0])  # n, sum utility, agreements
    dom = defaultdict(lambda: [0, 0.0])
    for r in rows:
        for seat, name in enumerate(r["seats"]):
            a = acc[name]
            a[0] += 1
            a[1] += r["utilities"][seat]
            a[2] += 1 if r["agreement"] else 0
            d = dom[(name, r["domain"])]
            d[0] += 1
            d[1] += r["utilities"][seat]
    return acc, dom


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    det, neg = load(argv[0]), load(argv[1])
    aliases = dict(a.split("=", 1) for a in argv[2:])
    da, dd = per_strategy(det)
    na, nd = per_strategy(neg)
    domains = sorted({r["domain"] for r in det})
    print("| strategy (detente / NegMAS) | n | detente utility | NegMAS utility | Δ utility "
          "| detente agreements | NegMAS agreements | Δ points |")
    print("|---|---|---|---|---|---|---|---|")
    for name in da:
        other = aliases.get(name, name)
        n, su, ag = da[name]
        if other in na:
            m, sv, bg = na[other]
            du = su / n - sv / m
            dp = 100 * (ag / n - bg / m)
            print(f"| {name} / {other} | {n} | {su / n:.3f} | {sv / m:.3f} | {du:+.3f} "
                  f"| {100 * ag / n:.0f}% | {100 * bg / m:.0f}% | {dp:+.0f} |")
        else:
            print(f"| {name} / — | {n} | {su / n:.3f} | — | — | {100 * ag / n:.0f}% | — | — |")
    print()
    print("Mean own utility per domain (detente / NegMAS):")
    print()
    print("| strategy | " + " | ".join(domains) + " |")
    print("|---|" + "---|" * len(domains))
    for name in da:
        other = aliases.get(name, name)
        cells = []
        for d in domains:
            n, s = dd.get((name, d), (0, 0.0))
            m, t = nd.get((other, d), (0, 0.0))
            a = f"{s / n:.2f}" if n else "—"
            b = f"{t / m:.2f}" if m else "—"
            cells.append(f"{a} / {b}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
