//! Saved queries as code: the decompiler and its inverse. For every saved query Q, compiling
//! the decompiled file gives a body that means what Q means; decompiling a canonical file's
//! body gives the file back. Fixtures follow Sentry's documented shapes (the OpenAPI example of
//! `getOrganizationDiscoverSavedQuery`, getsentry/sentry-api-schema; `DiscoverSavedQuerySerializer`
//! in getsentry/sentry `src/sentry/discover/endpoints/serializers.py`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

use dql::Source;
use dql::saved::{Meaning, SavedSource, decompile, saved_queries};
use dql::semantic::Catalog;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

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

#[test]
fn sentry_example_decompiles_to_a_checked_statement() {
    let q = sentry_example();
    let text = round_trip(&q);
    assert_eq!(
        text,
        r#"-- @name all_events
-- @id 2
-- @source discover
-- @saved {"display":"default","name":"All Events","widths":[],"yAxis":["count()"]}
SELECT transaction, project, count(), avg(transaction.duration), p75(), p95()
FROM transactions
WHERE transaction:/api/foo
ORDER BY count() DESC
SINCE 24h;
"#
    );
    let decompiled = decompile(&q, SavedSource::Discover, Catalog::builtin());
    let reported: Vec<&str> = decompiled
        .reports
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(reported.len(), 3, "{reported:?}");
    assert!(reported.iter().all(|m| m.contains("kept verbatim")));
    assert!(
        decompiled
            .reports
            .iter()
            .all(|d| d.code == "dql::saved::kept_verbatim")
    );
}

#[test]
fn deprecated_discover_dataset_with_everything_set() {
    let q = object(json!({
        "id": "5", "name": "Errors by browser", "queryDataset": "discover", "version": 2,
        "fields": ["title", "browser.name", "count()"],
        "query": "event.type:error !browser.name:Firefox count():>10",
        "orderby": "-count", "projects": [-1], "environment": ["production", "staging"],
        "start": "2026-11-01T00:00:00+00:00", "end": "2026-11-08T00:00:00Z",
        "display": "top5", "topEvents": 5, "interval": "1h", "yAxis": ["count()"]
    }));
    let text = round_trip(&q);
    assert!(text.contains("FROM discover\n"), "{text}");
    assert!(
        text.contains("WHERE event.type:error !browser.name:Firefox\n"),
        "{text}"
    );
    assert!(text.contains("HAVING count():>10\n"), "{text}");
    assert!(text.contains("PROJECT ALL\n"), "{text}");
    assert!(text.contains("ENVIRONMENT production, staging"), "{text}");
    assert!(
        text.contains("SINCE '2026-11-01T00:00:00Z' UNTIL '2026-11-08T00:00:00Z'"),
        "{text}"
    );
    assert!(text.contains(r#""interval":"1h""#), "{text}");
}

#[test]
fn equations_and_their_sort() {
    let q = object(json!({
        "id": "9", "name": "users_per_error", "queryDataset": "error-events", "version": 2,
        "fields": ["release", "count()", "count_unique(user)", "equation|count() / count_unique(user)"],
        "orderby": "-equation[0]", "query": "level:error", "range": "7d", "projects": [1, 2]
    }));
    let text = round_trip(&q);
    assert!(
        text.contains(
            "SELECT release, count(), count_unique(user), count() / count_unique(user)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("ORDER BY count() / count_unique(user) DESC"),
        "{text}"
    );
    assert!(!text.contains("@description"), "{text}");
    assert!(!text.contains("@saved"), "{text}");
}

#[test]
fn a_search_dql_would_read_differently_is_kept_verbatim_and_reported() {
    // `from` ends a WHERE clause in DQL; `$x` is a parameter. Sentry reads both as text.
    let q = object(json!({
        "id": "11", "name": "odd words", "queryDataset": "error-events", "version": 2,
        "fields": ["title", "count()"], "query": "message:$x",
        "orderby": "-count", "range": "24h"
    }));
    let text = round_trip(&q);
    let d = decompile(&q, SavedSource::Discover, Catalog::builtin());
    assert!(
        text.contains(r#"-- @saved {"name":"odd words","query":"message:$x"}"#)
            || text.contains("WHERE message:\"$x\""),
        "{text}"
    );
    if text.contains("@saved") {
        assert!(
            d.reports.iter().any(|r| r.message.contains("`query`")),
            "{:?}",
            d.reports
        );
    }
}

#[test]
fn legacy_and_unknown_attributes_are_never_dropped() {
    let q = object(json!({
        "id": "12", "name": "legacy", "queryDataset": "error-events", "version": 1,
        "fields": ["title"], "limit": 50, "somethingNew": {"a": 1}
    }));
    let d = decompile(&q, SavedSource::Discover, Catalog::builtin());
    let text = d.text.unwrap();
    assert!(text.contains(r#""limit":50"#), "{text}");
    assert!(text.contains(r#""somethingNew":{"a":1}"#), "{text}");
    assert!(text.contains(r#""version":1"#), "{text}");
    assert_eq!(d.reports.len(), 3);
    round_trip(&q);
}

#[test]
fn columns_that_do_not_check_have_no_dql_form() {
    let q = object(
        json!({"id": "13", "name": "x", "queryDataset": "error-events",
        "fields": ["count(("], "version": 2}),
    );
    let d = decompile(&q, SavedSource::Discover, Catalog::builtin());
    let why = d.text.unwrap_err();
    assert!(why.contains("columns do not check"), "{why}");
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

#[test]
fn statements_that_cannot_be_saved_are_refused_with_the_reason() {
    let update = refusal("UPDATE issues SET status = resolved WHERE is:unresolved");
    assert_eq!(update.len(), 1, "{update:?}");
    assert!(update[0].starts_with("dql::saved::not_a_saved_query: UPDATE changes issues"));
    let show = refusal("SHOW EVENT 0123456789abcdef0123456789abcdef");
    assert!(
        show[0].starts_with("dql::saved::not_a_saved_query: SHOW EVENT"),
        "{show:?}"
    );
    let unnamed = refusal("SELECT count() FROM errors; SELECT count() FROM transactions");
    assert_eq!(unnamed.len(), 2, "{unnamed:?}");
    assert!(unnamed.iter().all(|u| u.starts_with("dql::saved::unnamed")));
    let named = refusal(
        "-- @name a\nSELECT count() FROM errors;\n-- @name b\nSELECT count() FROM transactions",
    );
    assert!(named.is_empty(), "{named:?}");
    for (text, reason) in [
        ("SELECT count() FROM errors LIMIT 5", "no row limit"),
        ("SELECT count() AS n FROM errors", "no column names"),
        (
            "SELECT count() FROM errors INTERVAL 1h",
            "its chart's interval",
        ),
        (
            "SELECT title, count() FROM errors ORDER BY count() DESC, title",
            "one key",
        ),
        ("SELECT count() FROM errors PROJECT frontend", "by id"),
        (
            "SELECT count() FROM errors SINCE 7d UNTIL 1d",
            "a period back from now",
        ),
        (
            "SELECT title FROM errors GROUP BY title",
            "function is selected",
        ),
    ] {
        let errors = refusal(text);
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        assert!(
            errors[0].starts_with("dql::saved::inexpressible"),
            "{text}: {errors:?}"
        );
        assert!(errors[0].contains(reason), "{text}: {errors:?}");
    }
    let wrong = refusal("-- @source discover\nSELECT count() FROM spans");
    assert!(
        wrong
            .iter()
            .any(|w| w.starts_with("dql::saved::wrong_source")),
        "{wrong:?}"
    );
    let bad = refusal("-- @saved [1]\nSELECT count() FROM errors");
    assert!(bad[0].starts_with("dql::saved::bad_annotation"), "{bad:?}");
    let twice = refusal("-- @saved {\"range\":\"7d\"}\nSELECT count() FROM errors SINCE 24h");
    assert!(twice[0].contains("given both"), "{twice:?}");
}

#[test]
fn a_statement_becomes_a_version_2_body() {
    let saved = saved_queries(
        &Source::new(
            "f.dql",
            "-- @name slow\n-- @description The team's own words, never sent\n-- @id 42\n-- @saved {\"display\":\"top5\",\"name\":\"Slow endpoints\",\"topEvents\":5}\nSELECT transaction, p95() FROM transactions WHERE transaction.duration:>1s ORDER BY -p95() SINCE 7d ENVIRONMENT prod PROJECT 3",
        ),
        Catalog::builtin(),
    );
    assert!(!saved.has_errors(), "{:?}", saved.diagnostics);
    let q = &saved.queries[0];
    assert_eq!(q.id.as_deref(), Some("42"));
    assert_eq!(
        Value::Object(q.body.clone()),
        json!({"name": "Slow endpoints", "fields": ["transaction", "p95()"],
            "query": "transaction.duration:>1000ms", "orderby": "-p95()", "range": "7d",
            "projects": [3], "environment": ["prod"], "queryDataset": "transaction-like",
            "version": 2, "display": "top5", "topEvents": 5})
    );
}

/// Columns, plain terms and aggregate terms that check on each dataset.
fn pools(dataset: &str) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    let aggregates = vec![
        "count()",
        "count_unique(user)",
        "p95()",
        "avg(transaction.duration)",
    ];
    match dataset {
        "transaction-like" => (
            vec!["transaction", "project", "http.method", "release"],
            [
                aggregates.clone(),
                vec!["failure_rate()", "equation|count() / 2"],
            ]
            .concat(),
            vec![
                "transaction:/api/*",
                "!http.method:GET",
                "transaction.duration:>1.5s",
                "has:user.email",
                "release:[1.0, 2.0]",
            ],
        ),
        _ => (
            vec!["title", "level", "browser.name", "release", "project"],
            vec!["count()", "count_unique(user)", "equation|count() * 100"],
            vec![
                "level:error",
                "!browser.name:Firefox",
                "message:\"connection reset\"",
                "has:user.email",
                "(level:error OR level:fatal)",
                "release:1.2.*",
            ],
        ),
    }
}

fn saved_query() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::sample::select(vec!["error-events", "transaction-like", "discover"]),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<prop::sample::Index>()),
        (0..4usize, 0..3usize, 0..3usize, any::<bool>()),
        ("[a-zA-Z][a-zA-Z0-9 _-]{0,20}", 1..100_000u32),
    )
        .prop_map(
            |(ds, agg_pick, aggs, plains, terms, (sort, desc, alias, sort_pick), (range, projects, envs, chart), (name, id))| {
                let (fields, aggregates, plain_terms) =
                    pools(if ds == "transaction-like" { ds } else { "errors" });
                let mut selected: Vec<String> = Vec::new();
                for p in &plains {
                    let f = p.get(&fields).to_string();
                    if !selected.contains(&f) {
                        selected.push(f);
                    }
                }
                let aggregate_query = !aggs.is_empty();
                for a in &aggs {
                    let f = a.get(&aggregates).to_string();
                    if !selected.contains(&f) {
                        selected.push(f);
                    }
                }
                let mut query: Vec<String> = Vec::new();
                for t in &terms {
                    let t = t.get(&plain_terms).to_string();
                    if !query.contains(&t) {
                        query.push(t);
                    }
                }
                if aggregate_query && agg_pick.index(2) == 0 {
                    query.push("count():>10".into());
                }
                let mut q = json!({
                    "id": id.to_string(), "name": name, "queryDataset": ds, "version": 2,
                    "fields": selected.clone(),
                    "projects": match projects { 0 => json!([]), 1 => json!([-1]), _ => json!([4, 2]) },
                    "environment": match envs { 0 => json!([]), 1 => json!(["production"]), _ => json!(["prod", "staging-2"]) },
                    "dateCreated": "2026-11-01T00:00:00Z", "createdBy": null,
                });
                if !query.is_empty() {
                    q["query"] = json!(query.join(" "));
                }
                if sort {
                    let key = sort_pick.get(&selected).clone();
                    let key = if alias {
                        dql::saved::function_alias(&key).unwrap_or(key)
                    } else {
                        key
                    };
                    let key = if key.starts_with("equation|") { "equation[0]".to_owned() } else { key };
                    q["orderby"] = json!(if desc { format!("-{key}") } else { key });
                }
                match range {
                    0 => {}
                    1 => q["range"] = json!("24h"),
                    2 => q["range"] = json!("30d"),
                    _ => {
                        q["start"] = json!("2026-10-01T00:00:00+00:00");
                        q["end"] = json!("2026-10-02T12:30:00Z");
                    }
                }
                if chart {
                    q["yAxis"] = json!(["count()"]);
                    q["display"] = json!("top5");
                    q["topEvents"] = json!(5);
                    q["interval"] = json!("1h");
                }
                object(q)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn decompiled_queries_mean_what_the_saved_ones_mean(q in saved_query()) {
        let text = round_trip(&q);
        // Everything the generator writes has a DQL form: only the chart stays verbatim.
        let saved = text.lines().find(|l| l.starts_with("-- @saved ")).unwrap_or("");
        for key in ["fields", "query", "orderby", "range", "start", "end", "projects", "environment"] {
            prop_assert!(!saved.contains(&format!("\"{key}\":")), "{key} kept verbatim:\n{text}");
        }
    }
}
#[test]
fn a_list_last_in_the_statement_keeps_its_meaning_once_formatted() {
    // `dql fmt` ends the statement with `;` right after the list: `release:[1.0, 2.0];` is
    // still the list (it was once read as the text `[1.0,` and free text `2.0]`).
    let q = object(json!({"id": "1", "name": "A", "fields": ["transaction"],
        "query": "release:[1.0, 2.0]", "queryDataset": "transaction-like", "version": 2}));
    let text = round_trip(&q);
    assert!(text.ends_with("WHERE release:[1.0, 2.0];\n"), "{text}");
}

/// Sentry's own example of an Explore saved query (`EXPLORE_SAVED_QUERY_OBJ` in getsentry/sentry
/// `src/sentry/apidocs/examples/explore_saved_query_examples.py`), with the response-only
/// attributes it documents. Its `samples` mode lists aggregates, which DQL reads as an
/// aggregate query: the mode is kept in `-- @saved`.
fn explore_example() -> Map<String, Value> {
    object(json!({
        "id": "1", "name": "Pageloads", "projects": [], "environment": [], "range": "24h",
        "dataset": "spans", "expired": false, "lastVisited": null, "starred": false,
        "position": null, "isPrebuilt": false, "changedReason": null,
        "dateAdded": "2024-07-25T19:35:38.422859Z", "dateUpdated": "2024-07-25T19:35:38.422874Z",
        "createdBy": {"id": "1", "name": "Admin", "email": "admin@sentry.io"},
        "query": [{
            "query": "span.op:pageload",
            "fields": ["span.op", "project", "count(span.duration)", "avg(span.duration)",
                       "p75(span.duration)", "p95(span.duration)"],
            "orderby": "-count(span.duration)", "mode": "samples"
        }]
    }))
}

#[test]
fn sentry_explore_example_decompiles_with_its_mode_kept() {
    let text = round_trip_in(&explore_example(), SavedSource::Explore);
    assert_eq!(
        text,
        r#"-- @name pageloads
-- @id 1
-- @source explore
-- @saved {"name":"Pageloads","query":[{"mode":"samples"}]}
SELECT span.op, project, count(span.duration), avg(span.duration), p75(span.duration), p95(span.duration)
FROM spans
WHERE span.op:pageload
ORDER BY count(span.duration) DESC
SINCE 24h;
"#
    );
    let d = decompile(&explore_example(), SavedSource::Explore, Catalog::builtin());
    let reported: Vec<&str> = d.reports.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(reported[0].contains("`query[0].mode`"), "{reported:?}");
}

#[test]
fn explore_samples_and_aggregate_queries_with_their_charts() {
    // The documented list's first query: a samples table.
    let samples = object(
        json!({"id": "3", "name": "pageload_samples", "dataset": "spans",
        "projects": [-1], "environment": ["prod"], "start": "2026-11-01T00:00:00.000000Z",
        "end": "2026-11-02T00:00:00Z", "query": [{"query": "span.op:pageload", "mode": "samples",
        "fields": ["id", "span.op", "span.duration", "timestamp"], "orderby": "-timestamp",
        "caseInsensitive": false,
        "visualize": [{"chartType": 1, "yAxes": ["p75(span.duration)"]}]}]}),
    );
    let text = round_trip_in(&samples, SavedSource::Explore);
    assert!(
        text.contains("SELECT id, span.op, span.duration, timestamp\nFROM spans\n"),
        "{text}"
    );
    assert!(text.contains("ORDER BY timestamp DESC\n"), "{text}");
    assert!(text.contains("PROJECT ALL\nENVIRONMENT prod"), "{text}");
    assert!(
        text.contains(
            r#"-- @saved {"query":[{"visualize":[{"chartType":1,"yAxes":["p75(span.duration)"]}]}]}"#
        ),
        "{text}"
    );
    // An aggregate table whose chart types stay verbatim, a second sub-query, an interval.
    let aggregate = object(json!({"id": "4", "name": "db_by_op", "dataset": "spans",
        "interval": "1h", "range": "7d", "query": [
            {"mode": "aggregate", "query": "span.op:db* span.duration:>100ms",
             "fields": ["id", "span.description"], "orderby": "-timestamp",
             "aggregateField": [{"groupBy": "span.op"}, {"yAxes": ["count()"], "chartType": 0},
                                {"yAxes": ["p95(span.duration)"], "chartType": 1}],
             "aggregateOrderby": "-p95(span.duration)"},
            {"mode": "samples", "query": "span.op:http.client", "fields": ["id"]}]}));
    let text = round_trip_in(&aggregate, SavedSource::Explore);
    assert!(
        text.contains("SELECT span.op, count(), p95(span.duration)\nFROM spans\n"),
        "{text}"
    );
    assert!(
        text.contains("ORDER BY p95(span.duration) DESC\n"),
        "{text}"
    );
    assert!(text.contains(r#""interval":"1h""#), "{text}");
    assert!(
        text.contains(r#"{"mode":"samples","query":"span.op:http.client","fields":["id"]}"#)
            || text.contains(r#"{"fields":["id"],"mode":"samples","query":"span.op:http.client"}"#),
        "{text}"
    );
    // Logs, aggregated without chart settings: nothing verbatim at all.
    let logs = object(
        json!({"id": "5", "name": "errors_by_severity", "dataset": "logs",
        "query": [{"mode": "aggregate", "query": "severity:error",
            "aggregateField": [{"groupBy": "severity"}, {"yAxes": ["count()"]}],
            "aggregateOrderby": "-count()"}]}),
    );
    let text = round_trip_in(&logs, SavedSource::Explore);
    assert_eq!(
        text,
        "-- @name errors_by_severity\n-- @id 5\n-- @source explore\nSELECT severity, count()\nFROM logs\nWHERE severity:error\nORDER BY count() DESC;\n"
    );
}

#[test]
fn explore_queries_dql_cannot_state_are_not_pulled_with_the_reason() {
    let migrated = object(json!({"id": "6", "name": "m", "dataset": "segment_spans",
        "query": [{"mode": "samples", "fields": ["id"]}]}));
    let why = decompile(&migrated, SavedSource::Explore, Catalog::builtin())
        .text
        .unwrap_err();
    assert!(why.contains("`segment_spans` has no DQL dataset"), "{why}");
    let legacy = object(json!({"id": "7", "name": "l", "dataset": "spans",
        "query": [{"mode": "aggregate", "groupby": ["span.op"],
                   "visualize": [{"yAxes": ["count()"]}]}]}));
    let why = decompile(&legacy, SavedSource::Explore, Catalog::builtin())
        .text
        .unwrap_err();
    assert!(why.contains("older Explore shape"), "{why}");
}

#[test]
fn a_statement_becomes_an_explore_body() {
    let saved = saved_queries(
        &Source::new(
            "f.dql",
            "-- @name slow_db\n-- @saved {\"interval\":\"1h\",\"query\":[{\"visualize\":[{\"yAxes\":[\"count()\"]}]}]}\nSELECT span.op, count() FROM spans WHERE span.duration:>1s ORDER BY count() DESC SINCE 24h PROJECT 3",
        ),
        Catalog::builtin(),
    );
    assert!(!saved.has_errors(), "{:?}", saved.diagnostics);
    let q = &saved.queries[0];
    assert_eq!(q.source, SavedSource::Explore);
    assert_eq!(
        Value::Object(q.body.clone()),
        json!({"name": "slow_db", "dataset": "spans", "range": "24h", "projects": [3],
            "interval": "1h", "query": [{"mode": "aggregate", "query": "span.duration:>1000ms",
            "aggregateField": [{"groupBy": "span.op"}, {"yAxes": ["count()"]}],
            "aggregateOrderby": "-count()", "visualize": [{"yAxes": ["count()"]}]}]})
    );
    for (text, code, reason) in [
        (
            "-- @source explore\nSELECT count() FROM errors",
            "dql::saved::wrong_source",
            "not `errors`",
        ),
        (
            "-- @saved {\"query\":[{\"mode\":\"samples\",\"fields\":[\"id\"]}]}\nSELECT id FROM spans",
            "dql::saved::bad_annotation",
            "`fields` of the first sub-query is given both",
        ),
        (
            "-- @saved {\"query\":[{\"aggregateField\":[{\"yAxes\":[\"p95()\"],\"chartType\":1}]}]}\nSELECT count() FROM spans",
            "dql::saved::bad_annotation",
            "lists `p95()`, the statement selects `count()`",
        ),
    ] {
        let errors = refusal(text);
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        assert!(errors[0].starts_with(code), "{text}: {errors:?}");
        assert!(errors[0].contains(reason), "{text}: {errors:?}");
    }
}

/// Explore saved queries over spans and logs, in either mode, with chart settings and further
/// sub-queries that stay verbatim.
fn explore_query() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::sample::select(vec!["spans", "logs"]),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        prop::collection::vec(any::<prop::sample::Index>(), 1..3),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        (any::<bool>(), any::<bool>(), any::<prop::sample::Index>()),
        (0..4usize, 0..3usize, any::<bool>(), any::<bool>()),
        ("[a-zA-Z][a-zA-Z0-9 _-]{0,20}", 1..100_000u32),
    )
        .prop_map(
            |(ds, aggregate, plains, aggs, terms, (sort, desc, sort_pick), (range, projects, chart, more), (name, id))| {
                let (columns, functions, pool): (&[&str], &[&str], &[&str]) = if ds == "spans" {
                    (
                        &["span.op", "span.description", "transaction", "project"],
                        &["count()", "p95(span.duration)", "avg(span.duration)", "count_unique(user)"],
                        &["span.op:db*", "!transaction:/health", "span.duration:>1.5s", "has:span.description", "(span.op:http.client OR span.op:db)"],
                    )
                } else {
                    (
                        &["severity", "message", "release", "project"],
                        &["count()", "count_unique(message)"],
                        &["severity:error", "!message:\"connection reset\"", "has:release"],
                    )
                };
                let mut groups: Vec<String> = Vec::new();
                for p in &plains {
                    let c = p.get(columns).to_string();
                    if !groups.contains(&c) {
                        groups.push(c);
                    }
                }
                let mut ys: Vec<String> = Vec::new();
                for a in &aggs {
                    let f = a.get(functions).to_string();
                    if !ys.contains(&f) {
                        ys.push(f);
                    }
                }
                let mut query: Vec<String> = Vec::new();
                for t in &terms {
                    let t = t.get(pool).to_string();
                    if !query.contains(&t) {
                        query.push(t);
                    }
                }
                let mut sub = json!({"mode": if aggregate { "aggregate" } else { "samples" },
                    "caseInsensitive": false});
                let table: Vec<String> = if aggregate {
                    let mut entries: Vec<Value> = groups.iter().map(|g| json!({"groupBy": g})).collect();
                    entries.extend(ys.iter().map(|y| {
                        if chart { json!({"yAxes": [y], "chartType": 1}) } else { json!({"yAxes": [y]}) }
                    }));
                    sub["aggregateField"] = Value::Array(entries);
                    [groups.clone(), ys.clone()].concat()
                } else {
                    sub["fields"] = json!(groups);
                    if chart {
                        sub["visualize"] = json!([{"chartType": 0, "yAxes": ys}]);
                    }
                    groups.clone()
                };
                if !query.is_empty() {
                    sub["query"] = json!(query.join(" "));
                }
                if sort {
                    let key = sort_pick.get(&table).clone();
                    let key = if desc { format!("-{key}") } else { key };
                    sub[if aggregate { "aggregateOrderby" } else { "orderby" }] = json!(key);
                }
                let mut subs = vec![sub];
                if more {
                    subs.push(json!({"mode": "samples", "fields": ["id"], "query": ""}));
                }
                let mut q = json!({
                    "id": id.to_string(), "name": name, "dataset": ds, "query": subs,
                    "projects": match projects { 0 => json!([]), 1 => json!([-1]), _ => json!([4, 2]) },
                    "environment": [], "dateAdded": "2026-11-01T00:00:00Z", "isPrebuilt": false,
                });
                match range {
                    0 => {}
                    1 => q["range"] = json!("24h"),
                    2 => q["range"] = json!("14d"),
                    _ => {
                        q["start"] = json!("2026-10-01T00:00:00.000000Z");
                        q["end"] = json!("2026-10-02T12:30:00Z");
                    }
                }
                if chart {
                    q["interval"] = json!("5m");
                }
                object(q)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn decompiled_explore_queries_mean_what_the_saved_ones_mean(q in explore_query()) {
        let text = round_trip_in(&q, SavedSource::Explore);
        // Everything the generator writes as a table has a DQL form: only charts, the
        // interval and further sub-queries stay verbatim.
        let saved: Value = text
            .lines()
            .find_map(|l| l.strip_prefix("-- @saved "))
            .map_or(json!({}), |j| serde_json::from_str(j).unwrap());
        let first = saved.get("query").and_then(|s| s.get(0)).cloned().unwrap_or(json!({}));
        for key in ["range", "start", "end", "projects", "environment", "dataset"] {
            prop_assert!(saved.get(key).is_none(), "{key} kept verbatim:\n{text}");
        }
        for key in ["aggregateOrderby", "orderby", "mode", "query"] {
            prop_assert!(first.get(key).is_none(), "{key} kept verbatim:\n{text}");
        }
    }
}

#[test]
fn every_refusal_is_coded_at_its_span_with_help() {
    // (file, code, the text the primary span covers, a word of the help)
    for (text, code, at, help) in [
        (
            "UPDATE issues SET status = resolved WHERE is:unresolved",
            "dql::saved::not_a_saved_query",
            "UPDATE issues SET status = resolved WHERE is:unresolved",
            "not given",
        ),
        (
            "SELECT count() FROM errors;\nSHOW EVENT 0123456789abcdef0123456789abcdef",
            "dql::saved::not_a_saved_query",
            "SHOW EVENT 0123456789abcdef0123456789abcdef",
            "not given",
        ),
        (
            "-- @name a\nSELECT count() FROM errors;\nSELECT count() FROM transactions",
            "dql::saved::unnamed",
            "SELECT count() FROM transactions",
            "-- @name",
        ),
        (
            "SELECT count() FROM errors LIMIT 5",
            "dql::saved::inexpressible",
            "LIMIT 5",
            "remove LIMIT",
        ),
        (
            "-- @source explore\nSELECT count() FROM errors",
            "dql::saved::wrong_source",
            "explore",
            "-- @source discover",
        ),
        (
            "-- @source discovery\nSELECT count() FROM errors",
            "dql::saved::bad_annotation",
            "discovery",
            "-- @source discover",
        ),
        (
            "-- @source explore\n-- @saved {\"display\":\"top5\"}\nSELECT count() FROM spans",
            "dql::saved::bad_annotation",
            "{\"display\":\"top5\"}",
            "visualize",
        ),
    ] {
        let saved = saved_queries(&Source::new("f.dql", text), Catalog::builtin());
        let errors: Vec<_> = saved.diagnostics.iter().filter(|d| d.is_error()).collect();
        let d = errors
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{text}: no {code} in {errors:?}"));
        assert_eq!(d.span().slice(text), Some(at), "{text}: {d:?}");
        assert!(
            d.help.as_deref().is_some_and(|h| h.contains(help)),
            "{text}: {:?}",
            d.help
        );
        assert!(!d.labels.is_empty(), "{text}: no label");
    }
    // A near source name comes with its fix.
    let saved = saved_queries(
        &Source::new("f.dql", "-- @source discovery\nSELECT count() FROM errors"),
        Catalog::builtin(),
    );
    let fix = saved.diagnostics[0].fix.as_ref().expect("a fix");
    assert_eq!(fix.replacement, "discover");
}
