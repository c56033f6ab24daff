//! `detente analyze --json` against numbers worked out by hand and against brute force.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::model::{EPS, Model, Solution, add_random_links, random_model};
use crate::util::{Dir, run_with_closed_stdout};

/// Two parties, three issues: a discrete issue given as a value array and as a table, an integer
/// issue with a step that does not reach `hi` and piecewise-linear values (one clamped at both
/// ends), an issue one party does not weigh, and a red line on an integer value.
///
/// By hand (W = Σ weights: Buyer 4, Seller 4; Seller does not weigh `delivery`):
///
/// | price | qty | delivery | Buyer u | Seller u | acceptable |
/// |---|---|---|---|---|---|
/// | low  | 0 | fast | .75  | .05 | Seller: red line on qty 0 |
/// | low  | 4 | fast | .95  | .15 | no (Seller < .8) |
/// | low  | 8 | fast | .925 | .25 | no |
/// | mid  | 4 | fast | .70  | .75 | no (Seller < .8) |
/// | mid  | 8 | fast | .675 | .85 | YES |
/// | mid  | 8 | slow | .425 | .85 | YES |
/// | high | 0 | fast | .25  | .80 | no: Seller's red line, although .80 ≥ .80 |
/// | high | 4 | fast | .45  | .90 | YES |
/// | high | 4 | slow | .20  | .90 | YES: Buyer exactly at its reservation .20 |
/// | high | 8 | fast | .425 | 1.0 | YES |
/// | high | 8 | slow | .175 | 1.0 | no (Buyer < .2) |
/// (the other 7 outcomes are dominated and unacceptable to the Seller)
///
/// Buyer qty values: points (0,0) (5,1) (10,.5) give 0 → 0, 4 → .8, 8 → .7.
/// Seller qty values: points (2,.2) (6,1) clamp: 0 → .2, 4 → .6, 8 → 1.
/// Zopa: 5 outcomes. Ideal: Buyer .675 (mid 8 fast), Seller 1.0 (high 8 fast).
/// Nash, Π(u − r): mid 8 fast .475·.05 = .02375; high 4 fast .25·.1 = .025;
///   high 8 fast .225·.2 = .045 (max); the slow ones ≤ 0.
/// Kalai–Smorodinsky, min((uB − .2)/.475, (uS − .8)/.2): mid 8 fast min(1, .25) = .25;
///   high 4 fast min(.526, .5) = .5 (max); high 8 fast min(.474, 1) = .474.
/// Max welfare: mid 8 fast 1.525 (max); high 8 fast 1.425; high 4 fast 1.35.
/// Pareto frontier of all 18 outcomes: low 4 fast (.95, .15), low 8 fast (.925, .25),
///   mid 4 fast (.7, .75), mid 8 fast (.675, .85), high 4 fast (.45, .9), high 8 fast (.425, 1);
///   of the acceptable ones: mid 8 fast, high 4 fast, high 8 fast.
pub(crate) const DEAL: &str = r#"name = "hand-computed deal"
rounds = 40

[[issues]]
name = "price"
options = ["low", "mid", "high"]

[[issues]]
name = "qty"
range = [0, 10]
step = 4

[[issues]]
name = "delivery"
options = [{ name = "fast", description = "next day" }, { name = "slow" }]

[[parties]]
name = "Buyer"
reservation = 0.2
weights = { price = 2, qty = 1, delivery = 1 }
[parties.values]
price = [1.0, 0.5, 0.0]
qty = { points = [[0, 0.0], [5, 1.0], [10, 0.5]] }
delivery = { fast = 1.0, slow = 0.0 }

[[parties]]
name = "Seller"
reservation = 0.8
weights = { price = 3, qty = 1 }
red_lines = [{ issue = "qty", options = [0] }]
[parties.values]
price = { low = 0.0, mid = 0.8, high = 1.0 }
qty = { points = [[2, 0.2], [6, 1.0]] }
"#;

/// `{price, qty, delivery}` as the binary prints it.
fn deal(price: &str, qty: i64, delivery: &str) -> Value {
    json!({ "price": price, "qty": qty, "delivery": delivery })
}

#[track_caller]
fn close(got: &Value, want: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: expected a number, got {got}"));
    assert!((g - want).abs() < EPS, "{what}: got {g}, want {want}");
}

#[track_caller]
fn assert_point(p: &Value, outcome: Value, buyer: f64, seller: f64, acceptable: bool, what: &str) {
    assert_eq!(p["outcome"], outcome, "{what}: outcome\n{p:#}");
    close(
        &p["utilities"]["Buyer"],
        buyer,
        &format!("{what}: Buyer utility"),
    );
    close(
        &p["utilities"]["Seller"],
        seller,
        &format!("{what}: Seller utility"),
    );
    assert_eq!(
        p["acceptable"],
        json!(acceptable),
        "{what}: acceptable\n{p:#}"
    );
}

/// The points of a JSON frontier, as a set of outcomes (compared as canonical JSON text).
fn outcome_set(frontier: &Value) -> BTreeSet<String> {
    frontier
        .as_array()
        .unwrap_or_else(|| panic!("a frontier must be a list, got {frontier}"))
        .iter()
        .map(|p| p["outcome"].to_string())
        .collect()
}

#[test]
fn deal_matches_the_numbers_worked_out_by_hand() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let j = dir
        .run(&["analyze", "deal.toml", "--json"])
        .success()
        .json();

    assert_eq!(j["scenario"], json!("hand-computed deal"));
    assert_eq!(j["parties"], json!(["Buyer", "Seller"]));
    assert_eq!(j["issues"], json!(3));
    // 3 prices × {0, 4, 8} (step 4 stops before 10) × 2 deliveries.
    assert_eq!(j["outcomes"], json!(18));
    // Includes high/4/slow, where the Buyer's utility equals its reservation exactly (≥, not >),
    // and excludes high/0/fast, which the Seller's utility would accept but its red line forbids.
    assert_eq!(j["zopa"], json!(5));
    close(&j["reservation"]["Buyer"], 0.2, "Buyer reservation");
    close(&j["reservation"]["Seller"], 0.8, "Seller reservation");
    close(&j["ideal"]["Buyer"], 0.675, "Buyer ideal");
    close(&j["ideal"]["Seller"], 1.0, "Seller ideal");

    assert_point(
        &j["nash"],
        deal("high", 8, "fast"),
        0.425,
        1.0,
        true,
        "nash",
    );
    assert_point(
        &j["kalai_smorodinsky"],
        deal("high", 4, "fast"),
        0.45,
        0.9,
        true,
        "kalai_smorodinsky",
    );
    assert_point(
        &j["max_welfare"],
        deal("mid", 8, "fast"),
        0.675,
        0.85,
        true,
        "max_welfare",
    );

    let want: Vec<(Value, f64, f64, bool)> = vec![
        (deal("low", 4, "fast"), 0.95, 0.15, false),
        (deal("low", 8, "fast"), 0.925, 0.25, false),
        (deal("mid", 4, "fast"), 0.7, 0.75, false),
        (deal("mid", 8, "fast"), 0.675, 0.85, true),
        (deal("high", 4, "fast"), 0.45, 0.9, true),
        (deal("high", 8, "fast"), 0.425, 1.0, true),
    ];
    let pareto = j["pareto"].as_array().expect("pareto is a list");
    assert_eq!(j["pareto_size"], json!(6));
    assert_eq!(
        outcome_set(&j["pareto"]),
        want.iter()
            .map(|w| w.0.to_string())
            .collect::<BTreeSet<_>>(),
        "pareto frontier as a set of outcomes"
    );
    for (o, b, s, a) in &want {
        let p = pareto
            .iter()
            .find(|p| p["outcome"] == *o)
            .expect("listed above");
        assert_point(p, o.clone(), *b, *s, *a, "pareto point");
    }
    let acc = [
        deal("mid", 8, "fast"),
        deal("high", 4, "fast"),
        deal("high", 8, "fast"),
    ];
    assert_eq!(j["pareto_acceptable_size"], json!(3));
    assert_eq!(
        outcome_set(&j["pareto_acceptable"]),
        acc.iter().map(Value::to_string).collect::<BTreeSet<_>>(),
        "frontier of the acceptable outcomes"
    );
    assert_eq!(
        j["incomplete"],
        json!({}),
        "a small scenario is analysed exactly"
    );
}

/// Checks every field of an `analyze --json` object against the brute-force solution.
#[track_caller]
pub(crate) fn check_against_model(j: &Value, m: &Model, sol: &Solution, what: &str) {
    let names: Vec<&str> = m.parties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(j["parties"], json!(names), "{what}: parties");
    assert_eq!(j["issues"], json!(m.issues.len()), "{what}: issues");
    assert_eq!(
        j["outcomes"].as_u64().map(u128::from),
        Some(m.n_outcomes()),
        "{what}: outcomes"
    );
    assert_eq!(j["zopa"], json!(sol.zopa.zopa.len()), "{what}: zopa");
    assert_eq!(j["incomplete"], json!({}), "{what}: incomplete");
    for (p, party) in m.parties.iter().enumerate() {
        close(
            &j["reservation"][&party.name],
            party.reservation,
            &format!("{what}: reservation"),
        );
        match sol.zopa.ideal[p] {
            None => assert_eq!(
                j["ideal"][&party.name],
                Value::Null,
                "{what}: ideal of {}",
                party.name
            ),
            Some(x) => close(
                &j["ideal"][&party.name],
                x,
                &format!("{what}: ideal of {}", party.name),
            ),
        }
    }
    let check_point = |p: &Value, label: &str| {
        let o = m.outcome_from_json(&p["outcome"]);
        let u = m.utilities(&o);
        for (k, party) in m.parties.iter().enumerate() {
            close(
                &p["utilities"][&party.name],
                u[k],
                &format!("{what}: {label} utility of {}", party.name),
            );
        }
        assert_eq!(
            p["acceptable"],
            json!(m.acceptable(&o)),
            "{what}: {label} acceptable flag\n{p:#}"
        );
        o
    };
    for (key, best) in [
        ("nash", &sol.zopa.nash),
        ("kalai_smorodinsky", &sol.zopa.ks),
        ("max_welfare", &sol.zopa.max_welfare),
    ] {
        match best {
            None => assert_eq!(
                j[key],
                Value::Null,
                "{what}: {key} must be null without a zopa"
            ),
            Some((_, arg)) => {
                let o = check_point(&j[key], key);
                assert!(
                    m.acceptable(&o),
                    "{what}: {key} is not acceptable to every party"
                );
                assert!(
                    arg.contains(&o),
                    "{what}: {key} {} is not an optimum; brute-force optima: {:?}",
                    j[key]["outcome"],
                    arg.iter().map(|o| m.outcome_json(o)).collect::<Vec<_>>()
                );
            }
        }
    }
    for (key, want) in [
        ("pareto", &sol.pareto),
        ("pareto_acceptable", &sol.pareto_acceptable),
    ] {
        let got = j[key]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: {key} must be a list"));
        let got_set: BTreeSet<Vec<usize>> = got.iter().map(|p| check_point(p, key)).collect();
        assert_eq!(
            got.len(),
            got_set.len(),
            "{what}: {key} lists an outcome twice"
        );
        let want_set: BTreeSet<Vec<usize>> = want.iter().cloned().collect();
        assert_eq!(
            got_set,
            want_set,
            "{what}: {key} differs from brute force\n missing: {:?}\n extra: {:?}",
            want_set
                .difference(&got_set)
                .map(|o| m.outcome_json(o))
                .collect::<Vec<_>>(),
            got_set
                .difference(&want_set)
                .map(|o| m.outcome_json(o))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            j[format!("{key}_size")],
            json!(want.len()),
            "{what}: {key}_size"
        );
    }
}

#[test]
fn deal_matches_brute_force_from_the_scenario_text() {
    let m = Model::from_toml(DEAL);
    let sol = m.solve();
    // The brute force agrees with the hand computation too (a check of the model itself).
    assert_eq!(sol.zopa.zopa.len(), 5);
    assert_eq!(sol.pareto.len(), 6);
    assert_eq!(
        sol.zopa.nash.as_ref().unwrap().1.len(),
        1,
        "a unique Nash point by design"
    );
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let j = dir
        .run(&["analyze", "deal.toml", "--json"])
        .success()
        .json();
    check_against_model(&j, &m, &sol, "deal");
}

/// Opposed preferences and high walk-away values: no outcome is acceptable to both.
const NO_ZOPA: &str = r#"name = "no zopa"

[[issues]]
name = "border"
options = ["north", "middle", "south"]

[[issues]]
name = "troops"
range = [0, 100]
step = 25

[[parties]]
name = "Alice"
reservation = 0.7
weights = { border = 1, troops = 1 }
[parties.values]
border = [1.0, 0.5, 0.0]
troops = { points = [[0, 1.0], [100, 0.0]] }

[[parties]]
name = "Bob"
reservation = 0.7
weights = { border = 1, troops = 1 }
[parties.values]
border = [0.0, 0.5, 1.0]
troops = { points = [[0, 0.0], [100, 1.0]] }
"#;

#[test]
fn no_zopa_gives_nulls() {
    // uA + uB = 1 for every outcome, so both cannot reach 0.7.
    let dir = Dir::new();
    dir.write("nozopa.toml", NO_ZOPA);
    let j = dir
        .run(&["analyze", "nozopa.toml", "--json"])
        .success()
        .json();
    assert_eq!(j["outcomes"], json!(15));
    assert_eq!(j["zopa"], json!(0));
    assert_eq!(j["nash"], Value::Null);
    assert_eq!(j["kalai_smorodinsky"], Value::Null);
    assert_eq!(j["max_welfare"], Value::Null);
    assert_eq!(j["ideal"], json!({ "Alice": null, "Bob": null }));
    assert_eq!(j["pareto_acceptable"], json!([]));
    assert_eq!(j["pareto_acceptable_size"], json!(0));
    // Every outcome has uA + uB = 1, so none dominates another: all 15 are on the frontier,
    // none acceptable.
    let pareto = j["pareto"].as_array().expect("pareto is a list");
    assert_eq!(pareto.len(), 15);
    assert!(pareto.iter().all(|p| p["acceptable"] == json!(false)));
    let m = Model::from_toml(NO_ZOPA);
    check_against_model(&j, &m, &m.solve(), "no zopa");

    // The text report says so in words.
    let t = dir.run(&["analyze", "nozopa.toml"]).success();
    t.stdout_has(&["Zone of possible agreement: NONE", "15 outcomes"]);
}

#[test]
fn red_lines_alone_can_empty_the_zopa() {
    // Both parties are happy with anything utility-wise (reservation 0), but each forbids
    // what the other needs.
    let text = r#"name = "red lines only"
[[issues]]
name = "status"
options = ["a", "b", "c"]
[[issues]]
name = "side"
options = ["x", "y"]
[[parties]]
name = "P"
weights = { status = 1, side = 1 }
red_lines = [{ issue = "status", options = ["a", "b"] }, { issue = "side", options = ["y"] }]
[parties.values]
status = [0.2, 0.4, 0.6]
side = [0.9, 0.1]
[[parties]]
name = "Q"
weights = { status = 2 }
red_lines = [{ issue = "status", options = ["c"] }]
[parties.values]
status = [1.0, 0.5, 0.0]
"#;
    let dir = Dir::new();
    dir.write("red.toml", text);
    let j = dir.run(&["analyze", "red.toml", "--json"]).success().json();
    assert_eq!(j["outcomes"], json!(6));
    assert_eq!(j["zopa"], json!(0), "every status is someone's red line");
    for k in ["nash", "kalai_smorodinsky", "max_welfare"] {
        assert_eq!(j[k], Value::Null, "{k} must be null");
    }
    let m = Model::from_toml(text);
    check_against_model(&j, &m, &m.solve(), "red lines only");
}

#[test]
fn random_scenarios_match_brute_force() {
    let dir = Dir::new();
    let mut with_zopa = 0;
    let mut without = 0;
    let cases: &[(u64, &[usize], usize, u64, f64)] = &[
        (1, &[3, 4, 2], 2, 10, 0.6),
        (2, &[5, 5], 2, 0, 0.7),
        (3, &[2, 3, 4, 3], 3, 10, 0.5),
        (4, &[4, 4, 4], 3, 5, 0.6),
        (5, &[6, 2, 3, 2], 2, 15, 0.5),
        (6, &[3, 3, 3, 3, 3], 4, 5, 0.45),
        (7, &[7, 5], 3, 0, 0.9),
        (8, &[2, 2, 2, 2, 2, 2], 2, 20, 0.4),
    ];
    for &(seed, sizes, np, red, res) in cases {
        let mut m = random_model(seed, sizes, np, red, res);
        if seed % 4 == 0 {
            // Demanding walk-away values: most likely no zopa at all.
            for p in &mut m.parties {
                p.reservation = 0.9;
            }
        }
        let text = m.to_toml(&format!("random {seed}"));
        let file = format!("random{seed}.toml");
        dir.write(&file, &text);
        // The TOML we wrote reads back to the same model (a check of the test's own writer).
        let back = Model::from_toml(&text);
        assert_eq!(back.n_outcomes(), m.n_outcomes());
        let sol = back.solve();
        if sol.zopa.zopa.is_empty() {
            without += 1;
        } else {
            with_zopa += 1;
        }
        let j = dir.run(&["analyze", &file, "--json"]).success().json();
        check_against_model(&j, &back, &sol, &format!("random scenario {seed}\n{text}"));
    }
    assert!(
        with_zopa >= 4 && without >= 1,
        "the cases must cover both: {with_zopa} with, {without} without a zopa"
    );
}

/// Linked preferences (docs/scenario-format.md, "Linked issues"), small enough to check by hand:
/// an interaction term written as an estimate, a penalty on an integer range, an `unless` and an
/// `only_if` red line.
///
/// A: u = .5·border + .5·guarantee + .3 if (south, ratified); south is a red line unless ratified.
/// B: u = .5·border' + .5·days − .2 if (days ≥ 60, none); days 0 is a red line only if south.
/// Both walk away below .5. Of the 24 outcomes, A accepts north/none (.5), north/ratified (1),
/// middle/ratified (.75) and south/ratified (.8) at any days; B then accepts north/ratified/90
/// (.5), middle/ratified/60 and /90 (.583, .75) and south/ratified/30, /60, /90 (.667, .833, 1;
/// /0 is its red line): 6 packages. Without the links and conditional lines, north/none/90 (B .5)
/// and south/ratified/0 (A .5, B .5) would join: 8. Nash: (.8 − .5)·(1 − .5) at south/ratified/90.
const LINKED: &str = r#"name = "linked"

[[issues]]
name = "border"
options = ["north", "middle", "south"]

[[issues]]
name = "guarantee"
options = ["none", "ratified"]

[[issues]]
name = "days"
range = [0, 90]
step = 30

[[parties]]
name = "A"
reservation = 0.5
weights = { border = 1, guarantee = 1 }
[parties.values]
border = [1.0, 0.5, 0.0]
guarantee = [0.0, 1.0]
[[parties.links]]
when = { border = ["south"], guarantee = ["ratified"] }
value = { value = 0.3, low = 0.1, high = 0.4, basis = "a bonus" }
[[parties.red_lines]]
issue = "border"
options = ["south"]
unless = { guarantee = ["ratified"] }

[[parties]]
name = "B"
reservation = 0.5
weights = { border = 1, days = 1 }
[parties.values]
border = [0.0, 0.5, 1.0]
days = { points = [[0, 0.0], [90, 1.0]] }
[[parties.links]]
when = { days = { min = 60, max = 90 }, guarantee = ["none"] }
value = -0.2
[[parties.red_lines]]
issue = "days"
options = [0]
only_if = { border = ["south"] }
"#;

#[test]
fn linked_scenario_matches_the_hand_computation_and_the_binary() {
    let m = Model::from_toml(LINKED);
    let sol = m.solve();
    // The oracle agrees with the hand computation (a check of the model itself).
    let zopa: Vec<Value> = sol.zopa.zopa.iter().map(|o| m.outcome_json(o)).collect();
    assert_eq!(zopa.len(), 6, "{zopa:#?}");
    let (best, arg) = sol.zopa.nash.as_ref().unwrap();
    assert!((best - 0.3 * 0.5).abs() < EPS, "Nash product {best}");
    assert_eq!(
        arg.iter().map(|o| m.outcome_json(o)).collect::<Vec<_>>(),
        [json!({ "border": "south", "guarantee": "ratified", "days": 90 })]
    );
    let south_ratified_0 = [2, 1, 0];
    assert!((m.utility(0, &south_ratified_0) - 0.8).abs() < EPS);
    assert!(m.crosses_red_line(1, &south_ratified_0), "B's only_if line");
    assert!(m.crosses_red_line(0, &[2, 0, 3]), "A's unless line");
    assert!(!m.crosses_red_line(0, &[2, 1, 3]));
    assert!((m.utility(1, &[0, 0, 3]) - 0.3).abs() < EPS, "B's penalty");
    // The binary agrees with the oracle on everything `analyze` reports.
    let dir = Dir::new();
    dir.write("linked.toml", LINKED);
    let j = dir
        .run(&["analyze", "linked.toml", "--json"])
        .success()
        .json();
    check_against_model(&j, &m, &sol, "linked");
}

#[test]
fn random_linked_scenarios_match_brute_force() {
    let dir = Dir::new();
    let mut changed = 0;
    let cases: &[(u64, &[usize], usize, u64, f64)] = &[
        (11, &[3, 4, 2], 2, 5, 0.5),
        (12, &[4, 3, 3], 3, 5, 0.45),
        (13, &[2, 3, 2, 3], 2, 0, 0.55),
        (14, &[3, 3, 3, 2], 3, 10, 0.4),
        (15, &[5, 4], 2, 0, 0.6),
        (16, &[2, 2, 2, 2, 2], 4, 5, 0.35),
    ];
    for &(seed, sizes, np, red, res) in cases {
        let plain = random_model(seed, sizes, np, red, res);
        let mut m = plain.clone();
        add_random_links(&mut m, seed);
        let text = m.to_toml(&format!("linked {seed}"));
        let file = format!("linked{seed}.toml");
        dir.write(&file, &text);
        let back = Model::from_toml(&text);
        let sol = back.solve();
        if sol.zopa.zopa != plain.solve().zopa.zopa {
            changed += 1;
        }
        let j = dir.run(&["analyze", &file, "--json"]).success().json();
        check_against_model(&j, &back, &sol, &format!("linked scenario {seed}\n{text}"));
    }
    assert!(
        changed >= 3,
        "the links must change the zone in most cases, did in {changed}"
    );
}

#[test]
fn threads_do_not_change_analyze_json() {
    let dir = Dir::new();
    // Big enough (4^7 = 16384 outcomes, 3 parties) that the search is split into many units.
    let m = random_model(42, &[4, 4, 4, 4, 4, 4, 4], 3, 5, 0.5);
    dir.write("mid.toml", &m.to_toml("threads"));
    dir.write("deal.toml", DEAL);
    for file in ["mid.toml", "deal.toml"] {
        let one = dir
            .run(&["--threads", "1", "analyze", file, "--json"])
            .success();
        let two = dir
            .run(&["--threads", "2", "analyze", file, "--json"])
            .success();
        let all = dir.run(&["analyze", file, "--json"]).success();
        assert_eq!(one.stdout, two.stdout, "--threads 1 and 2 differ on {file}");
        assert_eq!(
            one.stdout, all.stdout,
            "--threads 1 and the default differ on {file}"
        );
        // And the answer is right, not just stable.
        if file == "mid.toml" {
            let back = Model::from_toml(&m.to_toml("threads"));
            check_against_model(&one.json(), &back, &back.solve(), "threads scenario");
        }
    }
}

#[test]
fn text_report_agrees_with_json() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let t = dir.run(&["analyze", "deal.toml"]).success();
    t.stdout_has(&[
        "Exact analysis (18 outcomes)",
        "Zone of possible agreement: YES — 5 packages",
        "Pareto frontier (all outcomes): 6 packages, 3 of them acceptable to all",
        "Nash bargaining package",
        "Kalai–Smorodinsky package",
        "Maximum-welfare package",
    ]);
    assert!(t.stderr.is_empty(), "no warnings expected:\n{t}");
}

/// `detente analyze … | head`: a reader that goes away early is not a failure (main.rs says
/// so), whichever output format was asked for.
#[test]
fn closed_stdout_is_not_an_error_in_text_mode() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let o = run_with_closed_stdout(dir.path(), &["analyze", "deal.toml"]);
    assert_eq!(o.code, Some(0), "{o}");
    assert!(!o.stderr.contains("error"), "{o}");
}

#[test]
fn closed_stdout_is_not_an_error_in_json_mode() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    for cmd in ["analyze", "negotiate"] {
        let o = run_with_closed_stdout(dir.path(), &[cmd, "deal.toml", "--json"]);
        assert_eq!(
            o.code,
            Some(0),
            "a closed pipe must exit 0 like the text mode does:\n{o}"
        );
        assert!(!o.stderr.contains("Broken pipe"), "{o}");
    }
}

/// Two exactly opposed parties over 7 issues × 10 options: all 10⁷ outcomes are Pareto optimal,
/// on 64 distinct utility vectors (digit sums 0..=63). The frontier is known exactly, so it is
/// reported as known, vector by vector with counts, beyond `--max-listed` (issue 17).
fn opposed(n_issues: usize) -> String {
    let mut t = String::from("name = \"opposed\"\n");
    for i in 0..n_issues {
        t += &format!("[[issues]]\nname = \"i{i}\"\nrange = [0, 9]\n");
    }
    for (name, points) in [("A", "[[0, 0.0], [9, 1.0]]"), ("B", "[[0, 1.0], [9, 0.0]]")] {
        let weights: Vec<String> = (0..n_issues).map(|i| format!("i{i} = 1")).collect();
        t += &format!(
            "[[parties]]\nname = \"{name}\"\nreservation = -1\nweights = {{ {} }}\n[parties.values]\n",
            weights.join(", ")
        );
        for i in 0..n_issues {
            t += &format!("i{i} = {{ points = {points} }}\n");
        }
    }
    t
}

/// How many `n`-digit strings have digit sum `s`, for every `s`.
fn digit_sums(n: usize) -> Vec<u64> {
    let mut ways = vec![1u64];
    for _ in 0..n {
        let mut next = vec![0u64; ways.len() + 9];
        for (s, w) in ways.iter().enumerate() {
            for d in 0..10 {
                next[s + d] += w;
            }
        }
        ways = next;
    }
    ways
}

#[test]
fn a_frontier_known_exactly_is_reported_with_its_vectors_and_counts() {
    let dir = Dir::new();
    dir.write("opposed.toml", &opposed(7));
    let j = dir
        .run(&["analyze", "opposed.toml", "--json"])
        .success()
        .json();
    let want = digit_sums(7);
    assert_eq!(
        j["pareto_size"],
        json!(10_000_000u64),
        "{}",
        j["incomplete"]
    );
    assert_eq!(j["pareto_vector_count"], json!(64));
    assert!(
        j["pareto"].is_null(),
        "10⁷ outcomes are not listed one by one"
    );
    assert!(
        j["incomplete"].get("pareto").is_none(),
        "{}",
        j["incomplete"]
    );
    assert!(
        j["not_listed"]["pareto"]
            .as_str()
            .unwrap()
            .contains("--max-listed 10000")
    );
    let vectors = j["pareto_vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 64);
    // Party A descending: digit sum 63 first.
    for (k, v) in vectors.iter().enumerate() {
        let s = 63 - k;
        close(&v["utilities"]["A"], s as f64 / 63.0, "A");
        close(&v["utilities"]["B"], 1.0 - s as f64 / 63.0, "B");
        assert_eq!(v["count"], json!(want[s]), "vector {k}");
    }
    // The text lists the vectors too.
    let text = dir
        .run(&["analyze", "opposed.toml"])
        .success()
        .stdout
        .clone();
    assert!(
        text.contains("Pareto frontier (all outcomes): 10,000,000 packages (exact) sharing 64 distinct utility vectors"),
        "{text}"
    );
    assert!(text.contains("A 1.000, B 0.000 × 1"), "{text}");
    assert!(text.contains("… and 44 more vectors"), "{text}");
    // --max-listed caps the vectors as well, and lists small frontiers outcome by outcome.
    let j = dir
        .run(&["analyze", "opposed.toml", "--json", "--max-listed", "10"])
        .success()
        .json();
    assert_eq!(j["pareto_vectors"].as_array().unwrap().len(), 10);
    assert!(j["not_listed"]["pareto_vectors"].is_string());
    dir.write("small.toml", &opposed(2));
    let j = dir
        .run(&["analyze", "small.toml", "--json", "--max-listed", "100"])
        .success()
        .json();
    assert_eq!(j["pareto"].as_array().unwrap().len(), 100);
    assert_eq!(j["pareto_vectors"].as_array().unwrap().len(), 19);
    let j = dir
        .run(&["analyze", "small.toml", "--json", "--max-listed", "99"])
        .success()
        .json();
    assert!(j["pareto"].is_null());
}
