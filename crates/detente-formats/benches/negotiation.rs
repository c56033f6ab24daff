//! Negotiations on real GENIUS domains (criterion): CameraB (3 600 outcomes) and SmartPhone
//! (12 000), from `shared/scenarios/genius`.
//!
//! * `load/<domain>`: reading the GENIUS folder.
//! * `negotiation/<domain>/boulware-conceder-<rounds>`: a whole negotiation including building
//!   the negotiators (each lists and sorts its acceptable outcomes), 100 and 1000 rounds.
//! * `round/<domain>/boulware-boulware-no-agreement`: 1000 rounds between negotiators built
//!   beforehand, with both reservation values at 0.99 so no outcome is acceptable to both and
//!   the negotiation runs to its deadline; throughput is rounds.
//!
//! These are the detente halves of workload (a) of `bench/vs-negmas`. When the shared scenarios
//! are missing, the benchmarks are skipped with a message.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use detente_core::negotiator::{Negotiator, NegotiatorInit, Strategy};
use detente_core::protocol::{Mechanism, Sao, SaoConfig, run_sao};
use detente_core::{Party, Preferences, Scenario};

const DOMAINS: [&str; 2] = ["CameraB", "SmartPhone"];

fn folder(domain: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/scenarios/genius")
        .join(domain)
}

fn load(domain: &str) -> Option<Scenario> {
    match detente_formats::load(&folder(domain)) {
        Ok(l) => Some(l.scenario),
        Err(e) => {
            eprintln!("skipping {domain}: {e}");
            None
        }
    }
}

/// The same scenario with every reservation value set to `r`.
fn with_reservation(s: &Scenario, r: f64) -> Scenario {
    let parties = s
        .parties()
        .iter()
        .map(|p| {
            let q = &p.preferences;
            let prefs = Preferences::new(q.ufun().clone(), r, q.red_lines().clone(), 1.0)
                .expect("a finite reservation value");
            Party::new(p.name.clone(), prefs)
        })
        .collect();
    Scenario::new(s.name.clone(), s.space().clone(), parties).expect("the same parties")
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

fn benches(c: &mut Criterion) {
    for domain in DOMAINS {
        let Some(s) = load(domain) else { continue };
        c.bench_function(&format!("load/{domain}"), |b| {
            b.iter(|| detente_formats::load(black_box(&folder(domain))))
        });
        let mut g = c.benchmark_group(format!("negotiation/{domain}"));
        g.sample_size(30);
        let strategies = [Strategy::Boulware, Strategy::Conceder];
        for rounds in [100u32, 1000] {
            g.bench_function(BenchmarkId::new("boulware-conceder", rounds), |b| {
                b.iter(|| run_sao(&s, &strategies, &SaoConfig { rounds, seed: 0 }))
            });
        }
        g.finish();
        let hard = with_reservation(&s, 0.99);
        let strategies = [Strategy::Boulware, Strategy::Boulware];
        let rounds = 1000u32;
        let mut g = c.benchmark_group(format!("round/{domain}"));
        g.sample_size(30);
        g.throughput(Throughput::Elements(u64::from(rounds)));
        g.bench_function("boulware-boulware-no-agreement", |b| {
            b.iter_batched(
                || negotiators(&hard, &strategies),
                |ns| {
                    let mut sao = Sao::new(&hard, ns, rounds).expect("two negotiators");
                    sao.run(&mut |_: &_| {})
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

criterion_group!(negotiation, benches);
criterion_main!(negotiation);
