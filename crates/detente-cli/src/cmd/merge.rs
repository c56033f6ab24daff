//! `detente merge`: combines the databases of a tournament's shards into one.
//!
//! Every shard must hold the same tournament (the same fingerprint: same scenarios,
//! strategies and settings); otherwise nothing is written. The target may already hold part
//! of the tournament; rerunning an interrupted merge is safe.
//!
//! Non-goals: combining different tournaments.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// The shards' results databases (opened read-only).
    #[arg(value_name = "SHARD.db", required = true, num_args = 1..)]
    shards: Vec<PathBuf>,
    /// The database to merge into (created if missing).
    #[arg(long, value_name = "ALL.db")]
    into: PathBuf,
    /// No closing summary on stderr.
    #[arg(long)]
    quiet: bool,
}

pub(crate) fn run(args: &MergeArgs) -> Result<()> {
    let s = detente_store::merge(&args.into, &args.shards)?;
    if !args.quiet {
        let missing = s.planned.saturating_sub(s.total);
        eprintln!(
            "detente: merged {} into '{}': {} added, {} already there; {} of {} stored{}",
            super::count(args.shards.len(), "shard"),
            args.into.display(),
            super::grouped(s.added),
            super::grouped(s.duplicates),
            super::grouped(s.total),
            super::count(s.planned, "negotiation"),
            if missing > 0 {
                format!(
                    " ({} missing: are all shards done?)",
                    super::grouped(missing)
                )
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
