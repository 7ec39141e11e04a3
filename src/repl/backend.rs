//! The REPL's one seam to the compiler and the executors: the [`Backend`] trait, and
//! its implementation lives with the CLI (`commands::repl_backend`).
//!
//! The REPL itself parses every input (it needs the tree to apply `.set` defaults and to
//! report syntax errors) and formats every result (it owns `.format`). A backend does the
//! rest: semantic checking and lowering to a request, once per input ([`Backend::check`]),
//! and running what that compiled.

use dql::Diagnostic;
pub(crate) use dql::answer::Answer;
use dql::syntax::ast::File;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// One input as the REPL hands it to a [`Backend`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Query<'a> {
    /// The parsed file, free of syntax errors, with the session's `.set` defaults already
    /// added (added clauses carry `Span::DUMMY`).
    pub(crate) file: &'a File,
    /// The session's `.param name=value` bindings.
    pub(crate) params: &'a BTreeMap<String, String>,
}

/// What checking one input gave: its diagnostics, and what compiling it gave (checked and
/// lowered once; [`Backend::compile`] and [`Backend::run`] take it from here).
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// Semantic diagnostics (errors and warnings); nothing runs when one is an error.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The statements that lowered, in order, or every lowering error (shown when the query
    /// is compiled or run, as a [`Failure::Diagnostics`]).
    pub(crate) statements: Result<Vec<dql::Compiled>, Vec<Diagnostic>>,
}

/// Why compiling or running gave no result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// Errors with source spans (checking or lowering); nothing was sent.
    Diagnostics(Vec<Diagnostic>),
    /// Any other failure, already rendered for the terminal (an HTTP or file error as a miette
    /// report, or "not available"). Never contains the auth token.
    Message(String),
    /// The cancel flag was raised (Ctrl-C) before the answer came.
    Cancelled,
}

/// What the REPL needs from the rest of dql. Implementations must not print: the REPL decides
/// where output goes.
pub(crate) trait Backend {
    /// Checks and lowers a query that parsed cleanly, once. The REPL prints the semantic
    /// diagnostics under the input and runs nothing when one is an error.
    fn check(&self, query: &Query<'_>) -> Checked;

    /// The request(s) the query compiled to, as text to show (`.compile`, or every query when
    /// no Sentry is configured): e.g. `GET /api/0/organizations/acme/events/?field=…`, one
    /// line per statement. Must work without a network or a configured Sentry.
    fn compile(&self, query: &Query<'_>, checked: &Checked) -> Result<String, Failure>;

    /// What running the query would take (`.cost`): requests, pages, windows of time and the
    /// least time at the rate limit, as `dql compile --cost` prints it for `source` (the
    /// input, for line numbers). Offline, like [`Backend::compile`].
    fn cost(&self, source: &dql::Source, checked: &Checked) -> Result<String, Failure>;

    /// Runs every statement and returns one answer per statement. `cancel` is raised by
    /// Ctrl-C: poll it between pages and retries, and return [`Failure::Cancelled`] soon after.
    fn run(
        &mut self,
        query: &Query<'_>,
        checked: &Checked,
        cancel: &AtomicBool,
    ) -> Result<Vec<Answer>, Failure>;

    /// `None` when queries can run; otherwise one or two lines saying how to connect. The
    /// REPL then compiles instead of running, shows the hint at start, and its first line
    /// after each query.
    fn connection_hint(&self) -> Option<String>;

    /// Warnings for statements of `source` over datasets the configured Sentry has
    /// deprecated (`transactions`, `discover` on sentry.io), as `dql check` gives them.
    fn deprecations(&self, _source: &dql::Source) -> Vec<Diagnostic> {
        Vec::new()
    }
}
