//! Times the exact analysis of a GENIUS domain folder (release build):
//! `cargo run --release -p detente-formats --example anac_exact -- DIR [MAX_NODES]`.

use detente_core::analysis::{self, AnalysisConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: anac_exact DIR [MAX_NODES]");
        std::process::exit(2);
    };
    let max_nodes = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000_000);
    let s = match detente_formats::detect::load(std::path::Path::new(dir)) {
        Ok(l) => l.scenario,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let t = std::time::Instant::now();
    let a = analysis::analyze(
        s.space(),
        &s.preferences(),
        &AnalysisConfig {
            max_nodes,
            ..AnalysisConfig::default()
        },
    );
    println!("{dir}: {:.2?}", t.elapsed());
    println!(
        "zone: {:?}",
        a.zopa.map(|z| z.to_string()).map_err(|e| e.to_string())
    );
    println!(
        "nash: {:?}",
        a.nash
            .map(|p| p.map(|p| p.utilities))
            .map_err(|e| e.to_string())
    );
    match a.pareto_vectors {
        Ok(v) => {
            for v in v {
                println!("{:.8}, {:.8}  x{}", v.utilities[0], v.utilities[1], v.count);
            }
        }
        Err(e) => println!("frontier: {e}"),
    }
}
