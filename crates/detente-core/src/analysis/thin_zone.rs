//! Seeded thin-zone scenarios: a handful of parties whose zone of possible agreement is a few
//! packages out of thousands, the hard case for a mediator, for tests and benches.
//!
//! [`scenario`] starts from a [`synthetic`](super::synthetic) scenario (additive, opposed
//! parties, utilities spanning [0, 1]) and then sets every party's walk-away value so that the
//! zone is small. It enumerates the space (at most [`MAX_OUTCOMES`] outcomes), takes the
//! egalitarian outcome `o*` (the one maximising the smallest utility), and gives party `p` the
//! reservation value `u_p(o*) − δ·s_p`, where `s_p` is a random spread in [0.5, 1.5] (so the zone
//! is not centred on `o*` for every party alike) and `δ ≥ 0` is the largest step (found by
//! bisection) at which the zone holds at most the target number of packages. `o*` is always in
//! the zone, so it is never empty. Each walk-away value is then moved into the middle of the gap
//! between utilities just below the zone, so no outcome sits within rounding of it. The zone size is then counted again with the exact analysis
//! ([`super::analyze`]) and reported.
//!
//! [`standard_set`] is the set the tests and benches use: 3–5 parties, 5–6 issues of 4–5 options
//! (1 024 to 15 625 outcomes), a target zone drawn from 1 to min(20, 1 % of the outcomes).
//!
//! Non-goals: realism; red lines; spaces too large to enumerate.

use rand::RngExt;

use crate::TIE_EPS;
use crate::error::Error;
use crate::outcome::Outcome;
use crate::preferences::Preferences;
use crate::rng::{derive_seed, rng};
use crate::scenario::{Party, Scenario};

use super::synthetic::{self, SyntheticConfig};
use super::{AnalysisConfig, analyze};

/// The largest space [`scenario`] enumerates.
pub const MAX_OUTCOMES: u64 = 200_000;

/// The shape of a thin-zone scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ThinZoneConfig {
    /// Number of parties (at least 1).
    pub n_parties: usize,
    /// Number of issues (at least 1).
    pub n_issues: usize,
    /// Options per issue (at least 1).
    pub n_options: u32,
    /// The zone holds at most this many packages (at least 1).
    pub max_zone: u64,
    /// Seed of every random choice.
    pub seed: u64,
}

/// A thin-zone scenario and the exact size of its zone.
#[derive(Clone, Debug, PartialEq)]
pub struct ThinZone {
    /// The scenario.
    pub scenario: Scenario,
    /// Number of packages every party prefers to walking away (exact analysis).
    pub zone: u64,
    /// Number of outcomes.
    pub outcomes: u64,
}

/// A seeded thin-zone scenario (see the module docs), named
/// `thin-zone-<parties>p-<issues>x<options>-s<seed>`.
///
/// # Errors
/// When a count is zero or the space has more than [`MAX_OUTCOMES`] outcomes.
///
/// # Example
/// ```
/// use detente_core::analysis::thin_zone::{self, ThinZoneConfig};
///
/// let t = thin_zone::scenario(&ThinZoneConfig { n_parties: 4, n_issues: 5, n_options: 4, max_zone: 8, seed: 3 })?;
/// assert!(t.zone >= 1 && t.zone <= 8);
/// # Ok::<(), detente_core::Error>(())
/// ```
pub fn scenario(config: &ThinZoneConfig) -> Result<ThinZone, Error> {
    thin(config, 0)
}

/// Like [`scenario`], but every party's utility also has `n_links` seeded interaction terms
/// (linked, non-additive preferences): each pays a bonus or penalty in ±[0.03, 0.15] when two
/// issues take one or two given options each. The walk-away values are then set on the linked
/// utilities as [`scenario`] sets them, so the zone is as thin. Named
/// `thin-zone-linked<n_links>-<parties>p-<issues>x<options>-s<seed>`.
///
/// # Errors
/// As [`scenario`]; also when the space has fewer than two issues and `n_links > 0`.
pub fn linked_scenario(config: &ThinZoneConfig, n_links: usize) -> Result<ThinZone, Error> {
    if n_links > 0 && config.n_issues < 2 {
        return Err(Error::config("a link joins two issues: give at least two"));
    }
    thin(config, n_links)
}

/// The first `count` scenarios of the standard set (see [`standard_config`]), each party with
/// `n_links` interaction terms ([`linked_scenario`]).
///
/// # Errors
/// Never for the standard shapes.
pub fn linked_standard_set(seed: u64, count: u64, n_links: usize) -> Result<Vec<ThinZone>, Error> {
    (0..count)
        .map(|k| linked_scenario(&standard_config(seed, k), n_links))
        .collect()
}

/// Seeded links for every party of `base` (see [`linked_scenario`]).
fn add_links(base: Scenario, n_links: usize, seed: u64) -> Result<Scenario, Error> {
    use crate::links::{Condition, Link, ValueSet};
    let space = base.space().clone();
    let sizes: Vec<u32> = space.issues().iter().map(|i| i.n_values()).collect();
    let mut r = rng(derive_seed(seed, &[0x6c69_6e6b]));
    let parties = base
        .parties()
        .iter()
        .map(|p| {
            let mut links = Vec::with_capacity(n_links);
            for _ in 0..n_links {
                let a = r.random_range(0..sizes.len());
                let mut b = r.random_range(0..sizes.len() - 1);
                if b >= a {
                    b += 1;
                }
                let mut set = |i: usize| {
                    let n = sizes[i];
                    let k = r.random_range(1..=2u32.min(n));
                    ValueSet::from_indices((0..k).map(|_| r.random_range(0..n)))
                };
                let (sa, sb) = (set(a), set(b));
                let c = Condition::new(&space, vec![(a, sa), (b, sb)])?;
                let mag = 0.03 + 0.12 * r.random::<f64>();
                let v = if r.random_bool(0.5) { mag } else { -mag };
                links.push(Link::new(c, v)?);
            }
            let pr = Preferences::new(
                p.preferences.ufun().clone().with_links(links)?,
                p.preferences.reservation(),
                p.preferences.red_lines().clone(),
                1.0,
            )?;
            Ok(Party::new(p.name.clone(), pr))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Scenario::new(base.name.clone(), space, parties)
}

fn thin(config: &ThinZoneConfig, n_links: usize) -> Result<ThinZone, Error> {
    if config.max_zone == 0 {
        return Err(Error::config("a thin zone holds at least one package"));
    }
    let base = synthetic::scenario(&SyntheticConfig {
        n_issues: config.n_issues,
        n_options: config.n_options,
        n_parties: config.n_parties,
        reservation: 0.0,
        seed: config.seed,
    })?;
    let base = if n_links > 0 {
        add_links(base, n_links, config.seed)?
    } else {
        base
    };
    let space = base.space();
    let n_outcomes = space
        .cardinality()
        .to_u64()
        .filter(|&n| n <= MAX_OUTCOMES)
        .ok_or_else(|| {
            Error::config(format!(
                "a thin-zone scenario enumerates its space: at most {MAX_OUTCOMES} outcomes"
            ))
        })?;
    let n = config.n_parties;
    // Every outcome's utility vector, in enumeration order.
    let utils: Vec<Vec<f64>> = (0..u128::from(n_outcomes))
        .filter_map(|k| space.outcome_at(k))
        .map(|o| base.utilities(&o))
        .collect();
    let min_of = |u: &[f64]| u.iter().copied().fold(f64::INFINITY, f64::min);
    let star = (0..utils.len())
        .max_by(|&a, &b| {
            min_of(&utils[a])
                .total_cmp(&min_of(&utils[b]))
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    let mut r = rng(derive_seed(config.seed, &[0x7a6f_6e65]));
    let spread: Vec<f64> = (0..n).map(|_| 0.5 + r.random::<f64>()).collect();
    let reservations =
        |delta: f64| -> Vec<f64> { (0..n).map(|p| utils[star][p] - delta * spread[p]).collect() };
    let zone_at = |delta: f64| -> u64 {
        let res = reservations(delta);
        utils
            .iter()
            .filter(|u| u.iter().zip(&res).all(|(x, r)| *x >= r - TIE_EPS))
            .count() as u64
    };
    let (mut lo, mut hi) = (0.0f64, 2.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if zone_at(mid) <= config.max_zone {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // Move each walk-away value off the utilities, into the middle of the gap below the zone's
    // lowest utility for that party, so no outcome sits within rounding of a walk-away value
    // and every exact method counts the same zone.
    let res0 = reservations(lo);
    let zone: Vec<&Vec<f64>> = utils
        .iter()
        .filter(|u| u.iter().zip(&res0).all(|(x, r)| *x >= r - TIE_EPS))
        .collect();
    let res: Vec<f64> = (0..n)
        .map(|p| {
            let m = zone.iter().map(|u| u[p]).fold(f64::INFINITY, f64::min);
            let below = utils
                .iter()
                .map(|u| u[p])
                .filter(|&x| x < m - 1e-9)
                .fold(f64::NEG_INFINITY, f64::max);
            if below.is_finite() {
                0.5 * (m + below)
            } else {
                m - 1e-6
            }
        })
        .collect();
    let parties = base
        .parties()
        .iter()
        .zip(&res)
        .map(|(p, &rv)| {
            let prefs = Preferences::new(
                p.preferences.ufun().clone(),
                rv,
                p.preferences.red_lines().clone(),
                1.0,
            )?;
            Ok(Party::new(p.name.clone(), prefs))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let scenario = Scenario::new(
        format!(
            "thin-zone-{}{}p-{}x{}-s{}",
            if n_links > 0 {
                format!("linked{n_links}-")
            } else {
                String::new()
            },
            config.n_parties,
            config.n_issues,
            config.n_options,
            config.seed
        ),
        space.clone(),
        parties,
    )?;
    let a = analyze(
        scenario.space(),
        &scenario.preferences(),
        &AnalysisConfig {
            full_frontier: false,
            acceptable_frontier: false,
            ..Default::default()
        },
    );
    let zone = a
        .zopa
        .map_err(|i| Error::config(format!("the zone could not be counted: {i}")))?
        .to_u64()
        .unwrap_or(u64::MAX);
    Ok(ThinZone {
        scenario,
        zone,
        outcomes: n_outcomes,
    })
}

/// The configuration of the `k`-th scenario of the standard set with base seed `seed`: 3–5
/// parties, 5–6 issues of 4–5 options, a target zone from 1 to min(20, 1 % of the outcomes).
pub fn standard_config(seed: u64, k: u64) -> ThinZoneConfig {
    let mut r = rng(derive_seed(seed, &[0x7468_696e, k]));
    let n_parties = r.random_range(3..=5usize);
    let n_issues = r.random_range(5..=6usize);
    let n_options = r.random_range(4..=5u32);
    let outcomes = u64::from(n_options).pow(n_issues as u32);
    let cap = (outcomes / 100).clamp(1, 20);
    ThinZoneConfig {
        n_parties,
        n_issues,
        n_options,
        max_zone: r.random_range(1..=cap),
        seed: derive_seed(seed, &[k]),
    }
}

/// The first `count` scenarios of the standard set with base seed `seed` (see
/// [`standard_config`]).
///
/// # Errors
/// Never for the standard shapes; the signature carries [`scenario`]'s errors.
pub fn standard_set(seed: u64, count: u64) -> Result<Vec<ThinZone>, Error> {
    (0..count)
        .map(|k| scenario(&standard_config(seed, k)))
        .collect()
}

/// Whether every party of `scenario` prefers `outcome` to walking away.
pub fn acceptable_to_all(scenario: &Scenario, outcome: &Outcome) -> bool {
    scenario
        .parties()
        .iter()
        .all(|p| p.preferences.is_acceptable(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_thin_and_exact() {
        for t in standard_set(11, 12).unwrap() {
            let s = &t.scenario;
            let brute = (0..u128::from(t.outcomes))
                .filter_map(|k| s.space().outcome_at(k))
                .filter(|o| acceptable_to_all(s, o))
                .count() as u64;
            assert_eq!(brute, t.zone, "{}", s.name);
            assert!(t.zone >= 1 && t.zone <= 20, "{}: {}", s.name, t.zone);
            assert!(
                t.zone * 100 <= t.outcomes.max(100),
                "{}: {}",
                s.name,
                t.zone
            );
            assert!((3..=5).contains(&s.parties().len()));
            assert!((5..=6).contains(&s.space().issues().len()));
        }
    }

    #[test]
    fn linked_zones_are_thin_and_exact() {
        for t in linked_standard_set(12, 6, 3).unwrap() {
            let s = &t.scenario;
            assert!(s.parties().iter().all(|p| p.preferences.is_linked()));
            let brute = (0..u128::from(t.outcomes))
                .filter_map(|k| s.space().outcome_at(k))
                .filter(|o| acceptable_to_all(s, o))
                .count() as u64;
            assert_eq!(brute, t.zone, "{}", s.name);
            assert!(t.zone >= 1 && t.zone <= 20, "{}: {}", s.name, t.zone);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_set() {
        assert_eq!(standard_set(5, 3).unwrap(), standard_set(5, 3).unwrap());
        assert_ne!(
            standard_set(5, 1).unwrap()[0].scenario,
            standard_set(6, 1).unwrap()[0].scenario
        );
    }

    #[test]
    fn bad_shapes_are_errors() {
        let ok = standard_config(1, 0);
        for c in [
            ThinZoneConfig {
                max_zone: 0,
                ..ok.clone()
            },
            ThinZoneConfig {
                n_parties: 0,
                ..ok.clone()
            },
            ThinZoneConfig {
                n_issues: 12,
                n_options: 10,
                ..ok.clone()
            },
        ] {
            assert!(scenario(&c).is_err());
        }
    }
}
