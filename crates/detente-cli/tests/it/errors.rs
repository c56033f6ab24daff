//! Bad scenario files (exit 1) and bad command lines (exit 2). A failing command prints nothing
//! on stdout and says on stderr which file, which line and which party / issue / option is at
//! fault. The harness checks every run for panics.

use crate::analyze::DEAL;
use crate::util::{Dir, Output, line_of};

/// `DEAL` with `from` replaced by `to` (exactly once).
#[track_caller]
fn mutate(from: &str, to: &str) -> String {
    assert_eq!(
        DEAL.matches(from).count(),
        1,
        "{from:?} must occur once in DEAL"
    );
    DEAL.replace(from, to)
}

/// Runs every subcommand on a bad file and checks the failure; returns the `analyze` output.
#[track_caller]
fn bad_file(text: &str, line: Option<usize>, mentions: &[&str]) -> Output {
    let dir = Dir::new();
    dir.write("bad.toml", text);
    let mut first = None;
    for cmd in [
        &["analyze", "bad.toml"][..],
        &["analyze", "bad.toml", "--json"],
        &["negotiate", "bad.toml"],
        &["run", "bad.toml"],
    ] {
        let o = dir.run(cmd).failure(1);
        o.stderr_has(&["bad.toml"]);
        o.stderr_has(mentions);
        if let Some(l) = line {
            let want = format!("bad.toml:{l}:");
            assert!(
                o.stderr.contains(&want),
                "stderr should point at line {l} ({want}):\n{o}\n--- file ---\n{}",
                numbered(text)
            );
        }
        first.get_or_insert(o);
    }
    first.unwrap()
}

fn numbered(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(k, l)| format!("{:>3} {l}\n", k + 1))
        .collect()
}

#[test]
fn toml_syntax_error() {
    let text = mutate("[[issues]]\nname = \"qty\"", "[[issues]\nname = \"qty\"");
    let line = line_of(&text, "[[issues]\n", 1);
    bad_file(&text, Some(line), &[]);
}

#[test]
fn unknown_option_in_values() {
    let text = mutate(
        "price = { low = 0.0, mid = 0.8, high = 1.0 }",
        "price = { low = 0.0, mid = 0.8, hihg = 1.0 }",
    );
    let line = line_of(&text, "hihg", 1);
    bad_file(&text, Some(line), &["Seller", "price", "hihg"]);
}

#[test]
fn missing_value_for_an_option() {
    let text = mutate(
        "price = { low = 0.0, mid = 0.8, high = 1.0 }",
        "price = { low = 0.0, mid = 0.8 }",
    );
    let line = line_of(&text, "price = { low = 0.0, mid = 0.8 }", 1);
    bad_file(&text, Some(line), &["Seller", "price", "high"]);
}

#[test]
fn weight_for_an_unknown_issue() {
    let text = mutate(
        "weights = { price = 3, qty = 1 }",
        "weights = { price = 3, qty = 1, colour = 2 }",
    );
    let line = line_of(&text, "colour = 2", 1);
    bad_file(&text, Some(line), &["Seller", "colour"]);
}

/// A value outside [0, 1]: the message names party, issue, option and value, and the line is
/// the line of that value (TOML locates it, as it does for the unknown-option error above).
#[test]
fn value_outside_unit_interval() {
    let text = mutate("price = [1.0, 0.5, 0.0]", "price = [1.0, 1.5, 0.0]");
    let line = line_of(&text, "price = [1.0, 1.5, 0.0]", 1);
    bad_file(&text, Some(line), &["Buyer", "price", "mid", "1.5"]);
}

#[test]
fn negative_value_in_points() {
    let text = mutate(
        "qty = { points = [[2, 0.2], [6, 1.0]] }",
        "qty = { points = [[2, -0.2], [6, 1.0]] }",
    );
    // Named precisely, whatever line it points at.
    bad_file(&text, None, &["Seller", "qty", "-0.2"]);
}

#[test]
fn duplicate_party_name() {
    let text = mutate("name = \"Seller\"", "name = \"Buyer\"");
    let line = line_of(&text, "name = \"Buyer\"", 2);
    bad_file(&text, Some(line), &["duplicate", "Buyer"]);
}

#[test]
fn empty_option_list() {
    let text = mutate("options = [\"low\", \"mid\", \"high\"]", "options = []");
    let dir = Dir::new();
    dir.write("bad.toml", &text);
    let o = dir.run(&["analyze", "bad.toml"]).failure(1);
    o.stderr_has(&["bad.toml", "price", "empty"]);
    // Either the issue's name line or its `options` line is a fair place to point.
    let lines = [
        line_of(&text, "name = \"price\"", 1),
        line_of(&text, "options = []", 1),
    ];
    assert!(
        lines
            .iter()
            .any(|l| o.stderr.contains(&format!("bad.toml:{l}:"))),
        "line {lines:?} expected:\n{o}"
    );
}

#[test]
fn range_with_lo_above_hi() {
    let text = mutate("range = [0, 10]", "range = [10, 0]");
    let line = line_of(&text, "range = [10, 0]", 1);
    bad_file(&text, Some(line), &["qty", "lo > hi"]);
}

#[test]
fn unknown_source_in_a_package() {
    let text = format!(
        "{DEAL}\n[[packages]]\nname = \"offer1\"\nsources = [\"S9\"]\noutcome = {{ price = \"mid\" }}\n"
    );
    let dir = Dir::new();
    dir.write("bad.toml", &text);
    let o = dir.run(&["run", "bad.toml"]).failure(1);
    o.stderr_has(&["bad.toml", "offer1", "S9"]);
    let lines = [
        line_of(&text, "name = \"offer1\"", 1),
        line_of(&text, "sources = [\"S9\"]", 1),
    ];
    assert!(
        lines
            .iter()
            .any(|l| o.stderr.contains(&format!("bad.toml:{l}:"))),
        "line {lines:?} expected:\n{o}"
    );
}

#[test]
fn unknown_source_in_a_red_line() {
    let text = mutate(
        "red_lines = [{ issue = \"qty\", options = [0] }]",
        "red_lines = [{ issue = \"qty\", options = [0], sources = [\"S7\"] }]",
    );
    let line = line_of(&text, "sources = [\"S7\"]", 1);
    bad_file(&text, Some(line), &["Seller", "S7"]);
}

#[test]
fn red_line_on_an_unknown_option() {
    let text = mutate("options = [0] }]", "options = [3] }]");
    let line = line_of(&text, "options = [3]", 1);
    // 3 is not a value of qty (0, 4, 8).
    bad_file(&text, Some(line), &["Seller", "qty", "3"]);
}

#[test]
fn meeting_naming_an_unknown_party() {
    let text = format!(
        "{DEAL}\n[[meetings]]\ndate = \"2025-03-04\"\nplace = \"Geneva\"\nparties = [\"Buyer\", \"Sellr\"]\n"
    );
    let line = line_of(&text, "parties = [\"Buyer\", \"Sellr\"]", 1);
    bad_file(&text, Some(line), &["Sellr", "2025-03-04"]);
}

#[test]
fn unknown_key_is_an_error() {
    let text = mutate("reservation = 0.8", "reservation = 0.8\nreservaton = 0.9");
    let line = line_of(&text, "reservaton", 1);
    bad_file(&text, Some(line), &["reservaton"]);
}

#[test]
fn missing_file() {
    let dir = Dir::new();
    for cmd in ["analyze", "negotiate", "run"] {
        dir.run(&[cmd, "no-such-scenario.toml"])
            .failure(1)
            .stderr_has(&["no-such-scenario.toml"]);
    }
}

/// Files that must be rejected cleanly: exit 1, nothing on stdout, the file named, no panic.
#[test]
fn odd_files_fail_cleanly() {
    let replace = |a: &str, b: &str| mutate(a, b);
    let cases: Vec<(&str, String)> = vec![
        ("empty file", String::new()),
        ("no issues", "name = \"x\"\n".to_string()),
        (
            "no parties",
            DEAL.split("[[parties]]").next().unwrap().to_string(),
        ),
        ("step 0", replace("step = 4", "step = 0")),
        ("negative step", replace("step = 4", "step = -4")),
        (
            "all weights zero",
            replace(
                "weights = { price = 3, qty = 1 }",
                "weights = { price = 0, qty = 0 }",
            ),
        ),
        (
            "negative weight",
            replace(
                "weights = { price = 3, qty = 1 }",
                "weights = { price = -3, qty = 1 }",
            ),
        ),
        (
            "weight without values",
            replace(
                "weights = { price = 3, qty = 1 }",
                "weights = { price = 3, qty = 1, delivery = 1 }",
            ),
        ),
        (
            "nan reservation",
            replace("reservation = 0.8", "reservation = nan"),
        ),
        (
            "infinite reservation",
            replace("reservation = 0.8", "reservation = inf"),
        ),
        (
            "points not increasing",
            replace("[[2, 0.2], [6, 1.0]]", "[[6, 0.2], [2, 1.0]]"),
        ),
        ("empty points", replace("[[2, 0.2], [6, 1.0]]", "[]")),
        (
            "points on a discrete issue",
            replace("price = [1.0, 0.5, 0.0]", "price = { points = [[0, 1.0]] }"),
        ),
        (
            "too few values",
            replace("price = [1.0, 0.5, 0.0]", "price = [1.0, 0.5]"),
        ),
        ("discount 0", format!("discount = 0.0\n{DEAL}")),
        (
            "discount above 1",
            replace("reservation = 0.8", "reservation = 0.8\ndiscount = 1.5"),
        ),
        ("rounds 0", replace("rounds = 40", "rounds = 0")),
        (
            "duplicate issue",
            replace("name = \"delivery\"", "name = \"price\""),
        ),
        (
            "duplicate option",
            replace(
                "[\"low\", \"mid\", \"high\"]",
                "[\"low\", \"mid\", \"low\"]",
            ),
        ),
        (
            "options and range",
            replace("step = 4", "step = 4\noptions = [\"a\"]"),
        ),
        (
            "unknown role",
            replace("reservation = 0.8", "reservation = 0.8\nrole = \"referee\""),
        ),
        (
            "bad meeting date",
            format!("{DEAL}\n[[meetings]]\ndate = \"2025-02-30\"\n"),
        ),
        (
            "unknown mediator party",
            format!("{DEAL}\n[mediator]\nparty = \"Carol\"\n"),
        ),
        (
            "red line on unknown issue",
            replace("issue = \"qty\"", "issue = \"quantity\""),
        ),
        (
            "huge range",
            replace(
                "range = [0, 10]",
                "range = [-9223372036854775808, 9223372036854775807]",
            ),
        ),
    ];
    let dir = Dir::new();
    let mut cases: Vec<(&str, Vec<u8>)> = cases
        .into_iter()
        .map(|(w, t)| (w, t.into_bytes()))
        .collect();
    cases.push(("not UTF-8", b"name = \"caf\xe9\"\n".to_vec()));
    cases.push(("binary junk", (0..=255u8).rev().collect()));
    for (what, bytes) in &cases {
        let file = format!("{}.toml", what.replace(' ', "-"));
        std::fs::write(dir.path().join(&file), bytes).expect("write");
        for cmd in ["analyze", "run"] {
            let o = dir.run(&[cmd, &file]);
            assert_eq!(o.code, Some(1), "{what}: expected exit 1\n{o}");
            assert!(o.stdout.is_empty(), "{what}: stdout must be empty\n{o}");
            assert!(
                o.stderr.starts_with("detente: error: "),
                "{what}: a one-line error\n{o}"
            );
            assert!(
                o.stderr.contains(&file),
                "{what}: the file must be named\n{o}"
            );
        }
    }
}

/// Outcome counts are exact at any size (docs/scenario-format.md): four issues of 1,000,000
/// values (the most an integer issue may have) make 10²⁴ outcomes, more than 2⁶⁴, printed as an
/// exact JSON integer rather than rejected or rounded.
#[test]
fn outcome_space_beyond_64_bits_is_counted_exactly() {
    let text = r#"name = "too big"
[[issues]]
name = "a"
range = [1, 1000000]
[[issues]]
name = "b"
range = [1, 1000000]
[[issues]]
name = "c"
range = [1, 1000000]
[[issues]]
name = "d"
range = [1, 1000000]
[[parties]]
name = "P"
weights = { a = 1 }
values = { a = { points = [[1, 0.0], [1000000, 1.0]] } }
"#;
    let dir = Dir::new();
    dir.write("big.toml", text);
    // A small node budget keeps the frontier search short; it is then reported incomplete.
    let o = dir.run(&["analyze", "big.toml", "--json", "--max-nodes", "1000"]);
    assert_eq!(o.code, Some(0), "{o}");
    assert!(
        o.stdout
            .contains("\"outcomes\": 1000000000000000000000000,"),
        "the count must be an exact JSON integer:\n{o}"
    );
    assert!(o.stdout.contains("\"pareto\": null"), "{o}");
}

// ---------------------------------------------------------------------------------------------
// Usage errors: exit 2 with a helpful message.

fn usage(args: &[&str], mentions: &[&str]) {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    dir.run(args).failure(2).stderr_has(mentions);
}

#[test]
fn unknown_strategy_in_party() {
    usage(
        &["negotiate", "deal.toml", "--party", "Buyer=sneaky"],
        &[
            "sneaky",
            "Buyer",
            "boulware",
            "linear",
            "conceder",
            "hardliner",
            "random",
            "tit-for-tat",
            "micro",
        ],
    );
    usage(
        &["negotiate", "deal.toml", "--default-strategy", "stubborn"],
        &["stubborn", "--default-strategy", "boulware"],
    );
}

#[test]
fn party_with_unknown_name() {
    usage(
        &["negotiate", "deal.toml", "--party", "Carol=linear"],
        &["Carol", "Buyer", "Seller"],
    );
}

/// `run` takes the same negotiation flags; a bad one is a usage error found before any work is
/// done or anything is printed (stdout stays empty, as for every failure).
#[test]
fn run_rejects_bad_negotiation_flags_before_printing_a_report() {
    usage(
        &["run", "deal.toml", "--party", "Buyer=time:0"],
        &["time:0"],
    );
    usage(
        &["run", "deal.toml", "--party", "Carol=linear"],
        &["Carol", "Buyer", "Seller"],
    );
    usage(&["run", "deal.toml", "--rounds", "0"], &["--rounds"]);
    usage(&["run", "deal.toml", "--only", "Buyer"], &["2 parties"]);
}

#[test]
fn party_without_equals_sign() {
    usage(
        &["negotiate", "deal.toml", "--party", "Buyer"],
        &["Buyer", "NAME=STRATEGY"],
    );
}

#[test]
fn party_given_twice() {
    usage(
        &[
            "negotiate",
            "deal.toml",
            "--party",
            "Buyer=linear",
            "--party",
            "Buyer=conceder",
        ],
        &["Buyer", "twice"],
    );
}

#[test]
fn unknown_subcommand() {
    usage(&["frobnicate", "deal.toml"], &["frobnicate"]);
}

#[test]
fn zero_rounds() {
    usage(&["negotiate", "deal.toml", "--rounds", "0"], &["--rounds"]);
}

#[test]
fn non_numeric_rounds_and_seed() {
    usage(
        &["negotiate", "deal.toml", "--rounds", "many"],
        &["--rounds", "many"],
    );
    usage(&["negotiate", "deal.toml", "--seed", "-3"], &["-3"]);
}

#[test]
fn zero_threads() {
    usage(&["--threads", "0", "analyze", "deal.toml"], &["--threads"]);
}

#[test]
fn missing_scenario_argument() {
    usage(&["analyze"], &["SCENARIO"]);
    usage(&["negotiate", "--party", "Buyer=linear"], &["SCENARIO"]);
}

#[test]
fn no_subcommand() {
    usage(&[], &["Usage"]);
}

#[test]
fn only_with_unknown_party() {
    usage(
        &["negotiate", "deal.toml", "--only", "Buyer,Carol"],
        &["--only", "Carol"],
    );
}

#[test]
fn only_with_a_single_party() {
    usage(
        &["negotiate", "deal.toml", "--only", "Buyer"],
        &["2 parties"],
    );
}

/// `--only Buyer,Buyer` is a usage error; the message should name the party the user typed, not
/// an internal index.
#[test]
fn only_with_a_repeated_party() {
    usage(
        &["negotiate", "deal.toml", "--only", "Buyer,Buyer"],
        &["--only", "Buyer"],
    );
}
