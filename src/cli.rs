//! Command-line definitions and the commands' glue to the library. Printing happens here.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use clap::{Parser, Subcommand};
use dql::{Source, syntax};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, one per failure class (documented in the README).
pub(crate) mod exit {
    /// Query errors (syntax or semantic), or `fmt --check` found an unformatted file.
    pub(crate) const QUERY: u8 = 1;
    /// Bad usage: unknown flag, missing file.
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
    /// Show the Sentry settings in effect and where each comes from (the token masked).
    Config,
    /// Interactive shell: multi-line queries ended by `;`, history, completion, `.help`
    /// (the default when `dql` runs on a terminal with no arguments).
    Repl {
        /// Output format of results (change it in the session with `.format`).
        #[arg(long, default_value = "table", value_name = "FORMAT")]
        format: dql::format::Format,
    },
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
            }
        }
        None => {
            // Not a terminal: a usage error, as clap reports a missing subcommand.
            eprint!("{}", <Cli as clap::CommandFactory>::command().render_help());
            return ExitCode::from(exit::USAGE);
        }
    };
    let code = match command {
        Command::Fmt { file, check } => fmt(&file, check),
        Command::Config => config(&cli.sentry),
        Command::Repl { format } => repl(&cli.sentry, format),
    };
    ExitCode::from(code)
}

/// Reads a file argument (`-` is standard input) into a named source.
fn read_source(path: &std::path::Path) -> Result<Source, u8> {
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

/// Renders diagnostics to stderr, in colour on a terminal.
fn print_diagnostics(source: &Source, diagnostics: &[dql::Diagnostic]) {
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

/// `dql fmt`.
fn fmt(path: &std::path::Path, check: bool) -> u8 {
    let source = match read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        print_diagnostics(&source, &parsed.diagnostics);
        return exit::QUERY;
    }
    let formatted = parsed.file.to_string();
    if check {
        if formatted != source.text() {
            eprintln!("{} is not formatted (run `dql fmt` on it)", source.name());
            return exit::QUERY;
        }
        return 0;
    }
    print!("{formatted}");
    0
}

/// Prints a library error as a miette report.
fn print_report(error: impl miette::Diagnostic + Send + Sync + 'static) {
    eprintln!("{:?}", miette::Report::new(error));
}

/// `dql config`.
fn config(flags: &SentryFlags) -> u8 {
    let config = match flags.resolve() {
        Ok(c) => c,
        Err(e) => {
            let code = e.exit_code();
            print_report(e);
            return code;
        }
    };
    let rows = config.describe();
    let width = rows.iter().map(|r| r.setting.len()).max().unwrap_or(0);
    for row in rows {
        match row.value {
            Some(value) => println!("{:<width$}  {value}  ({})", row.setting, row.origin),
            None => println!("{:<width$}  {}", row.setting, row.origin),
        }
    }
    0
}

/// `dql repl` (and `dql` alone on a terminal).
fn repl(flags: &SentryFlags, format: dql::format::Format) -> u8 {
    // FIXME(lead): replace ParseOnly with the real backend once check/lower/execute land.
    let connected = flags
        .resolve()
        .is_ok_and(|config| config.token().is_ok() && config.org().is_ok());
    let hint = if connected {
        "running queries from the REPL is not wired yet: queries are parsed only".to_owned()
    } else {
        "not connected to Sentry: queries are checked and compiled, not run.\n\
         To run them, set SENTRY_AUTH_TOKEN and SENTRY_ORG (or --token and --org, or \
         .sentryclirc); `dql config` shows what is set."
            .to_owned()
    };
    crate::repl::run(crate::repl::ParseOnly { hint }, format)
}
