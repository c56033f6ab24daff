"""detente from Python: exact analysis and simulation of multi-issue negotiations.

>>> import detente
>>> s = detente.from_dict({
...     "name": "haggle",
...     "issues": [{"name": "price", "range": [0, 10]}],
...     "parties": [
...         {"name": "buyer", "reservation": 0.2, "weights": {"price": 1},
...          "values": {"price": {"points": [[0, 1.0], [10, 0.0]]}}},
...         {"name": "seller", "reservation": 0.2, "weights": {"price": 1},
...          "values": {"price": {"points": [[0, 0.0], [10, 1.0]]}}},
...     ],
... })
>>> a = detente.analyze(s)
>>> a.outcomes, a.zopa, a.nash.outcome
(11, 7, {'price': 5})

The engine is Rust (the ``detente-core``, ``-formats``, ``-tournament`` and ``-store``
crates); this package is a thin layer over it. Long calls release the GIL and stop on Ctrl-C.
Errors are ``DetenteError`` (a ``ValueError``) whose message names the argument at fault, or
``TypeError`` for arguments of the wrong type.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _detente
from ._detente import (
    MEDIATORS,
    STRATEGIES,
    Agent,
    DetenteError,
    Scenario,
    Ufun,
    __version__,
    from_dict,
    from_terms,
    from_toml,
)
from ._players import Negotiator, Offer, Player, State, as_player
from ._results import (
    Analysis,
    FrontierVector,
    NegotiationResult,
    Point,
    Results,
    SingleTextResult,
    TournamentResult,
)

__all__ = [
    "Agent",
    "Analysis",
    "DetenteError",
    "FrontierVector",
    "MEDIATORS",
    "NegotiationResult",
    "Negotiator",
    "Offer",
    "Player",
    "Point",
    "Results",
    "STRATEGIES",
    "Scenario",
    "SingleTextResult",
    "State",
    "TournamentResult",
    "Ufun",
    "__version__",
    "analyze",
    "from_dict",
    "from_terms",
    "from_toml",
    "load",
    "merge",
    "negotiate",
    "results",
    "sensitivity",
    "single_text",
    "tournament",
]

PathLike = Union[str, "os.PathLike[str]"]
Strategies = Union[str, Sequence[str], Dict[Union[str, int], str]]
# A strategy name, a detente.Player, a detente.Negotiator subclass or a NegMAS negotiator class.
PlayerLike = Any
Players = Union[PlayerLike, Sequence[PlayerLike], Dict[Union[str, int], PlayerLike]]


def _players(strategies: Any) -> Any:
    if isinstance(strategies, dict):
        return {k: as_player(v) for k, v in strategies.items()}
    if isinstance(strategies, (list, tuple)):
        return [as_player(v) for v in strategies]
    return as_player(strategies)


def load(path: PathLike, profiles: Optional[Sequence[PathLike]] = None) -> Scenario:
    """Reads a scenario: a native ``.toml`` file, a GENIUS folder, a GeniusWeb folder, or a
    GENIUS ``.xml`` / GeniusWeb ``.json`` domain file with its ``profiles``. The format is
    detected from the contents. Lenient reads are listed in ``Scenario.warnings``.

    Raises ``DetenteError`` naming the file, line and element at fault.
    """
    return _detente.load(path, None if profiles is None else list(profiles))


def analyze(
    scenario: Scenario,
    *,
    full_frontier: bool = True,
    acceptable_frontier: bool = True,
    max_nodes: int = 100_000_000,
) -> Analysis:
    """The exact analysis: outcome and zopa counts, Pareto frontiers (outcomes and distinct
    utility vectors with exact counts), Nash, Kalai-Smorodinsky and max-welfare points over
    the acceptable outcomes, and the opposition level. Nothing is sampled or estimated: a
    quantity that would exceed ``max_nodes`` is ``None`` with its reason in ``incomplete``."""
    return Analysis._from(
        _detente.analyze(
            scenario, full_frontier=full_frontier, acceptable_frontier=acceptable_frontier, max_nodes=max_nodes
        )
    )


def sensitivity(
    scenario: Scenario,
    *,
    samples: int = 1000,
    seed: int = 0,
    max_nodes: int = 10_000_000,
) -> Dict[str, Any]:
    """The robust analysis of ``detente sensitivity`` (docs/robustness.md): ``samples`` seeded
    draws of the scenario's ranges, each decided exactly. Returns the dict that
    ``detente sensitivity --json`` prints: ``zone_probability`` (``share``, ``count``, ``n``,
    Wilson ``ci95``), ``point_zone``, ``robust_packages``, ``nash``, ``drafts``, ``decisive``
    (the tornado), ``unlock`` (when there is no zone) and ``seed``. The same seed gives the
    same answer. A scenario without ranges has every draw equal to the point scenario."""
    return _detente.sensitivity(scenario, samples=samples, seed=seed, max_nodes=max_nodes)


def negotiate(
    scenario: Scenario,
    strategies: Optional[Players] = None,
    *,
    rounds: Optional[int] = None,
    seed: int = 0,
) -> NegotiationResult:
    """Simulates one negotiation under stacked alternating offers.

    ``strategies``: one name for every party, a list of names in party order, or a dict
    ``{party: name}`` (others play ``boulware``); names are in ``detente.STRATEGIES`` (plus
    ``time:E`` for a custom concession exponent). ``rounds`` defaults to the scenario's.
    The same scenario, strategies and seed give the same result.

    Any entry may also be a Python player instead of a name: a ``detente.Player``, a
    ``detente.Negotiator`` subclass, or a NegMAS negotiator class (see ``detente.negmas.player``).
    An exception raised by a Python negotiator is raised here.
    """
    if strategies is not None:
        strategies = _players(strategies)
    return NegotiationResult._from(_detente.negotiate(scenario, strategies, rounds=rounds, seed=seed))


def single_text(
    scenario: Scenario,
    strategies: Optional[Strategies] = None,
    *,
    mediator: str = "feedback",
    rounds: Optional[int] = None,
    seed: int = 0,
    start: Union[None, str, Dict[str, Union[str, int]], Sequence[Union[str, int]]] = None,
    consult: Optional[str] = None,
) -> SingleTextResult:
    """Simulates a mediator's single negotiating text.

    ``mediator`` is one of ``detente.MEDIATORS``; ``start`` a package name of the scenario or
    an outcome (default: the mediator's start package, else the first complete package, else
    the first value of every issue); ``consult`` is ``"all"`` (every party each round) or
    ``"meetings"`` (the scenario's meetings timeline; the default when it has one).
    """
    return SingleTextResult._from(
        _detente.single_text(
            scenario, strategies, mediator=mediator, rounds=rounds, seed=seed, start=start, consult=consult
        )
    )


def tournament(
    scenarios: Union[Scenario, Sequence[Scenario]],
    strategies: Sequence[PlayerLike],
    *,
    rounds: int = 100,
    reps: int = 1,
    seed: int = 0,
    max_assignments: int = 100_000,
    max_steps: Optional[int] = None,
    traces: bool = False,
    threads: Optional[int] = None,
    shard: Union[None, str, Tuple[int, int]] = None,
    db: Optional[PathLike] = None,
) -> TournamentResult:
    """Every strategy against every other (self-play included) on every scenario, in every
    role rotation, ``reps`` times, in parallel on ``threads`` threads, ranked by ANAC's
    metrics with 95% confidence intervals.

    With ``db`` the records go to that SQLite results database (a rerun resumes it) and
    ``records`` is ``None``; ``shard="I/N"`` plays only the negotiations whose id is I modulo
    N (merge the shards' databases with ``detente.merge``). Ctrl-C stops between negotiations.

    ``strategies`` may mix names with Python players (a ``detente.Player``, a
    ``detente.Negotiator`` subclass, a NegMAS negotiator class): each negotiation starts a fresh
    negotiator that sees only its own ufun and the offers. Python players take the GIL on every
    turn, so they run one at a time whatever ``threads`` is; an exception they raise is
    recorded as that negotiation's failure (kind ``negotiator``) and the tournament goes on.
    """
    if isinstance(strategies, (list, tuple)):
        strategies = [as_player(x) for x in strategies]
    return TournamentResult._from(
        _detente.tournament(
            scenarios,
            strategies,
            rounds=rounds,
            reps=reps,
            seed=seed,
            max_assignments=max_assignments,
            max_steps=max_steps,
            traces=traces,
            threads=threads,
            shard=shard,
            db=None if db is None else os.fspath(db),
        )
    )


def merge(into: PathLike, shards: Sequence[PathLike]) -> Dict[str, int]:
    """Merges the results databases of one tournament's shards into ``into`` (created when
    missing; rerunning is safe). Returns ``added``, ``duplicates``, ``total`` and ``planned``."""
    return _detente.merge(os.fspath(into), [os.fspath(s) for s in shards])


def results(
    db: PathLike,
    scenarios: Union[None, Scenario, Sequence[Scenario]] = None,
    *,
    traces: bool = False,
    records: bool = True,
) -> Results:
    """Reads a results database: description, records in id order (agreements as outcome
    dicts when the tournament's ``scenarios`` are given, else as value indices), ranking and
    counts. ``records=False`` skips the records (``records`` is ``None``)."""
    return Results._from(_detente.results(os.fspath(db), scenarios, traces=traces, records=records))

