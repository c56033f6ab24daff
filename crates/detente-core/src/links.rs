//! Linked (non-additive) preferences: interaction terms and conditional red lines.
//!
//! A [`Link`] is a bonus or penalty (its `value`, in utility units) paid when a [`Condition`]
//! holds: a conjunction of clauses "issue `i` takes a value in set `S`" over any number of
//! issues. A GENIUS hyper-rectangle (ANAC 2014) is a link whose sets are integer ranges. A
//! [`ConditionalRedLine`] makes some options of one issue unacceptable *unless* a condition on
//! other issues holds, or *only if* it holds.
//!
//! Analysis stays exact because every link is bounded over partial outcomes: once some issues
//! are fixed, a link is decided (satisfied: it pays; violated: it pays nothing) or still open
//! (it may pay or not), so the best and worst a party can still get is the additive bound plus
//! the open links' positive (resp. negative) values. See `analysis::linked`.

use crate::error::{Error, ErrorKind};
use crate::outcome::OutcomeSpace;

/// A set of value indices of one issue, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSet {
    ranges: Vec<(u32, u32)>,
}

impl ValueSet {
    /// The set of the given indices (any order, repeats allowed).
    pub fn from_indices(indices: impl IntoIterator<Item = u32>) -> ValueSet {
        let mut v: Vec<u32> = indices.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for x in v {
            match ranges.last_mut() {
                Some(r) if r.1.checked_add(1) == Some(x) => r.1 = x,
                _ => ranges.push((x, x)),
            }
        }
        ValueSet { ranges }
    }

    /// The indices `lo..=hi` (empty when `lo > hi`).
    pub fn range(lo: u32, hi: u32) -> ValueSet {
        ValueSet {
            ranges: if lo <= hi { vec![(lo, hi)] } else { Vec::new() },
        }
    }

    /// The sorted inclusive ranges.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// Whether index `v` is in the set.
    pub fn contains(&self, v: u32) -> bool {
        match self.ranges.binary_search_by(|r| r.0.cmp(&v)) {
            Ok(_) => true,
            Err(0) => false,
            Err(k) => self.ranges[k - 1].1 >= v,
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The number of indices.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| u64::from(r.1 - r.0) + 1).sum()
    }

    /// The largest index (`None` when empty).
    pub fn max(&self) -> Option<u32> {
        self.ranges.last().map(|r| r.1)
    }

    /// Every index, ascending.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }

    /// The indices of `0..n` not in the set.
    pub fn complement(&self, n: u32) -> ValueSet {
        let mut out = Vec::new();
        let mut next = 0u32;
        for &(a, b) in &self.ranges {
            if a >= n {
                break;
            }
            if a > next {
                out.push((next, a - 1));
            }
            next = b.saturating_add(1);
        }
        if next < n {
            out.push((next, n - 1));
        }
        ValueSet { ranges: out }
    }

    /// The indices in both sets.
    pub fn intersect(&self, other: &ValueSet) -> ValueSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = self.ranges[i];
            let (c, d) = other.ranges[j];
            let (lo, hi) = (a.max(c), b.min(d));
            if lo <= hi {
                out.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        ValueSet { ranges: out }
    }
}

/// A conjunction of clauses "issue `i` takes a value in `S`", at most one clause per issue,
/// ordered by issue. With no clauses it always holds (a GENIUS rectangle without bounds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    clauses: Vec<(usize, ValueSet)>,
}

impl Condition {
    /// A condition over `space`.
    ///
    /// # Errors
    /// When a clause names an issue outside the space or a value outside its issue, a set is
    /// empty, or two clauses name the same issue.
    pub fn new(
        space: &OutcomeSpace,
        mut clauses: Vec<(usize, ValueSet)>,
    ) -> Result<Condition, Error> {
        clauses.sort_by_key(|c| c.0);
        let issues = space.issues();
        for (k, (i, set)) in clauses.iter().enumerate() {
            let Some(issue) = issues.get(*i) else {
                return Err(mismatch(format!(
                    "a condition names issue #{i}, which does not exist"
                )));
            };
            if set.is_empty() {
                return Err(mismatch(format!(
                    "a condition on issue '{}' allows no value",
                    issue.name()
                )));
            }
            if set.max().is_some_and(|m| m >= issue.n_values()) {
                return Err(mismatch(format!(
                    "a condition on issue '{}' names value #{}, beyond its {} values",
                    issue.name(),
                    set.max().unwrap_or(0),
                    issue.n_values()
                )));
            }
            if k > 0 && clauses[k - 1].0 == *i {
                return Err(mismatch(format!(
                    "a condition names issue '{}' twice",
                    issue.name()
                )));
            }
        }
        Ok(Condition { clauses })
    }

    /// The clauses, ordered by issue.
    pub fn clauses(&self) -> &[(usize, ValueSet)] {
        &self.clauses
    }

    /// Whether an outcome (value indices in issue order) satisfies every clause.
    pub fn holds(&self, indices: &[u32]) -> bool {
        self.clauses
            .iter()
            .all(|(i, s)| indices.get(*i).is_some_and(|&v| s.contains(v)))
    }

    /// Whether the condition mentions issue `i`.
    pub fn mentions(&self, i: usize) -> bool {
        self.clauses.iter().any(|c| c.0 == i)
    }
}

fn mismatch(reason: String) -> Error {
    Error::new(ErrorKind::Mismatch { reason })
}

/// An interaction term: `value` is added to the utility of every outcome where `condition`
/// holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    condition: Condition,
    value: f64,
}

impl Link {
    /// A term paying `value` when `condition` holds.
    ///
    /// # Errors
    /// When `value` is not finite.
    pub fn new(condition: Condition, value: f64) -> Result<Link, Error> {
        if !value.is_finite() {
            return Err(Error::new(ErrorKind::OutOfRange {
                what: "value of a link".into(),
                value,
                valid: "a finite number".into(),
            }));
        }
        Ok(Link { condition, value })
    }

    /// The condition.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The bonus (positive) or penalty (negative).
    pub fn value(&self) -> f64 {
        self.value
    }
}

/// When a conditional red line forbids its options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// The options are unacceptable unless the condition holds.
    Unless,
    /// The options are unacceptable only if (exactly when) the condition holds.
    OnlyIf,
}

/// Options of one issue that a party will not accept unless (or only if) a condition on other
/// issues holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalRedLine {
    issue: usize,
    values: ValueSet,
    requirement: Requirement,
    condition: Condition,
    /// The forbidden combinations, each a conjunction (see [`ConditionalRedLine::boxes`]).
    boxes: Vec<Condition>,
}

impl ConditionalRedLine {
    /// Options `values` of issue `issue` are unacceptable unless / only if `condition` holds.
    ///
    /// # Errors
    /// When the issue or a value is outside the space, `values` is empty, or the condition is
    /// empty or mentions `issue` itself.
    pub fn new(
        space: &OutcomeSpace,
        issue: usize,
        values: ValueSet,
        requirement: Requirement,
        condition: Condition,
    ) -> Result<ConditionalRedLine, Error> {
        let Some(iss) = space.issues().get(issue) else {
            return Err(mismatch(format!(
                "a conditional red line names issue #{issue}, which does not exist"
            )));
        };
        if condition.clauses().is_empty() {
            return Err(mismatch(format!(
                "a conditional red line on issue '{}' has an empty condition",
                iss.name()
            )));
        }
        if condition.mentions(issue) {
            return Err(mismatch(format!(
                "a conditional red line on issue '{}' has a condition on the same issue",
                iss.name()
            )));
        }
        let head = Condition::new(space, vec![(issue, values.clone())])?;
        let boxes = match requirement {
            Requirement::OnlyIf => {
                let mut c = condition.clauses.clone();
                c.push((issue, values.clone()));
                vec![Condition::new(space, c)?]
            }
            Requirement::Unless => {
                // Forbidden: the options and some clause of the condition fails.
                let mut out = Vec::new();
                for (j, s) in condition.clauses() {
                    let comp = s.complement(space.issues()[*j].n_values());
                    if comp.is_empty() {
                        continue;
                    }
                    let mut c = head.clauses.clone();
                    c.push((*j, comp));
                    out.push(Condition::new(space, c)?);
                }
                out
            }
        };
        Ok(ConditionalRedLine {
            issue,
            values,
            requirement,
            condition,
            boxes,
        })
    }

    /// The issue whose options are at stake.
    pub fn issue(&self) -> usize {
        self.issue
    }

    /// The options at stake.
    pub fn values(&self) -> &ValueSet {
        &self.values
    }

    /// Unless or only if.
    pub fn requirement(&self) -> Requirement {
        self.requirement
    }

    /// The condition on other issues.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The forbidden combinations as conjunctions: an outcome crosses this red line exactly
    /// when it satisfies one of them (one box for "only if"; one per clause of the condition,
    /// with that clause negated, for "unless").
    pub fn boxes(&self) -> &[Condition] {
        &self.boxes
    }

    /// Whether an outcome (value indices in issue order) crosses this red line.
    pub fn violated_by(&self, indices: &[u32]) -> bool {
        let at_stake = indices
            .get(self.issue)
            .is_some_and(|&v| self.values.contains(v));
        at_stake
            && match self.requirement {
                Requirement::Unless => !self.condition.holds(indices),
                Requirement::OnlyIf => self.condition.holds(indices),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Issue;
    use proptest::prelude::*;

    fn space() -> OutcomeSpace {
        OutcomeSpace::new(vec![
            Issue::integer("a", 0, 5, 1).unwrap(),
            Issue::integer("b", 0, 3, 1).unwrap(),
            Issue::integer("c", 0, 2, 1).unwrap(),
        ])
        .unwrap()
    }

    proptest! {
        #[test]
        fn value_sets_behave_like_sorted_sets(a in proptest::collection::vec(0u32..20, 0..12),
                                              b in proptest::collection::vec(0u32..20, 0..12)) {
            let (sa, sb) = (ValueSet::from_indices(a.clone()), ValueSet::from_indices(b.clone()));
            for x in 0..22u32 {
                prop_assert_eq!(sa.contains(x), a.contains(&x));
                prop_assert_eq!(sa.complement(20).contains(x), x < 20 && !a.contains(&x));
                prop_assert_eq!(sa.intersect(&sb).contains(x), a.contains(&x) && b.contains(&x));
            }
            let mut d = a.clone();
            d.sort_unstable();
            d.dedup();
            prop_assert_eq!(sa.len(), d.len() as u64);
            prop_assert_eq!(sa.indices().collect::<Vec<_>>(), d);
        }

        #[test]
        fn a_red_line_is_crossed_exactly_when_one_of_its_boxes_holds(
            vals in proptest::collection::vec(0u32..6, 1..4),
            cb in proptest::collection::vec(0u32..4, 1..3),
            cc in proptest::collection::vec(0u32..3, 1..3),
            only_if: bool,
        ) {
            let s = space();
            let cond = Condition::new(&s, vec![(1, ValueSet::from_indices(cb)), (2, ValueSet::from_indices(cc))]).unwrap();
            let req = if only_if { Requirement::OnlyIf } else { Requirement::Unless };
            let r = ConditionalRedLine::new(&s, 0, ValueSet::from_indices(vals), req, cond).unwrap();
            for a in 0..6 { for b in 0..4 { for c in 0..3 {
                let o = [a, b, c];
                prop_assert_eq!(r.violated_by(&o), r.boxes().iter().any(|x| x.holds(&o)));
            }}}
        }
    }

    #[test]
    fn bad_conditions_are_refused_with_the_issue_named() {
        let s = space();
        let e = Condition::new(&s, vec![(1, ValueSet::from_indices([]))]).unwrap_err();
        assert!(e.to_string().contains("issue 'b' allows no value"), "{e}");
        let e = Condition::new(&s, vec![(2, ValueSet::range(1, 7))]).unwrap_err();
        assert!(e.to_string().contains("issue 'c'"), "{e}");
        let e = Condition::new(&s, vec![(9, ValueSet::range(0, 0))]).unwrap_err();
        assert!(e.to_string().contains("#9"), "{e}");
        let c = Condition::new(&s, vec![(0, ValueSet::range(0, 0))]).unwrap();
        let e = ConditionalRedLine::new(&s, 0, ValueSet::range(1, 1), Requirement::Unless, c)
            .unwrap_err();
        assert!(e.to_string().contains("same issue"), "{e}");
    }
}
