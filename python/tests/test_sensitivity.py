"""detente.sensitivity on the hand-worked scenario of the CLI's test (crates/detente-cli/tests/it/sensitivity.rs)."""

import pytest

import detente

# One issue. Buyer values low/mid/high at 1/.5/0 and walks away below a reservation value drawn
# uniformly from [.4, .6]; Seller values them 0/.5/1 with reservation .5. Only `mid` can be
# acceptable to both, exactly when Buyer's reservation is at most .5: a zone in half the draws,
# Buyer's reservation decisive at .5 with margin 0, `mid` the most robust package.
KNIFE_EDGE = """
name = "knife edge"

[[issues]]
name = "price"
options = ["low", "mid", "high"]

[[parties]]
name = "Buyer"
reservation = { value = 0.5, low = 0.4, high = 0.6, dist = "uniform" }
weights = { price = 1 }
values = { price = [1.0, 0.5, 0.0] }

[[parties]]
name = "Seller"
reservation = 0.5
weights = { price = 1 }
values = { price = [0.0, 0.5, 1.0] }
"""


def test_the_knife_edge_is_found():
    s = detente.from_toml(KNIFE_EDGE)
    r = detente.sensitivity(s, samples=2000, seed=3)
    z = r["zone_probability"]
    assert z["n"] == 2000 and abs(z["share"] - 0.5) < 0.05
    assert z["share"] == z["count"] / z["n"] and z["ci95"][0] < z["share"] < z["ci95"][1]
    assert r["robust_packages"][0]["outcome"] == {"price": "mid"}
    d = r["decisive"][0]
    assert d["estimate"] == "Buyer: reservation value" and d["method"] == "closed form"
    assert d["threshold"] == pytest.approx(0.5, abs=1e-6) and d["margin"] < 1e-6
    assert r["seed"] == 3
    assert detente.sensitivity(s, samples=2000, seed=3) == r
    assert detente.sensitivity(s, samples=2000, seed=4)["zone_probability"] != z


def test_without_ranges_every_draw_is_the_point_scenario(job_offer):
    r = detente.sensitivity(job_offer, samples=50)
    assert r["point_zone"] is True
    assert r["zone_probability"]["count"] == r["zone_probability"]["n"] == 50


def test_sensitivity_bad_input(job_offer):
    with pytest.raises(TypeError, match="scenario: expected a detente.Scenario"):
        detente.sensitivity("job-offer.toml")
    with pytest.raises(detente.DetenteError, match="samples: must be at least 1"):
        detente.sensitivity(job_offer, samples=0)
