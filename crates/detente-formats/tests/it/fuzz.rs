//! Mutated real files never make the importers panic: random byte flips, truncations,
//! insertions (of random bytes and of XML/JSON fragments), deletions and duplications of real
//! domain and profile files, read with the GENIUS and GeniusWeb readers and classified. Each
//! read must return `Ok` or `Err`; proptest turns a panic into a failure with the shrunk input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use detente_formats::{genius, geniusweb};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::util::shared_dir;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    Genius,
    GeniusWeb,
}

/// A scenario's files: the domain first, then the profiles.
struct Seed {
    fmt: Fmt,
    files: Vec<(PathBuf, Vec<u8>)>,
}

/// Real scenarios covering every reader path: discrete, integer, Latin-1, bare `&`, glued
/// attributes, duplicate items, non-linear and uncertain profiles, both GeniusWeb spellings.
fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = vec![Seed {
            fmt: Fmt::Genius,
            files: vec![
                (PathBuf::from("d.xml"), FALLBACK_DOMAIN.as_bytes().to_vec()),
                (PathBuf::from("p.xml"), FALLBACK_PROFILE.as_bytes().to_vec()),
            ],
        }];
        let Some(shared) = shared_dir() else {
            return out;
        };
        let root = shared.join("scenarios/genius");
        let cases: &[(Fmt, &str, &[&str])] = &[
            (
                Fmt::Genius,
                "Laptop",
                &[
                    "laptop_domain.xml",
                    "laptop_buyer_utility.xml",
                    "laptop_seller_utility.xml",
                ],
            ),
            (
                Fmt::Genius,
                "group9-vacation",
                &["Vacation.xml", "Vacation_util2.xml", "Vacation_util3.xml"],
            ),
            (
                Fmt::Genius,
                "raw-group7-movie",
                &["movie.xml", "movie-profile1.xml", "movie-profile2.xml"],
            ),
            (
                Fmt::Genius,
                "raw-Car2011",
                &["adg.xml", "adg_deal.xml", "adg_deal2.xml"],
            ),
            (
                Fmt::Genius,
                "raw-group2-new_sporthal",
                &["New sporthal.xml", "New_sporthal_util1.xml"],
            ),
            (
                Fmt::Genius,
                "AMPOvsCity",
                &["ampo_vs_city_template.xml", "ampo_vs_city_ampo_space.xml"],
            ),
            (
                Fmt::Genius,
                "IntegerDomain",
                &["IntegerDomain.xml", "IntegerDomain-prof1.xml"],
            ),
            (
                Fmt::Genius,
                "partydomain",
                &[
                    "party_domain.xml",
                    "party1_utility.xml",
                    "party1_utility_u10.xml",
                ],
            ),
            (
                Fmt::Genius,
                "fuzzyagent-real",
                &["single_issue_domain.xml", "buyer_utility.xml"],
            ),
            (
                Fmt::GeniusWeb,
                "geniusweb-Party",
                &["party.json", "party1.json", "party2.json"],
            ),
            (
                Fmt::GeniusWeb,
                "ANL2023-domain00",
                &["domain00.json", "profileA.json"],
            ),
            (
                Fmt::GeniusWeb,
                "geniusweb-FlightBooking",
                &["flightbooking.json", "flightbooking1.json"],
            ),
        ];
        for (fmt, folder, files) in cases {
            let files = files
                .iter()
                .map(|f| {
                    let p = root.join(folder).join(f);
                    let bytes =
                        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    (p, bytes)
                })
                .collect();
            out.push(Seed { fmt: *fmt, files });
        }
        // A non-linear (hyper-rectangle) profile, whole (5 KB).
        let nl = root.join("10issuesDiscountedwithRV/profile-1.xml");
        if let Ok(bytes) = std::fs::read(&nl) {
            let head = bytes;
            out.push(Seed {
                fmt: Fmt::Genius,
                files: vec![
                    (
                        root.join("10issuesDiscountedwithRV/10issuesDiscountedwithRV-domain.xml"),
                        std::fs::read(
                            root.join(
                                "10issuesDiscountedwithRV/10issuesDiscountedwithRV-domain.xml",
                            ),
                        )
                        .unwrap_or_default(),
                    ),
                    (nl, head),
                ],
            });
        }
        out
    })
}

const FALLBACK_DOMAIN: &str = r#"<negotiation_template><utility_space><objective index="0">
<issue index="1" name="a" type="discrete"><item index="1" value="x"/><item index="2" value="y &amp; z"/></issue>
<issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"/>
</objective></utility_space></negotiation_template>"#;

const FALLBACK_PROFILE: &str = r#"<utility_space><objective index="0">
<issue index="1" name="a"><item index="1" value="x" evaluation="2"/><item index="2" value="y &amp; z" evaluation="4"/></issue>
<issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"><evaluator ftype="linear" slope="0.5" offset="0.2"/></issue>
<weight index="1" value="0.6"/><weight index="2" value="0.4"/></objective>
<reservation value="0.3"/><discount_factor value="0.9"/></utility_space>"#;

/// One edit of a file's bytes.
#[derive(Clone, Debug)]
enum Op {
    Flip(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Duplicate(Index, usize),
}

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    let snippets: Vec<&'static [u8]> = vec![
        b"<",
        b">",
        b"\"",
        b"'",
        b"&",
        b"&amp;",
        b"&#0;",
        b"&#xFFFFFF;",
        b"/>",
        b"</issue>",
        b"<issue>",
        b"<item value=\"x\"/>",
        b"<weight index=\"1\" value=\"2\"/>",
        b"-1",
        b"1e308",
        b"NaN",
        b"99999999",
        b"<!--",
        b"-->",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
        b"<![CDATA[",
        b"\xFF\xFE",
        b"\xEF\xBB\xBF",
        b"\xC3",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b",",
        b"null",
        b"\"range\"",
        b"0.5",
        b"type=\"real\"",
        b"type=\"integer\"",
        b"lowerbound=\"-9223372036854775808\"",
        b"upperbound=\"9223372036854775807\"",
        b"type=\"UNCERTAIN\"",
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..4),
        prop::sample::select(snippets).prop_map(<[u8]>::to_vec),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Op::Flip(i, b)),
        1 => any::<Index>().prop_map(Op::Truncate),
        4 => (any::<Index>(), fragment()).prop_map(|(i, f)| Op::Insert(i, f)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Op::Delete(i, n)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Op::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, op: &Op) {
    let len = bytes.len();
    match op {
        Op::Flip(i, b) if len > 0 => {
            let k = i.index(len);
            bytes[k] ^= b.max(&1);
        }
        Op::Truncate(i) => bytes.truncate(i.index(len + 1)),
        Op::Insert(i, f) => {
            let k = i.index(len + 1);
            bytes.splice(k..k, f.iter().copied());
        }
        Op::Delete(i, n) if len > 0 => {
            let k = i.index(len);
            bytes.drain(k..(k + n).min(len));
        }
        Op::Duplicate(i, n) if len > 0 => {
            let k = i.index(len);
            let chunk: Vec<u8> = bytes[k..(k + n).min(len)].to_vec();
            bytes.splice(k..k, chunk);
        }
        _ => {}
    }
}

/// Reads the seed with file `which` replaced by `mutated`, through every entry point.
fn read_all(seed: &Seed, which: usize, mutated: &[u8]) {
    let files: Vec<(&Path, &[u8])> = seed
        .files
        .iter()
        .enumerate()
        .map(|(k, (p, b))| (p.as_path(), if k == which { mutated } else { b.as_slice() }))
        .collect();
    match seed.fmt {
        Fmt::Genius => {
            let _ = genius::read_from("fuzz", files[0], &files[1..]);
            let _ = genius::classify(files[which].0, mutated);
        }
        Fmt::GeniusWeb => {
            let _ = geniusweb::read_from("fuzz", Some(files[0]), &files[1..]);
            let _ = geniusweb::read_from("fuzz", None, &files[1..]);
            let _ = geniusweb::classify(files[which].0, mutated);
        }
    }
    // Whatever the extension, neither reader may panic on the other's files.
    let _ = genius::classify(Path::new("x.xml"), mutated);
    let _ = geniusweb::classify(Path::new("x.json"), mutated);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_files_never_panic(
        seed in any::<Index>(),
        which in any::<Index>(),
        ops in prop::collection::vec(op(), 1..6),
    ) {
        let seeds = seeds();
        let seed = &seeds[seed.index(seeds.len())];
        let which = which.index(seed.files.len());
        let mut bytes = seed.files[which].1.clone();
        for op in &ops {
            apply(&mut bytes, op);
        }
        read_all(seed, which, &bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), which in 0usize..2) {
        read_all(&seeds()[0], which, &bytes);
    }
}

#[test]
fn unmutated_seeds_read_as_expected() {
    // The seeds themselves: the linear and non-linear ones load, the others fail cleanly.
    for seed in seeds() {
        let files: Vec<(&Path, &[u8])> = seed
            .files
            .iter()
            .map(|(p, b)| (p.as_path(), b.as_slice()))
            .collect();
        let result = match seed.fmt {
            Fmt::Genius => genius::read_from("seed", files[0], &files[1..]).map(|_| ()),
            Fmt::GeniusWeb => geniusweb::read_from("seed", Some(files[0]), &files[1..]).map(|_| ()),
        };
        let name = seed.files[0].0.display().to_string();
        let unsupported = ["u10", "fuzzyagent"].iter().any(|k| {
            seed.files
                .iter()
                .any(|(p, _)| p.to_string_lossy().contains(k))
        });
        match result {
            Ok(()) => assert!(!unsupported, "{name} should be unsupported"),
            Err(e) => assert!(unsupported, "{name}: {e}"),
        }
    }
}
