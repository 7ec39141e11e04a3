//! The filter sub-language of WHERE and HAVING: Sentry's search syntax plus SQL-style
//! conditions and NOT.

use super::ast::Filter;
use super::token::{Ctx, PResult};

/// Where a filter is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterMode {
    /// Inside a DQL statement: SQL-style conditions and NOT are accepted, and at depth 0 a clause
    /// keyword (`FROM`, `GROUP BY`, …, language.md §2 "Where a filter ends") or `;` ends it.
    Clause,
    /// A bare Sentry search string (the `query` parameter, conformance cases): Sentry's syntax
    /// only, nothing ends it but the end of the input.
    Search,
}

/// Parses a filter starting at `i` (trivia already skipped). Returns the remaining input at
/// the terminator (trivia skipped).
///
/// Grammar: `filter`
pub fn filter<'a>(ctx: &Ctx<'_>, i: &'a str, mode: FilterMode) -> PResult<'a, Filter> {
    let _ = (ctx, mode);
    super::token::cut_fail(i, "a filter")
}
