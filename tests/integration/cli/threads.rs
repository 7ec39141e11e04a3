//! `dql run --events PATH --threads N`: the local engine's thread count changes how the input
//! is read (one thread, or byte ranges of one NDJSON file shared out), never the answer.

use super::*;

/// `n` error events over four releases and a day, one per line.
fn events(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"eventID":"{i:032x}","type":"error","title":"E{}","dateCreated":"2026-11-20T{:02}:{:02}:00Z","tags":[{{"key":"level","value":"error"}},{{"key":"release","value":"r{}"}}],"user":{{"id":"{}"}}}}"#,
                i % 7,
                i % 24,
                i % 60,
                i % 4,
                i % 50,
            ) + "\n"
        })
        .collect()
}

#[test]
fn the_answer_is_the_same_at_any_thread_count() {
    let dir = Dir::new();
    dir.file("events.ndjson", &events(4000));
    dir.file(
        "q.dql",
        "SELECT release, count(), count_unique(user) FROM errors GROUP BY release \
         ORDER BY release SINCE 2026-11-19 UNTIL 2026-11-21;\n",
    );
    let run = |threads: &str| {
        let run = dir.dql(&[
            "run",
            "q.dql",
            "--events",
            "events.ndjson",
            "--format",
            "csv",
            "--threads",
            threads,
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
    };
    let one = run("1");
    assert_eq!(
        one,
        // Event i has release r(i % 4) and user i % 50: 25 users of the parity of each release.
        "release,count(),count_unique(user)\nr0,1000,25\nr1,1000,25\nr2,1000,25\nr3,1000,25\n"
    );
    assert_eq!(run("2"), one);
    assert_eq!(run("7"), one);
}

#[test]
fn zero_threads_is_a_usage_error() {
    let dir = Dir::new();
    dir.file("events.ndjson", &events(3));
    dir.file("q.dql", "SELECT count() FROM errors;\n");
    let run = dir.dql(&[
        "run",
        "q.dql",
        "--events",
        "events.ndjson",
        "--threads",
        "0",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--threads"), "{}", run.stderr);
}
