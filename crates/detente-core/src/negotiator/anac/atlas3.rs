//! Atlas3, winner of ANAC 2015.

use super::{n_at_least, random_among_best};
use crate::TIE_EPS;
use crate::negotiator::strategies::Common;
use crate::negotiator::{Action, Negotiator, View};

/// The concession exponent e of the main phase.
const E: f64 = 0.1;
/// End of the opening phase and of the main phase, in relative time.
const OPENING_END: f64 = 0.2;
const MAIN_END: f64 = 0.8;
/// The opening threshold, as a share of the best utility.
const OPENING_SHARE: f64 = 0.95;
/// The share of the range conceded over the main phase.
const MAIN_CONCESSION: f64 = 0.3;
/// The end phase starts from this share of the best utility and concedes half the rest.
const END_BASE: f64 = 0.7;
const END_CONCESSION: f64 = 0.5;
/// When no bid reaches the threshold, bids reaching this share of it are candidates.
const FALLBACK_SHARE: f64 = 0.9;
/// The final phase: fewer turns than this remain (this one included).
pub(super) const FINAL_TURNS: u32 = 5;

/// Atlas3 (Mori & Ito; winner of ANAC 2015: "Atlas3: A negotiating agent based on expecting
/// lower limit of concession function", in Modern Approaches to Agent-based Complex Automated
/// Negotiation, Springer 2017; GENIUS `agents.anac.y2015.Atlas3`; Python port
/// `negmas_genius_agents` `Atlas3`).
///
/// Its threshold has three phases: 0.95·Pmax while t < 0.2; from 0.2 to 0.8,
/// `Pmax − 0.3(Pmax − Pmin)·x^(1/e)` with x the share of the phase elapsed and e = 0.1; from
/// 0.8, `0.7Pmax − 0.5(0.7Pmax − Pmin)·x²`; never below the reservation value. It offers a
/// random bid worth at least the threshold (at least 0.9 of it when none, else its best bid)
/// and accepts an offer worth at least the threshold; in the final phase, when fewer than 5
/// turns remain, it accepts any offer above its reservation value.
///
/// Deliberate differences: the reservation value is one's own (the port takes 0); the final
/// phase counts turns (rounds left, this one included) where the Java agent measures the
/// time between turns; the published final-phase proposals from the bids other parties
/// accepted are not made (in bilateral negotiation an accepted bid ends it, and the port
/// never makes them either); the published threshold's estimate from the opponent's offers
/// (the "expected lower limit of concession") is not reproduced: detente follows the port's
/// schedule, against which `bench/vs-negmas` checks it.
pub(in crate::negotiator) struct Atlas3 {
    c: Common,
}

impl Atlas3 {
    pub(in crate::negotiator) fn new(c: Common) -> Atlas3 {
        Atlas3 { c }
    }
}

/// Atlas3's threshold at time `t`.
pub(super) fn threshold(pmax: f64, pmin: f64, reservation: f64, t: f64) -> f64 {
    if t < OPENING_END {
        return pmax * OPENING_SHARE;
    }
    let th = if t < MAIN_END {
        let x = (t - OPENING_END) / (MAIN_END - OPENING_END);
        pmax - (pmax - pmin) * MAIN_CONCESSION * x.powf(1.0 / E)
    } else {
        let x = ((t - MAIN_END) / (1.0 - MAIN_END)).min(1.0);
        let base = pmax * END_BASE;
        base - (base - pmin) * END_CONCESSION * x * x
    };
    th.max(reservation)
}

impl Negotiator for Atlas3 {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.seen = view.history.len();
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        let th = threshold(self.c.best(), self.c.floor(), self.c.prefs.reservation(), t);
        if let Some(u) = self.c.offered_utility(view) {
            let final_phase = view.clock.n_rounds.saturating_sub(view.clock.round) < FINAL_TURNS;
            if u >= th - TIE_EPS || (final_phase && u > self.c.prefs.reservation()) {
                return Action::Accept;
            }
        }
        let mut n = n_at_least(&self.c.bids, th);
        if n == 0 {
            n = n_at_least(&self.c.bids, th * FALLBACK_SHARE).max(1);
        }
        match random_among_best(&mut self.c, n) {
            Some(k) => Action::Offer(self.c.bids.outcome(k)),
            None => Action::EndNegotiation,
        }
    }
}
