//! Tests pinning each ANAC agent's published rules.

use std::collections::HashSet;

use super::{agentk, atlas3, cuhk, hardheaded, thefawkes};
use crate::negotiator::strategy_tests::{offers_by, opposed};
use crate::negotiator::{Action, Clock, Negotiator, NegotiatorInit, OfferRecord, Strategy, View};
use crate::outcome::{Issue, Outcome, OutcomeSpace};
use crate::preferences::{Preferences, RedLines, UtilityFunction, ValueFunction};
use crate::protocol::{SaoConfig, run_sao};
use crate::scenario::{Party, Scenario};

const AGENTS: [Strategy; 5] = [
    Strategy::AgentK,
    Strategy::HardHeaded,
    Strategy::CuhkAgent,
    Strategy::TheFawkes,
    Strategy::Atlas3,
];

/// Builds party 0 of `s` with `strategy`.
fn build(s: &Scenario, strategy: &Strategy, seed: u64) -> Box<dyn Negotiator> {
    strategy.build(NegotiatorInit {
        space: s.space(),
        preferences: &s.parties()[0].preferences,
        me: 0,
        n_parties: 2,
        seed,
        bids: None,
    })
}

/// Party 0's turn in `round` of `n_rounds` after party 1 offered `offers` (one per round, the
/// last standing).
fn turn(n: &mut dyn Negotiator, offers: &[Outcome], round: u32, n_rounds: u32) -> Action {
    let history: Vec<OfferRecord> = offers
        .iter()
        .enumerate()
        .map(|(k, o)| OfferRecord {
            round: k as u32,
            party: 1,
            outcome: o.clone(),
        })
        .collect();
    n.act(&View {
        clock: Clock { round, n_rounds },
        history: &history,
        standing: history.last(),
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_agents_parse_print_and_are_listed() {
    for (s, names) in [
        (Strategy::AgentK, &["agentk", "Agent-K"][..]),
        (Strategy::HardHeaded, &["hardheaded", "HardHeaded"]),
        (Strategy::CuhkAgent, &["cuhk", "CUHKAgent"]),
        (
            Strategy::TheFawkes,
            &["thefawkes", "TheFawkes", "the-fawkes"],
        ),
        (Strategy::Atlas3, &["atlas3", "Atlas3"]),
    ] {
        for n in names {
            assert_eq!(n.parse::<Strategy>().unwrap(), s, "{n}");
        }
        assert_eq!(s.to_string().parse::<Strategy>().unwrap(), s);
        assert!(Strategy::NAMES.contains(&s.to_string()), "{s}");
    }
    let e = "agent-q".parse::<Strategy>().unwrap_err().to_string();
    for n in ["agentk", "hardheaded", "cuhk", "thefawkes", "atlas3"] {
        assert!(e.contains(n), "{e}");
    }
}

#[test]
fn agentk_acceptance_probability_follows_the_published_formula() {
    // One offer of utility 0.5 so far: μ = 0.5, σ = 0, emax = 0.5, α = 1 + 2 + 5 − 2 = 6.
    let k = agentk::targets(0.5, 0.0, 0.0, 0.5);
    assert!(close(k.emax, 0.5) && close(k.alpha, 6.0));
    // t = 0: pre = 1, ratio = 2, target = 1; pulled to emax by r·min(1/r², 400)/400 with
    // r = 0.5: 1 − 0.5·4/400 = 0.995.
    assert!(close(k.target, 0.995), "{}", k.target);
    // p = 0 + (0.5 − 0.5) + (0.5 − 0.995) < 0.1: never.
    assert_eq!(k.accept_probability(0.5), 0.0);
    // t = 1: pre = 0.5, ratio = 0.1/0.5 = 0.2, x = 0.2·0.5 + 0.8 = 0.9, m = 100, r = 0.4,
    // f = 6.25: target = 0.9 − 0.4·6.25/100 = 0.875.
    let k = agentk::targets(0.5, 0.0, 1.0, 0.5);
    assert!(close(k.target, 0.875), "{}", k.target);
    // β = α when the tremor draw is ½.
    assert!(close(k.bid_target, k.target));
    // p(0.9) = 1/5 + 0.4 + 0.025 = 0.625.
    assert!(close(k.accept_probability(0.9), 0.625));
    // Variance widens emax: σ² = 1/12 gives d = 1, emax = 1 whatever μ.
    assert!(close(agentk::targets(0.3, 1.0 / 12.0, 0.5, 0.0).emax, 1.0));
    // A trembled β changes the bidding target only.
    let a = agentk::targets(0.4, 0.01, 0.7, 0.0);
    let b = agentk::targets(0.4, 0.01, 0.7, 0.99);
    assert_eq!(a.target, b.target);
    assert!(a.bid_target < b.bid_target, "{a:?} {b:?}");
}

#[test]
fn agentk_offers_back_an_earlier_offer_worth_more_than_its_target() {
    let s = opposed(2, 6, 0.0);
    let prefs = &s.parties()[0].preferences;
    // The opponent offers party 0's best outcome (worth 1) again and again: AgentK's target is
    // below 1, so it accepts with probability p or offers that outcome back.
    let best = Outcome::new(vec![5, 5]);
    assert!(close(prefs.utility(&best), 1.0));
    let mut n_accept = 0;
    for seed in 0..20 {
        let mut a = build(&s, &Strategy::AgentK, seed);
        match turn(a.as_mut(), std::slice::from_ref(&best), 1, 100) {
            Action::Accept => n_accept += 1,
            Action::Offer(o) => assert_eq!(o, best, "seed {seed}"),
            Action::EndNegotiation => panic!("walked away"),
        }
    }
    // At t ≈ 0 with u = emax = 1, p = (1 − target) is small: mostly offers it back.
    assert!(n_accept < 20);
}

#[test]
fn hardheaded_concedes_on_its_published_schedule() {
    // F(t) = 0.05 + 0.95·t^20 between Pmax = 1 and Pmin = 0.585.
    let p = |t| hardheaded::target(1.0, hardheaded::MIN_UTILITY, 1.0, t);
    assert!(close(p(0.0), 0.585 + 0.95 * 0.415));
    assert!(close(
        p(0.5),
        0.585 + (0.95 - 0.95 * 0.5f64.powi(20)) * 0.415
    ));
    assert!(close(
        p(0.9),
        0.585 + (0.95 - 0.95 * 0.9f64.powi(20)) * 0.415
    ));
    assert!(close(p(1.0), 0.585));
    // Hard-headed: at t = 0.8 it has conceded less than 7% of its range (5% of it at once).
    assert!(p(0.8) > 1.0 - 0.07 * 0.415);
    assert!(p(0.8) < 1.0 - 0.05 * 0.415);
    // A discount factor below 0.9 bends it at t = d, ending at Pmin.
    let d = 0.5;
    let q = |t| hardheaded::target(1.0, 0.585, d, t);
    assert!(close(q(1.0), 0.585));
    assert!(q(0.4) > q(0.6) && q(0.6) > q(0.9));
}

#[test]
fn hardheaded_opens_with_its_best_bid_and_never_bids_below_its_floor() {
    let s = opposed(3, 5, 0.0);
    let prefs = &s.parties()[0].preferences;
    for other in [Strategy::Hardliner, Strategy::Conceder, Strategy::Random] {
        let r = run_sao(
            &s,
            &[Strategy::HardHeaded, other.clone()],
            &SaoConfig {
                rounds: 50,
                seed: 3,
            },
        )
        .unwrap();
        let offers = offers_by(&r.trace, 0);
        assert!(close(prefs.utility(&offers[0].1), 1.0), "against {other}");
        for (round, o) in &offers {
            // The window around the target reaches 0.01 below it.
            assert!(
                prefs.utility(o) >= hardheaded::MIN_UTILITY - 0.01 - 1e-9,
                "round {round} against {other}"
            );
        }
        if let Some(a) = &r.agreement {
            assert!(prefs.utility(a) >= hardheaded::MIN_UTILITY - 0.01 - 1e-9);
        }
    }
}

#[test]
fn hardheaded_accepts_what_it_has_offered_itself() {
    // After bidding, an offer worth as much as its lowest bid is accepted.
    let s = opposed(2, 5, 0.0);
    let mut h = build(&s, &Strategy::HardHeaded, 0);
    let Action::Offer(first) = turn(h.as_mut(), &[], 0, 100) else {
        panic!("no opening bid")
    };
    assert!(close(s.parties()[0].preferences.utility(&first), 1.0));
    let worst = Outcome::new(vec![0, 0]);
    assert!(matches!(
        turn(h.as_mut(), std::slice::from_ref(&worst), 1, 100),
        Action::Offer(_)
    ));
    assert_eq!(
        turn(h.as_mut(), &[worst, first], 2, 100),
        Action::Accept,
        "its own best bid, offered back"
    );
}

#[test]
fn cuhk_holds_firm_without_discounting_and_settles_at_the_deadline() {
    assert!(close(cuhk::concede_point(1.0), 1.0));
    for t in [0.0, 0.3, 0.9, 1.0] {
        assert!(
            close(cuhk::threshold(0.9, 1.0, 1.0, 0.0, t), 0.9),
            "t = {t}"
        );
    }
    // With d = 0.5: λ = 0.08 + 0.92·0.5^1.2; the threshold reaches Pmax·d^(1−λ) at λ.
    let lambda = cuhk::concede_point(0.5);
    assert!(close(lambda, 0.08 + 0.92 * 0.5f64.powf(1.2)));
    let at = cuhk::threshold(1.0, 0.5, lambda, 0.0, lambda);
    assert!(close(at, 0.5f64.powf(1.0 - lambda)));
    assert!(cuhk::threshold(1.0, 0.5, lambda, 0.0, lambda / 2.0) > at);
    // Never below the reservation value.
    assert_eq!(cuhk::threshold(1.0, 0.5, lambda, 0.8, lambda), 0.8);
    // Against a conceder on an undiscounted domain: every bid is a best bid, and the deal is
    // its best or struck in the last round.
    let s = opposed(2, 6, 0.0);
    let prefs = &s.parties()[0].preferences;
    let r = run_sao(
        &s,
        &[Strategy::CuhkAgent, Strategy::Hardliner],
        &SaoConfig {
            rounds: 40,
            seed: 9,
        },
    )
    .unwrap();
    for (_, o) in offers_by(&r.trace, 0) {
        assert!(close(prefs.utility(&o), 1.0));
    }
    assert_eq!(r.rounds, 40, "accepted only in the last round");
    assert!(r.agreement.is_some());
}

#[test]
fn thefawkes_threshold_is_boulware_and_it_bids_what_the_model_rates_highest() {
    assert!(close(thefawkes::threshold(1.0, 0.2, 0.0), 1.0));
    assert!(close(
        thefawkes::threshold(1.0, 0.2, 0.5),
        1.0 - 0.8 * 0.5f64.powi(5)
    ));
    assert!(close(thefawkes::threshold(1.0, 0.2, 1.0), 0.2));
    // One issue with a tie in own utility: party 0 values options 2 and 3 equally (0.5).
    let space = OutcomeSpace::new(vec![
        Issue::discrete("a", (0..4).map(|v| format!("v{v}")).collect()).unwrap(),
        Issue::discrete("b", (0..2).map(|v| format!("v{v}")).collect()).unwrap(),
    ])
    .unwrap();
    let u = UtilityFunction::weighted_sum(
        &space,
        "me",
        &[1.0, 1.0],
        &[
            Some(ValueFunction::Table(vec![0.0, 0.2, 1.0, 1.0])),
            Some(ValueFunction::Table(vec![1.0, 1.0])),
        ],
    )
    .unwrap();
    let prefs = Preferences::new(u, 0.0, RedLines::none(2), 1.0).unwrap();
    let s = Scenario::new(
        "tie",
        space.clone(),
        vec![Party::new("me", prefs.clone()), Party::new("you", prefs)],
    )
    .unwrap();
    // The opponent keeps offering (v0, v1), worth little to party 0. Among its four best bids
    // (a = v2 or v3, any b), the model rates those with b = v1 highest once it has seen more
    // than 5 offers (ties to the first listed, (v2, v1)); before, it picks at random.
    let offers = vec![Outcome::new(vec![0, 1]); thefawkes::EARLY_OFFERS as usize + 1];
    for seed in 0..10 {
        let mut f = build(&s, &Strategy::TheFawkes, seed);
        match turn(f.as_mut(), &offers, offers.len() as u32, 1000) {
            Action::Offer(o) => assert_eq!(o, Outcome::new(vec![2, 1]), "seed {seed}"),
            a => panic!("{a:?}"),
        }
    }
    let early = &offers[..thefawkes::EARLY_OFFERS as usize];
    let picks: HashSet<Outcome> = (0..40)
        .map(|seed| {
            let mut f = build(&s, &Strategy::TheFawkes, seed);
            match turn(f.as_mut(), early, early.len() as u32, 1000) {
                Action::Offer(o) => o,
                a => panic!("{a:?}"),
            }
        })
        .collect();
    assert_eq!(picks.len(), 4, "random among the best bids: {picks:?}");
}

#[test]
fn atlas3_threshold_has_three_phases_and_it_accepts_anything_in_its_final_turns() {
    let th = |t| atlas3::threshold(1.0, 0.2, 0.0, t);
    assert!(close(th(0.1), 0.95));
    assert!(close(th(0.2), 1.0));
    assert!(close(th(0.5), 1.0 - 0.8 * 0.3 * 0.5f64.powi(10)));
    assert!(close(th(0.8), 0.7));
    assert!(close(th(1.0), 0.7 - 0.5 * 0.5));
    assert_eq!(atlas3::threshold(1.0, 0.2, 0.6, 1.0), 0.6, "reservation");
    let s = opposed(2, 6, 0.0);
    let poor = Outcome::new(vec![1, 0]);
    assert!(s.parties()[0].preferences.utility(&poor) > 0.0);
    let n_rounds = 100;
    let mut a = build(&s, &Strategy::Atlas3, 1);
    assert!(matches!(
        turn(
            a.as_mut(),
            std::slice::from_ref(&poor),
            n_rounds - atlas3::FINAL_TURNS,
            n_rounds
        ),
        Action::Offer(_)
    ));
    let mut a = build(&s, &Strategy::Atlas3, 1);
    assert_eq!(
        turn(
            a.as_mut(),
            &[poor],
            n_rounds - atlas3::FINAL_TURNS + 1,
            n_rounds
        ),
        Action::Accept
    );
}

#[test]
fn agents_only_offer_and_accept_acceptable_outcomes_and_replay_with_their_seed() {
    // Reservation 0.4: nothing below it is offered or accepted, against any agent.
    let s = opposed(2, 7, 0.4);
    let others = [Strategy::Boulware, Strategy::Random, Strategy::Micro];
    for a in &AGENTS {
        for b in AGENTS.iter().chain(&others) {
            let cfg = SaoConfig {
                rounds: 60,
                seed: 11,
            };
            let r = run_sao(&s, &[a.clone(), b.clone()], &cfg).unwrap();
            for (_, o) in offers_by(&r.trace, 0) {
                assert!(s.parties()[0].preferences.is_acceptable(&o), "{a} vs {b}");
            }
            if let Some(o) = &r.agreement {
                assert!(s.parties()[0].preferences.is_acceptable(o), "{a} vs {b}");
            }
            let again = run_sao(&s, &[a.clone(), b.clone()], &cfg).unwrap();
            assert_eq!(r.trace, again.trace, "{a} vs {b}");
        }
    }
}
