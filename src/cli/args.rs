//! The command line's shared arguments: the top level (`dql -c …`), the Sentry connection,
//! where `dql run` writes, and the query input of the commands that compile queries.

use super::command::Command;
use crate::commands;
use clap::Parser;
use std::path::PathBuf;

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
pub(super) struct Cli {
    /// Run one inline query, as `dql run -e QUERY` does.
    #[arg(short = 'c', long = "command", value_name = "QUERY")]
    pub(super) inline: Option<String>,
    #[command(flatten)]
    pub(super) sentry: SentryFlags,
    #[command(subcommand)]
    pub(super) command: Option<Command>,
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
pub(super) struct SentryFlags {
    /// Sentry's base URL (default https://sentry.io).
    #[arg(long, value_name = "URL")]
    pub(super) url: Option<String>,
    /// Organization slug.
    #[arg(long, value_name = "ORG")]
    pub(super) org: Option<String>,
    /// Auth token (prefer SENTRY_AUTH_TOKEN: a flag shows up in shell history).
    #[arg(long, visible_alias = "auth-token", value_name = "TOKEN")]
    pub(super) token: Option<String>,
    /// Default project slug, for queries without a PROJECT clause.
    #[arg(long, value_name = "SLUG")]
    pub(super) project: Option<String>,
}

impl SentryFlags {
    /// The first flag given, as written on the command line.
    pub(super) fn first_given(&self) -> Option<&'static str> {
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
    pub(super) fn or(&self, before: &SentryFlags) -> SentryFlags {
        SentryFlags {
            url: self.url.clone().or_else(|| before.url.clone()),
            org: self.org.clone().or_else(|| before.org.clone()),
            token: self.token.clone().or_else(|| before.token.clone()),
            project: self.project.clone().or_else(|| before.project.clone()),
        }
    }

    pub(super) fn resolve(
        &self,
    ) -> Result<dql::client::config::Config, dql::client::error::ClientError> {
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
pub(super) struct OutputFlags {
    /// Write the output to FILE instead of standard output.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "output_dir"
    )]
    pub(super) output_file: Option<PathBuf>,
    /// Write each statement's result to its own file in DIR (NAME.csv for `@name NAME`,
    /// statement-N.csv otherwise; the extension follows --format).
    #[arg(long, value_name = "DIR")]
    pub(super) output_dir: Option<PathBuf>,
    /// On a terminal: do not cut long values to the terminal's width.
    #[arg(long)]
    pub(super) wide: bool,
    /// On a terminal: print long results instead of showing them in $PAGER (less).
    #[arg(long)]
    pub(super) no_pager: bool,
    /// On a terminal: rows shown per result (0: all; default 40 without a pager, all with one).
    #[arg(long, value_name = "N")]
    pub(super) max_rows: Option<usize>,
}

impl OutputFlags {
    pub(super) fn options(&self) -> commands::output::OutputOptions {
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
pub(super) struct QueryArgs {
    /// The query file, or `-` for standard input.
    #[arg(required_unless_present = "execute")]
    pub(super) file: Option<PathBuf>,
    /// The query text itself instead of a file: `-e 'SELECT count() FROM errors'`.
    #[arg(
        short = 'e',
        long = "execute",
        value_name = "QUERY",
        conflicts_with = "file"
    )]
    pub(super) execute: Option<String>,
    /// Bind `$name` to a value (repeatable). Values are data: they never change a query's shape.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub(super) params: Vec<String>,
    /// Turn "did you mean" warnings about near names into errors.
    #[arg(long)]
    pub(super) strict: bool,
    /// Queries piped into plain `dql`, already read.
    #[arg(skip)]
    pub(super) piped: Option<String>,
}

impl QueryArgs {
    /// Where the queries come from.
    pub(super) fn input(&self) -> commands::Input<'_> {
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
