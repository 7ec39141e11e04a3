//! Gaps a demanding user hits: a listing whose cursor repeats, a `Retry-After` given as an
//! HTTP-date, a redirect loop.

use super::*;

fn link(cursor: &str) -> String {
    format!(r#"<http://x/?cursor={cursor}>; rel="next"; results="true"; cursor="{cursor}""#)
}

#[test]
fn a_listing_whose_cursor_repeats_fails_loudly() {
    let server = TestServer::scripted(vec![
        Reply::json(200, json!([{"key": "a"}])).header("Link", &link("0:100:0")),
        Reply::json(200, json!([{"key": "b"}])).header("Link", &link("0:100:0")),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .get_json_pages("/api/0/organizations/acme/trace-items/attributes/", &[], 10)
        .unwrap_err();
    match &error {
        ClientError::IncompletePages { pages, reason } => {
            assert_eq!(*pages, 2);
            assert!(reason.contains("same cursor `0:100:0`"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.code().as_str(), "dql::client::incomplete");
    assert_eq!(error.exit_code(), 5);
}

#[test]
fn a_listing_whose_cursors_cycle_fails_loudly() {
    let server = TestServer::scripted(vec![
        Reply::json(200, json!([1])).header("Link", &link("a")),
        Reply::json(200, json!([2])).header("Link", &link("b")),
        Reply::json(200, json!([3])).header("Link", &link("a")),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .get_json_pages("/api/0/organizations/acme/trace-items/attributes/", &[], 10)
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::IncompletePages { pages: 3, reason } if reason.contains("cycle")),
        "{error:?}"
    );
}

#[test]
fn a_listing_that_ends_is_whole() {
    let server = TestServer::scripted(vec![
        Reply::json(200, json!([1])).header("Link", &link("a")),
        Reply::json(200, json!([2])).header(
            "Link",
            r#"<http://x/?cursor=b>; rel="next"; results="false"; cursor="b""#,
        ),
    ]);
    let waits = no_waits();
    let bodies = client(&server, &waits)
        .get_json_pages("/api/0/organizations/acme/trace-items/attributes/", &[], 10)
        .unwrap();
    assert_eq!(bodies, [json!([1]), json!([2])]);
}

#[test]
fn a_listing_longer_than_the_page_cap_fails_loudly() {
    // Three pages, each saying more follow, read with a cap of two: never a quiet cut.
    let server = TestServer::scripted(vec![
        Reply::json(200, json!([1])).header("Link", &link("a")),
        Reply::json(200, json!([2])).header("Link", &link("b")),
        Reply::json(200, json!([3])).header("Link", &link("c")),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .get_json_pages("/api/0/organizations/acme/trace-items/attributes/", &[], 2)
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::IncompletePages { pages: 2, reason } if reason.contains("more pages than the 2")),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 2);
    // The same listing read whole within the cap.
    let server = TestServer::scripted(vec![
        Reply::json(200, json!([1])).header("Link", &link("a")),
        Reply::json(200, json!([2])),
    ]);
    let bodies = client(&server, &waits)
        .get_json_pages("/api/0/organizations/acme/trace-items/attributes/", &[], 2)
        .unwrap();
    assert_eq!(bodies, [json!([1]), json!([2])]);
}

/// 2023-11-14T22:13:20Z, five seconds before the dates below.
fn clock() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

#[test]
fn retry_after_as_an_http_date_is_waited_for_in_every_form() {
    // RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
    for date in [
        "Tue, 14 Nov 2023 22:13:25 GMT",
        "Tuesday, 14-Nov-23 22:13:25 GMT",
        "Tue Nov 14 22:13:25 2023",
    ] {
        let server = TestServer::scripted(vec![
            Reply::json(429, json!(RATE_LIMITED)).header("Retry-After", date),
            Reply::json(200, recorded_events()),
        ]);
        let waits = no_waits();
        client(&server, &waits)
            .clock(clock)
            .execute(&events(&RECORDED_FIELDS, None))
            .unwrap();
        assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(5)], "{date}");
    }
}

#[test]
fn retry_after_as_an_http_date_beyond_the_budget_is_not_waited_for() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!(RATE_LIMITED)).header("Retry-After", "Tue Nov 14 23:13:20 2023"),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .clock(clock)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();
    match &error {
        ClientError::RateLimited {
            tries: 1, asked, ..
        } => {
            assert_eq!(*asked, Some(Duration::from_secs(3600)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(waits.lock().unwrap().is_empty());
}

#[test]
fn a_redirect_loop_is_named_with_its_url_and_hops() {
    let server = TestServer::scripted(vec![
        Reply::raw(302, "").header("Location", "/api/0/organizations/acme/events/?round=again"),
    ]);
    let waits = no_waits();
    let error = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();
    match &error {
        ClientError::RedirectLoop { url, hops, looped } => {
            assert!(url.starts_with(&server.base_url), "{url}");
            assert!(url.contains("/organizations/acme/events/"), "{url}");
            assert_eq!((*hops, *looped), (2, true));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.code().as_str(), "dql::client::redirect_loop");
    assert_eq!(error.exit_code(), 3);
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert!(help.contains("--url"), "{help}");
    // A loop does not go away: it is not retried.
    assert_eq!(server.requests().len(), 2);
    assert!(waits.lock().unwrap().is_empty());
}

#[test]
fn a_redirect_chain_too_long_is_named_too() {
    let replies = (0..12)
        .map(|i| {
            Reply::raw(302, "").header(
                "Location",
                &format!("/api/0/organizations/acme/events/?hop={i}"),
            )
        })
        .collect();
    let server = TestServer::scripted(replies);
    let waits = no_waits();
    let error = client(&server, &waits)
        .execute(&events(&RECORDED_FIELDS, None))
        .unwrap_err();
    assert!(
        matches!(
            &error,
            ClientError::RedirectLoop {
                hops: 11,
                looped: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("redirected 11 times"), "{error}");
}
