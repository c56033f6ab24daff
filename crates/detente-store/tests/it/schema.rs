//! The documented schema is the real schema, and Python's built-in sqlite3 reads the file.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use detente_tournament::Shard;
use rusqlite::Connection;

use crate::util::{Dir, run_into, tournament};

/// One documented column: type, not null, part of the primary key.
type Columns = Vec<(String, String, bool, bool)>;

/// Parses the `### \`table\`` sections and their `| \`column\` | TYPE | yes | PK | … |` rows.
fn documented() -> BTreeMap<String, (bool, Columns)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/results-schema.md");
    let text = std::fs::read_to_string(&path).expect("docs/results-schema.md exists");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### `") {
            let (name, tail) = rest.split_once('`').expect("a closing backtick");
            tables.insert(name.to_string(), (tail.contains("(view)"), Vec::new()));
            current = Some(name.to_string());
        } else if line.starts_with("## ") {
            current = None;
        } else if let (Some(t), Some(row)) = (&current, line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let name = cells[0].trim_end_matches('`').to_string();
            let columns = &mut tables.get_mut(t).unwrap().1;
            columns.push((
                name,
                cells[1].to_string(),
                cells[2] == "yes",
                cells[3].contains("PK"),
            ));
        }
    }
    tables
}

fn actual(conn: &Connection) -> BTreeMap<String, (bool, Columns)> {
    let mut stmt = conn
        .prepare(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name",
        )
        .unwrap();
    let objects: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = BTreeMap::new();
    for (name, kind) in objects {
        let mut info = conn
            .prepare(&format!("PRAGMA table_info(\"{name}\")"))
            .unwrap();
        let columns = info
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, i64>(5)? > 0,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.insert(name, (kind == "view", columns));
    }
    out
}

#[test]
fn the_schema_document_matches_the_database() {
    let dir = Dir::new();
    let db = dir.file("results.db");
    run_into(&tournament(1), &db, 1, Shard::ALL);
    let conn = Connection::open(&db).unwrap();
    let doc = documented();
    let real = actual(&conn);
    assert_eq!(
        doc.keys().collect::<Vec<_>>(),
        real.keys().collect::<Vec<_>>(),
        "documented tables vs real tables"
    );
    for (name, (is_view, cols)) in &real {
        let (doc_view, doc_cols) = &doc[name];
        assert_eq!(doc_view, is_view, "{name}: table or view");
        if *is_view {
            let names = |c: &Columns| c.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
            assert_eq!(names(doc_cols), names(cols), "columns of view {name}");
        } else {
            assert_eq!(doc_cols, cols, "columns of table {name}");
        }
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, detente_store::schema::SCHEMA_VERSION);
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn python_sqlite3_reads_the_database() {
    let probe = Command::new("python3").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("python3 is not installed: skipping the Python reader check");
        return;
    }
    let dir = Dir::new();
    let db = dir.file("results.db");
    run_into(&tournament(1), &db, 2, Shard::ALL);
    let script = "import sqlite3, sys\n\
        con = sqlite3.connect(sys.argv[1])\n\
        n = con.execute(\"SELECT count(*) FROM negotiations\").fetchone()[0]\n\
        rows = con.execute(\"SELECT strategy, count(*), round(avg(utility), 12) FROM results \
          WHERE status = 'ok' GROUP BY strategy ORDER BY strategy\").fetchall()\n\
        print(n)\n\
        for r in rows: print(*r)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("96"));
    // Each of the 4 strategies holds a quarter of the 96 × 2 seats.
    let conn = Connection::open(&db).unwrap();
    let lines: Vec<&str> = lines.collect();
    assert_eq!(lines.len(), 4, "{text}");
    for line in lines {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[1], "48", "{line}");
        let mean: f64 = conn
            .query_row(
                "SELECT avg(utility) FROM results WHERE strategy = ?1",
                [parts[0]],
                |r| r.get(0),
            )
            .unwrap();
        assert!((mean - parts[2].parse::<f64>().unwrap()).abs() < 1e-11);
    }
}
