//! How a command ends: [`Exit`], the status of a command that stops before its work is done,
//! one per failure class (documented in the README); classes 3–5 come from
//! `ClientError::exit_code`. Commands return `Result<(), Exit>` and pass a failure up with
//! `?`; `cli` turns the outcome into the process's exit code ([`Exit::code`]).

/// The exit status of a command that stops early: a failure class, or [`Exit::READER_GONE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exit(pub(crate) u8);

impl Exit {
    /// Query errors (syntax or semantic), an unformatted file under `fmt --check`, or an UPDATE
    /// that was not confirmed.
    pub(crate) const QUERY: Exit = Exit(1);
    /// Bad usage: unknown flag, missing file, several results in csv without `--name`.
    pub(crate) const USAGE: Exit = Exit(2);
    /// The reader of stdout has gone (`dql … | head`): the output was cut short on purpose, so
    /// the command stops writing and ends quietly, with status 0.
    pub(crate) const READER_GONE: Exit = Exit(0);

    /// The process's exit code for a command's outcome.
    pub(crate) fn code(outcome: Result<(), Exit>) -> u8 {
        match outcome {
            Ok(()) => 0,
            Err(Exit(code)) => code,
        }
    }

    /// The outcome a status stands for: `Ok` for 0, else `Err` (for parts that answer a code,
    /// as the REPL's loop does).
    pub(crate) fn outcome(code: u8) -> Result<(), Exit> {
        match code {
            0 => Ok(()),
            code => Err(Exit(code)),
        }
    }

    /// The worse of two outcomes: the higher status, as `fmt` over several files and
    /// `run --keep-going` report (an error wins over success).
    pub(crate) fn worst(a: Result<(), Exit>, b: Result<(), Exit>) -> Result<(), Exit> {
        Exit::outcome(Exit::code(a).max(Exit::code(b)))
    }
}
