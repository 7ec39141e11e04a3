//! `dql export` of a spans query writes the rows of the events endpoint (one flat object per
//! span, with the fields the statement selects plus id, project and timestamp), and
//! `dql run --events` reads them back.

use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::json;
use std::process::Command;

#[test]
fn spans_export_as_rows_and_run_back() {
    let server = TestServer::start(|request: &Recorded, _| {
        assert_eq!(request.path(), "/api/0/organizations/acme/events/");
        assert_eq!(request.param("dataset").as_deref(), Some("spans"));
        let rows = json!([
            {"span.op": "db", "span.duration": 80.0, "id": "a2", "project": "api",
             "timestamp": "2026-11-20T10:00:00+00:00"},
            {"span.op": "db", "span.duration": 500.0, "id": "b2", "project": "web",
             "timestamp": "2026-11-20T11:00:00+00:00"},
            {"span.op": "cache.get", "span.duration": 1.0, "id": "b3", "project": "web",
             "timestamp": "2026-11-20T11:00:00+00:00"}
        ]);
        Reply::json(
            200,
            json!({"data": rows, "meta": {"fields": {"span.op": "string", "span.duration": "duration"}}}),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("q.dql");
    std::fs::write(
        &query,
        "SELECT span.op, span.duration FROM spans WHERE span.duration:>0 LIMIT 10",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dql"))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", "sntryu_export")
        .arg("export")
        .arg(&query)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fields: Vec<String> = server.requests()[0]
        .query()
        .into_iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        fields,
        ["span.op", "span.duration", "id", "project", "timestamp"]
    );
    let rows = dir.path().join("spans.ndjson");
    std::fs::write(&rows, &out.stdout).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let run = Command::new(env!("CARGO_BIN_EXE_dql"))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("SENTRY_URL", "https://sentry.example.com")
        .args(["run", "-", "--events"])
        .arg(&rows)
        .args(["--format", "csv"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let mut run = run;
    run.stdin
        .take()
        .unwrap()
        .write_all(b"SELECT span.op, count(), sum(span.duration) FROM spans GROUP BY span.op ORDER BY span.op")
        .unwrap();
    let out = run.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "span.op,count(),sum(span.duration)\ncache.get,1,1.0\ndb,2,580.0\n"
    );
}
