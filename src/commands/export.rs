//! `dql export`: fetches the raw events a query matches from Sentry (ids from the events
//! endpoint, payloads from the event endpoint) and streams them as NDJSON that
//! `dql run --events` reads back.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use super::exit::Exit;
pub(crate) use super::export_args::Args;
use super::export_args::query_source;
use super::export_listing::Listing;
use super::export_resume::{self, Sink};
use super::export_step::{Failure, Step, Tally};
use super::{compile_or_report, parse_now, parse_params, print_diagnostics, read_source};
use crate::commands::run::report_client_error;
use crate::progress::Progress;
use dql::Compiled;
use dql::client::config::{Config, Origin};
use dql::client::error::ClientError;
use dql::client::{Client, RetryPolicy};
use dql::diagnostic::Code;
use dql::lower::Request;
use dql::lower::export::{self, Exported};
use dql::registry::ExportCode;
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

/// Events exported per statement when neither `--limit` nor the statement's LIMIT says how many.
pub(crate) const DEFAULT_CAP: u64 = 100_000;

/// Runs `dql export`.
pub(crate) fn run(args: &Args, config: Result<Config, ClientError>) -> Result<(), Exit> {
    let config = config.map_err(report_client_error)?;
    let mut params = parse_params(&args.params)?;
    let source = match (&args.file, &args.query) {
        (Some(_), _)
            if config
                .project
                .as_ref()
                .is_some_and(|p| matches!(p.origin, Origin::Flag(_))) =>
        {
            // `dql run` ignores it too; saying so beats exporting other projects than meant.
            eprintln!(
                "error: --project applies to --query; with a FILE, its PROJECT clause says which projects"
            );
            return Err(Exit::USAGE);
        }
        (Some(path), _) => read_source(path)?,
        (None, Some(search)) => {
            let projects = config
                .project
                .as_ref()
                .map(|p| p.value.as_str())
                .unwrap_or("");
            query_source(args, search, projects, &mut params)
        }
        (None, None) => {
            eprintln!("error: give a query file or --query");
            return Err(Exit::USAGE);
        }
    };
    // A resumed export resolves relative times against the instant its first run did.
    let found = match args.resume.as_deref().map(export_resume::load) {
        Some(Ok(found)) => found,
        Some(Err(e)) => {
            super::print_report(&e);
            return Err(Exit::USAGE);
        }
        None => None,
    };
    let now_text = args
        .now
        .as_deref()
        .or(found.as_ref().map(|c| c.now.as_str()));
    let now = parse_now(now_text)?;
    let mut options = dql::Options::new(now);
    options.params = params;
    options.strict = args.strict;
    options.org = config.org.as_ref().map(|o| o.value.clone());
    let compilation = compile_or_report(&source, &options)?;
    let chosen = super::select_statements(&compilation, args.name.as_deref())?;
    let refusals: Vec<dql::Diagnostic> = chosen.iter().filter_map(|c| refusal(c)).collect();
    if !refusals.is_empty() {
        print_diagnostics(&source, &refusals);
        return Err(Exit::QUERY);
    }
    if chosen.is_empty() {
        eprintln!("error: {} holds no statement to export", source.name());
        return Err(Exit::USAGE);
    }
    let lowering = dql::lower::Options {
        org: options.org.clone(),
        ..dql::lower::Options::new(now)
    };
    let plans: Result<Vec<Plan>, Vec<dql::Diagnostic>> = chosen
        .iter()
        .map(|c| Plan::new(c, args, &lowering))
        .collect();
    let plans = match plans {
        Ok(plans) => plans,
        Err(errors) => {
            print_diagnostics(&source, &errors);
            return Err(Exit::QUERY);
        }
    };
    let fingerprint = serde_json::to_string(&(
        &config.url.value,
        config.org.as_ref().map(|o| &o.value),
        plans
            .iter()
            .map(|p| (&p.request, &p.listing))
            .collect::<Vec<_>>(),
    ))
    .unwrap_or_default();
    let mut sink = match &args.resume {
        Some(path) => match Sink::resume(path, found, fingerprint, now.to_string()) {
            Ok(sink) => sink,
            Err(e) => {
                super::print_report(&e);
                return Err(Exit::USAGE);
            }
        },
        None => Sink::Stdout(std::io::stdout()),
    };
    let resumed = sink.checkpoint().cloned();
    if let Some(done) = resumed.as_ref().filter(|c| c.complete) {
        eprintln!(
            "the export is already complete: {} events (remove {} to export again)",
            done.total,
            export_resume::checkpoint_path(args.resume.as_deref().unwrap_or(Path::new("")))
                .display()
        );
        return Ok(());
    }
    let progress = Progress::new(args.progress, "events", None);
    let client = client(args, &config, &progress).map_err(report_client_error)?;
    let mut tally = Tally {
        progress,
        ..Tally::default()
    };
    let first = resumed.as_ref().map_or(0, |c| c.statement);
    if let Some(c) = &resumed {
        if c.total > 0 {
            eprintln!(
                "resuming after {} events (statement {}, {})",
                c.total,
                c.statement + 1,
                c.cursor
                    .as_deref()
                    .map_or("its first page".to_owned(), |cur| format!("cursor {cur}"))
            );
        }
        tally.exported = c.total;
        tally.progress.inc(c.total);
    }
    let workers = usize::try_from(args.concurrency).unwrap_or(1);
    for (index, plan) in plans.iter().enumerate().skip(first) {
        let mut request = plan.request.clone();
        let mut skip = HashSet::new();
        if let Some(c) = resumed.as_ref().filter(|c| c.statement == index) {
            if let Some(cursor) = &c.cursor {
                request.params.retain(|(k, _)| k != "cursor");
                request.params.push(("cursor".to_owned(), cursor.clone()));
            }
            request.limit = request.limit.map(|l| l.saturating_sub(c.exported));
            skip = c.last_ids.iter().cloned().collect();
        }
        let outcome = if request.limit == Some(0) {
            Ok(false)
        } else {
            let mut step = Step {
                client: &client,
                sink: &mut sink,
                tally: &mut tally,
                statement: index,
                workers,
            };
            match (&plan.listing, &plan.count) {
                (Some(listing), Some(count)) => {
                    let cursor = request
                        .params
                        .iter()
                        .find(|(k, _)| k == "cursor")
                        .map(|(_, v)| v.clone());
                    let done = plan.limit - request.limit.unwrap_or(plan.limit);
                    step.listing(listing, count, plan.limit, cursor, skip, done)
                }
                _ => step.pages(&request, plan.rows, skip),
            }
        };
        let outcome = outcome.and_then(|more| {
            // Already recorded with the last page; again for a statement with none.
            if sink.checkpoint().is_some_and(|c| c.statement == index) {
                sink.next_statement(index + 1)?;
            }
            Ok(more)
        });
        match outcome {
            // Whoever gave a limit got what they asked for; only the silent cap is worth a note.
            Ok(more) => {
                if more && plan.default_cap {
                    eprintln!(
                        "note: stopped at the default cap of {DEFAULT_CAP} events; Sentry has more (pass --limit N)"
                    );
                }
            }
            Err(Failure::Client(e)) => {
                tally.finish_progress();
                // The events written are not all the query matches: say so where a reader of
                // the file (`dql run --events`, jq) stops, not only on stderr (a resume
                // removes the mark).
                if tally.exported > 0 {
                    let _ = sink.trailer(dql::format::INCOMPLETE_MARK);
                }
                tally.summary();
                if tally.exported > 0 {
                    eprintln!(
                        "error: the export is incomplete: it failed after {} event(s) were written",
                        tally.exported
                    );
                }
                if let Some(path) = &args.resume {
                    eprintln!(
                        "note: run the same command again to continue ({} keeps the checkpoint)",
                        export_resume::checkpoint_path(path).display()
                    );
                }
                return Err(report_client_error(e));
            }
            Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // The reader went away (`| head`): what it read is what it wanted.
                tally.finish_progress();
                return Ok(());
            }
            Err(Failure::Io(e)) => {
                tally.finish_progress();
                eprintln!("error: cannot write the output: {e}");
                return Err(Exit::USAGE);
            }
        }
    }
    tally.finish_progress();
    if let Err(e) = sink.complete()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the output: {e}");
        return Err(Exit::USAGE);
    }
    tally.summary();
    Ok(())
}

/// What one statement exports: the request listing it (lowered by `dql::lower::export`, time
/// made absolute, so a resume asks for the same range), and how.
struct Plan {
    request: Request,
    /// Events: Sentry's count of what `request` lists.
    count: Option<Request>,
    /// The project listing serves it (whole payloads a hundred at a time).
    listing: Option<Listing>,
    /// Events exported at most.
    limit: u64,
    /// Spans or logs: the listed rows are the export.
    rows: bool,
    /// No `--limit` and no LIMIT: the default cap applies.
    default_cap: bool,
}

impl Plan {
    /// The plan of `compiled`, which [`refusal`] let through; lowering's errors otherwise.
    fn new(
        compiled: &Compiled,
        args: &Args,
        options: &dql::lower::Options,
    ) -> Result<Plan, Vec<dql::Diagnostic>> {
        let limit = args.limit.or(compiled.request.limit).unwrap_or(DEFAULT_CAP);
        let Some(lowered) = export::lower_export(&compiled.checked, options, limit) else {
            return Err(refusal(compiled).into_iter().collect());
        };
        let export = lowered?;
        let rows = export.exported == Exported::Rows;
        let listing = match export.range {
            Some((start, end)) if !rows && !args.per_event => {
                Listing::serving(compiled, start, end, options.now)
            }
            _ => None,
        };
        Ok(Plan {
            request: export.request,
            count: export.count,
            listing,
            limit,
            rows,
            default_cap: args.limit.is_none() && compiled.request.limit.is_none(),
        })
    }
}

/// Why a statement cannot be exported, as a diagnostic at the statement; `None` when it can.
fn refusal(compiled: &Compiled) -> Option<dql::Diagnostic> {
    let reason = export::refusal(&compiled.checked, &compiled.request)?;
    Some(dql::Diagnostic {
        code: ExportCode::NotExportable.code(),
        severity: dql::Severity::Error,
        message: format!("cannot export this statement: {reason}"),
        labels: vec![dql::diagnostic::Label {
            span: compiled.checked.span,
            text: "not a list of events".to_owned(),
        }],
        help: Some(
            "export a plain `SELECT … FROM errors|transactions|discover|spans|logs WHERE …` (no aggregates, \
             GROUP BY or INTERVAL); its WHERE, PROJECT, ENVIRONMENT, SINCE, ORDER BY and LIMIT \
             say which events"
                .to_owned(),
        ),
        fix: None,
    })
}

/// A client for `config` with the retry limits and verbosity of `args`.
fn client(args: &Args, config: &Config, progress: &Progress) -> Result<Client, ClientError> {
    config.org()?;
    let client = Client::from_config_with(
        config,
        dql::client::transport::Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(args.timeout),
        },
        args.max_response_mb.saturating_mul(1 << 20),
    )?
    .retry_policy(RetryPolicy {
        max_tries: args.retry_tries,
        max_wait: Duration::from_secs(args.retry_seconds),
        ..RetryPolicy::default()
    });
    Ok(if args.verbose {
        let progress = progress.clone();
        client.on_event(move |event| progress.suspend(|| super::run::verbose_event(event)))
    } else {
        client
    })
}
