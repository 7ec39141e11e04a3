//! Lexical layer shared by the statement and filter parsers: the parse context, trivia
//! (white space and comments), keywords, names, strings, parameters and spans.
//!
//! Every parser takes the context and the remaining input (`&str`); a span is computed from how
//! much of the whole source is left, so spans are made here and nowhere else. What each lexeme
//! is (a name, a string, a comment, …) is said once, as a nom parser, in [`super::lexeme`];
//! this module adds the spans, the trivia after a token and the diagnostics.

use super::ast::Comment;
use super::lexeme;
use crate::diagnostic::Diagnostic;
use crate::registry::SyntaxCode;
use crate::span::Span;
use nom::Parser;
use nom::bytes::complete::tag;
use nom::character::complete::char;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::terminated;
use std::cell::{Cell, RefCell};

/// Every keyword of the language (case-insensitive). `tests/integration/grammar.rs` compares this set with
/// the keyword terminals of `grammar/dql.ebnf`.
pub const KEYWORDS: &[&str] = &[
    "AGO",
    "ALL",
    "AND",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "COMPARE",
    "DESC",
    "DISTINCT",
    "ENVIRONMENT",
    "EVENT",
    "FIRST",
    "FROM",
    "GROUP",
    "HAVING",
    "IN",
    "INTERVAL",
    "IS",
    "LAST",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "NULLS",
    "OR",
    "ORDER",
    "PROJECT",
    "SAMPLING",
    "SELECT",
    "SET",
    "SHOW",
    "SINCE",
    "TO",
    "UNTIL",
    "UPDATE",
    "WHERE",
];

/// Keywords that start a clause: a filter ends before one of them (`GROUP`/`ORDER` only when
/// followed by `BY`, `SAMPLING` only before `exact|normal`, `COMPARE` only before `TO <digit>…`:
/// `filter::clause_terminator`).
pub const CLAUSE_KEYWORDS: &[&str] = &[
    "FROM",
    "WHERE",
    "GROUP",
    "HAVING",
    "ORDER",
    "LIMIT",
    "SINCE",
    "UNTIL",
    "PROJECT",
    "ENVIRONMENT",
    "INTERVAL",
    "SAMPLING",
    "COMPARE",
];

/// Parenthesis nesting allowed in filters and expressions before `too_deeply_nested`.
pub const MAX_DEPTH: u32 = 64;

/// A nom error: where it happened and what was expected there.
#[derive(Debug, Clone, PartialEq)]
pub struct PError<'a> {
    /// The input at the failure.
    pub input: &'a str,
    /// What the parser wanted, for the "expected …" message.
    pub expected: &'static str,
}

impl<'a> ParseError<&'a str> for PError<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PError {
            input,
            expected: "",
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Keep the error that got further: it says more about what went wrong.
        if other.input.len() <= self.input.len() {
            other
        } else {
            self
        }
    }
}

/// The result type of every parser.
pub type PResult<'a, T> = nom::IResult<&'a str, T, PError<'a>>;

/// A recoverable error expecting `what` at `input`.
pub fn fail<'a, T>(input: &'a str, expected: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Error(PError { input, expected }))
}

/// A fatal (cut) error expecting `what` at `input`.
pub fn cut_fail<'a, T>(input: &'a str, expected: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Failure(PError { input, expected }))
}

/// Shared state of one parse: the whole source (for spans), diagnostics, comments, depth.
#[derive(Debug)]
pub struct Ctx<'s> {
    src: &'s str,
    diagnostics: RefCell<Vec<Diagnostic>>,
    comments: RefCell<Vec<Comment>>,
    depth: Cell<u32>,
    /// DQL has comments; a bare Sentry search string has none (`--` and `/*` are text there).
    allow_comments: bool,
}

impl<'s> Ctx<'s> {
    /// A context over the whole source `src`.
    pub fn new(src: &'s str) -> Self {
        Ctx {
            src,
            diagnostics: RefCell::new(Vec::new()),
            comments: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            allow_comments: true,
        }
    }

    /// A context for a bare Sentry search string, where `--` and `/*` are ordinary text.
    pub fn without_comments(src: &'s str) -> Self {
        Ctx {
            allow_comments: false,
            ..Ctx::new(src)
        }
    }

    /// The whole source.
    pub fn src(&self) -> &'s str {
        self.src
    }

    /// Byte offset of `rest` (a suffix of the source).
    pub fn offset(&self, rest: &str) -> usize {
        self.src.len().saturating_sub(rest.len())
    }

    /// The span from `before` to `after` (both suffixes of the source, `after` shorter).
    pub fn span(&self, before: &str, after: &str) -> Span {
        Span::new(self.offset(before), self.offset(after))
    }

    /// A span of `len` bytes starting at `at`, widened to the end of the character it would
    /// end inside and kept within `at`: a label never splits a character, whatever length a
    /// caller counts.
    pub fn span_len(&self, at: &str, len: usize) -> Span {
        let start = self.offset(at);
        let len = (len.min(at.len())..at.len())
            .find(|&end| at.is_char_boundary(end))
            .unwrap_or(at.len());
        Span::new(start, start + len)
    }

    /// How many errors have been reported so far.
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .borrow()
            .iter()
            .filter(|d| d.is_error())
            .count()
    }

    /// Records a diagnostic. Backtracking may report the same one twice; duplicates are removed
    /// when the parse ends.
    pub fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// Takes back a diagnostic reported earlier (a reading given up later).
    pub fn retract(&self, code: &str, span: Span) {
        self.diagnostics
            .borrow_mut()
            .retain(|d| !(d.code == code && d.span() == span));
    }

    /// The diagnostics and comments gathered, sorted and without duplicates.
    pub fn finish(self) -> (Vec<Diagnostic>, Vec<Comment>) {
        let mut diagnostics = self.diagnostics.into_inner();
        diagnostics.sort_by_key(|d| (d.span().start, d.span().end));
        diagnostics.dedup();
        let mut comments = self.comments.into_inner();
        comments.sort_by_key(|c| c.span.start);
        comments.dedup();
        (diagnostics, comments)
    }

    /// Records a comment once, keeping the list sorted by position: backtracking may skip the
    /// same trivia twice, and look-ups below search the list rather than scan it.
    fn record_comment(&self, comment: Comment) {
        let mut comments = self.comments.borrow_mut();
        let at = comments.partition_point(|c| c.span.start < comment.span.start);
        if comments
            .get(at)
            .is_none_or(|c| c.span.start != comment.span.start)
        {
            comments.insert(at, comment);
        }
    }

    /// Comments recorded so far whose start lies in `span` (for attaching to a statement).
    pub fn comments_in(&self, span: Span) -> Vec<Comment> {
        let comments = self.comments.borrow();
        let from = comments.partition_point(|c| c.span.start < span.start);
        let to = comments.partition_point(|c| c.span.start < span.end);
        comments
            .get(from..to.max(from))
            .map_or_else(Vec::new, <[Comment]>::to_vec)
    }

    /// Enters one level of nesting; `Err` (with a diagnostic reported) past [`MAX_DEPTH`].
    pub fn enter<'a>(&self, at: &'a str) -> Result<DepthGuard<'_, 's>, nom::Err<PError<'a>>> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            self.report(
                Diagnostic::error(
                    SyntaxCode::TooDeeplyNested,
                    self.span_len(at, 1),
                    format!("nesting deeper than {MAX_DEPTH} levels"),
                )
                .label("this opens one level too many")
                .help("flatten the expression; no query needs this much nesting"),
            );
            return Err(nom::Err::Failure(PError {
                input: at,
                expected: "less nesting",
            }));
        }
        self.depth.set(depth);
        Ok(DepthGuard { ctx: self })
    }
}

/// Leaves a nesting level when dropped.
#[derive(Debug)]
pub struct DepthGuard<'c, 's> {
    ctx: &'c Ctx<'s>,
}

impl Drop for DepthGuard<'_, '_> {
    fn drop(&mut self) {
        self.ctx.depth.set(self.ctx.depth.get().saturating_sub(1));
    }
}

/// Whether `c` may appear in a plain name (`a-z A-Z 0-9 _ . -`).
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

/// Whether a comment may start at `rest`: at the start of a line, after white space, or after
/// one of `( ) , ;` — so that `message:a--b` stays one value.
fn comment_allowed(ctx: &Ctx<'_>, rest: &str) -> bool {
    if !ctx.allow_comments {
        return false;
    }
    let offset = ctx.offset(rest);
    match ctx.src.get(..offset).and_then(|s| s.chars().next_back()) {
        None => true,
        Some(c) => c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';'),
    }
}

/// Skips white space and comments, recording the comments. Never fails.
pub fn ws<'a>(ctx: &Ctx<'_>, mut i: &'a str) -> &'a str {
    loop {
        // White space is `str::trim_start`, not nom: nom's `take_while(char::is_whitespace)`
        // here, after every token, cost 3.4 % of the whole parse (benches/README.md).
        i = i.trim_start();
        if i.starts_with("--")
            && comment_allowed(ctx, i)
            && let Ok((rest, text)) = lexeme::line_comment(i)
        {
            ctx.record_comment(Comment {
                text: text.trim_end().to_string(),
                block: false,
                span: ctx.span(i, rest),
            });
            i = rest;
        } else if i.starts_with("/*") && comment_allowed(ctx, i) {
            match lexeme::block_comment(i) {
                Ok((rest, text)) => {
                    ctx.record_comment(Comment {
                        text: text.to_string(),
                        block: true,
                        span: ctx.span(i, rest),
                    });
                    i = rest;
                }
                Err(_) => {
                    ctx.report(
                        Diagnostic::error(
                            SyntaxCode::UnterminatedComment,
                            ctx.span_len(i, 2),
                            "unterminated block comment",
                        )
                        .label("this comment is never closed")
                        .help("close it with `*/`"),
                    );
                    return "";
                }
            }
        } else {
            return i;
        }
    }
}

/// Whether `i` starts with keyword `kw` (case-insensitive) as a whole word.
pub fn at_keyword(i: &str, kw: &str) -> bool {
    lexeme::keyword(kw).parse(i).is_ok()
}

/// Matches keyword `kw` and the trivia after it; returns its span.
pub fn keyword<'a>(ctx: &Ctx<'_>, i: &'a str, kw: &'static str) -> PResult<'a, Span> {
    let Ok((rest, _)) = lexeme::keyword(kw).parse(i) else {
        return fail(i, kw);
    };
    let span = ctx.span(i, rest);
    Ok((ws(ctx, rest), span))
}

/// Matches punctuation `p` and the trivia after it; returns its span.
pub fn punct<'a>(ctx: &Ctx<'_>, i: &'a str, p: &'static str) -> PResult<'a, Span> {
    match tag::<_, _, PError<'a>>(p).parse(i) {
        Ok((rest, _)) => {
            let span = ctx.span(i, rest);
            Ok((ws(ctx, rest), span))
        }
        Err(_) => fail(i, p),
    }
}

/// The length of the plain word at the start of `i` ([`lexeme::word`]): name characters, where
/// a `-` does not continue a word that so far is a number (so `2-1` subtracts) and a word never
/// starts with `-`. 0 when no word starts there.
pub fn word_len(i: &str) -> usize {
    lexeme::word(i).map_or(0, |(_, w)| w.len())
}

pub use super::lexeme::is_number;

/// A plain word (see [`word_len`]) and the trivia after it.
///
/// Grammar: `word`
pub fn word<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, (&'a str, Span)> {
    let Ok((rest, text)) = lexeme::word(i) else {
        return fail(i, "a name");
    };
    let span = ctx.span(i, rest);
    Ok((ws(ctx, rest), (text, span)))
}

/// `$name`, returning the name without `$`.
///
/// Grammar: `param`
pub fn param<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, (String, Span)> {
    let Some(after) = i.strip_prefix('$') else {
        return fail(i, "a parameter");
    };
    let (rest, name) = lexeme::param_name(after).unwrap_or((after, ""));
    if name.is_empty()
        || rest
            .chars()
            .next()
            .is_some_and(|c| is_name_char(c) || c == '*')
    {
        let bad_len = 1 + after
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
            .unwrap_or(after.len());
        ctx.report(
            Diagnostic::error(
                SyntaxCode::BadParameter,
                ctx.span_len(i, bad_len),
                "`$` starts a parameter, but this is not a parameter name",
            )
            .label("not `$name`")
            .help("a parameter is `$` then a letter or `_`, then letters, digits or `_`; to search for the text, quote it, or use LIKE for a pattern"),
        );
        return cut_fail(i, "a parameter name");
    }
    let span = ctx.span(i, rest);
    Ok((ws(ctx, rest), (name.to_string(), span)))
}

/// A `"…"` string: only `\"` is an escape, every other `\` is literal. Returns the unescaped text
/// and the span including the quotes. An unterminated string is reported and ends at the line end.
///
/// Grammar: `double_string`
pub fn double_quoted<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, (String, Span)> {
    let (rest, text) = quoted_raw(ctx, i, '"')?;
    let span = ctx.span(i, rest);
    Ok((ws(ctx, rest), (text, span)))
}

/// A `'…'` string (SQL style): `''` is a quote, `\` is literal.
///
/// Grammar: `single_string`
pub fn single_quoted<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, (String, Span)> {
    let (rest, text) = quoted_raw(ctx, i, '\'')?;
    let span = ctx.span(i, rest);
    Ok((ws(ctx, rest), (text, span)))
}

/// The body of a quoted string without the trivia after it.
pub fn quoted_raw<'a>(ctx: &Ctx<'_>, i: &'a str, quote: char) -> PResult<'a, String> {
    let Some(body) = i.strip_prefix(quote) else {
        return fail(i, "a quoted string");
    };
    let inside = if quote == '"' {
        lexeme::double_body
    } else {
        lexeme::single_body
    };
    if let Ok(closed) = terminated(inside, char::<_, PError<'a>>(quote)).parse(body) {
        return Ok(closed);
    }
    // Unterminated: report at the opening quote, end the string at the end of its line.
    let line_end = body.find('\n').unwrap_or(body.len());
    ctx.report(
        Diagnostic::error(
            SyntaxCode::UnterminatedString,
            ctx.span_len(i, 1),
            "unterminated string",
        )
        .label("this quote is never closed")
        .help(format!("close the string with `{quote}`")),
    );
    let text = body.get(..line_end).unwrap_or("").replace("\\\"", "\"");
    let rest = body.get(line_end..).unwrap_or("");
    Ok((rest, text))
}

/// A clause operand or SQL operand: a word (any run of characters but white space,
/// `, ; ( ) ' "`), a quoted string, or a parameter.
///
/// Grammar: `operand`
pub fn operand<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, super::ast::Operand> {
    use super::ast::{Operand, OperandKind};
    if i.starts_with('$') {
        let (rest, (name, span)) = param(ctx, i)?;
        return Ok((
            rest,
            Operand {
                kind: OperandKind::Param(name),
                span,
            },
        ));
    }
    if i.starts_with('"') {
        let (rest, (text, span)) = double_quoted(ctx, i)?;
        return Ok((
            rest,
            Operand {
                kind: OperandKind::DoubleQuoted(text),
                span,
            },
        ));
    }
    if i.starts_with('\'') {
        let (rest, (text, span)) = single_quoted(ctx, i)?;
        return Ok((
            rest,
            Operand {
                kind: OperandKind::SingleQuoted(text),
                span,
            },
        ));
    }
    let Ok((rest, text)) = lexeme::operand_word(i) else {
        return fail(i, "a value");
    };
    let span = ctx.span(i, rest);
    Ok((
        ws(ctx, rest),
        Operand {
            kind: OperandKind::Word(text.to_string()),
            span,
        },
    ))
}
