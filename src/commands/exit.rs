//! Exit codes, one per failure class (documented in the README). Classes 3–5 come from
//! `ClientError::exit_code`.

/// Query errors (syntax or semantic), an unformatted file under `fmt --check`, or an UPDATE
/// that was not confirmed.
pub(crate) const QUERY: u8 = 1;
/// Bad usage: unknown flag, missing file, several results in csv without `--name`.
pub(crate) const USAGE: u8 = 2;
