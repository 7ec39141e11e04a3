//! `dql export` against a Sentry on 127.0.0.1 that enforces rate limits the way Sentry does
//! (a fixed window per second and a concurrent limit per endpoint, announced in the
//! `X-Sentry-Rate-Limit-*` headers of every answer; getsentry/sentry
//! `src/sentry/middleware/ratelimit.py`) and counts the requests in flight: any request over a
//! limit, or sent while a 429's `Retry-After` holds, fails the test. And `--resume`: an export
//! interrupted (a server that fails, a killed process, a torn last line) and resumed gives
//! exactly the full set, once each.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const TOKEN: &str = "sntryu_export_resume_token_0123456789abcdef";

fn id(n: usize) -> String {
    format!("{n:032x}")
}

/// One endpoint's limits: requests per one-second window, and at once.
#[derive(Clone, Copy)]
struct Limits {
    per_second: u32,
    concurrent: u32,
}

/// What the server saw.
#[derive(Default)]
struct Seen {
    /// Per endpoint: requests in flight now, and the most at once.
    in_flight: HashMap<&'static str, (u32, u32)>,
    /// Per endpoint and window (epoch second): requests counted.
    windows: HashMap<(&'static str, u64), u32>,
    /// Requests over a limit, or inside a hold.
    violations: Vec<String>,
    /// Event-endpoint requests answered so far.
    event_requests: usize,
    /// A 429 `Retry-After` hold on the event endpoint: from when it was answered, until when.
    hold: Option<(Instant, Instant)>,
    /// Requests to the events endpoint (ids, counts).
    listings: usize,
    /// Requests to the project events listing.
    project_pages: usize,
}

/// How the scripted Sentry behaves.
#[derive(Clone)]
struct Script {
    /// The events, newest first (ids by number).
    events: Arc<Mutex<Vec<usize>>>,
    list: Limits,
    event: Limits,
    /// Answer the event request with this (1-based) number with a 429 and `Retry-After: 1`.
    too_many_at: Option<usize>,
    /// Answer event requests from this number on with 500 (the server breaks); 0: never.
    fail_from: Arc<AtomicUsize>,
    /// Time each event request takes.
    delay: Duration,
    /// Added to the count Sentry gives.
    count_extra: usize,
}

struct Sentry {
    base_url: String,
    seen: Arc<Mutex<Seen>>,
    script: Script,
    server: Arc<tiny_http::Server>,
}

impl Drop for Sentry {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn epoch() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// When event `n` happened: a second apart from 09:00 back, for the first thousand; 1000 and
/// up are newer than the range of the listing test (after 10:00), 2000 and up older (the day
/// before).
fn date(n: usize) -> String {
    let at: jiff::Timestamp = match n {
        0..1000 => {
            "2026-11-26T09:00:00Z".parse::<jiff::Timestamp>().unwrap()
                - jiff::SignedDuration::from_secs(n as i64)
        }
        1000..2000 => "2026-11-26T10:00:05Z".parse().unwrap(),
        _ => "2026-11-25T09:00:00Z".parse().unwrap(),
    };
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whether event `n` is in the listing test's range (the last 24 h before 10:00).
fn in_range(n: usize) -> bool {
    n < 1000
}

fn payload(n: usize) -> Value {
    json!({
        "id": id(n),
        "eventID": id(n),
        "projectID": "1",
        "type": "error",
        "title": format!("Error {n}"),
        "dateCreated": date(n),
        "tags": [{"key": "level", "value": "error"}],
        "entries": []
    })
}

impl Sentry {
    /// A server answering each request on its own thread.
    fn start(script: Script) -> Sentry {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        {
            let server = Arc::clone(&server);
            let seen = Arc::clone(&seen);
            let script = script.clone();
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    let seen = Arc::clone(&seen);
                    let script = script.clone();
                    std::thread::spawn(move || answer(request, &seen, &script));
                }
            });
        }
        Sentry {
            base_url: format!("http://127.0.0.1:{port}"),
            seen,
            script,
            server,
        }
    }

    fn violations(&self) -> Vec<String> {
        self.seen.lock().unwrap().violations.clone()
    }

    fn most_in_flight(&self, endpoint: &str) -> u32 {
        self.seen
            .lock()
            .unwrap()
            .in_flight
            .get(endpoint)
            .map_or(0, |(_, most)| *most)
    }
}

fn answer(request: tiny_http::Request, seen: &Mutex<Seen>, script: &Script) {
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap().to_owned();
    let query: HashMap<String, String> = reqwest::Url::parse(&format!("http://x{url}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (endpoint, limits) = if path == "/api/0/organizations/acme/events/" {
        ("list", script.list)
    } else if path == "/api/0/projects/acme/web/events/" {
        ("project", script.list)
    } else {
        ("event", script.event)
    };
    let now = Instant::now();
    let second = epoch().floor() as u64;
    // Count it in, as Sentry's middleware does before the endpoint runs.
    let (count, in_flight, number, held) = {
        let mut seen = seen.lock().unwrap();
        let count = {
            let c = seen.windows.entry((endpoint, second)).or_default();
            *c += 1;
            *c
        };
        let in_flight = {
            let slot = seen.in_flight.entry(endpoint).or_default();
            slot.0 += 1;
            slot.1 = slot.1.max(slot.0);
            slot.0
        };
        let number = if endpoint == "event" {
            seen.event_requests += 1;
            seen.event_requests
        } else if endpoint == "list" {
            seen.listings += 1;
            seen.listings
        } else {
            seen.project_pages += 1;
            seen.project_pages
        };
        // A request sent after the 429 was answered (50 ms for one already on its way) and
        // before its Retry-After passed.
        let held = endpoint == "event"
            && seen
                .hold
                .is_some_and(|(from, until)| now > from + Duration::from_millis(50) && now < until);
        if count > limits.per_second {
            seen.violations.push(format!(
                "{endpoint}: request {count} in the window of second {second} (limit {})",
                limits.per_second
            ));
        }
        if in_flight > limits.concurrent {
            seen.violations.push(format!(
                "{endpoint}: {in_flight} requests at once (limit {})",
                limits.concurrent
            ));
        }
        if held {
            seen.violations
                .push(format!("{endpoint}: request {number} inside a Retry-After"));
        }
        (count, in_flight, number, held)
    };
    let over = count > limits.per_second || in_flight > limits.concurrent || held;
    let mut status = 200;
    let body;
    let mut retry_after = None;
    if over {
        status = 429;
        body = json!("You are attempting to use this endpoint too frequently").to_string();
    } else if endpoint == "list" && query.get("field").map(String::as_str) == Some("count()") {
        let n = script
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|&&n| in_range(n))
            .count()
            + script.count_extra;
        body = json!({"data": [{"count()": n}], "meta": {"fields": {"count()": "integer"}}})
            .to_string();
    } else if endpoint == "project" {
        assert_eq!(query.get("full").map(String::as_str), Some("true"));
        let offset: usize = query
            .get("cursor")
            .map_or(0, |c| c.split(':').nth(1).unwrap().parse().unwrap());
        let events = script.events.lock().unwrap().clone();
        let page: Vec<Value> = events
            .iter()
            .skip(offset)
            .take(100)
            .map(|&n| payload(n))
            .collect();
        let more = offset + 100 < events.len();
        let next = format!("0:{}:0", offset + 100);
        body = Value::Array(page).to_string();
        let link = format!(
            r#"<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://x/?cursor={next}>; rel="next"; results="{more}"; cursor="{next}""#
        );
        return respond(
            request,
            seen,
            endpoint,
            status,
            &body,
            limits,
            count,
            in_flight,
            None,
            Some(link),
        );
    } else if endpoint == "list" {
        let per_page: usize = query["per_page"].parse().unwrap();
        let offset: usize = query
            .get("cursor")
            .map_or(0, |c| c.split(':').nth(1).unwrap().parse().unwrap());
        let events = script.events.lock().unwrap().clone();
        let page: Vec<Value> = events
            .iter()
            .skip(offset)
            .take(per_page)
            .map(|&n| json!({"id": id(n), "project": "web", "timestamp": "2026-11-26T09:00:00Z"}))
            .collect();
        let more = offset + per_page < events.len();
        let next = format!("0:{}:0", offset + per_page);
        body = json!({"data": page, "meta": {"fields": {"id": "string"}}}).to_string();
        let link = format!(
            r#"<http://x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://x/?cursor={next}>; rel="next"; results="{more}"; cursor="{next}""#
        );
        return respond(
            request,
            seen,
            endpoint,
            status,
            &body,
            limits,
            count,
            in_flight,
            None,
            Some(link),
        );
    } else if script.too_many_at == Some(number) {
        status = 429;
        retry_after = Some(1);
        body = json!("slow down").to_string();
        seen.lock().unwrap().hold = Some((now, now + Duration::from_secs(1)));
    } else if (1..=number).contains(&script.fail_from.load(Ordering::SeqCst)) {
        status = 500;
        body = json!({"detail": "Internal Error"}).to_string();
    } else {
        std::thread::sleep(script.delay);
        let n = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            .unwrap();
        body = payload(n).to_string();
    }
    respond(
        request,
        seen,
        endpoint,
        status,
        &body,
        limits,
        count,
        in_flight,
        retry_after,
        None,
    );
}

#[allow(clippy::too_many_arguments, reason = "a test helper")]
fn respond(
    request: tiny_http::Request,
    seen: &Mutex<Seen>,
    endpoint: &'static str,
    status: u16,
    body: &str,
    limits: Limits,
    count: u32,
    in_flight: u32,
    retry_after: Option<u64>,
    link: Option<String>,
) {
    let reset = epoch().floor() as u64 + 1;
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (
            "X-Sentry-Rate-Limit-Limit".to_owned(),
            limits.per_second.to_string(),
        ),
        (
            "X-Sentry-Rate-Limit-Remaining".to_owned(),
            limits.per_second.saturating_sub(count).to_string(),
        ),
        ("X-Sentry-Rate-Limit-Reset".to_owned(), reset.to_string()),
        (
            "X-Sentry-Rate-Limit-ConcurrentLimit".to_owned(),
            limits.concurrent.to_string(),
        ),
        (
            "X-Sentry-Rate-Limit-ConcurrentRemaining".to_owned(),
            limits.concurrent.saturating_sub(in_flight).to_string(),
        ),
    ];
    if let Some(seconds) = retry_after {
        headers.push(("Retry-After".to_owned(), seconds.to_string()));
    }
    if let Some(link) = link {
        headers.push(("Link".to_owned(), link));
    }
    for (name, value) in headers {
        response
            .add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
    }
    // Out of flight before the answer leaves, as Sentry's middleware finishes the request
    // before the response is sent.
    seen.lock().unwrap().in_flight.get_mut(endpoint).unwrap().0 -= 1;
    let _ = request.respond(response);
}

fn script(events: usize) -> Script {
    Script {
        events: Arc::new(Mutex::new((0..events).collect())),
        list: Limits {
            per_second: 5,
            concurrent: 1,
        },
        event: Limits {
            per_second: 40,
            concurrent: 3,
        },
        too_many_at: None,
        fail_from: Arc::new(AtomicUsize::new(0)),
        delay: Duration::ZERO,
        count_extra: 0,
    }
}

fn command(sentry: &Sentry, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .args([
            "export",
            "--query",
            "",
            "--project",
            "web",
            "--now",
            "2026-11-26T10:00:00Z",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("SENTRY_URL", &sentry.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .env_remove("SENTRY_PROJECT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(sentry: &Sentry, dir: &Path, args: &[&str]) -> Output {
    let output = command(sentry, dir, args).output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains(TOKEN), "the token was printed");
    output
}

/// The event numbers of an NDJSON export, in order.
fn exported(text: &str) -> Vec<usize> {
    text.lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a whole JSON line ({e}): {line:?}"));
            usize::from_str_radix(event["eventID"].as_str().unwrap(), 16).unwrap()
        })
        .collect()
}

#[test]
fn no_request_goes_over_the_window_or_the_concurrent_limit() {
    let mut script = script(150);
    script.delay = Duration::from_millis(20);
    let sentry = Sentry::start(script);
    let dir = tempfile::tempdir().unwrap();
    let output = run(&sentry, dir.path(), &["--concurrency", "8"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(
        exported(&String::from_utf8_lossy(&output.stdout)),
        (0..150).collect::<Vec<_>>()
    );
    assert_eq!(sentry.violations(), Vec::<String>::new());
    // Eight workers, three slots: the pacer used several, and never more.
    let most = sentry.most_in_flight("event");
    assert!((2..=3).contains(&most), "{most} at once");
    assert_eq!(sentry.most_in_flight("list"), 1);
}

#[test]
fn a_retry_after_holds_every_worker_and_the_export_completes() {
    let mut script = script(60);
    script.too_many_at = Some(10);
    let sentry = Sentry::start(script);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = run(&sentry, dir.path(), &["--concurrency", "3", "--verbose"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert_eq!(
        exported(&String::from_utf8_lossy(&output.stdout)),
        (0..60).collect::<Vec<_>>()
    );
    assert_eq!(sentry.violations(), Vec::<String>::new(), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        err.contains("429"),
        "the wait is shown with --verbose: {err}"
    );
}

#[test]
fn an_export_failed_midway_resumes_to_exactly_the_full_set() {
    let failing = script(250);
    failing.fail_from.store(170, Ordering::SeqCst);
    let sentry = Sentry::start(failing);
    let dir = tempfile::tempdir().unwrap();
    let args = ["--resume", "events.ndjson", "--retry-tries", "1"];
    let first = run(&sentry, dir.path(), &args);
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(5), "{err}");
    assert!(err.contains("run the same command again"), "{err}");
    let file = dir.path().join("events.ndjson");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.ends_with(&format!("{}\n", dql::format::INCOMPLETE_MARK)),
        "{text}"
    );

    // The same Sentry, healed; the same command.
    sentry.script.fail_from.store(0, Ordering::SeqCst);
    let listed_before = sentry.seen.lock().unwrap().listings;
    let second = run(&sentry, dir.path(), &args);
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{err}");
    assert!(err.contains("resuming after 100 events"), "{err}");
    assert!(err.contains("exported 250 events"), "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(exported(&text), (0..250).collect::<Vec<_>>());
    // Only the pages not written were listed again.
    assert_eq!(sentry.seen.lock().unwrap().listings - listed_before, 2);

    // Once complete, running it again changes nothing.
    let third = run(&sentry, dir.path(), &args);
    assert_eq!(third.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&third.stderr).contains("already complete: 250 events"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn a_killed_export_with_a_torn_line_resumes_without_duplicates_even_when_events_arrive() {
    let mut slow = script(300);
    slow.delay = Duration::from_millis(15);
    let sentry = Sentry::start(slow);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    let checkpoint = dir.path().join("events.ndjson.checkpoint");
    let args = ["--resume", "events.ndjson", "--concurrency", "2"];
    let mut child = command(&sentry, dir.path(), &args).spawn().unwrap();
    let started = Instant::now();
    loop {
        let total = std::fs::read_to_string(&checkpoint)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|c| c["total"].as_u64())
            .unwrap_or(0);
        if total >= 100 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no checkpoint came"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child.wait().unwrap();
    // As a crash mid-write would leave it.
    let mut torn = std::fs::read(&file).unwrap();
    torn.extend_from_slice(b"{\"eventID\":\"0000");
    std::fs::write(&file, torn).unwrap();
    // Two events arrive at the top meanwhile: every offset shifts by two.
    sentry
        .script
        .events
        .lock()
        .unwrap()
        .splice(0..0, [1000, 1001]);

    let output = run(&sentry, dir.path(), &args);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let numbers = exported(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(numbers, (0..300).collect::<Vec<_>>(), "{err}");
    assert_eq!(sentry.violations(), Vec::<String>::new());
}

#[test]
fn a_resume_file_of_another_query_is_refused() {
    let sentry = Sentry::start(script(5));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        run(&sentry, dir.path(), &["--resume", "out.ndjson"])
            .status
            .code(),
        Some(0)
    );
    let other = run(
        &sentry,
        dir.path(),
        &["--resume", "out.ndjson", "--since", "1h"],
    );
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("another export"));
    std::fs::write(dir.path().join("mine.ndjson"), "{}\n").unwrap();
    let foreign = run(&sentry, dir.path(), &["--resume", "mine.ndjson"]);
    assert_eq!(foreign.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("no checkpoint"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.ndjson")).unwrap(),
        "{}\n"
    );
}

#[test]
fn the_project_listing_brings_a_hundred_whole_events_a_request_within_the_range() {
    let script = script(0);
    *script.events.lock().unwrap() = [1000, 1001, 1002]
        .into_iter()
        .chain(0..250)
        .chain([2000, 2001])
        .collect();
    let sentry = Sentry::start(script);
    let dir = tempfile::tempdir().unwrap();
    let output = run(&sentry, dir.path(), &["--since", "24h"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let events: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let numbers: Vec<usize> = events
        .iter()
        .map(|e| usize::from_str_radix(e["eventID"].as_str().unwrap(), 16).unwrap())
        .collect();
    assert_eq!(numbers, (0..250).collect::<Vec<_>>(), "{err}");
    assert_eq!(events[0]["projectSlug"], "web");
    assert_eq!(events[0]["title"], "Error 0");
    let seen = sentry.seen.lock().unwrap();
    // One count, three pages of the listing (253 events, then the first older one), no
    // request per event.
    assert_eq!(seen.listings, 1);
    assert_eq!(seen.project_pages, 3);
    assert_eq!(seen.event_requests, 0);
    assert_eq!(seen.violations, Vec::<String>::new());
    drop(seen);
    assert_eq!(sentry.most_in_flight("project"), 1);

    // --per-event asks for each payload instead (this server lists all 255 whatever the range).
    let per_event = run(&sentry, dir.path(), &["--since", "24h", "--per-event"]);
    assert_eq!(per_event.status.code(), Some(0));
    assert_eq!(sentry.seen.lock().unwrap().event_requests, 255);
}

#[test]
fn a_listing_that_ends_short_of_sentrys_count_is_an_error() {
    let mut script = script(0);
    *script.events.lock().unwrap() = (0..30).collect();
    // Sentry counts 10 more than the listing shows (as past the listing's 7-day reach).
    script.count_extra = 10;
    let sentry = Sentry::start(script);
    let dir = tempfile::tempdir().unwrap();
    let output = run(&sentry, dir.path(), &["--since", "24h"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{err}");
    assert!(err.contains("--per-event"), "{err}");
    assert!(err.contains("the export is incomplete"), "{err}");
}
