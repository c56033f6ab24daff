//! The room's error type: what went wrong, and which HTTP status a person is shown for it.
//!
//! Every handler returns `Result<_, Error>`; the web layer turns the kind into a status code
//! and a short page. Internal errors (SQLite, a failed random source) are logged, and the
//! person sees a generic message, so no internals leak into pages.

/// A room error: a kind and a message for the person (or the log, for internal errors).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Malformed input: a bad scenario, a draft naming unknown options, bad numbers (400).
    BadRequest,
    /// No valid session (401).
    Unauthenticated,
    /// A valid session asking for what is not its own, or a missing/wrong CSRF token (403).
    Forbidden,
    /// An unknown room, seat or invitation (404).
    NotFound,
    /// The action does not fit the room's state (the talks started, the text moved on) (409).
    Conflict,
    /// Too many failed logins (429).
    TooManyRequests,
    /// A request body past the size limit (413).
    PayloadTooLarge,
    /// Storage or system failure (500).
    Internal,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// A 400 error.
    pub fn bad(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadRequest, message)
    }

    /// A 404 error.
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, message)
    }

    /// A 403 error.
    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Forbidden, message)
    }

    /// A 409 error.
    pub fn conflict(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conflict, message)
    }

    /// A 500 error.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::internal(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::internal(format!("stored JSON: {e}"))
    }
}

impl From<detente_core::Error> for Error {
    fn from(e: detente_core::Error) -> Error {
        Error::bad(e.to_string())
    }
}

/// A room result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
