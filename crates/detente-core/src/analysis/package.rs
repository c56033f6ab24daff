//! Scoring a (possibly partial) package: each party's utility interval over its completions.
//!
//! Reported drafts leave issues open ("not reported", or bracketed alternatives). Rather than
//! renormalise over the known issues, detente reports the exact range of each party's utility
//! over every completion, whether the party accepts every, some or no completion, and how many
//! completions every party accepts (an exact count, by the same search as the zopa).

use crate::outcome::Cardinality;
use crate::scenario::{Package, Scenario};

use super::search::{Problem, Prune, Visitor};
use super::{AnalysisConfig, Incomplete, analyze_restricted, feasible};

/// Whether a party accepts a package's completions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every completion is acceptable.
    Every,
    /// Some completions are acceptable, some are not.
    Some,
    /// No completion is acceptable.
    None,
}

impl Verdict {
    /// A short word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Every => "accepts",
            Verdict::Some => "may accept",
            Verdict::None => "rejects",
        }
    }
}

/// One party's view of a package.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyScore {
    /// Lowest utility over the completions.
    pub lo: f64,
    /// Highest utility over the completions.
    pub hi: f64,
    /// Issues where every value the package allows crosses this party's red lines.
    pub red_lines_crossed: Vec<usize>,
    /// Issues where some allowed value crosses a red line.
    pub red_lines_at_risk: Vec<usize>,
    /// Whether the party accepts the completions.
    pub verdict: Verdict,
}

/// Every party's view of a package, and how many completions everyone accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageScore {
    /// Per party, in party order.
    pub parties: Vec<PartyScore>,
    /// Number of completions.
    pub completions: Cardinality,
    /// Number of completions acceptable to every party.
    pub acceptable_to_all: Result<Cardinality, Incomplete>,
}

/// Scores `package` for every party of `scenario`.
pub fn score_package(
    scenario: &Scenario,
    package: &Package,
    config: &AnalysisConfig,
) -> PackageScore {
    let space = scenario.space();
    let allowed = package.allowed_values(space);
    let parties = scenario
        .parties()
        .iter()
        .map(|p| {
            let prefs = &p.preferences;
            let terms = prefs.ufun().terms();
            let (mut lo, mut hi, mut hi_ok) = (0.0, 0.0, 0.0);
            let mut crossed = Vec::new();
            let mut at_risk = Vec::new();
            for (i, vals) in allowed.iter().enumerate() {
                let t = |v: &u32| terms[i][*v as usize];
                lo += vals.iter().map(t).fold(f64::INFINITY, f64::min);
                hi += vals.iter().map(t).fold(f64::NEG_INFINITY, f64::max);
                let ok: Vec<&u32> = vals
                    .iter()
                    .filter(|&&v| !prefs.red_lines().forbids(i, v))
                    .collect();
                if ok.is_empty() {
                    crossed.push(i);
                } else {
                    hi_ok += ok.into_iter().map(t).fold(f64::NEG_INFINITY, f64::max);
                    if vals.iter().any(|&v| prefs.red_lines().forbids(i, v)) {
                        at_risk.push(i);
                    }
                }
            }
            let (lo, hi, hi_ok) = (
                prefs.ufun().finish(lo),
                prefs.ufun().finish(hi),
                prefs.ufun().finish(hi_ok),
            );
            let r = prefs.reservation() - crate::TIE_EPS;
            if prefs.is_linked() {
                return linked_score(space, prefs, &allowed, config, crossed, at_risk);
            }
            let verdict = if !crossed.is_empty() || hi_ok < r {
                Verdict::None
            } else if at_risk.is_empty() && lo >= r {
                Verdict::Every
            } else {
                Verdict::Some
            };
            PartyScore {
                lo,
                hi,
                red_lines_crossed: crossed,
                red_lines_at_risk: at_risk,
                verdict,
            }
        })
        .collect();
    let config = AnalysisConfig {
        full_frontier: false,
        acceptable_frontier: false,
        // Progress shows as the package's, not as the scenario's analysis.
        progress: config
            .progress
            .as_ref()
            .map(|h| h.scoped("reported package")),
        ..config.clone()
    };
    let a = analyze_restricted(space, &scenario.preferences(), &allowed, &config);
    PackageScore {
        parties,
        completions: a.outcomes,
        acceptable_to_all: a.zopa,
    }
}

/// A linked party's score: the exact utility range over the completions by branch and bound,
/// and the verdict from the exact count of the completions it accepts on its own.
fn linked_score(
    space: &crate::outcome::OutcomeSpace,
    prefs: &crate::preferences::Preferences,
    allowed: &[Vec<u32>],
    config: &AnalysisConfig,
    crossed: Vec<usize>,
    at_risk: Vec<usize>,
) -> PartyScore {
    let u = prefs.ufun();
    let at =
        |max: bool| super::linked::extreme_in(u, max, allowed).map_or(f64::NAN, |o| u.eval(&o));
    let (lo, hi) = (at(false), at(true));
    // The verdict needs whether some and whether every completion is acceptable, not how
    // many are: counting them walked most of the completions when nearly all are acceptable
    // but a conditional red line keeps the search from counting subtrees whole (a draft of
    // the flagship spent the whole node budget, a second, on one party).
    let problem = Problem::new(space, &[prefs], Some(allowed), true);
    let verdict = match any_acceptable(&problem, config.max_nodes) {
        Ok(false) => Verdict::None,
        // As when the count ran out: not decided, so "some".
        Err(()) => Verdict::Some,
        Ok(true) if every_acceptable(prefs, allowed, lo, &crossed, &at_risk) => Verdict::Every,
        Ok(true) => Verdict::Some,
    };
    PartyScore {
        lo,
        hi,
        red_lines_crossed: crossed,
        red_lines_at_risk: at_risk,
        verdict,
    }
}

/// Whether every completion is acceptable to the party: none crosses a red line (no allowed
/// value is forbidden, no box of a conditional red line meets the allowed values) and the
/// lowest utility over them, `lo`, reaches its reservation value.
fn every_acceptable(
    prefs: &crate::preferences::Preferences,
    allowed: &[Vec<u32>],
    lo: f64,
    crossed: &[usize],
    at_risk: &[usize],
) -> bool {
    let meets = |c: &crate::links::Condition| {
        c.clauses()
            .iter()
            .all(|(i, set)| allowed[*i].iter().any(|&v| set.contains(v)))
    };
    crossed.is_empty()
        && at_risk.is_empty()
        && !prefs
            .red_lines()
            .conditional()
            .iter()
            .any(|c| c.boxes().iter().any(meets))
        && lo >= prefs.reservation() - crate::TIE_EPS
}

/// Finds whether some leaf is acceptable to every party, skipping everything once it has.
struct ExistsVisitor<'a> {
    r: &'a [f64],
    found: bool,
}

impl Visitor for ExistsVisitor<'_> {
    fn prune(&mut self, opt: &[f64], pess: &[f64]) -> Prune {
        if self.found || !feasible(opt, self.r) {
            Prune::Skip
        } else if feasible(pess, self.r) {
            Prune::TakeAll
        } else {
            Prune::Descend
        }
    }
    fn take_all(&mut self, n: &Cardinality) {
        self.found |= n.to_u128() != Some(0);
    }
    fn leaf(&mut self, u: &[f64], _path: &[u32], _pr: &Problem) {
        self.found |= feasible(u, self.r);
    }
    fn acceptable_only(&self) -> bool {
        true
    }
}

/// Whether some leaf of `pr` is acceptable to every party (`Err` past `max_nodes` nodes). It
/// visits no node the zopa count would not.
fn any_acceptable(pr: &Problem, max_nodes: u64) -> Result<bool, ()> {
    if pr.empty {
        return Ok(false);
    }
    let r = pr.reservation.clone();
    let units = pr
        .run(
            || ExistsVisitor {
                r: &r,
                found: false,
            },
            max_nodes,
        )
        .map_err(|_| ())?;
    Ok(units.iter().any(|u| u.found))
}
