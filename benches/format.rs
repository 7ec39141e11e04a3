//! Formatting speed: 100,000 transactions rows to csv (streaming) and to a table (buffered).
//!
//! `cargo bench --bench format` runs criterion. For peak memory, run the built bench binary with
//! `DQL_FORMAT_MEMORY=<format>` (and optionally `DQL_FORMAT_ROWS=<n>`) under `/usr/bin/time -v`:
//! it then generates rows one at a time and streams them through the sink to a null writer,
//! so the peak shows what the sink itself keeps.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark fails loudly on bad setup"
)]

use criterion::{Criterion, Throughput, criterion_group};
use dql::answer::OutputColumn;
use dql::format::{Format, Sink};
use dql::result::{Meta, Row};
use serde_json::json;
use std::hint::black_box;
use std::io;

const N_ROWS: usize = 100_000;

fn columns() -> Vec<OutputColumn> {
    [
        ("transaction", "transaction"),
        ("p95(transaction.duration)", "p95"),
        ("failure_rate()", "failures"),
        ("tpm()", "tpm"),
        ("avg(http.response_content_length)", "avg_size"),
        ("last_seen()", "last_seen"),
        ("count()", "count"),
    ]
    .into_iter()
    .map(|(field, label)| OutputColumn {
        field: field.to_owned(),
        label: label.to_owned(),
        ty: None,
    })
    .collect()
}

fn meta() -> Meta {
    serde_json::from_value(json!({
        "fields": {"transaction": "string", "p95(transaction.duration)": "duration",
                   "failure_rate()": "percentage", "tpm()": "rate",
                   "avg(http.response_content_length)": "size", "last_seen()": "date",
                   "count()": "integer", "id": "string"},
        "units": {"p95(transaction.duration)": "millisecond", "tpm()": "1/minute",
                  "avg(http.response_content_length)": "byte"}
    }))
    .unwrap()
}

/// A row like Sentry's, with a hidden `id` the plan drops and a null now and then.
fn make_row(index: usize) -> Row {
    let value = json!({
        "transaction": format!("/api/{}/items/{index}", ["orders", "users", "注文"][index % 3]),
        "p95(transaction.duration)": (index % 5000) as f64 * 1.37,
        "failure_rate()": (index % 100) as f64 / 100.0,
        "tpm()": if index.is_multiple_of(17) { serde_json::Value::Null } else { json!(index as f64 / 7.0) },
        "avg(http.response_content_length)": index * 131,
        "last_seen()": format!("2026-11-{:02}T{:02}:00:00+00:00", 1 + index % 28, index % 24),
        "count()": index * 3,
        "id": format!("{index:032x}"),
    });
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    }
}

fn write_all(format: Format, columns: &[OutputColumn], meta: &Meta, rows: &[Row]) {
    let mut sink = format.sink(io::sink());
    sink.begin(None, columns, meta).unwrap();
    for row in rows {
        sink.row(black_box(row)).unwrap();
    }
    sink.finish().unwrap();
}

fn format_rows(criterion: &mut Criterion) {
    let columns = columns();
    let meta = meta();
    let rows: Vec<Row> = (0..N_ROWS).map(make_row).collect();
    let mut group = criterion.benchmark_group("format_100k_rows");
    group.throughput(Throughput::Elements(N_ROWS as u64));
    group.sample_size(10);
    for format in [Format::Csv, Format::Table, Format::Json] {
        group.bench_function(format.name(), |bencher| {
            bencher.iter(|| write_all(format, &columns, &meta, &rows));
        });
    }
    group.finish();
}

criterion_group!(benches, format_rows);

/// Streams generated rows through one sink without keeping them, for `/usr/bin/time -v`.
fn memory_run(format_name: &str) {
    let format: Format = format_name.parse().unwrap();
    let n_rows = std::env::var("DQL_FORMAT_ROWS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(N_ROWS);
    let columns = columns();
    let mut sink: Box<dyn Sink> = format.sink(io::sink());
    sink.begin(None, &columns, &meta()).unwrap();
    for index in 0..n_rows {
        sink.row(&make_row(index)).unwrap();
    }
    sink.finish().unwrap();
}

fn main() {
    if let Ok(format_name) = std::env::var("DQL_FORMAT_MEMORY") {
        memory_run(&format_name);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
