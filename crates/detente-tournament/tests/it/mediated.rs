//! Single-text tournaments: mediators compared on identical negotiations, deterministic at any
//! thread count, agreements acceptable to every party, and bad configurations refused.

use detente_core::analysis::thin_zone::{self, ThinZoneConfig};
use detente_core::{Outcome, Scenario};
use detente_tournament::{
    ErrorKind, MediatorRanker, MediatorStrategy, Player, Protocol, RunOptions, ScenarioEntry,
    Tournament, TournamentConfig,
};

use crate::util::{players, run, tournament};

/// A three-party scenario whose zone is a handful of its 256 packages.
fn thin() -> Scenario {
    thin_zone::scenario(&ThinZoneConfig {
        n_parties: 3,
        n_issues: 4,
        n_options: 4,
        max_zone: 5,
        seed: 7,
    })
    .unwrap()
    .scenario
}

fn config(mediators: Vec<MediatorStrategy>) -> TournamentConfig {
    TournamentConfig {
        rounds: 40,
        seed: 3,
        protocol: Protocol::SingleText { mediators },
        ..TournamentConfig::default()
    }
}

const MEDIATORS: [MediatorStrategy; 3] = [
    MediatorStrategy::Feedback,
    MediatorStrategy::Blind,
    MediatorStrategy::TrustedNash,
];

#[test]
fn mediators_play_the_same_negotiations_and_agree_only_on_acceptable_texts() {
    let scenario = thin();
    let t = tournament(
        vec![scenario.clone()],
        players(&["boulware", "conceder"]),
        config(MEDIATORS.to_vec()),
    );
    // 2³ strategy tuples × 3 rotations × 3 mediators.
    assert_eq!(t.n_negotiations(), 72);
    let (records, summary) = run(&t, &RunOptions::default());
    assert_eq!(summary.ran, 72);
    assert_eq!(summary.failed, 0);
    let mut agreements = [0u32; 3];
    for r in &records {
        let m = r.metrics.as_ref().unwrap();
        // Mediators are adjacent in the numbering and share the seed of their assignment.
        let first = &records[(r.id - r.id % 3) as usize];
        assert_eq!((r.key.mediator as u64), r.id % 3);
        assert_eq!(
            (r.seed, r.key.assignment, &r.players),
            (first.seed, first.key.assignment, &first.players)
        );
        let q = m.questions.expect("a single-text record counts questions");
        match MEDIATORS[r.key.mediator] {
            MediatorStrategy::Blind => assert!(q > 0),
            _ => assert_eq!(q, 0),
        }
        if let Some(a) = &m.agreement {
            agreements[r.key.mediator] += 1;
            let o = Outcome::new(a.clone());
            assert!(thin_zone::acceptable_to_all(&scenario, &o), "{r:?}");
            assert!(m.individually_rational);
            assert!(m.rounds <= 40);
        } else {
            assert_eq!(m.rounds, 40, "without agreement the deadline passed");
        }
    }
    // The trusted neutral tables the Nash package at once; everyone accepts it by the deadline.
    assert_eq!(agreements[2], 24);
    let mut ranker = MediatorRanker::new(MEDIATORS.iter().map(|m| m.as_str().into()).collect());
    for r in &records {
        ranker.add(r);
    }
    let ranking = ranker.finish();
    assert_eq!(ranking.len(), 3);
    assert_eq!(ranking[0].name, "trusted-nash");
    assert_eq!(ranking[0].agreement_rate.unwrap().mean, 1.0);
    for s in &ranking {
        assert_eq!(s.n_negotiations, 24);
        let rate = f64::from(agreements[s.mediator]) / 24.0;
        assert_eq!(s.agreement_rate.unwrap().mean, rate);
        assert!(s.nash_distance.is_some() && s.pareto_distance.is_some());
    }
    assert!(
        ranking
            .windows(2)
            .all(|w| { w[0].agreement_rate.unwrap().mean >= w[1].agreement_rate.unwrap().mean })
    );
}

#[test]
fn single_text_records_are_the_same_at_any_thread_count() {
    let t = tournament(
        vec![thin()],
        players(&["boulware", "linear"]),
        config(vec![MediatorStrategy::Blind, MediatorStrategy::Veto]),
    );
    let one = run(
        &t,
        &RunOptions {
            threads: Some(1),
            ..RunOptions::default()
        },
    )
    .0;
    let two = run(
        &t,
        &RunOptions {
            threads: Some(2),
            ..RunOptions::default()
        },
    )
    .0;
    assert_eq!(one, two);
    assert_eq!(t.run_one(5), Some(one[5].clone()));
}

#[test]
fn sao_numbering_and_fingerprints_are_unchanged_by_the_protocol_field() {
    let sao = tournament(
        vec![thin()],
        players(&["boulware", "conceder"]),
        TournamentConfig::default(),
    );
    assert_eq!(sao.n_negotiations(), 24);
    assert!((0..24).all(|id| sao.key(id).unwrap().mediator == 0));
    let text = tournament(
        vec![thin()],
        players(&["boulware", "conceder"]),
        config(vec![MediatorStrategy::Blind]),
    );
    assert_ne!(sao.fingerprint(), text.fingerprint());
    let two = tournament(
        vec![thin()],
        players(&["boulware", "conceder"]),
        config(vec![MediatorStrategy::Blind, MediatorStrategy::Feedback]),
    );
    assert_ne!(text.fingerprint(), two.fingerprint());
}

#[test]
fn bad_single_text_tournaments_are_refused() {
    let entries = || vec![ScenarioEntry::new(thin())];
    let refused = |players: Vec<Player>, c: TournamentConfig, want: &str| {
        let e = Tournament::new(entries(), players, c).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Config(_)), "{e}");
        assert!(e.to_string().contains(want), "{e}");
    };
    refused(
        players(&["boulware", "micro"]),
        config(vec![MediatorStrategy::Blind]),
        "cannot review a single text",
    );
    refused(
        players(&["boulware"]),
        config(vec![]),
        "needs at least one mediator",
    );
    refused(
        players(&["boulware"]),
        config(vec![MediatorStrategy::Blind, MediatorStrategy::Blind]),
        "mediator 'blind' is listed twice",
    );
    refused(
        vec![Player::custom("mine", |init| {
            "boulware"
                .parse::<detente_core::negotiator::Strategy>()
                .unwrap()
                .build(init)
        })],
        config(vec![MediatorStrategy::Blind]),
        "not a built-in strategy",
    );
    // An unknown mediator name is refused where names are parsed.
    let e = "oracle".parse::<MediatorStrategy>().unwrap_err();
    assert!(e.to_string().contains("unknown mediator strategy 'oracle'"));
}
