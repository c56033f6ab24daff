//! Tournament throughput on the NegMAS anchor: 288 negotiations.
//!
//! Strategies boulware, conceder, tit-for-tat and micro; the GENIUS scenarios CameraB, Grocery
//! and EnglandZimbabwe from `../shared/scenarios/genius`; self-play; both role rotations; 3
//! repetitions; 100 rounds: 4² × 2 × 3 × 3 = 288 negotiations (NegMAS: 7.25 s on this machine,
//! about 40 negotiations/s). Criterion reports negotiations per second (elements/s) on one
//! thread and on all threads; `plan` times `Tournament::new` (the per-scenario Pareto and Nash
//! analysis), which a run pays once.
//!
//! `cargo bench -p detente-tournament --bench tournament`. For peak memory, run the built
//! bench binary under `/usr/bin/time -v` with `--bench threads_all`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use detente_core::negotiator::Strategy;
use detente_tournament::{Player, Record, RunOptions, ScenarioEntry, Tournament, TournamentConfig};

const SCENARIOS: [&str; 3] = ["CameraB", "Grocery", "EnglandZimbabwe"];
const STRATEGIES: [Strategy; 4] = [
    Strategy::Boulware,
    Strategy::Conceder,
    Strategy::TitForTat,
    Strategy::Micro,
];

fn entries() -> Option<Vec<ScenarioEntry>> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scenarios/genius");
    let mut out = Vec::new();
    for name in SCENARIOS {
        match detente_formats::load(&shared.join(name)) {
            Ok(l) => out.push(ScenarioEntry {
                name: name.to_string(),
                source: Some(shared.join(name).display().to_string()),
                scenario: l.scenario,
            }),
            Err(e) => {
                eprintln!("!!! cannot load {name} ({e}); skipping the tournament benchmark");
                return None;
            }
        }
    }
    Some(out)
}

fn plan(entries: &[ScenarioEntry]) -> Tournament {
    Tournament::new(
        entries.to_vec(),
        STRATEGIES.iter().cloned().map(Player::builtin).collect(),
        TournamentConfig {
            rounds: 100,
            reps: 3,
            ..TournamentConfig::default()
        },
    )
    .expect("the anchor tournament plans")
}

fn run(t: &Tournament, threads: usize) -> u64 {
    let mut n = 0;
    let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        n += u64::from(r.metrics.is_ok());
        Ok(())
    };
    t.run(
        &RunOptions {
            threads: Some(threads),
            ..RunOptions::default()
        },
        &mut sink,
    )
    .expect("the anchor tournament runs");
    n
}

fn bench(c: &mut Criterion) {
    let Some(entries) = entries() else {
        return;
    };
    let t = plan(&entries);
    assert_eq!(t.n_negotiations(), 288);
    let all = rayon::current_num_threads();
    let mut g = c.benchmark_group("anchor_288");
    g.sample_size(10);
    g.throughput(Throughput::Elements(288));
    g.bench_function("threads_1", |b| b.iter(|| run(&t, 1)));
    g.bench_function(format!("threads_all_{all}"), |b| b.iter(|| run(&t, all)));
    g.finish();
    let mut g = c.benchmark_group("anchor_setup");
    g.sample_size(10);
    g.bench_function("plan", |b| b.iter(|| plan(&entries).n_negotiations()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
