//! Estimates with ranges: how sure the analyst is of each number of a scenario.
//!
//! A scenario's parties are built from point numbers (weights, option values, points of
//! piecewise value functions, reservation values, values of interaction terms); those points are what every exact engine
//! uses. An [`Uncertainty`] sits beside them and says, for every such number, what range it may
//! really take and with which distribution ([`Estimate`]), and for every red line (conditional
//! ones included) how likely it is to hold. [`Uncertainty::numbers`] lists the numbers in a fixed order ([`Site`]s), and
//! [`Uncertainty::build`] turns one value per number (a draw, or the points with one number
//! moved) back into every party's [`Preferences`], so the exact engines can analyse it.
//!
//! Non-goals: correlations between estimates; uncertainty about the issues themselves.

use rand::RngExt;

use crate::error::{Error, ErrorKind};
use crate::links::{Condition, ConditionalRedLine, Link};
use crate::outcome::OutcomeSpace;
use crate::preferences::{Preferences, RedLines, UtilityFunction, ValueFunction};

/// The shape of an estimate's distribution over `[low, high]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// Every value in the range equally likely.
    Uniform,
    /// Triangular with its mode at the point value (the default).
    Triangular,
    /// Normal around the point value with standard deviation `sd`, truncated to the range.
    Normal {
        /// Standard deviation (> 0).
        sd: f64,
    },
}

impl Distribution {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Uniform => "uniform",
            Distribution::Triangular => "triangular",
            Distribution::Normal { .. } => "normal",
        }
    }
}

/// One number of a scenario with the range it may take.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The point value (what the exact analysis of the scenario uses).
    pub value: f64,
    /// Lowest plausible value.
    pub low: f64,
    /// Highest plausible value.
    pub high: f64,
    /// How values in the range are distributed.
    pub dist: Distribution,
    /// One line: why this number.
    pub basis: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Whether the range was written for this number (`false`: a point, or a range that comes
    /// from the party's default spreads).
    pub explicit: bool,
}

impl Estimate {
    /// A number known exactly.
    pub fn point(value: f64) -> Estimate {
        Estimate {
            value,
            low: value,
            high: value,
            dist: Distribution::Triangular,
            basis: None,
            sources: Vec::new(),
            explicit: false,
        }
    }

    /// An estimate with an explicit range.
    ///
    /// # Errors
    /// When a bound is not finite, `low > high`, `value` lies outside `[low, high]`, or a
    /// normal distribution's `sd` is not a positive finite number.
    pub fn new(value: f64, low: f64, high: f64, dist: Distribution) -> Result<Estimate, Error> {
        let bad = |what: &str, v: f64, valid: &str| {
            Err(Error::new(ErrorKind::OutOfRange {
                what: what.into(),
                value: v,
                valid: valid.into(),
            }))
        };
        for (what, v) in [("value", value), ("low", low), ("high", high)] {
            if !v.is_finite() {
                return bad(what, v, "a finite number");
            }
        }
        if low > high {
            return bad("low", low, &format!("at most high = {high}"));
        }
        if !(low..=high).contains(&value) {
            return bad(
                "value",
                value,
                &format!("inside [low, high] = [{low}, {high}]"),
            );
        }
        if let Distribution::Normal { sd } = dist
            && !(sd.is_finite() && sd > 0.0)
        {
            return bad("sd", sd, "a number > 0");
        }
        Ok(Estimate {
            value,
            low,
            high,
            dist,
            basis: None,
            sources: Vec::new(),
            explicit: true,
        })
    }

    /// A default range: `value ± spread`, clipped to `[min, max]`, triangular around `value`.
    pub fn spread(value: f64, spread: f64, min: f64, max: f64) -> Estimate {
        Estimate {
            low: (value - spread).max(min).min(value),
            high: (value + spread).min(max).max(value),
            ..Estimate::point(value)
        }
    }

    /// Whether the number has no range.
    pub fn is_point(&self) -> bool {
        self.low == self.high
    }

    /// A value drawn from the distribution (always inside `[low, high]`).
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.is_point() {
            return self.value;
        }
        let u: f64 = rng.random();
        let (a, b, c) = (self.low, self.high, self.value);
        let x = match self.dist {
            Distribution::Uniform => a + u * (b - a),
            Distribution::Triangular => {
                let f = (c - a) / (b - a);
                if u < f {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Distribution::Normal { sd } => truncated_normal(c, sd, a, b, u),
        };
        x.clamp(a, b)
    }
}

/// The inverse distribution function of a normal(mu, sd) truncated to [a, b], at `u`.
fn truncated_normal(mu: f64, sd: f64, a: f64, b: f64, u: f64) -> f64 {
    // Work on the side of the mean where the tail probabilities are not all near 1.
    let (za, zb) = ((a - mu) / sd, (b - mu) / sd);
    if za > 0.0 {
        // Mirror: sample -X truncated to [-b, -a].
        return 2.0 * mu - truncated_normal(mu, sd, 2.0 * mu - b, 2.0 * mu - a, 1.0 - u);
    }
    let (pa, pb) = (phi(za), phi(zb));
    let p = pa + u * (pb - pa);
    if pb - pa <= 0.0 || !(p > 0.0 && p < 1.0) {
        return a + u * (b - a);
    }
    mu + sd * phi_inv(p)
}

/// The standard normal distribution function (via erfc, relative error below 1.2e-7).
fn phi(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    // Numerical Recipes' Chebyshev fit.
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The standard normal quantile (Acklam's rational approximation, relative error 1.2e-9).
fn phi_inv(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// A party's default spreads for numbers written without a range of their own.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spreads {
    /// Option values and points of value functions: `value ± values`, clipped to [0, 1].
    pub values: Option<f64>,
    /// Weights: `weight · (1 ± weights)` (relative, since weights are normalised), at least 0.
    pub weights: Option<f64>,
    /// Reservation value: `reservation ± reservation`.
    pub reservation: Option<f64>,
}

/// A party's value function for one issue, with estimates.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueModel {
    /// One estimate per option (or integer value), in the issue's order.
    Table(Vec<Estimate>),
    /// Piecewise linear through `(x, v)` points; the `v`s are estimates.
    Piecewise(Vec<(f64, Estimate)>),
}

/// A red line and how likely it is to hold.
#[derive(Clone, Debug, PartialEq)]
pub struct UncertainRedLine {
    /// The issue index.
    pub issue_idx: usize,
    /// The forbidden value indices.
    pub values: Vec<u32>,
    /// Probability that it holds, in (0, 1].
    pub confidence: f64,
}

/// An interaction term whose value is an estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct UncertainLink {
    /// When it pays.
    pub condition: Condition,
    /// What it pays (a bonus, or a penalty when negative).
    pub value: Estimate,
}

/// A conditional red line and how likely it is to hold.
#[derive(Clone, Debug, PartialEq)]
pub struct UncertainConditional {
    /// The red line.
    pub red_line: ConditionalRedLine,
    /// Probability that it holds, in (0, 1].
    pub confidence: f64,
    /// Why the analyst believes it, e.g. "reported: ..." or "estimate: ...".
    pub basis: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// Every number of one party, with estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct PartyModel {
    /// Per issue, in issue order (0 where the party does not weigh the issue).
    pub weights: Vec<Estimate>,
    /// Per issue: the value function (`None` where the weight is 0 and no values are given).
    pub values: Vec<Option<ValueModel>>,
    /// The reservation value.
    pub reservation: Estimate,
    /// The red lines, in the order of `Party::red_line_notes`.
    pub red_lines: Vec<UncertainRedLine>,
    /// The default spreads the ranges without their own came from.
    pub spreads: Spreads,
    /// The interaction terms, in the order of the party's `UtilityFunction::links`.
    pub links: Vec<UncertainLink>,
    /// The conditional red lines, in the order of its `RedLines::conditional`.
    pub conditional: Vec<UncertainConditional>,
}

/// What one number of a scenario is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
    /// The weight of an issue for a party.
    Weight {
        /// Party index.
        party: usize,
        /// Issue index.
        issue: usize,
    },
    /// A value of a party's value function: an option (table) or a point (piecewise).
    Value {
        /// Party index.
        party: usize,
        /// Issue index.
        issue: usize,
        /// Option index (table) or point index (piecewise).
        index: usize,
    },
    /// A party's reservation value.
    Reservation {
        /// Party index.
        party: usize,
    },
    /// The value of one of a party's interaction terms.
    Link {
        /// Party index.
        party: usize,
        /// Link index, in the order of `PartyModel::links`.
        index: usize,
    },
}

impl Site {
    /// The party the number belongs to.
    pub fn party(self) -> usize {
        match self {
            Site::Weight { party, .. }
            | Site::Value { party, .. }
            | Site::Reservation { party }
            | Site::Link { party, .. } => party,
        }
    }
}

/// Every party's numbers with their ranges; see the module docs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Uncertainty {
    /// Per party, in the scenario's party order.
    pub parties: Vec<PartyModel>,
}

impl Uncertainty {
    /// Whether any number has a range or any red line is uncertain.
    pub fn has_ranges(&self) -> bool {
        self.numbers().iter().any(|(_, e)| !e.is_point())
            || self.parties.iter().any(|p| {
                p.red_lines.iter().any(|r| r.confidence < 1.0)
                    || p.conditional.iter().any(|r| r.confidence < 1.0)
            })
    }

    /// Every number, in a fixed order: per party, weights by issue, then values by issue and
    /// option (or point), then the reservation value.
    pub fn numbers(&self) -> Vec<(Site, &Estimate)> {
        let mut out = Vec::new();
        for (party, p) in self.parties.iter().enumerate() {
            for (issue, w) in p.weights.iter().enumerate() {
                out.push((Site::Weight { party, issue }, w));
            }
            for (issue, v) in p.values.iter().enumerate() {
                match v {
                    Some(ValueModel::Table(t)) => {
                        for (index, e) in t.iter().enumerate() {
                            out.push((
                                Site::Value {
                                    party,
                                    issue,
                                    index,
                                },
                                e,
                            ));
                        }
                    }
                    Some(ValueModel::Piecewise(pts)) => {
                        for (index, (_, e)) in pts.iter().enumerate() {
                            out.push((
                                Site::Value {
                                    party,
                                    issue,
                                    index,
                                },
                                e,
                            ));
                        }
                    }
                    None => {}
                }
            }
            out.push((Site::Reservation { party }, &p.reservation));
            for (index, l) in p.links.iter().enumerate() {
                out.push((Site::Link { party, index }, &l.value));
            }
        }
        out
    }

    /// The point value of every number, in [`Uncertainty::numbers`] order.
    pub fn points(&self) -> Vec<f64> {
        self.numbers().iter().map(|(_, e)| e.value).collect()
    }

    /// Every party's preferences with `numbers` (one per number, in [`Uncertainty::numbers`]
    /// order) in place of the points, and only the red lines `holds(party, k)` says hold (`k`
    /// counts the party's red lines, then its conditional red lines).
    /// Discounting is left out (exact analysis does not use it).
    ///
    /// # Errors
    /// When `numbers` has the wrong length or the numbers do not make valid preferences.
    pub fn build(
        &self,
        space: &OutcomeSpace,
        numbers: &[f64],
        holds: &dyn Fn(usize, usize) -> bool,
    ) -> Result<Vec<Preferences>, Error> {
        let mut at = 0usize;
        let mut next = || -> Result<f64, Error> {
            let x = numbers.get(at).copied().ok_or_else(|| {
                Error::new(ErrorKind::Mismatch {
                    reason: "fewer numbers than the scenario's estimates".into(),
                })
            })?;
            at += 1;
            Ok(x)
        };
        let mut out = Vec::with_capacity(self.parties.len());
        for (pi, p) in self.parties.iter().enumerate() {
            let weights = p
                .weights
                .iter()
                .map(|_| next())
                .collect::<Result<Vec<f64>, Error>>()?;
            let mut values = Vec::with_capacity(p.values.len());
            for v in &p.values {
                values.push(match v {
                    Some(ValueModel::Table(t)) => Some(ValueFunction::Table(
                        t.iter().map(|_| next()).collect::<Result<_, _>>()?,
                    )),
                    Some(ValueModel::Piecewise(pts)) => Some(ValueFunction::PiecewiseLinear(
                        pts.iter()
                            .map(|(x, _)| Ok((*x, next()?)))
                            .collect::<Result<_, Error>>()?,
                    )),
                    None => None,
                });
            }
            let reservation = next()?;
            let links = p
                .links
                .iter()
                .map(|l| Link::new(l.condition.clone(), next()?))
                .collect::<Result<Vec<Link>, Error>>()?;
            let ufun = UtilityFunction::weighted_sum(space, &format!("#{pi}"), &weights, &values)?;
            let ufun = if links.is_empty() {
                ufun
            } else {
                ufun.with_links(links)?
            };
            let mut rl = RedLines::none(space.issues().len());
            for (k, r) in p.red_lines.iter().enumerate() {
                if holds(pi, k) {
                    for &v in &r.values {
                        if r.issue_idx < space.issues().len() {
                            rl.forbid(r.issue_idx, v);
                        }
                    }
                }
            }
            for (k, c) in p.conditional.iter().enumerate() {
                if holds(pi, p.red_lines.len() + k) {
                    rl.add_conditional(c.red_line.clone());
                }
            }
            out.push(Preferences::new(ufun, reservation, rl, 1.0)?);
        }
        if at != numbers.len() {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: "more numbers than the scenario's estimates".into(),
            }));
        }
        Ok(out)
    }

    /// One draw: every number sampled from its estimate, every red line kept with its
    /// confidence. Returns the numbers and, per party, which red lines hold (its red lines,
    /// then its conditional red lines).
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> (Vec<f64>, Vec<Vec<bool>>) {
        let numbers = self.numbers().iter().map(|(_, e)| e.sample(rng)).collect();
        let holds = self
            .parties
            .iter()
            .map(|p| {
                p.red_lines
                    .iter()
                    .map(|r| r.confidence)
                    .chain(p.conditional.iter().map(|r| r.confidence))
                    .map(|c| c >= 1.0 || rng.random::<f64>() < c)
                    .collect()
            })
            .collect();
        (numbers, holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn estimates_validate_their_ranges() {
        assert!(Estimate::new(0.5, 0.6, 0.4, Distribution::Uniform).is_err());
        assert!(Estimate::new(0.7, 0.4, 0.6, Distribution::Uniform).is_err());
        assert!(Estimate::new(0.5, 0.4, 0.6, Distribution::Normal { sd: -1.0 }).is_err());
        assert!(Estimate::new(0.5, 0.4, 0.6, Distribution::Normal { sd: 0.05 }).is_ok());
    }

    #[test]
    fn samples_stay_in_range_and_centre_on_the_mode() {
        let mut r = rng::rng(3);
        for dist in [
            Distribution::Uniform,
            Distribution::Triangular,
            Distribution::Normal { sd: 0.05 },
            Distribution::Normal { sd: 5.0 },
        ] {
            let e = Estimate::new(0.5, 0.3, 0.7, dist).unwrap();
            let n = 20_000;
            let mut sum = 0.0;
            for _ in 0..n {
                let x = e.sample(&mut r);
                assert!((0.3..=0.7).contains(&x), "{dist:?} gave {x}");
                sum += x;
            }
            // Every distribution here is symmetric around 0.5.
            assert!((sum / n as f64 - 0.5).abs() < 0.01, "{dist:?}");
        }
        // A skewed triangular: mean (a + b + c) / 3.
        let e = Estimate::new(0.2, 0.0, 1.0, Distribution::Triangular).unwrap();
        let mean: f64 = (0..20_000).map(|_| e.sample(&mut r)).sum::<f64>() / 20_000.0;
        assert!((mean - 0.4).abs() < 0.01, "{mean}");
        // A normal truncated far in its tail stays in range.
        let e = Estimate::new(0.9, 0.9, 1.0, Distribution::Normal { sd: 0.01 }).unwrap();
        for _ in 0..1000 {
            let x = e.sample(&mut r);
            assert!((0.9..=1.0).contains(&x));
        }
    }

    #[test]
    fn normal_quantile_inverts_the_distribution_function() {
        for &p in &[0.001, 0.02, 0.3, 0.5, 0.8, 0.99, 0.9999] {
            assert!((phi(phi_inv(p)) - p).abs() < 1e-6, "{p}");
        }
    }
}
