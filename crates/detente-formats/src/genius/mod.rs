//! GENIUS XML scenarios: a domain file plus one linear-additive profile file per party.
//!
//! This module reads and writes the XML formats of the GENIUS negotiation platform (ANAC
//! 2010–2019) as `shared/scenarios/genius/FORMATS.md` describes them:
//!
//! * The **domain** (root `<negotiation_template>`, or any root with a `<utility_space>` child)
//!   lists the issues: discrete (`<item value>` children), integer (`lowerbound`/`upperbound`)
//!   and real. Issues become [`detente_core::Issue`]s in file order.
//! * Each **profile** (root `<utility_space>` with no `type`, or NegMAS's `type="any"`) gives the
//!   weights, the evaluations, the reservation value and the discount factor of one party,
//!   named after the file stem. The utility is GENIUS's: `U(ω) = min(1, Σᵢ wᵢ·eᵢ(ωᵢ))` with the
//!   weights as written (never renormalised); a discrete `eᵢ(v)` is `evaluation(v)` divided by
//!   the issue's largest evaluation (0 when that is below 1e-5); an integer `eᵢ(x)` is
//!   `clip₀¹(offset + slope·(x − lowerbound))`. A discount factor `d ≤ 0` or `d > 1` means none,
//!   as in GENIUS.
//!
//! Reading is lenient where real files are messy, and every leniency is reported as a
//! [`Warning`](crate::Warning): comments or blank lines before `<?xml …?>`, a bare `&` in a value (kept as a
//! literal `&`), Latin-1 files without an encoding declaration, attributes with no space
//! between them, duplicate attributes (the last wins, as in GENIUS's own parser), unclosed
//! elements. Anything that changes the meaning is an [`Error`] naming the file, the line and the
//! element: an issue a profile refers to that the domain lacks, an issue without a weight, a
//! weight that matches nothing, a domain value with no evaluation, a
//! duplicate value, an empty issue, a file that is not the kind expected.
//!
//! [`write()`] goes the other way: a domain file and one profile per party, such that reading them
//! back gives every outcome the same utility.
//!
//! Non-linear ANAC 2014 hyper-rectangle profiles (`type="nonlinear"`) are read and written by
//! the `nonlinear` submodule with GENIUS's semantics, as linked utility functions.
//!
//! Non-goals: real (continuous) issues, which detente cannot represent and rejects with an
//! [`ErrorKind::Unsupported`] error rather than discretise silently; preference-uncertainty
//! profiles (`type="UNCERTAIN"`), which are rejected the same way (a folder that mixes them with linear
//! profiles loads the linear ones and warns about each skipped file); nested objectives; the
//! legacy case-based `similarity_function` data, which GENIUS's utility never reads.

mod nonlinear;
mod read;
#[cfg(test)]
mod tests;
mod write;
mod xml;

use std::path::{Path, PathBuf};

use detente_core::Scenario;

pub use crate::files::{FileKind, Rendered, Written};
use crate::files::{file_name, file_stem, read_bytes, same_file, warning};
use crate::{Error, ErrorKind, Loaded};

use read::{Domain, build, describe_kind, kind_of, profile_matches};
pub(crate) use write::check_expressible;
use xml::Element;

/// Reads a GENIUS scenario from a domain file and its profile files, one party per profile,
/// named after the file stem, in the order given. The scenario is named after the domain file
/// stem.
///
/// # Errors
/// When a file cannot be read, is not the kind expected (a domain, a linear-additive profile),
/// or does not make a valid scenario; the error names the file, line and element.
///
/// # Example
/// ```no_run
/// use std::path::{Path, PathBuf};
/// let loaded = detente_formats::genius::read(
///     Path::new("Laptop/laptop_domain.xml"),
///     &[PathBuf::from("Laptop/laptop_buyer_utility.xml"), PathBuf::from("Laptop/laptop_seller_utility.xml")],
/// )?;
/// assert_eq!(loaded.scenario.parties().len(), 2);
/// # Ok::<(), detente_formats::Error>(())
/// ```
pub fn read(domain: &Path, profiles: &[PathBuf]) -> Result<Loaded, Error> {
    let domain_bytes = read_bytes(domain)?;
    let mut profile_bytes = Vec::with_capacity(profiles.len());
    for p in profiles {
        profile_bytes.push(read_bytes(p)?);
    }
    let profile_refs: Vec<(&Path, &[u8])> = profiles
        .iter()
        .zip(&profile_bytes)
        .map(|(p, b)| (p.as_path(), b.as_slice()))
        .collect();
    read_from(&file_stem(domain), (domain, &domain_bytes), &profile_refs)
}

/// Like [`read()`], from file contents in memory. The paths are used for messages and party
/// names only.
///
/// # Errors
/// As [`read()`].
pub fn read_from(
    name: &str,
    domain: (&Path, &[u8]),
    profiles: &[(&Path, &[u8])],
) -> Result<Loaded, Error> {
    let mut warnings = Vec::new();
    let (dpath, dbytes) = domain;
    let (droot, w) = xml::parse(dpath, dbytes)?;
    warnings.extend(w);
    match kind_of(&droot) {
        FileKind::Domain => {}
        other => {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!(
                    "expected a GENIUS domain (root <negotiation_template> holding a \
                     <utility_space>) but found {}",
                    describe_kind(&other)
                ),
            )
            .with_path(dpath)
            .at(droot.line, droot.col)
            .in_element(droot.tag()));
        }
    }
    let domain = Domain::from_xml(dpath, &droot, &mut warnings)?;
    let mut parsed = Vec::with_capacity(profiles.len());
    for &(ppath, pbytes) in profiles {
        let (proot, w) = xml::parse(ppath, pbytes)?;
        warnings.extend(w);
        parsed.push((ppath.to_path_buf(), proot));
    }
    build(name, dpath, &domain, &parsed, warnings)
}

/// Reads every GENIUS file in folder `dir`: the one domain and every linear-additive profile,
/// in sorted file-name order. Non-linear and preference-uncertainty profiles and files that
/// are not GENIUS XML are skipped with a warning each. The scenario is named after the folder.
///
/// When `domain` is given, the folder may hold several domains: that one is used, with the
/// profiles whose issues match it.
///
/// # Errors
/// When the folder cannot be read, holds no domain (or several, and `domain` is `None`), holds
/// no usable profile (an [`ErrorKind::Unsupported`] error when it holds only unsupported ones),
/// or a file is broken.
pub fn read_folder(dir: &Path, domain: Option<&Path>) -> Result<Loaded, Error> {
    let mut warnings = Vec::new();
    let mut domains: Vec<(PathBuf, Element)> = Vec::new();
    let mut profiles: Vec<(PathBuf, Element)> = Vec::new();
    let mut unsupported: Vec<(PathBuf, String)> = Vec::new();
    for path in crate::files::files_with_extension(dir, "xml")? {
        let bytes = read_bytes(&path)?;
        if !xml::looks_like_xml(&bytes) {
            let why = if path.file_name().is_some_and(|n| n == "pareto.xml") {
                "not XML (GENIUS's pareto.xml frontier files are plain text); skipped"
            } else {
                "not XML; skipped"
            };
            warnings.push(warning(&path, None, why));
            continue;
        }
        let (root, w) = xml::parse(&path, &bytes)?;
        match kind_of(&root) {
            FileKind::Domain => {
                warnings.extend(w);
                domains.push((path, root));
            }
            FileKind::Profile => {
                warnings.extend(w);
                profiles.push((path, root));
            }
            FileKind::UnsupportedProfile(why) => {
                warnings.push(warning(&path, Some(root.line), format!("skipped: {why}")));
                unsupported.push((path, why));
            }
            FileKind::Other(what) => {
                warnings.push(warning(
                    &path,
                    Some(root.line),
                    format!("skipped: {what}, not a GENIUS domain or profile"),
                ));
            }
        }
    }
    let several = domains.len() > 1;
    let (dpath, droot) = match domain {
        Some(d) => {
            let found = domains.iter().position(|(p, _)| same_file(p, d));
            match found {
                Some(i) => domains.swap_remove(i),
                None => {
                    return Err(Error::new(
                        ErrorKind::Invalid,
                        "not a GENIUS domain (root <negotiation_template>) of this folder",
                    )
                    .with_path(d));
                }
            }
        }
        None => match domains.len() {
            1 => domains.remove(0),
            0 => {
                let found = if profiles.is_empty() {
                    String::new()
                } else {
                    format!(" (found {} profile files)", profiles.len())
                };
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "no GENIUS domain file (root <negotiation_template>) in this folder{found}"
                    ),
                )
                .with_path(dir));
            }
            _ => {
                let names: Vec<String> = domains.iter().map(|(p, _)| file_name(p)).collect();
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "the folder holds {} GENIUS domains ({}); pass the domain file to use",
                        names.len(),
                        names.join(", ")
                    ),
                )
                .with_path(dir));
            }
        },
    };
    let dom = Domain::from_xml(&dpath, &droot, &mut warnings)?;
    if several {
        // Several domains share the folder: keep the profiles written for the chosen one.
        profiles.retain(|(p, root)| {
            let fits = profile_matches(&dom, root);
            if !fits {
                warnings.push(warning(
                    p,
                    Some(root.line),
                    format!(
                        "skipped: its issues do not match domain {}",
                        file_name(&dpath)
                    ),
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
            "no GENIUS profile (root <utility_space> with weights) in this folder",
        )
        .with_path(dir));
    }
    let name = dir
        .canonicalize()
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_stem(dir));
    build(&name, &dpath, &dom, &profiles, warnings)
}

/// Classifies one XML file by its root element.
///
/// # Errors
/// When the bytes are not XML at all.
pub fn classify(path: &Path, bytes: &[u8]) -> Result<FileKind, Error> {
    let (root, _) = xml::parse(path, bytes)?;
    Ok(kind_of(&root))
}

/// Writes `scenario` as a GENIUS domain file and one profile file per party into `out_dir`
/// (created if needed): `<scenario>_domain.xml` and `<party>.xml`, names made safe for file
/// systems.
///
/// Reading the folder back gives every outcome the same utility for every party. GENIUS has no
/// party order (readers take profiles in file-name order), no red lines, and no place for the
/// analyst's material (sources, packages, notes), which is dropped with a warning. A discrete
/// issue is written with the evaluations `tᵢ(v)/maxᵢ` and weight `maxᵢ`, where `tᵢ` is the
/// party's weighted term; an integer issue with step 1 whose terms are linear for every party is
/// written as a GENIUS integer issue, any other integer issue as a discrete one (with a warning).
///
/// # Errors
/// When a party has red lines (GENIUS cannot express them), a utility above 1 that is not
/// clipped (GENIUS clips at 1), or a negative term; or when a file cannot be written.
pub fn write(scenario: &Scenario, out_dir: &Path) -> Result<Written, Error> {
    to_xml(scenario)?.write_to(out_dir)
}

/// The files [`write()`] would create, in memory.
///
/// # Errors
/// As [`write()`], except for IO.
pub fn to_xml(scenario: &Scenario) -> Result<Rendered, Error> {
    let mut rendered = write::to_xml(scenario)?;
    if let Some(w) = crate::error::ranges_dropped(scenario, "GENIUS") {
        rendered.warnings.push(w);
    }
    Ok(rendered)
}
