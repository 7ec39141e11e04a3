//! The filter sub-language of WHERE and HAVING: Sentry's search syntax plus SQL-style
//! conditions and NOT.
//!
//! Term boundaries never depend on key types: this stage produces (key, raw operator, raw value)
//! terms; whether `:>500` compares or is text, and whether `2m` is minutes or millions, is decided
//! by `semantic::filter_typing`. The structure follows Sentry's PEG (`sentry-api.md` §1): at each term
//! start a boolean operator is tried first, then a parenthesised group, then a filter, and free
//! text last. DQL differs only where language.md says so: any white space separates terms, and in
//! [`FilterMode::Clause`] clause keywords, `;`, `NOT`, `!(` and SQL-style conditions are read.

use super::ast::{
    Arg, ArgKind, Call, Filter, FilterKind, FreeText, Key, KeyKind, ListItem, Operand, OperandKind,
    SearchOp, SearchTerm, SearchValue, SearchValueKind, SqlCondition, SqlKind, SqlOp, Term,
    TermKey, TermKind,
};
use super::lexeme;
use super::token::{self, Ctx, PResult};
use crate::diagnostic::Diagnostic;
use crate::registry::FilterSyntaxCode as Code;
use crate::registry::SyntaxCode;
use crate::span::{Span, Spanned};

mod free_text;
mod key;
mod sql;
mod term;
#[cfg(test)]
mod tests;

use free_text::*;
use key::*;
use sql::*;
use term::*;

/// Where a filter is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterMode {
    /// Inside a DQL statement: SQL-style conditions and NOT are accepted, and at depth 0 a clause
    /// keyword (`FROM`, `GROUP BY`, …, language.md §2 "Where a filter ends") or `;` ends it.
    Clause,
    /// A bare Sentry search string (the `query` parameter, conformance cases): Sentry's syntax
    /// only, nothing ends it but the end of the input.
    Search,
}

/// Parses a filter starting at `i` (trivia already skipped). Returns the remaining input at
/// the terminator (trivia skipped). Fails (without a diagnostic of its own) when no condition
/// at all is found, so that the caller can say "expected a filter".
///
/// Grammar: `filter`
pub fn filter<'a>(ctx: &Ctx<'_>, i: &'a str, mode: FilterMode) -> PResult<'a, Filter> {
    let (rest, elems) = sequence(ctx, i, mode, 0)?;
    match resolve(ctx, elems) {
        Some(f) => Ok((rest, f)),
        None => token::cut_fail(i, "a filter"),
    }
}

/// One element of a term sequence before precedence is applied.
enum Elem {
    Filter(Filter),
    And(Span),
    Or(Span),
    Not(Span),
    /// `not` not in capitals: NOT where what follows can be negated, else the word (as Sentry
    /// reads it). The text is the word as written.
    WeakNot(Span, String),
}

/// Whether a value or operator ends here: white space, `)`, the end, or (in a clause) `;`.
fn end_value(s: &str, mode: FilterMode) -> bool {
    match s.chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || c == ')' || (mode == FilterMode::Clause && c == ';'),
    }
}

/// `AND` / `OR` (any case) followed by an end of value: `Some((len, is_or))`.
fn bool_op(i: &str, mode: FilterMode) -> Option<(usize, bool)> {
    for (word, is_or) in [("AND", false), ("OR", true)] {
        if i.get(..word.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(word))
            && end_value(i.get(word.len()..).unwrap_or(""), mode)
        {
            return Some((word.len(), is_or));
        }
    }
    None
}

/// `NOT` as an operator (not a key `NOT:x`).
fn at_not(i: &str) -> bool {
    token::at_keyword(i, "NOT")
        && i.get(3..)
            .is_some_and(|r| r.is_empty() || r.starts_with(|c: char| c.is_whitespace() || c == '('))
}

/// Whether the `NOT` at `i` (any case) is dql's negation. Sentry reads the word as free text
/// (`event_search.py`: `free_text_unquoted`); dql reads it as NOT where a filter, a group or
/// another NOT follows, and only in capitals where free text follows (which cannot be negated:
/// `dql::filter::free_text_negated`). Another spelling before free text, before nothing or
/// before `)` is a word of the free text, as in Sentry (`not found`, `timeout not`).
fn not_is_negation(ctx: &Ctx<'_>, i: &str) -> bool {
    // A chain `not not … x` reads as its first NOT in capitals or, failing one, as what ends it.
    let mut i = i;
    let after = loop {
        if i.get(..3) == Some("NOT") {
            return true;
        }
        let after = token::ws(ctx, i.get(3..).unwrap_or(""));
        if !at_not(after) {
            break after;
        }
        i = after;
    };
    if after.starts_with("!(") || sql_condition_starts(ctx, after) {
        return true;
    }
    if after.starts_with('(') {
        // `not (timeout)` is one free text to Sentry (`free_parens`); `not (a:b)` a group.
        return free_parens_len(ctx, after, FilterMode::Clause).is_none();
    }
    filter_starts(ctx, after, FilterMode::Clause)
}

/// `not level:error` (not in capitals) is negation in dql but the word "not" AND the filter to
/// Sentry: say so, with a fix-it to the unambiguous `!level:error` or `NOT`.
fn not_differs_from_sentry(ctx: &Ctx<'_>, i: &str, span: Span) {
    let word = i.get(..3).unwrap_or("not");
    let after = token::ws(ctx, i.get(3..).unwrap_or(""));
    // A plain `key:value` after it: `!key:value` says the same without the word.
    let bang = (!after.starts_with('!'))
        .then(|| search_term(&Ctx::new(after), after, FilterMode::Clause))
        .flatten()
        .filter(|(_, t)| matches!(&t.kind, TermKind::Search(s) if !s.negated));
    let (fix_span, replacement, explicit) = match bang {
        Some((_, t)) => {
            let text = ctx
                .span_len(after, t.span.len())
                .slice(ctx.src())
                .unwrap_or("");
            (
                span.to(ctx.span_len(after, t.span.len())),
                format!("!{text}"),
                format!("`!{text}`"),
            )
        }
        None => (span, "NOT".to_string(), "`NOT` in capitals".to_string()),
    };
    ctx.report(
        Diagnostic::warning(
            crate::registry::ReadingCode::DiffersFromSentry,
            span,
            format!("`{word}` negates what follows here; Sentry reads it as the free text \"{word}\""),
        )
        .label("read as NOT")
        .help(format!(
            "dql reads NOT; Sentry (a pasted search) reads the word \"{word}\" AND the condition. Write {explicit} for the negation, or `\"{word}\"` to search for the word"
        ))
        .fix(fix_span, replacement),
    );
}

/// Sentry's `free_parens` (`event_search.py`): `(`, optional free text without filters or
/// boolean operators (words and nested `free_parens`, spaces after each), `)`. Its length.
/// The free text is one quoted string when it opens with a whole one (`free_text_quoted`
/// comes first), and then `)` must follow at once: `("a b")` is one, `("a b" )` is not.
fn free_parens_len(ctx: &Ctx<'_>, p: &str, mode: FilterMode) -> Option<usize> {
    let body = p.strip_prefix('(')?;
    if let Some((_, len)) = scan_quoted(body) {
        let after = body.get(len..)?.strip_prefix(')')?;
        return Some(p.len() - after.len());
    }
    let mut q = body;
    loop {
        if let Some(after) = q.strip_prefix(')') {
            return Some(p.len() - after.len());
        }
        if q.is_empty()
            || q.starts_with(char::is_whitespace)
            || bool_op(q, mode).is_some()
            || filter_starts(ctx, q, mode)
            || (mode == FilterMode::Clause
                && (q.starts_with([';', '$', '!', '\'']) || sql_condition_starts(ctx, q)))
        {
            return None;
        }
        if q.starts_with('(') {
            let len = free_parens_len(ctx, q, mode)?;
            q = q.get(len..)?;
        } else {
            let len = q
                .find(|c: char| c == '(' || c == ')' || c.is_whitespace())
                .unwrap_or(q.len());
            q = q.get(len..)?;
        }
        q = q.trim_start_matches(' ');
    }
}

/// Length of a clause keyword that ends the filter at `i` (language.md §2), if any.
pub(crate) fn clause_terminator(ctx: &Ctx<'_>, i: &str) -> Option<usize> {
    let kw = token::CLAUSE_KEYWORDS
        .iter()
        .find(|kw| token::at_keyword(i, kw))?;
    let after = i.get(kw.len()..).unwrap_or("");
    if after.starts_with(':') || after.starts_with('(') {
        return None;
    }
    if matches!(*kw, "GROUP" | "ORDER") && !token::at_keyword(token::ws(ctx, after), "BY") {
        return None;
    }
    // SAMPLING and COMPARE TO are newer than Sentry searches that may hold the words, so they
    // end a search only with their operand: `SAMPLING exact|normal`, `COMPARE TO <number>…`.
    if *kw == "SAMPLING" && !sampling_mode_follows(token::ws(ctx, after)) {
        return None;
    }
    if *kw == "COMPARE" && !compare_period_follows(ctx, token::ws(ctx, after)) {
        return None;
    }
    if sql_condition_starts(ctx, i) {
        return None;
    }
    Some(kw.len())
}

/// `exact` or `normal` as a word of its own (not a key such as `exact:1`).
fn sampling_mode_follows(i: &str) -> bool {
    ["exact", "normal"].iter().any(|mode| {
        token::at_keyword(i, mode) && !i.get(mode.len()..).is_some_and(|r| r.starts_with(':'))
    })
}

/// `TO` then a period starting with a digit (`7d`, `7 days`): `compare to baseline` is text.
fn compare_period_follows(ctx: &Ctx<'_>, i: &str) -> bool {
    token::at_keyword(i, "TO")
        && token::ws(ctx, i.get(2..).unwrap_or("")).starts_with(|c: char| c.is_ascii_digit())
}

/// Reads terms, operators and groups up to `)` (inside a group), a terminator or the end.
///
/// Grammar: `sequence`
fn sequence<'a>(
    ctx: &Ctx<'_>,
    mut i: &'a str,
    mode: FilterMode,
    depth: u32,
) -> PResult<'a, Vec<Elem>> {
    let mut elems = Vec::new();
    // The span of the last term when it was unquoted free text (for keyword_after_free_text).
    let mut last_free_text: Option<Span> = None;
    // The last element was a `not` (not in capitals) read as NOT: a `not` right after it is
    // NOT too (the chain was read to its end once), which keeps long chains linear.
    let mut in_not_chain = false;
    loop {
        if i.is_empty() || (mode == FilterMode::Clause && i.starts_with(';')) {
            break;
        }
        if let Some(after) = i.strip_prefix(')') {
            if depth > 0 {
                break;
            }
            ctx.report(
                Diagnostic::error(
                    Code::UnbalancedParentheses,
                    ctx.span_len(i, 1),
                    "unmatched `)`",
                )
                .label("this closes nothing")
                .help("remove it, or enclose text that holds parentheses in double quotes"),
            );
            i = token::ws(ctx, after);
            continue;
        }
        if mode == FilterMode::Clause
            && depth == 0
            && let Some(len) = clause_terminator(ctx, i)
        {
            if let Some(ft) = last_free_text {
                let kw_span = ctx.span_len(i, len);
                let between = ctx
                    .src()
                    .get(ft.end as usize..kw_span.start as usize)
                    .unwrap_or("");
                if !between.contains('\n') {
                    let text = ft.slice(ctx.src()).unwrap_or("");
                    ctx.report(
                            Diagnostic::warning(
                                Code::KeywordAfterFreeText,
                                kw_span,
                                format!("`{}` ends the filter here, right after free text", i.get(..len).unwrap_or("")),
                            )
                            .label("this starts a new clause")
                            .with_label(ft, "free text")
                            .help("to search for the word, quote the text; otherwise start the clause on a new line")
                            .fix(ft, format!("\"{}\"", text.replace('"', "\\\""))),
                        );
                }
            }
            break;
        }
        let before = i;
        last_free_text = None;
        if let Some((len, is_or)) = bool_op(i, mode) {
            let span = ctx.span_len(i, len);
            elems.push(if is_or {
                Elem::Or(span)
            } else {
                Elem::And(span)
            });
            i = token::ws(ctx, i.get(len..).unwrap_or(""));
            continue;
        }
        if mode == FilterMode::Clause {
            let was_chain = std::mem::take(&mut in_not_chain);
            if at_not(i) && ((was_chain && i.get(..3) != Some("NOT")) || not_is_negation(ctx, i)) {
                let span = ctx.span_len(i, 3);
                let word = i.get(..3).unwrap_or("not");
                if word == "NOT" {
                    elems.push(Elem::Not(span));
                } else {
                    not_differs_from_sentry(ctx, i, span);
                    elems.push(Elem::WeakNot(span, word.to_string()));
                    in_not_chain = true;
                }
                i = token::ws(ctx, i.get(3..).unwrap_or(""));
                continue;
            }
            if let Some(after) = i.strip_prefix("!(") {
                let _ = after;
                elems.push(Elem::Not(ctx.span_len(i, 1)));
                i = i.get(1..).unwrap_or("");
                continue;
            }
        }
        if i.starts_with('(') {
            let (rest, group) = paren_group(ctx, i, mode, depth)?;
            if let Some(g) = group {
                elems.push(Elem::Filter(g));
            }
            i = rest;
            continue;
        }
        if mode == FilterMode::Clause
            && let Some(result) = sql_condition(ctx, i)
        {
            let (rest, term) = result?;
            elems.push(Elem::Filter(term_filter(term)));
            i = rest;
            continue;
        }
        if let Some((rest, term)) = search_term(ctx, i, mode) {
            elems.push(Elem::Filter(term_filter(term)));
            i = rest;
            continue;
        }
        let (rest, term) = free_text(ctx, i, mode, depth);
        if let TermKind::FreeText(FreeText {
            quoted: false,
            param: false,
            ..
        }) = &term.kind
        {
            last_free_text = Some(term.span);
        }
        elems.push(Elem::Filter(term_filter(term)));
        i = rest;
        if i.len() == before.len() {
            // Cannot happen (free text always takes a character); never loop forever.
            i = i
                .get(i.chars().next().map_or(0, char::len_utf8)..)
                .unwrap_or("");
        }
    }
    Ok((i, elems))
}

fn term_filter(term: Term) -> Filter {
    Filter {
        span: term.span,
        kind: FilterKind::Term(term),
    }
}

/// `( sequence )`; `None` for an empty group (reported).
///
/// Grammar: `paren_group`
fn paren_group<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    mode: FilterMode,
    depth: u32,
) -> PResult<'a, Option<Filter>> {
    let guard = ctx.enter(i)?;
    let inner = token::ws(ctx, i.get(1..).unwrap_or(""));
    let (rest, elems) = sequence(ctx, inner, mode, depth + 1)?;
    drop(guard);
    let rest = match rest.strip_prefix(')') {
        Some(after) => after,
        None => {
            ctx.report(
                Diagnostic::error(
                    Code::UnbalancedParentheses,
                    ctx.span_len(i, 1),
                    "unclosed `(`",
                )
                .label("this parenthesis is never closed")
                .help("close it with `)`, or enclose text that holds parentheses in double quotes"),
            );
            rest
        }
    };
    let span = ctx.span(i, rest);
    let group = resolve(ctx, elems).map(|mut f| {
        f.span = span;
        f
    });
    if group.is_none() {
        ctx.report(
            Diagnostic::error(Code::EmptyGroup, span, "empty parentheses")
                .label("no condition here")
                .help("remove the parentheses, or put a condition inside them"),
        );
    }
    Ok((token::ws(ctx, rest), group))
}

/// Applies NOT, then AND over OR (Sentry's `resolve_boolean_conditions`), reporting misplaced
/// operators. `None` when there is no condition at all.
fn resolve(ctx: &Ctx<'_>, elems: Vec<Elem>) -> Option<Filter> {
    // NOT binds to the next element; applied right to left so `NOT NOT x` nests.
    let mut applied: Vec<Elem> = Vec::with_capacity(elems.len());
    let mut not_chain = 0u32;
    // Spans of `not` words read as free text: merged with free text just before them.
    let mut words: Vec<Span> = Vec::new();
    for elem in elems.into_iter().rev() {
        // `not (… free text …)`: free text cannot be negated, so the word is Sentry's free text.
        let elem = match elem {
            Elem::WeakNot(span, word) => {
                // Nor can a group whose negation would make an OR mixing aggregate and plain
                // conditions (`not (count():>5 level:error)`): Sentry's reading stands.
                if matches!(applied.last(), Some(Elem::Filter(f))
                    if has_free_text(f) || negation_mixes_aggregates(f))
                {
                    ctx.retract(
                        crate::diagnostic::Code::code(
                            crate::registry::ReadingCode::DiffersFromSentry,
                        ),
                        span,
                    );
                    words.push(span);
                    applied.push(Elem::Filter(Filter {
                        span,
                        kind: FilterKind::Term(Term {
                            kind: TermKind::FreeText(FreeText {
                                text: word,
                                quoted: false,
                                param: false,
                            }),
                            span,
                        }),
                    }));
                    continue;
                }
                Elem::Not(span)
            }
            other => other,
        };
        match elem {
            Elem::Not(span) => match applied.pop() {
                Some(Elem::Filter(f)) => {
                    not_chain += 1;
                    if not_chain > token::MAX_DEPTH {
                        // Once is enough: thousands of NOTs must not make thousands of errors.
                        if not_chain == token::MAX_DEPTH + 1 {
                            ctx.report(
                                Diagnostic::error(
                                    SyntaxCode::TooDeeplyNested,
                                    span,
                                    format!("more than {} NOTs in a row", token::MAX_DEPTH),
                                )
                                .label("one NOT too many")
                                .help("two NOTs cancel out; remove them in pairs"),
                            );
                        }
                        applied.push(Elem::Filter(f));
                        continue;
                    }
                    let span = span.to(f.span);
                    applied.push(Elem::Filter(Filter {
                        kind: FilterKind::Not(Box::new(f)),
                        span,
                    }));
                }
                other => {
                    ctx.report(
                        Diagnostic::error(
                            Code::MissingCondition,
                            span,
                            "NOT has no condition after it",
                        )
                        .label("negates nothing")
                        .help("write the condition to negate after NOT"),
                    );
                    if let Some(o) = other {
                        applied.push(o);
                    }
                }
            },
            other => {
                not_chain = 0;
                applied.push(other);
            }
        }
    }
    applied.reverse();
    if !words.is_empty() {
        applied = merge_words(ctx, applied, &words);
    }

    let mut groups: Vec<Vec<Filter>> = vec![Vec::new()];
    let mut pending: Option<(&'static str, Span)> = None;
    for elem in applied {
        match elem {
            Elem::Filter(f) => {
                if let Some(g) = groups.last_mut() {
                    g.push(f);
                }
                pending = None;
            }
            Elem::And(span) | Elem::Or(span) => {
                let is_or = span.len() == 2;
                let word = if is_or { "OR" } else { "AND" };
                if let Some((prev, _)) = pending {
                    ctx.report(
                        Diagnostic::error(Code::MissingCondition, span, format!("missing condition in between two condition operators: '{prev} {word}'"))
                            .label("a condition must come before this")
                            .help("remove one of the operators, or put a condition between them"),
                    );
                    continue;
                }
                if groups.len() == 1 && groups.first().is_some_and(Vec::is_empty) {
                    ctx.report(
                        Diagnostic::error(
                            Code::MissingCondition,
                            span,
                            format!("condition is missing on the left side of '{word}'"),
                        )
                        .label("nothing on its left")
                        .help("remove the operator, or put a condition before it"),
                    );
                    continue;
                }
                pending = Some((word, span));
                if is_or {
                    groups.push(Vec::new());
                }
            }
            Elem::Not(_) | Elem::WeakNot(..) => {}
        }
    }
    if let Some((word, span)) = pending {
        ctx.report(
            Diagnostic::error(
                Code::MissingCondition,
                span,
                format!("condition is missing on the right side of '{word}'"),
            )
            .label("nothing on its right")
            .help("remove the operator, or put a condition after it"),
        );
    }
    let alternatives: Vec<Filter> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| combine(g, false))
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    Some(combine(alternatives, true))
}

/// Merges each `not` word read as free text into unquoted free text right before it, with the
/// spaces between (Sentry's free text is one run of words).
fn merge_words(ctx: &Ctx<'_>, applied: Vec<Elem>, words: &[Span]) -> Vec<Elem> {
    let mut out: Vec<Elem> = Vec::with_capacity(applied.len());
    for elem in applied {
        if let Elem::Filter(f) = &elem
            && words.contains(&f.span)
            && let Some(Elem::Filter(Filter {
                kind:
                    FilterKind::Term(Term {
                        kind:
                            TermKind::FreeText(FreeText {
                                text,
                                quoted: false,
                                param: false,
                            }),
                        span: term_span,
                    }),
                span: prev_span,
            })) = out.last_mut()
        {
            let gap = ctx
                .src()
                .get(prev_span.end as usize..f.span.start as usize)
                .unwrap_or(" ");
            if gap.chars().all(|c| c == ' ') {
                text.push_str(gap);
            } else {
                text.push(' ');
            }
            text.push_str(f.span.slice(ctx.src()).unwrap_or("not"));
            *term_span = term_span.to(f.span);
            *prev_span = prev_span.to(f.span);
            continue;
        }
        out.push(elem);
    }
    out
}

/// Whether free text stands anywhere in `f` (NOT cannot be pushed into it).
/// Whether negating `f` (NOT pushed down: AND becomes OR) makes an OR that mixes aggregate
/// conditions (an aggregate key, as written) and plain ones, which Sentry refuses
/// (`resolve_boolean_conditions`). An OR `f` already holds is not the negation's doing.
fn negation_mixes_aggregates(f: &Filter) -> bool {
    /// `(aggregate, plain, mixes)` under `f` read with `negated` polarity.
    fn walk(f: &Filter, negated: bool) -> (bool, bool, bool) {
        match &f.kind {
            FilterKind::Term(t) => {
                let key = match &t.kind {
                    TermKind::Search(s) => Some(&s.key),
                    TermKind::Sql(s) => Some(&s.key),
                    TermKind::FreeText(_) => None,
                };
                let aggregate = matches!(key, Some(TermKey::Call(_)));
                (aggregate, !aggregate, false)
            }
            FilterKind::And(items) | FilterKind::Or(items) => {
                let (mut aggregate, mut plain, mut mixes) = (false, false, false);
                for item in items {
                    let (a, p, m) = walk(item, negated);
                    aggregate |= a;
                    plain |= p;
                    mixes |= m;
                }
                let becomes_or = negated && matches!(f.kind, FilterKind::And(_));
                (
                    aggregate,
                    plain,
                    mixes || (becomes_or && aggregate && plain),
                )
            }
            FilterKind::Not(inner) => walk(inner, !negated),
        }
    }
    walk(f, true).2
}

fn has_free_text(f: &Filter) -> bool {
    match &f.kind {
        FilterKind::Term(t) => matches!(t.kind, TermKind::FreeText(_)),
        FilterKind::And(v) | FilterKind::Or(v) => v.iter().any(has_free_text),
        FilterKind::Not(inner) => has_free_text(inner),
    }
}

/// Joins filters with AND (or OR), flattening nested nodes of the same kind.
fn combine(mut items: Vec<Filter>, or: bool) -> Filter {
    if items.len() == 1
        && let Some(f) = items.pop()
    {
        return f;
    }
    let span = match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::DUMMY,
    };
    let mut flat = Vec::with_capacity(items.len());
    for f in items {
        match f.kind {
            FilterKind::Or(inner) if or => flat.extend(inner),
            FilterKind::And(inner) if !or => flat.extend(inner),
            kind => flat.push(Filter { kind, span: f.span }),
        }
    }
    Filter {
        kind: if or {
            FilterKind::Or(flat)
        } else {
            FilterKind::And(flat)
        },
        span,
    }
}
