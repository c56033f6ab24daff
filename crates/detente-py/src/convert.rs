//! Conversions: JSON values to Python objects (every result is built as a JSON value, the same
//! shapes the CLI's `--json` prints, then handed to Python), Python objects to TOML values (a
//! scenario built in Python is validated by the native format's reader), and outcomes.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Value as Json, json};

use detente_core::{Cardinality, Outcome, OutcomeSpace, Scenario};

/// A JSON value as the equivalent Python object (`None`, `bool`, `int`, `float`, `str`, `list`,
/// `dict` with keys in order).
pub fn json_to_py<'py>(py: Python<'py>, v: &Json) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Json::String(s) => PyString::new(py, s).into_any(),
        Json::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(json_to_py(py, x)?)?;
            }
            list.into_any()
        }
        Json::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A TOML value as the equivalent Python object (datetimes become strings).
pub fn toml_to_py<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        toml::Value::String(s) => PyString::new(py, s).into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => PyFloat::new(py, *f).into_any(),
        toml::Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        toml::Value::Datetime(d) => PyString::new(py, &d.to_string()).into_any(),
        toml::Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(toml_to_py(py, x)?)?;
            }
            list.into_any()
        }
        toml::Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, toml_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A Python object (dicts with string keys, lists or tuples, `str`, `int`, `float`, `bool`) as
/// a TOML value; `at` names the place for errors (e.g. `data['parties'][0]`). `None` values of
/// dict entries are left out, so optional keys may be given as `None`.
pub fn py_to_toml(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<toml::Value> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        let i: i64 = obj
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("{at}: integer too large")))?;
        return Ok(toml::Value::Integer(i));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(obj.extract()?));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut t = toml::map::Map::new();
        for (k, v) in d.iter() {
            let Ok(k) = k.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "{at}: keys must be str, got {}",
                    type_name(&k)
                )));
            };
            let k = k.to_cow()?.into_owned();
            if v.is_none() {
                continue;
            }
            let inner = py_to_toml(&v, &format!("{at}['{k}']"))?;
            t.insert(k, inner);
        }
        return Ok(toml::Value::Table(t));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut a = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            a.push(py_to_toml(&v?, &format!("{at}[{i}]"))?);
        }
        return Ok(toml::Value::Array(a));
    }
    // Numbers of other libraries (numpy scalars) convert through float/int.
    if let Ok(f) = obj.extract::<f64>() {
        return Ok(toml::Value::Float(f));
    }
    Err(PyTypeError::new_err(format!(
        "{at}: expected a dict, list, str, int, float or bool, got {}",
        type_name(obj)
    )))
}

/// The Python type name of `obj`, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// One value of issue `i` (the library's printer, as the CLI's JSON).
pub fn value_json(space: &OutcomeSpace, i: usize, v: u32) -> Json {
    detente_report::robustness::value(space, i, v)
}

/// An outcome as a JSON object `{issue: value}` in issue order (the library's printer).
pub fn outcome_json(space: &OutcomeSpace, o: &Outcome) -> Json {
    detente_report::robustness::outcome_values(space, o.indices())
}

/// Value indices as a JSON object `{issue: value}` in issue order (the library's printer).
pub fn outcome_indices_json(space: &OutcomeSpace, idx: &[u32]) -> Json {
    detente_report::robustness::outcome_values(space, idx)
}

/// A count: a JSON integer when it fits 64 bits, else its decimal digits (the Python layer
/// turns both into `int`).
pub fn count_json(c: &Cardinality) -> Json {
    match c.to_u64() {
        Some(n) => json!(n),
        None => json!(c.to_string()),
    }
}

/// The index of one value of issue `i` given as a Python object (an option name, or an integer
/// for integer issues).
fn value_index(space: &OutcomeSpace, i: usize, v: &Bound<'_, PyAny>, arg: &str) -> PyResult<u32> {
    let issue = &space.issues()[i];
    let found = if let Ok(s) = v.cast::<PyString>() {
        issue.option_index(&s.to_cow()?)
    } else if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        v.extract::<i64>().ok().and_then(|x| issue.integer_index(x))
    } else {
        return Err(PyTypeError::new_err(format!(
            "{arg}: the value of issue '{}' must be an option name (str) or an integer, got {}",
            issue.name(),
            type_name(v)
        )));
    };
    found.ok_or_else(|| {
        crate::err(
            arg,
            format!(
                "issue '{}' has no value {}",
                issue.name(),
                v.repr().map(|r| r.to_string()).unwrap_or_default()
            ),
        )
    })
}

/// An outcome given as a dict `{issue: value}` naming every issue, or as a sequence of values
/// in issue order.
pub fn py_outcome(space: &OutcomeSpace, obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<Outcome> {
    let issues = space.issues();
    let mut idx = Vec::with_capacity(issues.len());
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, _) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{arg}: keys must be issue names")))?;
            if space.issue_index(&k).is_none() {
                let names: Vec<&str> = issues.iter().map(|i| i.name()).collect();
                return Err(crate::err(
                    arg,
                    format!("unknown issue '{k}'; issues: {}", names.join(", ")),
                ));
            }
        }
        for (i, issue) in issues.iter().enumerate() {
            let Some(v) = d.get_item(issue.name())? else {
                return Err(crate::err(
                    arg,
                    format!("no value for issue '{}'", issue.name()),
                ));
            };
            idx.push(value_index(space, i, &v, arg)?);
        }
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let values: Vec<Bound<'_, PyAny>> = obj.try_iter()?.collect::<PyResult<_>>()?;
        if values.len() != issues.len() {
            return Err(crate::err(
                arg,
                format!(
                    "{} values for {} issues (give one per issue, in issue order)",
                    values.len(),
                    issues.len()
                ),
            ));
        }
        for (i, v) in values.iter().enumerate() {
            idx.push(value_index(space, i, v, arg)?);
        }
    } else {
        return Err(PyTypeError::new_err(format!(
            "{arg}: an outcome is a dict {{issue: value}} or a list of values in issue order, got {}",
            type_name(obj)
        )));
    }
    Ok(Outcome::new(idx))
}

/// The index of the party named `name` (or given by its index).
pub fn party_index(s: &Scenario, party: &Bound<'_, PyAny>, arg: &str) -> PyResult<usize> {
    if let Ok(name) = party.cast::<PyString>() {
        return s
            .party_index(&name.to_cow()?)
            .map_err(|e| crate::err(arg, e));
    }
    if party.is_instance_of::<PyInt>() && !party.is_instance_of::<PyBool>() {
        let i: i64 = party.extract()?;
        let n = s.parties().len();
        return usize::try_from(i)
            .ok()
            .filter(|&i| i < n)
            .ok_or_else(|| crate::err(arg, format!("party index {i} out of range 0..{n}")));
    }
    Err(PyTypeError::new_err(format!(
        "{arg}: a party is a name (str) or an index (int), got {}",
        type_name(party)
    )))
}
