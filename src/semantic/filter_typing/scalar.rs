//! Typing one value or a list of values with its key's type: the readers of `values`, the
//! operator a type allows, and the errors Sentry would give.

use super::{Code, Raw, Typer, WrittenOp};
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::filter::{
    CompareOp, FilterKey, RelativeUnit, SearchKeyType, TextOp, TypedKind,
};
use crate::semantic::values::{
    date_instant, escape_in_pattern, exact_integer, exact_literal, parse_boolean,
    parse_duration_ms, parse_iso_date, parse_number, parse_percentage, parse_relative_date,
    parse_size_bytes,
};
use crate::span::Span;
use crate::syntax::ast::{Operand, OperandKind};

impl Typer<'_> {
    /// Types one value. Returns (an extra negation from `!=`, the kind).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn scalar(
        &mut self,
        key: &FilterKey,
        ty: Option<SearchKeyType>,
        op: WrittenOp,
        op_text: &str,
        raw: Raw,
        sql: bool,
        span: Span,
    ) -> Option<(bool, TypedKind)> {
        let neg = op == WrittenOp::Ne;
        let cop = match op {
            WrittenOp::Compare(c) => c,
            _ => CompareOp::Eq,
        };
        let text_like = matches!(ty, None | Some(SearchKeyType::Text | SearchKeyType::Semver))
            && matches!(key, FilterKey::Field(_));
        if text_like {
            if let WrittenOp::Wildcard(w) = op {
                return Some((
                    false,
                    TypedKind::Text {
                        op: w,
                        value: wildcard_value(&raw),
                    },
                ));
            }
            let mut value = self.exact_value(&raw, span)?;
            let mut text_op = TextOp::Compare(CompareOp::Eq);
            if cop != CompareOp::Eq {
                if ty == Some(SearchKeyType::Semver) {
                    text_op = TextOp::Compare(cop);
                } else if sql || ty == Some(SearchKeyType::Text) {
                    let help = if self.keys.types_attributes() {
                        "compare a numeric attribute with `tags[x,number]`, or match the text exactly"
                    } else {
                        "match the text exactly, or compare a numeric field"
                    };
                    self.error(Code::ComparisonOnText, span, "this compares text", help);
                    return None;
                } else {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::ComparisonOnTag,
                            span,
                            format!("this is the text `{op_text}{}`, as in Sentry", raw.text),
                        )
                        .label("a tag: no comparison")
                        .help(if self.keys.types_attributes() {
                            "to compare numbers, write the key as `tags[x,number]`"
                        } else {
                            "tags are text on this dataset: match the text exactly, or quote the value"
                        }),
                    );
                    value = format!("{op_text}{value}");
                }
            } else if raw.text.is_empty()
                && !raw.quoted
                && !raw.literal
                && op == WrittenOp::None
                && !sql
            {
                self.error(
                    Code::EmptyValue,
                    span,
                    "empty string after `key:`",
                    "write a value, or `\"\"` to match an empty value",
                );
                return None;
            }
            if raw.literal && sql && raw.text.contains('*') {
                self.diagnostics.push(
                    Diagnostic::warning(Code::LiteralStar, span, "`*` here is a literal star")
                        .label("exact match")
                        .help("use LIKE or `key:*x*` for a pattern"),
                );
            }
            return Some((neg, TypedKind::Text { op: text_op, value }));
        }
        let ty = ty.unwrap_or(SearchKeyType::Number);
        let bad_quote = raw.quoted && !raw.literal && !sql;
        let value = raw.text.as_str();
        let kind = match ty {
            SearchKeyType::Boolean => match parse_boolean(value) {
                Some(b)
                    if cop == CompareOp::Eq
                        && !matches!(op, WrittenOp::Wildcard(_))
                        && !bad_quote =>
                {
                    TypedKind::Boolean { value: b }
                }
                _ => {
                    return self.invalid(
                        Code::InvalidBoolean,
                        span,
                        "invalid boolean; expected true, 1, false, or 0",
                    );
                }
            },
            SearchKeyType::Date => {
                if let (Some(rel), false) = (
                    parse_relative_date(value),
                    bad_quote || matches!(op, WrittenOp::Wildcard(_)),
                ) {
                    if cop != CompareOp::Eq && matches!(key, FilterKey::Field(_)) {
                        return self.invalid(
                            Code::InvalidDate,
                            span,
                            "invalid date: a relative date takes no operator",
                        );
                    }
                    // `last_seen():>-84m`: Sentry tries `aggregate_numeric_filter` first, and
                    // `-84m` is a number there (m = million, `event_search.py`), so minutes
                    // back from now have no faithful form on an aggregate.
                    if rel.recent
                        && rel.unit == RelativeUnit::Minutes
                        && matches!(key, FilterKey::Aggregate(_))
                    {
                        self.error(
                            Code::InvalidDate,
                            span,
                            "Sentry reads `-…m` on an aggregate as a number in millions, not minutes",
                            "write the time in hours, days or weeks (`-2h`), or as an absolute date (`2026-11-01T10:00:00`)",
                        );
                        return None;
                    }
                    TypedKind::RelativeDate { date: rel }
                } else if let (Some(date), false) = (
                    parse_iso_date(value),
                    bad_quote || matches!(op, WrittenOp::Wildcard(_)),
                ) {
                    if cop == CompareOp::Eq {
                        TypedKind::SpecificDate { date }
                    } else {
                        TypedKind::Date {
                            op: cop,
                            instant: date_instant(date)?,
                        }
                    }
                } else {
                    return self.invalid(Code::InvalidDate, span, "invalid date; expected +/-duration (e.g. +1h) or ISO 8601-like (e.g. 2026-11-01 or 2026-11-01T10:00:00Z)");
                }
            }
            _ if bad_quote || matches!(op, WrittenOp::Wildcard(_)) => {
                return self.invalid_numeric(ty, span);
            }
            // `project_id:-367m`: Sentry's `rel_date_filter` comes before `numeric_filter`, and
            // its visitor refuses a relative date on a key that is no date ("Invalid number",
            // `event_search.py` `_handle_basic_filter`). dql must not accept what Sentry refuses.
            _ if matches!(key, FilterKey::Field(_))
                && op == WrittenOp::None
                && op_text.is_empty()
                && !sql
                && !raw.quoted
                && parse_relative_date(value).is_some() =>
            {
                self.error(
                    Code::InvalidNumber,
                    span,
                    "Sentry reads this value as a relative date, which this key does not take",
                    "write an operator (`key:=-367m` is the number -367 million), or the number in full",
                );
                return None;
            }
            SearchKeyType::Duration if parse_duration_ms(value).is_some() => TypedKind::Duration {
                op: cop,
                ms: parse_duration_ms(value)?,
            },
            SearchKeyType::Size if parse_size_bytes(value).is_some() => TypedKind::Size {
                op: cop,
                bytes: parse_size_bytes(value)?,
            },
            SearchKeyType::Percentage if parse_percentage(value).is_some() => {
                TypedKind::Percentage {
                    op: cop,
                    percent: parse_percentage(value)?,
                }
            }
            // A size on any aggregate is Sentry's `aggregate_size_filter` (`event_search.py`):
            // `avg(measurements.app_start_size):<=140bit`.
            _ if matches!(key, FilterKey::Aggregate(_)) && parse_size_bytes(value).is_some() => {
                TypedKind::Size {
                    op: cop,
                    bytes: parse_size_bytes(value)?,
                }
            }
            // `apdex():>41%`: Sentry's `visit_aggregate_percentage_filter` reads a percentage
            // only on a percentage result and otherwise falls back to the text `>41%`.
            SearchKeyType::Number
                if matches!(key, FilterKey::Aggregate(_)) && parse_percentage(value).is_some() =>
            {
                self.error(
                    Code::InvalidNumber,
                    span,
                    "this aggregate is not a percentage: Sentry would compare it with the text, not the number",
                    "write the value as a fraction or number (`0.41` for 41%)",
                );
                return None;
            }
            _ => match parse_number(value) {
                Some(n) => TypedKind::Numeric {
                    op: cop,
                    value: n,
                    exact: exact_integer(value),
                },
                None => return self.invalid_numeric(ty, span),
            },
        };
        Some((neg, kind))
    }

    /// A value matched exactly, in Sentry's text form; `None` (reported) when Sentry cannot
    /// match it exactly.
    pub(super) fn exact_value(&mut self, raw: &Raw, span: Span) -> Option<String> {
        if !raw.literal {
            return Some(raw.text.clone());
        }
        let value = exact_literal(&raw.text);
        if value.is_none() {
            self.error(
                Code::BackslashStar,
                span,
                "Sentry cannot match this text exactly: a `\\` right before `*` makes the `*` a wildcard or swallows the `\\`",
                "match it with a pattern instead (`LIKE '%a\\*b%'`, or contains), which can hold it",
            );
        }
        value
    }

    pub(super) fn invalid<T>(&mut self, code: Code, span: Span, message: &str) -> Option<T> {
        self.error(
            code,
            span,
            message,
            "fix the value so that it fits the key's type",
        );
        None
    }

    pub(super) fn invalid_numeric<T>(&mut self, ty: SearchKeyType, span: Span) -> Option<T> {
        match ty {
            SearchKeyType::Duration => self.invalid(Code::InvalidDuration, span, "invalid duration; expected a number followed by a duration unit (ms, s, min, h, d, w)"),
            SearchKeyType::Size => self.invalid(Code::InvalidSize, span, "invalid size; expected a number followed by a size unit (e.g. 10kib, 2mb)"),
            SearchKeyType::Percentage => self.invalid(Code::InvalidPercentage, span, "invalid percentage; expected a number followed by %"),
            _ => self.invalid(Code::InvalidNumber, span, "invalid number; expected a number then an optional k, m, or b suffix (e.g. 500k)"),
        }
    }

    /// A list of values (`[a, b]` or SQL `IN`).
    pub(super) fn list(
        &mut self,
        key: &FilterKey,
        ty: Option<SearchKeyType>,
        op: TextOp,
        raws: Vec<Raw>,
        span: Span,
    ) -> Option<TypedKind> {
        let text_like = matches!(ty, None | Some(SearchKeyType::Text | SearchKeyType::Semver))
            && matches!(key, FilterKey::Field(_));
        if text_like {
            let mut values = Vec::with_capacity(raws.len());
            for raw in &raws {
                values.push(match op {
                    TextOp::Compare(CompareOp::Eq) => self.exact_value(raw, span)?,
                    _ => wildcard_value(raw),
                });
            }
            return Some(TypedKind::TextIn { op, values });
        }
        let ty = ty.unwrap_or(SearchKeyType::Number);
        match ty {
            SearchKeyType::Boolean => {
                return self.invalid(
                    Code::InvalidBoolean,
                    span,
                    "a boolean key takes one value, not a list",
                );
            }
            SearchKeyType::Date => {
                return self.invalid(
                    Code::InvalidDate,
                    span,
                    "a date key takes one value, not a list",
                );
            }
            _ => {}
        }
        let mut values = Vec::with_capacity(raws.len());
        let mut exact = Vec::with_capacity(raws.len());
        for raw in &raws {
            let sql = raw.literal;
            let parsed = if raw.quoted && !sql || !matches!(op, TextOp::Compare(CompareOp::Eq)) {
                None
            } else if sql {
                // SQL IN on a duration or size key: units are converted (language.md §4).
                match ty {
                    SearchKeyType::Duration => {
                        parse_duration_ms(&raw.text).or_else(|| parse_number(&raw.text))
                    }
                    SearchKeyType::Size => {
                        parse_size_bytes(&raw.text).or_else(|| parse_number(&raw.text))
                    }
                    _ => parse_number(&raw.text),
                }
            } else {
                parse_number(&raw.text)
            };
            match parsed {
                Some(v) => {
                    values.push(v);
                    exact.push(exact_integer(&raw.text));
                }
                None => return self.invalid_numeric(ty, span),
            }
        }
        if exact.iter().all(Option::is_none) {
            exact.clear();
        }
        Some(TypedKind::NumericIn { values, exact })
    }

    pub(super) fn operand(&mut self, operand: &Operand) -> Option<Raw> {
        let (text, quoted) = match &operand.kind {
            OperandKind::Word(w) => (w.clone(), false),
            OperandKind::SingleQuoted(s) | OperandKind::DoubleQuoted(s) => (s.clone(), true),
            OperandKind::Param(p) => (self.bind(p, operand.span)?, true),
        };
        Some(Raw {
            text,
            quoted,
            literal: true,
        })
    }
}

/// The value of a wildcard operator (contains, starts/ends with): a literal is escaped for
/// the pattern; a value written in Sentry syntax is sent as written.
fn wildcard_value(raw: &Raw) -> String {
    if raw.literal {
        let mut out = String::with_capacity(raw.text.len());
        escape_in_pattern(&raw.text, &mut out);
        out
    } else {
        raw.text.clone()
    }
}
