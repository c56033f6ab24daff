//! Tests of the cell engine's internals (`rect`).

use proptest::prelude::*;

use super::{Table, eliminate};

/// `eliminate` by its definition: every entry of the sum over `vars` evaluated with
/// [`Table::eval`], then the last variable folded out.
fn eliminate_def(
    all: &[Table],
    members: &[usize],
    vars: &[usize],
    dims: &[usize],
    maximize: bool,
) -> Vec<f64> {
    let vdims: Vec<usize> = vars.iter().map(|&v| dims[v]).collect();
    let size: usize = vdims.iter().product();
    let mut sum = vec![0.0; size];
    let mut assign = vec![0u32; dims.len()];
    let mut at = vec![0usize; vars.len()];
    for s in sum.iter_mut() {
        for (j, &v) in vars.iter().enumerate() {
            assign[v] = at[j] as u32;
        }
        *s = members.iter().map(|&k| all[k].eval(&assign)).sum();
        for j in (0..vars.len()).rev() {
            at[j] += 1;
            if at[j] < vdims[j] {
                break;
            }
            at[j] = 0;
        }
    }
    let last = *vdims.last().unwrap_or(&1);
    sum.chunks(last)
        .map(|c| {
            let start = if maximize {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            c.iter()
                .fold(start, |a, &b| if maximize { a.max(b) } else { a.min(b) })
        })
        .collect()
}

proptest! {
    /// The odometer `eliminate` gives the definition's message bit for bit: tables over random
    /// subsets of up to 5 positions (each bucket's tables end at the eliminated position, as in
    /// `System::new`), random values.
    #[test]
    fn eliminate_is_the_definition_bit_for_bit(
        dims in prop::collection::vec(1usize..5, 1..6),
        scopes in prop::collection::vec(any::<u8>(), 1..5),
        seed in any::<u64>(),
        maximize in any::<bool>(),
    ) {
        use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = dims.len() - 1;
        let all: Vec<Table> = scopes
            .iter()
            .map(|mask| {
                let mut vars: Vec<usize> = (0..x).filter(|v| (mask >> v) & 1 == 1).collect();
                vars.push(x);
                let tdims: Vec<usize> = vars.iter().map(|&v| dims[v]).collect();
                let size: usize = tdims.iter().product();
                let data = (0..size)
                    .map(|_| f64::from(rng.random_range(-1000i32..1000)) / 7.0)
                    .collect();
                Table { vars, dims: tdims, data }
            })
            .collect();
        let members: Vec<usize> = (0..all.len()).collect();
        let mut vars: Vec<usize> = all.iter().flat_map(|t| t.vars.clone()).collect();
        vars.sort_unstable();
        vars.dedup();
        let got = eliminate(&all, &members, &vars, &dims, maximize);
        let want = eliminate_def(&all, &members, &vars, &dims, maximize);
        prop_assert_eq!(&got.vars[..], &vars[..vars.len() - 1]);
        let got: Vec<u64> = got.data.iter().map(|x| x.to_bits()).collect();
        let want: Vec<u64> = want.iter().map(|x| x.to_bits()).collect();
        prop_assert_eq!(got, want);
    }
}
