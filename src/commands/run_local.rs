//! `dql run --events PATH`: evaluates the checked queries over exported events, offline.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::run::Args;
use crate::cli::exit;
use dql::Source;
use dql::format::Format;
use std::path::Path;

/// Runs the statements of `source` over the events at `events`.
pub(crate) fn run(
    args: &Args<'_>,
    _source: &Source,
    _params: dql::semantic::Params,
    _format: Format,
    events: &Path,
) -> u8 {
    eprintln!(
        "error: the local engine is not wired into the CLI yet (events at {}, skip-bad {})",
        events.display(),
        args.skip_bad
    );
    exit::USAGE
}
