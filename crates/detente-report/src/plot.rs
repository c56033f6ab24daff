//! SVG plots of a [`Report`], drawn with plotters' SVG backend (no system fonts needed).
//!
//! Each function returns one `<svg>` element as a string, or an error message the HTML
//! printer shows in its place.

use std::error::Error;

use detente_core::analysis::Point;
use detente_tournament::Standing;
use plotters::prelude::*;

use crate::Report;

type Plot = Result<String, Box<dyn Error>>;

const W: u32 = 1000;
const H: u32 = 640;
const FONT: &str = "sans-serif";

/// One colour per party (cycled), colour-blind-safe (Okabe–Ito).
pub(crate) const PARTY: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];
const GREY: RGBColor = RGBColor(120, 120, 120);
const ZONE: RGBColor = RGBColor(0, 158, 115);
const NASH: RGBColor = RGBColor(200, 0, 0);
const KS: RGBColor = RGBColor(120, 0, 160);
const WELFARE: RGBColor = RGBColor(230, 140, 0);
const DRAFT: RGBColor = RGBColor(0, 90, 200);
const TEXT_PATH: RGBColor = RGBColor(90, 60, 20);

pub(crate) fn party_color(i: usize) -> RGBColor {
    PARTY[i % PARTY.len()]
}

/// The range an axis needs to show `values` and the unit interval.
fn span(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let pad = (hi - lo) * 0.03;
    (lo - pad)..(hi + pad)
}

/// The utility space of parties `i` (x) and `j` (y): the outcome cloud (or its density), both
/// walk-away values, the Pareto frontier, the acceptable frontier, the bargaining points,
/// the reported drafts (complete ones as points, partial ones as their utility boxes) and the
/// single text's draft versions as a path.
pub(crate) fn utility_space(r: &Report, i: usize, j: usize) -> Plot {
    let s = &r.scenario;
    let (pi, pj) = (&s.parties()[i], &s.parties()[j]);
    let a = &r.analysis;
    let xs = span(r.cloud.points.iter().map(|(u, _)| u[i]));
    let ys = span(r.cloud.points.iter().map(|(u, _)| u[j]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{} vs {}", pi.name, pj.name), (FONT, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d(xs.clone(), ys.clone())?;
        chart
            .configure_mesh()
            .x_desc(format!("utility of {}", pi.name))
            .y_desc(format!("utility of {}", pj.name))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        // Both above their walk-away values: the shaded quadrant.
        let (ri, rj) = (pi.preferences.reservation(), pj.preferences.reservation());
        chart.draw_series(std::iter::once(Rectangle::new(
            [(ri, rj), (xs.end, ys.end)],
            ZONE.mix(0.07).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            vec![(ri, ys.start), (ri, ys.end)],
            GREY.stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            vec![(xs.start, rj), (xs.end, rj)],
            GREY.stroke_width(1),
        ))?;
        draw_cloud(&mut chart, r, i, j, &xs, &ys)?;
        if let Ok(v) = &a.pareto_vectors {
            let mut pts: Vec<(f64, f64)> =
                v.iter().map(|f| (f.utilities[i], f.utilities[j])).collect();
            pts.sort_by(|p, q| p.0.total_cmp(&q.0).then(q.1.total_cmp(&p.1)));
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 2, BLACK.filled())))?
                .label("Pareto frontier (all parties)")
                .legend(|(x, y)| Circle::new((x, y), 3, BLACK.filled()));
        }
        if let Ok(v) = &a.pareto_acceptable_vectors {
            chart
                .draw_series(v.iter().map(|f| {
                    Circle::new((f.utilities[i], f.utilities[j]), 4, ZONE.stroke_width(2))
                }))?
                .label("efficient packages in the zone")
                .legend(|(x, y)| Circle::new((x, y), 4, ZONE.stroke_width(2)));
        }
        draw_drafts(&mut chart, r, i, j)?;
        let marks: [(&str, &Result<Option<Point>, _>, RGBColor); 3] = [
            ("Nash", &a.nash, NASH),
            ("Kalai–Smorodinsky", &a.kalai_smorodinsky, KS),
            ("max welfare", &a.max_welfare, WELFARE),
        ];
        for (name, p, c) in marks {
            if let Ok(Some(p)) = p {
                chart
                    .draw_series(std::iter::once(TriangleMarker::new(
                        (p.utilities[i], p.utilities[j]),
                        8,
                        c.filled(),
                    )))?
                    .label(name)
                    .legend(move |(x, y)| TriangleMarker::new((x, y), 6, c.filled()));
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft, 12)?;
        root.present()?;
    }
    Ok(svg)
}

type Chart2d<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The legend every chart uses, framed on a translucent white box.
fn legend<'a, 'b: 'a>(
    chart: &mut Chart2d<'a, 'b>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), Box<dyn Error>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font((FONT, font_size))
        .draw()?;
    Ok(())
}

/// Every outcome as a dot when there are few, else a density grid (sampled clouds are said
/// so in the legend).
fn draw_cloud(
    chart: &mut Chart2d<'_, '_>,
    r: &Report,
    i: usize,
    j: usize,
    xs: &std::ops::Range<f64>,
    ys: &std::ops::Range<f64>,
) -> Result<(), Box<dyn Error>> {
    let what = if r.cloud.sampled {
        format!("density of {} sampled outcomes", r.cloud.points.len())
    } else {
        "every outcome".to_string()
    };
    if r.cloud.points.len() <= 3_000 {
        chart
            .draw_series(r.cloud.points.iter().map(|(u, ok)| {
                let c = if *ok { ZONE.mix(0.8) } else { GREY.mix(0.35) };
                Circle::new((u[i], u[j]), 2, c.filled())
            }))?
            .label(what)
            .legend(|(x, y)| Circle::new((x, y), 3, GREY.mix(0.5).filled()));
        return Ok(());
    }
    const BINS: usize = 70;
    let mut grid = vec![0u32; BINS * BINS];
    let bin = |v: f64, r: &std::ops::Range<f64>| {
        (((v - r.start) / (r.end - r.start) * BINS as f64) as usize).min(BINS - 1)
    };
    for (u, _) in &r.cloud.points {
        grid[bin(u[i], xs) * BINS + bin(u[j], ys)] += 1;
    }
    let max = grid.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (dx, dy) = (
        (xs.end - xs.start) / BINS as f64,
        (ys.end - ys.start) / BINS as f64,
    );
    chart
        .draw_series(
            grid.iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(k, &c)| {
                    let (bx, by) = ((k / BINS) as f64, (k % BINS) as f64);
                    let x0 = xs.start + bx * dx;
                    let y0 = ys.start + by * dy;
                    let alpha = 0.12 + 0.78 * (c as f64 / max).sqrt();
                    Rectangle::new([(x0, y0), (x0 + dx, y0 + dy)], GREY.mix(alpha).filled())
                }),
        )?
        .label(what)
        .legend(|(x, y)| Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], GREY.mix(0.6).filled()));
    Ok(())
}

/// Reported drafts (complete: a square; partial: the box of utilities its completions reach)
/// and the single text's versions as a path.
fn draw_drafts(
    chart: &mut Chart2d<'_, '_>,
    r: &Report,
    i: usize,
    j: usize,
) -> Result<(), Box<dyn Error>> {
    let s = &r.scenario;
    let mut first = true;
    for (pk, sc) in s.packages.iter().zip(&r.packages) {
        let (a, b) = (&sc.parties[i], &sc.parties[j]);
        let label = pk.name.clone();
        let series = if pk.as_outcome().is_some() {
            chart.draw_series([EmptyElement::at((a.lo, b.lo))
                + Rectangle::new([(-5, -5), (5, 5)], DRAFT.filled())
                + Text::new(label, (7, -12), (FONT, 11))])?
        } else {
            chart.draw_series([Rectangle::new(
                [(a.lo, b.lo), (a.hi, b.hi)],
                DRAFT.mix(0.6).stroke_width(1),
            )])?;
            chart.draw_series([
                EmptyElement::at((a.hi, b.hi)) + Text::new(label, (3, -12), (FONT, 11))
            ])?
        };
        if first {
            series
                .label("reported drafts (box: open issues)")
                .legend(|(x, y)| Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], DRAFT.filled()));
            first = false;
        }
    }
    if let Some(t) = &r.single_text {
        let path: Vec<(f64, f64)> = t
            .result
            .versions
            .iter()
            .map(|v| {
                let u = r.utilities(&v.outcome);
                (u[i], u[j])
            })
            .collect();
        chart
            .draw_series(LineSeries::new(path.clone(), TEXT_PATH.stroke_width(2)))?
            .label("single-text draft versions")
            .legend(|(x, y)| {
                PathElement::new(vec![(x - 8, y), (x + 8, y)], TEXT_PATH.stroke_width(2))
            });
        chart.draw_series(path.iter().map(|&p| Circle::new(p, 3, TEXT_PATH.filled())))?;
    }
    Ok(())
}

/// All parties at once: one vertical axis per party, one line per package.
pub(crate) fn parallel(r: &Report) -> Plot {
    let s = &r.scenario;
    let n = s.parties().len();
    let a = &r.analysis;
    let mut lines: Vec<(Vec<f64>, RGBAColor, u32, Option<String>)> = Vec::new();
    if let Ok(v) = &a.pareto_vectors {
        for f in v.iter().take(400) {
            lines.push((f.utilities.clone(), GREY.mix(0.25), 1, None));
        }
    }
    if let Ok(v) = &a.pareto_acceptable_vectors {
        for (k, f) in v.iter().enumerate() {
            let label = (k == 0).then(|| "efficient packages in the zone".to_string());
            lines.push((f.utilities.clone(), ZONE.mix(0.7), 2, label));
        }
    }
    // Complete drafts, each its own shade of blue.
    const BLUES: [RGBColor; 4] = [
        DRAFT,
        RGBColor(86, 180, 233),
        RGBColor(0, 50, 120),
        RGBColor(120, 140, 255),
    ];
    for (k, (pk, sc)) in s
        .packages
        .iter()
        .zip(&r.packages)
        .filter(|(pk, _)| pk.as_outcome().is_some())
        .enumerate()
    {
        {
            let u = sc.parties.iter().map(|p| p.lo).collect();
            let name = pk.name.clone();
            lines.push((u, BLUES[k % BLUES.len()].mix(0.9), 2, Some(name)));
        }
    }
    if let Some(t) = &r.single_text {
        let last = &t.result.versions[t.result.versions.len() - 1].outcome;
        lines.push((
            r.utilities(last),
            TEXT_PATH.mix(1.0),
            3,
            Some("last single-text draft".into()),
        ));
    }
    for (name, p, c) in [
        ("Nash", &a.nash, NASH),
        ("Kalai–Smorodinsky", &a.kalai_smorodinsky, KS),
    ] {
        if let Ok(Some(p)) = p {
            lines.push((p.utilities.clone(), c.mix(1.0), 3, Some(name.to_string())));
        }
    }
    let ys = span(lines.iter().flat_map(|l| l.0.iter().copied()));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE)?;
        let names: Vec<String> = s.parties().iter().map(|p| p.name.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption("Every party at once (parallel coordinates)", (FONT, 18))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.2f64..(n as f64 - 0.8), ys)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_labels(n)
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("utility")
            .draw()?;
        for (k, p) in s.parties().iter().enumerate() {
            let x = k as f64;
            let rv = p.preferences.reservation();
            chart.draw_series(LineSeries::new(
                vec![(x - 0.12, rv), (x + 0.12, rv)],
                party_color(k).stroke_width(3),
            ))?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0)], WHITE)))?
            .label("walk-away value (tick on each axis)")
            .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], BLACK.stroke_width(3)));
        for (u, c, w, label) in &lines {
            let pts: Vec<(f64, f64)> = u.iter().enumerate().map(|(k, &v)| (k as f64, v)).collect();
            let series = chart.draw_series(LineSeries::new(pts, c.stroke_width(*w)))?;
            if let Some(l) = label {
                let (c, w) = (*c, *w);
                series.label(l.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x - 8, y), (x + 8, y)], c.stroke_width(w))
                });
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 11)?;
        root.present()?;
    }
    Ok(svg)
}

/// A line chart: one series per party over x, with dashed walk-away lines.
fn per_party_lines(
    r: &Report,
    caption: &str,
    x_desc: &str,
    x_max: f64,
    series: &[Vec<(f64, f64)>],
) -> Plot {
    let s = &r.scenario;
    let ys = span(series.iter().flatten().map(|p| p.1));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..x_max.max(1.0), ys)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("own utility")
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for (k, (p, pts)) in s.parties().iter().zip(series).enumerate() {
            let c = party_color(k);
            let rv = p.preferences.reservation();
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, rv), (x_max.max(1.0), rv)],
                6,
                4,
                c.mix(0.6).stroke_width(1),
            ))?;
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
                .label(p.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 8, y), (x + 8, y)], c.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|&q| Circle::new(q, 2, c.filled())))?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft, 12)?;
        root.present()?;
    }
    Ok(svg)
}

/// Concession curves of the stacked-alternating-offers run: each party's own utility of the
/// offers it made, round by round.
pub(crate) fn concession(r: &Report) -> Option<Plot> {
    let sao = r.sao.as_ref()?;
    let n = r.scenario.parties().len();
    let mut series = vec![Vec::new(); n];
    for e in &sao.result.trace {
        if let detente_core::protocol::Event::Offer {
            round,
            party,
            outcome,
        } = e
        {
            let u = r.scenario.parties()[*party].preferences.utility(outcome);
            series[*party].push((*round as f64, u));
        }
    }
    let x_max = series.iter().flatten().map(|p| p.0).fold(1.0, f64::max);
    Some(per_party_lines(
        r,
        "Concession curves: each party's utility of its own offers",
        "round",
        x_max,
        &series,
    ))
}

/// The single text's draft versions scored by every party.
pub(crate) fn versions(r: &Report) -> Option<Plot> {
    let t = r.single_text.as_ref()?;
    let n = r.scenario.parties().len();
    let mut series = vec![Vec::new(); n];
    for v in &t.result.versions {
        for (k, u) in r.utilities(&v.outcome).into_iter().enumerate() {
            series[k].push((v.version as f64, u));
        }
    }
    let x_max = t.result.versions.len().saturating_sub(1) as f64;
    Some(per_party_lines(
        r,
        "Single text: every party's utility of each draft version (dashed: walk-away)",
        "draft version",
        x_max,
        &series,
    ))
}

/// Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`, or `YYYY-MM`, taken as the 1st).
pub(crate) fn days(date: &str) -> Option<i64> {
    let mut it = date.trim().split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it
        .next()
        .map(|d| d.get(..2).unwrap_or(d).parse())
        .unwrap_or(Ok(1))
        .ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The inverse of [`days`].
fn civil(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The meetings timeline: one row per party, a mark on each meeting it attended.
pub(crate) fn meetings(r: &Report) -> Option<Plot> {
    let s = &r.scenario;
    let dated: Vec<(i64, &detente_core::Meeting)> = s
        .meetings
        .iter()
        .filter_map(|m| Some((days(&m.date)?, m)))
        .collect();
    if dated.is_empty() {
        return None;
    }
    let lo = dated.iter().map(|d| d.0).min()? - 7;
    let hi = dated.iter().map(|d| d.0).max()? + 7;
    let n = s.parties().len();
    let plot = || -> Plot {
        let mut svg = String::new();
        {
            let h = 120 + 44 * n as u32;
            let root = SVGBackend::with_string(&mut svg, (W, h)).into_drawing_area();
            root.fill(&WHITE)?;
            let names: Vec<String> = s.parties().iter().map(|p| p.name.clone()).collect();
            let mut chart = ChartBuilder::on(&root)
                .caption("Meetings: who met when", (FONT, 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(110)
                .build_cartesian_2d(lo as f64..hi as f64, -0.6f64..(n as f64 - 0.4))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(WHITE.mix(0.0))
                .y_labels(n)
                .y_label_formatter(&|y| {
                    let k = y.round();
                    if (y - k).abs() < 1e-6 && k >= 0.0 {
                        (n - 1)
                            .checked_sub(k as usize)
                            .and_then(|i| names.get(i))
                            .cloned()
                            .unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_labels(6)
                .x_label_formatter(&|x| civil(x.round() as i64))
                .draw()?;
            for (d, m) in &dated {
                for &p in &m.parties {
                    let y = (n - 1 - p) as f64;
                    chart.draw_series(std::iter::once(Circle::new(
                        (*d as f64, y),
                        5,
                        party_color(p).filled(),
                    )))?;
                }
                if m.parties.len() > 1 {
                    let ys: Vec<f64> = m.parties.iter().map(|&p| (n - 1 - p) as f64).collect();
                    let (a, b) = ys
                        .iter()
                        .fold((f64::MAX, f64::MIN), |(a, b), &y| (a.min(y), b.max(y)));
                    chart.draw_series(LineSeries::new(
                        vec![(*d as f64, a), (*d as f64, b)],
                        GREY.mix(0.5).stroke_width(1),
                    ))?;
                }
            }
            root.present()?;
        }
        Ok(svg)
    };
    Some(plot())
}

/// A tournament's ranking: mean own utility per strategy with its 95% confidence interval.
pub(crate) fn ranking(standings: &[Standing]) -> Plot {
    let rows: Vec<(&Standing, &detente_tournament::Estimate)> = standings
        .iter()
        .filter_map(|s| Some((s, s.utility.as_ref()?)))
        .collect();
    let n = rows.len().max(1);
    let xs = span(rows.iter().flat_map(|(_, e)| {
        let (a, b) = e.ci95.unwrap_or((e.mean, e.mean));
        [a, b, e.mean]
    }));
    let mut svg = String::new();
    {
        let h = 100 + 36 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (W, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let names: Vec<String> = rows.iter().map(|(s, _)| s.name.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption("Mean own utility with 95% confidence interval", (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(120)
            .build_cartesian_2d(xs, -0.6f64..(n as f64 - 0.4))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                let k = y.round();
                if (y - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
                    names[names.len() - 1 - k as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("mean own utility")
            .draw()?;
        for (k, (_, e)) in rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let (a, b) = e.ci95.unwrap_or((e.mean, e.mean));
            chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
                y,
                a,
                e.mean,
                b,
                party_color(k).stroke_width(2),
                10,
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (e.mean, y),
                5,
                party_color(k).filled(),
            )))?;
        }
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for d in [
            "1970-01-01",
            "2025-08-15",
            "2026-02-17",
            "2000-02-29",
            "2024-12-31",
        ] {
            assert_eq!(civil(days(d).unwrap()), d);
        }
        assert_eq!(days("1970-01-02"), Some(1));
        assert_eq!(days("2026-13-01"), None);
        assert_eq!(days("2026-02"), days("2026-02-01"));
        assert_eq!(days("soon"), None);
    }
}
