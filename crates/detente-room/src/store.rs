//! The room's SQLite file: schema, secrets (tokens and session ids stored only as SHA-256
//! hashes) and every action, each in one transaction that commits before the caller answers.
//!
//! The database runs in WAL mode with `synchronous = FULL`, so an acknowledged action survives
//! the process being killed and, as far as the disk keeps its promises, a power cut.
//! Non-goals: HTML, HTTP and who may call what (the web layer checks sessions and seats before
//! it calls in here; the queries still take the seat id, so a caller can only ever get one
//! seat's private rows).

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use detente_core::Preferences;
use detente_core::negotiator::{Strategy, Verdict};
use detente_core::protocol::suggest_feedback_draft;
use detente_core::protocol::{Coalition, Confided, Solution, TrustedNeutral};
use detente_core::{Outcome, Scenario};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{self, PrefsForm};

/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Who holds a seat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A person, who joins through an invitation.
    Person,
    /// A built-in strategy (party seats: a text-reviewing strategy; the mediator seat:
    /// `feedback`, the core's feedback mediator).
    Agent(String),
}

/// How to seat a room.
#[derive(Clone, Debug)]
pub struct RoomSetup {
    /// The room's name.
    pub name: String,
    /// Per scenario party, in order.
    pub parties: Vec<Holder>,
    /// The mediator seat.
    pub mediator: Holder,
    /// Number of observer seats.
    pub n_observers: usize,
    /// A trusted-neutral room: delegates confide their preferences to the system, which (not
    /// the human mediator) computes suggestions from them (see [`NeutralAdvice`]).
    pub trusted_neutral: bool,
}

impl RoomSetup {
    /// Every party and the mediator held by people, no observers.
    pub fn all_people(name: &str, scenario: &Scenario) -> RoomSetup {
        RoomSetup {
            name: name.into(),
            parties: vec![Holder::Person; scenario.parties().len()],
            mediator: Holder::Person,
            n_observers: 0,
            trusted_neutral: false,
        }
    }
}

/// One invitation, printed or shown once: only its hash is stored.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// "party employer", "mediator", "observer 1".
    pub seat_label: String,
    /// The secret token (256 bits from the operating system's CSPRNG, hex).
    pub token: String,
}

/// A new room and its invitations.
#[derive(Clone, Debug)]
pub struct CreatedRoom {
    /// The room's public id.
    pub room_id: String,
    /// One per person-held seat.
    pub invitations: Vec<Invitation>,
}

/// The kind of seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeatKind {
    /// A party's delegation.
    Party,
    /// The mediator.
    Mediator,
    /// An observer.
    Observer,
}

impl SeatKind {
    fn as_str(self) -> &'static str {
        match self {
            SeatKind::Party => "party",
            SeatKind::Mediator => "mediator",
            SeatKind::Observer => "observer",
        }
    }

    fn parse(s: &str) -> Result<SeatKind> {
        match s {
            "party" => Ok(SeatKind::Party),
            "mediator" => Ok(SeatKind::Mediator),
            "observer" => Ok(SeatKind::Observer),
            _ => Err(Error::internal(format!("stored seat kind '{s}'"))),
        }
    }
}

/// A seat's public facts (never its preferences or notes).
#[derive(Clone, Debug)]
pub struct Seat {
    /// Row id.
    pub id: i64,
    /// Public id, used in URLs.
    pub public_id: String,
    /// Row id of its room.
    pub room_id: i64,
    /// Its kind.
    pub kind: SeatKind,
    /// Party index (party seats).
    pub party_idx: Option<usize>,
    /// The agent strategy, or `None` for a person.
    pub agent: Option<String>,
    /// The name the person gave when joining.
    pub display_name: Option<String>,
    /// Whether the invitation was used.
    pub joined: bool,
    /// In a trusted-neutral room: whether the party confided its preferences to the system
    /// (agent seats always have). Only the fact is public, never the preferences.
    pub confided: bool,
}

/// The room's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Delegates may still edit their preferences.
    Setup,
    /// The text is on the table.
    Talks,
    /// Every party accepted the same version.
    Agreed,
    /// The process ended without agreement (the agent mediator ran out of rounds).
    Ended,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Setup => "setup",
            Status::Talks => "talks",
            Status::Agreed => "agreed",
            Status::Ended => "ended",
        }
    }

    fn parse(s: &str) -> Result<Status> {
        match s {
            "setup" => Ok(Status::Setup),
            "talks" => Ok(Status::Talks),
            "agreed" => Ok(Status::Agreed),
            "ended" => Ok(Status::Ended),
            _ => Err(Error::internal(format!("stored status '{s}'"))),
        }
    }
}

/// A room row.
#[derive(Clone, Debug)]
pub struct Room {
    /// Row id.
    pub id: i64,
    /// Public id.
    pub public_id: String,
    /// Name.
    pub name: String,
    /// The scenario as native TOML.
    pub scenario_toml: String,
    /// State.
    pub status: Status,
    /// The agreed version (in a trusted-neutral room it stands while an improvement on it is
    /// on the table).
    pub agreed_version: Option<u32>,
    /// Whether the room is in trusted-neutral mode.
    pub trusted_neutral: bool,
}

/// One version of the single text.
#[derive(Clone, Debug)]
pub struct Version {
    /// From 0.
    pub version: u32,
    /// The draft.
    pub draft: Outcome,
    /// "mediator", "agent mediator".
    pub author: String,
}

/// A recorded verdict.
#[derive(Clone, Debug)]
pub struct StoredVerdict {
    /// The version answered.
    pub version: u32,
    /// The answering seat.
    pub seat_id: i64,
    /// The verdict.
    pub verdict: Verdict,
    /// The delegate's comment to the mediator.
    pub comment: String,
}

/// A private note.
#[derive(Clone, Debug)]
pub struct Note {
    /// Unix seconds.
    pub at: i64,
    /// Text.
    pub text: String,
}

/// A mediator's question to a delegation and its answer (private to the two).
#[derive(Clone, Debug)]
pub struct Question {
    /// Row id.
    pub id: i64,
    /// The asked seat.
    pub seat_id: i64,
    /// The question.
    pub text: String,
    /// The answer, once given.
    pub answer: Option<String>,
}

/// A session row.
#[derive(Clone, Debug)]
pub struct Session {
    /// The seat it signs in, or `None` for a host session.
    pub seat_id: Option<i64>,
    /// The host it signs in.
    pub host_id: Option<i64>,
    /// The CSRF token its forms must carry.
    pub csrf: String,
}

/// What the trusted neutral of a trusted-neutral room advises, in the only form the mediator
/// may see it: packages and counts, never a utility, gain or walk-away value. Each delegate
/// works out its own gains from its own preferences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NeutralAdvice {
    /// Party indices that have not confided their preferences yet (the neutral waits for all).
    pub waiting_for: Vec<usize>,
    /// The exact Nash package of the confided preferences over the set acceptable to every
    /// party ([`TrustedNeutral::propose`]), when there is one.
    pub nash: Option<Outcome>,
    /// When no package is acceptable to every party: the one that comes closest and the
    /// parties whose walk-away values or red lines block it.
    pub closest: Option<(Outcome, Vec<usize>)>,
    /// Post-settlement improvement ([`TrustedNeutral::improve`]) on the agreed version, or on
    /// the version on the table during the talks.
    pub improvement: Option<NeutralImprovement>,
    /// Why the neutral could not answer (an exact search past its budget).
    pub failure: Option<String>,
}

/// Packages every party strictly prefers to one version of the text.
#[derive(Clone, Debug, PartialEq)]
pub struct NeutralImprovement {
    /// The version improved on.
    pub on_version: u32,
    /// How many packages every party strictly prefers to it.
    pub count: u128,
    /// The one that maximises the smallest gain.
    pub best: Option<Outcome>,
}

impl NeutralAdvice {
    /// The draft the neutral would table next after `current`: the best improvement on it,
    /// else the Nash package when it is not already on the table.
    pub fn next_draft(&self, current: Option<&Outcome>) -> Option<Outcome> {
        if let Some(b) = self.improvement.as_ref().and_then(|i| i.best.clone()) {
            return Some(b);
        }
        self.nash.clone().filter(|n| Some(n) != current)
    }

    /// Whether every party has confided and the neutral answered.
    pub fn ready(&self) -> bool {
        self.waiting_for.is_empty() && self.failure.is_none()
    }
}

/// The verdict as stored (JSON), never the core type itself.
#[derive(Serialize, Deserialize)]
struct VerdictDto {
    accept: bool,
    objections: Vec<usize>,
    red_lines: Vec<usize>,
    preferred: Vec<(usize, u32)>,
}

impl VerdictDto {
    fn from_core(v: &Verdict) -> VerdictDto {
        VerdictDto {
            accept: v.accept,
            objections: v.objections.clone(),
            red_lines: v.red_lines.clone(),
            preferred: v.preferred.clone(),
        }
    }

    fn into_core(self) -> Verdict {
        let veto = !self.red_lines.is_empty();
        Verdict {
            accept: self.accept,
            objections: self.objections,
            red_lines: self.red_lines,
            preferred: self.preferred,
            improves: None,
            veto,
            walk_away: false,
        }
    }
}

/// `n` bytes from the operating system's CSPRNG, hex-encoded. Only for secrets and ids:
/// negotiation randomness comes from seeded ChaCha8 in the core.
///
/// # Errors
/// When the operating system has no randomness to give.
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| Error::internal(format!("random source: {e}")))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of a secret, hex: what the database keeps instead of tokens and session ids.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Idle read-only connections kept for reuse (more are opened while more readers run).
const MAX_IDLE_READERS: usize = 8;

/// The room database: one writer connection (every action, one transaction at a time) and a
/// pool of read-only connections. In WAL mode readers never wait for the writer: a page is
/// served from the last committed state while an action is being written.
pub struct Store {
    conn: Mutex<Connection>,
    path: std::path::PathBuf,
    readers: Mutex<Vec<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hosts (
    id INTEGER PRIMARY KEY,
    invite_hash TEXT NOT NULL UNIQUE,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rooms (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    host_id INTEGER REFERENCES hosts(id),
    name TEXT NOT NULL,
    scenario_toml TEXT NOT NULL,
    status TEXT NOT NULL,
    agreed_version INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seats (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    kind TEXT NOT NULL,
    party_idx INTEGER,
    agent TEXT,
    invite_hash TEXT UNIQUE,
    invite_used INTEGER NOT NULL DEFAULT 0,
    display_name TEXT,
    passphrase_hash TEXT,
    prefs_json TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    seat_id INTEGER REFERENCES seats(id),
    host_id INTEGER REFERENCES hosts(id),
    csrf TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    version INTEGER NOT NULL,
    draft_json TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, version)
);
CREATE TABLE IF NOT EXISTS verdicts (
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    version INTEGER NOT NULL,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    verdict_json TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, version, seat_id)
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    text TEXT NOT NULL,
    answer TEXT,
    created_at INTEGER NOT NULL
);
";

impl Store {
    /// Opens (creating if needed) the room database at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or is not a room database.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn open_reader(&self) -> Result<Connection> {
        use rusqlite::OpenFlags;
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(c)
    }

    /// Runs `f` in one read transaction on a pooled read-only connection (a consistent
    /// snapshot of the last commit), never waiting for the writer.
    fn with_read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self
            .readers
            .lock()
            .map_err(|_| Error::internal("the reader pool is poisoned"))?
            .pop();
        let mut c = match idle {
            Some(c) => c,
            None => self.open_reader()?,
        };
        let out = {
            let tx = c.transaction()?;
            let out = f(&tx);
            tx.finish()?;
            out
        };
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < MAX_IDLE_READERS
        {
            pool.push(c);
        }
        out
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| Error::internal("a request panicked while holding the database"))?;
        f(&mut conn)
    }

    fn tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Creates a single-use host invitation; its holder may create rooms in the page.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn create_host_invite(&self) -> Result<String> {
        let token = random_hex(32)?;
        self.tx(|tx| {
            tx.execute(
                "INSERT INTO hosts (invite_hash) VALUES (?1)",
                params![hash_secret(&token)],
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Uses a host invitation: returns a new host session `(session id, csrf)`.
    ///
    /// # Errors
    /// 404 for an unknown or used invitation.
    pub fn redeem_host_invite(&self, token: &str) -> Result<(String, String)> {
        self.tx(|tx| {
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM hosts WHERE invite_hash = ?1 AND used = 0",
                    params![hash_secret(token)],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id
                .ok_or_else(|| Error::not_found("this host link is unknown or was already used"))?;
            tx.execute("UPDATE hosts SET used = 1 WHERE id = ?1", params![id])?;
            new_session(tx, None, Some(id))
        })
    }

    /// Creates a room over `scenario` (stored as native TOML) seated per `setup`. Returns the
    /// invitations, which are not stored in the clear and cannot be shown again.
    ///
    /// # Errors
    /// When the setup does not fit the scenario or names an unknown strategy (400).
    pub fn create_room(
        &self,
        host_id: Option<i64>,
        scenario: &Scenario,
        setup: &RoomSetup,
    ) -> Result<CreatedRoom> {
        let n = scenario.parties().len();
        if setup.parties.len() != n {
            return Err(Error::bad(format!(
                "{} seats for {n} parties",
                setup.parties.len()
            )));
        }
        for (i, h) in setup.parties.iter().enumerate() {
            if let Holder::Agent(s) = h {
                // Refuse offer-only strategies now, not at the first draft.
                model::text_strategy(scenario, i, s)?;
            }
        }
        if let Holder::Agent(m) = &setup.mediator
            && m != "feedback"
        {
            return Err(Error::bad(format!(
                "unknown mediator agent '{m}'; the built-in mediator is 'feedback'"
            )));
        }
        if setup.n_observers > 20 {
            return Err(Error::bad("at most 20 observers"));
        }
        if setup.name.trim().is_empty() || setup.name.len() > 200 {
            return Err(Error::bad("the room needs a name of 1 to 200 characters"));
        }
        let toml = detente_formats::native::to_toml(scenario)
            .map_err(|e| Error::bad(format!("the scenario cannot be stored: {e}")))?;
        let room_pid = random_hex(16)?;
        let mut invitations = Vec::new();
        let mut seats: Vec<(SeatKind, Option<usize>, Option<String>, String)> = Vec::new();
        for (i, h) in setup.parties.iter().enumerate() {
            let agent = match h {
                Holder::Person => None,
                Holder::Agent(s) => Some(s.clone()),
            };
            seats.push((
                SeatKind::Party,
                Some(i),
                agent,
                format!("party {}", scenario.parties()[i].name),
            ));
        }
        let agent = match &setup.mediator {
            Holder::Person => None,
            Holder::Agent(s) => Some(s.clone()),
        };
        seats.push((SeatKind::Mediator, None, agent, "mediator".into()));
        for k in 0..setup.n_observers {
            seats.push((
                SeatKind::Observer,
                None,
                None,
                format!("observer {}", k + 1),
            ));
        }
        let mut rows = Vec::new();
        for (kind, idx, agent, label) in seats {
            let token = if agent.is_none() {
                let t = random_hex(32)?;
                invitations.push(Invitation {
                    seat_label: label,
                    token: t.clone(),
                });
                Some(hash_secret(&t))
            } else {
                None
            };
            rows.push((random_hex(16)?, kind, idx, agent, token));
        }
        self.tx(|tx| {
            tx.execute(
                "INSERT INTO rooms (public_id, host_id, name, scenario_toml, status, created_at,
                   trusted_neutral)
                 VALUES (?1, ?2, ?3, ?4, 'setup', ?5, ?6)",
                params![
                    room_pid,
                    host_id,
                    setup.name.trim(),
                    toml,
                    now(),
                    setup.trusted_neutral
                ],
            )?;
            let room_id = tx.last_insert_rowid();
            for (pid, kind, idx, agent, hash) in &rows {
                // An agent party confides the scenario's preferences: they are its own.
                let confided = setup.trusted_neutral && *kind == SeatKind::Party && agent.is_some();
                tx.execute(
                    "INSERT INTO seats (public_id, room_id, kind, party_idx, agent, invite_hash,
                       confided)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        pid,
                        room_id,
                        kind.as_str(),
                        idx.map(|i| i as i64),
                        agent,
                        hash,
                        confided
                    ],
                )?;
            }
            Ok(())
        })?;
        Ok(CreatedRoom {
            room_id: room_pid,
            invitations,
        })
    }

    /// Whether an invitation is valid and unused, and for which seat.
    ///
    /// # Errors
    /// 404 when it is unknown or used.
    pub fn invitation_seat(&self, token: &str) -> Result<Seat> {
        self.with_read(|c| {
            let id: Option<i64> = c
                .query_row(
                    "SELECT id FROM seats WHERE invite_hash = ?1 AND invite_used = 0",
                    params![hash_secret(token)],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id.ok_or_else(|| {
                Error::not_found("this invitation is unknown or was already used")
            })?;
            seat_by_id(c, id)
        })
    }

    /// Uses an invitation: names the seat's holder, sets the optional passphrase hash and
    /// opens a session `(session id, csrf)`. An invitation works once.
    ///
    /// # Errors
    /// 404 when the invitation is unknown or used.
    pub fn redeem_invite(
        &self,
        token: &str,
        display_name: &str,
        passphrase_hash: Option<&str>,
    ) -> Result<(Seat, String, String)> {
        self.tx(|tx| {
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM seats WHERE invite_hash = ?1 AND invite_used = 0",
                    params![hash_secret(token)],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id.ok_or_else(|| {
                Error::not_found("this invitation is unknown or was already used")
            })?;
            tx.execute(
                "UPDATE seats SET invite_used = 1, display_name = ?2, passphrase_hash = ?3
                 WHERE id = ?1",
                params![id, display_name, passphrase_hash],
            )?;
            let (sid, csrf) = new_session(tx, Some(id), None)?;
            Ok((seat_by_id(tx, id)?, sid, csrf))
        })
    }

    /// The stored passphrase hash of a seat, if its holder set one.
    ///
    /// # Errors
    /// 404 for an unknown seat.
    pub fn passphrase_hash(&self, seat_public_id: &str) -> Result<(Seat, Option<String>)> {
        self.with_read(|c| {
            let seat = seat_by_public_id(c, seat_public_id)?;
            let h: Option<String> = c.query_row(
                "SELECT passphrase_hash FROM seats WHERE id = ?1",
                params![seat.id],
                |r| r.get(0),
            )?;
            Ok((seat, h))
        })
    }

    /// Opens a session for a seat whose holder proved its passphrase.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn open_session(&self, seat_id: i64) -> Result<(String, String)> {
        self.tx(|tx| new_session(tx, Some(seat_id), None))
    }

    /// The live session with this id, if any (expired sessions are deleted and not returned).
    ///
    /// # Errors
    /// On a storage failure.
    pub fn session(&self, session_id: &str) -> Result<Option<Session>> {
        let h = hash_secret(session_id);
        let row: Option<(Option<i64>, Option<i64>, String, i64)> = self.with_read(|c| {
            Ok(c.query_row(
                "SELECT seat_id, host_id, csrf, expires_at FROM sessions WHERE id_hash = ?1",
                params![h],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?)
        })?;
        match row {
            Some((_, _, _, exp)) if exp <= now() => {
                self.tx(|tx| {
                    tx.execute("DELETE FROM sessions WHERE id_hash = ?1", params![h])?;
                    Ok(())
                })?;
                Ok(None)
            }
            Some((seat_id, host_id, csrf, _)) => Ok(Some(Session {
                seat_id,
                host_id,
                csrf,
            })),
            None => Ok(None),
        }
    }

    /// Ends a session.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn end_session(&self, session_id: &str) -> Result<()> {
        self.tx(|tx| {
            tx.execute(
                "DELETE FROM sessions WHERE id_hash = ?1",
                params![hash_secret(session_id)],
            )?;
            Ok(())
        })
    }

    /// Moves a session's expiry (tests use it to expire one).
    ///
    /// # Errors
    /// On a storage failure.
    pub fn set_session_expiry(&self, session_id: &str, expires_at: i64) -> Result<()> {
        self.tx(|tx| {
            tx.execute(
                "UPDATE sessions SET expires_at = ?2 WHERE id_hash = ?1",
                params![hash_secret(session_id), expires_at],
            )?;
            Ok(())
        })
    }

    /// A room by public id.
    ///
    /// # Errors
    /// 404 when unknown.
    pub fn room(&self, public_id: &str) -> Result<Room> {
        self.with_read(|c| room_where(c, "public_id = ?1", params![public_id]))
    }

    /// A room by row id.
    ///
    /// # Errors
    /// 404 when unknown.
    pub fn room_by_id(&self, id: i64) -> Result<Room> {
        self.with_read(|c| room_where(c, "id = ?1", params![id]))
    }

    /// The rooms a host created, newest first: `(public id, name, status)`.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn host_rooms(&self, host_id: i64) -> Result<Vec<(String, String, Status)>> {
        self.with_read(|c| {
            let rows = all_rows(
                c,
                "SELECT public_id, name, status FROM rooms WHERE host_id = ?1 ORDER BY id DESC",
                params![host_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )?;
            rows.into_iter()
                .map(|(a, b, s)| Ok((a, b, Status::parse(&s)?)))
                .collect()
        })
    }

    /// A seat by public id.
    ///
    /// # Errors
    /// 404 when unknown.
    pub fn seat(&self, public_id: &str) -> Result<Seat> {
        self.with_read(|c| seat_by_public_id(c, public_id))
    }

    /// A seat by row id.
    ///
    /// # Errors
    /// 404 when unknown.
    pub fn seat_by_id(&self, id: i64) -> Result<Seat> {
        self.with_read(|c| seat_by_id(c, id))
    }

    /// The seats of a room, in seat order (parties, mediator, observers).
    ///
    /// # Errors
    /// On a storage failure.
    pub fn seats(&self, room_id: i64) -> Result<Vec<Seat>> {
        self.with_read(|c| seats_of(c, room_id))
    }

    /// The edited preferences of a party seat, if its delegate saved any. Only the web layer's
    /// own-seat views call this, with the session's own seat id.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn own_prefs(&self, seat_id: i64) -> Result<Option<PrefsForm>> {
        self.with_read(|c| {
            let j: Option<String> = c.query_row(
                "SELECT prefs_json FROM seats WHERE id = ?1",
                params![seat_id],
                |r| r.get(0),
            )?;
            j.map(|j| serde_json::from_str(&j).map_err(Error::from))
                .transpose()
        })
    }

    /// Saves a delegate's edited preferences (only before the talks start).
    ///
    /// # Errors
    /// 409 once the talks started.
    pub fn save_prefs(&self, room_id: i64, seat_id: i64, prefs: &PrefsForm) -> Result<()> {
        let j = serde_json::to_string(prefs)?;
        self.tx(|tx| {
            let room = room_where(tx, "id = ?1", params![room_id])?;
            if room.status != Status::Setup {
                return Err(Error::conflict(
                    "the talks have started; preferences can no longer change",
                ));
            }
            // Changed preferences withdraw a confidence: the delegate confides them again.
            tx.execute(
                "UPDATE seats SET prefs_json = ?2, confided = 0 WHERE id = ?1",
                params![seat_id, j],
            )?;
            Ok(())
        })
    }

    /// The versions of the text, oldest first.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn versions(&self, room_id: i64) -> Result<Vec<Version>> {
        self.with_read(|c| versions_of(c, room_id))
    }

    /// One seat's own verdicts.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn verdicts_of_seat(&self, seat_id: i64) -> Result<Vec<StoredVerdict>> {
        self.with_read(|c| verdicts_where(c, "seat_id = ?1", seat_id))
    }

    /// Every verdict in a room: for the mediator's view only.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn verdicts_of_room(&self, room_id: i64) -> Result<Vec<StoredVerdict>> {
        self.with_read(|c| verdicts_where(c, "room_id = ?1", room_id))
    }

    /// Opens the talks with `draft` as version 0; agent seats answer at once.
    ///
    /// # Errors
    /// 409 when the talks already started; 400 for a draft outside the space.
    pub fn start_talks(&self, room_id: i64, scenario: &Scenario, draft: &Outcome) -> Result<()> {
        scenario.space().check(draft)?;
        self.tx(|tx| {
            let room = room_where(tx, "id = ?1", params![room_id])?;
            if room.status != Status::Setup {
                return Err(Error::conflict("the talks have already started"));
            }
            tx.execute(
                "UPDATE rooms SET status = 'talks' WHERE id = ?1",
                params![room_id],
            )?;
            insert_version(tx, room_id, 0, draft, "mediator")?;
            advance(tx, room_id, scenario)
        })
    }

    /// Tables a new version of the text; agent seats answer at once.
    ///
    /// # Errors
    /// 409 outside the talks or when the draft equals the current text; 400 for a draft
    /// outside the space. In a trusted-neutral room a draft may also be tabled after an
    /// agreement (post-settlement improvement): the talks reopen on it and the agreement
    /// stands unless every party accepts the new version.
    pub fn table_draft(&self, room_id: i64, scenario: &Scenario, draft: &Outcome) -> Result<u32> {
        scenario.space().check(draft)?;
        self.tx(|tx| {
            let room = room_where(tx, "id = ?1", params![room_id])?;
            let reopen = room.status == Status::Agreed && room.trusted_neutral;
            if room.status != Status::Talks && !reopen {
                return Err(Error::conflict("the talks are not open"));
            }
            if reopen {
                tx.execute(
                    "UPDATE rooms SET status = 'talks' WHERE id = ?1",
                    params![room_id],
                )?;
            }
            let versions = versions_of(tx, room_id)?;
            let last = versions
                .last()
                .ok_or_else(|| Error::internal("talks without a text"))?;
            if &last.draft == draft {
                return Err(Error::conflict("this draft is the current text"));
            }
            let v = last.version + 1;
            insert_version(tx, room_id, v, draft, "mediator")?;
            advance(tx, room_id, scenario)?;
            Ok(v)
        })
    }

    /// Records a delegate's verdict on `version`, which must be the current one. Returns
    /// whether the text is now agreed.
    ///
    /// # Errors
    /// 409 when the talks are not open or the text has moved on.
    pub fn record_verdict(
        &self,
        room_id: i64,
        seat_id: i64,
        scenario: &Scenario,
        version: u32,
        verdict: &Verdict,
        comment: &str,
    ) -> Result<bool> {
        self.tx(|tx| {
            let room = room_where(tx, "id = ?1", params![room_id])?;
            if room.status != Status::Talks {
                return Err(Error::conflict("the talks are not open"));
            }
            let versions = versions_of(tx, room_id)?;
            let current = versions.last().map(|v| v.version);
            if current != Some(version) {
                return Err(Error::conflict(
                    "the text has changed since you loaded it; answer the new version",
                ));
            }
            upsert_verdict(tx, room_id, version, seat_id, verdict, comment)?;
            advance(tx, room_id, scenario)?;
            let room = room_where(tx, "id = ?1", params![room_id])?;
            Ok(room.status == Status::Agreed)
        })
    }

    /// A party delegate confides its current preferences to the room's trusted neutral.
    /// Changing them afterwards (before the talks) withdraws the confidence.
    ///
    /// # Errors
    /// 400 when the room is not in trusted-neutral mode or the seat is not a party of it.
    pub fn confide(&self, room_id: i64, seat_id: i64) -> Result<()> {
        self.tx(|tx| {
            let room = room_where(tx, "id = ?1", params![room_id])?;
            if !room.trusted_neutral {
                return Err(Error::bad("this room is not in trusted-neutral mode"));
            }
            let seat = seat_by_id(tx, seat_id)?;
            if seat.room_id != room_id || seat.kind != SeatKind::Party {
                return Err(Error::bad("only a party of this room confides preferences"));
            }
            tx.execute(
                "UPDATE seats SET confided = 1 WHERE id = ?1",
                params![seat_id],
            )?;
            Ok(())
        })
    }

    /// The trusted neutral's advice in a trusted-neutral room (`None` in any other room),
    /// computed from the confided preferences. It holds no utility or walk-away value.
    ///
    /// # Errors
    /// On a storage failure or a stored preference that no longer fits the scenario.
    pub fn neutral_advice(
        &self,
        room_id: i64,
        scenario: &Scenario,
    ) -> Result<Option<NeutralAdvice>> {
        self.with_read(|c| neutral_advice(c, room_id, scenario))
    }

    /// Everything the trusted neutral's advice depends on, as one string read in one snapshot:
    /// the room's status, agreed version and number of versions, and every party seat's
    /// confidence and saved preferences. Equal fingerprints give equal advice.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn neutral_fingerprint(&self, room_id: i64) -> Result<String> {
        self.with_read(|c| {
            let room: String = c.query_row(
                "SELECT status || '|' || ifnull(agreed_version, '-') || '|' ||
                   (SELECT count(*) FROM versions WHERE room_id = ?1)
                 FROM rooms WHERE id = ?1",
                params![room_id],
                |r| r.get(0),
            )?;
            let seats = all_rows(
                c,
                "SELECT id, confided, ifnull(prefs_json, '') FROM seats
                 WHERE room_id = ?1 AND kind = 'party' ORDER BY id",
                params![room_id],
                |r| {
                    Ok(format!(
                        "{}:{}:{}",
                        r.get::<_, i64>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, String>(2)?
                    ))
                },
            )?;
            Ok(format!("{room}|{}", seats.join("|")))
        })
    }

    /// The feedback mediator's suggestion for the next draft, from the verdicts so far.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn suggestion(&self, room_id: i64, scenario: &Scenario) -> Result<Option<Outcome>> {
        self.with_read(|c| suggestion(c, room_id, scenario))
    }

    /// Adds a private note to a seat.
    ///
    /// # Errors
    /// 400 for an empty or over-long note.
    pub fn add_note(&self, seat_id: i64, text: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() || text.len() > 10_000 {
            return Err(Error::bad("a note has 1 to 10000 characters"));
        }
        self.tx(|tx| {
            tx.execute(
                "INSERT INTO notes (seat_id, text, created_at) VALUES (?1, ?2, ?3)",
                params![seat_id, text, now()],
            )?;
            Ok(())
        })
    }

    /// A seat's own notes, oldest first.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn notes(&self, seat_id: i64) -> Result<Vec<Note>> {
        self.with_read(|c| {
            let mut st =
                c.prepare("SELECT created_at, text FROM notes WHERE seat_id = ?1 ORDER BY id")?;
            let rows = st
                .query_map(params![seat_id], |r| {
                    Ok(Note {
                        at: r.get(0)?,
                        text: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    /// The mediator asks a party seat a question.
    ///
    /// # Errors
    /// 400 for an empty question or a seat that is not a party of this room.
    pub fn ask(&self, room_id: i64, seat_id: i64, text: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() || text.len() > 10_000 {
            return Err(Error::bad("a question has 1 to 10000 characters"));
        }
        self.tx(|tx| {
            let seat = seat_by_id(tx, seat_id)?;
            if seat.room_id != room_id || seat.kind != SeatKind::Party {
                return Err(Error::bad("questions go to a party of this room"));
            }
            tx.execute(
                "INSERT INTO questions (room_id, seat_id, text, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![room_id, seat_id, text, now()],
            )?;
            Ok(())
        })
    }

    /// A party seat answers a question put to it.
    ///
    /// # Errors
    /// 404 when the question is not this seat's.
    pub fn answer(&self, seat_id: i64, question_id: i64, text: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() || text.len() > 10_000 {
            return Err(Error::bad("an answer has 1 to 10000 characters"));
        }
        self.tx(|tx| {
            let n = tx.execute(
                "UPDATE questions SET answer = ?3 WHERE id = ?1 AND seat_id = ?2",
                params![question_id, seat_id, text],
            )?;
            if n == 0 {
                return Err(Error::not_found("no such question for this seat"));
            }
            Ok(())
        })
    }

    /// Questions put to one seat.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn questions_of_seat(&self, seat_id: i64) -> Result<Vec<Question>> {
        self.with_read(|c| questions_where(c, "seat_id = ?1", seat_id))
    }

    /// Every question in a room: for the mediator only.
    ///
    /// # Errors
    /// On a storage failure.
    pub fn questions_of_room(&self, room_id: i64) -> Result<Vec<Question>> {
        self.with_read(|c| questions_where(c, "room_id = ?1", room_id))
    }
}

/// Adds the columns later versions introduced to a database an older version created.
fn migrate(c: &Connection) -> Result<()> {
    let has = |table: &str, col: &str| -> Result<bool> {
        let names = all_rows(c, &format!("PRAGMA table_info({table})"), [], |r| {
            r.get::<_, String>(1)
        })?;
        Ok(names.iter().any(|n| n == col))
    };
    if !has("rooms", "trusted_neutral")? {
        c.execute_batch("ALTER TABLE rooms ADD COLUMN trusted_neutral INTEGER NOT NULL DEFAULT 0")?;
    }
    if !has("seats", "confided")? {
        c.execute_batch("ALTER TABLE seats ADD COLUMN confided INTEGER NOT NULL DEFAULT 0")?;
    }
    Ok(())
}

fn new_session(
    tx: &Transaction<'_>,
    seat_id: Option<i64>,
    host_id: Option<i64>,
) -> Result<(String, String)> {
    let sid = random_hex(32)?;
    let csrf = random_hex(32)?;
    tx.execute(
        "INSERT INTO sessions (id_hash, seat_id, host_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash_secret(&sid), seat_id, host_id, csrf, now() + SESSION_SECONDS],
    )?;
    Ok((sid, csrf))
}

fn room_where(c: &Connection, cond: &str, p: impl rusqlite::Params) -> Result<Room> {
    let sql = format!(
        "SELECT id, public_id, name, scenario_toml, status, agreed_version, trusted_neutral FROM rooms WHERE {cond}"
    );
    type RoomRow = (i64, String, String, String, String, Option<i64>, bool);
    let row: Option<RoomRow> = c
        .query_row(&sql, p, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    let (id, public_id, name, scenario_toml, status, agreed, trusted_neutral) =
        row.ok_or_else(|| Error::not_found("no such room"))?;
    Ok(Room {
        id,
        public_id,
        name,
        scenario_toml,
        status: Status::parse(&status)?,
        agreed_version: agreed.map(|v| v as u32),
        trusted_neutral,
    })
}

const SEAT_COLS: &str =
    "id, public_id, room_id, kind, party_idx, agent, display_name, invite_used, confided";

fn seat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SeatRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

type SeatRow = (
    i64,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

fn seat_from(row: SeatRow) -> Result<Seat> {
    let (id, public_id, room_id, kind, idx, agent, display_name, joined, confided) = row;
    Ok(Seat {
        id,
        public_id,
        room_id,
        kind: SeatKind::parse(&kind)?,
        party_idx: idx.map(|i| i as usize),
        agent,
        display_name,
        joined,
        confided,
    })
}

fn seat_by_id(c: &Connection, id: i64) -> Result<Seat> {
    let row = c
        .query_row(
            &format!("SELECT {SEAT_COLS} FROM seats WHERE id = ?1"),
            params![id],
            seat_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("no such seat"))?;
    seat_from(row)
}

fn seat_by_public_id(c: &Connection, pid: &str) -> Result<Seat> {
    let row = c
        .query_row(
            &format!("SELECT {SEAT_COLS} FROM seats WHERE public_id = ?1"),
            params![pid],
            seat_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("no such seat"))?;
    seat_from(row)
}

fn seats_of(c: &Connection, room_id: i64) -> Result<Vec<Seat>> {
    let rows = all_rows(
        c,
        &format!("SELECT {SEAT_COLS} FROM seats WHERE room_id = ?1 ORDER BY id"),
        params![room_id],
        seat_row,
    )?;
    rows.into_iter().map(seat_from).collect()
}

fn versions_of(c: &Connection, room_id: i64) -> Result<Vec<Version>> {
    let rows = all_rows(
        c,
        "SELECT version, draft_json, author FROM versions WHERE room_id = ?1 ORDER BY version",
        params![room_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(v, d, author)| {
            Ok(Version {
                version: v as u32,
                draft: Outcome::new(serde_json::from_str(&d)?),
                author,
            })
        })
        .collect()
}

fn insert_version(
    tx: &Transaction<'_>,
    room_id: i64,
    version: u32,
    draft: &Outcome,
    author: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO versions (room_id, version, draft_json, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            room_id,
            version,
            serde_json::to_string(draft.indices())?,
            author,
            now()
        ],
    )?;
    Ok(())
}

fn verdicts_where(c: &Connection, cond: &str, id: i64) -> Result<Vec<StoredVerdict>> {
    let rows = all_rows(
        c,
        &format!(
            "SELECT version, seat_id, verdict_json, comment FROM verdicts WHERE {cond} ORDER BY version, seat_id"
        ),
        params![id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(v, s, j, comment)| {
            let dto: VerdictDto = serde_json::from_str(&j)?;
            Ok(StoredVerdict {
                version: v as u32,
                seat_id: s,
                verdict: dto.into_core(),
                comment,
            })
        })
        .collect()
}

fn upsert_verdict(
    tx: &Transaction<'_>,
    room_id: i64,
    version: u32,
    seat_id: i64,
    verdict: &Verdict,
    comment: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO verdicts (room_id, version, seat_id, verdict_json, comment, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (room_id, version, seat_id) DO UPDATE SET
           verdict_json = excluded.verdict_json, comment = excluded.comment,
           created_at = excluded.created_at",
        params![
            room_id,
            version,
            seat_id,
            serde_json::to_string(&VerdictDto::from_core(verdict))?,
            comment,
            now()
        ],
    )?;
    Ok(())
}

fn questions_where(c: &Connection, cond: &str, id: i64) -> Result<Vec<Question>> {
    let rows = all_rows(
        c,
        &format!("SELECT id, seat_id, text, answer FROM questions WHERE {cond} ORDER BY id"),
        params![id],
        |r| {
            Ok(Question {
                id: r.get(0)?,
                seat_id: r.get(1)?,
                text: r.get(2)?,
                answer: r.get(3)?,
            })
        },
    )?;
    Ok(rows)
}

/// A party seat's effective preferences: its delegate's edits if saved, else the scenario's.
fn effective_prefs(c: &Connection, scenario: &Scenario, seat: &Seat) -> Result<Preferences> {
    let p = seat
        .party_idx
        .and_then(|p| scenario.parties().get(p))
        .ok_or_else(|| Error::internal("party seat without a party"))?;
    let j: Option<String> = c.query_row(
        "SELECT prefs_json FROM seats WHERE id = ?1",
        params![seat.id],
        |r| r.get(0),
    )?;
    match j {
        Some(j) => {
            let form: PrefsForm = serde_json::from_str(&j)?;
            form.to_preferences(scenario.space(), &p.name, p.preferences.discount())
        }
        None => Ok(p.preferences.clone()),
    }
}

fn neutral_advice(
    c: &Connection,
    room_id: i64,
    scenario: &Scenario,
) -> Result<Option<NeutralAdvice>> {
    let room = room_where(c, "id = ?1", params![room_id])?;
    if !room.trusted_neutral {
        return Ok(None);
    }
    let seats = seats_of(c, room_id)?;
    let parties: Vec<&Seat> = seats.iter().filter(|s| s.kind == SeatKind::Party).collect();
    let mut advice = NeutralAdvice {
        waiting_for: parties
            .iter()
            .filter(|s| !s.confided)
            .filter_map(|s| s.party_idx)
            .collect(),
        ..NeutralAdvice::default()
    };
    if !advice.waiting_for.is_empty() {
        return Ok(Some(advice));
    }
    let mut confided = Vec::with_capacity(parties.len());
    for s in &parties {
        let p = s
            .party_idx
            .ok_or_else(|| Error::internal("party seat without a party"))?;
        confided.push(Confided::new(p, effective_prefs(c, scenario, s)?));
    }
    let neutral = TrustedNeutral::new(scenario, confided)?;
    match neutral.propose(Solution::Nash, Coalition::All) {
        Ok(p) => {
            advice.nash = p.outcome;
            advice.closest = p
                .blocked
                .map(|(o, short)| (o, short.iter().map(|s| s.party).collect()));
        }
        Err(e) => advice.failure = Some(e.to_string()),
    }
    let versions = versions_of(c, room_id)?;
    let on = match room.status {
        Status::Agreed => versions
            .iter()
            .find(|v| Some(v.version) == room.agreed_version),
        Status::Talks => versions.last(),
        Status::Setup | Status::Ended => None,
    };
    if let Some(v) = on {
        match neutral.improve(&v.draft) {
            Ok(i) => {
                advice.improvement = Some(NeutralImprovement {
                    on_version: v.version,
                    count: i.count,
                    best: i.best,
                })
            }
            Err(e) => advice.failure = Some(e.to_string()),
        }
    }
    Ok(Some(advice))
}

/// The next draft a mediator is advised to table: the trusted neutral's in a trusted-neutral
/// room where every party confided, else the feedback mediator's.
fn next_draft(c: &Connection, room_id: i64, scenario: &Scenario) -> Result<Option<Outcome>> {
    if let Some(a) = neutral_advice(c, room_id, scenario)?
        && a.ready()
    {
        let versions = versions_of(c, room_id)?;
        return Ok(a.next_draft(versions.last().map(|v| &v.draft)));
    }
    suggestion(c, room_id, scenario)
}

fn suggestion(c: &Connection, room_id: i64, scenario: &Scenario) -> Result<Option<Outcome>> {
    let seats = seats_of(c, room_id)?;
    let party_of = |seat_id: i64| {
        seats
            .iter()
            .find(|s| s.id == seat_id)
            .and_then(|s| s.party_idx)
    };
    let versions = versions_of(c, room_id)?;
    let verdicts = verdicts_where(c, "room_id = ?1", room_id)?;
    let history: Vec<(Outcome, Vec<(usize, Verdict)>)> = versions
        .iter()
        .map(|v| {
            let fb = verdicts
                .iter()
                .filter(|x| x.version == v.version)
                .filter_map(|x| party_of(x.seat_id).map(|p| (p, x.verdict.clone())))
                .collect();
            (v.draft.clone(), fb)
        })
        .collect();
    Ok(suggest_feedback_draft(
        scenario.space(),
        scenario.parties().len(),
        &history,
    )?)
}

/// After any change: agent parties answer the current version, an all-accept closes the
/// talks, and an agent mediator tables its suggestion once every party has answered.
fn advance(tx: &Transaction<'_>, room_id: i64, scenario: &Scenario) -> Result<()> {
    let seats = seats_of(tx, room_id)?;
    let parties: Vec<&Seat> = seats.iter().filter(|s| s.kind == SeatKind::Party).collect();
    let agent_mediator = seats
        .iter()
        .any(|s| s.kind == SeatKind::Mediator && s.agent.is_some());
    // Each pass tables at most one version; the bound keeps an agent-only room finite.
    for _ in 0..=scenario.rounds.max(1) {
        let versions = versions_of(tx, room_id)?;
        let Some(current) = versions.last() else {
            return Ok(());
        };
        let drafts: Vec<Outcome> = versions.iter().map(|v| v.draft.clone()).collect();
        let answered = |tx: &Transaction<'_>| -> Result<Vec<StoredVerdict>> {
            Ok(verdicts_where(tx, "room_id = ?1", room_id)?
                .into_iter()
                .filter(|v| v.version == current.version)
                .collect())
        };
        let done = answered(tx)?;
        for s in &parties {
            if let (Some(agent), Some(p)) = (&s.agent, s.party_idx)
                && !done.iter().any(|v| v.seat_id == s.id)
            {
                let strategy: Strategy =
                    agent.parse().map_err(|e| Error::internal(format!("{e}")))?;
                let verdict = model::agent_verdict(scenario, p, &strategy, &drafts)?;
                upsert_verdict(tx, room_id, current.version, s.id, &verdict, "")?;
            }
        }
        let done = answered(tx)?;
        let all_answered = parties
            .iter()
            .all(|s| done.iter().any(|v| v.seat_id == s.id));
        let all_accept = parties
            .iter()
            .all(|s| done.iter().any(|v| v.seat_id == s.id && v.verdict.accept));
        if all_accept {
            tx.execute(
                "UPDATE rooms SET status = 'agreed', agreed_version = ?2 WHERE id = ?1",
                params![room_id, current.version],
            )?;
            return Ok(());
        }
        if !(agent_mediator && all_answered) {
            return Ok(());
        }
        let next = next_draft(tx, room_id, scenario)?;
        match next {
            Some(n) if n != current.draft && versions.len() < scenario.rounds.max(2) as usize => {
                insert_version(tx, room_id, current.version + 1, &n, "agent mediator")?;
            }
            _ => {
                tx.execute(
                    "UPDATE rooms SET status = 'ended' WHERE id = ?1",
                    params![room_id],
                )?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Every row of `sql` run with `params`, each read by `f`.
fn all_rows<T>(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut st = c.prepare(sql)?;
    st.query_map(params, f)?.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    fn scenario() -> Scenario {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/job-offer.toml"
        ))
        .unwrap();
        detente_formats::native::read_str(&text, None).unwrap()
    }

    /// Pages are served from the last commit while the writer holds an open transaction:
    /// a read neither waits for it nor sees its uncommitted rows.
    #[test]
    fn reads_do_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("room.db")).unwrap());
        let s = scenario();
        let room = store
            .create_room(None, &s, &RoomSetup::all_people("first", &s))
            .unwrap();
        let writer = store.conn.lock().unwrap();
        writer
            .execute_batch("BEGIN IMMEDIATE; UPDATE rooms SET name = 'second'")
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let (reader, pid) = (store.clone(), room.room_id.clone());
        std::thread::spawn(move || {
            let _ = tx.send(reader.room(&pid).map(|r| r.name));
        });
        let name = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a read waited for the writer");
        assert_eq!(name.unwrap(), "first");
        writer.execute_batch("COMMIT").unwrap();
        drop(writer);
        // Once committed, the next read sees it.
        assert_eq!(store.room(&room.room_id).unwrap().name, "second");
    }

    /// A database an older version created (no trusted-neutral columns) gains them on open.
    #[test]
    fn older_databases_are_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let c = Connection::open(&path).unwrap();
            // SCHEMA is the first version's; `migrate` adds the later columns.
            c.execute_batch(SCHEMA).unwrap();
            let cols: Vec<String> = c
                .prepare("PRAGMA table_info(seats)")
                .unwrap()
                .query_map([], |r| r.get(1))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(!cols.iter().any(|c| c == "confided"));
        }
        let store = Store::open(&path).unwrap();
        let s = scenario();
        let mut setup = RoomSetup::all_people("old", &s);
        setup.trusted_neutral = true;
        let room = store.create_room(None, &s, &setup).unwrap();
        assert!(store.room(&room.room_id).unwrap().trusted_neutral);
    }
}
