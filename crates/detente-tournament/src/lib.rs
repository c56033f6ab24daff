//! Tournaments for detente: every strategy against every other, on many scenarios, with role
//! rotation and repetitions, played in parallel and ranked by ANAC's metrics.
//!
//! # Overview
//!
//! * A [`Player`] is a named negotiator factory; the built-in strategies are players.
//! * A [`Tournament`] is planned from [`ScenarioEntry`]s, players and a [`TournamentConfig`]:
//!   every ordered tuple of players (self-play included) on every scenario, in every role
//!   rotation, repeated `reps` times. Each negotiation has a [`Key`], a number (`id`) and a
//!   seed derived from the tournament seed and its key, so results do not depend on threads,
//!   shards or order. Large N-party tournaments are sampled (documented in [`plan`]).
//! * [`Tournament::run`] plays a [`Shard`] of the negotiations not in an [`IdSet`] of done
//!   ones on a rayon pool and hands each [`Record`] (the [`Metrics`], or the [`Failure`] of
//!   a negotiator that panicked) to a [`Sink`]. `detente-store` is the sink that never loses a
//!   result.
//! * [`Ranker`] turns records into [`Standing`]s with 95% confidence intervals ([`stats`]).
//!
//! # Example
//!
//! ```
//! use detente_core::negotiator::Strategy;
//! use detente_core::{Issue, OutcomeSpace, Party, Preferences, RedLines, Scenario, UtilityFunction, ValueFunction};
//! use detente_tournament::{Player, Ranker, Record, ScenarioEntry, Tournament, TournamentConfig, RunOptions};
//!
//! let space = OutcomeSpace::new(vec![Issue::integer("price", 0, 10, 1)?])?;
//! let party = |name: &str, v: Vec<(f64, f64)>| -> Result<Party, detente_core::Error> {
//!     let u = UtilityFunction::weighted_sum(&space, name, &[1.0], &[Some(ValueFunction::PiecewiseLinear(v))])?;
//!     Ok(Party::new(name, Preferences::new(u, 0.2, RedLines::none(1), 1.0)?))
//! };
//! let scenario = Scenario::new("haggle", space.clone(), vec![
//!     party("buyer", vec![(0.0, 1.0), (10.0, 0.0)])?,
//!     party("seller", vec![(0.0, 0.0), (10.0, 1.0)])?,
//! ])?;
//! let players = vec![Player::builtin(Strategy::Boulware), Player::builtin(Strategy::Conceder)];
//! let config = TournamentConfig { rounds: 20, reps: 2, ..TournamentConfig::default() };
//! let tournament = Tournament::new(vec![ScenarioEntry::new(scenario)], players, config)?;
//! // 2² ordered pairs × 2 role rotations × 2 repetitions.
//! assert_eq!(tournament.n_negotiations(), 16);
//!
//! let mut records: Vec<Record> = Vec::new();
//! let mut sink = |r: Record| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     records.push(r);
//!     Ok(())
//! };
//! let summary = tournament.run(&RunOptions::default(), &mut sink)?;
//! assert_eq!(summary.ran, 16);
//!
//! let mut ranker = Ranker::new(tournament.describe().players);
//! records.sort_by_key(|r| r.id);
//! for r in &records {
//!     ranker.add(r);
//! }
//! let standings = ranker.finish();
//! assert_eq!(standings.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None. The crate does no IO: storage, progress and output belong to its callers.

#![warn(missing_docs)]

mod error;
mod metrics;
pub mod plan;
mod player;
mod ranking;
mod record;
pub mod stats;
mod tournament;

/// The mediators of single-text tournaments ([`Protocol::SingleText`]).
pub use detente_core::protocol::MediatorStrategy;
pub use error::{Error, ErrorKind};
pub use metrics::ScenarioFacts;
pub use plan::{Assignment, IdSet, Key, Shard};
pub use player::{Factory, Player};
pub use ranking::{MediatorRanker, MediatorStanding, Ranker, Standing};
pub use record::{EventKind, Failure, FailureKind, Metrics, Record, TraceEvent};
pub use stats::Estimate;
pub use tournament::{
    Description, NegotiatorFailure, Protocol, RunOptions, RunSummary, ScenarioEntry,
    ScenarioSummary, SetupPhase, SetupProgress, Sink, Tournament, TournamentConfig,
    WORKER_THREAD_PREFIX, quiet_worker_panics,
};
