//! `dql export`: fetches the raw events a query matches from Sentry (ids from the events
//! endpoint, payloads from the event endpoint) and streams them as NDJSON that
//! `dql run --events` reads back.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use super::{compile_or_report, parse_now, parse_params, print_diagnostics, read_source};
use crate::cli::exit;
use crate::commands::run::report_client_error;
use crate::progress::Progress;
use dql::answer::OutputColumn;
use dql::client::config::{Config, Origin};
use dql::client::error::ClientError;
use dql::client::{Client, RetryPolicy};
use dql::diagnostic::Code;
use dql::lower::{Endpoint, Method, Request};
use dql::semantic::checked::CheckedKind;
use dql::{Compiled, Source};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Events exported per statement when neither `--limit` nor the statement's LIMIT says how many.
pub(crate) const DEFAULT_CAP: u64 = 100_000;

/// Sentry's largest page of the events endpoint.
const PAGE_SIZE: &str = "100";

dql::codes! {
    /// Why a statement cannot be exported.
    pub(crate) enum ExportCode in "export" {
        NotExportable = "not_exportable": "only a SELECT of single events (errors, transactions, discover) or rows (spans, logs) can be exported",
    }
}

/// The datasets `--query` may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Dataset {
    /// Error events.
    Errors,
    /// Transaction events.
    Transactions,
    /// Both.
    Discover,
}

impl Dataset {
    fn name(self) -> &'static str {
        match self {
            Dataset::Errors => "errors",
            Dataset::Transactions => "transactions",
            Dataset::Discover => "discover",
        }
    }
}

/// Arguments of `dql export`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The query file, or `-` for standard input (or give --query instead).
    #[arg(required_unless_present = "query", conflicts_with = "query")]
    file: Option<PathBuf>,
    /// A Sentry search instead of a file, e.g. 'level:error browser.name:Chrome' (projects from
    /// --project, comma-separated).
    #[arg(long, value_name = "SEARCH")]
    query: Option<String>,
    /// With --query: the dataset to search (default errors).
    #[arg(long, value_enum, requires = "query")]
    dataset: Option<Dataset>,
    /// With --query: only events of this environment (repeatable).
    #[arg(long = "environment", value_name = "NAME", requires = "query")]
    environments: Vec<String>,
    /// With --query: a period (24h, 7d) or a date/time; default 14d.
    #[arg(long, requires = "query")]
    since: Option<String>,
    /// With --query and --since: the end (a period ago, or a date/time).
    #[arg(long, requires = "since")]
    until: Option<String>,
    /// Export at most this many events per statement (wins over LIMIT; default: the
    /// statement's LIMIT, else 100000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
    /// Only the statement annotated `-- @name NAME`.
    #[arg(long, conflicts_with = "query")]
    name: Option<String>,
    /// Bind `$name` to a value (repeatable).
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Turn "did you mean" warnings about near names into errors.
    #[arg(long)]
    strict: bool,
    /// The instant relative times count from (default: the clock).
    #[arg(long)]
    now: Option<String>,
    /// Show each request's URL, status and timing on stderr (never the token).
    #[arg(long, short)]
    verbose: bool,
    /// Show progress even when stderr is not a terminal (as plain lines, one a second).
    #[arg(long)]
    progress: bool,
    /// Requests sent at most for one page (retries of 429, 5xx and network failures).
    #[arg(long, default_value_t = 5)]
    retry_tries: u32,
    /// Seconds spent waiting between retries at most.
    #[arg(long, default_value_t = 60)]
    retry_seconds: u64,
    /// Seconds allowed for one response.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// The largest response body read, in MiB after decompression.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    max_response_mb: u64,
}

/// Runs `dql export`.
pub(crate) fn run(args: &Args, config: Result<Config, ClientError>) -> u8 {
    let config = match config {
        Ok(c) => c,
        Err(e) => return report_client_error(e),
    };
    let mut params = match parse_params(&args.params) {
        Ok(p) => p,
        Err(code) => return code,
    };
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
            return exit::USAGE;
        }
        (Some(path), _) => match read_source(path) {
            Ok(s) => s,
            Err(code) => return code,
        },
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
            return exit::USAGE;
        }
    };
    let now = match parse_now(args.now.as_deref()) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let mut options = dql::Options::new(now);
    options.params = params;
    options.strict = args.strict;
    options.org = config.org.as_ref().map(|o| o.value.clone());
    let compilation = match compile_or_report(&source, &options) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let chosen = match super::select_statements(&compilation, args.name.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let refusals: Vec<dql::Diagnostic> = chosen.iter().filter_map(|c| refusal(c)).collect();
    if !refusals.is_empty() {
        print_diagnostics(&source, &refusals);
        return exit::QUERY;
    }
    if chosen.is_empty() {
        eprintln!("error: {} holds no statement to export", source.name());
        return exit::USAGE;
    }
    let progress = Progress::new(args.progress, "events", None);
    let client = match client(args, &config, &progress) {
        Ok(c) => c,
        Err(e) => return report_client_error(e),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut tally = Tally {
        progress,
        ..Tally::default()
    };
    for compiled in &chosen {
        let limit = args.limit.or(compiled.request.limit).unwrap_or(DEFAULT_CAP);
        let rows = matches!(&compiled.checked.kind,
            CheckedKind::Events(q) if matches!(q.dataset.as_str(), "spans" | "logs"));
        let outcome = if rows {
            export_rows(
                &client,
                &rows_request(&compiled.request, limit),
                &mut out,
                &mut tally,
            )
        } else {
            let request = ids_request(&compiled.request, limit);
            export(&client, &request, &mut out, &mut tally)
        };
        match outcome {
            // Whoever gave a limit got what they asked for; only the silent cap is worth a note.
            Ok(more) => {
                if more && args.limit.is_none() && compiled.request.limit.is_none() {
                    eprintln!(
                        "note: stopped at the default cap of {DEFAULT_CAP} events; Sentry has more (pass --limit N)"
                    );
                }
            }
            Err(Failure::Client(e)) => {
                tally.finish_progress();
                // The events written are not all the query matches: say so where a reader of
                // the file (`dql run --events`, jq) stops, not only on stderr.
                if tally.exported > 0 {
                    let _ = writeln!(out, "{}", dql::format::INCOMPLETE_MARK);
                }
                let _ = out.flush();
                tally.summary();
                if tally.exported > 0 {
                    eprintln!(
                        "error: the export is incomplete: it failed after {} event(s) were written",
                        tally.exported
                    );
                }
                return report_client_error(e);
            }
            Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // The reader went away (`| head`): what it read is what it wanted.
                tally.finish_progress();
                return 0;
            }
            Err(Failure::Io(e)) => {
                tally.finish_progress();
                eprintln!("error: cannot write the output: {e}");
                return exit::USAGE;
            }
        }
    }
    tally.finish_progress();
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
            return exit::USAGE;
        }
    }
    tally.summary();
    0
}

/// The DQL text `--query` stands for. The search goes into WHERE as written; projects,
/// environments and times become parameters, so they are checked and quoted like any value.
fn query_source(
    args: &Args,
    search: &str,
    projects: &str,
    params: &mut dql::semantic::Params,
) -> Source {
    let dataset = args.dataset.unwrap_or(Dataset::Errors).name();
    let mut text = format!("SELECT id, project FROM {dataset}");
    if !search.trim().is_empty() {
        text.push_str("\nWHERE ");
        text.push_str(search);
    }
    let mut list = |clause: &str, prefix: &str, items: &mut dyn Iterator<Item = &str>| {
        let mut names = Vec::new();
        for (i, item) in items.enumerate() {
            let name = format!("export_{prefix}_{i}");
            params.bind(name.as_str(), item);
            names.push(format!("${name}"));
        }
        if !names.is_empty() {
            text.push_str(&format!("\n{clause} {}", names.join(", ")));
        }
    };
    list(
        "PROJECT",
        "project",
        &mut projects.split(',').map(str::trim).filter(|p| !p.is_empty()),
    );
    list(
        "ENVIRONMENT",
        "environment",
        &mut args.environments.iter().map(String::as_str),
    );
    if let Some(since) = &args.since {
        params.bind("export_since", since.as_str());
        text.push_str("\nSINCE $export_since");
        if let Some(until) = &args.until {
            params.bind("export_until", until.as_str());
            text.push_str(" UNTIL $export_until");
        }
    }
    text.push('\n');
    Source::new("--query", text)
}

/// Why a statement cannot be exported, as a diagnostic at the statement; `None` when it can.
fn refusal(compiled: &Compiled) -> Option<dql::Diagnostic> {
    let reason = match &compiled.checked.kind {
        CheckedKind::Events(q) if q.interval.is_some() => {
            "a time series (INTERVAL) has no events to export".to_owned()
        }
        CheckedKind::Events(q) if q.aggregate => {
            "an aggregate query (functions, GROUP BY or DISTINCT) returns groups, not events"
                .to_owned()
        }
        CheckedKind::Events(q)
            if !matches!(
                q.dataset.as_str(),
                "errors" | "transactions" | "discover" | "spans" | "logs"
            ) =>
        {
            format!("the {} dataset has no event payloads to fetch", q.dataset)
        }
        CheckedKind::Events(_) if compiled.request.endpoint == Endpoint::Events => return None,
        CheckedKind::Events(_) => "this query does not list events".to_owned(),
        CheckedKind::Issues(_) => "issues are not events".to_owned(),
        CheckedKind::ShowEvent(_) => "SHOW EVENT fetches one event: use `dql run`".to_owned(),
        CheckedKind::UpdateIssues(_) => "UPDATE changes issues; it lists no events".to_owned(),
    };
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

/// The events request listing the ids to export: the statement's filter, projects,
/// environments, time range and order, selecting only `id` and `project` (and what the order
/// needs), newest first when the statement has no ORDER BY, in pages of 100 up to `limit`.
fn ids_request(request: &Request, limit: u64) -> Request {
    let mut sort: Vec<String> = request
        .params
        .iter()
        .filter(|(k, _)| k == "sort")
        .map(|(_, v)| v.clone())
        .collect();
    // Newest first without ORDER BY; ties broken by time and id so pages never overlap.
    for tiebreak in ["-timestamp", "id"] {
        let field = tiebreak.trim_start_matches('-');
        if !sort.iter().any(|s| s.trim_start_matches('-') == field) {
            sort.push(tiebreak.to_owned());
        }
    }
    // Sentry sorts only by selected fields.
    let mut fields = vec!["id".to_owned(), "project".to_owned()];
    for key in &sort {
        let field = key.strip_prefix('-').unwrap_or(key);
        if !fields.iter().any(|f| f == field) {
            fields.push(field.to_owned());
        }
    }
    let mut params: Vec<(String, String)> = fields
        .iter()
        .map(|f| ("field".to_owned(), f.clone()))
        .collect();
    params.extend(
        request
            .params
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "field" | "sort" | "per_page" | "cursor"))
            .cloned(),
    );
    params.extend(sort.into_iter().map(|s| ("sort".to_owned(), s)));
    params.push(("per_page".to_owned(), PAGE_SIZE.to_owned()));
    let column = |f: &str| OutputColumn {
        field: f.to_owned(),
        label: f.to_owned(),
        ty: None,
    };
    Request {
        name: request.name.clone(),
        method: Method::Get,
        endpoint: Endpoint::Events,
        path: request.path.clone(),
        params,
        body: None,
        columns: vec![column("id"), column("project")],
        hidden: fields.iter().skip(2).cloned().collect(),
        limit: Some(limit),
        update: None,
        fallback: None,
        compare: None,
    }
}

/// The events request whose rows are the export of a spans or logs statement: its own fields
/// plus `id`, `project` and `timestamp` (what `--events` needs to place each row), newest
/// first without ORDER BY, in pages of 100 up to `limit`. Each row is written as it comes:
/// one flat object per span or log keyed by attribute (README "Exported spans and logs").
fn rows_request(request: &Request, limit: u64) -> Request {
    let mut request = request.clone();
    for needed in ["id", "project", "timestamp"] {
        let present = request
            .params
            .iter()
            .any(|(k, v)| k == "field" && v == needed);
        if !present {
            request.params.push(("field".to_owned(), needed.to_owned()));
            request.hidden.push(needed.to_owned());
        }
    }
    if !request.params.iter().any(|(k, _)| k == "sort") {
        request
            .params
            .push(("sort".to_owned(), "-timestamp".to_owned()));
    }
    request.params.retain(|(k, _)| k != "per_page");
    request
        .params
        .push(("per_page".to_owned(), PAGE_SIZE.to_owned()));
    request.limit = Some(limit);
    request
}

/// Writes every row of `request` (spans or logs) as one NDJSON line; `true` when Sentry has
/// more rows than the limit.
fn export_rows(
    client: &Client,
    request: &Request,
    out: &mut dyn Write,
    tally: &mut Tally,
) -> Result<bool, Failure> {
    let mut more = false;
    for page in client.pages(request) {
        let page = page.map_err(Failure::Client)?;
        more = page.has_more;
        for row in page.rows {
            serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            tally.written();
        }
        tally.progress.page();
    }
    Ok(more)
}

/// The request for one event's payload.
fn event_request(project: &str, id: &str) -> Request {
    Request {
        name: None,
        method: Method::Get,
        endpoint: Endpoint::ProjectEvent,
        path: format!("/api/0/projects/{{org}}/{project}/events/{id}/"),
        params: Vec::new(),
        body: None,
        columns: Vec::new(),
        hidden: Vec::new(),
        limit: None,
        update: None,
        fallback: None,
        compare: None,
    }
}

/// Why an export stopped.
enum Failure {
    Client(ClientError),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// What was exported so far, for progress and the summary.
struct Tally {
    exported: u64,
    /// Listed ids whose event is gone (404): deleted or expired since the listing.
    missing: u64,
    /// Listed rows without a usable id or project slug.
    unusable: u64,
    progress: Progress,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            exported: 0,
            missing: 0,
            unusable: 0,
            progress: Progress::hidden("events"),
        }
    }
}

impl Tally {
    /// One more event or row written.
    fn written(&mut self) {
        self.exported += 1;
        self.progress.inc(1);
    }

    fn finish_progress(&mut self) {
        self.progress.finish();
    }

    fn summary(&self) {
        let mut line = format!(
            "exported {} event{}",
            self.exported,
            if self.exported == 1 { "" } else { "s" }
        );
        if self.missing > 0 {
            line.push_str(&format!(
                "; skipped {} no longer found (404: deleted or expired since they were listed)",
                self.missing
            ));
        }
        if self.unusable > 0 {
            line.push_str(&format!(
                "; skipped {} listed without a usable id or project",
                self.unusable
            ));
        }
        eprintln!("{line}");
    }
}

/// Exports the events `request` lists; returns whether Sentry has more than were exported.
fn export(
    client: &Client,
    request: &Request,
    out: &mut dyn Write,
    tally: &mut Tally,
) -> Result<bool, Failure> {
    let mut more = false;
    for page in client.pages(request) {
        let page = page.map_err(Failure::Client)?;
        more = page.has_more;
        for row in &page.rows {
            let (Some(id), Some(project)) = (event_id(row), project_slug(row)) else {
                tally.unusable += 1;
                continue;
            };
            match client.execute(&event_request(&project, &id)) {
                Ok(execution) => {
                    let Some(mut event) = execution.result.data.into_iter().next() else {
                        tally.unusable += 1;
                        continue;
                    };
                    event.insert("projectSlug".to_owned(), Value::String(project));
                    serde_json::to_writer(&mut *out, &event).map_err(std::io::Error::from)?;
                    out.write_all(b"\n")?;
                    tally.written();
                }
                Err(ClientError::NotFound { .. }) => tally.missing += 1,
                Err(e) => {
                    out.flush()?;
                    return Err(Failure::Client(e));
                }
            }
        }
        out.flush()?;
        tally.progress.page();
    }
    Ok(more)
}

/// The row's event id, when it is one (32 hex digits; it goes into a path).
fn event_id(row: &dql::result::Row) -> Option<String> {
    let id = row.get("id")?.as_str()?.replace('-', "");
    (id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())).then_some(id)
}

/// The row's project slug (`project`, else the `project.name` Sentry adds), when it is a slug.
fn project_slug(row: &dql::result::Row) -> Option<String> {
    let slug = ["project", "project.name"]
        .iter()
        .find_map(|k| row.get(*k).and_then(Value::as_str))?;
    let valid = !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && slug != "."
        && slug != "..";
    valid.then(|| slug.to_owned())
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

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "test code")]
mod tests {
    use super::*;

    fn compiled_request(text: &str) -> Request {
        let now = "2026-11-26T10:00:00Z".parse().unwrap_or_default();
        let compilation =
            dql::compile_source(&Source::new("t", text), &dql::Options::new(now).org("acme"));
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        compilation.statements[0].request.clone()
    }

    #[test]
    fn ids_request_keeps_the_filter_and_order_and_selects_ids() {
        let request = compiled_request(
            "SELECT title FROM errors WHERE level:error PROJECT web ENVIRONMENT prod \
             SINCE 24h ORDER BY title LIMIT 5",
        );
        let ids = ids_request(&request, 500);
        let get = |k: &str| -> Vec<&str> {
            ids.params
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("field"), ["id", "project", "title", "timestamp"]);
        assert_eq!(get("sort"), ["title", "-timestamp", "id"]);
        assert_eq!(get("query"), ["level:error"]);
        assert_eq!(get("projectSlug"), ["web"]);
        assert_eq!(get("environment"), ["prod"]);
        assert_eq!(get("statsPeriod"), ["24h"]);
        assert_eq!(get("per_page"), ["100"]);
        assert_eq!(ids.limit, Some(500));
    }

    #[test]
    fn without_order_by_the_newest_come_first() {
        let ids = ids_request(&compiled_request("SELECT id FROM transactions"), 10);
        let sort: Vec<&str> = ids
            .params
            .iter()
            .filter(|(k, _)| k == "sort")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(sort, ["-timestamp", "id"]);
        assert!(ids.params.contains(&("field".into(), "timestamp".into())));
    }

    #[test]
    fn only_usable_ids_and_slugs_go_into_paths() {
        let row = |id: Value, project: Value| {
            let mut row = dql::result::Row::new();
            row.insert("id".into(), id);
            row.insert("project".into(), project);
            row
        };
        let good = row(
            Value::from("0123456789abcdef0123456789abcdef"),
            Value::from("web-app"),
        );
        assert!(event_id(&good).is_some() && project_slug(&good).is_some());
        let bad = row(Value::from("../../x"), Value::from("a/b"));
        assert_eq!((event_id(&bad), project_slug(&bad)), (None, None));
    }
}
