//! `detente run`: the main job. A readable report on a scenario (parties, issues, walk-away
//! values, the zone of possible agreement, the Nash package in plain words, how each reported
//! draft scores) followed by a simulated negotiation. The report is built here, once, and
//! printed by `detente_report`'s text, JSON and HTML printers.

use std::io::{self, Write};

use anyhow::Result;
use clap::Args;

use detente_core::analysis::AnalysisConfig;
use detente_core::protocol::{self, SaoConfig};

use super::{NegotiationArgs, NegotiationSetup, ScenarioArgs};

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    #[command(flatten)]
    pub(crate) threads: super::ThreadsArgs,
    #[command(flatten)]
    negotiation: NegotiationArgs,
    /// Mediated scenarios: the single negotiating text is simulated with these settings
    /// (`run` shows the single text when the scenario has a mediator, then stacked alternating
    /// offers; `negotiate --protocol` runs one protocol alone).
    #[command(flatten)]
    text: super::text::ProtocolArgs,
    /// Print one JSON object (analysis, scored drafts, the single text's full trace with every
    /// draft version, the stacked-alternating-offers trace) instead of the report.
    #[arg(long)]
    json: bool,
    /// Most search nodes per analysed quantity (default 100000000).
    #[arg(long, value_name = "N", default_value_t = AnalysisConfig::default().max_nodes,
          value_parser = super::at_least_one)]
    max_nodes: u64,
    /// Also write a self-contained HTML report with plots (utility space per pair of parties,
    /// every party at once, draft versions, concession curves, meetings, sources) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Outcome spaces up to this size get their full Pareto frontier in the report.
const FULL_FRONTIER_LIMIT: f64 = 1e8;

pub(crate) fn run(args: &RunArgs) -> Result<()> {
    let scenario = args.scenario.load_negotiable()?;
    // Check the negotiation flags before printing anything: a usage error must not follow a
    // half-printed report.
    let setup = args.negotiation.setup(scenario.clone())?;
    if setup.scenario.mediator.is_some() {
        args.text.single_text(&setup)?;
    } else {
        args.text
            .refuse_unused("this scenario has no mediator (no single text runs)")?;
    }
    if let Some(path) = &args.html {
        super::html::check(path, &args.scenario.inputs())?;
    }
    // Everything is computed once, here; the printers below only read the report. The bar
    // (stderr on a terminal only) shows which phase runs and for how long.
    let bar = super::sensitivity::Bar::new(false);
    let whole_cast = setup.scenario.parties().len() == scenario.parties().len();
    // The robust analysis goes in the report the printers read: with --only the text shows
    // the whole scenario's (below), the JSON and HTML the negotiating parties'.
    let robust = whole_cast || args.json || args.html.is_some();
    let report = build_report(args, &setup, robust, &bar)?;
    if let Some(path) = &args.html {
        let page = detente_report::html::render(&report);
        super::html::write(path, &args.scenario.inputs(), &page)?;
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.json {
        detente_report::json::write_run(&mut out, &report)?;
        out.flush()?;
        return Ok(());
    }
    // With --only the negotiation runs among fewer parties; the analysis stays the whole
    // scenario's.
    let whole;
    let analysed = if whole_cast {
        &report
    } else {
        bar.phase("exact analysis of the whole scenario", 0, 1);
        whole = detente_report::Report::analyze(scenario.clone(), &report_options(args, &bar))
            .with_robustness(&bar)?;
        &whole
    };
    bar.finish();
    detente_report::text::write_run(&mut out, analysed, &report)?;
    out.flush()?;
    Ok(())
}

/// The analysis settings of `run`, as report options (the exact analysis draws its phases
/// under `bar`).
fn report_options(args: &RunArgs, bar: &super::sensitivity::Bar) -> detente_report::Options {
    detente_report::Options {
        max_nodes: args.max_nodes,
        full_frontier_limit: FULL_FRONTIER_LIMIT,
        progress: bar.analysis_hook(),
        ..Default::default()
    }
}

/// The report every printer reads: the analysis and scored drafts, the single text (mediated
/// scenarios), stacked alternating offers, the principals alone (default cast only) and the
/// comparisons with the Nash package.
fn build_report(
    args: &RunArgs,
    setup: &NegotiationSetup,
    robust: bool,
    bar: &super::sensitivity::Bar,
) -> Result<detente_report::Report> {
    let mediated = setup.scenario.mediator.is_some();
    let alone_too = args.negotiation.is_default_cast();
    let phases = 2 + u64::from(mediated) + u64::from(alone_too);
    let mut phase = 0;
    let mut next = |name: &str| {
        bar.phase(name, phase, phases);
        phase += 1;
    };
    next("exact analysis: zone, frontier, Nash, Kalai-Smorodinsky, drafts");
    let options = report_options(args, bar);
    let mut report = detente_report::Report::analyze(setup.scenario.clone(), &options);
    if mediated {
        next("single negotiating text");
        let (result, config, start_label) = super::text::run(&args.text, setup)?;
        report = report.with_single_text(detente_report::TextRun {
            result,
            mediator: config.mediator.as_str().to_string(),
            start_label,
            config,
        })?;
    }
    let config = SaoConfig {
        rounds: setup.rounds,
        seed: setup.seed,
    };
    next("stacked alternating offers");
    let result = protocol::run_sao(&setup.scenario, &setup.strategies, &config)?;
    let alone = if alone_too {
        next("the principals alone");
        detente_report::principals_alone(&setup.scenario, &setup.strategies, &config)?
    } else {
        None
    };
    let strategies = setup.strategies.iter().map(|x| x.to_string()).collect();
    let report = report
        .with_sao(detente_report::SaoRun {
            result,
            strategies,
            config,
        })
        .with_principals_alone(alone);
    // Its draws show on the bar with an ETA (scenarios with ranges only).
    Ok(if robust {
        report.with_robustness(bar)?
    } else {
        report
    })
}
