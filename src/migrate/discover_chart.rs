//! Discover's chart settings in a migrated file's `-- @saved`, in Explore's terms, as Sentry's
//! own migration translates them (getsentry/sentry
//! `src/sentry/explore/translation/discover_translation.py`,
//! `_translate_discover_query_field_to_explore_query_schema`):
//!
//! - `display` becomes the `chartType` of every aggregate's `aggregateField` entry (`CHART_TYPES`:
//!   `default`, `previous`, `top5` and unknown ones → 2, area; `daily`, `dailytop5`, `bar` → 0,
//!   bar), and `daily`/`dailytop5` set `interval` to `1d`. Explore charts every aggregate, so a
//!   `yAxis` naming a selected aggregate needs nothing more.
//! - What has no Explore form is dropped with a warning: a `yAxis` that is not a selected
//!   aggregate (Sentry adds it as a column; dql leaves the statement as written), `topEvents`,
//!   `widths`, `version` and `queryDataset` (Explore's serializer has no field for them).
//!
//! The entries follow the statement's columns, one `groupBy` per plain column and one
//! `yAxes` per aggregate, which is what `push` requires of a kept `aggregateField`.

use serde_json::{Map, Value, json};

/// `CHART_TYPES` of `discover_translation.py`: bar = 0, area = 2.
fn chart_type(display: &str) -> u8 {
    match display {
        "daily" | "dailytop5" | "bar" => 0,
        _ => 2,
    }
}

/// `saved` (a Discover `-- @saved` object) in Explore's nesting, for a statement with
/// `columns` (canonical text, whether it aggregates); and a message for each setting dropped.
pub(crate) fn translate(
    mut saved: Map<String, Value>,
    columns: &[(String, bool)],
) -> (Map<String, Value>, Vec<String>) {
    let mut dropped = Vec::new();
    let display = saved.remove("display");
    let y_axis = saved.remove("yAxis");
    for key in ["topEvents", "widths", "version", "queryDataset"] {
        if saved.remove(key).is_some() {
            dropped.push(format!("`{key}` has no Explore form and was dropped"));
        }
    }
    let y_axes: Vec<String> = match &y_axis {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    for y in &y_axes {
        if !columns.iter().any(|(c, aggregate)| *aggregate && c == y) {
            dropped.push(format!(
                "`yAxis` `{y}` is not a selected aggregate and was dropped: add it to the select list to chart it"
            ));
        }
    }
    if display.is_none() && y_axis.is_none() {
        return (saved, dropped);
    }
    let display = display
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_owned();
    if matches!(display.as_str(), "daily" | "dailytop5") {
        saved.insert("interval".into(), json!("1d"));
    }
    if columns.iter().any(|(_, aggregate)| *aggregate) {
        let entries: Vec<Value> = columns
            .iter()
            .map(|(c, aggregate)| {
                if *aggregate {
                    json!({"yAxes": [c], "chartType": chart_type(&display)})
                } else {
                    json!({ "groupBy": c })
                }
            })
            .collect();
        let mut first = Map::new();
        first.insert("aggregateField".into(), Value::Array(entries));
        saved.insert("query".into(), json!([first]));
    } else {
        dropped.push(format!(
            "`display` `{display}` was dropped: a query without aggregates is an Explore samples table"
        ));
    }
    (saved, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn daily_top_events_are_bars_by_day_and_top_events_go() {
        let columns = [
            ("transaction".to_owned(), false),
            ("count()".to_owned(), true),
        ];
        let saved = object(json!({"display": "dailytop5", "topEvents": 5, "yAxis": ["count()"]}));
        let (out, dropped) = translate(saved, &columns);
        assert_eq!(
            Value::Object(out),
            json!({"interval": "1d", "query": [{"aggregateField": [
                {"groupBy": "transaction"}, {"yAxes": ["count()"], "chartType": 0}]}]})
        );
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert!(dropped[0].contains("topEvents"));
    }
}
