//! The arguments of `dql export`, and the DQL text `--query` stands for.

use dql::Source;
use std::path::PathBuf;

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
    pub(super) fn name(self) -> &'static str {
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
    pub(super) file: Option<PathBuf>,
    /// A Sentry search instead of a file, e.g. 'level:error browser.name:Chrome' (projects from
    /// --project, comma-separated).
    #[arg(long, value_name = "SEARCH")]
    pub(super) query: Option<String>,
    /// With --query: the dataset to search (default errors).
    #[arg(long, value_enum, requires = "query")]
    pub(super) dataset: Option<Dataset>,
    /// With --query: only events of this environment (repeatable).
    #[arg(long = "environment", value_name = "NAME", requires = "query")]
    pub(super) environments: Vec<String>,
    /// With --query: a period (24h, 7d) or a date/time; default 14d.
    #[arg(long, requires = "query")]
    pub(super) since: Option<String>,
    /// With --query and --since: the end (a period ago, or a date/time).
    #[arg(long, requires = "since")]
    pub(super) until: Option<String>,
    /// Export at most this many events per statement (wins over LIMIT; default: the
    /// statement's LIMIT, else 100000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(super) limit: Option<u64>,
    /// Only the statement annotated `-- @name NAME`.
    #[arg(long, conflicts_with = "query")]
    pub(super) name: Option<String>,
    /// Bind `$name` to a value (repeatable).
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub(super) params: Vec<String>,
    /// Turn "did you mean" warnings about near names into errors.
    #[arg(long)]
    pub(super) strict: bool,
    /// The instant relative times count from (default: the clock).
    #[arg(long)]
    pub(super) now: Option<String>,
    /// Show each request's URL, status and timing on stderr (never the token).
    #[arg(long, short)]
    pub(super) verbose: bool,
    /// Show progress even when stderr is not a terminal (as plain lines, one a second).
    #[arg(long)]
    pub(super) progress: bool,
    /// Write to FILE and keep a checkpoint beside it (FILE.checkpoint): run the same command
    /// again after an interruption and it continues where it stopped, without duplicates.
    #[arg(long, value_name = "FILE")]
    pub(super) resume: Option<PathBuf>,
    /// Fetch each event's payload by its id even where the project's events listing (a
    /// hundred whole events a request) serves the query.
    #[arg(long)]
    pub(super) per_event: bool,
    /// Event payloads fetched at once (within the rate limits Sentry announces).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    pub(super) concurrency: u64,
    /// Requests sent at most for one page (retries of 429, 5xx and network failures).
    #[arg(long, default_value_t = 5)]
    pub(super) retry_tries: u32,
    /// Seconds spent waiting between retries at most.
    #[arg(long, default_value_t = 60)]
    pub(super) retry_seconds: u64,
    /// Seconds allowed for one response.
    #[arg(long, default_value_t = 60)]
    pub(super) timeout: u64,
    /// The largest response body read, in MiB after decompression.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    pub(super) max_response_mb: u64,
}

/// The DQL text `--query` stands for. The search goes into WHERE as written; projects,
/// environments and times become parameters, so they are checked and quoted like any value.
pub(super) fn query_source(
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
