//! The REPL's backend: checks and compiles what is typed (once), and runs it through the
//! library's executors: against Sentry when it is configured, over exported events with
//! `--events`, and otherwise compiles only.

use crate::progress::Progress;
use crate::repl::backend::{Answer, Backend, Checked, Failure, Query};
use dql::execute::{Executor, LocalExecutor, RunError, SentryExecutor};
use dql::semantic::{CheckOptions, Params};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a wait for Sentry goes before the spinner shows.
const SPINNER_AFTER: Duration = Duration::from_millis(300);

/// Where queries run.
pub(crate) enum Target {
    /// Sentry over HTTP.
    Sentry(SentryExecutor),
    /// Exported events, with the local engine.
    Events(dql::engine::EventFiles),
    /// Nowhere: compile only, with this hint on how to connect.
    Nowhere(String),
}

/// The backend of `dql repl`.
pub(crate) struct CliBackend {
    pub(crate) target: Target,
    pub(crate) org: Option<String>,
    /// The project of statements without PROJECT (`--project`, `SENTRY_PROJECT`,
    /// `.sentryclirc`), as `dql run` applies it.
    pub(crate) project: Option<String>,
    pub(crate) base_url: String,
}

impl Backend for CliBackend {
    fn check(&self, query: &Query<'_>) -> Checked {
        let params: Params = query.params.iter().collect();
        let checked = dql::semantic::check(
            query.file,
            crate::live_catalog::catalog(),
            &params,
            &CheckOptions::default(),
        );
        let statements = if checked.diagnostics.iter().any(|d| d.is_error()) {
            // Nothing runs; the semantic errors say why.
            Ok(Vec::new())
        } else {
            let options = dql::lower::Options {
                org: self.org.clone(),
                default_project: self.project.clone(),
                ..dql::lower::Options::new(jiff::Timestamp::now())
            };
            let mut compiled = Vec::new();
            let mut errors = Vec::new();
            for stmt in checked.statements {
                match dql::lower::lower(&stmt, &options) {
                    Ok(request) => compiled.push(dql::Compiled {
                        checked: stmt,
                        request,
                    }),
                    Err(mut e) => errors.append(&mut e),
                }
            }
            if errors.is_empty() {
                Ok(compiled)
            } else {
                Err(errors)
            }
        };
        Checked {
            diagnostics: checked.diagnostics,
            statements,
        }
    }

    fn deprecations(&self, source: &dql::Source) -> Vec<dql::Diagnostic> {
        // Over exported events nothing is sent to Sentry, so nothing is deprecated.
        if matches!(self.target, Target::Events(_)) || !super::sentry_io() {
            return Vec::new();
        }
        dql::migrate::deprecation_warnings(source, crate::live_catalog::catalog())
    }

    fn compile(&self, _query: &Query<'_>, checked: &Checked) -> Result<String, Failure> {
        let compiled = lowered(checked)?;
        let lines: Vec<String> = compiled
            .iter()
            .map(|c| {
                let r = &c.request;
                let method = r.method.as_str();
                let url = super::compile::full_url(&self.base_url, &r.path, &r.params)
                    .unwrap_or_else(|_| r.path.clone());
                format!("{method} {url}")
            })
            .collect();
        Ok(lines.join("\n"))
    }

    fn cost(&self, source: &dql::Source, checked: &Checked) -> Result<String, Failure> {
        let compiled: Vec<&dql::Compiled> = lowered(checked)?.iter().collect();
        Ok(super::cost::report(
            source,
            &compiled,
            &super::cost::CostFlags::default(),
        ))
    }

    fn run(
        &mut self,
        _query: &Query<'_>,
        checked: &Checked,
        cancel: &AtomicBool,
    ) -> Result<Vec<Answer>, Failure> {
        let compiled = lowered(checked)?;
        let mut answers = Vec::new();
        for statement in compiled {
            if statement.request.update.is_some() {
                return Err(Failure::Message(
                    "UPDATE runs only from `dql run --name …`, which lists the issues and asks first".into(),
                ));
            }
            let ran = match &self.target {
                Target::Nowhere(hint) => return Err(Failure::Message(hint.clone())),
                Target::Events(files) => LocalExecutor::new(files).run(statement, cancel),
                Target::Sentry(sentry) => {
                    // A spinner once the wait is long enough to notice (none for a quick
                    // answer).
                    let mut spinner: Option<Progress> = None;
                    let ran = sentry.run_waiting(statement, cancel, &mut |waited| {
                        if spinner.is_none() && waited >= SPINNER_AFTER {
                            spinner = Some(Progress::spinner("waiting for Sentry"));
                        }
                    });
                    if let Some(spinner) = spinner {
                        spinner.finish();
                    }
                    ran
                }
            };
            let answer = match ran {
                Ok(answer) => answer,
                Err(RunError::Query(d)) => return Err(Failure::Diagnostics(d)),
                Err(RunError::Cancelled) => return Err(Failure::Cancelled),
                // A 400 is drawn as `dql run` draws it: labelled at the clause of the input it
                // concerns, or at none.
                Err(RunError::Sentry(dql::client::ClientError::BadQuery { detail, clause })) => {
                    return Err(Failure::Diagnostics(vec![
                        super::run::bad_query_diagnostic(
                            &detail,
                            clause,
                            &statement.checked.clauses,
                        ),
                    ]));
                }
                Err(RunError::Sentry(e)) => return Err(Failure::Message(report(&e))),
                Err(RunError::Read(e)) => return Err(Failure::Message(report(&e))),
                Err(e @ RunError::Update) => return Err(Failure::Message(e.to_string())),
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

/// The statements that lowered, or the lowering errors as a failure.
fn lowered(checked: &Checked) -> Result<&[dql::Compiled], Failure> {
    match &checked.statements {
        Ok(compiled) => Ok(compiled),
        Err(errors) => Err(Failure::Diagnostics(errors.clone())),
    }
}

/// An error without a query source, drawn as the REPL draws query diagnostics.
fn report(error: &dyn miette::Diagnostic) -> String {
    let (colour, width) = super::stderr_style();
    dql::diagnostic::render_report(error, colour, width)
}
