//! Reading: the domain and profile model built from the XML tree, with GENIUS semantics.

use std::path::{Path, PathBuf};

use detente_core::{
    Issue, MAX_TABLE_LEN, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction,
};

use super::xml::Element;
use crate::files::FileKind;
use crate::files::{core_err, file_stem, warning};
use crate::{Error, ErrorKind, Loaded, Warning};

/// Evaluation maxima below this make every evaluation of the issue 0 (GENIUS's rule).
const EVAL_MAX_FLOOR: f64 = 1e-5;

/// One issue of a domain file.
#[derive(Clone, Debug)]
pub(super) struct DomainIssue {
    pub(super) index: i64,
    pub(super) name: String,
    pub(super) kind: DomainKind,
}

#[derive(Clone, Debug)]
pub(super) enum DomainKind {
    Discrete(Vec<String>),
    Integer { lo: i64, hi: i64 },
}

/// The issues of a domain file, in file order.
#[derive(Clone, Debug)]
pub(super) struct Domain {
    pub(super) issues: Vec<DomainIssue>,
}

impl Domain {
    pub(super) fn from_xml(
        path: &Path,
        root: &Element,
        warnings: &mut Vec<Warning>,
    ) -> Result<Domain, Error> {
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
pub(super) fn kind_of(root: &Element) -> FileKind {
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

pub(super) fn describe_kind(kind: &FileKind) -> String {
    match kind {
        FileKind::Domain => "a GENIUS domain".into(),
        FileKind::Profile => "a GENIUS profile (root <utility_space> with weights)".into(),
        FileKind::UnsupportedProfile(why) => format!("an unsupported profile ({why})"),
        FileKind::Other(what) => what.clone(),
    }
}

/// Whether a profile's issues (index and name) are the domain's.
pub(super) fn profile_matches(domain: &Domain, root: &Element) -> bool {
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
pub(super) fn build(
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
        let prefs = if super::nonlinear::is_nonlinear(proot) {
            super::nonlinear::preferences(ppath, proot, domain, &space, &mut warnings)?
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
    let (pissues, objective_indices) = profile_issues(path, objective, domain)?;
    let weights = profile_weights(path, objective, &pissues, &objective_indices)?;
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

/// Elements of a profile by their `index` attribute.
type ByIndex<'e> = Vec<(i64, &'e Element)>;

/// The issues a profile's root objective lists, by index (each once, each in the domain), and
/// the root objective's own indices (its weight, if any, is ignored as GENIUS does).
fn profile_issues<'e>(
    path: &Path,
    objective: &'e Element,
    domain: &Domain,
) -> Result<(ByIndex<'e>, Vec<i64>), Error> {
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
    Ok((pissues, objective_indices))
}

/// A profile's weights, by index: one per issue of `pissues`, none negative.
fn profile_weights<'e>(
    path: &Path,
    objective: &'e Element,
    pissues: &[(i64, &Element)],
    objective_indices: &[i64],
) -> Result<Vec<(i64, f64, &'e Element)>, Error> {
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
    Ok(weights)
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
pub(super) fn single_value(
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

/// An error at element `el` of `path`.
pub(super) fn err(kind: ErrorKind, path: &Path, el: &Element, msg: impl Into<String>) -> Error {
    Error::new(kind, msg)
        .with_path(path)
        .at(el.line, el.col)
        .in_element(el.tag())
}

pub(super) fn int_attr(path: &Path, el: &Element, name: &str) -> Result<i64, Error> {
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

pub(super) fn num_attr(path: &Path, el: &Element, name: &str) -> Result<f64, Error> {
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
