//! One REPL session without the terminal: meta-commands, settings, and the path of a query
//! through parse → defaults → check → compile or run → format. Output goes to any writer, so
//! unit tests drive it with a fake backend.

use super::backend::{Answer, Backend, Failure, Query};
use super::helper::COMMANDS;
use super::settings::{Settings, on_off};
use dql::Source;
use dql::format::Format;
use dql::semantic::suggest;
use dql::syntax;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

mod meta;
mod query;
#[cfg(test)]
mod tests;

/// What the loop does after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Read the next input.
    Continue,
    /// `.quit`.
    Quit,
}

/// The help shown by `.help`.
pub(crate) const HELP: &str = "\
Queries end with `;` and may span several lines. Tab completes; Ctrl-C cancels
the input or the running query; Ctrl-D or .quit leaves.

  .help                      this text
  .quit                      leave (also .exit, Ctrl-D)
  .format [NAME]             show or set the output format: table, json,
                             ndjson, csv, markdown, vertical
  .set                       show the session settings
  .set since 24h             default SINCE for queries without one
                             (also `7d UNTIL 1d`)
  .set environment NAME,...  default ENVIRONMENT
  .set project SLUG,...|ALL  default PROJECT
  .set dataset NAME          default FROM
  .unset KEY                 clear a default (KEY or $param)
  .params                    list the $parameters
  .param NAME=VALUE          bind $NAME
  .compile                   show the request of the last query instead of
                             running it
  .compile on|off            compile every query instead of running it
  .cost                      what the last query takes to run: requests,
                             pages, windows, least time (as dql compile --cost)
  .timing on|off             print how long each query took
  .describe [DATASET]        list a dataset's fields, functions and cached
                             attributes
  .functions [DATASET]       list a dataset's functions with their signatures
  .width [N|auto|off]        fit tables to N columns, the terminal (auto) or
                             nothing (off)
  .pager [on|off]            show results taller than the screen in $PAGER
                             (less)
  .expanded [on|off|auto]    one block per row; auto when a table would not fit
  \\x                         toggle expanded display
  .edit                      edit the current or last query in $EDITOR, then
                             run it (also \\e)
  .output FILE               send results to FILE from now on (.output alone:
                             back here)
  .once FILE                 send the next result to FILE
  .last [FORMAT]             show the last result again, in full, or in
                             another format
  .watch [N]                 run the last query again every N seconds
                             (default 2) until Ctrl-C

psql's \\q, \\? and \\e work too; \\d lists the datasets (dql has no tables).
";

/// Values kept per field for completion, at most.
const VALUES_PER_KEY: usize = 200;

/// Where `.output` and `.once` send results.
struct Output {
    path: PathBuf,
    file: std::fs::File,
    /// `.once`: only the next result.
    once: bool,
}

/// Where a result is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// On the terminal: fitted to its width, a long result paged or cut to its first rows.
    Here,
    /// On the terminal, every row (`.last`): paged when taller than the screen.
    HereInFull,
    /// In an `.output`/`.once` file: nothing is cut.
    File,
}

/// A session: settings, the backend and what earlier inputs left behind.
pub(crate) struct Session<B> {
    /// The settings `.set`, `.format`, `.param`, … changed.
    pub(crate) settings: Settings,
    /// Tag names seen in earlier results (offered by completion).
    pub(crate) tags: BTreeSet<String>,
    /// String values seen in earlier results, by field (offered after `key:`).
    pub(crate) values: BTreeMap<String, BTreeSet<String>>,
    backend: B,
    last_query: Option<String>,
    last_answers: Vec<Answer>,
    output: Option<Output>,
    cancel: Arc<AtomicBool>,
    colour: bool,
    width: usize,
    /// The terminal's (columns, rows), read by the loop before each input; `None` off a
    /// terminal (and in tests), where nothing is cut or paged.
    pub(crate) screen: Option<(usize, usize)>,
}

impl<B: Backend> Session<B> {
    /// A session printing results in `format`; `cancel` is the flag Ctrl-C raises.
    pub(crate) fn new(backend: B, format: Format, cancel: Arc<AtomicBool>, colour: bool) -> Self {
        Session {
            settings: Settings::new(format),
            tags: BTreeSet::new(),
            values: BTreeMap::new(),
            backend,
            last_query: None,
            last_answers: Vec::new(),
            output: None,
            cancel,
            colour,
            width: if colour { 100 } else { 80 },
            screen: None,
        }
    }

    /// The backend's connection hint, for the banner.
    pub(crate) fn connection_hint(&self) -> Option<String> {
        self.backend.connection_hint()
    }

    /// The text of the last query that checked cleanly.
    pub(crate) fn last_query(&self) -> Option<&str> {
        self.last_query.as_deref()
    }

    /// Handles one complete input: a meta-command or one or more statements.
    pub(crate) fn handle(&mut self, input: &str, out: &mut dyn Write) -> io::Result<Step> {
        let trimmed = input.trim();
        if let Some(argument) = trimmed.strip_prefix("\\x")
            && (argument.is_empty() || argument.starts_with(char::is_whitespace))
        {
            writeln!(out, "{}", self.settings.display.command("x", argument))?;
            return Ok(Step::Continue);
        }
        if let Some(command) = trimmed.strip_prefix('.') {
            return self.meta(command, out);
        }
        if let Some(command) = trimmed.strip_prefix('\\') {
            return self.backslash(command, out);
        }
        if !trimmed.is_empty() {
            self.query(input, self.settings.compile_only, out)?;
        }
        Ok(Step::Continue)
    }

    /// psql's backslash commands: the few with a dql meaning, and a pointer to `.help`.
    fn backslash(&mut self, command: &str, out: &mut dyn Write) -> io::Result<Step> {
        let name = command.split_whitespace().next().unwrap_or("");
        match name {
            "q" => return Ok(Step::Quit),
            "?" | "h" | "help" => write!(out, "{HELP}")?,
            "e" => writeln!(out, "error: \\e edits on a terminal only")?,
            "d" | "dt" | "d+" | "dt+" | "l" => writeln!(
                out,
                "dql has no tables: query a dataset with FROM ({}); .help lists the commands",
                crate::live_catalog::catalog().dataset_names().join(", ")
            )?,
            _ => writeln!(
                out,
                "error: unknown command `\\{name}`: dql's commands start with `.` (.help lists them)"
            )?,
        }
        Ok(Step::Continue)
    }

    /// Checks a `.set` the way the clause it stands for is checked: a query with only that
    /// default must compile.
    fn refuse_setting(&self, trial: &Settings, key: &str) -> Option<String> {
        let mut only = Settings::new(trial.format);
        match key.to_ascii_lowercase().as_str() {
            "since" => only.since.clone_from(&trial.since),
            "environment" | "env" => only.environment.clone_from(&trial.environment),
            "project" => only.project.clone_from(&trial.project),
            _ => return None,
        }
        let parsed = syntax::parse(&Source::new("<probe>", "SELECT count() FROM errors"));
        let mut file = parsed.file;
        super::settings::apply_defaults(&mut file, &only);
        let params = BTreeMap::new();
        let query = Query {
            file: &file,
            params: &params,
        };
        let checked = self.backend.check(&query);
        let mut errors = checked.diagnostics;
        if !errors.iter().any(|d| d.is_error())
            && let Err(found) = checked.statements
        {
            errors = found;
        }
        let error = errors.into_iter().find(|d| d.is_error())?;
        Some(match error.help {
            Some(help) => format!("{} ({help})", error.message),
            None => error.message,
        })
    }
}

fn parse_on_off(flag: &str) -> Option<bool> {
    match flag.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn format_names() -> String {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    names.join(", ")
}
