//! AgentGG (ANAC 2019, winner).

use super::super::bidding::ENUMERATE_LIMIT;
use super::super::strategies::Common;
use super::super::{Action, Negotiator, View};
use super::ValueCounts;
use crate::outcome::OutcomeSpace;
use crate::preferences::UtilityFunction;

/// AgentGG, by Shaobo Xu (ANAC 2019 winner; described in Aydoğan et al., "Challenges and Main
/// Results of the Automated Negotiating Agents Competition (ANAC) 2019"), as its Python port
/// `AgentGG` in `negmas-genius-agents` 0.3 plays it. It reasons on *importance* rather than
/// utility:
///
/// * Own importance map: the importance of value v of issue i is the mean own utility of the
///   outcomes of the whole space that have v on i; a bid's importance is the sum over its
///   values, and its importance ratio is (importance − min)/(max − min), min and max those of
///   the bids made of each issue's least and most important values.
/// * Opponent importance map: how often the others offered each value; a bid's opponent
///   importance is the sum of the counts of its values.
/// * Nash estimate: from the best importance ratio m among the others' first offers (those
///   received until 0.003 of the time after their second one), (1 − m)/1.7 + m.
/// * Lower ratio of the offering band, by phase: 0.9999 before t = 0.01, 0.99 before 0.02,
///   then 0.99 − 0.5(t − 0.02) until 0.2; from 0.2 down to the Nash estimate N in steps,
///   through N + 0.3(1 − N) at 0.5, N + 0.15(1 − N) at 0.9, N + 0.05(1 − N) at 0.98, N at 0.995
///   and N − 0.35(1 − N) at 0.999 (linearly within each, and from 0.9 never below 0.3, from
///   0.98 never below 0.25), N − 0.4(1 − N) (not below 0.2) after 0.999. The upper ratio is
///   the lower plus 0.1.
/// * Bid: before t = 0.2 its best bid in the band (the first in its own order); afterwards the
///   bid in the band the others' counts rate highest; with no bid in the band, its best bid
///   above the lower ratio. The first offer is its most important bid.
/// * Accepts an offer whose importance ratio reaches the lower ratio, and from t = 0.999 any
///   acceptable offer.
///
/// On additive preferences whose clip at 1 never binds (every GENIUS linear domain) the map is
/// computed in closed form (a value's mean is its own term plus the other issues' mean terms);
/// otherwise by enumerating the space, or, beyond [`ENUMERATE_LIMIT`] outcomes, by the closed
/// form on the additive part. Deliberate differences: the original learns its map from a
/// ranking of bids (ANAC 2019 had preference uncertainty), the port and detente from the
/// utility function; bids come from detente's acceptable outcomes (a sample on large spaces);
/// its clock is NegMAS's, (round + 1)/(rounds + 1).
pub(crate) struct AgentGg {
    c: Common,
    /// Own importance per issue and value.
    imp: Vec<Vec<f64>>,
    max_imp: f64,
    min_imp: f64,
    /// Importance of each listed bid, in list order.
    bid_imp: Vec<f64>,
    /// List positions sorted by importance, ascending (ties by position).
    by_imp: Vec<u32>,
    /// `suffix_min[j]`: the smallest position among `by_imp[j..]`.
    suffix_min: Vec<u32>,
    /// The listed bid of highest importance.
    top: Option<usize>,
    opp: ValueCounts,
    max_opp_imp: f64,
    timing: bool,
    start: f64,
    pub(super) nash_done: bool,
    pub(super) nash: f64,
    pub(super) lower: f64,
    upper: f64,
    offer_randomly: bool,
}

/// The own importance map: per issue and value, the mean utility of the outcomes with it.
pub(super) fn importance_map(space: &OutcomeSpace, u: &UtilityFunction) -> Vec<Vec<f64>> {
    let terms = u.terms();
    let raw_max: f64 = terms
        .iter()
        .map(|t| t.iter().copied().fold(f64::MIN, f64::max))
        .sum();
    let size = space
        .issues()
        .iter()
        .try_fold(1u64, |a, i| a.checked_mul(u64::from(i.n_values())));
    let closed_form_exact = u.is_additive() && (!u.clips_at_one() || raw_max <= 1.0);
    match size {
        Some(n) if !closed_form_exact && n <= ENUMERATE_LIMIT && n > 0 => enumerate_map(space, u),
        _ => {
            let means: Vec<f64> = terms
                .iter()
                .map(|t| t.iter().sum::<f64>() / t.len().max(1) as f64)
                .collect();
            let all: f64 = means.iter().sum();
            terms
                .iter()
                .enumerate()
                .map(|(i, t)| t.iter().map(|x| x + all - means[i]).collect())
                .collect()
        }
    }
}

/// The importance map by enumerating every outcome.
fn enumerate_map(space: &OutcomeSpace, u: &UtilityFunction) -> Vec<Vec<f64>> {
    let n_values: Vec<u32> = space.issues().iter().map(|i| i.n_values()).collect();
    let mut sums: Vec<Vec<f64>> = n_values.iter().map(|&n| vec![0.0; n as usize]).collect();
    let mut cur = vec![0u32; n_values.len()];
    let mut total = 0u64;
    'outer: loop {
        let raw: f64 = cur
            .iter()
            .enumerate()
            .map(|(i, &v)| u.terms()[i][v as usize])
            .sum::<f64>()
            + u.link_value(&cur);
        let x = u.finish(raw);
        for (i, &v) in cur.iter().enumerate() {
            sums[i][v as usize] += x;
        }
        total += 1;
        let mut i = cur.len();
        loop {
            if i == 0 {
                break 'outer;
            }
            i -= 1;
            cur[i] += 1;
            if cur[i] < n_values[i] {
                continue 'outer;
            }
            cur[i] = 0;
        }
    }
    // Each value of issue i appears in total / n_values[i] outcomes.
    sums.iter()
        .zip(&n_values)
        .map(|(s, &n)| {
            let per = total as f64 / f64::from(n);
            s.iter().map(|x| x / per).collect()
        })
        .collect()
}

impl AgentGg {
    pub(crate) fn new(c: Common, space: &OutcomeSpace) -> AgentGg {
        let imp = importance_map(space, c.prefs.ufun());
        let max_imp: f64 = imp
            .iter()
            .map(|t| t.iter().copied().fold(f64::MIN, f64::max))
            .sum();
        let min_imp: f64 = imp
            .iter()
            .map(|t| t.iter().copied().fold(f64::MAX, f64::min))
            .sum();
        let bid_imp: Vec<f64> = (0..c.bids.len())
            .map(|k| importance(&imp, c.bids.values(k)))
            .collect();
        let mut by_imp: Vec<u32> = (0..bid_imp.len() as u32).collect();
        by_imp.sort_by(|&a, &b| {
            bid_imp[a as usize]
                .total_cmp(&bid_imp[b as usize])
                .then(a.cmp(&b))
        });
        let mut suffix_min = by_imp.clone();
        for j in (0..suffix_min.len().saturating_sub(1)).rev() {
            suffix_min[j] = suffix_min[j].min(suffix_min[j + 1]);
        }
        // The most important listed bid: the last of the ascending order with the highest
        // importance is its first in list order.
        let top = by_imp.last().map(|&last| {
            let m = bid_imp[last as usize];
            let j = by_imp.partition_point(|&k| bid_imp[k as usize] < m);
            by_imp[j] as usize
        });
        AgentGg {
            opp: ValueCounts::new(space),
            c,
            imp,
            max_imp,
            min_imp,
            bid_imp,
            by_imp,
            suffix_min,
            top,
            max_opp_imp: 0.0,
            timing: false,
            start: 0.0,
            nash_done: false,
            nash: 0.8,
            lower: 1.0,
            upper: 1.1,
            offer_randomly: true,
        }
    }

    /// Own importance ratio of a bid, in [0, 1] (½ when every bid is as important).
    pub(super) fn ratio(&self, values: &[u32]) -> f64 {
        let range = self.max_imp - self.min_imp;
        if range <= 0.0 {
            return 0.5;
        }
        (importance(&self.imp, values) - self.min_imp) / range
    }

    /// The Nash estimate's clock: starts at the others' second offer, decides 0.003 later.
    fn estimate_nash(&mut self, t: f64) {
        if self.nash_done {
            return;
        }
        if self.timing {
            if t - self.start > 0.003 {
                let range = self.max_imp - self.min_imp;
                let m = if range > 0.0 {
                    (self.max_opp_imp - self.min_imp) / range
                } else {
                    0.5
                };
                self.nash = (1.0 - m) / 1.7 + m;
                self.nash_done = true;
            }
        } else if self.opp.offers > 1 {
            self.timing = true;
            self.start = t;
        }
    }

    /// The offering band's lower and upper ratios at time `t`.
    pub(super) fn thresholds(&mut self, t: f64) {
        let n = self.nash;
        let p = |a: f64| a * (1.0 - n) + n;
        self.lower = if t < 0.01 {
            0.9999
        } else if t < 0.02 {
            0.99
        } else if t < 0.2 {
            0.99 - 0.5 * (t - 0.02)
        } else if t < 0.5 {
            self.offer_randomly = false;
            0.9 - (0.9 - p(0.3)) / 0.3 * (t - 0.2)
        } else if t < 0.9 {
            p(0.3) - (p(0.3) - p(0.15)) / 0.4 * (t - 0.5)
        } else if t < 0.98 {
            (p(0.15) - (p(0.15) - p(0.05)) / 0.08 * (t - 0.9)).max(0.3)
        } else if t < 0.995 {
            (p(0.05) - (p(0.05) - p(0.0)) / 0.015 * (t - 0.98)).max(0.25)
        } else if t < 0.999 {
            (p(0.0) - (p(0.0) - p(-0.35)) / 0.004 * (t - 0.995)).max(0.25)
        } else {
            p(-0.4).max(0.2)
        };
        self.upper = self.lower + 0.1;
    }

    fn select(&self) -> Option<usize> {
        if self.bid_imp.is_empty() {
            return None;
        }
        let range = self.max_imp - self.min_imp;
        let lo = self.lower * range + self.min_imp;
        let hi = self.upper * range + self.min_imp;
        let a = self
            .by_imp
            .partition_point(|&k| self.bid_imp[k as usize] < lo);
        let b = self
            .by_imp
            .partition_point(|&k| self.bid_imp[k as usize] <= hi);
        if a < b {
            let band = &self.by_imp[a..b];
            if self.offer_randomly {
                return band.iter().map(|&k| k as usize).min();
            }
            let mut best = (0u64, usize::MAX);
            let mut found = false;
            for &k in band {
                let k = k as usize;
                let s = self.opp.total(self.c.bids.values(k));
                if !found || s > best.0 || (s == best.0 && k < best.1) {
                    best = (s, k);
                    found = true;
                }
            }
            return Some(best.1);
        }
        if a < self.by_imp.len() {
            return Some(self.suffix_min[a] as usize);
        }
        self.top
    }
}

/// A bid's importance: the sum of its values' importances.
fn importance(imp: &[Vec<f64>], values: &[u32]) -> f64 {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| imp[i][v as usize])
        .sum()
}

impl Negotiator for AgentGg {
    fn act(&mut self, view: &View<'_>) -> Action {
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me {
                self.opp.observe(rec.outcome.indices());
                if !self.nash_done {
                    let x = importance(&self.imp, rec.outcome.indices());
                    self.max_opp_imp = self.max_opp_imp.max(x);
                }
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        if self.opp.offers == 0 {
            return match self.top {
                Some(k) => Action::Offer(self.c.bids.outcome(k)),
                None => Action::EndNegotiation,
            };
        }
        let t = super::clock(view);
        // Responding to the offer on the table.
        if let Some(s) = view.standing.filter(|s| s.party != self.c.me) {
            self.estimate_nash(t);
            self.thresholds(t);
            if self.c.standing_utility(view).is_some()
                && (self.ratio(s.outcome.indices()) >= self.lower || t >= 0.999)
            {
                return Action::Accept;
            }
        }
        // Proposing.
        self.estimate_nash(t);
        self.thresholds(t);
        match self.select() {
            Some(k) => Action::Offer(self.c.bids.outcome(k)),
            None => Action::EndNegotiation,
        }
    }
}
