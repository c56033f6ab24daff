//! Tests of the native format: the spec example, every kind of bad input, and round trips.

use super::*;

const EXAMPLE: &str = r#"
name = "two-issue example"

[[issues]]
name = "donbas"
options = ["freeze on the line", "demilitarised zone", "full withdrawal"]

[[issues]]
name = "army_cap"
range = [400, 1000]
step = 50

[[parties]]
name = "Ukraine"
reservation = 0.48
weights = { donbas = 16, army_cap = 6 }
red_lines = [{ issue = "donbas", options = ["full withdrawal"] }]
[parties.values]
donbas = { "freeze on the line" = 1.0, "demilitarised zone" = 0.6, "full withdrawal" = 0.0 }
army_cap = { points = [[400, 0.0], [800, 0.9], [1000, 1.0]] }

[[parties]]
name = "Russia"
weights = { donbas = 1 }
[parties.values]
donbas = [0.0, 0.5, 1.0]
"#;

/// Reads `text` and returns the error message (with line and element) or panics if it loads.
fn check_err(text: &str, want: &[&str]) {
    let e = read_str(text, Some(Path::new("bad.toml"))).expect_err("the file should be rejected");
    let msg = e.to_string();
    for w in want {
        assert!(msg.contains(w), "message {msg:?} lacks {w:?}");
    }
    assert!(
        msg.starts_with("bad.toml"),
        "message {msg:?} does not name the file"
    );
}

fn edit(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from:?} not in example");
    EXAMPLE.replacen(from, to, 1)
}

#[test]
fn the_spec_example_loads_with_its_semantics() {
    let s = read_str(EXAMPLE, None).unwrap();
    assert_eq!(s.space().issues()[1].n_values(), 13);
    let ua = &s.parties()[0].preferences;
    let o = detente_core::Outcome::new(vec![1, 4]); // demilitarised zone, 600
    let want = 16.0 / 22.0 * 0.6 + 6.0 / 22.0 * 0.45;
    assert!((ua.utility(&o) - want).abs() < 1e-15);
    assert!(ua.red_lines().forbids(0, 2));
    assert_eq!(ua.reservation(), 0.48);
    assert_eq!(s.parties()[1].preferences.reservation(), 0.0);
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = read_str(
        "name = \"x\"\n[[issues]\nname = 1",
        Some(Path::new("bad.toml")),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert_eq!(e.line(), Some(2));
    assert!(e.to_string().starts_with("bad.toml:2:"), "{e}");
}

#[test]
fn semantic_errors_name_what_is_wrong() {
    check_err(
        &edit("\"full withdrawal\" = 0.0 }", "\"full withdrawl\" = 0.0 }"),
        &[
            "party 'Ukraine', values.donbas",
            "unknown option 'full withdrawl'",
            "valid: 'freeze on the line', 'demilitarised zone', 'full withdrawal'",
        ],
    );
    check_err(
        &edit(", \"full withdrawal\" = 0.0 }", " }"),
        &["no value for option 'full withdrawal'"],
    );
    check_err(
        &edit("army_cap = 6 }", "army_cap = 6, navy = 1 }"),
        &["unknown issue 'navy'", "valid: 'donbas', 'army_cap'"],
    );
    check_err(
        &edit(
            "\"demilitarised zone\" = 0.6",
            "\"demilitarised zone\" = 1.6",
        ),
        &[
            "bad.toml:19:",
            "party 'Ukraine', values.donbas: the value of 'demilitarised zone' is 1.6; valid: a number in [0, 1]",
        ],
    );
    check_err(
        &edit("name = \"Russia\"", "name = \"Ukraine\""),
        &["duplicate party name 'Ukraine'"],
    );
    check_err(
        &edit("name = \"army_cap\"", "name = \"donbas\""),
        &["duplicate issue name 'donbas'"],
    );
    check_err(
        &edit(
            "options = [\"freeze on the line\", \"demilitarised zone\", \"full withdrawal\"]",
            "options = []",
        ),
        &["option list is empty"],
    );
    check_err(
        &edit("range = [400, 1000]", "range = [1000, 400]"),
        &["range [1000, 400] has lo > hi"],
    );
    check_err(&edit("step = 50", "step = 0"), &["step 0 is invalid"]);
    check_err(
        &edit(
            "weights = { donbas = 16, army_cap = 6 }",
            "weights = { donbas = 0, army_cap = 0 }",
        ),
        &["no issue has a positive weight"],
    );
    check_err(
        &edit("weights = { donbas = 1 }", "weights = { donbas = -1 }"),
        &["weights.donbas", "valid: a number >= 0"],
    );
    check_err(
        &edit(
            "weights = { donbas = 1 }",
            "weights = { donbas = 1, army_cap = 1 }",
        ),
        &["issue 'army_cap' has weight 1 but no values"],
    );
    check_err(
        &edit(
            "options = [\"full withdrawal\"]",
            "options = [\"withdrawal\"]",
        ),
        &["red_lines", "unknown option 'withdrawal'"],
    );
    check_err(
        &edit("donbas = [0.0, 0.5, 1.0]", "donbas = [0.0, 1.0]"),
        &["2 values for 3 options"],
    );
    check_err(
        &edit("reservation = 0.48", "reservation = 0.48\nreservaton = 1"),
        &["unknown field `reservaton`"],
    );
    check_err(
        &edit("name = \"Russia\"", "name = \"Russia\"\nrole = \"king\""),
        &["unknown role 'king'"],
    );
    check_err("name = \"x\"\n[[parties]]\nname = \"a\"\n", &["no issues"]);
}

#[test]
fn integer_issues_too_large_to_tabulate_are_rejected() {
    let text = EXAMPLE.replace("range = [400, 1000]\nstep = 50", "range = [0, 9000000000]");
    check_err(&text, &["9000000001 values"]);
}

#[test]
fn packages_meetings_and_sources_are_checked() {
    let extra = r#"
[[sources]]
id = "S1"

[[packages]]
name = "draft"
date = "2025-11-20"
sources = ["S1"]
outcome = { donbas = ["freeze on the line", "demilitarised zone"], army_cap = 600 }

[mediator]
party = "Russia"

[[meetings]]
date = "2025-12-02"
parties = ["Russia", "Ukraine"]
"#;
    let ok = format!("{EXAMPLE}{extra}");
    let s = read_str(&ok, None).unwrap();
    assert_eq!(s.packages[0].choices, vec![Some(vec![0, 1]), Some(vec![4])]);
    assert_eq!(s.meetings[0].parties, vec![1, 0]);
    check_err(
        &ok.replace("army_cap = 600", "army_cap = 601"),
        &[
            "601 is not a value of issue 'army_cap'",
            "valid: 400..=1000 in steps of 50",
        ],
    );
    check_err(
        &ok.replace("sources = [\"S1\"]", "sources = [\"S2\"]"),
        &["unknown source 'S2'"],
    );
    check_err(
        &ok.replace(
            "parties = [\"Russia\", \"Ukraine\"]",
            "parties = [\"Russia\", \"Kyiv\"]",
        ),
        &["unknown party 'Kyiv'", "valid: 'Ukraine', 'Russia'"],
    );
    check_err(
        &ok.replace("date = \"2025-12-02\"", "date = \"2025-02-30\""),
        &["'2025-02-30' is not a date"],
    );
    check_err(
        &ok.replace("party = \"Russia\"", "party = \"US\""),
        &["mediator.party", "unknown party 'US'"],
    );
}

#[test]
fn as_of_is_a_checked_date_and_survives_a_round_trip() {
    let text = edit(
        "name = \"two-issue example\"",
        "name = \"two-issue example\"\nas_of = \"2026-03-10\"",
    );
    let s = read_str(&text, None).unwrap();
    assert_eq!(s.as_of.as_deref(), Some("2026-03-10"));
    let back = read_str(&to_toml(&s).unwrap(), None).unwrap();
    assert_eq!(back.as_of.as_deref(), Some("2026-03-10"));
    assert_eq!(read_str(EXAMPLE, None).unwrap().as_of, None);
    check_err(
        &text.replace("2026-03-10", "2026-13-01"),
        &["bad.toml:3:", "as_of", "'2026-13-01' is not a date"],
    );
}

#[test]
fn writing_and_reading_back_keeps_every_utility() {
    let s = read_str(EXAMPLE, None).unwrap();
    let text = to_toml(&s).unwrap();
    let t = read_str(&text, None).unwrap();
    let n = s.space().cardinality().to_u128().unwrap();
    for k in 0..n {
        let o = s.space().outcome_at(k).unwrap();
        for (a, b) in s.parties().iter().zip(t.parties()) {
            assert!((a.preferences.utility(&o) - b.preferences.utility(&o)).abs() < 1e-12);
            assert_eq!(
                a.preferences.is_acceptable(&o),
                b.preferences.is_acceptable(&o)
            );
        }
    }
}

#[test]
fn the_flagship_scenario_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let s = read_file(&path).unwrap();
    assert_eq!(s.parties().len(), 4);
    assert_eq!(s.space().issues().len(), 20);
    assert_eq!(s.packages.len(), 6);
    assert!(s.meetings.len() >= 15);
    // Every party's numbers say where they come from.
    for p in s.parties() {
        assert!(
            p.provenance.reservation.is_some()
                && p.provenance.weights.is_some()
                && p.provenance.values.is_some()
        );
    }
    let back = read_str(&to_toml(&s).unwrap(), None).unwrap();
    assert_eq!(back.packages, s.packages);
    assert_eq!(back.meetings, s.meetings);
}

/// Every number of `source` (with its path), in document order.
fn numbers(v: &toml::Value, path: &str, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                numbers(x, &format!("{path}.{k}"), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                numbers(x, &format!("{path}[{i}]"), out);
            }
        }
        toml::Value::Integer(_) | toml::Value::Float(_) => out.push((path.to_string(), v.clone())),
        _ => {}
    }
}

/// Rewrites `text` and checks that every number comes back at the same place with the same
/// type and text (an integer stays an integer), that the result is a fixed point, and that it
/// reads back to the same scenario.
fn check_rewrite_keeps_numbers(text: &str) -> String {
    let back = rewrite_str(text, None).unwrap();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    numbers(&toml::from_str(text).unwrap(), "", &mut want);
    numbers(&toml::from_str(&back).unwrap(), "", &mut got);
    assert!(!want.is_empty());
    let got: std::collections::BTreeMap<_, _> = got.into_iter().collect();
    for (path, v) in &want {
        let w = got.get(path).unwrap_or_else(|| panic!("{path} is lost"));
        // Same TOML type and the same printed text (toml prints floats in the shortest form).
        assert_eq!(w.type_str(), v.type_str(), "{path}: {v} came back as {w}");
        assert_eq!(w.to_string(), v.to_string(), "{path}");
    }
    assert_eq!(got.len(), want.len(), "numbers were added");
    assert_eq!(rewrite_str(&back, None).unwrap(), back, "not a fixed point");
    let (a, b) = (
        read_str(text, None).unwrap(),
        read_str(&back, None).unwrap(),
    );
    let n = a
        .space()
        .cardinality()
        .to_u128()
        .unwrap_or(u128::MAX)
        .min(20_000);
    for k in 0..n {
        let o = a.space().outcome_at(k).unwrap();
        for (p, q) in a.parties().iter().zip(b.parties()) {
            let (u, v) = (p.preferences.utility(&o), q.preferences.utility(&o));
            assert_eq!(u.to_bits(), v.to_bits(), "outcome {k}");
        }
    }
    back
}

#[test]
fn rewriting_keeps_every_number_as_written() {
    let back = check_rewrite_keeps_numbers(EXAMPLE);
    assert!(back.contains("donbas = 16"), "{back}");
    assert!(back.contains("[400, 0.0]"), "{back}");
    assert!(!back.contains("16.0"), "{back}");
    // Integer weights, a time discount and a red-line confidence written as integers.
    let ints = edit("reservation = 0.48", "reservation = 0.48\ndiscount = 1")
        .replace("weights = { donbas = 1 }", "weights = { donbas = 3 }");
    let back = check_rewrite_keeps_numbers(&ints);
    assert!(back.contains("discount = 1\n"), "{back}");
    assert!(back.contains("donbas = 3"), "{back}");
    // Every number of the flagship (weights that sum to 100 with their ranges, float values).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let flag = std::fs::read_to_string(path).unwrap();
    // (check_rewrite_keeps_numbers compares each of its numbers, ranges included, by type and
    // printed text.)
    let back = check_rewrite_keeps_numbers(&flag);
    assert!(back.contains("T1_donbas"), "{back}");
}

/// The flagship's whole-space frontier (4 parties, 3.5·10¹² outcomes) is out of reach: the
/// growth estimate of the additive engine declines it at once (it took 20 s of budget before,
/// issue 11), and every other quantity is still exact. The flagship has linked preferences since
/// issue 14 (docs/flagship.md §9), which only the search handles; this checks the additive
/// engine on the flagship without them (the `[[parties.links]]` entries and the red lines with
/// `unless` dropped), where the zone is the 362 packages of the unlinked analysis.
#[test]
fn the_flagship_whole_space_frontier_is_declined_at_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let unlinked: String = text
        .lines()
        .filter(|l| {
            !(l.starts_with("[[parties.links]]")
                || l.starts_with("when = ")
                || l.starts_with("value = ")
                || l.contains("unless = "))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        unlinked.len() < text.len(),
        "the flagship has links to drop"
    );
    let s = read_str(&unlinked, None).unwrap();
    assert!(s.preferences().iter().all(|p| !p.is_linked()));
    let config = detente_core::analysis::AnalysisConfig::default();
    let a = detente_core::analysis::analyze(s.space(), &s.preferences(), &config);
    let reason = &a.pareto_vectors.as_ref().unwrap_err().to_string();
    assert!(
        reason.contains("estimated from how fast the partial frontiers grow")
            && reason.contains("declined at once"),
        "{reason}"
    );
    assert!(matches!(
        a.pareto_vectors.as_ref().unwrap_err(),
        detente_core::analysis::Incomplete::OutOfReach {
            from_growth: true,
            ..
        }
    ));
    assert_eq!(a.pareto.as_ref().unwrap_err().to_string(), *reason);
    assert_eq!(a.zopa.as_ref().unwrap().to_string(), "362");
    assert_eq!(a.pareto_acceptable_vectors.as_ref().unwrap().len(), 37);
    assert!(a.nash.is_ok() && a.kalai_smorodinsky.is_ok() && a.max_welfare.is_ok());
}

/// The linked flagship as shipped: only the search handles its links, and its whole-space
/// frontier (3.5·10¹² outcomes, more than a thousand times the node budget) is declined at once
/// instead of spending the budget; the zone, its frontier and the bargaining points stay exact.
#[test]
fn the_linked_flagship_whole_space_frontier_is_declined_at_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let s = read_str(&std::fs::read_to_string(path).unwrap(), None).unwrap();
    assert!(s.preferences().iter().any(|p| p.is_linked()));
    let config = detente_core::analysis::AnalysisConfig::default();
    let a = detente_core::analysis::analyze(s.space(), &s.preferences(), &config);
    assert!(
        matches!(
            a.pareto_vectors.as_ref().unwrap_err(),
            detente_core::analysis::Incomplete::OutOfReach {
                from_growth: false,
                ..
            }
        ),
        "{:?}",
        a.pareto_vectors
    );
    assert_eq!(a.zopa.as_ref().unwrap().to_string(), "805");
    assert_eq!(a.pareto_acceptable_vectors.as_ref().unwrap().len(), 142);
    assert!(a.nash.is_ok() && a.kalai_smorodinsky.is_ok() && a.max_welfare.is_ok());
}
