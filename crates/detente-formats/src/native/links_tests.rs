//! Tests of linked preferences in the native format: semantics, bad input, round trips.

use super::*;

const LINKED: &str = r#"
name = "linked"

[[issues]]
name = "T1"
options = ["freeze", "Ukraine-only withdrawal into DMZ", "full withdrawal"]

[[issues]]
name = "A4"
options = ["none", "ratified"]

[[issues]]
name = "ceasefire_days"
range = [0, 120]
step = 30

[[parties]]
name = "Ukraine"
reservation = 0.3
weights = { T1 = 2, A4 = 1 }
[parties.values]
T1 = [1.0, 0.4, 0.0]
A4 = [0.0, 1.0]

[[parties.links]]
when = { T1 = ["Ukraine-only withdrawal into DMZ"], A4 = ["ratified"] }
value = 0.08

[[parties.links]]
when = { ceasefire_days = { min = 60, max = 120 }, A4 = ["none"] }
value = -0.05

[[parties.red_lines]]
issue = "T1"
options = ["Ukraine-only withdrawal into DMZ"]
unless = { A4 = ["ratified"] }

[[parties]]
name = "Russia"
weights = { T1 = 1 }
[parties.values]
T1 = [0.0, 0.6, 1.0]

[[parties.red_lines]]
issue = "A4"
options = ["ratified"]
only_if = { ceasefire_days = [0, 30] }
"#;

fn check_err(text: &str, want: &[&str]) {
    let e = read_str(text, Some(Path::new("bad.toml"))).expect_err("the file should be rejected");
    let msg = e.to_string();
    for w in want {
        assert!(msg.contains(w), "message {msg:?} lacks {w:?}");
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(LINKED.contains(from), "{from:?} not in the example");
    LINKED.replacen(from, to, 1)
}

#[test]
fn links_and_conditional_red_lines_load_with_their_semantics() {
    let s = read_str(LINKED, None).unwrap();
    let ua = &s.parties()[0].preferences;
    // DMZ (1), ratified (1), 90 days (3): 2/3 * 0.4 + 1/3 * 1 + 0.08.
    let o = detente_core::Outcome::new(vec![1, 1, 3]);
    assert!((ua.utility(&o) - (2.0 / 3.0 * 0.4 + 1.0 / 3.0 + 0.08)).abs() < 1e-12);
    assert!(ua.is_acceptable(&o));
    // DMZ without ratification crosses Ukraine's conditional red line.
    let o = detente_core::Outcome::new(vec![1, 0, 0]);
    assert!(ua.red_lines().violated_by(&o));
    // 60+ days without ratification: the penalty.
    let o = detente_core::Outcome::new(vec![0, 0, 2]);
    assert!((ua.utility(&o) - (2.0 / 3.0 - 0.05)).abs() < 1e-12);
    let ru = &s.parties()[1].preferences;
    assert!(
        ru.red_lines()
            .violated_by(&detente_core::Outcome::new(vec![0, 1, 1]))
    );
    assert!(
        !ru.red_lines()
            .violated_by(&detente_core::Outcome::new(vec![0, 1, 2]))
    );
    assert!(
        !ru.red_lines()
            .violated_by(&detente_core::Outcome::new(vec![0, 0, 1]))
    );
}

#[test]
fn linked_scenarios_round_trip() {
    let s = read_str(LINKED, None).unwrap();
    let text = to_toml(&s).unwrap();
    assert!(text.contains("[[parties.links]]"), "{text}");
    assert!(text.contains("unless"), "{text}");
    assert!(text.contains("only_if"), "{text}");
    let t = read_str(&text, None).unwrap();
    for (a, b) in s.parties().iter().zip(t.parties()) {
        assert_eq!(a.preferences.ufun().links(), b.preferences.ufun().links());
        assert_eq!(
            a.preferences.red_lines().conditional(),
            b.preferences.red_lines().conditional()
        );
    }
    for k in 0..s.space().cardinality().to_u128().unwrap() {
        let o = s.space().outcome_at(k).unwrap();
        for (a, b) in s.parties().iter().zip(t.parties()) {
            assert_eq!(a.preferences.utility(&o), b.preferences.utility(&o));
            assert_eq!(
                a.preferences.is_acceptable(&o),
                b.preferences.is_acceptable(&o)
            );
        }
    }
    // Writing is a fixed point.
    assert_eq!(to_toml(&t).unwrap(), text);
}

#[test]
fn bad_links_name_the_line_the_field_and_the_culprit() {
    check_err(
        &edit(
            "when = { T1 = [\"Ukraine-only",
            "when = { T9 = [\"Ukraine-only",
        ),
        &["bad.toml:26:", "links[0], when", "unknown issue 'T9'"],
    );
    check_err(
        &edit(
            "A4 = [\"ratified\"] }\nvalue = 0.08",
            "A4 = [\"signed\"] }\nvalue = 0.08",
        ),
        &[
            "links[0], when, A4",
            "unknown option 'signed' of issue 'A4'",
        ],
    );
    check_err(
        &edit(
            "A4 = [\"ratified\"] }\nvalue = 0.08",
            "A4 = [] }\nvalue = 0.08",
        ),
        &["links[0], when, A4", "no values given for issue 'A4'"],
    );
    check_err(
        &edit(
            "when = { T1 = [\"Ukraine-only withdrawal into DMZ\"], A4 = [\"ratified\"] }",
            "when = {}",
        ),
        &["bad.toml:26:", "links[0], when", "the condition is empty"],
    );
    check_err(
        &edit("{ min = 60, max = 120 }", "{ min = 120, max = 60 }"),
        &[
            "bad.toml:30:",
            "links[1], when, ceasefire_days",
            "min 120 > max 60",
        ],
    );
    check_err(
        &edit("{ min = 60, max = 120 }", "{ min = 200, max = 300 }"),
        &["links[1], when, ceasefire_days", "holds no value"],
    );
    check_err(
        &edit("{ min = 60, max = 120 }", "[45]"),
        &["45 is not a value of issue 'ceasefire_days'"],
    );
    check_err(
        &edit(
            "unless = { A4 = [\"ratified\"] }",
            "unless = { T1 = [\"freeze\"] }",
        ),
        &["red_lines, unless", "same issue"],
    );
    // A conditional red line takes a confidence (and a basis and sources) like any red line;
    // a confidence outside (0, 1] is refused.
    check_err(
        &edit(
            "unless = { A4 = [\"ratified\"] }",
            "unless = { A4 = [\"ratified\"] }\nconfidence = 1.5",
        ),
        &["red_lines, confidence", "valid: a probability in (0, 1]"],
    );
    let s = read_str(
        &edit(
            "unless = { A4 = [\"ratified\"] }",
            "unless = { A4 = [\"ratified\"] }\nconfidence = 0.5\nbasis = \"estimate: why\"",
        ),
        None,
    )
    .unwrap();
    let u = s.uncertainty.as_ref().unwrap();
    let c = u
        .parties
        .iter()
        .flat_map(|p| &p.conditional)
        .next()
        .unwrap();
    assert_eq!(
        (c.confidence, c.basis.as_deref()),
        (0.5, Some("estimate: why"))
    );
    let back = read_str(&to_toml(&s).unwrap(), None).unwrap();
    assert_eq!(back.uncertainty, s.uncertainty);
    check_err(
        &edit(
            "unless = { A4 = [\"ratified\"] }",
            "unless = { A4 = [\"ratified\"] }\nonly_if = { A4 = [\"none\"] }",
        ),
        &["either `unless` or `only_if`"],
    );
}

#[test]
fn a_linked_scenario_is_analysed_exactly() {
    // The search with link bounds against enumeration of the 30 outcomes.
    let s = read_str(LINKED, None).unwrap();
    let prefs = s.preferences();
    let a = detente_core::analysis::analyze(
        s.space(),
        &prefs,
        &detente_core::analysis::AnalysisConfig::default(),
    );
    let n = s.space().cardinality().to_u128().unwrap();
    let zone = (0..n)
        .filter(|&k| {
            let o = s.space().outcome_at(k).unwrap();
            prefs.iter().all(|p| p.is_acceptable(&o))
        })
        .count();
    assert_eq!(a.zopa.unwrap().to_u64(), Some(zone as u64));
    assert!(a.nash.unwrap().is_some());
}
