//! The local engine over exported trace-item rows (`FROM spans`, `FROM logs`): one flat JSON
//! object per span or log, keyed by attribute name (the shape `gen_events --kind spans|logs`
//! writes and README "Exported spans and logs" describes). Small fixtures with answers worked
//! out by hand, and the bundled samples against an independent count.

use dql::engine::{EventFiles, LocalResult, RunError, RunOptions, run};
use dql::semantic::{Catalog, CheckOptions, Params, check};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::BufRead;

const SPANS: &str = "tests/fixtures/trace_items/spans.ndjson";
const LOGS: &str = "tests/fixtures/trace_items/logs.ndjson";
const NOW: &str = "2026-11-20T12:00:00Z";

fn run_on(query: &str, path: &str, now: Option<&str>) -> Result<LocalResult, RunError> {
    let source = dql::Source::new("q.dql", query);
    let parsed = dql::syntax::parse(&source);
    assert!(!parsed.diagnostics.iter().any(|d| d.is_error()), "{query}");
    let checked = check(
        &parsed.file,
        Catalog::builtin(),
        &Params::default(),
        &CheckOptions::default(),
    );
    assert!(
        !checked.diagnostics.iter().any(|d| d.is_error()),
        "{query}: {:?}",
        checked.diagnostics
    );
    let files = EventFiles::open(path).unwrap();
    let options = RunOptions {
        now: now.map(|n| n.parse().unwrap()),
        ..RunOptions::default()
    };
    run(&checked.statements[0], &files, &options)
}

fn rows(query: &str, path: &str) -> Vec<Value> {
    run_on(query, path, Some(NOW))
        .unwrap_or_else(|e| panic!("{query}: {e:?}"))
        .result
        .data
        .into_iter()
        .map(Value::Object)
        .collect()
}

#[test]
fn spans_group_filter_and_sort() {
    // c1 is outside the default 14 days.
    assert_eq!(
        rows(
            "SELECT span.op, count(), sum(span.duration) FROM spans \
             GROUP BY span.op ORDER BY sum(span.duration) DESC",
            SPANS
        ),
        [
            json!({"span.op": "pageload", "count()": 1, "sum(span.duration)": 2000}),
            json!({"span.op": "db", "count()": 2, "sum(span.duration)": 580}),
            json!({"span.op": "http.server", "count()": 1, "sum(span.duration)": 120.5}),
            json!({"span.op": "cache.get", "count()": 2, "sum(span.duration)": 21}),
        ]
    );
    // Booleans, durations with units, a default column (p95() is p95(span.duration)).
    assert_eq!(
        rows(
            "SELECT transaction, p95() FROM spans WHERE is_transaction:true \
             span.duration:>100ms GROUP BY transaction ORDER BY transaction",
            SPANS
        ),
        [
            json!({"transaction": "/checkout", "p95()": 2000.0}),
            json!({"transaction": "GET /orders", "p95()": 120.5}),
        ]
    );
    assert_eq!(
        rows("SELECT id FROM spans WHERE cache.hit:false", SPANS),
        [json!({"id": "a3"})]
    );
    // A typed attribute reads the member of that name, as a number.
    assert_eq!(
        rows(
            "SELECT id, tags[rows,number] FROM spans WHERE tags[rows,number]:>5",
            SPANS
        ),
        [json!({"id": "a2", "tags[rows,number]": 12.0})]
    );
    // Secondary aliases read their attribute: `message` on spans is the description.
    assert_eq!(
        rows(
            "SELECT id FROM spans WHERE message:*carts* environment:staging",
            SPANS
        ),
        [json!({"id": "b2"})]
    );
    // A time range: SINCE 60d reaches c1.
    assert_eq!(
        rows("SELECT count() FROM spans SINCE 60d", SPANS),
        [json!({"count()": 7})]
    );
}

#[test]
fn logs_by_severity_and_time() {
    assert_eq!(
        rows(
            "SELECT severity, count(), avg(payload_size) FROM logs \
             GROUP BY severity ORDER BY severity",
            LOGS
        ),
        [
            json!({"severity": "error", "count()": 2, "avg(payload_size)": 170.5}),
            json!({"severity": "info", "count()": 1, "avg(payload_size)": 130.0}),
            json!({"severity": "warn", "count()": 1, "avg(payload_size)": 150.0}),
        ]
    );
    // An epoch-seconds timestamp reads as a date too; `log.body` is the message.
    assert_eq!(
        rows(
            "SELECT id FROM logs WHERE log.body:*timeout* severity_number:>=17 ORDER BY -timestamp",
            LOGS
        ),
        [json!({"id": "l4"}), json!({"id": "l2"})]
    );
    // Without --now, now is just after the newest row.
    let local = run_on("SELECT count() FROM logs SINCE 1h", LOGS, None).unwrap();
    assert_eq!(local.now.to_string(), "2026-11-20T11:43:21Z");
}

#[test]
fn functions_the_engine_cannot_compute_are_refused() {
    // failure_rate on spans (spans/formulas.py) is not evaluated locally: refused, never
    // approximated.
    let err = run_on("SELECT failure_rate() FROM spans", SPANS, Some(NOW)).unwrap_err();
    assert!(matches!(err, RunError::Query(_)), "{err:?}");
    assert!(
        run_on(
            "SELECT count(value,a,counter,-) FROM tracemetrics",
            SPANS,
            Some(NOW)
        )
        .is_err()
    );
}

/// The bundled samples: the engine's counts per group equal a count made here with serde_json
/// alone, over every row in the window.
#[test]
fn the_bundled_samples_agree_with_an_independent_count() {
    fn independent(path: &str, key: &str, since_ms: i64, now_ms: i64) -> BTreeMap<String, u64> {
        let file = std::fs::File::open(path).unwrap();
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        let mut counts = BTreeMap::new();
        for line in reader.lines() {
            let row: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let ts: jiff::Timestamp = row["timestamp"].as_str().unwrap().parse().unwrap();
            let ms = ts.as_millisecond();
            if ms >= since_ms && ms < now_ms {
                let value = row[key].as_str().unwrap_or_default().to_string();
                *counts.entry(value).or_insert(0) += 1;
            }
        }
        counts
    }
    let now: jiff::Timestamp = "2026-11-20T00:00:00Z".parse().unwrap();
    let since = now.as_millisecond() - 7 * 86_400_000;
    for (path, dataset, key) in [
        ("examples/spans.ndjson.gz", "spans", "span.op"),
        ("examples/logs.ndjson.gz", "logs", "severity"),
    ] {
        let query =
            format!("SELECT {key}, count() FROM {dataset} GROUP BY {key} SINCE 7d LIMIT 100");
        let local = run_on(&query, path, Some("2026-11-20T00:00:00Z")).unwrap();
        let engine: BTreeMap<String, u64> = local
            .result
            .data
            .iter()
            .map(|row| {
                (
                    row[key].as_str().unwrap().to_string(),
                    row["count()"].as_u64().unwrap(),
                )
            })
            .collect();
        let expected = independent(path, key, since, now.as_millisecond());
        assert_eq!(engine, expected, "{path}");
        assert!(
            expected.values().sum::<u64>() > 1000,
            "{path}: a real sample"
        );
    }
}

/// The README's "Try it" command (read from the README, so the two cannot drift apart) runs a
/// spans query over the bundled sample and prints its rows.
#[test]
fn the_readme_try_it_command_runs_a_spans_query_on_the_sample() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme.split("## Try it").nth(1).unwrap();
    let command = section
        .lines()
        .find(|l| l.starts_with("cargo run --release -- run "))
        .expect("a run command in Try it");
    let args: Vec<&str> = command
        .trim_start_matches("cargo run --release -- ")
        .split_whitespace()
        .collect();
    let query = std::fs::read_to_string(args[1]).unwrap();
    assert!(query.contains("FROM spans"), "{}", args[1]);
    assert!(args.contains(&"examples/spans.ndjson.gz"), "{command}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(&args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("transaction,requests,p95"));
    assert!(lines.count() >= 5, "{stdout}");
}
