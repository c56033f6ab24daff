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
