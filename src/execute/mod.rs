//! Both backends behind one interface: [`Executor::run`] takes a compiled statement and gives
//! its [`Answer`] (the output plan with the rows), over HTTP ([`SentryExecutor`], feature
//! `client`) or over exported events ([`LocalExecutor`], feature `local`). The CLI, the REPL
//! and library users call it; [`plan`] is the one place where a request's planned columns and
//! the keys an answer came with are reconciled (a series' columns, a single event's members).
//!
//! ```no_run
//! # #[cfg(feature = "local")] {
//! use dql::execute::{Executor, LocalExecutor};
//! use std::sync::atomic::AtomicBool;
//! let events = dql::engine::EventFiles::open("examples/events.ndjson.gz").unwrap();
//! let now = "2026-11-26T10:00:00Z".parse().unwrap();
//! let compilation = dql::compile_source(
//!     &dql::Source::new("q", "SELECT count() AS n FROM errors SINCE 30d"),
//!     &dql::Options::new(now),
//! );
//! let local = LocalExecutor::new(&events);
//! let answer = local.run(&compilation.statements[0], &AtomicBool::new(false)).unwrap();
//! assert_eq!(answer.columns[0].label, "n");
//! # }
//! ```

use crate::answer::{Answer, OutputColumn, event_columns, series_columns};
use crate::diagnostic::Diagnostic;
use crate::lower::{Endpoint, Request};
use crate::pipeline::Compiled;
use std::sync::atomic::AtomicBool;

#[cfg(feature = "local")]
mod local;
#[cfg(feature = "client")]
mod sentry;

#[cfg(feature = "local")]
pub use local::{LocalExecutor, LocalRun, run_local};
#[cfg(feature = "client")]
pub use sentry::SentryExecutor;

/// Runs compiled statements somewhere.
pub trait Executor {
    /// Runs one statement and answers its rows with their output plan. `cancel` is raised by
    /// Ctrl-C: an executor looks at it while it waits and gives [`RunError::Cancelled`] soon
    /// after.
    fn run(&self, compiled: &Compiled, cancel: &AtomicBool) -> Result<Answer, RunError>;
}

/// Why a statement gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The statement cannot be run here (the local engine refuses it, or its time range is
    /// empty once now is known): diagnostics to render with the source.
    #[error("the query cannot be run")]
    Query(Vec<Diagnostic>),
    /// Sentry or the network failed (its own code and help).
    #[cfg(feature = "client")]
    #[error(transparent)]
    Sentry(crate::client::ClientError),
    /// The events could not be read (its own code and help).
    #[cfg(feature = "local")]
    #[error(transparent)]
    Read(crate::engine::EngineError),
    /// `UPDATE issues` changes issues only after listing them and asking (`dql run`).
    #[error("UPDATE lists the issues it would change and asks first; it does not run here")]
    Update,
    /// The cancel flag was raised before the answer came.
    #[error("cancelled")]
    Cancelled,
}

/// The output plan of a request's answer from the keys its rows came with (`row_keys`, as
/// the HTTP client's `Page::columns` gives them): the request's planned
/// columns; for a series `time` then each series, aliases kept ([`series_columns`]); for a
/// single event its useful members, or with `every_member` all of them (the machine formats).
pub fn plan(request: &Request, row_keys: &[String], every_member: bool) -> Vec<OutputColumn> {
    match request.endpoint {
        Endpoint::ProjectEvent | Endpoint::EventIdLookup => event_columns(row_keys, every_member),
        // A series keeps the select list's aliases, exactly as the local engine labels it.
        Endpoint::EventsStats | Endpoint::EventsTimeseries => {
            series_columns(&request.columns, row_keys)
        }
        _ if request.columns.is_empty() => {
            row_keys.iter().map(|k| OutputColumn::plain(k)).collect()
        }
        _ => request.columns.clone(),
    }
}
