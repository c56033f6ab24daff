//! Fuzzing harness for the scenario readers (native TOML, GENIUS XML, GeniusWeb JSON). Not
//! part of `cargo test`: run it by hand, in release mode, e.g.
//!
//! ```text
//! cargo run --release -p detente-formats --example fuzz_readers -- --inputs 1000000 --seed 1
//! ```
//!
//! Seeds are the repository's `scenarios/*.toml`, the real GENIUS and GeniusWeb scenarios
//! under `../shared/scenarios/genius` (or `$DETENTE_SHARED/scenarios/genius`), and the native
//! TOML rendering of every GENIUS scenario. Each input is a seed scenario with one of its files
//! mutated (byte flips, span inserts/deletes/duplicates, splices with another file, numbers
//! replaced by extreme values, truncation, deep nesting), by a ChaCha8 generator seeded from
//! `--seed`, the reader and the input's index, so the counts are the same at any thread count.
//!
//! Every read runs under `catch_unwind`; a read that succeeds is followed by an exact analysis
//! with a small node budget (`--max-nodes`), which must also finish in time. Inputs that panic
//! or take longer than `--slow-ms` are written to `--out` for reproduction. The exit code is 1
//! when any input panicked or was slow, 2 on a usage error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use detente_core::analysis::{self, AnalysisConfig};
use detente_core::rng::{ChaCha8Rng, derive_seed, rng};
use detente_formats::{genius, geniusweb, native};
use rand::RngExt;
use rayon::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Reader {
    Native,
    Genius,
    GeniusWeb,
}

impl Reader {
    fn name(self) -> &'static str {
        match self {
            Reader::Native => "native",
            Reader::Genius => "genius",
            Reader::GeniusWeb => "geniusweb",
        }
    }
}

/// A seed scenario: its files (for GENIUS the domain first; for GeniusWeb the domain first
/// when `has_domain`, then the profiles).
#[derive(Clone)]
struct Case {
    name: String,
    has_domain: bool,
    files: Vec<(PathBuf, Vec<u8>)>,
}

struct Options {
    inputs: u64,
    /// First input index (`--from`), to re-create one input of a run: `--from I --inputs I+1`.
    from: u64,
    seed: u64,
    max_nodes: u64,
    slow: Duration,
    out: PathBuf,
    readers: Vec<Reader>,
    threads: usize,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: fuzz_readers [--inputs N] [--from I] [--seed S] [--max-nodes N] [--slow-ms MS] \
         [--out DIR] [--reader native|genius|geniusweb]... [--threads N]"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<Options> {
    let mut o = Options {
        inputs: 1_000_000,
        from: 0,
        seed: 1,
        max_nodes: 2_000,
        slow: Duration::from_secs(1),
        out: PathBuf::from("fuzz-out"),
        readers: Vec::new(),
        threads: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next()?;
        match a.as_str() {
            "--inputs" => o.inputs = v.parse().ok()?,
            "--from" => o.from = v.parse().ok()?,
            "--seed" => o.seed = v.parse().ok()?,
            "--max-nodes" => o.max_nodes = v.parse().ok()?,
            "--slow-ms" => o.slow = Duration::from_millis(v.parse().ok()?),
            "--out" => o.out = PathBuf::from(v),
            "--threads" => o.threads = v.parse().ok()?,
            "--reader" => o.readers.push(match v.as_str() {
                "native" => Reader::Native,
                "genius" => Reader::Genius,
                "geniusweb" => Reader::GeniusWeb,
                _ => return None,
            }),
            _ => return None,
        }
    }
    if o.readers.is_empty() {
        o.readers = vec![Reader::Native, Reader::Genius, Reader::GeniusWeb];
    }
    Some(o)
}

fn repo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn genius_dir() -> PathBuf {
    match std::env::var_os("DETENTE_SHARED") {
        Some(d) => PathBuf::from(d).join("scenarios/genius"),
        None => repo_dir().join("../shared/scenarios/genius"),
    }
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Seed scenarios per reader, read at run time.
fn seeds() -> (Vec<Case>, Vec<Case>, Vec<Case>) {
    let mut native_cases = Vec::new();
    for p in sorted_files(&repo_dir().join("scenarios"), "toml") {
        if let Ok(b) = std::fs::read(&p) {
            native_cases.push(Case {
                name: p.display().to_string(),
                has_domain: false,
                files: vec![(p, b)],
            });
        }
    }
    let mut genius_cases = Vec::new();
    let mut web_cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(genius_dir())
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // GENIUS: one domain and its linear-additive profiles.
        let mut domain = None;
        let mut profiles = Vec::new();
        for p in sorted_files(&dir, "xml") {
            let Ok(b) = std::fs::read(&p) else { continue };
            match genius::classify(&p, &b) {
                Ok(genius::FileKind::Domain) if domain.is_none() => domain = Some((p, b)),
                Ok(genius::FileKind::Profile) => profiles.push((p, b)),
                _ => {}
            }
        }
        if let Some(d) = domain
            && !profiles.is_empty()
        {
            let mut files = vec![d.clone()];
            files.extend(profiles.iter().take(3).cloned());
            let refs: Vec<(&Path, &[u8])> = files[1..]
                .iter()
                .map(|(p, b)| (p.as_path(), b.as_slice()))
                .collect();
            // Only keep a seed the reader accepts, and add its native rendering.
            if let Ok(loaded) = genius::read_from(&name, (&d.0, &d.1), &refs) {
                if let Ok(toml) = native::to_toml(&loaded.scenario) {
                    native_cases.push(Case {
                        name: format!("{name}.toml"),
                        has_domain: false,
                        files: vec![(PathBuf::from(format!("{name}.toml")), toml.into_bytes())],
                    });
                }
                genius_cases.push(Case {
                    name: name.clone(),
                    has_domain: true,
                    files,
                });
            }
        }
        // GeniusWeb: an optional domain and its linear-additive profiles.
        let mut domain = None;
        let mut profiles = Vec::new();
        for p in sorted_files(&dir, "json") {
            let Ok(b) = std::fs::read(&p) else { continue };
            match geniusweb::classify(&p, &b) {
                Ok(genius::FileKind::Domain) if domain.is_none() => domain = Some((p, b)),
                Ok(genius::FileKind::Profile) => profiles.push((p, b)),
                _ => {}
            }
        }
        if !profiles.is_empty() {
            profiles.truncate(3);
            if let Some(d) = domain {
                let mut files = vec![d];
                files.extend(profiles.iter().cloned());
                web_cases.push(Case {
                    name: name.clone(),
                    has_domain: true,
                    files,
                });
            }
            web_cases.push(Case {
                name,
                has_domain: false,
                files: profiles,
            });
        }
    }
    (native_cases, genius_cases, web_cases)
}

const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "1e309",
    "-0",
    "-0.0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e-320",
    "0",
    "-1",
    "4294967296",
    "2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "1000000",
    "1000000000",
    "0.0000001",
    "",
];

const TOKENS: &[&str] = &[
    "\"",
    "'",
    "<",
    ">",
    "/>",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\n",
    "&",
    "&amp;",
    "&#0;",
    "\u{feff}",
    "é",
    "\0",
    "<issue name=\"x\" index=\"1\" type=\"integer\" lowerbound=\"0\" upperbound=\"1000000000\"/>",
    "<item index=\"1\" value=\"a\" evaluation=\"1\"/>",
    "<objective index=\"0\" name=\"r\" type=\"objective\">",
    "</objective>",
    "<weight index=\"1\" value=\"NaN\"/>",
    "\"issuesValues\":{\"i\":{\"values\":[\"a\",\"a\"]}}",
    "{\"range\":{\"low\":0,\"high\":1e18,\"step\":1}}",
    "\"reservationBid\":{\"issuevalues\":{}}",
    "[[issues]]\nname = \"x\"\nvalues = []\n",
    "[[parties]]\nname = \"p\"\n",
    "min = 0\nmax = 1e308\nstep = 1e-308\n",
    "weight = nan\n",
    "reservation = -inf\n",
];

/// Where the digit runs of `b` start and end.
fn numbers(b: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let s = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            v.push((s, i));
        } else {
            i += 1;
        }
    }
    v
}

/// Where the lines of `b` start and end (each with its newline).
fn line_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut s = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            v.push((s, i + 1));
            s = i + 1;
        }
    }
    if s < b.len() {
        v.push((s, b.len()));
    }
    v
}

/// Where the double-quoted strings of `b` (quotes included, at most 256 bytes) start and end.
fn quoted(b: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let end = b[i + 1..]
                .iter()
                .take(256)
                .position(|&c| c == b'"' || c == b'\n');
            match end {
                Some(k) if b[i + 1 + k] == b'"' => {
                    v.push((i, i + k + 2));
                    i += k + 2;
                }
                _ => i += 1,
            }
        } else {
            i += 1;
        }
    }
    v
}

fn span(r: &mut ChaCha8Rng, len: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let a = r.random_range(0..len);
    let max = (len - a).min(if r.random_bool(0.8) { 16 } else { 4096 });
    (a, a + r.random_range(0..=max))
}

/// Applies one to four random mutations to `b`; `other` is a file to splice with.
fn mutate(r: &mut ChaCha8Rng, reader: Reader, b: &mut Vec<u8>, other: &[u8]) {
    let rounds = r.random_range(1..=4);
    for _ in 0..rounds {
        let len = b.len();
        match r.random_range(0..12) {
            0 => {
                // Byte flips.
                for _ in 0..r.random_range(1..=8) {
                    if !b.is_empty() {
                        let i = r.random_range(0..b.len());
                        b[i] ^= if r.random_bool(0.5) {
                            1 << r.random_range(0..8)
                        } else {
                            r.random::<u8>()
                        };
                    }
                }
            }
            1 => {
                // Insert random bytes or a token.
                let at = r.random_range(0..=len);
                let ins: Vec<u8> = if r.random_bool(0.5) {
                    (0..r.random_range(1..=16))
                        .map(|_| r.random::<u8>())
                        .collect()
                } else {
                    TOKENS[r.random_range(0..TOKENS.len())].as_bytes().to_vec()
                };
                b.splice(at..at, ins);
            }
            2 => {
                let (s, e) = span(r, len);
                b.drain(s..e);
            }
            3 => {
                // Duplicate a span, possibly many times.
                let (s, e) = span(r, len);
                let piece = b[s..e].to_vec();
                let at = r.random_range(0..=len);
                let times = if r.random_bool(0.9) {
                    1
                } else {
                    r.random_range(2..=200)
                };
                let ins: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                b.splice(at..at, ins);
            }
            4 => {
                // Splice: a prefix of this file and a suffix of the other.
                let cut = r.random_range(0..=len);
                let from = r.random_range(0..=other.len());
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            5 | 6 => {
                // Replace numbers with extreme values.
                let nums = numbers(b);
                if !nums.is_empty() {
                    for _ in 0..r.random_range(1..=3) {
                        let (s, e) = nums[r.random_range(0..nums.len())];
                        if e <= b.len() {
                            let x = EXTREMES[r.random_range(0..EXTREMES.len())];
                            b.splice(s..e, x.bytes());
                        }
                    }
                }
            }
            7 => {
                let cut = r.random_range(0..=len);
                b.truncate(cut);
            }
            9 => {
                // Structure-aware: delete, duplicate or move whole lines (a TOML key or table
                // header, an XML element, a JSON member in a pretty-printed file).
                let lines = line_spans(b);
                if lines.len() > 1 {
                    let (s, e) = lines[r.random_range(0..lines.len())];
                    let piece = b[s..e].to_vec();
                    match r.random_range(0..3) {
                        0 => {
                            b.drain(s..e);
                        }
                        1 => {
                            b.splice(e..e, piece);
                        }
                        _ => {
                            b.drain(s..e);
                            let lines = line_spans(b);
                            let at = lines[r.random_range(0..lines.len())].0;
                            b.splice(at..at, piece);
                        }
                    }
                }
            }
            10 => {
                // Structure-aware: a quoted string (a name, an id, a value label, a reference)
                // replaced by another quoted string of this file or of the splice partner.
                let here = quoted(b);
                let there = quoted(other);
                if !here.is_empty() {
                    let (s, e) = here[r.random_range(0..here.len())];
                    let with: Vec<u8> = if !there.is_empty() && r.random_bool(0.3) {
                        let (a, z) = there[r.random_range(0..there.len())];
                        other[a..z].to_vec()
                    } else {
                        let (a, z) = here[r.random_range(0..here.len())];
                        b[a..z].to_vec()
                    };
                    b.splice(s..e, with);
                }
            }
            11 => {
                // Structure-aware: two numbers of the file swapped (weights, bounds, indices).
                let nums = numbers(b);
                if nums.len() > 1 {
                    let x = nums[r.random_range(0..nums.len())];
                    let y = nums[r.random_range(0..nums.len())];
                    let (x, y) = if x.0 <= y.0 { (x, y) } else { (y, x) };
                    if x.1 <= y.0 {
                        let (bx, by) = (b[x.0..x.1].to_vec(), b[y.0..y.1].to_vec());
                        b.splice(y.0..y.1, bx);
                        b.splice(x.0..x.1, by);
                    }
                }
            }
            _ => {
                // Deep nesting.
                let opener: &[u8] = match (reader, r.random_range(0..3)) {
                    (Reader::Native, 0) => b"[",
                    (Reader::Native, 1) => b"{a=",
                    (Reader::Native, _) => b"a=[",
                    (Reader::Genius, 0) => b"<a>",
                    (Reader::Genius, 1) => b"<objective index=\"1\" name=\"o\">",
                    (Reader::Genius, _) => b"<issue name=\"i\" index=\"1\">",
                    (Reader::GeniusWeb, 0) => b"[",
                    (Reader::GeniusWeb, 1) => b"{\"a\":",
                    (Reader::GeniusWeb, _) => b"{\"issuesValues\":",
                };
                let depth = match r.random_range(0..3) {
                    0 => r.random_range(1..300),
                    1 => r.random_range(300..5_000),
                    _ => r.random_range(5_000..100_000),
                };
                let at = r.random_range(0..=len);
                let ins: Vec<u8> = opener
                    .iter()
                    .copied()
                    .cycle()
                    .take(opener.len() * depth)
                    .collect();
                b.splice(at..at, ins);
            }
        }
    }
}

/// Builds input `i` of `reader`: a seed case with one file mutated.
fn make_input(seed: u64, reader: Reader, i: u64, cases: &[Case], pool: &[&[u8]]) -> Case {
    let mut r = rng(derive_seed(seed, &[reader as u64, i]));
    let mut case = cases[r.random_range(0..cases.len())].clone();
    let j = r.random_range(0..case.files.len());
    let other = pool[r.random_range(0..pool.len())];
    mutate(&mut r, reader, &mut case.files[j].1, other);
    case
}

enum Outcome {
    Ok,
    Err,
    Panic(String),
}

/// Reads `case` with `reader`, and analyses it with a small node budget when it reads.
fn run(reader: Reader, case: &Case, config: &AnalysisConfig) -> Result<bool, String> {
    let scenario = match reader {
        Reader::Native => {
            let text = String::from_utf8_lossy(&case.files[0].1);
            native::read_str(&text, Some(&case.files[0].0)).ok()
        }
        Reader::Genius => {
            for (p, b) in &case.files {
                let _ = genius::classify(p, b);
            }
            let (dp, db) = &case.files[0];
            let refs: Vec<(&Path, &[u8])> = case.files[1..]
                .iter()
                .map(|(p, b)| (p.as_path(), b.as_slice()))
                .collect();
            genius::read_from(&case.name, (dp, db), &refs)
                .ok()
                .map(|l| l.scenario)
        }
        Reader::GeniusWeb => {
            for (p, b) in &case.files {
                let _ = geniusweb::classify(p, b);
            }
            let (dom, profs) = if case.has_domain {
                let (dp, db) = &case.files[0];
                (Some((dp.as_path(), db.as_slice())), &case.files[1..])
            } else {
                (None, &case.files[..])
            };
            let refs: Vec<(&Path, &[u8])> = profs
                .iter()
                .map(|(p, b)| (p.as_path(), b.as_slice()))
                .collect();
            geniusweb::read_from(&case.name, dom, &refs)
                .ok()
                .map(|l| l.scenario)
        }
    };
    match scenario {
        Some(s) => {
            let a = analysis::analyze(s.space(), &s.preferences(), config);
            std::hint::black_box(&a);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn run_caught(reader: Reader, case: &Case, config: &AnalysisConfig) -> Outcome {
    // The config holds no progress hook here (a hook is the only part that is not unwind-safe).
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(reader, case, config))) {
        Ok(Ok(true)) => Outcome::Ok,
        Ok(Ok(false) | Err(_)) => Outcome::Err,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_string());
            Outcome::Panic(msg)
        }
    }
}

#[derive(Default)]
struct Stats {
    ok: u64,
    err: u64,
    panics: Vec<(u64, String)>,
    slow: Vec<(u64, Duration)>,
    /// Wall-clock time of every input (read, plus the analysis when the read succeeds), in
    /// nanoseconds, by input index.
    nanos: Vec<u64>,
    /// FNV-1a over every input's outcome (0 ok, 1 error, 2 panic) in index order: the same at
    /// any thread count.
    digest: u64,
}

/// Inputs saved so far; at most 200 are written, so a common panic cannot fill the disk.
static SAVED: AtomicU64 = AtomicU64::new(0);

fn save(out: &Path, reader: Reader, i: u64, case: &Case, note: &str) {
    if SAVED.fetch_add(1, Ordering::Relaxed) >= 200 {
        return;
    }
    let dir = out.join(format!("{}-{i}", reader.name()));
    let _ = std::fs::create_dir_all(&dir);
    for (k, (p, b)) in case.files.iter().enumerate() {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = std::fs::write(dir.join(format!("{k}-{name}")), b);
    }
    let _ = std::fs::write(dir.join("NOTE.txt"), note);
}

fn fuzz(o: &Options, reader: Reader, cases: &[Case]) -> Stats {
    let pool: Vec<&[u8]> = cases
        .iter()
        .flat_map(|c| c.files.iter().map(|(_, b)| b.as_slice()))
        .collect();
    let config = AnalysisConfig {
        max_nodes: o.max_nodes,
        ..AnalysisConfig::default()
    };
    let start = Instant::now();
    let mut total = Stats {
        digest: 0xcbf2_9ce4_8422_2325,
        ..Stats::default()
    };
    let block = 20_000u64;
    let mut lo = o.from;
    while lo < o.inputs {
        let hi = (lo + block).min(o.inputs);
        let results: Vec<(u8, Duration, Option<String>)> = (lo..hi)
            .into_par_iter()
            .map(|i| {
                let case = make_input(o.seed, reader, i, cases, &pool);
                let t = Instant::now();
                let outcome = run_caught(reader, &case, &config);
                let dt = t.elapsed();
                let (kind, msg) = match outcome {
                    Outcome::Ok => (0, None),
                    Outcome::Err => (1, None),
                    Outcome::Panic(msg) => {
                        save(&o.out, reader, i, &case, &format!("panic: {msg}\n"));
                        (2, Some(msg))
                    }
                };
                if dt > o.slow {
                    save(&o.out, reader, i, &case, &format!("slow: {dt:?}\n"));
                }
                (kind, dt, msg)
            })
            .collect();
        for (i, (kind, dt, msg)) in (lo..hi).zip(results) {
            match kind {
                0 => total.ok += 1,
                1 => total.err += 1,
                _ => total.panics.push((i, msg.unwrap_or_default())),
            }
            if dt > o.slow {
                total.slow.push((i, dt));
            }
            total
                .nanos
                .push(u64::try_from(dt.as_nanos()).unwrap_or(u64::MAX));
            total.digest = (total.digest ^ u64::from(kind)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        lo = hi;
        let (max, at) = slowest(&total.nanos);
        let at = at as u64 + o.from;
        eprintln!(
            "{}: {hi}/{} inputs, {} ok, {} err, {} panics, {} slow, slowest {:.1} ms (#{at}), {:.0?} elapsed",
            reader.name(),
            o.inputs,
            total.ok,
            total.err,
            total.panics.len(),
            total.slow.len(),
            max as f64 / 1e6,
            start.elapsed()
        );
    }
    let secs = start.elapsed().as_secs_f64();
    let mut sorted = total.nanos.clone();
    sorted.sort_unstable();
    let pct = |q: f64| {
        let k = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(k - 1).copied().unwrap_or(0) as f64 / 1e6
    };
    let mut order: Vec<usize> = (0..total.nanos.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(total.nanos[k]));
    let top: Vec<String> = order
        .iter()
        .take(5)
        .map(|&k| {
            format!(
                "#{} {:.1} ms",
                k as u64 + o.from,
                total.nanos[k] as f64 / 1e6
            )
        })
        .collect();
    println!(
        "{:<10} inputs {:>9}  ok {:>8}  err {:>8}  panic {:>4}  slow {:>3}  median {:.3} ms  p99.9 {:.1} ms  max {:.1} ms  {:>6.0} inputs/s  digest {:016x}  ({} seed cases, {:.0} s)",
        reader.name(),
        o.inputs,
        total.ok,
        total.err,
        total.panics.len(),
        total.slow.len(),
        pct(0.5),
        pct(0.999),
        pct(1.0),
        o.inputs.saturating_sub(o.from) as f64 / secs,
        total.digest,
        cases.len(),
        secs
    );
    println!("{:<10} slowest: {}", reader.name(), top.join(", "));
    total
}

/// The largest time and its input index.
fn slowest(nanos: &[u64]) -> (u64, usize) {
    nanos
        .iter()
        .enumerate()
        .fold((0, 0), |b, (k, &t)| if t > b.0 { (t, k) } else { b })
}

/// Re-runs one saved input (`--replay DIR`), timing the read and the analysis separately.
fn replay(dir: &Path) -> ExitCode {
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let reader = match base.split('-').next() {
        Some("native") => Reader::Native,
        Some("genius") => Reader::Genius,
        Some("geniusweb") => Reader::GeniusWeb,
        _ => return usage(),
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = sorted_files(dir, "toml")
        .into_iter()
        .chain(sorted_files(dir, "xml"))
        .chain(sorted_files(dir, "json"))
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect();
    files.sort();
    if files.is_empty() {
        return usage();
    }
    let has_domain = reader == Reader::Genius
        || geniusweb::classify(&files[0].0, &files[0].1)
            .is_ok_and(|k| k == genius::FileKind::Domain);
    let case = Case {
        name: base,
        has_domain,
        files,
    };
    let t = Instant::now();
    let read = run(
        reader,
        &case,
        &AnalysisConfig {
            max_nodes: 0,
            ..AnalysisConfig::default()
        },
    );
    eprintln!(
        "read (+ analysis with max_nodes 0): {:?} -> {read:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let full = run(
        reader,
        &case,
        &AnalysisConfig {
            max_nodes: 2_000,
            ..AnalysisConfig::default()
        },
    );
    eprintln!(
        "read + analysis with max_nodes 2000: {:?} -> {full:?}",
        t.elapsed()
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    if argv.next().as_deref() == Some("--replay") {
        return match argv.next() {
            Some(dir) => replay(Path::new(&dir)),
            None => usage(),
        };
    }
    let Some(o) = parse_args() else {
        return usage();
    };
    if o.threads > 0 {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(o.threads)
            .build_global();
    }
    // Panics are counted and saved; keep their messages off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let (n, g, w) = seeds();
    let mut bad = false;
    let mut summary = String::new();
    for &reader in &o.readers {
        let cases = match reader {
            Reader::Native => &n,
            Reader::Genius => &g,
            Reader::GeniusWeb => &w,
        };
        if cases.is_empty() {
            eprintln!("{}: no seed files found", reader.name());
            bad = true;
            continue;
        }
        let s = fuzz(&o, reader, cases);
        for (i, msg) in &s.panics {
            let _ = writeln!(summary, "{} #{i} panicked: {msg}", reader.name());
        }
        for (i, dt) in &s.slow {
            let _ = writeln!(summary, "{} #{i} took {dt:?}", reader.name());
        }
        bad |= !s.panics.is_empty() || !s.slow.is_empty();
    }
    print!("{summary}");
    if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
