//! `dql export` against a Sentry on 127.0.0.1 that announces and enforces 30 requests a
//! second per endpoint (a fixed one-second window, 25 at once, `X-Sentry-Rate-Limit-*` on
//! every answer, 429 past them) and answers each request after a latency: time and requests
//! for exporting EVENTS events (default 50,000) three ways:
//!
//! - `listing`: the project events listing with full payloads, 100 events a request (what
//!   `dql export` does where it serves the query);
//! - `per-event x8`: ids listed, then each payload by id, 8 at once within the limits
//!   (`--per-event`, what it does otherwise);
//! - `per-event x1`: the same one request at a time, as `dql export` did before (one request
//!   per event, sequential).
//!
//! The per-event ways are rate-bound and take EVENTS / 30 seconds at best (28 min for
//! 50,000), so they run on PER_EVENT events (default 1,500) and the time for EVENTS is
//! extrapolated from their rate (printed as such). Not a timed test: run it by hand,
//! `cargo bench --bench export [-- EVENTS PER_EVENT LATENCY_MS]`, and copy the figures to
//! benches/README.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark program"
)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const PER_SECOND: u64 = 30;
const CONCURRENT: u64 = 25;

struct Counts {
    requests: AtomicU64,
    too_many: AtomicU64,
    windows: Mutex<HashMap<(&'static str, u64), u64>>,
    in_flight: Mutex<HashMap<&'static str, u64>>,
}

fn epoch() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn id(n: usize) -> String {
    format!("{n:032x}")
}

fn payload(n: usize) -> Value {
    let at = jiff::Timestamp::from_second(1_764_147_600 - (n as i64 % 80_000)).unwrap();
    json!({
        "id": id(n), "eventID": id(n), "projectID": "1", "groupID": "7", "type": "error",
        "title": format!("TypeError: x is undefined ({n})"), "message": "", "platform": "javascript",
        "dateCreated": at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "tags": [{"key": "level", "value": "error"}, {"key": "environment", "value": "production"},
                 {"key": "release", "value": format!("web@1.{}.0", n % 7)}],
        "entries": [{"type": "exception", "data": {"values": [{"type": "TypeError",
            "value": "x is undefined", "stacktrace": {"frames": [
                {"filename": "app.js", "function": "render", "lineNo": n % 500, "colNo": 7}]}}]}}],
        "contexts": {"browser": {"name": "Chrome", "version": "131"}},
        "user": {"id": format!("u{}", n % 1000)}, "sdk": {"name": "sentry.javascript.browser"}
    })
}

fn link(offset: usize, per_page: usize, total: usize) -> String {
    let next = format!("0:{}:0", offset + per_page);
    let more = offset + per_page < total;
    format!(
        r#"<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://x/?cursor={next}>; rel="next"; results="{more}"; cursor="{next}""#
    )
}

fn serve(total: usize, latency: Duration) -> (String, Arc<Counts>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let counts = Arc::new(Counts {
        requests: AtomicU64::new(0),
        too_many: AtomicU64::new(0),
        windows: Mutex::new(HashMap::new()),
        in_flight: Mutex::new(HashMap::new()),
    });
    {
        let server = Arc::clone(&server);
        let counts = Arc::clone(&counts);
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                let counts = Arc::clone(&counts);
                std::thread::spawn(move || answer(request, &counts, total, latency));
            }
        });
    }
    (format!("http://127.0.0.1:{port}"), counts, server)
}

fn answer(request: tiny_http::Request, counts: &Counts, total: usize, latency: Duration) {
    counts.requests.fetch_add(1, Ordering::SeqCst);
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap().to_owned();
    let query: HashMap<String, String> = reqwest::Url::parse(&format!("http://x{url}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let endpoint: &'static str = if path.ends_with("/organizations/acme/events/") {
        "events"
    } else if path == "/api/0/projects/acme/web/events/" {
        "project-events"
    } else {
        "event"
    };
    let second = epoch().floor() as u64;
    let count = {
        let mut windows = counts.windows.lock().unwrap();
        let c = windows.entry((endpoint, second)).or_default();
        *c += 1;
        *c
    };
    let at_once = {
        let mut in_flight = counts.in_flight.lock().unwrap();
        let c = in_flight.entry(endpoint).or_default();
        *c += 1;
        *c
    };
    let offset: usize = query
        .get("cursor")
        .map_or(0, |c| c.split(':').nth(1).unwrap().parse().unwrap());
    let per_page: usize = query.get("per_page").map_or(100, |p| p.parse().unwrap());
    let (status, body, link_header) = if count > PER_SECOND || at_once > CONCURRENT {
        counts.too_many.fetch_add(1, Ordering::SeqCst);
        (
            429,
            json!("You are attempting to use this endpoint too frequently").to_string(),
            None,
        )
    } else {
        std::thread::sleep(latency);
        match endpoint {
            "events" if query.get("field").map(String::as_str) == Some("count()") => (
                200,
                json!({"data": [{"count()": total}], "meta": {"fields": {"count()": "integer"}}})
                    .to_string(),
                None,
            ),
            "events" => {
                let data: Vec<Value> = (offset..(offset + per_page).min(total))
                    .map(|n| json!({"id": id(n), "project": "web", "timestamp": payload(n)["dateCreated"]}))
                    .collect();
                (
                    200,
                    json!({"data": data, "meta": {}}).to_string(),
                    Some(link(offset, per_page, total)),
                )
            }
            "project-events" => {
                let data: Vec<Value> = (offset..(offset + per_page).min(total))
                    .map(payload)
                    .collect();
                (
                    200,
                    Value::Array(data).to_string(),
                    Some(link(offset, per_page, total)),
                )
            }
            _ => {
                let n = path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .and_then(|hex| usize::from_str_radix(hex, 16).ok())
                    .unwrap();
                (200, payload(n).to_string(), None)
            }
        }
    };
    let reset = second + 1;
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
    let mut headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("X-Sentry-Rate-Limit-Limit", PER_SECOND.to_string()),
        (
            "X-Sentry-Rate-Limit-Remaining",
            PER_SECOND.saturating_sub(count).to_string(),
        ),
        ("X-Sentry-Rate-Limit-Reset", reset.to_string()),
        (
            "X-Sentry-Rate-Limit-ConcurrentLimit",
            CONCURRENT.to_string(),
        ),
        (
            "X-Sentry-Rate-Limit-ConcurrentRemaining",
            CONCURRENT.saturating_sub(at_once).to_string(),
        ),
    ];
    if let Some(link) = link_header {
        headers.push(("Link", link));
    }
    for (name, value) in headers {
        response
            .add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
    }
    *counts.in_flight.lock().unwrap().get_mut(endpoint).unwrap() -= 1;
    let _ = request.respond(response);
}

fn export(events: usize, latency: Duration, extra: &[&str]) -> (Duration, u64, u64, usize) {
    let (base_url, counts, server) = serve(events, latency);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args([
            "export",
            "--query",
            "",
            "--project",
            "web",
            "--since",
            "24h",
        ])
        .args([
            "--now",
            "2025-11-26T10:00:00Z",
            "--limit",
            &events.to_string(),
        ])
        .args(extra)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("SENTRY_URL", &base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", "sntryu_bench_token_0123456789abcdef")
        .env_remove("SENTRY_PROJECT")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    server.unblock();
    (
        elapsed,
        counts.requests.load(Ordering::SeqCst),
        counts.too_many.load(Ordering::SeqCst),
        lines,
    )
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let events = number(0, 50_000);
    let per_event = number(1, 1_500).min(events);
    let latency = Duration::from_millis(number(2, 50) as u64);
    println!(
        "exporting {events} events, {PER_SECOND} requests/s and {CONCURRENT} at once per endpoint, {} ms a request",
        latency.as_millis()
    );
    println!("| way | events run | seconds | requests | 429s | events/s | seconds for {events} |");
    println!("|---|---|---|---|---|---|---|");
    for (name, n, extra) in [
        ("listing", events, vec![]),
        (
            "per-event x8",
            per_event,
            vec!["--per-event", "--concurrency", "8"],
        ),
        (
            "per-event x1",
            per_event,
            vec!["--per-event", "--concurrency", "1"],
        ),
    ] {
        let (elapsed, requests, too_many, lines) = export(n, latency, &extra);
        assert_eq!(lines, n, "{name}: every event exported once");
        let rate = n as f64 / elapsed.as_secs_f64();
        let whole = if n == events {
            format!("{:.1}", elapsed.as_secs_f64())
        } else {
            format!("{:.0} (extrapolated)", events as f64 / rate)
        };
        println!(
            "| {name} | {n} | {:.1} | {requests} | {too_many} | {rate:.0} | {whole} |",
            elapsed.as_secs_f64()
        );
    }
}
