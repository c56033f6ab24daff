//! GENIUS non-linear profiles (ANAC 2014, `<utility_space type="nonlinear">`): read and write.
//!
//! A non-linear profile sums *hyper-rectangles*: each pays its `utility` (times its optional
//! `weight`) when every `<INCLUDES index min max>` bound holds, i.e. when the integer value of
//! issue `index` lies in `[min, max]`. GENIUS's semantics, from its sources (negotiator.utility
//! in the GENIUS 6 code base, e.g. the NegotiatorGUI tree):
//!
//! * `NonlinearUtilitySpace.getUtility(bid)` = `min(1, f(bid) / maxUtilityValue)`, where
//!   `maxUtilityValue` is the `maxutility` attribute of `<utility>`, read as written by
//!   `loadNonlinearSpace` (never computed, never checked; no clip below).
//! * `f` is the root `<ufun>` (`UtilityFunction.getUtility`): with `aggregation="sum"` the sum
//!   of its rectangles' utilities plus each nested `<ufun>`'s utility times that ufun's
//!   `weight` (the root's own weight is not applied). `min` / `max` aggregation exist too.
//! * `InclusiveHyperRectangle.getUtility`: `utility · weight` when every bound holds, else 0; a
//!   rectangle without bounds always pays. `ExclusiveHyperRectangle` (`<EXCLUDES>` bounds) pays
//!   when some bound fails (loadHyperRectangles makes a rectangle exclusive when it has EXCLUDES
//!   children).
//!
//! In detente a rectangle is a [`Link`] with value `utility · weight · Π(nested weights) /
//! maxutility` whose condition is the conjunction of the bounds, the additive part is zero and
//! the function clips at 1: the same utility for every outcome. An EXCLUDES rectangle of value
//! `v` is the constant `v` (a link with no clause) plus a link of value `−v` on its bounds.
//! Discount factor and reservation value are read as for linear profiles.
//!
//! Unsupported (an error naming file, line and element): `min` / `max` aggregation, a rectangle
//! mixing INCLUDES and EXCLUDES, bounds on a discrete issue. Errors: a bound naming an issue
//! index the domain lacks, `min > max`, a range holding no value of the issue, a missing or
//! non-positive `maxutility`.

use std::fmt::Write as _;
use std::path::Path;

use detente_core::links::{Condition, Link, ValueSet};
use detente_core::{IssueKind, OutcomeSpace, Preferences, RedLines, Scenario, UtilityFunction};

use super::xml::Element;
use super::{Domain, err, int_attr, num_attr, single_value};
use crate::{Error, ErrorKind, Warning};

/// Whether a profile root is a non-linear (hyper-rectangle) profile.
pub(super) fn is_nonlinear(root: &Element) -> bool {
    root.name == "utility_space"
        && root
            .attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("nonlinear"))
}

/// Reads one non-linear profile into preferences over the domain's space.
pub(super) fn preferences(
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
            "expected an <objective> child holding the issues and the <utility>",
        )
    })?;
    let utility = objective
        .child("utility")
        .or_else(|| root.child("utility"))
        .ok_or_else(|| {
            err(
                ErrorKind::Invalid,
                path,
                objective,
                "expected a <utility maxutility=\"…\"> element holding the hyper-rectangles",
            )
        })?;
    let max_utility = num_attr(path, utility, "maxutility")?;
    if max_utility <= 0.0 {
        return Err(err(
            ErrorKind::Invalid,
            path,
            utility,
            format!("maxutility is {max_utility}; GENIUS divides by it, so it must be > 0"),
        ));
    }
    let ufun_el = utility.child("ufun").ok_or_else(|| {
        err(
            ErrorKind::Invalid,
            path,
            utility,
            "expected a <ufun aggregation=\"sum\"> child",
        )
    })?;
    let mut links = Vec::new();
    collect(
        path,
        ufun_el,
        1.0 / max_utility,
        domain,
        space,
        &mut links,
        0,
    )?;
    let n = space.issues().len();
    let terms: Vec<Vec<f64>> = space
        .issues()
        .iter()
        .map(|i| vec![0.0; i.n_values() as usize])
        .collect();
    let ufun = UtilityFunction::from_terms(space, terms, true)
        .and_then(|u| u.with_links(links))
        .map_err(|e| super::core_err(path, e))?;
    let reservation = single_value(path, root, objective, "reservation", warnings)?.unwrap_or(0.0);
    let discount = match single_value(path, root, objective, "discount_factor", warnings)? {
        Some(d) if d > 0.0 && d < 1.0 => d,
        _ => 1.0,
    };
    Preferences::new(ufun, reservation, RedLines::none(n), 1.0)
        .and_then(|p| p.with_discount(discount))
        .map_err(|e| super::core_err(path, e))
}

/// Adds the rectangles of `ufun` (and of its nested ufuns) with their values scaled by `scale`.
fn collect(
    path: &Path,
    ufun: &Element,
    scale: f64,
    domain: &Domain,
    space: &OutcomeSpace,
    out: &mut Vec<Link>,
    depth: usize,
) -> Result<(), Error> {
    let agg = ufun
        .attr("aggregation")
        .map(|a| a.trim().to_ascii_lowercase());
    match agg.as_deref() {
        None | Some("sum") => {}
        Some(other) => {
            return Err(err(
                ErrorKind::Unsupported,
                path,
                ufun,
                format!(
                    "aggregation=\"{other}\" is not supported; only sums of hyper-rectangles \
                     (aggregation=\"sum\") are"
                ),
            ));
        }
    }
    for el in &ufun.children {
        match el.name.as_str() {
            "hyperRectangle" => rectangle(path, el, scale, domain, space, out)?,
            "ufun" => {
                if depth > 64 {
                    return Err(err(ErrorKind::Invalid, path, el, "ufuns nested too deep"));
                }
                let w = match el.attr("weight") {
                    Some(_) => num_attr(path, el, "weight")?,
                    None => 1.0,
                };
                collect(path, el, scale * w, domain, space, out, depth + 1)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn rectangle(
    path: &Path,
    el: &Element,
    scale: f64,
    domain: &Domain,
    space: &OutcomeSpace,
    out: &mut Vec<Link>,
) -> Result<(), Error> {
    let u = num_attr(path, el, "utility")?;
    let w = match el.attr("weight") {
        Some(_) => num_attr(path, el, "weight")?,
        None => 1.0,
    };
    let value = u * w * scale;
    let includes: Vec<&Element> = el.children_named("INCLUDES").collect();
    let excludes: Vec<&Element> = el.children_named("EXCLUDES").collect();
    if !includes.is_empty() && !excludes.is_empty() {
        return Err(err(
            ErrorKind::Unsupported,
            path,
            el,
            "a hyper-rectangle with both INCLUDES and EXCLUDES bounds is not supported",
        ));
    }
    let bounds = if excludes.is_empty() {
        &includes
    } else {
        &excludes
    };
    let mut clauses: Vec<(usize, ValueSet)> = Vec::new();
    for b in bounds {
        let index = int_attr(path, b, "index")?;
        let (min, max) = (int_attr(path, b, "min")?, int_attr(path, b, "max")?);
        let Some(pos) = domain.issues.iter().position(|d| d.index == index) else {
            return Err(err(
                ErrorKind::Invalid,
                path,
                b,
                format!("no issue has index {index} in the domain"),
            ));
        };
        let issue = &space.issues()[pos];
        let IssueKind::Integer { lo, hi, .. } = issue.kind() else {
            return Err(err(
                ErrorKind::Unsupported,
                path,
                b,
                format!(
                    "issue '{}' is discrete; hyper-rectangle bounds apply to integer issues",
                    issue.name()
                ),
            ));
        };
        if min > max {
            return Err(err(
                ErrorKind::Invalid,
                path,
                b,
                format!("min {min} > max {max} on issue '{}'", issue.name()),
            ));
        }
        let (a, z) = (min.max(*lo), max.min(*hi));
        if a > z {
            return Err(err(
                ErrorKind::Invalid,
                path,
                b,
                format!(
                    "the range [{min}, {max}] holds no value of issue '{}' ({lo}..={hi})",
                    issue.name()
                ),
            ));
        }
        let set = ValueSet::range((a - lo) as u32, (z - lo) as u32);
        // Two bounds on one issue: both must hold (INCLUDES), so intersect them.
        if let Some(c) = clauses.iter_mut().find(|c| c.0 == pos) {
            let both = c.1.intersect(&set);
            if both.is_empty() && excludes.is_empty() {
                // Never satisfied: the rectangle never pays.
                return Ok(());
            }
            c.1 = both;
        } else {
            clauses.push((pos, set));
        }
    }
    let link = |clauses: Vec<(usize, ValueSet)>, v: f64| -> Result<Link, Error> {
        Condition::new(space, clauses)
            .and_then(|c| Link::new(c, v))
            .map_err(|e| err(ErrorKind::Invalid, path, el, e.to_string()))
    };
    if excludes.is_empty() || clauses.is_empty() {
        out.push(link(clauses, value)?);
    } else {
        // Pays unless every bound holds: v − v·[all hold].
        out.push(link(Vec::new(), value)?);
        out.push(link(clauses, -value)?);
    }
    Ok(())
}

/// Whether a party must be written as a non-linear profile.
pub(super) fn needed(s: &Scenario, p: usize) -> bool {
    !s.parties()[p].preferences.ufun().is_additive()
}

/// A party's preferences as a non-linear profile: every additive term as a one-issue
/// rectangle, every link as one rectangle per combination of its ranges (disjoint, so the sum
/// pays the link's value once), `maxutility="1"` and the clip at 1.
///
/// # Errors
/// When the space has a discrete issue (rectangles bound integer issues), or the party's
/// utility can exceed 1 without a clip (GENIUS clips at 1).
pub(super) fn profile_xml(s: &Scenario, p: usize, scenario_name: &str) -> Result<String, Error> {
    let party = &s.parties()[p];
    let prefs = &party.preferences;
    let u = prefs.ufun();
    let issues = s.space().issues();
    let mut bounds = Vec::with_capacity(issues.len());
    for issue in issues {
        match issue.kind() {
            IssueKind::Integer { lo, step: 1, .. } => bounds.push(*lo),
            _ => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "party '{}' has linked preferences, written as a GENIUS non-linear \
                         profile, whose hyper-rectangles bound integer issues of step 1 only; \
                         issue '{}' is not one",
                        party.name,
                        issue.name()
                    ),
                ));
            }
        }
    }
    if !u.clips_at_one() && u.max() > 1.0 + 1e-12 {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "party '{}' reaches utility {} above 1 without clipping; GENIUS clips every \
                 utility at 1, so the file would change its preferences",
                party.name,
                u.max()
            ),
        ));
    }
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<utility_space type=\"nonlinear\">\n");
    let _ = writeln!(
        x,
        "<objective description=\"\" etype=\"objective\" index=\"0\" name=\"{}\" type=\"objective\">",
        esc(scenario_name)
    );
    for (i, issue) in issues.iter().enumerate() {
        let IssueKind::Integer { lo, hi, .. } = issue.kind() else {
            continue;
        };
        let _ = writeln!(
            x,
            "   <issue etype=\"integer\" index=\"{}\" name=\"{}\" type=\"integer\" vtype=\"integer\" lowerbound=\"{lo}\" upperbound=\"{hi}\"/>",
            i + 1,
            esc(issue.name())
        );
    }
    x.push_str("   <utility maxutility=\"1.0\">\n");
    x.push_str("      <ufun type=\"PlainUfun\" weight=\"1\" aggregation=\"sum\">\n");
    let rect = |x: &mut String, v: f64, clauses: &[(usize, (u32, u32))]| {
        let _ = writeln!(x, "         <hyperRectangle utility=\"{v:?}\">");
        for &(i, (a, b)) in clauses {
            let lo = bounds[i];
            let _ = writeln!(
                x,
                "            <INCLUDES index=\"{}\" min=\"{}\" max=\"{}\"/>",
                i + 1,
                lo + i64::from(a),
                lo + i64::from(b)
            );
        }
        x.push_str("         </hyperRectangle>\n");
    };
    for (i, t) in u.terms().iter().enumerate() {
        for (k, &v) in t.iter().enumerate() {
            if v != 0.0 {
                rect(&mut x, v, &[(i, (k as u32, k as u32))]);
            }
        }
    }
    for l in u.links() {
        // One rectangle per combination of the clauses' ranges.
        let clauses = l.condition().clauses();
        let mut combos: Vec<Vec<(usize, (u32, u32))>> = vec![Vec::new()];
        for (i, set) in clauses {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    set.ranges().iter().map(move |r| {
                        let mut c = c.clone();
                        c.push((*i, *r));
                        c
                    })
                })
                .collect();
        }
        for c in combos {
            rect(&mut x, l.value(), &c);
        }
    }
    x.push_str("      </ufun>\n   </utility>\n</objective>\n");
    if prefs.discount() < 1.0 {
        let _ = writeln!(x, "<discount_factor value=\"{:?}\"/>", prefs.discount());
    }
    let _ = writeln!(x, "<reservation value=\"{:?}\"/>", prefs.reservation());
    x.push_str("</utility_space>\n");
    Ok(x)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
