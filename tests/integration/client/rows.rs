//! events-stats, single events and issues turned into rows.

use super::*;

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
