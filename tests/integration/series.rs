//! Series (INTERVAL) against a scripted Sentry on 127.0.0.1 answering Sentry's two series
//! endpoints in their documented shapes: events-timeseries (getsentry/sentry
//! `src/sentry/api/endpoints/timeseries.py`, `organization_events_timeseries.py`) and, where a
//! Sentry lacks it, events-stats (sentry-api.md §13.1); with what Sentry says about accuracy.

use crate::support::binary::{self, Run};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};
use std::path::Path;

/// `dql args…` in `dir` pointed at `server`, with only the Sentry settings in its environment.
fn dql(dir: &Path, server: &TestServer, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let mut env = binary::sentry_env(&server.base_url, TOKEN).to_vec();
    env.extend_from_slice(extra);
    binary::dql(dir, args, &env, b"").hides(TOKEN)
}

const TOKEN: &str = "sntryu_5e71e5c0ffee5ecre7da7a0123456789";
const NOW: &str = "2026-11-26T10:00:00Z";

/// Runs `query` (one statement) with `args` against replies in order.
fn run(query: &str, args: &[&str], replies: Vec<Reply>) -> (Run, Vec<Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), query).unwrap();
    let server = TestServer::scripted(replies);
    let mut all = vec!["run", "q.dql", "--now", NOW];
    all.extend_from_slice(args);
    let run = dql(dir.path(), &server, &all, &[]);
    (run, server.requests())
}

fn ms(instant: &str) -> f64 {
    instant.parse::<jiff::Timestamp>().unwrap().as_millisecond() as f64
}

const T8: &str = "2026-11-26T08:00:00Z";
const T9: &str = "2026-11-26T09:00:00Z";

/// One events-timeseries series (`TimeSeries`): `points` are (bucket start, value, extra
/// members of the point).
fn ts(
    y_axis: &str,
    group: Option<(&str, &str)>,
    order: Option<i64>,
    points: &[(&str, Value, Value)],
) -> Value {
    let values: Vec<Value> = points
        .iter()
        .map(|(t, v, extra)| {
            let mut point = json!({"timestamp": ms(t), "value": v, "incomplete": false});
            for (k, x) in extra.as_object().unwrap() {
                point[k] = x.clone();
            }
            point
        })
        .collect();
    let mut meta = json!({"valueType": "integer", "valueUnit": null, "interval": 3_600_000});
    if let Some(order) = order {
        meta["order"] = json!(order);
        meta["isOther"] = json!(false);
    }
    let mut series = json!({"yAxis": y_axis, "meta": meta, "values": values});
    if let Some((key, value)) = group {
        series["groupBy"] = json!([{"key": key, "value": value}]);
    }
    series
}

fn answer(series: Vec<Value>) -> Reply {
    Reply::json(
        200,
        json!({"meta": {"dataset": "spans", "start": ms(T8), "end": ms(NOW)}, "timeSeries": series}),
    )
}

fn plain(t: &str, v: i64) -> (&str, Value, Value) {
    (t, json!(v), json!({}))
}

#[test]
fn spans_series_ask_events_timeseries_with_integer_second_intervals() {
    let (run, sent) = run(
        "SELECT count() AS n FROM spans SINCE 2h INTERVAL 1h;",
        &["--format", "csv"],
        vec![answer(vec![ts(
            "count()",
            None,
            None,
            &[plain(T8, 12), plain(T9, 3)],
        )])],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "time,n",
            "2026-11-26T08:00:00Z,12",
            "2026-11-26T09:00:00Z,3"
        ]
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path(),
        "/api/0/organizations/acme/events-timeseries/"
    );
    let query: Vec<(String, String)> = sent[0].query();
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("yAxis", "count()"),
            ("interval", "3600"),
            ("statsPeriod", "2h"),
            ("dataset", "spans"),
        ]
    );
}

#[test]
fn several_y_axes_are_one_column_each_with_their_types() {
    let mut p95 = ts(
        "p95(span.duration)",
        None,
        None,
        &[(T8, json!(120.5), json!({})), (T9, json!(null), json!({}))],
    );
    p95["meta"]["valueType"] = json!("duration");
    p95["meta"]["valueUnit"] = json!("millisecond");
    let (run, sent) = run(
        "SELECT count(), p95(span.duration) AS slow FROM spans SINCE 2h INTERVAL 1h;",
        &["--format", "json"],
        vec![answer(vec![
            ts("count()", None, None, &[plain(T8, 4), plain(T9, 0)]),
            p95,
        ])],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let yaxes: Vec<String> = sent[0]
        .query()
        .into_iter()
        .filter(|(k, _)| k == "yAxis")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(yaxes, ["count()", "p95(span.duration)"]);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["data"],
        json!([
            {"time": "2026-11-26T08:00:00Z", "count()": 4, "slow": 120.5},
            {"time": "2026-11-26T09:00:00Z", "count()": 0, "slow": null},
        ])
    );
    assert_eq!(out[0]["meta"]["fields"]["slow"], "duration");
    assert_eq!(out[0]["meta"]["units"]["slow"], "millisecond");
    // Nothing was said about sampling: no accuracy member.
    assert!(out[0]["meta"].get("accuracy").is_none(), "{}", run.stdout);
}

#[test]
fn top_events_send_group_by_and_sort_and_keep_other() {
    let mut other = ts("count()", None, Some(2), &[plain(T8, 1), plain(T9, 1)]);
    other["meta"]["isOther"] = json!(true);
    let (run, sent) = run(
        "SELECT span.op, count() FROM spans GROUP BY span.op LIMIT 2 SINCE 2h INTERVAL 1h;",
        &["--format", "csv"],
        vec![answer(vec![
            // Sent out of rank order: dql orders by meta.order.
            ts(
                "count()",
                Some(("span.op", "http")),
                Some(1),
                &[plain(T8, 2), plain(T9, 0)],
            ),
            other,
            ts(
                "count()",
                Some(("span.op", "db")),
                Some(0),
                &[plain(T8, 5), plain(T9, 6)],
            ),
        ])],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "time,db: count(),http: count(),Other: count()",
            "2026-11-26T08:00:00Z,5,2,1",
            "2026-11-26T09:00:00Z,6,0,1",
        ]
    );
    let q = &sent[0];
    assert_eq!(q.param("groupBy").as_deref(), Some("span.op"));
    assert_eq!(q.param("sort").as_deref(), Some("-count()"));
    assert_eq!(q.param("topEvents").as_deref(), Some("2"));
    // events-stats' spellings are not sent to events-timeseries.
    for absent in ["field", "orderby", "partial"] {
        assert_eq!(q.param(absent), None, "{absent}");
    }
}

/// An events-stats series (sentry-api.md §13.1).
fn stats_series(points: &[(&str, i64)]) -> Value {
    let data: Vec<Value> = points
        .iter()
        .map(|(t, n)| json!([ms(t) as i64 / 1000, [{"count": n}]]))
        .collect();
    json!({"data": data, "isMetricsData": false, "start": 0, "end": 0,
           "meta": {"fields": {"count()": "integer"}, "units": {"count()": null}}})
}

#[test]
fn a_sentry_without_events_timeseries_is_asked_events_stats_once() {
    let (run, sent) = run(
        "SELECT count() FROM errors SINCE 2h INTERVAL 1h;",
        &["--format", "csv", "--verbose"],
        vec![
            Reply::json(
                404,
                json!({"detail": "The requested resource does not exist"}),
            ),
            Reply::json(200, stats_series(&[(T8, 7), (T9, 8)])),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "time,count()",
            "2026-11-26T08:00:00Z,7",
            "2026-11-26T09:00:00Z,8"
        ]
    );
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].path(),
        "/api/0/organizations/acme/events-timeseries/"
    );
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/events-stats/");
    assert_eq!(sent[1].param("interval").as_deref(), Some("1h"));
    assert_eq!(sent[1].param("partial").as_deref(), Some("1"));
    assert!(
        run.stderr.contains("asking events-stats instead"),
        "{run:?}"
    );
}

#[test]
fn a_404_of_events_stats_too_is_reported_not_retried_again() {
    let (run, sent) = run(
        "SELECT count() FROM errors SINCE 2h INTERVAL 1h;",
        &["--format", "csv"],
        vec![Reply::json(404, json!({"detail": "not found"}))],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert_eq!(sent.len(), 2, "one fallback, no more");
    // Without --verbose the fallback is not narrated.
    assert!(!run.stderr.contains("asking events-stats"), "{run:?}");
}

#[test]
fn transactions_series_stay_on_events_stats() {
    let (run, sent) = run(
        "SELECT count() FROM transactions SINCE 2h INTERVAL 1h;",
        &["--format", "csv"],
        vec![Reply::json(200, stats_series(&[(T8, 1), (T9, 2)]))],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path(), "/api/0/organizations/acme/events-stats/");
}

#[test]
fn sampled_and_incomplete_series_say_so_in_table_and_json() {
    let mut series = ts(
        "count()",
        None,
        None,
        &[
            (
                T8,
                json!(1200),
                json!({"sampleCount": 12, "sampleRate": 0.01, "confidence": "low"}),
            ),
            (
                T9,
                json!(300),
                json!({"sampleCount": 30, "sampleRate": 0.1, "confidence": "high",
                       "incomplete": true, "incompleteReason": "INCOMPLETE_BUCKET"}),
            ),
        ],
    );
    series["meta"]["dataScanned"] = json!("partial");
    let query = "SELECT count() FROM spans SINCE 2h INTERVAL 1h;";
    let (table, _) = run(
        query,
        &["--format", "table"],
        vec![answer(vec![series.clone()])],
    );
    assert_eq!(table.code, 0, "{table:?}");
    let notes: Vec<&str> = table
        .stdout
        .lines()
        .filter(|l| l.starts_with("note: "))
        .collect();
    assert_eq!(
        notes,
        [
            "note: Sentry scanned only part of the data (dataScanned: partial): values may be low",
            "note: values are extrapolated from samples (sample rate as low as 1%)",
            "note: low confidence (few samples) in 1 bucket: 2026-11-26T08:00:00Z",
            "note: incomplete (still receiving data) 1 bucket: 2026-11-26T09:00:00Z",
        ],
        "{table:?}"
    );

    let (json_run, _) = run(query, &["--format", "json"], vec![answer(vec![series])]);
    let out: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(
        out[0]["meta"]["accuracy"],
        json!({"partialScan": true, "minSampleRate": 0.01,
               "lowConfidence": ["2026-11-26T08:00:00Z"],
               "incomplete": ["2026-11-26T09:00:00Z"]})
    );
}

#[test]
fn table_queries_say_when_sentry_scanned_part_of_the_data() {
    let page = json!({"data": [{"span.op": "db", "count()": 40}],
        "meta": {"fields": {"span.op": "string", "count()": "integer"},
                 "units": {"span.op": null, "count()": null},
                 "dataScanned": "partial", "isMetricsData": false}});
    let query = "SELECT span.op, count() FROM spans GROUP BY span.op SINCE 2h;";
    let (table, _) = run(
        query,
        &["--format", "table"],
        vec![Reply::json(200, page.clone())],
    );
    assert_eq!(table.code, 0, "{table:?}");
    assert!(
        table
            .stdout
            .contains("note: Sentry scanned only part of the data (dataScanned: partial)"),
        "{table:?}"
    );
    let (json_run, _) = run(
        query,
        &["--format", "json"],
        vec![Reply::json(200, page.clone())],
    );
    let out: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(out[0]["meta"]["accuracy"], json!({"partialScan": true}));

    // A full scan says nothing.
    let mut full = page;
    full["meta"]["dataScanned"] = json!("full");
    let (quiet, _) = run(query, &["--format", "table"], vec![Reply::json(200, full)]);
    assert!(!quiet.stdout.contains("note:"), "{quiet:?}");
}

#[test]
fn events_stats_accuracy_of_the_rpc_datasets_is_said() {
    // events-stats on spans: `meta.accuracy` lists `confidence` and `samplingRate` per bucket
    // (sentry-api.md §13.1), and `isMetricsData` sits beside `data`.
    let mut series = stats_series(&[(T8, 7), (T9, 8)]);
    series["meta"]["accuracy"] = json!({
        "confidence": [{"timestamp": ms(T8) as i64 / 1000, "value": "low"},
                       {"timestamp": ms(T9) as i64 / 1000, "value": "high"}],
        "samplingRate": [{"timestamp": ms(T8) as i64 / 1000, "value": 0.25},
                         {"timestamp": ms(T9) as i64 / 1000, "value": 1.0}],
    });
    series["isMetricsData"] = json!(true);
    let (run, sent) = run(
        "SELECT count() FROM spans SINCE 2h INTERVAL 1h;",
        &["--format", "json"],
        vec![
            Reply::json(404, json!({"detail": "not found"})),
            Reply::json(200, series),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/events-stats/");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["meta"]["accuracy"],
        json!({"metricsData": true, "minSampleRate": 0.25,
               "lowConfidence": ["2026-11-26T08:00:00Z"]}),
        "{}",
        run.stdout
    );
}
