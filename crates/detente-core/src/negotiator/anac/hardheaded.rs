//! HardHeaded, winner of ANAC 2011.

use crate::TIE_EPS;
use crate::negotiator::strategies::Common;
use crate::negotiator::{Action, Negotiator, View};
use crate::outcome::{Outcome, OutcomeSpace};

/// Ka: the concession already made at t = 0.
pub(super) const KA: f64 = 0.05;
/// The concession exponent e (Boulware: very slow).
pub(super) const E: f64 = 0.05;
/// The published floor of concession, `MINIMUM_BID_UTILITY`.
pub(super) const MIN_UTILITY: f64 = 0.585;
/// The frequency model's learning coefficient (issue weights grow by this over n issues).
const LEARNING_COEF: f64 = 0.2;
/// Half-width of the utility window of candidate bids around the target.
const WINDOW: f64 = 0.01;
/// Discount factors from here on are ignored by the concession schedule.
const IGNORE_DISCOUNT: f64 = 0.9;
/// The exponent of the concession after the step point (discounted domains).
const LATE_E: f64 = 30.0;

/// HardHeaded (van Krimpen, Looije & Hajizadeh; winner of ANAC 2011: "HardHeaded", in Complex
/// Automated Negotiations: Theories, Models, and Software Competitions, Springer 2013; GENIUS
/// `agents.anac.y2011.HardHeaded.KLH`; Python port `negmas_genius_agents` `HardHeaded`).
///
/// It concedes on a very slow Boulware schedule: target `p(t) = Pmin + (1 − F(t))(Pmax − Pmin)`
/// with `F(t) = Ka + (1 − Ka)·t^(1/e)`, Ka = 0.05, e = 0.05, Pmin the larger of 0.585 and the
/// reservation value (with a discount factor d < 0.9 the schedule bends at the step point
/// t = d: slower before, with a floor raised by (Pmax − Pmin)·d, then e = 30 down to Pmin).
/// It opens with its best bid. Afterwards it offers back the opponent's best offer when that is
/// worth more than its target; otherwise, with the target capped at its previous bid's utility,
/// it considers the bids within ±0.01 of the target (the one nearest to it when there is none)
/// and offers the one its frequency model of the opponent likes most. The model: issue weights
/// start equal; after each opponent offer, every issue whose value did not change gets
/// 0.2/n added to its weight (while below the cap `1 − n·g/(1 + g·k)`), then all are divided by
/// `1 + g·k` (g = 0.2/n, k unchanged issues); the values of the offer are counted (from the
/// second offer on); a value's score is its count over the issue's highest count (an unseen
/// value counts 1), and a bid's score the weighted mean of its values' scores. It accepts an
/// offer worth at least the lowest utility it has offered, or at least the bid it would make
/// now.
///
/// Deliberate differences: the initial "lowest offered utility" is its best utility (GENIUS
/// normalises that to 1, as the port assumes); opponent offers are offered back only when
/// acceptable to itself.
pub(in crate::negotiator) struct HardHeaded {
    c: Common,
    pmin: f64,
    /// The opponent's issue weights (sum to 1).
    weights: Vec<f64>,
    /// Per issue and value: how often the opponent offered it (counted from its 2nd offer).
    counts: Vec<Vec<u32>>,
    /// Per issue, the highest count (at least 1).
    max_count: Vec<u32>,
    last_opponent: Option<Outcome>,
    /// The opponent's best offer (acceptable to oneself) and its utility.
    opponent_best: Option<(f64, Outcome)>,
    /// Utility of one's last bid, and the lowest one offered so far.
    last_bid: Option<f64>,
    lowest_offered: f64,
}

impl HardHeaded {
    pub(in crate::negotiator) fn new(c: Common, space: &OutcomeSpace) -> HardHeaded {
        let n = space.issues().len().max(1);
        let pmin = MIN_UTILITY.max(c.prefs.reservation());
        let lowest_offered = c.best();
        HardHeaded {
            pmin,
            weights: vec![1.0 / n as f64; space.issues().len()],
            counts: space
                .issues()
                .iter()
                .map(|i| vec![0; i.n_values() as usize])
                .collect(),
            max_count: vec![1; space.issues().len()],
            last_opponent: None,
            opponent_best: None,
            last_bid: None,
            lowest_offered,
            c,
        }
    }

    fn target(&self, t: f64) -> f64 {
        target(self.c.best(), self.pmin, self.c.prefs.discount(), t)
    }

    /// Learns from one opponent offer (HardHeaded's frequency model).
    fn learn(&mut self, offer: &Outcome) {
        if let Some(prev) = self.last_opponent.take() {
            let n = self.weights.len() as f64;
            let golden = LEARNING_COEF / n;
            let same: Vec<bool> = prev
                .indices()
                .iter()
                .zip(offer.indices())
                .map(|(a, b)| a == b)
                .collect();
            let k = same.iter().filter(|s| **s).count() as f64;
            let total = 1.0 + golden * k;
            let cap = 1.0 - n * golden / total;
            for (w, s) in self.weights.iter_mut().zip(&same) {
                *w = if *s && *w < cap {
                    (*w + golden) / total
                } else {
                    *w / total
                };
            }
            for (i, &v) in offer.indices().iter().enumerate() {
                let c = &mut self.counts[i][v as usize];
                *c += 1;
                self.max_count[i] = self.max_count[i].max(*c);
            }
        }
        self.last_opponent = Some(offer.clone());
    }

    /// The model's estimate of the opponent's utility of a bid, in [0, 1].
    fn opponent_utility(&self, values: &[u32]) -> f64 {
        let mut s = 0.0;
        let mut w_total = 0.0;
        for (i, &v) in values.iter().enumerate() {
            let count = self.counts[i][v as usize].max(1);
            s += self.weights[i] * f64::from(count) / f64::from(self.max_count[i]);
            w_total += self.weights[i];
        }
        if w_total > 0.0 { s / w_total } else { 0.5 }
    }

    /// The bid for `target`: the one the model likes most within ±0.01 of it (ties: the higher
    /// own utility), else the bid nearest to it.
    fn select(&self, target: f64) -> Option<(Outcome, f64)> {
        let bids = &self.c.bids;
        let start = super::n_at_least(bids, target + WINDOW + 2.0 * TIE_EPS);
        let end = super::n_at_least(bids, target - WINDOW);
        if start >= end {
            let k = bids.nearest(target)?;
            return Some((bids.outcome(k), bids.utility(k)));
        }
        let mut best = start;
        let mut best_score = f64::NEG_INFINITY;
        for k in start..end {
            let s = self.opponent_utility(bids.values(k));
            if s > best_score {
                best = k;
                best_score = s;
            }
        }
        Some((bids.outcome(best), bids.utility(best)))
    }

    fn record_bid(&mut self, u: f64) {
        self.last_bid = Some(u);
        self.lowest_offered = self.lowest_offered.min(u);
    }
}

/// HardHeaded's target at time `t` for a best utility `pmax`, a floor `pmin` and a discount
/// factor `d` (the step point; d ≥ 0.9 counts as no discount).
pub(super) fn target(pmax: f64, pmin: f64, d: f64, t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    if d >= IGNORE_DISCOUNT {
        let fa = KA + (1.0 - KA) * (t / d).powf(1.0 / E);
        pmin + (1.0 - fa) * (pmax - pmin)
    } else if t <= d {
        let e = E / d;
        let fa = KA + (1.0 - KA) * (t / d).powf(1.0 / e);
        let floor = pmin + (pmax - pmin).abs() * d;
        floor + (1.0 - fa) * (pmax - floor)
    } else {
        let fa = KA + (1.0 - KA) * ((t - d) / (1.0 - d)).powf(1.0 / LATE_E);
        let top = pmin + (pmax - pmin).abs() * d;
        pmin + (1.0 - fa) * (top - pmin)
    }
}

impl Negotiator for HardHeaded {
    fn act(&mut self, view: &View<'_>) -> Action {
        for o in super::new_offers(&mut self.c, view) {
            self.learn(o);
            if self.c.prefs.is_acceptable(o) {
                let u = self.c.prefs.utility(o);
                if self.opponent_best.as_ref().is_none_or(|(b, _)| u > *b) {
                    self.opponent_best = Some((u, o.clone()));
                }
            }
        }
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        if let Some(u) = self.c.offered_utility(view) {
            // Accept what is worth as much as one has offered, or as the bid one would make.
            if u >= self.lowest_offered - TIE_EPS {
                return Action::Accept;
            }
            if let Some((_, planned)) = self.select(self.target(t))
                && u >= planned - TIE_EPS
            {
                return Action::Accept;
            }
        }
        if view.clock.round == 0 {
            if self.c.bids.is_empty() {
                return Action::EndNegotiation;
            }
            let best = self.c.best();
            self.last_bid = Some(best);
            return Action::Offer(self.c.bids.outcome(0));
        }
        let mut target = self.target(t);
        if let Some((u, o)) = self.opponent_best.clone()
            && u > target
        {
            self.record_bid(u);
            return Action::Offer(o);
        }
        if let Some(last) = self.last_bid {
            target = target.min(last);
        }
        match self.select(target) {
            Some((o, u)) => {
                self.record_bid(u);
                Action::Offer(o)
            }
            None => Action::EndNegotiation,
        }
    }
}
