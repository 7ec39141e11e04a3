//! `dql run` against a scripted Sentry: the requests sent, pagination, retries and waits, refused
//! queries, and `--verbose` without the token.

use super::*;

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
