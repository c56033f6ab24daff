//! CUHKAgent, winner of ANAC 2012.

use super::{Moments, n_at_least, random_among_best};
use crate::TIE_EPS;
use crate::negotiator::strategies::Common;
use crate::negotiator::{Action, Negotiator, View};
use crate::outcome::Outcome;

/// The least share of the time before the agent concedes down to its discounted floor.
const MIN_CONCEDE: f64 = 0.08;
/// The exponent of the concession before the concede-to-time point.
const ALPHA: f64 = 2.0;
/// From this time on, any offer above the reservation value is accepted.
const DEADLINE: f64 = 0.99;
/// From this time on, an offer within [`FINAL_MARGIN`] of the opponent's best is accepted.
const FINAL_DEADLINE: f64 = 0.9985;
const FINAL_MARGIN: f64 = 0.01;

/// CUHKAgent (Hao & Leung; winner of ANAC 2012: "ABiNeS: An adaptive bilateral negotiating
/// strategy over multiple items", IAT 2012; GENIUS `agents.anac.y2012.CUHKAgent`; Python port
/// `negmas_genius_agents` `CUHKAgent`).
///
/// Its threshold depends on the discount factor d: the concede-to-time point
/// `λ = 0.08 + 0.92·d^β` (β = 1.8 for d > 0.75, 1.5 for d > 0.5, 1.2 otherwise), raised towards
/// 1 by the opponent's concession degree `c = min(1, 2σ)` (σ the standard deviation of its own
/// utility of the opponent's offers) as `λ + 0.1(1 − λ)c¹⁰`. Before λ the threshold falls from
/// Pmax to `Pmax·d^(1−λ)` as `(t/λ)²`; after λ it is `Pmax·d^(1−t)`; never below the reservation
/// value. Without discounting (d = 1) the threshold therefore stays at Pmax: CUHKAgent holds
/// firm and settles at the deadline. It offers back the opponent's best offer once that reaches
/// the threshold, otherwise a random bid above the threshold. It accepts an offer worth at
/// least the threshold, any acceptable offer once t > 0.99, an offer worth at least the bid it
/// would make, and once t > 0.9985 an offer within 0.01 of the opponent's best.
///
/// Deliberate differences: the reservation value is one's own (the port takes 0); the
/// published agent's finer machinery (its own opponent model choosing among candidate bids,
/// the recomputed concession per time window) is not reproduced: detente follows the port's
/// rules, against which `bench/vs-negmas` checks it. With a discount factor of 0 the floor is
/// 0.7·Pmax (as the port).
pub(in crate::negotiator) struct Cuhk {
    c: Common,
    discount: f64,
    lambda0: f64,
    lambda: f64,
    stats: Moments,
    /// The opponent's best offer acceptable to oneself, and its utility.
    opponent_best: Option<(f64, Outcome)>,
}

impl Cuhk {
    pub(in crate::negotiator) fn new(c: Common) -> Cuhk {
        let discount = c.prefs.discount();
        let lambda0 = concede_point(discount);
        Cuhk {
            c,
            discount,
            lambda0,
            lambda: lambda0,
            stats: Moments::default(),
            opponent_best: None,
        }
    }

    fn threshold(&self, t: f64) -> f64 {
        threshold(
            self.c.best(),
            self.discount,
            self.lambda,
            self.c.prefs.reservation(),
            t,
        )
    }

    /// The bid CUHKAgent makes at threshold `th`: the opponent's best once it reaches it,
    /// otherwise a random bid above it (the best bid when none).
    fn select(&mut self, th: f64) -> Option<(Outcome, f64)> {
        if let Some((u, o)) = &self.opponent_best
            && *u >= th - TIE_EPS
        {
            return Some((o.clone(), *u));
        }
        let n = n_at_least(&self.c.bids, th).max(1);
        let k = random_among_best(&mut self.c, n)?;
        Some((self.c.bids.outcome(k), self.c.bids.utility(k)))
    }
}

/// The concede-to-time point λ for a discount factor `d`.
pub(super) fn concede_point(d: f64) -> f64 {
    let beta = if d > 0.75 {
        1.8
    } else if d > 0.5 {
        1.5
    } else {
        1.2
    };
    MIN_CONCEDE + (1.0 - MIN_CONCEDE) * d.powf(beta)
}

/// CUHKAgent's threshold at time `t`.
pub(super) fn threshold(pmax: f64, d: f64, lambda: f64, reservation: f64, t: f64) -> f64 {
    let th = if t <= lambda {
        let floor = if d > 0.0 {
            pmax * d / d.powf(lambda)
        } else {
            pmax * 0.7
        };
        let x = if lambda > 0.0 { t / lambda } else { 1.0 };
        pmax - (pmax - floor) * x.powf(ALPHA)
    } else if d > 0.0 {
        pmax * d / d.powf(t)
    } else {
        pmax * 0.7
    };
    th.max(reservation)
}

impl Negotiator for Cuhk {
    fn act(&mut self, view: &View<'_>) -> Action {
        for o in super::new_offers(&mut self.c, view) {
            let u = self.c.prefs.utility(o);
            self.stats.push(u);
            if self.c.prefs.is_acceptable(o) && self.opponent_best.as_ref().is_none_or(|b| u > b.0)
            {
                self.opponent_best = Some((u, o.clone()));
            }
        }
        if self.stats.count() >= 2 {
            let c = (self.stats.variance().sqrt() * 2.0).min(1.0);
            self.lambda = (self.lambda0 + 0.1 * (1.0 - self.lambda0) * c.powi(10)).min(1.0);
        }
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        let th = self.threshold(t);
        if let Some(u) = self.c.offered_utility(view) {
            let accept = u >= th - TIE_EPS
                || (t > DEADLINE && u > self.c.prefs.reservation())
                || self.select(th).is_some_and(|(_, p)| u >= p - TIE_EPS)
                || (t > FINAL_DEADLINE
                    && self
                        .opponent_best
                        .as_ref()
                        .is_some_and(|b| u >= b.0 - FINAL_MARGIN));
            if accept {
                return Action::Accept;
            }
        }
        match self.select(th) {
            Some((o, _)) => Action::Offer(o),
            None => Action::EndNegotiation,
        }
    }
}
