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
use std::collections::BTreeSet;
use std::io::{self, Write};
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
Queries end with `;` and may span several lines. Tab completes; Ctrl-C cancels the input or
the running query; Ctrl-D or .quit leaves.

  .help                      this text
  .quit                      leave (also .exit, Ctrl-D)
  .format [NAME]             show or set the output format: table, json, ndjson, csv,
                             markdown, vertical
  .set                       show the session settings
  .set since 24h             default SINCE for queries without one (also `7d UNTIL 1d`)
  .set environment NAME,...  default ENVIRONMENT
  .set project SLUG,...|ALL  default PROJECT
  .set dataset NAME          default FROM
  .unset KEY                 clear a default (KEY or $param)
  .params                    list the $parameters
  .param NAME=VALUE          bind $NAME
  .compile                   show the request of the last query instead of running it
  .compile on|off            compile every query instead of running it
  .timing on|off             print how long each query took
  .describe [DATASET]        list a dataset's fields, functions and cached attributes
  .functions [DATASET]       list a dataset's functions with their signatures
  .width [N|auto|off]        fit tables to N columns, the terminal (auto) or nothing (off)
  .pager [on|off]            show results taller than the screen in $PAGER (less)
  .expanded [on|off|auto]    one block per row; auto when a table would not fit
  \\x                         toggle expanded display
";

/// A session: settings, the backend and what earlier inputs left behind.
pub(crate) struct Session<B> {
    /// The settings `.set`, `.format`, `.param`, … changed.
    pub(crate) settings: Settings,
    /// Tag names seen in earlier results (offered by completion).
    pub(crate) tags: BTreeSet<String>,
    backend: B,
    last_query: Option<String>,
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
            backend,
            last_query: None,
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
        if !trimmed.is_empty() {
            self.query(input, self.settings.compile_only, out)?;
        }
        Ok(Step::Continue)
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
                match self.settings.set(key, value) {
                    Ok(()) => writeln!(out, "{} = {}", key.to_ascii_lowercase(), value.trim())?,
                    Err(error) => writeln!(out, "error: {error}")?,
                }
            }
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
                    Some(text) => write!(out, "{text}")?,
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
                    for function in catalog.functions_in(&dataset) {
                        writeln!(out, "{}", crate::commands::catalog::signature(function))?;
                    }
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
        self.diagnostics(&source, &checked, out)?;
        if checked.iter().any(|d| d.is_error()) {
            return Ok(());
        }
        self.last_query = Some(text.to_owned());
        let hint = self.backend.connection_hint();
        if compile_only || hint.is_some() {
            for statement in &file.statements {
                writeln!(out, "query    {};", statement.kind)?;
            }
            match self.backend.compile(&query) {
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
        let ran = self.backend.run(&query, &self.cancel);
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

    fn answers(&mut self, answers: &[Answer], out: &mut dyn Write) -> io::Result<()> {
        let format = self.settings.format;
        let display = self.settings.display;
        // With a pager every row is drawn and a long result is scrolled there; without one a
        // result shows its first rows.
        let paged = display.pager
            && self.screen.is_some()
            && crate::commands::output::pager_command().is_some();
        let layout = display.layout(self.screen, paged);
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
        let shown_in_pager = match self.screen {
            Some(screen) if paged && crate::commands::output::taller_than(&text, screen) => {
                out.flush()?;
                crate::commands::output::page(&text)?
            }
            _ => false,
        };
        if !shown_in_pager {
            out.write_all(&text)?;
        }
        for answer in answers {
            self.tags.extend(tag_names(answer));
        }
        Ok(())
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
    use super::*;
    use dql::Diagnostic;
    use dql::lower::Column;
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
        fn check(&self, _query: &Query<'_>) -> Vec<Diagnostic> {
            Vec::new()
        }
        fn compile(&self, query: &Query<'_>) -> Result<String, Failure> {
            Ok(format!("GET /fake params={:?}", query.params))
        }
        fn run(&mut self, query: &Query<'_>, cancel: &AtomicBool) -> Result<Vec<Answer>, Failure> {
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
                    Column {
                        field: "customer".into(),
                        label: "customer".into(),
                        ty: None,
                    },
                    Column {
                        field: "count()".into(),
                        label: "count()".into(),
                        ty: None,
                    },
                ],
                result: ResultSet {
                    data: vec![row.as_object().unwrap().clone()],
                    meta: Default::default(),
                },
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
