"""detente.ray: a tournament's shards as Ray tasks on a local Ray cluster (2 CPUs)."""

import os
import pathlib

import pytest

import detente
import detente.ray

ray = pytest.importorskip("ray")

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def scenarios(job_offer):
    market = detente.from_terms(
        "market",
        [{"name": "price", "range": [0, 20]}, {"name": "delivery", "options": ["fast", "normal", "slow"]}],
        [
            {"name": "buyer", "terms": [[0.7 * (20 - p) / 20 for p in range(21)], [0.3, 0.2, 0.0]], "reservation": 0.3},
            {"name": "seller", "terms": [[0.8 * p / 20 for p in range(21)], [0.0, 0.1, 0.2]], "reservation": 0.25},
        ],
    )
    return [job_offer, market]


def rows(res):
    return res.records, res.ranking, res.counts, res.description


def test_scenarios_pickle_exactly(job_offer):
    import pickle

    for s in scenarios(job_offer) + [detente.load(REPO / "scenarios" / "ukraine-2025.toml")]:
        back = pickle.loads(pickle.dumps(s))
        assert back.parties == s.parties and back.issues == s.issues and back.rounds == s.rounds
        for p in s.parties:
            assert back.preferences(p) == s.preferences(p)


def test_ray_tournament_equals_the_single_process_one(cluster, job_offer, tmp_path):
    sc = scenarios(job_offer)
    players = ["boulware", "conceder", "tit-for-tat", "random"]
    single = tmp_path / "single.sqlite"
    detente.tournament(sc, players, rounds=40, reps=2, seed=11, db=single)
    want = detente.results(single, sc)
    t = detente.ray.tournament(sc, players, rounds=40, reps=2, seed=11, db=tmp_path / "ray.sqlite", shards=5)
    assert t.records is None and t.db == str(tmp_path / "ray.sqlite")
    assert t.summary == {"in_shard": 2 * 2 * 16 * 2, "skipped": 0, "ran": 2 * 2 * 16 * 2, "failed": 0}
    assert t.ranking == want.ranking and t.description == want.description
    got = detente.results(t.db, sc)
    assert got.counts["stored"] == got.counts["planned"] == want.counts["planned"] == 2 * 2 * 16 * 2
    assert rows(got) == rows(want)
    assert len(t.to_pandas()) == 2 * 2 * 16 * 2
    # Rerunning into the same database adds nothing.
    detente.ray.tournament(sc, players, rounds=40, reps=2, seed=11, db=tmp_path / "ray.sqlite", shards=3)
    assert rows(detente.results(t.db, sc)) == rows(want)


def test_a_worker_killed_mid_shard_is_retried_and_the_result_is_complete(cluster, job_offer, tmp_path):
    marker = str(tmp_path / "killed-once")

    def make_player(marker_path):
        class Saboteur(detente.Negotiator):
            """detente's hardliner, except that the first time it plays in round 5 of any
            negotiation after the shard has played a few, it kills its worker process."""

            name = "saboteur"
            played = 0

            def on_start(self):
                type(self).played += 1

            def propose(self, state):
                if state.round == 5 and type(self).played > 3 and not os.path.exists(marker_path):
                    with open(marker_path, "w") as f:
                        f.write(str(os.getpid()))
                    os._exit(1)
                return self.ufun.best()

            def respond(self, state, offer):
                return "accept" if self.ufun(offer) >= self.ufun(self.ufun.best()) else "reject"

        return Saboteur

    sc = scenarios(job_offer)
    players = ["boulware", "conceder", make_player(marker)]
    db = tmp_path / "ray.sqlite"
    detente.ray.tournament(sc, players, rounds=30, seed=5, db=db, shards=4, max_retries=2)
    got = detente.results(db, sc)
    assert os.path.exists(marker), "no worker was killed: the test tested nothing"
    assert int(open(marker).read()) != os.getpid()
    # Every negotiation exactly once, identical to a single-process run with a saboteur that
    # never strikes (its marker already exists).
    ids = [r["id"] for r in got.records]
    assert ids == list(range(got.counts["planned"])) and got.counts["stored"] == got.counts["planned"]
    single = tmp_path / "single.sqlite"
    detente.tournament(sc, ["boulware", "conceder", make_player(marker)], rounds=30, seed=5, db=single)
    assert rows(got) == rows(detente.results(single, sc))
    assert got.counts["failed"] == 0


def test_ray_tournament_bad_input(cluster, job_offer, tmp_path):
    with pytest.raises(TypeError, match="scenarios: expected a detente.Scenario"):
        detente.ray.tournament("job-offer.toml", ["boulware"], db=tmp_path / "x.sqlite")
    with pytest.raises(detente.DetenteError, match=r"strategies\[1\]: unknown strategy 'nice'"):
        detente.ray.tournament(job_offer, ["boulware", "nice"], db=tmp_path / "x.sqlite")
    with pytest.raises(ValueError, match="shards: expected an integer >= 1"):
        detente.ray.tournament(job_offer, ["boulware"], db=tmp_path / "x.sqlite", shards=0)
    assert not (tmp_path / "x.sqlite").exists()
