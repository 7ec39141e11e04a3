//! Every file in `tests/cases` parses without errors and round-trips through the printer; every
//! file in `tests/errors` produces at least one error. One snapshot per file: AST + diagnostics.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use dql::syntax;

fn snapshot_text(source: &dql::Source, parsed: &syntax::Parsed) -> String {
    format!(
        "## Source\n{}\n## AST\n{:#?}\n## Diagnostics\n{}",
        source.text().trim_end(),
        parsed.file,
        common::render(source, &parsed.diagnostics)
    )
}

#[test]
fn cases_parse_and_roundtrip() {
    insta::glob!("cases/*.dql", |path| {
        let source = common::read_case(path);
        let parsed = syntax::parse(&source);
        common::check_spans(&source, &parsed.file);
        let errors: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        assert!(
            errors.is_empty(),
            "{} must parse without errors:\n{}",
            source.name(),
            common::render(&source, &errors)
        );
        common::assert_roundtrip(&source, &parsed.file);
        insta::with_settings!({omit_expression => true, prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(snapshot_text(&source, &parsed));
        });
    });
}

#[test]
fn syntax_errors_are_reported_with_spans() {
    insta::glob!("errors/*.dql", |path| {
        let source = common::read_case(path);
        let parsed = syntax::parse(&source);
        common::check_spans(&source, &parsed.file);
        assert!(
            parsed.diagnostics.iter().any(|d| d.is_error()),
            "{} must produce an error",
            source.name()
        );
        for d in &parsed.diagnostics {
            for label in &d.labels {
                assert!(
                    label.span.end as usize <= source.text().len(),
                    "label outside source"
                );
            }
        }
        insta::with_settings!({omit_expression => true, prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(snapshot_text(&source, &parsed));
        });
    });
}
