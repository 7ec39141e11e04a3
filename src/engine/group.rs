//! Grouping and parallel scanning: a hash table from group keys to per-group state that looks
//! keys up without copying them (only a new group's key is made owned), merges across threads,
//! and [`parallel_scan`], which runs one fold per thread over the input's parts.

use super::events::{self, Event, EventFiles, ReadOptions, ScanStats};
use super::fields::{Projection, Value};
use super::{EngineError, RunError};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// Group key → state; memory grows with the number of groups, not of events.
#[derive(Debug)]
pub(crate) struct GroupTable<S> {
    hasher: BuildHasherDefault<DefaultHasher>,
    buckets: HashMap<u64, Vec<(Vec<Value<'static>>, S)>>,
    len: usize,
}

impl<S> Default for GroupTable<S> {
    fn default() -> Self {
        GroupTable {
            hasher: BuildHasherDefault::default(),
            buckets: HashMap::new(),
            len: 0,
        }
    }
}

impl<S> GroupTable<S> {
    /// Applies `update` to the state of `key`, made with `new` when the group is new.
    pub(crate) fn update(
        &mut self,
        key: &[Value<'_>],
        new: impl FnOnce() -> S,
        update: impl FnOnce(&mut S),
    ) {
        let hash = self.hasher.hash_one(key);
        let bucket = self.buckets.entry(hash).or_default();
        match bucket.iter_mut().find(|(k, _)| k.as_slice() == key) {
            Some((_, state)) => update(state),
            None => {
                let mut state = new();
                update(&mut state);
                let owned = key.iter().cloned().map(Value::into_owned).collect();
                bucket.push((owned, state));
                self.len += 1;
            }
        }
    }

    /// Adds `other`'s groups, combining states of equal keys with `combine`.
    pub(crate) fn merge(&mut self, other: GroupTable<S>, mut combine: impl FnMut(&mut S, S)) {
        for (key, state) in other.into_groups() {
            let hash = self.hasher.hash_one(key.as_slice());
            let bucket = self.buckets.entry(hash).or_default();
            match bucket.iter_mut().find(|(k, _)| *k == key) {
                Some((_, target)) => combine(target, state),
                None => {
                    bucket.push((key, state));
                    self.len += 1;
                }
            }
        }
    }

    /// How many groups.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The groups, in no particular order.
    pub(crate) fn into_groups(self) -> Vec<(Vec<Value<'static>>, S)> {
        self.buckets.into_values().flatten().collect()
    }
}

/// Runs `fold` over every event of `files`, on up to `threads` threads, each with its own state
/// from `init`; returns the states (one per thread that had work) and the merged scan stats.
/// `fold` gets the event's part order (see [`events::Part::order`]).
pub(crate) fn parallel_scan<S, I, F>(
    files: &EventFiles,
    projection: &Projection,
    read: &ReadOptions,
    threads: usize,
    init: I,
    fold: F,
) -> Result<(Vec<S>, ScanStats), RunError>
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize, Event<'_>) -> Result<(), RunError> + Sync,
{
    let shares: Vec<Vec<events::Part>> = files
        .parts(threads)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let work = |share: &[events::Part]| -> Result<(S, ScanStats), RunError> {
        let mut state = init();
        let mut stats = ScanStats::default();
        for part in share {
            let order = part.order;
            let mut read_since = 0;
            let part_stats = events::scan_part(part, projection, read, |event| {
                read_since += 1;
                if read_since == super::progress::EVERY {
                    files.scanned(std::mem::take(&mut read_since));
                }
                fold(&mut state, order, event)
            })?;
            files.scanned(read_since);
            stats.merge(part_stats);
        }
        Ok((state, stats))
    };
    let results: Vec<Result<(S, ScanStats), RunError>> = if shares.len() <= 1 {
        shares.iter().map(|s| work(s)).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| scope.spawn(|| work(share)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    let mut states = Vec::with_capacity(results.len());
    let mut stats = ScanStats::default();
    let mut first_error: Option<RunError> = None;
    for result in results {
        match result {
            Ok((state, s)) => {
                states.push(state);
                stats.merge(s);
            }
            // The error of the earliest share wins, so a bad line is reported like a
            // sequential read would (shares hold parts in input order).
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok((states, stats)),
    }
}

impl From<EngineError> for RunError {
    fn from(error: EngineError) -> Self {
        RunError::Read(error)
    }
}
