//! Sentry's other refusals, and no Sentry at all.

use super::*;

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
