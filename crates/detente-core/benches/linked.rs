//! Exact analysis of linked (non-additive) scenarios, and the additive engine beside them
//! (criterion).
//!
//! * `nonlinear/30_issues`: the exact Pareto frontier, Nash and the other bargaining points of
//!   a seeded ANAC-2014-like domain: 30 integer issues of 10 values (10³⁰ outcomes), 30
//!   hyper-rectangles per party over 2–3 issues, utilities clipped at 1 (GENIUS's
//!   `min(1, Σ / maxutility)`). The cell engine (`analysis::rect`).
//! * `additive_unchanged/10^k`: the additive synthetic scenarios of `benches/analysis.rs`
//!   (frontier + Nash, k = 6 and 80). They never reach the linked code (`is_linked` is false),
//!   so these numbers must match `frontier_nash/additive/10^k` of that bench and
//!   docs/performance.md; a slowdown here would mean the linked work leaked into them. Alone
//!   this group times today's code only: the before/after comparison counts instructions of
//!   `examples/additive_counts.rs` under callgrind at the commit before the linked code and
//!   now, commit by commit (docs/performance.md, "Additive analysis before and after").

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};

use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::analysis::{self, AnalysisConfig};
use detente_core::links::{Condition, Link, ValueSet};
use detente_core::{Issue, OutcomeSpace, Preferences, RedLines, UtilityFunction};

/// A seeded ANAC-2014-like domain: `n` issues 0..=9, `rects` rectangles per party.
pub fn anac_like(n: usize, rects: usize, seed: u64) -> (OutcomeSpace, Vec<Preferences>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let issues = (0..n)
        .map(|i| Issue::integer(format!("i{i}"), 0, 9, 1).expect("valid issue"))
        .collect();
    let space = OutcomeSpace::new(issues).expect("valid space");
    let prefs = (0..2)
        .map(|_| {
            let mut raw: Vec<(Condition, f64)> = Vec::new();
            let mut total = 0.0;
            while raw.len() < rects {
                let k = rng.random_range(2..=3usize);
                let mut clauses: Vec<(usize, ValueSet)> = Vec::new();
                while clauses.len() < k {
                    let i = rng.random_range(0..n);
                    if clauses.iter().any(|c| c.0 == i) {
                        continue;
                    }
                    let a = rng.random_range(0..10u32);
                    let b = rng.random_range(a..10u32);
                    clauses.push((i, ValueSet::range(a, b)));
                }
                let u = f64::from(rng.random_range(1..100u32));
                total += u;
                raw.push((Condition::new(&space, clauses).expect("valid"), u));
            }
            // GENIUS's maxutility is below the sum: part of the space clips at 1.
            let max = 0.6 * total;
            let links = raw
                .into_iter()
                .map(|(c, u)| Link::new(c, u / max).expect("finite"))
                .collect();
            let terms = vec![vec![0.0; 10]; n];
            let u = UtilityFunction::from_terms(&space, terms, true)
                .expect("valid terms")
                .with_links(links)
                .expect("valid links");
            Preferences::new(u, 0.0, RedLines::none(n), 1.0).expect("valid preferences")
        })
        .collect();
    (space, prefs)
}

fn nonlinear(c: &mut Criterion) {
    let mut g = c.benchmark_group("nonlinear");
    g.sample_size(10);
    let (space, prefs) = anac_like(30, 30, 2014);
    let prefs: Vec<&Preferences> = prefs.iter().collect();
    let config = AnalysisConfig::default();
    let a = analysis::analyze(&space, &prefs, &config);
    assert!(a.pareto_vectors.is_ok() && a.nash.is_ok(), "exact: {a:?}");
    g.bench_function("30_issues", |b| {
        b.iter(|| analysis::analyze(&space, black_box(&prefs), &config))
    });
    g.finish();
}

fn additive_unchanged(c: &mut Criterion) {
    let mut g = c.benchmark_group("additive_unchanged");
    g.sample_size(10);
    let config = AnalysisConfig {
        acceptable_frontier: false,
        ..AnalysisConfig::default()
    };
    for k in [6usize, 80] {
        let s = synthetic::scenario(&SyntheticConfig {
            n_issues: k,
            ..Default::default()
        })
        .expect("a valid synthetic config");
        let prefs = s.preferences();
        assert!(prefs.iter().all(|p| !p.is_linked()));
        g.bench_with_input(
            BenchmarkId::new("additive", format!("10^{k}")),
            &k,
            |b, _| b.iter(|| analysis::analyze(s.space(), black_box(&prefs), &config)),
        );
    }
    g.finish();
}

criterion_group!(benches, nonlinear, additive_unchanged);
criterion_main!(benches);
