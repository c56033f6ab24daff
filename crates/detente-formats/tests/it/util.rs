//! Helpers shared by the integration tests: locating `shared/`, comparing scenarios.

use std::path::PathBuf;

pub(crate) use crate::shared_dir::shared_dir;

use detente_core::Scenario;
use detente_core::analysis::{self, Analysis, AnalysisConfig};

/// The GENIUS scenario folder `name` under `shared/scenarios/genius`.
pub(crate) fn genius_dir(name: &str) -> Option<PathBuf> {
    shared_dir().map(|s| s.join("scenarios/genius").join(name))
}

/// Full analysis with the default configuration.
pub(crate) fn analyze(s: &Scenario) -> Analysis {
    analysis::analyze(s.space(), &s.preferences(), &AnalysisConfig::default())
}

/// Asserts that two scenarios give every outcome the same utilities (within `tol`), party by
/// party in order. Enumerates at most `limit` outcomes, evenly spread.
pub(crate) fn assert_same_utilities(a: &Scenario, b: &Scenario, tol: f64, limit: u128) {
    assert_eq!(a.parties().len(), b.parties().len(), "party count");
    assert_eq!(
        a.space().issues().len(),
        b.space().issues().len(),
        "issue count"
    );
    let n = a.space().cardinality().to_u128().expect("small space");
    assert_eq!(Some(n), b.space().cardinality().to_u128(), "outcome count");
    let stride = (n / limit.max(1)).max(1);
    let mut k = 0;
    while k < n {
        let oa = a.space().outcome_at(k).expect("in range");
        // Match by value labels, so that an integer issue written as a discrete one still compares.
        let ob = b.space().outcome_at(k).expect("in range");
        for (i, (ia, ib)) in a
            .space()
            .issues()
            .iter()
            .zip(b.space().issues())
            .enumerate()
        {
            let va = ia.value(oa.get(i)).map(|v| v.to_string());
            let vb = ib.value(ob.get(i)).map(|v| v.to_string());
            assert_eq!(va, vb, "outcome {k}, issue {i}");
        }
        for (pa, pb) in a.parties().iter().zip(b.parties()) {
            let (ua, ub) = (pa.preferences.utility(&oa), pb.preferences.utility(&ob));
            assert!(
                (ua - ub).abs() <= tol,
                "party {}: outcome {k}: {ua} vs {ub}",
                pa.name
            );
        }
        k += stride;
    }
    for (pa, pb) in a.parties().iter().zip(b.parties()) {
        let (ra, rb) = (pa.preferences.reservation(), pb.preferences.reservation());
        assert!(
            (ra - rb).abs() <= tol,
            "party {}: reservation {ra} vs {rb}",
            pa.name
        );
    }
}

/// Asserts that two analyses agree: counts, frontier (outcomes and utilities), bargaining points.
pub(crate) fn assert_same_analysis(a: &Analysis, b: &Analysis, tol: f64, what: &str) {
    assert_eq!(a.outcomes, b.outcomes, "{what}");
    assert_eq!(a.zopa, b.zopa, "{what}");
    let (fa, fb) = (
        a.pareto.as_ref().expect("frontier"),
        b.pareto.as_ref().expect("frontier"),
    );
    assert_eq!(fa.len(), fb.len(), "{what}: frontier size");
    // Compare as sets: points whose utilities tie exactly in exact arithmetic may be ordered
    // differently by float noise (the core sorts by raw float utilities).
    let mut fa: Vec<_> = fa.iter().collect();
    let mut fb: Vec<_> = fb.iter().collect();
    fa.sort_by(|x, y| x.outcome.cmp(&y.outcome));
    fb.sort_by(|x, y| x.outcome.cmp(&y.outcome));
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.outcome, y.outcome, "{what}: frontier");
        assert_eq!(x.acceptable, y.acceptable, "{what}: frontier");
        for (u, v) in x.utilities.iter().zip(&y.utilities) {
            assert!((u - v).abs() <= tol, "{what}: {u} vs {v}");
        }
    }
    for (name, x, y) in [
        ("nash", &a.nash, &b.nash),
        (
            "kalai_smorodinsky",
            &a.kalai_smorodinsky,
            &b.kalai_smorodinsky,
        ),
        ("max_welfare", &a.max_welfare, &b.max_welfare),
    ] {
        let (x, y) = (x.as_ref().expect(name), y.as_ref().expect(name));
        assert_eq!(
            x.as_ref().map(|p| &p.outcome),
            y.as_ref().map(|p| &p.outcome),
            "{what}: {name}"
        );
        if let (Some(x), Some(y)) = (x, y) {
            for (u, v) in x.utilities.iter().zip(&y.utilities) {
                assert!((u - v).abs() <= tol, "{what}: {name}: {u} vs {v}");
            }
        }
    }
}
