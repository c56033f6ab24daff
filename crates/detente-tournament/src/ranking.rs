//! Ranking strategies by ANAC's metrics, with 95% confidence intervals.
//!
//! Each *participation* of a strategy in a completed negotiation is one observation: in
//! self-play a strategy participates once per position it holds. Per strategy the ranking
//! reports
//!
//! * the mean individual utility (its own payoff: ANAC's main score), which orders the table;
//! * the agreement rate (Wilson interval);
//! * the mean welfare, Pareto distance and Nash distance of the negotiations it took part in
//!   (a distance is left out of the mean where the scenario's frontier or Nash point is
//!   unknown);
//! * the rate of individually rational results (Wilson interval);
//! * how many of its participations failed (a negotiator panicked or the step budget ran out).
//!   Failed negotiations are counted but left out of every mean.
//!
//! Records are added one at a time, so a ranking over millions of negotiations streams from
//! the store in constant memory. Adding them in id order makes the result bit-for-bit
//! reproducible.
//!
//! Non-goals: scenario-normalised scores and significance tests between strategies.

use crate::record::Record;
use crate::stats::{Estimate, Mean, wilson};

/// One strategy's line in the ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    /// The player index.
    pub player: usize,
    /// The player's name.
    pub name: String,
    /// Participations, failed ones included.
    pub n_participations: u64,
    /// Participations in negotiations that failed.
    pub n_failed: u64,
    /// Mean individual utility (own discounted payoff).
    pub utility: Option<Estimate>,
    /// Share of participations that ended in agreement.
    pub agreement_rate: Option<Estimate>,
    /// Mean social welfare of its negotiations.
    pub welfare: Option<Estimate>,
    /// Mean distance to the Pareto frontier.
    pub pareto_distance: Option<Estimate>,
    /// Mean distance to the Nash point.
    pub nash_distance: Option<Estimate>,
    /// Share of individually rational results.
    pub individually_rational: Option<Estimate>,
}

/// Accumulates records into a ranking.
#[derive(Clone, Debug)]
pub struct Ranker {
    names: Vec<String>,
    acc: Vec<Acc>,
}

#[derive(Clone, Debug, Default)]
struct Acc {
    n: u64,
    failed: u64,
    agreements: u64,
    rational: u64,
    utility: Mean,
    welfare: Mean,
    pareto: Mean,
    nash: Mean,
}

impl Ranker {
    /// A ranker for players with these names (index = player index).
    pub fn new(names: Vec<String>) -> Ranker {
        let acc = vec![Acc::default(); names.len()];
        Ranker { names, acc }
    }

    /// Adds one negotiation. Positions whose player index is out of range are ignored.
    pub fn add(&mut self, record: &Record) {
        for (position, &player) in record.players.iter().enumerate() {
            let Some(a) = self.acc.get_mut(player) else {
                continue;
            };
            a.n += 1;
            let m = match &record.metrics {
                Ok(m) => m,
                Err(_) => {
                    a.failed += 1;
                    continue;
                }
            };
            if let Some(&u) = m.utilities.get(position) {
                a.utility.add(u);
            }
            a.agreements += u64::from(m.agreement.is_some());
            a.rational += u64::from(m.individually_rational);
            a.welfare.add(m.welfare);
            if let Some(d) = m.pareto_distance {
                a.pareto.add(d);
            }
            if let Some(d) = m.nash_distance {
                a.nash.add(d);
            }
        }
    }

    /// The standings, best mean individual utility first (ties by name; strategies without a
    /// completed negotiation last).
    pub fn finish(self) -> Vec<Standing> {
        let mut out: Vec<Standing> = self
            .names
            .into_iter()
            .zip(self.acc)
            .enumerate()
            .map(|(player, (name, a))| {
                let done = a.n - a.failed;
                Standing {
                    player,
                    name,
                    n_participations: a.n,
                    n_failed: a.failed,
                    utility: a.utility.estimate(),
                    agreement_rate: wilson(a.agreements, done),
                    welfare: a.welfare.estimate(),
                    pareto_distance: a.pareto.estimate(),
                    nash_distance: a.nash.estimate(),
                    individually_rational: wilson(a.rational, done),
                }
            })
            .collect();
        out.sort_by(|x, y| {
            let key = |s: &Standing| s.utility.map(|e| e.mean);
            match (key(x), key(y)) {
                (Some(a), Some(b)) => b.total_cmp(&a),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| x.name.cmp(&y.name))
        });
        out
    }
}

/// One mediator's line in the ranking of a single-text tournament's mediators. Every mediator
/// plays the same assignments with the same seeds, so the lines compare like with like.
#[derive(Clone, Debug, PartialEq)]
pub struct MediatorStanding {
    /// The mediator index.
    pub mediator: usize,
    /// The mediator's name.
    pub name: String,
    /// Negotiations, failed ones included.
    pub n_negotiations: u64,
    /// Negotiations that failed.
    pub n_failed: u64,
    /// Share of negotiations that ended in an agreement (Wilson interval). Every agreement of
    /// the single text is acceptable to every party (each accepted the same draft).
    pub agreement_rate: Option<Estimate>,
    /// Mean consultations used (rounds; the deadline when there is no agreement).
    pub consultations: Option<Estimate>,
    /// Mean questions put to delegates besides the verdicts.
    pub questions: Option<Estimate>,
    /// Mean social welfare (sum of payoffs).
    pub welfare: Option<Estimate>,
    /// Mean distance to the Pareto frontier.
    pub pareto_distance: Option<Estimate>,
    /// Mean distance to the Nash point.
    pub nash_distance: Option<Estimate>,
    /// Share of individually rational results.
    pub individually_rational: Option<Estimate>,
}

/// Accumulates the records of a single-text tournament into a ranking of its mediators
/// (by the record's `key.mediator`).
#[derive(Clone, Debug)]
pub struct MediatorRanker {
    names: Vec<String>,
    acc: Vec<MediatorAcc>,
}

#[derive(Clone, Debug, Default)]
struct MediatorAcc {
    n: u64,
    failed: u64,
    agreements: u64,
    rational: u64,
    consultations: Mean,
    questions: Mean,
    welfare: Mean,
    pareto: Mean,
    nash: Mean,
}

impl MediatorRanker {
    /// A ranker for mediators with these names (index = mediator index).
    pub fn new(names: Vec<String>) -> MediatorRanker {
        let acc = vec![MediatorAcc::default(); names.len()];
        MediatorRanker { names, acc }
    }

    /// Adds one negotiation. A record whose mediator index is out of range is ignored.
    pub fn add(&mut self, record: &Record) {
        let Some(a) = self.acc.get_mut(record.key.mediator) else {
            return;
        };
        a.n += 1;
        let m = match &record.metrics {
            Ok(m) => m,
            Err(_) => {
                a.failed += 1;
                return;
            }
        };
        a.agreements += u64::from(m.agreement.is_some());
        a.rational += u64::from(m.individually_rational);
        a.consultations.add(f64::from(m.rounds));
        a.questions.add(f64::from(m.questions.unwrap_or(0)));
        a.welfare.add(m.welfare);
        if let Some(d) = m.pareto_distance {
            a.pareto.add(d);
        }
        if let Some(d) = m.nash_distance {
            a.nash.add(d);
        }
    }

    /// The standings: highest agreement rate first, then fewer questions, then higher
    /// welfare, then name (mediators without a completed negotiation last).
    pub fn finish(self) -> Vec<MediatorStanding> {
        let mut out: Vec<MediatorStanding> = self
            .names
            .into_iter()
            .zip(self.acc)
            .enumerate()
            .map(|(mediator, (name, a))| MediatorStanding {
                mediator,
                name,
                n_negotiations: a.n,
                n_failed: a.failed,
                agreement_rate: wilson(a.agreements, a.n - a.failed),
                consultations: a.consultations.estimate(),
                questions: a.questions.estimate(),
                welfare: a.welfare.estimate(),
                pareto_distance: a.pareto.estimate(),
                nash_distance: a.nash.estimate(),
                individually_rational: wilson(a.rational, a.n - a.failed),
            })
            .collect();
        let mean = |e: &Option<Estimate>| e.map(|e| e.mean);
        out.sort_by(|x, y| {
            let by = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => b.total_cmp(&a),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by(mean(&x.agreement_rate), mean(&y.agreement_rate))
                .then_with(|| by(mean(&y.questions), mean(&x.questions)))
                .then_with(|| by(mean(&x.welfare), mean(&y.welfare)))
                .then_with(|| x.name.cmp(&y.name))
        });
        out
    }
}
