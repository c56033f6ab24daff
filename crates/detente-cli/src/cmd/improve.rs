//! `detente improve`: post-settlement improvement (Raiffa 1985, "Post-settlement settlements").
//! Given a tentative agreement (a value on every issue) or a complete reported draft, the
//! packages every party strictly prefers to it, counted exactly, and the one that maximises the
//! smallest gain (ties: the larger total gain). The analyst holds every party's preferences, as
//! a trusted neutral would; the search is `TrustedNeutral::improve`, exact or an error.

use std::io::{self, Write};

use anyhow::Result;
use clap::Args;
use serde_json::{Value, json};

use detente_core::protocol::{Confided, TrustedNeutral, package_from_names};
use detente_core::{Outcome, Scenario};

use super::{ScenarioArgs, UsageError, count, grouped};

#[derive(Args, Debug)]
pub(crate) struct ImproveArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// The tentative agreement: ISSUE=OPTION pairs separated by commas, one per issue (an
    /// option name may itself hold commas: a comma starts a new pair only before a known issue
    /// name and `=`). Integer issues take a number.
    #[arg(
        long,
        value_name = "ISSUE=OPTION,...",
        required_unless_present = "draft",
        conflicts_with = "draft"
    )]
    agreement: Option<String>,
    /// A reported draft of the scenario (`[[packages]]`) that decides every issue.
    #[arg(long, value_name = "NAME")]
    draft: Option<String>,
    /// How many improving packages the text lists, in enumeration order (`--json` lists up
    /// to 1,000).
    #[arg(long, value_name = "N", default_value_t = 10)]
    list: usize,
    /// Print one JSON object instead of the text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &ImproveArgs) -> Result<()> {
    let s = args.scenario.load_negotiable()?;
    let (tentative, label) = tentative(&s, args)?;
    let neutral = TrustedNeutral::new(&s, Confided::all(&s))?;
    let imp = neutral.improve(&tentative)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.json {
        let package = |o: &Outcome| {
            json!({
                "outcome": detente_report::json::outcome(&s, o),
                "utilities": detente_report::json::per_party(&s, &s.utilities(o)),
            })
        };
        let best = imp.best.as_ref().map_or(Value::Null, |o| {
            let mut p = package(o);
            p["gains"] = detente_report::json::per_party(&s, &imp.gains);
            p["changes"] = changes_json(&s, &tentative, o);
            p
        });
        let j = json!({
            "scenario": s.name,
            "tentative": {
                "label": label,
                "outcome": detente_report::json::outcome(&s, &tentative),
                "utilities": detente_report::json::per_party(&s, &imp.tentative),
                "acceptable_to_all": s.parties().iter().all(|p| p.preferences.is_acceptable(&tentative)),
            },
            "count": imp.count,
            "listed": imp.listed.iter().map(package).collect::<Vec<_>>(),
            "best": best,
        });
        serde_json::to_writer_pretty(&mut out, &j)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    writeln!(
        out,
        "Post-settlement improvement (Raiffa): packages every party strictly prefers to {label}"
    )?;
    let gains = |values: &[f64], base: &[f64]| -> String {
        s.parties()
            .iter()
            .zip(values.iter().zip(base))
            .map(|(p, (u, b))| format!("{} {u:.3} ({:+.3})", p.name, u - b))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let walk: Vec<f64> = s
        .parties()
        .iter()
        .map(|p| p.preferences.reservation())
        .collect();
    let unacceptable: Vec<&str> = s
        .parties()
        .iter()
        .filter(|p| !p.preferences.is_acceptable(&tentative))
        .map(|p| p.name.as_str())
        .collect();
    writeln!(
        out,
        "  tentative agreement (gain over walk-away): {}",
        gains(&imp.tentative, &walk)
    )?;
    if !unacceptable.is_empty() {
        writeln!(
            out,
            "  it is unacceptable to {} (below walk-away or across a red line)",
            unacceptable.join(", ")
        )?;
    }
    let Some(best) = &imp.best else {
        writeln!(
            out,
            "  No package gives every party more (exact): the tentative agreement cannot be \
             improved for all (it is weakly Pareto-optimal)"
        )?;
        out.flush()?;
        return Ok(());
    };
    writeln!(
        out,
        "  {} every party strictly prefers (exact count)",
        count(imp.count, "package")
    )?;
    writeln!(
        out,
        "\n  Proposed improvement (it maximises the smallest gain; gain over the tentative agreement):"
    )?;
    writeln!(out, "    {}", gains(&s.utilities(best), &imp.tentative))?;
    write_changes(&mut out, &s, &tentative, best)?;
    let shown = imp.listed.len().min(args.list);
    if shown > 0 {
        writeln!(
            out,
            "\n  The first {} of the {} (enumeration order), with the smallest gain:",
            grouped(shown),
            grouped(imp.count)
        )?;
        for o in imp.listed.iter().take(shown) {
            let u = s.utilities(o);
            let min = u
                .iter()
                .zip(&imp.tentative)
                .map(|(a, b)| a - b)
                .fold(f64::INFINITY, f64::min);
            let ch: Vec<String> = differing(&tentative, o)
                .into_iter()
                .map(|i| {
                    format!(
                        "{}='{}'",
                        s.space().issues()[i].name(),
                        value(&s, i, o.get(i))
                    )
                })
                .collect();
            writeln!(out, "    {:+.3}  {}", min, ch.join("; "))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The tentative agreement and how to name it.
fn tentative(s: &Scenario, args: &ImproveArgs) -> Result<(Outcome, String)> {
    let usage = |m: String| anyhow::Error::new(UsageError(m));
    if let Some(name) = &args.draft {
        let Some(pk) = s.packages.iter().find(|p| &p.name == name) else {
            let valid: Vec<&str> = s.packages.iter().map(|p| p.name.as_str()).collect();
            return Err(usage(format!(
                "--draft: unknown draft '{name}'; valid: {}",
                if valid.is_empty() {
                    "none (the scenario reports no drafts)".to_string()
                } else {
                    valid.join(", ")
                }
            )));
        };
        let Some(o) = pk.as_outcome() else {
            let open: Vec<&str> = (0..s.space().issues().len())
                .filter(|&i| pk.choices[i].as_ref().is_none_or(|c| c.len() != 1))
                .map(|i| s.space().issues()[i].name())
                .collect();
            return Err(usage(format!(
                "--draft: draft '{name}' leaves {} open ({}); give the full text with --agreement",
                count(open.len(), "issue"),
                open.join(", ")
            )));
        };
        return Ok((o, format!("the draft {name}")));
    }
    let text = args.agreement.as_deref().unwrap_or_default();
    let pairs = split_pairs(s, text).map_err(|e| usage(format!("--agreement: {e}")))?;
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let o = package_from_names(s.space(), &refs).map_err(|e| usage(format!("--agreement: {e}")))?;
    Ok((o, "the tentative agreement".to_string()))
}

/// Splits `ISSUE=OPTION,ISSUE=OPTION`: a comma starts a new pair only when what follows is
/// `NAME=` for a known issue name (options may hold commas).
fn split_pairs(s: &Scenario, text: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let starts_pair = |rest: &str| {
        rest.split_once('=')
            .is_some_and(|(name, _)| s.space().issue_index(name.trim()).is_some())
    };
    let mut pieces: Vec<String> = Vec::new();
    for part in text.split(',') {
        match pieces.last_mut() {
            Some(last) if !starts_pair(part) => {
                last.push(',');
                last.push_str(part);
            }
            _ => pieces.push(part.to_string()),
        }
    }
    pieces
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((issue, option)) => Ok((issue.trim().to_string(), option.trim().to_string())),
            None => Err(format!(
                "'{}' is not ISSUE=OPTION",
                super::printable(p.trim())
            )),
        })
        .collect()
}

fn value(s: &Scenario, i: usize, v: u32) -> String {
    s.space().issues()[i]
        .value(v)
        .map(|x| x.to_string())
        .unwrap_or_default()
}

fn differing(a: &Outcome, b: &Outcome) -> Vec<usize> {
    (0..a.indices().len())
        .filter(|&i| a.get(i) != b.get(i))
        .collect()
}

fn write_changes(
    out: &mut impl Write,
    s: &Scenario,
    from: &Outcome,
    to: &Outcome,
) -> io::Result<()> {
    for i in differing(from, to) {
        writeln!(
            out,
            "    {:<26} '{}' → '{}'",
            s.space().issues()[i].name(),
            value(s, i, from.get(i)),
            value(s, i, to.get(i))
        )?;
    }
    Ok(())
}

fn changes_json(s: &Scenario, from: &Outcome, to: &Outcome) -> Value {
    Value::Array(
        differing(from, to)
            .into_iter()
            .map(|i| {
                json!({
                    "issue": s.space().issues()[i].name(),
                    "from": value(s, i, from.get(i)),
                    "to": value(s, i, to.get(i)),
                })
            })
            .collect(),
    )
}
