//! Subcommands, one module each, and the arguments they share.

mod analyze;
mod convert;
mod export;
mod merge;
mod negotiate;
mod report;
mod run;
mod text;
mod tournament;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use detente_core::Scenario;
use detente_core::negotiator::Strategy;
use detente_formats::Input;

/// detente: model, analyse and simulate multi-party, multi-issue negotiations.
#[derive(Parser, Debug)]
#[command(name = "detente", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Worker threads for exact analysis and tournaments (default: all cores). Results do not
    /// depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exact analysis: outcome count, zone of possible agreement, Pareto frontier, Nash,
    /// Kalai–Smorodinsky and max-welfare points.
    Analyze(analyze::AnalyzeArgs),
    /// Simulate a negotiation (stacked alternating offers) with chosen strategies.
    Negotiate(negotiate::NegotiateArgs),
    /// The main job: a readable report on a scenario and a simulated negotiation.
    Run(run::RunArgs),
    /// Convert a scenario between the native, GENIUS and GeniusWeb formats.
    Convert(convert::ConvertArgs),
    /// Every strategy against every other on many scenarios, with role rotation and
    /// repetitions, into a results database (rerun to resume).
    Tournament(tournament::TournamentArgs),
    /// Rank the strategies of a results database, with 95% confidence intervals.
    Report(report::ReportArgs),
    /// Export a results database as CSV or Parquet (one row per participant).
    Export(export::ExportArgs),
    /// Merge the results databases of a tournament's shards.
    Merge(merge::MergeArgs),
}

/// An error in how the command was called (exit code 2).
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub(crate) fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        if n == 0 {
            return Err(UsageError("--threads must be at least 1".into()).into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the thread pool")?;
    }
    match cli.command {
        Command::Analyze(a) => analyze::run(&a),
        Command::Negotiate(a) => negotiate::run(&a),
        Command::Run(a) => run::run(&a),
        Command::Convert(a) => convert::run(&a),
        Command::Tournament(a) => tournament::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Merge(a) => merge::run(&a),
    }
}

/// Where the scenario comes from: a file or folder, or GENIUS `--domain` and `--profile`s.
#[derive(Args, Debug)]
pub(crate) struct ScenarioArgs {
    /// Scenario: a native .toml file, or a GENIUS / GeniusWeb folder.
    #[arg(value_name = "SCENARIO", required_unless_present = "domain")]
    path: Option<PathBuf>,
    /// A GENIUS domain XML (with --profile for each party).
    #[arg(
        long,
        value_name = "DOMAIN.xml",
        requires = "profile",
        conflicts_with = "path"
    )]
    domain: Option<PathBuf>,
    /// A GENIUS profile XML, one per party (with --domain).
    #[arg(long, value_name = "PROFILE.xml", requires = "domain")]
    profile: Vec<PathBuf>,
}

impl ScenarioArgs {
    /// Loads the scenario, printing lenient-reading warnings to stderr.
    pub(crate) fn load(&self) -> Result<Scenario> {
        let input = match (&self.path, &self.domain) {
            (Some(p), _) => Input::Path(p.clone()),
            (None, Some(d)) => Input::Genius {
                domain: d.clone(),
                profiles: self.profile.clone(),
            },
            (None, None) => {
                return Err(UsageError("give a scenario file or --domain".into()).into());
            }
        };
        let loaded = detente_formats::load_input(&input).map_err(anyhow::Error::new)?;
        for w in &loaded.warnings {
            eprintln!("detente: {w}");
        }
        Ok(loaded.scenario)
    }
}

/// Which parties negotiate and with which strategies.
#[derive(Args, Debug)]
pub(crate) struct NegotiationArgs {
    /// A party's strategy, as NAME=STRATEGY (repeatable). Strategies: boulware, linear,
    /// conceder, time:E (custom exponent E > 0), hardliner, random, tit-for-tat, micro.
    #[arg(long = "party", value_name = "NAME=STRATEGY")]
    parties: Vec<String>,
    /// Strategy of every party not named with --party.
    #[arg(long, value_name = "STRATEGY", default_value = "boulware")]
    default_strategy: String,
    /// Only these parties negotiate (comma-separated names; default: all parties).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    only: Vec<String>,
    /// Deadline in rounds (default: the scenario's `rounds`, else 100).
    #[arg(long, value_name = "N")]
    rounds: Option<u32>,
    /// Seed for the negotiators' random choices.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
}

/// A negotiation set up from the flags: the (possibly reduced) scenario and one strategy per
/// party.
pub(crate) struct NegotiationSetup {
    pub(crate) scenario: Scenario,
    pub(crate) strategies: Vec<Strategy>,
    pub(crate) rounds: u32,
    pub(crate) seed: u64,
}

impl NegotiationArgs {
    /// Whether the user left the cast alone (no --only), so the report may add variants.
    pub(crate) fn is_default_cast(&self) -> bool {
        self.only.is_empty()
    }

    pub(crate) fn setup(&self, scenario: Scenario) -> Result<NegotiationSetup> {
        let usage = |m: String| anyhow::Error::new(UsageError(m));
        let scenario = if self.only.is_empty() {
            scenario
        } else {
            for (k, n) in self.only.iter().enumerate() {
                if self.only[..k].iter().any(|m| m.trim() == n.trim()) {
                    return Err(usage(format!(
                        "--only: party '{}' is named twice",
                        n.trim()
                    )));
                }
            }
            let idx = self
                .only
                .iter()
                .map(|n| {
                    scenario
                        .party_index(n.trim())
                        .map_err(|e| usage(format!("--only: {e}")))
                })
                .collect::<Result<Vec<_>>>()?;
            scenario
                .with_parties(&idx)
                .map_err(|e| usage(format!("--only: {e}")))?
        };
        if scenario.parties().len() < 2 {
            return Err(usage("a negotiation needs at least 2 parties".into()));
        }
        let default: Strategy = self
            .default_strategy
            .parse()
            .map_err(|e: detente_core::Error| usage(format!("--default-strategy: {e}")))?;
        let mut strategies = vec![default; scenario.parties().len()];
        let mut named = vec![false; strategies.len()];
        for spec in &self.parties {
            let Some((name, strat)) = spec.rsplit_once('=') else {
                return Err(usage(format!("--party '{spec}': expected NAME=STRATEGY")));
            };
            let i = scenario
                .party_index(name.trim())
                .map_err(|e| usage(format!("--party '{spec}': {e}")))?;
            if named[i] {
                return Err(usage(format!(
                    "--party: party '{}' is given twice",
                    name.trim()
                )));
            }
            named[i] = true;
            strategies[i] = strat
                .parse()
                .map_err(|e: detente_core::Error| usage(format!("--party '{spec}': {e}")))?;
        }
        let rounds = self.rounds.unwrap_or(scenario.rounds);
        if rounds == 0 {
            return Err(usage("--rounds must be at least 1".into()));
        }
        let max = detente_core::protocol::MAX_ROUNDS;
        if rounds > max {
            return Err(usage(format!(
                "--rounds is {rounds}; at most {max} (a negotiation keeps its trace in memory)"
            )));
        }
        Ok(NegotiationSetup {
            scenario,
            strategies,
            rounds,
            seed: self.seed,
        })
    }
}
