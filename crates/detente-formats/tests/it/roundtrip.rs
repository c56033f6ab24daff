//! Writing a scenario and reading it back keeps every utility and the whole analysis:
//! GENIUS → GENIUS, GeniusWeb → GeniusWeb, GENIUS → native TOML, and native → GENIUS /
//! GeniusWeb; and what a format cannot express is an error or a documented warning.

use std::path::Path;

use detente_core::{
    Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction, ValueFunction,
};
use detente_formats::{ErrorKind, genius, geniusweb, load, native};

use crate::util::{analyze, assert_same_analysis, assert_same_utilities, genius_dir, shared_dir};

/// Utilities after a round trip agree within float rounding.
const TOL: f64 = 1e-12;
/// At most this many outcomes are compared one by one per scenario.
const SAMPLE: u128 = 200_000;

/// Every linear GENIUS folder of `shared/scenarios/genius` (the `raw-*` ones included).
fn genius_folders() -> Vec<String> {
    let Some(shared) = shared_dir() else {
        return Vec::new();
    };
    let mut out: Vec<String> = std::fs::read_dir(shared.join("scenarios/genius"))
        .expect("folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !n.starts_with("geniusweb") && !n.starts_with("ANL") && !n.contains("50issues")
                && !n.starts_with("10issues") && n != "fuzzyagent-real" && n != "FORMATS.md"
                // 5.8 M outcomes, three parties: covered by its own test below.
                && n != "AgentHp2-energy_grid"
        })
        .collect();
    out.sort();
    out
}

fn geniusweb_folders() -> Vec<&'static str> {
    vec![
        "ANL2023-domain00",
        "geniusweb-Fitness",
        "geniusweb-FlightBooking",
        "geniusweb-JapnTrip",
        "geniusweb-Party",
    ]
}

#[test]
fn genius_to_genius_keeps_utilities_and_analysis() {
    let folders = genius_folders();
    if shared_dir().is_some() {
        assert!(folders.len() >= 25, "{folders:?}");
    }
    for folder in folders {
        let dir = genius_dir(&folder).expect("shared");
        let a = load(&dir).unwrap_or_else(|e| panic!("{folder}: {e}"));
        let tmp = tempfile::tempdir().expect("tempdir");
        let written =
            genius::write(&a.scenario, tmp.path()).unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert_eq!(written.files.len(), a.scenario.parties().len() + 1);
        let b = load(tmp.path()).unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert!(
            b.warnings
                .iter()
                .all(|w| w.message.contains("discount factor")
                    || w.message.contains("weights add up")),
            "{folder}: reading our own files warns: {:?}",
            b.warnings
        );
        let names = |s: &Scenario| {
            s.parties()
                .iter()
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a.scenario), names(&b.scenario), "{folder}");
        assert_same_utilities(&a.scenario, &b.scenario, TOL, SAMPLE);
        for (p, q) in a.scenario.parties().iter().zip(b.scenario.parties()) {
            assert_eq!(
                p.preferences.discount(),
                q.preferences.discount(),
                "{folder}"
            );
        }
        assert_same_analysis(&analyze(&a.scenario), &analyze(&b.scenario), TOL, &folder);
    }
}

#[test]
fn genius_integer_issues_stay_integer_issues() {
    let Some(dir) = genius_dir("group9-vacation") else {
        return;
    };
    let a = load(&dir).expect("loads");
    let genius::Rendered { files, warnings } = genius::to_xml(&a.scenario).expect("writes");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(files[0].1.contains(r#"type="integer""#), "{}", files[0].1);
    assert!(
        files[1].1.contains(r#"<evaluator ftype="linear""#),
        "{}",
        files[1].1
    );
}

#[test]
fn big_three_party_integer_domain_round_trips() {
    // AgentHp2-energy_grid: 8 integer issues 8..14 (5.8 M outcomes), three parties.
    let Some(dir) = genius_dir("AgentHp2-energy_grid") else {
        return;
    };
    let a = load(&dir).expect("loads");
    let tmp = tempfile::tempdir().expect("tempdir");
    genius::write(&a.scenario, tmp.path()).expect("writes");
    let b = load(tmp.path()).expect("reads back");
    assert_same_utilities(&a.scenario, &b.scenario, TOL, SAMPLE);
    let tmp = tempfile::tempdir().expect("tempdir");
    geniusweb::write(&a.scenario, tmp.path()).expect("writes");
    let c = load(tmp.path()).expect("reads back");
    assert_same_utilities(&a.scenario, &c.scenario, TOL, SAMPLE);
    // Integer issues with linear utilities stay number issues in GeniusWeb.
    assert!(matches!(
        c.scenario.space().issues()[0].kind(),
        detente_core::IssueKind::Integer { .. }
    ));
}

#[test]
fn geniusweb_to_geniusweb_keeps_utilities_and_analysis() {
    if shared_dir().is_none() {
        return;
    }
    for folder in geniusweb_folders() {
        let dir = genius_dir(folder).expect("shared");
        let a = load(&dir).unwrap_or_else(|e| panic!("{folder}: {e}"));
        let tmp = tempfile::tempdir().expect("tempdir");
        let written =
            geniusweb::write(&a.scenario, tmp.path()).unwrap_or_else(|e| panic!("{folder}: {e}"));
        // The reservation values are utilities of real bids, so they are written exactly.
        assert!(
            written.warnings.is_empty(),
            "{folder}: {:?}",
            written.warnings
        );
        let b = load(tmp.path()).unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert!(b.warnings.is_empty(), "{folder}: {:?}", b.warnings);
        assert_same_utilities(&a.scenario, &b.scenario, TOL, SAMPLE);
        assert_same_analysis(&analyze(&a.scenario), &analyze(&b.scenario), TOL, folder);
        // Weights add up to exactly 1 as decimals: check the text.
        for f in &written.files[1..] {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let w = &v["LinearAdditiveUtilitySpace"]["issueWeights"];
            let units: i128 = w
                .as_object()
                .unwrap()
                .values()
                .map(|x| decimal_units(&x.to_string()))
                .sum();
            assert_eq!(units, 10i128.pow(15), "{folder}: {w}");
        }
    }
}

/// A decimal number's value in units of 1e-15.
fn decimal_units(s: &str) -> i128 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(!s.contains('e'), "exponent in {s}");
    let frac = format!("{frac:0<15}");
    int.parse::<i128>().unwrap() * 10i128.pow(15) + frac[..15].parse::<i128>().unwrap()
}

#[test]
fn genius_to_geniusweb_keeps_utilities_where_expressible() {
    for folder in genius_folders() {
        let dir = genius_dir(&folder).expect("shared");
        let a = load(&dir).unwrap_or_else(|e| panic!("{folder}: {e}"));
        let tmp = tempfile::tempdir().expect("tempdir");
        match geniusweb::write(&a.scenario, tmp.path()) {
            Ok(written) => {
                let b = load(tmp.path()).unwrap_or_else(|e| panic!("{folder}: {e}"));
                let exact_reservation = !written
                    .warnings
                    .iter()
                    .any(|w| w.message.contains("reservation"));
                if exact_reservation {
                    assert_same_utilities(&a.scenario, &b.scenario, TOL, SAMPLE);
                    assert_same_analysis(
                        &analyze(&a.scenario),
                        &analyze(&b.scenario),
                        TOL,
                        &folder,
                    );
                } else {
                    // The reservation moved up to the cheapest bid above it: the acceptable
                    // outcomes are the same.
                    let (x, y) = (analyze(&a.scenario), analyze(&b.scenario));
                    assert_eq!(x.zopa, y.zopa, "{folder}");
                }
            }
            Err(e) => {
                // Only a clip at 1 (weights over 1) stops the conversion.
                assert_eq!(e.kind(), ErrorKind::Unsupported, "{folder}: {e}");
                assert!(e.to_string().contains("clipped at 1"), "{folder}: {e}");
            }
        }
    }
}

#[test]
fn genius_to_native_keeps_utilities_and_analysis() {
    let mut converted = 0;
    for folder in genius_folders() {
        let dir = genius_dir(&folder).expect("shared");
        let a = load(&dir).unwrap_or_else(|e| panic!("{folder}: {e}"));
        match native::to_toml(&a.scenario) {
            Ok(text) => {
                let b = native::read_str(&text, Some(Path::new("x.toml")))
                    .unwrap_or_else(|e| panic!("{folder}: {e}\n{text}"));
                assert_same_utilities(&a.scenario, &b, TOL, SAMPLE);
                assert_same_analysis(&analyze(&a.scenario), &analyze(&b), TOL, &folder);
                converted += 1;
            }
            Err(e) => {
                // The native format cannot express utilities clipped at 1.
                assert_eq!(e.kind(), ErrorKind::Unsupported, "{folder}: {e}");
                let shown = e.to_string();
                assert!(
                    shown.contains("clipped at 1") || shown.contains("above 1"),
                    "{folder}: {e}"
                );
                assert!(
                    a.scenario
                        .parties()
                        .iter()
                        .any(|p| p.preferences.ufun().max() >= 1.0),
                    "{folder}"
                );
            }
        }
    }
    if shared_dir().is_some() {
        assert!(converted >= 20, "only {converted} folders converted");
    }
}

/// A small native-style scenario: a discrete and a stepped integer issue, two parties in
/// reverse alphabetical order, a reservation value that no bid reaches exactly, a discount.
fn small() -> Scenario {
    let space = OutcomeSpace::new(vec![
        Issue::discrete(
            "price",
            vec!["low & fair".into(), "mid".into(), "high".into()],
        )
        .unwrap(),
        Issue::integer("months", 0, 12, 3).unwrap(),
    ])
    .unwrap();
    let party = |name: &str, w: [f64; 2], v: Vec<f64>, pts: Vec<(f64, f64)>, r: f64| {
        let u = UtilityFunction::weighted_sum(
            &space,
            name,
            &w,
            &[
                Some(ValueFunction::Table(v)),
                Some(ValueFunction::PiecewiseLinear(pts)),
            ],
        )
        .unwrap();
        Party::new(
            name,
            Preferences::new(u, r, RedLines::none(2), 0.95).unwrap(),
        )
    };
    let seller = party(
        "seller",
        [3.0, 1.0],
        vec![0.0, 0.6, 1.0],
        vec![(0.0, 1.0), (12.0, 0.0)],
        0.3337,
    );
    let buyer = party(
        "buyer",
        [1.0, 1.0],
        vec![1.0, 0.5, 0.0],
        vec![(0.0, 0.0), (6.0, 0.9), (12.0, 1.0)],
        0.25,
    );
    Scenario::new("small deal", space.clone(), vec![seller, buyer]).unwrap()
}

#[test]
fn native_to_genius_warns_about_what_it_cannot_keep() {
    let s = small();
    let tmp = tempfile::tempdir().expect("tempdir");
    let written = genius::write(&s, tmp.path()).expect("writes");
    let text: Vec<String> = written.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        text.iter()
            .any(|w| w.contains("integer issue 'months' has steps of 3")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|w| w.contains("read back as buyer, seller")),
        "{text:?}"
    );
    let b = load(tmp.path()).expect("reads back");
    // Parties come back in file-name order; compare by name.
    let mut s2 = b.scenario.clone();
    let by_name: Vec<Party> = s
        .parties()
        .iter()
        .map(|p| s2.parties()[s2.party_index(&p.name).unwrap()].clone())
        .collect();
    s2 = Scenario::new("x", s2.space().clone(), by_name).unwrap();
    assert_same_utilities(&s, &s2, TOL, u128::MAX);
    // detente discounts as GENIUS does (over normalised time): the factor is kept as is.
    assert!(!text.iter().any(|w| w.contains("discount")), "{text:?}");
    assert_eq!(s2.parties()[0].preferences.discount(), 0.95);
}

#[test]
fn genius_discounts_apply_over_relative_time() {
    let Some(dir) = genius_dir("CameraB") else {
        return;
    };
    let s = load(&dir).expect("CameraB loads").scenario;
    let p = &s.parties()[0].preferences;
    assert_eq!(p.discount(), 0.5);
    // Half-way through a 101-round negotiation, t = 0.5: 0.5^0.5.
    assert!((p.discount_factor(50, 101) - 0.5f64.sqrt()).abs() < 1e-15);
    assert_eq!(p.discount_factor(100, 101), 0.5);
    // Written back to GENIUS it stays the same discount.
    let tmp = tempfile::tempdir().expect("tempdir");
    genius::write(&s, tmp.path()).expect("writes");
    let back = load(tmp.path()).expect("reads back").scenario;
    assert_eq!(back.parties()[0].preferences.discount(), 0.5);
}

#[test]
fn native_to_geniusweb_expresses_the_reservation_as_a_bid() {
    let s = small();
    let tmp = tempfile::tempdir().expect("tempdir");
    let written = geniusweb::write(&s, tmp.path()).expect("writes");
    let text: Vec<String> = written.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        text.iter().any(|w| w.contains("no discount factor")),
        "{text:?}"
    );
    // 0.25 for the buyer is reachable exactly (months = 3 is worth 0.45·0.5 … or a partial bid);
    // the seller's 0.3337 is not: the cheapest bid above it is used, with a warning.
    assert!(
        text.iter()
            .any(|w| w.contains("party 'seller'") && w.contains("cheapest bid")),
        "{text:?}"
    );
    assert!(
        !text
            .iter()
            .any(|w| w.contains("party 'buyer'") && w.contains("cheapest bid")),
        "{text:?}"
    );
    let b = load(tmp.path()).expect("reads back");
    let seller = b.scenario.party_index("seller").unwrap();
    let buyer = b.scenario.party_index("buyer").unwrap();
    assert!((b.scenario.parties()[buyer].preferences.reservation() - 0.25).abs() < TOL);
    assert!(b.scenario.parties()[seller].preferences.reservation() >= 0.3337);
    // Same acceptable outcomes for the seller.
    let n = s.space().cardinality().to_u128().unwrap();
    for k in 0..n {
        let o = s.space().outcome_at(k).unwrap();
        let o2 = b.scenario.space().outcome_at(k).unwrap();
        assert_eq!(
            s.parties()[0].preferences.is_acceptable(&o),
            b.scenario.parties()[seller].preferences.is_acceptable(&o2),
            "outcome {k}"
        );
    }
}

#[test]
fn red_lines_and_clipped_utilities_cannot_be_exported() {
    let s = small();
    let mut parties = s.parties().to_vec();
    let prefs = &parties[0].preferences;
    let mut red = RedLines::none(2);
    red.forbid(0, 2);
    parties[0].preferences = Preferences::new(
        prefs.ufun().clone(),
        prefs.reservation(),
        red,
        prefs.discount(),
    )
    .unwrap();
    let with_red = Scenario::new("r", s.space().clone(), parties).unwrap();
    for e in [
        genius::to_xml(&with_red).unwrap_err(),
        geniusweb::to_json(&with_red).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(
            e.to_string().contains("party 'seller' has red lines"),
            "{e}"
        );
    }
    // Terms adding up past 1 without a clip: GENIUS would clip.
    let u = UtilityFunction::from_terms(s.space(), vec![vec![0.0, 0.5, 0.8], vec![0.3; 5]], false)
        .unwrap();
    let p = Party::new(
        "over",
        Preferences::new(u, 0.0, RedLines::none(2), 1.0).unwrap(),
    );
    let over = Scenario::new("o", s.space().clone(), vec![p]).unwrap();
    let e = genius::to_xml(&over).unwrap_err();
    assert!(e.to_string().contains("above 1, without clipping"), "{e}");
    let e = geniusweb::to_json(&over).unwrap_err();
    assert!(e.to_string().contains("at most 1"), "{e}");
}

#[test]
fn the_flagship_native_scenario_exports_or_says_why_not() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let Ok(loaded) = load(&path) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    match genius::write(&loaded.scenario, tmp.path()) {
        Ok(_) => {
            let b = load(tmp.path()).expect("reads back");
            assert_eq!(b.scenario.parties().len(), loaded.scenario.parties().len());
        }
        Err(e) => assert!(e.to_string().contains("red lines"), "{e}"),
    }
}
