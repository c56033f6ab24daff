//! `run --json` against docs/json.md and against the text report: the JSON carries the
//! documented version and top-level keys, and every fact of the comparison sections the text
//! prints (the simulated agreement against the Nash package, the principals alone, the single
//! text against the Nash package and the reported drafts) is in the JSON. Each check rebuilds
//! the text's line from the JSON values and looks for it in the text.

use serde_json::Value;

use crate::util::{Dir, flagship, repo_file};

/// The version and the top-level keys docs/json.md documents.
fn documented() -> (String, Vec<String>) {
    let doc = std::fs::read_to_string(repo_file("docs/json.md")).expect("docs/json.md");
    let version = doc
        .split("currently **`\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("docs/json.md names the current schema version")
        .to_string();
    let table = doc
        .split("## Top-level keys")
        .nth(1)
        .expect("docs/json.md has a top-level keys section");
    let keys = table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .map(|l| l[3..].split('`').next().unwrap().to_string())
        .collect();
    (version, keys)
}

fn scenarios() -> Vec<String> {
    let mut v = vec![
        flagship(),
        repo_file("scenarios/job-offer.toml")
            .to_str()
            .unwrap()
            .to_string(),
    ];
    if let Some(shared) = crate::util::shared_dir() {
        for d in ["Laptop", "Camera"] {
            v.push(
                shared
                    .join("scenarios/genius")
                    .join(d)
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    v
}

#[test]
fn run_json_carries_the_documented_version_and_keys() {
    let (version, keys) = documented();
    assert_eq!(version, "detente.report/1");
    assert!(keys.len() >= 7, "documented keys: {keys:?}");
    let dir = Dir::new();
    for f in scenarios() {
        let j = dir.run(&["run", &f, "--json"]).success().json();
        assert_eq!(j["schema"], Value::from(version.as_str()), "{f}");
        let got: Vec<String> = j.as_object().unwrap().keys().cloned().collect();
        assert_eq!(got, keys, "{f}: top-level keys differ from docs/json.md");
    }
}

/// `{party} {value:+.3}` for every party, as the text prints a difference per party.
fn signed(per_party: &Value) -> String {
    per_party
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, x)| format!("{p} {:+.3}", x.as_f64().unwrap()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn run_json_has_every_comparison_the_text_prints() {
    let dir = Dir::new();
    let mut checked = [0usize; 3];
    for f in scenarios() {
        let text = dir.run(&["run", &f]).success().stdout.clone();
        let j = dir.run(&["run", &f, "--json"]).success().json();
        let n_issues = j["analysis"]["issues"].as_u64().unwrap();
        let has = |line: &str| {
            assert!(text.contains(line), "{f}: the text lacks {line:?}\n{text}");
        };
        // The simulated agreement against the Nash package.
        let c = &j["comparisons"]["sao_vs_nash"];
        assert_eq!(
            text.contains("Compared with the Nash package"),
            !c.is_null(),
            "{f}"
        );
        if !c.is_null() {
            checked[0] += 1;
            let d = names(&c["differs_on"]);
            let list = if d.is_empty() {
                String::new()
            } else {
                format!(" ({})", d.join(", "))
            };
            has(&format!(
                "Compared with the Nash package: the simulated agreement differs on {} of {n_issues} issues{list}\n",
                d.len()
            ));
            let p = &c["payoff_minus_nash"];
            if p.is_null() {
                has(&format!(
                    "  utility relative to Nash: {}\n",
                    signed(&c["utility_minus_nash"])
                ));
            } else {
                has(&format!(
                    "  utility relative to Nash (both undiscounted): {}\n",
                    signed(&c["utility_minus_nash"])
                ));
                has(&format!(
                    "  payoff relative to Nash (payoff discounted at t = {:.3}, Nash undiscounted): {}\n",
                    p["time"].as_f64().unwrap(),
                    signed(&p["per_party"])
                ));
            }
        }
        // Each reported draft against the Nash package.
        for pk in j["packages"].as_array().unwrap() {
            let n = &pk["nash"];
            assert_eq!(n.is_null(), j["analysis"]["nash"].is_null(), "{f}");
            if n.is_null() {
                continue;
            }
            let d = names(&n["differs_on"]);
            let list = if d.is_empty() {
                String::new()
            } else {
                format!(": {}", d.join(", "))
            };
            has(&format!(
                "    differs from the Nash package on {} of its {} decided issue(s){list}\n",
                d.len(),
                n["decided"].as_array().unwrap().len()
            ));
        }
        // The principals alone.
        let pa = &j["principals_alone"];
        assert_eq!(text.contains("The principals alone"), !pa.is_null(), "{f}");
        if !pa.is_null() {
            checked[1] += 1;
            let every = &pa["for_every_party"];
            if every.is_null() {
                assert!(pa["agreement"].is_null());
                has(&format!(
                    "  no agreement within {} rounds",
                    pa["deadline"].as_u64().unwrap()
                ));
            } else {
                let parts: Vec<String> = every
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(p, v)| {
                        let verdict = if v["acceptable"].as_bool().unwrap() {
                            "acceptable"
                        } else if v["crosses_red_line"].as_bool().unwrap() {
                            "crosses a red line"
                        } else {
                            "below walk-away"
                        };
                        format!("{p} {:.3} ({verdict})", v["utility"].as_f64().unwrap())
                    })
                    .collect();
                has(&format!(
                    "  agreement in round {}; for every party: {}\n",
                    pa["rounds"].as_u64().unwrap(),
                    parts.join(", ")
                ));
            }
        }
        // The single text against the Nash package and the drafts.
        let st = &j["comparisons"]["single_text"];
        assert_eq!(st.is_null(), j["single_text"].is_null(), "{f}");
        if !st.is_null() {
            checked[2] += 1;
            let what = match st["final"].as_str().unwrap() {
                "agreed" => "agreed text",
                "last_draft" => "last draft",
                other => panic!("{f}: final is {other}"),
            };
            if !st["nash_differs_on"].is_null() {
                let d = names(&st["nash_differs_on"]);
                let list = if d.is_empty() {
                    String::new()
                } else {
                    format!(": {}", d.join(", "))
                };
                has(&format!(
                    "  The {what} differs from the Nash package on {} of {n_issues} issues{list}\n",
                    d.len()
                ));
            }
            let packages = j["packages"].as_array().unwrap();
            let drafts = st["drafts"].as_array().unwrap();
            assert!(!drafts.is_empty(), "{f}");
            for m in drafts {
                let name = m["package"].as_str().unwrap();
                let pk = packages.iter().find(|p| p["name"] == name).unwrap();
                let date = pk["date"]
                    .as_str()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                has(&format!(
                    "  Against {name}{date}: the {what} matches it on {} of its {} decided issues\n",
                    m["matched"], m["decided"]
                ));
            }
            let lines = text.matches("  Against ").count();
            assert_eq!(lines, drafts.len(), "{f}: one JSON entry per draft line");
        }
    }
    // The flagship has the single text and the principals alone; job-offer an agreement.
    assert!(
        checked.iter().all(|&n| n > 0),
        "sections checked: {checked:?}"
    );
}

/// The principals' own solutions as the text prints them ("for every party" line of each
/// solution), rebuilt from `analysis.principals` of the JSON.
fn principals_lines(j: &Value) -> Vec<String> {
    let b = &j["principals"];
    let mut lines = vec![format!(
        "  The principals alone ({}): the same solutions",
        names(&b["principals"]).join(" and ")
    )];
    if let Some(z) = b["zopa"].as_u64() {
        lines.push(format!(
            "    packages acceptable to every principal: {} (exact count)\n",
            grouped(z)
        ));
    }
    let reservation = &j["reservation"];
    for (label, key) in [
        ("Nash package of the principals", "nash"),
        (
            "Kalai–Smorodinsky package of the principals",
            "kalai_smorodinsky",
        ),
    ] {
        let p = &b[key];
        if p.is_null() {
            continue;
        }
        if key == "nash" {
            let d = names(&p["differs_from_nash"]);
            lines.push(if d.is_empty() {
                format!("    {label}: the same package as the Nash package of all parties\n")
            } else {
                format!(
                    "    {label}: differs from the Nash package of all parties on {} issue(s): {}\n",
                    d.len(),
                    d.join(", ")
                )
            });
        }
        let parts: Vec<String> = p["for_every_party"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, v)| {
                let verdict = if v["acceptable"].as_bool().unwrap() {
                    "acceptable"
                } else if v["crosses_red_line"].as_bool().unwrap() {
                    "crosses a red line"
                } else {
                    "below walk-away"
                };
                let u = v["utility"].as_f64().unwrap();
                let r = reservation[name].as_f64().unwrap();
                format!("{name} {u:.3} ({:+.3}, {verdict})", u - r)
            })
            .collect();
        lines.push(format!("      for every party: {}\n", parts.join(", ")));
    }
    lines
}

fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `analyze` and `run` print the analysis through the same printers: the principals' Nash and
/// Kalai–Smorodinsky packages are in the JSON of both (`analysis.principals`, as documented),
/// and every line the text prints about them is rebuilt from the JSON.
#[test]
fn principals_solutions_are_in_the_json_of_analyze_and_run() {
    let doc = std::fs::read_to_string(repo_file("docs/json.md")).unwrap();
    assert!(
        doc.contains("`principals`"),
        "docs/json.md documents analysis.principals"
    );
    let dir = Dir::new();
    let mut checked = 0;
    for f in scenarios() {
        let run_text = dir.run(&["run", &f]).success().stdout.clone();
        let run_json = dir.run(&["run", &f, "--json"]).success().json();
        let text = dir.run(&["analyze", &f]).success().stdout.clone();
        let j = dir.run(&["analyze", &f, "--json"]).success().json();
        for (what, j, text) in [
            ("analyze", &j, &text),
            ("run", &run_json["analysis"], &run_text),
        ] {
            assert_eq!(
                text.contains("The principals alone (") && text.contains("the same solutions"),
                !j["principals"].is_null(),
                "{f} {what}"
            );
            if j["principals"].is_null() {
                continue;
            }
            checked += 1;
            for line in principals_lines(j) {
                assert!(
                    text.contains(&line),
                    "{f} {what}: the text lacks {line:?}\n{text}"
                );
            }
        }
    }
    // The flagship has principals and others.
    assert!(checked >= 2, "checked {checked}");
}

/// The robust analysis is computed once into the report: `run`'s text section and the JSON's
/// `analysis.robustness` are the same draws (the flagship has ranges).
#[test]
fn run_robustness_text_and_json_agree() {
    let dir = Dir::new();
    let f = flagship();
    let text = dir.run(&["run", &f]).success().stdout.clone();
    let j = dir.run(&["run", &f, "--json"]).success().json();
    let r = &j["analysis"]["robustness"];
    assert!(!r.is_null(), "the flagship has ranges");
    let z = &r["zone_probability"];
    let ci = z["ci95"].as_array().unwrap();
    let line = format!(
        "  probability of a zone: {:.1}% (95% CI {:.1}–{:.1}%, {}/{}) over {} draws of the estimates\n",
        100.0 * z["share"].as_f64().unwrap(),
        100.0 * ci[0].as_f64().unwrap(),
        100.0 * ci[1].as_f64().unwrap(),
        z["count"],
        z["n"],
        r["samples"]
    );
    assert!(text.contains(&line), "the text lacks {line:?}\n{text}");
    for d in r["decisive"].as_array().unwrap().iter().take(3) {
        let head = format!(
            "  decisive: {} = {} (range {}–{}): the zone {} at {:.6}",
            d["estimate"].as_str().unwrap(),
            d["value"].as_f64().unwrap(),
            d["low"].as_f64().unwrap(),
            d["high"].as_f64().unwrap(),
            if d["opens_zone"].as_bool().unwrap() {
                "opens"
            } else {
                "closes"
            },
            d["threshold"].as_f64().unwrap()
        );
        assert!(text.contains(&head), "the text lacks {head:?}");
    }
    // `analyze --json` holds the same robust analysis (same draws, seed 0).
    let a = dir.run(&["analyze", &f, "--json"]).success().json();
    assert_eq!(&a["robustness"], r);
}

/// Why a single text ended without agreement is computed once into the report: the text's
/// "Why:" line is rebuilt from `comparisons.single_text.why_not` (the flagship with the
/// feedback mediator ends without agreement although a zone exists).
#[test]
fn run_json_says_why_the_single_text_failed() {
    let dir = Dir::new();
    let f = flagship();
    let args = ["run", &f, "--mediator", "feedback"];
    let text = dir.run(&args).success().stdout.clone();
    let j = dir.run(&[&args[..], &["--json"]].concat()).success().json();
    let st = &j["comparisons"]["single_text"];
    assert_eq!(st["final"], "last_draft");
    let w = &st["why_not"];
    assert_eq!(w["zone"], "exists", "{w}");
    let who: Vec<String> = w["unacceptable_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let red = names(&x["red_lines"]);
            let p = x["party"].as_str().unwrap();
            if red.is_empty() {
                let (u, r) = (
                    x["utility"].as_f64().unwrap(),
                    x["reservation"].as_f64().unwrap(),
                );
                format!(
                    "{p} ({u:.3} against a walk-away of {r:.3}, short by {:.3})",
                    r - u
                )
            } else {
                format!("{p} (crosses its red line on {})", red.join(", "))
            }
        })
        .collect();
    assert!(!who.is_empty());
    let line = format!(
        "  Why: a zone exists ({} packages acceptable to every party), but the mediator did not reach it; the last draft is unacceptable to {}\n",
        grouped(w["zopa"].as_u64().unwrap()),
        who.join("; ")
    );
    assert!(text.contains(&line), "the text lacks {line:?}\n{text}");
    // With an agreement there is nothing to explain.
    let agreed = dir.run(&["run", &f, "--json"]).success().json();
    if agreed["comparisons"]["single_text"]["final"] == "agreed" {
        assert!(agreed["comparisons"]["single_text"]["why_not"].is_null());
    }
}

/// The HTML printer says why the single text failed, from the same report value.
#[test]
fn html_says_why_the_single_text_failed() {
    let dir = Dir::new();
    let f = flagship();
    let page = dir.path().join("why.html");
    let page = page.to_str().unwrap();
    dir.run(&["run", &f, "--mediator", "feedback", "--html", page])
        .success();
    let html = std::fs::read_to_string(page).unwrap();
    let text = dir
        .run(&["run", &f, "--mediator", "feedback"])
        .success()
        .stdout
        .clone();
    let why = text
        .lines()
        .find(|l| l.starts_with("  Why: "))
        .expect("the text says why")
        .trim_start();
    assert!(html.contains(&format!("{why}.")), "the page lacks {why:?}");
}
