//! Canonical Sentry values: how a value is written in each context of the search syntax
//! (language.md §11). Only `"` is ever escaped (as `\"`); a value is quoted only when its context
//! needs it.

use std::fmt;

/// Why a value cannot be written in Sentry's search syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inexpressible {
    /// It needs quotes and ends in `\`, which would escape the closing quote.
    TrailingBackslash,
    /// Empty free text (Sentry drops `""`).
    EmptyFreeText,
    /// A tab or newline in an aggregate argument.
    ControlInArgument,
    /// A key whose characters Sentry's key syntax cannot hold.
    Key,
}

impl fmt::Display for Inexpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Inexpressible::TrailingBackslash => {
                "a value that needs quotes cannot end in `\\` in Sentry's syntax"
            }
            Inexpressible::EmptyFreeText => {
                "empty free text cannot be expressed in Sentry's syntax"
            }
            Inexpressible::ControlInArgument => {
                "a function argument cannot hold a tab or a line break"
            }
            Inexpressible::Key => "this key cannot be written in Sentry's syntax",
        })
    }
}

/// `"…"` with `"` escaped.
fn quoted(value: &str) -> Result<String, Inexpressible> {
    if value.ends_with('\\') {
        return Err(Inexpressible::TrailingBackslash);
    }
    Ok(format!("\"{}\"", value.replace('"', "\\\"")))
}

fn has_space_or_quote_or_paren(value: &str) -> bool {
    value
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '(' | ')'))
}

/// A filter value (`key:value`): quoted when empty, or when it holds white space, `"`, `(` or
/// `)`, or starts with `>`, `<`, `=`, `!=`, `[` or U+F00D.
pub fn filter_value(value: &str) -> Result<String, Inexpressible> {
    let needs = value.is_empty()
        || has_space_or_quote_or_paren(value)
        || value.starts_with(['>', '<', '=', '[', '\u{F00D}'])
        || value.starts_with("!=");
    if needs {
        quoted(value)
    } else {
        Ok(value.to_string())
    }
}

/// An item of a `[a, b]` list: also quoted for `,` and `]`, and when it starts with `[`.
pub fn list_item(value: &str) -> Result<String, Inexpressible> {
    let needs = value.is_empty()
        || has_space_or_quote_or_paren(value)
        || value.contains([',', ']'])
        || value.starts_with('[');
    if needs {
        quoted(value)
    } else {
        Ok(value.to_string())
    }
}

/// An aggregate argument (`count_if(user.email,equals,"a,b")`): quoted when empty or when it
/// holds a space, `"`, `(`, `)` or `,`; a tab or newline cannot be expressed.
pub fn aggregate_arg(value: &str) -> Result<String, Inexpressible> {
    if value.contains(['\t', '\n', '\r']) {
        return Err(Inexpressible::ControlInArgument);
    }
    Ok(aggregate_arg_unchecked(value))
}

/// An aggregate argument written in quotes: quoted again, as written (Sentry keeps a key's
/// spelling: `count_if(user.email,equals,"x@y.z")` is its own column name).
pub fn aggregate_arg_quoted(value: &str) -> Result<String, Inexpressible> {
    if value.contains(['\t', '\n', '\r']) {
        return Err(Inexpressible::ControlInArgument);
    }
    quoted(value)
}

/// [`aggregate_arg`] without the checks, for `Display` (which cannot fail).
pub fn aggregate_arg_unchecked(value: &str) -> String {
    let needs = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '(' | ')' | ','));
    if needs {
        format!("\"{}\"", value.replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// Free text: quoted when it holds white space, `:`, `(`, `)` or a leading `"`, when it equals
/// AND or OR (any case), or when `next_to_free_text` (Sentry would merge the two).
pub fn free_text(text: &str, next_to_free_text: bool) -> Result<String, Inexpressible> {
    if text.is_empty() {
        return Err(Inexpressible::EmptyFreeText);
    }
    let needs = next_to_free_text
        || text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ':' | '(' | ')'))
        || text.starts_with('"')
        || text.eq_ignore_ascii_case("AND")
        || text.eq_ignore_ascii_case("OR");
    if needs {
        quoted(text)
    } else {
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts() {
        assert_eq!(filter_value("error").unwrap(), "error");
        assert_eq!(filter_value("").unwrap(), "\"\"");
        assert_eq!(filter_value(">500").unwrap(), "\">500\"");
        assert_eq!(filter_value("a \"b\"").unwrap(), r#""a \"b\"""#);
        assert_eq!(filter_value("a,b").unwrap(), "a,b");
        assert_eq!(list_item("a,b").unwrap(), "\"a,b\"");
        assert_eq!(aggregate_arg("a,b").unwrap(), "\"a,b\"");
        assert_eq!(aggregate_arg("a\tb"), Err(Inexpressible::ControlInArgument));
        assert_eq!(free_text("or", false).unwrap(), "\"or\"");
        assert_eq!(free_text("hello", true).unwrap(), "\"hello\"");
        assert_eq!(free_text("hello", false).unwrap(), "hello");
        assert_eq!(filter_value("a b\\"), Err(Inexpressible::TrailingBackslash));
        assert_eq!(filter_value("ab\\").unwrap(), "ab\\");
    }
}
