//! Caduceus (ANAC 2016, winner).

use rand::RngExt;

use super::super::strategies::Common;
use super::super::{Action, Negotiator, View};
use super::{count_at_least, pick};
use crate::TIE_EPS;

/// The sub-strategies' voting weights, most conservative first (the original's expert scores).
const WEIGHTS: [f64; 5] = [500.0, 10.0, 5.0, 3.0, 1.0];
/// The sub-strategies' concession slopes: threshold Pmax·(1 − rate·t).
const RATES: [f64; 5] = [0.1, 0.15, 0.2, 0.25, 0.3];
/// No sub-strategy's threshold goes below this.
const FLOOR: f64 = 0.75;
/// Share of the time spent offering one's best bid (times the discount factor).
const BEST_BID_TIME: f64 = 0.83;

/// Caduceus, by Taha Güneş, Emir Arslan and Reyhan Aydoğan (ANAC 2016 winner; "Caduceus: A
/// Meta-Strategy Agent", in *Modern Approaches to Agent-based Complex Automated Negotiation*,
/// Springer 2017), as its Python port `Caduceus` in `negmas-genius-agents` 0.3 plays it.
///
/// * Until t = 0.83·d (d the discount factor, 1 when undiscounted) it offers its best bid and
///   accepts only an offer worth at least 99% of it.
/// * Afterwards five sub-strategies vote, with weights 500, 10, 5, 3 and 1 (normalised).
///   Sub-strategy i has threshold max(Pmax·(1 − rᵢ·t), 0.75), rᵢ = 0.1, 0.15, 0.2, 0.25, 0.3,
///   and votes to accept the last offer received when it reaches its threshold. It accepts
///   when the accepting weight exceeds the rest. Otherwise a sub-strategy among those voting to
///   offer is drawn by roulette on their weights and offers a uniformly random bid reaching its
///   threshold.
///
/// Deliberate difference, and the port's: the original is a meta-agent whose experts are
/// whole ANAC 2015 agents (ParsAgent, RandomDance, Kawaii, Atlas3 and CUHKAgent2015) voting
/// on actions and bids with those weights; the port, and detente after it, replaces each
/// expert by a linear threshold sub-strategy. With the weights as published the first
/// (500 of 519) decides every acceptance. Random choices use the seeded generator; its clock
/// is NegMAS's, (round + 1)/(rounds + 1).
pub(crate) struct Caduceus {
    c: Common,
    /// Own utility of the last offer received from another party (0 before any).
    last_received: f64,
}

impl Caduceus {
    pub(crate) fn new(c: Common) -> Caduceus {
        Caduceus {
            c,
            last_received: 0.0,
        }
    }

    /// Sub-strategy `i`'s threshold at time `t`.
    pub(super) fn threshold(&self, i: usize, t: f64) -> f64 {
        (self.c.best() * (1.0 - RATES[i] * t)).max(FLOOR)
    }

    fn best_bid_phase(&self, t: f64) -> bool {
        t < BEST_BID_TIME * self.c.prefs.discount()
    }

    /// Whether the sub-strategies vote (by weight) to accept an offer worth `u`.
    pub(super) fn votes_accept(&self, u: f64, t: f64) -> bool {
        let total: f64 = WEIGHTS.iter().sum();
        let (mut yes, mut no) = (0.0, 0.0);
        for (i, w) in WEIGHTS.iter().enumerate() {
            if u >= self.threshold(i, t) - TIE_EPS {
                yes += w / total;
            } else {
                no += w / total;
            }
        }
        yes > no
    }
}

impl Negotiator for Caduceus {
    fn act(&mut self, view: &View<'_>) -> Action {
        if let Some(s) = view.standing.filter(|s| s.party != self.c.me) {
            self.last_received = self.c.prefs.utility(&s.outcome);
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = super::clock(view);
        if let Some(u) = self.c.offered_utility(view) {
            let accept = if self.best_bid_phase(t) {
                u >= 0.99 * self.c.best() - TIE_EPS
            } else {
                self.votes_accept(u, t)
            };
            if accept {
                return Action::Accept;
            }
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        if self.best_bid_phase(t) {
            return Action::Offer(self.c.bids.outcome(0));
        }
        // Roulette over the sub-strategies voting to offer.
        let offering: Vec<usize> = (0..WEIGHTS.len())
            .filter(|&i| self.last_received < self.threshold(i, t) - TIE_EPS)
            .collect();
        let Some(&last) = offering.last() else {
            return Action::Offer(self.c.bids.outcome(0));
        };
        let total: f64 = offering.iter().map(|&i| WEIGHTS[i]).sum();
        let r: f64 = self.c.rng.random();
        let mut cumulative = 0.0;
        let mut chosen = last;
        for &i in &offering {
            cumulative += WEIGHTS[i] / total;
            if r <= cumulative {
                chosen = i;
                break;
            }
        }
        let n = count_at_least(&self.c.bids, self.threshold(chosen, t));
        let k = if n > 0 {
            pick(&mut self.c.rng, 0..n)
        } else {
            0
        };
        Action::Offer(self.c.bids.outcome(k))
    }
}
