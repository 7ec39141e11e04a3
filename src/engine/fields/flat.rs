//! Flat trace-item rows (spans, logs): one JSON object per item, keyed by attribute name.

use super::{ExtractError, Projection, Value, parse_timestamp};
use std::borrow::Cow;

impl Projection {
    /// [`Projection::extract`] over a flat trace-item row.
    pub(super) fn extract_flat<'a>(&self, text: &'a [u8]) -> Result<Vec<Value<'a>>, ExtractError> {
        let row: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| ExtractError::BadJson(e.to_string()))?;
        let serde_json::Value::Object(row) = row else {
            return Err(ExtractError::NotAnEvent(match row {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Null => "null",
                _ => "a number",
            }));
        };
        Ok(self
            .names
            .iter()
            .map(|name| flat_value(&row, name))
            .collect())
    }
}

/// Secondary aliases of the trace-item datasets and the attribute they read
/// (spans/attributes.py, ourlogs/attributes.py).
pub(super) const FLAT_ALIASES: &[(&str, &str)] = &[
    ("description", "span.description"),
    ("message", "span.description"),
    ("log.body", "message"),
    ("severity_text", "severity"),
    ("log.severity_text", "severity"),
    ("log.severity_number", "severity_number"),
    ("project.name", "project"),
    ("project.slug", "project"),
];

/// One name's value in a flat row.
pub(super) fn flat_value(
    row: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Value<'static> {
    let (key, typed) = match name.strip_prefix("tags[").and_then(|r| r.strip_suffix(']')) {
        Some(inner) => match inner.rsplit_once(',') {
            Some((key, ty)) => (key.trim(), Some(ty.trim())),
            None => (inner.trim(), Some("string")),
        },
        None => (name, None),
    };
    let found = row
        .get(name)
        .or_else(|| row.get(key))
        .or_else(|| {
            FLAT_ALIASES
                .iter()
                .filter(|(alias, _)| *alias == key)
                .find_map(|(_, primary)| row.get(*primary))
        })
        .filter(|v| !v.is_null());
    let Some(found) = found else {
        return Value::Null;
    };
    if key == "timestamp" && typed.is_none() {
        return match found {
            serde_json::Value::String(s) => {
                parse_timestamp(s).map_or(Value::Null, Value::Timestamp)
            }
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, |secs| {
                Value::Timestamp((secs * 1000.0).round() as i64)
            }),
            _ => Value::Null,
        };
    }
    match (typed, found) {
        (Some("number"), serde_json::Value::String(s)) => {
            s.trim().parse::<f64>().map_or(Value::Null, Value::Float)
        }
        (Some("number"), serde_json::Value::Number(n)) => {
            n.as_f64().map_or(Value::Null, Value::Float)
        }
        (Some("number"), _) => Value::Null,
        (Some("boolean"), serde_json::Value::Bool(b)) => Value::Bool(*b),
        (Some("boolean"), serde_json::Value::String(s)) => match s.as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::Null,
        },
        (Some("boolean"), _) => Value::Null,
        (Some(_), serde_json::Value::String(s)) => Value::Str(Cow::Owned(s.clone())),
        (Some(_), other) => Value::Str(Cow::Owned(other.to_string())),
        (None, other) => json_value(other),
    }
}

/// A JSON member as a [`Value`]: integers stay integers.
pub(super) fn json_value(v: &serde_json::Value) -> Value<'static> {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => n.as_f64().map_or(Value::Null, Value::Float),
        },
        serde_json::Value::String(s) => Value::Str(Cow::Owned(s.clone())),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(json_value).collect()),
        serde_json::Value::Object(_) => Value::Str(Cow::Owned(v.to_string())),
    }
}
