//! Exact analysis of a scenario: zone of possible agreement, Pareto frontier, Nash,
//! Kalai–Smorodinsky and maximum-welfare points, opposition level.
//!
//! All quantities are computed exactly, by one of two engines:
//!
//! * `additive` uses the additive structure of utilities directly: the Pareto frontier is built
//!   issue by issue as a chain of Minkowski sums that keep only non-dominated partial sums, the
//!   bargaining points are read off the frontier of the acceptable outcomes, and the zopa is
//!   counted by a dynamic program over distinct partial sums. It never enumerates the space:
//!   two parties over 80 issues × 10 options (10⁸⁰ outcomes) take about a quarter of a second.
//!   It applies whenever no party's clip at 1 can bind (see `additive::applies`), for any
//!   number of parties, red lines and restrictions included; for three or more parties it is
//!   as fast as the partial frontiers are small (docs/performance.md gives the limits).
//! * `search`, a bounded depth-first search over issues: the zopa count skips subtrees where
//!   some party can no longer reach its reservation value and counts subtrees where everybody
//!   is sure to; the bargaining points are found by branch and bound; frontiers keep only
//!   non-dominated points and skip subtrees that a frontier point already dominates. It is
//!   used where the clip binds, and as a fallback when the additive engine exceeds its budget
//!   (the branch and bound can find a bargaining point whose frontier is too large to build).
//!   [`analyze_by_search`] uses it alone: the reference the additive engine is tested against.
//!
//! Memory holds frontiers and partial sums, never the outcome space. When a computation needs
//! more than [`AnalysisConfig::max_nodes`] nodes it stops and the quantity is reported as
//! [`Incomplete`] with the reason, never guessed.
//!
//! Ties: utilities that differ by at most [`TIE_EPS`] are equal, so float rounding never turns
//! a real tie into a domination. Among tied optima the one with the higher social welfare wins,
//! then the one that comes first in enumeration order. A frontier is reported twice: as its
//! distinct utility vectors ([`FrontierVector`]: one outcome and the exact number of outcomes
//! per vector, which may be astronomically large), and as the list of every outcome on it when
//! there are at most [`list_limit`] (the smaller of [`MAX_LISTED`] and the node budget).
//!
//! Non-goals: approximate or sampled analyses; non-additive utility functions.

mod additive;
pub(crate) mod linked;
mod package;
pub mod progress;
mod rect;
mod rect_sets;
pub mod robustness;
mod search;
pub mod synthetic;
pub mod thin_zone;

pub use package::{PackageScore, PartyScore, Verdict, score_package};
pub use progress::{Phase, Progress, ProgressHook, Total};

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use additive::{Budget, SumFrontier};
use progress::Meter;
use search::{Problem, Prune, Visitor, dominates};
use std::sync::Arc;

/// Frontiers with more outcomes than this are reported as their distinct utility vectors only
/// ([`Analysis::pareto_vectors`]); the outcome lists ([`Analysis::pareto`]) say why they are
/// missing. A smaller node budget lowers the limit (see [`list_limit`]).
pub const MAX_LISTED: u64 = 2_000_000;

/// The most frontier outcomes listed one by one under a node budget of `max_nodes`: listing
/// an outcome (expanding, evaluating and sorting it) costs about as much as a search node, so
/// it is charged to the same budget, and a frontier with more outcomes than the budget is
/// reported as its distinct vectors only, like one with more than [`MAX_LISTED`]. (A frontier
/// of a few large blocks of tied outcomes is found in a few nodes but can hold millions of
/// outcomes.)
pub fn list_limit(max_nodes: u64) -> u64 {
    MAX_LISTED.min(max_nodes)
}

/// Knobs of [`analyze`].
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// Most search-tree nodes one quantity may visit before it is reported as incomplete. The
    /// additive engine counts its candidate partial sums against the same budget, and a zopa
    /// count whose remaining search tree is estimated (seeded, deterministic probes) to exceed
    /// it a thousandfold is declined at once rather than after spending it. Frontiers are
    /// estimated too (two-party merges on thinned copies, four or more parties by the growth
    /// of the partial frontiers), and so are the searches that stand in for a stopped frontier
    /// (docs/performance.md). Listing a frontier's outcomes one by one is charged to it too, an
    /// outcome a node ([`list_limit`]).
    pub max_nodes: u64,
    /// Whether to compute the Pareto frontier of the whole outcome space.
    pub full_frontier: bool,
    /// Whether to compute the Pareto frontier of the acceptable outcomes.
    pub acceptable_frontier: bool,
    /// Called with the analysis's progress ([`progress`]): it only observes, so the result is
    /// the same with or without it.
    pub progress: Option<ProgressHook>,
}

impl Default for AnalysisConfig {
    fn default() -> AnalysisConfig {
        AnalysisConfig {
            max_nodes: 100_000_000,
            full_frontier: true,
            acceptable_frontier: true,
            progress: None,
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

/// One distinct utility vector of a Pareto frontier and the outcomes that reach it.
///
/// Real domains tie massively (AgentHp2's frontier has 589 vectors shared by 924 385
/// outcomes), and a synthetic space can have 10³⁰ outcomes on one vector, so a frontier is
/// also reported vector by vector with an exact count.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierVector {
    /// Utilities in party order (those of [`FrontierVector::outcome`]).
    pub utilities: Vec<f64>,
    /// The first outcome, in enumeration order, that reaches these utilities (within
    /// [`TIE_EPS`]).
    pub outcome: Outcome,
    /// How many outcomes reach them.
    pub count: Cardinality,
    /// Whether [`FrontierVector::outcome`] is acceptable to every party.
    pub acceptable: bool,
}

/// Why a quantity was not computed exactly. `Display` gives the plain-words reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Incomplete {
    /// The caller did not ask for it (e.g. no frontier requested).
    NotRequested,
    /// The exact search for `what` needed more than `nodes` search nodes and stopped.
    NodeBudget {
        /// The quantity (`"zopa count"`, `"optimum"`, …).
        what: String,
        /// The node budget that ran out.
        nodes: u64,
    },
    /// A decision search of the robust analysis (for `what`) needed more than `nodes` search
    /// nodes and stopped.
    DecisionBudget {
        /// The quantity (`"zone decision"`, `"reservation threshold"`, …).
        what: String,
        /// The node budget that ran out.
        nodes: u64,
    },
    /// The exact search for `what` needed more than `sums` partial sums in memory and stopped.
    MemoryBudget {
        /// The quantity.
        what: String,
        /// The memory budget, in partial sums.
        sums: usize,
    },
    /// The exact search for `what` hit utilities within float noise of a reservation value.
    Ambiguous {
        /// The quantity.
        what: String,
    },
    /// The search for `what` was estimated (from random probes of the search tree) to need far
    /// more than the budget, so it was not started.
    OutOfReach {
        /// The quantity.
        what: String,
        /// The estimated number of search nodes.
        estimated_nodes: f64,
        /// The node budget.
        budget: u64,
        /// Estimated from how fast the partial frontiers grow (declined at once), rather than
        /// from random probes of the search tree.
        from_growth: bool,
    },
    /// More frontier outcomes than are listed one by one; the frontier's utility vectors are
    /// reported with their first outcome and exact count instead.
    TooManyToList {
        /// Outcomes on the frontier.
        total: Cardinality,
        /// Distinct utility vectors on the frontier.
        vectors: usize,
        /// The most outcomes listed one by one: [`list_limit`] of the node budget.
        limit: u64,
    },
    /// The preferences do not fit the outcome space.
    PreferencesDoNotFit,
    /// The preferences built from moved estimates are invalid (robustness thresholds).
    InvalidEstimate(String),
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Incomplete::NotRequested => write!(f, "not requested"),
            Incomplete::NodeBudget { what, nodes } => write!(
                f,
                "the exact {what} needs more than {nodes} search nodes; stopped rather than guess \
                 (raise the node budget to try harder)"
            ),
            Incomplete::DecisionBudget { what, nodes } => write!(
                f,
                "the exact {what} needs more than {nodes} search nodes; stopped rather than guess"
            ),
            Incomplete::MemoryBudget { what, sums } => write!(
                f,
                "the exact {what} needs more than {sums} partial sums in memory; stopped rather \
                 than guess"
            ),
            Incomplete::Ambiguous { what } => write!(
                f,
                "the exact {what} hit utilities within float noise of a reservation value; \
                 stopped rather than guess"
            ),
            Incomplete::OutOfReach {
                what,
                estimated_nodes,
                budget,
                from_growth: false,
            } => write!(
                f,
                "the exact {what} would need about {estimated_nodes:.1e} search nodes (estimated \
                 from random probes of the search tree), far more than the budget of {budget}; \
                 not attempted rather than guessed"
            ),
            Incomplete::OutOfReach {
                what,
                estimated_nodes,
                budget,
                from_growth: true,
            } => write!(
                f,
                "the exact {what} would need about {estimated_nodes:.1e} search nodes (estimated \
                 from how fast the partial frontiers grow), far more than the budget of \
                 {budget}; declined at once rather than guessed"
            ),
            Incomplete::TooManyToList {
                total,
                vectors,
                limit,
            } => write!(
                f,
                "{total} outcomes share the frontier's {vectors} distinct utility vectors, more \
                 than the {limit} that are listed one by one{}; the vectors are reported with \
                 their first outcome and exact count instead (pareto_vectors)",
                if *limit < MAX_LISTED {
                    " under this node budget (each listed outcome costs a node)"
                } else {
                    ""
                }
            ),
            Incomplete::PreferencesDoNotFit => {
                write!(f, "the preferences do not fit the outcome space")
            }
            Incomplete::InvalidEstimate(e) => {
                write!(f, "the moved estimate makes invalid preferences: {e}")
            }
        }
    }
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
    /// The Pareto frontier of the whole space as distinct utility vectors, in the order of
    /// [`Analysis::pareto`]. Available even when the outcomes are too many to list.
    pub pareto_vectors: Result<Vec<FrontierVector>, Incomplete>,
    /// The Pareto frontier of the acceptable outcomes as distinct utility vectors.
    pub pareto_acceptable_vectors: Result<Vec<FrontierVector>, Incomplete>,
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

/// Like [`analyze`], but with the depth-first search only, never the additive engine: the
/// reference the fast paths are checked against, and a baseline for benchmarks.
pub fn analyze_by_search(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    config: &AnalysisConfig,
) -> Analysis {
    analyze_with(space, prefs, None, config, Engine::Search)
}

/// The opposition level of a scenario (NegMAS's `opposition_level`): how far the nearest
/// acceptable outcome lies from the point where every party gets its maximum,
/// `√ min Σᵢ (1 − uᵢ/maxᵢ)²` over acceptable outcomes (0: some outcome is best for everyone).
///
/// The minimum is taken over `acceptable_frontier`, the distinct vectors of
/// [`Analysis::pareto_acceptable_vectors`]: every term falls as a utility rises, so the nearest
/// acceptable outcome is on that frontier, and the result is exact at any outcome count.
/// `maxᵢ` is party `i`'s maximum over the whole space; a party whose maximum is 0 counts
/// `(1 − uᵢ)²`, as in NegMAS. `None` when no outcome is acceptable.
///
/// # Example
/// ```
/// use detente_core::analysis::{self, synthetic};
///
/// let s = synthetic::scenario(&Default::default())?;
/// let a = analysis::analyze(s.space(), &s.preferences(), &Default::default());
/// let o = analysis::opposition(&s.preferences(), a.pareto_acceptable_vectors.as_ref().unwrap());
/// assert!(o.is_some_and(|o| o > 0.0 && o < 1.0));
/// # Ok::<(), detente_core::Error>(())
/// ```
pub fn opposition(prefs: &[&Preferences], acceptable_frontier: &[FrontierVector]) -> Option<f64> {
    let max: Vec<f64> = prefs.iter().map(|p| p.ufun().max()).collect();
    acceptable_frontier
        .iter()
        .filter(|v| v.acceptable)
        .map(|v| {
            v.utilities
                .iter()
                .zip(&max)
                .map(|(u, m)| {
                    let x = if *m != 0.0 { 1.0 - u / m } else { 1.0 - u };
                    x * x
                })
                .sum::<f64>()
        })
        .min_by(f64::total_cmp)
        .map(f64::sqrt)
}

/// Which engine [`analyze_with`] may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    /// The additive engine where it applies, the search elsewhere.
    Auto,
    /// The depth-first search only (the reference the fast paths are tested against).
    Search,
}

fn analyze_inner(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: Option<&[Vec<u32>]>,
    config: &AnalysisConfig,
) -> Analysis {
    analyze_with(space, prefs, allowed, config, Engine::Auto)
}

/// [`analyze_restricted`] with a choice of engine.
pub(crate) fn analyze_with(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: Option<&[Vec<u32>]>,
    config: &AnalysisConfig,
    engine: Engine,
) -> Analysis {
    let allowed = allowed_values(space, allowed);
    let mut outcomes = Cardinality::one();
    for v in &allowed {
        outcomes.mul_small(v.len() as u32);
    }
    if !fit(space, prefs) {
        return Analysis::unavailable(outcomes, Incomplete::PreferencesDoNotFit);
    }
    // Linked preferences (interaction terms, conditional red lines) are not additive: the
    // search alone handles them, with the links' bounds.
    let linked = prefs.iter().any(|p| p.is_linked());
    let fast = engine == Engine::Auto && !linked && additive::applies(prefs);
    // Values no party's red lines forbid.
    let acceptable_values: Vec<Vec<u32>> = allowed
        .iter()
        .enumerate()
        .map(|(i, vs)| {
            vs.iter()
                .copied()
                .filter(|&v| prefs.iter().all(|p| !p.red_lines().forbids(i, v)))
                .collect()
        })
        .collect();
    let hook = config.progress.as_ref();
    let acc = Problem::new(space, prefs, Some(allowed.as_slice()), true);
    let mut acc = metered(acc, hook, Phase::ZopaCount);
    let reservation: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
    // The zopa count and the additive engine's two frontiers are independent: they run side by
    // side (each result is computed alone, so the thread count cannot change it).
    let count = || {
        if !prefs.is_empty() && engine == Engine::Auto && !linked {
            let meter = acc.meter.as_deref();
            match additive::count_acceptable(prefs, &acceptable_values, config.max_nodes, meter) {
                Ok(c) => Ok(c),
                Err(additive::Stop::Ambiguous) => count_acceptable(&acc, config.max_nodes),
                Err(e) => Err(e.incomplete("zopa count")),
            }
        } else {
            count_acceptable(&acc, config.max_nodes)
        }
    };
    // The frontier of the acceptable outcomes, by the additive engine when it applies.
    let acceptable_frontier = || {
        if fast {
            let meter = Meter::of(hook, Phase::AcceptableFrontier);
            let mut budget = Budget::metered(config.max_nodes, meter);
            additive::frontier(prefs, &acceptable_values, Some(&reservation), &mut budget)
        } else {
            Err(additive::Stop::Budget(0))
        }
    };
    let full_frontier = || {
        if fast && config.full_frontier {
            let meter = Meter::of(hook, Phase::ParetoFrontier);
            let mut budget = Budget::metered(config.max_nodes, meter);
            Some(additive::frontier(prefs, &allowed, None, &mut budget))
        } else {
            None
        }
    };
    // Two linked parties without red lines: the cell engine (`rect`) computes both frontiers,
    // the zopa count and the bargaining points.
    let cells = if engine == Engine::Auto && linked && rect::applies(prefs) {
        rect::Cells::new(space, prefs, &allowed)
    } else {
        None
    };
    if let Some(cells) = cells {
        return linked_pair(space, prefs, &allowed, &cells, config, outcomes);
    }
    let ((zopa, acc_front), fast_full) =
        rayon::join(|| rayon::join(count, acceptable_frontier), full_frontier);
    // The searches below report as one phase (the zopa count's meter finishes here).
    acc.meter = Meter::of(hook, Phase::AcceptableSearch).map(Arc::new);
    // Where no red line removes a value, the acceptable outcomes are those whose utilities
    // reach every reservation value, so their frontier is the whole space's frontier cut at
    // the reservation values: when the direct computation stopped but the whole frontier is
    // exact, it is read off that (see `acceptable_part`).
    let acc_front = match (acc_front, &fast_full) {
        (Err(stop), Some(Ok(Some(full))))
            if stop != additive::Stop::Ambiguous && acceptable_values == allowed =>
        {
            match acceptable_part(full, &reservation) {
                Some(front) => Ok(Some(front)),
                None => Err(stop),
            }
        }
        (acc_front, _) => acc_front,
    };
    // The searches that stand in for a frontier that stopped, sized first: a tree estimated
    // (seeded probes) at more than `SEARCH_ESTIMATE_FACTOR` times the budget is not walked.
    let acc_out_of_reach = match &acc_front {
        Err(_) if fast => search_out_of_reach(&acc, config.max_nodes),
        _ => None,
    };
    let (bargaining, acc_vectors) =
        bargaining_points(&acc_front, acc_out_of_reach.as_ref(), &acc, prefs, config);
    let (ideal, nash, kalai_smorodinsky, max_welfare) = bargaining;
    let (pareto_acceptable, pareto_acceptable_vectors) = if !config.acceptable_frontier {
        (not_requested(), not_requested())
    } else {
        acceptable_frontier_of(
            &acc_front,
            acc_vectors,
            acc_out_of_reach.as_ref(),
            &acc,
            prefs,
            config,
        )
    };
    let (pareto, pareto_vectors) = if !config.full_frontier {
        (not_requested(), not_requested())
    } else {
        let all = || {
            let all = Problem::new(space, prefs, Some(allowed.as_slice()), false);
            metered(all, hook, Phase::ParetoSearch)
        };
        // Linked preferences have no additive frontier: sized as one that stopped.
        let fast_full = fast_full.or_else(|| {
            (linked && engine == Engine::Auto).then_some(Err(additive::Stop::Budget(0)))
        });
        whole_frontier(fast_full, &outcomes, all, prefs, config)
    };
    Analysis {
        outcomes,
        zopa,
        ideal,
        pareto,
        pareto_acceptable,
        pareto_vectors,
        pareto_acceptable_vectors,
        nash,
        kalai_smorodinsky,
        max_welfare,
    }
}

/// `pr`, its walkers reporting to `phase` when there is a hook.
fn metered(mut pr: Problem, hook: Option<&ProgressHook>, phase: Phase) -> Problem {
    pr.meter = Meter::of(hook, phase).map(Arc::new);
    pr
}

/// The values of each issue the restriction `allowed` leaves, without indices out of range (an
/// issue the restriction does not mention is unrestricted).
fn allowed_values(space: &OutcomeSpace, allowed: Option<&[Vec<u32>]>) -> Vec<Vec<u32>> {
    space
        .issues()
        .iter()
        .enumerate()
        .map(|(i, issue)| match allowed.and_then(|a| a.get(i)) {
            Some(a) => a
                .iter()
                .copied()
                .filter(|&v| v < issue.n_values())
                .collect(),
            None => (0..issue.n_values()).collect(),
        })
        .collect()
}

/// Whether every party's utility terms and red lines have the space's shape.
fn fit(space: &OutcomeSpace, prefs: &[&Preferences]) -> bool {
    let issues = space.issues();
    prefs.iter().all(|p| {
        p.ufun().terms().len() == issues.len()
            && p.ufun()
                .terms()
                .iter()
                .zip(issues)
                .all(|(t, i)| t.len() == i.n_values() as usize)
            && p.red_lines().per_issue().len() == issues.len()
    })
}

/// The acceptable outcomes' frontier by the additive engine (`None` inside: nothing acceptable).
type AdditiveFront = Result<Option<SumFrontier>, additive::Stop>;

/// Why the search standing in for a stopped frontier of the acceptable outcomes is not
/// walked: its tree is estimated (256 seeded probes) at more than [`SEARCH_ESTIMATE_FACTOR`]
/// times the budget. `None` when it is within reach.
fn search_out_of_reach(acc: &Problem, max_nodes: u64) -> Option<Incomplete> {
    let nodes = acc.estimate_feasible_nodes(256);
    (nodes > SEARCH_ESTIMATE_FACTOR * max_nodes as f64).then(|| Incomplete::OutOfReach {
        what: String::new(),
        estimated_nodes: nodes,
        budget: max_nodes,
        from_growth: false,
    })
}

/// `e` as said of the quantity `what` (an out-of-reach estimate is made once for several).
fn named(e: &Incomplete, what: &str) -> Incomplete {
    match e {
        Incomplete::OutOfReach {
            estimated_nodes,
            budget,
            from_growth,
            ..
        } => Incomplete::OutOfReach {
            what: what.into(),
            estimated_nodes: *estimated_nodes,
            budget: *budget,
            from_growth: *from_growth,
        },
        other => other.clone(),
    }
}

/// The ideal point and the Nash, Kalai–Smorodinsky and max-welfare points.
type BargainingPoints = (
    Result<Vec<Option<f64>>, Incomplete>,
    Optimum,
    Optimum,
    Optimum,
);

/// The ideal point, Nash, Kalai–Smorodinsky and max-welfare points: read off the acceptable
/// frontier when it is known (with its distinct vectors), else searched for, unless the
/// search is out of reach.
fn bargaining_points(
    acc_front: &AdditiveFront,
    out_of_reach: Option<&Incomplete>,
    acc: &Problem,
    prefs: &[&Preferences],
    config: &AnalysisConfig,
) -> (BargainingPoints, Option<Vec<FrontierVector>>) {
    match acc_front {
        Ok(front) => {
            let b = Bargaining::from_frontier(front.as_ref(), prefs);
            let vectors = front.as_ref().map_or_else(Vec::new, |f| vectors(f, prefs));
            (
                (
                    Ok(b.ideal),
                    Ok(b.nash),
                    Ok(b.kalai_smorodinsky),
                    Ok(b.max_welfare),
                ),
                Some(vectors),
            )
        }
        Err(_) => match out_of_reach {
            Some(e) => (
                (
                    Err(named(e, "ideal point")),
                    Err(named(e, "Nash point")),
                    Err(named(e, "Kalai–Smorodinsky point")),
                    Err(named(e, "maximum-welfare point")),
                ),
                None,
            ),
            None => (bargaining_by_search(acc, prefs, config.max_nodes), None),
        },
    }
}

/// The frontier of the acceptable outcomes, listed and as distinct vectors.
fn acceptable_frontier_of(
    acc_front: &AdditiveFront,
    acc_vectors: Option<Vec<FrontierVector>>,
    out_of_reach: Option<&Incomplete>,
    acc: &Problem,
    prefs: &[&Preferences],
    config: &AnalysisConfig,
) -> (
    Result<Vec<Point>, Incomplete>,
    Result<Vec<FrontierVector>, Incomplete>,
) {
    match (acc_front, acc_vectors) {
        (Ok(front), Some(v)) => {
            let meter = Meter::of(config.progress.as_ref(), Phase::AcceptableListing);
            (
                listed(front.as_ref(), prefs, &v, config.max_nodes, meter),
                Ok(v),
            )
        }
        // Declined by an estimate: the search is not tried either (as for the whole space).
        (Err(stop @ additive::Stop::Estimated { .. }), _) => {
            let e = stop.incomplete("frontier of the acceptable outcomes");
            (Err(e.clone()), Err(e))
        }
        _ => match out_of_reach {
            Some(e) => {
                let e = named(e, "frontier of the acceptable outcomes");
                (Err(e.clone()), Err(e))
            }
            None => frontier(acc, prefs, config.max_nodes, true),
        },
    }
}

/// The whole space's frontier, listed and as distinct vectors: the additive engine's when it
/// ran (`fast_full`), else the search over `all()` unless it is out of reach.
fn whole_frontier(
    fast_full: Option<AdditiveFront>,
    outcomes: &Cardinality,
    all: impl FnOnce() -> Problem,
    prefs: &[&Preferences],
    config: &AnalysisConfig,
) -> (
    Result<Vec<Point>, Incomplete>,
    Result<Vec<FrontierVector>, Incomplete>,
) {
    match fast_full {
        Some(Ok(front)) => {
            let v = front.as_ref().map_or_else(Vec::new, |f| vectors(f, prefs));
            let meter = Meter::of(config.progress.as_ref(), Phase::ParetoListing);
            (
                listed(front.as_ref(), prefs, &v, config.max_nodes, meter),
                Ok(v),
            )
        }
        // Declined by the growth estimate: the search would have to visit at least every
        // non-dominated partial outcome, so it is not tried either (the flagship's four
        // parties: 0.1 s instead of spending the search's whole budget).
        Some(Err(stop @ additive::Stop::Estimated { .. })) => {
            let e = stop.incomplete("Pareto frontier");
            (Err(e.clone()), Err(e))
        }
        Some(Err(_))
            if outcomes_exceed(outcomes, SEARCH_ESTIMATE_FACTOR * config.max_nodes as f64) =>
        {
            // The search over the whole space skips subtrees by dominance only; with no
            // additive frontier to go by (it stopped, or the preferences are linked and only
            // the search handles them), a space this much larger than the budget is not
            // walked: the linked flagship's 3.5·10¹² outcomes would spend the whole budget
            // (about a minute) before saying so.
            let e = Incomplete::OutOfReach {
                what: "Pareto frontier".into(),
                estimated_nodes: outcomes.to_f64(),
                budget: config.max_nodes,
                from_growth: false,
            };
            (Err(e.clone()), Err(e))
        }
        _ => frontier(&all(), prefs, config.max_nodes, false),
    }
}

/// A search standing in for a stopped additive computation whose tree is estimated at more
/// than this many times the node budget is not started (as for the zopa count).
const SEARCH_ESTIMATE_FACTOR: f64 = 1000.0;

fn outcomes_exceed(outcomes: &Cardinality, limit: f64) -> bool {
    outcomes.to_f64() > limit
}

/// The frontier of the acceptable outcomes read off the whole space's frontier `full`, when no
/// red line removes a value: its classes whose utilities reach every reservation value (up to
/// [`TIE_EPS`], as the direct computation keeps them). In exact arithmetic that is the
/// frontier of the acceptable outcomes: an acceptable outcome dominated by another outcome is
/// dominated by an acceptable one (the dominating outcome is at least as good for every
/// party). With float ties, a dominating outcome could sit just below a reservation value (by
/// less than 2·[`TIE_EPS`]); when a class of `full` lies in that band, `None` (not decided
/// here).
fn acceptable_part(full: &SumFrontier, reservation: &[f64]) -> Option<SumFrontier> {
    let thr: Vec<f64> = reservation.iter().map(|r| r - TIE_EPS).collect();
    let near = (0..full.len()).any(|k| {
        full.utilities(k)
            .iter()
            .zip(&thr)
            .any(|(u, t)| *u < *t && *u >= *t - 2.0 * TIE_EPS)
    });
    if near {
        return None;
    }
    full.restrict(|u| u.iter().zip(&thr).all(|(u, t)| *u >= *t))
}

/// Two linked parties without red lines: the frontiers by the rectangle engine
/// ([`rect_sets`], branch and bound over which rectangles hold) when no link value is
/// negative, else by the cell engine ([`rect`]); the cell engine counts the zone.
fn linked_pair(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: &[Vec<u32>],
    cells: &rect::Cells,
    config: &AnalysisConfig,
    outcomes: Cardinality,
) -> Analysis {
    let r = [prefs[0].reservation(), prefs[1].reservation()];
    let hook = config.progress.as_ref();
    let count = || {
        let _shown = Meter::started(hook, Phase::ZopaCount);
        rect::count_acceptable(cells, r, config.max_nodes)
    };
    // The search's and the listing's phases of a frontier (of the acceptable outcomes when
    // reservation values are given).
    let phases = |res: Option<[f64; 2]>| match res {
        None => (Phase::ParetoFrontier, Phase::ParetoListing),
        Some(_) => (Phase::AcceptableFrontier, Phase::AcceptableListing),
    };
    if let Some(rs) = rect_sets::RectSets::new(space, prefs, allowed) {
        let frontier = |res: Option<[f64; 2]>, what: &str| {
            let (search, listing) = phases(res);
            let _shown = Meter::started(hook, search);
            let listing = Meter::of(hook, listing);
            rect_sets_frontier(&rs, prefs, res, config.max_nodes, what, listing)
        };
        return by_cells(
            prefs,
            config,
            outcomes,
            count,
            rs.all_acceptable(r),
            &frontier,
        );
    }
    let frontier = |res: Option<[f64; 2]>, what: &str| {
        let (search, listing) = phases(res);
        let _shown = Meter::started(hook, search);
        let found = rect::frontier(cells, res, config.max_nodes, what);
        cell_frontier(
            cells,
            prefs,
            found,
            config.max_nodes,
            Meter::of(hook, listing),
        )
    };
    by_cells(
        prefs,
        config,
        outcomes,
        count,
        cells.all_acceptable(r),
        &frontier,
    )
}

/// Both frontiers of two linked parties as listed points and distinct vectors.
type FrontierPair = (
    Result<Vec<Point>, Incomplete>,
    Result<Vec<FrontierVector>, Incomplete>,
);

/// The analysis of two linked parties by the cell engine ([`rect`]) or the rectangle engine
/// ([`rect_sets`]): both frontiers by `frontier` (given the reservation values when only
/// acceptable outcomes count), the bargaining points read off the acceptable frontier (every
/// objective is monotone in every utility), the zopa count by `count`.
fn by_cells(
    prefs: &[&Preferences],
    config: &AnalysisConfig,
    outcomes: Cardinality,
    count: impl FnOnce() -> Result<Cardinality, Incomplete> + Send,
    all_acceptable: bool,
    frontier: &(dyn Fn(Option<[f64; 2]>, &str) -> FrontierPair + Sync),
) -> Analysis {
    let r = [prefs[0].reservation(), prefs[1].reservation()];
    let acc_what = "frontier of the acceptable outcomes";
    let full = || {
        config
            .full_frontier
            .then(|| frontier(None, "Pareto frontier"))
    };
    let acc = || frontier(Some(r), acc_what);
    // When every outcome is acceptable (ANAC 2014's reservation 0, say) the two searches are
    // the same search step for step (no reservation test can fire), so it runs once.
    let (zopa, ((acc_points, acc_vectors), full)) = if config.full_frontier && all_acceptable {
        let (zopa, (points, vectors)) = rayon::join(count, || frontier(None, "Pareto frontier"));
        let renamed = |e: &Incomplete| match e {
            Incomplete::NodeBudget { nodes, .. } => incomplete(acc_what, *nodes),
            other => other.clone(),
        };
        let acc = (
            points.as_ref().map_err(renamed).cloned(),
            vectors.as_ref().map_err(renamed).cloned(),
        );
        (zopa, (acc, Some((points, vectors))))
    } else {
        rayon::join(count, || rayon::join(acc, full))
    };
    let (ideal, nash, kalai_smorodinsky, max_welfare) = match &acc_vectors {
        Ok(v) => {
            let b = Bargaining::from_vectors(v, prefs);
            (
                Ok(b.ideal),
                Ok(b.nash),
                Ok(b.kalai_smorodinsky),
                Ok(b.max_welfare),
            )
        }
        Err(e) => (
            Err(e.clone()),
            Err(e.clone()),
            Err(e.clone()),
            Err(e.clone()),
        ),
    };
    let (pareto_acceptable, pareto_acceptable_vectors) = if config.acceptable_frontier {
        (acc_points, acc_vectors)
    } else {
        (not_requested(), not_requested())
    };
    let (pareto, pareto_vectors) = full.unwrap_or_else(|| (not_requested(), not_requested()));
    Analysis {
        outcomes,
        zopa,
        ideal,
        pareto,
        pareto_acceptable,
        pareto_vectors,
        pareto_acceptable_vectors,
        nash,
        kalai_smorodinsky,
        max_welfare,
    }
}

/// A frontier by the rectangle engine ([`rect_sets`]) as listed points and distinct vectors:
/// its vectors first, then every outcome on them (counts, first outcomes, lists).
fn rect_sets_frontier(
    rs: &rect_sets::RectSets,
    prefs: &[&Preferences],
    reservation: Option<[f64; 2]>,
    max_nodes: u64,
    what: &str,
    meter: Option<Meter>,
) -> FrontierPair {
    let found = rect_sets::frontier(rs, prefs, reservation, max_nodes, what)
        .0
        .and_then(|seed| rect_sets::collect(rs, prefs, reservation, &seed, max_nodes, what));
    match found {
        Ok(found) => listed_frontier(
            prefs,
            &found,
            |f| f.summary(rs),
            |f, out| f.outcomes(rs, out),
            max_nodes,
            meter,
        ),
        Err(e) => (Err(e.clone()), Err(e)),
    }
}

/// A frontier found by the cell engine as listed points and distinct vectors.
fn cell_frontier(
    cells: &rect::Cells,
    prefs: &[&Preferences],
    found: Result<Vec<rect::Found>, Incomplete>,
    max_nodes: u64,
    meter: Option<Meter>,
) -> FrontierPair {
    match found {
        Ok(found) => listed_frontier(
            prefs,
            &found,
            |f| f.summary(cells),
            |f, out| f.outcomes(cells, out),
            max_nodes,
            meter,
        ),
        Err(e) => (Err(e.clone()), Err(e)),
    }
}

/// The distinct vectors of a frontier found as parts (each with a first outcome and a count,
/// `summary`), and its outcomes listed one by one (`outcomes`) when there are at most
/// [`list_limit`] of them.
fn listed_frontier<F>(
    prefs: &[&Preferences],
    found: &[F],
    summary: impl Fn(&F) -> (Outcome, Cardinality),
    outcomes: impl Fn(&F, &mut Vec<Outcome>),
    max_nodes: u64,
    meter: Option<Meter>,
) -> FrontierPair {
    let mut total = Cardinality::from_u128(0);
    let mut vectors: Vec<FrontierVector> = found
        .iter()
        .map(|f| {
            let (outcome, count) = summary(f);
            total.add(&count);
            let p = point(prefs, outcome);
            FrontierVector {
                utilities: p.utilities,
                outcome: p.outcome,
                count,
                acceptable: p.acceptable,
            }
        })
        .collect();
    vectors.sort_by(|a, b| frontier_order(&a.utilities, &a.outcome, &b.utilities, &b.outcome));
    if total.to_u64().is_none_or(|t| t > list_limit(max_nodes)) {
        return (Err(too_many(&total, vectors.len(), max_nodes)), Ok(vectors));
    }
    let mut listed = Vec::new();
    for f in found {
        outcomes(f, &mut listed);
    }
    (Ok(sorted_points(listed, prefs, meter)), Ok(vectors))
}

fn not_requested<T>() -> Result<T, Incomplete> {
    Err(Incomplete::NotRequested)
}

impl Analysis {
    /// An analysis where every quantity is missing for the same reason.
    fn unavailable(outcomes: Cardinality, reason: Incomplete) -> Analysis {
        let e = || reason.clone();
        Analysis {
            outcomes,
            zopa: Err(e()),
            ideal: Err(e()),
            pareto: Err(e()),
            pareto_acceptable: Err(e()),
            pareto_vectors: Err(e()),
            pareto_acceptable_vectors: Err(e()),
            nash: Err(e()),
            kalai_smorodinsky: Err(e()),
            max_welfare: Err(e()),
        }
    }
}

type Optimum = Result<Option<Point>, Incomplete>;

/// Ideal point, Nash, Kalai–Smorodinsky and maximum welfare by branch and bound.
fn bargaining_by_search(
    acc: &Problem,
    prefs: &[&Preferences],
    max_nodes: u64,
) -> (
    Result<Vec<Option<f64>>, Incomplete>,
    Optimum,
    Optimum,
    Optimum,
) {
    let ideal = ideal_point(acc, prefs, max_nodes);
    let nash = maximize(acc, prefs, max_nodes, &|u, r| {
        u.iter().zip(r).map(|(u, r)| (u - r).max(0.0)).product()
    });
    let max_welfare = maximize(acc, prefs, max_nodes, &|u, _| u.iter().sum());
    let kalai_smorodinsky = match &ideal {
        Err(e) => Err(e.clone()),
        Ok(ideal) if ideal.iter().any(Option::is_none) => Ok(None),
        Ok(ideal) => {
            let ideal: Vec<f64> = ideal.iter().map(|x| x.unwrap_or(0.0)).collect();
            maximize(acc, prefs, max_nodes, &|u, r| ks_ratio(u, r, &ideal))
        }
    };
    (ideal, nash, kalai_smorodinsky, max_welfare)
}

/// minᵢ (uᵢ − rᵢ)/(idealᵢ − rᵢ), with 1 for a party whose ideal is its reservation value.
fn ks_ratio(u: &[f64], r: &[f64], ideal: &[f64]) -> f64 {
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
}

/// The bargaining points read off the frontier of the acceptable outcomes: every objective is
/// monotone in every utility, so some optimum lies on that frontier, and tie-breaks (welfare,
/// then enumeration order) pick the same outcome as a search over the whole space would.
struct Bargaining {
    ideal: Vec<Option<f64>>,
    nash: Option<Point>,
    kalai_smorodinsky: Option<Point>,
    max_welfare: Option<Point>,
}

impl Bargaining {
    /// The bargaining points read off distinct frontier vectors of acceptable outcomes (each
    /// with its first outcome): value, then welfare, then the earlier outcome.
    fn from_vectors(front: &[FrontierVector], prefs: &[&Preferences]) -> Bargaining {
        let np = prefs.len();
        if front.is_empty() {
            return Bargaining {
                ideal: vec![None; np],
                nash: None,
                kalai_smorodinsky: None,
                max_welfare: None,
            };
        }
        let r: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
        let best = |f: &dyn Fn(&[f64]) -> f64| -> &FrontierVector {
            let mut best: Option<(f64, f64, &FrontierVector)> = None;
            for v in front {
                let c = (f(&v.utilities), v.utilities.iter().sum::<f64>());
                let take = match &best {
                    None => true,
                    Some((bv, bw, b)) => beats(c, (*bv, *bw)).unwrap_or(v.outcome < b.outcome),
                };
                if take {
                    best = Some((c.0, c.1, v));
                }
            }
            best.map(|b| b.2).unwrap_or(&front[0])
        };
        solutions(
            np,
            &r,
            best,
            |p, v| v.utilities[p],
            |v| point(prefs, v.outcome.clone()),
        )
    }

    fn from_frontier(front: Option<&SumFrontier>, prefs: &[&Preferences]) -> Bargaining {
        let np = prefs.len();
        let Some(front) = front.filter(|f| f.len() > 0) else {
            return Bargaining {
                ideal: vec![None; np],
                nash: None,
                kalai_smorodinsky: None,
                max_welfare: None,
            };
        };
        let r: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
        // Utilities as `eval` gives them: the class sums are the representatives' raw sums.
        let utils: Vec<f64> = (0..front.len())
            .flat_map(|k| {
                front
                    .utilities(k)
                    .iter()
                    .zip(prefs)
                    .map(|(u, p)| p.ufun().finish(*u))
                    .collect::<Vec<_>>()
            })
            .collect();
        let u = |k: usize| &utils[k * np..(k + 1) * np];
        let best = |f: &dyn Fn(&[f64]) -> f64| -> usize {
            let mut best: Option<(f64, f64, usize)> = None;
            let mut best_rep: Option<Outcome> = None;
            for k in 0..front.len() {
                let (v, w) = (f(u(k)), u(k).iter().sum::<f64>());
                let take = match best {
                    None => true,
                    Some((bv, bw, bk)) => beats((v, w), (bv, bw)).unwrap_or_else(|| {
                        let rep = front.representative(k);
                        let b = best_rep.get_or_insert_with(|| front.representative(bk));
                        rep < *b
                    }),
                };
                if take {
                    best = Some((v, w, k));
                    best_rep = None;
                }
            }
            best.map_or(0, |b| b.2)
        };
        solutions(
            np,
            &r,
            best,
            |p, k| prefs[p].utility(&front.representative(k)),
            |k| point(prefs, front.representative(k)),
        )
    }
}

/// Whether a candidate (objective, welfare) beats the best so far: a higher objective, then a
/// higher welfare, each beyond [`TIE_EPS`]; `None` on a tie (the caller breaks it by outcome).
fn beats(c: (f64, f64), best: (f64, f64)) -> Option<bool> {
    if c.0 > best.0 + TIE_EPS {
        Some(true)
    } else if c.0 < best.0 - TIE_EPS {
        Some(false)
    } else if c.1 > best.1 + TIE_EPS {
        Some(true)
    } else if c.1 < best.1 - TIE_EPS {
        Some(false)
    } else {
        None
    }
}

/// The ideal point and the Nash, Kalai–Smorodinsky and max-welfare points over a frontier,
/// whatever holds it: `best` picks the frontier entry maximising an objective of the utilities
/// (ties as [`beats`]), `ideal_of` reads party `p`'s utility of an entry, `at` makes its point.
fn solutions<K: Copy>(
    np: usize,
    r: &[f64],
    best: impl Fn(&dyn Fn(&[f64]) -> f64) -> K,
    ideal_of: impl Fn(usize, K) -> f64,
    at: impl Fn(K) -> Point,
) -> Bargaining {
    let ideal: Vec<Option<f64>> = (0..np)
        .map(|p| Some(ideal_of(p, best(&|u: &[f64]| u[p]))))
        .collect();
    let ideal_values: Vec<f64> = ideal.iter().map(|x| x.unwrap_or(0.0)).collect();
    let nash = at(best(&|u: &[f64]| {
        u.iter().zip(r).map(|(u, r)| (u - r).max(0.0)).product()
    }));
    let max_welfare = at(best(&|u: &[f64]| u.iter().sum()));
    let kalai_smorodinsky = at(best(&|u: &[f64]| ks_ratio(u, r, &ideal_values)));
    Bargaining {
        ideal,
        nash: Some(nash),
        kalai_smorodinsky: Some(kalai_smorodinsky),
        max_welfare: Some(max_welfare),
    }
}

/// The frontier's distinct vectors, ordered like the points of a frontier.
fn vectors(front: &SumFrontier, prefs: &[&Preferences]) -> Vec<FrontierVector> {
    let mut v: Vec<FrontierVector> = (0..front.len())
        .map(|k| {
            let p = point(prefs, front.representative(k));
            FrontierVector {
                utilities: p.utilities,
                outcome: p.outcome,
                count: front.count(k).clone(),
                acceptable: p.acceptable,
            }
        })
        .collect();
    v.sort_by(|a, b| frontier_order(&a.utilities, &a.outcome, &b.utilities, &b.outcome));
    v
}

/// Every outcome of the frontier, or why they are not listed.
fn listed(
    front: Option<&SumFrontier>,
    prefs: &[&Preferences],
    vectors: &[FrontierVector],
    max_nodes: u64,
    meter: Option<Meter>,
) -> Result<Vec<Point>, Incomplete> {
    let Some(front) = front else {
        return Ok(Vec::new());
    };
    let mut total = Cardinality::from_u128(0);
    for v in vectors {
        total.add(&v.count);
    }
    match total.to_u64() {
        Some(n) if n <= list_limit(max_nodes) => {}
        _ => return Err(too_many(&total, vectors.len(), max_nodes)),
    }
    let mut outcomes = Vec::new();
    for k in 0..front.len() {
        front.outcomes(k, &mut outcomes);
    }
    Ok(sorted_points(outcomes, prefs, meter))
}

/// The points of `outcomes` in frontier order. `meter` sees a step per comparison of the sort
/// (estimated at n·⌈log₂ n⌉, a merge sort's most) and ⌈log₂ n⌉ steps per outcome evaluated
/// (an evaluation costs about as much as an element's share of the sort, linked utilities
/// more: measured on 10issuesDiscountedwithRV's 486,416 outcomes).
fn sorted_points(
    outcomes: Vec<Outcome>,
    prefs: &[&Preferences],
    meter: Option<Meter>,
) -> Vec<Point> {
    let n = outcomes.len() as u64;
    let log2 = u64::from(u64::BITS - n.leading_zeros());
    if let Some(m) = &meter {
        m.expect(Total::Estimate(n.saturating_mul(log2).saturating_mul(2)));
    }
    let mut steps = 0u64;
    let tick = |steps: &mut u64, by: u64| {
        *steps += by;
        if *steps & 0xfff < by
            && let Some(m) = &meter
        {
            m.reach(*steps);
        }
    };
    let mut points = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        points.push(point(prefs, o));
        tick(&mut steps, log2);
    }
    points.sort_by(|a, b| {
        tick(&mut steps, 1);
        frontier_order(&a.utilities, &a.outcome, &b.utilities, &b.outcome)
    });
    points
}

fn too_many(total: &Cardinality, n_vectors: usize, max_nodes: u64) -> Incomplete {
    Incomplete::TooManyToList {
        total: total.clone(),
        vectors: n_vectors,
        limit: list_limit(max_nodes),
    }
}

/// Frontier order: utilities (party 0 descending, then party 1, …) with ties up to float noise
/// treated as equal, then enumeration order.
fn frontier_order(ua: &[f64], oa: &Outcome, ub: &[f64], ob: &Outcome) -> std::cmp::Ordering {
    let key = |u: &f64| (u * 1e9).round() as i64;
    for (x, y) in ua.iter().zip(ub) {
        match key(y).cmp(&key(x)) {
            std::cmp::Ordering::Equal => continue,
            ord => return ord,
        }
    }
    oa.cmp(ob)
}

fn incomplete(what: &str, nodes: u64) -> Incomplete {
    Incomplete::NodeBudget {
        what: what.into(),
        nodes,
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
    fn take_all(&mut self, n: &Cardinality) {
        self.bulk.add(n);
    }
    fn acceptable_only(&self) -> bool {
        true
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
    if let Some(m) = &pr.meter {
        // Knuth's estimate of the tree (the count skips more: an upper estimate); linked
        // problems are not estimated, and no search goes past the budget.
        let estimate = pr.estimate_feasible_nodes(256);
        m.expect(progress::search_total(m.done(), estimate, max_nodes));
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
    fn acceptable_only(&self) -> bool {
        true
    }
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

/// One party's best outcome among those crossing none of its own red lines (conditional ones
/// included), exact by branch and bound whatever its walk-away value; `None` when every outcome
/// crosses one or the search needs more than `max_nodes` nodes.
pub(crate) fn best_within_red_lines(
    space: &OutcomeSpace,
    prefs: &Preferences,
    max_nodes: u64,
) -> Option<(f64, Outcome)> {
    // The walk-away value plays no part: put it below every utility.
    let p = Preferences::new(prefs.ufun().clone(), -1e300, prefs.red_lines().clone(), 1.0).ok()?;
    let pr = Problem::new(space, &[&p], None, true);
    maximize_value(&pr, max_nodes, &|u: &[f64], _: &[f64]| u[0]).ok()?
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

/// Outcomes found on one frontier vector: one leaf, or (linked problems) a whole subtree whose
/// leaves all have that vector.
#[derive(Clone, Debug)]
struct Block {
    /// The leaf, or the subtree's first outcome in outcome order.
    outcome: Outcome,
    /// For a subtree: its node's path and its leaf count.
    subtree: Option<Box<(Vec<u32>, Cardinality)>>,
}

impl Block {
    fn leaf(outcome: Outcome) -> Block {
        Block {
            outcome,
            subtree: None,
        }
    }
    fn count(&self) -> Cardinality {
        match &self.subtree {
            None => Cardinality::one(),
            Some(s) => s.1.clone(),
        }
    }
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
    outcomes: Vec<Vec<Block>>,
    /// Vectors compared since the last `take_work`.
    work: u64,
}

/// True when `a` and `b` are the same vector up to float noise.
fn ties(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= TIE_EPS)
}

impl Frontier {
    fn new(np: usize) -> Frontier {
        Frontier {
            np,
            utils: Vec::new(),
            outcomes: Vec::new(),
            work: 0,
        }
    }
    /// The same vectors with no outcomes: a start for a search that only reports what it adds.
    fn vectors_only(&self) -> Frontier {
        Frontier {
            np: self.np,
            utils: self.utils.clone(),
            outcomes: vec![Vec::new(); self.len()],
            work: 0,
        }
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
    fn insert(&mut self, x: &[f64], outcome: impl FnOnce() -> Block) {
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
    fn acceptable_only(&self) -> bool {
        self.acceptable_only
    }
    fn leaf(&mut self, u: &[f64], path: &[u32], pr: &Problem) {
        if self.acceptable_only && !feasible(u, self.r) {
            return;
        }
        self.front.insert(u, || Block::leaf(pr.outcome(path)));
    }
    fn uniform(&mut self, u: &[f64], path: &[u32], level: usize, pr: &Problem) {
        if self.acceptable_only && !feasible(u, self.r) {
            return;
        }
        self.front.insert(u, || Block {
            outcome: pr.outcome(path),
            subtree: Some(Box::new((
                path[..level].to_vec(),
                pr.leaves_below(level).clone(),
            ))),
        });
    }
}

/// The frontier by the depth-first search: every outcome on it, and its distinct vectors.
fn frontier(
    pr: &Problem,
    prefs: &[&Preferences],
    max_nodes: u64,
    acceptable_only: bool,
) -> (
    Result<Vec<Point>, Incomplete>,
    Result<Vec<FrontierVector>, Incomplete>,
) {
    if pr.empty {
        return (Ok(Vec::new()), Ok(Vec::new()));
    }
    let r = pr.reservation.clone();
    let what = if acceptable_only {
        "frontier of the acceptable outcomes"
    } else {
        "Pareto frontier"
    };
    // Units run in batches; each starts from the vectors found by earlier batches, so it can
    // prune against them, and reports the outcomes it adds.
    let all = pr.run_batched(
        Frontier::new(pr.np),
        |global: &Frontier| FrontierVisitor {
            r: &r,
            acceptable_only,
            front: global.vectors_only(),
        },
        |global: &mut Frontier, v: FrontierVisitor<'_>| {
            for k in 0..v.front.len() {
                for o in &v.front.outcomes[k] {
                    global.insert(v.front.row(k), || o.clone());
                }
            }
        },
        8,
        max_nodes,
    );
    let all = match all {
        Ok(all) => all,
        Err(a) => {
            let e = incomplete(what, a.nodes);
            return (Err(e.clone()), Err(e));
        }
    };
    let mut total = Cardinality::from_u128(0);
    let mut vectors: Vec<FrontierVector> = all
        .outcomes
        .iter()
        .filter_map(|os| {
            let first = os.iter().map(|b| &b.outcome).min()?;
            let p = point(prefs, first.clone());
            let mut count = Cardinality::from_u128(0);
            for b in os {
                count.add(&b.count());
            }
            total.add(&count);
            Some(FrontierVector {
                utilities: p.utilities,
                outcome: p.outcome,
                count,
                acceptable: p.acceptable,
            })
        })
        .collect();
    vectors.sort_by(|a, b| frontier_order(&a.utilities, &a.outcome, &b.utilities, &b.outcome));
    if total.to_u64().is_none_or(|t| t > list_limit(max_nodes)) {
        let e = too_many(&total, vectors.len(), max_nodes);
        return (Err(e), Ok(vectors));
    }
    let mut outcomes = Vec::new();
    for b in all.outcomes.into_iter().flatten() {
        match b.subtree {
            None => outcomes.push(b.outcome),
            Some(s) => pr.expand(&s.0, s.0.len(), &mut outcomes),
        }
    }
    let mut points: Vec<Point> = outcomes.into_iter().map(|o| point(prefs, o)).collect();
    points.sort_by(|a, b| frontier_order(&a.utilities, &a.outcome, &b.utilities, &b.outcome));
    (Ok(points), Ok(vectors))
}

#[cfg(test)]
mod linked_tests;
#[cfg(test)]
mod tests;
