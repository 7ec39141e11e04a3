//! A forgiving lexer for the REPL's line editor: classifies every byte of partial input for
//! highlighting and decides whether the input is complete. It never fails and never panics;
//! the real parser (`dql::syntax`) stays the judge of what is valid.

use dql::syntax::token::is_name_char;

/// What a run of input is, as far as highlighting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// White space.
    Space,
    /// `-- …` or `/* … */` (possibly unterminated).
    Comment,
    /// `'…'` or `"…"` (possibly unterminated).
    String,
    /// `$name`.
    Param,
    /// A word that starts with a digit: `24h`, `0.95`, `500`.
    Number,
    /// Any other name-like word: keyword, field, function, dataset, tag.
    Word,
    /// One character of anything else (`(`, `,`, `;`, `:`, `*`, …).
    Punct,
}

/// A token: its kind and byte range in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    /// What it is.
    pub(crate) kind: Kind,
    /// First byte.
    pub(crate) start: usize,
    /// One past the last byte.
    pub(crate) end: usize,
    /// A string or block comment that runs to the end of the input without closing.
    pub(crate) unterminated: bool,
}

/// Splits `input` into tokens that cover it exactly, in order.
pub(crate) fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rest) = input.get(pos..) {
        let Some(first) = rest.chars().next() else {
            break;
        };
        let (kind, len, unterminated) = next_token(input, pos, rest, first);
        // Guarantee progress even if a rule above ever measured zero.
        let len = len.max(first.len_utf8());
        out.push(Token {
            kind,
            start: pos,
            end: pos + len,
            unterminated,
        });
        pos += len;
    }
    out
}

/// Measures the token at `rest` (which starts at byte `pos` of `input`).
fn next_token(input: &str, pos: usize, rest: &str, first: char) -> (Kind, usize, bool) {
    if first.is_whitespace() {
        let len = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        return (Kind::Space, len, false);
    }
    if rest.starts_with("--") && comment_allowed(input, pos) {
        return (Kind::Comment, rest.find('\n').unwrap_or(rest.len()), false);
    }
    if rest.starts_with("/*") && comment_allowed(input, pos) {
        return match rest.get(2..).and_then(|body| body.find("*/")) {
            Some(close) => (Kind::Comment, close + 4, false),
            None => (Kind::Comment, rest.len(), true),
        };
    }
    match first {
        '\'' => quoted(rest, '\''),
        '"' => quoted(rest, '"'),
        '$' => {
            let len = 1 + rest
                .get(1..)
                .map_or(0, |r| r.find(|c: char| !is_name_char(c)).unwrap_or(r.len()));
            (Kind::Param, len, false)
        }
        c if is_name_char(c) => {
            let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            let kind = if c.is_ascii_digit() {
                Kind::Number
            } else {
                Kind::Word
            };
            (kind, len, false)
        }
        c => (Kind::Punct, c.len_utf8(), false),
    }
}

/// The parser's rule: a comment starts only at the start, after white space or after one of
/// `( ) , ;`, so that `message:a--b` stays one value.
fn comment_allowed(input: &str, pos: usize) -> bool {
    match input
        .get(..pos)
        .and_then(|before| before.chars().next_back())
    {
        None => true,
        Some(c) => c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';'),
    }
}

/// A quoted string: `''` escapes a single quote, `\x` escapes anything in double quotes.
fn quoted(rest: &str, quote: char) -> (Kind, usize, bool) {
    let mut chars = rest.char_indices().skip(1);
    while let Some((idx, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
            continue;
        }
        if c == quote {
            // `''` inside a single-quoted string is an escaped quote, not the end.
            if quote == '\'' && rest.get(idx + 1..).is_some_and(|r| r.starts_with('\'')) {
                chars.next();
                continue;
            }
            return (Kind::String, idx + 1, false);
        }
    }
    (Kind::String, rest.len(), true)
}

/// Whether the input is ready to run: a meta-command (`.` first), nothing at all, or a query
/// whose last token outside strings and comments is `;`.
pub(crate) fn is_complete(input: &str) -> bool {
    let trimmed = input.trim_start();
    // `.commands` and psql's `\x` end at the line.
    if trimmed.is_empty() || trimmed.starts_with('.') || trimmed.starts_with('\\') {
        return true;
    }
    let tokens = tokens(input);
    let last = tokens.iter().rev().find(|t| match t.kind {
        Kind::Space => false,
        // An open block comment swallows everything after it, so the input goes on.
        Kind::Comment => t.unterminated,
        _ => true,
    });
    match last {
        Some(token) => token.kind == Kind::Punct && input.get(token.start..token.end) == Some(";"),
        // Only comments: nothing to run, so accept the line rather than wait for a `;`.
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(input: &str) -> Vec<(Kind, &str)> {
        tokens(input)
            .into_iter()
            .map(|t| (t.kind, &input[t.start..t.end]))
            .collect()
    }

    #[test]
    fn classifies_a_query() {
        let got = kinds("SELECT p95(x) FROM t WHERE a:'it''s' -- c\n SINCE 24h $p;");
        let want = [
            (Kind::Word, "SELECT"),
            (Kind::Space, " "),
            (Kind::Word, "p95"),
            (Kind::Punct, "("),
            (Kind::Word, "x"),
            (Kind::Punct, ")"),
            (Kind::Space, " "),
            (Kind::Word, "FROM"),
            (Kind::Space, " "),
            (Kind::Word, "t"),
            (Kind::Space, " "),
            (Kind::Word, "WHERE"),
            (Kind::Space, " "),
            (Kind::Word, "a"),
            (Kind::Punct, ":"),
            (Kind::String, "'it''s'"),
            (Kind::Space, " "),
            (Kind::Comment, "-- c"),
            (Kind::Space, "\n "),
            (Kind::Word, "SINCE"),
            (Kind::Space, " "),
            (Kind::Number, "24h"),
            (Kind::Space, " "),
            (Kind::Param, "$p"),
            (Kind::Punct, ";"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn double_dash_inside_a_value_is_not_a_comment() {
        assert_eq!(
            kinds("a:b--c"),
            [(Kind::Word, "a"), (Kind::Punct, ":"), (Kind::Word, "b--c")]
        );
    }

    #[test]
    fn completeness() {
        // (input, complete?, why)
        let cases = [
            ("SELECT count() FROM errors;", true, "ends with ;"),
            ("SELECT count()\nFROM errors", false, "no ; yet"),
            (
                "SELECT count() FROM errors;  -- done",
                true,
                "comment after ;",
            ),
            ("SELECT 1 WHERE m:'a;", false, "; inside an open string"),
            (
                "SELECT 1 WHERE m:\"a\\\";",
                false,
                "escaped quote keeps the string open",
            ),
            ("SELECT 1 /* ; */", false, "; inside a block comment"),
            ("SELECT 1; /* open", false, "unterminated block comment"),
            ("SELECT 1 -- ;", false, "; inside a line comment"),
            (".format csv", true, "meta-command"),
            ("  ", true, "blank"),
            ("-- just a comment", true, "nothing to run"),
        ];
        for (input, want, why) in cases {
            assert_eq!(is_complete(input), want, "{why}: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn tokens_cover_any_input_exactly(input in any::<String>()) {
            let tokens = tokens(&input);
            let mut pos = 0;
            for token in &tokens {
                prop_assert_eq!(token.start, pos);
                prop_assert!(token.end > token.start);
                prop_assert!(input.get(token.start..token.end).is_some());
                pos = token.end;
            }
            prop_assert_eq!(pos, input.len());
            let _ = is_complete(&input);
        }

        #[test]
        fn dql_like_input_never_panics(input in "[ -~\n]{0,80}") {
            let _ = tokens(&input);
            let _ = is_complete(&input);
        }
    }
}
