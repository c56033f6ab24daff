//! `detente negotiate`: one simulated negotiation, as a text story or a JSON trace.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use detente_core::protocol::{self, SaoConfig};

use super::{NegotiationArgs, ScenarioArgs};
use detente_report::{json, text};

#[derive(Args, Debug)]
pub(crate) struct NegotiateArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    #[command(flatten)]
    pub(crate) threads: super::ThreadsArgs,
    #[command(flatten)]
    negotiation: NegotiationArgs,
    /// The protocol.
    #[arg(long = "protocol", value_enum, default_value = "sao")]
    kind: super::text::Protocol,
    #[command(flatten)]
    protocol: super::text::ProtocolArgs,
    /// Print one JSON object (agreement, rounds, trace) instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &NegotiateArgs) -> Result<()> {
    let setup = args.negotiation.setup(args.scenario.load_negotiable()?)?;
    let s = &setup.scenario;
    if args.kind != super::text::Protocol::SingleText {
        args.protocol
            .refuse_unused("--protocol is not single-text")?;
    }
    let names: Vec<String> = setup.strategies.iter().map(|x| x.to_string()).collect();
    if args.kind == super::text::Protocol::SingleText {
        let (r, config, label) = super::text::run(&args.protocol, &setup)?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        if args.json {
            serde_json::to_writer_pretty(
                &mut out,
                &json::single_text(s, &names, &config, &label, &r),
            )?;
            writeln!(out)?;
        } else {
            text::write_story(&mut out, s, &names, &config, &label, &r)?;
        }
        out.flush()?;
        return Ok(());
    }
    let r = protocol::run_sao(
        s,
        &setup.strategies,
        &SaoConfig {
            rounds: setup.rounds,
            seed: setup.seed,
        },
    )?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(
            &mut out,
            &json::negotiation(s, &names, setup.rounds, setup.seed, &r),
        )?;
        writeln!(out)?;
    } else {
        let cast = text::Cast {
            scenario: s,
            strategies: &names,
            rounds: setup.rounds,
            seed: setup.seed,
        };
        text::write_negotiation(&mut out, &cast, &r, true)?;
    }
    out.flush()?;
    Ok(())
}
