//! Issues, outcomes and the outcome space.
//!
//! An [`OutcomeSpace`] is the Cartesian product of its [`Issue`]s. An [`Outcome`] picks one
//! value per issue and is stored as the value *index* within each issue, so every kind of issue
//! (discrete options, integer ranges) looks the same to analysis and negotiation code. Turning an
//! index back into a name or an integer is [`Issue::value`]'s job.
//!
//! Non-goals: continuous issues (they must be discretised by the caller), outcome sampling
//! strategies (negotiators own those).

use std::fmt;

use crate::error::{Error, ErrorKind};

/// The value an outcome takes on one issue, as a user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// An option of a discrete issue.
    Option(&'a str),
    /// A value of an integer issue.
    Integer(i64),
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Option(s) => f.write_str(s),
            Value::Integer(i) => write!(f, "{i}"),
        }
    }
}

/// What values an issue can take.
#[derive(Clone, Debug, PartialEq)]
pub enum IssueKind {
    /// A list of named options.
    Discrete {
        /// Option names, unique within the issue.
        options: Vec<String>,
    },
    /// The integers `lo, lo + step, …` up to and including the last one `≤ hi`.
    Integer {
        /// Smallest value.
        lo: i64,
        /// Upper limit (inclusive).
        hi: i64,
        /// Step between values, `≥ 1`.
        step: i64,
    },
}

/// One negotiated issue: a name and the values it can take.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    name: String,
    kind: IssueKind,
    n_values: u32,
}

impl Issue {
    /// A discrete issue with the given options.
    ///
    /// # Errors
    /// When the option list is empty, an option name repeats, or there are more than
    /// `u32::MAX` options.
    pub fn discrete(name: impl Into<String>, options: Vec<String>) -> Result<Issue, Error> {
        let name = name.into();
        if options.is_empty() {
            return Err(Error::new(ErrorKind::EmptyIssue { issue: name }));
        }
        for (i, o) in options.iter().enumerate() {
            if options[..i].contains(o) {
                return Err(Error::new(ErrorKind::DuplicateName {
                    what: format!("option of issue '{name}'"),
                    name: o.clone(),
                }));
            }
        }
        let n_values = u32::try_from(options.len()).map_err(|_| {
            Error::new(ErrorKind::TooLarge {
                what: format!("issue '{name}' has too many options"),
            })
        })?;
        Ok(Issue {
            name,
            kind: IssueKind::Discrete { options },
            n_values,
        })
    }

    /// An integer issue `lo..=hi` in steps of `step`.
    ///
    /// # Errors
    /// When `lo > hi`, `step < 1`, or the issue has more than [`MAX_TABLE_LEN`](crate::MAX_TABLE_LEN) values.
    pub fn integer(name: impl Into<String>, lo: i64, hi: i64, step: i64) -> Result<Issue, Error> {
        let name = name.into();
        if lo > hi {
            return Err(Error::new(ErrorKind::BadRange {
                issue: name,
                lo,
                hi,
            }));
        }
        if step < 1 {
            return Err(Error::new(ErrorKind::BadStep { issue: name, step }));
        }
        let n = (i128::from(hi) - i128::from(lo)) / i128::from(step) + 1;
        let max = crate::preferences::MAX_TABLE_LEN;
        let n_values = u32::try_from(n).ok().filter(|&n| n <= max).ok_or_else(|| {
            Error::new(ErrorKind::TooLarge {
                what: format!(
                    "integer issue '{name}' has {n} values; at most {max} are supported (value \
                     functions are tabulated and analysed value by value; use a coarser step)"
                ),
            })
        })?;
        Ok(Issue {
            name,
            kind: IssueKind::Integer { lo, hi, step },
            n_values,
        })
    }

    /// The issue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What kind of values the issue takes.
    pub fn kind(&self) -> &IssueKind {
        &self.kind
    }

    /// How many values the issue can take (at least 1).
    pub fn n_values(&self) -> u32 {
        self.n_values
    }

    /// The value with index `idx`, or `None` when out of range.
    pub fn value(&self, idx: u32) -> Option<Value<'_>> {
        if idx >= self.n_values {
            return None;
        }
        Some(match &self.kind {
            IssueKind::Discrete { options } => Value::Option(&options[idx as usize]),
            IssueKind::Integer { lo, step, .. } => Value::Integer(lo + i64::from(idx) * step),
        })
    }

    /// The index of the option called `name` (discrete issues only).
    pub fn option_index(&self, name: &str) -> Option<u32> {
        match &self.kind {
            IssueKind::Discrete { options } => {
                options.iter().position(|o| o == name).map(|i| i as u32)
            }
            IssueKind::Integer { .. } => None,
        }
    }

    /// The index of the integer value `x` (integer issues only; `x` must be on the grid).
    pub fn integer_index(&self, x: i64) -> Option<u32> {
        match &self.kind {
            IssueKind::Integer { lo, hi, step } => {
                if x < *lo || x > *hi || (x - lo) % step != 0 {
                    None
                } else {
                    u32::try_from((x - lo) / step).ok()
                }
            }
            IssueKind::Discrete { .. } => None,
        }
    }
}

/// A complete outcome: one value index per issue, in the outcome space's issue order.
///
/// Outcomes of up to [`Outcome::INLINE`] issues are stored inline, without a heap allocation,
/// so making, copying and dropping an offer costs no `malloc`/`free` (a negotiation makes one
/// per turn and records it twice). Equality, order (lexicographic on the indices), hashing and
/// `Debug` are those of the index slice, whichever way it is stored.
#[derive(Clone)]
pub struct Outcome(Indices);

#[derive(Clone)]
enum Indices {
    /// `len` indices in the first `len` slots; the other slots hold 0 (equality relies on
    /// it).
    Inline {
        len: u8,
        vals: [u32; Outcome::INLINE],
    },
    Heap(Box<[u32]>),
}

impl Outcome {
    /// Outcomes of at most this many issues are stored without a heap allocation.
    pub const INLINE: usize = 8;

    /// Wraps value indices; validity against a space is checked by [`OutcomeSpace::check`].
    pub fn new(indices: Vec<u32>) -> Outcome {
        if indices.len() <= Outcome::INLINE {
            Outcome::from_slice(&indices)
        } else {
            Outcome(Indices::Heap(indices.into_boxed_slice()))
        }
    }

    /// An outcome with these value indices, copied (no heap allocation for up to
    /// [`Outcome::INLINE`] issues).
    pub fn from_slice(indices: &[u32]) -> Outcome {
        if indices.len() <= Outcome::INLINE {
            let mut vals = [0u32; Outcome::INLINE];
            vals[..indices.len()].copy_from_slice(indices);
            Outcome(Indices::Inline {
                len: indices.len() as u8,
                vals,
            })
        } else {
            Outcome(Indices::Heap(indices.into()))
        }
    }

    /// The value indices, one per issue.
    pub fn indices(&self) -> &[u32] {
        match &self.0 {
            Indices::Inline { len, vals } => &vals[..usize::from(*len)],
            Indices::Heap(v) => v,
        }
    }

    /// The value index for issue `issue_idx`.
    pub fn get(&self, issue_idx: usize) -> u32 {
        self.indices()[issue_idx]
    }
}

impl PartialEq for Outcome {
    #[inline]
    fn eq(&self, other: &Outcome) -> bool {
        match (&self.0, &other.0) {
            // Slots past `len` hold 0 in every inline outcome (`from_slice` fills them and
            // nothing writes them), so equal lengths and equal arrays are equal indices: one
            // comparison of all slots, no call to `memcmp`.
            (Indices::Inline { len: a, vals: x }, Indices::Inline { len: b, vals: y }) => {
                a == b && x == y
            }
            _ => self.indices() == other.indices(),
        }
    }
}

impl Eq for Outcome {}

impl std::hash::Hash for Outcome {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // As `Vec<u32>` hashes: the slice (length, then the indices).
        self.indices().hash(state);
    }
}

impl PartialOrd for Outcome {
    fn partial_cmp(&self, other: &Outcome) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Outcome {
    fn cmp(&self, other: &Outcome) -> std::cmp::Ordering {
        self.indices().cmp(other.indices())
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As the derived `Debug` of `Outcome(Vec<u32>)` printed it: `Outcome([1, 0, 2])`.
        f.debug_tuple("Outcome").field(&self.indices()).finish()
    }
}

/// The set of all outcomes: the product of the issues.
#[derive(Clone, PartialEq)]
pub struct OutcomeSpace {
    issues: Vec<Issue>,
    /// Each issue's value count, for spaces of at most [`Outcome::INLINE`] issues, then 1 in
    /// the unused slots: an inline outcome (whose unused slots hold 0) is valid when its
    /// length matches and every slot is below its limit, a test [`OutcomeSpace::check`] makes
    /// on all slots at once. Derived from `issues`, so the derived equality is unchanged.
    limits: [u32; Outcome::INLINE],
}

impl fmt::Debug for OutcomeSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As derived before `limits` existed: they are derived from the issues.
        f.debug_struct("OutcomeSpace")
            .field("issues", &self.issues)
            .finish()
    }
}

impl OutcomeSpace {
    /// A space over the given issues.
    ///
    /// # Errors
    /// When there are no issues or two issues share a name.
    pub fn new(issues: Vec<Issue>) -> Result<OutcomeSpace, Error> {
        if issues.is_empty() {
            return Err(Error::new(ErrorKind::NoIssues));
        }
        for (i, issue) in issues.iter().enumerate() {
            if issues[..i].iter().any(|o| o.name == issue.name) {
                return Err(Error::new(ErrorKind::DuplicateName {
                    what: "issue".into(),
                    name: issue.name.clone(),
                }));
            }
        }
        let mut limits = [1u32; Outcome::INLINE];
        if issues.len() <= Outcome::INLINE {
            for (l, issue) in limits.iter_mut().zip(&issues) {
                *l = issue.n_values;
            }
        }
        Ok(OutcomeSpace { issues, limits })
    }

    /// The issues, in order.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The index of the issue called `name`.
    pub fn issue_index(&self, name: &str) -> Option<usize> {
        self.issues.iter().position(|i| i.name == name)
    }

    /// The exact number of outcomes, which can exceed any machine integer.
    pub fn cardinality(&self) -> Cardinality {
        let mut c = Cardinality::one();
        for issue in &self.issues {
            c.mul_small(issue.n_values);
        }
        c
    }

    /// Checks that `outcome` has one valid index per issue.
    ///
    /// # Errors
    /// When the length or an index is out of range.
    #[inline]
    pub fn check(&self, outcome: &Outcome) -> Result<(), Error> {
        // A mechanism checks every offer: the valid case is a length test and one comparison
        // per issue, inlined; the error is built out of line.
        let valid = match &outcome.0 {
            // Every slot at once (slots past `len` hold 0 and their limit is 1): no branch
            // per issue. A false negative would only send the outcome to the exact check.
            Indices::Inline { len, vals } => {
                usize::from(*len) == self.issues.len()
                    && vals
                        .iter()
                        .zip(&self.limits)
                        .fold(true, |ok, (&x, &n)| ok & (x < n))
            }
            Indices::Heap(v) => {
                v.len() == self.issues.len()
                    && self
                        .issues
                        .iter()
                        .zip(v.iter())
                        .all(|(i, &x)| x < i.n_values)
            }
        };
        if valid {
            return Ok(());
        }
        self.check_slowly(outcome)
    }

    /// [`OutcomeSpace::check`] issue by issue, naming the first problem.
    #[cold]
    #[inline(never)]
    fn check_slowly(&self, outcome: &Outcome) -> Result<(), Error> {
        if outcome.indices().len() != self.issues.len() {
            return Err(Error::new(ErrorKind::BadOutcome {
                reason: format!(
                    "outcome has {} values but the space has {} issues",
                    outcome.indices().len(),
                    self.issues.len()
                ),
            }));
        }
        for (issue, &v) in self.issues.iter().zip(outcome.indices()) {
            if v >= issue.n_values {
                return Err(Error::new(ErrorKind::BadOutcome {
                    reason: format!("value index {v} out of range for issue '{}'", issue.name),
                }));
            }
        }
        Ok(())
    }

    /// The outcome with index `k` in enumeration order: the first issue varies slowest and
    /// values follow their order within the issue. `None` when `k` is out of range.
    pub fn outcome_at(&self, mut k: u128) -> Option<Outcome> {
        let mut idx = vec![0u32; self.issues.len()];
        for (i, issue) in self.issues.iter().enumerate().rev() {
            let n = u128::from(issue.n_values);
            idx[i] = (k % n) as u32;
            k /= n;
        }
        (k == 0).then(|| Outcome::new(idx))
    }

    /// A readable rendering such as `donbas=freeze, army_cap=800`.
    pub fn describe(&self, outcome: &Outcome) -> String {
        let mut s = String::new();
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&issue.name);
            s.push('=');
            match issue.value(outcome.get(i)) {
                Some(v) => s.push_str(&v.to_string()),
                None => s.push('?'),
            }
        }
        s
    }
}

/// An exact count of outcomes: a big unsigned integer, held as a `u128` while it fits and as
/// little-endian `u32` limbs past it (so the common case costs no allocation).
///
/// Outcome spaces grow as products: 80 issues of 10 options have 10⁸⁰ outcomes, far past
/// `u128`. Counts are reported exactly in decimal whatever their size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cardinality(Repr);

/// Canonical, so derived equality is numeric equality: `Big` only past `u128::MAX`, with no
/// high zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    Small(u128),
    Big(Vec<u32>),
}

impl Cardinality {
    /// The count 0.
    pub const ZERO: Cardinality = Cardinality(Repr::Small(0));
    /// The count 1.
    pub const ONE: Cardinality = Cardinality(Repr::Small(1));

    /// The count 1.
    pub fn one() -> Cardinality {
        Cardinality::ONE
    }

    /// The count `n`.
    pub fn from_u128(n: u128) -> Cardinality {
        Cardinality(Repr::Small(n))
    }

    fn limbs(&self) -> Vec<u32> {
        match &self.0 {
            Repr::Small(n) => {
                let mut v = Vec::with_capacity(4);
                let mut n = *n;
                while n > 0 {
                    v.push(n as u32);
                    n >>= 32;
                }
                v
            }
            Repr::Big(v) => v.clone(),
        }
    }

    fn from_limbs(mut v: Vec<u32>) -> Cardinality {
        while v.last() == Some(&0) {
            v.pop();
        }
        if v.len() <= 4 {
            Cardinality::from_u128(
                v.iter()
                    .rev()
                    .fold(0u128, |a, &l| (a << 32) | u128::from(l)),
            )
        } else {
            Cardinality(Repr::Big(v))
        }
    }

    /// Multiplies in place by `m`.
    pub fn mul_small(&mut self, m: u32) {
        *self = self.mul(&Cardinality::from_u128(u128::from(m)));
    }

    /// Adds `other` in place.
    ///
    /// The `u128` case is inlined into its callers (the additive engine's counts call this per
    /// partial sum); past `u128`, [`Cardinality::add_big`].
    #[inline]
    pub fn add(&mut self, other: &Cardinality) {
        if let (Repr::Small(a), Repr::Small(b)) = (&self.0, &other.0)
            && let Some(s) = a.checked_add(*b)
        {
            self.0 = Repr::Small(s);
            return;
        }
        self.add_big(other);
    }

    /// [`Cardinality::add`] on limbs.
    #[inline(never)]
    fn add_big(&mut self, other: &Cardinality) {
        let (a, b) = (self.limbs(), other.limbs());
        let n = a.len().max(b.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let s = u64::from(a.get(i).copied().unwrap_or(0))
                + u64::from(b.get(i).copied().unwrap_or(0))
                + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        out.push(carry as u32);
        *self = Cardinality::from_limbs(out);
    }

    /// The product of `self` and `other`.
    ///
    /// The `u128` case is inlined, as for [`Cardinality::add`]; past it,
    /// [`Cardinality::mul_big`].
    #[must_use]
    #[inline]
    pub fn mul(&self, other: &Cardinality) -> Cardinality {
        if let (Repr::Small(a), Repr::Small(b)) = (&self.0, &other.0)
            && let Some(p) = a.checked_mul(*b)
        {
            return Cardinality::from_u128(p);
        }
        self.mul_big(other)
    }

    /// [`Cardinality::mul`] on limbs.
    #[inline(never)]
    fn mul_big(&self, other: &Cardinality) -> Cardinality {
        let (a, b) = (self.limbs(), other.limbs());
        let mut out = vec![0u32; a.len() + b.len() + 1];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &y) in b.iter().enumerate() {
                let cur = u64::from(out[i + j]) + u64::from(x) * u64::from(y) + carry;
                out[i + j] = cur as u32;
                carry = cur >> 32;
            }
            let mut k = i + b.len();
            while carry > 0 {
                let cur = u64::from(out[k]) + carry;
                out[k] = cur as u32;
                carry = cur >> 32;
                k += 1;
            }
        }
        Cardinality::from_limbs(out)
    }

    /// The count as a `u64`, when it fits.
    pub fn to_u64(&self) -> Option<u64> {
        self.to_u128().and_then(|n| u64::try_from(n).ok())
    }

    /// The count as a `u128`, when it fits.
    pub fn to_u128(&self) -> Option<u128> {
        match &self.0 {
            Repr::Small(n) => Some(*n),
            Repr::Big(_) => None,
        }
    }

    /// The count as a float (rounded; infinite past `f64::MAX`).
    pub fn to_f64(&self) -> f64 {
        self.limbs()
            .iter()
            .rev()
            .fold(0.0, |acc, &l| acc * 4294967296.0 + f64::from(l))
    }
}

impl fmt::Display for Cardinality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.to_u128() {
            return write!(f, "{n}");
        }
        // Repeated division by 10^9.
        let mut limbs = self.limbs();
        let mut chunks = Vec::new();
        while !(limbs.len() == 1 && limbs[0] == 0) {
            let mut rem = 0u64;
            for limb in limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*limb);
                *limb = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while limbs.len() > 1 && *limbs.last().unwrap_or(&1) == 0 {
                limbs.pop();
            }
        }
        let mut s = String::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&c.to_string());
            } else {
                s.push_str(&format!("{c:09}"));
            }
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Outcome` as it was declared before it stored short outcomes inline.
    mod old {
        #[derive(Debug)]
        pub(super) struct Outcome(#[allow(dead_code)] pub(super) Vec<u32>);
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config(300))]

        /// Inline and heap outcomes (either side of `Outcome::INLINE`) compare, order, hash
        /// and print exactly as the index vectors they wrap did when `Outcome` was a `Vec`.
        #[test]
        fn outcomes_behave_as_their_index_vectors(
            a in proptest::collection::vec(0u32..3, 0..12),
            b in proptest::collection::vec(0u32..3, 0..12),
        ) {
            use std::hash::{BuildHasher, BuildHasherDefault};
            let (oa, ob) = (Outcome::new(a.clone()), Outcome::from_slice(&b));
            proptest::prop_assert_eq!(oa.indices(), a.as_slice());
            proptest::prop_assert_eq!(ob.indices(), b.as_slice());
            proptest::prop_assert_eq!(oa == ob, a == b);
            proptest::prop_assert_eq!(oa.cmp(&ob), a.cmp(&b));
            proptest::prop_assert_eq!(oa.partial_cmp(&ob), a.partial_cmp(&b));
            let h = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
            proptest::prop_assert_eq!(h.hash_one(&oa), h.hash_one(&a));
            proptest::prop_assert_eq!(format!("{oa:?}"), format!("{:?}", old::Outcome(a.clone())));
            proptest::prop_assert_eq!(format!("{ob:#?}"), format!("{:#?}", old::Outcome(b.clone())));
            proptest::prop_assert_eq!(oa.clone(), Outcome::from_slice(&a));
        }
    }

    #[test]
    fn integer_issues_are_capped_at_the_table_limit() {
        // The cap bounds every per-issue table (issue 17: 5·10⁷ values took 13.6 GB).
        let max = i64::from(crate::MAX_TABLE_LEN);
        assert_eq!(
            Issue::integer("n", 1, max, 1).unwrap().n_values(),
            crate::MAX_TABLE_LEN
        );
        let e = Issue::integer("n", 0, max, 1).unwrap_err().to_string();
        assert!(e.contains("'n' has 1000001 values; at most 1000000"), "{e}");
        assert!(
            Issue::integer("n", 1, 2 * max, 2).is_ok(),
            "a coarser step fits"
        );
        assert!(Issue::integer("n", i64::MIN, i64::MAX, 1).is_err());
    }

    #[test]
    fn integer_issue_values_stop_at_hi() {
        let i = Issue::integer("cap", 400, 1000, 250).unwrap();
        assert_eq!(i.n_values(), 3);
        assert_eq!(i.value(2), Some(Value::Integer(900)));
        assert_eq!(i.integer_index(650), Some(1));
        assert_eq!(i.integer_index(651), None);
    }

    #[test]
    fn cardinality_is_exact_past_u128() {
        let issues: Vec<Issue> = (0..80)
            .map(|k| Issue::integer(format!("i{k}"), 0, 9, 1).unwrap())
            .collect();
        let space = OutcomeSpace::new(issues).unwrap();
        let s = space.cardinality().to_string();
        assert_eq!(s.len(), 81);
        assert!(s.starts_with('1') && s[1..].chars().all(|c| c == '0'));
    }

    #[test]
    fn cardinalities_multiply_and_add_past_u128() {
        let ten = Cardinality::from_u128(10);
        let mut c = Cardinality::ONE;
        for _ in 0..80 {
            c = c.mul(&ten);
        }
        let s = c.to_string();
        assert_eq!(s.len(), 81);
        assert!(s.starts_with('1') && s[1..].bytes().all(|b| b == b'0'));
        let mut d = c.clone();
        d.add(&Cardinality::ONE);
        assert!(d.to_string().ends_with("0001"));
        let max = Cardinality::from_u128(u128::MAX);
        assert_eq!(
            max.mul(&Cardinality::from_u128(2)).to_string(),
            "680564733841876926926749214863536422910"
        );
        let mut e = max.clone();
        e.add(&Cardinality::ONE);
        assert_eq!(e.to_string(), "340282366920938463463374607431768211456");
        assert_eq!(e.to_u128(), None);
        // Equality is numeric whichever way a value was reached.
        let mut f = max.clone();
        f.mul_small(1);
        assert_eq!(f, max);
        assert_eq!(f.to_u128(), Some(u128::MAX));
        let mut g = Cardinality::ONE;
        for _ in 0..128 {
            g.mul_small(2);
        }
        assert_eq!(g, e);
        assert_eq!(g.to_f64(), 2f64.powi(128));
    }

    #[test]
    fn outcome_at_enumerates_first_issue_slowest() {
        let space = OutcomeSpace::new(vec![
            Issue::integer("a", 0, 1, 1).unwrap(),
            Issue::integer("b", 0, 2, 1).unwrap(),
        ])
        .unwrap();
        assert_eq!(space.outcome_at(4).unwrap().indices(), &[1, 1]);
        assert!(space.outcome_at(6).is_none());
    }
}
