//! Progress of an exact analysis, for a caller that wants to show it (the CLI's progress bar).
//!
//! The analysis does no I/O: it calls a [`ProgressHook`] given in
//! [`AnalysisConfig::progress`](super::AnalysisConfig::progress) with a [`Progress`] per
//! [`Phase`]: the work done so far and, where the engine knows it, the work the phase is
//! expected to need in all. The hook only observes: the analysis computes the same result with
//! or without one. Calls are throttled (at most one per [`REPORT_STEP`] units of work, plus the
//! last), so a hook costs nothing measurable.
//!
//! Per phase, `done` never decreases, and the last call has `finished` set and
//! `total == Some(Total::Exact(done))`; a phase that does not run reports nothing. Phases of one analysis may run at the same time on different threads
//! (the zopa count runs beside the frontiers), so the hook must be `Send + Sync`; calls for one
//! phase never overlap.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A part of the exact analysis that reports its own progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Counting the outcomes in the zone of possible agreement. Work: search nodes (the unit
    /// of [`max_nodes`](super::AnalysisConfig::max_nodes)). Once the count knows it must
    /// search, the total is Knuth's estimate of the search ([`Total::Estimate`]) or, where
    /// there is none or it exceeds the budget, the budget ([`Total::AtMost`]: the search stops
    /// there); unknown before.
    ZopaCount,
    /// The additive engine's Pareto frontier of the acceptable outcomes, built issue by issue.
    /// Work: issues merged; the total is the number of issues (exact).
    AcceptableFrontier,
    /// The additive engine's Pareto frontier of the whole outcome space. Work: issues merged;
    /// the total is the number of issues (exact).
    ParetoFrontier,
    /// The depth-first searches over the acceptable outcomes (bargaining points and their
    /// frontier where the additive engine does not apply or stopped). Work: search nodes;
    /// total unknown (each search is bounded by the node budget only).
    AcceptableSearch,
    /// The depth-first search for the whole space's Pareto frontier. Work: search nodes;
    /// total unknown.
    ParetoSearch,
    /// Listing the acceptable frontier's outcomes (at most [`MAX_LISTED`](super::MAX_LISTED))
    /// in frontier order. Work: steps, one per comparison of the sort and ⌈log₂ n⌉ per outcome
    /// evaluated; the total is estimated at 2·n·⌈log₂ n⌉ (a merge sort's comparisons at most,
    /// and the evaluations).
    AcceptableListing,
    /// Listing the whole space's Pareto frontier's outcomes, as [`Phase::AcceptableListing`].
    ParetoListing,
}
// The cell engine (two linked parties) reports the zopa count and both frontiers only as
// they start and finish (no work counted, no total before the end).

impl Phase {
    /// What the phase does, in a few words.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::ZopaCount => "zopa count",
            Phase::AcceptableFrontier => "frontier of the acceptable outcomes",
            Phase::ParetoFrontier => "Pareto frontier",
            Phase::AcceptableSearch => "search of the acceptable outcomes",
            Phase::ParetoSearch => "search for the Pareto frontier",
            Phase::AcceptableListing => "listing the acceptable frontier",
            Phase::ParetoListing => "listing the Pareto frontier",
        }
    }

    /// The unit `done` and `total` count: `"issues"`, `"nodes"` or `"steps"`.
    pub fn unit(self) -> &'static str {
        match self {
            Phase::AcceptableFrontier | Phase::ParetoFrontier => "issues",
            Phase::AcceptableListing | Phase::ParetoListing => "steps",
            _ => "nodes",
        }
    }
}

/// One progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The phase reporting.
    pub phase: Phase,
    /// What the analysis is for, when it is part of a larger computation: `None` for the
    /// analysis itself, `Some("reported package")` for a package's score (its completions are
    /// analysed the same way).
    pub scope: Option<&'static str>,
    /// Work done so far in this phase, in [`Phase::unit`]s; never decreases within a phase.
    pub done: u64,
    /// The work the phase is expected to need in all, where something honest can be said
    /// (see [`Phase`]); never below `done`.
    pub total: Option<Total>,
    /// Whether this is the phase's last report (then `total == Some(Total::Exact(done))`).
    pub finished: bool,
}

/// How much work a phase needs in all, and how sure that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    /// Exactly this much (the issues of a frontier; every finished phase).
    Exact(u64),
    /// About this much (Knuth's estimate of a search tree, seeded, so the same on every run).
    Estimate(u64),
    /// At most this much: the node budget, where the search stops.
    AtMost(u64),
}

impl Total {
    /// The amount of work, whatever its kind.
    pub fn work(self) -> u64 {
        match self {
            Total::Exact(n) | Total::Estimate(n) | Total::AtMost(n) => n,
        }
    }

    /// The same kind of total, raised to at least `done`.
    fn at_least(self, done: u64) -> Total {
        match self {
            Total::Exact(n) => Total::Exact(n.max(done)),
            Total::Estimate(n) => Total::Estimate(n.max(done)),
            Total::AtMost(n) => Total::AtMost(n.max(done)),
        }
    }
}

/// A callback that observes an analysis's progress. Cheap to clone.
#[derive(Clone)]
pub struct ProgressHook {
    f: Arc<dyn Fn(&Progress) + Send + Sync>,
    scope: Option<&'static str>,
}

impl ProgressHook {
    /// Wraps `f`, which is called with every report.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> ProgressHook {
        ProgressHook {
            f: Arc::new(f),
            scope: None,
        }
    }

    /// The same hook, its reports marked as part of `scope` ([`Progress::scope`]).
    pub(crate) fn scoped(&self, scope: &'static str) -> ProgressHook {
        ProgressHook {
            scope: Some(scope),
            ..self.clone()
        }
    }

    fn call(&self, p: &Progress) {
        (self.f)(p)
    }
}

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// The total of a search that starts after `done` units, with Knuth's `estimate` of its
/// nodes (`0.0`: none) and `left` nodes of budget: the estimate where it is within the budget,
/// else the budget as a bound.
pub(crate) fn search_total(done: u64, estimate: f64, left: u64) -> Total {
    if estimate > 0.0 && estimate < left as f64 {
        Total::Estimate(done.saturating_add(estimate as u64))
    } else {
        Total::AtMost(done.saturating_add(left))
    }
}

/// At most one report per this many units of work (the first and last always come).
pub const REPORT_STEP: u64 = 1 << 16;

/// The progress of one phase: shared by the threads working on it, reporting to the hook.
pub(crate) struct Meter {
    hook: ProgressHook,
    phase: Phase,
    /// Work done, as charged by the engines.
    done: AtomicU64,
    /// `(done last reported, total, finished)`; the lock also keeps calls in order.
    shown: Mutex<(Option<u64>, Option<Total>, bool)>,
}

impl Meter {
    pub(crate) fn new(hook: &ProgressHook, phase: Phase) -> Meter {
        Meter {
            hook: hook.clone(),
            phase,
            done: AtomicU64::new(0),
            shown: Mutex::new((None, None, false)),
        }
    }

    /// A meter for `phase` when there is a hook.
    pub(crate) fn of(hook: Option<&ProgressHook>, phase: Phase) -> Option<Meter> {
        hook.map(|h| Meter::new(h, phase))
    }

    /// A meter for `phase` that reports its start at once: for engines that count no work of
    /// their own (the cell engine), so the phase shows from start to finish with no work done.
    pub(crate) fn started(hook: Option<&ProgressHook>, phase: Phase) -> Option<Meter> {
        let m = Meter::of(hook, phase);
        if let Some(m) = &m {
            m.report(0, false);
        }
        m
    }

    /// Adds `n` units of work done.
    pub(crate) fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        self.report(done, false);
    }

    /// Raises the work done to `done` (engines that count their own total).
    pub(crate) fn reach(&self, done: u64) {
        let done = self.done.fetch_max(done, Ordering::Relaxed).max(done);
        self.report(done, false);
    }

    /// Work done so far.
    pub(crate) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Sets the work expected in all.
    pub(crate) fn expect(&self, total: Total) {
        if let Ok(mut s) = self.shown.lock() {
            s.1 = Some(total);
        }
        self.report(self.done.load(Ordering::Relaxed), true);
    }

    /// The phase's last report: whatever was expected, the work done is the total.
    pub(crate) fn finish(&self) {
        let done = self.done.load(Ordering::Relaxed);
        if let Ok(mut s) = self.shown.lock() {
            // A phase that never reported (it did not run) says nothing.
            if s.2 || s.0.is_none() {
                return;
            }
            let done = done.max(s.0.unwrap_or(0));
            *s = (Some(done), Some(Total::Exact(done)), true);
            self.hook.call(&Progress {
                phase: self.phase,
                scope: self.hook.scope,
                done,
                total: Some(Total::Exact(done)),
                finished: true,
            });
        }
    }

    /// Least work between two reports: every issue, or [`REPORT_STEP`] nodes.
    fn step(&self) -> u64 {
        if self.phase.unit() == "issues" {
            1
        } else {
            REPORT_STEP
        }
    }

    fn report(&self, done: u64, force: bool) {
        let Ok(mut s) = self.shown.lock() else {
            return;
        };
        let due = match s.0 {
            None => true,
            Some(last) if force => done >= last,
            Some(last) => done > last && done - last >= self.step(),
        };
        if s.2 || !due {
            return;
        }
        s.0 = Some(done);
        let total = s.1.map(|t| t.at_least(done));
        self.hook.call(&Progress {
            phase: self.phase,
            scope: self.hook.scope,
            done,
            total,
            finished: false,
        });
    }
}

impl Drop for Meter {
    /// Every phase ends with a finished report, on every path out of the engines.
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::analysis::synthetic::{self, SyntheticConfig};
    use crate::analysis::{self, AnalysisConfig, Engine};

    /// Runs `engine` on `s` with a hook that records every report, and checks the contract:
    /// per phase, `done` never falls, `total` is never below `done`, and the last report is
    /// the only finished one, with `total == Some(done)`. Returns the reports per phase.
    fn observed(
        s: &crate::scenario::Scenario,
        config: &AnalysisConfig,
        engine: Engine,
    ) -> BTreeMap<Phase, Vec<Progress>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let hook = ProgressHook::new(move |p| sink.lock().unwrap().push(*p));
        let with = AnalysisConfig {
            progress: Some(hook),
            ..config.clone()
        };
        let prefs = s.preferences();
        let a = analysis::analyze_with(s.space(), &prefs, None, &with, engine);
        let b = analysis::analyze_with(s.space(), &prefs, None, config, engine);
        assert_eq!(a, b, "the hook changed the analysis");
        let mut by_phase: BTreeMap<Phase, Vec<Progress>> = BTreeMap::new();
        for p in seen.lock().unwrap().iter() {
            by_phase.entry(p.phase).or_default().push(*p);
        }
        for (phase, reports) in &by_phase {
            for w in reports.windows(2) {
                assert!(w[0].done <= w[1].done, "{phase:?}: {w:?}");
                assert!(!w[0].finished, "{phase:?}: a report after the last: {w:?}");
            }
            for r in reports {
                assert!(r.total.is_none_or(|t| t.work() >= r.done), "{r:?}");
            }
            let last = reports.last().unwrap();
            assert!(last.finished, "{phase:?} never finished: {last:?}");
            assert_eq!(last.total, Some(Total::Exact(last.done)), "{phase:?}");
        }
        by_phase
    }

    #[test]
    fn the_additive_engine_reports_issues_merged_out_of_all_issues() {
        let s = synthetic::scenario(&SyntheticConfig::default()).unwrap(); // 10⁶ outcomes
        let seen = observed(&s, &AnalysisConfig::default(), Engine::Auto);
        for phase in [Phase::AcceptableFrontier, Phase::ParetoFrontier] {
            let reports = &seen[&phase];
            // The total is known from the start: the number of issues, reached at the end.
            let six = Some(Total::Exact(6));
            assert!(reports.iter().all(|r| r.total == six), "{reports:?}");
            assert_eq!(reports.first().unwrap().done, 0);
            assert_eq!(reports.last().unwrap().done, 6);
            // The start, one report per issue merged, and the finish.
            assert_eq!(reports.len(), 8, "{reports:?}");
        }
        // Both frontiers were listed, with an estimated number of steps.
        for phase in [Phase::AcceptableListing, Phase::ParetoListing] {
            let first = seen[&phase][0];
            assert!(
                matches!(first.total, Some(Total::Estimate(t)) if t > 0),
                "{first:?}"
            );
        }
        // The frontiers gave the bargaining points: no search ran.
        assert!(!seen.contains_key(&Phase::AcceptableSearch), "{seen:?}");
        assert!(seen.contains_key(&Phase::ZopaCount), "{seen:?}");
    }

    #[test]
    fn the_search_reports_its_nodes_with_an_estimate_for_the_count() {
        let s = synthetic::scenario(&SyntheticConfig::default()).unwrap();
        let seen = observed(&s, &AnalysisConfig::default(), Engine::Search);
        let count = &seen[&Phase::ZopaCount];
        // Knuth's estimate, capped at the budget, came before the search's first nodes.
        assert!(
            matches!(count[0].total, Some(Total::Estimate(t)) if t > 0),
            "{count:?}"
        );
        assert!(count.last().unwrap().done > REPORT_STEP, "{count:?}");
        for phase in [Phase::AcceptableSearch, Phase::ParetoSearch] {
            let reports = &seen[&phase];
            assert!(reports.last().unwrap().done > 0, "{phase:?}: {reports:?}");
            // No estimate: only the last report has a total.
            let (last, rest) = reports.split_last().unwrap();
            assert!(rest.iter().all(|r| r.total.is_none()), "{rest:?}");
            assert!(last.finished);
        }
    }

    #[test]
    fn a_search_total_is_its_estimate_within_the_budget_else_the_budget() {
        assert_eq!(search_total(10, 500.0, 1000), Total::Estimate(510));
        assert_eq!(search_total(10, 5000.0, 1000), Total::AtMost(1010));
        // No estimate (a linked problem): the budget bounds the search.
        assert_eq!(search_total(0, 0.0, 1000), Total::AtMost(1000));
    }

    #[test]
    fn a_stopped_search_still_ends_its_phases() {
        // A budget far too small: every quantity stops, every phase still finishes.
        let s = synthetic::scenario(&SyntheticConfig {
            n_parties: 3,
            ..Default::default()
        })
        .unwrap();
        let config = AnalysisConfig {
            max_nodes: 1000,
            ..Default::default()
        };
        let seen = observed(&s, &config, Engine::Search);
        assert!(!seen.is_empty());
    }
}
