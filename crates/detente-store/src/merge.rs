//! Merging the shards of a tournament into one database.
//!
//! Every shard is opened read-only and checked first: all must hold the same tournament
//! (fingerprint), and the target, if it exists, too; only then is the target written. Records
//! are copied in id order through the same batched writer as a run, so a merge that is
//! interrupted can simply be rerun. A negotiation present in two inputs (overlapping shards,
//! or a rerun) is stored once, after checking that both copies are identical.
//!
//! Non-goals: merging different tournaments into one database (one database holds one
//! tournament; compare tournaments by querying several files).

use std::path::{Path, PathBuf};

use crate::Store;
use crate::error::{Error, ErrorKind};

/// What [`merge`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Records copied into the target.
    pub added: u64,
    /// Records already in the target (identical copies).
    pub duplicates: u64,
    /// Records now in the target.
    pub total: u64,
    /// Negotiations in the tournament.
    pub planned: u64,
}

/// Merges the results databases `shards` into `into` (created when missing).
///
/// # Errors
/// When the shards hold different tournaments or none, the target holds another tournament or
/// is one of the shards, two copies of a negotiation differ, or any file is refused (see
/// [`Store::open`]). Nothing is written to the target before the checks pass.
pub fn merge(into: &Path, shards: &[PathBuf]) -> Result<MergeSummary, Error> {
    let mut stores = Vec::with_capacity(shards.len());
    for path in shards {
        if crate::same_file(path, into) {
            return Err(Error::new(ErrorKind::MergeIntoShard {
                path: into.to_path_buf(),
            }));
        }
        let store = Store::open_read_only(path)?;
        let d = store.require_description()?;
        stores.push((store, d));
    }
    let Some((_, first)) = stores.first() else {
        return Ok(MergeSummary::default());
    };
    for (s, d) in &stores[1..] {
        if d.fingerprint != first.fingerprint {
            return Err(Error::new(ErrorKind::ShardsDiffer {
                a: stores[0].0.path().to_path_buf(),
                fingerprint_a: first.fingerprint.clone(),
                b: s.path().to_path_buf(),
                fingerprint_b: d.fingerprint.clone(),
            }));
        }
    }
    if into.exists() {
        let existing = Store::open_read_only(into)?;
        if let Some(d) = existing.description()?
            && d.fingerprint != first.fingerprint
        {
            return Err(Error::new(ErrorKind::DifferentTournament {
                path: into.to_path_buf(),
                found: d.fingerprint,
                expected: first.fingerprint.clone(),
            }));
        }
    }
    let mut target = Store::open(into)?;
    let mut done = target.begin(first)?;
    let mut summary = MergeSummary {
        planned: first.n_negotiations,
        ..MergeSummary::default()
    };
    for (shard, _) in &stores {
        // Repeated negotiations are compared after the shard's pass, by point queries, so an
        // overlap costs a lookup per repeated record and the common case nothing.
        let mut duplicates = Vec::new();
        {
            let mut writer = target.writer();
            shard.for_each_record(true, &mut |r| {
                if done.contains(r.id) {
                    duplicates.push(r.id);
                } else {
                    done.insert(r.id);
                    writer.push(&r)?;
                    summary.added += 1;
                }
                Ok(())
            })?;
            writer.finish()?;
        }
        for id in duplicates {
            if shard.record(id)? != target.record(id)? {
                return Err(Error::new(ErrorKind::Conflict {
                    path: shard.path().to_path_buf(),
                    id,
                }));
            }
            summary.duplicates += 1;
        }
    }
    summary.total = target.completed()?.len();
    Ok(summary)
}
