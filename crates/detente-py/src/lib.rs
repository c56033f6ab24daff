//! Python bindings of detente: the native module `detente._detente` of the `detente` Python
//! package (`python/` at the repository root, built with maturin).
//!
//! # Overview
//!
//! * [`scenario`]: the `Scenario` class and the ways to make one (a file, a dict shaped like the
//!   native TOML format, a TOML string, ready-weighted terms).
//! * [`calls`]: `analyze`, `negotiate`, `single_text`, `tournament`, `merge` and `results`,
//!   each a thin shell over the library crates that returns plain Python data (dicts, lists,
//!   numbers, strings); the Python package wraps them in dataclasses.
//! * [`agents`]: negotiators across the language boundary: Python players (and so NegMAS
//!   negotiators) in detente's negotiations and tournaments, and detente's strategies driven
//!   from Python (`Agent`, under `detente.negmas.DetenteNegotiator`).
//! * [`convert`]: conversions between Python objects, JSON values and TOML values.
//!
//! Long calls release the GIL and watch for Ctrl-C (see [`calls::interruptible`]). Every
//! detente error becomes a `detente.DetenteError` (a `ValueError`) whose message names the
//! argument at fault; a wrong Python type is a `TypeError` naming the argument.
//!
//! # Crate features
//!
//! * `extension-module`: set by maturin when it builds the wheel (never by default, so that
//!   `cargo test` links libpython).
//!
//! Non-goals: logic of its own. Everything the bindings compute is a library call.

pub mod agents;
pub mod calls;
pub mod convert;
pub mod scenario;

use pyo3::prelude::*;

pyo3::create_exception!(
    detente,
    DetenteError,
    pyo3::exceptions::PyValueError,
    "An error detente reported: a bad scenario, strategy name, option or file. \
     The message names the argument (and the file, line and element) at fault."
);

/// A `DetenteError` whose message starts with the argument at fault.
pub(crate) fn err(arg: &str, e: impl std::fmt::Display) -> PyErr {
    DetenteError::new_err(format!("{arg}: {e}"))
}

/// The native module.
#[pymodule]
fn _detente(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DetenteError", py.get_type::<DetenteError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The library's own lists, so that a new strategy or mediator shows up here by itself
    // (parameterised forms such as `time:E` and `boa:...` are documented, not listed).
    let plain = |names: &'static str| -> Vec<&'static str> {
        names
            .split(", ")
            .map(|n| n.split(" (").next().unwrap_or(n))
            .filter(|n| !n.contains(':'))
            .collect()
    };
    m.add(
        "STRATEGIES",
        plain(detente_core::negotiator::Strategy::NAMES),
    )?;
    m.add(
        "MEDIATORS",
        plain(detente_core::protocol::MediatorStrategy::NAMES),
    )?;
    m.add_class::<scenario::Scenario>()?;
    m.add_class::<agents::Ufun>()?;
    m.add_class::<agents::Agent>()?;
    m.add_function(wrap_pyfunction!(scenario::load, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::from_toml, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::from_terms, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::_restore, m)?)?;
    m.add_function(wrap_pyfunction!(agents::strategy_name, m)?)?;
    m.add_function(wrap_pyfunction!(calls::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(calls::negotiate, m)?)?;
    m.add_function(wrap_pyfunction!(calls::single_text, m)?)?;
    m.add_function(wrap_pyfunction!(calls::tournament, m)?)?;
    m.add_function(wrap_pyfunction!(calls::sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(calls::merge, m)?)?;
    m.add_function(wrap_pyfunction!(calls::results, m)?)?;
    Ok(())
}
