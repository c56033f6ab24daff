//! Integration tests of `detente-formats`, in one binary to keep link time down.
//!
//! * `reference`: every GENIUS / GeniusWeb domain against the independent reference results in
//!   `shared/reference/` (frontier, zopa, Nash, Kalai–Smorodinsky, max welfare, samples).
//! * `roundtrip`: GENIUS → native TOML, GENIUS → GENIUS and GeniusWeb → GeniusWeb keep every
//!   utility and the analysis.
//! * `bad_input`: each kind of broken file gives a precise error or a documented warning.
//! * `lenient`: the `raw-*` folders of real malformed files load, with warnings.
//! * `fuzz`: mutated real files never make the importers panic (proptest).
//! * `detect`: format detection of files and folders.
//! * `nonlinear`: ANAC 2014 hyper-rectangle profiles: GENIUS's utility, round trips, exact
//!   frontiers against the shipped `pareto.xml`.

mod bad_input;
mod detect;
mod fuzz;
mod lenient;
mod nonlinear;
mod reference;
mod roundtrip;
mod shared_dir;
mod util;
