//! Protocol tests: determinism, acceptability of agreements, privacy by construction.

use proptest::prelude::{ProptestConfig, any, prop, prop_assert, prop_assert_eq, proptest};

use super::*;
use crate::outcome::{Issue, OutcomeSpace};
use crate::preferences::{Preferences, RedLines, UtilityFunction, ValueFunction};
use crate::scenario::Party;

fn scenario(np: usize, sizes: &[u32], seed: u64) -> Scenario {
    use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let issues: Vec<Issue> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            Issue::discrete(format!("i{i}"), (0..n).map(|k| format!("o{k}")).collect()).unwrap()
        })
        .collect();
    let space = OutcomeSpace::new(issues).unwrap();
    let parties = (0..np)
        .map(|p| {
            let values: Vec<Option<ValueFunction>> = sizes
                .iter()
                .map(|&n| {
                    Some(ValueFunction::Table(
                        (0..n).map(|_| rng.random::<f64>()).collect(),
                    ))
                })
                .collect();
            let weights: Vec<f64> = sizes.iter().map(|_| rng.random::<f64>() + 0.01).collect();
            let u = UtilityFunction::weighted_sum(&space, "p", &weights, &values).unwrap();
            let mut rl = RedLines::none(sizes.len());
            if rng.random_bool(0.3) {
                rl.forbid(0, rng.random_range(0..sizes[0]));
            }
            let r = rng.random::<f64>() * 0.5;
            Party::new(format!("p{p}"), Preferences::new(u, r, rl, 1.0).unwrap())
        })
        .collect();
    Scenario::new("random", space, parties).unwrap()
}

const ALL: [Strategy; 8] = [
    Strategy::Boulware,
    Strategy::Linear,
    Strategy::Conceder,
    Strategy::TimeDependent(0.5),
    Strategy::Hardliner,
    Strategy::Random,
    Strategy::TitForTat,
    Strategy::Micro,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn agreements_are_acceptable_to_everyone_and_runs_repeat(
        np in 2usize..5,
        sizes in prop::collection::vec(1u32..6, 1..5),
        seed in any::<u64>(),
        picks in prop::collection::vec(0usize..8, 4),
        rounds in 1u32..60,
    ) {
        let s = scenario(np, &sizes, seed);
        let strategies: Vec<Strategy> = (0..np).map(|i| ALL[picks[i]].clone()).collect();
        let config = SaoConfig { rounds, seed };
        let a = run_sao(&s, &strategies, &config).unwrap();
        let b = run_sao(&s, &strategies, &config).unwrap();
        prop_assert_eq!(&a, &b);
        if let Some(o) = &a.agreement {
            for p in s.parties() {
                prop_assert!(p.preferences.is_acceptable(o), "agreement {:?} not acceptable to {}", o, p.name);
            }
        } else {
            for (u, p) in a.utilities.iter().zip(s.parties()) {
                prop_assert_eq!(*u, p.preferences.reservation());
            }
        }
        prop_assert!(a.rounds <= rounds);
    }
}

#[test]
fn conceders_agree_and_hardliners_time_out() {
    let s = scenario(2, &[5, 5, 4], 11);
    let r = run_sao(
        &s,
        &[Strategy::Conceder, Strategy::Conceder],
        &SaoConfig {
            rounds: 100,
            seed: 1,
        },
    )
    .unwrap();
    assert!(r.agreement.is_some());
    assert!(matches!(r.trace.last(), Some(Event::Agreement { .. })));
    let h = run_sao(
        &s,
        &[Strategy::Hardliner, Strategy::Hardliner],
        &SaoConfig {
            rounds: 20,
            seed: 1,
        },
    )
    .unwrap();
    // Two hardliners agree only when their best outcomes coincide.
    if h.agreement.is_none() {
        assert!(matches!(
            h.trace.last(),
            Some(Event::Timeout { rounds: 20 })
        ));
    }
}

#[test]
fn discounting_shrinks_late_agreements() {
    let mut s = scenario(2, &[6, 6], 3);
    let parties: Vec<Party> = s
        .parties()
        .iter()
        .map(|p| {
            let prefs = Preferences::new(p.preferences.ufun().clone(), 0.0, RedLines::none(2), 0.9)
                .unwrap();
            Party::new(p.name.clone(), prefs)
        })
        .collect();
    s = Scenario::new("d", s.space().clone(), parties).unwrap();
    let r = run_sao(
        &s,
        &[Strategy::Boulware, Strategy::Boulware],
        &SaoConfig {
            rounds: 30,
            seed: 5,
        },
    )
    .unwrap();
    let o = r
        .agreement
        .expect("boulware pairs with zero reservation agree by the deadline");
    let k = r.rounds - 1;
    for (p, u) in s.parties().iter().zip(&r.utilities) {
        let want = p.preferences.utility(&o) * 0.9f64.powi(k as i32);
        assert!((u - want).abs() < 1e-12);
    }
}

#[test]
fn large_spaces_use_constructed_bids_and_stay_acceptable() {
    // 9 issues of 6 options: 10 million outcomes, more than a negotiator lists.
    for seed in 0..6 {
        let s = scenario(3, &[6; 9], seed);
        let strategies = [Strategy::Conceder, Strategy::Linear, Strategy::TitForTat];
        let config = SaoConfig { rounds: 80, seed };
        let a = run_sao(&s, &strategies, &config).unwrap();
        assert_eq!(a, run_sao(&s, &strategies, &config).unwrap());
        if let Some(o) = &a.agreement {
            for p in s.parties() {
                assert!(p.preferences.is_acceptable(o));
            }
        }
    }
}
