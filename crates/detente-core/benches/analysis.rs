//! Exact analysis on seeded synthetic 2-party additive scenarios (criterion).
//!
//! * `frontier_nash/additive/10^k`: Pareto frontier + Nash point (and the other bargaining
//!   points, which come with them) by the additive engine, k = 4 … 7 and 80.
//! * `frontier_nash/search/10^k`: the same by the depth-first search, k = 4 … 6 (the baseline
//!   the additive engine replaced; 10⁷ takes seconds per run).
//! * `statistics/10^6`: everything `detente analyze` computes (zopa count, ideal point, Nash,
//!   Kalai–Smorodinsky, max welfare, both frontiers) at 10⁶ outcomes, by each engine.
//!
//! Sample sizes are small for the big cases; the point is the order of magnitude. For counts
//! that compare across the shared machines, run a single case under
//! `valgrind --tool=callgrind`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use detente_core::Scenario;
use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::analysis::{self, AnalysisConfig};

fn scenario(n_issues: usize) -> Scenario {
    synthetic::scenario(&SyntheticConfig {
        n_issues,
        ..Default::default()
    })
    .expect("a valid synthetic config")
}

/// Frontier of the whole space and the bargaining points, not the frontier of the
/// acceptable outcomes as a list.
fn frontier_only() -> AnalysisConfig {
    AnalysisConfig {
        acceptable_frontier: false,
        ..AnalysisConfig::default()
    }
}

fn frontier_nash(c: &mut Criterion) {
    let mut g = c.benchmark_group("frontier_nash");
    g.sample_size(10);
    for k in [4usize, 5, 6, 7, 80] {
        let s = scenario(k);
        let prefs = s.preferences();
        g.bench_with_input(
            BenchmarkId::new("additive", format!("10^{k}")),
            &k,
            |b, _| b.iter(|| analysis::analyze(s.space(), black_box(&prefs), &frontier_only())),
        );
        if k <= 6 {
            g.bench_with_input(BenchmarkId::new("search", format!("10^{k}")), &k, |b, _| {
                b.iter(|| {
                    analysis::analyze_by_search(s.space(), black_box(&prefs), &frontier_only())
                })
            });
        }
    }
    g.finish();
}

fn statistics(c: &mut Criterion) {
    let mut g = c.benchmark_group("statistics");
    g.sample_size(10);
    let s = scenario(6);
    let prefs = s.preferences();
    let config = AnalysisConfig::default();
    g.bench_function("additive/10^6", |b| {
        b.iter(|| analysis::analyze(s.space(), black_box(&prefs), &config))
    });
    g.bench_function("search/10^6", |b| {
        b.iter(|| analysis::analyze_by_search(s.space(), black_box(&prefs), &config))
    });
    g.finish();
}

criterion_group!(benches, frontier_nash, statistics);
criterion_main!(benches);
