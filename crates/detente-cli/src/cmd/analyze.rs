//! `detente analyze`: exact analysis, as text or JSON.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use detente_core::analysis::AnalysisConfig;

use super::ScenarioArgs;

#[derive(Args, Debug)]
pub(crate) struct AnalyzeArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    #[command(flatten)]
    pub(crate) threads: super::ThreadsArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Most search nodes per quantity before it is reported as not computed (default 100000000).
    #[arg(long, value_name = "N", default_value_t = AnalysisConfig::default().max_nodes,
          value_parser = super::at_least_one)]
    max_nodes: u64,
    /// Also write a self-contained HTML report (utility space with the frontier, the zone and
    /// the bargaining points; every party at once; drafts; meetings; sources) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
    /// With --json, list a frontier outcome by outcome only when it has at most N outcomes
    /// (beyond, its distinct utility vectors with counts), and at most N vectors (default 10000).
    #[arg(long, value_name = "N", default_value_t = detente_report::json::DEFAULT_MAX_LISTED)]
    max_listed: u64,
}

pub(crate) fn run(args: &AnalyzeArgs) -> Result<()> {
    let s = args.scenario.load()?;
    if let Some(path) = &args.html {
        super::html::check(path, &args.scenario.inputs())?;
    }
    // One report, computed once; the printers below only read it. The bar (stderr on a
    // terminal only) shows the phase and elapsed time, with a line per phase of the exact
    // analysis below it (a bar with an ETA where its work is known or estimated); the
    // robustness draws report each draw, with an ETA.
    let bar = super::sensitivity::Bar::new(false);
    bar.phase(
        "exact analysis: zone, frontier, Nash, Kalai-Smorodinsky",
        0,
        1,
    );
    let options = detente_report::Options {
        max_nodes: args.max_nodes,
        full_frontier_limit: f64::INFINITY,
        progress: bar.analysis_hook(),
        ..Default::default()
    };
    let mut report = detente_report::Report::analyze(s, &options);
    // The robust analysis is shown by the JSON and HTML printers (the text is the exact
    // analysis alone).
    if args.json || args.html.is_some() {
        report = report.with_robustness(&bar)?;
    }
    bar.finish();
    if let Some(path) = &args.html {
        super::html::write(
            path,
            &args.scenario.inputs(),
            &detente_report::html::render(&report),
        )?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        detente_report::json::write_analysis(&mut out, &report, args.max_listed)?;
    } else {
        detente_report::text::write_analysis(&mut out, &report)?;
    }
    out.flush()?;
    Ok(())
}
