//! Every diagnostic code is documented in the README's table, and every code a query file can
//! produce is produced by at least one file in `tests/errors/`.

use crate::common;

use std::collections::BTreeSet;

/// Codes written in backticks in the README's "Diagnostic codes" section.
fn readme_codes() -> BTreeSet<String> {
    let readme = std::fs::read_to_string("README.md").expect("README.md exists");
    let section = readme
        .split("## Diagnostic codes")
        .nth(1)
        .expect("README.md has a `## Diagnostic codes` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .split('`')
        .filter(|w| w.starts_with("dql::"))
        .map(str::to_string)
        .collect()
}

/// Codes that no query file can produce because an earlier stage refuses the same thing
/// first; each is kept as a guard for library callers who build checked queries by hand.
const GUARDS: &[(&str, &str)] = &[
    (
        "dql::lower::top_events_out_of_range",
        "the checker's top_n_limit",
    ),
    (
        "dql::lower::series_without_aggregate",
        "the checker's interval_without_aggregate",
    ),
    (
        "dql::lower::unknown_issue_sort",
        "the checker's bad_issue_sort",
    ),
    (
        "dql::lower::too_many_fields",
        "the checker's too_many_fields",
    ),
    ("dql::lower::too_many_buckets", "the checker's bad_interval"),
    (
        "dql::lower::interval_exceeds_range",
        "the checker's bad_interval",
    ),
    (
        "dql::lower::negated_date",
        "the typer flips negated dates before printing",
    ),
    (
        "dql::filter::unbound_parameter",
        "the checker's unbound_param",
    ),
    (
        "dql::filter::invalid_size",
        "no catalog key has a size type yet",
    ),
];

#[test]
fn every_code_is_documented() {
    let documented = readme_codes();
    let known: BTreeSet<String> = dql::registry::compile_codes()
        .into_iter()
        .chain(dql::registry::runtime_codes())
        .map(|c| c.code.to_string())
        .collect();
    let missing: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "codes missing from README.md's table: {missing:#?}"
    );
    assert!(
        unknown.is_empty(),
        "README.md documents codes nothing declares: {unknown:#?}"
    );
}

/// The files under `dir` (recursively).
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_code_is_declared_in_the_registry() {
    // The README check above reads the registry only: a `codes!` block anywhere else (a stage,
    // the binary) would declare codes it never sees.
    let mut files = Vec::new();
    rust_files(std::path::Path::new("src"), &mut files);
    let registry = std::path::Path::new("src/registry");
    let elsewhere: Vec<_> = files
        .iter()
        .filter(|path| !path.starts_with(registry) && !path.ends_with("diagnostic.rs"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).expect("readable");
            text.contains("codes! {")
        })
        .collect();
    assert!(
        files.len() > 50,
        "found only {} files under src",
        files.len()
    );
    assert!(
        elsewhere.is_empty(),
        "codes! outside src/registry/: {elsewhere:?} (declare them in the registry)"
    );
}

#[test]
fn every_compile_code_has_an_error_file() {
    // Warnings live in tests/cases (which must compile), errors in tests/errors.
    let mut produced = BTreeSet::new();
    let entries = std::fs::read_dir("tests/errors")
        .expect("tests/errors exists")
        .chain(std::fs::read_dir("tests/cases").expect("tests/cases exists"));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|e| e != "dql") {
            continue;
        }
        let source = common::read_case(&path);
        let compilation = dql::compile_source(&source, &common::case_options(&source));
        produced.extend(compilation.diagnostics.iter().map(|d| d.code.to_string()));
    }
    let missing: Vec<_> = dql::registry::compile_codes()
        .into_iter()
        .map(|c| c.code)
        .filter(|c| !produced.contains(*c) && !GUARDS.iter().any(|(g, _)| g == c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes no file in tests/errors (or, for warnings, tests/cases) produces: {missing:#?}"
    );
    for (guard, _) in GUARDS {
        assert!(
            !produced.contains(*guard),
            "{guard} is produced by a file: remove it from GUARDS"
        );
    }
}
