//! Checking stays linear in the input (issue 12): the same shapes of query at a base size, 10×
//! and 100× (aliases in one select list, `@name`d statements, `tags[t]` columns). Target: each
//! 10× step costs at most about 10× (a quadratic check costs 100×: 20,000 aliases once took
//! 12 s).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "bench code: a failed expectation is a bench failure"
)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn aliases(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!("count() AS a{i}")).collect();
    format!("SELECT {} FROM errors\n", items.join(", "))
}

fn names(n: usize) -> String {
    (0..n)
        .map(|i| format!("-- @name q{i}\nSELECT count() FROM errors;\n"))
        .collect()
}

fn tag_columns(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!("tags[t{i}]")).collect();
    format!("SELECT {} FROM errors\n", items.join(", "))
}

/// Makes a query file of one shape at a size.
type Shape = fn(usize) -> String;

fn bench_scaling(c: &mut Criterion) {
    let options = dql::Options::new("2026-11-26T10:00:00Z".parse().unwrap());
    let shapes: [(&str, Shape); 3] = [
        ("aliases", aliases),
        ("names", names),
        ("tag_columns", tag_columns),
    ];
    for (shape, make) in shapes {
        let mut group = c.benchmark_group(format!("check_scaling/{shape}"));
        group.sample_size(10);
        for n in [200, 2_000, 20_000] {
            let source = dql::Source::new("bench.dql", make(n));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &source, |b, source| {
                b.iter(|| black_box(dql::compile_source(black_box(source), &options)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_scaling);
criterion_main!(benches);
