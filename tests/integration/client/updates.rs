//! PUT: the JSON body, the ids, and a 204.

use super::*;

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
