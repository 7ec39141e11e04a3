//! Reading one member's raw text into a [`Value`], and the errors of malformed members.

use super::{ExtractError, Value, parse_timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

pub(super) type Extracted<'a> = Result<Value<'a>, ExtractError>;

pub(super) fn parse_member<'a, T: Deserialize<'a> + Default>(
    raw: Option<&'a str>,
    member: &'static str,
) -> Result<T, ExtractError> {
    match raw {
        None => Ok(T::default()),
        Some("null") => Ok(T::default()),
        Some(raw) => serde_json::from_str(raw).map_err(|e| ExtractError::BadMember {
            member,
            message: e.to_string(),
        }),
    }
}

/// A scalar member as serde_json would read it into `Option<Value>` (`null` is `None`), with
/// the common cases done without it.
pub(super) fn scalar(raw: &str) -> Result<Option<Value<'_>>, serde_json::Error> {
    match raw {
        "null" => return Ok(None),
        "true" => return Ok(Some(Value::Bool(true))),
        "false" => return Ok(Some(Value::Bool(false))),
        _ => {}
    }
    if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'))
        && inner.bytes().all(|b| b != b'\\' && b != b'"' && b >= 0x20)
    {
        return Ok(Some(Value::Str(Cow::Borrowed(inner))));
    }
    serde_json::from_str(raw)
}

/// A member Sentry's event JSON always gives as a string (or null): anything else is a
/// malformed event, never silently turned into text.
pub(super) fn text_member<'a>(value: Option<&Value<'a>>, member: &'static str) -> Extracted<'a> {
    match value {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v @ Value::Str(_)) => Ok(v.clone()),
        Some(other) => Err(ExtractError::BadMember {
            member,
            message: format!("expected a string, found {}", json_kind(other)),
        }),
    }
}

pub(super) fn json_kind(value: &Value<'_>) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) | Value::Timestamp(_) => "a number",
        Value::Str(_) => "a string",
        Value::Array(_) => "an array",
    }
}

/// The top-level members read as scalars: a valid event whose one of these holds an object is
/// a malformed member, not invalid JSON.
pub(super) const SCALAR_MEMBERS: [&str; 12] = [
    "id",
    "eventID",
    "groupID",
    "projectID",
    "projectSlug",
    "title",
    "message",
    "type",
    "platform",
    "culprit",
    "location",
    "dist",
];

/// Why serde_json could not read `text` as an event: invalid JSON, or (the JSON being valid)
/// a member of the wrong shape.
pub(super) fn top_error(text: &[u8], error: serde_json::Error) -> ExtractError {
    // A repeated member is the JSON's own fault (RFC 8259 wants names unique).
    if error.to_string().starts_with("duplicate field") {
        return ExtractError::BadJson(error.to_string());
    }
    let Ok(members) = serde_json::from_slice::<std::collections::BTreeMap<String, &RawValue>>(text)
    else {
        return ExtractError::BadJson(error.to_string());
    };
    let member = SCALAR_MEMBERS
        .iter()
        .find(|name| {
            members
                .get(**name)
                .is_some_and(|raw| raw.get().trim_start().starts_with('{'))
        })
        .copied()
        .unwrap_or("event");
    ExtractError::BadMember {
        member,
        message: if member == "event" {
            error.to_string()
        } else {
            "expected a string, number or boolean, found an object".to_owned()
        },
    }
}

pub(super) fn or_null<'a>(value: Option<&Value<'a>>) -> Value<'a> {
    value.cloned().unwrap_or(Value::Null)
}

/// Missing, null and empty text all count as absent for fallbacks (Sentry stores "" for them).
pub(super) fn present<'b, 'a>(value: Option<&'b Value<'a>>) -> Option<&'b Value<'a>> {
    value.filter(|v| match v {
        Value::Null => false,
        Value::Str(s) => !s.is_empty(),
        _ => true,
    })
}

pub(super) fn as_text_value<'a>(value: &Value<'a>) -> Value<'a> {
    match value {
        Value::Null | Value::Str(_) => value.clone(),
        other => Value::Str(Cow::Owned(other.as_text().into_owned())),
    }
}

pub(super) fn as_int_value<'a>(value: Option<&Value<'a>>) -> Value<'a> {
    match value {
        Some(Value::Str(s)) => s
            .parse::<i64>()
            .map_or_else(|_| Value::Str(s.clone()), Value::Int),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

pub(super) fn floor_timestamp(value: Value<'_>, step: i64) -> Value<'_> {
    match value {
        Value::Timestamp(t) => Value::Timestamp(t.div_euclid(step).saturating_mul(step)),
        other => other,
    }
}

/// A date member: an ISO 8601 string or a number of epoch seconds.
pub(super) fn date_member<'a>(raw: Option<&'a str>, member: &'static str) -> Extracted<'a> {
    let value = match raw {
        None => None,
        Some(raw) => scalar(raw).map_err(|e| ExtractError::BadMember {
            member,
            message: e.to_string(),
        })?,
    };
    match value {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::Str(text)) => {
            parse_timestamp(&text)
                .map(Value::Timestamp)
                .ok_or_else(|| ExtractError::BadMember {
                    member,
                    message: format!("`{text}` is not an ISO 8601 date"),
                })
        }
        Some(Value::Int(secs)) => Ok(Value::Timestamp(secs.saturating_mul(1000))),
        Some(Value::Float(secs)) => Ok(Value::Timestamp((secs * 1000.0).round() as i64)),
        Some(_) => Err(ExtractError::BadMember {
            member,
            message: "expected a date string or epoch seconds".to_owned(),
        }),
    }
}
