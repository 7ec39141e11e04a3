//! Part 4 of the local engine: the same queries through the local engine and through the HTTP
//! client talking to a 127.0.0.1 server that answers, in Sentry's response shapes (events,
//! events-stats, issues), with the local engine's own rows. Every format must print both alike.

use crate::support::server::{Reply, TestServer};
use dql::client::{Client, ReqwestTransport, Timeouts, Token};
use dql::engine::{EventFiles, LocalResult, RunOptions, run};
use dql::format::{Format, render};
use dql::lower::request::{Endpoint, Request};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use serde_json::{Map, Value, json};

const FIXTURE: &str = "tests/fixtures/events/eval.ndjson";
const NOW: &str = "2026-11-20T12:00:00Z";

/// The Sentry response that carries `local`'s rows for `request`.
fn sentry_body(request: &Request, local: &LocalResult) -> Value {
    let meta = json!({
        "fields": local.result.meta.fields,
        "units": local.result.meta.units,
    });
    match request.endpoint {
        Endpoint::Events => json!({"data": local.result.data, "meta": meta}),
        Endpoint::Issues => Value::Array(
            local
                .result
                .data
                .iter()
                .cloned()
                .map(Value::Object)
                .collect(),
        ),
        Endpoint::EventsStats => stats_body(request, local),
        Endpoint::EventsTimeseries => timeseries_body(request, local),
        other => panic!("no body for {other:?}"),
    }
}

/// The events-timeseries shape (getsentry/sentry `src/sentry/api/endpoints/timeseries.py`)
/// built from the series table: one `TimeSeries` per column, `groupBy` and `meta.order` for a
/// top-n group, `meta.isOther` for "Other", timestamps in milliseconds.
fn timeseries_body(request: &Request, local: &LocalResult) -> Value {
    let y_axes: Vec<String> = request
        .params
        .iter()
        .filter(|(k, _)| k == "yAxis")
        .map(|(_, v)| v.clone())
        .collect();
    let group_keys: Vec<&str> = request
        .params
        .iter()
        .filter(|(k, _)| k == "groupBy")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut ranks: Vec<String> = Vec::new();
    let mut list = Vec::new();
    for column in local.columns.iter().skip(1) {
        let name = column.field.as_str();
        let (group, y) = if group_keys.is_empty() {
            (None, name.to_owned())
        } else {
            let y = y_axes
                .iter()
                .find(|y| name.ends_with(&format!(": {y}")))
                .unwrap();
            (
                Some(name.strip_suffix(&format!(": {y}")).unwrap().to_owned()),
                y.clone(),
            )
        };
        let values: Vec<Value> = local
            .result
            .data
            .iter()
            .map(|row| {
                let time: jiff::Timestamp = row["time"].as_str().unwrap().parse().unwrap();
                json!({"timestamp": time.as_millisecond() as f64, "value": row[name],
                       "incomplete": false})
            })
            .collect();
        let mut meta = json!({
            "valueType": local.result.meta.fields[name],
            "valueUnit": local.result.meta.units[name],
            "interval": 3_600_000,
        });
        let mut series = json!({"yAxis": y});
        if let Some(group) = group {
            if !ranks.contains(&group) {
                ranks.push(group.clone());
            }
            meta["order"] = json!(ranks.iter().position(|g| *g == group).unwrap());
            meta["isOther"] = json!(group == "Other");
            if group != "Other" {
                let by: Vec<Value> = group_keys
                    .iter()
                    .zip(group.split(','))
                    .map(|(k, v)| json!({"key": k, "value": v}))
                    .collect();
                series["groupBy"] = Value::Array(by);
            }
        }
        series["meta"] = meta;
        series["values"] = Value::Array(values);
        list.push(series);
    }
    // Sentry's list order of groups is not promised (dql goes by `meta.order`): the last
    // group first, each group's series in yAxis order as Sentry's serializer writes them.
    list.sort_by_key(|series| std::cmp::Reverse(series["meta"]["order"].as_u64()));
    json!({"meta": {"dataset": "spans", "start": 0.0, "end": 0.0}, "timeSeries": list})
}

/// events-stats shapes (sentry-api.md §13.1) built from the series table.
fn stats_body(request: &Request, local: &LocalResult) -> Value {
    let y_axes: Vec<String> = request
        .params
        .iter()
        .filter(|(k, _)| k == "yAxis")
        .map(|(_, v)| v.clone())
        .collect();
    let top = request.params.iter().any(|(k, _)| k == "topEvents");
    let series = |column: &str, y: &str, order: Option<usize>| {
        let data: Vec<Value> = local
            .result
            .data
            .iter()
            .map(|row| {
                let time: jiff::Timestamp = row["time"].as_str().unwrap().parse().unwrap();
                json!([time.as_second(), [{"count": row[column]}]])
            })
            .collect();
        let mut object = Map::new();
        object.insert("data".into(), Value::Array(data));
        object.insert(
            "meta".into(),
            json!({
                "fields": {y: local.result.meta.fields[column]},
                "units": {y: local.result.meta.units[column]},
            }),
        );
        if let Some(order) = order {
            object.insert("order".into(), json!(order));
        }
        Value::Object(object)
    };
    let names: Vec<&str> = local
        .columns
        .iter()
        .skip(1)
        .map(|c| c.field.as_str())
        .collect();
    let grouped = top && names.iter().any(|n| n.contains(": "));
    if !grouped {
        if let [y] = y_axes.as_slice() {
            return series(y, y, None);
        }
        let mut object = Map::new();
        for (i, y) in y_axes.iter().enumerate() {
            object.insert(y.clone(), series(y, y, Some(i)));
        }
        return Value::Object(object);
    }
    let mut groups: Vec<&str> = Vec::new();
    for name in &names {
        let group = y_axes
            .iter()
            .find_map(|y| name.strip_suffix(&format!(": {y}")))
            .unwrap();
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut object = Map::new();
    for (rank, group) in groups.iter().enumerate() {
        let value = if let [y] = y_axes.as_slice() {
            series(&format!("{group}: {y}"), y, Some(rank))
        } else {
            let mut inner = Map::new();
            for (i, y) in y_axes.iter().enumerate() {
                inner.insert(y.clone(), series(&format!("{group}: {y}"), y, Some(i)));
            }
            inner.insert("order".into(), json!(rank));
            Value::Object(inner)
        };
        object.insert((*group).to_owned(), value);
    }
    Value::Object(object)
}

fn compare(query: &str) {
    compare_on(query, FIXTURE);
}

/// [`compare`] over another events file (the trace-item fixtures).
fn compare_on(query: &str, fixture: &str) {
    let source = dql::Source::new("q.dql", query);
    let parsed = dql::syntax::parse(&source);
    let checked = check(
        &parsed.file,
        Catalog::builtin(),
        &Params::default(),
        &CheckOptions::default(),
    );
    assert!(
        !checked.diagnostics.iter().any(|d| d.is_error()),
        "{query}: {:?}",
        checked.diagnostics
    );
    let stmt = &checked.statements[0];
    let now: jiff::Timestamp = NOW.parse().unwrap();
    let files = EventFiles::open(fixture).unwrap();
    let options = RunOptions {
        now: Some(now),
        ..RunOptions::default()
    };
    let local = run(stmt, &files, &options).unwrap();
    assert!(!local.result.data.is_empty(), "{query}: no rows to compare");
    let request = dql::lower::lower(
        stmt,
        &dql::lower::Options {
            org: Some("acme".into()),
            ..dql::lower::Options::new(now)
        },
    )
    .unwrap();

    let body = sentry_body(&request, &local).to_string();
    let server = TestServer::start(move |_, _| Reply::raw(200, &body));
    let transport = ReqwestTransport::new(Token::new("t"), Timeouts::default()).unwrap();
    let client = Client::with_transport(transport, &server.base_url, Some("acme".into())).unwrap();
    let execution = client.execute(&request).unwrap();

    let http_columns = dql::execute::plan(&request, &execution.columns, false);
    assert_eq!(http_columns, local.columns, "{query}: output plans differ");
    assert_eq!(
        execution.result.data, local.result.data,
        "{query}: rows differ"
    );
    for format in Format::ALL {
        let remote = render(format, &http_columns, &execution.result).unwrap();
        let here = render(format, &local.columns, &local.result).unwrap();
        assert_eq!(remote, here, "{query} as {format}");
    }
}

#[test]
fn raw_events_print_alike() {
    compare(
        "SELECT id, transaction, transaction.duration, timestamp FROM transactions ORDER BY transaction.duration DESC LIMIT 5",
    );
    compare("SELECT *, error.type FROM errors");
}

#[test]
fn aggregates_print_alike() {
    compare(
        "SELECT release, count() AS n, p95() AS slow, failure_rate(), apdex(300), last_seen() \
         FROM transactions GROUP BY release ORDER BY n DESC",
    );
    compare(
        "SELECT transaction, count_if(transaction.duration, greater, 300) / count() * 100 AS pct \
         FROM transactions GROUP BY transaction HAVING count() > 1",
    );
    compare("SELECT browser.name, count_unique(user), epm() FROM discover SINCE 24h");
}

#[test]
fn spans_and_logs_print_alike() {
    const SPANS: &str = "tests/fixtures/trace_items/spans.ndjson";
    const LOGS: &str = "tests/fixtures/trace_items/logs.ndjson";
    compare_on(
        "SELECT id, span.op, span.duration, is_transaction, timestamp FROM spans ORDER BY -span.duration LIMIT 4",
        SPANS,
    );
    compare_on(
        "SELECT span.op, count(), p95(span.duration), sum(span.self_time) FROM spans \
         WHERE is_transaction:false GROUP BY span.op ORDER BY count() DESC",
        SPANS,
    );
    compare_on("SELECT count() FROM spans SINCE 3h INTERVAL 1h", SPANS);
    compare_on(
        "SELECT span.op, count(), p95(span.duration) FROM spans GROUP BY span.op \
         SINCE 3h INTERVAL 1h LIMIT 2",
        SPANS,
    );
    compare_on(
        "SELECT severity, count(), avg(payload_size) FROM logs GROUP BY severity",
        LOGS,
    );
}

#[test]
fn series_print_alike() {
    compare("SELECT count() FROM transactions SINCE 3h INTERVAL 1h");
    compare("SELECT count() AS n, p50() FROM transactions SINCE 3h INTERVAL 30m");
    compare(
        "SELECT release, count() FROM transactions GROUP BY release SINCE 3h INTERVAL 1h LIMIT 1",
    );
    compare(
        "SELECT release, count(), avg(transaction.duration) FROM transactions GROUP BY release \
         SINCE 6h INTERVAL 1h LIMIT 5",
    );
}

#[test]
fn issues_print_alike() {
    compare("SELECT id, title, count, userCount, firstSeen, lastSeen, project FROM issues");
}
