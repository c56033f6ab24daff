//! Writing: a domain file and one profile per party that read back to the same utilities.

use std::fmt::Write as _;

use detente_core::{Issue, IssueKind, Scenario};

use crate::files::{Rendered, has_analyst_material, safe_file_name};
use crate::{Error, ErrorKind, Warning};

/// Terms or utilities that differ by at most this much are the same when checking that a
/// written file reproduces the scenario.
const WRITE_EPS: f64 = 1e-12;

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
            message: "GENIUS files have no place for sources, packages, meetings, the mediator, \
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
    if super::nonlinear::needed(s, p) {
        return super::nonlinear::profile_xml(s, p, scenario_name);
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
