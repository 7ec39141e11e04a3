//! The clauses after a select list or UPDATE's assignments (`FROM`, `WHERE`, `GROUP BY`,
//! `ORDER BY`, `LIMIT`, `SINCE`, …), in any order, each at most once.

use super::*;

/// The clauses after a select list or UPDATE's assignments, in any order, each at most once.
///
/// Grammar: `clauses`
pub(super) fn clauses<'a>(ctx: &Ctx<'_>, mut i: &'a str) -> PResult<'a, Clauses> {
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
            // `GROPU BY`, `LIMT 5`: a misspelt clause keyword gets its fix, not a bare
            // "unexpected".
            if let Some(d) = super::misspelt_keyword(
                ctx,
                i,
                super::super::token::CLAUSE_KEYWORDS,
                "not a clause keyword",
                "a clause is FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, SINCE, UNTIL, PROJECT, ENVIRONMENT, INTERVAL, SAMPLING or COMPARE TO",
            ) {
                ctx.report(d);
            }
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
pub(super) fn clause_operand<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    what: &'static str,
) -> PResult<'a, Operand> {
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
