//! The HTML printer on hand-built scenarios: user text is escaped everywhere (names, options,
//! drafts, sources, meetings), nothing is fetched from the network, and what is drawn is what
//! the analysis computed.

use detente_core::{
    Issue, Meeting, OutcomeSpace, Package, Party, Preferences, RedLines, Scenario, Source,
    UtilityFunction, ValueFunction,
};
use detente_report::{Options, Report, html};

const EVIL: &str = "<script>alert('x')</script>";

fn scenario(name: &str) -> Scenario {
    let space = OutcomeSpace::new(vec![
        Issue::discrete(name, vec![name.to_string(), "b".into(), "c".into()]).unwrap(),
        Issue::discrete("second", vec!["x".into(), "y".into()]).unwrap(),
    ])
    .unwrap();
    let party = |n: &str, v1: Vec<f64>, v2: Vec<f64>, r: f64| {
        let u = UtilityFunction::weighted_sum(
            &space,
            n,
            &[0.7, 0.3],
            &[
                Some(ValueFunction::Table(v1)),
                Some(ValueFunction::Table(v2)),
            ],
        )
        .unwrap();
        Party::new(n, Preferences::new(u, r, RedLines::none(2), 1.0).unwrap())
    };
    let mut s = Scenario::new(
        name,
        space.clone(),
        vec![
            party(name, vec![1.0, 0.5, 0.0], vec![0.0, 1.0], 0.3),
            party("other", vec![0.0, 0.5, 1.0], vec![1.0, 0.0], 0.3),
            party("third", vec![0.5, 1.0, 0.0], vec![0.5, 0.5], 0.2),
        ],
    )
    .unwrap();
    s.description = Some(name.to_string());
    s.sources.push(Source {
        id: "S1".into(),
        url: Some(format!("javascript:{name}")),
        about: Some(name.to_string()),
        reliability: None,
    });
    s.packages.push(Package {
        name: name.to_string(),
        label: Some(name.to_string()),
        date: None,
        sources: vec!["S1".into()],
        notes: None,
        choices: vec![Some(vec![1]), None],
    });
    s.meetings.push(Meeting {
        date: "2026-02-17".into(),
        place: Some(name.to_string()),
        parties: vec![0, 1],
        summary: Some(name.to_string()),
        ..Meeting::default()
    });
    s
}

#[test]
fn user_text_is_escaped_everywhere() {
    let page = html::render(&Report::analyze(scenario(EVIL), &Options::default()));
    assert!(!page.contains(EVIL), "raw script tag in the page");
    assert!(
        !page.contains("<script>alert"),
        "raw script tag in the page"
    );
    assert!(
        page.contains("&lt;script&gt;"),
        "the name is shown, escaped"
    );
    // A javascript: URL is not made a link.
    assert!(!page.contains("href=\"javascript:"));
    // The only script is ours.
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn the_page_fetches_nothing() {
    let page = html::render(&Report::analyze(scenario("plain"), &Options::default()));
    for needle in [
        "src=\"http",
        "<link",
        "@import",
        "url(http",
        "<iframe",
        "<img",
    ] {
        assert!(!page.contains(needle), "the page would fetch: {needle}");
    }
    // One utility-space figure per pair of parties (3 parties: 3 pairs), each an inline SVG.
    assert_eq!(page.matches("<figure class=\"pair\"").count(), 3);
    assert!(
        page.matches("<svg").count() >= 5,
        "pairs, parallel coordinates, meetings"
    );
}

#[test]
fn the_zone_shown_is_the_analysis_zone() {
    let r = Report::analyze(scenario("plain"), &Options::default());
    let z = r.analysis.zopa.clone().unwrap();
    let page = html::render(&r);
    // Brute force over the 6 outcomes, from the definition.
    let s = &r.scenario;
    let brute = (0..6u128)
        .filter_map(|k| s.space().outcome_at(k))
        .filter(|o| {
            s.parties()
                .iter()
                // Acceptable: at least the walk-away value (ties within 1e-12 count).
                .all(|p| p.preferences.utility(o) >= p.preferences.reservation() - 1e-12)
        })
        .count();
    assert_eq!(z.to_u64(), Some(brute as u64));
    assert!(page.contains(&format!("Yes: {brute} packages are acceptable")));
}
