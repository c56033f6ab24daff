//! Reading: GeniusWeb domains and linear-additive profiles, with GeniusWeb's semantics.

use super::*;

pub(super) fn parse_json(
    path: &Path,
    bytes: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<Value, Error> {
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

pub(super) fn kind_of(v: &Value) -> FileKind {
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

pub(super) fn describe(kind: &FileKind) -> String {
    match kind {
        FileKind::Domain => "a GeniusWeb domain".into(),
        FileKind::Profile => format!("a GeniusWeb profile ({LINEAR})"),
        FileKind::UnsupportedProfile(why) => format!("an unsupported profile ({why})"),
        FileKind::Other(what) => what.clone(),
    }
}

/// The domain embedded in a profile.
pub(super) fn embedded(v: &Value) -> Option<&Value> {
    v.get(LINEAR)?.get("domain")
}

pub(super) fn first_embedded_domain(
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
pub(super) enum Kind {
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
pub(super) struct Domain {
    name: String,
    issues: Vec<DomainIssue>,
}

impl Domain {
    /// Reads `{"name", "issuesValues"}`; `at` prefixes element paths in messages.
    pub(super) fn from_json(
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
    pub(super) fn same_as(&self, other: &Domain) -> bool {
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
pub(super) fn number_range(
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
pub(super) fn build(
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
pub(super) fn round_half_up_8(x: f64) -> f64 {
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
