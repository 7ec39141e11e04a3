//! COMPARE TO and SAMPLING against a scripted Sentry on 127.0.0.1, and the local engine on the
//! same data: a compared table is two events requests joined on the group columns; a compared
//! series sends `comparisonDelta` and reads `comparisonValue` (events-timeseries) or
//! `comparisonCount` (events-stats); SAMPLING sends `sampling` and
//! `disableAggregateExtrapolation`.

use crate::support::binary::{self, Run};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};
use std::path::Path;

fn dql(dir: &Path, base_url: &str, args: &[&str]) -> Run {
    binary::dql(dir, args, &binary::sentry_env(base_url, TOKEN), b"").hides(TOKEN)
}

const TOKEN: &str = "sntryu_5e71e5c0ffee5ecre7da7a0123456789";
const NOW: &str = "2026-11-26T10:00:00Z";

/// Runs `query` against `replies` in order; the run and the requests Sentry saw.
fn over_http(query: &str, args: &[&str], replies: Vec<Reply>) -> (Run, Vec<Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), query).unwrap();
    let server = TestServer::scripted(replies);
    let mut all = vec!["run", "q.dql", "--now", NOW];
    all.extend_from_slice(args);
    let run = dql(dir.path(), &server.base_url, &all);
    (run, server.requests())
}

/// Runs `query` over `spans` (flat span rows) with the local engine.
fn locally(query: &str, spans: &[Value], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), query).unwrap();
    let lines: Vec<String> = spans.iter().map(Value::to_string).collect();
    std::fs::write(dir.path().join("spans.ndjson"), lines.join("\n") + "\n").unwrap();
    let mut all = vec!["run", "q.dql", "--now", NOW, "--events", "spans.ndjson"];
    all.extend_from_slice(args);
    dql(dir.path(), "http://127.0.0.1:9", &all)
}

fn span(op: &str, at: &str) -> Value {
    json!({"id": format!("{op}-{at}"), "project": "api", "timestamp": at, "span.op": op,
           "span.duration": 10.0})
}

/// Spans of the last day (db ×3, cache ×2, http ×1) and of the same day a week before
/// (db ×2, http ×2).
fn week_apart() -> Vec<Value> {
    let mut spans = Vec::new();
    for at in [
        "2026-11-25T12:00:00Z",
        "2026-11-26T01:00:00Z",
        "2026-11-26T09:30:00Z",
    ] {
        spans.push(span("db", at));
    }
    for at in ["2026-11-25T20:00:00Z", "2026-11-26T08:00:00Z"] {
        spans.push(span("cache", at));
    }
    spans.push(span("http", "2026-11-26T02:00:00Z"));
    for at in ["2026-11-18T12:00:00Z", "2026-11-19T01:00:00Z"] {
        spans.push(span("db", at));
    }
    for at in ["2026-11-18T11:00:00Z", "2026-11-19T09:00:00Z"] {
        spans.push(span("http", at));
    }
    // Outside both periods.
    spans.push(span("db", "2026-11-22T12:00:00Z"));
    spans
}

fn events_answer(rows: Value) -> Reply {
    Reply::json(
        200,
        json!({"data": rows, "meta": {"fields": {"count()": "integer", "span.op": "string"},
                                       "units": {"count()": null, "span.op": null}}}),
    )
}

const TABLE: &str = "SELECT count() AS n, span.op FROM spans GROUP BY span.op ORDER BY -n LIMIT 5 SINCE 24h COMPARE TO 7d AGO;";

#[test]
fn a_compared_table_is_two_requests_joined_on_the_groups() {
    let (run, sent) = over_http(
        TABLE,
        &["--format", "csv"],
        vec![
            events_answer(json!([
                {"span.op": "db", "count()": 3},
                {"span.op": "cache", "count()": 2},
                {"span.op": "http", "count()": 1},
            ])),
            events_answer(json!([
                {"span.op": "db", "count()": 2},
                {"span.op": "http", "count()": 2},
            ])),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "n,n_previous,n_change,n_change_pct,span.op",
            "3,2,1,0.5,db",
            "2,,,,cache",
            "1,2,-1,-0.5,http",
        ]
    );
    assert_eq!(sent.len(), 2, "{sent:?}");
    // Both periods absolute, exactly 7 days apart; the earlier one asks for a whole page.
    assert_eq!(
        sent[0].param("start").as_deref(),
        Some("2026-11-25T10:00:00Z")
    );
    assert_eq!(sent[0].param("end").as_deref(), Some(NOW));
    assert_eq!(sent[0].param("per_page").as_deref(), Some("5"));
    assert_eq!(
        sent[1].param("start").as_deref(),
        Some("2026-11-18T10:00:00Z")
    );
    assert_eq!(
        sent[1].param("end").as_deref(),
        Some("2026-11-19T10:00:00Z")
    );
    assert_eq!(sent[1].param("per_page").as_deref(), Some("100"));
    assert_eq!(sent[1].param("sort").as_deref(), Some("-count()"));
    for request in &sent {
        assert_eq!(request.param("statsPeriod"), None);
        assert_eq!(request.param("comparisonDelta"), None);
    }
}

#[test]
fn the_local_engine_compares_a_table_as_sentry_answers_are_joined() {
    let local = locally(TABLE, &week_apart(), &["--format", "csv"]);
    assert_eq!(local.code, 0, "{local:?}");
    let (http, _) = over_http(
        TABLE,
        &["--format", "csv"],
        vec![
            events_answer(json!([
                {"span.op": "db", "count()": 3},
                {"span.op": "cache", "count()": 2},
                {"span.op": "http", "count()": 1},
            ])),
            events_answer(json!([
                {"span.op": "db", "count()": 2},
                {"span.op": "http", "count()": 2},
            ])),
        ],
    );
    assert_eq!(local.stdout, http.stdout, "{local:?}\n{http:?}");
}

#[test]
fn compared_json_keeps_the_types_of_the_added_columns() {
    let (run, _) = over_http(
        TABLE,
        &["--format", "json"],
        vec![
            events_answer(json!([{"span.op": "db", "count()": 3}])),
            events_answer(json!([{"span.op": "db", "count()": 4}])),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["data"],
        json!([{"n": 3, "n_previous": 4, "n_change": -1, "n_change_pct": -0.25, "span.op": "db"}])
    );
    assert_eq!(out[0]["meta"]["fields"]["n_previous"], "integer");
    assert_eq!(out[0]["meta"]["fields"]["n_change_pct"], "percent_change");
}

const T8: &str = "2026-11-26T08:00:00Z";
const T9: &str = "2026-11-26T09:00:00Z";

fn ms(instant: &str) -> f64 {
    instant.parse::<jiff::Timestamp>().unwrap().as_millisecond() as f64
}

const SERIES: &str = "SELECT count() AS n FROM spans SINCE 2h INTERVAL 1h COMPARE TO 1d;";

fn compared_timeseries(points: &[(&str, i64, i64)]) -> Reply {
    let values: Vec<Value> = points
        .iter()
        .map(|(t, v, before)| {
            json!({"timestamp": ms(t), "value": v, "incomplete": false, "comparisonValue": before})
        })
        .collect();
    Reply::json(
        200,
        json!({"meta": {"dataset": "spans", "start": ms(T8), "end": ms(NOW)},
               "timeSeries": [{"yAxis": "count()", "values": values,
                               "meta": {"valueType": "integer", "valueUnit": null, "interval": 3_600_000}}]}),
    )
}

#[test]
fn a_compared_series_sends_comparison_delta_and_shows_the_earlier_values_beside() {
    let (run, sent) = over_http(
        SERIES,
        &["--format", "csv"],
        vec![compared_timeseries(&[(T8, 4, 1), (T9, 2, 5)])],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "time,n,n_previous",
            "2026-11-26T08:00:00Z,4,1",
            "2026-11-26T09:00:00Z,2,5"
        ]
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].param("comparisonDelta").as_deref(), Some("86400"));
    assert_eq!(sent[0].param("interval").as_deref(), Some("3600"));
}

#[test]
fn events_stats_comparison_counts_are_the_earlier_values() {
    let data = json!([
        [ms(T8) as i64 / 1000, [{"count": 4, "comparisonCount": 1}]],
        [ms(T9) as i64 / 1000, [{"count": 2, "comparisonCount": 5}]],
    ]);
    let (run, sent) = over_http(
        SERIES,
        &["--format", "csv"],
        vec![
            Reply::json(404, json!({"detail": "not found"})),
            Reply::json(
                200,
                json!({"data": data, "meta": {"fields": {"count()": "integer"}, "units": {"count()": null}}}),
            ),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "time,n,n_previous",
            "2026-11-26T08:00:00Z,4,1",
            "2026-11-26T09:00:00Z,2,5"
        ]
    );
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/events-stats/");
    assert_eq!(sent[1].param("comparisonDelta").as_deref(), Some("86400"));
}

#[test]
fn the_local_engine_compares_a_series_bucket_by_bucket() {
    let spans = [
        span("db", "2026-11-26T08:10:00Z"),
        span("db", "2026-11-26T08:20:00Z"),
        span("db", "2026-11-26T09:10:00Z"),
        span("db", "2026-11-25T08:30:00Z"),
        span("db", "2026-11-25T09:30:00Z"),
        span("db", "2026-11-25T09:40:00Z"),
        span("db", "2026-11-25T09:50:00Z"),
    ];
    let local = locally(SERIES, &spans, &["--format", "csv"]);
    assert_eq!(local.code, 0, "{local:?}");
    let (http, _) = over_http(
        SERIES,
        &["--format", "csv"],
        vec![compared_timeseries(&[(T8, 2, 1), (T9, 1, 3)])],
    );
    assert_eq!(local.stdout, http.stdout, "{local:?}\n{http:?}");
}

#[test]
fn sampling_is_sent_to_both_endpoints() {
    let (run, sent) = over_http(
        "SELECT count() FROM spans SINCE 2h SAMPLING exact;",
        &["--format", "csv"],
        vec![events_answer(json!([{"count()": 3}]))],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        sent[0].param("sampling").as_deref(),
        Some("HIGHEST_ACCURACY")
    );
    assert_eq!(
        sent[0].param("disableAggregateExtrapolation").as_deref(),
        Some("1")
    );
    let (run, sent) = over_http(
        "SELECT count() FROM spans SINCE 2h INTERVAL 1h SAMPLING normal;",
        &["--format", "csv"],
        vec![compared_timeseries(&[(T8, 4, 1)])],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        sent[0].path(),
        "/api/0/organizations/acme/events-timeseries/"
    );
    assert_eq!(sent[0].param("sampling").as_deref(), Some("NORMAL"));
    assert_eq!(
        sent[0].param("disableAggregateExtrapolation").as_deref(),
        Some("0")
    );
    // Errors are not sampled: a warning, and nothing sent.
    let (run, sent) = over_http(
        "SELECT count() FROM errors SINCE 2h SAMPLING exact;",
        &["--format", "csv"],
        vec![events_answer(json!([{"count()": 3}]))],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("sampling_ignored"), "{run:?}");
    assert_eq!(sent[0].param("sampling"), None);
    assert_eq!(sent[0].param("disableAggregateExtrapolation"), None);
}

#[test]
fn exclude_other_is_sent_for_a_top_n_series_and_drops_other_locally() {
    let query = "SELECT count(), span.op FROM spans GROUP BY span.op LIMIT 1 SINCE 2h INTERVAL 1h;";
    let series = json!({"yAxis": "count()", "groupBy": [{"key": "span.op", "value": "db"}],
        "meta": {"order": 0, "isOther": false, "valueType": "integer", "valueUnit": null, "interval": 3_600_000},
        "values": [{"timestamp": ms(T8), "value": 2, "incomplete": false},
                   {"timestamp": ms(T9), "value": 1, "incomplete": false}]});
    let (run, sent) = over_http(
        query,
        &["--format", "csv", "--exclude-other"],
        vec![Reply::json(
            200,
            json!({"meta": {"dataset": "spans", "start": ms(T8), "end": ms(NOW)}, "timeSeries": [series]}),
        )],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(sent[0].param("excludeOther").as_deref(), Some("1"));
    assert_eq!(sent[0].param("topEvents").as_deref(), Some("1"));
    let http_lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        http_lines,
        [
            "time,db: count()",
            "2026-11-26T08:00:00Z,2",
            "2026-11-26T09:00:00Z,1"
        ]
    );
    let spans = [
        span("db", "2026-11-26T08:10:00Z"),
        span("db", "2026-11-26T08:20:00Z"),
        span("db", "2026-11-26T09:10:00Z"),
        span("http", "2026-11-26T09:20:00Z"),
    ];
    let with_other = locally(query, &spans, &["--format", "csv"]);
    assert!(
        with_other
            .stdout
            .starts_with("time,db: count(),Other: count()"),
        "{with_other:?}"
    );
    let without = locally(query, &spans, &["--format", "csv", "--exclude-other"]);
    assert_eq!(without.stdout, run.stdout, "{without:?}");
}
