//! Mediation tests on thin zones: agreements acceptable to all, repeatable runs, the blind
//! mediator's privacy, and a floor on the agreements it reaches.

use std::sync::{Arc, Mutex};

use proptest::prelude::{ProptestConfig, prop_assert, prop_assert_eq, proptest};
use rand::RngExt;

use super::*;
use crate::analysis::thin_zone::{self, ThinZoneConfig, acceptable_to_all};
use crate::negotiator::{Answer, NegotiatorInit, Question, TextNegotiator, TextView, Verdict};
use crate::outcome::Outcome;
use crate::preferences::{Preferences, UtilityFunction};
use crate::rng::{derive_seed, rng};
use crate::scenario::{Party, Scenario};

const POOL: [Strategy; 3] = [Strategy::Boulware, Strategy::Linear, Strategy::Conceder];

fn config(s: &Scenario, mediator: MediatorStrategy, rounds: u32, seed: u64) -> SingleTextConfig {
    SingleTextConfig {
        rounds,
        seed,
        mediator,
        start: Outcome::new(vec![0; s.space().issues().len()]),
        schedule: Consultation::everyone(s.parties().len()),
    }
}

/// Each party's strategy drawn from boulware, linear and conceder, as the bench does.
fn strategies(n: usize, seed: u64) -> Vec<Strategy> {
    let mut r = rng(derive_seed(seed, &[0x5354]));
    (0..n)
        .map(|_| POOL[r.random_range(0..POOL.len())].clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn blind_agreements_are_acceptable_to_all_and_runs_repeat(
        n_parties in 3usize..6,
        n_issues in 4usize..6,
        n_options in 3u32..5,
        max_zone in 1u64..8,
        seed in 0u64..1_000_000,
    ) {
        let t = thin_zone::scenario(&ThinZoneConfig { n_parties, n_issues, n_options, max_zone, seed })
            .unwrap();
        let s = &t.scenario;
        let st = strategies(n_parties, seed);
        let c = config(s, MediatorStrategy::Blind, 100, seed);
        let a = run_single_text(s, &st, &c).unwrap();
        prop_assert_eq!(&a, &run_single_text(s, &st, &c).unwrap());
        if let Some(o) = &a.negotiation.agreement {
            prop_assert!(acceptable_to_all(s, o));
        }
        // Every tabled version after the first is drawn from the space.
        for v in &a.versions {
            prop_assert!(s.space().check(&v.outcome).is_ok());
        }
    }
}

/// The measured agreement count of the blind mediator on the first 24 scenarios of the
/// standard thin-zone set (seed 2026), 100 consultations: a floor it must not fall below.
const BLIND_FLOOR: usize = 24;

#[test]
fn the_blind_mediator_keeps_finding_thin_zones() {
    let set = thin_zone::standard_set(2026, 24).unwrap();
    let mut agreed = 0;
    for (k, t) in set.iter().enumerate() {
        let s = &t.scenario;
        let st = strategies(s.parties().len(), derive_seed(2026, &[k as u64]));
        let r =
            run_single_text(s, &st, &config(s, MediatorStrategy::Blind, 100, k as u64)).unwrap();
        if let Some(o) = &r.negotiation.agreement {
            assert!(acceptable_to_all(s, o), "{}", s.name);
            agreed += 1;
        }
        assert!(r.negotiation.rounds <= 100);
    }
    assert!(
        agreed >= BLIND_FLOOR,
        "the blind mediator reached {agreed} agreements, below its floor {BLIND_FLOOR}"
    );
}

/// What a party said, in order: its verdicts and its answers.
#[derive(Clone, Debug, PartialEq)]
enum Said {
    Verdict(Verdict),
    Answer(Option<Answer>),
}

type Log = Arc<Mutex<Vec<Said>>>;

/// A real party whose every word is logged.
struct Recorder(Box<dyn TextNegotiator>, Log);

impl TextNegotiator for Recorder {
    fn review(&mut self, view: &TextView<'_>) -> Verdict {
        let v = self.0.review(view);
        self.1.lock().unwrap().push(Said::Verdict(v.clone()));
        v
    }
    fn answer(&mut self, q: &Question) -> Option<Answer> {
        let a = self.0.answer(q);
        self.1.lock().unwrap().push(Said::Answer(a));
        a
    }
}

/// A party that says, in order, what a recorded party said, whatever it is asked.
struct Replayer(Vec<Said>, usize);

impl Replayer {
    fn next(&mut self) -> Said {
        self.1 += 1;
        self.0[self.1 - 1].clone()
    }
}

impl TextNegotiator for Replayer {
    fn review(&mut self, _view: &TextView<'_>) -> Verdict {
        match self.next() {
            Said::Verdict(v) => v,
            other => panic!("the replay diverged: expected a verdict, recorded {other:?}"),
        }
    }
    fn answer(&mut self, _q: &Question) -> Option<Answer> {
        match self.next() {
            Said::Answer(a) => a,
            other => panic!("the replay diverged: expected an answer, recorded {other:?}"),
        }
    }
}

#[test]
fn the_blind_mediator_sees_only_answers() {
    // Run the blind mediator with real parties of scenario A, recording everything they say.
    // Then run it over scenario B — same issues, every party's preferences different — with
    // parties that repeat A's words. The drafts must be the same: nothing but the answers
    // reaches the mediator.
    let a = thin_zone::standard_set(99, 1).unwrap().remove(0).scenario;
    let b = thin_zone::scenario(&ThinZoneConfig {
        seed: 12345,
        ..thin_zone::standard_config(99, 0)
    })
    .unwrap()
    .scenario;
    assert_eq!(a.space(), b.space());
    assert_ne!(a.parties()[0].preferences, b.parties()[0].preferences);
    let n = a.parties().len();
    let st = vec![Strategy::Boulware; n];
    let logs: Vec<Log> = (0..n).map(|_| Arc::default()).collect();
    let recorders: Vec<Box<dyn TextNegotiator>> = (0..n)
        .map(|p| {
            let inner = st[p]
                .build_text(NegotiatorInit {
                    space: a.space(),
                    preferences: &a.parties()[p].preferences,
                    me: p,
                    n_parties: n,
                    seed: 0,
                    bids: None,
                })
                .unwrap();
            Box::new(Recorder(inner, logs[p].clone())) as Box<dyn TextNegotiator>
        })
        .collect();
    let c = config(&a, MediatorStrategy::Blind, 60, 4);
    let ra = SingleText::with_negotiators(&a, recorders, c.clone())
        .unwrap()
        .run(&mut |_: &Event| {});
    let replayers: Vec<Box<dyn TextNegotiator>> = logs
        .iter()
        .map(|l| Box::new(Replayer(l.lock().unwrap().clone(), 0)) as Box<dyn TextNegotiator>)
        .collect();
    let rb = SingleText::with_negotiators(&b, replayers, c)
        .unwrap()
        .run(&mut |_: &Event| {});
    assert!(ra.questions > 0 && ra.versions.len() > 2);
    assert_eq!(ra.questions, rb.questions);
    assert_eq!(ra.versions, rb.versions);
}

#[test]
fn the_blind_mediator_drafts_the_same_behind_rescaled_preferences() {
    // Rescaling every party's utility and walk-away value (u ↦ 3u + 0.2) changes its utility
    // function but none of its answers, so the drafts must not change.
    let t = thin_zone::standard_set(5, 1).unwrap().remove(0);
    let a = t.scenario;
    let parties: Vec<Party> = a
        .parties()
        .iter()
        .map(|p| {
            let n_issues = a.space().issues().len() as f64;
            let terms = p
                .preferences
                .ufun()
                .terms()
                .iter()
                .map(|t| t.iter().map(|x| 3.0 * x + 0.2 / n_issues).collect())
                .collect();
            let u = UtilityFunction::from_terms(a.space(), terms, false).unwrap();
            let prefs = Preferences::new(
                u,
                3.0 * p.preferences.reservation() + 0.2,
                p.preferences.red_lines().clone(),
                1.0,
            )
            .unwrap();
            Party::new(p.name.clone(), prefs)
        })
        .collect();
    let b = Scenario::new("rescaled", a.space().clone(), parties).unwrap();
    assert_ne!(a.parties()[0].preferences, b.parties()[0].preferences);
    let st = strategies(a.parties().len(), 5);
    let c = config(&a, MediatorStrategy::Blind, 100, 5);
    let (ra, rb) = (
        run_single_text(&a, &st, &c).unwrap(),
        run_single_text(&b, &st, &c).unwrap(),
    );
    assert_eq!(ra.versions, rb.versions);
    assert_eq!(ra.questions, rb.questions);
    assert_eq!(ra.negotiation.agreement, rb.negotiation.agreement);
}

#[test]
fn an_unknown_mediator_is_a_clear_error() {
    let e = "oracle"
        .parse::<MediatorStrategy>()
        .unwrap_err()
        .to_string();
    assert!(e.contains("oracle") && e.contains("blind"), "{e}");
    assert_eq!(
        "blind".parse::<MediatorStrategy>().unwrap(),
        MediatorStrategy::Blind
    );
}

mod trusted_neutral {
    use super::*;
    use crate::TIE_EPS;
    use crate::analysis::{self, AnalysisConfig};
    use crate::preferences::RedLines;

    fn all_outcomes(s: &Scenario) -> Vec<Outcome> {
        let n = s.space().cardinality().to_u128().unwrap();
        (0..n).filter_map(|k| s.space().outcome_at(k)).collect()
    }

    #[test]
    fn the_trusted_neutral_proposes_the_exact_nash_package() {
        for t in thin_zone::standard_set(31, 10).unwrap() {
            let s = &t.scenario;
            let tn = TrustedNeutral::new(s, Confided::all(s)).unwrap();
            let p = tn.propose(Solution::Nash, Coalition::All).unwrap();
            let a = analysis::analyze(s.space(), &s.preferences(), &AnalysisConfig::default());
            let nash = a.nash.unwrap().unwrap();
            assert_eq!(p.outcome.as_ref(), Some(&nash.outcome), "{}", s.name);
            // Against brute force: no acceptable package has a larger product of gains.
            let product = |o: &Outcome| {
                s.parties()
                    .iter()
                    .map(|q| q.preferences.utility(o) - q.preferences.reservation())
                    .product::<f64>()
            };
            let best = all_outcomes(s)
                .iter()
                .filter(|o| acceptable_to_all(s, o))
                .map(product)
                .fold(f64::NEG_INFINITY, f64::max);
            assert!((product(&nash.outcome) - best).abs() <= 1e-9);
            for (q, g) in p.gains.iter().enumerate() {
                let pr = &s.parties()[q].preferences;
                assert!((g - (pr.utility(&nash.outcome) - pr.reservation())).abs() < 1e-12);
                assert!(*g >= -TIE_EPS);
            }
            let ks = tn
                .propose(Solution::KalaiSmorodinsky, Coalition::All)
                .unwrap();
            assert_eq!(ks.outcome, a.kalai_smorodinsky.unwrap().map(|p| p.outcome));
        }
    }

    #[test]
    fn a_trusted_neutral_run_agrees_on_the_nash_package() {
        for (k, t) in thin_zone::standard_set(32, 8).unwrap().iter().enumerate() {
            let s = &t.scenario;
            let st = strategies(s.parties().len(), k as u64);
            let c = config(s, MediatorStrategy::TrustedNash, 100, k as u64);
            let r = SingleText::with_confided(s, &st, c, Confided::all(s))
                .unwrap()
                .run(&mut |_: &Event| {});
            let nash = r.neutral.as_ref().unwrap().outcome.clone();
            assert!(nash.is_some());
            assert_eq!(r.negotiation.agreement, nash, "{}", s.name);
            assert_eq!(r.questions, 0);
        }
    }

    #[test]
    fn without_a_zone_the_neutral_names_who_blocks_and_by_how_much() {
        let t = thin_zone::standard_set(33, 1).unwrap().remove(0);
        let parties: Vec<Party> = t
            .scenario
            .parties()
            .iter()
            .map(|p| {
                let pr = Preferences::new(
                    p.preferences.ufun().clone(),
                    p.preferences.reservation() + 0.2,
                    RedLines::none(t.scenario.space().issues().len()),
                    1.0,
                )
                .unwrap();
                Party::new(p.name.clone(), pr)
            })
            .collect();
        let s = Scenario::new("no-zone", t.scenario.space().clone(), parties).unwrap();
        assert!(!all_outcomes(&s).iter().any(|o| acceptable_to_all(&s, o)));
        let p = TrustedNeutral::new(&s, Confided::all(&s))
            .unwrap()
            .propose(Solution::Nash, Coalition::All)
            .unwrap();
        assert!(p.outcome.is_none());
        let (closest, short) = p.blocked.unwrap();
        assert!(!short.is_empty());
        for sh in &short {
            assert!(sh.utility < sh.reservation);
        }
        // The closest package maximises the smallest u − r (brute force).
        let slack = |o: &Outcome| {
            s.parties()
                .iter()
                .map(|q| q.preferences.utility(o) - q.preferences.reservation())
                .fold(f64::INFINITY, f64::min)
        };
        let best = all_outcomes(&s)
            .iter()
            .map(slack)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!((slack(&closest) - best).abs() < 1e-12);
        // The run ends without agreement, on the closest package.
        let r = SingleText::with_confided(
            &s,
            &vec![Strategy::Conceder; s.parties().len()],
            config(&s, MediatorStrategy::TrustedNash, 30, 1),
            Confided::all(&s),
        )
        .unwrap()
        .run(&mut |_: &Event| {});
        assert!(r.negotiation.agreement.is_none());
        assert_eq!(r.versions.last().unwrap().outcome, closest);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn post_settlement_improvements_match_brute_force(
            n_parties in 2usize..5,
            n_issues in 2usize..5,
            n_options in 2u32..5,
            seed in 0u64..1_000_000,
            pick in 0u64..10_000,
            red in proptest::option::of((0usize..2, 0u32..2)),
        ) {
            let t = thin_zone::scenario(&ThinZoneConfig { n_parties, n_issues, n_options, max_zone: 3, seed })
                .unwrap();
            let mut s = t.scenario;
            if let Some((i, v)) = red {
                // One party also rules out one value.
                let p0 = &s.parties()[0].preferences;
                let mut rl = RedLines::none(n_issues);
                rl.forbid(i, v);
                let pr = Preferences::new(p0.ufun().clone(), p0.reservation(), rl, 1.0).unwrap();
                let mut parties = s.parties().to_vec();
                parties[0] = Party::new("a", pr);
                s = Scenario::new("red", s.space().clone(), parties).unwrap();
            }
            let all = all_outcomes(&s);
            let tentative = all[(pick as usize) % all.len()].clone();
            let imp = TrustedNeutral::new(&s, Confided::all(&s)).unwrap().improve(&tentative).unwrap();
            let base = s.utilities(&tentative);
            let better: Vec<&Outcome> = all
                .iter()
                .filter(|o| {
                    s.parties().iter().all(|p| !p.preferences.red_lines().violated_by(o))
                        && s.utilities(o).iter().zip(&base).all(|(u, b)| *u > b + TIE_EPS)
                })
                .collect();
            prop_assert_eq!(imp.count, better.len() as u128);
            let mut listed = imp.listed.clone();
            listed.sort();
            let mut expected: Vec<Outcome> = better.iter().map(|o| (*o).clone()).collect();
            expected.sort();
            prop_assert_eq!(listed, expected);
            let min_gain = |o: &Outcome| {
                s.utilities(o).iter().zip(&base).map(|(u, b)| u - b).fold(f64::INFINITY, f64::min)
            };
            match &imp.best {
                None => prop_assert!(better.is_empty()),
                Some(o) => {
                    let best = better.iter().map(|o| min_gain(o)).fold(f64::NEG_INFINITY, f64::max);
                    prop_assert!((min_gain(o) - best).abs() < 1e-9);
                    prop_assert!(better.contains(&o));
                }
            }
        }
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let t = thin_zone::standard_set(34, 1).unwrap().remove(0);
        let s = &t.scenario;
        let st = vec![Strategy::Boulware; s.parties().len()];
        // A trusted-neutral run without confided preferences.
        let e = SingleText::new(s, &st, config(s, MediatorStrategy::TrustedNash, 10, 1))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("confided"), "{e}");
        let mut partial = Confided::all(s);
        partial.pop();
        let e = SingleText::with_confided(
            s,
            &st,
            config(s, MediatorStrategy::TrustedNash, 10, 1),
            partial,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("missing") && e.contains(&s.parties().last().unwrap().name),
            "{e}"
        );
        // A blind mediator is not given confidences.
        let e = SingleText::with_confided(
            s,
            &st,
            config(s, MediatorStrategy::Blind, 10, 1),
            Confided::all(s),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("does not take confided"), "{e}");
        // A tentative agreement outside the space.
        let tn = TrustedNeutral::new(s, Confided::all(s)).unwrap();
        let mut bad = vec![0; s.space().issues().len()];
        bad[0] = 99;
        assert!(tn.improve(&Outcome::new(bad)).is_err());
        assert!(tn.improve(&Outcome::new(vec![0])).is_err());
        // Confided twice.
        let mut twice = Confided::all(s);
        twice.push(twice[0].clone());
        assert!(TrustedNeutral::new(s, twice).is_err());
    }
}
