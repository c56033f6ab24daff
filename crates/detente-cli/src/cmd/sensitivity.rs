//! `detente sensitivity`: how likely a zone of agreement is when the numbers are estimates.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use detente_core::Scenario;
use detente_core::analysis::robustness::{self, Decisive, Sensitivity, SensitivityConfig, Share};
use detente_report::robustness::{red_line_json, site_label, to_json};

use super::{ScenarioArgs, UsageError};

#[derive(Args, Debug)]
pub(crate) struct SensitivityArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    #[command(flatten)]
    pub(crate) threads: super::ThreadsArgs,
    /// Number of draws of every estimate (each analysed exactly).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    samples: u64,
    /// Seed of the draws (same seed, same report, at any thread count).
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Most search nodes per exact decision before it counts as undecided.
    #[arg(long, value_name = "N", default_value_t = SensitivityConfig::default().max_nodes,
          value_parser = super::at_least_one)]
    max_nodes: u64,
}

pub(crate) fn run(args: &SensitivityArgs) -> Result<()> {
    if args.samples == 0 {
        return Err(UsageError("--samples must be at least 1".into()).into());
    }
    let s = args.scenario.load()?;
    let config = SensitivityConfig {
        samples: args.samples,
        seed: args.seed,
        max_nodes: args.max_nodes,
        ..SensitivityConfig::default()
    };
    let bar = Bar::new(args.quiet);
    let r = robustness::sensitivity(&s, &config, &bar)?;
    bar.finish();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(&s, &r, args.seed))?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &s, &r, args.seed)?;
    }
    out.flush()?;
    Ok(())
}

/// A progress bar on stderr when stderr is a terminal, nothing otherwise (so no escape codes
/// reach a pipe or a file). Also used by `analyze` and `run` for their phases.
pub(crate) struct Bar(Option<ProgressBar>);

impl Bar {
    pub(crate) fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        // Ticks on its own so the spinner and elapsed time move during a long library call
        // that reports no progress of its own.
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar(Some(bar))
    }
    /// Shows phase `done + 1` of `total`, `name`, starting now.
    pub(crate) fn phase(&self, name: &str, done: u64, total: u64) {
        robustness::Progress::update(self, name, done, total);
    }
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    /// An error return must not leave a half-drawn bar on the terminal.
    fn drop(&mut self) {
        self.finish();
    }
}

impl robustness::Progress for Bar {
    fn update(&self, phase: &str, done: u64, total: u64) {
        if let Some(b) = &self.0 {
            if b.length() != Some(total) || b.message() != phase {
                b.set_length(total);
                b.set_message(phase.to_string());
                b.reset_eta();
            }
            b.set_position(done);
        }
    }
}

fn pct(x: &Share) -> String {
    let (lo, hi) = x.wilson();
    format!(
        "{:.1}% (95% CI {:.1}–{:.1}%, {}/{})",
        100.0 * x.rate(),
        100.0 * lo,
        100.0 * hi,
        x.count,
        x.n
    )
}

/// The robustness section of `detente run`, from the robust analysis the report holds.
pub(crate) fn write_run_section(
    out: &mut dyn Write,
    s: &Scenario,
    r: &detente_report::Robustness,
) -> Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Robustness ({} seeded draws of the estimates, each analysed exactly; \
         `detente sensitivity` for the full report):",
        r.sensitivity.samples
    )?;
    write_summary(out, s, &r.sensitivity)
}

/// The short robustness section of `detente run`.
fn write_summary(out: &mut dyn Write, s: &Scenario, r: &Sensitivity) -> Result<()> {
    writeln!(
        out,
        "  probability of a zone: {} over {} draws of the estimates",
        pct(&r.zone),
        r.samples
    )?;
    if let Some(p) = r.robust.first() {
        writeln!(
            out,
            "  most robust package: acceptable to all in {}",
            pct(&p.share)
        )?;
        writeln!(out, "    {}", s.space().describe(&p.outcome))?;
    }
    for d in r.decisive.iter().take(3) {
        writeln!(out, "  decisive: {}", decisive_line(s, d))?;
    }
    Ok(())
}

fn decisive_line(s: &Scenario, d: &Decisive) -> String {
    format!(
        "{} = {} (range {}–{}): the zone {} at {:.6} ({:.0}% of the way to the range end; {})",
        site_label(s, d.site),
        d.value,
        d.low,
        d.high,
        if d.opens { "opens" } else { "closes" },
        d.threshold,
        100.0 * d.margin,
        d.method.as_str()
    )
}

fn write_text(out: &mut dyn Write, s: &Scenario, r: &Sensitivity, seed: u64) -> Result<()> {
    writeln!(out, "Robust analysis of '{}'", s.name)?;
    writeln!(
        out,
        "{} draws of every estimate (seed {seed}), each analysed exactly.",
        r.samples
    )?;
    match &r.point_zone {
        Ok(true) => writeln!(out, "At the point estimates a zone of agreement exists.")?,
        Ok(false) => writeln!(out, "At the point estimates there is NO zone of agreement.")?,
        Err(e) => writeln!(out, "At the point estimates: not decided ({}).", e)?,
    }
    writeln!(out)?;
    writeln!(out, "Probability that a zone exists: {}", pct(&r.zone))?;
    if r.undecided > 0 {
        writeln!(
            out,
            "  ({} draws not decided within the node budget are left out)",
            r.undecided
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Robust packages (acceptable to every party in the largest share of draws; {} candidates{}):",
        r.pool,
        if r.pool_full { ", pool full" } else { "" }
    )?;
    if r.robust.is_empty() {
        writeln!(out, "  none: no candidate is acceptable to all in any draw")?;
    }
    for (k, p) in r.robust.iter().enumerate() {
        writeln!(out, "  {}. {}", k + 1, pct(&p.share))?;
        writeln!(out, "     {}", s.space().describe(&p.outcome))?;
    }
    if let Some(n) = &r.nash {
        writeln!(
            out,
            "  Nash package at the point estimates: {}",
            pct(&n.share)
        )?;
    }
    if !r.drafts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Reported drafts (share of draws with a completion acceptable to all; per party: accepts every / some completion):"
        )?;
        for d in &r.drafts {
            writeln!(out, "  {}: {}", s.packages[d.package].name, pct(&d.share))?;
            let parts: Vec<String> = s
                .parties()
                .iter()
                .enumerate()
                .map(|(p, party)| {
                    format!(
                        "{} {:.0}%/{:.0}%",
                        party.name,
                        100.0 * d.accepts[p].rate(),
                        100.0 * d.may_accept[p].rate()
                    )
                })
                .collect();
            writeln!(out, "    {}", parts.join(", "))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Decisive estimates ({} of {} estimates with a range flip the zone inside it; one at a time, others at their points):",
        r.decisive.len(),
        r.estimates
    )?;
    for d in r.decisive.iter().take(15) {
        writeln!(out, "  {}", decisive_line(s, d))?;
    }
    if r.decisive.len() > 15 {
        writeln!(out, "  … {} more (--json lists all)", r.decisive.len() - 15)?;
    }
    if let Some(u) = &r.unlock {
        writeln!(out)?;
        writeln!(out, "Smallest changes that open a zone:")?;
        match &u.shortfall {
            Ok(Some(sf)) => {
                writeln!(
                    out,
                    "  closest package (sum of shortfalls below reservation values {:.6}):",
                    sf.total
                )?;
                writeln!(out, "    {}", s.space().describe(&sf.outcome))?;
                for (p, x) in s.parties().iter().zip(&sf.per_party) {
                    if *x > 0.0 {
                        writeln!(out, "    {} short by {:.6}", p.name, x)?;
                    }
                }
            }
            Ok(None) => writeln!(out, "  every package crosses some red line")?,
            Err(e) => writeln!(out, "  closest package: not computed ({})", e)?,
        }
        match &u.smallest_move {
            Some(d) => writeln!(out, "  smallest single move: {}", decisive_line(s, d))?,
            None => writeln!(out, "  no single estimate opens a zone inside its range")?,
        }
        for (p, x) in s.parties().iter().zip(&u.reservation_needed) {
            if let Ok(Some(t)) = x {
                writeln!(
                    out,
                    "  {} would need a reservation value of at most {:.6} (now {})",
                    p.name,
                    t,
                    p.preferences.reservation()
                )?;
            }
        }
        if u.red_lines.is_empty() {
            writeln!(out, "  no single red line's removal opens a zone")?;
        }
        for &(p, k) in &u.red_lines {
            let v = red_line_json(s, p, k);
            writeln!(
                out,
                "  removing {}'s red line on {} ({}) opens a zone",
                s.parties()[p].name,
                v["issue"].as_str().unwrap_or("?"),
                v["options"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
