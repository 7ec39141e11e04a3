//! `dql check`: every problem in a file, rendered by miette or as JSON for editors and agents.

use super::exit;
use super::{Input, parse_params, print_diagnostics, read_input, write_stdout};

/// How `dql check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MessageFormat {
    /// miette's rendering on stderr.
    Human,
    /// One JSON object per diagnostic on stdout.
    Json,
}

/// Runs `dql check`.
pub(crate) fn run(input: Input<'_>, strict: bool, params: &[String], format: MessageFormat) -> u8 {
    let source = match read_input(input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let params = match parse_params(params) {
        Ok(p) => p,
        Err(code) => return code,
    };
    super::warn_unused_params(&source, &params, None);
    // Checking needs no clock, but lowering finds a few problems too (too many fields once
    // hidden ones are added): compile fully, with now as the clock says.
    let mut options = dql::Options::new(jiff::Timestamp::now());
    options.params = params;
    options.strict = strict;
    let compilation = super::compile_for_sentry(&source, &options);
    match format {
        MessageFormat::Human => print_diagnostics(&source, &compilation.diagnostics),
        MessageFormat::Json => {
            for d in &compilation.diagnostics {
                match write_stdout(&format!("{}\n", d.to_json(&source))) {
                    Ok(()) => {}
                    // The reader has gone: the exit code still says whether there are errors.
                    Err(0) => break,
                    Err(code) => return code,
                }
            }
        }
    }
    if compilation.has_errors() {
        exit::QUERY
    } else {
        0
    }
}
