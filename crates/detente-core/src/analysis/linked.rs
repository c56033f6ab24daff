//! Bounds of interaction terms and conditional red lines over partial outcomes, for the exact
//! search.
//!
//! The search fixes issues one level at a time. For each link it keeps how many of the link's
//! issues are still open and how many fixed ones fall outside the link's set. A link is then
//! *violated* (pays nothing below this node), *satisfied* (pays its value on every leaf below)
//! or *open*. Before the search, every clause is restricted to the values the search may take:
//! a link whose clause admits none of them is dropped (it never pays), and a clause that admits
//! all of them is dropped from its link (it always holds). So an open link really can go either
//! way, and the bounds below a node are
//!
//! * optimistic: satisfied values + open positive values,
//! * pessimistic: satisfied values + open negative values,
//!
//! each exact for that link alone. Summed over links they bound the party's link utility; with
//! the additive suffix bounds, the search prunes as it does for additive utilities. When every
//! party's bounds meet (all links decided and no additive spread left) the whole subtree has
//! one utility vector, and visitors take it at once with its exact leaf count.
//!
//! Conditional red lines become forbidden boxes (see `ConditionalRedLine::boxes`): *hard*
//! links. A node below which some box is satisfied has no acceptable leaf; while a box is open
//! the subtree may hold unacceptable leaves, so the pessimistic bound is −∞ there.

use crate::TIE_EPS;
use crate::links::{Condition, Link};
use crate::outcome::Outcome;
use crate::preferences::UtilityFunction;

/// One link of the search: its owner, value and, per level it touches, which candidates of
/// that level satisfy its clause.
#[derive(Clone, Debug)]
pub(crate) struct LinkIndex {
    np: usize,
    party: Vec<usize>,
    value: Vec<f64>,
    hard: Vec<bool>,
    /// Level -> (link, candidate k satisfies the clause).
    touch: Vec<Vec<(usize, Vec<bool>)>>,
    /// Link -> number of levels it touches.
    n_clauses: Vec<u32>,
    base_opt: Vec<f64>,
    base_pess: Vec<f64>,
    n_hard: u32,
    /// Some hard box holds everywhere: no acceptable leaf.
    pub(crate) empty: bool,
}

/// A party's links and forbidden boxes, as the search sees them.
pub(crate) struct Terms<'a> {
    pub(crate) soft: Vec<(usize, &'a Link)>,
    pub(crate) hard: Vec<(usize, &'a Condition)>,
}

/// The order of the search levels when links are present: greedily, the issue that most
/// advances the links still open (each open link counts `|value| / issues left`), plus its
/// additive spread; ties by index. Links then get decided early and bounds tighten fast.
pub(crate) fn level_order(spreads: &[f64], links: &[(Vec<usize>, f64)]) -> Vec<usize> {
    let n = spreads.len();
    let mut left: Vec<usize> = links.iter().map(|l| l.0.len()).collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut score = vec![0.0f64; n];
    for _ in 0..n {
        score.copy_from_slice(spreads);
        for (k, (issues, v)) in links.iter().enumerate() {
            if left[k] == 0 {
                continue;
            }
            let share = v.abs() / left[k] as f64;
            for &i in issues {
                if i < n && !done[i] {
                    score[i] += share;
                }
            }
        }
        let mut best = usize::MAX;
        for i in 0..n {
            if !done[i] && (best == usize::MAX || score[i] > score[best]) {
                best = i;
            }
        }
        done[best] = true;
        order.push(best);
        for (k, (issues, _)) in links.iter().enumerate() {
            if issues.contains(&best) {
                left[k] -= 1;
            }
        }
    }
    order
}

impl LinkIndex {
    /// An index tracking nothing over `levels` levels.
    fn inert(np: usize, levels: usize) -> LinkIndex {
        LinkIndex {
            np,
            party: Vec::new(),
            value: Vec::new(),
            hard: Vec::new(),
            touch: vec![Vec::new(); levels],
            n_clauses: Vec::new(),
            base_opt: vec![0.0; np],
            base_pess: vec![0.0; np],
            n_hard: 0,
            empty: false,
        }
    }

    /// The index over levels `order` with candidates `cands`, or `None` when there is nothing
    /// to track.
    pub(crate) fn new(
        np: usize,
        order: &[usize],
        cands: &[Vec<u32>],
        terms: &Terms<'_>,
    ) -> Option<LinkIndex> {
        if terms.soft.is_empty() && terms.hard.is_empty() {
            return None;
        }
        let mut level_of = vec![usize::MAX; order.len()];
        for (l, &i) in order.iter().enumerate() {
            level_of[i] = l;
        }
        let mut ix = LinkIndex {
            np,
            party: Vec::new(),
            value: Vec::new(),
            hard: Vec::new(),
            touch: vec![Vec::new(); order.len()],
            n_clauses: Vec::new(),
            base_opt: vec![0.0; np],
            base_pess: vec![0.0; np],
            n_hard: 0,
            empty: false,
        };
        let all = terms
            .soft
            .iter()
            .map(|(p, l)| (*p, l.condition(), l.value(), false))
            .chain(terms.hard.iter().map(|(p, c)| (*p, *c, 0.0, true)));
        for (p, cond, value, hard) in all {
            let mut clauses: Vec<(usize, Vec<bool>)> = Vec::new();
            let mut dead = false;
            for (i, set) in cond.clauses() {
                let level = level_of[*i];
                let member: Vec<bool> = cands[level].iter().map(|&v| set.contains(v)).collect();
                if !member.iter().any(|&m| m) {
                    dead = true;
                    break;
                }
                if !member.iter().all(|&m| m) {
                    clauses.push((level, member));
                }
            }
            if dead {
                continue;
            }
            if clauses.is_empty() {
                // Holds on every leaf.
                if hard {
                    ix.empty = true;
                } else {
                    ix.base_opt[p] += value;
                    ix.base_pess[p] += value;
                }
                continue;
            }
            let k = ix.party.len();
            ix.party.push(p);
            ix.value.push(value);
            ix.hard.push(hard);
            ix.n_clauses.push(clauses.len() as u32);
            if hard {
                ix.n_hard += 1;
            } else if value > 0.0 {
                ix.base_opt[p] += value;
            } else {
                ix.base_pess[p] += value;
            }
            for (level, member) in clauses {
                ix.touch[level].push((k, member));
            }
        }
        Some(ix)
    }
}

/// The search's bookkeeping of every link below the current node.
#[derive(Clone, Debug)]
pub(crate) struct LinkState {
    open_clauses: Vec<u32>,
    failed: Vec<u32>,
    /// `(level * np + p)`: link bounds at a node of that level.
    pub(crate) opt: Vec<f64>,
    pub(crate) pess: Vec<f64>,
    /// Level -> open hard boxes.
    pub(crate) hard_open: Vec<u32>,
}

impl LinkState {
    pub(crate) fn new(ix: &LinkIndex) -> LinkState {
        let levels = ix.touch.len();
        let mut opt = vec![0.0; (levels + 1) * ix.np];
        let mut pess = vec![0.0; (levels + 1) * ix.np];
        opt[..ix.np].copy_from_slice(&ix.base_opt);
        pess[..ix.np].copy_from_slice(&ix.base_pess);
        let mut hard_open = vec![0; levels + 1];
        hard_open[0] = ix.n_hard;
        LinkState {
            open_clauses: ix.n_clauses.clone(),
            failed: vec![0; ix.party.len()],
            opt,
            pess,
            hard_open,
        }
    }

    /// Fixes candidate `k` at `level`, writing the bounds of level + 1. Returns false when a
    /// hard box now holds (no acceptable leaf below); [`LinkState::leave`] must follow either way.
    pub(crate) fn enter(&mut self, ix: &LinkIndex, level: usize, k: usize) -> bool {
        let np = ix.np;
        let (b, n) = (level * np, (level + 1) * np);
        for p in 0..np {
            self.opt[n + p] = self.opt[b + p];
            self.pess[n + p] = self.pess[b + p];
        }
        let mut hard_open = self.hard_open[level];
        let mut ok = true;
        for (link, member) in &ix.touch[level] {
            let link = *link;
            self.open_clauses[link] -= 1;
            let (p, v) = (ix.party[link], ix.value[link]);
            if !member[k] {
                self.failed[link] += 1;
                if self.failed[link] == 1 {
                    // Violated from here on.
                    if ix.hard[link] {
                        hard_open -= 1;
                    } else if v > 0.0 {
                        self.opt[n + p] -= v;
                    } else {
                        self.pess[n + p] -= v;
                    }
                }
            } else if self.open_clauses[link] == 0 && self.failed[link] == 0 {
                // Satisfied from here on.
                if ix.hard[link] {
                    hard_open -= 1;
                    ok = false;
                } else if v > 0.0 {
                    self.pess[n + p] += v;
                } else {
                    self.opt[n + p] += v;
                }
            }
        }
        self.hard_open[level + 1] = hard_open;
        ok
    }

    /// Undoes [`LinkState::enter`] of candidate `k` at `level`.
    pub(crate) fn leave(&mut self, ix: &LinkIndex, level: usize, k: usize) {
        for (link, member) in &ix.touch[level] {
            self.open_clauses[*link] += 1;
            if !member[k] {
                self.failed[*link] -= 1;
            }
        }
    }
}

/// The first outcome (in search order) that maximises (`maximize`) or minimises a linked
/// utility function, by branch and bound over the same bounds the analysis uses.
pub(crate) fn extreme(u: &UtilityFunction, maximize: bool) -> Outcome {
    let all: Vec<Vec<u32>> = u
        .terms()
        .iter()
        .map(|t| (0..t.len() as u32).collect())
        .collect();
    extreme_in(u, maximize, &all).unwrap_or_else(|| Outcome::new(vec![0; all.len()]))
}

/// [`extreme`] over the outcomes whose value on issue `i` is one of `allowed[i]`; `None` when
/// some issue allows nothing.
pub(crate) fn extreme_in(
    u: &UtilityFunction,
    maximize: bool,
    allowed: &[Vec<u32>],
) -> Option<Outcome> {
    if allowed.len() != u.terms().len() || allowed.iter().any(Vec::is_empty) {
        return None;
    }
    let sign = if maximize { 1.0 } else { -1.0 };
    let terms: Vec<Vec<f64>> = u
        .terms()
        .iter()
        .map(|t| t.iter().map(|x| sign * x).collect())
        .collect();
    let negated: Vec<Link> = u
        .links()
        .iter()
        .map(|l| Link::new(l.condition().clone(), sign * l.value()).expect("finite"))
        .collect();
    let n = terms.len();
    let spreads: Vec<f64> = terms
        .iter()
        .zip(allowed)
        .map(|(t, a)| {
            let hi = a.iter().map(|&v| t[v as usize]).fold(f64::MIN, f64::max);
            let lo = a.iter().map(|&v| t[v as usize]).fold(f64::MAX, f64::min);
            hi - lo
        })
        .collect();
    let link_issues: Vec<(Vec<usize>, f64)> = negated
        .iter()
        .map(|l| {
            (
                l.condition().clauses().iter().map(|c| c.0).collect(),
                l.value(),
            )
        })
        .collect();
    let order = level_order(&spreads, &link_issues);
    let cands: Vec<Vec<u32>> = order
        .iter()
        .map(|&i| {
            let mut c: Vec<u32> = allowed[i].clone();
            c.sort_by(|&a, &b| {
                terms[i][b as usize]
                    .total_cmp(&terms[i][a as usize])
                    .then(a.cmp(&b))
            });
            c
        })
        .collect();
    let mut smax = vec![0.0; n + 1];
    for l in (0..n).rev() {
        let i = order[l];
        smax[l] = smax[l + 1]
            + allowed[i]
                .iter()
                .map(|&v| terms[i][v as usize])
                .fold(f64::MIN, f64::max);
    }
    let t = Terms {
        soft: negated.iter().map(|l| (0, l)).collect(),
        hard: Vec::new(),
    };
    let ix = LinkIndex::new(1, &order, &cands, &t).unwrap_or_else(|| {
        LinkIndex::new(
            1,
            &order,
            &cands,
            &Terms {
                soft: Vec::new(),
                hard: Vec::new(),
            },
        )
        .unwrap_or(LinkIndex::inert(1, n))
    });
    let mut st = LinkState::new(&ix);
    struct Bb<'a> {
        ix: &'a LinkIndex,
        order: &'a [usize],
        cands: &'a [Vec<u32>],
        terms: &'a [Vec<f64>],
        smax: &'a [f64],
        clip: Option<f64>,
        path: Vec<u32>,
        best: Option<(f64, Vec<u32>)>,
    }
    impl Bb<'_> {
        fn finish(&self, raw: f64) -> f64 {
            match self.clip {
                Some(c) => raw.min(c),
                None => raw,
            }
        }
        fn go(&mut self, st: &mut LinkState, level: usize, acc: f64) {
            let n = self.order.len();
            if level == n {
                let u = self.finish(acc + st.pess[n]);
                if self.best.as_ref().is_none_or(|b| u > b.0 + TIE_EPS) {
                    self.best = Some((u, self.path.clone()));
                }
                return;
            }
            let opt = self.finish(acc + self.smax[level] + st.opt[level]);
            if self.best.as_ref().is_some_and(|b| opt <= b.0 + TIE_EPS) {
                return;
            }
            let i = self.order[level];
            for k in 0..self.cands[level].len() {
                st.enter(self.ix, level, k);
                self.path[level] = k as u32;
                let v = self.cands[level][k];
                self.go(st, level + 1, acc + self.terms[i][v as usize]);
                st.leave(self.ix, level, k);
            }
        }
    }
    // The clip at 1 caps a maximum; a minimum (negated) is not capped from below by it, so
    // minimise the raw sum and let `eval` clip the result.
    let clip = (maximize && u.clips_at_one()).then_some(1.0);
    let mut bb = Bb {
        ix: &ix,
        order: &order,
        cands: &cands,
        terms: &terms,
        smax: &smax,
        clip,
        path: vec![0; n],
        best: None,
    };
    bb.go(&mut st, 0, 0.0);
    let path = bb.best.map(|b| b.1).unwrap_or_else(|| vec![0; n]);
    let mut idx = vec![0u32; n];
    for (l, &k) in path.iter().enumerate() {
        idx[order[l]] = cands[l][k as usize];
    }
    Some(Outcome::new(idx))
}
