//! The local engine: evaluates checked queries over exported Sentry events, offline.
//!
//! The data side: [`events`] finds and streams event files (NDJSON or a JSON array, optionally
//! gzip-compressed, or a directory of them), [`fields`] extracts only the fields a query needs
//! from each event into small [`Value`]s, and [`aggregate`] holds mergeable accumulators for
//! Discover's aggregate functions. The evaluator ([`run`]) builds on these: it evaluates a
//! *checked* statement (not the HTTP request) on both cores and answers a [`ResultSet`] of the
//! same shape Sentry's would have, so the same formatters print it.
//!
//! ```no_run
//! use dql::engine::{EventFiles, RunOptions, run};
//! use dql::semantic::{Catalog, CheckOptions, Params, check};
//! let source = dql::Source::new("q.dql", "SELECT count() FROM transactions SINCE 24h");
//! let parsed = dql::syntax::parse(&source);
//! let checked = check(&parsed.file, Catalog::builtin(), &Params::default(), &CheckOptions::default());
//! let files = EventFiles::open("events.ndjson.gz")?;
//! for stmt in &checked.statements {
//!     let local = run(stmt, &files, &RunOptions::default())?;
//!     println!("now = {} ({:?}), {} rows", local.now, local.now_source, local.result.data.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```no_run
//! use dql::engine::{EventFiles, Projection, ReadOptions};
//! let files = EventFiles::open("events.ndjson.gz")?;
//! let projection = Projection::new(["project", "level", "transaction.duration"]);
//! let stats = files.scan(&projection, &ReadOptions::default(), |event| {
//!     let _level = event.values.get(1);
//!     Ok::<(), dql::engine::EngineError>(())
//! })?;
//! assert_eq!(stats.skipped, 0);
//! # Ok::<(), dql::engine::EngineError>(())
//! ```

pub mod aggregate;
mod compare;
mod error;
mod eval;
pub mod events;
pub mod fields;
mod filter;
mod group;
mod issues;
mod progress;
mod scan;
mod series;

pub use aggregate::{Accumulator, AggregateFn, FinishContext};
pub use error::EngineError;
pub use events::{Event, EventFiles, Part, ReadOptions, ScanStats};
pub use fields::{Field, Projection, Value};
pub use progress::ScanProgress;

/// The compact validation of one event line, the first step of the fast path
/// (`scan/compact.rs`): the number of top-level members when it takes the text, `None` when it
/// leaves it to the token-by-token validation (UTF-8 is checked by the caller, not here). For
/// the `compact` fuzz target, which holds it to serde_json; not an API.
#[doc(hidden)]
pub fn compact_members(text: &[u8]) -> Option<usize> {
    scan::object_members(text, &mut [0; scan::MAX_MEMBERS])
}

use crate::answer::OutputColumn;
use crate::diagnostic::Diagnostic;
use crate::result::ResultSet;
use crate::semantic::checked::filter::{TypedFilter, TypedKind};
use crate::semantic::checked::{CheckedKind, CheckedStatement, TimePoint, TimeRange};
use jiff::Timestamp;

/// How to run a query locally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The instant relative times count back from (`--now`). `None`: just after the newest
    /// event of the input (see [`NowSource::NewestEvent`]).
    pub now: Option<Timestamp>,
    /// Bad-line handling (`--skip-bad`).
    pub read: ReadOptions,
    /// Threads to scan with (input is split by file, or one NDJSON file by byte range).
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            now: None,
            read: ReadOptions::default(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Where the "now" of a run came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NowSource {
    /// Given in [`RunOptions::now`].
    Given,
    /// The newest event's timestamp, rounded up to the next whole second (so that event lies
    /// inside `[start, now)`): an old export still answers "the last 24 h" of its data.
    NewestEvent,
    /// The input has no dated event; the clock was used.
    Clock,
    /// The query does not depend on now (absolute SINCE and UNTIL, no relative date filter);
    /// [`LocalResult::now`] is the end of its range.
    NotNeeded,
}

/// The answer of [`run`].
#[derive(Clone, Debug, PartialEq)]
pub struct LocalResult {
    /// Rows keyed by canonical field strings, with `meta.fields` / `meta.units`, like Sentry's.
    pub result: ResultSet,
    /// The output plan to format with: the lowered request's columns for tables and issues;
    /// for a series, `time` then one column per series (`count()`, `"<group>: count()"`),
    /// as the HTTP client's events-stats rows have.
    pub columns: Vec<OutputColumn>,
    /// More rows matched than LIMIT (or one page of 100) kept.
    pub has_more: bool,
    /// The now used.
    pub now: Timestamp,
    /// Where it came from.
    pub now_source: NowSource,
    /// The query's time range, `[start, end)`.
    pub range: (Timestamp, Timestamp),
    /// Events read and lines skipped (the now pass is not counted).
    pub stats: ScanStats,
}

impl LocalResult {
    pub(crate) fn new(
        result: ResultSet,
        columns: Vec<OutputColumn>,
        has_more: bool,
        stats: ScanStats,
    ) -> Self {
        LocalResult {
            result,
            columns,
            has_more,
            now: Timestamp::UNIX_EPOCH,
            now_source: NowSource::Given,
            range: (Timestamp::UNIX_EPOCH, Timestamp::UNIX_EPOCH),
            stats,
        }
    }
}

/// Why [`run`] failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The events could not be read (a file, a bad line); has its own code and help.
    #[error(transparent)]
    Read(EngineError),
    /// The query cannot be evaluated locally (`dql::engine::not_supported_locally`), or its
    /// time range is empty once now is known (`dql::lower::*`). Render with the source.
    #[error("the query cannot be evaluated locally")]
    Query(Vec<Diagnostic>),
}

/// Evaluates one checked statement over `files`.
///
/// Relative times resolve against `options.now`, else against the newest event's timestamp
/// (an extra pass over the input reading only `timestamp`). Anything the engine cannot compute
/// exactly — functions the catalog does not mark `local`, the `spans`/`logs` datasets,
/// `SHOW EVENT`, `UPDATE`, issue columns that only Sentry knows — is refused with
/// `dql::engine::not_supported_locally`, never approximated.
pub fn run(
    stmt: &CheckedStatement,
    files: &EventFiles,
    options: &RunOptions,
) -> Result<LocalResult, RunError> {
    let (time, filter) = match &stmt.kind {
        CheckedKind::Events(q) if q.compare.is_some() => {
            return compare::run_compared(stmt, q, files, options);
        }
        CheckedKind::Events(q) => {
            let known = matches!(q.dataset.as_str(), "errors" | "transactions" | "discover");
            if !known && !eval::flat_dataset(&q.dataset) {
                return Err(eval::one(eval::refuse(
                    stmt.span,
                    format!("the `{}` dataset cannot be queried locally", q.dataset),
                )));
            }
            (&q.time, q.filter.as_ref())
        }
        CheckedKind::Issues(q) => (&q.time, q.filter.as_ref()),
        CheckedKind::ShowEvent(_) => {
            return Err(eval::one(eval::refuse(
                stmt.span,
                "SHOW EVENT looks an event up in Sentry; the local engine does not run it",
            )));
        }
        CheckedKind::UpdateIssues(_) => {
            return Err(eval::one(eval::refuse(
                stmt.span,
                "UPDATE changes issues in Sentry; the local engine does not run it",
            )));
        }
    };
    let (now, now_source) = match options.now {
        Some(now) => (now, NowSource::Given),
        None if !needs_now(time, filter) => (Timestamp::UNIX_EPOCH, NowSource::NotNeeded),
        None => match newest_event(files, options, flat_rows(stmt))? {
            Some(newest) => (newest, NowSource::NewestEvent),
            None => (Timestamp::now(), NowSource::Clock),
        },
    };
    let resolved = time
        .resolve(now)
        .map_err(|e| RunError::Query(vec![e.diagnostic(time, stmt.span)]))?;
    let range = resolved.instants.ok_or_else(|| {
        eval::one(eval::refuse(
            stmt.span,
            "this time range cannot be represented",
        ))
    })?;
    let now = if now_source == NowSource::NotNeeded {
        range.1
    } else {
        now
    };
    let ctx = eval::Context {
        files,
        options,
        span: stmt.span,
        range: (range.0.as_millisecond(), range.1.as_millisecond()),
        now_ms: now.as_millisecond(),
    };
    let mut local = match &stmt.kind {
        CheckedKind::Events(q) if q.interval.is_some() => series::run(q, &ctx)?,
        CheckedKind::Events(q) if q.aggregate => eval::run_grouped(q, &ctx)?,
        CheckedKind::Events(q) => eval::run_raw(q, &ctx)?,
        CheckedKind::Issues(q) => issues::run(q, &ctx)?,
        CheckedKind::ShowEvent(_) | CheckedKind::UpdateIssues(_) => {
            return Err(eval::one(eval::refuse(stmt.span, "not a query")));
        }
    };
    local.now = now;
    local.now_source = now_source;
    local.range = range;
    Ok(local)
}

/// Whether the statement reads flat trace-item rows (spans, logs).
fn flat_rows(stmt: &CheckedStatement) -> bool {
    matches!(&stmt.kind, CheckedKind::Events(q) if eval::flat_dataset(&q.dataset))
}

/// Whether the answer depends on now: a relative or default SINCE, a relative or missing
/// UNTIL (the range then ends now), or a relative date in the filter.
fn needs_now(time: &TimeRange, filter: Option<&TypedFilter>) -> bool {
    let relative = |p: &Option<TimePoint>| !matches!(p, Some(TimePoint::At(_) | TimePoint::Day(_)));
    relative(&time.since)
        || relative(&time.until)
        || filter.is_some_and(|f| {
            f.terms()
                .iter()
                .any(|t| matches!(t.kind, TypedKind::RelativeDate { .. }))
        })
}

/// The newest event's timestamp rounded up to the next whole second, `None` without events.
fn newest_event(
    files: &EventFiles,
    options: &RunOptions,
    flat: bool,
) -> Result<Option<Timestamp>, RunError> {
    let projection = match flat {
        true => Projection::flat_rows(["timestamp"]),
        false => Projection::new(["timestamp"]),
    };
    let (states, _) = group::parallel_scan(
        files,
        &projection,
        &options.read,
        options.threads,
        || None::<i64>,
        |newest, _, event| {
            if let Some(Value::Timestamp(t)) = event.values.first() {
                *newest = Some(newest.map_or(*t, |n| n.max(*t)));
            }
            Ok(())
        },
    )?;
    let Some(newest) = states.into_iter().flatten().max() else {
        return Ok(None);
    };
    let next_second = (newest.div_euclid(1000) + 1).saturating_mul(1000);
    Ok(Timestamp::from_millisecond(next_second).ok())
}
