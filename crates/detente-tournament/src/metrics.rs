//! Per-negotiation metrics and the per-scenario facts they need.
//!
//! Every negotiation yields a payoff vector: each party's discounted utility of the agreement,
//! or its reservation value discounted to the end when there is none (GENIUS's semantics, see
//! `detente_core::Preferences`). The metrics are computed on that vector, in
//! the scenario's party order:
//!
//! * **welfare**: the sum of the payoffs;
//! * **Pareto distance**: the Euclidean distance to the nearest point of the scenario's Pareto
//!   frontier (the frontier's *points*, not a hull between them); 0 for an undiscounted
//!   Pareto-optimal agreement;
//! * **Nash distance**: the Euclidean distance to the Nash bargaining point (the acceptable
//!   outcome maximising Π(uᵢ − rᵢ));
//! * **individual rationality**: no red line is crossed and every party gets at least what
//!   walking away at the moment of the agreement would have paid (its reservation value,
//!   discounted to that moment). A disagreement is individually rational by definition (it
//!   pays exactly the discounted reservation values).
//!
//! The frontier and the Nash point come from `detente_core::analysis::analyze`, once per
//! scenario ([`ScenarioFacts`]). When the analysis is incomplete (its node budget ran out) or
//! there is no acceptable outcome, the distance is `None` and the reason is kept.
//!
//! Non-goals: metrics over the negotiation's course (concession rates, …); those need traces
//! and belong to an analysis of the store.

use detente_core::TIE_EPS;
use detente_core::analysis::{AnalysisConfig, analyze};
use detente_core::{Outcome, Scenario};

/// What a tournament needs to know about a scenario to score its negotiations.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioFacts {
    /// Each Pareto frontier point's utilities, in party order; `None` when unknown.
    pub pareto: Option<Vec<Vec<f64>>>,
    /// The Nash point's utilities, in party order; `None` when unknown or when no outcome is
    /// acceptable to everybody.
    pub nash: Option<Vec<f64>>,
    /// Why a quantity is missing, in words.
    pub note: Option<String>,
}

impl ScenarioFacts {
    /// Analyses `scenario` (frontier of the whole space and Nash point) within `max_nodes`
    /// search nodes per quantity.
    pub fn compute(scenario: &Scenario, max_nodes: u64) -> ScenarioFacts {
        let config = AnalysisConfig {
            max_nodes,
            full_frontier: true,
            acceptable_frontier: false,
            progress: None,
        };
        let a = analyze(scenario.space(), &scenario.preferences(), &config);
        let mut notes = Vec::new();
        let pareto = match a.pareto {
            Ok(points) => Some(points.into_iter().map(|p| p.utilities).collect()),
            Err(e) => {
                notes.push(format!("pareto frontier: {e}"));
                None
            }
        };
        let nash = match a.nash {
            Ok(Some(p)) => Some(p.utilities),
            Ok(None) => {
                notes.push("nash point: no outcome is acceptable to every party".into());
                None
            }
            Err(e) => {
                notes.push(format!("nash point: {e}"));
                None
            }
        };
        ScenarioFacts {
            pareto,
            nash,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        }
    }

    /// The distance from `payoffs` (party order) to the nearest frontier point.
    pub fn pareto_distance(&self, payoffs: &[f64]) -> Option<f64> {
        self.pareto.as_ref().and_then(|front| {
            front
                .iter()
                .map(|p| distance(p, payoffs))
                .min_by(f64::total_cmp)
        })
    }

    /// The distance from `payoffs` (party order) to the Nash point.
    pub fn nash_distance(&self, payoffs: &[f64]) -> Option<f64> {
        self.nash.as_ref().map(|n| distance(n, payoffs))
    }
}

/// Euclidean distance.
pub(crate) fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Whether the result is individually rational: see the module docs. `payoffs` and the
/// scenario's parties are in the same (position) order; the agreement, if any, was reached in
/// `round` (from 0) of a negotiation with a deadline of `n_rounds`.
pub(crate) fn individually_rational(
    scenario: &Scenario,
    agreement: Option<&Outcome>,
    payoffs: &[f64],
    round: u32,
    n_rounds: u32,
) -> bool {
    let Some(outcome) = agreement else {
        return true;
    };
    scenario.parties().iter().zip(payoffs).all(|(p, &u)| {
        !p.preferences.red_lines().violated_by(outcome)
            && u >= p.preferences.discounted_reservation(round, n_rounds) - TIE_EPS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_to_the_nearest_point() {
        let facts = ScenarioFacts {
            pareto: Some(vec![vec![1.0, 0.0], vec![0.5, 0.5], vec![0.0, 1.0]]),
            nash: Some(vec![0.5, 0.5]),
            note: None,
        };
        assert_eq!(facts.pareto_distance(&[0.5, 0.5]), Some(0.0));
        assert!((facts.pareto_distance(&[0.2, 0.2]).unwrap() - 0.18f64.sqrt()).abs() < 1e-12);
        assert!((facts.nash_distance(&[0.2, 0.1]).unwrap() - 0.25f64.sqrt()).abs() < 1e-12);
        let unknown = ScenarioFacts {
            pareto: None,
            nash: None,
            note: Some("x".into()),
        };
        assert_eq!(unknown.pareto_distance(&[0.0, 0.0]), None);
        assert_eq!(unknown.nash_distance(&[0.0, 0.0]), None);
    }
}
