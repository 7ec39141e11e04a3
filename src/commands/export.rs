//! `dql export`: fetches the raw events a query matches from Sentry (ids from the events
//! endpoint, payloads from the event endpoint) and streams them as NDJSON that
//! `dql run --events` reads back.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use super::exit::Exit;
use super::export_fetch::{self, Fetched};
use super::export_listing::Listing;
use super::export_resume::{self, Sink};
use super::{compile_or_report, parse_now, parse_params, print_diagnostics, read_source};
use crate::commands::run::report_client_error;
use crate::progress::Progress;
use dql::answer::OutputColumn;
use dql::client::config::{Config, Origin};
use dql::client::error::ClientError;
use dql::client::{Client, RetryPolicy};
use dql::diagnostic::Code;
use dql::lower::time::format_instant;
use dql::lower::{Endpoint, Method, Request};
use dql::semantic::checked::{CheckedKind, TimePoint, TimeRange};
use dql::{Compiled, Source};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
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
    /// Write to FILE and keep a checkpoint beside it (FILE.checkpoint): run the same command
    /// again after an interruption and it continues where it stopped, without duplicates.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// Fetch each event's payload by its id even where the project's events listing (a
    /// hundred whole events a request) serves the query.
    #[arg(long)]
    per_event: bool,
    /// Event payloads fetched at once (within the rate limits Sentry announces).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    concurrency: u64,
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
            eprintln!("error: {e}");
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
    let plans: Vec<Plan> = chosen.iter().map(|c| Plan::new(c, args, now)).collect();
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
                eprintln!("error: {e}");
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
            match &plan.listing {
                Some(listing) => {
                    let cursor = request
                        .params
                        .iter()
                        .find(|(k, _)| k == "cursor")
                        .map(|(_, v)| v.clone());
                    let done = plan.limit - request.limit.unwrap_or(plan.limit);
                    step.listing(
                        listing,
                        &count_request(&plan.request),
                        plan.limit,
                        cursor,
                        skip,
                        done,
                    )
                }
                None => step.pages(&request, plan.rows, skip),
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
    if let Err(e) = sink.complete() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
            return Err(Exit::USAGE);
        }
    }
    tally.summary();
    Ok(())
}

/// What one statement exports: the request listing it (time made absolute, so a resume asks
/// for the same range), and how.
struct Plan {
    request: Request,
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
    fn new(compiled: &Compiled, args: &Args, now: jiff::Timestamp) -> Plan {
        let limit = args.limit.or(compiled.request.limit).unwrap_or(DEFAULT_CAP);
        let rows = matches!(&compiled.checked.kind,
            CheckedKind::Events(q) if matches!(q.dataset.as_str(), "spans" | "logs"));
        let mut request = if rows {
            rows_request(&compiled.request, limit)
        } else {
            ids_request(&compiled.request, limit)
        };
        let mut listing = None;
        if let CheckedKind::Events(q) = &compiled.checked.kind {
            if let Some((start, end)) = absolute_time(&mut request, &q.time, now) {
                if !rows && !args.per_event {
                    listing = Listing::serving(compiled, start, end, now);
                }
            }
        }
        Plan {
            request,
            listing,
            limit,
            rows,
            default_cap: args.limit.is_none() && compiled.request.limit.is_none(),
        }
    }
}

/// Replaces the relative time params (`statsPeriod…`, which Sentry resolves at each request)
/// by the `start`/`end` they denote at `now`.
fn absolute_time(
    request: &mut Request,
    range: &TimeRange,
    now: jiff::Timestamp,
) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
    let point = |p: &TimePoint, until: bool| -> Option<jiff::Timestamp> {
        match p {
            TimePoint::Ago(period) => {
                let seconds = i64::try_from(period.seconds).ok()?;
                now.checked_sub(jiff::SignedDuration::from_secs(seconds))
                    .ok()
            }
            TimePoint::At(t) => Some(*t),
            TimePoint::Day(d) => {
                let day = if until { d.tomorrow().ok()? } else { *d };
                let seconds = day
                    .duration_since(jiff::civil::Date::constant(1970, 1, 1))
                    .as_secs();
                jiff::Timestamp::from_second(seconds).ok()
            }
        }
    };
    let start = match &range.since {
        Some(p) => point(p, false),
        None => now
            .checked_sub(jiff::SignedDuration::from_hours(14 * 24))
            .ok(),
    };
    let end = match &range.until {
        Some(p) => point(p, true),
        None => Some(now),
    };
    let (Some(start), Some(end)) = (start, end) else {
        return None;
    };
    request.params.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "statsPeriod" | "statsPeriodStart" | "statsPeriodEnd" | "start" | "end"
        )
    });
    request
        .params
        .push(("start".to_owned(), format_instant(start)));
    request.params.push(("end".to_owned(), format_instant(end)));
    Some((start, end))
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
        split: None,
    }
}

/// Sentry's count of what the ids request `ids` lists (one row, `count()`).
fn count_request(ids: &Request) -> Request {
    let mut params: Vec<(String, String)> = vec![("field".to_owned(), "count()".to_owned())];
    params.extend(
        ids.params
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "field" | "sort" | "per_page" | "cursor"))
            .cloned(),
    );
    params.push(("per_page".to_owned(), "1".to_owned()));
    Request {
        params,
        columns: Vec::new(),
        hidden: Vec::new(),
        limit: Some(1),
        ..ids.clone()
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
        split: None,
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
    /// `n` more events or rows written.
    fn written(&mut self, n: u64) {
        self.exported += n;
        self.progress.inc(n);
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

/// Exporting one statement's pages: the client, where they go, what was done.
struct Step<'a> {
    client: &'a Client,
    sink: &'a mut Sink,
    tally: &'a mut Tally,
    statement: usize,
    workers: usize,
}

impl Step<'_> {
    /// Exports the pages of `request`: spans and logs (`rows`) as listed, events by fetching
    /// each listed event's payload (`workers` at once). Each page is written whole and then
    /// checkpointed; ids in `skip` (the last page before a resume) are not written again.
    /// Returns whether Sentry has more than were exported.
    fn pages(
        &mut self,
        request: &Request,
        rows: bool,
        mut skip: HashSet<String>,
    ) -> Result<bool, Failure> {
        let mut more = false;
        let mut pages = self.client.pages(request);
        while let Some(page) = pages.next() {
            let page = page.map_err(Failure::Client)?;
            more = page.has_more;
            let cursor = pages.next_cursor().map(str::to_owned);
            let mut lines = Vec::new();
            let mut ids = Vec::new();
            if rows {
                for row in page.rows {
                    let id = row.get("id").and_then(Value::as_str).map(str::to_owned);
                    if id.as_ref().is_some_and(|id| skip.contains(id)) {
                        continue;
                    }
                    serde_json::to_writer(&mut lines, &row).map_err(std::io::Error::from)?;
                    lines.push(b'\n');
                    ids.push(id.unwrap_or_default());
                }
            } else {
                let mut jobs = Vec::new();
                for row in &page.rows {
                    match (event_id(row), project_slug(row)) {
                        (Some(id), _) if skip.contains(&id) => {}
                        (Some(id), Some(project)) => jobs.push((project, id)),
                        _ => self.tally.unusable += 1,
                    }
                }
                let (fetched, error) =
                    export_fetch::payloads(self.client, &jobs, self.workers, event_request);
                for ((project, id), fetched) in jobs.into_iter().zip(fetched) {
                    match fetched {
                        Fetched::Event(mut event) => {
                            event.insert("projectSlug".to_owned(), Value::String(project));
                            serde_json::to_writer(&mut lines, &event)
                                .map_err(std::io::Error::from)?;
                            lines.push(b'\n');
                            ids.push(id);
                        }
                        Fetched::Missing => self.tally.missing += 1,
                        Fetched::Unusable => self.tally.unusable += 1,
                    }
                }
                if let Some(error) = error {
                    // What came before the failure is written (not checkpointed: a resume
                    // fetches the whole page again).
                    self.sink.unchecked(&lines)?;
                    self.tally.written(ids.len() as u64);
                    return Err(Failure::Client(error));
                }
            }
            // Only the page right after a resume can repeat the last one's events.
            skip.clear();
            let n = ids.len() as u64;
            let last = pages.is_done();
            self.sink
                .page(&lines, n, self.statement, cursor, ids, last)?;
            self.tally.written(n);
            self.tally.progress.page();
        }
        Ok(more)
    }
}

impl Step<'_> {
    /// Exports `listing`'s events (whole payloads, a hundred a request), at most `limit`, from
    /// `cursor` on, `skip` holding the ids of the page before; checks the count against
    /// Sentry's. Returns whether the limit stopped it.
    fn listing(
        &mut self,
        listing: &Listing,
        count_request: &Request,
        limit: u64,
        mut cursor: Option<String>,
        mut skip: HashSet<String>,
        mut written: u64,
    ) -> Result<bool, Failure> {
        let count = self
            .client
            .execute(count_request)
            .map_err(Failure::Client)?
            .result
            .data
            .first()
            .and_then(|row| row.get("count()"))
            .and_then(Value::as_u64);
        let wanted = count.map_or(limit, |c| c.min(limit));
        self.tally
            .progress
            .set_total(Some(self.tally.exported + wanted.saturating_sub(written)));
        let path = listing.path();
        let mut more = false;
        // Pages of only newer events in a row: a project busier than the listing is fast.
        let mut idle = 0;
        loop {
            let mut params = vec![
                ("full".to_owned(), "true".to_owned()),
                ("per_page".to_owned(), PAGE_SIZE.to_owned()),
            ];
            if let Some(cursor) = &cursor {
                params.push(("cursor".to_owned(), cursor.clone()));
            }
            let page = self
                .client
                .get_json_page(&path, &params)
                .map_err(Failure::Client)?;
            let Value::Array(events) = page.body else {
                return Err(Failure::Client(ClientError::BadResponse {
                    status: 200,
                    reason: "the project's events are not a JSON array".to_owned(),
                }));
            };
            let mut lines = Vec::new();
            let mut ids = Vec::new();
            let mut stop = page.next.is_none();
            for event in events {
                let Value::Object(mut event) = event else {
                    self.tally.unusable += 1;
                    continue;
                };
                match listing.place(&event) {
                    None => {
                        self.tally.unusable += 1;
                        continue;
                    }
                    Some(std::cmp::Ordering::Greater) => continue,
                    Some(std::cmp::Ordering::Less) => {
                        stop = true;
                        break;
                    }
                    Some(std::cmp::Ordering::Equal) => {}
                }
                let id = ["eventID", "id"]
                    .iter()
                    .find_map(|k| event.get(*k).and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                // An event ingested meanwhile shifts the offsets: the last page's come again.
                if skip.contains(&id) {
                    continue;
                }
                if written + ids.len() as u64 >= limit {
                    more = true;
                    stop = true;
                    break;
                }
                event.insert(
                    "projectSlug".to_owned(),
                    Value::String(listing.project.clone()),
                );
                serde_json::to_writer(&mut lines, &event).map_err(std::io::Error::from)?;
                lines.push(b'\n');
                ids.push(id);
            }
            idle = if ids.is_empty() && !stop { idle + 1 } else { 0 };
            if idle > 50 {
                return Err(Failure::Client(ClientError::Incomplete {
                    fetched: written,
                    wanted,
                    reason: "the project's events listing brought only events newer than the \
                             range for 50 pages: new events arrive faster than it pages; \
                             export with --per-event"
                        .to_owned(),
                }));
            }
            skip = ids.iter().cloned().collect();
            let n = ids.len() as u64;
            written += n;
            self.sink
                .page(&lines, n, self.statement, page.next.clone(), ids, stop)?;
            self.tally.written(n);
            self.tally.progress.page();
            if stop {
                break;
            }
            cursor = page.next;
        }
        if !more && written < wanted {
            return Err(Failure::Client(ClientError::Incomplete {
                fetched: written,
                wanted,
                reason: "the project's events listing ended before the events Sentry counts in \
                         the range (it may reach back only 7 days); export with --per-event"
                    .to_owned(),
            }));
        }
        Ok(more)
    }
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
