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
//! [`Warning`]: comments or blank lines before `<?xml …?>`, a bare `&` in a value (kept as a
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
//! the `nonlinear` submodule (src/genius_nonlinear.rs) with GENIUS's semantics, as linked
//! utility functions.
//!
//! Non-goals: real (continuous) issues, which detente cannot represent and rejects with an
//! [`ErrorKind::Unsupported`] error rather than discretise silently; preference-uncertainty
//! profiles (`type="UNCERTAIN"`), which are rejected the same way (a folder that mixes them with linear
//! profiles loads the linear ones and warns about each skipped file); nested objectives; the
//! legacy case-based `similarity_function` data, which GENIUS's utility never reads.

use std::path::{Path, PathBuf};

use detente_core::{
    Issue, IssueKind, MAX_TABLE_LEN, OutcomeSpace, Party, Preferences, RedLines, Scenario,
    UtilityFunction,
};

use crate::{Error, ErrorKind, Loaded, Warning};

use xml::Element;

/// Evaluation maxima below this make every evaluation of the issue 0 (GENIUS's rule).
const EVAL_MAX_FLOOR: f64 = 1e-5;

/// Terms or utilities that differ by at most this much are the same when checking that a
/// written file reproduces the scenario.
const WRITE_EPS: f64 = 1e-12;

/// The files [`write()`] (or [`crate::geniusweb::write`]) created, and what could not be carried
/// over exactly.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// The files written: the domain first, then one profile per party.
    pub files: Vec<PathBuf>,
    /// What the target format could not express, and how it was written instead.
    pub warnings: Vec<Warning>,
}

/// The files a writer would create, in memory: `(file name, contents)` pairs with the domain
/// first, and what the target format could not express.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// `(file name, contents)`, the domain first, then one profile per party.
    pub files: Vec<(String, String)>,
    /// What the target format could not express, and how it was written instead.
    pub warnings: Vec<Warning>,
}

impl Rendered {
    /// Writes the files into `out_dir` (created if needed).
    ///
    /// # Errors
    /// When the folder or a file cannot be written.
    pub fn write_to(self, out_dir: &Path) -> Result<Written, Error> {
        std::fs::create_dir_all(out_dir).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot create the folder: {e}")).with_path(out_dir)
        })?;
        let mut written = Written {
            files: Vec::new(),
            warnings: self.warnings,
        };
        for (name, text) in self.files {
            let path = out_dir.join(name);
            std::fs::write(&path, text).map_err(|e| {
                Error::new(ErrorKind::Io, format!("cannot write the file: {e}")).with_path(&path)
            })?;
            written.files.push(path);
        }
        Ok(written)
    }
}

/// What an XML file is, judged by its root element (FORMATS.md §A.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A domain: root `<negotiation_template>` (or another root with a `<utility_space>` child).
    Domain,
    /// A linear-additive profile: root `<utility_space>` with weights or evaluations.
    Profile,
    /// A profile detente cannot use (non-linear, preference uncertainty, constraint); the text
    /// says which and why.
    UnsupportedProfile(String),
    /// Something else; the text says what.
    Other(String),
}

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
    for path in crate::detect::files_with_extension(dir, "xml")? {
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
    let mut rendered = writer::to_xml(scenario)?;
    if let Some(w) = crate::error::ranges_dropped(scenario, "GENIUS") {
        rendered.warnings.push(w);
    }
    Ok(rendered)
}

// ------------------------------------------------------------------------------------------
// Domain and profile model.

/// One issue of a domain file.
#[derive(Clone, Debug)]
struct DomainIssue {
    index: i64,
    name: String,
    kind: DomainKind,
}

#[derive(Clone, Debug)]
enum DomainKind {
    Discrete(Vec<String>),
    Integer { lo: i64, hi: i64 },
}

/// The issues of a domain file, in file order.
#[derive(Clone, Debug)]
struct Domain {
    issues: Vec<DomainIssue>,
}

impl Domain {
    fn from_xml(path: &Path, root: &Element, warnings: &mut Vec<Warning>) -> Result<Domain, Error> {
        let space = if root.name == "utility_space" {
            root
        } else {
            root.child("utility_space").ok_or_else(|| {
                err(
                    ErrorKind::Invalid,
                    path,
                    root,
                    "expected a <utility_space> child",
                )
            })?
        };
        let objective = space.child("objective").ok_or_else(|| {
            err(
                ErrorKind::Invalid,
                path,
                space,
                "expected an <objective> child holding the issues",
            )
        })?;
        let mut issues: Vec<DomainIssue> = Vec::new();
        for el in objective.children.iter() {
            match el.name.as_str() {
                "issue" => {
                    let issue = domain_issue(path, el, warnings)?;
                    if let Some(prev) = issues.iter().find(|i| i.index == issue.index) {
                        return Err(err(
                            ErrorKind::Invalid,
                            path,
                            el,
                            format!(
                                "issue index {} is already used by issue '{}'; indices must be unique",
                                issue.index, prev.name
                            ),
                        ));
                    }
                    if issues.iter().any(|i| i.name == issue.name) {
                        return Err(err(
                            ErrorKind::Invalid,
                            path,
                            el,
                            format!(
                                "issue name '{}' is used twice; names must be unique",
                                issue.name
                            ),
                        ));
                    }
                    issues.push(issue);
                }
                "objective" => {
                    return Err(err(
                        ErrorKind::Unsupported,
                        path,
                        el,
                        "nested objectives are not supported; list every issue directly under the \
                         root <objective>",
                    ));
                }
                _ => {}
            }
        }
        if issues.is_empty() {
            return Err(err(
                ErrorKind::Invalid,
                path,
                objective,
                "the domain has no <issue> elements; expected at least one",
            ));
        }
        Ok(Domain { issues })
    }

    fn space(&self, path: &Path) -> Result<OutcomeSpace, Error> {
        let mut issues = Vec::with_capacity(self.issues.len());
        for i in &self.issues {
            let issue = match &i.kind {
                DomainKind::Discrete(values) => Issue::discrete(i.name.clone(), values.clone()),
                DomainKind::Integer { lo, hi } => Issue::integer(i.name.clone(), *lo, *hi, 1),
            };
            issues.push(issue.map_err(|e| core_err(path, e))?);
        }
        OutcomeSpace::new(issues).map_err(|e| core_err(path, e))
    }
}

fn domain_issue(
    path: &Path,
    el: &Element,
    warnings: &mut Vec<Warning>,
) -> Result<DomainIssue, Error> {
    let index = int_attr(path, el, "index")?;
    let name = el
        .attr("name")
        .ok_or_else(|| {
            err(
                ErrorKind::Invalid,
                path,
                el,
                "the issue has no name attribute",
            )
        })?
        .to_string();
    let kind = match issue_type(path, el, warnings)? {
        IssueType::Discrete => {
            let mut values: Vec<String> = Vec::new();
            for item in el.children_named("item") {
                let v = item.attr("value").ok_or_else(|| {
                    err(
                        ErrorKind::Invalid,
                        path,
                        item,
                        "the item has no value attribute",
                    )
                })?;
                if values.iter().any(|x| x == v) {
                    return Err(err(
                        ErrorKind::Invalid,
                        path,
                        item,
                        format!(
                            "value '{v}' of issue '{name}' appears twice; values must be unique"
                        ),
                    ));
                }
                values.push(v.to_string());
            }
            if values.is_empty() {
                return Err(err(
                    ErrorKind::Invalid,
                    path,
                    el,
                    format!("discrete issue '{name}' has no <item> values; expected at least one"),
                ));
            }
            DomainKind::Discrete(values)
        }
        IssueType::Integer => {
            let (lo, hi) = integer_bounds(path, el)?;
            DomainKind::Integer { lo, hi }
        }
        IssueType::Real => {
            let range = el.child("range").unwrap_or(el);
            let lb = range.attr("lowerbound").unwrap_or("?");
            let ub = range.attr("upperbound").unwrap_or("?");
            return Err(err(
                ErrorKind::Unsupported,
                path,
                el,
                format!(
                    "issue '{name}' is real (continuous) on [{lb}, {ub}]; detente has no continuous \
                     issues and does not discretise them silently, so this domain cannot be loaded \
                     (make the issue integer or discrete)"
                ),
            ));
        }
    };
    Ok(DomainIssue { index, name, kind })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IssueType {
    Discrete,
    Integer,
    Real,
}

/// The kind of an issue element: `type`, falling back on `vtype`/`etype`, else discrete.
fn issue_type(path: &Path, el: &Element, warnings: &mut Vec<Warning>) -> Result<IssueType, Error> {
    let parse = |s: &str| match s.trim().to_ascii_lowercase().as_str() {
        "discrete" => Some(IssueType::Discrete),
        "integer" => Some(IssueType::Integer),
        "real" => Some(IssueType::Real),
        _ => None,
    };
    let declared = el
        .attr("type")
        .or_else(|| el.attr("vtype"))
        .or_else(|| el.attr("etype"));
    let Some(t) = declared else {
        return Ok(IssueType::Discrete);
    };
    let kind = parse(t).ok_or_else(|| {
        err(
            ErrorKind::Unsupported,
            path,
            el,
            format!("unknown issue type '{t}'; expected discrete, integer or real"),
        )
    })?;
    for other in ["vtype", "etype"] {
        if let Some(o) = el.attr(other)
            && parse(o).is_some_and(|k| k != kind)
        {
            warnings.push(warning(
                path,
                Some(el.line),
                format!(
                    "issue '{}' has type=\"{t}\" but {other}=\"{o}\"; used type, as GENIUS does",
                    el.attr("name").unwrap_or("?")
                ),
            ));
        }
    }
    Ok(kind)
}

/// `lowerbound`/`upperbound` of an integer issue, on the element or a `<range>` child.
fn integer_bounds(path: &Path, el: &Element) -> Result<(i64, i64), Error> {
    let holder = if el.attr("lowerbound").is_some() {
        el
    } else {
        el.child("range").unwrap_or(el)
    };
    let lo = int_attr(path, holder, "lowerbound")?;
    let hi = int_attr(path, holder, "upperbound")?;
    if lo > hi {
        return Err(err(
            ErrorKind::Invalid,
            path,
            el,
            format!("lowerbound {lo} is above upperbound {hi}; expected lowerbound <= upperbound"),
        ));
    }
    let n = i128::from(hi) - i128::from(lo) + 1;
    if n > i128::from(MAX_TABLE_LEN) {
        return Err(err(
            ErrorKind::Unsupported,
            path,
            el,
            format!("integer issue has {n} values; at most {MAX_TABLE_LEN} are supported"),
        ));
    }
    Ok((lo, hi))
}

/// Which kind of file an XML root is.
fn kind_of(root: &Element) -> FileKind {
    match root.name.as_str() {
        "negotiation_template" => FileKind::Domain,
        "utility_space" => {
            let ty = root.attr("type").map(|t| t.trim().to_ascii_lowercase());
            match ty.as_deref() {
                None | Some("" | "any" | "linear" | "additive") => {
                    if root.any_descendant(&|e| {
                        e.name == "weight"
                            || e.name == "evaluator"
                            || (e.name == "item" && e.attr("evaluation").is_some())
                    }) {
                        FileKind::Profile
                    } else {
                        FileKind::Other("a <utility_space> with no weights or evaluations".into())
                    }
                }
                Some("nonlinear") => FileKind::Profile,
                Some("uncertain") => FileKind::UnsupportedProfile(
                    "preference-uncertainty (type=\"UNCERTAIN\") profiles are not supported: they \
                     give the agent a ranking of bids, not a utility function"
                        .into(),
                ),
                Some("constraint") => FileKind::UnsupportedProfile(
                    "constraint (type=\"constraint\") profiles are not supported".into(),
                ),
                Some(_) => FileKind::UnsupportedProfile(format!(
                    "profiles of type=\"{}\" are not supported; expected a linear-additive \
                     profile (no type attribute)",
                    root.attr("type").unwrap_or_default()
                )),
            }
        }
        _ if root.child("utility_space").is_some() => FileKind::Domain,
        other => FileKind::Other(format!("an XML file with root <{other}>")),
    }
}

fn describe_kind(kind: &FileKind) -> String {
    match kind {
        FileKind::Domain => "a GENIUS domain".into(),
        FileKind::Profile => "a GENIUS profile (root <utility_space> with weights)".into(),
        FileKind::UnsupportedProfile(why) => format!("an unsupported profile ({why})"),
        FileKind::Other(what) => what.clone(),
    }
}

/// Whether a profile's issues (index and name) are the domain's.
fn profile_matches(domain: &Domain, root: &Element) -> bool {
    let Some(obj) = root.child("objective") else {
        return false;
    };
    let issues: Vec<(Option<&str>, Option<&str>)> = obj
        .children_named("issue")
        .map(|i| (i.attr("index"), i.attr("name")))
        .collect();
    issues.len() == domain.issues.len()
        && domain.issues.iter().all(|d| {
            issues.iter().any(|(idx, name)| {
                idx.and_then(|s| s.trim().parse::<i64>().ok()) == Some(d.index)
                    && *name == Some(d.name.as_str())
            })
        })
}

/// Builds the scenario from a parsed domain and parsed profiles.
fn build(
    name: &str,
    dpath: &Path,
    domain: &Domain,
    profiles: &[(PathBuf, Element)],
    mut warnings: Vec<Warning>,
) -> Result<Loaded, Error> {
    let space = domain.space(dpath)?;
    let mut parties: Vec<Party> = Vec::with_capacity(profiles.len());
    for (ppath, proot) in profiles {
        let party_name = file_stem(ppath);
        match kind_of(proot) {
            FileKind::Profile => {}
            FileKind::UnsupportedProfile(why) => {
                return Err(Error::new(ErrorKind::Unsupported, why)
                    .with_path(ppath)
                    .at(proot.line, proot.col)
                    .in_element(proot.tag()));
            }
            other => {
                return Err(err(
                    ErrorKind::Invalid,
                    ppath,
                    proot,
                    format!(
                        "expected a GENIUS profile (root <utility_space> with weights and \
                         evaluations) but found {}",
                        describe_kind(&other)
                    ),
                ));
            }
        }
        let prefs = if nonlinear::is_nonlinear(proot) {
            nonlinear::preferences(ppath, proot, domain, &space, &mut warnings)?
        } else {
            profile_preferences(ppath, proot, domain, &space, &mut warnings)?
        };
        crate::push_party(&mut parties, party_name, prefs, ppath)?;
    }
    if parties.is_empty() {
        return Err(Error::new(
            ErrorKind::Invalid,
            "no profiles given; a scenario needs at least one party",
        )
        .with_path(dpath));
    }
    let scenario = Scenario::new(name, space, parties).map_err(|e| core_err(dpath, e))?;
    Ok(Loaded { scenario, warnings })
}

/// Reads one linear-additive profile into preferences over the domain's space.
fn profile_preferences(
    path: &Path,
    root: &Element,
    domain: &Domain,
    space: &OutcomeSpace,
    warnings: &mut Vec<Warning>,
) -> Result<Preferences, Error> {
    let objective = root.child("objective").ok_or_else(|| {
        err(
            ErrorKind::Invalid,
            path,
            root,
            "expected an <objective> child holding the issues and weights",
        )
    })?;
    // Issues of the profile, by index.
    let mut pissues: Vec<(i64, &Element)> = Vec::new();
    let mut objective_indices: Vec<i64> = Vec::new();
    if let Some(i) = objective.attr("index").and_then(|s| s.trim().parse().ok()) {
        objective_indices.push(i);
    }
    for el in &objective.children {
        match el.name.as_str() {
            "issue" => {
                let index = int_attr(path, el, "index")?;
                if pissues.iter().any(|(i, _)| *i == index) {
                    return Err(err(
                        ErrorKind::Invalid,
                        path,
                        el,
                        format!("issue index {index} appears twice in the profile"),
                    ));
                }
                if !domain.issues.iter().any(|d| d.index == index) {
                    let known: Vec<String> = domain
                        .issues
                        .iter()
                        .map(|d| format!("{} ({})", d.index, d.name))
                        .collect();
                    return Err(err(
                        ErrorKind::Invalid,
                        path,
                        el,
                        format!(
                            "unknown issue: the domain has no issue with index {index}; its issues \
                             are {}",
                            known.join(", ")
                        ),
                    ));
                }
                pissues.push((index, el));
            }
            "objective" => {
                return Err(err(
                    ErrorKind::Unsupported,
                    path,
                    el,
                    "nested objectives are not supported; list every issue directly under the root \
                     <objective>",
                ));
            }
            _ => {}
        }
    }
    // Weights, by index.
    let mut weights: Vec<(i64, f64, &Element)> = Vec::new();
    for el in objective.children_named("weight") {
        let index = int_attr(path, el, "index")?;
        let w = num_attr(path, el, "value")?;
        if w < 0.0 {
            return Err(err(
                ErrorKind::Invalid,
                path,
                el,
                format!("weight {w} is negative; weights must be >= 0"),
            ));
        }
        if weights.iter().any(|(i, _, _)| *i == index) {
            return Err(err(
                ErrorKind::Invalid,
                path,
                el,
                format!("a second weight for index {index}; give each issue one weight"),
            ));
        }
        if !pissues.iter().any(|(i, _)| *i == index) {
            if objective_indices.contains(&index) {
                // The root objective's own weight (y2012 Fitness): GENIUS ignores it.
                continue;
            }
            let known: Vec<String> = pissues.iter().map(|(i, _)| i.to_string()).collect();
            return Err(err(
                ErrorKind::Invalid,
                path,
                el,
                format!(
                    "weight index {index} matches no issue of the profile; expected one of {}",
                    known.join(", ")
                ),
            ));
        }
        weights.push((index, w, el));
    }
    let mut terms: Vec<Vec<f64>> = Vec::with_capacity(domain.issues.len());
    let mut weight_sum = 0.0;
    for (d, issue) in domain.issues.iter().zip(space.issues()) {
        let Some(&(_, pel)) = pissues.iter().find(|(i, _)| *i == d.index) else {
            return Err(err(
                ErrorKind::Invalid,
                path,
                objective,
                format!(
                    "the profile has no issue with index {} ('{}') of the domain; a profile must \
                     evaluate every issue",
                    d.index, d.name
                ),
            ));
        };
        if let Some(pname) = pel.attr("name")
            && pname != d.name
        {
            warnings.push(warning(
                path,
                Some(pel.line),
                format!(
                    "issue index {} is named '{pname}' here but '{}' in the domain; matched by \
                         index, as GENIUS does",
                    d.index, d.name
                ),
            ));
        }
        let Some(&(_, w, _)) = weights.iter().find(|(i, _, _)| *i == d.index) else {
            return Err(err(
                ErrorKind::Invalid,
                path,
                pel,
                format!(
                    "issue '{}' (index {}) has no <weight index=\"{}\">; every issue needs a weight \
                     (0 to ignore it)",
                    d.name, d.index, d.index
                ),
            ));
        };
        weight_sum += w;
        let evals = match &d.kind {
            DomainKind::Discrete(values) => {
                discrete_evaluations(path, pel, &d.name, values, warnings)?
            }
            DomainKind::Integer { lo, hi } => {
                integer_evaluations(path, pel, &d.name, *lo, *hi, warnings)?
            }
        };
        debug_assert_eq!(evals.len(), issue.n_values() as usize);
        terms.push(evals.into_iter().map(|e| w * e).collect());
    }
    if (weight_sum - 1.0).abs() > 1e-6 {
        warnings.push(warning(
            path,
            Some(objective.line),
            format!(
                "weights add up to {weight_sum}, not 1; used as given (GENIUS does not renormalise, \
                 and clips utilities at 1)"
            ),
        ));
    }
    let ufun = UtilityFunction::from_terms(space, terms, true).map_err(|e| core_err(path, e))?;
    let reservation = single_value(path, root, objective, "reservation", warnings)?.unwrap_or(0.0);
    // GENIUS discounts over normalised time (U·d^t, t in [0, 1]) and treats d <= 0 and d > 1
    // as no discount.
    let discount = match single_value(path, root, objective, "discount_factor", warnings)? {
        Some(d) if d > 0.0 && d < 1.0 => d,
        _ => 1.0,
    };
    Preferences::new(ufun, reservation, RedLines::none(space.issues().len()), 1.0)
        .and_then(|p| p.with_discount(discount))
        .map_err(|e| core_err(path, e))
}

/// Per domain value, GENIUS's normalised evaluation `evaluation / max` of a discrete issue.
fn discrete_evaluations(
    path: &Path,
    pel: &Element,
    issue: &str,
    values: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<f64>, Error> {
    let mut items: Vec<(&str, f64, &Element)> = Vec::new();
    for item in pel.children_named("item") {
        let v = item.attr("value").ok_or_else(|| {
            err(
                ErrorKind::Invalid,
                path,
                item,
                "the item has no value attribute",
            )
        })?;
        let e = match item.attr("evaluation") {
            Some(_) => num_attr(path, item, "evaluation")?,
            None => {
                warnings.push(warning(
                    path,
                    Some(item.line),
                    format!("value '{v}' of issue '{issue}' has no evaluation; counted as 0, as in GENIUS"),
                ));
                0.0
            }
        };
        // Negative evaluations (NegMAS writes them when it renormalises a domain) take GENIUS's
        // arithmetic like any other: divided by the largest evaluation, itself at least 0.
        if !values.iter().any(|x| x == v) {
            warnings.push(warning(
                path,
                Some(item.line),
                format!("value '{v}' is not a value of issue '{issue}' in the domain; ignored"),
            ));
        }
        if let Some(slot) = items.iter_mut().find(|(x, _, _)| *x == v) {
            // GENIUS keeps evaluations in a map: a repeated value overrides the earlier one
            // (AMPOvsCity's profiles list "0" twice).
            warnings.push(warning(
                path,
                Some(item.line),
                format!(
                    "value '{v}' of issue '{issue}' is evaluated twice (lines {} and {}); the last \
                     evaluation, {e}, is used, as in GENIUS",
                    slot.2.line, item.line
                ),
            ));
            *slot = (v, e, item);
            continue;
        }
        items.push((v, e, item));
    }
    // GENIUS normalises by the largest evaluation of the evaluator, extra values included.
    let max = items.iter().map(|(_, e, _)| *e).fold(0.0, f64::max);
    values
        .iter()
        .map(|v| match items.iter().find(|(x, _, _)| x == v) {
            Some((_, e, _)) => Ok(if max < EVAL_MAX_FLOOR { 0.0 } else { e / max }),
            None => Err(err(
                ErrorKind::Invalid,
                path,
                pel,
                format!(
                    "missing evaluation: value '{v}' of issue '{issue}' has no <item> in this \
                     profile; every domain value needs an evaluation"
                ),
            )),
        })
        .collect()
}

/// Per value `lo..=hi`, GENIUS's integer evaluation `clip₀¹(offset + slope·(x − lowerbound))`.
fn integer_evaluations(
    path: &Path,
    pel: &Element,
    issue: &str,
    lo: i64,
    hi: i64,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<f64>, Error> {
    // GENIUS's evaluator takes the bounds from the profile's own issue element.
    let lb = if pel.attr("lowerbound").is_some() || pel.child("range").is_some() {
        let (plo, phi) = integer_bounds(path, pel)?;
        if (plo, phi) != (lo, hi) {
            warnings.push(warning(
                path,
                Some(pel.line),
                format!(
                    "issue '{issue}' runs {plo}..{phi} here but {lo}..{hi} in the domain; the domain's \
                     values are used, the profile's lowerbound anchors the evaluator (as in GENIUS)"
                ),
            ));
        }
        plo
    } else {
        lo
    };
    let (slope, offset) = match pel.child("evaluator") {
        Some(ev) => {
            if let Some(ft) = ev.attr("ftype")
                && !ft.trim().eq_ignore_ascii_case("linear")
            {
                return Err(err(
                    ErrorKind::Unsupported,
                    path,
                    ev,
                    format!("integer evaluator ftype '{ft}' is not supported; expected linear"),
                ));
            }
            (num_attr(path, ev, "slope")?, num_attr(path, ev, "offset")?)
        }
        None => {
            if pel.children_named("item").next().is_some() {
                return Err(err(
                    ErrorKind::Invalid,
                    path,
                    pel,
                    format!(
                        "issue '{issue}' is integer in the domain but has discrete <item>s here; \
                         expected an <evaluator ftype=\"linear\" slope offset>"
                    ),
                ));
            }
            warnings.push(warning(
                path,
                Some(pel.line),
                format!(
                    "integer issue '{issue}' has no <evaluator>; every value counts 0, as in GENIUS"
                ),
            ));
            (0.0, 0.0)
        }
    };
    Ok((lo..=hi)
        .map(|x| {
            let e = offset + slope * (x as f64 - lb as f64);
            if e.is_nan() { 0.0 } else { e.clamp(0.0, 1.0) }
        })
        .collect())
}

/// The `value` of the one `<name value>` element under the utility space (or the objective).
fn single_value(
    path: &Path,
    root: &Element,
    objective: &Element,
    name: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<f64>, Error> {
    let mut found = root
        .children_named(name)
        .chain(objective.children_named(name));
    let Some(first) = found.next() else {
        return Ok(None);
    };
    if let Some(second) = found.next() {
        warnings.push(warning(
            path,
            Some(second.line),
            format!(
                "a second <{name}>; the first one (line {}) is used",
                first.line
            ),
        ));
    }
    num_attr(path, first, "value").map(Some)
}

// ------------------------------------------------------------------------------------------
// Small helpers shared with the other formats.

/// Reads a whole file of at most [`crate::MAX_FILE_BYTES`]: a regular file's size is checked
/// before reading, and anything else (a pipe, `/dev/zero`) is read with that cap, so a wrong
/// path never makes memory grow without bound.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let io = |e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("cannot read the file: {e}")).with_path(path)
    };
    let max = crate::MAX_FILE_BYTES;
    let too_large = |what: String| {
        Error::new(
            ErrorKind::Io,
            format!(
                "{what}; scenario files may have at most {max} bytes ({} MiB)",
                max >> 20
            ),
        )
        .with_path(path)
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > max {
        return Err(too_large(format!("the file has {} bytes", meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(format!("more than {max} bytes could be read")));
    }
    Ok(bytes)
}

/// The file stem, as a string.
pub(crate) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file name, as a string.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether two paths name the same file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A warning about `path`.
pub(crate) fn warning(path: &Path, line: Option<usize>, message: impl Into<String>) -> Warning {
    Warning {
        path: Some(path.to_path_buf()),
        line,
        message: message.into(),
    }
}

/// Whether the scenario carries material beyond the preferences (sources, packages, …) that
/// GENIUS and GeniusWeb files cannot hold.
pub(crate) fn has_analyst_material(s: &Scenario) -> bool {
    s.description.is_some()
        || s.provenance.is_some()
        || !s.sources.is_empty()
        || !s.packages.is_empty()
        || s.mediator.is_some()
        || !s.meetings.is_empty()
        || s.issue_notes
            .iter()
            .any(|n| *n != detente_core::IssueNote::default())
        || s.parties().iter().any(|p| {
            p.role != detente_core::Role::Principal
                || p.description.is_some()
                || p.batna.is_some()
                || !p.delegation.is_empty()
                || p.provenance != detente_core::Provenance::default()
        })
}

/// A core error (invalid model) reported against `path`.
pub(crate) fn core_err(path: &Path, e: detente_core::Error) -> Error {
    Error::new(ErrorKind::Invalid, e.to_string()).with_path(path)
}

/// Decodes file bytes to text: UTF-8 (BOM stripped), UTF-16 with a BOM, or Latin-1 when the
/// bytes are not UTF-8 or the file declares a Latin-1 encoding. Returns a note when the
/// decoding was a guess.
pub(crate) fn decode_text(bytes: &[u8], declared: Option<&str>) -> (String, Option<String>) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                latin1(rest),
                Some("starts with a UTF-8 byte-order mark but is not UTF-8; decoded as Windows-1252 (Latin-1)".into()),
            ),
        };
    }
    for (bom, le) in [([0xFF, 0xFE], true), ([0xFE, 0xFF], false)] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let units = rest.chunks(2).map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            let text: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            return (text, None);
        }
    }
    let declared = declared.map(|d| d.trim().to_ascii_lowercase());
    let latin_declared = declared.as_deref().is_some_and(|d| {
        matches!(
            d,
            "iso-8859-1"
                | "iso8859-1"
                | "latin1"
                | "latin-1"
                | "l1"
                | "iso_8859-1"
                | "windows-1252"
                | "cp1252"
        )
    });
    if latin_declared {
        return (latin1(bytes), None);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            (
                latin1(bytes),
                Some(format!(
                    "not valid UTF-8 (first bad byte on line {line}) and no Latin-1 encoding declared; \
                     decoded as Windows-1252 (Latin-1)"
                )),
            )
        }
    }
}

/// Decodes Windows-1252, the superset of Latin-1 that real "Latin-1" files use (WHATWG's
/// reading of ISO-8859-1): bytes 0x80–0x9F are printable characters such as `€` (0x80, in
/// raw-group2-new_sporthal) rather than C1 control codes.
fn latin1(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| {
            if (0x80..0xA0).contains(&b) {
                HIGH[usize::from(b - 0x80)]
            } else {
                char::from(b)
            }
        })
        .collect()
}

/// A file name made safe for any file system from a party or scenario name.
pub(crate) fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() { "unnamed".into() } else { s }
}

/// An error at element `el` of `path`.
fn err(kind: ErrorKind, path: &Path, el: &Element, msg: impl Into<String>) -> Error {
    Error::new(kind, msg)
        .with_path(path)
        .at(el.line, el.col)
        .in_element(el.tag())
}

fn int_attr(path: &Path, el: &Element, name: &str) -> Result<i64, Error> {
    let raw = el.attr(name).ok_or_else(|| {
        err(
            ErrorKind::Invalid,
            path,
            el,
            format!("missing attribute {name}; expected an integer"),
        )
    })?;
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Ok(i);
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(err(
            ErrorKind::Invalid,
            path,
            el,
            format!("{name}=\"{raw}\" is not an integer; expected e.g. {name}=\"1\""),
        )),
    }
}

fn num_attr(path: &Path, el: &Element, name: &str) -> Result<f64, Error> {
    let raw = el.attr(name).ok_or_else(|| {
        err(
            ErrorKind::Invalid,
            path,
            el,
            format!("missing attribute {name}; expected a number"),
        )
    })?;
    parse_number(raw).ok_or_else(|| {
        err(
            ErrorKind::Invalid,
            path,
            el,
            format!("{name}=\"{raw}\" is not a finite number; expected e.g. {name}=\"0.25\""),
        )
    })
}

/// Parses a number as Java's `Double.valueOf` would (surrounding spaces and a `d`/`f` suffix
/// allowed); only finite values.
fn parse_number(raw: &str) -> Option<f64> {
    let t = raw.trim();
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

// ------------------------------------------------------------------------------------------
// The writer.

mod writer {
    use std::fmt::Write as _;

    use super::*;

    /// How one issue is written.
    enum Form {
        Discrete(Vec<String>),
        /// A GENIUS integer issue; per party `(weight, offset, slope)`.
        Integer {
            lo: i64,
            hi: i64,
            linear: Vec<(f64, f64, f64)>,
        },
    }

    pub(super) fn to_xml(s: &Scenario) -> Result<Rendered, Error> {
        let mut warnings = Vec::new();
        check_expressible(s, "GENIUS")?;
        for party in s.parties() {
            let prefs = &party.preferences;
            let ufun = prefs.ufun();
            let raw_max: f64 = ufun
                .terms()
                .iter()
                .map(|t| t.iter().copied().fold(0.0, f64::max))
                .sum();
            if !ufun.clips_at_one() && raw_max > 1.0 + WRITE_EPS {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "party '{}' reaches utility {raw_max}, above 1, without clipping; GENIUS clips \
                         every utility at 1, so the file would change its preferences",
                        party.name
                    ),
                ));
            }
        }
        if has_analyst_material(s) {
            warnings.push(Warning {
                path: None,
                line: None,
                message:
                    "GENIUS files have no place for sources, packages, meetings, the mediator, \
                          roles or descriptions; they are not written"
                        .into(),
            });
        }
        let forms: Vec<Form> = s
            .space()
            .issues()
            .iter()
            .enumerate()
            .map(|(i, issue)| issue_form(s, i, issue, &mut warnings))
            .collect();
        let scenario_name = if s.name.trim().is_empty() {
            "scenario".to_string()
        } else {
            s.name.clone()
        };
        let mut files = Vec::new();
        // Domain.
        let mut d = String::new();
        d.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<negotiation_template>\n");
        let _ = writeln!(d, "  <utility_space number_of_issues=\"{}\">", forms.len());
        let _ = writeln!(
            d,
            "    <objective index=\"0\" etype=\"objective\" type=\"objective\" description=\"\" name=\"{}\">",
            esc(&scenario_name)
        );
        for (i, (issue, form)) in s.space().issues().iter().zip(&forms).enumerate() {
            issue_open(&mut d, i, issue.name(), form);
            if let Form::Discrete(values) = form {
                for (k, v) in values.iter().enumerate() {
                    let _ = writeln!(
                        d,
                        "        <item index=\"{}\" value=\"{}\" cost=\"0\" description=\"\"/>",
                        k + 1,
                        esc(v)
                    );
                }
            }
            d.push_str("      </issue>\n");
        }
        d.push_str("    </objective>\n  </utility_space>\n</negotiation_template>\n");
        // Profiles, named after the parties.
        let mut names: Vec<String> = Vec::new();
        let mut profiles = Vec::new();
        for (p, party) in s.parties().iter().enumerate() {
            let mut base = safe_file_name(&party.name);
            if base != party.name {
                warnings.push(Warning {
                    path: None,
                    line: None,
                    message: format!(
                        "party '{}' is written as {base}.xml; reading it back names the party '{base}'",
                        party.name
                    ),
                });
            }
            let lower = |x: &str| x.to_lowercase();
            while names.iter().any(|n| lower(n) == lower(&base)) {
                base.push('_');
            }
            names.push(base.clone());
            profiles.push((
                format!("{base}.xml"),
                profile_xml(s, p, &forms, &scenario_name)?,
            ));
        }
        let mut sorted = names.clone();
        sorted.sort();
        if sorted != names {
            warnings.push(Warning {
                path: None,
                line: None,
                message: format!(
                    "GENIUS has no party order: readers take profiles in file-name order, so the \
                     parties will be read back as {}",
                    sorted.join(", ")
                ),
            });
        }
        let mut domain_name = format!("{}_domain", safe_file_name(&scenario_name));
        while names.iter().any(|n| n.eq_ignore_ascii_case(&domain_name)) {
            domain_name.push('_');
        }
        files.push((format!("{domain_name}.xml"), d));
        files.extend(profiles);
        Ok(Rendered { files, warnings })
    }

    /// Red lines cannot be written in GENIUS or GeniusWeb.
    pub(crate) fn check_expressible(s: &Scenario, format: &str) -> Result<(), Error> {
        for party in s.parties() {
            if format != "GENIUS" && !party.preferences.ufun().is_additive() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "party '{}' has interaction terms (links), which {format} cannot express; \
                         keep the native format or write GENIUS (non-linear profiles)",
                        party.name
                    ),
                ));
            }
            if !party.preferences.red_lines().is_empty() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "party '{}' has red lines, which {format} cannot express (a red line is a \
                         hard constraint, not a utility); remove them or keep the native format",
                        party.name
                    ),
                ));
            }
            for t in party.preferences.ufun().terms() {
                if t.iter().any(|&x| x < 0.0) {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        format!(
                            "party '{}' has a negative utility term, which {format} cannot express",
                            party.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn issue_form(s: &Scenario, i: usize, issue: &Issue, warnings: &mut Vec<Warning>) -> Form {
        let labels = || -> Vec<String> {
            (0..issue.n_values())
                .map(|k| issue.value(k).map(|v| v.to_string()).unwrap_or_default())
                .collect()
        };
        match issue.kind() {
            IssueKind::Discrete { options } => Form::Discrete(options.clone()),
            IssueKind::Integer { lo, step, .. } => {
                let n = issue.n_values();
                let last = lo + i64::from(n - 1) * step;
                let mut linear = Vec::new();
                for party in s.parties() {
                    let t = &party.preferences.ufun().terms()[i];
                    match linear_fit(t) {
                        Some(l) if *step == 1 => linear.push(l),
                        _ => {
                            let why = if *step != 1 {
                                format!("steps of {step}")
                            } else {
                                format!("a non-linear value function for party '{}'", party.name)
                            };
                            warnings.push(Warning {
                                path: None,
                                line: None,
                                message: format!(
                                    "integer issue '{}' has {why}, which a GENIUS integer issue cannot \
                                     express; written as a discrete issue with the values as text",
                                    issue.name()
                                ),
                            });
                            return Form::Discrete(labels());
                        }
                    }
                }
                Form::Integer {
                    lo: *lo,
                    hi: last,
                    linear,
                }
            }
        }
    }

    /// `(weight, offset, slope)` with `weight·clip(offset + slope·k) = t[k]` for every `k`,
    /// when the terms are linear in `k`.
    fn linear_fit(t: &[f64]) -> Option<(f64, f64, f64)> {
        let w = t.iter().copied().fold(0.0, f64::max);
        if w <= 0.0 {
            return Some((0.0, 0.0, 0.0));
        }
        let n = t.len();
        let e0 = t[0] / w;
        let slope = if n > 1 {
            (t[n - 1] / w - e0) / (n - 1) as f64
        } else {
            0.0
        };
        let ok = t.iter().enumerate().all(|(k, &x)| {
            let e = (e0 + slope * k as f64).clamp(0.0, 1.0);
            (w * e - x).abs() <= WRITE_EPS
        });
        ok.then_some((w, e0, slope))
    }

    fn issue_open(out: &mut String, i: usize, name: &str, form: &Form) {
        match form {
            Form::Discrete(_) => {
                let _ = writeln!(
                    out,
                    "      <issue index=\"{}\" etype=\"discrete\" type=\"discrete\" vtype=\"discrete\" name=\"{}\">",
                    i + 1,
                    esc(name)
                );
            }
            Form::Integer { lo, hi, .. } => {
                let _ = writeln!(
                    out,
                    "      <issue index=\"{}\" etype=\"integer\" type=\"integer\" vtype=\"integer\" name=\"{}\" lowerbound=\"{lo}\" upperbound=\"{hi}\">",
                    i + 1,
                    esc(name)
                );
            }
        }
    }

    fn profile_xml(
        s: &Scenario,
        p: usize,
        forms: &[Form],
        scenario_name: &str,
    ) -> Result<String, Error> {
        if nonlinear::needed(s, p) {
            return nonlinear::profile_xml(s, p, scenario_name);
        }
        let party = &s.parties()[p];
        let prefs = &party.preferences;
        let terms = prefs.ufun().terms();
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(x, "<utility_space number_of_issues=\"{}\">", forms.len());
        let _ = writeln!(
            x,
            "  <objective index=\"0\" etype=\"objective\" type=\"objective\" description=\"\" name=\"{}\">",
            esc(scenario_name)
        );
        let mut weights = Vec::with_capacity(forms.len());
        for (i, (issue, form)) in s.space().issues().iter().zip(forms).enumerate() {
            let t = &terms[i];
            let mut inner = String::new();
            issue_open(&mut inner, i, issue.name(), form);
            // Indent the issue two spaces less than in the domain.
            x.push_str(&inner[2..]);
            match form {
                Form::Discrete(values) => {
                    let w = t.iter().copied().fold(0.0, f64::max);
                    weights.push(w);
                    for (k, v) in values.iter().enumerate() {
                        let e = if w > 0.0 { (t[k] / w).min(1.0) } else { 0.0 };
                        let _ = writeln!(
                            x,
                            "      <item index=\"{}\" value=\"{}\" evaluation=\"{}\"/>",
                            k + 1,
                            esc(v),
                            num(e)
                        );
                    }
                }
                Form::Integer { linear, .. } => {
                    let (w, offset, slope) = linear[p];
                    weights.push(w);
                    let _ = writeln!(
                        x,
                        "      <evaluator ftype=\"linear\" offset=\"{}\" slope=\"{}\"/>",
                        num(offset),
                        num(slope)
                    );
                }
            }
            x.push_str("    </issue>\n");
        }
        for (i, w) in weights.iter().enumerate() {
            let _ = writeln!(x, "    <weight index=\"{}\" value=\"{}\"/>", i + 1, num(*w));
        }
        x.push_str("  </objective>\n");
        let _ = writeln!(x, "  <reservation value=\"{}\"/>", num(prefs.reservation()));
        if prefs.discount() < 1.0 {
            let _ = writeln!(
                x,
                "  <discount_factor value=\"{}\"/>",
                num(prefs.discount())
            );
        }
        x.push_str("</utility_space>\n");
        Ok(x)
    }

    /// A number as the shortest text that reads back as the same double (`{:?}` may use
    /// exponent notation, which Java's `Double.valueOf` also reads).
    fn num(x: f64) -> String {
        format!("{x:?}")
    }

    fn esc(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                '\t' => out.push_str("&#9;"),
                c => out.push(c),
            }
        }
        out
    }
}

pub(crate) use writer::check_expressible;

#[path = "genius_nonlinear.rs"]
mod nonlinear;

// ------------------------------------------------------------------------------------------
// A lenient XML tree on top of quick-xml's event reader.

mod xml {
    use std::path::Path;

    use quick_xml::events::{BytesStart, Event};
    use quick_xml::reader::Reader;

    use super::{decode_text, warning};
    use crate::{Error, ErrorKind, Warning};

    /// Deepest element nesting accepted (GENIUS files nest about 6 levels); it bounds the
    /// recursion of tree walks and drops on hostile input.
    const MAX_DEPTH: usize = 256;

    /// An element with its attributes (unescaped) and child elements; text is dropped.
    #[derive(Clone, Debug)]
    pub(crate) struct Element {
        pub(crate) name: String,
        pub(crate) attrs: Vec<(String, String)>,
        pub(crate) children: Vec<Element>,
        pub(crate) line: usize,
        pub(crate) col: usize,
    }

    impl Element {
        pub(crate) fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }

        pub(crate) fn child(&self, name: &str) -> Option<&Element> {
            self.children.iter().find(|c| c.name == name)
        }

        pub(crate) fn children_named<'a>(
            &'a self,
            name: &'a str,
        ) -> impl Iterator<Item = &'a Element> + 'a {
            self.children.iter().filter(move |c| c.name == name)
        }

        pub(crate) fn any_descendant(&self, f: &dyn Fn(&Element) -> bool) -> bool {
            self.children.iter().any(|c| f(c) || c.any_descendant(f))
        }

        /// A short description such as `<issue index="3" name="Duration">`.
        pub(crate) fn tag(&self) -> String {
            let mut s = format!("<{}", self.name);
            for key in ["index", "name", "value"] {
                if let Some(v) = self.attr(key) {
                    let v: String = v.chars().take(60).collect();
                    s.push_str(&format!(" {key}=\"{v}\""));
                }
            }
            s.push('>');
            s
        }
    }

    /// Whether the bytes look like XML: the first non-blank character is `<`.
    pub(crate) fn looks_like_xml(bytes: &[u8]) -> bool {
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return true;
        }
        bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
    }

    /// Byte offsets of line starts, for line and column numbers.
    struct Lines {
        starts: Vec<usize>,
    }

    impl Lines {
        fn new(text: &str) -> Lines {
            let mut starts = vec![0];
            starts.extend(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            Lines { starts }
        }

        fn at(&self, text: &str, pos: usize) -> (usize, usize) {
            let pos = pos.min(text.len());
            let line = self.starts.partition_point(|&s| s <= pos);
            let start = self.starts[line.saturating_sub(1)];
            let col = text
                .get(start..pos)
                .map_or(pos - start, |s| s.chars().count())
                + 1;
            (line, col)
        }
    }

    /// The encoding named in an XML declaration near the start of the bytes.
    fn declared_encoding(bytes: &[u8]) -> Option<String> {
        let head = &bytes[..bytes.len().min(2048)];
        let start = head.windows(5).position(|w| w == b"<?xml")?;
        let end = head[start..].windows(2).position(|w| w == b"?>")? + start;
        let decl = String::from_utf8_lossy(&head[start..end]).into_owned();
        let at = decl.find("encoding")?;
        let rest = decl[at + "encoding".len()..]
            .trim_start()
            .strip_prefix('=')?
            .trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let rest = &rest[1..];
        Some(rest[..rest.find(quote)?].to_string())
    }

    /// Parses `bytes` into the root element, leniently; warnings say what was accepted.
    pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<(Element, Vec<Warning>), Error> {
        let declared = declared_encoding(bytes);
        let (text, note) = decode_text(bytes, declared.as_deref());
        let mut b = Builder {
            path,
            lines: Lines::new(&text),
            stack: Vec::new(),
            root: None,
            skipping: 0,
            warnings: Vec::new(),
            bare_amp: None,
            glued: None,
            extra_after_root: false,
        };
        if let Some(note) = note {
            b.warnings.push(warning(path, None, note));
        }
        let mut reader = Reader::from_str(&text);
        {
            let c = reader.config_mut();
            c.allow_dangling_amp = true;
            c.allow_unmatched_ends = true;
            c.check_end_names = false;
            c.check_comments = false;
            c.expand_empty_elements = false;
            c.trim_text(false);
        }
        let mut seen_before_decl = false;
        loop {
            let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let pos = usize::try_from(reader.error_position()).unwrap_or(0);
                    let (line, col) = b.lines.at(&text, pos);
                    let inside = b
                        .stack
                        .last()
                        .map(|el| format!(" inside <{}> opened on line {}", el.name, el.line))
                        .unwrap_or_default();
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!("malformed XML{inside}: {e}; expected well-formed markup"),
                    )
                    .with_path(path)
                    .at(line, col));
                }
            };
            let (line, col) = b.lines.at(&text, start);
            match event {
                Event::Eof => break,
                Event::Decl(_) => {
                    if seen_before_decl {
                        b.warnings.push(warning(
                            path,
                            Some(line),
                            "the XML declaration is not at the start of the file (comments or blank \
                             lines come first); read anyway",
                        ));
                    }
                    seen_before_decl = true;
                }
                Event::Text(t) => {
                    let blank = t.trim_ascii().is_empty();
                    if !blank || start == 0 {
                        seen_before_decl = true;
                    }
                    if !blank && b.stack.is_empty() && b.root.is_none() {
                        return Err(Error::new(
                            ErrorKind::Syntax,
                            "text before the first element; expected an XML document",
                        )
                        .with_path(path)
                        .at(line, col));
                    }
                }
                Event::Start(e) => {
                    seen_before_decl = true;
                    b.open(&e, line, col, true)?;
                }
                Event::Empty(e) => {
                    seen_before_decl = true;
                    b.open(&e, line, col, false)?;
                }
                Event::End(e) => {
                    let name = e.name().as_ref().to_string();
                    b.close(&name, line);
                }
                Event::Comment(_)
                | Event::PI(_)
                | Event::DocType(_)
                | Event::CData(_)
                | Event::GeneralRef(_) => seen_before_decl = true,
            }
        }
        b.finish()
    }

    /// Builds the element tree from reader events.
    struct Builder<'p> {
        path: &'p Path,
        lines: Lines,
        stack: Vec<Element>,
        root: Option<Element>,
        /// Depth inside an ignored element after the root.
        skipping: usize,
        warnings: Vec<Warning>,
        /// (count, first line) of bare `&` in attribute values.
        bare_amp: Option<(usize, usize)>,
        /// First line with attributes glued together.
        glued: Option<usize>,
        extra_after_root: bool,
    }

    impl Builder<'_> {
        fn open(
            &mut self,
            e: &BytesStart<'_>,
            line: usize,
            col: usize,
            is_start: bool,
        ) -> Result<(), Error> {
            if self.root.is_some() && self.stack.is_empty() {
                self.extra_after_root = true;
                if is_start {
                    self.skipping += 1;
                }
                return Ok(());
            }
            let el = self.element(e, line, col)?;
            if is_start {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(Error::new(
                        ErrorKind::Syntax,
                        format!(
                            "elements nested more than {MAX_DEPTH} levels deep; GENIUS files nest \
                             a handful"
                        ),
                    )
                    .with_path(self.path)
                    .at(line, col)
                    .in_element(el.tag()));
                }
                self.stack.push(el);
            } else {
                self.attach(el);
            }
            Ok(())
        }

        fn close(&mut self, name: &str, line: usize) {
            if self.skipping > 0 {
                self.skipping -= 1;
                return;
            }
            let Some(i) = self.stack.iter().rposition(|el| el.name == name) else {
                self.warnings.push(warning(
                    self.path,
                    Some(line),
                    format!("</{name}> closes nothing that is open; ignored"),
                ));
                return;
            };
            while self.stack.len() > i + 1 {
                if let Some(open) = self.stack.pop() {
                    self.warnings.push(warning(
                        self.path,
                        Some(open.line),
                        format!(
                            "<{}> is not closed before </{name}> on line {line}; closed there",
                            open.name
                        ),
                    ));
                    self.attach(open);
                }
            }
            if let Some(el) = self.stack.pop() {
                self.attach(el);
            }
        }

        fn attach(&mut self, el: Element) {
            match self.stack.last_mut() {
                Some(parent) => parent.children.push(el),
                None if self.root.is_none() => self.root = Some(el),
                None => self.extra_after_root = true,
            }
        }

        fn finish(mut self) -> Result<(Element, Vec<Warning>), Error> {
            while let Some(open) = self.stack.pop() {
                self.warnings.push(warning(
                    self.path,
                    Some(open.line),
                    format!(
                        "<{}> is never closed (the file may be truncated); closed at the end",
                        open.name
                    ),
                ));
                self.attach(open);
            }
            if self.extra_after_root {
                self.warnings.push(warning(
                    self.path,
                    None,
                    "elements after the root element; ignored",
                ));
            }
            if let Some((n, line)) = self.bare_amp {
                self.warnings.push(warning(
                    self.path,
                    Some(line),
                    format!("{n} bare '&' in attribute values (not part of an entity) read as a literal '&'"),
                ));
            }
            if let Some(line) = self.glued {
                self.warnings.push(warning(
                    self.path,
                    Some(line),
                    "attributes with no space between them (e.g. type=\"discrete\"vtype=\"discrete\"); \
                     read anyway",
                ));
            }
            let root = self.root.ok_or_else(|| {
                Error::new(
                    ErrorKind::Syntax,
                    "no XML element found; expected a GENIUS domain or profile",
                )
                .with_path(self.path)
            })?;
            Ok((root, self.warnings))
        }

        fn element(
            &mut self,
            e: &BytesStart<'_>,
            line: usize,
            col: usize,
        ) -> Result<Element, Error> {
            let name = e.name().as_ref().to_string();
            let raw: &[u8] = e.as_bytes();
            if self.glued.is_none() && has_glued_attributes(raw) {
                self.glued = Some(line);
            }
            let mut attrs: Vec<(String, String)> = Vec::new();
            for a in e.html_attributes().with_checks(false) {
                let a = a.map_err(|err| {
                    Error::new(
                        ErrorKind::Syntax,
                        format!("malformed attribute in <{name}>: {err}; expected name=\"value\""),
                    )
                    .with_path(self.path)
                    .at(line, col)
                })?;
                let key = a.key.as_ref().to_string();
                let raw_value = &a.value;
                let (value, n_bare) = unescape(raw_value);
                if n_bare > 0 {
                    self.bare_amp.get_or_insert((0, line)).0 += n_bare;
                }
                if let Some(slot) = attrs.iter_mut().find(|(k, _)| *k == key) {
                    self.warnings.push(warning(
                        self.path,
                        Some(line),
                        format!("attribute {key} appears twice in <{name}>; the last one is used"),
                    ));
                    slot.1 = value;
                } else {
                    attrs.push((key, value));
                }
            }
            Ok(Element {
                name,
                attrs,
                children: Vec::new(),
                line,
                col,
            })
        }
    }

    /// Whether a quoted attribute value is directly followed by another attribute name.
    fn has_glued_attributes(raw: &[u8]) -> bool {
        let mut quote: Option<u8> = None;
        for (i, &b) in raw.iter().enumerate() {
            match quote {
                Some(q) if b == q => {
                    quote = None;
                    if raw
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
                    {
                        return true;
                    }
                }
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None => {}
            }
        }
        false
    }

    /// Replaces entities in an attribute value; a `&` that starts no known entity stays a
    /// literal `&`. Returns the value and how many such bare `&` there were.
    pub(crate) fn unescape(raw: &str) -> (String, usize) {
        if !raw.contains('&') {
            return (raw.to_string(), 0);
        }
        let mut out = String::with_capacity(raw.len());
        let mut bare = 0;
        let mut rest = raw;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let entity = rest[1..]
                .find(';')
                .filter(|&n| n <= 12)
                .map(|n| &rest[1..n + 1]);
            let decoded = entity.and_then(|ent| match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = if let Some(h) =
                        ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X"))
                    {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        ent.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
                    };
                    code.and_then(char::from_u32)
                }
            });
            match (decoded, entity) {
                (Some(c), Some(ent)) => {
                    out.push(c);
                    rest = &rest[ent.len() + 2..];
                }
                _ => {
                    out.push('&');
                    bare += 1;
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        (out, bare)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn unescape_keeps_bare_ampersands() {
            assert_eq!(
                unescape("a & b &amp; c &#38; &lt;"),
                ("a & b & c & <".to_string(), 1)
            );
            assert_eq!(unescape("x &nbsp; y"), ("x &nbsp; y".to_string(), 1));
            assert_eq!(unescape("&"), ("&".to_string(), 1));
        }

        #[test]
        fn glued_attributes_are_read_with_a_warning() {
            let (root, w) = parse(Path::new("t.xml"), br#"<a x="1"y="2"><b/></a>"#).unwrap();
            assert_eq!(root.attr("y"), Some("2"));
            assert_eq!(root.children.len(), 1);
            assert!(w.iter().any(|w| w.message.contains("no space")), "{w:?}");
        }

        #[test]
        fn comment_before_declaration_is_accepted() {
            let (root, w) = parse(
                Path::new("t.xml"),
                b"\n<!-- c -->\n<?xml version=\"1.0\"?>\n<a/>",
            )
            .unwrap();
            assert_eq!(root.name, "a");
            assert!(w.iter().any(|w| w.message.contains("declaration")), "{w:?}");
        }

        #[test]
        fn unclosed_elements_are_closed_with_a_warning() {
            let (root, w) = parse(Path::new("t.xml"), b"<a><b><c/></a>").unwrap();
            assert_eq!(root.children[0].name, "b");
            assert_eq!(root.children[0].children[0].name, "c");
            assert!(
                w.iter().any(|w| w.message.contains("<b> is not closed")),
                "{w:?}"
            );
        }

        #[test]
        fn deep_nesting_is_an_error_not_a_stack_overflow() {
            let text = "<a>".repeat(100_000);
            let e = parse(Path::new("t.xml"), text.as_bytes()).unwrap_err();
            assert!(e.to_string().contains("nested more than 256 levels"), "{e}");
        }

        #[test]
        fn plain_text_is_not_xml() {
            let e = parse(Path::new("pareto.xml"), b"0.5, 0.7\n0.6, 0.6\n").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Syntax);
            assert!(!looks_like_xml(b"0.5, 0.7"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain() -> &'static [u8] {
        br#"<negotiation_template><utility_space><objective index="0" name="root">
            <issue index="1" name="a" type="discrete"><item index="1" value="x"/><item index="2" value="y"/></issue>
            <issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"/>
        </objective></utility_space></negotiation_template>"#
    }

    fn profile(weights: &str) -> String {
        format!(
            r#"<utility_space><objective index="0" name="root">
            <issue index="1" name="a" type="discrete"><item index="1" value="x" evaluation="2"/><item index="2" value="y" evaluation="4"/></issue>
            <issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"><evaluator ftype="linear" slope="0.5" offset="0.2"/></issue>
            {weights}
            </objective><reservation value="0.3"/><discount_factor value="0"/></utility_space>"#
        )
    }

    #[test]
    fn negative_evaluations_and_reservation_values_take_genius_arithmetic() {
        // As NegMAS writes renormalised domains: evaluations below 0, a reservation below 0.
        let p = profile(r#"<weight index="1" value="0.5"/><weight index="2" value="0.5"/>"#)
            .replace(r#"evaluation="2""#, r#"evaluation="-1""#)
            .replace(
                r#"<reservation value="0.3"/>"#,
                r#"<reservation value="-0.25"/>"#,
            );
        let loaded = read_from(
            "t",
            (Path::new("d.xml"), domain()),
            &[(Path::new("p1.xml"), p.as_bytes())],
        )
        .unwrap();
        let prefs = &loaded.scenario.parties()[0].preferences;
        assert_eq!(prefs.reservation(), -0.25);
        // GENIUS: evaluation / max(0, evaluations) = -1/4 and 4/4, weighted by 0.5.
        assert_eq!(prefs.ufun().terms()[0], vec![0.5 * (-1.0 / 4.0), 0.5]);
        let worst = detente_core::Outcome::new(vec![0, 0]);
        assert_eq!(prefs.utility(&worst), 0.5 * (-1.0 / 4.0) + 0.5 * 0.2);
        // Every evaluation negative: the largest is 0, and GENIUS counts every value as 0.
        let p = profile(r#"<weight index="1" value="0.5"/><weight index="2" value="0.5"/>"#)
            .replace(r#"evaluation="2""#, r#"evaluation="-1""#)
            .replace(r#"evaluation="4""#, r#"evaluation="-3""#);
        let loaded = read_from(
            "t",
            (Path::new("d.xml"), domain()),
            &[(Path::new("p1.xml"), p.as_bytes())],
        )
        .unwrap();
        assert_eq!(
            loaded.scenario.parties()[0].preferences.ufun().terms()[0],
            vec![0.0, 0.0]
        );
    }

    #[test]
    fn utilities_follow_genius_semantics() {
        let p = profile(r#"<weight index="1" value="0.6"/><weight index="2" value="0.6"/>"#);
        let loaded = read_from(
            "t",
            (Path::new("d.xml"), domain()),
            &[(Path::new("p1.xml"), p.as_bytes())],
        )
        .unwrap();
        let s = &loaded.scenario;
        let prefs = &s.parties()[0].preferences;
        assert_eq!(s.parties()[0].name, "p1");
        assert_eq!(prefs.reservation(), 0.3);
        assert_eq!(prefs.discount(), 1.0);
        let t = prefs.ufun().terms();
        assert_eq!(t[0], vec![0.6 * 0.5, 0.6]);
        // clip(0.2 + 0.5·(x − 1)) for x = 1..4: 0.2, 0.7, 1, 1.
        let want = [0.2, 0.7, 1.0, 1.0];
        for (k, w) in want.iter().enumerate() {
            assert!((t[1][k] - 0.6 * w).abs() < 1e-15);
        }
        // The sum is clipped at 1.
        assert_eq!(prefs.ufun().max(), 1.0);
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.message.contains("weights add up to 1.2"))
        );
    }
}
