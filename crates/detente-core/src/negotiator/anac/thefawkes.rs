//! TheFawkes, winner of ANAC 2013.

use super::{n_at_least, random_among_best};
use crate::TIE_EPS;
use crate::negotiator::strategies::Common;
use crate::negotiator::{Action, Negotiator, View};
use crate::outcome::{Outcome, OutcomeSpace};

/// The concession exponent e (Boulware).
pub(super) const E: f64 = 0.2;
/// Opponent offers needed before the model chooses among candidate bids.
pub(super) const EARLY_OFFERS: u32 = 5;

/// TheFawkes (Koeman, Tjoa, Chaudhary & van Krimpen; winner of ANAC 2013, a BOA agent:
/// "The Fawkes agent", in Recent Advances in Agent-based Complex Automated Negotiation,
/// Springer 2016; GENIUS `agents.anac.y2013.TheFawkes`; Python port `negmas_genius_agents`
/// `TheFawkes`).
///
/// Its threshold is the time-dependent `Pmax − (Pmax − Pmin)·t^(1/e)` with e = 0.2 (Boulware,
/// k = 0). Its candidate bids are those worth at least the threshold (the best bid when none);
/// once the opponent has made more than 5 offers it offers the candidate its frequency model
/// rates highest (per issue, a value's count over the issue's highest count, averaged over the
/// issues; ties to the higher own utility), before that a random candidate. It accepts by
/// AC_next (an offer worth at least the bid it would make) or when the offer reaches the
/// threshold.
///
/// Deliberate differences: Pmin is the larger of the worst outcome and the reservation value
/// (the port takes the worst outcome only); the published agent's Bayesian-style model and its
/// knowledge of past sessions are not reproduced (the port's frequency model is).
pub(in crate::negotiator) struct TheFawkes {
    c: Common,
    n_offers: u32,
    counts: Vec<Vec<u32>>,
    max_count: Vec<u32>,
    /// Per issue and value, count / max count / number of issues; refreshed per offer.
    score: Vec<Vec<f64>>,
}

impl TheFawkes {
    pub(in crate::negotiator) fn new(c: Common, space: &OutcomeSpace) -> TheFawkes {
        let zeros = |x| {
            space
                .issues()
                .iter()
                .map(|i| vec![x; i.n_values() as usize])
                .collect()
        };
        TheFawkes {
            c,
            n_offers: 0,
            counts: zeros(0),
            max_count: vec![0; space.issues().len()],
            score: space
                .issues()
                .iter()
                .map(|i| vec![0.0; i.n_values() as usize])
                .collect(),
        }
    }

    fn learn(&mut self, offer: &Outcome) {
        self.n_offers += 1;
        let n = offer.indices().len().max(1) as f64;
        for (i, &v) in offer.indices().iter().enumerate() {
            self.counts[i][v as usize] += 1;
            let grew = self.counts[i][v as usize] > self.max_count[i];
            self.max_count[i] = self.max_count[i].max(self.counts[i][v as usize]);
            let max = f64::from(self.max_count[i]);
            if grew {
                for (s, c) in self.score[i].iter_mut().zip(&self.counts[i]) {
                    *s = f64::from(*c) / max / n;
                }
            } else {
                self.score[i][v as usize] = f64::from(self.counts[i][v as usize]) / max / n;
            }
        }
    }

    fn threshold(&self, t: f64) -> f64 {
        threshold(self.c.best(), self.c.floor(), t)
    }

    /// The bid TheFawkes would make at time `t`.
    fn select(&mut self, t: f64) -> Option<(Outcome, f64)> {
        let n = n_at_least(&self.c.bids, self.threshold(t)).max(1);
        let k = if self.n_offers > EARLY_OFFERS {
            let bids = &self.c.bids;
            let mut best = 0;
            let mut best_score = f64::NEG_INFINITY;
            for k in 0..n.min(bids.len()) {
                let s: f64 = bids
                    .values(k)
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| self.score[i][v as usize])
                    .sum();
                if s > best_score {
                    best = k;
                    best_score = s;
                }
            }
            (!bids.is_empty()).then_some(best)
        } else {
            random_among_best(&mut self.c, n)
        }?;
        Some((self.c.bids.outcome(k), self.c.bids.utility(k)))
    }
}

/// TheFawkes's threshold: `pmax − (pmax − pmin)·t^(1/e)`.
pub(super) fn threshold(pmax: f64, pmin: f64, t: f64) -> f64 {
    let th = pmax - (pmax - pmin) * t.clamp(0.0, 1.0).powf(1.0 / E);
    th.max(pmin)
}

impl Negotiator for TheFawkes {
    fn act(&mut self, view: &View<'_>) -> Action {
        for o in super::new_offers(&mut self.c, view) {
            self.learn(o);
        }
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        if let Some(u) = self.c.offered_utility(view) {
            let next = self.select(t).map(|(_, p)| p);
            if next.is_some_and(|p| u >= p - TIE_EPS) || u >= self.threshold(t) - TIE_EPS {
                return Action::Accept;
            }
        }
        match self.select(t) {
            Some((o, _)) => Action::Offer(o),
            None => Action::EndNegotiation,
        }
    }
}
