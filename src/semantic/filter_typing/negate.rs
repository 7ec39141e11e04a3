//! NOT pushed to the leaves of a typed filter (De Morgan), as Sentry's search has no NOT.

use super::{Code, leaf};
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::filter::{
    CompareOp, RelativeDate, SpecificDate, TextOp, TypedFilter, TypedKind, TypedTerm,
};
use crate::semantic::values::midnight;
use crate::span::Span;

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
