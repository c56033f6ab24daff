"""Type stubs of the native module (crates/detente-py). The public API is ``detente``; these
functions return plain dicts that ``detente`` wraps in dataclasses."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

_Path = Union[str, "os.PathLike[str]"]
_Value = Union[str, int]
_Outcome = Union[Dict[str, _Value], Sequence[_Value]]
_Party = Union[str, int]
_Strategies = Union[str, Sequence[str], Dict[_Party, str]]
# A strategy name or a player: an object with `name: str` and `start(info) -> negotiator`, the
# negotiator having `act(round, n_rounds, offers) -> "accept" | "end" | outcome | None`.
_PlayerLike = Any
_Players = Union[_PlayerLike, Sequence[_PlayerLike], Dict[_Party, _PlayerLike]]

__version__: str
STRATEGIES: List[str]
MEDIATORS: List[str]

class DetenteError(ValueError):
    """An error detente reported; the message names the argument (and file, line, element)."""

class Scenario:
    """An immutable negotiation scenario."""

    @property
    def name(self) -> str: ...
    @property
    def issues(self) -> List[Dict[str, Any]]:
        """Dicts with ``name``, ``kind`` ("discrete"/"integer"), ``values`` (and ``range``,
        ``step`` for integer issues)."""
    @property
    def parties(self) -> List[str]: ...
    @property
    def reservation_values(self) -> List[float]: ...
    @property
    def n_outcomes(self) -> int: ...
    @property
    def rounds(self) -> int: ...
    @property
    def warnings(self) -> List[str]: ...
    def utilities(self, outcome: _Outcome) -> List[float]: ...
    def utility(self, party: _Party, outcome: _Outcome) -> float: ...
    def is_acceptable(self, party: _Party, outcome: _Outcome) -> bool: ...
    def preferences(self, party: _Party) -> Dict[str, Any]:
        """``terms`` (per issue, per value, already weighted), ``clip_at_one``,
        ``reservation``, ``discount``, ``red_lines``."""
    def to_toml(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...
    def save(self, path: _Path, format: str = "native") -> Dict[str, List[str]]: ...
    def __eq__(self, other: object) -> bool: ...

class Ufun:
    """A negotiator's own utility function: all a Python negotiator is told of preferences."""

    def __call__(self, outcome: _Outcome) -> float: ...
    def is_acceptable(self, outcome: _Outcome) -> bool: ...
    @property
    def reservation(self) -> float: ...
    @property
    def discount(self) -> float: ...
    @property
    def issues(self) -> List[Dict[str, Any]]: ...
    def minmax(self) -> Tuple[float, float]: ...
    def best(self) -> Dict[str, _Value]: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Agent:
    """One built-in strategy playing one party, driven turn by turn (outcomes as value indices)."""

    def __init__(
        self,
        strategy: str,
        issues: List[Dict[str, Any]],
        terms: List[List[float]],
        reservation: float = 0.0,
        *,
        me: int = 0,
        n_parties: int = 2,
        seed: int = 0,
        clip_at_one: bool = False,
        discount: float = 1.0,
    ) -> None: ...
    @property
    def strategy(self) -> str: ...
    def act(self, round: int, n_rounds: int, offers: List[Tuple[int, int, List[int]]]) -> Union[str, List[int]]: ...

def strategy_name(name: str) -> str: ...
def _restore(state: str) -> Scenario: ...
def load(path: _Path, profiles: Optional[Sequence[_Path]] = None) -> Scenario: ...
def from_dict(data: Dict[str, Any]) -> Scenario: ...
def from_toml(text: str) -> Scenario: ...
def from_terms(name: str, issues: List[Dict[str, Any]], parties: List[Dict[str, Any]]) -> Scenario: ...
def analyze(
    scenario: Scenario, *, full_frontier: bool = True, acceptable_frontier: bool = True, max_nodes: int = 100_000_000
) -> Dict[str, Any]: ...
def negotiate(
    scenario: Scenario, strategies: Optional[_Players] = None, *, rounds: Optional[int] = None, seed: int = 0
) -> Dict[str, Any]: ...
def single_text(
    scenario: Scenario,
    strategies: Optional[_Strategies] = None,
    *,
    mediator: str = "feedback",
    rounds: Optional[int] = None,
    seed: int = 0,
    start: Union[None, str, _Outcome] = None,
    consult: Optional[str] = None,
) -> Dict[str, Any]: ...
def tournament(
    scenarios: Union[Scenario, Sequence[Scenario]],
    strategies: Sequence[_PlayerLike],
    *,
    rounds: int = 100,
    reps: int = 1,
    seed: int = 0,
    max_assignments: int = 100_000,
    max_steps: Optional[int] = None,
    traces: bool = False,
    threads: Optional[int] = None,
    shard: Union[None, str, Tuple[int, int]] = None,
    db: Optional[_Path] = None,
) -> Dict[str, Any]: ...
def sensitivity(scenario: Scenario, *, samples: int = 1000, seed: int = 0, max_nodes: int = 10_000_000) -> Dict[str, Any]: ...
def merge(into: _Path, shards: Sequence[_Path]) -> Dict[str, int]: ...
def results(
    db: _Path, scenarios: Union[None, Scenario, Sequence[Scenario]] = None, *, traces: bool = False, records: bool = True
) -> Dict[str, Any]: ...
