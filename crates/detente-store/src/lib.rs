//! The detente results store: one SQLite file per tournament that never loses a result.
//!
//! # Overview
//!
//! * [`Store`] is an open results database. [`Store::open`] creates or reopens one for
//!   writing, [`Store::open_read_only`] reads one; both refuse (and leave byte-identical) a
//!   file that is not an SQLite database, an SQLite database of another program, or a results
//!   database of another schema version ([`schema`]).
//! * [`Store::begin`] binds the database to a tournament (its
//!   [`Description`](detente_tournament::Description)) and returns the negotiations already
//!   done, so that rerunning the same tournament resumes it. A database holds one tournament;
//!   another one is refused.
//! * [`Writer`] is the tournament's sink: it writes records in batched transactions (WAL
//!   journal), so a `kill -9` loses at most the batch in flight, and the `UNIQUE` key of each
//!   negotiation makes a duplicate impossible.
//! * [`Store::for_each_record`] and [`Store::ranking`] read results back in id order;
//!   [`Store::export_csv`] (and `export_parquet` with the `parquet` feature) flatten them for
//!   pandas, polars and DuckDB; [`merge`] combines the shards of a tournament.
//!
//! The schema is documented in `docs/results-schema.md`; Python's built-in `sqlite3` reads the
//! file directly (`SELECT * FROM results`).
//!
//! # Example
//!
//! ```
//! use detente_core::negotiator::Strategy;
//! use detente_core::{Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction, ValueFunction};
//! use detente_store::Store;
//! use detente_tournament::{Player, RunOptions, ScenarioEntry, Tournament, TournamentConfig};
//!
//! let space = OutcomeSpace::new(vec![Issue::integer("price", 0, 10, 1)?])?;
//! let party = |name: &str, v: Vec<(f64, f64)>| -> Result<Party, detente_core::Error> {
//!     let u = UtilityFunction::weighted_sum(&space, name, &[1.0], &[Some(ValueFunction::PiecewiseLinear(v))])?;
//!     Ok(Party::new(name, Preferences::new(u, 0.2, RedLines::none(1), 1.0)?))
//! };
//! let scenario = Scenario::new("haggle", space.clone(), vec![
//!     party("buyer", vec![(0.0, 1.0), (10.0, 0.0)])?,
//!     party("seller", vec![(0.0, 0.0), (10.0, 1.0)])?,
//! ])?;
//! let players = vec![Player::builtin(Strategy::Boulware), Player::builtin(Strategy::Conceder)];
//! let t = Tournament::new(vec![ScenarioEntry::new(scenario)], players, TournamentConfig::default())?;
//!
//! let dir = tempfile::tempdir()?;
//! let mut store = Store::open(&dir.path().join("results.db"))?;
//! let done = store.begin(&t.describe())?;
//! let mut writer = store.writer();
//! t.run(&RunOptions { skip: Some(&done), ..RunOptions::default() }, &mut writer)?;
//! writer.finish()?;
//! assert_eq!(store.completed()?.len(), 8);
//! let ranking = store.ranking()?;
//! assert_eq!(ranking.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `parquet`: [`Store::export_parquet`] (arrow + parquet, snappy compression only). Off by
//!   default: it adds about half a minute to a clean build on a 2-core machine.

#![warn(missing_docs)]

mod error;
mod export;
mod merge;
mod read;
pub mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use error::{Error, ErrorKind};
pub use export::{COLUMNS, ColumnKind};
pub use merge::{MergeSummary, merge};
pub use read::Counts;
pub use write::{BatchConfig, Writer};

use schema::State;

/// An open results database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Whether the schema exists (false for a blank file opened read-only).
    initialized: bool,
}

impl Store {
    /// Opens the results database at `path` for writing, creating it (or initialising an
    /// empty file) when needed. WAL journal, `synchronous = NORMAL`: a committed batch survives
    /// a crash of the process; a power cut may lose the last batches but never corrupts the
    /// file.
    ///
    /// # Errors
    /// When the file is not an SQLite database, is an SQLite database of another program, is
    /// a results database of another schema version (the file is left unchanged in all three
    /// cases), or cannot be opened.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let state = schema::inspect(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(Error::sqlite(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(Error::sqlite(path))?;
        if state != State::Ours {
            schema::create(&mut conn, path)?;
        }
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(Error::sqlite(path))?;
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(Error::sqlite(path))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            initialized: true,
        })
    }

    /// Opens the results database at `path` for reading only; it is never created or changed,
    /// and no `-wal` / `-shm` files are left beside it (see `open_reader`).
    ///
    /// # Errors
    /// When the file does not exist, or as [`Store::open`].
    pub fn open_read_only(path: &Path) -> Result<Store, Error> {
        let state = schema::inspect(path)?;
        if state == State::Missing {
            return Err(Error::new(ErrorKind::Missing {
                path: path.to_path_buf(),
            }));
        }
        let conn = open_reader(path).map_err(Error::sqlite(path))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(Error::sqlite(path))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            initialized: state == State::Ours,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A read-only connection that leaves no sidecar files. SQLite creates `-wal` and `-shm` files
/// for any connection to a WAL database and a read-only one cannot remove them on close; so when
/// no `-wal` file exists (no writer is active and every transaction is in the main file) the
/// database is opened `immutable`, which takes no locks and creates nothing. When a `-wal` file
/// exists (a running or killed writer), its committed transactions must be read, so the database
/// is opened normally (read-only), and the sidecars were there before.
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Connection::open_with_flags(path, flags);
    }
    let uri = format!("file:{}?immutable=1", uri_path(path));
    Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
}

/// `path` percent-encoded for an SQLite URI (absolute, so no authority is needed).
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(*b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether `a` and `b` name the same existing file: the same canonical path (symbolic links
/// resolved) or, on Unix, the same device and inode (hard links). False when either is missing.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (ma.dev(), ma.ino()) == (mb.dev(), mb.ino()) {
            return true;
        }
    }
    #[cfg(not(unix))]
    let _ = (ma, mb);
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
