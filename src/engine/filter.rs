//! Typed filter evaluation: a checked WHERE/HAVING ([`TypedFilter`]) compiled against a
//! projection, then tested on one event's values (WHERE) or one group's aggregate values
//! (HAVING), with Sentry's semantics:
//!
//! - a missing field is `""` for text (so `!x:a` and `NOT IN` include events that lack `x`);
//! - wildcards (`*`), LIKE and the contains/starts/ends operators are case-insensitive, exact
//!   text matches are case-sensitive; `\*` is a literal star;
//! - an array field matches when any element does (negated: when none does);
//! - numeric, duration, size, percentage and date comparisons on a missing value are false,
//!   negated or not (ClickHouse's NULL comparisons);
//! - `has:x` is "present and not empty"; free text searches `message`, case-insensitively;
//! - relative dates count back from the run's "now"; a date-time `timestamp:T` matches
//!   `[T − 5 min, T + 6 min)`, Sentry's `parse_datetime_value` window.

use super::fields::{Value, parse_timestamp};
use crate::semantic::checked::filter::{
    CompareOp, FilterKey, RelativeDate, RelativeUnit, SpecificDate, TextOp, TypedFilter, TypedKind,
    TypedTerm,
};
use crate::semantic::checked::key::{FieldKey, FieldKeyKind};
use std::cmp::Ordering;

/// Why a filter term cannot be evaluated locally (the caller turns it into a diagnostic).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unsupported {
    /// What it is, for the message.
    pub(crate) what: String,
    /// The term's span.
    pub(crate) span: crate::span::Span,
}

/// Where a term reads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The projected field at this index.
    Field(usize),
    /// The aggregate at this index of the group's aggregates.
    Aggregate(usize),
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    /// One term.
    Term(Box<Term>),
    /// All.
    And(Vec<Compiled>),
    /// Any.
    Or(Vec<Compiled>),
}

/// A compiled term.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    negated: bool,
    slot: Slot,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    /// Text patterns (already lower-cased when case-insensitive), any of which may match.
    Text(Vec<TextMatch>),
    /// Version comparison (`release.version:>1.2`).
    Semver(CompareOp, String),
    /// An ordered comparison of numbers; missing is false.
    Number(CompareOp, f64),
    /// One of these numbers; missing is false.
    NumberIn(Vec<f64>),
    /// A boolean.
    Bool(bool),
    /// Epoch-millisecond bounds, inclusive start and exclusive end; missing is false.
    DateRange(Option<i64>, Option<i64>),
    /// Present and not empty.
    Has,
    /// Case-insensitive substring of the message.
    FreeText(String),
}

#[derive(Debug, Clone)]
enum TextMatch {
    /// Case-sensitive equality.
    Exact(String),
    /// A case-insensitive wildcard pattern, split at its unescaped stars.
    Pattern(Vec<String>),
}

/// How names become slots while compiling.
pub(crate) trait Resolver {
    /// The slot of a field named `name` (adds it to the projection when new), or why it
    /// cannot be read here.
    fn field(&mut self, name: &str, span: crate::span::Span) -> Result<Slot, Unsupported>;
    /// The slot of an aggregate key of HAVING, or why it cannot be computed.
    fn aggregate(
        &mut self,
        key: &crate::semantic::checked::filter::AggregateKey,
        span: crate::span::Span,
    ) -> Result<Slot, Unsupported>;
    /// Whether `message:x` is Sentry's message search (errors and transactions), not a filter
    /// on an attribute called `message` (on spans an alias of the description).
    fn searches_message(&self) -> bool {
        true
    }
}

/// The projection name of a filter key (`tags[x,number]` keeps its type).
pub(crate) fn key_name(key: &FieldKey) -> Result<String, String> {
    match &key.kind {
        FieldKeyKind::Name(n) | FieldKeyKind::Quoted(n) => Ok(n.clone()),
        FieldKeyKind::Explicit { prefix, name, ty } if prefix == "tags" => {
            Ok(match ty.as_deref() {
                Some("number") => format!("tags[{name},number]"),
                _ => format!("tags[{name}]"),
            })
        }
        FieldKeyKind::Explicit { prefix, name, .. } => Err(format!("`{prefix}[{name}]`")),
        FieldKeyKind::ArrayIncludes(_) => Err("an array-membership key".to_owned()),
    }
}

/// Compiles `filter`; `now_ms` resolves relative dates.
pub(crate) fn compile(
    filter: &TypedFilter,
    now_ms: i64,
    resolver: &mut dyn Resolver,
) -> Result<Compiled, Unsupported> {
    Ok(match filter {
        TypedFilter::Term(t) => Compiled::Term(Box::new(compile_term(t, now_ms, resolver)?)),
        TypedFilter::And(items) => Compiled::And(
            items
                .iter()
                .map(|f| compile(f, now_ms, resolver))
                .collect::<Result<_, _>>()?,
        ),
        TypedFilter::Or(items) => Compiled::Or(
            items
                .iter()
                .map(|f| compile(f, now_ms, resolver))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Whether any term of `filter` tests an aggregate.
pub(crate) fn has_aggregate(filter: &TypedFilter) -> bool {
    filter
        .terms()
        .iter()
        .any(|t| matches!(t.key, FilterKey::Aggregate(_)))
}

/// Splits a WHERE into its per-event part and its aggregate part (aggregate terms written in
/// WHERE act as HAVING, as in Sentry). The checker guarantees no OR mixes the two.
pub(crate) fn split_aggregates(filter: &TypedFilter) -> (Option<TypedFilter>, Option<TypedFilter>) {
    let items = match filter {
        TypedFilter::And(items) => items.clone(),
        other => vec![other.clone()],
    };
    let (aggregate, plain): (Vec<TypedFilter>, Vec<TypedFilter>) =
        items.into_iter().partition(has_aggregate);
    (TypedFilter::and(plain), TypedFilter::and(aggregate))
}

fn unsupported(term: &TypedTerm, what: impl Into<String>) -> Unsupported {
    Unsupported {
        what: what.into(),
        span: term.span,
    }
}

fn compile_term(
    term: &TypedTerm,
    now_ms: i64,
    resolver: &mut dyn Resolver,
) -> Result<Term, Unsupported> {
    // `message:x` searches like free text: a case-insensitive "contains" over the message,
    // title and culprit (Sentry's `_message_filter_converter` on `search_message`,
    // `src/sentry/search/events/datasets/discover.py`).
    let mut searches_message = false;
    let slot = match &term.key {
        FilterKey::Field(key) => {
            let name = key_name(key).map_err(|what| unsupported(term, what))?;
            if name == "message"
                && resolver.searches_message()
                && matches!(term.kind, TypedKind::Text { .. } | TypedKind::TextIn { .. })
            {
                searches_message = true;
                resolver.field(super::fields::SEARCH_MESSAGE, term.span)?
            } else {
                resolver.field(&name, term.span)?
            }
        }
        FilterKey::Aggregate(a) => resolver.aggregate(a, term.span)?,
        FilterKey::None => match &term.kind {
            TypedKind::FreeText { .. } => {
                resolver.field(super::fields::SEARCH_MESSAGE, term.span)?
            }
            _ => return Err(unsupported(term, "the `is:` issue filter")),
        },
    };
    let test = match &term.kind {
        TypedKind::Text { op, value } if searches_message => {
            message_test(term, *op, std::slice::from_ref(value))?
        }
        TypedKind::TextIn { op, values } if searches_message => message_test(term, *op, values)?,
        TypedKind::Text { op, value } => text_test(term, *op, std::slice::from_ref(value))?,
        TypedKind::TextIn { op, values } => text_test(term, *op, values)?,
        TypedKind::Numeric { op, value, .. } => Test::Number(*op, *value),
        TypedKind::NumericIn { values, .. } => Test::NumberIn(values.clone()),
        TypedKind::Boolean { value } => Test::Bool(*value),
        TypedKind::Date { op, instant } => date_compare(*op, instant.as_millisecond()),
        TypedKind::SpecificDate { date } => match date {
            SpecificDate::Day(day) => {
                let start = day_start_ms(*day).ok_or_else(|| unsupported(term, "this date"))?;
                Test::DateRange(Some(start), Some(start + 86_400_000))
            }
            SpecificDate::Instant(t) => {
                let at = t.as_millisecond();
                Test::DateRange(Some(at - 300_000), Some(at + 360_000))
            }
        },
        TypedKind::RelativeDate { date } => relative(*date, now_ms),
        TypedKind::Duration { op, ms } => Test::Number(*op, *ms),
        TypedKind::Size { op, bytes } => Test::Number(*op, *bytes),
        TypedKind::Percentage { op, percent } => Test::Number(*op, percent / 100.0),
        TypedKind::Has => Test::Has,
        TypedKind::Is { value } => {
            return Err(unsupported(term, format!("the issue filter `is:{value}`")));
        }
        TypedKind::FreeText { text } => Test::FreeText(text.to_lowercase()),
    };
    Ok(Term {
        negated: term.negated,
        slot,
        test,
    })
}

/// `message:x`: an exact value is a case-insensitive "contains"; wildcards keep their pattern.
fn message_test(term: &TypedTerm, op: TextOp, values: &[String]) -> Result<Test, Unsupported> {
    match op {
        TextOp::Compare(CompareOp::Eq) => Ok(Test::Text(
            values
                .iter()
                .map(|value| {
                    let parts = split_wildcards(value);
                    if parts.len() == 1 {
                        TextMatch::Pattern(vec![
                            String::new(),
                            parts.concat().to_lowercase(),
                            String::new(),
                        ])
                    } else {
                        TextMatch::Pattern(lower_all(parts))
                    }
                })
                .collect(),
        )),
        _ => text_test(term, op, values),
    }
}

fn text_test(term: &TypedTerm, op: TextOp, values: &[String]) -> Result<Test, Unsupported> {
    let mut matches = Vec::with_capacity(values.len());
    for value in values {
        let parts = match op {
            TextOp::Compare(_) => split_wildcards(value),
            // Sentry escapes a wildcard operator's value itself (`gen_wildcard_value`).
            _ => vec![operator_literal(value)],
        };
        matches.push(match op {
            TextOp::Compare(CompareOp::Eq) if parts.len() == 1 => TextMatch::Exact(parts.concat()),
            TextOp::Compare(CompareOp::Eq) => TextMatch::Pattern(lower_all(parts)),
            TextOp::Compare(cmp) => {
                let [text] = <[String; 1]>::try_from(parts)
                    .map_err(|_| unsupported(term, "a version comparison with a wildcard"))?;
                return Ok(Test::Semver(cmp, text));
            }
            TextOp::Contains => TextMatch::Pattern(vec![
                String::new(),
                parts.concat().to_lowercase(),
                String::new(),
            ]),
            TextOp::StartsWith => {
                TextMatch::Pattern(vec![parts.concat().to_lowercase(), String::new()])
            }
            TextOp::EndsWith => {
                TextMatch::Pattern(vec![String::new(), parts.concat().to_lowercase()])
            }
            TextOp::Matches => return Err(unsupported(term, "a regular-expression match")),
        });
    }
    Ok(Test::Text(matches))
}

fn lower_all(parts: Vec<String>) -> Vec<String> {
    parts.into_iter().map(|p| p.to_lowercase()).collect()
}

/// Splits a Sentry text value at its wildcards, as Sentry reads it (`src/sentry/api/
/// event_search.py`): a `*` after an even run of `\` (none included) makes the value a
/// pattern, where `\x` is the literal `x` (`translate_wildcard`); otherwise only `\*` is an
/// escape, for `*` (`translate_escape_sequences`). One part: no wildcard.
fn split_wildcards(value: &str) -> Vec<String> {
    let mut run = 0usize;
    let is_pattern = value.chars().any(|c| match c {
        '\\' => {
            run += 1;
            false
        }
        '*' if run.is_multiple_of(2) => true,
        _ => {
            run = 0;
            false
        }
    });
    let mut parts = vec![String::new()];
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if is_pattern => {
                if let Some(n) = chars.next() {
                    push_char(&mut parts, n);
                }
            }
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                push_char(&mut parts, '*');
            }
            '*' if is_pattern => parts.push(String::new()),
            other => push_char(&mut parts, other),
        }
    }
    parts
}

/// The literal a wildcard operator's value stands for: `\\` and `\*` are escapes, any other
/// `\` and `*` are themselves (`handle_backslash` in event_search.py).
fn operator_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('\\' | '*')) => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (other, _) => out.push(other),
        }
    }
    out
}

fn push_char(parts: &mut [String], c: char) {
    if let Some(last) = parts.last_mut() {
        last.push(c);
    }
}

/// Whether `text` (lower-cased) matches the pattern `parts` (split at the stars).
fn pattern_matches(parts: &[String], text: &str) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(at) => remaining = remaining.get(at + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

fn date_compare(op: CompareOp, at: i64) -> Test {
    match op {
        CompareOp::Gt => Test::DateRange(Some(at + 1), None),
        CompareOp::Ge => Test::DateRange(Some(at), None),
        CompareOp::Lt => Test::DateRange(None, Some(at)),
        CompareOp::Le => Test::DateRange(None, Some(at + 1)),
        CompareOp::Eq => Test::DateRange(Some(at), Some(at + 1)),
    }
}

fn relative(date: RelativeDate, now_ms: i64) -> Test {
    let unit_ms: i64 = match date.unit {
        RelativeUnit::Weeks => 7 * 86_400_000,
        RelativeUnit::Days => 86_400_000,
        RelativeUnit::Hours => 3_600_000,
        RelativeUnit::Minutes => 60_000,
    };
    let at = now_ms.saturating_sub(
        i64::try_from(date.amount)
            .unwrap_or(i64::MAX)
            .saturating_mul(unit_ms),
    );
    if date.recent {
        Test::DateRange(Some(at), None)
    } else {
        Test::DateRange(None, Some(at.saturating_add(1)))
    }
}

fn day_start_ms(day: jiff::civil::Date) -> Option<i64> {
    let secs = day
        .duration_since(jiff::civil::Date::constant(1970, 1, 1))
        .as_secs();
    secs.checked_mul(1000)
}

impl Compiled {
    /// Tests one event (`fields`) or one group (`aggregates`).
    pub(crate) fn matches(&self, fields: &[Value<'_>], aggregates: &[Value<'_>]) -> bool {
        match self {
            Compiled::Term(t) => t.matches(fields, aggregates),
            Compiled::And(items) => items.iter().all(|f| f.matches(fields, aggregates)),
            Compiled::Or(items) => items.iter().any(|f| f.matches(fields, aggregates)),
        }
    }
}

impl Term {
    fn matches(&self, fields: &[Value<'_>], aggregates: &[Value<'_>]) -> bool {
        let value = match self.slot {
            Slot::Field(i) => fields.get(i),
            Slot::Aggregate(i) => aggregates.get(i),
        }
        .unwrap_or(&Value::Null);
        match &self.test {
            // Ordered comparisons of a missing value are false either way.
            Test::Number(..) | Test::NumberIn(_) | Test::DateRange(..) => {
                let any = any_element(value, |v| self.test.holds(v));
                match any {
                    None => false,
                    Some(hit) => hit != self.negated,
                }
            }
            _ => {
                let hit = any_element(value, |v| self.test.holds(v)).unwrap_or(false);
                hit != self.negated
            }
        }
    }
}

/// Applies `test` to a scalar, or to each element of an array (any); `None` when an ordered
/// test has nothing to compare (missing, or an array of only missing values).
fn any_element(value: &Value<'_>, test: impl Fn(&Value<'_>) -> Option<bool>) -> Option<bool> {
    match value {
        Value::Array(items) if !items.is_empty() => {
            let mut seen = None;
            for item in items {
                match test(item) {
                    Some(true) => return Some(true),
                    Some(false) => seen = Some(false),
                    None => {}
                }
            }
            seen
        }
        Value::Array(_) => test(&Value::Null),
        scalar => test(scalar),
    }
}

fn number_of(value: &Value<'_>) -> Option<f64> {
    match value {
        Value::Str(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(_) | Value::Null | Value::Array(_) => None,
        other => other.as_f64(),
    }
}

fn date_of(value: &Value<'_>) -> Option<i64> {
    match value {
        Value::Timestamp(t) => Some(*t),
        Value::Str(s) => parse_timestamp(s),
        _ => None,
    }
}

fn compare(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
    }
}

impl Test {
    /// Whether a scalar passes, before negation; `None` for "nothing to compare".
    fn holds(&self, value: &Value<'_>) -> Option<bool> {
        match self {
            Test::Text(matches) => {
                let text = value.as_text();
                let mut lower: Option<String> = None;
                Some(matches.iter().any(|m| match m {
                    TextMatch::Exact(s) => *s == text,
                    TextMatch::Pattern(parts) => {
                        pattern_matches(parts, lower.get_or_insert_with(|| text.to_lowercase()))
                    }
                }))
            }
            Test::Semver(op, version) => {
                if value.is_null() {
                    return Some(false);
                }
                Some(compare(*op, compare_versions(&value.as_text(), version)))
            }
            Test::Number(op, n) => {
                let x = number_of(value)?;
                Some(compare(*op, x.total_cmp(n)))
            }
            Test::NumberIn(values) => {
                let x = number_of(value)?;
                Some(values.contains(&x))
            }
            Test::Bool(b) => Some(match value {
                Value::Bool(v) => v == b,
                Value::Str(s) => matches!(
                    (s.as_ref(), b),
                    ("true" | "1", true) | ("false" | "0", false)
                ),
                Value::Int(i) => (*i != 0) == *b,
                _ => false,
            }),
            Test::DateRange(start, end) => {
                let t = date_of(value)?;
                Some(start.is_none_or(|s| t >= s) && end.is_none_or(|e| t < e))
            }
            Test::Has => Some(match value {
                Value::Null => false,
                Value::Str(s) => !s.is_empty(),
                _ => true,
            }),
            Test::FreeText(text) => Some(value.as_text().to_lowercase().contains(text.as_str())),
        }
    }
}

/// Compares two versions part by part: digit runs numerically, other runs as text.
fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            let boundary = i == bytes.len()
                || bytes.get(i).map(u8::is_ascii_digit) != bytes.get(i - 1).map(u8::is_ascii_digit);
            if boundary {
                if let Some(run) = s.get(start..i) {
                    let digits = run.bytes().all(|c| c.is_ascii_digit());
                    if digits || run.chars().any(char::is_alphanumeric) {
                        out.push((digits, run));
                    }
                }
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let ordering = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    pa.len().cmp(&pb.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_split_and_match_case_insensitively() {
        assert_eq!(split_wildcards(r"a*b\*c"), vec!["a", "b*c"]);
        let p = lower_all(split_wildcards("*@EXAMPLE.com"));
        assert!(pattern_matches(&p, "ana@example.com"));
        assert!(!pattern_matches(&p, "ana@example.org"));
        let p = split_wildcards("a*a");
        assert!(!pattern_matches(&p, "a"));
        assert!(pattern_matches(&p, "aa"));
        assert!(pattern_matches(&split_wildcards("*"), ""));
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("1.10.0", "1.9.2"), Ordering::Greater);
        assert_eq!(compare_versions("1.2", "1.2.0"), Ordering::Less);
        assert_eq!(compare_versions("2.0", "2.0"), Ordering::Equal);
    }
}
