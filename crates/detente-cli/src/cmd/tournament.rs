//! `detente tournament`: every strategy against every other on many scenarios, into a results
//! database that a rerun resumes.
//!
//! The flags (or a TOML tournament file with the same keys) are the low args; they are turned
//! into a validated `detente_tournament::Tournament` before any work starts. Results go to the
//! store only; stderr gets a progress bar (a terminal), plain periodic lines (anything else) or
//! nothing (`--quiet`), and a closing summary.
//!
//! Non-goals: printing the ranking (that is `detente report`), scheduling shards (that is the
//! cluster's job; see docs/tournaments.md).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Deserialize;

use detente_core::negotiator::Strategy;
use detente_store::Store;
use detente_tournament::{
    ErrorKind, MediatorStrategy, Player, Protocol, Record, RunOptions, ScenarioEntry, SetupPhase,
    SetupProgress, Shard, Tournament, TournamentConfig,
};

use super::UsageError;

#[derive(Args, Debug)]
pub(crate) struct TournamentArgs {
    /// A tournament file (TOML) with the keys scenarios, strategies, protocol, mediators,
    /// rounds, reps, seed, traces, max_assignments and max_steps; scenario paths are relative to the file.
    /// Flags given as well override its settings.
    #[arg(value_name = "FILE.toml")]
    file: Option<PathBuf>,
    /// Scenarios: native .toml files or GENIUS / GeniusWeb folders (repeatable).
    #[arg(long = "scenario", value_name = "SCENARIO", num_args = 1..)]
    scenarios: Vec<PathBuf>,
    /// Strategies (repeatable): boulware, linear, conceder, time:E, hardliner, random,
    /// tit-for-tat (relative), naive-tft, micro, boa:bid=B,accept=A,model=M, and the ANAC
    /// agents agentk, hardheaded, cuhk, thefawkes, atlas3, parsagent, caduceus, ponpoko,
    /// agreeable, agentgg.
    #[arg(long = "strategy", value_name = "NAME", num_args = 1..)]
    strategies: Vec<String>,
    /// The protocol of every negotiation: sao (stacked alternating offers) or single-text (a
    /// mediator's single negotiating text, once per --mediator) [default: sao].
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<String>,
    /// Single text: the mediators to compare (repeatable): hill-climbing, veto, feedback,
    /// blind, trusted-nash, trusted-ks. Every mediator plays the same assignments with the
    /// same seeds; `detente report` ranks them [default: blind].
    #[arg(long = "mediator", value_name = "NAME", num_args = 1..)]
    mediators: Vec<String>,
    /// Deadline of every negotiation, in rounds (consultations under single-text)
    /// [default: 100].
    #[arg(long, value_name = "N")]
    rounds: Option<u32>,
    /// Repetitions of each pairing and role rotation [default: 1].
    #[arg(long, value_name = "R")]
    reps: Option<u32>,
    /// Tournament seed; every negotiation's seed derives from it and its key [default: 0].
    #[arg(long, value_name = "X")]
    seed: Option<u64>,
    /// Run only shard I of N (0 <= I < N): the negotiations whose id is I modulo N. Merge the
    /// shards' databases with `detente merge` [default: 0/1].
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Keep every negotiation's full trace in the database (the events table).
    #[arg(long)]
    traces: bool,
    /// Most role assignments per scenario; above it a reproducible sample is played
    /// [default: 100000].
    #[arg(long, value_name = "N")]
    max_assignments: Option<u64>,
    /// Most actions per negotiation before it is recorded as failed [default: none].
    #[arg(long, value_name = "N")]
    max_steps: Option<u64>,
    /// No progress display and no summary.
    #[arg(long)]
    quiet: bool,
    /// The results database (created if missing; rerunning the same tournament resumes it).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    #[command(flatten)]
    pub(crate) threads: super::ThreadsArgs,
}

/// The tournament file: the same content as the flags.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct TournamentFile {
    #[serde(default)]
    scenarios: Vec<PathBuf>,
    #[serde(default)]
    strategies: Vec<String>,
    protocol: Option<String>,
    #[serde(default)]
    mediators: Vec<String>,
    rounds: Option<u32>,
    reps: Option<u32>,
    seed: Option<u64>,
    traces: Option<bool>,
    max_assignments: Option<u64>,
    max_steps: Option<u64>,
}

/// The validated command: what to run, where, and how to show it.
struct Setup {
    tournament: Tournament,
    shard: Shard,
    db: PathBuf,
    quiet: bool,
}

pub(crate) fn run(args: &TournamentArgs) -> Result<()> {
    detente_tournament::quiet_worker_panics();
    let setup = setup(args)?;
    let t = &setup.tournament;
    let mut store = Store::open(&setup.db)?;
    let done = store.begin(&t.describe())?;
    let options = RunOptions {
        threads: None,
        shard: setup.shard,
        skip: Some(&done),
    };
    let in_shard = setup.shard.size(t.n_negotiations());
    let already = (0..t.n_negotiations())
        .filter(|&id| setup.shard.contains(id) && done.contains(id))
        .count() as u64;
    let mut progress = Progress::new(in_shard - already, setup.quiet);
    let started = Instant::now();
    let mut writer = store.writer();
    // Hidden test hook: with DETENTE_TEST_CRASH_AFTER=K the process commits the first K records
    // it receives, puts record K + 1 in an open transaction and dies (abort: no destructors, no
    // commit), like a `kill -9` mid-batch, but at a fixed point, so the crash-resume test does
    // not race the clock.
    let crash_after: Option<u64> = std::env::var("DETENTE_TEST_CRASH_AFTER")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut received = 0u64;
    let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        writer.push(&r)?;
        received += 1;
        if let Some(k) = crash_after {
            if received == k {
                writer.flush()?;
            } else if received == k + 1 {
                std::process::abort();
            }
        }
        progress.inc(r.metrics.is_err());
        Ok(())
    };
    let result = t.run(&options, &mut sink);
    let committed = writer.finish();
    progress.finish();
    let summary = result?;
    committed?;
    if !setup.quiet {
        let secs = started.elapsed().as_secs_f64();
        let counts = store.counts()?;
        let rate = if secs > 0.0 && summary.ran > 0 {
            format!(", {:.0}/s", summary.ran as f64 / secs)
        } else {
            String::new()
        };
        eprintln!(
            "detente: {} run ({} failed) in {secs:.2} s{rate}, {} already done; '{}' holds {} \
             of {}",
            super::count(summary.ran, "negotiation"),
            super::grouped(summary.failed),
            super::grouped(summary.skipped),
            setup.db.display(),
            super::grouped(counts.stored),
            super::count(counts.planned, "negotiation")
        );
    }
    Ok(())
}

fn setup(args: &TournamentArgs) -> Result<Setup> {
    let usage = |m: String| anyhow::Error::new(UsageError(m));
    let (file, base) = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the tournament file '{}'", path.display()))?;
            let file: TournamentFile = toml::from_str(&text).map_err(|e| {
                usage(format!(
                    "tournament file '{}': {}",
                    path.display(),
                    e.to_string().trim_end()
                ))
            })?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (file, base)
        }
        None => (TournamentFile::default(), PathBuf::new()),
    };
    let scenario_paths: Vec<PathBuf> = if args.scenarios.is_empty() {
        file.scenarios.iter().map(|p| base.join(p)).collect()
    } else {
        args.scenarios.clone()
    };
    let strategy_names = if args.strategies.is_empty() {
        file.strategies.clone()
    } else {
        args.strategies.clone()
    };
    if scenario_paths.is_empty() {
        return Err(usage(
            "give at least one --scenario (or a tournament file listing scenarios)".into(),
        ));
    }
    if strategy_names.is_empty() {
        return Err(usage(
            "give at least one --strategy (or a tournament file listing strategies)".into(),
        ));
    }
    let players = strategy_names
        .iter()
        .map(|s| {
            s.parse::<Strategy>()
                .map(Player::builtin)
                .map_err(|e| usage(format!("--strategy: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let shard = match &args.shard {
        Some(s) => s
            .parse::<Shard>()
            .map_err(|e| usage(format!("--shard: {e}")))?,
        None => Shard::ALL,
    };
    let mediator_names = if args.mediators.is_empty() {
        file.mediators.clone()
    } else {
        args.mediators.clone()
    };
    let protocol = match args
        .protocol
        .as_deref()
        .or(file.protocol.as_deref())
        .unwrap_or("sao")
    {
        "sao" | "stacked" => {
            if !mediator_names.is_empty() {
                return Err(usage(
                    "--mediator only applies to --protocol single-text".into(),
                ));
            }
            Protocol::Sao
        }
        "single-text" => {
            let names = if mediator_names.is_empty() {
                vec![super::text::DEFAULT_MEDIATOR.to_string()]
            } else {
                mediator_names
            };
            let mediators = names
                .iter()
                .map(|m| {
                    m.parse::<MediatorStrategy>()
                        .map_err(|e| usage(format!("--mediator: {e}")))
                })
                .collect::<Result<Vec<_>>>()?;
            Protocol::SingleText { mediators }
        }
        other => {
            return Err(usage(format!(
                "--protocol: unknown protocol '{other}'; valid: sao, single-text"
            )));
        }
    };
    let defaults = TournamentConfig::default();
    let config = TournamentConfig {
        rounds: args.rounds.or(file.rounds).unwrap_or(defaults.rounds),
        reps: args.reps.or(file.reps).unwrap_or(defaults.reps),
        seed: args.seed.or(file.seed).unwrap_or(defaults.seed),
        max_assignments: args
            .max_assignments
            .or(file.max_assignments)
            .unwrap_or(defaults.max_assignments),
        max_steps: args.max_steps.or(file.max_steps),
        traces: args.traces || file.traces.unwrap_or(false),
        analysis_max_nodes: defaults.analysis_max_nodes,
        protocol,
    };
    let mut entries = Vec::with_capacity(scenario_paths.len());
    for path in &scenario_paths {
        let loaded = detente_formats::load(path).map_err(anyhow::Error::new)?;
        if !args.quiet {
            for w in &loaded.warnings {
                eprintln!("detente: {}", super::printable(&w.to_string()));
            }
        }
        entries.push(ScenarioEntry {
            name: loaded.scenario.name.clone(),
            source: Some(path.display().to_string()),
            scenario: loaded.scenario,
        });
    }
    let mut shown = SetupDisplay::new(args.quiet);
    let tournament = Tournament::with_progress(entries, players, config, &mut |p| shown.update(p));
    shown.finish();
    let tournament = tournament.map_err(|e| match e.kind() {
        ErrorKind::NoScenarios
        | ErrorKind::NoPlayers
        | ErrorKind::DuplicatePlayer { .. }
        | ErrorKind::Config(_)
        | ErrorKind::BadShard { .. } => usage(e.to_string()),
        _ => anyhow::Error::new(e),
    })?;
    Ok(Setup {
        tournament,
        shard,
        db: args.db.clone(),
        quiet: args.quiet,
    })
}

/// Progress of building the tournament (bid spaces, scenario analyses) on stderr: a bar per
/// phase on a terminal, a line per phase and every few seconds otherwise, or nothing.
struct SetupDisplay {
    quiet: bool,
    terminal: bool,
    bar: Option<(SetupPhase, ProgressBar)>,
    last: Instant,
}

impl SetupDisplay {
    fn new(quiet: bool) -> SetupDisplay {
        SetupDisplay {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            bar: None,
            last: Instant::now(),
        }
    }

    fn update(&mut self, p: SetupProgress) {
        if self.quiet || p.total == 0 {
            return;
        }
        if self.terminal {
            if self.bar.as_ref().is_none_or(|(phase, _)| *phase != p.phase) {
                self.finish();
                let bar =
                    ProgressBar::with_draw_target(Some(p.total), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(&format!(
                    "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {}",
                    p.phase.as_str()
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                self.bar = Some((p.phase, bar));
            }
            if let Some((_, bar)) = &self.bar {
                bar.set_position(p.done);
            }
        } else if p.done == 0 || p.done == p.total || self.last.elapsed() >= LINE_EVERY {
            self.last = Instant::now();
            eprintln!("detente: {} {}/{}", p.phase.as_str(), p.done, p.total);
        }
    }

    fn finish(&mut self) {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Progress on stderr: a bar on a terminal, a line every few seconds otherwise, or nothing.
enum Progress {
    Bar(ProgressBar),
    Lines {
        total: u64,
        done: u64,
        failed: u64,
        started: Instant,
        last: Instant,
    },
    Quiet,
}

/// How often the plain progress lines come.
const LINE_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        if quiet || total == 0 {
            return Progress::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} negotiations, {per_sec}, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Lines {
                total,
                done: 0,
                failed: 0,
                started: now,
                last: now,
            }
        }
    }

    fn inc(&mut self, failed_one: bool) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Lines {
                total,
                done,
                failed,
                started,
                last,
            } => {
                *done += 1;
                *failed += u64::from(failed_one);
                if last.elapsed() >= LINE_EVERY {
                    *last = Instant::now();
                    eprintln!("{}", line(*done, *total, *failed, started.elapsed()));
                }
            }
            Progress::Quiet => {}
        }
    }

    fn finish(&mut self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// `detente: 1200/28800 negotiations (4.2%), 812/s, eta 34 s`.
fn line(done: u64, total: u64, failed: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rate = done as f64 / secs;
    let eta = if rate > 0.0 {
        format!(", eta {:.0} s", (total - done.min(total)) as f64 / rate)
    } else {
        String::new()
    };
    let failed = if failed > 0 {
        format!(", {failed} failed")
    } else {
        String::new()
    };
    format!(
        "detente: {done}/{total} negotiations ({:.1}%), {rate:.0}/s{eta}{failed}",
        100.0 * done as f64 / total.max(1) as f64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_read_well() {
        assert_eq!(
            line(1200, 28800, 0, Duration::from_secs(2)),
            "detente: 1200/28800 negotiations (4.2%), 600/s, eta 46 s"
        );
        assert_eq!(
            line(10, 10, 3, Duration::from_secs(1)),
            "detente: 10/10 negotiations (100.0%), 10/s, eta 0 s, 3 failed"
        );
    }
}
