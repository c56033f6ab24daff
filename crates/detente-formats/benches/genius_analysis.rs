//! Load-and-analyse timings for GENIUS / GeniusWeb folders (a plain `harness = false` bench).
//!
//! `cargo bench -p detente-formats --bench genius_analysis -- [FOLDER…]` loads each folder of
//! `shared/scenarios/genius` (default: the four largest domains) and prints the load time, the
//! analysis time and the main counts. Run the built binary under `/usr/bin/time -v` with one
//! folder to see its peak memory; `DETENTE_MAX_NODES=N` raises the analysis node budget. Not a
//! statistics-grade benchmark: one run per folder.

use std::path::Path;
use std::time::Instant;

use detente_core::analysis::{AnalysisConfig, analyze};

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
        ["Travel", "Energy", "AMPOvsCity", "AgentHp2-energy_grid"]
            .map(String::from)
            .to_vec()
    } else {
        args
    };
    for folder in folders {
        let t0 = Instant::now();
        let loaded = match detente_formats::load(&shared.join(&folder)) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{folder}: {e}");
                continue;
            }
        };
        let load = t0.elapsed();
        let s = &loaded.scenario;
        let t1 = Instant::now();
        let mut config = AnalysisConfig::default();
        if let Some(n) = std::env::var("DETENTE_MAX_NODES")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            config.max_nodes = n;
        }
        let a = analyze(s.space(), &s.preferences(), &config);
        let took = t1.elapsed();
        let frontier = a
            .pareto
            .as_ref()
            .map_or_else(|e| e.to_string(), |f| f.len().to_string());
        let zopa = a
            .zopa
            .as_ref()
            .map_or_else(|e| e.to_string(), |z| z.to_string());
        println!(
            "{folder}: {} outcomes, {} parties: load {load:.2?}, analyze {took:.2?} (zopa {zopa}, frontier {frontier})",
            a.outcomes,
            s.parties().len()
        );
    }
}
