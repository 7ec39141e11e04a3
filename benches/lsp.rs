//! The language server's answer to a change: apply one incremental edit to a 1,000-line file,
//! parse, check and lower it, and turn every diagnostic into the protocol's form (what
//! `dql lsp` does between a `didChange` and its `publishDiagnostics`). Target: 10 ms.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    missing_docs,
    reason = "bench code: a failed expectation is a bench failure"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use dql::lsp::lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use dql::lsp::{Analysis, Document, Settings, lsp_diagnostics};
use std::hint::black_box;

/// About 1,000 lines of the examples' queries, each statement named uniquely, with a few
/// mistakes so that there are diagnostics to convert.
fn file() -> String {
    let mut examples: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    examples.sort();
    let mut text = String::new();
    let mut copy = 0;
    while text.lines().count() < 1000 {
        for example in &examples {
            copy += 1;
            let renamed = example.replace("-- @name ", &format!("-- @name q{copy}_"));
            text.push_str(&renamed);
            if copy % 10 == 0 {
                text.push_str("SELECT count(*), relase FROM errors WHERE message:\"é😀\";\n");
            }
        }
    }
    text
}

fn bench_change(c: &mut Criterion) {
    let text = file();
    let lines = text.lines().count();
    assert!((1000..1100).contains(&lines), "{lines} lines");
    let uri: Uri = "file:///bench.dql".parse().unwrap();
    let mut doc = Document::new(text, 1);
    let first = Analysis::new(doc.text(), &Settings::default());
    assert!(!first.diagnostics.is_empty(), "some diagnostics to convert");
    // Type a space in the middle of the file, then delete it: one change per iteration.
    let at = Position::new(500, 0);
    let insert = TextDocumentContentChangeEvent {
        range: Some(Range::new(at, at)),
        range_length: None,
        text: " ".to_owned(),
    };
    let delete = TextDocumentContentChangeEvent {
        range: Some(Range::new(at, Position::new(500, 1))),
        range_length: None,
        text: String::new(),
    };
    let mut version = 1;
    let mut group = c.benchmark_group("lsp");
    group.sample_size(30);
    group.bench_function(format!("didChange to diagnostics, {lines} lines"), |b| {
        b.iter(|| {
            version += 1;
            let change = if version % 2 == 0 { &insert } else { &delete };
            doc.apply_changes(std::slice::from_ref(change), version);
            let analysis = Analysis::new(doc.text(), &Settings::default());
            black_box(lsp_diagnostics(&doc, &uri, &analysis))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_change);
criterion_main!(benches);
