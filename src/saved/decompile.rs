//! The decompiler: a Discover or Explore saved query, as Sentry's API returns it, to one
//! canonical DQL statement.
//!
//! Each attribute becomes a clause: `fields` the select list (an `equation|…` its arithmetic),
//! `query` WHERE (its aggregate terms HAVING), `orderby` ORDER BY (`-count` resolved to
//! `count()`), `range` or `start`/`end` SINCE/UNTIL, `projects` PROJECT (`[-1]` is `PROJECT
//! ALL`), `environment` ENVIRONMENT, `queryDataset` FROM. The statement is then checked and
//! compiled back ([`super::saved_queries`]), and each attribute whose compiled form does not
//! mean what the saved one means (a search dql would read differently, say) is moved, as
//! written, into `-- @saved {…}` and reported. Attributes DQL has no clause for (`yAxis`,
//! `display`, `interval`, `topEvents`, `widths`, legacy ones) go there directly. An Explore
//! query is read flattened (`explore::flatten`: its first sub-query's table, search and sort),
//! and what stays verbatim is written back in Explore's nesting (`explore::nest`).

use super::meaning::Change;
use super::{
    EXPRESSED, Meaning, RESPONSE_ONLY, SavedSource, dataset_of_query_dataset, explore,
    resolve_orderby, saved_queries,
};
use crate::diagnostic::Diagnostic;
use crate::registry::SavedCode;
use crate::semantic::Catalog;
use crate::source::Source;
use crate::span::Span;
use serde_json::{Map, Value};

/// A decompiled saved query.
#[derive(Debug, Clone)]
pub struct Decompiled {
    /// The statement's `-- @name` (also a good file name): the saved name as a slug.
    pub name: String,
    /// The canonical `.dql` text, or why the query has no DQL form (its columns do not check).
    pub text: Result<String, String>,
    /// What was kept verbatim in `-- @saved` and why: warnings into `text`.
    pub reports: Vec<Diagnostic>,
}

/// `name` as a statement name: lower-case, runs of characters outside `[a-z0-9_.-]` turned
/// into one `_`; `None` when nothing is left.
pub fn slug(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out
        .trim_matches(|c| matches!(c, '_' | '.' | '-'))
        .to_owned();
    (!out.is_empty()).then_some(out)
}

/// How an attribute is written in the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// As Sentry wrote it.
    Written,
    /// Re-printed by dql's canonical printer (the search), or quoted (the names).
    Printed,
    /// Not in the statement: kept in `-- @saved`.
    Verbatim,
}

impl Form {
    fn next(self) -> Form {
        match self {
            Form::Written => Form::Printed,
            Form::Printed | Form::Verbatim => Form::Verbatim,
        }
    }
}

/// The parts of the statement, each tried in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Head,
    Fields,
    Query,
    Orderby,
    Range,
    Projects,
    Environment,
}

struct Plan<'q> {
    query: &'q Map<String, Value>,
    catalog: &'q Catalog,
    source: SavedSource,
    name: String,
    fields: Vec<String>,
    dataset: &'static str,
    forms: Vec<(Part, Form)>,
    /// Why each attribute moved to `-- @saved`.
    reasons: Vec<(String, String)>,
    /// An Explore query whose mode is not the one its columns imply: kept in `-- @saved`.
    keep_mode: bool,
}

fn str_attr<'a>(query: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    query
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn id_of(query: &Map<String, Value>) -> Option<String> {
    match query.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Decompiles `query` (a saved query as `GET …/discover/saved/{id}/` or
/// `GET …/explore/saved/{id}/` returns it) against `catalog`.
pub fn decompile(query: &Map<String, Value>, source: SavedSource, catalog: &Catalog) -> Decompiled {
    let id = id_of(query);
    let saved_name = query.get("name").and_then(Value::as_str).unwrap_or("");
    let name = slug(saved_name)
        .or_else(|| id.as_ref().map(|i| format!("query_{i}")))
        .unwrap_or_else(|| "query".to_owned());
    let failed = |why: String| Decompiled {
        name: name.clone(),
        text: Err(why),
        reports: Vec::new(),
    };
    // What the server's query means, read from its own shape.
    let target = Meaning::with_catalog(query, catalog);
    let flat;
    let (query, dataset) = if source == SavedSource::Explore {
        flat = explore::flatten(query);
        let dataset = match flat.get("dataset") {
            Some(Value::String(d)) => match explore::dataset_of_explore(d) {
                Some(d) => d,
                None => return failed(format!("the Explore dataset `{d}` has no DQL dataset")),
            },
            Some(other) => return failed(format!("dataset {other} is not a string")),
            None => "spans",
        };
        if flat.get("mode").and_then(Value::as_str) == Some("aggregate")
            && !flat.contains_key("fields")
        {
            return failed(
                "the aggregate query has no `aggregateField` (an older Explore shape)".into(),
            );
        }
        (&flat, dataset)
    } else {
        let dataset = match query.get("queryDataset") {
            None | Some(Value::Null) => "errors",
            Some(Value::String(d)) => match dataset_of_query_dataset(d) {
                Some(d) => d,
                None => return failed(format!("queryDataset `{d}` has no DQL dataset")),
            },
            Some(other) => return failed(format!("queryDataset {other} is not a string")),
        };
        (query, dataset)
    };
    let fields: Vec<String> = match query.get("fields") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let strings: Vec<String> = items
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect();
            if strings.len() != items.len() {
                return failed("`fields` holds something other than strings".into());
            }
            strings
        }
        _ => return failed("the query has no `fields` (a version 1 query?)".into()),
    };
    let mut plan = Plan {
        query,
        catalog,
        source,
        name: name.clone(),
        fields,
        dataset,
        forms: [
            Part::Head,
            Part::Fields,
            Part::Query,
            Part::Orderby,
            Part::Range,
            Part::Projects,
            Part::Environment,
        ]
        .into_iter()
        .map(|p| (p, Form::Written))
        .collect(),
        reasons: Vec::new(),
        keep_mode: false,
    };
    if let Some(range) = str_attr(query, "range")
        && !is_period(range)
    {
        plan.keep(
            Part::Range,
            format!("the range `{range}` is not a DQL period"),
        );
    }
    if str_attr(query, "range").is_some()
        && (str_attr(query, "start").is_some() || str_attr(query, "end").is_some())
    {
        plan.keep(
            Part::Range,
            "the query has both a range and start/end".into(),
        );
    }
    if str_attr(query, "start").is_some() != str_attr(query, "end").is_some() {
        plan.keep(
            Part::Range,
            "the query has only one of start and end".into(),
        );
    }
    if let Some(Value::Array(p)) = query.get("projects")
        && p.iter().any(|v| v.as_i64().is_none())
    {
        plan.keep(Part::Projects, "a project id is not a number".into());
    }
    if let Some(Value::Array(e)) = query.get("environment")
        && e.iter().any(|v| v.as_str().is_none_or(str::is_empty))
    {
        plan.keep(Part::Environment, "an environment is not a name".into());
    }
    let catalog_source = |text: &str| Source::new(format!("{name}.dql"), text.to_owned());
    for _ in 0..16 {
        let (text, lines) = plan.render();
        let saved = saved_queries(&catalog_source(&text), catalog);
        let error = saved.diagnostics.iter().find(|d| d.is_error());
        if let Some(error) = error {
            let part = part_at(&lines, &text, error.span());
            match part {
                Part::Head | Part::Fields if plan.form(part) == Form::Written => {
                    plan.set(part, Form::Printed);
                    continue;
                }
                Part::Head | Part::Fields => {
                    return failed(format!(
                        "the columns do not check: {} (dql::{})",
                        error.message, error.code
                    ));
                }
                _ => {
                    let next = plan.form(part).next();
                    if next == Form::Verbatim {
                        plan.keep(part, format!("dql refuses it: {}", error.message));
                    } else {
                        plan.set(part, next);
                    }
                    continue;
                }
            }
        }
        let Some(compiled) = saved.queries.first() else {
            return failed("the statement compiles to no saved query".into());
        };
        let changes = Meaning::with_catalog(&compiled.body, catalog).changes(&target);
        let Some(change) = changes.first() else {
            let parsed = crate::syntax::parse(&catalog_source(&text));
            let mut canonical = crate::syntax::format(&parsed.file, &text);
            // The canonical text must mean the same too; should the printer ever change the
            // reading, the checked text is given instead.
            let again = saved_queries(&catalog_source(&canonical), catalog);
            let same = !again.has_errors()
                && again.queries.first().is_some_and(|c| {
                    Meaning::with_catalog(&c.body, catalog)
                        .changes(&target)
                        .is_empty()
                });
            if !same {
                canonical = text;
            }
            return Decompiled {
                name,
                reports: plan.reports(&canonical),
                text: Ok(canonical),
            };
        };
        let part = match change {
            Change::TermAdded(_) | Change::TermRemoved(_) => Part::Query,
            Change::Sort { .. } => Part::Orderby,
            Change::Range { .. } => Part::Range,
            Change::Projects { .. } => Part::Projects,
            Change::Mode { .. } if !plan.keep_mode => {
                plan.keep_mode = true;
                continue;
            }
            Change::Environments { .. } => Part::Environment,
            Change::ColumnAdded(_) | Change::ColumnRemoved(_) | Change::ColumnsReordered { .. }
                if plan.form(Part::Fields) == Form::Written =>
            {
                plan.set(Part::Fields, Form::Printed);
                continue;
            }
            other => return failed(format!("dql would change the query: {other}")),
        };
        let next = plan.form(part).next();
        if next == Form::Verbatim {
            plan.keep(part, format!("dql would read it differently ({change})"));
        } else {
            plan.set(part, next);
        }
    }
    failed("the decompiler did not converge".into())
}

/// `\d+[smhdw]`: a DQL period.
fn is_period(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    matches!(unit, 's' | 'm' | 'h' | 'd' | 'w')
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// The part whose line holds `span`.
fn part_at(lines: &[(usize, Part)], text: &str, span: Span) -> Part {
    let line = text
        .get(..span.start as usize)
        .map_or(0, |t| t.matches('\n').count());
    lines
        .iter()
        .rev()
        .find(|(start, _)| *start <= line)
        .map_or(Part::Head, |(_, p)| *p)
}

/// Attributes each part writes.
fn attributes(part: Part) -> &'static [&'static str] {
    match part {
        Part::Head => &[],
        Part::Fields => &["fields"],
        Part::Query => &["query"],
        Part::Orderby => &["orderby"],
        Part::Range => &["range", "start", "end"],
        Part::Projects => &["projects"],
        Part::Environment => &["environment"],
    }
}

/// A name as a select item or ENVIRONMENT item: as written when it is a plain name, else quoted.
fn name_item(text: &str, quote: bool) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if plain && !quote {
        text.to_owned()
    } else {
        format!("\"{}\"", text.replace('"', "\\\""))
    }
}

/// Whether a filter holds an aggregate term (a function key), so it belongs in HAVING.
fn is_aggregate(filter: &crate::syntax::ast::Filter) -> bool {
    use crate::syntax::ast::{FilterKind, TermKey, TermKind};
    match &filter.kind {
        FilterKind::Term(t) => {
            matches!(&t.kind, TermKind::Search(s) if matches!(s.key, TermKey::Call(_)))
        }
        FilterKind::And(items) | FilterKind::Or(items) => items.iter().any(is_aggregate),
        FilterKind::Not(inner) => is_aggregate(inner),
    }
}

/// The WHERE and HAVING text of a search: its top-level terms split into plain and aggregate
/// ones, each as written or re-printed. `None` when dql cannot parse the search.
fn split_query(query: &str, printed: bool) -> Option<(String, String)> {
    use crate::syntax::ast::FilterKind;
    let (filter, diagnostics) = crate::syntax::parse_search(query);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    let filter = filter?;
    let parts: Vec<&crate::syntax::ast::Filter> = match &filter.kind {
        FilterKind::And(items) => items.iter().collect(),
        _ => vec![&filter],
    };
    let text = |f: &crate::syntax::ast::Filter| {
        if printed {
            match &f.kind {
                FilterKind::Or(_) => format!("({f})"),
                _ => f.to_string(),
            }
        } else {
            f.span.slice(query).unwrap_or_default().to_owned()
        }
    };
    let (mut plain, mut aggregate) = (Vec::new(), Vec::new());
    for part in parts {
        if is_aggregate(part) {
            aggregate.push(text(part));
        } else {
            plain.push(text(part));
        }
    }
    Some((plain.join(" "), aggregate.join(" ")))
}

impl Plan<'_> {
    fn form(&self, part: Part) -> Form {
        self.forms
            .iter()
            .find(|(p, _)| *p == part)
            .map_or(Form::Verbatim, |(_, f)| *f)
    }

    fn set(&mut self, part: Part, form: Form) {
        for (p, f) in &mut self.forms {
            if *p == part {
                *f = form;
            }
        }
    }

    fn keep(&mut self, part: Part, reason: String) {
        self.set(part, Form::Verbatim);
        for key in attributes(part) {
            if self.query.get(*key).is_some_and(|v| !v.is_null()) {
                self.reasons.push(((*key).to_owned(), reason.clone()));
            }
        }
    }

    /// The attributes kept verbatim: those DQL has no clause for, and the parts moved there
    /// (flat: an Explore query's as `explore::flatten` names them).
    fn verbatim(&self) -> Map<String, Value> {
        let expressed = match self.source {
            SavedSource::Discover => EXPRESSED,
            SavedSource::Explore => explore::EXPRESSED,
        };
        let mut out = Map::new();
        for (key, value) in self.query {
            let in_statement = expressed.contains(&key.as_str());
            let kept = self
                .forms
                .iter()
                .any(|(p, f)| *f == Form::Verbatim && attributes(*p).contains(&key.as_str()));
            let skip = RESPONSE_ONLY.contains(&key.as_str())
                || value.is_null()
                || (key == "version" && value.as_i64() == Some(2));
            if !skip && (!in_statement || kept) {
                out.insert(key.clone(), value.clone());
            }
        }
        if self.keep_mode
            && let Some(mode) = self.query.get("mode")
        {
            out.insert("query[0].mode".into(), mode.clone());
        }
        if let Some(name) = self.query.get("name").and_then(Value::as_str) {
            // `-- @name` is a statement name: a saved name that is not one is kept as written.
            if name != self.name {
                out.insert("name".into(), Value::String(name.to_owned()));
            }
        }
        out
    }

    /// [`Plan::verbatim`] as `-- @saved` writes it: an Explore query's in Explore's nesting.
    fn saved_annotation(&self) -> Map<String, Value> {
        match self.source {
            SavedSource::Discover => self.verbatim(),
            SavedSource::Explore => explore::nest(self.verbatim()),
        }
    }

    fn reports(&self, text: &str) -> Vec<Diagnostic> {
        let verbatim = self.verbatim();
        let span = text.find("-- @saved ").map_or(Span::new(0, 0), |start| {
            let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            Span::new(start, end)
        });
        verbatim
            .keys()
            // The saved name is written as it is, not lost: nothing to report.
            .filter(|key| key.as_str() != "name")
            .map(|key| {
                let why = self
                    .reasons
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or_else(|| no_clause(key), |(_, r)| r.clone());
                Diagnostic::warning(
                    SavedCode::KeptVerbatim,
                    span,
                    format!("`{key}` is kept verbatim in `-- @saved`: {why}"),
                )
                .label("kept as Sentry wrote it")
                .help("`dql push` sends it back unchanged; edit it there as JSON")
            })
            .collect()
    }

    /// The statement text, and the line each part starts on.
    fn render(&self) -> (String, Vec<(usize, Part)>) {
        let mut lines: Vec<(String, Part)> = Vec::new();
        let q = self.query;
        lines.push((format!("-- @name {}", self.name), Part::Head));
        if let Some(id) = id_of(q) {
            lines.push((format!("-- @id {id}"), Part::Head));
        }
        lines.push((format!("-- @source {}", self.source.as_str()), Part::Head));
        let verbatim = self.saved_annotation();
        if !verbatim.is_empty() {
            lines.push((format!("-- @saved {}", Value::Object(verbatim)), Part::Head));
        }
        let quote = self.form(Part::Fields) == Form::Printed;
        let items: Vec<String> = self
            .fields
            .iter()
            .map(|f| match f.strip_prefix("equation|") {
                Some(eq) => eq.to_owned(),
                None if f.contains('(') || f.contains('[') => f.clone(),
                None => name_item(f, quote),
            })
            .collect();
        lines.push((format!("SELECT {}", items.join(", ")), Part::Fields));
        lines.push((format!("FROM {}", self.dataset), Part::Fields));
        let form = self.form(Part::Query);
        if form != Form::Verbatim
            && let Some(query) = str_attr(q, "query").filter(|t| !t.trim().is_empty())
        {
            // As dql sends it (`1.5s` is `1500ms`), so that the next pull of what
            // `dql push` saved gives the same text.
            let sent = super::meaning::canonical_query(query, self.dataset, self.catalog);
            let query = match (&sent, form) {
                (Some(sent), Form::Written) => sent.as_str(),
                _ => query,
            };
            if let Some((plain, aggregate)) = split_query(query, form == Form::Printed) {
                if !plain.is_empty() {
                    lines.push((format!("WHERE {plain}"), Part::Query));
                }
                if !aggregate.is_empty() {
                    lines.push((format!("HAVING {aggregate}"), Part::Query));
                }
            } else {
                lines.push((format!("WHERE {query}"), Part::Query));
            }
        }
        if self.form(Part::Orderby) != Form::Verbatim
            && let Some((key, desc)) =
                str_attr(q, "orderby").and_then(|o| resolve_orderby(o, &self.fields))
        {
            let key = key.strip_prefix("equation|").unwrap_or(&key);
            let key = if key.contains('(') || key.contains('[') || key.contains(' ') {
                key.to_owned()
            } else {
                name_item(key, quote)
            };
            let dir = if desc { "DESC" } else { "ASC" };
            lines.push((format!("ORDER BY {key} {dir}"), Part::Orderby));
        }
        if self.form(Part::Range) != Form::Verbatim {
            if let Some(range) = str_attr(q, "range") {
                lines.push((format!("SINCE {range}"), Part::Range));
            } else if let (Some(start), Some(end)) = (str_attr(q, "start"), str_attr(q, "end")) {
                lines.push((
                    format!("SINCE '{}' UNTIL '{}'", instant(start), instant(end)),
                    Part::Range,
                ));
            }
        }
        if self.form(Part::Projects) != Form::Verbatim
            && let Some(Value::Array(p)) = q.get("projects")
        {
            let ids: Vec<i64> = p.iter().filter_map(Value::as_i64).collect();
            if ids == [-1] {
                lines.push(("PROJECT ALL".into(), Part::Projects));
            } else if !ids.is_empty() {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                lines.push((format!("PROJECT {}", ids.join(", ")), Part::Projects));
            }
        }
        if self.form(Part::Environment) != Form::Verbatim
            && let Some(Value::Array(e)) = q.get("environment")
        {
            let names: Vec<String> = e
                .iter()
                .filter_map(Value::as_str)
                .map(|n| name_item(n, self.form(Part::Environment) == Form::Printed))
                .collect();
            if !names.is_empty() {
                lines.push((
                    format!("ENVIRONMENT {}", names.join(", ")),
                    Part::Environment,
                ));
            }
        }
        let mut text = String::new();
        let mut starts = Vec::new();
        for (idx, (line, part)) in lines.into_iter().enumerate() {
            starts.push((idx, part));
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str(";\n");
        (text, starts)
    }
}

/// A date-time as DQL writes it: UTC with a trailing `Z`.
fn instant(text: &str) -> String {
    text.parse::<jiff::Timestamp>()
        .map_or_else(|_| text.to_owned(), |t| t.to_string())
}

/// Why an attribute has no clause (an Explore sub-query's as `query[N].KEY` or `query[N]`).
fn no_clause(key: &str) -> String {
    if key.starts_with("query[") && !key.starts_with("query[0]") {
        return "Explore shows several queries at once; a DQL statement is the first".into();
    }
    match key.strip_prefix("query[0].").unwrap_or(key) {
        "yAxis" | "display" | "interval" | "topEvents" | "visualize" | "aggregateField" => {
            "it sets the query's chart, which a DQL statement does not describe".into()
        }
        "fields" | "orderby" if key.starts_with("query[0].") => {
            "the samples table of an aggregate Explore query; the statement is its aggregate table"
                .into()
        }
        "aggregateOrderby" => "the aggregate table's sort of a samples Explore query".into(),
        "groupby" => "an older Explore shape of the group-bys".into(),
        "caseInsensitive" => "dql's searches are case-sensitive".into(),
        "mode" => "the query's Explore mode is not the one its columns imply (an aggregate SELECT is the `aggregate` mode)".into(),
        "crossEvents" => "searches over other datasets have no DQL form".into(),
        "widths" => "column widths are presentation, not query".into(),
        "version" => "dql writes version 2 queries".into(),
        _ => "DQL has no clause for it".into(),
    }
}

/// `text` (a decompiled file) with `-- @description {description}` after its `-- @name` line:
/// the file's own description, which `dql pull` keeps (Sentry's saved queries have none).
pub fn with_description(text: &str, description: &str) -> String {
    let description = description.trim();
    if description.is_empty() || description.contains(['\n', '\r']) {
        return text.to_owned();
    }
    let Some(end) = text
        .starts_with("-- @name ")
        .then(|| text.find('\n'))
        .flatten()
    else {
        return text.to_owned();
    };
    format!(
        "{}\n-- @description {description}{}",
        &text[..end],
        &text[end..]
    )
}
