//! Seeds and random number generators.
//!
//! Every random choice in detente comes from a [`ChaCha8Rng`] seeded from the user's seed and a
//! key that names what it is for (a negotiator's index, a tournament's negotiation key), so runs
//! are reproducible bit for bit and independent of thread scheduling. Nothing uses an
//! OS-seeded generator.

use rand::SeedableRng;
pub use rand::rngs::ChaCha8Rng;

/// Mixes a base seed with a key into a new seed (SplitMix64 finaliser over each word).
pub fn derive_seed(base: u64, key: &[u64]) -> u64 {
    let mut h = splitmix(base ^ 0x6a09_e667_f3bc_c908);
    for &k in key {
        h = splitmix(h ^ splitmix(k.wrapping_add(0x9e37_79b9_7f4a_7c15)));
    }
    h
}

/// A generator for `seed`.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_give_distinct_seeds() {
        assert_ne!(derive_seed(1, &[0]), derive_seed(1, &[1]));
        assert_ne!(derive_seed(1, &[0, 1]), derive_seed(1, &[1, 0]));
        assert_eq!(derive_seed(42, &[3, 4]), derive_seed(42, &[3, 4]));
    }
}
