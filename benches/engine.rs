//! Local-engine benchmark (not a timed test): runs one of the queries over an event file or directory
//! and prints one JSON line with wall time, events/s, MB/s and peak memory (VmHWM), so that
//! `benches/engine_duckdb.sh` can run each query in a fresh process and compare with DuckDB.
//!
//! ```text
//! cargo bench --bench engine -- PATH [QUERY|all|list] [THREADS]
//! ```
//!
//! `list` prints the query names. Without arguments it runs all of them over
//! `examples/events.ndjson.gz` (a smoke run). With `DQL_BENCH_ROWS=1` each run also prints its
//! result rows as JSON, to compare answers across versions and with DuckDB. MB/s counts the
//! bytes of the files as stored (compressed, for gzip).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark binary reports on stdout and fails loudly"
)]

use dql::engine::{EventFiles, RunOptions, run};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use std::time::Instant;

/// The benchmark queries; `benches/engine_duckdb.py` holds their DuckDB equivalents. Each
/// reads a different part of the payload: tags only, top-level timestamps, a field composed
/// from the `user` object, `contexts`, the exceptions, free text, and filtered aggregates.
const QUERIES: &[(&str, &str)] = &[
    (
        "count_by_release",
        "SELECT release, count() FROM errors WHERE level:error GROUP BY release SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "p95_by_transaction",
        "SELECT transaction, p95(transaction.duration) FROM transactions GROUP BY transaction SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "users_by_browser",
        "SELECT browser.name, count_unique(user) FROM discover GROUP BY browser.name SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "user_display_by_project",
        "SELECT project, count_unique(user.display) FROM discover GROUP BY project SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "errors_by_type",
        "SELECT error.type, count() FROM errors GROUP BY error.type SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "p75_by_op_status",
        "SELECT transaction.op, transaction.status, p75(transaction.duration) FROM transactions GROUP BY transaction.op, transaction.status SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "message_contains",
        "SELECT project, count() FROM errors WHERE message:*timeout* GROUP BY project SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
    (
        "slow_share_by_release",
        "SELECT release, count_if(transaction.duration, greater, 1000), p50(transaction.duration), p99(transaction.duration) FROM transactions WHERE transaction.op:http.server GROUP BY release SINCE 2026-10-01 UNTIL 2026-11-29 LIMIT 1000",
    ),
];

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let file = args
        .first()
        .cloned()
        .unwrap_or_else(|| "examples/events.ndjson.gz".to_owned());
    let which = args.get(1).cloned().unwrap_or_else(|| "all".to_owned());
    let threads = args
        .get(2)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| RunOptions::default().threads);
    if which == "list" {
        for (name, _) in QUERIES {
            println!("{name}");
        }
        return;
    }
    let files = EventFiles::open(&file).expect("event file");
    let bytes: u64 = files
        .files()
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    for (name, query) in QUERIES
        .iter()
        .filter(|(n, _)| which == "all" || *n == which)
    {
        let source = dql::Source::new(*name, *query);
        let parsed = dql::syntax::parse(&source);
        let checked = check(
            &parsed.file,
            Catalog::builtin(),
            &Params::default(),
            &CheckOptions::default(),
        );
        let stmt = checked.statements.first().expect("a checked statement");
        let options = RunOptions {
            threads,
            ..RunOptions::default()
        };
        let started = Instant::now();
        let local = run(stmt, &files, &options).expect("the query runs");
        let seconds = started.elapsed().as_secs_f64();
        let events = local.stats.events as f64;
        println!(
            "{}",
            serde_json::json!({
                "engine": "dql",
                "query": name,
                "threads": threads,
                "seconds": seconds,
                "events_per_s": events / seconds,
                "mb_per_s": bytes as f64 / 1e6 / seconds,
                "peak_mib": peak_mib(),
                "rows": local.result.data.len(),
                "events": local.stats.events,
            })
        );
        if std::env::var_os("DQL_BENCH_ROWS").is_some() {
            // One array per row, in column order, to compare with DuckDB's tuples.
            let rows: Vec<Vec<serde_json::Value>> = local
                .result
                .data
                .iter()
                .map(|row| {
                    local
                        .columns
                        .iter()
                        .map(|c| row.get(&c.field).cloned().unwrap_or_default())
                        .collect()
                })
                .collect();
            println!("{}", serde_json::json!({ "rows": rows }));
        }
    }
}
