//! The negotiation plan: which negotiations a tournament holds and how they are numbered.
//!
//! For a scenario with `n` parties and a tournament of `k` strategies, an **assignment** is an
//! ordered `n`-tuple of strategies (repetition allowed, so self-play is included) plus a
//! **rotation** `r` in `0..n`: the strategy at position `j` (position = turn order in the
//! alternating offers protocol) plays the scenario's party `(j + r) mod n`. Rotating the roles
//! as well as permuting the strategies means every strategy plays every role both as first and
//! as later mover, which is what NegMAS' `rotate_ufuns` does: with 4 strategies on a bilateral
//! scenario that is 4² × 2 = 32 assignments.
//!
//! Assignments are numbered by a **code**: `rotation + n · Σⱼ players[j] · k^(n−1−j)`, so
//! codes enumerate tuples in lexicographic order with the rotation varying fastest. The code is
//! part of the negotiation's [`Key`] and of its seed, so it never depends on what else is in
//! the tournament.
//!
//! **Sampling.** When `kⁿ · n` exceeds [`TournamentConfig::max_assignments`](crate::TournamentConfig)
//! (many parties, many strategies), the scenario plays a uniform sample without replacement of
//! that many codes instead (Floyd's algorithm driven by `derive_seed(seed, [SAMPLE_KEY,
//! scenario_idx, …])`), sorted by code. Every strategy then plays every position and role
//! equally often in expectation, not exactly.
//!
//! **Numbering.** Negotiations are numbered `0..n_negotiations` scenario by scenario, then by
//! assignment, then (single-text tournaments) by mediator, then by repetition. The number (`id`) is the row id in the store; a shard `i/n`
//! takes the ids with `id mod n = i`, which spreads every scenario over all shards.
//!
//! Non-goals: choosing which strategies deserve more negotiations (adaptive designs).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use detente_core::rng::derive_seed;

use crate::error::{Error, ErrorKind};

/// The key that names one negotiation in a tournament, independent of thread count, shard and
/// run order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Index of the scenario in the tournament.
    pub scenario_idx: usize,
    /// Assignment code (see the module docs).
    pub assignment: u64,
    /// Repetition, from 0.
    pub rep: u32,
    /// Mediator index of a single-text tournament (0 under SAO). Every mediator plays the same
    /// assignment and repetition with the same seed.
    pub mediator: usize,
}

/// Which strategy plays at which position, and which party each position plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Role rotation: position `j` plays the scenario's party `(j + rotation) mod n`.
    pub rotation: usize,
    /// Player (strategy) index at each position.
    pub players: Vec<usize>,
}

impl Assignment {
    /// Decodes an assignment code for `n_players` strategies and `n_parties` parties.
    pub fn decode(code: u64, n_players: usize, n_parties: usize) -> Assignment {
        let n = n_parties as u64;
        let k = n_players as u64;
        let rotation = (code % n) as usize;
        let mut tuple = code / n;
        let mut players = vec![0; n_parties];
        for slot in players.iter_mut().rev() {
            *slot = (tuple % k) as usize;
            tuple /= k;
        }
        Assignment { rotation, players }
    }

    /// The code of this assignment for `n_players` strategies (see the module docs).
    pub fn encode(&self, n_players: usize) -> u64 {
        let k = n_players as u64;
        let tuple = self.players.iter().fold(0u64, |acc, &p| acc * k + p as u64);
        tuple * self.players.len() as u64 + self.rotation as u64
    }

    /// The scenario party played at `position`.
    pub fn party_at(&self, position: usize) -> usize {
        (position + self.rotation) % self.players.len()
    }

    /// The scenario party played at each position.
    pub fn parties(&self) -> Vec<usize> {
        (0..self.players.len()).map(|j| self.party_at(j)).collect()
    }
}

/// A deterministic slice of a tournament: the negotiations whose id is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// The whole tournament (`0/1`).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`.
    ///
    /// # Errors
    /// When `count` is 0 or `index >= count`.
    pub fn new(index: u32, count: u32) -> Result<Shard, Error> {
        if count == 0 || index >= count {
            return Err(Error::new(ErrorKind::BadShard {
                spec: format!("{index}/{count}"),
            }));
        }
        Ok(Shard { index, count })
    }

    /// The shard's index, from 0.
    pub fn index(self) -> u32 {
        self.index
    }

    /// The number of shards.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether negotiation `id` belongs to this shard.
    pub fn contains(self, id: u64) -> bool {
        id % u64::from(self.count) == u64::from(self.index)
    }

    /// How many of the ids `0..total` belong to this shard.
    pub fn size(self, total: u64) -> u64 {
        let (c, i) = (u64::from(self.count), u64::from(self.index));
        total / c + u64::from(total % c > i)
    }
}

impl Default for Shard {
    fn default() -> Shard {
        Shard::ALL
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = Error;

    /// Parses `I/N`, e.g. `0/4`.
    fn from_str(s: &str) -> Result<Shard, Error> {
        let bad = || {
            Error::new(ErrorKind::BadShard {
                spec: s.to_string(),
            })
        };
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n).map_err(|_| bad())
    }
}

/// A set of negotiation ids (a bit set), e.g. the negotiations already in a store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdSet {
    words: Vec<u64>,
    len: u64,
}

impl IdSet {
    /// An empty set.
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// Adds `id`; returns whether it was new.
    pub fn insert(&mut self, id: u64) -> bool {
        let (w, b) = ((id / 64) as usize, id % 64);
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        let new = self.words[w] & (1 << b) == 0;
        self.words[w] |= 1 << b;
        self.len += u64::from(new);
        new
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: u64) -> bool {
        self.words
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// The number of ids in the set.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl FromIterator<u64> for IdSet {
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> IdSet {
        let mut s = IdSet::new();
        for id in iter {
            s.insert(id);
        }
        s
    }
}

/// The assignments one scenario plays.
#[derive(Clone, Debug)]
pub(crate) enum Assignments {
    /// Every code in `0..n`.
    All(u64),
    /// A sorted sample of codes.
    Sampled(Vec<u64>),
}

impl Assignments {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Assignments::All(n) => *n,
            Assignments::Sampled(v) => v.len() as u64,
        }
    }

    fn code(&self, pos: u64) -> u64 {
        match self {
            Assignments::All(_) => pos,
            Assignments::Sampled(v) => v[pos as usize],
        }
    }
}

/// The plan of one scenario: where its ids start and which assignments it plays.
#[derive(Clone, Debug)]
pub(crate) struct ScenarioPlan {
    pub(crate) offset: u64,
    pub(crate) n_parties: usize,
    /// `kⁿ · n`, the number of assignments before sampling.
    pub(crate) n_possible: u64,
    pub(crate) assignments: Assignments,
}

/// Every negotiation of a tournament, numbered (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) scenarios: Vec<ScenarioPlan>,
    pub(crate) reps: u32,
    /// Mediators (1 under SAO).
    pub(crate) variants: u64,
    pub(crate) total: u64,
}

/// The first word of the sampling seed key, so sampling never shares a stream with a
/// negotiation seed.
const SAMPLE_KEY: u64 = 0x5341_4d50_4c45; // "SAMPLE"

impl Plan {
    /// Plans scenarios with the given party counts.
    pub(crate) fn new(
        party_counts: &[usize],
        n_players: usize,
        reps: u32,
        variants: u64,
        max_assignments: u64,
        seed: u64,
        names: &[String],
    ) -> Result<Plan, Error> {
        let too_large = |what: String| Error::new(ErrorKind::TooLarge { what });
        let mut scenarios = Vec::with_capacity(party_counts.len());
        let mut offset = 0u64;
        for (scenario_idx, &n) in party_counts.iter().enumerate() {
            let n_possible = u32::try_from(n)
                .ok()
                .and_then(|n32| (n_players as u64).checked_pow(n32))
                .and_then(|t| t.checked_mul(n as u64))
                .filter(|&t| t <= i64::MAX as u64)
                .ok_or_else(|| {
                    too_large(format!(
                        "{n_players}^{n} × {n} assignments on scenario '{}'",
                        names[scenario_idx]
                    ))
                })?;
            let assignments = if n_possible <= max_assignments {
                Assignments::All(n_possible)
            } else {
                Assignments::Sampled(sample(
                    n_possible,
                    max_assignments,
                    derive_seed(seed, &[SAMPLE_KEY, scenario_idx as u64]),
                ))
            };
            let count = assignments
                .len()
                .checked_mul(u64::from(reps))
                .and_then(|c| c.checked_mul(variants))
                .ok_or_else(|| too_large("negotiations".into()))?;
            scenarios.push(ScenarioPlan {
                offset,
                n_parties: n,
                n_possible,
                assignments,
            });
            offset = offset
                .checked_add(count)
                .filter(|&t| t <= i64::MAX as u64)
                .ok_or_else(|| too_large("negotiations".into()))?;
        }
        Ok(Plan {
            scenarios,
            reps,
            variants,
            total: offset,
        })
    }

    /// The key of negotiation `id`, if it is in the plan.
    pub(crate) fn key(&self, id: u64) -> Option<Key> {
        if id >= self.total {
            return None;
        }
        let scenario_idx = self.scenarios.partition_point(|s| s.offset <= id) - 1;
        let s = &self.scenarios[scenario_idx];
        let local = id - s.offset;
        let reps = u64::from(self.reps);
        let block = reps * self.variants;
        Some(Key {
            scenario_idx,
            assignment: s.assignments.code(local / block),
            rep: (local % reps) as u32,
            mediator: ((local % block) / reps) as usize,
        })
    }
}

/// `m` distinct codes in `0..n`, sorted (Floyd's algorithm), from a counter-based stream.
fn sample(n: u64, m: u64, seed: u64) -> Vec<u64> {
    let mut chosen = BTreeSet::new();
    for (draw, j) in (n - m..n).enumerate() {
        // Uniform in 0..=j by a 128-bit multiply; the bias is below 2⁻⁶⁴·j, far below any
        // effect on a tournament.
        let r = derive_seed(seed, &[draw as u64]);
        let t = ((u128::from(r) * (u128::from(j) + 1)) >> 64) as u64;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_enumerate_lexicographically() {
        let mut seen = Vec::new();
        for code in 0..(3u64.pow(3) * 3) {
            let a = Assignment::decode(code, 3, 3);
            assert_eq!(a.encode(3), code);
            seen.push((a.players.clone(), a.rotation));
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert_eq!(Assignment::decode(5, 4, 2).players, vec![0, 2]);
        assert_eq!(Assignment::decode(5, 4, 2).rotation, 1);
    }

    #[test]
    fn shards_partition_the_ids() {
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!(shard.size(10), 3);
        assert_eq!((0..10).filter(|&i| shard.contains(i)).count(), 3);
        assert!("3/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn samples_are_distinct_sorted_and_reproducible() {
        let s = sample(1000, 100, 7);
        assert_eq!(s.len(), 100);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(s.iter().all(|&c| c < 1000));
        assert_eq!(s, sample(1000, 100, 7));
        assert_ne!(s, sample(1000, 100, 8));
        assert_eq!(sample(5, 5, 1), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn id_set_counts_once() {
        let mut s = IdSet::new();
        assert!(s.insert(130));
        assert!(!s.insert(130));
        assert!(s.contains(130) && !s.contains(129) && !s.contains(10_000));
        assert_eq!(s.len(), 1);
    }
}
