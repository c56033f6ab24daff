//! Fixtures: a small tournament built in code, and helpers to run it into a database.

use std::path::{Path, PathBuf};

use detente_core::negotiator::Strategy;
use detente_core::{
    Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction, ValueFunction,
};
use detente_store::Store;
use detente_tournament::{
    Player, Record, RunOptions, RunSummary, ScenarioEntry, Shard, Tournament, TournamentConfig,
};

/// A buyer and a seller over a price and a delivery date; the seller discounts.
pub(crate) fn haggle() -> Scenario {
    let space = OutcomeSpace::new(vec![
        Issue::integer("price", 0, 10, 1).unwrap(),
        Issue::discrete(
            "delivery",
            vec!["now".into(), "week".into(), "month".into()],
        )
        .unwrap(),
    ])
    .unwrap();
    let party = |name: &str, price: Vec<(f64, f64)>, delivery: Vec<f64>, d: f64| {
        let u = UtilityFunction::weighted_sum(
            &space,
            name,
            &[0.7, 0.3],
            &[
                Some(ValueFunction::PiecewiseLinear(price)),
                Some(ValueFunction::Table(delivery)),
            ],
        )
        .unwrap();
        Party::new(
            name,
            Preferences::new(u, 0.2, RedLines::none(2), d).unwrap(),
        )
    };
    Scenario::new(
        "haggle",
        space.clone(),
        vec![
            party(
                "buyer",
                vec![(0.0, 1.0), (10.0, 0.0)],
                vec![1.0, 0.6, 0.0],
                1.0,
            ),
            party(
                "seller",
                vec![(0.0, 0.0), (10.0, 1.0)],
                vec![0.2, 0.5, 1.0],
                0.98,
            ),
        ],
    )
    .unwrap()
}

pub(crate) const STRATEGIES: [&str; 4] = ["boulware", "conceder", "random", "micro"];

/// The fixture tournament: `STRATEGIES` on `haggle`, 3 reps, traces on (96 negotiations).
pub(crate) fn tournament(seed: u64) -> Tournament {
    Tournament::new(
        vec![ScenarioEntry {
            name: "haggle".into(),
            source: Some("built in code".into()),
            scenario: haggle(),
        }],
        STRATEGIES
            .iter()
            .map(|s| Player::builtin(s.parse::<Strategy>().unwrap()))
            .collect(),
        TournamentConfig {
            rounds: 40,
            reps: 3,
            seed,
            traces: true,
            ..TournamentConfig::default()
        },
    )
    .unwrap()
}

/// Runs (or resumes) `t` into the database at `path`.
pub(crate) fn run_into(t: &Tournament, path: &Path, threads: usize, shard: Shard) -> RunSummary {
    let mut store = Store::open(path).unwrap();
    let done = store.begin(&t.describe()).unwrap();
    let mut writer = store.writer();
    let summary = t
        .run(
            &RunOptions {
                threads: Some(threads),
                shard,
                skip: Some(&done),
            },
            &mut writer,
        )
        .unwrap();
    writer.finish().unwrap();
    summary
}

/// Every record in the database, in id order.
pub(crate) fn records(path: &Path) -> Vec<Record> {
    let store = Store::open_read_only(path).unwrap();
    let mut out = Vec::new();
    store
        .for_each_record(true, &mut |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
    out
}

/// A temporary directory with a path helper.
pub(crate) struct Dir(tempfile::TempDir);

impl Dir {
    pub(crate) fn new() -> Dir {
        Dir(tempfile::Builder::new()
            .prefix("detente-store-")
            .tempdir()
            .unwrap())
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}
