//! Runs the `frontier_nash/additive/10^k` cases of `benches/analysis.rs` once each, for
//! instruction counts that compare across commits and machines (criterion's timings on the
//! shared machine swing by a third).
//!
//! ```text
//! cargo build --release -p detente-core --example additive_counts
//! valgrind --tool=callgrind --toggle-collect='detente_core::analysis::analyze' \
//!     target/release/examples/additive_counts 6
//! ```
//!
//! Arguments: the exponents k to run (default 6 7 80), as the bench's 10^k outcomes (k issues of
//! 10 options). `analyze` runs inside a one-thread rayon pool, so its parallel parts run on the
//! thread that called it and `--toggle-collect` counts all of its work and nothing else
//! (building the scenario, printing). Prints a digest of each analysis (frontier size, Nash
//! point, and a hash of the whole `Debug` text) so that builds of different commits can be
//! checked to compute the same results. Figures: docs/performance.md, "Additive analysis
//! before and after the linked code".

use std::hint::black_box;

use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::analysis::{self, AnalysisConfig};

fn main() {
    let ks: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ks = if ks.is_empty() { vec![6, 7, 80] } else { ks };
    for k in ks {
        // The bench's scenario and configuration (`scenario` and `frontier_only` there).
        let s = synthetic::scenario(&SyntheticConfig {
            n_issues: k,
            ..Default::default()
        })
        .expect("a valid synthetic config");
        let prefs = s.preferences();
        let config = AnalysisConfig {
            acceptable_frontier: false,
            ..AnalysisConfig::default()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool");
        let a = pool.install(|| analysis::analyze(s.space(), black_box(&prefs), &config));
        let text = format!("{a:?}");
        // FNV-1a over the Debug text: equal digests, equal analyses (as far as Debug shows).
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let frontier = a.pareto_vectors.as_ref().map(|v| v.len());
        let nash = a
            .nash
            .as_ref()
            .ok()
            .and_then(|p| p.as_ref().map(|p| p.utilities.clone()));
        println!(
            "10^{k}: frontier {frontier:?}, nash {nash:?}, debug {} bytes, fnv {hash:016x}",
            text.len()
        );
    }
}
