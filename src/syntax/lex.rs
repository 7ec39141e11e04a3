//! A forgiving lexer for editors: splits any text, finished or not, into tokens that cover it
//! exactly, for highlighting, completion and deciding whether input is complete. It never
//! fails and never panics; the parser ([`super::parse`]) stays the judge of what is valid. The
//! REPL's line editor and the language server both use it.

use super::token::is_name_char;

/// What a run of input is, as far as highlighting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// A string or block comment that runs to the end of the input without closing.
    pub unterminated: bool,
}

impl Token {
    /// The token's text in `input`.
    pub fn text(self, input: &str) -> &str {
        input.get(self.start..self.end).unwrap_or("")
    }
}

/// Splits `input` into tokens that cover it exactly, in order.
pub fn tokens(input: &str) -> Vec<Token> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_text() {
        let src = "SELECT p95(x) FROM t WHERE a:'it''s' m:a--b -- c é\n $p;";
        let toks = tokens(src);
        let mut pos = 0;
        for t in &toks {
            assert_eq!(t.start, pos);
            pos = t.end;
        }
        assert_eq!(pos, src.len());
        let kinds: Vec<(Kind, &str)> = toks
            .iter()
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (t.kind, t.text(src)))
            .collect();
        assert!(kinds.contains(&(Kind::String, "'it''s'")));
        assert!(kinds.contains(&(Kind::Word, "a--b")));
        assert!(kinds.contains(&(Kind::Comment, "-- c é")));
        assert!(kinds.contains(&(Kind::Param, "$p")));
    }
}
