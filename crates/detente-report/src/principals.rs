//! The principals' own bargaining solutions: with more parties than principals (a mediator or
//! stakeholders with interests of their own), the Nash and Kalai–Smorodinsky packages of the
//! principals alone — over the packages every principal accepts, gains over the principals'
//! walk-away values only — and what every party of the scenario makes of them.

use detente_core::analysis::{self, AnalysisConfig, Incomplete, Point};
use detente_core::{Cardinality, Outcome, Role, Scenario};

use crate::{PartyView, differing};

/// One of the principals' solutions, as every party sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalPoint {
    /// The package.
    pub outcome: Outcome,
    /// The principals' utilities, in the order of [`PrincipalsSolutions::principals`].
    pub principal_utilities: Vec<f64>,
    /// Every party of the scenario on this package, in party order.
    pub for_every_party: Vec<PartyView>,
    /// Issues on which it differs from the Nash package of all parties (`None` when that
    /// package does not exist or was not computed).
    pub differs_from_nash: Option<Vec<usize>>,
}

/// The principals' Nash and Kalai–Smorodinsky packages.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalsSolutions {
    /// The principals' indices in the scenario.
    pub principals: Vec<usize>,
    /// How many packages every principal accepts (exact).
    pub zopa: Result<Cardinality, Incomplete>,
    /// Argmax over the packages every principal accepts of Π(uᵢ − rᵢ) over the principals.
    pub nash: Result<Option<PrincipalPoint>, Incomplete>,
    /// Argmax over the same packages of minᵢ (uᵢ − rᵢ)/(bestᵢ − rᵢ) over the principals.
    pub kalai_smorodinsky: Result<Option<PrincipalPoint>, Incomplete>,
}

/// The principals' solutions when there are at least 2 principals and some other party;
/// `None` otherwise. `nash_all` is the Nash package of all parties, to compare with. Each
/// quantity spends at most `max_nodes` search nodes.
pub fn principals_solutions(
    scenario: &Scenario,
    nash_all: Option<&Outcome>,
    max_nodes: u64,
) -> Option<PrincipalsSolutions> {
    let principals: Vec<usize> = (0..scenario.parties().len())
        .filter(|&i| scenario.parties()[i].role == Role::Principal)
        .collect();
    if principals.len() < 2 || principals.len() == scenario.parties().len() {
        return None;
    }
    let prefs = scenario.preferences();
    let sub: Vec<_> = principals.iter().map(|&i| prefs[i]).collect();
    let config = AnalysisConfig {
        max_nodes,
        full_frontier: false,
        acceptable_frontier: false,
        progress: None,
    };
    let b = analysis::analyze(scenario.space(), &sub, &config);
    let point = |x: Result<Option<Point>, Incomplete>| {
        x.map(|p| {
            p.map(|p| PrincipalPoint {
                for_every_party: PartyView::all(scenario, &p.outcome),
                differs_from_nash: nash_all.map(|n| differing(n, &p.outcome)),
                outcome: p.outcome,
                principal_utilities: p.utilities,
            })
        })
    };
    Some(PrincipalsSolutions {
        principals,
        zopa: b.zopa,
        nash: point(b.nash),
        kalai_smorodinsky: point(b.kalai_smorodinsky),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use detente_core::{
        Issue, OutcomeSpace, Party, Preferences, RedLines, UtilityFunction, ValueFunction,
    };
    use rand::RngExt;

    /// A seeded scenario of three issues and `n` parties, the last one a stakeholder (and, with
    /// four parties, the third a mediator), with random weights, values, walk-away values and
    /// an occasional red line.
    fn scenario(seed: u64, n: usize) -> Scenario {
        let mut rng = detente_core::rng::rng(seed);
        let sizes = [3usize, 4, 2];
        let space = OutcomeSpace::new(
            sizes
                .iter()
                .enumerate()
                .map(|(i, &k)| {
                    Issue::discrete(format!("i{i}"), (0..k).map(|v| format!("o{v}")).collect())
                        .unwrap()
                })
                .collect(),
        )
        .unwrap();
        let parties = (0..n)
            .map(|p| {
                let weights: Vec<f64> = sizes.iter().map(|_| rng.random_range(0.1..1.0)).collect();
                let values: Vec<Option<ValueFunction>> = sizes
                    .iter()
                    .map(|&k| {
                        Some(ValueFunction::Table(
                            (0..k).map(|_| rng.random_range(0.0..1.0)).collect(),
                        ))
                    })
                    .collect();
                let u = UtilityFunction::weighted_sum(&space, &format!("p{p}"), &weights, &values)
                    .unwrap();
                let mut red = RedLines::none(sizes.len());
                if rng.random_range(0..3) == 0 {
                    let i = rng.random_range(0..sizes.len());
                    red.forbid(i, rng.random_range(0..sizes[i] as u32));
                }
                let reservation = rng.random_range(0.0..0.5);
                let mut party = Party::new(
                    format!("p{p}"),
                    Preferences::new(u, reservation, red, 1.0).unwrap(),
                );
                if p == n - 1 {
                    party.role = Role::Stakeholder;
                } else if p == 2 {
                    party.role = Role::Mediator;
                }
                party
            })
            .collect();
        Scenario::new("t", space, parties).unwrap()
    }

    /// Every outcome of the space, by enumeration.
    fn outcomes(s: &Scenario) -> Vec<Outcome> {
        let n = s.space().cardinality().to_u128().unwrap();
        (0..n).map(|k| s.space().outcome_at(k).unwrap()).collect()
    }

    #[test]
    fn principals_solutions_match_enumeration() {
        let mut checked = [0usize; 3];
        for seed in 0..60 {
            let s = scenario(seed, 3 + (seed % 2) as usize);
            let prefs = s.preferences();
            let principals: Vec<usize> = vec![0, 1];
            let nash_all = analysis::analyze(s.space(), &prefs, &AnalysisConfig::default())
                .nash
                .unwrap()
                .map(|p| p.outcome);
            let got = principals_solutions(&s, nash_all.as_ref(), u64::MAX).unwrap();
            assert_eq!(got.principals, principals);
            let all = outcomes(&s);
            let r: Vec<f64> = principals.iter().map(|&i| prefs[i].reservation()).collect();
            let u = |o: &Outcome| -> Vec<f64> {
                principals.iter().map(|&i| prefs[i].utility(o)).collect()
            };
            let ok: Vec<&Outcome> = all
                .iter()
                .filter(|o| principals.iter().all(|&i| prefs[i].is_acceptable(o)))
                .collect();
            assert_eq!(got.zopa.clone().unwrap().to_u128(), Some(ok.len() as u128));
            if ok.is_empty() {
                assert_eq!(got.nash, Ok(None));
                assert_eq!(got.kalai_smorodinsky, Ok(None));
                checked[0] += 1;
                continue;
            }
            // Nash: the largest product of gains over the principals' walk-away values.
            let product = |v: &[f64]| v.iter().zip(&r).map(|(u, r)| u - r).product::<f64>();
            let best_product = ok
                .iter()
                .map(|o| product(&u(o)))
                .fold(f64::NEG_INFINITY, f64::max);
            let nash = got.nash.clone().unwrap().unwrap();
            assert!(ok.contains(&&nash.outcome), "seed {seed}");
            assert_eq!(nash.principal_utilities, u(&nash.outcome));
            assert!(
                (product(&nash.principal_utilities) - best_product).abs() <= 1e-9,
                "seed {seed}: Nash product {} against {best_product} by enumeration",
                product(&nash.principal_utilities)
            );
            // Kalai–Smorodinsky: the largest smallest share of each principal's best gain.
            let best: Vec<f64> = (0..principals.len())
                .map(|k| ok.iter().map(|o| u(o)[k]).fold(f64::NEG_INFINITY, f64::max))
                .collect();
            let ratio = |v: &[f64]| {
                v.iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let span = best[k] - r[k];
                        if span <= 1e-12 {
                            1.0
                        } else {
                            (x - r[k]) / span
                        }
                    })
                    .fold(f64::INFINITY, f64::min)
            };
            let best_ratio = ok
                .iter()
                .map(|o| ratio(&u(o)))
                .fold(f64::NEG_INFINITY, f64::max);
            let ks = got.kalai_smorodinsky.clone().unwrap().unwrap();
            assert!(ok.contains(&&ks.outcome), "seed {seed}");
            assert!(
                (ratio(&ks.principal_utilities) - best_ratio).abs() <= 1e-9,
                "seed {seed}: KS ratio {} against {best_ratio} by enumeration",
                ratio(&ks.principal_utilities)
            );
            // Every party's view and the comparison with the Nash package of all parties.
            for p in [&nash, &ks] {
                assert_eq!(p.for_every_party, PartyView::all(&s, &p.outcome));
                assert_eq!(
                    p.differs_from_nash,
                    nash_all.as_ref().map(|n| (0..3)
                        .filter(|&i| n.get(i) != p.outcome.get(i))
                        .collect::<Vec<_>>())
                );
            }
            checked[1] += 1;
            if nash_all.is_none() {
                checked[2] += 1;
            }
        }
        // Both kinds of case occur: principals with and without a common package, and a
        // principals' deal where all parties together have none.
        assert!(checked.iter().all(|&n| n > 0), "cases: {checked:?}");
    }

    #[test]
    fn only_with_principals_and_others() {
        let mut s = scenario(1, 3);
        assert!(principals_solutions(&s, None, 1000).is_some());
        // All principals: nothing to add to the analysis of all parties.
        let mut parties = s.parties().to_vec();
        parties[2].role = Role::Principal;
        s = Scenario::new("t", s.space().clone(), parties.clone()).unwrap();
        assert!(principals_solutions(&s, None, 1000).is_none());
        // One principal: no bargaining among principals.
        parties[1].role = Role::Stakeholder;
        parties[2].role = Role::Stakeholder;
        s = Scenario::new("t", s.space().clone(), parties).unwrap();
        assert!(principals_solutions(&s, None, 1000).is_none());
    }
}
