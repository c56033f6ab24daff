//! Parties under the single negotiating text: reviewing a mediator's draft.
//!
//! Under a single text a party does not make offers; it answers the mediator's draft with a
//! [`Verdict`]: accept or not, the clauses (issues) it objects to, optionally the alternative it
//! would prefer on each, whether the draft is at least as good for it as a reference draft the
//! mediator names, and whether it vetoes the draft outright (below its walk-away value or across
//! a red line). Like an offer-making negotiator, a [`TextNegotiator`] sees only its own
//! preferences and the drafts.

use crate::TIE_EPS;
use crate::error::Error;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;

use super::{Answer, Clock, NegotiatorInit, Question, Strategy, answer_from};

/// Besides its red lines, a party objects to at most this many clauses per review: the ones
/// that cost it most. Negotiators fight over a few points at a time, not the whole text.
pub const MAX_OBJECTIONS: usize = 3;

/// Most search nodes a party with linked preferences spends finding its own best outcome (past
/// it, its aspiration starts from its walk-away value).
const LINKED_BEST_NODES: u64 = 10_000_000;

/// A party's answer on a draft.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Whether the party accepts the draft as it stands.
    pub accept: bool,
    /// Issues (clauses) the party objects to, ascending.
    pub objections: Vec<usize>,
    /// The objected clauses the party declares non-negotiable: the draft's value crosses one of
    /// its red lines there. Parties say so in real talks; a mediator may never come back to
    /// that value.
    pub red_lines: Vec<usize>,
    /// For some objected issues, the value the party would prefer: `(issue, value)`.
    pub preferred: Vec<(usize, u32)>,
    /// Whether the draft is at least as good for the party as the reference draft, when the
    /// mediator named one.
    pub improves: Option<bool>,
    /// Whether the party finds the draft unacceptable outright (below its walk-away value or
    /// across a red line).
    pub veto: bool,
    /// Whether the party walks away from the process.
    pub walk_away: bool,
}

/// What a party sees when it reviews a draft.
#[derive(Clone, Copy, Debug)]
pub struct TextView<'a> {
    /// Consultation round and deadline.
    pub clock: Clock,
    /// The draft on the table.
    pub draft: &'a Outcome,
    /// Its version number.
    pub version: u32,
    /// The draft the mediator asks it to compare with, if any.
    pub reference: Option<&'a Outcome>,
}

/// A party's strategy for reviewing drafts.
pub trait TextNegotiator: Send {
    /// Answers on the draft in `view`.
    fn review(&mut self, view: &TextView<'_>) -> Verdict;

    /// Answers a mediator's [`Question`] about texts, or declines (`None`, the default).
    fn answer(&mut self, _question: &Question) -> Option<Answer> {
        None
    }
}

impl Strategy {
    /// Creates a draft-reviewing party following this strategy. Time-dependent strategies
    /// (boulware, linear, conceder, time:E) lower their aspiration over time; hardliner accepts
    /// only its best.
    ///
    /// # Errors
    /// For strategies that only make offers (random, tit-for-tat, naive-tft, micro, the ANAC
    /// agents, other BOA compositions).
    pub fn build_text(&self, init: NegotiatorInit<'_>) -> Result<Box<dyn TextNegotiator>, Error> {
        let e = match self {
            Strategy::Boulware => 0.2,
            Strategy::Linear => 1.0,
            Strategy::Conceder => 2.0,
            Strategy::TimeDependent(e) => *e,
            Strategy::Hardliner => 0.0,
            Strategy::Boa(b) => match (&b.bid, &b.accept) {
                (super::Bidding::Time(e), super::Acceptance::Next { .. }) => *e,
                (super::Bidding::Hardliner, super::Acceptance::Next { .. }) => 0.0,
                _ => {
                    return Err(Error::config(format!(
                        "strategy '{self}' cannot review a single text; only a BOA negotiator \
                         with a time-dependent or hardliner bid and AC_next can"
                    )));
                }
            },
            Strategy::Random
            | Strategy::TitForTat
            | Strategy::NaiveTitForTat
            | Strategy::Micro
            | Strategy::AgentK
            | Strategy::HardHeaded
            | Strategy::CuhkAgent
            | Strategy::TheFawkes
            | Strategy::Atlas3
            | Strategy::ParsAgent
            | Strategy::Caduceus
            | Strategy::PonPoko
            | Strategy::Agreeable
            | Strategy::AgentGg => {
                return Err(Error::config(format!(
                    "strategy '{self}' makes offers and cannot review a single text; \
                     use boulware, linear, conceder, time:E or hardliner"
                )));
            }
        };
        Ok(Box::new(Aspiration::new(
            init.space,
            init.preferences.clone(),
            e,
        )))
    }
}

/// Time-dependent aspiration: accepts a draft worth at least `best − (best − r)·t^(1/e)`
/// (e = 0 never concedes), and objects to the clauses that cost it most.
struct Aspiration {
    prefs: Preferences,
    e: f64,
    /// Per issue, the best term among values outside one's red lines.
    best_terms: Vec<f64>,
    best: f64,
    /// The last draft reviewed and the clauses objected to in it.
    last: Option<(Outcome, Vec<usize>)>,
    /// Per issue: how many reviews in a row it was objected to without the clause moving.
    /// Stuck clauses lose priority, so the party raises others (the mediator may be unable to
    /// move a clause that someone else's red line pins down).
    stuck: Vec<u32>,
}

impl Aspiration {
    fn new(space: &OutcomeSpace, prefs: Preferences, e: f64) -> Aspiration {
        let terms = prefs.ufun().terms();
        let best_terms: Vec<f64> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (0..t.len() as u32)
                    .filter(|&v| !prefs.red_lines().forbids(i, v))
                    .map(|v| t[v as usize])
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let best = if prefs.is_linked() {
            // Linked preferences: the exact best over the outcomes crossing none of one's red
            // lines (conditional ones included), by branch and bound.
            crate::analysis::best_within_red_lines(space, &prefs, LINKED_BEST_NODES)
                .map_or(prefs.reservation(), |(u, _)| u)
        } else if best_terms.iter().all(|x| x.is_finite()) {
            prefs.ufun().finish(best_terms.iter().sum())
        } else {
            prefs.reservation()
        };
        let n = best_terms.len();
        Aspiration {
            prefs,
            e,
            best_terms,
            best,
            last: None,
            stuck: vec![0; n],
        }
    }

    /// Whether even the best draft agreed at the next consultation would be worth less than
    /// walking away now (see `Common::waiting_only_loses` in `strategies.rs`).
    fn waiting_only_loses(&self, view: &TextView<'_>) -> bool {
        let next = view.clock.round + 1;
        if self.prefs.discount() == 1.0 || next >= view.clock.n_rounds {
            return false;
        }
        self.prefs.discounted(self.best, next, view.clock.n_rounds)
            < self
                .prefs
                .discounted_reservation(view.clock.round, view.clock.n_rounds)
                - TIE_EPS
    }

    fn target(&self, t: f64) -> f64 {
        let r = self.prefs.reservation();
        if self.e <= 0.0 {
            return self.best;
        }
        self.best - (self.best - r).max(0.0) * t.clamp(0.0, 1.0).powf(1.0 / self.e)
    }
}

impl TextNegotiator for Aspiration {
    fn answer(&mut self, question: &Question) -> Option<Answer> {
        Some(answer_from(&self.prefs, question))
    }

    fn review(&mut self, view: &TextView<'_>) -> Verdict {
        if self.prefs.is_linked() {
            return self.review_linked(view);
        }
        let draft = view.draft;
        self.note_stuck(draft);
        let terms = self.prefs.ufun().terms();
        let u = self.prefs.utility(draft);
        let target = self.target(view.clock.time());
        let crossed: Vec<usize> = (0..terms.len())
            .filter(|&i| self.prefs.red_lines().forbids(i, draft.get(i)))
            .collect();
        let j = self.judge(view, !crossed.is_empty(), u, target);
        let accept = j.accept;
        let mut objections = crossed.clone();
        if !accept {
            // Object to the costliest clauses (at most MAX_OBJECTIONS) until fixing them would
            // reach the target.
            let losses: Vec<(usize, f64)> = (0..terms.len())
                .filter(|i| !crossed.contains(i))
                .map(|i| (i, self.best_terms[i] - terms[i][draft.get(i) as usize]))
                .filter(|(_, loss)| *loss > TIE_EPS)
                .collect();
            object_to_costliest(losses, &self.stuck, target - u, &mut objections);
            objections.sort_unstable();
        }
        // On each objected clause, ask for the nearest value (in the order) that is
        // better for us and outside our red lines: a minimal request, as negotiators make.
        let preferred = objections
            .iter()
            .filter_map(|&i| {
                let cur = draft.get(i);
                let t = &terms[i];
                let here = if self.prefs.red_lines().forbids(i, cur) {
                    f64::NEG_INFINITY
                } else {
                    t[cur as usize]
                };
                (0..t.len() as u32)
                    .filter(|&v| {
                        v != cur
                            && !self.prefs.red_lines().forbids(i, v)
                            && t[v as usize] > here + TIE_EPS
                    })
                    .min_by_key(|&v| (v.abs_diff(cur), v))
                    .map(|v| (i, v))
            })
            .collect();
        self.verdict(view, j, objections, crossed, preferred)
    }
}

impl Aspiration {
    /// Counts, per clause, how many consultations in a row it was objected to and came back
    /// unchanged (`stuck`), from the previous verdict.
    fn note_stuck(&mut self, draft: &Outcome) {
        if let Some((prev, objected)) = &self.last {
            for i in 0..self.stuck.len() {
                self.stuck[i] = if objected.contains(&i) && prev.get(i) == draft.get(i) {
                    self.stuck[i] + 1
                } else {
                    0
                };
            }
        }
    }

    /// Accept, veto or walk away, for a draft worth `u` that does or does not cross a red line.
    fn judge(&self, view: &TextView<'_>, crosses: bool, u: f64, target: f64) -> Judgement {
        let veto = crosses || u < self.prefs.reservation() - TIE_EPS;
        // Discounting (GENIUS's semantics, see `Preferences`): when even one's best draft,
        // agreed at the next consultation, would be worth less than walking away now, waiting
        // only loses: accept an acceptable draft, or walk away.
        let lose = self.waiting_only_loses(view);
        Judgement {
            u,
            veto,
            lose,
            accept: !veto && (u >= target - TIE_EPS || lose),
        }
    }

    /// The verdict of both reviews, remembering the objections for the next consultation.
    fn verdict(
        &mut self,
        view: &TextView<'_>,
        j: Judgement,
        objections: Vec<usize>,
        red_lines: Vec<usize>,
        preferred: Vec<(usize, u32)>,
    ) -> Verdict {
        let improves = view
            .reference
            .map(|r| j.u >= self.prefs.utility(r) - TIE_EPS);
        self.last = Some((view.draft.clone(), objections.clone()));
        Verdict {
            accept: j.accept,
            objections,
            red_lines,
            preferred,
            improves,
            veto: j.veto,
            walk_away: j.lose && j.veto,
        }
    }

    /// How a draft stands for a party with linked preferences: how many of its red lines it
    /// crosses (conditional ones included), then its utility.
    fn standing(&self, o: &[u32]) -> (usize, f64) {
        let rl = self.prefs.red_lines();
        let crossed = o
            .iter()
            .enumerate()
            .filter(|&(i, &v)| rl.forbids(i, v))
            .count()
            + rl.conditional().iter().filter(|c| c.violated_by(o)).count();
        (crossed, self.prefs.utility(&Outcome::new(o.to_vec())))
    }

    /// [`TextNegotiator::review`] for linked preferences (interaction terms, conditional red
    /// lines), where a clause's cost depends on the rest of the draft. A clause's cost is what
    /// the best change of that clause alone would gain, the rest of the draft held; a change is
    /// better when it crosses fewer of one's red lines, or as many and is worth more. For
    /// additive preferences this is the rule of the additive review, which is kept as it is.
    /// A draft that crosses a conditional red line is vetoed and the clause whose change best
    /// clears it is objected to (not declared a red line: the value is acceptable elsewhere).
    fn review_linked(&mut self, view: &TextView<'_>) -> Verdict {
        let draft = view.draft;
        self.note_stuck(draft);
        let cur: Vec<u32> = draft.indices().to_vec();
        let n = cur.len();
        let (n_crossed, u) = self.standing(&cur);
        let target = self.target(view.clock.time());
        let rl = self.prefs.red_lines();
        let crossed: Vec<usize> = (0..n).filter(|&i| rl.forbids(i, cur[i])).collect();
        let j = self.judge(view, n_crossed > 0, u, target);
        let accept = j.accept;
        let better =
            |a: (usize, f64), b: (usize, f64)| a.0 < b.0 || (a.0 == b.0 && a.1 > b.1 + TIE_EPS);
        // Per clause: every value whose change alone is better than the draft, with its standing.
        let n_values = |i: usize| self.prefs.ufun().terms()[i].len() as u32;
        let mut changes: Vec<Vec<(u32, (usize, f64))>> = Vec::with_capacity(n);
        let mut o = cur.clone();
        for i in 0..n {
            let mut better_here = Vec::new();
            for v in 0..n_values(i) {
                if v == cur[i] {
                    continue;
                }
                o[i] = v;
                let st = self.standing(&o);
                if better(st, (n_crossed, u)) {
                    better_here.push((v, st));
                }
            }
            o[i] = cur[i];
            changes.push(better_here);
        }
        let best_change = |i: usize| -> Option<(usize, f64)> {
            changes[i]
                .iter()
                .map(|c| c.1)
                .reduce(|a, b| if better(b, a) { b } else { a })
        };
        let mut objections = crossed.clone();
        let conditional = rl.conditional().iter().any(|c| c.violated_by(&cur));
        if conditional {
            // The clause whose change best clears the conditional red lines.
            let fix = (0..n)
                .filter(|i| !objections.contains(i))
                .filter_map(|i| best_change(i).filter(|b| b.0 < n_crossed).map(|b| (i, b)))
                .reduce(|a, b| if better(b.1, a.1) { b } else { a });
            if let Some((i, _)) = fix {
                objections.push(i);
            }
        }
        if !accept {
            let losses: Vec<(usize, f64)> = (0..n)
                .filter(|i| !objections.contains(i))
                .filter_map(|i| {
                    best_change(i)
                        .filter(|b| b.0 <= n_crossed)
                        .map(|b| (i, b.1 - u))
                })
                .filter(|(_, gain)| *gain > TIE_EPS)
                .collect();
            object_to_costliest(losses, &self.stuck, target - u, &mut objections);
        }
        objections.sort_unstable();
        objections.dedup();
        // On each objected clause, the nearest value (in the order) whose change is
        // better for us: a minimal request.
        let preferred = objections
            .iter()
            .filter_map(|&i| {
                changes[i]
                    .iter()
                    .map(|c| c.0)
                    .min_by_key(|&v| (v.abs_diff(cur[i]), v))
                    .map(|v| (i, v))
            })
            .collect();
        self.verdict(view, j, objections, crossed, preferred)
    }
}

/// A party's decision on a draft, before it says which clauses it objects to.
#[derive(Clone, Copy)]
struct Judgement {
    u: f64,
    veto: bool,
    lose: bool,
    accept: bool,
}

/// Objects to the costliest clauses first (each clause's loss discounted by how often it was
/// already refused, `stuck`), at most [`MAX_OBJECTIONS`], until fixing them would close `gap`.
fn object_to_costliest(
    mut losses: Vec<(usize, f64)>,
    stuck: &[u32],
    mut gap: f64,
    objections: &mut Vec<usize>,
) {
    let priority = |&(i, loss): &(usize, f64)| loss / (1.0 + f64::from(stuck[i]));
    losses.sort_by(|a, b| priority(b).total_cmp(&priority(a)).then(a.0.cmp(&b.0)));
    for (i, loss) in losses.into_iter().take(MAX_OBJECTIONS) {
        if gap <= TIE_EPS {
            break;
        }
        objections.push(i);
        gap -= loss;
    }
}
