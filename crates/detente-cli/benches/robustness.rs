//! Exact draws of the flagship: `detente sensitivity`'s inner loop.
//!
//! The flagship (four parties, 20 issues, 3.5·10¹² outcomes) gets every party's default spreads
//! (`uncertainty = { values = 0.1, weights = 0.2, reservation = 0.03 }`), and 1,000 seeded draws
//! are each decided exactly (zone or not), with the robust-package pool and its second pass;
//! the tornado is measured separately. Goal (issue 10): at least 10,000 draws per minute on a
//! 2-core machine.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

use detente_core::analysis::robustness::{SensitivityConfig, sensitivity};

fn flagship_with_spreads() -> detente_core::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ukraine-2025.toml");
    let text = std::fs::read_to_string(&path).expect("the flagship scenario");
    let spreads = "uncertainty = { values = 0.1, weights = 0.2, reservation = 0.03 }";
    let mut out = String::new();
    let mut in_party = false;
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[[parties]]" {
            in_party = true;
        } else if in_party && line.starts_with("name = ") {
            out.push_str(spreads);
            out.push('\n');
            in_party = false;
        }
    }
    detente_formats::native::read_str(&out, None).expect("the flagship with spreads")
}

fn draws(c: &mut Criterion) {
    let s = flagship_with_spreads();
    assert!(s.uncertainty.as_ref().is_some_and(|u| u.has_ranges()));
    let mut g = c.benchmark_group("robustness");
    g.sample_size(10);
    g.bench_function("flagship_1000_exact_draws", |b| {
        b.iter(|| {
            let config = SensitivityConfig {
                samples: 1000,
                seed: 1,
                decisive: false,
                ..SensitivityConfig::default()
            };
            sensitivity(&s, &config, &()).expect("sensitivity")
        })
    });
    g.bench_function("flagship_tornado_428_estimates", |b| {
        b.iter(|| {
            let config = SensitivityConfig {
                samples: 1,
                seed: 1,
                ..SensitivityConfig::default()
            };
            sensitivity(&s, &config, &()).expect("sensitivity")
        })
    });
    g.finish();
}

criterion_group!(benches, draws);
criterion_main!(benches);
