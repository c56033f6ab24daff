//! Depth-first search over the outcome space with per-issue bounds.
//!
//! Every exact analysis in detente is one walk over a tree whose levels are issues and whose
//! branches are the values still allowed on each issue. Because utilities are additive, the
//! best and worst utility each party can still reach below a node is the partial sum plus the
//! suffix sums of per-issue maxima and minima. A [`Visitor`] uses those bounds to skip subtrees
//! (nothing acceptable or nothing better below), to count whole subtrees at once (everything
//! acceptable below), and sees every leaf that survives.
//!
//! Work is split into units (fixed prefixes of the first levels) that run in parallel and are
//! merged in unit order, so results do not depend on the thread count.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome, OutcomeSpace};
use crate::preferences::Preferences;

use super::linked::{LinkIndex, LinkState, Terms, level_order};

/// The search problem: candidate values per level and their utility terms.
pub(crate) struct Problem {
    pub(crate) np: usize,
    n_issues: usize,
    /// Level -> issue index.
    order: Vec<usize>,
    /// Level -> candidate value indices (of that issue).
    cands: Vec<Vec<u32>>,
    /// Level -> flattened terms `[cand * np + p]`.
    terms: Vec<Vec<f64>>,
    /// `(level * np + p)`: suffix sums of per-level maxima / minima from `level` on.
    smax: Vec<f64>,
    smin: Vec<f64>,
    clip: Vec<bool>,
    /// Level -> number of leaves below a node of that level (exact at any size).
    leaves_below: Vec<Cardinality>,
    pub(crate) reservation: Vec<f64>,
    /// True when some level has no candidate (or a forbidden box always holds): the tree is
    /// empty.
    pub(crate) empty: bool,
    /// Interaction terms and forbidden boxes, when any party has them.
    links: Option<LinkIndex>,
    /// The link state at the root, copied by every unit (building it refreshes every bucket).
    link_root: Option<LinkState>,
    /// Level -> index of the candidate with the lowest value index.
    min_cand: Vec<u32>,
    /// Where the walkers report the nodes they visit (progress only; never read back).
    pub(crate) meter: Option<std::sync::Arc<super::progress::Meter>>,
}

/// What a visitor wants done with a subtree.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prune {
    /// Descend.
    Descend,
    /// Skip the whole subtree.
    Skip,
    /// Skip it, but tell the visitor via [`Visitor::take_all`] (used for counting).
    TakeAll,
}

/// A search over the tree. `opt`/`pess` are the per-party upper/lower bounds below a node.
pub(crate) trait Visitor: Send {
    fn prune(&mut self, opt: &[f64], pess: &[f64]) -> Prune;
    fn take_all(&mut self, _n_leaves: &Cardinality) {}
    /// Work done since the last call beyond visiting nodes (e.g. dominance comparisons), in
    /// node-sized units, so the node budget bounds the time a search can take.
    fn take_work(&mut self) -> u64 {
        0
    }
    /// True when the visitor ignores every leaf some party finds below its reservation value
    /// (`Problem::reservation`): the search may then skip subtrees with no leaf acceptable to
    /// all, by bounds stronger than the per-party ones `prune` sees (linked problems).
    fn acceptable_only(&self) -> bool {
        false
    }
    fn leaf(&mut self, u: &[f64], path: &[u32], problem: &Problem);
    /// Every leaf below the node `path[..level]` has utilities `u` (linked problems only: all
    /// links decided, no additive spread left). `path` is completed with the first outcome of
    /// the subtree in outcome order. By default that outcome stands for the subtree as one
    /// leaf, which is right for optimisation (ties go to the smallest outcome).
    fn uniform(&mut self, u: &[f64], path: &[u32], _level: usize, problem: &Problem) {
        self.leaf(u, path, problem);
    }
}

/// Why a search stopped early.
pub(crate) struct Aborted {
    pub(crate) nodes: u64,
}

/// The search tree's levels over the values left on each issue (`per_issue`): issues with the
/// widest spread of terms first, so bounds tighten early; on each level the candidate values in
/// descending joint value (good leaves come early) and their per-party terms, flattened
/// `[candidate * n_parties + party]`. Shared by every depth-first search over issues.
pub(crate) fn levels(
    prefs: &[&Preferences],
    per_issue: &[Vec<u32>],
) -> (Vec<usize>, Vec<Vec<u32>>, Vec<Vec<f64>>) {
    let n_issues = per_issue.len();
    let spreads = spreads(prefs, per_issue);
    let mut order: Vec<usize> = (0..n_issues).collect();
    order.sort_by(|&a, &b| spreads[b].total_cmp(&spreads[a]).then(a.cmp(&b)));
    let (cands, terms) = levels_in_order(prefs, per_issue, &order);
    (order, cands, terms)
}

/// Per issue, the sum over parties of the spread (max − min) of its terms over `per_issue`.
fn spreads(prefs: &[&Preferences], per_issue: &[Vec<u32>]) -> Vec<f64> {
    let spread = |i: usize| -> f64 {
        prefs
            .iter()
            .map(|p| {
                let t = &p.ufun().terms()[i];
                let (mut lo, mut hi) = (f64::MAX, f64::MIN);
                for &v in &per_issue[i] {
                    lo = lo.min(t[v as usize]);
                    hi = hi.max(t[v as usize]);
                }
                if per_issue[i].is_empty() {
                    0.0
                } else {
                    hi - lo
                }
            })
            .sum()
    };
    (0..per_issue.len()).map(spread).collect()
}

/// Like [`levels_in_order`], keeping the candidates in the order given.
fn levels_in_order_ranked(
    prefs: &[&Preferences],
    ranked: &[Vec<u32>],
    order: &[usize],
) -> (Vec<Vec<u32>>, Vec<Vec<f64>>) {
    let mut cands = Vec::with_capacity(order.len());
    let mut terms = Vec::with_capacity(order.len());
    for &i in order {
        let c = ranked[i].clone();
        let mut t = Vec::with_capacity(c.len() * prefs.len());
        for &v in &c {
            for p in prefs {
                t.push(p.ufun().terms()[i][v as usize]);
            }
        }
        cands.push(c);
        terms.push(t);
    }
    (cands, terms)
}

/// The candidates and flattened terms of each level, for a given level order.
fn levels_in_order(
    prefs: &[&Preferences],
    per_issue: &[Vec<u32>],
    order: &[usize],
) -> (Vec<Vec<u32>>, Vec<Vec<f64>>) {
    let np = prefs.len();
    let mut cands = Vec::with_capacity(order.len());
    let mut terms = Vec::with_capacity(order.len());
    for &i in order {
        // Candidates in descending joint value: good leaves come early.
        let mut c = per_issue[i].clone();
        let joint = |v: u32| -> f64 { prefs.iter().map(|p| p.ufun().terms()[i][v as usize]).sum() };
        c.sort_by(|&a, &b| joint(b).total_cmp(&joint(a)).then(a.cmp(&b)));
        let mut t = Vec::with_capacity(c.len() * np);
        for &v in &c {
            for p in prefs {
                t.push(p.ufun().terms()[i][v as usize]);
            }
        }
        cands.push(c);
        terms.push(t);
    }
    (cands, terms)
}

impl Problem {
    /// Builds the tree for `prefs` over `space`. `allowed` restricts each issue's values (all
    /// when `None`); with `acceptable_only`, every party's red-line values are removed too.
    pub(crate) fn new(
        space: &OutcomeSpace,
        prefs: &[&Preferences],
        allowed: Option<&[Vec<u32>]>,
        acceptable_only: bool,
    ) -> Problem {
        let np = prefs.len();
        let n_issues = space.issues().len();
        let mut per_issue: Vec<Vec<u32>> = Vec::with_capacity(n_issues);
        for (i, issue) in space.issues().iter().enumerate() {
            let base: Vec<u32> = match allowed {
                Some(a) => a[i].clone(),
                None => (0..issue.n_values()).collect(),
            };
            let c = base
                .into_iter()
                .filter(|&v| !acceptable_only || prefs.iter().all(|p| !p.red_lines().forbids(i, v)))
                .collect();
            per_issue.push(c);
        }
        let mut empty = per_issue.iter().any(Vec::is_empty);
        let linked_terms = Terms::of(prefs, acceptable_only);
        let (order, cands, terms) = if linked_terms.soft.is_empty() && linked_terms.hard.is_empty()
        {
            levels(prefs, &per_issue)
        } else {
            let issues_of = |c: &crate::links::Condition| -> Vec<usize> {
                c.clauses().iter().map(|c| c.0).collect()
            };
            let weighted: Vec<(Vec<usize>, f64)> = linked_terms
                .soft
                .iter()
                .map(|(_, l)| (issues_of(l.condition()), l.value()))
                .chain(linked_terms.hard.iter().map(|(_, c)| (issues_of(c), 1.0)))
                .collect();
            let order = level_order(&spreads(prefs, &per_issue), &weighted);
            // Candidates in descending joint value, counting each link's value shared over its
            // clauses for the values its clause admits: good leaves come early.
            let mut ranked = per_issue.clone();
            for (i, vals) in ranked.iter_mut().enumerate() {
                let score = |v: u32| -> f64 {
                    let mut x = 0.0;
                    for pr in prefs {
                        x += pr.ufun().terms()[i][v as usize];
                        for l in pr.ufun().links() {
                            let c = l.condition().clauses();
                            if c.iter().any(|(j, set)| *j == i && set.contains(v)) {
                                x += l.value() / c.len() as f64;
                            }
                        }
                    }
                    x
                };
                let scores: Vec<(u32, f64)> = vals.iter().map(|&v| (v, score(v))).collect();
                let mut sorted = scores;
                sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                *vals = sorted.into_iter().map(|(v, _)| v).collect();
            }
            let (cands, terms) = levels_in_order_ranked(prefs, &ranked, &order);
            (order, cands, terms)
        };
        let links = if empty {
            None
        } else {
            LinkIndex::new(np, &order, &cands, &terms, &linked_terms)
        };
        if links.as_ref().is_some_and(|l| l.empty) {
            empty = true;
        }
        // Per level, the candidate with the lowest value index: the first completion of a
        // subtree in outcome order.
        let min_cand: Vec<u32> = cands
            .iter()
            .map(|c| (0..c.len()).min_by_key(|&k| c[k]).map_or(0, |k| k as u32))
            .collect();
        let mut smax = vec![0.0; (n_issues + 1) * np];
        let mut smin = vec![0.0; (n_issues + 1) * np];
        for level in (0..n_issues).rev() {
            for p in 0..np {
                let (mut lo, mut hi) = (f64::MAX, f64::MIN);
                for k in 0..cands[level].len() {
                    let x = terms[level][k * np + p];
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
                if cands[level].is_empty() {
                    lo = 0.0;
                    hi = 0.0;
                }
                smax[level * np + p] = smax[(level + 1) * np + p] + hi;
                smin[level * np + p] = smin[(level + 1) * np + p] + lo;
            }
        }
        let mut leaves_below = vec![Cardinality::one(); n_issues + 1];
        for level in (0..n_issues).rev() {
            let mut c = leaves_below[level + 1].clone();
            c.mul_small(cands[level].len() as u32);
            leaves_below[level] = c;
        }
        Problem {
            np,
            n_issues,
            order,
            leaves_below,
            cands,
            terms,
            smax,
            smin,
            clip: prefs.iter().map(|p| p.ufun().clips_at_one()).collect(),
            reservation: prefs.iter().map(|p| p.reservation()).collect(),
            empty,
            link_root: links.as_ref().map(LinkState::new),
            links,
            min_cand,
            meter: None,
        }
    }

    /// Knuth's estimate of the nodes a walk over this tree visits when it skips only the
    /// subtrees where some party can no longer reach its reservation value (every node counted
    /// as [`Problem::run`] counts it, leaves included): the mean over `probes` seeded random
    /// root-to-leaf paths of the path's node counts weighted by the inverse of its probability,
    /// so the same on every run. Visitors that skip more (a branch and bound's incumbent, a
    /// frontier's dominance) walk a part of this tree. Linked problems are not estimated
    /// (`0.0`): their bounds depend on the links' state.
    pub(crate) fn estimate_feasible_nodes(&self, probes: usize) -> f64 {
        use rand::RngExt;
        if self.empty || self.links.is_some() || probes == 0 {
            return 0.0;
        }
        let np = self.np;
        let mut r = crate::rng::rng(0x7365_6172_6368_7472);
        let mut acc = vec![0.0; np];
        let mut sum = 0.0f64;
        for _ in 0..probes {
            acc.fill(0.0);
            let mut weight = 1.0f64;
            for level in 0..=self.n_issues {
                sum += weight;
                if level == self.n_issues {
                    break;
                }
                let reachable = (0..np).all(|p| {
                    let hi = acc[p] + self.smax[level * np + p];
                    let hi = if self.clip[p] { hi.min(1.0) } else { hi };
                    hi >= self.reservation[p] - TIE_EPS
                });
                if !reachable {
                    break;
                }
                let n = self.cands[level].len();
                weight *= n as f64;
                let k = r.random_range(0..n);
                for p in 0..np {
                    acc[p] += self.terms[level][k * np + p];
                }
            }
        }
        // Past f64's range the tree is beyond any budget anyway.
        (sum / probes as f64).min(f64::MAX)
    }

    /// The number of leaves below a node of `level`.
    pub(crate) fn leaves_below(&self, level: usize) -> &Cardinality {
        &self.leaves_below[level]
    }

    /// Every outcome below the node `path[..level]`, in search order.
    pub(crate) fn expand(&self, path: &[u32], level: usize, out: &mut Vec<Outcome>) {
        let mut p = path.to_vec();
        p.resize(self.n_issues, 0);
        self.expand_rec(&mut p, level, out);
    }

    fn expand_rec(&self, path: &mut Vec<u32>, level: usize, out: &mut Vec<Outcome>) {
        if level == self.n_issues {
            out.push(self.outcome(path));
            return;
        }
        for k in 0..self.cands[level].len() {
            path[level] = k as u32;
            self.expand_rec(path, level + 1, out);
        }
    }

    /// The outcome a leaf path stands for.
    pub(crate) fn outcome(&self, path: &[u32]) -> Outcome {
        let mut idx = vec![0u32; self.n_issues];
        for (level, &k) in path.iter().enumerate() {
            idx[self.order[level]] = self.cands[level][k as usize];
        }
        Outcome::new(idx)
    }

    /// Runs `make_visitor()` over the whole tree, in parallel units, and returns the visitors
    /// in unit order, or `Aborted` when more than `max_nodes` nodes were needed.
    pub(crate) fn run<V: Visitor + Sync>(
        &self,
        make_visitor: impl Fn() -> V + Sync,
        max_nodes: u64,
    ) -> Result<Vec<V>, Aborted> {
        self.run_batched(
            Vec::new(),
            |_| make_visitor(),
            |all: &mut Vec<V>, v| all.push(v),
            usize::MAX,
            max_nodes,
        )
    }

    /// Runs the units in batches of `batch`: every unit of a batch gets a visitor made from the
    /// state left by the previous batches, and its result is merged into the state in unit
    /// order. Sharing what earlier units found (e.g. a frontier) lets later units prune more;
    /// because batches are fixed, the result does not depend on the thread count.
    pub(crate) fn run_batched<S: Sync, V: Visitor>(
        &self,
        mut state: S,
        make_visitor: impl Fn(&S) -> V + Sync,
        mut merge: impl FnMut(&mut S, V),
        batch: usize,
        max_nodes: u64,
    ) -> Result<S, Aborted> {
        if self.empty {
            let v = make_visitor(&state);
            merge(&mut state, v);
            return Ok(state);
        }
        let depth = prefix_depth(self.cands.iter().map(Vec::len));
        let units: Vec<Vec<u32>> = {
            let mut out = vec![Vec::new()];
            for level in 0..depth {
                let n = self.cands[level].len() as u32;
                out = out
                    .into_iter()
                    .flat_map(|p: Vec<u32>| {
                        (0..n).map(move |k| {
                            let mut q = p.clone();
                            q.push(k);
                            q
                        })
                    })
                    .collect();
            }
            out
        };
        let nodes = AtomicU64::new(0);
        let abort = AtomicBool::new(false);
        for chunk in units.chunks(batch.max(1)) {
            let results: Vec<V> = chunk
                .par_iter()
                .map(|prefix| {
                    let mut v = make_visitor(&state);
                    let mut walker = Walker {
                        problem: self,
                        acc: vec![0.0; (self.n_issues + 1) * self.np],
                        path: prefix.clone(),
                        opt: vec![0.0; self.np],
                        pess: vec![0.0; self.np],
                        u: vec![0.0; self.np],
                        local_nodes: 0,
                        nodes: &nodes,
                        abort: &abort,
                        max_nodes,
                        links: self.link_root.clone(),
                    };
                    walker.path.resize(self.n_issues, 0);
                    // Partial sums of the prefix.
                    let mut feasible = true;
                    for level in 0..prefix.len() {
                        for p in 0..self.np {
                            walker.acc[(level + 1) * self.np + p] = walker.acc[level * self.np + p]
                                + self.terms[level][prefix[level] as usize * self.np + p];
                        }
                        if let (Some(ix), Some(st)) = (&self.links, &mut walker.links) {
                            feasible &= st.enter(ix, level, prefix[level] as usize);
                        }
                    }
                    if feasible {
                        walker.descend(prefix.len(), &mut v);
                    }
                    walker.flush();
                    v
                })
                .collect();
            if abort.load(Ordering::Relaxed) {
                // Whether the budget is exceeded is deterministic (every unit's work is fixed by
                // the state its batch starts from), but how far past it the units got before
                // they saw the abort depends on timing: report the budget, not that count.
                return Err(Aborted { nodes: max_nodes });
            }
            for v in results {
                merge(&mut state, v);
            }
        }
        Ok(state)
    }
}

/// Most units a batched search splits into: one unit costs a prefix, a visitor and a walker
/// even once the node budget is spent, so a huge issue must not multiply them (an integer issue
/// with 10^6 values after two small ones made 2 * 10^7 units and ran for minutes).
const MAX_UNITS: u128 = 1 << 16;

/// Prefix depth: enough units (at least 256 where possible) to keep every core busy, not so
/// many that merging costs; a level is only added while the units stay within [`MAX_UNITS`].
fn prefix_depth(sizes: impl Iterator<Item = usize>) -> usize {
    let mut depth = 0;
    let mut n_units: u128 = 1;
    for len in sizes {
        if n_units >= 256 || n_units * len as u128 > MAX_UNITS {
            break;
        }
        n_units *= len as u128;
        depth += 1;
    }
    depth
}

struct Walker<'a> {
    problem: &'a Problem,
    acc: Vec<f64>,
    path: Vec<u32>,
    opt: Vec<f64>,
    pess: Vec<f64>,
    u: Vec<f64>,
    local_nodes: u64,
    nodes: &'a AtomicU64,
    abort: &'a AtomicBool,
    max_nodes: u64,
    links: Option<LinkState>,
}

impl Walker<'_> {
    fn flush(&mut self) {
        if let Some(m) = &self.problem.meter {
            m.add(self.local_nodes);
        }
        let total = self.nodes.fetch_add(self.local_nodes, Ordering::Relaxed) + self.local_nodes;
        self.local_nodes = 0;
        if total > self.max_nodes {
            self.abort.store(true, Ordering::Relaxed);
        }
    }

    /// Counts a node; false when the search was aborted.
    fn tick<V: Visitor>(&mut self, v: &mut V) -> bool {
        self.local_nodes += 1 + v.take_work();
        if self.local_nodes >= 4096 {
            self.flush();
        }
        !self.abort.load(Ordering::Relaxed)
    }

    fn descend<V: Visitor>(&mut self, level: usize, v: &mut V) {
        let pr = self.problem;
        let np = pr.np;
        if !self.tick(v) {
            return;
        }
        let base = level * np;
        if let Some(mut st) = self.links.take() {
            // The link state is borrowed down the whole subtree (moving it in and out of
            // `self.links` at every node cost half the time of a linked search).
            self.descend_linked(level, v, &mut st);
            self.links = Some(st);
            return;
        }
        if level == pr.n_issues {
            for p in 0..np {
                let raw = self.acc[base + p];
                self.u[p] = if pr.clip[p] { raw.min(1.0) } else { raw };
            }
            v.leaf(&self.u, &self.path, pr);
            return;
        }
        for p in 0..np {
            let a = self.acc[base + p];
            let (hi, lo) = (a + pr.smax[base + p], a + pr.smin[base + p]);
            self.opt[p] = if pr.clip[p] { hi.min(1.0) } else { hi };
            self.pess[p] = if pr.clip[p] { lo.min(1.0) } else { lo };
        }
        match v.prune(&self.opt, &self.pess) {
            Prune::Skip => return,
            Prune::TakeAll => {
                v.take_all(&pr.leaves_below[level]);
                return;
            }
            Prune::Descend => {}
        }
        let terms = &pr.terms[level];
        for k in 0..pr.cands[level].len() {
            for p in 0..np {
                self.acc[base + np + p] = self.acc[base + p] + terms[k * np + p];
            }
            self.path[level] = k as u32;
            self.descend(level + 1, v);
        }
    }

    /// [`Walker::descend`] with links: the node's bounds add the links' bounds (see
    /// `analysis::linked`), a subtree whose bounds meet is handed to the visitor whole, and a
    /// child where a forbidden box holds is skipped. `st` is the link state, moved out of the
    /// walker while this level runs (the non-linked path never sees it).
    fn descend_linked<V: Visitor>(&mut self, level: usize, v: &mut V, st: &mut LinkState) {
        let pr = self.problem;
        let ix = pr.links.as_ref().expect("linked problem");
        let np = pr.np;
        let base = level * np;
        let clip = |p: usize, x: f64| if pr.clip[p] { x.min(1.0) } else { x };
        if level == pr.n_issues {
            for p in 0..np {
                self.u[p] = clip(p, st.bounds(np, level, p, self.acc[base + p]).0);
            }
            v.leaf(&self.u, &self.path, pr);
            return;
        }
        let acc = &self.acc[base..base + np];
        if v.acceptable_only() && st.joint_infeasible(ix, level, acc, &pr.reservation) {
            return;
        }
        let hard_open = st.hard_open[level] > 0;
        let mut uniform = !hard_open;
        for p in 0..np {
            let (lo, hi) = st.bounds(np, level, p, self.acc[base + p]);
            if lo != hi {
                uniform = false;
            }
            self.opt[p] = clip(p, hi);
            self.pess[p] = if hard_open {
                f64::NEG_INFINITY
            } else {
                clip(p, lo)
            };
        }
        match v.prune(&self.opt, &self.pess) {
            Prune::Skip => {
                return;
            }
            Prune::TakeAll => {
                v.take_all(&pr.leaves_below[level]);
                return;
            }
            Prune::Descend => {}
        }
        if uniform {
            // Every leaf below has the utilities of its first completion.
            for l in level..pr.n_issues {
                self.path[l] = pr.min_cand[l];
            }
            for p in 0..np {
                self.u[p] = clip(p, st.uniform_value(np, level, p, self.acc[base + p]));
            }
            let u = self.u.clone();
            v.uniform(&u, &self.path, level, pr);
            return;
        }
        let terms = &pr.terms[level];
        for k in 0..pr.cands[level].len() {
            for p in 0..np {
                self.acc[base + np + p] = self.acc[base + p] + terms[k * np + p];
            }
            self.path[level] = k as u32;
            if st.enter(ix, level, k) && self.tick(v) {
                self.descend_linked(level + 1, v, st);
            }
            st.leave(ix, level, k);
        }
    }
}

/// True when `a` dominates `b` beyond float noise: `a ≥ b` everywhere and `a > b` somewhere,
/// both with tolerance [`TIE_EPS`].
#[inline]
pub(crate) fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strict = false;
    for (x, y) in a.iter().zip(b) {
        if *x < *y - TIE_EPS {
            return false;
        }
        if *x > *y + TIE_EPS {
            strict = true;
        }
    }
    strict
}

#[cfg(test)]
mod prefix_tests {
    use super::prefix_depth;

    #[test]
    fn prefix_depth_stops_at_256_units() {
        assert_eq!(prefix_depth([2usize; 20].into_iter()), 8);
        assert_eq!(prefix_depth([5usize, 4, 3, 7, 2].into_iter()), 4);
        assert_eq!(prefix_depth([3usize, 2].into_iter()), 2);
        assert_eq!(prefix_depth(std::iter::empty()), 0);
    }

    #[test]
    fn a_huge_issue_does_not_multiply_the_units() {
        // Found by examples/fuzz_readers (native #10637, seed 1): 5 x 4 x 10^6 outcomes.
        assert_eq!(prefix_depth([5usize, 4, 1_000_000, 4, 5].into_iter()), 2);
        assert_eq!(prefix_depth([1_000_000usize, 4].into_iter()), 0);
        assert_eq!(prefix_depth([100usize, 700, 2].into_iter()), 1);
        assert_eq!(prefix_depth([200usize, 300].into_iter()), 2);
    }
}
