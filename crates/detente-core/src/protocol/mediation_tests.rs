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
        let r = run_single_text(s, &st, &config(s, MediatorStrategy::Blind, 100, k as u64)).unwrap();
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
    let e = "oracle".parse::<MediatorStrategy>().unwrap_err().to_string();
    assert!(e.contains("oracle") && e.contains("blind"), "{e}");
    assert_eq!("blind".parse::<MediatorStrategy>().unwrap(), MediatorStrategy::Blind);
}
