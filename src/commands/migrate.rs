//! `dql migrate`: queries moved off the deprecated `transactions` and `discover` datasets.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit::Exit;
use dql::syntax;

/// `dql migrate`: rewrites in place (standard input to standard output); the statements
/// with something that has no spans equivalent stay as they are and are reported.
pub(crate) fn run(path: &std::path::Path, check: bool) -> Result<(), Exit> {
    let source = super::read_source(path)?;
    let parsed = syntax::parse(&source);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        super::print_diagnostics(&source, &parsed.diagnostics);
        return Err(Exit::QUERY);
    }
    let migration = dql::migrate::migrate(&source, dql::semantic::Catalog::builtin());
    if !migration.reports.is_empty() {
        super::print_diagnostics(&source, &migration.reports);
    }
    let changed = migration.changed(&source);
    let failed = migration.reports.iter().any(dql::Diagnostic::is_error);
    if check {
        if changed {
            eprintln!(
                "{}: {} statement(s) would move to spans (run `dql migrate` on it)",
                source.name(),
                migration.rewritten
            );
        }
        return if changed || failed {
            Err(Exit::QUERY)
        } else {
            Ok(())
        };
    }
    if path.as_os_str() == "-" {
        super::write_stdout(&migration.text)?;
    } else if changed {
        if let Err(e) = std::fs::write(path, &migration.text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Err(Exit::USAGE);
        }
        eprintln!(
            "{}: {} statement(s) moved to spans",
            source.name(),
            migration.rewritten
        );
    }
    if failed { Err(Exit::QUERY) } else { Ok(()) }
}
