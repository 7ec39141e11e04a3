//! Parsing throughput over about 1 MB of realistic queries. Target: at least 20 MB/s on one
//! core.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    missing_docs,
    reason = "bench code: a failed expectation is a bench failure"
)]

#[path = "common/corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn bench_parse(c: &mut Criterion) {
    let text = corpus::corpus();
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
