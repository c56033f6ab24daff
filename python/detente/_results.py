"""Result types: plain dataclasses over the dicts the native module returns.

Tables convert to pandas with ``to_pandas()``; pandas is imported only then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

Outcome = Dict[str, Union[str, int]]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install pandas") from e
    return pandas


def _int(x: Any) -> Optional[int]:
    """Counts come as int, or as decimal digits when they exceed 64 bits."""
    return None if x is None else int(x)


@dataclass(frozen=True)
class Point:
    """An outcome with each party's utility for it (in party order)."""

    outcome: Outcome
    utilities: List[float]
    acceptable: bool

    @staticmethod
    def _from(d: Optional[dict]) -> Optional["Point"]:
        if d is None:
            return None
        return Point(d["outcome"], list(d["utilities"]), bool(d["acceptable"]))


@dataclass(frozen=True)
class FrontierVector:
    """One distinct utility vector of a Pareto frontier: the first outcome reaching it and the
    exact number of outcomes that do."""

    outcome: Outcome
    utilities: List[float]
    count: int
    acceptable: bool


def _points(xs: Optional[list]) -> Optional[List[Point]]:
    return None if xs is None else [Point._from(x) for x in xs]  # type: ignore[misc]


def _vectors(xs: Optional[list]) -> Optional[List[FrontierVector]]:
    if xs is None:
        return None
    return [FrontierVector(x["outcome"], list(x["utilities"]), int(x["count"]), x["acceptable"]) for x in xs]


@dataclass(frozen=True)
class Analysis:
    """The exact analysis of a scenario (see ``detente.analyze``).

    A quantity that exceeded the node budget is ``None`` and ``incomplete`` says why.
    """

    parties: List[str]
    outcomes: int
    zopa: Optional[int]
    ideal: Optional[List[Optional[float]]]
    pareto: Optional[List[Point]]
    pareto_acceptable: Optional[List[Point]]
    pareto_vectors: Optional[List[FrontierVector]]
    pareto_acceptable_vectors: Optional[List[FrontierVector]]
    nash: Optional[Point]
    kalai_smorodinsky: Optional[Point]
    max_welfare: Optional[Point]
    opposition: Optional[float]
    incomplete: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _from(d: dict) -> "Analysis":
        return Analysis(
            parties=list(d["parties"]),
            outcomes=int(d["outcomes"]),
            zopa=_int(d["zopa"]),
            ideal=d["ideal"],
            pareto=_points(d["pareto"]),
            pareto_acceptable=_points(d["pareto_acceptable"]),
            pareto_vectors=_vectors(d["pareto_vectors"]),
            pareto_acceptable_vectors=_vectors(d["pareto_acceptable_vectors"]),
            nash=Point._from(d["nash"]),
            kalai_smorodinsky=Point._from(d["kalai_smorodinsky"]),
            max_welfare=Point._from(d["max_welfare"]),
            opposition=d["opposition"],
            incomplete=dict(d["incomplete"]),
        )

    def to_pandas(self, acceptable: bool = False) -> Any:
        """The Pareto frontier (of the acceptable outcomes with ``acceptable=True``) as a
        DataFrame: one row per outcome, one column per issue, one utility column per party,
        and ``acceptable``."""
        pd = _pandas()
        pts = self.pareto_acceptable if acceptable else self.pareto
        if pts is None:
            which = "pareto_acceptable" if acceptable else "pareto"
            raise ValueError(f"the frontier was not computed: {self.incomplete.get(which, 'not requested')}")
        rows = [{**p.outcome, **dict(zip(self.parties, p.utilities)), "acceptable": p.acceptable} for p in pts]
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class NegotiationResult:
    """One negotiation (see ``detente.negotiate``)."""

    protocol: str
    parties: List[str]
    strategies: List[str]
    seed: int
    deadline: int
    agreement: Optional[Outcome]
    rounds: int
    utilities: List[float]
    ended_by: Optional[str]
    trace: List[Dict[str, Any]]

    @staticmethod
    def _fields(d: dict) -> dict:
        return {k: d[k] for k in ("protocol", "parties", "strategies", "seed", "deadline", "agreement", "rounds", "utilities", "ended_by", "trace")}

    @staticmethod
    def _from(d: dict) -> "NegotiationResult":
        return NegotiationResult(**NegotiationResult._fields(d))

    @property
    def payoffs(self) -> Dict[str, float]:
        """Each party's payoff by name."""
        return dict(zip(self.parties, self.utilities))

    def to_pandas(self) -> Any:
        """The trace as a DataFrame, one row per event."""
        return _pandas().DataFrame(self.trace)


@dataclass(frozen=True)
class SingleTextResult(NegotiationResult):
    """A single-text negotiation (see ``detente.single_text``): the negotiation plus the
    mediator's strategy, the starting draft's label and every version of the draft."""

    mediator: str = ""
    start: str = ""
    versions: List[Dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _from(d: dict) -> "SingleTextResult":
        return SingleTextResult(
            **NegotiationResult._fields(d), mediator=d["mediator"], start=d["start"], versions=d["versions"]
        )


def _records_frame(records: List[Dict[str, Any]]) -> Any:
    return _pandas().DataFrame(records)


@dataclass(frozen=True)
class TournamentResult:
    """A tournament run (see ``detente.tournament``).

    ``records`` holds one dict per negotiation (``None`` when the run wrote to a database:
    read them with ``detente.results(db)``); ``ranking`` one dict per player, best first,
    with means and 95% confidence intervals.
    """

    description: Dict[str, Any]
    summary: Dict[str, int]
    shard: List[int]
    db: Optional[str]
    records: Optional[List[Dict[str, Any]]]
    ranking: List[Dict[str, Any]]

    @staticmethod
    def _from(d: dict) -> "TournamentResult":
        return TournamentResult(d["description"], d["summary"], d["shard"], d["db"], d["records"], d["ranking"])

    def to_pandas(self) -> Any:
        """The records as a DataFrame, one row per negotiation."""
        records = self.records
        if records is None:
            from . import _detente

            assert self.db is not None
            records = _detente.results(self.db)["records"]
        return _records_frame(records)

    def ranking_frame(self) -> Any:
        """The ranking as a DataFrame."""
        return _pandas().DataFrame(self.ranking)


@dataclass(frozen=True)
class Results:
    """The contents of a results database (see ``detente.results``); ``records`` is ``None``
    when read with ``records=False``."""

    description: Dict[str, Any]
    records: Optional[List[Dict[str, Any]]]
    ranking: List[Dict[str, Any]]
    counts: Dict[str, int]

    @staticmethod
    def _from(d: dict) -> "Results":
        return Results(d["description"], d["records"], d["ranking"], d["counts"])

    def to_pandas(self) -> Any:
        """The records as a DataFrame, one row per negotiation."""
        if self.records is None:
            raise ValueError("these results were read with records=False")
        return _records_frame(self.records)

    def ranking_frame(self) -> Any:
        """The ranking as a DataFrame."""
        return _pandas().DataFrame(self.ranking)
