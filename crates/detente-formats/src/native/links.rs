//! Linked preferences in the native format: `[[parties.links]]` interaction terms and
//! conditional red lines (`unless` / `only_if` on a `[[parties.red_lines]]` entry).
//!
//! ```toml
//! [[parties.links]]
//! when = { T1 = ["Ukraine-only withdrawal into DMZ"], A4 = ["ratified"] }
//! value = 0.08
//!
//! [[parties.links]]
//! when = { ceasefire_days = { min = 60, max = 180 }, referendum = ["held"] }
//! value = -0.05
//!
//! [[parties.red_lines]]
//! issue = "T1"
//! options = ["Ukraine-only withdrawal into DMZ"]
//! unless = { A4 = ["ratified"] }
//! ```
//!
//! A condition maps issue names to the values that satisfy it: option names for a discrete
//! issue, integers or `{ min, max }` (inclusive, on the issue's grid) for an integer issue.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use detente_core::links::{Condition, ConditionalRedLine, Link, Requirement, ValueSet};
use detente_core::{IssueKind, OutcomeSpace, UtilityFunction};

use super::{ChoiceDto, Ctx, Default, NumDto, RedLineDto, spanned};
use crate::error::Error;
use detente_core::uncertainty::UncertainLink;

/// One `[[parties.links]]` entry.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkDto {
    pub(super) when: Spanned<ConditionDto>,
    /// A number, or an estimate `{ value, low, high, basis, sources }` like every other.
    pub(super) value: Spanned<NumDto>,
}

/// Issue name -> the values that satisfy the condition on it.
pub(super) type ConditionDto = IndexMap<String, Spanned<SetDto>>;

/// The values of one issue in a condition.
#[derive(Deserialize, Serialize)]
#[serde(untagged)]
pub(super) enum SetDto {
    /// Option names, or integers.
    List(Vec<ChoiceDto>),
    /// An inclusive integer range.
    Range(RangeDto),
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeDto {
    min: i64,
    max: i64,
}

/// Resolves a condition, with errors naming the line, the element and the issue or option.
pub(super) fn condition(
    cx: &Ctx<'_>,
    space: &OutcomeSpace,
    when: &Spanned<ConditionDto>,
    el: &str,
) -> Result<Condition, Error> {
    if when.get_ref().is_empty() {
        return Err(cx.err(
            when.span(),
            el,
            "the condition is empty; name at least one issue and its values",
        ));
    }
    let names: Vec<&str> = space.issues().iter().map(|i| i.name()).collect();
    let mut clauses = Vec::new();
    for (name, set) in when.get_ref() {
        let at = format!("{el}, {name}");
        let Some(idx) = space.issue_index(name) else {
            return Err(cx.err(
                set.span(),
                el,
                format!("unknown issue '{name}'; valid: {}", names.join(", ")),
            ));
        };
        let issue = &space.issues()[idx];
        let values: Vec<u32> = match (set.get_ref(), issue.kind()) {
            (SetDto::List(l), _) if l.is_empty() => {
                return Err(cx.err(
                    set.span(),
                    at,
                    format!("no values given for issue '{name}'; give at least one"),
                ));
            }
            (SetDto::List(l), kind) => {
                let mut out = Vec::with_capacity(l.len());
                for c in l {
                    let v = match (kind, c) {
                        (IssueKind::Discrete { options }, ChoiceDto::Name(n)) => {
                            issue.option_index(n).ok_or_else(|| {
                                format!(
                                    "unknown option '{n}' of issue '{name}'; valid: {}",
                                    options.join(", ")
                                )
                            })
                        }
                        (IssueKind::Integer { lo, hi, step }, ChoiceDto::Integer(x)) => {
                            issue.integer_index(*x).ok_or_else(|| {
                                format!(
                                    "{x} is not a value of issue '{name}'; valid: {lo}..={hi} in steps of {step}"
                                )
                            })
                        }
                        (IssueKind::Discrete { .. }, ChoiceDto::Integer(x)) => Err(format!(
                            "issue '{name}' is discrete; give option names instead of {x}"
                        )),
                        (IssueKind::Integer { .. }, ChoiceDto::Name(n)) => Err(format!(
                            "issue '{name}' is an integer issue; give integers or {{ min, max }} instead of '{n}'"
                        )),
                    }
                    .map_err(|m| cx.err(set.span(), at.clone(), m))?;
                    out.push(v);
                }
                out
            }
            (SetDto::Range(r), IssueKind::Integer { lo, hi, step }) => {
                if r.min > r.max {
                    return Err(cx.err(
                        set.span(),
                        at,
                        format!(
                            "the range of issue '{name}' has min {} > max {}",
                            r.min, r.max
                        ),
                    ));
                }
                let out: Vec<u32> = (0..issue.n_values())
                    .filter(|&k| {
                        let x = lo + i64::from(k) * step;
                        (r.min..=r.max).contains(&x)
                    })
                    .collect();
                if out.is_empty() {
                    return Err(cx.err(
                        set.span(),
                        at,
                        format!(
                            "the range {}..={} holds no value of issue '{name}' ({lo}..={hi} in steps of {step})",
                            r.min, r.max
                        ),
                    ));
                }
                out
            }
            (SetDto::Range(_), IssueKind::Discrete { .. }) => {
                return Err(cx.err(
                    set.span(),
                    at,
                    format!("issue '{name}' is discrete; give option names, not a range"),
                ));
            }
        };
        clauses.push((idx, ValueSet::from_indices(values)));
    }
    Condition::new(space, clauses).map_err(|e| cx.err(when.span(), el, e.to_string()))
}

/// Adds a party's `[[parties.links]]` to its utility function; also returns each link's value
/// as an estimate (a plain number is a point).
pub(super) fn attach(
    cx: &Ctx<'_>,
    space: &OutcomeSpace,
    ufun: UtilityFunction,
    links: &[LinkDto],
    party_el: &str,
) -> Result<(UtilityFunction, Vec<UncertainLink>), Error> {
    if links.is_empty() {
        return Ok((ufun, Vec::new()));
    }
    let mut out = Vec::with_capacity(links.len());
    let mut est = Vec::with_capacity(links.len());
    for (k, l) in links.iter().enumerate() {
        let el = format!("{party_el}, links[{k}]");
        let c = condition(cx, space, &l.when, &format!("{el}, when"))?;
        let v = l.value.get_ref().value();
        let link = Link::new(c.clone(), v).map_err(|_| {
            cx.err(
                l.value.span(),
                format!("{el}, value"),
                format!("value is {v}; valid: a finite number"),
            )
        })?;
        let e = cx.estimate(
            l.value.get_ref(),
            l.value.span(),
            &format!("{el}, value"),
            Default {
                spread: None,
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
            },
        )?;
        out.push(link);
        est.push(UncertainLink {
            condition: c,
            value: e,
        });
    }
    let ufun = ufun
        .with_links(out)
        .map_err(|e| cx.err(links[0].when.span(), party_el, e.to_string()))?;
    Ok((ufun, est))
}

/// A conditional red line: options `values` of issue `issue` with `unless` or `only_if`.
pub(super) fn conditional(
    cx: &Ctx<'_>,
    space: &OutcomeSpace,
    issue: usize,
    values: Vec<u32>,
    unless: Option<&Spanned<ConditionDto>>,
    only_if: Option<&Spanned<ConditionDto>>,
    el: &str,
) -> Result<ConditionalRedLine, Error> {
    let (req, when, key) = match (unless, only_if) {
        (Some(u), None) => (Requirement::Unless, u, "unless"),
        (None, Some(o)) => (Requirement::OnlyIf, o, "only_if"),
        (Some(u), Some(_)) => {
            return Err(cx.err(u.span(), el, "give either `unless` or `only_if`, not both"));
        }
        (None, None) => unreachable!("called for conditional red lines only"),
    };
    let el = format!("{el}, {key}");
    let c = condition(cx, space, when, &el)?;
    ConditionalRedLine::new(space, issue, ValueSet::from_indices(values), req, c)
        .map_err(|e| cx.err(when.span(), el, e.to_string()))
}

/// The values of a set as written: option names, or integers (a `{ min, max }` range when
/// they are a run of two or more consecutive grid values).
fn set_dto(space: &OutcomeSpace, issue: usize, set: &ValueSet) -> SetDto {
    let iss = &space.issues()[issue];
    match iss.kind() {
        IssueKind::Discrete { options } => SetDto::List(
            set.indices()
                .map(|v| ChoiceDto::Name(options[v as usize].clone()))
                .collect(),
        ),
        IssueKind::Integer { lo, step, .. } => {
            let x = |v: u32| lo + i64::from(v) * step;
            match set.ranges() {
                [(a, b)] if b > a => SetDto::Range(RangeDto {
                    min: x(*a),
                    max: x(*b),
                }),
                _ => SetDto::List(set.indices().map(|v| ChoiceDto::Integer(x(v))).collect()),
            }
        }
    }
}

fn condition_dto(space: &OutcomeSpace, c: &Condition) -> ConditionDto {
    c.clauses()
        .iter()
        .map(|(i, s)| {
            (
                space.issues()[*i].name().to_string(),
                spanned(set_dto(space, *i, s)),
            )
        })
        .collect()
}

/// The links of a utility function as `[[parties.links]]` entries.
pub(super) fn write_links(space: &OutcomeSpace, u: &UtilityFunction) -> Vec<LinkDto> {
    u.links()
        .iter()
        .map(|l| LinkDto {
            when: spanned(condition_dto(space, l.condition())),
            value: spanned(NumDto::Point(l.value())),
        })
        .collect()
}

/// A conditional red line as a `[[parties.red_lines]]` entry.
pub(super) fn write_conditional(
    space: &OutcomeSpace,
    r: &ConditionalRedLine,
    note: Option<&detente_core::uncertainty::UncertainConditional>,
) -> RedLineDto {
    let iss = &space.issues()[r.issue()];
    let options = r
        .values()
        .indices()
        .map(|v| match iss.value(v) {
            Some(detente_core::Value::Integer(x)) => ChoiceDto::Integer(x),
            Some(detente_core::Value::Option(o)) => ChoiceDto::Name(o.to_string()),
            None => ChoiceDto::Name(String::new()),
        })
        .collect();
    let c = Some(spanned(condition_dto(space, r.condition())));
    let (unless, only_if) = match r.requirement() {
        Requirement::Unless => (c, None),
        Requirement::OnlyIf => (None, c),
    };
    RedLineDto {
        issue: spanned(iss.name().to_string()),
        options,
        basis: note.and_then(|n| n.basis.clone()),
        sources: note.map(|n| n.sources.clone()).unwrap_or_default(),
        confidence: note
            .filter(|n| n.confidence < 1.0)
            .map(|n| spanned(n.confidence)),
        unless,
        only_if,
    }
}
