//! `dql run --events PATH`: evaluates the checked queries over exported events, offline, with
//! the same semantics and output as a run against Sentry.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit::Exit;
use super::run::Args;
use super::{parse_instant, print_diagnostics};
use crate::progress::Delayed;
use dql::Source;
use dql::engine::{EventFiles, NowSource, ReadOptions, RunError, RunOptions};
use dql::execute::LocalExecutor;
use dql::format::Format;
use std::path::Path;

/// Runs the statements of `source` over the events at `events`.
pub(crate) fn run(
    args: &Args<'_>,
    source: &Source,
    params: dql::semantic::Params,
    format: Format,
    events: &Path,
) -> Result<(), Exit> {
    let now = match args.now {
        None => None,
        Some(text) => match parse_instant(text) {
            Some(ts) => Some(ts),
            None => {
                eprintln!(
                    "error: --now takes an instant such as 2026-11-26T10:00:00Z, got `{text}`"
                );
                return Err(Exit::USAGE);
            }
        },
    };
    // Checking and lowering need an instant; the engine resolves times again against the
    // events' own now.
    let mut options = dql::Options::new(now.unwrap_or_else(jiff::Timestamp::now));
    options.params = params;
    options.strict = args.strict;
    let (mut chosen, compile_failed) =
        super::statements_to_run(source, &options, args.name, args.keep_going)?;
    if args.complete.all {
        // --all: every row of event tables without LIMIT, as `LIMIT ALL` (no cap locally).
        for compiled in &mut chosen {
            if let dql::semantic::checked::CheckedKind::Events(q) = &mut compiled.checked.kind {
                q.all |= q.limit.is_none() && q.interval.is_none();
            }
        }
    }
    // Progress of long scans, on a terminal only and once a scan takes a while.
    let scanning = Delayed::new("events", std::time::Duration::from_millis(700));
    let files = match EventFiles::open(events) {
        Ok(f) => {
            let scanning = scanning.clone();
            f.on_scanned(move |n| scanning.add(n))
        }
        Err(e) => {
            super::print_report(&e);
            return Err(Exit::USAGE);
        }
    };
    let executor = LocalExecutor {
        files: &files,
        options: RunOptions {
            now,
            read: ReadOptions {
                skip_bad: args.skip_bad,
                ..ReadOptions::default()
            },
            threads: args
                .threads
                .unwrap_or_else(|| RunOptions::default().threads),
        },
    };
    let (mut destination, layout) = super::output::Destination::open(&args.output)?;
    let mut sink = destination.sink(format, chosen.len(), layout);
    let mut told_now = false;
    let mut outcome = if compile_failed {
        Err(Exit::QUERY)
    } else {
        Ok(())
    };
    for compiled in &chosen {
        let local = executor.run_detailed(compiled);
        scanning.finish();
        let local = match local {
            Ok(l) => l,
            Err(RunError::Read(e)) => {
                let _ = sink.abort();
                drop(sink);
                let _ = destination.finish();
                super::say_which_failed(source, compiled, chosen.len());
                super::print_report(&e);
                return Err(Exit::USAGE);
            }
            Err(RunError::Query(diagnostics)) => {
                super::say_which_failed(source, compiled, chosen.len());
                print_diagnostics(source, &diagnostics);
                if !args.keep_going {
                    let _ = sink.abort();
                    drop(sink);
                    let _ = destination.finish();
                    return Err(Exit::QUERY);
                }
                outcome = Err(Exit::QUERY);
                continue;
            }
        };
        if !told_now {
            let why = match local.now_source {
                NowSource::Given => "given with --now",
                NowSource::NewestEvent => "just after the newest event; set it with --now",
                NowSource::Clock => "the clock: no event has a timestamp",
                NowSource::NotNeeded => "the end of the query's absolute range",
            };
            eprintln!(
                "now = {} ({why})",
                dql::lower::time::format_instant(local.now)
            );
            told_now = true;
        }
        // --exclude-other: the engine's top-n series loses its "Other" series, as Sentry's.
        let columns: Vec<_> = local
            .columns
            .iter()
            .filter(|c| !(args.exclude_other && c.field.starts_with("Other: ")))
            .cloned()
            .collect();
        dql::format::write_result(
            sink.as_mut(),
            compiled.request.name.as_deref(),
            &columns,
            &local.result,
        )
        .map_err(|e| super::output_failed(&e))?;
        if local.stats.skipped > 0 {
            let first = local
                .stats
                .first_skipped
                .as_ref()
                .map_or_else(String::new, |at| format!(" (the first: {at})"));
            eprintln!("skipped {} malformed line(s){first}", local.stats.skipped);
        }
        if local.has_more && compiled.request.limit.is_none() {
            eprintln!(
                "note: more rows match than this page of 100; add LIMIT n to get up to n rows"
            );
        }
    }
    sink.finish().map_err(|e| super::output_failed(&e))?;
    drop(sink);
    destination.finish().map_err(|e| super::output_failed(&e))?;
    outcome
}
