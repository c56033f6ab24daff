//! `detente room create`: a negotiation room from a scenario, with one invitation per seat.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::{ScenarioArgs, UsageError};

#[derive(Args, Debug)]
pub(crate) struct RoomArgs {
    #[command(subcommand)]
    command: RoomCommand,
}

#[derive(Subcommand, Debug)]
enum RoomCommand {
    /// Create a room and print one single-use invitation link per seat held by a person.
    Create(CreateArgs),
}

#[derive(Args, Debug)]
struct CreateArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// The room database (created if missing).
    #[arg(long, value_name = "FILE", default_value = "room.db")]
    db: PathBuf,
    /// The room's name (default: the scenario's name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// A party seat held by a built-in strategy, as PARTY=STRATEGY (repeatable; boulware,
    /// linear, conceder, time:E or hardliner). Other party seats are held by people.
    #[arg(long = "agent", value_name = "PARTY=STRATEGY")]
    agents: Vec<String>,
    /// Who holds the mediator seat: person, or feedback (the built-in feedback mediator).
    #[arg(long, value_name = "WHO", default_value = "person")]
    mediator: String,
    /// Number of observer seats.
    #[arg(long, value_name = "N", default_value_t = 0)]
    observers: usize,
    /// A trusted-neutral room: delegates confide their preferences to the system, which (not
    /// the human mediator) computes suggestions from them: the exact Nash package and
    /// post-settlement improvements. The mediator sees packages, never preferences.
    #[arg(long)]
    trusted_neutral: bool,
    /// The server's address as people reach it, for the printed links.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    base_url: String,
}

pub(crate) fn run(args: &RoomArgs) -> Result<()> {
    match &args.command {
        RoomCommand::Create(a) => create(a),
    }
}

fn create(args: &CreateArgs) -> Result<()> {
    let scenario = args.scenario.load()?;
    let name = args.name.clone().unwrap_or_else(|| scenario.name.clone());
    let mut setup = detente_room::setup_from_fields(
        &scenario,
        &name,
        &args.agents.join(","),
        &args.mediator,
        &args.observers.to_string(),
    )
    .map_err(|e| UsageError(e.to_string()))?;
    setup.trusted_neutral = args.trusted_neutral;
    let store = detente_room::Store::open(&args.db)
        .with_context(|| format!("cannot open the room database {}", args.db.display()))?;
    let room = store
        .create_room(None, &scenario, &setup)
        .map_err(|e| UsageError(e.to_string()))?;
    let base = args.base_url.trim_end_matches('/');
    println!("room {} ({name})", room.room_id);
    for inv in &room.invitations {
        println!("{}\t{base}/join/{}", inv.seat_label, inv.token);
    }
    Ok(())
}
