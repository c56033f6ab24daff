//! The single negotiating text: a mediator holds one complete draft and revises it from the
//! parties' feedback until every party accepts the same draft or the process breaks down.
//!
//! Each round the mediator consults a group of parties — everyone at once, or one meeting of a
//! shuttle schedule (e.g. the scenario's meetings timeline) — on the draft on the table. Each
//! consulted party answers with a [`Verdict`]. The draft is agreed once every party has accepted
//! the current version (acceptances are collected across meetings; a new version needs new
//! acceptances). Otherwise the mediator revises the draft from the verdicts alone — it never
//! sees a utility function, only what parties tell it — and every change is recorded as a new
//! version with its clause-level diff.
//!
//! Three mediators ([`MediatorStrategy`]):
//! * `HillClimbing` (Klein et al. 2003): mutates one clause of the last adopted draft at random
//!   and adopts the mutation only if every party says it is at least as good for it.
//! * `Veto`: adopts a random mutation unless some party vetoes it (finds it unacceptable).
//! * `Feedback`: moves only the clauses parties objected to, one step toward the alternative the
//!   objectors asked for, avoiding values other parties objected to or never saw, and leaving
//!   untouched the clauses nobody objected to.
//!
//! A mediator that is itself a party (a mediator with interests) never tables a draft that falls
//! below its own reservation value or crosses its own red lines, and reviews every draft as a
//! party too. Hill-climbing and veto mediators consult every party every round (their votes are
//! simultaneous); the feedback mediator follows the schedule.

use rand::RngExt;

use crate::TIE_EPS;
use crate::error::{Error, ErrorKind};
use crate::negotiator::{
    Clock, Question, Strategy, TextNegotiator, TextView, Verdict, build_negotiators,
};
use crate::outcome::Outcome;
use crate::preferences::Preferences;
use crate::rng::{ChaCha8Rng, derive_seed, rng};
use crate::scenario::Scenario;

use super::blind::Blind;
use super::trusted::{Coalition, Confided, Proposal, Solution, TrustedNeutral};
use super::{Event, Halt, Log, NegotiationResult, Observer};

/// The feedback mediator changes at most this many clauses per revision.
const MAX_CHANGES: usize = 3;

/// How the mediator revises the draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediatorStrategy {
    /// Random single-clause mutations adopted under unanimous approval (Klein et al. 2003).
    HillClimbing,
    /// Random single-clause mutations adopted unless some party vetoes.
    Veto,
    /// Moves objected clauses toward what the objectors ask for, protecting the rest.
    Feedback,
    /// Learns each party's preferences from verdicts and answers to cheap questions and tables
    /// texts that logroll across issues (see `blind.rs`).
    Blind,
    /// A trusted neutral that holds every party's confided preferences tables the exact Nash
    /// package of the acceptable set (see `trusted.rs`); needs [`SingleText::with_confided`].
    TrustedNash,
    /// As `TrustedNash`, with the Kalai–Smorodinsky package.
    TrustedKs,
}

impl MediatorStrategy {
    /// Names accepted by `parse`.
    pub const NAMES: &'static str =
        "hill-climbing, veto, feedback, blind, trusted-nash, trusted-ks";

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            MediatorStrategy::HillClimbing => "hill-climbing",
            MediatorStrategy::Veto => "veto",
            MediatorStrategy::Feedback => "feedback",
            MediatorStrategy::Blind => "blind",
            MediatorStrategy::TrustedNash => "trusted-nash",
            MediatorStrategy::TrustedKs => "trusted-ks",
        }
    }

    /// The bargaining solution a trusted neutral proposes, for the trusted strategies.
    pub fn trusted_solution(self) -> Option<Solution> {
        match self {
            MediatorStrategy::TrustedNash => Some(Solution::Nash),
            MediatorStrategy::TrustedKs => Some(Solution::KalaiSmorodinsky),
            _ => None,
        }
    }
}

impl std::str::FromStr for MediatorStrategy {
    type Err = Error;

    fn from_str(s: &str) -> Result<MediatorStrategy, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hill-climbing" | "hillclimbing" | "klein" => Ok(MediatorStrategy::HillClimbing),
            "veto" => Ok(MediatorStrategy::Veto),
            "feedback" => Ok(MediatorStrategy::Feedback),
            "blind" => Ok(MediatorStrategy::Blind),
            "trusted-nash" | "trusted-neutral" | "trusted" => Ok(MediatorStrategy::TrustedNash),
            "trusted-ks" | "trusted-kalai-smorodinsky" => Ok(MediatorStrategy::TrustedKs),
            _ => Err(Error::config(format!(
                "unknown mediator strategy '{s}'; valid: {}",
                MediatorStrategy::NAMES
            ))),
        }
    }
}

/// One consultation of the schedule: which parties the mediator meets.
#[derive(Clone, Debug, PartialEq)]
pub struct Consultation {
    /// Party indices (the mediator party, if any, is always added).
    pub parties: Vec<usize>,
    /// The scenario meeting it follows, if any.
    pub meeting: Option<usize>,
}

impl Consultation {
    /// A schedule that consults every party every round.
    pub fn everyone(n_parties: usize) -> Vec<Consultation> {
        vec![Consultation {
            parties: (0..n_parties).collect(),
            meeting: None,
        }]
    }

    /// The shuttle schedule of a scenario's meetings timeline: every meeting with the mediator
    /// party and at least one other party (or, with a neutral mediator, every meeting with a
    /// party), in order.
    ///
    /// # Errors
    /// When no meeting qualifies.
    pub fn from_meetings(scenario: &Scenario) -> Result<Vec<Consultation>, Error> {
        let med = scenario.mediator.as_ref().and_then(|m| m.party_idx);
        let out: Vec<Consultation> = scenario
            .meetings
            .iter()
            .enumerate()
            .filter(|(_, m)| match med {
                Some(p) => m.parties.contains(&p) && m.parties.iter().any(|&q| q != p),
                None => !m.parties.is_empty(),
            })
            .map(|(k, m)| Consultation {
                parties: m.parties.clone(),
                meeting: Some(k),
            })
            .collect();
        if out.is_empty() {
            return Err(Error::config(
                "the scenario's meetings timeline has no meeting between the mediator and a party; \
                 consult all parties at once instead",
            ));
        }
        Ok(out)
    }
}

/// Knobs of the single-text protocol.
#[derive(Clone, Debug)]
pub struct SingleTextConfig {
    /// Deadline: number of consultations.
    pub rounds: u32,
    /// Seed for the mediator's and parties' random choices.
    pub seed: u64,
    /// The mediator's strategy.
    pub mediator: MediatorStrategy,
    /// The starting draft (version 0).
    pub start: Outcome,
    /// The consultation schedule, cycled until the deadline.
    pub schedule: Vec<Consultation>,
}

/// One version of the draft.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftVersion {
    /// Version number, from 0 (the starting draft).
    pub version: u32,
    /// The round it was tabled in (0 for the start).
    pub round: u32,
    /// The draft.
    pub outcome: Outcome,
    /// The draft the mediator measured it against (its last adopted draft).
    pub reference: Outcome,
    /// `(issue, old value, new value)` relative to the previous version.
    pub changes: Vec<(usize, u32, u32)>,
}

/// The result of a single-text negotiation: the outcome every protocol reports, plus the
/// draft versions.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleTextResult {
    /// Agreement, consultations held (`rounds`), payoffs, who walked away, and every event.
    pub negotiation: NegotiationResult,
    /// Every version of the draft, in order.
    pub versions: Vec<DraftVersion>,
    /// Questions the mediator put to delegates besides the verdicts (ratings, comparisons):
    /// each one costs a human's time. Consultations are `negotiation.rounds`.
    pub questions: u32,
    /// The trusted neutral's proposal (with each party's gain, or who blocks), for the trusted
    /// strategies.
    pub neutral: Option<Proposal>,
}

/// What a mediator knows when it revises the draft: the drafts and the verdicts, nothing more.
struct MediatorView<'a> {
    draft: &'a Outcome,
    /// This round's verdicts.
    feedback: &'a [(usize, Verdict)],
}

/// The mediator's private state.
struct MediatorState {
    strategy: MediatorStrategy,
    n_parties: usize,
    sizes: Vec<u32>,
    own: Option<Preferences>,
    rng: ChaCha8Rng,
    /// The last adopted draft (hill-climbing and veto).
    base: Outcome,
    /// Per party, issue and value: what the party said about it (feedback mediator).
    stance: Vec<Vec<Vec<Stance>>>,
    /// Per party: how many of its verdicts in a row rejected the draft. A party that keeps
    /// rejecting weighs more, so the text cannot settle on a majority's favourite forever.
    frustration: Vec<u32>,
    /// The blind mediator's state, when it is the strategy.
    blind: Option<Blind>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stance {
    Unknown,
    Tolerated,
    Objected,
    Preferred,
    /// The party declared this value non-negotiable: it is never tabled again.
    RedLine,
}

impl MediatorState {
    /// Whether the mediator (if it has interests) can live with `o`.
    fn own_ok(&self, o: &Outcome) -> bool {
        self.own.as_ref().is_none_or(|p| p.is_acceptable(o))
    }

    /// A random single-clause mutation of the base that the mediator can live with.
    fn mutate(&mut self) -> Outcome {
        for _ in 0..64 {
            let mut idx = self.base.indices().to_vec();
            let movable: Vec<usize> = (0..idx.len()).filter(|&i| self.sizes[i] > 1).collect();
            if movable.is_empty() {
                return self.base.clone();
            }
            let i = movable[self.rng.random_range(0..movable.len())];
            let mut v = self.rng.random_range(0..self.sizes[i] - 1);
            if v >= idx[i] {
                v += 1;
            }
            idx[i] = v;
            let o = Outcome::new(idx);
            if self.own_ok(&o) {
                return o;
            }
        }
        self.base.clone()
    }

    /// The next draft to table, from this round's feedback.
    fn revise(&mut self, view: &MediatorView<'_>) -> Outcome {
        match self.strategy {
            MediatorStrategy::HillClimbing | MediatorStrategy::Veto => {
                let adopt = if self.strategy == MediatorStrategy::HillClimbing {
                    view.feedback.len() == self.n_parties
                        && view.feedback.iter().all(|(_, v)| v.improves == Some(true))
                } else {
                    view.feedback.iter().all(|(_, v)| !v.veto)
                };
                if adopt {
                    self.base = view.draft.clone();
                }
                self.mutate()
            }
            MediatorStrategy::Feedback => self.revise_feedback(view),
            // The mechanism calls the blind mediator directly: it asks questions. The trusted
            // neutral holds its proposal.
            MediatorStrategy::Blind
            | MediatorStrategy::TrustedNash
            | MediatorStrategy::TrustedKs => view.draft.clone(),
        }
    }

    fn revise_feedback(&mut self, view: &MediatorView<'_>) -> Outcome {
        let draft = view.draft;
        // Remember what each consulted party said about each clause.
        for (p, v) in view.feedback {
            self.frustration[*p] = if v.accept {
                0
            } else {
                self.frustration[*p] + 1
            };
            for (i, &x) in draft.indices().iter().enumerate() {
                let s = &mut self.stance[*p][i][x as usize];
                if v.red_lines.contains(&i) {
                    *s = Stance::RedLine;
                } else if *s == Stance::RedLine {
                    // Once declared, a red line stays.
                } else if v.objections.contains(&i) {
                    *s = Stance::Objected;
                } else if *s == Stance::Unknown {
                    *s = Stance::Tolerated;
                }
            }
            for &(i, x) in &v.preferred {
                if let Some(s) = self.stance[*p]
                    .get_mut(i)
                    .and_then(|r| r.get_mut(x as usize))
                {
                    *s = Stance::Preferred;
                }
            }
        }
        // Clauses by how many consulted parties object to them (most first), at most
        // MAX_CHANGES per revision: the text moves a few points at a time.
        let mut objected: Vec<(usize, usize)> = Vec::new();
        for (_, v) in view.feedback {
            for &i in &v.objections {
                match objected.iter_mut().find(|(j, _)| *j == i) {
                    Some(e) => e.1 += 1,
                    None => objected.push((i, 1)),
                }
            }
        }
        objected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut next = draft.indices().to_vec();
        let mut n_changed = 0;
        for (i, _) in objected {
            if n_changed == MAX_CHANGES {
                break;
            }
            let cur = draft.get(i);
            // Where the objectors want this clause to go.
            let wants: Vec<u32> = view
                .feedback
                .iter()
                .filter(|(_, v)| v.objections.contains(&i))
                .filter_map(|(_, v)| v.preferred.iter().find(|(j, _)| *j == i).map(|&(_, x)| x))
                .collect();
            let score = |x: u32| -> f64 {
                (0..self.n_parties)
                    .map(|p| {
                        let weight = 1.0 + f64::from(self.frustration[p]);
                        weight
                            * match self.stance[p][i][x as usize] {
                                Stance::Preferred => 2.0,
                                Stance::Tolerated => 1.0,
                                Stance::Unknown => 0.0,
                                Stance::Objected => -3.0,
                                Stance::RedLine => -1e9,
                            }
                    })
                    .sum()
            };
            // Candidates: one step from the current value toward each requested value; if no
            // objector said what it wants, the neighbouring values.
            let mut cands: Vec<u32> = wants
                .iter()
                .filter(|&&w| w != cur)
                .map(|&w| if w > cur { cur + 1 } else { cur - 1 })
                .collect();
            if cands.is_empty() {
                cands = [
                    cur.checked_sub(1),
                    (cur + 1 < self.sizes[i]).then_some(cur + 1),
                ]
                .into_iter()
                .flatten()
                .collect();
            }
            cands.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
            cands.dedup();
            // Protect what others accepted: never trade the current value for one the parties,
            // taken together, like less.
            let red_lined = |x: u32| {
                (0..self.n_parties).any(|p| self.stance[p][i][x as usize] == Stance::RedLine)
            };
            // A declared red line must go: then any value nobody declared a red line on will
            // do, even one the parties like less.
            let must_move = red_lined(cur);
            if must_move {
                // Fall back on every other value, nearest first.
                let mut rest: Vec<u32> = (0..self.sizes[i])
                    .filter(|&x| x != cur && !cands.contains(&x))
                    .collect();
                rest.sort_by_key(|&x| (x.abs_diff(cur), x));
                cands.extend(rest);
            }
            for x in cands {
                if red_lined(x) || (!must_move && score(x) < score(cur) - TIE_EPS) {
                    continue;
                }
                next[i] = x;
                if self.own_ok(&Outcome::new(next.clone())) {
                    n_changed += 1;
                    break;
                }
                next[i] = cur;
            }
        }
        Outcome::new(next)
    }
}

/// The single-text mechanism.
pub struct SingleText<'a> {
    scenario: &'a Scenario,
    parties: Vec<Box<dyn TextNegotiator>>,
    mediator: MediatorState,
    config: SingleTextConfig,
    neutral: Option<Proposal>,
    max_steps: Option<u64>,
}

impl<'a> SingleText<'a> {
    /// Sets up a single-text negotiation over `scenario` where party `i` reviews drafts with
    /// `strategies[i]`.
    ///
    /// # Errors
    /// When the strategy count does not match, a strategy cannot review texts, the starting
    /// draft does not belong to the space, the schedule is empty or names an unknown party, or
    /// the deadline is 0.
    pub fn new(
        scenario: &'a Scenario,
        strategies: &[Strategy],
        config: SingleTextConfig,
    ) -> Result<SingleText<'a>, Error> {
        let parties = build_parties(scenario, strategies, config.seed)?;
        SingleText::with_negotiators(scenario, parties, config)
    }

    /// Sets up a single-text negotiation under a trusted neutral (`trusted-nash`,
    /// `trusted-ks`): every party confides its preferences to the mediator alone, which tables
    /// the exact bargaining package of the acceptable set in round 0 and holds it (or, with no
    /// zone, the closest package, and reports who blocks it).
    ///
    /// # Errors
    /// As [`SingleText::new`]; when the mediator is not a trusted neutral; as
    /// [`TrustedNeutral::new`] (a party confided nothing) and [`TrustedNeutral::propose`].
    pub fn with_confided(
        scenario: &'a Scenario,
        strategies: &[Strategy],
        config: SingleTextConfig,
        confided: Vec<Confided>,
    ) -> Result<SingleText<'a>, Error> {
        let Some(solution) = config.mediator.trusted_solution() else {
            return Err(Error::config(format!(
                "mediator '{}' does not take confided preferences; use trusted-nash or trusted-ks",
                config.mediator.as_str()
            )));
        };
        let neutral = TrustedNeutral::new(scenario, confided)?;
        let proposal = neutral.propose(solution, Coalition::All)?;
        let parties = build_parties(scenario, strategies, config.seed)?;
        let mut st = SingleText::build(scenario, parties, config)?;
        st.neutral = Some(proposal);
        Ok(st)
    }
}

fn build_parties(
    scenario: &Scenario,
    strategies: &[Strategy],
    seed: u64,
) -> Result<Vec<Box<dyn TextNegotiator>>, Error> {
    let n = scenario.parties().len();
    if strategies.len() != n {
        return Err(Error::new(ErrorKind::Mismatch {
            reason: format!("{} strategies for {n} parties", strategies.len()),
        }));
    }
    build_negotiators(scenario, seed, |init| strategies[init.me].build_text(init))
        .into_iter()
        .collect()
}

impl<'a> SingleText<'a> {
    /// Like [`SingleText::new`], with ready-made parties (one per scenario party, in order).
    ///
    /// # Errors
    /// As [`SingleText::new`].
    pub fn with_negotiators(
        scenario: &'a Scenario,
        parties: Vec<Box<dyn TextNegotiator>>,
        config: SingleTextConfig,
    ) -> Result<SingleText<'a>, Error> {
        if config.mediator.trusted_solution().is_some() {
            return Err(Error::config(format!(
                "a trusted-neutral run needs the parties' confided preferences \
                 (SingleText::with_confided); mediator '{}' was given none",
                config.mediator.as_str()
            )));
        }
        SingleText::build(scenario, parties, config)
    }

    fn build(
        scenario: &'a Scenario,
        parties: Vec<Box<dyn TextNegotiator>>,
        config: SingleTextConfig,
    ) -> Result<SingleText<'a>, Error> {
        let n = scenario.parties().len();
        if parties.len() != n {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: format!("{} negotiators for {n} parties", parties.len()),
            }));
        }
        super::check_rounds(config.rounds)?;
        scenario.space().check(&config.start)?;
        if config.schedule.is_empty() {
            return Err(Error::config("the consultation schedule is empty"));
        }
        for c in &config.schedule {
            if c.parties.iter().any(|&p| p >= n) {
                return Err(Error::config(
                    "the consultation schedule names a party that does not exist",
                ));
            }
        }
        // The mediator's only private knowledge: its own preferences, when it is a party.
        let own = scenario
            .mediator
            .as_ref()
            .and_then(|m| m.party_idx)
            .map(|p| scenario.parties()[p].preferences.clone());
        let sizes: Vec<u32> = scenario
            .space()
            .issues()
            .iter()
            .map(|i| i.n_values())
            .collect();
        let sizes_for_blind = sizes.clone();
        let own_for_blind = own.clone();
        let stance = vec![
            sizes
                .iter()
                .map(|&k| vec![Stance::Unknown; k as usize])
                .collect();
            n
        ];
        let mediator = MediatorState {
            strategy: config.mediator,
            n_parties: n,
            sizes,
            own,
            rng: rng(derive_seed(config.seed, &[u64::MAX])),
            base: config.start.clone(),
            stance,
            frustration: vec![0; n],
            blind: (config.mediator == MediatorStrategy::Blind).then(|| {
                Blind::new(
                    n,
                    sizes_for_blind,
                    own_for_blind,
                    rng(derive_seed(config.seed, &[u64::MAX - 1])),
                )
            }),
        };
        Ok(SingleText {
            scenario,
            parties,
            mediator,
            config,
            neutral: None,
            max_steps: None,
        })
    }

    /// Gives the process a step budget: at most `max_steps` verdicts and new draft versions
    /// (the starting draft counts as one) in all. A process that needs one more stops without
    /// agreement, before that step, with [`NegotiationResult::halted`] set. `None` (the
    /// default) leaves only the deadline.
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: Option<u64>) -> SingleText<'a> {
        self.max_steps = max_steps;
        self
    }

    /// Runs the process, reporting each event to `observer`.
    pub fn run(&mut self, observer: &mut dyn Observer) -> SingleTextResult {
        let n = self.parties.len();
        let mut log = Log::new(observer, self.max_steps);
        let mut draft = self.config.start.clone();
        let mut version = 0u32;
        let mut versions = vec![DraftVersion {
            version: 0,
            round: 0,
            outcome: draft.clone(),
            reference: draft.clone(),
            changes: Vec::new(),
        }];
        let mut questions = 0u32;
        let first = Event::Draft {
            round: 0,
            version: 0,
            outcome: draft.clone(),
            changes: Vec::new(),
        };
        if let Err(halt) = log.step(first) {
            return self.halted(0, log, versions, questions, halt);
        }
        if let Some(next) = self.neutral_table(&draft) {
            let changes = diff(&draft, &next);
            version = 1;
            draft = next;
            self.mediator.base = draft.clone();
            versions.push(DraftVersion {
                version,
                round: 0,
                outcome: draft.clone(),
                reference: draft.clone(),
                changes: changes.clone(),
            });
            let tabled = Event::Draft {
                round: 0,
                version,
                outcome: draft.clone(),
                changes,
            };
            if let Err(halt) = log.step(tabled) {
                return self.halted(0, log, versions, questions, halt);
            }
        }
        let mut accepted = vec![false; n];
        for round in 0..self.config.rounds {
            let (group, meeting) = self.group(round);
            log.note(Event::Consult {
                round,
                parties: group.clone(),
                meeting,
                version,
            });
            let reference = self.mediator.base.clone();
            let mut feedback = Vec::with_capacity(group.len());
            for &p in &group {
                let view = TextView {
                    clock: Clock {
                        round,
                        n_rounds: self.config.rounds,
                    },
                    draft: &draft,
                    version,
                    reference: Some(&reference),
                };
                let v = self.parties[p].review(&view);
                let verdict = Event::Verdict {
                    round,
                    party: p,
                    verdict: v.clone(),
                };
                if let Err(halt) = log.step(verdict) {
                    return self.halted(round, log, versions, questions, halt);
                }
                if v.walk_away {
                    log.note(Event::EndNegotiation {
                        round,
                        party: p,
                        reason: None,
                    });
                    let rounds = self.config.rounds;
                    let ended = super::ended(self.scenario, round, rounds, p, log.trace);
                    return self.result(ended, versions, questions);
                }
                accepted[p] = v.accept;
                feedback.push((p, v));
            }
            if accepted.iter().all(|&a| a) {
                log.note(Event::Agreement {
                    round,
                    outcome: draft.clone(),
                });
                let utilities = super::payoffs(self.scenario, &draft, round, self.config.rounds);
                let negotiation = NegotiationResult {
                    agreement: Some(draft),
                    rounds: round + 1,
                    utilities,
                    ended_by: None,
                    trace: log.trace,
                    halted: None,
                };
                return self.result(negotiation, versions, questions);
            }
            let next = self.revise(&draft, &feedback, &group, &mut questions);
            if next != draft {
                let changes = diff(&draft, &next);
                version += 1;
                draft = next;
                accepted = vec![false; n];
                versions.push(DraftVersion {
                    version,
                    round,
                    outcome: draft.clone(),
                    reference: self.mediator.base.clone(),
                    changes: changes.clone(),
                });
                let revised = Event::Draft {
                    round,
                    version,
                    outcome: draft.clone(),
                    changes,
                };
                if let Err(halt) = log.step(revised) {
                    return self.halted(round, log, versions, questions, halt);
                }
            }
        }
        log.note(Event::Timeout {
            rounds: self.config.rounds,
        });
        let negotiation = NegotiationResult {
            agreement: None,
            rounds: self.config.rounds,
            utilities: super::disagreement(self.scenario, self.config.rounds, self.config.rounds),
            ended_by: None,
            trace: log.trace,
            halted: None,
        };
        self.result(negotiation, versions, questions)
    }

    /// The trusted neutral's text to table at the start (its proposal, or the package it found
    /// blocked), when there is one and it differs from `draft`.
    fn neutral_table(&self, draft: &Outcome) -> Option<Outcome> {
        let p = self.neutral.as_ref()?;
        p.outcome
            .clone()
            .or_else(|| p.blocked.as_ref().map(|(o, _)| o.clone()))
            .filter(|o| o != draft)
    }

    /// The parties consulted in `round` (sorted, with a mediator who is a party) and the
    /// scenario meeting the consultation follows, if any.
    fn group(&self, round: u32) -> (Vec<usize>, Option<usize>) {
        let n = self.parties.len();
        let slot = &self.config.schedule[round as usize % self.config.schedule.len()];
        let everyone = matches!(
            self.config.mediator,
            MediatorStrategy::HillClimbing | MediatorStrategy::Veto
        );
        // A mediator that knows its text is acceptable to every party convenes them all.
        let plenary = self.mediator.blind.as_ref().is_some_and(Blind::settled)
            || self.neutral.as_ref().is_some_and(|p| p.outcome.is_some());
        let (mut group, meeting): (Vec<usize>, _) = if everyone || plenary {
            ((0..n).collect(), None)
        } else {
            (slot.parties.clone(), slot.meeting)
        };
        if let Some(m) = self.scenario.mediator.as_ref().and_then(|m| m.party_idx)
            && !group.contains(&m)
        {
            group.push(m);
        }
        group.sort_unstable();
        group.dedup();
        (group, meeting)
    }

    /// The mediator's next draft from the verdicts of `group` on `draft`; the blind mediator
    /// may put questions to the parties present (counted in `questions`).
    fn revise(
        &mut self,
        draft: &Outcome,
        feedback: &[(usize, Verdict)],
        group: &[usize],
        questions: &mut u32,
    ) -> Outcome {
        match self.mediator.blind.as_mut() {
            Some(blind) => {
                let parties = &mut self.parties;
                let mut ask = |p: usize, q: &Question| {
                    if !group.contains(&p) {
                        return None;
                    }
                    *questions += 1;
                    parties[p].answer(q)
                };
                blind.revise(draft, feedback, &mut ask)
            }
            None => self.mediator.revise(&MediatorView { draft, feedback }),
        }
    }

    fn result(
        &self,
        negotiation: NegotiationResult,
        versions: Vec<DraftVersion>,
        questions: u32,
    ) -> SingleTextResult {
        SingleTextResult {
            negotiation,
            versions,
            questions,
            neutral: self.neutral.clone(),
        }
    }

    /// The result of a process stopped by its step budget in `round`.
    fn halted(
        &self,
        round: u32,
        log: Log<'_>,
        versions: Vec<DraftVersion>,
        questions: u32,
        halt: Halt,
    ) -> SingleTextResult {
        let rounds = self.config.rounds;
        let negotiation = super::halted(self.scenario, round, rounds, log.trace, halt);
        self.result(negotiation, versions, questions)
    }
}

/// The clause-level diff from `old` to `new`: `(issue, old value, new value)`.
fn diff(old: &Outcome, new: &Outcome) -> Vec<(usize, u32, u32)> {
    (0..new.indices().len())
        .filter(|&i| new.get(i) != old.get(i))
        .map(|i| (i, old.get(i), new.get(i)))
        .collect()
}

/// The feedback mediator's next draft after the consultations in `history`, for a mediator
/// that is not a party: each entry is a tabled draft and the verdicts `(party, verdict)` it
/// received, oldest first. The mediator's memory of what each party said is rebuilt by
/// replaying the history, exactly as [`SingleText`] would have revised it; like the mechanism's
/// mediator it sees the verdicts only, never a utility function. `None` for an empty history.
///
/// Used by interactive rooms, where people give the verdicts and the algorithm only suggests.
///
/// # Errors
/// When a draft does not belong to `space` or a verdict names an unknown party.
pub fn suggest_feedback_draft(
    space: &crate::outcome::OutcomeSpace,
    n_parties: usize,
    history: &[(Outcome, Vec<(usize, Verdict)>)],
) -> Result<Option<Outcome>, Error> {
    let Some((first, _)) = history.first() else {
        return Ok(None);
    };
    let sizes: Vec<u32> = space.issues().iter().map(|i| i.n_values()).collect();
    let mut mediator = MediatorState {
        strategy: MediatorStrategy::Feedback,
        n_parties,
        sizes: sizes.clone(),
        own: None,
        rng: rng(0),
        base: first.clone(),
        stance: vec![
            sizes
                .iter()
                .map(|&k| vec![Stance::Unknown; k as usize])
                .collect();
            n_parties
        ],
        frustration: vec![0; n_parties],
        blind: None,
    };
    let mut next = None;
    for (draft, feedback) in history {
        space.check(draft)?;
        if feedback.iter().any(|(p, _)| *p >= n_parties) {
            return Err(Error::config("a verdict names a party that does not exist"));
        }
        let n_issues = sizes.len();
        if feedback.iter().any(|(_, v)| {
            v.objections
                .iter()
                .chain(&v.red_lines)
                .chain(v.preferred.iter().map(|(i, _)| i))
                .any(|&i| i >= n_issues)
        }) {
            return Err(Error::config(
                "a verdict names a clause that does not exist",
            ));
        }
        next = Some(mediator.revise(&MediatorView { draft, feedback }));
    }
    Ok(next)
}

/// Runs a single-text negotiation (see the module docs).
///
/// # Errors
/// As [`SingleText::new`].
pub fn run_single_text(
    scenario: &Scenario,
    strategies: &[Strategy],
    config: &SingleTextConfig,
) -> Result<SingleTextResult, Error> {
    let mut st = SingleText::new(scenario, strategies, config.clone())?;
    Ok(st.run(&mut |_: &Event| {}))
}

#[cfg(test)]
mod suggest_tests {
    use super::*;
    use crate::{Issue, OutcomeSpace, Party, RedLines, UtilityFunction, ValueFunction};

    /// Replaying a run's verdicts through `suggest_feedback_draft` gives exactly the drafts the
    /// mechanism's feedback mediator tabled.
    #[test]
    fn suggestion_replays_the_feedback_mediator() {
        let space = OutcomeSpace::new(vec![
            Issue::integer("a", 0, 6, 1).unwrap(),
            Issue::integer("b", 0, 4, 1).unwrap(),
            Issue::integer("c", 0, 5, 1).unwrap(),
        ])
        .unwrap();
        let party = |name: &str, w: [f64; 3], up: bool| {
            let vf = |n: f64| {
                Some(ValueFunction::PiecewiseLinear(if up {
                    vec![(0.0, 0.0), (n, 1.0)]
                } else {
                    vec![(0.0, 1.0), (n, 0.0)]
                }))
            };
            let u = UtilityFunction::weighted_sum(&space, name, &w, &[vf(6.0), vf(4.0), vf(5.0)])
                .unwrap();
            Party::new(
                name,
                Preferences::new(u, 0.3, RedLines::none(3), 1.0).unwrap(),
            )
        };
        let scenario = Scenario::new(
            "t",
            space.clone(),
            vec![
                party("x", [3.0, 1.0, 2.0], true),
                party("y", [1.0, 3.0, 2.0], false),
            ],
        )
        .unwrap();
        let config = SingleTextConfig {
            rounds: 30,
            seed: 5,
            mediator: MediatorStrategy::Feedback,
            start: Outcome::new(vec![0, 4, 0]),
            schedule: Consultation::everyone(2),
        };
        let result = run_single_text(
            &scenario,
            &[Strategy::Boulware, Strategy::Conceder],
            &config,
        )
        .unwrap();
        assert!(
            result.versions.len() > 2,
            "the text must move for the test to mean anything"
        );
        let mut history: Vec<(Outcome, Vec<(usize, Verdict)>)> = Vec::new();
        let mut draft = config.start.clone();
        let mut feedback = Vec::new();
        let mut checked = 0;
        for e in &result.negotiation.trace {
            match e {
                Event::Verdict { party, verdict, .. } => feedback.push((*party, verdict.clone())),
                Event::Draft { outcome, .. } if !feedback.is_empty() => {
                    history.push((draft.clone(), std::mem::take(&mut feedback)));
                    let s = suggest_feedback_draft(&space, 2, &history).unwrap();
                    assert_eq!(s.as_ref(), Some(outcome));
                    draft = outcome.clone();
                    checked += 1;
                }
                Event::Consult { .. } if !feedback.is_empty() => {
                    // A round whose revision left the draft unchanged.
                    history.push((draft.clone(), std::mem::take(&mut feedback)));
                    let s = suggest_feedback_draft(&space, 2, &history).unwrap();
                    assert_eq!(s.as_ref(), Some(&draft));
                }
                _ => {}
            }
        }
        assert!(checked >= 2);
        assert_eq!(suggest_feedback_draft(&space, 2, &[]).unwrap(), None);
        let bad = Verdict {
            accept: false,
            objections: vec![7],
            red_lines: vec![],
            preferred: vec![],
            improves: None,
            veto: false,
            walk_away: false,
        };
        assert!(suggest_feedback_draft(&space, 2, &[(draft, vec![(0, bad)])]).is_err());
    }
}
