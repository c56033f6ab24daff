//! The text and JSON printers used from Rust alone (no CLI): what they print is what the
//! report computed, checked against enumeration, and counts past 64 bits stay exact integers.

use detente_core::{
    Cardinality, Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction,
    ValueFunction,
};
use detente_report::{Options, Report, json, text};

/// Two parties with opposed preferences over an n × n space, walk-away `r` each.
fn opposed(n: usize, r: f64) -> Scenario {
    let space = OutcomeSpace::new(vec![
        Issue::discrete("a", (0..n).map(|i| format!("a{i}")).collect()).unwrap(),
        Issue::discrete("b", (0..n).map(|i| format!("b{i}")).collect()).unwrap(),
    ])
    .unwrap();
    let up: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let down: Vec<f64> = up.iter().rev().copied().collect();
    let party = |name: &str, v1: &[f64], v2: &[f64]| {
        let u = UtilityFunction::weighted_sum(
            &space,
            name,
            &[0.6, 0.4],
            &[
                Some(ValueFunction::Table(v1.to_vec())),
                Some(ValueFunction::Table(v2.to_vec())),
            ],
        )
        .unwrap();
        Party::new(
            name,
            Preferences::new(u, r, RedLines::none(2), 1.0).unwrap(),
        )
    };
    Scenario::new(
        "opposed",
        space.clone(),
        vec![party("A", &up, &down), party("B", &down, &up)],
    )
    .unwrap()
}

/// The number of outcomes every party accepts, by enumeration.
fn zone_by_enumeration(s: &Scenario) -> u64 {
    let n = s.space().cardinality().to_u64().unwrap();
    (0..n)
        .map(|k| s.space().outcome_at(u128::from(k)).unwrap())
        .filter(|o| s.parties().iter().all(|p| p.preferences.is_acceptable(o)))
        .count() as u64
}

#[test]
fn text_and_json_print_the_zone_the_enumeration_finds() {
    for (n, r) in [(4, 0.3), (6, 0.45), (7, 0.55), (5, 0.9)] {
        let s = opposed(n, r);
        let zone = zone_by_enumeration(&s);
        let report = Report::analyze(s, &Options::default());
        let mut out = Vec::new();
        text::write_analysis(&mut out, &report).unwrap();
        let printed = String::from_utf8(out).unwrap();
        let expected = if zone == 0 {
            "Zone of possible agreement: NONE".to_string()
        } else {
            format!(
                "Zone of possible agreement: YES — {}",
                text::count(zone, "package")
            )
        };
        assert!(printed.contains(&expected), "n={n} r={r}: {printed}");

        let mut out = Vec::new();
        json::write_analysis(&mut out, &report, json::DEFAULT_MAX_LISTED).unwrap();
        assert!(out.ends_with(b"}\n"));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["zopa"].as_u64(), Some(zone), "n={n} r={r}");
        assert_eq!(v["outcomes"].as_u64(), Some((n * n) as u64));
    }
}

#[test]
fn counts_past_64_bits_are_printed_as_exact_integers() {
    // 10^30: 31 digits, past u64 and f64's exact range.
    let mut c = Cardinality::from_u128(1);
    for _ in 0..30 {
        c.mul_small(10);
    }
    let digits = format!("1{}", "0".repeat(30));
    assert_eq!(c.to_string(), digits);
    assert_eq!(serde_json::to_string(&json::count(&c)).unwrap(), digits);
    assert_eq!(text::grouped(&c), format!("1{}", ",000".repeat(10)));
    assert_eq!(text::count(1, "round"), "1 round");
    assert_eq!(text::count(12345, "round"), "12,345 rounds");
}
