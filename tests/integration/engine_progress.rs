//! The local engine's progress hook: every event a scan reads is reported once, from every
//! scanning thread, whatever the split.

use dql::engine::EventFiles;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[test]
fn a_scan_reports_every_event_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mut file = std::fs::File::create(&path).unwrap();
    let events = 10_000;
    for n in 0..events {
        writeln!(
            file,
            r#"{{"eventID":"{n:032x}","type":"error","dateCreated":"2026-11-26T09:00:00Z","tags":[{{"key":"level","value":"error"}}]}}"#
        )
        .unwrap();
    }
    drop(file);
    let read = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&read);
    let files = EventFiles::open(&path).unwrap().on_scanned(move |n| {
        counter.fetch_add(n, Ordering::SeqCst);
    });
    let now = "2026-11-26T10:00:00Z".parse().unwrap();
    let run = dql::run_local(
        "SELECT count() FROM errors SINCE 24h",
        &files,
        &dql::Options::new(now),
    )
    .unwrap();
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    let count = &run.results[0].1.result.data[0]["count()"];
    assert_eq!(count, &serde_json::json!(events));
    assert_eq!(read.load(Ordering::SeqCst), events);
}
