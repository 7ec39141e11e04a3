//! `dql export --resume FILE` refusing to continue: an unreadable or corrupt checkpoint, one
//! of another export, an output gone or changed since. Each is a coded diagnostic with help,
//! exit 2, sends nothing more to Sentry and leaves both files as they were.

use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const TOKEN: &str = "sntryu_resume_errors_token_0123456789abcdef";

/// A Sentry with two events of project `web`, listed in one page, payloads by path.
fn sentry() -> TestServer {
    TestServer::start(|request: &Recorded, _| {
        let id = |n: usize| format!("{n:032x}");
        match request.path() {
            "/api/0/organizations/acme/events/" => Reply::json(
                200,
                json!({
                    "data": [
                        {"id": id(1), "project": "web", "timestamp": "2026-11-26T09:00:00Z"},
                        {"id": id(2), "project": "web", "timestamp": "2026-11-26T08:00:00Z"}
                    ],
                    "meta": {"fields": {"id": "string", "project": "string"}}
                }),
            )
            .header(
                "Link",
                r#"<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://x/?cursor=0:2:0>; rel="next"; results="false"; cursor="0:2:0""#,
            ),
            path => match path.rsplit('/').nth(1) {
                Some(event) => Reply::json(
                    200,
                    json!({"id": event, "eventID": event, "type": "error",
                           "dateCreated": "2026-11-26T09:00:00Z", "tags": [], "entries": []}),
                ),
                None => Reply::json(404, json!({"detail": "not found"})),
            },
        }
    })
}

fn export(sentry: &TestServer, dir: &Path, extra: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["export", "--query", "", "--project", "web", "--per-event"])
        .args(["--now", "2026-11-26T10:00:00Z", "--resume", "out.ndjson"])
        .args(extra)
        .current_dir(dir)
        .env("HOME", dir)
        .env("SENTRY_URL", &sentry.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .env_remove("SENTRY_PROJECT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(TOKEN),
        "the token was printed"
    );
    output
}

/// Exports once, whole; returns the output's and the checkpoint's text.
fn exported(sentry: &TestServer, dir: &Path) -> (String, String) {
    let first = export(sentry, dir, &[]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{err}");
    assert!(err.contains("exported 2 events"), "{err}");
    (
        std::fs::read_to_string(dir.join("out.ndjson")).unwrap(),
        std::fs::read_to_string(dir.join("out.ndjson.checkpoint")).unwrap(),
    )
}

/// Runs the export again and checks it is refused with `code` (and help), sending nothing.
fn refused(sentry: &TestServer, dir: &Path, extra: &[&str], code: &str) -> String {
    let before = sentry.requests().len();
    let output = export(sentry, dir, extra);
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains(code), "expected {code}: {err}");
    assert!(err.contains("help:"), "no help: {err}");
    assert_eq!(
        sentry.requests().len(),
        before,
        "a refused resume sent requests"
    );
    err
}

#[test]
fn a_corrupt_or_unreadable_checkpoint_is_refused_with_its_code() {
    let sentry = sentry();
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("out.ndjson.checkpoint");
    std::fs::write(&checkpoint, "{\"dql_export_checkpoint\": 1, \"qu").unwrap();
    refused(&sentry, dir.path(), &[], "dql::export::checkpoint_corrupt");
    assert_eq!(
        std::fs::read_to_string(&checkpoint).unwrap(),
        "{\"dql_export_checkpoint\": 1, \"qu"
    );
    assert!(!dir.path().join("out.ndjson").exists());
    std::fs::remove_file(&checkpoint).unwrap();
    std::fs::create_dir(&checkpoint).unwrap();
    refused(
        &sentry,
        dir.path(),
        &[],
        "dql::export::checkpoint_unreadable",
    );
}

#[test]
fn a_checkpoint_of_another_export_or_a_foreign_file_is_refused_with_its_code() {
    let sentry = sentry();
    let dir = tempfile::tempdir().unwrap();
    let (events, checkpoint) = exported(&sentry, dir.path());
    let err = refused(
        &sentry,
        dir.path(),
        &["--since", "1h"],
        "dql::export::checkpoint_mismatch",
    );
    assert!(err.contains("another export"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap(),
        events
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.ndjson.checkpoint")).unwrap(),
        checkpoint
    );
    std::fs::remove_file(dir.path().join("out.ndjson.checkpoint")).unwrap();
    refused(&sentry, dir.path(), &[], "dql::export::no_checkpoint");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap(),
        events
    );
}

#[test]
fn an_output_gone_or_changed_since_its_checkpoint_is_refused_with_its_code() {
    let sentry = sentry();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    let (events, _) = exported(&sentry, dir.path());
    assert_eq!(events.lines().count(), 2, "{events}");

    let first_line = format!("{}\n", events.lines().next().unwrap());
    std::fs::write(&out, &first_line).unwrap();
    refused(&sentry, dir.path(), &[], "dql::export::output_changed");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first_line);

    // As long as before, but the last line no longer ends where the checkpoint says.
    let edited = format!("{}x", events.trim_end_matches('\n'));
    std::fs::write(&out, &edited).unwrap();
    refused(&sentry, dir.path(), &[], "dql::export::output_changed");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), edited);

    std::fs::remove_file(&out).unwrap();
    refused(&sentry, dir.path(), &[], "dql::export::output_missing");
    assert!(!out.exists(), "a missing output is not made again");
}
