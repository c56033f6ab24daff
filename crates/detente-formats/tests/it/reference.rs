//! Every domain against the independent reference results in `shared/reference/*.json`
//! (see `shared/reference/README.md` for the definitions).
//!
//! For each reference file: the domain and the listed profiles are loaded with our importers
//! and analysed with `detente_core::analysis::analyze`; then the outcome count, the zopa count,
//! the reservation values, the 21 utility samples, the whole Pareto frontier (the same outcomes
//! with the same utilities within 1e-6) and our Nash, Kalai–Smorodinsky and max-welfare points
//! (each one of the reference's tied points) must agree. One test per file, so they run in
//! parallel; `every_reference_file_has_a_test` makes sure no file is left out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use detente_core::analysis::Point;
use detente_core::{Outcome, Scenario};
use detente_formats::{genius, geniusweb};
use serde_json::Value;

use crate::util::{analyze, shared_dir};

/// Utilities and frontier utilities agree within this.
const TOL: f64 = 1e-6;

macro_rules! reference_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check($file);
            }
        )*

        const FILES: &[&str] = &[$($file),*];
    };
}

reference_tests! {
    ampo_vs_city => "AMPOvsCity.json",
    anl2023_domain00 => "ANL2023-domain00.json",
    amsterdam => "Amsterdam.json",
    caduceus_smart_grid => "Caduceus-Smart_Grid.json",
    caduceus_smart_grid_first_two => "Caduceus-Smart_Grid__Smart_Grid_util1__Smart_Grid_util2.json",
    camera => "Camera.json",
    camera_a => "CameraA.json",
    camera_b => "CameraB.json",
    car => "Car.json",
    dog_choosing => "DogChoosing.json",
    energy => "Energy.json",
    england_zimbabwe => "EnglandZimbabwe.json",
    fifty_fifty_a => "FiftyFiftyA.json",
    grocery => "Grocery.json",
    integer_domain => "IntegerDomain.json",
    itex_vs_cypress => "ItexvsCypress.json",
    itex_vs_cypress_a => "ItexvsCypressA.json",
    laptop => "Laptop.json",
    nice_or_die => "NiceOrDie.json",
    smart_phone => "SmartPhone.json",
    terra_new_domain => "Terra-NewDomain.json",
    terra_new_domain_first_two => "Terra-NewDomain__NewDomain_util1__NewDomain_util2.json",
    travel => "Travel.json",
    ultimatum => "Ultimatum.json",
    geniusweb_fitness => "geniusweb-Fitness.json",
    geniusweb_flight_booking => "geniusweb-FlightBooking.json",
    geniusweb_japn_trip => "geniusweb-JapnTrip.json",
    geniusweb_party => "geniusweb-Party.json",
    group12_symposium => "group12-symposium.json",
    group12_symposium_first_two => "group12-symposium__Symposium-Profile1__Symposium-Profile2.json",
    group3_bank_robbery => "group3-bank_robbery.json",
    group3_bank_robbery_first_two => "group3-bank_robbery__Bank_Robbery_util1__Bank_Robbery_util2.json",
    group9_vacation => "group9-vacation.json",
    group9_vacation_first_two => "group9-vacation__Vacation_util2__Vacation_util3.json",
    partydomain => "partydomain.json",
    partydomain_first_two => "partydomain__party1_utility__party2_utility.json",
    raw_car2011 => "raw-Car2011.json",
    raw_group2_new_sporthal => "raw-group2-new_sporthal.json",
    raw_group2_new_sporthal_first_two => "raw-group2-new_sporthal__New_sporthal_util1__New_sporthal_util2.json",
    raw_group7_movie => "raw-group7-movie.json",
    raw_group7_movie_first_two => "raw-group7-movie__movie-profile1__movie-profile2.json",
}

#[test]
fn every_reference_file_has_a_test() {
    let Some(shared) = shared_dir() else { return };
    let mut on_disk: Vec<String> = std::fs::read_dir(shared.join("reference"))
        .expect("reference folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('_'))
        .collect();
    on_disk.sort();
    let mut ours: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    ours.sort();
    assert_eq!(on_disk, ours, "add a test for every reference file");
}

/// Loads and analyses one reference case and compares everything.
fn check(file: &str) {
    let Some(shared) = shared_dir() else { return };
    let path = shared.join("reference").join(file);
    let text = std::fs::read_to_string(&path).expect("reference file");
    let r: Value = serde_json::from_str(&text).expect("reference JSON");
    let domain_dir = shared.join("scenarios/genius").join(str_of(&r["domain"]));
    let profiles: Vec<String> = r["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| str_of(p).to_string())
        .collect();
    let profile_paths: Vec<PathBuf> = profiles.iter().map(|p| domain_dir.join(p)).collect();
    let domain_path = domain_dir.join(str_of(&r["domain_file"]));

    let t0 = Instant::now();
    let loaded = match str_of(&r["format"]) {
        "genius-xml" => genius::read(&domain_path, &profile_paths),
        "geniusweb-json" => geniusweb::read(Some(&domain_path), &profile_paths),
        other => panic!("unknown format {other}"),
    }
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    let load_time = t0.elapsed();
    let s = &loaded.scenario;
    let t1 = Instant::now();
    let a = analyze(s);
    let analysis_time = t1.elapsed();
    eprintln!(
        "{file}: {} outcomes, loaded in {load_time:.2?}, analysed in {analysis_time:.2?}",
        a.outcomes
    );

    let ctx = Ctx {
        file,
        s,
        profiles: &profiles,
    };
    // Parties are the profiles, in the reference's order.
    let names: Vec<&str> = s.parties().iter().map(|p| p.name.as_str()).collect();
    let stems: Vec<String> = profiles.iter().map(|p| stem(p)).collect();
    assert_eq!(names, stems, "{file}: party order");

    assert_eq!(
        a.outcomes.to_u64(),
        r["n_outcomes"].as_u64(),
        "{file}: n_outcomes"
    );
    let zopa = a.zopa.as_ref().expect("zopa");
    assert_eq!(
        zopa.to_u64(),
        r["n_rational"].as_u64(),
        "{file}: n_rational (zopa)"
    );

    for (p, prof) in s.parties().iter().zip(&profiles) {
        let want = r["reservation_values"][prof.as_str()]
            .as_f64()
            .expect("reservation");
        let got = p.preferences.reservation();
        assert!(
            (got - want).abs() <= 1e-12,
            "{file}: reservation of {prof}: {got} vs {want}"
        );
    }

    // Utility samples, off the frontier too, including the outcome enumeration order.
    for sample in r["utility_samples"].as_array().expect("samples") {
        let idx = sample["outcome_index"].as_u64().expect("index");
        let o = s
            .space()
            .outcome_at(u128::from(idx))
            .expect("sample index in range");
        assert_eq!(
            o,
            ctx.outcome(&sample["outcome"]),
            "{file}: outcome order at {idx}"
        );
        let want = ctx.utilities(&sample["utilities"]);
        let got = s.utilities(&o);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-12,
                "{file}: utility of sample {idx}: {got:?} vs {want:?}"
            );
        }
    }

    // The frontier: same outcomes, same utilities, same acceptability.
    let rf = &r["pareto_frontier"];
    let mut reference: HashMap<Outcome, (Vec<f64>, bool)> = HashMap::new();
    for point in rf["points"].as_array().expect("points") {
        let o = ctx.outcome(&point["outcome"]);
        let u = ctx.utilities(&point["utilities"]);
        let rational = point["rational"].as_bool().expect("rational");
        assert!(
            reference.insert(o, (u, rational)).is_none(),
            "{file}: duplicate reference point"
        );
    }
    let frontier = a.pareto.as_ref().expect("frontier computed");
    assert_eq!(
        frontier.len() as u64,
        rf["n_outcomes"].as_u64().expect("n_outcomes"),
        "{file}: frontier size (ours {}, reference {})",
        frontier.len(),
        reference.len()
    );
    for point in frontier {
        let Some((u, rational)) = reference.get(&point.outcome) else {
            panic!(
                "{file}: our frontier point {} {:?} is not on the reference frontier",
                s.space().describe(&point.outcome),
                point.utilities
            );
        };
        close(
            &point.utilities,
            u,
            &format!("{file}: frontier point utilities"),
        );
        assert_eq!(
            point.acceptable, *rational,
            "{file}: rational flag of {:?}",
            point.utilities
        );
    }
    // As a set of utility vectors, too.
    let mut ours: Vec<Vec<f64>> = frontier.iter().map(|p| p.utilities.clone()).collect();
    let mut theirs: Vec<Vec<f64>> = reference.values().map(|(u, _)| u.clone()).collect();
    dedup_vectors(&mut ours);
    dedup_vectors(&mut theirs);
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{file}: distinct frontier utility vectors"
    );
    assert_eq!(
        ours.len() as u64,
        rf["n_utility_vectors"].as_u64().expect("n_utility_vectors"),
        "{file}: distinct frontier utility vectors"
    );
    for (x, y) in ours.iter().zip(&theirs) {
        close(x, y, &format!("{file}: frontier vectors"));
    }

    // Bargaining points: ours must be one of the reference's tied points.
    for (key, point) in [
        ("nash", &a.nash),
        ("kalai_smorodinsky", &a.kalai_smorodinsky),
        ("max_welfare", &a.max_welfare),
    ] {
        let point = point
            .as_ref()
            .unwrap_or_else(|e| panic!("{file}: {key}: {e}"));
        ctx.check_point(key, point.as_ref(), &r[key]);
    }
    if let Ok(Some(_)) = &a.kalai_smorodinsky {
        // Our ideal point is the reference's.
        let ideal = a.ideal.as_ref().expect("ideal");
        let want = ctx.utilities(&r["kalai_smorodinsky"]["ideal_point"]);
        let got: Vec<f64> = ideal.iter().map(|x| x.expect("ideal")).collect();
        close(&got, &want, &format!("{file}: ideal point"));
    }
}

/// Reads reference values against our scenario.
struct Ctx<'a> {
    file: &'a str,
    s: &'a Scenario,
    profiles: &'a [String],
}

impl Ctx<'_> {
    /// The outcome of a reference `{issue: value}` object.
    fn outcome(&self, v: &Value) -> Outcome {
        let obj = v.as_object().expect("outcome object");
        let mut idx = Vec::new();
        for issue in self.s.space().issues() {
            let value = obj.get(issue.name()).unwrap_or_else(|| {
                panic!(
                    "{}: reference outcome has no issue '{}'",
                    self.file,
                    issue.name()
                )
            });
            let label = match value {
                Value::String(s) => cp1252(s),
                other => other.to_string(),
            };
            let k = (0..issue.n_values())
                .find(|&k| issue.value(k).is_some_and(|x| x.to_string() == label))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no value '{label}' in issue '{}'",
                        self.file,
                        issue.name()
                    )
                });
            idx.push(k);
        }
        Outcome::new(idx)
    }

    /// Utilities of a reference `{profile file: u}` object, in party order.
    fn utilities(&self, v: &Value) -> Vec<f64> {
        self.profiles
            .iter()
            .map(|p| {
                v[p.as_str()]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{}: no utility for {p}", self.file))
            })
            .collect()
    }

    fn check_point(&self, key: &str, ours: Option<&Point>, reference: &Value) {
        let points = reference["points"].as_array().expect("points");
        let Some(ours) = ours else {
            assert!(
                points.is_empty(),
                "{}: {key}: we found none, the reference lists {}",
                self.file,
                points.len()
            );
            return;
        };
        let found = points.iter().any(|p| {
            self.outcome(&p["outcome"]) == ours.outcome
                || self
                    .utilities(&p["utilities"])
                    .iter()
                    .zip(&ours.utilities)
                    .all(|(x, y)| (x - y).abs() <= TOL)
        });
        assert!(
            found,
            "{}: {key}: our point {} {:?} is not among the reference's {} points",
            self.file,
            self.s.space().describe(&ours.outcome),
            ours.utilities,
            points.len()
        );
    }
}

/// The reference decodes non-UTF-8 files as strict Latin-1, so raw-group2-new_sporthal's 0x80
/// byte becomes the control character U+0080; we read such files as Windows-1252, where 0x80 is
/// `€`. Map the reference's C1 characters the same way before comparing labels.
fn cp1252(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{80}' => '€',
            c => c,
        })
        .collect()
}

fn str_of(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn stem(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= TOL, "{what}: {a:?} vs {b:?}");
    }
}

/// Rounds vectors to 9 decimals (which keeps the exact tie structure of every reference file,
/// per its README), sorts them and drops repeats.
fn dedup_vectors(v: &mut Vec<Vec<f64>>) {
    let key = |u: &[f64]| -> Vec<i64> { u.iter().map(|x| (x * 1e9).round() as i64).collect() };
    v.sort_by_key(|u| key(u));
    v.dedup_by(|a, b| key(a) == key(b));
}
