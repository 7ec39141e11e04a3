//! End-to-end tests of the `dql` binary: each test runs the built executable in a fresh
//! directory (its HOME and cwd, no inherited environment) and checks stdout, stderr, the exit
//! code and, for `dql run`, what a scripted Sentry on 127.0.0.1 received.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its helpers: a failed unwrap is a failed test"
)]

#[allow(dead_code, reason = "tests/client.rs uses the rest of the helpers")]
mod support;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};
use support::server::{Recorded, Reply, TestServer};

/// A token distinctive enough that finding it anywhere in the output means it leaked.
const TOKEN: &str = "sntryu_cli7e57c0ffee5ecre7da7a0123456789";

/// The fixed instant most tests compile with.
const NOW: &str = "2026-11-26T10:00:00Z";

/// Longest a single run may take before the test fails as hung (a guard, not a measurement).
const HANG_GUARD: Duration = Duration::from_secs(60);

/// What one run of the binary produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The stdout lines.
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// Waits for `child` to end; kills it and fails the test when it hangs.
fn wait(child: &mut std::process::Child, args: &[&str]) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("dql {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A scratch directory that is the binary's HOME and cwd.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `name` in the directory and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `dql args…` in this directory with only `env` set (plus HOME), every stream piped.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.path())
            .current_dir(self.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    /// Runs `dql args…` with only `env` set (plus HOME), `stdin` piped in.
    fn dql_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        let mut child = self.command(args, env).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        // dql may exit before reading its input (a usage error): a closed pipe is no failure.
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
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
        let status = wait(&mut child, args);
        let run = Run {
            code: status.code().expect("dql ended by a signal"),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        };
        // Whatever the command, the token never reaches the output, and dql never panics.
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token leaked: {run:?}"
        );
        assert!(!run.stderr.contains("panicked"), "dql panicked: {run:?}");
        run
    }

    /// Runs `dql args…` with no environment and empty stdin.
    fn dql(&self, args: &[&str]) -> Run {
        self.dql_with(args, &[], "")
    }

    /// Runs `dql args…` pointed at `server` (org `acme`, the test token).
    fn dql_at(&self, server: &TestServer, args: &[&str]) -> Run {
        self.dql_with(args, &sentry_env(server), "")
    }
}

fn sentry_env(server: &TestServer) -> [(&'static str, &str); 3] {
    [
        ("SENTRY_URL", server.base_url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", TOKEN),
    ]
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).display().to_string()
}

/// An events page in Sentry's documented shape (`sentry-api.md` §4).
fn page(rows: Vec<Value>, fields: Value) -> Value {
    let units: serde_json::Map<String, Value> = fields
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), Value::Null))
        .collect();
    json!({"data": rows, "meta": {"fields": fields, "units": units, "isMetricsData": false,
           "tips": {"query": null, "columns": null}, "dataset": "errors"}})
}

/// One small page answering `SIMPLE`.
fn simple_page() -> Reply {
    Reply::json(
        200,
        page(
            vec![
                json!({"title": "TypeError: x is undefined", "count()": 12}),
                json!({"title": "ZeroDivisionError", "count()": 3}),
            ],
            json!({"title": "string", "count()": "integer"}),
        ),
    )
}

/// A grouped query with a WHERE, an alias and a limit: one request of `per_page=5`.
const SIMPLE: &str = "SELECT title, count() AS n\nFROM errors\nWHERE level:error\nGROUP BY title\nORDER BY n DESC\nLIMIT 5\nSINCE 7d;\n";

/// Sentry's answer to `request` over `total` numbered raw events, paginated by the offset
/// cursor in the `Link` header (`sentry-api.md` §5).
fn paged_reply(request: &Recorded, total: usize) -> Reply {
    let per_page: usize = request.param("per_page").unwrap().parse().unwrap();
    let offset: usize = request
        .param("cursor")
        .map(|c| c.split(':').nth(1).unwrap().parse().unwrap())
        .unwrap_or(0);
    let end = (offset + per_page).min(total);
    let rows: Vec<Value> = (offset..end)
        .map(|n| json!({"id": format!("{n:032x}"), "title": format!("event {n}")}))
        .collect();
    let next = offset + per_page;
    let link = format!(
        "<http://ignored/?cursor=0:{offset}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{offset}:1\", \
         <http://ignored/?cursor=0:{next}:0>; rel=\"next\"; results=\"{}\"; cursor=\"0:{next}:0\"",
        offset > 0,
        next < total,
    );
    Reply::json(200, page(rows, json!({"id": "string", "title": "string"}))).header("Link", &link)
}

/// A server holding `total` numbered raw events.
fn paged_server(total: usize) -> TestServer {
    TestServer::start(move |request: &Recorded, _| paged_reply(request, total))
}

// ---------------------------------------------------------------------------------------------
// dql run against Sentry
// ---------------------------------------------------------------------------------------------

#[test]
fn run_sends_exactly_what_compile_prints() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![simple_page()]);

    let compiled = dir.dql_at(
        &server,
        &["compile", "q.dql", "--output", "json", "--now", NOW],
    );
    assert_eq!(compiled.code, 0, "{compiled:?}");
    let compiled: Value = serde_json::from_str(&compiled.stdout).unwrap();
    let object = &compiled.as_array().unwrap()[0];
    let expected: Vec<(String, String)> = object["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The compile output itself, so that a compile bug cannot hide behind a matching run.
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        expected,
        pairs(&[
            ("field", "title"),
            ("field", "count()"),
            ("query", "level:error"),
            ("sort", "-count()"),
            ("per_page", "5"),
            ("statsPeriod", "7d"),
            ("dataset", "errors"),
        ])
    );
    assert_eq!(object["path"], "/api/0/organizations/acme/events/");

    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].path(), object["path"].as_str().unwrap());
    assert_eq!(sent[0].query(), expected);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        sent[0].header("user-agent"),
        Some(concat!("dql/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        run.lines(),
        [
            "title,n",
            "TypeError: x is undefined,12",
            "ZeroDivisionError,3"
        ]
    );
}

#[test]
fn run_follows_the_cursor_for_three_pages_up_to_limit() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 250 SINCE 1d;\n",
    );
    let server = paged_server(1000);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");

    let lines = run.lines();
    assert_eq!(lines.len(), 251, "a header and 250 rows");
    assert_eq!(lines[0], "id,title");
    assert_eq!(lines[1], format!("{:032x},event 0", 0));
    assert_eq!(lines[250], format!("{:032x},event 249", 249));
    // LIMIT was given, so no "more rows" note.
    assert!(!run.stderr.contains("more rows"), "{}", run.stderr);

    let sent = server.requests();
    assert_eq!(sent.len(), 3);
    let per_page: Vec<_> = sent.iter().map(|r| r.param("per_page").unwrap()).collect();
    assert_eq!(per_page, ["100", "100", "50"]);
    let cursors: Vec<_> = sent.iter().map(|r| r.param("cursor")).collect();
    assert_eq!(
        cursors,
        [None, Some("0:100:0".to_owned()), Some("0:200:0".to_owned())]
    );
    // Every page repeats the request's other params; a hidden timestamp keeps the pages'
    // order stable, and the range is fixed to instants (SINCE 1d from when the run began) so
    // events arriving meanwhile do not shift the offsets.
    let instant = |key: &str| sent[0].param(key).unwrap();
    let (start, end) = (instant("start"), instant("end"));
    let seconds = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_second();
    assert_eq!(seconds(&end) - seconds(&start), 86_400);
    for request in &sent {
        let rest: Vec<(String, String)> = request
            .query()
            .into_iter()
            .filter(|(k, _)| k != "per_page" && k != "cursor")
            .collect();
        let expected = [
            ("field", "id"),
            ("field", "title"),
            ("field", "timestamp"),
            ("sort", "-timestamp"),
            ("sort", "id"),
            ("start", start.as_str()),
            ("end", end.as_str()),
            ("dataset", "errors"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(rest, expected);
    }
}

#[test]
fn run_without_limit_fetches_one_page_and_says_there_are_more() {
    let dir = Dir::new();
    dir.file("q.dql", "SELECT id, title FROM errors SINCE 1d;\n");
    let server = paged_server(250);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines().len(), 101);
    assert_eq!(server.requests().len(), 1);
    assert!(
        run.stderr.contains("more rows") && run.stderr.contains("LIMIT"),
        "{}",
        run.stderr
    );
}

#[test]
fn run_waits_out_retry_after_then_succeeds() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![
        Reply::json(429, json!({"detail": "slow down"})).header("Retry-After", "0"),
        simple_page(),
    ]);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv", "--verbose"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(run.lines().len(), 3);
    assert!(
        run.stderr
            .contains("waiting 0.0 s before trying again (429 rate limited)"),
        "{}",
        run.stderr
    );
}

#[test]
fn run_waits_until_the_rate_limit_reset_then_succeeds() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let server = TestServer::scripted(vec![
        Reply::json(429, json!({"detail": "rate limited"}))
            .header("X-Sentry-Rate-Limit-Reset", &(now + 3).to_string()),
        simple_page(),
    ]);
    let run = dir.dql_at(
        &server,
        &[
            "run",
            "q.dql",
            "--format",
            "csv",
            "--verbose",
            "--retry-seconds",
            "5",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(run.lines().len(), 3);
    // The wait comes from the header: a whole number of seconds (the backoff has jitter).
    let waiting = run
        .stderr
        .lines()
        .find(|l| l.starts_with("waiting "))
        .unwrap_or_else(|| panic!("no wait reported: {}", run.stderr));
    // The reset is 3 s after `now`; a loaded machine may take a second or two to ask.
    assert!(
        ["1.0", "2.0", "3.0", "4.0"]
            .iter()
            .any(|s| waiting == format!("waiting {s} s before trying again (429 rate limited)")),
        "{waiting}"
    );
}

#[test]
fn run_retries_a_server_error_then_succeeds() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![
        Reply::json(500, json!({"detail": "Internal Error"})),
        simple_page(),
    ]);
    let run = dir.dql_at(
        &server,
        &["run", "q.dql", "--format", "csv", "--retry-seconds", "1"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(run.lines()[0], "title,n");
}

#[test]
fn run_reports_a_refused_query_at_its_clause_with_exit_4() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![Reply::json(
        400,
        json!({"detail": "Invalid query. Parse error at 'level:error' (column 1)"}),
    )]);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("dql::client::bad_query"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Sentry refused the query: Invalid query. Parse error at"),
        "{}",
        run.stderr
    );
    // The label sits on the WHERE clause, line 3 of the file.
    assert!(run.stderr.contains("q.dql:3:1"), "{}", run.stderr);
    assert!(run.stderr.contains("WHERE level:error"), "{}", run.stderr);
    assert!(
        run.stderr.contains("most likely concerns"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");
}

#[test]
fn run_maps_401_to_exit_3_and_names_the_scope() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![Reply::json(401, json!({"detail": "Invalid token"}))]);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::unauthorized"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Invalid token"), "{}", run.stderr);
    assert!(run.stderr.contains("`org:read`"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
}

#[test]
fn run_gives_up_on_repeated_server_errors_with_exit_5() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![Reply::json(503, json!({"detail": "down"}))]);
    let run = dir.dql_at(
        &server,
        &[
            "run",
            "q.dql",
            "--format",
            "csv",
            "--retry-tries",
            "2",
            "--retry-seconds",
            "1",
        ],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    assert!(
        run.stderr.contains("dql::client::server_error"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("503 after 2 tries"), "{}", run.stderr);
}

#[test]
fn run_reports_a_truncated_body_without_panicking() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let full = page(
        vec![json!({"title": "a", "count()": 1})],
        json!({"title": "string", "count()": "integer"}),
    )
    .to_string();
    let cut = &full[..full.len() / 2];
    let server = TestServer::scripted(vec![Reply::raw(200, cut)]);
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::bad_response"),
        "{}",
        run.stderr
    );
}

#[test]
fn run_gives_up_on_a_server_that_never_answers() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![Reply::Hang]);
    let run = dir.dql_at(
        &server,
        &[
            "run",
            "q.dql",
            "--timeout",
            "1",
            "--retry-tries",
            "1",
            "--format",
            "csv",
        ],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::network"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("after 1 tries"), "{}", run.stderr);
}

#[test]
fn run_verbose_shows_urls_statuses_and_timings_but_never_the_token() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![simple_page()]);
    // The token also comes as a flag here: neither route may print it.
    let run = dir.dql_with(
        &[
            "--token",
            TOKEN,
            "run",
            "q.dql",
            "--format",
            "csv",
            "--verbose",
        ],
        &[("SENTRY_URL", &server.base_url), ("SENTRY_ORG", "acme")],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("GET "))
        .unwrap_or_else(|| panic!("no request line: {}", run.stderr));
    let prefix = format!(
        "GET {}/api/0/organizations/acme/events/?field=title&field=count%28%29&query=level%3Aerror&",
        server.base_url
    );
    assert!(line.starts_with(&prefix), "{line}");
    assert!(
        line.contains(" -> 200 in ") && line.ends_with(" ms (try 1)"),
        "{line}"
    );
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// Output formats through the binary
// ---------------------------------------------------------------------------------------------

/// A query with an alias and a hidden sort column; the server answers with its keys in
/// another order than the select list.
const HIDDEN: &str = "SELECT transaction, count() AS n\nFROM transactions\nGROUP BY transaction\nORDER BY p95(transaction.duration) DESC\nLIMIT 3\nSINCE 1d;\n";

fn hidden_server() -> TestServer {
    TestServer::scripted(vec![Reply::json(
        200,
        page(
            vec![
                json!({"p95(transaction.duration)": 812.5, "count()": 40, "transaction": "/checkout"}),
                json!({"p95(transaction.duration)": 120.0, "count()": 7, "transaction": "/home"}),
            ],
            json!({"p95(transaction.duration)": "duration", "count()": "integer", "transaction": "string"}),
        ),
    )])
}

#[test]
fn csv_uses_aliases_in_select_order_and_drops_hidden_columns() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["transaction,n", "/checkout,40", "/home,7"]);
    // The hidden column was asked for all the same, for the sort.
    let fields: Vec<_> = server.requests()[0]
        .query()
        .into_iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        fields,
        ["transaction", "count()", "p95(transaction.duration)"]
    );
}

#[test]
fn json_prints_data_and_meta() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    // One statement has the shape of several: an array of {name, data, meta}.
    assert_eq!(out.as_array().unwrap().len(), 1, "{out}");
    let out = &out[0];
    assert_eq!(
        out["data"],
        json!([{"transaction": "/checkout", "n": 40}, {"transaction": "/home", "n": 7}])
    );
    assert_eq!(
        out["meta"]["fields"],
        json!({"transaction": "string", "n": "integer"})
    );
    assert_eq!(out["name"], Value::Null);
    assert_eq!(out.as_object().unwrap().len(), 3, "{out}");
    // Keys follow the select list, whatever order Sentry's rows had.
    assert!(
        run.stdout.contains(r#"{"transaction":"/checkout","n":40}"#),
        "{}",
        run.stdout
    );
}

#[test]
fn ndjson_prints_one_object_per_row() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "ndjson"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            r#"{"transaction":"/checkout","n":40}"#,
            r#"{"transaction":"/home","n":7}"#
        ]
    );
}

const TWO: &str = "-- @name errors\nSELECT count() FROM errors SINCE 1d;\n\n-- @name slow\nSELECT count() AS n FROM transactions WHERE transaction.duration:>2s SINCE 1d;\n";

#[test]
fn csv_holds_two_statements_with_a_statement_column() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);
    let counted = |n: u64| {
        Reply::json(
            200,
            page(vec![json!({"count()": n})], json!({"count()": "integer"})),
        )
    };
    let server = TestServer::scripted(vec![counted(5), counted(9)]);
    let run = dir.dql_at(&server, &["run", "two.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["statement,count(),n", "errors,5,", "slow,,9"]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn name_picks_one_statement() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);
    let server = TestServer::scripted(vec![Reply::json(
        200,
        page(vec![json!({"count()": 9})], json!({"count()": "integer"})),
    )]);
    let run = dir.dql_at(
        &server,
        &["run", "two.dql", "--format", "csv", "--name", "slow"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["n", "9"]);
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].param("dataset").as_deref(), Some("transactions"));
    assert_eq!(
        sent[0].param("query").as_deref(),
        Some("transaction.duration:>2000ms")
    );
}

// ---------------------------------------------------------------------------------------------
// dql compile
// ---------------------------------------------------------------------------------------------

#[test]
fn compile_json_is_the_request_object() {
    let dir = Dir::new();
    dir.file("q.dql", &format!("-- @name top\n{HIDDEN}"));
    let run = dir.dql(&["compile", "q.dql", "--output", "json", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out,
        json!([{
            "name": "top",
            "method": "GET",
            "path": "/api/0/organizations/{org}/events/",
            "params": [
                ["field", "transaction"],
                ["field", "count()"],
                ["field", "p95(transaction.duration)"],
                ["sort", "-p95(transaction.duration)"],
                ["per_page", "3"],
                ["statsPeriod", "1d"],
                ["dataset", "transactions"],
            ],
            "hidden": ["p95(transaction.duration)"],
            "columns": [
                {"field": "transaction", "label": "transaction"},
                {"field": "count()", "label": "n"},
            ],
            "now": NOW,
        }])
    );
}

#[test]
fn compile_url_fills_org_when_known() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let query = "?field=title&field=count%28%29&query=level%3Aerror&sort=-count%28%29&per_page=5&statsPeriod=7d&dataset=errors";
    let with_org = dir.dql(&["--org", "acme", "compile", "q.dql", "--output", "url"]);
    assert_eq!(with_org.code, 0, "{with_org:?}");
    assert_eq!(
        with_org.stdout,
        format!("https://sentry.io/api/0/organizations/acme/events/{query}\n")
    );
    let without = dir.dql(&["compile", "q.dql", "--output", "url"]);
    assert_eq!(without.code, 0, "{without:?}");
    assert_eq!(
        without.stdout,
        format!("https://sentry.io/api/0/organizations/{{org}}/events/{query}\n")
    );
}

#[test]
fn compile_curl_reads_the_token_from_the_environment() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let run = dir.dql_with(
        &["compile", "q.dql", "--output", "curl"],
        &[("SENTRY_AUTH_TOKEN", TOKEN), ("SENTRY_ORG", "acme")],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(
            "curl -sS -H \"Authorization: Bearer $SENTRY_AUTH_TOKEN\" 'https://sentry.io/api/0/organizations/acme/events/?field=title&"
        ),
        "{}",
        run.stdout
    );
    // (The runner asserts the token value appears nowhere.)
}

#[test]
fn compile_binds_params_as_values() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT count() FROM errors WHERE user.email:$email AND release = $rel SINCE 1d;\n",
    );
    let run = dir.dql(&[
        "compile",
        "q.dql",
        "--output",
        "json",
        "--param",
        "email=a@b.c",
        "--param",
        "rel=my app 1.0",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let query = out[0]["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "query")
        .unwrap()[1]
        .clone();
    assert_eq!(query, json!("user.email:a@b.c release:\"my app 1.0\""));

    let unbound = dir.dql(&["compile", "q.dql", "--output", "json", "--param", "email=x"]);
    assert_eq!(unbound.code, 1, "{unbound:?}");
    assert!(
        unbound.stderr.contains("dql::semantic::unbound_param"),
        "{}",
        unbound.stderr
    );
}

#[test]
fn compile_now_fixes_absolute_ranges() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT count() FROM errors SINCE 2026-11-20 UNTIL 3h;\n",
    );
    let run = dir.dql(&["compile", "q.dql", "--output", "json", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["params"],
        json!([
            ["field", "count()"],
            ["per_page", "100"],
            ["start", "2026-11-20T00:00:00Z"],
            ["end", "2026-11-26T07:00:00Z"],
            ["dataset", "errors"],
        ])
    );
    assert_eq!(out[0]["now"], NOW);

    // A relative range stays relative: Sentry counts it from its own now.
    dir.file("r.dql", "SELECT count() FROM errors SINCE 24h UNTIL 1h;\n");
    let run = dir.dql(&["compile", "r.dql", "--output", "json", "--now", NOW]);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["params"],
        json!([
            ["field", "count()"],
            ["per_page", "100"],
            ["statsPeriodStart", "24h"],
            ["statsPeriodEnd", "1h"],
            ["dataset", "errors"],
        ])
    );

    let bad = dir.dql(&["compile", "q.dql", "--now", "yesterday"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("--now"), "{}", bad.stderr);
}

// ---------------------------------------------------------------------------------------------
// dql check
// ---------------------------------------------------------------------------------------------

#[test]
fn check_exit_codes() {
    let dir = Dir::new();
    dir.file("bad.dql", "SELECT count() FORM errors;\n");
    dir.file("good.dql", SIMPLE);
    let bad = dir.dql(&["check", "bad.dql"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(
        bad.stderr.contains("dql::syntax::alias_without_as"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("bad.dql:1:16"), "{}", bad.stderr);
    let good = dir.dql(&["check", "good.dql"]);
    assert_eq!(good.code, 0, "{good:?}");
    assert_eq!(good.stdout, "");
    assert_eq!(good.stderr, "");
}

#[test]
fn check_json_messages() {
    let dir = Dir::new();
    let run = dir.dql_with(
        &["check", "-", "--message-format", "json"],
        &[],
        "SELECT count(*) FROM errors LIMIT 0\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    let messages: Vec<Value> = run
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            json!({
                "code": "dql::semantic::count_star",
                "severity": "warning",
                "message": "`count(*)` is written `count()`",
                "labels": [{"offset": 7, "length": 8, "line": 1, "column": 8, "text": "`*` is not needed"}],
                "help": "write `count()`; `dql fmt` rewrites it",
                "fix": {"offset": 7, "length": 8, "replacement": "count()"},
            }),
            json!({
                "code": "dql::semantic::bad_limit",
                "severity": "error",
                "message": "`0` is not a valid LIMIT",
                "labels": [{"offset": 34, "length": 1, "line": 1, "column": 35, "text": "here"}],
                "help": "LIMIT takes a whole number of at least 1",
                "fix": null,
            }),
        ]
    );
    // The fix, applied as is, gives what it says.
    let text = "SELECT count(*) FROM errors LIMIT 0\n";
    let fix = &messages[0]["fix"];
    let start = fix["offset"].as_u64().unwrap() as usize;
    let end = start + fix["length"].as_u64().unwrap() as usize;
    let fixed = format!(
        "{}{}{}",
        &text[..start],
        fix["replacement"].as_str().unwrap(),
        &text[end..]
    );
    assert_eq!(fixed, "SELECT count() FROM errors LIMIT 0\n");
    assert_eq!(run.stderr, "");
}

// ---------------------------------------------------------------------------------------------
// dql fmt
// ---------------------------------------------------------------------------------------------

#[test]
fn fmt_check_exit_codes_on_stdin() {
    let dir = Dir::new();
    let messy = "select   count()  from errors  where level:error\n";
    let formatted = dir.dql_with(&["fmt", "-"], &[], messy);
    assert_eq!(formatted.code, 0, "{formatted:?}");
    assert_eq!(
        formatted.stdout,
        "SELECT count()\nFROM errors\nWHERE level:error;\n"
    );

    let unformatted = dir.dql_with(&["fmt", "--check", "-"], &[], messy);
    assert_eq!(unformatted.code, 1, "{unformatted:?}");
    assert_eq!(unformatted.stdout, "");
    assert!(
        unformatted.stderr.contains("not formatted"),
        "{}",
        unformatted.stderr
    );

    let clean = dir.dql_with(&["fmt", "--check", "-"], &[], &formatted.stdout);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert_eq!(clean.stdout, "");

    // `count(*)` is rewritten by fmt, so a file holding it is not formatted.
    let star = dir.dql_with(
        &["fmt", "--check", "-"],
        &[],
        "SELECT count(*)\nFROM errors;\n",
    );
    assert_eq!(star.code, 1, "{star:?}");
}

// ---------------------------------------------------------------------------------------------
// dql run --events
// ---------------------------------------------------------------------------------------------

#[test]
fn events_run_prints_rows_and_the_now_it_used() {
    let dir = Dir::new();
    let events = example("events.ndjson.gz");
    let query = example("error_rate_by_release.dql");
    let run = dir.dql(&["run", &query, "--events", &events, "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines = run.lines();
    assert_eq!(lines[0], "release,errors,users");
    assert!(lines.len() > 2 && lines.len() <= 11, "{}", run.stdout);
    // ORDER BY errors DESC.
    let errors: Vec<u64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(errors.windows(2).all(|w| w[0] >= w[1]), "{errors:?}");
    assert!(
        run.stderr
            .contains("(just after the newest event; set it with --now)"),
        "{}",
        run.stderr
    );

    // An earlier now sees a different week of the same file.
    let earlier = dir.dql(&[
        "run",
        &query,
        "--events",
        &events,
        "--format",
        "csv",
        "--now",
        "2026-11-05T00:00:00Z",
    ]);
    assert_eq!(earlier.code, 0, "{earlier:?}");
    assert!(
        earlier
            .stderr
            .contains("now = 2026-11-05T00:00:00Z (given with --now)"),
        "{}",
        earlier.stderr
    );
    assert_eq!(earlier.lines()[0], "release,errors,users");
    assert_ne!(earlier.stdout, run.stdout);
}

/// Three events, the second line broken.
const BAD_NDJSON: &str = concat!(
    r#"{"eventID":"a","type":"error","dateCreated":"2026-11-20T10:00:00Z","tags":[["level","error"]]}"#,
    "\n",
    r#"{"eventID":"b","type":"error","dateCreated":"2026-11-20T10:01:00Z","tags":[["level","#,
    "\n",
    r#"{"eventID":"c","type":"error","dateCreated":"2026-11-20T10:02:00Z","tags":[["level","error"]]}"#,
    "\n",
);

#[test]
fn events_malformed_line_stops_or_is_skipped() {
    let dir = Dir::new();
    dir.file("bad.ndjson", BAD_NDJSON);
    dir.file("q.dql", "SELECT count() FROM errors WHERE level:error;\n");
    let stopped = dir.dql(&["run", "q.dql", "--events", "bad.ndjson", "--format", "csv"]);
    assert_ne!(stopped.code, 0, "{stopped:?}");
    assert!(
        stopped.stderr.contains("dql::engine::bad_json"),
        "{}",
        stopped.stderr
    );
    // file:line of the broken line.
    assert!(
        stopped.stderr.contains("bad.ndjson:2: invalid JSON"),
        "{}",
        stopped.stderr
    );

    let skipped = dir.dql(&[
        "run",
        "q.dql",
        "--events",
        "bad.ndjson",
        "--format",
        "csv",
        "--skip-bad",
    ]);
    assert_eq!(skipped.code, 0, "{skipped:?}");
    assert_eq!(skipped.lines(), ["count()", "2"]);
    assert!(
        skipped
            .stderr
            .contains("skipped 1 malformed line(s) (the first: bad.ndjson:2: invalid JSON"),
        "{}",
        skipped.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Usage errors
// ---------------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);

    let flag = dir.dql(&["check", "two.dql", "--no-such-flag"]);
    assert_eq!(flag.code, 2, "{flag:?}");
    assert!(flag.stderr.contains("--no-such-flag"), "{}", flag.stderr);

    let missing = dir.dql(&["check", "nowhere.dql"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains("cannot read nowhere.dql"),
        "{}",
        missing.stderr
    );

    let name = dir.dql(&["compile", "two.dql", "--name", "slwo", "--output", "json"]);
    assert_eq!(name.code, 2, "{name:?}");
    assert!(
        name.stderr.contains(
            "no statement is named `slwo`: did you mean `slow`? expected one of `errors` or `slow`"
        ),
        "{}",
        name.stderr
    );
    assert_eq!(name.stdout, "");

    let events = dir.dql(&[
        "run",
        "two.dql",
        "--name",
        "slow",
        "--events",
        "none.ndjson",
    ]);
    assert_eq!(events.code, 2, "{events:?}");
    assert!(
        events.stderr.contains("dql::engine::not_found"),
        "{}",
        events.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// More of dql run: budgets, partial failures, UPDATE, configuration
// ---------------------------------------------------------------------------------------------

#[test]
fn run_does_not_wait_past_the_retry_budget() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![
        Reply::json(429, json!({"detail": "try later"})).header("Retry-After", "120"),
    ]);
    let run = dir.dql_at(
        &server,
        &["run", "q.dql", "--format", "csv", "--retry-seconds", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::rate_limited"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("try later"), "{}", run.stderr);
    assert_eq!(
        server.requests().len(),
        1,
        "a wait of 120 s exceeds the 1 s budget"
    );
}

#[test]
fn run_failing_on_the_second_page_keeps_the_first_and_exits_5() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 250 SINCE 1d;\n",
    );
    // The first page arrives; every later request fails.
    let server = TestServer::start(|request: &Recorded, index| {
        if index == 0 {
            paged_reply(request, 1000)
        } else {
            Reply::json(502, json!({"detail": "bad gateway"}))
        }
    });
    let run = dir.dql_at(
        &server,
        &["run", "q.dql", "--format", "csv", "--retry-tries", "1"],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("502 after 1 tries"), "{}", run.stderr);
    // Rows stream as pages arrive: the first page is already out, then a last record that
    // says the result is incomplete (issue 12), and stderr says how many rows came.
    assert_eq!(run.lines().len(), 102, "{}", run.stdout);
    assert!(
        run.lines()[101].starts_with("dql: INCOMPLETE RESULT"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("100 rows"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 2);
}

/// A server that lists two issues and accepts a bulk PUT.
fn issues_server() -> TestServer {
    TestServer::start(|request: &Recorded, _| match request.method.as_str() {
        "GET" => Reply::json(
            200,
            json!([
                {"id": "101", "shortId": "SHOP-1", "title": "TypeError", "status": "unresolved", "count": "12", "userCount": 3, "project": {"id": "7", "slug": "shop"}},
                {"id": "102", "shortId": "SHOP-2", "title": "KeyError", "status": "unresolved", "count": "4", "userCount": 1, "project": {"id": "7", "slug": "shop"}},
            ]),
        ),
        _ => Reply::json(200, json!({"status": "resolved"})),
    })
}

const UPDATE: &str =
    "UPDATE issues SET status = resolved WHERE is:unresolved level:error LIMIT 10;\n";

#[test]
fn update_without_yes_off_a_terminal_changes_nothing() {
    let dir = Dir::new();
    dir.file("u.dql", UPDATE);
    let server = issues_server();
    let run = dir.dql_at(&server, &["run", "u.dql", "--format", "csv"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("2 issue(s) match"), "{}", run.stderr);
    assert!(
        run.stderr.contains("SHOP-1") && run.stderr.contains("SHOP-2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not confirmed"), "{}", run.stderr);
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].path(), "/api/0/organizations/acme/issues/");
}

#[test]
fn update_with_yes_puts_exactly_the_listed_ids() {
    let dir = Dir::new();
    dir.file("u.dql", UPDATE);
    let server = issues_server();
    let run = dir.dql_at(&server, &["run", "u.dql", "--format", "csv", "--yes"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["updated", "2"]);
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].query(),
        [
            ("query".to_owned(), "is:unresolved level:error".to_owned()),
            ("limit".to_owned(), "10".to_owned()),
            ("statsPeriod".to_owned(), "14d".to_owned()),
        ]
    );
    assert_eq!(sent[1].method, "PUT");
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/issues/");
    assert_eq!(
        sent[1].query(),
        [
            ("project".to_owned(), "7".to_owned()),
            (
                "query".to_owned(),
                "issue.id:[101,102] is:unresolved level:error".to_owned()
            ),
            ("statsPeriod".to_owned(), "14d".to_owned()),
            ("id".to_owned(), "101".to_owned()),
            ("id".to_owned(), "102".to_owned()),
        ]
    );
    let body: Value = serde_json::from_str(&sent[1].body).unwrap();
    assert_eq!(body, json!({"status": "resolved"}));
    assert_eq!(
        sent[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn run_without_token_or_org_exits_3_and_sends_nothing() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![simple_page()]);
    let no_token = dir.dql_with(
        &["run", "q.dql"],
        &[("SENTRY_URL", &server.base_url), ("SENTRY_ORG", "acme")],
        "",
    );
    assert_eq!(no_token.code, 3, "{no_token:?}");
    assert!(
        no_token.stderr.contains("dql::client::missing_token"),
        "{}",
        no_token.stderr
    );
    let no_org = dir.dql_with(
        &["run", "q.dql"],
        &[
            ("SENTRY_URL", &server.base_url),
            ("SENTRY_AUTH_TOKEN", TOKEN),
        ],
        "",
    );
    assert_eq!(no_org.code, 3, "{no_org:?}");
    assert!(
        no_org.stderr.contains("dql::client::missing_org"),
        "{}",
        no_org.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn sentryclirc_in_the_working_directory_is_read_and_config_masks_the_token() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![simple_page()]);
    dir.file(
        ".sentryclirc",
        &format!(
            "[auth]\ntoken = {TOKEN}\n\n[defaults]\nurl = {}\norg = acme\n",
            server.base_url
        ),
    );
    let config = dir.dql(&["config"]);
    assert_eq!(config.code, 0, "{config:?}");
    let token_line = config
        .lines()
        .into_iter()
        .find(|l| l.starts_with("token"))
        .unwrap()
        .to_owned();
    assert!(token_line.contains(".sentryclirc:2"), "{token_line}");
    assert!(
        token_line.contains(&format!("***{}", &TOKEN[TOKEN.len() - 4..])),
        "{token_line}"
    );

    let run = dir.dql(&["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines()[0], "title,n");
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    // The environment wins over the file.
    let env = dir.dql_with(
        &["compile", "q.dql", "--output", "url"],
        &[("SENTRY_ORG", "other")],
        "",
    );
    assert!(
        env.stdout.contains("/api/0/organizations/other/events/"),
        "{}",
        env.stdout
    );
}

#[test]
fn run_reads_the_query_from_stdin_and_json_holds_several_results() {
    let dir = Dir::new();
    let server = TestServer::start(|request: &Recorded, _| {
        let n = if request.param("dataset").as_deref() == Some("errors") {
            5
        } else {
            9
        };
        Reply::json(
            200,
            page(vec![json!({"count()": n})], json!({"count()": "integer"})),
        )
    });
    let run = dir.dql_with(&["run", "-", "--format", "json"], &sentry_env(&server), TWO);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out,
        json!([
            {"name": "errors", "data": [{"count()": 5}],
             "meta": {"fields": {"count()": "integer"}, "units": {"count()": null}}},
            {"name": "slow", "data": [{"n": 9}],
             "meta": {"fields": {"n": "integer"}, "units": {"n": null}}},
        ])
    );
}

#[test]
fn no_command_off_a_terminal_prints_help_and_exits_2() {
    let dir = Dir::new();
    let run = dir.dql(&[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("Usage: dql"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Series (INTERVAL) through the binary
// ---------------------------------------------------------------------------------------------

fn epoch(instant: &str) -> i64 {
    instant.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// One events-stats series in Sentry's documented shape (`sentry-api.md` §6).
fn stats_series(points: &[(&str, u64)], y_axis: &str, order: u64) -> Value {
    let data: Vec<Value> = points
        .iter()
        .map(|(t, n)| json!([epoch(t), [{"count": n}]]))
        .collect();
    json!({"data": data, "order": order, "isMetricsData": false,
           "start": epoch(points[0].0), "end": epoch(points[points.len() - 1].0) + 3600,
           "meta": {"fields": {y_axis: "integer"}, "units": {y_axis: null}}})
}

#[test]
fn series_columns_keep_aliases_as_the_local_engine_does() {
    let dir = Dir::new();
    dir.file(
        "s.dql",
        "SELECT count() AS n FROM errors SINCE 2h INTERVAL 1h;\n",
    );
    // A Sentry without events-timeseries: its 404 sends dql to events-stats.
    let server = TestServer::scripted(vec![
        Reply::json(404, json!({"detail": "not found"})),
        Reply::json(
            200,
            stats_series(
                &[("2026-11-26T08:00:00Z", 12), ("2026-11-26T09:00:00Z", 3)],
                "count()",
                0,
            ),
        ),
    ]);
    let run = dir.dql_at(&server, &["run", "s.dql", "--format", "csv", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            "time,n",
            "2026-11-26T08:00:00Z,12",
            "2026-11-26T09:00:00Z,3"
        ]
    );
    let sent = server.requests();
    assert_eq!(
        sent[0].path(),
        "/api/0/organizations/acme/events-timeseries/"
    );
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/events-stats/");
    assert_eq!(sent[1].param("yAxis").as_deref(), Some("count()"));
    assert_eq!(sent[1].param("interval").as_deref(), Some("1h"));

    // The same query over exported events names its columns alike.
    let local = dir.dql(&[
        "run",
        "s.dql",
        "--format",
        "csv",
        "--events",
        &example("events.ndjson.gz"),
    ]);
    assert_eq!(local.code, 0, "{local:?}");
    assert_eq!(local.lines()[0], "time,n");
}

#[test]
fn top_events_series_name_a_column_per_group() {
    let dir = Dir::new();
    dir.file(
        "t.dql",
        "SELECT count(), error.type FROM errors GROUP BY error.type LIMIT 2 SINCE 2h INTERVAL 1h;\n",
    );
    let points = |a, b| [("2026-11-26T08:00:00Z", a), ("2026-11-26T09:00:00Z", b)];
    let server = TestServer::scripted(vec![
        Reply::json(404, json!({"detail": "not found"})),
        Reply::json(
            200,
            json!({
                "Other": stats_series(&points(1, 1), "count()", 2),
                "TypeError": stats_series(&points(5, 6), "count()", 0),
                "KeyError": stats_series(&points(2, 0), "count()", 1),
            }),
        ),
    ]);
    let run = dir.dql_at(&server, &["run", "t.dql", "--format", "csv", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            "time,TypeError: count(),KeyError: count(),Other: count()",
            "2026-11-26T08:00:00Z,5,2,1",
            "2026-11-26T09:00:00Z,6,0,1",
        ]
    );
    let sent = server.requests();
    assert_eq!(sent[0].param("topEvents").as_deref(), Some("2"));
    assert_eq!(sent[1].param("topEvents").as_deref(), Some("2"));
    assert_eq!(sent[1].param("field").as_deref(), Some("error.type"));
}

// ---------------------------------------------------------------------------------------------
// A reader that goes away (`dql … | head -1`)
// ---------------------------------------------------------------------------------------------

impl Dir {
    /// Runs `dql args…`, reads the first line of its output, closes the pipe, calls `closed`
    /// and waits for the end: what `| head -1` does.
    fn dql_head(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        closed: impl FnOnce(),
    ) -> (String, Run) {
        use std::io::BufRead;
        let mut child = self
            .command(args, env)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut err = child.stderr.take().unwrap();
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).unwrap();
            s
        });
        let mut first = String::new();
        {
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            out.read_line(&mut first).unwrap();
        }
        closed();
        let status = wait(&mut child, args);
        let run = Run {
            code: status.code().expect("dql ended by a signal"),
            stdout: String::new(),
            stderr: err.join().unwrap(),
        };
        assert!(!run.stderr.contains("panicked"), "dql panicked: {run:?}");
        (first, run)
    }
}

/// More statements than a pipe buffers, so dql is still writing when the reader leaves.
/// (`count(*)` gives each a warning; rendering thousands of warnings for humans is slow, so
/// only `check --message-format json` gets them.)
fn many_statements(n: usize, count: &str) -> String {
    (0..n)
        .map(|i| format!("SELECT {count} FROM errors WHERE release:r{i} SINCE 1d;\n"))
        .collect()
}

#[test]
fn compile_and_fmt_end_quietly_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file("many.dql", &many_statements(3000, "count()"));
    let (first, compile) = dir.dql_head(&["compile", "many.dql", "--output", "url"], &[], || {});
    assert!(first.starts_with("https://sentry.io/api/0/organizations/{org}/events/?field=count%28%29&query=release%3Ar0&"), "{first}");
    assert_eq!(compile.code, 0, "{compile:?}");
    assert_eq!(compile.stderr, "");

    let (first, fmt) = dir.dql_head(&["fmt", "many.dql"], &[], || {});
    assert_eq!(first, "SELECT count()\n");
    assert_eq!(fmt.code, 0, "{fmt:?}");
    assert_eq!(fmt.stderr, "");
}

#[test]
fn check_cut_short_still_exits_1_on_errors() {
    let dir = Dir::new();
    dir.file(
        "many.dql",
        &format!(
            "{}SELECT count() FROM errors LIMIT 0;\n",
            many_statements(3000, "count(*)")
        ),
    );
    let (first, check) = dir.dql_head(
        &["check", "many.dql", "--message-format", "json"],
        &[],
        || {},
    );
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["code"], "dql::semantic::count_star");
    assert_eq!(check.code, 1, "{check:?}");
    assert_eq!(check.stderr, "");
}

#[test]
fn run_over_events_ends_quietly_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 5000 SINCE 30d;\n",
    );
    let events = example("events.ndjson.gz");
    let (first, run) = dir.dql_head(
        &["run", "q.dql", "--events", &events, "--format", "csv"],
        &[],
        || {},
    );
    assert_eq!(first, "id,title\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
}

#[test]
fn run_stops_fetching_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 1000 SINCE 1d;\n",
    );
    // Page 2 is answered only once the reader has gone, so dql is sure to find it gone.
    let (gone_tx, gone_rx) = std::sync::mpsc::channel::<()>();
    let gone_rx = std::sync::Mutex::new(gone_rx);
    let server = TestServer::start(move |request: &Recorded, index| {
        if index == 1 {
            let _ = gone_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20));
        }
        paged_reply(request, 5000)
    });
    let (first, run) = dir.dql_head(
        &["run", "q.dql", "--format", "csv"],
        &sentry_env(&server),
        move || gone_tx.send(()).unwrap(),
    );
    assert_eq!(first, "id,title\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
    assert_eq!(
        server.requests().len(),
        2,
        "no page is fetched after the reader left"
    );
}

// ---------------------------------------------------------------------------------------------
// Sentry's other refusals, and no Sentry at all
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_project_exits_4_with_the_nearest_slug() {
    let dir = Dir::new();
    dir.file(
        "p.dql",
        "SELECT count() FROM errors PROJECT frontnd SINCE 1d;\n",
    );
    let server = TestServer::start(|request: &Recorded, _| {
        if request.path() == "/api/0/organizations/acme/projects/" {
            Reply::json(
                200,
                json!([{"id": "1", "slug": "frontend"}, {"id": "2", "slug": "backend"}]),
            )
        } else {
            Reply::json(
                403,
                json!({"detail": "You do not have permission to perform this action."}),
            )
        }
    });
    let run = dir.dql_at(&server, &["run", "p.dql", "--format", "csv"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::unknown_project"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("frontnd"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean frontend?"),
        "{}",
        run.stderr
    );
    let sent = server.requests();
    assert_eq!(sent[0].param("projectSlug").as_deref(), Some("frontnd"));
}

#[test]
fn not_found_exits_4_naming_the_organization_and_environment() {
    let dir = Dir::new();
    dir.file(
        "e.dql",
        "SELECT count() FROM errors ENVIRONMENT prod SINCE 1d;\n",
    );
    let server = TestServer::scripted(vec![Reply::json(404, json!({"detail": "Not found"}))]);
    let run = dir.dql_at(&server, &["run", "e.dql", "--format", "csv"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::not_found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("organization `acme`"), "{}", run.stderr);
    assert!(run.stderr.contains("`prod`"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");
}

#[test]
fn an_unreachable_sentry_exits_5() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = dir.dql_with(
        &["run", "q.dql", "--format", "csv", "--retry-tries", "1"],
        &[
            ("SENTRY_URL", &url),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_AUTH_TOKEN", TOKEN),
        ],
        "",
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::network"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&url), "{}", run.stderr);
}

#[test]
fn a_bad_sentry_url_exits_3() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let run = dir.dql_with(
        &["run", "q.dql", "--format", "csv"],
        &[
            ("SENTRY_URL", "ftp://sentry.example.com"),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_AUTH_TOKEN", TOKEN),
        ],
        "",
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("dql::client::invalid_url"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_empty_result_still_has_its_header_and_shape() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let empty = || {
        Reply::json(
            200,
            page(vec![], json!({"title": "string", "count()": "integer"})),
        )
    };
    let server = TestServer::scripted(vec![empty()]);
    let csv = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{csv:?}");
    assert_eq!(csv.stdout, "title,n\n");
    let server = TestServer::scripted(vec![empty()]);
    let json = dir.dql_at(&server, &["run", "q.dql", "--format", "json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let out: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(out[0]["data"], json!([]));
    assert_eq!(
        out[0]["meta"]["fields"],
        json!({"title": "string", "n": "integer"})
    );
}

#[test]
fn events_refuse_what_only_sentry_knows() {
    let dir = Dir::new();
    dir.file("i.dql", "SELECT shortId, title FROM issues;\n");
    let run = dir.dql(&[
        "run",
        "i.dql",
        "--events",
        &example("events.ndjson.gz"),
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("dql::engine::not_supported_locally"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`shortId`"), "{}", run.stderr);
}

#[test]
fn piped_defaults_are_csv_and_json() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let server = TestServer::scripted(vec![simple_page()]);
    let run = dir.dql_at(&server, &["run", "q.dql"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines()[0], "title,n");
    let compile = dir.dql(&["compile", "q.dql"]);
    assert_eq!(compile.code, 0, "{compile:?}");
    let out: Value = serde_json::from_str(&compile.stdout).unwrap();
    assert_eq!(out[0]["path"], "/api/0/organizations/{org}/events/");
}

#[test]
fn query_and_usage_errors_come_before_missing_configuration() {
    let dir = Dir::new();
    dir.file("e.dql", "SELECT count( FROM errors;\n");
    dir.file("two.dql", TWO);
    // No token, no org: still the query's own problems are what dql reports.
    let broken = dir.dql(&["run", "e.dql"]);
    assert_eq!(broken.code, 1, "{broken:?}");
    assert!(
        broken.stderr.contains("dql::syntax::unexpected_token"),
        "{}",
        broken.stderr
    );
    assert!(broken.stderr.contains("e.dql:1:13"), "{}", broken.stderr);
    // Several statements in ndjson are no usage error any more (each row names its
    // statement): what is missing is the configuration.
    let several = dir.dql(&["run", "two.dql", "--format", "ndjson"]);
    assert_eq!(several.code, 3, "{several:?}");
    assert!(
        several.stderr.contains("dql::client::missing_"),
        "{}",
        several.stderr
    );
}

#[test]
fn show_event_fetches_one_event_by_project_and_id() {
    let dir = Dir::new();
    let id = "0123456789abcdef0123456789abcdef";
    dir.file("ev.dql", &format!("SHOW EVENT {id} PROJECT frontend;\n"));
    let server = TestServer::scripted(vec![Reply::json(
        200,
        json!({"id": id, "eventID": id, "groupID": "42", "title": "TypeError: x",
               "dateCreated": "2026-11-20T10:00:00Z", "tags": [{"key": "level", "value": "error"}]}),
    )]);
    let run = dir.dql_at(&server, &["run", "ev.dql", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].path(),
        format!("/api/0/projects/acme/frontend/events/{id}/")
    );
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out[0]["data"][0]["title"], "TypeError: x");
    assert_eq!(
        out[0]["data"][0]["tags"],
        json!([{"key": "level", "value": "error"}])
    );
}
