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
        if let Some(argument) = trimmed.strip_prefix("\\x") {
            if argument.is_empty() || argument.starts_with(char::is_whitespace) {
                writeln!(out, "{}", self.settings.display.command("x", argument))?;
                return Ok(Step::Continue);
            }
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
                crate::commands::catalog::catalog()
                    .dataset_names()
                    .join(", ")
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
        if !errors.iter().any(|d| d.is_error()) {
            if let Err(found) = checked.statements {
                errors = found;
            }
        }
        let error = errors.into_iter().find(|d| d.is_error())?;
        Some(match error.help {
            Some(help) => format!("{} ({help})", error.message),
            None => error.message,
        })
    }

    fn meta(&mut self, command: &str, out: &mut dyn Write) -> io::Result<Step> {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(name, rest)| (name, rest.trim()));
        let name = name.to_ascii_lowercase();
        match (name.as_str(), rest) {
            ("help" | "h" | "?", _) => write!(out, "{HELP}")?,
            ("quit" | "exit" | "q", _) => return Ok(Step::Quit),
            ("format", "") => writeln!(out, "format: {}", self.settings.format)?,
            ("format", name) => match name.parse::<Format>() {
                Ok(format) => {
                    self.settings.format = format;
                    writeln!(out, "format: {format}")?;
                }
                Err(error) => {
                    writeln!(out, "error: {error}: valid formats are {}", format_names())?
                }
            },
            ("set", "") => {
                for (key, value) in self.settings.describe() {
                    writeln!(out, "{key:<12} {value}")?;
                }
                self.params(out)?;
            }
            ("set", args) => {
                let (key, value) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                let mut trial = self.settings.clone();
                match trial.set(key, value) {
                    Ok(()) => match self.refuse_setting(&trial, key) {
                        None => {
                            self.settings = trial;
                            writeln!(out, "{} = {}", key.to_ascii_lowercase(), value.trim())?;
                        }
                        Some(reason) => writeln!(
                            out,
                            "error: `.set {key} {}` not set: {reason}",
                            value.trim()
                        )?,
                    },
                    Err(error) => writeln!(out, "error: {error}")?,
                }
            }
            ("edit", _) => writeln!(out, "error: .edit edits on a terminal only")?,
            ("output" | "once", "") if name == "once" => {
                writeln!(out, "error: write `.once FILE`")?;
            }
            ("output", "") => match self.output.take() {
                Some(previous) => writeln!(
                    out,
                    "results come here again ({} is closed)",
                    previous.path.display()
                )?,
                None => writeln!(out, "results already come here")?,
            },
            ("output" | "once", path) => match std::fs::File::create(path) {
                Ok(file) => {
                    let once = name == "once";
                    self.output = Some(Output {
                        path: PathBuf::from(path),
                        file,
                        once,
                    });
                    if once {
                        writeln!(out, "the next result goes to {path}")?;
                    } else {
                        writeln!(out, "results go to {path} (.output alone brings them back)")?;
                    }
                }
                Err(error) => writeln!(out, "error: cannot write {path}: {error}")?,
            },
            ("last", format) => {
                let format = if format.is_empty() {
                    Ok(self.settings.format)
                } else {
                    format.parse::<Format>()
                };
                match (format, self.last_answers.is_empty()) {
                    (_, true) => writeln!(out, "no result yet: run a query first")?,
                    (Ok(format), false) => {
                        let answers = self.last_answers.clone();
                        self.render(&answers, format, out, Shown::HereInFull)?;
                    }
                    (Err(error), false) => {
                        writeln!(out, "error: {error}: valid formats are {}", format_names())?
                    }
                }
            }
            ("watch", seconds) => self.watch(seconds, out)?,
            ("unset", key) if key.starts_with('$') => {
                if self
                    .settings
                    .params
                    .remove(key.trim_start_matches('$'))
                    .is_none()
                {
                    writeln!(out, "error: no parameter {key} is set")?;
                }
            }
            ("unset", key) => {
                if let Err(error) = self.settings.unset(key) {
                    writeln!(out, "error: {error}")?;
                }
            }
            ("params", _) | ("param", "") => self.params(out)?,
            ("param", binding) => match binding.split_once('=') {
                Some((param, value)) if !param.trim().trim_start_matches('$').is_empty() => {
                    let param = param.trim().trim_start_matches('$').to_owned();
                    writeln!(out, "${param} = {}", value.trim())?;
                    self.settings.params.insert(param, value.trim().to_owned());
                }
                _ => writeln!(out, "error: write `.param NAME=VALUE`")?,
            },
            ("compile", "") => match self.last_query.clone() {
                Some(query) => self.query(&query, true, out)?,
                None => writeln!(
                    out,
                    "no query yet: type one, then .compile shows its request"
                )?,
            },
            ("compile", flag) => match parse_on_off(flag) {
                Some(on) => {
                    self.settings.compile_only = on;
                    writeln!(out, "compile only: {}", on_off(on))?;
                }
                None => writeln!(
                    out,
                    "error: write `.compile`, `.compile on` or `.compile off`"
                )?,
            },
            ("describe", name) => {
                let dataset = self.dataset_or(name);
                let catalog = crate::commands::catalog::catalog();
                match crate::commands::catalog::describe(catalog, &dataset, None, None) {
                    Some(text) => self.show_long(text.as_bytes(), out)?,
                    None => writeln!(
                        out,
                        "error: unknown dataset `{dataset}`; {}",
                        suggest::closest_list(&dataset, catalog.dataset_names())
                    )?,
                }
            }
            ("functions", name) => {
                let dataset = self.dataset_or(name);
                let catalog = crate::commands::catalog::catalog();
                if catalog.dataset(&dataset).is_none() {
                    writeln!(
                        out,
                        "error: unknown dataset `{dataset}`; {}",
                        suggest::closest_list(&dataset, catalog.dataset_names())
                    )?;
                } else {
                    let mut text = String::new();
                    for function in catalog.functions_in(&dataset) {
                        text.push_str(&crate::commands::catalog::signature(function));
                        text.push('\n');
                    }
                    self.show_long(text.as_bytes(), out)?;
                }
            }
            (setting @ ("width" | "pager" | "expanded"), argument) => {
                writeln!(out, "{}", self.settings.display.command(setting, argument))?
            }
            ("timing", flag) => match parse_on_off(if flag.is_empty() { "on" } else { flag }) {
                Some(on) => {
                    self.settings.timing = on;
                    writeln!(out, "timing: {}", on_off(on))?;
                }
                None => writeln!(out, "error: write `.timing on` or `.timing off`")?,
            },
            (other, _) => {
                let dotted = format!(".{other}");
                match suggest::suggest(&dotted, COMMANDS) {
                    Some(near) => writeln!(
                        out,
                        "error: unknown command `{dotted}`: did you mean `{near}`? (.help lists them)"
                    )?,
                    None => writeln!(out, "error: unknown command `{dotted}` (.help lists them)")?,
                }
            }
        }
        Ok(Step::Continue)
    }

    /// `name`, else the session's default dataset, else `errors` (what FROM defaults to).
    fn dataset_or(&self, name: &str) -> String {
        if !name.is_empty() {
            return name.to_owned();
        }
        self.settings
            .dataset
            .as_ref()
            .map_or_else(|| String::from("errors"), |d| d.text.clone())
    }

    fn params(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.settings.params.is_empty() {
            return writeln!(out, "no parameters (set one with .param NAME=VALUE)");
        }
        for (name, value) in &self.settings.params {
            writeln!(out, "${name} = {value}")?;
        }
        Ok(())
    }

    /// Parse, apply defaults, check; then compile (when asked, or when nothing can run) or run.
    fn query(&mut self, text: &str, compile_only: bool, out: &mut dyn Write) -> io::Result<()> {
        let source = Source::new("<input>", text);
        let parsed = syntax::parse(&source);
        self.diagnostics(&source, &parsed.diagnostics, out)?;
        if parsed.diagnostics.iter().any(|d| d.is_error()) || parsed.file.statements.is_empty() {
            return Ok(());
        }
        let mut file = parsed.file;
        super::settings::apply_defaults(&mut file, &self.settings);
        let query = Query {
            file: &file,
            params: &self.settings.params,
        };
        let checked = self.backend.check(&query);
        let mut found = checked.diagnostics.clone();
        found.extend(self.backend.deprecations(&source));
        found.sort_by_key(|d| (d.span().start, d.span().end));
        self.diagnostics(&source, &found, out)?;
        if found.iter().any(|d| d.is_error()) {
            return Ok(());
        }
        self.last_query = Some(text.to_owned());
        let hint = self.backend.connection_hint();
        if compile_only || hint.is_some() {
            for statement in &file.statements {
                writeln!(out, "query    {};", statement.kind)?;
            }
            match self.backend.compile(&query, &checked) {
                Ok(request) => writeln!(out, "{}", request.trim_end())?,
                Err(failure) => self.failure(&source, failure, out)?,
            }
            if let (Some(hint), false) = (hint, compile_only) {
                // The banner showed the whole hint; its first line is reminder enough.
                writeln!(out, "not run: {}", hint.lines().next().unwrap_or_default())?;
            }
            return Ok(());
        }
        self.cancel.store(false, Ordering::SeqCst);
        let started = Instant::now();
        let ran = self.backend.run(&query, &checked, &self.cancel);
        let elapsed = started.elapsed();
        match ran {
            Ok(answers) => self.answers(&answers, out)?,
            Err(failure) => self.failure(&source, failure, out)?,
        }
        if self.settings.timing {
            writeln!(out, "time: {:.3} s", elapsed.as_secs_f64())?;
        }
        Ok(())
    }

    /// `.watch N`: the last query again every N seconds until Ctrl-C raises the cancel flag.
    fn watch(&mut self, seconds: &str, out: &mut dyn Write) -> io::Result<()> {
        let seconds = if seconds.is_empty() {
            Some(2.0)
        } else {
            seconds.parse::<f64>().ok()
        };
        let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.1 && *s <= 86_400.0) else {
            return writeln!(
                out,
                "error: write `.watch N` with N seconds, from 0.1 to 86400"
            );
        };
        let Some(query) = self.last_query.clone() else {
            return writeln!(
                out,
                "no query yet: type one, then .watch runs it again and again"
            );
        };
        if let Some(hint) = self.backend.connection_hint() {
            let hint = hint.lines().next().unwrap_or_default().to_owned();
            return writeln!(out, "error: .watch needs queries that run: {hint}");
        }
        self.cancel.store(false, Ordering::SeqCst);
        let pause = std::time::Duration::from_secs_f64(seconds);
        'watch: loop {
            writeln!(
                out,
                "-- {} (every {seconds} s, Ctrl-C stops)",
                dql::lower::time::format_instant(jiff::Timestamp::now())
            )?;
            self.query(&query, false, out)?;
            out.flush()?;
            let started = Instant::now();
            while started.elapsed() < pause {
                if self.cancel.load(Ordering::SeqCst) {
                    break 'watch;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if self.cancel.load(Ordering::SeqCst) {
                break;
            }
        }
        self.cancel.store(false, Ordering::SeqCst);
        writeln!(out, "watch stopped")
    }

    /// Prints the answers in the session's format, to the `.output`/`.once` file when one is
    /// set, and remembers them for `.last` and completion.
    fn answers(&mut self, answers: &[Answer], out: &mut dyn Write) -> io::Result<()> {
        let format = self.settings.format;
        let mut target = self.output.take();
        let written = match &mut target {
            Some(file) => self
                .render(answers, format, &mut file.file, Shown::File)
                .and_then(|()| file.file.flush()),
            None => self.render(answers, format, out, Shown::Here),
        };
        if let Some(file) = target {
            if let Err(error) = &written {
                writeln!(out, "error: cannot write {}: {error}", file.path.display())?;
            } else if !file.once {
                self.output = Some(file);
            }
        } else {
            written?;
        }
        for answer in answers {
            self.tags.extend(tag_names(answer));
            remember_values(&mut self.values, answer);
        }
        self.last_answers = answers.to_vec();
        Ok(())
    }

    /// Draws `answers` in `format` to `out`: here on the terminal, fitted to it and paged
    /// when taller (see [`Shown`]); in a file, whole.
    fn render(
        &self,
        answers: &[Answer],
        format: Format,
        out: &mut dyn Write,
        shown: Shown,
    ) -> io::Result<()> {
        let display = self.settings.display;
        let screen = match shown {
            Shown::File => None,
            Shown::Here | Shown::HereInFull => self.screen,
        };
        // With a pager every row is drawn and a long result is scrolled there; without one a
        // result shows its first rows (all of them for `.last`).
        let paged =
            display.pager && screen.is_some() && crate::commands::output::pager_command().is_some();
        let mut layout = display.layout(screen, paged);
        if shown == Shown::HereInFull {
            layout.max_rows = None;
        }
        let mut text = Vec::new();
        {
            let mut sink = format.sink_with(&mut text, answers.len() > 1, layout);
            for answer in answers {
                dql::format::write_result(
                    sink.as_mut(),
                    answer.name.as_deref(),
                    &answer.columns,
                    &answer.result,
                )?;
            }
            sink.finish()?;
        }
        let shown_in_pager = match screen {
            Some(screen) if paged && crate::commands::output::taller_than(&text, screen) => {
                out.flush()?;
                crate::commands::output::page(&text)?
            }
            _ => false,
        };
        if !shown_in_pager {
            out.write_all(&text)?;
        }
        Ok(())
    }

    /// Text that may be taller than the screen (`.describe`, `.functions`): in the pager when
    /// it is, as a result would be, else printed.
    fn show_long(&self, text: &[u8], out: &mut dyn Write) -> io::Result<()> {
        if let Some(screen) = self.screen {
            if self.settings.display.pager && crate::commands::output::taller_than(text, screen) {
                out.flush()?;
                if crate::commands::output::page(text)? {
                    return Ok(());
                }
            }
        }
        out.write_all(text)
    }

    fn failure(&self, source: &Source, failure: Failure, out: &mut dyn Write) -> io::Result<()> {
        match failure {
            Failure::Diagnostics(diagnostics) => self.diagnostics(source, &diagnostics, out),
            Failure::Message(message) => writeln!(out, "{}", message.trim_end()),
            Failure::Cancelled => writeln!(out, "cancelled"),
        }
    }

    fn diagnostics(
        &self,
        source: &Source,
        diagnostics: &[dql::Diagnostic],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if diagnostics.is_empty() {
            return Ok(());
        }
        // Wrapped at the terminal's width when there is one.
        let width = self.screen.map_or(self.width, |(columns, _)| columns);
        let text = dql::diagnostic::render(source, diagnostics, self.colour, width);
        write!(out, "{text}")
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

/// Keeps the text values of an answer's plain columns (not aggregates), for completion.
fn remember_values(values: &mut BTreeMap<String, BTreeSet<String>>, answer: &Answer) {
    for column in &answer.columns {
        let field = column.field.as_str();
        if field.contains('(') || field.is_empty() {
            continue;
        }
        let key = field
            .strip_prefix("tags[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|inner| inner.split(',').next())
            .unwrap_or(field);
        let seen = values.entry(key.to_owned()).or_default();
        for row in &answer.result.data {
            if seen.len() >= VALUES_PER_KEY {
                break;
            }
            if let Some(serde_json::Value::String(text)) = row.get(field) {
                if !text.is_empty() && text.len() <= 200 {
                    seen.insert(text.clone());
                }
            }
        }
    }
}

/// Tag names among an answer's columns: `tags[x]` keys and names the catalog does not know.
fn tag_names(answer: &Answer) -> Vec<String> {
    let catalog = crate::commands::catalog::catalog();
    answer
        .columns
        .iter()
        .filter_map(|column| {
            let field = column.field.as_str();
            if let Some(inner) = field
                .strip_prefix("tags[")
                .and_then(|rest| rest.strip_suffix(']'))
            {
                return inner.split(',').next().map(str::to_owned);
            }
            let plain = !field.is_empty()
                && field.chars().all(dql::syntax::token::is_name_char)
                && catalog.lookup_field(field).is_none();
            plain.then(|| field.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::backend::Checked;
    use super::*;
    use dql::answer::OutputColumn;
    use dql::result::ResultSet;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A backend that records the queries it was given (as canonical DQL) and answers with
    /// one fixed row.
    #[derive(Default, Clone)]
    struct Fake {
        seen: Rc<RefCell<Vec<String>>>,
        hint: Option<String>,
    }

    impl Backend for Fake {
        fn check(&self, _query: &Query<'_>) -> Checked {
            Checked {
                diagnostics: Vec::new(),
                statements: Ok(Vec::new()),
            }
        }
        fn compile(&self, query: &Query<'_>, _checked: &Checked) -> Result<String, Failure> {
            Ok(format!("GET /fake params={:?}", query.params))
        }
        fn run(
            &mut self,
            query: &Query<'_>,
            _checked: &Checked,
            cancel: &AtomicBool,
        ) -> Result<Vec<Answer>, Failure> {
            if cancel.load(Ordering::SeqCst) {
                return Err(Failure::Cancelled);
            }
            for statement in &query.file.statements {
                self.seen.borrow_mut().push(statement.kind.to_string());
            }
            let row = serde_json::json!({"count()": 3, "customer": "acme"});
            Ok(vec![Answer {
                name: None,
                columns: vec![
                    OutputColumn {
                        field: "customer".into(),
                        label: "customer".into(),
                        ty: None,
                    },
                    OutputColumn {
                        field: "count()".into(),
                        label: "count()".into(),
                        ty: None,
                    },
                ],
                result: ResultSet {
                    data: vec![row.as_object().unwrap().clone()],
                    meta: Default::default(),
                },
                has_more: false,
            }])
        }
        fn connection_hint(&self) -> Option<String> {
            self.hint.clone()
        }
    }

    fn session(fake: Fake) -> Session<Fake> {
        Session::new(fake, Format::Csv, Arc::new(AtomicBool::new(false)), false)
    }

    fn run(session: &mut Session<Fake>, input: &str) -> String {
        let mut out = Vec::new();
        session.handle(input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `.help` fits an 80-column terminal: a longer line wraps mid-word there.
    #[test]
    fn help_fits_80_columns() {
        let mut s = session(Fake::default());
        let help = run(&mut s, ".help");
        assert!(help.contains(".watch [N]"), "{help}");
        for line in help.lines() {
            assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
        }
    }

    #[test]
    fn a_query_runs_with_the_session_defaults_and_prints_in_the_format() {
        let fake = Fake::default();
        let mut s = session(fake.clone());
        assert_eq!(run(&mut s, ".set since 24h"), "since = 24h\n");
        assert_eq!(run(&mut s, ".set dataset errors"), "dataset = errors\n");
        let printed = run(&mut s, "SELECT customer, count()\nGROUP BY customer;");
        assert_eq!(printed, "customer,count()\nacme,3\n");
        assert_eq!(
            fake.seen.borrow().as_slice(),
            ["SELECT customer, count() FROM errors GROUP BY customer SINCE 24h"]
        );
        assert!(s.tags.contains("customer"), "{:?}", s.tags);
    }

    #[test]
    fn describe_and_functions_list_the_catalog() {
        let mut s = session(Fake::default());
        let functions = run(&mut s, ".functions spans");
        assert!(
            functions.contains("p95([column: numeric = span.duration]) → type of argument 1"),
            "{functions}"
        );
        assert!(!functions.contains("apdex"), "{functions}");
        run(&mut s, ".set dataset logs");
        let described = run(&mut s, ".describe");
        assert!(described.starts_with("dataset logs\n"), "{described}");
        assert!(described.contains("severity_number"), "{described}");
        assert!(described.contains("ourlogs/attributes.py"), "{described}");
        let unknown = run(&mut s, ".describe spanz");
        assert!(unknown.contains("did you mean `spans`?"), "{unknown}");
    }

    #[test]
    fn a_syntax_error_is_shown_and_nothing_runs() {
        let fake = Fake::default();
        let mut s = session(fake.clone());
        let printed = run(&mut s, "SELECT count() FRM errors;");
        assert!(printed.contains("dql::syntax::"), "{printed}");
        assert!(fake.seen.borrow().is_empty());
    }

    #[test]
    fn compile_shows_the_last_query_with_defaults_and_params() {
        let mut s = session(Fake::default());
        assert_eq!(
            run(&mut s, ".compile"),
            "no query yet: type one, then .compile shows its request\n"
        );
        run(&mut s, ".param env=prod");
        run(&mut s, ".set environment production");
        run(&mut s, "SELECT count() FROM errors;");
        assert_eq!(
            run(&mut s, ".compile"),
            "query    SELECT count() FROM errors ENVIRONMENT production;\n\
             GET /fake params={\"env\": \"prod\"}\n"
        );
    }

    #[test]
    fn without_a_connection_queries_compile_and_say_how_to_connect() {
        let fake = Fake {
            hint: Some("set SENTRY_AUTH_TOKEN".into()),
            ..Fake::default()
        };
        let mut s = session(fake.clone());
        let printed = run(&mut s, "SELECT count() FROM errors;");
        assert_eq!(
            printed,
            "query    SELECT count() FROM errors;\nGET /fake params={}\nnot run: set SENTRY_AUTH_TOKEN\n"
        );
        assert!(fake.seen.borrow().is_empty());
    }

    #[test]
    fn meta_commands_inspect_and_refuse() {
        let mut s = session(Fake::default());
        assert_eq!(run(&mut s, ".format json"), "format: json\n");
        assert!(run(&mut s, ".format yaml").starts_with("error: unknown output format `yaml`"));
        assert!(run(&mut s, ".fromat csv").contains("did you mean `.format`"));
        assert_eq!(run(&mut s, ".param $p = a b"), "$p = a b\n");
        assert_eq!(run(&mut s, ".params"), "$p = a b\n");
        assert_eq!(run(&mut s, ".unset $p"), "");
        let settings = run(&mut s, ".set");
        assert!(settings.contains("format       json"), "{settings}");
        assert!(settings.contains("no parameters"), "{settings}");
        assert_eq!(run(&mut s, ".timing on"), "timing: on\n");
        assert_eq!(s.handle(".quit", &mut Vec::new()).unwrap(), Step::Quit);
    }

    #[test]
    fn display_commands_change_how_results_are_drawn() {
        let mut s = session(Fake::default());
        assert_eq!(run(&mut s, ".format table"), "format: table\n");
        assert_eq!(run(&mut s, "\\x"), "expanded: on\n");
        let vertical = run(&mut s, "SELECT count() FROM errors;");
        assert!(vertical.starts_with("─[ row 1 ]"), "{vertical}");
        assert!(vertical.contains("customer │ acme"), "{vertical}");
        assert_eq!(run(&mut s, "\\x"), "expanded: off\n");
        assert!(run(&mut s, "SELECT count() FROM errors;").starts_with('┌'));
        assert_eq!(run(&mut s, ".expanded auto"), "expanded: auto\n");
        assert_eq!(run(&mut s, ".width 20"), "width: 20\n");
        assert_eq!(run(&mut s, ".pager off"), "pager: off\n");
        let settings = run(&mut s, ".set");
        assert!(settings.contains("width        20"), "{settings}");
        assert!(settings.contains("pager        off"), "{settings}");
        assert!(run(&mut s, ".width narrow").starts_with("error:"));
        // A fixed width holds even off a terminal.
        let fitted = run(&mut s, "SELECT count() FROM errors;");
        assert!(fitted.lines().all(|l| l.chars().count() <= 20), "{fitted}");
        assert_eq!(run(&mut s, ".width off"), "width: off (nothing is cut)\n");
    }

    #[test]
    fn several_statements_print_in_csv_with_a_statement_column() {
        let mut s = session(Fake::default());
        // The fake gives one answer per run, so two of them are handed to `answers` directly.
        let answer = Fake::default()
            .run(
                &Query {
                    file: &syntax::parse(&Source::new("t", "SELECT count() FROM errors;")).file,
                    params: &Default::default(),
                },
                &Checked {
                    diagnostics: Vec::new(),
                    statements: Ok(Vec::new()),
                },
                &AtomicBool::new(false),
            )
            .unwrap()
            .remove(0);
        let mut out = Vec::new();
        s.answers(&[answer.clone(), answer], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "statement,customer,count()\nresult 1,acme,3\nresult 2,acme,3\n"
        );
    }

    #[test]
    fn output_once_and_last_route_and_reshow_results() {
        let dir = std::env::temp_dir().join(format!("dql-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.csv");
        let path = file.display().to_string();
        let mut s = session(Fake::default());
        assert_eq!(run(&mut s, ".last"), "no result yet: run a query first\n");
        assert!(run(&mut s, &format!(".once {path}")).contains("the next result goes to"));
        assert_eq!(run(&mut s, "SELECT count() FROM errors;"), "");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "customer,count()\nacme,3\n"
        );
        // Only once: the next result is printed here again.
        assert_eq!(
            run(&mut s, "SELECT count() FROM errors;"),
            "customer,count()\nacme,3\n"
        );
        assert!(run(&mut s, &format!(".output {path}")).contains("results go to"));
        run(&mut s, "SELECT count() FROM errors;");
        run(&mut s, "SELECT count() FROM errors;");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "customer,count()\nacme,3\ncustomer,count()\nacme,3\n"
        );
        assert!(run(&mut s, ".output").starts_with("results come here again"));
        // `.last` shows the last result again, in another format when asked.
        assert_eq!(run(&mut s, ".last"), "customer,count()\nacme,3\n");
        assert_eq!(
            run(&mut s, ".last json"),
            "[\n{\"name\":null,\"data\":[\n{\"customer\":\"acme\",\"count()\":3}\n],\"meta\":{\"fields\":{},\"units\":{}}}\n]\n"
        );
        assert!(run(&mut s, ".last yaml").starts_with("error: unknown output format"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn psql_backslash_commands_point_to_dql_ones() {
        let mut s = session(Fake::default());
        assert!(run(&mut s, "\\?").starts_with("Queries end with `;`"));
        let d = run(&mut s, "\\d");
        assert!(
            d.contains("dql has no tables") && d.contains("errors"),
            "{d}"
        );
        assert!(run(&mut s, "\\z").contains("dql's commands start with `.`"));
        assert_eq!(s.handle("\\q", &mut Vec::new()).unwrap(), Step::Quit);
    }

    #[test]
    fn values_of_plain_columns_are_remembered_for_completion() {
        let mut s = session(Fake::default());
        run(
            &mut s,
            "SELECT customer, count() FROM errors GROUP BY customer;",
        );
        assert_eq!(
            s.values.get("customer"),
            Some(&BTreeSet::from(["acme".to_owned()]))
        );
        assert!(!s.values.contains_key("count()"));
    }

    #[test]
    fn a_raised_cancel_flag_is_cleared_before_the_next_run() {
        let mut s = session(Fake::default());
        s.cancel.store(true, Ordering::SeqCst);
        // A Ctrl-C pressed while idle must not cancel the next query.
        assert_eq!(
            run(&mut s, "SELECT count() FROM errors;"),
            "customer,count()\nacme,3\n"
        );
    }
}
