//! The mediation bench: agreement rate, consultations and questions of every mediator and of
//! stacked alternating offers over seeded thin-zone scenarios (docs/mediation.md).
//!
//! `cargo run --release -p detente-core --example mediation_bench -- [COUNT] [SEED] [ROUNDS]`
//! (defaults 200, 2026, 100). Party strategies are drawn per scenario and party from boulware,
//! linear and conceder; the same draw is used by every protocol. An agreement counts only if
//! every party prefers it to walking away.

use detente_core::analysis::thin_zone::{self, acceptable_to_all};
use detente_core::negotiator::Strategy;
use detente_core::protocol::{
    Confided, Consultation, MediatorStrategy, SaoConfig, SingleText, SingleTextConfig, run_sao,
};
use detente_core::rng::{derive_seed, rng};
use detente_core::{Error, Outcome};
use rand::RngExt;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize, d: u64| args.get(k).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (count, seed, rounds) = (arg(0, 200), arg(1, 2026), arg(2, 100) as u32);
    let set = thin_zone::standard_set(seed, count)?;
    let zones: Vec<u64> = set.iter().map(|t| t.zone).collect();
    println!(
        "{count} thin-zone scenarios (seed {seed}), {rounds} rounds/consultations; zone sizes: \
         median {}, max {}, under 20: {}",
        median(&zones),
        zones.iter().max().unwrap_or(&0),
        zones.iter().filter(|&&z| z < 20).count()
    );
    let pool = [Strategy::Boulware, Strategy::Linear, Strategy::Conceder];
    let strategies: Vec<Vec<Strategy>> = set
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let mut r = rng(derive_seed(seed, &[k as u64, 0x5354]));
            (0..t.scenario.parties().len())
                .map(|_| pool[r.random_range(0..pool.len())].clone())
                .collect()
        })
        .collect();
    println!("| protocol | mediator | agreements | rate | mean consultations | mean questions |");
    println!("|---|---|---|---|---|---|");
    // Stacked alternating offers.
    let mut agreed = 0;
    let mut used = 0u64;
    for (k, t) in set.iter().enumerate() {
        let r = run_sao(
            &t.scenario,
            &strategies[k],
            &SaoConfig {
                rounds,
                seed: derive_seed(seed, &[k as u64]),
            },
        )?;
        used += u64::from(r.rounds);
        if r.agreement
            .as_ref()
            .is_some_and(|o| acceptable_to_all(&t.scenario, o))
        {
            agreed += 1;
        }
    }
    row("stacked alternating offers", "—", agreed, count, used, 0);
    for m in [
        MediatorStrategy::HillClimbing,
        MediatorStrategy::Veto,
        MediatorStrategy::Feedback,
        MediatorStrategy::Blind,
        MediatorStrategy::TrustedNash,
    ] {
        let (mut agreed, mut used, mut asked) = (0, 0u64, 0u64);
        for (k, t) in set.iter().enumerate() {
            let s = &t.scenario;
            let config = SingleTextConfig {
                rounds,
                seed: derive_seed(seed, &[k as u64]),
                mediator: m,
                start: Outcome::new(vec![0; s.space().issues().len()]),
                schedule: Consultation::everyone(s.parties().len()),
            };
            let mut st = if m.trusted_solution().is_some() {
                SingleText::with_confided(s, &strategies[k], config, Confided::all(s))?
            } else {
                SingleText::new(s, &strategies[k], config)?
            };
            let r = st.run(&mut |_: &detente_core::protocol::Event| {});
            used += u64::from(r.negotiation.rounds);
            asked += u64::from(r.questions);
            if r.negotiation
                .agreement
                .as_ref()
                .is_some_and(|o| acceptable_to_all(s, o))
            {
                agreed += 1;
            }
        }
        row(
            "single text (consult all)",
            m.as_str(),
            agreed,
            count,
            used,
            asked,
        );
    }
    Ok(())
}

fn row(protocol: &str, mediator: &str, agreed: u64, count: u64, used: u64, asked: u64) {
    let n = count.max(1) as f64;
    println!(
        "| {protocol} | {mediator} | {agreed}/{count} | {:.1}% | {:.1} | {:.1} |",
        100.0 * agreed as f64 / n,
        used as f64 / n,
        asked as f64 / n
    );
}

fn median(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}
