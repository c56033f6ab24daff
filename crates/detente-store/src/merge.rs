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

use detente_tournament::{Description, IdSet};

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
/// When no shard is given ([`ErrorKind::NoShards`]), the shards hold different tournaments,
/// the target holds another tournament or
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
        return Err(Error::new(ErrorKind::NoShards));
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
    let existing = if into.exists() {
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
        Some(existing)
    } else {
        None
    };
    check_copies(existing.as_ref(), &stores)?;
    drop(existing);
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
        // Checked identical by `check_copies` before anything was written.
        summary.duplicates += duplicates.len() as u64;
    }
    summary.total = target.completed()?.len();
    Ok(summary)
}

/// Checks, before anything is written, that every negotiation held by more than one input (the
/// existing target, then the shards in order) has identical copies: each repeated id is
/// compared with its first holder by point queries, so the common case (disjoint shards) costs
/// one id scan per shard.
fn check_copies(existing: Option<&Store>, stores: &[(Store, Description)]) -> Result<(), Error> {
    let mut holders: Vec<(&Store, IdSet)> = Vec::with_capacity(stores.len() + 1);
    if let Some(t) = existing {
        holders.push((t, t.completed()?));
    }
    for (shard, _) in stores {
        let mut ids = IdSet::new();
        let mut repeated = Vec::new();
        shard.for_each_id(&mut |id| {
            if holders.iter().any(|(_, set)| set.contains(id)) {
                repeated.push(id);
            }
            ids.insert(id);
        })?;
        for id in repeated {
            let (first, _) = holders
                .iter()
                .find(|(_, set)| set.contains(id))
                .expect("a repeated id has a first holder");
            if shard.record(id)? != first.record(id)? {
                return Err(Error::new(ErrorKind::Conflict {
                    path: shard.path().to_path_buf(),
                    id,
                }));
            }
        }
        holders.push((shard, ids));
    }
    Ok(())
}
