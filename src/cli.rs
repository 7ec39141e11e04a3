//! The command line: its definitions (`args.rs`, `command.rs`) and the dispatch to the
//! commands, which live in `commands/` and answer `Result<(), Exit>`.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

mod args;
mod command;

use crate::commands::exit::Exit;
use crate::commands::{self, check, compile, run};
use args::{Cli, SentryFlags};
use clap::Parser;
use command::{CatalogCommand, Command};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Runs the CLI and returns its exit code.
pub(crate) fn main() -> ExitCode {
    ExitCode::from(Exit::code(run()))
}

/// Reads the command line and runs the command it names.
fn run() -> Result<(), Exit> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // `--help` and `--version` end here too, successfully.
            return if e.use_stderr() {
                Err(Exit::USAGE)
            } else {
                Ok(())
            };
        }
    };
    if cli.inline.is_some() && cli.command.is_some() {
        eprintln!("error: -c runs one query on its own; with a command, use `dql run -e QUERY`");
        return Err(Exit::USAGE);
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
                return Err(Exit::USAGE);
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
            return Err(Exit::USAGE);
        }
    };
    // A command that never talks to Sentry takes no Sentry flag, before it or after it: one
    // given would be silently ignored (`dql --org acme fmt q.dql`).
    if let (Some(name), Some(flag)) = (command.offline_name(), cli.sentry.first_given()) {
        eprintln!(
            "error: `{flag}` is a Sentry connection flag, and `dql {name}` never talks to Sentry\n\nFor more information, try '--help'."
        );
        return Err(Exit::USAGE);
    }
    // The Sentry flags given after the command win over those given before it.
    let sentry = command
        .sentry_flags()
        .map_or_else(|| cli.sentry.or(&cli.sentry), |s| s.or(&cli.sentry));
    let resolved = sentry.resolve().ok();
    let url = resolved.as_ref().map(|c| c.url.value.clone());
    let org = resolved.and_then(|c| c.org.map(|o| o.value));
    commands::set_sentry_url(url.as_deref().unwrap_or("https://sentry.io"));
    crate::live_catalog::load_catalog(org.as_deref());
    match &command {
        Command::Fmt {
            files,
            check,
            write,
        } => commands::fmt::run(files, *check, *write),
        Command::Migrate { file, check } => commands::migrate::run(file, *check),
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
            exclude_other,
            format,
            output,
            events,
            skip_bad,
            threads,
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
                exclude_other: *exclude_other,
                params: &query.params,
                format: *format,
                now: now.as_deref(),
                strict: query.strict,
                verbose: *verbose,
                yes: *yes,
                events: events.as_ref(),
                skip_bad: *skip_bad,
                threads: threads.map(usize::from),
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
        Command::Config { sentry } => commands::config::run(sentry.or(&cli.sentry).resolve()),
        Command::Repl {
            format,
            events,
            sentry,
        } => commands::repl::run(sentry.or(&cli.sentry).resolve(), *format, events.as_ref()),
        Command::Completions { shell } => completions(*shell),
        Command::Lsp => commands::lsp::run(),
    }
}

/// `dql completions SHELL`: clap_complete's script for the whole command line.
fn completions(shell: clap_complete::Shell) -> Result<(), Exit> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "dql", &mut script);
    commands::write_stdout(&String::from_utf8_lossy(&script))
}
