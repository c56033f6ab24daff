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
//! each exact for that link alone. They are summed *by bucket* (see [`LinkState`]): each open
//! link belongs to the level of its deepest clause, and a level contributes the best (worst)
//! of its candidates, additive term included, so links on one issue with disjoint sets never
//! count twice. With these bounds the search prunes as it does for additive utilities. When every
//! party's bounds meet (all links decided and no additive spread left) the whole subtree has
//! one utility vector, and visitors take it at once with its exact leaf count.
//!
//! Conditional red lines become forbidden boxes (see `ConditionalRedLine::boxes`): *hard*
//! links. A node below which some box is satisfied has no acceptable leaf; while a box is open
//! the subtree may hold unacceptable leaves, so the pessimistic bound is −∞ there.

use crate::TIE_EPS;
use crate::links::{Condition, Link};
use crate::outcome::Outcome;
use crate::preferences::{Preferences, UtilityFunction};

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
    /// Level -> the soft links whose deepest clause is at that level (their *bucket*), each
    /// with its membership over the level's candidates.
    bucket: Vec<Vec<(usize, Vec<bool>)>>,
    /// Link -> its bucket level (soft links).
    bucket_of: Vec<usize>,
    /// Level -> flattened additive terms `[k * np + p]`.
    terms: Vec<Vec<f64>>,
    base: Vec<f64>,
    n_hard: u32,
    /// Some hard box holds everywhere: no acceptable leaf.
    pub(crate) empty: bool,
    /// The coalitions of the joint bounds (see [`LinkState::joint_infeasible`]): each a set
    /// of at least two parties, as a 0/1 weight per party (`[j * np + p]`).
    coalitions: Vec<f64>,
    n_coalitions: usize,
    /// Margin of the joint bounds, far above float noise in the sums they compare.
    slack: f64,
}

/// The coalitions whose summed utilities bound the search jointly: every set of at least two
/// parties up to four parties, beyond that every pair and all parties together.
fn coalitions(np: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    if np < 2 {
        return out;
    }
    if np <= 4 {
        for mask in 1u32..(1 << np) {
            if mask.count_ones() >= 2 {
                out.push((0..np).filter(|&p| mask & (1 << p) != 0).collect());
            }
        }
    } else {
        for a in 0..np {
            for b in a + 1..np {
                out.push(vec![a, b]);
            }
        }
        out.push((0..np).collect());
    }
    out
}

/// A party's links and forbidden boxes, as the search sees them.
pub(crate) struct Terms<'a> {
    pub(crate) soft: Vec<(usize, &'a Link)>,
    pub(crate) hard: Vec<(usize, &'a Condition)>,
}

impl<'a> Terms<'a> {
    /// Every party's links, and with `red_lines` every box of its conditional red lines, each
    /// with the party's index.
    pub(crate) fn of(prefs: &[&'a Preferences], red_lines: bool) -> Terms<'a> {
        let soft = prefs
            .iter()
            .enumerate()
            .flat_map(|(p, pr)| pr.ufun().links().iter().map(move |l| (p, l)))
            .collect();
        let hard = if red_lines {
            prefs
                .iter()
                .enumerate()
                .flat_map(|(p, pr)| {
                    pr.red_lines()
                        .conditional()
                        .iter()
                        .flat_map(move |c| c.boxes().iter().map(move |b| (p, b)))
                })
                .collect()
        } else {
            Vec::new()
        };
        Terms { soft, hard }
    }
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
    /// The index over levels `order` with candidates `cands` and flattened additive terms
    /// `terms` (`[k * np + p]` per level), or `None` when there is nothing to track.
    pub(crate) fn new(
        np: usize,
        order: &[usize],
        cands: &[Vec<u32>],
        terms: &[Vec<f64>],
        linked: &Terms<'_>,
    ) -> Option<LinkIndex> {
        if linked.soft.is_empty() && linked.hard.is_empty() {
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
            bucket: vec![Vec::new(); order.len()],
            bucket_of: Vec::new(),
            terms: terms.to_vec(),
            base: vec![0.0; np],
            n_hard: 0,
            empty: false,
            coalitions: Vec::new(),
            n_coalitions: 0,
            slack: 0.0,
        };
        let all = linked
            .soft
            .iter()
            .map(|(p, l)| (*p, l.condition(), l.value(), false))
            .chain(linked.hard.iter().map(|(p, c)| (*p, *c, 0.0, true)));
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
            if dead || (!hard && value == 0.0) {
                continue;
            }
            if clauses.is_empty() {
                // Holds on every leaf.
                if hard {
                    ix.empty = true;
                } else {
                    ix.base[p] += value;
                }
                continue;
            }
            let k = ix.party.len();
            ix.party.push(p);
            ix.value.push(value);
            ix.hard.push(hard);
            ix.n_clauses.push(clauses.len() as u32);
            let deepest = clauses.iter().map(|c| c.0).max().unwrap_or(0);
            ix.bucket_of.push(deepest);
            if hard {
                ix.n_hard += 1;
            } else if let Some((_, m)) = clauses.iter().find(|c| c.0 == deepest) {
                ix.bucket[deepest].push((k, m.clone()));
            }
            for (level, member) in clauses {
                ix.touch[level].push((k, member));
            }
        }
        ix.set_coalitions();
        Some(ix)
    }

    /// The coalitions of the joint bounds and their margin: 10⁻⁹ of the largest magnitude a
    /// party's utility can reach (at least 10⁻⁹), so a subtree is dropped only when some party
    /// falls short of its reservation value by far more than [`TIE_EPS`] on every leaf.
    fn set_coalitions(&mut self) {
        let np = self.np;
        let cs = coalitions(np);
        self.n_coalitions = cs.len();
        self.coalitions = vec![0.0; cs.len() * np];
        for (j, c) in cs.iter().enumerate() {
            for &p in c {
                self.coalitions[j * np + p] = 1.0;
            }
        }
        let mut scale = vec![0.0f64; np];
        for t in &self.terms {
            for p in 0..np {
                let m = t
                    .iter()
                    .skip(p)
                    .step_by(np.max(1))
                    .fold(0.0f64, |m, x| m.max(x.abs()));
                scale[p] += m;
            }
        }
        for (k, &p) in self.party.iter().enumerate() {
            scale[p] += self.value[k].abs();
        }
        for p in 0..np {
            scale[p] += self.base[p].abs();
        }
        let scale = scale.iter().fold(1.0f64, |m, &x| m.max(x));
        self.slack = 1e-9 * scale * np as f64;
    }

    /// An index tracking nothing over `levels` levels.
    fn inert(np: usize, terms: &[Vec<f64>]) -> LinkIndex {
        LinkIndex {
            np,
            party: Vec::new(),
            value: Vec::new(),
            hard: Vec::new(),
            touch: vec![Vec::new(); terms.len()],
            n_clauses: Vec::new(),
            bucket: vec![Vec::new(); terms.len()],
            bucket_of: Vec::new(),
            terms: terms.to_vec(),
            base: vec![0.0; np],
            n_hard: 0,
            empty: false,
            coalitions: Vec::new(),
            n_coalitions: 0,
            slack: 0.0,
        }
    }
}

/// The search's bookkeeping of every link below the current node.
///
/// Bounds are *bucketed*: every soft link belongs to the level of its deepest clause, and a
/// level's bucket is bounded by the best (worst) candidate of that level, counting the level's
/// additive term plus every live link of the bucket it satisfies. Links that share an issue
/// with disjoint sets can then never both count, which the plain sum of open values would do.
/// A link whose other clauses already failed is dead and leaves its bucket.
///
/// The buckets are summed from each level to the last once, when a bucket changes (a link
/// dies or revives), not at every node: a node's bounds cost one addition per party.
/// Buckets that change when candidate `k` is fixed at `level` all lie below `level`, so only
/// the sums from `level + 1` on are redone, and [`LinkState::leave`] restores them exactly.
#[derive(Clone, Debug)]
pub(crate) struct LinkState {
    open_clauses: Vec<u32>,
    failed: Vec<u32>,
    /// `(level * np + p)`: values of the links satisfied above a node of that level.
    decided: Vec<f64>,
    /// `(level * np + p)`: the bucket of `level`, best and worst candidate.
    bmax: Vec<f64>,
    bmin: Vec<f64>,
    /// `(level * nc + j)`: the bucket of `level` for coalition `j`: the best candidate's summed
    /// optimistic value over the coalition's parties.
    cmax: Vec<f64>,
    /// `(level * np + p)`, `(level * nc + j)`: the sums of the buckets from `level` on
    /// (`levels + 1` rows, the last zero).
    suf_max: Vec<f64>,
    suf_min: Vec<f64>,
    suf_c: Vec<f64>,
    /// Level -> open hard boxes.
    pub(crate) hard_open: Vec<u32>,
    scratch_hi: Vec<f64>,
    scratch_lo: Vec<f64>,
    dirty: Vec<usize>,
}

impl LinkState {
    pub(crate) fn new(ix: &LinkIndex) -> LinkState {
        let levels = ix.touch.len();
        let np = ix.np;
        let nc = ix.n_coalitions;
        let mut decided = vec![0.0; (levels + 1) * np];
        decided[..np].copy_from_slice(&ix.base);
        let mut hard_open = vec![0; levels + 1];
        hard_open[0] = ix.n_hard;
        let mut st = LinkState {
            open_clauses: ix.n_clauses.clone(),
            failed: vec![0; ix.party.len()],
            decided,
            bmax: vec![0.0; levels * np],
            bmin: vec![0.0; levels * np],
            cmax: vec![0.0; levels * nc],
            suf_max: vec![0.0; (levels + 1) * np],
            suf_min: vec![0.0; (levels + 1) * np],
            suf_c: vec![0.0; (levels + 1) * nc],
            hard_open,
            scratch_hi: vec![0.0; np],
            scratch_lo: vec![0.0; np],
            dirty: Vec::new(),
        };
        for level in 0..levels {
            st.refresh(ix, level);
        }
        if levels > 0 {
            st.resum(ix, levels - 1, 0);
        }
        st
    }

    /// Recomputes the bucket of `level` from scratch (no drift from repeated updates).
    fn refresh(&mut self, ix: &LinkIndex, level: usize) {
        let np = ix.np;
        let nc = ix.n_coalitions;
        let terms = &ix.terms[level];
        let n_cands = terms.len() / np.max(1);
        for p in 0..np {
            self.bmax[level * np + p] = f64::NEG_INFINITY;
            self.bmin[level * np + p] = f64::INFINITY;
        }
        for j in 0..nc {
            self.cmax[level * nc + j] = f64::NEG_INFINITY;
        }
        for k in 0..n_cands {
            for p in 0..np {
                self.scratch_hi[p] = terms[k * np + p];
                self.scratch_lo[p] = terms[k * np + p];
            }
            for (link, member) in &ix.bucket[level] {
                if member[k] && self.failed[*link] == 0 {
                    let (p, v) = (ix.party[*link], ix.value[*link]);
                    if v > 0.0 {
                        self.scratch_hi[p] += v;
                    } else {
                        self.scratch_lo[p] += v;
                    }
                }
            }
            for p in 0..np {
                let i = level * np + p;
                self.bmax[i] = self.bmax[i].max(self.scratch_hi[p]);
                self.bmin[i] = self.bmin[i].min(self.scratch_lo[p]);
            }
            for j in 0..nc {
                let w = &ix.coalitions[j * np..(j + 1) * np];
                let x: f64 = (0..np).map(|p| w[p] * self.scratch_hi[p]).sum();
                let i = level * nc + j;
                self.cmax[i] = self.cmax[i].max(x);
            }
        }
        if n_cands == 0 {
            for p in 0..np {
                self.bmax[level * np + p] = 0.0;
                self.bmin[level * np + p] = 0.0;
            }
            for j in 0..nc {
                self.cmax[level * nc + j] = 0.0;
            }
        }
    }

    /// Redoes the sums of the buckets from each level in `to..=from`, top down.
    fn resum(&mut self, ix: &LinkIndex, from: usize, to: usize) {
        let np = ix.np;
        let nc = ix.n_coalitions;
        for l in (to..=from).rev() {
            for p in 0..np {
                self.suf_max[l * np + p] = self.suf_max[(l + 1) * np + p] + self.bmax[l * np + p];
                self.suf_min[l * np + p] = self.suf_min[(l + 1) * np + p] + self.bmin[l * np + p];
            }
            for j in 0..nc {
                self.suf_c[l * nc + j] = self.suf_c[(l + 1) * nc + j] + self.cmax[l * nc + j];
            }
        }
    }

    /// Bounds (lowest, highest) on party `p`'s raw utility (additive + links) below a node of
    /// `level` whose additive partial sum is `acc`.
    #[inline]
    pub(crate) fn bounds(&self, np: usize, level: usize, p: usize, acc: f64) -> (f64, f64) {
        let d = acc + self.decided[level * np + p];
        let i = level * np + p;
        (d + self.suf_min[i], d + self.suf_max[i])
    }

    /// The utility of party `p` on every leaf below a node of `level` whose bounds meet (see
    /// [`LinkState::bounds`]), summed bucket by bucket from `level` on as the bounds were
    /// before they were kept as sums (the same bits).
    pub(crate) fn uniform_value(&self, np: usize, level: usize, p: usize, acc: f64) -> f64 {
        let mut hi = acc + self.decided[level * np + p];
        let levels = self.bmax.len() / np.max(1);
        for l in level..levels {
            hi += self.bmax[l * np + p];
        }
        hi
    }

    /// Whether some coalition's summed utility falls short of its summed reservation values
    /// `r` on every leaf below a node of `level` with additive partial sums `acc` (by more
    /// than the index's margin): then no leaf below is acceptable to every party, though each
    /// party alone may still reach its value. The bound sums, level by level, the best
    /// candidate for the coalition as a whole rather than each party's own best.
    #[inline]
    pub(crate) fn joint_infeasible(
        &self,
        ix: &LinkIndex,
        level: usize,
        acc: &[f64],
        r: &[f64],
    ) -> bool {
        let np = ix.np;
        let nc = ix.n_coalitions;
        for j in 0..nc {
            let w = &ix.coalitions[j * np..(j + 1) * np];
            let mut gap = self.suf_c[level * nc + j] + ix.slack;
            for p in 0..np {
                gap += w[p] * (acc[p] + self.decided[level * np + p] - r[p]);
            }
            if gap < 0.0 {
                return true;
            }
        }
        false
    }

    /// Fixes candidate `k` at `level`, writing the decided values of level + 1. Returns false
    /// when a hard box now holds (no acceptable leaf below); [`LinkState::leave`] must follow
    /// either way.
    pub(crate) fn enter(&mut self, ix: &LinkIndex, level: usize, k: usize) -> bool {
        let np = ix.np;
        let (b, n) = (level * np, (level + 1) * np);
        for p in 0..np {
            self.decided[n + p] = self.decided[b + p];
        }
        let mut hard_open = self.hard_open[level];
        let mut ok = true;
        self.dirty.clear();
        for (link, member) in &ix.touch[level] {
            let link = *link;
            self.open_clauses[link] -= 1;
            if !member[k] {
                self.failed[link] += 1;
                if self.failed[link] == 1 {
                    // Violated from here on.
                    if ix.hard[link] {
                        hard_open -= 1;
                    } else if ix.bucket_of[link] > level {
                        self.dirty.push(ix.bucket_of[link]);
                    }
                }
            } else if self.open_clauses[link] == 0 && self.failed[link] == 0 {
                // Satisfied from here on.
                if ix.hard[link] {
                    hard_open -= 1;
                    ok = false;
                } else {
                    self.decided[n + ix.party[link]] += ix.value[link];
                }
            }
        }
        self.hard_open[level + 1] = hard_open;
        self.refresh_dirty(ix, level);
        ok
    }

    /// Refreshes the dirty buckets (all below `level`) and the sums from `level + 1` on.
    fn refresh_dirty(&mut self, ix: &LinkIndex, level: usize) {
        if self.dirty.is_empty() {
            return;
        }
        self.dirty.sort_unstable();
        self.dirty.dedup();
        let dirty = std::mem::take(&mut self.dirty);
        for &l in &dirty {
            self.refresh(ix, l);
        }
        let deepest = *dirty.last().expect("not empty");
        self.resum(ix, deepest, level + 1);
        self.dirty = dirty;
    }

    /// Undoes [`LinkState::enter`] of candidate `k` at `level`.
    pub(crate) fn leave(&mut self, ix: &LinkIndex, level: usize, k: usize) {
        self.dirty.clear();
        for (link, member) in &ix.touch[level] {
            self.open_clauses[*link] += 1;
            if !member[k] {
                self.failed[*link] -= 1;
                if self.failed[*link] == 0 && !ix.hard[*link] && ix.bucket_of[*link] > level {
                    self.dirty.push(ix.bucket_of[*link]);
                }
            }
        }
        self.refresh_dirty(ix, level);
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
    extreme_within(u, maximize, allowed, u64::MAX, true).unwrap_or(None)
}

/// [`extreme_in`] visiting at most `max_nodes` search nodes, of the clipped utility (`clip`)
/// or of the raw sum: `Err(())` when the budget runs out before the extreme is proven (the
/// search is exponential in the number of issues).
pub(crate) fn extreme_within(
    u: &UtilityFunction,
    maximize: bool,
    allowed: &[Vec<u32>],
    max_nodes: u64,
    clip: bool,
) -> Result<Option<Outcome>, ()> {
    if allowed.len() != u.terms().len() || allowed.iter().any(Vec::is_empty) {
        return Ok(None);
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
    let flat: Vec<Vec<f64>> = order
        .iter()
        .zip(&cands)
        .map(|(&i, c)| c.iter().map(|&v| terms[i][v as usize]).collect())
        .collect();
    let t = Terms {
        soft: negated.iter().map(|l| (0, l)).collect(),
        hard: Vec::new(),
    };
    let ix =
        LinkIndex::new(1, &order, &cands, &flat, &t).unwrap_or_else(|| LinkIndex::inert(1, &flat));
    let mut st = LinkState::new(&ix);
    struct Bb<'a> {
        ix: &'a LinkIndex,
        order: &'a [usize],
        cands: &'a [Vec<u32>],
        terms: &'a [Vec<f64>],
        clip: Option<f64>,
        path: Vec<u32>,
        best: Option<(f64, Vec<u32>)>,
        /// Nodes still allowed; the search stops (unproven) when it reaches 0.
        nodes: u64,
        out_of_nodes: bool,
    }
    impl Bb<'_> {
        fn finish(&self, raw: f64) -> f64 {
            match self.clip {
                Some(c) => raw.min(c),
                None => raw,
            }
        }
        fn go(&mut self, st: &mut LinkState, level: usize, acc: f64) {
            if self.nodes == 0 {
                self.out_of_nodes = true;
                return;
            }
            self.nodes -= 1;
            let n = self.order.len();
            if level == n {
                let u = self.finish(st.bounds(1, n, 0, acc).0);
                if self.best.as_ref().is_none_or(|b| u > b.0 + TIE_EPS) {
                    self.best = Some((u, self.path.clone()));
                }
                return;
            }
            let opt = self.finish(st.bounds(1, level, 0, acc).1);
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
                if self.out_of_nodes {
                    return;
                }
            }
        }
    }
    // The clip at 1 caps a maximum; a minimum (negated) is not capped from below by it, so
    // minimise the raw sum and let `eval` clip the result.
    let clip = (clip && maximize && u.clips_at_one()).then_some(1.0);
    let mut bb = Bb {
        ix: &ix,
        order: &order,
        cands: &cands,
        terms: &terms,
        clip,
        path: vec![0; n],
        best: None,
        nodes: max_nodes,
        out_of_nodes: false,
    };
    bb.go(&mut st, 0, 0.0);
    if bb.out_of_nodes {
        return Err(());
    }
    let path = bb.best.map(|b| b.1).unwrap_or_else(|| vec![0; n]);
    let mut idx = vec![0u32; n];
    for (l, &k) in path.iter().enumerate() {
        idx[order[l]] = cands[l][k as usize];
    }
    Ok(Some(Outcome::new(idx)))
}
