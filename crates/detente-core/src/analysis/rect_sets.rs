//! The exact bilateral Pareto frontier of hyper-rectangle profiles (ANAC 2014) by branch and
//! bound over **which rectangles hold**.
//!
//! With every link value non-negative, a party's utility is a constant plus the sum of the
//! values of its rectangles that hold (additive terms become one-issue rectangles after each
//! issue's smallest term is moved into the constant). Choose a set `S` of rectangles (of both
//! parties) to hold: it is *feasible* when, on every issue, the sets of values its rectangles
//! allow have a value in common, and then any outcome taken there satisfies `S` and perhaps
//! more. So the utility vectors of the outcomes and the weight vectors of the feasible sets
//! have the same Pareto frontier, and the frontier is that of a bi-objective maximum-weight
//! independent set problem:
//!
//! * **Branching** on one rectangle at a time (hold / not counted); the state is each issue's
//!   set of value classes still allowed (classes as in [`super::rect`]: values no rectangle
//!   tells apart) and the candidates, the undecided rectangles still compatible with it.
//!   A candidate that allows everything the state allows is taken for free; when every
//!   rectangle's value set is an interval of its issue (ANAC's `INCLUDES min..max`), sets of
//!   intervals are jointly feasible iff they are pairwise (Helly's theorem in one dimension),
//!   so a candidate in conflict with no other candidate is taken for free too.
//! * **Bounds**: two rectangles *conflict* when they allow disjoint values on a shared issue;
//!   a feasible set takes at most one rectangle of a clique of conflicts, so a greedy partition
//!   of the candidates into cliques bounds `λ·u` by the sum of each clique's largest `λ`-weight,
//!   for each party alone and for a few weighted sums.
//! * **Dominance** as in [`super::rect`]: a subtree is walked only when its polygon of bounds
//!   holds a vector that no frontier vector found so far weakly dominates (ties within
//!   [`TIE_EPS`] included), so every distinct vector is found once, with one outcome.
//!
//! That gives the distinct frontier vectors ([`frontier`]; each is the utilities of an outcome,
//! evaluated by the utility functions). [`collect`] then finds every outcome on them: seeded
//! with those vectors, it partitions the space into boxes (one class set per issue) on which
//! every rectangle holds everywhere or nowhere — branching on a rectangle into "inside it" and,
//! for its k-th range, "outside it and inside the ones before" — and keeps the boxes that tie a
//! vector, with the same pruning (ties included). Counts, first outcomes and lists follow from
//! the boxes, as from the cell engine's blocks. Results equal the search's (property-tested).

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome, OutcomeSpace};
use crate::preferences::Preferences;

use super::{Incomplete, incomplete};

/// Most value classes of one issue (a class set is one machine word).
const MAX_CLASSES: usize = 64;
/// Slack on bounds against float rounding of sums; below [`TIE_EPS`].
const BOUND_TOL: f64 = 1e-13;

/// One rectangle: a party's value and, per issue it constrains, the classes it allows.
#[derive(Clone, Debug)]
struct Rect {
    party: usize,
    weight: f64,
    clauses: Vec<(usize, u64)>,
}

/// The problem: classes per issue, rectangles, their conflicts and the bound weights.
pub(crate) struct RectSets {
    /// Issue -> classes (sorted value lists, in order of first value).
    classes: Vec<Vec<Vec<u32>>>,
    /// Issue -> the set of all its classes.
    full: Vec<u64>,
    rects: Vec<Rect>,
    /// Words of a rectangle bitset.
    words: usize,
    /// Rectangle -> the rectangles it conflicts with.
    conflict: Vec<Vec<u64>>,
    /// Whether every rectangle's value set is an interval of its issue (Helly applies).
    helly: bool,
    /// Each party's utility when no rectangle holds (before the clip).
    constant: [f64; 2],
    clip: [bool; 2],
    /// Weights of the bounds: party 0, party 1, then weighted sums.
    lambdas: Vec<[f64; 2]>,
    /// Per weight: the rectangles with a positive weight, heaviest first.
    orders: Vec<Vec<usize>>,
}

impl RectSets {
    /// The problem over the values `allowed[i]` of each issue, or `None` when the method does
    /// not apply: not two parties, a negative link value, or an issue with more than 64 classes.
    pub(crate) fn new(
        space: &OutcomeSpace,
        prefs: &[&Preferences],
        allowed: &[Vec<u32>],
    ) -> Option<RectSets> {
        if prefs.len() != 2 {
            return None;
        }
        let classes = super::rect::value_classes(space, prefs, allowed);
        if classes
            .iter()
            .any(|c| c.is_empty() || c.len() > MAX_CLASSES)
        {
            return None;
        }
        let full: Vec<u64> = classes
            .iter()
            .map(|c| {
                if c.len() == 64 {
                    u64::MAX
                } else {
                    (1u64 << c.len()) - 1
                }
            })
            .collect();
        let mut rects = Vec::new();
        let mut constant = [0.0f64; 2];
        for (p, pref) in prefs.iter().enumerate() {
            for (i, cl) in classes.iter().enumerate() {
                let t: Vec<f64> = cl
                    .iter()
                    .map(|c| pref.ufun().terms()[i][c[0] as usize])
                    .collect();
                let min = t.iter().copied().fold(f64::INFINITY, f64::min);
                constant[p] += min;
                for (c, x) in t.iter().enumerate() {
                    if *x - min > 0.0 {
                        rects.push(Rect {
                            party: p,
                            weight: *x - min,
                            clauses: vec![(i, 1u64 << c)],
                        });
                    }
                }
            }
            for l in pref.ufun().links() {
                if l.value() < 0.0 {
                    return None;
                }
                let mut clauses = Vec::new();
                let mut dead = false;
                for (i, set) in l.condition().clauses() {
                    let mut m = 0u64;
                    for (c, vals) in classes[*i].iter().enumerate() {
                        if set.contains(vals[0]) {
                            m |= 1 << c;
                        }
                    }
                    if m == 0 {
                        dead = true;
                    }
                    if m != full[*i] {
                        clauses.push((*i, m));
                    }
                }
                if dead || l.value() == 0.0 {
                    continue;
                }
                if clauses.is_empty() {
                    // A link that always holds adds the same to every outcome.
                    constant[p] += l.value();
                    continue;
                }
                rects.push(Rect {
                    party: p,
                    weight: l.value(),
                    clauses,
                });
            }
        }
        let helly = rects
            .iter()
            .all(|r| r.clauses.iter().all(|&(i, m)| is_interval(&classes[i], m)));
        let words = rects.len().div_ceil(64).max(1);
        let mut conflict = vec![vec![0u64; words]; rects.len()];
        for a in 0..rects.len() {
            for b in a + 1..rects.len() {
                let clash = rects[a]
                    .clauses
                    .iter()
                    .any(|&(i, m)| rects[b].clauses.iter().any(|&(j, n)| i == j && m & n == 0));
                if clash {
                    conflict[a][b / 64] |= 1 << (b % 64);
                    conflict[b][a / 64] |= 1 << (a % 64);
                }
            }
        }
        let lambdas = vec![
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [1.0, 2.0],
            [4.0, 1.0],
            [1.0, 4.0],
        ];
        let orders = lambdas
            .iter()
            .map(|l| {
                let mut o: Vec<usize> = (0..rects.len())
                    .filter(|&r| l[rects[r].party] > 0.0)
                    .collect();
                o.sort_by(|&a, &b| {
                    (l[rects[b].party] * rects[b].weight)
                        .total_cmp(&(l[rects[a].party] * rects[a].weight))
                        .then(a.cmp(&b))
                });
                o
            })
            .collect();
        Some(RectSets {
            classes,
            full,
            rects,
            words,
            conflict,
            helly,
            constant,
            clip: [
                prefs[0].ufun().clips_at_one(),
                prefs[1].ufun().clips_at_one(),
            ],
            lambdas,
            orders,
        })
    }

    /// Whether every outcome reaches both reservation values `r`: the utility with no
    /// rectangle holding (clipped as the utilities are) reaches them.
    pub(crate) fn all_acceptable(&self, r: [f64; 2]) -> bool {
        (0..2).all(|p| {
            let u = if self.clip[p] {
                self.constant[p].min(1.0)
            } else {
                self.constant[p]
            };
            u >= r[p] - TIE_EPS
        })
    }

    /// Drops from `cand` the rectangles of a party already at its clip (`acc` at 1 or more):
    /// they can no longer change its utility.
    fn drop_clipped(&self, cand: &mut [u64], acc: [f64; 2]) {
        for p in 0..2 {
            if self.clip[p] && acc[p] >= 1.0 {
                for (r, rect) in self.rects.iter().enumerate() {
                    if rect.party == p {
                        clear(cand, r);
                    }
                }
            }
        }
    }

    /// The first outcome of the state `masks`: on each issue the smallest value of its first
    /// allowed class.
    fn outcome(&self, masks: &[u64]) -> Outcome {
        Outcome::new(
            masks
                .iter()
                .zip(&self.classes)
                .map(|(m, cl)| cl[m.trailing_zeros() as usize][0])
                .collect(),
        )
    }
}

/// Whether the values of the classes in `m` are a run of consecutive allowed values.
fn is_interval(classes: &[Vec<u32>], m: u64) -> bool {
    let mut vals: Vec<(u32, bool)> = classes
        .iter()
        .enumerate()
        .flat_map(|(c, vs)| vs.iter().map(move |&v| (v, m >> c & 1 == 1)))
        .collect();
    vals.sort_unstable();
    let first = vals.iter().position(|x| x.1);
    let last = vals.iter().rposition(|x| x.1);
    match (first, last) {
        (Some(a), Some(b)) => vals[a..=b].iter().all(|x| x.1),
        _ => true,
    }
}

/// One distinct frontier vector: the utilities of an outcome that reaches it.
#[derive(Clone, Debug)]
pub(crate) struct Vector {
    pub(crate) utilities: [f64; 2],
}

struct Search<'a> {
    rs: &'a RectSets,
    prefs: &'a [&'a Preferences],
    reservation: Option<[f64; 2]>,
    /// Issue -> classes still allowed.
    masks: Vec<u64>,
    /// Sorted by party 0's utility descending.
    front: Vec<Vector>,
    nodes: u64,
    max_nodes: u64,
}

#[inline]
fn has(set: &[u64], k: usize) -> bool {
    set[k / 64] >> (k % 64) & 1 == 1
}

#[inline]
fn clear(set: &mut [u64], k: usize) {
    set[k / 64] &= !(1 << (k % 64));
}

impl Search<'_> {
    fn finish(&self, p: usize, raw: f64) -> f64 {
        if self.rs.clip[p] { raw.min(1.0) } else { raw }
    }

    /// Whether rectangle `r` allows some value the state allows on each of its issues.
    fn compatible(&self, r: usize) -> bool {
        self.rs.rects[r]
            .clauses
            .iter()
            .all(|&(i, m)| self.masks[i] & m != 0)
    }

    /// Whether rectangle `r` allows everything the state allows.
    fn implied(&self, r: usize) -> bool {
        self.rs.rects[r]
            .clauses
            .iter()
            .all(|&(i, m)| self.masks[i] & !m == 0)
    }

    /// Greedy clique-partition bound of the `λ`-weighted sum over the candidates `cand`.
    fn clique_bound(&self, s: usize, cand: &[u64], cliques: &mut Vec<u64>) -> f64 {
        let l = self.rs.lambdas[s];
        let w = self.rs.words;
        cliques.clear();
        let mut sum = 0.0;
        for &r in &self.rs.orders[s] {
            if !has(cand, r) {
                continue;
            }
            let n = cliques.len() / w;
            let row = &self.rs.conflict[r];
            match (0..n).find(|&k| has(&cliques[k * w..(k + 1) * w], r)) {
                Some(k) => {
                    for (c, x) in cliques[k * w..(k + 1) * w].iter_mut().zip(row) {
                        *c &= x;
                    }
                }
                None => {
                    cliques.extend_from_slice(row);
                    sum += l[self.rs.rects[r].party] * self.rs.rects[r].weight;
                }
            }
        }
        sum
    }

    /// Whether the polygon of the bounds holds a vector no frontier vector weakly dominates.
    fn promising(&self, ub: [f64; 2], mixed: &[f64]) -> bool {
        let inside = |x: [f64; 2]| {
            x[0] <= ub[0] + BOUND_TOL
                && x[1] <= ub[1] + BOUND_TOL
                && self.rs.lambdas[2..]
                    .iter()
                    .zip(mixed)
                    .all(|(w, b)| w[0] * x[0] + w[1] * x[1] <= b + BOUND_TOL * (w[0] + w[1]))
        };
        let f = &self.front;
        let Some(first) = f.first() else {
            return true;
        };
        let e = TIE_EPS;
        let lowest = f64::NEG_INFINITY;
        if inside([first.utilities[0] + e, lowest]) {
            return true;
        }
        if inside([lowest, f[f.len() - 1].utilities[1] + e]) {
            return true;
        }
        (0..f.len() - 1).any(|k| inside([f[k + 1].utilities[0] + e, f[k].utilities[1] + e]))
    }

    /// Adds `outcome` unless a frontier vector weakly dominates its utilities.
    fn insert(&mut self, outcome: Outcome) {
        let u = [
            self.prefs[0].ufun().eval(&outcome),
            self.prefs[1].ufun().eval(&outcome),
        ];
        if let Some(r) = self.reservation
            && (u[0] < r[0] - TIE_EPS || u[1] < r[1] - TIE_EPS)
        {
            return;
        }
        let weakly = |a: &[f64; 2], b: &[f64; 2]| (0..2).all(|p| a[p] >= b[p] - TIE_EPS);
        if self.front.iter().any(|f| weakly(&f.utilities, &u)) {
            return;
        }
        self.front.retain(|f| !weakly(&u, &f.utilities));
        let at = self
            .front
            .iter()
            .position(|f| f.utilities[0] < u[0])
            .unwrap_or(self.front.len());
        self.front.insert(at, Vector { utilities: u });
    }

    /// Takes rectangle `r`: intersects the state with it, logging the changed issues.
    fn take(&mut self, r: usize, log: &mut Vec<(usize, u64)>) {
        for &(i, m) in &self.rs.rects[r].clauses {
            if self.masks[i] & !m != 0 {
                log.push((i, self.masks[i]));
                self.masks[i] &= m;
            }
        }
    }

    fn go(&mut self, cand: &mut [u64], acc: [f64; 2]) -> Result<(), ()> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(());
        }
        let rs = self.rs;
        let mut acc = acc;
        let mut log = Vec::new();
        // Free takes: implied candidates, and (Helly) candidates in conflict with none.
        let mut changed = true;
        while changed {
            changed = false;
            for r in 0..rs.rects.len() {
                if !has(cand, r) {
                    continue;
                }
                let free = self.implied(r)
                    || (rs.helly
                        && rs.conflict[r]
                            .iter()
                            .zip(cand.iter())
                            .all(|(c, x)| c & x == 0));
                if free {
                    clear(cand, r);
                    acc[rs.rects[r].party] += rs.rects[r].weight;
                    self.take(r, &mut log);
                    changed = true;
                }
            }
        }
        rs.drop_clipped(cand, acc);
        let result = self.branch(cand, acc);
        for &(i, m) in log.iter().rev() {
            self.masks[i] = m;
        }
        result
    }

    fn branch(&mut self, cand: &mut [u64], acc: [f64; 2]) -> Result<(), ()> {
        let rs = self.rs;
        let mut cliques = Vec::new();
        let mut bounds = vec![0.0; rs.lambdas.len()];
        for (s, b) in bounds.iter_mut().enumerate() {
            let l = rs.lambdas[s];
            *b = l[0] * acc[0] + l[1] * acc[1] + self.clique_bound(s, cand, &mut cliques);
        }
        let ub = [self.finish(0, bounds[0]), self.finish(1, bounds[1])];
        if let Some(r) = self.reservation
            && (ub[0] < r[0] - TIE_EPS || ub[1] < r[1] - TIE_EPS)
        {
            return Ok(());
        }
        if !self.promising(ub, &bounds[2..]) {
            return Ok(());
        }
        // Branch on the heaviest candidate (both parties' weights count alike).
        let pick = rs.orders[2].iter().copied().find(|&r| has(cand, r));
        let Some(r) = pick else {
            let o = rs.outcome(&self.masks);
            self.insert(o);
            return Ok(());
        };
        // Hold r.
        let mut with: Vec<u64> = cand.to_vec();
        clear(&mut with, r);
        let mut log = Vec::new();
        self.take(r, &mut log);
        for s in 0..rs.rects.len() {
            if has(&with, s) && !self.compatible(s) {
                clear(&mut with, s);
            }
        }
        let mut acc_with = acc;
        acc_with[rs.rects[r].party] += rs.rects[r].weight;
        let res = self.go(&mut with, acc_with);
        for &(i, m) in log.iter().rev() {
            self.masks[i] = m;
        }
        res?;
        // Not counted.
        let mut without: Vec<u64> = cand.to_vec();
        clear(&mut without, r);
        self.go(&mut without, acc)
    }
}

/// The exact Pareto frontier (of the acceptable outcomes when `reservation` is given) as
/// distinct vectors, each with one outcome, sorted by party 0's utility descending, and the
/// nodes used.
pub(crate) fn frontier(
    rs: &RectSets,
    prefs: &[&Preferences],
    reservation: Option<[f64; 2]>,
    max_nodes: u64,
    what: &str,
) -> (Result<Vec<Vector>, Incomplete>, u64) {
    let mut cand = vec![0u64; rs.words];
    for r in 0..rs.rects.len() {
        cand[r / 64] |= 1 << (r % 64);
    }
    let mut search = Search {
        rs,
        prefs,
        reservation,
        masks: rs.full.clone(),
        front: Vec::new(),
        nodes: 0,
        max_nodes,
    };
    let r = search.go(&mut cand, rs.constant);
    let nodes = search.nodes;
    match r {
        Ok(()) => (Ok(search.front), nodes),
        Err(()) => (Err(incomplete(what, max_nodes)), nodes),
    }
}

/// A frontier vector with every outcome reaching it, as boxes (one class set per issue).
pub(crate) struct Collected {
    pub(crate) utilities: [f64; 2],
    boxes: Vec<Vec<u64>>,
}

impl RectSets {
    fn box_count(&self, b: &[u64]) -> Cardinality {
        let mut c = Cardinality::one();
        for (m, cl) in b.iter().zip(&self.classes) {
            let n: usize = (0..cl.len())
                .filter(|&k| m >> k & 1 == 1)
                .map(|k| cl[k].len())
                .sum();
            c.mul_small(n as u32);
        }
        c
    }
}

impl Collected {
    /// The first outcome reaching this vector and how many do.
    pub(crate) fn summary(&self, rs: &RectSets) -> (Outcome, Cardinality) {
        let mut count = Cardinality::from_u128(0);
        let mut first: Option<Outcome> = None;
        for b in &self.boxes {
            count.add(&rs.box_count(b));
            let o = rs.outcome(b);
            if first.as_ref().is_none_or(|f| o < *f) {
                first = Some(o);
            }
        }
        (first.unwrap_or_else(|| Outcome::new(Vec::new())), count)
    }

    /// Every outcome reaching this vector, appended to `out`.
    pub(crate) fn outcomes(&self, rs: &RectSets, out: &mut Vec<Outcome>) {
        for b in &self.boxes {
            let lists: Vec<Vec<u32>> = b
                .iter()
                .zip(&rs.classes)
                .map(|(m, cl)| {
                    let mut v: Vec<u32> = (0..cl.len())
                        .filter(|&k| m >> k & 1 == 1)
                        .flat_map(|k| cl[k].iter().copied())
                        .collect();
                    v.sort_unstable();
                    v
                })
                .collect();
            let n = lists.len();
            let mut at = vec![0usize; n];
            'all: loop {
                out.push(Outcome::new((0..n).map(|k| lists[k][at[k]]).collect()));
                let mut k = n;
                loop {
                    if k == 0 {
                        break 'all;
                    }
                    k -= 1;
                    at[k] += 1;
                    if at[k] < lists[k].len() {
                        break;
                    }
                    at[k] = 0;
                }
            }
        }
    }
}

/// The search that partitions the outcomes into boxes on which every rectangle holds
/// everywhere or nowhere, walking only boxes that can reach (or tie) a vector not dominated by
/// the frontier found so far.
struct Partition<'a> {
    search: Search<'a>,
    found: Vec<Collected>,
}

impl Partition<'_> {
    /// Whether the polygon of the bounds holds a tie with a found vector or a new vector.
    fn promising(&self, ub: [f64; 2], mixed: &[f64]) -> bool {
        let e = TIE_EPS;
        let s = &self.search;
        let inside = |x: [f64; 2]| {
            x[0] <= ub[0] + BOUND_TOL
                && x[1] <= ub[1] + BOUND_TOL
                && s.rs.lambdas[2..]
                    .iter()
                    .zip(mixed)
                    .all(|(w, b)| w[0] * x[0] + w[1] * x[1] <= b + BOUND_TOL * (w[0] + w[1]))
        };
        s.promising(ub, mixed)
            || self
                .found
                .iter()
                .any(|f| inside([f.utilities[0] - e, f.utilities[1] - e]))
    }

    /// Adds the box `masks` on vector `u` unless dominated; a tie joins its vector.
    fn insert(&mut self, u: [f64; 2]) {
        if let Some(r) = self.search.reservation
            && (u[0] < r[0] - TIE_EPS || u[1] < r[1] - TIE_EPS)
        {
            return;
        }
        let masks = self.search.masks.clone();
        if let Some(f) = self
            .found
            .iter_mut()
            .find(|f| (0..2).all(|p| (f.utilities[p] - u[p]).abs() <= TIE_EPS))
        {
            f.boxes.push(masks);
            return;
        }
        if self
            .found
            .iter()
            .any(|f| super::search::dominates(&f.utilities, &u))
        {
            return;
        }
        self.found
            .retain(|f| !super::search::dominates(&u, &f.utilities));
        let at = self
            .found
            .iter()
            .position(|f| f.utilities[0] < u[0])
            .unwrap_or(self.found.len());
        self.found.insert(
            at,
            Collected {
                utilities: u,
                boxes: vec![masks],
            },
        );
        // Keep the pruning frontier (vectors no longer dominated) in step.
        self.search.front = self
            .found
            .iter()
            .map(|f| Vector {
                utilities: f.utilities,
            })
            .collect();
    }

    /// Restricts the state to `masks`: drops the candidates that became incompatible and takes
    /// those that became implied. `None` when some issue has no value left.
    fn narrow(&self, cand: &[u64], acc: [f64; 2]) -> Option<(Vec<u64>, [f64; 2])> {
        let s = &self.search;
        if s.masks.contains(&0) {
            return None;
        }
        let mut cand = cand.to_vec();
        let mut acc = acc;
        for r in 0..s.rs.rects.len() {
            if !has(&cand, r) {
                continue;
            }
            if !s.compatible(r) {
                clear(&mut cand, r);
            } else if s.implied(r) {
                clear(&mut cand, r);
                acc[s.rs.rects[r].party] += s.rs.rects[r].weight;
            }
        }
        s.rs.drop_clipped(&mut cand, acc);
        Some((cand, acc))
    }

    fn go(&mut self, cand: &[u64], acc: [f64; 2]) -> Result<(), ()> {
        let s = &mut self.search;
        s.nodes += 1;
        if s.nodes > s.max_nodes {
            return Err(());
        }
        let rs = s.rs;
        let mut cliques = Vec::new();
        let mut bounds = vec![0.0; rs.lambdas.len()];
        for (k, b) in bounds.iter_mut().enumerate() {
            let l = rs.lambdas[k];
            *b = l[0] * acc[0] + l[1] * acc[1] + s.clique_bound(k, cand, &mut cliques);
        }
        let ub = [s.finish(0, bounds[0]), s.finish(1, bounds[1])];
        if let Some(r) = s.reservation
            && (ub[0] < r[0] - TIE_EPS || ub[1] < r[1] - TIE_EPS)
        {
            return Ok(());
        }
        if !self.promising(ub, &bounds[2..]) {
            return Ok(());
        }
        let Some(r) = rs.orders[2].iter().copied().find(|&r| has(cand, r)) else {
            // Every rectangle holds everywhere or nowhere in this box.
            let o = rs.outcome(&self.search.masks);
            let u = [
                self.search.prefs[0].ufun().eval(&o),
                self.search.prefs[1].ufun().eval(&o),
            ];
            self.insert(u);
            return Ok(());
        };
        let clauses = &rs.rects[r].clauses;
        let saved = self.search.masks.clone();
        // Inside r.
        for &(i, m) in clauses {
            self.search.masks[i] &= m;
        }
        if let Some((c, a)) = self.narrow(cand, acc) {
            self.go(&c, a)?;
        }
        self.search.masks.clone_from(&saved);
        // Outside r: outside its k-th clause and inside the ones before.
        for k in 0..clauses.len() {
            for &(i, m) in &clauses[..k] {
                self.search.masks[i] &= m;
            }
            let (i, m) = clauses[k];
            self.search.masks[i] &= !m & rs.full[i];
            if let Some((c, a)) = self.narrow(cand, acc) {
                self.go(&c, a)?;
            }
            self.search.masks.clone_from(&saved);
        }
        Ok(())
    }
}

/// Every outcome of each frontier vector (of the acceptable outcomes when `reservation` is
/// given), starting from `seed` (the exact frontier from [`frontier`]: then only boxes that can
/// tie one of its vectors are walked), sorted by party 0's utility descending.
pub(crate) fn collect(
    rs: &RectSets,
    prefs: &[&Preferences],
    reservation: Option<[f64; 2]>,
    seed: &[Vector],
    max_nodes: u64,
    what: &str,
) -> Result<Vec<Collected>, Incomplete> {
    let mut part = Partition {
        search: Search {
            rs,
            prefs,
            reservation,
            masks: rs.full.clone(),
            front: seed.to_vec(),
            nodes: 0,
            max_nodes,
        },
        found: seed
            .iter()
            .map(|v| Collected {
                utilities: v.utilities,
                boxes: Vec::new(),
            })
            .collect(),
    };
    let mut all = vec![0u64; rs.words];
    for r in 0..rs.rects.len() {
        all[r / 64] |= 1 << (r % 64);
    }
    let r = match part.narrow(&all, rs.constant) {
        Some((cand, acc)) => part.go(&cand, acc),
        None => Ok(()),
    };
    match r {
        Ok(()) => Ok(part
            .found
            .into_iter()
            .filter(|f| !f.boxes.is_empty())
            .collect()),
        Err(()) => Err(incomplete(what, max_nodes)),
    }
}
