//! Property tests of linked preferences (interaction terms, conditional red lines): every
//! analysis quantity against brute-force enumeration written from the definitions.

use proptest::prelude::*;

use super::*;
use crate::links::{Condition, ConditionalRedLine, Link, Requirement, ValueSet};
use crate::outcome::Issue;
use crate::preferences::{RedLines, UtilityFunction};
use crate::scenario::{Package, Party, Scenario};

/// A random small linked scenario: 1–4 parties, additive terms on a coarse grid (often zero,
/// so whole subtrees tie), 0–4 links each, sometimes a conditional red line and a clip at 1.
fn scenario() -> impl Strategy<Value = (OutcomeSpace, Vec<Preferences>)> {
    (
        prop::collection::vec(1u32..5, 1..5),
        1usize..5,
        any::<u64>(),
    )
        .prop_map(|(sizes, np, seed)| {
            use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let issues: Vec<Issue> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| Issue::integer(format!("i{i}"), 0, i64::from(n) - 1, 1).unwrap())
                .collect();
            let space = OutcomeSpace::new(issues).unwrap();
            let condition = |rng: &mut ChaCha8Rng, avoid: Option<usize>| -> Option<Condition> {
                let mut clauses = Vec::new();
                for (i, &n) in sizes.iter().enumerate() {
                    if Some(i) == avoid || !rng.random_bool(0.5) {
                        continue;
                    }
                    let set: Vec<u32> = (0..n).filter(|_| rng.random_bool(0.5)).collect();
                    let set = if set.is_empty() {
                        vec![rng.random_range(0..n)]
                    } else {
                        set
                    };
                    clauses.push((i, ValueSet::from_indices(set)));
                }
                Condition::new(&space, clauses).ok()
            };
            let prefs = (0..np)
                .map(|_| {
                    let w: Vec<f64> = sizes
                        .iter()
                        .map(|_| f64::from(rng.random_range(0..3u32)) / 4.0)
                        .collect();
                    let terms: Vec<Vec<f64>> = sizes
                        .iter()
                        .zip(&w)
                        .map(|(&n, w)| {
                            (0..n)
                                .map(|_| w * f64::from(rng.random_range(0..5u32)) / 4.0)
                                .collect()
                        })
                        .collect();
                    let clip = rng.random_bool(0.3);
                    let n_links = rng.random_range(0..5usize);
                    let links: Vec<Link> = (0..n_links)
                        .filter_map(|_| {
                            let c = condition(&mut rng, None)?;
                            let v = f64::from(rng.random_range(0..9u32) as i32 - 3) / 8.0;
                            Link::new(c, v).ok()
                        })
                        .collect();
                    let u = UtilityFunction::from_terms(&space, terms, clip)
                        .unwrap()
                        .with_links(links)
                        .unwrap();
                    let mut rl = RedLines::none(sizes.len());
                    if rng.random_bool(0.2) {
                        let i = rng.random_range(0..sizes.len());
                        rl.forbid(i, rng.random_range(0..sizes[i]));
                    }
                    if rng.random_bool(0.5) {
                        let i = rng.random_range(0..sizes.len());
                        let vals = ValueSet::from_indices([rng.random_range(0..sizes[i])]);
                        let req = if rng.random_bool(0.5) {
                            Requirement::Unless
                        } else {
                            Requirement::OnlyIf
                        };
                        if let Some(c) =
                            condition(&mut rng, Some(i)).filter(|c| !c.clauses().is_empty())
                        {
                            rl.add_conditional(
                                ConditionalRedLine::new(&space, i, vals, req, c).unwrap(),
                            );
                        }
                    }
                    let r = f64::from(rng.random_range(0..6u32)) / 10.0;
                    Preferences::new(u, r, rl, 1.0).unwrap()
                })
                .collect();
            (space, prefs)
        })
}

// The oracle, from the definitions.

fn u_def(p: &Preferences, o: &Outcome) -> f64 {
    let mut raw = 0.0;
    for (i, &v) in o.indices().iter().enumerate() {
        raw += p.ufun().terms()[i][v as usize];
    }
    for l in p.ufun().links() {
        let holds = l
            .condition()
            .clauses()
            .iter()
            .all(|(i, s)| s.indices().any(|v| v == o.get(*i)));
        if holds {
            raw += l.value();
        }
    }
    if p.ufun().clips_at_one() && raw > 1.0 {
        1.0
    } else {
        raw
    }
}

fn acceptable_def(p: &Preferences, o: &Outcome) -> bool {
    let idx = o.indices();
    let crosses = idx
        .iter()
        .enumerate()
        .any(|(i, v)| p.red_lines().per_issue()[i].contains(v));
    let conditional = p.red_lines().conditional().iter().any(|c| {
        let at_stake = c.values().indices().any(|v| v == idx[c.issue()]);
        let holds = c
            .condition()
            .clauses()
            .iter()
            .all(|(i, s)| s.indices().any(|v| v == idx[*i]));
        at_stake
            && match c.requirement() {
                Requirement::Unless => !holds,
                Requirement::OnlyIf => holds,
            }
    });
    !crosses && !conditional && u_def(p, o) >= p.reservation() - 1e-12
}

fn dominates_def(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| *x >= *y - 1e-12) && a.iter().zip(b).any(|(x, y)| *x > *y + 1e-12)
}

fn all_outcomes(space: &OutcomeSpace) -> Vec<Outcome> {
    let n = space.cardinality().to_u128().unwrap();
    (0..n).map(|k| space.outcome_at(k).unwrap()).collect()
}

fn brute_frontier(space: &OutcomeSpace, prefs: &[&Preferences], acc: bool) -> Vec<Outcome> {
    let pts: Vec<(Outcome, Vec<f64>)> = all_outcomes(space)
        .into_iter()
        .filter(|o| !acc || prefs.iter().all(|p| acceptable_def(p, o)))
        .map(|o| {
            let u = prefs.iter().map(|p| u_def(p, &o)).collect();
            (o, u)
        })
        .collect();
    let mut out: Vec<Outcome> = pts
        .iter()
        .filter(|(_, u)| !pts.iter().any(|(_, v)| dominates_def(v, u)))
        .map(|(o, _)| o.clone())
        .collect();
    out.sort();
    out
}

fn brute_max(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    f: impl Fn(&[f64]) -> f64,
) -> Option<f64> {
    all_outcomes(space)
        .into_iter()
        .filter(|o| prefs.iter().all(|p| acceptable_def(p, o)))
        .map(|o| f(&prefs.iter().map(|p| u_def(p, &o)).collect::<Vec<_>>()))
        .reduce(f64::max)
}

fn sorted(points: &[Point]) -> Vec<Outcome> {
    let mut v: Vec<Outcome> = points.iter().map(|p| p.outcome.clone()).collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(crate::proptest_config(300))]

    #[test]
    fn linked_analysis_matches_brute_force((space, prefs) in scenario()) {
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        let a = analyze(&space, &prefs, &AnalysisConfig::default());
        let outcomes = all_outcomes(&space);
        for p in &prefs {
            for o in &outcomes {
                prop_assert!((p.utility(o) - u_def(p, o)).abs() <= 1e-12);
                prop_assert_eq!(p.is_acceptable(o), acceptable_def(p, o));
            }
            let us: Vec<f64> = outcomes.iter().map(|o| u_def(p, o)).collect();
            let (lo, hi) = us.iter().fold((f64::MAX, f64::MIN), |(a, b), &u| (a.min(u), b.max(u)));
            prop_assert!((p.ufun().max() - hi).abs() <= 1e-9, "max {} vs {}", p.ufun().max(), hi);
            prop_assert!((p.ufun().min() - lo).abs() <= 1e-9, "min {} vs {}", p.ufun().min(), lo);
            prop_assert!((u_def(p, &p.ufun().best_outcome()) - hi).abs() <= 1e-9);
        }
        let zopa = outcomes.iter().filter(|o| prefs.iter().all(|p| acceptable_def(p, o))).count();
        prop_assert_eq!(a.zopa.clone().unwrap().to_u64(), Some(zopa as u64));
        let full = brute_frontier(&space, &prefs, false);
        let accf = brute_frontier(&space, &prefs, true);
        prop_assert_eq!(sorted(a.pareto.as_ref().unwrap()), full.clone());
        prop_assert_eq!(sorted(a.pareto_acceptable.as_ref().unwrap()), accf.clone());
        for (vectors, listed) in [(&a.pareto_vectors, &full), (&a.pareto_acceptable_vectors, &accf)] {
            let vectors = vectors.as_ref().unwrap();
            let mut total = 0u64;
            for v in vectors {
                let same: Vec<&Outcome> = listed.iter().filter(|o| {
                    prefs.iter().zip(&v.utilities).all(|(p, u)| (u_def(p, o) - u).abs() <= 1e-12)
                }).collect();
                prop_assert_eq!(v.count.to_u64(), Some(same.len() as u64));
                prop_assert_eq!(Some(&v.outcome), same.into_iter().min());
                total += v.count.to_u64().unwrap();
            }
            prop_assert_eq!(total, listed.len() as u64);
        }
        let r: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
        let nash = brute_max(&space, &prefs, |u| u.iter().zip(&r).map(|(u, r)| (u - r).max(0.0)).product());
        match (&a.nash.unwrap(), nash) {
            (None, None) => {}
            (Some(p), Some(v)) => {
                prop_assert!(p.acceptable);
                let got: f64 = p.utilities.iter().zip(&r).map(|(u, r)| (u - r).max(0.0)).product();
                prop_assert!((got - v).abs() <= 1e-9, "nash {} vs brute {}", got, v);
            }
            (x, y) => prop_assert!(false, "nash {:?} vs brute {:?}", x, y),
        }
        let welfare = brute_max(&space, &prefs, |u| u.iter().sum());
        match (&a.max_welfare.unwrap(), welfare) {
            (None, None) => {}
            (Some(p), Some(v)) => {
                prop_assert!(p.acceptable);
                prop_assert!((p.utilities.iter().sum::<f64>() - v).abs() <= 1e-9);
            }
            (x, y) => prop_assert!(false, "welfare {:?} vs brute {:?}", x, y),
        }
        let ideal = a.ideal.unwrap();
        for p in 0..prefs.len() {
            let b = brute_max(&space, &prefs, |u| u[p]);
            prop_assert_eq!(ideal[p].is_some(), b.is_some());
            if let (Some(x), Some(y)) = (ideal[p], b) {
                prop_assert!((x - y).abs() <= 1e-9);
            }
        }
        if let Some(ks) = a.kalai_smorodinsky.unwrap() {
            prop_assert!(ks.acceptable);
            let ideal: Vec<f64> = ideal.iter().map(|x| x.unwrap()).collect();
            let ratio = |u: &[f64]| -> f64 {
                (0..u.len()).map(|p| {
                    let range = ideal[p] - r[p];
                    if range <= TIE_EPS { 1.0 } else { (u[p] - r[p]) / range }
                }).fold(f64::INFINITY, f64::min)
            };
            let best = brute_max(&space, &prefs, ratio).unwrap();
            prop_assert!((ratio(&ks.utilities) - best).abs() <= 1e-9);
        }
    }

    #[test]
    fn linked_package_scores_match_brute_force((space, prefs) in scenario(), mask in any::<u64>()) {
        // Fix issue i to its first value when bit i of the mask is set, else leave it open.
        let choices: Vec<Option<Vec<u32>>> = (0..space.issues().len())
            .map(|i| (mask >> i & 1 == 1).then(|| vec![0u32]))
            .collect();
        let allowed: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .zip(&choices)
            .map(|(issue, c)| c.clone().unwrap_or_else(|| (0..issue.n_values()).collect()))
            .collect();
        let package = Package {
            name: "DRAFT".into(),
            label: None,
            date: None,
            sources: Vec::new(),
            notes: None,
            choices,
        };
        let parties: Vec<Party> = prefs
            .iter()
            .enumerate()
            .map(|(k, p)| Party::new(format!("p{k}"), p.clone()))
            .collect();
        let s = Scenario::new("t", space.clone(), parties).unwrap();
        let score = score_package(&s, &package, &AnalysisConfig::default());
        let completions: Vec<Outcome> = all_outcomes(&space)
            .into_iter()
            .filter(|o| o.indices().iter().zip(&allowed).all(|(v, a)| a.contains(v)))
            .collect();
        for (p, ps) in prefs.iter().zip(&score.parties) {
            let us: Vec<f64> = completions.iter().map(|o| u_def(p, o)).collect();
            let (lo, hi) = us.iter().fold((f64::MAX, f64::MIN), |(a, b), &u| (a.min(u), b.max(u)));
            prop_assert!((ps.lo - lo).abs() <= 1e-9 && (ps.hi - hi).abs() <= 1e-9);
            let ok = completions.iter().filter(|o| acceptable_def(p, o)).count();
            let want = if ok == 0 { Verdict::None } else if ok == completions.len() { Verdict::Every } else { Verdict::Some };
            prop_assert_eq!(ps.verdict, want);
        }
        let all_ok = completions.iter().filter(|o| prefs.iter().all(|p| acceptable_def(p, o))).count();
        prop_assert_eq!(score.acceptable_to_all.unwrap().to_u64(), Some(all_ok as u64));
    }

    #[test]
    fn a_linked_partys_bid_space_lists_exactly_its_acceptable_outcomes((space, prefs) in scenario()) {
        use crate::negotiator::BidSpace;
        for p in &prefs {
            let b = BidSpace::for_preferences(&space, p);
            let mut want: Vec<Outcome> = all_outcomes(&space)
                .into_iter()
                .filter(|o| acceptable_def(p, o))
                .collect();
            want.sort();
            let mut got: Vec<Outcome> = (0..b.len()).map(|k| b.outcome(k)).collect();
            for k in 0..b.len() {
                prop_assert!((b.utility(k) - u_def(p, &b.outcome(k))).abs() <= 1e-12);
            }
            got.sort();
            prop_assert_eq!(got, want);
        }
    }
}

/// Two parties with GENIUS-like rectangle profiles (integer ranges over 1–3 issues, sums of
/// multiples of 1/8 so every tie is exact), sometimes additive terms and a clip at 1, and a
/// reservation value: the scenarios the cell engine (`rect`) takes.
fn rectangles() -> impl Strategy<Value = (OutcomeSpace, Vec<Preferences>)> {
    (prop::collection::vec(1u32..7, 1..6), any::<u64>()).prop_map(|(sizes, seed)| {
        use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let issues: Vec<Issue> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| Issue::integer(format!("i{i}"), 0, i64::from(n) - 1, 1).unwrap())
            .collect();
        let space = OutcomeSpace::new(issues).unwrap();
        let prefs = (0..2)
            .map(|_| {
                let additive = rng.random_bool(0.3);
                let terms: Vec<Vec<f64>> = sizes
                    .iter()
                    .map(|&n| {
                        (0..n)
                            .map(|_| {
                                if additive {
                                    f64::from(rng.random_range(0..3u32)) / 8.0
                                } else {
                                    0.0
                                }
                            })
                            .collect()
                    })
                    .collect();
                let n_links = rng.random_range(1..8usize);
                let links: Vec<Link> = (0..n_links)
                    .filter_map(|_| {
                        let k = rng.random_range(1..=3usize.min(sizes.len()));
                        let mut clauses = Vec::new();
                        for _ in 0..k {
                            let i = rng.random_range(0..sizes.len());
                            if clauses.iter().any(|c: &(usize, ValueSet)| c.0 == i) {
                                continue;
                            }
                            let a = rng.random_range(0..sizes[i]);
                            let b = rng.random_range(a..sizes[i]);
                            clauses.push((i, ValueSet::range(a, b)));
                        }
                        let c = Condition::new(&space, clauses).ok()?;
                        let v = f64::from(rng.random_range(0..9u32) as i32 - 2) / 8.0;
                        Link::new(c, v).ok()
                    })
                    .collect();
                let u = UtilityFunction::from_terms(&space, terms, rng.random_bool(0.5))
                    .unwrap()
                    .with_links(links)
                    .unwrap();
                let r = f64::from(rng.random_range(0..5u32)) / 8.0;
                Preferences::new(u, r, RedLines::none(sizes.len()), 1.0).unwrap()
            })
            .collect();
        (space, prefs)
    })
}

proptest! {
    #![proptest_config(crate::proptest_config(400))]

    /// The cell engine gives exactly the search's analysis (every field: frontiers, counts,
    /// first outcomes, bargaining points), and its frontiers are brute force's.
    #[test]
    fn the_cell_engine_matches_the_search_and_brute_force((space, prefs) in rectangles()) {
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        prop_assume!(prefs.iter().any(|p| p.is_linked()));
        prop_assert!(super::rect::applies(&prefs));
        let config = AnalysisConfig::default();
        let fast = analyze(&space, &prefs, &config);
        let slow = analyze_by_search(&space, &prefs, &config);
        prop_assert_eq!(&fast, &slow);
        prop_assert_eq!(sorted(fast.pareto.as_ref().unwrap()), brute_frontier(&space, &prefs, false));
        prop_assert_eq!(
            sorted(fast.pareto_acceptable.as_ref().unwrap()),
            brute_frontier(&space, &prefs, true)
        );
        // A restriction to some values of each issue (e.g. a partial package).
        let allowed: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .enumerate()
            .map(|(i, is)| (0..is.n_values()).filter(|v| (v + i as u32) % 3 != 1).collect())
            .collect();
        let fast = analyze_restricted(&space, &prefs, &allowed, &config);
        let slow = analyze_with(&space, &prefs, Some(&allowed), &config, Engine::Search);
        prop_assert_eq!(fast, slow);
    }
}

proptest! {
    #![proptest_config(crate::proptest_config(200))]

    /// With reservation values every outcome reaches (0 when no term or link is negative, as
    /// in ANAC 2014) the cell engine runs one search for both frontiers; the analysis is still
    /// the search's in every field, and brute force's frontiers.
    #[test]
    fn the_cell_engine_shares_one_search_when_everything_is_acceptable(
        (space, prefs) in rectangles()
    ) {
        let prefs: Vec<Preferences> = prefs
            .iter()
            .map(|p| Preferences::new(p.ufun().clone(), 0.0, RedLines::none(space.issues().len()), 1.0).unwrap())
            .collect();
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        prop_assume!(prefs.iter().any(|p| p.is_linked()));
        let nonnegative = prefs.iter().all(|p| {
            p.ufun().links().iter().all(|l| l.value() >= 0.0)
                && p.ufun().terms().iter().flatten().all(|t| *t >= 0.0)
        });
        let all: Vec<Vec<u32>> = space.issues().iter().map(|i| (0..i.n_values()).collect()).collect();
        let cells = super::rect::Cells::new(&space, &prefs, &all).unwrap();
        // The lower bounds at the root are exact minima only sometimes, so `false` is allowed
        // when some value is negative; never when none is.
        if nonnegative {
            prop_assert!(cells.all_acceptable([0.0, 0.0]));
        }
        let config = AnalysisConfig::default();
        let fast = analyze(&space, &prefs, &config);
        let slow = analyze_by_search(&space, &prefs, &config);
        prop_assert_eq!(&fast, &slow);
        prop_assert_eq!(sorted(fast.pareto.as_ref().unwrap()), brute_frontier(&space, &prefs, false));
        prop_assert_eq!(
            sorted(fast.pareto_acceptable.as_ref().unwrap()),
            brute_frontier(&space, &prefs, true)
        );
    }
}

/// The raw sum of terms and links of `o`, before any clip at 1.
fn raw_def(p: &Preferences, o: &Outcome) -> f64 {
    let mut raw: f64 = o
        .indices()
        .iter()
        .enumerate()
        .map(|(i, &v)| p.ufun().terms()[i][v as usize])
        .sum();
    for l in p.ufun().links() {
        if l.condition()
            .clauses()
            .iter()
            .all(|(i, s)| s.indices().any(|v| v == o.get(*i)))
        {
            raw += l.value();
        }
    }
    raw
}

proptest! {
    #![proptest_config(crate::proptest_config(200))]

    /// `raw_max_within` is the brute-force maximum of the unclipped sum (what decides whether
    /// a clip at 1 ever binds), and a budget too small to prove it gives `None`, not a guess.
    #[test]
    fn raw_max_within_is_the_unclipped_maximum((space, prefs) in rectangles()) {
        let outcomes = all_outcomes(&space);
        for p in &prefs {
            let u = p.ufun();
            let want = outcomes.iter().map(|o| raw_def(p, o)).fold(f64::MIN, f64::max);
            let got = u.raw_max_within(u64::MAX).expect("unbounded");
            prop_assert!((got - want).abs() <= 1e-9, "raw max {} vs {}", got, want);
            if !u.links().is_empty() {
                prop_assert_eq!(u.raw_max_within(1), None);
            }
        }
    }
}

/// A frontier of a few huge blocks of tied outcomes is found by the cell engine in a few
/// nodes, but listing its outcomes one by one costs about a node each: under a node budget
/// smaller than the frontier the list is not made (the distinct vectors and their exact counts
/// are), and under a budget that covers it the list is every outcome, as brute force says.
/// (Fuzz input #9437 spent 9.4 s listing such a frontier under a budget of 2000 nodes.)
#[test]
fn a_huge_frontier_listing_is_charged_to_the_node_budget() {
    // 4 issues × 10 values; party 0 gets 1 when issue 0 is in 0..=4, party 1 when it is in
    // 5..=9: every outcome is on the frontier, in two vectors of 5000 outcomes each.
    let issues: Vec<Issue> = (0..4)
        .map(|i| Issue::integer(format!("i{i}"), 0, 9, 1).unwrap())
        .collect();
    let space = OutcomeSpace::new(issues).unwrap();
    let party = |a: u32, b: u32| {
        let c = Condition::new(&space, vec![(0, ValueSet::range(a, b))]).unwrap();
        let u = UtilityFunction::from_terms(&space, vec![vec![0.0; 10]; 4], true)
            .unwrap()
            .with_links(vec![Link::new(c, 1.0).unwrap()])
            .unwrap();
        Preferences::new(u, 0.0, RedLines::none(4), 1.0).unwrap()
    };
    let (p0, p1) = (party(0, 4), party(5, 9));
    let prefs = [&p0, &p1];
    assert!(super::rect::applies(&prefs));
    let small = AnalysisConfig {
        max_nodes: 1000,
        ..AnalysisConfig::default()
    };
    let a = analyze(&space, &prefs, &small);
    for (listed, vectors) in [
        (&a.pareto, &a.pareto_vectors),
        (&a.pareto_acceptable, &a.pareto_acceptable_vectors),
    ] {
        let e = listed.as_ref().unwrap_err();
        assert_eq!(
            *e,
            Incomplete::TooManyToList {
                total: Cardinality::from_u128(10_000),
                vectors: 2,
                limit: 1000,
            }
        );
        assert!(e.to_string().contains("under this node budget"), "{e}");
        // The vectors are exact all the same.
        let v = vectors.as_ref().unwrap();
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|v| v.count.to_u64() == Some(5000)));
    }
    assert_eq!(a.zopa.as_ref().unwrap().to_u64(), Some(10_000));
    assert!(a.nash.as_ref().unwrap().is_some());
    // The search engine lists under the same rule.
    let s = analyze_by_search(&space, &prefs, &small);
    assert!(matches!(
        s.pareto,
        Err(Incomplete::TooManyToList { limit: 1000, .. })
    ));
    // A budget that covers the listing gives every outcome, as brute force does.
    let enough = AnalysisConfig {
        max_nodes: 10_000,
        ..AnalysisConfig::default()
    };
    let a = analyze(&space, &prefs, &enough);
    assert_eq!(
        sorted(a.pareto.as_ref().unwrap()),
        brute_frontier(&space, &prefs, false)
    );
    assert_eq!(a.pareto.as_ref().unwrap().len(), 10_000);
}

proptest! {
    #![proptest_config(crate::proptest_config(400))]

    /// Non-negative rectangle profiles (ANAC 2014's kind) take the rectangle engine
    /// (`rect_sets`): its analysis equals the search's in every field (frontier vectors,
    /// counts, first outcomes, listed outcomes, bargaining points), and its frontiers are brute
    /// force's, with and without reservation values every outcome reaches.
    #[test]
    fn the_rectangle_engine_matches_the_search_and_brute_force((space, prefs) in rectangles()) {
        let prefs: Vec<Preferences> = prefs
            .iter()
            .map(|p| {
                let links: Vec<Link> = p
                    .ufun()
                    .links()
                    .iter()
                    .map(|l| Link::new(l.condition().clone(), l.value().abs()).unwrap())
                    .collect();
                let u = UtilityFunction::from_terms(
                    &space,
                    p.ufun().terms().to_vec(),
                    p.ufun().clips_at_one(),
                )
                .unwrap()
                .with_links(links)
                .unwrap();
                Preferences::new(u, p.reservation(), RedLines::none(space.issues().len()), 1.0)
                    .unwrap()
            })
            .collect();
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        prop_assume!(prefs.iter().any(|p| p.is_linked()));
        let all: Vec<Vec<u32>> = space.issues().iter().map(|i| (0..i.n_values()).collect()).collect();
        prop_assert!(super::rect_sets::RectSets::new(&space, &prefs, &all).is_some());
        let config = AnalysisConfig::default();
        let fast = analyze(&space, &prefs, &config);
        let slow = analyze_by_search(&space, &prefs, &config);
        prop_assert_eq!(&fast, &slow);
        prop_assert_eq!(sorted(fast.pareto.as_ref().unwrap()), brute_frontier(&space, &prefs, false));
        prop_assert_eq!(
            sorted(fast.pareto_acceptable.as_ref().unwrap()),
            brute_frontier(&space, &prefs, true)
        );
        let allowed: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .enumerate()
            .map(|(i, is)| (0..is.n_values()).filter(|v| (v + i as u32) % 3 != 2).collect())
            .collect();
        let fast = analyze_restricted(&space, &prefs, &allowed, &config);
        let slow = analyze_with(&space, &prefs, Some(&allowed), &config, Engine::Search);
        prop_assert_eq!(fast, slow);
    }
}

/// A visitor without the joint bounds: `acceptable_only` left false, everything else `V`'s.
struct PerPartyOnly<V>(V);

impl<V: Visitor> Visitor for PerPartyOnly<V> {
    fn prune(&mut self, opt: &[f64], pess: &[f64]) -> Prune {
        self.0.prune(opt, pess)
    }
    fn take_all(&mut self, n: &Cardinality) {
        self.0.take_all(n);
    }
    fn take_work(&mut self) -> u64 {
        self.0.take_work()
    }
    fn leaf(&mut self, u: &[f64], path: &[u32], problem: &Problem) {
        self.0.leaf(u, path, problem);
    }
    fn uniform(&mut self, u: &[f64], path: &[u32], level: usize, problem: &Problem) {
        self.0.uniform(u, path, level, problem);
    }
}

/// The zopa count over `pr` with or without the joint bounds (`None`: over `max_nodes`).
fn count_with(pr: &Problem, joint: bool, max_nodes: u64) -> Option<u64> {
    let r = pr.reservation.clone();
    let make = || CountVisitor {
        r: &r,
        leaves: 0,
        bulk: Cardinality::from_u128(0),
    };
    let total = |units: Vec<(u64, Cardinality)>| {
        let mut t = Cardinality::from_u128(0);
        for (leaves, bulk) in units {
            t.add(&bulk);
            t.add(&Cardinality::from_u128(u128::from(leaves)));
        }
        t.to_u64()
    };
    if pr.empty {
        return Some(0);
    }
    if joint {
        let units = pr.run(make, max_nodes).ok()?;
        total(units.into_iter().map(|v| (v.leaves, v.bulk)).collect())
    } else {
        let units = pr.run(|| PerPartyOnly(make()), max_nodes).ok()?;
        total(units.into_iter().map(|v| (v.0.leaves, v.0.bulk)).collect())
    }
}

#[test]
fn the_joint_bounds_drop_what_no_coalition_can_afford() {
    // Two exactly opposed parties over 16 yes/no issues (u0 + u1 = 1, less a tiny link), each
    // asking 0.6: each alone can reach it below most nodes, together never.
    let n = 16;
    let issues: Vec<Issue> = (0..n)
        .map(|i| Issue::integer(format!("i{i}"), 0, 1, 1).unwrap())
        .collect();
    let space = OutcomeSpace::new(issues).unwrap();
    let step = 1.0 / f64::from(n);
    let party = |favours: u32, link: bool| {
        let terms: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                (0..2)
                    .map(|v| if v == favours { step } else { 0.0 })
                    .collect()
            })
            .collect();
        let links = if link {
            let c = Condition::new(
                &space,
                vec![
                    (0, ValueSet::from_indices([1])),
                    (1, ValueSet::from_indices([1])),
                ],
            )
            .unwrap();
            vec![Link::new(c, -1.0 / 1024.0).unwrap()]
        } else {
            Vec::new()
        };
        let u = UtilityFunction::from_terms(&space, terms, false)
            .unwrap()
            .with_links(links)
            .unwrap();
        Preferences::new(u, 0.6, RedLines::none(n as usize), 1.0).unwrap()
    };
    let (a, b) = (party(1, true), party(0, false));
    let pr = Problem::new(&space, &[&a, &b], None, true);
    // One node per unit of the first levels is all the joint bounds need.
    assert_eq!(count_with(&pr, true, 1_000), Some(0));
    assert_eq!(count_with(&pr, false, 1_000), None);
    assert_eq!(count_with(&pr, false, u64::MAX), Some(0));
}

proptest! {
    #![proptest_config(crate::proptest_config(300))]

    /// The joint bounds drop only subtrees without an outcome acceptable to every party: the
    /// count is the same with them as without, on random linked scenarios (red lines, clips,
    /// conditional red lines, 1–4 parties).
    #[test]
    fn the_joint_bounds_keep_every_acceptable_outcome((space, prefs) in scenario()) {
        let prefs: Vec<&Preferences> = prefs.iter().collect();
        let pr = Problem::new(&space, &prefs, None, true);
        let joint = count_with(&pr, true, u64::MAX);
        let per_party = count_with(&pr, false, u64::MAX);
        prop_assert_eq!(joint, per_party);
        let brute = all_outcomes(&space)
            .iter()
            .filter(|o| prefs.iter().all(|p| acceptable_def(p, o)))
            .count() as u64;
        prop_assert_eq!(joint, Some(brute));
    }
}
