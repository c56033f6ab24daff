//! Seeded synthetic scenarios with linear-additive preferences, for benchmarks and tests.
//!
//! [`scenario`] builds `n_issues` discrete issues of `n_options` options each and `n_parties`
//! parties. Each party weighs the issues by random weights (normalised to add up to 1) and
//! values each issue's options by random numbers rescaled to [0, 1] (worst option 0, best 1).
//! Parties 0 and 1 are opposed: party 0's values rise with the option index and party 1's fall,
//! at random spacings, as in a price or a deadline; further parties value options in a random
//! order. Every party gets the same reservation value. The same config gives the same scenario
//! on every machine (ChaCha8 seeded from `seed`).
//!
//! Non-goals: realism beyond "opposed, additive, continuous values"; red lines, discounts or
//! integer issues (real domains cover those).

use rand::RngExt;

use crate::error::Error;
use crate::outcome::{Issue, OutcomeSpace};
use crate::preferences::{Preferences, RedLines, UtilityFunction, ValueFunction};
use crate::rng::{derive_seed, rng};
use crate::scenario::{Party, Scenario};

/// The shape of a synthetic scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticConfig {
    /// Number of issues (at least 1).
    pub n_issues: usize,
    /// Options per issue (at least 1).
    pub n_options: u32,
    /// Number of parties (at least 1).
    pub n_parties: usize,
    /// Every party's reservation value.
    pub reservation: f64,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for SyntheticConfig {
    /// Two parties over 6 issues × 10 options (10⁶ outcomes), reservation 0.3, seed 0.
    fn default() -> SyntheticConfig {
        SyntheticConfig {
            n_issues: 6,
            n_options: 10,
            n_parties: 2,
            reservation: 0.3,
            seed: 0,
        }
    }
}

/// The party names [`scenario`] uses: `a`, `b`, … (`p026`, … past 26), which sort in party
/// order, so formats that order parties by file name keep them.
pub fn party_name(p: usize) -> String {
    if p < 26 {
        char::from(b'a' + p as u8).to_string()
    } else {
        format!("p{p:03}")
    }
}

/// A seeded synthetic scenario (see the module docs), named
/// `synthetic-<issues>x<options>-<parties>p-s<seed>`.
///
/// # Errors
/// When a count is zero or the reservation value is not finite.
///
/// # Example
/// ```
/// use detente_core::analysis::{self, synthetic::{self, SyntheticConfig}};
///
/// let s = synthetic::scenario(&SyntheticConfig { n_issues: 80, ..Default::default() })?;
/// assert_eq!(s.space().cardinality().to_string().len(), 81); // 10⁸⁰ outcomes
/// let a = analysis::analyze(s.space(), &s.preferences(), &Default::default());
/// assert!(a.nash.unwrap().is_some());
/// # Ok::<(), detente_core::Error>(())
/// ```
pub fn scenario(config: &SyntheticConfig) -> Result<Scenario, Error> {
    if config.n_issues == 0 || config.n_options == 0 || config.n_parties == 0 {
        return Err(Error::config(
            "a synthetic scenario needs at least one issue, one option and one party",
        ));
    }
    let issues = (0..config.n_issues)
        .map(|i| {
            let options = (0..config.n_options).map(|k| format!("v{k}")).collect();
            Issue::discrete(format!("i{i:02}"), options)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let space = OutcomeSpace::new(issues)?;
    let n = config.n_options as usize;
    let mut parties = Vec::with_capacity(config.n_parties);
    for p in 0..config.n_parties {
        let mut r = rng(derive_seed(config.seed, &[p as u64]));
        let weights: Vec<f64> = (0..config.n_issues)
            .map(|_| 0.05 + r.random::<f64>())
            .collect();
        let values: Vec<Option<ValueFunction>> = (0..config.n_issues)
            .map(|_| {
                let mut v: Vec<f64> = (0..n).map(|_| r.random::<f64>()).collect();
                v.sort_by(f64::total_cmp);
                let (lo, hi) = (v[0], v[n - 1]);
                let mut v: Vec<f64> = v
                    .iter()
                    .map(|x| if hi > lo { (x - lo) / (hi - lo) } else { 1.0 })
                    .collect();
                match p {
                    0 => {}
                    1 => v.reverse(),
                    _ => {
                        // Fisher–Yates with the party's own generator.
                        for k in (1..n).rev() {
                            v.swap(k, r.random_range(0..=k));
                        }
                    }
                }
                Some(ValueFunction::Table(v))
            })
            .collect();
        let name = party_name(p);
        let ufun = UtilityFunction::weighted_sum(&space, &name, &weights, &values)?;
        let prefs = Preferences::new(
            ufun,
            config.reservation,
            RedLines::none(config.n_issues),
            1.0,
        )?;
        parties.push(Party::new(name, prefs));
    }
    Scenario::new(
        format!(
            "synthetic-{}x{}-{}p-s{}",
            config.n_issues, config.n_options, config.n_parties, config.seed
        ),
        space,
        parties,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_config_gives_the_same_scenario() {
        let c = SyntheticConfig {
            n_issues: 4,
            n_options: 5,
            n_parties: 3,
            ..Default::default()
        };
        let (a, b) = (scenario(&c).unwrap(), scenario(&c).unwrap());
        assert_eq!(a, b);
        let other = scenario(&SyntheticConfig { seed: 1, ..c }).unwrap();
        assert_ne!(a, other);
        // Utilities span [0, 1] and the first two parties are opposed on every issue.
        let (u, v) = (
            a.parties()[0].preferences.ufun(),
            a.parties()[1].preferences.ufun(),
        );
        assert!((u.max() - 1.0).abs() < 1e-12 && u.min().abs() < 1e-12);
        for (t, s) in u.terms().iter().zip(v.terms()) {
            assert!(t.windows(2).all(|w| w[0] <= w[1]));
            assert!(s.windows(2).all(|w| w[0] >= w[1]));
        }
    }

    #[test]
    fn empty_shapes_are_errors_not_panics() {
        for c in [
            SyntheticConfig {
                n_issues: 0,
                ..Default::default()
            },
            SyntheticConfig {
                n_options: 0,
                ..Default::default()
            },
            SyntheticConfig {
                n_parties: 0,
                ..Default::default()
            },
            SyntheticConfig {
                reservation: f64::NAN,
                ..Default::default()
            },
        ] {
            assert!(scenario(&c).is_err());
        }
    }
}
