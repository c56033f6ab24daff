#!/usr/bin/env python3
"""The NegMAS side of bench/vs-negmas/run.sh: one workload per run, one JSON object out.

    negmas_side.py negotiate DIR STRATEGY_A STRATEGY_B ROUNDS
    negmas_side.py pareto DIR
    negmas_side.py stats DIR
    negmas_side.py tournament ROUNDS REPS STRATEGY[,STRATEGY...] DIR [DIR...]

DIR is a GENIUS folder (read with ``Scenario.from_genius_folder``; profiles in file-name order,
as detente reads them). Times are in seconds, measured with ``time.perf_counter`` around the
same steps the detente side times: loading, building the negotiators and mechanism (set-up),
running it; or the Pareto frontier + Nash points (``pareto_frontier`` + ``nash_points``, as
``calc_scenario_stats`` calls them); or ``Scenario.calc_stats()`` plus the rational fraction
(NegMAS's zopa size) that it includes.

``tournament`` plays every ordered pair of the strategies (self-play included) on every folder,
in both role rotations, REPS times, one ``SAOMechanism`` after the other in this process (NegMAS's
cheapest way to play a tournament on one thread: no ``cartesian_tournament`` bookkeeping, files
or statistics), and reports the time of all of them (loading excluded, as on the detente side,
whose time includes planning: bid spaces, Pareto frontier and Nash point per scenario). The
strategies are the behaviour workload's (``negmas_behaviour.py``: GENIUS's exponents).

A NegMAS negotiator sorts its outcome space when the negotiation starts, inside the first step,
so ``first_step_s`` is reported apart and ``per_round_s`` is the mean of the other rounds.
"""

import json
import resource
import sys
import time

T_START = time.perf_counter()
import negmas  # noqa: E402  (import time is part of the whole-process cost, reported apart)
from negmas.inout import Scenario  # noqa: E402
from negmas.preferences.ops import nash_points, pareto_frontier  # noqa: E402
from negmas.sao import (  # noqa: E402
    BoulwareTBNegotiator,
    ConcederTBNegotiator,
    LinearTBNegotiator,
    SAOMechanism,
)

IMPORT_S = time.perf_counter() - T_START

STRATEGIES = {
    "boulware": BoulwareTBNegotiator,
    "conceder": ConcederTBNegotiator,
    "linear": LinearTBNegotiator,
}


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def load(folder):
    t = time.perf_counter()
    s = Scenario.from_genius_folder(folder, ignore_discount=True)
    if s is None:
        raise SystemExit(f"negmas_side.py: cannot load {folder}")
    return s, time.perf_counter() - t


def negotiate(folder, a, b, rounds):
    s, load_s = load(folder)
    c0 = time.process_time()
    t = time.perf_counter()
    m = SAOMechanism(outcome_space=s.outcome_space, n_steps=rounds)
    for name, ufun in zip((a, b), s.ufuns):
        m.add(STRATEGIES[name](), ufun=ufun)
    setup_s = time.perf_counter() - t
    t = time.perf_counter()
    m.step()
    first_step_s = time.perf_counter() - t
    c1 = time.process_time()
    t = time.perf_counter()
    while m.running:
        m.step()
    rest_s = time.perf_counter() - t
    c2 = time.process_time()
    played = max(1, m.current_step)
    agreement = m.agreement
    return {
        "tool": "negmas",
        "import_s": IMPORT_S,
        "load_s": load_s,
        "setup_s": setup_s,
        "first_step_s": first_step_s,
        "run_s": first_step_s + rest_s,
        "negotiation_s": setup_s + first_step_s + rest_s,
        "rounds": played,
        "per_round_s": rest_s / max(1, played - 1),
        # The same on this process's CPU clock, which a loaded machine inflates far less.
        "negotiation_cpu_s": c2 - c0,
        "per_round_cpu_s": (c2 - c1) / max(1, played - 1),
        "agreement": agreement is not None,
        "utilities": [float(u(agreement)) if agreement is not None else float(u.reserved_value)
                      for u in s.ufuns],
        "peak_rss_kb": peak_rss_kb(),
    }


def pareto(folder):
    s, load_s = load(folder)
    t = time.perf_counter()
    ufuns = list(s.ufuns)
    outcomes = list(s.outcome_space.enumerate_or_sample(max_cardinality=float("inf")))
    ranges = [u.minmax(s.outcome_space, above_reserve=False) for u in ufuns]
    frontier, _ = pareto_frontier(ufuns, outcomes, sort_by_welfare=True)
    nash = nash_points(ufuns, ranges=ranges, frontier=frontier)
    analysis_s = time.perf_counter() - t
    return {
        "tool": "negmas",
        "import_s": IMPORT_S,
        "load_s": load_s,
        "analysis_s": analysis_s,
        "outcomes": str(s.outcome_space.cardinality),
        # NegMAS's frontier leaves out outcomes below a reservation value.
        "pareto_acceptable_size": len(frontier),
        "nash": [list(map(float, n[0])) for n in nash][:1][0] if nash else None,
        "peak_rss_kb": peak_rss_kb(),
    }


def stats(folder):
    s, load_s = load(folder)
    t = time.perf_counter()
    st = s.calc_stats()
    analysis_s = time.perf_counter() - t
    first = lambda xs: list(map(float, xs[0])) if xs else None  # noqa: E731
    return {
        "tool": "negmas",
        "import_s": IMPORT_S,
        "load_s": load_s,
        "analysis_s": analysis_s,
        "outcomes": str(s.outcome_space.cardinality),
        "pareto_acceptable_size": len(st.pareto_utils),
        "nash": first(st.nash_utils),
        "kalai_smorodinsky": first(st.ks_utils),
        "max_welfare": first(st.max_welfare_utils),
        "zopa_fraction": float(st.rational_fraction),
        "opposition": float(st.opposition),
        "peak_rss_kb": peak_rss_kb(),
    }


def tournament(rounds, reps, names, folders):
    from negmas_behaviour import STRATEGIES as PLAYERS

    for n in names:
        if n not in PLAYERS:
            raise SystemExit(f"unknown strategy {n!r}; valid: {', '.join(PLAYERS)}")
    t = time.perf_counter()
    scenarios = [load(f)[0] for f in folders]
    load_s = time.perf_counter() - t
    c0 = time.process_time()
    t = time.perf_counter()
    n = agreements = played = 0
    for s in scenarios:
        ufuns = list(s.ufuns)
        for a in names:
            for b in names:
                for rot in range(2):
                    for _ in range(reps):
                        profiles = [(j + rot) % 2 for j in range(2)]
                        m = SAOMechanism(outcome_space=s.outcome_space, n_steps=rounds)
                        for name, p in zip((a, b), profiles):
                            m.add(PLAYERS[name](), ufun=ufuns[p])
                        m.run()
                        n += 1
                        agreements += m.agreement is not None
                        played += m.current_step
    tournament_s = time.perf_counter() - t
    tournament_cpu_s = time.process_time() - c0
    return {
        "tool": "negmas",
        "import_s": IMPORT_S,
        "load_s": load_s,
        "tournament_s": tournament_s,
        "tournament_cpu_s": tournament_cpu_s,
        "negotiations": n,
        "agreements": agreements,
        "rounds": played,
        "peak_rss_kb": peak_rss_kb(),
    }


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, folder = argv[0], argv[1]
    if cmd == "tournament":
        out = tournament(int(argv[1]), int(argv[2]), argv[3].split(","), argv[4:])
    elif cmd == "negotiate":
        out = negotiate(folder, argv[2], argv[3], int(argv[4]))
    elif cmd == "pareto":
        out = pareto(folder)
    elif cmd == "stats":
        out = stats(folder)
    else:
        raise SystemExit(f"unknown command {cmd!r}\n{__doc__}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
