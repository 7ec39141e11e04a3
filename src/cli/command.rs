//! The commands and their arguments, as clap reads them.

use super::args::{OutputFlags, QueryArgs, SentryFlags};
use crate::commands::{self, check, compile};
use clap::Subcommand;
use dql::format::Format;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(super) enum CatalogCommand {
    /// Read the organization's attributes of spans, logs and tracemetrics from Sentry and
    /// cache them (per org and dataset, under the user's cache directory or DQL_CACHE_DIR);
    /// `--project` narrows them to one project.
    Pull {
        /// Only this dataset (`spans`, `logs`, `tracemetrics`).
        #[arg(long)]
        dataset: Option<String>,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// List a dataset's fields, functions (with signatures) and cached attributes.
    Show {
        /// The dataset (every dataset when absent).
        dataset: Option<String>,
        /// Only names containing this text.
        #[arg(long)]
        grep: Option<String>,
        /// The organization whose cached attributes are listed.
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Print files in canonical form (comments, annotations and explicit `AND`s kept).
    Fmt {
        /// The files to format, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Exit with status 1 when a file is not already formatted; print nothing.
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite each file in place instead of printing it (files already formatted are left
        /// untouched).
        #[arg(long, short)]
        write: bool,
    },
    /// Rewrite a file's queries off the deprecated `transactions` and `discover` datasets to
    /// `spans` (comments and formatting kept); report what has no spans equivalent.
    Migrate {
        /// The file to rewrite in place, or `-` to read standard input and print the result.
        file: PathBuf,
        /// Write nothing; exit with status 1 when something would change or cannot migrate.
        #[arg(long)]
        check: bool,
    },
    /// The live catalog: the attributes your organization really has.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Write the organization's Discover and Explore saved queries as canonical `.dql` files,
    /// one per query (`-- @id` ties a file to its query).
    Pull {
        /// The directory the files go to.
        #[arg(long, default_value = "queries")]
        dir: PathBuf,
        /// Say what was skipped: a server without Explore saved queries, Sentry's prebuilt ones.
        #[arg(long, short)]
        verbose: bool,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Show, per saved query, what differs between the files and the server, in DQL terms;
    /// exit 1 when anything differs.
    Diff {
        /// The files (default: every `.dql` file in --dir; then queries only on the server are
        /// listed too).
        files: Vec<PathBuf>,
        /// The directory `dql pull` wrote.
        #[arg(long, default_value = "queries")]
        dir: PathBuf,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Create or update the server's saved queries from the files, after showing what
    /// changes and asking.
    Push {
        /// The files (default: every `.dql` file in --dir).
        files: Vec<PathBuf>,
        /// The directory `dql pull` wrote.
        #[arg(long, default_value = "queries")]
        dir: PathBuf,
        /// Send without asking.
        #[arg(long)]
        yes: bool,
        /// Print the requests instead of sending them.
        #[arg(long)]
        dry_run: bool,
        /// Also delete the server's saved queries that no file names.
        #[arg(long)]
        prune: bool,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Report every problem in a file; exit 1 when there is an error.
    Check {
        #[command(flatten)]
        query: QueryArgs,
        /// `human` (miette, stderr) or `json` (one object per diagnostic, stdout).
        #[arg(long, value_enum, default_value = "human")]
        message_format: check::MessageFormat,
    },
    /// Print the exact Sentry requests a file stands for, without sending them.
    Compile {
        #[command(flatten)]
        query: QueryArgs,
        /// Only the statement annotated `-- @name NAME` (the others are neither checked nor
        /// need their parameters).
        #[arg(long)]
        name: Option<String>,
        /// `json` (default when piped), `url` (default on a terminal) or `curl`.
        #[arg(long, value_enum)]
        output: Option<compile::Output>,
        /// The instant relative times count from (default: the clock), e.g. 2026-11-26T10:00:00Z.
        #[arg(long)]
        now: Option<String>,
        #[command(flatten)]
        cost: commands::cost::CostFlags,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Run the queries of a file against Sentry, or offline over exported events.
    Run {
        #[command(flatten)]
        query: QueryArgs,
        /// Only the statement annotated `-- @name NAME` (the others are neither checked nor
        /// need their parameters).
        #[arg(long)]
        name: Option<String>,
        /// Run the other statements when one fails (the exit code still says it failed).
        #[arg(long)]
        keep_going: bool,
        /// A top-n series (GROUP BY … LIMIT n INTERVAL) without Sentry's "Other" series, the
        /// groups beyond the top n (`excludeOther=1`).
        #[arg(long)]
        exclude_other: bool,
        /// table (default on a terminal), csv (default when piped), json, ndjson, markdown,
        /// vertical (one block per row), chart (a series as a terminal line chart), svg (a
        /// series as an SVG file). With -o, the file's extension picks the default.
        #[arg(long, short)]
        format: Option<Format>,
        #[command(flatten)]
        output: OutputFlags,
        /// Evaluate over exported events (NDJSON or JSON array, .gz, or a directory) instead of
        /// asking Sentry.
        #[arg(long, value_name = "PATH")]
        events: Option<PathBuf>,
        /// With --events: count malformed lines instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
        /// With --events: threads that read the events (default: all cores).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// The instant relative times count from (default: the clock; with --events, the newest
        /// event).
        #[arg(long)]
        now: Option<String>,
        /// Show each request's URL, status and timing on stderr (never the token).
        #[arg(long, short)]
        verbose: bool,
        /// Apply an UPDATE without asking.
        #[arg(long)]
        yes: bool,
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
        #[command(flatten)]
        complete: commands::complete::CompleteFlags,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Fetch the raw events a query matches from Sentry as NDJSON on stdout (what
    /// `dql run --events` reads), progress on stderr.
    Export {
        #[command(flatten)]
        args: commands::export::Args,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Show the Sentry settings in effect and where each comes from (the token masked).
    Config {
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Interactive shell: multi-line queries ended by `;`, history, completion, `.help`
    /// (the default when `dql` runs on a terminal with no arguments).
    Repl {
        /// Output format of results (change it in the session with `.format`).
        #[arg(long, short, default_value = "table", value_name = "FORMAT")]
        format: dql::format::Format,
        /// Run queries over exported events instead of Sentry.
        #[arg(long, value_name = "PATH")]
        events: Option<PathBuf>,
        #[command(flatten)]
        sentry: SentryFlags,
    },
    /// Print a completion script for bash, zsh, fish, elvish or PowerShell.
    ///
    /// `dql completions bash > /etc/bash_completion.d/dql`,
    /// `dql completions zsh > "${fpath[1]}/_dql"`,
    /// `dql completions fish > ~/.config/fish/completions/dql.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Speak the Language Server Protocol over stdin and stdout, for editors.
    Lsp,
}

impl Command {
    /// The Sentry flags given after the command, for the commands that take them.
    pub(super) fn sentry_flags(&self) -> Option<&SentryFlags> {
        match self {
            Command::Compile { sentry, .. }
            | Command::Run { sentry, .. }
            | Command::Export { sentry, .. }
            | Command::Config { sentry }
            | Command::Repl { sentry, .. }
            | Command::Pull { sentry, .. }
            | Command::Diff { sentry, .. }
            | Command::Push { sentry, .. }
            | Command::Catalog(CatalogCommand::Pull { sentry, .. }) => Some(sentry),
            _ => None,
        }
    }

    /// The name of a command that never talks to Sentry nor reads what belongs to an
    /// organization, so takes no Sentry flag; `None` for the others (`check` and `lsp` read
    /// the organization's cached attributes).
    pub(super) fn offline_name(&self) -> Option<&'static str> {
        match self {
            Command::Fmt { .. } => Some("fmt"),
            Command::Migrate { .. } => Some("migrate"),
            Command::Completions { .. } => Some("completions"),
            _ => None,
        }
    }

    /// `dql run` with its defaults, for `dql -c QUERY` or queries piped into `dql`.
    pub(super) fn run_with_defaults(execute: Option<String>, piped: Option<String>) -> Command {
        Command::Run {
            query: QueryArgs {
                file: None,
                execute,
                params: Vec::new(),
                strict: false,
                piped,
            },
            name: None,
            keep_going: false,
            exclude_other: false,
            format: None,
            events: None,
            skip_bad: false,
            threads: None,
            now: None,
            verbose: false,
            yes: false,
            retry_tries: 5,
            retry_seconds: 60,
            timeout: 60,
            max_response_mb: 256,
            output: OutputFlags::default(),
            complete: commands::complete::CompleteFlags::default(),
            sentry: SentryFlags::default(),
        }
    }
}
