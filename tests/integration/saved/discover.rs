//! Discover saved queries: decompiling, refusals and round trips.

use super::*;

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
