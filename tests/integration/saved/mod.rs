//! Saved queries as code: the decompiler and its inverse. For every saved query Q, compiling
//! the decompiled file gives a body that means what Q means; decompiling a canonical file's
//! body gives the file back. Fixtures follow Sentry's documented shapes (the OpenAPI example of
//! `getOrganizationDiscoverSavedQuery`, getsentry/sentry-api-schema; `DiscoverSavedQuerySerializer`
//! in getsentry/sentry `src/sentry/discover/endpoints/serializers.py`).

use dql::Source;
use dql::saved::{Meaning, SavedSource, decompile, saved_queries};
use dql::semantic::Catalog;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

mod discover;
mod explore;

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// Decompiles `q` (a Discover saved query), compiles the text back, and checks the round trip:
/// the body means what `q` means, and decompiling the body (with `q`'s id) gives the same
/// text. Returns the text.
fn round_trip(q: &Map<String, Value>) -> String {
    round_trip_in(q, SavedSource::Discover)
}

/// [`round_trip`] of a query saved in `source`.
fn round_trip_in(q: &Map<String, Value>, source: SavedSource) -> String {
    let catalog = Catalog::builtin();
    let decompiled = decompile(q, source, catalog);
    let text = decompiled
        .text
        .unwrap_or_else(|e| panic!("no DQL form for {q:?}: {e}"));
    let saved = saved_queries(&Source::new("q.dql", text.clone()), catalog);
    let errors: Vec<String> = saved
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{text}\n{errors:?}");
    assert_eq!(saved.queries.len(), 1, "{text}");
    let file = &saved.queries[0];
    assert_eq!(file.source, source, "{text}");
    let changes = Meaning::of(&file.body).changes(&Meaning::of(q));
    assert!(
        changes.is_empty(),
        "{text}\nchanges: {changes:?}\nbody: {:?}",
        file.body
    );
    assert_eq!(file.id.as_deref(), q.get("id").and_then(Value::as_str));
    let mut again = file.body.clone();
    if let Some(id) = q.get("id") {
        again.insert("id".into(), id.clone());
    }
    let second = decompile(&again, source, catalog).text.unwrap();
    assert_eq!(second, text, "decompile∘compile is not the identity");
    let parsed = dql::syntax::parse(&Source::new("q.dql", text.clone()));
    assert_eq!(
        dql::syntax::format(&parsed.file, &text),
        text,
        "not canonical"
    );
    text
}

/// Sentry's own example response (sentry-api-schema, `getOrganizationDiscoverSavedQuery`),
/// with the response-only attributes it documents.
fn sentry_example() -> Map<String, Value> {
    object(json!({
        "id": "2", "name": "All Events", "projects": [], "version": 2,
        "queryDataset": "transaction-like", "datasetSource": "unknown", "expired": false,
        "dateCreated": "2024-07-16T14:38:26.584025Z", "dateUpdated": "2024-07-16T14:38:26.584025Z",
        "createdBy": {"id": "1", "name": "Admin", "username": "admin", "email": "admin@sentry.io"},
        "environment": [], "query": "transaction:/api/foo",
        "fields": ["transaction", "project", "count()", "avg(transaction.duration)", "p75()", "p95()"],
        "widths": [], "range": "24h", "orderby": "-count", "yAxis": ["count()"], "display": "default"
    }))
}

fn refusal(text: &str) -> Vec<String> {
    let saved = saved_queries(&Source::new("f.dql", text), Catalog::builtin());
    saved
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}
