//! `detente export`: the results of a database as one flat CSV or Parquet file, one row per
//! participant of each negotiation, for pandas, polars and DuckDB.
//!
//! The columns are those of the `results` view (docs/results-schema.md). Parquet needs a
//! build with the `parquet` feature; without it the command says so.
//!
//! Non-goals: exporting traces (query the `events` table), choosing columns.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use detente_store::Store;

use super::UsageError;

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The results database (opened read-only).
    #[arg(value_name = "RESULTS.db")]
    db: PathBuf,
    /// Output format [default: from OUT's extension, .csv or .parquet].
    #[cfg_attr(
        not(feature = "parquet"),
        arg(help = "Output format [default: from OUT's extension, .csv]")
    )]
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The file to write (replaced if it exists).
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// No closing summary on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet (snappy). Hidden in builds without the `parquet` feature, where asking
    /// for it says the build cannot write it.
    #[cfg_attr(not(feature = "parquet"), value(hide = true))]
    Parquet,
}

pub(crate) fn run(args: &ExportArgs) -> Result<()> {
    let format = match args.format {
        Some(f) => f,
        None => match args.out.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            Some(e) if e.eq_ignore_ascii_case("parquet") => Format::Parquet,
            _ => {
                return Err(UsageError(format!(
                    "cannot tell the format of '{}' from its extension; give --format csv or \
                     --format parquet",
                    args.out.display()
                ))
                .into());
            }
        },
    };
    let store = Store::open_read_only(&args.db)?;
    let rows = match format {
        Format::Csv => store.export_csv(&args.out)?,
        Format::Parquet => store.export_parquet(&args.out)?,
    };
    if !args.quiet {
        eprintln!(
            "detente: wrote {} to '{}'",
            super::count(rows, "row"),
            args.out.display()
        );
    }
    Ok(())
}
