//! The HTTP client against scripted servers on 127.0.0.1: requests as sent, pagination,
//! retries, error mapping, events-stats rows, and configuration resolution.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its helpers: a failed unwrap is a failed test"
)]

use crate::support::server::{Recorded, Reply, TestServer};
use dql::answer::OutputColumn;
use dql::client::{
    Clause, Client, ClientError, ClientEvent, Config, ConfigInputs, Flags, Origin,
    ReqwestTransport, RetryPolicy, Timeouts, Token,
};
use dql::lower::request::{Endpoint, Method, Request};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const TOKEN: &str = "sntryu_0123456789abcdef0123456789abcdef";

fn request(endpoint: Endpoint, path: &str, params: &[(&str, &str)], limit: Option<u64>) -> Request {
    Request {
        name: None,
        method: if endpoint == Endpoint::IssuesUpdate {
            Method::Put
        } else {
            Method::Get
        },
        endpoint,
        path: path.to_owned(),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: None,
        columns: params
            .iter()
            .filter(|(k, _)| *k == "field")
            .map(|(_, v)| OutputColumn {
                field: (*v).to_owned(),
                label: (*v).to_owned(),
                ty: None,
            })
            .collect(),
        hidden: Vec::new(),
        limit,
        update: None,
        fallback: None,
        compare: None,
        split: None,
    }
}

fn events(params: &[(&str, &str)], limit: Option<u64>) -> Request {
    request(
        Endpoint::Events,
        "/api/0/organizations/{org}/events/",
        params,
        limit,
    )
}

/// A client for `server` that records its waits instead of sleeping.
fn client(server: &TestServer, waits: &Arc<Mutex<Vec<Duration>>>) -> Client {
    let transport = ReqwestTransport::new(
        Token::new(TOKEN),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(5),
        },
    )
    .unwrap();
    let waits = Arc::clone(waits);
    Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .retry_policy(RetryPolicy {
            max_tries: 3,
            max_wait: Duration::from_secs(60),
            first_delay: Duration::from_millis(100),
        })
        .sleeper(move |d| waits.lock().unwrap().push(d))
}

fn no_waits() -> Arc<Mutex<Vec<Duration>>> {
    Arc::new(Mutex::new(Vec::new()))
}

/// sentry-api.md §4's recorded example body.
fn recorded_events() -> serde_json::Value {
    json!({"data":[{"issue.id":6114575469u64,"title":"Error: Tool list_organizations is already registered",
              "project":"test-suite","count()":2,"last_seen()":"2025-04-07T12:23:39+00:00",
              "issue":"CLOUDFLARE-MCP-41"}],
     "meta":{"fields":{"issue.id":"integer","title":"string","project":"string",
                       "count()":"integer","last_seen()":"date"},
             "units":{"issue.id":null,"title":null,"project":null,"count()":null,"last_seen()":null},
             "isMetricsData":false,"isMetricsExtractedData":false,
             "tips":{"query":null,"columns":null},"datasetReason":"unchanged","dataset":"errors"}})
}

const RECORDED_FIELDS: [(&str, &str); 5] = [
    ("field", "issue.id"),
    ("field", "title"),
    ("field", "project"),
    ("field", "count()"),
    ("field", "last_seen()"),
];

#[test]
fn sends_params_in_order_with_bearer_token_and_user_agent() {
    let server = TestServer::scripted(vec![Reply::json(200, recorded_events())]);
    let mut params = vec![("dataset", "errors")];
    params.extend(RECORDED_FIELDS);
    params.extend([
        ("query", "level:error message:\"a b\""),
        ("statsPeriod", "14d"),
    ]);
    let execution = client(&server, &no_waits())
        .execute(&events(&params, None))
        .unwrap();

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].path(), "/api/0/organizations/acme/events/");
    let expected: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(sent[0].query(), expected);
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        sent[0].header("user-agent"),
        Some(concat!("dql/", env!("CARGO_PKG_VERSION")))
    );

    let rows = &execution.result.data;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["issue"], json!("CLOUDFLARE-MCP-41"));
    assert_eq!(rows[0]["count()"], json!(2));
    assert_eq!(execution.result.meta.fields["last_seen()"], "date");
    assert_eq!(execution.result.meta.units["count()"], None);
    assert_eq!(
        execution.columns,
        ["issue.id", "title", "project", "count()", "last_seen()"]
    );
    assert!(!execution.has_more);
}

/// A server with `total` numbered rows, paginated by Sentry's offset cursor.
fn paged_server(total: usize) -> TestServer {
    TestServer::start(move |request: &Recorded, _| {
        let per_page: usize = request.param("per_page").unwrap().parse().unwrap();
        let offset: usize = request
            .param("cursor")
            .map(|c| c.split(':').nth(1).unwrap().parse().unwrap())
            .unwrap_or(0);
        let end = (offset + per_page).min(total);
        let rows: Vec<_> = (offset..end).map(|n| json!({"id": n})).collect();
        let next = offset + per_page;
        let link = format!(
            "<http://ignored/?per_page={per_page}&cursor=0:{offset}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{offset}:1\", \
             <http://ignored/?per_page={per_page}&cursor=0:{next}:0>; rel=\"next\"; results=\"{}\"; cursor=\"0:{next}:0\"",
            offset > 0,
            next < total,
        );
        Reply::json(
            200,
            json!({"data": rows, "meta": {"fields": {"id": "string"}}}),
        )
        .header("Link", &link)
    })
}

fn ids(rows: &[serde_json::Map<String, serde_json::Value>]) -> Vec<u64> {
    rows.iter().map(|r| r["id"].as_u64().unwrap()).collect()
}

#[test]
fn follows_cursor_for_three_pages_and_stops_at_limit() {
    let server = paged_server(100);
    let request = events(&[("field", "id"), ("per_page", "2")], Some(5));
    let execution = client(&server, &no_waits()).execute(&request).unwrap();

    assert_eq!(ids(&execution.result.data), [0, 1, 2, 3, 4]);
    assert_eq!(execution.pages, 3);
    assert!(execution.has_more, "the server has rows beyond LIMIT");
    let sent = server.requests();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].param("cursor"), None);
    assert_eq!(sent[1].param("cursor").as_deref(), Some("0:2:0"));
    assert_eq!(sent[2].param("cursor").as_deref(), Some("0:4:0"));
    // The last page asks only for the one row still wanted.
    assert_eq!(sent[2].param("per_page").as_deref(), Some("1"));
    // Repeated `field`s survive on every page.
    assert!(
        sent.iter()
            .all(|r| r.param("field").as_deref() == Some("id"))
    );
}

#[test]
fn pages_stream_as_they_arrive_and_stop_at_last_page() {
    let server = paged_server(5);
    let request = events(&[("field", "id"), ("per_page", "2")], Some(50));
    let client = client(&server, &no_waits());
    let pages: Vec<_> = client.pages(&request).map(Result::unwrap).collect();

    assert_eq!(pages.len(), 3);
    assert_eq!(ids(&pages[0].rows), [0, 1]);
    assert_eq!(ids(&pages[2].rows), [4]);
    assert!(!pages[2].has_more);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn without_limit_fetches_one_page_and_says_more_exist() {
    let server = paged_server(10);
    let request = events(&[("field", "id"), ("per_page", "3")], None);
    let execution = client(&server, &no_waits()).execute(&request).unwrap();

    assert_eq!(ids(&execution.result.data), [0, 1, 2]);
    assert!(execution.has_more);
    assert_eq!(server.requests().len(), 1);
}

const RATE_LIMITED: &str =
    "You are attempting to use this endpoint too frequently. Limit is 30 requests in 1 seconds";

#[test]
fn rate_limit_waits_for_retry_after() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!(RATE_LIMITED)).header("Retry-After", "2"),
        Reply::json(200, recorded_events()),
    ]);
    let waits = no_waits();
    let execution = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap();

    assert_eq!(execution.result.data.len(), 1);
    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(2)]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn rate_limit_without_retry_after_waits_until_reset() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let server = TestServer::scripted(vec![
        Reply::json(429, json!(RATE_LIMITED)).header("X-Sentry-Rate-Limit-Reset", "1700000007"),
        Reply::json(200, recorded_events()),
    ]);
    let waits = no_waits();
    client(&server, &waits)
        .clock(move || now)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap();

    assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(7)]);
}

#[test]
fn rate_limit_gives_up_after_max_tries_with_sentrys_message() {
    let server = TestServer::scripted(vec![Reply::json(429, json!(RATE_LIMITED))]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();

    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        waits.lock().unwrap().len(),
        2,
        "backoff between the 3 tries"
    );
    match &error {
        ClientError::RateLimited { tries, detail, .. } => {
            assert_eq!(*tries, 3);
            assert_eq!(detail.as_deref(), Some(RATE_LIMITED));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.exit_code(), 5);
}

#[test]
fn retry_after_beyond_the_budget_is_not_waited_for() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!(RATE_LIMITED)).header("Retry-After", "3600"),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();

    assert!(matches!(error, ClientError::RateLimited { tries: 1, .. }));
    assert!(waits.lock().unwrap().is_empty());
}

#[test]
fn server_error_then_success_is_retried_for_get() {
    let server = TestServer::scripted(vec![
        Reply::raw(500, "<html>Internal Server Error</html>"),
        Reply::json(200, recorded_events()),
    ]);
    let waits = no_waits();
    let execution = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap();

    assert_eq!(execution.result.data.len(), 1);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(waits.lock().unwrap().len(), 1);
}

#[test]
fn server_error_on_put_is_not_retried() {
    let server = TestServer::scripted(vec![Reply::json(502, json!({"detail": "bad gateway"}))]);
    let mut update = request(
        Endpoint::IssuesUpdate,
        "/api/0/organizations/{org}/issues/",
        &[("id", "1"), ("id", "2")],
        None,
    );
    update.body = Some(json!({"status": "resolved"}));
    let error = client(&server, &no_waits()).execute(&update).unwrap_err();

    assert_eq!(server.requests().len(), 1);
    assert!(matches!(
        error,
        ClientError::Server {
            status: 502,
            tries: 1,
            ..
        }
    ));
    assert_eq!(error.exit_code(), 5);
}

#[test]
fn put_sends_json_body_and_ids() {
    let server = TestServer::scripted(vec![Reply::json(200, json!({"status": "resolved"}))]);
    let mut update = request(
        Endpoint::IssuesUpdate,
        "/api/0/organizations/{org}/issues/",
        &[("id", "11"), ("id", "12")],
        None,
    );
    update.body = Some(json!({"status": "resolved"}));
    client(&server, &no_waits()).execute(&update).unwrap();

    let sent = &server.requests()[0];
    assert_eq!(sent.method, "PUT");
    assert_eq!(
        sent.query(),
        [("id".into(), "11".into()), ("id".into(), "12".into())]
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&sent.body).unwrap(),
        json!({"status": "resolved"})
    );
}

#[test]
fn put_answered_204_changed_nothing_and_names_the_ids() {
    // `update.py`: 204 {"detail": "No groups found"} when no id is in the PUT's scope.
    let server = TestServer::scripted(vec![Reply::raw(204, "")]);
    let mut update = request(
        Endpoint::IssuesUpdate,
        "/api/0/organizations/{org}/issues/",
        &[("project", "7"), ("id", "11"), ("id", "12")],
        None,
    );
    update.body = Some(json!({"status": "resolved"}));
    let error = client(&server, &no_waits()).execute(&update).unwrap_err();
    assert!(
        matches!(&error, ClientError::NothingUpdated { ids } if ids == &["11", "12"]),
        "{error:?}"
    );
    assert!(error.to_string().contains("11, 12"));
    assert_eq!(error.exit_code(), 4);
}

#[test]
fn bad_request_keeps_detail_and_guesses_clause() {
    let server = TestServer::scripted(vec![Reply::json(
        400,
        json!({"detail": "Cannot sort by a field that is not selected."}),
    )]);
    let error = client(&server, &no_waits())
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();

    match &error {
        ClientError::BadQuery { detail, clause } => {
            assert_eq!(detail, "Cannot sort by a field that is not selected.");
            assert_eq!(*clause, Some(Clause::OrderBy));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.exit_code(), 4);
    assert_eq!(server.requests().len(), 1, "a 400 is never retried");
}

#[test]
fn clause_guesses_from_sentry_messages() {
    let cases = [
        (
            "Invalid query. Expected value after operator",
            Some(Clause::Where),
        ),
        (
            "Invalid date range. Please try a more recent date range.",
            Some(Clause::Since),
        ),
        (
            "Cannot query without a valid date range",
            Some(Clause::Since),
        ),
        ("foo is not a valid function", Some(Clause::Select)),
        (
            "Invalid characters in field tags[a b]",
            Some(Clause::Select),
        ),
        (
            "You can view up to 20 fields at a time. Please delete some and try again.",
            Some(Clause::Select),
        ),
        (
            "Cannot sort by a field that is not selected.",
            Some(Clause::OrderBy),
        ),
        ("Can only get up to 10 top events", Some(Clause::Limit)),
        (
            "You cannot view events from multiple projects.",
            Some(Clause::Project),
        ),
        ("Something else entirely", None),
    ];
    for (detail, clause) in cases {
        assert_eq!(Clause::guess(detail), clause, "{detail}");
    }
}

#[test]
fn unauthorized_names_the_scope() {
    let server = TestServer::scripted(vec![Reply::json(401, json!({"detail": "Invalid token"}))]);
    let client = client(&server, &no_waits());
    let error = client.execute(&events(&RECORDED_FIELDS, None)).unwrap_err();
    assert!(matches!(
        &error,
        ClientError::Unauthorized { scope: "org:read", detail: Some(d) } if d == "Invalid token"
    ));
    assert_eq!(error.exit_code(), 3);

    let issues = request(
        Endpoint::Issues,
        "/api/0/organizations/{org}/issues/",
        &[("query", "")],
        None,
    );
    let error = client.execute(&issues).unwrap_err();
    assert!(matches!(
        error,
        ClientError::Unauthorized {
            scope: "event:read",
            ..
        }
    ));
}

#[test]
fn forbidden_project_slug_suggests_nearest_projects() {
    let server = TestServer::start(|request, _| {
        if request.path() == "/api/0/organizations/acme/projects/" {
            Reply::json(
                200,
                json!([{"slug": "frontend"}, {"slug": "backend"}, {"slug": "mobile-ios"}]),
            )
        } else {
            Reply::json(
                403,
                json!({"detail": "You do not have permission to perform this action."}),
            )
        }
    });
    let request = events(&[("field", "title"), ("projectSlug", "frontnd")], None);
    let error = client(&server, &no_waits()).execute(&request).unwrap_err();

    match &error {
        ClientError::UnknownProject { slugs, suggestions } => {
            assert_eq!(slugs, &["frontnd"]);
            assert_eq!(suggestions, &["frontend"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.exit_code(), 4);
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert_eq!(help, "did you mean frontend?");
}

#[test]
fn forbidden_without_project_slug_names_the_scope() {
    let server = TestServer::scripted(vec![Reply::json(403, json!({"detail": "nope"}))]);
    let error = client(&server, &no_waits())
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();
    assert!(matches!(
        error,
        ClientError::Forbidden {
            scope: "org:read",
            ..
        }
    ));
    assert_eq!(
        server.requests().len(),
        1,
        "no project lookup without projectSlug"
    );
}

#[test]
fn not_found_names_org_project_and_environment() {
    let server = TestServer::scripted(vec![Reply::raw(404, "")]);
    let request = events(
        &[
            ("field", "title"),
            ("projectSlug", "web"),
            ("environment", "prod"),
        ],
        None,
    );
    let error = client(&server, &no_waits()).execute(&request).unwrap_err();
    assert_eq!(
        error.to_string(),
        "not found (404): unknown organization `acme` or project `web` or environment `prod` \
         (Sentry may answer 404 for an unknown environment)"
    );
    assert_eq!(error.exit_code(), 4);
}

#[test]
fn truncated_and_non_json_bodies_are_errors_not_panics() {
    for body in [
        r#"{"data":[{"title":"a"},{"tit"#,
        "<html>maintenance</html>",
        "",
        r#""just a string""#,
        r#"{"data": [1, 2]}"#,
    ] {
        let server = TestServer::scripted(vec![Reply::raw(200, body)]);
        let error = client(&server, &no_waits())
            .execute(&events(&[("field", "title")], None))
            .unwrap_err();
        assert!(
            matches!(error, ClientError::BadResponse { status: 200, .. }),
            "{body}: {error:?}"
        );
        assert_eq!(error.exit_code(), 5);
    }
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = TestServer::scripted(vec![Reply::Hang]);
    let transport = ReqwestTransport::new(
        Token::new(TOKEN),
        Timeouts {
            connect: Duration::from_secs(1),
            read: Duration::from_millis(500),
        },
    )
    .unwrap();
    let client = Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .retry_policy(RetryPolicy {
            max_tries: 2,
            max_wait: Duration::from_secs(1),
            first_delay: Duration::from_millis(10),
        })
        .sleeper(|_| {});
    let error = client
        .execute(&events(&[("field", "title")], None))
        .unwrap_err();

    match &error {
        ClientError::Network { tries, url, .. } => {
            assert_eq!(*tries, 2);
            assert!(url.starts_with(&server.base_url));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.exit_code(), 5);
}

#[test]
fn connection_refused_is_a_network_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let transport = ReqwestTransport::new(Token::new(TOKEN), Timeouts::default()).unwrap();
    let client = Client::with_transport(
        transport,
        &format!("http://127.0.0.1:{port}"),
        Some("acme".into()),
    )
    .unwrap()
    .sleeper(|_| {});
    let error = client
        .execute(&events(&[("field", "title")], None))
        .unwrap_err();
    assert!(
        matches!(error, ClientError::Network { tries: 5, .. }),
        "{error:?}"
    );
}

#[test]
fn verbose_events_report_url_status_and_waits_without_token() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!(RATE_LIMITED)).header("Retry-After", "1"),
        Reply::json(200, recorded_events()),
    ]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    client(&server, &no_waits())
        .on_event(move |event| log.lock().unwrap().push(event.clone()))
        .execute(&events(&[("field", "title")], None))
        .unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let expected_url = format!(
        "{}/api/0/organizations/acme/events/?field=title",
        server.base_url
    );
    assert!(matches!(
        &seen[0],
        ClientEvent::Sent { status: Some(429), attempt: 1, url, .. } if *url == expected_url
    ));
    assert!(matches!(
        &seen[1],
        ClientEvent::Waiting { delay, .. } if *delay == Duration::from_secs(1)
    ));
    assert!(matches!(
        &seen[2],
        ClientEvent::Sent {
            status: Some(200),
            attempt: 2,
            ..
        }
    ));
    assert!(!format!("{seen:?}").contains(TOKEN));
}

#[test]
fn token_never_shows_in_debug_or_display() {
    let token = Token::new(TOKEN);
    assert_eq!(format!("{token:?}"), "***");
    assert_eq!(format!("{token}"), "***");
    assert_eq!(token.masked(), "***cdef");
    let transport = ReqwestTransport::new(token, Timeouts::default()).unwrap();
    assert!(!format!("{transport:?}").contains(TOKEN));
}

#[test]
fn missing_org_is_reported_before_sending() {
    let server = TestServer::scripted(vec![Reply::json(200, recorded_events())]);
    let transport = ReqwestTransport::new(Token::new(TOKEN), Timeouts::default()).unwrap();
    let client = Client::with_transport(transport, &server.base_url, None).unwrap();
    let error = client
        .execute(&events(&[("field", "title")], None))
        .unwrap_err();
    assert!(matches!(error, ClientError::MissingOrg));
    assert_eq!(error.exit_code(), 3);
    assert!(server.requests().is_empty());
}

fn stats(params: &[(&str, &str)], body: serde_json::Value) -> dql::client::Execution {
    let server = TestServer::scripted(vec![Reply::json(200, body)]);
    let request = request(
        Endpoint::EventsStats,
        "/api/0/organizations/{org}/events-stats/",
        params,
        None,
    );
    client(&server, &no_waits()).execute(&request).unwrap()
}

fn series(
    points: &[(i64, serde_json::Value)],
    y_axis: &str,
    order: Option<i64>,
) -> serde_json::Value {
    let data: Vec<_> = points
        .iter()
        .map(|(t, v)| {
            if v.is_null() {
                json!([t, []])
            } else {
                json!([t, [{"count": v}]])
            }
        })
        .collect();
    let mut series = json!({
        "data": data, "isMetricsData": false, "start": 1717000000, "end": 1717003600,
        "meta": {"fields": {y_axis: "integer"}, "units": {y_axis: null}},
    });
    if let Some(order) = order {
        series["order"] = json!(order);
    }
    series
}

#[test]
fn events_stats_single_series_becomes_time_rows() {
    let body = series(
        &[(1717000000, json!(12)), (1717003600, json!(null))],
        "count()",
        None,
    );
    let execution = stats(&[("yAxis", "count()"), ("interval", "1h")], body);
    assert_eq!(execution.columns, ["time", "count()"]);
    assert_eq!(
        serde_json::to_value(&execution.result.data).unwrap(),
        json!([
            {"time": "2024-05-29T16:26:40Z", "count()": 12},
            {"time": "2024-05-29T17:26:40Z", "count()": null},
        ])
    );
    assert_eq!(execution.result.meta.fields["time"], "date");
    assert_eq!(execution.result.meta.fields["count()"], "integer");
}

#[test]
fn events_stats_several_y_axes_become_columns_in_order() {
    let body = json!({
        "p95(transaction.duration)": series(&[(1717000000, json!(250.5))], "p95(transaction.duration)", Some(1)),
        "count()": series(&[(1717000000, json!(3))], "count()", Some(0)),
    });
    let execution = stats(
        &[("yAxis", "count()"), ("yAxis", "p95(transaction.duration)")],
        body,
    );
    assert_eq!(
        execution.columns,
        ["time", "count()", "p95(transaction.duration)"]
    );
    assert_eq!(
        serde_json::to_value(&execution.result.data).unwrap(),
        json!([{"time": "2024-05-29T16:26:40Z", "count()": 3, "p95(transaction.duration)": 250.5}])
    );
}

#[test]
fn events_stats_top_events_become_a_column_per_group() {
    let body = json!({
        "Other": series(&[(1717000000, json!(1))], "count()", Some(2)),
        "checkout,prod": series(&[(1717000000, json!(9))], "count()", Some(0)),
        "home,prod": series(&[(1717000000, json!(4))], "count()", Some(1)),
    });
    let execution = stats(
        &[
            ("field", "transaction"),
            ("field", "environment"),
            ("field", "count()"),
            ("yAxis", "count()"),
            ("topEvents", "2"),
        ],
        body,
    );
    assert_eq!(
        execution.columns,
        [
            "time",
            "checkout,prod: count()",
            "home,prod: count()",
            "Other: count()"
        ]
    );
    assert_eq!(execution.result.data[0]["checkout,prod: count()"], json!(9));
    assert_eq!(execution.result.data[0]["Other: count()"], json!(1));
}

#[test]
fn events_stats_top_events_with_several_y_axes_nest() {
    let body = json!({
        "checkout": {
            "order": 0,
            "count()": series(&[(1717000000, json!(9))], "count()", Some(0)),
            "p50(transaction.duration)": series(&[(1717000000, json!(120))], "p50(transaction.duration)", Some(1)),
        },
        "": {"count()": series(&[], "count()", Some(0))},
    });
    let execution = stats(
        &[
            ("field", "transaction"),
            ("yAxis", "count()"),
            ("yAxis", "p50(transaction.duration)"),
            ("topEvents", "1"),
        ],
        body,
    );
    assert_eq!(
        execution.columns,
        [
            "time",
            "checkout: count()",
            "checkout: p50(transaction.duration)",
            "count()"
        ]
    );
    assert_eq!(
        serde_json::to_value(&execution.result.data).unwrap(),
        json!([{"time": "2024-05-29T16:26:40Z", "checkout: count()": 9,
                "checkout: p50(transaction.duration)": 120, "count()": null}])
    );
}

#[test]
fn events_stats_without_groups_or_projects_is_empty() {
    for body in [json!({}), json!({"data": []})] {
        let execution = stats(&[("yAxis", "count()"), ("topEvents", "5")], body);
        assert!(execution.result.data.is_empty());
    }
}

#[test]
fn single_events_are_one_row() {
    let event = json!({"id": "a".repeat(32), "title": "boom", "tags": [{"key": "level", "value": "error"}]});
    let server = TestServer::scripted(vec![
        Reply::json(200, event.clone()),
        Reply::json(
            200,
            json!({"organizationSlug": "acme", "projectSlug": "web", "groupId": "1", "eventId": "a".repeat(32), "event": event}),
        ),
    ]);
    let client = client(&server, &no_waits());
    let path = format!("/api/0/projects/{{org}}/web/events/{}/", "a".repeat(32));
    let by_project = client
        .execute(&request(Endpoint::ProjectEvent, &path, &[], None))
        .unwrap();
    assert_eq!(by_project.result.data.len(), 1);
    assert_eq!(by_project.result.data[0]["title"], json!("boom"));

    let path = format!("/api/0/organizations/{{org}}/eventids/{}/", "a".repeat(32));
    let lookup = client
        .execute(&request(Endpoint::EventIdLookup, &path, &[], None))
        .unwrap();
    assert_eq!(lookup.result.data.len(), 1);
    assert_eq!(lookup.result.data[0]["title"], json!("boom"));
    assert_eq!(lookup.result.data[0]["projectSlug"], json!("web"));
    assert_eq!(
        server.requests()[0].path(),
        format!("/api/0/projects/acme/web/events/{}/", "a".repeat(32))
    );
}

#[test]
fn issues_rows_come_from_the_top_level_list() {
    let server = TestServer::scripted(vec![Reply::json(
        200,
        json!([{"id": "1", "shortId": "WEB-1", "count": "10"}, {"id": "2", "shortId": "WEB-2", "count": "3"}]),
    )
    .header("Link", r#"<http://x/?cursor=1:0:0>; rel="next"; results="true"; cursor="1:0:0""#)]);
    let issues = request(
        Endpoint::Issues,
        "/api/0/organizations/{org}/issues/",
        &[("query", ""), ("limit", "100")],
        Some(1),
    );
    let execution = client(&server, &no_waits()).execute(&issues).unwrap();
    assert_eq!(execution.result.data.len(), 1);
    assert_eq!(execution.result.data[0]["shortId"], json!("WEB-1"));
    assert!(execution.has_more);
    assert_eq!(server.requests()[0].param("limit").as_deref(), Some("1"));
}

// ---- configuration ----

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn config_prefers_flags_then_env_then_local_rc_then_home_rc() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let nested = work.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\ntoken = home-token\n\n[defaults]\nurl = https://home.example\norg = home-org\nproject = home-proj\n",
    )
    .unwrap();
    std::fs::write(
        work.path().join(".sentryclirc"),
        "; local settings\n[defaults]\norg = \"local-org\"\n",
    )
    .unwrap();
    let mut inputs = ConfigInputs {
        flags: Flags::default(),
        env: env(&[("SENTRY_PROJECT", "env-proj"), ("PATH", "/bin")]),
        cwd: Some(nested.clone()),
        home: Some(home.path().to_owned()),
    };

    let config = Config::resolve(&inputs).unwrap();
    assert_eq!(config.url.value, "https://home.example");
    assert_eq!(
        config.org.as_ref().unwrap().origin,
        Origin::File {
            path: work.path().join(".sentryclirc"),
            line: 3
        }
    );
    assert_eq!(config.org().unwrap(), "local-org");
    assert_eq!(config.token().unwrap().expose(), "home-token");
    assert_eq!(config.project.as_ref().unwrap().value, "env-proj");
    assert_eq!(
        config.project.as_ref().unwrap().origin,
        Origin::Env("SENTRY_PROJECT")
    );

    inputs.env = env(&[
        ("SENTRY_ORG", "env-org"),
        ("SENTRY_AUTH_TOKEN", "env-token"),
    ]);
    inputs.flags.org = Some("flag-org".into());
    let config = Config::resolve(&inputs).unwrap();
    assert!(!format!("{inputs:?} {config:?}").contains("env-token"));
    assert_eq!(config.org().unwrap(), "flag-org");
    assert_eq!(config.org.as_ref().unwrap().origin, Origin::Flag("--org"));
    assert_eq!(config.token().unwrap().expose(), "env-token");
}

#[test]
fn config_defaults_and_missing_settings_say_how_to_set_them() {
    let empty = tempfile::tempdir().unwrap();
    let inputs = ConfigInputs {
        flags: Flags::default(),
        env: BTreeMap::new(),
        cwd: Some(empty.path().to_owned()),
        home: Some(empty.path().to_owned()),
    };
    let config = Config::resolve(&inputs).unwrap();
    assert_eq!(config.url.value, "https://sentry.io");
    assert_eq!(config.url.origin, Origin::Default);
    let error = config.token().unwrap_err();
    assert_eq!(
        miette::Diagnostic::code(&error).unwrap().to_string(),
        "dql::client::missing_token"
    );
    assert!(
        miette::Diagnostic::help(&error)
            .unwrap()
            .to_string()
            .contains("SENTRY_AUTH_TOKEN")
    );
    assert_eq!(error.exit_code(), 3);
    let error = config.org().unwrap_err();
    assert!(
        miette::Diagnostic::help(&error)
            .unwrap()
            .to_string()
            .contains("SENTRY_ORG")
    );
    assert!(matches!(
        Client::from_config(&config, Timeouts::default()),
        Err(ClientError::MissingToken)
    ));
}

#[test]
fn describe_masks_the_token_and_names_origins() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\ntoken=sntrys_secretsecretsecret_wxyz\n",
    )
    .unwrap();
    let inputs = ConfigInputs {
        flags: Flags {
            url: Some("https://sentry.example.com".into()),
            ..Flags::default()
        },
        env: env(&[("SENTRY_ORG", "acme")]),
        cwd: None,
        home: Some(home.path().to_owned()),
    };
    let rows = Config::resolve(&inputs).unwrap().describe();
    let table: Vec<(String, Option<String>, String)> = rows
        .into_iter()
        .map(|r| (r.setting.to_owned(), r.value, r.origin))
        .collect();
    let rc = home.path().join(".sentryclirc").display().to_string();
    assert_eq!(
        table,
        [
            (
                "url".into(),
                Some("https://sentry.example.com".into()),
                "flag --url".into()
            ),
            (
                "org".into(),
                Some("acme".into()),
                "environment variable SENTRY_ORG".into()
            ),
            ("token".into(), Some("***wxyz".into()), format!("{rc}:2")),
            (
                "project".into(),
                None,
                "not set (--project, SENTRY_PROJECT or [defaults] project)".into()
            ),
        ]
    );
}

#[test]
fn malformed_rc_is_an_error_with_its_line() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".sentryclirc"),
        "[auth]\njust some words\n",
    )
    .unwrap();
    let inputs = ConfigInputs {
        home: Some(home.path().to_owned()),
        ..ConfigInputs::default()
    };
    let error = Config::resolve(&inputs).unwrap_err();
    assert!(
        matches!(&error, ClientError::ConfigFile { message, .. } if message.starts_with("line 2:"))
    );
    assert_eq!(error.exit_code(), 3);
}

#[test]
fn every_error_has_a_client_code_and_help() {
    let errors = [
        ClientError::MissingToken,
        ClientError::MissingOrg,
        ClientError::InvalidOrg { org: "a/b".into() },
        ClientError::BadQuery {
            detail: "x".into(),
            clause: None,
        },
        ClientError::NotFound { what: "x".into() },
        ClientError::Network {
            url: "u".into(),
            tries: 1,
            message: "m".into(),
        },
    ];
    for error in errors {
        let code = miette::Diagnostic::code(&error).unwrap().to_string();
        assert!(code.starts_with("dql::client::"), "{code}");
        assert!(miette::Diagnostic::help(&error).is_some(), "{code}");
    }
    assert!(matches!(
        Client::with_transport(
            ReqwestTransport::new(Token::new("t"), Timeouts::default()).unwrap(),
            "https://sentry.io",
            Some("a/b".into())
        ),
        Err(ClientError::InvalidOrg { .. })
    ));
}
