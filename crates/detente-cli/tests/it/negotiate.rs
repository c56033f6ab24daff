//! `detente negotiate --json`: shape, determinism, and agreements checked against the model.

use serde_json::{Value, json};

use crate::analyze::DEAL;
use crate::model::{EPS, Model, random_model};
use crate::util::Dir;

/// Two parties with exactly opposed preferences on one issue; the middle two options are
/// acceptable to both (zopa = {b, c}).
const OPPOSED: &str = r#"name = "opposed"
rounds = 30

[[issues]]
name = "split"
options = ["a", "b", "c", "d"]

[[parties]]
name = "Left"
reservation = 0.2
weights = { split = 1 }
[parties.values]
split = [1.0, 0.7, 0.3, 0.0]

[[parties]]
name = "Right"
reservation = 0.2
weights = { split = 1 }
[parties.values]
split = [0.0, 0.3, 0.7, 1.0]
"#;

/// Three parties, for `--only` and multi-party agreements.
fn three_party() -> Model {
    random_model(11, &[3, 4, 3, 2], 3, 0, 0.3)
}

/// Checks the shape of a `negotiate --json` object and everything in it the model can verify:
/// each offer's utilities, the agreement's acceptability and payoffs, the trace's ending.
/// Returns the agreed outcome, if any.
#[track_caller]
fn check_negotiation(j: &Value, m: &Model, deadline: u32, what: &str) -> Option<Vec<usize>> {
    let rounds = j["rounds"]
        .as_u64()
        .unwrap_or_else(|| panic!("{what}: `rounds` must be an integer\n{j:#}"));
    let trace = j["trace"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: `trace` must be a list\n{j:#}"));
    assert_eq!(j["deadline"], json!(deadline), "{what}: deadline");
    assert!(
        rounds <= u64::from(deadline),
        "{what}: {rounds} rounds past the deadline {deadline}"
    );
    assert!(!trace.is_empty(), "{what}: empty trace");
    let names: Vec<&str> = m.parties.iter().map(|p| p.name.as_str()).collect();
    for e in trace {
        let action = e["action"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: event without action: {e}"));
        let round = e["round"]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: event without round: {e}"));
        assert!(
            round >= 1 && round <= u64::from(deadline),
            "{what}: event outside rounds 1..=deadline: {e}"
        );
        if ["offer", "accept", "end"].contains(&action) {
            let who = e["party"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: event without party: {e}"));
            assert!(names.contains(&who), "{what}: unknown party in {e}");
        }
        if action == "offer" {
            let o = m.outcome_from_json(&e["outcome"]);
            for (p, name) in names.iter().enumerate() {
                let u = e["utilities"][name].as_f64().expect("offer utilities");
                assert!(
                    (u - m.utility(p, &o)).abs() < EPS,
                    "{what}: offer utility of {name} in {e}"
                );
            }
        }
    }
    let last = trace.last().unwrap();
    let agreement = &j["agreement"];
    if agreement.is_null() {
        assert!(
            ["timeout", "end"].contains(&last["action"].as_str().unwrap_or("")),
            "{what}: no agreement, yet the trace ends with {last}"
        );
        for p in &m.parties {
            let pay = j["payoffs"][&p.name].as_f64().expect("payoff");
            assert!(
                (pay - p.reservation).abs() < EPS,
                "{what}: without agreement {} gets its reservation",
                p.name
            );
        }
        return None;
    }
    let o = m.outcome_from_json(&agreement["outcome"]);
    assert_eq!(
        last["action"],
        json!("agreement"),
        "{what}: the trace must end with the agreement"
    );
    assert_eq!(
        last["outcome"], agreement["outcome"],
        "{what}: trace and agreement disagree"
    );
    // Events count rounds from 1, as the text does: the agreement's round is `rounds`.
    assert_eq!(
        last["round"].as_u64(),
        Some(rounds),
        "{what}: agreement round"
    );
    // The independent check: every party's utility is at least its reservation and the outcome
    // uses none of its red-line options.
    for (p, party) in m.parties.iter().enumerate() {
        let u = m.utility(p, &o);
        let printed = agreement["utilities"][&party.name]
            .as_f64()
            .expect("agreement utility");
        assert!(
            (printed - u).abs() < EPS,
            "{what}: agreement utility of {}: printed {printed}, recomputed {u}",
            party.name
        );
        assert!(
            u >= party.reservation - EPS,
            "{what}: the agreement gives {} {u}, below its reservation {}\n{agreement:#}",
            party.name,
            party.reservation
        );
        assert!(
            !m.crosses_red_line(p, &o),
            "{what}: the agreement crosses a red line of {}\n{agreement:#}",
            party.name
        );
        // No discount in these scenarios: the payoff is the utility.
        let pay = j["payoffs"][&party.name].as_f64().expect("payoff");
        assert!((pay - u).abs() < EPS, "{what}: payoff of {}", party.name);
    }
    assert_eq!(
        agreement["acceptable"],
        json!(true),
        "{what}: acceptable flag"
    );
    assert_eq!(
        j["ended_by"],
        Value::Null,
        "{what}: an agreement is not a walk-out"
    );
    Some(o)
}

#[test]
fn json_has_agreement_rounds_and_trace() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let j = dir
        .run(&[
            "negotiate",
            "deal.toml",
            "--json",
            "--party",
            "Buyer=conceder",
            "--party",
            "Seller=linear",
            "--seed",
            "3",
        ])
        .success()
        .json();
    assert_eq!(j["scenario"], json!("hand-computed deal"));
    assert_eq!(
        j["strategies"],
        json!({ "Buyer": "conceder", "Seller": "linear" })
    );
    assert_eq!(j["seed"], json!(3));
    assert!(j["rounds"].is_u64(), "rounds is an integer");
    assert!(j["trace"].is_array(), "trace is a list");
    assert!(j["agreement"].is_null() || j["agreement"].is_object());
    // The scenario file says rounds = 40.
    check_negotiation(&j, &Model::from_toml(DEAL), 40, "deal conceder/linear");
}

#[test]
fn same_inputs_and_seed_give_identical_output() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    for args in [
        vec![
            "negotiate",
            "deal.toml",
            "--json",
            "--default-strategy",
            "random",
            "--seed",
            "7",
        ],
        vec![
            "negotiate",
            "deal.toml",
            "--json",
            "--party",
            "Buyer=micro",
            "--party",
            "Seller=tit-for-tat",
        ],
        vec![
            "negotiate",
            "deal.toml",
            "--default-strategy",
            "random",
            "--seed",
            "7",
        ],
    ] {
        let a = dir.run(&args).success();
        let b = dir.run(&args).success();
        assert_eq!(a.stdout, b.stdout, "two runs of {args:?} differ");
    }
}

#[test]
fn different_seeds_with_random_strategies_differ() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let run = |seed: &str| {
        dir.run(&[
            "negotiate",
            "deal.toml",
            "--json",
            "--default-strategy",
            "random",
            "--seed",
            seed,
        ])
        .success()
        .json()
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a["seed"], json!(1));
    assert_eq!(b["seed"], json!(2));
    assert_ne!(
        a["trace"], b["trace"],
        "seeds 1 and 2 produced the same random negotiation"
    );
    let m = Model::from_toml(DEAL);
    check_negotiation(&a, &m, 40, "random seed 1");
    check_negotiation(&b, &m, 40, "random seed 2");
}

#[test]
fn threads_do_not_change_negotiate_json() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let m = three_party();
    dir.write("three.toml", &m.to_toml("three"));
    for file in ["deal.toml", "three.toml"] {
        let args = |t: &'static str| {
            vec![
                "--threads",
                t,
                "negotiate",
                file,
                "--json",
                "--default-strategy",
                "random",
                "--seed",
                "5",
            ]
        };
        let one = dir.run(&args("1")).success();
        let two = dir.run(&args("2")).success();
        assert_eq!(one.stdout, two.stdout, "--threads 1 and 2 differ on {file}");
    }
}

#[test]
fn every_agreement_is_acceptable_to_every_party() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let three = three_party();
    dir.write("three.toml", &three.to_toml("three"));
    let redlined = random_model(23, &[4, 3, 3, 2], 3, 20, 0.35);
    dir.write("redlined.toml", &redlined.to_toml("redlined"));
    let models = [
        ("deal.toml", Model::from_toml(DEAL), 40),
        ("three.toml", three, 100),
        ("redlined.toml", redlined, 100),
    ];
    let strategies = [
        "boulware",
        "linear",
        "conceder",
        "time:0.5",
        "hardliner",
        "random",
        "tit-for-tat",
        "micro",
    ];
    let mut agreements = 0;
    for (file, m, deadline) in &models {
        for (k, s) in strategies.iter().enumerate() {
            // Mix: everyone plays `s`, except party 0 plays the next strategy in the list.
            let first = format!(
                "{}={}",
                m.parties[0].name,
                strategies[(k + 1) % strategies.len()]
            );
            for seed in ["0", "9"] {
                let args = [
                    "negotiate",
                    file,
                    "--json",
                    "--default-strategy",
                    s,
                    "--party",
                    &first,
                    "--seed",
                    seed,
                ];
                let j = dir.run(&args).success().json();
                if check_negotiation(&j, m, *deadline, &format!("{args:?}")).is_some() {
                    agreements += 1;
                }
            }
        }
    }
    assert!(
        agreements >= 10,
        "only {agreements} agreements: the check above proved little"
    );
}

#[test]
fn two_conceders_agree_when_there_is_a_zopa() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    dir.write("opposed.toml", OPPOSED);
    for (file, text, deadline) in [("deal.toml", DEAL, 40), ("opposed.toml", OPPOSED, 30)] {
        let m = Model::from_toml(text);
        assert!(!m.solve().zopa.zopa.is_empty());
        let j = dir
            .run(&[
                "negotiate",
                file,
                "--json",
                "--default-strategy",
                "conceder",
            ])
            .success()
            .json();
        let o = check_negotiation(&j, &m, deadline, file);
        assert!(o.is_some(), "two conceders must agree on {file}:\n{j:#}");
    }
}

#[test]
fn two_hardliners_with_opposed_preferences_time_out() {
    let dir = Dir::new();
    dir.write("opposed.toml", OPPOSED);
    let j = dir
        .run(&[
            "negotiate",
            "opposed.toml",
            "--json",
            "--party",
            "Left=hardliner",
            "--party",
            "Right=hardliner",
            "--rounds",
            "12",
        ])
        .success()
        .json();
    assert_eq!(j["agreement"], Value::Null, "{j:#}");
    assert_eq!(j["ended_by"], Value::Null);
    assert_eq!(j["rounds"], json!(12));
    let trace = j["trace"].as_array().unwrap();
    assert_eq!(trace.last().unwrap()["action"], json!("timeout"));
    // Each insists on its own best option, every round: 12 rounds × 2 offers, then the timeout.
    assert_eq!(trace.len(), 12 * 2 + 1);
    for e in &trace[..trace.len() - 1] {
        let want = if e["party"] == json!("Left") {
            "a"
        } else {
            "d"
        };
        assert_eq!(e["action"], json!("offer"), "{e}");
        assert_eq!(e["outcome"]["split"], json!(want), "{e}");
    }
    check_negotiation(&j, &Model::from_toml(OPPOSED), 12, "hardliners");
}

#[test]
fn only_restricts_the_negotiating_parties() {
    let dir = Dir::new();
    let m = three_party();
    dir.write("three.toml", &m.to_toml("three"));
    let j = dir
        .run(&[
            "negotiate",
            "three.toml",
            "--json",
            "--only",
            "P0,P2",
            "--party",
            "P2=linear",
        ])
        .success()
        .json();
    assert_eq!(j["strategies"], json!({ "P0": "boulware", "P2": "linear" }));
    let sub = Model::new(
        m.issues.clone(),
        vec![m.parties[0].clone(), m.parties[2].clone()],
    );
    check_negotiation(&j, &sub, 100, "--only P0,P2");
    for e in j["trace"].as_array().unwrap() {
        assert_ne!(e["party"], json!("P1"), "P1 is not negotiating: {e}");
    }
}

#[test]
fn text_story_names_parties_and_result() {
    let dir = Dir::new();
    dir.write("opposed.toml", OPPOSED);
    let o = dir
        .run(&[
            "negotiate",
            "opposed.toml",
            "--default-strategy",
            "hardliner",
            "--rounds",
            "5",
        ])
        .success();
    o.stdout_has(&[
        "Simulated negotiation",
        "5 rounds",
        "Left (hardliner)",
        "Right (hardliner)",
        "NO AGREEMENT",
    ]);
    let o = dir
        .run(&[
            "negotiate",
            "opposed.toml",
            "--default-strategy",
            "conceder",
        ])
        .success();
    o.stdout_has(&["AGREEMENT in round"]);
}

/// With discount factors an agreement in round k (from 0) of n is worth dᵗ·u, t = k/(n−1)
/// (GENIUS's semantics); the scenario-wide factor applies unless a party sets its own.
#[test]
fn discounted_payoffs() {
    let text = DEAL
        .replacen("rounds = 40", "rounds = 40\ndiscount = 0.9", 1)
        .replacen("reservation = 0.8", "reservation = 0.8\ndiscount = 0.5", 1);
    let dir = Dir::new();
    dir.write("discount.toml", &text);
    let j = dir
        .run(&[
            "negotiate",
            "discount.toml",
            "--json",
            "--default-strategy",
            "conceder",
        ])
        .success()
        .json();
    let m = Model::from_toml(&text);
    let o = m.outcome_from_json(&j["agreement"]["outcome"]);
    let k = j["rounds"].as_u64().expect("rounds") as i32 - 1;
    let t = f64::from(k) / 39.0;
    assert!(
        k >= 1,
        "agreement in the first round proves nothing about discounting:\n{j:#}"
    );
    for (p, delta) in [(0, 0.9f64), (1, 0.5)] {
        let name = &m.parties[p].name;
        let want = delta.powf(t) * m.utility(p, &o);
        let got = j["payoffs"][name].as_f64().expect("payoff");
        assert!(
            (got - want).abs() < EPS,
            "{name}: payoff {got}, want {delta}^{t}·u = {want}"
        );
        // The undiscounted utility is still reported as the agreement's utility.
        let u = j["agreement"]["utilities"][name].as_f64().expect("utility");
        assert!(
            (u - m.utility(p, &o)).abs() < EPS,
            "{name}: agreement utility {u}"
        );
    }
}

/// `--rounds` is bounded (issue 17: `--rounds 100000000` kept an 8.8 GB trace): a usage error.
#[test]
fn rounds_beyond_the_limit_are_a_usage_error() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    dir.run(&["negotiate", "deal.toml", "--rounds", "100000000"])
        .failure(2)
        .stderr_has(&["--rounds is 100000000; at most 1000000"]);
}

#[test]
fn a_party_plays_a_composed_boa_negotiator() {
    let dir = Dir::new();
    let m = three_party();
    dir.write("three.toml", &m.to_toml("three"));
    let spec = "boa:bid=time:0.5,accept=combi:0.9,model=frequency";
    let j = dir
        .run(&[
            "negotiate",
            "three.toml",
            "--json",
            "--party",
            &format!("P1={spec}"),
            "--party",
            "P2=naive-tft",
        ])
        .success()
        .json();
    assert_eq!(
        j["strategies"],
        json!({ "P0": "boulware", "P1": spec, "P2": "naive-tft" })
    );
    check_negotiation(&j, &m, 100, "boa");
    for (bad, says) in [
        ("P1=boa:bid=time:0", "e > 0"),
        ("P1=boa:bid=linear,accept=const:-1", "c >= 0"),
        ("P1=boa:bid=linear,model=oracle", "bayesian"),
        ("P1=time:0", "hardliner is e = 0"),
    ] {
        dir.run(&["negotiate", "three.toml", "--party", bad])
            .failure(2)
            .stderr_has(&[says]);
    }
}

#[test]
fn parties_play_the_anac_agents_and_an_unknown_name_lists_them() {
    let dir = Dir::new();
    let m = three_party();
    dir.write("three.toml", &m.to_toml("three"));
    for (a, b) in [
        ("agentk", "hardheaded"),
        ("cuhk", "thefawkes"),
        ("atlas3", "agentk"),
    ] {
        let j = dir
            .run(&[
                "negotiate",
                "three.toml",
                "--json",
                "--party",
                &format!("P1={a}"),
                "--party",
                &format!("P2={b}"),
            ])
            .success()
            .json();
        assert_eq!(
            j["strategies"],
            json!({ "P0": "boulware", "P1": a, "P2": b })
        );
        check_negotiation(&j, &m, 100, a);
    }
    dir.run(&["negotiate", "three.toml", "--party", "P1=agent-q"])
        .failure(2)
        .stderr_has(&[
            "unknown strategy 'agent-q'",
            "agentk, hardheaded, cuhk, thefawkes, atlas3",
        ]);
}
