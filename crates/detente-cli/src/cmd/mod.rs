//! Subcommands, one module each, and the arguments they share.

mod analyze;
mod convert;
mod export;
mod html;
mod improve;
mod merge;
mod negotiate;
mod phases;
mod report;
mod room;
mod run;
mod sensitivity;
mod serve;
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
    /// Worker threads for exact analysis and tournaments (default: all cores); also accepted
    /// after `analyze`, `negotiate`, `run` and `tournament`, the commands that use it. Results
    /// do not depend on it.
    #[arg(long, value_name = "N")]
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
    /// Robust analysis over the estimates' ranges: probability of a zone, robust packages,
    /// decisive estimates, smallest changes that open a zone.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Post-settlement improvement (Raiffa): the packages every party prefers to a tentative
    /// agreement or a reported draft, and the one that maximises the smallest gain.
    Improve(improve::ImproveArgs),
    /// Convert a scenario between the native, GENIUS and GeniusWeb formats.
    Convert(convert::ConvertArgs),
    /// Every strategy against every other on many scenarios, with role rotation and
    /// repetitions, into a results database (rerun to resume).
    Tournament(tournament::TournamentArgs),
    /// Rank the strategies of a results database, with 95% confidence intervals.
    Report(report::ReportArgs),
    /// Export a results database as CSV or Parquet (one row per participant).
    #[cfg_attr(
        not(feature = "parquet"),
        command(about = "Export a results database as CSV (one row per participant)")
    )]
    Export(export::ExportArgs),
    /// Merge the results databases of a tournament's shards.
    Merge(merge::MergeArgs),
    /// Serve the negotiation room (people and agents around a single text) from one SQLite
    /// file.
    Serve(serve::ServeArgs),
    /// Manage negotiation rooms (create one and print its invitation links).
    Room(room::RoomArgs),
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

/// `text` safe to print on a terminal: control characters (escape sequences, bells, NULs
/// from binary files) are shown escaped (`\u{1b}`) rather than sent, and a message longer than
/// 2,000 characters is cut with a note, so a binary file named in an error cannot garble the
/// terminal or flood it.
pub(crate) fn printable(text: &str) -> String {
    const MAX: usize = 2000;
    let mut out = String::with_capacity(text.len().min(MAX + 64));
    let mut n = 0usize;
    for c in text.chars() {
        n += 1;
        if n > MAX {
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if n > MAX {
        out.push_str(&format!("… ({} more characters)", grouped(n - MAX)));
    }
    out
}

pub(crate) use detente_report::text::{count, grouped};

/// A count that must be at least 1 (`--max-nodes`).
pub(crate) fn at_least_one(s: &str) -> std::result::Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// `--threads`, on the commands that use threads.
#[derive(Args, Debug)]
pub(crate) struct ThreadsArgs {
    /// Worker threads for exact analysis and tournaments (default: all cores). Results do not
    /// depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

impl Command {
    /// The subcommand's name and its own `--threads`, or `None` if it uses no threads.
    fn threads(&self) -> (&'static str, Option<Option<usize>>) {
        match self {
            Command::Analyze(a) => ("analyze", Some(a.threads.threads)),
            Command::Negotiate(a) => ("negotiate", Some(a.threads.threads)),
            Command::Run(a) => ("run", Some(a.threads.threads)),
            Command::Tournament(a) => ("tournament", Some(a.threads.threads)),
            Command::Sensitivity(a) => ("sensitivity", Some(a.threads.threads)),
            Command::Improve(_) => ("improve", None),
            Command::Convert(_) => ("convert", None),
            Command::Report(_) => ("report", None),
            Command::Export(_) => ("export", None),
            Command::Merge(_) => ("merge", None),
            Command::Serve(_) => ("serve", None),
            Command::Room(_) => ("room", None),
        }
    }
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    let threads = match (cli.threads, cli.command.threads()) {
        (Some(_), (name, None)) => {
            return Err(UsageError(format!(
                "--threads does nothing for `{name}`; it applies to analyze, negotiate, run, \
                 sensitivity and tournament"
            ))
            .into());
        }
        (Some(_), (_, Some(Some(_)))) => {
            return Err(UsageError("--threads is given twice".into()).into());
        }
        (top, (_, sub)) => top.or(sub.flatten()),
    };
    if let Some(n) = threads {
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
        Command::Sensitivity(a) => sensitivity::run(&a),
        Command::Improve(a) => improve::run(&a),
        Command::Convert(a) => convert::run(&a),
        Command::Tournament(a) => tournament::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Merge(a) => merge::run(&a),
        Command::Serve(a) => serve::run(&a),
        Command::Room(a) => room::run(&a),
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
    /// The files the scenario is read from (an output must never be one of them).
    pub(crate) fn inputs(&self) -> Vec<&std::path::Path> {
        let mut v: Vec<&std::path::Path> = self.path.iter().map(|p| p.as_path()).collect();
        v.extend(self.domain.iter().map(|p| p.as_path()));
        v.extend(self.profile.iter().map(|p| p.as_path()));
        v
    }

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
            eprintln!("detente: {}", printable(&w.to_string()));
        }
        Ok(loaded.scenario)
    }
}

impl ScenarioArgs {
    /// Loads a scenario to negotiate: as [`ScenarioArgs::load`], refusing (with the file named)
    /// a scenario of fewer than 2 parties.
    pub(crate) fn load_negotiable(&self) -> Result<Scenario> {
        let s = self.load()?;
        if s.parties().len() < 2 {
            let file = match (&self.path, &self.domain) {
                (Some(p), _) | (None, Some(p)) => p.display().to_string(),
                (None, None) => "the scenario".into(),
            };
            let names: Vec<&str> = s.parties().iter().map(|p| p.name.as_str()).collect();
            anyhow::bail!(
                "{file}: the scenario has {} ({}); a negotiation needs at least 2 (`detente \
                 analyze {file}` analyses it alone)",
                if names.len() == 1 {
                    "1 party"
                } else {
                    "no parties"
                },
                names.join(", ")
            );
        }
        Ok(s)
    }
}

/// Which parties negotiate and with which strategies.
#[derive(Args, Debug)]
pub(crate) struct NegotiationArgs {
    /// A party's strategy, as NAME=STRATEGY (repeatable). Strategies: boulware, linear,
    /// conceder, time:E (custom exponent E > 0), hardliner, random, tit-for-tat (relative),
    /// naive-tft, micro, boa:bid=B,accept=A,model=M, and the ANAC agents agentk, hardheaded,
    /// cuhk, thefawkes, atlas3, parsagent, caduceus, ponpoko, agreeable, agentgg
    /// (docs/strategies.md).
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
            // The party is the shortest prefix before an '=' that names one (a BOA strategy
            // has '=' of its own: P=boa:bid=time:0.2,accept=next); otherwise the split at the
            // last '=' gives the error.
            let Some((name, strat)) = spec
                .match_indices('=')
                .map(|(k, _)| (&spec[..k], &spec[k + 1..]))
                .find(|(n, _)| scenario.party_index(n.trim()).is_ok())
                .or_else(|| spec.rsplit_once('='))
            else {
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
