//! `LIMIT ALL` at the rate limit: 250,000 raw events from a 127.0.0.1 events endpoint that
//! refuses to page past 10,000 rows of one query and announces (and enforces) 30 requests a
//! second with `X-Sentry-Rate-Limit-*` headers (`tests/integration/support/capped.rs`). Prints the time,
//! the requests sent and the 429s, after (windows of time) and before (one query paged by
//! offset, which Sentry stops at the cap). Not a timed test: run it with
//! `cargo bench --bench limit_all`; the figures go in benches/README.md.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "a benchmark's driver"
)]

#[path = "../tests/integration/support/capped.rs"]
mod capped;

use capped::{CappedServer, Event};
use dql::client::{Client, ReqwestTransport, Timeouts, Token};
use std::time::{Duration, Instant};

const ROWS: u32 = 250_000;
/// 2026-11-20T00:00:00Z in milliseconds.
const BASE: i64 = 1_795_132_800_000;

fn events() -> Vec<Event> {
    // Ten a second, about seven hours.
    (0..ROWS)
        .map(|i| Event {
            millis: BASE + i64::from(i) * 100,
            id: format!("{i:032x}"),
            release: format!("r{}", i % 3),
            transaction: format!("/t/{}", i % 100),
            user: format!("u{}", i % 50),
        })
        .collect()
}

fn client(server: &CappedServer) -> Client {
    let transport = ReqwestTransport::new(
        Token::new("sntryu_0123456789abcdef0123456789abcdef"),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(30),
        },
    )
    .unwrap();
    Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .retry_policy(dql::client::RetryPolicy {
            max_tries: 20,
            max_wait: Duration::from_secs(600),
            first_delay: Duration::from_millis(200),
        })
}

fn main() {
    let now = "2026-12-01T00:00:00Z".parse().unwrap();
    let query = "SELECT id, release FROM errors LIMIT ALL SINCE 2026-11-19 UNTIL 2026-11-30";
    let request = dql::compile(query, &dql::Options::new(now).org("acme"))
        .unwrap()
        .remove(0);

    // After: windows of time under the cap.
    let server = CappedServer::start(events(), 10_000, Some(30));
    let started = Instant::now();
    let execution = client(&server).execute(&request).unwrap();
    let elapsed = started.elapsed();
    let stats = server.stats();
    assert_eq!(execution.result.data.len(), ROWS as usize);
    println!(
        "after: {} rows in {:.1} s, {} requests ({} answered 429), {} past the cap, deepest offset+per_page {}",
        execution.result.data.len(),
        elapsed.as_secs_f64(),
        stats.requests,
        stats.limited,
        stats.past_cap,
        stats.deepest
    );
    drop(server);

    // Before: the same rows asked as one query (LIMIT 250000 without windows), as dql did.
    let mut one_query = request.clone();
    one_query.split = None;
    one_query.limit = Some(u64::from(ROWS));
    let server = CappedServer::start(events(), 10_000, Some(30));
    let started = Instant::now();
    let mut rows = 0usize;
    let mut failure = None;
    for page in client(&server).pages(&one_query) {
        match page {
            Ok(page) => rows += page.rows.len(),
            Err(e) => failure = Some(e.to_string()),
        }
    }
    let stats = server.stats();
    println!(
        "before: {rows} rows in {:.1} s, {} requests ({} answered 429), then: {}",
        started.elapsed().as_secs_f64(),
        stats.requests,
        stats.limited,
        failure.unwrap_or_else(|| "no error".to_owned())
    );
}
