"""NegMAS interoperability, against NegMAS itself (installed from PyPI by run-tests.sh)."""

import itertools
import math
import random

import pytest

import detente
import detente.negmas as dn
from conftest import REPO, random_scenario

negmas = pytest.importorskip("negmas")
from negmas.inout import Scenario as NScenario  # noqa: E402
from negmas.outcomes import make_issue, make_os  # noqa: E402
from negmas.preferences import (  # noqa: E402
    LinearAdditiveUtilityFunction,
    LinearUtilityFunction,
    MappingUtilityFunction,
)
from negmas.preferences import kalai_points as nm_kalai  # noqa: E402
from negmas.preferences import nash_points as nm_nash  # noqa: E402
from negmas.preferences import pareto_frontier as nm_pareto  # noqa: E402
from negmas.preferences.value_fun import AffineFun, IdentityFun, TableFun  # noqa: E402


def random_negmas(seed: int, n_ufuns: int = 2) -> NScenario:
    """Random linear-additive NegMAS ufuns: categorical, contiguous and stepped integer issues,
    random weights (not summing to 1), biases, table/identity/affine value functions, negative
    values, reserved values finite or -inf."""
    rng = random.Random(seed)
    issues = []
    for k in range(rng.randint(1, 4)):
        kind = rng.choice(["cat", "int", "step"])
        if kind == "cat":
            issues.append(make_issue([f"o{j}" for j in range(rng.randint(1, 5))], f"i{k}"))
        elif kind == "int":
            lo = rng.randint(-3, 3)
            issues.append(make_issue((lo, lo + rng.randint(0, 5)), f"i{k}"))
        else:
            issues.append(make_issue([1, 4, 7, 10][: rng.randint(2, 4)], f"i{k}"))
    os_ = make_os(issues)
    ufuns = []
    for p in range(n_ufuns):
        funs = []
        for issue in issues:
            vals = list(issue.all)
            if isinstance(vals[0], str) or rng.random() < 0.4:
                funs.append(TableFun({v: rng.uniform(-0.5, 1.0) for v in vals}))
            elif rng.random() < 0.5:
                funs.append(IdentityFun())
            else:
                funs.append(AffineFun(rng.uniform(-1, 1), bias=rng.uniform(-1, 1)))
        weights = [rng.uniform(0.0, 2.0) for _ in issues]
        bias = rng.choice([0.0, rng.uniform(-0.3, 0.3)])
        r = rng.choice([float("-inf"), rng.uniform(-0.5, 1.0)])
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values=funs, weights=weights, bias=bias, reserved_value=r, outcome_space=os_, name=f"p{p}"
            )
        )
    return NScenario(outcome_space=os_, ufuns=tuple(ufuns))


def outcomes_of(os_):
    return list(itertools.product(*(list(i.all) for i in os_.issues)))


def as_detente(outcome, s):
    return {issue["name"]: (v if "range" in issue else str(v)) for issue, v in zip(s.issues, outcome)}


@pytest.mark.parametrize("seed", range(30))
def test_from_negmas_preserves_every_utility_exactly(seed):
    ns = random_negmas(seed, n_ufuns=2 + seed % 2)
    s = dn.from_negmas(ns)
    assert s.n_outcomes == ns.outcome_space.cardinality
    for o in outcomes_of(ns.outcome_space):
        assert s.utilities(as_detente(o, s)) == [u(o) for u in ns.ufuns]
    for r, u in zip(s.reservation_values, ns.ufuns):
        if math.isfinite(u.reserved_value):
            assert r == u.reserved_value


@pytest.mark.parametrize("seed", range(20))
def test_to_negmas_and_back_preserves_every_utility_exactly(seed):
    s = random_scenario(seed, n_parties=2 + seed % 2)
    ns = dn.to_negmas(s)
    names = [i["name"] for i in s.issues]
    for o in outcomes_of(ns.outcome_space):
        assert [u(o) for u in ns.ufuns] == s.utilities(dict(zip(names, o)))
    assert [u.reserved_value for u in ns.ufuns] == s.reservation_values
    back = dn.from_negmas(ns)
    for o in outcomes_of(ns.outcome_space):
        assert back.utilities(dict(zip(names, o))) == s.utilities(dict(zip(names, o)))


def test_to_negmas_of_a_native_scenario_with_integer_issues():
    s = detente.load(REPO / "scenarios" / "job-offer.toml").to_dict()
    for p in s["parties"]:
        p.pop("red_lines", None)
    s = detente.from_dict(s)
    ns = dn.to_negmas(s)
    assert [i.name for i in ns.outcome_space.issues] == [i["name"] for i in s.issues]
    o = {"salary": 75, "start": "next month", "remote_days": 3}
    assert [u(tuple(o.values())) for u in ns.ufuns] == s.utilities(o)


def test_what_detente_cannot_express_is_refused_by_name():
    os_ = make_os([make_issue(["a", "b"], "x")])
    bad = MappingUtilityFunction(lambda o: 1.0, outcome_space=os_, name="m")
    good = LinearAdditiveUtilityFunction(values=[TableFun({"a": 0.0, "b": 1.0})], outcome_space=os_, name="g")
    with pytest.raises(detente.DetenteError, match=r"ufuns\[1\]: detente needs linear-additive .* MappingUtilityFunction"):
        dn.from_negmas(NScenario(outcome_space=os_, ufuns=(good, bad)))
    with pytest.raises(detente.DetenteError, match="continuous issue"):
        c = make_os([make_issue((0.0, 1.0), "price")])
        dn.from_negmas(NScenario(outcome_space=c, ufuns=(LinearUtilityFunction([1.0], outcome_space=c),)))
    with pytest.raises(TypeError, match="scenario: expected a negmas Scenario"):
        dn.from_negmas("file.yml")
    job = detente.load(REPO / "scenarios" / "job-offer.toml")
    with pytest.raises(detente.DetenteError, match="red lines"):
        dn.to_negmas(job)


@pytest.mark.parametrize("seed", range(30))
def test_drop_in_analysis_gives_negmas_answers(seed):
    ns = random_negmas(1000 + seed, n_ufuns=2 + seed % 2)
    ufuns = list(ns.ufuns)
    ours, our_idx = dn.pareto_frontier(ufuns)
    theirs, their_idx = nm_pareto(ufuns)
    assert sorted(ours) == sorted(theirs)
    # Sorted by welfare, descending, like NegMAS (ties in welfare may come in either order).
    assert [sum(p) for p in ours] == sorted((sum(p) for p in ours), reverse=True)
    outcomes = outcomes_of(ns.outcome_space)
    for p, i in zip(ours, our_idx):
        assert tuple(u(outcomes[i]) for u in ufuns) == p
    for fn, ref in [(dn.nash_points, nm_nash), (dn.kalai_points, nm_kalai)]:
        got = fn(ufuns, theirs, outcome_space=ns.outcome_space)
        want = ref(ufuns, theirs, outcome_space=ns.outcome_space)
        assert got == want
        if ours:
            got_p = {p for p, _ in fn(ufuns, ours, outcome_space=ns.outcome_space)}
            want_p = {p for p, _ in ref(ufuns, theirs, outcome_space=ns.outcome_space)}
            assert got_p == want_p


def genius_utility(profile_xml, outcome):
    """GENIUS's arithmetic, read straight from a profile: Σ w_i · e_i(v) / max(0, max e_i)."""
    import xml.etree.ElementTree as ET

    root = ET.parse(profile_xml).getroot()
    obj = root.find("objective")
    weights = {w.get("index"): float(w.get("value")) for w in obj.findall("weight")}
    u = 0.0
    for issue in obj.findall("issue"):
        evals = {it.get("value"): float(it.get("evaluation")) for it in issue.findall("item")}
        top = max([0.0, *evals.values()])
        e = evals[str(outcome[issue.get("name")])]
        u += weights[issue.get("index")] * (0.0 if top < 1e-5 else e / top)
    return u, float(root.find("reservation").get("value"))


def test_genius_files_negmas_writes_load(tmp_path):
    # NegMAS's normalize() + to_genius_folder() writes negative evaluations (-1.1e-16 here)
    # and negative reservation values: detente reads them with GENIUS's arithmetic.
    ns = dn.to_negmas(random_scenario(3)).normalize()
    ns.to_genius_folder(tmp_path / "g")
    s = detente.load(tmp_path / "g")
    assert s.n_outcomes == ns.outcome_space.cardinality
    names = [i["name"] for i in s.issues]
    negative = False
    for k, party in enumerate(s.parties):
        profile = tmp_path / "g" / f"{party}.xml"
        negative |= "evaluation=\"-" in profile.read_text()
        for o in outcomes_of(ns.outcome_space):
            d = dict(zip(names, o))
            want, reservation = genius_utility(profile, d)
            assert s.utility(party, d) == pytest.approx(want, abs=1e-12)
            assert s.reservation_values[k] == reservation
    assert negative and min(s.reservation_values) < 0, "the case this test is about"
