use detente_core::analysis::{self, AnalysisConfig};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let what = std::env::args().nth(2).unwrap_or_default();
    let s = detente_formats::load(std::path::Path::new(&path))
        .unwrap()
        .scenario;
    let t = Instant::now();
    let config = AnalysisConfig {
        max_nodes: 100_000_000,
        full_frontier: what.contains('f'),
        acceptable_frontier: what.contains('a'),
    };
    let a = analysis::analyze(s.space(), &s.preferences(), &config);
    println!("{:?}", t.elapsed());
    println!("zopa {:?}", a.zopa.map(|c| c.to_string()));
    println!("nash {:?}", a.nash.map(|p| p.map(|p| p.utilities)));
    println!(
        "ks {:?}",
        a.kalai_smorodinsky.map(|p| p.map(|p| p.utilities))
    );
    println!("mw {:?}", a.max_welfare.map(|p| p.map(|p| p.utilities)));
    println!("pareto_acc {:?}", a.pareto_acceptable.map(|p| p.len()));
    println!("pareto {:?}", a.pareto.map(|p| p.len()));
}
