//! Shared helpers of the integration tests: rendering a case file into one snapshot, span checks.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

use dql::Source;
use dql::syntax::{self, ast};
use std::path::Path;

/// Reads a case file as a named source (the name is the file name, so snapshots are stable).
pub(crate) fn read_case(path: &Path) -> Source {
    let text = std::fs::read_to_string(path).expect("case file is readable UTF-8");
    let name = path
        .file_name()
        .expect("case path has a file name")
        .to_string_lossy()
        .to_string();
    Source::new(name, text)
}

/// Checks span invariants of a parsed tree: every span lies inside the source, and every
/// node's span lies inside its parent's.
pub(crate) fn check_spans(source: &Source, file: &ast::File) {
    let len = source.text().len() as u64;
    let value = serde_json::to_value(file).expect("AST serializes");
    walk(&value, None, len, "file");
}

fn span_of(value: &serde_json::Value) -> Option<(u64, u64)> {
    let span = value.get("span")?;
    Some((span.get("start")?.as_u64()?, span.get("end")?.as_u64()?))
}

fn walk(value: &serde_json::Value, parent: Option<(u64, u64)>, len: u64, path: &str) {
    match value {
        serde_json::Value::Object(map) => {
            let mut current = parent;
            if let Some((start, end)) = span_of(value) {
                assert!(
                    start <= end && end <= len,
                    "{path}: span {start}..{end} outside 0..{len}"
                );
                if let Some((ps, pe)) = parent {
                    // Nodes built by desugaring may carry an empty span; real ones nest.
                    if start != end {
                        assert!(
                            ps <= start && end <= pe,
                            "{path}: span {start}..{end} is not inside its parent {ps}..{pe}"
                        );
                    }
                }
                current = Some((start, end));
            }
            for (key, child) in map {
                // Comments and annotations above a statement lie outside its span by design.
                let parent = if matches!(key.as_str(), "annotations" | "comments") {
                    None
                } else {
                    current
                };
                if key != "span" {
                    walk(child, parent, len, &format!("{path}.{key}"));
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (idx, child) in items.iter().enumerate() {
                walk(child, parent, len, &format!("{path}[{idx}]"));
            }
        }
        _ => {}
    }
}

/// Renders diagnostics the way snapshots show them: no colour, width 80.
pub(crate) fn render(source: &Source, diagnostics: &[dql::Diagnostic]) -> String {
    dql::diagnostic::render(source, diagnostics, false, 80)
}

/// Asserts that printing `file` and parsing the result gives the same tree (without spans),
/// and that printing is idempotent.
pub(crate) fn assert_roundtrip(source: &Source, file: &ast::File) {
    let printed = file.to_string();
    let reparsed = syntax::parse(&Source::new("printed", printed.clone()));
    assert!(
        reparsed.diagnostics.iter().all(|d| !d.is_error()),
        "{}: the printed form does not parse:\n{printed}\n{}",
        source.name(),
        render(
            &Source::new("printed", printed.clone()),
            &reparsed.diagnostics
        )
    );
    assert_eq!(
        ast::without_spans(file),
        ast::without_spans(&reparsed.file),
        "{}: parse(print(ast)) differs from ast; printed:\n{printed}",
        source.name()
    );
    let again = reparsed.file.to_string();
    assert_eq!(
        printed,
        again,
        "{}: printing is not idempotent",
        source.name()
    );
}

/// The fixed "now" of every snapshot.
pub(crate) const NOW: &str = "2026-11-26T10:00:00Z";

/// Compile options for a case file: its `-- test:` / `-- check:` lines may hold `--strict` and
/// `--param name=value`.
pub(crate) fn case_options(source: &Source) -> dql::Options {
    let now = NOW.parse().expect("fixed now parses");
    let mut options = dql::Options::new(now);
    for line in source.text().lines() {
        let Some(args) = line
            .strip_prefix("-- test:")
            .or_else(|| line.strip_prefix("-- check:"))
        else {
            continue;
        };
        let mut words = args.split_whitespace();
        while let Some(word) = words.next() {
            match word {
                "--strict" => options.strict = true,
                "--param" => {
                    let pair = words.next().expect("--param takes name=value");
                    let (k, v) = pair.split_once('=').expect("--param takes name=value");
                    options.params.bind(k, v);
                }
                "|" => {}
                other => panic!("{}: unknown test directive {other}", source.name()),
            }
        }
    }
    options
}
