//! Grouping and parallel scanning: a hash table from group keys to per-group state that looks
//! keys up without copying them (only a new group's key is made owned), merges across threads,
//! and [`parallel_scan`], which runs one fold per thread over the input's parts.

use super::events::{self, Event, EventFiles, ReadOptions, ScanStats};
use super::fields::{Projection, Value};
use super::{EngineError, RunError};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

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
///
/// The threads take the input's [`EventFiles::chunks`] from one queue, heaviest first, so a
/// directory of files (gzip ones included, each decompressed by the thread reading it) and a
/// large NDJSON file cut into byte ranges both keep every thread busy to the end. The outcome
/// does not depend on which thread read what: the error reported is the one of the earliest
/// part in the input (a sequential read's), and skipped lines are counted in input order.
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
    let threads = threads.max(1);
    let mut queue = files.chunks(threads);
    // Whole files before byte ranges (a gzip file cannot be cut), each kind heaviest first.
    queue.sort_by_cached_key(|p| (p.range.is_some(), Reverse(p.weight()), p.order));
    let next = AtomicUsize::new(0);
    // The order of the earliest part that failed: later parts need not be read.
    let failed_at = AtomicUsize::new(usize::MAX);
    let work = || -> Worker<S> {
        let mut worker = Worker {
            state: init(),
            stats: Vec::new(),
            error: None,
        };
        while let Some(part) = queue.get(next.fetch_add(1, AtomicOrdering::Relaxed)) {
            let order = part.order;
            if order > failed_at.load(AtomicOrdering::Relaxed) {
                continue;
            }
            let state = &mut worker.state;
            let mut read_since = 0;
            let scanned = events::scan_part(part, projection, read, |event| {
                read_since += 1;
                if read_since == super::progress::EVERY {
                    files.scanned(std::mem::take(&mut read_since));
                }
                fold(state, order, event)
            });
            files.scanned(read_since);
            match scanned {
                Ok(stats) => worker.stats.push((order, stats)),
                Err(e) => {
                    failed_at.fetch_min(order, AtomicOrdering::Relaxed);
                    if worker.error.as_ref().is_none_or(|(o, _)| order < *o) {
                        worker.error = Some((order, e));
                    }
                }
            }
        }
        worker
    };
    let workers: Vec<Worker<S>> = match threads.min(queue.len()) {
        0 | 1 => vec![work()],
        n => std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        }),
    };
    let mut states = Vec::with_capacity(workers.len());
    let mut part_stats = Vec::new();
    let mut first_error: Option<(usize, RunError)> = None;
    for worker in workers {
        states.push(worker.state);
        part_stats.extend(worker.stats);
        if let Some((order, e)) = worker.error
            && first_error.as_ref().is_none_or(|(o, _)| order < *o)
        {
            first_error = Some((order, e));
        }
    }
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    part_stats.sort_by_key(|(order, _)| *order);
    let mut stats = ScanStats::default();
    for (_, s) in part_stats {
        stats.merge(s);
    }
    Ok((states, stats))
}

/// One thread's share of a [`parallel_scan`]: its state, each part's stats, its first error.
struct Worker<S> {
    state: S,
    stats: Vec<(usize, ScanStats)>,
    error: Option<(usize, RunError)>,
}

impl From<EngineError> for RunError {
    fn from(error: EngineError) -> Self {
        RunError::Read(error)
    }
}
