//! Utility evaluation and alternating offers on seeded synthetic scenarios (criterion).
//!
//! * `ufun_eval/<issues>`: one utility evaluation (a lookup per issue), 6 and 80 issues.
//! * `sao_round/<pair>`: a 1000-round stacked-alternating-offers negotiation between two
//!   negotiators built beforehand, reported per round (throughput = rounds played). The
//!   boulware pair has reservation values no outcome meets, so it runs to the deadline.
//! * `sao_negotiation/<pair>`: a whole negotiation including building the negotiators (each
//!   lists its acceptable outcomes, up to 200 000), 100 rounds, at 10⁴ and 10⁶ outcomes.
//!
//! Real GENIUS domains are benchmarked in `detente-formats` (`benches/negotiation.rs`), since
//! the core cannot depend on the crate that reads them.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::negotiator::{Negotiator, NegotiatorInit, Strategy};
use detente_core::protocol::{Mechanism, Sao, SaoConfig, run_sao};
use detente_core::{Outcome, Scenario};

fn scenario(n_issues: usize, reservation: f64) -> Scenario {
    synthetic::scenario(&SyntheticConfig {
        n_issues,
        reservation,
        ..Default::default()
    })
    .expect("a valid synthetic config")
}

fn ufun_eval(c: &mut Criterion) {
    let mut g = c.benchmark_group("ufun_eval");
    for k in [6usize, 80] {
        let s = scenario(k, 0.0);
        let ufun = s.parties()[0].preferences.ufun().clone();
        let outcomes: Vec<Outcome> = (0..1024u64)
            .map(|j| {
                Outcome::new(
                    (0..k)
                        .map(|i| ((j * 7 + i as u64 * 3) % 10) as u32)
                        .collect(),
                )
            })
            .collect();
        g.throughput(Throughput::Elements(outcomes.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, _| {
            b.iter(|| {
                outcomes
                    .iter()
                    .map(|o| ufun.eval(black_box(o)))
                    .sum::<f64>()
            })
        });
    }
    g.finish();
}

fn negotiators(s: &Scenario, strategies: &[Strategy]) -> Vec<Box<dyn Negotiator>> {
    strategies
        .iter()
        .enumerate()
        .map(|(i, st)| {
            st.build(NegotiatorInit {
                space: s.space(),
                preferences: &s.parties()[i].preferences,
                me: i,
                n_parties: strategies.len(),
                seed: i as u64,
                bids: None,
            })
        })
        .collect()
}

fn sao_round(c: &mut Criterion) {
    let mut g = c.benchmark_group("sao_round");
    g.sample_size(20);
    let rounds = 1000u32;
    for (label, strategies, reservation) in [
        (
            "boulware-boulware-no-agreement",
            [Strategy::Boulware, Strategy::Boulware],
            0.99,
        ),
        (
            "boulware-conceder",
            [Strategy::Boulware, Strategy::Conceder],
            0.3,
        ),
    ] {
        let s = scenario(4, reservation);
        // Rounds actually played (an agreement can end the negotiation early).
        let played = run_sao(&s, &strategies, &SaoConfig { rounds, seed: 0 })
            .map(|r| r.rounds)
            .unwrap_or(rounds);
        g.throughput(Throughput::Elements(u64::from(played)));
        g.bench_function(BenchmarkId::new(label, "10^4"), |b| {
            b.iter_batched(
                || negotiators(&s, &strategies),
                |ns| {
                    let mut sao = Sao::new(&s, ns, rounds).expect("two negotiators");
                    sao.run(&mut |_: &_| {})
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn sao_negotiation(c: &mut Criterion) {
    let mut g = c.benchmark_group("sao_negotiation");
    g.sample_size(10);
    for k in [4usize, 6] {
        let s = scenario(k, 0.3);
        let strategies = [Strategy::Boulware, Strategy::Conceder];
        g.bench_function(
            BenchmarkId::new("boulware-conceder-100", format!("10^{k}")),
            |b| {
                b.iter(|| {
                    run_sao(
                        &s,
                        &strategies,
                        &SaoConfig {
                            rounds: 100,
                            seed: 0,
                        },
                    )
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, ufun_eval, sao_round, sao_negotiation);
criterion_main!(benches);
