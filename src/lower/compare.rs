//! `COMPARE TO period`: the same query over the range moved back by the period, beside the
//! current one.
//!
//! - A series asks Sentry for the comparison itself: `comparisonDelta` (seconds) on
//!   events-timeseries and events-stats (getsentry/sentry
//!   `src/sentry/api/endpoints/organization_events_timeseries.py`, `get_comparison_delta`),
//!   whose points then carry `comparisonValue` (events-stats: `comparisonCount`); each series
//!   `s` gets a column `s_previous`.
//! - A table is two requests, the current one and [`ComparePlan::previous`], joined on the
//!   group columns ([`join`]): after each compared column `c` come `c_previous`, `c_change`
//!   (current − previous) and `c_change_pct` ((current − previous) / previous, a ratio Sentry's
//!   `percent_change` type shows as a signed percentage).
//!
//! Both periods are sent as absolute `start`/`end` computed from the one "now", so that they
//! are exactly the period apart (with `statsPeriod` Sentry would resolve the current range
//! against its own clock). The earlier request asks for at least a page of 100 groups (more
//! when LIMIT asks for more), so a group near the current top still finds its earlier value;
//! a group missing from it has no previous value (null), which the local engine computes the
//! same way.

use super::Ctx;
use super::MAX_PAGE;
use super::request::{ComparePlan, Request};
use crate::answer::OutputColumn as Column;
use crate::diagnostic::Diagnostic;
use crate::result::{Meta, Row};
use crate::semantic::checked::{EventsQuery, TimePoint, TimeRange};
use crate::semantic::field_type::FieldType;
use crate::span::Span;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

pub use crate::answer::PREVIOUS;
/// The suffix of an absolute change column.
pub const CHANGE: &str = "_change";
/// The suffix of a relative change column.
pub const CHANGE_PCT: &str = "_change_pct";

/// The range of `range` with "now" = `now`, as instants `[start, end)`.
pub fn bounds(
    range: &TimeRange,
    now: Timestamp,
    span: Span,
) -> Result<(Timestamp, Timestamp), Vec<Diagnostic>> {
    let time = super::time::lower_time(range, now, span)?;
    let out_of_range = || {
        vec![
            Diagnostic::error(
                crate::registry::LowerCode::TimeOutOfRange,
                span,
                "the range to compare with is too far from now to be represented",
            )
            .help("use a shorter COMPARE TO period"),
        ]
    };
    let end = match time.params.iter().find(|(k, _)| k == "end") {
        Some((_, text)) => text.parse::<Timestamp>().map_err(|_| out_of_range())?,
        None => match &range.until {
            Some(TimePoint::Ago(p)) => shift(now, p.seconds).ok_or_else(out_of_range)?,
            _ => now,
        },
    };
    let start = shift(end, time.seconds).ok_or_else(out_of_range)?;
    Ok((start, end))
}

fn shift(t: Timestamp, seconds: u64) -> Option<Timestamp> {
    let seconds = i64::try_from(seconds).ok()?;
    t.checked_sub(SignedDuration::from_secs(seconds)).ok()
}

/// The current and the earlier query of a COMPARE TO, both over absolute ranges, without
/// COMPARE TO; `None` when `q` compares nothing.
pub fn queries(
    q: &EventsQuery,
    now: Timestamp,
    span: Span,
) -> Result<Option<(EventsQuery, EventsQuery)>, Vec<Diagnostic>> {
    let Some(period) = &q.compare else {
        return Ok(None);
    };
    let (start, end) = bounds(&q.time, now, span)?;
    let absolute = |start: Timestamp, end: Timestamp| TimeRange {
        since: Some(TimePoint::At(start)),
        until: Some(TimePoint::At(end)),
        span: q.time.span,
    };
    let mut current = q.clone();
    current.compare = None;
    current.time = absolute(start, end);
    let mut previous = current.clone();
    let (Some(p_start), Some(p_end)) = (shift(start, period.seconds), shift(end, period.seconds))
    else {
        return Err(vec![
            Diagnostic::error(
                crate::registry::LowerCode::TimeOutOfRange,
                span,
                format!("{} before this range cannot be represented", period.text),
            )
            .help("use a shorter COMPARE TO period"),
        ]);
    };
    previous.time = absolute(p_start, p_end);
    if previous.interval.is_none() {
        previous.limit = Some(q.limit.unwrap_or(MAX_PAGE).max(MAX_PAGE));
    }
    Ok(Some((current, previous)))
}

/// Lowers a query with COMPARE TO: a series with `comparisonDelta`, a table with the earlier
/// period's request in [`Request::compare`].
pub(super) fn lower_compared(ctx: &Ctx<'_>, q: &EventsQuery) -> Result<Request, Vec<Diagnostic>> {
    let Some((current, previous)) = queries(q, ctx.options.now, ctx.span)? else {
        return super::stats::lower_stats(ctx, q);
    };
    let delta_seconds = q.compare.as_ref().map_or(0, |p| p.seconds);
    if current.interval.is_some() {
        let mut request = super::stats::lower_stats(ctx, &current)?;
        add_delta(&mut request.params, delta_seconds);
        if let Some(fallback) = &mut request.fallback {
            add_delta(&mut fallback.params, delta_seconds);
        }
        return Ok(request);
    }
    let mut request = super::events::lower_events(ctx, &current)?;
    let earlier = super::events::lower_events(ctx, &previous)?;
    let (keys, values) = keys_and_values(q);
    request.columns = columns(&request.columns, &values);
    request.compare = Some(ComparePlan {
        delta_seconds,
        previous: Box::new(earlier),
        keys,
        values,
    });
    Ok(request)
}

/// `comparisonDelta` right after `interval`.
fn add_delta(params: &mut Vec<(String, String)>, seconds: u64) {
    let at = params
        .iter()
        .position(|(k, _)| k == "interval")
        .map_or(params.len(), |i| i + 1);
    params.insert(at, ("comparisonDelta".into(), seconds.to_string()));
}

/// The fields a table comparison matches rows on (the group columns: GROUP BY fields, else the
/// plain fields of the select list) and the ones it compares (the aggregates), from the query.
pub fn keys_and_values(q: &EventsQuery) -> (Vec<String>, Vec<String>) {
    let keys = if q.group_by.is_empty() {
        q.columns
            .iter()
            .filter(|c| !c.value.is_aggregate())
            .map(|c| c.value.canonical())
            .collect()
    } else {
        q.group_by.iter().map(|g| g.name.clone()).collect()
    };
    let values = q
        .columns
        .iter()
        .filter(|c| c.value.is_aggregate())
        .map(|c| c.value.canonical())
        .collect();
    (keys, values)
}

/// The output plan of a compared table: each compared column followed by its previous value
/// and its changes.
pub fn columns(plan: &[Column], values: &[String]) -> Vec<Column> {
    let mut out = Vec::with_capacity(plan.len() + 3 * values.len());
    for c in plan {
        out.push(c.clone());
        if values.contains(&c.field) {
            out.push(Column {
                field: format!("{}{PREVIOUS}", c.field),
                label: format!("{}{PREVIOUS}", c.label),
                ty: c.ty,
            });
            out.push(Column {
                field: format!("{}{CHANGE}", c.field),
                label: format!("{}{CHANGE}", c.label),
                ty: c.ty,
            });
            out.push(Column {
                field: format!("{}{CHANGE_PCT}", c.field),
                label: format!("{}{CHANGE_PCT}", c.label),
                ty: Some(FieldType::Percentage),
            });
        }
    }
    out
}

/// The meta of the added columns: a previous value and a change are typed as their column; the
/// relative change is a `percent_change`.
pub fn extend_meta(meta: &mut Meta, values: &[String]) {
    for v in values {
        let kind = meta.fields.get(v).cloned();
        let unit = meta.units.get(v).cloned();
        for suffix in [PREVIOUS, CHANGE] {
            if let Some(kind) = &kind {
                meta.fields.insert(format!("{v}{suffix}"), kind.clone());
            }
            if let Some(unit) = &unit {
                meta.units.insert(format!("{v}{suffix}"), unit.clone());
            }
        }
        meta.fields
            .insert(format!("{v}{CHANGE_PCT}"), "percent_change".to_owned());
        meta.units.insert(format!("{v}{CHANGE_PCT}"), None);
    }
}

/// The key a row is matched on: its values of `keys`, as JSON text.
fn key_of(row: &Row, keys: &[String]) -> String {
    let values: Vec<&Value> = keys
        .iter()
        .map(|k| row.get(k).unwrap_or(&Value::Null))
        .collect();
    serde_json::to_string(&values).unwrap_or_default()
}

/// The current rows, in their order, each with the previous period's values of the row with
/// the same keys (null where there is none) and the changes.
pub fn join(current: Vec<Row>, previous: &[Row], keys: &[String], values: &[String]) -> Vec<Row> {
    let mut earlier: std::collections::HashMap<String, &Row> =
        std::collections::HashMap::with_capacity(previous.len());
    for row in previous {
        // The first row of a key wins, as the current side shows only one.
        earlier.entry(key_of(row, keys)).or_insert(row);
    }
    current
        .into_iter()
        .map(|mut row| {
            let before = earlier.get(&key_of(&row, keys)).copied();
            for v in values {
                let now = row.get(v).and_then(Value::as_f64);
                let then_value = before
                    .and_then(|r| r.get(v))
                    .cloned()
                    .unwrap_or(Value::Null);
                let then = then_value.as_f64();
                let (change, pct) = changes(row.get(v), now, then_value.clone(), then);
                row.insert(format!("{v}{PREVIOUS}"), then_value);
                row.insert(format!("{v}{CHANGE}"), change);
                row.insert(format!("{v}{CHANGE_PCT}"), pct);
            }
            row
        })
        .collect()
}

/// (current − previous, (current − previous) / previous); integers stay integers; null where a
/// side is missing, and the ratio null where the previous value is 0.
fn changes(
    now_value: Option<&Value>,
    now: Option<f64>,
    then_value: Value,
    then: Option<f64>,
) -> (Value, Value) {
    let (Some(now), Some(then)) = (now, then) else {
        return (Value::Null, Value::Null);
    };
    let change = match (now_value.and_then(Value::as_i64), then_value.as_i64()) {
        (Some(a), Some(b)) => a.checked_sub(b).map_or(Value::Null, Value::from),
        _ => finite(now - then),
    };
    let pct = if then == 0.0 {
        Value::Null
    } else {
        finite((now - then) / then)
    };
    (change, pct)
}

fn finite(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(pairs: &[(&str, Value)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn rows_are_joined_on_their_keys_with_changes() {
        let keys = ["release".to_owned()];
        let values = ["count()".to_owned(), "p95(x)".to_owned()];
        let current = vec![
            row(&[
                ("release", json!("a")),
                ("count()", json!(12)),
                ("p95(x)", json!(1.5)),
            ]),
            row(&[
                ("release", json!("b")),
                ("count()", json!(3)),
                ("p95(x)", json!(2.0)),
            ]),
            row(&[
                ("release", json!(null)),
                ("count()", json!(5)),
                ("p95(x)", json!(1.0)),
            ]),
        ];
        let previous = vec![
            row(&[
                ("release", json!("b")),
                ("count()", json!(0)),
                ("p95(x)", json!(4.0)),
            ]),
            row(&[
                ("release", json!("a")),
                ("count()", json!(8)),
                ("p95(x)", json!(1.0)),
            ]),
        ];
        let joined = join(current, &previous, &keys, &values);
        assert_eq!(joined[0]["count()_previous"], json!(8));
        assert_eq!(joined[0]["count()_change"], json!(4));
        assert_eq!(joined[0]["count()_change_pct"], json!(0.5));
        assert_eq!(joined[0]["p95(x)_change"], json!(0.5));
        assert_eq!(joined[1]["count()_change"], json!(3));
        assert_eq!(joined[1]["count()_change_pct"], Value::Null, "from 0");
        assert_eq!(joined[1]["p95(x)_change_pct"], json!(-0.5));
        assert_eq!(
            joined[2]["count()_previous"],
            Value::Null,
            "no such group before"
        );
        assert_eq!(joined[2]["count()_change"], Value::Null);
    }

    #[test]
    fn compared_columns_follow_their_column() {
        let plan = [
            Column {
                field: "release".into(),
                label: "release".into(),
                ty: None,
            },
            Column {
                field: "count()".into(),
                label: "n".into(),
                ty: Some(FieldType::Integer),
            },
        ];
        let labels: Vec<String> = columns(&plan, &["count()".into()])
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(
            labels,
            ["release", "n", "n_previous", "n_change", "n_change_pct"]
        );
    }
}
