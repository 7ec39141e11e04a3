//! `dql migrate`: queries moved off the deprecated `transactions` and `discover` datasets.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit;
use dql::syntax;

/// `dql migrate`: rewrites in place (standard input to standard output); the statements
/// with something that has no spans equivalent stay as they are and are reported.
pub(crate) fn run(path: &std::path::Path, check: bool) -> u8 {
    let source = match super::read_source(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        super::print_diagnostics(&source, &parsed.diagnostics);
        return exit::QUERY;
    }
    let migration = dql::migrate::migrate(&source, dql::semantic::Catalog::builtin());
    if !migration.reports.is_empty() {
        super::print_diagnostics(&source, &migration.reports);
    }
    let changed = migration.changed(&source);
    let failed = !migration.reports.is_empty();
    if check {
        if changed {
            eprintln!(
                "{}: {} statement(s) would move to spans (run `dql migrate` on it)",
                source.name(),
                migration.rewritten
            );
        }
        return if changed || failed { exit::QUERY } else { 0 };
    }
    if path.as_os_str() == "-" {
        if let Err(code) = super::write_stdout(&migration.text) {
            return code;
        }
    } else if changed {
        if let Err(e) = std::fs::write(path, &migration.text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
        eprintln!(
            "{}: {} statement(s) moved to spans",
            source.name(),
            migration.rewritten
        );
    }
    if failed { exit::QUERY } else { 0 }
}
