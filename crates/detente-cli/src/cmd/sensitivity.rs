//! `detente sensitivity`: how likely a zone of agreement is when the numbers are estimates.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use detente_core::analysis::robustness::{self, SensitivityConfig};
use detente_report::robustness::to_json;

use super::phases::PhaseLines;
use super::{ScenarioArgs, UsageError};
use detente_core::analysis::ProgressHook;

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
        detente_report::text::write_sensitivity(&mut out, &s, &r, args.seed)?;
    }
    out.flush()?;
    Ok(())
}

/// A progress bar on stderr when stderr is a terminal, nothing otherwise (so no escape codes
/// reach a pipe or a file). Also used by `analyze` and `run` for their phases. Work counted in
/// units (the robust analysis's draws, packages and estimates) shows a bar with an ETA; a phase
/// that reports no progress of its own (a simulated negotiation) shows its name, its place
/// among the phases and the time it has run, and no made-up ETA. The exact analysis reports
/// its own phases, drawn below the bar ([`Bar::analysis_hook`], `phases.rs`).
pub(crate) struct Bar(Option<(ProgressBar, PhaseLines)>);

/// The bar of work counted in units.
const UNITS: &str = "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}, eta {eta}";
/// A phase without progress of its own: `{prefix}` is its place, `phase 2 of 4`.
const PHASE: &str = "{spinner} [{elapsed_precise}] {prefix}: {msg}";

impl Bar {
    pub(crate) fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let bar = multi.add(ProgressBar::new(1));
        bar.set_style(style(PHASE));
        // Ticks on its own so the spinner and elapsed time move during a long library call
        // that reports no progress of its own.
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar(Some((bar, PhaseLines::new(multi))))
    }

    /// A hook that draws the exact analysis's phases below the bar; `None` when nothing is
    /// drawn (not a terminal, or quiet), so the analysis runs without one.
    pub(crate) fn analysis_hook(&self) -> Option<ProgressHook> {
        self.0.as_ref().map(|(_, lines)| lines.hook())
    }
    /// Shows phase `done + 1` of `total`, `name`, starting now.
    pub(crate) fn phase(&self, name: &str, done: u64, total: u64) {
        if let Some((b, lines)) = &self.0 {
            lines.clear();
            b.set_style(style(PHASE));
            b.set_prefix(if total > 1 {
                format!("phase {} of {total}", done + 1)
            } else {
                "working".to_string()
            });
            b.set_message(name.to_string());
            b.reset_elapsed();
        }
    }
    pub(crate) fn finish(&self) {
        if let Some((b, lines)) = &self.0 {
            lines.clear();
            b.finish_and_clear();
        }
    }
}

pub(crate) fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Drop for Bar {
    /// An error return must not leave a half-drawn bar on the terminal.
    fn drop(&mut self) {
        self.finish();
    }
}

impl robustness::Progress for Bar {
    fn update(&self, phase: &str, done: u64, total: u64) {
        if let Some((b, _)) = &self.0 {
            if b.length() != Some(total) || b.message() != phase {
                b.set_style(style(UNITS));
                b.set_length(total);
                b.set_message(phase.to_string());
                b.reset_eta();
            }
            b.set_position(done);
        }
    }
}
