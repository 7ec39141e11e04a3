//! `dql run`: sends the compiled requests to Sentry (or evaluates them over exported events
//! with `--events`), follows pages, and prints the rows.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit::Exit;
use super::{Input, parse_now, parse_params, read_input};
use dql::Compiled;
use dql::answer::OutputColumn;
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::{Clause, ClientError};
use dql::format::{Format, Sink};
use dql::lower::Request;
use dql::result::Meta;
use dql::semantic::checked::ClauseSpans;
use dql::span::Span;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `dql run`.
pub(crate) struct Args<'a> {
    pub(crate) input: Input<'a>,
    pub(crate) name: Option<&'a str>,
    pub(crate) keep_going: bool,
    /// `--exclude-other`: top-n series without "Other".
    pub(crate) exclude_other: bool,
    pub(crate) params: &'a [String],
    pub(crate) format: Option<Format>,
    pub(crate) now: Option<&'a str>,
    pub(crate) strict: bool,
    pub(crate) verbose: bool,
    pub(crate) yes: bool,
    pub(crate) events: Option<&'a PathBuf>,
    pub(crate) skip_bad: bool,
    /// `--threads`: the local engine's threads (default: all cores).
    pub(crate) threads: Option<usize>,
    pub(crate) retry_tries: u32,
    pub(crate) retry_seconds: u64,
    pub(crate) timeout_seconds: u64,
    /// The largest response body read, in bytes.
    pub(crate) max_body: u64,
    pub(crate) output: super::output::OutputOptions,
    /// `--all`, `--offset-cap`, `--progress`.
    pub(crate) complete: super::complete::CompleteFlags,
}

/// Runs `dql run`.
pub(crate) fn run(args: &Args<'_>, config: Result<Config, ClientError>) -> Result<(), Exit> {
    let source = read_input(args.input)?;
    let parsed = dql::syntax::parse(&source);
    if parsed.file.statements.is_empty() && parsed.diagnostics.is_empty() {
        // Nothing to run; `read_input` said so in one line.
        return Ok(());
    }
    let params = parse_params(args.params)?;
    let source = match args.name {
        Some(name) => super::only_named(&source, name)?,
        None => source,
    };
    super::warn_unused_params(&source, &params, args.name);
    let format = args.format.unwrap_or_else(|| {
        let to_file = args.output.file.is_some() || args.output.dir.is_some();
        super::output::format_for(args.output.default_format(), to_file, source.text())
    });
    if let Some(events) = args.events {
        return super::run_local::run(args, &source, params, format, events);
    }
    let config = config.map_err(report_setup_error)?;
    let now = parse_now(args.now)?;
    let mut options = dql::Options::new(now);
    options.params = params;
    options.strict = args.strict;
    options.org = config.org.as_ref().map(|o| o.value.clone());
    options.default_project = config.project.as_ref().map(|p| p.value.clone());
    options.all = args.complete.all;
    let (mut chosen, compile_failed) =
        super::statements_to_run(&source, &options, args.name, args.keep_going)?;
    if args.exclude_other {
        for compiled in &mut chosen {
            dql::lower::exclude_other(&mut compiled.request);
        }
    }
    if chosen.iter().any(|c| c.request.update.is_some()) && chosen.len() > 1 {
        eprintln!("error: a file with several statements never runs an UPDATE without --name");
        return Err(Exit::USAGE);
    }
    config.org().map_err(report_setup_error)?;
    let client = Client::from_config_with(
        &config,
        dql::client::transport::Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(args.timeout_seconds),
        },
        args.max_body,
    )
    .map_err(report_setup_error)?;
    let client = client.offset_cap(args.complete.offset_cap);
    let client = client.retry_policy(dql::client::RetryPolicy {
        max_tries: args.retry_tries,
        max_wait: Duration::from_secs(args.retry_seconds),
        ..dql::client::RetryPolicy::default()
    });
    let (client, progress) =
        super::run_progress::RunProgress::attach(client, args.complete.progress, args.verbose);
    let (mut destination, layout) = super::output::Destination::open(&args.output)?;
    let mut sink = destination.sink(format, chosen.len(), layout);
    // The first failure's status is the run's.
    let mut status = if compile_failed {
        Err(Exit::QUERY)
    } else {
        Ok(())
    };
    for compiled in &chosen {
        let mut n_written = None;
        let outcome = if compiled.request.update.is_some() {
            update(&client, compiled, args.yes, sink.as_mut())
        } else {
            fetch(
                &client,
                &compiled.request,
                format,
                sink.as_mut(),
                &mut n_written,
                &progress,
            )
        };
        if let Err(failure) = outcome {
            // A result that has begun cannot be continued honestly: it is marked incomplete
            // and the run stops, --keep-going or not.
            let begun = n_written.is_some();
            if matches!(failure, Failure::Io(_)) {
                let _ = sink.finish();
            } else if begun || !args.keep_going {
                // Never a partial result that reads as a whole one.
                let _ = sink.abort();
            }
            let rows = n_written.unwrap_or(0);
            if rows > 0 && matches!(failure, Failure::Client(_)) {
                eprintln!(
                    "error: the output is incomplete: {rows} row{} of this result {} written before the failure",
                    if rows == 1 { "" } else { "s" },
                    if rows == 1 { "was" } else { "were" },
                );
            }
            let failed = match failure {
                Failure::Client(e) => {
                    super::say_which_failed(&source, compiled, chosen.len());
                    report_request_error(e, &source, compiled)
                }
                Failure::Io(e) => {
                    drop(sink);
                    let _ = destination.finish();
                    return Err(super::output_failed(&e));
                }
                Failure::Declined => Exit::QUERY,
            };
            status = status.and(Err(failed));
            if begun || !args.keep_going {
                drop(sink);
                let _ = destination.finish();
                return status;
            }
        }
    }
    sink.finish().map_err(|e| super::output_failed(&e))?;
    drop(sink);
    destination.finish().map_err(|e| super::output_failed(&e))?;
    status
}

/// Why a statement could not be completed.
enum Failure {
    Client(ClientError),
    Io(std::io::Error),
    /// The user did not confirm an UPDATE.
    Declined,
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Fetches every page a request wants, streaming rows into the sink, with a progress bar.
fn fetch(
    client: &Client,
    request: &Request,
    format: Format,
    sink: &mut dyn Sink,
    n_rows: &mut Option<usize>,
    progress: &super::run_progress::RunProgress,
) -> Result<(), Failure> {
    progress.start();
    let fetched = fetch_pages(client, request, format, sink, n_rows, progress);
    if fetched.is_ok() {
        progress.complete();
    }
    // Gone before what follows is said (the note, an error).
    progress.finish();
    let has_more = fetched?;
    if has_more && request.limit.is_none() {
        eprintln!(
            "note: Sentry has more rows than this page; add LIMIT n to fetch up to n rows, or LIMIT ALL for every row"
        );
    }
    Ok(())
}

/// [`fetch`]'s pages: whether Sentry has more rows than were fetched.
fn fetch_pages(
    client: &Client,
    request: &Request,
    format: Format,
    sink: &mut dyn Sink,
    n_rows: &mut Option<usize>,
    progress: &super::run_progress::RunProgress,
) -> Result<bool, Failure> {
    let mut begun = false;
    let mut has_more = false;
    for page in client.stitched(request) {
        let page = page.map_err(Failure::Client)?;
        // The rows go to stdout with the bar (on stderr, maybe the same terminal) out of the way.
        progress.suspend(|| -> Result<(), Failure> {
            if !begun {
                sink.begin(
                    request.name.as_deref(),
                    &dql::execute::plan(request, &page.columns, every_member(format)),
                    &page.meta,
                )?;
                begun = true;
                *n_rows = Some(0);
            } else {
                sink.extend_meta(&page.meta);
            }
            for row in &page.rows {
                sink.row(row)?;
                *n_rows = Some(n_rows.unwrap_or(0) + 1);
            }
            sink.flush()?;
            Ok(())
        })?;
        has_more = page.has_more;
    }
    if !begun {
        sink.begin(
            request.name.as_deref(),
            &dql::execute::plan(request, &[], every_member(format)),
            &Meta::default(),
        )?;
    }
    sink.end()?;
    Ok(has_more)
}

/// Whether a single event shows all its members (the machine formats) or the useful ones.
fn every_member(format: Format) -> bool {
    matches!(format, Format::Json | Format::Ndjson)
}

/// UPDATE issues: list the matching ids, ask, then PUT exactly those ids.
fn update(
    client: &Client,
    compiled: &Compiled,
    yes: bool,
    sink: &mut dyn Sink,
) -> Result<(), Failure> {
    let request = &compiled.request;
    let Some(plan_put) = &request.update else {
        return Ok(());
    };
    let listing = client.execute(request).map_err(Failure::Client)?;
    let (issues, unscoped) = dql::lower::UpdatePlan::listed(&listing.result.data);
    if !unscoped.is_empty() {
        // A PUT without its project would be scoped by Sentry's defaults, not by the listing.
        eprintln!(
            "error: Sentry listed issue(s) {} without a project id, so dql cannot scope their update; nothing changed",
            unscoped.join(", ")
        );
        return Err(Failure::Declined);
    }
    if issues.is_empty() {
        eprintln!("no issue matches; nothing to update");
        return Ok(());
    }
    eprintln!("{} issue(s) match:", issues.len());
    for row in listing.result.data.iter().take(10) {
        let get = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap_or("");
        eprintln!("  {}  {}  {}", get("shortId"), get("status"), get("title"));
    }
    if issues.len() > 10 {
        eprintln!("  … and {} more", issues.len() - 10);
    }
    eprintln!("change: {}", plan_put.body);
    if !yes && !confirm()? {
        eprintln!("not confirmed; nothing changed (pass --yes in scripts)");
        return Err(Failure::Declined);
    }
    // Counted as changed: only the ids of PUTs Sentry answered with a success body.
    let mut changed = 0usize;
    let puts = plan_put.requests(request.name.as_deref(), &issues);
    for put in &puts {
        if let Err(e) = client.execute(put) {
            let pending: usize = puts
                .iter()
                .skip_while(|p| !std::ptr::eq(*p, put))
                .map(|p| dql::lower::UpdatePlan::ids_of(p).len())
                .sum();
            eprintln!(
                "{changed} of {} issue(s) changed before this failure; {pending} not changed",
                issues.len()
            );
            return Err(Failure::Client(e));
        }
        changed += dql::lower::UpdatePlan::ids_of(put).len();
    }
    let columns = vec![OutputColumn {
        field: "updated".into(),
        label: "updated".into(),
        ty: None,
    }];
    sink.begin(request.name.as_deref(), &columns, &Meta::default())?;
    let mut row = dql::result::Row::new();
    row.insert("updated".into(), serde_json::json!(changed));
    sink.row(&row)?;
    sink.end()?;
    Ok(())
}

/// Asks on the terminal; never assumes yes without one.
fn confirm() -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        eprintln!("standard input is not a terminal, so dql cannot ask");
        return Ok(false);
    }
    eprint!("apply this change to these issues? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// `--verbose`: each request's URL, status and timing (the URL never holds the token).
pub(crate) fn verbose_event(event: &dql::client::ClientEvent) {
    match event {
        dql::client::ClientEvent::Sent {
            method,
            url,
            status,
            error,
            elapsed,
            attempt,
        } => {
            let outcome = match (status, error) {
                (Some(s), _) => s.to_string(),
                (None, Some(e)) => format!("failed: {e}"),
                (None, None) => "no answer".into(),
            };
            let method = method.as_str();
            eprintln!(
                "{method} {url} -> {outcome} in {} ms (try {attempt})",
                elapsed.as_millis()
            );
        }
        dql::client::ClientEvent::Adapted { message } => eprintln!("note: {message}"),
        dql::client::ClientEvent::Redirected { from, to } => {
            eprintln!("redirected: the answer to {from} came from {to}");
        }
        dql::client::ClientEvent::Waiting { delay, reason } => {
            eprintln!(
                "waiting {:.1} s before trying again ({reason})",
                delay.as_secs_f64()
            );
        }
    }
}

/// A configuration error before anything was sent, with the offline alternative.
fn report_setup_error(error: ClientError) -> Exit {
    let offline = matches!(error, ClientError::MissingToken | ClientError::MissingOrg);
    let code = report_client_error(error);
    if offline {
        eprintln!(
            "note: without a Sentry account, run over exported events: `dql run FILE --events examples/events.ndjson.gz`"
        );
    }
    code
}

/// Prints a client error as a miette report and returns its exit status.
pub(crate) fn report_client_error(error: ClientError) -> Exit {
    let code = Exit(error.exit_code());
    super::print_report(&error);
    code
}

/// A 400 from Sentry becomes a diagnostic pointing at the clause it most likely concerns.
fn report_request_error(error: ClientError, source: &dql::Source, compiled: &Compiled) -> Exit {
    if let ClientError::BadQuery { detail, clause } = &error {
        let diagnostic = bad_query_diagnostic(detail, *clause, &compiled.checked.clauses);
        super::print_diagnostics(source, &[diagnostic]);
        return Exit(error.exit_code());
    }
    report_client_error(error)
}

/// Sentry's 400 `detail` as a diagnostic of a statement whose clauses are at `clauses`:
/// labelled at the clause the message names when the statement has that clause as written,
/// and nowhere otherwise (a guess of WHERE for a query without one would point at nothing it
/// concerns; a clause the REPL added from `.set` has no place in the input). Shared by `dql
/// run` and the REPL.
pub(crate) fn bad_query_diagnostic(
    detail: &str,
    clause: Option<Clause>,
    clauses: &ClauseSpans,
) -> dql::Diagnostic {
    let labels = clause
        .and_then(|c| Some((c, clause_span(clauses, c)?)))
        .map(|(clause, span)| dql::diagnostic::Label {
            span,
            text: format!("Sentry's message most likely concerns this {clause} clause"),
        })
        .into_iter()
        .collect();
    dql::Diagnostic {
        code: dql::registry::ClientCode::BadQuery.as_str(),
        severity: dql::Severity::Error,
        message: format!("Sentry refused the query: {detail}"),
        labels,
        help: Some(
            "dql checked this query but Sentry disagrees; run `dql compile` to see the request, and report the case if dql should have caught it".into(),
        ),
        fix: None,
    }
}

/// Where `clause` is written.
fn clause_span(clauses: &ClauseSpans, clause: Clause) -> Option<Span> {
    match clause {
        Clause::Select => clauses.select,
        Clause::Where => clauses.where_,
        Clause::OrderBy => clauses.order_by,
        Clause::Since => clauses.since,
        Clause::Limit => clauses.limit,
        Clause::Project => clauses.project,
        Clause::Environment => clauses.environment,
        Clause::Interval => clauses.interval,
    }
}
