//! Bids on linked preferences over spaces too large to list: the linked counterpart of
//! [`BidSpace::construct`](super::BidSpace::construct)'s Lagrangian.
//!
//! With interaction terms (ANAC 2014's hyper-rectangles, detente's links) and conditional red
//! lines, a utility no longer splits issue by issue, so no price on own utility picks a bid
//! issue by issue. [`LinkedBidSearch`] instead searches the outcome tree depth first, one issue
//! per level, with each link's bounds over partial assignments (the rule of `crate::links`: a
//! link is *satisfied* once every clause holds, *violated* once one fails, otherwise *open* and
//! may pay or not):
//!
//! * optimistic: fixed additive terms + the best of every open issue + satisfied links + open
//!   positive links;
//! * pessimistic: the same with the worst open terms and open negative links;
//!
//! both passed through the clip at 1 when the function clips (`min(1, ·)` is monotone).
//!
//! [`LinkedBidSearch::at_least`] then finds, among the outcomes one accepts (no red line
//! crossed, utility ≥ the reservation value), one of utility at least the target and as low as
//! possible (phase 1: a local search down from the best known outcome gives a first bid, then
//! the branch and bound prunes where the optimistic bound misses the target or the pessimistic
//! bound cannot beat the best found); and, given an opponent model, the one the model scores
//! highest among those within `window` of that lowest utility (phase 2: the model's score is
//! additive per issue, so it is bounded the same way). Each phase stops after a node budget;
//! when neither ran out the answer is exact ([`LinkedBid::exact`]), otherwise it is the best
//! found, still of utility at least the target. Everything is deterministic: children are
//! visited in a fixed order (nearest the target first, then value index), no randomness.

use crate::TIE_EPS;
use crate::analysis::linked::level_order;
use crate::links::Condition;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;

use super::bidding::OpponentModel;

/// Search nodes each phase of [`LinkedBidSearch::at_least`] may visit by default.
pub const LINKED_SEARCH_NODES: u64 = 2_000;

/// Search nodes spent looking for the best outcome when the search is prepared.
const TOP_NODES: u64 = 200_000;

/// Utility window above the lowest bid reaching a target within which an opponent model
/// chooses ([`LinkedBidSearch::at_least`]'s phase 2), by default.
pub const LINKED_WINDOW: f64 = 0.02;

/// A bid found by [`LinkedBidSearch::at_least`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinkedBid {
    /// The outcome.
    pub outcome: Outcome,
    /// Its own utility (at least the target and the reservation value).
    pub utility: f64,
    /// Neither phase ran out of nodes: no acceptable outcome has a utility in
    /// `[target, utility)` (phase 1), and with a model none within the window scores higher.
    pub exact: bool,
}

/// One's own linked preferences prepared for the bid search (see the module documentation).
#[derive(Clone, Debug)]
pub struct LinkedBidSearch {
    prefs: Preferences,
    n: usize,
    /// Issue of each level.
    order: Vec<usize>,
    /// Per level, the values one's per-issue red lines allow.
    cands: Vec<Vec<u32>>,
    /// Per level and candidate, the additive term.
    terms: Vec<Vec<f64>>,
    /// `rest_max[l]`, `rest_min[l]`: the sums of the best / worst terms of levels `l..`.
    rest_max: Vec<f64>,
    rest_min: Vec<f64>,
    /// Per tracked term: its value (soft links) and whether it is a forbidden box (hard).
    value: Vec<f64>,
    hard: Vec<bool>,
    n_clauses: Vec<u32>,
    /// Per level: the terms with a clause on that level's issue, with which candidates satisfy
    /// it.
    touch: Vec<Vec<(usize, Vec<bool>)>>,
    /// Links that hold everywhere (every clause admits every allowed value).
    base: f64,
    /// No outcome is acceptable to oneself (an issue allows nothing, or a box holds everywhere).
    empty: bool,
    /// Per issue, the values one's per-issue red lines allow (for the local search).
    allowed: Vec<Vec<u32>>,
    /// Per issue, the links (indices into the utility function's) with a clause on it.
    by_issue: Vec<Vec<usize>>,
    /// The best acceptable outcome the search knows, and its utility (see [`Self::top`]).
    top: Option<(f64, Vec<u32>)>,
}

/// A local-search move: the utility and raw sum it leads to, and the issues it sets.
type Move = (f64, f64, Vec<(usize, u32)>);

/// The search's running state over tracked terms.
struct State {
    undecided: Vec<u32>,
    failed: Vec<u32>,
    sat: f64,
    open_pos: f64,
    open_neg: f64,
    hard_sat: u32,
}

impl LinkedBidSearch {
    /// Prepares the search over `space` for `prefs` (additive preferences work too: they are
    /// the case without links).
    pub fn new(space: &OutcomeSpace, prefs: &Preferences) -> LinkedBidSearch {
        let n = space.issues().len();
        let ufun = prefs.ufun();
        let allowed: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                (0..space.issues()[i].n_values())
                    .filter(|&v| !prefs.red_lines().forbids(i, v))
                    .collect()
            })
            .collect();
        let mut empty = allowed.iter().any(Vec::is_empty);
        // Tracked terms: soft links, then hard boxes; each clause restricted to the allowed
        // values (a clause admitting none: the term never holds; admitting all: dropped).
        let mut value = Vec::new();
        let mut hard = Vec::new();
        let mut clauses_of: Vec<Vec<(usize, Vec<bool>)>> = Vec::new();
        let mut base = 0.0;
        let terms_in: Vec<(f64, bool, &Condition)> = ufun
            .links()
            .iter()
            .map(|l| (l.value(), false, l.condition()))
            .chain(
                prefs
                    .red_lines()
                    .conditional()
                    .iter()
                    .flat_map(|c| c.boxes().iter().map(|b| (0.0, true, b))),
            )
            .collect();
        for (v, is_hard, cond) in terms_in {
            if !is_hard && v == 0.0 {
                continue;
            }
            let mut kept = Vec::new();
            let mut never = false;
            for (i, set) in cond.clauses() {
                let member: Vec<bool> = allowed[*i].iter().map(|&x| set.contains(x)).collect();
                if member.iter().all(|&m| !m) {
                    never = true;
                    break;
                }
                if member.iter().all(|&m| m) {
                    continue;
                }
                kept.push((*i, member));
            }
            if never {
                continue;
            }
            if kept.is_empty() {
                if is_hard {
                    empty = true;
                } else {
                    base += v;
                }
                continue;
            }
            value.push(v);
            hard.push(is_hard);
            clauses_of.push(kept);
        }
        let order = link_level_order(n, &allowed, ufun.terms(), &value, &clauses_of);
        let mut level_of = vec![0usize; n];
        for (l, &i) in order.iter().enumerate() {
            level_of[i] = l;
        }
        let cands: Vec<Vec<u32>> = order.iter().map(|&i| allowed[i].clone()).collect();
        let terms: Vec<Vec<f64>> = order
            .iter()
            .map(|&i| {
                allowed[i]
                    .iter()
                    .map(|&v| ufun.terms()[i][v as usize])
                    .collect()
            })
            .collect();
        let mut rest_max = vec![0.0; n + 1];
        let mut rest_min = vec![0.0; n + 1];
        for l in (0..n).rev() {
            let hi = terms[l].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lo = terms[l].iter().copied().fold(f64::INFINITY, f64::min);
            rest_max[l] = rest_max[l + 1] + if hi.is_finite() { hi } else { 0.0 };
            rest_min[l] = rest_min[l + 1] + if lo.is_finite() { lo } else { 0.0 };
        }
        let mut touch: Vec<Vec<(usize, Vec<bool>)>> = vec![Vec::new(); n];
        let mut n_clauses = Vec::with_capacity(clauses_of.len());
        for (t, kept) in clauses_of.into_iter().enumerate() {
            n_clauses.push(kept.len() as u32);
            for (i, member) in kept {
                touch[level_of[i]].push((t, member));
            }
        }
        let mut by_issue: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, l) in ufun.links().iter().enumerate() {
            for (i, _) in l.condition().clauses() {
                by_issue[*i].push(k);
            }
        }
        let mut search = LinkedBidSearch {
            prefs: prefs.clone(),
            n,
            order,
            cands,
            terms,
            rest_max,
            rest_min,
            value,
            hard,
            n_clauses,
            touch,
            base,
            empty,
            allowed,
            by_issue,
            top: None,
        };
        search.top = search.find_top(TOP_NODES);
        search
    }

    /// The best acceptable outcome found (utility, values in issue order): a hill climb from
    /// the best value of every issue, then branch and bound for anything better within a node
    /// budget. Exact whenever that search finishes (always on small spaces; on ANAC 2014's
    /// 40-issue domains the clip at 1 is reached and nothing can be better). `None` when
    /// nothing acceptable was found.
    pub fn top(&self) -> Option<(f64, &[u32])> {
        self.top.as_ref().map(|(u, o)| (*u, o.as_slice()))
    }

    fn find_top(&self, budget: u64) -> Option<(f64, Vec<u32>)> {
        if self.empty {
            return None;
        }
        let terms = self.prefs.ufun().terms();
        let start: Vec<u32> = self
            .allowed
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut b = a[0];
                for &v in a {
                    if terms[i][v as usize] > terms[i][b as usize] {
                        b = v;
                    }
                }
                b
            })
            .collect();
        let mut best = self.climb(start, None);
        let mut left = budget;
        // Anything better, until the search says there is none or the budget is spent.
        while left > 0 {
            let floor = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.0 + 1e-9);
            let (found, used) = self.phase1(floor, left, None);
            left = left.saturating_sub(used.max(1));
            match found {
                Some((u, o, _)) => best = Some((u, o)),
                None => break,
            }
        }
        best
    }

    /// Whether an outcome crosses none of one's red lines (values from `allowed` assumed).
    fn acceptable_values(&self, o: &[u32]) -> bool {
        !self.prefs.red_lines().violated_by_indices(o)
    }

    fn raw(&self, o: &[u32]) -> f64 {
        let t: f64 = o
            .iter()
            .enumerate()
            .map(|(i, &v)| self.prefs.ufun().terms()[i][v as usize])
            .sum();
        t + self.prefs.ufun().link_value(o)
    }

    /// Local search from `o` (values allowed by the per-issue red lines): with `target`
    /// `None`, up to the highest utility (steepest ascent); with a target, down to the lowest
    /// utility still at least it (steepest descent that keeps the target). Moves: one issue
    /// to another value, or every issue of a link into the link's set at once (a
    /// hyper-rectangle often needs two or three issues changed together). Returns the
    /// acceptable outcome reached with its utility, or `None` when the start is not
    /// acceptable or misses the target.
    fn climb(&self, mut o: Vec<u32>, target: Option<f64>) -> Option<(f64, Vec<u32>)> {
        let ufun = self.prefs.ufun();
        let r = self.prefs.reservation();
        // Moves keep the target (and the walk-away value) when descending; climbing, any higher
        // utility will do, and the walk-away value is checked at the end.
        let ok = |u: f64| target.is_none_or(|t| u >= t.max(r) - TIE_EPS);
        let mut raw = self.raw(&o);
        let mut u = ufun.finish(raw);
        if target.is_some() && !(self.acceptable_values(&o) && ok(u)) {
            return None;
        }
        let better = |x: f64, than: f64| match target {
            None => x > than + TIE_EPS,
            Some(_) => x < than - TIE_EPS,
        };
        let n = o.len();
        for _ in 0..(8 * n + 64) {
            let mut best: Option<Move> = None;
            let beats = |x: f64, best: &Option<Move>| {
                best.as_ref().map_or(better(x, u), |b| better(x, b.0))
            };
            for i in 0..n {
                let old = o[i];
                let before: f64 = self.by_issue[i]
                    .iter()
                    .map(|&k| &ufun.links()[k])
                    .filter(|l| l.condition().holds(&o))
                    .map(|l| l.value())
                    .sum();
                for &v in &self.allowed[i] {
                    if v == old {
                        continue;
                    }
                    o[i] = v;
                    let after: f64 = self.by_issue[i]
                        .iter()
                        .map(|&k| &ufun.links()[k])
                        .filter(|l| l.condition().holds(&o))
                        .map(|l| l.value())
                        .sum();
                    let t = &ufun.terms()[i];
                    let raw2 = raw - t[old as usize] + t[v as usize] - before + after;
                    let u2 = ufun.finish(raw2);
                    if ok(u2) && beats(u2, &best) && self.acceptable_values(&o) {
                        best = Some((u2, raw2, vec![(i, v)]));
                    }
                }
                o[i] = old;
            }
            for l in ufun.links() {
                if (target.is_none() && l.value() <= 0.0) || l.condition().holds(&o) {
                    continue;
                }
                // Each clause's issue to the allowed value of its set nearest the current one.
                let mut change = Vec::new();
                let mut feasible = true;
                for (i, set) in l.condition().clauses() {
                    if set.contains(o[*i]) {
                        continue;
                    }
                    let cur = o[*i];
                    match self.allowed[*i]
                        .iter()
                        .filter(|&&v| set.contains(v))
                        .min_by_key(|&&v| (v.abs_diff(cur), v))
                    {
                        Some(&v) => change.push((*i, v)),
                        None => feasible = false,
                    }
                }
                if !feasible || change.is_empty() {
                    continue;
                }
                let old: Vec<(usize, u32)> = change.iter().map(|&(i, _)| (i, o[i])).collect();
                for &(i, v) in &change {
                    o[i] = v;
                }
                let raw2 = self.raw(&o);
                let u2 = ufun.finish(raw2);
                if ok(u2) && beats(u2, &best) && self.acceptable_values(&o) {
                    best = Some((u2, raw2, change));
                }
                for &(i, v) in &old {
                    o[i] = v;
                }
            }
            let Some((u2, raw2, change)) = best else {
                break;
            };
            for (i, v) in change {
                o[i] = v;
            }
            u = u2;
            raw = raw2;
        }
        // The exact utility, as `eval` computes it (the running sum may drift).
        let u_exact = ufun.eval(&Outcome::new(o.clone()));
        (self.acceptable_values(&o) && ok(u_exact) && u_exact >= r - TIE_EPS)
            .then_some((u_exact, o))
    }

    /// An acceptable outcome of own utility at least `target` (and at least the reservation
    /// value), as low as the search finds; with `model` (when it has seen offers), the one it
    /// scores highest within `window` above that utility. Each phase visits at most `budget`
    /// nodes. `None` when no acceptable outcome reaches `target` (or none was found within the
    /// budget, which the search reports only when it found nothing at all).
    pub fn at_least(
        &self,
        target: f64,
        model: Option<&OpponentModel>,
        window: f64,
        budget: u64,
    ) -> Option<LinkedBid> {
        if self.empty {
            return None;
        }
        let target = target.max(self.prefs.reservation());
        // A first bid by local search down from the best known outcome, then branch and
        // bound for a lower one.
        let start = self
            .top
            .as_ref()
            .filter(|t| t.0 >= target - TIE_EPS)
            .and_then(|t| self.climb(t.1.clone(), Some(target)));
        let (found, _) = self.phase1(target, budget, start);
        let (u1, o1, mut exact) = found?;
        let Some(model) = model.filter(|m| m.n_observed() > 0) else {
            return Some(LinkedBid {
                outcome: Outcome::new(o1),
                utility: u1,
                exact,
            });
        };
        // Phase 2: the model's favourite within the window.
        let score_rows: Vec<Vec<f64>> = self
            .order
            .iter()
            .zip(&self.cands)
            .map(|(&i, c)| c.iter().map(|&v| model.value_score(i, v)).collect())
            .collect();
        let mut score_rest = vec![0.0; self.n + 1];
        for l in (0..self.n).rev() {
            let m = score_rows[l]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            score_rest[l] = score_rest[l + 1] + m;
        }
        let s1 = self.score_of(&o1, model);
        let mut p2 = Phase2 {
            s: self,
            lo: target,
            hi: u1 + window.max(0.0),
            rows: &score_rows,
            rest: &score_rest,
            nodes: Nodes::new(budget),
            path: vec![0; self.n],
            best: (s1, u1, o1),
        };
        let mut st = self.state();
        p2.go(&mut st, 0, 0.0, 0.0);
        exact &= !p2.nodes.out;
        let (_, u, o) = p2.best;
        Some(LinkedBid {
            outcome: Outcome::new(o),
            utility: u,
            exact,
        })
    }

    /// Phase 1 from an optional first bid: the lowest acceptable utility at least `target`
    /// found within `budget` nodes, whether the search finished, and the nodes it used.
    #[allow(clippy::type_complexity)]
    fn phase1(
        &self,
        target: f64,
        budget: u64,
        start: Option<(f64, Vec<u32>)>,
    ) -> (Option<(f64, Vec<u32>, bool)>, u64) {
        let mut p1 = Phase1 {
            s: self,
            target,
            nodes: Nodes::new(budget),
            path: vec![0; self.n],
            best: start,
        };
        let mut st = self.state();
        p1.go(&mut st, 0, 0.0);
        let exact = !p1.nodes.out;
        (p1.best.map(|(u, o)| (u, o, exact)), p1.nodes.used)
    }

    fn score_of(&self, o: &[u32], model: &OpponentModel) -> f64 {
        o.iter()
            .enumerate()
            .map(|(i, &v)| model.value_score(i, v))
            .sum()
    }

    fn state(&self) -> State {
        let mut open_pos = 0.0;
        let mut open_neg = 0.0;
        for (t, &v) in self.value.iter().enumerate() {
            if !self.hard[t] {
                if v > 0.0 {
                    open_pos += v;
                } else {
                    open_neg += v;
                }
            }
        }
        State {
            undecided: self.n_clauses.clone(),
            failed: vec![0; self.value.len()],
            sat: self.base,
            open_pos,
            open_neg,
            hard_sat: 0,
        }
    }

    /// Fixes candidate `k` at `level`.
    fn enter(&self, st: &mut State, level: usize, k: usize) {
        for (t, member) in &self.touch[level] {
            let t = *t;
            let v = self.value[t];
            let was_open = st.failed[t] == 0;
            if member[k] {
                st.undecided[t] -= 1;
                if was_open && st.undecided[t] == 0 {
                    if self.hard[t] {
                        st.hard_sat += 1;
                    } else {
                        st.sat += v;
                        remove_open(st, v);
                    }
                }
            } else {
                st.failed[t] += 1;
                if was_open && !self.hard[t] {
                    remove_open(st, v);
                }
            }
        }
    }

    /// Undoes [`Self::enter`].
    fn leave(&self, st: &mut State, level: usize, k: usize) {
        for (t, member) in self.touch[level].iter().rev() {
            let t = *t;
            let v = self.value[t];
            if member[k] {
                if st.failed[t] == 0 && st.undecided[t] == 0 {
                    if self.hard[t] {
                        st.hard_sat -= 1;
                    } else {
                        st.sat -= v;
                        add_open(st, v);
                    }
                }
                st.undecided[t] += 1;
            } else {
                st.failed[t] -= 1;
                if st.failed[t] == 0 && !self.hard[t] {
                    add_open(st, v);
                }
            }
        }
    }

    /// (pessimistic, optimistic) own utility below a node whose levels `..level` are fixed
    /// with additive terms summing to `acc`, with a small slack for the running sums.
    fn bounds(&self, st: &State, level: usize, acc: f64) -> (f64, f64) {
        let slack = 1e-9;
        let lo = acc + self.rest_min[level] + st.sat + st.open_neg - slack;
        let hi = acc + self.rest_max[level] + st.sat + st.open_pos + slack;
        let f = |x: f64| self.prefs.ufun().finish(x);
        (f(lo), f(hi))
    }

    /// The outcome (issue order) of a full path of candidate positions.
    fn outcome_of(&self, path: &[usize]) -> Vec<u32> {
        let mut o = vec![0u32; self.n];
        for (l, &k) in path.iter().enumerate() {
            o[self.order[l]] = self.cands[l][k];
        }
        o
    }

    /// The exact utility of a leaf when it is acceptable to oneself.
    fn leaf(&self, path: &[usize]) -> Option<(f64, Vec<u32>)> {
        let o = self.outcome_of(path);
        if self.prefs.red_lines().violated_by_indices(&o) {
            return None;
        }
        let u = self.prefs.ufun().eval(&Outcome::new(o.clone()));
        (u >= self.prefs.reservation() - TIE_EPS).then_some((u, o))
    }
}

fn remove_open(st: &mut State, v: f64) {
    if v > 0.0 {
        st.open_pos -= v;
    } else {
        st.open_neg -= v;
    }
}

fn add_open(st: &mut State, v: f64) {
    if v > 0.0 {
        st.open_pos += v;
    } else {
        st.open_neg += v;
    }
}

/// Levels in the order that decides links soonest: the analysis's greedy order
/// ([`level_order`]), each clause counting its link's `|value|` (a hard box as the largest
/// soft value), plus each issue's additive spread over its allowed values.
fn link_level_order(
    n: usize,
    allowed: &[Vec<u32>],
    terms: &[Vec<f64>],
    value: &[f64],
    clauses: &[Vec<(usize, Vec<bool>)>],
) -> Vec<usize> {
    let spread: Vec<f64> = (0..n)
        .map(|i| {
            let xs = allowed[i].iter().map(|&v| terms[i][v as usize]);
            let hi = xs.clone().fold(f64::NEG_INFINITY, f64::max);
            let lo = xs.fold(f64::INFINITY, f64::min);
            if hi.is_finite() { hi - lo } else { 0.0 }
        })
        .collect();
    let heaviest = value.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
    let weighted: Vec<(Vec<usize>, f64)> = clauses
        .iter()
        .zip(value)
        .map(|(c, &v)| {
            let issues = c.iter().map(|(i, _)| *i).collect();
            (issues, if v == 0.0 { heaviest } else { v.abs() })
        })
        .collect();
    level_order(&spread, &weighted)
}

/// The nodes a phase has visited against its budget.
struct Nodes {
    used: u64,
    budget: u64,
    /// Whether the budget ran out (the phase then stops, inexact).
    out: bool,
}

impl Nodes {
    fn new(budget: u64) -> Nodes {
        Nodes {
            used: 0,
            budget,
            out: false,
        }
    }

    /// Charges one node; `false` (and `out` set) when that exceeds the budget.
    fn charge(&mut self) -> bool {
        self.used += 1;
        self.out = self.used > self.budget;
        !self.out
    }
}

/// Phase 1: the lowest acceptable utility at least `target`.
struct Phase1<'a> {
    s: &'a LinkedBidSearch,
    target: f64,
    nodes: Nodes,
    path: Vec<usize>,
    best: Option<(f64, Vec<u32>)>,
}

impl Phase1<'_> {
    /// Whether nothing below can improve on the best found.
    fn done(&self) -> bool {
        self.nodes.out
            || self
                .best
                .as_ref()
                .is_some_and(|b| b.0 <= self.target + TIE_EPS)
    }

    fn go(&mut self, st: &mut State, level: usize, acc: f64) {
        let s = self.s;
        if level == s.n {
            if let Some((u, o)) = s.leaf(&self.path)
                && u >= self.target - TIE_EPS
                && self.best.as_ref().is_none_or(|b| u < b.0 - TIE_EPS)
            {
                self.best = Some((u, o));
            }
            return;
        }
        // Children that may still hold an improvement, nearest the target first.
        let mut kids: Vec<(f64, usize)> = Vec::with_capacity(s.cands[level].len());
        for k in 0..s.cands[level].len() {
            s.enter(st, level, k);
            if st.hard_sat == 0 {
                let (lo, hi) = s.bounds(st, level + 1, acc + s.terms[level][k]);
                if hi >= self.target - TIE_EPS
                    && self.best.as_ref().is_none_or(|b| lo < b.0 - TIE_EPS)
                {
                    let key = if lo >= self.target {
                        lo - self.target
                    } else {
                        (0.5 * (lo + hi) - self.target).abs()
                    };
                    kids.push((key, k));
                }
            }
            s.leave(st, level, k);
        }
        kids.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, k) in kids {
            if self.done() {
                return;
            }
            if !self.nodes.charge() {
                return;
            }
            s.enter(st, level, k);
            let acc_k = acc + s.terms[level][k];
            let (lo, _) = s.bounds(st, level + 1, acc_k);
            if self.best.as_ref().is_none_or(|b| lo < b.0 - TIE_EPS) {
                self.path[level] = k;
                self.go(st, level + 1, acc_k);
            }
            s.leave(st, level, k);
        }
    }
}

/// Phase 2: the highest model score with utility in `[lo, hi]`.
struct Phase2<'a> {
    s: &'a LinkedBidSearch,
    lo: f64,
    hi: f64,
    rows: &'a [Vec<f64>],
    rest: &'a [f64],
    nodes: Nodes,
    path: Vec<usize>,
    /// (score, utility, outcome).
    best: (f64, f64, Vec<u32>),
}

impl Phase2<'_> {
    fn go(&mut self, st: &mut State, level: usize, acc: f64, score: f64) {
        let s = self.s;
        if level == s.n {
            if score > self.best.0 + TIE_EPS
                && let Some((u, o)) = s.leaf(&self.path)
                && u >= self.lo - TIE_EPS
                && u <= self.hi + TIE_EPS
            {
                self.best = (score, u, o);
            }
            return;
        }
        let mut kids: Vec<usize> = (0..s.cands[level].len()).collect();
        let row = &self.rows[level];
        kids.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        for k in kids {
            if self.nodes.out {
                return;
            }
            let score_k = score + row[k];
            if score_k + self.rest[level + 1] <= self.best.0 + TIE_EPS {
                // Children are in descending score: none after this one can do better.
                return;
            }
            if !self.nodes.charge() {
                return;
            }
            s.enter(st, level, k);
            let acc_k = acc + s.terms[level][k];
            let (lo, hi) = s.bounds(st, level + 1, acc_k);
            if st.hard_sat == 0 && hi >= self.lo - TIE_EPS && lo <= self.hi + TIE_EPS {
                self.path[level] = k;
                self.go(st, level + 1, acc_k, score_k);
            }
            s.leave(st, level, k);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{prop_assert, prop_assert_eq, proptest};
    use rand::RngExt;

    use super::*;
    use crate::links::{ConditionalRedLine, Link, Requirement, ValueSet};
    use crate::outcome::Issue;
    use crate::preferences::{RedLines, UtilityFunction};
    use crate::rng::{ChaCha8Rng, derive_seed, rng};

    /// A seeded small linked party: 1–5 issues of 1–5 values, additive terms, 0–6 links of
    /// either sign (sometimes no additive part at all, as ANAC 2014), sometimes the clip at 1,
    /// a plain red line and a conditional one, a walk-away value.
    fn party(seed: u64) -> (OutcomeSpace, Preferences) {
        let mut g = rng(derive_seed(seed, &[0xb1d5]));
        let n = g.random_range(1..6usize);
        let sizes: Vec<u32> = (0..n).map(|_| g.random_range(1..6u32)).collect();
        let issues: Vec<Issue> = sizes
            .iter()
            .enumerate()
            .map(|(i, &k)| Issue::integer(format!("i{i}"), 0, i64::from(k) - 1, 1).unwrap())
            .collect();
        let space = OutcomeSpace::new(issues).unwrap();
        let condition = |g: &mut ChaCha8Rng, avoid: Option<usize>| -> Option<Condition> {
            let mut clauses = Vec::new();
            for (i, &k) in sizes.iter().enumerate() {
                if Some(i) == avoid || !g.random_bool(0.6) {
                    continue;
                }
                let lo = g.random_range(0..k);
                let hi = g.random_range(lo..k);
                clauses.push((i, ValueSet::range(lo, hi)));
            }
            (!clauses.is_empty())
                .then(|| Condition::new(&space, clauses).ok())
                .flatten()
        };
        let additive = g.random_bool(0.6);
        let terms: Vec<Vec<f64>> = sizes
            .iter()
            .map(|&k| {
                (0..k)
                    .map(|_| {
                        if additive {
                            g.random_range(0.0..0.3)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let links: Vec<Link> = (0..g.random_range(0..7usize))
            .filter_map(|_| {
                let c = condition(&mut g, None)?;
                // Coarse values: ties in utility are frequent.
                Link::new(c, f64::from(g.random_range(-3..8i32)) / 10.0).ok()
            })
            .collect();
        let u = UtilityFunction::from_terms(&space, terms, g.random_bool(0.3))
            .unwrap()
            .with_links(links)
            .unwrap();
        let mut rl = RedLines::none(n);
        if g.random_bool(0.2) {
            let i = g.random_range(0..n);
            rl.forbid(i, g.random_range(0..sizes[i]));
        }
        if n > 1 && g.random_bool(0.4) {
            let i = g.random_range(0..n);
            let vals = ValueSet::from_indices([g.random_range(0..sizes[i])]);
            let req = if g.random_bool(0.5) {
                Requirement::Unless
            } else {
                Requirement::OnlyIf
            };
            if let Some(c) = condition(&mut g, Some(i)) {
                rl.add_conditional(ConditionalRedLine::new(&space, i, vals, req, c).unwrap());
            }
        }
        let r = g.random_range(-0.2..0.4);
        (space, Preferences::new(u, r, rl, 1.0).unwrap())
    }

    /// Every acceptable outcome with its utility.
    fn acceptable(space: &OutcomeSpace, prefs: &Preferences) -> Vec<(f64, Vec<u32>)> {
        let n = space.cardinality().to_u128().unwrap();
        (0..n)
            .filter_map(|k| space.outcome_at(k))
            .filter(|o| prefs.is_acceptable(o))
            .map(|o| (prefs.utility(&o), o.indices().to_vec()))
            .collect()
    }

    fn model_of(space: &OutcomeSpace, offers: &[u64]) -> OpponentModel {
        let mut m = OpponentModel::new(space, 2);
        let n = space.cardinality().to_u128().unwrap();
        for &x in offers {
            m.observe(1, &space.outcome_at(u128::from(x) % n).unwrap());
        }
        m
    }

    proptest! {
        #![proptest_config(crate::proptest_config(300))]

        /// With a budget that never runs out, phase 1 returns an acceptable outcome of the
        /// lowest utility at least the target (and the reservation value), and phase 2 the
        /// highest model score among acceptable outcomes in [target, that utility + window];
        /// `None` exactly when nothing acceptable reaches the target.
        #[test]
        fn the_search_finds_the_lowest_bid_reaching_the_target(
            seed in 0u64..1_000_000,
            targets in proptest::collection::vec(-30i32..130, 1..6),
            offers in proptest::collection::vec(0u64..10_000, 0..5),
            window in 0u32..4,
        ) {
            let (space, prefs) = party(seed);
            let search = LinkedBidSearch::new(&space, &prefs);
            let all = acceptable(&space, &prefs);
            // The best outcome the search knows is the best acceptable one.
            let max = all.iter().map(|e| e.0).fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))));
            prop_assert_eq!(search.top().is_some(), max.is_some());
            if let (Some((u, _)), Some(max)) = (search.top(), max) {
                prop_assert!((u - max).abs() <= 1e-9, "top {} vs max {}", u, max);
            }
            if let Some((u, o)) = search.top() {
                prop_assert_eq!(prefs.utility(&Outcome::new(o.to_vec())), u);
            }
            let model = model_of(&space, &offers);
            let window = f64::from(window) / 10.0;
            let mut ts: Vec<f64> = targets.iter().map(|&t| f64::from(t) / 100.0).collect();
            // The utilities themselves: targets met exactly.
            ts.extend(all.iter().take(3).map(|e| e.0));
            for t in ts {
                let eff = t.max(prefs.reservation());
                let lowest = all
                    .iter()
                    .filter(|e| e.0 >= eff - TIE_EPS)
                    .map(|e| e.0)
                    .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.min(u))));
                let got = search.at_least(t, None, window, u64::MAX);
                prop_assert_eq!(got.is_some(), lowest.is_some(), "target {}", t);
                let (Some(got), Some(lowest)) = (got, lowest) else { continue };
                prop_assert!(got.exact);
                let o = Outcome::new(got.outcome.indices().to_vec());
                prop_assert!(prefs.is_acceptable(&o));
                prop_assert_eq!(prefs.utility(&o).to_bits(), got.utility.to_bits());
                prop_assert!(got.utility >= eff - TIE_EPS);
                prop_assert!((got.utility - lowest).abs() <= 1e-9, "{} vs {}", got.utility, lowest);
                // With a model: the best score within the window.
                let with = search.at_least(t, Some(&model), window, u64::MAX).unwrap();
                prop_assert!(with.exact);
                let o = Outcome::new(with.outcome.indices().to_vec());
                prop_assert!(prefs.is_acceptable(&o));
                prop_assert!(with.utility >= eff - TIE_EPS);
                if model.n_observed() == 0 {
                    prop_assert_eq!(&with, &search.at_least(t, None, window, u64::MAX).unwrap());
                    continue;
                }
                let hi = got.utility + window;
                prop_assert!(with.utility <= hi + 1e-9);
                let score = |o: &[u32]| -> f64 {
                    o.iter().enumerate().map(|(i, &v)| model.value_score(i, v)).sum()
                };
                let best = all
                    .iter()
                    .filter(|e| e.0 >= eff - TIE_EPS && e.0 <= hi + TIE_EPS)
                    .map(|e| score(&e.1))
                    .fold(f64::NEG_INFINITY, f64::max);
                prop_assert!((score(with.outcome.indices()) - best).abs() <= 1e-9);
            }
        }

        /// However small the budget, whatever the search returns is acceptable and reaches the
        /// target, and it says whether it is exact; the same call gives the same bid.
        #[test]
        fn a_budgeted_search_still_reaches_the_target(
            seed in 0u64..1_000_000,
            target in -30i32..130,
            budget in 0u64..40,
            offers in proptest::collection::vec(0u64..10_000, 0..3),
        ) {
            let (space, prefs) = party(seed);
            let search = LinkedBidSearch::new(&space, &prefs);
            let model = model_of(&space, &offers);
            let t = f64::from(target) / 100.0;
            let got = search.at_least(t, Some(&model), LINKED_WINDOW, budget);
            prop_assert_eq!(&got, &search.at_least(t, Some(&model), LINKED_WINDOW, budget));
            let full = search.at_least(t, None, LINKED_WINDOW, u64::MAX);
            if let Some(b) = got {
                prop_assert!(prefs.is_acceptable(&b.outcome));
                prop_assert!(b.utility >= t.max(prefs.reservation()) - TIE_EPS);
                prop_assert!(full.is_some());
            }
        }
    }
}
