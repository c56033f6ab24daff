//! Format detection: every folder of `shared/scenarios/genius` through `detente_formats::load`,
//! single files, and the errors for paths that hold no scenario.

use std::path::Path;

use detente_formats::detect::{Format, detect};
use detente_formats::{ErrorKind, Input, load, load_input};

use crate::util::{genius_dir, shared_dir};

/// What loading each shared folder must give: `Ok(parties)` or the error kind and a phrase of
/// its message.
fn expected(folder: &str) -> Result<usize, (ErrorKind, &'static str)> {
    match folder {
        "fuzzyagent-real" => Err((ErrorKind::Unsupported, "is real (continuous)")),
        "AgentHp2-energy_grid"
        | "Caduceus-Smart_Grid"
        | "Terra-NewDomain"
        | "group9-vacation"
        | "raw-group2-new_sporthal" => Ok(3),
        "group12-symposium" | "group3-bank_robbery" | "raw-group7-movie" | "partydomain" => Ok(9),
        _ => Ok(2),
    }
}

#[test]
fn every_shared_folder_loads_or_says_why_not() {
    let Some(shared) = shared_dir() else { return };
    let root = shared.join("scenarios/genius");
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .expect("folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert!(folders.len() >= 38, "{folders:?}");
    for folder in folders {
        let path = root.join(&folder);
        let got = load(&path);
        match (expected(&folder), got) {
            (Ok(n), Ok(loaded)) => {
                assert_eq!(loaded.scenario.parties().len(), n, "{folder}");
                assert_eq!(loaded.scenario.name, folder);
                for w in &loaded.warnings {
                    eprintln!("{folder}: {w}");
                }
            }
            (Err((kind, phrase)), Err(e)) => {
                assert_eq!(e.kind(), kind, "{folder}: {e}");
                assert!(e.to_string().contains(phrase), "{folder}: {e}");
                assert!(e.path().is_some(), "{folder}: the error names no file: {e}");
            }
            (want, got) => panic!(
                "{folder}: expected {want:?}, got {:?}",
                got.map(|l| l.warnings)
            ),
        }
    }
}

#[test]
fn partydomain_skips_the_uncertain_profiles_with_a_warning_each() {
    let Some(dir) = genius_dir("partydomain") else {
        return;
    };
    let loaded = load(&dir).expect("loads");
    let names: Vec<&str> = loaded
        .scenario
        .parties()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        names,
        (1..=9)
            .map(|k| format!("party{k}_utility"))
            .collect::<Vec<_>>()
    );
    let skipped: Vec<String> = loaded
        .warnings
        .iter()
        .filter(|w| w.message.contains("type=\"UNCERTAIN\""))
        .map(|w| {
            w.path
                .as_deref()
                .and_then(Path::file_name)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        skipped,
        [
            "party1_utility100.xml",
            "party1_utility_u10.xml",
            "party1_utility_u20.xml",
            "party1_utility_u50.xml",
            "party2_utility10.xml",
            "party2_utility_u10.xml",
            "party2_utility_u20.xml",
            "party2_utility_u50.xml"
        ]
    );
}

#[test]
fn an_uncertain_profile_passed_explicitly_is_unsupported() {
    let Some(dir) = genius_dir("partydomain") else {
        return;
    };
    let e = load_input(&Input::Genius {
        domain: dir.join("party_domain.xml"),
        profiles: vec![
            dir.join("party1_utility.xml"),
            dir.join("party1_utility_u10.xml"),
        ],
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(
        e.to_string()
            .contains("preference-uncertainty (type=\"UNCERTAIN\")"),
        "{e}"
    );
    assert!(e.to_string().contains("party1_utility_u10.xml"), "{e}");
}

#[test]
fn a_domain_file_loads_its_folder_and_a_profile_file_says_to_pass_the_folder() {
    let Some(dir) = genius_dir("Laptop") else {
        return;
    };
    let d = detect(&dir.join("laptop_domain.xml")).expect("detects");
    assert_eq!(d.format, Format::Genius);
    let loaded = load(&dir.join("laptop_domain.xml")).expect("loads");
    assert_eq!(loaded.scenario.parties().len(), 2);
    let e = load(&dir.join("laptop_buyer_utility.xml")).unwrap_err();
    assert!(
        e.to_string().contains("profile alone is not a scenario"),
        "{e}"
    );

    let Some(dir) = genius_dir("geniusweb-Party") else {
        return;
    };
    assert_eq!(detect(&dir).expect("detects").format, Format::GeniusWeb);
    let loaded = load(&dir.join("party.json")).expect("loads");
    assert_eq!(loaded.scenario.parties().len(), 2);
}

#[test]
fn anl_specials_json_is_skipped_with_a_warning() {
    let Some(dir) = genius_dir("ANL2023-domain00") else {
        return;
    };
    let loaded = load(&dir).expect("loads");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.to_string().contains("specials.json")
                && w.message.contains("not a GeniusWeb domain or profile")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_genius_folder_with_several_domains_needs_the_domain_file() {
    let Some(src) = genius_dir("Laptop") else {
        return;
    };
    let Some(src2) = genius_dir("Camera") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    for (dir, files) in [
        (
            &src,
            [
                "laptop_domain.xml",
                "laptop_buyer_utility.xml",
                "laptop_seller_utility.xml",
            ],
        ),
        (
            &src2,
            [
                "camera_domain.xml",
                "camera_buyer_utility.xml",
                "camera_seller_utility.xml",
            ],
        ),
    ] {
        for f in files {
            std::fs::copy(dir.join(f), tmp.path().join(f)).expect("copy");
        }
    }
    let e = load(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("holds 2 GENIUS domains"), "{e}");
    assert!(
        e.to_string()
            .contains("camera_domain.xml, laptop_domain.xml"),
        "{e}"
    );
    let loaded = load(&tmp.path().join("laptop_domain.xml")).expect("loads");
    let names: Vec<&str> = loaded
        .scenario
        .parties()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["laptop_buyer_utility", "laptop_seller_utility"]);
    assert_eq!(
        loaded
            .warnings
            .iter()
            .filter(|w| w.message.contains("do not match"))
            .count(),
        2
    );
}

#[test]
fn empty_and_missing_paths_say_what_was_expected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let e = load(tmp.path()).unwrap_err();
    assert!(
        e.to_string()
            .contains("no scenario in this folder; expected a native .toml file"),
        "{e}"
    );
    let e = load(&tmp.path().join("nope")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    std::fs::write(tmp.path().join("a.xml"), "<negotiation_template/>").unwrap();
    std::fs::write(
        tmp.path().join("b.json"),
        r#"{"name": "d", "issuesValues": {}}"#,
    )
    .unwrap();
    let e = load(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("several formats"), "{e}");
}

#[test]
fn a_native_file_is_read_by_the_native_reader() {
    let text = r#"
name = "haggle"
[[issues]]
name = "price"
options = ["low", "high"]
[[parties]]
name = "buyer"
weights = { price = 1 }
values = { price = { low = 1, high = 0 } }
[[parties]]
name = "seller"
weights = { price = 1 }
values = { price = { low = 0, high = 1 } }
"#;
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("haggle.toml");
    std::fs::write(&path, text).unwrap();
    assert_eq!(detect(&path).unwrap().format, Format::Native);
    match load(&path) {
        Ok(loaded) => assert_eq!(loaded.scenario.parties().len(), 2),
        // The native format is the lead's; if this sketch of it is out of date, the error must
        // at least come from the native reader.
        Err(e) => assert!(e.path() == Some(path.as_path()), "{e}"),
    }
    // The same through a folder holding just that file.
    assert_eq!(detect(tmp.path()).unwrap().format, Format::Native);
}

#[test]
fn a_broken_file_in_a_folder_is_an_error_naming_it() {
    let Some(src) = genius_dir("Laptop") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in [
        "laptop_domain.xml",
        "laptop_buyer_utility.xml",
        "laptop_seller_utility.xml",
    ] {
        std::fs::copy(src.join(f), tmp.path().join(f)).expect("copy");
    }
    // Cut the seller's profile inside a tag.
    let seller = tmp.path().join("laptop_seller_utility.xml");
    let text = std::fs::read_to_string(&seller).unwrap();
    let cut = text.find("<weight").expect("a weight") + 12;
    std::fs::write(&seller, &text[..cut]).unwrap();
    let e = load(tmp.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(e.path(), Some(seller.as_path()), "{e}");
    assert!(e.line().is_some(), "{e}");

    // The same for a GeniusWeb folder with a broken profile.
    let Some(src) = genius_dir("geniusweb-Party") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in ["party.json", "party1.json", "party2.json"] {
        std::fs::copy(src.join(f), tmp.path().join(f)).expect("copy");
    }
    let p2 = tmp.path().join("party2.json");
    let text = std::fs::read_to_string(&p2).unwrap();
    std::fs::write(&p2, text.replacen("0.", "0..", 1)).unwrap();
    let e = load(tmp.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(e.path(), Some(p2.as_path()), "{e}");
    assert!(e.line().is_some(), "{e}");
}

#[test]
fn a_geniusweb_json_domain_with_profiles_loads_like_its_folder() {
    let Some(dir) = genius_dir("geniusweb-Fitness") else {
        return;
    };
    let folder = load(&dir).expect("folder");
    let input = Input::Genius {
        domain: dir.join("fitness.json"),
        profiles: vec![dir.join("fitness1.json"), dir.join("fitness2.json")],
    };
    let files = load_input(&input).expect("--domain fitness.json --profile fitness1.json …");
    assert_eq!(files.scenario.space(), folder.scenario.space());
    assert_eq!(
        files.scenario.preferences(),
        folder.scenario.preferences(),
        "same parties, same preferences"
    );
}
