//! Negotiators across the language boundary, both ways.
//!
//! * Python players in detente's mechanisms: a Python object with a `name` and a
//!   `start(init)` method becomes a [`Player`] (tournaments) or one party of a `negotiate`
//!   call. Each negotiation calls `start` once, with the outcome space and the party's *own*
//!   utility function ([`Ufun`]) only, and then `act(round, n_rounds, offers)` on every turn of
//!   the negotiator it returned. The Rust side takes the GIL for each call (the mechanism runs
//!   with it released); a Python exception ends that negotiation: a tournament records it as a
//!   failure of kind `negotiator` (with the exception's type and message), `negotiate` raises
//!   it again.
//! * detente's strategies in Python mechanisms: [`Agent`] is one built-in strategy playing one
//!   party, driven turn by turn from Python (the NegMAS wrapper `detente.negmas.DetenteNegotiator`
//!   is made of it).

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use serde_json::json;

use detente_core::negotiator::{
    Action, Clock, Negotiator, NegotiatorInit, OfferRecord, Strategy, View,
};
use detente_core::{Outcome, OutcomeSpace, Preferences, RedLines, UtilityFunction};
use detente_tournament::{NegotiatorFailure, Player};

use crate::convert::{json_to_py, outcome_json, py_outcome, type_name};
use crate::err;
use crate::scenario::{issues_json, parse_issues, preferences_json};

/// A negotiator's own utility function (its preferences: utilities, reservation value, red
/// lines, discount). The only preferences a Python negotiator is given.
#[pyclass(name = "Ufun", module = "detente", frozen)]
pub struct Ufun {
    space: Arc<OutcomeSpace>,
    prefs: Arc<Preferences>,
}

#[pymethods]
impl Ufun {
    /// The utility of `outcome` (a dict `{issue: value}` or a list of values in issue order),
    /// undiscounted.
    fn __call__(&self, outcome: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(self
            .prefs
            .utility(&py_outcome(&self.space, outcome, "outcome")?))
    }

    /// Whether `outcome` crosses no red line and is worth at least the reservation value.
    fn is_acceptable(&self, outcome: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self
            .prefs
            .is_acceptable(&py_outcome(&self.space, outcome, "outcome")?))
    }

    /// The utility of no agreement, undiscounted.
    #[getter]
    fn reservation(&self) -> f64 {
        self.prefs.reservation()
    }

    /// The discount factor d (1 = none): a payoff in round k of n is worth u·d^(k/(n−1)).
    #[getter]
    fn discount(&self) -> f64 {
        self.prefs.discount()
    }

    /// The best and the worst utility over the whole outcome space.
    fn minmax(&self) -> (f64, f64) {
        (self.prefs.ufun().min(), self.prefs.ufun().max())
    }

    /// An outcome of the highest utility.
    fn best<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(
            py,
            &outcome_json(&self.space, &self.prefs.ufun().best_outcome()),
        )
    }

    /// The issues: dicts with `name`, `kind`, `values` (and `range`, `step`).
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &issues_json(&self.space))
    }

    /// The preferences as data: `terms` (per issue, per value, weighted), `clip_at_one`,
    /// `reservation`, `discount`, `red_lines`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &preferences_json(&self.space, &self.prefs))
    }

    fn __repr__(&self) -> String {
        format!(
            "Ufun(issues={}, reservation={})",
            self.space.issues().len(),
            self.prefs.reservation()
        )
    }
}

/// What a Python negotiator's exception does.
#[derive(Clone)]
pub(crate) enum OnError {
    /// Panics with a [`NegotiatorFailure`]: the tournament records the failure.
    Record,
    /// Keeps the exception in the slot and walks away; the caller raises it afterwards.
    Keep(Arc<Mutex<Option<PyErr>>>),
}

/// One negotiation's Python negotiator.
struct PyNegotiator {
    player: String,
    obj: Option<Py<PyAny>>,
    /// Set when `start` failed: the failure is reported on the first turn.
    failed: Option<PyErr>,
    space: Arc<OutcomeSpace>,
    /// How many offers of the history the negotiator has been shown.
    seen: usize,
    on_error: OnError,
}

impl PyNegotiator {
    fn fail(&mut self, py: Python<'_>, e: PyErr) -> Action {
        let message = format!("player '{}' raised {}", self.player, describe(py, &e));
        match &self.on_error {
            OnError::Record => std::panic::panic_any(NegotiatorFailure(message)),
            OnError::Keep(slot) => {
                let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.is_none() {
                    *slot = Some(e);
                }
                Action::EndNegotiation
            }
        }
    }

    fn call(&mut self, py: Python<'_>, view: &View<'_>) -> PyResult<Action> {
        let Some(obj) = &self.obj else {
            return Err(PyTypeError::new_err("the negotiator was not started"));
        };
        let offers = PyList::empty(py);
        for r in view.history.get(self.seen..).unwrap_or_default() {
            let o = json_to_py(py, &outcome_json(&self.space, &r.outcome))?;
            offers.append(PyTuple::new(
                py,
                [
                    r.round.into_pyobject(py)?.into_any(),
                    r.party.into_pyobject(py)?.into_any(),
                    o,
                ],
            )?)?;
        }
        self.seen = view.history.len();
        let a = obj.call_method1(py, "act", (view.clock.round, view.clock.n_rounds, offers))?;
        let a = a.bind(py);
        if let Ok(s) = a.cast::<PyString>() {
            return match &*s.to_cow()? {
                "accept" => Ok(Action::Accept),
                "end" => Ok(Action::EndNegotiation),
                other => Err(err(
                    "act",
                    format!("'{other}' is not an action: return \"accept\", \"end\" or an outcome"),
                )),
            };
        }
        if a.is_none() {
            return Ok(Action::EndNegotiation);
        }
        Ok(Action::Offer(py_outcome(&self.space, a, "act")?))
    }
}

impl Negotiator for PyNegotiator {
    fn act(&mut self, view: &View<'_>) -> Action {
        Python::attach(|py| {
            if let Some(e) = self.failed.take() {
                return self.fail(py, e);
            }
            match self.call(py, view) {
                Ok(a) => a,
                Err(e) => self.fail(py, e),
            }
        })
    }
}

/// `ExceptionType: message` of a Python exception.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let ty = e
        .get_type(py)
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let msg = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    if msg.is_empty() {
        ty
    } else {
        format!("{ty}: {msg}")
    }
}

/// A Python player: its name and the object whose `start(init)` makes each negotiation's
/// negotiator.
#[derive(Clone)]
pub(crate) struct PyPlayer {
    pub(crate) name: String,
    obj: Arc<Py<PyAny>>,
}

impl PyPlayer {
    /// The player in `obj` (anything with a `name` str and a `start` method), or a `TypeError`
    /// naming `arg`.
    pub(crate) fn extract(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<PyPlayer> {
        let name = obj
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok());
        let start = obj.getattr("start").ok().filter(|s| s.is_callable());
        match (name, start) {
            (Some(name), Some(_)) if !name.trim().is_empty() => Ok(PyPlayer {
                name,
                obj: Arc::new(obj.clone().unbind()),
            }),
            (Some(_), Some(_)) => Err(err(arg, "the player's name is empty")),
            _ => Err(PyTypeError::new_err(format!(
                "{arg}: expected a strategy name (str) or a player (detente.Player, a \
                 detente.Negotiator subclass, or a NegMAS negotiator via \
                 detente.negmas.player(...)), got {}",
                type_name(obj)
            ))),
        }
    }

    /// A negotiator for one negotiation of `n_rounds` rounds.
    pub(crate) fn negotiator(
        &self,
        init: NegotiatorInit<'_>,
        n_rounds: u32,
        on_error: OnError,
    ) -> Box<dyn Negotiator> {
        let space = Arc::new(init.space.clone());
        let ufun = Ufun {
            space: Arc::clone(&space),
            prefs: Arc::new(init.preferences.clone()),
        };
        let started = Python::attach(|py| -> PyResult<Py<PyAny>> {
            let info = json_to_py(
                py,
                &json!({
                    "issues": issues_json(&space),
                    "me": init.me,
                    "n_parties": init.n_parties,
                    "n_rounds": n_rounds,
                    "seed": init.seed,
                }),
            )?;
            info.set_item("ufun", Bound::new(py, ufun)?)?;
            self.obj.call_method1(py, "start", (info,))
        });
        let (obj, failed) = match started {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(e)),
        };
        Box::new(PyNegotiator {
            player: self.name.clone(),
            obj,
            failed,
            space,
            seen: 0,
            on_error,
        })
    }

    /// The player as a tournament [`Player`] for negotiations of `n_rounds` rounds.
    pub(crate) fn into_player(self, n_rounds: u32) -> Player {
        let name = self.name.clone();
        Player::custom(name, move |init| {
            self.negotiator(init, n_rounds, OnError::Record)
        })
    }
}

/// One of detente's built-in strategies playing one party, driven from Python turn by turn:
/// the strategy sees its own preferences and the offers it is shown, nothing else.
///
/// `Agent(strategy, issues, terms, reservation=0.0, *, me=0, n_parties=2, seed=0,
/// clip_at_one=False, discount=1.0)`: `issues` as `detente.from_terms` takes them, `terms` the
/// party's weighted terms (per issue, per value). Outcomes are value indices.
#[pyclass(name = "Agent", module = "detente")]
pub struct Agent {
    inner: Mutex<AgentState>,
    strategy: String,
}

struct AgentState {
    space: OutcomeSpace,
    negotiator: Box<dyn Negotiator>,
    history: Vec<OfferRecord>,
}

#[pymethods]
impl Agent {
    #[new]
    #[pyo3(signature = (strategy, issues, terms, reservation = 0.0, *, me = 0, n_parties = 2, seed = 0, clip_at_one = false, discount = 1.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        strategy: &str,
        issues: &Bound<'_, PyList>,
        terms: Vec<Vec<f64>>,
        reservation: f64,
        me: usize,
        n_parties: usize,
        seed: u64,
        clip_at_one: bool,
        discount: f64,
    ) -> PyResult<Agent> {
        let st: Strategy = strategy.parse().map_err(|e| err("strategy", e))?;
        let space = parse_issues(issues)?;
        let ufun =
            UtilityFunction::from_terms(&space, terms, clip_at_one).map_err(|e| err("terms", e))?;
        let prefs = Preferences::new(
            ufun,
            reservation,
            RedLines::none(space.issues().len()),
            discount,
        )
        .map_err(|e| err("preferences", e))?;
        if n_parties < 2 {
            return Err(err("n_parties", "a negotiation has at least 2 parties"));
        }
        if me >= n_parties {
            return Err(err("me", format!("party {me} out of range 0..{n_parties}")));
        }
        let negotiator = st.build(NegotiatorInit {
            space: &space,
            preferences: &prefs,
            me,
            n_parties,
            seed,
            bids: None,
        });
        Ok(Agent {
            strategy: st.to_string(),
            inner: Mutex::new(AgentState {
                space,
                negotiator,
                history: Vec::new(),
            }),
        })
    }

    /// The strategy's canonical name.
    #[getter]
    fn strategy(&self) -> &str {
        &self.strategy
    }

    /// One turn in round `round` (from 0) of `n_rounds`, after `offers`: the offers made since
    /// the previous turn (own ones included) as `(round, party, value indices)`. Returns
    /// `"accept"` (the last offer), `"end"` (walk away) or a list of value indices (an offer).
    fn act<'py>(
        &self,
        py: Python<'py>,
        round: u32,
        n_rounds: u32,
        offers: Vec<(u32, usize, Vec<u32>)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut st = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if n_rounds == 0 || round >= n_rounds {
            return Err(err(
                "round",
                format!("round {round} is not in 0..{n_rounds}"),
            ));
        }
        for (k, (r, party, idx)) in offers.into_iter().enumerate() {
            let o = Outcome::new(idx);
            st.space
                .check(&o)
                .map_err(|e| err(&format!("offers[{k}]"), e))?;
            st.history.push(OfferRecord {
                round: r,
                party,
                outcome: o,
            });
        }
        let st = &mut *st;
        let view = View {
            clock: Clock { round, n_rounds },
            history: &st.history,
            standing: st.history.last(),
        };
        let action = st.negotiator.act(&view);
        Ok(match action {
            Action::Accept => PyString::new(py, "accept").into_any(),
            Action::EndNegotiation => PyString::new(py, "end").into_any(),
            Action::Offer(o) => PyList::new(py, o.indices())?.into_any(),
        })
    }

    fn __repr__(&self) -> String {
        format!("Agent({:?})", self.strategy)
    }
}

/// The canonical name of the built-in strategy `name` (`"tft"` → `"tit-for-tat"`,
/// `"time:0.5"`), or a `DetenteError` listing the valid names.
#[pyfunction]
pub fn strategy_name(name: &str) -> PyResult<String> {
    name.parse::<Strategy>()
        .map(|s| s.to_string())
        .map_err(|e| err("strategy", e))
}
