//! End-to-end tests of `detente tournament`, `report`, `export` and `merge` on the real binary.
//!
//! The central one crashes a running tournament at a fixed point (a hidden test hook aborts the
//! process with a transaction open), checks that the database opens
//! cleanly and holds a part of the results, reruns the same command and checks that the final
//! database equals an uninterrupted run (byte-equal CSV exports, at different thread counts),
//! with every negotiation stored exactly once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::{Connection, OpenFlags};

const BIN: &str = env!("CARGO_BIN_EXE_detente");

const SCENARIO: &str = r#"
name = "haggle"

[[issues]]
name = "price"
range = [0, 20]

[[issues]]
name = "delivery"
options = ["now", "week", "month"]

[[parties]]
name = "buyer"
reservation = 0.2
weights = { price = 7, delivery = 3 }
[parties.values]
price = { points = [[0, 1.0], [20, 0.0]] }
delivery = { "now" = 1.0, "week" = 0.6, "month" = 0.0 }

[[parties]]
name = "seller"
reservation = 0.25
discount = 0.99
weights = { price = 6, delivery = 4 }
[parties.values]
price = { points = [[0, 0.0], [20, 1.0]] }
delivery = { "now" = 0.2, "week" = 0.5, "month" = 1.0 }
"#;

const STRATEGIES: [&str; 6] = [
    "boulware",
    "conceder",
    "linear",
    "random",
    "micro",
    "tit-for-tat",
];

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::Builder::new()
            .prefix("detente-tournament-")
            .tempdir()
            .expect("a temp dir"))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn scenario(&self) -> PathBuf {
        let p = self.file("haggle.toml");
        std::fs::write(&p, SCENARIO).expect("write the scenario");
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `detente [--threads T] tournament --scenario S --strategy ... --reps R --db DB [extra]`.
fn tournament_args(scenario: &Path, db: &Path, reps: u32, threads: u32) -> Vec<String> {
    let mut a: Vec<String> = vec!["--threads".into(), threads.to_string(), "tournament".into()];
    a.extend(["--scenario".into(), s(scenario).into(), "--strategy".into()]);
    a.extend(STRATEGIES.iter().map(|x| x.to_string()));
    a.extend([
        "--reps".into(),
        reps.to_string(),
        "--rounds".into(),
        "100".into(),
        "--seed".into(),
        "5".into(),
        "--db".into(),
        s(db).into(),
    ]);
    a
}

fn run(args: &[String]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the detente binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "detente panicked: {args:?}\n{stderr}"
    );
    out
}

fn ok(args: &[String]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "detente {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Asserts that `output` (a command's stdout or stderr) contains `text`, showing it if not.
fn assert_has(output: &[u8], text: &str) {
    let output = String::from_utf8_lossy(output);
    assert!(output.contains(text), "expected {text:?} in:\n{output}");
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|x| x.to_string()).collect()
}

/// (negotiation rows, distinct ids, distinct unique keys, participant rows), read-only.
fn counts(db: &Path) -> (i64, i64, i64, i64) {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the database opens");
    conn.query_row(
        "SELECT (SELECT count(*) FROM negotiations), (SELECT count(DISTINCT id) FROM negotiations), \
         (SELECT count(*) FROM (SELECT DISTINCT scenario_idx, assignment, rep FROM negotiations)), \
         (SELECT count(*) FROM participants)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .expect("count the rows")
}

fn export(db: &Path, out: &Path) -> Vec<u8> {
    ok(&args(&[
        "export",
        s(db),
        "--format",
        "csv",
        s(out),
        "--quiet",
    ]));
    std::fs::read(out).expect("read the export")
}

#[cfg(unix)]
#[test]
fn a_killed_tournament_resumes_to_the_results_of_an_uninterrupted_run() {
    use std::os::unix::process::ExitStatusExt;

    let dir = Dir::new();
    let scenario = dir.scenario();
    // 6² ordered pairs × 2 rotations × 20 repetitions.
    let reps = 20;
    let planned = 36 * 2 * i64::from(reps);

    let reference = dir.file("reference.db");
    let mut a = tournament_args(&scenario, &reference, reps, 1);
    a.push("--quiet".into());
    ok(&a);
    assert_eq!(counts(&reference), (planned, planned, planned, 2 * planned));

    // Run the same tournament on two threads and crash it at a fixed point: the hidden hook
    // commits the first 500 records, opens a transaction with the next one and aborts the
    // process (no destructors, no commit), as a kill -9 mid-batch would.
    let crash_after = 500;
    let db = dir.file("results.db");
    let mut a = tournament_args(&scenario, &db, reps, 2);
    a.push("--quiet".into());
    let status = Command::new(BIN)
        .args(&a)
        .env("DETENTE_TEST_CRASH_AFTER", crash_after.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run detente");
    assert_eq!(
        status.signal(),
        Some(6),
        "the child did not die by the test hook's abort: {status}"
    );

    // The database opens cleanly and holds part of the tournament, each negotiation once.
    let (n, ids, keys, seats) = counts(&db);
    assert_eq!(
        n, crash_after,
        "exactly the committed records survive; the open transaction is lost"
    );
    assert!(n < planned);
    assert_eq!((ids, keys, seats), (n, n, 2 * n));
    let conn = Connection::open(&db).expect("reopen");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    drop(conn);

    // Rerun the same command: it resumes.
    let out = ok(&tournament_args(&scenario, &db, reps, 2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{} negotiations run (0 failed)", planned - n))
            && stderr.contains(&format!("{n} already done")),
        "{stderr}"
    );
    assert_eq!(counts(&db), (planned, planned, planned, 2 * planned));
    let want = export(&reference, &dir.file("reference.csv"));
    let got = export(&db, &dir.file("results.csv"));
    assert_eq!(want.len(), got.len());
    assert!(
        want == got,
        "the resumed results differ from the uninterrupted run"
    );
}

#[test]
fn shards_merge_into_the_full_tournament_and_report_it() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let full = dir.file("full.db");
    let mut a = tournament_args(&scenario, &full, 2, 2);
    a.push("--quiet".into());
    ok(&a);
    let mut shards = Vec::new();
    for i in 0..3 {
        let db = dir.file(&format!("shard-{i}.db"));
        let mut a = tournament_args(&scenario, &db, 2, 1);
        a.extend(["--shard".into(), format!("{i}/3"), "--quiet".into()]);
        ok(&a);
        assert_eq!(counts(&db).0, 48);
        shards.push(db);
    }
    let all = dir.file("all.db");
    let mut m = vec!["merge".to_string()];
    m.extend(shards.iter().map(|p| s(p).to_string()));
    m.extend(["--into".into(), s(&all).into()]);
    let out = ok(&m);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "detente: merged 3 shards into '{}': 144 added, 0 already there; 144 of 144 negotiations stored",
            all.display()
        )
    );
    assert_eq!(
        export(&full, &dir.file("full.csv")),
        export(&all, &dir.file("all.csv"))
    );
    let report_full = ok(&args(&["report", s(&full), "--json"]));
    let report_all = ok(&args(&["report", s(&all), "--json"]));
    assert_eq!(report_full.stdout, report_all.stdout);
    let json: serde_json::Value = serde_json::from_slice(&report_all.stdout).expect("JSON");
    assert_eq!(json["n_negotiations"], 144);
    assert_eq!(json["ranking"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["ranking"][0]["rank"], 1);
    assert_eq!(json["ranking"][0]["participations"], 48);

    let table = ok(&args(&["report", s(&all)]));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("negotiations: 144 of 144 stored"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("rank  strategy") && l.contains("utility")),
        "{text}"
    );
    // A shard alone says it is incomplete.
    let part = ok(&args(&["report", s(&shards[0])]));
    assert_has(&part.stdout, "48 of 144 stored (incomplete");
}

#[test]
fn shards_of_different_tournaments_and_foreign_files_are_refused() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let a_db = dir.file("a.db");
    let b_db = dir.file("b.db");
    let mut a = tournament_args(&scenario, &a_db, 1, 1);
    a.extend(["--shard".into(), "0/2".into(), "--quiet".into()]);
    ok(&a);
    let mut b = tournament_args(&scenario, &b_db, 1, 1);
    let seed = b.iter().position(|x| x == "--seed").expect("a seed flag");
    b[seed + 1] = "6".into();
    b.extend(["--shard".into(), "1/2".into(), "--quiet".into()]);
    ok(&b);
    let all = dir.file("all.db");
    let out = run(&args(&["merge", s(&a_db), s(&b_db), "--into", s(&all)]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("detente: error: cannot merge shards of different tournaments:"),
        "{stderr}"
    );
    assert!(!all.exists());

    // Another tournament on an existing database.
    let out = run(&tournament_args(&scenario, &a_db, 2, 1));
    assert_eq!(out.status.code(), Some(1));
    assert_has(&out.stderr, "holds results of another tournament");

    // A file that is not ours is refused by every command and left byte-identical.
    let notes = dir.file("notes.txt");
    std::fs::write(&notes, "precious\n").expect("write");
    for cmd in [
        tournament_args(&scenario, &notes, 1, 1),
        args(&["report", s(&notes)]),
        args(&["export", s(&notes), s(&dir.file("x.csv"))]),
        args(&["merge", s(&a_db), "--into", s(&notes)]),
    ] {
        let out = run(&cmd);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!(
                "'{}' is not a detente results database (not an SQLite file); it was left unchanged",
                notes.display()
            )),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(&notes).expect("read"), b"precious\n");
    }
}

#[test]
fn usage_errors_exit_with_code_2() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let db = dir.file("r.db");
    for (cmd, want) in [
        (
            args(&[
                "tournament",
                "--scenario",
                s(&scenario),
                "--strategy",
                "boulware",
                "nosuch",
                "--db",
                s(&db),
            ]),
            "--strategy: unknown strategy 'nosuch'",
        ),
        (
            args(&[
                "tournament",
                "--scenario",
                s(&scenario),
                "--strategy",
                "boulware",
                "--shard",
                "3/3",
                "--db",
                s(&db),
            ]),
            "--shard: bad shard '3/3'",
        ),
        (
            args(&["tournament", "--strategy", "boulware", "--db", s(&db)]),
            "give at least one --scenario",
        ),
        (
            args(&["export", s(&db), s(&dir.file("out.txt"))]),
            "cannot tell the format of",
        ),
    ] {
        let out = run(&cmd);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{cmd:?}: {stderr}");
    }
    assert!(!db.exists(), "a usage error must not create the database");
}

#[test]
fn a_tournament_file_is_the_same_tournament_as_the_flags() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let flags_db = dir.file("flags.db");
    let mut a = tournament_args(&scenario, &flags_db, 2, 2);
    a.push("--quiet".into());
    ok(&a);
    let file = dir.file("t.toml");
    std::fs::write(
        &file,
        format!(
            "scenarios = [\"haggle.toml\"]\nstrategies = {:?}\nrounds = 100\nreps = 2\nseed = 5\n",
            STRATEGIES
        ),
    )
    .expect("write the tournament file");
    let file_db = dir.file("file.db");
    ok(&args(&[
        "tournament",
        s(&file),
        "--db",
        s(&file_db),
        "--quiet",
    ]));
    assert_eq!(
        export(&flags_db, &dir.file("a.csv")),
        export(&file_db, &dir.file("b.csv"))
    );
    // The file's tournament resumes the flags' database: same fingerprint.
    let out = ok(&args(&["tournament", s(&file), "--db", s(&flags_db)]));
    assert_has(&out.stderr, "144 already done");
}

#[cfg(unix)]
#[test]
fn export_refuses_to_overwrite_its_own_database() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let db = dir.file("a.db");
    let mut a = tournament_args(&scenario, &db, 1, 1);
    a.push("--quiet".into());
    ok(&a);
    let before = std::fs::read(&db).expect("read");
    let sym = dir.file("sym.csv");
    std::os::unix::fs::symlink(&db, &sym).expect("symlink");
    let hard = dir.file("hard.csv");
    std::fs::hard_link(&db, &hard).expect("hard link");
    for out in [s(&db), s(&sym), s(&hard)] {
        let o = run(&args(&["export", s(&db), "--format", "csv", out]));
        assert_eq!(o.status.code(), Some(1), "{out}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("is the results database being exported"),
            "{out}: {stderr}"
        );
    }
    assert!(
        std::fs::read(&db).expect("read") == before,
        "the database changed"
    );
    ok(&args(&["report", s(&db)]));
    for x in ["a.db-wal", "a.db-shm"] {
        assert!(!dir.file(x).exists(), "report left {x} beside the database");
    }
    // Merging nothing is a usage error.
    let out = run(&args(&["merge", "--into", s(&dir.file("all.db"))]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_writes_the_ranking_as_html_with_its_intervals() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let db = dir.file("t.db");
    let mut a = tournament_args(&scenario, &db, 1, 1);
    a.push("--quiet".into());
    ok(&a);
    let page_path = dir.file("ranking.html");
    ok(&args(&["report", s(&db), "--html", s(&page_path)]));
    let page = std::fs::read_to_string(&page_path).expect("the page was written");
    let json: serde_json::Value =
        serde_json::from_slice(&ok(&args(&["report", s(&db), "--json"])).stdout).expect("JSON");
    // Every strategy of the ranking is in the page, in the ranking's order, with its mean.
    let mut at = 0;
    for st in json["ranking"].as_array().expect("a ranking") {
        let name = st["strategy"].as_str().expect("a name");
        let found = page[at..]
            .find(&format!("<td>{name}</td>"))
            .unwrap_or_else(|| panic!("{name} missing or out of order"));
        at += found;
    }
    assert!(page.contains("<svg"), "no chart");
    assert!(!page.contains("src=\"http"));
    // The database is never the output.
    let out = run(&args(&["report", s(&db), "--html", s(&db)]));
    assert_eq!(out.status.code(), Some(2));
    assert_has(&out.stderr, "that is the input");
}

/// Every phase shows progress on stderr (lines when stderr is not a terminal), and `--quiet`
/// shows none (issue 17: nothing appeared while bid spaces were built).
#[test]
fn every_phase_shows_progress_unless_quiet() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let out = ok(&tournament_args(&scenario, &dir.file("a.db"), 1, 1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [
        "detente: building bid spaces 0/2",
        "detente: building bid spaces 2/2",
        "detente: analysing scenarios 0/1",
        "detente: analysing scenarios 1/1",
    ] {
        assert!(stderr.contains(line), "{line:?} missing from\n{stderr}");
    }
    let mut a = tournament_args(&scenario, &dir.file("b.db"), 1, 1);
    a.push("--quiet".into());
    let out = ok(&a);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Failed negotiations (here: over a step budget of 5) are results like any other: stored,
/// skipped on resume, exported with their failure kind, counted by `report`, and merged from
/// shards into the same bytes as a whole run (issue 17 item 14).
#[test]
fn failed_negotiations_survive_store_resume_export_report_and_merge() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let budget = |a: &mut Vec<String>| a.extend(["--max-steps".into(), "5".into()]);
    let full = dir.file("full.db");
    let mut a = tournament_args(&scenario, &full, 1, 1);
    budget(&mut a);
    let out = ok(&a);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let planned = counts(&full).0;
    assert!(planned > 0);
    let failed_line = format!("{planned} negotiations run (");
    assert!(stderr.contains(&failed_line), "{stderr}");
    assert!(
        !stderr.contains("(0 failed)"),
        "the budget must make some fail: {stderr}"
    );
    // A rerun resumes: nothing runs again, nothing is duplicated.
    let out = ok(&a);
    let again = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        again.contains(&format!("{planned} already done")),
        "{again}"
    );
    assert_eq!(counts(&full).0, planned);
    // Exported with the failure kind.
    let csv = export(&full, &dir.file("full.csv"));
    let csv = String::from_utf8_lossy(&csv).to_string();
    // One row per party of each negotiation: two parties.
    let n_rows = csv.lines().filter(|l| l.contains("step-budget")).count();
    assert!(n_rows > 0 && n_rows % 2 == 0, "{csv}");
    let n_failed = n_rows / 2;
    // Reported as failed.
    let report = ok(&args(&["report", s(&full)]));
    let text = String::from_utf8_lossy(&report.stdout).to_string();
    assert!(
        text.contains(&format!("{planned} of {planned} stored, {n_failed} failed")),
        "{n_rows} step-budget rows in the CSV:\n{text}"
    );
    // Shards merge into the same results, failures included.
    let mut shards = Vec::new();
    for i in 0..2 {
        let db = dir.file(&format!("shard-{i}.db"));
        let mut a = tournament_args(&scenario, &db, 1, 1);
        budget(&mut a);
        a.extend(["--shard".into(), format!("{i}/2"), "--quiet".into()]);
        ok(&a);
        shards.push(db);
    }
    let all = dir.file("all.db");
    let mut m = vec!["merge".to_string()];
    m.extend(shards.iter().map(|p| s(p).to_string()));
    m.extend(["--into".into(), s(&all).into()]);
    ok(&m);
    let merged = export(&all, &dir.file("all.csv"));
    assert_eq!(String::from_utf8_lossy(&merged), csv);
}

#[test]
fn single_text_tournaments_rank_mediators() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let run_into = |db: &Path, threads: &str| {
        ok(&args(&[
            "--threads",
            threads,
            "tournament",
            "--scenario",
            s(&scenario),
            "--strategy",
            "boulware",
            "conceder",
            "--protocol",
            "single-text",
            "--mediator",
            "blind",
            "feedback",
            "trusted-nash",
            "--rounds",
            "30",
            "--quiet",
            "--db",
            s(db),
        ]))
    };
    let (a, b) = (dir.file("a.db"), dir.file("b.db"));
    run_into(&a, "1");
    run_into(&b, "2");
    // Same results at any thread count, byte for byte.
    assert_eq!(
        export(&a, &dir.file("a.csv")),
        export(&b, &dir.file("b.csv"))
    );
    let report = ok(&args(&["report", s(&a), "--json"]));
    let j: serde_json::Value = serde_json::from_slice(&report.stdout).expect("JSON");
    assert_eq!(j["protocol"], "single-text");
    // 2² strategy tuples × 2 rotations × 3 mediators.
    assert_eq!(j["n_negotiations"], 24);
    let ranking = j["mediator_ranking"]
        .as_array()
        .expect("a mediator ranking");
    assert_eq!(ranking.len(), 3);
    for (i, m) in ranking.iter().enumerate() {
        assert_eq!(m["rank"], i + 1);
        assert_eq!(m["negotiations"], 8);
        for key in [
            "agreement_rate",
            "consultations",
            "questions",
            "welfare",
            "pareto_distance",
            "nash_distance",
        ] {
            assert!(m[key]["mean"].is_number(), "{key}: {m}");
        }
    }
    let blind = ranking.iter().find(|m| m["mediator"] == "blind").unwrap();
    assert!(blind["questions"]["mean"].as_f64().unwrap() > 0.0);
    let text = ok(&args(&["report", s(&a)]));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("rank  mediator") && text.contains("consultations"),
        "{text}"
    );
    assert!(text.contains("trusted-nash"), "{text}");
    // An SAO report says so and has no mediator ranking.
    let sao = dir.file("sao.db");
    ok(&args(&[
        "tournament",
        "--scenario",
        s(&scenario),
        "--strategy",
        "boulware",
        "--quiet",
        "--db",
        s(&sao),
    ]));
    let j: serde_json::Value =
        serde_json::from_slice(&ok(&args(&["report", s(&sao), "--json"])).stdout).unwrap();
    assert_eq!(j["protocol"], "sao");
    assert!(j["mediator_ranking"].is_null());
}

#[test]
fn bad_mediated_tournaments_are_usage_errors() {
    let dir = Dir::new();
    let scenario = dir.scenario();
    let db = dir.file("r.db");
    let base = |extra: &[&str]| {
        let mut a = args(&[
            "tournament",
            "--scenario",
            s(&scenario),
            "--db",
            s(&db),
            "--strategy",
        ]);
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    for (cmd, want) in [
        (
            base(&[
                "boulware",
                "--protocol",
                "single-text",
                "--mediator",
                "oracle",
            ]),
            "--mediator: unknown mediator strategy 'oracle'; valid: hill-climbing, veto",
        ),
        (
            base(&["boulware", "--mediator", "blind"]),
            "--mediator only applies to --protocol single-text",
        ),
        (
            base(&["boulware", "--protocol", "auction"]),
            "--protocol: unknown protocol 'auction'; valid: sao, single-text",
        ),
        (
            base(&["micro", "--protocol", "single-text"]),
            "cannot review a single text",
        ),
        (
            base(&[
                "boulware",
                "--protocol",
                "single-text",
                "--mediator",
                "blind",
                "blind",
            ]),
            "mediator 'blind' is listed twice",
        ),
    ] {
        let out = run(&cmd);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{cmd:?}: {stderr}");
    }
    assert!(!db.exists(), "a usage error must not create the database");
}

/// Makes offers like boulware until round 3, then panics (no built-in strategy panics, so the
/// tournament is built in code and stored through the library, as `detente tournament` does).
struct Saboteur(Box<dyn detente_core::negotiator::Negotiator>);

impl detente_core::negotiator::Negotiator for Saboteur {
    fn act(
        &mut self,
        view: &detente_core::negotiator::View<'_>,
    ) -> detente_core::negotiator::Action {
        if view.clock.round == 3 {
            panic!("saboteur strikes in round {}", view.clock.round);
        }
        self.0.act(view)
    }
}

/// Boulware, conceder and the saboteur on `SCENARIO`, 2 repetitions (3² pairs × 2 rotations ×
/// 2 = 36 negotiations, 20 with the saboteur).
fn saboteur_tournament() -> detente_tournament::Tournament {
    use detente_core::negotiator::Strategy;
    use detente_tournament::{Player, ScenarioEntry, Tournament, TournamentConfig};
    let scenario = detente_formats::native::read_str(SCENARIO, None).expect("the scenario");
    let saboteur = Player::custom("saboteur", |init| {
        Box::new(Saboteur(Strategy::Boulware.build(init)))
    });
    Tournament::new(
        vec![ScenarioEntry::new(scenario)],
        vec![
            Player::builtin(Strategy::Boulware),
            Player::builtin(Strategy::Conceder),
            saboteur,
        ],
        TournamentConfig {
            rounds: 30,
            reps: 2,
            seed: 9,
            ..TournamentConfig::default()
        },
    )
    .expect("the tournament")
}

/// Runs (or resumes) `t`'s shard into `db` as `detente tournament` does: open, `begin` (which
/// returns what is done), run skipping it, finish. `cut_after` makes the sink fail after that
/// many records, as a crash would.
fn run_into_store(
    t: &detente_tournament::Tournament,
    db: &Path,
    shard: detente_tournament::Shard,
    cut_after: Option<usize>,
) -> Option<detente_tournament::RunSummary> {
    use detente_tournament::{Record, RunOptions};
    let mut store = detente_store::Store::open(db).expect("open the store");
    let done = store.begin(&t.describe()).expect("begin");
    let mut writer = store.writer();
    let options = RunOptions {
        threads: Some(2),
        shard,
        skip: Some(&done),
    };
    let mut n = 0;
    let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        n += 1;
        if cut_after.is_some_and(|c| n > c) {
            return Err("power cut".into());
        }
        writer.push(&r)?;
        Ok(())
    };
    let summary = t.run(&options, &mut sink).ok();
    writer.finish().expect("finish");
    summary
}

/// A negotiator that panics is a failure like a step budget (issue 17 item 14): the panic is
/// recorded with its message, an interrupted run resumes to the same records, `report` counts
/// the failures, `export` writes them with their kind and message, and shards merge into the
/// same export as a whole run.
#[test]
fn a_panicking_negotiator_survives_store_resume_export_report_and_merge() {
    use detente_tournament::Shard;
    detente_tournament::quiet_worker_panics();
    let dir = Dir::new();
    let t = saboteur_tournament();
    let planned = 36;
    // The saboteur sits in 5 of the 9 ordered pairs: 5 × 2 rotations × 2 reps.
    let failed = 20;

    let full = dir.file("full.db");
    let summary = run_into_store(&t, &full, Shard::ALL, None).expect("the run");
    assert_eq!((summary.ran, summary.failed), (planned, failed));
    assert_eq!(counts(&full).0, planned as i64);

    // Stopped after 10 records, then resumed: every negotiation stored once, the same export.
    let part = dir.file("part.db");
    assert!(run_into_store(&t, &part, Shard::ALL, Some(10)).is_none());
    assert_eq!(counts(&part).0, 10);
    let resumed = run_into_store(&t, &part, Shard::ALL, None).expect("the resumed run");
    assert_eq!((resumed.skipped, resumed.ran), (10, planned - 10));
    assert_eq!(counts(&part), counts(&full));
    let again = run_into_store(&t, &part, Shard::ALL, None).expect("a rerun");
    assert_eq!((again.skipped, again.ran), (planned, 0));

    // Exported by the CLI with the kind and the panic message, one row per seat.
    let csv = export(&full, &dir.file("full.csv"));
    assert_eq!(csv, export(&part, &dir.file("part.csv")));
    let csv = String::from_utf8(csv).expect("UTF-8");
    let rows: Vec<&str> = csv.lines().filter(|l| l.contains(",panic,")).collect();
    assert_eq!(rows.len() as u64, 2 * failed, "{csv}");
    assert!(
        rows.iter()
            .all(|l| l.contains("saboteur strikes in round 3")),
        "{csv}"
    );

    // Reported by the CLI as failed, in the totals and in the saboteur's row.
    let report = ok(&args(&["report", s(&full)]));
    let text = String::from_utf8_lossy(&report.stdout).to_string();
    assert!(
        text.contains(&format!("{planned} of {planned} stored, {failed} failed")),
        "{text}"
    );
    let json = ok(&args(&["report", s(&full), "--json"]));
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(j["failed"], failed, "{j}");
    let saboteur = j["ranking"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["strategy"] == "saboteur"))
        .unwrap_or_else(|| panic!("no saboteur in {j}"));
    assert_eq!(saboteur["failed"], saboteur["participations"], "{saboteur}");

    // Shards merged by the CLI give the same export, failures included.
    let shards: Vec<PathBuf> = (0..3)
        .map(|i| {
            let p = dir.file(&format!("shard-{i}.db"));
            run_into_store(&t, &p, Shard::new(i, 3).expect("shard"), None).expect("a shard");
            p
        })
        .collect();
    let all = dir.file("all.db");
    let mut m = vec!["merge".to_string()];
    m.extend(shards.iter().map(|p| s(p).to_string()));
    m.extend(["--into".into(), s(&all).into()]);
    ok(&m);
    let merged = export(&all, &dir.file("all.csv"));
    assert_eq!(String::from_utf8_lossy(&merged), csv);
}
