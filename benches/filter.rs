//! Throughput of the filter parser over the `query` strings of Sentry's search-syntax cases
//! (`../shared/reference/search-syntax`), repeated to at least 1 MB.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test and bench code: a failure should stop it loudly"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn queries() -> Vec<String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = [manifest.join("../shared"), manifest.join("../../shared")]
        .into_iter()
        .map(|s| s.join("reference/search-syntax"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the search-syntax reference folder is missing (../shared/reference/search-syntax)"
            )
        });
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        out.extend(
            cases
                .iter()
                .filter_map(|c| c["query"].as_str().map(str::to_string)),
        );
    }
    out
}

fn bench(c: &mut Criterion) {
    let base = queries();
    let mut corpus = Vec::new();
    let mut bytes = 0;
    while bytes < 1 << 20 {
        for q in &base {
            bytes += q.len();
            corpus.push(q.clone());
        }
    }
    let mut group = c.benchmark_group("filter");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("parse_search", |b| {
        b.iter(|| {
            for q in &corpus {
                black_box(dql::syntax::parse_search(black_box(q)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
