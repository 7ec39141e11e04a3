//! Free text: quoted strings, `$param`s and runs of unquoted words, merged as Sentry merges them.

use super::*;

/// Whether a new term (not free text) starts at `p`, so that unquoted free text stops before it.
fn term_starts(ctx: &Ctx<'_>, p: &str, mode: FilterMode, depth: u32) -> bool {
    if p.is_empty() || p.starts_with(['(', ')']) || bool_op(p, mode).is_some() {
        return true;
    }
    if mode == FilterMode::Clause {
        if p.starts_with(';') || at_not(p) || p.starts_with("!(") || sql_condition_starts(ctx, p) {
            return true;
        }
        if depth == 0 && clause_terminator(ctx, p).is_some() {
            return true;
        }
        if whole_param(p, mode).is_some() {
            return true;
        }
    }
    filter_starts(ctx, p, mode)
}

/// Free text: one quoted string, a `$param` (clause mode), or a run of unquoted words that do not
/// start another term, merged as Sentry merges them (spaces between words kept; any other
/// separator becomes one space). A word may carry balanced parentheses directly attached to it
/// (`percentage(a, b):>5%`).
///
/// Grammar: `free_text`
pub(super) fn free_text<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    mode: FilterMode,
    depth: u32,
) -> (&'a str, Term) {
    if let Some((text, len)) = scan_quoted(i) {
        let rest = i.get(len..).unwrap_or("");
        let term = Term {
            kind: TermKind::FreeText(FreeText {
                text,
                quoted: true,
                param: false,
            }),
            span: ctx.span(i, rest),
        };
        return (token::ws(ctx, rest), term);
    }
    if mode == FilterMode::Clause && i.starts_with('$') {
        if let Some((name, len)) = whole_param(i, mode) {
            let rest = i.get(len..).unwrap_or("");
            // `$key = 5`: a parameter where a key belongs. Bound, it would become free text
            // followed by `= 5`: refuse it instead.
            let after = rest.trim_start();
            let sql_operator = rest.starts_with(char::is_whitespace)
                && (after.starts_with(['=', '<', '>']) || after.starts_with("!="));
            if sql_operator {
                ctx.report(
                    Diagnostic::error(
                        Code::ParameterAsKey,
                        ctx.span(i, rest),
                        "a parameter cannot stand for a key",
                    )
                    .label("a parameter is a value, never a name")
                    .help("write the field or tag name; bind only the value: `key = $value`"),
                );
            }
            let term = Term {
                kind: TermKind::FreeText(FreeText {
                    text: name,
                    quoted: false,
                    param: true,
                }),
                span: ctx.span(i, rest),
            };
            return (token::ws(ctx, rest), term);
        }
        bad_param(ctx, i);
    }
    let mut text = String::new();
    let mut p = i;
    let mut end;
    let mut prev_free_not = false;
    loop {
        // One word, with any parentheses attached to it.
        let word_start = p;
        loop {
            if p.starts_with('(') {
                let len = if p.len() == word_start.len() {
                    free_parens_len(ctx, p, mode)
                } else {
                    balanced_parens(p)
                };
                match len {
                    Some(len) => p = p.get(len..).unwrap_or(""),
                    None => break,
                }
                continue;
            }
            let len = p
                .find(|c: char| {
                    c.is_whitespace()
                        || c == '('
                        || c == ')'
                        || (mode == FilterMode::Clause && c == ';')
                })
                .unwrap_or(p.len());
            if len == 0 {
                break;
            }
            p = p.get(len..).unwrap_or("");
        }
        let word = ctx.span(word_start, p).slice(ctx.src()).unwrap_or("");
        if mode == FilterMode::Clause {
            sql_operator_in_word(ctx, word_start, word);
        }
        text.push_str(word);
        end = p;
        let gap_end = token::ws(ctx, p);
        let gap_is_spaces = ctx
            .span(p, gap_end)
            .slice(ctx.src())
            .is_some_and(|g| g.chars().all(|c| c == ' '));
        // `payment (76071)`: a parenthesised phrase without filters after free text is part of
        // it (Sentry's `free_parens`), not a group.
        let free_parens = gap_end.starts_with('(')
            && gap_is_spaces
            && free_parens_len(ctx, gap_end, mode).is_some();
        // `not` not in capitals before free text is a word of it, as in Sentry. After such a
        // word, the next `not` of the same chain is one too (its chain was read once).
        let free_not = mode == FilterMode::Clause
            && at_not(gap_end)
            && (prev_free_not && gap_end.get(..3) != Some("NOT") || !not_is_negation(ctx, gap_end))
            && !(depth == 0 && clause_terminator(ctx, gap_end).is_some());
        prev_free_not = free_not;
        if !free_parens && !free_not && term_starts(ctx, gap_end, mode, depth) {
            break;
        }
        push_gap(
            &mut text,
            ctx.span(p, gap_end).slice(ctx.src()).unwrap_or(" "),
        );
        p = gap_end;
    }
    let term = Term {
        kind: TermKind::FreeText(FreeText {
            text,
            quoted: false,
            param: false,
        }),
        span: ctx.span(i, end),
    };
    (token::ws(ctx, end), term)
}

/// Appends the trivia between two words of free text as Sentry merges it: spaces as they are,
/// any other separator (a tab, a new line, a comment) as one space.
pub(super) fn push_gap(text: &mut String, gap: &str) {
    if gap.chars().all(|c| c == ' ') {
        text.push_str(gap);
    } else {
        text.push(' ');
    }
}

/// Length of a balanced `( … )` at the start of `p` on one line, or `None`.
fn balanced_parens(p: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (idx, c) in p.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(idx + 1);
                }
            }
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// Warns about `orderId=123` (Sentry free text) with a fix-it to `orderId = 123`.
pub(super) fn sql_operator_in_word(ctx: &Ctx<'_>, at: &str, word: &str) {
    let Some(eq) = word.find('=') else { return };
    let (name, value) = (
        word.get(..eq).unwrap_or(""),
        word.get(eq + 1..).unwrap_or(""),
    );
    let name = name.trim_end_matches(['!', '<', '>']);
    if name.is_empty() || value.is_empty() || key_len(name) != name.len() || name.starts_with('-') {
        return;
    }
    let op = word.get(name.len()..=eq).unwrap_or("=");
    let span = ctx.span_len(at, word.len());
    ctx.report(
        Diagnostic::warning(Code::SqlOperatorInWord, span, format!("`{word}` is free text, as in Sentry"))
            .label("one word: searched for as text")
            .help(format!("for a condition, put spaces around the operator: `{name} {op} {value}`, or write `{name}:{value}`"))
            .fix(span, format!("{name} {op} {value}")),
    );
}
