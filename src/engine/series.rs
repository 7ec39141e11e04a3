//! INTERVAL queries: time buckets shaped like the HTTP client's events-stats rows — a `time`
//! column (bucket start, UTC) then one column per yAxis (`count()`), or, for a top-n series
//! (GROUP BY … LIMIT n), one per group and yAxis (`"<group>: <yAxis>"`) plus `Other` when
//! more groups exist, as Sentry answers.
//!
//! Buckets start at the range's start floored to the interval and cover `[start, end)`; an
//! empty bucket is 0 for every aggregate, as Sentry zero-fills. `epm()`/`eps()` are per
//! bucket. Top groups are ranked over the whole range by ORDER BY (default: the first yAxis,
//! descending), ties broken by the group values; a group's name is its values as text joined
//! with `,` (a missing value is `None`, a list its last element).

use super::aggregate::Accumulator;
use super::eval::{self, Context, compare_keys, merge_accs, new_accs, refuse};
use super::group::{GroupTable, parallel_scan};
use super::{LocalResult, RunError};
use crate::answer::{OutputColumn, TIME_COLUMN, series_columns};
use crate::result::{Meta, ResultSet, Row};
use crate::semantic::checked::EventsQuery;
use crate::semantic::field_type::FieldType;
use std::collections::BTreeMap;

/// Most groups a top-n series plots (Sentry's `MAX_TOP_EVENTS`).
const MAX_TOP: u64 = 10;

/// Bucket start (epoch ms) → accumulators.
type Buckets = BTreeMap<i64, Vec<Accumulator>>;

#[derive(Debug)]
struct Series {
    total: Vec<Accumulator>,
    buckets: BTreeMap<i64, Vec<Accumulator>>,
}

/// One yAxis: its canonical string, aggregate index, type and label.
struct Axis {
    name: String,
    agg: usize,
    ty: Option<FieldType>,
    label: String,
}

pub(crate) fn run(q: &EventsQuery, ctx: &Context<'_>) -> Result<LocalResult, RunError> {
    let Some(interval) = &q.interval else {
        return eval::run_grouped(q, ctx);
    };
    let rollup_ms = i64::try_from(interval.seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000)
        .max(1000);
    let mut g = eval::compile_grouped(q, ctx)?;
    let mut axes: Vec<Axis> = Vec::new();
    for (c, cell) in q.columns.iter().zip(&g.cells) {
        if let eval::ColExpr::Aggregate(agg) = cell {
            let name = c.value.canonical();
            if !axes.iter().any(|a| a.name == name) {
                axes.push(Axis {
                    name,
                    agg: *agg,
                    ty: c.ty,
                    label: c.label.clone(),
                });
            }
        }
    }
    let Some(first) = axes.first().map(|a| a.agg) else {
        return Err(eval::one(refuse(
            ctx.span,
            "a time series needs at least one aggregate to plot",
        )));
    };
    let top = if q.group_by.is_empty() {
        None
    } else {
        match q.limit {
            Some(n) if (1..=MAX_TOP).contains(&n) => Some(usize::try_from(n).unwrap_or(1)),
            _ => {
                return Err(eval::one(refuse(
                    ctx.span,
                    format!("a grouped time series needs LIMIT 1 to {MAX_TOP}"),
                )));
            }
        }
    };
    if q.order_by.is_empty() {
        g.sort.insert(0, eval::ColExpr::Aggregate(first));
        g.descending.insert(0, true);
    }
    let projection = g.builder.projection();
    let aggs = &g.builder.aggs;
    let (states, stats) = parallel_scan(
        ctx.files,
        &projection,
        &ctx.options.read,
        ctx.options.threads,
        GroupTable::<Series>::default,
        |table, _, event| {
            let values = &event.values;
            if !g.base.passes(values) || g.filter.as_ref().is_some_and(|f| !f.matches(values, &[]))
            {
                return Ok(());
            }
            let Some(ts) = g.base.timestamp(values) else {
                return Ok(());
            };
            let bucket = ts.div_euclid(rollup_ms) * rollup_ms;
            let key: Vec<_> = g
                .group_idx
                .iter()
                .map(|&i| values.get(i).cloned().unwrap_or(super::Value::Null))
                .collect();
            table.update(
                &key,
                || Series {
                    total: new_accs(aggs),
                    buckets: BTreeMap::new(),
                },
                |series| {
                    let slot = series
                        .buckets
                        .entry(bucket)
                        .or_insert_with(|| new_accs(aggs));
                    for ((spec, total), acc) in aggs
                        .iter()
                        .zip(series.total.iter_mut())
                        .zip(slot.iter_mut())
                    {
                        spec.update(total, values);
                        spec.update(acc, values);
                    }
                },
            );
            Ok(())
        },
    )?;
    let mut table = GroupTable::default();
    for s in states {
        table.merge(s, |into: &mut Series, from: Series| {
            merge_accs(&mut into.total, from.total);
            for (bucket, accs) in from.buckets {
                match into.buckets.get_mut(&bucket) {
                    Some(existing) => merge_accs(existing, accs),
                    None => {
                        into.buckets.insert(bucket, accs);
                    }
                }
            }
        });
    }

    // Rank the groups over the whole range.
    let range_seconds = ctx.range_seconds();
    let mut ranked: Vec<(
        Vec<super::Value<'static>>,
        Vec<super::Value<'static>>,
        Series,
    )> = table
        .into_groups()
        .into_iter()
        .map(|(key, mut series)| {
            let totals: Vec<_> = aggs
                .iter()
                .zip(series.total.iter_mut())
                .map(|(spec, acc)| spec.finish(acc, range_seconds))
                .collect();
            let sort = g.sort.iter().map(|s| s.value(&key, &totals)).collect();
            (sort, key, series)
        })
        .collect();
    ranked.sort_by(|a, b| compare_keys(&a.0, &b.0, &g.descending));

    // The series to plot: (name prefix, buckets).
    let mut plotted: Vec<(Option<String>, Buckets)> = Vec::new();
    match top {
        None => {
            let mut all: BTreeMap<i64, Vec<Accumulator>> = BTreeMap::new();
            for (_, _, series) in ranked {
                for (bucket, accs) in series.buckets {
                    match all.get_mut(&bucket) {
                        Some(existing) => merge_accs(existing, accs),
                        None => {
                            all.insert(bucket, accs);
                        }
                    }
                }
            }
            plotted.push((None, all));
        }
        Some(n) => {
            let rest = ranked.split_off(n.min(ranked.len()));
            for (_, key, series) in ranked {
                plotted.push((Some(group_name(&key, &g.group)), series.buckets));
            }
            if !rest.is_empty() {
                let mut other: BTreeMap<i64, Vec<Accumulator>> = BTreeMap::new();
                for (_, _, series) in rest {
                    for (bucket, accs) in series.buckets {
                        match other.get_mut(&bucket) {
                            Some(existing) => merge_accs(existing, accs),
                            None => {
                                other.insert(bucket, accs);
                            }
                        }
                    }
                }
                plotted.push((Some("Other".to_owned()), other));
            }
            if plotted.is_empty() {
                // No groups: Sentry answers the flat series shape.
                plotted.push((None, BTreeMap::new()));
            }
        }
    }

    let mut names = vec![TIME_COLUMN.to_owned()];
    for (prefix, _) in &plotted {
        for axis in &axes {
            names.push(match prefix {
                Some(p) => format!("{p}: {}", axis.name),
                None => axis.name.clone(),
            });
        }
    }
    let plan: Vec<OutputColumn> = axes
        .iter()
        .map(|a| OutputColumn {
            field: a.name.clone(),
            label: a.label.clone(),
            ty: a.ty,
        })
        .collect();
    let columns = series_columns(&plan, &names);
    let mut meta = Meta::default();
    for c in &columns {
        eval::add_meta(&mut meta, &c.field, c.ty);
    }
    let (start, end) = ctx.range;
    let rollup_seconds = rollup_ms as f64 / 1000.0;
    let mut data = Vec::new();
    let mut bucket = start.div_euclid(rollup_ms) * rollup_ms;
    while bucket < end {
        let mut row = Row::new();
        row.insert(TIME_COLUMN.to_owned(), time_value(bucket));
        let mut cells = columns.iter().skip(1);
        for (_, buckets) in &mut plotted {
            let mut accs = buckets.get_mut(&bucket);
            for axis in &axes {
                let value = match accs.as_deref_mut() {
                    Some(accs) => match (aggs.get(axis.agg), accs.get_mut(axis.agg)) {
                        (Some(spec), Some(acc)) => spec.finish(acc, rollup_seconds).to_json(),
                        _ => serde_json::Value::Null,
                    },
                    None => serde_json::Value::from(0),
                };
                if let Some(column) = cells.next() {
                    row.insert(column.field.clone(), value);
                }
            }
        }
        data.push(row);
        bucket += rollup_ms;
    }
    Ok(LocalResult::new(
        ResultSet { data, meta },
        columns,
        false,
        stats,
    ))
}

/// A top-n group's name, as Sentry makes its result key.
fn group_name(key: &[super::Value<'_>], fields: &[String]) -> String {
    let parts: Vec<String> = key
        .iter()
        .map(|v| match v {
            super::Value::Null => "None".to_owned(),
            super::Value::Array(items) => items
                .last()
                .map(|i| i.as_text().into_owned())
                .unwrap_or_default(),
            other => other.as_text().into_owned(),
        })
        .collect();
    let name = parts.join(",");
    if name == "Other" {
        format!("Other ({})", fields.first().map_or("", String::as_str))
    } else {
        name
    }
}

/// A bucket start as the HTTP client writes it (RFC 3339, UTC).
fn time_value(ms: i64) -> serde_json::Value {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => serde_json::Value::String(ts.to_string()),
        Err(_) => serde_json::Value::from(ms / 1000),
    }
}
