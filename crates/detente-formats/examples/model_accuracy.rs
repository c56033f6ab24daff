//! Opponent-model accuracy on real GENIUS domains (docs/strategies.md): for each domain and
//! each opponent strategy, the opponent's offers in a 100-round negotiation against a Boulware
//! negotiator are fed to each learned model, and the model is scored by the Pearson correlation
//! of its estimate with the opponent's true utility over the whole outcome space
//! (`negotiator::model_accuracy`). Run by hand:
//!
//! ```text
//! cargo run --release -p detente-formats --example model_accuracy -- ../shared/scenarios/genius/{CameraB,Grocery,...}
//! ```

use detente_core::negotiator::{ModelKind, Strategy, model_accuracy};
use detente_core::protocol::{Event, SaoConfig, run_sao};

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let opponents = ["boulware", "linear", "conceder", "micro", "naive-tft"];
    let kinds = [ModelKind::Frequency, ModelKind::Bayesian];
    let mut sums = vec![(0.0, 0usize); kinds.len()];
    println!("| domain | opponent | offers | frequency | bayesian |");
    println!("|---|---|---|---|---|");
    for dir in &dirs {
        let s = match detente_formats::load(std::path::Path::new(dir)) {
            Ok(l) => l.scenario,
            Err(e) => {
                eprintln!("{dir}: {e}");
                std::process::exit(1);
            }
        };
        for name in opponents {
            let opp: Strategy = name.parse().unwrap();
            let r = run_sao(
                &s,
                &[Strategy::Boulware, opp],
                &SaoConfig {
                    rounds: 100,
                    seed: 0,
                },
            )
            .unwrap();
            let offers: Vec<_> = r
                .trace
                .iter()
                .filter_map(|e| match e {
                    Event::Offer {
                        party: 1, outcome, ..
                    } => Some(outcome.clone()),
                    _ => None,
                })
                .collect();
            let truth = s.parties()[1].preferences.ufun();
            let mut cells = Vec::new();
            for (k, kind) in kinds.iter().enumerate() {
                let mut m = kind.build(s.space()).unwrap();
                for o in &offers {
                    m.observe(o);
                }
                match model_accuracy(s.space(), m.as_ref(), truth) {
                    Some(a) => {
                        sums[k].0 += a;
                        sums[k].1 += 1;
                        cells.push(format!("{a:.3}"));
                    }
                    None => cells.push("—".into()),
                }
            }
            let domain = std::path::Path::new(dir)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            println!(
                "| {domain} | {name} | {} | {} | {} |",
                offers.len(),
                cells[0],
                cells[1]
            );
        }
    }
    let mean = |(s, n): (f64, usize)| if n > 0 { s / n as f64 } else { f64::NAN };
    println!("| mean | | | {:.3} | {:.3} |", mean(sums[0]), mean(sums[1]));
}
