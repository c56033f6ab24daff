//! Writing: a domain and one profile per party that read back to the same utilities.

use super::*;

/// Search nodes allowed when looking for a reservation bid.
const BID_SEARCH_NODES: u64 = 2_000_000;
/// Terms or utilities this close are equal when checking that a file reproduces the
/// scenario.
const EPS: f64 = 1e-12;
/// Weights are written with this many decimals, so that they add up to exactly 1.
const WEIGHT_SCALE: i64 = 1_000_000_000_000_000;

/// How an issue is written.
enum Form {
    Discrete(Vec<String>),
    /// A number range `low..=high` by `step`, with linear utilities.
    Number {
        low: i64,
        high: i64,
        step: i64,
    },
}

pub(super) fn to_json(s: &Scenario) -> Result<Rendered, Error> {
    check_expressible(s, "GeniusWeb")?;
    let mut warnings = Vec::new();
    let w = |message: String| Warning {
        path: None,
        line: None,
        message,
    };
    for party in s.parties() {
        let raw_max: f64 = party
            .preferences
            .ufun()
            .terms()
            .iter()
            .map(|t| t.iter().copied().fold(0.0, f64::max))
            .sum();
        if raw_max > 1.0 + EPS {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "party '{}' reaches utility {raw_max} (clipped at 1 in GENIUS); GeniusWeb \
                     utilities are at most 1 and never clipped, so the file would change its \
                     preferences",
                    party.name
                ),
            ));
        }
        if party.preferences.discount() < 1.0 {
            warnings.push(w(format!(
                "party '{}': GeniusWeb has no discount factor; {} is not written",
                party.name,
                party.preferences.discount()
            )));
        }
    }
    if has_analyst_material(s) {
        warnings.push(w(
            "GeniusWeb files have no place for sources, packages, meetings, the mediator, \
             roles or descriptions; they are not written"
                .into(),
        ));
    }
    // Per party, weights that add up to exactly 1 and per-issue utilities in [0, 1].
    let scaled: Vec<(Vec<f64>, Vec<Vec<f64>>)> = s
        .parties()
        .iter()
        .map(|p| scale(p.preferences.ufun().terms()))
        .collect();
    let forms: Vec<Form> = s
        .space()
        .issues()
        .iter()
        .enumerate()
        .map(|(i, issue)| form(s, i, issue, &scaled, &mut warnings))
        .collect();
    let scenario_name = if s.name.trim().is_empty() {
        "scenario".to_string()
    } else {
        s.name.clone()
    };
    let domain = domain_json(s, &forms, &scenario_name);
    let mut names: Vec<String> = Vec::new();
    let mut files = Vec::new();
    for (p, party) in s.parties().iter().enumerate() {
        let mut base = crate::files::safe_file_name(&party.name);
        if base != party.name {
            warnings.push(w(format!(
                "party '{}' is written as {base}.json; reading it back names the party '{base}'",
                party.name
            )));
        }
        while names.iter().any(|n| n.eq_ignore_ascii_case(&base)) {
            base.push('_');
        }
        names.push(base.clone());
        let (weights, utils) = &scaled[p];
        let prefs = &party.preferences;
        let bid = reservation_bid(
            &party.name,
            prefs.reservation(),
            weights,
            utils,
            &mut warnings,
        )?;
        let json = profile_json(s, &forms, &domain, &base, weights, utils, bid.as_deref());
        files.push((format!("{base}.json"), pretty(&json)));
    }
    let mut sorted = names.clone();
    sorted.sort();
    if sorted != names {
        warnings.push(w(format!(
            "GeniusWeb has no party order: readers take profiles in file-name order, so the \
             parties will be read back as {}",
            sorted.join(", ")
        )));
    }
    let mut domain_file = crate::files::safe_file_name(&scenario_name);
    while names.iter().any(|n| n.eq_ignore_ascii_case(&domain_file)) {
        domain_file.push_str("_domain");
    }
    files.insert(0, (format!("{domain_file}.json"), pretty(&domain)));
    Ok(Rendered { files, warnings })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Weights with 15 decimals that add up to exactly 1, and per-issue utilities in [0, 1]
/// with `weight·utility = term` (within float rounding).
fn scale(terms: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let maxes: Vec<f64> = terms
        .iter()
        .map(|t| t.iter().copied().fold(0.0, f64::max))
        .collect();
    let total: f64 = maxes.iter().sum();
    let n = maxes.len().max(1);
    let mut units: Vec<i64> = if total > 0.0 {
        maxes
            .iter()
            .map(|m| {
                let u = (m / total * WEIGHT_SCALE as f64).round() as i64;
                if *m > 0.0 { u.max(1) } else { 0 }
            })
            .collect()
    } else {
        vec![WEIGHT_SCALE / n as i64; maxes.len()]
    };
    let diff = WEIGHT_SCALE - units.iter().sum::<i64>();
    if let Some(big) = (0..units.len()).max_by_key(|&i| units[i]) {
        units[big] += diff;
    }
    let weights: Vec<f64> = units
        .iter()
        .map(|&u| u as f64 / WEIGHT_SCALE as f64)
        .collect();
    let utils = terms
        .iter()
        .zip(&weights)
        .map(|(t, &w)| {
            t.iter()
                .map(|&x| {
                    if w > 0.0 {
                        (x / w).clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    (weights, utils)
}

fn form(
    s: &Scenario,
    i: usize,
    issue: &Issue,
    scaled: &[(Vec<f64>, Vec<Vec<f64>>)],
    warnings: &mut Vec<Warning>,
) -> Form {
    match issue.kind() {
        IssueKind::Discrete { options } => Form::Discrete(options.clone()),
        IssueKind::Integer { lo, step, .. } => {
            let n = i64::from(issue.n_values());
            let high = lo + (n - 1) * step;
            let linear = n > 1
                && scaled.iter().all(|(_, utils)| {
                    let u = &utils[i];
                    let (lu, hu) = (u[0], u[u.len() - 1]);
                    u.iter().enumerate().all(|(k, &x)| {
                        let v = lo + k as i64 * step;
                        let interp =
                            round_half_up_8(lu + (hu - lu) * (v - lo) as f64 / (high - lo) as f64);
                        (interp - x).abs() <= EPS
                    })
                });
            if linear {
                Form::Number {
                    low: *lo,
                    high,
                    step: *step,
                }
            } else {
                let who = if n == 1 {
                    "a single value".to_string()
                } else {
                    let bad = s
                        .parties()
                        .iter()
                        .zip(scaled)
                        .find(|(_, (_, utils))| {
                            let u = &utils[i];
                            let (lu, hu) = (u[0], u[u.len() - 1]);
                            u.iter().enumerate().any(|(k, &x)| {
                                let interp = round_half_up_8(
                                    lu + (hu - lu) * (k as i64 * step) as f64 / (high - lo) as f64,
                                );
                                (interp - x).abs() > EPS
                            })
                        })
                        .map(|(p, _)| p.name.clone())
                        .unwrap_or_default();
                    format!(
                        "a value function for party '{bad}' that is not linear with 8-decimal \
                         end points"
                    )
                };
                warnings.push(Warning {
                    path: None,
                    line: None,
                    message: format!(
                        "integer issue '{}' has {who}, which NumberValueSetUtilities cannot \
                         express; written as a discrete issue with the values as text",
                        issue.name()
                    ),
                });
                Form::Discrete(
                    (0..issue.n_values())
                        .map(|k| issue.value(k).map(|v| v.to_string()).unwrap_or_default())
                        .collect(),
                )
            }
        }
    }
}

fn gw_name(name: &str, fallback: &str) -> String {
    let s: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn domain_json(s: &Scenario, forms: &[Form], name: &str) -> Value {
    let mut iv = Map::new();
    for (issue, form) in s.space().issues().iter().zip(forms) {
        let spec = match form {
            Form::Discrete(values) => {
                let mut m = Map::new();
                m.insert(
                    "values".into(),
                    Value::Array(values.iter().map(|v| Value::String(v.clone())).collect()),
                );
                m
            }
            Form::Number { low, high, step } => {
                let mut r = Map::new();
                r.insert("low".into(), Value::from(*low));
                r.insert("high".into(), Value::from(*high));
                r.insert("step".into(), Value::from(*step));
                let mut m = Map::new();
                m.insert("range".into(), Value::Object(r));
                m
            }
        };
        iv.insert(issue.name().to_string(), Value::Object(spec));
    }
    let mut d = Map::new();
    d.insert("name".into(), Value::String(gw_name(name, "domain")));
    d.insert("issuesValues".into(), Value::Object(iv));
    Value::Object(d)
}

fn profile_json(
    s: &Scenario,
    forms: &[Form],
    domain: &Value,
    name: &str,
    weights: &[f64],
    utils: &[Vec<f64>],
    bid: Option<&[Option<u32>]>,
) -> Value {
    let issues = s.space().issues();
    let mut iu = Map::new();
    let mut iw = Map::new();
    for (i, (issue, form)) in issues.iter().zip(forms).enumerate() {
        let u = &utils[i];
        let body = match form {
            Form::Discrete(values) => {
                let mut vu = Map::new();
                for (k, v) in values.iter().enumerate() {
                    vu.insert(v.clone(), num(u[k]));
                }
                let mut inner = Map::new();
                inner.insert("valueUtilities".into(), Value::Object(vu));
                let mut m = Map::new();
                m.insert("DiscreteValueSetUtilities".into(), Value::Object(inner));
                m
            }
            Form::Number { low, high, .. } => {
                let mut inner = Map::new();
                inner.insert("lowValue".into(), Value::from(*low));
                inner.insert("lowUtility".into(), num(u[0]));
                inner.insert("highValue".into(), Value::from(*high));
                inner.insert("highUtility".into(), num(u[u.len() - 1]));
                let mut m = Map::new();
                m.insert("NumberValueSetUtilities".into(), Value::Object(inner));
                m
            }
        };
        iu.insert(issue.name().to_string(), Value::Object(body));
        iw.insert(issue.name().to_string(), num(weights[i]));
    }
    let mut las = Map::new();
    las.insert("name".into(), Value::String(gw_name(name, "party")));
    las.insert("domain".into(), domain.clone());
    las.insert("issueUtilities".into(), Value::Object(iu));
    las.insert("issueWeights".into(), Value::Object(iw));
    if let Some(bid) = bid {
        let mut values = Map::new();
        for (i, (issue, form)) in issues.iter().zip(forms).enumerate() {
            let Some(k) = bid[i] else { continue };
            let v = match form {
                Form::Discrete(values) => Value::String(values[k as usize].clone()),
                Form::Number { low, step, .. } => Value::from(low + i64::from(k) * step),
            };
            values.insert(issue.name().to_string(), v);
        }
        let mut b = Map::new();
        b.insert("issuevalues".into(), Value::Object(values));
        las.insert("reservationBid".into(), Value::Object(b));
    }
    let mut top = Map::new();
    top.insert(LINEAR.into(), Value::Object(las));
    Value::Object(top)
}

/// The reservation bid for reservation value `r`: `None` when no bid is needed (r = 0),
/// else the values per issue (`None` = left out of a partial bid).
fn reservation_bid(
    party: &str,
    r: f64,
    weights: &[f64],
    utils: &[Vec<f64>],
    warnings: &mut Vec<Warning>,
) -> Result<Option<Vec<Option<u32>>>, Error> {
    if r.abs() <= EPS {
        return Ok(None);
    }
    if r < 0.0 {
        warnings.push(Warning {
            path: None,
            line: None,
            message: format!(
                "party '{party}': the reservation value {r} is negative, which no GeniusWeb \
                 reservation bid can express; written without one (reservation 0: every \
                 outcome stays acceptable)"
            ),
        });
        return Ok(None);
    }
    // The utilities as a reader will compute them from the written numbers.
    let terms: Vec<Vec<f64>> = utils
        .iter()
        .zip(weights)
        .map(|(u, w)| u.iter().map(|x| w * x).collect())
        .collect();
    let mut search = BidSearch::new(&terms, r);
    search.run();
    match search.best {
        Some((u, bid)) if (u - r).abs() <= EPS => Ok(Some(bid)),
        Some((u, bid)) => {
            let complete = if search.nodes >= BID_SEARCH_NODES {
                "the search was cut short, so a few outcomes worth between the two may change side"
            } else {
                "the acceptable outcomes are the same"
            };
            warnings.push(Warning {
                path: None,
                line: None,
                message: format!(
                    "party '{party}': GeniusWeb expresses the reservation as a bid and no bid is \
                     worth exactly {r}; the reservation bid is the cheapest bid worth at least \
                     that, {u} ({complete})"
                ),
            });
            Ok(Some(bid))
        }
        None => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "party '{party}': the reservation value {r} is above every bid's utility, which \
                 a GeniusWeb reservation bid cannot express"
            ),
        )),
    }
}

/// Depth-first search for the (partial) bid whose utility is the smallest at least `r`,
/// stopping at one within [`EPS`] of `r`.
struct BidSearch<'a> {
    terms: &'a [Vec<f64>],
    r: f64,
    /// Sum of the largest terms of issues `i..`.
    suffix_max: Vec<f64>,
    path: Vec<Option<u32>>,
    best: Option<(f64, Vec<Option<u32>>)>,
    nodes: u64,
}

impl<'a> BidSearch<'a> {
    fn new(terms: &'a [Vec<f64>], r: f64) -> BidSearch<'a> {
        let mut suffix_max = vec![0.0; terms.len() + 1];
        for i in (0..terms.len()).rev() {
            suffix_max[i] = suffix_max[i + 1] + terms[i].iter().copied().fold(0.0, f64::max);
        }
        BidSearch {
            terms,
            r,
            suffix_max,
            path: Vec::with_capacity(terms.len()),
            best: None,
            nodes: 0,
        }
    }

    fn done(&self) -> bool {
        self.nodes >= BID_SEARCH_NODES
            || self
                .best
                .as_ref()
                .is_some_and(|(u, _)| (u - self.r).abs() <= EPS)
    }

    /// Iterative depth-first search (an explicit stack, so that scenarios with very many
    /// issues cannot overflow the call stack).
    fn run(&mut self) {
        let Some(root) = self.enter(0, 0.0) else {
            return;
        };
        let mut stack = vec![root];
        while let Some(top) = stack.last_mut() {
            if self.done() {
                return;
            }
            let Some(&choice) = top.order.get(top.next) else {
                stack.pop();
                // Drop the choice that led into the finished frame (none for the root).
                self.path.pop();
                continue;
            };
            top.next += 1;
            let (i, partial) = (top.issue, top.partial);
            let add = choice.map_or(0.0, |k| self.terms[i][k as usize]);
            self.path.push(choice);
            match self.enter(i + 1, partial + add) {
                Some(frame) => stack.push(frame),
                None => {
                    self.path.pop();
                }
            }
        }
    }

    /// Visits the node for issue `i` with the bid so far worth `partial`: records it when
    /// it reaches `r`, and returns a frame when its children need visiting.
    fn enter(&mut self, i: usize, partial: f64) -> Option<Frame> {
        self.nodes += 1;
        if self.done() || partial + self.suffix_max[i] < self.r - EPS {
            return None;
        }
        if self.best.as_ref().is_some_and(|(bu, _)| partial >= *bu) {
            return None;
        }
        if partial >= self.r - EPS {
            // Leaving the remaining issues out of the bid adds nothing more.
            let mut bid = self.path.clone();
            bid.resize(self.terms.len(), None);
            self.best = Some((partial, bid));
            return None;
        }
        let terms = self.terms.get(i)?;
        // Values in decreasing order of their term reach r with fewer issues first; leaving
        // the issue out comes last.
        let mut order: Vec<Option<u32>> = (0..terms.len() as u32).map(Some).collect();
        order.sort_by(|a, b| {
            let t = |x: &Option<u32>| x.map_or(0.0, |k| terms[k as usize]);
            t(b).total_cmp(&t(a))
        });
        order.push(None);
        Some(Frame {
            issue: i,
            partial,
            order,
            next: 0,
        })
    }
}

/// One level of [`BidSearch`]'s explicit stack.
struct Frame {
    issue: usize,
    partial: f64,
    order: Vec<Option<u32>>,
    next: usize,
}
