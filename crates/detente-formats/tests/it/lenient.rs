//! The `raw-*` folders hold real malformed GENIUS files (FORMATS.md §A.6). Each loads, with a
//! warning that says what was accepted, and means what GENIUS made of it.

use std::path::Path;

use detente_formats::{genius, load};

use crate::util::{analyze, assert_same_analysis, assert_same_utilities, genius_dir};

fn has_warning(warnings: &[detente_formats::Warning], file: &str, phrase: &str) -> bool {
    warnings.iter().any(|w| {
        w.path
            .as_deref()
            .and_then(Path::file_name)
            .is_some_and(|n| n == file)
            && w.message.contains(phrase)
    })
}

#[test]
fn raw_car2011_attributes_without_spaces_read_like_car() {
    let (Some(raw), Some(clean)) = (genius_dir("raw-Car2011"), genius_dir("Car")) else {
        return;
    };
    let a = load(&raw).expect("loads");
    assert!(
        has_warning(&a.warnings, "adg_deal.xml", "no space between them"),
        "{:?}",
        a.warnings
    );
    let b = load(&clean).expect("loads");
    assert_same_utilities(&a.scenario, &b.scenario, 0.0, u128::MAX);
    assert_same_analysis(
        &analyze(&a.scenario),
        &analyze(&b.scenario),
        0.0,
        "raw-Car2011",
    );
}

#[test]
fn raw_group7_movie_keeps_a_bare_ampersand_literally() {
    let Some(dir) = genius_dir("raw-group7-movie") else {
        return;
    };
    let loaded = load(&dir).expect("loads");
    let issue = &loaded.scenario.space().issues()[1];
    assert!(
        issue.option_index("the good, the bad & the ugly").is_some(),
        "{issue:?}"
    );
    assert!(
        has_warning(&loaded.warnings, "movie.xml", "bare '&'"),
        "{:?}",
        loaded.warnings
    );
    assert!(has_warning(
        &loaded.warnings,
        "movie-profile1.xml",
        "bare '&'"
    ));
}

#[test]
fn raw_group2_new_sporthal_is_decoded_as_windows_1252() {
    let Some(dir) = genius_dir("raw-group2-new_sporthal") else {
        return;
    };
    let loaded = load(&dir).expect("loads");
    assert!(has_warning(
        &loaded.warnings,
        "New sporthal.xml",
        "decoded as Windows-1252"
    ));
    let budget = loaded
        .scenario
        .space()
        .issues()
        .iter()
        .find(|i| i.name() == "Budget for aparatusses")
        .expect("issue");
    assert!(budget.option_index("€10,000").is_some(), "{budget:?}");
    // The domain file name has a space; the parties are the three profiles.
    assert_eq!(loaded.scenario.parties().len(), 3);
}

#[test]
fn raw_50issues_discounted_parses_despite_the_comment_before_the_declaration() {
    let Some(dir) = genius_dir("raw-50issuesDiscounted") else {
        return;
    };
    // The profiles are non-linear (ANAC 2014 hyper-rectangles): the folder loads.
    let loaded = load(&dir).expect("loads");
    assert_eq!(loaded.scenario.parties().len(), 2);
    assert_eq!(loaded.scenario.space().issues().len(), 40);
    let path = dir.join("profile-1.xml");
    let bytes = std::fs::read(&path).expect("file");
    let kind = genius::classify(&path, &bytes).expect("parses");
    assert!(matches!(kind, genius::FileKind::Profile), "{kind:?}");
    // The domain parses too, with a warning about the declaration.
    let domain = dir.join("50issuesDiscounted-domain.xml");
    let profile = br#"<utility_space><objective index="0">
        <issue index="1" name="c1-i40" type="integer" lowerbound="0" upperbound="9"><evaluator ftype="linear" slope="0.1" offset="0"/></issue>
        <weight index="1" value="1"/></objective></utility_space>"#;
    let text = std::fs::read(&domain).expect("file");
    let e = genius::read_from("x", (&domain, &text), &[(Path::new("p.xml"), profile)]).unwrap_err();
    // The profile covers 1 of the 40 issues: the error names the first missing one.
    assert!(e.to_string().contains("has no issue with index 2"), "{e}");
}

#[test]
fn synthetic_hazards_each_give_one_warning() {
    let domain = "\n\n<!-- a comment first -->\n<?xml version=\"1.0\"?>\n<negotiation_template><utility_space><objective index=\"0\">\
        <issue index=\"1\" name=\"a\" type=\"discrete\"vtype=\"discrete\"><item index=\"1\" value=\"x &amp; y\"/><item index=\"2\" value=\"z & w\"/></issue>\
        </objective></utility_space></negotiation_template>";
    let profile = "<utility_space><objective index=\"0\"><issue index=\"1\" name=\"a\">\
        <item index=\"1\" value=\"x &amp; y\" evaluation=\"1\" evaluation=\"3\"/><item index=\"2\" value=\"z & w\" evaluation=\"1\"/>\
        </issue><weight index=\"1\" value=\"1\"/></objective>";
    let loaded = genius::read_from(
        "t",
        (Path::new("d.xml"), domain.as_bytes()),
        &[(Path::new("p.xml"), profile.as_bytes())],
    )
    .expect("loads");
    let w = &loaded.warnings;
    for phrase in [
        "declaration is not at the start",
        "no space between them",
        "bare '&'",
    ] {
        assert!(has_warning(w, "d.xml", phrase), "{phrase}: {w:?}");
    }
    for phrase in ["appears twice in <item>", "never closed", "bare '&'"] {
        assert!(has_warning(w, "p.xml", phrase), "{phrase}: {w:?}");
    }
    // The duplicate attribute: the last value wins, as in GENIUS's parser.
    let t = &loaded.scenario.parties()[0].preferences.ufun().terms()[0];
    assert_eq!(t, &vec![1.0, 1.0 / 3.0]);
}
