//! Integration tests of the tournament runner: one binary, one module per concern.
//!
//! Scenarios are built in code (`util`), so the tests need no files and every expected number
//! can be derived by hand.

mod failures;
mod linked;
mod mediated;
mod plan;
mod ranking;
mod runner;
mod util;
