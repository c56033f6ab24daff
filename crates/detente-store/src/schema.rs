//! The schema (version 2) and the checks that decide whether a file may be opened.
//!
//! The schema is documented table by table in `docs/results-schema.md`; a test compares that
//! document with `PRAGMA table_info` of a fresh database. A results database identifies itself
//! three ways: SQLite's `application_id` header field ([`APPLICATION_ID`], "dtnt"), its
//! `user_version` header field ([`SCHEMA_VERSION`]) and the `meta` table, which also says so
//! in words for someone browsing the file.
//!
//! Before anything is written to an existing file, [`inspect`] reads its first bytes and then
//! opens it **read-only** to look at those fields. Only a missing file, an empty file, an
//! SQLite database without any table, or a results database of this schema version is ever
//! opened for writing; anything else is refused and stays byte-identical.
//!
//! Version 2 added single-text tournaments: `tournament.protocol`, the `mediators` table and
//! `negotiations.mediator_idx` (part of the negotiation's unique key) and
//! `negotiations.questions`. A version-1 database is refused with a message that says an
//! older detente wrote it (its results are those of SAO tournaments whose fingerprints version
//! 2 would not resume anyway).
//!
//! Non-goals: migrations. Another version is refused rather than guessed at.

use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, ErrorKind};

/// The schema version this crate reads and writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// SQLite `application_id` of a results database: the bytes "dtnt".
pub const APPLICATION_ID: i64 = 0x6474_6e74;

/// The value of `meta.format`.
pub const FORMAT: &str = "detente-results";

/// The statements that create schema version 2, in order.
pub const DDL: &str = r#"
CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tournament (
    id                 INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    fingerprint        TEXT    NOT NULL,
    seed               TEXT    NOT NULL,
    rounds             INTEGER NOT NULL,
    reps               INTEGER NOT NULL,
    max_assignments    INTEGER NOT NULL,
    max_steps          INTEGER,
    traces             INTEGER NOT NULL,
    analysis_max_nodes INTEGER NOT NULL,
    n_negotiations     INTEGER NOT NULL,
    protocol           TEXT    NOT NULL CHECK (protocol IN ('sao', 'single-text'))
);

CREATE TABLE strategies (
    strategy_idx INTEGER NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE
);

CREATE TABLE mediators (
    mediator_idx INTEGER NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE
);

CREATE TABLE scenarios (
    scenario_idx  INTEGER NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    source        TEXT,
    n_parties     INTEGER NOT NULL,
    n_possible    INTEGER NOT NULL,
    n_assignments INTEGER NOT NULL,
    pareto_size   INTEGER,
    nash          TEXT,
    note          TEXT
);

CREATE TABLE parties (
    scenario_idx INTEGER NOT NULL REFERENCES scenarios (scenario_idx),
    party_idx    INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    reservation  REAL    NOT NULL,
    PRIMARY KEY (scenario_idx, party_idx)
) WITHOUT ROWID;

CREATE TABLE negotiations (
    id                    INTEGER NOT NULL PRIMARY KEY,
    scenario_idx          INTEGER NOT NULL REFERENCES scenarios (scenario_idx),
    assignment            INTEGER NOT NULL,
    rotation              INTEGER NOT NULL,
    rep                   INTEGER NOT NULL,
    mediator_idx          INTEGER NOT NULL,
    seed                  TEXT    NOT NULL,
    status                TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    failure_kind          TEXT,
    failure               TEXT,
    agreement             INTEGER,
    outcome               TEXT,
    rounds                INTEGER,
    welfare               REAL,
    pareto_distance       REAL,
    nash_distance         REAL,
    individually_rational INTEGER,
    ended_by              INTEGER,
    questions             INTEGER,
    UNIQUE (scenario_idx, assignment, rep, mediator_idx)
);

CREATE TABLE participants (
    negotiation_id INTEGER NOT NULL REFERENCES negotiations (id),
    position       INTEGER NOT NULL,
    strategy_idx   INTEGER NOT NULL REFERENCES strategies (strategy_idx),
    party_idx      INTEGER NOT NULL,
    utility        REAL,
    PRIMARY KEY (negotiation_id, position)
) WITHOUT ROWID;

CREATE TABLE events (
    negotiation_id INTEGER NOT NULL REFERENCES negotiations (id),
    step           INTEGER NOT NULL,
    round          INTEGER NOT NULL,
    position       INTEGER,
    kind           TEXT    NOT NULL,
    outcome        TEXT,
    detail         TEXT,
    PRIMARY KEY (negotiation_id, step)
) WITHOUT ROWID;

CREATE VIEW results AS
SELECT n.id AS negotiation_id, n.scenario_idx, s.name AS scenario, n.assignment, n.rotation,
       n.rep, n.seed, p.position, p.strategy_idx, st.name AS strategy, p.party_idx,
       pa.name AS party, p.utility, n.status, n.failure_kind, n.failure, n.agreement,
       n.outcome, n.rounds, n.welfare, n.pareto_distance, n.nash_distance,
       n.individually_rational, n.ended_by, n.mediator_idx, m.name AS mediator, n.questions
FROM negotiations AS n
JOIN participants AS p ON p.negotiation_id = n.id
JOIN scenarios AS s ON s.scenario_idx = n.scenario_idx
JOIN strategies AS st ON st.strategy_idx = p.strategy_idx
JOIN parties AS pa ON pa.scenario_idx = n.scenario_idx AND pa.party_idx = p.party_idx
LEFT JOIN mediators AS m ON m.mediator_idx = n.mediator_idx;
"#;

/// What a path holds, as far as opening it is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// No file.
    Missing,
    /// A zero-length file, or an SQLite database with nothing in it.
    Blank,
    /// A results database of this schema version.
    Ours,
}

/// Decides whether `path` may be opened, without writing to it (see the module docs).
pub(crate) fn inspect(path: &Path) -> Result<State, Error> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Missing),
        Err(e) => return Err(Error::io(path)(e)),
    };
    let not_db = || {
        Error::new(ErrorKind::NotADatabase {
            path: path.to_path_buf(),
        })
    };
    if meta.is_dir() {
        return Err(not_db());
    }
    if meta.len() == 0 {
        return Ok(State::Blank);
    }
    let mut header = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(Error::io(path))?;
    match f.read_exact(&mut header) {
        Ok(()) if &header == b"SQLite format 3\0" => {}
        Ok(()) => return Err(not_db()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(not_db()),
        Err(e) => return Err(Error::io(path)(e)),
    }
    drop(f);
    let conn = crate::open_reader(path).map_err(Error::sqlite(path))?;
    let pragma = |name: &str| -> Result<i64, Error> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|_| not_db())
    };
    let application_id = pragma("application_id")?;
    let user_version = pragma("user_version")?;
    let n_objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|_| not_db())?;
    if application_id != APPLICATION_ID {
        if application_id == 0 && n_objects == 0 {
            return Ok(State::Blank);
        }
        return Err(Error::new(ErrorKind::ForeignDatabase {
            path: path.to_path_buf(),
            detail: format!(
                "application id {application_id:#x}, {n_objects} schema object{}",
                if n_objects == 1 { "" } else { "s" }
            ),
        }));
    }
    if user_version != SCHEMA_VERSION {
        return Err(Error::new(ErrorKind::SchemaVersion {
            path: path.to_path_buf(),
            found: user_version,
            expected: SCHEMA_VERSION,
        }));
    }
    let recorded: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    if recorded.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
        return Err(Error::new(ErrorKind::ForeignDatabase {
            path: path.to_path_buf(),
            detail: format!(
                "its meta table records schema version {}",
                recorded.unwrap_or_else(|| "nothing".into())
            ),
        }));
    }
    Ok(State::Ours)
}

/// Creates the schema in an empty database, in one transaction.
pub(crate) fn create(conn: &mut Connection, path: &Path) -> Result<(), Error> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(Error::sqlite(path))?;
    let n_objects: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(Error::sqlite(path))?;
    if n_objects != 0 {
        // Another process initialised it between our inspection and now; check it again.
        drop(tx);
        return match inspect(path)? {
            State::Ours => Ok(()),
            _ => Err(Error::new(ErrorKind::ForeignDatabase {
                path: path.to_path_buf(),
                detail: "it changed while being opened".into(),
            })),
        };
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
    ))
    .map_err(Error::sqlite(path))?;
    tx.execute_batch(DDL).map_err(Error::sqlite(path))?;
    for (k, v) in [
        ("format", FORMAT.to_string()),
        ("schema_version", SCHEMA_VERSION.to_string()),
        (
            "created_by",
            format!("detente-store {}", env!("CARGO_PKG_VERSION")),
        ),
    ] {
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", (k, v))
            .map_err(Error::sqlite(path))?;
    }
    tx.commit().map_err(Error::sqlite(path))
}
