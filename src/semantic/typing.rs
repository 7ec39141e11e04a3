//! Typing of filters: syntax terms (key, raw operator, raw value) become [`TypedFilter`]s,
//! reading each value with its key's type exactly as Sentry does (`sentry-api.md` §1.4–1.6),
//! SQL-style conditions become the same terms, and NOT is pushed to the leaves (language.md §4).
//!
//! Key types come from a [`KeyTypes`] lookup (the catalog in the checker; the browser parser's
//! default table in the conformance test); parameter values from a [`Params`] lookup.

use super::filter_codes::FilterCode as Code;
use super::typed::{
    AggregateArg, AggregateKey, CompareOp, FilterKey, RelativeDate, RelativeUnit, SearchKeyType,
    SpecificDate, TextOp, TypedFilter, TypedKind, TypedTerm,
};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{
    ArgKind, Call, Filter, FilterKind, Key, KeyKind, Operand, OperandKind, SearchOp, SearchTerm,
    SearchValueKind, SqlCondition, SqlKind, SqlOp, Term, TermKey, TermKind,
};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Where typing learns the type of keys and aggregate results.
pub trait KeyTypes {
    /// The type of a field or tag; `None` for a tag or unknown name (read as text, where a
    /// comparison folds into the value with a warning, as in Sentry).
    fn key_type(&self, key: &Key) -> Option<SearchKeyType>;
    /// The result type of an aggregate; `None` when unknown (read as a number).
    fn function_result_type(&self, key: &AggregateKey) -> Option<SearchKeyType>;
    /// Whether the dataset types its attributes, so that help may offer `tags[x,number]`.
    fn types_attributes(&self) -> bool {
        false
    }
}

/// Where typing finds the values of `$name` parameters.
pub trait Params {
    /// The value bound to `name`, if any.
    fn param(&self, name: &str) -> Option<&str>;
}

/// No parameters bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoParams;

impl Params for NoParams {
    fn param(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl<S: BuildHasher> Params for HashMap<String, String, S> {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Params for BTreeMap<String, String> {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// Types a parsed filter. Returns the typed filter (`None` when nothing valid is left) and every
/// problem found; a term with an error is left out of the result, so the result is only
/// meaningful when no error was reported.
pub fn type_filter(
    filter: &Filter,
    keys: &dyn KeyTypes,
    params: &dyn Params,
) -> (Option<TypedFilter>, Vec<Diagnostic>) {
    let mut typer = Typer {
        keys,
        params,
        diagnostics: Vec::new(),
    };
    let typed = typer.filter(filter);
    (typed, typer.diagnostics)
}

/// NOT pushed down (De Morgan): AND↔OR, comparisons flipped, `=`↔`!=`, IN↔NOT IN, has↔!has,
/// dates flipped since Sentry cannot negate them (a whole day becomes two comparisons). Free
/// text and an exact date-time cannot be negated: an error at the term's span.
pub fn negate(filter: TypedFilter) -> Result<TypedFilter, Box<Diagnostic>> {
    match filter {
        TypedFilter::Term(t) => negate_term(t),
        TypedFilter::And(items) => join(
            items
                .into_iter()
                .map(negate)
                .collect::<Result<Vec<_>, _>>()?,
            true,
        ),
        TypedFilter::Or(items) => join(
            items
                .into_iter()
                .map(negate)
                .collect::<Result<Vec<_>, _>>()?,
            false,
        ),
    }
}

fn join(items: Vec<TypedFilter>, or: bool) -> Result<TypedFilter, Box<Diagnostic>> {
    let joined = if or {
        TypedFilter::or(items)
    } else {
        TypedFilter::and(items)
    };
    joined.ok_or_else(|| {
        Box::new(Diagnostic::error(
            Code::FreeTextNegated,
            Span::DUMMY,
            "empty filter",
        ))
    })
}

fn leaf(key: FilterKey, kind: TypedKind, span: Span) -> TypedFilter {
    TypedFilter::Term(TypedTerm {
        negated: false,
        key,
        kind,
        span,
    })
}

fn negate_term(mut t: TypedTerm) -> Result<TypedFilter, Box<Diagnostic>> {
    let span = t.span;
    match t.kind {
        TypedKind::FreeText { .. } => Err(Box::new(
            Diagnostic::error(Code::FreeTextNegated, span, "free text cannot be negated")
                .label("this text")
                .help("quote the phrase and use `!message:\"…\"`"),
        )),
        TypedKind::Date { op, instant } => match op.negated() {
            Some(op) => Ok(leaf(t.key, TypedKind::Date { op, instant }, span)),
            None => join(
                vec![
                    leaf(
                        t.key.clone(),
                        TypedKind::Date {
                            op: CompareOp::Lt,
                            instant,
                        },
                        span,
                    ),
                    leaf(
                        t.key,
                        TypedKind::Date {
                            op: CompareOp::Gt,
                            instant,
                        },
                        span,
                    ),
                ],
                true,
            ),
        },
        TypedKind::SpecificDate {
            date: SpecificDate::Day(day),
        } => {
            let start = midnight(day);
            let end = day.tomorrow().ok().and_then(midnight);
            match (start, end) {
                (Some(start), Some(end)) => join(
                    vec![
                        leaf(
                            t.key.clone(),
                            TypedKind::Date {
                                op: CompareOp::Lt,
                                instant: start,
                            },
                            span,
                        ),
                        leaf(
                            t.key,
                            TypedKind::Date {
                                op: CompareOp::Ge,
                                instant: end,
                            },
                            span,
                        ),
                    ],
                    true,
                ),
                _ => Err(negated_date_time(span)),
            }
        }
        TypedKind::SpecificDate {
            date: SpecificDate::Instant(_),
        } => Err(negated_date_time(span)),
        TypedKind::RelativeDate { date } => Ok(leaf(
            t.key,
            TypedKind::RelativeDate {
                date: RelativeDate {
                    recent: !date.recent,
                    ..date
                },
            },
            span,
        )),
        TypedKind::Numeric { op, value, exact } if op != CompareOp::Eq => Ok(leaf(
            t.key,
            TypedKind::Numeric {
                op: flip(op),
                value,
                exact,
            },
            span,
        )),
        TypedKind::Duration { op, ms } if op != CompareOp::Eq => {
            Ok(leaf(t.key, TypedKind::Duration { op: flip(op), ms }, span))
        }
        TypedKind::Size { op, bytes } if op != CompareOp::Eq => Ok(leaf(
            t.key,
            TypedKind::Size {
                op: flip(op),
                bytes,
            },
            span,
        )),
        TypedKind::Percentage { op, percent } if op != CompareOp::Eq => Ok(leaf(
            t.key,
            TypedKind::Percentage {
                op: flip(op),
                percent,
            },
            span,
        )),
        TypedKind::Text {
            op: TextOp::Compare(op),
            value,
        } if op != CompareOp::Eq => Ok(leaf(
            t.key,
            TypedKind::Text {
                op: TextOp::Compare(flip(op)),
                value,
            },
            span,
        )),
        kind => {
            t.kind = kind;
            t.negated = !t.negated;
            Ok(TypedFilter::Term(t))
        }
    }
}

fn flip(op: CompareOp) -> CompareOp {
    op.negated().unwrap_or(op)
}

fn negated_date_time(span: Span) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            Code::NegatedDateTime,
            span,
            "an exact date-time match cannot be negated",
        )
        .label("negated here")
        .help("Sentry cannot negate a date term; compare with `<` and `>` instead"),
    )
}

fn midnight(day: jiff::civil::Date) -> Option<jiff::Timestamp> {
    jiff::tz::Offset::UTC.to_timestamp(day.at(0, 0, 0, 0)).ok()
}

// ---------------------------------------------------------------------------------------------
// Values, as Sentry reads them

/// A number as Sentry reads it: `-?[0-9]+(\.[0-9]*)?` then an optional `k`, `m` or `b` (any
/// case). `None` when not finite.
pub fn parse_number(s: &str) -> Option<f64> {
    let (body, mult) = match s.chars().last()? {
        'k' | 'K' => (s.get(..s.len() - 1)?, 1e3),
        'm' | 'M' => (s.get(..s.len() - 1)?, 1e6),
        'b' | 'B' => (s.get(..s.len() - 1)?, 1e9),
        _ => (s, 1.0),
    };
    let digits = body.strip_prefix('-').unwrap_or(body);
    if !plain_decimal(digits) {
        return None;
    }
    let value = body.parse::<f64>().ok()? * mult;
    value.is_finite().then_some(value)
}

/// `s` when it is a plain integer (`-?[0-9]+`) that an `f64` cannot hold exactly (beyond
/// 2^53), so that it is sent as written rather than rounded.
pub fn exact_integer(s: &str) -> Option<String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    // 2^53 = 9007199254740992 has 16 digits: shorter integers are exact in f64.
    let exact_in_f64 =
        significant.len() < 16 || (significant.len() == 16 && significant <= "9007199254740992");
    (!exact_in_f64).then(|| s.to_owned())
}

/// `[0-9]+(\.[0-9]*)?`
fn plain_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `s` into a plain decimal and a unit suffix from `units` (longest first).
fn number_with_unit(s: &str, units: &[(&str, f64)], case_insensitive: bool) -> Option<f64> {
    for (unit, factor) in units {
        // A multi-byte character may stand where the unit would start: no split there.
        let Some(at) = s.len().checked_sub(unit.len()).filter(|&at| at > 0) else {
            continue;
        };
        let (Some(body), Some(suffix)) = (s.get(..at), s.get(at..)) else {
            continue;
        };
        let matches = if case_insensitive {
            suffix.eq_ignore_ascii_case(unit)
        } else {
            suffix == *unit
        };
        if matches && plain_decimal(body) {
            let value = body.parse::<f64>().ok()? * factor;
            return value.is_finite().then_some(value);
        }
    }
    None
}

/// A duration in milliseconds: a number then `ms s min m hr h day d wk w`.
pub fn parse_duration_ms(s: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("ms", 1.0),
        ("min", 60_000.0),
        ("day", 86_400_000.0),
        ("hr", 3_600_000.0),
        ("wk", 604_800_000.0),
        ("s", 1_000.0),
        ("m", 60_000.0),
        ("h", 3_600_000.0),
        ("d", 86_400_000.0),
        ("w", 604_800_000.0),
    ];
    number_with_unit(s, UNITS, false)
}

/// A size in bytes: a number then a bit/byte unit (any case).
pub fn parse_size_bytes(s: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("bytes", 1.0),
        ("bit", 0.125),
        ("kib", 1024.0),
        ("mib", 1_048_576.0),
        ("gib", 1_073_741_824.0),
        ("tib", 1_099_511_627_776.0),
        ("pib", 1_125_899_906_842_624.0),
        ("eib", 1_152_921_504_606_846_976.0),
        ("zib", 1_180_591_620_717_411_303_424.0),
        ("yib", 1_208_925_819_614_629_174_706_176.0),
        ("nb", 0.5),
        ("kb", 1e3),
        ("mb", 1e6),
        ("gb", 1e9),
        ("tb", 1e12),
        ("pb", 1e15),
        ("eb", 1e18),
        ("zb", 1e21),
        ("yb", 1e24),
    ];
    number_with_unit(s, UNITS, true)
}

/// A percentage as written: `5%` → 5.
pub fn parse_percentage(s: &str) -> Option<f64> {
    number_with_unit(s, &[("%", 1.0)], false)
}

/// `true`, `1`, `false`, `0`, any case.
pub fn parse_boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

/// `tags[x]`, `tags[x,number]`, `flags[x]` as a key.
fn explicit_key_kind(text: &str) -> Option<KeyKind> {
    let (prefix, rest) = text.split_once('[')?;
    let body = rest.strip_suffix(']')?;
    let (name, ty) = match body.split_once(',') {
        Some((n, t)) => (n, Some(t.trim().to_string())),
        None => (body, None),
    };
    (!name.is_empty() && !name.contains(['[', ']'])).then(|| KeyKind::Explicit {
        prefix: prefix.to_string(),
        name: name.to_string(),
        ty,
    })
}

/// `[+-][0-9]+[wdhm]`.
pub fn parse_relative_date(s: &str) -> Option<RelativeDate> {
    let recent = match s.chars().next()? {
        '-' => true,
        '+' => false,
        _ => return None,
    };
    let unit = match s.chars().last()? {
        'w' => RelativeUnit::Weeks,
        'd' => RelativeUnit::Days,
        'h' => RelativeUnit::Hours,
        'm' => RelativeUnit::Minutes,
        _ => return None,
    };
    let digits = s.get(1..s.len() - 1)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(RelativeDate {
        recent,
        amount: digits.parse().ok()?,
        unit,
    })
}

/// Sentry's ISO 8601 form: `YYYY-MM-DD[THH:MM:SS[.f{1,6}]][Z|±HH:MM]`; without an offset the
/// time is UTC. A date-only value is [`SpecificDate::Day`].
pub fn parse_iso_date(s: &str) -> Option<SpecificDate> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i32> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(num(5, 2)?).ok()?,
        i8::try_from(num(8, 2)?).ok()?,
    )
    .ok()?;
    let mut rest = s.get(10..)?;
    let mut time = None;
    if let Some(t) = rest.strip_prefix('T') {
        let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        if t.as_bytes().get(2) != Some(&b':') || t.as_bytes().get(5) != Some(&b':') {
            return None;
        }
        rest = s.get(19..)?;
        let mut nanos = 0i32;
        if let Some(frac) = rest.strip_prefix('.') {
            let len = frac
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(frac.len());
            if !(1..=6).contains(&len) {
                return None;
            }
            let digits = frac.get(..len)?;
            nanos = digits.parse::<i32>().ok()? * 10i32.pow(9 - u32::try_from(len).ok()?);
            rest = frac.get(len..)?;
        }
        time = Some(date.at(
            i8::try_from(h).ok()?,
            i8::try_from(mi).ok()?,
            i8::try_from(sec).ok()?,
            nanos,
        ));
    }
    let offset = match rest {
        "" | "Z" => jiff::tz::Offset::UTC,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let body = rest.get(1..)?;
            if body.len() != 5 || body.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            let (h, m): (i32, i32) = (body.get(..2)?.parse().ok()?, body.get(3..)?.parse().ok()?);
            if !body
                .get(..2)?
                .bytes()
                .chain(body.get(3..)?.bytes())
                .all(|c| c.is_ascii_digit())
            {
                return None;
            }
            jiff::tz::Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()?
        }
    };
    match time {
        None => Some(SpecificDate::Day(date)),
        Some(dt) => offset.to_timestamp(dt).ok().map(SpecificDate::Instant),
    }
}

/// The instant a date value stands for in a comparison (a day is its midnight, UTC).
pub fn date_instant(date: SpecificDate) -> Option<jiff::Timestamp> {
    match date {
        SpecificDate::Day(day) => midnight(day),
        SpecificDate::Instant(ts) => Some(ts),
    }
}

// ---------------------------------------------------------------------------------------------

struct Typer<'k> {
    keys: &'k dyn KeyTypes,
    params: &'k dyn Params,
    diagnostics: Vec<Diagnostic>,
}

/// A value to type, with how it was written.
struct Raw {
    text: String,
    /// Written in double quotes in Sentry syntax (typed keys then refuse it, as Sentry does).
    quoted: bool,
    /// A SQL operand or bound parameter: exact text, never a pattern.
    literal: bool,
}

/// The written operator of a term in a form shared by both styles.
#[derive(Clone, Copy, PartialEq)]
enum WrittenOp {
    None,
    Ne,
    Compare(CompareOp),
    Wildcard(TextOp),
}

impl<'k> Typer<'k> {
    fn error(&mut self, code: Code, span: Span, message: impl Into<String>, help: &str) {
        self.diagnostics
            .push(Diagnostic::error(code, span, message).help(help));
    }

    fn filter(&mut self, f: &Filter) -> Option<TypedFilter> {
        match &f.kind {
            FilterKind::Term(t) => self.term(t),
            FilterKind::And(items) => {
                TypedFilter::and(items.iter().filter_map(|f| self.filter(f)).collect())
            }
            FilterKind::Or(items) => {
                TypedFilter::or(items.iter().filter_map(|f| self.filter(f)).collect())
            }
            FilterKind::Not(inner) => {
                let typed = self.filter(inner)?;
                match negate(typed) {
                    Ok(f) => Some(f),
                    Err(d) => {
                        self.diagnostics.push(*d);
                        None
                    }
                }
            }
        }
    }

    fn bind(&mut self, name: &str, span: Span) -> Option<String> {
        match self.params.param(name) {
            Some(v) => Some(v.to_string()),
            None => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::UnboundParameter,
                        span,
                        format!("parameter `${name}` has no value"),
                    )
                    .label("unbound")
                    .help(format!("bind it with `--param {name}=…`")),
                );
                None
            }
        }
    }

    fn term(&mut self, t: &Term) -> Option<TypedFilter> {
        match &t.kind {
            TermKind::FreeText(ft) => {
                let text = if ft.param {
                    self.bind(&ft.text, t.span)?
                } else {
                    ft.text.clone()
                };
                Some(leaf(FilterKey::None, TypedKind::FreeText { text }, t.span))
            }
            TermKind::Search(s) => self.search(s, t.span),
            TermKind::Sql(c) => self.sql(c, t.span),
        }
    }

    fn aggregate_key(&mut self, call: &Call) -> Option<AggregateKey> {
        let mut args = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            args.push(match &arg.kind {
                ArgKind::Word(w) => AggregateArg::Value(w.clone()),
                ArgKind::Quoted(q) => AggregateArg::Quoted(q.clone()),
                ArgKind::Key(k) => AggregateArg::Key(k.clone()),
                ArgKind::Param(p) => AggregateArg::Value(self.bind(p, arg.span)?),
                ArgKind::Star => AggregateArg::Value("*".to_string()),
                ArgKind::Call(inner) => AggregateArg::Value(inner.name.node.clone()),
            });
        }
        Some(AggregateKey {
            name: call.name.node.clone(),
            args,
        })
    }

    /// The key and its type.
    fn key(&mut self, key: &TermKey) -> Option<(FilterKey, Option<SearchKeyType>)> {
        match key {
            TermKey::Key(k) => Some((FilterKey::Field(k.clone()), self.keys.key_type(k))),
            TermKey::Call(c) => {
                let agg = self.aggregate_key(c)?;
                let ty = self
                    .keys
                    .function_result_type(&agg)
                    .or(Some(SearchKeyType::Number));
                Some((FilterKey::Aggregate(agg), ty))
            }
        }
    }

    fn search(&mut self, s: &SearchTerm, span: Span) -> Option<TypedFilter> {
        if let TermKey::Key(Key {
            kind: KeyKind::Name(name),
            ..
        }) = &s.key
        {
            if name == "has" || name == "is" {
                return self.has_or_is(s, name == "has", span);
            }
        }
        let (key, ty) = self.key(&s.key)?;
        let op = match s.op.as_ref().map(|o| o.node) {
            None | Some(SearchOp::Eq) => WrittenOp::None,
            Some(SearchOp::Ne) => WrittenOp::Ne,
            Some(SearchOp::Gt) => WrittenOp::Compare(CompareOp::Gt),
            Some(SearchOp::Ge) => WrittenOp::Compare(CompareOp::Ge),
            Some(SearchOp::Lt) => WrittenOp::Compare(CompareOp::Lt),
            Some(SearchOp::Le) => WrittenOp::Compare(CompareOp::Le),
            Some(SearchOp::Contains) => WrittenOp::Wildcard(TextOp::Contains),
            Some(SearchOp::StartsWith) => WrittenOp::Wildcard(TextOp::StartsWith),
            Some(SearchOp::EndsWith) => WrittenOp::Wildcard(TextOp::EndsWith),
            Some(SearchOp::Matches) => WrittenOp::Wildcard(TextOp::Matches),
        };
        let op_text = match s.op.as_ref().map(|o| o.node) {
            Some(SearchOp::Eq) => "=",
            Some(SearchOp::Gt) => ">",
            Some(SearchOp::Ge) => ">=",
            Some(SearchOp::Lt) => "<",
            Some(SearchOp::Le) => "<=",
            _ => "",
        };
        let (extra_neg, kind) = match &s.value.kind {
            SearchValueKind::List(items) => {
                let mut raws = Vec::with_capacity(items.len());
                for item in items {
                    if item.param {
                        raws.push(Raw {
                            text: self.bind(&item.text, item.span)?,
                            quoted: true,
                            literal: true,
                        });
                    } else {
                        if item.text.is_empty() && !item.quoted {
                            // An empty item has no text: label the separator after it.
                            let at = Span {
                                start: item.span.start,
                                end: item.span.start.saturating_add(1),
                            };
                            self.error(
                                Code::EmptyListItem,
                                at,
                                "lists should not have empty values",
                                "remove the extra comma, or write the value",
                            );
                            return None;
                        }
                        raws.push(Raw {
                            text: item.text.clone(),
                            quoted: item.quoted,
                            literal: false,
                        });
                    }
                }
                let list_op = match op {
                    WrittenOp::Wildcard(w) => w,
                    _ => TextOp::Compare(CompareOp::Eq),
                };
                (
                    op == WrittenOp::Ne,
                    self.list(&key, ty, list_op, raws, span)?,
                )
            }
            SearchValueKind::Text { text, quoted } => {
                let raw = Raw {
                    text: text.clone(),
                    quoted: *quoted,
                    literal: false,
                };
                self.scalar(&key, ty, op, op_text, raw, false, span)?
            }
            SearchValueKind::Param(name) => {
                let raw = Raw {
                    text: self.bind(name, s.value.span)?,
                    quoted: true,
                    literal: true,
                };
                self.scalar(&key, ty, op, op_text, raw, false, span)?
            }
        };
        let term = leaf(key, kind, span);
        if s.negated ^ extra_neg {
            self.negated(term)
        } else {
            Some(term)
        }
    }

    fn negated(&mut self, f: TypedFilter) -> Option<TypedFilter> {
        match negate(f) {
            Ok(f) => Some(f),
            Err(d) => {
                self.diagnostics.push(*d);
                None
            }
        }
    }

    fn has_or_is(&mut self, s: &SearchTerm, has: bool, span: Span) -> Option<TypedFilter> {
        let text = match &s.value.kind {
            SearchValueKind::Text { text, .. } if s.op.is_none() && !text.is_empty() => {
                text.clone()
            }
            SearchValueKind::Param(_) if has => {
                self.error(
                    Code::ParameterAsName,
                    s.value.span,
                    "a parameter cannot stand for a field name",
                    "write the field or tag name",
                );
                return None;
            }
            SearchValueKind::Param(name) => self.bind(name, s.value.span)?,
            _ => {
                let code = if has {
                    Code::InvalidHas
                } else {
                    Code::EmptyValue
                };
                self.error(
                    code,
                    s.value.span,
                    "invalid format for \"has\" search: was expecting a field or tag instead",
                    "write `has:field`",
                );
                return None;
            }
        };
        let kind = if has {
            TypedKind::Has
        } else {
            TypedKind::Is {
                value: text.clone(),
            }
        };
        let key = if has {
            let plain = text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            let explicit = (text.starts_with("tags[") || text.starts_with("flags["))
                && text.ends_with(']')
                && !text
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"'));
            // A name Sentry's keys cannot hold (`has:"hi there"`) is kept, as Sentry's browser
            // keeps it; lowering refuses it, as Sentry's server does.
            let key_kind = if explicit {
                // `has:tags[x]` is valid Sentry (`has_filter` takes a `search_key`).
                explicit_key_kind(&text).unwrap_or(KeyKind::Name(text))
            } else if plain {
                KeyKind::Name(text)
            } else {
                KeyKind::Quoted(text)
            };
            FilterKey::Field(Key {
                kind: key_kind,
                span: s.value.span,
            })
        } else {
            FilterKey::None
        };
        let term = TypedFilter::Term(TypedTerm {
            negated: s.negated,
            key,
            kind,
            span,
        });
        Some(term)
    }

    /// Types one value. Returns (an extra negation from `!=`, the kind).
    #[allow(clippy::too_many_arguments)]
    fn scalar(
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
    fn exact_value(&mut self, raw: &Raw, span: Span) -> Option<String> {
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

    fn invalid<T>(&mut self, code: Code, span: Span, message: &str) -> Option<T> {
        self.error(
            code,
            span,
            message,
            "fix the value so that it fits the key's type",
        );
        None
    }

    fn invalid_numeric<T>(&mut self, ty: SearchKeyType, span: Span) -> Option<T> {
        match ty {
            SearchKeyType::Duration => self.invalid(Code::InvalidDuration, span, "invalid duration; expected a number followed by a duration unit (ms, s, min, h, d, w)"),
            SearchKeyType::Size => self.invalid(Code::InvalidSize, span, "invalid size; expected a number followed by a size unit (e.g. 10kib, 2mb)"),
            SearchKeyType::Percentage => self.invalid(Code::InvalidPercentage, span, "invalid percentage; expected a number followed by %"),
            _ => self.invalid(Code::InvalidNumber, span, "invalid number; expected a number then an optional k, m, or b suffix (e.g. 500k)"),
        }
    }

    /// A list of values (`[a, b]` or SQL `IN`).
    fn list(
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

    fn operand(&mut self, operand: &Operand) -> Option<Raw> {
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

    fn sql(&mut self, c: &SqlCondition, span: Span) -> Option<TypedFilter> {
        let (key, ty) = self.key(&c.key)?;
        match &c.kind {
            SqlKind::Compare(op, operand) => {
                let raw = self.operand(operand)?;
                let (written, text) = match op.node {
                    SqlOp::Eq => (WrittenOp::None, "="),
                    SqlOp::Ne | SqlOp::LtGt => (WrittenOp::Ne, "!="),
                    SqlOp::Lt => (WrittenOp::Compare(CompareOp::Lt), "<"),
                    SqlOp::Le => (WrittenOp::Compare(CompareOp::Le), "<="),
                    SqlOp::Gt => (WrittenOp::Compare(CompareOp::Gt), ">"),
                    SqlOp::Ge => (WrittenOp::Compare(CompareOp::Ge), ">="),
                };
                let (neg, kind) = self.scalar(&key, ty, written, text, raw, true, span)?;
                let term = leaf(key, kind, span);
                if neg { self.negated(term) } else { Some(term) }
            }
            SqlKind::In { negated, items } => {
                if items.is_empty() {
                    self.error(
                        Code::EmptyInList,
                        span,
                        "empty IN list",
                        "write at least one value; Sentry would read `key:[]` as the text `[]`",
                    );
                    return None;
                }
                let raws = items
                    .iter()
                    .map(|o| self.operand(o))
                    .collect::<Option<Vec<_>>>()?;
                let kind = self.list(&key, ty, TextOp::Compare(CompareOp::Eq), raws, span)?;
                let term = leaf(key, kind, span);
                if *negated {
                    self.negated(term)
                } else {
                    Some(term)
                }
            }
            SqlKind::Like { negated, pattern } => {
                let text_like =
                    matches!(ty, None | Some(SearchKeyType::Text | SearchKeyType::Semver))
                        && matches!(key, FilterKey::Field(_));
                if !text_like {
                    self.error(
                        Code::LikeOnNonText,
                        span,
                        "LIKE matches text, and this key is not text",
                        "compare with =, <, > instead",
                    );
                    return None;
                }
                let raw = self.operand(pattern)?;
                let Some(value) = like_to_sentry(&raw.text) else {
                    self.error(
                        Code::BackslashStar,
                        span,
                        "Sentry cannot match this text exactly: a `\\` right before `*` makes the `*` a wildcard or swallows the `\\`",
                        "add `%` around it (`LIKE '%a\\*b%'`): inside a pattern it can be written",
                    );
                    return None;
                };
                let term = leaf(
                    key,
                    TypedKind::Text {
                        op: TextOp::Compare(CompareOp::Eq),
                        value,
                    },
                    span,
                );
                if *negated {
                    self.negated(term)
                } else {
                    Some(term)
                }
            }
            SqlKind::Between { negated, low, high } => {
                let (low, high) = (self.operand(low)?, self.operand(high)?);
                let (lo_op, hi_op) = if *negated {
                    (CompareOp::Lt, CompareOp::Gt)
                } else {
                    (CompareOp::Ge, CompareOp::Le)
                };
                let (_, lo) = self.scalar(
                    &key,
                    ty,
                    WrittenOp::Compare(lo_op),
                    lo_op.as_str(),
                    low,
                    true,
                    span,
                )?;
                let (_, hi) = self.scalar(
                    &key,
                    ty,
                    WrittenOp::Compare(hi_op),
                    hi_op.as_str(),
                    high,
                    true,
                    span,
                )?;
                let items = vec![leaf(key.clone(), lo, span), leaf(key, hi, span)];
                if *negated {
                    TypedFilter::or(items)
                } else {
                    TypedFilter::and(items)
                }
            }
            SqlKind::IsNull { negated, .. } => {
                if !matches!(key, FilterKey::Field(_)) {
                    self.error(
                        Code::NullOnAggregate,
                        span,
                        "IS NULL does not apply to an aggregate",
                        "compare the aggregate with a number",
                    );
                    return None;
                }
                Some(TypedFilter::Term(TypedTerm {
                    negated: !*negated,
                    key,
                    kind: TypedKind::Has,
                    span,
                }))
            }
        }
    }
}

/// Exact text as a Sentry value that is no wildcard: `*` escaped as `\*`, backslashes kept
/// (Sentry's `translate_escape_sequences` turns only `\*` back into `*`). `None` when the text
/// has an odd run of `\` right before a `*`: escaping that star makes the run even, and Sentry
/// then reads the star as a wildcard (`WILDCARD_CHARS` in `src/sentry/api/event_search.py`).
pub fn exact_literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 2);
    let mut run = 0usize;
    for c in text.chars() {
        match c {
            '\\' => {
                run += 1;
                out.push(c);
            }
            '*' => {
                if run % 2 == 1 {
                    return None;
                }
                run = 0;
                out.push_str("\\*");
            }
            other => {
                run = 0;
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Text taken literally inside a pattern (a wildcard operator or LIKE): `\` and `*` both
/// escaped, as Sentry's `translate_wildcard` and `handle_backslash` (event_search.py) read
/// `\x` as the literal `x`.
fn escape_in_pattern(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '\\' | '*') {
            out.push('\\');
        }
        out.push(c);
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

/// A SQL LIKE pattern as a Sentry wildcard value: `%` → `*`, `_` literal, `*` → `\*`, `\%` and
/// `\_` literal.
///
/// Without a `%` the pattern is exact text (see [`exact_literal`]; `None` when Sentry cannot
/// match it); with one, literal `\` and `*` are escaped for Sentry's wildcard reading.
pub fn like_to_sentry(pattern: &str) -> Option<String> {
    // The literal runs between the wildcards.
    let mut parts = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('%' | '_')) => {
                if let (Some(n), Some(last)) = (chars.next(), parts.last_mut()) {
                    last.push(n);
                }
            }
            '%' => parts.push(String::new()),
            other => {
                if let Some(last) = parts.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    if let [only] = parts.as_slice() {
        return exact_literal(only);
    }
    let mut out = String::with_capacity(pattern.len() + 4);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('*');
        }
        escape_in_pattern(part, &mut out);
    }
    Some(out)
}
