//! An independent model of docs/scenario-format.md, read straight from the TOML with the `toml`
//! crate (never through detente's own crates), and brute-force versions of every quantity
//! `detente analyze` reports. Tests compare the binary against this model.
//!
//! Semantics (from the doc): `u(ω) = Σᵢ (wᵢ / Σⱼ wⱼ) · vᵢ(ωᵢ)`; ω is acceptable to a party when
//! `u(ω) ≥ reservation` and ω uses none of its red-line options; the zopa is the set of outcomes
//! acceptable to every party. Nash maximises Π(uᵢ − rᵢ), Kalai–Smorodinsky maximises
//! minᵢ (uᵢ − rᵢ)/(bestᵢ − rᵢ) with bestᵢ the best utility inside the zopa, max-welfare
//! maximises Σuᵢ, all over the zopa. The Pareto frontier is every outcome no other outcome
//! dominates.
//!
//! Linked issues (the doc's "Linked issues" section): a party's `[[parties.links]]` entry adds its
//! `value` (a number or the point of an estimate) to `u(ω)` whenever its `when` condition holds —
//! every named issue takes one of the listed values (option names; integers or an inclusive
//! `{ min, max }` for an integer issue). The native format does not clip the sum. A red line with
//! `unless = C` forbids its options wherever `C` fails; with `only_if = C`, wherever `C` holds.

use serde_json::{Map, Value, json};

/// Float slack for comparisons: utilities here are exact up to rounding (~1e-16), and the
/// scenarios' real differences are far larger.
pub(crate) const EPS: f64 = 1e-9;

#[derive(Clone, Debug)]
pub(crate) struct Issue {
    pub(crate) name: String,
    /// The option names (discrete) or integers (integer issue), as JSON values like the
    /// binary's `outcome` objects print them.
    pub(crate) labels: Vec<Value>,
}

#[derive(Clone, Debug)]
pub(crate) struct Party {
    pub(crate) name: String,
    pub(crate) reservation: f64,
    /// Raw weights, per issue (0 for an issue not listed).
    pub(crate) weights: Vec<f64>,
    /// Value of every option of every issue.
    pub(crate) values: Vec<Vec<f64>>,
    /// Red-line flags per issue and option.
    pub(crate) red: Vec<Vec<bool>>,
    /// Interaction terms.
    pub(crate) links: Vec<Link>,
    /// Conditional red lines.
    pub(crate) conditional: Vec<CondRedLine>,
}

/// A condition: for each named issue, which of its values satisfy it (`allowed[k]`); it holds
/// when every named issue takes an allowed value.
#[derive(Clone, Debug)]
pub(crate) struct Cond(pub(crate) Vec<(usize, Vec<bool>)>);

impl Cond {
    pub(crate) fn holds(&self, o: &[usize]) -> bool {
        self.0.iter().all(|(i, allowed)| allowed[o[*i]])
    }
}

/// `value` is added to the utility wherever `when` holds.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) when: Cond,
    pub(crate) value: f64,
}

/// Options `options` (flags) of issue `issue` are forbidden wherever `cond` fails (`unless`) or
/// wherever it holds (`only_if`, `unless == false`).
#[derive(Clone, Debug)]
pub(crate) struct CondRedLine {
    pub(crate) issue: usize,
    pub(crate) options: Vec<bool>,
    pub(crate) unless: bool,
    pub(crate) cond: Cond,
}

impl CondRedLine {
    pub(crate) fn crossed(&self, o: &[usize]) -> bool {
        self.options[o[self.issue]] && (self.cond.holds(o) != self.unless)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) issues: Vec<Issue>,
    pub(crate) parties: Vec<Party>,
    /// `terms[p][i][k]` = (wᵢ/Σw)·vᵢ(k) for party p.
    terms: Vec<Vec<Vec<f64>>>,
}

/// A number: a point, or the point `value` of an estimate `{ value, low, high, ... }` (the exact
/// analysis uses the point).
fn num(v: &toml::Value) -> f64 {
    match v {
        toml::Value::Float(x) => *x,
        toml::Value::Integer(x) => *x as f64,
        toml::Value::Table(t) if t.contains_key("value") => num(&t["value"]),
        other => panic!("not a number: {other:?}"),
    }
}

fn table<'a>(v: &'a toml::Value, what: &str) -> &'a toml::Table {
    v.as_table()
        .unwrap_or_else(|| panic!("{what} is not a table"))
}

/// Piecewise linear through `points`, clamped outside them.
pub(crate) fn piecewise(points: &[(f64, f64)], x: f64) -> f64 {
    let (first, last) = (points[0], points[points.len() - 1]);
    if x <= first.0 {
        return first.1;
    }
    if x >= last.0 {
        return last.1;
    }
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x >= x0 && x <= x1 {
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    unreachable!("x inside the points but in no segment")
}

impl Model {
    /// Reads a scenario the way the doc describes it.
    pub(crate) fn from_toml(text: &str) -> Model {
        let doc: toml::Table = toml::from_str(text).expect("the model cannot parse the scenario");
        let mut issues = Vec::new();
        for it in doc["issues"].as_array().expect("issues") {
            let it = table(it, "an issue");
            let name = it["name"].as_str().expect("issue name").to_string();
            let labels: Vec<Value> = if let Some(opts) = it.get("options") {
                opts.as_array()
                    .expect("options")
                    .iter()
                    .map(|o| match o {
                        toml::Value::String(s) => json!(s),
                        toml::Value::Table(t) => json!(t["name"].as_str().expect("option name")),
                        other => panic!("bad option {other:?}"),
                    })
                    .collect()
            } else {
                let r = it["range"].as_array().expect("range");
                let (lo, hi) = (r[0].as_integer().unwrap(), r[1].as_integer().unwrap());
                let step = it.get("step").map_or(1, |s| s.as_integer().unwrap());
                let mut v = Vec::new();
                let mut x = lo;
                while x <= hi {
                    v.push(json!(x));
                    x += step;
                }
                v
            };
            issues.push(Issue { name, labels });
        }
        let index_of = |name: &str| -> usize {
            issues
                .iter()
                .position(|i| i.name == name)
                .unwrap_or_else(|| panic!("unknown issue {name}"))
        };
        let mut parties = Vec::new();
        for p in doc["parties"].as_array().expect("parties") {
            let p = table(p, "a party");
            let name = p["name"].as_str().unwrap().to_string();
            let reservation = p.get("reservation").map_or(0.0, num);
            let mut weights = vec![0.0; issues.len()];
            if let Some(w) = p.get("weights") {
                for (k, v) in table(w, "weights") {
                    weights[index_of(k)] = num(v);
                }
            }
            let mut values: Vec<Vec<f64>> =
                issues.iter().map(|i| vec![0.0; i.labels.len()]).collect();
            if let Some(vs) = p.get("values") {
                for (k, spec) in table(vs, "values") {
                    let i = index_of(k);
                    let labels = &issues[i].labels;
                    values[i] = match spec {
                        toml::Value::Array(a) => a.iter().map(num).collect(),
                        toml::Value::Table(t) if t.contains_key("points") => {
                            let pts: Vec<(f64, f64)> = t["points"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|xy| {
                                    let xy = xy.as_array().unwrap();
                                    (num(&xy[0]), num(&xy[1]))
                                })
                                .collect();
                            labels
                                .iter()
                                .map(|x| piecewise(&pts, x.as_i64().unwrap() as f64))
                                .collect()
                        }
                        toml::Value::Table(t) => labels
                            .iter()
                            .map(|l| num(&t[l.as_str().unwrap()]))
                            .collect(),
                        other => panic!("bad value spec {other:?}"),
                    };
                    assert_eq!(values[i].len(), labels.len(), "values of {k}");
                }
            }
            let label_index = |i: usize, o: &toml::Value| -> usize {
                let want = match o {
                    toml::Value::String(s) => json!(s),
                    toml::Value::Integer(x) => json!(x),
                    other => panic!("bad option {other:?}"),
                };
                issues[i]
                    .labels
                    .iter()
                    .position(|l| *l == want)
                    .unwrap_or_else(|| panic!("{want} is not a value of {}", issues[i].name))
            };
            let cond = |c: &toml::Value| -> Cond {
                let clauses = table(c, "a condition")
                    .iter()
                    .map(|(k, set)| {
                        let i = index_of(k);
                        let mut allowed = vec![false; issues[i].labels.len()];
                        match set {
                            toml::Value::Array(a) => {
                                for o in a {
                                    allowed[label_index(i, o)] = true;
                                }
                            }
                            toml::Value::Table(t) => {
                                let (lo, hi) = (
                                    t["min"].as_integer().expect("min"),
                                    t["max"].as_integer().expect("max"),
                                );
                                for (k, l) in issues[i].labels.iter().enumerate() {
                                    let x = l.as_i64().expect("an integer issue");
                                    allowed[k] = lo <= x && x <= hi;
                                }
                            }
                            other => panic!("bad condition set {other:?}"),
                        }
                        (i, allowed)
                    })
                    .collect();
                Cond(clauses)
            };
            let mut red: Vec<Vec<bool>> =
                issues.iter().map(|i| vec![false; i.labels.len()]).collect();
            let mut conditional = Vec::new();
            if let Some(rl) = p.get("red_lines") {
                for r in rl.as_array().unwrap() {
                    let r = table(r, "a red line");
                    let i = index_of(r["issue"].as_str().unwrap());
                    let mut options = vec![false; issues[i].labels.len()];
                    for o in r["options"].as_array().unwrap() {
                        options[label_index(i, o)] = true;
                    }
                    match (r.get("unless"), r.get("only_if")) {
                        (None, None) => {
                            for (k, f) in options.iter().enumerate() {
                                red[i][k] |= f;
                            }
                        }
                        (Some(c), None) => conditional.push(CondRedLine {
                            issue: i,
                            options,
                            unless: true,
                            cond: cond(c),
                        }),
                        (None, Some(c)) => conditional.push(CondRedLine {
                            issue: i,
                            options,
                            unless: false,
                            cond: cond(c),
                        }),
                        _ => panic!("a red line with both unless and only_if"),
                    }
                }
            }
            let links = p.get("links").map_or_else(Vec::new, |ls| {
                ls.as_array()
                    .expect("links")
                    .iter()
                    .map(|l| {
                        let l = table(l, "a link");
                        Link {
                            when: cond(&l["when"]),
                            value: num(&l["value"]),
                        }
                    })
                    .collect()
            });
            parties.push(Party {
                name,
                reservation,
                weights,
                values,
                red,
                links,
                conditional,
            });
        }
        Model::new(issues, parties)
    }

    pub(crate) fn new(issues: Vec<Issue>, parties: Vec<Party>) -> Model {
        let terms = parties
            .iter()
            .map(|p| {
                let total: f64 = p.weights.iter().sum();
                p.values
                    .iter()
                    .zip(&p.weights)
                    .map(|(vs, w)| vs.iter().map(|v| w / total * v).collect())
                    .collect()
            })
            .collect();
        Model {
            issues,
            parties,
            terms,
        }
    }

    /// The scenario as native TOML (plain option names, value arrays, red lines by name).
    pub(crate) fn to_toml(&self, name: &str) -> String {
        let q = |s: &str| format!("{s:?}");
        let mut out = format!("name = {}\n", q(name));
        for i in &self.issues {
            let opts: Vec<String> = i.labels.iter().map(|l| q(l.as_str().unwrap())).collect();
            out += &format!(
                "\n[[issues]]\nname = {}\noptions = [{}]\n",
                q(&i.name),
                opts.join(", ")
            );
        }
        for p in &self.parties {
            out += &format!(
                "\n[[parties]]\nname = {}\nreservation = {:?}\n",
                q(&p.name),
                p.reservation
            );
            let label = |l: &Value| match l.as_str() {
                Some(s) => q(s),
                None => l.to_string(),
            };
            let flagged = |i: usize, flags: &[bool]| -> String {
                let opts: Vec<String> = self.issues[i]
                    .labels
                    .iter()
                    .zip(flags)
                    .filter(|(_, f)| **f)
                    .map(|(l, _)| label(l))
                    .collect();
                format!("[{}]", opts.join(", "))
            };
            let cond = |c: &Cond| -> String {
                let clauses: Vec<String> =
                    c.0.iter()
                        .map(|(i, allowed)| {
                            format!("{} = {}", q(&self.issues[*i].name), flagged(*i, allowed))
                        })
                        .collect();
                format!("{{ {} }}", clauses.join(", "))
            };
            let mut reds: Vec<String> = self
                .issues
                .iter()
                .enumerate()
                .filter(|(i, _)| p.red[*i].iter().any(|&r| r))
                .map(|(i, issue)| {
                    format!(
                        "{{ issue = {}, options = {} }}",
                        q(&issue.name),
                        flagged(i, &p.red[i])
                    )
                })
                .collect();
            for c in &p.conditional {
                reds.push(format!(
                    "{{ issue = {}, options = {}, {} = {} }}",
                    q(&self.issues[c.issue].name),
                    flagged(c.issue, &c.options),
                    if c.unless { "unless" } else { "only_if" },
                    cond(&c.cond)
                ));
            }
            if !reds.is_empty() {
                out += &format!("red_lines = [{}]\n", reds.join(", "));
            }
            if !p.links.is_empty() {
                let links: Vec<String> = p
                    .links
                    .iter()
                    .map(|l| format!("{{ when = {}, value = {:?} }}", cond(&l.when), l.value))
                    .collect();
                out += &format!("links = [{}]\n", links.join(", "));
            }
            out += "[parties.weights]\n";
            for (i, w) in self.issues.iter().zip(&p.weights) {
                out += &format!("{} = {:?}\n", q(&i.name), w);
            }
            out += "[parties.values]\n";
            for (i, v) in self.issues.iter().zip(&p.values) {
                let vs: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
                out += &format!("{} = [{}]\n", q(&i.name), vs.join(", "));
            }
        }
        out
    }

    pub(crate) fn n_outcomes(&self) -> u128 {
        self.issues.iter().map(|i| i.labels.len() as u128).product()
    }

    pub(crate) fn utility(&self, p: usize, o: &[usize]) -> f64 {
        let additive: f64 = o
            .iter()
            .enumerate()
            .map(|(i, &k)| self.terms[p][i][k])
            .sum();
        additive + self.link_sum(p, o)
    }

    /// The sum of party `p`'s link values whose condition holds at `o`.
    pub(crate) fn link_sum(&self, p: usize, o: &[usize]) -> f64 {
        self.parties[p]
            .links
            .iter()
            .filter(|l| l.when.holds(o))
            .map(|l| l.value)
            .sum()
    }

    pub(crate) fn utilities(&self, o: &[usize]) -> Vec<f64> {
        (0..self.parties.len())
            .map(|p| self.utility(p, o))
            .collect()
    }

    pub(crate) fn crosses_red_line(&self, p: usize, o: &[usize]) -> bool {
        o.iter()
            .enumerate()
            .any(|(i, &k)| self.parties[p].red[i][k])
            || self.parties[p].conditional.iter().any(|c| c.crossed(o))
    }

    pub(crate) fn acceptable_to(&self, p: usize, o: &[usize]) -> bool {
        !self.crosses_red_line(p, o) && self.utility(p, o) >= self.parties[p].reservation - EPS
    }

    pub(crate) fn acceptable(&self, o: &[usize]) -> bool {
        (0..self.parties.len()).all(|p| self.acceptable_to(p, o))
    }

    /// The JSON object the binary prints for an outcome: `{issue: label}`.
    pub(crate) fn outcome_json(&self, o: &[usize]) -> Value {
        let mut m = Map::new();
        for (i, &k) in o.iter().enumerate() {
            m.insert(
                self.issues[i].name.clone(),
                self.issues[i].labels[k].clone(),
            );
        }
        Value::Object(m)
    }

    /// The option indices of a JSON `outcome` object printed by the binary.
    #[track_caller]
    pub(crate) fn outcome_from_json(&self, v: &Value) -> Vec<usize> {
        let m = v
            .as_object()
            .unwrap_or_else(|| panic!("an outcome must be an object, got {v}"));
        assert_eq!(
            m.len(),
            self.issues.len(),
            "an outcome must name every issue once: {v}"
        );
        self.issues
            .iter()
            .map(|i| {
                let label = m
                    .get(&i.name)
                    .unwrap_or_else(|| panic!("outcome {v} lacks issue {}", i.name));
                i.labels.iter().position(|l| l == label).unwrap_or_else(|| {
                    panic!("outcome {v}: {label} is not an option of {}", i.name)
                })
            })
            .collect()
    }

    /// Calls `f(outcome, utilities)` for every outcome that crosses nobody's red line
    /// (conditional ones included), in enumeration order (issue 0 most significant). Additive
    /// utilities are accumulated per level, so this stays fast on millions of outcomes; links
    /// and conditional red lines are checked at each complete outcome.
    pub(crate) fn for_each_red_line_free(&self, mut f: impl FnMut(&[usize], &[f64])) {
        let np = self.parties.len();
        let cands: Vec<Vec<usize>> = (0..self.issues.len())
            .map(|i| {
                (0..self.issues[i].labels.len())
                    .filter(|&k| self.parties.iter().all(|p| !p.red[i][k]))
                    .collect()
            })
            .collect();
        if cands.iter().any(Vec::is_empty) {
            return;
        }
        let n = self.issues.len();
        let mut acc = vec![0.0; (n + 1) * np];
        let mut pos = vec![0usize; n];
        let mut o = vec![0usize; n];
        let linked = self
            .parties
            .iter()
            .any(|p| !p.links.is_empty() || !p.conditional.is_empty());
        let mut leaf = vec![0.0; np];
        let mut level = 0;
        // Iterative depth-first walk.
        loop {
            if level == n {
                if !linked {
                    f(&o, &acc[n * np..]);
                } else if !self
                    .parties
                    .iter()
                    .any(|p| p.conditional.iter().any(|c| c.crossed(&o)))
                {
                    for p in 0..np {
                        leaf[p] = acc[n * np + p] + self.link_sum(p, &o);
                    }
                    f(&o, &leaf);
                }
                // Backtrack.
                loop {
                    if level == 0 {
                        return;
                    }
                    level -= 1;
                    pos[level] += 1;
                    if pos[level] < cands[level].len() {
                        break;
                    }
                    pos[level] = 0;
                }
            }
            let k = cands[level][pos[level]];
            o[level] = k;
            for p in 0..np {
                acc[(level + 1) * np + p] = acc[level * np + p] + self.terms[p][level][k];
            }
            level += 1;
        }
    }

    /// Every outcome, in enumeration order.
    pub(crate) fn all_outcomes(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new()];
        for i in &self.issues {
            out = out
                .into_iter()
                .flat_map(|o: Vec<usize>| {
                    (0..i.labels.len()).map(move |k| {
                        let mut o = o.clone();
                        o.push(k);
                        o
                    })
                })
                .collect();
        }
        out
    }

    /// Brute force over the zopa only (for spaces too big to list in full).
    pub(crate) fn solve_zopa(&self) -> ZopaSolution {
        let r: Vec<f64> = self.parties.iter().map(|p| p.reservation).collect();
        let mut zopa = Vec::new();
        self.for_each_red_line_free(|o, u| {
            if u.iter().zip(&r).all(|(u, r)| *u >= r - EPS) {
                zopa.push(o.to_vec());
            }
        });
        ZopaSolution::new(self, zopa)
    }

    /// Brute force over every outcome (small spaces only).
    pub(crate) fn solve(&self) -> Solution {
        let all = self.all_outcomes();
        let utils: Vec<Vec<f64>> = all.iter().map(|o| self.utilities(o)).collect();
        let pareto_of = |idx: &[usize]| -> Vec<usize> {
            idx.iter()
                .copied()
                .filter(|&a| !idx.iter().any(|&b| dominates(&utils[b], &utils[a])))
                .collect()
        };
        let every: Vec<usize> = (0..all.len()).collect();
        let acc: Vec<usize> = every
            .iter()
            .copied()
            .filter(|&k| self.acceptable(&all[k]))
            .collect();
        let pareto = pareto_of(&every)
            .into_iter()
            .map(|k| all[k].clone())
            .collect();
        let pareto_acceptable = pareto_of(&acc)
            .into_iter()
            .map(|k| all[k].clone())
            .collect();
        let zopa = ZopaSolution::new(self, acc.iter().map(|&k| all[k].clone()).collect());
        Solution {
            zopa,
            pareto,
            pareto_acceptable,
        }
    }
}

/// `a` dominates `b`: at least as good for everyone, better for someone (beyond float noise).
pub(crate) fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| *x >= *y - EPS) && a.iter().zip(b).any(|(x, y)| *x > *y + EPS)
}

/// The bargaining quantities over the zopa.
#[derive(Debug)]
pub(crate) struct ZopaSolution {
    pub(crate) zopa: Vec<Vec<usize>>,
    /// Best utility of each party inside the zopa.
    pub(crate) ideal: Vec<Option<f64>>,
    /// (best value, every outcome reaching it within EPS).
    pub(crate) nash: Option<(f64, Vec<Vec<usize>>)>,
    pub(crate) ks: Option<(f64, Vec<Vec<usize>>)>,
    pub(crate) max_welfare: Option<(f64, Vec<Vec<usize>>)>,
}

impl ZopaSolution {
    fn new(m: &Model, zopa: Vec<Vec<usize>>) -> ZopaSolution {
        let r: Vec<f64> = m.parties.iter().map(|p| p.reservation).collect();
        let np = r.len();
        let ideal: Vec<Option<f64>> = (0..np)
            .map(|p| {
                zopa.iter()
                    .map(|o| m.utility(p, o))
                    .fold(None, |b: Option<f64>, u| Some(b.map_or(u, |b| b.max(u))))
            })
            .collect();
        let argmax = |f: &dyn Fn(&[f64]) -> f64| -> Option<(f64, Vec<Vec<usize>>)> {
            let vals: Vec<f64> = zopa.iter().map(|o| f(&m.utilities(o))).collect();
            let best = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if zopa.is_empty() {
                return None;
            }
            let arg = zopa
                .iter()
                .zip(&vals)
                .filter(|(_, v)| **v >= best - EPS)
                .map(|(o, _)| o.clone())
                .collect();
            Some((best, arg))
        };
        let nash = argmax(&|u| u.iter().zip(&r).map(|(u, r)| u - r).product());
        let max_welfare = argmax(&|u| u.iter().sum());
        let ks = if ideal.iter().all(Option::is_some) {
            let ideal: Vec<f64> = ideal.iter().map(|x| x.unwrap()).collect();
            argmax(&|u| {
                (0..np)
                    .map(|p| {
                        let range = ideal[p] - r[p];
                        if range <= 1e-12 {
                            1.0
                        } else {
                            (u[p] - r[p]) / range
                        }
                    })
                    .fold(f64::INFINITY, f64::min)
            })
        } else {
            None
        };
        ZopaSolution {
            zopa,
            ideal,
            nash,
            ks,
            max_welfare,
        }
    }

    /// Nash product of `u` against the reservations.
    pub(crate) fn nash_value(m: &Model, u: &[f64]) -> f64 {
        u.iter()
            .zip(&m.parties)
            .map(|(u, p)| u - p.reservation)
            .product()
    }
}

/// Everything `analyze` reports, by brute force.
#[derive(Debug)]
pub(crate) struct Solution {
    pub(crate) zopa: ZopaSolution,
    pub(crate) pareto: Vec<Vec<usize>>,
    pub(crate) pareto_acceptable: Vec<Vec<usize>>,
}

/// A tiny deterministic generator (xorshift64*) for generated scenarios.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, n).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A value with 3 decimals in [0, 1].
    pub(crate) fn unit(&mut self) -> f64 {
        self.below(1001) as f64 / 1000.0
    }
}

/// A random scenario: `sizes[i]` options per issue, `np` parties, red lines with probability
/// `red_pct`%, reservations drawn from [0, `max_res`].
pub(crate) fn random_model(
    seed: u64,
    sizes: &[usize],
    np: usize,
    red_pct: u64,
    max_res: f64,
) -> Model {
    let mut rng = Rng::new(seed);
    let issues: Vec<Issue> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| Issue {
            name: format!("issue{i}"),
            labels: (0..n).map(|k| json!(format!("opt{i}_{k}"))).collect(),
        })
        .collect();
    let parties = (0..np)
        .map(|p| {
            let weights: Vec<f64> = sizes.iter().map(|_| (1 + rng.below(9)) as f64).collect();
            let values: Vec<Vec<f64>> = sizes
                .iter()
                .map(|&n| (0..n).map(|_| rng.unit()).collect())
                .collect();
            let red: Vec<Vec<bool>> = sizes
                .iter()
                .map(|&n| (0..n).map(|_| rng.below(100) < red_pct).collect())
                .collect();
            Party {
                name: format!("P{p}"),
                reservation: (rng.unit() * max_res * 1000.0).round() / 1000.0,
                weights,
                values,
                red,
                links: Vec::new(),
                conditional: Vec::new(),
            }
        })
        .collect();
    Model::new(issues, parties)
}

/// Adds random linked preferences to `m`: two interaction terms (value in [-0.3, 0.3]) on two
/// or more issues and one conditional red line (`unless` or `only_if`) per party. `m` needs two
/// issues or more.
pub(crate) fn add_random_links(m: &mut Model, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x51ED_27A4);
    let sizes: Vec<usize> = m.issues.iter().map(|i| i.labels.len()).collect();
    let n = sizes.len();
    assert!(n >= 2, "links need two issues");
    let subset = |rng: &mut Rng, size: usize| -> Vec<bool> {
        let mut s: Vec<bool> = (0..size).map(|_| rng.below(2) == 1).collect();
        s[rng.below(size as u64) as usize] = true;
        s
    };
    for p in &mut m.parties {
        for _ in 0..2 {
            let a = rng.below(n as u64) as usize;
            let b = (a + 1 + rng.below(n as u64 - 1) as usize) % n;
            let mut clauses = vec![
                (a, subset(&mut rng, sizes[a])),
                (b, subset(&mut rng, sizes[b])),
            ];
            clauses.sort_by_key(|c| c.0);
            let value = (rng.below(601) as f64 - 300.0) / 1000.0;
            p.links.push(Link {
                when: Cond(clauses),
                value,
            });
        }
        let i = rng.below(n as u64) as usize;
        let j = (i + 1 + rng.below(n as u64 - 1) as usize) % n;
        p.conditional.push(CondRedLine {
            issue: i,
            options: subset(&mut rng, sizes[i]),
            unless: rng.below(2) == 0,
            cond: Cond(vec![(j, subset(&mut rng, sizes[j]))]),
        });
    }
    let issues = m.issues.clone();
    let parties = m.parties.clone();
    *m = Model::new(issues, parties);
}
