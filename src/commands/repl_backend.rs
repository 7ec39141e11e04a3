//! The REPL's backend: checks, compiles and runs what is typed, against Sentry when it is
//! configured, over exported events with `--events`, and otherwise compiles only.

use crate::progress::Progress;
use crate::repl::backend::{Answer, Backend, Failure, Query};
use dql::client::Client;
use dql::engine::{EventFiles, ReadOptions, RunError, RunOptions};
use dql::lower::Request;
use dql::result::ResultSet;
use dql::semantic::checked::CheckedStatement;
use dql::semantic::{CheckOptions, Params};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often a wait for Sentry looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// The pages of `request`, fetched on a thread of their own so that Ctrl-C (`cancel`) ends the
/// wait at once even when the server never answers; the abandoned request ends by itself at
/// its timeout.
fn pages_cancellable(
    client: &Arc<Client>,
    request: &Request,
    cancel: &AtomicBool,
    mut on_page: impl FnMut(dql::client::Page),
) -> Result<(), Stopped> {
    let (send, receive) =
        mpsc::sync_channel::<Result<dql::client::Page, dql::client::ClientError>>(1);
    let worker_client = Arc::clone(client);
    let worker_request = request.clone();
    std::thread::spawn(move || {
        for page in worker_client.pages(&worker_request) {
            // The receiver gone means the user cancelled: stop fetching.
            if send.send(page).is_err() {
                return;
            }
        }
    });
    // A spinner once the wait is long enough to notice (none for a quick answer).
    let started = std::time::Instant::now();
    let mut spinner: Option<Progress> = None;
    let outcome = loop {
        if cancel.load(Ordering::SeqCst) {
            break Err(Stopped::Cancelled);
        }
        match receive.recv_timeout(CANCEL_POLL) {
            Ok(Ok(page)) => on_page(page),
            Ok(Err(e)) => break Err(Stopped::Failed(e)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if spinner.is_none() && started.elapsed() >= SPINNER_AFTER {
                    spinner = Some(Progress::spinner("waiting for Sentry"));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
        }
    };
    if let Some(spinner) = spinner {
        spinner.finish();
    }
    outcome
}

/// How long a wait for Sentry goes before the spinner shows.
const SPINNER_AFTER: Duration = Duration::from_millis(300);

/// Why fetching pages stopped early.
enum Stopped {
    /// Ctrl-C.
    Cancelled,
    /// Sentry or the network failed.
    Failed(dql::client::ClientError),
}

/// Where queries run.
pub(crate) enum Target {
    /// Sentry over HTTP (shared with the thread that waits for each answer).
    Sentry(Arc<Client>),
    /// Exported events, with the local engine.
    Events(EventFiles),
    /// Nowhere: compile only, with this hint on how to connect.
    Nowhere(String),
}

/// The backend of `dql repl`.
pub(crate) struct CliBackend {
    pub(crate) target: Target,
    pub(crate) org: Option<String>,
    pub(crate) base_url: String,
}

impl CliBackend {
    fn params(query: &Query<'_>) -> Params {
        query.params.iter().collect()
    }

    /// Checks and lowers; `Err` with every error.
    fn compiled(&self, query: &Query<'_>) -> Result<Vec<(CheckedStatement, Request)>, Failure> {
        let params = Self::params(query);
        let checked = dql::semantic::check(
            query.file,
            super::catalog::catalog(),
            &params,
            &CheckOptions::default(),
        );
        if checked.diagnostics.iter().any(|d| d.is_error()) {
            return Err(Failure::Diagnostics(checked.diagnostics));
        }
        let options = dql::lower::Options {
            now: jiff::Timestamp::now(),
            org: self.org.clone(),
        };
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for stmt in checked.statements {
            match dql::lower::lower(&stmt, &options) {
                Ok(request) => out.push((stmt, request)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Failure::Diagnostics(errors))
        }
    }
}

impl Backend for CliBackend {
    fn check(&self, query: &Query<'_>) -> Vec<dql::Diagnostic> {
        let params = Self::params(query);
        dql::semantic::check(
            query.file,
            super::catalog::catalog(),
            &params,
            &CheckOptions::default(),
        )
        .diagnostics
    }

    fn deprecations(&self, source: &dql::Source) -> Vec<dql::Diagnostic> {
        // Over exported events nothing is sent to Sentry, so nothing is deprecated.
        if matches!(self.target, Target::Events(_)) || !super::sentry_io() {
            return Vec::new();
        }
        dql::migrate::deprecation_warnings(source, super::catalog::catalog())
    }

    fn compile(&self, query: &Query<'_>) -> Result<String, Failure> {
        let compiled = self.compiled(query)?;
        let lines: Vec<String> = compiled
            .iter()
            .map(|(_, r)| {
                let method = r.method.as_str();
                let url = super::compile::full_url(&self.base_url, &r.path, &r.params)
                    .unwrap_or_else(|_| r.path.clone());
                format!("{method} {url}")
            })
            .collect();
        Ok(lines.join("\n"))
    }

    fn run(&mut self, query: &Query<'_>, cancel: &AtomicBool) -> Result<Vec<Answer>, Failure> {
        let compiled = self.compiled(query)?;
        let mut answers = Vec::new();
        for (stmt, request) in compiled {
            if request.update.is_some() {
                return Err(Failure::Message(
                    "UPDATE runs only from `dql run --name …`, which lists the issues and asks first".into(),
                ));
            }
            let answer = match &self.target {
                Target::Nowhere(hint) => return Err(Failure::Message(hint.clone())),
                Target::Events(files) => {
                    let options = RunOptions {
                        read: ReadOptions::default(),
                        ..RunOptions::default()
                    };
                    match dql::engine::run(&stmt, files, &options) {
                        Ok(local) => Answer {
                            name: request.name.clone(),
                            columns: local.columns,
                            result: local.result,
                        },
                        Err(RunError::Query(d)) => return Err(Failure::Diagnostics(d)),
                        Err(RunError::Read(e)) => {
                            return Err(Failure::Message(report(&e)));
                        }
                    }
                }
                Target::Sentry(client) => {
                    let mut result = ResultSet::default();
                    let mut keys = Vec::new();
                    let fetched = pages_cancellable(client, &request, cancel, |page| {
                        if keys.is_empty() {
                            keys = page.columns.clone();
                        }
                        result.meta.fields.extend(page.meta.fields);
                        result.meta.units.extend(page.meta.units);
                        result.data.extend(page.rows);
                    });
                    match fetched {
                        Ok(()) => {}
                        Err(Stopped::Cancelled) => return Err(Failure::Cancelled),
                        // A 400 is drawn as `dql run` draws it: labelled at the clause of the
                        // input it concerns, or at none.
                        Err(Stopped::Failed(dql::client::ClientError::BadQuery {
                            detail,
                            clause,
                        })) => {
                            return Err(Failure::Diagnostics(vec![
                                super::run::bad_query_diagnostic(
                                    &detail, clause, query.file, stmt.span,
                                ),
                            ]));
                        }
                        Err(Stopped::Failed(e)) => return Err(Failure::Message(report(&e))),
                    }
                    Answer {
                        name: request.name.clone(),
                        columns: super::plan(&request, &keys, dql::format::Format::Table),
                        result,
                    }
                }
            };
            if cancel.load(Ordering::SeqCst) {
                return Err(Failure::Cancelled);
            }
            answers.push(answer);
        }
        Ok(answers)
    }

    fn connection_hint(&self) -> Option<String> {
        match &self.target {
            Target::Nowhere(hint) => Some(hint.clone()),
            _ => None,
        }
    }
}

/// An error without a query source, drawn as the REPL draws query diagnostics.
fn report(error: &dyn miette::Diagnostic) -> String {
    let (colour, width) = super::stderr_style();
    dql::diagnostic::render_report(error, colour, width)
}
