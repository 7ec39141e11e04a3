//! The inverse of the decompiler: the statements of a `.dql` file as saved-query bodies, or the
//! reason each cannot be one.

use super::{SavedSource, explore, query_dataset_of};
use crate::diagnostic::Diagnostic;
use crate::registry::SavedCode;
use crate::semantic::Catalog;
use crate::semantic::checked::{CheckedKind, ColumnValue, EventsQuery, Projects, TimePoint};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::ast::{Annotation, Statement, StatementKind};
use serde_json::{Map, Value, json};

/// One statement of a file as a saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct FileQuery {
    /// `-- @name`.
    pub name: Option<String>,
    /// `-- @id`: the server's id, when the query has been saved.
    pub id: Option<String>,
    /// `-- @source`: where it is saved.
    pub source: SavedSource,
    /// The request body (POST or PUT): `version` 2 and the attributes the statement and its
    /// `-- @saved` annotation give.
    pub body: Map<String, Value>,
    /// The statement.
    pub span: Span,
    /// Where a `-- @id` line goes: the start of the statement's first annotation line (or of
    /// the statement).
    pub insert_at: usize,
}

/// A file's statements as saved queries, and every problem found (compile errors, and the
/// reasons a statement cannot be saved), in source order.
#[derive(Debug, Clone)]
pub struct SavedFile {
    /// The statements that are saved queries.
    pub queries: Vec<FileQuery>,
    /// Every diagnostic; a statement with an error is not in `queries`.
    pub diagnostics: Vec<Diagnostic>,
}

impl SavedFile {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn annotation<'a>(statement: &'a Statement, key: &str) -> Option<&'a Annotation> {
    statement.annotations.iter().find(|a| a.key.node == key)
}

fn inexpressible(span: Span, message: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::error(SavedCode::Inexpressible, span, message)
        .label("no saved-query equivalent")
        .help(help.to_owned())
}

/// The statements of `source` as saved queries, checked against `catalog`.
pub fn saved_queries(source: &Source, catalog: &Catalog) -> SavedFile {
    // Nothing here depends on "now": a saved range is a period or two instants.
    let options = crate::Options::new(jiff::Timestamp::UNIX_EPOCH);
    let compilation = crate::compile_source_with(source, &options, catalog);
    let parsed = crate::syntax::parse(source);
    let mut diagnostics = compilation.diagnostics.clone();
    let mut queries = Vec::new();
    let several = parsed.file.statements.len() > 1;
    for statement in &parsed.file.statements {
        let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
        let name = annotation(statement, "name").map(|a| a.value.node.clone());
        if several && name.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    SavedCode::Unnamed,
                    statement.span,
                    "this statement has no `-- @name`, and the file holds several",
                )
                .label("unnamed")
                .help("add `-- @name some_name` above it, or keep one saved query per file"),
            );
        }
        match &statement.kind {
            StatementKind::Select(_) => {}
            StatementKind::Error => continue,
            StatementKind::ShowEvent(_) | StatementKind::UpdateIssues(_) => {
                let what = if matches!(statement.kind, StatementKind::ShowEvent(_)) {
                    "SHOW EVENT looks up one event"
                } else {
                    "UPDATE changes issues"
                };
                diagnostics.push(
                    Diagnostic::error(
                        SavedCode::NotASavedQuery,
                        statement.span,
                        format!("{what}; a saved query is a SELECT over events"),
                    )
                    .label("cannot be saved")
                    .help("keep this statement in a file that `dql push` is not given"),
                );
                continue;
            }
        }
        let Some(compiled) = compilation
            .statements
            .iter()
            .find(|c| c.checked.span == statement.span)
        else {
            continue;
        };
        let CheckedKind::Events(q) = &compiled.checked.kind else {
            diagnostics.push(
                Diagnostic::error(
                    SavedCode::NotASavedQuery,
                    statement.span,
                    "a query over issues cannot be a saved query",
                )
                .label("cannot be saved")
                .help("Discover saves queries over errors and transactions, Explore over spans, logs and trace metrics"),
            );
            continue;
        };
        let mut problems = Vec::new();
        let source_kind = statement_source(statement, q, &mut problems);
        let id = annotation(statement, "id").and_then(|a| {
            let id = a.value.node.trim();
            if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
                Some(id.to_owned())
            } else {
                problems.push(
                    Diagnostic::error(
                        SavedCode::BadAnnotation,
                        a.value.span,
                        format!("`{id}` is not a saved-query id"),
                    )
                    .label("not digits")
                    .help("Sentry's saved-query ids are numbers; remove the line to create the query anew"),
                );
                None
            }
        });
        let body = body_of(statement, q, source_kind, &compiled.request, &mut problems);
        let failed = !problems.is_empty();
        diagnostics.extend(problems);
        let errors_now = diagnostics.iter().filter(|d| d.is_error()).count();
        if failed || errors_now > errors_before {
            continue;
        }
        let first_line = statement
            .annotations
            .iter()
            .map(|a| a.span.start as usize)
            .chain(std::iter::once(statement.span.start as usize))
            .min()
            .unwrap_or(0);
        let insert_at = source
            .text()
            .get(..first_line)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        queries.push(FileQuery {
            name,
            id,
            source: source_kind,
            body,
            span: statement.span,
            insert_at,
        });
    }
    diagnostics.sort_by_key(|d| (d.span().start, d.span().end));
    SavedFile {
        queries,
        diagnostics,
    }
}

/// `-- @source`, or the source the dataset implies.
fn statement_source(
    statement: &Statement,
    q: &EventsQuery,
    problems: &mut Vec<Diagnostic>,
) -> SavedSource {
    let explore_dataset = explore::explore_dataset_of(&q.dataset).is_some();
    let Some(a) = annotation(statement, "source") else {
        return if explore_dataset {
            SavedSource::Explore
        } else {
            SavedSource::Discover
        };
    };
    let Some(source) = SavedSource::parse(a.value.node.trim()) else {
        let near = crate::semantic::suggest::suggest(a.value.node.trim(), ["discover", "explore"]);
        problems.push(
            Diagnostic::error(
                SavedCode::BadAnnotation,
                a.value.span,
                format!("`{}` is not a saved-query source", a.value.node),
            )
            .label("unknown source")
            .help("`-- @source discover` or `-- @source explore`")
            .fix_opt(a.value.span, near),
        );
        return SavedSource::Discover;
    };
    if source == SavedSource::Discover && explore_dataset {
        problems.push(
            Diagnostic::error(
                SavedCode::WrongSource,
                a.value.span,
                format!(
                    "Discover saves queries over errors and transactions, not `{}`",
                    q.dataset
                ),
            )
            .label("Discover")
            .help("Sentry keeps span queries in Explore: change this to `-- @source explore` and remove `-- @id` (it is a Discover id); `dql migrate` does both"),
        );
    }
    if source == SavedSource::Explore && !explore_dataset {
        problems.push(
            Diagnostic::error(
                SavedCode::WrongSource,
                a.value.span,
                format!(
                    "Explore saves queries over spans, logs and tracemetrics, not `{}`",
                    q.dataset
                ),
            )
            .label("Explore")
            .help("Sentry keeps error and transaction queries in Discover: change this to `-- @source discover` and remove `-- @id` (it is an Explore id)"),
        );
    }
    source
}

/// The saved-query body of a checked SELECT: Discover's, or Explore's (`explore::body`).
fn body_of(
    statement: &Statement,
    q: &EventsQuery,
    source: SavedSource,
    request: &crate::lower::Request,
    problems: &mut Vec<Diagnostic>,
) -> Map<String, Value> {
    let StatementKind::Select(select) = &statement.kind else {
        return Map::new();
    };
    let clauses = &select.clauses;
    for item in &select.items {
        if let Some(alias) = &item.alias {
            problems.push(inexpressible(
                alias.span,
                format!(
                    "a saved query has no column names, so `AS {}` would be lost",
                    alias.name
                ),
                "remove the alias; Sentry names the column after what it computes",
            ));
        }
    }
    if let Some(limit) = &clauses.limit {
        problems.push(inexpressible(
            limit.span,
            "a saved query has no row limit",
            "remove LIMIT; Discover pages through the rows itself",
        ));
    }
    if let Some(interval) = &clauses.interval {
        problems.push(inexpressible(
            interval.span,
            "a saved query is a table; its chart's interval lives in `-- @saved {\"interval\": …}`",
            "remove INTERVAL and put the chart settings (`interval`, `yAxis`, `display`, `topEvents`) in a `-- @saved {…}` annotation",
        ));
    }
    let columns: Vec<String> = q.columns.iter().map(|c| c.value.canonical()).collect();
    if q.aggregate && !q.columns.iter().any(|c| c.value.is_aggregate()) {
        problems.push(inexpressible(
            clauses.group_by.as_ref().map_or(statement.span, |g| g.span),
            "Discover groups only when a function is selected; this query has none",
            "select an aggregate such as `count()`",
        ));
    }
    if let Some(group) = &clauses.group_by {
        for g in &q.group_by {
            if !columns.contains(&g.name) {
                problems.push(inexpressible(
                    group.span,
                    format!(
                        "`{}` groups but is not a column; a saved query groups by its columns",
                        g.name
                    ),
                    "add it to the select list",
                ));
            }
        }
    }
    let mut orderby = None;
    if let Some(order) = &clauses.order_by {
        if let Some(extra) = order.keys.get(1) {
            problems.push(inexpressible(
                extra.span,
                "a saved query sorts by one key",
                "keep the first ORDER BY key",
            ));
        }
        if let Some(key) = q.order_by.first() {
            let canonical = key.value.canonical();
            if !columns.contains(&canonical) {
                problems.push(inexpressible(
                    order.span,
                    format!("`{canonical}` is not a column; Sentry sorts a saved query by one of its columns"),
                    "add it to the select list",
                ));
            } else if matches!(key.value, ColumnValue::Equation(_))
                && source == SavedSource::Discover
            {
                // Sentry's orderby takes fields, not equations (serializers.py help text);
                // the Discover UI writes `equation[N]`.
                let n = columns
                    .iter()
                    .filter(|c| c.starts_with("equation|"))
                    .position(|c| *c == canonical)
                    .unwrap_or(0);
                let sign = if key.descending { "-" } else { "" };
                orderby = Some(format!("{sign}equation[{n}]"));
            } else {
                let sign = if key.descending { "-" } else { "" };
                orderby = Some(format!("{sign}{canonical}"));
            }
        }
    }
    let param = |name: &str| {
        request
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Map::new();
    // `-- @description` is the file's own: Sentry's saved queries have no description. A saved
    // name that is no statement name comes from `-- @saved {"name": …}`.
    let name = annotation(statement, "name").map(|a| a.value.node.clone());
    if let Some(name) = name {
        body.insert("name".into(), Value::String(name));
    }
    body.insert(
        "fields".into(),
        Value::Array(columns.into_iter().map(Value::String).collect()),
    );
    if let Some(query) = param("query").filter(|q| !q.is_empty()) {
        body.insert("query".into(), Value::String(query));
    }
    if let Some(orderby) = orderby {
        body.insert("orderby".into(), Value::String(orderby));
    }
    match (&q.time.since, &q.time.until) {
        (None, None) => {}
        (Some(TimePoint::Ago(p)), None) => {
            body.insert("range".into(), Value::String(p.text.clone()));
        }
        (Some(TimePoint::At(_) | TimePoint::Day(_)), Some(TimePoint::At(_) | TimePoint::Day(_))) => {
            for key in ["start", "end"] {
                if let Some(v) = param(key) {
                    body.insert(key.into(), Value::String(v));
                }
            }
        }
        _ => problems.push(inexpressible(
            clauses.since.as_ref().map_or(statement.span, |s| s.span),
            "a saved query's range is a period back from now (`SINCE 24h`) or two instants (`SINCE a UNTIL b`)",
            "write `SINCE 7d`, or give both ends as dates",
        )),
    }
    match &q.projects {
        Projects::Default => {
            body.insert("projects".into(), json!([]));
        }
        Projects::All => {
            body.insert("projects".into(), json!([-1]));
        }
        Projects::Ids(ids) => {
            body.insert("projects".into(), json!(ids));
        }
        Projects::Slugs(_) => problems.push(inexpressible(
            clauses.project.as_ref().map_or(statement.span, |p| p.span),
            "a saved query names its projects by id",
            "write the project ids (`PROJECT 42, 43`); Sentry shows them under Settings → Projects",
        )),
    }
    if !q.environments.is_empty() {
        body.insert("environment".into(), json!(q.environments));
    }
    if source == SavedSource::Explore {
        // A dataset Explore does not store is refused by `statement_source`.
        let dataset = explore::explore_dataset_of(&q.dataset).unwrap_or("spans");
        let aggregates: Vec<bool> = q.columns.iter().map(|c| c.value.is_aggregate()).collect();
        let saved =
            annotation(statement, "saved").and_then(|a| Some((a, saved_object(a, problems)?)));
        let mode = saved.as_ref().and_then(|(_, v)| explore::kept_mode(v));
        let mut body = explore::body(body, dataset, &aggregates, mode);
        if let Some((a, mut verbatim)) = saved {
            for key in explore::DISCOVER_ONLY {
                if verbatim.remove(*key).is_some() {
                    problems.push(
                        Diagnostic::error(
                            SavedCode::BadAnnotation,
                            a.value.span,
                            format!("`{key}` is a Discover attribute; Explore has none such and would ignore it"),
                        )
                        .label("not Explore's")
                        .help("Explore draws its chart from `query[0].visualize` (samples) or the chart types in `aggregateField` (aggregate): remove it from `-- @saved`, or write it there in Explore's terms"),
                    );
                }
            }
            for message in explore::merge_verbatim(verbatim, &mut body) {
                problems.push(given_twice(a, message));
            }
        }
        return body;
    }
    match query_dataset_of(&q.dataset) {
        Some(d) => {
            body.insert("queryDataset".into(), Value::String(d.to_owned()));
        }
        None => {
            body.insert("dataset".into(), Value::String(q.dataset.clone()));
        }
    }
    body.insert("version".into(), json!(2));
    if let Some(a) = annotation(statement, "saved") {
        merge_verbatim(a, &mut body, problems);
    }
    body
}

/// A conflict between `-- @saved` and the statement.
fn given_twice(a: &Annotation, message: String) -> Diagnostic {
    Diagnostic::error(SavedCode::BadAnnotation, a.value.span, message)
        .label("given twice")
        .help("remove the attribute from `-- @saved`, or the clause that sets it")
}

/// The JSON object of `-- @saved`, or the problem.
fn saved_object(a: &Annotation, problems: &mut Vec<Diagnostic>) -> Option<Map<String, Value>> {
    match serde_json::from_str(&a.value.node) {
        Ok(Value::Object(map)) => Some(map),
        Ok(_) | Err(_) => {
            problems.push(
                Diagnostic::error(
                    SavedCode::BadAnnotation,
                    a.value.span,
                    "`-- @saved` holds a JSON object of saved-query attributes",
                )
                .label("not a JSON object")
                .help(
                    "write it on one line, e.g. `-- @saved {\"display\":\"top5\",\"topEvents\":5}`",
                ),
            );
            None
        }
    }
}

/// Attributes the statement always sets: `-- @saved` cannot give them too.
const FROM_STATEMENT: &[&str] = &["fields", "queryDataset", "dataset"];

/// Merges `-- @saved {…}` into `body`: a key the statement already gives is an error.
fn merge_verbatim(a: &Annotation, body: &mut Map<String, Value>, problems: &mut Vec<Diagnostic>) {
    let Some(verbatim) = saved_object(a, problems) else {
        return;
    };
    for (key, value) in verbatim {
        let given = FROM_STATEMENT.contains(&key.as_str())
            || (key != "name" && key != "version" && key != "projects" && body.contains_key(&key))
            || (key == "projects" && body.get("projects").is_some_and(|p| p != &json!([])));
        if given {
            problems.push(
                Diagnostic::error(
                    SavedCode::BadAnnotation,
                    a.value.span,
                    format!("`{key}` is given both by the statement and by `-- @saved`"),
                )
                .label("given twice")
                .help(format!(
                    "remove `{key}` from `-- @saved`, or the clause that sets it"
                )),
            );
            continue;
        }
        body.insert(key, value);
    }
}
