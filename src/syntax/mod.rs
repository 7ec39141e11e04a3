//! The syntax stage: DQL text to [`ast::File`] plus diagnostics. Parsing never fails.

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
