//! The error and warning types of `detente-formats`.
//!
//! Every error says where: the file, the line and column when the format can locate it, and the
//! element (a TOML key path such as `parties[1].values.donbas`, or an XML element). Messages are
//! lower-case and say what would be valid.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem a file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The file is not well-formed (TOML, XML or JSON syntax).
    Syntax,
    /// The file is well-formed but its content is not a valid scenario.
    Invalid,
    /// The file uses a feature detente does not support (said plainly, never loaded wrong).
    Unsupported,
}

/// A problem with a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    path: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    element: Option<String>,
    message: String,
}

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            path: None,
            line: None,
            column: None,
            element: None,
            message: message.into(),
        }
    }

    /// Sets the file.
    pub fn with_path(mut self, path: &Path) -> Error {
        self.path = Some(path.to_path_buf());
        self
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Error {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Sets the element (key path or XML element).
    pub fn in_element(mut self, element: impl Into<String>) -> Error {
        self.element = Some(element.into());
        self
    }

    /// What kind of problem.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file, if known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The 1-based line, if known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The element, if known.
    pub fn element(&self) -> Option<&str> {
        self.element.as_deref()
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            f.write_str(": ")?;
        } else if let Some(l) = self.line {
            write!(f, "line {l}")?;
            if let Some(c) = self.column {
                write!(f, ", column {c}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(e) = &self.element {
            write!(f, "{e}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Something a lenient reader accepted but the user should know about.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// The file.
    pub path: Option<PathBuf>,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// What was accepted, and how it was read.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
            }
            f.write_str(": ")?;
        }
        write!(f, "warning: {}", self.message)
    }
}

/// 1-based line and column of byte offset `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[col_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The warning for exporting a scenario with ranges to a format that only holds points.
pub(crate) fn ranges_dropped(scenario: &detente_core::Scenario, format: &str) -> Option<Warning> {
    let u = scenario.uncertainty.as_ref().filter(|u| u.has_ranges())?;
    let ranges = u.numbers().iter().filter(|(_, e)| !e.is_point()).count();
    let doubtful = u
        .parties
        .iter()
        .flat_map(|p| &p.red_lines)
        .filter(|r| r.confidence < 1.0)
        .count();
    Some(Warning {
        path: None,
        line: None,
        message: format!(
            "{format} holds point values only: {ranges} estimate range(s) and {doubtful} red-line \
             confidence(s) are not written (the point values are)"
        ),
    })
}
