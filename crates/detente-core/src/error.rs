//! The one error type of `detente-core`.
//!
//! The core never touches files, so its errors are about the model itself: names that repeat,
//! values out of range, preferences that do not fit the outcome space. Each variant names the
//! party, issue or option at fault so that front ends can print a precise message.

use std::fmt;

/// An error from building or using a detente model.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The outcome space has no issues.
    NoIssues,
    /// A scenario has no parties.
    NoParties,
    /// A discrete issue has no options.
    EmptyIssue {
        /// The issue.
        issue: String,
    },
    /// Two things of the same kind share a name.
    DuplicateName {
        /// What kind of thing, e.g. "issue" or "option of issue 'x'".
        what: String,
        /// The repeated name.
        name: String,
    },
    /// An integer issue with `lo > hi`.
    BadRange {
        /// The issue.
        issue: String,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// An integer issue with a step below 1.
    BadStep {
        /// The issue.
        issue: String,
        /// The step given.
        step: i64,
    },
    /// A number is outside what its field allows.
    OutOfRange {
        /// Where, e.g. "value of option 'x' of issue 'y' for party 'z'".
        what: String,
        /// The number given.
        value: f64,
        /// What would be valid, e.g. "[0, 1]".
        valid: String,
    },
    /// A party's weights are all zero.
    ZeroWeights {
        /// The party.
        party: String,
    },
    /// Preferences do not match the outcome space (wrong issue count or value count).
    Mismatch {
        /// Explanation.
        reason: String,
    },
    /// An outcome that does not belong to the space.
    BadOutcome {
        /// Explanation.
        reason: String,
    },
    /// Something is too large to represent.
    TooLarge {
        /// Explanation.
        what: String,
    },
    /// A name that does not exist.
    Unknown {
        /// What kind of thing, e.g. "party".
        what: String,
        /// The name given.
        name: String,
        /// The valid names, for the message.
        valid: Vec<String>,
    },
    /// A configuration value that is not valid.
    Config {
        /// Explanation.
        reason: String,
    },
}

impl Error {
    /// Wraps a kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn config(reason: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config {
            reason: reason.into(),
        })
    }
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NoIssues => write!(f, "the scenario has no issues"),
            ErrorKind::NoParties => write!(f, "the scenario has no parties"),
            ErrorKind::EmptyIssue { issue } => write!(f, "issue '{issue}' has no options"),
            ErrorKind::DuplicateName { what, name } => write!(f, "duplicate {what} '{name}'"),
            ErrorKind::BadRange { issue, lo, hi } => {
                write!(f, "issue '{issue}' has range [{lo}, {hi}] with lo > hi")
            }
            ErrorKind::BadStep { issue, step } => {
                write!(
                    f,
                    "issue '{issue}' has step {step}; the step must be at least 1"
                )
            }
            ErrorKind::OutOfRange { what, value, valid } => {
                write!(f, "{what} is {value}; valid: {valid}")
            }
            ErrorKind::ZeroWeights { party } => write!(
                f,
                "party '{party}' has no positive weight; at least one issue weight must be > 0"
            ),
            ErrorKind::Mismatch { reason } => f.write_str(reason),
            ErrorKind::BadOutcome { reason } => write!(f, "invalid outcome: {reason}"),
            ErrorKind::TooLarge { what } => f.write_str(what),
            ErrorKind::Unknown { what, name, valid } => {
                write!(f, "unknown {what} '{name}'")?;
                if !valid.is_empty() {
                    write!(f, "; valid: {}", valid.join(", "))?;
                }
                Ok(())
            }
            ErrorKind::Config { reason } => f.write_str(reason),
        }
    }
}
