//! The `Scenario` class and the ways to make one.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::json;

use detente_core::{Issue, IssueKind, OutcomeSpace, Party, Preferences, RedLines, UtilityFunction};
use detente_formats::{Input, native};

use crate::convert::{
    count_json, json_to_py, party_index, py_outcome, py_to_toml, toml_to_py, type_name,
};
use crate::err;

/// A negotiation scenario: issues, parties with private additive preferences, reservation
/// values and red lines, plus the analyst's material of native files.
///
/// Make one with `detente.load(path)`, `detente.from_dict(data)`, `detente.from_toml(text)`,
/// `detente.from_terms(...)` or `detente.negmas.from_negmas(...)`. Scenarios are immutable.
#[pyclass(name = "Scenario", module = "detente", frozen)]
pub struct Scenario {
    pub(crate) inner: Arc<detente_core::Scenario>,
    warnings: Vec<String>,
}

impl Scenario {
    pub(crate) fn new(s: detente_core::Scenario, warnings: Vec<String>) -> Scenario {
        Scenario {
            inner: Arc::new(s),
            warnings,
        }
    }

    /// The scenario inside `obj`, or a `TypeError` naming `arg`.
    pub(crate) fn extract(
        obj: &Bound<'_, PyAny>,
        arg: &str,
    ) -> PyResult<Arc<detente_core::Scenario>> {
        match obj.cast::<Scenario>() {
            Ok(s) => Ok(s.get().inner.clone()),
            Err(_) => Err(PyTypeError::new_err(format!(
                "{arg}: expected a detente.Scenario, got {} (read files with detente.load(path), \
                 build one with detente.from_dict(data))",
                type_name(obj)
            ))),
        }
    }
}

#[pymethods]
impl Scenario {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The issues, in order: dicts with `name`, `kind` ("discrete" or "integer") and `values`
    /// (option names, or the integers), plus `range` and `step` for integer issues.
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &issues_json(self.inner.space()))
    }

    /// The party names, in order.
    #[getter]
    fn parties(&self) -> Vec<String> {
        self.inner
            .parties()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    /// Each party's reservation value (utility of no agreement), in party order.
    #[getter]
    fn reservation_values(&self) -> Vec<f64> {
        self.inner
            .parties()
            .iter()
            .map(|p| p.preferences.reservation())
            .collect()
    }

    /// The number of outcomes (exact, at any size).
    #[getter]
    fn n_outcomes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        big_int(py, &count_json(&self.inner.space().cardinality()))
    }

    /// The default deadline in rounds.
    #[getter]
    fn rounds(&self) -> u32 {
        self.inner.rounds
    }

    /// What the file reader accepted leniently (empty for scenarios built in Python).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Each party's utility for `outcome` (a dict `{issue: value}` or a list of values in issue
    /// order), undiscounted, in party order.
    fn utilities(&self, outcome: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
        let o = py_outcome(self.inner.space(), outcome, "outcome")?;
        Ok(self.inner.utilities(&o))
    }

    /// One party's (name or index) utility for `outcome`.
    fn utility(&self, party: &Bound<'_, PyAny>, outcome: &Bound<'_, PyAny>) -> PyResult<f64> {
        let i = party_index(&self.inner, party, "party")?;
        let o = py_outcome(self.inner.space(), outcome, "outcome")?;
        Ok(self.inner.parties()[i].preferences.utility(&o))
    }

    /// Whether `outcome` is acceptable to the party: at least its reservation value and across
    /// none of its red lines.
    fn is_acceptable(
        &self,
        party: &Bound<'_, PyAny>,
        outcome: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let i = party_index(&self.inner, party, "party")?;
        let o = py_outcome(self.inner.space(), outcome, "outcome")?;
        Ok(self.inner.parties()[i].preferences.is_acceptable(&o))
    }

    /// One party's preferences as plain data: `terms` (per issue, the already-weighted
    /// contribution of each value: `u(ω) = Σᵢ terms[i][ωᵢ]`), `clip_at_one`, `reservation`,
    /// `discount`, and `red_lines` (`{issue: [forbidden values]}`).
    fn preferences<'py>(
        &self,
        py: Python<'py>,
        party: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let i = party_index(&self.inner, party, "party")?;
        json_to_py(
            py,
            &preferences_json(self.inner.space(), &self.inner.parties()[i].preferences),
        )
    }

    /// The scenario in detente's native TOML format.
    fn to_toml(&self) -> PyResult<String> {
        native::to_toml(&self.inner).map_err(|e| err("scenario", e))
    }

    /// The scenario as a dict shaped like the native TOML format (what `from_dict` reads).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.to_toml()?;
        let v: toml::Value = toml::from_str(&text).map_err(|e| err("scenario", e))?;
        toml_to_py(py, &v)
    }

    /// Writes the scenario: `format="native"` to the TOML file `path`, `"genius"` or
    /// `"geniusweb"` to the folder `path` (domain plus one profile per party). Returns the paths
    /// written and any warnings about what the format could not express.
    #[pyo3(signature = (path, format = "native"))]
    fn save<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        format: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (files, warnings) = match format {
            "native" | "toml" => {
                let text = self.to_toml()?;
                std::fs::write(&path, text)
                    .map_err(|e| err("path", format!("{}: {e}", path.display())))?;
                (vec![path], Vec::new())
            }
            "genius" => {
                let w = detente_formats::genius::write(&self.inner, &path)
                    .map_err(|e| err("path", e))?;
                (w.files, w.warnings)
            }
            "geniusweb" => {
                let w = detente_formats::geniusweb::write(&self.inner, &path)
                    .map_err(|e| err("path", e))?;
                (w.files, w.warnings)
            }
            other => {
                return Err(err(
                    "format",
                    format!("unknown format '{other}'; valid: native, genius, geniusweb"),
                ));
            }
        };
        let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let warnings: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        json_to_py(py, &json!({"files": files, "warnings": warnings}))
    }

    /// Pickling (e.g. to send a scenario to Ray workers): the native TOML text when it reads
    /// back to an equal scenario, else what negotiations use, exactly: name, rounds, issues and
    /// each party's name and preferences (terms, clip, reservation value, red lines,
    /// discount). The analyst's material of native files (sources, meetings, notes) is kept
    /// only in the first form.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let restore = py.import("detente._detente")?.getattr("_restore")?;
        let exact = native::to_toml(&self.inner)
            .ok()
            .filter(|text| native::read_str(text, None).is_ok_and(|s| s == *self.inner));
        let state = match exact {
            Some(text) => json!({"toml": text, "warnings": self.warnings}),
            None => json!({"essentials": essentials_json(&self.inner), "warnings": self.warnings}),
        };
        Ok((restore, (state.to_string(),)))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Scenario>()
            .is_ok_and(|o| *o.get().inner == *self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "<detente.Scenario '{}': {} issues, {} outcomes, parties {:?}>",
            self.inner.name,
            self.inner.space().issues().len(),
            self.inner.space().cardinality(),
            self.parties()
        )
    }
}

/// A JSON count (integer or decimal digits) as a Python `int`.
pub(crate) fn big_int<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        serde_json::Value::String(s) => py.import("builtins")?.getattr("int")?.call1((s.as_str(),)),
        other => json_to_py(py, other),
    }
}

/// Reads a scenario file or folder: a native `.toml` file, a GENIUS folder, a GeniusWeb folder,
/// or (with `profiles`) a GENIUS `.xml` or GeniusWeb `.json` domain file and its profile files.
/// Formats are detected from the contents.
///
/// Raises `DetenteError` naming the file, line and element at fault.
#[pyfunction]
#[pyo3(signature = (path, profiles = None))]
pub fn load(py: Python<'_>, path: PathBuf, profiles: Option<Vec<PathBuf>>) -> PyResult<Scenario> {
    let input = match profiles {
        Some(profiles) if !profiles.is_empty() => Input::Genius {
            domain: path,
            profiles,
        },
        _ => Input::Path(path),
    };
    let loaded = py
        .detach(|| detente_formats::load_input(&input))
        .map_err(|e| err("path", e))?;
    Ok(Scenario::new(
        loaded.scenario,
        loaded.warnings.iter().map(|w| w.to_string()).collect(),
    ))
}

/// Builds a scenario from a dict shaped like the native TOML format (docs/scenario-format.md):
/// `{"name": ..., "issues": [{"name": ..., "options": [...]}, ...], "parties": [{"name": ...,
/// "weights": {...}, "values": {...}, "reservation": ...}, ...]}`. Every rule of the native
/// format is checked; errors name the party, issue or option at fault.
#[pyfunction]
pub fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Scenario> {
    if !data.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "data: expected a dict shaped like the native scenario format, got {}",
            type_name(data)
        )));
    }
    let value = py_to_toml(data, "data")?;
    let text = toml::to_string(&value).map_err(|e| err("data", e))?;
    let s = native::read_str(&text, None).map_err(|e| {
        // Line numbers would point into generated text: name the element only.
        match e.element() {
            Some(el) => err("data", format!("{el}: {}", e.message())),
            None => err("data", e.message()),
        }
    })?;
    Ok(Scenario::new(s, Vec::new()))
}

/// Builds a scenario from a string in the native TOML format.
#[pyfunction]
pub fn from_toml(text: &str) -> PyResult<Scenario> {
    let s = native::read_str(text, None).map_err(|e| err("text", e))?;
    Ok(Scenario::new(s, Vec::new()))
}

/// Builds a scenario from ready-weighted utility terms, with no normalisation: a party's
/// utility is `Σᵢ terms[i][ωᵢ]` exactly (what NegMAS's linear-additive functions compute).
///
/// `issues` is a list of dicts `{"name": str, "options": [str, ...]}` or `{"name": str,
/// "range": [lo, hi], "step": int (default 1)}`; `parties` a list of dicts `{"name": str,
/// "terms": [[float, ...] per issue], "reservation": float (default 0), "clip_at_one": bool
/// (default False)}`.
#[pyfunction]
pub fn from_terms(
    name: &str,
    issues: &Bound<'_, PyList>,
    parties: &Bound<'_, PyList>,
) -> PyResult<Scenario> {
    let space = parse_issues(issues)?;
    let mut ps = Vec::new();
    for (k, item) in parties.iter().enumerate() {
        let at = format!("parties[{k}]");
        let d = item.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!("{at}: expected a dict, got {}", type_name(&item)))
        })?;
        let pname: String = get(d, "name", &at)?
            .ok_or_else(|| err(&at, "missing 'name'"))?
            .extract()?;
        let terms: Vec<Vec<f64>> = get(d, "terms", &at)?
            .ok_or_else(|| err(&at, "missing 'terms'"))?
            .extract()
            .map_err(|_| {
                PyTypeError::new_err(format!("{at}['terms']: expected a list of lists of float"))
            })?;
        let reservation: f64 = match get(d, "reservation", &at)? {
            Some(r) => r.extract()?,
            None => 0.0,
        };
        let clip: bool = match get(d, "clip_at_one", &at)? {
            Some(c) => c.extract()?,
            None => false,
        };
        let ufun = UtilityFunction::from_terms(&space, terms, clip).map_err(|e| err(&at, e))?;
        let prefs = Preferences::new(ufun, reservation, RedLines::none(space.issues().len()), 1.0)
            .map_err(|e| err(&at, e))?;
        ps.push(Party::new(pname, prefs));
    }
    let s = detente_core::Scenario::new(name, space, ps).map_err(|e| err("parties", e))?;
    Ok(Scenario::new(s, Vec::new()))
}

/// `d[key]` when present and not `None`.
fn get<'py>(d: &Bound<'py, PyDict>, key: &str, _at: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

/// The issues of `space` as JSON: dicts with `name`, `kind`, `values` (and `range`, `step` for
/// integer issues).
pub(crate) fn issues_json(space: &OutcomeSpace) -> serde_json::Value {
    let issues: Vec<serde_json::Value> = space
        .issues()
        .iter()
        .enumerate()
        .map(|(i, issue)| {
            let values: Vec<serde_json::Value> = (0..issue.n_values())
                .map(|v| crate::convert::value_json(space, i, v))
                .collect();
            match issue.kind() {
                IssueKind::Discrete { .. } => {
                    json!({"name": issue.name(), "kind": "discrete", "values": values})
                }
                IssueKind::Integer { lo, hi, step } => json!({
                    "name": issue.name(), "kind": "integer", "values": values,
                    "range": [lo, hi], "step": step
                }),
            }
        })
        .collect();
    serde_json::Value::Array(issues)
}

/// One party's preferences as JSON: `terms`, `clip_at_one`, `reservation`, `discount` and
/// `red_lines` (`{issue: [forbidden values]}`).
pub(crate) fn preferences_json(space: &OutcomeSpace, p: &Preferences) -> serde_json::Value {
    let mut red = serde_json::Map::new();
    for (k, forbidden) in p.red_lines().per_issue().iter().enumerate() {
        if !forbidden.is_empty() {
            red.insert(
                space.issues()[k].name().to_string(),
                forbidden
                    .iter()
                    .map(|&v| crate::convert::value_json(space, k, v))
                    .collect(),
            );
        }
    }
    json!({
        "terms": p.ufun().terms(),
        "clip_at_one": p.ufun().clips_at_one(),
        "reservation": p.reservation(),
        "discount": p.discount(),
        "red_lines": red,
    })
}

/// An outcome space from a list of issue dicts (`name` and `options`, or `range` [lo, hi] and an
/// optional `step`), as `from_terms` takes them.
pub(crate) fn parse_issues(issues: &Bound<'_, PyList>) -> PyResult<OutcomeSpace> {
    let mut built = Vec::new();
    for (k, item) in issues.iter().enumerate() {
        let at = format!("issues[{k}]");
        let d = item.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!("{at}: expected a dict, got {}", type_name(&item)))
        })?;
        let name: String = get(d, "name", &at)?
            .ok_or_else(|| err(&at, "missing 'name'"))?
            .extract()?;
        let issue = if let Some(options) = get(d, "options", &at)? {
            let options: Vec<String> = options.extract().map_err(|_| {
                PyTypeError::new_err(format!("{at}['options']: expected a list of str"))
            })?;
            Issue::discrete(name, options)
        } else if let Some(range) = get(d, "range", &at)? {
            let bounds: Vec<i64> = range.extract().map_err(|_| {
                PyTypeError::new_err(format!("{at}['range']: expected [lo, hi] integers"))
            })?;
            let [lo, hi] = bounds[..] else {
                return Err(err(&format!("{at}['range']"), "expected [lo, hi]"));
            };
            let step: i64 = match get(d, "step", &at)? {
                Some(s) => s.extract()?,
                None => 1,
            };
            Issue::integer(name, lo, hi, step)
        } else {
            return Err(err(&at, "give 'options' or 'range'"));
        };
        built.push(issue.map_err(|e| err(&at, e))?);
    }
    OutcomeSpace::new(built).map_err(|e| err("issues", e))
}

/// What negotiations use of a scenario, exactly (floats as their IEEE 754 bits).
fn essentials_json(s: &detente_core::Scenario) -> serde_json::Value {
    let space = s.space();
    let issues: Vec<serde_json::Value> = space
        .issues()
        .iter()
        .map(|issue| match issue.kind() {
            IssueKind::Discrete { options } => json!({"name": issue.name(), "options": options}),
            IssueKind::Integer { lo, hi, step } => {
                json!({"name": issue.name(), "range": [lo, hi], "step": step})
            }
        })
        .collect();
    let parties: Vec<serde_json::Value> = s
        .parties()
        .iter()
        .map(|p| {
            let prefs = &p.preferences;
            json!({
                "name": p.name,
                "terms": prefs.ufun().terms().iter().map(|row| row.iter().map(|x| x.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "clip_at_one": prefs.ufun().clips_at_one(),
                "reservation": prefs.reservation().to_bits(),
                "discount": prefs.discount().to_bits(),
                "red_lines": prefs.red_lines().per_issue(),
            })
        })
        .collect();
    json!({"name": s.name, "rounds": s.rounds, "issues": issues, "parties": parties})
}

/// Unpickles a scenario (the state `Scenario.__reduce__` wrote).
#[pyfunction]
pub fn _restore(py: Python<'_>, state: &str) -> PyResult<Scenario> {
    let bad = |e: &dyn std::fmt::Display| err("pickle", e);
    let v: serde_json::Value = serde_json::from_str(state).map_err(|e| bad(&e))?;
    let warnings: Vec<String> = v["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(text) = v["toml"].as_str() {
        let s = native::read_str(text, None).map_err(|e| bad(&e))?;
        return Ok(Scenario::new(s, warnings));
    }
    let e = &v["essentials"];
    let issues = json_to_py(py, &e["issues"])?;
    let space = parse_issues(issues.cast::<PyList>()?)?;
    let mut parties = Vec::new();
    for p in e["parties"].as_array().into_iter().flatten() {
        let bits: Vec<Vec<u64>> =
            serde_json::from_value(p["terms"].clone()).map_err(|e| bad(&e))?;
        let terms: Vec<Vec<f64>> = bits
            .into_iter()
            .map(|row| row.into_iter().map(f64::from_bits).collect())
            .collect();
        let float = |k: &str, default: f64| p[k].as_u64().map_or(default, f64::from_bits);
        let clip = p["clip_at_one"].as_bool().unwrap_or(false);
        let ufun = UtilityFunction::from_terms(&space, terms, clip).map_err(|e| bad(&e))?;
        let mut red = RedLines::none(space.issues().len());
        let forbidden: Vec<Vec<u32>> =
            serde_json::from_value(p["red_lines"].clone()).map_err(|e| bad(&e))?;
        for (i, vs) in forbidden.iter().enumerate() {
            for &v in vs {
                red.forbid(i, v);
            }
        }
        let prefs = Preferences::new(ufun, float("reservation", 0.0), red, float("discount", 1.0))
            .map_err(|e| bad(&e))?;
        parties.push(Party::new(p["name"].as_str().unwrap_or_default(), prefs));
    }
    let mut s = detente_core::Scenario::new(e["name"].as_str().unwrap_or_default(), space, parties)
        .map_err(|e| bad(&e))?;
    if let Some(r) = e["rounds"].as_u64().and_then(|r| u32::try_from(r).ok()) {
        s.rounds = r;
    }
    Ok(Scenario::new(s, warnings))
}
