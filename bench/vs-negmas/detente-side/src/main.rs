//! The detente side of `bench/vs-negmas/run.sh`: writes the shared scenario folders and runs
//! each workload in-process, printing one JSON object per run (times in seconds).
//!
//! ```text
//! detente-vs-negmas write-synthetic ISSUES OPTIONS SEED RESERVATION OUT_DIR
//! detente-vs-negmas write-reservation SRC_DIR RESERVATION OUT_DIR
//! detente-vs-negmas write-undiscounted SRC_DIR OUT_DIR
//! detente-vs-negmas behaviour ROUNDS REPS STRATEGY[,STRATEGY...][/POOL[,POOL...]] DIR [DIR...]
//! detente-vs-negmas tournament ROUNDS REPS STRATEGY[,STRATEGY...] DIR [DIR...]
//! detente-vs-negmas parties DIR
//! detente-vs-negmas negotiate DIR STRATEGY_A STRATEGY_B ROUNDS
//! detente-vs-negmas pareto DIR
//! detente-vs-negmas stats DIR
//! ```
//!
//! Analysis runs on one thread (rayon's global pool is set to 1), like NegMAS.

use std::path::Path;
use std::time::Instant;

use detente_core::analysis::synthetic::{self, SyntheticConfig};
use detente_core::analysis::{self, AnalysisConfig, Point};
use detente_core::negotiator::{NegotiatorInit, Strategy};
use detente_core::protocol::{Mechanism, Sao};
use detente_core::{Party, Preferences, Scenario};
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        eprintln!("detente-vs-negmas: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize| -> Result<&str> {
        args.get(k)
            .map(String::as_str)
            .ok_or_else(|| format!("missing argument {k}; see the source for usage").into())
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()?;
    match arg(0)? {
        "write-synthetic" => {
            let s = synthetic::scenario(&SyntheticConfig {
                n_issues: arg(1)?.parse()?,
                n_options: arg(2)?.parse()?,
                seed: arg(3)?.parse()?,
                reservation: arg(4)?.parse()?,
                n_parties: 2,
            })?;
            write(&s, Path::new(arg(5)?))
        }
        "write-reservation" => {
            let s = load(Path::new(arg(1)?))?;
            let r: f64 = arg(2)?.parse()?;
            let parties: Vec<Party> = s
                .parties()
                .iter()
                .map(|p| {
                    let q = &p.preferences;
                    let prefs = Preferences::new(q.ufun().clone(), r, q.red_lines().clone(), 1.0)?;
                    Ok(Party::new(p.name.clone(), prefs))
                })
                .collect::<Result<_>>()?;
            let out = Scenario::new(s.name.clone(), s.space().clone(), parties)?;
            write(&out, Path::new(arg(3)?))
        }
        "write-undiscounted" => {
            // The same preferences (GENIUS semantics) with no discount, reservation kept: the
            // behaviour workload compares strategies, not discounting.
            let s = load(Path::new(arg(1)?))?;
            let parties: Vec<Party> = s
                .parties()
                .iter()
                .map(|p| {
                    let q = &p.preferences;
                    let prefs = Preferences::new(
                        q.ufun().clone(),
                        q.reservation(),
                        q.red_lines().clone(),
                        1.0,
                    )?;
                    Ok(Party::new(p.name.clone(), prefs))
                })
                .collect::<Result<_>>()?;
            let out = Scenario::new(s.name.clone(), s.space().clone(), parties)?;
            write(&out, Path::new(arg(2)?))
        }
        "behaviour" => behaviour(arg(1)?.parse()?, arg(2)?.parse()?, arg(3)?, &args[4..]),
        "tournament" => tournament(arg(1)?.parse()?, arg(2)?.parse()?, arg(3)?, &args[4..]),
        "parties" => {
            for p in load(Path::new(arg(1)?))?.parties() {
                println!("{}", p.name);
            }
            Ok(())
        }
        "negotiate" => negotiate(
            Path::new(arg(1)?),
            &[arg(2)?.parse()?, arg(3)?.parse()?],
            arg(4)?.parse()?,
        ),
        "pareto" => analyse(Path::new(arg(1)?), false),
        "stats" => analyse(Path::new(arg(1)?), true),
        other => Err(format!("unknown command '{other}'").into()),
    }
}

fn load(dir: &Path) -> Result<Scenario> {
    Ok(detente_formats::load(dir)?.scenario)
}

fn write(s: &Scenario, dir: &Path) -> Result<()> {
    let written = detente_formats::genius::write(s, dir)?;
    for w in &written.warnings {
        eprintln!("detente-vs-negmas: {w}");
    }
    println!("{}", dir.display());
    Ok(())
}

/// One negotiation: load, build the negotiators (set-up), run (rounds).
fn negotiate(dir: &Path, strategies: &[Strategy], rounds: u32) -> Result<()> {
    let t0 = Instant::now();
    let s = load(dir)?;
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let negotiators = strategies
        .iter()
        .enumerate()
        .map(|(i, st)| {
            st.build(NegotiatorInit {
                space: s.space(),
                preferences: &s.parties()[i].preferences,
                me: i,
                n_parties: strategies.len(),
                seed: i as u64,
                bids: None,
            })
        })
        .collect();
    let mut sao = Sao::new(&s, negotiators, rounds)?;
    let setup_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let r = sao.run(&mut |_: &_| {});
    let run_s = t2.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "tool": "detente",
            "load_s": load_s,
            "setup_s": setup_s,
            "run_s": run_s,
            "negotiation_s": setup_s + run_s,
            "rounds": r.rounds,
            "per_round_s": run_s / f64::from(r.rounds.max(1)),
            "agreement": r.agreement.is_some(),
            "utilities": r.utilities,
            "peak_rss_kb": peak_rss_kb(),
        })
    );
    Ok(())
}

/// The behaviour workload (see negmas_behaviour.py, which plays the same assignments): every
/// ordered pair of strategies on every folder, both role rotations, `reps` times; one JSON
/// line per negotiation. With `FOCUS/POOL`, only the ordered pairs of the joined list in which
/// at least one seat plays a strategy of FOCUS.
fn behaviour(rounds: u32, reps: u32, spec: &str, dirs: &[String]) -> Result<()> {
    let (focus, pool) = spec.split_once('/').unwrap_or((spec, ""));
    let focus: Vec<&str> = focus.split(',').collect();
    let mut names = focus.clone();
    for p in pool.split(',').filter(|p| !p.is_empty()) {
        if !names.contains(&p) {
            names.push(p);
        }
    }
    let strategies: Vec<(String, Strategy)> = names
        .iter()
        .map(|n| Ok((n.to_string(), n.parse::<Strategy>()?)))
        .collect::<Result<_>>()?;
    let in_focus = |n: &str| focus.contains(&n);
    for (di, dir) in dirs.iter().enumerate() {
        let s = load(Path::new(dir))?;
        if s.parties().len() != 2 {
            return Err(format!("{dir}: the workload is bilateral").into());
        }
        let domain = Path::new(dir.trim_end_matches('/'))
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (ai, (a, sa)) in strategies.iter().enumerate() {
            for (bi, (b, sb)) in strategies.iter().enumerate() {
                if !in_focus(a) && !in_focus(b) {
                    continue;
                }
                for rot in 0..2usize {
                    for rep in 0..reps {
                        let profiles = [rot % 2, (1 + rot) % 2];
                        // Seat j plays profile profiles[j]: reorder the parties so that the
                        // party in seat j is party j of the negotiated scenario.
                        let parties: Vec<Party> =
                            profiles.iter().map(|&p| s.parties()[p].clone()).collect();
                        let seated = Scenario::new(s.name.clone(), s.space().clone(), parties)?;
                        let seed = detente_core::rng::derive_seed(
                            0,
                            &[di as u64, ai as u64, bi as u64, rot as u64, u64::from(rep)],
                        );
                        let r = detente_core::protocol::run_sao(
                            &seated,
                            &[sa.clone(), sb.clone()],
                            &detente_core::protocol::SaoConfig { rounds, seed },
                        )?;
                        println!(
                            "{}",
                            json!({
                                "tool": "detente",
                                "domain": domain,
                                "seats": [a, b],
                                "profiles": profiles,
                                "rep": rep,
                                "agreement": r.agreement.is_some(),
                                "utilities": r.utilities,
                                "rounds": r.rounds,
                            })
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The tournament workload (see `negmas_side.py tournament`, which plays the same
/// negotiations): every ordered pair of the strategies on every folder, both role rotations,
/// `reps` times, on one thread. Timed: planning (`Tournament::new`: bid spaces, Pareto frontier
/// and Nash point per scenario) and running (every negotiation and its metrics); loading the
/// folders is not. Prints one JSON object with a checksum of the records, so that runs of
/// different builds can be compared for identical results.
fn tournament(rounds: u32, reps: u32, names: &str, dirs: &[String]) -> Result<()> {
    use detente_tournament::{
        Player, Record, RunOptions, ScenarioEntry, Tournament, TournamentConfig,
    };
    let players: Vec<Player> = names
        .split(',')
        .map(|n| Ok(Player::builtin(n.parse::<Strategy>()?)))
        .collect::<Result<_>>()?;
    let t0 = Instant::now();
    let entries: Vec<ScenarioEntry> = dirs
        .iter()
        .map(|d| Ok(ScenarioEntry::new(load(Path::new(d))?)))
        .collect::<Result<_>>()?;
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let t = Tournament::new(
        entries,
        players,
        TournamentConfig {
            rounds,
            reps,
            ..TournamentConfig::default()
        },
    )?;
    let plan_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let mut records: Vec<Record> = Vec::new();
    let mut sink =
        |r: Record| -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
            records.push(r);
            Ok(())
        };
    t.run(
        &RunOptions {
            threads: Some(1),
            ..RunOptions::default()
        },
        &mut sink,
    )?;
    let run_s = t2.elapsed().as_secs_f64();
    records.sort_by_key(|r| r.id);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let (mut agreements, mut rounds_played) = (0u64, 0u64);
    for r in &records {
        if let Ok(m) = &r.metrics {
            agreements += u64::from(m.agreement.is_some());
            rounds_played += u64::from(m.rounds);
        }
        for b in format!("{r:?}\n").bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!(
        "{}",
        json!({
            "tool": "detente",
            "load_s": load_s,
            "plan_s": plan_s,
            "run_s": run_s,
            "tournament_s": plan_s + run_s,
            "negotiations": records.len(),
            "agreements": agreements,
            "rounds": rounds_played,
            "checksum": format!("{h:016x}"),
            "peak_rss_kb": peak_rss_kb(),
        })
    );
    Ok(())
}

/// Pareto frontiers + Nash (`stats`: also the opposition level). `analyze` computes every
/// statistic either way (zopa count, ideal point, Kalai–Smorodinsky, max welfare).
fn analyse(dir: &Path, stats: bool) -> Result<()> {
    let t0 = Instant::now();
    let s = load(dir)?;
    let load_s = t0.elapsed().as_secs_f64();
    let config = AnalysisConfig::default();
    let prefs = s.preferences();
    let t1 = Instant::now();
    let a = analysis::analyze(s.space(), &prefs, &config);
    let opposition = a
        .pareto_acceptable_vectors
        .as_ref()
        .ok()
        .filter(|_| stats)
        .and_then(|v| analysis::opposition(&prefs, v));
    let analysis_s = t1.elapsed().as_secs_f64();
    let utils = |p: &std::result::Result<Option<Point>, analysis::Incomplete>| {
        p.as_ref()
            .ok()
            .and_then(|p| p.as_ref())
            .map(|p| p.utilities.clone())
    };
    let zopa = a.zopa.as_ref().ok().map(|z| z.to_string());
    let fraction = match (
        a.zopa.as_ref().ok().and_then(|z| z.to_u128()),
        a.outcomes.to_u128(),
    ) {
        (Some(z), Some(n)) if n > 0 => Some(z as f64 / n as f64),
        _ => None,
    };
    println!(
        "{}",
        json!({
            "tool": "detente",
            "load_s": load_s,
            "analysis_s": analysis_s,
            "outcomes": a.outcomes.to_string(),
            "pareto_size": a.pareto.as_ref().ok().map(Vec::len),
            "pareto_acceptable_size": a.pareto_acceptable.as_ref().ok().map(Vec::len),
            "nash": utils(&a.nash),
            "kalai_smorodinsky": utils(&a.kalai_smorodinsky),
            "max_welfare": utils(&a.max_welfare),
            "zopa": zopa,
            "zopa_fraction": fraction,
            "opposition": opposition,
            "peak_rss_kb": peak_rss_kb(),
        })
    );
    Ok(())
}

/// The process's peak resident set (VmHWM), when /proc says it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
