//! Compile throughput (parse + check + lower) over about 1 MB of realistic queries. Target:
//! 10 MB/s on one core.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "bench code: a failed expectation is a bench failure"
)]

#[path = "common/corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn bench_compile(c: &mut Criterion) {
    let text = corpus::corpus();
    let source = dql::Source::new("bench.dql", text.clone());
    let mut options = dql::Options::new("2026-11-26T10:00:00Z".parse().unwrap());
    for (k, v) in corpus::params() {
        options.params.bind(k, v);
    }
    let compiled = dql::compile_source(&source, &options);
    assert!(
        !compiled.has_errors(),
        "the corpus must compile: {:?}",
        compiled.diagnostics.iter().find(|d| d.is_error())
    );
    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("parse+check+lower 1MB", |b| {
        b.iter(|| black_box(dql::compile_source(black_box(&source), &options)))
    });
    group.finish();
}

criterion_group!(benches, bench_compile);
criterion_main!(benches);
