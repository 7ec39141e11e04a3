//! Parity suite of the local engine: hand-computed answers over the 11-event fixture
//! `tests/fixtures/events/eval.ndjson`, for every filter kind, aggregate and clause.
//!
//! The fixture (now = 2026-11-20T12:00:00Z unless a test says otherwise):
//!
//! | id | type | time (11-20 unless noted) | project | transaction / title | ms | status | release | browser | env | user |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | T1 abc001 | txn | 10:00 | frontend | /checkout | 100 | ok | 1.0 | Chrome | production | id:1 |
//! | T2 abc002 | txn | 10:30 | frontend | /checkout | 300 | internal_error | 1.0 | Firefox | production | id:2 |
//! | T3 abc003 | txn | 11:15 | frontend | /checkout | 1300 | ok | 1.1 | Chrome | staging | id:1 |
//! | T4 abc004 | txn | 11:45 | backend | /api/orders | 50 | cancelled | 1.1 | — | production | id:3 |
//! | T5 abc005 | txn | 11-19 09:00 | backend | /api/orders | 2000 | deadline_exceeded | 1.1 | — | production | — |
//! | T6 abc006 | txn | 11:59 | frontend | /API/Orders | 500 | ok | 2.0 | Safari | production | id:2 |
//! | E1 abc007 | error 101 | 10:05 | frontend | TypeError: x is undefined | | | 1.0 | Chrome | production | id:1 |
//! | E2 abc008 | error 101 | 11:05 | frontend | TypeError: x is undefined | | | 1.1 | Firefox | production | id:2 |
//! | E3 abc009 | warning 102 | 11:30 | backend | ValueError: bad | | | 1.1 | — | staging | id:3 |
//! | E4 abc00a | fatal 103 | 11-18 08:00 | backend | Timeout | | | 2.0 | Chrome | production | — |
//! | E5 abc00b | error 101 | 11:58 | frontend | TypeError: x is undefined | | | 2.0 | Chrome | production | id:4 |
//!
//! Errors: E1 has exceptions [ChunkLoadError (handled), TypeError (unhandled)], E2 and E5
//! [TypeError (unhandled)], E3 [ValueError (handled)], E4 none; tag `n` is 5, 15, —, —, 25;
//! messages of 101 say "x is undefined in checkout". T1 and T2 have `measurements.lcp` 1000
//! and 2000.

use dql::engine::{EventFiles, LocalResult, NowSource, ReadOptions, RunError, RunOptions, run};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/events/eval.ndjson";
const NOW: &str = "2026-11-20T12:00:00Z";

fn run_with(query: &str, path: &str, options: &RunOptions) -> Result<LocalResult, RunError> {
    let source = dql::Source::new("q.dql", query);
    let parsed = dql::syntax::parse(&source);
    assert!(
        !parsed.diagnostics.iter().any(|d| d.is_error()),
        "{query}: {:?}",
        parsed.diagnostics
    );
    let checked = check(
        &parsed.file,
        Catalog::builtin(),
        &Params::default(),
        &CheckOptions::default(),
    );
    assert!(
        !checked.diagnostics.iter().any(|d| d.is_error()),
        "{query}: {:?}",
        checked.diagnostics
    );
    assert_eq!(checked.statements.len(), 1, "{query}");
    let files = EventFiles::open(path).unwrap();
    run(&checked.statements[0], &files, options)
}

fn at_now() -> RunOptions {
    RunOptions {
        now: Some(NOW.parse().unwrap()),
        ..RunOptions::default()
    }
}

fn local(query: &str) -> LocalResult {
    run_with(query, FIXTURE, &at_now()).unwrap_or_else(|e| panic!("{query}: {e:?}"))
}

/// The rows as JSON objects.
fn rows(query: &str) -> Vec<Value> {
    local(query)
        .result
        .data
        .into_iter()
        .map(Value::Object)
        .collect()
}

/// The one value of a one-row, one-column result.
fn scalar(query: &str) -> Value {
    let result = local(query);
    assert_eq!(result.result.data.len(), 1, "{query}");
    let column = &result.columns[0].field;
    result.result.data[0][column].clone()
}

fn count(query_tail: &str) -> i64 {
    scalar(&format!("SELECT count() {query_tail}"))
        .as_i64()
        .unwrap()
}

fn float(query: &str) -> f64 {
    scalar(query).as_f64().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn refused(query: &str) -> String {
    match run_with(query, FIXTURE, &at_now()) {
        Err(RunError::Query(d)) => {
            assert_eq!(d[0].code, "dql::engine::not_supported_locally", "{query}");
            d[0].message.clone()
        }
        other => panic!("{query}: expected a refusal, got {other:?}"),
    }
}

// ---- datasets, time, projects, environments -------------------------------------------------

#[test]
fn datasets_select_event_types() {
    assert_eq!(count("FROM transactions"), 6);
    assert_eq!(count(""), 5, "errors is the default dataset");
    assert_eq!(count("FROM errors"), 5);
    assert_eq!(count("FROM discover"), 11);
}

#[test]
fn relative_ranges_count_back_from_now() {
    assert_eq!(count("FROM transactions SINCE 24h"), 5);
    assert_eq!(count("FROM errors SINCE 24h"), 4);
    // [10:00, 11:00): T1 (10:00, start inclusive), T2, E1.
    assert_eq!(count("FROM discover SINCE 2h UNTIL 1h"), 3);
}

#[test]
fn absolute_ranges_need_no_now() {
    let result = run_with(
        "SELECT count() FROM discover SINCE 2026-11-20 UNTIL 2026-11-20",
        FIXTURE,
        &RunOptions::default(),
    )
    .unwrap();
    assert_eq!(result.result.data[0]["count()"], json!(9));
    assert_eq!(result.now_source, NowSource::NotNeeded);
}

#[test]
fn now_defaults_to_just_after_the_newest_event() {
    let result = run_with(
        "SELECT count() FROM discover SINCE 2h",
        FIXTURE,
        &RunOptions::default(),
    )
    .unwrap();
    assert_eq!(result.now_source, NowSource::NewestEvent);
    assert_eq!(result.now.to_string(), "2026-11-20T11:59:01Z");
    // [09:59:01, 11:59:01): everything on the 20th.
    assert_eq!(result.result.data[0]["count()"], json!(9));
    assert_eq!(result.range.0.to_string(), "2026-11-20T09:59:01Z");
}

#[test]
fn projects_and_environments() {
    assert_eq!(count("FROM discover PROJECT backend"), 4);
    assert_eq!(count("FROM discover PROJECT frontend, backend"), 11);
    assert_eq!(count("FROM discover PROJECT 1"), 7);
    assert_eq!(count("FROM discover ENVIRONMENT staging"), 2);
    assert_eq!(count("FROM discover ENVIRONMENT staging, production"), 11);
}

// ---- filter kinds ---------------------------------------------------------------------------

#[test]
fn text_exact_is_case_sensitive_and_wildcards_are_not() {
    assert_eq!(count("FROM transactions WHERE transaction:/api/orders"), 2);
    assert_eq!(
        count("FROM transactions WHERE transaction = '/api/orders'"),
        2
    );
    assert_eq!(count("FROM transactions WHERE transaction:/api/*"), 3);
    assert_eq!(
        count("FROM transactions WHERE transaction LIKE '%ORDERS'"),
        3
    );
    assert_eq!(
        count("FROM transactions WHERE transaction NOT LIKE '%orders'"),
        3
    );
    assert_eq!(
        count("FROM transactions WHERE transaction:[/checkout, /API/Orders]"),
        4
    );
}

#[test]
fn missing_text_equals_the_empty_string() {
    // T2 Firefox, T4 and T5 without a browser, T6 Safari.
    assert_eq!(count("FROM transactions WHERE browser.name != 'Chrome'"), 4);
    assert_eq!(
        count("FROM transactions WHERE browser.name NOT IN ('Chrome', 'Firefox')"),
        3
    );
    assert_eq!(
        count("FROM transactions WHERE browser.name IN ('Chrome', 'Safari')"),
        3
    );
    assert_eq!(count("FROM transactions WHERE has:browser.name"), 4);
    assert_eq!(count("FROM transactions WHERE browser.name IS NULL"), 2);
    assert_eq!(count("FROM transactions WHERE !has:browser.name"), 2);
}

#[test]
fn array_fields_match_when_any_element_does() {
    assert_eq!(count("FROM errors WHERE error.type:TypeError"), 3);
    assert_eq!(count("FROM errors WHERE !error.type:ChunkLoadError"), 4);
    assert_eq!(count("FROM errors WHERE error.type:chunk*"), 1);
    assert_eq!(
        count("FROM errors WHERE error.type IN ('ValueError', 'ChunkLoadError')"),
        2
    );
}

#[test]
fn numeric_duration_and_percentage_comparisons() {
    assert_eq!(
        count("FROM transactions WHERE transaction.duration > 1s"),
        2
    );
    assert_eq!(
        count("FROM transactions WHERE transaction.duration:<=300"),
        3
    );
    assert_eq!(
        count("FROM transactions WHERE transaction.duration BETWEEN 100ms AND 500ms"),
        3
    );
    assert_eq!(
        count("FROM transactions WHERE transaction.duration IN (50, 2000)"),
        2
    );
    assert_eq!(count("FROM transactions WHERE measurements.lcp:>1.5s"), 1);
    // `tags[n,number]` is refused on errors (their tags have no type: language.md §4).
}

#[test]
fn comparisons_on_missing_values_are_false_negated_or_not() {
    // Errors have no duration: neither side of the comparison holds for them.
    assert_eq!(count("FROM discover WHERE transaction.duration < 1000"), 4);
    assert_eq!(
        count("FROM discover WHERE NOT transaction.duration < 1000"),
        2
    );
}

#[test]
fn booleans() {
    assert_eq!(count("FROM errors WHERE error.unhandled:true"), 3);
    assert_eq!(count("FROM errors WHERE error.unhandled:false"), 2);
    assert_eq!(count("FROM errors WHERE error.handled:true"), 2);
}

#[test]
fn dates_absolute_specific_and_relative() {
    assert_eq!(
        count("FROM discover WHERE timestamp:>2026-11-20T11:00:00"),
        6
    );
    assert_eq!(count("FROM discover WHERE timestamp < 2026-11-20"), 2);
    assert_eq!(count("FROM discover WHERE timestamp:2026-11-19"), 1);
    // ±5/6 minutes around 11:58 (E5 at 11:58, T6 at 11:59).
    assert_eq!(
        count("FROM discover WHERE timestamp:2026-11-20T11:58:00"),
        2
    );
    assert_eq!(count("FROM discover WHERE timestamp:-1h"), 6);
    assert_eq!(count("FROM discover WHERE timestamp:+1d"), 2);
    // NOT of a relative date flips it: older than an hour.
    assert_eq!(count("FROM discover WHERE NOT timestamp:-1h"), 5);
}

#[test]
fn free_text_searches_the_message() {
    assert_eq!(count("FROM errors WHERE checkout"), 3);
    assert_eq!(count("FROM errors WHERE \"TIMED OUT\""), 1);
}

#[test]
fn boolean_operators_and_grouping() {
    // Chrome among releases 1.0 and 2.0: T1, E1, E4, E5.
    assert_eq!(
        count("FROM discover WHERE (release:1.0 OR release:2.0) AND browser.name:Chrome"),
        4
    );
    assert_eq!(
        count("FROM discover WHERE release:1.0 OR browser.name:Safari"),
        4
    );
    assert_eq!(
        count("FROM discover WHERE NOT (release:1.0 OR release:1.1)"),
        3
    );
}

// ---- aggregates -----------------------------------------------------------------------------

#[test]
fn counting_aggregates() {
    assert_eq!(
        scalar("SELECT count_unique(user) FROM transactions"),
        json!(3)
    );
    assert_eq!(
        scalar("SELECT count_if(transaction.duration, greater, 300) FROM transactions"),
        json!(3)
    );
    assert_eq!(
        scalar("SELECT count_if(release, equals, 1.1) FROM transactions"),
        json!(3)
    );
    assert_eq!(scalar("SELECT failure_count() FROM transactions"), json!(2));
    assert!(close(
        float("SELECT failure_rate() FROM transactions"),
        2.0 / 6.0
    ));
}

#[test]
fn numeric_aggregates() {
    assert!(close(
        float("SELECT avg(transaction.duration) FROM transactions"),
        4250.0 / 6.0
    ));
    assert_eq!(
        scalar("SELECT sum(transaction.duration) FROM transactions"),
        json!(4250)
    );
    assert_eq!(
        scalar("SELECT min(transaction.duration) FROM transactions"),
        json!(50)
    );
    assert_eq!(
        scalar("SELECT max(transaction.duration) FROM transactions"),
        json!(2000)
    );
    assert_eq!(
        scalar("SELECT max(timestamp) FROM discover"),
        json!("2026-11-20T11:59:00+00:00")
    );
    assert_eq!(
        scalar("SELECT last_seen() FROM errors"),
        json!("2026-11-20T11:58:00+00:00")
    );
    assert_eq!(
        scalar("SELECT any(transaction) FROM transactions WHERE transaction:/checkout"),
        json!("/checkout")
    );
}

#[test]
fn percentiles_are_exact() {
    // Sorted durations: 50 100 300 500 1300 2000; h = 5p, interpolated.
    assert!(close(float("SELECT p50() FROM transactions"), 400.0));
    assert!(close(
        float("SELECT p75(transaction.duration) FROM transactions"),
        1100.0
    ));
    assert!(close(float("SELECT p95() FROM transactions"), 1825.0));
    assert!(close(float("SELECT p99() FROM transactions"), 1965.0));
    assert!(close(float("SELECT p100() FROM transactions"), 2000.0));
    assert!(close(
        float("SELECT percentile(transaction.duration, 0.25) FROM transactions"),
        150.0
    ));
    assert!(close(
        float("SELECT p90(measurements.lcp) FROM transactions"),
        1900.0
    ));
}

#[test]
fn apdex_and_rates() {
    // ≤300: 3 satisfied; 500 tolerating; 1300 and 2000 frustrated.
    assert!(close(
        float("SELECT apdex(300) FROM transactions"),
        3.5 / 6.0
    ));
    // 14 days by default.
    assert!(close(
        float("SELECT epm() FROM transactions"),
        6.0 / 20160.0
    ));
    // [11:00, 12:00): T3, T4, T6.
    assert!(close(
        float("SELECT epm() FROM transactions SINCE 1h"),
        3.0 / 60.0
    ));
    assert!(close(
        float("SELECT eps() FROM transactions SINCE 1h"),
        3.0 / 3600.0
    ));
}

#[test]
fn equations_and_division_by_zero() {
    assert!(close(
        float(
            "SELECT count_if(transaction.duration, greater, 300) / count() * 100 FROM transactions"
        ),
        50.0
    ));
    assert_eq!(
        scalar("SELECT count() / count_if(transaction.duration, greater, 5000) FROM transactions"),
        Value::Null
    );
    assert_eq!(
        rows("SELECT transaction.duration * 2 AS d FROM transactions ORDER BY d DESC LIMIT 1"),
        vec![json!({"equation|transaction.duration * 2": 4000.0})]
    );
}

// ---- grouping, HAVING, ORDER BY, LIMIT, DISTINCT ------------------------------------------------

#[test]
fn implicit_grouping_orders_by_group_values() {
    assert_eq!(
        rows("SELECT release, count() FROM transactions"),
        vec![
            json!({"release": "1.0", "count()": 2}),
            json!({"release": "1.1", "count()": 3}),
            json!({"release": "2.0", "count()": 1}),
        ]
    );
}

#[test]
fn explicit_grouping_with_order_and_alias() {
    assert_eq!(
        rows("SELECT release, count() AS n FROM transactions GROUP BY release ORDER BY n DESC"),
        vec![
            json!({"release": "1.1", "count()": 3}),
            json!({"release": "1.0", "count()": 2}),
            json!({"release": "2.0", "count()": 1}),
        ]
    );
}

#[test]
fn ties_break_on_group_values_and_missing_sorts_last() {
    assert_eq!(
        rows("SELECT browser.name, count() FROM transactions ORDER BY count() DESC"),
        vec![
            json!({"browser.name": "Chrome", "count()": 2}),
            json!({"browser.name": null, "count()": 2}),
            json!({"browser.name": "Firefox", "count()": 1}),
            json!({"browser.name": "Safari", "count()": 1}),
        ]
    );
}

#[test]
fn having_filters_groups() {
    assert_eq!(
        rows(
            "SELECT transaction, count() FROM transactions GROUP BY transaction HAVING count() > 1"
        ),
        vec![
            json!({"transaction": "/api/orders", "count()": 2}),
            json!({"transaction": "/checkout", "count()": 3}),
        ]
    );
    // 1/3 and 1/2 pass, 0 does not.
    assert_eq!(
        rows(
            "SELECT transaction FROM transactions GROUP BY transaction HAVING failure_rate() > 25%"
        )
        .len(),
        2
    );
    // p95 per group: /checkout 1200, /api/orders 1902.5, /API/Orders 500.
    assert_eq!(
        rows("SELECT transaction FROM transactions GROUP BY transaction HAVING p95() > 1s"),
        vec![
            json!({"transaction": "/api/orders"}),
            json!({"transaction": "/checkout"}),
        ]
    );
    // An aggregate term written in WHERE acts as HAVING.
    assert_eq!(
        rows("SELECT transaction, count() FROM transactions WHERE count():>2 GROUP BY transaction"),
        vec![json!({"transaction": "/checkout", "count()": 3})]
    );
}

#[test]
fn limit_keeps_the_first_rows_and_says_more_exist() {
    let result = local("SELECT release, count() FROM transactions ORDER BY count() DESC LIMIT 1");
    assert_eq!(result.result.data.len(), 1);
    assert_eq!(result.result.data[0]["release"], json!("1.1"));
    assert!(result.has_more);
    assert!(!local("SELECT release, count() FROM transactions LIMIT 3").has_more);
}

#[test]
fn distinct_and_group_by_without_aggregates() {
    assert_eq!(
        rows("SELECT DISTINCT release FROM errors"),
        vec![
            json!({"release": "1.0"}),
            json!({"release": "1.1"}),
            json!({"release": "2.0"}),
        ]
    );
    assert_eq!(rows("SELECT level FROM errors GROUP BY level").len(), 3);
}

#[test]
fn an_aggregate_over_nothing_is_one_row() {
    assert_eq!(
        rows(
            "SELECT count(), avg(transaction.duration) FROM transactions WHERE transaction:nothing"
        ),
        vec![json!({"count()": 0, "avg(transaction.duration)": null})]
    );
    assert!(rows("SELECT release, count() FROM transactions WHERE transaction:nothing").is_empty());
}

#[test]
fn raw_events_sort_newest_first_then_by_id() {
    assert_eq!(
        rows("SELECT id FROM errors LIMIT 2"),
        vec![
            json!({"id": "00000000000000000000000000abc00b"}),
            json!({"id": "00000000000000000000000000abc009"}),
        ]
    );
    assert_eq!(
        rows(
            "SELECT transaction, transaction.duration FROM transactions ORDER BY transaction.duration DESC LIMIT 2"
        ),
        vec![
            json!({"transaction": "/api/orders", "transaction.duration": 2000}),
            json!({"transaction": "/checkout", "transaction.duration": 1300}),
        ]
    );
    let all = local("SELECT id FROM discover");
    assert_eq!(all.result.data.len(), 11);
    assert!(!all.has_more);
}

#[test]
fn meta_has_types_and_units() {
    let result = local("SELECT transaction, p95(), count(), failure_rate() FROM transactions");
    let meta = &result.result.meta;
    assert_eq!(meta.fields["transaction"], "string");
    assert_eq!(meta.fields["p95()"], "duration");
    assert_eq!(meta.units["p95()"].as_deref(), Some("millisecond"));
    assert_eq!(meta.fields["count()"], "integer");
    assert_eq!(meta.fields["failure_rate()"], "percentage");
}

// ---- series ---------------------------------------------------------------------------------

#[test]
fn interval_buckets_are_zero_filled() {
    let result = local("SELECT count() FROM transactions SINCE 3h INTERVAL 1h");
    let fields: Vec<&str> = result.columns.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["time", "count()"]);
    assert_eq!(
        result
            .result
            .data
            .into_iter()
            .map(Value::Object)
            .collect::<Vec<_>>(),
        vec![
            json!({"time": "2026-11-20T09:00:00Z", "count()": 0}),
            json!({"time": "2026-11-20T10:00:00Z", "count()": 2}),
            json!({"time": "2026-11-20T11:00:00Z", "count()": 3}),
        ]
    );
}

#[test]
fn top_n_series_with_other() {
    // In range: 1.0 (T1, T2), 1.1 (T3, T4), 2.0 (T6); the tie goes to 1.0.
    let result = local(
        "SELECT release, count() FROM transactions GROUP BY release SINCE 3h INTERVAL 1h LIMIT 1",
    );
    let fields: Vec<&str> = result.columns.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["time", "1.0: count()", "Other: count()"]);
    assert_eq!(
        result
            .result
            .data
            .into_iter()
            .map(Value::Object)
            .collect::<Vec<_>>(),
        vec![
            json!({"time": "2026-11-20T09:00:00Z", "1.0: count()": 0, "Other: count()": 0}),
            json!({"time": "2026-11-20T10:00:00Z", "1.0: count()": 2, "Other: count()": 0}),
            json!({"time": "2026-11-20T11:00:00Z", "1.0: count()": 0, "Other: count()": 3}),
        ]
    );
}

// ---- issues ---------------------------------------------------------------------------------

#[test]
fn issues_group_events_by_group_id() {
    assert_eq!(
        rows("SELECT id, title, count, userCount, firstSeen, lastSeen FROM issues"),
        vec![
            json!({"id": "101", "title": "TypeError: x is undefined", "count": 3, "userCount": 3,
                   "firstSeen": "2026-11-20T10:05:00Z", "lastSeen": "2026-11-20T11:58:00Z"}),
            json!({"id": "102", "title": "ValueError: bad", "count": 1, "userCount": 1,
                   "firstSeen": "2026-11-20T11:30:00Z", "lastSeen": "2026-11-20T11:30:00Z"}),
            json!({"id": "103", "title": "Timeout", "count": 1, "userCount": 0,
                   "firstSeen": "2026-11-18T08:00:00Z", "lastSeen": "2026-11-18T08:00:00Z"}),
        ]
    );
}

#[test]
fn issues_filter_and_sort() {
    let ids = |q: &str| -> Vec<Value> { rows(q).into_iter().map(|r| r["id"].clone()).collect() };
    assert_eq!(
        ids("SELECT id FROM issues WHERE timesSeen:>1"),
        vec![json!("101")]
    );
    assert_eq!(
        ids("SELECT id FROM issues WHERE level:warning"),
        vec![json!("102")]
    );
    assert_eq!(
        ids("SELECT id FROM issues WHERE firstSeen:-1d"),
        vec![json!("101"), json!("102")]
    );
    assert_eq!(
        ids("SELECT id FROM issues ORDER BY firstSeen"),
        vec![json!("102"), json!("101"), json!("103")]
    );
    assert_eq!(
        ids("SELECT id FROM issues ORDER BY count LIMIT 2"),
        vec![json!("101"), json!("102")]
    );
    assert_eq!(
        ids("SELECT id FROM issues SINCE 1d"),
        vec![json!("101"), json!("102")]
    );
}

// ---- refusals and bad input -------------------------------------------------------------------

#[test]
fn what_cannot_be_computed_exactly_is_refused() {
    assert!(refused("SELECT var(transaction.duration) FROM transactions").contains("var"));
    assert!(refused("SELECT count(value,a,counter,-) FROM tracemetrics").contains("tracemetrics"));
    assert!(refused("SHOW EVENT 0123456789abcdef0123456789abcdef").contains("SHOW EVENT"));
    assert!(refused("UPDATE issues SET status = resolved WHERE level:error").contains("UPDATE"));
    assert!(refused("SELECT * FROM issues").contains("shortId"));
    assert!(refused("SELECT id FROM issues WHERE is:unresolved").contains("is:"));
}

#[test]
fn a_bad_line_names_its_file_and_line_or_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ndjson");
    let good = std::fs::read_to_string(FIXTURE).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(3, "{\"eventID\": \"x\",");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let path = path.to_str().unwrap();
    let error = run_with("SELECT count() FROM discover", path, &at_now()).unwrap_err();
    let RunError::Read(error) = error else {
        panic!("{error:?}")
    };
    assert!(error.to_string().contains("bad.ndjson:4:"), "{error}");
    let options = RunOptions {
        read: ReadOptions {
            skip_bad: true,
            ..ReadOptions::default()
        },
        ..at_now()
    };
    let result = run_with("SELECT count() FROM discover", path, &options).unwrap();
    assert_eq!(result.result.data[0]["count()"], json!(11));
    assert_eq!(result.stats.skipped, 1);
}

#[test]
fn results_do_not_depend_on_the_split_across_threads() {
    // A plain NDJSON copy of the 20,000-event example, large enough to be cut into ranges.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open("examples/events.ndjson.gz").unwrap(),
        ),
        &mut text,
    )
    .unwrap();
    assert!(text.len() > 2 << 20);
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let files = EventFiles::open(path).unwrap();
    assert_eq!(files.parts(2).iter().filter(|p| !p.is_empty()).count(), 2);
    for query in [
        "SELECT release, count(), p95(), count_unique(user) FROM transactions SINCE 30d ORDER BY count() DESC",
        "SELECT error.type, count() FROM errors SINCE 30d GROUP BY error.type ORDER BY count() DESC LIMIT 5",
        "SELECT id, title FROM discover SINCE 30d ORDER BY timestamp LIMIT 7",
        "SELECT count() FROM errors SINCE 2d INTERVAL 6h",
    ] {
        let one = RunOptions {
            threads: 1,
            ..RunOptions::default()
        };
        let two = RunOptions {
            threads: 2,
            ..RunOptions::default()
        };
        let a = run_with(query, path, &one).unwrap();
        let b = run_with(query, path, &two).unwrap();
        assert_eq!(a.result, b.result, "{query}");
        assert_eq!(a.stats.events, 20_000);
        assert_eq!(b.stats.events, 20_000);
    }
    // A bad line in the second half is reported at its absolute line.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(15_000, "not json");
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let two = RunOptions {
        threads: 2,
        ..RunOptions::default()
    };
    let error = run_with("SELECT count() FROM errors", bad.to_str().unwrap(), &two).unwrap_err();
    assert!(error.to_string().contains("bad.ndjson:15001:"), "{error}");
}
