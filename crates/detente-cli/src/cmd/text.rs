//! The protocol flags shared by `negotiate` and `run`, and the single-text story.

use std::io::{self, Write};

use anyhow::Result;
use clap::{Args, ValueEnum};

use detente_core::protocol::{
    Confided, Consultation, MediatorStrategy, SingleText, SingleTextConfig, SingleTextResult,
};
use detente_core::{Outcome, Scenario};

use super::{NegotiationSetup, UsageError};

/// The mediator when `--mediator` is not given: the blind mediator, the only one that sees no
/// utility function and still reaches thin zones (docs/mediation.md).
pub(crate) const DEFAULT_MEDIATOR: &str = "blind";

/// Which protocol to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Protocol {
    /// Stacked alternating offers (ANAC/NegMAS SAO), for any number of parties.
    Sao,
    /// The same protocol under its multilateral name.
    Stacked,
    /// A mediator's single negotiating text, revised from the parties' feedback.
    SingleText,
}

/// Whom the mediator consults each round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Consult {
    /// Every party every round.
    All,
    /// One meeting of the scenario's timeline per round (shuttle diplomacy), cycled.
    Meetings,
}

/// The single-text flags. `negotiate` adds `--protocol`; `run` always shows every protocol the
/// scenario supports, so it has no `--protocol`.
#[derive(Args, Debug)]
pub(crate) struct ProtocolArgs {
    /// Single text: the mediator's strategy (hill-climbing, veto, feedback, blind, trusted-nash,
    /// trusted-ks) [default: blind]. The trusted ones receive every party's confided
    /// preferences.
    #[arg(long, value_name = "STRATEGY")]
    mediator: Option<String>,
    /// Single text: the package the draft starts from (default: the scenario's
    /// `mediator.start`, else the best complete package for the mediator or the first one).
    #[arg(long, value_name = "PACKAGE")]
    start: Option<String>,
    /// Single text: whom the mediator consults (default: meetings when the scenario has a
    /// mediator party and meetings, else all).
    #[arg(long, value_enum)]
    consult: Option<Consult>,
}

impl ProtocolArgs {
    /// Refuses single-text flags where no single text runs (`why` says where that is).
    pub(crate) fn refuse_unused(&self, why: &str) -> Result<()> {
        let given = [
            ("--mediator", self.mediator.is_some()),
            ("--start", self.start.is_some()),
            ("--consult", self.consult.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            return Err(UsageError(format!(
                "{flag} only applies to the single negotiating text, and {why}"
            ))
            .into());
        }
        Ok(())
    }

    /// The single-text configuration for `setup`.
    pub(crate) fn single_text(
        &self,
        setup: &NegotiationSetup,
    ) -> Result<(SingleTextConfig, String)> {
        let s = &setup.scenario;
        let usage = |m: String| anyhow::Error::new(UsageError(m));
        let mediator: MediatorStrategy = self
            .mediator
            .as_deref()
            .unwrap_or(DEFAULT_MEDIATOR)
            .parse()
            .map_err(|e: detente_core::Error| usage(format!("--mediator: {e}")))?;
        let complete: Vec<usize> = (0..s.packages.len())
            .filter(|&k| s.packages[k].as_outcome().is_some())
            .collect();
        let start_idx = match &self.start {
            Some(name) => {
                let Some(k) = s.packages.iter().position(|p| &p.name == name) else {
                    let valid: Vec<&str> = s.packages.iter().map(|p| p.name.as_str()).collect();
                    return Err(usage(format!(
                        "--start: unknown package '{name}'; valid: {}",
                        valid.join(", ")
                    )));
                };
                if s.packages[k].as_outcome().is_none() {
                    return Err(usage(format!(
                        "--start: package '{name}' leaves some issues open; a starting draft needs one value on every issue (complete packages: {})",
                        complete
                            .iter()
                            .map(|&k| s.packages[k].name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some(k)
            }
            None => s
                .mediator
                .as_ref()
                .and_then(|m| m.start)
                .or_else(|| complete.first().copied()),
        };
        let (start, label) = match start_idx {
            Some(k) => (
                s.packages[k]
                    .as_outcome()
                    .unwrap_or_else(|| Outcome::new(Vec::new())),
                s.packages[k].name.clone(),
            ),
            None => {
                // No reported draft: start from the first value of every issue.
                (
                    Outcome::new(vec![0; s.space().issues().len()]),
                    "the first option of every issue".to_string(),
                )
            }
        };
        let has_meetings =
            s.mediator.as_ref().is_some_and(|m| m.party_idx.is_some()) && !s.meetings.is_empty();
        let consult = self.consult.unwrap_or(if has_meetings {
            Consult::Meetings
        } else {
            Consult::All
        });
        let schedule = match consult {
            Consult::All => Consultation::everyone(s.parties().len()),
            Consult::Meetings => Consultation::from_meetings(s)
                .map_err(|e| usage(format!("--consult meetings: {e}")))?,
        };
        Ok((
            SingleTextConfig {
                rounds: setup.rounds,
                seed: setup.seed,
                mediator,
                start,
                schedule,
            },
            label,
        ))
    }
}

/// Runs the single text for `setup` and returns the result with the start's label.
pub(crate) fn run(
    args: &ProtocolArgs,
    setup: &NegotiationSetup,
) -> Result<(SingleTextResult, SingleTextConfig, String)> {
    let (config, label) = args.single_text(setup)?;
    let s = &setup.scenario;
    let mut st = if config.mediator.trusted_solution().is_some() {
        // Choosing a trusted neutral means every party confides its preferences to it.
        SingleText::with_confided(s, &setup.strategies, config.clone(), Confided::all(s))?
    } else {
        SingleText::new(s, &setup.strategies, config.clone())?
    };
    let r = st.run(&mut |_: &detente_core::protocol::Event| {});
    Ok((r, config, label))
}

/// The round-by-round story of a single-text negotiation.
pub(crate) fn write_story(
    out: &mut impl Write,
    setup: &NegotiationSetup,
    config: &SingleTextConfig,
    start_label: &str,
    r: &SingleTextResult,
) -> io::Result<()> {
    use detente_core::protocol::Event;
    let s = &setup.scenario;
    let name = |p: usize| s.parties()[p].name.as_str();
    let issue = |i: usize| s.space().issues()[i].name();
    let value = |i: usize, v: u32| {
        s.space().issues()[i]
            .value(v)
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    let mediator = s
        .mediator
        .as_ref()
        .and_then(|m| m.party_idx)
        .map(name)
        .unwrap_or("a neutral mediator");
    writeln!(
        out,
        "Single negotiating text: {mediator} mediates ({} strategy), starting from {start_label}",
        config.mediator.as_str()
    )?;
    let who: Vec<String> = s
        .parties()
        .iter()
        .zip(&setup.strategies)
        .map(|(p, st)| format!("{} ({st})", p.name))
        .collect();
    writeln!(out, "  parties review each draft: {}", who.join(", "))?;
    let sees = match config.mediator {
        MediatorStrategy::Blind => {
            "verdicts, objections and answers to cheap questions (ratings, comparisons)"
        }
        MediatorStrategy::TrustedNash | MediatorStrategy::TrustedKs => {
            "every party's preferences, confided to it alone"
        }
        _ => "only verdicts and objections",
    };
    writeln!(
        out,
        "  deadline {} consultations, seed {}; the mediator sees {sees}",
        config.rounds, config.seed
    )?;
    let utils = |o: &Outcome| -> String {
        s.parties()
            .iter()
            .map(|p| {
                let mark = if p.preferences.is_acceptable(o) {
                    ""
                } else {
                    "✗"
                };
                format!("{} {:.3}{mark}", p.name, p.preferences.utility(o))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(v0) = r.versions.first() {
        writeln!(
            out,
            "  draft v0: {} (✗ = unacceptable to that party)",
            utils(&v0.outcome)
        )?;
    }
    let n_sched = config.schedule.len() as u32;
    let mut quiet = 0u32;
    let mut buffer: Vec<String> = Vec::new();
    let mut round_changed = false;
    let flush = |out: &mut dyn Write,
                 buffer: &mut Vec<String>,
                 round: u32,
                 changed: bool,
                 quiet: &mut u32|
     -> io::Result<()> {
        // The first pass through the schedule is told in full; later rounds only when the
        // draft changes.
        if round < n_sched || changed {
            if *quiet > 0 {
                writeln!(
                    out,
                    "  … {quiet} consultation(s) without a change to the draft …"
                )?;
                *quiet = 0;
            }
            for l in buffer.drain(..) {
                writeln!(out, "{l}")?;
            }
        } else {
            *quiet += 1;
            buffer.clear();
        }
        Ok(())
    };
    let mut current_round = None;
    for e in &r.negotiation.trace {
        match e {
            Event::Consult {
                round,
                parties,
                meeting,
                version,
            } => {
                if let Some(prev) = current_round {
                    flush(out, &mut buffer, prev, round_changed, &mut quiet)?;
                }
                current_round = Some(*round);
                round_changed = false;
                let cycle = round / n_sched + 1;
                let place = meeting
                    .and_then(|k| s.meetings.get(k))
                    .map(|m| format!("{} {}", m.date, m.place.as_deref().unwrap_or("")));
                let who: Vec<&str> = parties.iter().map(|&p| name(p)).collect();
                buffer.push(format!(
                    "  round {:>3}{}{}: {} on draft v{version}",
                    round + 1,
                    if cycle > 1 {
                        format!(" (cycle {cycle})")
                    } else {
                        String::new()
                    },
                    place
                        .map(|p| format!(" — {}", p.trim()))
                        .unwrap_or_default(),
                    who.join(" + ")
                ))
            }
            Event::Verdict { party, verdict, .. } => {
                let mut l = format!(
                    "      {:<14} {}",
                    name(*party),
                    if verdict.accept {
                        "accepts"
                    } else if verdict.veto {
                        "rejects (unacceptable)"
                    } else {
                        "rejects"
                    }
                );
                if !verdict.objections.is_empty() {
                    let objs: Vec<String> = verdict
                        .objections
                        .iter()
                        .map(|&i| {
                            let red = if verdict.red_lines.contains(&i) {
                                " [red line]"
                            } else {
                                ""
                            };
                            match verdict.preferred.iter().find(|(j, _)| *j == i) {
                                Some(&(_, v)) => {
                                    format!("{}{red} (asks '{}')", issue(i), value(i, v))
                                }
                                None => format!("{}{red}", issue(i)),
                            }
                        })
                        .collect();
                    l.push_str(&format!("; objects to {}", objs.join(", ")));
                }
                buffer.push(l);
            }
            Event::Draft {
                version,
                changes,
                outcome,
                round,
            } if *version > 0 => {
                round_changed = true;
                let _ = round;
                let ch: Vec<String> = changes
                    .iter()
                    .map(|&(i, a, b)| {
                        format!("{}: '{}' → '{}'", issue(i), value(i, a), value(i, b))
                    })
                    .collect();
                buffer.push(format!("      → draft v{version}: {}", ch.join("; ")));
                buffer.push(format!("        {}", utils(outcome)));
            }
            Event::Agreement { .. } | Event::EndNegotiation { .. } => round_changed = true,
            _ => {}
        }
    }
    if let Some(prev) = current_round {
        flush(out, &mut buffer, prev, true, &mut quiet)?;
    }
    match &r.negotiation.agreement {
        Some(o) => {
            writeln!(
                out,
                "\n  AGREEMENT on draft v{} after {} consultation(s):",
                r.versions.len() - 1,
                r.negotiation.rounds
            )?;
            writeln!(out, "    {}", utils(o))?;
        }
        None => {
            let how = match r.negotiation.ended_by {
                Some(p) => format!("{} walked away", name(p)),
                None => format!(
                    "no draft was accepted by every party within {} consultations",
                    r.negotiation.rounds
                ),
            };
            writeln!(
                out,
                "\n  NO AGREEMENT: {how}; the last draft was v{}:",
                r.versions.len() - 1
            )?;
            if let Some(last) = r.versions.last() {
                writeln!(out, "    {}", utils(&last.outcome))?;
            }
        }
    }
    write_cost_and_neutral(out, s, r)
}

/// The human time the mediation used, and the trusted neutral's explanation.
fn write_cost_and_neutral(
    out: &mut impl Write,
    s: &Scenario,
    r: &SingleTextResult,
) -> io::Result<()> {
    writeln!(
        out,
        "  Mediation cost: {} consultation(s), {} question(s) to delegates",
        r.negotiation.rounds, r.questions
    )?;
    let Some(p) = &r.neutral else {
        return Ok(());
    };
    let name = |q: usize| s.parties()[q].name.as_str();
    match (&p.outcome, &p.blocked) {
        (Some(_), _) => {
            let gains: Vec<String> = p
                .parties
                .iter()
                .map(|&q| format!("{} {:+.3}", name(q), p.gains[q]))
                .collect();
            writeln!(
                out,
                "  The trusted neutral's package: each party's gain over its walk-away value: {}",
                gains.join(", ")
            )?;
        }
        (None, Some((_, short))) => {
            let who: Vec<String> = short
                .iter()
                .map(|x| {
                    format!(
                        "{} ({:.3} against a walk-away of {:.3}, short by {:.3})",
                        name(x.party),
                        x.utility,
                        x.reservation,
                        x.reservation - x.utility
                    )
                })
                .collect();
            writeln!(
                out,
                "  No package is acceptable to every party. The closest one (it maximises the \
                 smallest margin over walk-away values) is blocked by: {}",
                who.join("; ")
            )?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Issue names, comma-separated.
pub(crate) fn issue_list(s: &Scenario, issues: &[usize]) -> String {
    issues
        .iter()
        .map(|&i| s.space().issues()[i].name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a single text ended without an agreement, as the report holds it
/// ([`detente_report::why_not`]). With a zone: who finds the last draft unacceptable and by how
/// much. Without one: whose walk-away values block the package that comes closest (it
/// maximises the smallest margin over walk-away values), and by how much.
pub(crate) fn write_why_not(
    out: &mut impl Write,
    s: &Scenario,
    w: &detente_report::WhyNot,
) -> Result<()> {
    let name = |p: usize| s.parties()[p].name.as_str();
    let short = |p: usize, u: f64, r: f64| {
        format!(
            "{} ({u:.3} against a walk-away of {r:.3}, short by {:.3})",
            name(p),
            r - u
        )
    };
    match w {
        detente_report::WhyNot::Undecided(e) => writeln!(
            out,
            "  Why: the exact analysis could not decide whether a zone exists ({})",
            e
        )?,
        detente_report::WhyNot::MissedZone { zone, unacceptable } => {
            let who: Vec<String> = unacceptable
                .iter()
                .map(|x| {
                    if x.red_lines.is_empty() {
                        short(x.party, x.utility, x.reservation)
                    } else {
                        format!(
                            "{} (crosses its red line on {})",
                            name(x.party),
                            issue_list(s, &x.red_lines)
                        )
                    }
                })
                .collect();
            writeln!(
                out,
                "  Why: a zone exists ({} packages acceptable to every party), but the mediator did \
                 not reach it; the last draft is unacceptable to {}",
                super::grouped(zone),
                who.join("; ")
            )?;
        }
        detente_report::WhyNot::NoZone { blocked_by } => {
            if !blocked_by.is_empty() {
                let who: Vec<String> = blocked_by
                    .iter()
                    .map(|x| short(x.party, x.utility, x.reservation))
                    .collect();
                writeln!(
                    out,
                    "  Why: no package is acceptable to every party (exact); the closest one (it \
                     maximises the smallest margin over walk-away values) is blocked by {}",
                    who.join("; ")
                )?;
            }
        }
    }
    Ok(())
}
