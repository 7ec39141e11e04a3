//! The statement parser: files of `;`-separated statements, SELECT with its clauses, SHOW EVENT
//! and UPDATE issues, select expressions and keys. Recovers at `;`.

use super::ast::*;
use super::codes::SyntaxCode;
use super::filter::{self, FilterMode};
use super::token::{
    Ctx, PResult, at_keyword, cut_fail, double_quoted, fail, is_number, keyword, operand, param,
    punct, single_quoted, word, word_len, ws,
};
use crate::diagnostic::Diagnostic;
use crate::span::{Span, Spanned};

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
        let owned = Span::new(gap.start as usize, ctx.offset(rest).max(span.end as usize));
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
        gap_start = ctx
            .offset(i)
            .min(span.end as usize + 1)
            .max(span.end as usize);
        gap_start = gap_start.max(ctx.offset(rest));
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
    let mut end = body.trim_end().len();
    let body_start = ctx.offset(start);
    for c in ctx.comments_in(Span::new(body_start, body_start + consumed)) {
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
    cut_fail(i, "SELECT, SHOW EVENT or UPDATE issues")
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
        let bad = word_end.max(1);
        ctx.report(
            Diagnostic::error(
                SyntaxCode::BadAlias,
                ctx.span_len(i, bad.min(i.len())),
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

/// Grammar: `expr`
pub(crate) fn expr<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Expr> {
    left_assoc(ctx, i, product, |i| {
        if i.starts_with('+') {
            Some(BinOp::Add)
        } else if i.starts_with('-') {
            Some(BinOp::Sub)
        } else {
            None
        }
    })
}

/// Grammar: `product`
fn product<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Expr> {
    left_assoc(ctx, i, unary, |i| {
        if i.starts_with('*') {
            Some(BinOp::Mul)
        } else if i.starts_with('/') && !i.starts_with("/*") {
            Some(BinOp::Div)
        } else {
            None
        }
    })
}

/// One precedence level of left-associative arithmetic: `operand {op operand}`, where `op_at`
/// recognises this level's one-character operators.
fn left_assoc<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    operand: fn(&Ctx<'_>, &'a str) -> PResult<'a, Expr>,
    op_at: fn(&str) -> Option<BinOp>,
) -> PResult<'a, Expr> {
    let (mut i, mut left) = operand(ctx, i)?;
    while let Some(op) = op_at(i) {
        let after = ws(ctx, i.get(1..).unwrap_or(""));
        let (rest, right) = match operand(ctx, after) {
            Ok(ok) => ok,
            Err(nom::Err::Error(e)) => return cut_fail(e.input, "an operand"),
            Err(e) => return Err(e),
        };
        let span = left.span.to(right.span);
        left = Expr {
            kind: ExprKind::Binary(Box::new(left), op, Box::new(right)),
            span,
        };
        i = rest;
    }
    Ok((i, left))
}

/// Grammar: `unary`
fn unary<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Expr> {
    if let Some(after) = i.strip_prefix('-') {
        let _guard = ctx.enter(i)?;
        let (rest, inner) = match unary(ctx, ws(ctx, after)) {
            Ok(ok) => ok,
            Err(nom::Err::Error(e)) => return cut_fail(e.input, "an operand"),
            Err(e) => return Err(e),
        };
        let span = ctx.span_len(i, 1).to(inner.span);
        return Ok((
            rest,
            Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                span,
            },
        ));
    }
    primary(ctx, i)
}

/// Grammar: `primary`
fn primary<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Expr> {
    if let Some(after) = i.strip_prefix('(') {
        let _guard = ctx.enter(i)?;
        let (rest, inner) = match expr(ctx, ws(ctx, after)) {
            Ok(ok) => ok,
            Err(nom::Err::Error(e)) => return cut_fail(e.input, "an expression"),
            Err(e) => return Err(e),
        };
        let Some(rest) = rest.strip_prefix(')') else {
            ctx.report(
                unexpected_here(ctx, rest, "`)`")
                    .with_label(ctx.span_len(i, 1), "this parenthesis is never closed"),
            );
            return cut_fail(rest, "`)`");
        };
        // Parentheses only group: the tree keeps the inner expression with the outer span.
        let span = ctx.span(i, rest);
        return Ok((
            ws(ctx, rest),
            Expr {
                kind: inner.kind,
                span,
            },
        ));
    }
    if i.starts_with('$') {
        let (rest, (name, span)) = param(ctx, i)?;
        return Ok((
            rest,
            Expr {
                kind: ExprKind::Param(name),
                span,
            },
        ));
    }
    if i.starts_with('\'') {
        return single_quoted_name(ctx, i);
    }
    let len = word_len(i);
    if len > 0 && i.get(len..).is_some_and(|r| r.starts_with('(')) {
        let (rest, call) = call(ctx, i)?;
        let span = call.span;
        return Ok((
            rest,
            Expr {
                kind: ExprKind::Call(call),
                span,
            },
        ));
    }
    if len > 0 && is_number(i.get(..len).unwrap_or("")) {
        let (rest, (text, span)) = word(ctx, i)?;
        return Ok((
            rest,
            Expr {
                kind: ExprKind::Number(text.to_string()),
                span,
            },
        ));
    }
    let (rest, key) = key(ctx, i)?;
    let span = key.span;
    Ok((
        rest,
        Expr {
            kind: ExprKind::Field(key),
            span,
        },
    ))
}

/// A key: `name`, `"quoted name"`, `tags[x]`, `tags[x,number]`, `flags[x]`, `name[*]`.
///
/// Grammar: `key`
pub(crate) fn key<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Key> {
    if i.starts_with('"') {
        let (rest, (name, span)) = double_quoted(ctx, i)?;
        return Ok((
            rest,
            Key {
                kind: KeyKind::Quoted(name),
                span,
            },
        ));
    }
    for prefix in ["tags", "flags"] {
        if let Some(after) = i.strip_prefix(prefix).and_then(|r| r.strip_prefix('[')) {
            let Some(close) = after.find(']') else {
                ctx.report(
                    Diagnostic::error(
                        SyntaxCode::UnclosedTagKey,
                        ctx.span_len(i, prefix.len() + 1),
                        format!("`{prefix}[` is never closed"),
                    )
                    .label("missing `]`")
                    .help(format!("write `{prefix}[name]`")),
                );
                return cut_fail(after, "`]`");
            };
            let inner = after.get(..close).unwrap_or("");
            let rest = after.get(close + 1..).unwrap_or("");
            let (name, ty) = match inner.rsplit_once(',') {
                Some((n, t)) => (n.trim().to_string(), Some(t.trim().to_string())),
                None => (inner.to_string(), None),
            };
            let mut key = Key {
                kind: KeyKind::Explicit {
                    prefix: prefix.to_string(),
                    name,
                    ty,
                },
                span: ctx.span(i, rest),
            };
            let rest = array_suffix(ctx, i, rest, &mut key);
            return Ok((ws(ctx, rest), key));
        }
    }
    let len = word_len(i);
    if len == 0 {
        return fail(i, "a name");
    }
    let (name, rest) = i.split_at(len);
    let mut key = Key {
        kind: KeyKind::Name(name.to_string()),
        span: ctx.span(i, rest),
    };
    let rest = array_suffix(ctx, i, rest, &mut key);
    Ok((ws(ctx, rest), key))
}

/// `[*]` after a key (browser-only array membership).
fn array_suffix<'a>(ctx: &Ctx<'_>, start: &'a str, rest: &'a str, key: &mut Key) -> &'a str {
    match rest.strip_prefix("[*]") {
        Some(after) => {
            let inner = std::mem::replace(
                key,
                Key {
                    kind: KeyKind::Name(String::new()),
                    span: Span::DUMMY,
                },
            );
            *key = Key {
                kind: KeyKind::ArrayIncludes(Box::new(inner)),
                span: ctx.span(start, after),
            };
            after
        }
        None => rest,
    }
}

/// A function call `name(args)`; `i` is at the name.
///
/// Grammar: `call`
pub(crate) fn call<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Call> {
    let len = word_len(i);
    if len == 0 {
        return fail(i, "a function name");
    }
    let (name, after_name) = i.split_at(len);
    let name = Spanned::new(name.to_string(), ctx.span(i, after_name));
    let Some(after_paren) = after_name.strip_prefix('(') else {
        return fail(after_name, "`(`");
    };
    let _guard = ctx.enter(after_name)?;
    let mut rest = ws(ctx, after_paren);
    let distinct = match keyword(ctx, rest, "DISTINCT") {
        Ok((r, span)) => {
            rest = r;
            Some(span)
        }
        Err(_) => None,
    };
    let mut args = Vec::new();
    if !rest.starts_with(')') {
        loop {
            // A field may be named like a keyword (`count_unique(project)`): only a keyword
            // that is not followed by `,` or `)` ends the call.
            let keyword_here = !rest.is_empty()
                && is_clause_start(rest)
                && !rest
                    .get(word_len(rest)..)
                    .map(str::trim_start)
                    .is_some_and(|r| r.starts_with(',') || r.starts_with(')'));
            if keyword_here {
                // `count( FROM errors`: the call was never closed; say so at the keyword.
                ctx.report(
                    unexpected_here(ctx, rest, "an argument or `)`")
                        .with_label(ctx.span_len(after_name, 1), "this call is never closed"),
                );
                return cut_fail(rest, "`)`");
            }
            let (r, a) = arg(ctx, rest)?;
            args.push(a);
            match punct(ctx, r, ",") {
                Ok((r, _)) => rest = r,
                Err(_) => {
                    rest = r;
                    break;
                }
            }
        }
    }
    let Some(after) = rest.strip_prefix(')') else {
        ctx.report(
            unexpected_here(ctx, rest, "`,` or `)`")
                .with_label(ctx.span_len(after_name, 1), "the call opens here"),
        );
        return cut_fail(rest, "`)`");
    };
    let span = ctx.span(i, after);
    Ok((
        ws(ctx, after),
        Call {
            name,
            distinct,
            args,
            span,
        },
    ))
}

/// Grammar: `arg`
fn arg<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, Arg> {
    if let Some(rest) = i.strip_prefix('*') {
        let span = ctx.span(i, rest);
        return Ok((
            ws(ctx, rest),
            Arg {
                kind: ArgKind::Star,
                span,
            },
        ));
    }
    if i.starts_with('"') {
        let (rest, (text, span)) = double_quoted(ctx, i)?;
        return Ok((
            rest,
            Arg {
                kind: ArgKind::Quoted(text),
                span,
            },
        ));
    }
    if i.starts_with('\'') {
        return single_quoted_name(ctx, i);
    }
    if i.starts_with('$') {
        let (rest, (name, span)) = param(ctx, i)?;
        return Ok((
            rest,
            Arg {
                kind: ArgKind::Param(name),
                span,
            },
        ));
    }
    if i.starts_with("tags[") || i.starts_with("flags[") {
        let (rest, key) = key(ctx, i)?;
        let span = key.span;
        return Ok((
            rest,
            Arg {
                kind: ArgKind::Key(key),
                span,
            },
        ));
    }
    let len = word_len(i);
    if len > 0 && i.get(len..).is_some_and(|r| r.starts_with('(')) {
        let (rest, c) = call(ctx, i)?;
        let span = c.span;
        return Ok((
            rest,
            Arg {
                kind: ArgKind::Call(Box::new(c)),
                span,
            },
        ));
    }
    // A lone `-` (tracemetrics' "no unit": `sum(value,my.counter,counter,-)`).
    if let Some(rest) = i.strip_prefix('-')
        && rest.trim_start().starts_with([',', ')'])
    {
        let span = ctx.span(i, rest);
        return Ok((
            ws(ctx, rest),
            Arg {
                kind: ArgKind::Word(String::from("-")),
                span,
            },
        ));
    }
    // A negative number argument (`-5`): the word itself never starts with `-`.
    let sign = usize::from(
        i.starts_with('-')
            && i.get(1..)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())),
    );
    let len = sign + word_len(i.get(sign..).unwrap_or(""));
    if len == sign {
        return cut_fail(i, "a function argument");
    }
    let (text, rest) = i.split_at(len);
    let span = ctx.span(i, rest);
    Ok((
        ws(ctx, rest),
        Arg {
            kind: ArgKind::Word(text.to_string()),
            span,
        },
    ))
}

/// The clauses after a select list or UPDATE's assignments, in any order, each at most once.
///
/// Grammar: `clauses`
fn clauses<'a>(ctx: &Ctx<'_>, mut i: &'a str) -> PResult<'a, Clauses> {
    let mut c = Clauses::default();
    loop {
        if i.is_empty() || i.starts_with(';') {
            return Ok((i, c));
        }
        let start = i;
        if at_keyword(i, "FROM") {
            let (rest, _) = keyword(ctx, i, "FROM")?;
            let (rest, (name, span)) = match word(ctx, rest) {
                Ok(ok) => ok,
                Err(_) => return cut_fail(rest, "a dataset name"),
            };
            let clause = FromClause {
                dataset: Spanned::new(name.to_string(), span),
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.from, clause, |x| x.span, "FROM");
            i = rest;
        } else if at_keyword(i, "WHERE") || at_keyword(i, "HAVING") {
            let is_where = at_keyword(i, "WHERE");
            let (rest, _) = keyword(ctx, i, if is_where { "WHERE" } else { "HAVING" })?;
            if rest.is_empty()
                || rest.starts_with(';')
                || filter::clause_terminator(ctx, rest).is_some()
            {
                ctx.report(
                    Diagnostic::error(
                        SyntaxCode::EmptyClause,
                        ctx.span(start, rest),
                        format!(
                            "{} needs a filter",
                            if is_where { "WHERE" } else { "HAVING" }
                        ),
                    )
                    .label("nothing follows")
                    .help("write a condition such as `level:error`, or remove the keyword"),
                );
                return cut_fail(rest, "a filter");
            }
            let (rest, f) = filter::filter(ctx, rest, FilterMode::Clause)?;
            // A filter that ends in an error may label the end of input past the last token.
            let span = ctx.span(start, last_token_end(ctx, start, rest)).to(f.span);
            let clause = FilterClause { filter: f, span };
            if is_where {
                set_once(ctx, &mut c.where_, clause, |x| x.span, "WHERE");
            } else {
                set_once(ctx, &mut c.having, clause, |x| x.span, "HAVING");
            }
            i = rest;
        } else if at_keyword(i, "GROUP") {
            let (rest, _) = keyword(ctx, i, "GROUP")?;
            let (rest, _) = keyword(ctx, rest, "BY").or_else(|_| cut_fail(rest, "BY"))?;
            let (rest, items) = comma_list(ctx, rest, group_item)?;
            let clause = GroupBy {
                items,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.group_by, clause, |x| x.span, "GROUP BY");
            i = rest;
        } else if at_keyword(i, "ORDER") {
            let (rest, _) = keyword(ctx, i, "ORDER")?;
            let (rest, _) = keyword(ctx, rest, "BY").or_else(|_| cut_fail(rest, "BY"))?;
            let (rest, keys) = comma_list(ctx, rest, order_key)?;
            let clause = OrderBy {
                keys,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.order_by, clause, |x| x.span, "ORDER BY");
            i = rest;
        } else if at_keyword(i, "LIMIT") {
            let (rest, _) = keyword(ctx, i, "LIMIT")?;
            let (rest, value) = clause_operand(ctx, rest, "a row count")?;
            let clause = Limit {
                value,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.limit, clause, |x| x.span, "LIMIT");
            i = rest;
        } else if at_keyword(i, "SINCE") {
            let (rest, _) = keyword(ctx, i, "SINCE")?;
            let (rest, since) = clause_operand(ctx, rest, "a period or a date")?;
            let (rest, since) = spaced_period(ctx, rest, since);
            let (rest, until) = match keyword(ctx, rest, "UNTIL") {
                Ok((r, _)) => {
                    let (r, u) = clause_operand(ctx, r, "a period or a date")?;
                    let (r, u) = spaced_period(ctx, r, u);
                    (r, Some(u))
                }
                Err(_) => (rest, None),
            };
            let clause = TimeRange {
                since: Some(since),
                until,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.since, clause, |x| x.span, "SINCE");
            i = rest;
        } else if at_keyword(i, "UNTIL") {
            let (rest, kw) = keyword(ctx, i, "UNTIL")?;
            ctx.report(
                Diagnostic::error(SyntaxCode::UntilWithoutSince, kw, "UNTIL without SINCE")
                    .label("UNTIL belongs to SINCE")
                    .help("write `SINCE <start> UNTIL <end>`; UNTIL must follow SINCE's operand"),
            );
            let (rest, _) = clause_operand(ctx, rest, "a period or a date")?;
            i = rest;
        } else if at_keyword(i, "PROJECT") {
            let (rest, _) = keyword(ctx, i, "PROJECT")?;
            let (rest, all, items) = match keyword(ctx, rest, "ALL") {
                Ok((r, span)) => (r, Some(span), Vec::new()),
                Err(_) => {
                    let (r, items) = comma_list(ctx, rest, |ctx, i| {
                        clause_operand(ctx, i, "a project slug or id")
                    })?;
                    (r, None, items)
                }
            };
            let clause = ProjectClause {
                all,
                items,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.project, clause, |x| x.span, "PROJECT");
            i = rest;
        } else if at_keyword(i, "ENVIRONMENT") {
            let (rest, _) = keyword(ctx, i, "ENVIRONMENT")?;
            let (rest, items) = comma_list(ctx, rest, |ctx, i| {
                clause_operand(ctx, i, "an environment name")
            })?;
            let clause = EnvironmentClause {
                items,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.environment, clause, |x| x.span, "ENVIRONMENT");
            i = rest;
        } else if at_keyword(i, "INTERVAL") {
            let (rest, _) = keyword(ctx, i, "INTERVAL")?;
            let (rest, value) = clause_operand(ctx, rest, "a period such as `1h`")?;
            let clause = Interval {
                value,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.interval, clause, |x| x.span, "INTERVAL");
            i = rest;
        } else if at_keyword(i, "SAMPLING") {
            let (rest, _) = keyword(ctx, i, "SAMPLING")?;
            let (rest, value) = clause_operand(ctx, rest, "`exact` or `normal`")?;
            let clause = SamplingClause {
                value,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.sampling, clause, |x| x.span, "SAMPLING");
            i = rest;
        } else if at_keyword(i, "COMPARE") {
            let (rest, _) = keyword(ctx, i, "COMPARE")?;
            let (rest, _) = keyword(ctx, rest, "TO").or_else(|_| cut_fail(rest, "TO"))?;
            let (rest, value) = clause_operand(ctx, rest, "a period such as `7d`")?;
            let (rest, value) = spaced_period(ctx, rest, value);
            let (rest, ago) = match keyword(ctx, rest, "AGO") {
                Ok((r, span)) => (r, Some(span)),
                Err(_) => (rest, None),
            };
            let clause = CompareClause {
                value,
                ago,
                span: ctx.span(start, last_token_end(ctx, start, rest)),
            };
            set_once(ctx, &mut c.compare, clause, |x| x.span, "COMPARE TO");
            i = rest;
        } else {
            return cut_fail(
                i,
                "a clause (FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, SINCE, PROJECT, ENVIRONMENT, INTERVAL, SAMPLING, COMPARE TO) or `;`",
            );
        }
    }
}

/// `SINCE 1 week`: a count and a unit word read as the one (invalid) period `1 week`, so that
/// the checker can say "did you mean `7d`?" instead of "unexpected `week`".
fn spaced_period<'a>(ctx: &Ctx<'_>, i: &'a str, operand: Operand) -> (&'a str, Operand) {
    const UNITS: [&str; 14] = [
        "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours",
        "day", "days", "week", "weeks",
    ];
    let OperandKind::Word(count) = &operand.kind else {
        return (i, operand);
    };
    if !count.bytes().all(|b| b.is_ascii_digit()) {
        return (i, operand);
    }
    let len = word_len(i);
    let Some(unit) = i
        .get(..len)
        .filter(|u| UNITS.iter().any(|w| w.eq_ignore_ascii_case(u)))
    else {
        return (i, operand);
    };
    let rest = i.get(len..).unwrap_or("");
    let span = operand.span.to(ctx.span(i, rest));
    let joined = Operand {
        kind: OperandKind::Word(format!("{count} {unit}")),
        span,
    };
    (ws(ctx, rest), joined)
}

/// An operand that must be there.
fn clause_operand<'a>(ctx: &Ctx<'_>, i: &'a str, what: &'static str) -> PResult<'a, Operand> {
    match operand(ctx, i) {
        Ok(ok) => Ok(ok),
        Err(nom::Err::Error(e)) => cut_fail(e.input, what),
        Err(e) => Err(e),
    }
}

/// Stores a clause, or reports a duplicate labelling both places.
fn set_once<T>(
    ctx: &Ctx<'_>,
    slot: &mut Option<T>,
    value: T,
    span: impl Fn(&T) -> Span,
    name: &str,
) {
    match slot {
        Some(first) => ctx.report(
            Diagnostic::error(
                SyntaxCode::DuplicateClause,
                span(&value),
                format!("{name} is given twice"),
            )
            .label("second one here")
            .with_label(span(first), "first one here")
            .help(format!(
                "each clause may appear once: merge the two {name} clauses"
            )),
        ),
        None => *slot = Some(value),
    }
}

/// `item {, item}`.
fn comma_list<'a, T>(
    ctx: &Ctx<'_>,
    mut i: &'a str,
    item: impl Fn(&Ctx<'_>, &'a str) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut items = Vec::new();
    loop {
        let (rest, x) = item(ctx, i)?;
        items.push(x);
        match punct(ctx, rest, ",") {
            Ok((rest, _)) => i = rest,
            Err(_) => return Ok((rest, items)),
        }
    }
}

/// An all-digit token as a 1-based position.
fn position<'a>(ctx: &Ctx<'_>, i: &'a str) -> Option<(&'a str, Spanned<u32>)> {
    let len = word_len(i);
    let text = i.get(..len)?;
    if len == 0 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if i.get(len..).is_some_and(|r| r.starts_with('(')) {
        return None;
    }
    let rest = i.get(len..).unwrap_or("");
    let span = ctx.span(i, rest);
    let n = text.parse::<u32>().unwrap_or(u32::MAX);
    Some((ws(ctx, rest), Spanned::new(n, span)))
}

/// Grammar: `group_item`
fn group_item<'a>(ctx: &Ctx<'_>, i: &'a str) -> PResult<'a, GroupItem> {
    if let Some((rest, pos)) = position(ctx, i) {
        return Ok((rest, GroupItem::Position(pos)));
    }
    match expr(ctx, i) {
        Ok((rest, e)) => Ok((rest, GroupItem::Expr(e))),
        Err(nom::Err::Error(e)) => cut_fail(e.input, "a field or a position"),
        Err(e) => Err(e),
    }
}

/// Grammar: `order_key`
fn order_key<'a>(ctx: &Ctx<'_>, start: &'a str) -> PResult<'a, OrderKey> {
    let (i, minus) = match start.strip_prefix('-') {
        Some(rest) => (ws(ctx, rest), Some(ctx.span_len(start, 1))),
        None => (start, None),
    };
    let (i, target) = match position(ctx, i) {
        Some((rest, pos)) => (rest, OrderTarget::Position(pos)),
        None => match expr(ctx, i) {
            Ok((rest, e)) => (rest, OrderTarget::Expr(e)),
            Err(nom::Err::Error(e)) => return cut_fail(e.input, "a sort key"),
            Err(e) => return Err(e),
        },
    };
    let (i, direction) = match (minus, keyword(ctx, i, "ASC"), keyword(ctx, i, "DESC")) {
        (None, Ok((r, s)), _) => (r, SortDirection::Asc(s)),
        (None, _, Ok((r, s))) => (r, SortDirection::Desc(s)),
        (None, _, _) => (i, SortDirection::Default),
        (Some(m), Ok((r, s)), _) => {
            ctx.report(
                Diagnostic::error(SyntaxCode::MinusWithAsc, s, "`-key ASC` contradicts itself")
                    .label("ASC here")
                    .with_label(m, "`-` already means descending")
                    .help("drop the `-` to sort ascending, or drop ASC to sort descending"),
            );
            (r, SortDirection::MinusAsc(m, s))
        }
        (Some(m), _, Ok((r, s))) => (r, SortDirection::MinusDesc(m, s)),
        (Some(m), _, _) => (i, SortDirection::Minus(m)),
    };
    let (i, nulls) = match keyword(ctx, i, "NULLS") {
        Ok((r, kw)) => {
            let (r, end) = keyword(ctx, r, "FIRST")
                .or_else(|_| keyword(ctx, r, "LAST"))
                .or_else(|_| cut_fail(r, "FIRST or LAST"))?;
            let span = kw.to(end);
            ctx.report(
                Diagnostic::error(
                    SyntaxCode::NullsOrdering,
                    span,
                    "Sentry cannot order nulls first or last",
                )
                .label("not expressible")
                .help("remove NULLS FIRST/LAST; Sentry decides where nulls sort"),
            );
            (r, Some(span))
        }
        Err(_) => (i, None),
    };
    let end = last_token_end(ctx, start, i);
    Ok((
        i,
        OrderKey {
            target,
            direction,
            nulls,
            span: ctx.span(start, end),
        },
    ))
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
