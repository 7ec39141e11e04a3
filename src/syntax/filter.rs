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
use super::codes::SyntaxCode;
use super::filter_codes::FilterSyntaxCode as Code;
use super::token::{self, Ctx, PResult};
use crate::diagnostic::Diagnostic;
use crate::span::{Span, Spanned};

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
            crate::syntax::filter_codes::ReadingCode::DiffersFromSentry,
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
    if *kw == "COMPARE" && !token::at_keyword(token::ws(ctx, after), "TO") {
        return None;
    }
    if sql_condition_starts(ctx, i) {
        return None;
    }
    Some(kw.len())
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
        if mode == FilterMode::Clause && depth == 0 {
            if let Some(len) = clause_terminator(ctx, i) {
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
        if mode == FilterMode::Clause {
            if let Some(result) = sql_condition(ctx, i) {
                let (rest, term) = result?;
                elems.push(Elem::Filter(term_filter(term)));
                i = rest;
                continue;
            }
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
                            super::filter_codes::ReadingCode::DiffersFromSentry,
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
    if items.len() == 1 {
        if let Some(f) = items.pop() {
            return f;
        }
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

// ---------------------------------------------------------------------------------------------
// Keys

/// A `"…"` string with Sentry's escaping, without reporting anything: `(unescaped, byte length)`,
/// `None` when unterminated.
fn scan_quoted(i: &str) -> Option<(String, usize)> {
    let body = i.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((idx, c)) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|&(_, n)| n == '"') {
            out.push('"');
            chars.next();
        } else if c == '"' {
            return Some((out, idx + 2));
        } else {
            out.push(c);
        }
    }
    None
}

/// Length of a Sentry key (`[A-Za-z0-9_.-]+`).
fn key_len(i: &str) -> usize {
    i.find(|c: char| !token::is_name_char(c)).unwrap_or(i.len())
}

fn is_quoted_key_char(c: char) -> bool {
    token::is_name_char(c) || c == ':'
}

/// `tags[name]`, `tags[name,type]`, `flags[…]`, optionally followed by `[*]`.
fn explicit_key<'a>(ctx: &Ctx<'_>, i: &'a str) -> Option<(&'a str, Key)> {
    let prefix = ["tags", "flags"].into_iter().find(|p| {
        i.get(..p.len()).is_some_and(|h| h == *p)
            && i.get(p.len()..).is_some_and(|r| r.starts_with('['))
    })?;
    let body = i.get(prefix.len() + 1..)?;
    let mut name_len = 0;
    let mut rest = body;
    loop {
        if let Some(after) = rest.strip_prefix("[*]") {
            name_len += 3;
            rest = after;
            continue;
        }
        match rest.chars().next() {
            Some(c) if c != ']' && c != ',' && c != '(' && c != ')' && !c.is_whitespace() => {
                name_len += c.len_utf8();
                rest = rest.get(c.len_utf8()..)?;
            }
            _ => break,
        }
    }
    if name_len == 0 {
        return None;
    }
    let name = body.get(..name_len)?.to_string();
    let mut ty = None;
    if let Some(after) = rest.strip_prefix(',') {
        let after = after.trim_start_matches(' ');
        let len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        if len == 0 {
            return None;
        }
        ty = Some(after.get(..len)?.to_string());
        rest = after.get(len..)?.trim_start_matches(' ');
    }
    let rest = rest.strip_prefix(']')?;
    let key = Key {
        kind: KeyKind::Explicit {
            prefix: prefix.to_string(),
            name,
            ty,
        },
        span: ctx.span(i, rest),
    };
    Some(array_suffix(ctx, i, rest, key))
}

/// Wraps `key` in `ArrayIncludes` when `[*]` follows.
fn array_suffix<'a>(ctx: &Ctx<'_>, start: &'a str, rest: &'a str, key: Key) -> (&'a str, Key) {
    match rest.strip_prefix("[*]") {
        Some(after) => (
            after,
            Key {
                kind: KeyKind::ArrayIncludes(Box::new(key)),
                span: ctx.span(start, after),
            },
        ),
        None => (rest, key),
    }
}

/// A key of a search term or SQL condition: quoted, explicit tag, plain name or aggregate call.
/// Reports nothing; empty function arguments are returned for the caller to report once the
/// term is certain. `allow_minus`: Sentry's keys may start with `-` (SQL names may not).
///
/// Grammar: `term_key`
fn term_key<'a>(
    ctx: &Ctx<'_>,
    i: &'a str,
    mode: FilterMode,
    allow_minus: bool,
) -> Option<(&'a str, TermKey, Vec<Span>)> {
    if i.starts_with('"') {
        let (text, len) = scan_quoted(i)?;
        if text.is_empty() || !text.chars().all(is_quoted_key_char) {
            return None;
        }
        let rest = i.get(len..)?;
        return Some((
            rest,
            TermKey::Key(Key {
                kind: KeyKind::Quoted(text),
                span: ctx.span(i, rest),
            }),
            Vec::new(),
        ));
    }
    if let Some((rest, key)) = explicit_key(ctx, i) {
        return Some((rest, TermKey::Key(key), Vec::new()));
    }
    let len = key_len(i);
    if len == 0 || (!allow_minus && i.starts_with('-')) {
        return None;
    }
    let (name, rest) = i.split_at(len);
    if rest.starts_with('(') {
        let (rest, call, empties) = call_args(ctx, i, name, rest, mode)?;
        return Some((rest, TermKey::Call(call), empties));
    }
    let key = Key {
        kind: KeyKind::Name(name.to_string()),
        span: ctx.span(i, rest),
    };
    let (rest, key) = array_suffix(ctx, i, rest, key);
    Some((rest, TermKey::Key(key), Vec::new()))
}

/// `(args)` of an aggregate key (`sentry-api.md` §1.7).
fn call_args<'a>(
    ctx: &Ctx<'_>,
    start: &'a str,
    name: &str,
    open: &'a str,
    mode: FilterMode,
) -> Option<(&'a str, Call, Vec<Span>)> {
    let name_ident = Spanned::new(name.to_string(), ctx.span(start, open));
    let mut p = open.get(1..)?.trim_start();
    let mut args = Vec::new();
    let mut empties = Vec::new();
    if let Some(after) = p.strip_prefix(')') {
        let call = Call {
            name: name_ident,
            distinct: None,
            args,
            span: ctx.span(start, after),
        };
        return Some((after, call, empties));
    }
    loop {
        let arg_start = p;
        let kind = if p.starts_with('"') {
            let (text, len) = scan_quoted(p)?;
            if text.contains(['\t', '\n']) {
                return None;
            }
            p = p.get(len..)?;
            Some(ArgKind::Quoted(text))
        } else if let Some((rest, key)) = explicit_key(ctx, p) {
            p = rest;
            Some(ArgKind::Key(key))
        } else if mode == FilterMode::Clause && p.starts_with('$') {
            let len = 1 + param_name_len(p.get(1..)?);
            let n = p.get(1..len)?.to_string();
            p = p.get(len..)?;
            Some(ArgKind::Param(n))
        } else {
            let len = p
                .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"'))
                .unwrap_or(p.len());
            let (text, rest) = p.split_at(len);
            p = rest;
            if text.is_empty() {
                None
            } else if text == "*" {
                Some(ArgKind::Star)
            } else {
                Some(ArgKind::Word(text.to_string()))
            }
        };
        let span = ctx.span(arg_start, p);
        match kind {
            Some(kind) => args.push(Arg { kind, span }),
            None => {
                empties.push(span);
                args.push(Arg {
                    kind: ArgKind::Word(String::new()),
                    span,
                });
            }
        }
        p = p.trim_start();
        if let Some(after) = p.strip_prefix(',') {
            p = after.trim_start();
            continue;
        }
        let after = p.strip_prefix(')')?;
        let call = Call {
            name: name_ident,
            distinct: None,
            args,
            span: ctx.span(start, after),
        };
        return Some((after, call, empties));
    }
}

fn param_name_len(s: &str) -> usize {
    s.char_indices()
        .take_while(|&(idx, c)| {
            c == '_' || c.is_ascii_alphabetic() || (idx > 0 && c.is_ascii_digit())
        })
        .map(|(idx, c)| idx + c.len_utf8())
        .last()
        .unwrap_or(0)
}

/// A whole `$name` operand at `i` (followed by an end of value): its name and length.
fn whole_param(i: &str, mode: FilterMode) -> Option<(String, usize)> {
    let after = i.strip_prefix('$')?;
    let len = param_name_len(after);
    if len == 0 || !end_value(after.get(len..).unwrap_or(""), mode) {
        return None;
    }
    Some((after.get(..len)?.to_string(), len + 1))
}

fn bad_param(ctx: &Ctx<'_>, i: &str) {
    let len = i
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | ']'))
        .unwrap_or(i.len());
    ctx.report(
        Diagnostic::error(SyntaxCode::BadParameter, ctx.span_len(i, len), "`$` starts a parameter, but this is not a parameter name")
            .label("not `$name`")
            .help("a parameter is `$` then a letter or `_`, then letters, digits or `_`; to search for the text, quote it, or use LIKE for a pattern"),
    );
}

// ---------------------------------------------------------------------------------------------
// Sentry-style terms

/// Whether a Sentry filter (`!?key:`) starts at `i`.
fn filter_starts(ctx: &Ctx<'_>, i: &str, mode: FilterMode) -> bool {
    let k = i.strip_prefix('!').unwrap_or(i);
    term_key(ctx, k, mode, true).is_some_and(|(rest, _, _)| rest.starts_with(':'))
}

/// `!?key:op?value`; `None` when no filter starts here.
///
/// Grammar: `search_term`
fn search_term<'a>(ctx: &Ctx<'_>, i: &'a str, mode: FilterMode) -> Option<(&'a str, Term)> {
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
    {
        if let Some(stripped) = name.strip_prefix('-') {
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
    if let Some(body) = i.strip_prefix('\u{F00D}') {
        if let Some(end) = body.find('\u{F00D}') {
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
    if mode == FilterMode::Clause && v.starts_with('\'') {
        if let Ok((rest, text)) = token::quoted_raw(ctx, v, '\'') {
            let span = ctx.span(v, rest);
            ctx.report(
                Diagnostic::error(Code::SingleQuotedSearchValue, span, "Sentry's search syntax has no single quotes")
                    .label("single-quoted value")
                    .help("write the value in double quotes; an apostrophe inside an unquoted value is literal")
                    .fix(span, format!("\"{}\"", text.replace('"', "\\\""))),
            );
            return (rest, SearchValueKind::Text { text, quoted: true });
        }
    }
    if v.starts_with('"') {
        if let Some((text, len)) = scan_quoted(v) {
            return (
                v.get(len..).unwrap_or(""),
                SearchValueKind::Text { text, quoted: true },
            );
        }
    }
    if !comparison && v.starts_with('[') {
        if let Some((rest, items)) = list(ctx, v, mode) {
            return (rest, SearchValueKind::List(items));
        }
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
fn list<'a>(ctx: &Ctx<'_>, v: &'a str, mode: FilterMode) -> Option<(&'a str, Vec<ListItem>)> {
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
            if let Some(body) = run.strip_suffix(']') {
                if end_value(after, mode) {
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

// ---------------------------------------------------------------------------------------------
// Free text

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
fn free_text<'a>(ctx: &Ctx<'_>, i: &'a str, mode: FilterMode, depth: u32) -> (&'a str, Term) {
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
        let gap = ctx.span(p, gap_end).slice(ctx.src()).unwrap_or(" ");
        if gap.chars().all(|c| c == ' ') {
            text.push_str(gap);
        } else {
            text.push(' ');
        }
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
fn sql_operator_in_word(ctx: &Ctx<'_>, at: &str, word: &str) {
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

// ---------------------------------------------------------------------------------------------
// SQL-style conditions (clause mode)

/// Whether a SQL-style condition starts at `i` (no diagnostics are kept from the look-ahead).
fn sql_condition_starts(ctx: &Ctx<'_>, i: &str) -> bool {
    let Some((after_key, _, _)) = term_key(ctx, i, FilterMode::Clause, false) else {
        return false;
    };
    if !after_key.starts_with(char::is_whitespace) {
        return false;
    }
    let r = after_key.trim_start();
    if r.starts_with(['=', '<', '>']) || r.starts_with("!=") {
        return true;
    }
    if token::at_keyword(r, "IN") {
        return r.get(2..).is_some_and(|s| s.trim_start().starts_with('('));
    }
    if token::at_keyword(r, "LIKE") {
        return r
            .get(4..)
            .is_some_and(|s| s.trim_start().starts_with(['\'', '"', '$']));
    }
    if token::at_keyword(r, "NOT") {
        let s = r.get(3..).unwrap_or("").trim_start();
        return (token::at_keyword(s, "IN")
            && s.get(2..).is_some_and(|s| s.trim_start().starts_with('(')))
            || (token::at_keyword(s, "LIKE")
                && s.get(4..)
                    .is_some_and(|s| s.trim_start().starts_with(['\'', '"', '$'])))
            || token::at_keyword(s, "BETWEEN");
    }
    if token::at_keyword(r, "BETWEEN") {
        return true;
    }
    if token::at_keyword(r, "IS") {
        let s = r.get(2..).unwrap_or("").trim_start();
        let s = if token::at_keyword(s, "NOT") {
            s.get(3..).unwrap_or("").trim_start()
        } else {
            s
        };
        return token::at_keyword(s, "NULL");
    }
    false
}

/// A SQL-style condition, or `None` when none starts here (then the words are Sentry syntax).
///
/// Grammar: `sql_condition`
fn sql_condition<'a>(ctx: &Ctx<'_>, i: &'a str) -> Option<PResult<'a, Term>> {
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
    if let Ok((r, _)) = token::keyword(ctx, r, "IS") {
        let (r, not) = match token::keyword(ctx, r, "NOT") {
            Ok((rest, _)) => (rest, true),
            Err(_) => (r, false),
        };
        if let Ok((_, span)) = token::keyword(ctx, r, "NULL") {
            let rest = r.get(span.len()..).unwrap_or("");
            let written = ctx.span(i, rest).slice(ctx.src()).unwrap_or("").to_string();
            return Some(make(
                rest,
                SqlKind::IsNull {
                    negated: not,
                    written,
                },
            ));
        }
    }
    None
}

fn token_error(ctx: &Ctx<'_>, at: &str, message: &str) -> Diagnostic {
    let mut d = super::unexpected(ctx, at);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::without_spans;

    fn clause(text: &str) -> (Option<Filter>, Vec<Diagnostic>, String) {
        let ctx = Ctx::new(text);
        let start = token::ws(&ctx, text);
        let (f, rest) = match filter(&ctx, start, FilterMode::Clause) {
            Ok((rest, f)) => (Some(f), rest.to_string()),
            Err(_) => (None, String::new()),
        };
        (f, ctx.finish().0, rest)
    }

    fn search(text: &str) -> (Option<Filter>, Vec<Diagnostic>) {
        crate::syntax::parse_search(text)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
        d.iter().map(|d| d.code).collect()
    }

    fn terms(f: &Filter) -> Vec<String> {
        match &f.kind {
            FilterKind::Term(t) => vec![match &t.kind {
                TermKind::FreeText(ft) => {
                    format!("free:{}{}", if ft.quoted { "q:" } else { "" }, ft.text)
                }
                TermKind::Search(s) => format!(
                    "search:{}",
                    serde_json::to_string(&without_spans(s)).unwrap_or_default()
                ),
                TermKind::Sql(s) => format!(
                    "sql:{}",
                    serde_json::to_string(&without_spans(s)).unwrap_or_default()
                ),
            }],
            FilterKind::And(v) => {
                let mut out = vec!["AND".to_string()];
                out.extend(v.iter().flat_map(terms));
                out.push("/AND".into());
                out
            }
            FilterKind::Or(v) => {
                let mut out = vec!["OR".to_string()];
                out.extend(v.iter().flat_map(terms));
                out.push("/OR".into());
                out
            }
            FilterKind::Not(f) => {
                let mut out = vec!["NOT".to_string()];
                out.extend(terms(f));
                out
            }
        }
    }

    #[test]
    fn clause_keyword_ends_filter() {
        let (f, d, rest) = clause("level:error FROM errors");
        assert_eq!(rest, "FROM errors");
        assert_eq!(terms(&f.unwrap()).len(), 1);
        assert!(d.is_empty());
        let (_, _, rest) = clause("a:b GROUP BY x");
        assert_eq!(rest, "GROUP BY x");
        // GROUP without BY and keywords used as keys do not end it.
        let (f, _, rest) = clause("group project:frontend environment = 'prod' LIMIT 5");
        assert_eq!(rest, "LIMIT 5");
        let t = terms(&f.unwrap());
        assert_eq!(t.first().map(String::as_str), Some("AND"));
        assert!(t.get(1).unwrap().starts_with("free:group"));
        assert!(t.get(2).unwrap().contains("\"project\""));
        assert!(t.get(3).unwrap().starts_with("sql:"));
        let (_, _, rest) = clause("a:b; SELECT");
        assert_eq!(rest, "; SELECT");
    }

    #[test]
    fn keyword_after_free_text_warns() {
        let (_, d, rest) = clause("connection reset LIMIT 10");
        assert_eq!(rest, "LIMIT 10");
        assert_eq!(codes(&d), vec!["dql::syntax::keyword_after_free_text"]);
        let (_, d, _) = clause("connection reset\nLIMIT 10");
        assert!(d.is_empty());
    }

    #[test]
    fn comments_and_double_dash_values() {
        let (f, d, _) = clause("message:a--b -- a comment\n level:error /* x */ OR b:c");
        assert!(d.is_empty(), "{d:?}");
        let t = terms(&f.unwrap());
        assert!(t.iter().any(|s| s.contains("a--b")), "{t:?}");
        assert_eq!(t.first().map(String::as_str), Some("OR"));
    }

    #[test]
    fn free_text_merging_and_parens() {
        let (f, d) = search("hello   there x:y when");
        assert!(d.is_empty());
        let t = terms(&f.unwrap());
        assert_eq!(t.get(1).unwrap(), "free:hello   there");
        assert_eq!(t.get(3).unwrap(), "free:when");
        let (f, d) = search("see foo(a, b)bar");
        assert!(d.is_empty());
        assert_eq!(terms(&f.unwrap()), vec!["free:see foo(a, b)bar"]);
        let (f, _) = search("hello\tthere");
        assert_eq!(terms(&f.unwrap()), vec!["free:hello there"]);
    }

    #[test]
    fn orange_is_not_or() {
        let (f, d) = search("ORANGE or apple");
        assert!(d.is_empty());
        assert_eq!(
            terms(&f.unwrap()),
            vec!["OR", "free:ORANGE", "free:apple", "/OR"]
        );
        let (f, _) = search("a:b AND c:d OR e:f");
        let t = terms(&f.unwrap());
        assert_eq!(t.first().map(String::as_str), Some("OR"));
        assert_eq!(t.get(1).map(String::as_str), Some("AND"));
    }

    #[test]
    fn operator_errors() {
        for q in ["OR a:b", "a:b OR", "a:b AND OR c:d", "(a:b", "a:b)", "()"] {
            let (_, d) = search(q);
            assert!(d.iter().any(Diagnostic::is_error), "{q}: {d:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let q = format!("{}a:b{}", "(".repeat(10_000), ")".repeat(10_000));
        let (_, d) = search(&q);
        assert!(codes(&d).contains(&"dql::syntax::too_deeply_nested"));
        let q = format!("{}a:b", "NOT ".repeat(10_000));
        let (_, d, _) = clause(&q);
        assert!(codes(&d).contains(&"dql::syntax::too_deeply_nested"));
    }

    #[test]
    fn sql_conditions_and_not() {
        let (f, d, _) = clause(
            "NOT (a = 'x' OR b IN (1, 2)) c NOT LIKE '%x%' d BETWEEN 1s AND 2s e IS NOT NULL",
        );
        assert!(d.is_empty(), "{d:?}");
        let t = terms(&f.unwrap());
        assert_eq!(t.get(1).map(String::as_str), Some("NOT"));
        assert_eq!(t.iter().filter(|s| s.starts_with("sql:")).count(), 5);
        // `IN` without `(` is free text, as in Sentry.
        let (f, _, _) = clause("hello IN the morning");
        assert_eq!(terms(&f.unwrap()), vec!["free:hello IN the morning"]);
    }

    #[test]
    fn warnings_and_single_quotes() {
        let (_, d, _) = clause("orderId=123");
        assert_eq!(codes(&d), vec!["dql::syntax::sql_operator_in_word"]);
        assert_eq!(d[0].fix.as_ref().unwrap().replacement, "orderId = 123");
        let (_, d, _) = clause("-level:error");
        assert_eq!(codes(&d), vec!["dql::syntax::minus_key"]);
        let (_, d, _) = clause("message:'x y'");
        assert_eq!(codes(&d), vec!["dql::syntax::single_quoted_search_value"]);
        assert_eq!(d[0].fix.as_ref().unwrap().replacement, "\"x y\"");
        let (_, d) = search("message:don't");
        assert!(d.is_empty());
    }

    #[test]
    fn lists_and_values() {
        let (f, _) = search("test:[a, [h]] x:[] y:[a]x z:[h e]");
        let t = terms(&f.unwrap()).join("|");
        assert!(t.contains(r#""[h]""#), "{t}");
        assert!(t.contains(r#""text":"[]""#), "{t}");
        assert!(t.contains(r#""text":"[a]x""#), "{t}");
        assert!(t.contains("free:e]"), "{t}");
        let (_, d) = search("url:te\"st");
        assert_eq!(codes(&d), vec!["dql::syntax::invalid_quote"]);
    }

    #[test]
    fn params_only_in_clause_mode() {
        let (f, d, _) = clause("release:$rel $text b:[$x, y]");
        assert!(d.is_empty(), "{d:?}");
        let t = terms(&f.unwrap()).join("|");
        assert!(t.contains("\"Param\":\"rel\""), "{t}");
        let (f, _) = search("release:$rel");
        assert!(terms(&f.unwrap()).join("").contains("\"$rel\""));
        let (_, d, _) = clause("release:$5");
        assert_eq!(codes(&d), vec!["dql::syntax::bad_parameter"]);
    }
}
