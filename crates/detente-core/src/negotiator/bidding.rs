//! Choosing bids from one's own preferences, and a frequency model of the opponents.
//!
//! A [`BidSpace`] is a negotiator's private, sorted list of the outcomes it could propose: every
//! outcome it finds acceptable when there are at most [`ENUMERATE_LIMIT`] of them, otherwise a
//! reproducible sample biased toward high own utility (plus the best outcome). Spaces such as
//! the flagship's 3.5·10¹² outcomes are never enumerated.
//!
//! The [`OpponentModel`] counts how often the other parties offered each value; among bids of
//! about the same own utility, a negotiator proposes the one the others seem to like most.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use rand::RngExt;

use crate::TIE_EPS;
use crate::outcome::{Outcome, OutcomeSpace};
use crate::preferences::Preferences;
use crate::rng::ChaCha8Rng;

/// Up to this many self-acceptable outcomes are listed exhaustively.
pub const ENUMERATE_LIMIT: u64 = 200_000;
/// Size of the sample drawn when a space is larger.
pub const SAMPLE_SIZE: usize = 20_000;

/// A negotiator's own outcomes, best first.
pub struct BidSpace {
    n_issues: usize,
    /// Own utility terms and the values one's red lines allow, for constructing bids.
    terms: Vec<Vec<f64>>,
    /// Own preferences are linked (interaction terms, conditional red lines): the additive
    /// construction does not apply, and only listed bids are offered.
    linked: bool,
    allowed: Vec<Vec<u32>>,
    clip: bool,
    /// Where each bucket's outcomes come from.
    source: Source,
    /// The list's positions: made at set-up for a listed source, on the first positional read
    /// (`len`, `outcome(k)`, ...) for an additive one, whose searches by utility
    /// ([`BidSpace::nearest_bid`], [`BidSpace::lowest_above_bid`]) need none.
    positions: OnceLock<Positions>,
    /// An additive space's finer table ([`Additive::finer`]), built for the first negotiator
    /// whose searches by utility have cost about as much as building it, then shared.
    fine: OnceLock<Option<Additive>>,
    /// Whether the list holds every self-acceptable outcome.
    pub exhaustive: bool,
    /// The preferences the list was built from, shared by every negotiator that uses it.
    prefs: Arc<Preferences>,
    /// Linked preferences over a space too large to list: the bid search `construct` uses.
    linked_search: Option<super::linked_bids::LinkedBidSearch>,
}

/// The list, best first, sorted lazily. Outcomes are grouped into buckets by utility
/// (non-empty buckets only, best first; every outcome of a bucket has a utility at least that of
/// every outcome of a later bucket, and equal utilities share a bucket), and a bucket is sorted
/// (utility descending, then outcome) the first time something in it is read. The order is
/// therefore exactly that of sorting the whole list, but a negotiation pays only for the
/// buckets its bids come from.
struct Positions {
    /// The number of listed outcomes.
    len: usize,
    /// `starts[b]..starts[b + 1]` are bucket `b`'s positions in the list.
    starts: Vec<usize>,
    /// The bucket of each list position.
    bucket_at: Vec<u32>,
    /// The lowest utility in each bucket.
    bucket_min: Vec<f64>,
    /// The highest utility in each bucket (additive sources only; empty otherwise).
    bucket_max: Vec<f64>,
    /// Each bucket, once read (shared safely across threads): its outcomes, sorted.
    sorted: Vec<OnceLock<Block>>,
}

impl Positions {
    fn new(starts: Vec<usize>, bucket_min: Vec<f64>, bucket_max: Vec<f64>) -> Positions {
        let len = starts[starts.len() - 1];
        let sorted = (0..bucket_min.len()).map(|_| OnceLock::new()).collect();
        let mut bucket_at = Vec::with_capacity(len);
        for b in 0..bucket_min.len() {
            bucket_at.resize(starts[b + 1], b as u32);
        }
        Positions {
            len,
            starts,
            bucket_at,
            bucket_min,
            bucket_max,
            sorted,
        }
    }
}

/// One bucket of the list, sorted: its outcomes' utilities and their value indices
/// (`n_issues` each), in list order.
struct Block {
    utils: Box<[f64]>,
    values: Box<[u32]>,
}

/// Where the outcomes of a bucket come from.
enum Source {
    /// Every outcome listed at set-up (samples, linked preferences, non-finite terms): the
    /// entries' rows, their utilities, and each bucket's entries (indices into `utils`),
    /// unsorted, at `starts[b]..starts[b + 1]`.
    Listed {
        rows: Rows,
        utils: Vec<f64>,
        grouped: Vec<u32>,
    },
    /// Additive preferences over a space small enough to list: set-up only counts the
    /// outcomes of each bucket, and a bucket is listed on its first read by a branch and
    /// bound over the additive bounds ([`Additive`]).
    Additive(Additive),
}

/// Where a listed outcome's value indices come from.
enum Rows {
    /// Enumerated (linked preferences): each entry's ordinal in the odometer's order over the
    /// allowed values (the last issue fastest), decoded when its bucket is first read.
    /// Entries are found in increasing ordinal, and the odometer's order is the outcomes'
    /// lexicographic order, so comparing two entries' indices compares their outcomes.
    /// Enumeration stores 4 bytes per listed outcome instead of its whole row.
    Ordinal(Vec<u32>),
    /// Sampled: `n_issues` value indices per entry.
    Flat(Vec<u32>),
}

/// Listed outcomes per bucket of the lazily sorted list, on average (outcomes listed at
/// set-up).
const BUCKET_SIZE: usize = 16;

impl BidSpace {
    /// The bid space of `prefs` over `space`, sampled (when the space is too large to list)
    /// with a fixed seed: a party's bid space depends on its preferences alone, so a
    /// negotiation replays the same whether its bid spaces were built for it (`run_sao`,
    /// `detente negotiate`) or once for many (a tournament).
    pub fn for_preferences(space: &OutcomeSpace, prefs: &Preferences) -> BidSpace {
        let mut r = crate::rng::rng(crate::rng::derive_seed(0, &[u64::MAX - 1]));
        BidSpace::new(space, prefs, &mut r)
    }

    /// Builds the bid space of `prefs` over `space`, sampling with `rng` when the space is
    /// too large to list.
    pub fn new(space: &OutcomeSpace, prefs: &Preferences, rng: &mut ChaCha8Rng) -> BidSpace {
        Self::build(space, prefs, rng, true)
    }

    /// [`Self::new`]; `lazy`: additive preferences over an enumerable space are counted at
    /// set-up and listed bucket by bucket on first read (otherwise listed at set-up, as
    /// linked preferences and samples always are; the two lists are the same).
    fn build(
        space: &OutcomeSpace,
        prefs: &Preferences,
        rng: &mut ChaCha8Rng,
        lazy: bool,
    ) -> BidSpace {
        let n_issues = space.issues().len();
        let terms = prefs.ufun().terms();
        let clip = prefs.ufun().clips_at_one();
        let allowed: Vec<Vec<u32>> = (0..n_issues)
            .map(|i| {
                (0..space.issues()[i].n_values())
                    .filter(|&v| !prefs.red_lines().forbids(i, v))
                    .collect()
            })
            .collect();
        let count: Option<u64> = allowed
            .iter()
            .try_fold(1u64, |acc, a| acc.checked_mul(a.len() as u64));
        let exhaustive = matches!(count, Some(n) if n <= ENUMERATE_LIMIT);
        // Linked preferences: interaction terms and conditional red lines count too.
        let linked = prefs.is_linked();
        let linked_search =
            (linked && !exhaustive).then(|| super::linked_bids::LinkedBidSearch::new(space, prefs));
        let additive = match count {
            Some(n) if lazy && exhaustive && !linked => {
                Additive::new(&allowed, terms, clip, n, prefs.reservation() - TIE_EPS)
            }
            _ => None,
        };
        let positions = OnceLock::new();
        let source = match additive {
            // Counted on the first positional read (`Self::positions`).
            Some(add) => Source::Additive(add),
            None => {
                let (rows, utils, grouped, starts, mins) = Self::list(
                    prefs,
                    &allowed,
                    exhaustive,
                    count,
                    linked_search.as_ref(),
                    rng,
                );
                let _ = positions.set(Positions::new(starts, mins, Vec::new()));
                Source::Listed {
                    rows,
                    utils,
                    grouped,
                }
            }
        };
        BidSpace {
            n_issues,
            terms: terms.to_vec(),
            linked,
            allowed,
            clip,
            source,
            positions,
            fine: OnceLock::new(),
            exhaustive,
            prefs: Arc::new(prefs.clone()),
            linked_search,
        }
    }

    /// Counts an additive space's outcomes into the list's positions now rather than on the
    /// first positional read. For a bid space shared by many negotiations (a tournament's):
    /// every search then reads the same sorted buckets, once listed, where each negotiator's
    /// searches by utility ([`Self::nearest_bid`]) would start afresh. Results are the same
    /// either way.
    pub fn count_positions_now(&self) {
        let _ = self.positions();
    }

    /// The list's positions (an additive source counts its outcomes into buckets here, once).
    #[inline(always)]
    fn positions(&self) -> &Positions {
        match self.positions.get() {
            Some(p) => p,
            None => self.count_positions(),
        }
    }

    #[cold]
    #[inline(never)]
    fn count_positions(&self) -> &Positions {
        self.positions.get_or_init(|| match &self.source {
            Source::Additive(add) => {
                let (starts, mins, maxs) = add.count();
                Positions::new(starts, mins, maxs)
            }
            // Made at set-up.
            Source::Listed { .. } => unreachable!("a listed source has its positions"),
        })
    }

    /// Lists every outcome at set-up (enumerated or sampled) and buckets them:
    /// `(rows, utils, grouped, starts, bucket_min)`.
    #[allow(clippy::type_complexity)]
    fn list(
        prefs: &Preferences,
        allowed: &[Vec<u32>],
        exhaustive: bool,
        count: Option<u64>,
        linked_search: Option<&super::linked_bids::LinkedBidSearch>,
        rng: &mut ChaCha8Rng,
    ) -> (Rows, Vec<f64>, Vec<u32>, Vec<usize>, Vec<f64>) {
        // Every listed outcome goes into one flat buffer (no allocation per outcome).
        let mut flat_all: Vec<u32> = Vec::new();
        let mut ordinals: Vec<u32> = Vec::new();
        let mut utils_all: Vec<f64> = Vec::new();
        if let (true, Some(n)) = (exhaustive, count) {
            // At most every outcome is listed: no reallocation while enumerating.
            utils_all.reserve(n as usize);
            ordinals.reserve(n as usize);
        }
        if allowed.iter().any(Vec::is_empty) {
            // Every outcome crosses a red line: nothing to propose.
        } else if exhaustive {
            enumerate_listed(prefs, allowed, &mut utils_all, &mut ordinals);
        } else {
            sample_listed(
                prefs,
                allowed,
                linked_search,
                rng,
                &mut utils_all,
                &mut flat_all,
            );
        }
        let rows = if exhaustive {
            Rows::Ordinal(ordinals)
        } else {
            Rows::Flat(flat_all)
        };
        let (starts, grouped, bucket_min) = buckets(&utils_all);
        (rows, utils_all, grouped, starts, bucket_min)
    }

    /// The preferences this bid space was built from.
    pub(super) fn preferences(&self) -> &Arc<Preferences> {
        &self.prefs
    }

    /// Bucket `b`, sorted (listed, or sorted and decoded, on first use).
    #[inline(always)]
    fn bucket(&self, b: usize) -> &Block {
        match self.positions().sorted[b].get() {
            Some(block) => block,
            None => self.first_read(b),
        }
    }

    /// Lists or sorts bucket `b` (once; a thread that loses the race gets the winner's).
    #[cold]
    #[inline(never)]
    fn first_read(&self, b: usize) -> &Block {
        self.positions().sorted[b].get_or_init(|| match &self.source {
            Source::Listed {
                rows,
                utils,
                grouped,
            } => self.sort_listed(b, rows, utils, grouped),
            Source::Additive(add) => self.list_additive(b, add),
        })
    }

    /// Bucket `b` of a list made at set-up: its entries sorted, their rows decoded.
    fn sort_listed(&self, b: usize, rows: &Rows, utils: &[f64], grouped: &[u32]) -> Block {
        let n = self.n_issues;
        let starts = &self.positions().starts;
        let mut v = grouped[starts[b]..starts[b + 1]].to_vec();
        let by_utility = |a: &u32, c: &u32| utils[*c as usize].total_cmp(&utils[*a as usize]);
        match rows {
            // Entry order is outcome order (see `Rows::Ordinal`).
            Rows::Ordinal(_) => v.sort_unstable_by(|a, c| by_utility(a, c).then(a.cmp(c))),
            Rows::Flat(flat) => {
                let row = |e: u32| &flat[e as usize * n..(e as usize + 1) * n];
                v.sort_unstable_by(|a, c| by_utility(a, c).then_with(|| row(*a).cmp(row(*c))));
            }
        }
        let mut values = vec![0u32; v.len() * n];
        for (out, &e) in values.chunks_exact_mut(n.max(1)).zip(&v) {
            let e = e as usize;
            match rows {
                Rows::Flat(flat) => out.copy_from_slice(&flat[e * n..(e + 1) * n]),
                Rows::Ordinal(ordinals) => {
                    // Mixed radix, the last issue fastest, as the odometer counted.
                    let mut ord = ordinals[e] as usize;
                    for i in (0..n).rev() {
                        let a = &self.allowed[i];
                        out[i] = a[ord % a.len()];
                        ord /= a.len();
                    }
                }
            }
        }
        Block {
            utils: v.iter().map(|&e| utils[e as usize]).collect(),
            values: values.into_boxed_slice(),
        }
    }

    /// Bucket `b` of an additive space, listed by the branch and bound (every outcome whose
    /// utility lies between the bucket's lowest and highest is in it), sorted by utility
    /// descending then ordinal (the outcome's lexicographic order).
    fn list_additive(&self, b: usize, add: &Additive) -> Block {
        let n = self.n_issues;
        let pos = self.positions();
        let m = pos.starts[b + 1] - pos.starts[b];
        let mut found: Vec<(f64, u32)> = Vec::with_capacity(m);
        add.walk(pos.bucket_min[b], pos.bucket_max[b], &mut |u, ord| {
            found.push((u, ord));
        });
        debug_assert_eq!(found.len(), m, "bucket {b}: counted and listed differ");
        found.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let mut values = vec![0u32; found.len() * n];
        for (out, &(_, ord)) in values.chunks_exact_mut(n.max(1)).zip(&found) {
            Additive::decode(&self.allowed, ord, out);
        }
        Block {
            utils: found.iter().map(|e| e.0).collect(),
            values: values.into_boxed_slice(),
        }
    }

    /// The number of leading list positions whose utility satisfies `pred`, for a `pred` that
    /// holds for every utility above any utility it holds for (as `slice::partition_point`
    /// over the sorted utilities). Reads at most one bucket.
    fn partition_point(&self, pred: impl Fn(f64) -> bool) -> usize {
        // Every bucket before the first one whose lowest utility fails `pred` passes whole;
        // every later one fails whole.
        let pos = self.positions();
        let b = pos.bucket_min.partition_point(|&m| pred(m));
        if b == pos.bucket_min.len() {
            return pos.len;
        }
        let within = self.bucket(b).utils.partition_point(|&u| pred(u));
        pos.starts[b] + within
    }

    /// Number of listed outcomes.
    pub fn len(&self) -> usize {
        self.positions().len
    }

    /// Whether nothing is acceptable to oneself.
    pub fn is_empty(&self) -> bool {
        match (&self.source, self.positions.get()) {
            (_, Some(pos)) => pos.len == 0,
            // The best outcome over the allowed values is acceptable if anything is.
            (Source::Additive(add), None) => add.extreme(true) < add.floor,
            (Source::Listed { .. }, None) => unreachable!("a listed source has its positions"),
        }
    }

    /// The `k`-th best outcome.
    pub fn outcome(&self, k: usize) -> Outcome {
        Outcome::from_slice(self.values(k))
    }

    /// The value indices of the `k`-th best outcome (as [`Self::outcome`], without copying).
    #[inline(always)]
    pub fn values(&self, k: usize) -> &[u32] {
        let pos = self.positions();
        let b = pos.bucket_at[k] as usize;
        let at = (k - pos.starts[b]) * self.n_issues;
        &self.bucket(b).values[at..at + self.n_issues]
    }

    /// Own utility of the `k`-th best outcome.
    #[inline(always)]
    pub fn utility(&self, k: usize) -> f64 {
        let pos = self.positions();
        let b = pos.bucket_at[k] as usize;
        self.bucket(b).utils[k - pos.starts[b]]
    }

    /// The highest listed utility (`None` when empty).
    pub fn max_utility(&self) -> Option<f64> {
        if let (Source::Additive(add), None) = (&self.source, self.positions.get()) {
            // The fold of each issue's highest term: the first listed utility, exactly.
            return (!self.is_empty()).then(|| add.extreme(true));
        }
        (!self.is_empty()).then(|| self.utility(0))
    }

    /// The lowest listed utility (`None` when empty).
    pub fn min_utility(&self) -> Option<f64> {
        if let (Source::Additive(add), None) = (&self.source, self.positions.get()) {
            // The lowest acceptable utility: the worst outcome's when acceptable (the fold of
            // the lowest terms), else the nearest at or above the floor.
            let worst = add.extreme(false);
            if worst >= add.floor {
                return Some(worst);
            }
            return add.bracket(add.floor, None).above.map(|a| a.u);
        }
        (!self.is_empty()).then(|| self.utility(self.len() - 1))
    }

    /// The listed bid whose utility is nearest to `target` (GENIUS's
    /// `SortedOutcomeSpace.getBidNearUtility`); of two equally near, the higher. `None` when
    /// the list is empty.
    pub fn nearest(&self, target: f64) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        // First entry with utility below target (utilities descend).
        let k = self.partition_point(|u| u >= target);
        if k == 0 {
            return Some(0);
        }
        if k == self.len() {
            return Some(k - 1);
        }
        // The last entry at or above target, or the first below it.
        let (u_above, u_below) = (self.utility(k - 1), self.utility(k));
        let above = u_above - target;
        let below = target - u_below;
        // The first listed bid of the chosen utility, so ties in utility keep list order.
        let first_of = |u: f64| self.partition_point(|x| x > u);
        Some(if below < above - TIE_EPS {
            // Every position before `k` is at or above target, so strictly above `u_below`:
            // `k` is the first of its utility (`first_of(u_below)`, without the search).
            if u_below.is_nan() {
                first_of(u_below)
            } else {
                k
            }
        } else if k == 1 || self.utility(k - 2) > u_above {
            // Nothing before `k - 1` ties with it: `first_of(u_above)`, without the search.
            k - 1
        } else {
            first_of(u_above)
        })
    }

    /// The bracket of `threshold` when this space answers searches by utility without its
    /// positions (an additive source not yet counted): from `near` when its last bracket still
    /// holds, else searched from `near`'s cursors (and kept there).
    fn bracket(&self, threshold: f64, near: &RefCell<Near>) -> Option<Bracket> {
        let Source::Additive(add) = &self.source else {
            return None;
        };
        if add.signed_zero || self.positions.get().is_some() {
            return None;
        }
        let mut near = near.borrow_mut();
        if let Some(b) = near.last
            && b.holds(threshold)
        {
            return Some(b);
        }
        let near = &mut *near;
        let table = match near.fine {
            true => self.fine(add).unwrap_or(add),
            false => add,
        };
        let b = table.bracket(threshold, Some(&mut near.cursors));
        near.last = Some(b);
        if !near.fine && add.depth > 0 {
            // Ski rental: once this memo's searches have cost about what the finer table
            // costs to build (about 100 instructions per row of it, measured; a prefix visit
            // costs about 80), switch to it: never much more than the better choice in
            // hindsight, whether the negotiation ends soon or not.
            near.visits += add.prefixes.len() as u64;
            let rows = add.tail_sum.len() as u64 * add.order[add.depth - 1].len() as u64;
            if near.visits * 4 >= rows * 5 {
                near.fine = true;
                near.cursors.clear();
            }
        }
        Some(b)
    }

    /// The finer table of the additive source `add` (built on first use; read on every search
    /// of a memo that has switched to it, so not marked cold).
    fn fine(&self, add: &Additive) -> Option<&Additive> {
        self.fine
            .get_or_init(|| add.finer(&self.allowed, &self.terms))
            .as_ref()
    }

    /// [`Self::decoded`], reusing `near`'s last bid when it is the same outcome.
    fn decoded_near(&self, (u, ord): (f64, u32), near: &RefCell<Near>) -> (Outcome, f64) {
        let mut near = near.borrow_mut();
        if let Some((o, bid)) = &near.bid
            && *o == ord
        {
            return (bid.clone(), u);
        }
        let (bid, u) = self.decoded((u, ord));
        near.bid = Some((ord, bid.clone()));
        (bid, u)
    }

    fn decoded(&self, (u, ord): (f64, u32)) -> (Outcome, f64) {
        let n = self.n_issues;
        if n <= Outcome::INLINE {
            // On the stack: the outcome holds this few indices inline.
            let mut values = [0u32; Outcome::INLINE];
            Additive::decode(&self.allowed, ord, &mut values[..n]);
            return (Outcome::from_slice(&values[..n]), u);
        }
        let mut values = vec![0u32; n];
        Additive::decode(&self.allowed, ord, &mut values);
        (Outcome::new(values), u)
    }

    /// [`Self::nearest`]'s bid and its utility. An additive space not yet counted answers
    /// without its positions (and so without listing anything): `near`, the caller's memo,
    /// keeps the last search's two neighbouring utilities, which answer every target between
    /// them, and a cursor per prefix of the outcome space, which a later search moves from
    /// where it stopped (a few steps when targets move little, as a time-dependent tactic's
    /// do).
    pub fn nearest_bid(&self, target: f64, near: &RefCell<Near>) -> Option<(Outcome, f64)> {
        if let Some(b) = self.bracket(target, near) {
            return b.nearest(target).map(|x| self.decoded_near(x, near));
        }
        let k = self.nearest(target)?;
        Some((self.outcome(k), self.utility(k)))
    }

    /// [`Self::nearest_bid`] for every target between `bounds()` at once, when `near`'s last
    /// bracket answers them all with the same bid (the choice between its two sides is
    /// monotone in the target); `None` otherwise, or where searches go by position (`bounds`
    /// is then not called).
    pub fn nearest_bid_if_settled(
        &self,
        bounds: impl FnOnce() -> Option<(f64, f64)>,
        near: &RefCell<Near>,
    ) -> Option<(Outcome, f64)> {
        if !matches!(self.source, Source::Additive(_)) || self.positions.get().is_some() {
            return None;
        }
        let b = near.borrow().last?;
        let (lo, hi) = bounds()?;
        if !(b.holds(lo) && b.holds(hi)) {
            return None;
        }
        let pick = b.nearest(lo)?;
        if b.nearest(hi)? != pick {
            return None;
        }
        Some(self.decoded_near(pick, near))
    }

    /// [`Self::bid_near`]`(target, 0.0, None)`'s bid and its utility, answered as
    /// [`Self::nearest_bid`] is.
    pub fn lowest_above_bid(&self, target: f64, near: &RefCell<Near>) -> Option<(Outcome, f64)> {
        if let Some(b) = self.bracket(target - TIE_EPS, near) {
            return b.lowest_above().map(|x| self.decoded_near(x, near));
        }
        let k = self.bid_near(target, 0.0, None)?;
        Some((self.outcome(k), self.utility(k)))
    }

    /// A bid of utility at least `target` and as close to it as the list allows, preferring,
    /// within `window` above the lowest such utility, the one `model` scores highest.
    /// Falls back to the best outcome when nothing reaches `target`.
    pub fn bid_near(
        &self,
        target: f64,
        window: f64,
        model: Option<&OpponentModel>,
    ) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        // Index of the last entry with utility >= target (utilities descend).
        let n_ok = self.partition_point(|u| u >= target - TIE_EPS);
        if n_ok == 0 {
            return Some(0);
        }
        let Some(model) = model.filter(|m| m.n_observed > 0) else {
            return Some(n_ok - 1);
        };
        let floor = self.utility(n_ok - 1);
        let lo = self.partition_point(|u| u > floor + window);
        let mut best = n_ok - 1;
        let mut best_score = f64::MIN;
        for k in (lo..n_ok).rev() {
            let s = model.score(self.values(k));
            if s > best_score + TIE_EPS {
                best = k;
                best_score = s;
            }
        }
        Some(best)
    }
}

/// Outcomes per raw bin of the histogram an additive bid space counts at set-up.
const OUTCOMES_PER_BIN: u64 = 2;
/// Outcomes per bucket of an additive bid space, at least (unless a bucket ends the list):
/// consecutive bins are merged until a bucket holds this many. A read costs about 4 k
/// instructions whatever the size; at 6 a conceder read a new bucket almost every turn, at 32
/// one read serves several turns (callgrind counts per size in docs/performance.md).
const ADDITIVE_BUCKET: u32 = 32;
/// An additive space's tail table holds about this many rows per square root of the number of
/// outcomes (at least 64, at most 4096): a larger table costs more at set-up (it is sorted)
/// and leaves fewer prefixes to search below on each read.
const TAIL_ROWS_PER_ROOT: f64 = 4.0;

/// The additive outcomes of an enumerable bid space, listed by utility range on demand.
///
/// A utility is the left fold of the issues' terms in issue order (the bits
/// `enumerate_listed` and `UtilityFunction::eval` compute), then the clip at 1 if any.
/// Floating-point addition and the clip are monotone in each argument, so a subtree's
/// utilities lie between its prefix plus the sums of the remaining issues' lowest and highest
/// terms, widened by `tol`, a bound on how far rounding can move the fold from those sums.
/// The first `depth` issues are branched on (each issue's values sorted by term, so a binary
/// search finds the values whose subtree can reach a range); the remaining issues' value
/// combinations form one table sorted by the sum of their terms, in which a binary search
/// finds the candidates below a prefix, each then evaluated exactly. A walk therefore visits
/// only the prefixes whose subtree can reach the range, and computes each utility it reports
/// exactly as the enumeration did.
struct Additive {
    /// Per issue, its allowed values' terms and positions in `allowed`, highest term first
    /// (equal terms: lower position first).
    order: Vec<Vec<(f64, u32)>>,
    /// The number of issues a walk branches on; the tail table holds the others.
    depth: usize,
    /// `smax[d]`, `smin[d]`: sums of the highest and of the lowest terms of issues `d..`.
    smax: Vec<f64>,
    smin: Vec<f64>,
    /// The tail: every combination of the values of issues `depth..`, highest `tail_sum`
    /// first: the sum of its terms, its ordinal in the odometer over those issues, and its
    /// terms in issue order (`n - depth` each).
    tail_sum: Vec<f64>,
    tail_ord: Vec<u32>,
    tail_terms: Vec<f64>,
    /// The number of terms per row of `tail_terms`.
    width: usize,
    /// The number of combinations of the tail's issues: the radix of a row's ordinal below
    /// its prefix's. The table may hold fewer: rows that no prefix can lift to the floor are
    /// left out.
    radix: u32,
    /// A finer table's ([`Additive::finer`]) rows lead with one more issue: each row's term
    /// of that issue and the row of `tail_terms` (the coarser table's) that follows it.
    /// Empty for a table made by [`Additive::new`].
    lead: Vec<f64>,
    lead_row: Vec<u32>,
    tol: f64,
    clip: bool,
    /// Where the fold starts (as `Iterator::sum`).
    zero: f64,
    /// Every combination of the values of issues `..depth`: the fold of its terms and its
    /// ordinal in the odometer's order, only those whose subtree can reach `floor`, highest
    /// fold first.
    prefixes: Vec<(f64, u32)>,
    /// The lowest acceptable utility (the reservation value less [`TIE_EPS`]).
    floor: f64,
    /// The number of outcomes over the allowed values.
    n_outcomes: u64,
    /// Some term is −0.0, so a utility may be −0.0, which the list orders apart from +0.0
    /// (`total_cmp`) but its searches compare equal: [`Additive::bracket`] is not used.
    signed_zero: bool,
}

impl Additive {
    /// `None` when a term or a bound is not finite (the listing at set-up handles those).
    fn new(
        allowed: &[Vec<u32>],
        terms: &[Vec<f64>],
        clip: bool,
        n_outcomes: u64,
        floor: f64,
    ) -> Option<Additive> {
        let n = allowed.len();
        if n == 0 || allowed.iter().any(Vec::is_empty) {
            return None;
        }
        let mut order = Vec::with_capacity(n);
        for (a, t) in allowed.iter().zip(terms) {
            let mut o: Vec<(f64, u32)> = a
                .iter()
                .enumerate()
                .map(|(p, &v)| (t[v as usize], p as u32))
                .collect();
            if o.iter().any(|e| !e.0.is_finite()) {
                return None;
            }
            o.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            order.push(o);
        }
        let (mut smax, mut smin) = (vec![0.0; n + 1], vec![0.0; n + 1]);
        let mut magnitude = 0.0f64;
        for d in (0..n).rev() {
            let o: &Vec<(f64, u32)> = &order[d];
            smax[d] = smax[d + 1] + o[0].0;
            smin[d] = smin[d + 1] + o[o.len() - 1].0;
            magnitude += o[0].0.abs().max(o[o.len() - 1].0.abs());
        }
        // Each of the fold, the sums and the bound's own additions rounds at most n + 1
        // times, by at most half an ulp of a number below `magnitude` each time.
        let tol = 4.0 * (n as f64 + 2.0) * f64::EPSILON * magnitude + f64::MIN_POSITIVE;
        if !(magnitude.is_finite() && tol.is_finite()) {
            return None;
        }
        // The tail: as many trailing issues as fit a table of about 4·√(outcomes) rows
        // (a few hundred on GENIUS's 10⁴-outcome domains), at least the last issue.
        let cap = (TAIL_ROWS_PER_ROOT * (n_outcomes as f64).sqrt()).clamp(64.0, 4096.0) as usize;
        let mut depth = n - 1;
        let mut rows = allowed[n - 1].len();
        while depth > 0 && rows * allowed[depth - 1].len() <= cap {
            depth -= 1;
            rows *= allowed[depth].len();
        }
        let width = n - depth;
        // Every row's terms and sum (the left fold from 0.0), built issue by issue: a row of
        // the first `l + 1` tail issues is a row of the first `l` plus one value (the last issue
        // fastest, so rows come in odometer order), its sum its parent's plus that term.
        let mut tail_terms_by_ord: Vec<f64> = Vec::with_capacity(rows * width);
        let mut sums: Vec<f64> = vec![0.0];
        for l in 0..width {
            let (a, t) = (&allowed[depth + l], &terms[depth + l]);
            let mut next_terms = Vec::with_capacity(sums.len() * a.len() * (l + 1));
            let mut next_sums = Vec::with_capacity(sums.len() * a.len());
            for (r, &sum) in sums.iter().enumerate() {
                for &v in a {
                    let x = t[v as usize];
                    next_terms.extend_from_slice(&tail_terms_by_ord[r * l..(r + 1) * l]);
                    next_terms.push(x);
                    next_sums.push(sum + x);
                }
            }
            tail_terms_by_ord = next_terms;
            sums = next_sums;
        }
        // Sorted as integers: the sum's bits in total order, descending, then the ordinal
        // (a comparison closure over `(f64, u32)` costs several times more).
        // Rows that even the best prefix cannot lift to the floor are never acceptable: left
        // out (with a high reservation value, most of the table).
        let mut best_prefix: f64 = std::iter::empty::<f64>().sum();
        for o in &order[..depth] {
            best_prefix += o[0].0;
        }
        let finish = |x: f64| if clip { x.min(1.0) } else { x };
        let mut tail: Vec<u128> = Vec::with_capacity(rows);
        for (r, &sum) in sums.iter().enumerate() {
            if finish(best_prefix + sum + tol) < floor {
                continue;
            }
            let bits = f64::to_bits(sum);
            let ascending = if bits >> 63 == 1 {
                !bits
            } else {
                bits | 1 << 63
            };
            tail.push(u128::from(!ascending) << 32 | r as u128);
        }
        tail.sort_unstable();
        let mut tail_terms = Vec::with_capacity(rows * width);
        let (mut tail_sum, mut tail_ord) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for &key in &tail {
            let r = key as u32 as usize;
            tail_terms.extend_from_slice(&tail_terms_by_ord[r * width..(r + 1) * width]);
            tail_ord.push(r as u32);
            tail_sum.push(sums[r]);
        }
        let zero: f64 = std::iter::empty::<f64>().sum();
        let signed_zero = terms
            .iter()
            .flatten()
            .any(|t| t.to_bits() == (-0.0f64).to_bits());
        let mut add = Additive {
            order,
            depth,
            smax,
            smin,
            tail_sum,
            tail_ord,
            tail_terms,
            width,
            radix: rows as u32,
            lead: Vec::new(),
            lead_row: Vec::new(),
            tol,
            clip,
            zero,
            prefixes: Vec::new(),
            floor,
            n_outcomes,
            signed_zero,
        };
        add.prefixes = add.prefixes(allowed, terms);
        Some(add)
    }

    #[inline]
    fn finish(&self, raw: f64) -> f64 {
        if self.clip { raw.min(1.0) } else { raw }
    }

    /// The highest (`top`) or lowest utility over the space, exactly (the fold of the
    /// extreme terms: addition is monotone).
    fn extreme(&self, top: bool) -> f64 {
        let mut u = self.zero;
        for o in &self.order {
            u += if top { o[0].0 } else { o[o.len() - 1].0 };
        }
        self.finish(u)
    }

    /// Calls `visit(utility)` for every outcome of utility at least `floor`, branching on
    /// every issue (the last issue's values in order of their terms, so the first one below
    /// `floor` ends the loop): a pass at about 20 instructions per outcome it reaches.
    fn each_above<F: FnMut(f64)>(&self, d: usize, p: f64, floor: f64, visit: &mut F) {
        let o = &self.order[d];
        if d + 1 == self.order.len() {
            for &(t, _) in o {
                let u = self.finish(p + t);
                if u < floor {
                    break;
                }
                visit(u);
            }
            return;
        }
        let smax = self.smax[d + 1] + self.tol;
        for &(t, _) in o {
            let x = p + t;
            if self.finish(x + smax) < floor {
                break;
            }
            self.each_above(d + 1, x, floor, visit);
        }
    }

    /// Calls `visit(utility, ordinal)` for every outcome of utility in `lo..=hi`, with its
    /// odometer ordinal over the allowed values.
    fn walk<F: FnMut(f64, u32)>(&self, lo: f64, hi: f64, visit: &mut F) {
        self.walk_from(0, self.zero, 0, lo, hi, visit);
    }

    fn walk_from<F: FnMut(f64, u32)>(
        &self,
        d: usize,
        p: f64,
        ord: u32,
        lo: f64,
        hi: f64,
        visit: &mut F,
    ) {
        let tol = self.tol;
        if d == self.depth {
            // The tail: candidates whose sum, widened by `tol`, can reach the range (the
            // bounds decrease along the table), each checked exactly.
            let s = &self.tail_sum;
            let a = s.partition_point(|&x| self.finish(p + x - tol) > hi);
            debug_assert!(self.lead.is_empty(), "a finer table is never walked");
            let width = self.width;
            let base = ord * self.radix;
            for e in a..s.len() {
                if self.finish(p + s[e] + tol) < lo {
                    break;
                }
                let mut x = p;
                for &t in &self.tail_terms[e * width..(e + 1) * width] {
                    x += t;
                }
                let u = self.finish(x);
                if u >= lo && u <= hi {
                    visit(u, base + self.tail_ord[e]);
                }
            }
            return;
        }
        let o = &self.order[d];
        let radix = o.len() as u32;
        let (smin, smax) = (self.smin[d + 1], self.smax[d + 1]);
        // Skip the values whose whole subtree lies above `hi`, stop at the first whose subtree
        // lies below `lo` (both bounds decrease along `o`).
        let a = o.partition_point(|e| self.finish(p + e.0 + smin - tol) > hi);
        let b = a + o[a..].partition_point(|e| self.finish(p + e.0 + smax + tol) >= lo);
        for &(t, pos) in &o[a..b] {
            self.walk_from(d + 1, p + t, ord * radix + pos, lo, hi, visit);
        }
    }
}

/// One side of a [`Bracket`]: a utility and the least and greatest ordinal (list order among
/// outcomes of that utility) of the acceptable outcomes that have it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Side {
    u: f64,
    first: u32,
    last: u32,
}

impl Side {
    /// Takes `(u, ord)` into `best`, the lowest (`low`) or highest utility seen so far.
    #[inline]
    fn merge(best: &mut Option<Side>, u: f64, ord: u32, low: bool) {
        match best {
            Some(b) if u == b.u => {
                b.first = b.first.min(ord);
                b.last = b.last.max(ord);
            }
            Some(b) if (u < b.u) != low => {}
            _ => {
                *best = Some(Side {
                    u,
                    first: ord,
                    last: ord,
                })
            }
        }
    }
}

/// The acceptable outcomes nearest a threshold on either side, found without listing: `above`
/// holds the lowest utility at or above it, `below` the highest under it (each with its first
/// and last outcome in list order). No acceptable utility lies strictly between the two, so
/// the same bracket answers every threshold in `(below, above]` ([`Bracket::holds`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bracket {
    above: Option<Side>,
    below: Option<Side>,
}

/// A negotiator's memo of its searches by utility in a bid space ([`BidSpace::nearest_bid`]):
/// the last bracket found and a cursor per prefix. Each negotiator keeps its own (bid spaces
/// are shared); a fresh one is empty.
#[derive(Clone, Debug, Default)]
pub struct Near {
    last: Option<Bracket>,
    cursors: Vec<u32>,
    /// The last bid decoded, by ordinal (a tactic often offers the same bid again).
    bid: Option<(u32, Outcome)>,
    /// Searches use the space's finer table from now on.
    fine: bool,
    /// Prefixes visited by this memo's searches in the first table.
    visits: u64,
}

impl Bracket {
    /// Whether this bracket is also the bracket of `threshold`.
    #[inline]
    fn holds(&self, threshold: f64) -> bool {
        self.below.is_none_or(|b| b.u < threshold) && self.above.is_none_or(|a| threshold <= a.u)
    }

    /// [`BidSpace::nearest`] in terms of the bracket of `target`: `(utility, ordinal)`.
    fn nearest(&self, target: f64) -> Option<(f64, u32)> {
        match (self.above, self.below) {
            (None, None) => None,
            // Nothing reaches the target: the best outcome.
            (None, Some(b)) => Some((b.u, b.first)),
            // Everything reaches it: the last listed.
            (Some(a), None) => Some((a.u, a.last)),
            (Some(a), Some(b)) => Some(if target - b.u < (a.u - target) - TIE_EPS {
                (b.u, b.first)
            } else {
                (a.u, a.first)
            }),
        }
    }

    /// [`BidSpace::bid_near`] without a window or model, in terms of the bracket of
    /// `target − TIE_EPS`: the last listed outcome at or above it, else the best.
    fn lowest_above(&self) -> Option<(f64, u32)> {
        match (self.above, self.below) {
            (Some(a), _) => Some((a.u, a.last)),
            (None, Some(b)) => Some((b.u, b.first)),
            (None, None) => None,
        }
    }
}

impl Additive {
    /// This table with the last branched issue moved into the tail (`None` when nothing is
    /// branched): one sorted run per value of that issue (the tail, its sums shifted by the
    /// value's term), merged. The prefixes are as many times fewer as the issue has values,
    /// so a search visits that many times fewer; a row's sum is still its terms' up to
    /// rounding that `tol` covers, and each row is evaluated exactly as before (that issue's
    /// term, then the tail row's), so every search gives the same answer as in `self`.
    fn finer(&self, allowed: &[Vec<u32>], terms: &[Vec<f64>]) -> Option<Additive> {
        let d = self.depth.checked_sub(1)?;
        debug_assert!(self.lead.is_empty());
        let shift: Vec<f64> = allowed[d].iter().map(|&v| terms[d][v as usize]).collect();
        let (s, r) = (&self.tail_sum, self.tail_sum.len());
        if r == 0 {
            return None;
        }
        let n = r * shift.len();
        let (mut sum, mut ord) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut lead, mut lead_row) = (Vec::with_capacity(n), Vec::with_capacity(n));
        // Each run's next row and that row's shifted sum (−∞ once the run is spent).
        let mut heads = vec![0usize; shift.len()];
        let mut keys: Vec<f64> = shift.iter().map(|&t| t + s[0]).collect();
        for _ in 0..n {
            // The run whose next row has the highest sum (ties: the first run; the order among
            // equal sums does not matter to a search).
            let mut v = 0;
            for (w, &k) in keys.iter().enumerate().skip(1) {
                if k > keys[v] {
                    v = w;
                }
            }
            let h = heads[v];
            sum.push(keys[v]);
            ord.push(v as u32 * self.radix + self.tail_ord[h]);
            lead.push(shift[v]);
            lead_row.push(h as u32);
            heads[v] = h + 1;
            keys[v] = if h + 1 < r {
                shift[v] + s[h + 1]
            } else {
                f64::NEG_INFINITY
            };
        }
        let mut add = Additive {
            order: self.order.clone(),
            depth: d,
            smax: self.smax.clone(),
            smin: self.smin.clone(),
            tail_sum: sum,
            tail_ord: ord,
            tail_terms: self.tail_terms.clone(),
            width: self.width,
            radix: self.radix * shift.len() as u32,
            lead,
            lead_row,
            tol: self.tol,
            clip: self.clip,
            zero: self.zero,
            prefixes: Vec::new(),
            floor: self.floor,
            n_outcomes: self.n_outcomes,
            signed_zero: self.signed_zero,
        };
        add.prefixes = add.prefixes(allowed, terms);
        Some(add)
    }

    /// Every prefix (the combinations of the values of issues `..depth`, in odometer order)
    /// whose subtree can reach the floor: the fold of its terms and its ordinal.
    fn prefixes(&self, allowed: &[Vec<u32>], terms: &[Vec<f64>]) -> Vec<(f64, u32)> {
        let d = self.depth;
        let mut out = Vec::new();
        let mut idx = vec![0usize; d];
        let mut ord = 0u32;
        let reach = self.smax[d] + self.tol;
        'outer: loop {
            let mut p = self.zero;
            for i in 0..d {
                p += terms[i][allowed[i][idx[i]] as usize];
            }
            if self.finish(p + reach) >= self.floor {
                out.push((p, ord));
            }
            ord += 1;
            if odometer_step(&mut idx, |i| allowed[i].len()).is_none() {
                break 'outer;
            }
        }
        // Highest first (ties: lower ordinal), so that a search can stop early.
        out.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        out
    }

    /// The bracket of `target` over the acceptable outcomes (utility at least `floor`),
    /// exactly. Below each prefix the tail table's rows fall in sum; a cursor marks the first
    /// row whose sum, less the rounding tolerance, is under the threshold (`cursors`, kept from
    /// the last search and moved from there, or a binary search without them), and the rows
    /// within the tolerance of it (and beyond, while a row's bound can still tie or beat the
    /// best found) are evaluated as the enumeration does. Nothing is listed.
    fn bracket(&self, target: f64, mut cursors: Option<&mut Vec<u32>>) -> Bracket {
        let (tol, s) = (self.tol, &self.tail_sum[..]);
        let width = self.width;
        let rows = self.radix;
        if s.is_empty() {
            // No row reaches the floor: nothing is acceptable.
            return Bracket {
                above: None,
                below: None,
            };
        }
        // Above: at least the target and the floor; below: under the target, at least the floor.
        let top = target.max(self.floor);
        let look_below = target > self.floor;
        let (mut above, mut below) = (None::<Side>, None::<Side>);
        if let Some(c) = cursors.as_deref_mut()
            && c.len() != self.prefixes.len()
        {
            // Unset: each found by binary search on first use (`u32::MAX`).
            *c = vec![u32::MAX; self.prefixes.len()];
        }
        let (first, last) = (s[0], s[s.len() - 1]);
        for (k, &(p, pord)) in self.prefixes.iter().enumerate() {
            // Prefixes come in falling `p`: once one's best row cannot reach the target nor
            // improve on the best below, no later one can.
            let best_row = self.finish(p + first + tol);
            let below_done =
                !look_below || best_row < self.floor || below.is_some_and(|b: Side| best_row < b.u);
            if best_row < top && below_done {
                break;
            }
            // A prefix whose worst row is above the best found above, and that cannot improve
            // below, has nothing to add.
            if above.is_some_and(|a: Side| self.finish(p + last - tol) > a.u) && below_done {
                continue;
            }
            let sure = |e: usize| self.finish(p + s[e] - tol) >= top;
            // Rows before `lo` are at or above `top` for sure; rows from `hi` on are under it.
            let lo = match cursors.as_deref_mut() {
                Some(c) if c[k] != u32::MAX => {
                    let mut lo = c[k] as usize;
                    while lo < s.len() && sure(lo) {
                        lo += 1;
                    }
                    while lo > 0 && !sure(lo - 1) {
                        lo -= 1;
                    }
                    c[k] = lo as u32;
                    lo
                }
                c => {
                    let lo = s.partition_point(|&x| self.finish(p + x - tol) >= top);
                    if let Some(c) = c {
                        c[k] = lo as u32;
                    }
                    lo
                }
            };
            let mut hi = lo;
            while hi < s.len() && self.finish(p + s[hi] + tol) >= top {
                hi += 1;
            }
            let exact = |e: usize| {
                let mut x = p;
                let r = if self.lead.is_empty() {
                    e
                } else {
                    x += self.lead[e];
                    self.lead_row[e] as usize
                };
                for &t in &self.tail_terms[r * width..(r + 1) * width] {
                    x += t;
                }
                self.finish(x)
            };
            let base = pord * rows;
            // The lowest at or above: from `hi − 1` up the table (rising sums), while a row's
            // lower bound can still tie the best.
            for e in (0..hi).rev() {
                if above.is_some_and(|a: Side| self.finish(p + s[e] - tol) > a.u) {
                    break;
                }
                let u = exact(e);
                if u >= top {
                    Side::merge(&mut above, u, base + self.tail_ord[e], true);
                }
            }
            if !look_below {
                continue;
            }
            // The highest under the target: from `lo` down the table (falling sums).
            for e in lo..s.len() {
                let bound = self.finish(p + s[e] + tol);
                if bound < self.floor || below.is_some_and(|b: Side| bound < b.u) {
                    break;
                }
                let u = exact(e);
                if u < target && u >= self.floor {
                    Side::merge(&mut below, u, base + self.tail_ord[e], false);
                }
            }
        }
        Bracket { above, below }
    }

    /// The value indices of the outcome with odometer ordinal `ord` over `allowed`.
    fn decode(allowed: &[Vec<u32>], ord: u32, out: &mut [u32]) {
        let mut rem = ord as usize;
        for i in (0..allowed.len()).rev() {
            let a = &allowed[i];
            out[i] = a[rem % a.len()];
            rem /= a.len();
        }
    }
}

impl Additive {
    /// Counts the outcomes of utility at least `floor` (of `n_outcomes` in the space) in a
    /// histogram of narrow bins, fixed from the exact best and worst utilities, and merges
    /// consecutive bins into buckets of at least [`ADDITIVE_BUCKET`] outcomes:
    /// `(starts, lowest, highest)` of the non-empty buckets, best first. Stores nothing per
    /// outcome. The bin of a utility is a monotone function of it (floating-point
    /// subtraction, multiplication and truncation are monotone), so a higher utility never
    /// lands in a later bucket and equal utilities share one.
    fn count(&self) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
        let (floor, n_outcomes) = (self.floor, self.n_outcomes);
        let hi = self.extreme(true);
        let lo = self.extreme(false).max(floor);
        let n_bins = usize::try_from(n_outcomes / OUTCOMES_PER_BIN)
            .unwrap_or(usize::MAX)
            .max(1);
        let scale = if hi > lo {
            n_bins as f64 / (hi - lo)
        } else {
            0.0
        };
        let mut count = vec![0u32; n_bins];
        let mut mins = vec![f64::INFINITY; n_bins];
        let mut maxs = vec![f64::NEG_INFINITY; n_bins];
        self.each_above(0, self.zero, floor, &mut |u| {
            let b = (((hi - u) * scale) as usize).min(n_bins - 1);
            count[b] += 1;
            mins[b] = mins[b].min(u);
            maxs[b] = maxs[b].max(u);
        });
        let (mut starts, mut lowest, mut highest) = (vec![0usize], Vec::new(), Vec::new());
        let (mut acc, mut at, mut top, mut bottom) = (0u32, 0usize, f64::NAN, f64::NAN);
        let mut close = |acc: u32, top: f64, bottom: f64| {
            at += acc as usize;
            starts.push(at);
            highest.push(top);
            lowest.push(bottom);
        };
        for b in 0..n_bins {
            if count[b] == 0 {
                continue;
            }
            if acc == 0 {
                top = maxs[b];
            }
            acc += count[b];
            bottom = mins[b];
            if acc >= ADDITIVE_BUCKET {
                close(acc, top, bottom);
                acc = 0;
            }
        }
        if acc > 0 {
            close(acc, top, bottom);
        }
        (starts, lowest, highest)
    }
}

/// Groups entries (indices into `utils`) into buckets of about [`BUCKET_SIZE`] by utility,
/// best first, dropping empty buckets: `(starts, grouped, bucket_min)` as [`BidSpace`] keeps
/// them. The bucket of a utility is a monotone function of it (floating-point subtraction,
/// multiplication and truncation are monotone), so a higher utility never lands in a later
/// bucket and equal utilities share one.
fn buckets(utils: &[f64]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let n = utils.len();
    if n == 0 {
        return (vec![0], Vec::new(), Vec::new());
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &u in utils {
        lo = lo.min(u);
        hi = hi.max(u);
    }
    let n_buckets = (n / BUCKET_SIZE).max(1);
    let finite = lo.is_finite() && hi.is_finite() && utils.iter().all(|u| u.is_finite());
    let scale = if finite && hi > lo {
        n_buckets as f64 / (hi - lo)
    } else {
        0.0
    };
    let bucket_of = |u: f64| (((hi - u) * scale) as usize).min(n_buckets - 1);
    let mut count = vec![0usize; n_buckets];
    let mut mins = vec![f64::INFINITY; n_buckets];
    // Each entry's bucket, computed once for both passes.
    let mut of: Vec<u32> = Vec::with_capacity(n);
    for &u in utils {
        let b = bucket_of(u);
        of.push(b as u32);
        count[b] += 1;
        mins[b] = mins[b].min(u);
    }
    // Non-empty buckets only, renumbered best first.
    let mut id = vec![usize::MAX; n_buckets];
    let mut starts = Vec::new();
    let mut bucket_min = Vec::new();
    let mut at = 0usize;
    for b in 0..n_buckets {
        if count[b] > 0 {
            id[b] = starts.len();
            starts.push(at);
            bucket_min.push(mins[b]);
            at += count[b];
        }
    }
    starts.push(at);
    let mut fill: Vec<usize> = starts[..starts.len() - 1].to_vec();
    let mut grouped = vec![0u32; n];
    for (e, &raw) in of.iter().enumerate() {
        let b = id[raw as usize];
        grouped[fill[b]] = e as u32;
        fill[b] += 1;
    }
    (starts, grouped, bucket_min)
}

impl std::fmt::Debug for BidSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BidSpace")
            .field("len", &self.len())
            .field("exhaustive", &self.exhaustive)
            .finish_non_exhaustive()
    }
}

impl BidSpace {
    /// Builds a bid of own utility at least `target` that the others, as `model` sees them,
    /// like as much as possible, without enumerating anything.
    ///
    /// Utilities are additive, so for a price λ on own utility the best outcome under
    /// `score + λ·utility` is chosen issue by issue; a bisection finds the smallest λ whose
    /// outcome reaches `target` (a Lagrangian relaxation of the multiple-choice knapsack), and
    /// single-issue swaps that keep the target then improve the score. `None` when even one's
    /// best outcome misses `target` or the model has seen no offer.
    ///
    /// Linked preferences (interaction terms, conditional red lines) over a space too large to
    /// list: a bid of utility at least `target`, as low as a budgeted branch and bound finds,
    /// and among those within [`super::LINKED_WINDOW`] the one `model` scores highest
    /// ([`super::LinkedBidSearch::at_least`]), also before the model has seen an offer.
    pub fn construct(&self, target: f64, model: &OpponentModel) -> Option<(Outcome, f64)> {
        if let Some(search) = &self.linked_search {
            let b = search.at_least(
                target,
                Some(model),
                super::LINKED_WINDOW,
                super::LINKED_SEARCH_NODES,
            )?;
            return Some((b.outcome, b.utility));
        }
        if self.linked || model.n_observed == 0 || self.allowed.iter().any(Vec::is_empty) {
            return None;
        }
        self.construct_in(&self.allowed, target, model)
    }

    fn construct_in(
        &self,
        allowed: &[Vec<u32>],
        target: f64,
        model: &OpponentModel,
    ) -> Option<(Outcome, f64)> {
        let utility = |o: &[u32]| -> f64 {
            let raw: f64 = o
                .iter()
                .enumerate()
                .map(|(i, &v)| self.terms[i][v as usize])
                .sum();
            if self.clip { raw.min(1.0) } else { raw }
        };
        let pick = |lambda: f64| -> Vec<u32> {
            (0..self.n_issues)
                .map(|i| {
                    let mut best = allowed[i][0];
                    let mut best_val = f64::NEG_INFINITY;
                    for &v in &allowed[i] {
                        let x = model.value_score(i, v) + lambda * self.terms[i][v as usize];
                        if x > best_val + TIE_EPS {
                            best = v;
                            best_val = x;
                        }
                    }
                    best
                })
                .collect()
        };
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        while utility(&pick(hi)) < target - TIE_EPS {
            hi *= 4.0;
            if hi > 1e12 {
                return None;
            }
        }
        if utility(&pick(lo)) < target - TIE_EPS {
            for _ in 0..50 {
                let mid = 0.5 * (lo + hi);
                if utility(&pick(mid)) >= target - TIE_EPS {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
        } else {
            hi = lo;
        }
        let mut o = pick(hi);
        // Greedy repair: take any swap that raises the others' score and keeps the target.
        let mut improved = true;
        while improved {
            improved = false;
            for i in 0..self.n_issues {
                for &v in &allowed[i] {
                    if model.value_score(i, v) > model.value_score(i, o[i]) + TIE_EPS {
                        let old = o[i];
                        o[i] = v;
                        if utility(&o) >= target - TIE_EPS {
                            improved = true;
                        } else {
                            o[i] = old;
                        }
                    }
                }
            }
        }
        let u = utility(&o);
        Some((Outcome::new(o), u))
    }
}

/// Frequency-based model of what the other parties want.
pub struct OpponentModel {
    counts: Vec<Vec<u32>>,
    /// How often each issue's value stayed the same between an opponent's consecutive offers.
    stability: Vec<u32>,
    last: Vec<Option<Outcome>>,
    /// Per party (empty until it offers): which values it has offered.
    offered: Vec<Vec<Vec<bool>>>,
    n_observed: u32,
    /// Per issue and value, the frequency share of [`Self::score`]; refreshed on each offer
    /// observed, so scoring a bid is a few lookups.
    freq: Vec<Vec<f64>>,
    /// Per issue and value, [`Self::value_score`]; refreshed with `freq`.
    value: Vec<Vec<f64>>,
}

impl OpponentModel {
    /// An empty model for `n_parties` parties over `space`.
    pub fn new(space: &OutcomeSpace, n_parties: usize) -> OpponentModel {
        let zeros: Vec<Vec<f64>> = space
            .issues()
            .iter()
            .map(|i| vec![0.0; i.n_values() as usize])
            .collect();
        OpponentModel {
            counts: space
                .issues()
                .iter()
                .map(|i| vec![0; i.n_values() as usize])
                .collect(),
            stability: vec![0; space.issues().len()],
            last: vec![None; n_parties],
            offered: vec![Vec::new(); n_parties],
            n_observed: 0,
            freq: zeros.clone(),
            value: zeros,
        }
    }

    /// Records an offer made by party `by`.
    pub fn observe(&mut self, by: usize, offer: &Outcome) {
        for (i, &v) in offer.indices().iter().enumerate() {
            self.counts[i][v as usize] += 1;
        }
        if let Some(prev) = &self.last[by] {
            for (i, (&a, &b)) in prev.indices().iter().zip(offer.indices()).enumerate() {
                if a == b {
                    self.stability[i] += 1;
                }
            }
        }
        if self.offered[by].is_empty() {
            self.offered[by] = self.counts.iter().map(|c| vec![false; c.len()]).collect();
        }
        for (i, &v) in offer.indices().iter().enumerate() {
            self.offered[by][i][v as usize] = true;
        }
        self.last[by] = Some(offer.clone());
        self.n_observed += 1;
        self.refresh();
    }

    /// Recomputes the per-value tables from the counts.
    fn refresh(&mut self) {
        let total_w: f64 = self.stability.iter().map(|&s| 1.0 + f64::from(s)).sum();
        for i in 0..self.counts.len() {
            let max = self.counts[i].iter().copied().max().unwrap_or(0);
            for v in 0..self.counts[i].len() {
                let coverage = self.coverage(i, v);
                if max == 0 {
                    self.freq[i][v] = 0.0;
                    self.value[i][v] = coverage;
                } else {
                    let f = (1.0 + f64::from(self.stability[i])) / total_w
                        * f64::from(self.counts[i][v])
                        / f64::from(max);
                    self.freq[i][v] = f;
                    self.value[i][v] = coverage + f;
                }
            }
        }
    }

    /// For each other party that has made offers: 1 when it has offered value `v` of issue `i`
    /// itself, otherwise up to ½ by how close `v` lies (in the issue's value order) to the
    /// nearest value it did offer; averaged over those parties.
    fn coverage(&self, i: usize, v: usize) -> f64 {
        let mut sum = 0.0;
        let mut n_seen = 0usize;
        for offered in self.offered.iter().filter(|o| !o.is_empty()) {
            n_seen += 1;
            let row = &offered[i];
            if row[v] {
                sum += 1.0;
                continue;
            }
            let n = row.len();
            let nearest = row
                .iter()
                .enumerate()
                .filter(|(_, o)| **o)
                .map(|(k, _)| k.abs_diff(v))
                .min();
            if let (Some(d), true) = (nearest, n > 1) {
                sum += 0.5 * (1.0 - d as f64 / (n - 1) as f64);
            }
        }
        if n_seen == 0 {
            0.0
        } else {
            sum / n_seen as f64
        }
    }

    /// How many offers of the others the model has seen.
    pub fn n_observed(&self) -> u32 {
        self.n_observed
    }

    /// Estimated appeal to the others of value `v` of issue `i`, for building bids: the
    /// coverage (a value far from anything another party ever proposed may cross one of its
    /// red lines) plus the value's frequency share of [`Self::score`].
    pub fn value_score(&self, i: usize, v: u32) -> f64 {
        self.value[i][v as usize]
    }

    /// Estimated appeal of an outcome to the others, in [0, 1].
    pub fn score(&self, values: &[u32]) -> f64 {
        let mut s = 0.0;
        for (i, &v) in values.iter().enumerate() {
            s += self.freq[i][v as usize];
        }
        s
    }
}

/// Lists every outcome of `allowed` that `prefs` accepts (reservation value, linked terms and
/// conditional red lines included), pushing its utility to `utils_all` and its odometer
/// ordinal to `ordinals` (no allocation per outcome).
fn enumerate_listed(
    prefs: &Preferences,
    allowed: &[Vec<u32>],
    utils_all: &mut Vec<f64>,
    ordinals: &mut Vec<u32>,
) {
    let n_issues = allowed.len();
    let terms = prefs.ufun().terms();
    let linked = prefs.is_linked();
    let r = prefs.reservation();
    // Enumerate, keeping each listed outcome's ordinal (no allocation per outcome). The
    // raw utility is the left fold `Iterator::sum` computes (same start, same order, so
    // the same bits), kept as prefix sums: `partial[i]` sums the terms of issues 0..=i,
    // and a step of the odometer redoes only the issues it moved.
    let zero: f64 = std::iter::empty::<f64>().sum();
    // The term of each allowed value, in odometer order.
    let aterms: Vec<Vec<f64>> = allowed
        .iter()
        .zip(terms)
        .map(|(a, t)| a.iter().map(|&v| t[v as usize]).collect())
        .collect();
    let mut cur = vec![0u32; n_issues];
    let mut idx = vec![0usize; n_issues];
    let mut partial = vec![0.0f64; n_issues];
    // The first issue whose value changed since the last outcome.
    let mut from = 0usize;
    let mut ordinal = 0u32;
    let floor = r - TIE_EPS;
    'outer: loop {
        for i in from..n_issues {
            let before = if i == 0 { zero } else { partial[i - 1] };
            partial[i] = before + aterms[i][idx[i]];
        }
        let raw: f64 = partial[n_issues - 1];
        let listed = if linked {
            for i in from..n_issues {
                cur[i] = allowed[i][idx[i]];
            }
            let u = prefs.ufun().finish(raw + prefs.ufun().link_value(&cur));
            (u >= floor && !prefs.red_lines().violated_by_indices(&cur)).then_some(u)
        } else {
            let u = prefs.ufun().finish(raw);
            (u >= floor).then_some(u)
        };
        if let Some(u) = listed {
            utils_all.push(u);
            ordinals.push(ordinal);
        }
        ordinal += 1;
        match odometer_step(&mut idx, |i| allowed[i].len()) {
            Some(i) => from = i,
            None => break 'outer,
        }
    }
}

/// Moves an odometer over `idx` one step (the last position fastest, position `i` counting up
/// to `len(i)`): the first position it changed (every later one went back to 0), or `None`
/// once it has gone all the way round.
#[inline]
fn odometer_step(idx: &mut [usize], len: impl Fn(usize) -> usize) -> Option<usize> {
    for i in (0..idx.len()).rev() {
        idx[i] += 1;
        if idx[i] < len(i) {
            return Some(i);
        }
        idx[i] = 0;
    }
    None
}

/// Samples acceptable outcomes of a space too large to list: the best outcome (from the linked
/// bid search where there is one) and `SAMPLE_SIZE` perturbations of it, pushing each distinct
/// acceptable one to `utils_all` and `flat_all`.
fn sample_listed(
    prefs: &Preferences,
    allowed: &[Vec<u32>],
    linked_search: Option<&super::linked_bids::LinkedBidSearch>,
    rng: &mut ChaCha8Rng,
    utils_all: &mut Vec<f64>,
    flat_all: &mut Vec<u32>,
) {
    let n_issues = allowed.len();
    let terms = prefs.ufun().terms();
    let r = prefs.reservation();
    // Linked: the bid search's best outcome (an exact branch and bound over 10⁴⁰
    // outcomes need not finish).
    let best = match &linked_search {
        Some(search) => Outcome::new(
            search
                .top()
                .map_or_else(|| vec![0; n_issues], |(_, o)| o.to_vec()),
        ),
        None => prefs.ufun().best_outcome(),
    };
    // The best outcome that respects one's own red lines.
    let best: Vec<u32> = (0..n_issues)
        .map(|i| {
            let mut b = allowed[i][0];
            for &v in &allowed[i] {
                if terms[i][v as usize] > terms[i][b as usize] {
                    b = v;
                }
            }
            if prefs.red_lines().forbids(i, best.get(i)) {
                b
            } else {
                best.get(i)
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let u = prefs.ufun().eval(&Outcome::new(best.clone()));
    if u >= r - TIE_EPS && !prefs.red_lines().violated_by_indices(&best) {
        seen.insert(best.clone());
        utils_all.push(u);
        flat_all.extend_from_slice(&best);
    }
    for k in 0..SAMPLE_SIZE {
        // Perturb the best outcome on a random number of issues: low k stays close to
        // the top, high k wanders further down.
        let frac = (k as f64 + 1.0) / SAMPLE_SIZE as f64;
        let mut o = best.clone();
        for i in 0..n_issues {
            if rng.random_bool(frac.min(1.0)) {
                o[i] = allowed[i][rng.random_range(0..allowed[i].len())];
            }
        }
        let u = prefs.ufun().eval(&Outcome::new(o.clone()));
        if u >= r - TIE_EPS && !prefs.red_lines().violated_by_indices(&o) && seen.insert(o.clone())
        {
            utils_all.push(u);
            flat_all.extend_from_slice(&o);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::{prop, prop_assert, prop_assert_eq, proptest};

    use super::*;
    use crate::outcome::Issue;
    use crate::preferences::{RedLines, UtilityFunction, ValueFunction};

    /// Every outcome of `space` with its utility, acceptable ones only, sorted as the list is
    /// (utility descending, then outcome): the eager sort the lazy buckets must reproduce.
    fn brute(space: &OutcomeSpace, prefs: &Preferences) -> Vec<(f64, Vec<u32>)> {
        let sizes: Vec<u32> = space.issues().iter().map(|i| i.n_values()).collect();
        let mut out = Vec::new();
        let mut cur = vec![0u32; sizes.len()];
        'outer: loop {
            let o = Outcome::new(cur.clone());
            if prefs.is_acceptable(&o) {
                out.push((prefs.utility(&o), cur.clone()));
            }
            for i in (0..sizes.len()).rev() {
                cur[i] += 1;
                if cur[i] < sizes[i] {
                    continue 'outer;
                }
                cur[i] = 0;
            }
            break;
        }
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        out
    }

    /// A space of `sizes[i]` values per issue, named `i0`, `i1`, ... and `v0`, `v1`, ....
    fn space_of(sizes: &[u32]) -> OutcomeSpace {
        let issues: Vec<Issue> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                Issue::discrete(format!("i{i}"), (0..n).map(|v| format!("v{v}")).collect()).unwrap()
            })
            .collect();
        OutcomeSpace::new(issues).unwrap()
    }

    /// `BidSpace::nearest` as it read on a fully sorted list of utilities.
    fn nearest_eager(utils: &[f64], target: f64) -> Option<usize> {
        if utils.is_empty() {
            return None;
        }
        let k = utils.partition_point(|&u| u >= target);
        if k == 0 {
            return Some(0);
        }
        if k == utils.len() {
            return Some(k - 1);
        }
        let above = utils[k - 1] - target;
        let below = target - utils[k];
        let first_of = |u: f64| utils.partition_point(|&x| x > u);
        Some(if below < above - TIE_EPS {
            first_of(utils[k])
        } else {
            first_of(utils[k - 1])
        })
    }

    /// `BidSpace::bid_near` as it read on a fully sorted list.
    fn bid_near_eager(
        list: &[(f64, Vec<u32>)],
        target: f64,
        window: f64,
        model: Option<&OpponentModel>,
    ) -> Option<usize> {
        if list.is_empty() {
            return None;
        }
        let n_ok = list.partition_point(|e| e.0 >= target - TIE_EPS);
        if n_ok == 0 {
            return Some(0);
        }
        let floor = list[n_ok - 1].0;
        let lo = list.partition_point(|e| e.0 > floor + window);
        let Some(model) = model.filter(|m| m.n_observed > 0) else {
            return Some(n_ok - 1);
        };
        let (mut best, mut best_score) = (n_ok - 1, f64::MIN);
        for k in (lo..n_ok).rev() {
            let s = model.score(&list[k].1);
            if s > best_score + TIE_EPS {
                best = k;
                best_score = s;
            }
        }
        Some(best)
    }

    proptest! {
        #![proptest_config(crate::proptest_config(200))]

        /// The lazily sorted list equals the eager sort entry by entry, and every search
        /// (nearest, bid_near with and without a model) returns the same position, on coarse
        /// grids where ties in utility are frequent.
        #[test]
        fn lazy_buckets_equal_the_full_sort(
            sizes in prop::collection::vec(1u32..7, 1..5),
            weights in prop::collection::vec(0u32..4, 4),
            grid in prop::collection::vec(0u32..5, 24),
            reservation in 0u32..5,
            offers in prop::collection::vec(prop::collection::vec(0u32..7, 4), 0..4),
            targets in prop::collection::vec(0u32..41, 1..12),
            window in 0u32..4,
        ) {
            let k = sizes.len();
            let space = space_of(&sizes);
            let mut w: Vec<f64> = weights[..k].iter().map(|&x| f64::from(x)).collect();
            if w.iter().all(|&x| x == 0.0) {
                w[0] = 1.0;
            }
            let values: Vec<Option<ValueFunction>> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    Some(ValueFunction::Table(
                        (0..n as usize).map(|v| f64::from(grid[(i * 6 + v) % 24]) / 4.0).collect(),
                    ))
                })
                .collect();
            let u = UtilityFunction::weighted_sum(&space, "p", &w, &values).unwrap();
            let prefs =
                Preferences::new(u, f64::from(reservation) / 5.0, RedLines::none(k), 1.0).unwrap();
            let bids = BidSpace::for_preferences(&space, &prefs);
            let list = brute(&space, &prefs);
            prop_assert_eq!(bids.len(), list.len());
            for (p, (u, o)) in list.iter().enumerate() {
                prop_assert_eq!(bids.utility(p).to_bits(), u.to_bits());
                let listed = bids.outcome(p);
                prop_assert_eq!(listed.indices(), o.as_slice());
                prop_assert_eq!(bids.values(p), o.as_slice());
            }
            prop_assert_eq!(bids.max_utility(), list.first().map(|e| e.0));
            prop_assert_eq!(bids.min_utility(), list.last().map(|e| e.0));
            let mut model = OpponentModel::new(&space, 2);
            for o in &offers {
                let o: Vec<u32> = o[..k].iter().zip(&sizes).map(|(&v, &n)| v % n).collect();
                model.observe(1, &Outcome::new(o));
            }
            let utils: Vec<f64> = list.iter().map(|e| e.0).collect();
            let window = f64::from(window) / 10.0;
            for &t in &targets {
                // Targets on and between the grid's utilities, and beyond both ends.
                let target = f64::from(t) / 40.0 * 1.2 - 0.1;
                // A fresh space for each search, so that each sorts its own buckets.
                let fresh = BidSpace::for_preferences(&space, &prefs);
                prop_assert_eq!(fresh.nearest(target), nearest_eager(&utils, target));
                let fresh = BidSpace::for_preferences(&space, &prefs);
                prop_assert_eq!(
                    fresh.bid_near(target, window, Some(&model)),
                    bid_near_eager(&list, target, window, Some(&model))
                );
                prop_assert_eq!(
                    bids.bid_near(target, 0.0, None),
                    bid_near_eager(&list, target, 0.0, None)
                );
            }
        }
    }

    proptest! {
        #![proptest_config(crate::proptest_config(300))]

        /// An additive space listed on demand (counted at set-up, each bucket listed by the
        /// branch and bound on its first read, in any order) equals the list made at set-up by
        /// enumeration, position by position (utility bits and outcome), and the brute-force
        /// sort: with red lines, reservation values, the clip at 1, negative terms, and terms
        /// from a coarse grid (many ties) or not.
        #[test]
        fn listing_on_demand_equals_the_enumeration(
            sizes in prop::collection::vec(1u32..7, 1..6),
            raw in prop::collection::vec((0u32..3, 0u32..9, -1.0f64..2.0), 36),
            forbid in prop::collection::vec(0u32..9, 36),
            reservation in -0.5f64..1.5,
            clip in prop::bool::ANY,
            reads in prop::collection::vec(0usize..100_000, 0..8),
        ) {
            let k = sizes.len();
            let space = space_of(&sizes);
            // Per value: a grid term (ties), a grid term scaled by a float weight (ties up to
            // rounding), or any float.
            let terms: Vec<Vec<f64>> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    (0..n as usize)
                        .map(|v| {
                            let (kind, g, x) = raw[i * 6 + v];
                            match kind {
                                0 => f64::from(g) / 8.0,
                                1 => f64::from(g) / 8.0 * (0.1 + i as f64 / 7.0),
                                _ => x / k as f64,
                            }
                        })
                        .collect()
                })
                .collect();
            let u = UtilityFunction::from_terms(&space, terms, clip).unwrap();
            let mut red = RedLines::none(k);
            for (i, &n) in sizes.iter().enumerate() {
                for v in 0..n {
                    // About one value in nine forbidden.
                    if forbid[i * 6 + v as usize] == 0 {
                        red.forbid(i, v);
                    }
                }
            }
            let prefs = Preferences::new(u, reservation, red, 1.0).unwrap();
            let mut r = crate::rng::rng(0);
            let lazy = BidSpace::build(&space, &prefs, &mut r, true);
            let eager = BidSpace::build(&space, &prefs, &mut r, false);
            prop_assert_eq!(
                matches!(lazy.source, Source::Additive(_)),
                !eager.allowed.iter().any(Vec::is_empty)
            );
            let list = brute(&space, &prefs);
            prop_assert_eq!(lazy.len(), eager.len());
            prop_assert_eq!(lazy.len(), list.len());
            // Buckets first read in a scrambled order, then every position.
            for &p in &reads {
                if !lazy.is_empty() {
                    let p = p % lazy.len();
                    prop_assert_eq!(lazy.utility(p).to_bits(), eager.utility(p).to_bits());
                }
            }
            for (p, (u, o)) in list.iter().enumerate() {
                prop_assert_eq!(lazy.utility(p).to_bits(), eager.utility(p).to_bits());
                prop_assert_eq!(lazy.utility(p).to_bits(), u.to_bits());
                prop_assert_eq!(lazy.values(p), eager.values(p));
                prop_assert_eq!(lazy.values(p), o.as_slice());
            }
            prop_assert_eq!(lazy.min_utility(), eager.min_utility());
            prop_assert_eq!(lazy.max_utility(), eager.max_utility());
            // The searches by utility, on a space never counted: the same bids as the list's
            // positions give, searched afresh (`alone`) and through one memo (`memo`) over
            // falling targets then scrambled ones.
            let fresh = BidSpace::build(&space, &prefs, &mut r, true);
            prop_assert_eq!(fresh.is_empty(), eager.is_empty());
            prop_assert_eq!(fresh.min_utility(), eager.min_utility());
            prop_assert_eq!(fresh.max_utility(), eager.max_utility());
            let at = |k: Option<usize>| k.map(|k| (eager.values(k).to_vec(), eager.utility(k).to_bits()));
            let bits = |b: Option<(Outcome, f64)>| b.map(|(o, u)| (o.indices().to_vec(), u.to_bits()));
            let memo = RefCell::new(Near::default());
            let mut targets: Vec<f64> = (-2..14).rev().map(|t| f64::from(t) / 10.0).collect();
            targets.extend(list.iter().map(|e| e.0));
            targets.extend(list.iter().map(|e| e.0 + TIE_EPS));
            targets.extend(reads.iter().map(|&x| (x % 1600) as f64 / 1000.0 - 0.3));
            for &target in &targets {
                let alone = RefCell::new(Near::default());
                prop_assert_eq!(bits(fresh.nearest_bid(target, &alone)), at(eager.nearest(target)));
                prop_assert_eq!(bits(fresh.nearest_bid(target, &memo)), at(eager.nearest(target)));
                let want = at(eager.bid_near(target, 0.0, None));
                prop_assert_eq!(bits(fresh.lowest_above_bid(target, &alone)), want.clone());
                prop_assert_eq!(bits(fresh.lowest_above_bid(target, &memo)), want);
            }
            if let Source::Additive(add) = &fresh.source
                && !add.signed_zero
            {
                prop_assert!(fresh.positions.get().is_none(), "a search by utility counted the space");
            }
            for t in -2..14 {
                let target = f64::from(t) / 10.0;
                let fresh = BidSpace::build(&space, &prefs, &mut r, true);
                prop_assert_eq!(fresh.nearest(target), eager.nearest(target));
                let fresh = BidSpace::build(&space, &prefs, &mut r, true);
                prop_assert_eq!(fresh.bid_near(target, 0.0, None), eager.bid_near(target, 0.0, None));
            }
        }
    }
}
