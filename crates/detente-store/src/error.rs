//! The store's error type.
//!
//! One [`Error`] wraps a `#[non_exhaustive]` [`ErrorKind`]. Every kind names the file at
//! fault, and the kinds that refuse a file ([`ErrorKind::NotADatabase`],
//! [`ErrorKind::ForeignDatabase`], [`ErrorKind::SchemaVersion`]) say that the file was left
//! unchanged, because it was: the store checks a file before it writes anything to it.

use std::path::{Path, PathBuf};

/// An error of the results store.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error {
    kind: Box<ErrorKind>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read or written.
    #[error("cannot access '{}'", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file to read does not exist.
    #[error("'{}' does not exist", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file is not an SQLite database.
    #[error("'{}' is not a detente results database (not an SQLite file); it was left unchanged", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is an SQLite database of another program.
    #[error(
        "'{}' is an SQLite database but not a detente results database ({detail}); it was left unchanged",
        path.display()
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// The file is a results database of another schema version.
    #[error(
        "'{}' uses results schema version {found}, but this detente reads version {expected} only; it was left unchanged{}",
        path.display(),
        if found < expected {
            " (an older detente wrote it: read it with that version, or rerun the tournament into a new file)"
        } else {
            ""
        }
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The version this crate reads and writes.
        expected: i64,
    },
    /// The database holds no tournament yet.
    #[error("'{}' holds no tournament results yet", path.display())]
    NoTournament {
        /// The file.
        path: PathBuf,
    },
    /// The database holds another tournament than the one being run.
    #[error(
        "'{}' holds results of another tournament (fingerprint {found}; this one is {expected}): \
         the scenarios, strategies or settings differ; use another database file",
        path.display()
    )]
    DifferentTournament {
        /// The file.
        path: PathBuf,
        /// The fingerprint in the file.
        found: String,
        /// The fingerprint of the tournament being run or merged.
        expected: String,
    },
    /// Shards of different tournaments were given to merge.
    #[error(
        "cannot merge shards of different tournaments: '{}' holds {fingerprint_a}, '{}' holds {fingerprint_b}",
        a.display(), b.display()
    )]
    ShardsDiffer {
        /// One shard.
        a: PathBuf,
        /// Its fingerprint.
        fingerprint_a: String,
        /// Another shard.
        b: PathBuf,
        /// Its fingerprint.
        fingerprint_b: String,
    },
    /// Two shards hold different results for the same negotiation.
    #[error(
        "'{}' and the merged results disagree on negotiation {id}; were the shards run by different versions of detente?",
        path.display()
    )]
    Conflict {
        /// The shard.
        path: PathBuf,
        /// The negotiation id.
        id: u64,
    },
    /// No shard was given to merge.
    #[error("nothing to merge: give at least one shard")]
    NoShards,
    /// The merge target is also one of the shards.
    #[error("the merge target '{}' is also one of the shards", path.display())]
    MergeIntoShard {
        /// The file.
        path: PathBuf,
    },
    /// The export would overwrite the database it reads.
    #[error(
        "the export output '{}' is the results database being exported; choose another output file",
        path.display()
    )]
    ExportOverInput {
        /// The file.
        path: PathBuf,
    },
    /// A row cannot be read back (the file was edited by hand or is damaged).
    #[error("'{}' has an unreadable row: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// SQLite failed.
    #[error("database error on '{}'", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// Writing an export failed.
    #[error("cannot export to '{}': {detail}", path.display())]
    Export {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Parquet export was asked of a build without the `parquet` feature.
    #[error("this build of detente has no parquet support (rebuild with the `parquet` feature)")]
    NoParquet,
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

    pub(crate) fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> Error + '_ {
        move |source| {
            Error::new(ErrorKind::Sqlite {
                path: path.to_path_buf(),
                source,
            })
        }
    }

    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| {
            Error::new(ErrorKind::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    }

    pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Corrupt {
            path: path.to_path_buf(),
            detail: detail.into(),
        })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}
