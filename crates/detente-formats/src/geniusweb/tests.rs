use super::*;
use crate::geniusweb::read::{Kind, number_range};

#[test]
fn half_up_rounding_to_8_decimals() {
    assert_eq!(round_half_up_8(0.123456785), 0.12345679);
    assert_eq!(round_half_up_8(0.3), 0.3);
    assert_eq!(round_half_up_8(1.0), 1.0);
}

#[test]
fn decimal_ranges_become_discrete_issues() {
    let mut w = Vec::new();
    let k = number_range(
        Path::new("d.json"),
        "range",
        "weight",
        &serde_json::json!({"low": 12.2, "high": 12.6, "step": 0.3}),
        &mut w,
    )
    .unwrap();
    let Kind::Decimal { labels, .. } = k else {
        panic!("{k:?}")
    };
    assert_eq!(labels, ["12.2", "12.5"]);
    assert_eq!(w.len(), 1);
}
