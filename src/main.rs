//! The `dql` command-line tool: a thin layer that parses arguments, calls the library and maps
//! failures to exit codes.

mod cli;
mod commands;
mod live_catalog;
mod progress;
mod repl;
mod terminal;

fn main() -> std::process::ExitCode {
    cli::main()
}
