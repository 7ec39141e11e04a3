//! The local engine reads what Sentry reads (issue 11): `geo.*` from `user.geo`, `device.*`
//! and `os.*` from the contexts, `http.status_code` from `contexts.response`, span breakdowns
//! from `breakdowns.span_ops`, the frame and stall rates computed as Sentry's field aliases
//! compute them, `message:` as a case-insensitive "contains" over message, title and
//! culprit, `error.handled` one boolean per event, `transaction.duration` truncated, and a
//! field the payload does not hold refused.
#![cfg(feature = "local")]

use dql::engine::{EventFiles, Projection, ReadOptions, RunError, RunOptions, Value, run};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use std::borrow::Cow;

const EVENTS: &str = r#"{"eventID":"e1","type":"error","title":"TypeError: boom","message":"","culprit":"app.Checkout.render","dateCreated":"2026-11-20T11:00:00Z","user":{"id":"1","geo":{"country_code":"DE","region":"Germany","city":"Berlin","subdivision":"Berlin"}},"contexts":{"device":{"brand":"Apple","charging":true,"battery_level":80},"os":{"name":"iOS","build":"21A","kernel_version":"23.0"},"response":{"status_code":503}},"entries":[{"type":"exception","data":{"values":[{"type":"TypeError","mechanism":{"type":"onerror","handled":true}},{"type":"Wrapped"}]}}],"tags":[{"key":"level","value":"error"}]}
{"eventID":"t1","type":"transaction","title":"/checkout","dateCreated":"2026-11-20T11:30:00Z","startTimestamp":1794999600.0,"endTimestamp":1794999600.3009,"breakdowns":{"span_ops":{"ops.db":{"value":120.5,"unit":"millisecond"},"total.time":{"value":250.0,"unit":"millisecond"}}},"measurements":{"frames_total":{"value":200},"frames_slow":{"value":20},"frames_frozen":{"value":2},"stall_total_time":{"value":30}},"contexts":{"trace":{"op":"navigation","status":"ok"}},"tags":[{"key":"http.status_code","value":"200"}]}
{"eventID":"e2","type":"error","title":"ValueError","message":"payment failed","culprit":"pay","dateCreated":"2026-11-20T11:10:00Z","entries":[{"type":"exception","data":{"values":[{"type":"ValueError","mechanism":{"type":"generic","handled":false}}]}}]}
"#;

fn events_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    std::fs::write(&path, EVENTS).unwrap();
    (dir, path)
}

fn values(names: &[&str]) -> Vec<Vec<Value<'static>>> {
    let (_dir, path) = events_file();
    let files = EventFiles::open(&path).unwrap();
    let mut rows = Vec::new();
    files
        .scan(&Projection::new(names), &ReadOptions::default(), |event| {
            rows.push(event.values.into_iter().map(Value::into_owned).collect());
            Ok::<(), dql::engine::EngineError>(())
        })
        .unwrap();
    rows
}

fn s(text: &str) -> Value<'static> {
    Value::Str(Cow::Owned(text.to_owned()))
}

fn run_query(query: &str) -> Result<dql::engine::LocalResult, RunError> {
    let source = dql::Source::new("q.dql", query);
    let parsed = dql::syntax::parse(&source);
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
    let (_dir, path) = events_file();
    let files = EventFiles::open(&path).unwrap();
    run(
        &checked.statements[0],
        &files,
        &RunOptions {
            now: Some("2026-11-20T12:00:00Z".parse().unwrap()),
            ..RunOptions::default()
        },
    )
}

fn ids(query: &str) -> Vec<String> {
    let result = run_query(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
    let mut ids: Vec<String> = result
        .result
        .data
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn geo_device_os_and_status_code_come_from_user_geo_and_contexts() {
    let rows = values(&[
        "geo.country_code",
        "geo.city",
        "geo.subdivision",
        "device.brand",
        "device.charging",
        "os.build",
        "os.kernel_version",
        "http.status_code",
    ]);
    assert_eq!(
        rows[0],
        [
            s("DE"),
            s("Berlin"),
            s("Berlin"),
            s("Apple"),
            Value::Bool(true),
            s("21A"),
            s("23.0"),
            s("503"),
        ]
    );
    // No response context: the `http.status_code` tag, as Sentry's coalesce does.
    assert_eq!(rows[1][7], s("200"));
}

#[test]
fn breakdowns_and_frame_rates_are_read_as_sentry_computes_them() {
    let rows = values(&[
        "spans.db",
        "spans.total.time",
        "spans.http",
        "measurements.frames_slow_rate",
        "measurements.frames_frozen_rate",
        "measurements.stall_percentage",
        "transaction.duration",
    ]);
    let t = &rows[1];
    assert_eq!(t[0], Value::Float(120.5));
    assert_eq!(t[1], Value::Float(250.0));
    assert_eq!(t[2], Value::Null);
    assert_eq!(t[3], Value::Float(0.1));
    assert_eq!(t[4], Value::Float(0.01));
    // 300.9 ms truncated to 300; the stall share is over that.
    assert_eq!(t[6], Value::Int(300));
    assert_eq!(t[5], Value::Float(0.1));
}

#[test]
fn error_handled_is_one_boolean_per_event() {
    let rows = values(&["error.handled", "error.unhandled"]);
    // e1: one exception handled, one without a mechanism: handled.
    assert_eq!(rows[0], [Value::Bool(true), Value::Bool(false)]);
    assert_eq!(rows[2], [Value::Bool(false), Value::Bool(true)]);
    assert_eq!(
        ids("SELECT id FROM errors WHERE error.handled:true"),
        ["e1"]
    );
    assert_eq!(
        ids("SELECT id FROM errors WHERE error.handled:false"),
        ["e2"]
    );
}

#[test]
fn message_filters_search_message_title_and_culprit_case_insensitively() {
    // e1 has an empty message: its title and culprit are searched.
    assert_eq!(ids("SELECT id FROM errors WHERE message:checkout"), ["e1"]);
    assert_eq!(ids("SELECT id FROM errors WHERE message:BOOM"), ["e1"]);
    assert_eq!(ids("SELECT id FROM errors WHERE message:Payment"), ["e2"]);
    assert_eq!(ids("SELECT id FROM errors WHERE !message:payment"), ["e1"]);
    assert_eq!(ids("SELECT id FROM errors WHERE checkout"), ["e1"]);
}

#[test]
fn fields_the_payload_does_not_hold_are_refused() {
    for query in [
        "SELECT release.version FROM errors",
        "SELECT issue, count() FROM errors GROUP BY issue",
        "SELECT count() FROM errors WHERE num_processing_errors:>0",
        "SELECT replay.id, count() FROM errors GROUP BY replay.id",
        "SELECT total.count, count() FROM transactions",
        "SELECT id FROM errors WHERE is_application:true",
        "SELECT id FROM errors WHERE time:>2026-11-01",
    ] {
        match run_query(query) {
            Err(RunError::Query(d)) => {
                assert_eq!(d[0].code, "dql::engine::not_supported_locally", "{query}");
            }
            other => panic!("{query}: expected a refusal, got {other:?}"),
        }
    }
}
