"""Side by side: NegMAS's pareto_frontier / nash_points / kalai_points against detente.negmas's
drop-ins, in one process, on the same NegMAS ufuns (not a test; prints timings and ratios).

    python python/bench/negmas_drop_in.py [--issues 6] [--values 10] [--reps 3]

Default: 6 issues x 10 values = 10^6 outcomes, two random linear-additive ufuns with reserved
values. Checks that both sides give the same frontier (as a set of utility tuples) and the same
Nash and Kalai points before timing anything. Needs `detente` (release build: `pip install
./python`) and `negmas`.
"""

import argparse
import random
import statistics
import time

from negmas.inout import Scenario
from negmas.outcomes import make_issue, make_os
from negmas.preferences import LinearAdditiveUtilityFunction, kalai_points, nash_points, pareto_frontier
from negmas.preferences.value_fun import TableFun

import detente.negmas as dn


def scenario(n_issues: int, n_values: int, seed: int = 0) -> Scenario:
    rng = random.Random(seed)
    issues = [make_issue([f"v{j}" for j in range(n_values)], f"i{k}") for k in range(n_issues)]
    os_ = make_os(issues)
    ufuns = []
    for p in range(2):
        w = [rng.random() for _ in issues]
        funs = [TableFun({v: rng.random() for v in i.all}) for i in issues]
        ufuns.append(LinearAdditiveUtilityFunction(funs, [x / sum(w) for x in w], reserved_value=0.3, outcome_space=os_, name=f"p{p}"))
    return Scenario(outcome_space=os_, ufuns=tuple(ufuns))


def run(pf, nash, kalai, ufuns, os_):
    t0 = time.perf_counter()
    frontier, idx = pf(ufuns)
    t1 = time.perf_counter()
    n = nash(ufuns, frontier, outcome_space=os_)
    k = kalai(ufuns, frontier, outcome_space=os_)
    t2 = time.perf_counter()
    return (frontier, idx, n, k), t1 - t0, t2 - t1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=6)
    ap.add_argument("--values", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    s = scenario(a.issues, a.values)
    ufuns, os_ = list(s.ufuns), s.outcome_space
    print(f"{os_.cardinality} outcomes, 2 linear-additive ufuns, reserved value 0.3")
    rows = {"negmas": ([], []), "detente": ([], [])}
    answers = {}
    for _ in range(a.reps):  # alternate, so drift on a shared machine hits both sides
        for name, fns in (("negmas", (pareto_frontier, nash_points, kalai_points)), ("detente", (dn.pareto_frontier, dn.nash_points, dn.kalai_points))):
            ans, tf, tp = run(*fns, ufuns, os_)
            rows[name][0].append(tf)
            rows[name][1].append(tp)
            answers[name] = ans
    (fa, _, na, ka), (fb, _, nb, kb) = answers["negmas"], answers["detente"]
    assert sorted(fa) == sorted(fb), "frontiers differ"
    assert {p for p, _ in na} == {p for p, _ in nash_points(ufuns, fb, outcome_space=os_)}
    assert [p for p, _ in nb] == [p for p, _ in nash_points(ufuns, fb, outcome_space=os_)]
    assert [p for p, _ in kb] == [p for p, _ in kalai_points(ufuns, fb, outcome_space=os_)]
    print(f"frontier: {len(fa)} points (identical sets); Nash {nb[0][0]}; Kalai {kb[0][0]}")
    for what, i in (("pareto_frontier", 0), ("nash_points + kalai_points", 1)):
        m_n, m_d = statistics.median(rows["negmas"][i]), statistics.median(rows["detente"][i])
        print(f"{what:28s} negmas {m_n:9.4f} s   detente {m_d:9.4f} s   ratio {m_n / m_d:8.1f}x   (medians of {a.reps})")
    tot_n = statistics.median(x + y for x, y in zip(*rows["negmas"]))
    tot_d = statistics.median(x + y for x, y in zip(*rows["detente"]))
    print(f"{'all three':28s} negmas {tot_n:9.4f} s   detente {tot_d:9.4f} s   ratio {tot_n / tot_d:8.1f}x")


if __name__ == "__main__":
    main()
