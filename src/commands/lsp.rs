//! `dql lsp`: the language server over stdio (see `dql::lsp`).
#![allow(
    clippy::print_stderr,
    reason = "stderr is the only channel besides the protocol"
)]

use super::exit::Exit;

/// Runs the server until `exit`; the status is 0 after `shutdown`, 1 otherwise (the
/// protocol's rule, not a failure class of dql).
pub(crate) fn run() -> Result<(), Exit> {
    let settings = dql::lsp::Settings {
        catalog: Some(crate::live_catalog::catalog()),
        deprecated_datasets: super::sentry_io(),
        ..dql::lsp::Settings::default()
    };
    match dql::lsp::stdio_with(settings) {
        Ok(dql::lsp::Ending::Clean) => Ok(()),
        Ok(dql::lsp::Ending::Abrupt) => Err(Exit(1)),
        Err(e) => {
            eprintln!("dql lsp: {e}");
            Err(Exit(1))
        }
    }
}
