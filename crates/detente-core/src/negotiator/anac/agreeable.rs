//! AgreeableAgent2018 (ANAC 2018, winner).

use rand::RngExt;

use super::super::strategies::Common;
use super::super::{Action, Negotiator, View};
use super::{between, pick};
use crate::TIE_EPS;
use crate::outcome::OutcomeSpace;

/// Time before which it does not concede.
const TIME_TO_CONCEDE: f64 = 0.2;
/// Concession exponent e of f(t) = t^(1/e) (Boulware).
const E: f64 = 0.1;
/// Its target never goes below this.
const MINIMUM_UTILITY: f64 = 0.8;
/// From this time on it accepts any acceptable offer.
const DEADLINE: f64 = 0.99;

/// AgreeableAgent2018, by Sahar Mirzayi (ANAC 2018 winner; described in Jonker et al., "The
/// Ninth Automated Negotiating Agents Competition (ANAC 2018)"), as its Python port
/// `AgreeableAgent2018` in `negmas-genius-agents` 0.3 plays it.
///
/// * Target: 1 until t = 0.2; then Pmin + (Pmax − Pmin)(1 − t′^10) with t′ = (t − 0.2)/0.8,
///   never below 0.8 (Pmin, Pmax its worst and best utility).
/// * Opponent model: per issue, how often each value was offered; an issue's weight is the
///   standard deviation of the counts of the values seen on it (equal weights while every
///   deviation is 0); the estimated utility of a bid is Σ wᵢ·count(vᵢ)/offers, weights summing
///   to 1. It is used once t reaches 0.2, 0.3 or 0.4 (spaces under 1 000, under 10 000, larger)
///   and more than five offers were received.
/// * Bid: without the model, the bid nearest the target. With it, the bids within
///   ±0.05·(1 − (Pmin + (Pmax − Pmin)(1 − t^10))) of the target, one drawn by roulette on the
///   model's estimate (uniformly when every estimate is 0; the nearest bid when none is in the
///   window). Its first offer is its best bid.
/// * Accepts an offer worth at least the bid it would make now (AC_next), and from t = 0.99 any
///   acceptable offer.
///
/// Deliberate differences: detente plans the bid once per turn and uses it both for AC_next and
/// as the counter-offer (the port draws the roulette twice, once to decide and once to offer);
/// "acceptable" near the deadline is detente's rule (reservation value and red lines), where
/// the port accepts anything; random choices use the seeded generator; its clock is
/// NegMAS's, (round + 1)/(rounds + 1).
pub(crate) struct Agreeable {
    c: Common,
    /// Per issue, how often the others offered each value.
    counts: Vec<Vec<u32>>,
    /// Per issue: the number of values seen, the sum and the sum of squares of their counts
    /// (kept as offers arrive, for the standard deviation).
    seen_values: Vec<(u32, f64, f64)>,
    offers: u32,
    /// When the model becomes usable (by the size of the outcome space).
    model_time: f64,
    received: bool,
}

impl Agreeable {
    pub(crate) fn new(c: Common, space: &OutcomeSpace) -> Agreeable {
        let size = space
            .issues()
            .iter()
            .try_fold(1u64, |a, i| a.checked_mul(u64::from(i.n_values())))
            .unwrap_or(u64::MAX);
        let model_time = if size < 1_000 {
            0.2
        } else if size < 10_000 {
            0.3
        } else {
            0.4
        };
        let counts: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .map(|i| vec![0; i.n_values() as usize])
            .collect();
        Agreeable {
            c,
            seen_values: vec![(0, 0.0, 0.0); counts.len()],
            counts,
            offers: 0,
            model_time,
            received: false,
        }
    }

    pub(super) fn observe(&mut self, values: &[u32]) {
        self.offers += 1;
        for (i, &v) in values.iter().enumerate() {
            let c = &mut self.counts[i][v as usize];
            let s = &mut self.seen_values[i];
            if *c == 0 {
                s.0 += 1;
            }
            // count c → c + 1: the sum grows by 1, the sum of squares by 2c + 1.
            s.1 += 1.0;
            s.2 += 2.0 * f64::from(*c) + 1.0;
            *c += 1;
        }
    }

    /// The issue weights (summing to 1): standard deviations of the counts of seen values.
    pub(super) fn weights(&self) -> Vec<f64> {
        let sd: Vec<f64> = self
            .seen_values
            .iter()
            .map(|&(n, sum, sq)| {
                if n == 0 {
                    return 0.0;
                }
                let n = f64::from(n);
                let mean = sum / n;
                (sq / n - mean * mean).max(0.0).sqrt()
            })
            .collect();
        let total: f64 = sd.iter().sum();
        if total > 0.0 {
            sd.iter().map(|w| w / total).collect()
        } else {
            let n = sd.len().max(1) as f64;
            vec![1.0 / n; sd.len()]
        }
    }

    /// The model's estimate of a bid's utility to the others.
    pub(super) fn estimate(&self, weights: &[f64], values: &[u32]) -> f64 {
        if self.offers == 0 {
            return 0.0;
        }
        let total = f64::from(self.offers);
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| weights[i] * f64::from(self.counts[i][v as usize]) / total)
            .sum()
    }

    fn f(t: f64) -> f64 {
        t.clamp(0.0, 1.0).powf(1.0 / E)
    }

    /// The target utility at time `t`.
    pub(super) fn target(&self, t: f64) -> f64 {
        if t < TIME_TO_CONCEDE {
            return 1.0;
        }
        let (pmax, pmin) = (self.c.best(), self.c.floor());
        let nt = (t - TIME_TO_CONCEDE) / (1.0 - TIME_TO_CONCEDE);
        (pmin + (pmax - pmin) * (1.0 - Agreeable::f(nt))).max(MINIMUM_UTILITY)
    }

    fn neighbourhood(&self, t: f64) -> f64 {
        if t < TIME_TO_CONCEDE {
            return 0.0;
        }
        let (pmax, pmin) = (self.c.best(), self.c.floor());
        0.05 * (1.0 - (pmin + (pmax - pmin) * (1.0 - Agreeable::f(t))))
    }

    /// The bid it would make at time `t` (a position in its list).
    fn next_bid(&mut self, t: f64) -> Option<usize> {
        let target = self.target(t);
        let nearest = self.c.bids.nearest(target)?;
        if !(t >= self.model_time && self.offers > 5) {
            return Some(nearest);
        }
        let nb = self.neighbourhood(t);
        let range = between(&self.c.bids, target - nb, target + nb);
        if range.len() <= 1 {
            return Some(if range.is_empty() {
                nearest
            } else {
                range.start
            });
        }
        let w = self.weights();
        let scores: Vec<f64> = range
            .clone()
            .map(|k| self.estimate(&w, self.c.bids.values(k)))
            .collect();
        let total: f64 = scores.iter().sum();
        if total <= 0.0 {
            return Some(pick(&mut self.c.rng, range));
        }
        let r: f64 = self.c.rng.random();
        let mut cumulative = 0.0;
        for (k, s) in range.clone().zip(&scores) {
            cumulative += s / total;
            if r <= cumulative {
                return Some(k);
            }
        }
        Some(range.end - 1)
    }
}

impl Negotiator for Agreeable {
    fn act(&mut self, view: &View<'_>) -> Action {
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me {
                self.received = true;
                self.observe(rec.outcome.indices());
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if !self.received {
            return match self.c.bids.is_empty() {
                true => Action::EndNegotiation,
                false => Action::Offer(self.c.bids.outcome(0)),
            };
        }
        let t = super::clock(view);
        let Some(k) = self.next_bid(t) else {
            return Action::EndNegotiation;
        };
        if let Some(u) = self.c.offered_utility(view)
            && (u >= self.c.bids.utility(k) - TIE_EPS || t >= DEADLINE)
        {
            return Action::Accept;
        }
        Action::Offer(self.c.bids.outcome(k))
    }
}
