//! The JSON printers (`--json`, docs/json.md): `detente run`'s object ([`write_run`]),
//! `detente analyze`'s ([`write_analysis`]) and their parts. These are wire types built by
//! hand from core values, so the core stays free to change.
//!
//! A point is `{"outcome": {issue: option-or-integer}, "utilities": {party: float},
//! "acceptable": bool}`; counts are JSON integers whatever their size.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use detente_core::analysis::{Analysis, FrontierVector, Incomplete, Point};
use detente_core::protocol::{Event, NegotiationResult};
use detente_core::{Cardinality, Outcome, Scenario};

pub use crate::robustness::{outcome, per_party};

pub fn point(s: &Scenario, p: &Point) -> Value {
    json!({
        "outcome": outcome(s, &p.outcome),
        "utilities": per_party(s, &p.utilities),
        "acceptable": p.acceptable,
    })
}

/// A count as a JSON integer, exact at any size (this crate turns on serde_json's
/// `arbitrary_precision`, which keeps the digits of numbers past 64 bits).
pub fn count(c: &Cardinality) -> Value {
    if let Some(n) = c.to_u64() {
        return json!(n);
    }
    let digits = c.to_string();
    serde_json::from_str::<serde_json::Number>(&digits)
        .map_or_else(|_| json!(digits), Value::Number)
}

/// The default of `--max-listed`: frontiers with more outcomes than this are given as their
/// distinct utility vectors with counts instead of outcome by outcome.
pub const DEFAULT_MAX_LISTED: u64 = 10_000;

/// The version of `run --json`'s object (docs/json.md); it changes when a key changes meaning
/// or goes away, not when a key is added.
pub const RUN_SCHEMA: &str = "detente.report/1";

/// The `analyze --json` object. A frontier that is known exactly is given as its distinct
/// utility vectors with exact counts (`pareto_vectors`, the first `max_listed` of them) and,
/// when it has at most `max_listed` outcomes, outcome by outcome (`pareto`); what is left out
/// is said in `not_listed`, and `incomplete` holds only quantities not computed exactly.
pub fn analysis<'a>(s: &'a Scenario, a: &'a Analysis, max_listed: u64) -> AnalysisJson<'a> {
    let mut incomplete = Map::new();
    let mut not_listed = Map::new();
    let mut note = |k: &str, e: &Incomplete| {
        incomplete.insert(k.to_string(), json!(e.to_string()));
    };
    let zopa = match &a.zopa {
        Ok(c) => count(c),
        Err(e) => {
            note("zopa", e);
            Value::Null
        }
    };
    let mut frontier = |k: &str,
                        f: &'a Result<Vec<Point>, Incomplete>,
                        v: &'a Result<Vec<FrontierVector>, Incomplete>|
     -> Frontier<'a> {
        let vectors = match v {
            Ok(v) => v,
            Err(e) => {
                note(k, e);
                return Frontier::default();
            }
        };
        let mut size = Cardinality::from_u128(0);
        for x in vectors {
            size.add(&x.count);
        }
        let fits = size.to_u64().is_some_and(|n| n <= max_listed);
        let points = match f {
            Ok(p) if fits => Some(Points { s, points: p }),
            _ => {
                not_listed.insert(
                    k.to_string(),
                    json!(format!(
                        "{size} outcomes on the frontier, more than --max-listed {max_listed}: \
                         given as {} distinct utility vectors with counts ({k}_vectors)",
                        vectors.len()
                    )),
                );
                None
            }
        };
        let shown = vectors
            .len()
            .min(usize::try_from(max_listed).unwrap_or(usize::MAX));
        if shown < vectors.len() {
            not_listed.insert(
                format!("{k}_vectors"),
                json!(format!(
                    "{} distinct utility vectors, more than --max-listed {max_listed}: the first \
                     {shown} are listed",
                    vectors.len()
                )),
            );
        }
        Frontier {
            size: Some(count(&size)),
            n_vectors: Some(vectors.len()),
            points,
            vectors: Some(Vectors {
                s,
                vectors: &vectors[..shown],
            }),
        }
    };
    let pareto = frontier("pareto", &a.pareto, &a.pareto_vectors);
    let pareto_acceptable = frontier(
        "pareto_acceptable",
        &a.pareto_acceptable,
        &a.pareto_acceptable_vectors,
    );
    let mut single = |k: &str, x: &Result<Option<Point>, Incomplete>| match x {
        Ok(Some(p)) => point(s, p),
        Ok(None) => Value::Null,
        Err(e) => {
            note(k, e);
            Value::Null
        }
    };
    let nash = single("nash", &a.nash);
    let kalai_smorodinsky = single("kalai_smorodinsky", &a.kalai_smorodinsky);
    let max_welfare = single("max_welfare", &a.max_welfare);
    let ideal = match &a.ideal {
        Ok(v) => {
            let mut m = Map::new();
            for (p, x) in s.parties().iter().zip(v) {
                m.insert(p.name.clone(), x.map_or(Value::Null, |x| json!(x)));
            }
            Value::Object(m)
        }
        Err(e) => {
            note("ideal", e);
            Value::Null
        }
    };
    let reservation: Vec<f64> = s
        .parties()
        .iter()
        .map(|p| p.preferences.reservation())
        .collect();
    AnalysisJson {
        scenario: &s.name,
        parties: s.parties().iter().map(|p| p.name.as_str()).collect(),
        issues: s.space().issues().len(),
        outcomes: count(&a.outcomes),
        reservation: per_party(s, &reservation),
        zopa,
        ideal,
        nash,
        kalai_smorodinsky,
        max_welfare,
        pareto_size: pareto.size,
        pareto_vector_count: pareto.n_vectors,
        pareto: pareto.points,
        pareto_vectors: pareto.vectors,
        pareto_acceptable_size: pareto_acceptable.size,
        pareto_acceptable_vector_count: pareto_acceptable.n_vectors,
        pareto_acceptable: pareto_acceptable.points,
        pareto_acceptable_vectors: pareto_acceptable.vectors,
        not_listed: Value::Object(not_listed),
        incomplete: Value::Object(incomplete),
        principals: Value::Null,
        robustness: Value::Null,
    }
}

/// The `analysis` object of a report: [`analysis`] plus the principals' own solutions and the
/// robust analysis the report holds (`null` when it holds none).
pub fn report_analysis(r: &crate::Report, max_listed: u64) -> AnalysisJson<'_> {
    let s = &r.scenario;
    let mut j = analysis(s, &r.analysis, max_listed);
    j.principals = r
        .principals
        .as_ref()
        .map_or(Value::Null, |p| principals(s, p));
    j.robustness = r.robustness.as_ref().map_or(Value::Null, |x| {
        crate::robustness::to_json(s, &x.sensitivity, x.seed)
    });
    j
}

/// The principals' own Nash and Kalai–Smorodinsky packages: `principals` (names), `zopa` (how
/// many packages every principal accepts), and per solution its `outcome`, the principals'
/// `utilities`, `for_every_party` (`{party: {"utility", "acceptable", "crosses_red_line"}}`)
/// and `differs_from_nash` (issues where it differs from the Nash package of all parties).
/// A quantity not computed exactly is `null` with its reason under `incomplete`.
fn principals(s: &Scenario, b: &crate::PrincipalsSolutions) -> Value {
    let mut incomplete = Map::new();
    let names: Vec<&str> = b
        .principals
        .iter()
        .map(|&i| s.parties()[i].name.as_str())
        .collect();
    let issues = |d: &[usize]| {
        d.iter()
            .map(|&i| s.space().issues()[i].name())
            .collect::<Vec<_>>()
    };
    let mut solution = |k: &str, x: &Result<Option<crate::PrincipalPoint>, Incomplete>| match x {
        Ok(Some(p)) => {
            let mut utilities = Map::new();
            for (n, u) in names.iter().zip(&p.principal_utilities) {
                utilities.insert((*n).to_string(), json!(u));
            }
            json!({
                "outcome": outcome(s, &p.outcome),
                "utilities": utilities,
                "for_every_party": party_views(s, &p.for_every_party),
                "differs_from_nash": p.differs_from_nash.as_deref().map(issues),
            })
        }
        Ok(None) => Value::Null,
        Err(e) => {
            incomplete.insert(k.to_string(), json!(e.to_string()));
            Value::Null
        }
    };
    let nash = solution("nash", &b.nash);
    let kalai_smorodinsky = solution("kalai_smorodinsky", &b.kalai_smorodinsky);
    let zopa = match &b.zopa {
        Ok(c) => count(c),
        Err(e) => {
            incomplete.insert("zopa".into(), json!(e.to_string()));
            Value::Null
        }
    };
    json!({
        "principals": names,
        "zopa": zopa,
        "nash": nash,
        "kalai_smorodinsky": kalai_smorodinsky,
        "incomplete": incomplete,
    })
}

/// `{party: {"utility", "acceptable", "crosses_red_line"}}` for every party.
pub fn party_views(s: &Scenario, views: &[crate::PartyView]) -> Value {
    let mut m = Map::new();
    for (p, v) in s.parties().iter().zip(views) {
        m.insert(
            p.name.clone(),
            json!({
                "utility": v.utility,
                "acceptable": v.acceptable,
                "crosses_red_line": v.crosses_red_line,
            }),
        );
    }
    Value::Object(m)
}

/// One frontier's fields of [`AnalysisJson`]; all `None` when it is not known exactly.
#[derive(Default)]
struct Frontier<'a> {
    size: Option<Value>,
    n_vectors: Option<usize>,
    points: Option<Points<'a>>,
    vectors: Option<Vectors<'a>>,
}

/// The `analyze --json` object. Frontiers can hold millions of points (AgentHp2: 924 385), so
/// they are serialized point by point instead of being built as a `Value` tree first.
#[derive(serde::Serialize)]
pub struct AnalysisJson<'a> {
    scenario: &'a str,
    parties: Vec<&'a str>,
    issues: usize,
    outcomes: Value,
    reservation: Value,
    zopa: Value,
    ideal: Value,
    nash: Value,
    kalai_smorodinsky: Value,
    max_welfare: Value,
    pareto_size: Option<Value>,
    pareto_vector_count: Option<usize>,
    pareto: Option<Points<'a>>,
    pareto_vectors: Option<Vectors<'a>>,
    pareto_acceptable_size: Option<Value>,
    pareto_acceptable_vector_count: Option<usize>,
    pareto_acceptable: Option<Points<'a>>,
    pareto_acceptable_vectors: Option<Vectors<'a>>,
    not_listed: Value,
    incomplete: Value,
    /// The principals' own Nash and Kalai–Smorodinsky packages (`null` unless there are at
    /// least 2 principals and some other party).
    principals: Value,
    /// The short robust analysis (`null` when the scenario has no ranges or it was not asked
    /// for).
    robustness: Value,
}

/// A frontier's distinct utility vectors, serialized lazily: each as
/// `{"utilities": {party: u}, "count": n, "outcome": {…} (the first in enumeration order),
/// "acceptable": bool}`.
pub struct Vectors<'a> {
    s: &'a Scenario,
    vectors: &'a [FrontierVector],
}

impl serde::Serialize for Vectors<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.vectors.len()))?;
        for v in self.vectors {
            seq.serialize_element(&json!({
                "utilities": per_party(self.s, &v.utilities),
                "count": count(&v.count),
                "outcome": outcome(self.s, &v.outcome),
                "acceptable": v.acceptable,
            }))?;
        }
        seq.end()
    }
}

/// A list of points, serialized lazily.
pub struct Points<'a> {
    s: &'a Scenario,
    points: &'a [Point],
}

impl serde::Serialize for Points<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.points.len()))?;
        for p in self.points {
            seq.serialize_element(&point(self.s, p))?;
        }
        seq.end()
    }
}

/// One trace event. Rounds count from 1, as in the text reports ("round 1" is the first), so
/// an agreement's `round` equals the negotiation's `rounds`; a timeout's `round` is the number of
/// rounds played.
pub fn event(s: &Scenario, e: &Event) -> Value {
    let name = |p: &usize| s.parties()[*p].name.clone();
    match e {
        Event::Offer {
            round,
            party,
            outcome: o,
        } => json!({
            "round": round + 1, "party": name(party), "action": "offer",
            "outcome": outcome(s, o), "utilities": per_party(s, &s.utilities(o)),
        }),
        Event::Accept { round, party } => {
            json!({"round": round + 1, "party": name(party), "action": "accept"})
        }
        Event::EndNegotiation {
            round,
            party,
            reason,
        } => json!({
            "round": round + 1, "party": name(party), "action": "end", "reason": reason,
        }),
        Event::Agreement { round, outcome: o } => json!({
            "round": round + 1, "action": "agreement", "outcome": outcome(s, o),
        }),
        Event::Timeout { rounds } => json!({"round": rounds, "action": "timeout"}),
        Event::Consult {
            round,
            parties,
            meeting,
            version,
        } => json!({
            "round": round + 1, "action": "consult",
            "parties": parties.iter().map(name).collect::<Vec<_>>(),
            "meeting": meeting.and_then(|k| s.meetings.get(k)).map(|m| json!({
                "date": m.date, "end_date": m.end_date, "place": m.place,
            })),
            "version": version,
        }),
        Event::Verdict {
            round,
            party,
            verdict,
        } => json!({
            "round": round + 1, "party": name(party), "action": "verdict",
            "accept": verdict.accept, "veto": verdict.veto,
            "objections": verdict.objections.iter().map(|&i| s.space().issues()[i].name()).collect::<Vec<_>>(),
            "red_lines": verdict.red_lines.iter().map(|&i| s.space().issues()[i].name()).collect::<Vec<_>>(),
            "preferred": verdict.preferred.iter().map(|&(i, v)| json!({
                "issue": s.space().issues()[i].name(), "value": value(s, i, v),
            })).collect::<Vec<_>>(),
            "improves": verdict.improves,
        }),
        Event::Draft {
            round,
            version,
            outcome: o,
            changes,
        } => json!({
            "round": round + 1, "action": "draft", "version": version,
            "outcome": outcome(s, o), "utilities": per_party(s, &s.utilities(o)),
            "changes": changes.iter().map(|&(i, a, b)| change(s, i, a, b)).collect::<Vec<_>>(),
        }),
    }
}

fn value(s: &Scenario, i: usize, v: u32) -> Value {
    crate::robustness::value(s.space(), i, v)
}

fn change(s: &Scenario, i: usize, a: u32, b: u32) -> Value {
    json!({"issue": s.space().issues()[i].name(), "from": value(s, i, a), "to": value(s, i, b)})
}

/// `{party: strategy}`.
fn strategy_map(s: &Scenario, strategies: &[String]) -> Map<String, Value> {
    s.parties()
        .iter()
        .zip(strategies)
        .map(|(p, st)| (p.name.clone(), json!(st)))
        .collect()
}

/// An agreement as a point (or `null`).
fn agreement(s: &Scenario, o: Option<&Outcome>) -> Value {
    o.map_or(Value::Null, |o| {
        json!({
            "outcome": outcome(s, o),
            "utilities": per_party(s, &s.utilities(o)),
            "acceptable": s.parties().iter().all(|p| p.preferences.is_acceptable(o)),
        })
    })
}

/// The `negotiate --protocol single-text --json` object: the SAO shape plus the draft versions.
pub fn single_text(
    s: &Scenario,
    strategies: &[String],
    config: &detente_core::protocol::SingleTextConfig,
    start: &str,
    r: &detente_core::protocol::SingleTextResult,
) -> Value {
    let mut v = negotiation(s, strategies, config.rounds, config.seed, &r.negotiation);
    if let Value::Object(m) = &mut v {
        m.insert("protocol".into(), json!("single-text"));
        m.insert("mediator".into(), json!(config.mediator.as_str()));
        m.insert(
            "mediator_party".into(),
            json!(
                s.mediator
                    .as_ref()
                    .and_then(|m| m.party_idx)
                    .map(|p| s.parties()[p].name.clone())
            ),
        );
        m.insert("start".into(), json!(start));
        let drafts: Vec<Value> = r
            .versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "round": v.round + 1,
                    "outcome": outcome(s, &v.outcome),
                    "utilities": per_party(s, &s.utilities(&v.outcome)),
                    "changes": v.changes.iter().map(|&(i, a, b)| change(s, i, a, b)).collect::<Vec<_>>(),
                })
            })
            .collect();
        m.insert("drafts".into(), Value::Array(drafts));
        m.insert("consultations".into(), json!(r.negotiation.rounds));
        m.insert("questions".into(), json!(r.questions));
        if let Some(p) = &r.neutral {
            let name = |q: usize| s.parties()[q].name.clone();
            m.insert(
                "neutral".into(),
                json!({
                    "parties": p.parties.iter().map(|&q| name(q)).collect::<Vec<_>>(),
                    "package": p.outcome.as_ref().map(|o| outcome(s, o)),
                    "gains": per_party(s, &p.gains),
                    "closest": p.blocked.as_ref().map(|(o, _)| outcome(s, o)),
                    "blocked_by": p.blocked.as_ref().map(|(_, sh)| sh.iter().map(|x| json!({
                        "party": name(x.party),
                        "utility": x.utility,
                        "reservation": x.reservation,
                        "short_by": x.reservation - x.utility,
                    })).collect::<Vec<_>>()),
                }),
            );
        }
    }
    v
}

/// The `negotiate --json` object.
pub fn negotiation(
    s: &Scenario,
    strategies: &[String],
    rounds_limit: u32,
    seed: u64,
    r: &NegotiationResult,
) -> Value {
    let strat = strategy_map(s, strategies);
    let agreement = agreement(s, r.agreement.as_ref());
    json!({
        "scenario": s.name,
        "protocol": "sao",
        "strategies": Value::Object(strat),
        "deadline": rounds_limit,
        "seed": seed,
        "agreement": agreement,
        "rounds": r.rounds,
        "payoffs": per_party(s, &r.utilities),
        "ended_by": r.ended_by.map(|p| s.parties()[p].name.clone()),
        "trace": r.trace.iter().map(|e| event(s, e)).collect::<Vec<_>>(),
    })
}

/// `detente analyze --json`: the analysis object of `report` (see [`analysis`]), pretty-printed
/// with a final newline.
pub fn write_analysis(
    out: &mut impl Write,
    report: &crate::Report,
    max_listed: u64,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report_analysis(report, max_listed))?;
    writeln!(out)
}

/// `detente run --json`: everything the report shows, as one object (docs/json.md), pretty-printed
/// with a final newline.
pub fn write_run(out: &mut impl Write, report: &crate::Report) -> io::Result<()> {
    use serde_json::{Value, json};
    let s = &report.scenario;
    let issue = |i: &usize| s.space().issues()[*i].name().to_string();
    let issues = |v: &[usize]| v.iter().map(issue).collect::<Vec<_>>();
    let nash = report
        .analysis
        .nash
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .map(|p| &p.outcome);
    let packages: Vec<Value> = s
        .packages
        .iter()
        .zip(&report.packages)
        .map(|(pk, sc)| {
            let mut parties = serde_json::Map::new();
            for (p, ps) in s.parties().iter().zip(&sc.parties) {
                parties.insert(p.name.clone(), json!({
                    "utility_min": ps.lo,
                    "utility_max": ps.hi,
                    "verdict": ps.verdict.as_str(),
                    "red_lines_crossed": issues(&ps.red_lines_crossed),
                }));
            }
            json!({
                "name": pk.name,
                "label": pk.label,
                "date": pk.date,
                "completions": count(&sc.completions),
                "acceptable_to_all": sc.acceptable_to_all.as_ref().map(count).unwrap_or(Value::Null),
                "nash": nash.map_or(Value::Null, |n| {
                    let (decided, differs) = crate::draft_vs_nash(pk, n);
                    json!({"decided": issues(&decided), "differs_on": issues(&differs)})
                }),
                "parties": parties,
            })
        })
        .collect();
    let names = report
        .sao
        .as_ref()
        .map(|r| r.strategies.clone())
        .unwrap_or_default();
    let single_text = report.single_text.as_ref().map_or(Value::Null, |t| {
        single_text(s, &names, &t.config, &t.start_label, &t.result)
    });
    let sao = report.sao.as_ref().map_or(Value::Null, |r| {
        negotiation(s, &names, r.config.rounds, r.config.seed, &r.result)
    });
    // The principals alone, as in the report: their negotiation, and how its agreement looks to
    // every party of the scenario.
    let principals_alone = match (&report.principals_alone, &report.sao) {
        (Some(pa), Some(r)) => {
            let mut j = negotiation(
                &pa.scenario,
                &pa.strategies,
                r.config.rounds,
                r.config.seed,
                &pa.result,
            );
            j["for_every_party"] = pa
                .for_every_party
                .as_ref()
                .map_or(Value::Null, |views| party_views(s, views));
            j
        }
        _ => Value::Null,
    };
    let per_party = |xs: &[f64]| per_party(s, xs);
    let comparisons = json!({
        "sao_vs_nash": report.sao_vs_nash.as_ref().map_or(Value::Null, |c| json!({
            "differs_on": issues(&c.differs_on),
            "utility_minus_nash": per_party(&c.utility_minus_nash),
            "payoff_minus_nash": c.payoff_minus_nash.as_ref().map_or(Value::Null, |(t, d)| json!({
                "time": t,
                "per_party": per_party(d),
            })),
        })),
        "single_text": report.text_comparison.as_ref().map_or(Value::Null, |c| json!({
            "final": if c.agreed { "agreed" } else { "last_draft" },
            "nash_differs_on": c.nash_differs_on.as_deref().map_or(Value::Null, |d| json!(issues(d))),
            "drafts": c.drafts.iter().map(|m| json!({
                "package": s.packages[m.package].name,
                "matched": m.matched,
                "decided": m.decided,
            })).collect::<Vec<_>>(),
            "why_not": report.text_why_not.as_ref().map_or(Value::Null, |w| why_not_json(s, w)),
        })),
    });
    #[derive(serde::Serialize)]
    struct RunJson<'a> {
        schema: &'static str,
        analysis: AnalysisJson<'a>,
        packages: Vec<Value>,
        single_text: Value,
        sao: Value,
        principals_alone: Value,
        comparisons: Value,
    }
    serde_json::to_writer_pretty(
        &mut *out,
        &RunJson {
            schema: RUN_SCHEMA,
            analysis: report_analysis(report, DEFAULT_MAX_LISTED),
            packages,
            single_text,
            sao,
            principals_alone,
            comparisons,
        },
    )?;
    writeln!(out)?;
    Ok(())
}

/// Why the single text ended without agreement (docs/json.md, `comparisons.single_text`).
fn why_not_json(s: &Scenario, w: &crate::WhyNot) -> serde_json::Value {
    use serde_json::json;
    let name = |p: usize| s.parties()[p].name.clone();
    let issues = |v: &[usize]| {
        v.iter()
            .map(|&i| s.space().issues()[i].name().to_string())
            .collect::<Vec<_>>()
    };
    match w {
        crate::WhyNot::Undecided(e) => json!({
            "zone": "undecided",
            "reason": e.to_string(),
        }),
        crate::WhyNot::MissedZone { zone, unacceptable } => json!({
            "zone": "exists",
            "zopa": count(zone),
            "unacceptable_to": unacceptable.iter().map(|x| json!({
                "party": name(x.party),
                "red_lines": issues(&x.red_lines),
                "utility": x.utility,
                "reservation": x.reservation,
            })).collect::<Vec<_>>(),
        }),
        crate::WhyNot::NoZone { blocked_by } => json!({
            "zone": "none",
            "blocked_by": blocked_by.iter().map(|x| json!({
                "party": name(x.party),
                "utility": x.utility,
                "reservation": x.reservation,
                "short_by": x.reservation - x.utility,
            })).collect::<Vec<_>>(),
        }),
    }
}
