//! Every number in the flagship says where it comes from: the README's claim, made checkable.
//!
//! The scenario text is walked as plain TOML (the `toml` crate, not detente's reader), so a number
//! added anywhere — a new key, a new party, a bare value in a table that had ranges — is seen.
//! A number passes only when it is
//! * part of an estimate table `{ value, low, high, basis, sources? }` with both bounds written
//!   and a basis that is either an estimate with a stated confidence and a range of positive
//!   width (`"estimate (high|medium|low confidence): why"`), or a scale anchor: a party's best (1)
//!   or worst (0) option on an issue, fixed by the normalisation (`"scale anchor: why"`, low =
//!   value = high);
//! * the `confidence` of a red line whose basis says `"reported: why"` or `"estimate: why"`;
//! * a protocol setting of the file itself, listed in [`SETTINGS`] (not an estimate of anyone's
//!   preferences).
//!
//! Every red line must also carry a confidence, and every source id a basis names must be declared.

use std::collections::BTreeSet;

use crate::util::{flagship, run_in};

/// Top-level keys that are settings of the scenario, not estimates.
const SETTINGS: [&str; 1] = ["rounds"];

const CONFIDENCE: [&str; 3] = ["high", "medium", "low"];

/// Every breach of the rule in a scenario text, with its TOML path.
fn breaches(text: &str) -> Vec<String> {
    let t: toml::Table = text.parse().expect("the flagship is TOML");
    let declared: BTreeSet<String> = t["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s.get("id").and_then(|v| v.as_str()).map(String::from))
        .collect();
    let mut bad = Vec::new();
    for (k, v) in &t {
        if SETTINGS.contains(&k.as_str()) && v.is_integer() {
            continue;
        }
        walk(v, k, &declared, &mut bad);
    }
    for p in t["parties"].as_array().expect("parties") {
        for r in p
            .get("red_lines")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            if r.get("confidence").is_none() {
                bad.push(format!(
                    "{} / red line on {}: no confidence",
                    p["name"].as_str().unwrap_or("?"),
                    r.get("issue").and_then(|v| v.as_str()).unwrap_or("?")
                ));
            }
        }
    }
    bad
}

fn is_number(v: &toml::Value) -> bool {
    v.is_integer() || v.is_float()
}

fn num(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

/// Source ids named in a basis (`S` followed by digits) that are not declared.
fn undeclared(text: &str, declared: &BTreeSet<String>) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() > 1 && w.starts_with('S') && w[1..].chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !declared.contains(*w))
        .map(String::from)
        .collect()
}

fn walk(v: &toml::Value, path: &str, declared: &BTreeSet<String>, bad: &mut Vec<String>) {
    match v {
        // An interaction term `{ when, value }`: its `value` is a number like any other; `when`
        // names options only.
        toml::Value::Table(t) if t.contains_key("when") => {
            for (k, x) in t {
                if k != "when" {
                    walk(x, &format!("{path}.{k}"), declared, bad);
                }
            }
        }
        toml::Value::Table(t) if t.contains_key("value") => estimate(t, path, declared, bad),
        toml::Value::Table(t) => {
            let red_line = t.contains_key("issue") && t.contains_key("options");
            if red_line {
                red_line_basis(t, path, declared, bad);
            }
            for (k, x) in t {
                if red_line && k == "confidence" && is_number(x) {
                    continue;
                }
                walk(x, &format!("{path}.{k}"), declared, bad);
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{path}[{i}]"), declared, bad);
            }
        }
        x if is_number(x) => bad.push(format!("{path} = {x}: a bare number (no range, no basis)")),
        _ => {}
    }
}

fn estimate(t: &toml::Table, path: &str, declared: &BTreeSet<String>, bad: &mut Vec<String>) {
    let get = |k: &str| t.get(k).and_then(num);
    let (Some(value), Some(low), Some(high)) = (get("value"), get("low"), get("high")) else {
        bad.push(format!("{path}: an estimate without both low and high"));
        return;
    };
    let basis = t.get("basis").and_then(|b| b.as_str()).unwrap_or_default();
    if let Some(why) = basis.strip_prefix("scale anchor: ") {
        if !(low == value && value == high && (value == 0.0 || value == 1.0) && !why.is_empty()) {
            bad.push(format!(
                "{path}: a scale anchor must be 0 or 1 with low = value = high and a reason"
            ));
        }
    } else if let Some(rest) = basis.strip_prefix("estimate (") {
        let stated = CONFIDENCE
            .iter()
            .find(|c| rest.starts_with(&format!("{c} confidence): ")));
        match stated {
            Some(c) if rest.len() > c.len() + " confidence): ".len() => {}
            _ => bad.push(format!(
                "{path}: the basis must say 'estimate (high|medium|low confidence): why'"
            )),
        }
        if low >= high {
            bad.push(format!(
                "{path}: an estimate with an empty range [{low}, {high}]"
            ));
        }
    } else {
        bad.push(format!(
            "{path}: no basis ('estimate (… confidence): …' or 'scale anchor: …')"
        ));
    }
    for id in undeclared(basis, declared) {
        bad.push(format!("{path}: basis names undeclared source {id}"));
    }
    for (k, x) in t {
        if !["value", "low", "high", "sd", "basis", "sources", "dist"].contains(&k.as_str()) {
            walk(x, &format!("{path}.{k}"), declared, bad);
        }
    }
}

fn red_line_basis(t: &toml::Table, path: &str, declared: &BTreeSet<String>, bad: &mut Vec<String>) {
    let basis = t.get("basis").and_then(|b| b.as_str()).unwrap_or_default();
    let why = basis
        .strip_prefix("reported: ")
        .or_else(|| basis.strip_prefix("estimate: "));
    if why.is_none_or(str::is_empty) {
        bad.push(format!(
            "{path}: a red line's basis must be 'reported: why' or 'estimate: why'"
        ));
    }
    for id in undeclared(basis, declared) {
        bad.push(format!("{path}: basis names undeclared source {id}"));
    }
}

#[test]
fn every_number_in_the_flagship_has_a_range_and_a_basis() {
    let text = std::fs::read_to_string(flagship()).expect("read the flagship");
    let bad = breaches(&text);
    assert!(bad.is_empty(), "{} breaches: {bad:#?}", bad.len());
    // It counts what it should: 4 reservation values, 80 weights, 344 option values (every
    // option of every issue for each party), 6 interaction-term values (the linkages of issue 14,
    // docs/flagship.md §9) and 46 red lines (43 plain, 3 conditional), each with its basis.
    let t: toml::Table = text.parse().unwrap();
    let (mut estimates, mut red_lines) = (0, 0);
    for p in t["parties"].as_array().unwrap() {
        estimates += 1 + p["weights"].as_table().unwrap().len();
        for vs in p["values"].as_table().unwrap().values() {
            estimates += vs.as_table().expect("values as tables").len();
        }
        estimates += p
            .get("links")
            .and_then(|l| l.as_array())
            .map_or(0, Vec::len);
        red_lines += p["red_lines"].as_array().unwrap().len();
    }
    assert_eq!((estimates, red_lines), (4 + 80 + 344 + 6, 46));
}

#[test]
fn a_bare_or_unexplained_number_is_caught() {
    let text = std::fs::read_to_string(flagship()).expect("read the flagship");
    assert!(breaches(&text).is_empty());
    let one = |from: &str, to: &str| {
        assert!(text.contains(from), "the fixture is in the file: {from}");
        breaches(&text.replacen(from, to, 1))
    };
    // A weight written back as a bare number.
    let w = "T1_donbas               = { value = 16.0, low = 12.0, high = 20.0, basis = ";
    let bad = one(
        w,
        "T1_donbas = 16.0\nX_unused = { value = 16.0, low = 12.0, high = 20.0, basis = ",
    );
    assert!(
        bad.iter().any(|b| b.contains("weights.T1_donbas = 16")),
        "{bad:#?}"
    );
    // A new party key with a bare number.
    let bad = one(
        "role = \"principal\"\n",
        "role = \"principal\"\ndiscount = 0.9\n",
    );
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert!(bad[0].contains("discount = 0.9"), "{bad:#?}");
    // A range dropped, a basis dropped, an estimate with no width, a bad anchor.
    let bad = one(
        "value = 0.62, low = 0.56, high = 0.68, ",
        "value = 0.62, high = 0.68, ",
    );
    assert!(
        bad == ["parties[1].reservation: an estimate without both low and high"],
        "{bad:#?}"
    );
    let bad = one(
        "value = 0.62, low = 0.56, high = 0.68, basis = \"estimate (",
        "value = 0.62, low = 0.62, high = 0.62, basis = \"estimate (",
    );
    assert!(bad[0].contains("empty range"), "{bad:#?}");
    let bad = one("basis = \"scale anchor: ", "basis = \"scale: ");
    assert!(bad[0].contains("no basis"), "{bad:#?}");
    let bad = one(
        "basis = \"estimate (medium confidence): ",
        "basis = \"estimate (sure): ",
    );
    assert!(bad[0].contains("high|medium|low"), "{bad:#?}");
    // A red line without its confidence or its reason; a basis naming an unknown source.
    let bad = one(", confidence = 0.9 },", " },");
    assert!(bad[0].contains("no confidence"), "{bad:#?}");
    let bad = one(
        "basis = \"reported: Kyiv refuses",
        "basis = \"reported Kyiv refuses",
    );
    assert!(bad[0].contains("'reported: why'"), "{bad:#?}");
    let bad = one("(S36)", "(S999)");
    assert!(bad[0].contains("undeclared source S999"), "{bad:#?}");
}

#[test]
fn the_flagship_ranges_reach_the_robust_analysis() {
    // detente's own reader takes every range: `run` prints the robustness section, which it
    // prints only for a scenario with ranges.
    let out = run_in(&std::env::temp_dir(), &["run", &flagship()]).success();
    assert!(out.stdout.contains("Robustness"), "{}", out.stdout);
}

/// The flagship's linkages (issue 14, docs/flagship.md §9): every issue and option they name is
/// the flagship's, every link conditions on two issues or more with a value that is an estimate,
/// and every conditional red line has a reported/estimate basis and a confidence.
fn link_breaches(flagship_text: &str) -> Vec<String> {
    let f: toml::Table = flagship_text.parse().expect("the flagship is TOML");
    let declared: BTreeSet<String> = f["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.get("id").and_then(|v| v.as_str()).map(String::from))
        .collect();
    let options = |issue: &str| -> Option<BTreeSet<String>> {
        f["issues"].as_array().unwrap().iter().find_map(|i| {
            (i["name"].as_str() == Some(issue)).then(|| {
                i["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|o| o.get("name").and_then(|n| n.as_str()).map(String::from))
                    .collect()
            })
        })
    };
    let mut bad = Vec::new();
    let check_choice = |path: &str, issue: &str, opts: &toml::Value, bad: &mut Vec<String>| {
        let Some(known) = options(issue) else {
            bad.push(format!("{path}: unknown issue {issue}"));
            return;
        };
        let list = opts.as_array().map(Vec::as_slice).unwrap_or_default();
        if list.is_empty() {
            bad.push(format!("{path}: no options for {issue}"));
        }
        for o in list {
            if !o.as_str().is_some_and(|o| known.contains(o)) {
                bad.push(format!("{path}: {issue} has no option {o}"));
            }
        }
    };
    for party in f["parties"].as_array().expect("parties") {
        let name = party["name"].as_str().unwrap_or_default();
        for (j, l) in party
            .get("links")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let path = format!("{name}.links[{j}]");
            let when = l
                .get("when")
                .and_then(|w| w.as_table())
                .cloned()
                .unwrap_or_default();
            if when.len() < 2 {
                bad.push(format!(
                    "{path}: a link needs conditions on two issues or more"
                ));
            }
            for (issue, opts) in &when {
                check_choice(&path, issue, opts, &mut bad);
            }
            match l.get("value") {
                Some(toml::Value::Table(t)) => {
                    estimate(t, &format!("{path}.value"), &declared, &mut bad)
                }
                other => bad.push(format!("{path}: value {other:?} is not an estimate")),
            }
        }
        for (j, r) in party
            .get("red_lines")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(cond) = r.get("unless").or_else(|| r.get("only_if")) else {
                continue;
            };
            let path = format!("{name}.red_lines[{j}]");
            let issue = r.get("issue").and_then(|v| v.as_str()).unwrap_or_default();
            check_choice(
                &path,
                issue,
                r.get("options").unwrap_or(&toml::Value::Array(vec![])),
                &mut bad,
            );
            for (i, opts) in cond.as_table().into_iter().flatten() {
                check_choice(&path, i, opts, &mut bad);
            }
            red_line_basis(r.as_table().unwrap(), &path, &declared, &mut bad);
            if !r
                .get("confidence")
                .and_then(num)
                .is_some_and(|c| c > 0.0 && c <= 1.0)
            {
                bad.push(format!("{path}: no confidence in (0, 1]"));
            }
        }
    }
    bad
}

#[test]
fn the_flagship_linkages_name_its_options_and_explain_every_number() {
    let text = std::fs::read_to_string(flagship()).expect("read the flagship");
    let bad = link_breaches(&text);
    assert!(bad.is_empty(), "{bad:#?}");
    // 6 interaction terms (Ukraine 3, Russia 2, Europe 1) and 3 conditional red lines (one each
    // for Ukraine, Russia and Europe), as docs/flagship.md §9 lists them.
    let t: toml::Table = text.parse().unwrap();
    let per_party = |f: &dyn Fn(&toml::Value) -> usize| -> Vec<(String, usize)> {
        t["parties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| (q["name"].as_str().unwrap().to_string(), f(q)))
            .collect()
    };
    let links = per_party(&|q| {
        q.get("links")
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len)
    });
    let conditional = per_party(&|q| {
        q["red_lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("unless").is_some() || r.get("only_if").is_some())
            .count()
    });
    let names = ["Ukraine", "Russia", "United States", "Europe"];
    let want = |n: [usize; 4]| -> Vec<(String, usize)> {
        names.iter().map(|s| s.to_string()).zip(n).collect()
    };
    assert_eq!(links, want([3, 2, 0, 1]));
    assert_eq!(conditional, want([1, 1, 0, 1]));
    // The checks can fail: a misspelt option, a bare link value, a conditional red line without
    // its confidence.
    let broken = text
        .replacen(
            "\"Ukraine-only withdrawal into DMZ\"], A4_security_guarantees",
            "\"Ukraine-only withdrawal\"], A4_security_guarantees",
            1,
        )
        .replacen(
            "value = { value = -0.05, low = -0.09, high = -0.02, basis",
            "value = -0.05\nx = { value = -0.05, low = -0.09, high = -0.02, basis",
            1,
        )
        .replacen(
            "sources = [\"S123\", \"S48\", \"S46\"], confidence = 0.9 },",
            "sources = [\"S123\", \"S48\", \"S46\"] },",
            1,
        );
    let bad = link_breaches(&broken);
    assert_eq!(bad.len(), 3, "{bad:#?}");
    assert!(
        bad[0].contains("has no option \"Ukraine-only withdrawal\""),
        "{bad:#?}"
    );
    assert!(bad[1].contains("is not an estimate"), "{bad:#?}");
    assert!(bad[2].contains("no confidence"), "{bad:#?}");
    // And the general rule sees the bare link value too.
    let bad = breaches(&broken);
    assert!(
        bad.iter()
            .any(|b| b.contains("links[0].value = -0.05: a bare number")),
        "{bad:#?}"
    );
}
