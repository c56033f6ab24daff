//! Builds a seeded synthetic 2-party additive scenario and analyses it exactly.
//!
//! ```text
//! cargo run --release -p detente-core --example synthetic -- [ISSUES] [OPTIONS] [SEED] [PARTIES] [--search] [--max-nodes=N]
//! ```
//!
//! Defaults: 80 issues × 10 options (10⁸⁰ outcomes), seed 0, 2 parties. Prints the outcome
//! count, the frontier size, the Nash point, the zopa count (or why it is not exact) and the
//! analysis time. `--search` uses the depth-first search only (the engine the additive one is
//! checked against), for comparison on small spaces; `--max-nodes=N` sets the node budget per
//! quantity (default 100 000 000). Run it under `/usr/bin/time -v` for the peak memory.

use std::time::Instant;

use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::analysis::{self, AnalysisConfig};

fn main() -> Result<(), detente_core::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let search = args.iter().any(|a| a == "--search");
    let nums: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let mut analysis_config = AnalysisConfig::default();
    if let Some(n) = args
        .iter()
        .find_map(|a| a.strip_prefix("--max-nodes=")?.parse().ok())
    {
        analysis_config.max_nodes = n;
    }
    let config = SyntheticConfig {
        n_issues: nums.first().map_or(80, |&n| n as usize),
        n_options: nums.get(1).map_or(10, |&n| n as u32),
        seed: nums.get(2).copied().unwrap_or(0),
        n_parties: nums.get(3).map_or(2, |&n| n as usize),
        ..Default::default()
    };
    let t0 = Instant::now();
    let s = synthetic::scenario(&config)?;
    let built = t0.elapsed();
    let t1 = Instant::now();
    let a = if search {
        analysis::analyze_by_search(s.space(), &s.preferences(), &analysis_config)
    } else {
        analysis::analyze(s.space(), &s.preferences(), &analysis_config)
    };
    let took = t1.elapsed();
    println!(
        "scenario   {} ({} outcomes), built in {built:.2?}",
        s.name, a.outcomes
    );
    match &a.pareto_vectors {
        Ok(v) => println!(
            "frontier   {} distinct vectors, {} acceptable",
            v.len(),
            v.iter().filter(|x| x.acceptable).count()
        ),
        Err(e) => println!("frontier   not exact: {e}"),
    }
    match &a.nash {
        Ok(Some(p)) => println!("nash       {:?}", p.utilities),
        Ok(None) => println!("nash       none: nothing acceptable"),
        Err(e) => println!("nash       not exact: {e}"),
    }
    match &a.kalai_smorodinsky {
        Ok(Some(p)) => println!("kalai      {:?}", p.utilities),
        Ok(None) => println!("kalai      none"),
        Err(e) => println!("kalai      not exact: {e}"),
    }
    match &a.zopa {
        Ok(c) => println!("zopa       {c}"),
        Err(e) => println!("zopa       not exact: {e}"),
    }
    println!("analysis   {took:.2?}");
    Ok(())
}
