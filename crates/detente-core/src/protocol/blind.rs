//! The blind mediator: learns each party's preferences from what the party tells it and tables
//! texts that trade across issues, never seeing a utility function.
//!
//! What it hears: each consulted party's [`Verdict`] on the draft (accept, veto, red lines,
//! preferred alternatives), and answers to cheap [`Question`]s put to the consulted delegates:
//! "rate this text 0–10" and "which of these two texts do you prefer?".
//!
//! What it does with it:
//! 1. **Elicitation.** The first time it meets a party it asks it to rate a few random texts
//!    (about one per free parameter of an additive model, plus five).
//! 2. **Model.** Per party, an additive model in rating units — one term per issue value — and a
//!    walk-away threshold, fitted by least squares to the ratings plus squared-hinge penalties
//!    for every ordinal fact: `a` preferred to `b` (answers, and each requested alternative
//!    against the draft it amends); a vetoed text lies below the threshold; an accepted or
//!    unvetoed text lies above it. The fit is an active-set Newton iteration (as for an L2 SVM)
//!    on a system of one row per issue value.
//! 3. **Search.** It tables the text that maximises the smallest predicted slack
//!    `min_p (û_p(o) − r̂_p)` (found by branch and bound over issues on the additive model),
//!    excluding texts some party is known to reject and values declared red lines. Before
//!    tabling, it checks the candidate with each consulted party by comparison with texts whose
//!    status the party has revealed: preferring the candidate to a text it accepted proves the
//!    candidate acceptable; liking it no better than a text it vetoed proves it unacceptable
//!    (then the next candidate is tried). Unproven candidates are tabled as probes: the verdicts
//!    say exactly who finds them acceptable.
//! 4. **Settlement and improvement.** Once every party has found a text acceptable it keeps it on
//!    the table; while all parties are present it looks for a text the model predicts every
//!    party prefers (maximising the smallest predicted gain) and adopts it only if every party
//!    says it prefers it or is indifferent (Raiffa's post-settlement improvement, blind): by
//!    transitivity the new text is acceptable too.
//!
//! Non-goals: a mediator that knows preferences (see the trusted neutral); guarantees: a model
//! learned from answers can be wrong, and the search then spends more consultations.

use std::collections::BTreeMap;

use rand::RngExt;

use crate::negotiator::{Answer, Preference, Question, Verdict};
use crate::outcome::Outcome;
use crate::preferences::Preferences;
use crate::rng::ChaCha8Rng;

/// Texts checked by questions per revision before one is tabled as a probe.
const MAX_TRIES: usize = 3;
/// Weight of an ordinal fact against one rating in the least-squares fit.
const FACT_WEIGHT: f64 = 4.0;
/// Margin (rating units) of a strict preference and of a veto below the threshold.
const MARGIN: f64 = 0.05;
/// Ridge penalty on every parameter (identifies the additive model's free constants).
const RIDGE: f64 = 1e-3;
/// Most branch-and-bound nodes one search visits; past it, the best text found so far is used.
const MAX_NODES: u64 = 100_000;
/// A score that beats any prediction: a party known to accept the text.
const KNOWN: f64 = 1e6;

/// Asks party `p` a question; `None` when the party declines or is not present.
pub(super) type Ask<'a> = dyn FnMut(usize, &Question) -> Option<Answer> + 'a;

/// What the mediator learned about one party.
#[derive(Default)]
struct PartyModel {
    rated: bool,
    ratings: Vec<(Outcome, f64)>,
    /// `(better, worse)` pairs.
    prefers: Vec<(Outcome, Outcome)>,
    /// Texts below its walk-away value.
    below: Vec<Outcome>,
    /// Texts at or above it.
    above: Vec<Outcome>,
    /// Model terms (one per issue value) followed by the threshold.
    theta: Vec<f64>,
    dirty: bool,
}

/// The blind mediator's state.
pub(super) struct Blind {
    n: usize,
    sizes: Vec<u32>,
    offsets: Vec<usize>,
    dim: usize,
    own: Option<Preferences>,
    rng: ChaCha8Rng,
    models: Vec<PartyModel>,
    /// Per text, per party: known acceptable or not.
    status: BTreeMap<Outcome, Vec<Option<bool>>>,
    /// Per issue value: some party declared it a red line.
    forbidden: Vec<Vec<bool>>,
    /// The text every party has found acceptable, once there is one.
    settled: Option<Outcome>,
    /// Improvements already proposed (never proposed again).
    tried: Vec<Outcome>,
}

impl Blind {
    pub(super) fn new(
        n: usize,
        sizes: Vec<u32>,
        own: Option<Preferences>,
        rng: ChaCha8Rng,
    ) -> Blind {
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut dim = 0;
        for &k in &sizes {
            offsets.push(dim);
            dim += k as usize;
        }
        let forbidden = sizes.iter().map(|&k| vec![false; k as usize]).collect();
        let models = (0..n)
            .map(|_| PartyModel {
                theta: vec![0.0; dim + 1],
                ..Default::default()
            })
            .collect();
        Blind {
            n,
            sizes,
            offsets,
            dim,
            own,
            rng,
            models,
            status: BTreeMap::new(),
            forbidden,
            settled: None,
            tried: Vec::new(),
        }
    }

    /// The next draft, from this round's verdicts and the answers to its questions.
    /// Whether the mediator holds a text every party has found acceptable: then it convenes
    /// every party (a plenary to sign), whatever the schedule.
    pub(super) fn settled(&self) -> bool {
        self.settled.is_some()
    }

    pub(super) fn revise(
        &mut self,
        draft: &Outcome,
        feedback: &[(usize, Verdict)],
        ask: &mut Ask<'_>,
    ) -> Outcome {
        let consulted: Vec<usize> = feedback.iter().map(|(p, _)| *p).collect();
        self.record_verdicts(draft, feedback);
        self.elicit(&consulted, ask);
        if self.known_to_all(draft) {
            self.settled = Some(draft.clone());
        }
        if let Some(z) = self.settled.clone() {
            if consulted.len() == self.n
                && let Some(better) = self.improve(&z, ask)
            {
                self.settled = Some(better.clone());
                return better;
            }
            return z;
        }
        // A draft nobody present rejected waits for the parties not yet consulted on it.
        let status = self.status.get(draft);
        let rejected = status.is_some_and(|s| s.contains(&Some(false)));
        let unknown = status.is_none_or(|s| s.iter().any(|x| x.is_none()));
        if !rejected && unknown && consulted.len() < self.n {
            return draft.clone();
        }
        for _ in 0..MAX_TRIES {
            self.refit();
            let Some(c) = self.search(None) else {
                return draft.clone();
            };
            if self.known_to_all(&c) || !self.check(&c, &consulted, ask) {
                return c;
            }
        }
        self.refit();
        self.search(None).unwrap_or_else(|| draft.clone())
    }

    fn record_verdicts(&mut self, draft: &Outcome, feedback: &[(usize, Verdict)]) {
        for (p, v) in feedback {
            let p = *p;
            if !v.red_lines.is_empty() {
                for &i in &v.red_lines {
                    if let Some(f) = self
                        .forbidden
                        .get_mut(i)
                        .and_then(|r| r.get_mut(draft.get(i) as usize))
                    {
                        *f = true;
                    }
                }
                self.set_status(draft, p, false);
            } else if v.veto {
                self.learn(p, draft, false);
            } else {
                self.learn(p, draft, true);
            }
            for &(i, x) in &v.preferred {
                if i < self.sizes.len() && x < self.sizes[i] {
                    let mut idx = draft.indices().to_vec();
                    idx[i] = x;
                    self.models[p]
                        .prefers
                        .push((Outcome::new(idx), draft.clone()));
                    self.models[p].dirty = true;
                }
            }
        }
    }

    /// Records that `o` is (or is not) acceptable to `p` on utility grounds.
    fn learn(&mut self, p: usize, o: &Outcome, acceptable: bool) {
        if self.status.get(o).and_then(|s| s[p]).is_some() {
            return;
        }
        self.set_status(o, p, acceptable);
        let m = &mut self.models[p];
        if acceptable {
            m.above.push(o.clone());
        } else {
            m.below.push(o.clone());
        }
        m.dirty = true;
    }

    fn set_status(&mut self, o: &Outcome, p: usize, acceptable: bool) {
        let n = self.n;
        self.status
            .entry(o.clone())
            .or_insert_with(|| vec![None; n])[p] = Some(acceptable);
    }

    fn known_to_all(&self, o: &Outcome) -> bool {
        self.status
            .get(o)
            .is_some_and(|s| s.iter().all(|x| *x == Some(true)))
    }

    /// Asks each consulted party it has not met before to rate a few random texts.
    fn elicit(&mut self, consulted: &[usize], ask: &mut Ask<'_>) {
        let n_free = self.dim + 1 - self.sizes.len();
        let n_ratings = (n_free + 5).min(60);
        for &p in consulted {
            if self.models[p].rated {
                continue;
            }
            self.models[p].rated = true;
            for _ in 0..n_ratings {
                let o = Outcome::new(
                    self.sizes
                        .iter()
                        .map(|&k| self.rng.random_range(0..k))
                        .collect(),
                );
                match ask(p, &Question::Rate(o.clone())) {
                    Some(Answer::Rating(y)) => {
                        self.models[p].ratings.push((o, f64::from(y)));
                        self.models[p].dirty = true;
                    }
                    _ => break,
                }
            }
        }
    }

    /// Checks candidate `c` by comparisons; returns false when some party is shown to reject it.
    fn check(&mut self, c: &Outcome, consulted: &[usize], ask: &mut Ask<'_>) -> bool {
        for &p in consulted {
            if self.status.get(c).and_then(|s| s[p]).is_some() {
                continue;
            }
            // The rejected text it most likely prefers to c: liking c no better rejects it.
            let v = self.models[p]
                .below
                .iter()
                .max_by(|a, b| self.predict(p, a).total_cmp(&self.predict(p, b)))
                .cloned();
            if let Some(v) = v {
                match compare(ask, p, c, &v) {
                    Some(Preference::First) => self.prefer(p, c, &v),
                    Some(Preference::Second) => {
                        self.prefer(p, &v, c);
                        self.learn(p, c, false);
                        return false;
                    }
                    Some(Preference::Indifferent) => {
                        self.learn(p, c, false);
                        return false;
                    }
                    None => {}
                }
            }
            // The accepted text it most likely likes least: liking c as much accepts it.
            let a = self.models[p]
                .above
                .iter()
                .min_by(|a, b| self.predict(p, a).total_cmp(&self.predict(p, b)))
                .cloned();
            if let Some(a) = a {
                match compare(ask, p, c, &a) {
                    Some(Preference::First) => {
                        self.prefer(p, c, &a);
                        self.learn(p, c, true);
                    }
                    Some(Preference::Indifferent) => self.learn(p, c, true),
                    Some(Preference::Second) => self.prefer(p, &a, c),
                    None => {}
                }
            }
        }
        true
    }

    fn prefer(&mut self, p: usize, better: &Outcome, worse: &Outcome) {
        self.models[p].prefers.push((better.clone(), worse.clone()));
        self.models[p].dirty = true;
    }

    /// A text every party should prefer to `z` by the model, checked with every party.
    fn improve(&mut self, z: &Outcome, ask: &mut Ask<'_>) -> Option<Outcome> {
        self.refit();
        let base: Vec<f64> = (0..self.n).map(|p| self.predict(p, z)).collect();
        let c = self.search(Some(&base))?;
        let gain = (0..self.n)
            .map(|p| self.predict(p, &c) - base[p])
            .fold(f64::INFINITY, f64::min);
        self.tried.push(c.clone());
        if gain <= MARGIN {
            return None;
        }
        let mut strict = false;
        for p in 0..self.n {
            match compare(ask, p, &c, z) {
                Some(Preference::First) => {
                    self.prefer(p, &c, z);
                    strict = true;
                }
                Some(Preference::Indifferent) => {}
                Some(Preference::Second) => {
                    self.prefer(p, z, &c);
                    return None;
                }
                None => return None,
            }
        }
        if !strict {
            return None;
        }
        for p in 0..self.n {
            self.learn(p, &c, true);
        }
        Some(c)
    }

    /// The model's utility of `o` for party `p`, minus its threshold.
    fn predict(&self, p: usize, o: &Outcome) -> f64 {
        let t = &self.models[p].theta;
        o.indices()
            .iter()
            .enumerate()
            .map(|(i, &v)| t[self.offsets[i] + v as usize])
            .sum::<f64>()
            - t[self.dim]
    }

    fn refit(&mut self) {
        for p in 0..self.n {
            if self.models[p].dirty {
                let theta = fit(&self.models[p], &self.offsets, self.dim);
                self.models[p].theta = theta;
                self.models[p].dirty = false;
            }
        }
    }

    /// Branch and bound for the text maximising `min_p (û_p(o) − base_p)`: with `base` `None`,
    /// the predicted slack over each party's threshold, texts a party is known to accept
    /// counting as [`KNOWN`] for it and texts some party is known to reject excluded; with a
    /// `base`, the predicted gain over it, excluding texts already tried.
    fn search(&self, base: Option<&[f64]>) -> Option<Outcome> {
        let n_issues = self.sizes.len();
        if n_issues == 0 {
            return None;
        }
        // Per party and issue: the model term of each value (threshold folded into issue 0).
        let terms: Vec<Vec<Vec<f64>>> = (0..self.n)
            .map(|p| {
                let t = &self.models[p].theta;
                (0..n_issues)
                    .map(|i| {
                        (0..self.sizes[i] as usize)
                            .map(|v| {
                                let mut x = t[self.offsets[i] + v];
                                if i == 0 {
                                    x -= base.map_or(t[self.dim], |b| b[p] + t[self.dim]);
                                }
                                x
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        // Suffix maxima for the bound.
        let suffix: Vec<Vec<f64>> = terms
            .iter()
            .map(|tp| {
                let mut s = vec![0.0; n_issues + 1];
                for i in (0..n_issues).rev() {
                    let best = tp[i]
                        .iter()
                        .enumerate()
                        .filter(|(v, _)| !self.forbidden[i][*v])
                        .map(|(_, x)| *x)
                        .fold(f64::NEG_INFINITY, f64::max);
                    s[i] = s[i + 1] + best;
                }
                s
            })
            .collect();
        // Values in order of their total term over parties, best first, so a good text is found
        // early and bounds prune the rest.
        let order: Vec<Vec<u32>> = (0..n_issues)
            .map(|i| {
                let mut vs: Vec<u32> = (0..self.sizes[i]).collect();
                let key = |v: u32| -> f64 { terms.iter().map(|tp| tp[i][v as usize]).sum() };
                vs.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
                vs
            })
            .collect();
        let mut best: Option<(f64, Outcome)> = None;
        let excluded = |o: &Outcome| {
            o.indices()
                .iter()
                .enumerate()
                .any(|(i, &v)| self.forbidden[i][v as usize])
                || !self.own.as_ref().is_none_or(|p| p.is_acceptable(o))
        };
        // Texts with a known status are scored from it first; the search skips them.
        if base.is_none() {
            for (o, s) in &self.status {
                if s.contains(&Some(false)) || excluded(o) {
                    continue;
                }
                let score = (0..self.n)
                    .map(|p| {
                        if s[p] == Some(true) {
                            KNOWN
                        } else {
                            self.predict(p, o)
                        }
                    })
                    .fold(f64::INFINITY, f64::min);
                if best.as_ref().is_none_or(|(b, _)| score > *b + 1e-12) {
                    best = Some((score, o.clone()));
                }
            }
        }
        let mut idx = vec![0u32; n_issues];
        let mut partial = vec![vec![0.0; n_issues + 1]; self.n];
        let mut nodes = 0u64;
        // Iterative depth-first search: `level` issues are fixed; `next[level]` is the next
        // value to try at that level.
        let mut next = vec![0u32; n_issues + 1];
        let mut level = 0usize;
        loop {
            if level == n_issues {
                let o = Outcome::new(idx.clone());
                let skip = if base.is_none() {
                    self.status.contains_key(&o)
                } else {
                    self.tried.contains(&o)
                        || self.settled.as_ref() == Some(&o)
                        || self
                            .status
                            .get(&o)
                            .is_some_and(|s| s.contains(&Some(false)))
                };
                if !skip && !excluded(&o) {
                    let score = (0..self.n)
                        .map(|p| partial[p][n_issues])
                        .fold(f64::INFINITY, f64::min);
                    if best.as_ref().is_none_or(|(b, _)| score > *b + 1e-12) {
                        best = Some((score, o));
                    }
                }
                level -= 1;
                continue;
            }
            if next[level] >= self.sizes[level] || nodes >= MAX_NODES {
                if level == 0 {
                    break;
                }
                level -= 1;
                continue;
            }
            let v = order[level][next[level] as usize];
            next[level] += 1;
            if self.forbidden[level][v as usize] {
                continue;
            }
            nodes += 1;
            idx[level] = v;
            let mut bound = f64::INFINITY;
            for p in 0..self.n {
                partial[p][level + 1] = partial[p][level] + terms[p][level][v as usize];
                bound = bound.min(partial[p][level + 1] + suffix[p][level + 1]);
            }
            if best.as_ref().is_some_and(|(b, _)| bound <= *b + 1e-12) {
                continue;
            }
            level += 1;
            next[level] = 0;
        }
        best.map(|(_, o)| o)
    }
}

fn compare(ask: &mut Ask<'_>, p: usize, first: &Outcome, second: &Outcome) -> Option<Preference> {
    match ask(
        p,
        &Question::Compare {
            first: first.clone(),
            second: second.clone(),
        },
    ) {
        Some(Answer::Prefers(x)) => Some(x),
        _ => None,
    }
}

/// A sparse row: `(column, coefficient)`.
type Row = Vec<(usize, f64)>;

/// Fits a party's model: least squares on its ratings plus squared hinges on its ordinal facts,
/// by active-set Newton steps (at most 30) from the ratings-only fit.
fn fit(m: &PartyModel, offsets: &[usize], dim: usize) -> Vec<f64> {
    let x = |o: &Outcome| -> Row {
        o.indices()
            .iter()
            .enumerate()
            .map(|(i, &v)| (offsets[i] + v as usize, 1.0))
            .collect()
    };
    let diff = |a: &Outcome, b: &Outcome| -> Row {
        a.indices()
            .iter()
            .zip(b.indices())
            .enumerate()
            .filter(|(_, (u, v))| u != v)
            .flat_map(|(i, (&u, &v))| {
                [
                    (offsets[i] + u as usize, 1.0),
                    (offsets[i] + v as usize, -1.0),
                ]
            })
            .collect()
    };
    // Each fact: a row z and a target t meaning z·θ ≥ t.
    let mut facts: Vec<(Row, f64)> = Vec::new();
    for (a, b) in &m.prefers {
        let z = diff(a, b);
        if !z.is_empty() {
            facts.push((z, MARGIN));
        }
    }
    for o in &m.below {
        let mut z: Row = x(o).into_iter().map(|(j, c)| (j, -c)).collect();
        z.push((dim, 1.0));
        facts.push((z, MARGIN));
    }
    for o in &m.above {
        let mut z = x(o);
        z.push((dim, -1.0));
        facts.push((z, 0.0));
    }
    let ratings: Vec<(Row, f64)> = m.ratings.iter().map(|(o, y)| (x(o), *y)).collect();
    let n = dim + 1;
    let dot = |z: &Row, th: &[f64]| z.iter().map(|&(j, c)| c * th[j]).sum::<f64>();
    let mut theta = m.theta.clone();
    let mut active: Vec<bool> = vec![false; facts.len()];
    let mut first = true;
    for _ in 0..30 {
        let now: Vec<bool> = facts
            .iter()
            .map(|(z, t)| !first && dot(z, &theta) < *t)
            .collect();
        if !first && now == active {
            break;
        }
        first = false;
        active = now;
        let mut a = vec![0.0; n * n];
        let mut b = vec![0.0; n];
        for k in 0..n {
            a[k * n + k] = RIDGE;
        }
        let mut add = |z: &Row, t: f64, w: f64| {
            for &(j, cj) in z {
                b[j] += w * cj * t;
                for &(k, ck) in z {
                    a[j * n + k] += w * cj * ck;
                }
            }
        };
        for (z, y) in &ratings {
            add(z, *y, 1.0);
        }
        for ((z, t), on) in facts.iter().zip(&active) {
            if *on {
                add(z, *t, FACT_WEIGHT);
            }
        }
        match solve(a, b, n) {
            Some(th) => theta = th,
            None => break,
        }
        if facts.is_empty() {
            break;
        }
    }
    theta
}

/// Solves the `n × n` system `a·x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let piv =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[piv * n + col].abs() < 1e-15 {
            return None;
        }
        if piv != col {
            for k in 0..n {
                a.swap(piv * n + k, col * n + k);
            }
            b.swap(piv, col);
        }
        let d = a[col * n + col];
        for i in col + 1..n {
            let f = a[i * n + col] / d;
            if f != 0.0 {
                for k in col..n {
                    a[i * n + k] -= f * a[col * n + k];
                }
                b[i] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[i * n + k] * x[k]).sum();
        x[i] = (b[i] - s) / a[i * n + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}
