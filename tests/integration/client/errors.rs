//! Sentry's refusals and transport failures mapped to coded errors.

use super::*;

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
