//! Keys of filter terms: `name`, `"quoted"`, `tags[…]`, `flags[…]`, function calls as keys
//! (`p95(transaction.duration):>1s`), and `$param` names.

use super::*;

/// A `"…"` string with Sentry's escaping, without reporting anything: `(unescaped, byte length)`,
/// `None` when unterminated.
pub(super) fn scan_quoted(i: &str) -> Option<(String, usize)> {
    let (rest, text) = lexeme::double_string(i).ok()?;
    Some((text, i.len() - rest.len()))
}

/// Length of a Sentry key (`[A-Za-z0-9_.-]+`).
pub(super) fn key_len(i: &str) -> usize {
    lexeme::key_name(i).map_or(0, |(_, name)| name.len())
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
pub(super) fn term_key<'a>(
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

/// Length of the parameter name at `s` (after `$`), 0 when none ([`lexeme::param_name`]).
pub(super) fn param_name_len(s: &str) -> usize {
    lexeme::param_name(s).map_or(0, |(_, name)| name.len())
}

/// A whole `$name` operand at `i` (followed by an end of value): its name and length.
pub(super) fn whole_param(i: &str, mode: FilterMode) -> Option<(String, usize)> {
    let after = i.strip_prefix('$')?;
    let len = param_name_len(after);
    if len == 0 || !end_value(after.get(len..).unwrap_or(""), mode) {
        return None;
    }
    Some((after.get(..len)?.to_string(), len + 1))
}

pub(super) fn bad_param(ctx: &Ctx<'_>, i: &str) {
    let len = i
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | ']'))
        .unwrap_or(i.len());
    ctx.report(
        Diagnostic::error(SyntaxCode::BadParameter, ctx.span_len(i, len), "`$` starts a parameter, but this is not a parameter name")
            .label("not `$name`")
            .help("a parameter is `$` then a letter or `_`, then letters, digits or `_`; to search for the text, quote it, or use LIKE for a pattern"),
    );
}
