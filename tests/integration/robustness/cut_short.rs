//! A failure after rows were written never looks complete; tokens and redirects through `run`.

use super::*;

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
