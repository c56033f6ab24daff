//! ANAC agents (finalists and winners of the Automated Negotiating Agents Competition), written
//! natively from their published descriptions and checked behaviourally against their Python
//! ports in `negmas-genius-agents` (docs/strategies.md, "ANAC agents").
//!
//! Every agent here follows the rules every built-in strategy follows (see `strategies.rs`):
//! it offers and accepts only outcomes acceptable to itself, and walks away when waiting only
//! loses under discounting. Each keeps its statistics incrementally: it reads only the offers
//! made since its last turn.

mod agentgg;
mod agreeable;
mod caduceus;
mod parsagent;
mod ponpoko;

#[cfg(test)]
mod tests;

pub(super) use agentgg::AgentGg;
pub(super) use agreeable::Agreeable;
pub(super) use caduceus::Caduceus;
pub(super) use parsagent::ParsAgent;
pub(super) use ponpoko::PonPoko;

use std::ops::Range;

use rand::RngExt;

use super::View;
use super::bidding::BidSpace;
use crate::TIE_EPS;
use crate::rng::ChaCha8Rng;

/// The ANAC agents' clock: (round + 1) / (rounds + 1), the relative time NegMAS gives
/// negotiators of a deadline in steps (and so the ports). It never reaches 0 or 1: deadline
/// rules such as AgentGG's "from t = 0.999" fire, as in the ports, only on long negotiations
/// (detente's other strategies use round / (rounds − 1), which is 1 in the last round).
fn clock(view: &View<'_>) -> f64 {
    (f64::from(view.round) + 1.0) / (f64::from(view.n_rounds) + 1.0)
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
