//! Requests as sent and pagination by cursor.

use super::*;

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
