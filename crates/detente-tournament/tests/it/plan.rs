//! The plan: how many negotiations, who plays which role, sampling and sharding.

use std::collections::{BTreeMap, BTreeSet};

use detente_tournament::{Assignment, Shard, TournamentConfig};

use crate::util::{haggle, players, tournament, trio};

#[test]
fn the_anchor_tournament_has_288_negotiations() {
    // 4 strategies, 3 bilateral scenarios, self-play, both role rotations, 3 repetitions:
    // 4² ordered pairs × 2 rotations × 3 reps × 3 scenarios.
    let mut s2 = haggle();
    s2.name = "haggle-2".into();
    let mut s3 = haggle();
    s3.name = "haggle-3".into();
    let t = tournament(
        vec![haggle(), s2, s3],
        players(&["boulware", "conceder", "tit-for-tat", "micro"]),
        TournamentConfig {
            reps: 3,
            ..TournamentConfig::default()
        },
    );
    assert_eq!(t.n_negotiations(), 288);
}

#[test]
fn every_strategy_plays_every_role_at_every_position_equally_often() {
    let t = tournament(
        vec![trio()],
        players(&["boulware", "conceder"]),
        TournamentConfig::default(),
    );
    // 2³ tuples × 3 rotations.
    assert_eq!(t.n_negotiations(), 24);
    let mut role = BTreeMap::new();
    let mut position = BTreeMap::new();
    let mut codes = BTreeSet::new();
    for id in 0..t.n_negotiations() {
        let key = t.key(id).unwrap();
        assert!(codes.insert(key.assignment), "assignment {key:?} twice");
        let a = t.assignment(&key);
        for (j, &p) in a.players.iter().enumerate() {
            *role.entry((p, a.party_at(j))).or_insert(0) += 1;
            *position.entry((p, j)).or_insert(0) += 1;
        }
    }
    // Each (strategy, party) pair: 24 negotiations × 3 seats / (2 strategies × 3 parties).
    assert_eq!(role.len(), 6);
    assert!(role.values().all(|&n| n == 12), "{role:?}");
    assert!(position.values().all(|&n| n == 12), "{position:?}");
    assert_eq!(t.key(24), None);
}

#[test]
fn rotation_moves_every_party_to_the_first_seat() {
    let a = Assignment::decode(2, 2, 3);
    assert_eq!(a.rotation, 2);
    assert_eq!(a.parties(), vec![2, 0, 1]);
}

#[test]
fn large_n_party_tournaments_are_sampled_reproducibly() {
    let config = TournamentConfig {
        max_assignments: 10,
        reps: 2,
        ..TournamentConfig::default()
    };
    let t = tournament(
        vec![trio(), haggle()],
        players(&["boulware", "conceder", "linear"]),
        config.clone(),
    );
    let d = t.describe();
    assert_eq!(d.scenarios[0].n_possible, 81);
    assert_eq!(d.scenarios[0].n_assignments, 10);
    // The bilateral scenario has 3² × 2 = 18 assignments, above the cap too.
    assert_eq!(d.scenarios[1].n_possible, 18);
    assert_eq!(d.scenarios[1].n_assignments, 10);
    assert_eq!(t.n_negotiations(), 40);
    let keys: Vec<_> = (0..40).map(|id| t.key(id).unwrap()).collect();
    let distinct: BTreeSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), 40);
    assert!(keys.iter().all(|k| k.assignment < 81));
    let again = tournament(
        vec![trio(), haggle()],
        players(&["boulware", "conceder", "linear"]),
        config.clone(),
    );
    assert_eq!(
        keys,
        (0..40).map(|id| again.key(id).unwrap()).collect::<Vec<_>>()
    );
    let other_seed = tournament(
        vec![trio(), haggle()],
        players(&["boulware", "conceder", "linear"]),
        TournamentConfig { seed: 1, ..config },
    );
    assert_ne!(
        keys,
        (0..40)
            .map(|id| other_seed.key(id).unwrap())
            .collect::<Vec<_>>()
    );
}

#[test]
fn shard_sizes_add_up() {
    for total in [0, 1, 7, 288] {
        let sum: u64 = (0..5).map(|i| Shard::new(i, 5).unwrap().size(total)).sum();
        assert_eq!(sum, total);
    }
    assert_eq!("1/4".parse::<Shard>().unwrap().to_string(), "1/4");
    let e = "4/4".parse::<Shard>().unwrap_err().to_string();
    assert_eq!(
        e,
        "bad shard '4/4': expected I/N with 0 <= I < N (e.g. 0/4)"
    );
}

#[test]
fn bad_configurations_are_refused_with_clear_messages() {
    use detente_tournament::{ScenarioEntry, Tournament};
    let err = |scenarios: Vec<ScenarioEntry>, names: &[&str], config: TournamentConfig| {
        Tournament::new(scenarios, players(names), config)
            .unwrap_err()
            .to_string()
    };
    let h = || vec![ScenarioEntry::new(haggle())];
    assert_eq!(
        err(vec![], &["boulware"], TournamentConfig::default()),
        "a tournament needs at least one scenario"
    );
    assert_eq!(
        err(h(), &[], TournamentConfig::default()),
        "a tournament needs at least one strategy"
    );
    assert_eq!(
        err(h(), &["boulware", "boulware"], TournamentConfig::default()),
        "strategy 'boulware' is listed twice"
    );
    let zero_reps = TournamentConfig {
        reps: 0,
        ..TournamentConfig::default()
    };
    assert_eq!(
        err(h(), &["boulware"], zero_reps),
        "repetitions must be at least 1"
    );
    let solo = haggle().with_parties(&[0]).unwrap();
    assert_eq!(
        err(
            vec![ScenarioEntry::new(solo)],
            &["boulware"],
            TournamentConfig::default()
        ),
        "scenario 'haggle' has 1 party; a negotiation needs at least 2"
    );
}
