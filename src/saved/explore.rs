//! Explore saved queries in the flat shape the rest of `saved` reads, and back.
//!
//! An Explore saved query (getsentry/sentry: the request serializer
//! `ExploreSavedQuerySerializer` in `src/sentry/explore/endpoints/serializers.py`, the response
//! `ExploreSavedQueryModelSerializer` in `src/sentry/api/serializers/models/exploresavedquery.py`)
//! holds `name`, `projects`, `dataset`, `environment`, `range`/`start`/`end`, `interval`,
//! `crossEvents` and `query`: a **list** of sub-queries, each with `fields`, `orderby`,
//! `groupby`, `query` (the search), `visualize`, `aggregateField`, `aggregateOrderby`, `mode`
//! (`samples` or `aggregate`), `metric` and `caseInsensitive`.
//!
//! One DQL statement is the first sub-query's table: in `samples` mode its `fields` and
//! `orderby`; in `aggregate` mode its `aggregateField` (each `groupBy` a plain column, each
//! `yAxes` entry an aggregate) and `aggregateOrderby`. [`flatten`] writes a query in the shape
//! of a Discover one (`fields`, `orderby`, `query` a string, plus `dataset` and `mode`), every
//! other attribute of the first sub-query as `query[0].KEY` and each further sub-query as
//! `query[N]`, so that [`super::Meaning`] and the decompiler read both sources alike.
//! [`nest`] turns what the decompiler keeps verbatim back into Explore's nesting for
//! `-- @saved`, and [`body`] / [`merge_verbatim`] build the request body of a statement.

use serde_json::{Map, Value, json};

/// Explore's `dataset` values and the DQL dataset each stands for (`ExploreSavedQueryDataset`
/// in getsentry/sentry `src/sentry/explore/models.py`). `segment_spans` (Sentry's own copies of
/// the Discover transaction queries it migrated), `replays` and `ai_conversations` have none.
pub const EXPLORE_DATASETS: &[(&str, &str)] = &[
    ("spans", "spans"),
    ("logs", "logs"),
    ("metrics", "tracemetrics"),
];

/// The DQL dataset of an Explore `dataset`.
pub fn dataset_of_explore(dataset: &str) -> Option<&'static str> {
    super::dql_dataset_in(EXPLORE_DATASETS, dataset)
}

/// The Explore `dataset` of a DQL dataset.
pub fn explore_dataset_of(dataset: &str) -> Option<&'static str> {
    super::sentry_dataset_in(EXPLORE_DATASETS, dataset)
}

/// The attributes of a flattened Explore query the statement expresses.
pub(crate) const EXPRESSED: &[&str] = &[
    "name",
    "fields",
    "query",
    "orderby",
    "environment",
    "projects",
    "range",
    "start",
    "end",
    "dataset",
    "mode",
];

/// Discover's attributes that `ExploreSavedQuerySerializer` has no field for (it would drop
/// them): a migrated query's `-- @saved` may still hold them.
pub(crate) const DISCOVER_ONLY: &[&str] = &[
    "yAxis",
    "display",
    "topEvents",
    "widths",
    "version",
    "queryDataset",
];

/// Whether `query` is in Explore's shape: its `query` a list of sub-queries.
pub fn is_explore(query: &Map<String, Value>) -> bool {
    matches!(query.get("query"), Some(Value::Array(_)))
}

/// The columns an `aggregateField` list gives (each `groupBy`, then each of an entry's
/// `yAxes`, in order), and whether it holds nothing else (no `chartType`, one y axis per entry):
/// then the statement's columns say all of it.
fn table_of(aggregate_field: &Value) -> (Vec<Value>, bool) {
    let mut columns = Vec::new();
    let mut plain = true;
    let Value::Array(entries) = aggregate_field else {
        return (columns, false);
    };
    for entry in entries {
        let Value::Object(entry) = entry else {
            plain = false;
            continue;
        };
        if let Some(group_by) = entry.get("groupBy") {
            columns.push(group_by.clone());
            plain &= entry.len() == 1;
        } else if let Some(Value::Array(y_axes)) = entry.get("yAxes") {
            columns.extend(y_axes.iter().cloned());
            plain &= entry.len() == 1 && y_axes.len() == 1;
        } else {
            plain = false;
        }
    }
    (columns, plain)
}

/// `query` (an Explore saved query) flattened: see the module's description. The request
/// serializer's defaults are filled in (`dataset` `spans`) and dropped (`caseInsensitive`
/// false), so a body and the server's answer to it flatten alike.
pub(crate) fn flatten(query: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in query {
        if key != "query" && !value.is_null() {
            out.insert(key.clone(), value.clone());
        }
    }
    out.entry("dataset").or_insert(json!("spans"));
    let subs: &[Value] = match query.get("query") {
        Some(Value::Array(items)) => items,
        _ => &[],
    };
    for (i, sub) in subs.iter().enumerate() {
        let Value::Object(sub) = sub else {
            out.insert(format!("query[{i}]"), sub.clone());
            continue;
        };
        if i > 0 {
            out.insert(format!("query[{i}]"), Value::Object(sub.clone()));
            continue;
        }
        let aggregate = sub.get("mode").and_then(Value::as_str) == Some("aggregate");
        let sort_key = if aggregate {
            "aggregateOrderby"
        } else {
            "orderby"
        };
        for (key, value) in sub {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "mode" | "query" => {
                    out.insert(key.clone(), value.clone());
                }
                k if k == sort_key => {
                    out.insert("orderby".into(), value.clone());
                }
                "fields" if !aggregate => {
                    out.insert("fields".into(), value.clone());
                }
                "aggregateField" if aggregate => {
                    let (columns, plain) = table_of(value);
                    out.insert("fields".into(), Value::Array(columns));
                    if !plain {
                        out.insert("query[0].aggregateField".into(), value.clone());
                    }
                }
                "caseInsensitive" if *value == Value::Bool(false) => {}
                _ => {
                    out.insert(format!("query[0].{key}"), value.clone());
                }
            }
        }
    }
    out
}

/// Flattened attributes (as [`flatten`] names them) back in Explore's nesting: `query[0].KEY`
/// into the first sub-query, `query[N]` as the N-th.
pub(crate) fn nest(flat: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut subs: Vec<Value> = Vec::new();
    for (key, value) in flat {
        let Some((index, rest)) = key
            .strip_prefix("query[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest)))
        else {
            out.insert(key, value);
            continue;
        };
        while subs.len() <= index {
            subs.push(Value::Object(Map::new()));
        }
        match (rest.strip_prefix('.'), subs.get_mut(index)) {
            (Some(attribute), Some(Value::Object(sub))) => {
                sub.insert(attribute.to_owned(), value);
            }
            (_, Some(slot)) => *slot = value,
            (_, None) => {}
        }
    }
    if !subs.is_empty() {
        out.insert("query".into(), Value::Array(subs));
    }
    out
}

/// The Explore request body of a statement, from its flat body (`name`, `fields`, `query`,
/// `orderby`, `range`/`start`/`end`, `projects`, `environment`) and the Explore `dataset`.
/// `aggregate` says which columns are aggregates: an aggregate statement is Explore's
/// `aggregate` mode (its columns `aggregateField`, its sort `aggregateOrderby`), any other the
/// `samples` mode, unless `mode` (kept in `-- @saved`) says otherwise.
pub(crate) fn body(
    flat: Map<String, Value>,
    dataset: &str,
    aggregate: &[bool],
    mode: Option<&str>,
) -> Map<String, Value> {
    let aggregate_mode = mode.map_or_else(|| aggregate.iter().any(|a| *a), |m| m == "aggregate");
    let mut out = Map::new();
    let mut sub = Map::new();
    for (key, value) in flat {
        match key.as_str() {
            "fields" if aggregate_mode => {
                let columns = value.as_array().cloned().unwrap_or_default();
                let entries: Vec<Value> = columns
                    .into_iter()
                    .zip(aggregate.iter().copied().chain(std::iter::repeat(false)))
                    .map(|(column, is_aggregate)| {
                        if is_aggregate {
                            json!({ "yAxes": [column] })
                        } else {
                            json!({ "groupBy": column })
                        }
                    })
                    .collect();
                sub.insert("aggregateField".into(), Value::Array(entries));
            }
            "orderby" if aggregate_mode => {
                sub.insert("aggregateOrderby".into(), value);
            }
            "fields" | "orderby" | "query" => {
                sub.insert(key, value);
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    let mode = if aggregate_mode {
        "aggregate"
    } else {
        "samples"
    };
    sub.insert("mode".into(), json!(mode));
    out.insert("dataset".into(), json!(dataset));
    out.insert("query".into(), json!([sub]));
    out
}

/// Merges `-- @saved {…}` (Explore's nesting) into `body`: top-level attributes beside the
/// statement's, the first sub-query's attributes into its sub-query, further sub-queries after
/// it. Returns a message for each attribute the statement already gives. An `aggregateField`
/// kept for its chart types must list the statement's columns; it then replaces the one dql
/// writes.
pub(crate) fn merge_verbatim(
    verbatim: Map<String, Value>,
    body: &mut Map<String, Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, value) in verbatim {
        if key == "query" {
            let Value::Array(subs) = value else {
                problems.push(
                    "`query` in `-- @saved` is Explore's list of sub-queries (`[{…}]`)".to_owned(),
                );
                continue;
            };
            merge_sub_queries(subs, body, &mut problems);
            continue;
        }
        let given = key == "dataset"
            || (key != "name" && key != "projects" && body.contains_key(&key))
            || (key == "projects" && body.get("projects").is_some_and(|p| p != &json!([])));
        if given {
            problems.push(format!(
                "`{key}` is given both by the statement and by `-- @saved`"
            ));
            continue;
        }
        body.insert(key, value);
    }
    problems
}

fn merge_sub_queries(subs: Vec<Value>, body: &mut Map<String, Value>, problems: &mut Vec<String>) {
    let Some(Value::Array(own)) = body.get_mut("query") else {
        return;
    };
    for (i, sub) in subs.into_iter().enumerate() {
        if i > 0 {
            own.push(sub);
            continue;
        }
        let (Value::Object(extra), Some(Value::Object(first))) = (sub, own.first_mut()) else {
            problems.push("the first sub-query in `-- @saved` is not a JSON object".to_owned());
            continue;
        };
        for (key, value) in extra {
            match first.get(&key) {
                None => {
                    first.insert(key, value);
                }
                Some(written) if key == "aggregateField" => {
                    let (mine, _) = table_of(written);
                    let (kept, _) = table_of(&value);
                    if mine == kept {
                        first.insert(key, value);
                    } else {
                        problems.push(format!(
                            "the `aggregateField` kept in `-- @saved` (for its chart types) lists {}, the statement selects {}",
                            columns_text(&kept),
                            columns_text(&mine)
                        ));
                    }
                }
                // A mode kept verbatim is the mode the body was built in.
                Some(written) if key == "mode" && *written == value => {}
                Some(_) => problems.push(format!(
                    "`{key}` of the first sub-query is given both by the statement and by `-- @saved`"
                )),
            }
        }
    }
}

fn columns_text(columns: &[Value]) -> String {
    let names: Vec<String> = columns
        .iter()
        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
        .collect();
    format!("`{}`", names.join(", "))
}

/// The first sub-query's `mode` in a `-- @saved` object, when it keeps one.
pub(crate) fn kept_mode(verbatim: &Map<String, Value>) -> Option<&str> {
    verbatim
        .get("query")?
        .as_array()?
        .first()?
        .get("mode")?
        .as_str()
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
    fn aggregate_mode_flattens_to_its_table() {
        let q = object(
            json!({"name": "x", "dataset": "spans", "interval": "1h", "query": [{
            "mode": "aggregate", "query": "span.op:db", "fields": ["id", "span.duration"],
            "orderby": "-timestamp", "caseInsensitive": false,
            "aggregateField": [{"groupBy": "span.op"}, {"yAxes": ["count()"], "chartType": 1}],
            "aggregateOrderby": "-count()"}, {"mode": "samples", "query": ""}]}),
        );
        let flat = flatten(&q);
        assert_eq!(flat["fields"], json!(["span.op", "count()"]));
        assert_eq!(flat["orderby"], json!("-count()"));
        assert_eq!(flat["query"], json!("span.op:db"));
        assert_eq!(flat["mode"], json!("aggregate"));
        assert_eq!(flat["query[0].fields"], json!(["id", "span.duration"]));
        assert_eq!(flat["query[0].orderby"], json!("-timestamp"));
        assert!(flat.contains_key("query[0].aggregateField"), "a chart type");
        assert!(
            !flat.contains_key("query[0].caseInsensitive"),
            "the default"
        );
        assert_eq!(flat["query[1]"], json!({"mode": "samples", "query": ""}));
        let kept: Map<String, Value> = flat
            .into_iter()
            .filter(|(k, _)| !EXPRESSED.contains(&k.as_str()))
            .collect();
        assert_eq!(
            Value::Object(nest(kept)),
            json!({"interval": "1h", "query": [
                {"fields": ["id", "span.duration"], "orderby": "-timestamp",
                 "aggregateField": [{"groupBy": "span.op"}, {"yAxes": ["count()"], "chartType": 1}]},
                {"mode": "samples", "query": ""}]})
        );
    }

    #[test]
    fn a_statement_body_takes_the_mode_of_its_columns() {
        let flat = object(json!({"name": "x", "fields": ["span.op", "count()"],
            "orderby": "-count()", "query": "span.op:db", "range": "24h"}));
        let mut b = body(flat, "spans", &[false, true], None);
        assert_eq!(
            Value::Object(b.clone()),
            json!({"name": "x", "dataset": "spans", "range": "24h", "query": [{
                "mode": "aggregate", "query": "span.op:db", "aggregateOrderby": "-count()",
                "aggregateField": [{"groupBy": "span.op"}, {"yAxes": ["count()"]}]}]})
        );
        let charted = object(json!({"query": [{"aggregateField":
            [{"groupBy": "span.op"}, {"yAxes": ["count()"], "chartType": 1}]}]}));
        assert!(merge_verbatim(charted, &mut b).is_empty());
        assert_eq!(b["query"][0]["aggregateField"][1]["chartType"], json!(1));
        let other =
            object(json!({"query": [{"aggregateField": [{"yAxes": ["p95()"], "chartType": 1}]}]}));
        let problems = merge_verbatim(other, &mut b);
        assert!(problems[0].contains("lists `p95()`"), "{problems:?}");
        let twice = object(json!({"range": "7d", "query": [{"mode": "samples"}]}));
        assert_eq!(merge_verbatim(twice, &mut b).len(), 2);
    }
}
