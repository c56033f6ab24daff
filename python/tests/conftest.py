import itertools
import pathlib
import random

import pytest

import detente

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def shared_dir() -> pathlib.Path:
    """The shared test data beside the repository (CI lays it there)."""
    return SHARED


@pytest.fixture
def haggle() -> detente.Scenario:
    return detente.from_dict(
        {
            "name": "haggle",
            "issues": [{"name": "price", "range": [0, 10]}],
            "parties": [
                {
                    "name": "buyer",
                    "reservation": 0.2,
                    "weights": {"price": 1},
                    "values": {"price": {"points": [[0, 1.0], [10, 0.0]]}},
                },
                {
                    "name": "seller",
                    "reservation": 0.2,
                    "weights": {"price": 1},
                    "values": {"price": {"points": [[0, 0.0], [10, 1.0]]}},
                },
            ],
        }
    )


@pytest.fixture
def job_offer() -> detente.Scenario:
    return detente.load(REPO / "scenarios" / "job-offer.toml")


def random_scenario(seed: int, n_parties: int = 2) -> detente.Scenario:
    """A random additive scenario with ties (values on a coarse grid)."""
    rng = random.Random(seed)
    n_issues = rng.randint(1, 4)
    issues = [{"name": f"i{k}", "options": [f"v{j}" for j in range(rng.randint(1, 4))]} for k in range(n_issues)]
    parties = []
    for p in range(n_parties):
        terms = [[rng.randint(0, 4) / 8 for _ in issue["options"]] for issue in issues]
        parties.append({"name": f"p{p}", "terms": terms, "reservation": rng.randint(0, 4) / 8})
    return detente.from_terms(f"random-{seed}", issues, parties)


def all_outcomes(s: detente.Scenario):
    names = [i["name"] for i in s.issues]
    for values in itertools.product(*(i["values"] for i in s.issues)):
        yield dict(zip(names, values))
