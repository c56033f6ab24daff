//! Exact analysis of a scenario: zone of possible agreement, Pareto frontier, Nash,
//! Kalai–Smorodinsky and maximum-welfare points.
//!
//! All quantities are computed exactly, by a bounded depth-first search over issues (see
//! `search`): the zopa count skips subtrees where some party can no longer reach its
//! reservation value and counts subtrees where everybody is sure to; the bargaining points are
//! found by branch and bound; frontiers keep only non-dominated points and skip subtrees that a
//! frontier point already dominates. Memory holds the frontier, never the outcome space.
//!
//! When a search needs more than [`AnalysisConfig::max_nodes`] nodes it stops and the quantity
//! is reported as [`Incomplete`] with the reason, never guessed.
//!
//! Ties: utilities that differ by at most [`TIE_EPS`](crate::TIE_EPS) are equal, so float
//! rounding never turns a real tie into a domination. Among tied optima the one with the higher
//! social welfare wins, then the one that comes first in enumeration order.

mod package;
mod search;

pub use package::{PackageScore, PartyScore, Verdict, score_package};

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use search::{Problem, Prune, Visitor, dominates};

/// Knobs of [`analyze`].
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// Most search-tree nodes one quantity may visit before it is reported as incomplete.
    pub max_nodes: u64,
    /// Whether to compute the Pareto frontier of the whole outcome space.
    pub full_frontier: bool,
    /// Whether to compute the Pareto frontier of the acceptable outcomes.
    pub acceptable_frontier: bool,
}

impl Default for AnalysisConfig {
    fn default() -> AnalysisConfig {
        AnalysisConfig {
            max_nodes: 100_000_000,
            full_frontier: true,
            acceptable_frontier: true,
        }
    }
}

/// An outcome with each party's utility for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The outcome.
    pub outcome: Outcome,
    /// Utilities in party order.
    pub utilities: Vec<f64>,
    /// Whether every party finds it acceptable.
    pub acceptable: bool,
}

/// Why a quantity was not computed exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Incomplete {
    /// Plain-words reason.
    pub reason: String,
}

/// The result of [`analyze`].
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Number of outcomes (of the restricted space, for [`analyze_restricted`]).
    pub outcomes: Cardinality,
    /// Number of outcomes acceptable to every party.
    pub zopa: Result<Cardinality, Incomplete>,
    /// Per party, the best utility over acceptable outcomes (`None` when there are none).
    pub ideal: Result<Vec<Option<f64>>, Incomplete>,
    /// The Pareto frontier of the whole space: every outcome no other outcome dominates,
    /// ordered by utilities (party 0 descending, then party 1, …) then enumeration order.
    pub pareto: Result<Vec<Point>, Incomplete>,
    /// The Pareto frontier of the acceptable outcomes alone.
    pub pareto_acceptable: Result<Vec<Point>, Incomplete>,
    /// Argmax over acceptable outcomes of Π(uᵢ − rᵢ).
    pub nash: Result<Option<Point>, Incomplete>,
    /// Argmax over acceptable outcomes of minᵢ (uᵢ − rᵢ)/(bestᵢ − rᵢ).
    pub kalai_smorodinsky: Result<Option<Point>, Incomplete>,
    /// Argmax over acceptable outcomes of Σuᵢ.
    pub max_welfare: Result<Option<Point>, Incomplete>,
}

/// Analyses the whole outcome space for the given parties.
///
/// # Example
/// ```
/// use detente_core::{analysis, Issue, OutcomeSpace, Preferences, RedLines, UtilityFunction, ValueFunction};
///
/// let space = OutcomeSpace::new(vec![Issue::discrete("price", vec!["low".into(), "high".into()])?])?;
/// let party = |vals: Vec<f64>| -> Result<Preferences, detente_core::Error> {
///     let u = UtilityFunction::weighted_sum(&space, "p", &[1.0], &[Some(ValueFunction::Table(vals))])?;
///     Preferences::new(u, 0.0, RedLines::none(1), 1.0)
/// };
/// let (buyer, seller) = (party(vec![1.0, 0.0])?, party(vec![0.0, 1.0])?);
/// let a = analysis::analyze(&space, &[&buyer, &seller], &Default::default());
/// assert_eq!(a.outcomes.to_string(), "2");
/// assert_eq!(a.pareto.unwrap().len(), 2);
/// # Ok::<(), detente_core::Error>(())
/// ```
pub fn analyze(space: &OutcomeSpace, prefs: &[&Preferences], config: &AnalysisConfig) -> Analysis {
    analyze_inner(space, prefs, None, config)
}

/// Like [`analyze`], but only over the outcomes whose value on issue `i` is one of
/// `allowed[i]` (e.g. the completions of a partial package).
pub fn analyze_restricted(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: &[Vec<u32>],
    config: &AnalysisConfig,
) -> Analysis {
    analyze_inner(space, prefs, Some(allowed), config)
}

fn analyze_inner(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: Option<&[Vec<u32>]>,
    config: &AnalysisConfig,
) -> Analysis {
    let outcomes = match allowed {
        None => space.cardinality(),
        Some(a) => {
            let mut c = Cardinality::one();
            for v in a {
                c.mul_small(v.len() as u32);
            }
            c
        }
    };
    let acc = Problem::new(space, prefs, allowed, true);
    let zopa = count_acceptable(&acc, config.max_nodes);
    let ideal = ideal_point(&acc, prefs, config.max_nodes);
    let nash = maximize(&acc, prefs, config.max_nodes, &|u, r| {
        u.iter().zip(r).map(|(u, r)| (u - r).max(0.0)).product()
    });
    let max_welfare = maximize(&acc, prefs, config.max_nodes, &|u, _| u.iter().sum());
    let kalai_smorodinsky = match &ideal {
        Err(e) => Err(e.clone()),
        Ok(ideal) if ideal.iter().any(Option::is_none) => Ok(None),
        Ok(ideal) => {
            let ideal: Vec<f64> = ideal.iter().map(|x| x.unwrap_or(0.0)).collect();
            maximize(&acc, prefs, config.max_nodes, &|u, r| {
                let mut m = f64::INFINITY;
                for p in 0..u.len() {
                    let range = ideal[p] - r[p];
                    let x = if range <= TIE_EPS {
                        1.0
                    } else {
                        (u[p] - r[p]) / range
                    };
                    m = m.min(x);
                }
                m
            })
        }
    };
    let pareto_acceptable = if config.acceptable_frontier {
        frontier(&acc, prefs, config.max_nodes, true)
    } else {
        Err(Incomplete {
            reason: "not requested".into(),
        })
    };
    let pareto = if config.full_frontier {
        let all = Problem::new(space, prefs, allowed, false);
        frontier(&all, prefs, config.max_nodes, false)
    } else {
        Err(Incomplete {
            reason: "not requested".into(),
        })
    };
    Analysis {
        outcomes,
        zopa,
        ideal,
        pareto,
        pareto_acceptable,
        nash,
        kalai_smorodinsky,
        max_welfare,
    }
}

fn incomplete(what: &str, nodes: u64) -> Incomplete {
    Incomplete {
        reason: format!(
            "the exact {what} needs more than {nodes} search nodes; stopped rather than guess \
             (raise the node budget to try harder)"
        ),
    }
}

fn point(prefs: &[&Preferences], outcome: Outcome) -> Point {
    let utilities: Vec<f64> = prefs.iter().map(|p| p.utility(&outcome)).collect();
    let acceptable = prefs.iter().all(|p| p.is_acceptable(&outcome));
    Point {
        outcome,
        utilities,
        acceptable,
    }
}

fn feasible(opt: &[f64], r: &[f64]) -> bool {
    opt.iter().zip(r).all(|(o, r)| *o >= r - TIE_EPS)
}

struct CountVisitor<'a> {
    r: &'a [f64],
    leaves: u64,
    bulk: Cardinality,
}

impl Visitor for CountVisitor<'_> {
    fn prune(&mut self, opt: &[f64], pess: &[f64]) -> Prune {
        if !feasible(opt, self.r) {
            Prune::Skip
        } else if feasible(pess, self.r) {
            Prune::TakeAll
        } else {
            Prune::Descend
        }
    }
    fn take_all(&mut self, n: u128) {
        self.bulk.add(&Cardinality::from_u128(n));
    }
    fn leaf(&mut self, u: &[f64], _path: &[u32], _pr: &Problem) {
        if feasible(u, self.r) {
            self.leaves += 1;
        }
    }
}

fn count_acceptable(pr: &Problem, max_nodes: u64) -> Result<Cardinality, Incomplete> {
    if pr.empty {
        return Ok(Cardinality::from_u128(0));
    }
    let r = pr.reservation.clone();
    let units = pr
        .run(
            || CountVisitor {
                r: &r,
                leaves: 0,
                bulk: Cardinality::from_u128(0),
            },
            max_nodes,
        )
        .map_err(|a| incomplete("zopa count", a.nodes))?;
    let mut total = Cardinality::from_u128(0);
    for u in units {
        total.add(&u.bulk);
        total.add(&Cardinality::from_u128(u128::from(u.leaves)));
    }
    Ok(total)
}

/// Best leaf under a monotone objective `f(u, r)` (non-decreasing in every `u`).
struct MaxVisitor<'a> {
    r: &'a [f64],
    f: &'a (dyn Fn(&[f64], &[f64]) -> f64 + Sync),
    best: Option<(f64, f64, Outcome)>,
}

/// Whether candidate `(value, welfare, outcome)` beats the incumbent.
fn better(c: (f64, f64, &Outcome), best: &Option<(f64, f64, Outcome)>) -> bool {
    match best {
        None => true,
        Some((bv, bw, bo)) => {
            if c.0 > bv + TIE_EPS {
                true
            } else if c.0 < bv - TIE_EPS {
                false
            } else if c.1 > bw + TIE_EPS {
                true
            } else if c.1 < bw - TIE_EPS {
                false
            } else {
                c.2 < bo
            }
        }
    }
}

impl Visitor for MaxVisitor<'_> {
    fn prune(&mut self, opt: &[f64], _pess: &[f64]) -> Prune {
        if !feasible(opt, self.r) {
            return Prune::Skip;
        }
        if let Some((bv, _, _)) = &self.best
            && (self.f)(opt, self.r) < bv - TIE_EPS
        {
            return Prune::Skip;
        }
        Prune::Descend
    }
    fn leaf(&mut self, u: &[f64], path: &[u32], pr: &Problem) {
        if !feasible(u, self.r) {
            return;
        }
        let v = (self.f)(u, self.r);
        if let Some((bv, _, _)) = &self.best
            && v < bv - TIE_EPS
        {
            return;
        }
        let w: f64 = u.iter().sum();
        let o = pr.outcome(path);
        if better((v, w, &o), &self.best) {
            self.best = Some((v, w, o));
        }
    }
}

fn maximize(
    pr: &Problem,
    prefs: &[&Preferences],
    max_nodes: u64,
    f: &(dyn Fn(&[f64], &[f64]) -> f64 + Sync),
) -> Result<Option<Point>, Incomplete> {
    Ok(maximize_value(pr, max_nodes, f)?.map(|(_, o)| point(prefs, o)))
}

fn maximize_value(
    pr: &Problem,
    max_nodes: u64,
    f: &(dyn Fn(&[f64], &[f64]) -> f64 + Sync),
) -> Result<Option<(f64, Outcome)>, Incomplete> {
    if pr.empty {
        return Ok(None);
    }
    let r = pr.reservation.clone();
    let units = pr
        .run(
            || MaxVisitor {
                r: &r,
                f,
                best: None,
            },
            max_nodes,
        )
        .map_err(|a| incomplete("optimum", a.nodes))?;
    let mut best: Option<(f64, f64, Outcome)> = None;
    for u in units {
        if let Some((v, w, o)) = u.best
            && better((v, w, &o), &best)
        {
            best = Some((v, w, o));
        }
    }
    Ok(best.map(|(v, _, o)| (v, o)))
}

fn ideal_point(
    pr: &Problem,
    prefs: &[&Preferences],
    max_nodes: u64,
) -> Result<Vec<Option<f64>>, Incomplete> {
    (0..prefs.len())
        .map(|p| {
            Ok(
                maximize_value(pr, max_nodes, &move |u: &[f64], _: &[f64]| u[p])?
                    .map(|(_, o)| prefs[p].utility(&o)),
            )
        })
        .collect()
}

/// A set of mutually non-dominated utility vectors, each with every outcome that reaches it.
///
/// Real domains tie massively (AgentHp2's frontier is 589 vectors shared by 924 385 outcomes),
/// so dominance is checked against the distinct vectors only.
struct Frontier {
    np: usize,
    /// `np` utilities per distinct vector.
    utils: Vec<f64>,
    /// The outcomes of each vector, in the order they were found.
    outcomes: Vec<Vec<Outcome>>,
    /// Vectors compared since the last `take_work`.
    work: u64,
}

/// True when `a` and `b` are the same vector up to float noise.
fn ties(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= TIE_EPS)
}

impl Frontier {
    fn new(np: usize) -> Frontier {
        Frontier { np, utils: Vec::new(), outcomes: Vec::new(), work: 0 }
    }
    /// The same vectors with no outcomes: a start for a search that only reports what it adds.
    fn vectors_only(&self) -> Frontier {
        Frontier { np: self.np, utils: self.utils.clone(), outcomes: vec![Vec::new(); self.len()], work: 0 }
    }
    fn len(&self) -> usize {
        self.outcomes.len()
    }
    fn row(&self, k: usize) -> &[f64] {
        &self.utils[k * self.np..(k + 1) * self.np]
    }
    fn dominated(&mut self, x: &[f64]) -> bool {
        // Charge one node of work per 64 vectors compared.
        self.work += (self.len() as u64) / 64;
        (0..self.len()).any(|k| dominates(self.row(k), x))
    }
    /// Adds `x` unless dominated, dropping the vectors it dominates; a tie joins its vector.
    fn insert(&mut self, x: &[f64], outcome: impl FnOnce() -> Outcome) {
        if self.dominated(x) {
            return;
        }
        if let Some(k) = (0..self.len()).find(|&k| ties(self.row(k), x)) {
            self.outcomes[k].push(outcome());
            return;
        }
        let mut k = 0;
        while k < self.len() {
            if dominates(x, self.row(k)) {
                let last = self.len() - 1;
                for p in 0..self.np {
                    self.utils.swap(k * self.np + p, last * self.np + p);
                }
                self.utils.truncate(last * self.np);
                self.outcomes.swap_remove(k);
            } else {
                k += 1;
            }
        }
        self.utils.extend_from_slice(x);
        self.outcomes.push(vec![outcome()]);
    }
}

struct FrontierVisitor<'a> {
    r: &'a [f64],
    acceptable_only: bool,
    front: Frontier,
}

impl Visitor for FrontierVisitor<'_> {
    fn prune(&mut self, opt: &[f64], _pess: &[f64]) -> Prune {
        if self.acceptable_only && !feasible(opt, self.r) {
            return Prune::Skip;
        }
        if self.front.dominated(opt) {
            Prune::Skip
        } else {
            Prune::Descend
        }
    }
    fn take_work(&mut self) -> u64 {
        std::mem::take(&mut self.front.work)
    }
    fn leaf(&mut self, u: &[f64], path: &[u32], pr: &Problem) {
        if self.acceptable_only && !feasible(u, self.r) {
            return;
        }
        self.front.insert(u, || pr.outcome(path));
    }
}

fn frontier(
    pr: &Problem,
    prefs: &[&Preferences],
    max_nodes: u64,
    acceptable_only: bool,
) -> Result<Vec<Point>, Incomplete> {
    if pr.empty {
        return Ok(Vec::new());
    }
    let r = pr.reservation.clone();
    let what = if acceptable_only {
        "frontier of the acceptable outcomes"
    } else {
        "Pareto frontier"
    };
    // Units run in batches; each starts from the vectors found by earlier batches, so it can
    // prune against them, and reports the outcomes it adds.
    let all = pr
        .run_batched(
            Frontier::new(pr.np),
            |global: &Frontier| FrontierVisitor { r: &r, acceptable_only, front: global.vectors_only() },
            |global: &mut Frontier, v: FrontierVisitor<'_>| {
                for k in 0..v.front.len() {
                    for o in &v.front.outcomes[k] {
                        global.insert(v.front.row(k), || o.clone());
                    }
                }
            },
            8,
            max_nodes,
        )
        .map_err(|a| incomplete(what, a.nodes))?;
    // Ordered by utilities (party 0 descending, then party 1, …) with ties up to float noise
    // treated as equal, then by enumeration order.
    let mut points: Vec<Point> = all.outcomes.into_iter().flatten().map(|o| point(prefs, o)).collect();
    let key = |u: &f64| (u * 1e9).round() as i64;
    points.sort_by(|a, b| {
        for (x, y) in a.utilities.iter().zip(&b.utilities) {
            match key(y).cmp(&key(x)) {
                std::cmp::Ordering::Equal => continue,
                ord => return ord,
            }
        }
        a.outcome.cmp(&b.outcome)
    });
    Ok(points)
}

#[cfg(test)]
mod tests;
