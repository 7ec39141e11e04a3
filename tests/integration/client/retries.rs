//! Rate limits and server errors: what is retried, what is waited for.

use super::*;

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
