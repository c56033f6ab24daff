//! The tournament: its configuration, its description, and the parallel runner.
//!
//! [`Tournament::new`] validates the configuration, rotates each scenario's parties once per
//! role rotation, analyses each scenario once (Pareto frontier and Nash point, for the
//! distance metrics) and plans every negotiation (see the `plan` module). [`Tournament::run`]
//! then plays the negotiations of a shard that are not already done on a rayon pool and hands
//! each [`Record`] to a [`Sink`] on the calling thread, in completion order.
//!
//! **Determinism.** A negotiation depends only on its key: its seed is
//! `derive_seed(config.seed, [scenario_idx, assignment code, rep])` and negotiator `j` gets
//! `derive_seed(seed, [j])`, exactly as `detente_core::protocol::run_sao` derives them. So every
//! record is the same whatever the thread count, the shard or the order; only the order in
//! which the sink sees records varies.
//!
//! **Failures.** A negotiation that exceeds the step budget is halted by its mechanism
//! (`Sao::with_max_steps`, `SingleText::with_max_steps`) and becomes a [`Failure`] of kind
//! [`FailureKind::StepBudget`]. Each negotiation also runs under `catch_unwind`, for real
//! panics only: a negotiator that panics becomes a [`Failure`] in its record and the tournament
//! goes on (the default panic hook still prints those panics, so a front end may want to
//! silence threads named with [`WORKER_THREAD_PREFIX`]).
//!
//! Non-goals: storage (the sink decides; see `detente-store`), progress display, wall-clock
//! time limits (a negotiator stuck in an endless loop cannot be stopped from outside its
//! thread).

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use std::sync::Arc;

use detente_core::negotiator::Strategy;
use detente_core::negotiator::{BidSpace, NegotiatorInit, build_negotiators};
use detente_core::protocol::{
    Confided, Consultation, Event, Halt, Mechanism, MediatorStrategy, NegotiationResult, Sao,
    SingleText, SingleTextConfig,
};
use detente_core::rng::derive_seed;
use detente_core::{Error as CoreError, Outcome, Scenario};
use rayon::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::metrics::{ScenarioFacts, individually_rational};
use crate::plan::{Assignment, Assignments, IdSet, Key, Plan, Shard};
use crate::player::Player;
use crate::record::{Failure, FailureKind, Metrics, Record, TraceEvent};

/// Worker threads of [`Tournament::run`] are named with this prefix and their index.
pub const WORKER_THREAD_PREFIX: &str = "detente-tournament-";

/// The knobs of a tournament. Every field is part of the tournament's fingerprint.
#[derive(Clone, Debug, PartialEq)]
pub struct TournamentConfig {
    /// Deadline of every negotiation, in rounds (default 100).
    pub rounds: u32,
    /// Repetitions of each assignment (default 1).
    pub reps: u32,
    /// The tournament seed (default 0).
    pub seed: u64,
    /// Most assignments a scenario plays; above it a uniform sample is drawn (default
    /// 100 000; see the `plan` module).
    pub max_assignments: u64,
    /// Most actions (offers, acceptances, walk-aways; under single text: verdicts and new
    /// drafts) one negotiation may take before it is recorded as a failure (default: none;
    /// both protocols stop at their deadline anyway).
    pub max_steps: Option<u64>,
    /// Whether records carry the full trace (default false).
    pub traces: bool,
    /// Node budget of the per-scenario analysis (frontier, Nash point).
    pub analysis_max_nodes: u64,
    /// The protocol every negotiation runs (default: stacked alternating offers).
    pub protocol: Protocol,
}

/// The protocol of a tournament's negotiations.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Protocol {
    /// Stacked alternating offers (SAO): the players make and accept offers.
    #[default]
    Sao,
    /// A mediator's single negotiating text: every assignment of players (who review the
    /// drafts with their built-in strategy) is played once under each of these mediators,
    /// with the same seed, so mediators are compared on identical negotiations. The mediator
    /// consults every party every round and starts from the scenario's `mediator.start`
    /// package (else the first option of every issue); a trusted neutral receives every
    /// party's confided preferences.
    SingleText {
        /// The mediators, by mediator index (at least one, no repeats).
        mediators: Vec<MediatorStrategy>,
    },
}

impl Protocol {
    /// `sao` or `single-text`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Protocol::Sao => "sao",
            Protocol::SingleText { .. } => "single-text",
        }
    }

    /// The mediators (none under SAO).
    pub fn mediators(&self) -> &[MediatorStrategy] {
        match self {
            Protocol::Sao => &[],
            Protocol::SingleText { mediators } => mediators,
        }
    }

    /// How many negotiations each assignment and repetition makes: one per mediator, or one.
    pub(crate) fn n_variants(&self) -> u64 {
        self.mediators().len().max(1) as u64
    }
}

impl Default for TournamentConfig {
    fn default() -> TournamentConfig {
        TournamentConfig {
            rounds: 100,
            reps: 1,
            seed: 0,
            max_assignments: 100_000,
            max_steps: None,
            traces: false,
            analysis_max_nodes: detente_core::analysis::AnalysisConfig::default().max_nodes,
            protocol: Protocol::Sao,
        }
    }
}

/// A scenario of a tournament, with the name it is reported under.
#[derive(Clone, Debug)]
pub struct ScenarioEntry {
    /// The name in reports and the store (part of the fingerprint).
    pub name: String,
    /// Where it was read from, for the record (not part of the fingerprint, so shards may
    /// read it from different paths).
    pub source: Option<String>,
    /// The scenario.
    pub scenario: Scenario,
}

impl ScenarioEntry {
    /// An entry named after the scenario.
    pub fn new(scenario: Scenario) -> ScenarioEntry {
        ScenarioEntry {
            name: scenario.name.clone(),
            source: None,
            scenario,
        }
    }
}

/// Everything that identifies a tournament and is needed to read its results.
#[derive(Clone, Debug, PartialEq)]
pub struct Description {
    /// A 128-bit hash (hex) of the configuration, the players' names and the scenarios'
    /// names, issues and preferences. Two runs resume each other, and two shards merge, only
    /// when their fingerprints are equal.
    pub fingerprint: String,
    /// The configuration.
    pub config: TournamentConfig,
    /// Number of negotiations in the whole tournament.
    pub n_negotiations: u64,
    /// Player names, by player index.
    pub players: Vec<String>,
    /// The scenarios, by scenario index.
    pub scenarios: Vec<ScenarioSummary>,
}

/// What a tournament records about one of its scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioSummary {
    /// The name.
    pub name: String,
    /// Where it was read from.
    pub source: Option<String>,
    /// Party names and reservation values, by party index.
    pub parties: Vec<(String, f64)>,
    /// Assignments possible (`kⁿ · n`).
    pub n_possible: u64,
    /// Assignments played (fewer when sampled).
    pub n_assignments: u64,
    /// Size of the Pareto frontier, when known.
    pub pareto_size: Option<u64>,
    /// The Nash point's utilities by party, when known.
    pub nash: Option<Vec<f64>>,
    /// Why the frontier or the Nash point is missing.
    pub note: Option<String>,
}

/// Receives the records of a run, one at a time, on the thread that called
/// [`Tournament::run`].
pub trait Sink {
    /// Takes one record. An error stops the run (negotiations in flight are dropped).
    ///
    /// # Errors
    /// Whatever the sink cannot do (e.g. write to its store).
    fn on_record(&mut self, record: Record)
    -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

impl<F> Sink for F
where
    F: FnMut(Record) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
{
    fn on_record(
        &mut self,
        record: Record,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self(record)
    }
}

/// Which negotiations [`Tournament::run`] plays, and on how many threads.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// Worker threads (default: `rayon::current_num_threads()`).
    pub threads: Option<usize>,
    /// The slice of the tournament to play (default: all of it).
    pub shard: Shard,
    /// Negotiations already done, to skip (e.g. those in the store).
    pub skip: Option<&'a IdSet>,
}

/// What [`Tournament::run`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Negotiations in the shard.
    pub in_shard: u64,
    /// Of those, already done and skipped.
    pub skipped: u64,
    /// Negotiations played and handed to the sink.
    pub ran: u64,
    /// Of those, failed ones.
    pub failed: u64,
}

/// A planned tournament (see the module docs).
#[derive(Debug)]
pub struct Tournament {
    entries: Vec<ScenarioEntry>,
    /// Per scenario, per rotation: the scenario with its parties in turn order.
    rotated: Vec<Vec<Scenario>>,
    /// Per scenario, rotation and party: the party's bid space, built once and shared by every
    /// negotiation (its sample, on spaces too large to list, is seeded by the tournament seed
    /// and the scenario, rotation and party — never by the negotiation).
    bids: Vec<Vec<Vec<Arc<BidSpace>>>>,
    facts: Vec<ScenarioFacts>,
    players: Vec<Player>,
    config: TournamentConfig,
    plan: Plan,
    fingerprint: String,
}

/// How far [`Tournament::with_progress`] has got in building a tournament: `done` of the
/// `total` units of `phase` are finished.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetupProgress {
    /// What is being built.
    pub phase: SetupPhase,
    /// Units finished.
    pub done: u64,
    /// Units in the phase.
    pub total: u64,
}

/// The phases of building a tournament, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupPhase {
    /// Each party's bid space, once per scenario and party (every role rotation shares it; the
    /// slow part for large spaces).
    BidSpaces,
    /// Each scenario's analysis (Pareto frontier, Nash point).
    Analysis,
}

impl SetupPhase {
    /// The phase in words.
    pub fn as_str(&self) -> &'static str {
        match self {
            SetupPhase::BidSpaces => "building bid spaces",
            SetupPhase::Analysis => "analysing scenarios",
        }
    }
}

impl Tournament {
    /// Plans a tournament of `players` on `scenarios`: [`Tournament::with_progress`] without
    /// progress reports.
    ///
    /// # Errors
    /// As [`Tournament::with_progress`].
    pub fn new(
        scenarios: Vec<ScenarioEntry>,
        players: Vec<Player>,
        config: TournamentConfig,
    ) -> Result<Tournament, Error> {
        Tournament::with_progress(scenarios, players, config, &mut |_| {})
    }

    /// Plans a tournament of `players` on `scenarios`, reporting each finished unit of work
    /// (a bid space, a scenario analysis) to `progress`.
    ///
    /// This analyses every scenario (Pareto frontier, Nash point), which is the slow part for
    /// large outcome spaces.
    ///
    /// # Errors
    /// When there is no scenario or player, two players share a name, a scenario has fewer
    /// than two parties, `rounds`, `reps` or `max_assignments` is 0, or the tournament is too
    /// large to number.
    pub fn with_progress(
        scenarios: Vec<ScenarioEntry>,
        players: Vec<Player>,
        config: TournamentConfig,
        progress: &mut dyn FnMut(SetupProgress),
    ) -> Result<Tournament, Error> {
        check(&scenarios, &players, &config)?;
        let mut rotated = Vec::with_capacity(scenarios.len());
        for e in &scenarios {
            let n = e.scenario.parties().len();
            if n < 2 {
                return Err(ErrorKind::TooFewParties {
                    scenario: e.name.clone(),
                    n_parties: n,
                }
                .into());
            }
            let rotations = (0..n)
                .map(|r| {
                    let order: Vec<usize> = (0..n).map(|j| (j + r) % n).collect();
                    e.scenario.with_parties(&order)
                })
                .collect::<Result<Vec<_>, CoreError>>()
                .map_err(|err| Error::config(format!("scenario '{}': {err}", e.name)))?;
            rotated.push(rotations);
        }
        if matches!(config.protocol, Protocol::SingleText { .. }) {
            // Every player must be a built-in strategy that can review a text.
            let sc = &rotated[0][0];
            for p in &players {
                let Some(strategy) = p.strategy() else {
                    return Err(Error::config(format!(
                        "player '{}' is not a built-in strategy and cannot review a single text",
                        p.name()
                    )));
                };
                strategy
                    .build_text(NegotiatorInit::for_party(sc, 0, 0))
                    .map_err(|e| Error::config(e.to_string()))?;
            }
        }
        let n_bids: u64 = rotated.iter().map(|r| r[0].parties().len() as u64).sum();
        let mut done = 0u64;
        let mut report = |phase, done, total| {
            progress(SetupProgress { phase, done, total });
        };
        report(SetupPhase::BidSpaces, 0, n_bids);
        // A bid space depends on the space and the party's preferences alone (built as
        // `run_sao` builds it, so that every record replays with `negotiate`), so each party's
        // is built once and shared by every rotation: in rotation r, position j is party
        // (j + r) mod n of the scenario.
        let mut bids: Vec<Vec<Vec<Arc<BidSpace>>>> = Vec::with_capacity(rotated.len());
        for rotations in &rotated {
            let sc = &rotations[0];
            let n = sc.parties().len();
            let mut own = Vec::with_capacity(n);
            for p in sc.parties() {
                let b = BidSpace::for_preferences(sc.space(), &p.preferences);
                // Shared by every negotiation of the party: searched by position.
                b.count_positions_now();
                own.push(Arc::new(b));
                done += 1;
                report(SetupPhase::BidSpaces, done, n_bids);
            }
            let per_rotation = (0..rotations.len())
                .map(|r| (0..n).map(|j| Arc::clone(&own[(j + r) % n])).collect())
                .collect();
            bids.push(per_rotation);
        }
        let counts: Vec<usize> = scenarios
            .iter()
            .map(|e| e.scenario.parties().len())
            .collect();
        let names: Vec<String> = scenarios.iter().map(|e| e.name.clone()).collect();
        let plan = Plan::new(
            &counts,
            players.len(),
            config.reps,
            config.protocol.n_variants(),
            config.max_assignments,
            config.seed,
            &names,
        )?;
        let n_scenarios = scenarios.len() as u64;
        report(SetupPhase::Analysis, 0, n_scenarios);
        let mut facts = Vec::with_capacity(scenarios.len());
        for (k, e) in scenarios.iter().enumerate() {
            facts.push(ScenarioFacts::compute(
                &e.scenario,
                config.analysis_max_nodes,
            ));
            report(SetupPhase::Analysis, k as u64 + 1, n_scenarios);
        }
        let fingerprint = fingerprint(&scenarios, &players, &config);
        Ok(Tournament {
            entries: scenarios,
            rotated,
            bids,
            facts,
            players,
            config,
            plan,
            fingerprint,
        })
    }

    /// The tournament's fingerprint (see [`Description::fingerprint`]).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The configuration.
    pub fn config(&self) -> &TournamentConfig {
        &self.config
    }

    /// The players, by player index.
    pub fn players(&self) -> &[Player] {
        &self.players
    }

    /// The per-scenario facts used by the metrics, by scenario index.
    pub fn facts(&self) -> &[ScenarioFacts] {
        &self.facts
    }

    /// Number of negotiations in the whole tournament.
    pub fn n_negotiations(&self) -> u64 {
        self.plan.total
    }

    /// The key of negotiation `id`, if the tournament has one.
    pub fn key(&self, id: u64) -> Option<Key> {
        self.plan.key(id)
    }

    /// The assignment of a key of this tournament.
    pub fn assignment(&self, key: &Key) -> Assignment {
        let n = self.plan.scenarios[key.scenario_idx].n_parties;
        Assignment::decode(key.assignment, self.players.len(), n)
    }

    /// What identifies the tournament and is needed to read its results.
    pub fn describe(&self) -> Description {
        let scenarios = self
            .entries
            .iter()
            .zip(&self.facts)
            .zip(&self.plan.scenarios)
            .map(|((e, f), p)| ScenarioSummary {
                name: e.name.clone(),
                source: e.source.clone(),
                parties: e
                    .scenario
                    .parties()
                    .iter()
                    .map(|p| (p.name.clone(), p.preferences.reservation()))
                    .collect(),
                n_possible: p.n_possible,
                n_assignments: match &p.assignments {
                    Assignments::All(n) => *n,
                    Assignments::Sampled(v) => v.len() as u64,
                },
                pareto_size: f.pareto.as_ref().map(|v| v.len() as u64),
                nash: f.nash.clone(),
                note: f.note.clone(),
            })
            .collect();
        Description {
            fingerprint: self.fingerprint.clone(),
            config: self.config.clone(),
            n_negotiations: self.plan.total,
            players: self.players.iter().map(|p| p.name().to_string()).collect(),
            scenarios,
        }
    }

    /// Plays negotiation `id` and returns its record; `None` when there is no such id.
    /// Deterministic: the same id always gives the same record.
    pub fn run_one(&self, id: u64) -> Option<Record> {
        let key = self.plan.key(id)?;
        let a = self.assignment(&key);
        let seed = derive_seed(
            self.config.seed,
            &[key.scenario_idx as u64, key.assignment, u64::from(key.rep)],
        );
        let parties = a.parties();
        let played = catch_unwind(AssertUnwindSafe(|| {
            self.negotiate(&key, &a, seed, &parties)
        }));
        let (metrics, trace) = match played {
            Ok(Ok((m, t))) => (Ok(m), t),
            Ok(Err(f)) => (Err(f), None),
            Err(payload) => (Err(failure_from_panic(payload.as_ref())), None),
        };
        Some(Record {
            id,
            key,
            rotation: a.rotation,
            seed,
            players: a.players,
            parties,
            metrics,
            trace,
        })
    }

    fn negotiate(
        &self,
        key: &Key,
        a: &Assignment,
        seed: u64,
        parties: &[usize],
    ) -> Result<(Metrics, Option<Vec<TraceEvent>>), Failure> {
        let scenario = &self.rotated[key.scenario_idx][a.rotation];
        if let Protocol::SingleText { mediators } = &self.config.protocol {
            return self.negotiate_text(key, scenario, mediators[key.mediator], a, seed, parties);
        }
        let bids = &self.bids[key.scenario_idx][a.rotation];
        let negotiators = build_negotiators(scenario, seed, |init| {
            let j = init.me;
            self.players[a.players[j]].build(NegotiatorInit {
                bids: Some(Arc::clone(&bids[j])),
                ..init
            })
        });
        let sao = Sao::new(scenario, negotiators, self.config.rounds).map_err(|e| Failure {
            kind: FailureKind::Error,
            message: e.to_string(),
        })?;
        let result = sao
            .with_max_steps(self.config.max_steps)
            .run(&mut |_: &Event| {});
        over_budget(&result)?;
        Ok(self.metrics(key, scenario, parties, &result, None))
    }

    /// The metrics (and trace, when kept) of a finished negotiation played by `parties`
    /// (scenario party at each position) on the rotated `scenario`.
    fn metrics(
        &self,
        key: &Key,
        scenario: &Scenario,
        parties: &[usize],
        result: &NegotiationResult,
        questions: Option<u32>,
    ) -> (Metrics, Option<Vec<TraceEvent>>) {
        let mut by_party = vec![0.0; parties.len()];
        for (j, &p) in parties.iter().enumerate() {
            by_party[p] = result.utilities[j];
        }
        let facts = &self.facts[key.scenario_idx];
        let metrics = Metrics {
            agreement: result.agreement.as_ref().map(|o| o.indices().to_vec()),
            rounds: result.rounds,
            welfare: by_party.iter().sum(),
            pareto_distance: facts.pareto_distance(&by_party),
            nash_distance: facts.nash_distance(&by_party),
            individually_rational: individually_rational(
                scenario,
                result.agreement.as_ref(),
                &result.utilities,
                result.rounds.saturating_sub(1),
                self.config.rounds,
            ),
            ended_by: result.ended_by,
            utilities: result.utilities.clone(),
            questions,
        };
        let trace = self
            .config
            .traces
            .then(|| result.trace.iter().map(TraceEvent::from).collect());
        (metrics, trace)
    }

    /// One single-text negotiation under `mediator`: the players review the drafts with their
    /// built-in strategies (checked when the tournament was planned).
    fn negotiate_text(
        &self,
        key: &Key,
        scenario: &Scenario,
        mediator: MediatorStrategy,
        a: &Assignment,
        seed: u64,
        parties: &[usize],
    ) -> Result<(Metrics, Option<Vec<TraceEvent>>), Failure> {
        let error = |e: CoreError| Failure {
            kind: FailureKind::Error,
            message: e.to_string(),
        };
        let strategies: Vec<Strategy> = a
            .players
            .iter()
            .map(|&p| {
                self.players[p].strategy().ok_or_else(|| Failure {
                    kind: FailureKind::Error,
                    message: format!("strategy '{}' cannot review texts", self.players[p].name()),
                })
            })
            .collect::<Result<_, _>>()?;
        let start = scenario
            .mediator
            .as_ref()
            .and_then(|m| m.start)
            .and_then(|k| scenario.packages.get(k))
            .and_then(|p| p.as_outcome())
            .unwrap_or_else(|| Outcome::new(vec![0; scenario.space().issues().len()]));
        let config = SingleTextConfig {
            rounds: self.config.rounds,
            seed,
            mediator,
            start,
            schedule: Consultation::everyone(parties.len()),
        };
        let st = if mediator.trusted_solution().is_some() {
            SingleText::with_confided(scenario, &strategies, config, Confided::all(scenario))
        } else {
            SingleText::new(scenario, &strategies, config)
        }
        .map_err(error)?;
        let result = st
            .with_max_steps(self.config.max_steps)
            .run(&mut |_: &Event| {});
        over_budget(&result.negotiation)?;
        Ok(self.metrics(
            key,
            scenario,
            parties,
            &result.negotiation,
            Some(result.questions),
        ))
    }

    /// Plays the negotiations of `options.shard` that are not in `options.skip`, in parallel,
    /// handing each record to `sink` as it completes.
    ///
    /// # Errors
    /// When the thread pool cannot start, or the sink fails (the run stops; records the sink
    /// already took stay taken).
    pub fn run(&self, options: &RunOptions<'_>, sink: &mut dyn Sink) -> Result<RunSummary, Error> {
        let threads = options
            .threads
            .unwrap_or_else(rayon::current_num_threads)
            .max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("{WORKER_THREAD_PREFIX}{i}"))
            .build()
            .map_err(|e| Error::new(ErrorKind::ThreadPool(e.to_string())))?;
        let shard = options.shard;
        let total = self.plan.total;
        let in_shard = shard.size(total);
        let id_of = |k: u64| u64::from(shard.index()) + k * u64::from(shard.count());
        let empty = IdSet::new();
        let skip = options.skip.unwrap_or(&empty);
        let skipped = (0..in_shard).filter(|&k| skip.contains(id_of(k))).count() as u64;
        let mut summary = RunSummary {
            in_shard,
            skipped,
            ..RunSummary::default()
        };
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::sync_channel::<Record>(1024);
        let mut sink_error = None;
        std::thread::scope(|s| {
            let stop = &stop;
            s.spawn(move || {
                pool.install(|| {
                    (0..in_shard)
                        .into_par_iter()
                        .map(id_of)
                        .filter(|&id| !skip.contains(id))
                        .for_each_with(tx, |tx, id| {
                            if stop.load(Ordering::Relaxed) {
                                return;
                            }
                            if let Some(record) = self.run_one(id)
                                && tx.send(record).is_err()
                            {
                                stop.store(true, Ordering::Relaxed);
                            }
                        });
                });
            });
            for record in rx {
                summary.ran += 1;
                summary.failed += u64::from(record.metrics.is_err());
                if let Err(e) = sink.on_record(record) {
                    sink_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
        });
        match sink_error {
            Some(e) => Err(Error::new(ErrorKind::Sink(e))),
            None => Ok(summary),
        }
    }
}

/// Stops the default panic message for panics on tournament worker threads (those named with
/// [`WORKER_THREAD_PREFIX`]); panics elsewhere still go to the hook installed before. The panic
/// message is not lost: it is the failure message of the negotiation's record.
///
/// This replaces the process's panic hook, so it is for front ends (the CLI, tests), never
/// called by the library itself. Calling it more than once has no further effect.
pub fn quiet_worker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_worker = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with(WORKER_THREAD_PREFIX));
            if !on_worker {
                previous(info);
            }
        }));
    });
}

/// The checks of a tournament's setup that need no scenario rotated: see
/// [`Tournament::with_progress`]'s errors.
fn check(
    scenarios: &[ScenarioEntry],
    players: &[Player],
    config: &TournamentConfig,
) -> Result<(), Error> {
    if scenarios.is_empty() {
        return Err(ErrorKind::NoScenarios.into());
    }
    if players.is_empty() {
        return Err(ErrorKind::NoPlayers.into());
    }
    for (i, p) in players.iter().enumerate() {
        if players[..i].iter().any(|q| q.name() == p.name()) {
            return Err(ErrorKind::DuplicatePlayer {
                name: p.name().to_string(),
            }
            .into());
        }
    }
    if config.rounds == 0 || config.rounds > detente_core::protocol::MAX_ROUNDS {
        return Err(Error::config(format!(
            "the deadline must be from 1 to {} rounds",
            detente_core::protocol::MAX_ROUNDS
        )));
    }
    if config.reps == 0 {
        return Err(Error::config("repetitions must be at least 1"));
    }
    if config.max_assignments == 0 {
        return Err(Error::config("the assignment cap must be at least 1"));
    }
    if let Protocol::SingleText { mediators } = &config.protocol {
        if mediators.is_empty() {
            return Err(Error::config(
                "a single-text tournament needs at least one mediator",
            ));
        }
        for (i, m) in mediators.iter().enumerate() {
            if mediators[..i].contains(m) {
                return Err(Error::config(format!(
                    "mediator '{}' is listed twice",
                    m.as_str()
                )));
            }
        }
    }
    Ok(())
}

/// The failure of a negotiation its mechanism halted on the step budget.
fn over_budget(result: &NegotiationResult) -> Result<(), Failure> {
    match result.halted {
        None => Ok(()),
        Some(Halt::StepBudget { .. }) => Err(Failure {
            kind: FailureKind::StepBudget,
            message: "the negotiation exceeded its step budget".into(),
        }),
        Some(other) => Err(Failure {
            kind: FailureKind::Error,
            message: format!("the mechanism halted the negotiation: {other:?}"),
        }),
    }
}

/// How a negotiator that cannot go on (an embedder's negotiator, such as a Python one that
/// raised an exception) ends its negotiation with a recorded failure of kind
/// [`FailureKind::Negotiator`]: `std::panic::panic_any(NegotiatorFailure(message))` inside
/// [`Negotiator::act`](detente_core::negotiator::Negotiator::act). The tournament catches it
/// like any panic of a negotiation; the message becomes the failure's message.
#[derive(Clone, Debug)]
pub struct NegotiatorFailure(pub String);

fn failure_from_panic(payload: &(dyn std::any::Any + Send)) -> Failure {
    if let Some(NegotiatorFailure(message)) = payload.downcast_ref::<NegotiatorFailure>() {
        return Failure {
            kind: FailureKind::Negotiator,
            message: message.clone(),
        };
    }
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a negotiator panicked with a non-text payload".into());
    Failure {
        kind: FailureKind::Panic,
        message,
    }
}

/// The fingerprint: two FNV-1a-64 lanes over a canonical text of everything that decides the
/// results. An identity check against mistakes, not a defence against forgery.
fn fingerprint(
    scenarios: &[ScenarioEntry],
    players: &[Player],
    config: &TournamentConfig,
) -> String {
    let mut text = String::new();
    let c = config;
    // Writing to a String cannot fail. Version 2: GENIUS's discounting (reservation values
    // discounted too) and bid spaces sampled from the preferences alone change results, so a
    // store written by version 1 is not resumed as the same tournament.
    let _ = writeln!(
        text,
        "detente-tournament/2 seed={} rounds={} reps={} max_assignments={} max_steps={:?} \
         traces={} analysis_max_nodes={}",
        c.seed, c.rounds, c.reps, c.max_assignments, c.max_steps, c.traces, c.analysis_max_nodes
    );
    // Only single-text tournaments name their protocol, so SAO fingerprints are unchanged.
    if let Protocol::SingleText { mediators } = &c.protocol {
        let names: Vec<&str> = mediators.iter().map(|m| m.as_str()).collect();
        let _ = writeln!(text, "protocol single-text mediators={}", names.join(","));
    }
    for p in players {
        let _ = writeln!(text, "player {:?}", p.name());
    }
    for e in scenarios {
        let _ = writeln!(text, "scenario {:?} {:?}", e.name, e.scenario.space());
        for p in e.scenario.parties() {
            let _ = writeln!(text, "party {:?} {:?}", p.name, p.preferences);
        }
    }
    let lane = |basis: u64| {
        text.bytes().fold(basis, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        lane(0xcbf2_9ce4_8422_2325),
        lane(0x6c62_272e_07bb_0142)
    )
}
