//! The calls: analysis, negotiations, tournaments, the results store. Each converts its
//! arguments, calls the library with the GIL released, and returns plain data.

use std::path::PathBuf;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::{Value as Json, json};

use detente_core::analysis::robustness::{self, SensitivityConfig};
use detente_core::analysis::{self, AnalysisConfig, FrontierVector, Incomplete, Point};
use detente_core::negotiator::{Strategy, build_negotiators};
use detente_core::protocol::{
    self, Consultation, Event, Mechanism, MediatorStrategy, NegotiationResult, Sao, SaoConfig,
    SingleTextConfig,
};
use detente_core::{Outcome, OutcomeSpace, Scenario as CoreScenario};
use detente_store::Store;
use detente_tournament::{
    Description, Player, Ranker, Record, RunOptions, RunSummary, ScenarioEntry, Shard, Standing,
    Tournament, TournamentConfig,
};

use crate::agents::{OnError, PyPlayer};
use crate::convert::{
    count_json, json_to_py, outcome_indices_json, outcome_json, py_outcome, type_name, value_json,
};
use crate::scenario::Scenario;
use crate::{DetenteError, err};

/// How often a long call looks for Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Runs `f` on a worker thread with the GIL released, checking for signals (Ctrl-C) every
/// 50 ms on the calling thread. On `KeyboardInterrupt` the call returns at once with the
/// exception; the worker finishes its computation in the background and its result is dropped
/// (the library has no cancellation points inside one analysis or negotiation).
///
/// # Errors
/// The signal handler's exception, or a `DetenteError` when the worker panicked.
pub fn interruptible<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = channel();
    let handle = std::thread::Builder::new()
        .name("detente-call".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| DetenteError::new_err(format!("cannot start a worker thread: {e}")))?;
    py.detach(move || {
        loop {
            match rx.recv_timeout(SIGNAL_POLL) {
                Ok(v) => return Ok(v),
                Err(RecvTimeoutError::Timeout) => Python::attach(|py| py.check_signals())?,
                Err(RecvTimeoutError::Disconnected) => {
                    let why = match handle.join() {
                        Err(p) => p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "unknown panic".into()),
                        Ok(()) => "the worker ended without a result".into(),
                    };
                    return Err(DetenteError::new_err(format!(
                        "internal error (please report): {why}"
                    )));
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Analysis

fn point_json(space: &OutcomeSpace, p: &Point) -> Json {
    json!({"outcome": outcome_json(space, &p.outcome), "utilities": p.utilities, "acceptable": p.acceptable})
}

fn vector_json(space: &OutcomeSpace, v: &FrontierVector) -> Json {
    json!({
        "outcome": outcome_json(space, &v.outcome),
        "utilities": v.utilities,
        "count": count_json(&v.count),
        "acceptable": v.acceptable,
    })
}

/// The exact analysis of a scenario. Returns a dict: `outcomes` and `zopa` (counts), `ideal`,
/// `pareto`, `pareto_acceptable` (lists of points: `outcome`, `utilities`, `acceptable`),
/// `pareto_vectors`, `pareto_acceptable_vectors` (distinct utility vectors with exact
/// `count`s), `nash`, `kalai_smorodinsky`, `max_welfare` (a point or `None` when nothing is
/// acceptable), `opposition`, and `incomplete`: `{quantity: reason}` for every quantity that
/// exceeded `max_nodes` (those are `None`).
#[pyfunction]
#[pyo3(signature = (scenario, *, full_frontier = true, acceptable_frontier = true, max_nodes = 100_000_000))]
pub fn analyze<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    full_frontier: bool,
    acceptable_frontier: bool,
    max_nodes: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let s = Scenario::extract(scenario, "scenario")?;
    if max_nodes == 0 {
        return Err(err("max_nodes", "must be at least 1"));
    }
    let config = AnalysisConfig {
        max_nodes,
        full_frontier,
        acceptable_frontier,
        progress: None,
    };
    let out = interruptible(py, move || {
        let a = analysis::analyze(s.space(), &s.preferences(), &config);
        analysis_json(&s, &a, &config)
    })?;
    json_to_py(py, &out)
}

fn analysis_json(s: &CoreScenario, a: &analysis::Analysis, config: &AnalysisConfig) -> Json {
    let space = s.space();
    let mut incomplete = serde_json::Map::new();
    let mut note = |name: &str, r: Result<Json, Incomplete>| -> Json {
        match r {
            Ok(v) => v,
            Err(e) => {
                incomplete.insert(name.to_string(), json!(e.to_string()));
                Json::Null
            }
        }
    };
    let points = |r: &Result<Vec<Point>, Incomplete>| -> Result<Json, Incomplete> {
        r.as_ref()
            .map(|ps| Json::Array(ps.iter().map(|p| point_json(space, p)).collect()))
            .map_err(Clone::clone)
    };
    let vectors = |r: &Result<Vec<FrontierVector>, Incomplete>| -> Result<Json, Incomplete> {
        r.as_ref()
            .map(|vs| Json::Array(vs.iter().map(|v| vector_json(space, v)).collect()))
            .map_err(Clone::clone)
    };
    let one = |r: &Result<Option<Point>, Incomplete>| -> Result<Json, Incomplete> {
        r.as_ref()
            .map(|p| p.as_ref().map_or(Json::Null, |p| point_json(space, p)))
            .map_err(Clone::clone)
    };
    let zopa = note(
        "zopa",
        a.zopa.as_ref().map(count_json).map_err(Clone::clone),
    );
    let ideal = note(
        "ideal",
        a.ideal.as_ref().map(|v| json!(v)).map_err(Clone::clone),
    );
    let (pareto, pareto_vectors) = if config.full_frontier {
        (
            note("pareto", points(&a.pareto)),
            note("pareto_vectors", vectors(&a.pareto_vectors)),
        )
    } else {
        (Json::Null, Json::Null)
    };
    let (pareto_acceptable, pareto_acceptable_vectors) = if config.acceptable_frontier {
        (
            note("pareto_acceptable", points(&a.pareto_acceptable)),
            note(
                "pareto_acceptable_vectors",
                vectors(&a.pareto_acceptable_vectors),
            ),
        )
    } else {
        (Json::Null, Json::Null)
    };
    let nash = note("nash", one(&a.nash));
    let ks = note("kalai_smorodinsky", one(&a.kalai_smorodinsky));
    let mw = note("max_welfare", one(&a.max_welfare));
    let opposition = a
        .pareto_acceptable_vectors
        .as_ref()
        .ok()
        .and_then(|f| analysis::opposition(&s.preferences(), f));
    json!({
        "parties": s.parties().iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "outcomes": count_json(&a.outcomes),
        "zopa": zopa,
        "ideal": ideal,
        "pareto": pareto,
        "pareto_acceptable": pareto_acceptable,
        "pareto_vectors": pareto_vectors,
        "pareto_acceptable_vectors": pareto_acceptable_vectors,
        "nash": nash,
        "kalai_smorodinsky": ks,
        "max_welfare": mw,
        "opposition": opposition,
        "incomplete": incomplete,
    })
}

// ---------------------------------------------------------------------------------------------
// Negotiations

/// One strategy per party from `obj`: a name (every party), a list of names in party order, or
/// a dict `{party: name}` (parties it does not name play `boulware`).
fn strategies(s: &CoreScenario, obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<Vec<Strategy>> {
    let n = s.parties().len();
    let parse = |x: &Bound<'_, PyAny>, at: &str| -> PyResult<Strategy> {
        let name = x.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{at}: a strategy is a name (str), got {}",
                type_name(x)
            ))
        })?;
        name.to_cow()?.parse().map_err(|e| err(at, e))
    };
    if obj.is_instance_of::<PyString>() {
        return Ok(vec![parse(obj, arg)?; n]);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut out = vec![Strategy::Boulware; n];
        for (k, v) in d.iter() {
            let i = crate::convert::party_index(s, &k, arg)?;
            out[i] = parse(&v, &format!("{arg}[{}]", k.repr()?))?;
        }
        return Ok(out);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
        if items.len() != n {
            return Err(err(
                arg,
                format!(
                    "{} strategies for {n} parties (give one per party, in party order: {})",
                    items.len(),
                    s.parties()
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        return items
            .iter()
            .enumerate()
            .map(|(i, x)| parse(x, &format!("{arg}[{i}]")))
            .collect();
    }
    Err(PyTypeError::new_err(format!(
        "{arg}: expected a strategy name, a list of names or a dict {{party: name}}, got {}",
        type_name(obj)
    )))
}

/// One party's negotiator in `negotiate`: a built-in strategy or a Python player.
#[derive(Clone)]
enum Member {
    Builtin(Strategy),
    Python(PyPlayer),
}

impl Member {
    fn name(&self) -> String {
        match self {
            Member::Builtin(s) => s.to_string(),
            Member::Python(p) => p.name.clone(),
        }
    }
}

/// One negotiator per party from `obj`, like [`strategies`], where each may also be a Python
/// player (see [`PyPlayer::extract`]).
fn members(s: &CoreScenario, obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<Vec<Member>> {
    let n = s.parties().len();
    let parse = |x: &Bound<'_, PyAny>, at: &str| -> PyResult<Member> {
        match x.cast::<PyString>() {
            Ok(name) => Ok(Member::Builtin(
                name.to_cow()?.parse().map_err(|e| err(at, e))?,
            )),
            Err(_) => Ok(Member::Python(PyPlayer::extract(x, at)?)),
        }
    };
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut out = vec![Member::Builtin(Strategy::Boulware); n];
        for (k, v) in d.iter() {
            let i = crate::convert::party_index(s, &k, arg)?;
            out[i] = parse(&v, &format!("{arg}[{}]", k.repr()?))?;
        }
        return Ok(out);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        if obj.len()? != n {
            return strategies(s, obj, arg).map(|v| v.into_iter().map(Member::Builtin).collect());
        }
        let items: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
        return items
            .iter()
            .enumerate()
            .map(|(i, x)| parse(x, &format!("{arg}[{i}]")))
            .collect();
    }
    Ok(vec![parse(obj, arg)?; n])
}

fn event_json(s: &CoreScenario, e: &Event) -> Json {
    let space = s.space();
    let name = |i: &usize| s.parties().get(*i).map(|p| p.name.clone());
    let issue = |i: &usize| space.issues().get(*i).map(|x| x.name().to_string());
    match e {
        Event::Offer {
            round,
            party,
            outcome,
        } => {
            json!({"round": round, "party": name(party), "action": "offer", "outcome": outcome_json(space, outcome)})
        }
        Event::Accept { round, party } => {
            json!({"round": round, "party": name(party), "action": "accept"})
        }
        Event::EndNegotiation {
            round,
            party,
            reason,
        } => json!({"round": round, "party": name(party), "action": "end", "reason": reason}),
        Event::Agreement { round, outcome } => {
            json!({"round": round, "action": "agreement", "outcome": outcome_json(space, outcome)})
        }
        Event::Timeout { rounds } => json!({"round": rounds, "action": "timeout"}),
        Event::Consult {
            round,
            parties,
            meeting,
            version,
        } => json!({
            "round": round, "action": "consult",
            "parties": parties.iter().map(name).collect::<Vec<_>>(),
            "meeting": meeting.and_then(|k| s.meetings.get(k)).map(|m| json!({"date": m.date, "place": m.place})),
            "version": version,
        }),
        Event::Verdict {
            round,
            party,
            verdict,
        } => json!({
            "round": round, "party": name(party), "action": "verdict",
            "accept": verdict.accept,
            "objections": verdict.objections.iter().map(issue).collect::<Vec<_>>(),
            "red_lines": verdict.red_lines.iter().map(issue).collect::<Vec<_>>(),
            "preferred": verdict.preferred.iter().map(|&(i, v)| json!({"issue": issue(&i), "value": value_json(space, i, v)})).collect::<Vec<_>>(),
            "improves": verdict.improves,
            "veto": verdict.veto,
            "walk_away": verdict.walk_away,
        }),
        Event::Draft {
            round,
            version,
            outcome,
            changes,
        } => json!({
            "round": round, "action": "draft", "version": version,
            "outcome": outcome_json(space, outcome),
            "changes": changes.iter().map(|&(i, a, b)| json!({"issue": issue(&i), "from": value_json(space, i, a), "to": value_json(space, i, b)})).collect::<Vec<_>>(),
        }),
    }
}

fn negotiation_json(
    s: &CoreScenario,
    protocol: &str,
    strategies: &[String],
    seed: u64,
    deadline: u32,
    r: &NegotiationResult,
) -> Json {
    json!({
        "protocol": protocol,
        "parties": s.parties().iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "strategies": strategies,
        "seed": seed,
        "deadline": deadline,
        "agreement": r.agreement.as_ref().map(|o| outcome_json(s.space(), o)),
        "rounds": r.rounds,
        "utilities": r.utilities,
        "ended_by": r.ended_by.and_then(|i| s.parties().get(i)).map(|p| p.name.clone()),
        "trace": r.trace.iter().map(|e| event_json(s, e)).collect::<Vec<_>>(),
    })
}

fn deadline(s: &CoreScenario, rounds: Option<u32>) -> PyResult<u32> {
    match rounds {
        Some(0) => Err(err("rounds", "the deadline must be at least 1 round")),
        Some(r) => Ok(r),
        None => Ok(s.rounds),
    }
}

/// One stacked-alternating-offers negotiation between built-in strategies. Returns a dict:
/// `agreement` (outcome or `None`), `rounds`, `utilities` (payoffs in party order), `ended_by`,
/// and `trace` (a list of event dicts: `round`, `party`, `action`, `outcome`).
#[pyfunction]
#[pyo3(signature = (scenario, strategies = None, *, rounds = None, seed = 0))]
pub fn negotiate<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    strategies: Option<&Bound<'py, PyAny>>,
    rounds: Option<u32>,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let s = Scenario::extract(scenario, "scenario")?;
    let members = match strategies {
        Some(x) => self::members(&s, x, "strategies")?,
        None => vec![Member::Builtin(Strategy::Boulware); s.parties().len()],
    };
    let rounds = deadline(&s, rounds)?;
    let names: Vec<String> = members.iter().map(Member::name).collect();
    let builtin: Option<Vec<Strategy>> = members
        .iter()
        .map(|m| match m {
            Member::Builtin(st) => Some(st.clone()),
            Member::Python(_) => None,
        })
        .collect();
    let out = match builtin {
        Some(strats) => interruptible(py, move || {
            protocol::run_sao(&s, &strats, &SaoConfig { rounds, seed })
                .map(|r| negotiation_json(&s, "sao", &names, seed, rounds, &r))
        })?
        .map_err(|e| err("strategies", e))?,
        None => {
            // Python negotiators: the same seeds as `run_sao`; an exception is kept and raised
            // here once the negotiation has ended (its negotiator walked away).
            let raised = Arc::new(Mutex::new(None));
            let slot = Arc::clone(&raised);
            let out = interruptible(py, move || {
                let negotiators = build_negotiators(&s, seed, |init| match &members[init.me] {
                    Member::Builtin(st) => st.build(init),
                    Member::Python(p) => {
                        p.negotiator(init, rounds, OnError::Keep(Arc::clone(&slot)))
                    }
                });
                Sao::new(&s, negotiators, rounds)
                    .map(|mut sao| sao.run(&mut |_: &Event| {}))
                    .map(|r| negotiation_json(&s, "sao", &names, seed, rounds, &r))
            })?
            .map_err(|e| err("strategies", e))?;
            if let Some(e) = raised.lock().unwrap_or_else(PoisonError::into_inner).take() {
                return Err(e);
            }
            out
        }
    };
    json_to_py(py, &out)
}

/// A mediator's single negotiating text. Returns the dict of `negotiate` (protocol
/// `"single-text"`) plus `mediator`, `start` and `versions` (every draft: `version`, `round`,
/// `outcome`, `changes`).
#[pyfunction]
#[pyo3(signature = (scenario, strategies = None, *, mediator = "feedback", rounds = None, seed = 0, start = None, consult = None))]
pub fn single_text<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    strategies: Option<&Bound<'py, PyAny>>,
    mediator: &str,
    rounds: Option<u32>,
    seed: u64,
    start: Option<&Bound<'py, PyAny>>,
    consult: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = Scenario::extract(scenario, "scenario")?;
    let strats = match strategies {
        Some(x) => self::strategies(&s, x, "strategies")?,
        None => vec![Strategy::Boulware; s.parties().len()],
    };
    let rounds = deadline(&s, rounds)?;
    let mediator: MediatorStrategy = mediator.parse().map_err(|e| err("mediator", e))?;
    let (start, label) = start_draft(&s, start)?;
    let has_meetings =
        s.mediator.as_ref().is_some_and(|m| m.party_idx.is_some()) && !s.meetings.is_empty();
    let schedule = match consult {
        None if has_meetings => Consultation::from_meetings(&s).map_err(|e| err("consult", e))?,
        None | Some("all") => Consultation::everyone(s.parties().len()),
        Some("meetings") => Consultation::from_meetings(&s).map_err(|e| err("consult", e))?,
        Some(other) => {
            return Err(err(
                "consult",
                format!("unknown schedule '{other}'; valid: all, meetings"),
            ));
        }
    };
    let config = SingleTextConfig {
        rounds,
        seed,
        mediator,
        start,
        schedule,
    };
    let out = interruptible(py, move || {
        protocol::run_single_text(&s, &strats, &config).map(|r| {
            let names: Vec<String> = strats.iter().map(|x| x.to_string()).collect();
            let mut j = negotiation_json(&s, "single-text", &names, seed, rounds, &r.negotiation);
            if let Json::Object(m) = &mut j {
                m.insert("mediator".into(), json!(mediator.as_str()));
                m.insert("start".into(), json!(label));
                m.insert(
                    "versions".into(),
                    Json::Array(
                        r.versions
                            .iter()
                            .map(|v| {
                                json!({
                                    "version": v.version,
                                    "round": v.round,
                                    "outcome": outcome_json(s.space(), &v.outcome),
                                    "changes": v.changes.iter().map(|&(i, a, b)| json!({
                                        "issue": s.space().issues()[i].name(),
                                        "from": value_json(s.space(), i, a),
                                        "to": value_json(s.space(), i, b),
                                    })).collect::<Vec<_>>(),
                                })
                            })
                            .collect(),
                    ),
                );
            }
            j
        })
    })?
    .map_err(|e| err("single_text", e))?;
    json_to_py(py, &out)
}

/// The starting draft: a package name, an outcome, or the default of `detente negotiate`
/// (the mediator's start package, else the first complete package, else the first value of
/// every issue).
fn start_draft(s: &CoreScenario, start: Option<&Bound<'_, PyAny>>) -> PyResult<(Outcome, String)> {
    if let Some(x) = start {
        if let Ok(name) = x.cast::<PyString>() {
            let name = name.to_cow()?;
            let name: &str = &name;
            let Some(p) = s.packages.iter().find(|p| p.name == name) else {
                let valid: Vec<&str> = s.packages.iter().map(|p| p.name.as_str()).collect();
                return Err(err(
                    "start",
                    format!(
                        "unknown package '{name}'; valid: {} (or give an outcome dict)",
                        valid.join(", ")
                    ),
                ));
            };
            let o = p.as_outcome().ok_or_else(|| {
                err(
                    "start",
                    format!("package '{name}' leaves some issues open; a draft needs every issue"),
                )
            })?;
            return Ok((o, name.to_string()));
        }
        return Ok((
            py_outcome(s.space(), x, "start")?,
            "the given outcome".into(),
        ));
    }
    let k = s
        .mediator
        .as_ref()
        .and_then(|m| m.start)
        .or_else(|| s.packages.iter().position(|p| p.as_outcome().is_some()));
    Ok(
        match k.and_then(|k| s.packages[k].as_outcome().map(|o| (k, o))) {
            Some((k, o)) => (o, s.packages[k].name.clone()),
            None => (
                Outcome::new(vec![0; s.space().issues().len()]),
                "the first option of every issue".into(),
            ),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Tournaments and the results store

fn description_json(d: &Description) -> Json {
    json!({
        "fingerprint": d.fingerprint,
        "n_negotiations": d.n_negotiations,
        "players": d.players,
        "config": {
            "rounds": d.config.rounds,
            "reps": d.config.reps,
            "seed": d.config.seed,
            "max_assignments": d.config.max_assignments,
            "max_steps": d.config.max_steps,
            "traces": d.config.traces,
        },
        "scenarios": d.scenarios.iter().map(|s| json!({
            "name": s.name,
            "source": s.source,
            "parties": s.parties.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            "reservation_values": s.parties.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
            "n_possible": s.n_possible,
            "n_assignments": s.n_assignments,
            "pareto_size": s.pareto_size,
            "nash": s.nash,
            "note": s.note,
        })).collect::<Vec<_>>(),
    })
}

/// One record as a flat dict; `spaces` (by scenario index) turns value indices into outcome
/// dicts when known.
fn record_json(d: &Description, spaces: Option<&[OutcomeSpace]>, r: &Record) -> Json {
    let si = r.key.scenario_idx;
    let sc = d.scenarios.get(si);
    let space = spaces.and_then(|s| s.get(si));
    let outcome = |idx: &Vec<u32>| match space {
        Some(sp) => outcome_indices_json(sp, idx),
        None => json!(idx),
    };
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("scenario".into(), json!(sc.map(|s| s.name.clone())));
    m.insert("assignment".into(), json!(r.key.assignment));
    m.insert("rep".into(), json!(r.key.rep));
    m.insert("rotation".into(), json!(r.rotation));
    m.insert("seed".into(), json!(r.seed));
    m.insert(
        "players".into(),
        json!(
            r.players
                .iter()
                .map(|&p| d.players.get(p).cloned())
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "parties".into(),
        json!(
            r.parties
                .iter()
                .map(|&p| sc.and_then(|s| s.parties.get(p)).map(|x| x.0.clone()))
                .collect::<Vec<_>>()
        ),
    );
    match &r.metrics {
        Ok(x) => {
            m.insert("agreement".into(), json!(x.agreement.as_ref().map(outcome)));
            m.insert("rounds".into(), json!(x.rounds));
            m.insert("utilities".into(), json!(x.utilities));
            m.insert("welfare".into(), json!(x.welfare));
            m.insert("pareto_distance".into(), json!(x.pareto_distance));
            m.insert("nash_distance".into(), json!(x.nash_distance));
            m.insert(
                "individually_rational".into(),
                json!(x.individually_rational),
            );
            m.insert("ended_by".into(), json!(x.ended_by));
            m.insert("failure".into(), Json::Null);
        }
        Err(f) => {
            for k in [
                "agreement",
                "rounds",
                "utilities",
                "welfare",
                "pareto_distance",
                "nash_distance",
                "individually_rational",
                "ended_by",
            ] {
                m.insert(k.into(), Json::Null);
            }
            m.insert(
                "failure".into(),
                json!({"kind": f.kind.as_str(), "message": f.message}),
            );
        }
    }
    if let Some(t) = &r.trace {
        m.insert(
            "trace".into(),
            Json::Array(
                t.iter()
                    .map(|e| {
                        json!({
                            "round": e.round,
                            "position": e.position,
                            "action": e.kind.as_str(),
                            "outcome": e.outcome.as_ref().map(outcome),
                            "detail": e.detail,
                        })
                    })
                    .collect(),
            ),
        );
    }
    Json::Object(m)
}

fn standing_json(s: &Standing) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("player".into(), json!(s.player));
    m.insert("name".into(), json!(s.name));
    m.insert("n_participations".into(), json!(s.n_participations));
    m.insert("n_failed".into(), json!(s.n_failed));
    for (k, e) in [
        ("utility", &s.utility),
        ("agreement_rate", &s.agreement_rate),
        ("welfare", &s.welfare),
        ("pareto_distance", &s.pareto_distance),
        ("nash_distance", &s.nash_distance),
        ("individually_rational", &s.individually_rational),
    ] {
        m.insert(k.into(), json!(e.as_ref().map(|e| e.mean)));
        m.insert(
            format!("{k}_ci95"),
            json!(e.as_ref().and_then(|e| e.ci95).map(|(a, b)| [a, b])),
        );
    }
    Json::Object(m)
}

fn parse_shard(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Shard> {
    let Some(obj) = obj else {
        return Ok(Shard::ALL);
    };
    let (i, n): (u32, u32) = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        let s: &str = &s;
        s.split_once('/')
            .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
            .ok_or_else(|| err("shard", format!("'{s}' is not I/N (e.g. '0/4')")))?
    } else {
        obj.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "shard: expected 'I/N' or a tuple (I, N), got {}",
                type_name(obj)
            ))
        })?
    };
    Shard::new(i, n).map_err(|e| err("shard", e))
}

/// A tournament of built-in strategies (every ordered tuple, self-play included, in every role
/// rotation, `reps` times) on one or more scenarios.
///
/// Without `db` the records are returned in memory; with `db` they are written to that results
/// database (resuming a previous run of the same tournament) and `records` is `None` (read
/// them with `results(db)`). `shard` (`"I/N"` or `(I, N)`) plays only the negotiations whose
/// id is I modulo N. Ctrl-C stops the run between negotiations; what was written stays.
#[pyfunction]
#[pyo3(signature = (scenarios, strategies, *, rounds = 100, reps = 1, seed = 0, max_assignments = 100_000, max_steps = None, traces = false, threads = None, shard = None, db = None))]
pub fn tournament<'py>(
    py: Python<'py>,
    scenarios: &Bound<'py, PyAny>,
    strategies: &Bound<'py, PyAny>,
    rounds: u32,
    reps: u32,
    seed: u64,
    max_assignments: u64,
    max_steps: Option<u64>,
    traces: bool,
    threads: Option<usize>,
    shard: Option<&Bound<'py, PyAny>>,
    db: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let list = scenario_list(scenarios)?;
    let players = players_of(strategies, rounds)?;
    let shard = parse_shard(shard)?;
    if threads == Some(0) {
        return Err(err("threads", "must be at least 1"));
    }
    let config = TournamentConfig {
        rounds,
        reps,
        seed,
        max_assignments,
        max_steps,
        traces,
        ..TournamentConfig::default()
    };
    let spaces: Vec<OutcomeSpace> = list.iter().map(|s| s.space().clone()).collect();
    let entries: Vec<ScenarioEntry> = list
        .iter()
        .map(|s| ScenarioEntry::new((**s).clone()))
        .collect();
    detente_tournament::quiet_worker_panics();
    let t = interruptible(py, move || Tournament::new(entries, players, config))?
        .map_err(|e| err("tournament", e))?;
    let description = t.describe();
    let db_path = db.clone();
    // Runs on this thread with the GIL released; the sink looks for Ctrl-C between records.
    let outcome = py.detach(move || -> PyResult<Json> {
        let mut signals = Signals::new();
        let (summary, records, ranking) = match &db_path {
            Some(path) => run_into_db(&t, &description, threads, shard, path, &mut signals)?,
            None => run_in_memory(&t, &description, threads, shard, &mut signals)?,
        };
        Ok(json!({
            "description": description_json(&description),
            "summary": {
                "in_shard": summary.in_shard,
                "skipped": summary.skipped,
                "ran": summary.ran,
                "failed": summary.failed,
            },
            "shard": [shard.index(), shard.count()],
            "db": db_path.as_ref().map(|p| p.display().to_string()),
            "records": records.map(|rs| rs.iter().map(|r| record_json(&description, Some(&spaces), r)).collect::<Vec<_>>()),
            "ranking": ranking.iter().map(standing_json).collect::<Vec<_>>(),
        }))
    })?;
    json_to_py(py, &outcome)
}

/// `scenarios`: one scenario, or a list or tuple of them.
fn scenario_list(scenarios: &Bound<'_, PyAny>) -> PyResult<Vec<Arc<CoreScenario>>> {
    if scenarios.is_instance_of::<PyList>() || scenarios.is_instance_of::<PyTuple>() {
        scenarios
            .try_iter()?
            .enumerate()
            .map(|(i, x)| Scenario::extract(&x?, &format!("scenarios[{i}]")))
            .collect()
    } else {
        Ok(vec![Scenario::extract(scenarios, "scenarios")?])
    }
}

/// The players of a tournament: each a built-in strategy's name or a Python negotiator.
fn players_of(strategies: &Bound<'_, PyAny>, rounds: u32) -> PyResult<Vec<Player>> {
    if strategies.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "strategies: expected a list of strategy names (the players), got one str",
        ));
    }
    strategies
        .try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "strategies: expected a list of strategy names, got {}",
                type_name(strategies)
            ))
        })?
        .enumerate()
        .map(|(i, x)| {
            let x = x?;
            let at = format!("strategies[{i}]");
            match x.cast::<PyString>() {
                Ok(name) => {
                    let st: Strategy = name.to_cow()?.parse().map_err(|e| err(&at, e))?;
                    Ok(Player::builtin(st))
                }
                Err(_) => Ok(PyPlayer::extract(&x, &at)?.into_player(rounds)),
            }
        })
        .collect()
}

/// Ctrl-C, looked for between a tournament's records at most every [`SIGNAL_POLL`].
struct Signals {
    last_check: Instant,
    /// The KeyboardInterrupt, once seen.
    interrupted: Option<PyErr>,
}

impl Signals {
    fn new() -> Signals {
        Signals {
            last_check: Instant::now(),
            interrupted: None,
        }
    }

    /// Whether the run must stop now (Ctrl-C was pressed; its error is kept).
    fn stop(&mut self) -> bool {
        if self.last_check.elapsed() < SIGNAL_POLL {
            return false;
        }
        self.last_check = Instant::now();
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            self.interrupted = Some(e);
            return true;
        }
        false
    }
}

/// A sink's error: the run was interrupted, or the database refused a record.
type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// What a tournament run gives back: its summary, the records (in memory only) and the ranking.
type Ran = (RunSummary, Option<Vec<Record>>, Vec<Standing>);

/// Runs `t` into the results database at `path`, resuming what it holds.
fn run_into_db(
    t: &Tournament,
    description: &Description,
    threads: Option<usize>,
    shard: Shard,
    path: &std::path::Path,
    signals: &mut Signals,
) -> PyResult<Ran> {
    let mut store = Store::open(path).map_err(|e| err("db", e))?;
    let done = store.begin(description).map_err(|e| err("db", e))?;
    let options = RunOptions {
        threads,
        shard,
        skip: Some(&done),
    };
    let mut writer = store.writer();
    let mut sink = |r: Record| -> Result<(), SinkError> {
        writer.push(&r)?;
        if signals.stop() {
            return Err("interrupted".into());
        }
        Ok(())
    };
    let result = t.run(&options, &mut sink);
    let committed = writer.finish();
    if let Some(e) = signals.interrupted.take() {
        return Err(e);
    }
    let summary = result.map_err(|e| err("tournament", e))?;
    committed.map_err(|e| err("db", e))?;
    let ranking = store.ranking().map_err(|e| err("db", e))?;
    Ok((summary, None, ranking))
}

/// Runs `t` keeping its records in memory, in id order, and ranks them.
fn run_in_memory(
    t: &Tournament,
    description: &Description,
    threads: Option<usize>,
    shard: Shard,
    signals: &mut Signals,
) -> PyResult<Ran> {
    let options = RunOptions {
        threads,
        shard,
        skip: None,
    };
    let mut records: Vec<Record> = Vec::new();
    let mut sink = |r: Record| -> Result<(), SinkError> {
        records.push(r);
        if signals.stop() {
            return Err("interrupted".into());
        }
        Ok(())
    };
    let result = t.run(&options, &mut sink);
    if let Some(e) = signals.interrupted.take() {
        return Err(e);
    }
    let summary = result.map_err(|e| err("tournament", e))?;
    records.sort_by_key(|r| r.id);
    let mut ranker = Ranker::new(description.players.clone());
    for r in &records {
        ranker.add(r);
    }
    Ok((summary, Some(records), ranker.finish()))
}

/// Merges the results databases of a tournament's shards into `into` (created when missing;
/// safe to rerun). Returns `added`, `duplicates`, `total` and `planned`.
#[pyfunction]
pub fn merge<'py>(
    py: Python<'py>,
    into: PathBuf,
    shards: Vec<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = py
        .detach(|| detente_store::merge(&into, &shards))
        .map_err(|e| err("shards", e))?;
    json_to_py(
        py,
        &json!({"added": s.added, "duplicates": s.duplicates, "total": s.total, "planned": s.planned}),
    )
}

/// Reads a results database: its `description`, every `record` in id order (agreements as
/// outcome dicts when the tournament's `scenarios` are given, else as value indices; with
/// `traces`, each record's trace when the tournament kept them), the `ranking`, and the
/// `counts` (`planned`, `stored`, `failed`). With `records = False` the records are not read
/// (`records` is `None`): the ranking and counts of a large database, quickly.
#[pyfunction]
#[pyo3(signature = (db, scenarios = None, *, traces = false, records = true))]
pub fn results<'py>(
    py: Python<'py>,
    db: PathBuf,
    scenarios: Option<&Bound<'py, PyAny>>,
    traces: bool,
    records: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let read_records = records;
    let spaces: Option<Vec<OutcomeSpace>> = match scenarios {
        None => None,
        Some(x) if x.is_instance_of::<PyList>() || x.is_instance_of::<PyTuple>() => Some(
            x.try_iter()?
                .enumerate()
                .map(|(i, s)| {
                    Ok(Scenario::extract(&s?, &format!("scenarios[{i}]"))?
                        .space()
                        .clone())
                })
                .collect::<PyResult<_>>()?,
        ),
        Some(x) => Some(vec![Scenario::extract(x, "scenarios")?.space().clone()]),
    };
    let out = py.detach(move || -> PyResult<Json> {
        let store = Store::open_read_only(&db).map_err(|e| err("db", e))?;
        let d = store.require_description().map_err(|e| err("db", e))?;
        if let Some(sp) = &spaces
            && sp.len() != d.scenarios.len()
        {
            return Err(err(
                "scenarios",
                format!(
                    "{} scenarios given, the tournament has {}",
                    sp.len(),
                    d.scenarios.len()
                ),
            ));
        }
        let mut records = Vec::new();
        if read_records {
            store
                .for_each_record(traces, &mut |r| {
                    records.push(record_json(&d, spaces.as_deref(), &r));
                    Ok(())
                })
                .map_err(|e| err("db", e))?;
        }
        let ranking = store.ranking().map_err(|e| err("db", e))?;
        let c = store.counts().map_err(|e| err("db", e))?;
        Ok(json!({
            "description": description_json(&d),
            "records": if read_records { Json::Array(records) } else { Json::Null },
            "ranking": ranking.iter().map(standing_json).collect::<Vec<_>>(),
            "counts": {"planned": c.planned, "stored": c.stored, "failed": c.failed},
        }))
    })?;
    json_to_py(py, &out)
}

// ---------------------------------------------------------------------------------------------
// Robust analysis (the JSON of `detente sensitivity --json`, printed by the same library call)

/// The robust analysis of `detente sensitivity`: `samples` seeded draws of the scenario's ranges,
/// each decided exactly. Returns the dict `detente sensitivity --json` prints: `zone_probability`
/// (share, count, n, Wilson `ci95`), `point_zone`, `robust_packages`, `nash`, `drafts`,
/// `decisive` estimates (the tornado), `unlock` (when there is no zone), `seed`.
#[pyfunction]
#[pyo3(signature = (scenario, *, samples = 1000, seed = 0, max_nodes = 10_000_000))]
pub fn sensitivity<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    samples: u64,
    seed: u64,
    max_nodes: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let s = Scenario::extract(scenario, "scenario")?;
    if samples == 0 {
        return Err(err("samples", "must be at least 1"));
    }
    if max_nodes == 0 {
        return Err(err("max_nodes", "must be at least 1"));
    }
    let config = SensitivityConfig {
        samples,
        seed,
        max_nodes,
        ..SensitivityConfig::default()
    };
    let out = interruptible(py, move || {
        robustness::sensitivity(&s, &config, &())
            .map(|r| detente_report::robustness::to_json(&s, &r, seed))
    })?
    .map_err(|e| err("scenario", e))?;
    json_to_py(py, &out)
}
