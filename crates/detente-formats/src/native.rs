//! detente's native scenario format: one TOML file (specified in docs/scenario-format.md).
//!
//! Reading goes through plain serde DTOs (`*Dto` types, private to this module) and then a
//! validation pass that builds the core model, so the core types never depend on the file
//! format. Every error names the file, the line and column of the offending key where TOML can
//! tell, and the party / issue / option at fault.
//!
//! Non-goals: preserving comments or key order on write (written files are canonical).

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use detente_core::{
    Issue, IssueKind, IssueNote, Mediator, Meeting, OptionNote, OutcomeSpace, Package, Party,
    Preferences, Provenance, RedLineNote, RedLines, Role, Scenario, Source, UtilityFunction,
    ValueFunction,
};

use detente_core::uncertainty::{
    Distribution, Estimate, PartyModel, Spreads, UncertainConditional, UncertainRedLine,
    Uncertainty, ValueModel,
};

use crate::error::{Error, ErrorKind, line_col};

/// Reads a native scenario file.
///
/// # Errors
/// When the file cannot be read, is not valid TOML, or is not a valid scenario.
pub fn read_file(path: &Path) -> Result<Scenario, Error> {
    let bytes = crate::files::read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        Error::new(
            ErrorKind::Syntax,
            "the file is not valid UTF-8 (TOML files must be UTF-8)",
        )
        .with_path(path)
        .at(line, col)
    })?;
    read_str(&text, Some(path))
}

/// Reads a native scenario from TOML text; `path` is only used in messages.
///
/// # Errors
/// When the text is not valid TOML or not a valid scenario.
pub fn read_str(text: &str, path: Option<&Path>) -> Result<Scenario, Error> {
    let with_path = |e: Error| match path {
        Some(p) => e.with_path(p),
        None => e,
    };
    let dto: FileDto = toml::from_str(text).map_err(|e| {
        let mut err = Error::new(ErrorKind::Syntax, e.message().trim().to_string());
        if let Some(span) = e.span() {
            let (l, c) = line_col(text, span.start);
            err = err.at(l, c);
        }
        with_path(err)
    })?;
    build(dto, text).map_err(with_path)
}

// ---------------------------------------------------------------------------------------------
// DTOs: the file's shape.

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileDto {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provenance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    as_of: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    discount: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rounds: Option<Spanned<i64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<SourceDto>,
    #[serde(default)]
    issues: Vec<IssueDto>,
    #[serde(default)]
    parties: Vec<PartyDto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    packages: Vec<PackageDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mediator: Option<MediatorDto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    meetings: Vec<MeetingDto>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SourceDto {
    id: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    about: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reliability: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct IssueDto {
    name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    options: Option<Vec<OptionDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    range: Option<Spanned<Vec<i64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<Spanned<i64>>,
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum OptionDto {
    Name(String),
    Full(OptionFullDto),
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct OptionFullDto {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    proposed_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PartyDto {
    name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reservation: Option<Spanned<NumDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    discount: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_discount: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uncertainty: Option<Spanned<SpreadsDto>>,
    #[serde(default)]
    weights: IndexMap<String, Spanned<NumDto>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    red_lines: Vec<RedLineDto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    links: Vec<links::LinkDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provenance: Option<ProvenanceDto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    delegation: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batna: Option<String>,
    #[serde(default)]
    values: IndexMap<String, Spanned<ValueSpecDto>>,
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum ValueSpecDto {
    Points(PointsDto),
    List(Vec<NumDto>),
    Table(IndexMap<String, NumDto>),
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PointsDto {
    points: Vec<(f64, NumDto)>,
}

/// A number: a point, or an estimate with a range (docs/scenario-format.md, "Estimates").
#[derive(Clone, Deserialize, Serialize)]
#[serde(untagged)]
enum NumDto {
    Point(f64),
    Estimate(EstimateDto),
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EstimateDto {
    value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    basis: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
}

impl NumDto {
    fn value(&self) -> f64 {
        match self {
            NumDto::Point(v) => *v,
            NumDto::Estimate(e) => e.value,
        }
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SpreadsDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    values: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weights: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reservation: Option<f64>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RedLineDto {
    issue: Spanned<String>,
    options: Vec<ChoiceDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    basis: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confidence: Option<Spanned<f64>>,
    /// Conditional red line: the options are unacceptable unless this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unless: Option<Spanned<links::ConditionDto>>,
    /// Conditional red line: the options are unacceptable only if this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    only_if: Option<Spanned<links::ConditionDto>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reservation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weights: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    values: Option<String>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(untagged)]
enum ChoiceDto {
    Integer(i64),
    Name(String),
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum PackageChoiceDto {
    One(ChoiceDto),
    Alternatives(Vec<ChoiceDto>),
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PackageDto {
    name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    #[serde(default)]
    outcome: IndexMap<String, Spanned<PackageChoiceDto>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct MediatorDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    party: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    procedure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<Spanned<String>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct MeetingDto {
    date: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_date: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    place: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    parties: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    delegates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Validation: DTOs -> core model.

/// What validation works against: the text (errors point at spans of it) and the source ids
/// the file declares (every other table may cite them).
struct Ctx<'a> {
    text: &'a str,
    source_ids: Vec<String>,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: std::ops::Range<usize>,
        element: impl Into<String>,
        msg: impl Into<String>,
    ) -> Error {
        let (l, c) = line_col(self.text, span.start);
        Error::new(ErrorKind::Invalid, msg)
            .at(l, c)
            .in_element(element)
    }

    /// Checks that every cited source id is declared.
    fn check_sources(
        &self,
        ids: &[String],
        span: std::ops::Range<usize>,
        element: &str,
    ) -> Result<(), Error> {
        for id in ids {
            if !self.source_ids.contains(id) {
                return Err(self.err(
                    span.clone(),
                    element,
                    format!(
                        "cites unknown source '{id}'; declare it in [[sources]] (declared: {})",
                        if self.source_ids.is_empty() {
                            "none".to_string()
                        } else {
                            list(&self.source_ids)
                        }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// [`estimate`] with this context's source check.
    fn estimate(
        &self,
        n: &NumDto,
        span: std::ops::Range<usize>,
        element: &str,
        default: Default,
    ) -> Result<Estimate, Error> {
        estimate(self, n, span, element, default, &|ids, span, el| {
            self.check_sources(ids, span, el)
        })
    }
}

/// The outcome space built from the issue tables, with what resolves names against it.
struct Space<'a> {
    cx: &'a Ctx<'a>,
    space: OutcomeSpace,
    issue_names: Vec<String>,
}

impl Space<'_> {
    /// Resolves a choice (option name or integer) on issue `idx`.
    fn resolve(&self, idx: usize, c: &ChoiceDto) -> Result<u32, String> {
        let issue = &self.space.issues()[idx];
        match (issue.kind(), c) {
            (IssueKind::Discrete { options }, ChoiceDto::Name(n)) => {
                issue.option_index(n).ok_or_else(|| {
                    format!(
                        "unknown option '{n}' of issue '{}'; valid: {}",
                        issue.name(),
                        list(options)
                    )
                })
            }
            (IssueKind::Integer { lo, hi, step }, ChoiceDto::Integer(x)) => {
                issue.integer_index(*x).ok_or_else(|| {
                    format!(
                        "{x} is not a value of issue '{}'; valid: {lo}..={hi} in steps of {step}",
                        issue.name()
                    )
                })
            }
            (IssueKind::Discrete { options }, ChoiceDto::Integer(x)) => Err(format!(
                "issue '{}' is discrete; give an option name instead of {x} (valid: {})",
                issue.name(),
                list(options)
            )),
            (IssueKind::Integer { lo, hi, .. }, ChoiceDto::Name(n)) => Err(format!(
                "issue '{}' is an integer issue; give an integer in [{lo}, {hi}] instead of '{n}'",
                issue.name()
            )),
        }
    }

    fn issue_idx(&self, name: &str) -> Result<usize, String> {
        self.space
            .issue_index(name)
            .ok_or_else(|| format!("unknown issue '{name}'; valid: {}", list(&self.issue_names)))
    }
}

fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let v: Vec<String> = names
        .into_iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect();
    v.join(", ")
}

fn top(msg: String) -> Error {
    Error::new(ErrorKind::Invalid, msg)
}

/// Validates the file table by table: sources, issues, parties, the scenario's own fields,
/// packages, the mediator, meetings (in that order, so the first error is the same as ever).
fn build(dto: FileDto, text: &str) -> Result<Scenario, Error> {
    let mut cx = Ctx {
        text,
        source_ids: Vec::new(),
    };
    // Sources first: every other table may cite them.
    cx.source_ids = source_ids(&cx, &dto.sources)?;
    let (space, issue_notes) = issues(&cx, &dto.issues)?;
    let issue_names = space
        .issues()
        .iter()
        .map(|i| i.name().to_string())
        .collect();
    let sx = Space {
        cx: &cx,
        space,
        issue_names,
    };
    let (parties, models) = parties(&sx, &dto)?;
    let party_names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
    let mut scenario = Scenario::new(dto.name.clone(), sx.space.clone(), parties)
        .map_err(|e| top(e.to_string()))?;
    scenario_fields(&cx, &dto, &mut scenario, models, issue_notes)?;
    packages(&sx, &dto.packages, &mut scenario)?;
    if let Some(m) = &dto.mediator {
        scenario.mediator = Some(mediator(&sx, m, &party_names, &scenario.packages)?);
    }
    meetings(&cx, &dto.meetings, &party_names, &mut scenario)?;
    Ok(scenario)
}

/// The `[[sources]]` table: ids, non-empty and unique.
fn source_ids(cx: &Ctx<'_>, sources: &[SourceDto]) -> Result<Vec<String>, Error> {
    let mut source_ids: Vec<String> = Vec::new();
    for s in sources {
        if s.id.get_ref().trim().is_empty() {
            return Err(cx.err(s.id.span(), "sources", "a source id must not be empty"));
        }
        if source_ids.contains(s.id.get_ref()) {
            return Err(cx.err(
                s.id.span(),
                "sources",
                format!("duplicate source id '{}'", s.id.get_ref()),
            ));
        }
        source_ids.push(s.id.get_ref().clone());
    }
    Ok(source_ids)
}

/// The `[[issues]]` tables: the outcome space and the analyst's notes per issue.
fn issues(cx: &Ctx<'_>, dtos: &[IssueDto]) -> Result<(OutcomeSpace, Vec<IssueNote>), Error> {
    if dtos.is_empty() {
        return Err(top(
            "the scenario has no issues; add at least one [[issues]] table".into(),
        ));
    }
    let mut issues = Vec::with_capacity(dtos.len());
    let mut issue_notes = Vec::with_capacity(dtos.len());
    for (k, i) in dtos.iter().enumerate() {
        let (issue, note) = issue(cx, k, i, &dtos[..k])?;
        issues.push(issue);
        issue_notes.push(note);
    }
    let space = OutcomeSpace::new(issues).map_err(|e| top(e.to_string()))?;
    Ok((space, issue_notes))
}

/// Issue `k` of the file (`before` are the issues above it).
fn issue(
    cx: &Ctx<'_>,
    k: usize,
    i: &IssueDto,
    before: &[IssueDto],
) -> Result<(Issue, IssueNote), Error> {
    let name = i.name.get_ref();
    let el = format!("issues[{k}] '{name}'");
    if name.trim().is_empty() {
        return Err(cx.err(
            i.name.span(),
            format!("issues[{k}]"),
            "an issue name must not be empty",
        ));
    }
    if before.iter().any(|o| o.name.get_ref() == name) {
        return Err(cx.err(i.name.span(), el, format!("duplicate issue name '{name}'")));
    }
    let mut note = IssueNote {
        description: i.description.clone(),
        category: i.category.clone(),
        unit: i.unit.clone(),
        options: Vec::new(),
    };
    let issue = match (&i.options, &i.range) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                i.name.span(),
                el,
                "give either `options` (discrete) or `range` (integer), not both",
            ));
        }
        (None, None) => {
            return Err(cx.err(
                i.name.span(),
                el,
                "give `options = [...]` (discrete) or `range = [lo, hi]` (integer)",
            ));
        }
        (Some(opts), None) => {
            if i.step.is_some() {
                return Err(cx.err(
                    i.name.span(),
                    el,
                    "`step` only applies to integer issues with a `range`",
                ));
            }
            if opts.is_empty() {
                return Err(cx.err(
                    i.name.span(),
                    el,
                    "the option list is empty; a discrete issue needs at least one option",
                ));
            }
            let mut names = Vec::with_capacity(opts.len());
            for o in opts {
                let (n, on) = match o {
                    OptionDto::Name(n) => (n.clone(), OptionNote::default()),
                    OptionDto::Full(f) => {
                        cx.check_sources(
                            &f.sources,
                            i.name.span(),
                            &format!("{el}, option '{}'", f.name),
                        )?;
                        (
                            f.name.clone(),
                            OptionNote {
                                description: f.description.clone(),
                                proposed_by: f.proposed_by.clone(),
                                sources: f.sources.clone(),
                            },
                        )
                    }
                };
                if n.trim().is_empty() {
                    return Err(cx.err(i.name.span(), el, "an option name must not be empty"));
                }
                if names.contains(&n) {
                    return Err(cx.err(i.name.span(), el, format!("duplicate option '{n}'")));
                }
                names.push(n);
                note.options.push(on);
            }
            Issue::discrete(name.clone(), names)
                .map_err(|e| cx.err(i.name.span(), el.clone(), e.to_string()))?
        }
        (None, Some(range)) => {
            let r = range.get_ref();
            if r.len() != 2 {
                return Err(cx.err(
                    range.span(),
                    el,
                    format!("`range` must be [lo, hi], got {} numbers", r.len()),
                ));
            }
            if r[0] > r[1] {
                return Err(cx.err(
                    range.span(),
                    el,
                    format!("range [{}, {}] has lo > hi", r[0], r[1]),
                ));
            }
            let step = i.step.as_ref().map_or(1, |s| *s.get_ref());
            if step < 1 {
                let span = i.step.as_ref().map_or(range.span(), |s| s.span());
                return Err(cx.err(
                    span,
                    el,
                    format!("step {step} is invalid; the step must be an integer >= 1"),
                ));
            }
            Issue::integer(name.clone(), r[0], r[1], step)
                .map_err(|e| cx.err(range.span(), el.clone(), e.to_string()))?
        }
    };
    Ok((issue, note))
}

/// A discount factor in (0, 1], or the error naming `element`.
fn discount(cx: &Ctx<'_>, d: &Spanned<f64>, element: &str) -> Result<f64, Error> {
    let v = *d.get_ref();
    if !(v > 0.0 && v <= 1.0) {
        return Err(cx.err(
            d.span(),
            element,
            format!("discount is {v}; valid: a number in (0, 1]"),
        ));
    }
    Ok(v)
}

/// The `[[parties]]` tables: each party, with its uncertainty model.
fn parties(sx: &Space<'_>, dto: &FileDto) -> Result<(Vec<Party>, Vec<PartyModel>), Error> {
    if dto.parties.is_empty() {
        return Err(top(
            "the scenario has no parties; add at least one [[parties]] table".into(),
        ));
    }
    let default_discount = match &dto.discount {
        Some(d) => discount(sx.cx, d, "discount")?,
        None => 1.0,
    };
    let mut parties = Vec::with_capacity(dto.parties.len());
    let mut models = Vec::with_capacity(dto.parties.len());
    for (k, p) in dto.parties.iter().enumerate() {
        let (party, model) = party(sx, k, p, &dto.parties[..k], default_discount)?;
        parties.push(party);
        models.push(model);
    }
    Ok((parties, models))
}

/// Party `k` of the file (`before` are the parties above it).
fn party(
    sx: &Space<'_>,
    k: usize,
    p: &PartyDto,
    before: &[PartyDto],
    default_discount: f64,
) -> Result<(Party, PartyModel), Error> {
    let cx = sx.cx;
    let name = p.name.get_ref();
    let el = format!("party '{name}'");
    if name.trim().is_empty() {
        return Err(cx.err(
            p.name.span(),
            format!("parties[{k}]"),
            "a party name must not be empty",
        ));
    }
    if before.iter().any(|o| o.name.get_ref() == name) {
        return Err(cx.err(p.name.span(), el, format!("duplicate party name '{name}'")));
    }
    let role = match &p.role {
        None => Role::Principal,
        Some(r) => match r.get_ref().as_str() {
            "principal" => Role::Principal,
            "mediator" => Role::Mediator,
            "stakeholder" => Role::Stakeholder,
            other => {
                return Err(cx.err(
                    r.span(),
                    el,
                    format!(
                        "unknown role '{other}'; valid: 'principal', 'mediator', 'stakeholder'"
                    ),
                ));
            }
        },
    };
    let spreads = spreads(cx, p, &el)?;
    let (weights, weight_est) = weights(sx, p, &el, &spreads)?;
    let n_issues = sx.space.issues().len();
    let mut values: Vec<Option<ValueFunction>> = vec![None; n_issues];
    let mut value_est: Vec<Option<ValueModel>> = vec![None; n_issues];
    let value_default = Default {
        spread: spreads.values,
        min: 0.0,
        max: 1.0,
    };
    for (iname, spec) in &p.values {
        let idx = sx
            .issue_idx(iname)
            .map_err(|m| cx.err(spec.span(), format!("{el}, values"), m))?;
        let (vf, est) = value_function(
            sx,
            idx,
            spec,
            &format!("{el}, values.{iname}"),
            value_default,
        )?;
        value_est[idx] = Some(est);
        values[idx] = Some(vf);
    }
    for (idx, w) in weights.iter().enumerate() {
        if *w > 0.0 && values[idx].is_none() {
            return Err(cx.err(
                p.name.span(),
                el,
                format!(
                    "issue '{}' has weight {w} but no values; add it under [parties.values]",
                    sx.issue_names[idx]
                ),
            ));
        }
    }
    let ufun = UtilityFunction::weighted_sum(&sx.space, name, &weights, &values)
        .map_err(|e| cx.err(p.name.span(), el.clone(), e.to_string()))?;
    let (ufun, link_est) = links::attach(cx, &sx.space, ufun, &p.links, &el)?;
    let (red_lines, notes, uncertain_red_lines, conditional) = red_lines(sx, p, &el)?;
    let (reservation, reservation_est) = reservation(cx, p, &el, &spreads)?;
    let model = PartyModel {
        weights: weight_est,
        values: value_est,
        reservation: reservation_est,
        red_lines: uncertain_red_lines,
        spreads,
        links: link_est,
        conditional,
    };
    let discount = match &p.discount {
        Some(d) => discount(cx, d, &format!("{el}, discount"))?,
        None => default_discount,
    };
    let mut preferences = Preferences::new(ufun, reservation, red_lines, discount)
        .map_err(|e| cx.err(p.name.span(), el.clone(), e.to_string()))?;
    if let Some(td) = &p.time_discount {
        if p.discount.is_some() {
            return Err(cx.err(
                td.span(),
                format!("{el}, time_discount"),
                "give either `discount` or its synonym `time_discount`, not both",
            ));
        }
        let v = *td.get_ref();
        preferences = preferences.with_discount(v).map_err(|_| {
            cx.err(
                td.span(),
                format!("{el}, time_discount"),
                format!("time_discount is {v}; valid: a number in (0, 1]"),
            )
        })?;
    }
    let provenance = p
        .provenance
        .as_ref()
        .map_or_else(Provenance::default, |pr| Provenance {
            reservation: pr.reservation.clone(),
            weights: pr.weights.clone(),
            values: pr.values.clone(),
        });
    let party = Party {
        name: name.clone(),
        role,
        description: p.description.clone(),
        preferences,
        provenance,
        red_line_notes: notes,
        delegation: p.delegation.clone(),
        batna: p.batna.clone(),
    };
    Ok((party, model))
}

/// A party's default spreads (`uncertainty = { ... }`).
fn spreads(cx: &Ctx<'_>, p: &PartyDto, el: &str) -> Result<Spreads, Error> {
    let Some(u) = &p.uncertainty else {
        return Ok(Spreads::default());
    };
    let d = u.get_ref();
    for (field, v) in [
        ("values", d.values),
        ("weights", d.weights),
        ("reservation", d.reservation),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(cx.err(
                u.span(),
                format!("{el}, uncertainty.{field}"),
                format!("the spread is {v}; valid: a number >= 0"),
            ));
        }
    }
    Ok(Spreads {
        values: d.values,
        weights: d.weights,
        reservation: d.reservation,
    })
}

/// A party's `weights`: the point weights per issue and their estimates.
fn weights(
    sx: &Space<'_>,
    p: &PartyDto,
    el: &str,
    spreads: &Spreads,
) -> Result<(Vec<f64>, Vec<Estimate>), Error> {
    let cx = sx.cx;
    let n_issues = sx.space.issues().len();
    let mut weight_est: Vec<Estimate> = vec![Estimate::point(0.0); n_issues];
    let mut weights = vec![0.0; n_issues];
    for (iname, w) in &p.weights {
        let idx = sx
            .issue_idx(iname)
            .map_err(|m| cx.err(w.span(), format!("{el}, weights"), m))?;
        let wel = format!("{el}, weights.{iname}");
        weight_est[idx] = cx.estimate(
            w.get_ref(),
            w.span(),
            &wel,
            Default {
                spread: spreads.weights.map(|s| s * w.get_ref().value().abs()),
                min: 0.0,
                max: f64::INFINITY,
            },
        )?;
        let v = w.get_ref().value();
        if !v.is_finite() || v < 0.0 {
            return Err(cx.err(
                w.span(),
                format!("{el}, weights.{iname}"),
                format!("weight is {v}; valid: a number >= 0"),
            ));
        }
        weights[idx] = v;
    }
    if !weights.iter().any(|&w| w > 0.0) {
        return Err(cx.err(
            p.name.span(),
            el,
            "no issue has a positive weight; set `weights = { issue = number, ... }` with at least one > 0",
        ));
    }
    Ok((weights, weight_est))
}

/// A party's value function on issue `idx` (element `vel`), with its estimates.
fn value_function(
    sx: &Space<'_>,
    idx: usize,
    spec: &Spanned<ValueSpecDto>,
    vel: &str,
    value_default: Default,
) -> Result<(ValueFunction, ValueModel), Error> {
    let cx = sx.cx;
    let issue = &sx.space.issues()[idx];
    let (vf, model) = match (issue.kind(), spec.get_ref()) {
        (IssueKind::Discrete { options }, ValueSpecDto::Table(t)) => {
            let mut table = vec![f64::NAN; options.len()];
            let mut est = vec![Estimate::point(0.0); options.len()];
            for (oname, v) in t {
                let Some(o) = issue.option_index(oname) else {
                    return Err(cx.err(
                        spec.span(),
                        vel,
                        format!("unknown option '{oname}'; valid: {}", list(options)),
                    ));
                };
                table[o as usize] = v.value();
                est[o as usize] =
                    cx.estimate(v, spec.span(), &format!("{vel}.{oname}"), value_default)?;
            }
            if let Some(missing) = table.iter().position(|v| v.is_nan()) {
                return Err(cx.err(
                    spec.span(),
                    vel,
                    format!(
                        "no value for option '{}'; every option needs a value in [0, 1]",
                        options[missing]
                    ),
                ));
            }
            (ValueFunction::Table(table), ValueModel::Table(est))
        }
        (IssueKind::Discrete { options }, ValueSpecDto::List(l)) => {
            if l.len() != options.len() {
                return Err(cx.err(
                    spec.span(),
                    vel,
                    format!(
                        "{} values for {} options; give one value per option, in option order",
                        l.len(),
                        options.len()
                    ),
                ));
            }
            let est = l
                .iter()
                .zip(options)
                .map(|(v, o)| cx.estimate(v, spec.span(), &format!("{vel}.{o}"), value_default))
                .collect::<Result<Vec<_>, _>>()?;
            (
                ValueFunction::Table(l.iter().map(NumDto::value).collect()),
                ValueModel::Table(est),
            )
        }
        (IssueKind::Integer { .. }, ValueSpecDto::Points(pts)) => {
            if pts.points.is_empty() {
                return Err(cx.err(
                    spec.span(),
                    vel,
                    "`points` is empty; give at least one [x, value] pair",
                ));
            }
            let est = pts
                .points
                .iter()
                .map(|(x, v)| {
                    Ok((
                        *x,
                        cx.estimate(
                            v,
                            spec.span(),
                            &format!("{vel}, point at x = {x}"),
                            value_default,
                        )?,
                    ))
                })
                .collect::<Result<Vec<_>, Error>>()?;
            (
                ValueFunction::PiecewiseLinear(
                    pts.points.iter().map(|(x, v)| (*x, v.value())).collect(),
                ),
                ValueModel::Piecewise(est),
            )
        }
        (IssueKind::Discrete { .. }, ValueSpecDto::Points(_)) => {
            return Err(cx.err(
                spec.span(),
                vel,
                "`points` only applies to integer issues; give `{ option = value, ... }`",
            ));
        }
        (IssueKind::Integer { .. }, _) => {
            return Err(cx.err(
                spec.span(),
                vel,
                "an integer issue needs `{ points = [[x, value], ...] }`",
            ));
        }
    };
    let out_of_range = match &vf {
        ValueFunction::Table(t) => t
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(*v)))
            .map(|(k, v)| {
                (
                    issue
                        .value(k as u32)
                        .map(|x| format!("'{x}'"))
                        .unwrap_or_default(),
                    *v,
                )
            }),
        ValueFunction::PiecewiseLinear(pts) => pts
            .iter()
            .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(v)))
            .map(|(x, v)| (format!("x = {x}"), *v)),
    };
    if let Some((which, v)) = out_of_range {
        return Err(cx.err(
            spec.span(),
            vel,
            format!("the value of {which} is {v}; valid: a number in [0, 1]"),
        ));
    }
    Ok((vf, model))
}

/// A party's `[[parties.red_lines]]`: the red lines, their notes and their confidences, and
/// the conditional red lines with theirs.
#[allow(clippy::type_complexity)]
fn red_lines(
    sx: &Space<'_>,
    p: &PartyDto,
    el: &str,
) -> Result<
    (
        RedLines,
        Vec<RedLineNote>,
        Vec<UncertainRedLine>,
        Vec<UncertainConditional>,
    ),
    Error,
> {
    let cx = sx.cx;
    let mut conditional = Vec::new();
    let mut red_lines = RedLines::none(sx.space.issues().len());
    let mut notes = Vec::new();
    let mut uncertain_red_lines = Vec::new();
    for rl in &p.red_lines {
        let rel = format!("{el}, red_lines");
        let idx = sx
            .issue_idx(rl.issue.get_ref())
            .map_err(|m| cx.err(rl.issue.span(), rel.clone(), m))?;
        cx.check_sources(&rl.sources, rl.issue.span(), &rel)?;
        let mut vals = Vec::new();
        for c in &rl.options {
            let v = sx
                .resolve(idx, c)
                .map_err(|m| cx.err(rl.issue.span(), rel.clone(), m))?;
            vals.push(v);
        }
        let confidence = match &rl.confidence {
            Some(c) => {
                let v = *c.get_ref();
                if !(v > 0.0 && v <= 1.0) {
                    return Err(cx.err(
                        c.span(),
                        format!("{rel}, confidence"),
                        format!("confidence is {v}; valid: a probability in (0, 1]"),
                    ));
                }
                v
            }
            None => 1.0,
        };
        if rl.unless.is_some() || rl.only_if.is_some() {
            let c = links::conditional(
                cx,
                &sx.space,
                idx,
                vals,
                rl.unless.as_ref(),
                rl.only_if.as_ref(),
                &rel,
            )?;
            red_lines.add_conditional(c.clone());
            conditional.push(UncertainConditional {
                red_line: c,
                confidence,
                basis: rl.basis.clone(),
                sources: rl.sources.clone(),
            });
            continue;
        }
        for &v in &vals {
            red_lines.forbid(idx, v);
        }
        uncertain_red_lines.push(UncertainRedLine {
            issue_idx: idx,
            values: vals.clone(),
            confidence,
        });
        notes.push(RedLineNote {
            issue_idx: idx,
            values: vals,
            basis: rl.basis.clone(),
            sources: rl.sources.clone(),
        });
    }
    Ok((red_lines, notes, uncertain_red_lines, conditional))
}

/// A party's walk-away (reservation) value and its estimate.
fn reservation(
    cx: &Ctx<'_>,
    p: &PartyDto,
    el: &str,
    spreads: &Spreads,
) -> Result<(f64, Estimate), Error> {
    let Some(r) = &p.reservation else {
        let est = Estimate::spread(
            0.0,
            spreads.reservation.unwrap_or(0.0),
            f64::NEG_INFINITY,
            f64::INFINITY,
        );
        return Ok((0.0, est));
    };
    let v = r.get_ref().value();
    if !v.is_finite() {
        return Err(cx.err(
            r.span(),
            format!("{el}, reservation"),
            format!("reservation is {v}; valid: a finite number"),
        ));
    }
    let est = cx.estimate(
        r.get_ref(),
        r.span(),
        &format!("{el}, reservation"),
        Default {
            spread: spreads.reservation,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        },
    )?;
    Ok((v, est))
}

/// The scenario's own fields: description, uncertainty, provenance, `as_of`, issue notes,
/// `rounds`, sources.
fn scenario_fields(
    cx: &Ctx<'_>,
    dto: &FileDto,
    scenario: &mut Scenario,
    models: Vec<PartyModel>,
    issue_notes: Vec<IssueNote>,
) -> Result<(), Error> {
    scenario.description = dto.description.clone();
    let uncertainty = Uncertainty { parties: models };
    let annotated = uncertainty.numbers().iter().any(|(_, e)| e.explicit)
        || uncertainty
            .parties
            .iter()
            .any(|p| p.spreads != Spreads::default());
    if annotated || uncertainty.has_ranges() {
        scenario.uncertainty = Some(uncertainty);
    }
    scenario.provenance = dto.provenance.clone();
    if let Some(d) = &dto.as_of {
        check_date(d.get_ref()).map_err(|m| cx.err(d.span(), "as_of", m))?;
        scenario.as_of = Some(d.get_ref().clone());
    }
    scenario.issue_notes = issue_notes;
    if let Some(r) = &dto.rounds {
        let v = *r.get_ref();
        if v < 1 || v > i64::from(u32::MAX) {
            return Err(cx.err(
                r.span(),
                "rounds",
                format!("rounds is {v}; valid: an integer from 1 to {}", u32::MAX),
            ));
        }
        scenario.rounds = v as u32;
    }
    scenario.sources = dto
        .sources
        .iter()
        .map(|s| Source {
            id: s.id.get_ref().clone(),
            url: s.url.clone(),
            about: s.about.clone(),
            reliability: s.reliability.clone(),
        })
        .collect();
    Ok(())
}

/// The `[[packages]]` tables (reported drafts).
fn packages(sx: &Space<'_>, dtos: &[PackageDto], scenario: &mut Scenario) -> Result<(), Error> {
    let cx = sx.cx;
    for (k, pk) in dtos.iter().enumerate() {
        let name = pk.name.get_ref();
        let el = format!("package '{name}'");
        if dtos[..k].iter().any(|o| o.name.get_ref() == name) {
            return Err(cx.err(
                pk.name.span(),
                el,
                format!("duplicate package name '{name}'"),
            ));
        }
        cx.check_sources(&pk.sources, pk.name.span(), &el)?;
        if let Some(d) = &pk.date {
            check_date(d.get_ref()).map_err(|m| cx.err(d.span(), format!("{el}, date"), m))?;
        }
        let mut choices: Vec<Option<Vec<u32>>> = vec![None; sx.space.issues().len()];
        for (iname, c) in &pk.outcome {
            let oel = format!("{el}, outcome.{iname}");
            let idx = sx
                .issue_idx(iname)
                .map_err(|m| cx.err(c.span(), format!("{el}, outcome"), m))?;
            let alts: Vec<ChoiceDto> = match c.get_ref() {
                PackageChoiceDto::One(x) => vec![x.clone()],
                PackageChoiceDto::Alternatives(v) => v.clone(),
            };
            if alts.is_empty() {
                return Err(cx.err(
                    c.span(),
                    oel,
                    "an empty list of alternatives; omit the issue when the package does not decide it",
                ));
            }
            let mut vals = Vec::new();
            for a in &alts {
                let v = sx
                    .resolve(idx, a)
                    .map_err(|m| cx.err(c.span(), oel.clone(), m))?;
                if !vals.contains(&v) {
                    vals.push(v);
                }
            }
            choices[idx] = Some(vals);
        }
        scenario.packages.push(Package {
            name: name.clone(),
            label: pk.label.clone(),
            date: pk.date.as_ref().map(|d| d.get_ref().clone()),
            sources: pk.sources.clone(),
            notes: pk.notes.clone(),
            choices,
        });
    }
    Ok(())
}

/// The index of party `name`, or a message listing the valid names.
fn party_idx(party_names: &[String], name: &str) -> Result<usize, String> {
    party_names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| format!("unknown party '{name}'; valid: {}", list(party_names)))
}

/// The `[mediator]` table.
fn mediator(
    sx: &Space<'_>,
    m: &MediatorDto,
    party_names: &[String],
    packages: &[Package],
) -> Result<Mediator, Error> {
    let cx = sx.cx;
    let party_idx = match &m.party {
        Some(p) => Some(
            party_idx(party_names, p.get_ref())
                .map_err(|msg| cx.err(p.span(), "mediator.party", msg))?,
        ),
        None => None,
    };
    let start = match &m.start {
        Some(st) => {
            let name = st.get_ref();
            let Some(k) = packages.iter().position(|p| &p.name == name) else {
                let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
                return Err(cx.err(
                    st.span(),
                    "mediator.start",
                    format!("unknown package '{name}'; valid: {}", list(&names)),
                ));
            };
            let undecided = packages[k]
                .choices
                .iter()
                .position(|c| c.as_ref().is_none_or(|c| c.len() != 1));
            if let Some(missing) = undecided {
                return Err(cx.err(
                    st.span(),
                    "mediator.start",
                    format!(
                        "package '{name}' cannot start a single text: it does not decide issue '{}' \
                         (a starting draft needs exactly one value per issue)",
                        sx.issue_names[missing]
                    ),
                ));
            }
            Some(k)
        }
        None => None,
    };
    Ok(Mediator {
        party_idx,
        name: m.name.clone(),
        procedure: m.procedure.clone(),
        start,
    })
}

/// The `[[meetings]]` tables.
fn meetings(
    cx: &Ctx<'_>,
    dtos: &[MeetingDto],
    party_names: &[String],
    scenario: &mut Scenario,
) -> Result<(), Error> {
    for (k, m) in dtos.iter().enumerate() {
        let el = format!("meetings[{k}] ({})", m.date.get_ref());
        check_date(m.date.get_ref()).map_err(|msg| cx.err(m.date.span(), el.clone(), msg))?;
        if let Some(e) = &m.end_date {
            check_date(e.get_ref()).map_err(|msg| cx.err(e.span(), el.clone(), msg))?;
            if e.get_ref() < m.date.get_ref() {
                return Err(cx.err(
                    e.span(),
                    el,
                    format!(
                        "end_date {} is before date {}",
                        e.get_ref(),
                        m.date.get_ref()
                    ),
                ));
            }
        }
        cx.check_sources(&m.sources, m.date.span(), &el)?;
        let mut ps = Vec::new();
        for p in &m.parties {
            ps.push(
                party_idx(party_names, p.get_ref())
                    .map_err(|msg| cx.err(p.span(), el.clone(), msg))?,
            );
        }
        scenario.meetings.push(Meeting {
            date: m.date.get_ref().clone(),
            end_date: m.end_date.as_ref().map(|d| d.get_ref().clone()),
            place: m.place.clone(),
            parties: ps,
            delegates: m.delegates.clone(),
            summary: m.summary.clone(),
            sources: m.sources.clone(),
        });
    }
    Ok(())
}

/// Checks that cited source ids are declared.
type CheckSources<'a> = dyn Fn(&[String], std::ops::Range<usize>, &str) -> Result<(), Error> + 'a;

/// How a number without a range of its own gets one: `value ± spread`, clipped to
/// `[min, max]` (no range when `spread` is `None`).
#[derive(Clone, Copy)]
struct Default {
    spread: Option<f64>,
    min: f64,
    max: f64,
}

/// The estimate a number of the file stands for, checked: a range that is not empty, holds
/// the point value, stays inside `[min, max]` of the field, and a known distribution.
fn estimate(
    cx: &Ctx<'_>,
    n: &NumDto,
    span: std::ops::Range<usize>,
    element: &str,
    default: Default,
    check_sources: &CheckSources<'_>,
) -> Result<Estimate, Error> {
    let e = match n {
        NumDto::Point(v) => {
            return Ok(match default.spread {
                Some(s) if v.is_finite() => Estimate::spread(*v, s, default.min, default.max),
                _ => Estimate::point(*v),
            });
        }
        NumDto::Estimate(e) => e,
    };
    let err = |field: &str, msg: String| cx.err(span.clone(), format!("{element}, {field}"), msg);
    for (field, v) in [("low", e.low), ("high", e.high), ("sd", e.sd)] {
        if let Some(v) = v
            && !v.is_finite()
        {
            return Err(err(
                field,
                format!("{field} is {v}; valid: a finite number"),
            ));
        }
    }
    let (low, high) = (e.low.unwrap_or(e.value), e.high.unwrap_or(e.value));
    if low > high {
        return Err(err(
            "low",
            format!("low = {low} is above high = {high}; valid: low <= value <= high"),
        ));
    }
    if !(low..=high).contains(&e.value) {
        return Err(err(
            "value",
            format!(
                "value = {} is outside its range [{low}, {high}]; valid: low <= value <= high",
                e.value
            ),
        ));
    }
    if low < default.min || high > default.max {
        return Err(err(
            if low < default.min { "low" } else { "high" },
            format!(
                "the range [{low}, {high}] leaves [{}, {}], where this number must lie",
                default.min, default.max
            ),
        ));
    }
    let dist = match (e.dist.as_deref(), e.sd) {
        (None | Some("triangular"), None) => Distribution::Triangular,
        (Some("uniform"), None) => Distribution::Uniform,
        (Some("normal"), Some(sd)) => {
            if sd <= 0.0 {
                return Err(err("sd", format!("sd is {sd}; valid: a number > 0")));
            }
            Distribution::Normal { sd }
        }
        (Some("normal"), None) => {
            return Err(err(
                "sd",
                "dist = \"normal\" needs `sd`, its standard deviation".into(),
            ));
        }
        (None | Some("triangular" | "uniform"), Some(_)) => {
            return Err(err("sd", "`sd` only applies to dist = \"normal\"".into()));
        }
        (Some(other), _) => {
            return Err(err(
                "dist",
                format!(
                    "unknown distribution '{other}'; valid: 'triangular' (default), 'uniform', 'normal'"
                ),
            ));
        }
    };
    check_sources(&e.sources, span.clone(), element)?;
    let mut est =
        Estimate::new(e.value, low, high, dist).map_err(|x| err("value", x.to_string()))?;
    est.basis = e.basis.clone();
    est.sources = e.sources.clone();
    Ok(est)
}

/// Checks an ISO `YYYY-MM-DD` date (calendar-valid, years 1000–9999).
fn check_date(s: &str) -> Result<(), String> {
    let bad = || format!("'{s}' is not a date; valid: YYYY-MM-DD, e.g. 2025-12-02");
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).ok_or_else(bad);
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if y < 1000 || d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// How [`to_toml_with`] writes a scenario.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Divide a party's utilities by their maximum when it exceeds 1 (e.g. GENIUS profiles
    /// whose weights add up to slightly more than 1), instead of refusing the scenario. This
    /// changes utilities (by the factor reported in the notes), so it is never done silently.
    pub renormalise: bool,
}

/// Writes a scenario in the native format.
///
/// Weights and values are written as the per-issue utility terms (weights = each issue's
/// largest term, values = term / weight), which reproduces every utility exactly up to float
/// rounding. A utility function that can exceed 1 before clipping (GENIUS) cannot be expressed
/// and is an error; [`to_toml_with`] can renormalise it instead.
///
/// To rewrite a native file with its numbers exactly as written, use [`rewrite_str`].
///
/// # Errors
/// When the scenario uses something the native format cannot express.
pub fn to_toml(s: &Scenario) -> Result<String, Error> {
    to_toml_with(s, &WriteOptions::default()).map(|(text, _)| text)
}

/// Rewrites native TOML text canonically (the layout of [`to_toml`]) while keeping every
/// number, name and note exactly as written: the file is validated by the reader, then its
/// parsed form is written back, so a weight of 20 stays 20 (an integer, not `20.0`) and
/// reading the result gives a scenario bit-identical to reading `text`. Floats are written in
/// the shortest form that reads back to the same value (`0.850` becomes `0.85`). `path` is
/// only used in messages.
///
/// # Errors
/// When `text` is not a valid native scenario (as [`read_str`]).
pub fn rewrite_str(text: &str, path: Option<&Path>) -> Result<String, Error> {
    read_str(text, path)?;
    let syntax = |e: toml::de::Error| Error::new(ErrorKind::Syntax, e.message().trim().to_string());
    let dto: FileDto = toml::from_str(text).map_err(syntax)?;
    let cannot =
        |e: toml::ser::Error| Error::new(ErrorKind::Invalid, format!("cannot write TOML: {e}"));
    // The DTO reads every number as f64; the source says which were integers.
    let mut out = toml::Value::try_from(&dto).map_err(cannot)?;
    let source: toml::Value = toml::from_str(text).map_err(syntax)?;
    restore_integers(&mut out, &source);
    toml::to_string(&out).map_err(cannot)
}

/// Gives back their integer type to the numbers of `out` that `source` wrote as integers at
/// the same place (same keys and array positions) with the same value.
fn restore_integers(out: &mut toml::Value, source: &toml::Value) {
    use toml::Value as V;
    match (out, source) {
        (V::Table(o), V::Table(s)) => {
            for (k, v) in o.iter_mut() {
                if let Some(sv) = s.get(k) {
                    restore_integers(v, sv);
                }
            }
        }
        (V::Array(o), V::Array(s)) => {
            for (v, sv) in o.iter_mut().zip(s) {
                restore_integers(v, sv);
            }
        }
        (v @ V::Float(_), V::Integer(i)) => {
            // i64 → f64 is how the reader saw the number; equal values only.
            #[allow(clippy::cast_precision_loss)]
            if matches!(v, V::Float(f) if *f == *i as f64) {
                *v = V::Integer(*i);
            }
        }
        _ => {}
    }
}

/// As [`to_toml`], with options; also returns notes on what the options changed (one line per
/// renormalised party).
///
/// # Errors
/// When the scenario uses something the native format cannot express.
pub fn to_toml_with(s: &Scenario, opts: &WriteOptions) -> Result<(String, Vec<String>), Error> {
    let mut notes = Vec::new();
    let space = s.space();
    let issues = (0..space.issues().len())
        .map(|i| write_issue(s, i))
        .collect();
    let mut parties = Vec::new();
    for pi in 0..s.parties().len() {
        parties.push(write_party(s, pi, opts, &mut notes)?);
    }
    let packages = s
        .packages
        .iter()
        .map(|pk| write_package(space, pk))
        .collect();
    let pname = |i: usize| s.parties()[i].name.clone();
    let dto = FileDto {
        name: s.name.clone(),
        description: s.description.clone(),
        provenance: s.provenance.clone(),
        as_of: s.as_of.clone().map(spanned),
        discount: None,
        rounds: (s.rounds != 100).then(|| spanned(i64::from(s.rounds))),
        sources: s
            .sources
            .iter()
            .map(|x| SourceDto {
                id: spanned(x.id.clone()),
                url: x.url.clone(),
                about: x.about.clone(),
                reliability: x.reliability.clone(),
            })
            .collect(),
        issues,
        parties,
        packages,
        mediator: s.mediator.as_ref().map(|m| MediatorDto {
            party: m.party_idx.map(|i| spanned(pname(i))),
            name: m.name.clone(),
            procedure: m.procedure.clone(),
            start: m.start.map(|k| spanned(s.packages[k].name.clone())),
        }),
        meetings: s
            .meetings
            .iter()
            .map(|m| MeetingDto {
                date: spanned(m.date.clone()),
                end_date: m.end_date.clone().map(spanned),
                place: m.place.clone(),
                parties: m.parties.iter().map(|&i| spanned(pname(i))).collect(),
                delegates: m.delegates.clone(),
                summary: m.summary.clone(),
                sources: m.sources.clone(),
            })
            .collect(),
    };
    let text = toml::to_string(&dto)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("cannot write TOML: {e}")))?;
    Ok((text, notes))
}

/// A value of issue `i` as the native format names it.
fn choice(space: &OutcomeSpace, i: usize, v: u32) -> ChoiceDto {
    match space.issues()[i].value(v) {
        Some(detente_core::Value::Integer(x)) => ChoiceDto::Integer(x),
        Some(detente_core::Value::Option(o)) => ChoiceDto::Name(o.to_string()),
        None => ChoiceDto::Name(String::new()),
    }
}

/// Issue `i` of `s`, with the analyst's notes on it and its options.
fn write_issue(s: &Scenario, i: usize) -> IssueDto {
    let issue = &s.space().issues()[i];
    let note = s.issue_notes.get(i).cloned().unwrap_or_default();
    let (options, range, step) = match issue.kind() {
        IssueKind::Discrete { options } => (
            Some(
                options
                    .iter()
                    .enumerate()
                    .map(|(k, o)| match note.options.get(k) {
                        Some(n)
                            if n.description.is_some()
                                || !n.proposed_by.is_empty()
                                || !n.sources.is_empty() =>
                        {
                            OptionDto::Full(OptionFullDto {
                                name: o.clone(),
                                description: n.description.clone(),
                                proposed_by: n.proposed_by.clone(),
                                sources: n.sources.clone(),
                            })
                        }
                        _ => OptionDto::Name(o.clone()),
                    })
                    .collect(),
            ),
            None,
            None,
        ),
        IssueKind::Integer { lo, hi, step } => (
            None,
            Some(spanned(vec![*lo, *hi])),
            (*step != 1).then(|| spanned(*step)),
        ),
    };
    IssueDto {
        name: spanned(issue.name().to_string()),
        description: note.description,
        category: note.category,
        unit: note.unit,
        options,
        range,
        step,
    }
}

/// Branch-and-bound nodes [`write_party`] may spend deciding whether a linked utility function
/// clipped at 1 ever exceeds 1 (a fraction of a second; the exact maximum of 50 issues with
/// GENIUS hyper-rectangle constraints is out of reach).
const CLIP_CHECK_NODES: u64 = 1_000_000;

/// Whether the raw (unclipped) utility of `u` exceeds 1 somewhere (`u.max()` is clipped, so it
/// cannot tell, and its unbounded search hung on 50-issue GENIUS profiles): at once when the sum of
/// the per-issue maxima and the positive link values stays within 1, else by a bounded exact
/// search; an `Unsupported` error naming `party` when that search runs out of nodes.
fn exceeds_one(u: &UtilityFunction, party: &str) -> Result<bool, Error> {
    let bound: f64 = u
        .terms()
        .iter()
        .map(|t| t.iter().copied().fold(0.0, f64::max))
        .sum::<f64>()
        + u.links().iter().map(|l| l.value().max(0.0)).sum::<f64>();
    if bound <= 1.0 + 1e-9 {
        return Ok(false);
    }
    match u.raw_max_within(CLIP_CHECK_NODES) {
        Some(m) => Ok(m > 1.0 + 1e-9),
        None => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "party '{party}' has utilities clipped at 1 (GENIUS semantics) and interaction terms; \
                 whether any outcome exceeds 1, which the native format cannot express, was not \
                 settled within {CLIP_CHECK_NODES} search nodes"
            ),
        )),
    }
}

/// Party `pi` of `s`: its preferences as weights and values in [0, 1] (renormalised when
/// `opts` says so, with a line in `notes`), red lines, links, and the analyst's material.
fn write_party(
    s: &Scenario,
    pi: usize,
    opts: &WriteOptions,
    notes: &mut Vec<String>,
) -> Result<PartyDto, Error> {
    let space = s.space();
    let p = &s.parties()[pi];
    let u = p.preferences.ufun();
    // Additive terms above 1 are refused (or renormalised) below; a clip can only bind
    // otherwise through links.
    if u.clips_at_one() && !u.links().is_empty() && exceeds_one(u, &p.name)? {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "party '{}' has utilities clipped at 1 (GENIUS semantics), which the native format cannot express",
                p.name
            ),
        ));
    }
    // Per-issue term maxima become the weights; the slack up to 1 goes to the first weighted
    // issue (whose values are scaled down to match), so the normalised weights reproduce
    // every utility: Σ (wᵢ/Σw)·(tᵢ/wᵢ) = Σ tᵢ when Σw = 1.
    let mut terms: Vec<Vec<f64>> = u.terms().to_vec();
    let mut highs: Vec<f64> = terms
        .iter()
        .map(|t| t.iter().copied().fold(0.0, f64::max))
        .collect();
    let raw_total: f64 = highs.iter().sum();
    if opts.renormalise && raw_total > 1.0 + 1e-12 {
        for t in &mut terms {
            t.iter_mut().for_each(|x| *x /= raw_total);
        }
        highs.iter_mut().for_each(|h| *h /= raw_total);
        notes.push(format!(
            "party '{}': utilities divided by {raw_total} (their maximum) to keep them in [0, 1]",
            p.name
        ));
    }
    for (i, t) in terms.iter().enumerate() {
        if t.iter().any(|&x| x < 0.0) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "party '{}' has a negative utility term on issue '{}'; the native format needs values in [0, 1]",
                    p.name,
                    space.issues()[i].name()
                ),
            ));
        }
    }
    let total: f64 = highs.iter().sum();
    if total > 1.0 + 1e-12 {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "party '{}' can reach a utility of {total} before clipping, above 1; the native format keeps utilities in [0, 1], so this utility function cannot be written exactly",
                p.name
            ),
        ));
    }
    let Some(first) = highs.iter().position(|&h| h > 0.0) else {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("party '{}' values every outcome at 0", p.name),
        ));
    };
    let mut weights = IndexMap::new();
    let mut values = IndexMap::new();
    for (i, t) in terms.iter().enumerate() {
        let w = if i == first {
            highs[i] + (1.0 - total).max(0.0)
        } else {
            highs[i]
        };
        if w <= 0.0 {
            continue;
        }
        let name = space.issues()[i].name().to_string();
        weights.insert(name.clone(), spanned(NumDto::Point(w)));
        let vals: Vec<f64> = t.iter().map(|x| (x / w).clamp(0.0, 1.0)).collect();
        values.insert(
            name,
            spanned(ValueSpecDto::List(
                vals.into_iter().map(NumDto::Point).collect(),
            )),
        );
    }
    // Integer issues need points, not lists: one point per grid value.
    for issue in space.issues() {
        if let IssueKind::Integer { lo, step, .. } = issue.kind()
            && let Some(v) = values.get_mut(issue.name())
            && let ValueSpecDto::List(l) = v.get_ref()
        {
            let pts = l
                .iter()
                .enumerate()
                .map(|(k, y)| ((*lo + k as i64 * step) as f64, y.clone()))
                .collect();
            *v = spanned(ValueSpecDto::Points(PointsDto { points: pts }));
        }
    }
    let links = links::write_links(space, p.preferences.ufun());
    let pv = &p.provenance;
    let mut dto = PartyDto {
        name: spanned(p.name.clone()),
        description: p.description.clone(),
        role: (p.role != Role::Principal).then(|| spanned(p.role.as_str().to_string())),
        reservation: Some(spanned(NumDto::Point(p.preferences.reservation()))),
        uncertainty: None,
        discount: (p.preferences.discount() != 1.0).then(|| spanned(p.preferences.discount())),
        time_discount: None,
        weights,
        red_lines: write_red_lines(space, p),
        links,
        provenance: (pv.reservation.is_some() || pv.weights.is_some() || pv.values.is_some()).then(
            || ProvenanceDto {
                reservation: pv.reservation.clone(),
                weights: pv.weights.clone(),
                values: pv.values.clone(),
            },
        ),
        delegation: p.delegation.clone(),
        batna: p.batna.clone(),
        values,
    };
    if let Some(model) = s.uncertainty.as_ref().and_then(|u| u.parties.get(pi)) {
        write_model(&mut dto, model, p, space);
    }
    Ok(dto)
}

/// A party's red lines: per issue (with the analyst's basis and sources), then conditional.
fn write_red_lines(space: &OutcomeSpace, p: &Party) -> Vec<RedLineDto> {
    let red_lines = p.preferences.red_lines();
    let mut out: Vec<RedLineDto> = red_lines
        .per_issue()
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, f)| {
            let note = p.red_line_notes.iter().find(|n| n.issue_idx == i);
            RedLineDto {
                issue: spanned(space.issues()[i].name().to_string()),
                options: f.iter().map(|&v| choice(space, i, v)).collect(),
                basis: note.and_then(|n| n.basis.clone()),
                sources: note.map(|n| n.sources.clone()).unwrap_or_default(),
                confidence: None,
                unless: None,
                only_if: None,
            }
        })
        .collect();
    out.extend(
        red_lines
            .conditional()
            .iter()
            .map(|r| links::write_conditional(space, r, None)),
    );
    out
}

/// A reported package, its partial outcome by issue name.
fn write_package(space: &OutcomeSpace, pk: &Package) -> PackageDto {
    PackageDto {
        name: spanned(pk.name.clone()),
        label: pk.label.clone(),
        date: pk.date.clone().map(spanned),
        sources: pk.sources.clone(),
        notes: pk.notes.clone(),
        outcome: pk
            .choices
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                let v = if c.len() == 1 {
                    PackageChoiceDto::One(choice(space, i, c[0]))
                } else {
                    PackageChoiceDto::Alternatives(c.iter().map(|&v| choice(space, i, v)).collect())
                };
                Some((space.issues()[i].name().to_string(), spanned(v)))
            })
            .collect(),
    }
}

/// Writes a party's numbers as the analyst gave them (with their ranges, default spreads and
/// red-line confidences) in place of the normalised terms.
fn write_model(dto: &mut PartyDto, model: &PartyModel, party: &Party, space: &OutcomeSpace) {
    let num = |e: &Estimate| -> NumDto {
        if !e.explicit {
            return NumDto::Point(e.value);
        }
        let range = !e.is_point();
        NumDto::Estimate(EstimateDto {
            value: e.value,
            low: range.then_some(e.low),
            high: range.then_some(e.high),
            dist: match e.dist {
                Distribution::Triangular => None,
                d => Some(d.as_str().to_string()),
            },
            sd: match e.dist {
                Distribution::Normal { sd } => Some(sd),
                _ => None,
            },
            basis: e.basis.clone(),
            sources: e.sources.clone(),
        })
    };
    let issues = space.issues();
    dto.weights = IndexMap::new();
    dto.values = IndexMap::new();
    for (i, issue) in issues.iter().enumerate() {
        let (Some(w), Some(v)) = (model.weights.get(i), model.values.get(i)) else {
            continue;
        };
        if w.value == 0.0 && !w.explicit && v.is_none() {
            continue;
        }
        dto.weights
            .insert(issue.name().to_string(), spanned(num(w)));
        let spec = match (v, issue.kind()) {
            (Some(ValueModel::Table(t)), IssueKind::Discrete { options }) => ValueSpecDto::Table(
                options
                    .iter()
                    .zip(t)
                    .map(|(o, e)| (o.clone(), num(e)))
                    .collect(),
            ),
            (Some(ValueModel::Table(t)), IssueKind::Integer { lo, step, .. }) => {
                ValueSpecDto::Points(PointsDto {
                    points: t
                        .iter()
                        .enumerate()
                        .map(|(k, e)| ((*lo + k as i64 * step) as f64, num(e)))
                        .collect(),
                })
            }
            (Some(ValueModel::Piecewise(pts)), _) => ValueSpecDto::Points(PointsDto {
                points: pts.iter().map(|(x, e)| (*x, num(e))).collect(),
            }),
            (None, _) => continue,
        };
        dto.values.insert(issue.name().to_string(), spanned(spec));
    }
    dto.reservation = Some(spanned(num(&model.reservation)));
    let sp = model.spreads;
    dto.uncertainty = (sp != Spreads::default()).then(|| {
        spanned(SpreadsDto {
            values: sp.values,
            weights: sp.weights,
            reservation: sp.reservation,
        })
    });
    // One red-line entry per note, so each keeps its own confidence.
    if model.red_lines.len() == party.red_line_notes.len() {
        dto.red_lines = party
            .red_line_notes
            .iter()
            .zip(&model.red_lines)
            .map(|(n, r)| RedLineDto {
                issue: spanned(issues[n.issue_idx].name().to_string()),
                options: n
                    .values
                    .iter()
                    .map(|&v| match issues[n.issue_idx].value(v) {
                        Some(detente_core::Value::Integer(x)) => ChoiceDto::Integer(x),
                        Some(detente_core::Value::Option(o)) => ChoiceDto::Name(o.to_string()),
                        None => ChoiceDto::Name(String::new()),
                    })
                    .collect(),
                basis: n.basis.clone(),
                sources: n.sources.clone(),
                confidence: (r.confidence < 1.0).then(|| spanned(r.confidence)),
                unless: None,
                only_if: None,
            })
            .collect();
        // Conditional red lines, each with its own confidence, basis and sources.
        let conditional = party.preferences.red_lines().conditional();
        for (k, r) in conditional.iter().enumerate() {
            let note =
                (model.conditional.len() == conditional.len()).then(|| &model.conditional[k]);
            dto.red_lines.push(links::write_conditional(space, r, note));
        }
    }
    // Link values as estimates.
    if model.links.len() == dto.links.len() {
        for (l, m) in dto.links.iter_mut().zip(&model.links) {
            l.value = spanned(num(&m.value));
        }
    }
}

/// Wraps a value for writing (spans only matter when reading).
fn spanned<T>(x: T) -> Spanned<T> {
    Spanned::new(0..0, x)
}

mod links;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod links_tests;

#[cfg(test)]
mod estimate_tests;
