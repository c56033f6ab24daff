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

use std::path::{Path, PathBuf};

use detente_core::{
    Issue, IssueKind, MAX_TABLE_LEN, OutcomeSpace, Party, Preferences, RedLines, Scenario,
    UtilityFunction,
};
use serde_json::{Map, Value};

use crate::genius::{
    FileKind, check_expressible, core_err, decode_text, file_name, file_stem, has_analyst_material,
    read_bytes, same_file, warning,
};
use crate::{Error, ErrorKind, Loaded, Warning};

pub use crate::genius::{Rendered, Written};

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
    for path in crate::detect::files_with_extension(dir, "json")? {
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
    let mut rendered = writer::to_json(scenario)?;
    if let Some(w) = crate::error::ranges_dropped(scenario, "GeniusWeb") {
        rendered.warnings.push(w);
    }
    Ok(rendered)
}

// ------------------------------------------------------------------------------------------
// Reading.

fn parse_json(path: &Path, bytes: &[u8], warnings: &mut Vec<Warning>) -> Result<Value, Error> {
    let (text, note) = decode_text(bytes, None);
    if let Some(note) = note {
        warnings.push(warning(path, None, note));
    }
    serde_json::from_str(&text).map_err(|e| {
        let mut err = Error::new(ErrorKind::Syntax, format!("malformed JSON: {e}")).with_path(path);
        if e.line() > 0 {
            err = err.at(e.line(), e.column().max(1));
        }
        err
    })
}

fn kind_of(v: &Value) -> FileKind {
    let Some(obj) = v.as_object() else {
        return FileKind::Other("a JSON file whose top level is not an object".into());
    };
    if obj.contains_key("issuesValues") {
        return FileKind::Domain;
    }
    if obj.len() == 1
        && let Some((key, _)) = obj.iter().next()
    {
        return match key.as_str() {
            LINEAR => FileKind::Profile,
            "SumOfGroupsUtilitySpace" => FileKind::UnsupportedProfile(
                "non-linear (SumOfGroupsUtilitySpace) profiles are not supported: detente's \
                     utility functions are additive over issues"
                    .into(),
            ),
            "DefaultPartialOrdering" | "PartialOrdering" | "DefaultPartialOrderingProfile" => {
                FileKind::UnsupportedProfile(format!(
                    "partial-ordering ({key}) profiles are not supported: they rank bids \
                         instead of giving a utility function"
                ))
            }
            k if k.ends_with("UtilitySpace") || k.ends_with("Profile") => {
                FileKind::UnsupportedProfile(format!(
                    "profiles of type {k} are not supported; expected {LINEAR}"
                ))
            }
            _ => FileKind::Other(format!("a JSON object with the single key \"{key}\"")),
        };
    }
    let keys: Vec<String> = obj.keys().take(4).map(|k| format!("\"{k}\"")).collect();
    let more = if obj.len() > 4 { ", …" } else { "" };
    FileKind::Other(format!("a JSON object with keys {}{more}", keys.join(", ")))
}

fn describe(kind: &FileKind) -> String {
    match kind {
        FileKind::Domain => "a GeniusWeb domain".into(),
        FileKind::Profile => format!("a GeniusWeb profile ({LINEAR})"),
        FileKind::UnsupportedProfile(why) => format!("an unsupported profile ({why})"),
        FileKind::Other(what) => what.clone(),
    }
}

/// The domain embedded in a profile.
fn embedded(v: &Value) -> Option<&Value> {
    v.get(LINEAR)?.get("domain")
}

fn first_embedded_domain(
    profiles: &[(PathBuf, Value)],
    warnings: &mut Vec<Warning>,
) -> Result<Domain, Error> {
    let Some((p, v)) = profiles.first() else {
        return Err(Error::new(
            ErrorKind::Invalid,
            "no domain and no profiles given; a scenario needs a domain and at least one party",
        ));
    };
    if kind_of(v) != FileKind::Profile {
        return Err(not_a_profile(p, v));
    }
    let d = embedded(v).ok_or_else(|| {
        Error::new(
            ErrorKind::Invalid,
            "the profile has no \"domain\" and no domain file was given; expected the domain \
             embedded in the profile or a separate domain file",
        )
        .with_path(p)
        .in_element(format!("{LINEAR}.domain"))
    })?;
    Domain::from_json(p, d, &format!("{LINEAR}.domain."), warnings)
}

fn not_a_profile(path: &Path, v: &Value) -> Error {
    match kind_of(v) {
        FileKind::UnsupportedProfile(why) => {
            Error::new(ErrorKind::Unsupported, why).with_path(path)
        }
        other => Error::new(
            ErrorKind::Invalid,
            format!(
                "expected a GeniusWeb profile ({{\"{LINEAR}\": …}}) but found {}",
                describe(&other)
            ),
        )
        .with_path(path),
    }
}

/// One issue of a GeniusWeb domain.
#[derive(Clone, Debug, PartialEq)]
struct DomainIssue {
    name: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Discrete(Vec<String>),
    Integer {
        lo: i64,
        hi: i64,
        step: i64,
    },
    /// A number range with fractional values, read as a discrete issue over these numbers.
    Decimal {
        values: Vec<f64>,
        labels: Vec<String>,
    },
}

impl Kind {
    /// The numeric value of value index `k`, for number issues.
    fn number(&self, k: usize) -> Option<f64> {
        match self {
            Kind::Discrete(_) => None,
            Kind::Integer { lo, step, .. } => Some(*lo as f64 + k as f64 * *step as f64),
            Kind::Decimal { values, .. } => values.get(k).copied(),
        }
    }

    fn n_values(&self) -> usize {
        match self {
            Kind::Discrete(v) => v.len(),
            Kind::Integer { lo, hi, step } => ((hi - lo) / step + 1) as usize,
            Kind::Decimal { values, .. } => values.len(),
        }
    }
}

#[derive(Clone, Debug)]
struct Domain {
    name: String,
    issues: Vec<DomainIssue>,
}

impl Domain {
    /// Reads `{"name", "issuesValues"}`; `at` prefixes element paths in messages.
    fn from_json(
        path: &Path,
        v: &Value,
        at: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<Domain, Error> {
        let e = |el: String, msg: String| {
            Error::new(ErrorKind::Invalid, msg)
                .with_path(path)
                .in_element(format!("{at}{el}"))
        };
        let obj = v
            .as_object()
            .ok_or_else(|| e("(top level)".into(), "expected a JSON object".into()))?;
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let iv = obj.get("issuesValues").and_then(Value::as_object).ok_or_else(|| {
            e(
                "issuesValues".into(),
                "expected an object mapping each issue name to {\"values\": [...]} or {\"range\": …}"
                    .into(),
            )
        })?;
        if iv.is_empty() {
            return Err(e(
                "issuesValues".into(),
                "the domain has no issues; expected at least one".into(),
            ));
        }
        let mut issues = Vec::with_capacity(iv.len());
        for (issue, spec) in iv {
            let el = format!("issuesValues[\"{issue}\"]");
            let kind = if let Some(values) = spec.get("values") {
                let arr = values.as_array().ok_or_else(|| {
                    e(
                        format!("{el}.values"),
                        "expected an array of value strings".into(),
                    )
                })?;
                let mut out: Vec<String> = Vec::with_capacity(arr.len());
                for (k, x) in arr.iter().enumerate() {
                    let s = x.as_str().ok_or_else(|| {
                        e(
                            format!("{el}.values[{k}]"),
                            format!("{x} is not a string; discrete values are strings"),
                        )
                    })?;
                    if out.iter().any(|o| o == s) {
                        return Err(e(
                            format!("{el}.values[{k}]"),
                            format!(
                                "value '{s}' of issue '{issue}' appears twice; values must be unique"
                            ),
                        ));
                    }
                    out.push(s.to_string());
                }
                if out.is_empty() {
                    return Err(e(
                        format!("{el}.values"),
                        format!("issue '{issue}' has no values; expected at least one"),
                    ));
                }
                Kind::Discrete(out)
            } else if let Some(range) = spec.get("range") {
                number_range(path, &format!("{at}{el}.range"), issue, range, warnings)?
            } else {
                return Err(e(
                    el,
                    "expected {\"values\": [...]} (discrete) or {\"range\": {\"low\", \"high\", \"step\"}} \
                     (number)"
                        .into(),
                ));
            };
            issues.push(DomainIssue {
                name: issue.clone(),
                kind,
            });
        }
        Ok(Domain { name, issues })
    }

    /// Same issues and values, whatever the key order.
    fn same_as(&self, other: &Domain) -> bool {
        self.issues.len() == other.issues.len()
            && self
                .issues
                .iter()
                .all(|i| other.issues.iter().any(|j| j == i))
    }

    fn issue(&self, name: &str) -> Option<(usize, &DomainIssue)> {
        self.issues.iter().enumerate().find(|(_, i)| i.name == name)
    }

    fn space(&self, path: &Path) -> Result<OutcomeSpace, Error> {
        let mut issues = Vec::with_capacity(self.issues.len());
        for i in &self.issues {
            let issue = match &i.kind {
                Kind::Discrete(v) => Issue::discrete(i.name.clone(), v.clone()),
                Kind::Decimal { labels, .. } => Issue::discrete(i.name.clone(), labels.clone()),
                Kind::Integer { lo, hi, step } => Issue::integer(i.name.clone(), *lo, *hi, *step),
            };
            issues.push(issue.map_err(|e| core_err(path, e))?);
        }
        OutcomeSpace::new(issues).map_err(|e| core_err(path, e))
    }
}

/// A `NumberValueSet` range: integer when its bounds and step are integers.
fn number_range(
    path: &Path,
    el: &str,
    issue: &str,
    range: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<Kind, Error> {
    let e = |msg: String| {
        Error::new(ErrorKind::Invalid, msg)
            .with_path(path)
            .in_element(el.to_string())
    };
    let num = |key: &str| {
        range
            .get(key)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
            .ok_or_else(|| e(format!("expected a number \"{key}\"")))
    };
    let (low, high, step) = (num("low")?, num("high")?, num("step")?);
    if step <= 0.0 {
        return Err(e(format!("step {step} must be > 0")));
    }
    if low > high {
        return Err(e(format!(
            "low {low} is above high {high}; expected low <= high"
        )));
    }
    let n = ((high - low) / step * (1.0 + 1e-12) + 1e-9).floor() + 1.0;
    if n > f64::from(MAX_TABLE_LEN) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("number issue '{issue}' has {n} values; at most {MAX_TABLE_LEN} are supported"),
        )
        .with_path(path)
        .in_element(el.to_string()));
    }
    let integral = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e15;
    if integral(low) && integral(high) && integral(step) {
        return Ok(Kind::Integer {
            lo: low as i64,
            hi: high as i64,
            step: step as i64,
        });
    }
    let values: Vec<f64> = (0..n as usize)
        .map(|k| round_to(low + k as f64 * step, 12))
        .collect();
    let labels: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
    warnings.push(warning(
        path,
        None,
        format!(
            "number issue '{issue}' has fractional values; read as a discrete issue with the \
                 options {}",
            preview(&labels)
        ),
    ));
    Ok(Kind::Decimal { values, labels })
}

fn preview(labels: &[String]) -> String {
    if labels.len() <= 6 {
        labels.join(", ")
    } else {
        format!(
            "{}, …, {}",
            labels[..3].join(", "),
            labels[labels.len() - 1]
        )
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Builds the scenario from a domain and parsed profiles.
fn build(
    name: &str,
    domain: &Domain,
    profiles: &[(PathBuf, Value)],
    mut warnings: Vec<Warning>,
) -> Result<Loaded, Error> {
    let space_path = profiles
        .first()
        .map(|(p, _)| p.as_path())
        .unwrap_or(Path::new(""));
    let space = domain.space(space_path)?;
    let mut parties: Vec<Party> = Vec::with_capacity(profiles.len());
    for (path, v) in profiles {
        if kind_of(v) != FileKind::Profile {
            return Err(not_a_profile(path, v));
        }
        let party_name = file_stem(path);
        let prefs = profile(path, v, domain, &space, &mut warnings)?;
        crate::push_party(&mut parties, party_name, prefs, path)?;
    }
    if parties.is_empty() {
        return Err(Error::new(
            ErrorKind::Invalid,
            "no profiles given; a scenario needs at least one party",
        ));
    }
    let scenario = Scenario::new(name, space, parties).map_err(|e| core_err(space_path, e))?;
    Ok(Loaded { scenario, warnings })
}

/// Reads one `LinearAdditiveUtilitySpace` into preferences over the domain's space.
fn profile(
    path: &Path,
    v: &Value,
    domain: &Domain,
    space: &OutcomeSpace,
    warnings: &mut Vec<Warning>,
) -> Result<Preferences, Error> {
    let e = |el: String, msg: String| {
        Error::new(ErrorKind::Invalid, msg)
            .with_path(path)
            .in_element(format!("{LINEAR}.{el}"))
    };
    let las = v
        .get(LINEAR)
        .and_then(Value::as_object)
        .ok_or_else(|| e(String::new(), "expected an object".into()))?;
    if let Some(d) = las.get("domain") {
        let own = Domain::from_json(path, d, &format!("{LINEAR}.domain."), &mut Vec::new())?;
        if !own.same_as(domain) {
            return Err(e(
                "domain".into(),
                format!(
                    "the profile's domain ('{}') differs from the scenario's ('{}') in its issues or \
                     values; a profile must be written for the scenario's domain",
                    own.name, domain.name
                ),
            ));
        }
    }
    let utils = las
        .get("issueUtilities")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            e(
                "issueUtilities".into(),
                "expected an object mapping each issue to its utilities".into(),
            )
        })?;
    let weights = las
        .get("issueWeights")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            e(
                "issueWeights".into(),
                "expected an object mapping each issue to its weight".into(),
            )
        })?;
    for (map, el) in [(utils, "issueUtilities"), (weights, "issueWeights")] {
        for k in map.keys() {
            if domain.issue(k).is_none() {
                let names: Vec<&str> = domain.issues.iter().map(|i| i.name.as_str()).collect();
                return Err(e(
                    format!("{el}[\"{k}\"]"),
                    format!(
                        "unknown issue '{k}'; the domain's issues are {}",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    let mut terms = Vec::with_capacity(domain.issues.len());
    let mut weight_sum = 0.0;
    for issue in &domain.issues {
        let w = weights
            .get(&issue.name)
            .ok_or_else(|| {
                e(
                    "issueWeights".into(),
                    format!(
                        "issue '{}' has no weight; every issue needs one",
                        issue.name
                    ),
                )
            })?
            .as_f64()
            .filter(|w| w.is_finite() && *w >= 0.0)
            .ok_or_else(|| {
                e(
                    format!("issueWeights[\"{}\"]", issue.name),
                    "expected a number >= 0".into(),
                )
            })?;
        weight_sum += w;
        let u = utils.get(&issue.name).ok_or_else(|| {
            e(
                "issueUtilities".into(),
                format!(
                    "issue '{}' has no utilities; every issue needs them",
                    issue.name
                ),
            )
        })?;
        let values = issue_utilities(path, &issue.name, &issue.kind, u, warnings)?;
        terms.push(values.into_iter().map(|u| w * u).collect::<Vec<f64>>());
    }
    if (weight_sum - 1.0).abs() > 1e-9 {
        warnings.push(warning(
            path,
            None,
            format!("weights add up to {weight_sum}, not 1 as GeniusWeb requires; used as given"),
        ));
    }
    let reservation = match (las.get("reservationBid"), las.get("reserved_value")) {
        (Some(bid), extra) => {
            if extra.is_some() {
                warnings.push(warning(
                    path,
                    None,
                    "both reservationBid and the non-standard reserved_value; the bid is used",
                ));
            }
            bid_utility(path, bid, domain, &terms)?
        }
        (None, Some(r)) => {
            warnings.push(warning(
                path,
                None,
                "non-standard reserved_value (NegMAS) used as the reservation value",
            ));
            r.as_f64()
                .filter(|r| r.is_finite())
                .ok_or_else(|| e("reserved_value".into(), "expected a finite number".into()))?
        }
        (None, None) => 0.0,
    };
    let ufun = UtilityFunction::from_terms(space, terms, false).map_err(|e| core_err(path, e))?;
    Preferences::new(ufun, reservation, RedLines::none(space.issues().len()), 1.0)
        .map_err(|e| core_err(path, e))
}

/// Per value of the issue, its (unweighted) utility.
fn issue_utilities(
    path: &Path,
    issue: &str,
    kind: &Kind,
    u: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<f64>, Error> {
    let base = format!("{LINEAR}.issueUtilities[\"{issue}\"]");
    let e = |el: &str, msg: String| {
        Error::new(ErrorKind::Invalid, msg)
            .with_path(path)
            .in_element(format!("{base}{el}"))
    };
    let obj = u.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
        e(
            "",
            "expected one key: discreteutils, numberutils, DiscreteValueSetUtilities or \
             NumberValueSetUtilities"
                .into(),
        )
    })?;
    let Some((ty, body)) = obj.iter().next() else {
        return Err(e("", "expected one key".into()));
    };
    let el = format!(".{ty}");
    let unit = |x: &Value, at: &str| -> Result<f64, Error> {
        let f = x
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| e(at, format!("{x} is not a number")))?;
        if !(0.0..=1.0).contains(&f) {
            return Err(e(at, format!("utility {f} is outside [0, 1]")));
        }
        Ok(f)
    };
    match ty.as_str() {
        "discreteutils" | "DiscreteValueSetUtilities" => {
            let vu = body
                .get("valueUtilities")
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    e(
                        &el,
                        "expected \"valueUtilities\": an object mapping each value to a utility"
                            .into(),
                    )
                })?;
            let values: &[String] = match kind {
                Kind::Discrete(v) => v,
                Kind::Decimal { labels, .. } => labels,
                Kind::Integer { .. } => {
                    return Err(e(
                        &el,
                        format!(
                            "issue '{issue}' is a number issue; expected NumberValueSetUtilities"
                        ),
                    ));
                }
            };
            for (k, x) in vu {
                let at = format!("{el}.valueUtilities[\"{k}\"]");
                unit(x, &at)?;
                if !values.iter().any(|v| v == k) {
                    warnings.push(warning(
                        path,
                        None,
                        format!("value '{k}' is not a value of issue '{issue}'; ignored"),
                    ));
                }
            }
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                match vu.get(v) {
                    Some(x) => out.push(unit(x, &format!("{el}.valueUtilities[\"{v}\"]"))?),
                    None => {
                        warnings.push(warning(
                            path,
                            None,
                            format!("value '{v}' of issue '{issue}' has no utility; counted as 0, as in GeniusWeb"),
                        ));
                        out.push(0.0);
                    }
                }
            }
            Ok(out)
        }
        "numberutils" | "NumberValueSetUtilities" => {
            if let Kind::Discrete(_) = kind {
                return Err(e(
                    &el,
                    format!("issue '{issue}' is discrete; expected DiscreteValueSetUtilities"),
                ));
            }
            let get = |key: &str| {
                body.get(key)
                    .and_then(Value::as_f64)
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| e(&format!("{el}.{key}"), "expected a number".into()))
            };
            let (lv, hv) = (get("lowValue")?, get("highValue")?);
            let lu = unit(
                body.get("lowUtility").unwrap_or(&Value::Null),
                &format!("{el}.lowUtility"),
            )?;
            let hu = unit(
                body.get("highUtility").unwrap_or(&Value::Null),
                &format!("{el}.highUtility"),
            )?;
            if hv <= lv {
                return Err(e(
                    &el,
                    format!("highValue {hv} must be above lowValue {lv}"),
                ));
            }
            Ok((0..kind.n_values())
                .map(|k| {
                    let x = kind.number(k).unwrap_or(f64::NAN);
                    if x < lv || x > hv || x.is_nan() {
                        0.0
                    } else {
                        round_half_up_8(lu + (hu - lu) * (x - lv) / (hv - lv))
                    }
                })
                .collect())
        }
        other => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "value-set utilities of type {other} are not supported; expected discreteutils, \
                 numberutils, DiscreteValueSetUtilities or NumberValueSetUtilities"
            ),
        )
        .with_path(path)
        .in_element(base)),
    }
}

/// Rounds half-up to 8 decimals, as GeniusWeb's `NumberValueSetUtilities` does.
fn round_half_up_8(x: f64) -> f64 {
    // Nudge by a tiny relative amount so that decimal halves that floats store just below the
    // half (0.123456785 → 0.12345678499…) still round up, as BigDecimal's HALF_UP does.
    let scaled = x * 1e8;
    (scaled + scaled.abs() * 1e-14).round() / 1e8
}

/// `U(bid)` of `{"issuevalues": {…}}`: issues missing from a partial bid add 0.
fn bid_utility(
    path: &Path,
    bid: &Value,
    domain: &Domain,
    terms: &[Vec<f64>],
) -> Result<f64, Error> {
    let el = format!("{LINEAR}.reservationBid");
    let e = |at: String, msg: String| {
        Error::new(ErrorKind::Invalid, msg)
            .with_path(path)
            .in_element(at)
    };
    let values = bid
        .get("issuevalues")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            e(
                el.clone(),
                "expected {\"issuevalues\": {issue: value, …}}".into(),
            )
        })?;
    let mut u = 0.0;
    for (issue, value) in values {
        let at = format!("{el}.issuevalues[\"{issue}\"]");
        let (i, di) = domain.issue(issue).ok_or_else(|| {
            e(
                at.clone(),
                format!("unknown issue '{issue}' in the reservation bid"),
            )
        })?;
        let k = value_index(&di.kind, value).ok_or_else(|| {
            e(
                at.clone(),
                format!("{value} is not a value of issue '{issue}'"),
            )
        })?;
        u += terms[i][k];
    }
    Ok(u)
}

/// The index of a bid value in an issue.
fn value_index(kind: &Kind, value: &Value) -> Option<usize> {
    match kind {
        Kind::Discrete(v) => {
            let s = value.as_str()?;
            v.iter().position(|x| x == s)
        }
        Kind::Integer { lo, hi, step } => {
            let x = value.as_f64()?;
            if x.fract() != 0.0 || x < *lo as f64 || x > *hi as f64 {
                return None;
            }
            let x = x as i64;
            ((x - lo) % step == 0).then(|| ((x - lo) / step) as usize)
        }
        Kind::Decimal { values, .. } => {
            let x = value.as_f64()?;
            values
                .iter()
                .position(|v| (v - x).abs() <= 1e-9 * (1.0 + x.abs()))
        }
    }
}

// ------------------------------------------------------------------------------------------
// Writing.

mod writer {
    use super::*;

    /// Search nodes allowed when looking for a reservation bid.
    const BID_SEARCH_NODES: u64 = 2_000_000;
    /// Terms or utilities this close are equal when checking that a file reproduces the
    /// scenario.
    const EPS: f64 = 1e-12;
    /// Weights are written with this many decimals, so that they add up to exactly 1.
    const WEIGHT_SCALE: i64 = 1_000_000_000_000_000;

    /// How an issue is written.
    enum Form {
        Discrete(Vec<String>),
        /// A number range `low..=high` by `step`, with linear utilities.
        Number {
            low: i64,
            high: i64,
            step: i64,
        },
    }

    pub(super) fn to_json(s: &Scenario) -> Result<Rendered, Error> {
        check_expressible(s, "GeniusWeb")?;
        let mut warnings = Vec::new();
        let w = |message: String| Warning {
            path: None,
            line: None,
            message,
        };
        for party in s.parties() {
            let raw_max: f64 = party
                .preferences
                .ufun()
                .terms()
                .iter()
                .map(|t| t.iter().copied().fold(0.0, f64::max))
                .sum();
            if raw_max > 1.0 + EPS {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "party '{}' reaches utility {raw_max} (clipped at 1 in GENIUS); GeniusWeb \
                         utilities are at most 1 and never clipped, so the file would change its \
                         preferences",
                        party.name
                    ),
                ));
            }
            if party.preferences.discount() < 1.0 {
                warnings.push(w(format!(
                    "party '{}': GeniusWeb has no discount factor; {} is not written",
                    party.name,
                    party.preferences.discount()
                )));
            }
        }
        if has_analyst_material(s) {
            warnings.push(w(
                "GeniusWeb files have no place for sources, packages, meetings, the mediator, \
                 roles or descriptions; they are not written"
                    .into(),
            ));
        }
        // Per party, weights that add up to exactly 1 and per-issue utilities in [0, 1].
        let scaled: Vec<(Vec<f64>, Vec<Vec<f64>>)> = s
            .parties()
            .iter()
            .map(|p| scale(p.preferences.ufun().terms()))
            .collect();
        let forms: Vec<Form> = s
            .space()
            .issues()
            .iter()
            .enumerate()
            .map(|(i, issue)| form(s, i, issue, &scaled, &mut warnings))
            .collect();
        let scenario_name = if s.name.trim().is_empty() {
            "scenario".to_string()
        } else {
            s.name.clone()
        };
        let domain = domain_json(s, &forms, &scenario_name);
        let mut names: Vec<String> = Vec::new();
        let mut files = Vec::new();
        for (p, party) in s.parties().iter().enumerate() {
            let mut base = crate::genius::safe_file_name(&party.name);
            if base != party.name {
                warnings.push(w(format!(
                    "party '{}' is written as {base}.json; reading it back names the party '{base}'",
                    party.name
                )));
            }
            while names.iter().any(|n| n.eq_ignore_ascii_case(&base)) {
                base.push('_');
            }
            names.push(base.clone());
            let (weights, utils) = &scaled[p];
            let prefs = &party.preferences;
            let bid = reservation_bid(
                &party.name,
                prefs.reservation(),
                weights,
                utils,
                &mut warnings,
            )?;
            let json = profile_json(s, &forms, &domain, &base, weights, utils, bid.as_deref());
            files.push((format!("{base}.json"), pretty(&json)));
        }
        let mut sorted = names.clone();
        sorted.sort();
        if sorted != names {
            warnings.push(w(format!(
                "GeniusWeb has no party order: readers take profiles in file-name order, so the \
                 parties will be read back as {}",
                sorted.join(", ")
            )));
        }
        let mut domain_file = crate::genius::safe_file_name(&scenario_name);
        while names.iter().any(|n| n.eq_ignore_ascii_case(&domain_file)) {
            domain_file.push_str("_domain");
        }
        files.insert(0, (format!("{domain_file}.json"), pretty(&domain)));
        Ok(Rendered { files, warnings })
    }

    fn pretty(v: &Value) -> String {
        let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Weights with 15 decimals that add up to exactly 1, and per-issue utilities in [0, 1]
    /// with `weight·utility = term` (within float rounding).
    fn scale(terms: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
        let maxes: Vec<f64> = terms
            .iter()
            .map(|t| t.iter().copied().fold(0.0, f64::max))
            .collect();
        let total: f64 = maxes.iter().sum();
        let n = maxes.len().max(1);
        let mut units: Vec<i64> = if total > 0.0 {
            maxes
                .iter()
                .map(|m| {
                    let u = (m / total * WEIGHT_SCALE as f64).round() as i64;
                    if *m > 0.0 { u.max(1) } else { 0 }
                })
                .collect()
        } else {
            vec![WEIGHT_SCALE / n as i64; maxes.len()]
        };
        let diff = WEIGHT_SCALE - units.iter().sum::<i64>();
        if let Some(big) = (0..units.len()).max_by_key(|&i| units[i]) {
            units[big] += diff;
        }
        let weights: Vec<f64> = units
            .iter()
            .map(|&u| u as f64 / WEIGHT_SCALE as f64)
            .collect();
        let utils = terms
            .iter()
            .zip(&weights)
            .map(|(t, &w)| {
                t.iter()
                    .map(|&x| {
                        if w > 0.0 {
                            (x / w).clamp(0.0, 1.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        (weights, utils)
    }

    fn form(
        s: &Scenario,
        i: usize,
        issue: &Issue,
        scaled: &[(Vec<f64>, Vec<Vec<f64>>)],
        warnings: &mut Vec<Warning>,
    ) -> Form {
        match issue.kind() {
            IssueKind::Discrete { options } => Form::Discrete(options.clone()),
            IssueKind::Integer { lo, step, .. } => {
                let n = i64::from(issue.n_values());
                let high = lo + (n - 1) * step;
                let linear = n > 1
                    && scaled.iter().all(|(_, utils)| {
                        let u = &utils[i];
                        let (lu, hu) = (u[0], u[u.len() - 1]);
                        u.iter().enumerate().all(|(k, &x)| {
                            let v = lo + k as i64 * step;
                            let interp = round_half_up_8(
                                lu + (hu - lu) * (v - lo) as f64 / (high - lo) as f64,
                            );
                            (interp - x).abs() <= EPS
                        })
                    });
                if linear {
                    Form::Number {
                        low: *lo,
                        high,
                        step: *step,
                    }
                } else {
                    let who = if n == 1 {
                        "a single value".to_string()
                    } else {
                        let bad = s
                            .parties()
                            .iter()
                            .zip(scaled)
                            .find(|(_, (_, utils))| {
                                let u = &utils[i];
                                let (lu, hu) = (u[0], u[u.len() - 1]);
                                u.iter().enumerate().any(|(k, &x)| {
                                    let interp = round_half_up_8(
                                        lu + (hu - lu) * (k as i64 * step) as f64
                                            / (high - lo) as f64,
                                    );
                                    (interp - x).abs() > EPS
                                })
                            })
                            .map(|(p, _)| p.name.clone())
                            .unwrap_or_default();
                        format!(
                            "a value function for party '{bad}' that is not linear with 8-decimal \
                             end points"
                        )
                    };
                    warnings.push(Warning {
                        path: None,
                        line: None,
                        message: format!(
                            "integer issue '{}' has {who}, which NumberValueSetUtilities cannot \
                             express; written as a discrete issue with the values as text",
                            issue.name()
                        ),
                    });
                    Form::Discrete(
                        (0..issue.n_values())
                            .map(|k| issue.value(k).map(|v| v.to_string()).unwrap_or_default())
                            .collect(),
                    )
                }
            }
        }
    }

    fn gw_name(name: &str, fallback: &str) -> String {
        let s: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
        if s.is_empty() {
            fallback.to_string()
        } else {
            s
        }
    }

    fn num(x: f64) -> Value {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }

    fn domain_json(s: &Scenario, forms: &[Form], name: &str) -> Value {
        let mut iv = Map::new();
        for (issue, form) in s.space().issues().iter().zip(forms) {
            let spec = match form {
                Form::Discrete(values) => {
                    let mut m = Map::new();
                    m.insert(
                        "values".into(),
                        Value::Array(values.iter().map(|v| Value::String(v.clone())).collect()),
                    );
                    m
                }
                Form::Number { low, high, step } => {
                    let mut r = Map::new();
                    r.insert("low".into(), Value::from(*low));
                    r.insert("high".into(), Value::from(*high));
                    r.insert("step".into(), Value::from(*step));
                    let mut m = Map::new();
                    m.insert("range".into(), Value::Object(r));
                    m
                }
            };
            iv.insert(issue.name().to_string(), Value::Object(spec));
        }
        let mut d = Map::new();
        d.insert("name".into(), Value::String(gw_name(name, "domain")));
        d.insert("issuesValues".into(), Value::Object(iv));
        Value::Object(d)
    }

    fn profile_json(
        s: &Scenario,
        forms: &[Form],
        domain: &Value,
        name: &str,
        weights: &[f64],
        utils: &[Vec<f64>],
        bid: Option<&[Option<u32>]>,
    ) -> Value {
        let issues = s.space().issues();
        let mut iu = Map::new();
        let mut iw = Map::new();
        for (i, (issue, form)) in issues.iter().zip(forms).enumerate() {
            let u = &utils[i];
            let body = match form {
                Form::Discrete(values) => {
                    let mut vu = Map::new();
                    for (k, v) in values.iter().enumerate() {
                        vu.insert(v.clone(), num(u[k]));
                    }
                    let mut inner = Map::new();
                    inner.insert("valueUtilities".into(), Value::Object(vu));
                    let mut m = Map::new();
                    m.insert("DiscreteValueSetUtilities".into(), Value::Object(inner));
                    m
                }
                Form::Number { low, high, .. } => {
                    let mut inner = Map::new();
                    inner.insert("lowValue".into(), Value::from(*low));
                    inner.insert("lowUtility".into(), num(u[0]));
                    inner.insert("highValue".into(), Value::from(*high));
                    inner.insert("highUtility".into(), num(u[u.len() - 1]));
                    let mut m = Map::new();
                    m.insert("NumberValueSetUtilities".into(), Value::Object(inner));
                    m
                }
            };
            iu.insert(issue.name().to_string(), Value::Object(body));
            iw.insert(issue.name().to_string(), num(weights[i]));
        }
        let mut las = Map::new();
        las.insert("name".into(), Value::String(gw_name(name, "party")));
        las.insert("domain".into(), domain.clone());
        las.insert("issueUtilities".into(), Value::Object(iu));
        las.insert("issueWeights".into(), Value::Object(iw));
        if let Some(bid) = bid {
            let mut values = Map::new();
            for (i, (issue, form)) in issues.iter().zip(forms).enumerate() {
                let Some(k) = bid[i] else { continue };
                let v = match form {
                    Form::Discrete(values) => Value::String(values[k as usize].clone()),
                    Form::Number { low, step, .. } => Value::from(low + i64::from(k) * step),
                };
                values.insert(issue.name().to_string(), v);
            }
            let mut b = Map::new();
            b.insert("issuevalues".into(), Value::Object(values));
            las.insert("reservationBid".into(), Value::Object(b));
        }
        let mut top = Map::new();
        top.insert(LINEAR.into(), Value::Object(las));
        Value::Object(top)
    }

    /// The reservation bid for reservation value `r`: `None` when no bid is needed (r = 0),
    /// else the values per issue (`None` = left out of a partial bid).
    fn reservation_bid(
        party: &str,
        r: f64,
        weights: &[f64],
        utils: &[Vec<f64>],
        warnings: &mut Vec<Warning>,
    ) -> Result<Option<Vec<Option<u32>>>, Error> {
        if r.abs() <= EPS {
            return Ok(None);
        }
        if r < 0.0 {
            warnings.push(Warning {
                path: None,
                line: None,
                message: format!(
                    "party '{party}': the reservation value {r} is negative, which no GeniusWeb \
                     reservation bid can express; written without one (reservation 0: every \
                     outcome stays acceptable)"
                ),
            });
            return Ok(None);
        }
        // The utilities as a reader will compute them from the written numbers.
        let terms: Vec<Vec<f64>> = utils
            .iter()
            .zip(weights)
            .map(|(u, w)| u.iter().map(|x| w * x).collect())
            .collect();
        let mut search = BidSearch::new(&terms, r);
        search.run();
        match search.best {
            Some((u, bid)) if (u - r).abs() <= EPS => Ok(Some(bid)),
            Some((u, bid)) => {
                let complete = if search.nodes >= BID_SEARCH_NODES {
                    "the search was cut short, so a few outcomes worth between the two may change side"
                } else {
                    "the acceptable outcomes are the same"
                };
                warnings.push(Warning {
                    path: None,
                    line: None,
                    message: format!(
                        "party '{party}': GeniusWeb expresses the reservation as a bid and no bid is \
                         worth exactly {r}; the reservation bid is the cheapest bid worth at least \
                         that, {u} ({complete})"
                    ),
                });
                Ok(Some(bid))
            }
            None => Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "party '{party}': the reservation value {r} is above every bid's utility, which \
                     a GeniusWeb reservation bid cannot express"
                ),
            )),
        }
    }

    /// Depth-first search for the (partial) bid whose utility is the smallest at least `r`,
    /// stopping at one within [`EPS`] of `r`.
    struct BidSearch<'a> {
        terms: &'a [Vec<f64>],
        r: f64,
        /// Sum of the largest terms of issues `i..`.
        suffix_max: Vec<f64>,
        path: Vec<Option<u32>>,
        best: Option<(f64, Vec<Option<u32>>)>,
        nodes: u64,
    }

    impl<'a> BidSearch<'a> {
        fn new(terms: &'a [Vec<f64>], r: f64) -> BidSearch<'a> {
            let mut suffix_max = vec![0.0; terms.len() + 1];
            for i in (0..terms.len()).rev() {
                suffix_max[i] = suffix_max[i + 1] + terms[i].iter().copied().fold(0.0, f64::max);
            }
            BidSearch {
                terms,
                r,
                suffix_max,
                path: Vec::with_capacity(terms.len()),
                best: None,
                nodes: 0,
            }
        }

        fn done(&self) -> bool {
            self.nodes >= BID_SEARCH_NODES
                || self
                    .best
                    .as_ref()
                    .is_some_and(|(u, _)| (u - self.r).abs() <= EPS)
        }

        /// Iterative depth-first search (an explicit stack, so that scenarios with very many
        /// issues cannot overflow the call stack).
        fn run(&mut self) {
            let Some(root) = self.enter(0, 0.0) else {
                return;
            };
            let mut stack = vec![root];
            while let Some(top) = stack.last_mut() {
                if self.done() {
                    return;
                }
                let Some(&choice) = top.order.get(top.next) else {
                    stack.pop();
                    // Drop the choice that led into the finished frame (none for the root).
                    self.path.pop();
                    continue;
                };
                top.next += 1;
                let (i, partial) = (top.issue, top.partial);
                let add = choice.map_or(0.0, |k| self.terms[i][k as usize]);
                self.path.push(choice);
                match self.enter(i + 1, partial + add) {
                    Some(frame) => stack.push(frame),
                    None => {
                        self.path.pop();
                    }
                }
            }
        }

        /// Visits the node for issue `i` with the bid so far worth `partial`: records it when
        /// it reaches `r`, and returns a frame when its children need visiting.
        fn enter(&mut self, i: usize, partial: f64) -> Option<Frame> {
            self.nodes += 1;
            if self.done() || partial + self.suffix_max[i] < self.r - EPS {
                return None;
            }
            if self.best.as_ref().is_some_and(|(bu, _)| partial >= *bu) {
                return None;
            }
            if partial >= self.r - EPS {
                // Leaving the remaining issues out of the bid adds nothing more.
                let mut bid = self.path.clone();
                bid.resize(self.terms.len(), None);
                self.best = Some((partial, bid));
                return None;
            }
            let terms = self.terms.get(i)?;
            // Values in decreasing order of their term reach r with fewer issues first; leaving
            // the issue out comes last.
            let mut order: Vec<Option<u32>> = (0..terms.len() as u32).map(Some).collect();
            order.sort_by(|a, b| {
                let t = |x: &Option<u32>| x.map_or(0.0, |k| terms[k as usize]);
                t(b).total_cmp(&t(a))
            });
            order.push(None);
            Some(Frame {
                issue: i,
                partial,
                order,
                next: 0,
            })
        }
    }

    /// One level of [`BidSearch`]'s explicit stack.
    struct Frame {
        issue: usize,
        partial: f64,
        order: Vec<Option<u32>>,
        next: usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_rounding_to_8_decimals() {
        assert_eq!(round_half_up_8(0.123456785), 0.12345679);
        assert_eq!(round_half_up_8(0.3), 0.3);
        assert_eq!(round_half_up_8(1.0), 1.0);
    }

    #[test]
    fn decimal_ranges_become_discrete_issues() {
        let mut w = Vec::new();
        let k = number_range(
            Path::new("d.json"),
            "range",
            "weight",
            &serde_json::json!({"low": 12.2, "high": 12.6, "step": 0.3}),
            &mut w,
        )
        .unwrap();
        let Kind::Decimal { labels, .. } = k else {
            panic!("{k:?}")
        };
        assert_eq!(labels, ["12.2", "12.5"]);
        assert_eq!(w.len(), 1);
    }
}
