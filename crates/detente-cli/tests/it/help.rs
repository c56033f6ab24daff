//! `--help` for the tool and each subcommand exits 0 and lists the flags.

use crate::util::Dir;

#[track_caller]
fn help(args: &[&str], flags: &[&str]) {
    let o = Dir::new().run(args).success();
    o.stdout_has(flags);
    assert!(o.stderr.is_empty(), "help goes to stdout:\n{o}");
}

#[test]
fn top_level_help_lists_subcommands() {
    help(
        &["--help"],
        &[
            "analyze",
            "negotiate",
            "run",
            "--threads",
            "--help",
            "--version",
        ],
    );
    help(&["help"], &["analyze", "negotiate", "run"]);
}

#[test]
fn analyze_help() {
    help(
        &["analyze", "--help"],
        &[
            "SCENARIO",
            "--json",
            "--max-nodes",
            "--domain",
            "--profile",
            "--threads",
        ],
    );
    help(&["help", "analyze"], &["--json", "--max-nodes"]);
}

#[test]
fn negotiate_help() {
    help(
        &["negotiate", "--help"],
        &[
            "SCENARIO",
            "--party",
            "NAME=STRATEGY",
            "--default-strategy",
            "--only",
            "--rounds",
            "--seed",
            "--json",
            "--threads",
        ],
    );
    // The strategies are listed for --party.
    help(
        &["negotiate", "--help"],
        &[
            "boulware",
            "conceder",
            "hardliner",
            "tit-for-tat",
            "micro",
            "agentk",
            "hardheaded",
            "cuhk",
            "thefawkes",
            "atlas3",
        ],
    );
}

#[test]
fn run_help() {
    help(
        &["run", "--help"],
        &[
            "SCENARIO",
            "--party",
            "--default-strategy",
            "--only",
            "--rounds",
            "--seed",
            "--max-nodes",
            "--threads",
        ],
    );
}

#[test]
fn version() {
    let o = Dir::new().run(&["--version"]).success();
    assert!(o.stdout.starts_with("detente "), "{o}");
    assert!(o.stdout.contains(env!("CARGO_PKG_VERSION")), "{o}");
}
