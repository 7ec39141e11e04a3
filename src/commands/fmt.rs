//! `dql fmt`: files printed in canonical form.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit;
use dql::syntax;
use std::path::PathBuf;

/// `dql fmt`: each file in turn; the worst exit code wins.
pub(crate) fn run(paths: &[PathBuf], check: bool, write: bool) -> u8 {
    let mut worst = 0;
    for path in paths {
        let code = fmt_one(path, check, write);
        worst = worst.max(code);
        if code == exit::USAGE && !check && !write {
            break;
        }
    }
    worst
}

/// `dql fmt` on one file.
fn fmt_one(path: &std::path::Path, check: bool, write: bool) -> u8 {
    let source = match super::read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        super::print_diagnostics(&source, &parsed.diagnostics);
        return exit::QUERY;
    }
    let formatted = match apply_format_fixes(&source, &parsed.file) {
        Some(fixed) => fixed,
        None => syntax::format(&parsed.file, source.text()),
    };
    if check {
        if formatted != source.text() {
            eprintln!(
                "{} is not formatted (run `dql fmt --write` on it)",
                source.name()
            );
            return exit::QUERY;
        }
        return 0;
    }
    if write && path.as_os_str() != "-" {
        if formatted == source.text() {
            return 0;
        }
        return match std::fs::write(path, &formatted) {
            Ok(()) => {
                eprintln!("formatted {}", path.display());
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::USAGE
            }
        };
    }
    match super::write_stdout(&formatted) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// Fixes `dql fmt` applies (docs/language.md §3: `count(*)` is written `count()`).
const FORMAT_FIXES: &[&str] = &[dql::registry::SemanticCode::CountStar.as_str()];

/// The canonical text with [`FORMAT_FIXES`] applied, when any applies.
fn apply_format_fixes(source: &dql::Source, file: &syntax::ast::File) -> Option<String> {
    let checked = dql::semantic::check(
        file,
        dql::semantic::Catalog::builtin(),
        &dql::semantic::Params::new(),
        &dql::semantic::CheckOptions::default(),
    );
    let mut fixes: Vec<&dql::diagnostic::Fix> = checked
        .diagnostics
        .iter()
        .filter(|d| FORMAT_FIXES.contains(&d.code))
        .filter_map(|d| d.fix.as_ref())
        .collect();
    if fixes.is_empty() {
        return None;
    }
    // Apply from the end so earlier offsets stay valid.
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    let mut text = source.text().to_string();
    for fix in fixes {
        let range = fix.span.start as usize..fix.span.end as usize;
        if text.get(range.clone()).is_some() {
            text.replace_range(range, &fix.replacement);
        }
    }
    let reparsed = syntax::parse(&dql::Source::new(source.name(), text.clone()));
    if reparsed.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    Some(syntax::format(&reparsed.file, &text))
}
