//! Input read once: standard input and FIFOs.

use super::*;

// 1. Input read once, when the query needs "now" (two passes: the newest event, then the
// rows), from standard input and from a FIFO; its errors name it, not the copy.

#[test]
fn a_query_needing_now_over_standard_input_sees_every_event() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        recent_events(5).as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n5", "{run:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_once_and_does_not_hang() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let fifo = dir.join("events.fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let writer = {
        let fifo = fifo.clone();
        // Opening blocks until dql opens the FIFO; a dql that never does fails the test by
        // timing out below, not by hanging here (the thread is not joined then).
        std::thread::spawn(move || {
            let mut file = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            file.write_all(recent_events(7).as_bytes()).unwrap();
        })
    };
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "events.fifo", "--format", "csv"],
        &[],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n7", "{run:?}");
    writer.join().unwrap();
}

#[test]
fn a_bad_line_on_standard_input_is_reported_at_standard_input() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors SINCE 1h\n");
    let mut events = recent_events(2);
    events.push_str("{\"eventID\": \"x\",\n");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        events.as_bytes(),
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_json"), "{run:?}");
    assert!(run.stderr.contains("/dev/stdin:3"), "{run:?}");
    assert!(!run.stderr.contains("dql-events-"), "{run:?}");
    // Skipped lines are counted and named the same way.
    let run = dql(
        &dir,
        &[
            "run",
            "q.dql",
            "--events",
            "/dev/stdin",
            "--format",
            "csv",
            "--skip-bad",
        ],
        &[],
        events.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("/dev/stdin:3"), "{run:?}");
    assert!(!run.stderr.contains("dql-events-"), "{run:?}");
}
