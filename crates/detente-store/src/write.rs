//! Writing: binding a database to a tournament, and the batched record [`Writer`].
//!
//! Records are inserted into an open transaction that is committed every
//! [`BatchConfig::max_records`] records or [`BatchConfig::max_delay`] after the batch's first
//! record, whichever comes first, and when the writer is finished or dropped. One record's
//! rows (negotiation, participants, events) are always in the same transaction, so a crash
//! never leaves half a record. Inserts use `ON CONFLICT DO NOTHING` on the negotiation's
//! unique key: writing a record twice stores it once.
//!
//! Non-goals: concurrent writers to one file (SQLite serialises them; use shards and
//! [`merge`](crate::merge) instead).

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use detente_tournament::{Description, IdSet, Record, Sink};

use crate::Store;
use crate::error::{Error, ErrorKind};

/// When a [`Writer`] commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// Commit after this many records (default 1000).
    pub max_records: usize,
    /// Commit when the batch's first record is this old (default 250 ms), so a slow
    /// tournament loses little on a crash.
    pub max_delay: Duration,
}

impl Default for BatchConfig {
    fn default() -> BatchConfig {
        BatchConfig {
            max_records: 1000,
            max_delay: Duration::from_millis(250),
        }
    }
}

impl Store {
    /// Binds the database to the tournament `d` and returns the ids of the negotiations it
    /// already holds (to skip them: this is how a rerun resumes).
    ///
    /// # Errors
    /// When the database holds another tournament (another fingerprint), or on SQLite errors.
    pub fn begin(&mut self, d: &Description) -> Result<IdSet, Error> {
        match self.description()? {
            Some(existing) if existing.fingerprint == d.fingerprint => self.completed(),
            Some(existing) => Err(Error::new(ErrorKind::DifferentTournament {
                path: self.path.clone(),
                found: existing.fingerprint,
                expected: d.fingerprint.clone(),
            })),
            None => {
                insert_description(&mut self.conn, d).map_err(Error::sqlite(&self.path))?;
                Ok(IdSet::new())
            }
        }
    }

    /// A batched writer with the default [`BatchConfig`].
    pub fn writer(&mut self) -> Writer<'_> {
        self.writer_with(BatchConfig::default())
    }

    /// A batched writer.
    pub fn writer_with(&mut self, config: BatchConfig) -> Writer<'_> {
        Writer {
            store: self,
            config,
            pending: 0,
            batch_started: None,
            written: 0,
        }
    }
}

fn insert_description(conn: &mut Connection, d: &Description) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let c = &d.config;
    tx.execute(
        "INSERT INTO tournament (id, fingerprint, seed, rounds, reps, max_assignments, max_steps, \
         traces, analysis_max_nodes, n_negotiations, protocol) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.fingerprint,
            c.seed.to_string(),
            c.rounds,
            c.reps,
            to_i64(c.max_assignments),
            c.max_steps.map(to_i64),
            c.traces,
            to_i64(c.analysis_max_nodes),
            to_i64(d.n_negotiations),
            c.protocol.as_str(),
        ],
    )?;
    for (i, m) in c.protocol.mediators().iter().enumerate() {
        tx.execute(
            "INSERT INTO mediators (mediator_idx, name) VALUES (?1, ?2)",
            params![to_i64(i as u64), m.as_str()],
        )?;
    }
    for (i, name) in d.players.iter().enumerate() {
        tx.execute(
            "INSERT INTO strategies (strategy_idx, name) VALUES (?1, ?2)",
            params![to_i64(i as u64), name],
        )?;
    }
    for (i, s) in d.scenarios.iter().enumerate() {
        tx.execute(
            "INSERT INTO scenarios (scenario_idx, name, source, n_parties, n_possible, \
             n_assignments, pareto_size, nash, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                to_i64(i as u64),
                s.name,
                s.source,
                to_i64(s.parties.len() as u64),
                to_i64(s.n_possible),
                to_i64(s.n_assignments),
                s.pareto_size.map(to_i64),
                s.nash.as_deref().map(floats_json),
                s.note,
            ],
        )?;
        for (j, (name, reservation)) in s.parties.iter().enumerate() {
            tx.execute(
                "INSERT INTO parties (scenario_idx, party_idx, name, reservation) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![to_i64(i as u64), to_i64(j as u64), name, reservation],
            )?;
        }
    }
    tx.commit()
}

/// Writes records in batched transactions (see the module docs). Implements the tournament's
/// [`Sink`]. Dropping a writer commits what it holds; [`Writer::finish`] does the same and
/// reports errors.
#[derive(Debug)]
pub struct Writer<'a> {
    store: &'a mut Store,
    config: BatchConfig,
    pending: usize,
    batch_started: Option<Instant>,
    written: u64,
}

impl Writer<'_> {
    /// Adds a record; returns whether it was new (false when the negotiation was already
    /// stored, which leaves the stored one unchanged).
    ///
    /// # Errors
    /// On SQLite errors (e.g. a full disk).
    pub fn push(&mut self, record: &Record) -> Result<bool, Error> {
        let path = self.store.path.clone();
        if self.batch_started.is_none() {
            self.store
                .conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(Error::sqlite(&path))?;
            self.batch_started = Some(Instant::now());
        }
        let new = insert_record(&self.store.conn, record).map_err(Error::sqlite(&path))?;
        self.pending += 1;
        self.written += u64::from(new);
        if self.pending >= self.config.max_records
            || self
                .batch_started
                .is_some_and(|t| t.elapsed() >= self.config.max_delay)
        {
            self.flush()?;
        }
        Ok(new)
    }

    /// Commits the records added so far.
    ///
    /// # Errors
    /// On SQLite errors.
    pub fn flush(&mut self) -> Result<(), Error> {
        if self.batch_started.take().is_some() {
            self.pending = 0;
            self.store
                .conn
                .execute_batch("COMMIT")
                .map_err(Error::sqlite(&self.store.path))?;
        }
        Ok(())
    }

    /// Commits and returns how many new records were written.
    ///
    /// # Errors
    /// On SQLite errors.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.flush()?;
        Ok(self.written)
    }

    /// How many new records were written so far (committed or not).
    pub fn written(&self) -> u64 {
        self.written
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        // Best effort: results already computed are worth keeping even when the run stops on
        // an error elsewhere. `finish` reports commit errors; here there is nobody to tell.
        let _ = self.flush();
    }
}

impl Sink for Writer<'_> {
    fn on_record(
        &mut self,
        record: Record,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.push(&record)?;
        Ok(())
    }
}

/// Inserts one record's rows; returns false when the negotiation was already there.
pub(crate) fn insert_record(conn: &Connection, r: &Record) -> rusqlite::Result<bool> {
    let (status, failure_kind, failure) = match &r.metrics {
        Ok(_) => ("ok", None, None),
        Err(f) => ("failed", Some(f.kind.as_str()), Some(f.message.as_str())),
    };
    let m = r.metrics.as_ref().ok();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO negotiations (id, scenario_idx, assignment, rotation, rep, mediator_idx, \
             seed, status, failure_kind, failure, agreement, outcome, rounds, welfare, \
             pareto_distance, nash_distance, individually_rational, ended_by, questions) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18, ?19) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            to_i64(r.id),
            to_i64(r.key.scenario_idx as u64),
            to_i64(r.key.assignment),
            to_i64(r.rotation as u64),
            r.key.rep,
            to_i64(r.key.mediator as u64),
            r.seed.to_string(),
            status,
            failure_kind,
            failure,
            m.map(|m| m.agreement.is_some()),
            m.and_then(|m| m.agreement.as_deref()).map(indices_json),
            m.map(|m| m.rounds),
            m.map(|m| m.welfare),
            m.and_then(|m| m.pareto_distance),
            m.and_then(|m| m.nash_distance),
            m.map(|m| m.individually_rational),
            m.and_then(|m| m.ended_by).map(|p| to_i64(p as u64)),
            m.and_then(|m| m.questions),
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut participant = conn.prepare_cached(
        "INSERT INTO participants (negotiation_id, position, strategy_idx, party_idx, utility) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (j, (&player, &party)) in r.players.iter().zip(&r.parties).enumerate() {
        participant.execute(params![
            to_i64(r.id),
            to_i64(j as u64),
            to_i64(player as u64),
            to_i64(party as u64),
            m.and_then(|m| m.utilities.get(j).copied()),
        ])?;
    }
    if let Some(trace) = &r.trace {
        let mut event = conn.prepare_cached(
            "INSERT INTO events (negotiation_id, step, round, position, kind, outcome, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (step, e) in trace.iter().enumerate() {
            event.execute(params![
                to_i64(r.id),
                to_i64(step as u64),
                e.round,
                e.position.map(|p| to_i64(p as u64)),
                e.kind.as_str(),
                e.outcome.as_deref().map(indices_json),
                e.detail,
            ])?;
        }
    }
    Ok(true)
}

/// SQLite integers are signed 64-bit; every count and id here is far below 2⁶³ (the plan
/// refuses larger tournaments), so saturating never changes a value in practice.
pub(crate) fn to_i64(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// `[1,0,2]`: value indices as a JSON array.
pub(crate) fn indices_json(v: &[u32]) -> String {
    let parts: Vec<String> = v.iter().map(u32::to_string).collect();
    format!("[{}]", parts.join(","))
}

/// `[0.5,1e-7]`: floats as a JSON array, each printed so that it reads back exactly.
pub(crate) fn floats_json(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", parts.join(","))
}
