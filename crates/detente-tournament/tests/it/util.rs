//! Fixtures: small scenarios built in code, and helpers that run a tournament into a vector.

use detente_core::negotiator::Strategy;
use detente_core::{
    Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction, ValueFunction,
};
use detente_tournament::{
    Player, Record, RunOptions, RunSummary, ScenarioEntry, Tournament, TournamentConfig,
};

/// A buyer and a seller haggling over a price 0..=10 and a delivery date, reservation 0.2.
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
    let party = |name: &str, price: Vec<(f64, f64)>, delivery: Vec<f64>| {
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
            Preferences::new(u, 0.2, RedLines::none(2), 1.0).unwrap(),
        )
    };
    Scenario::new(
        "haggle",
        space.clone(),
        vec![
            party("buyer", vec![(0.0, 1.0), (10.0, 0.0)], vec![1.0, 0.6, 0.0]),
            party("seller", vec![(0.0, 0.0), (10.0, 1.0)], vec![0.2, 0.5, 1.0]),
        ],
    )
    .unwrap()
}

/// Three parties splitting three discrete issues, with a discount factor of 0.99 for one.
pub(crate) fn trio() -> Scenario {
    let opts = || vec!["a".into(), "b".into(), "c".into()];
    let space = OutcomeSpace::new(vec![
        Issue::discrete("x", opts()).unwrap(),
        Issue::discrete("y", opts()).unwrap(),
        Issue::discrete("z", opts()).unwrap(),
    ])
    .unwrap();
    let party = |name: &str, w: [f64; 3], vals: [[f64; 3]; 3], r: f64, d: f64| {
        let u = UtilityFunction::weighted_sum(
            &space,
            name,
            &w,
            &vals.map(|v| Some(ValueFunction::Table(v.to_vec()))),
        )
        .unwrap();
        Party::new(name, Preferences::new(u, r, RedLines::none(3), d).unwrap())
    };
    Scenario::new(
        "trio",
        space.clone(),
        vec![
            party(
                "p",
                [0.5, 0.3, 0.2],
                [[1.0, 0.5, 0.0], [0.0, 0.5, 1.0], [0.3, 1.0, 0.0]],
                0.3,
                1.0,
            ),
            party(
                "q",
                [0.2, 0.5, 0.3],
                [[0.0, 0.5, 1.0], [1.0, 0.5, 0.0], [0.0, 0.3, 1.0]],
                0.25,
                0.99,
            ),
            party(
                "r",
                [0.3, 0.2, 0.5],
                [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0], [1.0, 0.0, 0.3]],
                0.2,
                1.0,
            ),
        ],
    )
    .unwrap()
}

/// Players for the built-in strategies with these names.
pub(crate) fn players(names: &[&str]) -> Vec<Player> {
    names
        .iter()
        .map(|n| Player::builtin(n.parse::<Strategy>().unwrap()))
        .collect()
}

/// A tournament on the given scenarios.
pub(crate) fn tournament(
    scenarios: Vec<Scenario>,
    players: Vec<Player>,
    config: TournamentConfig,
) -> Tournament {
    Tournament::new(
        scenarios.into_iter().map(ScenarioEntry::new).collect(),
        players,
        config,
    )
    .unwrap()
}

/// Runs `t` with `options` and returns the records sorted by id.
pub(crate) fn run(t: &Tournament, options: &RunOptions<'_>) -> (Vec<Record>, RunSummary) {
    let mut records = Vec::new();
    let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        records.push(r);
        Ok(())
    };
    let summary = t.run(options, &mut sink).unwrap();
    records.sort_by_key(|r| r.id);
    (records, summary)
}
