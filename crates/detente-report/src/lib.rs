//! One report of a scenario, computed once, rendered by printers.
//!
//! A [`Report`] holds what an analyst looks at: the exact analysis, how each reported draft
//! scores for each party, a cloud of outcomes in utility space (every outcome of a small space,
//! a seeded uniform sample of a large one, said as such), and optionally a simulated
//! single-text negotiation and a stacked-alternating-offers negotiation. Building it is the
//! only place anything is computed; [`html`] renders it as one self-contained HTML file with
//! inline SVG plots (no network fetches) and [`html::tournament`] renders a tournament ranking.
//!
//! Three printers read it: [`text`] (what `detente run` and `detente analyze` print), [`json`]
//! (their `--json` objects, docs/json.md) and [`html`]. The library does no IO of its own: the
//! HTML printer returns a string, the text and JSON printers write to the `io::Write` the
//! caller gives (stdout, a file, a `Vec<u8>`).
//!
//! Besides the analysis and the runs, the report holds the comparisons `detente run` prints:
//! the simulated agreement against the Nash package ([`NashComparison`]), the single text's
//! last draft against the Nash package and the reported drafts ([`TextComparison`]), and the
//! principals bargaining alone ([`PrincipalsAlone`]). The three printers all read the same
//! value.
//!
//! [`robustness::to_json`] prints a robust analysis as the JSON object both the CLI
//! (`detente sensitivity --json`) and the Python package (`detente.sensitivity`) hand out.

pub mod html;
pub mod json;
mod plot;
mod principals;
pub mod robustness;
pub mod text;

pub use principals::{PrincipalPoint, PrincipalsSolutions, principals_solutions};

use detente_core::analysis::Incomplete;
use detente_core::analysis::Point;
use detente_core::analysis::robustness::{Progress, Sensitivity, SensitivityConfig};
use detente_core::analysis::{self, Analysis, AnalysisConfig, PackageScore};
use detente_core::negotiator::Strategy;
use detente_core::protocol::{
    self, Coalition, Confided, NegotiationResult, SaoConfig, Shortfall, SingleTextConfig,
    SingleTextResult, Solution, TrustedNeutral,
};
use detente_core::{Cardinality, Outcome, Role, Scenario, relative_time};
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
    /// Observes the exact analysis's progress ([`analysis::progress`]); the report is the same
    /// with or without it.
    pub progress: Option<analysis::ProgressHook>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_nodes: AnalysisConfig::default().max_nodes,
            full_frontier_limit: 1e8,
            cloud_size: 20_000,
            seed: 0,
            progress: None,
        }
    }
}

/// Draws of every estimate in the short robust analysis a report holds
/// ([`Report::with_robustness`]); `detente sensitivity` runs the full one.
pub const QUICK_SAMPLES: u64 = 200;

/// A robust analysis held in a report (docs/robustness.md).
#[derive(Clone, Debug)]
pub struct Robustness {
    /// The result.
    pub sensitivity: Sensitivity,
    /// The seed of its draws.
    pub seed: u64,
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
    /// The settings it ran with.
    pub config: SingleTextConfig,
}

/// A simulated stacked-alternating-offers negotiation.
#[derive(Clone, Debug)]
pub struct SaoRun {
    /// The result with its trace.
    pub result: NegotiationResult,
    /// Strategy name per party.
    pub strategies: Vec<String>,
    /// The deadline (rounds) and seed it ran with.
    pub config: SaoConfig,
}

/// How an outcome looks to one party.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyView {
    /// The party's (undiscounted) utility.
    pub utility: f64,
    /// Whether the party accepts it (above walk-away, no red line crossed).
    pub acceptable: bool,
    /// Whether it crosses one of the party's red lines.
    pub crosses_red_line: bool,
}

impl PartyView {
    /// The verdict in words: `acceptable`, `crosses a red line` or `below walk-away`.
    pub fn verdict(&self) -> &'static str {
        if self.acceptable {
            "acceptable"
        } else if self.crosses_red_line {
            "crosses a red line"
        } else {
            "below walk-away"
        }
    }

    /// Every party's view of `outcome`, in party order.
    pub fn all(scenario: &Scenario, outcome: &Outcome) -> Vec<PartyView> {
        scenario
            .parties()
            .iter()
            .map(|p| PartyView {
                utility: p.preferences.utility(outcome),
                acceptable: p.preferences.is_acceptable(outcome),
                crosses_red_line: p.preferences.red_lines().violated_by(outcome),
            })
            .collect()
    }
}

/// The principals bargaining without the other parties (same strategies, rounds and seed), and
/// how their agreement looks to every party of the scenario.
#[derive(Clone, Debug)]
pub struct PrincipalsAlone {
    /// The principals' indices in the full scenario.
    pub principals: Vec<usize>,
    /// The scenario restricted to the principals.
    pub scenario: Scenario,
    /// Strategy name per principal.
    pub strategies: Vec<String>,
    /// The result.
    pub result: NegotiationResult,
    /// Every party of the full scenario on the agreement (`None` without agreement).
    pub for_every_party: Option<Vec<PartyView>>,
}

/// The principals' negotiation without the other parties, when there are at least 2
/// principals and some other party (stakeholders, a mediator); `None` otherwise.
///
/// # Errors
/// As [`protocol::run_sao`].
pub fn principals_alone(
    scenario: &Scenario,
    strategies: &[Strategy],
    config: &SaoConfig,
) -> Result<Option<PrincipalsAlone>, detente_core::Error> {
    let principals: Vec<usize> = (0..scenario.parties().len())
        .filter(|&i| scenario.parties()[i].role == Role::Principal)
        .collect();
    if !(principals.len() >= 2 && principals.len() < scenario.parties().len()) {
        return Ok(None);
    }
    let sub = scenario.with_parties(&principals)?;
    let sub_strategies: Vec<Strategy> = principals.iter().map(|&i| strategies[i].clone()).collect();
    let result = protocol::run_sao(&sub, &sub_strategies, config)?;
    let for_every_party = result
        .agreement
        .as_ref()
        .map(|o| PartyView::all(scenario, o));
    Ok(Some(PrincipalsAlone {
        principals,
        scenario: sub,
        strategies: sub_strategies.iter().map(ToString::to_string).collect(),
        result,
        for_every_party,
    }))
}

/// A simulated agreement compared with the Nash package.
#[derive(Clone, Debug, PartialEq)]
pub struct NashComparison {
    /// The issues (indices) on which the agreement differs from the Nash package.
    pub differs_on: Vec<usize>,
    /// Per party: the agreement's undiscounted utility minus the Nash package's.
    pub utility_minus_nash: Vec<f64>,
    /// When some party discounts: the relative time of the agreement and, per party, the
    /// discounted payoff minus the (undiscounted) Nash utility.
    pub payoff_minus_nash: Option<(f64, Vec<f64>)>,
}

/// Compares a negotiation's agreement with the Nash package; `None` without agreement.
pub fn compare_with_nash(
    scenario: &Scenario,
    result: &NegotiationResult,
    deadline: u32,
    nash: &Point,
) -> Option<NashComparison> {
    let o = result.agreement.as_ref()?;
    let minus =
        |xs: &[f64]| -> Vec<f64> { xs.iter().zip(&nash.utilities).map(|(u, n)| u - n).collect() };
    let discounts = scenario
        .parties()
        .iter()
        .any(|p| p.preferences.discount() < 1.0);
    Some(NashComparison {
        differs_on: differing(&nash.outcome, o),
        utility_minus_nash: minus(&scenario.utilities(o)),
        payoff_minus_nash: discounts.then(|| {
            (
                relative_time(result.rounds - 1, deadline),
                minus(&result.utilities),
            )
        }),
    })
}

/// How many of a reported draft's decided issues a text matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftMatch {
    /// The package's index in the scenario.
    pub package: usize,
    /// Decided issues (one value) on which the text has that value.
    pub matched: usize,
    /// Issues the package decides (exactly one value).
    pub decided: usize,
}

/// The single text's final draft (agreed or last) compared with the Nash package and with
/// every reported draft except the one it started from.
#[derive(Clone, Debug, PartialEq)]
pub struct TextComparison {
    /// Whether the final draft was agreed.
    pub agreed: bool,
    /// Issues on which it differs from the Nash package (`None` without a Nash package).
    pub nash_differs_on: Option<Vec<usize>>,
    /// Against each reported draft, in scenario order.
    pub drafts: Vec<DraftMatch>,
}

/// Compares a single text's final draft with the Nash package and the reported drafts.
pub fn compare_text(
    scenario: &Scenario,
    result: &SingleTextResult,
    nash: Option<&Point>,
) -> TextComparison {
    let last = &result.versions[result.versions.len() - 1].outcome;
    let start = scenario.mediator.as_ref().and_then(|m| m.start);
    let drafts = scenario
        .packages
        .iter()
        .enumerate()
        .filter(|(_, pk)| start.is_none_or(|s| scenario.packages[s].name != pk.name))
        .map(|(k, pk)| {
            let decided: Vec<usize> = (0..pk.choices.len())
                .filter(|&i| pk.choices[i].as_ref().is_some_and(|c| c.len() == 1))
                .collect();
            let matched = decided
                .iter()
                .filter(|&&i| pk.choices[i].as_ref().is_some_and(|c| c[0] == last.get(i)))
                .count();
            DraftMatch {
                package: k,
                matched,
                decided: decided.len(),
            }
        })
        .collect();
    TextComparison {
        agreed: result.negotiation.agreement.is_some(),
        nash_differs_on: nash.map(|n| differing(last, &n.outcome)),
        drafts,
    }
}

/// Why a single text ended without an agreement, from the exact analysis (the analyst knows
/// every party's preferences; the mediator did not).
#[derive(Clone, Debug, PartialEq)]
pub enum WhyNot {
    /// The exact analysis could not decide whether a zone exists.
    Undecided(Incomplete),
    /// A zone exists (`zone` packages), but the last draft is unacceptable to these parties.
    MissedZone {
        /// Packages acceptable to every party (exact).
        zone: Cardinality,
        /// Every party that finds the last draft unacceptable, in party order.
        unacceptable: Vec<Unacceptable>,
    },
    /// No package is acceptable to every party; these walk-away values block the one that
    /// comes closest (it maximises the smallest margin over walk-away values).
    NoZone {
        /// The blocking parties and by how much.
        blocked_by: Vec<Shortfall>,
    },
}

/// A party that finds a draft unacceptable.
#[derive(Clone, Debug, PartialEq)]
pub struct Unacceptable {
    /// Party index.
    pub party: usize,
    /// Issues on which the draft crosses its red lines (empty: it is below walk-away).
    pub red_lines: Vec<usize>,
    /// Its utility for the draft.
    pub utility: f64,
    /// Its walk-away value.
    pub reservation: f64,
}

/// Why `last` (the last draft of a single text without agreement) was not agreed, given the
/// exact analysis `analysis` of `scenario`.
///
/// # Errors
/// As [`TrustedNeutral::propose`] (no zone: the closest package is searched for).
pub fn why_not(
    scenario: &Scenario,
    analysis: &Analysis,
    last: &Outcome,
) -> Result<WhyNot, detente_core::Error> {
    Ok(match &analysis.zopa {
        Err(e) => WhyNot::Undecided(e.clone()),
        Ok(c) if c.to_u64() != Some(0) => WhyNot::MissedZone {
            zone: c.clone(),
            unacceptable: scenario
                .parties()
                .iter()
                .enumerate()
                .filter(|(_, party)| !party.preferences.is_acceptable(last))
                .map(|(p, party)| {
                    let prefs = &party.preferences;
                    Unacceptable {
                        party: p,
                        red_lines: (0..scenario.space().issues().len())
                            .filter(|&i| prefs.red_lines().forbids(i, last.get(i)))
                            .collect(),
                        utility: prefs.utility(last),
                        reservation: prefs.reservation(),
                    }
                })
                .collect(),
        },
        Ok(_) => {
            let neutral = TrustedNeutral::new(scenario, Confided::all(scenario))?;
            let p = neutral.propose(Solution::Nash, Coalition::All)?;
            WhyNot::NoZone {
                blocked_by: p.blocked.map(|(_, b)| b).unwrap_or_default(),
            }
        }
    })
}

/// A reported draft against the Nash package: the issues it decides (exactly one value) and
/// those of them on which it differs from `nash`.
pub fn draft_vs_nash(package: &detente_core::Package, nash: &Outcome) -> (Vec<usize>, Vec<usize>) {
    let decided: Vec<usize> = (0..package.choices.len())
        .filter(|&i| package.choices[i].as_ref().is_some_and(|c| c.len() == 1))
        .collect();
    let differs = decided
        .iter()
        .copied()
        .filter(|&i| {
            package.choices[i]
                .as_ref()
                .is_some_and(|c| c[0] != nash.get(i))
        })
        .collect();
    (decided, differs)
}

/// Issues (indices) on which two outcomes differ.
pub fn differing(a: &Outcome, b: &Outcome) -> Vec<usize> {
    (0..a.indices().len())
        .filter(|&i| a.get(i) != b.get(i))
        .collect()
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
    /// The single text's final draft against the Nash package and the reported drafts.
    pub text_comparison: Option<TextComparison>,
    /// Why the single text ended without an agreement (when it did and no trusted neutral
    /// has already said who blocks).
    pub text_why_not: Option<WhyNot>,
    /// The simulated agreement against the Nash package (with an agreement and a Nash
    /// package).
    pub sao_vs_nash: Option<NashComparison>,
    /// The principals bargaining alone, when asked for and meaningful.
    pub principals_alone: Option<PrincipalsAlone>,
    /// The principals' own Nash and Kalai–Smorodinsky packages (at least 2 principals and
    /// some other party).
    pub principals: Option<PrincipalsSolutions>,
    /// The short robust analysis, when asked for and the scenario has ranges.
    pub robustness: Option<Robustness>,
}

impl Report {
    /// Analyses `scenario` exactly, scores its reported packages and places outcomes in
    /// utility space. Deterministic for the same scenario and options.
    pub fn analyze(scenario: Scenario, options: &Options) -> Report {
        let config = AnalysisConfig {
            max_nodes: options.max_nodes,
            full_frontier: scenario.space().cardinality().to_f64() <= options.full_frontier_limit,
            acceptable_frontier: true,
            progress: options.progress.clone(),
        };
        let analysis = analysis::analyze(scenario.space(), &scenario.preferences(), &config);
        let packages = scenario
            .packages
            .iter()
            .map(|p| analysis::score_package(&scenario, p, &config))
            .collect();
        let cloud = cloud(&scenario, options.cloud_size, options.seed);
        let nash = analysis.nash.as_ref().ok().and_then(Option::as_ref);
        let principals =
            principals_solutions(&scenario, nash.map(|p| &p.outcome), options.max_nodes);
        Report {
            scenario,
            analysis,
            packages,
            cloud,
            single_text: None,
            sao: None,
            text_comparison: None,
            text_why_not: None,
            sao_vs_nash: None,
            principals_alone: None,
            principals,
            robustness: None,
        }
    }

    /// Adds the short robust analysis ([`QUICK_SAMPLES`] seeded draws of every estimate, each
    /// analysed exactly, seed 0) when the scenario's numbers have ranges; a scenario without
    /// ranges is left as it is. Each draw is reported to `progress`.
    ///
    /// # Errors
    /// As [`analysis::robustness::sensitivity`].
    pub fn with_robustness(
        mut self,
        progress: &dyn Progress,
    ) -> Result<Report, detente_core::Error> {
        if !self
            .scenario
            .uncertainty
            .as_ref()
            .is_some_and(|u| u.has_ranges())
        {
            return Ok(self);
        }
        let config = SensitivityConfig {
            samples: QUICK_SAMPLES,
            ..SensitivityConfig::default()
        };
        let sensitivity = analysis::robustness::sensitivity(&self.scenario, &config, progress)?;
        self.robustness = Some(Robustness {
            sensitivity,
            seed: config.seed,
        });
        Ok(self)
    }

    /// Adds a simulated single-text negotiation, its comparison with the Nash package and the
    /// reported drafts, and, without agreement, why not ([`why_not`]).
    ///
    /// # Errors
    /// As [`why_not`].
    pub fn with_single_text(mut self, run: TextRun) -> Result<Report, detente_core::Error> {
        let nash = self.analysis.nash.as_ref().ok().and_then(Option::as_ref);
        self.text_comparison = Some(compare_text(&self.scenario, &run.result, nash));
        // A trusted neutral has already said who blocks; otherwise the analyst says why.
        let r = &run.result;
        if r.negotiation.agreement.is_none() && r.neutral.is_none() {
            let last = &r.versions[r.versions.len() - 1].outcome;
            self.text_why_not = Some(why_not(&self.scenario, &self.analysis, last)?);
        }
        self.single_text = Some(run);
        Ok(self)
    }

    /// Adds a simulated stacked-alternating-offers negotiation.
    pub fn with_sao(mut self, run: SaoRun) -> Report {
        if let Ok(Some(nash)) = &self.analysis.nash {
            self.sao_vs_nash =
                compare_with_nash(&self.scenario, &run.result, run.config.rounds, nash);
        }
        self.sao = Some(run);
        self
    }

    /// Adds the principals' negotiation alone.
    pub fn with_principals_alone(mut self, run: Option<PrincipalsAlone>) -> Report {
        self.principals_alone = run;
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

/// The principals' names, `A and B` (the text and HTML printers' headings).
pub(crate) fn principal_names(s: &Scenario, principals: &[usize]) -> String {
    principals
        .iter()
        .map(|&i| s.parties()[i].name.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `n` with thousands separators (`3,538,944,000,000`); the same as [`text::grouped`].
pub fn thousands(n: &Cardinality) -> String {
    text::grouped(n)
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
