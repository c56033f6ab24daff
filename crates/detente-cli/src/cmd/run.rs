//! `detente run`: the main job. A readable report on a scenario (parties, issues, walk-away
//! values, the zone of possible agreement, the Nash package in plain words, how each reported
//! draft scores) followed by a simulated negotiation.

use std::io::{self, Write};

use anyhow::Result;
use clap::Args;

use detente_core::analysis::{
    Analysis, AnalysisConfig, FrontierVector, Incomplete, Point, Verdict,
};
use detente_core::protocol::{self, Event, NegotiationResult, SaoConfig};
use detente_core::{Cardinality, IssueKind, Outcome, Scenario, relative_time};

use super::{NegotiationArgs, NegotiationSetup, ScenarioArgs, count, grouped};

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
        write_json(&mut out, &report)?;
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
        whole = detente_report::Report::analyze(scenario.clone(), &report_options(args))
            .with_robustness(&bar)?;
        &whole
    };
    bar.finish();
    write_text(&mut out, &setup, &scenario, analysed, &report)?;
    out.flush()?;
    Ok(())
}

/// The text report: `analysed` holds the analysis of the whole scenario `s`, `report` the runs
/// (the same value unless --only narrowed the cast).
fn write_text(
    out: &mut impl Write,
    setup: &NegotiationSetup,
    s: &Scenario,
    analysed: &detente_report::Report,
    report: &detente_report::Report,
) -> Result<()> {
    writeln!(out, "detente report: {}", s.name)?;
    if let Some(d) = &s.as_of {
        writeln!(out, "Record as of {d}: nothing after this date is encoded.")?;
    }
    if let Some(d) = &s.description {
        writeln!(out, "{}", wrap(d, 96, ""))?;
    }
    if let Some(p) = &s.provenance {
        writeln!(out, "\nProvenance: {}", wrap(p, 96, "  ").trim_start())?;
    }
    write_parties(out, s)?;
    let a = &analysed.analysis;
    write_analysis(out, analysed)?;
    if let Some(r) = &analysed.robustness {
        super::sensitivity::write_run_section(out, s, r)?;
    }
    write_packages(out, s, a, &analysed.packages)?;
    write_timeline(out, s)?;
    let whole_cast = setup.scenario.parties().len() == s.parties().len();
    if let (Some(t), Some(c)) = (&report.single_text, &report.text_comparison)
        && whole_cast
    {
        writeln!(out)?;
        super::text::write_story(out, setup, &t.config, &t.start_label, &t.result)?;
        if let Some(w) = &report.text_why_not {
            super::text::write_why_not(out, s, w)?;
        }
        write_text_comparison(out, s, c)?;
    }
    let Some(sao) = &report.sao else {
        return Ok(());
    };
    writeln!(out)?;
    write_negotiation(out, setup, &sao.result, false)?;
    // With more parties than principals, the principals also bargain alone; do the others
    // live with what they agree?
    if let Some(pa) = &report.principals_alone {
        write_principals_alone(out, setup, s, pa)?;
    }
    if let Some(c) = &report.sao_vs_nash
        && whole_cast
    {
        write_nash_comparison(out, s, c)?;
    }
    Ok(())
}

/// The single text's final draft against the Nash package and the reported drafts.
fn write_text_comparison(
    out: &mut impl Write,
    s: &Scenario,
    c: &detente_report::TextComparison,
) -> io::Result<()> {
    let what = if c.agreed {
        "agreed text"
    } else {
        "last draft"
    };
    if let Some(d) = &c.nash_differs_on {
        writeln!(
            out,
            "\n  The {what} differs from the Nash package on {} of {} issues{}",
            d.len(),
            s.space().issues().len(),
            if d.is_empty() {
                String::new()
            } else {
                format!(": {}", super::text::issue_list(s, d))
            }
        )?;
    }
    for m in &c.drafts {
        let pk = &s.packages[m.package];
        writeln!(
            out,
            "  Against {}{}: the {what} matches it on {} of its {} decided issues",
            pk.name,
            pk.date
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            m.matched,
            m.decided
        )?;
    }
    Ok(())
}

/// The principals' negotiation alone, and how its agreement looks to every party.
fn write_principals_alone(
    out: &mut impl Write,
    setup: &NegotiationSetup,
    s: &Scenario,
    pa: &detente_report::PrincipalsAlone,
) -> io::Result<()> {
    let names: Vec<&str> = pa
        .principals
        .iter()
        .map(|&i| s.parties()[i].name.as_str())
        .collect();
    writeln!(
        out,
        "\nThe principals alone ({}), same strategies and seed:",
        names.join(" and ")
    )?;
    match &pa.for_every_party {
        Some(views) => {
            let us: Vec<String> = s
                .parties()
                .iter()
                .zip(views)
                .map(|(p, v)| {
                    let verdict = if v.acceptable {
                        "acceptable"
                    } else if v.crosses_red_line {
                        "crosses a red line"
                    } else {
                        "below walk-away"
                    };
                    format!("{} {:.3} ({verdict})", p.name, v.utility)
                })
                .collect();
            writeln!(
                out,
                "  agreement in round {}; for every party: {}",
                pa.result.rounds,
                us.join(", ")
            )
        }
        None => writeln!(
            out,
            "  no agreement within {}",
            count(setup.rounds, "round")
        ),
    }
}

/// The simulated agreement against the Nash package.
fn write_nash_comparison(
    out: &mut impl Write,
    s: &Scenario,
    c: &detente_report::NashComparison,
) -> io::Result<()> {
    writeln!(
        out,
        "\nCompared with the Nash package: the simulated agreement differs on {} of {} issues{}",
        c.differs_on.len(),
        s.space().issues().len(),
        if c.differs_on.is_empty() {
            String::new()
        } else {
            format!(" ({})", super::text::issue_list(s, &c.differs_on))
        }
    )?;
    let signed = |xs: &[f64]| -> String {
        s.parties()
            .iter()
            .zip(xs)
            .map(|(p, d)| format!("{} {:+.3}", p.name, d))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &c.payoff_minus_nash {
        // Nash is computed on undiscounted utilities; the agreement's payoff is discounted.
        Some((t, payoff)) => {
            writeln!(
                out,
                "  utility relative to Nash (both undiscounted): {}",
                signed(&c.utility_minus_nash)
            )?;
            writeln!(
                out,
                "  payoff relative to Nash (payoff discounted at t = {t:.3}, Nash undiscounted): {}",
                signed(payoff)
            )
        }
        None => writeln!(
            out,
            "  utility relative to Nash: {}",
            signed(&c.utility_minus_nash)
        ),
    }
}

/// `run --json`: everything the report shows, as one object (docs/json.md).
fn write_json(out: &mut impl Write, report: &detente_report::Report) -> Result<()> {
    use serde_json::{Value, json};
    let s = &report.scenario;
    let issue = |i: &usize| s.space().issues()[*i].name().to_string();
    let issues = |v: &[usize]| v.iter().map(issue).collect::<Vec<_>>();
    let nash = report
        .analysis
        .nash
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .map(|p| &p.outcome);
    let packages: Vec<Value> = s
        .packages
        .iter()
        .zip(&report.packages)
        .map(|(pk, sc)| {
            let mut parties = serde_json::Map::new();
            for (p, ps) in s.parties().iter().zip(&sc.parties) {
                parties.insert(p.name.clone(), json!({
                    "utility_min": ps.lo,
                    "utility_max": ps.hi,
                    "verdict": ps.verdict.as_str(),
                    "red_lines_crossed": issues(&ps.red_lines_crossed),
                }));
            }
            json!({
                "name": pk.name,
                "label": pk.label,
                "date": pk.date,
                "completions": crate::json::count(&sc.completions),
                "acceptable_to_all": sc.acceptable_to_all.as_ref().map(crate::json::count).unwrap_or(Value::Null),
                "nash": nash.map_or(Value::Null, |n| {
                    let (decided, differs) = detente_report::draft_vs_nash(pk, n);
                    json!({"decided": issues(&decided), "differs_on": issues(&differs)})
                }),
                "parties": parties,
            })
        })
        .collect();
    let names = report
        .sao
        .as_ref()
        .map(|r| r.strategies.clone())
        .unwrap_or_default();
    let single_text = report.single_text.as_ref().map_or(Value::Null, |t| {
        crate::json::single_text(s, &names, &t.config, &t.start_label, &t.result)
    });
    let sao = report.sao.as_ref().map_or(Value::Null, |r| {
        crate::json::negotiation(s, &names, r.config.rounds, r.config.seed, &r.result)
    });
    // The principals alone, as in the report: their negotiation, and how its agreement looks to
    // every party of the scenario.
    let principals_alone = match (&report.principals_alone, &report.sao) {
        (Some(pa), Some(r)) => {
            let mut j = crate::json::negotiation(
                &pa.scenario,
                &pa.strategies,
                r.config.rounds,
                r.config.seed,
                &pa.result,
            );
            j["for_every_party"] = pa
                .for_every_party
                .as_ref()
                .map_or(Value::Null, |views| crate::json::party_views(s, views));
            j
        }
        _ => Value::Null,
    };
    let per_party = |xs: &[f64]| crate::json::per_party(s, xs);
    let comparisons = json!({
        "sao_vs_nash": report.sao_vs_nash.as_ref().map_or(Value::Null, |c| json!({
            "differs_on": issues(&c.differs_on),
            "utility_minus_nash": per_party(&c.utility_minus_nash),
            "payoff_minus_nash": c.payoff_minus_nash.as_ref().map_or(Value::Null, |(t, d)| json!({
                "time": t,
                "per_party": per_party(d),
            })),
        })),
        "single_text": report.text_comparison.as_ref().map_or(Value::Null, |c| json!({
            "final": if c.agreed { "agreed" } else { "last_draft" },
            "nash_differs_on": c.nash_differs_on.as_deref().map_or(Value::Null, |d| json!(issues(d))),
            "drafts": c.drafts.iter().map(|m| json!({
                "package": s.packages[m.package].name,
                "matched": m.matched,
                "decided": m.decided,
            })).collect::<Vec<_>>(),
            "why_not": report.text_why_not.as_ref().map_or(Value::Null, |w| why_not_json(s, w)),
        })),
    });
    #[derive(serde::Serialize)]
    struct RunJson<'a> {
        schema: &'static str,
        analysis: crate::json::AnalysisJson<'a>,
        packages: Vec<Value>,
        single_text: Value,
        sao: Value,
        principals_alone: Value,
        comparisons: Value,
    }
    serde_json::to_writer_pretty(
        &mut *out,
        &RunJson {
            schema: crate::json::RUN_SCHEMA,
            analysis: crate::json::report_analysis(report, crate::json::DEFAULT_MAX_LISTED),
            packages,
            single_text,
            sao,
            principals_alone,
            comparisons,
        },
    )?;
    writeln!(out)?;
    Ok(())
}

/// Why the single text ended without agreement (docs/json.md, `comparisons.single_text`).
fn why_not_json(s: &Scenario, w: &detente_report::WhyNot) -> serde_json::Value {
    use serde_json::json;
    let name = |p: usize| s.parties()[p].name.clone();
    let issues = |v: &[usize]| {
        v.iter()
            .map(|&i| s.space().issues()[i].name().to_string())
            .collect::<Vec<_>>()
    };
    match w {
        detente_report::WhyNot::Undecided(e) => json!({
            "zone": "undecided",
            "reason": e.to_string(),
        }),
        detente_report::WhyNot::MissedZone { zone, unacceptable } => json!({
            "zone": "exists",
            "zopa": crate::json::count(zone),
            "unacceptable_to": unacceptable.iter().map(|x| json!({
                "party": name(x.party),
                "red_lines": issues(&x.red_lines),
                "utility": x.utility,
                "reservation": x.reservation,
            })).collect::<Vec<_>>(),
        }),
        detente_report::WhyNot::NoZone { blocked_by } => json!({
            "zone": "none",
            "blocked_by": blocked_by.iter().map(|x| json!({
                "party": name(x.party),
                "utility": x.utility,
                "reservation": x.reservation,
                "short_by": x.reservation - x.utility,
            })).collect::<Vec<_>>(),
        }),
    }
}

fn write_parties(out: &mut impl Write, s: &Scenario) -> io::Result<()> {
    let space = s.space();
    writeln!(
        out,
        "\nIssues ({}), {}:",
        space.issues().len(),
        count(space.cardinality(), "possible package")
    )?;
    for (i, issue) in space.issues().iter().enumerate() {
        let what = match issue.kind() {
            IssueKind::Discrete { options } => count(options.len(), "option"),
            IssueKind::Integer { lo, hi, step } => format!("{lo}..={hi} step {step}"),
        };
        let desc = s
            .issue_notes
            .get(i)
            .and_then(|n| n.description.clone())
            .unwrap_or_default();
        writeln!(out, "  {:<28} {:<12} {}", issue.name(), what, desc)?;
    }
    writeln!(
        out,
        "\nParties (walk-away value = utility of no agreement, on a 0–1 scale):"
    )?;
    for p in s.parties() {
        let prov = p
            .provenance
            .reservation
            .as_deref()
            .map(|x| format!(" [{x}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<16} {:<12} walk-away {:.2}{}{}",
            p.name,
            p.role.as_str(),
            p.preferences.reservation(),
            if p.preferences.discount() < 1.0 {
                format!(", discount {} over time", p.preferences.discount())
            } else {
                String::new()
            },
            prov
        )?;
        let rl = p.preferences.red_lines();
        for (i, f) in rl.per_issue().iter().enumerate() {
            if f.is_empty() {
                continue;
            }
            let vals: Vec<String> = f
                .iter()
                .filter_map(|&v| space.issues()[i].value(v))
                .map(|v| format!("'{v}'"))
                .collect();
            let basis = p
                .red_line_notes
                .iter()
                .find(|n| n.issue_idx == i)
                .and_then(|n| n.basis.clone());
            writeln!(
                out,
                "      red line on {}: never {}{}",
                space.issues()[i].name(),
                vals.join(" or "),
                basis.map(|b| format!(" ({b})")).unwrap_or_default()
            )?;
        }
    }
    if let Some(m) = &s.mediator {
        let who = m
            .party_idx
            .map(|i| {
                format!(
                    "{} (a party with interests of its own)",
                    s.parties()[i].name
                )
            })
            .or_else(|| m.name.clone())
            .unwrap_or_else(|| "unnamed".into());
        writeln!(out, "  Mediator: {who}")?;
        if let Some(p) = &m.procedure {
            writeln!(out, "{}", wrap(&format!("Procedure: {p}"), 96, "    "))?;
        }
    }
    Ok(())
}

/// The analysis section (also `detente analyze`'s text output), with the principals' own
/// solutions when the report holds them.
pub(crate) fn write_analysis(
    out: &mut impl Write,
    report: &detente_report::Report,
) -> io::Result<()> {
    let s = &report.scenario;
    let a = &report.analysis;
    writeln!(out, "\nExact analysis ({})", count(&a.outcomes, "outcome"))?;
    if discounts(s) {
        writeln!(
            out,
            "  (undiscounted utilities: an agreement at relative time t pays u·dᵗ, walking away r·dᵗ)"
        )?;
    }
    match &a.zopa {
        Ok(z) if z.to_u64() == Some(0) => writeln!(
            out,
            "  Zone of possible agreement: NONE — no package is acceptable to every party (each above its walk-away value and inside its red lines)"
        )?,
        Ok(z) => writeln!(
            out,
            "  Zone of possible agreement: YES — {} {} acceptable to every party (exact count)",
            count(z, "package"),
            if z.to_u64() == Some(1) { "is" } else { "are" }
        )?,
        Err(e) => writeln!(
            out,
            "  Zone of possible agreement: not computed exactly — {}",
            e
        )?,
    }
    if let Ok(ideal) = &a.ideal {
        let parts: Vec<String> = s
            .parties()
            .iter()
            .zip(ideal)
            .filter_map(|(p, x)| x.map(|x| format!("{} {:.3}", p.name, x)))
            .collect();
        if !parts.is_empty() {
            writeln!(
                out,
                "  Best each party can get inside the zone: {}",
                parts.join(", ")
            )?;
        }
    }
    match (&a.pareto, &a.pareto_vectors) {
        (Ok(f), _) => writeln!(
            out,
            "  Pareto frontier (all outcomes): {}, {} of them acceptable to all",
            count(f.len(), "package"),
            grouped(f.iter().filter(|p| p.acceptable).count())
        )?,
        (_, Ok(v)) => write_vectors(out, s, "Pareto frontier (all outcomes)", v)?,
        (Err(Incomplete::NotRequested), _) => writeln!(
            out,
            "  Pareto frontier over all {} outcomes: not computed (too many to search exhaustively here; `detente analyze` tries with a node budget)",
            grouped(&a.outcomes)
        )?,
        (Err(e), _) => writeln!(
            out,
            "  Pareto frontier (all outcomes): not computed exactly — {}",
            e
        )?,
    }
    match (&a.pareto_acceptable, &a.pareto_acceptable_vectors) {
        (Ok(f), _) => writeln!(
            out,
            "  Pareto frontier of the acceptable packages: {}",
            count(f.len(), "package")
        )?,
        (_, Ok(v)) => write_vectors(out, s, "Pareto frontier of the acceptable packages", v)?,
        (Err(Incomplete::NotRequested), _) => {}
        (Err(e), _) => writeln!(
            out,
            "  Pareto frontier of the acceptable packages: not computed exactly — {}",
            e
        )?,
    }
    let mut nash_outcome = None;
    for (label, x) in [
        (
            "Nash bargaining package (maximises the product of each party's gain over its walk-away value)",
            &a.nash,
        ),
        (
            "Kalai–Smorodinsky package (equal shares of each party's best possible gain)",
            &a.kalai_smorodinsky,
        ),
        (
            "Maximum-welfare package (largest sum of utilities)",
            &a.max_welfare,
        ),
    ] {
        writeln!(out, "\n  {label}:")?;
        match x {
            Ok(Some(p)) => {
                write_point(out, s, p, nash_outcome)?;
                if nash_outcome.is_none() {
                    nash_outcome = Some(&p.outcome);
                }
            }
            Ok(None) => writeln!(out, "    none: nothing is acceptable to every party")?,
            Err(e) => writeln!(out, "    not computed exactly — {}", e)?,
        }
    }
    match &report.principals {
        Some(p) => write_principals_solutions(out, s, p),
        None => Ok(()),
    }
}

/// With more parties than principals (a mediator or stakeholders with interests of their own),
/// the Nash and Kalai–Smorodinsky packages of the principals alone: over the packages every
/// principal accepts, gains over the principals' walk-away values only; then what each party,
/// principals or not, makes of them.
fn write_principals_solutions(
    out: &mut impl Write,
    s: &Scenario,
    b: &detente_report::PrincipalsSolutions,
) -> io::Result<()> {
    let names: Vec<&str> = b
        .principals
        .iter()
        .map(|&i| s.parties()[i].name.as_str())
        .collect();
    writeln!(
        out,
        "\n  The principals alone ({}): the same solutions over the packages they both accept, gains over their walk-away values only",
        names.join(" and ")
    )?;
    match &b.zopa {
        Ok(n) => writeln!(
            out,
            "    packages acceptable to every principal: {} (exact count)",
            grouped(n)
        )?,
        Err(e) => writeln!(
            out,
            "    packages acceptable to every principal: not computed exactly — {}",
            e
        )?,
    }
    let mut nash_p: Option<&Outcome> = None;
    for (label, x) in [
        ("Nash package of the principals", &b.nash),
        (
            "Kalai–Smorodinsky package of the principals",
            &b.kalai_smorodinsky,
        ),
    ] {
        match x {
            Ok(Some(p)) => {
                let versus = match (nash_p, &p.differs_from_nash) {
                    (Some(n), _) if n == &p.outcome => {
                        "the same package as the principals' Nash package".to_string()
                    }
                    (_, Some(d)) if d.is_empty() => {
                        "the same package as the Nash package of all parties".to_string()
                    }
                    (_, Some(d)) => format!(
                        "differs from the Nash package of all parties on {} issue(s): {}",
                        d.len(),
                        d.iter()
                            .map(|&i| s.space().issues()[i].name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => String::new(),
                };
                writeln!(out, "    {label}: {versus}")?;
                if nash_p.is_none() {
                    for i in p
                        .differs_from_nash
                        .clone()
                        .unwrap_or_else(|| (0..s.space().issues().len()).collect())
                    {
                        write_choice(out, s, i, p.outcome.get(i))?;
                    }
                    nash_p = Some(&p.outcome);
                }
                let verdicts: Vec<String> = s
                    .parties()
                    .iter()
                    .zip(&p.for_every_party)
                    .map(|(q, v)| {
                        let verdict = if v.acceptable {
                            "acceptable"
                        } else if v.crosses_red_line {
                            "crosses a red line"
                        } else {
                            "below walk-away"
                        };
                        format!(
                            "{} {:.3} ({:+.3}, {verdict})",
                            q.name,
                            v.utility,
                            v.utility - q.preferences.reservation()
                        )
                    })
                    .collect();
                writeln!(out, "      for every party: {}", verdicts.join(", "))?;
            }
            Ok(None) => writeln!(
                out,
                "    {label}: none, nothing is acceptable to every principal"
            )?,
            Err(e) => writeln!(out, "    {label}: not computed exactly — {}", e)?,
        }
    }
    Ok(())
}

/// A package in plain words; with `versus`, only the issues where it differs from that one.
fn write_point(
    out: &mut impl Write,
    s: &Scenario,
    p: &Point,
    versus: Option<&Outcome>,
) -> io::Result<()> {
    let space = s.space();
    match versus {
        None => {
            for (i, issue) in space.issues().iter().enumerate() {
                write_choice(out, s, i, p.outcome.get(i))?;
                let _ = issue;
            }
        }
        Some(v) => {
            let diff = differing_issues(v, &p.outcome);
            if diff.is_empty() {
                writeln!(out, "    the same package as the Nash package")?;
            } else {
                writeln!(
                    out,
                    "    differs from the Nash package on {} issue(s):",
                    diff.len()
                )?;
                for i in diff {
                    write_choice(out, s, i, p.outcome.get(i))?;
                }
            }
        }
    }
    writeln!(
        out,
        "    utilities (gain over walk-away): {}",
        gains(s, &p.utilities)
    )
}

/// Vectors shown in the text report of a frontier too large to list outcome by outcome.
const TEXT_VECTORS: usize = 20;

/// A frontier known exactly but too large to list outcome by outcome: its size and its
/// distinct utility vectors with their counts (the first [`TEXT_VECTORS`]).
fn write_vectors(
    out: &mut impl Write,
    s: &Scenario,
    what: &str,
    vectors: &[FrontierVector],
) -> io::Result<()> {
    let mut total = Cardinality::from_u128(0);
    for v in vectors {
        total.add(&v.count);
    }
    writeln!(
        out,
        "  {what}: {} packages (exact) sharing {} distinct utility vectors, too many to list one by one; each vector and its number of packages:",
        super::grouped(&total),
        vectors.len(),
    )?;
    for v in vectors.iter().take(TEXT_VECTORS) {
        writeln!(
            out,
            "    {} × {}",
            fixed3(s, &v.utilities),
            super::grouped(&v.count)
        )?;
    }
    if vectors.len() > TEXT_VECTORS {
        writeln!(
            out,
            "    … and {} more vectors (`analyze --json` lists them)",
            vectors.len() - TEXT_VECTORS
        )?;
    }
    Ok(())
}

/// `Name 0.500 (+0.020), …`: each party's utility and its gain over its walk-away value.
fn gains(s: &Scenario, utilities: &[f64]) -> String {
    let walk: Vec<f64> = s
        .parties()
        .iter()
        .map(|p| p.preferences.reservation())
        .collect();
    gains_over(s, utilities, &walk)
}

/// `Name 0.500 (+0.020), …`: each party's value and its gain over `walk`.
fn gains_over(s: &Scenario, values: &[f64], walk: &[f64]) -> String {
    s.parties()
        .iter()
        .zip(values.iter().zip(walk))
        .map(|(p, (u, w))| format!("{} {:.3} ({:+.3})", p.name, u, u - w))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Name 0.500, …`.
fn fixed3(s: &Scenario, values: &[f64]) -> String {
    s.parties()
        .iter()
        .zip(values)
        .map(|(p, u)| format!("{} {:.3}", p.name, u))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether any party discounts.
fn discounts(s: &Scenario) -> bool {
    s.parties().iter().any(|p| p.preferences.discount() < 1.0)
}

fn write_choice(out: &mut impl Write, s: &Scenario, i: usize, v: u32) -> io::Result<()> {
    let issue = &s.space().issues()[i];
    let label = issue.value(v).map(|x| x.to_string()).unwrap_or_default();
    let desc = s
        .issue_notes
        .get(i)
        .and_then(|n| n.options.get(v as usize))
        .and_then(|o| o.description.clone());
    match desc {
        Some(d) if d != label => writeln!(out, "    {:<26} {} — {}", issue.name(), label, d),
        _ => writeln!(out, "    {:<26} {}", issue.name(), label),
    }
}

fn write_packages(
    out: &mut impl Write,
    s: &Scenario,
    a: &Analysis,
    scores: &[detente_core::analysis::PackageScore],
) -> io::Result<()> {
    if s.packages.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nReported drafts and positions (utility per party; an interval where the text leaves issues open):"
    )?;
    for (pk, sc) in s.packages.iter().zip(scores) {
        let open = pk
            .choices
            .iter()
            .filter(|c| c.as_ref().is_none_or(|c| c.len() > 1))
            .count();
        writeln!(
            out,
            "\n  {}{}{}",
            pk.name,
            pk.date
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            pk.label
                .as_deref()
                .map(|l| format!(": {l}"))
                .unwrap_or_default()
        )?;
        if open > 0 {
            writeln!(
                out,
                "    {} open or unreported; {}",
                count(open, "issue"),
                count(&sc.completions, "completion")
            )?;
        }
        for (p, ps) in s.parties().iter().zip(&sc.parties) {
            let u = if (ps.hi - ps.lo).abs() < 5e-4 {
                format!("{:.3}", ps.lo)
            } else {
                format!("{:.3}–{:.3}", ps.lo, ps.hi)
            };
            let why = if !ps.red_lines_crossed.is_empty() {
                format!(
                    " — crosses its red line on {}",
                    ps.red_lines_crossed
                        .iter()
                        .map(|&i| s.space().issues()[i].name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if ps.verdict == Verdict::None {
                format!(
                    " — below its walk-away value {:.2}",
                    p.preferences.reservation()
                )
            } else {
                String::new()
            };
            writeln!(
                out,
                "    {:<16} {:<12} {}{}",
                p.name,
                u,
                ps.verdict.as_str(),
                why
            )?;
        }
        match &sc.acceptable_to_all {
            Ok(c) if c.to_u64() == Some(0) => writeln!(out, "    acceptable to every party: no")?,
            Ok(c) if open == 0 => {
                let _ = c;
                writeln!(out, "    acceptable to every party: yes")?
            }
            Ok(c) => writeln!(
                out,
                "    acceptable to every party: {} of its completions",
                grouped(c)
            )?,
            Err(e) => writeln!(out, "    acceptable to every party: not computed — {}", e)?,
        }
        if let Ok(Some(nash)) = &a.nash {
            let (known, diff) = detente_report::draft_vs_nash(pk, &nash.outcome);
            let diff: Vec<&str> = diff.iter().map(|&i| s.space().issues()[i].name()).collect();
            writeln!(
                out,
                "    differs from the Nash package on {} of its {} decided issue(s){}",
                diff.len(),
                known.len(),
                if diff.is_empty() {
                    String::new()
                } else {
                    format!(": {}", diff.join(", "))
                }
            )?;
        }
    }
    Ok(())
}

fn write_timeline(out: &mut impl Write, s: &Scenario) -> io::Result<()> {
    if s.meetings.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nMeetings timeline ({} entries):", s.meetings.len())?;
    for m in &s.meetings {
        let when = match &m.end_date {
            Some(e) => format!("{}..{}", m.date, &e[5..]),
            None => m.date.clone(),
        };
        let who: Vec<&str> = m
            .parties
            .iter()
            .map(|&i| s.parties()[i].name.as_str())
            .collect();
        writeln!(
            out,
            "  {:<18} {:<34} {}",
            when,
            truncate(m.place.as_deref().unwrap_or(""), 34),
            who.join(" + ")
        )?;
    }
    Ok(())
}

/// The story of one negotiation.
pub(crate) fn write_negotiation(
    out: &mut impl Write,
    setup: &NegotiationSetup,
    r: &NegotiationResult,
    full_trace: bool,
) -> io::Result<()> {
    let s = &setup.scenario;
    let who: Vec<String> = s
        .parties()
        .iter()
        .zip(&setup.strategies)
        .map(|(p, st)| format!("{} ({st})", p.name))
        .collect();
    writeln!(
        out,
        "Simulated negotiation: stacked alternating offers, {}, seed {}",
        count(setup.rounds, "round"),
        setup.seed
    )?;
    writeln!(out, "  negotiators: {}", who.join(", "))?;
    writeln!(
        out,
        "  each negotiator sees only its own preferences and the offers made"
    )?;
    let n = s.parties().len();
    let mut shown = 0;
    for e in &r.trace {
        let line = match e {
            Event::Offer {
                round,
                party,
                outcome,
            } => {
                let us: Vec<String> = s
                    .utilities(outcome)
                    .iter()
                    .map(|u| format!("{u:.2}"))
                    .collect();
                Some(format!(
                    "  round {:>3}: {} offers a package worth [{}]",
                    round + 1,
                    s.parties()[*party].name,
                    us.join(", ")
                ))
            }
            Event::Accept { round, party } => Some(format!(
                "  round {:>3}: {} accepts",
                round + 1,
                s.parties()[*party].name
            )),
            Event::EndNegotiation {
                round,
                party,
                reason,
            } => Some(format!(
                "  round {:>3}: {} walks away{}",
                round + 1,
                s.parties()[*party].name,
                reason
                    .as_deref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            )),
            _ => None,
        };
        if let Some(l) = line {
            // Without --json the full trace is long: show the start and the end.
            let total = r.trace.len();
            let idx = shown;
            shown += 1;
            if full_trace || idx < 2 * n || idx + 3 * n >= total {
                writeln!(out, "{l}")?;
            } else if idx == 2 * n {
                writeln!(
                    out,
                    "  ... ({} more events) ...",
                    total.saturating_sub(5 * n)
                )?;
            }
        }
    }
    let names: Vec<&str> = s.parties().iter().map(|p| p.name.as_str()).collect();
    writeln!(out, "  (utilities in party order: {})", names.join(", "))?;
    match &r.agreement {
        Some(o) => {
            writeln!(out, "\n  AGREEMENT in round {}:", r.rounds)?;
            for i in 0..s.space().issues().len() {
                write_choice(out, s, i, o.get(i))?;
            }
            let k = r.rounds - 1;
            if discounts(s) {
                // GENIUS's semantics: the payoff and the walk-away value are both discounted
                // to the moment of the agreement.
                let walk: Vec<f64> = s
                    .parties()
                    .iter()
                    .map(|p| p.preferences.discounted_reservation(k, setup.rounds))
                    .collect();
                writeln!(
                    out,
                    "    payoffs, discounted at t = {:.3} (gain over walking away then): {}",
                    relative_time(k, setup.rounds),
                    gains_over(s, &r.utilities, &walk)
                )?;
                writeln!(
                    out,
                    "    undiscounted utilities: {}",
                    fixed3(s, &s.utilities(o))
                )?;
            } else {
                writeln!(
                    out,
                    "    payoffs (gain over walk-away): {}",
                    gains(s, &r.utilities)
                )?;
            }
        }
        None => {
            let how = match r.ended_by {
                Some(p) => format!("{} walked away in round {}", s.parties()[p].name, r.rounds),
                None => format!("the deadline of {} passed", count(r.rounds, "round")),
            };
            writeln!(
                out,
                "\n  NO AGREEMENT: {how}; every party gets its walk-away value"
            )?;
            if discounts(s) {
                writeln!(
                    out,
                    "    discounted to the end: {}",
                    fixed3(s, &r.utilities)
                )?;
            }
        }
    }
    Ok(())
}

fn differing_issues(a: &Outcome, b: &Outcome) -> Vec<usize> {
    (0..a.indices().len())
        .filter(|&i| a.get(i) != b.get(i))
        .collect()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Greedy word wrap at `width` columns, each line after the first starting with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if col > 0 && col + 1 + w > width {
            out.push('\n');
            out.push_str(indent);
            col = indent.len();
        } else if col > 0 {
            out.push(' ');
            col += 1;
        } else {
            out.push_str(indent);
            col = indent.len();
        }
        out.push_str(word);
        col += w;
    }
    out
}

/// The analysis settings of `run`, as report options.
fn report_options(args: &RunArgs) -> detente_report::Options {
    detente_report::Options {
        max_nodes: args.max_nodes,
        full_frontier_limit: FULL_FRONTIER_LIMIT,
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
    let mut report = detente_report::Report::analyze(setup.scenario.clone(), &report_options(args));
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
