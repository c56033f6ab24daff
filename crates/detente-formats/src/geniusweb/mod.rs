//! GeniusWeb JSON scenarios: a domain file plus one `LinearAdditiveUtilitySpace` profile per
//! party (ANAC 2020–2023, ANL).
//!
//! Follows `shared/scenarios/genius/FORMATS.md` part B:
//!
//! * The **domain** is `{"name", "issuesValues": {issue: {"values": [..]} | {"range": {"low",
//!   "high", "step"}}}}`. Issues keep the file's key order. A number range with integer bounds
//!   and step becomes an integer issue; any other range becomes a discrete issue whose options
//!   are the numbers as text (with a warning).
//! * A **profile** is `{"LinearAdditiveUtilitySpace": {"name", "domain", "issueUtilities",
//!   "issueWeights", "reservationBid"}}`. Both spellings of the per-issue utilities are read:
//!   GeniusWeb 1.x `discreteutils`/`numberutils` and GeniusWebPython 2.x
//!   `DiscreteValueSetUtilities`/`NumberValueSetUtilities`. `U = Σ wᵢ·uᵢ`, not clipped and not
//!   renormalised; a discrete value that is not listed is worth 0; a number utility is the
//!   linear interpolation between `(lowValue, lowUtility)` and `(highValue, highUtility)`,
//!   rounded half-up to 8 decimals, and 0 outside `[lowValue, highValue]`. The reservation value
//!   is `U(reservationBid)`, where issues missing from a partial bid add 0, or 0 without a bid
//!   (NegMAS's non-standard `reserved_value` number is read when there is no bid). Parties are
//!   named after the profile file stems.
//!
//! [`write()`] writes a domain and one profile per party in the 2.x spelling, such that reading
//! them back gives every outcome the same utility. GeniusWeb weights must add up to exactly 1 as
//! decimals, so the writer rescales each party's terms into weights with 15 decimals that do, and
//! expresses the reservation value as a (partial) reservation bid of the same utility when one
//! exists.
//!
//! Non-goals: `SumOfGroupsUtilitySpace`, partial orderings and other non-linear or ordinal
//! profile types, which are rejected with an [`ErrorKind::Unsupported`] error (or skipped with a
//! warning in a folder that also holds linear profiles); profile URIs and profile servers.

mod read;
#[cfg(test)]
mod tests;
mod write;

use read::{
    Domain, build, describe, embedded, first_embedded_domain, kind_of, parse_json, round_half_up_8,
};

use std::path::{Path, PathBuf};

use detente_core::{
    Issue, IssueKind, MAX_TABLE_LEN, OutcomeSpace, Party, Preferences, RedLines, Scenario,
    UtilityFunction,
};
use serde_json::{Map, Value};

use crate::files::{
    FileKind, core_err, decode_text, file_name, file_stem, has_analyst_material, read_bytes,
    same_file, warning,
};
use crate::{Error, ErrorKind, Loaded, Warning};

pub use crate::files::{Rendered, Written};
use crate::genius::check_expressible;

/// The profile type key of a linear-additive profile.
const LINEAR: &str = "LinearAdditiveUtilitySpace";

/// Reads a GeniusWeb scenario from an optional domain file and its profile files, one party per
/// profile, named after the file stem, in the order given. Without a domain file, the domain
/// embedded in the first profile is used. The scenario is named after the domain file stem (or
/// the first profile's).
///
/// # Errors
/// When a file cannot be read, is not the kind expected, or does not make a valid scenario; the
/// error names the file and the JSON element.
pub fn read(domain: Option<&Path>, profiles: &[PathBuf]) -> Result<Loaded, Error> {
    let domain_bytes = domain.map(read_bytes).transpose()?;
    let mut profile_bytes = Vec::with_capacity(profiles.len());
    for p in profiles {
        profile_bytes.push(read_bytes(p)?);
    }
    let refs: Vec<(&Path, &[u8])> = profiles
        .iter()
        .zip(&profile_bytes)
        .map(|(p, b)| (p.as_path(), b.as_slice()))
        .collect();
    let name = match (domain, profiles.first()) {
        (Some(d), _) => file_stem(d),
        (None, Some(p)) => file_stem(p),
        (None, None) => String::new(),
    };
    let dom = domain.zip(domain_bytes.as_deref());
    read_from(&name, dom, &refs)
}

/// Like [`read()`], from file contents in memory. The paths are used for messages and party
/// names only.
///
/// # Errors
/// As [`read()`].
pub fn read_from(
    name: &str,
    domain: Option<(&Path, &[u8])>,
    profiles: &[(&Path, &[u8])],
) -> Result<Loaded, Error> {
    let mut warnings = Vec::new();
    let mut parsed = Vec::with_capacity(profiles.len());
    for &(p, bytes) in profiles {
        let v = parse_json(p, bytes, &mut warnings)?;
        parsed.push((p.to_path_buf(), v));
    }
    let dom = match domain {
        Some((dpath, dbytes)) => {
            let v = parse_json(dpath, dbytes, &mut warnings)?;
            if kind_of(&v) != FileKind::Domain {
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "expected a GeniusWeb domain (an object with \"name\" and \"issuesValues\") \
                         but found {}",
                        describe(&kind_of(&v))
                    ),
                )
                .with_path(dpath));
            }
            Domain::from_json(dpath, &v, "", &mut warnings)?
        }
        None => first_embedded_domain(&parsed, &mut warnings)?,
    };
    build(name, &dom, &parsed, warnings)
}

/// Reads every GeniusWeb file in folder `dir`: the domain (optional: profiles embed it) and
/// every linear-additive profile, in sorted file-name order. Unsupported profiles and other
/// JSON files (such as ANL's `specials.json`) are skipped with a warning each. The scenario is
/// named after the folder.
///
/// With `domain`, the folder may hold several domains: that one is used, with the profiles
/// whose embedded domain matches it.
///
/// # Errors
/// When the folder cannot be read, holds several domains and `domain` is `None`, holds no
/// usable profile (an [`ErrorKind::Unsupported`] error when it holds only unsupported ones), or
/// a file is broken.
pub fn read_folder(dir: &Path, domain: Option<&Path>) -> Result<Loaded, Error> {
    let mut warnings = Vec::new();
    let mut domains: Vec<(PathBuf, Value)> = Vec::new();
    let mut profiles: Vec<(PathBuf, Value)> = Vec::new();
    let mut unsupported: Vec<(PathBuf, String)> = Vec::new();
    for path in crate::files::files_with_extension(dir, "json")? {
        let bytes = read_bytes(&path)?;
        let v = parse_json(&path, &bytes, &mut warnings)?;
        match kind_of(&v) {
            FileKind::Domain => domains.push((path, v)),
            FileKind::Profile => profiles.push((path, v)),
            FileKind::UnsupportedProfile(why) => {
                warnings.push(warning(&path, None, format!("skipped: {why}")));
                unsupported.push((path, why));
            }
            FileKind::Other(what) => warnings.push(warning(
                &path,
                None,
                format!("skipped: {what}, not a GeniusWeb domain or profile"),
            )),
        }
    }
    let several = domains.len() > 1;
    let chosen = match domain {
        Some(d) => match domains.iter().position(|(p, _)| same_file(p, d)) {
            Some(i) => Some(domains.swap_remove(i)),
            None => {
                return Err(Error::new(
                    ErrorKind::Invalid,
                    "not a GeniusWeb domain (an object with \"issuesValues\") of this folder",
                )
                .with_path(d));
            }
        },
        None if domains.len() > 1 => {
            let names: Vec<String> = domains.iter().map(|(p, _)| file_name(p)).collect();
            return Err(Error::new(
                ErrorKind::Invalid,
                format!(
                    "the folder holds {} GeniusWeb domains ({}); pass the domain file to use",
                    names.len(),
                    names.join(", ")
                ),
            )
            .with_path(dir));
        }
        None => domains.pop(),
    };
    let dom = match &chosen {
        Some((p, v)) => Some(Domain::from_json(p, v, "", &mut warnings)?),
        None => None,
    };
    if let (Some(d), true) = (&dom, several) {
        profiles.retain(|(p, v)| {
            let fits = embedded(v)
                .and_then(|e| Domain::from_json(p, e, "", &mut Vec::new()).ok())
                .is_some_and(|e| e.same_as(d));
            if !fits {
                warnings.push(warning(
                    p,
                    None,
                    "skipped: its domain is not the one chosen",
                ));
            }
            fits
        });
    }
    if profiles.is_empty() {
        if let Some((p, why)) = unsupported.first() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("{why}; the folder has no linear-additive profile detente can load"),
            )
            .with_path(p));
        }
        return Err(Error::new(
            ErrorKind::Invalid,
            "no GeniusWeb profile ({\"LinearAdditiveUtilitySpace\": …}) in this folder",
        )
        .with_path(dir));
    }
    let dom = match dom {
        Some(d) => d,
        None => first_embedded_domain(&profiles, &mut warnings)?,
    };
    let name = dir
        .canonicalize()
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_stem(dir));
    build(&name, &dom, &profiles, warnings)
}

/// Classifies one JSON file: domain, linear profile, unsupported profile or other.
///
/// # Errors
/// When the bytes are not JSON.
pub fn classify(path: &Path, bytes: &[u8]) -> Result<FileKind, Error> {
    let v = parse_json(path, bytes, &mut Vec::new())?;
    Ok(kind_of(&v))
}

/// Writes `scenario` as a GeniusWeb domain file and one `LinearAdditiveUtilitySpace` profile per
/// party into `out_dir` (created if needed): `<scenario>.json` and `<party>.json`, names made
/// safe for file systems.
///
/// Reading the folder back gives every outcome the same utility for every party (within float
/// rounding, about 1e-15). GeniusWeb has no discount factor (dropped with a warning), no party
/// order (readers take profiles in file-name order), no red lines and no reservation *value*:
/// the reservation becomes a bid of the same utility when one exists, else the cheapest bid
/// worth at least the reservation value (same acceptable outcomes, with a warning).
///
/// # Errors
/// When a party has red lines, a utility above 1 (GeniusWeb weights add up to 1 and utilities
/// are at most 1), a negative term, or a reservation value above every bid; or on IO failure.
pub fn write(scenario: &Scenario, out_dir: &Path) -> Result<Written, Error> {
    to_json(scenario)?.write_to(out_dir)
}

/// The files [`write()`] would create, in memory.
///
/// # Errors
/// As [`write()`], except for IO.
pub fn to_json(scenario: &Scenario) -> Result<Rendered, Error> {
    let mut rendered = write::to_json(scenario)?;
    if let Some(w) = crate::error::ranges_dropped(scenario, "GeniusWeb") {
        rendered.warnings.push(w);
    }
    Ok(rendered)
}
