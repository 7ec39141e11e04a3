//! Sentry's limits on a request that the checker enforces: the shape of a series (INTERVAL)
//! and the number of fields a request may name.

use crate::registry::SemanticCode;
use crate::semantic::checked::{Column, ColumnValue, FieldRef, SortKey};
use crate::semantic::clauses;
use crate::semantic::context::Cx;
use crate::semantic::time;
use crate::syntax::ast::Select;

/// Sentry's limit on fields per request, hidden ones included.
const MAX_FIELDS: usize = 20;
/// Sentry's limit on the series of a top-n query.
const MAX_TOP_EVENTS: u64 = 10;
/// Sentry's limit on buckets of a series (MAX_ROLLUP_POINTS).
const MAX_BUCKETS: u64 = 10_000;

pub(super) fn check_series(
    cx: &mut Cx<'_>,
    select: &Select,
    columns: &[Column],
    has_aggregate: bool,
    limit: Option<u64>,
    time: &crate::semantic::checked::TimeRange,
    period: &crate::semantic::checked::Period,
) {
    let clauses = &select.clauses;
    let Some(interval) = &clauses.interval else {
        return;
    };
    if !has_aggregate {
        cx.error(
            SemanticCode::IntervalWithoutAggregate,
            interval.span,
            "a series needs an aggregate",
        )
        .label("INTERVAL without an aggregate")
        .help("select an aggregate such as `count()`");
    }
    let grouped = clauses.group_by.is_some() || select.distinct.is_some();
    match (&clauses.limit, grouped) {
        (None, true) => {
            let span = clauses.group_by.as_ref().map_or(interval.span, |g| g.span);
            cx.error(
                SemanticCode::TopNLimit,
                span,
                "a grouped series (top-n) needs LIMIT",
            )
            .label("grouped series")
            .help(format!("add `LIMIT n` with n from 1 to {MAX_TOP_EVENTS}"));
        }
        (Some(l), true) if clauses::is_limit_all(Some(l)) => {
            cx.error(
                SemanticCode::LimitAllUnsupported,
                l.span,
                "a top-n series cannot take LIMIT ALL",
            )
            .label("LIMIT ALL in a series")
            .help(format!(
                "give `LIMIT n` with n from 1 to {MAX_TOP_EVENTS}, or remove INTERVAL for every group"
            ));
        }
        (Some(l), true) if limit.is_some_and(|n| n > MAX_TOP_EVENTS) => {
            cx.error(
                SemanticCode::TopNLimit,
                l.span,
                format!("a top-n series shows at most {MAX_TOP_EVENTS} groups"),
            )
            .label("too many series")
            .help(format!("use `LIMIT {MAX_TOP_EVENTS}` or less"));
        }
        (Some(l), false) => {
            cx.error(
                SemanticCode::NotInSeries,
                l.span,
                "LIMIT without GROUP BY in a series",
            )
            .label("nothing to limit")
            .help("remove LIMIT, or add GROUP BY for a top-n series");
        }
        _ => {}
    }
    if let Some(h) = &clauses.having {
        cx.error(
            SemanticCode::NotInSeries,
            h.span,
            "a series cannot have HAVING",
        )
        .label("HAVING in a series")
        .help("remove HAVING, or remove INTERVAL to filter groups");
    }
    for column in columns {
        if let ColumnValue::Equation(_) = column.value {
            cx.error(
                SemanticCode::NotInSeries,
                column.span,
                "a series cannot have equations",
            )
            .label("an equation")
            .help("select the aggregates on their own, or remove INTERVAL");
        }
    }
    if let Some(range) = time::range_seconds(time) {
        if period.seconds > range {
            cx.error(
                SemanticCode::BadInterval,
                interval.value.span,
                format!(
                    "the interval `{}` is longer than the time range",
                    period.text
                ),
            )
            .label("longer than the range")
            .help("use a shorter interval or a longer SINCE");
        } else if range / period.seconds > MAX_BUCKETS {
            cx.error(
                SemanticCode::BadInterval,
                interval.value.span,
                format!(
                    "`{}` makes {} buckets; Sentry allows {MAX_BUCKETS}",
                    period.text,
                    range / period.seconds
                ),
            )
            .label("too many buckets")
            .help("use a longer interval or a shorter SINCE");
        }
    }
}

#[allow(clippy::too_many_arguments, reason = "one rule over the whole query")]
pub(super) fn check_field_count(
    cx: &mut Cx<'_>,
    select: &Select,
    columns: &[Column],
    group_by: &[FieldRef],
    order_by: &[SortKey],
    has_aggregate: bool,
    aggregate: bool,
    limit: Option<u64>,
) {
    // A set beside the list: a linear check however many columns there are.
    let mut fields: Vec<String> = Vec::new();
    let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut add = |name: String| {
        if known.insert(name.clone()) {
            fields.push(name);
        }
    };
    for column in columns {
        add(column.value.canonical());
        if let ColumnValue::Equation(eq) = &column.value {
            eq.functions().into_iter().for_each(|f| add(f.canonical()));
        }
    }
    group_by.iter().for_each(|f| add(f.name.clone()));
    for key in order_by {
        add(key.value.canonical());
    }
    if aggregate && !has_aggregate {
        add(String::from("count()"));
    }
    if !aggregate && limit.is_some_and(|n| n > 100) {
        add(String::from("timestamp"));
        add(String::from("id"));
    }
    if fields.len() > MAX_FIELDS {
        let n = fields.len();
        let span = select
            .items
            .first()
            .map_or(select.span, |f| f.span)
            .to(select.items.last().map_or(select.span, |l| l.span));
        cx.error(
            SemanticCode::TooManyFields,
            span,
            format!("the request needs {n} fields; Sentry takes at most {MAX_FIELDS}"),
        )
        .label("these columns, with hidden fields for GROUP BY, ORDER BY and paging")
        .help("select fewer columns, or split the query");
    }
}
