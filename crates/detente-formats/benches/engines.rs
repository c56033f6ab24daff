//! The two analysis engines side by side on real GENIUS / GeniusWeb domains (a plain
//! `harness = false` bench, one run per domain).
//!
//! `cargo bench -p detente-formats --bench engines -- [FOLDER…]` loads each folder of
//! `shared/scenarios/genius` (default: all of them), analyses it with `analysis::analyze` (the
//! additive engine where it applies) and with `analysis::analyze_by_search` (depth-first search
//! only), prints both times and checks that the results are identical: counts, frontier
//! outcomes and vectors, bargaining points. A mismatch is printed as `MISMATCH` and makes the
//! program exit with status 1. Not a statistics-grade benchmark.

use std::path::Path;
use std::time::{Duration, Instant};

use detente_core::analysis::{self, Analysis, AnalysisConfig};

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scenarios/genius");
    if !shared.is_dir() {
        eprintln!("!!! {} not found; nothing to measure", shared.display());
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let folders: Vec<String> = if args.is_empty() {
        let mut v: Vec<String> = std::fs::read_dir(&shared)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    } else {
        args
    };
    let mut mismatches = 0;
    println!(
        "{:<28} {:>8} {:>22} {:>12} {:>12} {:>8}",
        "domain", "parties", "outcomes", "additive", "search", "ratio"
    );
    for folder in folders {
        let loaded = match detente_formats::load(&shared.join(&folder)) {
            Ok(l) => l,
            Err(e) => {
                println!("{folder:<28} not loaded: {e}");
                continue;
            }
        };
        let s = &loaded.scenario;
        let config = AnalysisConfig::default();
        let (fast, t_fast) = timed(|| analysis::analyze(s.space(), &s.preferences(), &config));
        let (slow, t_slow) =
            timed(|| analysis::analyze_by_search(s.space(), &s.preferences(), &config));
        let verdict = match difference(&fast, &slow) {
            None => String::new(),
            Some(d) => {
                mismatches += 1;
                format!("  MISMATCH: {d}")
            }
        };
        println!(
            "{folder:<28} {:>8} {:>22} {:>12.2?} {:>12.2?} {:>7.1}×{verdict}",
            s.parties().len(),
            fast.outcomes.to_string(),
            t_fast,
            t_slow,
            t_slow.as_secs_f64() / t_fast.as_secs_f64().max(1e-9),
        );
    }
    if mismatches > 0 {
        std::process::exit(1);
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let x = f();
    (x, t.elapsed())
}

/// What differs between two analyses, if anything (a quantity one engine could not finish
/// within the budget is not a difference).
fn difference(a: &Analysis, b: &Analysis) -> Option<String> {
    if let (Ok(x), Ok(y)) = (&a.zopa, &b.zopa)
        && x != y
    {
        return Some(format!("zopa {x} vs {y}"));
    }
    for (what, x, y) in [
        ("pareto", &a.pareto, &b.pareto),
        (
            "pareto_acceptable",
            &a.pareto_acceptable,
            &b.pareto_acceptable,
        ),
    ] {
        if let (Ok(x), Ok(y)) = (x, y) {
            let mut ox: Vec<_> = x.iter().map(|p| p.outcome.clone()).collect();
            let mut oy: Vec<_> = y.iter().map(|p| p.outcome.clone()).collect();
            ox.sort();
            oy.sort();
            if ox != oy {
                return Some(format!("{what}: {} vs {} outcomes", ox.len(), oy.len()));
            }
        }
    }
    for (what, x, y) in [
        ("nash", &a.nash, &b.nash),
        (
            "kalai_smorodinsky",
            &a.kalai_smorodinsky,
            &b.kalai_smorodinsky,
        ),
        ("max_welfare", &a.max_welfare, &b.max_welfare),
    ] {
        if let (Ok(x), Ok(y)) = (x, y)
            && x.as_ref().map(|p| &p.outcome) != y.as_ref().map(|p| &p.outcome)
        {
            return Some(format!("{what} differs"));
        }
    }
    None
}
