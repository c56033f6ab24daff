"""Scenarios: loading, building from dicts and terms, round trips, bad input."""

import pytest

import detente
from conftest import REPO, shared_dir


def test_from_dict_builds_the_native_model(haggle):
    assert haggle.name == "haggle"
    assert haggle.parties == ["buyer", "seller"]
    assert haggle.reservation_values == [0.2, 0.2]
    assert haggle.n_outcomes == 11
    assert haggle.issues[0]["values"] == list(range(11))
    assert haggle.utility("buyer", {"price": 3}) == pytest.approx(0.7)
    assert haggle.utilities([3]) == pytest.approx([0.7, 0.3])
    assert haggle.is_acceptable("seller", {"price": 1}) is False
    assert haggle.is_acceptable(1, {"price": 2}) is True


def test_dict_and_toml_round_trips(job_offer):
    assert detente.from_dict(job_offer.to_dict()) == job_offer
    assert detente.from_toml(job_offer.to_toml()) == job_offer


def test_load_genius_folder_and_files():
    folder = shared_dir() / "scenarios" / "genius" / "Laptop"
    if not folder.is_dir():
        pytest.skip("../shared/scenarios is missing")
    s = detente.load(folder)
    assert s.n_outcomes == 27 and len(s.parties) == 2
    domain = next(p for p in folder.iterdir() if "domain" in p.name.lower() or p.stem == "Laptop")
    profiles = sorted(p for p in folder.glob("*.xml") if p != domain)
    t = detente.load(domain, profiles)
    assert t.n_outcomes == 27
    assert [t.utilities(o) for o in _some(t)] == [s.utilities(o) for o in _some(s)]


def _some(s):
    from conftest import all_outcomes

    return list(all_outcomes(s))[:5]


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[issues]]\nname = "a"\noptions = []\n')
    with pytest.raises(detente.DetenteError, match="bad.toml"):
        detente.load(bad)
    with pytest.raises(detente.DetenteError, match="path"):
        detente.load(tmp_path / "missing.toml")


def test_from_dict_errors_name_the_element():
    d = {
        "name": "x",
        "issues": [{"name": "a", "options": ["p", "q"]}],
        "parties": [{"name": "me", "weights": {"a": 1}, "values": {"a": {"p": 1.0, "q": 2.0}}}],
    }
    with pytest.raises(detente.DetenteError, match="me"):
        detente.from_dict(d)
    with pytest.raises(TypeError, match=r"data\['issues'\]\[0\]\['options'\]\[1\]"):
        detente.from_dict({"name": "x", "issues": [{"name": "a", "options": ["p", object()]}], "parties": []})
    with pytest.raises(TypeError, match="data: expected a dict"):
        detente.from_dict("name = 'x'")


def test_from_terms_keeps_terms_exactly():
    s = detente.from_terms(
        "t",
        [{"name": "a", "options": ["x", "y"]}, {"name": "n", "range": [1, 5], "step": 2}],
        [
            {"name": "p", "terms": [[0.1, -0.3], [2.0, 0.5, 0.25]], "reservation": -0.1},
            {"name": "q", "terms": [[0.0, 1.0], [0.0, 0.0, 0.7]]},
        ],
    )
    assert s.issues[1]["values"] == [1, 3, 5]
    assert s.utility("p", {"a": "y", "n": 3}) == -0.3 + 0.5
    assert s.preferences("p")["terms"] == [[0.1, -0.3], [2.0, 0.5, 0.25]]
    assert s.reservation_values == [-0.1, 0.0]
    with pytest.raises(detente.DetenteError, match=r"parties\[0\]"):
        detente.from_terms("t", [{"name": "a", "options": ["x"]}], [{"name": "p", "terms": [[0.1, 0.2]]}])


def test_bad_outcomes_are_clear_errors(haggle):
    with pytest.raises(detente.DetenteError, match="outcome: issue 'price' has no value 11"):
        haggle.utilities({"price": 11})
    with pytest.raises(detente.DetenteError, match="unknown issue 'cost'"):
        haggle.utilities({"cost": 1})
    with pytest.raises(TypeError, match="outcome"):
        haggle.utilities(3)
    with pytest.raises(detente.DetenteError, match="party"):
        haggle.utility("nobody", [1])


def test_save_genius_reloads(tmp_path, haggle, job_offer):
    out = haggle.save(tmp_path / "g", format="genius")
    assert len(out["files"]) == 3
    back = detente.load(tmp_path / "g")
    for price in range(11):
        assert back.utilities([price]) == pytest.approx(haggle.utilities([price]), abs=1e-12)
    with pytest.raises(detente.DetenteError, match="red lines, which GENIUS cannot express"):
        job_offer.save(tmp_path / "j", format="genius")
    with pytest.raises(detente.DetenteError, match="format"):
        haggle.save(tmp_path / "x", format="yaml")


def test_flagship_loads():
    s = detente.load(REPO / "scenarios" / "ukraine-2025.toml")
    assert len(s.parties) == 4 and s.n_outcomes > 10**12
