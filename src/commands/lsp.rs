//! `dql lsp`: the language server over stdio (see `dql::lsp`).
#![allow(
    clippy::print_stderr,
    reason = "stderr is the only channel besides the protocol"
)]

/// Runs the server until `exit`; the status is 0 after `shutdown`, 1 otherwise.
pub(crate) fn run() -> u8 {
    let settings = dql::lsp::Settings {
        catalog: Some(super::catalog::catalog()),
        deprecated_datasets: super::sentry_io(),
        ..dql::lsp::Settings::default()
    };
    match dql::lsp::stdio_with(settings) {
        Ok(dql::lsp::Ending::Clean) => 0,
        Ok(dql::lsp::Ending::Abrupt) => 1,
        Err(e) => {
            eprintln!("dql lsp: {e}");
            1
        }
    }
}
