//! The syntax stage: DQL text to [`ast::File`] plus diagnostics. Parsing never fails.
//!
//! Two layers, and nom in only one of them:
//!
//! - **The lexical layer is nom.** [`lexeme`] says once, as nom combinators, what each lexeme
//!   is: numbers, parameter names, `"…"` and `'…'` strings with their escapes, comments,
//!   keywords, operand words and Sentry keys; [`token`] wraps them with spans, the trivia
//!   after a token and the diagnostics. The values the semantic stage reads out of words
//!   (Sentry's numbers, durations, sizes, relative and ISO dates, SINCE/INTERVAL periods) are
//!   nom shapes too (`semantic/values.rs`, `semantic/time.rs`). Two pieces stay hand-written,
//!   each with its measured reason beside it: white space (`str::trim_start`; through nom's
//!   `take_while`, [`token::ws`], which runs after every token, cost 3.4 % of the whole parse)
//!   and the plain word (its combinator form cost 1.7 %; benches/README.md). Two nom 8.0.0
//!   traps are avoided on purpose: `tag_no_case` on a `&str` folds case per Unicode character
//!   (the keyword is compared as bytes), and the `character::complete` parsers that may match
//!   nothing (`digit0`, …) end on a misplaced remainder at the end of input, which breaks
//!   `recognize` (rust-bakery/nom#1808; `take_while` is used instead).
//! - **Statements are hand-written recursive descent** (`parser/`, [`filter`]), on nom's result
//!   types. What they do is what combinators do badly: recover (a bad statement becomes
//!   [`ast::StatementKind::Error`] and parsing resumes after its `;`, so one file reports every
//!   mistake), report into the shared [`token::Ctx`] while backtracking (and retract a
//!   diagnostic when a reading is given up), say at each position what was expected there in
//!   words with labelled spans, accept clauses in any order but each once (a duplicate labels
//!   both), and end a filter where the next clause keyword starts — a decision that needs
//!   look-ahead across terms (`GROUP` only before `BY`, free text that runs until a term
//!   starts). Written with `alt`/`many0`, each of these would be a custom combinator that
//!   carries the same state; the descent keeps it in plain code that follows
//!   `grammar/dql.ebnf` rule by rule (each function names its rule).

pub mod ast;
pub mod filter;
pub mod lex;
pub mod lexeme;
mod parser;
mod print;
pub mod print_filter;
pub mod quote;
pub mod token;

pub use print::format;

use crate::diagnostic::Diagnostic;
use crate::source::Source;

/// The result of parsing: the tree (always) and every diagnostic found.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file; statements that failed to parse are [`ast::StatementKind::Error`].
    pub file: ast::File,
    /// Syntax errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a Sentry search string on its own (the `query` parameter's language), as Sentry's
/// own parser reads it. `None` when the string holds no term.
pub fn parse_search(text: &str) -> (Option<ast::Filter>, Vec<Diagnostic>) {
    // Sentry's search syntax has no comments: `message:a --b` is two terms.
    let ctx = token::Ctx::without_comments(text);
    let start = token::ws(&ctx, text);
    if start.is_empty() {
        return (None, ctx.finish().0);
    }
    let result = filter::filter(&ctx, start, filter::FilterMode::Search);
    let filter = match result {
        Ok((rest, f)) => {
            if !rest.is_empty() {
                ctx.report(unexpected(&ctx, rest));
            }
            Some(f)
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            ctx.report(unexpected(&ctx, e.input));
            None
        }
        Err(nom::Err::Incomplete(_)) => None,
    };
    (filter, ctx.finish().0)
}

/// An "unexpected text" diagnostic at `rest`, unless one is already there.
pub(crate) fn unexpected(ctx: &token::Ctx<'_>, rest: &str) -> Diagnostic {
    let len = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, ';' | ',' | '(' | ')'))
        .map_or(rest.len(), |(idx, _)| idx)
        .max(rest.chars().next().map_or(0, char::len_utf8));
    Diagnostic::error(
        crate::registry::SyntaxCode::UnexpectedToken,
        ctx.span_len(rest, len),
        if rest.is_empty() {
            "unexpected end of input".to_string()
        } else {
            format!("unexpected `{}`", rest.get(..len).unwrap_or(rest))
        },
    )
    .label("not expected here")
    .help("a statement is `SELECT …`, `SHOW EVENT …` or `UPDATE issues …`; statements are separated by `;` (grammar/dql.ebnf has the whole syntax)")
}

/// Parses a whole source.
pub fn parse(source: &Source) -> Parsed {
    let ctx = token::Ctx::new(source.text());
    let file = parser::file(&ctx);
    let (diagnostics, _) = ctx.finish();
    Parsed { file, diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_string_has_no_comments() {
        // In a bare Sentry search `--` and `/*` are text, not comments.
        let (filter, diagnostics) = parse_search("message:a --b (/* OR c:d)");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let printed = filter.map(|f| f.to_string()).unwrap_or_default();
        assert!(printed.contains("--b"), "{printed}");
        assert!(printed.contains("/*"), "{printed}");
    }
}
