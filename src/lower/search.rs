//! The canonical printer of typed filters as Sentry search syntax — what the `query` parameter
//! carries (language.md §11): terms separated by one space, AND by juxtaposition, ` OR ` between
//! alternatives, parentheses only where precedence needs them, values quoted by context
//! (`syntax::quote`), and values Sentry cannot express refused.

use crate::diagnostic::Diagnostic;
use crate::registry::LowerFilterCode;
use crate::semantic::checked::filter::{
    AggregateArg, AggregateKey, CompareOp, FilterKey, RelativeUnit, SpecificDate, TextOp,
    TypedFilter, TypedKind, TypedTerm,
};
use crate::semantic::checked::key::{FieldKey, FieldKeyKind};
use crate::syntax::quote::{self, Inexpressible};
use std::fmt::Write as _;

/// Prints `filter` as a Sentry search string, or the first value Sentry cannot express.
pub fn to_sentry_query(filter: &TypedFilter) -> Result<String, Box<Diagnostic>> {
    let mut out = String::new();
    write_filter(&mut out, filter)?;
    Ok(out)
}

/// `P(x)` of language.md §4: the query wrapped in parentheses when its top level is an OR, for
/// joining WHERE and HAVING by juxtaposition.
pub fn to_sentry_query_group(filter: &TypedFilter) -> Result<String, Box<Diagnostic>> {
    let text = to_sentry_query(filter)?;
    Ok(if matches!(filter, TypedFilter::Or(_)) {
        format!("({text})")
    } else {
        text
    })
}

fn is_free_text(f: &TypedFilter) -> bool {
    matches!(
        f,
        TypedFilter::Term(TypedTerm {
            kind: TypedKind::FreeText { .. },
            ..
        })
    )
}

fn write_filter(out: &mut String, filter: &TypedFilter) -> Result<(), Box<Diagnostic>> {
    match filter {
        TypedFilter::Term(t) => write_term(out, t, false),
        TypedFilter::Or(items) => {
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    out.push_str(" OR ");
                }
                write_filter(out, item)?;
            }
            Ok(())
        }
        TypedFilter::And(items) => {
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    out.push(' ');
                }
                match item {
                    TypedFilter::Or(_) => {
                        out.push('(');
                        write_filter(out, item)?;
                        out.push(')');
                    }
                    TypedFilter::Term(t) => {
                        // Unquoted free text would merge with free text next to it, and with a
                        // parenthesised group after it (Sentry's `free_parens`).
                        let prev = idx.checked_sub(1).and_then(|p| items.get(p));
                        let next = items.get(idx + 1);
                        let adjacent = prev.is_some_and(is_free_text)
                            || next.is_some_and(|n| {
                                is_free_text(n) || matches!(n, TypedFilter::Or(_))
                            });
                        write_term(out, t, adjacent)?;
                    }
                    TypedFilter::And(_) => write_filter(out, item)?,
                }
            }
            Ok(())
        }
    }
}

fn inexpressible(t: &TypedTerm, why: Inexpressible) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(LowerFilterCode::InexpressibleValue, t.span, why.to_string())
            .label("this condition")
            .help("change the value; Sentry's search syntax has no way to write it"),
    )
}

fn number(n: f64) -> String {
    format!("{n}")
}

fn op_text(op: TextOp) -> &'static str {
    match op {
        TextOp::Compare(c) => c.as_str(),
        TextOp::Contains => "\u{F00D}Contains\u{F00D}",
        TextOp::StartsWith => "\u{F00D}StartsWith\u{F00D}",
        TextOp::EndsWith => "\u{F00D}EndsWith\u{F00D}",
        TextOp::Matches => "\u{F00D}Matches\u{F00D}",
    }
}

fn timestamp(ts: jiff::Timestamp) -> String {
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let nanos = dt.subsec_nanosecond();
    if nanos != 0 {
        let _ = write!(s, ".{:06}", nanos / 1000);
    }
    s.push('Z');
    s
}

fn aggregate(t: &TypedTerm, key: &AggregateKey) -> Result<String, Box<Diagnostic>> {
    let mut s = format!("{}(", key.name.to_ascii_lowercase());
    for (idx, arg) in key.args.iter().enumerate() {
        if idx > 0 {
            s.push(',');
        }
        match arg {
            AggregateArg::Value(v) => {
                s.push_str(&quote::aggregate_arg(v).map_err(|e| inexpressible(t, e))?)
            }
            AggregateArg::Quoted(v) => {
                s.push_str(&quote::aggregate_arg_quoted(v).map_err(|e| inexpressible(t, e))?)
            }
            AggregateArg::Key(k) => {
                if !key_expressible(k) {
                    return Err(inexpressible(t, Inexpressible::Key));
                }
                let _ = write!(s, "{k}");
            }
        }
    }
    s.push(')');
    Ok(s)
}

fn write_term(
    out: &mut String,
    t: &TypedTerm,
    next_to_free_text: bool,
) -> Result<(), Box<Diagnostic>> {
    let key = match &t.key {
        FilterKey::Field(k) => {
            if !key_expressible(k) {
                return Err(inexpressible(t, Inexpressible::Key));
            }
            k.to_string()
        }
        FilterKey::Aggregate(a) => aggregate(t, a)?,
        FilterKey::None => String::new(),
    };
    let neg = if t.negated { "!" } else { "" };
    let date_negated = || {
        Diagnostic::error(
            LowerFilterCode::NegatedDate,
            t.span,
            "a negated date term reached the printer",
        )
        .help("this is a bug in dql: NOT should have been pushed down")
    };
    let q = |v: &str| quote::filter_value(v).map_err(|e| inexpressible(t, e));
    let cmp = |op: CompareOp| op.as_str();
    match &t.kind {
        TypedKind::Text { op, value } => {
            let _ = write!(out, "{neg}{key}:{}{}", op_text(*op), q(value)?);
        }
        TypedKind::TextIn { op, values } => {
            let items = values
                .iter()
                .map(|v| quote::list_item(v).map_err(|e| inexpressible(t, e)))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = write!(out, "{neg}{key}:{}[{}]", op_text(*op), items.join(", "));
        }
        TypedKind::Numeric { op, value, exact } => {
            let text = exact.clone().unwrap_or_else(|| number(*value));
            let _ = write!(out, "{neg}{key}:{}{text}", cmp(*op));
        }
        TypedKind::NumericIn { values, exact } => {
            let items: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    exact
                        .get(i)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| number(*v))
                })
                .collect();
            let _ = write!(out, "{neg}{key}:[{}]", items.join(", "));
        }
        TypedKind::Boolean { value } => {
            let _ = write!(out, "{neg}{key}:{value}");
        }
        TypedKind::Date { op, instant } => {
            if t.negated {
                return Err(Box::new(date_negated()));
            }
            let _ = write!(out, "{key}:{}{}", cmp(*op), timestamp(*instant));
        }
        TypedKind::SpecificDate { date } => {
            if t.negated {
                return Err(Box::new(date_negated()));
            }
            let value = match date {
                SpecificDate::Day(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
                SpecificDate::Instant(ts) => timestamp(*ts),
            };
            let _ = write!(out, "{key}:{value}");
        }
        TypedKind::RelativeDate { date } => {
            if t.negated {
                return Err(Box::new(date_negated()));
            }
            let unit = match date.unit {
                RelativeUnit::Weeks => 'w',
                RelativeUnit::Days => 'd',
                RelativeUnit::Hours => 'h',
                RelativeUnit::Minutes => 'm',
            };
            let _ = write!(
                out,
                "{key}:{}{}{unit}",
                if date.recent { '-' } else { '+' },
                date.amount
            );
        }
        TypedKind::Duration { op, ms } => {
            let _ = write!(out, "{neg}{key}:{}{}ms", cmp(*op), number(*ms));
        }
        TypedKind::Size { op, bytes } => {
            let _ = write!(out, "{neg}{key}:{}{}bytes", cmp(*op), number(*bytes));
        }
        TypedKind::Percentage { op, percent } => {
            let _ = write!(out, "{neg}{key}:{}{}%", cmp(*op), number(*percent));
        }
        TypedKind::Has => {
            let _ = write!(out, "{neg}has:{key}");
        }
        TypedKind::Is { value } => {
            let _ = write!(out, "{neg}is:{}", q(value)?);
        }
        TypedKind::FreeText { text } => {
            if t.negated {
                return Err(Box::new(
                    Diagnostic::error(
                        crate::registry::FilterCode::FreeTextNegated,
                        t.span,
                        "free text cannot be negated",
                    )
                    .help("quote the phrase and use `!message:\"…\"`"),
                ));
            }
            out.push_str(
                &quote::free_text(text, next_to_free_text).map_err(|e| inexpressible(t, e))?,
            );
        }
    }
    Ok(())
}

/// Whether `key` can be written in Sentry's key syntax.
fn key_expressible(key: &FieldKey) -> bool {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    match &key.kind {
        FieldKeyKind::Name(n) => plain(n),
        FieldKeyKind::Quoted(n) => {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':'))
        }
        FieldKeyKind::Explicit { name, ty, .. } => {
            !name.is_empty()
                && !name
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '"'))
                && ty
                    .as_ref()
                    .is_none_or(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
        }
        FieldKeyKind::ArrayIncludes(inner) => key_expressible(inner),
    }
}
