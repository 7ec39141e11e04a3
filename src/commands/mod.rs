//! The commands of the `dql` binary, one module each, each returning `Result<(), Exit>`
//! ([`exit`]), and their shared input handling (sources, parameters, statement selection,
//! diagnostics on stderr).
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

pub(crate) mod catalog;
pub(crate) mod check;
pub(crate) mod compile;
pub(crate) mod complete;
pub(crate) mod config;
pub(crate) mod cost;
pub(crate) mod exit;
pub(crate) mod export;
mod export_args;
mod export_fetch;
mod export_listing;
mod export_resume;
mod export_step;
pub(crate) mod fmt;
pub(crate) mod lsp;
pub(crate) mod migrate;
pub(crate) mod output;
pub(crate) mod repl;
pub(crate) mod repl_backend;
pub(crate) mod run;
mod run_local;
mod run_progress;
pub(crate) mod saved;
pub(crate) mod saved_remote;

use dql::{Compilation, Source};
use exit::Exit;
use std::io::{IsTerminal, Read};
use std::path::Path;

/// Where a command's queries come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    /// A file, or `-` for standard input.
    Path(&'a Path),
    /// Text given on the command line (`-e`, `-c`).
    Text(&'a str),
    /// Text already read from standard input (queries piped into plain `dql`).
    Piped(&'a str),
}

/// Reads the queries of `input` into a named source, and warns (one line) about a source that
/// holds nothing to run.
pub(crate) fn read_input(input: Input<'_>) -> Result<Source, Exit> {
    let source = match input {
        Input::Path(path) => read_source(path)?,
        Input::Text(text) => Source::new("<command line>", text),
        Input::Piped(text) => Source::new("<stdin>", text),
    };
    warn_if_empty(&source);
    Ok(source)
}

/// One-line warnings for a source with no statement: empty, comments only, or annotations
/// left dangling after the last statement.
pub(crate) fn warn_if_empty(source: &Source) {
    let parsed = dql::syntax::parse(source);
    let name = source.name();
    if source.text().trim().is_empty() {
        eprintln!("warning: {name} is empty: there is no query to run");
    } else if parsed.file.statements.is_empty() && parsed.diagnostics.is_empty() {
        eprintln!("warning: {name} holds only comments: there is no query to run");
    }
    for comment in &parsed.file.trailing_comments {
        let text = comment.text.trim_start();
        if !comment.block && text.starts_with('@') {
            let (line, _) = source.line_col(comment.span.start as usize);
            eprintln!(
                "warning: {name}:{line}: `--{}` annotates no statement (an annotation goes on the lines just above its statement)",
                comment.text
            );
        }
    }
}

/// One-line warnings for `--param` bindings that no statement of `source` uses (only the
/// statement `name` is in `source` when `--name` chose it).
pub(crate) fn warn_unused_params(
    source: &Source,
    params: &dql::semantic::Params,
    name: Option<&str>,
) {
    let used: std::collections::BTreeSet<&str> = crate::repl::lex::tokens(source.text())
        .iter()
        .filter(|t| t.kind == crate::repl::lex::Kind::Param)
        .filter_map(|t| source.text().get(t.start + 1..t.end))
        .collect();
    for (param, _) in params.iter() {
        if !used.contains(param) {
            match name {
                Some(chosen) => eprintln!(
                    "warning: --param {param} is not used: statement `@{chosen}` does not mention `${param}`"
                ),
                None => eprintln!(
                    "warning: --param {param} is not used: no statement mentions `${param}`"
                ),
            }
        }
    }
}

/// A statement's name for messages: "`@name` (line N)" or "line N".
/// With several statements, names the one whose failure is reported next (with one, the
/// diagnostic's own label says where).
pub(crate) fn say_which_failed(source: &Source, compiled: &dql::Compiled, n_statements: usize) {
    if n_statements > 1 {
        eprintln!("error: {} failed:", statement_label(source, compiled));
    }
}

pub(crate) fn statement_label(source: &Source, compiled: &dql::Compiled) -> String {
    let (line, _) = source.line_col(compiled.checked.span.start as usize);
    match &compiled.checked.name {
        Some(name) => format!("statement `@{name}` (line {line})"),
        None => format!("the statement at line {line}"),
    }
}

/// `source` with every statement but those annotated `-- @name NAME` blanked out (spaces,
/// newlines kept, so offsets and lines stay those of the file): the others are then neither
/// checked nor need their parameters. `Err` names the known statements when none matches.
pub(crate) fn only_named(source: &Source, name: &str) -> Result<Source, Exit> {
    let parsed = dql::syntax::parse(source);
    let names_of = |s: &dql::syntax::ast::Statement| -> Option<String> {
        s.annotations
            .iter()
            .find(|a| a.key.node == "name")
            .map(|a| a.value.node.clone())
    };
    let keep: Vec<(usize, usize)> = parsed
        .file
        .statements
        .iter()
        .filter(|s| names_of(s).as_deref() == Some(name))
        .map(|s| {
            let start = s
                .annotations
                .iter()
                .map(|a| a.span.start)
                .chain(s.comments.iter().map(|c| c.span.start))
                .chain([s.span.start])
                .min()
                .unwrap_or(s.span.start);
            (start as usize, s.span.end as usize)
        })
        .collect();
    if keep.is_empty() {
        let names: Vec<String> = parsed.file.statements.iter().filter_map(names_of).collect();
        let known = if names.is_empty() {
            "the file names no statement (annotate one with `-- @name …`)".to_string()
        } else {
            dql::semantic::suggest::closest_list(name, names.iter().map(String::as_str))
        };
        eprintln!("error: no statement is named `{name}`: {known}");
        return Err(Exit::USAGE);
    }
    let text: String = source
        .text()
        .char_indices()
        .map(|(at, c)| {
            let kept = keep.iter().any(|&(start, end)| (start..=end).contains(&at));
            if kept || c == '\n' {
                c.to_string()
            } else {
                // As many spaces as bytes, so that offsets stay those of the file.
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    // `;` after a kept statement is blanked too; the parser does not need it at the end.
    Ok(Source::new(source.name(), text))
}

/// Reads a file argument (`-` is standard input) into a named source.
pub(crate) fn read_source(path: &Path) -> Result<Source, Exit> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return Err(Exit::USAGE);
        }
        return Ok(Source::new("<stdin>", strip_bom(text)));
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Source::new(path.display().to_string(), strip_bom(text))),
            Err(_) => {
                eprintln!("error: {} is not UTF-8 text", path.display());
                Err(Exit::USAGE)
            }
        },
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            Err(Exit::USAGE)
        }
    }
}

/// The text without a leading UTF-8 byte-order mark (editors on Windows write one).
fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// Writes `text` to stdout. A reader that has gone away (`dql … | head`) is not an error:
/// the command stops writing and ends quietly with `Err(Exit::READER_GONE)`; another write
/// error is reported.
pub(crate) fn write_stdout(text: &str) -> Result<(), Exit> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| output_failed(&e))
}

/// The exit status for a failed write to stdout: [`Exit::READER_GONE`], quietly, when the
/// reader has gone (the output was cut short on purpose); otherwise the error is reported as
/// a usage failure.
pub(crate) fn output_failed(error: &std::io::Error) -> Exit {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Exit::READER_GONE;
    }
    eprintln!("error: cannot write the output: {error}");
    Exit::USAGE
}

/// Whether stderr gets colour: a terminal, and `NO_COLOR` unset or empty (no-color.org).
pub(crate) fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour and wrapping width of diagnostics on stderr: on a terminal, colour (unless
/// `NO_COLOR`) and its width; on a pipe or file, neither, so that a message is never cut
/// mid-sentence for a log or a grep (rustc does not wrap either).
pub(crate) fn stderr_style() -> (bool, Option<usize>) {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return (false, None);
    }
    let width = terminal_size::terminal_size_of(stderr).map_or(100, |(w, _)| usize::from(w.0));
    (stderr_colour(), Some(width))
}

/// Renders diagnostics to stderr, in colour on a terminal unless `NO_COLOR` is set.
pub(crate) fn print_diagnostics(source: &Source, diagnostics: &[dql::Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let (colour, width) = stderr_style();
    eprint!(
        "{}",
        dql::diagnostic::render_with(source, diagnostics, colour, width)
    );
}

/// Renders an error that has no query source (HTTP, configuration, files) to stderr, in the
/// same style as query diagnostics.
pub(crate) fn print_report(error: &dyn miette::Diagnostic) {
    let (colour, width) = stderr_style();
    eprint!("{}", dql::diagnostic::render_report(error, colour, width));
}

/// Parses `name=value` pairs of `--param`.
pub(crate) fn parse_params(pairs: &[String]) -> Result<dql::semantic::Params, Exit> {
    let mut params = dql::semantic::Params::new();
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            eprintln!("error: --param takes name=value, got `{pair}`");
            return Err(Exit::USAGE);
        };
        let name = name.trim().trim_start_matches('$');
        if name.is_empty() {
            eprintln!("error: --param `{pair}` has no name");
            return Err(Exit::USAGE);
        }
        // The names a query can write as `$name`: a letter or `_`, then letters, digits, `_`.
        let is_name = name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        if !is_name {
            eprintln!(
                "error: --param `{pair}`: `{name}` is not a parameter name (a letter or `_`, then letters, digits or `_`, as in `$name`)"
            );
            return Err(Exit::USAGE);
        }
        params.bind(name, value);
    }
    Ok(params)
}

/// Parses `--now`, or takes the clock.
pub(crate) fn parse_now(now: Option<&str>) -> Result<jiff::Timestamp, Exit> {
    match now {
        None => Ok(jiff::Timestamp::now()),
        Some(text) => parse_instant(text).ok_or_else(|| {
            eprintln!("error: --now takes an instant such as 2026-11-26T10:00:00Z, got `{text}`");
            Exit::USAGE
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

/// Whether the configured Sentry is sentry.io (set once by `main`): there, queries over the
/// deprecated `transactions` and `discover` datasets get a warning with a fix-it.
static SENTRY_IO: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records whether the configured Sentry URL is sentry.io (or one of its regions).
pub(crate) fn set_sentry_url(url: &str) {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let sentry_io = host == "sentry.io" || host.ends_with(".sentry.io");
    SENTRY_IO.store(sentry_io, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the configured Sentry is sentry.io (where `transactions` and `discover` are
/// deprecated).
pub(crate) fn sentry_io() -> bool {
    SENTRY_IO.load(std::sync::atomic::Ordering::Relaxed)
}

/// [`dql::compile_source`], plus the deprecated-dataset warnings when the Sentry is sentry.io.
pub(crate) fn compile_for_sentry(source: &Source, options: &dql::Options) -> Compilation {
    let mut compilation = dql::compile_source_with(source, options, crate::live_catalog::catalog());
    if SENTRY_IO.load(std::sync::atomic::Ordering::Relaxed) {
        let warnings = dql::migrate::deprecation_warnings(source, crate::live_catalog::catalog());
        if !warnings.is_empty() {
            compilation.diagnostics.extend(warnings);
            compilation
                .diagnostics
                .sort_by_key(|d| (d.span().start, d.span().end));
        }
    }
    compilation
}

/// Compiles a source and prints its diagnostics; `Err` when there are errors.
pub(crate) fn compile_or_report(
    source: &Source,
    options: &dql::Options,
) -> Result<Compilation, Exit> {
    let compilation = compile_for_sentry(source, options);
    print_diagnostics(source, &compilation.diagnostics);
    if compilation.has_errors() {
        return Err(Exit::QUERY);
    }
    Ok(compilation)
}

/// The statements `--name` selects (all of them without it).
pub(crate) fn select_statements<'c>(
    compilation: &'c Compilation,
    name: Option<&str>,
) -> Result<Vec<&'c dql::Compiled>, Exit> {
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
        return Err(Exit::USAGE);
    }
    Ok(chosen)
}

/// Compiles `source` and returns the statements to run (`--name` picks one). Every format
/// holds several results (see `dql::format`), so none is refused. With `keep_going`,
/// statements with errors are reported and left out instead of stopping the run; the flag in
/// the answer says some were.
pub(crate) fn statements_to_run(
    source: &Source,
    options: &dql::Options,
    name: Option<&str>,
    keep_going: bool,
) -> Result<(Vec<dql::Compiled>, bool), Exit> {
    let compilation = compile_for_sentry(source, options);
    print_diagnostics(source, &compilation.diagnostics);
    let failed = compilation.has_errors();
    if failed && (!keep_going || compilation.statements.is_empty()) {
        return Err(Exit::QUERY);
    }
    let chosen: Vec<dql::Compiled> = select_statements(&compilation, name)?
        .into_iter()
        .cloned()
        .collect();
    if failed {
        let others = match chosen.len() {
            1 => "the other one runs".to_owned(),
            n => format!("the {n} others run"),
        };
        eprintln!("note: statements with errors are left out; {others} (--keep-going)");
    }
    Ok((chosen, failed))
}
