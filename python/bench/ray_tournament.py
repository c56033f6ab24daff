"""The cost of spreading a tournament over Ray: detente.ray.tournament against the
single-process detente.tournament (the same engine the CLI's `detente tournament` runs), both
writing a results database, on this machine. Not a test.

    pip install ./python ray           # a release build
    python python/bench/ray_tournament.py [--reps 800] [--cpus 2] [--shards 8] [--repeat 3]

The default is job-offer.toml with 8 strategies: 8² assignments × 2 role rotations × 800 reps =
102,400 negotiations of up to 100 rounds. Both runs use --cpus cores (threads for the single
process, Ray CPUs for Ray), alternating; the Ray figure excludes `ray.init` (timed separately) and includes
shipping the shard databases to the driver and merging them. Afterwards the two databases are
compared row by row.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import tempfile
import time

import ray

import detente
import detente.ray

REPO = pathlib.Path(__file__).resolve().parents[2]
STRATEGIES = ["boulware", "linear", "conceder", "hardliner", "random", "tit-for-tat", "micro", "time:0.5"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=800)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()

    scenario = detente.load(REPO / "scenarios" / "job-offer.toml")
    opts = dict(rounds=args.rounds, reps=args.reps, seed=1)
    n = len(STRATEGIES) ** 2 * 2 * args.reps
    print(f"{n:,} negotiations (job-offer, {len(STRATEGIES)} strategies, {args.reps} reps), {args.cpus} cores")

    single_times, ray_times = [], []
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        init = time.perf_counter() - t0
        # Alternating, so that the load of this shared machine falls on both alike.
        for k in range(args.repeat):
            path = os.path.join(d, f"single-{k}.sqlite")
            t0 = time.perf_counter()
            detente.tournament(scenario, STRATEGIES, threads=args.cpus, db=path, **opts)
            single_times.append(time.perf_counter() - t0)

            path = os.path.join(d, f"ray-{k}.sqlite")
            t0 = time.perf_counter()
            detente.ray.tournament(scenario, STRATEGIES, db=path, shards=args.shards, **opts)
            ray_times.append(time.perf_counter() - t0)
        ray.shutdown()

        got = detente.results(os.path.join(d, "ray-0.sqlite"), scenario)
        want = detente.results(os.path.join(d, "single-0.sqlite"), scenario)
        same = (got.records, got.ranking, got.counts) == (want.records, want.ranking, want.counts)

    def row(name: str, ts: list) -> str:
        med = statistics.median(ts)
        return f"| {name} | {med:.1f} s | {min(ts):.1f}–{max(ts):.1f} s | {n / med:,.0f} |"

    print("| run | median | range | negotiations/s |")
    print("|---|---|---|---|")
    print(row(f"detente.tournament, {args.cpus} threads", single_times))
    print(row(f"detente.ray.tournament, {args.shards} shards on {args.cpus} Ray CPUs", ray_times))
    print(f"ray.init: {init:.1f} s; overhead (median): {statistics.median(ray_times) / statistics.median(single_times) - 1:+.0%}")
    print(f"same rows as the single-process database: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
