//! Merging shards: the union of the shards is the full tournament; shards of different
//! tournaments are refused.

use detente_store::{ErrorKind, Store, merge};
use detente_tournament::Shard;

use crate::util::{Dir, records, run_into, tournament};

#[test]
fn merged_shards_equal_the_full_run() {
    let dir = Dir::new();
    let t = tournament(11);
    let full = dir.file("full.db");
    run_into(&t, &full, 2, Shard::ALL);
    let shards: Vec<_> = (0..3)
        .map(|i| {
            let p = dir.file(&format!("shard-{i}.db"));
            let s = run_into(&t, &p, 1, Shard::new(i, 3).unwrap());
            assert_eq!(s.ran, 32);
            p
        })
        .collect();
    let all = dir.file("all.db");
    let summary = merge(&all, &shards).unwrap();
    assert_eq!(
        (summary.added, summary.duplicates, summary.total),
        (96, 0, 96)
    );
    assert_eq!(records(&all), records(&full));
    // Merging again (e.g. after an interrupted merge) adds nothing and checks the copies.
    let again = merge(&all, &shards[..2]).unwrap();
    assert_eq!((again.added, again.duplicates, again.total), (0, 64, 96));
    let ranking = Store::open_read_only(&all).unwrap().ranking().unwrap();
    let reference = Store::open_read_only(&full).unwrap().ranking().unwrap();
    assert_eq!(ranking, reference);
}

#[test]
fn shards_of_different_tournaments_are_refused() {
    let dir = Dir::new();
    let a = dir.file("a.db");
    let b = dir.file("b.db");
    let ta = tournament(1);
    let tb = tournament(2);
    run_into(&ta, &a, 1, Shard::new(0, 2).unwrap());
    run_into(&tb, &b, 1, Shard::new(1, 2).unwrap());
    let all = dir.file("all.db");
    let e = merge(&all, &[a.clone(), b.clone()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot merge shards of different tournaments: '{}' holds {}, '{}' holds {}",
            a.display(),
            ta.fingerprint(),
            b.display(),
            tb.fingerprint()
        )
    );
    assert!(
        !all.exists(),
        "nothing may be written before the checks pass"
    );
    // A target that already holds another tournament is refused too.
    let e = merge(&b, std::slice::from_ref(&a)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::DifferentTournament { .. }));
    // And a target that is one of the shards.
    let e = merge(&a, std::slice::from_ref(&a)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::MergeIntoShard { .. }));
}

#[test]
fn conflicting_copies_are_refused() {
    let dir = Dir::new();
    let t = tournament(5);
    let a = dir.file("a.db");
    run_into(&t, &a, 1, Shard::ALL);
    // Tamper with one result in a copy.
    let b = dir.file("b.db");
    std::fs::copy(&a, &b).unwrap();
    {
        let conn = rusqlite::Connection::open(&b).unwrap();
        conn.execute("UPDATE participants SET utility = utility + 0.5 WHERE negotiation_id = 17 AND position = 0", [])
            .unwrap();
    }
    let all = dir.file("all.db");
    let e = merge(&all, &[a.clone(), b.clone()]).unwrap_err();
    assert!(
        !all.exists(),
        "nothing may be written before every copy is checked"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "'{}' and the merged results disagree on negotiation 17; were the shards run by different versions of detente?",
            b.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn a_hard_link_to_a_shard_is_refused_as_the_target() {
    let dir = Dir::new();
    let t = tournament(4);
    let shard = dir.file("s.db");
    run_into(&t, &shard, 1, Shard::ALL);
    let link = dir.file("link.db");
    std::fs::hard_link(&shard, &link).unwrap();
    let err = detente_store::merge(&link, &[shard]).expect_err("must refuse");
    assert!(
        matches!(err.kind(), detente_store::ErrorKind::MergeIntoShard { .. }),
        "{err}"
    );
}

#[test]
fn a_target_holding_a_different_copy_is_refused_before_writing() {
    let dir = Dir::new();
    let t = tournament(6);
    let a = dir.file("a.db");
    run_into(&t, &a, 1, Shard::ALL);
    let target = dir.file("target.db");
    std::fs::copy(&a, &target).unwrap();
    {
        let conn = rusqlite::Connection::open(&target).unwrap();
        conn.execute("UPDATE participants SET utility = utility + 0.5 WHERE negotiation_id = 3 AND position = 1", [])
            .unwrap();
        conn.execute("DELETE FROM participants WHERE negotiation_id = 40", [])
            .unwrap();
        conn.execute("DELETE FROM events WHERE negotiation_id = 40", [])
            .unwrap();
        conn.execute("DELETE FROM negotiations WHERE id = 40", [])
            .unwrap();
    }
    let before = records(&target).len();
    let e = merge(&target, std::slice::from_ref(&a)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Conflict { id: 3, .. }), "{e}");
    // Negotiation 40 (missing from the target) was not copied: the check came first.
    assert_eq!(records(&target).len(), before);
}

#[test]
fn merging_no_shard_is_an_error() {
    let dir = Dir::new();
    let all = dir.file("all.db");
    let e = merge(&all, &[]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NoShards), "{e}");
    assert!(!all.exists());
}

#[test]
fn reading_leaves_no_sidecar_files() {
    let dir = Dir::new();
    let db = dir.file("r.db");
    run_into(&tournament(7), &db, 1, Shard::ALL);
    let sidecars = || {
        ["-wal", "-shm"]
            .iter()
            .filter(|x| dir.file(&format!("r.db{x}")).exists())
            .count()
    };
    assert_eq!(sidecars(), 0, "the writer leaves no sidecars on close");
    let store = Store::open_read_only(&db).unwrap();
    assert!(store.ranking().unwrap().len() > 1);
    store.export_csv(&dir.file("r.csv")).unwrap();
    drop(store);
    assert_eq!(sidecars(), 0, "a read-only open left -wal/-shm files");
}
