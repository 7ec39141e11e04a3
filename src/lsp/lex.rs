//! A forgiving lexer for the language server: splits any text, finished or not, into tokens
//! that cover it exactly. It never fails; the parser stays the judge of what is valid. The
//! server uses it to find what the cursor is on (completion, hover, definition) and to
//! classify text for semantic highlighting.

use crate::syntax::token::is_name_char;

/// What a run of text is.
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

/// A token: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    /// The token's text in `src`.
    pub(crate) fn text(self, src: &str) -> &str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// Splits `src` into tokens that cover it exactly, in order.
pub(crate) fn tokens(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rest) = src.get(pos..) {
        let Some(first) = rest.chars().next() else {
            break;
        };
        let (kind, len) = measure(src, pos, rest, first);
        // Always make progress, whatever a rule measured.
        let len = len.max(first.len_utf8());
        out.push(Token {
            kind,
            start: pos,
            end: pos + len,
        });
        pos += len;
    }
    out
}

fn measure(src: &str, pos: usize, rest: &str, first: char) -> (Kind, usize) {
    if first.is_whitespace() {
        let len = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        return (Kind::Space, len);
    }
    if rest.starts_with("--") && comment_allowed(src, pos) {
        return (Kind::Comment, rest.find('\n').unwrap_or(rest.len()));
    }
    if rest.starts_with("/*") && comment_allowed(src, pos) {
        let len = rest
            .get(2..)
            .and_then(|body| body.find("*/"))
            .map_or(rest.len(), |close| close + 4);
        return (Kind::Comment, len);
    }
    match first {
        '\'' | '"' => (Kind::String, quoted(rest, first)),
        '$' => {
            let len = 1 + rest
                .get(1..)
                .map_or(0, |r| r.find(|c: char| !is_name_char(c)).unwrap_or(r.len()));
            (Kind::Param, len)
        }
        c if is_name_char(c) => {
            let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            let kind = if c.is_ascii_digit() {
                Kind::Number
            } else {
                Kind::Word
            };
            (kind, len)
        }
        c => (Kind::Punct, c.len_utf8()),
    }
}

/// The parser's rule (`syntax::token`): a comment starts only at the start, after white space
/// or after one of `( ) , ;`, so that `message:a--b` stays one value.
fn comment_allowed(src: &str, pos: usize) -> bool {
    match src.get(..pos).and_then(|before| before.chars().next_back()) {
        None => true,
        Some(c) => c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';'),
    }
}

/// The length of a quoted string: `''` escapes `'`, `\x` escapes anything inside `"…"`.
fn quoted(rest: &str, quote: char) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((idx, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
            continue;
        }
        if c == quote {
            if quote == '\'' && rest.get(idx + 1..).is_some_and(|r| r.starts_with('\'')) {
                chars.next();
                continue;
            }
            return idx + 1;
        }
    }
    rest.len()
}

/// The index of the token that holds byte `offset` (the one ending there when the cursor is
/// right after a word, so that `coun|` is on `coun`).
pub(crate) fn at(tokens: &[Token], offset: usize) -> Option<usize> {
    let inside = tokens
        .iter()
        .position(|t| t.start <= offset && offset < t.end);
    let before = tokens
        .iter()
        .position(|t| t.end == offset && matches!(t.kind, Kind::Word | Kind::Param | Kind::Number));
    match (before, inside) {
        (Some(b), _) => Some(b),
        (None, Some(i)) => Some(i),
        (None, None) => None,
    }
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
