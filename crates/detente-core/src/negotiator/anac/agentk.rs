//! AgentK, winner of ANAC 2010.

use std::collections::HashSet;

use rand::RngExt;

use super::{Moments, n_at_least, random_among_best};
use crate::negotiator::strategies::Common;
use crate::negotiator::{Action, Negotiator, View};
use crate::outcome::{Outcome, OutcomeSpace};

/// The "tremor" of AgentK's exponents: β = α + U(−τ/2, τ/2).
const TREMOR: f64 = 2.0;
/// Random draws per bid-target level before the target drops by [`SEARCH_STEP`].
const SEARCH_BLOCK: i32 = 501;
/// How much the bid target drops after a failed block of random draws.
const SEARCH_STEP: f64 = 0.01;

/// AgentK (Kawaguchi, Fujita & Ito; winner of ANAC 2010: "AgentK: Compromising strategy based
/// on estimated maximum utility for automated negotiating agents", in New Trends in
/// Agent-Based Complex Automated Negotiations, Springer 2012; GENIUS `agents.anac.y2010.AgentK`;
/// Python port `negmas_genius_agents` `AgentK`).
///
/// It keeps the mean μ and variance σ² of its own utility of the opponent's offers and
/// estimates the most it can get as `emax = μ + (1 − μ)·d` with `d = √(12σ²)` (the width of a
/// uniform distribution of that variance). With `α = 1 + τ + 10μ − 2τμ` (τ = 2, the tremor)
/// and a randomly trembled `β = α + U(−1, 1)`, its acceptance target comes from
/// `1 − t^α·(1 − emax)` and its bidding target from `1 − t^β·(1 − emax)`, each stretched by
/// `ratio = min(2, (d + 0.1)/(1 − pre))` around 1 and pulled towards `emax` (by `r·min(1/r², m)/m`
/// with `r` its excess over `emax` and `m = 400 − 300t³`), never below `emax`. It accepts an
/// offer of utility `u` with probability `p = t^α/5 + (u − emax) + (u − target)` (0 when
/// `p < 0.1`). It offers, at random, one of the opponent's earlier offers worth more than its
/// target if there is one; otherwise it searches random outcomes for one worth at least its
/// bidding target, lowering the bidding target by 0.01 after every 501 failed draws.
///
/// Deliberate differences: the random search is not run draw by draw; each block of 501 draws
/// is decided at once from the share `p` of outcomes reaching the bidding target (success with
/// probability `1 − (1 − p)^501`, then a uniform pick among them), the same distribution
/// without the loop. It draws from its own acceptable outcomes (on a sampled bid space, the
/// share is taken over the sample), and only offers back opponent offers acceptable to itself.
/// Utilities are taken as GENIUS's, normalised to a best of 1, as the published formulas
/// assume.
pub(in crate::negotiator) struct AgentK {
    c: Common,
    /// How many outcomes the random search draws from.
    n_space: f64,
    stats: Moments,
    target: f64,
    bid_target: f64,
    /// Distinct acceptable offers received, by descending own utility.
    offered: Vec<(f64, Outcome)>,
    offered_set: HashSet<Outcome>,
}

impl AgentK {
    pub(in crate::negotiator) fn new(c: Common, space: &OutcomeSpace) -> AgentK {
        let n_space = if c.bids.exhaustive {
            space.cardinality().to_f64().max(1.0)
        } else {
            c.bids.len().max(1) as f64
        };
        AgentK {
            c,
            n_space,
            stats: Moments::default(),
            target: 1.0,
            bid_target: 1.0,
            offered: Vec::new(),
            offered_set: HashSet::new(),
        }
    }

    /// Records an offer worth `u` and decides whether to accept it (`acceptable`: to oneself).
    fn respond(&mut self, offer: &Outcome, u: f64, acceptable: bool, t: f64) -> bool {
        self.stats.push(u);
        if acceptable && self.offered_set.insert(offer.clone()) {
            let k = self.offered.partition_point(|(x, _)| *x >= u);
            self.offered.insert(k, (u, offer.clone()));
        }
        let tremble = self.c.rng.random::<f64>();
        let k = targets(self.stats.mean(), self.stats.variance(), t, tremble);
        self.target = k.target;
        self.bid_target = k.bid_target;
        let p = k.accept_probability(u);
        acceptable && p > self.c.rng.random::<f64>()
    }

    fn propose(&mut self) -> Option<Outcome> {
        // One of the opponent's earlier offers worth more than the target, at random.
        let n_good = self.offered.partition_point(|(u, _)| *u > self.target);
        if n_good > 0 {
            let k = self.c.rng.random_range(0..n_good);
            return Some(self.offered[k].1.clone());
        }
        if self.c.bids.is_empty() {
            return None;
        }
        let floor = self.c.bids.min_utility().unwrap_or(0.0);
        loop {
            if self.bid_target <= floor {
                let all = self.c.bids.len();
                let k = random_among_best(&mut self.c, all)?;
                return Some(self.c.bids.outcome(k));
            }
            let n = n_at_least(&self.c.bids, self.bid_target);
            if n > 0 {
                let p = (n as f64 / self.n_space).min(1.0);
                let success = 1.0 - (1.0 - p).powi(SEARCH_BLOCK);
                if self.c.rng.random::<f64>() < success {
                    let k = random_among_best(&mut self.c, n)?;
                    return Some(self.c.bids.outcome(k));
                }
            }
            self.bid_target -= SEARCH_STEP;
        }
    }
}

impl Negotiator for AgentK {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.seen = view.history.len();
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if let Some(s) = view.standing.filter(|s| s.party != self.c.me) {
            let u = self.c.prefs.utility(&s.outcome);
            let acceptable = self.c.prefs.is_acceptable(&s.outcome);
            if self.respond(&s.outcome, u, acceptable, view.clock.time()) {
                return Action::Accept;
            }
        }
        match self.propose() {
            Some(o) => Action::Offer(o),
            None => Action::EndNegotiation,
        }
    }
}

/// AgentK's targets after an offer, from the mean and variance of the offers so far.
#[derive(Clone, Copy, Debug)]
pub(super) struct Targets {
    /// The estimated maximum the opponent will give, `μ + (1 − μ)·√(12σ²)`.
    pub(super) emax: f64,
    /// The exponent α.
    pub(super) alpha: f64,
    pub(super) t: f64,
    /// The acceptance target.
    pub(super) target: f64,
    /// The bidding target (before any lowering by the search).
    pub(super) bid_target: f64,
}

impl Targets {
    /// The probability of accepting an offer worth `u`: `t^α/5 + (u − emax) + (u − target)`,
    /// 0 below 0.1, at most 1.
    pub(super) fn accept_probability(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let p = self.t.powf(self.alpha) / 5.0 + (u - self.emax) + (u - self.target);
        if p < 0.1 { 0.0 } else { p.min(1.0) }
    }
}

/// The targets of AgentK at time `t`; `tremble` in [0, 1) is the uniform draw of β.
pub(super) fn targets(mean: f64, variance: f64, t: f64, tremble: f64) -> Targets {
    let d = (variance.max(0.0) * 12.0).sqrt();
    let d = if d.is_nan() { 0.0 } else { d };
    let emax = mean + (1.0 - mean) * d;
    let alpha = 1.0 + TREMOR + 10.0 * mean - 2.0 * TREMOR * mean;
    let beta = alpha + tremble * TREMOR - TREMOR / 2.0;
    let m = t.powi(3) * -300.0 + 400.0;
    let stretch = |exponent: f64| {
        let pre = 1.0 - t.powf(exponent) * (1.0 - emax);
        let gap = 1.0 - pre;
        let ratio = if gap != 0.0 { (d + 0.1) / gap } else { 2.0 };
        let ratio = if ratio.is_nan() || ratio > 2.0 {
            2.0
        } else {
            ratio
        };
        let x = ratio * pre + 1.0 - ratio;
        if x > emax {
            let r = x - emax;
            let f = if r != 0.0 { 1.0 / (r * r) } else { m };
            let f = if f > m || f.is_nan() { m } else { f };
            x - r * f / m
        } else {
            emax
        }
    };
    Targets {
        emax,
        alpha,
        t,
        target: stretch(alpha),
        bid_target: stretch(beta),
    }
}
