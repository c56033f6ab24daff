//! `detente run`: the readable report plus a simulated negotiation, on a small scenario with
//! packages, a mediator and meetings (the flagship's report is in `flagship.rs`).

use crate::analyze::DEAL;
use crate::util::Dir;

/// DEAL plus sources, two packages (one complete, one partial), a mediator and a meeting.
fn deal_with_context() -> String {
    format!(
        r#"{DEAL}
[[sources]]
id = "S1"
url = "https://example.invalid/s1"

[[packages]]
name = "FIRST_OFFER"
label = "the buyer's opening"
date = "2025-01-15"
sources = ["S1"]
outcome = {{ price = "low", qty = 8, delivery = "fast" }}

[[packages]]
name = "OPEN_TEXT"
outcome = {{ price = "high", qty = [4, 8] }}

[mediator]
name = "Neutral Broker"
procedure = "single negotiating text"

[[meetings]]
date = "2025-02-01"
end_date = "2025-02-03"
place = "Vienna"
parties = ["Buyer", "Seller"]
sources = ["S1"]
"#
    )
}

#[test]
fn run_report_has_every_section() {
    let dir = Dir::new();
    dir.write("deal.toml", &deal_with_context());
    let o = dir.run(&["run", "deal.toml"]).success();
    o.stdout_has(&[
        "detente report: hand-computed deal",
        "Issues (3), 18 possible packages",
        "Buyer",
        "Seller",
        "red line on qty: never '0'",
        "Mediator: Neutral Broker",
        "Zone of possible agreement: YES — 5 packages",
        "Nash bargaining package",
        "FIRST_OFFER (2025-01-15): the buyer's opening",
        "OPEN_TEXT",
        "Meetings timeline (1 entries)",
        "Vienna",
        "Simulated negotiation",
    ]);
    // FIRST_OFFER (low, 8, fast) gives the Seller 0.25 < 0.8: not acceptable to every party.
    let first = o.stdout.split("FIRST_OFFER").nth(1).unwrap();
    let first = first.split("OPEN_TEXT").next().unwrap();
    assert!(
        first.contains("acceptable to every party: no"),
        "FIRST_OFFER section:\n{first}"
    );
    // OPEN_TEXT leaves delivery unreported and qty open between 4 and 8: 2 × 2 = 4 completions,
    // of which high/4/fast, high/4/slow and high/8/fast are in the zopa (see analyze.rs).
    let open = o.stdout.split("OPEN_TEXT").nth(1).unwrap();
    assert!(open.contains("4 completions"), "OPEN_TEXT section:\n{open}");
    assert!(
        open.contains("acceptable to every party: 3 of its completions"),
        "OPEN_TEXT section:\n{open}"
    );
}

#[test]
fn run_prints_the_date_the_record_ends() {
    let dir = Dir::new();
    // A top-level key: it must come before the first table header.
    let text =
        deal_with_context().replacen("rounds = 40", "rounds = 40\nas_of = \"2025-02-03\"", 1);
    dir.write("dated.toml", &text);
    let o = dir.run(&["run", "dated.toml"]).success();
    assert_eq!(
        o.stdout.lines().nth(1),
        Some("Record as of 2025-02-03: nothing after this date is encoded."),
        "{o}"
    );
    dir.write("undated.toml", &deal_with_context());
    let o = dir.run(&["run", "undated.toml"]).success();
    assert!(!o.stdout.contains("Record as of"), "{o}");
}

#[test]
fn run_is_deterministic_and_honours_negotiation_flags() {
    let dir = Dir::new();
    dir.write("deal.toml", DEAL);
    let args = [
        "run",
        "deal.toml",
        "--default-strategy",
        "random",
        "--seed",
        "4",
        "--rounds",
        "9",
    ];
    let a = dir.run(&args).success();
    let b = dir.run(&args).success();
    assert_eq!(a.stdout, b.stdout, "same inputs, same report");
    a.stdout_has(&["9 rounds, seed 4", "Buyer (random)", "Seller (random)"]);
}

#[test]
fn run_reports_no_zopa_plainly() {
    let dir = Dir::new();
    let text = DEAL
        .replace("reservation = 0.8", "reservation = 1.0")
        .replace("reservation = 0.2", "reservation = 0.9");
    dir.write("hopeless.toml", &text);
    let o = dir.run(&["run", "hopeless.toml"]).success();
    o.stdout_has(&[
        "Zone of possible agreement: NONE",
        "none: nothing is acceptable to every party",
        "NO AGREEMENT",
    ]);
}
