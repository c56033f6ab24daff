//! `detente report`: the ranking of a results database, as a table or as JSON.
//!
//! Per strategy: mean individual utility (ANAC's main score, which orders the table),
//! agreement rate, mean welfare, mean distance to the Pareto frontier and to the Nash point,
//! each with its 95% confidence interval, plus the number of participations and failures. The
//! statistics are defined in `detente_tournament::ranking`; the JSON shape here is part of the
//! CLI's API.
//!
//! Non-goals: per-scenario breakdowns and plots (query the database or an export).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use detente_store::Store;
use detente_tournament::{Estimate, MediatorStanding, Standing};

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The results database (opened read-only).
    #[arg(value_name = "RESULTS.db")]
    db: PathBuf,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the ranking as a self-contained HTML page with a confidence-interval chart.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub(crate) fn run(args: &ReportArgs) -> Result<()> {
    if let Some(path) = &args.html {
        super::html::check(path, &[args.db.as_path()])?;
    }
    let store = Store::open_read_only(&args.db)?;
    let d = store.require_description()?;
    let counts = store.counts()?;
    let standings = store.ranking()?;
    let mediators = store.mediator_ranking()?;
    if let Some(path) = &args.html {
        let page = detente_report::html::tournament(&d.fingerprint, counts.planned, &standings);
        super::html::write(path, &[args.db.as_path()], &page)?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = ReportJson {
            fingerprint: &d.fingerprint,
            n_negotiations: counts.planned,
            stored: counts.stored,
            failed: counts.failed,
            rounds: d.config.rounds,
            reps: d.config.reps,
            seed: d.config.seed.to_string(),
            scenarios: d
                .scenarios
                .iter()
                .map(|s| ScenarioJson {
                    name: &s.name,
                    parties: s.parties.iter().map(|(n, _)| n.as_str()).collect(),
                    n_assignments: s.n_assignments,
                    n_possible: s.n_possible,
                    pareto_size: s.pareto_size,
                    nash: s.nash.as_deref(),
                    note: s.note.as_deref(),
                })
                .collect(),
            ranking: standings
                .iter()
                .enumerate()
                .map(|(i, s)| StandingJson::new(i + 1, s))
                .collect(),
            protocol: d.config.protocol.as_str(),
            mediator_ranking: (!mediators.is_empty()).then(|| {
                mediators
                    .iter()
                    .enumerate()
                    .map(|(i, m)| MediatorJson::new(i + 1, m))
                    .collect()
            }),
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "tournament {}: {}, {} strateg{}, {}, {}, seed {}",
        d.fingerprint,
        super::count(d.scenarios.len(), "scenario"),
        super::grouped(d.players.len()),
        plural(d.players.len(), "y", "ies"),
        super::count(d.config.rounds, "round"),
        super::count(d.config.reps, "rep"),
        d.config.seed
    )?;
    writeln!(
        out,
        "negotiations: {} of {} stored{}{}",
        super::grouped(counts.stored),
        super::grouped(counts.planned),
        if counts.stored < counts.planned {
            " (incomplete: rerun the tournament command, or merge the other shards)"
        } else {
            ""
        },
        if counts.failed > 0 {
            format!(", {} failed", super::grouped(counts.failed))
        } else {
            String::new()
        }
    )?;
    for s in &d.scenarios {
        if let Some(note) = &s.note {
            writeln!(out, "note: scenario '{}': {note}", s.name)?;
        }
    }
    writeln!(out)?;
    if !mediators.is_empty() {
        writeln!(
            out,
            "single negotiating text: every mediator played the same assignments with the same \
             seeds, consulting every party each round; mediators ranked by agreement rate, then \
             fewer questions, then welfare"
        )?;
        write_mediator_table(&mut out, &mediators)?;
        writeln!(
            out,
            "\nthe strategies reviewing the drafts, over every mediator's negotiations:"
        )?;
    }
    write_table(&mut out, &standings)?;
    writeln!(
        out,
        "\nmean [95% confidence interval]; utility is each strategy's own payoff (ANAC's score); \
         rates use Wilson intervals"
    )?;
    Ok(())
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `0.712 [0.690, 0.734]`, or `—` when there is no estimate.
fn cell(e: Option<&Estimate>) -> String {
    match e {
        None => "—".into(),
        Some(e) => match e.ci95 {
            Some((lo, hi)) => format!("{:.3} [{lo:.3}, {hi:.3}]", e.mean),
            None => format!("{:.3}", e.mean),
        },
    }
}

fn write_mediator_table(out: &mut dyn Write, ms: &[MediatorStanding]) -> std::io::Result<()> {
    let header = [
        "rank",
        "mediator",
        "agreement",
        "consultations",
        "questions",
        "welfare",
        "pareto dist",
        "nash dist",
        "n",
        "failed",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = ms
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                (i + 1).to_string(),
                m.name.clone(),
                cell(m.agreement_rate.as_ref()),
                cell(m.consultations.as_ref()),
                cell(m.questions.as_ref()),
                cell(m.welfare.as_ref()),
                cell(m.pareto_distance.as_ref()),
                cell(m.nash_distance.as_ref()),
                m.n_negotiations.to_string(),
                m.n_failed.to_string(),
            ]
        })
        .collect();
    write_rows(out, &header, &rows)
}

/// Left-aligned columns two spaces apart.
fn write_rows(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

fn write_table(out: &mut dyn Write, standings: &[Standing]) -> std::io::Result<()> {
    let header = [
        "rank",
        "strategy",
        "utility",
        "agreement",
        "welfare",
        "pareto dist",
        "nash dist",
        "n",
        "failed",
    ];
    let rows: Vec<[String; 9]> = standings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            [
                (i + 1).to_string(),
                s.name.clone(),
                cell(s.utility.as_ref()),
                cell(s.agreement_rate.as_ref()),
                cell(s.welfare.as_ref()),
                cell(s.pareto_distance.as_ref()),
                cell(s.nash_distance.as_ref()),
                s.n_participations.to_string(),
                s.n_failed.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(&header.map(String::from)))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ReportJson<'a> {
    fingerprint: &'a str,
    n_negotiations: u64,
    stored: u64,
    failed: u64,
    rounds: u32,
    reps: u32,
    /// A string: seeds are unsigned 64-bit, beyond what JSON readers keep exactly.
    seed: String,
    scenarios: Vec<ScenarioJson<'a>>,
    ranking: Vec<StandingJson<'a>>,
    /// `sao` or `single-text`.
    protocol: &'a str,
    /// Single text: the mediators, ranked; null under SAO.
    mediator_ranking: Option<Vec<MediatorJson<'a>>>,
}

#[derive(Serialize)]
struct MediatorJson<'a> {
    rank: usize,
    mediator: &'a str,
    negotiations: u64,
    failed: u64,
    agreement_rate: Option<EstimateJson>,
    consultations: Option<EstimateJson>,
    questions: Option<EstimateJson>,
    welfare: Option<EstimateJson>,
    pareto_distance: Option<EstimateJson>,
    nash_distance: Option<EstimateJson>,
    individually_rational: Option<EstimateJson>,
}

impl<'a> MediatorJson<'a> {
    fn new(rank: usize, m: &'a MediatorStanding) -> MediatorJson<'a> {
        MediatorJson {
            rank,
            mediator: &m.name,
            negotiations: m.n_negotiations,
            failed: m.n_failed,
            agreement_rate: m.agreement_rate.map(EstimateJson::from),
            consultations: m.consultations.map(EstimateJson::from),
            questions: m.questions.map(EstimateJson::from),
            welfare: m.welfare.map(EstimateJson::from),
            pareto_distance: m.pareto_distance.map(EstimateJson::from),
            nash_distance: m.nash_distance.map(EstimateJson::from),
            individually_rational: m.individually_rational.map(EstimateJson::from),
        }
    }
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    parties: Vec<&'a str>,
    n_assignments: u64,
    n_possible: u64,
    pareto_size: Option<u64>,
    nash: Option<&'a [f64]>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct StandingJson<'a> {
    rank: usize,
    strategy: &'a str,
    participations: u64,
    failed: u64,
    utility: Option<EstimateJson>,
    agreement_rate: Option<EstimateJson>,
    welfare: Option<EstimateJson>,
    pareto_distance: Option<EstimateJson>,
    nash_distance: Option<EstimateJson>,
    individually_rational: Option<EstimateJson>,
}

impl<'a> StandingJson<'a> {
    fn new(rank: usize, s: &'a Standing) -> StandingJson<'a> {
        StandingJson {
            rank,
            strategy: &s.name,
            participations: s.n_participations,
            failed: s.n_failed,
            utility: s.utility.map(EstimateJson::from),
            agreement_rate: s.agreement_rate.map(EstimateJson::from),
            welfare: s.welfare.map(EstimateJson::from),
            pareto_distance: s.pareto_distance.map(EstimateJson::from),
            nash_distance: s.nash_distance.map(EstimateJson::from),
            individually_rational: s.individually_rational.map(EstimateJson::from),
        }
    }
}

#[derive(Serialize)]
struct EstimateJson {
    n: u64,
    mean: f64,
    /// `[low, high]`, or null below two observations.
    ci95: Option<[f64; 2]>,
}

impl From<Estimate> for EstimateJson {
    fn from(e: Estimate) -> EstimateJson {
        EstimateJson {
            n: e.n,
            mean: e.mean,
            ci95: e.ci95.map(|(lo, hi)| [lo, hi]),
        }
    }
}
