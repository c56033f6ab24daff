//! Tests of estimates with ranges: reading, bad input by its message, and round trips.

use super::*;

const EXAMPLE: &str = r#"
name = "ranges"

[[sources]]
id = "S12"

[[issues]]
name = "donbas"
options = ["freeze", "dmz", "withdrawal"]

[[issues]]
name = "army_cap"
range = [400, 1000]
step = 50

[[parties]]
name = "Ukraine"
reservation = { value = 0.48, low = 0.42, high = 0.52, dist = "uniform", basis = "polls", sources = ["S12"] }
uncertainty = { values = 0.1, weights = 0.2 }
weights = { donbas = { value = 16, low = 12, high = 20 }, army_cap = 6 }
red_lines = [{ issue = "donbas", options = ["withdrawal"], confidence = 0.7 }]
[parties.values]
donbas = { freeze = 1.0, dmz = { value = 0.6, low = 0.45, high = 0.65, dist = "normal", sd = 0.05 }, withdrawal = 0.0 }
army_cap = { points = [[400, 0.0], [800, { value = 0.9, low = 0.8, high = 1.0 }], [1000, 1.0]] }

[[parties]]
name = "Russia"
weights = { donbas = 1 }
[parties.values]
donbas = [0.0, { value = 0.55, low = 0.45, high = 0.65 }, 1.0]
"#;

fn check_err(text: &str, want: &[&str]) {
    let e = read_str(text, Some(Path::new("bad.toml"))).expect_err("the file should be rejected");
    let msg = e.to_string();
    for w in want {
        assert!(msg.contains(w), "message {msg:?} lacks {w:?}");
    }
    assert!(
        msg.starts_with("bad.toml:"),
        "{msg:?} does not name the file"
    );
    assert!(e.line().is_some(), "{msg:?} has no line");
}

fn edit(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from:?} not in example");
    EXAMPLE.replacen(from, to, 1)
}

#[test]
fn ranges_are_read_with_their_points_in_the_model() {
    let s = read_str(EXAMPLE, None).unwrap();
    // The point scenario is what the engines use.
    assert_eq!(s.parties()[0].preferences.reservation(), 0.48);
    let o = detente_core::Outcome::new(vec![1, 8]); // dmz, 800
    let want = 16.0 / 22.0 * 0.6 + 6.0 / 22.0 * 0.9;
    assert!((s.parties()[0].preferences.utility(&o) - want).abs() < 1e-15);
    let u = s.uncertainty.as_ref().expect("ranges");
    assert!(u.has_ranges());
    let ua = &u.parties[0];
    assert_eq!(ua.reservation.low, 0.42);
    assert_eq!(ua.reservation.dist, Distribution::Uniform);
    assert_eq!(ua.reservation.sources, vec!["S12".to_string()]);
    assert_eq!((ua.weights[0].low, ua.weights[0].high), (12.0, 20.0));
    // army_cap's weight takes the party's default relative spread: 6 · (1 ± 0.2).
    assert!((ua.weights[1].low - 4.8).abs() < 1e-12 && (ua.weights[1].high - 7.2).abs() < 1e-12);
    assert!(!ua.weights[1].explicit);
    let Some(ValueModel::Table(t)) = &ua.values[0] else {
        panic!("table")
    };
    assert_eq!(t[1].dist, Distribution::Normal { sd: 0.05 });
    // Default value spread, clipped to [0, 1].
    assert_eq!((t[0].low, t[0].high), (0.9, 1.0));
    assert_eq!(ua.red_lines[0].confidence, 0.7);
    // Russia gave no spreads: its unranged numbers are points.
    let ru = &u.parties[1];
    assert!(ru.reservation.is_point());
    let Some(ValueModel::Table(t)) = &ru.values[0] else {
        panic!("table")
    };
    assert!(t[0].is_point() && !t[1].is_point());
}

#[test]
fn a_file_without_ranges_has_no_uncertainty() {
    let text = "name = \"x\"\n[[issues]]\nname = \"a\"\noptions = [\"p\", \"q\"]\n\
                [[parties]]\nname = \"A\"\nweights = { a = 1 }\nvalues = { a = [0.0, 1.0] }\n";
    assert!(read_str(text, None).unwrap().uncertainty.is_none());
}

#[test]
fn writing_keeps_ranges_spreads_and_confidences() {
    let s = read_str(EXAMPLE, None).unwrap();
    let text = to_toml(&s).unwrap();
    let t = read_str(&text, None).unwrap();
    assert_eq!(t.uncertainty, s.uncertainty, "written:\n{text}");
    let n = s.space().cardinality().to_u128().unwrap();
    for k in 0..n {
        let o = s.space().outcome_at(k).unwrap();
        for (a, b) in s.parties().iter().zip(t.parties()) {
            assert!((a.preferences.utility(&o) - b.preferences.utility(&o)).abs() < 1e-12);
        }
    }
}

#[test]
fn exporting_ranges_to_genius_warns() {
    // GENIUS has no red lines; the ranges alone still warn.
    let text = edit(
        "red_lines = [{ issue = \"donbas\", options = [\"withdrawal\"], confidence = 0.7 }]\n",
        "",
    );
    let s = read_str(&text, None).unwrap();
    let r = crate::genius::to_xml(&s).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("point values only")),
        "no warning"
    );
    let r = crate::geniusweb::to_json(&s).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("point values only")),
        "no warning"
    );
}

#[test]
fn bad_estimates_name_file_line_and_field() {
    check_err(
        &edit("low = 12, high = 20", "low = 21, high = 20"),
        &["weights.donbas, low", "above high"],
    );
    check_err(
        &edit("low = 12, high = 20", "low = 17, high = 20"),
        &["weights.donbas, value", "outside its range"],
    );
    check_err(
        &edit(
            "dist = \"normal\", sd = 0.05",
            "dist = \"normal\", sd = -0.05",
        ),
        &["values.donbas.dmz, sd", "> 0"],
    );
    check_err(
        &edit("dist = \"normal\", sd = 0.05", "dist = \"normal\""),
        &["values.donbas.dmz, sd", "needs `sd`"],
    );
    check_err(
        &edit("dist = \"uniform\"", "dist = \"cauchy\""),
        &["reservation, dist", "unknown distribution 'cauchy'"],
    );
    check_err(
        &edit("values = 0.1, weights", "values = -0.1, weights"),
        &["uncertainty.values", ">= 0"],
    );
    check_err(
        &edit("confidence = 0.7", "confidence = 1.5"),
        &["red_lines, confidence", "(0, 1]"],
    );
    check_err(
        &edit("confidence = 0.7", "confidence = 0"),
        &["red_lines, confidence"],
    );
    check_err(
        &edit("low = 0.8, high = 1.0", "low = 0.8, high = 1.2"),
        &["values.army_cap, point at x = 800, high", "[0, 1]"],
    );
    check_err(
        &edit("sources = [\"S12\"]", "sources = [\"S99\"]"),
        &["unknown source 'S99'"],
    );
}
