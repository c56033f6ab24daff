//! ParsAgent (ANAC 2015, second place).

use super::super::strategies::Common;
use super::super::{Action, Negotiator, View};
use super::{ValueCounts, count_at_least, pick};
use crate::TIE_EPS;
use crate::outcome::OutcomeSpace;

/// ParsAgent, by Zahra Khosravimehr and Faria Nassiri-Mofakham (ANAC 2015, runner-up; "Pars
/// Agent: hybrid time-dependent, random and frequency-based bidding and acceptance strategies
/// in multilateral negotiations", in *Modern Approaches to Agent-based Complex Automated
/// Negotiation*, Springer 2017), as its Python port `ParsAgent` in `negmas-genius-agents` 0.3
/// plays it.
///
/// * Target: Boulware, p(t) = max(Pmax − (Pmax − 0.7)·t^(1/e), 0.7), e = 0.15 (0.2 when the
///   preferences are discounted), Pmax its best utility.
/// * Accepts an offer worth at least p(t).
/// * Bids: after more than five offers from the others, the "mutual" bid: among its bids worth
///   at least p(0.5), the one whose values the others offered most often (per issue, a value's
///   count over the largest count, summed over issues; the first such bid in its own
///   order), offered when it still reaches p(t). Otherwise a uniformly random bid worth at
///   least p(t).
///
/// Deliberate differences: random choices use the negotiator's seeded generator; the original
/// first re-offers bids other parties accepted, which in a bilateral negotiation never happens
/// (an acceptance ends it) and which the port never records, so detente leaves it out. The
/// frequency table counts every other party's offers (multilateral: all of them together).
/// Its clock is NegMAS's, (round + 1)/(rounds + 1).
pub(crate) struct ParsAgent {
    pub(super) c: Common,
    e: f64,
    counts: ValueCounts,
    /// How many listed bids reach p(0.5): the candidates of the mutual bid (a fixed prefix).
    mutual: usize,
}

/// The threshold below which ParsAgent never goes.
const MIN_THRESHOLD: f64 = 0.7;

impl ParsAgent {
    pub(crate) fn new(c: Common, space: &OutcomeSpace) -> ParsAgent {
        let e = if c.prefs.discount() < 1.0 { 0.2 } else { 0.15 };
        let mut p = ParsAgent {
            counts: ValueCounts::new(space),
            c,
            e,
            mutual: 0,
        };
        p.mutual = count_at_least(&p.c.bids, p.target(0.5));
        p
    }

    /// p(t) = max(Pmax − (Pmax − 0.7)·t^(1/e), 0.7).
    pub(super) fn target(&self, t: f64) -> f64 {
        let pmax = self.c.best();
        let f = t.clamp(0.0, 1.0).powf(1.0 / self.e);
        (pmax - (pmax - MIN_THRESHOLD) * f).max(MIN_THRESHOLD)
    }

    /// The mutual bid: among the first `self.mutual` bids, the one the others' value counts
    /// rate highest (the first of equals).
    fn mutual_bid(&self) -> Option<usize> {
        let mut best = None;
        let mut best_score = -1.0;
        for k in 0..self.mutual {
            let values = self.c.bids.values(k);
            let mut score = 0.0;
            for (i, &v) in values.iter().enumerate() {
                let m = self.counts.max_count[i];
                if m > 0 {
                    score += f64::from(self.counts.counts[i][v as usize]) / f64::from(m);
                }
            }
            if score > best_score {
                best_score = score;
                best = Some(k);
            }
        }
        best
    }
}

impl Negotiator for ParsAgent {
    fn act(&mut self, view: &View<'_>) -> Action {
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me {
                self.counts.observe(rec.outcome.indices());
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let target = self.target(super::clock(view));
        if let Some(u) = self.c.offered_utility(view)
            && u >= target - TIE_EPS
        {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        if self.counts.offers > 5
            && let Some(k) = self.mutual_bid()
            && self.c.bids.utility(k) >= target - TIE_EPS
        {
            return Action::Offer(self.c.bids.outcome(k));
        }
        let n = count_at_least(&self.c.bids, target);
        let k = if n > 0 {
            pick(&mut self.c.rng, 0..n)
        } else {
            0
        };
        Action::Offer(self.c.bids.outcome(k))
    }
}
