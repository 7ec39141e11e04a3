//! Feeds arbitrary bytes to the local engine as an NDJSON (or JSON-array) event file and runs a
//! few queries over it (rows, a filter on tags and typed members, groups, a series): reading
//! and evaluating hostile events may fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::OnceLock;

const QUERIES: &str = "\
SELECT title, level, timestamp, tags[browser] FROM errors ORDER BY timestamp DESC LIMIT 5;
SELECT count() AS n, count_unique(user.email) FROM errors WHERE message:*é* OR tags[a]:b SINCE 1h;
SELECT title, count() FROM errors WHERE level:[error, fatal] AND !culprit:x GROUP BY title;
SELECT transaction, p95(transaction.duration), avg(measurements.lcp) FROM transactions \
WHERE transaction.duration:>1s GROUP BY transaction;
SELECT count() FROM errors SINCE 1d INTERVAL 1h;
";

fn statements() -> &'static [dql::Compiled] {
    static COMPILED: OnceLock<Vec<dql::Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let source = dql::Source::new("fuzz.dql", QUERIES);
        let options = dql::Options::new(jiff::Timestamp::UNIX_EPOCH);
        let compilation = dql::compile_source(&source, &options);
        assert!(
            !compilation.has_errors(),
            "the fuzz queries compile: {:?}",
            compilation.diagnostics
        );
        compilation.statements
    })
}

fuzz_target!(|bytes: &[u8]| {
    let dir = std::env::temp_dir().join(format!("dql-fuzz-events-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("events.ndjson");
    let Ok(mut file) = std::fs::File::create(&path) else {
        return;
    };
    if file.write_all(bytes).is_err() {
        return;
    }
    drop(file);
    let Ok(files) = dql::engine::EventFiles::open(&path) else {
        return;
    };
    for skip_bad in [false, true] {
        let options = dql::engine::RunOptions {
            read: dql::engine::ReadOptions {
                skip_bad,
                ..dql::engine::ReadOptions::default()
            },
            threads: 1,
            ..dql::engine::RunOptions::default()
        };
        for compiled in statements() {
            let _ = dql::engine::run(&compiled.checked, &files, &options);
        }
    }
});
