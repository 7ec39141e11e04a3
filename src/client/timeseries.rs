//! events-timeseries answers turned into the same rows of time buckets as events-stats ones
//! ([`super::stats`]): a `time` column plus one column per yAxis, per group, or per group and
//! yAxis (`"<group>: <yAxis>"`), so both endpoints give one series result.
//!
//! The shape is Sentry's `StatsResponse` (getsentry/sentry
//! `src/sentry/api/endpoints/timeseries.py`, filled by `serialize_timeseries` in
//! `organization_events_timeseries.py`): `{"meta": {dataset, start, end}, "timeSeries":
//! [{"yAxis", "groupBy": [{key, value}], "meta": {order, isOther, valueType, valueUnit,
//! interval, dataScanned}, "values": [{timestamp (ms), value, incomplete, incompleteReason,
//! comparisonValue, sampleCount, sampleRate, confidence}]}]}`.

use super::stats::{Table, time_value};
use crate::answer::TIME_COLUMN;
use crate::lower::compare::PREVIOUS;
use crate::result::{Accuracy, Meta, Row};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The name of the "Other" series of a top-n request, as events-stats keys it.
const OTHER: &str = "Other";

/// Converts an events-timeseries body.
pub(crate) fn to_table(body: &Value) -> Result<Table, String> {
    let series = body
        .get("timeSeries")
        .and_then(Value::as_array)
        .ok_or("events-timeseries answered without a `timeSeries` list")?;
    let mut ordered: Vec<(i64, &Map<String, Value>)> = Vec::new();
    for item in series {
        let item = item
            .as_object()
            .ok_or("a member of `timeSeries` is not an object")?;
        let order = item
            .get("meta")
            .and_then(|m| m.get("order"))
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX);
        ordered.push((order, item));
    }
    // Stable: series of one group (one per yAxis) keep the order Sentry sent them in.
    ordered.sort_by_key(|(order, _)| *order);

    let mut meta = Meta::default();
    meta.fields
        .insert(TIME_COLUMN.to_owned(), "date".to_owned());
    meta.units.insert(TIME_COLUMN.to_owned(), None);
    let mut names: Vec<String> = Vec::new();
    let mut buckets: BTreeMap<i64, Row> = BTreeMap::new();
    for (_, item) in ordered {
        let y_axis = item
            .get("yAxis")
            .and_then(Value::as_str)
            .ok_or("a series has no `yAxis`")?;
        let series_meta = item.get("meta");
        let name = match group_key(item) {
            Some(group) => format!("{group}: {y_axis}"),
            None => y_axis.to_owned(),
        };
        if names.contains(&name) {
            return Err(format!("two series are both called `{name}`"));
        }
        if let Some(kind) = series_meta
            .and_then(|m| m.get("valueType"))
            .and_then(Value::as_str)
        {
            meta.fields.insert(name.clone(), kind.to_owned());
        }
        if let Some(unit) = series_meta.and_then(|m| m.get("valueUnit")) {
            meta.units
                .insert(name.clone(), unit.as_str().map(str::to_owned));
        }
        if series_meta
            .and_then(|m| m.get("dataScanned"))
            .and_then(Value::as_str)
            == Some("partial")
        {
            meta.accuracy.partial_scan = true;
        }
        let values = item
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("the series `{name}` has no `values` list"))?;
        let mut accuracy = Accuracy::default();
        let mut compared = false;
        for point in values {
            let time = point
                .get("timestamp")
                .and_then(Value::as_f64)
                .filter(|t| t.is_finite())
                .ok_or_else(|| format!("a point of `{name}` has no numeric `timestamp`"))?;
            let time = (time / 1000.0).floor() as i64;
            let value = point.get("value").cloned().unwrap_or(Value::Null);
            let at = || match time_value(time) {
                Value::String(text) => text,
                other => other.to_string(),
            };
            if point.get("incomplete").and_then(Value::as_bool) == Some(true) {
                accuracy.incomplete.push(at());
            }
            if point.get("confidence").and_then(Value::as_str) == Some("low") {
                accuracy.low_confidence.push(at());
            }
            if let Some(rate) = point.get("sampleRate").and_then(Value::as_f64)
                && rate < 1.0
                && rate > 0.0
            {
                accuracy.min_sample_rate =
                    Some(accuracy.min_sample_rate.map_or(rate, |m: f64| m.min(rate)));
            }
            let bucket = buckets.entry(time).or_default();
            bucket.insert(name.clone(), value);
            // COMPARE TO: the value `comparisonDelta` earlier.
            if let Some(previous) = point.get("comparisonValue") {
                bucket.insert(format!("{name}{PREVIOUS}"), previous.clone());
                compared = true;
            }
        }
        meta.accuracy.merge(&accuracy);
        if compared {
            let previous = format!("{name}{PREVIOUS}");
            if let Some(kind) = meta.fields.get(&name).cloned() {
                meta.fields.insert(previous.clone(), kind);
            }
            if let Some(unit) = meta.units.get(&name).cloned() {
                meta.units.insert(previous.clone(), unit);
            }
            names.push(name);
            names.push(previous);
        } else {
            names.push(name);
        }
    }
    let rows = buckets
        .into_iter()
        .map(|(time, values)| {
            let mut row = Row::new();
            row.insert(TIME_COLUMN.to_owned(), time_value(time));
            for name in &names {
                row.insert(
                    name.clone(),
                    values.get(name).cloned().unwrap_or(Value::Null),
                );
            }
            row
        })
        .collect();
    let mut columns = vec![TIME_COLUMN.to_owned()];
    columns.extend(names);
    Ok(Table {
        columns,
        rows,
        meta,
    })
}

/// The group a series belongs to, keyed as events-stats keys it: the group-by values joined
/// with `,` (a null is `None`), `Other` for the rest (`meta.isOther`). `None` for a series of
/// no group.
fn group_key(item: &Map<String, Value>) -> Option<String> {
    let other = item
        .get("meta")
        .and_then(|m| m.get("isOther"))
        .and_then(Value::as_bool)
        == Some(true);
    if other {
        return Some(OTHER.to_owned());
    }
    let groups = item.get("groupBy").and_then(Value::as_array)?;
    if groups.is_empty() {
        return None;
    }
    let values: Vec<String> = groups
        .iter()
        .map(|g| match g.get("value") {
            Some(Value::String(text)) => text.clone(),
            None | Some(Value::Null) => "None".to_owned(),
            Some(other) => other.to_string(),
        })
        .collect();
    Some(values.join(","))
}
