//! The robust analysis in text: `detente sensitivity`'s report and `detente run`'s short
//! section.

use std::io::{self, Write};

use detente_core::Scenario;
use detente_core::analysis::robustness::{Decisive, Sensitivity, Share};

use crate::robustness::{red_line_json, site_label};

fn pct(x: &Share) -> String {
    let (lo, hi) = x.wilson();
    format!(
        "{:.1}% (95% CI {:.1}–{:.1}%, {}/{})",
        100.0 * x.rate(),
        100.0 * lo,
        100.0 * hi,
        x.count,
        x.n
    )
}

/// The robustness section of `detente run`, from the robust analysis the report holds.
pub fn write_robustness_section(
    out: &mut dyn Write,
    s: &Scenario,
    r: &crate::Robustness,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Robustness ({} seeded draws of the estimates, each analysed exactly; \
         `detente sensitivity` for the full report):",
        r.sensitivity.samples
    )?;
    write_summary(out, s, &r.sensitivity)
}

/// The short robustness section of `detente run`.
fn write_summary(out: &mut dyn Write, s: &Scenario, r: &Sensitivity) -> io::Result<()> {
    writeln!(
        out,
        "  probability of a zone: {} over {} draws of the estimates",
        pct(&r.zone),
        r.samples
    )?;
    if let Some(p) = r.robust.first() {
        writeln!(
            out,
            "  most robust package: acceptable to all in {}",
            pct(&p.share)
        )?;
        writeln!(out, "    {}", s.space().describe(&p.outcome))?;
    }
    for d in r.decisive.iter().take(3) {
        writeln!(out, "  decisive: {}", decisive_line(s, d))?;
    }
    Ok(())
}

fn decisive_line(s: &Scenario, d: &Decisive) -> String {
    format!(
        "{} = {} (range {}–{}): the zone {} at {:.6} ({:.0}% of the way to the range end; {})",
        site_label(s, d.site),
        d.value,
        d.low,
        d.high,
        if d.opens { "opens" } else { "closes" },
        d.threshold,
        100.0 * d.margin,
        d.method.as_str()
    )
}

/// `detente sensitivity`'s report: the robust analysis `r`, drawn with `seed`.
pub fn write_sensitivity(
    out: &mut dyn Write,
    s: &Scenario,
    r: &Sensitivity,
    seed: u64,
) -> io::Result<()> {
    writeln!(out, "Robust analysis of '{}'", s.name)?;
    writeln!(
        out,
        "{} draws of every estimate (seed {seed}), each analysed exactly.",
        r.samples
    )?;
    match &r.point_zone {
        Ok(true) => writeln!(out, "At the point estimates a zone of agreement exists.")?,
        Ok(false) => writeln!(out, "At the point estimates there is NO zone of agreement.")?,
        Err(e) => writeln!(out, "At the point estimates: not decided ({}).", e)?,
    }
    writeln!(out)?;
    writeln!(out, "Probability that a zone exists: {}", pct(&r.zone))?;
    if r.undecided > 0 {
        writeln!(
            out,
            "  ({} draws not decided within the node budget are left out)",
            r.undecided
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Robust packages (acceptable to every party in the largest share of draws; {} candidates{}):",
        r.pool,
        if r.pool_full { ", pool full" } else { "" }
    )?;
    if r.robust.is_empty() {
        writeln!(out, "  none: no candidate is acceptable to all in any draw")?;
    }
    for (k, p) in r.robust.iter().enumerate() {
        writeln!(out, "  {}. {}", k + 1, pct(&p.share))?;
        writeln!(out, "     {}", s.space().describe(&p.outcome))?;
    }
    if let Some(n) = &r.nash {
        writeln!(
            out,
            "  Nash package at the point estimates: {}",
            pct(&n.share)
        )?;
    }
    if !r.drafts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Reported drafts (share of draws with a completion acceptable to all; per party: accepts every / some completion):"
        )?;
        for d in &r.drafts {
            writeln!(out, "  {}: {}", s.packages[d.package].name, pct(&d.share))?;
            let parts: Vec<String> = s
                .parties()
                .iter()
                .enumerate()
                .map(|(p, party)| {
                    format!(
                        "{} {:.0}%/{:.0}%",
                        party.name,
                        100.0 * d.accepts[p].rate(),
                        100.0 * d.may_accept[p].rate()
                    )
                })
                .collect();
            writeln!(out, "    {}", parts.join(", "))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Decisive estimates ({} of {} estimates with a range flip the zone inside it; one at a time, others at their points):",
        r.decisive.len(),
        r.estimates
    )?;
    for d in r.decisive.iter().take(15) {
        writeln!(out, "  {}", decisive_line(s, d))?;
    }
    if r.decisive.len() > 15 {
        writeln!(out, "  … {} more (--json lists all)", r.decisive.len() - 15)?;
    }
    if let Some(u) = &r.unlock {
        writeln!(out)?;
        writeln!(out, "Smallest changes that open a zone:")?;
        match &u.shortfall {
            Ok(Some(sf)) => {
                writeln!(
                    out,
                    "  closest package (sum of shortfalls below reservation values {:.6}):",
                    sf.total
                )?;
                writeln!(out, "    {}", s.space().describe(&sf.outcome))?;
                for (p, x) in s.parties().iter().zip(&sf.per_party) {
                    if *x > 0.0 {
                        writeln!(out, "    {} short by {:.6}", p.name, x)?;
                    }
                }
            }
            Ok(None) => writeln!(out, "  every package crosses some red line")?,
            Err(e) => writeln!(out, "  closest package: not computed ({})", e)?,
        }
        match &u.smallest_move {
            Some(d) => writeln!(out, "  smallest single move: {}", decisive_line(s, d))?,
            None => writeln!(out, "  no single estimate opens a zone inside its range")?,
        }
        for (p, x) in s.parties().iter().zip(&u.reservation_needed) {
            if let Ok(Some(t)) = x {
                writeln!(
                    out,
                    "  {} would need a reservation value of at most {:.6} (now {})",
                    p.name,
                    t,
                    p.preferences.reservation()
                )?;
            }
        }
        if u.red_lines.is_empty() {
            writeln!(out, "  no single red line's removal opens a zone")?;
        }
        for &(p, k) in &u.red_lines {
            let v = red_line_json(s, p, k);
            writeln!(
                out,
                "  removing {}'s red line on {} ({}) opens a zone",
                s.parties()[p].name,
                v["issue"].as_str().unwrap_or("?"),
                v["options"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
