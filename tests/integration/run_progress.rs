//! The HTTP client's paging progress hook, which draws `dql run`'s progress bar: every page of
//! a request is reported once, in order, with its rows so far, and the total where it is
//! known (the LIMIT, or LIMIT ALL's rows scaled to the share of the time range covered), also
//! across windows of time past the offset cap; and `dql run` shows it as plain lines on a pipe
//! only with `--progress`. Against a capped events endpoint on 127.0.0.1 (`support/capped.rs`).

use crate::limit_all::capped::{CappedServer, Event};
use dql::client::{Client, Paging, ReqwestTransport, Timeouts, Token};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CAP: u64 = 1_000;
const TOKEN: &str = "sntryu_0123456789abcdef0123456789abcdef";
/// 2026-11-20T00:00:00Z in milliseconds.
const BASE: i64 = 1_795_132_800_000;
const RANGE: &str = "SINCE 2026-11-20T00:00:00Z UNTIL 2026-11-20T01:00:00Z";

/// 2,500 events, one every 1.44 s, evenly over the hour of [`RANGE`].
fn events() -> Vec<Event> {
    (0..2_500i64)
        .map(|i| Event {
            millis: BASE + i * 1_440,
            id: format!("{i:032x}"),
            release: format!("r{}", i % 3),
            transaction: format!("/t/{}", i % 7),
            user: format!("u{}", i % 5),
        })
        .collect()
}

fn client(server: &CappedServer, seen: &Arc<Mutex<Vec<Paging>>>) -> Client {
    let transport = ReqwestTransport::new(
        Token::new(TOKEN),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(20),
        },
    )
    .unwrap();
    let seen = Arc::clone(seen);
    Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .offset_cap(CAP)
        .on_progress(move |paging| seen.lock().unwrap().push(*paging))
}

fn compile(query: &str) -> dql::lower::Request {
    let now = "2026-12-01T00:00:00Z".parse().unwrap();
    dql::compile(query, &dql::Options::new(now).org("acme"))
        .unwrap()
        .remove(0)
}

#[test]
fn every_page_of_limit_all_is_reported_once_across_windows_with_an_estimated_total() {
    let server = CappedServer::start(events(), CAP, None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &seen);
    let request = compile(&format!("SELECT id FROM errors LIMIT ALL {RANGE}"));
    let mut pages = 0u64;
    let mut rows = 0u64;
    for page in client.stitched(&request) {
        let page = page.unwrap();
        pages += 1;
        rows += page.rows.len() as u64;
        // Reported before the page is handed on: the hook has seen this page.
        let last = *seen.lock().unwrap().last().unwrap();
        assert_eq!((last.pages, last.rows), (pages, rows));
    }
    assert_eq!(rows, 2_500);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len() as u64, pages, "one report a page");
    assert!(
        seen.windows(2)
            .all(|w| w[0].rows < w[1].rows && w[0].pages + 1 == w[1].pages),
        "{seen:?}"
    );
    let last = seen.last().unwrap();
    assert!(
        last.windows >= 3,
        "2,500 rows under a cap of 1,000: {last:?}"
    );
    assert_eq!(last.limit, None);
    // Evenly spread rows: the estimate is close to the truth from the first page on.
    for paging in seen.iter() {
        let expected = paging.expected().unwrap();
        assert!((2_300..=2_700).contains(&expected), "{paging:?}");
    }
    assert!(last.covered.unwrap() > 0.99, "{last:?}");
}

#[test]
fn a_limit_is_the_total_and_one_page_without_limit_has_none() {
    let server = CappedServer::start(events(), CAP, None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &seen);
    let execution = client
        .execute(&compile(&format!(
            "SELECT id FROM errors LIMIT 250 {RANGE}"
        )))
        .unwrap();
    assert_eq!(execution.result.data.len(), 250);
    {
        let seen = seen.lock().unwrap();
        let rows: Vec<u64> = seen.iter().map(|p| p.rows).collect();
        assert_eq!(rows, [100, 200, 250]);
        assert!(seen.iter().all(|p| p.expected().is_some_and(|n| n <= 250)));
    }
    seen.lock().unwrap().clear();
    client
        .execute(&compile(&format!(
            "SELECT count(), release FROM errors {RANGE}"
        )))
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (seen[0].rows, seen[0].pages, seen[0].expected()),
        (3, 1, None)
    );
}

fn run(server: &CappedServer, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["run", "-", "--format", "csv", "--offset-cap", "1000"])
        .args(args)
        .env("HOME", std::env::temp_dir())
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .env_remove("SENTRY_PROJECT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "SELECT id FROM errors LIMIT ALL {RANGE}")?;
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stderr).contains(TOKEN));
    output
}

#[test]
fn dql_run_shows_progress_on_a_pipe_only_when_asked() {
    let server = CappedServer::start(events(), CAP, None);
    let quiet = run(&server, &[]);
    let err = String::from_utf8_lossy(&quiet.stderr);
    assert_eq!(quiet.status.code(), Some(0), "{err}");
    assert!(!err.contains("progress"), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&quiet.stdout).lines().count(),
        2_501
    );

    let shown = run(&server, &["--progress"]);
    let err = String::from_utf8_lossy(&shown.stderr);
    assert_eq!(shown.status.code(), Some(0), "{err}");
    assert_eq!(
        shown.stdout, quiet.stdout,
        "progress changes nothing on stdout"
    );
    // The last line is the final count: every row, every page, towards the estimated total.
    let last = err
        .lines()
        .rfind(|l| l.starts_with("progress: "))
        .unwrap_or_else(|| panic!("no progress line: {err}"));
    // The estimate became the count once every row had come.
    assert!(last.starts_with("progress: 2500/2500 rows"), "{last}");
    assert!(last.contains(" rows, 2"), "{last}");
    assert!(last.contains(" pages"), "{last}");
}
