"""Tournaments spread over a Ray cluster.

``detente.ray.tournament(...)`` cuts a tournament into shards (negotiation ids I modulo N, the
same shards as ``detente tournament --shard I/N``), plays each shard as a Ray task into a
results database of its own on the worker, ships the database back through Ray's object store,
and merges the shards into ``db`` with ``detente.merge``. Every negotiation is a pure function
of the tournament and its id, so the merged database holds the same rows as a single-process
run of the same tournament (same scenarios, strategies, options and seed), whatever the number
of shards, workers or retries.

A worker that dies mid-shard (a crash, a killed process, a lost node) fails its task; Ray runs
the task again (``max_retries``) and the shard is played again from the start: nothing of the
dead attempt reaches ``db``, and ``merge`` keeps each negotiation exactly once.

Scenarios go to the workers pickled (``Scenario.__reduce__``: the native TOML text when it reads
back identically, else the issues and preferences exactly). Python players go with Ray's
cloudpickle: define them where the workers can unpickle them (an installed module, or a class
defined inside a function, which is pickled by value).

Ray is imported only when ``tournament`` is called (``pip install ray``).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from . import DetenteError, PathLike, Scenario, TournamentResult, _detente, merge, results
from ._players import as_player
from . import tournament as _tournament

__all__ = ["tournament"]


def _play_shard(
    index: int,
    count: int,
    scenarios: Sequence[Scenario],
    strategies: Sequence[Any],
    options: dict,
) -> Tuple[bytes, Dict[str, int]]:
    """One shard, played on a Ray worker into a fresh database; returns the database file and
    the run's summary."""
    with tempfile.TemporaryDirectory(prefix="detente-ray-") as d:
        path = os.path.join(d, f"shard-{index}-of-{count}.sqlite")
        t = _tournament(list(scenarios), list(strategies), shard=(index, count), db=path, **options)
        with open(path, "rb") as f:
            return f.read(), t.summary


def tournament(
    scenarios: Union[Scenario, Sequence[Scenario]],
    strategies: Sequence[Any],
    *,
    db: PathLike,
    shards: Optional[int] = None,
    rounds: int = 100,
    reps: int = 1,
    seed: int = 0,
    max_assignments: int = 100_000,
    max_steps: Optional[int] = None,
    traces: bool = False,
    threads_per_shard: int = 1,
    max_retries: int = 3,
    address: Optional[str] = None,
) -> TournamentResult:
    """Plays ``detente.tournament(scenarios, strategies, ...)`` as ``shards`` Ray tasks and
    merges them into the results database ``db`` (created when missing; a database of the
    same tournament is completed, never duplicated). Returns what ``detente.tournament``
    returns with a ``db``: the description, the ranking of the whole database, ``summary``
    (the shards' summaries added up) and ``records=None`` (``detente.results(db, scenarios)``
    reads them; ``to_pandas()`` too).

    ``shards`` defaults to twice the cluster's CPUs; each task asks Ray for
    ``threads_per_shard`` CPUs and plays its shard on that many threads. A task whose worker
    dies is run again up to ``max_retries`` times. Ray is started with
    ``ray.init(address=address)`` unless it is already (``address=None`` starts a local
    cluster; ``"auto"`` joins a running one).
    """
    import ray

    if isinstance(scenarios, Scenario):
        scenarios = [scenarios]
    elif isinstance(scenarios, (list, tuple)):
        scenarios = list(scenarios)
    else:
        raise TypeError(f"scenarios: expected a detente.Scenario or a list of them, got {type(scenarios).__name__}")
    for i, s in enumerate(scenarios):
        if not isinstance(s, Scenario):
            raise TypeError(f"scenarios[{i}]: expected a detente.Scenario, got {type(s).__name__}")
    if isinstance(strategies, str) or not isinstance(strategies, (list, tuple)):
        raise TypeError(f"strategies: expected a list of strategy names or players, got {type(strategies).__name__}")
    strategies = [as_player(x) for x in strategies]
    for i, x in enumerate(strategies):
        if isinstance(x, str):
            try:
                _detente.strategy_name(x)
            except DetenteError as e:
                raise DetenteError(f"strategies[{i}]: {str(e).removeprefix('strategy: ')}") from None
    for name, v in (("threads_per_shard", threads_per_shard), ("max_retries", max_retries)):
        if not isinstance(v, int) or isinstance(v, bool) or v < (1 if name == "threads_per_shard" else 0):
            raise ValueError(f"{name}: expected an integer >= {1 if name == 'threads_per_shard' else 0}, got {v!r}")
    if not ray.is_initialized():
        ray.init(address=address)
    if shards is None:
        shards = max(1, 2 * int(ray.cluster_resources().get("CPU", 1)))
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise ValueError(f"shards: expected an integer >= 1, got {shards!r}")
    options = dict(
        rounds=rounds,
        reps=reps,
        seed=seed,
        max_assignments=max_assignments,
        max_steps=max_steps,
        traces=traces,
        threads=threads_per_shard,
    )
    task = ray.remote(num_cpus=threads_per_shard, max_retries=max_retries)(_play_shard)
    scen_ref = ray.put(scenarios)
    strat_ref = ray.put(strategies)
    futures = [task.remote(i, shards, scen_ref, strat_ref, options) for i in range(shards)]
    summary = {"in_shard": 0, "skipped": 0, "ran": 0, "failed": 0}
    with tempfile.TemporaryDirectory(prefix="detente-ray-merge-") as d:
        paths = []
        # Shard databases are written in shard order, whatever order the tasks finish in.
        for i, (blob, s) in enumerate(ray.get(futures)):
            path = os.path.join(d, f"shard-{i}-of-{shards}.sqlite")
            with open(path, "wb") as f:
                f.write(blob)
            paths.append(path)
            for k in summary:
                summary[k] += s[k]
        merge(db, paths)
    r = results(db, scenarios, records=False)
    return TournamentResult(r.description, summary, [0, 1], os.fspath(db), None, r.ranking)
