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
