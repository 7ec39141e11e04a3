//! events-stats answers (sentry-api.md §13.1) turned into rows of time buckets: a `time` column
//! plus one column per yAxis, per group, or per group and yAxis (`"<group>: <yAxis>"`).

use crate::lower::compare::PREVIOUS;
use crate::result::{Meta, Row};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::answer::TIME_COLUMN;

/// Rows in bucket order with their column order and meta.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Row>,
    pub(crate) meta: Meta,
}

/// One series and the column it fills.
struct Column<'a> {
    name: String,
    y_axis: &'a str,
    series: &'a Map<String, Value>,
}

/// Converts an events-stats body. `y_axes` are the request's `yAxis` values in order (Sentry's
/// default `count()` when none); `top_events` says whether `topEvents` was sent, which is what
/// tells a multi-yAxis object from a top-events one.
pub(crate) fn to_table(body: &Value, y_axes: &[String], top_events: bool) -> Result<Table, String> {
    let default_axis = "count()".to_owned();
    let first_axis = y_axes.first().unwrap_or(&default_axis);
    let Value::Object(object) = body else {
        return Err("events-stats answered something other than a JSON object".into());
    };
    let mut columns = Vec::new();
    if is_series(object) {
        columns.push(Column {
            name: first_axis.clone(),
            y_axis: first_axis,
            series: object,
        });
    } else if top_events {
        for (group, value) in by_order(object) {
            if is_series(value) {
                columns.push(Column {
                    name: group_column(group, first_axis),
                    y_axis: first_axis,
                    series: value,
                });
            } else {
                for (y_axis, series) in by_order(value).into_iter().filter(|(_, v)| is_series(v)) {
                    columns.push(Column {
                        name: group_column(group, y_axis),
                        y_axis,
                        series,
                    });
                }
            }
        }
    } else {
        for (y_axis, series) in by_order(object).into_iter().filter(|(_, v)| is_series(v)) {
            columns.push(Column {
                name: y_axis.to_owned(),
                y_axis,
                series,
            });
        }
    }
    build(&columns)
}

fn group_column(group: &str, y_axis: &str) -> String {
    if group.is_empty() {
        y_axis.to_owned()
    } else {
        format!("{group}: {y_axis}")
    }
}

fn is_series(value: &Map<String, Value>) -> bool {
    value.get("data").is_some_and(Value::is_array)
}

/// The object members that are objects, sorted by their `order` (then name, for stability).
fn by_order(object: &Map<String, Value>) -> Vec<(&str, &Map<String, Value>)> {
    let mut members: Vec<(&str, &Map<String, Value>)> = object
        .iter()
        .filter_map(|(key, value)| value.as_object().map(|v| (key.as_str(), v)))
        .collect();
    members.sort_by_key(|(key, value)| {
        (
            value
                .get("order")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX),
            *key,
        )
    });
    members
}

fn build(columns: &[Column<'_>]) -> Result<Table, String> {
    let mut buckets: BTreeMap<i64, Row> = BTreeMap::new();
    let mut compared: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut meta = Meta::default();
    meta.fields
        .insert(TIME_COLUMN.to_owned(), "date".to_owned());
    meta.units.insert(TIME_COLUMN.to_owned(), None);
    for column in columns {
        let series_meta = column.series.get("meta");
        if let Some(series_meta) = series_meta {
            meta.accuracy
                .merge(&crate::result::Accuracy::from_events_meta(series_meta));
            if let Some(rpc) = series_meta.get("accuracy") {
                meta.accuracy.merge(&rpc_accuracy(rpc, column.y_axis));
            }
        }
        if column.series.get("isMetricsData").and_then(Value::as_bool) == Some(true) {
            meta.accuracy.metrics_data = true;
        }
        if let Some(kind) = series_meta
            .and_then(|m| m.get("fields"))
            .and_then(|f| f.get(column.y_axis))
            .and_then(Value::as_str)
        {
            meta.fields.insert(column.name.clone(), kind.to_owned());
        }
        if let Some(unit) = series_meta
            .and_then(|m| m.get("units"))
            .and_then(|u| u.get(column.y_axis))
        {
            meta.units
                .insert(column.name.clone(), unit.as_str().map(str::to_owned));
        }
        let data = column
            .series
            .get("data")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for bucket in data {
            let (time, value, previous) = bucket_value(bucket).ok_or_else(|| {
                format!("a bucket of `{}` is not [time, [{{count}}]]", column.name)
            })?;
            let row = buckets.entry(time).or_default();
            row.insert(column.name.clone(), value);
            // COMPARE TO: `comparisonDelta` makes each item carry `comparisonCount`.
            if let Some(previous) = previous {
                row.insert(format!("{}{PREVIOUS}", column.name), previous);
                compared.insert(column.name.clone());
            }
        }
    }
    for name in &compared {
        let previous = format!("{name}{PREVIOUS}");
        if let Some(kind) = meta.fields.get(name).cloned() {
            meta.fields.insert(previous.clone(), kind);
        }
        if let Some(unit) = meta.units.get(name).cloned() {
            meta.units.insert(previous, unit);
        }
    }
    // Each compared series is followed by its earlier values.
    let mut names_in_order: Vec<String> = Vec::new();
    for column in columns {
        names_in_order.push(column.name.clone());
        if compared.contains(&column.name) {
            names_in_order.push(format!("{}{PREVIOUS}", column.name));
        }
    }
    let rows = buckets
        .into_iter()
        .map(|(time, values)| {
            let mut row = Row::new();
            row.insert(TIME_COLUMN.to_owned(), time_value(time));
            for name in &names_in_order {
                let value = values.get(name).cloned().unwrap_or(Value::Null);
                row.insert(name.clone(), value);
            }
            row
        })
        .collect();
    let mut names = vec![TIME_COLUMN.to_owned()];
    names.extend(names_in_order);
    Ok(Table {
        columns: names,
        rows,
        meta,
    })
}

/// `[1717000000, [{"count": 12}]]` → (1717000000, 12, None); an empty item list is a null
/// value; an item's `comparisonCount` is the third.
fn bucket_value(bucket: &Value) -> Option<(i64, Value, Option<Value>)> {
    let pair = bucket.as_array()?;
    let time = pair.first()?;
    let time = time
        .as_i64()
        .or_else(|| time.as_f64().map(|t| t.floor() as i64))?;
    let items = pair.get(1)?.as_array()?;
    let value = match items.first() {
        Some(item) => item.get("count").cloned().unwrap_or(Value::Null),
        None => Value::Null,
    };
    let previous = items
        .first()
        .and_then(|i| i.get("comparisonCount"))
        .cloned();
    Some((time, value, previous))
}

/// Bucket starts as RFC 3339 UTC, like the dates of events rows.
pub(super) fn time_value(epoch_seconds: i64) -> Value {
    match jiff::Timestamp::from_second(epoch_seconds) {
        Ok(ts) => Value::String(ts.to_string()),
        Err(_) => Value::from(epoch_seconds),
    }
}

/// events-stats on the RPC datasets: `meta.accuracy` holds `confidence` and `samplingRate` lists
/// of `{timestamp, value}` (sentry-api.md §13.1); the value is the point's own or, keyed by
/// yAxis, an object of them.
fn rpc_accuracy(accuracy: &Value, y_axis: &str) -> crate::result::Accuracy {
    let mut out = crate::result::Accuracy::default();
    let point = |item: &Value| {
        let value = item.get("value")?;
        let value = value.get(y_axis).unwrap_or(value).clone();
        let time = item.get("timestamp").and_then(Value::as_f64)?;
        // Seconds, or milliseconds where the number is that large.
        let seconds = if time > 1e11 { time / 1000.0 } else { time };
        let at = match time_value(seconds.floor() as i64) {
            Value::String(text) => text,
            other => other.to_string(),
        };
        Some((at, value))
    };
    let list = |key: &str| {
        accuracy
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(point)
            .collect::<Vec<_>>()
    };
    for (at, value) in list("confidence") {
        if value.as_str() == Some("low") {
            out.low_confidence.push(at);
        }
    }
    for (_, value) in list("samplingRate") {
        if let Some(rate) = value.as_f64().filter(|r| *r > 0.0 && *r < 1.0) {
            out.min_sample_rate = Some(out.min_sample_rate.map_or(rate, |m: f64| m.min(rate)));
        }
    }
    out
}
