//! SQL-style conditions (clause mode only): `key = value`, `IN (…)`, `LIKE`, `IS NULL`, …

use super::*;

/// Whether a SQL-style condition starts at `i` (no diagnostics are kept from the look-ahead).
/// Comments between its words are trivia, as everywhere in a clause (`n --c` and a new line
/// before `> 1` is `n > 1`): each keyword is read with `token::keyword`, which skips them as
/// the parse does (and records them as it would: a comment is recorded once, by its start).
pub(super) fn sql_condition_starts(ctx: &Ctx<'_>, i: &str) -> bool {
    let Some((after_key, _, _)) = term_key(ctx, i, FilterMode::Clause, false) else {
        return false;
    };
    if !after_key.starts_with(char::is_whitespace) {
        return false;
    }
    // What follows keyword `kw` at `s` and the trivia after it, if `kw` is there.
    fn after_kw<'a>(ctx: &Ctx<'_>, s: &'a str, kw: &'static str) -> Option<&'a str> {
        token::keyword(ctx, s, kw).ok().map(|(s, _)| s)
    }
    let after = |s, kw| after_kw(ctx, s, kw);
    let list = |s: &str| s.starts_with('(');
    let pattern = |s: &str| s.starts_with(['\'', '"', '$']);
    let r = token::ws(ctx, after_key);
    if r.starts_with(['=', '<', '>']) || r.starts_with("!=") {
        return true;
    }
    if let Some(s) = after(r, "IN") {
        return list(s);
    }
    if let Some(s) = after(r, "LIKE") {
        return pattern(s);
    }
    if let Some(s) = after(r, "NOT") {
        return after(s, "IN").is_some_and(list)
            || after(s, "LIKE").is_some_and(pattern)
            || token::at_keyword(s, "BETWEEN");
    }
    if token::at_keyword(r, "BETWEEN") {
        return true;
    }
    if let Some(s) = after(r, "IS") {
        return token::at_keyword(after(s, "NOT").unwrap_or(s), "NULL");
    }
    false
}

/// A SQL-style condition, or `None` when none starts here (then the words are Sentry syntax).
///
/// Grammar: `sql_condition`
pub(super) fn sql_condition<'a>(ctx: &Ctx<'_>, i: &'a str) -> Option<PResult<'a, Term>> {
    if !sql_condition_starts(ctx, i) {
        return None;
    }
    let (after_key, key, empties) = term_key(ctx, i, FilterMode::Clause, false)?;
    for span in empties {
        ctx.report(
            Diagnostic::error(
                Code::EmptyFunctionArgument,
                span,
                "function parameters should not have empty values",
            )
            .label("empty argument")
            .help("remove the extra comma, or write the argument"),
        );
    }
    let r = token::ws(ctx, after_key);
    let make = |rest: &'a str, kind: SqlKind| -> PResult<'a, Term> {
        let span = ctx.span(i, rest);
        Ok((
            token::ws(ctx, rest),
            Term {
                kind: TermKind::Sql(SqlCondition {
                    key: key.clone(),
                    kind,
                }),
                span,
            },
        ))
    };
    for (text, op) in [
        ("<>", SqlOp::LtGt),
        ("<=", SqlOp::Le),
        (">=", SqlOp::Ge),
        ("!=", SqlOp::Ne),
        ("=", SqlOp::Eq),
        ("<", SqlOp::Lt),
        (">", SqlOp::Gt),
    ] {
        if let Some(after) = r.strip_prefix(text) {
            let op = Spanned::new(op, ctx.span(r, after));
            let v = token::ws(ctx, after);
            let (rest, value) = sql_operand(ctx, v);
            return Some(make(rest, SqlKind::Compare(op, value)));
        }
    }
    let (negated, r) = match token::keyword(ctx, r, "NOT") {
        Ok((rest, _)) => (true, rest),
        Err(_) => (false, r),
    };
    if let Ok((r, _)) = token::keyword(ctx, r, "IN") {
        let mut p = token::ws(ctx, r.get(1..).unwrap_or(""));
        let mut items = Vec::new();
        loop {
            if let Some(after) = p.strip_prefix(')') {
                return Some(make(after, SqlKind::In { negated, items }));
            }
            if p.is_empty() || p.starts_with(';') {
                ctx.report(
                    Diagnostic::error(
                        Code::UnbalancedParentheses,
                        ctx.span_len(r, 1),
                        "unclosed `(` of IN",
                    )
                    .label("this list is never closed")
                    .help("close the list with `)`"),
                );
                return Some(make(p, SqlKind::In { negated, items }));
            }
            let (rest, item) = sql_operand(ctx, p);
            items.push(item);
            p = rest;
            if let Ok((rest, _)) = token::punct(ctx, p, ",") {
                p = rest;
            } else if !p.starts_with(')') {
                ctx.report(token_error(ctx, p, "expected `,` or `)` in the IN list"));
                return Some(Err(nom::Err::Failure(token::PError {
                    input: p,
                    expected: "`,` or `)`",
                })));
            }
        }
    }
    if let Ok((r, _)) = token::keyword(ctx, r, "LIKE") {
        let (rest, pattern) = sql_operand(ctx, r);
        return Some(make(rest, SqlKind::Like { negated, pattern }));
    }
    if let Ok((r, _)) = token::keyword(ctx, r, "BETWEEN") {
        let (rest, low) = sql_operand(ctx, r);
        let rest = token::ws(ctx, rest);
        let rest = match token::keyword(ctx, rest, "AND") {
            Ok((after, _)) => after,
            Err(_) => {
                ctx.report(token_error(ctx, rest, "expected AND of BETWEEN"));
                return Some(Err(nom::Err::Failure(token::PError {
                    input: rest,
                    expected: "AND",
                })));
            }
        };
        let (rest, high) = sql_operand(ctx, rest);
        return Some(make(rest, SqlKind::Between { negated, low, high }));
    }
    if let Ok((r, is)) = token::keyword(ctx, r, "IS") {
        let (r, not) = match token::keyword(ctx, r, "NOT") {
            Ok((rest, span)) => (rest, Some(span)),
            Err(_) => (r, None),
        };
        if let Ok((_, null)) = token::keyword(ctx, r, "NULL") {
            let rest = r.get(null.len()..).unwrap_or("");
            // The words as Sentry would read them as free text: comments between them are
            // trivia, merged as free text merges its gaps (`x /* c */ is null` is `x is null`).
            let mut prev = ctx.span(i, after_key);
            let mut written = prev.slice(ctx.src()).unwrap_or("").to_string();
            for word in [Some(is), not, Some(null)].into_iter().flatten() {
                let gap = Span::new(prev.end as usize, word.start as usize);
                push_gap(&mut written, gap.slice(ctx.src()).unwrap_or(" "));
                written.push_str(word.slice(ctx.src()).unwrap_or(""));
                prev = word;
            }
            return Some(make(
                rest,
                SqlKind::IsNull {
                    negated: not.is_some(),
                    written,
                    words: is.to(null),
                },
            ));
        }
    }
    None
}

fn token_error(ctx: &Ctx<'_>, at: &str, message: &str) -> Diagnostic {
    let mut d = crate::syntax::unexpected(ctx, at);
    d.message = format!(
        "{message}, found {}",
        if at.is_empty() {
            "the end".to_string()
        } else {
            d.message.trim_start_matches("unexpected ").to_string()
        }
    );
    d
}

/// A SQL operand; a missing one is reported and stands as an empty word. Returns the rest before
/// trivia.
///
/// Grammar: `sql_operand`
fn sql_operand<'a>(ctx: &Ctx<'_>, v: &'a str) -> (&'a str, Operand) {
    match token::operand(ctx, v) {
        Ok((_, operand)) => {
            let used = (operand.span.end as usize).saturating_sub(ctx.offset(v));
            (v.get(used..).unwrap_or(""), operand)
        }
        Err(_) => {
            // Point right after the operator, not past the line break that may follow it.
            let at = ctx
                .src()
                .get(..ctx.offset(v))
                .map_or(ctx.offset(v), |before| before.trim_end().len());
            ctx.report(
                Diagnostic::error(Code::MissingValue, Span::new(at, at), "expected a value")
                    .label("a value is missing here")
                    .help("write a value after the operator, e.g. `level = 'error'`"),
            );
            (
                v,
                Operand {
                    kind: OperandKind::Word(String::new()),
                    span: ctx.span_len(v, 0),
                },
            )
        }
    }
}
