//! `dql run`'s destinations and messages off a terminal: `-o FILE`, `--output-dir`, several
//! statements in every format, diagnostics that a pipe gets unwrapped, Sentry's 400 labelled
//! only at a clause the query has, and client errors that show their URL once.

use crate::support::server::{Reply, TestServer};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const TOKEN: &str = "sntrys_output_test_token";

/// `dql args…` in `dir`, with only HOME and `env` set; stdin empty, stdout/stderr piped.
fn dql(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    output
}

fn at(server: &TestServer) -> [(&'static str, &str); 3] {
    [
        ("SENTRY_URL", server.base_url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", TOKEN),
    ]
}

fn page(n: u64) -> Reply {
    Reply::json(
        200,
        json!({"data": [{"count()": n}], "meta": {"fields": {"count()": "integer"},
               "units": {"count()": null}}}),
    )
}

const TWO: &str = "-- @name errors\nSELECT count() FROM errors SINCE 1d;\n\nSELECT count() AS n \
                   FROM transactions SINCE 1d;\n";

#[test]
fn o_writes_a_file_in_the_format_its_extension_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.dql"),
        "SELECT count() FROM errors SINCE 1d;\n",
    )
    .unwrap();
    let server = TestServer::scripted(vec![page(7)]);
    let run = dql(
        dir.path(),
        &["run", "q.dql", "-o", "out.json"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(written[0]["data"], json!([{"count()": 7}]));
    // --format wins over the extension.
    let server = TestServer::scripted(vec![page(8)]);
    let run = dql(
        dir.path(),
        &["run", "q.dql", "--output", "out.json", "--format", "csv"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.json")).unwrap(),
        "count()\n8\n"
    );
}

#[test]
fn output_dir_writes_one_file_per_statement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("two.dql"), TWO).unwrap();
    let server = TestServer::scripted(vec![page(5), page(9)]);
    let run = dql(
        dir.path(),
        &["run", "two.dql", "--output-dir", "results"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join("results").join(name));
    assert_eq!(read("errors.csv").unwrap(), "count()\n5\n");
    assert_eq!(read("statement-2.csv").unwrap(), "n\n9\n");
    // ndjson into a folder: one file each, plain rows (the file says which statement).
    let server = TestServer::scripted(vec![page(5), page(9)]);
    let run = dql(
        dir.path(),
        &["run", "two.dql", "--output-dir", "nd", "--format", "ndjson"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    let nd = std::fs::read_to_string(dir.path().join("nd").join("errors.ndjson")).unwrap();
    assert_eq!(nd, "{\"count()\":5}\n");
}

#[test]
fn several_statements_in_ndjson_name_their_statement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("two.dql"), TWO).unwrap();
    let server = TestServer::scripted(vec![page(5), page(9)]);
    let run = dql(
        dir.path(),
        &["run", "two.dql", "--format", "ndjson"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        "{\"statement\":\"errors\",\"count()\":5}\n{\"statement\":\"result 2\",\"n\":9}\n"
    );
}

#[test]
fn a_pipe_gets_diagnostics_unwrapped() {
    let dir = tempfile::tempdir().unwrap();
    // A long message: the unknown field's "did you mean" help and a long line of source.
    std::fs::write(
        dir.path().join("q.dql"),
        "SELECT count_unique(user.emial), p95(transaction.duration), failure_rate() FROM \
         transactions WHERE transaction:/api/* AND http.status_code:500 SINCE 7d;\n",
    )
    .unwrap();
    let run = dql(dir.path(), &["check", "q.dql"], &[]);
    let stderr = String::from_utf8(run.stderr).unwrap();
    // The message is 89 columns: wrapped at 80 (miette's default), "did you mean" would go
    // on the next line.
    assert!(
        stderr.lines().any(|l| l.contains(
            "`user.emial` is not a known field, so it is read as a tag; did you mean `user.email`?"
        )),
        "{stderr}"
    );
}

#[test]
fn a_400_is_labelled_at_its_clause_only_when_the_query_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let refuse = || {
        Reply::json(
            400,
            json!({"detail": "Invalid query. Parse error\n  at position 3:\n  level:>x"}),
        )
    };
    // No WHERE: Sentry's message (about the query) is shown on one line, labelled nowhere.
    std::fs::write(
        dir.path().join("q.dql"),
        "SELECT count() FROM errors SINCE 1d;\n",
    )
    .unwrap();
    let server = TestServer::scripted(vec![refuse()]);
    let run = dql(dir.path(), &["run", "q.dql"], &at(&server));
    assert_eq!(run.status.code(), Some(4), "{run:?}");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains(
            "Sentry refused the query: Invalid query. Parse error at position 3: level:>x\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("concerns"), "{stderr}");
    assert!(!stderr.contains("WHERE"), "{stderr}");
    // With a WHERE: labelled there.
    std::fs::write(
        dir.path().join("w.dql"),
        "SELECT count() FROM errors WHERE level:error SINCE 1d;\n",
    )
    .unwrap();
    let server = TestServer::scripted(vec![refuse()]);
    let run = dql(dir.path(), &["run", "w.dql"], &at(&server));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("Sentry's message most likely concerns this WHERE clause"),
        "{stderr}"
    );
}

#[test]
fn a_network_error_looks_like_a_query_error_and_shows_its_url_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.dql"),
        "SELECT count() FROM errors SINCE 1d;\n",
    )
    .unwrap();
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = dql(
        dir.path(),
        &["run", "q.dql", "--retry-tries", "1"],
        &[
            ("SENTRY_URL", url.as_str()),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_AUTH_TOKEN", TOKEN),
        ],
    );
    assert_eq!(run.status.code(), Some(5), "{run:?}");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.starts_with("dql::client::network\n"), "{stderr}");
    assert!(stderr.contains("  × cannot reach Sentry at "), "{stderr}");
    assert!(stderr.contains("  help: "), "{stderr}");
    // A timeout is the commonest cause after a wrong URL: the help names the flag.
    assert!(stderr.contains("--timeout"), "{stderr}");
    assert_eq!(stderr.matches(&url).count(), 1, "{stderr}");
}

#[test]
fn an_issue_count_is_the_number_it_is() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("i.dql"),
        "SELECT shortId, count FROM issues WHERE is:unresolved;\n",
    )
    .unwrap();
    let issues = || {
        Reply::json(
            200,
            json!([{"id": "1", "shortId": "WEB-1", "count": "12345", "userCount": 3},
                   {"id": "2", "shortId": "WEB-2", "count": "7", "userCount": 1}]),
        )
    };
    let server = TestServer::scripted(vec![issues()]);
    let run = dql(
        dir.path(),
        &["run", "i.dql", "--format", "json"],
        &at(&server),
    );
    assert!(run.status.success(), "{run:?}");
    let out: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(out[0]["data"][0]["count"], json!(12345));
    assert_eq!(out[0]["meta"]["fields"]["count"], "integer");
    // In a table: grouped and right-aligned, as numbers are.
    let server = TestServer::scripted(vec![issues()]);
    let run = dql(
        dir.path(),
        &["run", "i.dql", "--format", "markdown"],
        &at(&server),
    );
    let table = String::from_utf8(run.stdout).unwrap();
    assert!(table.contains("| WEB-1   | 12,345 |"), "{table}");
    assert!(table.contains("| WEB-2   |      7 |"), "{table}");
}
