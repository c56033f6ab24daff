//! `detente sensitivity` and the robustness sections of `run` and `analyze --json`, on a
//! scenario whose answer is worked out by hand.

use crate::util::Dir;

/// One issue. Buyer values low/mid/high at 1/.5/0 and walks away below a reservation value
/// drawn uniformly from [.4, .6]; Seller values them 0/.5/1 with reservation .5. Only `mid` can
/// be acceptable to both, and it is exactly when Buyer's reservation is at most .5: a zone
/// exists in half the draws, Buyer's reservation is decisive at .5 (a knife edge: margin 0),
/// and `mid` is the most robust package.
const SCENARIO: &str = r#"
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
"#;

#[test]
fn the_knife_edge_is_found() {
    let d = Dir::new();
    let f = d.write("s.toml", SCENARIO);
    let f = f.to_str().unwrap();
    let out = d
        .run(&[
            "sensitivity",
            f,
            "--samples",
            "2000",
            "--seed",
            "3",
            "--json",
        ])
        .success();
    assert!(out.stderr.is_empty(), "no progress bar when piped");
    let j = out.json();
    let p = j["zone_probability"]["share"].as_f64().unwrap();
    assert!((p - 0.5).abs() < 0.05, "{p}");
    assert_eq!(j["zone_probability"]["n"], 2000);
    assert_eq!(j["robust_packages"][0]["outcome"]["price"], "mid");
    let dec = &j["decisive"][0];
    assert_eq!(dec["estimate"], "Buyer: reservation value");
    assert_eq!(dec["method"], "closed form");
    assert!((dec["threshold"].as_f64().unwrap() - 0.5).abs() < 1e-6);
    assert!(dec["margin"].as_f64().unwrap() < 1e-6);
    // The same seed gives the same bytes at any thread count.
    let a = d.run(&[
        "--threads",
        "1",
        "sensitivity",
        f,
        "--samples",
        "500",
        "--json",
    ]);
    let b = d.run(&[
        "--threads",
        "2",
        "sensitivity",
        f,
        "--samples",
        "500",
        "--json",
    ]);
    assert_eq!(a.success().stdout, b.success().stdout);
}

#[test]
fn without_a_zone_the_smallest_changes_are_reported() {
    let d = Dir::new();
    let f = d.write(
        "s.toml",
        &SCENARIO.replace(
            "reservation = { value = 0.5, low = 0.4, high = 0.6, dist = \"uniform\" }",
            "reservation = { value = 0.55, low = 0.4, high = 0.6 }\nred_lines = [{ issue = \"price\", options = [\"low\"], confidence = 0.5 }]",
        ),
    );
    let out = d
        .run(&[
            "sensitivity",
            f.to_str().unwrap(),
            "--samples",
            "50",
            "--json",
        ])
        .success();
    let j = out.json();
    assert_eq!(j["point_zone"], false);
    let u = &j["unlock"];
    // mid misses Buyer's .55 by .05; nothing is closer.
    assert!((u["min_shortfall"]["total"].as_f64().unwrap() - 0.05).abs() < 1e-12);
    assert!((u["reservation_needed"]["Buyer"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(u["smallest_move"]["estimate"], "Buyer: reservation value");
    // Buyer's red line on `low` is not what blocks the deal.
    assert_eq!(u["red_lines"].as_array().unwrap().len(), 0);
    let text = d
        .run(&["sensitivity", f.to_str().unwrap(), "--samples", "50"])
        .success();
    text.stdout_has(&[
        "NO zone of agreement",
        "Buyer would need a reservation value of at most 0.500000",
    ]);
}

#[test]
fn run_and_analyze_carry_a_robustness_section() {
    let d = Dir::new();
    let f = d.write("s.toml", SCENARIO);
    let f = f.to_str().unwrap();
    d.run(&["run", f]).success().stdout_has(&[
        "Robustness (200 seeded draws",
        "probability of a zone:",
        "decisive: Buyer: reservation value",
    ]);
    let j = d.run(&["analyze", f, "--json"]).success().json();
    assert_eq!(j["robustness"]["samples"], 200);
    // Without ranges there is nothing to report.
    let g = d.write(
        "p.toml",
        &SCENARIO.replace(
            "{ value = 0.5, low = 0.4, high = 0.6, dist = \"uniform\" }",
            "0.5",
        ),
    );
    let j = d
        .run(&["analyze", g.to_str().unwrap(), "--json"])
        .success()
        .json();
    assert!(j["robustness"].is_null());
}

#[test]
fn bad_samples_and_bad_estimates_are_refused() {
    let d = Dir::new();
    let f = d.write("s.toml", SCENARIO);
    d.run(&["sensitivity", f.to_str().unwrap(), "--samples", "0"])
        .failure(2)
        .stderr_has(&["--samples must be at least 1"]);
    let bad = d.write(
        "bad.toml",
        &SCENARIO.replace("low = 0.4, high = 0.6", "low = 0.6, high = 0.4"),
    );
    d.run(&["sensitivity", bad.to_str().unwrap()])
        .failure(1)
        .stderr_has(&["bad.toml:", "party 'Buyer', reservation, low", "above high"]);
}

/// `analyze` and `run` draw a progress bar (phases, and the robustness draws with an ETA) only
/// when stderr is a terminal. Here stderr is a pipe: it must stay empty (no bar, no escape
/// codes, no carriage returns) in text and JSON mode alike, and stdout must carry no escape
/// codes either. Runs the ranged scenario so the robustness draws, which report progress, run.
#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let d = Dir::new();
    let f = d.write("s.toml", SCENARIO);
    let f = f.to_str().unwrap();
    for args in [
        vec!["analyze", f],
        vec!["analyze", f, "--json"],
        vec!["run", f],
        vec!["run", f, "--json"],
    ] {
        let out = d.run(&args).success();
        assert!(out.stderr.is_empty(), "{args:?} wrote to stderr:\n{out}");
        assert!(
            !out.stdout.contains('\u{1b}') && !out.stdout.contains('\r'),
            "{args:?}: escape codes in stdout"
        );
    }
}
