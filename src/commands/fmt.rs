//! `dql fmt`: files printed in canonical form.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit::Exit;
use dql::syntax;
use std::path::PathBuf;

/// `dql fmt`: each file in turn; the worst exit status wins.
pub(crate) fn run(paths: &[PathBuf], check: bool, write: bool) -> Result<(), Exit> {
    let mut worst = Ok(());
    for path in paths {
        let one = fmt_one(path, check, write);
        worst = Exit::worst(worst, one);
        if one == Err(Exit::USAGE) && !check && !write {
            break;
        }
    }
    worst
}

/// `dql fmt` on one file.
fn fmt_one(path: &std::path::Path, check: bool, write: bool) -> Result<(), Exit> {
    let source = super::read_source(path)?;
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        super::print_diagnostics(&source, &parsed.diagnostics);
        return Err(Exit::QUERY);
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
            return Err(Exit::QUERY);
        }
        return Ok(());
    }
    if write && path.as_os_str() != "-" {
        if formatted == source.text() {
            return Ok(());
        }
        return match std::fs::write(path, &formatted) {
            Ok(()) => {
                eprintln!("formatted {}", path.display());
                Ok(())
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                Err(Exit::USAGE)
            }
        };
    }
    super::write_stdout(&formatted)
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
