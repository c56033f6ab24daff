//! Mechanisms: the rules of a negotiation, and the events they emit.
//!
//! [`Sao`] is the stacked alternating offers protocol used by ANAC and NegMAS, for any number
//! of parties: parties take turns in a fixed order; on its turn a party accepts the standing
//! offer, replaces it with a counter-offer, or walks away. An offer becomes the agreement once
//! every other party has accepted it in turn. A round is one turn of every party; at the
//! deadline the negotiation ends without agreement and each party gets its reservation value.
//! Payoffs are discounted with GENIUS's semantics (see [`Preferences`](crate::Preferences)): an
//! agreement of utility u in round k of n is worth u·dᵗ with t = k/(n−1); walking away in round
//! k is worth r·dᵗ, and a passed deadline r·d.
//!
//! Every happening is an [`Event`] (a closed enum), sent to an observer as it happens and
//! collected in the result's trace. The mechanism holds every party's preferences only to score
//! the result; negotiators never see them.

mod blind;
mod single_text;
mod trusted;

pub use single_text::{
    Consultation, DraftVersion, MediatorStrategy, SingleText, SingleTextConfig, SingleTextResult,
    run_single_text, suggest_feedback_draft,
};
pub use trusted::{
    Coalition, Confided, Improvement, MAX_LISTED_IMPROVEMENTS, Proposal, Shortfall, Solution,
    TrustedNeutral, package_from_names,
};

use crate::error::{Error, ErrorKind};
use crate::negotiator::{
    Action, Clock, Negotiator, OfferRecord, Strategy, Verdict, View, build_negotiators,
};
use crate::outcome::Outcome;
use crate::scenario::Scenario;

/// Something that happened in a negotiation.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A party put an outcome on the table.
    Offer {
        /// Round, from 0.
        round: u32,
        /// Party index.
        party: usize,
        /// The outcome.
        outcome: Outcome,
    },
    /// A party accepted the standing offer.
    Accept {
        /// Round, from 0.
        round: u32,
        /// Party index.
        party: usize,
    },
    /// A party walked away.
    EndNegotiation {
        /// Round, from 0.
        round: u32,
        /// Party index.
        party: usize,
        /// Why, when the mechanism ended it on the party's behalf.
        reason: Option<String>,
    },
    /// Everybody accepted the same outcome.
    Agreement {
        /// Round, from 0.
        round: u32,
        /// The agreed outcome.
        outcome: Outcome,
    },
    /// The deadline passed without agreement.
    Timeout {
        /// Number of rounds played.
        rounds: u32,
    },
    /// Single text: the mediator meets some parties to consult them on the current draft.
    Consult {
        /// Round (consultation), from 0.
        round: u32,
        /// Indices of the parties consulted.
        parties: Vec<usize>,
        /// Index of the scenario meeting this consultation follows, if any.
        meeting: Option<usize>,
        /// Version of the draft on the table.
        version: u32,
    },
    /// Single text: one party's answer on the current draft.
    Verdict {
        /// Round (consultation), from 0.
        round: u32,
        /// Party index.
        party: usize,
        /// The party's answer.
        verdict: Verdict,
    },
    /// Single text: the mediator put a new version of the draft on the table.
    Draft {
        /// Round (consultation), from 0.
        round: u32,
        /// The new version number (the starting draft is version 0).
        version: u32,
        /// The full draft.
        outcome: Outcome,
        /// Clause-level diff from the previous version: `(issue, old value, new value)`.
        changes: Vec<(usize, u32, u32)>,
    },
}

/// How a mechanism reports events as they happen (a progress bar, a store writer, a trace).
pub trait Observer {
    /// Called once per event, in order. Observers cannot change the negotiation.
    fn on_event(&mut self, event: &Event);
}

impl<F: FnMut(&Event)> Observer for F {
    fn on_event(&mut self, event: &Event) {
        self(event)
    }
}

/// The longest deadline a negotiation may have, in rounds. A negotiation keeps its trace and
/// the offers made (which negotiators see) in memory, so the deadline bounds memory: about
/// 100 bytes per party and round, 200 MB for two parties at this limit.
pub const MAX_ROUNDS: u32 = 1_000_000;

/// Checks a deadline: from 1 to [`MAX_ROUNDS`] rounds.
pub(crate) fn check_rounds(rounds: u32) -> Result<(), Error> {
    if rounds == 0 {
        return Err(Error::config("the deadline must be at least 1 round"));
    }
    if rounds > MAX_ROUNDS {
        return Err(Error::config(format!(
            "the deadline of {rounds} rounds is more than the {MAX_ROUNDS} allowed (a \
             negotiation's trace and offers are kept in memory)"
        )));
    }
    Ok(())
}

/// Knobs of the stacked alternating offers protocol.
#[derive(Clone, Debug)]
pub struct SaoConfig {
    /// Deadline in rounds (each party acts once per round).
    pub rounds: u32,
    /// Seed from which each negotiator's private seed is derived.
    pub seed: u64,
}

/// The result of a negotiation.
#[derive(Clone, Debug, PartialEq)]
pub struct NegotiationResult {
    /// The agreed outcome, if any.
    pub agreement: Option<Outcome>,
    /// The round of the agreement, or of the end.
    pub rounds: u32,
    /// Each party's payoff: its discounted utility of the agreement, or its reservation value
    /// discounted to the moment the negotiation ended (the deadline counts as t = 1).
    pub utilities: Vec<f64>,
    /// The party that walked away, if one did.
    pub ended_by: Option<usize>,
    /// Every event, in order.
    pub trace: Vec<Event>,
    /// Why the mechanism stopped the negotiation before its rules ended it (its step budget
    /// ran out); `None` for a negotiation that ended by agreement, walk-away or deadline.
    pub halted: Option<Halt>,
}

/// Why a mechanism stopped a negotiation before its rules ended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Halt {
    /// The negotiation needed more than its step budget (`Sao::with_max_steps`,
    /// `SingleText::with_max_steps`) allows.
    StepBudget {
        /// The budget: most steps the negotiation could take.
        max_steps: u64,
    },
}

/// The events of one run: each goes to the observer as it happens and into the trace, and
/// those that are negotiator steps spend the step budget first.
pub(crate) struct Log<'o> {
    observer: &'o mut dyn Observer,
    pub(crate) trace: Vec<Event>,
    steps: Steps,
}

impl<'o> Log<'o> {
    pub(crate) fn new(observer: &'o mut dyn Observer, max_steps: Option<u64>) -> Log<'o> {
        Log {
            observer,
            trace: Vec::new(),
            steps: Steps::new(max_steps),
        }
    }

    /// Records an event that is not a step.
    pub(crate) fn note(&mut self, e: Event) {
        self.observer.on_event(&e);
        self.trace.push(e);
    }

    /// Takes one step of the budget; `Err` with the reason to halt when it is spent.
    pub(crate) fn take_step(&mut self) -> Result<(), Halt> {
        self.steps.take()
    }

    /// Records a step's event, or leaves it unrecorded and says why to halt when the budget
    /// is spent.
    pub(crate) fn step(&mut self, e: Event) -> Result<(), Halt> {
        self.take_step()?;
        self.note(e);
        Ok(())
    }
}

/// A step budget: `None` is unlimited. A mechanism spends one step per negotiator action
/// (SAO: a turn; single text: a verdict or a new draft version).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Steps {
    max: Option<u64>,
    taken: u64,
}

impl Steps {
    pub(crate) fn new(max: Option<u64>) -> Steps {
        Steps { max, taken: 0 }
    }

    /// Takes one step; `Err` with the reason to halt when the budget is spent.
    pub(crate) fn take(&mut self) -> Result<(), Halt> {
        match self.max {
            Some(max) if self.taken >= max => Err(Halt::StepBudget { max_steps: max }),
            _ => {
                self.taken += 1;
                Ok(())
            }
        }
    }
}

/// A negotiation mechanism, run to its end.
pub trait Mechanism {
    /// Runs the negotiation, reporting each event to `observer`.
    fn run(&mut self, observer: &mut dyn Observer) -> NegotiationResult;
}

/// The stacked alternating offers protocol (see the module docs).
pub struct Sao<'a> {
    scenario: &'a Scenario,
    negotiators: Vec<Box<dyn Negotiator>>,
    rounds: u32,
    max_steps: Option<u64>,
}

impl<'a> Sao<'a> {
    /// A negotiation over `scenario` where party `i` is played by `negotiators[i]`.
    ///
    /// # Errors
    /// When the number of negotiators differs from the number of parties, there are fewer than
    /// two, or `rounds` is 0 or more than [`MAX_ROUNDS`].
    pub fn new(
        scenario: &'a Scenario,
        negotiators: Vec<Box<dyn Negotiator>>,
        rounds: u32,
    ) -> Result<Sao<'a>, Error> {
        if negotiators.len() != scenario.parties().len() {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: format!(
                    "{} negotiators for {} parties",
                    negotiators.len(),
                    scenario.parties().len()
                ),
            }));
        }
        if negotiators.len() < 2 {
            return Err(Error::config("alternating offers needs at least 2 parties"));
        }
        check_rounds(rounds)?;
        Ok(Sao {
            scenario,
            negotiators,
            rounds,
            max_steps: None,
        })
    }

    /// Gives the negotiation a step budget: at most `max_steps` turns (offers, acceptances,
    /// walk-aways) in all. A negotiation that needs one more turn stops without agreement,
    /// before that turn is played, with [`NegotiationResult::halted`] set. `None` (the default)
    /// leaves only the deadline.
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: Option<u64>) -> Sao<'a> {
        self.max_steps = max_steps;
        self
    }
}

impl Mechanism for Sao<'_> {
    fn run(&mut self, observer: &mut dyn Observer) -> NegotiationResult {
        let n = self.negotiators.len();
        let space = self.scenario.space();
        // Room for a short negotiation's events and offers up front (growing from empty
        // reallocates and copies several times); long ones grow as before.
        let expected = (self.rounds as usize).saturating_mul(n).min(2048);
        let mut history: Vec<OfferRecord> = Vec::with_capacity(expected);
        let mut accepted = 0usize;
        let mut log = Log::new(observer, self.max_steps);
        log.trace.reserve(expected + 2);
        for round in 0..self.rounds {
            for party in 0..n {
                if let Err(halt) = log.take_step() {
                    return halted(self.scenario, round, self.rounds, log.trace, halt);
                }
                let standing = history.last();
                let view = View {
                    clock: Clock {
                        round,
                        n_rounds: self.rounds,
                    },
                    history: &history,
                    standing,
                };
                let action = self.negotiators[party].act(&view);
                let end = |reason: Option<String>| Event::EndNegotiation {
                    round,
                    party,
                    reason,
                };
                match action {
                    Action::Accept if standing.is_some() => {
                        log.note(Event::Accept { round, party });
                        accepted += 1;
                        if accepted == n - 1 {
                            let outcome = standing
                                .map(|r| r.outcome.clone())
                                .unwrap_or_else(|| Outcome::new(Vec::new()));
                            log.note(Event::Agreement {
                                round,
                                outcome: outcome.clone(),
                            });
                            let utilities = payoffs(self.scenario, &outcome, round, self.rounds);
                            return NegotiationResult {
                                agreement: Some(outcome),
                                rounds: round + 1,
                                utilities,
                                ended_by: None,
                                trace: log.trace,
                                halted: None,
                            };
                        }
                    }
                    Action::Accept => {
                        log.note(end(Some("accepted with no offer on the table".into())));
                        return ended(self.scenario, round, self.rounds, party, log.trace);
                    }
                    Action::EndNegotiation => {
                        log.note(end(None));
                        return ended(self.scenario, round, self.rounds, party, log.trace);
                    }
                    Action::Offer(outcome) => {
                        if let Err(e) = space.check(&outcome) {
                            log.note(end(Some(e.to_string())));
                            return ended(self.scenario, round, self.rounds, party, log.trace);
                        }
                        history.push(OfferRecord {
                            round,
                            party,
                            outcome: outcome.clone(),
                        });
                        log.note(Event::Offer {
                            round,
                            party,
                            outcome,
                        });
                        accepted = 0;
                    }
                }
            }
        }
        log.note(Event::Timeout {
            rounds: self.rounds,
        });
        NegotiationResult {
            agreement: None,
            rounds: self.rounds,
            utilities: disagreement(self.scenario, self.rounds, self.rounds),
            ended_by: None,
            trace: log.trace,
            halted: None,
        }
    }
}

/// Each party's payoff for an agreement on `outcome` in `round` of a negotiation with a
/// deadline of `n_rounds`: its utility times its discount factor at that time.
pub(crate) fn payoffs(
    scenario: &Scenario,
    outcome: &Outcome,
    round: u32,
    n_rounds: u32,
) -> Vec<f64> {
    scenario
        .parties()
        .iter()
        .map(|p| {
            p.preferences
                .discounted(p.preferences.utility(outcome), round, n_rounds)
        })
        .collect()
}

/// Each party's payoff when the negotiation ends without agreement in `round` of `n_rounds`
/// (a round at or past the deadline counts as t = 1): its reservation value, discounted.
pub(crate) fn disagreement(scenario: &Scenario, round: u32, n_rounds: u32) -> Vec<f64> {
    scenario
        .parties()
        .iter()
        .map(|p| p.preferences.discounted_reservation(round, n_rounds))
        .collect()
}

/// The result of a negotiation that `party` ended (walked away) in `round` of `n_rounds`.
pub(crate) fn ended(
    scenario: &Scenario,
    round: u32,
    n_rounds: u32,
    party: usize,
    trace: Vec<Event>,
) -> NegotiationResult {
    NegotiationResult {
        agreement: None,
        rounds: round + 1,
        utilities: disagreement(scenario, round, n_rounds),
        ended_by: Some(party),
        trace,
        halted: None,
    }
}

/// The result of a negotiation the mechanism stopped in `round` of `n_rounds` (see [`Halt`]):
/// no agreement, each party's reservation value discounted to that round.
pub(crate) fn halted(
    scenario: &Scenario,
    round: u32,
    n_rounds: u32,
    trace: Vec<Event>,
    halt: Halt,
) -> NegotiationResult {
    NegotiationResult {
        agreement: None,
        rounds: round + 1,
        utilities: disagreement(scenario, round, n_rounds),
        ended_by: None,
        trace,
        halted: Some(halt),
    }
}

/// Runs the stacked alternating offers protocol with the built-in `strategies` (one per party,
/// in party order). Negotiator `i` gets the seed `derive_seed(config.seed, [i])`
/// ([`build_negotiators`]).
///
/// # Errors
/// When the strategy count does not match the parties or the deadline is 0.
pub fn run_sao(
    scenario: &Scenario,
    strategies: &[Strategy],
    config: &SaoConfig,
) -> Result<NegotiationResult, Error> {
    run_sao_observed(scenario, strategies, config, &mut |_: &Event| {})
}

/// Like [`run_sao`], reporting each event to `observer` as it happens.
///
/// # Errors
/// As [`run_sao`].
pub fn run_sao_observed(
    scenario: &Scenario,
    strategies: &[Strategy],
    config: &SaoConfig,
    observer: &mut dyn Observer,
) -> Result<NegotiationResult, Error> {
    if strategies.len() != scenario.parties().len() {
        return Err(Error::new(ErrorKind::Mismatch {
            reason: format!(
                "{} strategies for {} parties",
                strategies.len(),
                scenario.parties().len()
            ),
        }));
    }
    let negotiators = build_negotiators(scenario, config.seed, |init| {
        strategies[init.me].build(init)
    });
    let mut sao = Sao::new(scenario, negotiators, config.rounds)?;
    Ok(sao.run(observer))
}

#[cfg(test)]
mod linked_mediation_tests;
#[cfg(test)]
mod mediation_tests;
#[cfg(test)]
mod tests;
