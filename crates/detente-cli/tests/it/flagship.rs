//! The flagship scenario, scenarios/ukraine-2025.toml: `analyze --json` checked against an
//! independent brute force over every outcome that avoids all red lines (conditional ones
//! included; utilities with the interaction terms), and the `run` report.

use std::sync::OnceLock;

use serde_json::Value;

use crate::model::{EPS, Model, ZopaSolution};
use crate::util::{Output, flagship, run_in};

const PARTIES: [&str; 4] = ["Ukraine", "Russia", "United States", "Europe"];
const PACKAGES: [&str; 6] = [
    "US28",
    "E3_23NOV",
    "UAUS20_23DEC",
    "RU_STATED",
    "PARIS_6JAN",
    "GENEVA_18FEB",
];

/// `detente analyze ukraine-2025.toml --json`, run once for all tests of this module.
fn analyze_json() -> &'static Value {
    static OUT: OnceLock<Value> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = std::env::temp_dir();
        run_in(&dir, &["analyze", &flagship(), "--json"])
            .success()
            .json()
    })
}

/// The model of the flagship, and the brute-force solution over its zopa.
fn brute_force() -> &'static (Model, ZopaSolution, u64) {
    static OUT: OnceLock<(Model, ZopaSolution, u64)> = OnceLock::new();
    OUT.get_or_init(|| {
        let text = std::fs::read_to_string(flagship()).expect("read the flagship");
        let m = Model::from_toml(&text);
        let mut free = 0u64;
        m.for_each_red_line_free(|_, _| free += 1);
        let sol = m.solve_zopa();
        (m, sol, free)
    })
}

#[test]
fn flagship_outcome_count_and_zopa_match_brute_force() {
    let j = analyze_json();
    let (m, sol, free) = brute_force();
    assert_eq!(
        j["outcomes"].as_u64(),
        Some(3_538_944_000_000),
        "outcomes\n{j:#}"
    );
    assert_eq!(
        m.n_outcomes(),
        3_538_944_000_000,
        "the model counts the same space"
    );
    // About 2.8 million outcomes avoid every red line, conditional ones included (6 to 8
    // million before the linkages of issue 14: Europe's "no territory before robust guarantees"
    // and Ukraine's "a referendum needs a ceasefire" lines cut more than half of them).
    assert!(
        (2_500_000..3_100_000).contains(free),
        "{free} outcomes avoid every red line"
    );
    let zopa = j["zopa"]
        .as_u64()
        .unwrap_or_else(|| panic!("zopa must be an integer\n{j:#}"));
    assert!(zopa > 0, "the flagship has a zone of possible agreement");
    assert_eq!(
        zopa,
        sol.zopa.len() as u64,
        "zopa count: binary vs brute force over {free} outcomes"
    );
    // Everything but the frontier of all 3.5·10¹² outcomes is computed exactly.
    let incomplete = j["incomplete"]
        .as_object()
        .expect("incomplete is an object");
    for key in [
        "zopa",
        "ideal",
        "nash",
        "kalai_smorodinsky",
        "max_welfare",
        "pareto_acceptable",
    ] {
        assert!(
            !incomplete.contains_key(key),
            "{key} is not computed exactly: {incomplete:?}"
        );
    }
    assert_eq!(j["parties"], serde_json::json!(PARTIES));
}

#[test]
fn flagship_nash_point_is_acceptable_and_optimal() {
    let j = analyze_json();
    let (m, sol, _) = brute_force();
    let nash = &j["nash"];
    assert_eq!(nash["acceptable"], Value::Bool(true), "{nash:#}");
    let o = m.outcome_from_json(&nash["outcome"]);
    for (p, party) in m.parties.iter().enumerate() {
        assert!(
            !m.crosses_red_line(p, &o),
            "the Nash point crosses a red line of {}",
            party.name
        );
        let u = m.utility(p, &o);
        assert!(
            u >= party.reservation - EPS,
            "{}: {u} below its reservation {}",
            party.name,
            party.reservation
        );
        let printed = nash["utilities"][&party.name].as_f64().expect("a utility");
        assert!(
            (printed - u).abs() < EPS,
            "{}: printed utility {printed}, recomputed {u}",
            party.name
        );
    }
    let got = ZopaSolution::nash_value(m, &m.utilities(&o));
    let (best, _) = sol.nash.as_ref().expect("a Nash point exists");
    assert!(
        (got - best).abs() < EPS,
        "Nash product of the binary's point {got}, brute-force maximum {best}"
    );
}

#[test]
fn flagship_other_points_match_brute_force() {
    let j = analyze_json();
    let (m, sol, _) = brute_force();
    for (p, party) in m.parties.iter().enumerate() {
        let got = j["ideal"][&party.name].as_f64().expect("an ideal utility");
        let want = sol.ideal[p].expect("zopa is not empty");
        assert!(
            (got - want).abs() < EPS,
            "ideal of {}: {got} vs brute force {want}",
            party.name
        );
    }
    for (key, best) in [
        ("kalai_smorodinsky", &sol.ks),
        ("max_welfare", &sol.max_welfare),
    ] {
        let (_, arg) = best.as_ref().expect("a point exists");
        let o = m.outcome_from_json(&j[key]["outcome"]);
        assert!(m.acceptable(&o), "{key} is not acceptable to every party");
        assert!(
            arg.contains(&o),
            "{key} {} is not an optimum of the brute force",
            j[key]["outcome"]
        );
    }
}

fn run_report() -> &'static Output {
    static OUT: OnceLock<Output> = OnceLock::new();
    OUT.get_or_init(|| run_in(&std::env::temp_dir(), &["run", &flagship()]))
}

#[test]
fn flagship_run_report_covers_everything() {
    let o = run_report();
    assert_eq!(o.code, Some(0), "{o}");
    o.stdout_has(&PARTIES);
    o.stdout_has(&PACKAGES);
    o.stdout_has(&[
        "Zone of possible agreement",
        "Nash bargaining package",
        "Simulated negotiation",
    ]);
    o.stdout_has(&[
        "ukraine-2025",
        "Record as of 2026-03-13: nothing after this date is encoded.",
        "Issues (20), 3,538,944,000,000 possible packages",
    ]);
    // The date the record ends comes before everything but the title.
    let second_line = o.stdout.lines().nth(1).unwrap_or_default();
    assert!(second_line.starts_with("Record as of"), "{second_line}");
}

#[test]
fn flagship_run_report_zopa_count_agrees_with_brute_force() {
    let o = run_report();
    let (_, sol, _) = brute_force();
    let n = sol.zopa.len();
    let want =
        format!("Zone of possible agreement: YES — {n} packages are acceptable to every party");
    assert!(n < 1000, "thousands separators would be needed in {want}");
    o.stdout_has(&[&want]);
}
