//! `LIMIT ALL` through Sentry's offset cap, against a fake events endpoint on 127.0.0.1 that
//! refuses any request past 10,000 rows of one query (`support/capped.rs`): every row exactly
//! once and in order across windows of time (ties at the window edges included), aggregate
//! groups merged across windows, and the loud refusals where no split keeps the answer whole.

#[path = "support/capped.rs"]
pub(crate) mod capped;

use capped::{CappedServer, Event};
use dql::client::{Client, ClientError, ClientEvent, ReqwestTransport, Timeouts, Token};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CAP: u64 = 10_000;
/// 2026-11-20T00:00:00Z in milliseconds.
const BASE: i64 = 1_795_132_800_000;
const RANGE: &str = "SINCE 2026-11-19 UNTIL 2026-11-30";

/// 25,000 events over about an hour: bursts of seven in one second (a millisecond apart, some
/// sharing their millisecond, so ids break the tie), and one second holding 600 events at
/// the place the first window's 10,000th row falls, so a window edge lands inside it.
fn events() -> Vec<Event> {
    let mut out = Vec::new();
    let mut i = 0u32;
    let mut second = 0i64;
    while out.len() < 25_000 {
        // Newest first, the 10,000th row is about 1,428 seconds from the end.
        let burst = if second == 3_570 - 1_428 { 600 } else { 7 };
        for k in 0..burst {
            let millis = BASE + second * 1000 + i64::from(k % 5) * 100;
            out.push(Event {
                millis,
                id: format!(
                    "{:032x}",
                    (u128::from(i) * 0x9e37_79b9_7f4a_7c15) % (1 << 120)
                ),
                release: format!("r{}", i % 3),
                transaction: format!("/t/{}", i % 12_000),
                user: format!("u{}", i % 50),
            });
            i += 1;
            if out.len() == 25_000 {
                break;
            }
        }
        second += 1;
    }
    out
}

fn client(server: &CappedServer, notes: &Arc<Mutex<Vec<String>>>) -> Client {
    let transport = ReqwestTransport::new(
        Token::new("sntryu_0123456789abcdef0123456789abcdef"),
        Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(20),
        },
    )
    .unwrap();
    let notes = Arc::clone(notes);
    Client::with_transport(transport, &server.base_url, Some("acme".into()))
        .unwrap()
        .offset_cap(CAP)
        .on_event(move |event| {
            if let ClientEvent::Adapted { message } = event {
                notes.lock().unwrap().push(message.clone());
            }
        })
}

fn compile(query: &str) -> dql::lower::Request {
    let now = "2026-12-01T00:00:00Z".parse().unwrap();
    let mut requests = dql::compile(query, &dql::Options::new(now).org("acme")).unwrap();
    requests.remove(0)
}

fn ids(rows: &[dql::result::Row]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_row_exactly_once_newest_first_through_the_cap() {
    let stored = events();
    let server = CappedServer::start(stored.clone(), CAP, None);
    let notes = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &notes);
    let request = compile(&format!("SELECT id, release FROM errors LIMIT ALL {RANGE}"));
    let execution = client.execute(&request).unwrap();

    let mut want = stored.clone();
    want.sort_by(|a, b| b.millis.cmp(&a.millis).then(a.id.cmp(&b.id)));
    let want: Vec<String> = want.into_iter().map(|e| e.id).collect();
    let got = ids(&execution.result.data);
    assert_eq!(got.len(), 25_000);
    assert_eq!(
        got.iter().collect::<HashSet<_>>().len(),
        25_000,
        "a row came twice"
    );
    assert_eq!(got, want, "rows out of order or missing");
    assert!(!execution.has_more);

    let stats = server.stats();
    assert_eq!(stats.past_cap, 0, "a request went past the offset cap");
    assert!(stats.deepest <= CAP);
    // 25,000 rows are at least 250 pages; re-reading the edge seconds costs a few more.
    assert!((250..=262).contains(&stats.requests), "{stats:?}");
    let notes = notes.lock().unwrap();
    assert!(notes.len() >= 2, "{notes:?}");
    assert!(
        notes[0].contains("reached the offset cap of 10000 rows"),
        "{notes:?}"
    );
}

#[test]
fn every_row_exactly_once_oldest_first_and_with_a_limit_past_the_cap() {
    let stored = events();
    let server = CappedServer::start(stored.clone(), CAP, None);
    let notes = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &notes);
    let mut want = stored.clone();
    want.sort_by(|a, b| a.millis.cmp(&b.millis).then(a.id.cmp(&b.id)));
    let want: Vec<String> = want.into_iter().map(|e| e.id).collect();

    let all = compile(&format!(
        "SELECT id FROM errors ORDER BY timestamp LIMIT ALL {RANGE}"
    ));
    let got = ids(&client.execute(&all).unwrap().result.data);
    assert_eq!(got, want);

    // LIMIT n past the cap is cut at n, through the same windows.
    let some = compile(&format!(
        "SELECT id FROM errors ORDER BY timestamp LIMIT 21000 {RANGE}"
    ));
    let execution = client.execute(&some).unwrap();
    assert_eq!(ids(&execution.result.data), want[..21_000]);
    assert!(execution.has_more);
    assert_eq!(server.stats().past_cap, 0);
}

#[test]
fn more_rows_in_one_second_than_the_cap_is_a_coded_error() {
    let stored: Vec<Event> = (0..10_050)
        .map(|i| Event {
            millis: BASE + 5_000,
            id: format!("{i:032x}"),
            release: "r".into(),
            transaction: "/t".into(),
            user: "u".into(),
        })
        .collect();
    let server = CappedServer::start(stored, CAP, None);
    let client = client(&server, &Arc::new(Mutex::new(Vec::new())));
    let request = compile(&format!("SELECT id FROM errors LIMIT ALL {RANGE}"));
    let mut delivered = 0;
    let mut failure = None;
    for page in client.stitched(&request) {
        match page {
            Ok(page) => delivered += page.rows.len(),
            Err(e) => failure = Some(e),
        }
    }
    let Some(ClientError::WindowTooDense {
        second, fetched, ..
    }) = failure
    else {
        panic!("no window_too_dense error: {failure:?}");
    };
    assert_eq!(second, "2026-11-20T00:00:05Z");
    assert_eq!(fetched, 10_000);
    assert_eq!(delivered, 10_000);
    let code = miette::Diagnostic::code(&ClientError::WindowTooDense {
        cap: 1,
        what: "rows",
        second,
        fetched,
    })
    .unwrap()
    .to_string();
    assert_eq!(code, "dql::client::window_too_dense");
    assert_eq!(server.stats().past_cap, 0);
}

#[test]
fn rows_sorted_by_another_field_fail_loudly_past_the_cap() {
    let server = CappedServer::start(events(), CAP, None);
    let client = client(&server, &Arc::new(Mutex::new(Vec::new())));
    let request = compile(&format!(
        "SELECT id, release FROM errors ORDER BY release LIMIT ALL {RANGE}"
    ));
    let error = client.execute(&request).unwrap_err();
    let ClientError::PastOffsetCap {
        fetched, reason, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*fetched, 10_000);
    assert!(reason.contains("sorted by `release` first"), "{reason}");
    assert_eq!(error.exit_code(), 4);
    assert_eq!(server.stats().past_cap, 0);

    // Under the cap the same shape is answered whole.
    let few: Vec<Event> = events().into_iter().take(900).collect();
    let server = CappedServer::start(few, CAP, None);
    let client = self::client(&server, &Arc::new(Mutex::new(Vec::new())));
    assert_eq!(client.execute(&request).unwrap().result.data.len(), 900);
}

#[test]
fn groups_past_the_cap_are_merged_across_windows() {
    let stored = events();
    let server = CappedServer::start(stored.clone(), CAP, None);
    let notes = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, &notes);
    let request = compile(&format!(
        "SELECT transaction, count() FROM errors GROUP BY transaction ORDER BY -count(), transaction LIMIT ALL {RANGE}"
    ));
    let execution = client.execute(&request).unwrap();
    let mut want: HashMap<String, u64> = HashMap::new();
    for e in &stored {
        *want.entry(e.transaction.clone()).or_default() += 1;
    }
    let rows = &execution.result.data;
    assert_eq!(rows.len(), 12_000);
    let got: HashMap<String, u64> = rows
        .iter()
        .map(|r| {
            (
                r["transaction"].as_str().unwrap().to_owned(),
                r["count()"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    // Sorted again after merging: count descending, then name.
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ca, cb) = (
            a["count()"].as_u64().unwrap(),
            b["count()"].as_u64().unwrap(),
        );
        assert!(
            ca > cb
                || (ca == cb
                    && a["transaction"].as_str().unwrap() < b["transaction"].as_str().unwrap())
        );
    }
    assert_eq!(server.stats().past_cap, 0);
    assert!(
        notes
            .lock()
            .unwrap()
            .iter()
            .any(|n| n.contains("merged into 12000 groups")),
        "{notes:?}"
    );
}

#[test]
fn groups_that_cannot_merge_are_refused_past_the_cap_with_the_reason() {
    let server = CappedServer::start(events(), CAP, None);
    let client = client(&server, &Arc::new(Mutex::new(Vec::new())));
    let request = compile(&format!(
        "SELECT transaction, count_unique(user) FROM errors GROUP BY transaction LIMIT ALL {RANGE}"
    ));
    let error = client.execute(&request).unwrap_err();
    let ClientError::PastOffsetCap { reason, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        reason.contains("`count_unique(user)` cannot be merged"),
        "{reason}"
    );
    assert_eq!(server.stats().past_cap, 0);

    // Groups that fit under the cap are answered whole, count_unique or not.
    let request = compile(&format!(
        "SELECT release, count_unique(user) FROM errors GROUP BY release LIMIT ALL {RANGE}"
    ));
    let rows = client.execute(&request).unwrap().result.data;
    assert_eq!(rows.len(), 3);
}
