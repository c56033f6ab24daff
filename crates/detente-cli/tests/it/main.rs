//! End-to-end tests of the `detente` binary: every test runs the real executable in a temporary
//! directory, on scenario files it writes there (or on the repository's flagship scenario), and
//! checks exit code, stdout and stderr. Expected numbers come from hand computation or from an
//! independent brute force over the scenario text (`model.rs`), never from detente's crates.

mod analyze;
mod errors;
mod flagship;
mod flagship_numbers;
mod flagship_record;
mod hardening;
mod help;
mod html;
mod improve;
mod json_report;
mod model;
mod negotiate;
mod room;
mod run;
mod sensitivity;
mod single_text;
mod tidy;
mod util;
