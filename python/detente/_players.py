"""Negotiators written in Python, for ``detente.negotiate`` and ``detente.tournament``.

A *player* is anything with a ``name`` (str) and a ``start(info)`` method that returns a fresh
negotiator for one negotiation; the negotiator's ``act(round, n_rounds, offers)`` is called on
each of its turns. ``Player`` and ``Negotiator`` below are the friendly way to write both:

>>> class Stubborn(detente.Negotiator):
...     def propose(self, state):
...         return self.ufun.best()
...     def respond(self, state, offer):
...         return "accept" if self.ufun(offer) >= 0.9 else "reject"
>>> detente.tournament(scenario, ["boulware", Stubborn])      # a class is a player

``info`` (what ``start`` receives) holds only what the party may know: ``issues``, its own
``ufun`` (a ``detente.Ufun``: utilities, reservation value, red lines, discount), ``me`` (its
party index), ``n_parties``, ``n_rounds`` and ``seed`` (for its private random choices). No
other party's preferences are reachable from it.

An exception raised by a Python negotiator ends its negotiation: ``tournament`` records it as a
failure of kind ``negotiator`` (message: the player, exception type and message) and goes on;
``negotiate`` raises it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

Outcome = Dict[str, Union[str, int]]

__all__ = ["Negotiator", "Offer", "Player", "State", "as_player"]


@dataclass(frozen=True)
class Offer:
    """One offer of the negotiation: the ``round`` (from 0) it was made in, the ``party``
    index that made it, and the ``outcome``."""

    round: int
    party: int
    outcome: Outcome


@dataclass
class State:
    """What a negotiator sees on its turn: the ``round`` (from 0) of ``n_rounds``, the
    relative ``time`` in [0, 1] (``round / (n_rounds - 1)``), every ``offer`` so far (oldest
    first), and the ``standing`` offer (the last one), if any."""

    round: int
    n_rounds: int
    time: float
    offers: List[Offer] = field(default_factory=list)

    @property
    def standing(self) -> Optional[Offer]:
        return self.offers[-1] if self.offers else None


class Negotiator:
    """Base class of negotiators written in Python (stacked alternating offers).

    Override ``propose(state)`` (an outcome dict, or ``None`` to walk away) and, optionally,
    ``respond(state, offer)`` (``"accept"``, ``"reject"`` or ``"end"``; the default accepts an
    offer worth at least what it would propose, and never one below its reservation value),
    and ``on_start()``. After ``start`` the attributes ``ufun``, ``issues``, ``me``,
    ``n_parties``, ``n_rounds`` and ``seed`` are set.

    A subclass passed as a player is instantiated with no arguments for each negotiation;
    for arguments use ``detente.Player(name, lambda info: MyNegotiator(...))``.
    """

    ufun: Any
    issues: List[Dict[str, Any]]
    me: int
    n_parties: int
    n_rounds: int
    seed: int

    def _begin(self, info: Dict[str, Any]) -> None:
        self.ufun = info["ufun"]
        self.issues = info["issues"]
        self.me = info["me"]
        self.n_parties = info["n_parties"]
        self.n_rounds = info["n_rounds"]
        self.seed = info["seed"]
        self._offers: List[Offer] = []
        self.on_start()

    def on_start(self) -> None:
        """Called once before the first turn."""

    def propose(self, state: State) -> Optional[Outcome]:
        """The offer to make (a dict ``{issue: value}`` or a list of values in issue order);
        ``None`` walks away."""
        raise NotImplementedError(f"{type(self).__name__} must implement propose(state)")

    def respond(self, state: State, offer: Outcome) -> str:
        """``"accept"`` the standing ``offer``, ``"reject"`` it (then ``propose`` is asked for a
        counter-offer) or ``"end"`` the negotiation."""
        if not self.ufun.is_acceptable(offer):
            return "reject"
        mine = self.propose(state)
        return "accept" if mine is None or self.ufun(offer) >= self.ufun(mine) else "reject"

    def act(self, round: int, n_rounds: int, offers: List[Tuple[int, int, Outcome]]) -> Any:
        """One turn (called by detente): records ``offers`` (those made since the previous
        turn), then asks ``respond`` about the standing offer and ``propose`` for a new one."""
        self._offers.extend(Offer(r, p, o) for r, p, o in offers)
        time = 1.0 if n_rounds <= 1 else min(1.0, round / (n_rounds - 1))
        state = State(round, n_rounds, time, list(self._offers))
        standing = state.standing
        if standing is not None and standing.party != self.me:
            answer = self.respond(state, standing.outcome)
            if answer == "accept":
                return "accept"
            if answer == "end":
                return "end"
            if answer != "reject":
                raise ValueError(f"respond() returned {answer!r}; expected 'accept', 'reject' or 'end'")
        offer = self.propose(state)
        return "end" if offer is None else offer


class Player:
    """A named competitor: ``factory(info)`` makes its negotiator for each negotiation (a
    ``Negotiator``, or any object with ``act(round, n_rounds, offers)``). The name identifies
    the player in results and in a tournament's fingerprint: change it when the behaviour
    changes."""

    def __init__(self, name: str, factory: Callable[[Dict[str, Any]], Any]):
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"name: expected a non-empty str, got {name!r}")
        if not callable(factory):
            raise TypeError(f"factory: expected a callable (info -> negotiator), got {type(factory).__name__}")
        self.name = name
        self.factory = factory

    def start(self, info: Dict[str, Any]) -> Any:
        negotiator = self.factory(info)
        if isinstance(negotiator, Negotiator):
            negotiator._begin(info)
        elif not callable(getattr(negotiator, "act", None)):
            raise TypeError(
                f"player '{self.name}': the factory returned {type(negotiator).__name__}, which has no act() method"
            )
        return negotiator

    def __repr__(self) -> str:
        return f"Player({self.name!r})"


def _is_negmas_class(x: Any) -> bool:
    return isinstance(x, type) and any(c.__module__.split(".")[0] == "negmas" for c in x.__mro__)


def as_player(x: Any) -> Any:
    """A strategy name stays a name; a ``Player`` stays; a ``Negotiator`` subclass becomes a
    player named after the class; a NegMAS negotiator class becomes ``detente.negmas.player``
    of it. Anything else is returned unchanged (detente then names the argument at fault)."""
    if isinstance(x, (str, Player)):
        return x
    if isinstance(x, type) and issubclass(x, Negotiator):
        cls = x
        return Player(getattr(cls, "name", None) if isinstance(getattr(cls, "name", None), str) else cls.__name__, lambda info: cls())
    if _is_negmas_class(x):
        from .negmas import player

        return player(x)
    return x
