//! The exact analysis's own progress on a terminal: one line per running phase (zopa count,
//! frontiers, searches) under the command's bar. A phase whose total work is known (the issues
//! of an additive frontier), estimated (Knuth's estimate of a search, marked `~`) or bounded
//! (the node budget a search stops at, marked `≤`, so its ETA is an upper bound too) shows a
//! bar with an ETA; a phase without one (a branch and bound) shows a spinner, the nodes
//! visited and the time it has run, never a made-up ETA. A finished phase's line goes away.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use indicatif::{HumanCount, MultiProgress, ProgressBar};

use detente_core::analysis::{Phase, Progress, ProgressHook, Total};

/// A phase with a total: done of total, with an ETA (`{msg}` is the total, e.g. `≤100 nodes`).
const KNOWN: &str = "  {prefix}: {wide_bar} {human_pos}/{msg}, eta {eta}";
/// A phase with an upper bound only: the ETA is one too.
const BOUNDED: &str = "  {prefix}: {wide_bar} {human_pos}/{msg}, eta ≤ {eta}";
/// A phase without a total: the work done so far (where it counts any) and the time it has
/// run.
const UNKNOWN: &str = "  {spinner} {prefix}{msg} [{elapsed}]";

/// The lines of the phases running now, drawn in `multi` (stderr on a terminal).
#[derive(Clone)]
pub(crate) struct PhaseLines {
    multi: MultiProgress,
    lines: Arc<Mutex<BTreeMap<Key, ProgressBar>>>,
}

/// A line per phase of each scope ([`Progress::scope`]).
type Key = (Option<&'static str>, Phase);

impl PhaseLines {
    pub(crate) fn new(multi: MultiProgress) -> PhaseLines {
        PhaseLines {
            multi,
            lines: Arc::default(),
        }
    }

    /// A hook for [`detente_core::analysis::AnalysisConfig::progress`] that draws here.
    pub(crate) fn hook(&self) -> ProgressHook {
        let me = self.clone();
        ProgressHook::new(move |p| me.show(p))
    }

    fn show(&self, p: &Progress) {
        let Ok(mut lines) = self.lines.lock() else {
            return;
        };
        let key = (p.scope, p.phase);
        if p.finished {
            if let Some(line) = lines.remove(&key) {
                line.finish_and_clear();
                self.multi.remove(&line);
            }
            return;
        }
        let line = lines.entry(key).or_insert_with(|| {
            let name = match p.scope {
                Some(scope) => format!("{scope}: {}", p.phase.as_str()),
                None => p.phase.as_str().to_string(),
            };
            let line = ProgressBar::no_length()
                .with_style(super::sensitivity::style(UNKNOWN))
                .with_prefix(name);
            let line = self.multi.add(line);
            line.enable_steady_tick(std::time::Duration::from_millis(200));
            line
        });
        let unit = p.phase.unit();
        match p.total {
            Some(total) if line.length() != Some(total.work()) => {
                let (template, mark) = match total {
                    Total::Exact(_) => (KNOWN, ""),
                    Total::Estimate(_) => (KNOWN, "~"),
                    Total::AtMost(_) => (BOUNDED, "≤"),
                };
                line.set_message(format!("{mark}{} {unit}", HumanCount(total.work())));
                line.set_length(total.work());
                line.set_style(super::sensitivity::style(template));
                line.reset_eta();
            }
            Some(_) => {}
            None if p.done == 0 => line.set_message(""),
            None => line.set_message(format!(": {} {unit}", HumanCount(p.done))),
        }
        line.set_position(p.done);
    }

    /// Removes every line (the analysis ended or the command stopped).
    pub(crate) fn clear(&self) {
        if let Ok(mut lines) = self.lines.lock() {
            for (_, line) in std::mem::take(&mut *lines) {
                line.finish_and_clear();
                self.multi.remove(&line);
            }
        }
    }
}
