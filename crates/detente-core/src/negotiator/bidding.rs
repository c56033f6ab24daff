//! Choosing bids from one's own preferences, and a frequency model of the opponents.
//!
//! A [`BidSpace`] is a negotiator's private, sorted list of the outcomes it could propose: every
//! outcome it finds acceptable when there are at most [`ENUMERATE_LIMIT`] of them, otherwise a
//! reproducible sample biased toward high own utility (plus the best outcome). Spaces such as
//! the flagship's 3.5·10¹² outcomes are never enumerated.
//!
//! The [`OpponentModel`] counts how often the other parties offered each value; among bids of
//! about the same own utility, a negotiator proposes the one the others seem to like most.

use rand::RngExt;

use crate::TIE_EPS;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::rng::ChaCha8Rng;

/// Up to this many self-acceptable outcomes are listed exhaustively.
pub const ENUMERATE_LIMIT: u64 = 200_000;
/// Size of the sample drawn when a space is larger.
pub const SAMPLE_SIZE: usize = 20_000;

/// A negotiator's own outcomes, best first.
pub struct BidSpace {
    n_issues: usize,
    /// Flattened value indices, `n_issues` per outcome, in descending utility order.
    flat: Vec<u32>,
    utils: Vec<f64>,
    /// Whether `flat` lists every self-acceptable outcome.
    pub exhaustive: bool,
}

impl BidSpace {
    /// Builds the bid space of `prefs` over `space`.
    pub fn new(space: &OutcomeSpace, prefs: &Preferences, rng: &mut ChaCha8Rng) -> BidSpace {
        let n_issues = space.issues().len();
        let terms = prefs.ufun().terms();
        let allowed: Vec<Vec<u32>> = (0..n_issues)
            .map(|i| {
                (0..space.issues()[i].n_values())
                    .filter(|&v| !prefs.red_lines().forbids(i, v))
                    .collect()
            })
            .collect();
        let count: Option<u64> = allowed
            .iter()
            .try_fold(1u64, |acc, a| acc.checked_mul(a.len() as u64));
        let r = prefs.reservation();
        let mut entries: Vec<(f64, Vec<u32>)> = Vec::new();
        let exhaustive = matches!(count, Some(n) if n <= ENUMERATE_LIMIT);
        if allowed.iter().any(Vec::is_empty) {
            // Every outcome crosses a red line: nothing to propose.
        } else if exhaustive {
            let mut idx = vec![0usize; n_issues];
            'outer: loop {
                let o: Vec<u32> = (0..n_issues).map(|i| allowed[i][idx[i]]).collect();
                let u = prefs.ufun().eval(&Outcome::new(o.clone()));
                if u >= r - TIE_EPS {
                    entries.push((u, o));
                }
                // Odometer increment, last issue fastest.
                let mut i = n_issues;
                loop {
                    if i == 0 {
                        break 'outer;
                    }
                    i -= 1;
                    idx[i] += 1;
                    if idx[i] < allowed[i].len() {
                        continue 'outer;
                    }
                    idx[i] = 0;
                }
            }
        } else {
            let best = prefs.ufun().best_outcome();
            // The best outcome that respects one's own red lines.
            let best: Vec<u32> = (0..n_issues)
                .map(|i| {
                    let mut b = allowed[i][0];
                    for &v in &allowed[i] {
                        if terms[i][v as usize] > terms[i][b as usize] {
                            b = v;
                        }
                    }
                    if prefs.red_lines().forbids(i, best.get(i)) {
                        b
                    } else {
                        best.get(i)
                    }
                })
                .collect();
            let mut seen = std::collections::HashSet::new();
            let u = prefs.ufun().eval(&Outcome::new(best.clone()));
            if u >= r - TIE_EPS {
                seen.insert(best.clone());
                entries.push((u, best.clone()));
            }
            for k in 0..SAMPLE_SIZE {
                // Perturb the best outcome on a random number of issues: low k stays close to
                // the top, high k wanders further down.
                let frac = (k as f64 + 1.0) / SAMPLE_SIZE as f64;
                let mut o = best.clone();
                for i in 0..n_issues {
                    if rng.random_bool(frac.min(1.0)) {
                        o[i] = allowed[i][rng.random_range(0..allowed[i].len())];
                    }
                }
                let u = prefs.ufun().eval(&Outcome::new(o.clone()));
                if u >= r - TIE_EPS && seen.insert(o.clone()) {
                    entries.push((u, o));
                }
            }
        }
        entries.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut flat = Vec::with_capacity(entries.len() * n_issues);
        let mut utils = Vec::with_capacity(entries.len());
        for (u, o) in entries {
            utils.push(u);
            flat.extend_from_slice(&o);
        }
        BidSpace {
            n_issues,
            flat,
            utils,
            exhaustive,
        }
    }

    /// Number of listed outcomes.
    pub fn len(&self) -> usize {
        self.utils.len()
    }

    /// Whether nothing is acceptable to oneself.
    pub fn is_empty(&self) -> bool {
        self.utils.is_empty()
    }

    /// The `k`-th best outcome.
    pub fn outcome(&self, k: usize) -> Outcome {
        Outcome::new(self.flat[k * self.n_issues..(k + 1) * self.n_issues].to_vec())
    }

    /// Own utility of the `k`-th best outcome.
    pub fn utility(&self, k: usize) -> f64 {
        self.utils[k]
    }

    /// The highest listed utility (`None` when empty).
    pub fn max_utility(&self) -> Option<f64> {
        self.utils.first().copied()
    }

    /// The lowest listed utility (`None` when empty).
    pub fn min_utility(&self) -> Option<f64> {
        self.utils.last().copied()
    }

    /// A bid of utility at least `target` and as close to it as the list allows, preferring,
    /// within `window` above the lowest such utility, the one `model` scores highest.
    /// Falls back to the best outcome when nothing reaches `target`.
    pub fn bid_near(
        &self,
        target: f64,
        window: f64,
        model: Option<&OpponentModel>,
    ) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        // Index of the last entry with utility >= target (utilities descend).
        let n_ok = self.utils.partition_point(|&u| u >= target - TIE_EPS);
        if n_ok == 0 {
            return Some(0);
        }
        let floor = self.utils[n_ok - 1];
        let lo = self.utils.partition_point(|&u| u > floor + window);
        let Some(model) = model.filter(|m| m.n_observed > 0) else {
            return Some(n_ok - 1);
        };
        let mut best = n_ok - 1;
        let mut best_score = f64::MIN;
        for k in (lo..n_ok).rev() {
            let s = model.score(&self.flat[k * self.n_issues..(k + 1) * self.n_issues]);
            if s > best_score + TIE_EPS {
                best = k;
                best_score = s;
            }
        }
        Some(best)
    }
}

/// Frequency-based model of what the other parties want.
pub struct OpponentModel {
    counts: Vec<Vec<u32>>,
    /// How often each issue's value stayed the same between an opponent's consecutive offers.
    stability: Vec<u32>,
    last: Vec<Option<Outcome>>,
    n_observed: u32,
}

impl OpponentModel {
    /// An empty model for `n_parties` parties over `space`.
    pub fn new(space: &OutcomeSpace, n_parties: usize) -> OpponentModel {
        OpponentModel {
            counts: space
                .issues()
                .iter()
                .map(|i| vec![0; i.n_values() as usize])
                .collect(),
            stability: vec![0; space.issues().len()],
            last: vec![None; n_parties],
            n_observed: 0,
        }
    }

    /// Records an offer made by party `by`.
    pub fn observe(&mut self, by: usize, offer: &Outcome) {
        for (i, &v) in offer.indices().iter().enumerate() {
            self.counts[i][v as usize] += 1;
        }
        if let Some(prev) = &self.last[by] {
            for (i, (&a, &b)) in prev.indices().iter().zip(offer.indices()).enumerate() {
                if a == b {
                    self.stability[i] += 1;
                }
            }
        }
        self.last[by] = Some(offer.clone());
        self.n_observed += 1;
    }

    /// Estimated appeal of an outcome to the others, in [0, 1].
    pub fn score(&self, values: &[u32]) -> f64 {
        let total_w: f64 = self.stability.iter().map(|&s| 1.0 + f64::from(s)).sum();
        let mut s = 0.0;
        for (i, &v) in values.iter().enumerate() {
            let max = self.counts[i].iter().copied().max().unwrap_or(0);
            if max > 0 {
                let w = (1.0 + f64::from(self.stability[i])) / total_w;
                s += w * f64::from(self.counts[i][v as usize]) / f64::from(max);
            }
        }
        s
    }
}
