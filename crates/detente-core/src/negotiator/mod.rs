//! Negotiators: the [`Negotiator`] trait, what a negotiator may see, and the built-in strategies.
//!
//! Private information is enforced by the API: a negotiator is built from a [`NegotiatorInit`],
//! which holds the outcome space and *its own* [`Preferences`] only, and on each turn it gets a
//! [`View`] with the offers made so far. No type reachable from either exposes another party's
//! utility function, reservation value or red lines.

mod anac;
mod bidding;
mod boa;
mod linked_bids;
mod question;
mod strategies;
mod text;

use std::fmt;
use std::str::FromStr;

pub use bidding::{BidSpace, ENUMERATE_LIMIT, Near, OpponentModel, SAMPLE_SIZE};
pub use boa::{
    ACCURACY_LIMIT, Acceptance, BayesianModel, Bidding, Boa, FrequencyModel, ModelKind, OMS_WINDOW,
    OpponentEstimate, model_accuracy, pearson,
};
pub use linked_bids::{LINKED_SEARCH_NODES, LINKED_WINDOW, LinkedBid, LinkedBidSearch};
pub use question::{Answer, Preference, Question, answer_from};
pub use text::{MAX_OBJECTIONS, TextNegotiator, TextView, Verdict};

use crate::error::Error;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::rng::derive_seed;
use crate::scenario::Scenario;

/// What a negotiator does on its turn.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Accept the standing offer.
    Accept,
    /// Replace the standing offer with this outcome.
    Offer(Outcome),
    /// Walk away: the negotiation ends with no agreement.
    EndNegotiation,
}

/// One offer made during a negotiation.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferRecord {
    /// Round (from 0) in which it was made.
    pub round: u32,
    /// Index of the party that made it.
    pub party: usize,
    /// The outcome offered.
    pub outcome: Outcome,
}

/// The negotiation's clock as a negotiator sees it, under every protocol (stacked
/// alternating offers: [`View`]; single text: [`TextView`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Current round (a consultation under single text), from 0.
    pub round: u32,
    /// The deadline: number of rounds.
    pub n_rounds: u32,
}

impl Clock {
    /// Relative time: 0 in the first round, 1 in the last (and 1 when there is one round).
    pub fn time(&self) -> f64 {
        if self.n_rounds <= 1 {
            1.0
        } else {
            f64::from(self.round) / f64::from(self.n_rounds - 1)
        }
    }
}

/// What a negotiator sees on its turn: the clock, the standing offer and the offers made.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// Round and deadline.
    pub clock: Clock,
    /// Every offer made so far, oldest first (the last one is the standing offer, if any).
    pub history: &'a [OfferRecord],
    /// The offer on the table, if any.
    pub standing: Option<&'a OfferRecord>,
}

/// A negotiating agent.
pub trait Negotiator: Send {
    /// Decides what to do on this turn. With no standing offer, [`Action::Accept`] is not
    /// allowed (the mechanism treats it as walking away).
    fn act(&mut self, view: &View<'_>) -> Action;
}

/// Everything a negotiator is given when it is created: its own preferences and nothing more.
#[derive(Clone)]
pub struct NegotiatorInit<'a> {
    /// The outcome space.
    pub space: &'a OutcomeSpace,
    /// The negotiator's own preferences.
    pub preferences: &'a Preferences,
    /// Its party index.
    pub me: usize,
    /// Number of parties in the negotiation.
    pub n_parties: usize,
    /// Seed for its private random choices.
    pub seed: u64,
    /// Its bid space, when the caller built it once for many negotiations (a tournament); it
    /// must have been built from the same space and preferences. `None`: built here.
    pub bids: Option<std::sync::Arc<BidSpace>>,
}

impl<'a> NegotiatorInit<'a> {
    /// What party `me` of `scenario` is given in a negotiation seeded with `seed`: its own
    /// preferences and the private seed `derive_seed(seed, [me])`; no ready-made bid space.
    pub fn for_party(scenario: &'a Scenario, me: usize, seed: u64) -> NegotiatorInit<'a> {
        NegotiatorInit {
            space: scenario.space(),
            preferences: &scenario.parties()[me].preferences,
            me,
            n_parties: scenario.parties().len(),
            seed: derive_seed(seed, &[me as u64]),
            bids: None,
        }
    }
}

/// The one way a negotiation's negotiators are built (stacked alternating offers, single
/// text, tournaments, the Python shell): `build` is called once per party of `scenario`, in
/// party order, with [`NegotiatorInit::for_party`]`(scenario, i, seed)`, so every caller gives
/// party `i` the same seed.
pub fn build_negotiators<'s, T>(
    scenario: &'s Scenario,
    seed: u64,
    build: impl FnMut(NegotiatorInit<'s>) -> T,
) -> Vec<T> {
    (0..scenario.parties().len())
        .map(|i| NegotiatorInit::for_party(scenario, i, seed))
        .map(build)
        .collect()
}

/// The built-in strategies, by name. Each follows its published description; the sources and
/// detente's documented differences are on the implementations (`strategies.rs`, `boa.rs`)
/// and in docs/strategies.md.
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    /// Time-dependent tactic (Faratin et al. 1998) with GENIUS's Boulware exponent e = 0.2:
    /// holds firm, concedes near the deadline; accepts by AC_next.
    Boulware,
    /// Time-dependent tactic with e = 1.
    Linear,
    /// Time-dependent tactic with GENIUS's Conceder exponent e = 2: concedes early.
    Conceder,
    /// Time-dependent tactic with a custom exponent e > 0: target
    /// Pmin + (Pmax − Pmin)(1 − t^(1/e)), the bid nearest to it, AC_next.
    TimeDependent(f64),
    /// Always offers its best outcome and accepts nothing less (GENIUS's e = 0).
    Hardliner,
    /// Random acceptable offers; accepts acceptable offers half of the time.
    Random,
    /// Relative tit-for-tat (Faratin et al. 1998, δ = 1): concedes, in proportion of its own
    /// target, as much as the others' latest offer improved on their previous one.
    TitForTat,
    /// NegMAS's naive tit-for-tat: mirrors the others' concession assuming a zero-sum game.
    NaiveTitForTat,
    /// MiCRO (de Jonge 2022): concedes one outcome at a time, only as fast as the others make
    /// new offers.
    Micro,
    /// AgentK (ANAC 2010 winner): statistical estimate of the best the opponent will give,
    /// probabilistic acceptance (`anac/agentk.rs`).
    AgentK,
    /// HardHeaded (ANAC 2011 winner): very slow Boulware concession, frequency opponent model
    /// (`anac/hardheaded.rs`).
    HardHeaded,
    /// CUHKAgent (ANAC 2012 winner): discount-adaptive threshold, settles at the deadline
    /// (`anac/cuhk.rs`).
    CuhkAgent,
    /// TheFawkes (ANAC 2013 winner): Boulware threshold, bids the opponent model rates highest,
    /// AC_next (`anac/thefawkes.rs`).
    TheFawkes,
    /// Atlas3 (ANAC 2015 winner): three-phase threshold, accepts anything acceptable in its
    /// final turns (`anac/atlas3.rs`).
    Atlas3,
    /// ParsAgent (ANAC 2015, runner-up): Boulware down to 0.7, random bids above its target
    /// and a "mutual" bid from the others' value frequencies.
    ParsAgent,
    /// Caduceus (ANAC 2016 winner): its best bid until t = 0.83, then five weighted
    /// threshold sub-strategies vote on accepting and on the bid.
    Caduceus,
    /// PonPokoAgent (ANAC 2017 winner): one of five random oscillating utility bands, drawn at
    /// the start; random bids in the band, accepts above its floor.
    PonPoko,
    /// AgreeableAgent2018 (ANAC 2018 winner): Boulware (e = 0.1) after t = 0.2, down to 0.8,
    /// bids near its target drawn by a frequency model; AC_next.
    Agreeable,
    /// AgentGG (ANAC 2019 winner): importance maps (own and frequency-based opponent's), a
    /// Nash estimate from the others' first offers, phase-wise bands of importance.
    AgentGg,
    /// A BOA negotiator composed of a bidding strategy, an acceptance condition and an
    /// opponent model (`boa:bid=...,accept=...,model=...`).
    Boa(Box<Boa>),
}

impl Strategy {
    /// Every strategy name `parse` accepts, for help texts.
    pub const NAMES: &'static str = "boulware, linear, conceder, time:E (custom exponent E > 0), hardliner, random, tit-for-tat (relative), naive-tft, micro, agentk, hardheaded, cuhk, thefawkes, atlas3, parsagent, caduceus, ponpoko, agreeable, agentgg, boa:bid=B,accept=A,model=M";

    /// Creates a negotiator following this strategy.
    pub fn build(&self, init: NegotiatorInit<'_>) -> Box<dyn Negotiator> {
        strategies::build(self, init)
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Boulware => f.write_str("boulware"),
            Strategy::Linear => f.write_str("linear"),
            Strategy::Conceder => f.write_str("conceder"),
            // Plain decimals for everyday exponents (names stay stable: they identify
            // tournaments); scientific notation where the decimal would run to hundreds of
            // digits (1e-300). Both read back to the same f64.
            Strategy::TimeDependent(e) if (1e-6..1e15).contains(e) => write!(f, "time:{e}"),
            Strategy::TimeDependent(e) => write!(f, "time:{e:e}"),
            Strategy::Hardliner => f.write_str("hardliner"),
            Strategy::Random => f.write_str("random"),
            Strategy::TitForTat => f.write_str("tit-for-tat"),
            Strategy::NaiveTitForTat => f.write_str("naive-tft"),
            Strategy::Micro => f.write_str("micro"),
            Strategy::AgentK => f.write_str("agentk"),
            Strategy::HardHeaded => f.write_str("hardheaded"),
            Strategy::CuhkAgent => f.write_str("cuhk"),
            Strategy::TheFawkes => f.write_str("thefawkes"),
            Strategy::Atlas3 => f.write_str("atlas3"),
            Strategy::ParsAgent => f.write_str("parsagent"),
            Strategy::Caduceus => f.write_str("caduceus"),
            Strategy::PonPoko => f.write_str("ponpoko"),
            Strategy::Agreeable => f.write_str("agreeable"),
            Strategy::AgentGg => f.write_str("agentgg"),
            Strategy::Boa(b) => b.fmt(f),
        }
    }
}

impl FromStr for Strategy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Strategy, Error> {
        let lower = s.trim().to_ascii_lowercase();
        Ok(match lower.as_str() {
            "boulware" => Strategy::Boulware,
            "linear" => Strategy::Linear,
            "conceder" => Strategy::Conceder,
            "hardliner" => Strategy::Hardliner,
            "random" => Strategy::Random,
            "tit-for-tat" | "titfortat" | "tft" | "relative-tft" | "relative-tit-for-tat" => {
                Strategy::TitForTat
            }
            "naive-tft" | "naive-tit-for-tat" | "naivetft" => Strategy::NaiveTitForTat,
            "micro" => Strategy::Micro,
            "agentk" | "agent-k" => Strategy::AgentK,
            "hardheaded" | "hard-headed" => Strategy::HardHeaded,
            "cuhk" | "cuhkagent" | "cuhk-agent" => Strategy::CuhkAgent,
            "thefawkes" | "the-fawkes" | "fawkes" => Strategy::TheFawkes,
            "atlas3" => Strategy::Atlas3,
            "parsagent" | "pars-agent" => Strategy::ParsAgent,
            "caduceus" => Strategy::Caduceus,
            "ponpoko" | "ponpokoagent" | "ponpoko-agent" => Strategy::PonPoko,
            "agreeable" | "agreeableagent2018" | "agreeable-agent" => Strategy::Agreeable,
            "agentgg" | "agent-gg" => Strategy::AgentGg,
            b if b.starts_with("boa:") => Strategy::Boa(Box::new(b.parse()?)),
            _ => {
                let e = lower
                    .strip_prefix("time:")
                    .or_else(|| lower.strip_prefix("e="))
                    .and_then(|x| x.parse::<f64>().ok())
                    .filter(|e| e.is_finite());
                match e {
                    Some(e) if e > 0.0 => Strategy::TimeDependent(e),
                    Some(e) => {
                        return Err(Error::config(format!(
                            "strategy '{s}': the exponent e = {e} is out of range (e > 0; \
                             hardliner is e = 0)"
                        )));
                    }
                    None => {
                        return Err(Error::config(format!(
                            "unknown strategy '{s}'; valid: {}",
                            Strategy::NAMES
                        )));
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod strategy_tests;
