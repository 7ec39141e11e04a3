//! What a saved query means, independent of how it is spelled, and the differences between two
//! in DQL terms.

use super::{EXPRESSED, RESPONSE_ONLY, dataset_of_query_dataset, explore, resolve_orderby};
use crate::semantic::Catalog;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// One search term of a saved query's `query`, by meaning (how Sentry's parser reads it, up to
/// quoting) and as written.
#[derive(Debug, Clone)]
struct QueryTerm {
    key: String,
    text: String,
}

/// A saved query's meaning: the name, the dataset, the columns in order, the search terms (an
/// AND of terms is compared as a set), the sort with `-count`-style aliases resolved, the range,
/// the projects and environments as sets, and every other attribute verbatim. An Explore query
/// is read flattened (`explore::flatten`): its first sub-query's table, search and sort, and
/// its mode.
#[derive(Debug, Clone)]
pub struct Meaning {
    name: Option<String>,
    dataset: Option<String>,
    mode: Option<String>,
    fields: Vec<String>,
    query: Vec<QueryTerm>,
    orderby: Option<(String, bool)>,
    range: Option<String>,
    start: Option<String>,
    end: Option<String>,
    projects: Vec<i64>,
    environment: Vec<String>,
    other: BTreeMap<String, Value>,
}

/// One difference between two saved queries, in DQL terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The server's name differs.
    Name {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// An Explore query's mode differs (an aggregate SELECT is the `aggregate` mode).
    Mode {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// `FROM` differs.
    Dataset {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// A column only the file has.
    ColumnAdded(String),
    /// A column only the server has.
    ColumnRemoved(String),
    /// The same columns in another order.
    ColumnsReordered {
        /// The file's order.
        file: Vec<String>,
        /// The server's order.
        server: Vec<String>,
    },
    /// A search term only the file has.
    TermAdded(String),
    /// A search term only the server has.
    TermRemoved(String),
    /// ORDER BY differs.
    Sort {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// SINCE/UNTIL differs.
    Range {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// PROJECT differs.
    Projects {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// ENVIRONMENT differs.
    Environments {
        /// The file's.
        file: String,
        /// The server's.
        server: String,
    },
    /// An attribute kept verbatim (`-- @saved`) differs.
    Verbatim {
        /// The attribute.
        key: String,
        /// The file's value (JSON), `None` when absent.
        file: Option<String>,
        /// The server's value (JSON), `None` when absent.
        server: Option<String>,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Name { file, server } => write!(f, "name: server {server:?}, file {file:?}"),
            Change::Mode { file, server } => {
                write!(f, "Explore mode: server `{server}`, file `{file}`")
            }
            Change::Dataset { file, server } => {
                write!(f, "FROM: server `{server}`, file `{file}`")
            }
            Change::ColumnAdded(c) => write!(f, "+ column `{c}`"),
            Change::ColumnRemoved(c) => write!(f, "- column `{c}`"),
            Change::ColumnsReordered { file, server } => write!(
                f,
                "column order: server `{}`, file `{}`",
                server.join(", "),
                file.join(", ")
            ),
            Change::TermAdded(t) => write!(f, "+ filter `{t}`"),
            Change::TermRemoved(t) => write!(f, "- filter `{t}`"),
            Change::Sort { file, server } => {
                write!(f, "ORDER BY: server `{server}`, file `{file}`")
            }
            Change::Range { file, server } => write!(f, "range: server `{server}`, file `{file}`"),
            Change::Projects { file, server } => {
                write!(f, "PROJECT: server `{server}`, file `{file}`")
            }
            Change::Environments { file, server } => {
                write!(f, "ENVIRONMENT: server `{server}`, file `{file}`")
            }
            Change::Verbatim { key, file, server } => write!(
                f,
                "@saved {key}: server {}, file {}",
                server.as_deref().unwrap_or("(none)"),
                file.as_deref().unwrap_or("(none)")
            ),
        }
    }
}

/// A field as Sentry reads it: an equation's white space does not matter.
fn normal_field(field: &str) -> String {
    match field.strip_prefix("equation|") {
        Some(eq) => format!(
            "equation|{}",
            eq.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => field.trim().to_owned(),
    }
}

/// The top-level AND's operands of a parsed search (or the whole filter).
fn conjuncts(filter: &crate::syntax::ast::Filter) -> Vec<&crate::syntax::ast::Filter> {
    match &filter.kind {
        crate::syntax::ast::FilterKind::And(items) => items.iter().collect(),
        _ => vec![filter],
    }
}

/// A parsed search without spans, quoting and values: what must not change when dql
/// re-prints a search (a value may: `1.5s` becomes `1500ms`).
fn shape(value: Value) -> Value {
    match value {
        Value::Object(map) => map
            .into_iter()
            .filter(|(k, _)| k != "quoted")
            .map(|(k, v)| {
                if k == "value" {
                    (k, Value::Null)
                } else {
                    (k, shape(v))
                }
            })
            .collect(),
        Value::Array(items) => items.into_iter().map(shape).collect(),
        other => other,
    }
}

/// The search as dql sends it for `dataset` (values typed and printed canonically: `1.5s` is
/// `1500ms`, `1k` is `1000`), when dql reads it as Sentry does: the same terms, keys and
/// operators. `None` otherwise (dql would read it differently, or refuses it).
pub(crate) fn canonical_query(query: &str, dataset: &str, catalog: &Catalog) -> Option<String> {
    let text = format!("SELECT count() FROM {dataset}\nWHERE {query}\n");
    let source = crate::source::Source::new("<saved query>", text);
    let options = crate::Options::new(jiff::Timestamp::UNIX_EPOCH);
    let compilation = crate::compile_source_with(&source, &options, catalog);
    if compilation.has_errors() || compilation.statements.len() != 1 {
        return None;
    }
    let sent = compilation
        .statements
        .first()?
        .request
        .params
        .iter()
        .find(|(k, _)| k == "query")?
        .1
        .clone();
    let (a, da) = crate::syntax::parse_search(query);
    let (b, db) = crate::syntax::parse_search(&sent);
    if da.iter().chain(&db).any(|d| d.is_error()) {
        return None;
    }
    let same = shape(crate::syntax::ast::without_spans(&a?))
        == shape(crate::syntax::ast::without_spans(&b?));
    same.then_some(sent)
}

/// The terms of a search string: each top-level operand of its AND, compared as dql sends it
/// when dql reads it as Sentry does, else as Sentry's parser reads the text (without spans and
/// quoting). A string dql cannot parse is one term, compared as written.
fn query_terms(query: &str, dataset: &str, catalog: &Catalog) -> Vec<QueryTerm> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let (filter, diagnostics) = crate::syntax::parse_search(query);
    let Some(filter) = filter.filter(|_| !diagnostics.iter().any(|d| d.is_error())) else {
        return vec![QueryTerm {
            key: format!("raw:{query}"),
            text: query.to_owned(),
        }];
    };
    let canonical = canonical_query(query, dataset, catalog);
    let canonical_filter = canonical
        .as_deref()
        .and_then(|c| crate::syntax::parse_search(c).0);
    let keys: Vec<String> = match &canonical_filter {
        Some(c) => conjuncts(c)
            .into_iter()
            .map(|part| {
                format!(
                    "typed:{}",
                    unquoted(crate::syntax::ast::without_spans(part))
                )
            })
            .collect(),
        None => conjuncts(&filter)
            .into_iter()
            .map(|part| unquoted(crate::syntax::ast::without_spans(part)).to_string())
            .collect(),
    };
    conjuncts(&filter)
        .into_iter()
        .zip(keys)
        .map(|(part, key)| QueryTerm {
            key,
            text: part.span.slice(query).unwrap_or(query).to_owned(),
        })
        .collect()
}

/// `value` without the `quoted` flags (Sentry reads `a:"b"` as `a:b`).
fn unquoted(value: Value) -> Value {
    match value {
        Value::Object(map) => map
            .into_iter()
            .filter(|(k, _)| k != "quoted")
            .map(|(k, v)| (k, unquoted(v)))
            .collect(),
        Value::Array(items) => items.into_iter().map(unquoted).collect(),
        other => other,
    }
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A date-time as an instant, so `…Z` and `…+00:00` compare equal.
fn instant(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?;
    Some(
        text.parse::<jiff::Timestamp>()
            .map_or_else(|_| text.to_owned(), |t| t.to_string()),
    )
}

impl Meaning {
    /// The meaning of a Discover saved query (a request body or a server response), its
    /// search typed against the built-in catalog.
    pub fn of(query: &Map<String, Value>) -> Meaning {
        Meaning::with_catalog(query, Catalog::builtin())
    }

    /// [`Meaning::of`] with the search typed against `catalog`.
    pub fn with_catalog(query: &Map<String, Value>, catalog: &Catalog) -> Meaning {
        if explore::is_explore(query) {
            let flat = explore::flatten(query);
            let dataset = flat
                .get("dataset")
                .and_then(Value::as_str)
                .unwrap_or("spans")
                .to_owned();
            let typed_as = explore::dataset_of_explore(&dataset).unwrap_or("spans");
            return Meaning::read(&flat, dataset, typed_as, explore::EXPRESSED, catalog);
        }
        // The request serializer's default (serializers.py: `error-events`).
        let query_dataset = query
            .get("queryDataset")
            .and_then(Value::as_str)
            .unwrap_or("error-events")
            .to_owned();
        let dataset = dataset_of_query_dataset(&query_dataset).unwrap_or("discover");
        Meaning::read(query, query_dataset, dataset, EXPRESSED, catalog)
    }

    /// The meaning of a flat query (Discover's shape) whose dataset is called `dataset_name`,
    /// its search typed as DQL's `dataset`; `expressed` are the attributes read into fields of
    /// their own (the rest is compared verbatim).
    fn read(
        query: &Map<String, Value>,
        dataset_name: String,
        dataset: &str,
        expressed: &[&str],
        catalog: &Catalog,
    ) -> Meaning {
        let query_dataset = dataset_name;
        let fields: Vec<String> = string_list(query.get("fields"))
            .iter()
            .map(|f| normal_field(f))
            .collect();
        let orderby = query
            .get("orderby")
            .and_then(Value::as_str)
            .and_then(|o| resolve_orderby(o, &fields))
            .map(|(key, desc)| (normal_field(&key), desc));
        let mut projects: Vec<i64> = match query.get("projects") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        };
        projects.sort_unstable();
        projects.dedup();
        let mut environment = string_list(query.get("environment"));
        environment.sort();
        environment.dedup();
        let other = query
            .iter()
            .filter(|(k, v)| {
                // Every body dql sends is version 2; only another version means something.
                let version_2 = k.as_str() == "version" && v.as_i64() == Some(2);
                !(expressed.contains(&k.as_str())
                    || RESPONSE_ONLY.contains(&k.as_str())
                    || v.is_null()
                    || version_2)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Meaning {
            name: query.get("name").and_then(Value::as_str).map(str::to_owned),
            dataset: Some(query_dataset),
            mode: query.get("mode").and_then(Value::as_str).map(str::to_owned),
            fields,
            query: query
                .get("query")
                .and_then(Value::as_str)
                .map(|q| query_terms(q, dataset, catalog))
                .unwrap_or_default(),
            orderby,
            range: query
                .get("range")
                .and_then(Value::as_str)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            start: instant(query.get("start")),
            end: instant(query.get("end")),
            projects,
            environment,
            other,
        }
    }

    /// What differs from `server` to `self` (the file), in DQL terms; empty when both mean the
    /// same.
    pub fn changes(&self, server: &Meaning) -> Vec<Change> {
        let mut out = Vec::new();
        if self.name != server.name {
            out.push(Change::Name {
                file: self.name.clone().unwrap_or_default(),
                server: server.name.clone().unwrap_or_default(),
            });
        }
        if self.dataset != server.dataset {
            let show = |d: &Option<String>| match d.as_deref() {
                Some(q) => dataset_of_query_dataset(q)
                    .or_else(|| explore::dataset_of_explore(q))
                    .unwrap_or(q)
                    .to_owned(),
                None => "(unset)".to_owned(),
            };
            out.push(Change::Dataset {
                file: show(&self.dataset),
                server: show(&server.dataset),
            });
        }
        if self.mode != server.mode {
            let show = |m: &Option<String>| m.clone().unwrap_or_else(|| "(unset)".to_owned());
            out.push(Change::Mode {
                file: show(&self.mode),
                server: show(&server.mode),
            });
        }
        if self.fields != server.fields {
            let added: Vec<&String> = self
                .fields
                .iter()
                .filter(|f| !server.fields.contains(f))
                .collect();
            let removed: Vec<&String> = server
                .fields
                .iter()
                .filter(|f| !self.fields.contains(f))
                .collect();
            if added.is_empty() && removed.is_empty() {
                out.push(Change::ColumnsReordered {
                    file: self.fields.iter().map(|f| column(f)).collect(),
                    server: server.fields.iter().map(|f| column(f)).collect(),
                });
            }
            out.extend(
                removed
                    .into_iter()
                    .map(|f| Change::ColumnRemoved(column(f))),
            );
            out.extend(added.into_iter().map(|f| Change::ColumnAdded(column(f))));
        }
        let mut unmatched: Vec<&QueryTerm> = server.query.iter().collect();
        let mut added = Vec::new();
        for term in &self.query {
            match unmatched.iter().position(|t| t.key == term.key) {
                Some(idx) => {
                    unmatched.remove(idx);
                }
                None => added.push(Change::TermAdded(term.text.clone())),
            }
        }
        out.extend(
            unmatched
                .into_iter()
                .map(|t| Change::TermRemoved(t.text.clone())),
        );
        out.extend(added);
        if self.orderby != server.orderby {
            let show = |o: &Option<(String, bool)>| match o {
                Some((key, desc)) => {
                    format!("{} {}", column(key), if *desc { "DESC" } else { "ASC" })
                }
                None => "(none)".to_owned(),
            };
            out.push(Change::Sort {
                file: show(&self.orderby),
                server: show(&server.orderby),
            });
        }
        if (&self.range, &self.start, &self.end) != (&server.range, &server.start, &server.end) {
            out.push(Change::Range {
                file: self.range_text(),
                server: server.range_text(),
            });
        }
        if self.projects != server.projects {
            out.push(Change::Projects {
                file: projects_text(&self.projects),
                server: projects_text(&server.projects),
            });
        }
        if self.environment != server.environment {
            let show = |e: &[String]| {
                if e.is_empty() {
                    "(all)".to_owned()
                } else {
                    e.join(", ")
                }
            };
            out.push(Change::Environments {
                file: show(&self.environment),
                server: show(&server.environment),
            });
        }
        let keys: std::collections::BTreeSet<&String> =
            self.other.keys().chain(server.other.keys()).collect();
        for key in keys {
            let (a, b) = (self.other.get(key), server.other.get(key));
            if a != b {
                out.push(Change::Verbatim {
                    key: key.clone(),
                    file: a.map(Value::to_string),
                    server: b.map(Value::to_string),
                });
            }
        }
        out
    }

    fn range_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.range {
            parts.push(format!("SINCE {r}"));
        }
        match (&self.start, &self.end) {
            (Some(s), Some(e)) => parts.push(format!("SINCE {s} UNTIL {e}")),
            (Some(s), None) => parts.push(format!("start {s}")),
            (None, Some(e)) => parts.push(format!("end {e}")),
            (None, None) => {}
        }
        if parts.is_empty() {
            "(none: 14d)".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

impl PartialEq for Meaning {
    fn eq(&self, other: &Meaning) -> bool {
        self.changes(other).is_empty()
    }
}

/// A field as a DQL select item: an equation is its arithmetic.
fn column(field: &str) -> String {
    field.strip_prefix("equation|").unwrap_or(field).to_owned()
}

fn projects_text(projects: &[i64]) -> String {
    if projects.is_empty() {
        "(my projects)".to_owned()
    } else if projects == [-1] {
        "ALL".to_owned()
    } else {
        projects
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meaning(v: Value) -> Meaning {
        match v {
            Value::Object(m) => Meaning::of(&m),
            _ => Meaning::of(&Map::new()),
        }
    }

    #[test]
    fn spelling_does_not_change_the_meaning() {
        let a = meaning(
            json!({"name": "a", "fields": ["count()", "equation|count() /  2"],
            "orderby": "-count", "query": "level:error browser.name:\"Chrome\"",
            "projects": [2, 1], "start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00+00:00",
            "version": 2, "id": "7", "dateCreated": "x"}),
        );
        let b = meaning(
            json!({"name": "a", "fields": ["count()", "equation|count() / 2"],
            "orderby": "-count()", "query": "browser.name:Chrome level:error",
            "projects": [1, 2], "start": "2026-11-01T00:00:00+00:00", "end": "2026-11-02T00:00:00Z"}),
        );
        assert_eq!(a.changes(&b), Vec::new());
    }

    #[test]
    fn changes_are_in_dql_terms() {
        let file = meaning(json!({"name": "a", "fields": ["transaction", "p95()"],
            "query": "level:fatal", "orderby": "p95", "range": "7d", "display": "top5"}));
        let server = meaning(json!({"name": "a", "fields": ["transaction", "count()"],
            "query": "level:error", "orderby": "-count", "range": "24h"}));
        let text: Vec<String> = file
            .changes(&server)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "- column `count()`",
                "+ column `p95()`",
                "- filter `level:error`",
                "+ filter `level:fatal`",
                "ORDER BY: server `count() DESC`, file `p95() ASC`",
                "range: server `SINCE 24h`, file `SINCE 7d`",
                "@saved display: server (none), file \"top5\"",
            ]
        );
    }
}
