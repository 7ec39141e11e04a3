//! Canonical DQL text of a filter (`Display` for the filter AST), the inverse of
//! `syntax::filter` in clause mode: `parse(print(f)) == f` up to spans. Terms are joined by one
//! space (AND by juxtaposition, written `AND` between unquoted free text and free text after it),
//! ` OR ` between alternatives, `NOT` for negated groups, parentheses only where precedence needs
//! them. Values keep how they were written (quoted or not); unquoted values re-escape `"`.

use super::ast::{
    Filter, FilterKind, FreeText, ListItem, SearchOp, SearchTerm, SearchValueKind, SqlCondition,
    SqlKind, SqlOp, Term, TermKey, TermKind,
};
use std::fmt;

fn quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    write!(f, "\"{}\"", text.replace('"', "\\\""))
}

impl fmt::Display for TermKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TermKey::Key(k) => write!(f, "{k}"),
            TermKey::Call(c) => write!(f, "{c}"),
        }
    }
}

fn search_op(op: SearchOp) -> &'static str {
    match op {
        SearchOp::Eq => "=",
        SearchOp::Ne => "!=",
        SearchOp::Gt => ">",
        SearchOp::Ge => ">=",
        SearchOp::Lt => "<",
        SearchOp::Le => "<=",
        SearchOp::Contains => "\u{F00D}Contains\u{F00D}",
        SearchOp::StartsWith => "\u{F00D}StartsWith\u{F00D}",
        SearchOp::EndsWith => "\u{F00D}EndsWith\u{F00D}",
        SearchOp::Matches => "\u{F00D}Matches\u{F00D}",
    }
}

fn list_item(f: &mut fmt::Formatter<'_>, item: &ListItem) -> fmt::Result {
    if item.param {
        write!(f, "${}", item.text)
    } else if item.quoted {
        quoted(f, &item.text)
    } else {
        f.write_str(&item.text)
    }
}

impl fmt::Display for SearchTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        write!(f, "{}:", self.key)?;
        if let Some(op) = &self.op {
            f.write_str(search_op(op.node))?;
        }
        match &self.value.kind {
            SearchValueKind::Text { text, quoted: true } => quoted(f, text),
            SearchValueKind::Text {
                text,
                quoted: false,
            } => f.write_str(&text.replace('"', "\\\"")),
            SearchValueKind::Param(p) => write!(f, "${p}"),
            SearchValueKind::List(items) => {
                f.write_str("[")?;
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    list_item(f, item)?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for FreeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.param {
            write!(f, "${}", self.text)
        } else if self.quoted {
            quoted(f, &self.text)
        } else {
            f.write_str(&self.text)
        }
    }
}

impl fmt::Display for SqlCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let SqlKind::IsNull { written, .. } = &self.kind {
            // As written: which words and spaces it has decides its reading (language.md §5).
            return f.write_str(written);
        }
        write!(f, "{} ", self.key)?;
        let not = |n: bool| if n { "NOT " } else { "" };
        match &self.kind {
            SqlKind::Compare(op, value) => {
                let op = match op.node {
                    SqlOp::Eq => "=",
                    SqlOp::Ne => "!=",
                    SqlOp::LtGt => "<>",
                    SqlOp::Lt => "<",
                    SqlOp::Le => "<=",
                    SqlOp::Gt => ">",
                    SqlOp::Ge => ">=",
                };
                write!(f, "{op} {value}")
            }
            SqlKind::In { negated, items } => {
                write!(f, "{}IN (", not(*negated))?;
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            SqlKind::Like { negated, pattern } => write!(f, "{}LIKE {pattern}", not(*negated)),
            SqlKind::Between { negated, low, high } => {
                write!(f, "{}BETWEEN {low} AND {high}", not(*negated))
            }
            SqlKind::IsNull { negated, .. } => write!(f, "IS {}NULL", not(*negated)),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TermKind::Search(s) => write!(f, "{s}"),
            TermKind::FreeText(t) => write!(f, "{t}"),
            TermKind::Sql(s) => write!(f, "{s}"),
        }
    }
}

fn is_unquoted_free_text(f: &Filter) -> bool {
    matches!(
        &f.kind,
        FilterKind::Term(Term {
            kind: TermKind::FreeText(FreeText { quoted: false, .. }),
            ..
        })
    )
}

fn ends_in_not(f: &Filter) -> bool {
    match &f.kind {
        FilterKind::Term(Term {
            kind:
                TermKind::FreeText(FreeText {
                    quoted: false,
                    param: false,
                    text,
                }),
            ..
        }) => text
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("not")),
        _ => false,
    }
}

/// A filter printed with the source text it was parsed from: an `AND` the author wrote between
/// two terms is printed again (the tree alone cannot tell `a b` from `a AND b`).
pub(crate) struct Sourced<'a>(pub(crate) &'a Filter, pub(crate) Option<&'a str>);

impl fmt::Display for Sourced<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self.0, self.1)
    }
}

/// Whether the source between `before` and `after` is the keyword `AND` (parentheses aside).
fn and_written(src: Option<&str>, before: &Filter, after: &Filter) -> bool {
    let Some(between) =
        src.and_then(|s| s.get(before.span.end as usize..after.span.start as usize))
    else {
        return false;
    };
    between
        .trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .eq_ignore_ascii_case("AND")
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self, None)
    }
}

fn write_filter(f: &mut fmt::Formatter<'_>, filter: &Filter, src: Option<&str>) -> fmt::Result {
    match &filter.kind {
        FilterKind::Term(t) => write!(f, "{t}"),
        FilterKind::Or(items) => {
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    f.write_str(" OR ")?;
                }
                write_filter(f, item, src)?;
            }
            Ok(())
        }
        FilterKind::And(items) => {
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    let prev = idx.checked_sub(1).and_then(|p| items.get(p));
                    let prev_free = prev.is_some_and(is_unquoted_free_text);
                    let this_free = matches!(
                        &item.kind,
                        FilterKind::Term(Term {
                            kind: TermKind::FreeText(_),
                            ..
                        })
                    );
                    let written = prev.is_some_and(|p| and_written(src, p, item));
                    // Free text ending in the word `not` before a filter would read as NOT of
                    // it: an explicit AND keeps the word free text.
                    let prev_ends_in_not = prev.is_some_and(ends_in_not);
                    f.write_str(if (prev_free && this_free) || written || prev_ends_in_not {
                        " AND "
                    } else {
                        " "
                    })?;
                }
                if matches!(item.kind, FilterKind::Or(_)) {
                    f.write_str("(")?;
                    write_filter(f, item, src)?;
                    f.write_str(")")?;
                } else {
                    write_filter(f, item, src)?;
                }
            }
            Ok(())
        }
        FilterKind::Not(inner) => match inner.kind {
            FilterKind::And(_) | FilterKind::Or(_) => {
                f.write_str("NOT (")?;
                write_filter(f, inner, src)?;
                f.write_str(")")
            }
            _ => {
                f.write_str("NOT ")?;
                write_filter(f, inner, src)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::ast::without_spans;
    use crate::syntax::filter::{FilterMode, filter};
    use crate::syntax::token::{Ctx, ws};

    fn parse(text: &str) -> crate::syntax::ast::Filter {
        let ctx = Ctx::new(text);
        let (rest, f) = filter(&ctx, ws(&ctx, text), FilterMode::Clause).unwrap();
        assert!(rest.is_empty(), "{text}: rest {rest:?}");
        f
    }

    #[test]
    fn prints_canonical_dql_that_parses_back() {
        let cases = [
            ("level:error   AND  b:c", "level:error b:c"),
            ("(a:b or c:d) e:f", "(a:b OR c:d) e:f"),
            ("NOT (a:b OR c:d)", "NOT (a:b OR c:d)"),
            ("hello world x:y", "hello world x:y"),
            ("hello AND \"world\"", "hello AND \"world\""),
            (
                "url:te\\\"st m:\"a \\\"b\\\"\" l:[a, \"b c\", $p]",
                "url:te\\\"st m:\"a \\\"b\\\"\" l:[a, \"b c\", $p]",
            ),
            (
                "count_if(user.email,equals,\"a,b\"):>5",
                "count_if(user.email, equals, \"a,b\"):>5",
            ),
            (
                "x <> 'it''s' AND y NOT IN (1, $p) z NOT BETWEEN 1 AND 2 w IS NOT NULL",
                "x <> 'it''s' y NOT IN (1, $p) z NOT BETWEEN 1 AND 2 w IS NOT NULL",
            ),
            // IS NULL keeps its spelling: it decides whether Sentry's reading (free text) applies.
            ("x is  not null AND y IS NULL", "x is  not null y IS NULL"),
            // The word `not` ending free text stays a word.
            ("timeout not (a:b c)", "timeout not AND a:b c"),
            (
                "tags[a,number]:>5 !\"hi:there\":v",
                "tags[a,number]:>5 !\"hi:there\":v",
            ),
        ];
        for (src, printed) in cases {
            let f = parse(src);
            assert_eq!(f.to_string(), printed, "{src}");
            assert_eq!(without_spans(&parse(printed)), without_spans(&f), "{src}");
        }
    }
}
