//! Protocol tests: determinism, acceptability of agreements, privacy by construction.

use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest};

use super::*;
use crate::negotiator::{Action, Negotiator, NegotiatorInit, View};
use crate::outcome::Outcome;
use crate::outcome::{Issue, OutcomeSpace};
use crate::preferences::{Preferences, RedLines, UtilityFunction, ValueFunction};
use crate::scenario::Party;

fn scenario(np: usize, sizes: &[u32], seed: u64) -> Scenario {
    use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let issues: Vec<Issue> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            Issue::discrete(format!("i{i}"), (0..n).map(|k| format!("o{k}")).collect()).unwrap()
        })
        .collect();
    let space = OutcomeSpace::new(issues).unwrap();
    let parties = (0..np)
        .map(|p| {
            let values: Vec<Option<ValueFunction>> = sizes
                .iter()
                .map(|&n| {
                    Some(ValueFunction::Table(
                        (0..n).map(|_| rng.random::<f64>()).collect(),
                    ))
                })
                .collect();
            let weights: Vec<f64> = sizes.iter().map(|_| rng.random::<f64>() + 0.01).collect();
            let u = UtilityFunction::weighted_sum(&space, "p", &weights, &values).unwrap();
            let mut rl = RedLines::none(sizes.len());
            if rng.random_bool(0.3) {
                rl.forbid(0, rng.random_range(0..sizes[0]));
            }
            let r = rng.random::<f64>() * 0.5;
            Party::new(format!("p{p}"), Preferences::new(u, r, rl, 1.0).unwrap())
        })
        .collect();
    Scenario::new("random", space, parties).unwrap()
}

fn all() -> Vec<Strategy> {
    let mut v = vec![
        Strategy::Boulware,
        Strategy::Linear,
        Strategy::Conceder,
        Strategy::TimeDependent(0.5),
        Strategy::Hardliner,
        Strategy::Random,
        Strategy::TitForTat,
        Strategy::NaiveTitForTat,
        Strategy::Micro,
    ];
    for b in [
        "boa:bid=time:0.5,accept=combi:0.9,model=frequency",
        "boa:bid=random,accept=const:0.6,model=bayesian",
        "boa:bid=hardliner,accept=time:0.95",
    ] {
        v.push(b.parse().unwrap());
    }
    v
}

proptest! {
    #![proptest_config(crate::proptest_config(64))]

    #[test]
    fn agreements_are_acceptable_to_everyone_and_runs_repeat(
        np in 2usize..5,
        sizes in prop::collection::vec(1u32..6, 1..5),
        seed in any::<u64>(),
        picks in prop::collection::vec(0usize..12, 4),
        rounds in 1u32..60,
    ) {
        let s = scenario(np, &sizes, seed);
        let strategies: Vec<Strategy> = (0..np).map(|i| all()[picks[i]].clone()).collect();
        let config = SaoConfig { rounds, seed };
        let a = run_sao(&s, &strategies, &config).unwrap();
        let b = run_sao(&s, &strategies, &config).unwrap();
        prop_assert_eq!(&a, &b);
        if let Some(o) = &a.agreement {
            for p in s.parties() {
                prop_assert!(p.preferences.is_acceptable(o), "agreement {:?} not acceptable to {}", o, p.name);
            }
        } else {
            for (u, p) in a.utilities.iter().zip(s.parties()) {
                prop_assert_eq!(*u, p.preferences.reservation());
            }
        }
        prop_assert!(a.rounds <= rounds);
    }

    /// GENIUS's discounting semantics, from its definition: an agreement in round k of n is
    /// worth u·dᵗ (t = k/(n−1)) and never less than walking away then, r·dᵗ; no agreement pays
    /// r·dᵗ at the moment it ended (the deadline: t = 1).
    #[test]
    fn discounted_payoffs_never_fall_below_walking_away_then(
        np in 2usize..4,
        sizes in prop::collection::vec(1u32..6, 1..4),
        seed in any::<u64>(),
        picks in prop::collection::vec(0usize..8, 3),
        discounts in prop::collection::vec(0.05f64..1.0, 3),
        rounds in 1u32..60,
    ) {
        let s = with_discounts(&scenario(np, &sizes, seed), &discounts);
        let strategies: Vec<Strategy> = (0..np).map(|i| all()[picks[i]].clone()).collect();
        let a = run_sao(&s, &strategies, &SaoConfig { rounds, seed }).unwrap();
        let time = |k: u32| if rounds == 1 { 1.0 } else { f64::from(k) / f64::from(rounds - 1) };
        match &a.agreement {
            Some(o) => {
                let t = time(a.rounds - 1);
                for (p, &pay) in s.parties().iter().zip(&a.utilities) {
                    let d = p.preferences.discount();
                    let u: f64 = p.preferences.ufun().terms().iter().zip(o.indices())
                        .map(|(t, &v)| t[v as usize]).sum();
                    prop_assert!((pay - u * d.powf(t)).abs() < 1e-12, "{} paid {pay}", p.name);
                    let walk = p.preferences.reservation() * d.powf(t);
                    prop_assert!(pay >= walk - 1e-12,
                        "{} agrees at t = {t} to {pay}, less than walking away ({walk})", p.name);
                }
            }
            None => {
                let t = if a.ended_by.is_some() { time(a.rounds - 1) } else { 1.0 };
                for (p, &pay) in s.parties().iter().zip(&a.utilities) {
                    let want = p.preferences.reservation() * p.preferences.discount().powf(t);
                    prop_assert!((pay - want).abs() < 1e-12, "{} paid {pay}, want {want}", p.name);
                }
            }
        }
    }
}

/// The same scenario with party `i` discounting by `discounts[i]`.
fn with_discounts(s: &Scenario, discounts: &[f64]) -> Scenario {
    let parties = s
        .parties()
        .iter()
        .zip(discounts)
        .map(|(p, &d)| {
            Party::new(
                p.name.clone(),
                p.preferences.clone().with_discount(d).unwrap(),
            )
        })
        .collect();
    Scenario::new("discounted", s.space().clone(), parties).unwrap()
}

#[test]
fn negotiators_walk_away_when_waiting_only_loses() {
    // Walk-away 0.6 of the best utility: with d = 0.5 over a 2-round deadline, even the best
    // outcome agreed next round (best·0.5) is worth less than walking away now (0.6·best·0.5⁰),
    // so every strategy ends at once rather than offer; with d = 0.7 (> 0.6) it negotiates.
    let base = scenario(2, &[4, 4], 9);
    let parties: Vec<Party> = base
        .parties()
        .iter()
        .map(|p| {
            let u = p.preferences.ufun().clone();
            let r = 0.6 * u.max();
            Party::new(
                p.name.clone(),
                Preferences::new(u, r, RedLines::none(2), 1.0).unwrap(),
            )
        })
        .collect();
    let s = Scenario::new("impatient", base.space().clone(), parties).unwrap();
    let r0 = s.parties()[0].preferences.reservation();
    for strategy in all() {
        let strategies = [strategy.clone(), Strategy::Hardliner];
        let config = SaoConfig { rounds: 2, seed: 3 };
        let r = run_sao(&with_discounts(&s, &[0.5, 1.0]), &strategies, &config).unwrap();
        assert_eq!(r.ended_by, Some(0), "{strategy}: {:?}", r.trace);
        assert_eq!(r.rounds, 1, "{strategy}");
        assert_eq!(r.utilities[0], r0, "walking away at t = 0 pays r");
        let r = run_sao(&with_discounts(&s, &[0.7, 1.0]), &strategies, &config).unwrap();
        assert!(
            matches!(r.trace.first(), Some(Event::Offer { party: 0, .. })),
            "{strategy}: {:?}",
            r.trace
        );
    }
}

#[test]
fn conceders_agree_and_hardliners_time_out() {
    let s = scenario(2, &[5, 5, 4], 11);
    let r = run_sao(
        &s,
        &[Strategy::Conceder, Strategy::Conceder],
        &SaoConfig {
            rounds: 100,
            seed: 1,
        },
    )
    .unwrap();
    assert!(r.agreement.is_some());
    assert!(matches!(r.trace.last(), Some(Event::Agreement { .. })));
    let h = run_sao(
        &s,
        &[Strategy::Hardliner, Strategy::Hardliner],
        &SaoConfig {
            rounds: 20,
            seed: 1,
        },
    )
    .unwrap();
    // Two hardliners agree only when their best outcomes coincide.
    if h.agreement.is_none() {
        assert!(matches!(
            h.trace.last(),
            Some(Event::Timeout { rounds: 20 })
        ));
    }
}

#[test]
fn discounting_shrinks_late_agreements() {
    let mut s = scenario(2, &[6, 6], 3);
    let parties: Vec<Party> = s
        .parties()
        .iter()
        .map(|p| {
            let prefs = Preferences::new(p.preferences.ufun().clone(), 0.0, RedLines::none(2), 0.9)
                .unwrap();
            Party::new(p.name.clone(), prefs)
        })
        .collect();
    s = Scenario::new("d", s.space().clone(), parties).unwrap();
    let r = run_sao(
        &s,
        &[Strategy::Boulware, Strategy::Boulware],
        &SaoConfig {
            rounds: 30,
            seed: 5,
        },
    )
    .unwrap();
    let o = r
        .agreement
        .expect("boulware pairs with zero reservation agree by the deadline");
    let t = f64::from(r.rounds - 1) / 29.0;
    assert!(t > 0.0);
    for (p, u) in s.parties().iter().zip(&r.utilities) {
        let want = p.preferences.utility(&o) * 0.9f64.powf(t);
        assert!((u - want).abs() < 1e-12);
    }
}

#[test]
fn large_spaces_use_constructed_bids_and_stay_acceptable() {
    // 9 issues of 6 options: 10 million outcomes, more than a negotiator lists.
    for seed in 0..6 {
        let s = scenario(3, &[6; 9], seed);
        let strategies = [Strategy::Conceder, Strategy::Linear, Strategy::TitForTat];
        let config = SaoConfig { rounds: 80, seed };
        let a = run_sao(&s, &strategies, &config).unwrap();
        assert_eq!(a, run_sao(&s, &strategies, &config).unwrap());
        if let Some(o) = &a.agreement {
            for p in s.parties() {
                assert!(p.preferences.is_acceptable(o));
            }
        }
    }
}

mod single_text {
    use super::*;
    use crate::negotiator::{TextNegotiator, TextView, Verdict};
    use crate::scenario::{Mediator, Meeting};

    fn config(
        s: &Scenario,
        mediator: MediatorStrategy,
        rounds: u32,
        seed: u64,
    ) -> SingleTextConfig {
        SingleTextConfig {
            rounds,
            seed,
            mediator,
            start: Outcome::new(vec![0; s.space().issues().len()]),
            schedule: Consultation::everyone(s.parties().len()),
        }
    }

    #[test]
    fn reviewers_walk_away_when_waiting_only_loses() {
        // As in `negotiators_walk_away_when_waiting_only_loses`: walk-away 0.6 of the best,
        // d = 0.5 over 2 consultations; the starting draft is party 0's worst outcome.
        let base = scenario(2, &[4, 4], 9);
        let parties: Vec<Party> = base
            .parties()
            .iter()
            .map(|p| {
                let u = p.preferences.ufun().clone();
                let r = 0.6 * u.max();
                Party::new(
                    p.name.clone(),
                    Preferences::new(u, r, RedLines::none(2), 1.0).unwrap(),
                )
            })
            .collect();
        let s = Scenario::new("impatient", base.space().clone(), parties).unwrap();
        let worst = Outcome::new(
            s.parties()[0]
                .preferences
                .ufun()
                .terms()
                .iter()
                .map(|t| (0..t.len()).min_by(|&a, &b| t[a].total_cmp(&t[b])).unwrap() as u32)
                .collect(),
        );
        for strategy in TEXT {
            let strategies = [strategy.clone(), Strategy::Conceder];
            let mut c = config(&s, MediatorStrategy::Feedback, 2, 1);
            c.start = worst.clone();
            let r = run_single_text(&with_discounts(&s, &[0.5, 1.0]), &strategies, &c).unwrap();
            assert_eq!(r.negotiation.ended_by, Some(0), "{strategy}");
            assert_eq!(
                r.negotiation.utilities[0],
                s.parties()[0].preferences.reservation()
            );
            let r = run_single_text(&with_discounts(&s, &[0.7, 1.0]), &strategies, &c).unwrap();
            assert_ne!(r.negotiation.ended_by, Some(0), "{strategy}");
        }
    }

    const TEXT: [Strategy; 4] = [
        Strategy::Boulware,
        Strategy::Linear,
        Strategy::Conceder,
        Strategy::TimeDependent(0.5),
    ];
    const MEDIATORS: [MediatorStrategy; 4] = [
        MediatorStrategy::HillClimbing,
        MediatorStrategy::Veto,
        MediatorStrategy::Feedback,
        MediatorStrategy::Blind,
    ];

    proptest! {
        #![proptest_config(crate::proptest_config(64))]

        #[test]
        fn text_agreements_are_acceptable_and_runs_repeat(
            np in 3usize..6,
            sizes in prop::collection::vec(2u32..6, 2..5),
            seed in any::<u64>(),
            picks in prop::collection::vec(0usize..4, 5),
            m in 0usize..4,
            rounds in 1u32..80,
        ) {
            let s = scenario(np, &sizes, seed);
            let strategies: Vec<Strategy> = (0..np).map(|i| TEXT[picks[i]].clone()).collect();
            let c = config(&s, MEDIATORS[m], rounds, seed);
            let a = run_single_text(&s, &strategies, &c).unwrap();
            prop_assert_eq!(&a, &run_single_text(&s, &strategies, &c).unwrap());
            if let Some(o) = &a.negotiation.agreement {
                for p in s.parties() {
                    prop_assert!(p.preferences.is_acceptable(o));
                }
                prop_assert_eq!(o, &a.versions.last().unwrap().outcome);
            }
            // Every version's diff is exactly its difference from the previous version.
            for w in a.versions.windows(2) {
                let diff: Vec<(usize, u32, u32)> = (0..w[0].outcome.indices().len())
                    .filter(|&i| w[0].outcome.get(i) != w[1].outcome.get(i))
                    .map(|i| (i, w[0].outcome.get(i), w[1].outcome.get(i)))
                    .collect();
                prop_assert_eq!(&w[1].changes, &diff);
            }
        }

        #[test]
        fn hill_climbing_never_adopts_a_draft_someone_scores_lower(
            np in 2usize..5,
            sizes in prop::collection::vec(2u32..6, 2..5),
            seed in any::<u64>(),
        ) {
            let s = scenario(np, &sizes, seed);
            let strategies = vec![Strategy::Boulware; np];
            let a = run_single_text(&s, &strategies, &config(&s, MediatorStrategy::HillClimbing, 60, seed)).unwrap();
            // The reference of each version is the mediator's last adopted draft.
            for w in a.versions.windows(2) {
                if w[0].reference != w[1].reference {
                    for p in s.parties() {
                        prop_assert!(
                            p.preferences.utility(&w[1].reference) >= p.preferences.utility(&w[0].reference) - 1e-12,
                            "adopted a draft {} scores lower", p.name
                        );
                    }
                }
            }
        }
    }

    /// A party that answers from a fixed script, whatever the draft.
    struct Scripted(Vec<Verdict>, usize);

    impl TextNegotiator for Scripted {
        fn review(&mut self, _view: &TextView<'_>) -> Verdict {
            self.1 += 1;
            self.0[(self.1 - 1) % self.0.len()].clone()
        }
    }

    fn scripted(np: usize, sizes: &[u32]) -> Vec<Box<dyn TextNegotiator>> {
        (0..np)
            .map(|p| {
                let script = (0..7)
                    .map(|k| Verdict {
                        accept: false,
                        objections: vec![(p + k) % sizes.len()],
                        red_lines: vec![],
                        preferred: vec![(
                            (p + k) % sizes.len(),
                            (k as u32) % sizes[(p + k) % sizes.len()],
                        )],
                        improves: Some(k % 2 == 0),
                        veto: k % 3 == 0,
                        walk_away: false,
                    })
                    .collect();
                Box::new(Scripted(script, 0)) as Box<dyn TextNegotiator>
            })
            .collect()
    }

    #[test]
    fn the_mediator_sees_only_verdicts() {
        // Two scenarios with the same issues but different preferences for every party: with
        // parties that answer the same way, every mediator produces the same drafts. So no
        // mediator reads a party's utility function.
        let sizes = [4, 5, 3, 4];
        for m in MEDIATORS {
            let a = scenario(3, &sizes, 1);
            let b = scenario(3, &sizes, 2);
            assert_ne!(a.parties()[0].preferences, b.parties()[0].preferences);
            let run = |s: &Scenario| {
                let c = config(s, m, 40, 9);
                SingleText::with_negotiators(s, scripted(3, &sizes), c)
                    .unwrap()
                    .run(&mut |_: &Event| {})
                    .versions
            };
            let (va, vb) = (run(&a), run(&b));
            let drafts =
                |v: &[DraftVersion]| v.iter().map(|d| d.outcome.clone()).collect::<Vec<_>>();
            assert_eq!(
                drafts(&va),
                drafts(&vb),
                "mediator {m:?} drafted differently"
            );
            assert!(va.len() > 1, "the mediator never revised the draft");
        }
    }

    #[test]
    fn a_mediator_with_interests_never_tables_a_draft_it_cannot_accept() {
        for seed in 0..20 {
            let mut s = scenario(4, &[4, 4, 4, 3], seed);
            s.mediator = Some(Mediator {
                party_idx: Some(3),
                ..Default::default()
            });
            let own = s.parties()[3].preferences.clone();
            for m in MEDIATORS {
                let r = run_single_text(&s, &vec![Strategy::Linear; 4], &config(&s, m, 50, seed))
                    .unwrap();
                for v in &r.versions[1..] {
                    assert!(
                        own.is_acceptable(&v.outcome),
                        "{m:?} tabled a draft below the mediator's reservation"
                    );
                }
            }
        }
    }

    #[test]
    fn shuttle_schedules_follow_the_meetings() {
        let mut s = scenario(3, &[4, 4, 4], 5);
        s.mediator = Some(Mediator {
            party_idx: Some(2),
            ..Default::default()
        });
        s.meetings = vec![
            Meeting {
                date: "2025-12-02".into(),
                parties: vec![2, 1],
                ..Default::default()
            },
            Meeting {
                date: "2025-12-03".into(),
                parties: vec![0],
                ..Default::default()
            },
            Meeting {
                date: "2025-12-04".into(),
                parties: vec![0, 2],
                ..Default::default()
            },
        ];
        let schedule = Consultation::from_meetings(&s).unwrap();
        assert_eq!(
            schedule.len(),
            2,
            "a meeting without the mediator is not a consultation"
        );
        let c = SingleTextConfig {
            schedule,
            ..config(&s, MediatorStrategy::Feedback, 4, 1)
        };
        let r = run_single_text(
            &s,
            &[Strategy::Boulware, Strategy::Boulware, Strategy::Boulware],
            &c,
        )
        .unwrap();
        let consulted: Vec<Vec<usize>> = r
            .negotiation
            .trace
            .iter()
            .filter_map(|e| match e {
                Event::Consult { parties, .. } => Some(parties.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(consulted[..2], [vec![1, 2], vec![0, 2]]);
    }

    #[test]
    fn every_mediator_reaches_agreements_on_easy_scenarios() {
        for m in MEDIATORS {
            let agreed = (0..30)
                .filter(|&seed| {
                    let s = scenario(3, &[3, 3, 3], seed);
                    let c = config(&s, m, 80, seed);
                    run_single_text(&s, &vec![Strategy::Conceder; 3], &c)
                        .unwrap()
                        .negotiation
                        .agreement
                        .is_some()
                })
                .count();
            assert!(
                agreed >= 10,
                "{m:?} agreed in only {agreed} of 30 scenarios"
            );
        }
    }

    #[test]
    fn a_party_walking_away_breaks_the_process_down() {
        let s = scenario(3, &[3, 3], 4);
        let mut parties = scripted(3, &[3, 3]);
        let walk = Verdict {
            accept: false,
            objections: vec![],
            red_lines: vec![],
            preferred: vec![],
            improves: None,
            veto: true,
            walk_away: true,
        };
        parties[1] = Box::new(Scripted(vec![walk], 0));
        let r = SingleText::with_negotiators(
            &s,
            parties,
            config(&s, MediatorStrategy::Feedback, 30, 1),
        )
        .unwrap()
        .run(&mut |_: &Event| {});
        assert_eq!(r.negotiation.ended_by, Some(1));
        assert_eq!(r.negotiation.agreement, None);
        assert_eq!(r.negotiation.rounds, 1);
        let reservation: Vec<f64> = s
            .parties()
            .iter()
            .map(|p| p.preferences.reservation())
            .collect();
        assert_eq!(r.negotiation.utilities, reservation);
        assert!(matches!(
            r.negotiation.trace.last(),
            Some(Event::EndNegotiation { party: 1, .. })
        ));
    }

    #[test]
    fn offer_only_strategies_cannot_review_texts() {
        let s = scenario(2, &[3, 3], 1);
        let e = run_single_text(
            &s,
            &[Strategy::Micro, Strategy::Linear],
            &config(&s, MediatorStrategy::Feedback, 5, 1),
        )
        .unwrap_err();
        assert!(e.to_string().contains("cannot review a single text"), "{e}");
    }
}

/// An opponent that offers a fixed cycle of outcomes and never accepts.
struct Script(Vec<Outcome>, usize);

impl Negotiator for Script {
    fn act(&mut self, _view: &View<'_>) -> Action {
        self.1 += 1;
        Action::Offer(self.0[(self.1 - 1) % self.0.len()].clone())
    }
}

#[test]
fn a_negotiator_never_depends_on_another_partys_preferences() {
    // Same party 0, different party 1: with party 1 played by a script, party 0's every action
    // must be identical — it cannot see party 1's utility function.
    let a = scenario(2, &[4, 5, 3], 21);
    let b_other = scenario(2, &[4, 5, 3], 22);
    let parties = vec![a.parties()[0].clone(), b_other.parties()[1].clone()];
    let b = Scenario::new("b", a.space().clone(), parties).unwrap();
    assert_ne!(a.parties()[1].preferences, b.parties()[1].preferences);
    let script: Vec<Outcome> = (0..7u128)
        .map(|k| a.space().outcome_at(k * 5).unwrap())
        .collect();
    for strategy in all() {
        let run = |s: &Scenario| {
            let me = strategy.build(NegotiatorInit {
                space: s.space(),
                preferences: &s.parties()[0].preferences,
                me: 0,
                n_parties: 2,
                seed: 3,
                bids: None,
            });
            let negotiators: Vec<Box<dyn Negotiator>> =
                vec![me, Box::new(Script(script.clone(), 0))];
            let mut sao = Sao::new(s, negotiators, 40).unwrap();
            sao.run(&mut |_: &Event| {})
                .trace
                .into_iter()
                .filter(|e| {
                    matches!(
                        e,
                        Event::Offer { party: 0, .. }
                            | Event::Accept { party: 0, .. }
                            | Event::EndNegotiation { party: 0, .. }
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(&a), run(&b), "{strategy} behaved differently");
    }
}

#[test]
fn deadlines_are_bounded() {
    // A deadline bounds the memory of a negotiation (trace and offers); issue 17 found
    // `--rounds 100000000` growing to 8.8 GB.
    let s = scenario(2, &[3, 3], 1);
    let build = || {
        (0..2)
            .map(|i| {
                Strategy::Hardliner.build(NegotiatorInit {
                    space: s.space(),
                    preferences: &s.parties()[i].preferences,
                    me: i,
                    n_parties: 2,
                    seed: 0,
                    bids: None,
                })
            })
            .collect::<Vec<_>>()
    };
    assert!(Sao::new(&s, build(), MAX_ROUNDS).is_ok());
    let e = Sao::new(&s, build(), MAX_ROUNDS + 1)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("more than the 1000000 allowed"), "{e}");
    assert!(Sao::new(&s, build(), 0).is_err());
}

/// A negotiator that plays a fixed script of actions (then walks away).
struct Scripted(std::collections::VecDeque<Action>);

impl Negotiator for Scripted {
    fn act(&mut self, _view: &View<'_>) -> Action {
        self.0.pop_front().unwrap_or(Action::EndNegotiation)
    }
}

fn scripted(scripts: Vec<Vec<Action>>) -> Vec<Box<dyn Negotiator>> {
    scripts
        .into_iter()
        .map(|s| Box::new(Scripted(s.into())) as Box<dyn Negotiator>)
        .collect()
}

fn offer(v: &[u32]) -> Action {
    Action::Offer(Outcome::new(v.to_vec()))
}

#[test]
fn accepting_with_nothing_on_the_table_ends_the_negotiation() {
    let s = scenario(2, &[3, 3], 1);
    let mut sao = Sao::new(&s, scripted(vec![vec![Action::Accept], vec![]]), 10).unwrap();
    let r = sao.run(&mut |_: &Event| {});
    assert_eq!(r.agreement, None);
    assert_eq!(r.ended_by, Some(0));
    assert_eq!(r.rounds, 1);
    assert_eq!(
        r.trace,
        vec![Event::EndNegotiation {
            round: 0,
            party: 0,
            reason: Some("accepted with no offer on the table".into()),
        }]
    );
    let want: Vec<f64> = s
        .parties()
        .iter()
        .map(|p| p.preferences.reservation())
        .collect();
    assert_eq!(r.utilities, want);
}

#[test]
fn an_invalid_offer_ends_the_negotiation_with_the_reason() {
    let s = scenario(2, &[3, 3], 1);
    for bad in [vec![0u32, 3], vec![0], vec![0, 0, 0]] {
        let mut sao = Sao::new(
            &s,
            scripted(vec![
                vec![offer(&[0, 0])],
                vec![Action::Offer(Outcome::new(bad))],
            ]),
            10,
        )
        .unwrap();
        let r = sao.run(&mut |_: &Event| {});
        assert_eq!(r.ended_by, Some(1));
        assert_eq!(r.agreement, None);
        assert!(
            matches!(
                r.trace.last(),
                Some(Event::EndNegotiation {
                    round: 0,
                    party: 1,
                    reason: Some(_)
                })
            ),
            "{:?}",
            r.trace
        );
        assert_eq!(r.trace.len(), 2, "the invalid offer is never on the table");
    }
}

#[test]
fn walking_away_ends_the_negotiation_without_a_reason() {
    let s = scenario(2, &[3, 3], 1);
    let mut events = Vec::new();
    let mut sao = Sao::new(
        &s,
        scripted(vec![
            vec![offer(&[0, 0]), offer(&[1, 1])],
            vec![offer(&[2, 2]), Action::EndNegotiation],
        ]),
        10,
    )
    .unwrap();
    let r = sao.run(&mut |e: &Event| events.push(e.clone()));
    assert_eq!(r.ended_by, Some(1));
    assert_eq!(r.rounds, 2);
    assert_eq!(
        r.trace.last(),
        Some(&Event::EndNegotiation {
            round: 1,
            party: 1,
            reason: None
        })
    );
    assert_eq!(events, r.trace, "the observer sees the trace as it happens");
}

#[test]
fn three_parties_agree_only_after_both_others_accept_the_same_offer() {
    let s = scenario(3, &[3, 3], 2);
    // p0 offers A; p1 accepts; p2 counters with B, which resets the acceptances; p0 and p1
    // then accept B: agreement on B in round 1, not on A.
    let mut sao = Sao::new(
        &s,
        scripted(vec![
            vec![offer(&[0, 0]), Action::Accept],
            vec![Action::Accept, Action::Accept],
            vec![offer(&[2, 1])],
        ]),
        10,
    )
    .unwrap();
    let r = sao.run(&mut |_: &Event| {});
    assert_eq!(r.agreement, Some(Outcome::new(vec![2, 1])));
    assert_eq!(r.rounds, 2);
    assert_eq!(
        r.trace.last(),
        Some(&Event::Agreement {
            round: 1,
            outcome: Outcome::new(vec![2, 1])
        })
    );
    // One acceptance is not enough with three parties: the deadline passes.
    let mut sao = Sao::new(
        &s,
        scripted(vec![
            vec![offer(&[0, 0]), offer(&[0, 0])],
            vec![Action::Accept, Action::Accept],
            vec![offer(&[1, 1]), offer(&[1, 1])],
        ]),
        2,
    )
    .unwrap();
    let r = sao.run(&mut |_: &Event| {});
    assert_eq!(r.agreement, None);
    assert_eq!(r.ended_by, None);
    assert_eq!(r.trace.last(), Some(&Event::Timeout { rounds: 2 }));
}

#[test]
fn sao_refuses_bad_setups() {
    let s = scenario(3, &[3, 3], 2);
    let e = Sao::new(&s, scripted(vec![vec![], vec![]]), 10)
        .err()
        .unwrap();
    assert!(e.to_string().contains("2 negotiators for 3 parties"), "{e}");
    let one = Scenario::new("one", s.space().clone(), vec![s.parties()[0].clone()]).unwrap();
    let e = Sao::new(&one, scripted(vec![vec![]]), 10).err().unwrap();
    assert!(e.to_string().contains("at least 2 parties"), "{e}");
    let e = Sao::new(&s, scripted(vec![vec![], vec![], vec![]]), 0)
        .err()
        .unwrap();
    assert!(e.to_string().contains("at least 1 round"), "{e}");
    let e = run_sao(&s, &[Strategy::Linear], &SaoConfig { rounds: 5, seed: 0 }).unwrap_err();
    assert!(e.to_string().contains("1 strategies for 3 parties"), "{e}");
}

#[test]
fn a_step_budget_halts_the_negotiation_without_unwinding() {
    let s = scenario(2, &[5, 5, 4], 11);
    let build = || build_negotiators(&s, 0, |init| Strategy::Hardliner.build(init));
    let full = Sao::new(&s, build(), 20).unwrap().run(&mut |_: &Event| {});
    assert_eq!(full.halted, None);
    // Two hardliners that agree at once make a trace too short to test a budget.
    let steps = full
        .trace
        .iter()
        .filter(|e| !matches!(e, Event::Agreement { .. } | Event::Timeout { .. }))
        .count();
    assert!(steps > 7, "{steps} steps");
    let mut seen = 0usize;
    let r = Sao::new(&s, build(), 20)
        .unwrap()
        .with_max_steps(Some(7))
        .run(&mut |_: &Event| seen += 1);
    assert_eq!(r.halted, Some(Halt::StepBudget { max_steps: 7 }));
    assert_eq!(r.agreement, None);
    assert_eq!(r.ended_by, None);
    // Seven turns were played (rounds 0-2 of two parties, then party 0 of round 3); the
    // eighth, party 1's turn in round 3, was not.
    assert_eq!(r.trace, full.trace[..7]);
    assert_eq!(seen, 7);
    assert_eq!(r.rounds, 4);
    let want: Vec<f64> = s
        .parties()
        .iter()
        .map(|p| p.preferences.discounted_reservation(3, 20))
        .collect();
    assert_eq!(r.utilities, want);
    // A budget that covers every turn changes nothing.
    let roomy = Sao::new(&s, build(), 20)
        .unwrap()
        .with_max_steps(Some(steps as u64))
        .run(&mut |_: &Event| {});
    assert_eq!(roomy, full);
}

#[test]
fn a_single_text_step_budget_counts_verdicts_and_drafts() {
    let s = scenario(3, &[4, 4, 3], 5);
    let config = SingleTextConfig {
        rounds: 30,
        seed: 3,
        mediator: MediatorStrategy::Feedback,
        start: Outcome::new(vec![0; 3]),
        schedule: Consultation::everyone(3),
    };
    let strategies = [Strategy::Boulware, Strategy::Linear, Strategy::Conceder];
    let full = SingleText::new(&s, &strategies, config.clone())
        .unwrap()
        .run(&mut |_: &Event| {});
    assert_eq!(full.negotiation.halted, None);
    let is_step = |e: &&Event| matches!(e, Event::Verdict { .. } | Event::Draft { .. });
    let steps = full.negotiation.trace.iter().filter(is_step).count();
    assert!(steps > 5, "{steps} steps");
    for max in [0, 1, 4, steps as u64 - 1] {
        let r = SingleText::new(&s, &strategies, config.clone())
            .unwrap()
            .with_max_steps(Some(max))
            .run(&mut |_: &Event| {});
        assert_eq!(
            r.negotiation.halted,
            Some(Halt::StepBudget { max_steps: max })
        );
        assert_eq!(r.negotiation.agreement, None);
        assert_eq!(
            r.negotiation.trace.iter().filter(is_step).count() as u64,
            max
        );
        // The halted trace is the full run's, cut before the step that did not fit.
        let n = r.negotiation.trace.len();
        assert_eq!(r.negotiation.trace, full.negotiation.trace[..n]);
        assert!(is_step(&&full.negotiation.trace[n]));
    }
    let roomy = SingleText::new(&s, &strategies, config)
        .unwrap()
        .with_max_steps(Some(steps as u64))
        .run(&mut |_: &Event| {});
    assert_eq!(roomy, full);
}
