//! The built-in negotiation strategies.
//!
//! Every strategy discounts as [`Preferences`] documents (GENIUS's semantics): it accepts only
//! outcomes it finds acceptable (no red line crossed, `u ≥ r`), which are then worth at least
//! walking away at that moment (`u·dᵗ ≥ r·dᵗ`), and it walks away as soon as waiting only loses:
//! when even its best outcome, agreed at its next turn, would be worth less than walking away
//! now (accepting instead when the standing offer is acceptable).

use std::sync::Arc;

use rand::RngExt;

use super::bidding::{BidSpace, OpponentModel};
use super::{Action, Negotiator, NegotiatorInit, Strategy, View};
use crate::TIE_EPS;
use crate::outcome::Outcome;
use crate::preferences::Preferences;
use crate::rng::{ChaCha8Rng, rng};

/// Bids within this much of the target count as "about the same" for the opponent model.
const WINDOW: f64 = 0.02;

pub(super) fn build(strategy: &Strategy, init: NegotiatorInit<'_>) -> Box<dyn Negotiator> {
    let r = rng(init.seed);
    let bids = match &init.bids {
        Some(b) => Arc::clone(b),
        None => Arc::new(BidSpace::for_preferences(init.space, init.preferences)),
    };
    let common = Common {
        prefs: init.preferences.clone(),
        model: OpponentModel::new(init.space, init.n_parties),
        seen: 0,
        me: init.me,
        bids,
        rng: r,
    };
    match strategy {
        Strategy::Boulware => Box::new(TimeDependent { c: common, e: 0.2 }),
        Strategy::Linear => Box::new(TimeDependent { c: common, e: 1.0 }),
        Strategy::Conceder => Box::new(TimeDependent { c: common, e: 2.0 }),
        Strategy::TimeDependent(e) => Box::new(TimeDependent { c: common, e: *e }),
        Strategy::Hardliner => Box::new(Hardliner { c: common }),
        Strategy::Random => Box::new(RandomNegotiator { c: common }),
        Strategy::TitForTat => Box::new(TitForTat {
            c: common,
            target: None,
            last_other: None,
        }),
        Strategy::Micro => Box::new(Micro {
            c: common,
            proposed: 0,
            received: Vec::new(),
        }),
    }
}

/// State every built-in strategy shares: own preferences, own bids, the opponent model.
struct Common {
    prefs: Preferences,
    model: OpponentModel,
    /// How many history entries the model has seen.
    seen: usize,
    me: usize,
    bids: Arc<BidSpace>,
    rng: ChaCha8Rng,
}

impl Common {
    fn update(&mut self, view: &View<'_>) {
        for rec in &view.history[self.seen..] {
            if rec.party != self.me {
                self.model.observe(rec.party, &rec.outcome);
            }
        }
        self.seen = view.history.len();
    }

    /// Own utility of the standing offer, if it is acceptable to us at all.
    fn standing_utility(&self, view: &View<'_>) -> Option<f64> {
        let s = view.standing?;
        self.prefs
            .is_acceptable(&s.outcome)
            .then(|| self.prefs.utility(&s.outcome))
    }

    /// The best own utility (or the reservation value when nothing is acceptable).
    fn best(&self) -> f64 {
        self.bids.max_utility().unwrap_or(self.prefs.reservation())
    }

    /// The floor of concession: the reservation value, or the worst listed bid when the list
    /// is exhaustive (for a sampled list, bids are constructed down to the reservation value).
    fn floor(&self) -> f64 {
        let r = self.prefs.reservation();
        match self.bids.min_utility() {
            Some(m) if self.bids.exhaustive => r.max(m),
            _ => r,
        }
    }

    /// Whether waiting only loses: even one's best outcome, agreed at one's next turn (the next
    /// round), would be worth less than walking away now, both discounted. In the last round
    /// waiting means the deadline, which pays what walking away now does.
    fn waiting_only_loses(&self, view: &View<'_>) -> bool {
        let next = view.round + 1;
        if self.prefs.discount() == 1.0 || next >= view.n_rounds {
            return false;
        }
        self.prefs.discounted(self.best(), next, view.n_rounds)
            < self.prefs.discounted_reservation(view.round, view.n_rounds) - TIE_EPS
    }

    /// When waiting only loses: accept an acceptable standing offer (worth at least walking
    /// away now), otherwise walk away. `None` when waiting may still pay.
    fn cut_losses(&self, view: &View<'_>) -> Option<Action> {
        if !self.waiting_only_loses(view) {
            return None;
        }
        Some(if self.standing_utility(view).is_some() {
            Action::Accept
        } else {
            Action::EndNegotiation
        })
    }

    fn offer_near(&mut self, target: f64) -> Action {
        // Spaces too large to list: build the bid from the model instead of a sample.
        if !self.bids.exhaustive
            && let Some((o, _)) = self.bids.construct(target, &self.model)
        {
            return Action::Offer(o);
        }
        match self.bids.bid_near(target, WINDOW, Some(&self.model)) {
            Some(k) => Action::Offer(self.bids.outcome(k)),
            None => Action::EndNegotiation,
        }
    }
}

struct TimeDependent {
    c: Common,
    e: f64,
}

impl TimeDependent {
    fn target(&self, t: f64) -> f64 {
        let (best, floor) = (self.c.best(), self.c.floor());
        best - (best - floor).max(0.0) * t.clamp(0.0, 1.0).powf(1.0 / self.e)
    }
}

impl Negotiator for TimeDependent {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let target = self.target(view.time());
        if let Some(u) = self.c.standing_utility(view)
            && u >= target - TIE_EPS
        {
            return Action::Accept;
        }
        self.c.offer_near(target)
    }
}

struct Hardliner {
    c: Common,
}

impl Negotiator for Hardliner {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if let Some(u) = self.c.standing_utility(view)
            && u >= self.c.best() - TIE_EPS
        {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            Action::EndNegotiation
        } else {
            Action::Offer(self.c.bids.outcome(0))
        }
    }
}

struct RandomNegotiator {
    c: Common,
}

impl Negotiator for RandomNegotiator {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if self.c.standing_utility(view).is_some() && self.c.rng.random_bool(0.5) {
            return Action::Accept;
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        let k = self.c.rng.random_range(0..self.c.bids.len());
        Action::Offer(self.c.bids.outcome(k))
    }
}

struct TitForTat {
    c: Common,
    target: Option<f64>,
    /// Own utility of the last offer another party made.
    last_other: Option<f64>,
}

impl Negotiator for TitForTat {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let mut target = self.target.unwrap_or_else(|| self.c.best());
        // Mirror the others' latest concession, measured in our own utility.
        if let Some(rec) = view.history.iter().rev().find(|r| r.party != self.c.me) {
            let u = self.c.prefs.utility(&rec.outcome);
            if let Some(prev) = self.last_other
                && u > prev
            {
                target -= u - prev;
            }
            self.last_other = Some(self.last_other.map_or(u, |p| p.max(u)));
        }
        target = target.max(self.c.floor());
        self.target = Some(target);
        if let Some(u) = self.c.standing_utility(view)
            && u >= target - TIE_EPS
        {
            return Action::Accept;
        }
        self.c.offer_near(target)
    }
}

struct Micro {
    c: Common,
    /// How many distinct bids (from the top of the list) we have proposed.
    proposed: usize,
    /// Distinct offers received from others.
    received: Vec<Outcome>,
}

impl Negotiator for Micro {
    fn act(&mut self, view: &View<'_>) -> Action {
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        for rec in view.history {
            if rec.party != self.c.me && !self.received.contains(&rec.outcome) {
                self.received.push(rec.outcome.clone());
            }
        }
        if self.c.bids.is_empty() {
            return Action::EndNegotiation;
        }
        // Concede to a new bid only while the others have made at least as many new offers.
        let concede = self.proposed <= self.received.len() && self.proposed < self.c.bids.len();
        let next = if concede {
            self.proposed
        } else {
            self.proposed.saturating_sub(1)
        };
        if let Some(u) = self.c.standing_utility(view)
            && u >= self.c.bids.utility(next) - TIE_EPS
        {
            return Action::Accept;
        }
        if concede {
            self.proposed += 1;
            Action::Offer(self.c.bids.outcome(next))
        } else {
            let k = self.c.rng.random_range(0..self.proposed.max(1));
            Action::Offer(self.c.bids.outcome(k))
        }
    }
}
