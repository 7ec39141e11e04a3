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
#[command(
    name = "dql",
    version,
    about,
    long_about = None,
    after_help = "With no command: the REPL on a terminal; the queries read from standard input \
                  when it is a pipe (`echo 'SELECT count() FROM errors' | dql`)."
)]
struct Cli {
    /// Run one inline query, as `dql run -e QUERY` does.
    #[arg(short = 'c', long = "command", value_name = "QUERY")]
    inline: Option<String>,
    #[command(flatten)]
    sentry: SentryFlags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Where Sentry is and who we are (flags win over `SENTRY_*` variables and `.sentryclirc`).
///
/// Accepted before the command (`dql --org acme run q.dql`) and by each command that talks to
/// Sentry (`dql run q.dql --org acme`), listed under their own heading; `fmt` and `check`
/// never use them, so they do not take them.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(
    next_help_heading = "Sentry connection (also SENTRY_* variables and .sentryclirc; see `dql config`)"
)]
struct SentryFlags {
    /// Sentry's base URL (default https://sentry.io).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Organization slug.
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    /// Auth token (prefer SENTRY_AUTH_TOKEN: a flag shows up in shell history).
    #[arg(long, visible_alias = "auth-token", value_name = "TOKEN")]
    token: Option<String>,
    /// Default project slug, for queries without a PROJECT clause.
    #[arg(long, value_name = "SLUG")]
    project: Option<String>,
}

impl SentryFlags {
    /// The first flag given, as written on the command line.
    fn first_given(&self) -> Option<&'static str> {
        [
            (self.url.is_some(), "--url"),
            (self.org.is_some(), "--org"),
            (self.token.is_some(), "--token"),
            (self.project.is_some(), "--project"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// These flags, with `before` (the ones given before the command) where these are unset.
    fn or(&self, before: &SentryFlags) -> SentryFlags {
        SentryFlags {
            url: self.url.clone().or_else(|| before.url.clone()),
            org: self.org.clone().or_else(|| before.org.clone()),
            token: self.token.clone().or_else(|| before.token.clone()),
            project: self.project.clone().or_else(|| before.project.clone()),
        }
    }

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

/// Where `dql run` writes and how tables fit the terminal.
#[derive(Debug, Default, clap::Args)]
struct OutputFlags {
    /// Write the output to FILE instead of standard output.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "output_dir"
    )]
    output_file: Option<PathBuf>,
    /// Write each statement's result to its own file in DIR (NAME.csv for `@name NAME`,
    /// statement-N.csv otherwise; the extension follows --format).
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// On a terminal: do not cut long values to the terminal's width.
    #[arg(long)]
    wide: bool,
    /// On a terminal: print long results instead of showing them in $PAGER (less).
    #[arg(long)]
    no_pager: bool,
    /// On a terminal: rows shown per result (0: all; default 40 without a pager, all with one).
    #[arg(long, value_name = "N")]
    max_rows: Option<usize>,
}

impl OutputFlags {
    fn options(&self) -> commands::output::OutputOptions {
        commands::output::OutputOptions {
            wide: self.wide,
            no_pager: self.no_pager,
            max_rows: self.max_rows,
            file: self.output_file.clone(),
            dir: self.output_dir.clone(),
        }
    }
}

/// Options shared by the commands that compile queries.
#[derive(Debug, clap::Args)]
struct QueryArgs {
    /// The query file, or `-` for standard input.
    #[arg(required_unless_present = "execute")]
    file: Option<PathBuf>,
    /// The query text itself instead of a file: `-e 'SELECT count() FROM errors'`.
    #[arg(
        short = 'e',
        long = "execute",
        value_name = "QUERY",
        conflicts_with = "file"
    )]
    execute: Option<String>,
    /// Bind `$name` to a value (repeatable). Values are data: they never change a query's shape.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Turn "did you mean" warnings about near names into errors.
    #[arg(long)]
    strict: bool,
    /// Queries piped into plain `dql`, already read.
    #[arg(skip)]
    piped: Option<String>,
}

impl QueryArgs {
    /// Where the queries come from.
    fn input(&self) -> commands::Input<'_> {
        match (&self.execute, &self.file) {
            _ if self.piped.is_some() => {
                commands::Input::Piped(self.piped.as_deref().unwrap_or_default())
            }
            (Some(text), _) => commands::Input::Text(text),
            (None, Some(path)) => commands::Input::Path(path),
            (None, None) => commands::Input::Path(std::path::Path::new("-")),
        }
    }
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
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
enum Command {
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
    fn sentry_flags(&self) -> Option<&SentryFlags> {
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
    fn offline_name(&self) -> Option<&'static str> {
        match self {
            Command::Fmt { .. } => Some("fmt"),
            Command::Migrate { .. } => Some("migrate"),
            Command::Completions { .. } => Some("completions"),
            _ => None,
        }
    }

    /// `dql run` with its defaults, for `dql -c QUERY` or queries piped into `dql`.
    fn run_with_defaults(execute: Option<String>, piped: Option<String>) -> Command {
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
            format: None,
            events: None,
            skip_bad: false,
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
    if cli.inline.is_some() && cli.command.is_some() {
        eprintln!("error: -c runs one query on its own; with a command, use `dql run -e QUERY`");
        return ExitCode::from(exit::USAGE);
    }
    let command = match cli.command {
        Some(command) => command,
        None if cli.inline.is_some() => Command::run_with_defaults(cli.inline.clone(), None),
        // Queries piped in run, as `echo 'SELECT 1' | psql` does; nothing piped is a usage
        // error, as a missing command is.
        None if !std::io::stdin().is_terminal() => {
            let mut text = String::new();
            if std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).is_err()
                || text.trim().is_empty()
            {
                eprint!("{}", <Cli as clap::CommandFactory>::command().render_help());
                return ExitCode::from(exit::USAGE);
            }
            Command::run_with_defaults(None, Some(text))
        }
        None if std::io::stdout().is_terminal() => Command::Repl {
            format: dql::format::Format::Table,
            events: None,
            sentry: SentryFlags::default(),
        },
        None => {
            // Not a terminal: a usage error, as clap reports a missing subcommand.
            eprint!("{}", <Cli as clap::CommandFactory>::command().render_help());
            return ExitCode::from(exit::USAGE);
        }
    };
    // A command that never talks to Sentry takes no Sentry flag, before it or after it: one
    // given would be silently ignored (`dql --org acme fmt q.dql`).
    if let (Some(name), Some(flag)) = (command.offline_name(), cli.sentry.first_given()) {
        eprintln!(
            "error: `{flag}` is a Sentry connection flag, and `dql {name}` never talks to Sentry\n\nFor more information, try '--help'."
        );
        return ExitCode::from(exit::USAGE);
    }
    // The Sentry flags given after the command win over those given before it.
    let sentry = command
        .sentry_flags()
        .map_or_else(|| cli.sentry.or(&cli.sentry), |s| s.or(&cli.sentry));
    let resolved = sentry.resolve().ok();
    let url = resolved.as_ref().map(|c| c.url.value.clone());
    let org = resolved.and_then(|c| c.org.map(|o| o.value));
    commands::set_sentry_url(url.as_deref().unwrap_or("https://sentry.io"));
    commands::catalog::load_catalog(org.as_deref());
    let code = match &command {
        Command::Fmt {
            files,
            check,
            write,
        } => fmt(files, *check, *write),
        Command::Migrate { file, check } => migrate(file, *check),
        Command::Catalog(CatalogCommand::Pull { dataset, .. }) => {
            commands::catalog::pull(dataset.as_deref(), sentry.resolve())
        }
        Command::Catalog(CatalogCommand::Show {
            dataset,
            grep,
            org: shown,
        }) => commands::catalog::show(
            dataset.as_deref(),
            grep.as_deref(),
            shown.as_deref().or(org.as_deref()),
        ),
        Command::Pull { dir, verbose, .. } => {
            commands::saved::pull(dir, *verbose, sentry.resolve())
        }
        Command::Diff { files, dir, .. } => commands::saved::diff(
            &commands::saved::Target {
                dir: dir.clone(),
                files: files.clone(),
            },
            sentry.resolve(),
        ),
        Command::Push {
            files,
            dir,
            yes,
            dry_run,
            prune,
            ..
        } => commands::saved::push(
            &commands::saved::Target {
                dir: dir.clone(),
                files: files.clone(),
            },
            &commands::saved::PushFlags {
                yes: *yes,
                dry_run: *dry_run,
                prune: *prune,
            },
            sentry.resolve(),
        ),
        Command::Check {
            query,
            message_format,
        } => check::run(query.input(), query.strict, &query.params, *message_format),
        Command::Compile {
            query,
            name,
            output,
            now,
            cost,
            sentry,
        } => {
            let config = sentry.or(&cli.sentry).resolve().ok();
            compile::run(&compile::Args {
                input: query.input(),
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
                cost: *cost,
            })
        }
        Command::Run {
            query,
            name,
            keep_going,
            format,
            output,
            events,
            skip_bad,
            now,
            verbose,
            yes,
            retry_tries,
            retry_seconds,
            timeout,
            max_response_mb,
            complete,
            sentry,
        } => run::run(
            &run::Args {
                input: query.input(),
                name: name.as_deref(),
                keep_going: *keep_going,
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
                max_body: max_response_mb.saturating_mul(1 << 20),
                output: output.options(),
                complete: *complete,
            },
            sentry.or(&cli.sentry).resolve(),
        ),
        Command::Export { args, sentry } => {
            commands::export::run(args, sentry.or(&cli.sentry).resolve())
        }
        Command::Config { sentry } => config(&sentry.or(&cli.sentry)),
        Command::Repl {
            format,
            events,
            sentry,
        } => repl(&sentry.or(&cli.sentry), *format, events.as_ref()),
        Command::Completions { shell } => completions(*shell),
        Command::Lsp => commands::lsp::run(),
    };
    ExitCode::from(code)
}

/// `dql completions SHELL`: clap_complete's script for the whole command line.
fn completions(shell: clap_complete::Shell) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "dql", &mut script);
    match commands::write_stdout(&String::from_utf8_lossy(&script)) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `dql fmt`: each file in turn; the worst exit code wins.
fn fmt(paths: &[PathBuf], check: bool, write: bool) -> u8 {
    let mut worst = 0;
    for path in paths {
        let code = fmt_one(path, check, write);
        worst = worst.max(code);
        if code == exit::USAGE && !check && !write {
            break;
        }
    }
    worst
}

/// `dql fmt` on one file.
fn fmt_one(path: &std::path::Path, check: bool, write: bool) -> u8 {
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
        None => syntax::format(&parsed.file, source.text()),
    };
    if check {
        if formatted != source.text() {
            eprintln!(
                "{} is not formatted (run `dql fmt --write` on it)",
                source.name()
            );
            return exit::QUERY;
        }
        return 0;
    }
    if write && path.as_os_str() != "-" {
        if formatted == source.text() {
            return 0;
        }
        return match std::fs::write(path, &formatted) {
            Ok(()) => {
                eprintln!("formatted {}", path.display());
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::USAGE
            }
        };
    }
    match commands::write_stdout(&formatted) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `dql migrate`: rewrites in place (standard input to standard output); the statements
/// with something that has no spans equivalent stay as they are and are reported.
fn migrate(path: &std::path::Path, check: bool) -> u8 {
    let source = match commands::read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        commands::print_diagnostics(&source, &parsed.diagnostics);
        return exit::QUERY;
    }
    let migration = dql::migrate::migrate(&source, dql::semantic::Catalog::builtin());
    if !migration.reports.is_empty() {
        commands::print_diagnostics(&source, &migration.reports);
    }
    let changed = migration.changed(&source);
    let failed = !migration.reports.is_empty();
    if check {
        if changed {
            eprintln!(
                "{}: {} statement(s) would move to spans (run `dql migrate` on it)",
                source.name(),
                migration.rewritten
            );
        }
        return if changed || failed { exit::QUERY } else { 0 };
    }
    if path.as_os_str() == "-" {
        if let Err(code) = commands::write_stdout(&migration.text) {
            return code;
        }
    } else if changed {
        if let Err(e) = std::fs::write(path, &migration.text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
        eprintln!(
            "{}: {} statement(s) moved to spans",
            source.name(),
            migration.rewritten
        );
    }
    if failed { exit::QUERY } else { 0 }
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
    let reparsed = syntax::parse(&dql::Source::new(source.name(), text.clone()));
    if reparsed.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    Some(syntax::format(&reparsed.file, &text))
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
    let project = config
        .as_ref()
        .ok()
        .and_then(|c| c.project.as_ref().map(|p| p.value.clone()));
    let target = if let Some(path) = events {
        match dql::engine::EventFiles::open(path) {
            Ok(files) => Target::Events(files),
            Err(e) => {
                commands::print_report(&e);
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
            Some(client) => Target::Sentry(dql::execute::SentryExecutor::new(client)),
            None => Target::Nowhere(
                "not connected to Sentry: queries are checked and compiled, not run.\n\
                 To run them, set SENTRY_AUTH_TOKEN and SENTRY_ORG (or --token and --org, or \
                 .sentryclirc; `dql config` shows what is set), or start with --events PATH."
                    .to_owned(),
            ),
        }
    };
    // Completion asks Sentry for values with a client of its own: short timeouts, no
    // retries, so that Tab never hangs for long.
    let remote = match (&target, config.as_ref()) {
        (Target::Sentry(_), Ok(config)) => Client::from_config(
            config,
            dql::client::transport::Timeouts {
                connect: std::time::Duration::from_secs(2),
                read: std::time::Duration::from_secs(3),
            },
        )
        .ok()
        .map(|client| {
            let client = client.retry_policy(dql::client::RetryPolicy {
                max_tries: 1,
                ..dql::client::RetryPolicy::default()
            });
            crate::repl::Remote(std::sync::Arc::new(
                move |key: &str, contains: &str, dataset: Option<&str>| {
                    let mut extra = vec![("statsPeriod".to_owned(), "14d".to_owned())];
                    // Trace-item datasets keep their values behind the attributes endpoint;
                    // the others behind the tags endpoint, whose `dataset` is `events` unless
                    // told otherwise.
                    if let Some(trace) =
                        dataset.filter(|d| crate::commands::catalog::catalog().is_trace_items(d))
                    {
                        return client
                            .attribute_values(key, contains, trace, &extra)
                            .unwrap_or_default();
                    }
                    if dataset == Some("transactions") {
                        extra.push(("dataset".to_owned(), "discover".to_owned()));
                    }
                    client.tag_values(key, contains, &extra).unwrap_or_default()
                },
            ))
        }),
        _ => None,
    };
    crate::repl::run(
        CliBackend {
            target,
            org,
            project,
            base_url,
        },
        format,
        remote,
    )
}
