//! Resuming: a run stopped part-way and rerun stores every negotiation exactly once, with the
//! same results as an uninterrupted run.

use detente_store::Store;
use detente_tournament::{Record, RunOptions, Shard};

use crate::util::{Dir, records, run_into, tournament};

#[test]
fn an_interrupted_run_resumes_without_loss_or_duplicates() {
    let dir = Dir::new();
    let t = tournament(7);
    // The reference: one uninterrupted run.
    let full = dir.file("full.db");
    run_into(&t, &full, 2, Shard::ALL);
    let want = records(&full);
    assert_eq!(want.len(), 96);

    // A run whose sink dies after 30 records (as a crash would, minus the uncommitted tail:
    // the writer is dropped without `finish`, which still commits what it holds).
    let part = dir.file("part.db");
    {
        let mut store = Store::open(&part).unwrap();
        let done = store.begin(&t.describe()).unwrap();
        assert!(done.is_empty());
        let mut writer = store.writer();
        let mut n = 0;
        let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            n += 1;
            if n > 30 {
                return Err("power cut".into());
            }
            writer.push(&r)?;
            Ok(())
        };
        let e = t
            .run(
                &RunOptions {
                    threads: Some(2),
                    skip: Some(&done),
                    ..RunOptions::default()
                },
                &mut sink,
            )
            .unwrap_err();
        assert_eq!(e.to_string(), "cannot store a result");
    }
    assert_eq!(records(&part).len(), 30);

    let summary = run_into(&t, &part, 1, Shard::ALL);
    assert_eq!(summary.skipped, 30);
    assert_eq!(summary.ran, 66);
    let got = records(&part);
    assert_eq!(got, want);

    // A third run finds nothing to do and changes nothing.
    let summary = run_into(&t, &part, 2, Shard::ALL);
    assert_eq!((summary.skipped, summary.ran), (96, 0));
    assert_eq!(records(&part), want);
    let counts = Store::open_read_only(&part).unwrap().counts().unwrap();
    assert_eq!((counts.planned, counts.stored), (96, 96));
}

#[test]
fn writing_a_record_twice_stores_it_once() {
    let dir = Dir::new();
    let t = tournament(3);
    let path = dir.file("results.db");
    let mut store = Store::open(&path).unwrap();
    store.begin(&t.describe()).unwrap();
    let r = t.run_one(5).unwrap();
    let mut writer = store.writer();
    assert!(writer.push(&r).unwrap());
    assert!(!writer.push(&r).unwrap());
    writer.finish().unwrap();
    drop(store);
    assert_eq!(records(&path), vec![r]);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let seats: i64 = conn
        .query_row("SELECT count(*) FROM participants", [], |row| row.get(0))
        .unwrap();
    assert_eq!(seats, 2);
}
