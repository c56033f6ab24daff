"""analyze, negotiate, single_text, tournament: against brute force, determinism, bad input,
the GIL and Ctrl-C."""

import math
import os
import signal
import sys
import threading
import time

import pytest

import detente
from conftest import all_outcomes, random_scenario


def brute(s):
    """Zopa count, frontier (as value tuples), Nash product and KS value by enumeration."""
    res = s.reservation_values
    pts = [(tuple(o.values()), s.utilities(o)) for o in all_outcomes(s)]
    acc = [(o, u) for o, u in pts if all(x >= r for x, r in zip(u, res))]

    def dominated(u, v):
        return all(b >= a for a, b in zip(u, v)) and any(b > a for a, b in zip(u, v))

    frontier = {o for o, u in pts if not any(dominated(u, v) for _, v in pts)}
    nash = max((math.prod(x - r for x, r in zip(u, res)) for _, u in acc), default=None)
    best = [max((u[i] for _, u in acc), default=None) for i in range(len(res))]

    def ks(u):
        return min((x - r) / (b - r) if b > r else 1.0 for x, r, b in zip(u, res, best))

    ksv = max((ks(u) for _, u in acc), default=None)
    return len(acc), frontier, nash, ksv


@pytest.mark.parametrize("seed", range(40))
def test_analysis_matches_brute_force(seed):
    s = random_scenario(seed, n_parties=2 + seed % 2)
    a = detente.analyze(s)
    zopa, frontier, nash, ks = brute(s)
    assert a.outcomes == s.n_outcomes
    assert a.zopa == zopa
    assert {tuple(p.outcome.values()) for p in a.pareto} == frontier
    assert sum(v.count for v in a.pareto_vectors) == len(frontier)
    if nash is None:
        assert a.nash is None and a.kalai_smorodinsky is None
    else:
        res = s.reservation_values
        assert math.prod(x - r for x, r in zip(a.nash.utilities, res)) == pytest.approx(nash, abs=1e-12)
        assert a.nash.utilities == s.utilities(a.nash.outcome)
        best = a.ideal
        got = min((x - r) / (b - r) if b > r else 1.0 for x, r, b in zip(a.kalai_smorodinsky.utilities, res, best))
        assert got == pytest.approx(ks, abs=1e-12)


def test_analysis_budget_is_reported(job_offer):
    a = detente.analyze(job_offer, max_nodes=1)
    assert a.incomplete, "a one-node budget cannot finish"
    assert all(getattr(a, k) is None for k in a.incomplete)
    with pytest.raises(detente.DetenteError, match="max_nodes"):
        detente.analyze(job_offer, max_nodes=0)


def test_analysis_to_pandas(job_offer):
    pd = pytest.importorskip("pandas")
    a = detente.analyze(job_offer)
    df = a.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["salary", "start", "remote_days", "employer", "candidate", "acceptable"]
    assert len(df) == len(a.pareto)


def test_negotiate_is_deterministic_and_consistent(job_offer):
    r = detente.negotiate(job_offer, ["conceder", "boulware"], seed=3)
    again = detente.negotiate(job_offer, {"employer": "conceder"}, seed=3)
    assert r == again
    assert r.strategies == ["conceder", "boulware"]
    assert r.agreement is not None
    assert r.utilities == job_offer.utilities(r.agreement)
    last = r.trace[-1]
    assert last["action"] == "agreement" and last["outcome"] == r.agreement and last["round"] < r.rounds
    assert {e["action"] for e in r.trace} <= {"offer", "accept", "agreement"}
    assert r.payoffs == dict(zip(job_offer.parties, r.utilities))
    h = detente.negotiate(job_offer, "hardliner", rounds=5)
    assert h.agreement is None and h.utilities == job_offer.reservation_values
    assert h.trace[-1]["action"] == "timeout"


def test_negotiate_bad_input(job_offer):
    with pytest.raises(TypeError, match="scenario: expected a detente.Scenario, got str"):
        detente.negotiate("scenarios/job-offer.toml")
    with pytest.raises(detente.DetenteError, match=r"strategies\[1\]: unknown strategy 'nice'"):
        detente.negotiate(job_offer, ["boulware", "nice"])
    with pytest.raises(detente.DetenteError, match="strategies: 1 strategies for 2 parties"):
        detente.negotiate(job_offer, ["boulware"])
    with pytest.raises(TypeError, match=r"strategies\[0\]: expected a strategy name \(str\) or a player"):
        detente.negotiate(job_offer, [1, 2])
    with pytest.raises(detente.DetenteError, match="rounds"):
        detente.negotiate(job_offer, rounds=0)
    with pytest.raises(OverflowError):
        detente.negotiate(job_offer, rounds=-1)
    assert issubclass(detente.DetenteError, ValueError)


def test_single_text(job_offer):
    r = detente.single_text(job_offer, mediator="veto", rounds=30, seed=1)
    assert r.protocol == "single-text" and r.mediator == "veto"
    assert r.versions[0]["version"] == 0
    assert {e["action"] for e in r.trace} >= {"consult", "verdict"}
    start = {"salary": 75, "start": "next month", "remote_days": 2}
    s = detente.single_text(job_offer, start=start, rounds=10)
    assert s.versions[0]["outcome"] == start
    with pytest.raises(detente.DetenteError, match="mediator: unknown mediator strategy 'boss'"):
        detente.single_text(job_offer, mediator="boss")
    with pytest.raises(detente.DetenteError, match="start: unknown package"):
        detente.single_text(job_offer, start="nope")


def test_tournament_in_memory(job_offer, haggle):
    t = detente.tournament([job_offer, haggle], ["boulware", "conceder"], rounds=20, reps=2)
    # 2 scenarios x 2^2 ordered pairs x 2 rotations x 2 repetitions.
    assert t.summary == {"in_shard": 32, "skipped": 0, "ran": 32, "failed": 0}
    assert [r["id"] for r in t.records] == list(range(32))
    assert {r["scenario"] for r in t.records} == {"job-offer", "haggle"}
    assert sorted(x["name"] for x in t.ranking) == ["boulware", "conceder"]
    for r in t.records:
        if r["agreement"] is not None:
            s = job_offer if r["scenario"] == "job-offer" else haggle
            by_party = dict(zip(s.parties, s.utilities(r["agreement"])))
            assert r["utilities"] == [by_party[p] for p in r["parties"]]
    again = detente.tournament([job_offer, haggle], ["boulware", "conceder"], rounds=20, reps=2, threads=1)
    assert again.records == t.records


def test_tournament_to_pandas(job_offer):
    pd = pytest.importorskip("pandas")
    t = detente.tournament(job_offer, ["boulware", "linear"], rounds=10)
    assert len(t.to_pandas()) == 8
    assert isinstance(t.ranking_frame(), pd.DataFrame)


def test_tournament_shards_merge_to_the_whole(tmp_path, job_offer):
    players = ["boulware", "conceder", "micro"]
    whole = detente.tournament(job_offer, players, rounds=15)
    dbs = []
    for i in range(3):
        db = tmp_path / f"shard{i}.db"
        r = detente.tournament(job_offer, players, rounds=15, shard=f"{i}/3", db=db)
        assert r.records is None and r.summary["ran"] == r.summary["in_shard"]
        dbs.append(db)
    m = detente.merge(tmp_path / "all.db", dbs)
    assert m["total"] == m["planned"] == len(whole.records)
    back = detente.results(tmp_path / "all.db", job_offer)
    assert back.records == whole.records
    assert back.counts == {"planned": 18, "stored": 18, "failed": 0}
    # A rerun resumes and adds nothing.
    rerun = detente.tournament(job_offer, players, rounds=15, shard=(0, 3), db=dbs[0])
    assert rerun.summary["ran"] == 0 and rerun.summary["skipped"] == rerun.summary["in_shard"]


def test_tournament_bad_input(job_offer, tmp_path):
    with pytest.raises(detente.DetenteError, match=r"strategies\[1\]"):
        detente.tournament(job_offer, ["boulware", "bogus"])
    with pytest.raises(TypeError, match="strategies: expected a list"):
        detente.tournament(job_offer, "boulware")
    with pytest.raises(TypeError, match=r"scenarios\[1\]"):
        detente.tournament([job_offer, "x"], ["boulware"])
    with pytest.raises(detente.DetenteError, match="shard"):
        detente.tournament(job_offer, ["boulware"], shard="3/3")
    with pytest.raises(detente.DetenteError, match="duplicate|twice|same name"):
        detente.tournament(job_offer, ["boulware", "boulware"])
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 10)
    with pytest.raises(detente.DetenteError, match="db"):
        detente.tournament(job_offer, ["boulware"], db=junk)
    assert junk.read_bytes() == b"not a database at all" * 10


def _big_tournament(reps=400, **kw):
    s = random_scenario(7)
    strategies = ["boulware", "linear", "conceder", "hardliner", "random", "tit-for-tat", "micro"]
    return detente.tournament(s, strategies, rounds=200, reps=reps, **kw)


def test_tournament_releases_the_gil():
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    try:
        _big_tournament(reps=1_000, threads=1)
    finally:
        done.set()
        t.join()
    elapsed = time.perf_counter() - start
    during = [x for x in ticks if start < x < start + elapsed]
    # The other thread ran throughout: with the GIL held it could not tick at all.
    assert elapsed > 0.2 and len(during) > 20


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_tournament_and_keeps_what_was_written(tmp_path):
    db = tmp_path / "r.db"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    # Far more than 0.5 s of work (39,200 negotiations took under 0.5 s once negotiations got
    # faster, and the late signal then stopped pytest itself): the signal must land mid-run.
    with pytest.raises(KeyboardInterrupt):
        _big_tournament(reps=100_000, db=db, threads=1)
    stopped = time.perf_counter() - start
    timer.cancel()
    r = detente.results(db)
    assert 0 < r.counts["stored"] < r.counts["planned"], r.counts
    assert stopped < 30


def test_every_listed_strategy_and_mediator_is_accepted():
    """STRATEGIES and MEDIATORS are the library's own lists: each name negotiates."""
    assert {"naive-tft", "agentk", "hardheaded", "atlas3", "agentgg"} <= set(detente.STRATEGIES)
    assert {"blind", "trusted-nash", "feedback"} <= set(detente.MEDIATORS)
    s = random_scenario(3, n_parties=2)
    for name in detente.STRATEGIES:
        r = detente.negotiate(s, name, rounds=20, seed=1)
        assert r.rounds <= 20
