//! The lexemes of DQL as nom parsers: names, numbers, parameter names, quoted strings,
//! comments, keywords and operand words. Each is a pure function of the input (no context, no
//! spans, no diagnostics): [`super::token`] wraps them with spans, trivia and the messages, and
//! the statement parser above stays hand-written (see [`super`]).
//!
//! A failure here carries no "expected …" text: every caller maps it to its own.

use super::token::{PError, PResult, is_name_char};
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{
    is_not, tag, tag_no_case, take_till, take_till1, take_until, take_while, take_while1,
};
use nom::character::complete::{char, digit1, satisfy};
use nom::combinator::{all_consuming, not, opt, recognize, value};
use nom::multi::fold_many0;
use nom::sequence::{delimited, pair, preceded, terminated};

/// A plain word: name characters (`a-z A-Z 0-9 _ . -`), never starting with `-`, where a `-`
/// does not continue a word that so far is a number (so `2-1` subtracts and `a-b` is one name).
///
/// Hand-written, not nom: the combinator form (`recognize` over `take_while1` and
/// `take_while`) cost half again as many instructions here, the parser's most frequent lexeme,
/// and made the whole parse 1.7 % slower (benches/README.md).
pub fn word(i: &str) -> PResult<'_, &str> {
    let mut len = 0;
    for (idx, c) in i.char_indices() {
        if !is_name_char(c) || (c == '-' && (idx == 0 || is_number(i.get(..idx).unwrap_or("")))) {
            break;
        }
        len = idx + c.len_utf8();
    }
    match i.split_at_checked(len) {
        Some((word, rest)) if len > 0 => Ok((rest, word)),
        _ => Err(nom::Err::Error(PError {
            input: i,
            expected: "",
        })),
    }
}

/// `\d+(\.\d+)?` at the start of the input.
pub fn number(i: &str) -> PResult<'_, &str> {
    recognize(pair(digit1, opt(pair(char('.'), digit1)))).parse(i)
}

/// Whether `s` is shaped `\d+(\.\d+)?`.
pub fn is_number(s: &str) -> bool {
    all_consuming(number).parse(s).is_ok()
}

/// A parameter's name (after `$`): a letter or `_`, then letters, digits or `_` (ASCII).
pub fn param_name(i: &str) -> PResult<'_, &str> {
    recognize(pair(
        satisfy(|c| c == '_' || c.is_ascii_alphabetic()),
        take_while(|c: char| c == '_' || c.is_ascii_alphanumeric()),
    ))
    .parse(i)
}

/// A Sentry key (`[A-Za-z0-9_.-]+`).
pub fn key_name(i: &str) -> PResult<'_, &str> {
    take_while1(is_name_char).parse(i)
}

/// The inside of a `"…"` string up to its closing quote (not consumed), unescaped: `\"` is a
/// quote, every other `\` is literal.
pub fn double_body(i: &str) -> PResult<'_, String> {
    fold_many0(
        alt((is_not("\\\""), value("\"", tag("\\\"")), tag("\\"))),
        String::new,
        |mut out: String, piece: &str| {
            out.push_str(piece);
            out
        },
    )
    .parse(i)
}

/// The inside of a `'…'` string (SQL style) up to its closing quote: `''` is a quote, `\` is
/// literal.
pub fn single_body(i: &str) -> PResult<'_, String> {
    fold_many0(
        alt((is_not("'"), value("'", tag("''")))),
        String::new,
        |mut out: String, piece: &str| {
            out.push_str(piece);
            out
        },
    )
    .parse(i)
}

/// A whole, closed `"…"` string, unescaped.
pub fn double_string(i: &str) -> PResult<'_, String> {
    delimited(char('"'), double_body, char('"')).parse(i)
}

/// A whole, closed quoted string (`"…"` or `'…'` by `quote`), unescaped.
pub fn quoted(quote: char) -> impl FnMut(&str) -> PResult<'_, String> {
    move |i| {
        if quote == '"' {
            double_string(i)
        } else {
            delimited(char('\''), single_body, char('\'')).parse(i)
        }
    }
}

/// `-- text` to the end of the line (the newline not included); returns the text after `--`.
pub fn line_comment(i: &str) -> PResult<'_, &str> {
    preceded(tag("--"), take_till(|c| c == '\n')).parse(i)
}

/// A closed `/* text */`; returns the text between the markers.
pub fn block_comment(i: &str) -> PResult<'_, &str> {
    delimited(tag("/*"), take_until("*/"), tag("*/")).parse(i)
}

/// Keyword `kw`, any ASCII case, as a whole word (no name character follows).
///
/// The keyword is compared as bytes: nom's `&str` comparison folds case per Unicode character
/// (the Kelvin sign `K` folds to `k`), which would match a longer input than the keyword and
/// cut it inside a character.
pub fn keyword<'a>(kw: &str) -> impl Parser<&'a str, Output = &'a str, Error = PError<'a>> {
    terminated(tag_no_case(kw.as_bytes()), not(satisfy(is_name_char)))
}

/// An operand word: any run of characters but white space and `, ; ( ) ' "`.
pub fn operand_word(i: &str) -> PResult<'_, &str> {
    take_till1(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '\'' | '"'))
        .parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest_and<T>(r: PResult<'_, T>) -> Option<(&str, T)> {
        r.ok()
    }

    #[test]
    fn words_stop_at_a_minus_after_a_number() {
        assert_eq!(rest_and(word("2-1")), Some(("-1", "2")));
        assert_eq!(rest_and(word("1.5-2")), Some(("-2", "1.5")));
        assert_eq!(rest_and(word("1.-x y")), Some((" y", "1.-x")));
        assert_eq!(rest_and(word("a-b-c)")), Some((")", "a-b-c")));
        assert_eq!(rest_and(word("2h-x")), Some(("", "2h-x")));
        assert!(word("-a").is_err());
        assert!(word("(a").is_err());
    }

    #[test]
    fn numbers_are_digits_with_an_optional_fraction() {
        assert!(is_number("12"));
        assert!(is_number("0.95"));
        assert!(!is_number("1."));
        assert!(!is_number(".5"));
        assert!(!is_number("1e3"));
        assert!(!is_number(""));
    }

    #[test]
    fn parameter_names_start_with_a_letter_or_underscore() {
        assert_eq!(rest_and(param_name("_a1 x")), Some((" x", "_a1")));
        assert!(param_name("1a").is_err());
        assert!(param_name("é").is_err());
    }

    #[test]
    fn strings_unescape_only_their_quote() {
        assert_eq!(
            rest_and(double_string(r#""a\"b\c" x"#)),
            Some((" x", r#"a"b\c"#.to_string()))
        );
        assert_eq!(
            rest_and(double_string(r#""a\\"b" x"#)),
            Some((" x", r#"a\"b"#.to_string()))
        );
        assert_eq!(
            rest_and(quoted('\'')("'it''s \\' x")),
            Some((" x", "it's \\".to_string()))
        );
        assert!(double_string("\"open").is_err());
    }

    #[test]
    fn keywords_match_ascii_case_only_as_whole_words() {
        assert_eq!(
            rest_and(keyword("LIKE").parse("like x")),
            Some((" x", "like"))
        );
        assert!(keyword("LIKE").parse("likes").is_err());
        // The Kelvin sign folds to `k` in Unicode but is no `K` here.
        assert!(keyword("LIKE").parse("LI\u{212A}E x").is_err());
    }

    #[test]
    fn comments_keep_their_text() {
        assert_eq!(rest_and(line_comment("-- hi\nx")), Some(("\nx", " hi")));
        assert_eq!(rest_and(block_comment("/* a */b")), Some(("b", " a ")));
        assert!(block_comment("/* open").is_err());
    }
}
