//! Select expressions: arithmetic by precedence, primaries, keys, function calls and their
//! arguments.

use super::*;

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
