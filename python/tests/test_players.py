"""Python and NegMAS negotiators in detente's negotiations and tournaments, and detente's
strategies as NegMAS negotiators."""

import itertools
import random

import pytest

import detente
import detente.negmas as dn

negmas = pytest.importorskip("negmas")
from negmas.sao import AspirationNegotiator, SAOMechanism  # noqa: E402

DETERMINISTIC = ["boulware", "conceder", "linear", "hardliner", "tit-for-tat"]


def market(seed: int = 1, n_issues: int = 3, n_values: int = 5, n_parties: int = 2) -> detente.Scenario:
    """A random linear-additive scenario NegMAS can express (no red lines, no clip)."""
    rng = random.Random(seed)
    issues = [{"name": f"i{k}", "options": [f"v{j}" for j in range(n_values)]} for k in range(n_issues)]
    parties = [
        {
            "name": f"p{p}",
            "terms": [[rng.random() / n_issues for _ in range(n_values)] for _ in range(n_issues)],
            "reservation": 0.3,
        }
        for p in range(n_parties)
    ]
    return detente.from_terms(f"market-{seed}", issues, parties)


def offers(result):
    """(round, party index, outcome values) of every offer of a negotiation's trace."""
    return [
        (e["round"], result.parties.index(e["party"]), tuple(e["outcome"].values()))
        for e in result.trace
        if e["action"] == "offer"
    ]


def outcomes(s):
    return [dict(zip([i["name"] for i in s.issues], vs)) for vs in itertools.product(*[i["values"] for i in s.issues])]


class Hardliner(detente.Negotiator):
    """detente's hardliner written in Python: its best outcome, nothing less."""

    def propose(self, state):
        return self.ufun.best()

    def respond(self, state, offer):
        return "accept" if self.ufun(offer) >= self.ufun(self.ufun.best()) else "reject"


# --- Python negotiators in detente --------------------------------------------------------


def test_a_python_negotiator_plays_like_the_builtin_it_copies():
    s = market(2)
    for other in ["conceder", "boulware", "linear"]:
        for pair in ([Hardliner, other], [other, Hardliner]):
            builtin = ["hardliner" if x is Hardliner else x for x in pair]
            mine = detente.negotiate(s, pair, rounds=30, seed=4)
            ref = detente.negotiate(s, builtin, rounds=30, seed=4)
            assert offers(mine) == offers(ref)
            assert mine.agreement == ref.agreement and mine.utilities == ref.utilities
            assert mine.strategies == ["Hardliner" if x is Hardliner else x for x in pair]


def test_a_python_negotiator_sees_only_its_own_ufun():
    s = market(3, n_parties=3)
    seen = []

    def factory(info):
        seen.append(info)
        return Hardliner()

    detente.negotiate(s, {"p1": detente.Player("spy", factory)}, rounds=5)
    (info,) = seen
    assert sorted(info) == ["issues", "me", "n_parties", "n_rounds", "seed", "ufun"]
    assert (info["me"], info["n_parties"], info["n_rounds"]) == (1, 3, 5)
    u = info["ufun"]
    assert isinstance(u, detente.Ufun)
    assert u.to_dict() == s.preferences("p1")
    for o in outcomes(s):
        assert u(o) == s.utility("p1", o)
        assert u.is_acceptable(o) == s.is_acceptable("p1", o)
    # Nothing else reachable: the Ufun has no attribute naming another party.
    assert not [a for a in dir(u) if "part" in a or "scenario" in a]


def test_an_exception_in_negotiate_is_raised_with_its_own_type():
    class Faulty(detente.Negotiator):
        def propose(self, state):
            if state.round == 2:
                raise KeyError("no offer in round 2")
            return self.ufun.best()

    with pytest.raises(KeyError, match="no offer in round 2"):
        detente.negotiate(market(), [Faulty, "boulware"], rounds=10)


def test_an_exception_in_a_tournament_is_a_recorded_failure_and_the_rest_runs():
    class Faulty(detente.Negotiator):
        def propose(self, state):
            if state.round == 1:
                raise ValueError("boom")
            return self.ufun.best()

    def bad_start(info):
        raise RuntimeError("cannot start")

    t = detente.tournament(
        market(),
        ["boulware", Faulty, detente.Player("dud", bad_start)],
        rounds=10,
        threads=2,
    )
    assert t.summary["ran"] == t.summary["in_shard"] == 18
    messages = {
        "Faulty": "player 'Faulty' raised ValueError: boom",
        "dud": "player 'dud' raised RuntimeError: cannot start",
    }
    for r in t.records:
        faulty = [messages[p] for p in r["players"] if p in messages]
        if faulty:
            assert r["failure"]["kind"] == "negotiator", r
            # The first faulty negotiator to act ends the negotiation.
            assert r["failure"]["message"] in faulty
        else:
            assert r["failure"] is None and r["utilities"] is not None
    assert t.summary["failed"] == 18 - 2  # only boulware self-play (2 rotations) is clean


def test_a_bad_action_is_a_failure_naming_it():
    class Rude(detente.Negotiator):
        def propose(self, state):
            return {"i0": "nope", "i1": "v0", "i2": "v0"}

    with pytest.raises(detente.DetenteError, match="issue 'i0' has no value 'nope'"):
        detente.negotiate(market(), [Rude, "boulware"], rounds=5)

    class Mumbler:
        def act(self, round, n_rounds, offers):
            return "maybe"

    t = detente.tournament(market(), ["boulware", detente.Player("mumbler", lambda info: Mumbler())], rounds=5)
    failed = [r for r in t.records if "mumbler" in r["players"]]
    assert failed and all("'maybe' is not an action" in r["failure"]["message"] for r in failed)


def test_wrong_players_are_clear_errors():
    s = market()
    with pytest.raises(TypeError, match=r"strategies\[1\]: expected a strategy name \(str\) or a player"):
        detente.tournament(s, ["boulware", object()])
    with pytest.raises(TypeError, match=r"strategies\[0\]: expected a strategy name"):
        detente.negotiate(s, [42, "boulware"])
    with pytest.raises(TypeError, match="name"):
        detente.Player("", lambda info: None)
    with pytest.raises(TypeError, match="factory"):
        detente.Player("x", "not callable")
    with pytest.raises(TypeError, match="no act"):
        detente.negotiate(s, [detente.Player("x", lambda info: object()), "boulware"])


def test_python_players_in_a_db_tournament_resume(tmp_path):
    db = tmp_path / "t.sqlite"
    t = detente.tournament(market(), ["boulware", Hardliner], rounds=10, db=db)
    again = detente.tournament(market(), ["boulware", Hardliner], rounds=10, db=db)
    assert again.summary["skipped"] == t.summary["ran"] == 8
    assert detente.results(db).counts["stored"] == 8


# --- NegMAS negotiators in detente --------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1])
def test_a_negmas_negotiator_negotiates_against_detente(position):
    s = market(5)
    ns = dn.to_negmas(s)
    pair = ["boulware", "boulware"]
    pair[position] = AspirationNegotiator
    r = detente.negotiate(s, pair, rounds=50, seed=1)
    assert r.strategies[position] == "AspirationNegotiator"
    assert r.agreement is not None
    # The payoffs are the NegMAS ufuns' values of the agreement, and the agreement is acceptable.
    for u, x in zip(ns.ufuns, r.utilities):
        assert u(tuple(r.agreement.values())) == pytest.approx(x, abs=1e-12)
    assert all(s.is_acceptable(p, r.agreement) for p in s.parties)
    # Same inputs, same negotiation.
    assert offers(detente.negotiate(s, pair, rounds=50, seed=1)) == offers(r)


def test_a_negmas_negotiator_in_a_tournament_is_deterministic_at_any_thread_count():
    scenarios = [market(6), market(7, n_issues=2, n_values=8)]
    players = ["boulware", "conceder", AspirationNegotiator]
    one = detente.tournament(scenarios, players, rounds=40, seed=9, threads=1)
    two = detente.tournament(scenarios, players, rounds=40, seed=9, threads=2)
    assert one.records == two.records
    assert one.summary["failed"] == 0
    names = [x["name"] for x in one.ranking]
    assert sorted(names) == sorted(["boulware", "conceder", "AspirationNegotiator"])


def test_a_negmas_negotiator_cannot_play_a_party_with_red_lines(job_offer):
    with pytest.raises(detente.DetenteError, match="red lines"):
        detente.negotiate(job_offer, {"candidate": AspirationNegotiator, "employer": AspirationNegotiator})


# --- detente strategies in NegMAS ---------------------------------------------------------


def negmas_run(s, a, b, n_steps):
    ns = dn.to_negmas(s)
    m = SAOMechanism(outcome_space=ns.outcome_space, n_steps=n_steps)
    for neg, u in zip([a, b], ns.ufuns):
        m.add(neg, ufun=u)
    state = m.run()
    trace = [(step, m.negotiator_ids.index(n), o) for step, n, o in m.extended_trace]
    return state, trace


@pytest.mark.parametrize("a,b", [("boulware", "conceder"), ("linear", "tit-for-tat"), ("hardliner", "conceder")])
def test_detente_strategies_in_a_negmas_mechanism_play_as_in_detente(a, b):
    """The same two strategies give the same offers, round by round, in detente's mechanism,
    in NegMAS's SAOMechanism (as DetenteNegotiators), and with one of them a DetenteNegotiator
    hosted back in detente."""
    s = market(8)
    ref = detente.negotiate(s, [a, b], rounds=40)
    state, trace = negmas_run(s, dn.DetenteNegotiator(a), dn.DetenteNegotiator(b), 40)
    assert trace == offers(ref)
    if ref.agreement is None:
        assert state.agreement is None
    else:
        assert state.agreement == tuple(ref.agreement.values())
    hosted = detente.negotiate(s, [dn.player(dn.DetenteNegotiator, name="hosted", strategy=a), b], rounds=40)
    assert offers(hosted) == offers(ref)


@pytest.mark.parametrize("detente_first", [True, False])
def test_a_detente_negotiator_against_negmas_aspiration(detente_first):
    s = market(9)
    mine = dn.DetenteNegotiator("conceder", seed=3)
    pair = [mine, AspirationNegotiator()] if detente_first else [AspirationNegotiator(), mine]
    state, trace = negmas_run(s, *pair, 60)
    assert state.agreement is not None
    ns = dn.to_negmas(s)
    assert all(u(state.agreement) >= u.reserved_value for u in ns.ufuns)
    # Its offers are its own (every offer it made came from its side of the trace).
    me = 0 if detente_first else 1
    assert any(p == me for _, p, _ in trace)
    # Deterministic: a second run gives the same trace.
    again = dn.DetenteNegotiator("conceder", seed=3)
    pair2 = [again, AspirationNegotiator()] if detente_first else [AspirationNegotiator(), again]
    assert negmas_run(s, *pair2, 60)[1] == trace


def test_detente_negotiator_bad_input():
    with pytest.raises(detente.DetenteError, match="unknown strategy 'nope'"):
        dn.DetenteNegotiator("nope")
    assert dn.DetenteNegotiator("tft").strategy == "tit-for-tat"
    assert issubclass(dn.DetenteNegotiator, negmas.sao.SAONegotiator)
    with pytest.raises(AttributeError):
        dn.NoSuchThing  # noqa: B018


def test_agent_checks_its_input():
    issues = [{"name": "x", "options": ["a", "b"]}]
    agent = detente.Agent("hardliner", issues, [[0.0, 1.0]], 0.5)
    assert agent.act(0, 10, []) == [1]
    assert agent.act(1, 10, [(0, 0, [1]), (0, 1, [0])]) == [1]
    assert agent.act(2, 10, [(1, 0, [1]), (1, 1, [1])]) == "accept"
    with pytest.raises(detente.DetenteError, match=r"offers\[0\]"):
        agent.act(3, 10, [(2, 1, [7])])
    with pytest.raises(detente.DetenteError, match="round 10 is not in 0..10"):
        agent.act(10, 10, [])
    with pytest.raises(detente.DetenteError, match="me: party 2 out of range"):
        detente.Agent("boulware", issues, [[0.0, 1.0]], me=2)
