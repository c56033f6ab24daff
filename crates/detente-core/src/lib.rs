//! The detente negotiation engine.
//!
//! # Overview
//!
//! * [`OutcomeSpace`] is the product of [`Issue`]s; an [`Outcome`] picks one value per issue.
//! * A party's private [`Preferences`] bundle an additive [`UtilityFunction`], a reservation
//!   value (the utility of no agreement), [`RedLines`] and a discount factor (GENIUS's semantics).
//! * A [`Scenario`] holds the space, the [`Party`]s and the analyst's material (sources,
//!   reported packages, mediator, meetings).
//! * [`analysis`] computes exact zones of agreement, Pareto frontiers and bargaining points.
//! * [`protocol`] runs mechanisms (stacked alternating offers) between [`negotiator`]s, each of
//!   which sees only its own preferences and the offers made.
//!
//! The core does no file, network or clock IO; `detente-formats` reads scenario files and the
//! `detente` binary is a thin shell over both.
//!
//! # Example
//!
//! ```
//! use detente_core::{Issue, OutcomeSpace, Party, Preferences, RedLines, Role, Scenario, UtilityFunction, ValueFunction};
//! use detente_core::protocol::{self, SaoConfig};
//! use detente_core::negotiator::Strategy;
//!
//! let space = OutcomeSpace::new(vec![Issue::integer("price", 0, 10, 1)?])?;
//! let party = |name: &str, v: Vec<(f64, f64)>| -> Result<Party, detente_core::Error> {
//!     let u = UtilityFunction::weighted_sum(&space, name, &[1.0], &[Some(ValueFunction::PiecewiseLinear(v))])?;
//!     Ok(Party::new(name, Preferences::new(u, 0.2, RedLines::none(1), 1.0)?))
//! };
//! let buyer = party("buyer", vec![(0.0, 1.0), (10.0, 0.0)])?;
//! let seller = party("seller", vec![(0.0, 0.0), (10.0, 1.0)])?;
//! let scenario = Scenario::new("haggle", space, vec![buyer, seller])?;
//! let strategies = [Strategy::Boulware, Strategy::Conceder];
//! let result = protocol::run_sao(&scenario, &strategies, &SaoConfig { rounds: 50, seed: 7 })?;
//! assert!(result.agreement.is_some());
//! # Ok::<(), detente_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
mod error;
pub mod links;
pub mod negotiator;
mod outcome;
mod preferences;
pub mod protocol;
pub mod rng;
mod scenario;
pub mod uncertainty;

pub use error::{Error, ErrorKind};
pub use outcome::{Cardinality, Issue, IssueKind, Outcome, OutcomeSpace, Value};
pub use preferences::{
    MAX_TABLE_LEN, Preferences, RedLines, UtilityFunction, ValueFunction, relative_time,
};
pub use scenario::{
    IssueNote, Mediator, Meeting, OptionNote, Package, Party, Provenance, RedLineNote, Role,
    Scenario, Source,
};

/// Utilities that differ by at most this much are ties, not dominations: float rounding of
/// sums must never split a real tie (it does on real GENIUS domains).
pub const TIE_EPS: f64 = 1e-12;

/// Property-test settings: `cases` cases by default, or as many as the `PROPTEST_CASES`
/// environment variable asks for (so CI or a developer can raise every count at once; no test
/// hard-codes a ceiling). Test-only: the library itself reads no environment.
#[cfg(test)]
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    let config = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config
    } else {
        proptest::test_runner::Config { cases, ..config }
    }
}
