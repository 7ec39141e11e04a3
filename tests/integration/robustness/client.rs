//! The client against hostile servers: pagination honesty, rate limits, redirects, tokens, body caps.

use super::*;

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
