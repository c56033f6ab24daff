//! Files that are not ours, or not of our schema version, are refused and left byte-identical;
//! a database of another tournament is refused too.

use std::path::Path;

use detente_store::schema::{APPLICATION_ID, SCHEMA_VERSION};
use detente_store::{ErrorKind, Store, merge};
use detente_tournament::Shard;
use rusqlite::Connection;

use crate::util::{Dir, records, run_into, tournament};

/// Opening `path` for writing, for reading and as a merge target all fail with `want`, and the
/// file's bytes do not change.
fn refused(path: &Path, want: &str) {
    let before = std::fs::read(path).unwrap();
    let e = Store::open(path).unwrap_err();
    assert_eq!(e.to_string(), want);
    let e = Store::open_read_only(path).unwrap_err();
    assert_eq!(e.to_string(), want);
    assert_eq!(std::fs::read(path).unwrap(), before, "the file changed");
    assert!(!path.with_extension("db-wal").exists());
}

#[test]
fn a_text_file_is_refused_and_left_unchanged() {
    let dir = Dir::new();
    let path = dir.file("notes.db");
    std::fs::write(&path, "my precious notes, not a database\n".repeat(100)).unwrap();
    refused(
        &path,
        &format!(
            "'{}' is not a detente results database (not an SQLite file); it was left unchanged",
            path.display()
        ),
    );
    let short = dir.file("short.db");
    std::fs::write(&short, "SQLite").unwrap();
    refused(
        &short,
        &format!(
            "'{}' is not a detente results database (not an SQLite file); it was left unchanged",
            short.display()
        ),
    );
}

#[test]
fn another_schema_version_is_refused_and_left_unchanged() {
    let dir = Dir::new();
    let path = dir.file("future.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
             INSERT INTO meta VALUES ('schema_version', '{}');
             CREATE TABLE negotiations (id INTEGER PRIMARY KEY, payload BLOB);
             INSERT INTO negotiations VALUES (1, x'00ff');",
            SCHEMA_VERSION + 1,
            SCHEMA_VERSION + 1
        ))
        .unwrap();
    }
    refused(
        &path,
        &format!(
            "'{}' uses results schema version 3, but this detente reads version 2 only; it was left unchanged",
            path.display()
        ),
    );
    let out = dir.file("all.db");
    let e = merge(&out, std::slice::from_ref(&path)).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::SchemaVersion { found: 3, .. }
    ));
    assert!(!out.exists(), "a refused merge must not create its target");
}

#[test]
fn another_programs_database_is_refused_and_left_unchanged() {
    let dir = Dir::new();
    let path = dir.file("app.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');")
            .unwrap();
    }
    refused(
        &path,
        &format!(
            "'{}' is an SQLite database but not a detente results database (application id 0x0, 1 schema object); it was left unchanged",
            path.display()
        ),
    );
}

#[test]
fn an_empty_file_becomes_a_database() {
    let dir = Dir::new();
    let path = dir.file("empty.db");
    std::fs::write(&path, "").unwrap();
    run_into(&tournament(1), &path, 1, Shard::ALL);
    assert_eq!(records(&path).len(), 96);
}

#[test]
fn another_tournament_is_refused_and_the_database_unchanged() {
    let dir = Dir::new();
    let path = dir.file("results.db");
    let first = tournament(1);
    run_into(&first, &path, 1, Shard::ALL);
    let before = records(&path);
    let other = tournament(2);
    let mut store = Store::open(&path).unwrap();
    let e = store.begin(&other.describe()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "'{}' holds results of another tournament (fingerprint {}; this one is {}): the \
             scenarios, strategies or settings differ; use another database file",
            path.display(),
            first.fingerprint(),
            other.fingerprint()
        )
    );
    drop(store);
    assert_eq!(records(&path), before);
}

#[test]
fn reading_a_missing_file_does_not_create_it() {
    let dir = Dir::new();
    let path = dir.file("nothing.db");
    let e = Store::open_read_only(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("'{}' does not exist", path.display())
    );
    assert!(!path.exists());
}

#[test]
fn a_version_1_database_is_refused_with_a_clear_message_and_left_unchanged() {
    let dir = Dir::new();
    let path = dir.file("old.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
             INSERT INTO meta VALUES ('schema_version', '1');"
        ))
        .unwrap();
    }
    refused(
        &path,
        &format!(
            "'{}' uses results schema version 1, but this detente reads version 2 only; it was \
             left unchanged (an older detente wrote it: read it with that version, or rerun the \
             tournament into a new file)",
            path.display()
        ),
    );
}
