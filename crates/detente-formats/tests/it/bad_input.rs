//! Broken files: each kind gives an error that names the file, the line (XML) and the element,
//! and says what would be valid.

use std::path::Path;

use detente_formats::{Error, ErrorKind, genius, geniusweb};

const DOMAIN: &str = r#"<negotiation_template><utility_space><objective index="0" name="root">
<issue index="1" name="colour" type="discrete"><item index="1" value="red"/><item index="2" value="blue"/></issue>
<issue index="2" name="size" type="integer" lowerbound="1" upperbound="3"/>
</objective></utility_space></negotiation_template>"#;

const PROFILE: &str = r#"<utility_space><objective index="0" name="root">
<issue index="1" name="colour" type="discrete"><item index="1" value="red" evaluation="1"/><item index="2" value="blue" evaluation="3"/></issue>
<issue index="2" name="size" type="integer" lowerbound="1" upperbound="3"><evaluator ftype="linear" slope="0.5" offset="0"/></issue>
<weight index="1" value="0.5"/>
<weight index="2" value="0.5"/>
</objective><reservation value="0.2"/></utility_space>"#;

/// Reads `domain` and `profile` (file names d.xml and p.xml).
fn read(domain: &str, profile: &str) -> Result<detente_formats::Loaded, Error> {
    genius::read_from(
        "t",
        (Path::new("d.xml"), domain.as_bytes()),
        &[(Path::new("p.xml"), profile.as_bytes())],
    )
}

/// Asserts an error of `kind` about `file`, at `element` (a substring), whose message holds every
/// phrase.
fn check(
    result: Result<detente_formats::Loaded, Error>,
    kind: ErrorKind,
    file: &str,
    element: &str,
    phrases: &[&str],
) {
    let e = match result {
        Ok(_) => panic!("expected an error about {file} {element}"),
        Err(e) => e,
    };
    let shown = e.to_string();
    assert_eq!(e.kind(), kind, "{shown}");
    assert_eq!(e.path(), Some(Path::new(file)), "{shown}");
    if !element.is_empty() {
        assert!(
            e.element().is_some_and(|el| el.contains(element)),
            "element {element:?}: {shown}"
        );
    }
    if file.ends_with(".xml") && kind != ErrorKind::Unsupported {
        assert!(e.line().is_some(), "no line: {shown}");
    }
    for p in phrases {
        assert!(shown.contains(p), "{p:?} not in: {shown}");
    }
    // Messages are lower-case.
    assert!(!e.message().starts_with(char::is_uppercase), "{shown}");
}

#[test]
fn the_good_files_load() {
    let loaded = read(DOMAIN, PROFILE).expect("loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn unknown_issue_in_a_profile() {
    let p = PROFILE.replace(
        r#"<issue index="2" name="size""#,
        r#"<issue index="7" name="size""#,
    );
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        r#"<issue index="7""#,
        &[
            "unknown issue",
            "no issue with index 7",
            "1 (colour), 2 (size)",
        ],
    );
}

#[test]
fn weight_for_no_issue() {
    let p = PROFILE.replace(
        r#"<weight index="2" value="0.5"/>"#,
        r#"<weight index="2" value="0.5"/><weight index="5" value="0.1"/>"#,
    );
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        r#"<weight index="5""#,
        &["weight index 5 matches no issue", "expected one of 1, 2"],
    );
}

#[test]
fn issue_without_weight() {
    let p = PROFILE.replace(r#"<weight index="2" value="0.5"/>"#, "");
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        r#"<issue index="2" name="size">"#,
        &["has no <weight index=\"2\">"],
    );
}

#[test]
fn duplicate_and_negative_weights() {
    let p = PROFILE.replace(
        r#"<weight index="2" value="0.5"/>"#,
        r#"<weight index="2" value="0.5"/><weight index="2" value="0.1"/>"#,
    );
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        "<weight",
        &["a second weight for index 2"],
    );
    let p = PROFILE.replace(
        r#"<weight index="2" value="0.5"/>"#,
        r#"<weight index="2" value="-0.5"/>"#,
    );
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        "<weight",
        &["is negative", ">= 0"],
    );
}

#[test]
fn missing_evaluation() {
    let p = PROFILE.replace(r#"<item index="2" value="blue" evaluation="3"/>"#, "");
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        r#"<issue index="1" name="colour">"#,
        &["missing evaluation", "value 'blue' of issue 'colour'"],
    );
}

#[test]
fn item_without_evaluation_attribute_counts_zero_with_a_warning() {
    let p = PROFILE.replace(r#"value="red" evaluation="1""#, r#"value="red""#);
    let loaded = read(DOMAIN, &p).expect("loads, as GENIUS does");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("has no evaluation; counted as 0"))
    );
    assert_eq!(
        loaded.scenario.parties()[0].preferences.ufun().terms()[0],
        vec![0.0, 0.5]
    );
}

#[test]
fn non_numeric_evaluations() {
    // (Negative evaluations are accepted with GENIUS's arithmetic: see genius.rs's tests.)
    let p = PROFILE.replace(r#"evaluation="1""#, r#"evaluation="one""#);
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        "<item",
        &["evaluation=\"one\" is not a finite number"],
    );
}

#[test]
fn duplicate_values_in_the_domain() {
    let d = DOMAIN.replace(r#"value="blue""#, r#"value="red""#);
    check(
        read(&d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        r#"<item index="2" value="red">"#,
        &["value 'red' of issue 'colour' appears twice; values must be unique"],
    );
}

#[test]
fn repeated_value_in_a_profile_is_last_wins_with_a_warning() {
    // Real files do this (AMPOvsCity); GENIUS keeps the last evaluation.
    let p = PROFILE.replace(
        r#"<item index="2" value="blue" evaluation="3"/>"#,
        r#"<item index="2" value="blue" evaluation="3"/><item index="3" value="red" evaluation="2"/>"#,
    );
    let loaded = read(DOMAIN, &p).expect("loads");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("evaluated twice")),
        "{:?}",
        loaded.warnings
    );
    assert_eq!(
        loaded.scenario.parties()[0].preferences.ufun().terms()[0],
        vec![0.5 * 2.0 / 3.0, 0.5]
    );
}

#[test]
fn empty_issue() {
    let d = DOMAIN.replace(
        r#"<item index="1" value="red"/><item index="2" value="blue"/>"#,
        "",
    );
    check(
        read(&d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        r#"<issue index="1" name="colour">"#,
        &["discrete issue 'colour' has no <item> values; expected at least one"],
    );
    let d = DOMAIN.replace(
        r#"lowerbound="1" upperbound="3""#,
        r#"lowerbound="4" upperbound="3""#,
    );
    check(
        read(&d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        r#"<issue index="2" name="size">"#,
        &["lowerbound 4 is above upperbound 3"],
    );
    let d = r#"<negotiation_template><utility_space><objective index="0"/></utility_space></negotiation_template>"#;
    check(
        read(d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        "<objective",
        &["no <issue> elements"],
    );
}

#[test]
fn duplicate_issue_indices_and_names() {
    let d = DOMAIN.replace(
        r#"<issue index="2" name="size""#,
        r#"<issue index="1" name="size""#,
    );
    check(
        read(&d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        r#"name="size""#,
        &["issue index 1 is already used by issue 'colour'"],
    );
    let d = DOMAIN.replace(r#"name="size""#, r#"name="colour""#);
    check(
        read(&d, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        r#"<issue index="2""#,
        &["issue name 'colour' is used twice"],
    );
}

#[test]
fn files_of_the_wrong_kind() {
    check(
        read(PROFILE, PROFILE),
        ErrorKind::Invalid,
        "d.xml",
        "<utility_space",
        &["expected a GENIUS domain", "found a GENIUS profile"],
    );
    check(
        read(DOMAIN, DOMAIN),
        ErrorKind::Invalid,
        "p.xml",
        "<negotiation_template",
        &["expected a GENIUS profile", "found a GENIUS domain"],
    );
    check(
        read(DOMAIN, "<html><body/></html>"),
        ErrorKind::Invalid,
        "p.xml",
        "<html",
        &["an XML file with root <html>"],
    );
    check(
        read(DOMAIN, "0.5, 0.7\n"),
        ErrorKind::Syntax,
        "p.xml",
        "",
        &["text before the first element"],
    );
    let e = read(DOMAIN, "").unwrap_err();
    assert!(e.to_string().contains("no XML element found"), "{e}");
}

#[test]
fn unsupported_profiles_and_issues() {
    // A non-linear profile is read as one: without its <utility> it is an error.
    let p = PROFILE.replace("<utility_space>", r#"<utility_space type="nonlinear">"#);
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        "<objective",
        &["expected a <utility maxutility=\"…\"> element"],
    );
    let p = PROFILE.replace("<utility_space>", r#"<utility_space type="UNCERTAIN">"#);
    check(
        read(DOMAIN, &p),
        ErrorKind::Unsupported,
        "p.xml",
        "<utility_space",
        &["preference-uncertainty (type=\"UNCERTAIN\") profiles are not supported"],
    );
    let d = DOMAIN.replace(
        r#"<issue index="2" name="size" type="integer" lowerbound="1" upperbound="3"/>"#,
        r#"<issue index="2" name="size" type="real"><range lowerbound="10.0" upperbound="40.0"/></issue>"#,
    );
    check(
        read(&d, PROFILE),
        ErrorKind::Unsupported,
        "d.xml",
        r#"<issue index="2" name="size">"#,
        &[
            "issue 'size' is real (continuous) on [10.0, 40.0]",
            "does not discretise them silently",
        ],
    );
    let d = DOMAIN.replace(
        r#"<issue index="1" name="colour""#,
        r#"<objective index="9"/><issue index="1" name="colour""#,
    );
    check(
        read(&d, PROFILE),
        ErrorKind::Unsupported,
        "d.xml",
        "<objective",
        &["nested objectives are not supported"],
    );
    let p = PROFILE.replace(r#"slope="0.5" offset="0""#, r#"offset="0""#);
    check(
        read(DOMAIN, &p),
        ErrorKind::Invalid,
        "p.xml",
        "<evaluator",
        &["missing attribute slope"],
    );
}

#[test]
fn malformed_xml_names_the_line() {
    // Truncated inside a tag.
    let p = &PROFILE[..PROFILE.find(r#"<weight index="1" value"#).expect("weight") + 18];
    let e = read(DOMAIN, p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert_eq!(e.path(), Some(Path::new("p.xml")));
    assert_eq!(e.line(), Some(4), "{e}");
    assert!(
        e.to_string()
            .contains("malformed XML inside <objective> opened on line 1"),
        "{e}"
    );
}

// ------------------------------------------------------------------------------------------
// GeniusWeb.

const GW_DOMAIN: &str = r#"{"name": "d", "issuesValues": {
    "colour": {"values": ["red", "blue"]},
    "size": {"range": {"low": 1, "high": 3, "step": 1}}}}"#;

fn gw_profile(utilities: &str, weights: &str, extra: &str) -> String {
    format!(
        r#"{{"LinearAdditiveUtilitySpace": {{"name": "p", "domain": {GW_DOMAIN},
        "issueUtilities": {utilities}, "issueWeights": {weights}{extra}}}}}"#
    )
}

const GW_UTILS: &str = r#"{"colour": {"discreteutils": {"valueUtilities": {"red": 0.2, "blue": 1}}},
    "size": {"NumberValueSetUtilities": {"lowValue": 1, "lowUtility": 0, "highValue": 3, "highUtility": 1}}}"#;
const GW_WEIGHTS: &str = r#"{"colour": 0.4, "size": 0.6}"#;

fn gw_read(domain: &str, profile: &str) -> Result<detente_formats::Loaded, Error> {
    geniusweb::read_from(
        "t",
        Some((Path::new("d.json"), domain.as_bytes())),
        &[(Path::new("p.json"), profile.as_bytes())],
    )
}

#[test]
fn geniusweb_good_files_load_with_both_spellings() {
    let loaded = gw_read(
        GW_DOMAIN,
        &gw_profile(
            GW_UTILS,
            GW_WEIGHTS,
            r#", "reservationBid": {"issuevalues": {"size": 2}}"#,
        ),
    )
    .expect("loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let prefs = &loaded.scenario.parties()[0].preferences;
    assert_eq!(prefs.ufun().terms()[0], vec![0.4 * 0.2, 0.4]);
    assert_eq!(prefs.ufun().terms()[1], vec![0.0, 0.3, 0.6]);
    // The partial bid {size: 2} is worth 0.6·0.5; colour adds nothing.
    assert!((prefs.reservation() - 0.3).abs() < 1e-15);
    assert!(!prefs.ufun().clips_at_one());
}

#[test]
fn geniusweb_unknown_and_missing_issues() {
    let u = GW_UTILS.replace(
        r#""colour": {"discreteutils""#,
        r#""color": {"discreteutils""#,
    );
    let e = gw_read(GW_DOMAIN, &gw_profile(&u, GW_WEIGHTS, "")).unwrap_err();
    assert_eq!(e.path(), Some(Path::new("p.json")));
    assert!(
        e.to_string()
            .contains("unknown issue 'color'; the domain's issues are colour, size"),
        "{e}"
    );
    assert!(
        e.element()
            .is_some_and(|el| el.contains("issueUtilities[\"color\"]")),
        "{e}"
    );
    let e = gw_read(GW_DOMAIN, &gw_profile(GW_UTILS, r#"{"colour": 1}"#, "")).unwrap_err();
    assert!(e.to_string().contains("issue 'size' has no weight"), "{e}");
}

#[test]
fn geniusweb_utilities_out_of_range_and_duplicate_values() {
    let u = GW_UTILS.replace(r#""blue": 1"#, r#""blue": 1.5"#);
    let e = gw_read(GW_DOMAIN, &gw_profile(&u, GW_WEIGHTS, "")).unwrap_err();
    assert!(
        e.to_string().contains("utility 1.5 is outside [0, 1]"),
        "{e}"
    );
    assert!(
        e.element()
            .is_some_and(|el| el.contains("valueUtilities[\"blue\"]")),
        "{e}"
    );
    let d = GW_DOMAIN.replace(r#"["red", "blue"]"#, r#"["red", "red"]"#);
    let e = gw_read(&d, &gw_profile(GW_UTILS, GW_WEIGHTS, "")).unwrap_err();
    assert_eq!(e.path(), Some(Path::new("d.json")));
    assert!(
        e.to_string()
            .contains("value 'red' of issue 'colour' appears twice"),
        "{e}"
    );
    let d = GW_DOMAIN.replace(r#"["red", "blue"]"#, "[]");
    let e = gw_read(&d, &gw_profile(GW_UTILS, GW_WEIGHTS, "")).unwrap_err();
    assert!(
        e.to_string().contains("issue 'colour' has no values"),
        "{e}"
    );
}

#[test]
fn geniusweb_bad_reservation_bid_and_foreign_domain() {
    let e = gw_read(
        GW_DOMAIN,
        &gw_profile(
            GW_UTILS,
            GW_WEIGHTS,
            r#", "reservationBid": {"issuevalues": {"colour": "green"}}"#,
        ),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("\"green\" is not a value of issue 'colour'"),
        "{e}"
    );
    assert!(
        e.element().is_some_and(|el| el.contains("reservationBid")),
        "{e}"
    );
    let other = GW_DOMAIN.replace(r#""blue""#, r#""green""#);
    let e = gw_read(&other, &gw_profile(GW_UTILS, GW_WEIGHTS, "")).unwrap_err();
    assert!(
        e.to_string()
            .contains("the profile's domain ('d') differs from the scenario's"),
        "{e}"
    );
}

#[test]
fn geniusweb_wrong_kinds_and_syntax() {
    let e = gw_read(GW_DOMAIN, GW_DOMAIN).unwrap_err();
    assert!(
        e.to_string().contains("expected a GeniusWeb profile"),
        "{e}"
    );
    let e = gw_read(GW_DOMAIN, r#"{"SumOfGroupsUtilitySpace": {}}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(
        e.to_string()
            .contains("non-linear (SumOfGroupsUtilitySpace) profiles are not supported"),
        "{e}"
    );
    let e = gw_read(GW_DOMAIN, "{\n\"LinearAdditiveUtilitySpace\": {,}}").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert_eq!(e.line(), Some(2), "{e}");
    let u = GW_UTILS.replace("discreteutils", "fancyutils");
    let e = gw_read(GW_DOMAIN, &gw_profile(&u, GW_WEIGHTS, "")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(
        e.to_string().contains("fancyutils are not supported"),
        "{e}"
    );
}

#[test]
fn geniusweb_number_utilities_are_zero_outside_their_range_and_rounded() {
    let u = GW_UTILS.replace(
        r#""lowValue": 1, "lowUtility": 0, "highValue": 3, "highUtility": 1"#,
        r#""lowValue": 2, "lowUtility": 0.1, "highValue": 5, "highUtility": 0.2"#,
    );
    let loaded = gw_read(GW_DOMAIN, &gw_profile(&u, GW_WEIGHTS, "")).expect("loads");
    let t = &loaded.scenario.parties()[0].preferences.ufun().terms()[1];
    // x = 1 is below lowValue: 0; x = 3: 0.1 + 0.1/3 rounded to 8 decimals.
    assert_eq!(t[0], 0.0);
    assert!((t[1] - 0.6 * 0.1).abs() < 1e-15);
    assert!((t[2] - 0.6 * 0.13333333).abs() < 1e-15, "{t:?}");
}

#[test]
fn two_profiles_with_the_same_name_are_refused() {
    let Some(dir) = crate::util::genius_dir("CameraB") else {
        return;
    };
    let p = dir.join("Camera-B-prof1.xml");
    let e = genius::read(&dir.join("Camera-B-domain.xml"), &[p.clone(), p.clone()])
        .expect_err("the same profile twice must be refused");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(
        e.to_string()
            .contains("two profiles are both named 'Camera-B-prof1'"),
        "{e}"
    );
    assert_eq!(e.path(), Some(p.as_path()));
}

/// Inputs are size-checked before reading (issue 17: `analyze /dev/zero` grew to 9.8 GB): a
/// regular file over the cap is refused without being read (a sparse file costs no disk), and
/// an endless device is read only up to the cap.
#[test]
fn oversized_inputs_are_refused_without_reading_them_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(detente_formats::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    drop(f);
    let e = detente_formats::load(&big).unwrap_err().to_string();
    assert!(e.contains("at most 67108864 bytes (64 MiB)"), "{e}");
    assert!(e.contains("big.toml"), "{e}");
    let zero = std::path::Path::new("/dev/zero");
    if zero.exists() {
        let e = detente_formats::native::read_file(zero)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 67108864 bytes could be read"), "{e}");
    }
}
