//! Private preferences of one party: utility function, reservation value, red lines, discount.
//!
//! Discounting follows GENIUS's semantics, documented on [`Preferences`].
//!
//! Every utility function in detente is *additive over issues*: the utility of an outcome is the
//! sum of one term per issue, optionally clipped at 1 (GENIUS's convention). The terms are kept
//! as a table per issue, already weighted, so evaluating an outcome is a handful of lookups and
//! analysis can bound partial outcomes issue by issue. Piecewise-linear value functions of
//! integer issues are tabulated on the issue's grid when the function is built.
//!
//! A utility function may also carry [`Link`]s (interaction terms, GENIUS hyper-rectangles):
//! `u(ω) = clip(Σᵢ tᵢ(ωᵢ) + Σ_{links whose condition holds} value)`, where the clip at 1 (if
//! any) applies to the whole sum. Link values are in utility units and are *not* renormalised:
//! the native format normalises the additive weights to sum to 1 and then adds the links, so a
//! linked utility may leave [0, 1]. [`RedLines`] may likewise carry [`ConditionalRedLine`]s.
//!
//! Non-goals: learning preferences.

use crate::error::{Error, ErrorKind};
use crate::links::{ConditionalRedLine, Link};
use crate::outcome::{Issue, IssueKind, Outcome, OutcomeSpace};

/// The most values an integer issue may have ([`Issue::integer`] refuses more): value functions
/// are tabulated, and analysis keeps per-issue tables and frontiers of this length, so the
/// limit bounds memory (a few hundred megabytes at most for two such issues).
pub const MAX_TABLE_LEN: u32 = 1_000_000;

/// How one party values the values of one issue, before weighting: each in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub enum ValueFunction {
    /// One value per option (or per integer value), in the issue's order.
    Table(Vec<f64>),
    /// Piecewise linear through `(x, v)` points with strictly increasing `x`, clamped to the
    /// first and last `v` outside them. For integer issues.
    PiecewiseLinear(Vec<(f64, f64)>),
}

impl ValueFunction {
    /// Evaluates a piecewise-linear function at `x`.
    fn piecewise(points: &[(f64, f64)], x: f64) -> f64 {
        let (first, last) = (points[0], points[points.len() - 1]);
        if x <= first.0 {
            return first.1;
        }
        if x >= last.0 {
            return last.1;
        }
        for w in points.windows(2) {
            let ((x0, v0), (x1, v1)) = (w[0], w[1]);
            if x <= x1 {
                return v0 + (v1 - v0) * (x - x0) / (x1 - x0);
            }
        }
        last.1
    }

    /// Tabulates this value function on an issue, checking it fits.
    fn tabulate(&self, issue: &Issue, party: &str) -> Result<Vec<f64>, Error> {
        let n = issue.n_values();
        let table = match self {
            ValueFunction::Table(t) => {
                if t.len() != n as usize {
                    return Err(Error::new(ErrorKind::Mismatch {
                        reason: format!(
                            "party '{party}' gives {} values for issue '{}', which has {n}",
                            t.len(),
                            issue.name()
                        ),
                    }));
                }
                t.clone()
            }
            ValueFunction::PiecewiseLinear(points) => {
                let IssueKind::Integer { lo, step, .. } = issue.kind() else {
                    return Err(Error::new(ErrorKind::Mismatch {
                        reason: format!(
                            "party '{party}' gives piecewise-linear points for discrete issue '{}'; \
                             give one value per option instead",
                            issue.name()
                        ),
                    }));
                };
                if points.is_empty() {
                    return Err(Error::new(ErrorKind::Mismatch {
                        reason: format!(
                            "party '{party}' gives no points for issue '{}'",
                            issue.name()
                        ),
                    }));
                }
                for w in points.windows(2) {
                    if w[1].0.partial_cmp(&w[0].0) != Some(std::cmp::Ordering::Greater) {
                        return Err(Error::new(ErrorKind::Mismatch {
                            reason: format!(
                                "party '{party}': points of issue '{}' must have strictly increasing x ({} then {})",
                                issue.name(),
                                w[0].0,
                                w[1].0
                            ),
                        }));
                    }
                }
                for &(x, v) in points {
                    check_unit(v, || {
                        format!(
                            "value at x = {x} of issue '{}' for party '{party}'",
                            issue.name()
                        )
                    })?;
                }
                if n > MAX_TABLE_LEN {
                    return Err(Error::new(ErrorKind::TooLarge {
                        what: format!(
                            "issue '{}' has {n} values; at most {MAX_TABLE_LEN} can be tabulated",
                            issue.name()
                        ),
                    }));
                }
                (0..n)
                    .map(|k| {
                        let x = *lo as f64 + f64::from(k) * *step as f64;
                        Self::piecewise(points, x)
                    })
                    .collect()
            }
        };
        for (k, &v) in table.iter().enumerate() {
            check_unit(v, || {
                let label = issue
                    .value(k as u32)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                format!(
                    "value of '{label}' of issue '{}' for party '{party}'",
                    issue.name()
                )
            })?;
        }
        Ok(table)
    }
}

fn check_discount(d: f64) -> Result<(), Error> {
    if d > 0.0 && d <= 1.0 {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::OutOfRange {
            what: "discount factor".into(),
            value: d,
            valid: "(0, 1]".into(),
        }))
    }
}

fn check_unit(v: f64, what: impl FnOnce() -> String) -> Result<(), Error> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::OutOfRange {
            what: what(),
            value: v,
            valid: "[0, 1]".into(),
        }))
    }
}

/// An additive utility function: `u(ω) = Σᵢ tᵢ(ωᵢ)`, optionally clipped to at most 1.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilityFunction {
    terms: Vec<Vec<f64>>,
    clip_at_one: bool,
    /// Interaction terms (empty for an additive function).
    links: Vec<Link>,
}

impl UtilityFunction {
    /// The weighted-sum utility of the native format: `Σ (wᵢ/Σw)·vᵢ(ωᵢ)`.
    ///
    /// `weights` and `values` follow the space's issue order; `values[i]` may be `None` only
    /// where `weights[i] == 0`.
    ///
    /// # Errors
    /// When a weight is negative or not finite, all weights are zero, a weighted issue has no
    /// value function, or a value function does not fit its issue or leaves [0, 1].
    pub fn weighted_sum(
        space: &OutcomeSpace,
        party: &str,
        weights: &[f64],
        values: &[Option<ValueFunction>],
    ) -> Result<UtilityFunction, Error> {
        let issues = space.issues();
        if weights.len() != issues.len() || values.len() != issues.len() {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: format!("party '{party}': weights and values must cover every issue"),
            }));
        }
        for (issue, &w) in issues.iter().zip(weights) {
            if !w.is_finite() || w < 0.0 {
                return Err(Error::new(ErrorKind::OutOfRange {
                    what: format!("weight of issue '{}' for party '{party}'", issue.name()),
                    value: w,
                    valid: "a finite number >= 0".into(),
                }));
            }
        }
        let total: f64 = weights.iter().sum();
        if total.is_nan() || total <= 0.0 || !total.is_finite() {
            return Err(Error::new(ErrorKind::ZeroWeights {
                party: party.into(),
            }));
        }
        let mut terms = Vec::with_capacity(issues.len());
        for ((issue, &w), vf) in issues.iter().zip(weights).zip(values) {
            let table = match vf {
                Some(vf) => vf.tabulate(issue, party)?,
                None if w == 0.0 => vec![0.0; issue.n_values() as usize],
                None => {
                    return Err(Error::new(ErrorKind::Mismatch {
                        reason: format!(
                            "party '{party}' weighs issue '{}' but gives it no values",
                            issue.name()
                        ),
                    }));
                }
            };
            let scale = w / total;
            terms.push(table.into_iter().map(|v| scale * v).collect());
        }
        Ok(UtilityFunction {
            terms,
            clip_at_one: false,
            links: Vec::new(),
        })
    }

    /// An additive utility function from ready-weighted terms: `terms[i][k]` is the contribution
    /// of value `k` of issue `i`. With `clip_at_one`, utilities above 1 count as 1 (GENIUS).
    ///
    /// # Errors
    /// When the table shape does not match the space or a term is not finite.
    pub fn from_terms(
        space: &OutcomeSpace,
        terms: Vec<Vec<f64>>,
        clip_at_one: bool,
    ) -> Result<UtilityFunction, Error> {
        if terms.len() != space.issues().len() {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: format!(
                    "{} utility terms for {} issues",
                    terms.len(),
                    space.issues().len()
                ),
            }));
        }
        for (issue, t) in space.issues().iter().zip(&terms) {
            if t.len() != issue.n_values() as usize || t.iter().any(|x| !x.is_finite()) {
                return Err(Error::new(ErrorKind::Mismatch {
                    reason: format!("utility terms of issue '{}' do not fit it", issue.name()),
                }));
            }
        }
        Ok(UtilityFunction {
            terms,
            clip_at_one,
            links: Vec::new(),
        })
    }

    /// The same function with interaction terms added: `u(ω)` gains `link.value()` for every
    /// link whose condition holds at `ω` (before the clip, if any).
    ///
    /// # Errors
    /// When a link's condition names an issue or value this function's issues do not have.
    pub fn with_links(mut self, links: Vec<Link>) -> Result<UtilityFunction, Error> {
        for l in &links {
            for (i, set) in l.condition().clauses() {
                let fits = self
                    .terms
                    .get(*i)
                    .is_some_and(|t| set.max().is_none_or(|m| (m as usize) < t.len()));
                if !fits {
                    return Err(Error::new(ErrorKind::Mismatch {
                        reason: format!("a link names issue #{i} or a value it does not have"),
                    }));
                }
            }
        }
        self.links.extend(links);
        Ok(self)
    }

    /// The interaction terms (empty for an additive function).
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Whether the function is additive (no interaction terms).
    pub fn is_additive(&self) -> bool {
        self.links.is_empty()
    }

    /// The sum of the values of the links whose condition holds at `indices`.
    #[inline]
    pub fn link_value(&self, indices: &[u32]) -> f64 {
        let mut x = 0.0;
        for l in &self.links {
            if l.condition().holds(indices) {
                x += l.value();
            }
        }
        x
    }

    /// The utility of an outcome (the outcome must belong to the function's space).
    ///
    /// Small enough to inline, as before links existed: the links' part is a call, made only
    /// when there are links.
    #[inline]
    pub fn eval(&self, outcome: &Outcome) -> f64 {
        let mut u = 0.0;
        for (t, &v) in self.terms.iter().zip(outcome.indices()) {
            u += t[v as usize];
        }
        if !self.links.is_empty() {
            u += self.links_at(outcome.indices());
        }
        self.finish(u)
    }

    /// [`UtilityFunction::link_value`], out of line for [`UtilityFunction::eval`].
    #[inline(never)]
    fn links_at(&self, indices: &[u32]) -> f64 {
        self.link_value(indices)
    }

    /// Applies the clip (if any) to a raw sum of terms.
    #[inline]
    pub fn finish(&self, raw: f64) -> f64 {
        if self.clip_at_one { raw.min(1.0) } else { raw }
    }

    /// The per-issue term tables.
    pub fn terms(&self) -> &[Vec<f64>] {
        &self.terms
    }

    /// Whether utilities are clipped at 1.
    pub fn clips_at_one(&self) -> bool {
        self.clip_at_one
    }

    /// The highest utility over the whole space (exact; with links, by branch and bound).
    pub fn max(&self) -> f64 {
        if !self.links.is_empty() {
            return self.eval(&crate::analysis::linked::extreme(self, true));
        }
        self.finish(
            self.terms
                .iter()
                .map(|t| t.iter().copied().fold(f64::MIN, f64::max))
                .sum(),
        )
    }

    /// The highest raw sum of terms and links (before any clip at 1) over the whole space,
    /// exact, with at most `max_nodes` branch-and-bound nodes when there are links: `None`
    /// when the budget runs out first (the search is exponential in the number of issues in
    /// the worst case; 50 issues with GENIUS hyper-rectangle constraints do not finish in
    /// minutes).
    pub fn raw_max_within(&self, max_nodes: u64) -> Option<f64> {
        let all: Vec<Vec<u32>> = self
            .terms
            .iter()
            .map(|t| (0..t.len() as u32).collect())
            .collect();
        if self.links.is_empty() || all.iter().any(Vec::is_empty) {
            return Some(
                self.terms
                    .iter()
                    .map(|t| t.iter().copied().fold(f64::MIN, f64::max))
                    .sum(),
            );
        }
        match crate::analysis::linked::extreme_within(self, true, &all, max_nodes, false) {
            Ok(Some(o)) => {
                let i = o.indices();
                let terms: f64 = self.terms.iter().zip(i).map(|(t, &v)| t[v as usize]).sum();
                Some(terms + self.link_value(i))
            }
            Ok(None) | Err(()) => None,
        }
    }

    /// The lowest utility over the whole space (exact; with links, by branch and bound).
    pub fn min(&self) -> f64 {
        if !self.links.is_empty() {
            return self.eval(&crate::analysis::linked::extreme(self, false));
        }
        self.finish(
            self.terms
                .iter()
                .map(|t| t.iter().copied().fold(f64::MAX, f64::min))
                .sum(),
        )
    }

    /// The best outcome (first best value on each issue; with links, the first best outcome
    /// in index order, by branch and bound).
    pub fn best_outcome(&self) -> Outcome {
        if !self.links.is_empty() {
            return crate::analysis::linked::extreme(self, true);
        }
        Outcome::new(
            self.terms
                .iter()
                .map(|t| {
                    let mut best = 0;
                    for (k, &x) in t.iter().enumerate() {
                        if x > t[best] {
                            best = k;
                        }
                    }
                    best as u32
                })
                .collect(),
        )
    }
}

/// Options a party will never accept, per issue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RedLines {
    /// `forbidden[i]` lists the forbidden value indices of issue `i`, sorted, no repeats.
    forbidden: Vec<Vec<u32>>,
    /// Red lines that depend on other issues.
    conditional: Vec<ConditionalRedLine>,
    /// Whether there is any red line at all (a value forbidden or a conditional red line):
    /// kept by [`RedLines::forbid`] and [`RedLines::add_conditional`], so that
    /// [`RedLines::violated_by`] costs one test for a party without red lines (a negotiator
    /// asks it of every offer it receives). A function of the two lists, so the derived
    /// equality is unchanged.
    any: bool,
}

impl RedLines {
    /// No red lines over `n_issues` issues.
    pub fn none(n_issues: usize) -> RedLines {
        RedLines {
            forbidden: vec![Vec::new(); n_issues],
            conditional: Vec::new(),
            any: false,
        }
    }

    /// Forbids value `value_idx` of issue `issue_idx`.
    pub fn forbid(&mut self, issue_idx: usize, value_idx: u32) {
        let f = &mut self.forbidden[issue_idx];
        if let Err(pos) = f.binary_search(&value_idx) {
            f.insert(pos, value_idx);
        }
        self.any = true;
    }

    /// Whether value `value_idx` of issue `issue_idx` is forbidden.
    pub fn forbids(&self, issue_idx: usize, value_idx: u32) -> bool {
        self.forbidden
            .get(issue_idx)
            .is_some_and(|f| f.binary_search(&value_idx).is_ok())
    }

    /// Adds a conditional red line.
    pub fn add_conditional(&mut self, red_line: ConditionalRedLine) {
        self.conditional.push(red_line);
        self.any = true;
    }

    /// The conditional red lines.
    pub fn conditional(&self) -> &[ConditionalRedLine] {
        &self.conditional
    }

    /// Whether the outcome crosses any red line.
    #[inline]
    pub fn violated_by(&self, outcome: &Outcome) -> bool {
        self.any && self.violated_by_any(outcome.indices())
    }

    /// [`RedLines::violated_by`] on value indices in issue order.
    #[inline]
    pub fn violated_by_indices(&self, indices: &[u32]) -> bool {
        self.any && self.violated_by_any(indices)
    }

    /// [`RedLines::violated_by_indices`] when there are red lines.
    fn violated_by_any(&self, indices: &[u32]) -> bool {
        indices.iter().enumerate().any(|(i, &v)| self.forbids(i, v))
            || self.conditional.iter().any(|c| c.violated_by(indices))
    }

    /// The forbidden values of each issue.
    pub fn per_issue(&self) -> &[Vec<u32>] {
        &self.forbidden
    }

    /// Whether there are no red lines at all (conditional ones included).
    pub fn is_empty(&self) -> bool {
        !self.any
    }
}

/// Everything one party knows privately about what it wants.
///
/// A negotiator is given its own `Preferences` and nothing about anybody else's.
///
/// # Discounting
///
/// detente uses GENIUS's semantics, one for every protocol and strategy: with a discount
/// factor `d` in (0, 1], what happens at relative time `t` in [0, 1] is worth `dᵗ` times its
/// undiscounted value. An agreement of utility `u` reached at time `t` is worth `u·dᵗ`
/// ([`Preferences::discounted`]); walking away at time `t` is worth the reservation value
/// discounted the same way, `r·dᵗ` ([`Preferences::discounted_reservation`], GENIUS's
/// `getReservationValueWithDiscount`), and a deadline that passes is worth `r·d¹ = r·d`. In a
/// negotiation with a deadline of `n` rounds, round `k` (from 0) is at time `t = k/(n−1)`
/// (`t = 1` when `n = 1`). So an agreement beats walking away at the same moment exactly when
/// `u ≥ r`, and every moment of delay costs both.
#[derive(Clone, Debug, PartialEq)]
pub struct Preferences {
    ufun: UtilityFunction,
    reservation: f64,
    red_lines: RedLines,
    discount: f64,
}

/// Relative time of round `round` (from 0) in a negotiation with a deadline of `n_rounds`
/// rounds: `round/(n_rounds − 1)` in [0, 1], and 1 when there is a single round.
pub fn relative_time(round: u32, n_rounds: u32) -> f64 {
    if n_rounds <= 1 {
        1.0
    } else {
        (f64::from(round) / f64::from(n_rounds - 1)).min(1.0)
    }
}

impl Preferences {
    /// Bundles a utility function with a reservation value, red lines and a discount factor
    /// (1 for none; see [the discounting semantics](Preferences#discounting)).
    ///
    /// # Errors
    /// When the reservation value is not finite, the discount is outside (0, 1], or the red
    /// lines do not fit the utility function's issues.
    pub fn new(
        ufun: UtilityFunction,
        reservation: f64,
        red_lines: RedLines,
        discount: f64,
    ) -> Result<Preferences, Error> {
        if !reservation.is_finite() {
            return Err(Error::new(ErrorKind::OutOfRange {
                what: "reservation value".into(),
                value: reservation,
                valid: "a finite number".into(),
            }));
        }
        check_discount(discount)?;
        if red_lines.forbidden.len() != ufun.terms.len()
            || red_lines
                .forbidden
                .iter()
                .zip(&ufun.terms)
                .any(|(f, t)| f.iter().any(|&v| v as usize >= t.len()))
            || red_lines.conditional.iter().any(|c| {
                std::iter::once((c.issue(), c.values()))
                    .chain(c.condition().clauses().iter().map(|(i, s)| (*i, s)))
                    .any(|(i, s)| {
                        ufun.terms
                            .get(i)
                            .is_none_or(|t| s.max().is_some_and(|m| m as usize >= t.len()))
                    })
            })
        {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: "red lines do not fit the issues".into(),
            }));
        }
        Ok(Preferences {
            ufun,
            reservation,
            red_lines,
            discount,
        })
    }

    /// The utility function.
    pub fn ufun(&self) -> &UtilityFunction {
        &self.ufun
    }

    /// The utility of no agreement, undiscounted.
    pub fn reservation(&self) -> f64 {
        self.reservation
    }

    /// The red lines.
    pub fn red_lines(&self) -> &RedLines {
        &self.red_lines
    }

    /// The discount factor `d` (1 = none); see [the discounting
    /// semantics](Preferences#discounting).
    pub fn discount(&self) -> f64 {
        self.discount
    }

    /// The same preferences with discount factor `d` in (0, 1].
    ///
    /// # Errors
    /// When `d` is outside (0, 1].
    pub fn with_discount(mut self, d: f64) -> Result<Preferences, Error> {
        check_discount(d)?;
        self.discount = d;
        Ok(self)
    }

    /// The factor `dᵗ` anything happening in `round` (from 0) of a negotiation with a deadline
    /// of `n_rounds` rounds is multiplied by (`t` = [`relative_time`]).
    pub fn discount_factor(&self, round: u32, n_rounds: u32) -> f64 {
        if self.discount == 1.0 {
            return 1.0;
        }
        self.discount.powf(relative_time(round, n_rounds))
    }

    /// What a value `x` (a utility) obtained in `round` of `n_rounds` is worth: `x·dᵗ`.
    pub fn discounted(&self, x: f64, round: u32, n_rounds: u32) -> f64 {
        x * self.discount_factor(round, n_rounds)
    }

    /// What walking away in `round` of `n_rounds` is worth: `r·dᵗ` (a passed deadline counts
    /// as the last round, `t = 1`).
    pub fn discounted_reservation(&self, round: u32, n_rounds: u32) -> f64 {
        self.discounted(self.reservation, round, n_rounds)
    }

    /// The utility of an outcome.
    #[inline]
    pub fn utility(&self, outcome: &Outcome) -> f64 {
        self.ufun.eval(outcome)
    }

    /// Whether the preferences are linked: interaction terms or conditional red lines.
    pub fn is_linked(&self) -> bool {
        !self.ufun.links.is_empty() || !self.red_lines.conditional.is_empty()
    }

    /// Whether the party accepts `outcome` rather than walk away: no red line crossed and a
    /// utility at least the reservation value (within [`crate::TIE_EPS`]).
    pub fn is_acceptable(&self, outcome: &Outcome) -> bool {
        !self.red_lines.violated_by(outcome)
            && self.ufun.eval(outcome) >= self.reservation - crate::TIE_EPS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> OutcomeSpace {
        OutcomeSpace::new(vec![
            Issue::discrete("d", vec!["a".into(), "b".into(), "c".into()]).unwrap(),
            Issue::integer("n", 400, 1000, 50).unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn weighted_sum_matches_the_spec_example() {
        let s = space();
        let u = UtilityFunction::weighted_sum(
            &s,
            "Ukraine",
            &[16.0, 6.0],
            &[
                Some(ValueFunction::Table(vec![1.0, 0.6, 0.0])),
                Some(ValueFunction::PiecewiseLinear(vec![
                    (400.0, 0.0),
                    (800.0, 0.9),
                    (1000.0, 1.0),
                ])),
            ],
        )
        .unwrap();
        // b and 600 (index 4): 16/22*0.6 + 6/22*0.45
        let o = Outcome::new(vec![1, 4]);
        let want = 16.0 / 22.0 * 0.6 + 6.0 / 22.0 * 0.45;
        assert!((u.eval(&o) - want).abs() < 1e-15);
        assert!((u.max() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn values_outside_unit_interval_are_rejected() {
        let s = space();
        let e = UtilityFunction::weighted_sum(
            &s,
            "P",
            &[1.0, 0.0],
            &[Some(ValueFunction::Table(vec![1.0, 1.5, 0.0])), None],
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("'b' of issue 'd' for party 'P'"),
            "{e}"
        );
    }
}
