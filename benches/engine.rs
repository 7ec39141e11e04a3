//! Local-engine benchmark (not a timed test): runs one of three queries over an NDJSON file
//! and prints one JSON line with wall time, events/s, MB/s and peak memory (VmHWM), so that
//! `benches/engine_duckdb.sh` can run each query in a fresh process and compare with DuckDB.
//!
//! ```text
//! cargo bench --bench engine -- FILE [count_by_release|p95_by_transaction|users_by_browser|all] [THREADS]
//! ```
//!
//! Without arguments it runs all three over `examples/events.ndjson.gz` (a smoke run). With
//! `DQL_BENCH_ROWS=1` each run also prints its result rows as JSON, to compare answers
//! across versions.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark binary reports on stdout and fails loudly"
)]

use dql::engine::{EventFiles, RunOptions, run};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use std::time::Instant;

/// The three benchmark queries; `benches/engine_duckdb.sh` holds their DuckDB equivalents.
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
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let files = EventFiles::open(&file).expect("event file");
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
            println!("{}", serde_json::to_string(&local.result.data).unwrap());
        }
    }
}
