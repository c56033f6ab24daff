//! The trusted neutral: a mediator to whom each party confides its preferences, and who alone
//! may read them (the classic negotiation-support setting).
//!
//! A party hands its preferences over as a [`Confided`], a type whose contents nothing outside
//! this module can read: negotiators, the blind mediator and callers can build one, pass it on and
//! drop it, never look inside. [`TrustedNeutral`] takes one per party and
//!
//! * [`TrustedNeutral::propose`]s the exact Nash or Kalai–Smorodinsky package of the acceptable
//!   set (of all parties, or of the principals only) with each party's gain over its walk-away
//!   value, or — when no package is acceptable to all — the package that comes closest (it
//!   maximises the smallest `u_p − r_p`) and whose walk-away values block it, by how much;
//! * [`TrustedNeutral::improve`]s on a tentative agreement or any draft (Raiffa's
//!   post-settlement improvement): it counts and lists the packages every party strictly
//!   prefers (utility higher by more than [`TIE_EPS`], no red line crossed) and proposes the one
//!   that maximises the smallest gain. Both are exact: a depth-first search over issues with
//!   per-party optimistic bounds that skips every subtree where some party cannot gain (or that
//!   cannot beat the best package found), within a node budget past which it says so.
//!
//! Non-goals: confidentiality against the analyst (who built the scenario); strategic
//! misreporting (parties confide their true preferences).

use crate::TIE_EPS;
use crate::analysis::linked::{LinkIndex, LinkState, Terms};
use crate::analysis::{self, AnalysisConfig};
use crate::error::{Error, ErrorKind};
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::scenario::{Role, Scenario};

/// Packages listed by [`TrustedNeutral::improve`] at most (all are counted).
pub const MAX_LISTED_IMPROVEMENTS: usize = 1000;

/// Most search nodes an improvement search visits before it is reported as incomplete.
const MAX_NODES: u64 = 50_000_000;

/// Preferences one party confides to the trusted neutral. Only the trusted neutral can read
/// them: the type has no accessor.
#[derive(Clone)]
pub struct Confided {
    party: usize,
    preferences: Preferences,
}

impl std::fmt::Debug for Confided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Confided {{ party: {}, .. }}", self.party)
    }
}

impl Confided {
    /// Party `party` confides `preferences`.
    pub fn new(party: usize, preferences: Preferences) -> Confided {
        Confided { party, preferences }
    }

    /// Every party of `scenario` confides its own preferences (the parties agree to the
    /// trusted-neutral procedure).
    pub fn all(scenario: &Scenario) -> Vec<Confided> {
        scenario
            .parties()
            .iter()
            .enumerate()
            .map(|(p, party)| Confided::new(p, party.preferences.clone()))
            .collect()
    }

    /// The index of the party that confided.
    pub fn party(&self) -> usize {
        self.party
    }
}

/// The bargaining solution the trusted neutral proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solution {
    /// Maximises the product of gains over walk-away values.
    Nash,
    /// Maximises the smallest gain relative to each party's best acceptable gain.
    KalaiSmorodinsky,
}

/// Whose acceptable set the proposal is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coalition {
    /// Every party.
    All,
    /// The principal parties only (mediators with interests and stakeholders are left out).
    Principals,
}

/// A party whose walk-away value blocks the closest package, and by how much.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    /// Party index.
    pub party: usize,
    /// Its utility for the closest package.
    pub utility: f64,
    /// Its walk-away value.
    pub reservation: f64,
}

/// The trusted neutral's proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The parties whose acceptable set it is drawn from.
    pub parties: Vec<usize>,
    /// The proposed package, acceptable to every party of `parties`; `None` when there is none.
    pub outcome: Option<Outcome>,
    /// Every party's utility for the proposed (or closest) package, in party order.
    pub utilities: Vec<f64>,
    /// Every party's gain over its walk-away value, in party order.
    pub gains: Vec<f64>,
    /// When no package is acceptable to all of `parties`: the package that maximises the
    /// smallest `u_p − r_p` over them, and the parties whose walk-away values it falls short of.
    pub blocked: Option<(Outcome, Vec<Shortfall>)>,
}

/// Packages every party prefers to a tentative agreement.
#[derive(Clone, Debug, PartialEq)]
pub struct Improvement {
    /// Every party's utility for the tentative agreement.
    pub tentative: Vec<f64>,
    /// How many packages every party strictly prefers.
    pub count: u128,
    /// The first [`MAX_LISTED_IMPROVEMENTS`] of them, in enumeration order.
    pub listed: Vec<Outcome>,
    /// The one maximising the smallest gain (ties: larger total gain, then enumeration order).
    pub best: Option<Outcome>,
    /// Every party's gain in `best` over the tentative agreement.
    pub gains: Vec<f64>,
}

/// A mediator that knows every party's confided preferences.
#[derive(Clone, Debug)]
pub struct TrustedNeutral {
    space: OutcomeSpace,
    confided: Vec<Confided>,
    roles: Vec<Role>,
}

impl TrustedNeutral {
    /// A trusted neutral for `scenario`, holding exactly one [`Confided`] per party.
    ///
    /// # Errors
    /// When a party has confided nothing (a trusted-neutral run needs every party's confided
    /// preferences), confided twice, or a confidence names a party that does not exist or does
    /// not fit the issues.
    pub fn new(scenario: &Scenario, confided: Vec<Confided>) -> Result<TrustedNeutral, Error> {
        let n = scenario.parties().len();
        let mut slots: Vec<Option<Confided>> = vec![None; n];
        for c in confided {
            if c.party >= n {
                return Err(Error::config(format!(
                    "preferences confided by party {} but the scenario has {n} parties",
                    c.party
                )));
            }
            let terms = c.preferences.ufun().terms();
            if terms.len() != scenario.space().issues().len()
                || terms
                    .iter()
                    .zip(scenario.space().issues())
                    .any(|(t, i)| t.len() != i.n_values() as usize)
            {
                return Err(Error::new(ErrorKind::Mismatch {
                    reason: format!(
                        "the preferences confided by party '{}' do not fit the issues",
                        scenario.parties()[c.party].name
                    ),
                }));
            }
            let p = c.party;
            if slots[p].replace(c).is_some() {
                return Err(Error::config(format!(
                    "party '{}' confided its preferences twice",
                    scenario.parties()[p].name
                )));
            }
        }
        let missing: Vec<&str> = slots
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_none())
            .map(|(p, _)| scenario.parties()[p].name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::config(format!(
                "a trusted neutral needs every party's confided preferences; missing: {}",
                missing.join(", ")
            )));
        }
        Ok(TrustedNeutral {
            space: scenario.space().clone(),
            confided: slots.into_iter().flatten().collect(),
            roles: scenario.parties().iter().map(|p| p.role).collect(),
        })
    }

    fn prefs(&self) -> Vec<&Preferences> {
        self.confided.iter().map(|c| &c.preferences).collect()
    }

    fn utilities(&self, o: &Outcome) -> Vec<f64> {
        self.confided
            .iter()
            .map(|c| c.preferences.utility(o))
            .collect()
    }

    /// The exact `solution` package of the acceptable set of `coalition` (see the module docs).
    ///
    /// # Errors
    /// When the coalition is empty (no principals) or the exact analysis exceeds its budget.
    pub fn propose(&self, solution: Solution, coalition: Coalition) -> Result<Proposal, Error> {
        let parties: Vec<usize> = (0..self.confided.len())
            .filter(|&p| coalition == Coalition::All || self.roles[p] == Role::Principal)
            .collect();
        if parties.is_empty() {
            return Err(Error::config("the scenario has no principal parties"));
        }
        let all = self.prefs();
        let prefs: Vec<&Preferences> = parties.iter().map(|&p| all[p]).collect();
        let a = analysis::analyze(
            &self.space,
            &prefs,
            &AnalysisConfig {
                full_frontier: false,
                acceptable_frontier: false,
                ..Default::default()
            },
        );
        let point = match solution {
            Solution::Nash => a.nash,
            Solution::KalaiSmorodinsky => a.kalai_smorodinsky,
        }
        .map_err(|i| Error::config(format!("the exact analysis is incomplete: {i}")))?;
        let gains_of = |u: &[f64]| -> Vec<f64> {
            u.iter()
                .zip(&all)
                .map(|(x, p)| x - p.reservation())
                .collect()
        };
        if let Some(pt) = point {
            let utilities = self.utilities(&pt.outcome);
            return Ok(Proposal {
                parties,
                gains: gains_of(&utilities),
                utilities,
                outcome: Some(pt.outcome),
                blocked: None,
            });
        }
        // No zone: the package that comes closest, and who blocks it.
        let baseline: Vec<f64> = prefs.iter().map(|p| p.reservation()).collect();
        let search = maximin(&self.space, &prefs, &baseline, false)?;
        let closest = search
            .best
            .ok_or_else(|| Error::config("every package crosses some party's red line"))?;
        let utilities = self.utilities(&closest);
        let shortfalls = parties
            .iter()
            .filter(|&&p| !all[p].is_acceptable(&closest))
            .map(|&p| Shortfall {
                party: p,
                utility: utilities[p],
                reservation: all[p].reservation(),
            })
            .collect();
        Ok(Proposal {
            parties,
            gains: gains_of(&utilities),
            utilities,
            outcome: None,
            blocked: Some((closest, shortfalls)),
        })
    }

    /// Post-settlement improvement on `tentative` (see the module docs).
    ///
    /// # Errors
    /// When `tentative` is not a package of the space, or the search exceeds its budget.
    pub fn improve(&self, tentative: &Outcome) -> Result<Improvement, Error> {
        self.space.check(tentative)?;
        let prefs = self.prefs();
        let base = self.utilities(tentative);
        let s = maximin(&self.space, &prefs, &base, true)?;
        let gains = match &s.best {
            Some(o) => self
                .utilities(o)
                .iter()
                .zip(&base)
                .map(|(u, b)| u - b)
                .collect(),
            None => Vec::new(),
        };
        Ok(Improvement {
            tentative: base,
            count: s.count,
            listed: s.listed,
            best: s.best,
            gains,
        })
    }
}

/// A complete package named issue by issue, e.g. a tentative agreement typed on a command line:
/// one `(issue, value)` pair per issue, the value an option name or (integer issues) a number.
///
/// # Errors
/// When an issue or option is unknown (the message lists the valid ones), an issue is named
/// twice, or an issue is left open.
pub fn package_from_names(
    space: &OutcomeSpace,
    choices: &[(&str, &str)],
) -> Result<Outcome, Error> {
    let mut idx: Vec<Option<u32>> = vec![None; space.issues().len()];
    for &(issue_name, value) in choices {
        let Some(i) = space.issue_index(issue_name.trim()) else {
            let valid: Vec<&str> = space.issues().iter().map(|x| x.name()).collect();
            return Err(Error::config(format!(
                "unknown issue '{issue_name}'; valid: {}",
                valid.join(", ")
            )));
        };
        let issue = &space.issues()[i];
        let value = value.trim();
        let v = issue.option_index(value).or_else(|| {
            value
                .parse::<i64>()
                .ok()
                .and_then(|x| issue.integer_index(x))
        });
        let Some(v) = v else {
            let valid: Vec<String> = (0..issue.n_values())
                .filter_map(|k| issue.value(k).map(|x| x.to_string()))
                .collect();
            return Err(Error::config(format!(
                "unknown option '{value}' for issue '{}'; valid: {}",
                issue.name(),
                valid.join(", ")
            )));
        };
        if idx[i].replace(v).is_some() {
            return Err(Error::config(format!(
                "issue '{}' is named twice",
                issue.name()
            )));
        }
    }
    let open: Vec<&str> = idx
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(i, _)| space.issues()[i].name())
        .collect();
    if !open.is_empty() {
        return Err(Error::config(format!(
            "a tentative agreement needs a value on every issue; open: {}",
            open.join(", ")
        )));
    }
    Ok(Outcome::new(idx.into_iter().flatten().collect()))
}

struct Search {
    count: u128,
    listed: Vec<Outcome>,
    best: Option<Outcome>,
}

/// Depth-first search over issues for the package maximising `min_p (u_p − base_p)` (ties: the
/// larger `Σ u_p`, then enumeration order), never crossing a red line. With `strict`, only
/// packages where every party gains more than [`TIE_EPS`] qualify, and they are also counted and
/// listed; otherwise every package qualifies and only the best is sought.
///
/// Issues are walked in their own order (so packages are listed in enumeration order). Linked
/// preferences keep the search exact: each party's optimistic bound adds its links' bounds over
/// the partial package (`analysis::linked`: satisfied values plus the open positive ones), and
/// a child where some conditional red line's forbidden box holds is skipped.
fn maximin(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    base: &[f64],
    strict: bool,
) -> Result<Search, Error> {
    let n_issues = space.issues().len();
    let np = prefs.len();
    let mut out = Search {
        count: 0,
        listed: Vec::new(),
        best: None,
    };
    // Values no party rules out unconditionally, in the issue's order.
    let cands: Vec<Vec<u32>> = space
        .issues()
        .iter()
        .enumerate()
        .map(|(i, issue)| {
            (0..issue.n_values())
                .filter(|&v| prefs.iter().all(|p| !p.red_lines().forbids(i, v)))
                .collect()
        })
        .collect();
    if n_issues == 0 || cands.iter().any(Vec::is_empty) {
        return Ok(out);
    }
    // Per party: suffix maxima of the terms over the candidates.
    let mut hi = vec![vec![0.0; n_issues + 1]; np];
    for (p, pr) in prefs.iter().enumerate() {
        let terms = pr.ufun().terms();
        for i in (0..n_issues).rev() {
            let best = cands[i]
                .iter()
                .map(|&v| terms[i][v as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            hi[p][i] = hi[p][i + 1] + best;
        }
    }
    let flat: Vec<Vec<f64>> = (0..n_issues)
        .map(|i| {
            cands[i]
                .iter()
                .flat_map(|&v| prefs.iter().map(move |p| p.ufun().terms()[i][v as usize]))
                .collect()
        })
        .collect();
    let order: Vec<usize> = (0..n_issues).collect();
    let linked = Terms::of(prefs, true);
    let ix = LinkIndex::new(np, &order, &cands, &flat, &linked);
    if ix.as_ref().is_some_and(|ix| ix.empty) {
        // Some forbidden box holds on every package.
        return Ok(out);
    }
    let mut walk = Walk {
        prefs,
        base,
        strict,
        cands: &cands,
        hi: &hi,
        st: ix.as_ref().map(LinkState::new),
        ix: ix.as_ref(),
        idx: vec![0; n_issues],
        partial: vec![vec![0.0; n_issues + 1]; np],
        nodes: 0,
        best_key: (f64::NEG_INFINITY, f64::NEG_INFINITY),
        out: &mut out,
    };
    walk.go(0)?;
    Ok(out)
}

struct Walk<'a> {
    prefs: &'a [&'a Preferences],
    base: &'a [f64],
    strict: bool,
    cands: &'a [Vec<u32>],
    /// Per party, suffix maxima of the additive terms.
    hi: &'a [Vec<f64>],
    ix: Option<&'a LinkIndex>,
    st: Option<LinkState>,
    idx: Vec<u32>,
    /// Per party, additive partial sums by level.
    partial: Vec<Vec<f64>>,
    nodes: u64,
    best_key: (f64, f64),
    out: &'a mut Search,
}

impl Walk<'_> {
    fn leaf(&mut self) {
        let o = Outcome::new(self.idx.clone());
        let u: Vec<f64> = self.prefs.iter().map(|p| p.utility(&o)).collect();
        let gain = u
            .iter()
            .zip(self.base)
            .map(|(x, b)| x - b)
            .fold(f64::INFINITY, f64::min);
        if self.strict && gain <= TIE_EPS {
            return;
        }
        if self.strict {
            self.out.count += 1;
            if self.out.listed.len() < MAX_LISTED_IMPROVEMENTS {
                self.out.listed.push(o.clone());
            }
        }
        let key = (gain, u.iter().sum::<f64>());
        let best = self.best_key;
        if key.0 > best.0 + TIE_EPS || (key.0 >= best.0 - TIE_EPS && key.1 > best.1 + TIE_EPS) {
            self.best_key = key;
            self.out.best = Some(o);
        }
    }

    fn go(&mut self, level: usize) -> Result<(), Error> {
        let n_issues = self.cands.len();
        if level == n_issues {
            self.leaf();
            return Ok(());
        }
        let np = self.prefs.len();
        for k in 0..self.cands[level].len() {
            let v = self.cands[level][k];
            self.nodes += 1;
            if self.nodes > MAX_NODES {
                return Err(Error::config(format!(
                    "the improvement search needs more than {MAX_NODES} nodes; the space is too \
                     large for an exact answer"
                )));
            }
            self.idx[level] = v;
            for p in 0..np {
                self.partial[p][level + 1] =
                    self.partial[p][level] + self.prefs[p].ufun().terms()[level][v as usize];
            }
            let feasible = match (self.ix, self.st.as_mut()) {
                (Some(ix), Some(st)) => st.enter(ix, level, k),
                _ => true,
            };
            if feasible && self.worth_entering(level + 1) {
                self.go(level + 1)?;
            }
            if let (Some(ix), Some(st)) = (self.ix, self.st.as_mut()) {
                st.leave(ix, level, k);
            }
        }
        Ok(())
    }

    /// Whether the subtree below a node of `level` (its prefix in `idx`) may hold a package
    /// that counts: subtrees where some party cannot gain are skipped when improvements are
    /// sought (every other one may hold improvements to count); when only the best matters, so
    /// are subtrees that cannot reach the best gain (a tied subtree may still win on welfare).
    fn worth_entering(&self, level: usize) -> bool {
        let mut bound = f64::INFINITY;
        for (p, pr) in self.prefs.iter().enumerate() {
            let acc = self.partial[p][level];
            let opt = match (self.ix, self.st.as_ref()) {
                (Some(_), Some(st)) => st.bounds(self.prefs.len(), level, p, acc).1,
                _ => acc + self.hi[p][level],
            };
            // A clipped utility is bounded by its raw sum: the clip only lowers values above 1.
            let opt = pr.ufun().finish(opt);
            bound = bound.min(opt - self.base[p]);
        }
        if self.strict {
            bound > TIE_EPS
        } else {
            bound >= self.best_key.0 - TIE_EPS
        }
    }
}
