//! Session settings (`.set`, `.param`, `.format`, …) and how their defaults are applied to a
//! parsed query: missing clauses are added to the AST with [`Span::DUMMY`] spans, so a query
//! that says otherwise always wins and no text is ever pasted together.

use dql::Span;
use dql::format::Format;
use dql::semantic::catalog::Catalog;
use dql::semantic::suggest;
use dql::syntax::ast::{
    EnvironmentClause, File, FromClause, Operand, ProjectClause, StatementKind, TimeRange,
};
use dql::syntax::token::{self, Ctx};
use std::collections::BTreeMap;
use std::fmt;

/// A default written with `.set`: the text as typed (shown back by `.set`) and its parsed form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Default<T> {
    /// The value as the user wrote it.
    pub(crate) text: String,
    /// The parsed value, spans already [`Span::DUMMY`].
    pub(crate) value: T,
}

/// Everything a session remembers between inputs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// How results are printed.
    pub(crate) format: Format,
    /// `SINCE …` for queries without one.
    pub(crate) since: Option<Default<TimeRange>>,
    /// `ENVIRONMENT …` for queries without one.
    pub(crate) environment: Option<Default<EnvironmentClause>>,
    /// `PROJECT …` for queries without one.
    pub(crate) project: Option<Default<ProjectClause>>,
    /// `FROM …` for SELECTs without one.
    pub(crate) dataset: Option<Default<FromClause>>,
    /// `$name` values.
    pub(crate) params: BTreeMap<String, String>,
    /// Show the request instead of running queries.
    pub(crate) compile_only: bool,
    /// Print how long each query took.
    pub(crate) timing: bool,
    /// `.width`, `.pager`, `.expanded`.
    pub(crate) display: super::display::Display,
}

impl Settings {
    /// Fresh settings printing in `format`.
    pub(crate) fn new(format: Format) -> Self {
        Settings {
            format,
            since: None,
            environment: None,
            project: None,
            dataset: None,
            params: BTreeMap::new(),
            compile_only: false,
            timing: false,
            display: super::display::Display::default(),
        }
    }
}

/// The keys `.set` and `.unset` accept.
pub(crate) const KEYS: [&str; 4] = ["since", "environment", "project", "dataset"];

/// Why a `.set` was refused (shown to the user as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetError(pub(crate) String);

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Settings {
    /// `.set key value`: parses `value` with the language's own operand rules.
    pub(crate) fn set(&mut self, key: &str, value: &str) -> Result<(), SetError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(SetError(format!(
                "`.set {key}` needs a value (`.unset {key}` clears it)"
            )));
        }
        let text = value.to_owned();
        match key.to_ascii_lowercase().as_str() {
            "since" => {
                self.since = Some(Default {
                    text,
                    value: parse_since(value)?,
                })
            }
            "environment" | "env" => {
                let items = parse_list(value)?;
                self.environment = Some(Default {
                    text,
                    value: EnvironmentClause {
                        items,
                        span: Span::DUMMY,
                    },
                });
            }
            "project" => {
                let all = value.eq_ignore_ascii_case("all");
                let items = if all { Vec::new() } else { parse_list(value)? };
                self.project = Some(Default {
                    text,
                    value: ProjectClause {
                        all: all.then_some(Span::DUMMY),
                        items,
                        span: Span::DUMMY,
                    },
                });
            }
            "dataset" | "from" => {
                let names = Catalog::builtin().dataset_names();
                let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(value)) else {
                    return Err(SetError(format!(
                        "unknown dataset `{value}`: {}",
                        suggest::closest_list(value, names.iter().copied())
                    )));
                };
                self.dataset = Some(Default {
                    text,
                    value: FromClause {
                        dataset: dql::Spanned {
                            node: (*name).to_owned(),
                            span: Span::DUMMY,
                        },
                        span: Span::DUMMY,
                    },
                });
            }
            other => return Err(unknown_key(other)),
        }
        Ok(())
    }

    /// `.unset key`.
    pub(crate) fn unset(&mut self, key: &str) -> Result<(), SetError> {
        match key.to_ascii_lowercase().as_str() {
            "since" => self.since = None,
            "environment" | "env" => self.environment = None,
            "project" => self.project = None,
            "dataset" | "from" => self.dataset = None,
            other => return Err(unknown_key(other)),
        }
        Ok(())
    }

    /// The defaults as `(key, value)` lines for `.set` with no arguments.
    pub(crate) fn describe(&self) -> Vec<(&'static str, String)> {
        let show = |text: Option<&String>| text.cloned().unwrap_or_else(|| "(not set)".into());
        vec![
            ("format", self.format.name().to_owned()),
            ("since", show(self.since.as_ref().map(|d| &d.text))),
            (
                "environment",
                show(self.environment.as_ref().map(|d| &d.text)),
            ),
            ("project", show(self.project.as_ref().map(|d| &d.text))),
            ("dataset", show(self.dataset.as_ref().map(|d| &d.text))),
            ("compile", on_off(self.compile_only).to_owned()),
            ("timing", on_off(self.timing).to_owned()),
            ("width", self.display.width.to_string()),
            ("pager", on_off(self.display.pager).to_owned()),
            (
                "expanded",
                super::display::expanded_name(self.display.expanded).to_owned(),
            ),
        ]
    }

    /// The dataset completion should draw fields from: the session default, if any.
    pub(crate) fn dataset_name(&self) -> Option<&str> {
        self.dataset.as_ref().map(|d| d.value.dataset.node.as_str())
    }
}

/// `on` or `off`.
pub(crate) fn on_off(flag: bool) -> &'static str {
    if flag { "on" } else { "off" }
}

fn unknown_key(key: &str) -> SetError {
    SetError(format!(
        "unknown setting `{key}`: {}",
        suggest::closest_list(key, KEYS)
    ))
}

/// `24h` or `2026-01-01 UNTIL 2026-01-02`, read by the parser's own SINCE clause (so `1 week`
/// reads as the clause reads it, and the checker can suggest `7d`).
fn parse_since(text: &str) -> Result<TimeRange, SetError> {
    let probe = format!("SELECT count() SINCE {text}");
    let parsed = dql::syntax::parse(&dql::Source::new("<.set>", probe.as_str()));
    if let Some(error) = parsed.diagnostics.iter().find(|d| d.is_error()) {
        let at = (error.span().start as usize)
            .checked_sub("SELECT count() SINCE ".len())
            .and_then(|start| text.get(start..))
            .unwrap_or(text);
        return Err(if at.trim().is_empty() {
            SetError(format!("cannot read `{text}`: {}", error.message))
        } else {
            let (unexpected, _) = at
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((at.trim(), ""));
            SetError(format!(
                "cannot read `{text}`: unexpected `{unexpected}` (quote values that contain spaces)"
            ))
        });
    }
    let since = match parsed.file.statements.as_slice() {
        [only] => match &only.kind {
            // Only SINCE: `.set since 24h FROM errors` is not a period.
            StatementKind::Select(select)
                if select.clauses
                    == (dql::syntax::ast::Clauses {
                        since: select.clauses.since.clone(),
                        ..std::default::Default::default()
                    }) =>
            {
                select.clauses.since.clone()
            }
            _ => None,
        },
        _ => None,
    };
    let Some(mut range) = since else {
        return Err(SetError(format!("cannot read `{text}` as a SINCE clause")));
    };
    range.span = Span::DUMMY;
    for operand in [&mut range.since, &mut range.until].into_iter().flatten() {
        operand.span = Span::DUMMY;
    }
    Ok(range)
}

/// `a, b, 'c d'`.
fn parse_list(text: &str) -> Result<Vec<Operand>, SetError> {
    let ctx = Ctx::new(text);
    let mut rest = token::ws(&ctx, text);
    let mut items = Vec::new();
    loop {
        let (after, item) = operand(&ctx, rest)?;
        items.push(item);
        match token::punct(&ctx, after, ",") {
            Ok((after, _)) => rest = after,
            Err(_) => {
                expect_end(after, text)?;
                return Ok(items);
            }
        }
    }
}

fn operand<'a>(ctx: &Ctx<'_>, input: &'a str) -> Result<(&'a str, Operand), SetError> {
    match token::operand(ctx, input) {
        Ok((rest, mut operand)) => {
            operand.span = Span::DUMMY;
            Ok((rest, operand))
        }
        Err(_) => Err(SetError(format!(
            "expected a value at `{}`",
            if input.is_empty() {
                "end of input"
            } else {
                input
            }
        ))),
    }
}

fn expect_end(rest: &str, whole: &str) -> Result<(), SetError> {
    if rest.trim().is_empty() {
        Ok(())
    } else {
        Err(SetError(format!(
            "cannot read `{whole}`: unexpected `{}` (quote values that contain spaces)",
            rest.trim()
        )))
    }
}

/// Adds the session defaults to every statement that does not say otherwise.
///
/// SELECT gets FROM, SINCE, ENVIRONMENT and PROJECT; UPDATE issues gets SINCE, ENVIRONMENT and
/// PROJECT (its FROM is refused by the checker); SHOW EVENT gets a single default project.
pub(crate) fn apply_defaults(file: &mut File, settings: &Settings) {
    for statement in &mut file.statements {
        match &mut statement.kind {
            StatementKind::Select(select) => {
                let clauses = &mut select.clauses;
                fill(&mut clauses.from, &settings.dataset);
                fill(&mut clauses.since, &settings.since);
                fill(&mut clauses.environment, &settings.environment);
                fill(&mut clauses.project, &settings.project);
            }
            StatementKind::UpdateIssues(update) => {
                let clauses = &mut update.clauses;
                fill(&mut clauses.since, &settings.since);
                fill(&mut clauses.environment, &settings.environment);
                fill(&mut clauses.project, &settings.project);
            }
            StatementKind::ShowEvent(show) => {
                if show.project.is_none()
                    && let Some(Default { value, .. }) = &settings.project
                    && let [only] = value.items.as_slice()
                {
                    show.project = Some(only.clone());
                }
            }
            StatementKind::Error => {}
        }
    }
}

fn fill<T: Clone>(clause: &mut Option<T>, default: &Option<Default<T>>) {
    if clause.is_none() {
        *clause = default.as_ref().map(|d| d.value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dql::Source;
    use dql::syntax::parse;

    /// Parses `query`, applies `settings` and prints the result canonically.
    fn applied(query: &str, settings: &Settings) -> String {
        let parsed = parse(&Source::new("t", query));
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let mut file = parsed.file;
        apply_defaults(&mut file, settings);
        file.statements
            .iter()
            .map(|s| s.kind.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn settings() -> Settings {
        let mut settings = Settings::new(Format::Table);
        settings.set("since", "24h").unwrap();
        settings
            .set("environment", "production, 'canary 2'")
            .unwrap();
        settings.set("project", "frontend").unwrap();
        settings.set("dataset", "transactions").unwrap();
        settings
    }

    #[test]
    fn defaults_fill_missing_clauses() {
        assert_eq!(
            applied("SELECT count()", &settings()),
            "SELECT count() FROM transactions SINCE 24h PROJECT frontend \
             ENVIRONMENT production, 'canary 2'"
        );
    }

    #[test]
    fn the_query_wins_over_defaults() {
        assert_eq!(
            applied(
                "SELECT count() FROM errors SINCE 1h ENVIRONMENT dev PROJECT ALL",
                &settings()
            ),
            "SELECT count() FROM errors SINCE 1h PROJECT ALL ENVIRONMENT dev"
        );
    }

    #[test]
    fn show_event_gets_a_single_default_project() {
        // UPDATE issues is covered by the same `fill` calls; its WHERE needs the filter
        // parser, which is not merged yet.
        assert_eq!(
            applied(
                "SHOW EVENT abc; SHOW EVENT def PROJECT backend",
                &settings()
            ),
            "SHOW EVENT abc PROJECT frontend; SHOW EVENT def PROJECT backend"
        );
        let mut two = settings();
        two.set("project", "frontend, backend").unwrap();
        assert_eq!(applied("SHOW EVENT abc", &two), "SHOW EVENT abc");
    }

    #[test]
    fn since_until_and_unset() {
        let mut settings = Settings::new(Format::Table);
        settings
            .set("since", "2026-01-01 until 2026-01-02")
            .unwrap();
        assert_eq!(
            applied("SELECT count() FROM errors", &settings),
            "SELECT count() FROM errors SINCE 2026-01-01 UNTIL 2026-01-02"
        );
        settings.unset("since").unwrap();
        assert_eq!(
            applied("SELECT count() FROM errors", &settings),
            "SELECT count() FROM errors"
        );
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        let mut settings = Settings::new(Format::Table);
        let error = settings.set("dataset", "transaction").unwrap_err();
        assert!(error.0.contains("did you mean `transactions`"), "{error}");
        let error = settings.set("enviroment", "x").unwrap_err();
        assert!(error.0.contains("did you mean `environment`"), "{error}");
        let error = settings.set("since", "24h 1h").unwrap_err();
        assert!(error.0.contains("unexpected `1h`"), "{error}");
        assert!(settings.set("since", "24h FROM errors").is_err());
        assert!(settings.set("since", "24h; SELECT count()").is_err());
        assert!(settings.set("project", "").is_err());
        assert!(settings.since.is_none() && settings.dataset.is_none());
    }
}
