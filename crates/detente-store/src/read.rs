//! Reading results back: the tournament's description, the ids done, records and the ranking.
//!
//! Records are streamed in id order from three cursors (negotiations, participants, events)
//! joined in Rust, so reading a million negotiations needs memory for one record at a time and
//! gives the same [`Record`]s, bit for bit, that were written.
//!
//! Non-goals: ad-hoc queries (use SQL on the file: the schema is documented and stable within
//! a schema version).

use rusqlite::types::Value;
use rusqlite::{Row, Rows};

use detente_tournament::{
    Description, EventKind, Failure, FailureKind, IdSet, Key, MediatorRanker, MediatorStanding,
    MediatorStrategy, Metrics, Protocol, Ranker, Record, ScenarioSummary, Standing,
    TournamentConfig, TraceEvent,
};

use crate::Store;
use crate::error::{Error, ErrorKind};
use crate::write::to_i64;

/// How many negotiations a database holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Negotiations in the tournament.
    pub planned: u64,
    /// Negotiations stored.
    pub stored: u64,
    /// Of those, failed ones.
    pub failed: u64,
}

impl Store {
    /// The tournament the database holds, if any.
    ///
    /// # Errors
    /// On SQLite errors or unreadable rows.
    pub fn description(&self) -> Result<Option<Description>, Error> {
        if !self.initialized {
            return Ok(None);
        }
        let path = &self.path;
        let sql = Error::sqlite(path);
        let row = self
            .conn
            .query_row(
                "SELECT fingerprint, seed, rounds, reps, max_assignments, max_steps, traces, \
                 analysis_max_nodes, n_negotiations, protocol FROM tournament WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, u32>(2)?,
                        r.get::<_, u32>(3)?,
                        r.get::<_, u64>(4)?,
                        r.get::<_, Option<u64>>(5)?,
                        r.get::<_, bool>(6)?,
                        r.get::<_, u64>(7)?,
                        r.get::<_, u64>(8)?,
                        r.get::<_, String>(9)?,
                    ))
                },
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(sql)?;
        let Some((
            fingerprint,
            seed,
            rounds,
            reps,
            max_assignments,
            max_steps,
            traces,
            nodes,
            n,
            protocol,
        )) = row
        else {
            return Ok(None);
        };
        let mediators = self.indexed(
            "SELECT mediator_idx, name FROM mediators ORDER BY mediator_idx",
            "mediator",
            |r| {
                let name: String = r.get(1).map_err(Error::sqlite(path))?;
                name.parse::<MediatorStrategy>()
                    .map_err(|_| Error::corrupt(path, format!("mediator '{name}'")))
            },
        )?;
        let protocol = match protocol.as_str() {
            "sao" if mediators.is_empty() => Protocol::Sao,
            "single-text" if !mediators.is_empty() => Protocol::SingleText { mediators },
            other => {
                return Err(Error::corrupt(
                    path,
                    format!("protocol '{other}' with {} mediators", mediators.len()),
                ));
            }
        };
        let seed = seed
            .parse()
            .map_err(|_| Error::corrupt(path, format!("tournament seed '{seed}'")))?;
        let players = self.indexed(
            "SELECT strategy_idx, name FROM strategies ORDER BY strategy_idx",
            "strategy",
            |r| r.get::<_, String>(1).map_err(Error::sqlite(path)),
        )?;
        let scenarios = self.scenario_summaries()?;
        Ok(Some(Description {
            fingerprint,
            config: TournamentConfig {
                rounds,
                reps,
                seed,
                max_assignments,
                max_steps,
                traces,
                analysis_max_nodes: nodes,
                protocol,
            },
            n_negotiations: n,
            players,
            scenarios,
        }))
    }

    /// The rows of `sql`, whose first column must count 0, 1, 2, … (the indices of `what`),
    /// each read by `f`.
    fn indexed<T>(
        &self,
        sql: &str,
        what: &str,
        mut f: impl FnMut(&Row<'_>) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let path = &self.path;
        let mut stmt = self.conn.prepare(sql).map_err(Error::sqlite(path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(path))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(Error::sqlite(path))? {
            let idx: u64 = r.get(0).map_err(Error::sqlite(path))?;
            if idx != out.len() as u64 {
                return Err(Error::corrupt(
                    path,
                    format!("{what} indices are not 0, 1, 2, …"),
                ));
            }
            out.push(f(r)?);
        }
        Ok(out)
    }

    /// Each scenario's summary, with its parties (name, walk-away value) in party order.
    fn scenario_summaries(&self) -> Result<Vec<ScenarioSummary>, Error> {
        let path = &self.path;
        let mut scenarios = self.indexed(
            "SELECT scenario_idx, name, source, n_possible, n_assignments, pareto_size, nash, \
             note FROM scenarios ORDER BY scenario_idx",
            "scenario",
            |r| {
                let nash: Option<String> = r.get(6).map_err(Error::sqlite(path))?;
                let nash = match nash {
                    None => None,
                    Some(text) => Some(
                        parse_floats(&text)
                            .ok_or_else(|| Error::corrupt(path, format!("nash point '{text}'")))?,
                    ),
                };
                Ok(ScenarioSummary {
                    name: r.get(1).map_err(Error::sqlite(path))?,
                    source: r.get(2).map_err(Error::sqlite(path))?,
                    parties: Vec::new(),
                    n_possible: r.get(3).map_err(Error::sqlite(path))?,
                    n_assignments: r.get(4).map_err(Error::sqlite(path))?,
                    pareto_size: r.get(5).map_err(Error::sqlite(path))?,
                    nash,
                    note: r.get(7).map_err(Error::sqlite(path))?,
                })
            },
        )?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT scenario_idx, party_idx, name, reservation FROM parties \
                 ORDER BY scenario_idx, party_idx",
            )
            .map_err(Error::sqlite(path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(path))?;
        while let Some(r) = rows.next().map_err(Error::sqlite(path))? {
            let s: usize = r.get(0).map_err(Error::sqlite(path))?;
            let p: usize = r.get(1).map_err(Error::sqlite(path))?;
            let scenario = scenarios
                .get_mut(s)
                .filter(|sc| sc.parties.len() == p)
                .ok_or_else(|| Error::corrupt(path, format!("party {p} of scenario {s}")))?;
            scenario.parties.push((
                r.get(2).map_err(Error::sqlite(path))?,
                r.get(3).map_err(Error::sqlite(path))?,
            ));
        }
        Ok(scenarios)
    }

    /// The tournament the database holds.
    ///
    /// # Errors
    /// When it holds none, or as [`Store::description`].
    pub fn require_description(&self) -> Result<Description, Error> {
        self.description()?.ok_or_else(|| {
            Error::new(ErrorKind::NoTournament {
                path: self.path.clone(),
            })
        })
    }

    /// Calls `f` with the id of every stored negotiation.
    pub(crate) fn for_each_id(&self, f: &mut dyn FnMut(u64)) -> Result<(), Error> {
        if !self.initialized {
            return Ok(());
        }
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM negotiations")
            .map_err(Error::sqlite(path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(path))?;
        while let Some(r) = rows.next().map_err(Error::sqlite(path))? {
            f(r.get(0).map_err(Error::sqlite(path))?);
        }
        Ok(())
    }

    /// The ids of the negotiations stored.
    ///
    /// # Errors
    /// On SQLite errors.
    pub fn completed(&self) -> Result<IdSet, Error> {
        let mut set = IdSet::new();
        if !self.initialized {
            return Ok(set);
        }
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM negotiations")
            .map_err(Error::sqlite(path))?;
        let mut rows = stmt.query([]).map_err(Error::sqlite(path))?;
        while let Some(r) = rows.next().map_err(Error::sqlite(path))? {
            set.insert(r.get(0).map_err(Error::sqlite(path))?);
        }
        Ok(set)
    }

    /// How many negotiations are planned, stored and failed.
    ///
    /// # Errors
    /// When the database holds no tournament, or on SQLite errors.
    pub fn counts(&self) -> Result<Counts, Error> {
        let d = self.require_description()?;
        let (stored, failed) = self
            .conn
            .query_row(
                "SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM negotiations",
                [],
                |r| Ok((r.get::<_, u64>(0)?, r.get::<_, u64>(1)?)),
            )
            .map_err(Error::sqlite(&self.path))?;
        Ok(Counts {
            planned: d.n_negotiations,
            stored,
            failed,
        })
    }

    /// Calls `f` with every stored record in id order; with `traces`, records carry their
    /// trace when the tournament kept traces.
    ///
    /// # Errors
    /// On SQLite errors, unreadable rows, or the first error `f` returns.
    pub fn for_each_record(
        &self,
        traces: bool,
        f: &mut dyn FnMut(Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.records_between(0, u64::MAX, traces, f)
    }

    /// The stored record `id`, with its trace when the tournament kept traces.
    ///
    /// # Errors
    /// As [`Store::for_each_record`].
    pub fn record(&self, id: u64) -> Result<Option<Record>, Error> {
        let mut found = None;
        self.records_between(id, id, true, &mut |r| {
            found = Some(r);
            Ok(())
        })?;
        Ok(found)
    }

    /// Calls `f` with the stored records whose id is in `lo..=hi`, in id order.
    fn records_between(
        &self,
        lo: u64,
        hi: u64,
        traces: bool,
        f: &mut dyn FnMut(Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let d = self.require_description()?;
        let traces = traces && d.config.traces;
        let path = &self.path;
        let sql = |e| Error::sqlite(path)(e);
        let range = (to_i64(lo), to_i64(hi));
        let mut n_stmt = self
            .conn
            .prepare(
                "SELECT id, scenario_idx, assignment, rotation, rep, seed, status, failure_kind, \
                 failure, agreement, outcome, rounds, welfare, pareto_distance, nash_distance, \
                 individually_rational, ended_by, mediator_idx, questions FROM negotiations \
                 WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
            )
            .map_err(sql)?;
        let mut p_stmt = self
            .conn
            .prepare(
                "SELECT negotiation_id, position, strategy_idx, party_idx, utility \
                 FROM participants WHERE negotiation_id BETWEEN ?1 AND ?2 \
                 ORDER BY negotiation_id, position",
            )
            .map_err(sql)?;
        let mut e_stmt = self
            .conn
            .prepare(
                "SELECT negotiation_id, step, round, position, kind, outcome, detail \
                 FROM events WHERE negotiation_id BETWEEN ?1 AND ?2 ORDER BY negotiation_id, step",
            )
            .map_err(sql)?;
        let mut negotiations = n_stmt.query(range).map_err(sql)?;
        let mut participants = Cursor::new(p_stmt.query(range).map_err(sql)?);
        let mut events = if traces {
            Some(Cursor::new(e_stmt.query(range).map_err(sql)?))
        } else {
            None
        };
        while let Some(row) = negotiations.next().map_err(sql)? {
            let record = read_record(row, &mut participants, events.as_mut(), path)?;
            f(record)?;
        }
        Ok(())
    }

    /// The ranking of the stored results (see `detente_tournament::Ranker`).
    ///
    /// # Errors
    /// As [`Store::for_each_record`].
    pub fn ranking(&self) -> Result<Vec<Standing>, Error> {
        let d = self.require_description()?;
        let mut ranker = Ranker::new(d.players);
        self.for_each_record(false, &mut |r| {
            ranker.add(&r);
            Ok(())
        })?;
        Ok(ranker.finish())
    }

    /// The ranking of a single-text tournament's mediators (see
    /// `detente_tournament::MediatorRanker`); empty for an SAO tournament.
    ///
    /// # Errors
    /// As [`Store::for_each_record`].
    pub fn mediator_ranking(&self) -> Result<Vec<MediatorStanding>, Error> {
        let d = self.require_description()?;
        let names: Vec<String> = d
            .config
            .protocol
            .mediators()
            .iter()
            .map(|m| m.as_str().to_string())
            .collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut ranker = MediatorRanker::new(names);
        self.for_each_record(false, &mut |r| {
            ranker.add(&r);
            Ok(())
        })?;
        Ok(ranker.finish())
    }
}

/// A cursor over rows keyed by negotiation id, with one row of look-ahead.
struct Cursor<'s> {
    rows: Rows<'s>,
    /// The next row: its negotiation id and its other columns.
    peeked: Option<(u64, Vec<Value>)>,
    done: bool,
}

impl<'s> Cursor<'s> {
    fn new(rows: Rows<'s>) -> Cursor<'s> {
        Cursor {
            rows,
            peeked: None,
            done: false,
        }
    }

    /// The rows of negotiation `id`, skipping rows of smaller ids (which belong to no stored
    /// negotiation).
    fn take(&mut self, id: u64) -> rusqlite::Result<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        loop {
            if self.peeked.is_none() {
                if self.done {
                    return Ok(out);
                }
                match self.rows.next()? {
                    None => {
                        self.done = true;
                        return Ok(out);
                    }
                    Some(r) => {
                        let n = r.as_ref().column_count();
                        let key: u64 = r.get(0)?;
                        let values = (1..n)
                            .map(|i| r.get::<_, Value>(i))
                            .collect::<Result<_, _>>()?;
                        self.peeked = Some((key, values));
                    }
                }
            }
            match self.peeked.take() {
                Some((k, v)) if k == id => out.push(v),
                Some((k, _)) if k < id => {}
                other => {
                    self.peeked = other;
                    return Ok(out);
                }
            }
        }
    }
}

fn read_record(
    row: &Row<'_>,
    participants: &mut Cursor<'_>,
    events: Option<&mut Cursor<'_>>,
    path: &std::path::Path,
) -> Result<Record, Error> {
    let sql = |e| Error::sqlite(path)(e);
    let id: u64 = row.get(0).map_err(sql)?;
    let bad = |what: &str| Error::corrupt(path, format!("negotiation {id}: {what}"));
    let key = Key {
        scenario_idx: row.get(1).map_err(sql)?,
        assignment: row.get(2).map_err(sql)?,
        rep: row.get(4).map_err(sql)?,
        mediator: row.get(17).map_err(sql)?,
    };
    let rotation: usize = row.get(3).map_err(sql)?;
    let seed: String = row.get(5).map_err(sql)?;
    let seed: u64 = seed.parse().map_err(|_| bad("seed"))?;
    let status: String = row.get(6).map_err(sql)?;
    let seats = participants.take(id).map_err(sql)?;
    let mut players = Vec::with_capacity(seats.len());
    let mut parties = Vec::with_capacity(seats.len());
    let mut utilities = Vec::with_capacity(seats.len());
    for (j, s) in seats.iter().enumerate() {
        match s.as_slice() {
            [
                Value::Integer(pos),
                Value::Integer(player),
                Value::Integer(party),
                utility,
            ] if *pos == j as i64 => {
                players.push(usize::try_from(*player).map_err(|_| bad("strategy index"))?);
                parties.push(usize::try_from(*party).map_err(|_| bad("party index"))?);
                utilities.push(match utility {
                    Value::Real(u) => Some(*u),
                    Value::Integer(u) => Some(*u as f64),
                    _ => None,
                });
            }
            _ => return Err(bad("participants")),
        }
    }
    let metrics = match status.as_str() {
        "ok" => {
            let agreement: bool = row.get(9).map_err(sql)?;
            let outcome: Option<String> = row.get(10).map_err(sql)?;
            let agreement = match (agreement, outcome) {
                (true, Some(text)) => Some(parse_indices(&text).ok_or_else(|| bad("outcome"))?),
                (false, None) => None,
                _ => return Err(bad("agreement and outcome disagree")),
            };
            Ok(Metrics {
                agreement,
                rounds: row.get(11).map_err(sql)?,
                utilities: utilities
                    .into_iter()
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| bad("a participant has no utility"))?,
                welfare: row.get(12).map_err(sql)?,
                pareto_distance: row.get(13).map_err(sql)?,
                nash_distance: row.get(14).map_err(sql)?,
                individually_rational: row.get(15).map_err(sql)?,
                ended_by: row.get(16).map_err(sql)?,
                questions: row.get(18).map_err(sql)?,
            })
        }
        "failed" => {
            let kind: Option<String> = row.get(7).map_err(sql)?;
            Err(Failure {
                kind: kind
                    .as_deref()
                    .and_then(FailureKind::parse)
                    .ok_or_else(|| bad("failure kind"))?,
                message: row
                    .get::<_, Option<String>>(8)
                    .map_err(sql)?
                    .unwrap_or_default(),
            })
        }
        _ => return Err(bad("status")),
    };
    let trace = match events {
        Some(cursor) if metrics.is_ok() => {
            let rows = cursor.take(id).map_err(sql)?;
            let mut trace = Vec::with_capacity(rows.len());
            for (step, v) in rows.iter().enumerate() {
                trace.push(read_event(step, v).ok_or_else(|| bad("events"))?);
            }
            Some(trace)
        }
        _ => None,
    };
    Ok(Record {
        id,
        key,
        rotation,
        seed,
        players,
        parties,
        metrics,
        trace,
    })
}

fn read_event(step: usize, v: &[Value]) -> Option<TraceEvent> {
    let [
        Value::Integer(s),
        Value::Integer(round),
        position,
        Value::Text(kind),
        outcome,
        detail,
    ] = v
    else {
        return None;
    };
    if *s != step as i64 {
        return None;
    }
    Some(TraceEvent {
        round: u32::try_from(*round).ok()?,
        position: match position {
            Value::Null => None,
            Value::Integer(p) => Some(usize::try_from(*p).ok()?),
            _ => return None,
        },
        kind: EventKind::parse(kind)?,
        outcome: match outcome {
            Value::Null => None,
            Value::Text(t) => Some(parse_indices(t)?),
            _ => return None,
        },
        detail: match detail {
            Value::Null => None,
            Value::Text(t) => Some(t.clone()),
            _ => return None,
        },
    })
}

/// Parses `[1,0,2]`.
pub(crate) fn parse_indices(text: &str) -> Option<Vec<u32>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|x| x.trim().parse().ok()).collect()
}

/// Parses `[0.5,1e-7]`.
pub(crate) fn parse_floats(text: &str) -> Option<Vec<f64>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|x| x.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{floats_json, indices_json};

    #[test]
    fn json_arrays_round_trip() {
        let v = vec![0.1, 1e-7, 1.0, -0.0, 123456.789, f64::MIN_POSITIVE];
        let back = parse_floats(&floats_json(&v)).unwrap();
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            back.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(
            parse_indices(&indices_json(&[3, 0, 7])),
            Some(vec![3, 0, 7])
        );
        assert_eq!(parse_indices("[]"), Some(vec![]));
        assert_eq!(parse_indices("[1,x]"), None);
    }
}
