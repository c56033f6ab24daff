//! Agents of the Automated Negotiating Agents Competition (ANAC), written natively for detente.
//!
//! Each agent follows its published description and the rules of its Python port in
//! `negmas-genius-agents` (PyPI), against which `bench/vs-negmas` checks it behaviourally
//! (docs/strategies.md); the source and detente's deliberate differences are on each type.
//! They are bilateral agents: with more than two parties, every other party's offer counts as
//! "the opponent's". Like every built-in strategy they accept only outcomes acceptable to
//! themselves, offer only such outcomes, and walk away when waiting only loses (discounting).
//! They keep incremental statistics: no turn rescans the history.
//!
//! Non-goals: bit-for-bit replays of the Java agents (their random draws come from Java's
//! generator and wall-clock time; detente's from the negotiator's seed and the round count).

pub(super) mod agentk;
pub(super) mod atlas3;
pub(super) mod cuhk;
pub(super) mod hardheaded;
pub(super) mod thefawkes;

mod agentgg;
mod agreeable;
mod caduceus;
mod parsagent;
mod ponpoko;

pub(super) use agentgg::AgentGg;
pub(super) use agreeable::Agreeable;
pub(super) use caduceus::Caduceus;
pub(super) use parsagent::ParsAgent;
pub(super) use ponpoko::PonPoko;

use std::ops::Range;

use rand::RngExt;

use super::View;
use super::bidding::BidSpace;
use super::strategies::Common;
use crate::TIE_EPS;
use crate::outcome::Outcome;

/// How many listed bids have utility at least `x` (they are the first ones of the list).
pub(super) fn n_at_least(bids: &BidSpace, x: f64) -> usize {
    match bids.max_utility() {
        Some(best) if best >= x - TIE_EPS => bids.bid_near(x, 0.0, None).map_or(0, |k| k + 1),
        _ => 0,
    }
}

/// A uniformly random listed bid among the `n` best (`None` when `n` is 0).
pub(super) fn random_among_best(c: &mut Common, n: usize) -> Option<usize> {
    let n = n.min(c.bids.len());
    (n > 0).then(|| c.rng.random_range(0..n))
}

/// The offers other parties made since this negotiator's last turn, in order; marks them seen.
pub(super) fn new_offers<'v>(c: &mut Common, view: &View<'v>) -> Vec<&'v Outcome> {
    let start = c.seen.min(view.history.len());
    c.seen = view.history.len();
    view.history[start..]
        .iter()
        .filter(|r| r.party != c.me)
        .map(|r| &r.outcome)
        .collect()
}

/// Incremental mean and variance of a stream of utilities (population variance, as the agents
/// compute it over all the opponent's offers so far).
#[derive(Clone, Debug, Default)]
pub(super) struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value (Welford's update).
    pub(super) fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// How many values were pushed.
    pub(super) fn count(&self) -> u64 {
        self.n
    }

    /// The mean (0 when empty).
    pub(super) fn mean(&self) -> f64 {
        self.mean
    }

    /// The population variance (0 when empty).
    pub(super) fn variance(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.m2 / self.n as f64).max(0.0)
        }
    }
}

#[cfg(test)]
mod tests;
/// Tests of ParsAgent, Caduceus, PonPoko, AgreeableAgent and AgentGG.
#[cfg(test)]
mod tests_more;

use crate::rng::ChaCha8Rng;

/// The ANAC agents' clock: (round + 1) / (rounds + 1), the relative time NegMAS gives
/// negotiators of a deadline in steps (and so the ports). It never reaches 0 or 1: deadline
/// rules such as AgentGG's "from t = 0.999" fire, as in the ports, only on long negotiations
/// (detente's other strategies use round / (rounds − 1), which is 1 in the last round).
fn clock(view: &View<'_>) -> f64 {
    (f64::from(view.clock.round) + 1.0) / (f64::from(view.clock.n_rounds) + 1.0)
}

/// How many listed bids are worth at least `x` (bids are listed best first), as GENIUS's
/// `getBidsinRange(x, 1)` and the ports' `get_bids_above` count them.
fn count_at_least(bids: &BidSpace, x: f64) -> usize {
    partition(bids, |u| u >= x - TIE_EPS)
}

/// The listed bids worth between `lo` and `hi` (both included), as positions in the list.
fn between(bids: &BidSpace, lo: f64, hi: f64) -> Range<usize> {
    let start = partition(bids, |u| u > hi + TIE_EPS);
    let end = count_at_least(bids, lo);
    start..end.max(start)
}

/// The first position whose utility fails `pred` (utilities descend, so `pred` holds on a
/// prefix).
fn partition(bids: &BidSpace, pred: impl Fn(f64) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, bids.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(bids.utility(mid)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A uniformly random position in `range` (the range must not be empty).
fn pick(rng: &mut ChaCha8Rng, range: Range<usize>) -> usize {
    rng.random_range(range)
}

/// Counts of the values the other parties offered, per issue (a frequency table kept as the
/// offers arrive), with the number of offers and each issue's largest count.
struct ValueCounts {
    counts: Vec<Vec<u32>>,
    max_count: Vec<u32>,
    offers: u32,
}

impl ValueCounts {
    fn new(space: &crate::outcome::OutcomeSpace) -> ValueCounts {
        let counts: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .map(|i| vec![0; i.n_values() as usize])
            .collect();
        ValueCounts {
            max_count: vec![0; counts.len()],
            counts,
            offers: 0,
        }
    }

    fn observe(&mut self, values: &[u32]) {
        self.offers += 1;
        for (i, &v) in values.iter().enumerate() {
            let c = &mut self.counts[i][v as usize];
            *c += 1;
            self.max_count[i] = self.max_count[i].max(*c);
        }
    }

    /// Sum of the counts of the values of `values` (AgentGG's opponent importance).
    fn total(&self, values: &[u32]) -> u64 {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| u64::from(self.counts[i][v as usize]))
            .sum()
    }
}
