//! The JSON of a robust analysis ([`detente_core::analysis::robustness::Sensitivity`]): the
//! object `detente sensitivity --json` prints, the `robustness` member of `analyze --json` and
//! `run --json`, and the dict the Python package's `detente.sensitivity` returns. One printer,
//! called by both shells.

use serde_json::{Map, Value, json};

use detente_core::analysis::robustness::{Decisive, Sensitivity, Share};
use detente_core::uncertainty::Site;
use detente_core::{Outcome, OutcomeSpace, Scenario};

/// `{issue: value}` for an outcome (options as strings, integers as numbers).
pub fn outcome(s: &Scenario, o: &Outcome) -> Value {
    outcome_values(s.space(), o.indices())
}

/// `{issue: value}` for value indices in issue order (the first `indices.len()` issues when
/// there are fewer indices than issues): the outcome printer over a bare outcome space.
pub fn outcome_values(space: &OutcomeSpace, indices: &[u32]) -> Value {
    let mut m = Map::new();
    for (i, (issue, &v)) in space.issues().iter().zip(indices).enumerate() {
        m.insert(issue.name().to_string(), value(space, i, v));
    }
    Value::Object(m)
}

/// One value of issue `i`: an option name as a string, an integer as a number (`null` for an
/// index out of range).
pub fn value(space: &OutcomeSpace, i: usize, v: u32) -> Value {
    match space.issues().get(i).and_then(|x| x.value(v)) {
        Some(detente_core::Value::Option(x)) => json!(x),
        Some(detente_core::Value::Integer(x)) => json!(x),
        None => Value::Null,
    }
}

/// `{party: number}` for per-party numbers.
pub fn per_party(s: &Scenario, xs: &[f64]) -> Value {
    let mut m = Map::new();
    for (p, x) in s.parties().iter().zip(xs) {
        m.insert(p.name.clone(), json!(x));
    }
    Value::Object(m)
}

/// A plain-words name of an estimate, e.g. "Russia: value of 'freeze' on T1_donbas".
pub fn site_label(s: &Scenario, site: Site) -> String {
    let party = |p: usize| s.parties().get(p).map_or("?", |x| x.name.as_str());
    let issue = |i: usize| s.space().issues().get(i).map_or("?", |x| x.name());
    match site {
        Site::Weight { party: p, issue: i } => format!("{}: weight of {}", party(p), issue(i)),
        Site::Value {
            party: p,
            issue: i,
            index,
        } => {
            let what = match s.space().issues().get(i).map(|x| x.kind()) {
                Some(detente_core::IssueKind::Discrete { options }) => options
                    .get(index)
                    .map_or_else(|| format!("#{index}"), |o| format!("'{o}'")),
                _ => match s
                    .uncertainty
                    .as_ref()
                    .and_then(|u| u.parties.get(p))
                    .and_then(|m| m.values.get(i))
                {
                    Some(Some(detente_core::uncertainty::ValueModel::Piecewise(pts))) => pts
                        .get(index)
                        .map_or_else(|| format!("point {index}"), |(x, _)| format!("x = {x}")),
                    _ => format!("value #{index}"),
                },
            };
            format!("{}: value of {what} on {}", party(p), issue(i))
        }
        Site::Reservation { party: p } => format!("{}: reservation value", party(p)),
        Site::Link { party: p, index } => {
            // "link 2 (T1 & C1)": the link's number among the party's, and its issues.
            let issues: Vec<String> = s
                .parties()
                .get(p)
                .and_then(|q| q.preferences.ufun().links().get(index))
                .map(|l| {
                    l.condition()
                        .clauses()
                        .iter()
                        .map(|(i, _)| issue(*i).to_string())
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{}: value of link {} ({})",
                party(p),
                index + 1,
                issues.join(" & ")
            )
        }
    }
}

fn share(x: &Share) -> Value {
    let (lo, hi) = x.wilson();
    json!({ "share": x.rate(), "count": x.count, "n": x.n, "ci95": [lo, hi] })
}

fn decisive(s: &Scenario, d: &Decisive) -> Value {
    json!({
        "estimate": site_label(s, d.site),
        "value": d.value,
        "low": d.low,
        "high": d.high,
        "threshold": d.threshold,
        "margin": d.margin,
        "opens_zone": d.opens,
        "method": d.method.as_str(),
    })
}

/// The JSON object of a robust analysis drawn with `seed` (the object `detente sensitivity
/// --json` prints; also embedded in `analyze --json` / `run --json`).
pub fn to_json(s: &Scenario, r: &Sensitivity, seed: u64) -> Value {
    let mut m = Map::new();
    m.insert("samples".into(), json!(r.samples));
    m.insert(
        "point_zone".into(),
        match &r.point_zone {
            Ok(b) => json!(b),
            Err(e) => json!({ "incomplete": e.to_string() }),
        },
    );
    let mut zone = share(&r.zone);
    if let Value::Object(z) = &mut zone {
        z.insert(
            "method".into(),
            json!("exact per draw; Wilson 95% interval"),
        );
    }
    m.insert("zone_probability".into(), zone);
    m.insert("undecided_draws".into(), json!(r.undecided));
    m.insert(
        "robust_packages".into(),
        Value::Array(
            r.robust
                .iter()
                .map(|p| {
                    let mut v = share(&p.share);
                    if let Value::Object(o) = &mut v {
                        o.insert("outcome".into(), outcome(s, &p.outcome));
                    }
                    v
                })
                .collect(),
        ),
    );
    m.insert(
        "pool".into(),
        json!({ "packages": r.pool, "full": r.pool_full }),
    );
    m.insert(
        "nash".into(),
        r.nash.as_ref().map_or(Value::Null, |p| {
            let mut v = share(&p.share);
            if let Value::Object(o) = &mut v {
                o.insert("outcome".into(), outcome(s, &p.outcome));
            }
            v
        }),
    );
    m.insert(
        "drafts".into(),
        Value::Array(
            r.drafts
                .iter()
                .map(|d| {
                    let mut parties = Map::new();
                    for (p, party) in s.parties().iter().enumerate() {
                        parties.insert(
                            party.name.clone(),
                            json!({
                                "accepts_every_completion": d.accepts[p].rate(),
                                "accepts_some_completion": d.may_accept[p].rate(),
                            }),
                        );
                    }
                    let mut v = share(&d.share);
                    if let Value::Object(o) = &mut v {
                        o.insert("name".into(), json!(s.packages[d.package].name));
                        o.insert("parties".into(), Value::Object(parties));
                    }
                    v
                })
                .collect(),
        ),
    );
    m.insert("estimates_examined".into(), json!(r.estimates));
    m.insert(
        "decisive".into(),
        Value::Array(r.decisive.iter().map(|d| decisive(s, d)).collect()),
    );
    m.insert(
        "unlock".into(),
        r.unlock.as_ref().map_or(Value::Null, |u| {
            json!({
                "min_shortfall": match &u.shortfall {
                    Ok(Some(sf)) => json!({
                        "outcome": outcome(s, &sf.outcome),
                        "total": sf.total,
                        "per_party": per_party(s, &sf.per_party),
                    }),
                    Ok(None) => Value::Null,
                    Err(e) => json!({ "incomplete": e.to_string() }),
                },
                "smallest_move": u.smallest_move.as_ref().map_or(Value::Null, |d| decisive(s, d)),
                "reservation_needed": s.parties().iter().zip(&u.reservation_needed).map(|(p, x)| {
                    (p.name.clone(), match x {
                        Ok(Some(t)) => json!(t),
                        Ok(None) => Value::Null,
                        Err(e) => json!({ "incomplete": e.to_string() }),
                    })
                }).collect::<Map<String, Value>>(),
                "red_lines": u.red_lines.iter().map(|&(p, k)| red_line_json(s, p, k)).collect::<Vec<_>>(),
            })
        }),
    );
    m.insert("seed".into(), json!(seed));
    Value::Object(m)
}

/// One red line as `{"party", "issue", "options"}`: party `p`'s `k`-th red-line note.
pub fn red_line_json(s: &Scenario, p: usize, k: usize) -> Value {
    let party = &s.parties()[p];
    let note = &party.red_line_notes[k];
    let issue = &s.space().issues()[note.issue_idx];
    let values: Vec<String> = note
        .values
        .iter()
        .map(|&v| issue.value(v).map(|x| x.to_string()).unwrap_or_default())
        .collect();
    json!({ "party": party.name, "issue": issue.name(), "options": values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use detente_core::analysis::robustness::{self, SensitivityConfig};

    /// One issue; only `mid` can suit both, exactly when Buyer's reservation (drawn from
    /// [.4, .6]) is at most .5 (the scenario of the CLI's and the Python package's tests).
    const KNIFE_EDGE: &str = r#"
name = "knife edge"

[[issues]]
name = "price"
options = ["low", "mid", "high"]

[[parties]]
name = "Buyer"
reservation = { value = 0.5, low = 0.4, high = 0.6, dist = "uniform" }
weights = { price = 1 }
values = { price = [1.0, 0.5, 0.0] }

[[parties]]
name = "Seller"
reservation = 0.5
weights = { price = 1 }
values = { price = [0.0, 0.5, 1.0] }
"#;

    #[test]
    fn the_json_carries_the_computed_analysis() {
        let s = detente_formats::native::read_str(KNIFE_EDGE, None).unwrap();
        let config = SensitivityConfig {
            samples: 300,
            seed: 5,
            ..SensitivityConfig::default()
        };
        let r = robustness::sensitivity(&s, &config, &()).unwrap();
        let j = to_json(&s, &r, 5);
        assert_eq!(j["seed"], 5);
        assert_eq!(j["samples"], 300);
        let z = &j["zone_probability"];
        assert_eq!(z["count"], r.zone.count);
        assert_eq!(z["n"], 300);
        assert_eq!(z["share"].as_f64(), Some(r.zone.rate()));
        let (lo, hi) = r.zone.wilson();
        assert_eq!(z["ci95"][0].as_f64(), Some(lo));
        assert_eq!(z["ci95"][1].as_f64(), Some(hi));
        assert!(lo <= r.zone.rate() && r.zone.rate() <= hi);
        assert_eq!(j["robust_packages"][0]["outcome"]["price"], "mid");
        assert_eq!(j["decisive"].as_array().unwrap().len(), r.decisive.len());
        assert_eq!(j["decisive"][0]["estimate"], "Buyer: reservation value");
        // The keys come out in the order they are printed (serde_json's preserve_order).
        let keys: Vec<&str> = j.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys.first(), Some(&"samples"));
        assert_eq!(keys.last(), Some(&"seed"));
    }

    #[test]
    fn estimates_are_named_in_plain_words() {
        let s = detente_formats::native::read_str(KNIFE_EDGE, None).unwrap();
        let label = |site| site_label(&s, site);
        assert_eq!(
            label(Site::Weight { party: 1, issue: 0 }),
            "Seller: weight of price"
        );
        assert_eq!(
            label(Site::Value {
                party: 0,
                issue: 0,
                index: 1
            }),
            "Buyer: value of 'mid' on price"
        );
        assert_eq!(
            label(Site::Value {
                party: 0,
                issue: 0,
                index: 7
            }),
            "Buyer: value of #7 on price"
        );
        assert_eq!(
            label(Site::Reservation { party: 9 }),
            "?: reservation value"
        );
    }
}
