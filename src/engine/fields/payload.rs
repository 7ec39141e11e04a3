//! The nested members (`user`, `sdk`, `contexts`, `entries`, …) as serde_json reads them,
//! into small borrowed structs.

use super::Value;
use super::member::{Extracted, parse_member, scalar};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A member kept as its raw JSON text (serde_json reads it as a `&RawValue`).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Raw<'a>(pub(super) &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(deserializer).map(|raw| Raw(raw.get()))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct User<'a> {
    #[serde(borrow)]
    pub(super) id: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) email: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) username: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) ip_address: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) geo: Option<Raw<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Sdk<'a> {
    #[serde(borrow)]
    pub(super) name: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) version: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReleaseObject<'a> {
    #[serde(borrow)]
    pub(super) version: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Contexts<'a> {
    #[serde(borrow)]
    pub(super) trace: Option<TraceContext<'a>>,
    #[serde(borrow)]
    pub(super) browser: Option<NamedContext<'a>>,
    #[serde(borrow)]
    pub(super) os: Option<NamedContext<'a>>,
    #[serde(borrow)]
    pub(super) client_os: Option<NamedContext<'a>>,
    #[serde(borrow)]
    pub(super) device: Option<Raw<'a>>,
    #[serde(borrow)]
    pub(super) response: Option<Raw<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TraceContext<'a> {
    #[serde(borrow)]
    pub(super) op: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) status: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) trace_id: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) span_id: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) parent_span_id: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NamedContext<'a> {
    #[serde(borrow)]
    pub(super) name: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) build: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) kernel_version: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) distribution_name: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) distribution_version: Option<Value<'a>>,
}

/// The scalar `member` of a JSON object held raw (`contexts.device`, `user.geo`,
/// `contexts.response`); missing when absent, not a scalar, or the object is not one.
pub(super) fn object_member<'a>(
    raw: Option<Raw<'a>>,
    member: &str,
    name: &'static str,
) -> Extracted<'a> {
    let Some(raw) = raw else {
        return Ok(Value::Null);
    };
    let object: Option<std::collections::BTreeMap<Cow<'a, str>, &'a RawValue>> =
        parse_member(Some(raw.0), name)?;
    Ok(object
        .and_then(|o| o.get(member).map(|v| scalar(v.get()).ok().flatten()))
        .flatten()
        .unwrap_or(Value::Null))
}

#[derive(Deserialize)]
pub(super) struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(super) data: Option<Raw<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExceptionData<'a> {
    #[serde(borrow)]
    pub(super) values: Option<Vec<Exception<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Exception<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) value: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) mechanism: Option<Mechanism<'a>>,
    #[serde(borrow)]
    pub(super) stacktrace: Option<Stacktrace<'a>>,
}

/// [`ExceptionData`] without the stack traces, read for the fields that do not look at frames
/// (`error.*`): a malformed frame then fails only the `stack.*` fields, as a malformed member
/// fails only the fields that read it, and the frames, most of an exception's text, are only
/// skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExceptionHeads<'a> {
    #[serde(borrow)]
    pub(super) values: Option<Vec<ExceptionHead<'a>>>,
}

/// An [`Exception`] without its `stacktrace` (ignored, as an unknown member is).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ExceptionHead<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) value: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) mechanism: Option<Mechanism<'a>>,
}

impl<'a> From<ExceptionHead<'a>> for Exception<'a> {
    fn from(head: ExceptionHead<'a>) -> Self {
        Exception {
            kind: head.kind,
            value: head.value,
            mechanism: head.mechanism,
            stacktrace: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Mechanism<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Option<Value<'a>>,
    pub(super) handled: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Stacktrace<'a> {
    #[serde(borrow)]
    pub(super) frames: Option<Vec<Frame<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Frame<'a> {
    #[serde(borrow)]
    pub(super) filename: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) function: Option<Value<'a>>,
    #[serde(rename = "absPath", alias = "abs_path", borrow)]
    pub(super) abs_path: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) module: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) package: Option<Value<'a>>,
    #[serde(rename = "inApp", alias = "in_app")]
    pub(super) in_app: Option<bool>,
    #[serde(rename = "lineNo", alias = "lineno")]
    pub(super) line_no: Option<i64>,
    #[serde(rename = "colNo", alias = "colno")]
    pub(super) col_no: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Request<'a> {
    #[serde(borrow)]
    pub(super) method: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) url: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Measurement {
    pub(super) value: Option<f64>,
}
