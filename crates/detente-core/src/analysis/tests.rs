//! Property tests: every analysis result against brute-force enumeration.

use proptest::prelude::*;

use super::*;
use crate::outcome::Issue;
use crate::preferences::{RedLines, UtilityFunction, ValueFunction};

/// A random small scenario: issue sizes, per-party (weights, values, reservation, red lines).
fn scenario() -> impl Strategy<Value = (OutcomeSpace, Vec<Preferences>)> {
    (
        prop::collection::vec(1u32..5, 1..5),
        2usize..5,
        any::<u64>(),
    )
        .prop_map(|(sizes, np, seed)| {
            use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let issues: Vec<Issue> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| Issue::integer(format!("i{i}"), 0, i64::from(n) - 1, 1).unwrap())
                .collect();
            let space = OutcomeSpace::new(issues).unwrap();
            let prefs = (0..np)
                .map(|_| {
                    // Values on a coarse grid so that real ties happen often.
                    let values: Vec<Option<ValueFunction>> = sizes
                        .iter()
                        .map(|&n| {
                            Some(ValueFunction::Table(
                                (0..n)
                                    .map(|_| f64::from(rng.random_range(0..5u32)) / 4.0)
                                    .collect(),
                            ))
                        })
                        .collect();
                    let mut weights: Vec<f64> = sizes
                        .iter()
                        .map(|_| f64::from(rng.random_range(0..4u32)))
                        .collect();
                    weights[0] += 1.0;
                    let u = UtilityFunction::weighted_sum(&space, "p", &weights, &values).unwrap();
                    let mut rl = RedLines::none(sizes.len());
                    if rng.random_bool(0.3) {
                        let i = rng.random_range(0..sizes.len());
                        rl.forbid(i, rng.random_range(0..sizes[i]));
                    }
                    let r = f64::from(rng.random_range(0..6u32)) / 10.0;
                    Preferences::new(u, r, rl, 1.0).unwrap()
                })
                .collect();
            (space, prefs)
        })
}

fn all_outcomes(space: &OutcomeSpace) -> Vec<Outcome> {
    let n = space.cardinality().to_u128().unwrap();
    (0..n).map(|k| space.outcome_at(k).unwrap()).collect()
}

fn brute_frontier(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    acceptable_only: bool,
) -> Vec<Outcome> {
    let pts: Vec<(Outcome, Vec<f64>)> = all_outcomes(space)
        .into_iter()
        .filter(|o| !acceptable_only || prefs.iter().all(|p| p.is_acceptable(o)))
        .map(|o| {
            let u = prefs.iter().map(|p| p.utility(&o)).collect();
            (o, u)
        })
        .collect();
    let mut out: Vec<Outcome> = pts
        .iter()
        .filter(|(_, u)| !pts.iter().any(|(_, v)| dominates(v, u)))
        .map(|(o, _)| o.clone())
        .collect();
    out.sort();
    out
}

fn brute_max(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    f: impl Fn(&[f64]) -> f64,
) -> Option<f64> {
    all_outcomes(space)
        .into_iter()
        .filter(|o| prefs.iter().all(|p| p.is_acceptable(o)))
        .map(|o| f(&prefs.iter().map(|p| p.utility(&o)).collect::<Vec<_>>()))
        .reduce(f64::max)
}

fn sorted(points: &[Point]) -> Vec<Outcome> {
    let mut v: Vec<Outcome> = points.iter().map(|p| p.outcome.clone()).collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn analysis_matches_brute_force((space, prefs) in scenario()) {
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        let a = analyze(&space, &prefs, &AnalysisConfig::default());
        let outcomes = all_outcomes(&space);
        let zopa = outcomes.iter().filter(|o| prefs.iter().all(|p| p.is_acceptable(o))).count();
        prop_assert_eq!(a.zopa.clone().unwrap().to_u64(), Some(zopa as u64));
        prop_assert_eq!(sorted(a.pareto.as_ref().unwrap()), brute_frontier(&space, &prefs, false));
        prop_assert_eq!(sorted(a.pareto_acceptable.as_ref().unwrap()), brute_frontier(&space, &prefs, true));
        let r: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
        let nash = brute_max(&space, &prefs, |u| u.iter().zip(&r).map(|(u, r)| (u - r).max(0.0)).product());
        let welfare = brute_max(&space, &prefs, |u| u.iter().sum());
        match (&a.nash.unwrap(), nash) {
            (None, None) => {}
            (Some(p), Some(v)) => {
                prop_assert!(p.acceptable);
                let got: f64 = p.utilities.iter().zip(&r).map(|(u, r)| (u - r).max(0.0)).product();
                prop_assert!((got - v).abs() <= 1e-9, "nash {} vs brute {}", got, v);
            }
            (x, y) => prop_assert!(false, "nash {:?} vs brute {:?}", x, y),
        }
        match (&a.max_welfare.unwrap(), welfare) {
            (None, None) => {}
            (Some(p), Some(v)) => {
                prop_assert!(p.acceptable);
                prop_assert!((p.utilities.iter().sum::<f64>() - v).abs() <= 1e-9);
            }
            (x, y) => prop_assert!(false, "welfare {:?} vs brute {:?}", x, y),
        }
        let ideal = a.ideal.unwrap();
        for (p, pref) in prefs.iter().enumerate() {
            let b = brute_max(&space, &prefs, |u| u[p]);
            prop_assert_eq!(ideal[p].is_some(), b.is_some());
            if let (Some(x), Some(y)) = (ideal[p], b) {
                prop_assert!((x - y).abs() <= 1e-9);
            }
            let _ = pref;
        }
        if let Some(ks) = a.kalai_smorodinsky.unwrap() {
            prop_assert!(ks.acceptable);
            let ideal: Vec<f64> = ideal.iter().map(|x| x.unwrap()).collect();
            let ratio = |u: &[f64]| -> f64 {
                (0..u.len()).map(|p| {
                    let range = ideal[p] - r[p];
                    if range <= TIE_EPS { 1.0 } else { (u[p] - r[p]) / range }
                }).fold(f64::INFINITY, f64::min)
            };
            let best = brute_max(&space, &prefs, ratio).unwrap();
            prop_assert!((ratio(&ks.utilities) - best).abs() <= 1e-9);
        }
    }
}

#[test]
fn a_tiny_budget_reports_incomplete_instead_of_guessing() {
    let issues: Vec<Issue> = (0..12)
        .map(|i| Issue::integer(format!("i{i}"), 0, 9, 1).unwrap())
        .collect();
    let space = OutcomeSpace::new(issues).unwrap();
    let mk = |flip: bool| {
        let values = (0..12)
            .map(|_| {
                Some(ValueFunction::Table(
                    (0..10)
                        .map(|k| {
                            if flip {
                                1.0 - f64::from(k) / 9.0
                            } else {
                                f64::from(k) / 9.0
                            }
                        })
                        .collect(),
                ))
            })
            .collect::<Vec<_>>();
        let u = UtilityFunction::weighted_sum(&space, "p", &[1.0; 12], &values).unwrap();
        Preferences::new(u, 0.0, RedLines::none(12), 1.0).unwrap()
    };
    let (a, b) = (mk(false), mk(true));
    let config = AnalysisConfig {
        max_nodes: 10_000,
        ..Default::default()
    };
    let r = analyze(&space, &[&a, &b], &config);
    assert!(
        r.pareto
            .unwrap_err()
            .reason
            .contains("stopped rather than guess")
    );
    // The zopa is everything here (reservations are 0): counted without enumeration.
    assert_eq!(r.zopa.unwrap().to_string(), "1000000000000");
}
