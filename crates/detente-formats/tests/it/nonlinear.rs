//! GENIUS non-linear (ANAC 2014 hyper-rectangle) profiles: GENIUS's utility checked against an
//! independent reading of the XML, round trips, and the exact analysis against the shipped
//! `pareto.xml` approximations.

use std::path::Path;

use detente_core::Outcome;
use detente_core::analysis::{self, AnalysisConfig};
use detente_formats::genius;

use crate::util::genius_dir;

const DOMAINS: [&str; 3] = [
    "10issuesDiscountedwithRV",
    "50issues",
    "raw-50issuesDiscounted",
];

/// GENIUS's utility from the XML text alone (a few string searches, no shared code):
/// min(1, Σ utility·[every INCLUDES bound holds] / maxutility), issues by `index`.
fn oracle(xml: &str, values: &[i64]) -> f64 {
    let attr = |tag: &str, name: &str| -> f64 {
        let k = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        tag[k..k + tag[k..].find('"').unwrap()].parse().unwrap()
    };
    let max_at = xml.find("maxutility=").unwrap();
    let max = attr(&xml[max_at - 1..], "maxutility");
    let mut total = 0.0;
    for rect in xml.split("<hyperRectangle").skip(1) {
        let body = &rect[..rect.find("</hyperRectangle>").unwrap()];
        let u = attr(body, "utility");
        let holds = body.split("<INCLUDES").skip(1).all(|b| {
            let i = attr(b, "index") as usize;
            let v = values[i - 1];
            attr(b, "min") as i64 <= v && v <= attr(b, "max") as i64
        });
        if holds {
            total += u;
        }
    }
    (total / max).min(1.0)
}

fn random_outcomes(n_issues: usize, n: usize, seed: u64) -> Vec<Outcome> {
    use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| Outcome::new((0..n_issues).map(|_| rng.random_range(0..10u32)).collect()))
        .collect()
}

#[test]
fn anac2014_profiles_have_geniuss_utility() {
    for name in DOMAINS {
        let Some(dir) = genius_dir(name) else {
            return;
        };
        let loaded = detente_formats::detect::load(&dir).unwrap();
        let s = &loaded.scenario;
        assert_eq!(s.parties().len(), 2, "{name}");
        let n = s.space().issues().len();
        assert_eq!(n, if name.starts_with("10") { 10 } else { 40 }, "{name}");
        for (party, file) in s.parties().iter().zip(["profile-1.xml", "profile-2.xml"]) {
            let xml = std::fs::read_to_string(dir.join(file)).unwrap();
            for o in random_outcomes(n, 2000, 7) {
                let values: Vec<i64> = o.indices().iter().map(|&v| i64::from(v)).collect();
                let want = oracle(&xml, &values);
                let got = party.preferences.utility(&o);
                assert!((got - want).abs() < 1e-12, "{name}/{file}: {got} vs {want}");
            }
        }
    }
    let Some(dir) = genius_dir("10issuesDiscountedwithRV") else {
        return;
    };
    let s = detente_formats::detect::load(&dir).unwrap().scenario;
    let p = &s.parties()[0].preferences;
    assert_eq!(p.reservation(), 0.75);
    assert_eq!(p.discount(), 0.5);
}

#[test]
fn anac2014_profiles_round_trip_through_genius_xml() {
    for name in DOMAINS {
        let Some(dir) = genius_dir(name) else {
            return;
        };
        let s = detente_formats::detect::load(&dir).unwrap().scenario;
        let rendered = genius::to_xml(&s).unwrap();
        let (dname, dtext) = &rendered.files[0];
        let profiles: Vec<(&Path, &[u8])> = rendered.files[1..]
            .iter()
            .map(|(n, t)| (Path::new(n.as_str()), t.as_bytes()))
            .collect();
        let back = genius::read_from(name, (Path::new(dname), dtext.as_bytes()), &profiles)
            .unwrap()
            .scenario;
        let n = s.space().issues().len();
        for o in random_outcomes(n, 3000, 11) {
            for (a, b) in s.parties().iter().zip(back.parties()) {
                assert_eq!(
                    a.preferences.utility(&o),
                    b.preferences.utility(&o),
                    "{name}"
                );
            }
        }
        for (a, b) in s.parties().iter().zip(back.parties()) {
            assert_eq!(a.preferences.reservation(), b.preferences.reservation());
            assert_eq!(a.preferences.discount(), b.preferences.discount());
        }
    }
}

/// The shipped `pareto.xml` points (plain text, `u1, u2` per line).
fn shipped(dir: &Path) -> Vec<(f64, f64)> {
    std::fs::read_to_string(dir.join("pareto.xml"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (a, b) = l.split_once(',')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

/// The exact analysis of each ANAC 2014 domain, within a node budget: every quantity is exact
/// or says why not. The 10-issue domain (10^10 outcomes) is exact: its frontier weakly
/// dominates every shipped `pareto.xml` point (they coincide), and the timings are printed. The
/// 40-issue domains (10^40 outcomes) get an exact zone count; their Nash point and frontier
/// exceed the budget and say so.
#[test]
fn anac2014_exact_analysis_is_exact_or_says_why_not() {
    for name in DOMAINS {
        let Some(dir) = genius_dir(name) else {
            return;
        };
        let s = detente_formats::detect::load(&dir).unwrap().scenario;
        let prefs = s.preferences();
        let small = name.starts_with("10");
        let config = AnalysisConfig {
            max_nodes: if small { 100_000_000 } else { 2_000_000 },
            full_frontier: true,
            acceptable_frontier: false,
        };
        let t = std::time::Instant::now();
        let a = analysis::analyze(s.space(), &prefs, &config);
        eprintln!(
            "{name}: {:?}; zone {:?}; nash {:?}; frontier {:?}",
            t.elapsed(),
            a.zopa
                .as_ref()
                .map(ToString::to_string)
                .map_err(|e| e.to_string()),
            a.nash
                .as_ref()
                .map(|p| p.as_ref().map(|p| p.utilities.clone()))
                .map_err(|e| e.to_string()),
            a.pareto_vectors
                .as_ref()
                .map(Vec::len)
                .map_err(|e| e.to_string()),
        );
        let outcomes = s.space().cardinality();
        if small {
            assert_eq!(a.zopa.as_ref().unwrap().to_string(), "40822440");
            let nash = a.nash.as_ref().unwrap().as_ref().unwrap();
            assert!((nash.utilities[0] - 0.9007874015748032).abs() < 1e-12);
            assert!((nash.utilities[1] - 0.8773333333333333).abs() < 1e-12);
            let front = a.pareto_vectors.as_ref().unwrap();
            assert_eq!(front.len(), 8);
            for v in front {
                eprintln!(
                    "  {:.8}, {:.8}  x{}",
                    v.utilities[0], v.utilities[1], v.count
                );
            }
        } else {
            // Reservation 0: every outcome is acceptable, counted at the root.
            assert_eq!(a.zopa.as_ref().unwrap(), &outcomes);
            for r in [a.nash.as_ref().err(), a.pareto_vectors.as_ref().err()]
                .into_iter()
                .flatten()
            {
                assert!(r.to_string().contains("search nodes"), "{r}");
            }
        }
        if let Ok(front) = &a.pareto_vectors {
            for (x, y) in shipped(&dir) {
                // pareto.xml holds single-precision numbers.
                let covered = front
                    .iter()
                    .any(|v| v.utilities[0] >= x - 1e-6 && v.utilities[1] >= y - 1e-6);
                assert!(
                    covered,
                    "{name}: shipped point ({x}, {y}) is not weakly dominated"
                );
            }
        }
    }
}
