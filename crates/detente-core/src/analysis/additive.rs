//! Exact analysis of additive preferences without enumerating the outcome space.
//!
//! Every utility function in detente is a sum of per-issue terms, so an outcome's utility
//! vector is a sum of one point per issue: `u(ω) = Σᵢ tᵢ(ωᵢ)`, where the point `tᵢ(v)` holds
//! every party's term for value `v` of issue `i`. Two algorithms use that structure.
//!
//! * **The frontier, issue by issue** ([`frontier`]). If a prefix (the values of the first `k`
//!   issues) is dominated by another prefix, every outcome that extends it is dominated too
//!   (keep the rest, swap the prefix). So the Pareto frontier is built as a chain of Minkowski
//!   sums: start from the points of issue 0, add the points of each next issue to every kept
//!   partial sum and keep only the non-dominated sums. Time and memory follow the size of the
//!   partial frontiers, not the outcome count: two parties over 80 issues × 10 options
//!   (10⁸⁰ outcomes) take about a quarter of a second. The non-dominated filter is a sweep in
//!   `O(n log d)` for two parties (with runs of clearly dominated candidates skipped by binary
//!   search) and `O(n log n)` for three (a staircase in a B-tree); for four or more it compares
//!   each candidate with the kept sums, so it is only as fast as the partial frontiers are small
//!   (the limit for 4+ parties; for 3+ parties the partial frontiers themselves grow).
//! * **Counting by merged partial sums** ([`count_acceptable`]). Whether an outcome is
//!   acceptable only depends on its utilities, so prefixes with the same partial sums are
//!   counted together: a dynamic program over the distinct partial sums, with subtrees dropped
//!   or counted whole by the same bounds as the depth-first search. When utilities sit on a
//!   grid (GENIUS domains: small integer evaluations) the number of distinct sums stays small at
//!   any outcome count. When they do not (continuous random terms), the program degrades into
//!   the depth-first search and stops at the node budget: counting the outcomes above two
//!   thresholds is #P-hard in general (it contains counting knapsack solutions), so no exact
//!   shortcut exists for arbitrary real terms.
//!
//! # Ties and tie classes
//!
//! Utilities within [`TIE_EPS`] are ties, as everywhere in `analysis`. The frontier is a list
//! of *classes*: each is one non-dominated utility vector with every outcome that reaches it
//! (within the tolerance). A class stores its exact outcome count and back-pointers, from which
//! its representative (its first outcome in enumeration order, which is the tie-break used by
//! the rest of `analysis`) and, when the count is small enough, the full list of its outcomes
//! are rebuilt. A frontier can thus have a few thousand classes shared by 10³⁰ outcomes and
//! still be reported exactly.
//!
//! Exactness: in exact arithmetic the stage-wise filter equals the definition over the whole
//! space. With floats, dominance and ties are decided with [`TIE_EPS`] at every stage; sums are
//! accumulated in issue order, as [`UtilityFunction::eval`](crate::UtilityFunction::eval) does,
//! so a class's vector is bit for bit its representative's utility. Results can differ from
//! the depth-first search only when two utility vectors differ by about [`TIE_EPS`] itself
//! (where "tie" and "domination" are ambiguous for any float algorithm); the property tests
//! check equality on grids where real ties are frequent.
//!
//! Non-goals: utilities clipped at 1 where the clip binds (the frontier of `min(Σ, 1)` is not
//! a Minkowski sum; [`applies`] says so and `analysis` uses the depth-first search there);
//! approximate frontiers.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};

use rand::RngExt;
use rayon::prelude::*;

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome};
use crate::preferences::Preferences;

use super::progress::Meter;

/// A clip at 1 that binds by less than this (rounding in weights that add up to 1) is treated
/// as not binding: it moves utilities by less than a hundredth of [`TIE_EPS`].
const CLIP_SLACK: f64 = 1e-14;

/// Most back-pointers a frontier may store across all issues (8 bytes each).
const MAX_MEMBERS: usize = 1 << 24;

/// Widest level of the counting program kept in memory before it continues depth first.
const COUNT_WIDTH: usize = 1 << 20;

/// From this width on, a level where partial sums hardly merge triggers an estimate of the
/// search tree (see [`count_acceptable`]).
const COUNT_EARLY_WIDTH: usize = 1 << 16;

/// Why an exact computation stopped.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stop {
    /// More than the node budget was needed; holds the nodes used.
    Budget(u64),
    /// The partial frontiers need more memory than [`MAX_MEMBERS`] back-pointers.
    Memory(usize),
    /// Merged partial sums straddle a reservation threshold by float noise.
    Ambiguous,
    /// An estimate of the work left exceeds the budget by far, so it was not attempted.
    Estimated {
        /// The estimated number of nodes.
        nodes: f64,
        /// The budget.
        budget: u64,
        /// How the estimate was made.
        how: Estimator,
    },
}

impl Stop {
    /// The [`Incomplete`](super::Incomplete) this stop means for `what`.
    pub(crate) fn incomplete(&self, what: &str) -> super::Incomplete {
        use super::Incomplete;
        let what = what.to_string();
        match *self {
            Stop::Budget(nodes) => Incomplete::NodeBudget { what, nodes },
            Stop::Memory(sums) => Incomplete::MemoryBudget { what, sums },
            Stop::Ambiguous => Incomplete::Ambiguous { what },
            Stop::Estimated { nodes, budget, how } => Incomplete::OutOfReach {
                what,
                estimated_nodes: nodes,
                budget,
                from_growth: how == Estimator::Growth,
            },
        }
    }
}

/// How a [`Stop::Estimated`] estimate was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Estimator {
    /// Knuth's estimator: seeded random probes of a search tree (a thousandfold margin).
    Probes,
    /// The growth of the partial frontiers so far ([`remaining_cost`], a fourfold margin), or
    /// of a two-party merge over thinned copies of its issues ([`merge_estimate`], no margin).
    Growth,
}

/// A node budget shared by the stages of one computation.
pub(crate) struct Budget {
    used: u64,
    max: u64,
    /// Where a frontier reports the issues it has merged (progress only).
    meter: Option<Meter>,
}

impl Budget {
    pub(crate) fn new(max: u64) -> Budget {
        Budget {
            used: 0,
            max,
            meter: None,
        }
    }

    /// A budget whose frontier reports its progress to `meter`.
    pub(crate) fn metered(max: u64, meter: Option<Meter>) -> Budget {
        Budget {
            meter,
            ..Budget::new(max)
        }
    }

    /// Nodes charged so far.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.used
    }

    fn charge(&mut self, n: u64) -> Result<(), Stop> {
        self.used = self.used.saturating_add(n);
        if self.used > self.max {
            Err(Stop::Budget(self.used))
        } else {
            Ok(())
        }
    }
}

/// Whether the issue-by-issue algorithms are exact for `prefs`: at least one party, every term
/// finite, and no clip at 1 that can bind (see [`CLIP_SLACK`]).
pub(crate) fn applies(prefs: &[&Preferences]) -> bool {
    !prefs.is_empty()
        && prefs.iter().all(|p| {
            let terms = p.ufun().terms();
            if terms.iter().flatten().any(|x| !x.is_finite()) {
                return false;
            }
            if !p.ufun().clips_at_one() {
                return true;
            }
            let raw_max: f64 = terms
                .iter()
                .map(|t| t.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                .sum();
            raw_max <= 1.0 + CLIP_SLACK
        })
}

// ------------------------------------------------------------------------------------------
// Exact counts.

// ------------------------------------------------------------------------------------------
// The frontier.

/// One way into a class: a class of the previous issue plus a group of this issue's values.
#[derive(Clone, Copy, Debug)]
struct Member {
    parent: u32,
    group: u32,
}

/// The classes after some issues: utility vectors, counts and the rank of each class's
/// representative in enumeration order.
struct Level {
    /// `np` utilities per class; classes are sorted by party 0's utility, descending.
    utils: Vec<f64>,
    counts: Vec<Cardinality>,
    /// Position of each class's representative prefix in enumeration order.
    rank: Vec<u32>,
}

/// The back-pointers of one issue: class `k`'s members are
/// `members[start[k]..start[k + 1]]`, its representative first.
struct Stage {
    start: Vec<u32>,
    members: Vec<Member>,
}

/// One issue's values grouped by tied points (dominated values dropped).
struct Groups {
    /// `np` terms per group: those of the group's smallest value.
    terms: Vec<f64>,
    /// The values of each group, ascending.
    values: Vec<Vec<u32>>,
}

/// The exact Pareto frontier of a sum of issues, as classes of tied outcomes.
pub(crate) struct SumFrontier {
    np: usize,
    groups: Vec<Groups>,
    stages: Vec<Stage>,
    last: Level,
}

/// Candidate sums: `np` utilities each, plus where they come from.
struct Candidates {
    np: usize,
    utils: Vec<f64>,
    from: Vec<Member>,
}

impl Candidates {
    fn with_capacity(np: usize, n: usize) -> Candidates {
        Candidates {
            np,
            utils: Vec::with_capacity(n * np),
            from: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.from.len()
    }

    fn u(&self, k: usize) -> &[f64] {
        &self.utils[k * self.np..(k + 1) * self.np]
    }
}

/// What an acceptable-only frontier prunes with.
struct Reach<'a> {
    /// `rᵢ − TIE_EPS`: the least acceptable utility of each party.
    thr: &'a [f64],
    /// `(issue * np + p)`: the most party `p` can still add from issue `issue` on.
    reach: &'a [f64],
    /// Margin for float noise in `reach`.
    slack: f64,
    /// Whether this is the last issue: then acceptability is decided exactly.
    last: bool,
}

/// True when `a` dominates `b` beyond [`TIE_EPS`].
#[inline]
fn dominates(a: &[f64], b: &[f64]) -> bool {
    super::search::dominates(a, b)
}

#[inline]
fn ties(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= TIE_EPS)
}

/// The exact Pareto frontier of the outcomes whose value on issue `i` is in `cands[i]`.
///
/// With `acceptable`, `(reservation values, …)`: only outcomes every party accepts count, and
/// partial sums that can no longer reach a reservation value are dropped on the way (red lines
/// must already be removed from `cands`). Returns `Ok(None)` when some issue has no candidate.
pub(crate) fn frontier(
    prefs: &[&Preferences],
    cands: &[Vec<u32>],
    reservation: Option<&[f64]>,
    budget: &mut Budget,
) -> Result<Option<SumFrontier>, Stop> {
    let np = prefs.len();
    let n_issues = cands.len();
    if np == 0 || cands.iter().any(Vec::is_empty) {
        return Ok(None);
    }
    let zero = Level {
        utils: vec![0.0; np],
        counts: vec![Cardinality::ONE],
        rank: vec![0],
    };
    // Each issue's own frontier: its values as groups of one, then tie-grouped.
    let mut groups = Vec::with_capacity(n_issues);
    for (i, values) in cands.iter().enumerate() {
        let terms: Vec<f64> = values
            .iter()
            .flat_map(|&v| prefs.iter().map(move |p| p.ufun().terms()[i][v as usize]))
            .collect();
        let single = Groups {
            terms,
            values: values.iter().map(|&v| vec![v]).collect(),
        };
        let (level, stage) = step(np, &zero, &single, None, budget)?;
        let mut g = Groups {
            terms: level.utils,
            values: Vec::with_capacity(stage.start.len() - 1),
        };
        for k in 0..stage.start.len() - 1 {
            let mut vs: Vec<u32> = stage.members
                [stage.start[k] as usize..stage.start[k + 1] as usize]
                .iter()
                .map(|m| single.values[m.group as usize][0])
                .collect();
            vs.sort_unstable();
            g.values.push(vs);
        }
        groups.push(g);
    }
    // Pruning bounds for the acceptable frontier.
    let thr: Vec<f64>;
    let mut reach = vec![0.0; (n_issues + 1) * np];
    let mut scale = 1.0f64;
    if let Some(r) = reservation {
        thr = r.iter().map(|r| r - TIE_EPS).collect();
        for i in (0..n_issues).rev() {
            for p in 0..np {
                let best = (0..groups[i].values.len())
                    .map(|g| groups[i].terms[g * np + p])
                    .fold(f64::NEG_INFINITY, f64::max);
                reach[i * np + p] = reach[(i + 1) * np + p] + best;
            }
        }
        for p in prefs {
            let s: f64 = p
                .ufun()
                .terms()
                .iter()
                .map(|t| t.iter().fold(0.0f64, |a, x| a.max(x.abs())))
                .sum();
            scale = scale.max(s);
        }
    } else {
        thr = Vec::new();
    }
    let mut stages = Vec::with_capacity(n_issues);
    let mut level = zero;
    let mut stored = 0usize;
    if let Some(m) = &budget.meter {
        m.expect(super::progress::Total::Exact(n_issues as u64));
    }
    for i in 0..n_issues {
        let prune = reservation.map(|_| Reach {
            thr: &thr,
            reach: &reach[(i + 1) * np..(i + 2) * np],
            slack: 1e-9 * scale,
            last: i + 1 == n_issues,
        });
        // Two parties: the merge of a step costs up to one heap pop per pair (class, group);
        // when that could exceed the budget left, its cost is estimated first.
        if np == 2 {
            let left = budget.max.saturating_sub(budget.used);
            if let Some(nodes) = merge_estimate(&level, &groups[i], prune.as_ref(), left)
                && nodes > MERGE_ESTIMATE_FACTOR * left as f64
            {
                return Err(Stop::Estimated {
                    nodes,
                    budget: budget.max,
                    how: Estimator::Growth,
                });
            }
        }
        let (next, stage) = step(np, &level, &groups[i], prune.as_ref(), budget)?;
        stored += stage.members.len();
        if stored > MAX_MEMBERS {
            return Err(Stop::Memory(MAX_MEMBERS));
        }
        stages.push(stage);
        if let Some(m) = &budget.meter {
            m.reach(i as u64 + 1);
        }
        let before = level.counts.len();
        level = next;
        if level.counts.is_empty() {
            break;
        }
        // Four parties or more (fewer grow slowly and filter in near-linear time: two parties
        // over 80 issues have a frontier of a few thousand), from the third issue on (the
        // first steps say little about growth); the frontier of the acceptable outcomes too
        // (its partial frontiers only hold sums that can still reach every reservation value,
        // so they grow no faster than the whole space's).
        if np > 3 && i >= 2 {
            let rest: Vec<usize> = groups[i + 1..].iter().map(|g| g.values.len()).collect();
            let nodes = remaining_cost(i + 1, before, level.counts.len(), &rest);
            let left = budget.max.saturating_sub(budget.used);
            if nodes > FRONTIER_ESTIMATE_FACTOR * left as f64 {
                return Err(Stop::Estimated {
                    nodes,
                    budget: budget.max,
                    how: Estimator::Growth,
                });
            }
        }
    }
    Ok(Some(SumFrontier {
        np,
        groups,
        stages,
        last: level,
    }))
}

/// A two-party step whose merge is estimated ([`merge_estimate`]) to need more than this many
/// times the budget left is declined at once.
const MERGE_ESTIMATE_FACTOR: f64 = 1.0;

/// Pairs (class, group) of the larger thinned copy [`merge_estimate`] merges.
const MERGE_SAMPLE: usize = 1 << 18;

/// The heap pops (budget nodes) of the two-party merge of `prev` and `groups`, estimated from
/// how the pops grow between two thinned copies (every `f`-th class and group, then every
/// `2f`-th, the larger with about [`MERGE_SAMPLE`] pairs): the pops are fitted as a power
/// `pairs^β` of the pairs, `β` between ½ (the pops follow a frontier's length) and 1 (every pair
/// is popped), and extrapolated to the full merge. Deterministic, and it only decides whether
/// to try; `None` when the merge cannot exceed `left` (it pops each pair at most once).
fn merge_estimate(
    prev: &Level,
    groups: &Groups,
    prune: Option<&Reach<'_>>,
    left: u64,
) -> Option<f64> {
    let (m, d) = (prev.counts.len(), groups.values.len());
    let pairs = m as f64 * d as f64;
    if pairs <= left as f64 {
        return None;
    }
    let f = ((pairs / MERGE_SAMPLE as f64).sqrt().ceil() as usize).max(1);
    let sample = |f: usize| -> (f64, f64) {
        let classes: Vec<usize> = (0..m).step_by(f).collect();
        let level = Level {
            utils: classes
                .iter()
                .flat_map(|&c| [prev.utils[2 * c], prev.utils[2 * c + 1]])
                .collect(),
            counts: vec![Cardinality::ONE; classes.len()],
            rank: (0..classes.len() as u32).collect(),
        };
        let kept: Vec<usize> = (0..d).step_by(f).collect();
        let thin = Groups {
            terms: kept
                .iter()
                .flat_map(|&g| [groups.terms[2 * g], groups.terms[2 * g + 1]])
                .collect(),
            values: vec![Vec::new(); kept.len()],
        };
        let pops = merge_two(&level, &thin, prune, u64::MAX).1;
        (classes.len() as f64 * kept.len() as f64, pops.max(1) as f64)
    };
    let (pairs_a, pops_a) = sample(f);
    let (pairs_b, pops_b) = sample(2 * f);
    let beta = if pairs_a > pairs_b {
        ((pops_a / pops_b).ln() / (pairs_a / pairs_b).ln()).clamp(0.5, 1.0)
    } else {
        1.0
    };
    let est = (pops_a * (pairs / pairs_a).powf(beta)).min(f64::MAX);
    Some(est)
}

/// A four-party (or more) frontier whose remaining steps are estimated to cost more than this
/// many times the budget left is declined at once (see [`remaining_cost`]).
const FRONTIER_ESTIMATE_FACTOR: f64 = 4.0;

/// The budget the remaining steps of a frontier would charge, after `done` issues took the
/// partial frontier from `before` classes to `now`, with `rest` the tie groups of the
/// remaining issues. The partial frontier is taken to grow as a power of the number of issues
/// summed, `classes ∝ issuesᵞ`, with `γ` fitted to the last step (a frontier of `n` parties is
/// an `(n − 1)`-dimensional surface, and the sum of more issues spreads it polynomially: the
/// flagship's four parties grow by 1.3 to 4 per issue, to 32,222 classes after 13 of 20
/// issues; a synthetic 4-party, 8-issue space by 2.0, 1.7, 1.9, 2.2 on its last issues, a
/// steady `γ ≈ 3`). Each step's candidates and pairwise filter are charged as [`step`] charges
/// them. This decides early what a budget cannot reach; it only decides whether to go on,
/// never a result. Without growth (`now <= before`) the frontier is assumed to stay as it is.
///
/// (Until issue 17 item 10 the growth per issue was taken as the square root of the last
/// factor, constant: it underestimated polynomial growth threefold on the 8-issue space, and
/// together with a hundredfold margin let a 4-party, 20-issue, 3-option space spend its whole
/// budget.)
fn remaining_cost(done: usize, before: usize, now: usize, rest: &[usize]) -> f64 {
    let gamma = if before == 0 || done < 2 {
        0.0
    } else {
        ((now as f64 / before as f64).max(1.0)).ln() / (done as f64 / (done - 1) as f64).ln()
    };
    let mut m = now as f64;
    let mut cost = 0.0f64;
    for (k, &d) in rest.iter().enumerate() {
        let n = m * d as f64;
        let issues = (done + k) as f64;
        let next = m * ((issues + 1.0) / issues).powf(gamma);
        // The candidates and the pairwise filter, as `step` charges them.
        cost += n + n * next / 64.0;
        m = next;
        if !cost.is_finite() {
            return f64::MAX;
        }
    }
    cost
}

/// Adds `groups` to every class of `prev` and keeps the non-dominated sums, as classes.
fn step(
    np: usize,
    prev: &Level,
    groups: &Groups,
    prune: Option<&Reach<'_>>,
    budget: &mut Budget,
) -> Result<(Level, Stage), Stop> {
    let m = prev.counts.len();
    let d = groups.values.len();
    let keep = |u: &[f64]| -> bool {
        match prune {
            None => true,
            Some(b) if b.last => u.iter().zip(b.thr).all(|(u, t)| *u >= *t),
            Some(b) => u
                .iter()
                .zip(b.reach)
                .zip(b.thr)
                .all(|((u, r), t)| *u + *r >= *t - b.slack),
        }
    };
    // Candidates in order of party 0's utility, descending (ties: group, then class order).
    let cand = if np == 2 {
        // The merge stops once it has used what is left of the budget, so a huge space is
        // declined within the budget rather than after the whole merge has run.
        let (cand, pops) = merge_two(prev, groups, prune, budget.max.saturating_sub(budget.used));
        budget.charge(pops)?;
        cand
    } else {
        budget.charge((m as u64).saturating_mul(d as u64))?;
        let mut all = Candidates::with_capacity(np, m * d);
        let mut u = vec![0.0; np];
        for c in 0..m {
            for g in 0..d {
                for p in 0..np {
                    u[p] = prev.utils[c * np + p] + groups.terms[g * np + p];
                }
                if keep(&u) {
                    all.utils.extend_from_slice(&u);
                    all.from.push(Member {
                        parent: c as u32,
                        group: g as u32,
                    });
                }
            }
        }
        let mut order: Vec<u32> = (0..all.len() as u32).collect();
        order.sort_by(|&a, &b| {
            all.u(b as usize)[0]
                .total_cmp(&all.u(a as usize)[0])
                .then(a.cmp(&b))
        });
        let mut sorted = Candidates::with_capacity(np, all.len());
        for k in order {
            sorted.utils.extend_from_slice(all.u(k as usize));
            sorted.from.push(all.from[k as usize]);
        }
        sorted
    };
    let survivors = if np == 2 {
        sweep_two(&cand)
    } else if np == 3 {
        sweep_three(&cand)
    } else {
        let s = filter_many(&cand);
        budget.charge((cand.len() as u64).saturating_mul(s.len() as u64) / 64)?;
        s
    };
    Ok(classes(np, prev, groups, &cand, &survivors))
}

/// Candidates of two parties, merged from the `d` staircases `prev + group` (each sorted by
/// party 0's utility, descending, because `prev` is and float addition is monotone).
///
/// Most candidates are dominated by a wide margin, so they are not even stored: when the head
/// of a staircase lies more than [`TIE_EPS`] below (on party 1) a stored candidate that is more
/// than [`TIE_EPS`] ahead (on party 0), a binary search skips the whole run of such heads (party
/// 1's utility rises along a staircase, up to [`TIE_EPS`] of noise, for which the search keeps
/// a margin). Anything a skipped candidate dominates, its dominator dominates too, so the exact
/// filter ([`sweep_two`]) over the stored candidates gives the same result.
///
/// Stops after `limit + 1` pops (each is one node of the budget): the candidates are then
/// incomplete, and the caller's charge of the pops fails.
fn merge_two(
    prev: &Level,
    groups: &Groups,
    prune: Option<&Reach<'_>>,
    limit: u64,
) -> (Candidates, u64) {
    #[derive(PartialEq)]
    struct Head {
        u0: f64,
        group: u32,
        class: u32,
    }
    impl Eq for Head {}
    impl Ord for Head {
        fn cmp(&self, o: &Head) -> Ordering {
            self.u0
                .total_cmp(&o.u0)
                .then(o.group.cmp(&self.group))
                .then(o.class.cmp(&self.class))
        }
    }
    impl PartialOrd for Head {
        fn partial_cmp(&self, o: &Head) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    let m = prev.counts.len();
    let d = groups.values.len();
    let pu = &prev.utils;
    let mut out = Candidates::with_capacity(2, m + d + 16);
    let mut heap = BinaryHeap::with_capacity(d);
    let push = |heap: &mut BinaryHeap<Head>, g: usize, c: usize| {
        if c < m {
            heap.push(Head {
                u0: pu[2 * c] + groups.terms[2 * g],
                group: g as u32,
                class: c as u32,
            });
        }
    };
    for g in 0..d {
        push(&mut heap, g, 0);
    }
    // `best` is the highest party-1 utility among stored candidates more than TIE_EPS ahead on
    // party 0 of the current head (`ahead` of them).
    let (mut ahead, mut best) = (0usize, f64::NEG_INFINITY);
    let mut pops = 0u64;
    while let Some(h) = heap.pop() {
        pops += 1;
        if pops > limit {
            break;
        }
        let (c, g) = (h.class as usize, h.group as usize);
        let t1 = groups.terms[2 * g + 1];
        let u = [h.u0, pu[2 * c + 1] + t1];
        while ahead < out.len() && out.utils[2 * ahead] > u[0] + TIE_EPS {
            best = best.max(out.utils[2 * ahead + 1]);
            ahead += 1;
        }
        if let Some(b) = prune {
            let fails = |p: usize| {
                if b.last {
                    u[p] < b.thr[p]
                } else {
                    u[p] + b.reach[p] < b.thr[p] - b.slack
                }
            };
            if fails(0) {
                // Party 0's utility only falls along the staircase: nothing more from it.
                continue;
            }
            if fails(1) {
                push(&mut heap, g, c + 1);
                continue;
            }
        }
        if u[1] < best - TIE_EPS {
            // Skip the run of heads whose party-1 utility stays below `best − 3ε`.
            let below = |k: usize| pu[2 * k + 1] + t1 < best - 3.0 * TIE_EPS;
            let (mut lo, mut hi) = (c + 1, m);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if below(mid) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            push(&mut heap, g, lo);
            continue;
        }
        out.utils.extend_from_slice(&u);
        out.from.push(Member {
            parent: h.class,
            group: h.group,
        });
        push(&mut heap, g, c + 1);
    }
    (out, pops)
}

/// The non-dominated candidates of two parties, in candidate order. Candidates come sorted by
/// party 0's utility, descending. `p` is dominated iff some `q` has `q₀ > p₀ + ε` and
/// `q₁ ≥ p₁ − ε`, or `|q₀ − p₀| ≤ ε` and `q₁ > p₁ + ε`: a prefix maximum and a sliding-window
/// maximum, so the filter is linear.
fn sweep_two(c: &Candidates) -> Vec<u32> {
    let n = c.len();
    let u0 = |k: usize| c.utils[2 * k];
    let u1 = |k: usize| c.utils[2 * k + 1];
    let mut out = Vec::new();
    let (mut a, mut b) = (0usize, 0usize);
    let mut best_a = f64::NEG_INFINITY;
    // Indices of the window [a, b) with decreasing u1.
    let mut window = std::collections::VecDeque::new();
    for j in 0..n {
        let (p0, p1) = (u0(j), u1(j));
        while a < n && u0(a) > p0 + TIE_EPS {
            best_a = best_a.max(u1(a));
            a += 1;
        }
        while b < n && u0(b) >= p0 - TIE_EPS {
            while window.back().is_some_and(|&k| u1(k) <= u1(b)) {
                window.pop_back();
            }
            window.push_back(b);
            b += 1;
        }
        while window.front().is_some_and(|&k| k < a) {
            window.pop_front();
        }
        let band = window.front().map_or(f64::NEG_INFINITY, |&k| u1(k));
        if !(best_a >= p1 - TIE_EPS || band > p1 + TIE_EPS) {
            out.push(j as u32);
        }
    }
    out
}

/// A key that orders floats like `f64::total_cmp`.
fn ordered(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

/// The non-dominated candidates of three parties, in candidate order. Candidates come sorted
/// by party 0's utility, descending. As in [`sweep_two`], `p` is dominated by some `q` more
/// than [`TIE_EPS`] ahead on party 0 with `q₁ ≥ p₁ − ε` and `q₂ ≥ p₂ − ε` (a query on the
/// staircase of those `q`'s maximal `(q₁, q₂)` pairs, kept in a B-tree: `O(log n)`), or by one
/// within [`TIE_EPS`] of `p` on party 0 that is ahead by more than [`TIE_EPS`] on party 1 or 2
/// (a scan of that band, which holds ties on party 0 only).
fn sweep_three(c: &Candidates) -> Vec<u32> {
    use std::collections::BTreeMap;
    let n = c.len();
    let u = |k: usize, p: usize| c.utils[3 * k + p];
    // Keys: party 1's utility; values: the largest party-2 utility of a maximal pair. Along
    // rising keys values fall, so the first entry at or above a key holds the maximum there.
    let mut stair: BTreeMap<i64, f64> = BTreeMap::new();
    let insert = |stair: &mut BTreeMap<i64, f64>, x1: f64, x2: f64| {
        if stair
            .range(ordered(x1)..)
            .next()
            .is_some_and(|(_, &y2)| y2 >= x2)
        {
            return;
        }
        let gone: Vec<i64> = stair
            .range(..=ordered(x1))
            .rev()
            .take_while(|(_, y2)| **y2 <= x2)
            .map(|(k, _)| *k)
            .collect();
        for k in gone {
            stair.remove(&k);
        }
        stair.insert(ordered(x1), x2);
    };
    let mut out = Vec::new();
    let (mut a, mut b) = (0usize, 0usize);
    for j in 0..n {
        let (p0, p1, p2) = (u(j, 0), u(j, 1), u(j, 2));
        while a < n && u(a, 0) > p0 + TIE_EPS {
            insert(&mut stair, u(a, 1), u(a, 2));
            a += 1;
        }
        while b < n && u(b, 0) >= p0 - TIE_EPS {
            b += 1;
        }
        let ahead = stair
            .range(ordered(p1 - TIE_EPS)..)
            .next()
            .is_some_and(|(_, &q2)| q2 >= p2 - TIE_EPS);
        let band = || {
            (a..b).any(|k| {
                let (q1, q2) = (u(k, 1), u(k, 2));
                q1 >= p1 - TIE_EPS && q2 >= p2 - TIE_EPS && (q1 > p1 + TIE_EPS || q2 > p2 + TIE_EPS)
            })
        };
        if !ahead && !band() {
            out.push(j as u32);
        }
    }
    out
}

/// The non-dominated candidates of any number of parties, in candidate order: each candidate
/// against the kept ones (a later candidate can only dominate an earlier one within
/// [`TIE_EPS`] of party 0's utility, and then removes it).
fn filter_many(c: &Candidates) -> Vec<u32> {
    let mut kept: Vec<u32> = Vec::new();
    for j in 0..c.len() {
        let x = c.u(j);
        if kept.iter().any(|&k| dominates(c.u(k as usize), x)) {
            continue;
        }
        kept.retain(|&k| !dominates(x, c.u(k as usize)));
        kept.push(j as u32);
    }
    kept
}

/// Groups tied survivors into classes, picks each class's representative (its first outcome
/// in enumeration order), sums counts and ranks the classes.
fn classes(
    np: usize,
    prev: &Level,
    groups: &Groups,
    cand: &Candidates,
    survivors: &[u32],
) -> (Level, Stage) {
    // Survivors are sorted by party 0 descending, so a tie partner lies within TIE_EPS on it.
    let mut firsts: Vec<u32> = Vec::new();
    let mut class_of: Vec<u32> = Vec::with_capacity(survivors.len());
    let mut lo = 0usize;
    for &s in survivors {
        let u = cand.u(s as usize);
        while lo < firsts.len() && cand.u(firsts[lo] as usize)[0] > u[0] + TIE_EPS {
            lo += 1;
        }
        let k = (lo..firsts.len())
            .find(|&k| ties(cand.u(firsts[k] as usize), u))
            .unwrap_or_else(|| {
                firsts.push(s);
                firsts.len() - 1
            });
        class_of.push(k as u32);
    }
    let n_classes = firsts.len();
    // Members per class, in survivor order (counting sort).
    let mut start = vec![0u32; n_classes + 1];
    for &k in &class_of {
        start[k as usize + 1] += 1;
    }
    for k in 0..n_classes {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut members = vec![
        Member {
            parent: 0,
            group: 0
        };
        survivors.len()
    ];
    let mut member_cand = vec![0u32; survivors.len()];
    for (&s, &k) in survivors.iter().zip(&class_of) {
        let at = fill[k as usize] as usize;
        members[at] = cand.from[s as usize];
        member_cand[at] = s;
        fill[k as usize] += 1;
    }
    // Representative: the member with the smallest (parent rank, smallest value).
    let key = |m: &Member| {
        (
            prev.rank[m.parent as usize],
            groups.values[m.group as usize][0],
        )
    };
    let mut counts = Vec::with_capacity(n_classes);
    let mut rep_cand = Vec::with_capacity(n_classes);
    for k in 0..n_classes {
        let (a, b) = (start[k] as usize, start[k + 1] as usize);
        let best = (a..b).min_by_key(|&x| key(&members[x])).unwrap_or(a);
        members.swap(a, best);
        member_cand.swap(a, best);
        rep_cand.push(member_cand[a]);
        let mut count = Cardinality::ZERO;
        for m in &members[a..b] {
            let size = Cardinality::from_u128(groups.values[m.group as usize].len() as u128);
            count.add(&prev.counts[m.parent as usize].mul(&size));
        }
        counts.push(count);
    }
    // Classes sorted by the representative's utility of party 0, descending (stable).
    let mut order: Vec<u32> = (0..n_classes as u32).collect();
    order.sort_by(|&a, &b| {
        cand.u(rep_cand[b as usize] as usize)[0]
            .total_cmp(&cand.u(rep_cand[a as usize] as usize)[0])
    });
    let mut level = Level {
        utils: Vec::with_capacity(n_classes * np),
        counts: Vec::with_capacity(n_classes),
        rank: vec![0; n_classes],
    };
    let mut stage = Stage {
        start: Vec::with_capacity(n_classes + 1),
        members: Vec::with_capacity(members.len()),
    };
    stage.start.push(0);
    for &k in &order {
        let k = k as usize;
        level.utils.extend_from_slice(cand.u(rep_cand[k] as usize));
        level
            .counts
            .push(std::mem::replace(&mut counts[k], Cardinality::ZERO));
        stage
            .members
            .extend_from_slice(&members[start[k] as usize..start[k + 1] as usize]);
        stage.start.push(stage.members.len() as u32);
    }
    // Ranks: classes in the order of their representatives' prefixes.
    let mut by_rep: Vec<u32> = (0..n_classes as u32).collect();
    by_rep.sort_by_key(|&k| key(&stage.members[stage.start[k as usize] as usize]));
    for (r, &k) in by_rep.iter().enumerate() {
        level.rank[k as usize] = r as u32;
    }
    (level, stage)
}

impl SumFrontier {
    /// Number of classes (distinct non-dominated utility vectors).
    pub(crate) fn len(&self) -> usize {
        self.last.counts.len()
    }

    /// The utilities of class `k` (its representative's, bit for bit).
    pub(crate) fn utilities(&self, k: usize) -> &[f64] {
        &self.last.utils[k * self.np..(k + 1) * self.np]
    }

    /// How many outcomes class `k` holds.
    pub(crate) fn count(&self, k: usize) -> &Cardinality {
        &self.last.counts[k]
    }

    /// The same frontier restricted to the classes whose raw utility sums pass `keep` (classes
    /// keep their representatives, counts and outcomes). `None` for a frontier of no issue.
    pub(crate) fn restrict(&self, keep: impl Fn(&[f64]) -> bool) -> Option<SumFrontier> {
        let last_stage = self.stages.last()?;
        let np = self.np;
        let mut level = Level {
            utils: Vec::new(),
            counts: Vec::new(),
            rank: Vec::new(),
        };
        let mut stage = Stage {
            start: vec![0],
            members: Vec::new(),
        };
        for k in 0..self.len() {
            if !keep(self.utilities(k)) {
                continue;
            }
            level.utils.extend_from_slice(self.utilities(k));
            level.counts.push(self.last.counts[k].clone());
            level.rank.push(self.last.rank[k]);
            stage.members.extend_from_slice(
                &last_stage.members[last_stage.start[k] as usize..last_stage.start[k + 1] as usize],
            );
            stage.start.push(stage.members.len() as u32);
        }
        let mut stages: Vec<Stage> = self
            .stages
            .iter()
            .take(self.stages.len() - 1)
            .map(|s| Stage {
                start: s.start.clone(),
                members: s.members.clone(),
            })
            .collect();
        stages.push(stage);
        Some(SumFrontier {
            np,
            groups: self
                .groups
                .iter()
                .map(|g| Groups {
                    terms: g.terms.clone(),
                    values: g.values.clone(),
                })
                .collect(),
            stages,
            last: level,
        })
    }

    /// The first outcome of class `k` in enumeration order.
    pub(crate) fn representative(&self, k: usize) -> Outcome {
        let mut idx = vec![0u32; self.stages.len()];
        let mut c = k;
        for i in (0..self.stages.len()).rev() {
            let s = &self.stages[i];
            let m = s.members[s.start[c] as usize];
            idx[i] = self.groups[i].values[m.group as usize][0];
            c = m.parent as usize;
        }
        Outcome::new(idx)
    }

    /// Every outcome of class `k` (as many as [`Self::count`] says), in no particular order.
    pub(crate) fn outcomes(&self, k: usize, out: &mut Vec<Outcome>) {
        let n = self.stages.len();
        let mut idx = vec![0u32; n];
        if n > 0 {
            self.expand(n - 1, k, &mut idx, out);
        }
    }

    fn expand(&self, i: usize, c: usize, idx: &mut Vec<u32>, out: &mut Vec<Outcome>) {
        let s = &self.stages[i];
        for m in &s.members[s.start[c] as usize..s.start[c + 1] as usize] {
            for &v in &self.groups[i].values[m.group as usize] {
                idx[i] = v;
                if i == 0 {
                    out.push(Outcome::new(idx.clone()));
                } else {
                    self.expand(i - 1, m.parent as usize, idx, out);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Counting.

/// The exact number of outcomes (value of issue `i` in `cands[i]`) every party accepts.
///
/// Red lines must already be removed from `cands`. Levels of distinct partial sums are kept
/// while they have at most [`COUNT_WIDTH`] entries; past that, each entry is finished depth
/// first, in parallel, with bounded memory.
///
/// Before a search that cannot merge, Knuth's estimator (256 seeded random probes, so the same
/// on every run) sizes its tree: when the estimate exceeds the node budget a thousandfold (or,
/// on a level wider than [`COUNT_EARLY_WIDTH`] where under a tenth of the sums merged, a
/// millionfold), the count is declined at once as [`Stop::Estimated`] instead of spending the
/// budget first. The estimate only decides whether to try; a count is never estimated.
pub(crate) fn count_acceptable(
    prefs: &[&Preferences],
    cands: &[Vec<u32>],
    max_nodes: u64,
    meter: Option<&Meter>,
) -> Result<Cardinality, Stop> {
    let limits = (COUNT_EARLY_WIDTH, COUNT_WIDTH);
    count_acceptable_with(prefs, cands, max_nodes, limits, meter)
}

/// [`count_acceptable`] with explicit level widths (tests use tiny ones to exercise the
/// depth-first part).
fn count_acceptable_with(
    prefs: &[&Preferences],
    cands: &[Vec<u32>],
    max_nodes: u64,
    (early_width, max_width): (usize, usize),
    meter: Option<&Meter>,
) -> Result<Cardinality, Stop> {
    let np = prefs.len();
    let n_issues = cands.len();
    if cands.iter().any(Vec::is_empty) {
        return Ok(Cardinality::from_u128(0));
    }
    // A party that clips at 1 accepts min(raw, 1) ≥ r − ε, i.e. raw ≥ r − ε unless r − ε > 1.
    let thr: Vec<f64> = prefs.iter().map(|p| p.reservation() - TIE_EPS).collect();
    if prefs
        .iter()
        .zip(&thr)
        .any(|(p, &t)| p.ufun().clips_at_one() && t > 1.0)
    {
        return Ok(Cardinality::from_u128(0));
    }
    let order = count_order(prefs, cands);
    let groups = value_groups(prefs, cands, &order);
    let (smax, smin, rest, scale) = suffix_bounds(np, cands, &order, &groups);
    let ctx = CountCtx {
        np,
        n_issues,
        groups: &groups,
        thr: &thr,
        smax: &smax,
        smin: &smin,
        rest: &rest,
        slack: 1e-9 * scale,
        quantum: 1e-13 * scale,
    };
    let mut budget = Budget::new(max_nodes);
    let mut total = Cardinality::ZERO;
    // Level 0: the empty prefix.
    let mut states = States {
        lo: vec![0.0; np],
        hi: vec![0.0; np],
        counts: vec![Cardinality::ONE],
        merged_share: 0.0,
    };
    // Whether the estimate below was made already.
    let mut estimated = false;
    for i in 0..n_issues {
        if states.counts.is_empty() {
            break;
        }
        let width = states.counts.len() * groups[i].1.len();
        if !estimated && width > early_width && states.merged_share < 0.1 {
            // Wide and hardly merging: if even a millionfold saving from later merges would
            // leave the search beyond the budget, stop now.
            estimated = true;
            let estimate = ctx.estimate_nodes(i, &states, 256);
            if estimate > 1e6 * max_nodes as f64 {
                return Err(Stop::Estimated {
                    nodes: estimate,
                    budget: max_nodes,
                    how: Estimator::Probes,
                });
            }
        }
        if width > max_width {
            // Partial sums no longer merge: the rest is a plain depth-first search. When its
            // tree is clearly beyond the budget, say so now rather than after the budget.
            let left = max_nodes.saturating_sub(budget.used);
            let estimate = ctx.estimate_nodes(i, &states, 256);
            if estimate > 1000.0 * left as f64 {
                return Err(Stop::Estimated {
                    nodes: estimate,
                    budget: max_nodes,
                    how: Estimator::Probes,
                });
            }
            if let Some(m) = meter {
                m.expect(super::progress::search_total(budget.used, estimate, left));
            }
            total.add(&ctx.depth_first(i, &states, (budget.used, max_nodes), meter)?);
            return Ok(total);
        }
        budget.charge(width as u64)?;
        if let Some(m) = meter {
            m.reach(budget.used);
        }
        states = ctx.expand(i, &states, &mut total)?;
    }
    Ok(total)
}

/// The count's level order: issues with the widest spread of terms first, so the bounds decide
/// early (the count does not depend on the order).
fn count_order(prefs: &[&Preferences], cands: &[Vec<u32>]) -> Vec<usize> {
    let n_issues = cands.len();
    let spread = |i: usize| -> f64 {
        prefs
            .iter()
            .map(|p| {
                let t = &p.ufun().terms()[i];
                let (lo, hi) = cands[i]
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(t[v as usize]), hi.max(t[v as usize]))
                    });
                hi - lo
            })
            .sum()
    };
    let spreads: Vec<f64> = (0..n_issues).map(spread).collect();
    let mut order: Vec<usize> = (0..n_issues).collect();
    order.sort_by(|&a, &b| spreads[b].total_cmp(&spreads[a]).then(a.cmp(&b)));
    order
}

/// Per level (issue `order[i]`): the distinct term points of its values, flattened (`np` terms
/// each), and each point's multiplicity; values with bit-identical points are one group.
fn value_groups(
    prefs: &[&Preferences],
    cands: &[Vec<u32>],
    order: &[usize],
) -> Vec<(Vec<f64>, Vec<Cardinality>)> {
    let mut groups: Vec<(Vec<f64>, Vec<Cardinality>)> = Vec::with_capacity(order.len());
    for &i in order {
        let values = &cands[i];
        let mut pts: Vec<Vec<u64>> = values
            .iter()
            .map(|&v| {
                prefs
                    .iter()
                    .map(|p| p.ufun().terms()[i][v as usize].to_bits())
                    .collect()
            })
            .collect();
        pts.sort_unstable();
        let mut terms = Vec::new();
        let mut mult: Vec<Cardinality> = Vec::new();
        for (k, pt) in pts.iter().enumerate() {
            if k > 0 && pts[k - 1] == *pt {
                if let Some(n) = mult.last_mut() {
                    n.add(&Cardinality::ONE);
                }
            } else {
                terms.extend(pt.iter().map(|&b| f64::from_bits(b)));
                mult.push(Cardinality::ONE);
            }
        }
        groups.push((terms, mult));
    }
    groups
}

/// Per level and party, the largest and smallest sums of the levels from there on (`smax`,
/// `smin`, `(levels + 1) × np`), the number of outcomes of those levels (`rest`), and the
/// scale of the sums (the largest total of absolute terms, at least 1).
fn suffix_bounds(
    np: usize,
    cands: &[Vec<u32>],
    order: &[usize],
    groups: &[(Vec<f64>, Vec<Cardinality>)],
) -> (Vec<f64>, Vec<f64>, Vec<Cardinality>, f64) {
    let n_issues = cands.len();
    let mut smax = vec![0.0; (n_issues + 1) * np];
    let mut smin = vec![0.0; (n_issues + 1) * np];
    let mut rest = vec![Cardinality::ONE; n_issues + 1];
    let mut scale = 1.0f64;
    for i in (0..n_issues).rev() {
        let (t, mult) = &groups[i];
        for p in 0..np {
            let col = (0..mult.len()).map(|g| t[g * np + p]);
            let hi = col.clone().fold(f64::NEG_INFINITY, f64::max);
            let lo = col.fold(f64::INFINITY, f64::min);
            smax[i * np + p] = smax[(i + 1) * np + p] + hi;
            smin[i * np + p] = smin[(i + 1) * np + p] + lo;
        }
        rest[i] = rest[i + 1].mul(&Cardinality::from_u128(cands[order[i]].len() as u128));
    }
    for p in 0..np {
        let s: f64 = (0..n_issues)
            .map(|i| {
                let (t, mult) = &groups[i];
                (0..mult.len()).fold(0.0f64, |a, g| a.max(t[g * np + p].abs()))
            })
            .sum();
        scale = scale.max(s);
    }
    (smax, smin, rest, scale)
}

/// Partial sums of one level: an interval `[lo, hi]` per party (merged sums are within a few
/// quanta of each other) and how many prefixes reach it.
struct States {
    lo: Vec<f64>,
    hi: Vec<f64>,
    counts: Vec<Cardinality>,
    /// Share of the level's open sums that merged into others (0 when nothing merged).
    merged_share: f64,
}

struct CountCtx<'a> {
    np: usize,
    n_issues: usize,
    /// Per issue: `np` terms per group and each group's multiplicity.
    groups: &'a [(Vec<f64>, Vec<Cardinality>)],
    thr: &'a [f64],
    smax: &'a [f64],
    smin: &'a [f64],
    /// Number of completions from issue `i` on.
    rest: &'a [Cardinality],
    /// Bound checks before the last issue keep this margin, so float noise in the bounds never
    /// drops or takes an outcome wrongly; the last issue is decided exactly.
    slack: f64,
    /// Partial sums this close are merged.
    quantum: f64,
}

/// What the bounds say about a partial sum after issue `i`.
enum Decision {
    None,
    All,
    Open,
}

impl CountCtx<'_> {
    /// Decides the partial sums `[lo, hi]` after issue `i` (0-based, included).
    fn decide(&self, i: usize, lo: &[f64], hi: &[f64]) -> Result<Decision, Stop> {
        let np = self.np;
        if i + 1 == self.n_issues {
            if lo.iter().zip(self.thr).all(|(u, t)| *u >= *t) {
                return Ok(Decision::All);
            }
            if hi.iter().zip(self.thr).any(|(u, t)| *u < *t) {
                return Ok(Decision::None);
            }
            return Err(Stop::Ambiguous);
        }
        let next = (i + 1) * np;
        let mut all = true;
        for p in 0..np {
            if hi[p] + self.smax[next + p] < self.thr[p] - self.slack {
                return Ok(Decision::None);
            }
            if lo[p] + self.smin[next + p] < self.thr[p] + self.slack {
                all = false;
            }
        }
        Ok(if all { Decision::All } else { Decision::Open })
    }

    /// The next level: every state plus every group of issue `i`, decided, then merged.
    fn expand(&self, i: usize, s: &States, total: &mut Cardinality) -> Result<States, Stop> {
        let np = self.np;
        let (terms, mult) = &self.groups[i];
        let mut next = States {
            lo: Vec::new(),
            hi: Vec::new(),
            counts: Vec::new(),
            merged_share: 0.0,
        };
        let (mut lo, mut hi) = (vec![0.0; np], vec![0.0; np]);
        for k in 0..s.counts.len() {
            for (g, m) in mult.iter().enumerate() {
                for p in 0..np {
                    lo[p] = s.lo[k * np + p] + terms[g * np + p];
                    hi[p] = s.hi[k * np + p] + terms[g * np + p];
                }
                match self.decide(i, &lo, &hi)? {
                    Decision::None => {}
                    Decision::All => total.add(&s.counts[k].mul(m).mul(&self.rest[i + 1])),
                    Decision::Open => {
                        next.lo.extend_from_slice(&lo);
                        next.hi.extend_from_slice(&hi);
                        next.counts.push(s.counts[k].mul(m));
                    }
                }
            }
        }
        Ok(self.merge(next))
    }

    /// Merges states whose partial sums fall in the same quantum (and stay within a few quanta
    /// of each other), in a fixed order.
    fn merge(&self, s: States) -> States {
        let np = self.np;
        let n = s.counts.len();
        // Quantised sums (truncation is as good as rounding: intervals keep the merge exact).
        let inv = 1.0 / self.quantum;
        let keys: Vec<i64> = s.lo.iter().map(|x| (x * inv) as i64).collect();
        let key = |k: usize, p: usize| keys[k * np + p];
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            keys[a as usize * np..(a as usize + 1) * np]
                .cmp(&keys[b as usize * np..(b as usize + 1) * np])
                .then(a.cmp(&b))
        });
        let mut out = States {
            lo: Vec::with_capacity(s.lo.len()),
            hi: Vec::with_capacity(s.hi.len()),
            counts: Vec::with_capacity(n),
            merged_share: 0.0,
        };
        let mut last: Option<usize> = None;
        let max_width = 64.0 * self.quantum;
        for &k in &order {
            let k = k as usize;
            if let Some(j) = last {
                let o = out.counts.len() - 1;
                let same = (0..np).all(|p| key(j, p) == key(k, p));
                let narrow = (0..np).all(|p| {
                    let lo = out.lo[o * np + p].min(s.lo[k * np + p]);
                    let hi = out.hi[o * np + p].max(s.hi[k * np + p]);
                    hi - lo <= max_width
                });
                if same && narrow {
                    for p in 0..np {
                        out.lo[o * np + p] = out.lo[o * np + p].min(s.lo[k * np + p]);
                        out.hi[o * np + p] = out.hi[o * np + p].max(s.hi[k * np + p]);
                    }
                    out.counts[o].add(&s.counts[k]);
                    continue;
                }
            }
            out.lo.extend_from_slice(&s.lo[k * np..(k + 1) * np]);
            out.hi.extend_from_slice(&s.hi[k * np..(k + 1) * np]);
            out.counts.push(s.counts[k].clone());
            last = Some(k);
        }
        if n > 0 {
            out.merged_share = 1.0 - out.counts.len() as f64 / n as f64;
        }
        out
    }

    /// Knuth's estimate of the nodes a depth-first search from the states before issue `i`
    /// would generate: the mean over `probes` random root-to-leaf paths (seeded, so the
    /// estimate is the same on every run) of the path's node counts weighted by the inverse
    /// of its probability.
    fn estimate_nodes(&self, i: usize, s: &States, probes: usize) -> f64 {
        let np = self.np;
        let n = s.counts.len();
        if n == 0 {
            return 0.0;
        }
        let mut r = crate::rng::rng(0x6b6e_7574_6865_7374);
        let (mut lo, mut hi) = (vec![0.0; np], vec![0.0; np]);
        let (mut clo, mut chi) = (vec![0.0; np], vec![0.0; np]);
        let mut open: Vec<usize> = Vec::new();
        let mut sum = 0.0;
        for _ in 0..probes {
            let k = r.random_range(0..n);
            lo.copy_from_slice(&s.lo[k * np..(k + 1) * np]);
            hi.copy_from_slice(&s.hi[k * np..(k + 1) * np]);
            let mut weight = n as f64;
            for level in i..self.n_issues {
                let (terms, mult) = &self.groups[level];
                sum += weight * mult.len() as f64;
                if level + 1 == self.n_issues {
                    break;
                }
                open.clear();
                for g in 0..mult.len() {
                    for p in 0..np {
                        clo[p] = lo[p] + terms[g * np + p];
                        chi[p] = hi[p] + terms[g * np + p];
                    }
                    if matches!(self.decide(level, &clo, &chi), Ok(Decision::Open)) {
                        open.push(g);
                    }
                }
                if open.is_empty() {
                    break;
                }
                weight *= open.len() as f64;
                let g = open[r.random_range(0..open.len())];
                for p in 0..np {
                    lo[p] += terms[g * np + p];
                    hi[p] += terms[g * np + p];
                }
            }
        }
        // Past f64's range the tree is beyond any budget anyway.
        (sum / probes as f64).min(f64::MAX)
    }

    /// Finishes every state of the level before issue `i` depth first, in parallel chunks whose
    /// results are added in chunk order.
    fn depth_first(
        &self,
        i: usize,
        s: &States,
        (used, max_nodes): (u64, u64),
        meter: Option<&Meter>,
    ) -> Result<Cardinality, Stop> {
        let nodes = AtomicU64::new(used);
        let abort = AtomicBool::new(false);
        let ambiguous = AtomicBool::new(false);
        let n = s.counts.len();
        let chunks: Vec<(usize, usize)> =
            (0..n).step_by(256).map(|a| (a, (a + 256).min(n))).collect();
        let parts: Vec<Cardinality> = chunks
            .par_iter()
            .map(|&(a, b)| {
                let mut w = Dfs {
                    ctx: self,
                    lo: vec![0.0; (self.n_issues + 1) * self.np],
                    hi: vec![0.0; (self.n_issues + 1) * self.np],
                    local: 0,
                    nodes: &nodes,
                    abort: &abort,
                    ambiguous: &ambiguous,
                    max_nodes,
                    total: Cardinality::ZERO,
                    meter,
                };
                for k in a..b {
                    let np = self.np;
                    w.lo[i * np..(i + 1) * np].copy_from_slice(&s.lo[k * np..(k + 1) * np]);
                    w.hi[i * np..(i + 1) * np].copy_from_slice(&s.hi[k * np..(k + 1) * np]);
                    w.descend(i, &s.counts[k]);
                }
                w.flush();
                w.total
            })
            .collect();
        if ambiguous.load(AtomicOrdering::Relaxed) {
            return Err(Stop::Ambiguous);
        }
        if abort.load(AtomicOrdering::Relaxed) {
            // The count reached before every chunk saw the abort depends on timing; the
            // budget does not.
            return Err(Stop::Budget(max_nodes));
        }
        let mut total = Cardinality::ZERO;
        for p in &parts {
            total.add(p);
        }
        Ok(total)
    }
}

struct Dfs<'a> {
    ctx: &'a CountCtx<'a>,
    /// `(level * np + p)`: partial sums before issue `level`.
    lo: Vec<f64>,
    hi: Vec<f64>,
    local: u64,
    nodes: &'a AtomicU64,
    abort: &'a AtomicBool,
    ambiguous: &'a AtomicBool,
    max_nodes: u64,
    total: Cardinality,
    /// Where the nodes are reported (progress only).
    meter: Option<&'a Meter>,
}

impl Dfs<'_> {
    fn flush(&mut self) {
        let t = self.nodes.fetch_add(self.local, AtomicOrdering::Relaxed) + self.local;
        if let Some(m) = self.meter {
            m.reach(t);
        }
        self.local = 0;
        if t > self.max_nodes {
            self.abort.store(true, AtomicOrdering::Relaxed);
        }
    }

    /// Adds the accepted completions of the partial sums before issue `i`, each reached by
    /// `weight` prefixes.
    fn descend(&mut self, i: usize, weight: &Cardinality) {
        if self.abort.load(AtomicOrdering::Relaxed) {
            return;
        }
        let ctx = self.ctx;
        let np = ctx.np;
        let (terms, mult) = &ctx.groups[i];
        self.local += mult.len() as u64;
        if self.local >= 4096 {
            self.flush();
        }
        for (g, m) in mult.iter().enumerate() {
            let (base, next) = (i * np, (i + 1) * np);
            for p in 0..np {
                self.lo[next + p] = self.lo[base + p] + terms[g * np + p];
                self.hi[next + p] = self.hi[base + p] + terms[g * np + p];
            }
            let decision = ctx.decide(i, &self.lo[next..next + np], &self.hi[next..next + np]);
            match decision {
                Err(_) => {
                    self.ambiguous.store(true, AtomicOrdering::Relaxed);
                    self.abort.store(true, AtomicOrdering::Relaxed);
                    return;
                }
                Ok(Decision::None) => {}
                Ok(Decision::All) => {
                    let w = if m.to_u128() == Some(1) {
                        weight.clone()
                    } else {
                        weight.mul(m)
                    };
                    self.total.add(&w.mul(&ctx.rest[i + 1]));
                }
                Ok(Decision::Open) => {
                    let w = if m.to_u128() == Some(1) {
                        weight.clone()
                    } else {
                        weight.mul(m)
                    };
                    self.descend(i + 1, &w);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::outcome::{Issue, OutcomeSpace};
    use crate::preferences::{RedLines, UtilityFunction};

    /// Random parties over a small space: terms on a coarse grid (sums tie and merge) or
    /// continuous (they do not), reservation values, sometimes a clip at 1.
    fn parties() -> impl Strategy<Value = (OutcomeSpace, Vec<Preferences>)> {
        (
            prop::collection::vec(1u32..6, 1..6),
            1usize..4,
            any::<u64>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(sizes, np, seed, grid, clip)| {
                use rand::SeedableRng;
                let mut r = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
                let issues = sizes
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| Issue::integer(format!("i{i}"), 0, i64::from(n) - 1, 1).unwrap())
                    .collect();
                let space = OutcomeSpace::new(issues).unwrap();
                let prefs = (0..np)
                    .map(|_| {
                        let terms = sizes
                            .iter()
                            .map(|&n| {
                                (0..n)
                                    .map(|_| {
                                        if grid {
                                            f64::from(r.random_range(0..4u32)) * 0.1
                                        } else {
                                            r.random::<f64>() * 0.4
                                        }
                                    })
                                    .collect()
                            })
                            .collect();
                        let u = UtilityFunction::from_terms(&space, terms, clip).unwrap();
                        let res = f64::from(r.random_range(0..12u32)) * 0.1;
                        Preferences::new(u, res, RedLines::none(sizes.len()), 1.0).unwrap()
                    })
                    .collect();
                (space, prefs)
            })
    }

    proptest! {
        #![proptest_config(crate::proptest_config(300))]

        /// The count equals brute force whether levels merge, stay wide or go depth first.
        #[test]
        fn counts_match_brute_force((space, prefs) in parties(), width in 1usize..40) {
            let prefs: Vec<&Preferences> = prefs.iter().collect();
            let n = space.cardinality().to_u128().unwrap();
            let want = (0..n)
                .filter(|&k| {
                    let o = space.outcome_at(k).unwrap();
                    prefs.iter().all(|p| crate::analysis::tests::acceptable_def(p, &o))
                })
                .count();
            let cands: Vec<Vec<u32>> =
                space.issues().iter().map(|i| (0..i.n_values()).collect()).collect();
            for (early, max) in [(COUNT_EARLY_WIDTH, COUNT_WIDTH), (width, width), (1, usize::MAX)] {
                match count_acceptable_with(&prefs, &cands, u64::MAX, (early, max), None) {
                    Ok(c) => prop_assert_eq!(c.to_u64(), Some(want as u64)),
                    Err(e) => prop_assert!(false, "{:?}", e),
                }
            }
        }
    }

    #[test]
    fn a_tiny_sweep_keeps_ties_and_drops_dominated_points() {
        let c = Candidates {
            np: 2,
            // Sorted by u0 descending: (3, 0), (2, 1), (2, 1) tie, (1, 1) dominated, (0, 5).
            utils: vec![3.0, 0.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0.0, 5.0],
            from: vec![
                Member {
                    parent: 0,
                    group: 0
                };
                5
            ],
        };
        assert_eq!(sweep_two(&c), vec![0, 1, 2, 4]);
        assert_eq!(filter_many(&c), vec![0, 1, 2, 4]);
        // The same with a third party that ties everywhere.
        let c3 = Candidates {
            np: 3,
            utils: c.utils.chunks(2).flat_map(|u| [u[0], u[1], 0.5]).collect(),
            from: c.from.clone(),
        };
        assert_eq!(sweep_three(&c3), vec![0, 1, 2, 4]);
        assert_eq!(filter_many(&c3), vec![0, 1, 2, 4]);
    }

    proptest! {
        #![proptest_config(crate::proptest_config(500))]

        /// The three-party sweep keeps exactly what the pairwise filter keeps, on coarse grids
        /// (many ties) and with float noise below the tolerance.
        #[test]
        fn the_three_party_sweep_equals_the_pairwise_filter(
            pts in prop::collection::vec((0u8..5, 0u8..5, 0u8..5, 0u8..3), 0..60),
        ) {
            let mut pts: Vec<[f64; 3]> = pts
                .iter()
                .map(|&(a, b, c, noise)| {
                    let e = f64::from(noise) * 1e-14;
                    [f64::from(a) * 0.1 + e, f64::from(b) * 0.1 - e, f64::from(c) * 0.1 + e]
                })
                .collect();
            pts.sort_by(|x, y| y[0].total_cmp(&x[0]));
            let c = Candidates {
                np: 3,
                utils: pts.iter().flatten().copied().collect(),
                from: vec![Member { parent: 0, group: 0 }; pts.len()],
            };
            prop_assert_eq!(sweep_three(&c), filter_many(&c));
        }
    }
}
