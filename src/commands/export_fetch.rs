//! Fetching the payloads of one page of listed events at once: `workers` threads share the
//! client, whose pacer keeps them within the rate limits Sentry announces (requests per
//! window, and at once); the answers come back in the listing's order.

use dql::client::error::ClientError;
use dql::client::{Client, Transport};
use serde_json::{Map, Value};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What fetching one listed event gave.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// Its payload.
    Event(Map<String, Value>),
    /// 404: deleted or expired since it was listed.
    Missing,
    /// An answer with no object in it.
    Unusable,
}

/// Fetches `jobs` (project slug, event id) with `workers` threads, in order; on a failure, what
/// came before the first failed job and its error (the other workers stop taking jobs then).
/// `request` makes the request of one job.
pub(crate) fn payloads<T: Transport + Sync>(
    client: &Client<T>,
    jobs: &[(String, String)],
    workers: usize,
    request: impl Fn(&str, &str) -> dql::lower::Request + Sync,
) -> (Vec<Fetched>, Option<ClientError>) {
    let results: Vec<Mutex<Option<Fetched>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let error: Mutex<Option<(usize, ClientError)>> = Mutex::new(None);
    let work = || {
        while !failed.load(Ordering::SeqCst) {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some((project, id)) = jobs.get(i) else {
                return;
            };
            let fetched = match client.execute(&request(project, id)) {
                Ok(execution) => match execution.result.data.into_iter().next() {
                    Some(event) => Fetched::Event(event),
                    None => Fetched::Unusable,
                },
                Err(ClientError::NotFound { .. }) => Fetched::Missing,
                Err(e) => {
                    failed.store(true, Ordering::SeqCst);
                    let mut slot = error.lock().unwrap_or_else(|p| p.into_inner());
                    // The earliest job's error is the one to report.
                    if slot.as_ref().is_none_or(|(at, _)| i < *at) {
                        *slot = Some((i, e));
                    }
                    return;
                }
            };
            if let Some(result) = results.get(i) {
                *result.lock().unwrap_or_else(|p| p.into_inner()) = Some(fetched);
            }
        }
    };
    let workers = workers.clamp(1, jobs.len().max(1));
    if workers == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(work);
            }
        });
    }
    let error = error.into_inner().unwrap_or_else(|p| p.into_inner());
    let upto = error.as_ref().map_or(jobs.len(), |(at, _)| *at);
    let fetched = results
        .into_iter()
        .take(upto)
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or(Fetched::Unusable)
        })
        .collect();
    (fetched, error.map(|(_, e)| e))
}
