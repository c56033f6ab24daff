//! Ranking statistics against a hand-computed example.
//!
//! Two strategies, A (0) and B (1), four negotiations:
//!
//! | id | seats | payoffs    | agreement | welfare | pareto | nash |
//! |----|-------|------------|-----------|---------|--------|------|
//! | 0  | A, B  | 0.6, 0.2   | yes       | 0.8     | 0.1    | 0.2  |
//! | 1  | B, A  | 0.5, 0.3   | yes       | 0.8     | 0.3    | —    |
//! | 2  | A, A  | 0.2, 0.2   | no        | 0.4     | 0.5    | 0.6  |
//! | 3  | B, B  | failed     |           |         |        |      |
//!
//! A's utilities are 0.6, 0.3, 0.2, 0.2: mean 0.325, sample variance 0.1075 / 3, standard
//! error 0.094648..., t(0.975, 3) = 3.182446305 → half-width 0.3012137... B's are 0.2, 0.5:
//! mean 0.35, s = 0.212132..., standard error 0.15, t(0.975, 1) = 12.706204736 → half-width
//! 1.905930710. Agreement rates use the Wilson interval with z = 1.959963985: A has 2 of 4
//! (0.150039, 0.849961) and B 2 of 2 (0.342380, 1).

use detente_tournament::{
    Failure, FailureKind, Key, Metrics, Ranker, Record, Standing, stats::Estimate,
};

fn record(id: u64, players: [usize; 2], m: Option<(f64, f64, bool, f64, Option<f64>)>) -> Record {
    Record {
        id,
        key: Key {
            scenario_idx: 0,
            assignment: id,
            rep: 0,
            mediator: 0,
        },
        rotation: 0,
        seed: id,
        players: players.to_vec(),
        parties: vec![0, 1],
        metrics: match m {
            Some((u0, u1, agreed, pareto, nash)) => Ok(Metrics {
                agreement: agreed.then(|| vec![0]),
                rounds: 5,
                utilities: vec![u0, u1],
                welfare: u0 + u1,
                pareto_distance: Some(pareto),
                nash_distance: nash,
                individually_rational: true,
                ended_by: None,
                questions: None,
            }),
            None => Err(Failure {
                kind: FailureKind::Panic,
                message: "boom".into(),
            }),
        },
        trace: None,
    }
}

fn standings() -> Vec<Standing> {
    let mut ranker = Ranker::new(vec!["A".into(), "B".into()]);
    for r in [
        record(0, [0, 1], Some((0.6, 0.2, true, 0.1, Some(0.2)))),
        record(1, [1, 0], Some((0.5, 0.3, true, 0.3, None))),
        record(2, [0, 0], Some((0.2, 0.2, false, 0.5, Some(0.6)))),
        record(3, [1, 1], None),
    ] {
        ranker.add(&r);
    }
    ranker.finish()
}

fn check(e: Option<Estimate>, n: u64, mean: f64, ci: Option<(f64, f64)>) {
    let e = e.expect("an estimate");
    assert_eq!(e.n, n);
    assert!((e.mean - mean).abs() < 1e-9, "mean {} vs {mean}", e.mean);
    match (e.ci95, ci) {
        (Some((lo, hi)), Some((wlo, whi))) => {
            assert!((lo - wlo).abs() < 1e-6, "low {lo} vs {wlo}");
            assert!((hi - whi).abs() < 1e-6, "high {hi} vs {whi}");
        }
        (got, want) => assert_eq!(got, want),
    }
}

#[test]
fn ranking_matches_the_hand_computed_example() {
    let s = standings();
    // B's mean utility (0.35) beats A's (0.325).
    assert_eq!(s[0].name, "B");
    assert_eq!(s[1].name, "A");
    let (b, a) = (&s[0], &s[1]);

    assert_eq!((a.n_participations, a.n_failed), (4, 0));
    check(
        a.utility,
        4,
        0.325,
        Some((0.325 - 0.3012137, 0.325 + 0.3012137)),
    );
    check(a.agreement_rate, 4, 0.5, Some((0.150039, 0.849961)));
    // Welfare 0.8, 0.8, 0.4, 0.4: s = 0.230940, se = 0.115470, half-width 0.3674772.
    check(a.welfare, 4, 0.6, Some((0.6 - 0.3674772, 0.6 + 0.3674772)));
    // Pareto 0.1, 0.3, 0.5, 0.5: s = 0.191485, se = 0.095743, half-width 0.3046960.
    check(
        a.pareto_distance,
        4,
        0.35,
        Some((0.35 - 0.3046960, 0.35 + 0.3046960)),
    );
    // Nash 0.2, 0.6, 0.6 (negotiation 1 has none): s = 0.230940, se = 0.133333,
    // t(0.975, 2) = 4.302653 → half-width 0.573687.
    check(
        a.nash_distance,
        3,
        1.4 / 3.0,
        Some((1.4 / 3.0 - 0.573687, 1.4 / 3.0 + 0.573687)),
    );
    check(a.individually_rational, 4, 1.0, Some((0.510109, 1.0)));

    assert_eq!((b.n_participations, b.n_failed), (4, 2));
    check(b.utility, 2, 0.35, Some((0.35 - 1.905931, 0.35 + 1.905931)));
    check(b.agreement_rate, 2, 1.0, Some((0.342380, 1.0)));
    check(b.nash_distance, 1, 0.2, None);
}

#[test]
fn a_strategy_without_results_ranks_last() {
    let mut ranker = Ranker::new(vec!["A".into(), "B".into(), "C".into()]);
    ranker.add(&record(0, [1, 1], None));
    ranker.add(&record(1, [0, 2], Some((0.1, 0.9, true, 0.0, Some(0.0)))));
    let s = ranker.finish();
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["C", "A", "B"]);
    assert_eq!(s[2].utility, None);
    assert_eq!(s[2].agreement_rate, None);
    assert_eq!(s[2].n_failed, 2);
}
