//! Never a silent partial answer (issue 12): the client, the CLI and the checker against
//! hostile servers on 127.0.0.1, hostile parameters and hostile files. Each test failed before
//! its fix.

use crate::support::binary::Run;
use crate::support::server::{Reply, TestServer};
use dql::answer::OutputColumn;
use dql::client::{
    Client, ClientError, ClientEvent, ReqwestTransport, RetryPolicy, Timeouts, Token,
};
use dql::diagnostic::Code;
use dql::lower::request::{Endpoint, Method, Request};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Runs `dql args…` in `dir` with only `env` (plus HOME), `stdin` piped in.
fn dql(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    crate::support::binary::dql(dir, args, env, stdin).hides(TOKEN)
}

mod binary;
mod client;
mod cut_short;
mod formats;
mod input;
mod input_once;
mod local_engine;
mod params;

const TOKEN: &str = "sntryu_r0bu57c0ffee5ecre7da7a0123456789";

fn events_request(limit: Option<u64>, per_page: &str) -> Request {
    Request {
        name: None,
        method: Method::Get,
        endpoint: Endpoint::Events,
        path: "/api/0/organizations/{org}/events/".into(),
        params: vec![
            ("field".into(), "title".into()),
            ("per_page".into(), per_page.into()),
        ],
        body: None,
        columns: vec![OutputColumn {
            field: "title".into(),
            label: "title".into(),
            ty: None,
        }],
        hidden: Vec::new(),
        limit,
        update: None,
        fallback: None,
        compare: None,
        split: None,
    }
}

fn client_for(base_url: &str) -> Client {
    let transport = ReqwestTransport::new(
        Token::new(TOKEN),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(5),
        },
    )
    .unwrap();
    Client::with_transport(transport, base_url, Some("acme".into()))
        .unwrap()
        .retry_policy(RetryPolicy {
            max_tries: 3,
            max_wait: Duration::from_secs(60),
            first_delay: Duration::from_millis(1),
        })
        .sleeper(|_| {})
}

fn rows(n: usize, from: usize) -> Value {
    let data: Vec<Value> = (from..from + n)
        .map(|i| json!({ "title": format!("t{i}") }))
        .collect();
    json!({"data": data, "meta": {"fields": {"title": "string"}, "units": {"title": null}}})
}

fn next(cursor: &str, results: bool) -> String {
    format!(r#"<http://x/?cursor={cursor}>; rel="next"; results="{results}"; cursor="{cursor}""#)
}

/// Runs an events request with LIMIT `limit` against scripted replies; the error it ends with.
fn paginate(replies: Vec<Reply>, limit: u64, per_page: &str) -> (Vec<usize>, ClientError) {
    let server = TestServer::scripted(replies);
    let client = client_for(&server.base_url);
    let request = events_request(Some(limit), per_page);
    let mut sizes = Vec::new();
    for page in client.pages(&request) {
        match page {
            Ok(page) => sizes.push(page.rows.len()),
            Err(e) => return (sizes, e),
        }
        assert!(sizes.len() < 20, "pagination did not stop");
    }
    panic!("pagination stopped silently after pages {sizes:?}");
}

// ---------------------------------------------------------------------------------------------
// The binary

fn env_for(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("SENTRY_URL", server.base_url.clone()),
        ("SENTRY_ORG", "acme".into()),
        ("SENTRY_AUTH_TOKEN", TOKEN.into()),
    ]
}

fn at(dir: &Path, server: &TestServer, args: &[&str]) -> Run {
    let env = env_for(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    dql(dir, args, &env, b"")
}

fn scratch(query: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), query).unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

/// Page 1 has two rows and says there are more; page 2 fails with a 500.
fn failing_on_page_two() -> TestServer {
    TestServer::start(|recorded, _| {
        if recorded.param("cursor").is_none() {
            Reply::json(200, rows(2, 0)).header("Link", &next("0:2:0", true))
        } else {
            Reply::json(500, json!({"detail": "boom"}))
        }
    })
}

fn recent_events(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"eventID\":\"{i:032x}\",\"title\":\"t{i}\",\"dateCreated\":\"2026-11-01T00:{i:02}:00Z\"}}\n"
            )
        })
        .collect()
}

fn compile(text: &str, params: &[(&str, &str)]) -> dql::Compilation {
    let mut options = dql::Options::new(jiff::Timestamp::UNIX_EPOCH);
    for (name, value) in params {
        options.params.bind(*name, *value);
    }
    dql::compile_source(&dql::Source::new("q.dql", text), &options)
}
