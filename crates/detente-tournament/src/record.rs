//! What one negotiation of a tournament produced: a [`Record`].
//!
//! A record names its negotiation (id, key, seed, who played which party), then holds either
//! the [`Metrics`] of a completed negotiation or the [`Failure`] of one that did not complete,
//! and optionally its trace as plain [`TraceEvent`]s. Records are plain data: the store writes
//! them to SQLite and reads them back unchanged, so they compare equal across runs, thread
//! counts and shards.
//!
//! Non-goals: a serialization format (the store owns its schema and converts by hand).

use detente_core::protocol::Event;

use crate::plan::Key;

/// The result of one negotiation of a tournament.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The negotiation's number in the plan (its row id in the store).
    pub id: u64,
    /// The negotiation's key.
    pub key: Key,
    /// The role rotation of the assignment.
    pub rotation: usize,
    /// The negotiation's seed: negotiator `j` got `derive_seed(seed, [j])`.
    pub seed: u64,
    /// Player index at each position (turn order).
    pub players: Vec<usize>,
    /// Scenario party index played at each position.
    pub parties: Vec<usize>,
    /// The metrics, or why the negotiation failed.
    pub metrics: Result<Metrics, Failure>,
    /// Every event, when the tournament keeps traces.
    pub trace: Option<Vec<TraceEvent>>,
}

/// The metrics of a completed negotiation (see the `metrics` module for definitions).
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// The agreed outcome (one value index per issue), if any.
    pub agreement: Option<Vec<u32>>,
    /// Rounds used.
    pub rounds: u32,
    /// Each position's payoff: discounted utility, or its reservation value without agreement.
    pub utilities: Vec<f64>,
    /// The sum of the payoffs.
    pub welfare: f64,
    /// Distance to the Pareto frontier in utility space, when the frontier is known.
    pub pareto_distance: Option<f64>,
    /// Distance to the Nash point in utility space, when it is known.
    pub nash_distance: Option<f64>,
    /// Whether every party got at least its reservation value.
    pub individually_rational: bool,
    /// The position that walked away, if one did.
    pub ended_by: Option<usize>,
    /// Single text: the questions the mediator put to delegates besides the verdicts
    /// (consultations are `rounds`); `None` under SAO.
    pub questions: Option<u32>,
}

/// Why a negotiation did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The kind of failure.
    pub kind: FailureKind,
    /// What happened, in words (the panic message, the budget, the error).
    pub message: String,
}

/// The kinds of [`Failure`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A negotiator (or the mechanism) panicked.
    Panic,
    /// The negotiation took more steps than the tournament's step budget.
    StepBudget,
    /// The mechanism refused to start.
    Error,
    /// A negotiator reported an error of its own (e.g. a Python negotiator raised an
    /// exception): see [`NegotiatorFailure`](crate::NegotiatorFailure).
    Negotiator,
}

impl FailureKind {
    /// The lower-case name used in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Panic => "panic",
            FailureKind::StepBudget => "step-budget",
            FailureKind::Error => "error",
            FailureKind::Negotiator => "negotiator",
        }
    }

    /// The kind named `s` (as written by [`FailureKind::as_str`]).
    pub fn parse(s: &str) -> Option<FailureKind> {
        match s {
            "panic" => Some(FailureKind::Panic),
            "step-budget" => Some(FailureKind::StepBudget),
            "error" => Some(FailureKind::Error),
            "negotiator" => Some(FailureKind::Negotiator),
            _ => None,
        }
    }
}

/// One event of a negotiation's trace, in store-friendly form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// Round, from 0 (for a timeout: the number of rounds played).
    pub round: u32,
    /// The acting position, if any.
    pub position: Option<usize>,
    /// What happened.
    pub kind: EventKind,
    /// The outcome offered or agreed (value indices), if any.
    pub outcome: Option<Vec<u32>>,
    /// Free text: why the mechanism ended the negotiation on a party's behalf (`end`), or
    /// the fields of a single-text event that have no column of their own.
    pub detail: Option<String>,
}

/// The kinds of [`TraceEvent`], one per [`Event`] variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An offer.
    Offer,
    /// An acceptance of the standing offer.
    Accept,
    /// A party walked away.
    End,
    /// Everybody accepted.
    Agreement,
    /// The deadline passed.
    Timeout,
    /// Single text: the mediator consulted some parties.
    Consult,
    /// Single text: a party's answer on the draft.
    Verdict,
    /// Single text: a new draft.
    Draft,
}

impl EventKind {
    /// The lower-case name used in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Offer => "offer",
            EventKind::Accept => "accept",
            EventKind::End => "end",
            EventKind::Agreement => "agreement",
            EventKind::Timeout => "timeout",
            EventKind::Consult => "consult",
            EventKind::Verdict => "verdict",
            EventKind::Draft => "draft",
        }
    }

    /// The kind named `s` (as written by [`EventKind::as_str`]).
    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "offer" => Some(EventKind::Offer),
            "accept" => Some(EventKind::Accept),
            "end" => Some(EventKind::End),
            "agreement" => Some(EventKind::Agreement),
            "timeout" => Some(EventKind::Timeout),
            "consult" => Some(EventKind::Consult),
            "verdict" => Some(EventKind::Verdict),
            "draft" => Some(EventKind::Draft),
            _ => None,
        }
    }
}

impl From<&Event> for TraceEvent {
    fn from(e: &Event) -> TraceEvent {
        let plain = |round, position, kind| TraceEvent {
            round,
            position,
            kind,
            outcome: None,
            detail: None,
        };
        match e {
            Event::Offer {
                round,
                party,
                outcome,
            } => TraceEvent {
                outcome: Some(outcome.indices().to_vec()),
                ..plain(*round, Some(*party), EventKind::Offer)
            },
            Event::Accept { round, party } => plain(*round, Some(*party), EventKind::Accept),
            Event::EndNegotiation {
                round,
                party,
                reason,
            } => TraceEvent {
                detail: reason.clone(),
                ..plain(*round, Some(*party), EventKind::End)
            },
            Event::Agreement { round, outcome } => TraceEvent {
                outcome: Some(outcome.indices().to_vec()),
                ..plain(*round, None, EventKind::Agreement)
            },
            Event::Timeout { rounds } => plain(*rounds, None, EventKind::Timeout),
            Event::Consult {
                round,
                parties,
                meeting,
                version,
            } => TraceEvent {
                detail: Some(format!(
                    "parties {parties:?}, meeting {meeting:?}, version {version}"
                )),
                ..plain(*round, None, EventKind::Consult)
            },
            Event::Verdict {
                round,
                party,
                verdict,
            } => TraceEvent {
                detail: Some(format!("{verdict:?}")),
                ..plain(*round, Some(*party), EventKind::Verdict)
            },
            Event::Draft {
                round,
                version,
                outcome,
                changes,
            } => TraceEvent {
                outcome: Some(outcome.indices().to_vec()),
                detail: Some(format!("version {version}, changes {changes:?}")),
                ..plain(*round, None, EventKind::Draft)
            },
        }
    }
}
