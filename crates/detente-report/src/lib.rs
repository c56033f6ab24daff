//! One report of a scenario, computed once, rendered by printers.
//!
//! A [`Report`] holds what an analyst looks at: the exact analysis, how each reported draft
//! scores for each party, a cloud of outcomes in utility space (every outcome of a small space,
//! a seeded uniform sample of a large one, said as such), and optionally a simulated
//! single-text negotiation and a stacked-alternating-offers negotiation. Building it is the
//! only place anything is computed; [`html`] renders it as one self-contained HTML file with
//! inline SVG plots (no network fetches) and [`html::tournament`] renders a tournament ranking.
//!
//! The library does no IO: printers return strings, the caller writes them.
//!
//! Non-goals (for now): the text and JSON printers of `detente run` still build their own
//! output; porting them onto [`Report`] is the rest of the report issue.

pub mod html;
mod plot;

use detente_core::analysis::{self, Analysis, AnalysisConfig, PackageScore};
use detente_core::protocol::{NegotiationResult, SingleTextResult};
use detente_core::{Cardinality, Outcome, Scenario};
use rand::RngExt;

/// Knobs of [`Report::analyze`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Most search nodes per analysed quantity.
    pub max_nodes: u64,
    /// Spaces up to this many outcomes get their whole-space Pareto frontier.
    pub full_frontier_limit: f64,
    /// Spaces up to this many outcomes are plotted outcome by outcome; larger ones as a
    /// seeded uniform sample of this size.
    pub cloud_size: usize,
    /// Seed of that sample.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_nodes: AnalysisConfig::default().max_nodes,
            full_frontier_limit: 1e8,
            cloud_size: 20_000,
            seed: 0,
        }
    }
}

/// Outcomes placed in utility space for the plots.
#[derive(Clone, Debug)]
pub struct Cloud {
    /// Per outcome: every party's utility, and whether every party accepts it.
    pub points: Vec<(Vec<f64>, bool)>,
    /// Whether `points` is a sample (true) or every outcome of the space (false).
    pub sampled: bool,
}

/// A simulated single-text negotiation, as shown in the report.
#[derive(Clone, Debug)]
pub struct TextRun {
    /// The result with every draft version.
    pub result: SingleTextResult,
    /// The mediator's strategy, in words.
    pub mediator: String,
    /// What the first draft was.
    pub start_label: String,
}

/// A simulated stacked-alternating-offers negotiation.
#[derive(Clone, Debug)]
pub struct SaoRun {
    /// The result with its trace.
    pub result: NegotiationResult,
    /// Strategy name per party.
    pub strategies: Vec<String>,
}

/// Everything a report shows, computed once.
#[derive(Clone, Debug)]
pub struct Report {
    /// The scenario (its material: parties, issues, drafts, meetings, sources).
    pub scenario: Scenario,
    /// The exact analysis.
    pub analysis: Analysis,
    /// Each reported package scored for every party, in scenario order.
    pub packages: Vec<PackageScore>,
    /// Outcomes to draw in utility space.
    pub cloud: Cloud,
    /// The single text, when simulated.
    pub single_text: Option<TextRun>,
    /// Stacked alternating offers, when simulated.
    pub sao: Option<SaoRun>,
}

impl Report {
    /// Analyses `scenario` exactly, scores its reported packages and places outcomes in
    /// utility space. Deterministic for the same scenario and options.
    pub fn analyze(scenario: Scenario, options: &Options) -> Report {
        let config = AnalysisConfig {
            max_nodes: options.max_nodes,
            full_frontier: scenario.space().cardinality().to_f64() <= options.full_frontier_limit,
            acceptable_frontier: true,
        };
        let analysis = analysis::analyze(scenario.space(), &scenario.preferences(), &config);
        let packages = scenario
            .packages
            .iter()
            .map(|p| analysis::score_package(&scenario, p, &config))
            .collect();
        let cloud = cloud(&scenario, options.cloud_size, options.seed);
        Report {
            scenario,
            analysis,
            packages,
            cloud,
            single_text: None,
            sao: None,
        }
    }

    /// Adds a simulated single-text negotiation.
    pub fn with_single_text(mut self, run: TextRun) -> Report {
        self.single_text = Some(run);
        self
    }

    /// Adds a simulated stacked-alternating-offers negotiation.
    pub fn with_sao(mut self, run: SaoRun) -> Report {
        self.sao = Some(run);
        self
    }

    /// Every party's utility for `outcome`.
    pub fn utilities(&self, outcome: &Outcome) -> Vec<f64> {
        self.scenario.utilities(outcome)
    }

    /// Whether every party accepts `outcome`.
    pub fn acceptable(&self, outcome: &Outcome) -> bool {
        self.scenario
            .parties()
            .iter()
            .all(|p| p.preferences.is_acceptable(outcome))
    }
}

/// Every outcome when there are at most `size`, else `size` drawn uniformly (seeded).
fn cloud(scenario: &Scenario, size: usize, seed: u64) -> Cloud {
    let space = scenario.space();
    let n = space.cardinality();
    let place = |o: &Outcome| {
        let ok = scenario
            .parties()
            .iter()
            .all(|p| p.preferences.is_acceptable(o));
        (scenario.utilities(o), ok)
    };
    if let Some(total) = n.to_u128().filter(|&t| t <= size as u128) {
        let points = (0..total)
            .filter_map(|k| space.outcome_at(k))
            .map(|o| place(&o))
            .collect();
        return Cloud {
            points,
            sampled: false,
        };
    }
    let mut rng = detente_core::rng::rng(detente_core::rng::derive_seed(seed, &[0x636c6f7564]));
    let points = (0..size)
        .map(|_| {
            let idx = space
                .issues()
                .iter()
                .map(|i| rng.random_range(0..i.n_values()))
                .collect();
            place(&Outcome::new(idx))
        })
        .collect();
    Cloud {
        points,
        sampled: true,
    }
}

/// `n` with thousands separators (`3,538,944,000,000`).
pub fn thousands(n: &Cardinality) -> String {
    let s = n.to_string();
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use detente_core::{Issue, OutcomeSpace, Party, Preferences, RedLines, UtilityFunction};

    fn two_party(n: usize) -> Scenario {
        let space = OutcomeSpace::new(vec![
            Issue::discrete("a", (0..n).map(|i| format!("a{i}")).collect()).unwrap(),
            Issue::discrete("b", (0..n).map(|i| format!("b{i}")).collect()).unwrap(),
        ])
        .unwrap();
        let up: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        let down: Vec<f64> = up.iter().rev().copied().collect();
        let party = |name: &str, v1: &[f64], v2: &[f64]| {
            let u = UtilityFunction::weighted_sum(
                &space,
                name,
                &[0.6, 0.4],
                &[
                    Some(detente_core::ValueFunction::Table(v1.to_vec())),
                    Some(detente_core::ValueFunction::Table(v2.to_vec())),
                ],
            )
            .unwrap();
            Party::new(
                name,
                Preferences::new(u, 0.3, RedLines::none(2), 1.0).unwrap(),
            )
        };
        Scenario::new(
            "t",
            space.clone(),
            vec![party("A", &up, &down), party("B", &down, &up)],
        )
        .unwrap()
    }

    #[test]
    fn small_spaces_are_plotted_outcome_by_outcome() {
        let s = two_party(5);
        let r = Report::analyze(s.clone(), &Options::default());
        assert!(!r.cloud.sampled);
        assert_eq!(r.cloud.points.len(), 25);
        // Every point is the scenario's own utilities for that outcome, in enumeration order.
        for (k, (u, ok)) in r.cloud.points.iter().enumerate() {
            let o = s.space().outcome_at(k as u128).unwrap();
            assert_eq!(u, &s.utilities(&o));
            assert_eq!(*ok, r.acceptable(&o));
        }
    }

    #[test]
    fn large_spaces_are_sampled_deterministically() {
        let s = two_party(5);
        let opts = Options {
            cloud_size: 10,
            ..Options::default()
        };
        let a = Report::analyze(s.clone(), &opts);
        let b = Report::analyze(s, &opts);
        assert!(a.cloud.sampled);
        assert_eq!(a.cloud.points.len(), 10);
        assert_eq!(a.cloud.points, b.cloud.points);
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(&Cardinality::from_u128(0)), "0");
        assert_eq!(thousands(&Cardinality::from_u128(999)), "999");
        assert_eq!(thousands(&Cardinality::from_u128(1000)), "1,000");
        assert_eq!(
            thousands(&Cardinality::from_u128(3_538_944_000_000)),
            "3,538,944,000,000"
        );
    }
}
