//! Single-text tournaments round-trip through the store: the protocol and mediators in the
//! description, the mediator index and question counts in every record, the mediator ranking.

use detente_core::negotiator::Strategy;
use detente_store::Store;
use detente_tournament::{
    MediatorRanker, MediatorStrategy, Player, Protocol, ScenarioEntry, Shard, Tournament,
    TournamentConfig,
};

use crate::util::{Dir, haggle, records, run_into};

fn mediated(seed: u64) -> Tournament {
    Tournament::new(
        vec![ScenarioEntry::new(haggle())],
        ["boulware", "conceder"]
            .iter()
            .map(|s| Player::builtin(s.parse::<Strategy>().unwrap()))
            .collect(),
        TournamentConfig {
            rounds: 30,
            reps: 2,
            seed,
            traces: true,
            protocol: Protocol::SingleText {
                mediators: vec![MediatorStrategy::Blind, MediatorStrategy::Feedback],
            },
            ..TournamentConfig::default()
        },
    )
    .unwrap()
}

#[test]
fn single_text_records_and_the_mediator_ranking_round_trip() {
    let t = mediated(4);
    let dir = Dir::new();
    let db = dir.file("text.db");
    run_into(&t, &db, 2, Shard::ALL);
    let store = Store::open_read_only(&db).unwrap();
    let d = store.require_description().unwrap();
    assert_eq!(d, t.describe());
    assert_eq!(d.config.protocol.as_str(), "single-text");
    let stored = records(&db);
    assert_eq!(stored.len() as u64, t.n_negotiations());
    // 2² tuples × 2 rotations × 2 mediators × 2 reps.
    assert_eq!(stored.len(), 32);
    for r in &stored {
        assert_eq!(Some(r), t.run_one(r.id).as_ref(), "negotiation {}", r.id);
        assert!(r.metrics.as_ref().unwrap().questions.is_some());
    }
    assert!(stored.iter().any(|r| r.key.mediator == 1));
    assert!(
        stored
            .iter()
            .any(|r| r.key.mediator == 0 && r.metrics.as_ref().unwrap().questions > Some(0))
    );
    let mut ranker = MediatorRanker::new(vec!["blind".into(), "feedback".into()]);
    for r in &stored {
        ranker.add(r);
    }
    assert_eq!(store.mediator_ranking().unwrap(), ranker.finish());
    // The SQL view names the mediator.
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (n, named): (i64, i64) = conn
        .query_row(
            "SELECT count(DISTINCT negotiation_id), count(DISTINCT mediator) FROM results \
             WHERE questions IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((n, named), (32, 2));
}

#[test]
fn an_sao_store_has_no_mediators() {
    let t = crate::util::tournament(1);
    let dir = Dir::new();
    let db = dir.file("sao.db");
    run_into(&t, &db, 1, Shard::ALL);
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(
        store.require_description().unwrap().config.protocol,
        Protocol::Sao
    );
    assert!(store.mediator_ranking().unwrap().is_empty());
    assert!(
        records(&db)
            .iter()
            .all(|r| r.key.mediator == 0
                && r.metrics.as_ref().map_or(true, |m| m.questions.is_none()))
    );
}
