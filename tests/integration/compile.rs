//! Every file in `tests/cases` compiles without errors and round-trips through the printer;
//! every file in `tests/errors` produces at least one error. One snapshot per file: the AST,
//! the rendered diagnostics of every stage, and the requests (params in the order sent).

use crate::common;

use dql::syntax;

fn snapshot_text(source: &dql::Source) -> (String, dql::Compilation) {
    let parsed = syntax::parse(source);
    common::check_spans(source, &parsed.file);
    let compilation = dql::compile_source(source, &common::case_options(source));
    for d in &compilation.diagnostics {
        for label in &d.labels {
            assert!(
                label.span.end as usize <= source.text().len(),
                "{}: a label of {} lies outside the source",
                source.name(),
                d.code
            );
        }
    }
    let requests: Vec<_> = compilation.statements.iter().map(|c| &c.request).collect();
    let text = format!(
        "## Source\n{}\n\n## AST\n{:#?}\n\n## Diagnostics\n{}\n## Request\n{}\n",
        source.text().trim_end(),
        parsed.file,
        common::render(source, &compilation.diagnostics),
        serde_json::to_string_pretty(&requests).expect("requests serialize"),
    );
    (text, compilation)
}

#[test]
fn cases_compile_and_roundtrip() {
    insta::glob!("..", "cases/*.dql", |path| {
        let source = common::read_case(path);
        let (text, compilation) = snapshot_text(&source);
        let errors: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        assert!(
            errors.is_empty(),
            "{} must compile without errors:\n{}",
            source.name(),
            common::render(&source, &errors)
        );
        common::assert_roundtrip(&source, &syntax::parse(&source).file);
        insta::with_settings!({omit_expression => true, prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(text);
        });
    });
}

#[test]
fn errors_are_reported_with_spans() {
    insta::glob!("..", "errors/*.dql", |path| {
        let source = common::read_case(path);
        let (text, compilation) = snapshot_text(&source);
        assert!(
            compilation.has_errors(),
            "{} must produce an error",
            source.name()
        );
        insta::with_settings!({omit_expression => true, prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(text);
        });
    });
}

#[test]
fn examples_compile_and_are_formatted() {
    let mut n = 0;
    for entry in std::fs::read_dir("examples").expect("examples/ exists") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|e| e != "dql") {
            continue;
        }
        n += 1;
        let source = common::read_case(&path);
        let compilation = dql::compile_source(&source, &common::case_options(&source));
        assert!(
            compilation.diagnostics.is_empty(),
            "{} must compile without diagnostics:\n{}",
            path.display(),
            common::render(&source, &compilation.diagnostics)
        );
        let parsed = syntax::parse(&source);
        common::assert_roundtrip(&source, &parsed.file);
        assert_eq!(
            parsed.file.to_string(),
            source.text(),
            "{} is not in canonical form: run `dql fmt` on it",
            path.display()
        );
    }
    assert!(
        n >= 8,
        "examples/ must hold at least 8 saved queries, found {n}"
    );
}
