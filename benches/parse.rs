//! Parsing throughput over about 1 MB of realistic queries (the examples and test cases,
//! repeated). Target: at least 20 MB/s on one core.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// The example and case queries repeated to at least 1 MB, as one file.
fn corpus() -> String {
    let mut pieces = Vec::new();
    for dir in ["examples", "tests/cases"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("run from the crate root")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "dql"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("readable");
            pieces.push(text.trim_end().trim_end_matches(';').to_string());
        }
    }
    let mut out = String::new();
    while out.len() < 1 << 20 {
        for piece in &pieces {
            out.push_str(piece);
            out.push_str(";\n");
        }
    }
    out
}

fn bench_parse(c: &mut Criterion) {
    let text = corpus();
    let source = dql::Source::new("bench.dql", text.clone());
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("1MB", |b| {
        b.iter(|| black_box(dql::syntax::parse(black_box(&source))))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
