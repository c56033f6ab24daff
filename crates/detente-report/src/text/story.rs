//! The single text's round-by-round story, and why it ended without an agreement.

use std::io::{self, Write};

use detente_core::negotiator::Verdict as TextVerdict;
use detente_core::protocol::{Event, MediatorStrategy, SingleTextConfig, SingleTextResult};
use detente_core::{Outcome, Scenario};

use super::grouped;

/// The round-by-round story of a single-text negotiation. `strategies` names each party's
/// strategy, in party order.
pub fn write_story(
    out: &mut impl Write,
    s: &Scenario,
    strategies: &[String],
    config: &SingleTextConfig,
    start_label: &str,
    r: &SingleTextResult,
) -> io::Result<()> {
    write_setting(out, s, strategies, config, start_label)?;
    if let Some(v0) = r.versions.first() {
        writeln!(
            out,
            "  draft v0: {} (✗ = unacceptable to that party)",
            utilities(s, &v0.outcome)
        )?;
    }
    write_rounds(out, s, config.schedule.len() as u32, r)?;
    write_ending(out, s, r)?;
    write_cost_and_neutral(out, s, r)
}

/// Who mediates, who reviews, the deadline and what the mediator sees.
fn write_setting(
    out: &mut impl Write,
    s: &Scenario,
    strategies: &[String],
    config: &SingleTextConfig,
    start_label: &str,
) -> io::Result<()> {
    let mediator = s
        .mediator
        .as_ref()
        .and_then(|m| m.party_idx)
        .map(|p| s.parties()[p].name.as_str())
        .unwrap_or("a neutral mediator");
    writeln!(
        out,
        "Single negotiating text: {mediator} mediates ({} strategy), starting from {start_label}",
        config.mediator.as_str()
    )?;
    let who: Vec<String> = s
        .parties()
        .iter()
        .zip(strategies)
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
    )
}

/// `Name 0.500, Other 0.300✗`: each party's utility of `o`, marked when unacceptable to it.
fn utilities(s: &Scenario, o: &Outcome) -> String {
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
}

/// The consultations, round by round: the first pass through the schedule in full, later
/// rounds only when the draft changes (the quiet ones counted).
fn write_rounds(
    out: &mut impl Write,
    s: &Scenario,
    n_sched: u32,
    r: &SingleTextResult,
) -> io::Result<()> {
    let mut story = Rounds {
        n_sched,
        quiet: 0,
        buffer: Vec::new(),
        changed: false,
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
                    story.flush(out, prev)?;
                }
                current_round = Some(*round);
                story.changed = false;
                story.buffer.push(consult_line(
                    s, n_sched, *round, parties, *meeting, *version,
                ));
            }
            Event::Verdict { party, verdict, .. } => {
                story.buffer.push(verdict_line(s, *party, verdict));
            }
            Event::Draft {
                version,
                changes,
                outcome,
                ..
            } if *version > 0 => {
                story.changed = true;
                let ch: Vec<String> = changes
                    .iter()
                    .map(|&(i, a, b)| {
                        format!(
                            "{}: '{}' → '{}'",
                            issue(s, i),
                            value(s, i, a),
                            value(s, i, b)
                        )
                    })
                    .collect();
                story
                    .buffer
                    .push(format!("      → draft v{version}: {}", ch.join("; ")));
                story
                    .buffer
                    .push(format!("        {}", utilities(s, outcome)));
            }
            Event::Agreement { .. } | Event::EndNegotiation { .. } => story.changed = true,
            _ => {}
        }
    }
    if let Some(prev) = current_round {
        story.changed = true;
        story.flush(out, prev)?;
    }
    Ok(())
}

/// The lines of the round being told, held until it is known whether the draft changed.
struct Rounds {
    /// Consultations in one pass through the schedule.
    n_sched: u32,
    /// Rounds left untold since the last told one.
    quiet: u32,
    buffer: Vec<String>,
    /// Whether the draft changed (or the negotiation ended) in this round.
    changed: bool,
}

impl Rounds {
    /// Ends `round`: tells it (after a note on the quiet rounds before it) or counts it quiet.
    fn flush(&mut self, out: &mut impl Write, round: u32) -> io::Result<()> {
        if round < self.n_sched || self.changed {
            if self.quiet > 0 {
                writeln!(
                    out,
                    "  … {} consultation(s) without a change to the draft …",
                    self.quiet
                )?;
                self.quiet = 0;
            }
            for l in self.buffer.drain(..) {
                writeln!(out, "{l}")?;
            }
        } else {
            self.quiet += 1;
            self.buffer.clear();
        }
        Ok(())
    }
}

fn issue(s: &Scenario, i: usize) -> &str {
    s.space().issues()[i].name()
}

fn value(s: &Scenario, i: usize, v: u32) -> String {
    s.space().issues()[i]
        .value(v)
        .map(|x| x.to_string())
        .unwrap_or_default()
}

/// `  round   3 (cycle 2) — date place: A + B on draft v2`.
fn consult_line(
    s: &Scenario,
    n_sched: u32,
    round: u32,
    parties: &[usize],
    meeting: Option<usize>,
    version: u32,
) -> String {
    let cycle = round / n_sched + 1;
    let place = meeting
        .and_then(|k| s.meetings.get(k))
        .map(|m| format!("{} {}", m.date, m.place.as_deref().unwrap_or("")));
    let who: Vec<&str> = parties
        .iter()
        .map(|&p| s.parties()[p].name.as_str())
        .collect();
    format!(
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
    )
}

/// A party's verdict on the draft, with its objections.
fn verdict_line(s: &Scenario, party: usize, verdict: &TextVerdict) -> String {
    let mut l = format!(
        "      {:<14} {}",
        s.parties()[party].name,
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
                        format!("{}{red} (asks '{}')", issue(s, i), value(s, i, v))
                    }
                    None => format!("{}{red}", issue(s, i)),
                }
            })
            .collect();
        l.push_str(&format!("; objects to {}", objs.join(", ")));
    }
    l
}

/// The agreement, or how the text ended without one and its last draft.
fn write_ending(out: &mut impl Write, s: &Scenario, r: &SingleTextResult) -> io::Result<()> {
    match &r.negotiation.agreement {
        Some(o) => {
            writeln!(
                out,
                "\n  AGREEMENT on draft v{} after {} consultation(s):",
                r.versions.len() - 1,
                r.negotiation.rounds
            )?;
            writeln!(out, "    {}", utilities(s, o))
        }
        None => {
            let how = match r.negotiation.ended_by {
                Some(p) => format!("{} walked away", s.parties()[p].name),
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
            match r.versions.last() {
                Some(last) => writeln!(out, "    {}", utilities(s, &last.outcome)),
                None => Ok(()),
            }
        }
    }
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
pub fn issue_list(s: &Scenario, issues: &[usize]) -> String {
    issues
        .iter()
        .map(|&i| s.space().issues()[i].name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a single text ended without an agreement, as the report holds it
/// ([`crate::why_not`]). With a zone: who finds the last draft unacceptable and by how
/// much. Without one: whose walk-away values block the package that comes closest (it
/// maximises the smallest margin over walk-away values), and by how much.
pub fn write_why_not(out: &mut impl Write, s: &Scenario, w: &crate::WhyNot) -> io::Result<()> {
    if let crate::WhyNot::NoZone { blocked_by } = w
        && blocked_by.is_empty()
    {
        return Ok(());
    }
    writeln!(out, "  {}", why_not_sentence(s, w))
}

/// [`write_why_not`]'s sentence, `Why: …` without a final stop (the HTML printer's too).
pub(crate) fn why_not_sentence(s: &Scenario, w: &crate::WhyNot) -> String {
    let name = |p: usize| s.parties()[p].name.as_str();
    let short = |p: usize, u: f64, r: f64| {
        format!(
            "{} ({u:.3} against a walk-away of {r:.3}, short by {:.3})",
            name(p),
            r - u
        )
    };
    match w {
        crate::WhyNot::Undecided(e) => {
            format!("Why: the exact analysis could not decide whether a zone exists ({e})")
        }
        crate::WhyNot::MissedZone { zone, unacceptable } => {
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
            format!(
                "Why: a zone exists ({} packages acceptable to every party), but the mediator did \
                 not reach it; the last draft is unacceptable to {}",
                grouped(zone),
                who.join("; ")
            )
        }
        crate::WhyNot::NoZone { blocked_by } => {
            let who: Vec<String> = blocked_by
                .iter()
                .map(|x| short(x.party, x.utility, x.reservation))
                .collect();
            format!(
                "Why: no package is acceptable to every party (exact); the closest one (it \
                 maximises the smallest margin over walk-away values) is blocked by {}",
                who.join("; ")
            )
        }
    }
}
