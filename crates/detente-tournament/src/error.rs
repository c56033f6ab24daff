//! The tournament crate's error type.
//!
//! One [`Error`] wraps a `#[non_exhaustive]` [`ErrorKind`]. Errors describe a tournament that
//! cannot be set up (bad configuration, a scenario that cannot be played) or a run that had to
//! stop because the sink failed. A negotiation that fails (a negotiator panics, a step budget is
//! exceeded) is *not* an error: it is recorded in its [`Record`](crate::Record) and the
//! tournament goes on.

use std::fmt;

/// An error of the tournament runner.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error {
    kind: Box<ErrorKind>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The tournament has no scenario.
    #[error("a tournament needs at least one scenario")]
    NoScenarios,
    /// The tournament has no strategy.
    #[error("a tournament needs at least one strategy")]
    NoPlayers,
    /// Two players share a name (names identify strategies in the store and the ranking).
    #[error("strategy '{name}' is listed twice")]
    DuplicatePlayer {
        /// The repeated name.
        name: String,
    },
    /// A scenario has fewer than two parties.
    #[error("scenario '{scenario}' has {n_parties} part{}; a negotiation needs at least 2", if *n_parties == 1 { "y" } else { "ies" })]
    TooFewParties {
        /// The scenario's name.
        scenario: String,
        /// Its number of parties.
        n_parties: usize,
    },
    /// The number of negotiations does not fit in 63 bits.
    #[error("the tournament has too many negotiations to number ({what})")]
    TooLarge {
        /// Which count overflowed.
        what: String,
    },
    /// A configuration value is out of range.
    #[error("{0}")]
    Config(String),
    /// A shard specification is malformed.
    #[error("bad shard '{spec}': expected I/N with 0 <= I < N (e.g. 0/4)")]
    BadShard {
        /// What was given.
        spec: String,
    },
    /// The worker thread pool could not be started.
    #[error("cannot start the tournament thread pool: {0}")]
    ThreadPool(String),
    /// The sink refused a record; the run stopped.
    #[error("cannot store a result")]
    Sink(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind: Box::new(kind),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn config(message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Config(message.to_string()))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}
