//! The exact bilateral Pareto frontier of linked utility functions (GENIUS hyper-rectangle
//! profiles, ANAC 2014) by branch and bound over *cells* with mini-bucket bounds.
//!
//! Three ideas make 10⁴⁰-outcome domains exact in seconds:
//!
//! * **Cells.** Utilities only change at rectangle (link clause) boundaries and where an
//!   additive term changes, so the values of each issue fall into classes that every party
//!   values identically in every term and every link: an issue of 10 values typically has 3–10
//!   classes. The search branches on classes; a leaf is a product of classes whose outcome count
//!   is the product of the class sizes, and its first outcome is the product of their smallest
//!   values.
//! * **Mini-bucket bounds** (Dechter & Rish 2003). Every party's utility (before the clip) is a
//!   sum of small tables over classes: one per link, one per issue for the additive terms. A
//!   bucket elimination along the reverse search order, with each bucket split into mini-buckets
//!   of bounded table size, turns them into messages whose sum bounds the utility of every
//!   completion of a partial assignment from above (max-elimination) or below
//!   (min-elimination); at a leaf the bound is the exact utility. Bounds are kept for each
//!   party and for a few weighted sums `λ·u` of the two parties.
//! * **Dominance pruning with a polygon.** Below a node, every reachable utility vector lies in
//!   `P = {v ≤ (ub₀, ub₁), λ·v ≤ B_λ for each λ}` (the clip at 1 only lowers utilities, so the
//!   unclipped bounds stay valid). `P` is closed downwards and the vectors not dominated by the
//!   frontier found so far are closed upwards, so the subtree can hold a new frontier vector (or
//!   a tie with one) only if `P` holds one of the finitely many minimal such vectors: each
//!   frontier vector (for its ties) and each corner of the frontier's staircase. Otherwise the
//!   subtree is skipped. A subtree whose lower and upper bounds meet is one frontier candidate
//!   with an exact count.
//!
//! The engine applies to two parties with linked preferences and no red lines (conditional ones
//! included), where every table fits in memory; elsewhere `analysis::search` runs. Results are
//! those of the search (tested against it and against brute force): the same distinct vectors,
//! counts and first outcomes.

use crate::TIE_EPS;
use crate::outcome::{Cardinality, Outcome, OutcomeSpace};
use crate::preferences::Preferences;

use super::search::dominates;
use super::{Incomplete, incomplete};

/// Most entries of one table (original or message); a problem needing a larger original table
/// is left to the search.
const MAX_TABLE: usize = 1 << 20;
/// Most entries of a mini-bucket's combined table (the "i-bound", in entries).
const MINI_BUCKET: usize = 1 << 16;

/// Slack on bounds against float rounding of sums (utilities are O(1), sums of a few hundred
/// terms). It must stay below [`TIE_EPS`]: a bound clipped at exactly 1 must not look able to
/// beat a frontier vector at 1 by [`TIE_EPS`].
const BOUND_TOL: f64 = 1e-13;

/// Whether the engine applies: two parties, some link, no red lines.
pub(crate) fn applies(prefs: &[&Preferences]) -> bool {
    prefs.len() == 2
        && prefs.iter().any(|p| p.is_linked())
        && prefs.iter().all(|p| p.red_lines().is_empty())
}

/// One distinct frontier vector found by [`frontier`]: its clipped utilities and the cells
/// (blocks of outcomes) that reach it.
pub(crate) struct Found {
    pub(crate) utilities: [f64; 2],
    blocks: Vec<Block>,
}

/// A product of classes: the chosen class at each search position before `depth`, every
/// allowed value after.
#[derive(Clone, Debug)]
struct Block {
    cells: Vec<u32>,
}

/// The compressed problem: classes per issue, tables per party, search order, bound systems.
pub(crate) struct Cells {
    /// Search position -> issue.
    order: Vec<usize>,
    /// Search position -> classes (each a sorted list of value indices).
    classes: Vec<Vec<Vec<u32>>>,
    /// Search position -> number of allowed values.
    sizes: Vec<u32>,
    clip: [bool; 2],
    /// Upper bounds of party 0 and 1, lower bounds of party 0 and 1, then weighted uppers.
    systems: Vec<System>,
    weights: Vec<[f64; 2]>,
}

/// A table over some search positions (ascending), row-major.
#[derive(Clone, Debug)]
struct Table {
    vars: Vec<usize>,
    dims: Vec<usize>,
    data: Vec<f64>,
}

impl Table {
    #[inline]
    fn eval(&self, assign: &[u32]) -> f64 {
        let mut k = 0;
        for (j, &v) in self.vars.iter().enumerate() {
            k = k * self.dims[j] + assign[v] as usize;
        }
        self.data[k]
    }
}

/// One bound (upper or lower) of one weighted utility, as mini-bucket messages placed by
/// search position (see the module docs).
struct System {
    tables: Vec<Table>,
    /// Position -> tables whose last variable is that position (evaluated once it is fixed).
    join: Vec<Vec<usize>>,
    /// Position -> messages computed by eliminating that position (evaluated on the earlier
    /// positions, dropped once it is fixed).
    drop: Vec<Vec<usize>>,
    /// The bound at the root.
    root: f64,
}

/// A table over some issues (in the order given), row-major over their classes.
type Scoped = (Vec<usize>, Vec<f64>);

/// Classes per issue: the allowed values with the same terms for every party and the same
/// membership in every clause of every link, in order of first value.
pub(super) fn value_classes(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    allowed: &[Vec<u32>],
) -> Vec<Vec<Vec<u32>>> {
    let mut issue_classes: Vec<Vec<Vec<u32>>> = Vec::with_capacity(space.issues().len());
    for i in 0..space.issues().len() {
        let mut vals = allowed[i].clone();
        vals.sort_unstable();
        vals.dedup();
        let mut seen: std::collections::BTreeMap<Vec<u64>, u32> = Default::default();
        let mut classes: Vec<Vec<u32>> = Vec::new();
        for &v in &vals {
            let mut sig = Vec::new();
            for p in prefs {
                sig.push(p.ufun().terms()[i][v as usize].to_bits());
                for l in p.ufun().links() {
                    for (j, set) in l.condition().clauses() {
                        if *j == i {
                            sig.push(u64::from(set.contains(v)));
                        }
                    }
                }
            }
            let next = classes.len() as u32;
            let c = *seen.entry(sig).or_insert(next);
            if c == next {
                classes.push(Vec::new());
            }
            classes[c as usize].push(v);
        }
        issue_classes.push(classes);
    }
    issue_classes
}

/// Each party's tables over (issue, class) — one per issue with a nonzero term, one per link
/// that can fire and depends on some issue — and each party's constant (links that always
/// fire). `None` when a link's table would be too large.
fn party_tables(
    prefs: &[&Preferences],
    issue_classes: &[Vec<Vec<u32>>],
) -> Option<(Vec<Vec<Scoped>>, [f64; 2])> {
    let mut party_tables: Vec<Vec<Scoped>> = Vec::new();
    let mut constants = [0.0f64; 2];
    for (p, pref) in prefs.iter().enumerate() {
        let mut tabs: Vec<Scoped> = Vec::new();
        for (i, classes) in issue_classes.iter().enumerate() {
            let t: Vec<f64> = classes
                .iter()
                .map(|c| pref.ufun().terms()[i][c[0] as usize])
                .collect();
            if t.iter().any(|x| *x != 0.0) {
                tabs.push((vec![i], t));
            }
        }
        for l in pref.ufun().links() {
            let mut scope = Vec::new();
            let mut members: Vec<Vec<bool>> = Vec::new();
            let mut dead = false;
            for (i, set) in l.condition().clauses() {
                let m: Vec<bool> = issue_classes[*i]
                    .iter()
                    .map(|c| set.contains(c[0]))
                    .collect();
                if !m.iter().any(|&b| b) {
                    dead = true;
                    break;
                }
                if !m.iter().all(|&b| b) {
                    scope.push(*i);
                    members.push(m);
                }
            }
            if dead || l.value() == 0.0 {
                continue;
            }
            if scope.is_empty() {
                constants[p] += l.value();
                continue;
            }
            let dims: Vec<usize> = members.iter().map(Vec::len).collect();
            let size = dims.iter().try_fold(1usize, |a, d| a.checked_mul(*d))?;
            if size > MAX_TABLE {
                return None;
            }
            let mut data = vec![0.0; size];
            for (k, x) in data.iter_mut().enumerate() {
                let mut rest = k;
                let mut all = true;
                for j in (0..dims.len()).rev() {
                    let c = rest % dims[j];
                    rest /= dims[j];
                    all &= members[j][c];
                }
                if all {
                    *x = l.value();
                }
            }
            tabs.push((scope, data));
        }
        party_tables.push(tabs);
    }
    Some((party_tables, constants))
}

/// The search order over `n` issues: the reverse of a min-fill elimination order of the
/// interaction graph of the tables (ties: fewer neighbours, then the lower issue).
fn min_fill_order(n: usize, party_tables: &[Vec<Scoped>]) -> Vec<usize> {
    let mut adj: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); n];
    for tabs in party_tables {
        for (scope, _) in tabs {
            for &a in scope {
                for &b in scope {
                    if a != b {
                        adj[a].insert(b);
                    }
                }
            }
        }
    }
    let mut elim = Vec::with_capacity(n);
    let mut done = vec![false; n];
    for _ in 0..n {
        let mut best: Option<(usize, usize, usize)> = None;
        for v in (0..n).filter(|&v| !done[v]) {
            let nb: Vec<usize> = adj[v].iter().copied().collect();
            let mut fill = 0;
            for (x, &a) in nb.iter().enumerate() {
                for &b in &nb[x + 1..] {
                    if !adj[a].contains(&b) {
                        fill += 1;
                    }
                }
            }
            let key = (fill, nb.len(), v);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        let v = best.map_or(0, |b| b.2);
        let nb: Vec<usize> = adj[v].iter().copied().collect();
        for &a in &nb {
            for &b in &nb {
                if a != b {
                    adj[a].insert(b);
                }
            }
            adj[a].remove(&v);
        }
        done[v] = true;
        elim.push(v);
    }
    elim.into_iter().rev().collect()
}

/// A table over issues `scope` as a table over search positions, ascending (`pos`: issue ->
/// position; `dims`: position -> classes).
fn at_positions(
    scope: &[usize],
    data: &[f64],
    pos: &[usize],
    dims: &[usize],
    issue_classes: &[Vec<Vec<u32>>],
) -> Table {
    let mut perm: Vec<usize> = (0..scope.len()).collect();
    perm.sort_by_key(|&j| pos[scope[j]]);
    let vars: Vec<usize> = perm.iter().map(|&j| pos[scope[j]]).collect();
    let tdims: Vec<usize> = vars.iter().map(|&v| dims[v]).collect();
    let odims: Vec<usize> = scope.iter().map(|&i| issue_classes[i].len()).collect();
    let mut out = vec![0.0; data.len()];
    let mut idx = vec![0usize; scope.len()];
    for (k, x) in data.iter().enumerate() {
        let mut rest = k;
        for j in (0..scope.len()).rev() {
            idx[j] = rest % odims[j];
            rest /= odims[j];
        }
        let mut t = 0;
        for (jj, &j) in perm.iter().enumerate() {
            t = t * tdims[jj] + idx[j];
        }
        out[t] = *x;
    }
    Table {
        vars,
        dims: tdims,
        data: out,
    }
}

/// The bound systems [`Cells`] searches with: upper bounds of party 0 and 1, lower bounds of
/// party 0 and 1, then an upper bound of each weighted sum in `weights`.
fn bound_systems(
    per_party: &[Vec<Table>],
    constants: [f64; 2],
    dims: &[usize],
    weights: &[[f64; 2]],
) -> Vec<System> {
    let mut systems = Vec::new();
    for (w, maximize) in [
        ([1.0, 0.0], true),
        ([0.0, 1.0], true),
        ([1.0, 0.0], false),
        ([0.0, 1.0], false),
    ]
    .into_iter()
    .chain(weights.iter().map(|w| (*w, true)))
    {
        let mut tables: Vec<Table> = Vec::new();
        let mut constant = 0.0;
        for p in 0..2 {
            if w[p] == 0.0 {
                continue;
            }
            constant += w[p] * constants[p];
            for t in &per_party[p] {
                let mut t = t.clone();
                for x in &mut t.data {
                    *x *= w[p];
                }
                tables.push(t);
            }
        }
        systems.push(System::new(tables, dims, constant, maximize));
    }
    systems
}

impl Cells {
    /// The problem over the values `allowed[i]` of each issue, or `None` when a table would be
    /// too large.
    pub(crate) fn new(
        space: &OutcomeSpace,
        prefs: &[&Preferences],
        allowed: &[Vec<u32>],
    ) -> Option<Cells> {
        let n = space.issues().len();
        let issue_classes = value_classes(space, prefs, allowed);
        if issue_classes.iter().any(Vec::is_empty) {
            return None;
        }
        let (party_tables, constants) = party_tables(prefs, &issue_classes)?;
        let order = min_fill_order(n, &party_tables);
        let mut pos = vec![0usize; n];
        for (k, &i) in order.iter().enumerate() {
            pos[i] = k;
        }
        let dims: Vec<usize> = order.iter().map(|&i| issue_classes[i].len()).collect();
        let per_party: Vec<Vec<Table>> = party_tables
            .iter()
            .map(|tabs| {
                tabs.iter()
                    .map(|(s, d)| at_positions(s, d, &pos, &dims, &issue_classes))
                    .collect()
            })
            .collect();
        let weights: Vec<[f64; 2]> =
            vec![[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [4.0, 1.0], [1.0, 4.0]];
        let systems = bound_systems(&per_party, constants, &dims, &weights);
        Some(Cells {
            sizes: order
                .iter()
                .map(|&i| allowed_len(&issue_classes[i]))
                .collect(),
            classes: order.iter().map(|&i| issue_classes[i].clone()).collect(),
            order,
            clip: [
                prefs[0].ufun().clips_at_one(),
                prefs[1].ufun().clips_at_one(),
            ],
            systems,
            weights,
        })
    }

    /// Whether every outcome reaches both reservation values `r` (by the lower bounds at the
    /// root, clipped as the utilities are): then the frontier of the acceptable outcomes is the
    /// whole frontier, found by the same search.
    pub(crate) fn all_acceptable(&self, r: [f64; 2]) -> bool {
        (0..2).all(|p| {
            let lb = self.systems[2 + p].root;
            let lb = if self.clip[p] { lb.min(1.0) } else { lb };
            // Every leaf is at least `lb` up to rounding, so no test `u < r - TIE_EPS` fires.
            lb - BOUND_TOL >= r[p] - TIE_EPS / 2.0
        })
    }

    /// The first outcome of a block.
    fn outcome(&self, b: &Block) -> Outcome {
        let mut idx = vec![0u32; self.order.len()];
        for (k, &i) in self.order.iter().enumerate() {
            let c = b.cells.get(k).copied().unwrap_or(0) as usize;
            // Classes are in order of their smallest value, so class 0 holds the smallest.
            idx[i] = self.classes[k][c][0];
        }
        Outcome::new(idx)
    }

    /// The number of outcomes of a block.
    fn count(&self, b: &Block) -> Cardinality {
        let mut c = Cardinality::one();
        for k in 0..self.order.len() {
            match b.cells.get(k) {
                Some(&x) => c.mul_small(self.classes[k][x as usize].len() as u32),
                None => c.mul_small(self.sizes[k]),
            }
        }
        c
    }

    /// Every outcome of a block, appended to `out`.
    fn expand(&self, b: &Block, out: &mut Vec<Outcome>) {
        let n = self.order.len();
        let lists: Vec<Vec<u32>> = (0..n)
            .map(|k| match b.cells.get(k) {
                Some(&x) => self.classes[k][x as usize].clone(),
                None => {
                    let mut all: Vec<u32> = self.classes[k].iter().flatten().copied().collect();
                    all.sort_unstable();
                    all
                }
            })
            .collect();
        let mut at = vec![0usize; n];
        loop {
            let mut idx = vec![0u32; n];
            for k in 0..n {
                idx[self.order[k]] = lists[k][at[k]];
            }
            out.push(Outcome::new(idx));
            let mut k = n;
            loop {
                if k == 0 {
                    return;
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

fn allowed_len(classes: &[Vec<u32>]) -> u32 {
    classes.iter().map(|c| c.len() as u32).sum()
}

impl System {
    /// Mini-bucket elimination of `tables` (over positions with `dims` classes each) along the
    /// reverse search order.
    fn new(tables: Vec<Table>, dims: &[usize], constant: f64, maximize: bool) -> System {
        let n = dims.len();
        let mut all = tables;
        let mut bucket: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, t) in all.iter().enumerate() {
            if let Some(&last) = t.vars.last() {
                bucket[last].push(k);
            }
        }
        let mut join: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut drop: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut root = constant;
        for x in (0..n).rev() {
            let mut items = std::mem::take(&mut bucket[x]);
            join[x].clone_from(&items);
            items.sort_by_key(|&k| std::cmp::Reverse(all[k].data.len()));
            // Greedy partition into mini-buckets of bounded combined size.
            let mut minis: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
            for k in items {
                let placed = minis.iter_mut().find(|(vars, _)| {
                    let u = union(vars, &all[k].vars);
                    u.iter().map(|&v| dims[v]).product::<usize>() <= MINI_BUCKET
                });
                match placed {
                    Some((vars, members)) => {
                        *vars = union(vars, &all[k].vars);
                        members.push(k);
                    }
                    None => minis.push((all[k].vars.clone(), vec![k])),
                }
            }
            for (vars, members) in minis {
                let msg = eliminate(&all, &members, &vars, dims, maximize);
                let id = all.len();
                // A message over no variable counts from the root until `x` is fixed.
                match msg.vars.last() {
                    Some(&last) => bucket[last].push(id),
                    None => root += msg.data[0],
                }
                all.push(msg);
                drop[x].push(id);
            }
        }
        System {
            tables: all,
            join,
            drop,
            root,
        }
    }
}

/// Sorted union of two sorted lists.
fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut u: Vec<usize> = a.iter().chain(b).copied().collect();
    u.sort_unstable();
    u.dedup();
    u
}

/// The sum of `members` over `vars`, with the last variable maximised (or minimised) out.
///
/// Each member's row-major index is kept up to date as the assignment of the other variables
/// steps on (odometer order) instead of being re-derived per entry: `strides[m][j]` is how far
/// member `m`'s index moves when `vars[j]` steps up (0 when `m` does not depend on it). For
/// each assignment the last variable's values are summed and folded in place, so the full sum
/// table is never stored. The sums and the fold are those of the plain definition, term by term
/// in the same order, so the bounds are bit for bit the same.
fn eliminate(
    all: &[Table],
    members: &[usize],
    vars: &[usize],
    dims: &[usize],
    maximize: bool,
) -> Table {
    let vdims: Vec<usize> = vars.iter().map(|&v| dims[v]).collect();
    let size: usize = vdims.iter().product();
    let strides: Vec<Vec<usize>> = members
        .iter()
        .map(|&k| {
            let t = &all[k];
            let mut st = vec![0usize; vars.len()];
            let mut step = 1;
            for j in (0..t.vars.len()).rev() {
                if let Ok(p) = vars.binary_search(&t.vars[j]) {
                    st[p] = step;
                }
                step *= t.dims[j];
            }
            st
        })
        .collect();
    let outer = vars.len().saturating_sub(1);
    let last = vdims.last().copied().unwrap_or(1);
    let inner: Vec<usize> = strides
        .iter()
        .map(|st| st.last().copied().unwrap_or(0))
        .collect();
    let rows: Vec<&[f64]> = members.iter().map(|&k| all[k].data.as_slice()).collect();
    let mut idx = vec![0usize; members.len()];
    let mut at = vec![0usize; outer];
    let mut data: Vec<f64> = Vec::with_capacity(size / last.max(1));
    // The sums over the last variable's values, member by member (as `Iterator::sum` adds
    // them: from -0.0, in member order).
    let mut sums = vec![-0.0f64; last];
    for _ in 0..size / last.max(1) {
        sums.fill(-0.0);
        for ((row, &i), &s) in rows.iter().zip(&idx).zip(&inner) {
            if s == 1 {
                for (a, x) in sums.iter_mut().zip(&row[i..i + last]) {
                    *a += *x;
                }
            } else {
                for (c, a) in sums.iter_mut().enumerate() {
                    *a += row[i + c * s];
                }
            }
        }
        let start = if maximize {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        data.push(
            sums.iter()
                .fold(start, |b, &v| if maximize { b.max(v) } else { b.min(v) }),
        );
        for j in (0..outer).rev() {
            at[j] += 1;
            if at[j] < vdims[j] {
                for (i, st) in idx.iter_mut().zip(&strides) {
                    *i += st[j];
                }
                break;
            }
            at[j] = 0;
            for (i, st) in idx.iter_mut().zip(&strides) {
                *i -= st[j] * (vdims[j] - 1);
            }
        }
    }
    Table {
        vars: vars[..outer].to_vec(),
        dims: vdims[..outer].to_vec(),
        data,
    }
}

/// The frontier search's state.
struct Search<'a> {
    cells: &'a Cells,
    /// Reservation values when only acceptable outcomes count.
    reservation: Option<[f64; 2]>,
    /// Class chosen at each position.
    assign: Vec<u32>,
    /// `depth * n_systems + s`: bound of system `s` at that depth.
    bound: Vec<f64>,
    front: Vec<Found>,
    nodes: u64,
    max_nodes: u64,
}

impl Search<'_> {
    fn finish(&self, p: usize, raw: f64) -> f64 {
        if self.cells.clip[p] {
            raw.min(1.0)
        } else {
            raw
        }
    }

    /// Whether some vector in the bounds' polygon could join the frontier (or tie a vector).
    fn promising(&self, ub: [f64; 2], mixed: &[f64]) -> bool {
        let inside = |x: [f64; 2]| {
            x[0] <= ub[0] + BOUND_TOL
                && x[1] <= ub[1] + BOUND_TOL
                && self
                    .cells
                    .weights
                    .iter()
                    .zip(mixed)
                    .all(|(w, b)| w[0] * x[0] + w[1] * x[1] <= b + BOUND_TOL * (w[0] + w[1]))
        };
        if self.front.is_empty() {
            return true;
        }
        let lowest = f64::NEG_INFINITY;
        // A vector beats `f` on a coordinate by more than TIE_EPS, or ties it within TIE_EPS.
        let e = TIE_EPS;
        // Frontier vectors sorted by party 0 descending (party 1 ascending).
        let f = &self.front;
        if inside([f[0].utilities[0] + e, lowest]) {
            return true;
        }
        if inside([lowest, f[f.len() - 1].utilities[1] + e]) {
            return true;
        }
        for k in 0..f.len() {
            let u = f[k].utilities;
            if inside([u[0] - e, u[1] - e]) {
                return true;
            }
            if k + 1 < f.len() && inside([f[k + 1].utilities[0] + e, u[1] + e]) {
                return true;
            }
        }
        false
    }

    /// Adds a block on vector `u` unless dominated; a tie joins its vector.
    fn insert(&mut self, u: [f64; 2], block: Block) {
        if let Some(r) = self.reservation
            && (u[0] < r[0] - TIE_EPS || u[1] < r[1] - TIE_EPS)
        {
            return;
        }
        if self.front.iter().any(|f| dominates(&f.utilities, &u)) {
            return;
        }
        if let Some(f) = self
            .front
            .iter_mut()
            .find(|f| (0..2).all(|p| (f.utilities[p] - u[p]).abs() <= TIE_EPS))
        {
            f.blocks.push(block);
            return;
        }
        self.front.retain(|f| !dominates(&u, &f.utilities));
        let at = self
            .front
            .iter()
            .position(|f| f.utilities[0] < u[0])
            .unwrap_or(self.front.len());
        self.front.insert(
            at,
            Found {
                utilities: u,
                blocks: vec![block],
            },
        );
    }

    fn go(&mut self, depth: usize) -> Result<(), ()> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(());
        }
        let ns = self.cells.systems.len();
        let b = &self.bound[depth * ns..(depth + 1) * ns];
        let ub = [self.finish(0, b[0]), self.finish(1, b[1])];
        let lb = [self.finish(0, b[2]), self.finish(1, b[3])];
        if let Some(r) = self.reservation
            && (ub[0] < r[0] - TIE_EPS || ub[1] < r[1] - TIE_EPS)
        {
            return Ok(());
        }
        if !self.promising(ub, &b[4..]) {
            return Ok(());
        }
        let n = self.cells.order.len();
        if depth == n || (ub[0] - lb[0] <= TIE_EPS / 8.0 && ub[1] - lb[1] <= TIE_EPS / 8.0) {
            let u = if depth == n { ub } else { lb };
            let block = Block {
                cells: self.assign[..depth].to_vec(),
            };
            self.insert(u, block);
            return Ok(());
        }
        // Children's bounds, then children in order of the (1, 1) bound, best first.
        let k = self.cells.classes[depth].len();
        let mut drops = vec![0.0; ns];
        for (s, sys) in self.cells.systems.iter().enumerate() {
            drops[s] = sys.drop[depth]
                .iter()
                .map(|&t| sys.tables[t].eval(&self.assign))
                .sum();
        }
        let mut kids: Vec<(f64, u32, Vec<f64>)> = Vec::with_capacity(k);
        for c in 0..k as u32 {
            self.assign[depth] = c;
            let mut nb = vec![0.0; ns];
            let bound = |s: usize, nb: &mut [f64]| {
                let sys = &self.cells.systems[s];
                let j: f64 = sys.join[depth]
                    .iter()
                    .map(|&t| sys.tables[t].eval(&self.assign))
                    .sum();
                nb[s] = b[s] - drops[s] + j;
            };
            // The two upper bounds first: a child whose box (without the weighted sums) cannot
            // hold a new vector or reach the reservation values is skipped at once; the test on
            // its visit would skip it too, the frontier having only grown.
            bound(0, &mut nb);
            bound(1, &mut nb);
            let ub = [self.finish(0, nb[0]), self.finish(1, nb[1])];
            if self
                .reservation
                .is_some_and(|r| ub[0] < r[0] - TIE_EPS || ub[1] < r[1] - TIE_EPS)
                || !self.promising(ub, &[])
            {
                continue;
            }
            for s in 2..ns {
                bound(s, &mut nb);
            }
            kids.push((nb[4], c, nb));
        }
        kids.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, c, nb) in kids {
            self.assign[depth] = c;
            self.bound[(depth + 1) * ns..(depth + 2) * ns].copy_from_slice(&nb);
            self.go(depth + 1)?;
        }
        Ok(())
    }
}

/// The number of outcomes where both parties reach their reservation values `r` (within
/// [`TIE_EPS`]), by the same bounds: a subtree is skipped when a party's upper bound misses its
/// reservation value and counted whole when both lower bounds reach theirs.
pub(crate) fn count_acceptable(
    cells: &Cells,
    r: [f64; 2],
    max_nodes: u64,
) -> Result<Cardinality, Incomplete> {
    struct Count<'a> {
        cells: &'a Cells,
        r: [f64; 2],
        assign: Vec<u32>,
        bound: Vec<[f64; 4]>,
        total: Cardinality,
        nodes: u64,
        max_nodes: u64,
    }
    impl Count<'_> {
        fn go(&mut self, depth: usize) -> Result<(), ()> {
            self.nodes += 1;
            if self.nodes > self.max_nodes {
                return Err(());
            }
            let b = self.bound[depth];
            let clip = |p: usize, x: f64| if self.cells.clip[p] { x.min(1.0) } else { x };
            if (0..2).any(|p| clip(p, b[p]) < self.r[p] - TIE_EPS) {
                return Ok(());
            }
            let n = self.cells.order.len();
            if depth == n || (0..2).all(|p| clip(p, b[2 + p]) >= self.r[p] - TIE_EPS) {
                let block = Block {
                    cells: self.assign[..depth].to_vec(),
                };
                self.total.add(&self.cells.count(&block));
                return Ok(());
            }
            let systems = &self.cells.systems[..4];
            let mut drops = [0.0; 4];
            for (s, sys) in systems.iter().enumerate() {
                drops[s] = sys.drop[depth]
                    .iter()
                    .map(|&t| sys.tables[t].eval(&self.assign))
                    .sum();
            }
            for c in 0..self.cells.classes[depth].len() as u32 {
                self.assign[depth] = c;
                let mut nb = [0.0; 4];
                for (s, sys) in systems.iter().enumerate() {
                    let j: f64 = sys.join[depth]
                        .iter()
                        .map(|&t| sys.tables[t].eval(&self.assign))
                        .sum();
                    nb[s] = b[s] - drops[s] + j;
                }
                self.bound[depth + 1] = nb;
                self.go(depth + 1)?;
            }
            Ok(())
        }
    }
    let n = cells.order.len();
    let mut bound = vec![[0.0; 4]; n + 1];
    for s in 0..4 {
        bound[0][s] = cells.systems[s].root;
    }
    let mut c = Count {
        cells,
        r,
        assign: vec![0; n],
        bound,
        total: Cardinality::from_u128(0),
        nodes: 0,
        max_nodes,
    };
    match c.go(0) {
        Ok(()) => Ok(c.total),
        Err(()) => Err(incomplete("zopa count", max_nodes)),
    }
}

/// The exact Pareto frontier (of the acceptable outcomes when `reservation` is given) as
/// distinct vectors, each with its outcomes' blocks, sorted by party 0's utility descending.
pub(crate) fn frontier(
    cells: &Cells,
    reservation: Option<[f64; 2]>,
    max_nodes: u64,
    what: &str,
) -> Result<Vec<Found>, Incomplete> {
    let n = cells.order.len();
    let ns = cells.systems.len();
    let mut bound = vec![0.0; (n + 1) * ns];
    for (s, sys) in cells.systems.iter().enumerate() {
        bound[s] = sys.root;
    }
    let mut search = Search {
        cells,
        reservation,
        assign: vec![0; n],
        bound,
        front: Vec::new(),
        nodes: 0,
        max_nodes,
    };
    match search.go(0) {
        Ok(()) => Ok(search.front),
        Err(()) => Err(incomplete(what, max_nodes)),
    }
}

impl Found {
    /// The first outcome reaching this vector and how many do.
    pub(crate) fn summary(&self, cells: &Cells) -> (Outcome, Cardinality) {
        let mut count = Cardinality::from_u128(0);
        let mut first: Option<Outcome> = None;
        for b in &self.blocks {
            count.add(&cells.count(b));
            let o = cells.outcome(b);
            if first.as_ref().is_none_or(|f| o < *f) {
                first = Some(o);
            }
        }
        (first.unwrap_or_else(|| Outcome::new(Vec::new())), count)
    }

    /// Every outcome reaching this vector, appended to `out`.
    pub(crate) fn outcomes(&self, cells: &Cells, out: &mut Vec<Outcome>) {
        for b in &self.blocks {
            cells.expand(b, out);
        }
    }
}

#[cfg(test)]
#[path = "rect_tests.rs"]
mod tests;
