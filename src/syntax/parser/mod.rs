//! The statement parser: files of `;`-separated statements, SELECT with its clauses, SHOW EVENT
//! and UPDATE issues, select expressions and keys. Recovers at `;`.

use super::ast::*;
use super::filter::{self, FilterMode};
use super::token::{
    Ctx, PResult, at_keyword, cut_fail, double_quoted, fail, is_number, keyword, operand, param,
    punct, single_quoted, word, word_len, ws,
};
use crate::diagnostic::Diagnostic;
use crate::registry::SyntaxCode;
use crate::span::{Span, Spanned};

mod clauses;
mod expr;

use clauses::*;
use expr::*;

/// Parses a whole file.
///
/// Grammar: `file`
pub(crate) fn file(ctx: &Ctx<'_>) -> File {
    let src = ctx.src();
    let mut i = ws(ctx, src);
    let mut statements = Vec::new();
    let mut gap_start = 0usize;
    while !i.is_empty() {
        if let Some(rest) = i.strip_prefix(';') {
            // An empty statement: nothing to do. The gap goes on, so that a comment before or
            // after it belongs to the next statement or the file's end, and is never lost.
            i = ws(ctx, rest);
            continue;
        }
        let start = i;
        let errors_before = ctx.error_count();
        let (rest, kind) = match statement(ctx, i) {
            Ok((rest, kind)) => {
                if rest.is_empty() || rest.starts_with(';') {
                    (rest, kind)
                } else {
                    ctx.report(unexpected_here(ctx, rest, "`;` or a clause"));
                    (skip_statement(rest), kind)
                }
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                if ctx.error_count() == errors_before {
                    ctx.report(unexpected_here(ctx, e.input, e.expected));
                }
                (skip_statement(e.input), StatementKind::Error)
            }
            Err(nom::Err::Incomplete(_)) => ("", StatementKind::Error),
        };
        let mut span = Span::new(
            ctx.offset(start),
            ctx.offset(last_token_end(ctx, start, rest)),
        );
        if let StatementKind::Select(s) = &kind {
            span = span.to(s.span);
        }
        let gap = Span::new(gap_start, span.start as usize);
        let mut annotations = Vec::new();
        let mut comments = Vec::new();
        // A statement's comments end at its last token: what follows it, before or after its
        // `;`, is the gap before the next statement (or the file's end). So `SELECT a -- c`,
        // the same with `;` on the next line, and `SELECT a; -- c` are one tree, and the
        // printed form of any of them (the `;` right after the last token) reads back as it.
        let owned = Span::new(gap.start as usize, span.end as usize);
        for comment in ctx.comments_in(owned) {
            match annotation(ctx, &comment) {
                Some(a) if gap.contains(comment.span) => annotations.push(a),
                _ => comments.push(comment),
            }
        }
        statements.push(Statement {
            annotations,
            comments,
            kind,
            span,
        });
        i = match rest.strip_prefix(';') {
            Some(after) => ws(ctx, after),
            None => rest,
        };
        gap_start = span.end as usize;
    }
    let tail = Span::new(gap_start, src.len());
    File {
        statements,
        trailing_comments: ctx.comments_in(tail),
        span: Span::new(0, src.len()),
    }
}

/// The end of the last token before `rest`: `rest` with the trivia before it given back.
fn last_token_end<'a>(ctx: &Ctx<'_>, start: &'a str, rest: &'a str) -> &'a str {
    let consumed = start.len().saturating_sub(rest.len());
    let body = start.get(..consumed).unwrap_or("");
    // Trailing trivia is white space and comments; comments recorded inside it end before rest.
    // Last first, so that cutting one comment off exposes the one before it (`x --a\n--b\n`).
    let mut end = body.trim_end().len();
    let body_start = ctx.offset(start);
    for c in ctx
        .comments_in(Span::new(body_start, body_start + consumed))
        .into_iter()
        .rev()
    {
        let c_start = (c.span.start as usize).saturating_sub(body_start);
        if c_start < end && c.span.end as usize >= body_start + end {
            end = body.get(..c_start).unwrap_or("").trim_end().len();
        }
    }
    start.get(end..).unwrap_or(rest)
}

/// `-- @key value` read from a line comment.
fn annotation(ctx: &Ctx<'_>, comment: &Comment) -> Option<Annotation> {
    if comment.block {
        return None;
    }
    let text = comment.text.trim_start();
    let body = text.strip_prefix('@')?;
    let lead = comment.text.len() - text.len() + 2 + 1; // `--`, white space, `@`
    let key_len = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let key = body.get(..key_len).unwrap_or("");
    let value_raw = body.get(key_len..).unwrap_or("");
    let value = value_raw.trim();
    let key_start = comment.span.start as usize + lead;
    let value_start = key_start + key_len + (value_raw.len() - value_raw.trim_start().len());
    let _ = ctx;
    Some(Annotation {
        key: Spanned::new(key.to_string(), Span::new(key_start, key_start + key_len)),
        value: Spanned::new(
            value.to_string(),
            Span::new(value_start, value_start + value.len()),
        ),
        span: comment.span,
    })
}

/// Skips to the next `;` outside quotes and comments (or the end).
fn skip_statement(i: &str) -> &str {
    let bytes = i.as_bytes();
    let mut idx = 0;
    while let Some(&b) = bytes.get(idx) {
        match b {
            b';' => return i.get(idx..).unwrap_or(""),
            b'"' | b'\'' => {
                idx += 1;
                while let Some(&c) = bytes.get(idx) {
                    if c == b'\\' && b == b'"' {
                        idx += 2;
                        continue;
                    }
                    if c == b || c == b'\n' {
                        break;
                    }
                    idx += 1;
                }
                idx += 1;
            }
            b'-' if bytes.get(idx + 1) == Some(&b'-')
                && (idx == 0 || bytes.get(idx - 1).is_some_and(|p| p.is_ascii_whitespace())) =>
            {
                while bytes.get(idx).is_some_and(|&c| c != b'\n') {
                    idx += 1;
                }
            }
            _ => idx += 1,
        }
    }
    ""
}

/// "expected …, found `…`" at `rest`.
fn unexpected_here(ctx: &Ctx<'_>, rest: &str, expected: &str) -> Diagnostic {
    let mut d = super::unexpected(ctx, rest);
    if !expected.is_empty() {
        d = d.label(format!("expected {expected}"));
    }
    d
}

/// Grammar: `statement`
fn statement<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, StatementKind> {
    if at_keyword(i, "SELECT") {
        let (rest, select) = select(ctx, i)?;
        return Ok((rest, StatementKind::Select(Box::new(select))));
    }
    if at_keyword(i, "SHOW") {
        let (rest, show) = show_event(ctx, i)?;
        return Ok((rest, StatementKind::ShowEvent(show)));
    }
    if at_keyword(i, "UPDATE") {
        let (rest, update) = update_issues(ctx, i)?;
        return Ok((rest, StatementKind::UpdateIssues(Box::new(update))));
    }
    if let Some(d) = misspelt_statement_keyword(ctx, i) {
        ctx.report(d);
    }
    cut_fail(i, "SELECT, SHOW EVENT or UPDATE issues")
}

/// The words a statement starts with.
const STATEMENT_KEYWORDS: [&str; 3] = ["SELECT", "SHOW", "UPDATE"];

/// `SELEC count() FROM errors`: the error at a word one or two edits from a statement
/// keyword, with the keyword as its fix (in the word's case), instead of a bare "unexpected".
fn misspelt_statement_keyword(ctx: &Ctx<'_>, i: &str) -> Option<Diagnostic> {
    misspelt_keyword(
        ctx,
        i,
        &STATEMENT_KEYWORDS,
        "not a statement keyword",
        "a statement is `SELECT …`, `SHOW EVENT …` or `UPDATE issues …`",
    )
}

/// The error at a word one or two edits from one of `keywords` (`SELEC`, `GROPU`, `LIMT`),
/// labelled `label`, with the nearest keyword as its fix (in the word's case) and `help` after
/// the "did you mean"; `None` when no keyword is near.
pub(super) fn misspelt_keyword(
    ctx: &Ctx<'_>,
    i: &str,
    keywords: &[&str],
    label: &str,
    help: &str,
) -> Option<Diagnostic> {
    let len = word_len(i);
    let word = i.get(..len)?;
    let upper = word.to_ascii_uppercase();
    // One edit for a short word, two from five letters on (as names are suggested).
    let limit = if upper.len() >= 5 { 2 } else { 1 };
    let keyword = keywords
        .iter()
        .filter(|_| upper.len() > 2)
        .map(|kw| (strsim::osa_distance(&upper, kw), *kw))
        .filter(|&(d, _)| d <= limit)
        .min()?
        .1;
    let fix = if word.chars().all(|c| c.is_ascii_lowercase()) {
        keyword.to_ascii_lowercase()
    } else {
        keyword.to_owned()
    };
    let span = ctx.span_len(i, len);
    Some(
        Diagnostic::error(
            SyntaxCode::UnexpectedToken,
            span,
            format!("unexpected `{word}`"),
        )
        .label(label)
        .help(format!("did you mean `{fix}`? {help}"))
        .fix(span, fix),
    )
}

/// Grammar: `select`
fn select<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, Select> {
    let (i, _) = keyword(ctx, start, "SELECT")?;
    let (i, distinct) = match keyword(ctx, i, "DISTINCT") {
        Ok((i, span)) => (i, Some(span)),
        Err(_) => (i, None),
    };
    let (i, items) = select_list(ctx, i)?;
    let (i, clauses) = clauses(ctx, i)?;
    let span = Span::new(ctx.offset(start), ctx.offset(last_token_end(ctx, start, i)));
    // A clause that ends in an error may label the end of input, past the last token.
    let span = [&clauses.where_, &clauses.having]
        .into_iter()
        .flatten()
        .fold(span, |s, c| s.to(c.span));
    Ok((
        i,
        Select {
            distinct,
            items,
            clauses,
            span,
        },
    ))
}

/// Grammar: `select_list`
fn select_list<'a>(ctx: &Ctx<'_>, mut i: &'a str) -> PResult<'a, Vec<SelectItem>> {
    let mut items = Vec::new();
    loop {
        let (rest, item) = select_item(ctx, i)?;
        items.push(item);
        match punct(ctx, rest, ",") {
            Ok((rest, _)) => i = rest,
            Err(_) => return Ok((rest, items)),
        }
    }
}

/// Grammar: `select_item`
fn select_item<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, SelectItem> {
    let (i, expr) = if let Some(rest) = start.strip_prefix('*') {
        let span = ctx.span(start, rest);
        (
            ws(ctx, rest),
            Expr {
                kind: ExprKind::Star,
                span,
            },
        )
    } else {
        match expr(ctx, start) {
            Ok(ok) => ok,
            Err(nom::Err::Error(e)) => return cut_fail(e.input, "a field, function or `*`"),
            Err(e) => return Err(e),
        }
    };
    let (i, alias) =
        match keyword(ctx, i, "AS") {
            Ok((i, _)) => {
                let (i, alias) = alias(ctx, i)?;
                (i, Some(alias))
            }
            Err(_) => {
                // A bare name after an item is an alias missing its AS: say so rather than
                // "unexpected".
                let len = word_len(i);
                if len > 0 && !is_clause_start(i) && !at_keyword(i, "AS") {
                    let name = i.get(..len).unwrap_or("");
                    let span = ctx.span_len(i, len);
                    // `SELECT count() FORM errors`: a misspelt clause keyword, not an alias.
                    let upper = name.to_ascii_uppercase();
                    let keyword = super::token::CLAUSE_KEYWORDS
                        .iter()
                        .find(|kw| upper.len() > 2 && strsim::osa_distance(&upper, kw) == 1);
                    let diagnostic = Diagnostic::error(
                        SyntaxCode::AliasWithoutAs,
                        span,
                        format!("`{name}` follows a select item without `AS`"),
                    )
                    .label("an alias needs AS");
                    ctx.report(match keyword {
                    Some(kw) => diagnostic
                        .help(format!("did you mean `{kw}`? (an alias would need `AS {name}`)"))
                        .fix(span, *kw),
                    None => diagnostic
                        .help(format!(
                            "write `AS {name}` to name the column, or a `,` to select another item"
                        ))
                        .fix(Span::new(span.start as usize, span.start as usize), "AS "),
                });
                    return cut_fail(i, "`,`, AS or a clause");
                }
                (i, None)
            }
        };
    let end = last_token_end(ctx, start, i);
    Ok((
        i,
        SelectItem {
            expr,
            alias,
            span: ctx.span(start, end),
        },
    ))
}

/// Whether `i` starts a clause (or ends the statement).
fn is_clause_start(i: &str) -> bool {
    i.is_empty()
        || i.starts_with(';')
        || super::token::CLAUSE_KEYWORDS
            .iter()
            .any(|kw| at_keyword(i, kw))
}

/// Grammar: `alias`
fn alias<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Alias> {
    if i.starts_with('"') {
        let (rest, (name, span)) = double_quoted(ctx, i)?;
        return Ok((
            rest,
            Alias {
                name,
                quoted: true,
                span,
            },
        ));
    }
    if i.starts_with('\'') {
        return single_quoted_name(ctx, i);
    }
    let len = i
        .char_indices()
        .take_while(|&(idx, c)| {
            c == '_' || c.is_ascii_alphabetic() || (idx > 0 && c.is_ascii_digit())
        })
        .map(|(idx, c)| idx + c.len_utf8())
        .last()
        .unwrap_or(0);
    let word_end = word_len(i);
    if len == 0 || word_end > len {
        // At least the first character (`span_len` keeps it whole).
        let bad = word_end.max(1);
        ctx.report(
            Diagnostic::error(
                SyntaxCode::BadAlias,
                ctx.span_len(i, bad),
                "an alias is a plain identifier or a quoted name",
            )
            .label("not an alias")
            .help("use letters, digits and `_` (not starting with a digit), or quote it: `AS \"p95 ms\"`"),
        );
        return cut_fail(i, "an alias");
    }
    let (name, rest) = i.split_at(len);
    let span = ctx.span(i, rest);
    Ok((
        ws(ctx, rest),
        Alias {
            name: name.to_string(),
            quoted: false,
            span,
        },
    ))
}

/// `'…'` where a name is wanted: an error with a fix-it to `"…"`.
fn single_quoted_name<'a, T>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, T> {
    let (_, (text, span)) = single_quoted(ctx, i)?;
    let fixed = format!("\"{}\"", text.replace('"', "\\\""));
    ctx.report(
        Diagnostic::error(
            SyntaxCode::SingleQuotedName,
            span,
            "single quotes make a string, not a name",
        )
        .label("a name is written with double quotes")
        .help(format!("write {fixed}"))
        .fix(span, fixed),
    );
    cut_fail(i, "a name")
}

/// Grammar: `show_event`
fn show_event<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, ShowEvent> {
    let (i, _) = keyword(ctx, start, "SHOW")?;
    let (i, _) = keyword(ctx, i, "EVENT").or_else(|_| cut_fail(i, "EVENT"))?;
    let (i, id) = clause_operand(ctx, i, "an event id")?;
    let (i, project) = match keyword(ctx, i, "PROJECT") {
        Ok((r, _)) => {
            let (r, p) = clause_operand(ctx, r, "a project slug")?;
            (r, Some(p))
        }
        Err(_) => (i, None),
    };
    let span = ctx.span(start, last_token_end(ctx, start, i));
    Ok((i, ShowEvent { id, project, span }))
}

/// Grammar: `update_issues`
fn update_issues<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, UpdateIssues> {
    let (i, _) = keyword(ctx, start, "UPDATE")?;
    let (i, (target, target_span)) = word(ctx, i).or_else(|_| cut_fail(i, "`issues`"))?;
    let (mut i, _) = keyword(ctx, i, "SET").or_else(|_| cut_fail(i, "SET"))?;
    let mut assignments = Vec::new();
    loop {
        let (rest, a) = assignment(ctx, i)?;
        assignments.push(a);
        if let Ok((rest, _)) = punct(ctx, rest, ",") {
            i = rest;
            continue;
        }
        if let Ok((after, and)) = keyword(ctx, rest, "AND") {
            ctx.report(
                Diagnostic::error(
                    SyntaxCode::AndBetweenAssignments,
                    and,
                    "assignments are separated by `,`, not AND",
                )
                .label("AND here")
                .help("SET takes a comma-separated list: `SET status = resolved, priority = high`")
                .fix(and, ","),
            );
            i = after;
            continue;
        }
        i = rest;
        break;
    }
    let (i, clauses) = clauses(ctx, i)?;
    let span = ctx.span(start, last_token_end(ctx, start, i));
    Ok((
        i,
        UpdateIssues {
            target: Spanned::new(target.to_string(), target_span),
            assignments,
            clauses,
            span,
        },
    ))
}

/// Grammar: `assignment`
fn assignment<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, Assignment> {
    let (i, (key, key_span)) =
        word(ctx, start).or_else(|_| cut_fail(start, "an issue attribute"))?;
    let (i, _) = punct(ctx, i, "=").or_else(|_| cut_fail(i, "`=`"))?;
    let (i, value) = clause_operand(ctx, i, "a value")?;
    let span = ctx.span(start, last_token_end(ctx, start, i));
    Ok((
        i,
        Assignment {
            key: Spanned::new(key.to_string(), key_span),
            value,
            span,
        },
    ))
}
