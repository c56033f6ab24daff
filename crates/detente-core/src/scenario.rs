//! A scenario: the outcome space, the parties and what an analyst knows around them.
//!
//! Besides the model proper (issues and each party's private [`Preferences`]), a scenario carries
//! the material that makes a real case readable: citable sources, reported packages (drafts and
//! stated positions, possibly incomplete), the mediator and a meetings timeline. These are plain
//! data; the core never reads or writes files (see `detente-formats`).

use crate::error::{Error, ErrorKind};
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::uncertainty::Uncertainty;

/// The part a party plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A principal party to the agreement.
    Principal,
    /// A party that mediates and has interests of its own.
    Mediator,
    /// A party with a stake (and possibly a veto) that is not a principal.
    Stakeholder,
}

impl Role {
    /// The lower-case name used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Principal => "principal",
            Role::Mediator => "mediator",
            Role::Stakeholder => "stakeholder",
        }
    }
}

/// Where each kind of number of a party comes from (a source id list or "analyst estimate").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    /// Provenance of the reservation value.
    pub reservation: Option<String>,
    /// Provenance of the weights.
    pub weights: Option<String>,
    /// Provenance of the option values.
    pub values: Option<String>,
}

/// Why a red line is there.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RedLineNote {
    /// The issue index.
    pub issue_idx: usize,
    /// The forbidden value indices.
    pub values: Vec<u32>,
    /// E.g. "reported" or "estimate".
    pub basis: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// One party to the negotiation.
#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    /// Unique name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Free text.
    pub description: Option<String>,
    /// Private preferences.
    pub preferences: Preferences,
    /// Provenance of the numbers.
    pub provenance: Provenance,
    /// Why each red line holds.
    pub red_line_notes: Vec<RedLineNote>,
    /// People negotiating for the party.
    pub delegation: Vec<String>,
    /// Best alternative to a negotiated agreement, in words.
    pub batna: Option<String>,
}

/// Plain-words material about one issue and its options (for reports).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IssueNote {
    /// Plain-words title.
    pub description: Option<String>,
    /// Grouping, e.g. "territory".
    pub category: Option<String>,
    /// Unit of an integer issue.
    pub unit: Option<String>,
    /// Per option (discrete issues; empty otherwise), in option order.
    pub options: Vec<OptionNote>,
}

/// Plain-words material about one option.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptionNote {
    /// Full description.
    pub description: Option<String>,
    /// Who proposed it.
    pub proposed_by: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A citable source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Source {
    /// Identifier, e.g. "S12".
    pub id: String,
    /// Where it was read.
    pub url: Option<String>,
    /// What it supports.
    pub about: Option<String>,
    /// Reliability grade.
    pub reliability: Option<String>,
}

/// A named, possibly partial, outcome: a reported draft or a stated position.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    /// Identifier.
    pub name: String,
    /// Plain-words title.
    pub label: Option<String>,
    /// ISO date.
    pub date: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Free text.
    pub notes: Option<String>,
    /// Per issue: `None` when unknown, else the value indices the text leaves open (one when
    /// the text decides the issue).
    pub choices: Vec<Option<Vec<u32>>>,
}

impl Package {
    /// The complete outcome, when every issue has exactly one choice.
    pub fn as_outcome(&self) -> Option<Outcome> {
        self.choices
            .iter()
            .map(|c| match c.as_deref() {
                Some([v]) => Some(*v),
                _ => None,
            })
            .collect::<Option<Vec<u32>>>()
            .map(Outcome::new)
    }

    /// For each issue, the values a completion of this package may take.
    pub fn allowed_values(&self, space: &OutcomeSpace) -> Vec<Vec<u32>> {
        space
            .issues()
            .iter()
            .zip(&self.choices)
            .map(|(issue, c)| match c {
                Some(v) => v.clone(),
                None => (0..issue.n_values()).collect(),
            })
            .collect()
    }
}

/// Who mediates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mediator {
    /// Index of the party that mediates with its own interests, if any.
    pub party_idx: Option<usize>,
    /// Name of a neutral mediator who is not a party.
    pub name: Option<String>,
    /// How the mediation works.
    pub procedure: Option<String>,
    /// Index of the package the mediator's single text starts from, if given.
    pub start: Option<usize>,
}

/// A dated meeting or event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meeting {
    /// ISO date.
    pub date: String,
    /// ISO end date.
    pub end_date: Option<String>,
    /// Where.
    pub place: Option<String>,
    /// Indices of the parties present.
    pub parties: Vec<usize>,
    /// People present.
    pub delegates: Vec<String>,
    /// What happened.
    pub summary: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A complete negotiation scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Where the numbers come from, in words.
    pub provenance: Option<String>,
    /// The date the analyst's record ends (ISO `YYYY-MM-DD`): nothing after it is encoded.
    pub as_of: Option<String>,
    /// Default deadline in rounds.
    pub rounds: u32,
    space: OutcomeSpace,
    parties: Vec<Party>,
    /// Per issue, in issue order: descriptions for reports.
    pub issue_notes: Vec<IssueNote>,
    /// Citable sources.
    pub sources: Vec<Source>,
    /// Named packages.
    pub packages: Vec<Package>,
    /// The mediator.
    pub mediator: Option<Mediator>,
    /// The meetings timeline, in file order.
    pub meetings: Vec<Meeting>,
    /// The ranges of the parties' numbers, when the analyst gave any (the parties'
    /// preferences hold the point values either way).
    pub uncertainty: Option<Uncertainty>,
}

impl Scenario {
    /// A scenario with the given space and parties and nothing else.
    ///
    /// # Errors
    /// When there are no parties, two parties share a name, or a party's preferences do not fit
    /// the space.
    pub fn new(
        name: impl Into<String>,
        space: OutcomeSpace,
        parties: Vec<Party>,
    ) -> Result<Scenario, Error> {
        if parties.is_empty() {
            return Err(Error::new(ErrorKind::NoParties));
        }
        for (i, p) in parties.iter().enumerate() {
            if parties[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::new(ErrorKind::DuplicateName {
                    what: "party".into(),
                    name: p.name.clone(),
                }));
            }
            let terms = p.preferences.ufun().terms();
            if terms.len() != space.issues().len()
                || terms
                    .iter()
                    .zip(space.issues())
                    .any(|(t, i)| t.len() != i.n_values() as usize)
            {
                return Err(Error::new(ErrorKind::Mismatch {
                    reason: format!("preferences of party '{}' do not fit the issues", p.name),
                }));
            }
        }
        Ok(Scenario {
            name: name.into(),
            description: None,
            provenance: None,
            as_of: None,
            rounds: 100,
            issue_notes: vec![IssueNote::default(); space.issues().len()],
            space,
            parties,
            sources: Vec::new(),
            packages: Vec::new(),
            mediator: None,
            meetings: Vec::new(),
            uncertainty: None,
        })
    }

    /// The outcome space.
    pub fn space(&self) -> &OutcomeSpace {
        &self.space
    }

    /// The parties, in order.
    pub fn parties(&self) -> &[Party] {
        &self.parties
    }

    /// The index of the party called `name`.
    ///
    /// # Errors
    /// When there is no such party; the error lists the valid names.
    pub fn party_index(&self, name: &str) -> Result<usize, Error> {
        self.parties
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| {
                Error::new(ErrorKind::Unknown {
                    what: "party".into(),
                    name: name.into(),
                    valid: self.parties.iter().map(|p| p.name.clone()).collect(),
                })
            })
    }

    /// Each party's preferences, in party order.
    pub fn preferences(&self) -> Vec<&Preferences> {
        self.parties.iter().map(|p| &p.preferences).collect()
    }

    /// The same scenario with only the parties at `indices` (in that order); packages are kept,
    /// and meetings keep only the selected parties. A mediator party that is dropped is
    /// forgotten.
    ///
    /// # Errors
    /// When an index is out of range, repeats, or the list is empty.
    pub fn with_parties(&self, indices: &[usize]) -> Result<Scenario, Error> {
        if indices.is_empty() {
            return Err(Error::new(ErrorKind::NoParties));
        }
        let mut parties = Vec::with_capacity(indices.len());
        for (k, &i) in indices.iter().enumerate() {
            if i >= self.parties.len() || indices[..k].contains(&i) {
                return Err(Error::config(format!(
                    "party index {i} is out of range or repeated"
                )));
            }
            parties.push(self.parties[i].clone());
        }
        let remap = |i: usize| indices.iter().position(|&j| j == i);
        let mut s = self.clone();
        s.parties = parties;
        s.uncertainty = self.uncertainty.as_ref().map(|u| Uncertainty {
            parties: indices
                .iter()
                .filter_map(|&i| u.parties.get(i).cloned())
                .collect(),
        });
        s.mediator = self.mediator.as_ref().map(|m| Mediator {
            party_idx: m.party_idx.and_then(remap),
            ..m.clone()
        });
        s.meetings = self
            .meetings
            .iter()
            .map(|m| Meeting {
                parties: m.parties.iter().filter_map(|&i| remap(i)).collect(),
                ..m.clone()
            })
            .collect();
        Ok(s)
    }

    /// Each party's utility for `outcome`.
    pub fn utilities(&self, outcome: &Outcome) -> Vec<f64> {
        self.parties
            .iter()
            .map(|p| p.preferences.utility(outcome))
            .collect()
    }
}

impl Party {
    /// A principal party with the given preferences and nothing else.
    pub fn new(name: impl Into<String>, preferences: Preferences) -> Party {
        Party {
            name: name.into(),
            role: Role::Principal,
            description: None,
            preferences,
            provenance: Provenance::default(),
            red_line_notes: Vec::new(),
            delegation: Vec::new(),
            batna: None,
        }
    }
}
