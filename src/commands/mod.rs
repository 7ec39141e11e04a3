//! The commands of the `dql` binary that compile queries: shared input handling (sources,
//! parameters, statement selection, diagnostics on stderr).
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

pub(crate) mod check;
pub(crate) mod compile;
pub(crate) mod export;
pub(crate) mod lsp;
pub(crate) mod repl_backend;
pub(crate) mod run;
mod run_local;

use crate::cli::exit;
use dql::{Compilation, Source};
use std::io::{IsTerminal, Read};
use std::path::Path;

/// Reads a file argument (`-` is standard input) into a named source.
pub(crate) fn read_source(path: &Path) -> Result<Source, u8> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return Err(exit::USAGE);
        }
        return Ok(Source::new("<stdin>", text));
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(path.display().to_string(), text)),
            Err(_) => {
                eprintln!("error: {} is not UTF-8 text", path.display());
                Err(exit::USAGE)
            }
        },
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            Err(exit::USAGE)
        }
    }
}

/// Writes `text` to stdout. A reader that has gone away (`dql … | head`) is not an error:
/// the command stops writing and ends quietly with `Err(0)`; another write error is reported.
pub(crate) fn write_stdout(text: &str) -> Result<(), u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| output_failed(&e))
}

/// The exit code for a failed write to stdout: 0, quietly, when the reader has gone (the
/// output was cut short on purpose); otherwise the error is reported as a usage failure.
pub(crate) fn output_failed(error: &std::io::Error) -> u8 {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return 0;
    }
    eprintln!("error: cannot write the output: {error}");
    exit::USAGE
}

/// Renders diagnostics to stderr, in colour on a terminal.
pub(crate) fn print_diagnostics(source: &Source, diagnostics: &[dql::Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let colour = std::io::stderr().is_terminal();
    let width = if colour { 100 } else { 80 };
    eprint!(
        "{}",
        dql::diagnostic::render(source, diagnostics, colour, width)
    );
}

/// Parses `name=value` pairs of `--param`.
pub(crate) fn parse_params(pairs: &[String]) -> Result<dql::semantic::Params, u8> {
    let mut params = dql::semantic::Params::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            eprintln!("error: --param takes name=value, got `{pair}`");
            return Err(exit::USAGE);
        };
        let name = name.trim().trim_start_matches('$');
        if name.is_empty() {
            eprintln!("error: --param `{pair}` has no name");
            return Err(exit::USAGE);
        }
        params.bind(name, value);
    }
    Ok(params)
}

/// Parses `--now`, or takes the clock.
pub(crate) fn parse_now(now: Option<&str>) -> Result<jiff::Timestamp, u8> {
    match now {
        None => Ok(jiff::Timestamp::now()),
        Some(text) => parse_instant(text).ok_or_else(|| {
            eprintln!("error: --now takes an instant such as 2026-11-26T10:00:00Z, got `{text}`");
            exit::USAGE
        }),
    }
}

/// An RFC 3339 instant, or a date-time without offset (UTC), or a date (its midnight, UTC).
pub(crate) fn parse_instant(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return jiff::tz::Offset::UTC.to_timestamp(dt).ok();
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    jiff::tz::Offset::UTC.to_timestamp(date.at(0, 0, 0, 0)).ok()
}

/// Compiles a source and prints its diagnostics; `Err(exit code)` when there are errors.
pub(crate) fn compile_or_report(
    source: &Source,
    options: &dql::Options,
) -> Result<Compilation, u8> {
    let compilation = dql::compile_source(source, options);
    print_diagnostics(source, &compilation.diagnostics);
    if compilation.has_errors() {
        return Err(exit::QUERY);
    }
    Ok(compilation)
}

/// The statements `--name` selects (all of them without it).
pub(crate) fn select_statements<'c>(
    compilation: &'c Compilation,
    name: Option<&str>,
) -> Result<Vec<&'c dql::Compiled>, u8> {
    let Some(name) = name else {
        return Ok(compilation.statements.iter().collect());
    };
    let chosen: Vec<_> = compilation
        .statements
        .iter()
        .filter(|c| c.checked.name.as_deref() == Some(name))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = compilation
            .statements
            .iter()
            .filter_map(|c| c.checked.name.as_deref())
            .collect();
        let known = if names.is_empty() {
            "the file names no statement (annotate one with `-- @name …`)".to_string()
        } else {
            dql::semantic::suggest::closest_list(name, names.iter().copied())
        };
        eprintln!("error: no statement is named `{name}`: {known}");
        return Err(exit::USAGE);
    }
    Ok(chosen)
}

/// Compiles `source` and returns the statements to run (`--name` picks one), refusing several
/// results in a format that cannot separate them.
pub(crate) fn statements_to_run(
    source: &Source,
    options: &dql::Options,
    name: Option<&str>,
    format: dql::format::Format,
) -> Result<Vec<dql::Compiled>, u8> {
    let compilation = compile_or_report(source, options)?;
    let chosen: Vec<dql::Compiled> = select_statements(&compilation, name)?
        .into_iter()
        .cloned()
        .collect();
    if chosen.len() > 1 && !format.separates_results() {
        eprintln!(
            "error: the file holds {} statements and {} cannot separate results: pick one with --name",
            chosen.len(),
            format.name()
        );
        return Err(exit::USAGE);
    }
    Ok(chosen)
}

/// The output sink for `n_results` results.
pub(crate) fn open_sink<'w>(
    format: dql::format::Format,
    n_results: usize,
    out: impl std::io::Write + 'w,
) -> Result<Box<dyn dql::format::Sink + 'w>, u8> {
    if n_results <= 1 {
        return Ok(format.sink(out));
    }
    format.sink_for_several(out).map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })
}

/// The members of a single event worth a column; the rest (entries, contexts, …) are for
/// `--format json`.
const EVENT_COLUMNS: &[&str] = &[
    "eventID",
    "projectSlug",
    "groupID",
    "title",
    "message",
    "type",
    "platform",
    "dateCreated",
    "culprit",
    "location",
];

/// The output plan of a request: its planned columns; for series the time and series columns
/// the rows carry; for a single event its useful members (all of them in json/ndjson).
pub(crate) fn plan(
    request: &dql::lower::Request,
    row_keys: &[String],
    format: dql::format::Format,
) -> Vec<dql::lower::Column> {
    use dql::lower::{Column, Endpoint};
    let column = |k: &str| Column {
        field: k.to_string(),
        label: k.to_string(),
        ty: None,
    };
    match request.endpoint {
        Endpoint::ProjectEvent | Endpoint::EventIdLookup
            if !matches!(
                format,
                dql::format::Format::Json | dql::format::Format::Ndjson
            ) =>
        {
            EVENT_COLUMNS
                .iter()
                .filter(|k| row_keys.iter().any(|r| r == *k))
                .map(|k| column(k))
                .collect()
        }
        // A series keeps the select list's aliases, exactly as the local engine labels it.
        Endpoint::EventsStats => dql::engine::series_columns(&request.columns, row_keys),
        Endpoint::ProjectEvent | Endpoint::EventIdLookup => {
            row_keys.iter().map(|k| column(k)).collect()
        }
        _ if request.columns.is_empty() => row_keys.iter().map(|k| column(k)).collect(),
        _ => request.columns.clone(),
    }
}

/// Applies the configured default project (`--project`, `SENTRY_PROJECT`, `.sentryclirc`) to a
/// request whose statement names none: `projectSlug` goes where lowering puts project params,
/// before `environment` and `dataset`.
pub(crate) fn apply_default_project(request: &mut dql::lower::Request, slug: Option<&str>) {
    use dql::lower::Endpoint;
    let Some(slug) = slug else { return };
    let takes_projects = matches!(
        request.endpoint,
        Endpoint::Events | Endpoint::EventsStats | Endpoint::Issues
    );
    let has_projects = request
        .params
        .iter()
        .any(|(k, _)| k == "project" || k == "projectSlug");
    if !takes_projects || has_projects {
        return;
    }
    let at = request
        .params
        .iter()
        .position(|(k, _)| k == "environment" || k == "dataset")
        .unwrap_or(request.params.len());
    request
        .params
        .insert(at, ("projectSlug".to_string(), slug.to_string()));
}
