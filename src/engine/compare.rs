//! COMPARE TO over local events, computed as Sentry's answers are joined
//! ([`crate::lower::compare`]): the query runs over its range and again over the range moved
//! back by the period (the earlier side over every group, so each current group finds its
//! row); a table is joined on the group columns with the same
//! [`crate::lower::compare::join`]; a series gets each series' value of the bucket the period
//! earlier, bucket by bucket, as Sentry's `comparisonValue` is.

use super::{LocalResult, RunError, RunOptions, eval, run};
use crate::answer::OutputColumn as Column;
use crate::lower::compare::{self, PREVIOUS};
use crate::result::Row;
use crate::semantic::checked::{CheckedKind, CheckedStatement, EventsQuery};

/// Runs `stmt`, whose query `q` has COMPARE TO.
pub(super) fn run_compared(
    stmt: &CheckedStatement,
    q: &EventsQuery,
    files: &super::EventFiles,
    options: &RunOptions,
) -> Result<LocalResult, RunError> {
    let mut without = q.clone();
    without.compare = None;
    let at = |query: EventsQuery| CheckedStatement {
        kind: CheckedKind::Events(query),
        ..stmt.clone()
    };
    let mut current = run(&at(without), files, options)?;
    let (_, mut previous) = compare::queries(q, current.now, stmt.span)
        .map_err(RunError::Query)?
        .ok_or_else(|| eval::one(eval::refuse(stmt.span, "nothing to compare")))?;
    // Every earlier group, not the first page of them: a current group past it would get a
    // wrong null (the HTTP client pages on for the same reason). A series is bucketed, whole.
    if q.interval.is_none() {
        previous.all = true;
    }
    let earlier = run(&at(previous), files, options)?;
    if q.interval.is_some() {
        beside_series(&mut current, &earlier);
    } else {
        let (keys, values) = compare::keys_and_values(q);
        let rows = std::mem::take(&mut current.result.data);
        current.result.data = compare::join(rows, &earlier.result.data, &keys, &values);
        current.columns = compare::columns(&current.columns, &values);
        compare::extend_meta(&mut current.result.meta, &values);
    }
    current.stats.events += earlier.stats.events;
    Ok(current)
}

/// Puts `earlier`'s buckets beside `current`'s, in order: bucket i of the earlier range is the
/// one the period before bucket i.
fn beside_series(current: &mut LocalResult, earlier: &LocalResult) {
    let series: Vec<Column> = current
        .columns
        .iter()
        .filter(|c| c.field != crate::answer::TIME_COLUMN)
        .cloned()
        .collect();
    for (i, row) in current.result.data.iter_mut().enumerate() {
        let before: Option<&Row> = earlier.result.data.get(i);
        for c in &series {
            let value = before
                .and_then(|r| r.get(&c.field))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            row.insert(format!("{}{PREVIOUS}", c.field), value);
        }
    }
    let mut columns = Vec::with_capacity(current.columns.len() + series.len());
    for c in &current.columns {
        columns.push(c.clone());
        if c.field != crate::answer::TIME_COLUMN {
            columns.push(Column {
                field: format!("{}{PREVIOUS}", c.field),
                label: format!("{}{PREVIOUS}", c.label),
                ty: c.ty,
            });
            let meta = &mut current.result.meta;
            if let Some(kind) = meta.fields.get(&c.field).cloned() {
                meta.fields.insert(format!("{}{PREVIOUS}", c.field), kind);
            }
            if let Some(unit) = meta.units.get(&c.field).cloned() {
                meta.units.insert(format!("{}{PREVIOUS}", c.field), unit);
            }
        }
    }
    current.columns = columns;
}
