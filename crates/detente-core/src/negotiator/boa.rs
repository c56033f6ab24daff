//! BOA negotiators (Baarslag, Hindriks, Hendrikx, Dirkzwager & Jonker 2014, "Decoupling
//! negotiating agents to explore the space of negotiation strategies"): a **B**idding strategy,
//! an **O**pponent model and an **A**cceptance condition, chosen separately and composed.
//!
//! Spelled `boa:bid=B,accept=A,model=M` (see [`Boa`]'s `FromStr`), e.g.
//! `boa:bid=time:0.2,accept=combi:0.98,model=frequency`. The opponent model learns from the
//! others' offers only (no negotiator ever sees another party's preferences); when one is
//! chosen, the bidding strategy proposes, among its bids within [`OMS_WINDOW`] of its target,
//! the one the model rates highest (GENIUS's `BestBid` opponent-model strategy over a window).
//! [`model_accuracy`] measures a model as the literature does: the Pearson correlation of the
//! estimated and the true utility over the outcome space.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;

use super::strategies::{Common, time_target};
use super::{Action, Negotiator, View};
use crate::TIE_EPS;
use crate::error::Error;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::UtilityFunction;

/// With an opponent model, bids within this much own utility of the target are candidates.
pub const OMS_WINDOW: f64 = 0.02;

/// A composed BOA negotiator: bidding strategy, acceptance condition, opponent model.
#[derive(Clone, Debug, PartialEq)]
pub struct Boa {
    /// What to propose.
    pub bid: Bidding,
    /// When to accept.
    pub accept: Acceptance,
    /// How to model the others (used to choose among bids of about the target utility).
    pub model: ModelKind,
}

/// BOA bidding strategies.
#[derive(Clone, Debug, PartialEq)]
pub enum Bidding {
    /// Faratin et al.'s time-dependent tactic with exponent e > 0 (see `Strategy::TimeDependent`):
    /// target Pmin + (Pmax − Pmin)(1 − t^(1/e)), the bid nearest to it.
    Time(f64),
    /// Always its best bid (e = 0).
    Hardliner,
    /// A uniformly random acceptable bid.
    Random,
}

/// BOA acceptance conditions (Baarslag, Hindriks & Jonker 2011, "Acceptance conditions in
/// automated negotiation"). Every condition also requires the offer to be acceptable (no red
/// line crossed, at least the reservation value).
#[derive(Clone, Debug, PartialEq)]
pub enum Acceptance {
    /// AC_next(α, β): accept when α·u(offer) + β ≥ u(the bid one would make now).
    Next {
        /// α > 0.
        alpha: f64,
        /// β.
        beta: f64,
    },
    /// AC_const(c): accept when u(offer) ≥ c.
    Const(f64),
    /// AC_time(T): accept any acceptable offer once t ≥ T.
    Time(f64),
    /// AC_combi(T, MAX^W): AC_next, or, once t ≥ T, an offer at least as good as the best one
    /// received in the last window of time W = 1 − t.
    Combi(f64),
}

/// Opponent models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// No model: bids are chosen by own utility alone.
    None,
    /// HardHeaded's frequency model (van Krimpen, Looije & Hajizadeh 2013; GENIUS's
    /// `HardHeadedFrequencyModel`), see [`FrequencyModel`].
    Frequency,
    /// Bayesian learning after Hindriks & Tykhonov (2008), scalable variant, see
    /// [`BayesianModel`].
    Bayesian,
}

impl ModelKind {
    /// An empty model of this kind over `space` (`None` for [`ModelKind::None`]).
    pub fn build(self, space: &OutcomeSpace) -> Option<Box<dyn OpponentEstimate>> {
        match self {
            ModelKind::None => None,
            ModelKind::Frequency => Some(Box::new(FrequencyModel::new(space))),
            ModelKind::Bayesian => Some(Box::new(BayesianModel::new(space))),
        }
    }
}

/// What a learned opponent model offers: observe the opponent's offers, estimate its utility.
pub trait OpponentEstimate: Send {
    /// Records the opponent's next offer.
    fn observe(&mut self, offer: &Outcome);
    /// Estimated opponent utility of an outcome (value indices), in [0, 1].
    fn estimate(&self, values: &[u32]) -> f64;
}

/// HardHeaded's frequency model: issue weights start equal; when an issue keeps its value
/// between the opponent's consecutive offers its weight grows by the golden value 0.2/n (then
/// all weights are renormalised); each offered value's count grows by 1 (counts start at 1).
/// Estimate: Σ wᵢ·countᵢ(v)/maxᵢ count.
pub struct FrequencyModel {
    weights: Vec<f64>,
    counts: Vec<Vec<f64>>,
    max: Vec<f64>,
    last: Option<Outcome>,
}

impl FrequencyModel {
    /// HardHeaded's learning coefficient.
    pub const LEARN_COEF: f64 = 0.2;

    /// An empty model.
    pub fn new(space: &OutcomeSpace) -> FrequencyModel {
        let n = space.issues().len().max(1);
        FrequencyModel {
            weights: vec![1.0 / n as f64; space.issues().len()],
            counts: space
                .issues()
                .iter()
                .map(|i| vec![1.0; i.n_values() as usize])
                .collect(),
            max: vec![1.0; space.issues().len()],
            last: None,
        }
    }
}

impl OpponentEstimate for FrequencyModel {
    fn observe(&mut self, offer: &Outcome) {
        let n = self.weights.len();
        if let Some(prev) = &self.last {
            let golden = Self::LEARN_COEF / n as f64;
            let unchanged: Vec<bool> = prev
                .indices()
                .iter()
                .zip(offer.indices())
                .map(|(a, b)| a == b)
                .collect();
            let n_unchanged = unchanged.iter().filter(|&&u| u).count();
            let total = 1.0 + golden * n_unchanged as f64;
            let max_weight = 1.0 - n as f64 * golden / total;
            for (w, &u) in self.weights.iter_mut().zip(&unchanged) {
                *w = if u && *w < max_weight {
                    (*w + golden) / total
                } else {
                    *w / total
                };
            }
        }
        for (i, &v) in offer.indices().iter().enumerate() {
            let c = &mut self.counts[i][v as usize];
            *c += 1.0;
            self.max[i] = self.max[i].max(*c);
        }
        self.last = Some(offer.clone());
    }

    fn estimate(&self, values: &[u32]) -> f64 {
        let sum_w: f64 = self.weights.iter().sum();
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| self.weights[i] / sum_w * self.counts[i][v as usize] / self.max[i])
            .sum()
    }
}

/// Bayesian learning of the opponent's preferences after Hindriks & Tykhonov (2008,
/// "Opponent modelling in automated multi-issue negotiation using Bayesian learning"), in its
/// scalable form: each issue independently keeps a distribution over evaluation hypotheses —
/// triangular functions over the issue's value order peaking at each value (the first and last
/// are H&T's downhill and uphill shapes) — and over weight hypotheses (11 levels 0, 0.1, …, 1).
/// Like H&T it assumes the opponent concedes: the predicted utility of its k-th offer is
/// max(0.5, 1 − 0.01·k), and an hypothesis's likelihood is a Gaussian (σ = 0.15) of the gap
/// between the utility it gives that offer (other issues at their expected contribution) and
/// the prediction. Estimate: Σ E[wᵢ]·E[eᵢ(v)], weights normalised.
pub struct BayesianModel {
    /// Per issue: posterior over peak positions (evaluation hypotheses).
    peaks: Vec<Vec<f64>>,
    /// Per issue: posterior over the weight levels.
    weights: Vec<Vec<f64>>,
    n_values: Vec<usize>,
    n_offers: u32,
}

const WEIGHT_LEVELS: usize = 11;
const SIGMA: f64 = 0.15;

impl BayesianModel {
    /// An empty model (uniform priors).
    pub fn new(space: &OutcomeSpace) -> BayesianModel {
        let n_values: Vec<usize> = space
            .issues()
            .iter()
            .map(|i| i.n_values() as usize)
            .collect();
        BayesianModel {
            peaks: n_values.iter().map(|&n| vec![1.0 / n as f64; n]).collect(),
            weights: n_values
                .iter()
                .map(|_| vec![1.0 / WEIGHT_LEVELS as f64; WEIGHT_LEVELS])
                .collect(),
            n_values,
            n_offers: 0,
        }
    }

    /// Evaluation of value `v` under the hypothesis "peak at `p`", of `n` values.
    fn eval(n: usize, p: usize, v: usize) -> f64 {
        if n <= 1 {
            1.0
        } else {
            1.0 - p.abs_diff(v) as f64 / (n - 1) as f64
        }
    }

    fn level(k: usize) -> f64 {
        k as f64 / (WEIGHT_LEVELS - 1) as f64
    }

    fn expected_weight(&self, i: usize) -> f64 {
        self.weights[i]
            .iter()
            .enumerate()
            .map(|(k, p)| p * Self::level(k))
            .sum()
    }

    fn expected_eval(&self, i: usize, v: usize) -> f64 {
        let n = self.n_values[i];
        self.peaks[i]
            .iter()
            .enumerate()
            .map(|(p, q)| q * Self::eval(n, p, v))
            .sum()
    }
}

impl OpponentEstimate for BayesianModel {
    fn observe(&mut self, offer: &Outcome) {
        let predicted = (1.0 - 0.01 * f64::from(self.n_offers)).max(0.5);
        self.n_offers += 1;
        let vals = offer.indices();
        let m = vals.len();
        let ew: Vec<f64> = (0..m).map(|i| self.expected_weight(i)).collect();
        let ee: Vec<f64> = (0..m)
            .map(|i| self.expected_eval(i, vals[i] as usize))
            .collect();
        let total_w: f64 = ew.iter().sum::<f64>().max(1e-9);
        let contrib: Vec<f64> = (0..m).map(|i| ew[i] * ee[i]).collect();
        let sum_contrib: f64 = contrib.iter().sum();
        let likelihood = |u: f64| (-(u - predicted).powi(2) / (2.0 * SIGMA * SIGMA)).exp();
        for i in 0..m {
            let rest = sum_contrib - contrib[i];
            let n = self.n_values[i];
            let v = vals[i] as usize;
            // Evaluation hypotheses of issue i, its weight at its expectation.
            for (p, q) in self.peaks[i].iter_mut().enumerate() {
                *q *= likelihood((rest + ew[i] * Self::eval(n, p, v)) / total_w);
            }
            normalise(&mut self.peaks[i]);
            // Weight hypotheses of issue i, its evaluation at its expectation.
            for (k, q) in self.weights[i].iter_mut().enumerate() {
                let w = Self::level(k);
                let tw = (total_w - ew[i] + w).max(1e-9);
                *q *= likelihood((rest + w * ee[i]) / tw);
            }
            normalise(&mut self.weights[i]);
        }
    }

    fn estimate(&self, values: &[u32]) -> f64 {
        let ew: Vec<f64> = (0..values.len()).map(|i| self.expected_weight(i)).collect();
        let total: f64 = ew.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| ew[i] / total * self.expected_eval(i, v as usize))
            .sum()
    }
}

fn normalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 && s.is_finite() {
        for x in p.iter_mut() {
            *x /= s;
        }
    } else {
        let u = 1.0 / p.len() as f64;
        p.fill(u);
    }
}

/// Pearson correlation of two equally long samples; `None` when shorter than 2 or either is
/// constant.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len();
    if n < 2 || n != ys.len() {
        return None;
    }
    let mx = xs.iter().sum::<f64>() / n as f64;
    let my = ys.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

/// Most outcomes [`model_accuracy`] enumerates.
pub const ACCURACY_LIMIT: u64 = 1_000_000;

/// Opponent-model accuracy as in the literature (Baarslag et al. 2013, "Predicting the
/// performance of opponent models"): the Pearson correlation between the model's estimate and
/// the opponent's true utility over every outcome of `space`. `None` for spaces of more than
/// [`ACCURACY_LIMIT`] outcomes or a constant estimate. This is an analyst's measure: it reads
/// the opponent's true utility function, which no negotiator ever gets.
pub fn model_accuracy(
    space: &OutcomeSpace,
    model: &dyn OpponentEstimate,
    truth: &UtilityFunction,
) -> Option<f64> {
    let count = space
        .issues()
        .iter()
        .try_fold(1u64, |acc, i| acc.checked_mul(u64::from(i.n_values())))?;
    if count > ACCURACY_LIMIT || count == 0 {
        return None;
    }
    let sizes: Vec<u32> = space.issues().iter().map(|i| i.n_values()).collect();
    let mut cur = vec![0u32; sizes.len()];
    let (mut est, mut tru) = (Vec::new(), Vec::new());
    loop {
        est.push(model.estimate(&cur));
        tru.push(truth.eval(&Outcome::new(cur.clone())));
        let mut i = sizes.len();
        loop {
            if i == 0 {
                return pearson(&est, &tru);
            }
            i -= 1;
            cur[i] += 1;
            if cur[i] < sizes[i] {
                break;
            }
            cur[i] = 0;
        }
    }
}

impl Boa {
    /// The valid spellings, for error messages and help texts.
    pub const SYNTAX: &'static str = "boa:bid=B,accept=A,model=M with B one of time:E (E > 0), \
         boulware, linear, conceder, hardliner, random; A one of next, next:ALPHA:BETA \
         (ALPHA > 0), const:C (C >= 0), time:T, combi:T (T in [0, 1]); M one of none, \
         frequency, bayesian (accept defaults to next, model to none)";
}

impl fmt::Display for Boa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boa:bid=")?;
        match &self.bid {
            Bidding::Time(e) => write!(f, "time:{e}")?,
            Bidding::Hardliner => f.write_str("hardliner")?,
            Bidding::Random => f.write_str("random")?,
        }
        f.write_str(",accept=")?;
        match &self.accept {
            Acceptance::Next { alpha, beta } if *alpha == 1.0 && *beta == 0.0 => {
                f.write_str("next")?
            }
            Acceptance::Next { alpha, beta } => write!(f, "next:{alpha}:{beta}")?,
            Acceptance::Const(c) => write!(f, "const:{c}")?,
            Acceptance::Time(t) => write!(f, "time:{t}")?,
            Acceptance::Combi(t) => write!(f, "combi:{t}")?,
        }
        f.write_str(",model=")?;
        f.write_str(match self.model {
            ModelKind::None => "none",
            ModelKind::Frequency => "frequency",
            ModelKind::Bayesian => "bayesian",
        })
    }
}

impl FromStr for Boa {
    type Err = Error;

    /// Parses `boa:bid=B,accept=A,model=M` (the `boa:` prefix optional here; keys in any
    /// order, `bid` required).
    fn from_str(s: &str) -> Result<Boa, Error> {
        let lower = s.trim().to_ascii_lowercase();
        let body = lower.strip_prefix("boa:").unwrap_or(&lower);
        let bad = |what: String| Error::config(format!("{what}; expected {}", Boa::SYNTAX));
        let (mut bid, mut accept, mut model) = (None, None, None);
        for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(bad(format!("BOA part '{part}' is not KEY=VALUE")));
            };
            let (k, v) = (k.trim(), v.trim());
            let seen = match k {
                "bid" => bid.replace(parse_bid(v).map_err(&bad)?).is_some(),
                "accept" => accept.replace(parse_accept(v).map_err(&bad)?).is_some(),
                "model" => model.replace(parse_model(v).map_err(&bad)?).is_some(),
                _ => return Err(bad(format!("unknown BOA component '{k}'"))),
            };
            if seen {
                return Err(bad(format!("BOA component '{k}' is given twice")));
            }
        }
        Ok(Boa {
            bid: bid.ok_or_else(|| bad("a BOA negotiator needs bid=...".into()))?,
            accept: accept.unwrap_or(Acceptance::Next {
                alpha: 1.0,
                beta: 0.0,
            }),
            model: model.unwrap_or(ModelKind::None),
        })
    }
}

fn number(s: &str, what: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{what} '{s}' is not a finite number"))
}

fn parse_bid(v: &str) -> Result<Bidding, String> {
    Ok(match v {
        "boulware" => Bidding::Time(0.2),
        "linear" => Bidding::Time(1.0),
        "conceder" => Bidding::Time(2.0),
        "hardliner" => Bidding::Hardliner,
        "random" => Bidding::Random,
        _ => match v.strip_prefix("time:") {
            Some(e) => {
                let e = number(e, "exponent e")?;
                if e <= 0.0 {
                    return Err(format!(
                        "exponent e = {e} is out of range (e > 0; hardliner is e = 0)"
                    ));
                }
                Bidding::Time(e)
            }
            None => return Err(format!("unknown bidding strategy '{v}'")),
        },
    })
}

fn parse_accept(v: &str) -> Result<Acceptance, String> {
    let (name, args) = v.split_once(':').unwrap_or((v, ""));
    let unit = |x: &str, what: &str| -> Result<f64, String> {
        let t = number(x, what)?;
        if (0.0..=1.0).contains(&t) {
            Ok(t)
        } else {
            Err(format!("{what} {t} is out of range [0, 1]"))
        }
    };
    Ok(match name {
        "next" if args.is_empty() => Acceptance::Next {
            alpha: 1.0,
            beta: 0.0,
        },
        "next" => {
            let Some((a, b)) = args.split_once(':') else {
                return Err(format!("'{v}': AC_next takes next or next:ALPHA:BETA"));
            };
            let alpha = number(a, "alpha")?;
            if alpha <= 0.0 {
                return Err(format!("alpha {alpha} is out of range (alpha > 0)"));
            }
            Acceptance::Next {
                alpha,
                beta: number(b, "beta")?,
            }
        }
        "const" => {
            let c = number(args, "constant c")?;
            if c < 0.0 {
                return Err(format!("constant c = {c} is out of range (c >= 0)"));
            }
            Acceptance::Const(c)
        }
        "time" => Acceptance::Time(unit(args, "time T")?),
        "combi" => Acceptance::Combi(unit(args, "time T")?),
        _ => return Err(format!("unknown acceptance condition '{v}'")),
    })
}

fn parse_model(v: &str) -> Result<ModelKind, String> {
    Ok(match v {
        "none" => ModelKind::None,
        "frequency" | "hardheaded" => ModelKind::Frequency,
        "bayesian" => ModelKind::Bayesian,
        _ => return Err(format!("unknown opponent model '{v}'")),
    })
}

/// A negotiator composed from a [`Boa`] spec.
pub(super) struct BoaNegotiator {
    c: Common,
    spec: Boa,
    model: Option<Box<dyn OpponentEstimate>>,
    /// (relative time, own utility) of each offer the others made, for AC_combi's window.
    received: Vec<(f64, f64)>,
}

impl BoaNegotiator {
    pub(super) fn new(spec: &Boa, c: Common, space: &OutcomeSpace) -> BoaNegotiator {
        BoaNegotiator {
            model: spec.model.build(space),
            c,
            spec: spec.clone(),
            received: Vec::new(),
        }
    }

    /// The bid to make now and its own utility.
    fn plan(&mut self, t: f64) -> Option<(Outcome, f64)> {
        let bids = &self.c.bids;
        if bids.is_empty() {
            return None;
        }
        let target = match self.spec.bid {
            Bidding::Time(e) => time_target(self.c.best(), self.c.floor(), e, t),
            Bidding::Hardliner => self.c.best(),
            Bidding::Random => {
                let k = self.c.rng.random_range(0..bids.len());
                return Some((bids.outcome(k), bids.utility(k)));
            }
        };
        if let Some(model) = self.model.as_ref().filter(|_| !self.received.is_empty())
            && bids.exhaustive
        {
            // Among bids within the window of the target, the one the model rates highest.
            let k0 = bids.nearest(target)?;
            let u0 = bids.utility(k0);
            let (mut best, mut best_score) = (k0, f64::MIN);
            let lo = (0..bids.len()).partition_point_by(|k| bids.utility(k) > u0 + OMS_WINDOW);
            let hi = (0..bids.len()).partition_point_by(|k| bids.utility(k) >= u0 - OMS_WINDOW);
            for k in lo..hi {
                let s = model.estimate(bids.outcome(k).indices());
                if s > best_score + TIE_EPS {
                    best = k;
                    best_score = s;
                }
            }
            return Some((bids.outcome(best), bids.utility(best)));
        }
        self.c.planned_near(target)
    }

    fn accepts(&self, u: f64, t: f64, planned: f64) -> bool {
        match self.spec.accept {
            Acceptance::Next { alpha, beta } => alpha * u + beta >= planned - TIE_EPS,
            Acceptance::Const(c) => u >= c - TIE_EPS,
            Acceptance::Time(tt) => t >= tt,
            Acceptance::Combi(tt) => {
                if u >= planned - TIE_EPS {
                    return true;
                }
                if t < tt {
                    return false;
                }
                let from = t - (1.0 - t);
                // The offers of the window are the latest ones: walk back only over them.
                let best = self
                    .received
                    .iter()
                    .rev()
                    .take_while(|(ti, _)| *ti >= from)
                    .map(|&(_, ui)| ui)
                    .fold(f64::MIN, f64::max);
                u >= best - TIE_EPS
            }
        }
    }
}

/// `partition_point` over an index range by a predicate on the index.
trait PartitionBy {
    fn partition_point_by(self, pred: impl Fn(usize) -> bool) -> usize;
}

impl PartitionBy for std::ops::Range<usize> {
    fn partition_point_by(self, pred: impl Fn(usize) -> bool) -> usize {
        let (mut lo, mut hi) = (self.start, self.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

impl Negotiator for BoaNegotiator {
    fn act(&mut self, view: &View<'_>) -> Action {
        let n = view.clock.n_rounds;
        for rec in &view.history[self.c.seen..] {
            if rec.party != self.c.me {
                if let Some(m) = self.model.as_mut() {
                    m.observe(&rec.outcome);
                }
                let t = if n <= 1 {
                    1.0
                } else {
                    f64::from(rec.round) / f64::from(n - 1)
                };
                self.received.push((t, self.c.prefs.utility(&rec.outcome)));
            }
        }
        self.c.update(view);
        if let Some(a) = self.c.cut_losses(view) {
            return a;
        }
        let t = view.clock.time();
        let Some((planned, u_planned)) = self.plan(t) else {
            return Action::EndNegotiation;
        };
        if let Some(u) = self.c.offered_utility(view)
            && self.accepts(u, t, u_planned)
        {
            return Action::Accept;
        }
        Action::Offer(planned)
    }
}
