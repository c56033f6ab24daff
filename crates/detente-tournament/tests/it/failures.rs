//! A negotiator that panics, or a negotiation over its step budget, is a recorded failure and
//! the tournament goes on.

use detente_core::negotiator::{Action, Negotiator, Strategy, View};
use detente_tournament::{
    FailureKind, NegotiatorFailure, Player, RunOptions, TournamentConfig, quiet_worker_panics,
};

use crate::util::{haggle, run, tournament};

/// Makes offers like boulware until round 3, then panics.
struct Saboteur(Box<dyn Negotiator>);

impl Negotiator for Saboteur {
    fn act(&mut self, view: &View<'_>) -> Action {
        if view.clock.round == 3 {
            panic!("saboteur strikes in round {}", view.clock.round);
        }
        self.0.act(view)
    }
}

#[test]
fn a_panicking_negotiator_is_recorded_and_the_tournament_continues() {
    quiet_worker_panics();
    let saboteur = Player::custom("saboteur", |init| {
        Box::new(Saboteur(Strategy::Boulware.build(init)))
    });
    let t = tournament(
        vec![haggle()],
        vec![Player::builtin(Strategy::Boulware), saboteur],
        TournamentConfig {
            rounds: 20,
            ..TournamentConfig::default()
        },
    );
    let (records, summary) = run(&t, &RunOptions::default());
    assert_eq!(records.len(), 8);
    for r in &records {
        if r.players.contains(&1) {
            let f = r.metrics.as_ref().unwrap_err();
            assert_eq!(f.kind, FailureKind::Panic);
            assert_eq!(f.message, "saboteur strikes in round 3");
        } else {
            assert!(r.metrics.is_ok(), "{r:?}");
        }
    }
    // Only boulware self-play (2 rotations) completes.
    assert_eq!(summary.failed, 6);
}

/// Reports an error of its own in round 2, as the Python bindings do for an exception.
struct Reporter(Box<dyn Negotiator>);

impl Negotiator for Reporter {
    fn act(&mut self, view: &View<'_>) -> Action {
        if view.clock.round == 2 {
            std::panic::panic_any(NegotiatorFailure("ValueError: no offer today".into()));
        }
        self.0.act(view)
    }
}

#[test]
fn a_negotiator_failure_is_recorded_with_its_own_kind() {
    quiet_worker_panics();
    let reporter = Player::custom("reporter", |init| {
        Box::new(Reporter(Strategy::Boulware.build(init)))
    });
    let t = tournament(
        vec![haggle()],
        vec![Player::builtin(Strategy::Boulware), reporter],
        TournamentConfig {
            rounds: 20,
            ..TournamentConfig::default()
        },
    );
    let (records, summary) = run(&t, &RunOptions::default());
    assert_eq!(records.len(), 8);
    for r in &records {
        if r.players.contains(&1) {
            let f = r.metrics.as_ref().unwrap_err();
            assert_eq!(f.kind, FailureKind::Negotiator);
            assert_eq!(f.message, "ValueError: no offer today");
            assert_eq!(FailureKind::parse(f.kind.as_str()), Some(f.kind));
        } else {
            assert!(r.metrics.is_ok(), "{r:?}");
        }
    }
    assert_eq!(summary.failed, 6);
}

#[test]
fn a_negotiation_over_its_step_budget_fails() {
    quiet_worker_panics();
    let t = tournament(
        vec![haggle()],
        vec![
            Player::builtin(Strategy::Hardliner),
            Player::builtin(Strategy::Boulware),
        ],
        TournamentConfig {
            rounds: 50,
            max_steps: Some(10),
            ..TournamentConfig::default()
        },
    );
    let (records, summary) = run(&t, &RunOptions::default());
    // Hardliners never agree with each other: 100 actions, far over the budget.
    let hard = records.iter().find(|r| r.players == [0, 0]).unwrap();
    let f = hard.metrics.as_ref().unwrap_err();
    assert_eq!(f.kind, FailureKind::StepBudget);
    assert_eq!(f.message, "the negotiation exceeded its step budget");
    assert!(summary.failed >= 2);
    // A budget large enough changes nothing.
    let roomy = tournament(
        vec![haggle()],
        vec![
            Player::builtin(Strategy::Hardliner),
            Player::builtin(Strategy::Boulware),
        ],
        TournamentConfig {
            rounds: 50,
            max_steps: Some(100),
            ..TournamentConfig::default()
        },
    );
    let (ok, summary) = run(&roomy, &RunOptions::default());
    assert_eq!(summary.failed, 0);
    assert!(ok.iter().all(|r| r.metrics.is_ok()));
}

#[test]
fn a_budget_overrun_and_a_real_panic_are_told_apart() {
    quiet_worker_panics();
    let saboteur = Player::custom("saboteur", |init| {
        Box::new(Saboteur(Strategy::Hardliner.build(init)))
    });
    let t = tournament(
        vec![haggle()],
        vec![Player::builtin(Strategy::Hardliner), saboteur],
        TournamentConfig {
            rounds: 50,
            max_steps: Some(10),
            ..TournamentConfig::default()
        },
    );
    let (records, summary) = run(&t, &RunOptions::default());
    assert_eq!(records.len(), 8);
    for r in &records {
        let f = r.metrics.as_ref().unwrap_err();
        if r.players.contains(&1) {
            // The saboteur panics in round 3, within the budget (turns 7 and 8).
            assert_eq!(f.kind, FailureKind::Panic, "{r:?}");
            assert_eq!(f.message, "saboteur strikes in round 3");
        } else {
            // Hardliner self-play would run 100 turns: halted by the mechanism after 10.
            assert_eq!(f.kind, FailureKind::StepBudget, "{r:?}");
            assert_eq!(f.message, "the negotiation exceeded its step budget");
        }
    }
    assert_eq!(summary.failed, 8);
}
