//! PonPokoAgent (ANAC 2017, winner).

use rand::RngExt;

use super::super::strategies::Common;
use super::super::{Action, Negotiator, View};
use super::{between, pick};
use crate::TIE_EPS;

/// Number of threshold patterns.
pub(super) const PATTERNS: u8 = 5;

/// PonPokoAgent, by Takaki Matsune (ANAC 2017 winner; described in Aydoğan et al., "The
/// Eighth International Automated Negotiating Agents Competition (ANAC 2017)"), as its Python
/// port `PonPokoAgent` in `negmas-genius-agents` 0.3 plays it. No opponent model: at the start
/// it draws one of five patterns for a band [low(t), high(t)] of own utility:
///
/// | pattern | high(t) | low(t) |
/// |---|---|---|
/// | 0 | 1 − 0.1t | 1 − 0.1t − 0.1·\|sin 40t\| |
/// | 1 | 1 | 1 − 0.22t |
/// | 2 | 1 − 0.1t | 1 − 0.1t − 0.15·\|sin 20t\| |
/// | 3 | 1 − 0.05t | 1 − 0.1t, and 1 − 0.3t once t > 0.99 |
/// | 4 | 1 − 0.15t·\|sin 20t\| | 1 − 0.21t·\|sin 20t\| |
///
/// low is then clamped to [0, high]. It accepts an offer worth at least low(t) and offers a
/// uniformly random bid in the band, lowering low by 0.01 at a time until the band holds one
/// (its best bid when none). The thresholds are absolute utilities, as published.
///
/// Deliberate differences: the pattern and the bids are drawn with the negotiator's seeded
/// generator; its clock is NegMAS's, (round + 1)/(rounds + 1).
pub(crate) struct PonPoko {
    c: Common,
    pub(super) pattern: u8,
}

impl PonPoko {
    pub(crate) fn new(mut c: Common) -> PonPoko {
        let pattern = c.rng.random_range(0..PATTERNS);
        PonPoko { c, pattern }
    }

    /// The band (low, high) of pattern `pattern` at time `t`.
    pub(super) fn band(pattern: u8, t: f64) -> (f64, f64) {
        let (high, low) = match pattern {
            0 => (1.0 - 0.1 * t, 1.0 - 0.1 * t - 0.1 * (40.0 * t).sin().abs()),
            1 => (1.0, 1.0 - 0.22 * t),
            2 => (1.0 - 0.1 * t, 1.0 - 0.1 * t - 0.15 * (20.0 * t).sin().abs()),
            3 => (
                1.0 - 0.05 * t,
                if t > 0.99 {
                    1.0 - 0.3 * t
                } else {
                    1.0 - 0.1 * t
                },
            ),
            _ => {
                let s = (20.0 * t).sin().abs();
                (1.0 - 0.15 * t * s, 1.0 - 0.21 * t * s)
            }
        };
        (low.min(high).max(0.0), high)
    }
}

impl Negotiator for PonPoko {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let (low, high) = PonPoko::band(self.pattern, super::clock(view));
        if let Some(u) = self.c.offered_utility(view)
            && u >= low - TIE_EPS
        {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        let mut lo = low;
        let mut range = between(&self.c.bids, lo, high);
        while range.is_empty() && lo > 0.0 {
            lo -= 0.01;
            range = between(&self.c.bids, lo, high);
        }
        let k = if range.is_empty() {
            0
        } else {
            pick(&mut self.c.rng, range)
        };
        Action::Offer(self.c.bids.outcome(k))
    }
}
