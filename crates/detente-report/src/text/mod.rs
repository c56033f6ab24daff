//! The text printers: the report `detente run` and `detente analyze` print, a negotiation's
//! story, and the robust analysis. They read a [`Report`] (or the values it holds) and write
//! to any `io::Write` the caller gives; nothing here computes.

mod robustness;
mod story;

use std::io::{self, Write};

use detente_core::analysis::{Analysis, FrontierVector, Incomplete, Point, Verdict};
use detente_core::protocol::{Event, NegotiationResult};
use detente_core::{Cardinality, IssueKind, Outcome, Scenario, relative_time};

use crate::Report;

pub use robustness::{write_robustness_section, write_sensitivity};
pub(crate) use story::why_not_sentence;
pub use story::{issue_list, write_story, write_why_not};

/// `n` with thousands separators: `1234567` as `1,234,567` (every count the text output shows).
pub fn grouped(n: impl std::fmt::Display) -> String {
    let s = n.to_string();
    let digits = s.strip_prefix('-').unwrap_or(&s);
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    if digits.len() < s.len() {
        out.push('-');
    }
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count and its noun in the right number: `1 round`, `1,000 rounds`.
pub fn count(n: impl std::fmt::Display, noun: &str) -> String {
    let text = n.to_string();
    let s = if text == "1" { "" } else { "s" };
    format!("{} {noun}{s}", grouped(text))
}

/// `detente run`'s text report. `analysed` holds the analysis of the whole scenario, `report`
/// the runs (the same value unless the negotiation ran among fewer parties, as with `--only`;
/// then the single text's story and the comparisons with the Nash package are left out).
pub fn write_run(out: &mut impl Write, analysed: &Report, report: &Report) -> io::Result<()> {
    let s = &analysed.scenario;
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
        write_robustness_section(out, s, r)?;
    }
    write_packages(out, s, a, &analysed.packages)?;
    write_timeline(out, s)?;
    let whole_cast = report.scenario.parties().len() == s.parties().len();
    if let (Some(t), Some(c)) = (&report.single_text, &report.text_comparison)
        && whole_cast
    {
        writeln!(out)?;
        let names = report.sao.as_ref().map_or(&[][..], |r| &r.strategies[..]);
        write_story(
            out,
            &report.scenario,
            names,
            &t.config,
            &t.start_label,
            &t.result,
        )?;
        if let Some(w) = &report.text_why_not {
            write_why_not(out, s, w)?;
        }
        write_text_comparison(out, s, c)?;
    }
    let Some(sao) = &report.sao else {
        return Ok(());
    };
    writeln!(out)?;
    let (rounds, seed) = (sao.config.rounds, sao.config.seed);
    let cast = Cast {
        scenario: &report.scenario,
        strategies: &sao.strategies,
        rounds,
        seed,
    };
    write_negotiation(out, &cast, &sao.result, false)?;
    // With more parties than principals, the principals also bargain alone; do the others
    // live with what they agree?
    if let Some(pa) = &report.principals_alone {
        write_principals_alone(out, rounds, s, pa)?;
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
    c: &crate::TextComparison,
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
                format!(": {}", issue_list(s, d))
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
    rounds: u32,
    s: &Scenario,
    pa: &crate::PrincipalsAlone,
) -> io::Result<()> {
    writeln!(
        out,
        "\nThe principals alone ({}), same strategies and seed:",
        crate::principal_names(s, &pa.principals)
    )?;
    match &pa.for_every_party {
        Some(views) => {
            let us: Vec<String> = s
                .parties()
                .iter()
                .zip(views)
                .map(|(p, v)| format!("{} {:.3} ({})", p.name, v.utility, v.verdict()))
                .collect();
            writeln!(
                out,
                "  agreement in round {}; for every party: {}",
                pa.result.rounds,
                us.join(", ")
            )
        }
        None => writeln!(out, "  no agreement within {}", count(rounds, "round")),
    }
}

/// The simulated agreement against the Nash package.
fn write_nash_comparison(
    out: &mut impl Write,
    s: &Scenario,
    c: &crate::NashComparison,
) -> io::Result<()> {
    writeln!(
        out,
        "\nCompared with the Nash package: the simulated agreement differs on {} of {} issues{}",
        c.differs_on.len(),
        s.space().issues().len(),
        if c.differs_on.is_empty() {
            String::new()
        } else {
            format!(" ({})", issue_list(s, &c.differs_on))
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
pub fn write_analysis(out: &mut impl Write, report: &crate::Report) -> io::Result<()> {
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
    b: &crate::PrincipalsSolutions,
) -> io::Result<()> {
    writeln!(
        out,
        "\n  The principals alone ({}): the same solutions over the packages they both accept, gains over their walk-away values only",
        crate::principal_names(s, &b.principals)
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
                        format!(
                            "{} {:.3} ({:+.3}, {})",
                            q.name,
                            v.utility,
                            v.utility - q.preferences.reservation(),
                            v.verdict()
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
        grouped(&total),
        vectors.len(),
    )?;
    for v in vectors.iter().take(TEXT_VECTORS) {
        writeln!(
            out,
            "    {} × {}",
            fixed3(s, &v.utilities),
            grouped(&v.count)
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
            let (known, diff) = crate::draft_vs_nash(pk, &nash.outcome);
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

/// Who negotiated a stacked-alternating-offers run, and under which deadline and seed.
pub struct Cast<'a> {
    /// The scenario the negotiation ran on.
    pub scenario: &'a Scenario,
    /// Each party's strategy, as its name (`boulware`, `time:2`, ...), in party order.
    pub strategies: &'a [String],
    /// The deadline, in rounds.
    pub rounds: u32,
    /// The negotiators' seed.
    pub seed: u64,
}

/// The story of one negotiation: every event with `full_trace`, else the start and the end.
pub fn write_negotiation(
    out: &mut impl Write,
    cast: &Cast<'_>,
    r: &NegotiationResult,
    full_trace: bool,
) -> io::Result<()> {
    let s = cast.scenario;
    let who: Vec<String> = s
        .parties()
        .iter()
        .zip(cast.strategies)
        .map(|(p, st)| format!("{} ({st})", p.name))
        .collect();
    writeln!(
        out,
        "Simulated negotiation: stacked alternating offers, {}, seed {}",
        count(cast.rounds, "round"),
        cast.seed
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
                    .map(|p| p.preferences.discounted_reservation(k, cast.rounds))
                    .collect();
                writeln!(
                    out,
                    "    payoffs, discounted at t = {:.3} (gain over walking away then): {}",
                    relative_time(k, cast.rounds),
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
