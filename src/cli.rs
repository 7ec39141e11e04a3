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
    #[command(subcommand)]
    command: Command,
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
    let code = match cli.command {
        Command::Fmt { file, check } => fmt(&file, check),
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
