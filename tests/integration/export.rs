//! `dql export` end to end: the built binary against a scripted Sentry on 127.0.0.1 — ids from
//! the events endpoint across pages, payloads from the event endpoint, NDJSON with
//! `projectSlug`, limits, deleted events, errors and exit codes, and the round trip through
//! `dql run --events`.

use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

const TOKEN: &str = "sntryu_export_test_token_0123456789abcdef";

/// The 32-hex id of event `n`.
fn id(n: usize) -> String {
    format!("{n:032x}")
}

/// The project event `n` belongs to.
fn project(n: usize) -> &'static str {
    if n.is_multiple_of(2) { "web" } else { "api" }
}

/// A Sentry event payload as the event endpoint returns it (sentry-api.md §13.7): level and
/// environment are tags; odd events are warnings.
fn payload(n: usize) -> Value {
    json!({
        "id": id(n),
        "eventID": id(n),
        "groupID": "42",
        "projectID": if n.is_multiple_of(2) { "1" } else { "2" },
        "type": "error",
        "title": format!("Error {n}"),
        "message": "",
        "platform": "javascript",
        "dateCreated": format!("2026-11-26T09:{:02}:00Z", 59 - n),
        "dateReceived": format!("2026-11-26T09:{:02}:00.5Z", 59 - n),
        "tags": [
            {"key": "level", "value": if n.is_multiple_of(2) { "error" } else { "warning" }},
            {"key": "environment", "value": "production"}
        ],
        "entries": []
    })
}

/// A page of the events endpoint listing events `range`, with a Link header whose next page
/// has results when `more`.
fn ids_page(range: std::ops::Range<usize>, more: bool, next_cursor: &str) -> Reply {
    let data: Vec<Value> = range
        .map(|n| json!({"id": id(n), "project": project(n), "timestamp": "2026-11-26T09:00:00Z"}))
        .collect();
    let link = format!(
        r#"<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://x/?cursor={next_cursor}>; rel="next"; results="{more}"; cursor="{next_cursor}""#
    );
    Reply::json(
        200,
        json!({"data": data, "meta": {"fields": {"id": "string", "project": "string"}}}),
    )
    .header("Link", &link)
}

/// A Sentry with events 0..5: ids in two pages (3, then 2), payloads by path; the events in
/// `gone` answer 404.
fn sentry(gone: &'static [usize]) -> TestServer {
    TestServer::start(move |request: &Recorded, _| {
        let path = request.path();
        if path == "/api/0/organizations/acme/events/" {
            let per_page: usize = request.param("per_page").unwrap().parse().unwrap();
            return match request.param("cursor").as_deref() {
                None => ids_page(0..3.min(per_page), true, "0:3:0"),
                Some("0:3:0") => ids_page(3..(3 + per_page).min(5), false, "0:5:0"),
                Some(other) => Reply::json(400, json!({"detail": format!("bad cursor {other}")})),
            };
        }
        for n in 0..5 {
            if path == format!("/api/0/projects/acme/{}/events/{}/", project(n), id(n)) {
                if gone.contains(&n) {
                    return Reply::json(404, json!({"detail": "Event not found"}));
                }
                return Reply::json(200, payload(n));
            }
        }
        Reply::json(
            404,
            json!({"detail": "The requested resource does not exist"}),
        )
    })
}

/// Runs the built `dql` with `args` against `server`, feeding `stdin`.
fn dql(server: &TestServer, args: &[&str], stdin: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(args)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .env_remove("SENTRY_PROJECT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // dql may exit before reading its input (a usage error): a closed pipe is not a failure.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let output = child.wait_with_output().unwrap();
    let (out, err) = text(&output);
    assert!(
        !out.contains(TOKEN) && !err.contains(TOKEN),
        "the token was printed"
    );
    output
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
    )
}

/// The NDJSON lines of stdout, parsed.
fn lines(output: &Output) -> Vec<Value> {
    text(output)
        .0
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids_requests(server: &TestServer) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path().ends_with("/organizations/acme/events/"))
        .collect()
}

/// The length of the absolute `start`..`end` a request asks for, in seconds.
fn range_seconds(request: &Recorded) -> i64 {
    let at = |key: &str| -> jiff::Timestamp { values(request, key)[0].parse().unwrap() };
    at("end").duration_since(at("start")).as_secs()
}

fn values(request: &Recorded, key: &str) -> Vec<String> {
    request
        .query()
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn two_pages_of_ids_become_ndjson_payloads_in_order() {
    let server = sentry(&[]);
    let output = dql(
        &server,
        &[
            "export",
            "--query",
            "level:error OR level:warning",
            "--project",
            "web,api",
            "--since",
            "24h",
        ],
        "",
    );
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let events = lines(&output);
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["eventID"].as_str().unwrap(),
                e["projectSlug"].as_str().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, &str)> = (0..5).map(|n| (id(n), project(n))).collect();
    let want: Vec<(&str, &str)> = want.iter().map(|(i, p)| (i.as_str(), *p)).collect();
    assert_eq!(got, want);
    // The payload is passed through untouched apart from projectSlug.
    let mut first = events[0].clone();
    first.as_object_mut().unwrap().remove("projectSlug");
    assert_eq!(first, payload(0));
    assert!(err.ends_with("exported 5 events\n"), "{err}");

    let listed = ids_requests(&server);
    assert_eq!(listed.len(), 2);
    let first = &listed[0];
    assert_eq!(values(first, "field"), ["id", "project", "timestamp"]);
    // dql parenthesises a top-level OR when lowering; same meaning.
    assert_eq!(values(first, "query"), ["(level:error OR level:warning)"]);
    assert_eq!(values(first, "projectSlug"), ["web", "api"]);
    // Relative times are sent resolved, so every page (and a resume) asks for the same range.
    assert_eq!(range_seconds(first), 24 * 3600);
    assert!(values(first, "statsPeriod").is_empty());
    assert_eq!(values(first, "dataset"), ["errors"]);
    assert_eq!(values(first, "sort"), ["-timestamp", "id"]);
    assert_eq!(values(first, "per_page"), ["100"]);
    assert_eq!(values(&listed[1], "cursor"), ["0:3:0"]);
    let auth = first.header("authorization").unwrap();
    assert_eq!(auth, format!("Bearer {TOKEN}"));
}

#[test]
fn limit_stops_the_listing() {
    let server = sentry(&[]);
    let output = dql(&server, &["export", "--query", "", "--limit", "2"], "");
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let ids: Vec<String> = lines(&output)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [id(0), id(1)]);
    let listed = ids_requests(&server);
    assert_eq!(listed.len(), 1);
    assert_eq!(values(&listed[0], "per_page"), ["2"]);
    assert!(values(&listed[0], "query").is_empty());
    assert!(!err.contains("note:"), "{err}");
    assert!(err.ends_with("exported 2 events\n"), "{err}");
}

#[test]
fn a_deleted_event_is_skipped_and_counted() {
    let server = sentry(&[1, 3]);
    let output = dql(&server, &["export", "--query", "level:error"], "");
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let ids: Vec<String> = lines(&output)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [id(0), id(2), id(4)]);
    assert!(
        err.contains("exported 3 events; skipped 2 no longer found"),
        "{err}"
    );
}

#[test]
fn a_refused_token_exits_3_without_output() {
    let server = TestServer::scripted(vec![Reply::json(401, json!({"detail": "Invalid token"}))]);
    let output = dql(&server, &["export", "--query", "level:error"], "");
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("dql::client::unauthorized"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_failing_event_fetch_keeps_what_was_written_and_exits_with_its_class() {
    let server = TestServer::start(|request: &Recorded, _| {
        if request.path() == "/api/0/organizations/acme/events/" {
            return ids_page(0..3, false, "0:3:0");
        }
        if request.path().contains(&id(1)) {
            return Reply::json(403, json!({"detail": "You do not have permission"}));
        }
        Reply::json(200, payload(0))
    });
    let output = dql(
        &server,
        &["export", "--query", "", "--retry-tries", "1"],
        "",
    );
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    // The event written is kept, and a last line that is not JSON says the file is not whole
    // (issue 12): `dql run --events` and jq stop there instead of taking it for all.
    let (out, _) = text(&output);
    let written: Vec<&str> = out.lines().collect();
    assert_eq!(written.len(), 2, "{out}");
    assert!(serde_json::from_str::<Value>(written[0]).is_ok());
    assert_eq!(written[1], dql::format::INCOMPLETE_MARK);
    assert!(err.contains("exported 1 event\n"), "{err}");
    assert!(err.contains("the export is incomplete"), "{err}");
}

#[test]
fn a_file_statement_exports_with_its_filter_projects_and_limit() {
    let server = sentry(&[]);
    let file = "-- @name other\nSELECT count() FROM errors;\n\n\
                -- @name recent\nSELECT title FROM errors WHERE level:error PROJECT web \
                ENVIRONMENT production SINCE 2h ORDER BY title LIMIT 4\n";
    let output = dql(&server, &["export", "-", "--name", "recent"], file);
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(lines(&output).len(), 4);
    let listed = ids_requests(&server);
    let first = &listed[0];
    assert_eq!(
        values(first, "field"),
        ["id", "project", "title", "timestamp"]
    );
    assert_eq!(values(first, "sort"), ["title", "-timestamp", "id"]);
    assert_eq!(values(first, "projectSlug"), ["web"]);
    assert_eq!(values(first, "environment"), ["production"]);
    assert_eq!(range_seconds(first), 2 * 3600);
    assert_eq!(values(first, "per_page"), ["4"]);
}

#[test]
fn aggregates_are_refused_before_anything_is_sent() {
    let server = sentry(&[]);
    let output = dql(
        &server,
        &["export", "-"],
        "SELECT count() FROM errors GROUP BY title\n",
    );
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("dql::export::not_exportable"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn a_search_that_does_not_parse_shows_its_diagnostics() {
    let server = sentry(&[]);
    let output = dql(&server, &["export", "--query", "level:error ("], "");
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("--query"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn the_export_reads_back_with_run_events() {
    let server = sentry(&[]);
    let output = dql(&server, &["export", "--query", ""], "");
    assert_eq!(output.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    std::fs::write(&path, &output.stdout).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["run", "-", "--format", "csv", "--events"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut run = run;
    run.stdin
        .take()
        .unwrap()
        .write_all(
            b"SELECT project, count() AS n FROM errors WHERE level:error GROUP BY project \
              ORDER BY project\n",
        )
        .unwrap();
    let result = run.wait_with_output().unwrap();
    let (out, err) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{err}");
    // Events 0, 2 and 4 are errors, all in `web`.
    assert_eq!(out, "project,n\nweb,3\n");
}

#[test]
fn project_flag_with_a_file_is_a_usage_error() {
    let server = sentry(&[]);
    let output = dql(
        &server,
        &["export", "-", "--project", "web"],
        "SELECT id FROM errors\n",
    );
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("PROJECT clause"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn rate_limits_and_server_errors_are_retried_as_in_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let failures = AtomicUsize::new(0);
    let server = TestServer::start(move |request: &Recorded, _| {
        if request.path() == "/api/0/organizations/acme/events/" {
            // The listing fails once with a 502 before answering.
            if failures.fetch_add(1, Ordering::SeqCst) == 0 {
                return Reply::json(502, json!({"detail": "bad gateway"}));
            }
            return ids_page(0..2, false, "0:2:0");
        }
        if request.path().contains(&id(1)) && failures.fetch_add(1, Ordering::SeqCst) < 3 {
            return Reply::json(429, json!("rate limited")).header("Retry-After", "0");
        }
        let n = usize::from(request.path().contains(&id(1)));
        Reply::json(200, payload(n))
    });
    let output = dql(
        &server,
        &["export", "--query", "", "--retry-seconds", "5"],
        "",
    );
    let (_, err) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let ids: Vec<String> = lines(&output)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [id(0), id(1)]);
    // 2 listings (one 502), event 0, event 1 twice (one 429).
    assert_eq!(server.requests().len(), 5);
}
