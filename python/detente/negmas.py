"""NegMAS interoperability: convert scenarios both ways, and drop-in analysis functions.

* ``from_negmas(scenario)`` turns a NegMAS scenario (a ``negmas.inout.Scenario``, or an outcome
  space or issue list plus ufuns) into a ``detente.Scenario`` whose utilities are *bit for bit*
  those of the NegMAS ufuns: each issue's term is ``w * f(v)`` computed exactly as NegMAS does,
  and the bias is folded into the first issue's terms, so detente's left-to-right sum repeats
  NegMAS's ``bias + w0*f0(v0) + w1*f1(v1) + ...`` operation for operation.
* ``to_negmas(scenario)`` goes back: one ``LinearAdditiveUtilityFunction`` per party with table
  value functions holding detente's terms, unit weights and no bias (again exact).
* ``pareto_frontier``, ``nash_points`` and ``kalai_points`` have NegMAS's signatures and return
  NegMAS's answers on NegMAS's ufuns, computed by detente's exact engine where it applies
  (linear-additive ufuns on finite issues) and by NegMAS itself otherwise.

Definitions, stated where NegMAS's differ from ``detente.analyze``:

* NegMAS's ``pareto_frontier`` is the frontier of the *rational* outcomes (utility at least the
  reserved value for every ufun): detente's ``pareto_acceptable_vectors``. It keeps one outcome
  per distinct utility vector, sorted by welfare, descending. For a vector several outcomes
  reach, NegMAS returns whichever its (unstable) sort meets first; detente returns the first in
  enumeration order: both have the same utilities. Utilities within 1e-12 are one vector in
  detente, two in NegMAS if they differ at all.
* NegMAS's ``kalai_points`` maximises ``min_i (u_i - d_i)``, with no normalisation by each
  party's best utility; ``detente.analyze``'s ``kalai_smorodinsky`` maximises
  ``min_i (u_i - r_i) / (best_i - r_i)``. The drop-in function follows NegMAS.
* In both NegMAS functions the disagreement point ``d_i`` is the reserved value when it is
  finite and not below the ufun's minimum, else the minimum. detente needs a finite
  reservation value: ``from_negmas`` turns ``-inf``/``None``/``nan`` into the ufun's minimum
  utility, which accepts exactly the same outcomes.

NegMAS is imported only when these functions are called.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import DetenteError, Scenario, analyze, from_terms

__all__ = [
    "DetenteNegotiator",
    "from_negmas",
    "to_negmas",
    "pareto_frontier",
    "nash_points",
    "kalai_points",
    "player",
]


def _issues_and_ufuns(scenario: Any, ufuns: Optional[Sequence[Any]]) -> Tuple[List[Any], List[Any], Optional[str]]:
    if ufuns is None:
        if not (hasattr(scenario, "outcome_space") and hasattr(scenario, "ufuns")):
            raise TypeError(
                f"scenario: expected a negmas Scenario (or an outcome space / issue list with ufuns=...), "
                f"got {type(scenario).__name__}"
            )
        issues = list(scenario.outcome_space.issues)
        return issues, list(scenario.ufuns), getattr(scenario, "name", None)
    issues = list(getattr(scenario, "issues", scenario))
    return issues, list(ufuns), None


def _issue_spec(issue: Any, k: int) -> Tuple[Dict[str, Any], List[Any]]:
    """A detente issue dict and NegMAS's values in order (detente value index == position)."""
    at = f"issues[{k}] ('{getattr(issue, 'name', '?')}')"
    finite = getattr(issue, "is_finite", lambda: True)()
    if not finite:
        raise DetenteError(f"{at}: a continuous issue; discretize the scenario first (scenario.discretize())")
    values = list(issue.all)
    if not values:
        raise DetenteError(f"{at}: has no values")
    name = str(issue.name)
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    if ints and len(values) >= 2:
        step = values[1] - values[0]
        if step >= 1 and all(b - a == step for a, b in zip(values, values[1:])):
            return {"name": name, "range": [values[0], values[-1]], "step": step}, values
    if ints and len(values) == 1:
        return {"name": name, "range": [values[0], values[0]]}, values
    options = [str(v) for v in values]
    if len(set(options)) != len(options):
        raise DetenteError(f"{at}: two values print the same ({options}); detente names options by their text")
    return {"name": name, "options": options}, values


def _terms(ufun: Any, issues: List[Any], values: List[List[Any]], at: str) -> List[List[float]]:
    """Per issue, per value: NegMAS's own ``w * f(v)``, the bias folded into the first issue."""
    from negmas.preferences import LinearAdditiveUtilityFunction, LinearUtilityFunction

    if isinstance(ufun, LinearAdditiveUtilityFunction):
        weights = list(ufun.weights)
        funs = list(ufun.values)
        terms = [[w * f(v) for v in vs] for w, f, vs in zip(weights, funs, values)]
    elif isinstance(ufun, LinearUtilityFunction):
        weights = list(ufun.weights)
        terms = [[w * v for v in vs] for w, vs in zip(weights, values)]
    else:
        raise DetenteError(
            f"{at}: detente needs linear-additive utility functions (LinearAdditiveUtilityFunction or "
            f"LinearUtilityFunction), got {type(ufun).__name__}"
        )
    if len(terms) != len(values):
        raise DetenteError(f"{at}: defined on {len(terms)} issues, the outcome space has {len(values)}")
    bias = float(getattr(ufun, "_bias", 0.0) or 0.0)
    if bias != 0.0:
        terms[0] = [bias + t for t in terms[0]]
    for i, row in enumerate(terms):
        for j, t in enumerate(row):
            if t is None or not math.isfinite(t):
                raise DetenteError(f"{at}: utility of value {values[i][j]!r} of issue {i} is {t!r}")
    return [[float(t) for t in row] for row in terms]


class _Converted:
    """A NegMAS scenario converted, with the mapping back to NegMAS's values."""

    def __init__(self, scenario: Any, ufuns: Optional[Sequence[Any]], name: Optional[str], names: Optional[Sequence[str]]):
        issues, ufs, sname = _issues_and_ufuns(scenario, ufuns)
        specs = [_issue_spec(issue, k) for k, issue in enumerate(issues)]
        self.issues = issues
        self.specs = [s for s, _ in specs]
        self.values = [v for _, v in specs]
        self.ufuns = ufs
        parties = []
        used = set()
        for i, u in enumerate(ufs):
            at = f"ufuns[{i}]"
            pname = names[i] if names is not None else str(getattr(u, "name", "") or f"u{i}")
            if pname in used:
                pname = f"{pname}-{i}"
            used.add(pname)
            terms = _terms(u, issues, self.values, at)
            r = getattr(u, "reserved_value", None)
            lowest = 0.0
            for row in terms:
                lowest += min(row)
            if r is None or not math.isfinite(float(r)):
                r = lowest
            parties.append({"name": pname, "terms": terms, "reservation": float(r)})
        if len(parties) < 1:
            raise DetenteError("ufuns: no utility function given")
        self.scenario = from_terms(name or sname or "negmas", self.specs, parties)
        self.position = []
        for spec, vs in zip(self.specs, self.values):
            if "options" in spec:
                self.position.append({o: k for k, o in enumerate(spec["options"])})
            else:
                self.position.append({v: k for k, v in enumerate(vs)})
        radix = [len(vs) for vs in self.values]
        self.stride = [1] * len(radix)
        for i in range(len(radix) - 2, -1, -1):
            self.stride[i] = self.stride[i + 1] * radix[i + 1]

    def index(self, outcome: Dict[str, Any]) -> int:
        """The index of a detente outcome in NegMAS's enumeration (itertools.product order)."""
        return sum(self.stride[i] * self.position[i][v] for i, v in enumerate(outcome.values()))


def from_negmas(
    scenario: Any,
    ufuns: Optional[Sequence[Any]] = None,
    *,
    name: Optional[str] = None,
    names: Optional[Sequence[str]] = None,
) -> Scenario:
    """A detente scenario from a NegMAS one (``negmas.inout.Scenario``), or from an outcome
    space (or list of issues) and ``ufuns``. Utilities are preserved exactly.

    Issues must be finite; integer issues with evenly spaced values become detente integer
    issues, others become options named by ``str(value)``. Ufuns must be linear-additive.
    Parties are named after the ufuns (or ``names``).
    """
    return _Converted(scenario, ufuns, name, names).scenario


def _negmas_os(issues: List[Dict[str, Any]], name: str) -> Any:
    from negmas.outcomes import make_issue, make_os

    out = []
    for issue in issues:
        if issue["kind"] == "integer" and issue["step"] == 1:
            lo, hi = issue["range"]
            out.append(make_issue((lo, hi), issue["name"]))
        else:
            out.append(make_issue(list(issue["values"]), issue["name"]))
    return make_os(out, name=name)


def _negmas_ufun(issues: List[Dict[str, Any]], p: Dict[str, Any], os_: Any, name: str, at: str) -> Any:
    """A NegMAS ufun equal to detente preferences ``p`` (``Scenario.preferences`` /
    ``Ufun.to_dict``), or ``DetenteError`` for what NegMAS cannot express."""
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun

    if p["red_lines"]:
        raise DetenteError(f"{at} has red lines, which NegMAS utility functions cannot express")
    if p["discount"] != 1.0:
        raise DetenteError(f"{at} discounts utilities; convert the undiscounted scenario")
    best = 0.0
    for row in p["terms"]:
        best += max(row)
    if p["clip_at_one"] and best > 1.0:
        raise DetenteError(f"{at}: utilities are clipped at 1 (GENIUS) and the clip binds; NegMAS cannot express it")
    funs = [TableFun(dict(zip(issue["values"], row))) for issue, row in zip(issues, p["terms"])]
    return LinearAdditiveUtilityFunction(
        values=funs,
        weights=[1.0] * len(funs),
        bias=0.0,
        reserved_value=p["reservation"],
        outcome_space=os_,
        name=name,
    )


def to_negmas(scenario: Scenario) -> Any:
    """A ``negmas.inout.Scenario`` with one ``LinearAdditiveUtilityFunction`` per party whose
    utilities equal detente's exactly (table value functions of the weighted terms).

    Raises ``DetenteError`` for what NegMAS's linear-additive ufuns cannot express: red lines,
    discounting, or a GENIUS clip at 1 that can bind.
    """
    from negmas.inout import Scenario as NScenario

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a detente.Scenario, got {type(scenario).__name__}")
    os_ = _negmas_os(scenario.issues, scenario.name)
    ufuns = [
        _negmas_ufun(scenario.issues, scenario.preferences(party), os_, party, f"scenario: party '{party}'")
        for party in scenario.parties
    ]
    return NScenario(outcome_space=os_, ufuns=tuple(ufuns), name=scenario.name)


def _convertible(ufuns: Sequence[Any], outcomes: Any, issues: Any) -> Optional[_Converted]:
    if outcomes is not None:
        return None
    try:
        if issues is None:
            issues = ufuns[0].outcome_space.issues
        return _Converted(list(issues), list(ufuns), "negmas", [f"u{i}" for i in range(len(ufuns))])
    except (DetenteError, AttributeError, TypeError, IndexError):
        return None


def pareto_frontier(
    ufuns: Sequence[Any],
    outcomes: Optional[Sequence[Any]] = None,
    issues: Optional[Sequence[Any]] = None,
    n_discretization: Optional[int] = None,
    max_cardinality: float = float("inf"),
    sort_by_welfare: bool = True,
    eps: float = 1e-12,
) -> Tuple[Tuple[Tuple[float, ...], ...], Tuple[int, ...]]:
    """NegMAS's ``pareto_frontier``: the Pareto frontier of the rational outcomes as utility
    tuples and their indices in the enumeration of the outcome space.

    Computed by detente (exact, never enumerating) when the ufuns are linear-additive on finite
    issues and no explicit ``outcomes`` are given; otherwise NegMAS's own function runs.
    """
    conv = _convertible(ufuns, outcomes, issues)
    if conv is None or max_cardinality < float("inf"):
        from negmas.preferences import pareto_frontier as nm

        return nm(ufuns, outcomes, issues, n_discretization, max_cardinality, sort_by_welfare, eps)
    a = analyze(conv.scenario, full_frontier=False, acceptable_frontier=True)
    if a.pareto_acceptable_vectors is None:
        raise DetenteError(f"the frontier exceeded detente's budget: {a.incomplete}")
    rows = [(tuple(v.utilities), conv.index(v.outcome)) for v in a.pareto_acceptable_vectors]
    if sort_by_welfare:
        rows.sort(key=lambda r: -sum(r[0]))
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


def _ranges(ufuns: Sequence[Any], ranges: Any, outcome_space: Any, issues: Any, outcomes: Any) -> List[Tuple[float, float]]:
    """Each ufun's (min, max) over the outcome space: from detente's terms when the ufuns
    convert (the sum of per-issue minima and maxima, exactly the utility of those outcomes),
    else from NegMAS's ``minmax``."""
    if ranges:
        return [tuple(r) for r in ranges]  # type: ignore[misc]
    if outcomes is None:
        src = issues if issues is not None else getattr(outcome_space, "issues", None)
        conv = _convertible(ufuns, None, src)
        if conv is not None:
            out = []
            for party in conv.scenario.parties:
                lo = hi = 0.0
                for row in conv.scenario.preferences(party)["terms"]:
                    lo += min(row)
                    hi += max(row)
                out.append((lo, hi))
            return out
    return [
        u.minmax(outcome_space, above_reserve=False)
        if outcome_space is not None
        else u.minmax(issues=issues, above_reserve=False)
        if issues
        else u.minmax(outcomes=outcomes, above_reserve=False)
        for u in ufuns
    ]


def _disagreement(ufuns: Optional[Sequence[Any]], n: int, ranges: List[Tuple[float, float]]) -> Tuple[Tuple[float, ...], List[Tuple[float, float]]]:
    rs = tuple(u.reserved_value for u in ufuns) if ufuns else tuple(0.0 for _ in range(n))
    rs = tuple(float(r) if r is not None else float("-inf") for r in rs)
    ranges = list(ranges)
    for i, (r, rng) in enumerate(zip(rs, ranges)):
        if any(x is None or not math.isfinite(x) for x in rng):
            raise ValueError(f"Cannot find the range for ufun {i}: {rng}")
        if r is None or r < rng[0] or not math.isfinite(r):
            continue
        ranges[i] = (r, rng[1])
    return rs, ranges


def nash_points(
    ufuns: Optional[Sequence[Any]],
    frontier: Sequence[Tuple[float, ...]],
    ranges: Optional[Sequence[Tuple[float, ...]]] = None,
    outcome_space: Any = None,
    issues: Optional[Sequence[Any]] = None,
    outcomes: Optional[Sequence[Any]] = None,
    eps: float = 1e-12,
) -> Tuple[Tuple[Tuple[float, ...], int], ...]:
    """NegMAS's ``nash_points``: the points of ``frontier`` maximising ``Π (u_i - d_i)``
    (within ``eps``), with their indices in ``frontier``; ``d_i`` as stated in the module docs.
    Ranges come from detente's terms when the ufuns convert."""
    if not frontier:
        return tuple()
    n = len(ufuns) if ufuns else len(frontier[0])
    rng = _ranges(ufuns, ranges, outcome_space, issues, outcomes) if not ranges else [tuple(r) for r in ranges]
    _, rng = _disagreement(ufuns, n, rng)  # type: ignore[arg-type]
    if any((hi - lo) <= eps for lo, hi in rng):
        return tuple(zip(frontier, range(len(frontier))))
    vals = []
    best, best_i = float("-inf"), None
    for i, point in enumerate(frontier):
        val = 1.0
        for u, (d, _) in zip(point, rng):
            val *= float(u) - d
        vals.append(val)
        if val > best:
            best, best_i = val, i
    if best_i is None:
        return tuple()
    return tuple((p, i) for i, (v, p) in enumerate(zip(vals, frontier)) if v >= best - eps)


def kalai_points(
    ufuns: Sequence[Any],
    frontier: Sequence[Tuple[float, ...]],
    ranges: Optional[Sequence[Tuple[float, ...]]] = None,
    outcome_space: Any = None,
    issues: Optional[Sequence[Any]] = None,
    outcomes: Optional[Sequence[Any]] = None,
    eps: float = 1e-12,
    subtract_reserved_value: bool = True,
) -> Tuple[Tuple[Tuple[float, ...], int], ...]:
    """NegMAS's ``kalai_points``: the points of ``frontier`` maximising ``min_i (u_i - d_i)``
    (no normalisation: NegMAS's definition, see the module docs), skipping points below a
    reserved value, with their indices in ``frontier``."""
    if not frontier:
        return tuple()
    rng = _ranges(ufuns, ranges, outcome_space, issues, outcomes) if not ranges else [tuple(r) for r in ranges]
    rs, rng = _disagreement(ufuns, len(ufuns), rng)  # type: ignore[arg-type]
    if any((hi - lo) <= eps for lo, hi in rng):
        return tuple(zip(frontier, range(len(frontier))))
    vals = []
    best, best_i = float("-inf"), None
    for i, point in enumerate(frontier):
        if any(u < r for u, r in zip(point, rs)):
            vals.append(float("-inf"))
            continue
        if subtract_reserved_value:
            val = min(float(u) - d for u, (d, _) in zip(point, rng))
        else:
            val = min(float(u) for u in point)
        vals.append(val)
        if val > best:
            best, best_i = val, i
    if best_i is None:
        return tuple()
    return tuple((p, i) for i, (v, p) in enumerate(zip(vals, frontier)) if v >= best - eps)


# ---------------------------------------------------------------------------------------------
# Negotiators across the boundary: NegMAS negotiators in detente, detente strategies in NegMAS.


class _Hosted:
    """A NegMAS SAO negotiator playing one party of a detente negotiation.

    It joins a private ``SAOMechanism`` (the same outcome space, ``n_steps`` = detente's
    rounds) next to silent placeholders for the other parties, so that its ``nmi`` (outcome
    space, ``n_steps``, negotiator ids, ``relative_time``) is NegMAS's own; the host never steps
    that mechanism. On each detente turn it brings the mechanism's state up to date (step =
    round, the standing offer and who made it, this step's offers; one history state per
    finished step, so ``nmi.extended_trace`` and ``nmi.history`` read as in NegMAS), reports the
    partners' new offers through ``on_partner_proposal`` (when the mechanism was made with
    NegMAS's ``extra_callbacks``, off by default as in NegMAS), calls the
    negotiator as NegMAS's mechanism does (``negotiator(state)`` -> ``SAOResponse``) and maps
    the answer: ``ACCEPT_OFFER`` accepts, ``REJECT_OFFER`` with an outcome offers it,
    ``END_NEGOTIATION`` and anything else (no outcome, ``NO_RESPONSE``, ``WAIT``, ``LEAVE``)
    walks away, as in an ``SAOMechanism`` with ``end_on_no_response``.
    """

    def __init__(self, negotiator: Any, info: Dict[str, Any], name: str):
        from negmas.sao import SAOMechanism

        self.neg = negotiator
        self.me = info["me"]
        self.n = info["n_parties"]
        at = f"player '{name}'"
        p = dict(info["ufun"].to_dict())
        p["discount"] = 1.0  # the negotiator sees the undiscounted ufun; payoffs are discounted
        os_ = _negmas_os(info["issues"], "detente")
        self.ufun = _negmas_ufun(info["issues"], p, os_, f"party-{self.me}", at)
        self.mechanism = SAOMechanism(outcome_space=os_, n_steps=info["n_rounds"])
        self.ids: List[str] = []
        for j in range(self.n):
            if j == self.me:
                added = self.mechanism.add(negotiator, ufun=self.ufun)
                who = negotiator
            else:
                who = _placeholder(f"party-{j}")
                added = self.mechanism.add(who)
            if added is False:
                raise DetenteError(f"{at}: NegMAS refused to add negotiator {j} to the host mechanism")
            self.ids.append(who.id)
        self.started = False
        # Offers by round, as (negotiator id, outcome); the standing offer at the end of each
        # round that is in the mechanism's history; rounds already in that history.
        self.by_round: Dict[int, List[Tuple[str, Tuple[Any, ...]]]] = {}
        self.standing: Optional[Tuple[str, Tuple[Any, ...]]] = None
        self.pushed = 0

    def _state(self, step: int) -> Any:
        from negmas.sao import SAOState

        current = self.standing
        return SAOState(
            running=True,
            started=True,
            step=step,
            n_negotiators=self.n,
            current_offer=None if current is None else current[1],
            current_proposer=None if current is None else current[0],
            new_offers=list(self.by_round.get(step, [])),
        )

    def act(self, round: int, n_rounds: int, offers: List[Tuple[int, int, Dict[str, Any]]]) -> Any:
        from negmas.gb.common import ResponseType

        # NegMAS's view of time: the mechanism's history holds one state per finished step
        # (its `new_offers` are that step's offers, own ones included: `nmi.extended_trace`),
        # and the current state's `new_offers` are this step's offers so far.
        new = []
        for r, party, outcome in offers:
            t = tuple(outcome.values())
            while self.pushed < r:
                self.mechanism._history.append(self._state(self.pushed))
                self.pushed += 1
            self.by_round.setdefault(r, []).append((self.ids[party], t))
            self.standing = (self.ids[party], t)
            if party != self.me:
                new.append((self.ids[party], t))
        while self.pushed < round:
            self.mechanism._history.append(self._state(self.pushed))
            self.pushed += 1
        self.mechanism._current_state = self._state(round)
        state = self.mechanism.state_for(self.neg)
        if not self.started:
            self.started = True
            self.neg._on_negotiation_start(state)
        if getattr(self.mechanism, "_extra_callbacks", False):
            for pid, t in new:
                self.neg.on_partner_proposal(state=state, partner_id=pid, offer=t)
        resp = self.neg(state)
        kind = getattr(resp, "response", None)
        if kind == ResponseType.ACCEPT_OFFER:
            return "accept"
        if kind == ResponseType.REJECT_OFFER and resp.outcome is not None:
            return [v if isinstance(v, str) else int(v) for v in resp.outcome]
        return "end"


def _placeholder(name: str) -> Any:
    """A silent negotiator standing for another party in a host mechanism (never called)."""
    from negmas.sao import SAONegotiator

    class _Placeholder(SAONegotiator):
        def propose(self, state: Any, dest: Optional[str] = None) -> Any:
            return None

    return _Placeholder(name=name)


def player(negotiator: Any, name: Optional[str] = None, **kwargs: Any) -> Any:
    """A NegMAS SAO negotiator as a detente player, for ``detente.negotiate`` and
    ``detente.tournament``: ``negotiator`` is a negotiator class (any ``SAONegotiator``
    subclass, e.g. ``AspirationNegotiator``) or a callable returning a fresh negotiator;
    ``kwargs`` go to it. Each negotiation builds a new negotiator, gives it its own party's
    ufun only (a ``LinearAdditiveUtilityFunction`` equal to detente's, undiscounted: detente
    discounts the payoffs) and drives it as NegMAS's ``SAOMechanism`` would (see ``_Hosted``).
    The player is named ``name`` or the class's name.

    A party with red lines, or a GENIUS clip at 1 that binds, cannot be expressed as a NegMAS
    ufun: that negotiation fails (recorded in a tournament, raised by ``negotiate``).
    """
    from ._players import Player

    if not callable(negotiator):
        raise TypeError(f"negotiator: expected a NegMAS negotiator class or factory, got {type(negotiator).__name__}")
    pname = name or getattr(negotiator, "__name__", None) or type(negotiator).__name__
    if not isinstance(pname, str) or not pname:
        raise TypeError("name: give the player a name")

    def start(info: Dict[str, Any]) -> _Hosted:
        return _Hosted(negotiator(**kwargs), info, pname)

    return Player(pname, start)


def _negotiator_class() -> Any:
    from negmas.gb.common import ResponseType
    from negmas.sao import SAOResponse
    from negmas.sao.negotiators.base import SAOCallNegotiator

    from . import _detente

    class DetenteNegotiator(SAOCallNegotiator):
        """One of detente's built-in strategies as a NegMAS SAO negotiator.

        ``DetenteNegotiator(strategy="boulware", *, seed=0, **negotiator_kwargs)``: the
        strategy (a name of ``detente.STRATEGIES`` or ``time:E``) is detente's own code, run
        on the negotiator's own ufun (which must be linear-additive on finite issues) and the
        offers of the NegMAS mechanism's trace. Rounds are the mechanism's steps (``n_steps``;
        without one, relative time on a 1,000-round scale). The same strategy, seed and
        mechanism give the same moves.
        """

        def __init__(self, strategy: str = "boulware", *args: Any, seed: int = 0, **kwargs: Any):
            self.strategy = _detente.strategy_name(strategy)
            kwargs.setdefault("name", self.strategy)
            super().__init__(*args, **kwargs)
            self.seed = seed
            self._agent: Any = None
            self._seen = 0

        def on_preferences_changed(self, changes: Any) -> None:
            self._agent = None
            super().on_preferences_changed(changes)

        def _start(self) -> None:
            nmi = self.nmi
            if self.ufun is None:
                raise DetenteError(f"{self.name}: a DetenteNegotiator needs a ufun")
            issues = list(nmi.outcome_space.issues)
            specs = [_issue_spec(issue, k) for k, issue in enumerate(issues)]
            self._values = [v for _, v in specs]
            self._position = [{v: k for k, v in enumerate(vs)} for vs in self._values]
            terms = _terms(self.ufun, issues, self._values, f"{self.name}: ufun")
            r = getattr(self.ufun, "reserved_value", None)
            if r is None or not math.isfinite(float(r)):
                r = sum(min(row) for row in terms)
            self._agent = _detente.Agent(
                self.strategy,
                [spec for spec, _ in specs],
                terms,
                float(r),
                me=nmi.negotiator_index(self.id),
                n_parties=nmi.n_negotiators,
                seed=self.seed,
            )
            self._seen = 0

        def _clock(self, state: Any) -> Tuple[int, int]:
            n = self.nmi.n_steps
            if n:
                return min(state.step, n - 1), n
            return min(999, int(max(0.0, state.relative_time) * 999)), 1000

        def __call__(self, state: Any, dest: Optional[str] = None) -> Any:
            if self._agent is None:
                self._start()
            nmi = self.nmi
            round, n_rounds = self._clock(state)
            trace = list(nmi.extended_trace) + [(state.step, n, o) for n, o in state.new_offers]
            offers = []
            for step, nid, o in trace[self._seen :]:
                if o is None:
                    continue
                idx = [self._position[i][v] for i, v in enumerate(o)]
                offers.append((min(step, round), nmi.negotiator_index(nid), idx))
            self._seen = len(trace)
            a = self._agent.act(round, n_rounds, offers)
            if a == "accept" and state.current_offer is not None:
                return SAOResponse(ResponseType.ACCEPT_OFFER, state.current_offer)
            if isinstance(a, list):
                return SAOResponse(ResponseType.REJECT_OFFER, tuple(self._values[i][k] for i, k in enumerate(a)))
            return SAOResponse(ResponseType.END_NEGOTIATION, None)

    DetenteNegotiator.__module__ = __name__
    DetenteNegotiator.__qualname__ = "DetenteNegotiator"
    return DetenteNegotiator


_classes: Dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    # DetenteNegotiator subclasses NegMAS's negotiator; it is built on first use, so that
    # importing detente.negmas does not import NegMAS.
    if name == "DetenteNegotiator":
        if name not in _classes:
            _classes[name] = _negotiator_class()
        return _classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
