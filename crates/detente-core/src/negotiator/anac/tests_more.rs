//! Tests pinning each ANAC agent's published rules.

use super::super::strategies::Common;
use super::super::{Negotiator, NegotiatorInit, Strategy};
use super::agentgg::importance_map;
use super::ponpoko::PATTERNS;
use super::*;
use crate::links::{Condition, Link, ValueSet};
use crate::negotiator::strategy_tests::opposed;
use crate::outcome::{Issue, Outcome, OutcomeSpace};
use crate::preferences::UtilityFunction;
use crate::protocol::{Event, SaoConfig, run_sao};
use crate::scenario::Scenario;

fn common(s: &Scenario, me: usize, seed: u64) -> Common {
    Common::new(&NegotiatorInit {
        space: s.space(),
        preferences: &s.parties()[me].preferences,
        me,
        n_parties: 2,
        seed,
        bids: None,
    })
}

const ANAC: [Strategy; 5] = [
    Strategy::ParsAgent,
    Strategy::Caduceus,
    Strategy::PonPoko,
    Strategy::Agreeable,
    Strategy::AgentGg,
];

const OPPONENTS: [Strategy; 4] = [
    Strategy::Hardliner,
    Strategy::Boulware,
    Strategy::Conceder,
    Strategy::Micro,
];

/// An offer or an acceptance: the round and the outcome.
type Move = (u32, Outcome);

/// Every (round, offer) by `party`, and the round in which it accepted, if it did.
fn moves(trace: &[Event], party: usize) -> (Vec<Move>, Option<Move>) {
    let mut offers = Vec::new();
    let mut standing: Option<Outcome> = None;
    let mut accepted = None;
    for e in trace {
        match e {
            Event::Offer {
                round,
                party: p,
                outcome,
            } => {
                if *p == party {
                    offers.push((*round, outcome.clone()));
                }
                standing = Some(outcome.clone());
            }
            Event::Accept { round, party: p } if *p == party => {
                accepted = Some((*round, standing.clone().unwrap()));
            }
            _ => {}
        }
    }
    (offers, accepted)
}

/// Runs `me` (seat `seat`) against `other` and returns the trace.
fn play(
    s: &Scenario,
    me: &Strategy,
    other: &Strategy,
    seat: usize,
    rounds: u32,
    seed: u64,
) -> Vec<Event> {
    let strategies = if seat == 0 {
        [me.clone(), other.clone()]
    } else {
        [other.clone(), me.clone()]
    };
    run_sao(s, &strategies, &SaoConfig { rounds, seed })
        .unwrap()
        .trace
}

/// The ANAC agents' clock (NegMAS's).
fn time(round: u32, rounds: u32) -> f64 {
    (f64::from(round) + 1.0) / (f64::from(rounds) + 1.0)
}

#[test]
fn names_parse_display_and_round_trip() {
    for (name, s) in [
        ("parsagent", Strategy::ParsAgent),
        ("caduceus", Strategy::Caduceus),
        ("ponpoko", Strategy::PonPoko),
        ("agreeable", Strategy::Agreeable),
        ("agentgg", Strategy::AgentGg),
    ] {
        assert_eq!(name.parse::<Strategy>().unwrap(), s);
        assert_eq!(s.to_string(), name);
        assert!(Strategy::NAMES.contains(name), "{name} missing from NAMES");
    }
    assert_eq!(
        "PonPokoAgent".parse::<Strategy>().unwrap(),
        Strategy::PonPoko
    );
    assert_eq!(
        "AgreeableAgent2018".parse::<Strategy>().unwrap(),
        Strategy::Agreeable
    );
    let e = "ponpokoo".parse::<Strategy>().unwrap_err().to_string();
    assert!(
        e.contains("ponpoko") && e.contains("agentgg") && e.contains("micro"),
        "{e}"
    );
}

#[test]
fn every_agent_offers_and_accepts_only_acceptable_outcomes_and_replays_with_its_seed() {
    let s = opposed(3, 5, 0.3);
    for me in &ANAC {
        for other in &OPPONENTS {
            for seat in 0..2 {
                let trace = play(&s, me, other, seat, 40, 7);
                assert_eq!(trace, play(&s, me, other, seat, 40, 7), "{me} replays");
                let prefs = &s.parties()[seat].preferences;
                let (offers, accepted) = moves(&trace, seat);
                assert!(!offers.is_empty() || accepted.is_some(), "{me} vs {other}");
                for (_, o) in offers.iter().chain(&accepted) {
                    assert!(prefs.is_acceptable(o), "{me} vs {other}: {o:?}");
                }
            }
        }
    }
}

#[test]
fn parsagent_concedes_boulware_to_0_7_and_accepts_at_its_target() {
    let s = opposed(3, 5, 0.0);
    let p = ParsAgent::new(common(&s, 0, 0), s.space());
    let pmax = 1.0;
    assert!((p.target(0.0) - pmax).abs() < 1e-12);
    assert!((p.target(1.0) - 0.7).abs() < 1e-12);
    // p(t) = Pmax − (Pmax − 0.7)·t^(1/0.15).
    let half = pmax - (pmax - 0.7) * 0.5f64.powf(1.0 / 0.15);
    assert!((p.target(0.5) - half).abs() < 1e-12);
    for other in &OPPONENTS {
        let trace = play(&s, &Strategy::ParsAgent, other, 0, 50, 3);
        let (offers, accepted) = moves(&trace, 0);
        let prefs = &s.parties()[0].preferences;
        for (round, o) in &offers {
            assert!(
                prefs.utility(o) >= p.target(time(*round, 50)) - 1e-12,
                "{other}"
            );
        }
        if let Some((round, o)) = accepted {
            assert!(prefs.utility(&o) >= p.target(time(round, 50)) - 1e-12);
        }
    }
}

#[test]
fn parsagent_offers_the_mutual_bid_once_it_has_more_than_five_offers() {
    // Against a hardliner, who repeats its best outcome (the worst for ParsAgent), the mutual
    // bid is, among ParsAgent's bids worth at least p(0.5), the one sharing most values with
    // that offer: from its seventh turn (six offers received as the second seat) it offers
    // that bid whenever it still reaches its target.
    let s = opposed(2, 5, 0.0);
    let rounds = 200;
    let p = ParsAgent::new(common(&s, 1, 0), s.space());
    let trace = play(&s, &Strategy::ParsAgent, &Strategy::Hardliner, 1, rounds, 5);
    let (offers, _) = moves(&trace, 1);
    let prefs = &s.parties()[1].preferences;
    let hard = s.parties()[0].preferences.ufun().best_outcome();
    let candidates: Vec<usize> = (0..p.c.bids.len())
        .filter(|&k| p.c.bids.utility(k) >= p.target(0.5) - 1e-12)
        .collect();
    let shared = |k: usize| {
        p.c.bids
            .outcome(k)
            .indices()
            .iter()
            .zip(hard.indices())
            .filter(|(a, b)| a == b)
            .count()
    };
    let best = *candidates
        .iter()
        .max_by_key(|&&k| (shared(k), std::cmp::Reverse(k)))
        .unwrap();
    let mutual = p.c.bids.outcome(best);
    for (round, o) in &offers {
        if *round >= 6 && prefs.utility(&mutual) >= p.target(time(*round, rounds)) {
            assert_eq!(o, &mutual, "round {round}");
        }
    }
    assert!(offers.iter().any(|(r, o)| *r >= 6 && o == &mutual));
}

#[test]
fn caduceus_holds_its_best_bid_until_0_83_then_votes() {
    let s = opposed(3, 5, 0.0);
    let c = Caduceus::new(common(&s, 0, 0));
    // Sub-strategy thresholds max(Pmax(1 − rᵢt), 0.75).
    assert!((c.threshold(0, 0.5) - 0.95).abs() < 1e-12);
    assert!((c.threshold(4, 0.5) - 0.85).abs() < 1e-12);
    assert!((c.threshold(4, 1.0) - 0.75).abs() < 1e-12);
    // The first sub-strategy carries 500 of 519: it alone decides.
    assert!(c.votes_accept(0.91, 1.0));
    assert!(!c.votes_accept(0.89, 1.0));
    let rounds = 60;
    let prefs = &s.parties()[0].preferences;
    let best = prefs.ufun().best_outcome();
    for other in &OPPONENTS {
        for seed in 0..4 {
            let trace = play(&s, &Strategy::Caduceus, other, 0, rounds, seed);
            let (offers, accepted) = moves(&trace, 0);
            for (round, o) in &offers {
                let t = time(*round, rounds);
                if t < 0.83 {
                    assert_eq!(o, &best);
                } else {
                    // A bid of an offering sub-strategy: at least the loosest threshold.
                    assert!(prefs.utility(o) >= c.threshold(4, t) - 1e-12);
                }
            }
            if let Some((round, o)) = accepted {
                let t = time(round, rounds);
                let u = prefs.utility(&o);
                if t < 0.83 {
                    assert!(u >= 0.99 - 1e-12);
                } else {
                    assert!(u >= c.threshold(0, t) - 1e-12);
                }
            }
        }
    }
}

#[test]
fn ponpoko_bands_follow_the_published_patterns() {
    let close =
        |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12;
    assert!(close(PonPoko::band(1, 0.5), (0.89, 1.0)));
    assert!(close(PonPoko::band(3, 0.5), (0.95, 0.975)));
    assert!(close(
        PonPoko::band(3, 0.995),
        (1.0 - 0.3 * 0.995, 1.0 - 0.05 * 0.995)
    ));
    // Where |sin 40t| = 1 pattern 0's floor sits 0.1 below its ceiling.
    let t = std::f64::consts::PI / 80.0;
    assert!(close(
        PonPoko::band(0, t),
        (1.0 - 0.1 * t - 0.1, 1.0 - 0.1 * t)
    ));
    let t = std::f64::consts::PI / 40.0;
    assert!(close(
        PonPoko::band(2, t),
        (1.0 - 0.1 * t - 0.15, 1.0 - 0.1 * t)
    ));
    assert!(close(PonPoko::band(4, t), (1.0 - 0.21 * t, 1.0 - 0.15 * t)));
    // At t = π/20 the sine vanishes: pattern 4 is back at (1, 1).
    assert!(close(
        PonPoko::band(4, std::f64::consts::PI / 20.0),
        (1.0, 1.0)
    ));
    for p in 0..PATTERNS {
        for k in 0..=1000 {
            let (lo, hi) = PonPoko::band(p, f64::from(k) / 1000.0);
            assert!((0.0..=hi).contains(&lo) && hi <= 1.0, "pattern {p}");
        }
    }
}

#[test]
fn ponpoko_draws_every_pattern_and_plays_inside_its_band() {
    let s = opposed(3, 6, 0.0);
    let mut seen = [false; PATTERNS as usize];
    for seed in 0..40 {
        seen[PonPoko::new(common(&s, 0, seed)).pattern as usize] = true;
    }
    assert_eq!(seen, [true; PATTERNS as usize]);
    let rounds = 80;
    let prefs = &s.parties()[0].preferences;
    let bids: Vec<f64> = {
        let c = common(&s, 0, 0);
        (0..c.bids.len()).map(|k| c.bids.utility(k)).collect()
    };
    for seed in 0..10 {
        for other in &OPPONENTS {
            // run_sao seeds seat 0 with derive_seed(seed, [0]); rebuild it to learn its pattern.
            let seat_seed = crate::rng::derive_seed(seed, &[0]);
            let pattern = PonPoko::new(common(&s, 0, seat_seed)).pattern;
            let trace = play(&s, &Strategy::PonPoko, other, 0, rounds, seed);
            let (offers, accepted) = moves(&trace, 0);
            for (round, o) in &offers {
                let (lo, hi) = PonPoko::band(pattern, time(*round, rounds));
                let u = prefs.utility(o);
                assert!(u <= hi + 1e-12, "pattern {pattern}: {u} above {hi}");
                // Below the band only when the band holds no bid.
                if u < lo - 1e-12 {
                    assert!(!bids.iter().any(|&b| b >= lo - 1e-12 && b <= hi + 1e-12));
                }
            }
            if let Some((round, o)) = accepted {
                let (lo, _) = PonPoko::band(pattern, time(round, rounds));
                assert!(prefs.utility(&o) >= lo - 1e-12);
            }
        }
    }
}

#[test]
fn agreeable_holds_until_0_2_then_concedes_boulware_to_0_8() {
    let s = opposed(3, 5, 0.0);
    let a = Agreeable::new(common(&s, 0, 0), s.space());
    assert_eq!(a.target(0.0), 1.0);
    assert_eq!(a.target(0.19), 1.0);
    // Pmin = 0, Pmax = 1: 1 − t′^10 with t′ = (t − 0.2)/0.8, floored at 0.8.
    let t: f64 = 0.9;
    let expect = (1.0 - ((t - 0.2) / 0.8).powf(10.0)).max(0.8);
    assert!((a.target(t) - expect).abs() < 1e-12);
    assert_eq!(a.target(1.0), 0.8);
    let rounds = 50;
    let prefs = &s.parties()[0].preferences;
    let best = prefs.ufun().best_outcome();
    for other in &OPPONENTS {
        let trace = play(&s, &Strategy::Agreeable, other, 0, rounds, 1);
        let (offers, accepted) = moves(&trace, 0);
        for (round, o) in &offers {
            if time(*round, rounds) < 0.2 {
                assert_eq!(o, &best);
            }
            assert!(prefs.utility(o) >= 0.8 - 0.05 - 1e-12, "{other}");
        }
        if let Some((round, o)) = accepted
            && time(round, rounds) < 0.99
        {
            assert!(prefs.utility(&o) >= 0.8 - 0.05 - 1e-12, "{other}");
        }
    }
}

#[test]
fn agreeable_weights_issues_by_the_spread_of_their_value_counts() {
    let s = opposed(3, 4, 0.0);
    let mut a = Agreeable::new(common(&s, 0, 0), s.space());
    assert_eq!(a.weights(), vec![1.0 / 3.0; 3]);
    // Issue 0 always value 0 (counts [3]: deviation 0); issue 1 values 0, 0, 1 (counts 2, 1:
    // deviation 0.5); issue 2 values 0, 1, 2 (counts 1, 1, 1: deviation 0).
    for o in [[0, 0, 0], [0, 0, 1], [0, 1, 2]] {
        a.observe(&o);
    }
    assert_eq!(a.weights(), vec![0.0, 1.0, 0.0]);
    // Estimate: w₁·count/offers; value 0 of issue 1 was offered twice in three offers.
    let w = a.weights();
    assert!((a.estimate(&w, &[3, 0, 3]) - 2.0 / 3.0).abs() < 1e-12);
    assert!((a.estimate(&w, &[0, 1, 0]) - 1.0 / 3.0).abs() < 1e-12);
}

/// Brute-force importance: the mean utility of the outcomes having each value.
fn brute_importance(space: &OutcomeSpace, u: &UtilityFunction) -> Vec<Vec<f64>> {
    let n: Vec<usize> = space
        .issues()
        .iter()
        .map(|i| i.n_values() as usize)
        .collect();
    let mut sum: Vec<Vec<f64>> = n.iter().map(|&k| vec![0.0; k]).collect();
    let mut cnt: Vec<Vec<f64>> = n.iter().map(|&k| vec![0.0; k]).collect();
    let total: usize = n.iter().product();
    for mut k in 0..total {
        let mut idx = vec![0u32; n.len()];
        for i in (0..n.len()).rev() {
            idx[i] = (k % n[i]) as u32;
            k /= n[i];
        }
        let x = u.eval(&Outcome::new(idx.clone()));
        for (i, &v) in idx.iter().enumerate() {
            sum[i][v as usize] += x;
            cnt[i][v as usize] += 1.0;
        }
    }
    sum.iter()
        .zip(&cnt)
        .map(|(s, c)| s.iter().zip(c).map(|(a, b)| a / b).collect())
        .collect()
}

#[test]
fn agentgg_importance_is_the_mean_utility_of_the_outcomes_with_each_value() {
    let space = OutcomeSpace::new(
        [3u32, 4, 5]
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                Issue::discrete(format!("i{i}"), (0..n).map(|v| format!("v{v}")).collect()).unwrap()
            })
            .collect(),
    )
    .unwrap();
    // Seeded pseudo-random terms (a small LCG keeps the test free of extra crates).
    let mut x = 12345u64;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for scale in [0.3, 0.6] {
        let terms: Vec<Vec<f64>> = [3, 4, 5]
            .iter()
            .map(|&n| (0..n).map(|_| scale * next()).collect())
            .collect();
        for clip in [false, true] {
            // scale 0.6 with the clip: the clip binds, so the map is enumerated.
            let u = UtilityFunction::from_terms(&space, terms.clone(), clip).unwrap();
            let (got, want) = (importance_map(&space, &u), brute_importance(&space, &u));
            for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
                assert!(
                    (g - w).abs() < 1e-9,
                    "scale {scale} clip {clip}: {g} vs {w}"
                );
            }
        }
        // With an interaction term.
        let cond = Condition::new(
            &space,
            vec![
                (0, ValueSet::from_indices(vec![1])),
                (2, ValueSet::from_indices(vec![0, 4])),
            ],
        )
        .unwrap();
        let u = UtilityFunction::from_terms(&space, terms.clone(), false)
            .unwrap()
            .with_links(vec![Link::new(cond, 0.25).unwrap()])
            .unwrap();
        let (got, want) = (importance_map(&space, &u), brute_importance(&space, &u));
        for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
            assert!((g - w).abs() < 1e-9, "linked: {g} vs {w}");
        }
    }
}

#[test]
fn agentgg_lower_ratio_follows_its_phases_toward_the_nash_estimate() {
    let s = opposed(3, 5, 0.0);
    let mut g = AgentGg::new(common(&s, 0, 0), s.space());
    g.nash = 0.6;
    let p = |a: f64| a * (1.0 - 0.6) + 0.6;
    for (t, want) in [
        (0.005, 0.9999),
        (0.015, 0.99),
        (0.1, 0.99 - 0.5 * 0.08),
        (0.2, 0.9),
        (0.5, p(0.3)),
        (0.9, p(0.15)),
        (0.98, p(0.05)),
        (0.995, p(0.0)),
        (0.999, (p(-0.4)).max(0.2)),
        (1.0, (p(-0.4)).max(0.2)),
    ] {
        g.thresholds(t);
        assert!(
            (g.lower - want).abs() < 1e-9,
            "t = {t}: {} vs {want}",
            g.lower
        );
    }
    // Continuous inside a phase boundary: just below 0.5 it is (nearly) p(0.3).
    g.thresholds(0.5 - 1e-9);
    assert!((g.lower - p(0.3)).abs() < 1e-6);
}

#[test]
fn agentgg_estimates_nash_from_the_first_offers_and_accepts_by_importance_ratio() {
    let s = opposed(3, 5, 0.0);
    let rounds = 100;
    let trace = play(&s, &Strategy::AgentGg, &Strategy::Conceder, 0, rounds, 0);
    let (offers, accepted) = moves(&trace, 0);
    let prefs = &s.parties()[0].preferences;
    // Its first offer is its most important bid (its best under additive preferences).
    assert_eq!(offers[0].1, prefs.ufun().best_outcome());
    // Replay the estimate: the best importance ratio among the conceder's offers up to the
    // round after its second one (party 1 offers in rounds 0, 1, 2: the clock starts at round
    // 1's answer and decides at round 2's).
    let g = AgentGg::new(common(&s, 0, 0), s.space());
    let (theirs, _) = moves(&trace, 1);
    let m = theirs[..3]
        .iter()
        .map(|(_, o)| g.ratio(o.indices()))
        .fold(0.0, f64::max);
    let nash = (1.0 - m) / 1.7 + m;
    let mut h = AgentGg::new(common(&s, 0, 0), s.space());
    h.nash = nash;
    if let Some((round, o)) = accepted {
        h.thresholds(time(round, rounds));
        assert!(g.ratio(o.indices()) >= h.lower - 1e-12 || time(round, rounds) >= 0.999);
    }
    // Its offers after t = 0.2 lie in its band (or at the bid above its lower ratio).
    for (round, o) in &offers {
        let t = time(*round, rounds);
        h.thresholds(t);
        if t >= 0.2 {
            assert!(g.ratio(o.indices()) >= h.lower - 1e-9, "round {round}");
        }
    }
}

#[test]
fn agents_build_with_a_shared_bid_space() {
    // A tournament hands every negotiator its bid space; building with or without it plays
    // the same negotiation.
    let s = opposed(2, 4, 0.2);
    for me in &ANAC {
        let bids = std::sync::Arc::new(crate::negotiator::BidSpace::for_preferences(
            s.space(),
            &s.parties()[0].preferences,
        ));
        let mk = |shared: bool| -> Box<dyn Negotiator> {
            me.build(NegotiatorInit {
                space: s.space(),
                preferences: &s.parties()[0].preferences,
                me: 0,
                n_parties: 2,
                seed: 9,
                bids: shared.then(|| bids.clone()),
            })
        };
        let view = super::super::View {
            clock: crate::negotiator::Clock {
                round: 0,
                n_rounds: 10,
            },
            history: &[],
            standing: None,
        };
        assert_eq!(mk(true).act(&view), mk(false).act(&view), "{me}");
    }
}
