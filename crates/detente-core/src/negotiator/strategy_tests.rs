//! Tests pinning each built-in strategy's published rules.

use std::collections::HashSet;

use super::strategies::{time_target, time_target_bounds};
use super::*;
use crate::outcome::{Issue, OutcomeSpace};
use crate::preferences::{RedLines, UtilityFunction, ValueFunction};
use crate::protocol::{Event, SaoConfig, run_sao};
use crate::scenario::{Party, Scenario};

/// Two parties with opposed linear preferences over `n` options of each of `k` issues (party
/// 0 prefers high option indices, party 1 low ones), reservation `r`. Shared by the ANAC
/// agents' tests.
pub(super) fn opposed(k: usize, n: u32, r: f64) -> Scenario {
    let issues: Vec<Issue> = (0..k)
        .map(|i| Issue::discrete(format!("i{i}"), (0..n).map(|v| format!("v{v}")).collect()))
        .collect::<Result<_, _>>()
        .unwrap();
    let space = OutcomeSpace::new(issues).unwrap();
    let weights: Vec<f64> = (0..k).map(|i| 1.0 + i as f64).collect();
    let party = |up: bool, name: &str| {
        let values: Vec<Option<ValueFunction>> = (0..k)
            .map(|_| {
                Some(ValueFunction::Table(
                    (0..n)
                        .map(|v| {
                            let x = f64::from(v) / f64::from(n - 1);
                            if up { x } else { 1.0 - x }
                        })
                        .collect(),
                ))
            })
            .collect();
        let u = UtilityFunction::weighted_sum(&space, name, &weights, &values).unwrap();
        Party::new(
            name,
            Preferences::new(u, r, RedLines::none(k), 1.0).unwrap(),
        )
    };
    let parties = vec![party(true, "a"), party(false, "b")];
    Scenario::new("opposed", space.clone(), parties).unwrap()
}

/// The offers `party` made in `trace`, with their rounds.
pub(super) fn offers_by(trace: &[Event], party: usize) -> Vec<(u32, Outcome)> {
    trace
        .iter()
        .filter_map(|e| match e {
            Event::Offer {
                round,
                party: p,
                outcome,
            } if *p == party => Some((*round, outcome.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn time_dependent_targets_follow_faratin_at_0_half_and_1() {
    // p(t) = Pmin + (Pmax − Pmin)(1 − t^(1/e)).
    for (e, half) in [
        (0.2, 1.0 - 0.5f64.powi(5)),
        (1.0, 0.5),
        (2.0, 1.0 - 0.5f64.sqrt()),
    ] {
        assert_eq!(time_target(1.0, 0.0, e, 0.0), 1.0);
        assert!(
            (time_target(1.0, 0.0, e, 0.5) - half).abs() < 1e-12,
            "e = {e}"
        );
        assert_eq!(time_target(1.0, 0.0, e, 1.0), 0.0);
        // With a floor: the same curve between Pmin and Pmax.
        let p = time_target(0.9, 0.3, e, 0.5);
        assert!((p - (0.3 + 0.6 * half)).abs() < 1e-12);
    }
    assert_eq!(time_target(0.9, 0.3, 0.0, 0.7), 0.9, "e = 0 never concedes");
}

#[test]
fn time_dependent_offers_the_bid_nearest_its_target_and_accepts_by_ac_next() {
    let s = opposed(2, 5, 0.0);
    let prefs = &s.parties()[0].preferences;
    let bids = BidSpace::for_preferences(s.space(), prefs);
    let rounds = 20;
    let r = run_sao(
        &s,
        &[Strategy::Linear, Strategy::Boulware],
        &SaoConfig { rounds, seed: 1 },
    )
    .unwrap();
    let (pmax, pmin) = (bids.max_utility().unwrap(), bids.min_utility().unwrap());
    let mut last_standing: Option<f64> = None;
    for e in &r.trace {
        match e {
            Event::Offer {
                round,
                party: 0,
                outcome,
            } => {
                let t = f64::from(*round) / f64::from(rounds - 1);
                let target = time_target(pmax, pmin, 1.0, t);
                let u = prefs.utility(outcome);
                let nearest = bids.utility(bids.nearest(target).unwrap());
                assert_eq!(u, nearest, "round {round}");
                // Every listed bid is at least as far from the target.
                for k in 0..bids.len() {
                    assert!((bids.utility(k) - target).abs() >= (u - target).abs() - 1e-12);
                }
                // It rejected the standing offer: worth less than its planned bid.
                if let Some(w) = last_standing {
                    assert!(w < u, "AC_next would have accepted {w} >= {u}");
                }
            }
            Event::Offer {
                party: 1, outcome, ..
            } => last_standing = Some(prefs.utility(outcome)),
            _ => {}
        }
    }
}

#[test]
fn micro_never_proposes_a_new_bid_before_receiving_as_many_distinct_offers() {
    let s = opposed(2, 6, 0.0);
    for other in [
        Strategy::Hardliner,
        Strategy::Random,
        Strategy::Micro,
        Strategy::Conceder,
    ] {
        let r = run_sao(
            &s,
            &[Strategy::Micro, other.clone()],
            &SaoConfig {
                rounds: 60,
                seed: 5,
            },
        )
        .unwrap();
        let (mut sent, mut received) = (HashSet::new(), HashSet::new());
        for e in &r.trace {
            if let Event::Offer { party, outcome, .. } = e {
                if *party == 1 {
                    received.insert(outcome.clone());
                } else if !sent.contains(outcome) {
                    // A new proposal only when |sent| ≤ |received| before it.
                    assert!(
                        sent.len() <= received.len(),
                        "against {other}: {:?}",
                        r.trace
                    );
                    sent.insert(outcome.clone());
                }
            }
        }
        if other == Strategy::Hardliner {
            // One distinct offer received: at most two distinct proposals.
            assert!(sent.len() <= 2, "{sent:?}");
        }
    }
}

#[test]
fn micro_concedes_from_the_top_in_order() {
    let s = opposed(1, 8, 0.0);
    let prefs = &s.parties()[0].preferences;
    let r = run_sao(
        &s,
        &[Strategy::Micro, Strategy::Random],
        &SaoConfig {
            rounds: 30,
            seed: 2,
        },
    )
    .unwrap();
    let mut distinct: Vec<f64> = Vec::new();
    for (_, o) in offers_by(&r.trace, 0) {
        let u = prefs.utility(&o);
        if !distinct.contains(&u) {
            distinct.push(u);
        }
    }
    let mut sorted = distinct.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    assert_eq!(distinct, sorted, "new proposals go down the list");
}

#[test]
fn naive_tit_for_tat_accepts_half_of_its_range_from_round_three() {
    let s = opposed(1, 11, 0.0);
    // Party 1 offers, for party 0, normalised utility 0.4 in rounds 0–4 and 0.5 from round 5.
    let space = s.space().clone();
    struct Fixed(Outcome, Outcome);
    impl Negotiator for Fixed {
        fn act(&mut self, view: &View<'_>) -> Action {
            Action::Offer(if view.clock.round < 5 {
                self.0.clone()
            } else {
                self.1.clone()
            })
        }
    }
    let me = Strategy::NaiveTitForTat.build(NegotiatorInit {
        space: &space,
        preferences: &s.parties()[0].preferences,
        me: 0,
        n_parties: 2,
        seed: 0,
        bids: None,
    });
    let other = Box::new(Fixed(Outcome::new(vec![4]), Outcome::new(vec![5])));
    let mut sao = crate::protocol::Sao::new(&s, vec![me, other], 20).unwrap();
    let r = crate::protocol::Mechanism::run(&mut sao, &mut |_: &Event| {});
    assert_eq!(r.agreement, Some(Outcome::new(vec![5])));
    assert_eq!(
        r.rounds, 7,
        "accepted at its turn in round 6: {:?}",
        r.trace
    );
    // Before that it offered 1 − ū(their offer) = 0.6 of its range: value 6.
    let mine = offers_by(&r.trace, 0);
    assert_eq!(mine[0].1, Outcome::new(vec![10]), "round 0: no concession");
    assert_eq!(mine[4].1, Outcome::new(vec![6]));
}

#[test]
fn relative_tit_for_tat_answers_a_concession_in_proportion() {
    let s = opposed(1, 11, 0.0);
    let prefs = &s.parties()[0].preferences;
    let r = run_sao(
        &s,
        &[Strategy::TitForTat, Strategy::Linear],
        &SaoConfig {
            rounds: 30,
            seed: 2,
        },
    )
    .unwrap();
    // Its own offers never rise in own utility against a monotone conceder.
    let mine: Vec<f64> = offers_by(&r.trace, 0)
        .iter()
        .map(|(_, o)| prefs.utility(o))
        .collect();
    assert_eq!(mine[0], 1.0);
    assert!(mine.windows(2).all(|w| w[1] <= w[0] + 1e-12), "{mine:?}");
    assert!(mine.last().unwrap() < &1.0, "it conceded: {mine:?}");
}

#[test]
fn hardliner_offers_only_its_best() {
    let s = opposed(2, 4, 0.0);
    let prefs = &s.parties()[0].preferences;
    let r = run_sao(
        &s,
        &[Strategy::Hardliner, Strategy::Boulware],
        &SaoConfig {
            rounds: 15,
            seed: 0,
        },
    )
    .unwrap();
    for (_, o) in offers_by(&r.trace, 0) {
        assert_eq!(prefs.utility(&o), prefs.ufun().max());
    }
}

#[test]
fn bad_strategy_names_and_parameters_are_refused_with_the_valid_ones() {
    for bad in [
        "nope",
        "time:0",
        "time:-1",
        "e=0",
        "boa:bid=time:0",
        "boa:bid=time:0.2,accept=const:-0.1",
        "boa:bid=time:0.2,accept=time:1.5",
        "boa:bid=time:0.2,accept=next:0:1",
        "boa:bid=time:0.2,accept=nope",
        "boa:bid=time:0.2,model=nope",
        "boa:bid=time:0.2,oops=1",
        "boa:accept=next",
        "boa:bid=random,bid=random",
    ] {
        let e = bad.parse::<Strategy>().unwrap_err().to_string();
        assert!(
            e.contains("valid") || e.contains("expected") || e.contains("out of range"),
            "{bad}: {e}"
        );
    }
    let e = "boa:bid=time:0.2,accept=nope"
        .parse::<Strategy>()
        .unwrap_err();
    assert!(e.to_string().contains("combi:T"), "{e}");
    let e = "time:0".parse::<Strategy>().unwrap_err();
    assert!(e.to_string().contains("e > 0"), "{e}");
}

#[test]
fn strategy_names_round_trip() {
    for s in [
        "boulware",
        "tit-for-tat",
        "naive-tft",
        "micro",
        "time:0.5",
        "boa:bid=time:0.2,accept=combi:0.98,model=frequency",
        "boa:bid=hardliner,accept=next:1.02:0,model=bayesian",
        "boa:bid=random,accept=const:0.7,model=none",
    ] {
        let parsed: Strategy = s.parse().unwrap();
        assert_eq!(parsed.to_string(), s);
        assert_eq!(parsed.to_string().parse::<Strategy>().unwrap(), parsed);
    }
    let short: Strategy = "boa:bid=boulware".parse().unwrap();
    assert_eq!(short.to_string(), "boa:bid=time:0.2,accept=next,model=none");
}

#[test]
fn pearson_is_one_for_a_perfect_estimate_and_minus_one_for_its_mirror() {
    assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
    assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
    assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
    struct Truth(UtilityFunction);
    impl OpponentEstimate for Truth {
        fn observe(&mut self, _: &Outcome) {}
        fn estimate(&self, v: &[u32]) -> f64 {
            self.0.eval(&Outcome::new(v.to_vec()))
        }
    }
    let s = opposed(3, 4, 0.0);
    let truth = s.parties()[1].preferences.ufun().clone();
    let a = model_accuracy(s.space(), &Truth(truth.clone()), &truth).unwrap();
    assert!((a - 1.0).abs() < 1e-12);
}

#[test]
fn learned_models_correlate_with_the_truth() {
    // The opponent (party 1) concedes over a negotiation; the Bayesian model learns from its
    // offers alone and must end up positively correlated with its true utility.
    let s = opposed(3, 5, 0.0);
    let r = run_sao(
        &s,
        &[Strategy::Hardliner, Strategy::Linear],
        &SaoConfig {
            rounds: 50,
            seed: 0,
        },
    )
    .unwrap();
    let truth = s.parties()[1].preferences.ufun();
    let offers = offers_by(&r.trace, 1);
    assert!(offers.len() > 10);
    let mut m = ModelKind::Bayesian.build(s.space()).unwrap();
    for (_, o) in &offers {
        m.observe(o);
    }
    let after = model_accuracy(s.space(), m.as_ref(), truth).unwrap();
    assert!(after > 0.5, "bayesian: {after}");
    // The frequency model learns from repetition: against a hardliner's one offer repeated,
    // it ranks that offer's values first.
    let mut f = ModelKind::Frequency.build(s.space()).unwrap();
    let best = s.parties()[1].preferences.ufun().best_outcome();
    for _ in 0..10 {
        f.observe(&best);
    }
    let a = model_accuracy(s.space(), f.as_ref(), truth).unwrap();
    assert!(a > 0.5, "frequency: {a}");
}

proptest::proptest! {
    #![proptest_config(crate::proptest_config(2000))]

    /// `waiting_never_loses` (which spares every strategy two `powf` a turn) never claims
    /// what the exact evaluation denies: whenever it holds, `waiting_only_loses` is false in
    /// the rounds drawn, including reservation values right at `best·d` and extreme discounts.
    #[test]
    fn waiting_never_loses_agrees_with_the_exact_evaluation(
        best in proptest::prop_oneof![0.0..=1.0f64, 0.0..=100.0f64, proptest::strategy::Just(100.0)],
        d in proptest::prop_oneof![1e-300..=1.0f64, 1e-6..=1.0f64, 0.9..=1.0f64],
        shift in proptest::prop_oneof![
            proptest::strategy::Just(0.0),
            -1e-15..=1e-15f64,
            -1e-9..=1e-9f64,
            -1.0..=1.0f64,
        ],
        n in proptest::prop_oneof![2u32..=20, 2u32..=crate::protocol::MAX_ROUNDS],
        at in 0.0..=1.0f64,
    ) {
        use super::strategies::{waiting_never_loses, waiting_only_loses};
        // Reservation values around `best·d`, on both sides of the shortcut's boundary.
        let r = best * d * (1.0 + shift);
        if !waiting_never_loses(best, r, d) {
            return Ok(());
        }
        let space = OutcomeSpace::new(vec![Issue::integer("i", 0, 1, 1).unwrap()]).unwrap();
        let u = UtilityFunction::from_terms(&space, vec![vec![0.0, 1.0]], false).unwrap();
        let prefs = Preferences::new(u, r, RedLines::none(1), d).unwrap();
        // Rounds spread over the deadline, the last ones included.
        let round = ((at * f64::from(n - 1)) as u32).min(n - 1);
        for k in [round, round.saturating_sub(1), n - 2, n - 1, 0] {
            proptest::prop_assert!(
                !waiting_only_loses(&prefs, best, k, n),
                "best {best}, r {r}, d {d}, round {k} of {n}"
            );
        }
    }
}

/// The shortcut applies where it should (an undiscounted party, a discounted party whose
/// reservation is below its discounted best) and not where waiting can lose.
#[test]
fn waiting_never_loses_cases() {
    use super::strategies::waiting_never_loses;
    assert!(waiting_never_loses(1.0, 0.99, 1.0));
    assert!(waiting_never_loses(1.0, 0.0, 0.5));
    assert!(waiting_never_loses(1.0, 0.5, 0.5));
    assert!(waiting_never_loses(1.0, 0.6, 0.87));
    assert!(!waiting_never_loses(1.0, 0.9, 0.87));
    assert!(!waiting_never_loses(-0.5, -1.0, 0.5));
    assert!(!waiting_never_loses(1000.0, 0.0, 0.5));
    assert!(!waiting_never_loses(f64::NAN, 0.0, 0.5));
}

proptest::proptest! {
    #![proptest_config(crate::proptest_config(4000))]

    /// The bounds a time-dependent tactic uses to skip `powf` hold the target it would compute,
    /// for every exponent they cover (Boulware e = 0.2, linear, conceder e = 2), at the round
    /// times of any deadline and at arbitrary times, and are narrow.
    #[test]
    fn time_target_bounds_hold_the_target(
        pmax in -2.0..=2.0f64,
        pmin in -2.0..=2.0f64,
        e in proptest::prop_oneof![
            proptest::strategy::Just(0.2),
            proptest::strategy::Just(1.0),
            proptest::strategy::Just(2.0),
        ],
        round in 0u32..100_000,
        rounds in 2u32..100_001,
        free in 0.0..=1.0f64,
    ) {
        for t in [f64::from(round % rounds) / f64::from(rounds - 1), free, 0.0, 1.0] {
            let (lo, hi) = time_target_bounds(pmax, pmin, e, t).expect("covered exponent");
            let p = time_target(pmax, pmin, e, t);
            proptest::prop_assert!(lo <= p && p <= hi, "{lo} <= {p} <= {hi} (e = {e}, t = {t})");
            proptest::prop_assert!(hi - lo <= 1e-11 * (pmax - pmin).abs() + 1e-300);
        }
    }
}

/// Other exponents give no bounds (their targets always take `powf`).
#[test]
fn time_target_bounds_cover_only_cheap_exponents() {
    assert!(time_target_bounds(1.0, 0.0, 0.3, 0.5).is_none());
    assert!(time_target_bounds(1.0, 0.0, 0.0, 0.5).is_none());
    assert!(time_target_bounds(1.0, 0.0, 0.2, 0.5).is_some());
}

/// A time-dependent tactic's bids are the same whether its bid space answers by utility (never
/// counted: brackets from the table, each negotiator's memo, targets settled without `powf`)
/// or by position (the same bid spaces counted first, as a tournament's are): whole
/// negotiations, trace and agreement, on random additive spaces with reservation values, at a
/// short and a long deadline.
#[test]
fn searches_by_utility_and_by_position_play_the_same_negotiations() {
    use crate::protocol::{Mechanism, Sao};
    use rand::RngExt;
    use std::sync::Arc;
    let pairs = [
        (Strategy::Boulware, Strategy::Conceder),
        (Strategy::Conceder, Strategy::Linear),
        (Strategy::Linear, Strategy::TimeDependent(0.5)),
    ];
    let mut by_utility_searched = 0;
    for seed in 0..10u64 {
        let mut r = crate::rng::rng(seed);
        let k = r.random_range(3..6usize);
        let sizes: Vec<u32> = (0..k).map(|_| r.random_range(2..7u32)).collect();
        let issues: Vec<Issue> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                Issue::discrete(format!("i{i}"), (0..n).map(|v| format!("v{v}")).collect())
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let space = OutcomeSpace::new(issues).unwrap();
        let mut party = |name: &str| {
            let weights: Vec<f64> = (0..k).map(|_| r.random_range(0.1..1.0)).collect();
            let values: Vec<Option<ValueFunction>> = sizes
                .iter()
                .map(|&n| {
                    Some(ValueFunction::Table(
                        (0..n).map(|_| r.random_range(0.0..1.0)).collect(),
                    ))
                })
                .collect();
            let u = UtilityFunction::weighted_sum(&space, name, &weights, &values).unwrap();
            let reservation = r.random_range(0.0..0.6);
            Party::new(
                name,
                Preferences::new(u, reservation, RedLines::none(k), 1.0).unwrap(),
            )
        };
        let parties = vec![party("a"), party("b")];
        let sc = Scenario::new("random", space.clone(), parties).unwrap();
        for (a, b) in &pairs {
            for rounds in [20, 300] {
                let play = |counted: bool| {
                    let strategies = [a, b];
                    let negotiators = build_negotiators(&sc, seed, |mut init| {
                        let bids = BidSpace::for_preferences(init.space, init.preferences);
                        if counted {
                            bids.count_positions_now();
                        }
                        init.bids = Some(Arc::new(bids));
                        strategies[init.me].build(init)
                    });
                    let mut sao = Sao::new(&sc, negotiators, rounds).unwrap();
                    sao.run(&mut |_: &Event| {})
                };
                let by_utility = play(false);
                assert_eq!(
                    by_utility,
                    play(true),
                    "seed {seed}, {a:?} vs {b:?}, {rounds} rounds"
                );
                by_utility_searched += by_utility.trace.len();
            }
        }
    }
    assert!(
        by_utility_searched > 1000,
        "too few offers to compare: {by_utility_searched}"
    );
}
