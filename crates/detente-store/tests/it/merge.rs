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
    let e = merge(&all, &[a, b.clone()]).unwrap_err();
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
