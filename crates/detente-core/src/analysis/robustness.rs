//! Robust analysis: how likely a zone of agreement is when the numbers are estimates.
//!
//! A scenario's [`Uncertainty`] gives every number a range. [`sensitivity`] answers, exactly
//! wherever exactness is possible:
//!
//! * the probability that a zone exists, over seeded draws of every estimate, each draw decided
//!   **exactly** by a bounded depth-first search (never by sampling outcomes), with a Wilson 95%
//!   interval;
//! * the robust packages: every package that was in some draw's zone (bounded pool), and the
//!   exact share of draws in which each is acceptable to every party; the same for the
//!   point-estimate Nash package and each reported draft, with per-party acceptance rates;
//! * the decisive estimates: one number at a time across its range, the value at which zone
//!   existence flips (closed form for a reservation value: the party's best utility over what
//!   the others accept; bisection to 1e-6 over exact decisions for the others);
//! * when no zone exists at the point estimates, the smallest change that unlocks one: the
//!   package minimising the sum of shortfalls below the reservation values (branch and bound),
//!   the single estimate whose smallest move opens a zone, and every red line whose removal
//!   alone opens one.
//!
//! Determinism: draw `k` uses its own generator, `rng::derive_seed(seed, [KEY, k])`; draws run
//! in fixed chunks merged in chunk order, so the result is the same at any thread count.
//! Memory holds the candidate pool and per-chunk counters, never the draws.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::TIE_EPS;
use crate::error::{Error, ErrorKind};
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::rng;
use crate::scenario::Scenario;
use crate::uncertainty::{Site, Uncertainty};

use super::linked::{LinkIndex, LinkState, Terms};
use super::{AnalysisConfig, Incomplete};

/// Knobs of [`sensitivity`].
#[derive(Clone, Debug)]
pub struct SensitivityConfig {
    /// Number of draws (at least 1).
    pub samples: u64,
    /// Seed of the draws.
    pub seed: u64,
    /// Most search nodes one exact decision may visit before it counts as undecided.
    pub max_nodes: u64,
    /// Most packages in the pool of robust-package candidates.
    pub pool: usize,
    /// Most zone packages taken into the pool from one draw.
    pub per_draw: usize,
    /// Whether to compute the decisive estimates (tornado).
    pub decisive: bool,
    /// How many robust packages to report.
    pub top: usize,
}

impl Default for SensitivityConfig {
    fn default() -> SensitivityConfig {
        SensitivityConfig {
            samples: 1000,
            seed: 0,
            max_nodes: 10_000_000,
            pool: 5_000,
            per_draw: 200,
            decisive: true,
            top: 10,
        }
    }
}

/// Draws per chunk: the unit of parallel work and of merging.
const CHUNK: u64 = 32;
/// Chunks run side by side before their results are merged.
const BATCH: usize = 16;
/// Key of the draws' generators.
const KEY: u64 = 0x5e45_1717;
/// Precision of the thresholds found by bisection.
pub const THRESHOLD_TOL: f64 = 1e-6;

/// A proportion over draws with its Wilson 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    /// Draws where it held.
    pub count: u64,
    /// Draws counted.
    pub n: u64,
}

impl Share {
    /// `count / n` (0 when `n` is 0).
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.count as f64 / self.n as f64
        }
    }

    /// The Wilson score 95% interval (`(0, 1)` when `n` is 0).
    pub fn wilson(&self) -> (f64, f64) {
        if self.n == 0 {
            return (0.0, 1.0);
        }
        let z = 1.959_963_984_540_054_f64;
        let n = self.n as f64;
        let p = self.rate();
        let denom = 1.0 + z * z / n;
        let centre = (p + z * z / (2.0 * n)) / denom;
        let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        ((centre - half).max(0.0), (centre + half).min(1.0))
    }
}

/// How often a package is acceptable to everybody.
#[derive(Clone, Debug, PartialEq)]
pub struct RobustPackage {
    /// The package.
    pub outcome: Outcome,
    /// Draws in which every party accepts it.
    pub share: Share,
}

/// A reported draft across the draws.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftRobustness {
    /// Index into `Scenario::packages`.
    pub package: usize,
    /// Draws in which the draft (or, for a partial draft, some completion of it) is acceptable
    /// to every party.
    pub share: Share,
    /// Per party: draws in which it accepts every completion.
    pub accepts: Vec<Share>,
    /// Per party: draws in which it accepts at least one completion.
    pub may_accept: Vec<Share>,
}

/// How a threshold was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Closed form (a reservation value: the best utility over what the others accept).
    ClosedForm,
    /// Bisection over exact decisions, to [`THRESHOLD_TOL`].
    Bisection,
}

impl Method {
    /// A word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::ClosedForm => "closed form",
            Method::Bisection => "bisection",
        }
    }
}

/// One number whose move across its range flips whether a zone exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Decisive {
    /// Which number.
    pub site: Site,
    /// Its point value.
    pub value: f64,
    /// Its range.
    pub low: f64,
    /// Its range.
    pub high: f64,
    /// The value at which zone existence flips (the nearest flip to the point value).
    pub threshold: f64,
    /// Whether a zone exists on the far side of the threshold (from the point value).
    pub opens: bool,
    /// How far the threshold lies from the point value, as a fraction of the range on that
    /// side (0: at the point value, 1: at the end of the range). Smaller is more decisive.
    pub margin: f64,
    /// How it was found.
    pub method: Method,
}

/// A package that misses the reservation values by the least.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    /// The package (it crosses no red line).
    pub outcome: Outcome,
    /// Σ max(0, rᵢ − uᵢ).
    pub total: f64,
    /// Per party: max(0, rᵢ − uᵢ).
    pub per_party: Vec<f64>,
}

/// The smallest changes that open a zone, when there is none at the point estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct Unlock {
    /// The package minimising the sum of shortfalls (exact, branch and bound).
    pub shortfall: Result<Option<Shortfall>, Incomplete>,
    /// The single estimate whose smallest move (relative to its range) opens a zone.
    pub smallest_move: Option<Decisive>,
    /// Per party: the reservation value at or below which a zone opens, all else fixed (the
    /// party's best utility over the packages the others accept; `None` when they accept
    /// none).
    pub reservation_needed: Vec<Result<Option<f64>, Incomplete>>,
    /// Red lines (party index, index into `Party::red_line_notes`) whose removal alone opens
    /// a zone.
    pub red_lines: Vec<(usize, usize)>,
}

/// The result of [`sensitivity`].
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Draws made.
    pub samples: u64,
    /// Whether a zone exists at the point estimates.
    pub point_zone: Result<bool, Incomplete>,
    /// Draws with a zone, over the draws decided.
    pub zone: Share,
    /// Draws the exact search could not decide within its node budget (left out of `zone`).
    pub undecided: u64,
    /// The most robust packages, most robust first (ties: enumeration order).
    pub robust: Vec<RobustPackage>,
    /// Packages in the pool of candidates.
    pub pool: usize,
    /// Whether the pool filled up (some zone packages were not tracked).
    pub pool_full: bool,
    /// The Nash package at the point estimates and its share.
    pub nash: Option<RobustPackage>,
    /// Each reported draft, in package order.
    pub drafts: Vec<DraftRobustness>,
    /// Decisive estimates, most decisive first.
    pub decisive: Vec<Decisive>,
    /// Estimates examined for the tornado.
    pub estimates: usize,
    /// When no zone exists at the point estimates.
    pub unlock: Option<Unlock>,
}

/// What a caller is told as the work goes.
pub trait Progress: Sync {
    /// `done` of `total` units of `phase` are finished.
    fn update(&self, phase: &str, done: u64, total: u64);
}

impl Progress for () {
    fn update(&self, _: &str, _: u64, _: u64) {}
}

/// The robust analysis of `scenario`; see the module docs. A scenario without an
/// [`Uncertainty`] is analysed with every number as a point.
///
/// # Errors
/// When `samples` is 0 or the scenario's estimates do not fit its parties.
pub fn sensitivity(
    scenario: &Scenario,
    config: &SensitivityConfig,
    progress: &dyn Progress,
) -> Result<Sensitivity, Error> {
    if config.samples == 0 {
        return Err(Error::new(ErrorKind::OutOfRange {
            what: "number of samples".into(),
            value: 0.0,
            valid: "at least 1".into(),
        }));
    }
    let mut model = Model::new(scenario)?;
    model.seed_base = config.seed;
    let space = scenario.space();
    let point = model.point_prefs(space)?;
    let point_refs: Vec<&Preferences> = point.iter().collect();
    let point_tree = Tree::new(space, &point_refs, None);
    let mut budget = config.max_nodes;
    let point_zone = point_tree
        .enumerate(&reservations(&point_refs), config.pool, &mut budget)
        .map_err(|s| s.incomplete("zone at the point estimates"));

    // The pool: the point zone, the point Nash package, the complete drafts, then every
    // draw's zone packages (up to `per_draw` each), in draw order.
    let mut pool = Pool::new(config.pool);
    if let Ok((_, outs)) = &point_zone {
        for o in outs {
            pool.add(o);
        }
    }
    let nash = point_nash(space, &point_refs, config.max_nodes);
    if let Some(n) = &nash {
        pool.add(n);
    }
    for p in &scenario.packages {
        if let Some(o) = p.as_outcome() {
            pool.add(&o);
        }
    }
    let (zone, undecided, drafts) = model.pass_one_all(scenario, config, &mut pool, progress);
    let (counts, built) = model.pass_two_all(space, config, &pool, progress);
    let robust = most_robust(&pool, &counts, built, config.top);
    let nash = nash.map(|o| RobustPackage {
        share: Share {
            count: pool
                .items
                .iter()
                .position(|x| *x == o)
                .map_or(0, |k| counts[k]),
            n: built,
        },
        outcome: o,
    });

    // Decisive estimates.
    let sites: Vec<usize> = model
        .numbers
        .iter()
        .enumerate()
        .filter(|(_, (_, lo, hi))| lo < hi)
        .map(|(k, _)| k)
        .collect();
    let point_exists = point_zone.as_ref().map(|(e, _)| *e).map_err(Clone::clone);
    let decisive = match (&point_exists, config.decisive) {
        (Ok(exists), true) => model.decisive(space, &sites, *exists, config.max_nodes, progress),
        _ => Vec::new(),
    };

    // Unlocking changes.
    let unlock = match point_exists {
        Ok(false) => Some(model.unlock(space, &point_refs, &decisive, config.max_nodes)),
        _ => None,
    };

    Ok(Sensitivity {
        samples: config.samples,
        point_zone: point_exists,
        zone,
        undecided,
        robust,
        pool: pool.items.len(),
        pool_full: pool.full,
        nash,
        drafts,
        decisive,
        estimates: sites.len(),
        unlock,
    })
}

impl Model {
    /// Pass 1 of [`sensitivity`]: every draw's exact zone decision and draft verdicts, its zone
    /// packages added to `pool` in draw order. Returns the zone share, the undecided draws and
    /// the drafts' shares.
    fn pass_one_all(
        &self,
        scenario: &Scenario,
        config: &SensitivityConfig,
        pool: &mut Pool,
        progress: &dyn Progress,
    ) -> (Share, u64, Vec<DraftRobustness>) {
        // Pass 1: exact zone decisions, draft verdicts and the pool.
        let np = scenario.parties().len();
        let space = scenario.space();
        let n_drafts = scenario.packages.len();
        let mut zone = Share { count: 0, n: 0 };
        let mut undecided = 0;
        let mut drafts: Vec<DraftRobustness> = (0..n_drafts)
            .map(|k| DraftRobustness {
                package: k,
                share: Share { count: 0, n: 0 },
                accepts: vec![Share { count: 0, n: 0 }; np],
                may_accept: vec![Share { count: 0, n: 0 }; np],
            })
            .collect();
        let draft_allowed: Vec<Vec<Vec<u32>>> = scenario
            .packages
            .iter()
            .map(|p| p.allowed_values(space))
            .collect();
        let chunks = config.samples.div_ceil(CHUNK);
        let mut done_chunks = 0u64;
        while done_chunks < chunks {
            let batch: Vec<u64> = (done_chunks..chunks.min(done_chunks + BATCH as u64)).collect();
            // Once the pool is full a draw's zone packages are not needed, only its decision (the
            // pool fills at batch boundaries, so this does not depend on the thread count).
            let per_draw = if pool.full { 1 } else { config.per_draw };
            let room = config.pool;
            let results: Vec<ChunkResult> = batch
                .par_iter()
                .map(|&c| {
                    let lo = c * CHUNK;
                    let hi = (lo + CHUNK).min(config.samples);
                    let mut r = ChunkResult::new(n_drafts, np);
                    for k in lo..hi {
                        self.pass_one(space, k, config, per_draw, room, &draft_allowed, &mut r);
                    }
                    r
                })
                .collect();
            for r in results {
                zone.count += r.zone;
                zone.n += r.decided;
                undecided += r.undecided;
                for (d, rd) in drafts.iter_mut().zip(&r.drafts) {
                    d.share.count += rd.0;
                    d.share.n += rd.1;
                    for p in 0..np {
                        d.accepts[p].count += rd.2[p];
                        d.accepts[p].n += rd.1;
                        d.may_accept[p].count += rd.3[p];
                        d.may_accept[p].n += rd.1;
                    }
                }
                for o in &r.outcomes {
                    pool.add(o);
                }
            }
            done_chunks = batch.last().map_or(chunks, |b| b + 1);
            progress.update(
                "draws",
                (done_chunks * CHUNK).min(config.samples),
                config.samples,
            );
        }
        (zone, undecided, drafts)
    }

    /// Pass 2 of [`sensitivity`]: the same draws again, counting in how many each pool package
    /// is acceptable to all. Returns the counts (pool order) and the draws built.
    fn pass_two_all(
        &self,
        space: &OutcomeSpace,
        config: &SensitivityConfig,
        pool: &Pool,
        progress: &dyn Progress,
    ) -> (Vec<u64>, u64) {
        // Pass 2: the same draws again; count in how many each pool package is acceptable to all.
        let mut counts = vec![0u64; pool.items.len()];
        let mut built = 0u64;
        let chunks = config.samples.div_ceil(CHUNK);
        let mut done_chunks = 0u64;
        while done_chunks < chunks {
            let batch: Vec<u64> = (done_chunks..chunks.min(done_chunks + BATCH as u64)).collect();
            let results: Vec<(Vec<u32>, u64)> = batch
                .par_iter()
                .map(|&c| {
                    let lo = c * CHUNK;
                    let hi = (lo + CHUNK).min(config.samples);
                    let mut local = vec![0u32; pool.items.len()];
                    let mut n = 0;
                    for k in lo..hi {
                        if let Ok(prefs) = self.draw(space, k) {
                            n += 1;
                            let check = Acceptance::new(&prefs);
                            for (slot, o) in local.iter_mut().zip(&pool.items) {
                                if check.all(o) {
                                    *slot += 1;
                                }
                            }
                        }
                    }
                    (local, n)
                })
                .collect();
            for (local, n) in results {
                built += n;
                for (c, l) in counts.iter_mut().zip(local) {
                    *c += u64::from(l);
                }
            }
            done_chunks = batch.last().map_or(chunks, |b| b + 1);
            progress.update(
                "packages",
                (done_chunks * CHUNK).min(config.samples),
                config.samples,
            );
        }
        (counts, built)
    }

    /// The decisive estimates among `sites`, most decisive first (ties: site order).
    fn decisive(
        &self,
        space: &OutcomeSpace,
        sites: &[usize],
        exists: bool,
        max_nodes: u64,
        progress: &dyn Progress,
    ) -> Vec<Decisive> {
        let done = std::sync::atomic::AtomicU64::new(0);
        let found: Vec<Option<Decisive>> = sites
            .par_iter()
            .map(|&k| {
                let d = self.threshold(space, k, exists, max_nodes);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.update("estimates", n, sites.len() as u64);
                d
            })
            .collect();
        let mut decisive: Vec<Decisive> = found.into_iter().flatten().collect();
        decisive.sort_by(|a, b| a.margin.total_cmp(&b.margin).then(a.site.cmp(&b.site)));
        decisive
    }
}

/// The Nash package at the point estimates (`None`: none, or not found within the budget).
fn point_nash(space: &OutcomeSpace, point: &[&Preferences], max_nodes: u64) -> Option<Outcome> {
    let a = super::analyze(
        space,
        point,
        &AnalysisConfig {
            max_nodes,
            full_frontier: false,
            acceptable_frontier: false,
            progress: None,
        },
    );
    a.nash.ok().flatten().map(|p| p.outcome)
}

/// The `top` pool packages acceptable to all in the most draws, most first (ties: outcome
/// order), each with its share of the `built` draws.
fn most_robust(pool: &Pool, counts: &[u64], built: u64, top: usize) -> Vec<RobustPackage> {
    let mut order: Vec<usize> = (0..pool.items.len()).filter(|&k| counts[k] > 0).collect();
    order.sort_by(|&a, &b| {
        counts[b]
            .cmp(&counts[a])
            .then_with(|| pool.items[a].cmp(&pool.items[b]))
    });
    order
        .iter()
        .take(top)
        .map(|&k| RobustPackage {
            outcome: pool.items[k].clone(),
            share: Share {
                count: counts[k],
                n: built,
            },
        })
        .collect()
}

/// Whether a zone exists for `prefs` (exact, by a bounded search that stops at the first
/// acceptable package).
///
/// # Errors
/// When the search needs more than `max_nodes` nodes.
pub fn zone_exists(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    max_nodes: u64,
) -> Result<bool, Incomplete> {
    let mut budget = max_nodes;
    Tree::new(space, prefs, None)
        .enumerate(&reservations(prefs), 1, &mut budget)
        .map(|(e, _)| e)
        .map_err(|s| s.incomplete("zone decision"))
}

/// The package minimising Σ max(0, rᵢ − uᵢ) among those crossing no red line (exact, branch
/// and bound; the first in search order among ties). `None` when every package crosses a red
/// line.
///
/// # Errors
/// When the search needs more than `max_nodes` nodes.
pub fn min_shortfall(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    max_nodes: u64,
) -> Result<Option<Shortfall>, Incomplete> {
    let mut budget = max_nodes;
    let tree = Tree::new(space, prefs, None);
    let r = reservations(prefs);
    let found = tree
        .min_shortfall(&r, &mut budget)
        .map_err(|s| s.incomplete("smallest shortfall"))?;
    Ok(found.map(|o| {
        let per_party: Vec<f64> = prefs
            .iter()
            .map(|p| (p.reservation() - p.utility(&o)).max(0.0))
            .collect();
        Shortfall {
            total: per_party.iter().sum(),
            per_party,
            outcome: o,
        }
    }))
}

/// Party `party`'s best utility over the packages every other party accepts and that cross
/// none of `party`'s red lines: a zone exists exactly when `party`'s reservation value is at
/// most this. `None` when there is no such package.
///
/// # Errors
/// When the search needs more than `max_nodes` nodes.
pub fn reservation_threshold(
    space: &OutcomeSpace,
    prefs: &[&Preferences],
    party: usize,
    max_nodes: u64,
) -> Result<Option<f64>, Incomplete> {
    let mut budget = max_nodes;
    let tree = Tree::new(space, prefs, None);
    let mut r = reservations(prefs);
    r[party] = f64::NEG_INFINITY;
    tree.max_utility(party, &r, &mut budget)
        .map(|o| o.map(|o| prefs[party].utility(&o)))
        .map_err(|s| s.incomplete("reservation threshold"))
}

fn reservations(prefs: &[&Preferences]) -> Vec<f64> {
    prefs
        .iter()
        .map(|p| {
            // A clipped utility never exceeds 1: a reservation above 1 cannot be met.
            if p.ufun().clips_at_one() && p.reservation() > 1.0 + TIE_EPS {
                f64::INFINITY
            } else {
                p.reservation()
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The estimates as flat numbers.

struct Model {
    /// The uncertainty model (points only when the scenario has none).
    u: Uncertainty,
    /// Per number: site, low, high.
    numbers: Vec<(Site, f64, f64)>,
    points: Vec<f64>,
    /// Per party: whether each red line holds at the point estimates (all do).
    point_holds: Vec<Vec<bool>>,
    seed_base: u64,
}

#[derive(Default)]
struct ChunkResult {
    zone: u64,
    decided: u64,
    undecided: u64,
    /// Per draft: (in zone, decided, accepts per party, may accept per party).
    drafts: Vec<(u64, u64, Vec<u64>, Vec<u64>)>,
    outcomes: Vec<Outcome>,
    seen: HashSet<Outcome>,
}

impl ChunkResult {
    fn new(n_drafts: usize, np: usize) -> ChunkResult {
        ChunkResult {
            drafts: vec![(0, 0, vec![0; np], vec![0; np]); n_drafts],
            ..ChunkResult::default()
        }
    }
}

impl Model {
    fn new(scenario: &Scenario) -> Result<Model, Error> {
        let u = match &scenario.uncertainty {
            Some(u) => u.clone(),
            None => points_model(scenario),
        };
        if u.parties.len() != scenario.parties().len() {
            return Err(Error::new(ErrorKind::Mismatch {
                reason: "the estimates do not cover every party".into(),
            }));
        }
        let numbers = u
            .numbers()
            .iter()
            .map(|(s, e)| (*s, e.low, e.high))
            .collect();
        let points = u.points();
        let point_holds = u
            .parties
            .iter()
            .map(|p| vec![true; p.red_lines.len() + p.conditional.len()])
            .collect();
        Ok(Model {
            u,
            numbers,
            points,
            point_holds,
            seed_base: 0,
        })
    }

    fn build(
        &self,
        space: &OutcomeSpace,
        numbers: &[f64],
        holds: &[Vec<bool>],
    ) -> Result<Vec<Preferences>, Error> {
        self.u.build(space, numbers, &|p, k| holds[p][k])
    }

    fn point_prefs(&self, space: &OutcomeSpace) -> Result<Vec<Preferences>, Error> {
        self.build(space, &self.points, &self.point_holds)
    }

    /// Draw `k`'s preferences.
    fn draw(&self, space: &OutcomeSpace, k: u64) -> Result<Vec<Preferences>, Error> {
        let mut g = rng::rng(rng::derive_seed(self.seed_base, &[KEY, k]));
        let (numbers, holds) = self.u.sample(&mut g);
        self.build(space, &numbers, &holds)
    }

    fn pass_one(
        &self,
        space: &OutcomeSpace,
        k: u64,
        config: &SensitivityConfig,
        per_draw: usize,
        room: usize,
        draft_allowed: &[Vec<Vec<u32>>],
        out: &mut ChunkResult,
    ) {
        let Ok(prefs) = self.draw(space, k) else {
            out.undecided += 1;
            return;
        };
        let refs: Vec<&Preferences> = prefs.iter().collect();
        let r = reservations(&refs);
        let tree = Tree::new(space, &refs, None);
        let mut budget = config.max_nodes;
        match tree.enumerate(&r, per_draw, &mut budget) {
            Ok((exists, outs)) => {
                out.decided += 1;
                if exists {
                    out.zone += 1;
                }
                for o in outs {
                    if out.outcomes.len() < room && out.seen.insert(o.clone()) {
                        out.outcomes.push(o);
                    }
                }
            }
            Err(_) => out.undecided += 1,
        }
        for (d, allowed) in out.drafts.iter_mut().zip(draft_allowed) {
            let sub = Tree::new(space, &refs, Some(allowed));
            let mut budget = config.max_nodes;
            let Ok((in_zone, _)) = sub.enumerate(&r, 1, &mut budget) else {
                continue;
            };
            d.1 += 1;
            if in_zone {
                d.0 += 1;
            }
            for (p, pr) in refs.iter().enumerate() {
                let (every, some) = verdict(space, pr, allowed);
                if every {
                    d.2[p] += 1;
                }
                if some {
                    d.3[p] += 1;
                }
            }
        }
    }

    /// Whether a zone exists with number `k` set to `x` and every other number at its point.
    fn exists_at(
        &self,
        space: &OutcomeSpace,
        k: usize,
        x: f64,
        max_nodes: u64,
    ) -> Result<bool, Incomplete> {
        let mut numbers = self.points.clone();
        numbers[k] = x;
        let prefs = self
            .build(space, &numbers, &self.point_holds)
            .map_err(|e| Incomplete::InvalidEstimate(e.to_string()))?;
        let refs: Vec<&Preferences> = prefs.iter().collect();
        zone_exists(space, &refs, max_nodes)
    }

    /// Where zone existence flips as number `k` moves across its range (the flip nearest its
    /// point value), or `None` when it does not flip inside the range.
    fn threshold(
        &self,
        space: &OutcomeSpace,
        k: usize,
        point_exists: bool,
        max_nodes: u64,
    ) -> Option<Decisive> {
        let (site, low, high) = self.numbers[k];
        let value = self.points[k];
        let make = |t: f64, method| {
            let side = if t >= value {
                high - value
            } else {
                value - low
            };
            Decisive {
                site,
                value,
                low,
                high,
                threshold: t,
                opens: !point_exists,
                margin: if side > 0.0 {
                    ((t - value).abs() / side).min(1.0)
                } else {
                    0.0
                },
                method,
            }
        };
        match site {
            Site::Reservation { party } => {
                let prefs = self.build(space, &self.points, &self.point_holds).ok()?;
                let refs: Vec<&Preferences> = prefs.iter().collect();
                let t = reservation_threshold(space, &refs, party, max_nodes).ok()??;
                // A zone exists exactly for reservation values up to t.
                let t = t + TIE_EPS;
                (low <= t && t < high).then(|| make(t.clamp(low, high), Method::ClosedForm))
            }
            Site::Value { .. } | Site::Link { .. } => {
                // Monotone: a higher value (of an option, or of an interaction term) never
                // removes an acceptable package.
                let (a, b) = if point_exists {
                    (low, value)
                } else {
                    (value, high)
                };
                let end = if point_exists { a } else { b };
                let e = self.exists_at(space, k, end, max_nodes).ok()?;
                (e != point_exists)
                    .then(|| self.bisect(space, k, a, b, max_nodes))
                    .flatten()
                    .map(|t| make(t, Method::Bisection))
            }
            Site::Weight { .. } => {
                // Not monotone (weights are normalised): scan a grid on each side, bisect the
                // flip nearest the point value.
                const STEPS: usize = 4;
                let mut best: Option<f64> = None;
                for (from, to) in [(value, low), (value, high)] {
                    if from == to {
                        continue;
                    }
                    let mut prev = (from, point_exists);
                    for s in 1..=STEPS {
                        let x = from + (to - from) * s as f64 / STEPS as f64;
                        let Ok(e) = self.exists_at(space, k, x, max_nodes) else {
                            break;
                        };
                        if e != prev.1 {
                            let (a, b) = if prev.0 < x { (prev.0, x) } else { (x, prev.0) };
                            if let Some(t) = self.bisect(space, k, a, b, max_nodes)
                                && best.is_none_or(|bt| (t - value).abs() < (bt - value).abs())
                            {
                                best = Some(t);
                            }
                            break;
                        }
                        prev = (x, e);
                    }
                }
                best.map(|t| make(t, Method::Bisection))
            }
        }
    }

    /// Bisection on `[a, b]`, whose ends differ in zone existence, to [`THRESHOLD_TOL`].
    fn bisect(
        &self,
        space: &OutcomeSpace,
        k: usize,
        mut a: f64,
        mut b: f64,
        max_nodes: u64,
    ) -> Option<f64> {
        let fa = self.exists_at(space, k, a, max_nodes).ok()?;
        while b - a > THRESHOLD_TOL {
            let m = 0.5 * (a + b);
            if self.exists_at(space, k, m, max_nodes).ok()? == fa {
                a = m;
            } else {
                b = m;
            }
        }
        Some(0.5 * (a + b))
    }

    fn unlock(
        &self,
        space: &OutcomeSpace,
        point: &[&Preferences],
        decisive: &[Decisive],
        max_nodes: u64,
    ) -> Unlock {
        let shortfall = min_shortfall(space, point, max_nodes);
        let reservation_needed = (0..point.len())
            .map(|p| reservation_threshold(space, point, p, max_nodes))
            .collect();
        let mut red_lines = Vec::new();
        for (p, pm) in self.u.parties.iter().enumerate() {
            for k in 0..pm.red_lines.len() {
                let mut holds = self.point_holds.clone();
                holds[p][k] = false;
                let Ok(prefs) = self.build(space, &self.points, &holds) else {
                    continue;
                };
                let refs: Vec<&Preferences> = prefs.iter().collect();
                if zone_exists(space, &refs, max_nodes) == Ok(true) {
                    red_lines.push((p, k));
                }
            }
        }
        Unlock {
            shortfall,
            smallest_move: decisive.iter().find(|d| d.opens).cloned(),
            reservation_needed,
            red_lines,
        }
    }
}

/// Every party's acceptability test as flat tables: a red-line value's term is −∞, so one sum
/// per party decides (the same rule as `Preferences::is_acceptable`).
struct Acceptance {
    np: usize,
    offsets: Vec<usize>,
    /// Per party, the issues' tables one after the other.
    tables: Vec<Vec<f64>>,
    r: Vec<f64>,
    clip: Vec<bool>,
    /// Parties with linked preferences, decided by `Preferences::is_acceptable` itself.
    linked: Vec<Option<Preferences>>,
}

impl Acceptance {
    fn new(prefs: &[Preferences]) -> Acceptance {
        let linked = prefs
            .iter()
            .map(|p| p.is_linked().then(|| p.clone()))
            .collect();
        let terms0 = prefs.first().map_or(&[][..], |p| p.ufun().terms());
        let mut offsets = Vec::with_capacity(terms0.len());
        let mut at = 0;
        for t in terms0 {
            offsets.push(at);
            at += t.len();
        }
        let tables = prefs
            .iter()
            .map(|p| {
                let mut flat = Vec::with_capacity(at);
                for (i, t) in p.ufun().terms().iter().enumerate() {
                    for (v, &x) in t.iter().enumerate() {
                        flat.push(if p.red_lines().forbids(i, v as u32) {
                            f64::NEG_INFINITY
                        } else {
                            x
                        });
                    }
                }
                flat
            })
            .collect();
        Acceptance {
            np: prefs.len(),
            offsets,
            tables,
            r: prefs.iter().map(|p| p.reservation() - TIE_EPS).collect(),
            clip: prefs.iter().map(|p| p.ufun().clips_at_one()).collect(),
            linked,
        }
    }

    fn all(&self, o: &Outcome) -> bool {
        let idx = o.indices();
        (0..self.np).all(|p| {
            if let Some(pr) = &self.linked[p] {
                return pr.is_acceptable(o);
            }
            let t = &self.tables[p];
            let mut u = 0.0;
            for (off, &v) in self.offsets.iter().zip(idx) {
                u += t[off + v as usize];
            }
            if self.clip[p] {
                u = u.min(1.0);
            }
            u >= self.r[p]
        })
    }
}

/// Whether a party accepts every completion of a package, and whether it accepts some.
fn verdict(space: &OutcomeSpace, p: &Preferences, allowed: &[Vec<u32>]) -> (bool, bool) {
    if p.is_linked() {
        return linked_verdict(space, p, allowed);
    }
    let terms = p.ufun().terms();
    let (mut lo, mut hi_ok, mut crossed, mut at_risk) = (0.0, 0.0, false, false);
    for (i, vals) in allowed.iter().enumerate() {
        let t = |v: &u32| terms[i][*v as usize];
        lo += vals.iter().map(t).fold(f64::INFINITY, f64::min);
        let ok: Vec<&u32> = vals
            .iter()
            .filter(|&&v| !p.red_lines().forbids(i, v))
            .collect();
        if ok.is_empty() {
            crossed = true;
        } else {
            hi_ok += ok.iter().map(|v| t(v)).fold(f64::NEG_INFINITY, f64::max);
            at_risk |= ok.len() < vals.len();
        }
    }
    let r = p.reservation() - TIE_EPS;
    let some = !crossed && p.ufun().finish(hi_ok) >= r;
    let every = some && !at_risk && p.ufun().finish(lo) >= r;
    (every, some)
}

/// [`verdict`] for linked preferences, exactly: some completion is acceptable when the best
/// one crossing none of the party's red lines reaches its walk-away value (branch and bound);
/// every completion is when none can cross a red line (no forbidden value allowed, no forbidden
/// box meeting the package) and the worst completion reaches it.
fn linked_verdict(space: &OutcomeSpace, p: &Preferences, allowed: &[Vec<u32>]) -> (bool, bool) {
    let r = p.reservation() - TIE_EPS;
    let rl = p.red_lines();
    let ok: Vec<Vec<u32>> = allowed
        .iter()
        .enumerate()
        .map(|(i, vals)| {
            vals.iter()
                .copied()
                .filter(|&v| !rl.forbids(i, v))
                .collect()
        })
        .collect();
    if ok.iter().any(Vec::is_empty) {
        return (false, false);
    }
    let tree = Tree::new(space, &[p], Some(&ok));
    let mut budget = LINKED_VERDICT_NODES;
    let some = tree
        .enumerate(&[p.reservation()], 1, &mut budget)
        .is_ok_and(|(e, _)| e);
    let box_meets = |b: &crate::links::Condition| {
        b.clauses()
            .iter()
            .all(|(i, set)| allowed[*i].iter().any(|&v| set.contains(v)))
    };
    let at_risk = ok.iter().zip(allowed).any(|(a, b)| a.len() < b.len())
        || rl
            .conditional()
            .iter()
            .any(|c| c.boxes().iter().any(box_meets));
    let every = some
        && !at_risk
        && super::linked::extreme_in(p.ufun(), false, allowed).is_some_and(|o| p.utility(&o) >= r);
    (every, some)
}

/// Most search nodes one party's verdict on one draft may take (linked preferences).
const LINKED_VERDICT_NODES: u64 = 1_000_000;

/// An uncertainty model where every number is a point: the scenario's own numbers, read back
/// from the utility terms (weights = per-issue maxima, values = terms / weight).
fn points_model(scenario: &Scenario) -> Uncertainty {
    use crate::uncertainty::{
        Estimate, PartyModel, Spreads, UncertainConditional, UncertainLink, UncertainRedLine,
        ValueModel,
    };
    Uncertainty {
        parties: scenario
            .parties()
            .iter()
            .map(|p| {
                let terms = p.preferences.ufun().terms();
                let mut weights = Vec::new();
                let mut values = Vec::new();
                for t in terms {
                    let w = t.iter().copied().fold(0.0, f64::max);
                    let mn = t.iter().copied().fold(f64::INFINITY, f64::min);
                    if w > 0.0 && mn >= 0.0 {
                        weights.push(Estimate::point(w));
                        values.push(Some(ValueModel::Table(
                            t.iter().map(|x| Estimate::point(x / w)).collect(),
                        )));
                    } else {
                        weights.push(Estimate::point(0.0));
                        values.push(None);
                    }
                }
                PartyModel {
                    weights,
                    values,
                    reservation: Estimate::point(p.preferences.reservation()),
                    red_lines: p
                        .red_line_notes
                        .iter()
                        .map(|n| UncertainRedLine {
                            issue_idx: n.issue_idx,
                            values: n.values.clone(),
                            confidence: 1.0,
                        })
                        .collect(),
                    spreads: Spreads::default(),
                    links: p
                        .preferences
                        .ufun()
                        .links()
                        .iter()
                        .map(|l| UncertainLink {
                            condition: l.condition().clone(),
                            value: Estimate::point(l.value()),
                        })
                        .collect(),
                    conditional: p
                        .preferences
                        .red_lines()
                        .conditional()
                        .iter()
                        .map(|c| UncertainConditional {
                            red_line: c.clone(),
                            confidence: 1.0,
                            basis: None,
                            sources: Vec::new(),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

/// The pool of robust-package candidates, in the order they were first seen.
struct Pool {
    items: Vec<Outcome>,
    seen: HashSet<Outcome>,
    cap: usize,
    full: bool,
}

impl Pool {
    fn new(cap: usize) -> Pool {
        Pool {
            items: Vec::new(),
            seen: HashSet::new(),
            cap,
            full: false,
        }
    }
    fn add(&mut self, o: &Outcome) {
        if self.seen.contains(o) {
            return;
        }
        if self.items.len() >= self.cap {
            self.full = true;
            return;
        }
        self.seen.insert(o.clone());
        self.items.push(o.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// The search: a depth-first walk over issues with per-party optimistic bounds.

enum Stop {
    Budget(u64),
}

impl Stop {
    fn incomplete(&self, what: &str) -> Incomplete {
        let Stop::Budget(nodes) = *self;
        Incomplete::DecisionBudget {
            what: what.into(),
            nodes,
        }
    }
}

struct Tree {
    np: usize,
    n_issues: usize,
    order: Vec<usize>,
    cands: Vec<Vec<u32>>,
    /// Level -> `[cand * np + p]`.
    terms: Vec<Vec<f64>>,
    /// `(level * np + p)`: suffix sums of per-level maxima from `level` on.
    smax: Vec<f64>,
    clip: Vec<bool>,
    empty: bool,
    /// Interaction terms and conditional red lines (forbidden boxes), when a party has them:
    /// their bounds join the additive ones (`analysis::linked`).
    links: Option<LinkIndex>,
}

impl Tree {
    /// The tree of the packages allowed by `allowed` (all when `None`) that cross no party's
    /// red lines.
    fn new(space: &OutcomeSpace, prefs: &[&Preferences], allowed: Option<&[Vec<u32>]>) -> Tree {
        let np = prefs.len();
        let n_issues = space.issues().len();
        let per_issue: Vec<Vec<u32>> = space
            .issues()
            .iter()
            .enumerate()
            .map(|(i, issue)| {
                let base: Vec<u32> = match allowed {
                    Some(a) => a[i]
                        .iter()
                        .copied()
                        .filter(|&v| v < issue.n_values())
                        .collect(),
                    None => (0..issue.n_values()).collect(),
                };
                base.into_iter()
                    .filter(|&v| prefs.iter().all(|p| !p.red_lines().forbids(i, v)))
                    .collect()
            })
            .collect();
        let mut empty = per_issue.iter().any(Vec::is_empty);
        let (order, cands, terms) = super::search::levels(prefs, &per_issue);
        let linked = Terms::of(prefs, true);
        let links = if empty {
            None
        } else {
            LinkIndex::new(np, &order, &cands, &terms, &linked)
        };
        empty |= links.as_ref().is_some_and(|l| l.empty);
        let mut smax = vec![0.0; (n_issues + 1) * np];
        for level in (0..n_issues).rev() {
            for p in 0..np {
                let mut hi = f64::MIN;
                for k in 0..cands[level].len() {
                    hi = hi.max(terms[level][k * np + p]);
                }
                if cands[level].is_empty() {
                    hi = 0.0;
                }
                smax[level * np + p] = smax[(level + 1) * np + p] + hi;
            }
        }
        Tree {
            np,
            n_issues,
            order,
            cands,
            terms,
            smax,
            clip: prefs.iter().map(|p| p.ufun().clips_at_one()).collect(),
            empty,
            links,
        }
    }

    fn outcome(&self, path: &[usize]) -> Outcome {
        let mut idx = vec![0u32; self.n_issues];
        for (level, &k) in path.iter().enumerate() {
            idx[self.order[level]] = self.cands[level][k];
        }
        Outcome::new(idx)
    }

    fn finish(&self, p: usize, raw: f64) -> f64 {
        if self.clip[p] { raw.min(1.0) } else { raw }
    }

    /// Whether some package reaches every reservation value, and the first `cap` such
    /// packages in search order.
    fn enumerate(
        &self,
        r: &[f64],
        cap: usize,
        budget: &mut u64,
    ) -> Result<(bool, Vec<Outcome>), Stop> {
        let mut found = Vec::new();
        let mut exists = false;
        if self.empty {
            return Ok((false, found));
        }
        let cap = cap.max(1);
        let mut sums = vec![0.0; (self.n_issues + 1) * self.np];
        let mut path = vec![0usize; self.n_issues];
        let limit = *budget;
        let mut nodes = 0u64;
        self.walk(
            &mut sums,
            &mut path,
            &mut nodes,
            limit,
            &mut |opt: &[f64]| {
                // Prune: some party can no longer reach its reservation value.
                (0..self.np).all(|p| opt[p] >= r[p] - TIE_EPS)
            },
            &mut |_, path: &[usize]| {
                exists = true;
                found.push(self.outcome(path));
                found.len() < cap
            },
        )?;
        *budget -= nodes.min(*budget);
        Ok((exists, found))
    }

    /// The package with the highest utility for `target` among those reaching every other
    /// reservation value (first in search order among ties).
    fn max_utility(
        &self,
        target: usize,
        r: &[f64],
        budget: &mut u64,
    ) -> Result<Option<Outcome>, Stop> {
        if self.empty {
            return Ok(None);
        }
        let np = self.np;
        let mut best: Option<(f64, Outcome)> = None;
        let mut incumbent = f64::NEG_INFINITY;
        let mut sums = vec![0.0; (self.n_issues + 1) * np];
        let mut path = vec![0usize; self.n_issues];
        let mut nodes = 0u64;
        let limit = *budget;
        let inc = std::cell::Cell::new(f64::NEG_INFINITY);
        self.walk(
            &mut sums,
            &mut path,
            &mut nodes,
            limit,
            &mut |opt: &[f64]| {
                (0..np).all(|p| opt[p] >= r[p] - TIE_EPS) && opt[target] > inc.get() + TIE_EPS
            },
            &mut |u: &[f64], path: &[usize]| {
                let u = u[target];
                if u > incumbent + TIE_EPS {
                    incumbent = u;
                    inc.set(u);
                    best = Some((u, self.outcome(path)));
                }
                true
            },
        )?;
        *budget -= nodes.min(*budget);
        Ok(best.map(|(_, o)| o))
    }

    /// The package minimising Σ max(0, rₚ − uₚ) (first in search order among ties).
    fn min_shortfall(&self, r: &[f64], budget: &mut u64) -> Result<Option<Outcome>, Stop> {
        if self.empty {
            return Ok(None);
        }
        let np = self.np;
        let mut best: Option<Outcome> = None;
        let inc = std::cell::Cell::new(f64::INFINITY);
        let mut sums = vec![0.0; (self.n_issues + 1) * np];
        let mut path = vec![0usize; self.n_issues];
        let mut nodes = 0u64;
        let limit = *budget;
        let short = |u: &[f64]| -> f64 { (0..np).map(|p| (r[p] - u[p]).max(0.0)).sum() };
        self.walk(
            &mut sums,
            &mut path,
            &mut nodes,
            limit,
            &mut |opt: &[f64]| short(opt) < inc.get() - TIE_EPS,
            &mut |u: &[f64], path: &[usize]| {
                let s = short(u);
                if s < inc.get() - TIE_EPS {
                    inc.set(s);
                    best = Some(self.outcome(path));
                }
                true
            },
        )?;
        *budget -= nodes.min(*budget);
        Ok(best)
    }

    /// Depth-first walk. `keep(opt)` decides whether to enter a node whose parties can reach
    /// at most `opt` (clipped; links' bounds included); `leaf(u, path)` sees the utilities of
    /// every leaf entered and returns whether to go on. With links, a child where a forbidden
    /// box (a conditional red line) holds is skipped.
    fn walk(
        &self,
        sums: &mut [f64],
        path: &mut [usize],
        nodes: &mut u64,
        limit: u64,
        keep: &mut dyn FnMut(&[f64]) -> bool,
        leaf: &mut dyn FnMut(&[f64], &[usize]) -> bool,
    ) -> Result<bool, Stop> {
        let mut st = self.links.as_ref().map(LinkState::new);
        let mut opt = vec![0.0; self.np];
        self.walk_from(0, sums, path, nodes, limit, &mut st, &mut opt, keep, leaf)
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_from(
        &self,
        level: usize,
        sums: &mut [f64],
        path: &mut [usize],
        nodes: &mut u64,
        limit: u64,
        st: &mut Option<LinkState>,
        opt: &mut Vec<f64>,
        keep: &mut dyn FnMut(&[f64]) -> bool,
        leaf: &mut dyn FnMut(&[f64], &[usize]) -> bool,
    ) -> Result<bool, Stop> {
        let np = self.np;
        if level == self.n_issues {
            let u: Vec<f64> = (0..np)
                .map(|p| {
                    let raw = sums[level * np + p];
                    let raw = match st {
                        Some(st) => st.bounds(np, level, p, raw).0,
                        None => raw,
                    };
                    self.finish(p, raw)
                })
                .collect();
            return Ok(leaf(&u, path));
        }
        for k in 0..self.cands[level].len() {
            *nodes += 1;
            if *nodes > limit {
                return Err(Stop::Budget(limit));
            }
            for p in 0..np {
                sums[(level + 1) * np + p] = sums[level * np + p] + self.terms[level][k * np + p];
            }
            let feasible = match (&self.links, st.as_mut()) {
                (Some(ix), Some(s)) => s.enter(ix, level, k),
                _ => true,
            };
            let mut go_on = true;
            if feasible {
                for p in 0..np {
                    let acc = sums[(level + 1) * np + p];
                    let hi = match st {
                        Some(s) => s.bounds(np, level + 1, p, acc).1,
                        None => acc + self.smax[(level + 1) * np + p],
                    };
                    opt[p] = self.finish(p, hi);
                }
                if keep(opt) {
                    path[level] = k;
                    go_on =
                        self.walk_from(level + 1, sums, path, nodes, limit, st, opt, keep, leaf)?;
                }
            }
            if let (Some(ix), Some(s)) = (&self.links, st.as_mut()) {
                s.leave(ix, level, k);
            }
            if !go_on {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::links::{Condition, ConditionalRedLine, Requirement, ValueSet};
    use crate::outcome::Issue;
    use crate::scenario::{Party, RedLineNote};
    use crate::uncertainty::{
        Distribution, Estimate, PartyModel, Spreads, UncertainConditional, UncertainLink,
        UncertainRedLine, ValueModel,
    };

    /// Seeds from this one on make linked scenarios (see [`scenario`]).
    const LINKED: u64 = 1000;

    /// A random small scenario with ranges on every number and possibly uncertain red lines;
    /// from seed [`LINKED`] on, parties also have interaction terms with ranged values and
    /// conditional red lines (certain or not).
    fn scenario(seed: u64) -> Scenario {
        let mut g = rng::rng(seed);
        let n_issues = g.random_range(1..4usize);
        let sizes: Vec<u32> = (0..n_issues).map(|_| g.random_range(1..5u32)).collect();
        let issues: Vec<Issue> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| Issue::integer(format!("i{i}"), 0, i64::from(n) - 1, 1).unwrap())
            .collect();
        let space = OutcomeSpace::new(issues).unwrap();
        let np = g.random_range(2..4usize);
        let est = |g: &mut rand::rngs::ChaCha8Rng, v: f64, lo: f64, hi: f64| {
            let low = (v - g.random_range(0.0..0.3)).max(lo);
            let high = (v + g.random_range(0.0..0.3)).min(hi);
            let dist = match g.random_range(0..3) {
                0 => Distribution::Uniform,
                1 => Distribution::Triangular,
                _ => Distribution::Normal { sd: 0.1 },
            };
            Estimate::new(v, low, high, dist).unwrap()
        };
        let mut models = Vec::new();
        for _ in 0..np {
            let weights: Vec<Estimate> = (0..n_issues)
                .map(|i| {
                    let w = f64::from(g.random_range(0..4u32)) + if i == 0 { 1.0 } else { 0.0 };
                    est(&mut g, w, 0.0, f64::INFINITY)
                })
                .collect();
            // Keep the first weight positive in every draw.
            let mut weights = weights;
            weights[0].low = weights[0].low.max(0.5).min(weights[0].value);
            let values = sizes
                .iter()
                .map(|&n| {
                    Some(ValueModel::Table(
                        (0..n)
                            .map(|_| {
                                let v = f64::from(g.random_range(0..5u32)) / 4.0;
                                est(&mut g, v, 0.0, 1.0)
                            })
                            .collect(),
                    ))
                })
                .collect();
            let r = f64::from(g.random_range(0..8u32)) / 10.0;
            let reservation = est(&mut g, r, f64::NEG_INFINITY, f64::INFINITY);
            let mut red_lines = Vec::new();
            if g.random_bool(0.5) {
                let i = g.random_range(0..n_issues);
                red_lines.push(UncertainRedLine {
                    issue_idx: i,
                    values: vec![g.random_range(0..sizes[i])],
                    confidence: if g.random_bool(0.5) { 1.0 } else { 0.6 },
                });
            }
            let (mut links, mut conditional) = (Vec::new(), Vec::new());
            if seed >= LINKED {
                let cond = |g: &mut rand::rngs::ChaCha8Rng, avoid: Option<usize>| {
                    let mut clauses: Vec<(usize, ValueSet)> = Vec::new();
                    for i in 0..n_issues {
                        if Some(i) != avoid && g.random_bool(0.6) {
                            let k = g.random_range(0..sizes[i]);
                            clauses.push((
                                i,
                                ValueSet::from_indices([k, g.random_range(0..sizes[i])]),
                            ));
                        }
                    }
                    (!clauses.is_empty()).then(|| Condition::new(&space, clauses).unwrap())
                };
                for _ in 0..g.random_range(0..3usize) {
                    if let Some(c) = cond(&mut g, None) {
                        let v = f64::from(g.random_range(0..9u32) as i32 - 4) / 10.0;
                        links.push(UncertainLink {
                            condition: c,
                            value: est(&mut g, v, f64::NEG_INFINITY, f64::INFINITY),
                        });
                    }
                }
                if n_issues > 1 && g.random_bool(0.5) {
                    let i = g.random_range(0..n_issues);
                    let req = if g.random_bool(0.5) {
                        Requirement::Unless
                    } else {
                        Requirement::OnlyIf
                    };
                    let vals = ValueSet::from_indices([g.random_range(0..sizes[i])]);
                    if let Some(c) = cond(&mut g, Some(i)) {
                        conditional.push(UncertainConditional {
                            red_line: ConditionalRedLine::new(&space, i, vals, req, c).unwrap(),
                            confidence: if g.random_bool(0.5) { 1.0 } else { 0.7 },
                            basis: None,
                            sources: Vec::new(),
                        });
                    }
                }
            }
            models.push(PartyModel {
                weights,
                values,
                reservation,
                red_lines,
                spreads: Spreads::default(),
                links,
                conditional,
            });
        }
        let u = Uncertainty { parties: models };
        let holds: Vec<Vec<bool>> = u
            .parties
            .iter()
            .map(|p| vec![true; p.red_lines.len() + p.conditional.len()])
            .collect();
        let prefs = u.build(&space, &u.points(), &|p, k| holds[p][k]).unwrap();
        let parties = prefs
            .into_iter()
            .enumerate()
            .map(|(k, pr)| {
                let mut p = Party::new(format!("p{k}"), pr);
                p.red_line_notes = u.parties[k]
                    .red_lines
                    .iter()
                    .map(|r| RedLineNote {
                        issue_idx: r.issue_idx,
                        values: r.values.clone(),
                        basis: None,
                        sources: Vec::new(),
                    })
                    .collect();
                p
            })
            .collect();
        let mut s = Scenario::new("random", space, parties).unwrap();
        s.uncertainty = Some(u);
        s
    }

    fn outcomes(space: &OutcomeSpace) -> Vec<Outcome> {
        let n = space.cardinality().to_u128().unwrap();
        (0..n).map(|k| space.outcome_at(k).unwrap()).collect()
    }

    fn brute_exists(space: &OutcomeSpace, prefs: &[&Preferences]) -> bool {
        outcomes(space)
            .iter()
            .any(|o| prefs.iter().all(|p| p.is_acceptable(o)))
    }

    fn with(s: &Scenario, numbers: &[f64], holds: &[Vec<bool>]) -> Vec<Preferences> {
        s.uncertainty
            .as_ref()
            .unwrap()
            .build(s.space(), numbers, &|p, k| holds[p][k])
            .unwrap()
    }

    fn all_hold(s: &Scenario) -> Vec<Vec<bool>> {
        s.uncertainty
            .as_ref()
            .unwrap()
            .parties
            .iter()
            .map(|p| vec![true; p.red_lines.len() + p.conditional.len()])
            .collect()
    }

    #[test]
    fn per_draw_zone_decisions_match_brute_force() {
        for seed in (0..60).chain(LINKED..LINKED + 60) {
            let s = scenario(seed);
            let config = SensitivityConfig {
                samples: 40,
                seed,
                decisive: false,
                ..SensitivityConfig::default()
            };
            let r = sensitivity(&s, &config, &()).unwrap();
            let u = s.uncertainty.as_ref().unwrap();
            let mut count = 0;
            for k in 0..40 {
                let mut g = rng::rng(rng::derive_seed(seed, &[KEY, k]));
                let (numbers, holds) = u.sample(&mut g);
                let prefs = with(&s, &numbers, &holds);
                let refs: Vec<&Preferences> = prefs.iter().collect();
                let brute = brute_exists(s.space(), &refs);
                assert_eq!(zone_exists(s.space(), &refs, u64::MAX).unwrap(), brute);
                count += u64::from(brute);
                // Robust packages: each reported share is the exact count over the draws.
            }
            assert_eq!(r.zone, Share { count, n: 40 }, "seed {seed}");
            for p in &r.robust {
                let mut c = 0;
                for k in 0..40 {
                    let mut g = rng::rng(rng::derive_seed(seed, &[KEY, k]));
                    let (numbers, holds) = u.sample(&mut g);
                    let prefs = with(&s, &numbers, &holds);
                    c += u64::from(prefs.iter().all(|pr| pr.is_acceptable(&p.outcome)));
                }
                assert_eq!(p.share.count, c, "seed {seed}");
            }
            // The most robust package is the best of every package (pools are never full here).
            assert!(!r.pool_full);
            let best = outcomes(s.space())
                .iter()
                .map(|o| {
                    (0..40u64)
                        .filter(|&k| {
                            let mut g = rng::rng(rng::derive_seed(seed, &[KEY, k]));
                            let (numbers, holds) = u.sample(&mut g);
                            with(&s, &numbers, &holds)
                                .iter()
                                .all(|pr| pr.is_acceptable(o))
                        })
                        .count() as u64
                })
                .max()
                .unwrap_or(0);
            assert_eq!(r.robust.first().map_or(0, |p| p.share.count), best);
        }
    }

    #[test]
    fn thresholds_flip_the_brute_force_decision() {
        let mut checked = 0;
        for seed in (0..80).chain(LINKED..LINKED + 80) {
            let s = scenario(seed);
            let config = SensitivityConfig {
                samples: 1,
                seed,
                ..SensitivityConfig::default()
            };
            let r = sensitivity(&s, &config, &()).unwrap();
            let u = s.uncertainty.as_ref().unwrap();
            let points = u.points();
            let holds = all_hold(&s);
            let sites: Vec<Site> = u.numbers().iter().map(|(s, _)| *s).collect();
            let at = |k: usize, x: f64| {
                let mut n = points.clone();
                n[k] = x;
                let prefs = with(&s, &n, &holds);
                let refs: Vec<&Preferences> = prefs.iter().collect();
                brute_exists(s.space(), &refs)
            };
            let point_zone = r.point_zone.clone().unwrap();
            for d in &r.decisive {
                let k = sites.iter().position(|x| *x == d.site).unwrap();
                assert_eq!(d.opens, !point_zone);
                let eps = 2.0 * THRESHOLD_TOL;
                let (near, far) = if d.threshold >= d.value {
                    (d.threshold - eps, d.threshold + eps)
                } else {
                    (d.threshold + eps, d.threshold - eps)
                };
                let (near, far) = (near.clamp(d.low, d.high), far.clamp(d.low, d.high));
                assert_eq!(at(k, near), point_zone, "seed {seed} {d:?}");
                assert_eq!(at(k, far), !point_zone, "seed {seed} {d:?}");
                checked += 1;
            }
            // Completeness for the monotone numbers: if an end of the range flips the
            // decision, a threshold is reported.
            for (k, (site, e)) in u.numbers().iter().enumerate() {
                if matches!(site, Site::Weight { .. }) || e.is_point() {
                    continue;
                }
                let end = match (site, point_zone) {
                    (Site::Reservation { .. }, true) => e.high,
                    (Site::Reservation { .. }, false) => e.low,
                    (_, true) => e.low,
                    (_, false) => e.high,
                };
                if at(k, end) != point_zone {
                    assert!(
                        r.decisive.iter().any(|d| d.site == *site),
                        "seed {seed}: {site:?} flips at {end} but is not reported"
                    );
                }
            }
        }
        assert!(checked > 10, "only {checked} thresholds checked");
    }

    #[test]
    fn unlocking_changes_match_brute_force() {
        let mut unlocked = 0;
        for seed in (0..150).chain(LINKED..LINKED + 150) {
            let s = scenario(seed);
            let prefs = s.preferences();
            if brute_exists(s.space(), &prefs) {
                continue;
            }
            let config = SensitivityConfig {
                samples: 1,
                seed,
                ..SensitivityConfig::default()
            };
            let r = sensitivity(&s, &config, &()).unwrap();
            let u = r.unlock.as_ref().expect("no zone, so unlocking changes");
            // The smallest shortfall, over every package crossing no red line.
            let brute = outcomes(s.space())
                .iter()
                .filter(|o| prefs.iter().all(|p| !p.red_lines().violated_by(o)))
                .map(|o| {
                    prefs
                        .iter()
                        .map(|p| (p.reservation() - p.utility(o)).max(0.0))
                        .sum::<f64>()
                })
                .min_by(f64::total_cmp);
            match (&u.shortfall, brute) {
                (Ok(Some(sf)), Some(b)) => assert!((sf.total - b).abs() < 1e-9, "seed {seed}"),
                (Ok(None), None) => {}
                other => panic!("seed {seed}: {other:?}"),
            }
            // The reservation value each party would need.
            for (p, need) in u.reservation_needed.iter().enumerate() {
                let brute = outcomes(s.space())
                    .iter()
                    .filter(|o| {
                        prefs.iter().enumerate().all(|(q, pq)| {
                            !pq.red_lines().violated_by(o) && (q == p || pq.is_acceptable(o))
                        })
                    })
                    .map(|o| prefs[p].utility(o))
                    .max_by(f64::total_cmp);
                let got = need.clone().unwrap();
                match (got, brute) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "seed {seed}"),
                    (None, None) => {}
                    other => panic!("seed {seed}: {other:?}"),
                }
            }
            // Red lines whose removal alone opens a zone.
            let points = s.uncertainty.as_ref().unwrap().points();
            for (p, pm) in s.uncertainty.as_ref().unwrap().parties.iter().enumerate() {
                for k in 0..pm.red_lines.len() {
                    let mut holds = all_hold(&s);
                    holds[p][k] = false;
                    let without = with(&s, &points, &holds);
                    let refs: Vec<&Preferences> = without.iter().collect();
                    assert_eq!(
                        brute_exists(s.space(), &refs),
                        u.red_lines.contains(&(p, k)),
                        "seed {seed}"
                    );
                }
            }
            unlocked += 1;
        }
        assert!(unlocked > 10, "only {unlocked} scenarios without a zone");
    }

    #[test]
    fn the_generator_makes_linked_scenarios_with_ranged_links() {
        let n = (LINKED..LINKED + 40)
            .filter(|&seed| {
                let s = scenario(seed);
                let u = s.uncertainty.as_ref().unwrap();
                s.parties().iter().any(|p| p.preferences.is_linked())
                    && u.numbers()
                        .iter()
                        .any(|(site, e)| matches!(site, Site::Link { .. }) && !e.is_point())
            })
            .count();
        assert!(n > 15, "{n}");
    }

    #[test]
    fn drafts_of_linked_scenarios_score_as_brute_force() {
        // Per party, whether it accepts every completion of a partial package, and some.
        for seed in LINKED..LINKED + 60 {
            let s = scenario(seed);
            let n_issues = s.space().issues().len();
            let mut g = rng::rng(seed);
            let allowed: Vec<Vec<u32>> = s
                .space()
                .issues()
                .iter()
                .map(|i| {
                    let n = i.n_values();
                    let mut a: Vec<u32> = (0..n).filter(|_| g.random_bool(0.5)).collect();
                    if a.is_empty() {
                        a.push(g.random_range(0..n));
                    }
                    a
                })
                .collect();
            let completions: Vec<Outcome> = outcomes(s.space())
                .into_iter()
                .filter(|o| (0..n_issues).all(|i| allowed[i].contains(&o.get(i))))
                .collect();
            for p in s.parties() {
                let pr = &p.preferences;
                let (every, some) = verdict(s.space(), pr, &allowed);
                assert_eq!(
                    some,
                    completions.iter().any(|o| pr.is_acceptable(o)),
                    "seed {seed}"
                );
                assert_eq!(
                    every,
                    completions.iter().all(|o| pr.is_acceptable(o)),
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn same_seed_same_result_at_any_thread_count() {
        let s = scenario(7);
        let config = SensitivityConfig {
            samples: 300,
            seed: 11,
            ..SensitivityConfig::default()
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| sensitivity(&s, &config, &()).unwrap())
        };
        assert_eq!(run(1), run(3));
        let other = sensitivity(
            &s,
            &SensitivityConfig {
                seed: 12,
                ..config.clone()
            },
            &(),
        )
        .unwrap();
        assert_eq!(other.samples, 300);
    }

    #[test]
    fn zero_samples_is_an_error() {
        let s = scenario(1);
        let config = SensitivityConfig {
            samples: 0,
            ..SensitivityConfig::default()
        };
        assert!(sensitivity(&s, &config, &()).is_err());
    }

    #[test]
    fn the_wilson_interval_brackets_the_rate() {
        let (lo, hi) = Share { count: 30, n: 100 }.wilson();
        assert!(
            (lo - 0.2189).abs() < 1e-3 && (hi - 0.3958).abs() < 1e-3,
            "{lo} {hi}"
        );
        assert_eq!(Share { count: 0, n: 10 }.wilson().0, 0.0);
    }
}
