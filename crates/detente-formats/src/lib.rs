//! Scenario file formats for detente.
//!
//! # Overview
//!
//! * [`native`]: detente's own TOML format (docs/scenario-format.md), read and written.
//! * [`load`]: reads a scenario from a path, detecting the format.
//!
//! Every reader returns a [`detente_core::Scenario`] or an [`Error`] that names the file, the
//! line and column where possible, and the element at fault. Readers never panic on any input.

#![warn(missing_docs)]

pub mod detect;
mod error;
mod files;
pub mod genius;
pub mod geniusweb;
pub mod native;

use std::path::Path;

pub use error::{Error, ErrorKind, Warning, line_col};

/// The largest scenario file (native TOML, GENIUS XML, GeniusWeb JSON) the readers accept, in
/// bytes: 64 MiB. Regular files are size-checked before reading; other files (pipes, devices)
/// are read up to this cap. The largest real scenario is well under 1 MiB.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

use detente_core::Scenario;

/// A scenario read from files, with the warnings of lenient reading.
#[derive(Debug)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// What was accepted leniently.
    pub warnings: Vec<Warning>,
}

/// Reads the scenario at `path`, detecting its format.
///
/// # Errors
/// When the file cannot be read or is not a valid scenario.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    detect::load(path)
}

/// Where a scenario comes from.
#[derive(Clone, Debug)]
pub enum Input {
    /// A file or folder whose format is detected.
    Path(std::path::PathBuf),
    /// A GENIUS domain file (or a GeniusWeb `.json` domain) and its profile files (one party per
    /// profile, named after the file stem).
    Genius {
        /// The domain XML.
        domain: std::path::PathBuf,
        /// The profile (utility space) XMLs.
        profiles: Vec<std::path::PathBuf>,
    },
}

/// Reads a scenario from `input`.
///
/// # Errors
/// When the files cannot be read or are not a valid scenario.
pub fn load_input(input: &Input) -> Result<Loaded, Error> {
    match input {
        Input::Path(p) => load(p),
        // A GeniusWeb `.json` domain with `.json` profiles works like the GENIUS pair.
        Input::Genius { domain, profiles } => match detect::detect(domain) {
            Ok(d) if matches!(d.format, detect::Format::GeniusWeb) => {
                geniusweb::read(Some(domain), profiles)
            }
            _ => genius::read(domain, profiles),
        },
    }
}

/// Adds a party read from a profile file, refusing a second profile with the same name
/// (GENIUS and GeniusWeb parties are named after their file stems).
pub(crate) fn push_party(
    parties: &mut Vec<detente_core::Party>,
    name: String,
    prefs: detente_core::Preferences,
    path: &Path,
) -> Result<(), Error> {
    if parties.iter().any(|p| p.name == name) {
        return Err(Error::new(
            ErrorKind::Invalid,
            format!("two profiles are both named '{name}' (parties are named after file stems)"),
        )
        .with_path(path));
    }
    parties.push(detente_core::Party::new(name, prefs));
    Ok(())
}
