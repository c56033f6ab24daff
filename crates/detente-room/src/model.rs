//! The room's negotiation model on top of the core: a delegate's editable preferences, drafts
//! named by option, verdicts as the core's single-text [`Verdict`], and agent seats.
//!
//! Non-goals: storage (see `store`) and HTML (see `views`). Nothing here reads another party's
//! preferences except the agent code, which runs server-side for the agent's own seat only.

use detente_core::negotiator::{
    Clock, NegotiatorInit, Strategy, TextNegotiator, TextView, Verdict,
};
use detente_core::{Outcome, OutcomeSpace, Preferences, RedLines, Scenario, UtilityFunction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A delegate's preferences in the terms of the edit form: normalized issue weights, a value
/// in [0, 1] per option, red lines (forbidden options) and the walk-away (reservation) value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrefsForm {
    /// Per issue, summing to 1.
    pub weights: Vec<f64>,
    /// Per issue and value, in [0, 1].
    pub values: Vec<Vec<f64>>,
    /// Per issue: the forbidden value indices.
    pub red_lines: Vec<Vec<u32>>,
    /// Utility of no agreement.
    pub reservation: f64,
}

impl PrefsForm {
    /// Decomposes additive preferences: each issue's weight is its largest term, and its
    /// values are the terms divided by that weight. Rebuilding with [`PrefsForm::to_preferences`]
    /// gives back the same utilities when the best outcome is worth 1 (every normalized
    /// scenario); otherwise utilities are rescaled so that it is.
    pub fn from_preferences(prefs: &Preferences) -> PrefsForm {
        let terms = prefs.ufun().terms();
        let maxes: Vec<f64> = terms
            .iter()
            .map(|t| t.iter().copied().fold(0.0_f64, f64::max))
            .collect();
        let total: f64 = maxes.iter().sum();
        let weights = maxes
            .iter()
            .map(|m| if total > 0.0 { m / total } else { 0.0 })
            .collect();
        let values = terms
            .iter()
            .zip(&maxes)
            .map(|(t, &m)| {
                t.iter()
                    .map(|&x| {
                        if m > 0.0 {
                            (x / m).clamp(0.0, 1.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        PrefsForm {
            weights,
            values,
            red_lines: prefs.red_lines().per_issue().to_vec(),
            reservation: prefs.reservation(),
        }
    }

    /// Builds core preferences (keeping `discount`), checking every number.
    ///
    /// # Errors
    /// When a weight is negative or all are zero, a value leaves [0, 1], the shapes do not fit
    /// the space, or the reservation value leaves [0, 1].
    pub fn to_preferences(
        &self,
        space: &OutcomeSpace,
        party: &str,
        discount: f64,
    ) -> Result<Preferences> {
        let issues = space.issues();
        if self.weights.len() != issues.len()
            || self.values.len() != issues.len()
            || self.red_lines.len() != issues.len()
        {
            return Err(Error::bad("the preferences must cover every issue"));
        }
        if !(0.0..=1.0).contains(&self.reservation) {
            return Err(Error::bad(format!(
                "walk-away value {} is outside [0, 1]",
                self.reservation
            )));
        }
        let mut values = Vec::with_capacity(issues.len());
        for (issue, v) in issues.iter().zip(&self.values) {
            if v.len() != issue.n_values() as usize {
                return Err(Error::bad(format!(
                    "issue '{}' needs {} values, got {}",
                    issue.name(),
                    issue.n_values(),
                    v.len()
                )));
            }
            if let Some(x) = v.iter().find(|x| !(0.0..=1.0).contains(*x)) {
                return Err(Error::bad(format!(
                    "a value of issue '{}' is {x}, outside [0, 1]",
                    issue.name()
                )));
            }
            values.push(Some(detente_core::ValueFunction::Table(v.clone())));
        }
        let ufun = UtilityFunction::weighted_sum(space, party, &self.weights, &values)?;
        let mut red = RedLines::none(issues.len());
        for (i, vs) in self.red_lines.iter().enumerate() {
            for &v in vs {
                if v >= issues[i].n_values() {
                    return Err(Error::bad(format!(
                        "a red line names value {v} of issue '{}', which has {}",
                        issues[i].name(),
                        issues[i].n_values()
                    )));
                }
                red.forbid(i, v);
            }
        }
        Ok(Preferences::new(ufun, self.reservation, red, discount)?)
    }
}

/// The display text of value `v` of issue `i`.
pub fn value_label(space: &OutcomeSpace, i: usize, v: u32) -> String {
    space.issues()[i]
        .value(v)
        .map(|x| x.to_string())
        .unwrap_or_else(|| "?".into())
}

/// Finds the value of issue `i` called `label` (an option name or an integer on the grid).
///
/// # Errors
/// When the issue has no such value (400, naming both).
pub fn parse_value(space: &OutcomeSpace, i: usize, label: &str) -> Result<u32> {
    let issue = &space.issues()[i];
    let label = label.trim();
    issue
        .option_index(label)
        .or_else(|| {
            label
                .parse::<i64>()
                .ok()
                .and_then(|x| issue.integer_index(x))
        })
        .ok_or_else(|| Error::bad(format!("issue '{}' has no option '{label}'", issue.name())))
}

/// Builds a draft from `(field, value)` pairs named `clause_<issue index>`.
///
/// # Errors
/// When a clause is missing, unknown, or names an option its issue does not have.
pub fn parse_draft(space: &OutcomeSpace, fields: &[(String, String)]) -> Result<Outcome> {
    let n = space.issues().len();
    let mut idx: Vec<Option<u32>> = vec![None; n];
    for (k, v) in fields {
        if let Some(i) = k.strip_prefix("clause_") {
            let i: usize = i
                .parse()
                .ok()
                .filter(|&i| i < n)
                .ok_or_else(|| Error::bad(format!("unknown clause '{k}'")))?;
            idx[i] = Some(parse_value(space, i, v)?);
        }
    }
    let idx = idx
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| {
                Error::bad(format!(
                    "the draft leaves issue '{}' open",
                    space.issues()[i].name()
                ))
            })
        })
        .collect::<Result<Vec<u32>>>()?;
    Ok(Outcome::new(idx))
}

/// A person's answer on a draft, as the form sends it: per clause `ok`, `object` or
/// `redline`, optionally the alternative asked for, and whether the delegate accepts.
///
/// # Errors
/// When a field names an unknown clause or option, or the delegate both accepts and objects.
pub fn parse_verdict(space: &OutcomeSpace, fields: &[(String, String)]) -> Result<Verdict> {
    let n = space.issues().len();
    let mut accept = false;
    let mut objections = Vec::new();
    let mut red_lines = Vec::new();
    let mut preferred = Vec::new();
    let clause = |k: &str, prefix: &str| -> Result<Option<usize>> {
        match k.strip_prefix(prefix) {
            None => Ok(None),
            Some(i) => i
                .parse::<usize>()
                .ok()
                .filter(|&i| i < n)
                .map(Some)
                .ok_or_else(|| Error::bad(format!("unknown clause '{k}'"))),
        }
    };
    for (k, v) in fields {
        if k == "accept" {
            accept = match v.as_str() {
                "yes" => true,
                "no" => false,
                _ => return Err(Error::bad("accept must be yes or no")),
            };
        } else if let Some(i) = clause(k, "stance_")? {
            match v.as_str() {
                "ok" => {}
                "object" => objections.push(i),
                "redline" => {
                    objections.push(i);
                    red_lines.push(i);
                }
                _ => return Err(Error::bad(format!("unknown stance '{v}'"))),
            }
        } else if let Some(i) = clause(k, "alt_")?
            && !v.trim().is_empty()
        {
            preferred.push((i, parse_value(space, i, v)?));
        }
    }
    objections.sort_unstable();
    objections.dedup();
    red_lines.sort_unstable();
    red_lines.dedup();
    preferred.sort_unstable();
    preferred.dedup_by_key(|p| p.0);
    // Asking for an alternative on a clause is an objection to it.
    for &(i, _) in &preferred {
        if !objections.contains(&i) {
            objections.push(i);
        }
    }
    objections.sort_unstable();
    if accept && !objections.is_empty() {
        return Err(Error::bad(
            "a delegate cannot accept the text and object to it; choose one",
        ));
    }
    let veto = !red_lines.is_empty();
    Ok(Verdict {
        accept,
        objections,
        red_lines,
        preferred,
        improves: None,
        veto,
        walk_away: false,
    })
}

/// Parses a strategy and checks that it can review a single text for party `party_idx`
/// (boulware, linear, conceder, time:E, hardliner; offer-only strategies cannot).
///
/// # Errors
/// For an unknown strategy or one that only makes offers (400).
pub fn text_strategy(scenario: &Scenario, party_idx: usize, name: &str) -> Result<Strategy> {
    let s: Strategy = name.parse().map_err(|e| Error::bad(format!("{e}")))?;
    s.build_text(NegotiatorInit {
        space: scenario.space(),
        preferences: &scenario.parties()[party_idx].preferences,
        me: party_idx,
        n_parties: scenario.parties().len(),
        seed: 0,
        bids: None,
    })?;
    Ok(s)
}

/// An agent seat's verdict on the latest of `drafts`: the strategy reviews every version in
/// order (it is stateful), so the answer is the same after a restart.
///
/// # Errors
/// When the strategy cannot review texts.
pub fn agent_verdict(
    scenario: &Scenario,
    party_idx: usize,
    strategy: &Strategy,
    drafts: &[Outcome],
) -> Result<Verdict> {
    let prefs = &scenario.parties()[party_idx].preferences;
    let mut agent: Box<dyn TextNegotiator> = strategy.build_text(NegotiatorInit {
        space: scenario.space(),
        preferences: prefs,
        me: party_idx,
        n_parties: scenario.parties().len(),
        seed: detente_core::rng::derive_seed(0, &[party_idx as u64]),
        bids: None,
    })?;
    let n_rounds = scenario.rounds.max(drafts.len() as u32).max(1);
    let mut last = None;
    for (k, d) in drafts.iter().enumerate() {
        last = Some(agent.review(&TextView {
            clock: Clock {
                round: k as u32,
                n_rounds,
            },
            draft: d,
            version: k as u32,
            reference: None,
        }));
    }
    last.ok_or_else(|| Error::internal("an agent was asked to review no draft"))
}

/// `(issue, old, new)` for each clause that differs between two drafts.
pub fn diff(old: &Outcome, new: &Outcome) -> Vec<(usize, u32, u32)> {
    (0..new.indices().len())
        .filter(|&i| old.get(i) != new.get(i))
        .map(|i| (i, old.get(i), new.get(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/job-offer.toml"
        ))
        .unwrap();
        detente_formats::native::read_str(&text, None).unwrap()
    }

    /// Decomposing and rebuilding a normalized party's preferences keeps every utility.
    #[test]
    fn prefs_form_round_trips() {
        let s = scenario();
        for p in s.parties() {
            let form = PrefsForm::from_preferences(&p.preferences);
            let back = form
                .to_preferences(s.space(), &p.name, p.preferences.discount())
                .unwrap();
            for k in 0..s.space().cardinality().to_u64().unwrap() {
                let o = s.space().outcome_at(u128::from(k)).unwrap();
                let (a, b) = (p.preferences.utility(&o), back.utility(&o));
                assert!((a - b).abs() < 1e-9, "{}: {a} vs {b}", p.name);
                assert_eq!(
                    p.preferences.is_acceptable(&o),
                    back.is_acceptable(&o),
                    "{}",
                    p.name
                );
            }
        }
    }

    #[test]
    fn bad_numbers_are_refused() {
        let s = scenario();
        let mut f = PrefsForm::from_preferences(&s.parties()[0].preferences);
        f.values[0][0] = 1.5;
        assert!(f.to_preferences(s.space(), "x", 1.0).is_err());
        let mut f = PrefsForm::from_preferences(&s.parties()[0].preferences);
        f.reservation = -0.1;
        assert!(f.to_preferences(s.space(), "x", 1.0).is_err());
        let mut f = PrefsForm::from_preferences(&s.parties()[0].preferences);
        f.red_lines[1] = vec![9];
        assert!(f.to_preferences(s.space(), "x", 1.0).is_err());
    }

    #[test]
    fn drafts_and_verdicts_parse_by_option_name() {
        let s = scenario();
        let f = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let d = parse_draft(
            s.space(),
            &f(&[
                ("clause_0", "75"),
                ("clause_1", "in two months"),
                ("clause_2", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(d.indices(), &[3, 1, 3]);
        let e = parse_draft(
            s.space(),
            &f(&[("clause_0", "75"), ("clause_1", "never"), ("clause_2", "3")]),
        )
        .unwrap_err();
        assert!(e.message().contains("no option 'never'"), "{e}");
        assert!(parse_draft(s.space(), &f(&[("clause_0", "75")])).is_err());
        assert!(parse_draft(s.space(), &f(&[("clause_0", "77")])).is_err());
        let v = parse_verdict(
            s.space(),
            &f(&[
                ("accept", "no"),
                ("stance_0", "object"),
                ("alt_0", "80"),
                ("stance_2", "redline"),
            ]),
        )
        .unwrap();
        assert_eq!(v.objections, vec![0, 2]);
        assert_eq!(v.red_lines, vec![2]);
        assert_eq!(v.preferred, vec![(0, 4)]);
        assert!(v.veto && !v.accept);
        assert!(
            parse_verdict(s.space(), &f(&[("accept", "yes"), ("stance_0", "object")])).is_err()
        );
        assert!(parse_verdict(s.space(), &f(&[("stance_9", "ok")])).is_err());
    }

    /// An agent's verdict on a draft is what the core strategy says when it reviews the same
    /// versions in order.
    #[test]
    fn agent_reviews_like_the_core_strategy() {
        let s = scenario();
        let best = s.parties()[0].preferences.ufun().best_outcome();
        let v = agent_verdict(&s, 0, &Strategy::Hardliner, std::slice::from_ref(&best)).unwrap();
        assert!(v.accept);
        let worst = s.parties()[1].preferences.ufun().best_outcome();
        let v = agent_verdict(&s, 0, &Strategy::Hardliner, &[best, worst]).unwrap();
        assert!(!v.accept && !v.objections.is_empty());
        assert!(agent_verdict(&s, 0, &Strategy::Random, &[]).is_err());
    }
}
