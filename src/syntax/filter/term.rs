//! Sentry-style terms: `!?key:op?value`, their operators, values and `[…]` lists.

use super::*;

/// Whether a Sentry filter (`!?key:`) starts at `i`.
pub(super) fn filter_starts(ctx: &Ctx<'_>, i: &str, mode: FilterMode) -> bool {
    let k = i.strip_prefix('!').unwrap_or(i);
    term_key(ctx, k, mode, true).is_some_and(|(rest, _, _)| rest.starts_with(':'))
}

/// `!?key:op?value`; `None` when no filter starts here.
///
/// Grammar: `search_term`
pub(super) fn search_term<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    mode: FilterMode,
) -> Option<(&'a str, Term)> {
    let (negated, k) = match i.strip_prefix('!') {
        Some(k) => (true, k),
        None => (false, i),
    };
    let (after_key, key, empties) = term_key(ctx, k, mode, true)?;
    let after_colon = after_key.strip_prefix(':')?;
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
    if let TermKey::Key(Key {
        kind: KeyKind::Name(name),
        span,
    }) = &key
        && let Some(stripped) = name.strip_prefix('-')
    {
        ctx.report(
            Diagnostic::warning(
                Code::MinusKey,
                *span,
                format!("did you mean `!{stripped}:…`?"),
            )
            .label("Sentry reads this as the tag `-…`")
            .help("negation is written with `!`; `-key` is a tag whose name starts with `-`")
            .fix(ctx.span_len(k, 1), "!"),
        );
    }
    let (op, v) = search_op(ctx, after_colon);
    let comparison = op.as_ref().is_some_and(|o| {
        !matches!(
            o.node,
            SearchOp::Contains | SearchOp::StartsWith | SearchOp::EndsWith | SearchOp::Matches
        )
    });
    let (rest, kind) = search_value(ctx, v, mode, comparison);
    let value = SearchValue {
        kind,
        span: ctx.span(v, rest),
    };
    let span = ctx.span(i, rest);
    let term = Term {
        kind: TermKind::Search(SearchTerm {
            negated,
            key,
            op,
            value,
        }),
        span,
    };
    Some((token::ws(ctx, rest), term))
}

/// The operator after `key:`, if any.
///
/// Grammar: `search_op`
fn search_op<'a>(ctx: &Ctx<'_>, i: &'a str) -> (Option<Spanned<SearchOp>>, &'a str) {
    if let Some(body) = i.strip_prefix('\u{F00D}')
        && let Some(end) = body.find('\u{F00D}')
    {
        let word: String = body
            .get(..end)
            .unwrap_or("")
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_ascii_lowercase();
        let op = match word.as_str() {
            "contains" => Some(SearchOp::Contains),
            "startswith" => Some(SearchOp::StartsWith),
            "endswith" => Some(SearchOp::EndsWith),
            "matches" => Some(SearchOp::Matches),
            _ => None,
        };
        if let Some(op) = op {
            let rest = body.get(end + '\u{F00D}'.len_utf8()..).unwrap_or("");
            return (Some(Spanned::new(op, ctx.span(i, rest))), rest);
        }
    }
    for (text, op) in [
        (">=", SearchOp::Ge),
        ("<=", SearchOp::Le),
        ("!=", SearchOp::Ne),
        (">", SearchOp::Gt),
        ("<", SearchOp::Lt),
        ("=", SearchOp::Eq),
    ] {
        if let Some(rest) = i.strip_prefix(text) {
            return (Some(Spanned::new(op, ctx.span(i, rest))), rest);
        }
    }
    (None, i)
}

/// The value of a search term (`sentry-api.md` §1.6). `comparison`: a comparison operator was
/// written, so no list is read.
///
/// Grammar: `search_value`
fn search_value<'a>(
    ctx: &Ctx<'_>,
    v: &'a str,
    mode: FilterMode,
    comparison: bool,
) -> (&'a str, SearchValueKind) {
    if mode == FilterMode::Clause && v.starts_with('$') {
        if let Some((name, len)) = whole_param(v, mode) {
            return (v.get(len..).unwrap_or(""), SearchValueKind::Param(name));
        }
        bad_param(ctx, v);
    }
    if mode == FilterMode::Clause
        && v.starts_with('\'')
        && let Ok((rest, text)) = token::quoted_raw(ctx, v, '\'')
    {
        let span = ctx.span(v, rest);
        ctx.report(
                Diagnostic::error(Code::SingleQuotedSearchValue, span, "Sentry's search syntax has no single quotes")
                    .label("single-quoted value")
                    .help("write the value in double quotes; an apostrophe inside an unquoted value is literal")
                    .fix(span, format!("\"{}\"", text.replace('"', "\\\""))),
            );
        return (rest, SearchValueKind::Text { text, quoted: true });
    }
    if v.starts_with('"')
        && let Some((text, len)) = scan_quoted(v)
    {
        return (
            v.get(len..).unwrap_or(""),
            SearchValueKind::Text { text, quoted: true },
        );
    }
    if !comparison
        && v.starts_with('[')
        && let Some((rest, items)) = list(ctx, v, mode)
    {
        return (rest, SearchValueKind::List(items));
    }
    let len = regex_literal_len(v, mode).unwrap_or_else(|| {
        v.find(|c: char| {
            c.is_whitespace() || c == '(' || c == ')' || (mode == FilterMode::Clause && c == ';')
        })
        .unwrap_or(v.len())
    });
    let raw = v.get(..len).unwrap_or("");
    check_quotes(ctx, v, raw);
    (
        v.get(len..).unwrap_or(""),
        SearchValueKind::Text {
            text: raw.replace("\\\"", "\""),
            quoted: false,
        },
    )
}

/// A browser regex value `//…//` (`message://GET (api) v2//`) is one value even with spaces
/// and parentheses, up to the first `//` that ends a value on the same line; Sentry's browser
/// reads it as literal text when regexes are off, and that is its meaning here (the printer
/// quotes it).
fn regex_literal_len(v: &str, mode: FilterMode) -> Option<usize> {
    let body = v.strip_prefix("//")?;
    let line = body.find('\n').unwrap_or(body.len());
    let mut from = 0;
    while let Some(pos) = body.get(from..line)?.find("//") {
        let end = from + pos + 2;
        if end_value(body.get(end..).unwrap_or(""), mode) {
            return Some(end + 2);
        }
        from += pos + 1;
    }
    None
}

/// Reports an unescaped `"` in an unquoted value (Sentry: "Quotes must enclose text or be
/// escaped").
fn check_quotes(ctx: &Ctx<'_>, at: &str, raw: &str) {
    let mut prev = None;
    for (idx, c) in raw.char_indices() {
        if c == '"' && prev != Some('\\') {
            ctx.report(
                Diagnostic::error(
                    Code::InvalidQuote,
                    ctx.span_len(at, raw.len()),
                    "quotes must enclose text or be escaped",
                )
                .with_label(ctx.span_len(at.get(idx..).unwrap_or(""), 1), "this quote")
                .help("enclose the whole value in double quotes, or escape the quote as `\\\"`"),
            );
            return;
        }
        prev = Some(c);
    }
}

/// `[a, "b c", …]` followed by an end of value; `None` when it is not a list (then the value is
/// text, as in Sentry: `key:[]`, `key:[a]x`).
///
/// Grammar: `list`
pub(super) fn list<'a>(
    ctx: &Ctx<'_>,
    v: &'a str,
    mode: FilterMode,
) -> Option<(&'a str, Vec<ListItem>)> {
    let mut p = v.get(1..)?;
    let mut items = Vec::new();
    let skip = |s: &'a str| s.trim_start_matches([' ', '\t', '\n', '\r']);
    loop {
        p = skip(p);
        let start = p;
        if p.starts_with('"') {
            let (text, len) = scan_quoted(p)?;
            p = p.get(len..)?;
            items.push(ListItem {
                text,
                quoted: true,
                param: false,
                span: ctx.span(start, p),
            });
        } else if let Some((name, len)) = whole_param_in_list(p, mode) {
            p = p.get(len..)?;
            items.push(ListItem {
                text: name,
                quoted: false,
                param: true,
                span: ctx.span(start, p),
            });
        } else {
            // In a clause an unquoted `;` ends the statement, also right after the list
            // (`WHERE k:[a, b];`, as `dql fmt` prints it).
            let len = p
                .find(|c: char| {
                    c.is_whitespace()
                        || matches!(c, '(' | ')' | ',')
                        || (c == ';' && mode == FilterMode::Clause)
                })
                .unwrap_or(p.len());
            let run = p.get(..len)?;
            let after = p.get(len..)?;
            if let Some(body) = run.strip_suffix(']')
                && end_value(after, mode)
            {
                if items.is_empty() && body.is_empty() {
                    return None;
                }
                let item_end = p.get(body.len()..)?;
                items.push(ListItem {
                    text: body.to_string(),
                    quoted: false,
                    param: false,
                    span: ctx.span(start, item_end),
                });
                return Some((after, items));
            }
            p = after;
            items.push(ListItem {
                text: run.to_string(),
                quoted: false,
                param: false,
                span: ctx.span(start, p),
            });
        }
        p = skip(p);
        if let Some(after) = p.strip_prefix(',') {
            p = after;
            continue;
        }
        let after = p.strip_prefix(']')?;
        return end_value(after, mode).then_some((after, items));
    }
}

fn whole_param_in_list(p: &str, mode: FilterMode) -> Option<(String, usize)> {
    if mode != FilterMode::Clause {
        return None;
    }
    let after = p.strip_prefix('$')?;
    let len = param_name_len(after);
    let rest = after.get(len..)?;
    let ok = len > 0 && (rest.starts_with([',', ']']) || rest.starts_with(char::is_whitespace));
    ok.then(|| (after.get(..len).unwrap_or("").to_string(), len + 1))
}
