//! More of `dql run`: budgets, partial failures, UPDATE, configuration.

use super::*;

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
