use super::*;

fn domain() -> &'static [u8] {
    br#"<negotiation_template><utility_space><objective index="0" name="root">
        <issue index="1" name="a" type="discrete"><item index="1" value="x"/><item index="2" value="y"/></issue>
        <issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"/>
    </objective></utility_space></negotiation_template>"#
}

fn profile(weights: &str) -> String {
    format!(
        r#"<utility_space><objective index="0" name="root">
        <issue index="1" name="a" type="discrete"><item index="1" value="x" evaluation="2"/><item index="2" value="y" evaluation="4"/></issue>
        <issue index="2" name="n" type="integer" lowerbound="1" upperbound="4"><evaluator ftype="linear" slope="0.5" offset="0.2"/></issue>
        {weights}
        </objective><reservation value="0.3"/><discount_factor value="0"/></utility_space>"#
    )
}

#[test]
fn negative_evaluations_and_reservation_values_take_genius_arithmetic() {
    // As NegMAS writes renormalised domains: evaluations below 0, a reservation below 0.
    let p = profile(r#"<weight index="1" value="0.5"/><weight index="2" value="0.5"/>"#)
        .replace(r#"evaluation="2""#, r#"evaluation="-1""#)
        .replace(
            r#"<reservation value="0.3"/>"#,
            r#"<reservation value="-0.25"/>"#,
        );
    let loaded = read_from(
        "t",
        (Path::new("d.xml"), domain()),
        &[(Path::new("p1.xml"), p.as_bytes())],
    )
    .unwrap();
    let prefs = &loaded.scenario.parties()[0].preferences;
    assert_eq!(prefs.reservation(), -0.25);
    // GENIUS: evaluation / max(0, evaluations) = -1/4 and 4/4, weighted by 0.5.
    assert_eq!(prefs.ufun().terms()[0], vec![0.5 * (-1.0 / 4.0), 0.5]);
    let worst = detente_core::Outcome::new(vec![0, 0]);
    assert_eq!(prefs.utility(&worst), 0.5 * (-1.0 / 4.0) + 0.5 * 0.2);
    // Every evaluation negative: the largest is 0, and GENIUS counts every value as 0.
    let p = profile(r#"<weight index="1" value="0.5"/><weight index="2" value="0.5"/>"#)
        .replace(r#"evaluation="2""#, r#"evaluation="-1""#)
        .replace(r#"evaluation="4""#, r#"evaluation="-3""#);
    let loaded = read_from(
        "t",
        (Path::new("d.xml"), domain()),
        &[(Path::new("p1.xml"), p.as_bytes())],
    )
    .unwrap();
    assert_eq!(
        loaded.scenario.parties()[0].preferences.ufun().terms()[0],
        vec![0.0, 0.0]
    );
}

#[test]
fn utilities_follow_genius_semantics() {
    let p = profile(r#"<weight index="1" value="0.6"/><weight index="2" value="0.6"/>"#);
    let loaded = read_from(
        "t",
        (Path::new("d.xml"), domain()),
        &[(Path::new("p1.xml"), p.as_bytes())],
    )
    .unwrap();
    let s = &loaded.scenario;
    let prefs = &s.parties()[0].preferences;
    assert_eq!(s.parties()[0].name, "p1");
    assert_eq!(prefs.reservation(), 0.3);
    assert_eq!(prefs.discount(), 1.0);
    let t = prefs.ufun().terms();
    assert_eq!(t[0], vec![0.6 * 0.5, 0.6]);
    // clip(0.2 + 0.5·(x − 1)) for x = 1..4: 0.2, 0.7, 1, 1.
    let want = [0.2, 0.7, 1.0, 1.0];
    for (k, w) in want.iter().enumerate() {
        assert!((t[1][k] - 0.6 * w).abs() < 1e-15);
    }
    // The sum is clipped at 1.
    assert_eq!(prefs.ufun().max(), 1.0);
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("weights add up to 1.2"))
    );
}

/// A profile whose weights add up to 1.2 reaches a raw utility of 1.2, clipped at 1: the
/// native writer refuses it with the additive message that points to `--renormalise` (the
/// bounded clip check for linked functions must not pre-empt it), and renormalising writes it.
#[test]
fn an_additive_sum_above_one_is_refused_or_renormalised_not_clip_checked() {
    let over = profile(r#"<weight index="1" value="0.6"/><weight index="2" value="0.6"/>"#);
    let loaded = read_from(
        "t",
        (Path::new("d.xml"), domain()),
        &[(Path::new("p1.xml"), over.as_bytes())],
    )
    .unwrap();
    let e = crate::native::to_toml(&loaded.scenario).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("above 1"), "{e}");
    let opts = crate::native::WriteOptions { renormalise: true };
    assert!(crate::native::to_toml_with(&loaded.scenario, &opts).is_ok());
}
