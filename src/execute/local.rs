//! The local backend behind [`Executor`]: the engine over exported events.

use super::{Executor, RunError};
use crate::answer::Answer;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::engine::{EngineError, EventFiles, LocalResult, RunOptions};
use crate::pipeline::{Compiled, Options, compile_source};
use crate::source::Source;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs statements over exported events with the local engine.
#[derive(Debug)]
pub struct LocalExecutor<'a> {
    /// The events.
    pub files: &'a EventFiles,
    /// Now, bad-line handling, threads.
    pub options: RunOptions,
}

impl<'a> LocalExecutor<'a> {
    /// An executor over `files` with the default options (now: just after the newest event).
    pub fn new(files: &'a EventFiles) -> Self {
        LocalExecutor {
            files,
            options: RunOptions::default(),
        }
    }

    /// Runs one statement and gives what the engine knows besides the answer (the now it used
    /// and where it came from, lines skipped).
    pub fn run_detailed(
        &self,
        compiled: &Compiled,
    ) -> Result<LocalResult, crate::engine::RunError> {
        crate::engine::run(&compiled.checked, self.files, &self.options)
    }
}

impl Executor for LocalExecutor<'_> {
    fn run(&self, compiled: &Compiled, cancel: &AtomicBool) -> Result<Answer, RunError> {
        if compiled.request.update.is_some() {
            return Err(RunError::Update);
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(RunError::Cancelled);
        }
        let local = self.run_detailed(compiled).map_err(|e| match e {
            crate::engine::RunError::Query(found) => RunError::Query(found),
            crate::engine::RunError::Read(error) => RunError::Read(error),
        })?;
        if cancel.load(Ordering::SeqCst) {
            return Err(RunError::Cancelled);
        }
        Ok(Answer {
            name: compiled.request.name.clone(),
            columns: local.columns,
            result: local.result,
            has_more: local.has_more,
        })
    }
}

/// What [`run_local`] gives: the result of every statement that ran, and every diagnostic of
/// every stage (a statement with an error is not dropped silently: its errors are here).
#[derive(Debug)]
pub struct LocalRun {
    /// The source the diagnostics point into.
    pub source: Source,
    /// The statements that ran, in source order, each with its result.
    pub results: Vec<(Compiled, LocalResult)>,
    /// Every diagnostic: compiling, and evaluating over the events.
    pub diagnostics: Vec<Diagnostic>,
}

impl LocalRun {
    /// Whether any diagnostic is an error (some statement did not run).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The diagnostics with their source, for rendering.
    pub fn diagnostics(&self) -> Diagnostics {
        Diagnostics {
            source: self.source.clone(),
            items: self.diagnostics.clone(),
        }
    }
}

/// Compiles `text` and evaluates every statement over exported `events`, offline, in one call.
/// Relative times count back from `options.now`. Statements with errors do not run, and their
/// diagnostics are in the answer; `Err` only when the events cannot be read.
///
/// ```
/// let events = dql::engine::EventFiles::open("examples/events.ndjson.gz").unwrap();
/// let now = "2026-11-26T10:00:00Z".parse().unwrap();
/// let run = dql::run_local(
///     "SELECT count() AS n FROM errors SINCE 30d; SELECT nope() FROM errors",
///     &events,
///     &dql::Options::new(now),
/// )
/// .unwrap();
/// assert_eq!(run.results.len(), 1);
/// assert!(run.has_errors(), "the second statement's error is reported, not dropped");
/// ```
pub fn run_local(
    text: &str,
    events: &EventFiles,
    options: &Options,
) -> Result<LocalRun, EngineError> {
    let compilation = compile_source(&Source::new("<query>", text), options);
    let mut diagnostics = compilation.diagnostics;
    let executor = LocalExecutor {
        files: events,
        options: RunOptions {
            now: Some(options.now),
            ..RunOptions::default()
        },
    };
    let mut results = Vec::new();
    for compiled in compilation.statements {
        match executor.run_detailed(&compiled) {
            Ok(result) => results.push((compiled, result)),
            Err(crate::engine::RunError::Read(error)) => return Err(error),
            Err(crate::engine::RunError::Query(found)) => diagnostics.extend(found),
        }
    }
    diagnostics.sort_by_key(|d| (d.span().start, d.span().end));
    Ok(LocalRun {
        source: compilation.source,
        results,
        diagnostics,
    })
}
