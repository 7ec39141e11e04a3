//! The HTTP client against scripted servers on 127.0.0.1: requests as sent, pagination,
//! retries, error mapping, events-stats rows, and configuration resolution.

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

mod codes;
mod config;
mod errors;
mod gaps;
mod requests;
mod retries;
mod rows;
mod updates;

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

const RATE_LIMITED: &str =
    "You are attempting to use this endpoint too frequently. Limit is 30 requests in 1 seconds";
