//! Never a silent partial answer (issue 12): the client, the CLI and the checker against
//! hostile servers on 127.0.0.1, hostile parameters and hostile files. Each test failed before
//! its fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its helpers: a failed unwrap is a failed test"
)]

use crate::support::server::{Reply, TestServer};
use dql::answer::OutputColumn;
use dql::client::{
    Client, ClientError, ClientEvent, ReqwestTransport, RetryPolicy, Timeouts, Token,
};
use dql::diagnostic::Code;
use dql::lower::request::{Endpoint, Method, Request};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const TOKEN: &str = "sntryu_r0bu57c0ffee5ecre7da7a0123456789";

fn events_request(limit: Option<u64>, per_page: &str) -> Request {
    Request {
        name: None,
        method: Method::Get,
        endpoint: Endpoint::Events,
        path: "/api/0/organizations/{org}/events/".into(),
        params: vec![
            ("field".into(), "title".into()),
            ("per_page".into(), per_page.into()),
        ],
        body: None,
        columns: vec![OutputColumn {
            field: "title".into(),
            label: "title".into(),
            ty: None,
        }],
        hidden: Vec::new(),
        limit,
        update: None,
        fallback: None,
        compare: None,
        split: None,
    }
}

fn client_for(base_url: &str) -> Client {
    let transport = ReqwestTransport::new(
        Token::new(TOKEN),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(5),
        },
    )
    .unwrap();
    Client::with_transport(transport, base_url, Some("acme".into()))
        .unwrap()
        .retry_policy(RetryPolicy {
            max_tries: 3,
            max_wait: Duration::from_secs(60),
            first_delay: Duration::from_millis(1),
        })
        .sleeper(|_| {})
}

fn rows(n: usize, from: usize) -> Value {
    let data: Vec<Value> = (from..from + n)
        .map(|i| json!({ "title": format!("t{i}") }))
        .collect();
    json!({"data": data, "meta": {"fields": {"title": "string"}, "units": {"title": null}}})
}

fn next(cursor: &str, results: bool) -> String {
    format!(r#"<http://x/?cursor={cursor}>; rel="next"; results="{results}"; cursor="{cursor}""#)
}

/// Runs an events request with LIMIT `limit` against scripted replies; the error it ends with.
fn paginate(replies: Vec<Reply>, limit: u64, per_page: &str) -> (Vec<usize>, ClientError) {
    let server = TestServer::scripted(replies);
    let client = client_for(&server.base_url);
    let request = events_request(Some(limit), per_page);
    let mut sizes = Vec::new();
    for page in client.pages(&request) {
        match page {
            Ok(page) => sizes.push(page.rows.len()),
            Err(e) => return (sizes, e),
        }
        assert!(sizes.len() < 20, "pagination did not stop");
    }
    panic!("pagination stopped silently after pages {sizes:?}");
}

// ---------------------------------------------------------------------------------------------
// 2. Pagination honesty

#[test]
fn a_repeated_cursor_is_an_incomplete_result_not_a_silent_stop() {
    let (sizes, error) = paginate(
        vec![
            Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true)),
            Reply::json(200, rows(2, 2)).header("Link", &next("0:2:0", true)),
        ],
        10,
        "2",
    );
    assert_eq!(sizes, [2, 2]);
    match &error {
        ClientError::Incomplete {
            fetched,
            wanted,
            reason,
        } => {
            assert_eq!((*fetched, *wanted), (4, 10));
            assert!(reason.contains("same cursor"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.exit_code(), 5);
}

#[test]
fn a_cursor_cycle_is_detected() {
    let (sizes, error) = paginate(
        vec![
            Reply::json(200, rows(2, 0)).header("Link", &next("A", true)),
            Reply::json(200, rows(2, 2)).header("Link", &next("B", true)),
            Reply::json(200, rows(2, 4)).header("Link", &next("A", true)),
        ],
        100,
        "2",
    );
    assert_eq!(sizes, [2, 2, 2]);
    assert!(
        matches!(&error, ClientError::Incomplete { reason, fetched: 6, .. } if reason.contains("cycle")),
        "{error:?}"
    );
}

#[test]
fn an_empty_page_said_to_have_results_is_incomplete() {
    let (_, error) = paginate(
        vec![
            Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true)),
            Reply::json(200, rows(0, 0)).header("Link", &next("0:4:0", true)),
        ],
        10,
        "2",
    );
    assert!(
        matches!(&error, ClientError::Incomplete { reason, fetched: 2, .. } if reason.contains("empty page")),
        "{error:?}"
    );
}

#[test]
fn a_full_page_without_a_link_header_is_incomplete() {
    let (_, error) = paginate(vec![Reply::json(200, rows(2, 0))], 10, "2");
    assert!(
        matches!(&error, ClientError::Incomplete { reason, .. } if reason.contains("no `Link` header")),
        "{error:?}"
    );
    let (_, error) = paginate(
        vec![Reply::json(200, rows(2, 0)).header("Link", "garbage; rel=next")],
        10,
        "2",
    );
    assert!(
        matches!(&error, ClientError::Incomplete { reason, .. } if reason.contains("no readable")),
        "{error:?}"
    );
}

#[test]
fn a_short_last_page_and_a_results_false_link_end_quietly() {
    let server = TestServer::scripted(vec![
        Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true)),
        Reply::json(200, rows(1, 2)),
    ]);
    let client = client_for(&server.base_url);
    let execution = client.execute(&events_request(Some(10), "2")).unwrap();
    assert_eq!(execution.result.data.len(), 3);
    let server = TestServer::scripted(vec![
        Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", false)),
    ]);
    let client = client_for(&server.base_url);
    let execution = client.execute(&events_request(Some(10), "2")).unwrap();
    assert_eq!(execution.result.data.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 7 and 12. Rate limits: no panic on absurd resets; say how long Sentry asked for

#[test]
fn absurd_rate_limit_resets_do_not_panic() {
    for reset in ["inf", "2e19", "1e300", "NaN", "-inf", "1e-300"] {
        let server = TestServer::scripted(vec![
            Reply::json(429, json!("slow down")).header("X-Sentry-Rate-Limit-Reset", reset),
        ]);
        let client = client_for(&server.base_url)
            .clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let error = client.execute(&events_request(None, "2")).unwrap_err();
        assert!(
            matches!(error, ClientError::RateLimited { .. }),
            "{reset}: {error:?}"
        );
    }
}

#[test]
fn a_retry_after_beyond_the_budget_says_how_long_and_which_flag() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!("slow down")).header("Retry-After", "3600"),
    ]);
    let error = client_for(&server.base_url)
        .execute(&events_request(None, "2"))
        .unwrap_err();
    assert!(
        matches!(error, ClientError::RateLimited { asked: Some(d), .. } if d == Duration::from_secs(3600)),
        "{error:?}"
    );
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert!(help.contains("1 h 0 min"), "{help}");
    assert!(help.contains("--retry-seconds"), "{help}");
    assert!(help.contains("3600"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// 12. Redirects and credentials

#[test]
fn a_redirect_that_is_not_followed_is_not_success() {
    // No Location: reqwest cannot follow it.
    let server = TestServer::scripted(vec![Reply::raw(302, "")]);
    let error = client_for(&server.base_url)
        .execute(&events_request(None, "2"))
        .unwrap_err();
    assert!(
        matches!(error, ClientError::Redirect { status: 302, .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), 3);
}

#[test]
fn a_followed_redirect_is_reported_to_the_observer() {
    let server = TestServer::start(|recorded, _| {
        if recorded.path().starts_with("/moved/") {
            Reply::json(200, rows(1, 0))
        } else {
            Reply::raw(301, "").header("Location", "/moved/events/")
        }
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client =
        client_for(&server.base_url).on_event(move |e| log.lock().unwrap().push(e.clone()));
    client.execute(&events_request(None, "2")).unwrap();
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(
            |e| matches!(e, ClientEvent::Redirected { to, .. } if to.ends_with("/moved/events/"))
        ),
        "{seen:?}"
    );
}

#[test]
fn a_password_in_the_url_is_never_shown() {
    // Nothing listens on port 9 of 127.0.0.1 (discard): the request fails.
    let url = "http://user:hunter2secret@127.0.0.1:9";
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = client_for(url).on_event(move |e| log.lock().unwrap().push(format!("{e:?}")));
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains("hunter2secret"), "{text}");
    assert!(text.contains("***"), "{text}");
    for event in seen.lock().unwrap().iter() {
        assert!(!event.contains("hunter2secret"), "{event}");
    }
    assert_eq!(
        dql::client::redact_url("http://u:pw@h:1/p?q"),
        "http://u:***@h:1/p?q"
    );
    assert_eq!(
        dql::client::redact_url("http://u:pw@[bad/x"),
        "http://***@[bad/x"
    );
}

// ---------------------------------------------------------------------------------------------
// 11. A token that cannot go in a header

#[test]
fn a_token_with_a_line_break_is_a_configuration_error_at_once() {
    for token in ["abc\rdef", "abc\ndef", "abc\u{0}"] {
        let error = ReqwestTransport::new(Token::new(token), Timeouts::default()).unwrap_err();
        assert!(matches!(error, ClientError::InvalidToken), "{error:?}");
        assert_eq!(error.exit_code(), 3);
        assert!(!format!("{error} {error:?}").contains("abc"));
    }
}

// ---------------------------------------------------------------------------------------------
// 8. A response body is capped

#[test]
fn a_body_over_the_cap_is_refused_without_retrying() {
    let big = format!("{{\"data\":[{{\"title\":\"{}\"}}]}}", "x".repeat(100_000));
    let server = TestServer::scripted(vec![Reply::raw(200, &big)]);
    let transport = ReqwestTransport::new(Token::new(TOKEN), Timeouts::default())
        .unwrap()
        .max_body(10_000);
    let client = Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .sleeper(|_| {});
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    assert!(
        matches!(error, ClientError::ResponseTooLarge { limit: 10_000 }),
        "{error:?}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a too-large body is not retried"
    );
}

// ---------------------------------------------------------------------------------------------
// The binary

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `dql args…` in `dir` with only `env` (plus HOME), `stdin` piped in.
fn dql(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("dql {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = feeder.join();
    let run = Run {
        code: status.code().expect("dql ended by a signal"),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "dql panicked: {run:?}");
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {run:?}"
    );
    run
}

fn env_for(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("SENTRY_URL", server.base_url.clone()),
        ("SENTRY_ORG", "acme".into()),
        ("SENTRY_AUTH_TOKEN", TOKEN.into()),
    ]
}

fn at(dir: &Path, server: &TestServer, args: &[&str]) -> Run {
    let env = env_for(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    dql(dir, args, &env, b"")
}

fn scratch(query: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), query).unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

/// Page 1 has two rows and says there are more; page 2 fails with a 500.
fn failing_on_page_two() -> TestServer {
    TestServer::start(|recorded, _| {
        if recorded.param("cursor").is_none() {
            Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true))
        } else {
            Reply::json(500, json!({"detail": "boom"}))
        }
    })
}

// 3. A failure after some rows were written must not look complete.

#[test]
fn json_cut_short_by_a_failure_does_not_parse() {
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let run = at(
        &dir,
        &server,
        &["run", "q.dql", "--format", "json", "--retry-tries", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stdout.contains("\"t1\""), "{run:?}");
    assert!(
        serde_json::from_str::<Value>(&run.stdout).is_err(),
        "a partial json result parsed: {run:?}"
    );
    assert!(run.stdout.contains("INCOMPLETE"), "{run:?}");
    assert!(run.stderr.contains("2 rows"), "{run:?}");
}

#[test]
fn ndjson_cut_short_ends_with_a_line_that_is_not_json() {
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let run = at(
        &dir,
        &server,
        &["run", "q.dql", "--format", "ndjson", "--retry-tries", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert!(serde_json::from_str::<Value>(lines[1]).is_ok());
    assert!(serde_json::from_str::<Value>(lines[2]).is_err(), "{run:?}");
    assert!(run.stderr.contains("2 rows"), "{run:?}");
}

#[test]
fn csv_cut_short_fails_a_strict_reader() {
    let (_keep, dir) = scratch("SELECT title, level FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let run = at(
        &dir,
        &server,
        &["run", "q.dql", "--format", "csv", "--retry-tries", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let records: Result<Vec<_>, _> = reader.records().collect();
    assert!(records.is_err(), "a partial csv read as whole: {run:?}");
    assert!(run.stdout.contains("INCOMPLETE"), "{run:?}");
}

#[test]
fn a_table_cut_short_says_so() {
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let run = at(
        &dir,
        &server,
        &["run", "q.dql", "--format", "table", "--retry-tries", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stdout.contains("t1"), "{run:?}");
    assert!(run.stdout.contains("INCOMPLETE"), "{run:?}");
}

// 2. for `run`: fewer rows than asked while Sentry said more is a failure.

#[test]
fn run_exits_non_zero_on_a_repeating_cursor() {
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = TestServer::scripted(vec![
        Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true)),
    ]);
    let run = at(&dir, &server, &["run", "q.dql", "--format", "ndjson"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("dql::client::incomplete"), "{run:?}");
}

// 11. A token with a CR: configuration error, at once, nothing sent.

#[test]
fn a_token_with_a_carriage_return_is_exit_3_without_a_request() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::scripted(vec![Reply::json(200, rows(1, 0))]);
    let run = dql(
        &dir,
        &["run", "q.dql", "--format", "csv"],
        &[
            ("SENTRY_URL", &server.base_url),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_AUTH_TOKEN", "sntryu_abc\rdef"),
        ],
        b"",
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("dql::client::invalid_token"), "{run:?}");
    assert!(server.requests().is_empty());
}

// 12. --verbose shows a redirect; never a password.

#[test]
fn verbose_shows_where_redirected_rows_came_from_and_no_password() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::start(|recorded, _| {
        if recorded.path().starts_with("/moved/") {
            Reply::json(200, rows(1, 0))
        } else {
            Reply::raw(302, "").header("Location", "/moved/events/")
        }
    });
    let url = server.base_url.replace("http://", "http://me:s3cretpw@");
    let run = dql(
        &dir,
        &["run", "q.dql", "--format", "csv", "--verbose"],
        &[
            ("SENTRY_URL", &url),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_AUTH_TOKEN", TOKEN),
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("redirected"), "{run:?}");
    assert!(run.stderr.contains("/moved/events/"), "{run:?}");
    assert!(!run.stderr.contains("s3cretpw"), "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// 5. Non-ASCII characters in typed values

fn compile(text: &str, params: &[(&str, &str)]) -> dql::Compilation {
    let mut options = dql::Options::new(jiff::Timestamp::UNIX_EPOCH);
    for (name, value) in params {
        options.params.bind(*name, *value);
    }
    dql::compile_source(&dql::Source::new("q.dql", text), &options)
}

#[test]
fn a_multibyte_character_in_a_duration_or_size_is_an_error_not_a_panic() {
    for value in ["é", "1é", "éms", "5é%", "ß", "1日", "🦀s"] {
        for key in [
            "transaction.duration",
            "measurements.fcp",
            "tags[bytes,size]",
        ] {
            let text = format!("SELECT count() FROM transactions WHERE {key}:>{value}");
            let compilation = compile(&text, &[]);
            assert!(compilation.has_errors(), "{text}");
            let text = format!("SELECT count() FROM transactions WHERE {key}:>$v");
            assert!(
                compile(&text, &[("v", value)]).has_errors(),
                "{text} with {value}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Labels past column 65,535

#[test]
fn a_label_far_along_one_line_renders_without_panicking() {
    let cases = [
        format!(
            "SELECT count() FROM errors WHERE {}levle:error",
            "a:b ".repeat(22_000)
        ),
        format!(
            "SELECT count() FROM errors WHERE {}levle:error",
            "NOT ".repeat(18_000)
        ),
        format!(
            "SELECT count() FROM errors WHERE message:{} levle:error",
            "é".repeat(70_000)
        ),
    ];
    for text in cases {
        let source = dql::Source::new("q.dql", text.as_str());
        let compilation = compile(&text, &[]);
        assert!(!compilation.diagnostics.is_empty());
        let rendered = dql::diagnostic::render(&source, &compilation.diagnostics, false, 80);
        assert!(rendered.contains("a long line"), "{rendered}");
        assert!(rendered.len() < 100_000, "{} bytes", rendered.len());
    }
}

// ---------------------------------------------------------------------------------------------
// 14. A byte-order mark, and parameter names

#[test]
fn a_byte_order_mark_at_the_start_of_a_query_file_is_ignored() {
    let (_keep, dir) = scratch("");
    std::fs::write(dir.join("q.dql"), "\u{feff}SELECT count() FROM errors\n").unwrap();
    let run = dql(&dir, &["check", "q.dql"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
    let run = dql(
        &dir,
        &["check", "-"],
        &[],
        "\u{feff}SELECT count() FROM errors\n".as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_parameter_name_with_a_space_is_refused() {
    let (_keep, dir) = scratch("SELECT count() FROM errors WHERE level:$p\n");
    for bad in ["p q=1", "1p=1", "p-q=1", "é=1"] {
        let run = dql(&dir, &["compile", "q.dql", "--param", bad], &[], b"");
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stderr.contains("not a parameter name"), "{run:?}");
    }
    let run = dql(&dir, &["compile", "q.dql", "--param", "p=error"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Local engine: 1 (input read once), 8 (line cap), 13 (shapes, directories, long messages)

fn scan_error(
    path: &Path,
    fields: &[&str],
    options: dql::engine::ReadOptions,
) -> dql::engine::EngineError {
    let files = match dql::engine::EventFiles::open(path) {
        Ok(files) => files,
        Err(e) => return e,
    };
    let projection = dql::engine::Projection::new(fields.iter().copied());
    files
        .scan(&projection, &options, |_| {
            Ok::<(), dql::engine::EngineError>(())
        })
        .expect_err("the scan should fail")
}

#[test]
fn a_line_longer_than_the_cap_is_a_coded_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.ndjson");
    let mut text = String::from("{\"title\":\"a\"}\n{\"title\":\"b\"}\n");
    text.push_str(&"x".repeat(5_000));
    std::fs::write(&path, text).unwrap();
    let options = dql::engine::ReadOptions {
        max_line_bytes: 1_000,
        ..dql::engine::ReadOptions::default()
    };
    let error = scan_error(&path, &["title"], options);
    assert_eq!(error.code().code(), "dql::engine::line_too_long", "{error}");
    let text = error.to_string();
    assert!(text.contains("e.ndjson:3"), "{text}");
}

#[test]
fn events_from_a_pipe_are_read_once_and_answer() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors\n");
    let events: String = (0..5)
        .map(|i| format!("{{\"eventID\":\"{i:032x}\",\"title\":\"t\",\"dateCreated\":\"2026-11-01T00:00:0{i}Z\"}}\n"))
        .collect();
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        events.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n5", "{run:?}");
}

#[test]
fn a_valid_event_with_a_member_of_the_wrong_shape_is_bad_member() {
    let dir = tempfile::tempdir().unwrap();
    for (line, member) in [
        (r#"{"eventID":"a","title":{"a":1}}"#, "title"),
        (r#"{"eventID":"a","title":5}"#, "title"),
        (r#"{"eventID":"a","title":["x"]}"#, "title"),
        (r#"{"eventID":"a","culprit":true,"title":"x"}"#, "culprit"),
    ] {
        let path = dir.path().join("e.ndjson");
        std::fs::write(&path, line).unwrap();
        let error = scan_error(
            &path,
            &["title", "culprit"],
            dql::engine::ReadOptions::default(),
        );
        assert_eq!(
            error.code().code(),
            "dql::engine::bad_member",
            "{line}: {error}"
        );
        assert!(
            error.to_string().contains(&format!("`{member}`")),
            "{error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_link_in_an_events_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ndjson"), "{\"title\":\"a\"}\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.ndjson"), dir.path().join("b.ndjson"))
        .unwrap();
    let error = dql::engine::EventFiles::open(dir.path()).unwrap_err();
    assert_eq!(error.code().code(), "dql::engine::read_failed", "{error}");
    assert!(error.to_string().contains("b.ndjson"), "{error}");
}

#[test]
fn a_huge_bad_value_is_not_echoed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.ndjson");
    let big = "y".repeat(10_000_000);
    std::fs::write(&path, format!("{{\"title\":\"x\",\"tags\":\"{big}\"}}\n")).unwrap();
    let error = scan_error(&path, &["tags[a]"], dql::engine::ReadOptions::default());
    let text = format!("{error}");
    assert!(text.len() < 2_000, "{} bytes of message", text.len());
    std::fs::write(&path, format!("{{\"title\":\"{big}\n")).unwrap();
    let error = scan_error(&path, &["title"], dql::engine::ReadOptions::default());
    assert!(error.to_string().len() < 2_000);
}

// ---------------------------------------------------------------------------------------------
// 4. `\*` in a parameter is never a wildcard; integers past 2^53 are sent as written

fn query_param(text: &str, params: &[(&str, &str)]) -> Result<String, Vec<String>> {
    let compilation = compile(text, params);
    if compilation.has_errors() {
        return Err(compilation
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect());
    }
    let request = &compilation.statements[0].request;
    Ok(request
        .params
        .iter()
        .find(|(k, _)| k == "query")
        .map(|(_, v)| v.clone())
        .unwrap_or_default())
}

/// Whether Sentry reads `value` as a wildcard (`WILDCARD_CHARS` of event_search.py: a `*`
/// after an even run of backslashes).
fn sentry_wildcard(value: &str) -> bool {
    let mut run = 0;
    for c in value.chars() {
        match c {
            '\\' => run += 1,
            '*' if run % 2 == 0 => return true,
            _ => run = 0,
        }
    }
    false
}

#[test]
fn a_backslash_star_parameter_is_never_sent_as_a_wildcard() {
    for text in [
        "SELECT count() FROM errors WHERE message = $v",
        "SELECT count() FROM errors WHERE message:$v",
        "SELECT count() FROM errors WHERE message IN ($v, 'x')",
    ] {
        for value in [r"a\*b", r"\*", r"a\\\*b", r"*\*"] {
            match query_param(text, &[("v", value)]) {
                Ok(query) => panic!("{text} with {value}: sent as {query}"),
                Err(codes) => assert!(
                    codes.iter().any(|c| c == "dql::filter::backslash_star"),
                    "{codes:?}"
                ),
            }
        }
        for value in [r"a\\*b", r"a\b", r"a*b", r"a\\b*"] {
            let query = query_param(text, &[("v", value)]).unwrap();
            let sent = query
                .split_once("message:")
                .map(|(_, v)| v)
                .unwrap_or(&query);
            assert!(!sentry_wildcard(sent), "{text} with {value}: {query}");
        }
    }
    // In a pattern a literal `\*` can be written: `\\\*` is a literal backslash then star.
    let query = query_param(
        "SELECT count() FROM errors WHERE message LIKE $v",
        &[("v", r"%a\*b%")],
    )
    .unwrap();
    assert_eq!(query, r"message:*a\\\*b*");
}

#[test]
fn integers_beyond_two_to_the_53_are_sent_as_written() {
    for (text, params) in [
        (
            "SELECT count() FROM errors WHERE issue.id:9007199254740993",
            vec![],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id = 9007199254740993",
            vec![],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id:$id",
            vec![("id", "9007199254740993")],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id:>$id",
            vec![("id", "9007199254740993")],
        ),
    ] {
        let query = query_param(text, &params).unwrap();
        assert!(query.ends_with("9007199254740993"), "{text}: {query}");
    }
    let query = query_param(
        "SELECT count() FROM errors WHERE issue.id:123456789012345678901234567890",
        &[],
    )
    .unwrap();
    assert_eq!(query, "issue.id:123456789012345678901234567890");
    let query = query_param(
        "SELECT count() FROM errors WHERE issue.id IN (9007199254740993, 5, $id)",
        &[("id", "18446744073709551617")],
    )
    .unwrap();
    assert_eq!(
        query,
        "issue.id:[9007199254740993, 5, 18446744073709551617]"
    );
}

// 2. for `export`: a repeating cursor is a failure, with the events written marked.

#[test]
fn export_exits_non_zero_when_pagination_cannot_go_on() {
    let (_keep, dir) = scratch("");
    let server = TestServer::start(|recorded, _| {
        if recorded.path() == "/api/0/organizations/acme/events/" {
            let id = format!("{:032x}", recorded.param("cursor").map_or(1, |_| 2));
            Reply::json(
                200,
                json!({"data": [{"id": id, "project": "web"}], "meta": {"fields": {}}}),
            )
            .header("Link", &next("0:1:0", true))
        } else {
            Reply::json(200, json!({"eventID": "e", "title": "t"}))
        }
    });
    let env = env_for(&server);
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("SENTRY_PROJECT", "web"));
    let run = dql(&dir, &["export", "--query", "", "--limit", "10"], &env, b"");
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("dql::client::incomplete"), "{run:?}");
    assert!(
        run.stdout
            .ends_with(&format!("{}\n", dql::format::INCOMPLETE_MARK)),
        "{run:?}"
    );
}

#[test]
fn config_and_compile_never_print_a_password_in_the_url() {
    let (_keep, dir) = scratch("SELECT count() FROM errors\n");
    let env = [
        ("SENTRY_URL", "https://me:pa55w0rdz@sentry.example.com"),
        ("SENTRY_ORG", "acme"),
    ];
    for args in [
        &["config"][..],
        &["compile", "q.dql", "--output", "url"],
        &["compile", "q.dql", "--output", "curl"],
    ] {
        let run = dql(&dir, args, &env, b"");
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(!run.stdout.contains("pa55w0rdz"), "{args:?}: {run:?}");
        assert!(!run.stderr.contains("pa55w0rdz"), "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("sentry.example.com"),
            "{args:?}: {run:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Cut short in every format and at every destination: standard output, -o FILE,
// --output-dir, and a terminal (held output and the pager).

/// Whether `text` (a whole output) would pass as a complete result in `format`.
fn reads_as_whole(format: &str, text: &str) -> bool {
    let marked = text.contains(dql::format::INCOMPLETE_MARK);
    match format {
        "json" => serde_json::from_str::<Value>(text).is_ok(),
        "ndjson" => text
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            reader.records().all(|r| r.is_ok()) && !marked
        }
        _ => !marked,
    }
}

#[test]
fn every_format_cut_short_is_marked_on_stdout_in_a_file_and_in_a_folder() {
    let server = failing_on_page_two();
    for format in ["json", "ndjson", "csv", "table", "markdown", "vertical"] {
        for place in ["stdout", "file", "dir"] {
            let (_keep, dir) = scratch("SELECT title, level FROM errors LIMIT 10\n");
            let mut args = vec!["run", "q.dql", "--format", format, "--retry-tries", "1"];
            match place {
                "file" => args.extend(["-o", "out.txt"]),
                "dir" => args.extend(["--output-dir", "out"]),
                _ => {}
            }
            let run = at(&dir, &server, &args);
            let what = format!("{format} to {place}");
            assert_eq!(run.code, 5, "{what}: {run:?}");
            assert!(run.stderr.contains("2 rows"), "{what}: {run:?}");
            let written = match place {
                "file" => std::fs::read_to_string(dir.join("out.txt")).unwrap(),
                "dir" => {
                    let files: Vec<_> = std::fs::read_dir(dir.join("out"))
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .collect();
                    assert_eq!(files.len(), 1, "{what}: {files:?}");
                    std::fs::read_to_string(&files[0]).unwrap()
                }
                _ => run.stdout.clone(),
            };
            assert!(written.contains("t1"), "{what}: {written}");
            assert!(
                !reads_as_whole(format, &written),
                "{what} reads as a whole result:\n{written}"
            );
            assert!(
                written.contains(dql::format::INCOMPLETE_MARK),
                "{what}:\n{written}"
            );
        }
    }
}

/// A tmux server of the test's own running `command` in a `width`×`height` window; killed
/// when dropped.
struct Tmux(String);

impl Tmux {
    fn start(width: u16, height: u16, command: &str) -> Tmux {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "dql-robust-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let tmux = Tmux(socket);
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(command)
            .status()
            .expect("these tests need tmux on PATH");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.0, "-f", "/dev/null"]);
        command
    }

    fn screen(&self) -> String {
        let output = self
            .command()
            .args(["capture-pane", "-p", "-J", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// Runs `dql args` on a terminal (tmux, 100×12) with `pager` as DQL_PAGER, stderr to a file;
/// the exit code, the screen and stderr once it has ended.
fn on_terminal(dir: &Path, server: &TestServer, args: &str, pager: &str) -> (i32, String, String) {
    let line = format!(
        "cd '{d}' && env -i PATH=\"$PATH\" HOME='{d}' TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 \
         SENTRY_URL='{url}' SENTRY_ORG=acme SENTRY_AUTH_TOKEN='{TOKEN}' DQL_PAGER='{pager}' \
         '{bin}' {args} 2>err.txt; echo $? > code.txt; sleep 600",
        d = dir.display(),
        url = server.base_url,
        bin = env!("CARGO_BIN_EXE_dql"),
    );
    let tmux = Tmux::start(100, 12, &line);
    let started = Instant::now();
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(dir.join("code.txt"))
            && text.ends_with('\n')
        {
            break text.trim().parse::<i32>().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "dql did not finish; the screen shows:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(dir.join("err.txt")).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (code, tmux.screen(), stderr)
}

#[test]
fn a_result_cut_short_on_a_terminal_is_marked_held_or_paged() {
    // Two rows, then a failure: held back (shorter than the screen), printed with the mark.
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let (code, screen, stderr) = on_terminal(
        &dir,
        &server,
        "run q.dql --retry-tries 1",
        "cat > paged.txt",
    );
    assert_eq!(code, 5, "{screen}\n{stderr}");
    assert!(screen.contains("t1"), "{screen}");
    assert!(screen.contains("INCOMPLETE"), "{screen}");
    assert!(stderr.contains("2 rows"), "{stderr}");
    assert!(
        !dir.join("paged.txt").exists(),
        "a short result needs no pager"
    );

    // Thirty rows, taller than the screen: they go to the pager, and so does the mark.
    let server = TestServer::start(|recorded, _| {
        if recorded.param("cursor").is_none() {
            Reply::json(200, rows(30, 0)).header("Link", &next("0:30:0", true))
        } else {
            Reply::json(500, json!({"detail": "boom"}))
        }
    });
    std::fs::write(dir.join("q.dql"), "SELECT title FROM errors LIMIT 100\n").unwrap();
    for format in ["table", "csv", "json"] {
        let _ = std::fs::remove_file(dir.join("code.txt"));
        let args = format!("run q.dql --retry-tries 1 --format {format}");
        let (code, screen, stderr) = on_terminal(&dir, &server, &args, "cat > paged.txt");
        assert_eq!(code, 5, "{format}: {screen}\n{stderr}");
        let paged = std::fs::read_to_string(dir.join("paged.txt")).unwrap();
        assert!(paged.contains("t29"), "{format}: {paged}");
        assert!(
            !reads_as_whole(format, &paged),
            "{format}: the pager got a whole-looking result:\n{paged}"
        );
        assert!(paged.contains(dql::format::INCOMPLETE_MARK), "{paged}");
        assert!(stderr.contains("30 rows"), "{format}: {stderr}");
    }
}

// 1. Input read once, when the query needs "now" (two passes: the newest event, then the
// rows), from standard input and from a FIFO; its errors name it, not the copy.

fn recent_events(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"eventID\":\"{i:032x}\",\"title\":\"t{i}\",\"dateCreated\":\"2026-11-01T00:{i:02}:00Z\"}}\n"
            )
        })
        .collect()
}

#[test]
fn a_query_needing_now_over_standard_input_sees_every_event() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        recent_events(5).as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n5", "{run:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_once_and_does_not_hang() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let fifo = dir.join("events.fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let writer = {
        let fifo = fifo.clone();
        // Opening blocks until dql opens the FIFO; a dql that never does fails the test by
        // timing out below, not by hanging here (the thread is not joined then).
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            file.write_all(recent_events(7).as_bytes()).unwrap();
        })
    };
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "events.fifo", "--format", "csv"],
        &[],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n7", "{run:?}");
    writer.join().unwrap();
}

#[test]
fn a_bad_line_on_standard_input_is_reported_at_standard_input() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let mut events = recent_events(2);
    events.push_str("{\"eventID\": \"x\",\n");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        events.as_bytes(),
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_json"), "{run:?}");
    assert!(run.stderr.contains("/dev/stdin:3"), "{run:?}");
    assert!(!run.stderr.contains("dql-events-"), "{run:?}");
    // Skipped lines are counted and named the same way.
    let run = dql(
        &dir,
        &[
            "run",
            "q.dql",
            "--events",
            "/dev/stdin",
            "--format",
            "csv",
            "--skip-bad",
        ],
        &[],
        events.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("/dev/stdin:3"), "{run:?}");
    assert!(!run.stderr.contains("dql-events-"), "{run:?}");
}

// 12. Through the binary: a Retry-After past the budget names the wait and the flag; a 3xx that
// is not followed is not success.

#[test]
fn the_cli_says_how_long_sentry_asked_to_wait_and_which_flag_allows_it() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::scripted(vec![
        Reply::json(429, json!({"detail": "slow down"})).header("Retry-After", "3600"),
    ]);
    let started = Instant::now();
    let run = at(&dir, &server, &["run", "q.dql", "--retry-seconds", "5"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("dql::client::rate_limited"), "{run:?}");
    assert!(run.stderr.contains("1 h 0 min"), "{run:?}");
    assert!(run.stderr.contains("--retry-seconds"), "{run:?}");
    assert!(!run.stderr.contains("wait a little"), "{run:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "a wait past the budget is not tried"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_reset_too_far_off_is_not_a_budget_to_raise() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!("slow down")).header("X-Sentry-Rate-Limit-Reset", "inf"),
    ]);
    let client = client_for(&server.base_url)
        .clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert!(help.contains("more than a year"), "{help}");
    assert!(
        !help.contains("18446744073709551615"),
        "no one raises a budget to that: {help}"
    );
}

#[test]
fn no_3xx_is_success_whether_or_not_it_could_be_followed() {
    for reply in [
        Reply::raw(304, ""),
        Reply::raw(300, "").header("Location", "/elsewhere/"),
        Reply::raw(305, "").header("Location", "/elsewhere/"),
        Reply::raw(399, ""),
    ] {
        let server = TestServer::scripted(vec![reply]);
        let error = client_for(&server.base_url)
            .execute(&events_request(None, "2"))
            .unwrap_err();
        assert!(matches!(error, ClientError::Redirect { .. }), "{error:?}");
        assert_eq!(error.exit_code(), 3);
    }
    // A loop is followed until reqwest gives up: a failure too, never rows.
    let server = TestServer::start(|_, _| Reply::raw(302, "").header("Location", "/loop/"));
    let error = client_for(&server.base_url)
        .execute(&events_request(None, "2"))
        .unwrap_err();
    assert!(error.exit_code() != 0, "{error:?}");
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::scripted(vec![Reply::raw(304, "")]);
    let run = at(&dir, &server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("dql::client::redirect"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

// 8. A gzip body is capped after decompression (a small bomb does not become gigabytes).

#[test]
fn a_gzip_bomb_is_refused_at_the_cap() {
    use std::net::TcpListener;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"data\":[{\"title\":\"").unwrap();
    gz.write_all(&vec![b'a'; 64 << 20]).unwrap();
    gz.write_all(b"\"}]}").unwrap();
    let body = gz.finish().unwrap();
    assert!(body.len() < 1 << 20, "{} bytes compressed", body.len());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let served = std::thread::spawn(move || {
        let mut n = 0;
        for stream in listener.incoming().take(1) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            n += 1;
        }
        n
    });
    let transport = ReqwestTransport::new(Token::new(TOKEN), Timeouts::default())
        .unwrap()
        .max_body(1 << 20);
    let client = Client::with_transport(transport, &base_url, Some("acme".into()))
        .unwrap()
        .sleeper(|_| {});
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    assert!(
        matches!(error, ClientError::ResponseTooLarge { limit } if limit == 1 << 20),
        "{error:?}"
    );
    assert_eq!(served.join().unwrap(), 1);
}

// 13. Through the binary: the local engine's bad shapes, dangling links and huge values.

#[test]
fn the_cli_reports_bad_members_dangling_links_and_keeps_huge_values_out_of_stderr() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    std::fs::write(
        dir.join("e.ndjson"),
        "{\"eventID\":\"a\",\"title\":{\"nested\":1}}\n",
    )
    .unwrap();
    let run = dql(&dir, &["run", "q.dql", "--events", "e.ndjson"], &[], b"");
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_member"), "{run:?}");
    assert!(run.stderr.contains("e.ndjson:1"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");

    let big = "z".repeat(10_000_000);
    std::fs::write(dir.join("e.ndjson"), format!("{{\"title\":\"{big}\n")).unwrap();
    let run = dql(&dir, &["run", "q.dql", "--events", "e.ndjson"], &[], b"");
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_json"), "{run:?}");
    assert!(
        run.stderr.len() < 4_000,
        "{} bytes on stderr",
        run.stderr.len()
    );

    #[cfg(unix)]
    {
        let events = dir.join("events");
        std::fs::create_dir(&events).unwrap();
        std::fs::write(events.join("a.ndjson"), recent_events(2)).unwrap();
        std::os::unix::fs::symlink(events.join("gone.ndjson"), events.join("b.ndjson")).unwrap();
        let run = dql(&dir, &["run", "q.dql", "--events", "events"], &[], b"");
        assert_ne!(run.code, 0, "{run:?}");
        assert!(run.stderr.contains("b.ndjson"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

// 14. A byte-order mark in a file `run` and `compile` read; parameter names for `run` too.

#[test]
fn a_byte_order_mark_is_ignored_by_run_and_compile_and_bad_names_by_run_refused() {
    let (_keep, dir) = scratch("");
    std::fs::write(
        dir.join("q.dql"),
        "\u{feff}SELECT count() AS n FROM errors WHERE title:$t\n",
    )
    .unwrap();
    std::fs::write(dir.join("e.ndjson"), recent_events(3)).unwrap();
    let run = dql(
        &dir,
        &[
            "run", "q.dql", "--events", "e.ndjson", "--format", "csv", "--param", "t=t1",
        ],
        &[],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n1", "{run:?}");
    let run = dql(&dir, &["compile", "q.dql", "--param", "t=t1"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("title"), "{run:?}");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "e.ndjson", "--param", "t q=1"],
        &[],
        b"",
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a parameter name"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

// 2. for `export`: a cycle and an empty page said to have more fail as a repeated cursor does.

#[test]
fn export_fails_on_a_cursor_cycle_and_on_an_empty_page_with_more() {
    type Script = fn(Option<String>) -> Reply;
    let cycle: Script = |cursor| {
        match cursor.as_deref() {
        None => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 1), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
        Some("A") => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 2), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("B", true)),
        _ => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 3), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
    }
    };
    let empty: Script = |cursor| {
        match cursor {
        None => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 1), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
        Some(_) => Reply::json(200, json!({"data": [], "meta": {"fields": {}}}))
            .header("Link", &next("B", true)),
    }
    };
    for (what, script) in [("cycle", cycle), ("empty page", empty)] {
        let (_keep, dir) = scratch("");
        let server = TestServer::start(move |recorded, _| {
            if recorded.path() == "/api/0/organizations/acme/events/" {
                script(recorded.param("cursor"))
            } else {
                Reply::json(200, json!({"eventID": "e", "title": "t"}))
            }
        });
        let env = env_for(&server);
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("SENTRY_PROJECT", "web"));
        let run = dql(&dir, &["export", "--query", "", "--limit", "10"], &env, b"");
        assert_eq!(run.code, 5, "{what}: {run:?}");
        assert!(
            run.stderr.contains("dql::client::incomplete"),
            "{what}: {run:?}"
        );
        assert!(run.stderr.contains(what), "{what}: {run:?}");
        assert!(
            run.stdout
                .ends_with(&format!("{}\n", dql::format::INCOMPLETE_MARK)),
            "{what}: {run:?}"
        );
    }
}

// 11. A token with a CR stops `export` at once as it stops `run`.

#[test]
fn export_with_a_token_holding_a_carriage_return_is_exit_3_without_a_request() {
    let (_keep, dir) = scratch("");
    let server = TestServer::scripted(vec![Reply::json(200, rows(1, 0))]);
    let run = dql(
        &dir,
        &["export", "--query", "", "--limit", "1"],
        &[
            ("SENTRY_URL", &server.base_url),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_PROJECT", "web"),
            ("SENTRY_AUTH_TOKEN", "sntryu_abc\rdef"),
        ],
        b"",
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("dql::client::invalid_token"), "{run:?}");
    assert!(!run.stderr.contains("sntryu_abc"), "{run:?}");
    assert!(server.requests().is_empty());
}
