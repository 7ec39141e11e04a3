//! Command-line definitions and dispatch. The commands themselves live in `commands/`.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use crate::commands::{self, check, compile, run};
use clap::{Parser, Subcommand};
use dql::client::Client;
use dql::format::Format;
use dql::syntax;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, one per failure class (documented in the README). Classes 3–5 come from
/// `ClientError::exit_code`.
pub(crate) mod exit {
    /// Query errors (syntax or semantic), an unformatted file under `fmt --check`, or an UPDATE
    /// that was not confirmed.
    pub(crate) const QUERY: u8 = 1;
    /// Bad usage: unknown flag, missing file, several results in csv without `--name`.
    pub(crate) const USAGE: u8 = 2;
}

/// dql — the Discover query language for Sentry.
#[derive(Debug, Parser)]
#[command(name = "dql", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    sentry: SentryFlags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Where Sentry is and who we are (flags win over `SENTRY_*` variables and `.sentryclirc`).
#[derive(Debug, clap::Args)]
struct SentryFlags {
    /// Sentry's base URL (default https://sentry.io).
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,
    /// Organization slug.
    #[arg(long, global = true, value_name = "ORG")]
    org: Option<String>,
    /// Auth token (prefer SENTRY_AUTH_TOKEN: a flag shows up in shell history).
    #[arg(long, global = true, value_name = "TOKEN")]
    token: Option<String>,
    /// Default project slug, for queries without a PROJECT clause.
    #[arg(long, global = true, value_name = "SLUG")]
    project: Option<String>,
}

impl SentryFlags {
    fn resolve(&self) -> Result<dql::client::config::Config, dql::client::error::ClientError> {
        use dql::client::config::{Config, ConfigInputs, Flags, Token};
        let flags = Flags {
            url: self.url.clone(),
            org: self.org.clone(),
            token: self.token.clone().map(Token::new),
            project: self.project.clone(),
        };
        Config::resolve(&ConfigInputs::from_process(flags))
    }
}

/// Options shared by the commands that compile queries.
#[derive(Debug, clap::Args)]
struct QueryArgs {
    /// The query file, or `-` for standard input.
    file: PathBuf,
    /// Bind `$name` to a value (repeatable). Values are data: they never change a query's shape.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Turn "did you mean" warnings about near names into errors.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a file in canonical form (comments and annotations kept).
    Fmt {
        /// The file to format, or `-` for standard input.
        file: PathBuf,
        /// Exit with status 1 when the file is not already formatted; print nothing.
        #[arg(long)]
        check: bool,
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
        /// Only the statement annotated `-- @name NAME`.
        #[arg(long)]
        name: Option<String>,
        /// `json` (default when piped), `url` (default on a terminal) or `curl`.
        #[arg(long, value_enum)]
        output: Option<compile::Output>,
        /// The instant relative times count from (default: the clock), e.g. 2026-11-26T10:00:00Z.
        #[arg(long)]
        now: Option<String>,
    },
    /// Run the queries of a file against Sentry, or offline over exported events.
    Run {
        #[command(flatten)]
        query: QueryArgs,
        /// Only the statement annotated `-- @name NAME`.
        #[arg(long)]
        name: Option<String>,
        /// table (default on a terminal), csv (default when piped), json, ndjson, markdown.
        #[arg(long)]
        format: Option<Format>,
        /// Evaluate over exported events (NDJSON or JSON array, .gz, or a directory) instead of
        /// asking Sentry.
        #[arg(long, value_name = "PATH")]
        events: Option<PathBuf>,
        /// With --events: count malformed lines instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
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
    },
    /// Fetch the raw events a query matches from Sentry as NDJSON on stdout (what
    /// `dql run --events` reads), progress on stderr.
    Export(commands::export::Args),
    /// Show the Sentry settings in effect and where each comes from (the token masked).
    Config,
    /// Interactive shell: multi-line queries ended by `;`, history, completion, `.help`
    /// (the default when `dql` runs on a terminal with no arguments).
    Repl {
        /// Output format of results (change it in the session with `.format`).
        #[arg(long, default_value = "table", value_name = "FORMAT")]
        format: dql::format::Format,
        /// Run queries over exported events instead of Sentry.
        #[arg(long, value_name = "PATH")]
        events: Option<PathBuf>,
    },
    /// Speak the Language Server Protocol over stdin and stdout, for editors.
    Lsp,
}

/// Runs the CLI and returns its exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let command = match cli.command {
        Some(command) => command,
        None if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => {
            Command::Repl {
                format: dql::format::Format::Table,
                events: None,
            }
        }
        None => {
            // Not a terminal: a usage error, as clap reports a missing subcommand.
            eprint!("{}", <Cli as clap::CommandFactory>::command().render_help());
            return ExitCode::from(exit::USAGE);
        }
    };
    let code = match &command {
        Command::Fmt { file, check } => fmt(file, *check),
        Command::Check {
            query,
            message_format,
        } => check::run(&query.file, query.strict, &query.params, *message_format),
        Command::Compile {
            query,
            name,
            output,
            now,
        } => {
            let config = cli.sentry.resolve().ok();
            compile::run(&compile::Args {
                path: &query.file,
                name: name.as_deref(),
                params: &query.params,
                output: *output,
                now: now.as_deref(),
                strict: query.strict,
                base_url: config
                    .as_ref()
                    .map_or_else(|| "https://sentry.io".to_string(), |c| c.url.value.clone()),
                org: config
                    .as_ref()
                    .and_then(|c| c.org.as_ref().map(|o| o.value.clone())),
                default_project: config.and_then(|c| c.project.map(|p| p.value)),
            })
        }
        Command::Run {
            query,
            name,
            format,
            events,
            skip_bad,
            now,
            verbose,
            yes,
            retry_tries,
            retry_seconds,
            timeout,
        } => run::run(
            &run::Args {
                path: &query.file,
                name: name.as_deref(),
                params: &query.params,
                format: *format,
                now: now.as_deref(),
                strict: query.strict,
                verbose: *verbose,
                yes: *yes,
                events: events.as_ref(),
                skip_bad: *skip_bad,
                retry_tries: *retry_tries,
                retry_seconds: *retry_seconds,
                timeout_seconds: *timeout,
            },
            cli.sentry.resolve(),
        ),
        Command::Export(args) => commands::export::run(args, cli.sentry.resolve()),
        Command::Config => config(&cli.sentry),
        Command::Repl { format, events } => repl(&cli.sentry, *format, events.as_ref()),
        Command::Lsp => commands::lsp::run(),
    };
    ExitCode::from(code)
}

/// `dql fmt`.
fn fmt(path: &std::path::Path, check: bool) -> u8 {
    let source = match commands::read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        commands::print_diagnostics(&source, &parsed.diagnostics);
        return exit::QUERY;
    }
    let formatted = match apply_format_fixes(&source, &parsed.file) {
        Some(fixed) => fixed,
        None => parsed.file.to_string(),
    };
    if check {
        if formatted != source.text() {
            eprintln!("{} is not formatted (run `dql fmt` on it)", source.name());
            return exit::QUERY;
        }
        return 0;
    }
    match commands::write_stdout(&formatted) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// Fixes `dql fmt` applies (docs/language.md §3: `count(*)` is written `count()`).
const FORMAT_FIXES: &[&str] = &["dql::semantic::count_star"];

/// The canonical text with [`FORMAT_FIXES`] applied, when any applies.
fn apply_format_fixes(source: &dql::Source, file: &syntax::ast::File) -> Option<String> {
    let checked = dql::semantic::check(
        file,
        dql::semantic::Catalog::builtin(),
        &dql::semantic::Params::new(),
        &dql::semantic::CheckOptions::default(),
    );
    let mut fixes: Vec<&dql::diagnostic::Fix> = checked
        .diagnostics
        .iter()
        .filter(|d| FORMAT_FIXES.contains(&d.code))
        .filter_map(|d| d.fix.as_ref())
        .collect();
    if fixes.is_empty() {
        return None;
    }
    // Apply from the end so earlier offsets stay valid.
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    let mut text = source.text().to_string();
    for fix in fixes {
        let range = fix.span.start as usize..fix.span.end as usize;
        if text.get(range.clone()).is_some() {
            text.replace_range(range, &fix.replacement);
        }
    }
    let reparsed = syntax::parse(&dql::Source::new(source.name(), text));
    if reparsed.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    Some(reparsed.file.to_string())
}

/// `dql config`.
fn config(flags: &SentryFlags) -> u8 {
    let config = match flags.resolve() {
        Ok(c) => c,
        Err(e) => return run::report_client_error(e),
    };
    let rows = config.describe();
    let width = rows.iter().map(|r| r.setting.len()).max().unwrap_or(0);
    let mut text = String::new();
    for row in rows {
        match row.value {
            Some(value) => text.push_str(&format!(
                "{:<width$}  {value}  ({})\n",
                row.setting, row.origin
            )),
            None => text.push_str(&format!("{:<width$}  {}\n", row.setting, row.origin)),
        }
    }
    match commands::write_stdout(&text) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `dql repl` (and `dql` alone on a terminal).
fn repl(flags: &SentryFlags, format: dql::format::Format, events: Option<&PathBuf>) -> u8 {
    use commands::repl_backend::{CliBackend, Target};
    let config = flags.resolve();
    let base_url = config
        .as_ref()
        .map_or_else(|_| "https://sentry.io".to_string(), |c| c.url.value.clone());
    let org = config
        .as_ref()
        .ok()
        .and_then(|c| c.org.as_ref().map(|o| o.value.clone()));
    let target = if let Some(path) = events {
        match dql::engine::EventFiles::open(path) {
            Ok(files) => Target::Events(files),
            Err(e) => {
                eprintln!("{:?}", miette::Report::new(e));
                return exit::USAGE;
            }
        }
    } else {
        let client = config.as_ref().ok().and_then(|c| {
            c.token().ok()?;
            c.org().ok()?;
            Client::from_config(c, dql::client::transport::Timeouts::default()).ok()
        });
        match client {
            Some(client) => Target::Sentry(Box::new(client)),
            None => Target::Nowhere(
                "not connected to Sentry: queries are checked and compiled, not run.\n\
                 To run them, set SENTRY_AUTH_TOKEN and SENTRY_ORG (or --token and --org, or \
                 .sentryclirc; `dql config` shows what is set), or start with --events PATH."
                    .to_owned(),
            ),
        }
    };
    crate::repl::run(
        CliBackend {
            target,
            org,
            base_url,
        },
        format,
    )
}
