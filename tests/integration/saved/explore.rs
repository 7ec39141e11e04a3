//! Explore saved queries: decompiling, charts, refusals and round trips.

use super::*;

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
