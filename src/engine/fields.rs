//! Field extraction: which catalog field reads which part of a Sentry event payload, the
//! [`Value`] a field yields, and [`Projection`], which pulls only the needed fields from one
//! event's JSON text.
//!
//! Speed comes from three things. The top level of an event is split into borrowed raw member
//! slices by the validating scanner of `scan.rs` (serde_json reads the rare line it gives up
//! on, with the same result or error), so unneeded members are only skipped over, never
//! built; `tags` is walked once for every tag key the projection reads; and a member such as
//! `entries` or `contexts` is parsed a second time, into small borrowed structs, only when a
//! requested field lives there. Strings without escapes borrow from the line.

use super::scan;
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// One field's value in one event.
///
/// Strings borrow from the event text when they can ([`Value::into_owned`] detaches them).
/// Array fields (`error.type`, `stack.*`) are [`Value::Array`]. A missing field is
/// [`Value::Null`]; text comparisons treat it as `""` ([`Value::as_text`]), as Sentry does.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    /// Missing.
    Null,
    /// `error.handled`, `stack.in_app`.
    Bool(bool),
    /// Integers: `transaction.duration` (ms), `project.id`, `issue.id`, `stack.lineno`.
    Int(i64),
    /// Other numbers: `measurements.*`, `tags[x,number]`.
    Float(f64),
    /// Text.
    Str(Cow<'a, str>),
    /// A date as milliseconds since the Unix epoch (UTC): `timestamp`, `error.received`.
    Timestamp(i64),
    /// An array field.
    Array(Vec<Value<'a>>),
}

impl<'a> Value<'a> {
    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Timestamp(t) => Value::Timestamp(t),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
        }
    }

    /// Whether the value is missing.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a number: integers, floats and timestamps (epoch ms); `None` otherwise.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Timestamp(t) => Some(*t as f64),
            _ => None,
        }
    }

    /// The value as text for string comparisons: missing is `""` (Sentry's two-valued logic),
    /// booleans are `true`/`false`, numbers print as JSON does, dates as ISO 8601.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Str(s) => Cow::Borrowed(s.as_ref()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Timestamp(t) => Cow::Owned(format_timestamp(*t)),
            Value::Array(items) => Cow::Owned(
                items
                    .iter()
                    .map(|v| v.as_text().into_owned())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        }
    }

    /// The value as Sentry's API would put it in a result row (dates as
    /// `2026-11-19T23:59:59+00:00`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Timestamp(t) => serde_json::Value::String(format_timestamp(*t)),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 2,
            Value::Timestamp(_) => 3,
            Value::Str(_) => 4,
            Value::Array(_) => 5,
        }
    }
}

/// Formats epoch milliseconds as Sentry's API does (`2026-11-19T23:59:59+00:00`).
pub fn format_timestamp(millis: i64) -> String {
    match Timestamp::from_millisecond(millis) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        Err(_) => millis.to_string(),
    }
}

/// Parses an ISO 8601 / RFC 3339 instant into epoch milliseconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    text.parse::<Timestamp>()
        .ok()
        .map(Timestamp::as_millisecond)
}

// Values are compared totally so they can be group keys and sort keys: floats by `total_cmp`,
// integers and floats numerically with integers first on a tie, kinds in `rank` order.
impl Ord for Value<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::Int(a), Value::Float(b)) => (*a as f64).total_cmp(b).then(Ordering::Less),
            (Value::Float(a), Value::Int(b)) => a.total_cmp(&(*b as f64)).then(Ordering::Greater),
            (Value::Timestamp(a), Value::Timestamp(b)) => a.cmp(b),
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            (Value::Array(a), Value::Array(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value<'_> {}

impl Hash for Value<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Int and Float never compare equal (see `cmp`), so their hashes need not agree.
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) | Value::Timestamp(i) => i.hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            Value::Str(s) => s.hash(state),
            Value::Array(items) => items.hash(state),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean, null or array")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value<'de>>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
}

/// A catalog field as the local engine reads it from an event payload.
///
/// [`Field::resolve`] maps a field name to one of these; see the README section "Where each field is read from".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `id`: `eventID` (else `id`).
    Id,
    /// `issue.id` / `issue`: `groupID` as an integer (the issue of FROM issues).
    IssueId,
    /// `project` / `project.name`: `projectSlug`, else `projectID`.
    Project,
    /// `project.id`: `projectID` as an integer.
    ProjectId,
    /// `timestamp`: `dateCreated` (else `datetime`, else `endTimestamp`).
    Timestamp,
    /// `timestamp.to_hour`: the timestamp floored to the hour.
    TimestampToHour,
    /// `timestamp.to_day`: the timestamp floored to the day.
    TimestampToDay,
    /// `error.received`: `dateReceived`.
    Received,
    /// `event.type`: `type`.
    EventType,
    /// `title`.
    Title,
    /// `message`: `message`, or `title` when the message is empty.
    Message,
    /// `culprit`.
    Culprit,
    /// `location`.
    Location,
    /// `dist`.
    Dist,
    /// `platform.name` / `platform`.
    Platform,
    /// `release`: the `release` tag, else `release.version` (or a string `release`).
    Release,
    /// `transaction`: the `transaction` tag, else the title of a transaction event.
    Transaction,
    /// `user`: the `user` tag, else `id:…`, `username:…`, `email:…` or `ip:…` from `user`.
    User,
    /// `user.id`.
    UserId,
    /// `user.email`.
    UserEmail,
    /// `user.username`.
    UserUsername,
    /// `user.ip`: `user.ip_address`.
    UserIp,
    /// `user.display`: coalesce(email, username, id, ip).
    UserDisplay,
    /// `error.type`: the exception values' `type` (array).
    ErrorType,
    /// `error.value`: the exception values' `value` (array).
    ErrorValue,
    /// `error.mechanism`: the exception values' `mechanism.type` (array).
    ErrorMechanism,
    /// `error.handled`: one boolean per event: every exception's `mechanism.handled` is not
    /// `false` (an exception without a mechanism counts as handled).
    ErrorHandled,
    /// `error.unhandled`: whether any exception has `mechanism.handled: false`.
    ErrorUnhandled,
    /// `stack.*`: a member of every frame of every exception (array).
    Stack(StackField),
    /// `http.method`: the request entry's `method`.
    HttpMethod,
    /// `http.url`: the request entry's `url`.
    HttpUrl,
    /// `transaction.duration`: `(endTimestamp − startTimestamp)` in whole milliseconds.
    TransactionDuration,
    /// `transaction.op`: `contexts.trace.op`.
    TransactionOp,
    /// `transaction.status`: `contexts.trace.status`.
    TransactionStatus,
    /// `trace`: `contexts.trace.trace_id`.
    Trace,
    /// `trace.span`: `contexts.trace.span_id`.
    TraceSpan,
    /// `trace.parent_span`: `contexts.trace.parent_span_id`.
    TraceParentSpan,
    /// `measurements.<name>`: `measurements.<name>.value`.
    Measurement(String),
    /// `sdk.name`.
    SdkName,
    /// `sdk.version`.
    SdkVersion,
    /// `browser.name`: the tag, else `contexts.browser.name`.
    BrowserName,
    /// `os.name`: the tag, else `contexts.os.name` (or `client_os`).
    OsName,
    /// `geo.*`: a member of `user.geo` (Sentry's `geo_*` columns come from the user's geo).
    Geo(&'static str),
    /// `device.*`: a member of `contexts.device`.
    Device(String),
    /// `os.build`, `os.kernel_version`, `os.distribution_name`, `os.distribution_version`: a
    /// member of `contexts.os`.
    Os(&'static str),
    /// `http.status_code`: `contexts.response.status_code`, else the `http.status_code` tag.
    HttpStatusCode,
    /// `spans.<op>`: the span-op breakdown `breakdowns.span_ops.ops.<op>.value`
    /// (`spans.total.time`: `breakdowns.span_ops.total.time.value`).
    Breakdown(String),
    /// `measurements.frames_slow_rate` / `frames_frozen_rate`: that frame count over
    /// `frames_total` (missing when there are no frames), as Sentry's field alias computes it.
    FramesRate(&'static str),
    /// `measurements.stall_percentage`: `stall_total_time` over `transaction.duration`.
    StallPercentage,
    /// What `message:` and free text search: message, title and culprit (Sentry's
    /// `search_message`), case-insensitively.
    SearchMessage,
    /// `tags[x]` and every other name: the tag's value as text.
    Tag(String),
    /// `tags[x,number]`: the tag's value as a number.
    TagNumber(String),
}

/// A member of a stack frame, for the `stack.*` fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StackField {
    /// `stack.filename`.
    Filename,
    /// `stack.function`.
    Function,
    /// `stack.abs_path`: `absPath`.
    AbsPath,
    /// `stack.module`.
    Module,
    /// `stack.package`.
    Package,
    /// `stack.in_app`: `inApp`.
    InApp,
    /// `stack.lineno`: `lineNo`.
    LineNo,
    /// `stack.colno`: `colNo`.
    ColNo,
}

/// The projection name of what `message:` and free text search (never a tag name: tags hold
/// no spaces).
pub(crate) const SEARCH_MESSAGE: &str = "message (searched)";

/// The `contexts.device` members Sentry's `device.*` columns read
/// (`src/sentry/snuba/events.py`, `contexts[device.*]`).
const DEVICE_MEMBERS: &[&str] = &[
    "arch",
    "battery_level",
    "brand",
    "charging",
    "locale",
    "model_id",
    "name",
    "online",
    "orientation",
    "simulator",
    "uuid",
    "screen_density",
    "screen_dpi",
    "screen_height_pixels",
    "screen_width_pixels",
];

/// Catalog fields a Sentry event payload does not hold as Sentry reads them (computed at
/// query time, held in other storage, or with no payload member): the engine refuses them
/// (`dql::engine::not_supported_locally`) rather than read a tag of that name and answer blank.
pub(crate) const UNREADABLE: &[&str] = &[
    // Sentry answers the issue's short id (`PROJ-1A`), which the payload does not hold.
    "issue",
    "release.version",
    "release.build",
    "release.package",
    "release.stage",
    "http.referer",
    "device.class",
    "trace.client_sample_rate",
    "trace.sampled",
    "stack.resource",
    "stack.stack_level",
    "symbolicated_in_app",
    "reprocessing.original_issue_id",
    "error.main_thread",
    "num_processing_errors",
    "replay.id",
    "profile.id",
    "transaction.source",
    "performance.issue_ids",
    "team_key_transaction",
    "total.count",
    "total.transaction_duration",
    "precise.start_ts",
    "precise.finish_ts",
    // Search keys that are not columns: `time` is Snuba's bucketed time, `is_application` a
    // condition Sentry builds on the frames' in-app flags, neither a payload member.
    "time",
    "is_application",
];

/// Whether the engine refuses the field `name` (see [`UNREADABLE`]).
pub(crate) fn unreadable(name: &str) -> bool {
    UNREADABLE.contains(&name) || name.starts_with("measurements.score.weight.")
}

impl Field {
    /// The field a name reads. Never fails: a name the engine does not know reads the tag of
    /// that name, as Sentry resolves unknown keys.
    pub fn resolve(name: &str) -> Field {
        if let Some(inner) = name.strip_prefix("tags[").and_then(|r| r.strip_suffix(']')) {
            return match inner.split_once(',') {
                Some((key, kind)) if kind.trim() == "number" => {
                    Field::TagNumber(key.trim().to_owned())
                }
                Some((key, _)) => Field::Tag(key.trim().to_owned()),
                None => Field::Tag(inner.trim().to_owned()),
            };
        }
        match name {
            "measurements.frames_slow_rate" => return Field::FramesRate("frames_slow"),
            "measurements.frames_frozen_rate" => return Field::FramesRate("frames_frozen"),
            "measurements.stall_percentage" => return Field::StallPercentage,
            _ => {}
        }
        if let Some(measurement) = name.strip_prefix("measurements.") {
            return Field::Measurement(measurement.to_owned());
        }
        if let Some(op) = name.strip_prefix("spans.").filter(|op| !op.is_empty()) {
            return Field::Breakdown(op.to_owned());
        }
        if let Some(member) = name
            .strip_prefix("device.")
            .filter(|m| DEVICE_MEMBERS.contains(m))
        {
            return Field::Device(member.to_owned());
        }
        match name {
            "id" => Field::Id,
            "issue.id" | "issue" => Field::IssueId,
            "project" | "project.name" => Field::Project,
            // `project_id` is the search key of `project.id` (sentry-api.md §1.6).
            "project.id" | "project_id" => Field::ProjectId,
            "timestamp" => Field::Timestamp,
            "timestamp.to_hour" => Field::TimestampToHour,
            "timestamp.to_day" => Field::TimestampToDay,
            "error.received" => Field::Received,
            "event.type" => Field::EventType,
            "title" => Field::Title,
            "message" => Field::Message,
            "culprit" => Field::Culprit,
            "location" => Field::Location,
            "dist" => Field::Dist,
            "platform.name" | "platform" => Field::Platform,
            "release" => Field::Release,
            "transaction" => Field::Transaction,
            "user" => Field::User,
            "user.id" => Field::UserId,
            "user.email" => Field::UserEmail,
            "user.username" => Field::UserUsername,
            "user.ip" => Field::UserIp,
            "user.display" => Field::UserDisplay,
            "error.type" => Field::ErrorType,
            "error.value" => Field::ErrorValue,
            "error.mechanism" => Field::ErrorMechanism,
            "error.handled" => Field::ErrorHandled,
            "error.unhandled" => Field::ErrorUnhandled,
            "stack.filename" => Field::Stack(StackField::Filename),
            "stack.function" => Field::Stack(StackField::Function),
            "stack.abs_path" => Field::Stack(StackField::AbsPath),
            "stack.module" => Field::Stack(StackField::Module),
            "stack.package" => Field::Stack(StackField::Package),
            "stack.in_app" => Field::Stack(StackField::InApp),
            "stack.lineno" => Field::Stack(StackField::LineNo),
            "stack.colno" => Field::Stack(StackField::ColNo),
            "http.method" => Field::HttpMethod,
            "http.url" => Field::HttpUrl,
            "transaction.duration" => Field::TransactionDuration,
            "transaction.op" => Field::TransactionOp,
            "transaction.status" => Field::TransactionStatus,
            "trace" => Field::Trace,
            "trace.span" => Field::TraceSpan,
            "trace.parent_span" => Field::TraceParentSpan,
            "sdk.name" => Field::SdkName,
            "sdk.version" => Field::SdkVersion,
            "browser.name" => Field::BrowserName,
            "os.name" => Field::OsName,
            "os.build" => Field::Os("build"),
            "os.kernel_version" => Field::Os("kernel_version"),
            "os.distribution_name" => Field::Os("distribution_name"),
            "os.distribution_version" => Field::Os("distribution_version"),
            "geo.country_code" => Field::Geo("country_code"),
            "geo.region" => Field::Geo("region"),
            "geo.city" => Field::Geo("city"),
            "geo.subdivision" => Field::Geo("subdivision"),
            "http.status_code" => Field::HttpStatusCode,
            SEARCH_MESSAGE => Field::SearchMessage,
            other => Field::Tag(other.to_owned()),
        }
    }
}

/// The fields one query needs, in the order the evaluator wants them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    names: Vec<String>,
    fields: Vec<Field>,
    /// Every tag key a field may read, looked up together in one pass over `tags`.
    tag_keys: Vec<String>,
    /// The scalar top-level members the fields read, as bits of [`Top::scan`]'s numbering;
    /// the scanner only checks that the others would parse.
    scalars: u32,
    /// Rows of a trace-item dataset (spans, logs): one flat object per item, keyed by the
    /// attribute names, instead of Sentry event payloads (see [`Projection::flat_rows`]).
    flat: bool,
}

/// Why one event could not be read; the reader adds the file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtractError {
    /// Not valid JSON (serde_json's message).
    BadJson(String),
    /// Valid JSON but not an object; says what it is.
    NotAnEvent(&'static str),
    /// A member needed by the projection has an unexpected shape.
    BadMember {
        /// The top-level member.
        member: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Projection {
    /// A projection of `names`, resolved with [`Field::resolve`].
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
        let fields: Vec<Field> = names.iter().map(|n| Field::resolve(n)).collect();
        let mut tag_keys: Vec<String> = Vec::new();
        for field in &fields {
            let key = match field {
                Field::Release => "release",
                Field::Transaction => "transaction",
                Field::User => "user",
                Field::BrowserName => "browser.name",
                Field::OsName => "os.name",
                Field::HttpStatusCode => "http.status_code",
                Field::Tag(key) | Field::TagNumber(key) => key.as_str(),
                _ => continue,
            };
            if !tag_keys.iter().any(|k| k == key) {
                tag_keys.push(key.to_owned());
            }
        }
        let scalars = fields.iter().fold(0u32, |mask, field| {
            mask | match field {
                Field::Id => 0b11,
                Field::IssueId => 1 << 2,
                Field::Project => (1 << 3) | (1 << 4),
                Field::ProjectId => 1 << 3,
                Field::Title => 1 << 5,
                Field::Message => (1 << 5) | (1 << 6),
                Field::SearchMessage => (1 << 5) | (1 << 6) | (1 << 9),
                Field::EventType => 1 << 7,
                Field::Transaction => (1 << 5) | (1 << 7),
                Field::Platform => 1 << 8,
                Field::Culprit => 1 << 9,
                Field::Location => 1 << 10,
                Field::Dist => 1 << 11,
                _ => 0,
            }
        });
        Projection {
            names,
            fields,
            tag_keys,
            scalars,
            flat: false,
        }
    }

    /// A projection of `names` over exported trace-item rows (spans, logs): each line one
    /// JSON object keyed by attribute name, as a row of `/events/?dataset=spans` is
    /// (`{"span.op": "db", "span.duration": 12.5, "timestamp": "2026-…", "project": "api",
    /// "is_transaction": false, "cache.hit": true, …}`). A name reads the member of that name;
    /// `tags[x]`, `tags[x,string]`, `tags[x,number]` and `tags[x,boolean]` read the member
    /// `x` (or the member spelled as written); Sentry's secondary aliases read their primary
    /// attribute (`description` and `message` on spans are `span.description`, `log.body` is
    /// `message`). `timestamp` is an ISO 8601 date or epoch seconds.
    pub fn flat_rows<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut projection = Projection::new(names);
        projection.flat = true;
        projection
    }

    /// The field names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The resolved fields, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The position of `name`, if projected.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Extracts the projected fields from one event's JSON text, in projection order.
    pub fn extract<'a>(&self, text: &'a [u8]) -> Result<Vec<Value<'a>>, ExtractError> {
        self.extract_with(text, true)
    }

    /// [`Projection::extract`], with the fast scanners or with serde_json alone (`fast` false:
    /// the reference the tests compare the scanners with).
    fn extract_with<'a>(&self, text: &'a [u8], fast: bool) -> Result<Vec<Value<'a>>, ExtractError> {
        if self.flat {
            return self.extract_flat(text);
        }
        let first = text.iter().copied().find(|b| !b.is_ascii_whitespace());
        let found = match first {
            Some(b'{') => None,
            Some(b'[') => Some("an array"),
            Some(b'"') => Some("a string"),
            Some(b't' | b'f') => Some("a boolean"),
            Some(b'n') => Some("null"),
            Some(b'-' | b'0'..=b'9') => Some("a number"),
            _ => None,
        };
        if let Some(found) = found {
            // Report invalid JSON as such before complaining about its type.
            return Err(match serde_json::from_slice::<de::IgnoredAny>(text) {
                Ok(_) => ExtractError::NotAnEvent(found),
                Err(e) => ExtractError::BadJson(e.to_string()),
            });
        }
        let mut event = EventView::new(Top::default(), &self.tag_keys);
        if !fast || fast_top(&mut event.top, text, self.scalars).is_none() {
            event.top = serde_json::from_slice::<SerdeTop<'a>>(text)
                .map_err(|e| top_error(text, e))?
                .into();
        }
        event.fast = fast;
        self.fields.iter().map(|f| event.get(f)).collect()
    }
}

impl Projection {
    /// [`Projection::extract`] over a flat trace-item row.
    fn extract_flat<'a>(&self, text: &'a [u8]) -> Result<Vec<Value<'a>>, ExtractError> {
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
const FLAT_ALIASES: &[(&str, &str)] = &[
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
fn flat_value(row: &serde_json::Map<String, serde_json::Value>, name: &str) -> Value<'static> {
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
fn json_value(v: &serde_json::Value) -> Value<'static> {
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

/// The top level by the fast scanner, `None` when serde_json must read it: text that is not
/// UTF-8 or holds control characters (only valid between tokens, and rare there) included.
fn fast_top<'a>(top: &mut Top<'a>, text: &'a [u8], scalars: u32) -> Option<()> {
    let body = scan::trim(text);
    if !scan::no_control(body) {
        return None;
    }
    Top::scan(top, std::str::from_utf8(body).ok()?, scalars)
}

/// Looks up `keys` in the tags list `raw` (from [`Top::scan`], so without control characters)
/// in one pass, setting each key's first value in `found`. Handles the `[{"key": …, "value": …}]` shape with plain strings (or null values);
/// `None` for anything else, which serde_json then reads.
fn lookup_tags<'a>(
    raw: Option<&'a str>,
    keys: &[String],
    found: &mut [Option<Value<'a>>],
) -> Option<()> {
    let raw = match raw {
        None | Some("null") => return Some(()),
        Some(raw) => raw,
    };
    let plain = |c: &mut scan::Cursor<'a>| -> Option<&'a str> {
        let (text, escaped) = c.string()?;
        (!escaped).then_some(text)
    };
    let mut c = scan::Cursor::new(raw);
    c.eat(b'[')?;
    c.ws();
    if !c.eat_if(b']') {
        loop {
            c.ws();
            c.eat(b'{')?;
            c.ws();
            let mut key = None;
            let mut value = Value::Null;
            if !c.eat_if(b'}') {
                loop {
                    c.ws();
                    let name = plain(&mut c)?;
                    c.ws();
                    c.eat(b':')?;
                    c.ws();
                    match name {
                        "key" => key = Some(plain(&mut c)?),
                        "value" if c.peek()? == b'"' => {
                            value = Value::Str(Cow::Borrowed(plain(&mut c)?));
                        }
                        "value" if c.value(2)? == "null" => value = Value::Null,
                        "value" => return None,
                        _ => {
                            c.value(2)?;
                        }
                    }
                    c.ws();
                    match c.next_byte()? {
                        b',' => {}
                        b'}' => break,
                        _ => return None,
                    }
                }
            }
            let key = key?;
            if let Some(i) = keys.iter().position(|k| k == key)
                && let Some(slot @ None) = found.get_mut(i)
            {
                *slot = Some(value);
            }
            c.ws();
            match c.next_byte()? {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
    }
    c.ws();
    c.at_end().then_some(())
}

/// The top level of an event: scalars borrowed, big members kept as raw text for later.
#[derive(Default)]
struct Top<'a> {
    /// Read by [`Top::scan`]: the text is valid JSON without control characters.
    scanned: bool,
    id: Option<Value<'a>>,
    event_id: Option<Value<'a>>,
    group_id: Option<Value<'a>>,
    project_id: Option<Value<'a>>,
    project_slug: Option<Value<'a>>,
    title: Option<Value<'a>>,
    message: Option<Value<'a>>,
    event_type: Option<Value<'a>>,
    platform: Option<Value<'a>>,
    culprit: Option<Value<'a>>,
    location: Option<Value<'a>>,
    dist: Option<Value<'a>>,
    date_created: Option<&'a str>,
    datetime: Option<&'a str>,
    date_received: Option<&'a str>,
    start_timestamp: Option<&'a str>,
    end_timestamp: Option<&'a str>,
    tags: Option<&'a str>,
    user: Option<&'a str>,
    sdk: Option<&'a str>,
    release: Option<&'a str>,
    contexts: Option<&'a str>,
    entries: Option<&'a str>,
    measurements: Option<&'a str>,
    exception: Option<&'a str>,
    request: Option<&'a str>,
    breakdowns: Option<&'a str>,
}

impl<'a> Top<'a> {
    /// Fills a default `top` by the fast scanner; `None` (`top` then half filled) when
    /// serde_json must decide. In place: `Top` is large to move. Scalar members not in
    /// `scalars` are left unset, once it is sure serde_json would read them without error.
    fn scan(top: &mut Top<'a>, text: &'a str, scalars: u32) -> Option<()> {
        top.scanned = true;
        let mut seen = 0u32;
        scan::members(text, |key, raw| {
            let (bit, slot) = match key {
                "id" => (0, Slot::Value(&mut top.id)),
                "eventID" => (1, Slot::Value(&mut top.event_id)),
                "groupID" => (2, Slot::Value(&mut top.group_id)),
                "projectID" => (3, Slot::Value(&mut top.project_id)),
                "projectSlug" => (4, Slot::Value(&mut top.project_slug)),
                "title" => (5, Slot::Value(&mut top.title)),
                "message" => (6, Slot::Value(&mut top.message)),
                "type" => (7, Slot::Value(&mut top.event_type)),
                "platform" => (8, Slot::Value(&mut top.platform)),
                "culprit" => (9, Slot::Value(&mut top.culprit)),
                "location" => (10, Slot::Value(&mut top.location)),
                "dist" => (11, Slot::Value(&mut top.dist)),
                "dateCreated" => (12, Slot::Raw(&mut top.date_created)),
                "datetime" => (13, Slot::Raw(&mut top.datetime)),
                "dateReceived" => (14, Slot::Raw(&mut top.date_received)),
                "startTimestamp" => (15, Slot::Raw(&mut top.start_timestamp)),
                "endTimestamp" => (16, Slot::Raw(&mut top.end_timestamp)),
                "tags" => (17, Slot::Raw(&mut top.tags)),
                "user" => (18, Slot::Raw(&mut top.user)),
                "sdk" => (19, Slot::Raw(&mut top.sdk)),
                "release" => (20, Slot::Raw(&mut top.release)),
                "contexts" => (21, Slot::Raw(&mut top.contexts)),
                "entries" => (22, Slot::Raw(&mut top.entries)),
                "measurements" => (23, Slot::Raw(&mut top.measurements)),
                "exception" => (24, Slot::Raw(&mut top.exception)),
                "request" => (25, Slot::Raw(&mut top.request)),
                "breakdowns" => (26, Slot::Raw(&mut top.breakdowns)),
                _ => return Some(()),
            };
            // A repeated known member is serde_json's "duplicate field" error.
            if seen & (1 << bit) != 0 {
                return None;
            }
            seen |= 1 << bit;
            match slot {
                Slot::Raw(slot) => *slot = Some(raw),
                Slot::Value(slot) if scalars & (1 << bit) != 0 => *slot = scalar(raw).ok()?,
                // A validated string or literal always reads; a number may be out of range,
                // an object or array may not be a `Value`.
                Slot::Value(_)
                    if matches!(raw.as_bytes().first(), Some(b'"' | b'n' | b't' | b'f')) => {}
                Slot::Value(_) => {
                    scalar(raw).ok()?;
                }
            }
            Some(())
        })
    }
}

enum Slot<'s, 'a> {
    Raw(&'s mut Option<&'a str>),
    Value(&'s mut Option<Value<'a>>),
}

/// The top level as serde_json reads it (the fallback of [`Top::scan`]).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SerdeTop<'a> {
    #[serde(borrow)]
    id: Option<Value<'a>>,
    #[serde(rename = "eventID", borrow)]
    event_id: Option<Value<'a>>,
    #[serde(rename = "groupID", borrow)]
    group_id: Option<Value<'a>>,
    #[serde(rename = "projectID", borrow)]
    project_id: Option<Value<'a>>,
    #[serde(rename = "projectSlug", borrow)]
    project_slug: Option<Value<'a>>,
    #[serde(borrow)]
    title: Option<Value<'a>>,
    #[serde(borrow)]
    message: Option<Value<'a>>,
    #[serde(rename = "type", borrow)]
    event_type: Option<Value<'a>>,
    #[serde(borrow)]
    platform: Option<Value<'a>>,
    #[serde(borrow)]
    culprit: Option<Value<'a>>,
    #[serde(borrow)]
    location: Option<Value<'a>>,
    #[serde(borrow)]
    dist: Option<Value<'a>>,
    #[serde(rename = "dateCreated", borrow)]
    date_created: Option<&'a RawValue>,
    #[serde(borrow)]
    datetime: Option<&'a RawValue>,
    #[serde(rename = "dateReceived", borrow)]
    date_received: Option<&'a RawValue>,
    #[serde(rename = "startTimestamp", borrow)]
    start_timestamp: Option<&'a RawValue>,
    #[serde(rename = "endTimestamp", borrow)]
    end_timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    tags: Option<&'a RawValue>,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(borrow)]
    sdk: Option<&'a RawValue>,
    #[serde(borrow)]
    release: Option<&'a RawValue>,
    #[serde(borrow)]
    contexts: Option<&'a RawValue>,
    #[serde(borrow)]
    entries: Option<&'a RawValue>,
    #[serde(borrow)]
    measurements: Option<&'a RawValue>,
    // Ingest-format payloads carry these at the top level instead of in `entries`.
    #[serde(borrow)]
    exception: Option<&'a RawValue>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    breakdowns: Option<&'a RawValue>,
}

impl<'a> From<SerdeTop<'a>> for Top<'a> {
    fn from(t: SerdeTop<'a>) -> Self {
        Top {
            scanned: false,
            id: t.id,
            event_id: t.event_id,
            group_id: t.group_id,
            project_id: t.project_id,
            project_slug: t.project_slug,
            title: t.title,
            message: t.message,
            event_type: t.event_type,
            platform: t.platform,
            culprit: t.culprit,
            location: t.location,
            dist: t.dist,
            date_created: t.date_created.map(RawValue::get),
            datetime: t.datetime.map(RawValue::get),
            date_received: t.date_received.map(RawValue::get),
            start_timestamp: t.start_timestamp.map(RawValue::get),
            end_timestamp: t.end_timestamp.map(RawValue::get),
            tags: t.tags.map(RawValue::get),
            user: t.user.map(RawValue::get),
            sdk: t.sdk.map(RawValue::get),
            release: t.release.map(RawValue::get),
            contexts: t.contexts.map(RawValue::get),
            entries: t.entries.map(RawValue::get),
            measurements: t.measurements.map(RawValue::get),
            exception: t.exception.map(RawValue::get),
            request: t.request.map(RawValue::get),
            breakdowns: t.breakdowns.map(RawValue::get),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    #[serde(borrow)]
    id: Option<Value<'a>>,
    #[serde(borrow)]
    email: Option<Value<'a>>,
    #[serde(borrow)]
    username: Option<Value<'a>>,
    #[serde(borrow)]
    ip_address: Option<Value<'a>>,
    #[serde(borrow)]
    geo: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sdk<'a> {
    #[serde(borrow)]
    name: Option<Value<'a>>,
    #[serde(borrow)]
    version: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReleaseObject<'a> {
    #[serde(borrow)]
    version: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contexts<'a> {
    #[serde(borrow)]
    trace: Option<TraceContext<'a>>,
    #[serde(borrow)]
    browser: Option<NamedContext<'a>>,
    #[serde(borrow)]
    os: Option<NamedContext<'a>>,
    #[serde(borrow)]
    client_os: Option<NamedContext<'a>>,
    #[serde(borrow)]
    device: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TraceContext<'a> {
    #[serde(borrow)]
    op: Option<Value<'a>>,
    #[serde(borrow)]
    status: Option<Value<'a>>,
    #[serde(borrow)]
    trace_id: Option<Value<'a>>,
    #[serde(borrow)]
    span_id: Option<Value<'a>>,
    #[serde(borrow)]
    parent_span_id: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NamedContext<'a> {
    #[serde(borrow)]
    name: Option<Value<'a>>,
    #[serde(borrow)]
    build: Option<Value<'a>>,
    #[serde(borrow)]
    kernel_version: Option<Value<'a>>,
    #[serde(borrow)]
    distribution_name: Option<Value<'a>>,
    #[serde(borrow)]
    distribution_version: Option<Value<'a>>,
}

/// The scalar `member` of a JSON object held raw (`contexts.device`, `user.geo`,
/// `contexts.response`); missing when absent, not a scalar, or the object is not one.
fn object_member<'a>(raw: Option<&'a RawValue>, member: &str, name: &'static str) -> Extracted<'a> {
    let Some(raw) = raw else {
        return Ok(Value::Null);
    };
    let object: Option<std::collections::BTreeMap<Cow<'a, str>, &'a RawValue>> =
        parse_member(Some(raw.get()), name)?;
    Ok(object
        .and_then(|o| o.get(member).map(|v| scalar(v.get()).ok().flatten()))
        .flatten()
        .unwrap_or(Value::Null))
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExceptionData<'a> {
    #[serde(borrow)]
    values: Option<Vec<Exception<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Exception<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Value<'a>>,
    #[serde(borrow)]
    value: Option<Value<'a>>,
    #[serde(borrow)]
    mechanism: Option<Mechanism<'a>>,
    #[serde(borrow)]
    stacktrace: Option<Stacktrace<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Mechanism<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Value<'a>>,
    handled: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Stacktrace<'a> {
    #[serde(borrow)]
    frames: Option<Vec<Frame<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Frame<'a> {
    #[serde(borrow)]
    filename: Option<Value<'a>>,
    #[serde(borrow)]
    function: Option<Value<'a>>,
    #[serde(rename = "absPath", alias = "abs_path", borrow)]
    abs_path: Option<Value<'a>>,
    #[serde(borrow)]
    module: Option<Value<'a>>,
    #[serde(borrow)]
    package: Option<Value<'a>>,
    #[serde(rename = "inApp", alias = "in_app")]
    in_app: Option<bool>,
    #[serde(rename = "lineNo", alias = "lineno")]
    line_no: Option<i64>,
    #[serde(rename = "colNo", alias = "colno")]
    col_no: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Request<'a> {
    #[serde(borrow)]
    method: Option<Value<'a>>,
    #[serde(borrow)]
    url: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Measurement {
    value: Option<f64>,
}

/// The tags list: `[{key, value}]` (Sentry's event JSON), `[[key, value]]` or `{key: value}`
/// (ingest payloads).
#[derive(Default)]
struct Tags<'a>(Vec<(Cow<'a, str>, Value<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Tags<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TagsVisitor)
    }
}

struct TagsVisitor;

impl<'de> Visitor<'de> for TagsVisitor {
    type Value = Tags<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of {key, value} objects")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Tags::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut tags = Vec::new();
        while let Some(TagPair(key, value)) = seq.next_element()? {
            tags.push((key, value));
        }
        Ok(Tags(tags))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tags = Vec::new();
        while let Some((key, value)) = map.next_entry::<Cow<'de, str>, Value<'de>>()? {
            tags.push((key, value));
        }
        Ok(Tags(tags))
    }
}

struct TagPair<'a>(Cow<'a, str>, Value<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for TagPair<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TagPairVisitor)
    }
}

struct TagPairVisitor;

impl<'de> Visitor<'de> for TagPairVisitor {
    type Value = TagPair<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a {key, value} object or a [key, value] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let key: BorrowedText<'de> = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let value: Value<'de> = seq.next_element()?.unwrap_or(Value::Null);
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(TagPair(key.0, value))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut key = None;
        let mut value = Value::Null;
        while let Some(name) = map.next_key::<BorrowedText<'de>>()? {
            match name.0.as_ref() {
                "key" => key = Some(map.next_value::<BorrowedText<'de>>()?.0),
                "value" => value = map.next_value()?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let key = key.ok_or_else(|| de::Error::missing_field("key"))?;
        Ok(TagPair(key, value))
    }
}

/// A string that borrows from the input when it has no escapes.
struct BorrowedText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = BorrowedText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedText(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedText(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// One event being read: the top level plus members parsed on first use.
struct EventView<'a, 'p> {
    top: Top<'a>,
    tag_keys: &'p [String],
    /// The value of each of `tag_keys` (`None`: no such tag), once `tags` is read.
    tags: Option<Vec<Option<Value<'a>>>>,
    /// Whether `tags` may be read by [`lookup_tags`] rather than serde_json.
    fast: bool,
    user: Option<User<'a>>,
    contexts: Option<Contexts<'a>>,
    exceptions: Option<Vec<Exception<'a>>>,
    request: Option<Request<'a>>,
}

type Extracted<'a> = Result<Value<'a>, ExtractError>;

fn parse_member<'a, T: Deserialize<'a> + Default>(
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
fn scalar(raw: &str) -> Result<Option<Value<'_>>, serde_json::Error> {
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

/// The first value of `key` in `tags`, as text.
fn first_tag<'a>(tags: &Tags<'a>, key: &str) -> Value<'a> {
    tags.0
        .iter()
        .find(|(k, _)| k == key)
        .map_or(Value::Null, |(_, v)| as_text_value(v))
}

/// A member Sentry's event JSON always gives as a string (or null): anything else is a
/// malformed event, never silently turned into text.
fn text_member<'a>(value: Option<&Value<'a>>, member: &'static str) -> Extracted<'a> {
    match value {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v @ Value::Str(_)) => Ok(v.clone()),
        Some(other) => Err(ExtractError::BadMember {
            member,
            message: format!("expected a string, found {}", json_kind(other)),
        }),
    }
}

fn json_kind(value: &Value<'_>) -> &'static str {
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
const SCALAR_MEMBERS: [&str; 12] = [
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
fn top_error(text: &[u8], error: serde_json::Error) -> ExtractError {
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

fn or_null<'a>(value: Option<&Value<'a>>) -> Value<'a> {
    value.cloned().unwrap_or(Value::Null)
}

/// Missing, null and empty text all count as absent for fallbacks (Sentry stores "" for them).
fn present<'b, 'a>(value: Option<&'b Value<'a>>) -> Option<&'b Value<'a>> {
    value.filter(|v| match v {
        Value::Null => false,
        Value::Str(s) => !s.is_empty(),
        _ => true,
    })
}

fn as_text_value<'a>(value: &Value<'a>) -> Value<'a> {
    match value {
        Value::Null | Value::Str(_) => value.clone(),
        other => Value::Str(Cow::Owned(other.as_text().into_owned())),
    }
}

fn as_int_value<'a>(value: Option<&Value<'a>>) -> Value<'a> {
    match value {
        Some(Value::Str(s)) => s
            .parse::<i64>()
            .map_or_else(|_| Value::Str(s.clone()), Value::Int),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

impl<'a, 'p> EventView<'a, 'p> {
    fn new(top: Top<'a>, tag_keys: &'p [String]) -> Self {
        EventView {
            top,
            tag_keys,
            fast: true,
            tags: None,
            user: None,
            contexts: None,
            exceptions: None,
            request: None,
        }
    }

    fn get(&mut self, field: &Field) -> Extracted<'a> {
        Ok(match field {
            Field::Id => or_null(present(self.top.event_id.as_ref()).or(self.top.id.as_ref())),
            Field::IssueId => as_int_value(self.top.group_id.as_ref()),
            Field::Project => {
                or_null(present(self.top.project_slug.as_ref()).or(self.top.project_id.as_ref()))
            }
            Field::ProjectId => as_int_value(self.top.project_id.as_ref()),
            Field::Timestamp => self.timestamp()?,
            Field::TimestampToHour => floor_timestamp(self.timestamp()?, 3_600_000),
            Field::TimestampToDay => floor_timestamp(self.timestamp()?, 86_400_000),
            Field::Received => date_member(self.top.date_received, "dateReceived")?,
            Field::EventType => text_member(self.top.event_type.as_ref(), "type")?,
            Field::Title => text_member(self.top.title.as_ref(), "title")?,
            Field::Message => {
                let message = text_member(self.top.message.as_ref(), "message")?;
                if present(Some(&message)).is_some() {
                    message
                } else {
                    text_member(self.top.title.as_ref(), "title")?
                }
            }
            Field::Culprit => text_member(self.top.culprit.as_ref(), "culprit")?,
            Field::Location => text_member(self.top.location.as_ref(), "location")?,
            Field::Dist => text_member(self.top.dist.as_ref(), "dist")?,
            Field::Platform => text_member(self.top.platform.as_ref(), "platform")?,
            Field::Release => match self.tag("release")? {
                Value::Null => self.release()?,
                v => v,
            },
            Field::Transaction => match self.tag("transaction")? {
                Value::Null if self.is_transaction() => or_null(self.top.title.as_ref()),
                v => v,
            },
            Field::User => match self.tag("user")? {
                Value::Null => self.user_tag()?,
                v => v,
            },
            Field::UserId => as_text_value(&or_null(self.user()?.id.as_ref())),
            Field::UserEmail => or_null(self.user()?.email.as_ref()),
            Field::UserUsername => or_null(self.user()?.username.as_ref()),
            Field::UserIp => or_null(self.user()?.ip_address.as_ref()),
            Field::UserDisplay => {
                let user = self.user()?;
                as_text_value(&or_null(
                    present(user.email.as_ref())
                        .or(present(user.username.as_ref()))
                        .or(present(user.id.as_ref()))
                        .or(present(user.ip_address.as_ref())),
                ))
            }
            Field::ErrorType => self.per_exception(|e| or_null(e.kind.as_ref()))?,
            Field::ErrorValue => self.per_exception(|e| or_null(e.value.as_ref()))?,
            Field::ErrorMechanism => {
                self.per_exception(|e| or_null(e.mechanism.as_ref().and_then(|m| m.kind.as_ref())))?
            }
            // One boolean per event, as Sentry's `isHandled()`: every exception handled or
            // without a mechanism (so an event without exceptions is handled).
            Field::ErrorHandled => {
                let exceptions = self.exceptions()?;
                Value::Bool(
                    !exceptions
                        .iter()
                        .any(|e| e.mechanism.as_ref().and_then(|m| m.handled) == Some(false)),
                )
            }
            Field::ErrorUnhandled => {
                let exceptions = self.exceptions()?;
                Value::Bool(
                    exceptions
                        .iter()
                        .any(|e| e.mechanism.as_ref().and_then(|m| m.handled) == Some(false)),
                )
            }
            Field::Stack(member) => self.per_frame(*member)?,
            Field::HttpMethod => or_null(self.request()?.method.as_ref()),
            Field::HttpUrl => or_null(self.request()?.url.as_ref()),
            Field::TransactionDuration => self.duration()?,
            Field::TransactionOp => self.trace(|t| t.op.as_ref())?,
            Field::TransactionStatus => self.trace(|t| t.status.as_ref())?,
            Field::Trace => self.trace(|t| t.trace_id.as_ref())?,
            Field::TraceSpan => self.trace(|t| t.span_id.as_ref())?,
            Field::TraceParentSpan => self.trace(|t| t.parent_span_id.as_ref())?,
            Field::Measurement(name) => self.measurement(name)?,
            Field::SdkName => {
                let sdk: Sdk<'a> = parse_member(self.top.sdk, "sdk")?;
                or_null(sdk.name.as_ref())
            }
            Field::SdkVersion => {
                let sdk: Sdk<'a> = parse_member(self.top.sdk, "sdk")?;
                or_null(sdk.version.as_ref())
            }
            Field::BrowserName => match self.tag("browser.name")? {
                Value::Null => {
                    let contexts = self.contexts()?;
                    or_null(contexts.browser.as_ref().and_then(|c| c.name.as_ref()))
                }
                v => v,
            },
            Field::OsName => match self.tag("os.name")? {
                Value::Null => {
                    let contexts = self.contexts()?;
                    let os = contexts.os.as_ref().or(contexts.client_os.as_ref());
                    or_null(os.and_then(|c| c.name.as_ref()))
                }
                v => v,
            },
            Field::Geo(member) => {
                let geo = self.user()?.geo;
                object_member(geo, member, "user")?
            }
            Field::Device(member) => {
                let device = self.contexts()?.device;
                object_member(device, member, "contexts")?
            }
            Field::Os(member) => {
                let contexts = self.contexts()?;
                let os = contexts.os.as_ref();
                or_null(os.and_then(|c| match *member {
                    "build" => c.build.as_ref(),
                    "distribution_name" => c.distribution_name.as_ref(),
                    "distribution_version" => c.distribution_version.as_ref(),
                    _ => c.kernel_version.as_ref(),
                }))
            }
            Field::HttpStatusCode => {
                let response = self.contexts()?.response;
                match as_text_value(&object_member(response, "status_code", "contexts")?) {
                    Value::Null => self.tag("http.status_code")?,
                    v => v,
                }
            }
            Field::Breakdown(op) => self.breakdown(op)?,
            Field::FramesRate(count) => {
                let part = self.measurement(count)?.as_f64();
                let total = self.measurement("frames_total")?.as_f64();
                match (part, total) {
                    (Some(part), Some(total)) if total > 0.0 => Value::Float(part / total),
                    _ => Value::Null,
                }
            }
            Field::StallPercentage => {
                let stall = self.measurement("stall_total_time")?.as_f64();
                let duration = self.duration()?.as_f64();
                match (stall, duration) {
                    (Some(stall), Some(d)) if d > 0.0 => Value::Float(stall / d),
                    _ => Value::Null,
                }
            }
            Field::SearchMessage => {
                let parts: Vec<String> = [&self.top.message, &self.top.title, &self.top.culprit]
                    .into_iter()
                    .filter_map(|v| present(v.as_ref()).map(|v| v.as_text().into_owned()))
                    .collect();
                if parts.is_empty() {
                    Value::Null
                } else {
                    Value::Str(Cow::Owned(parts.join("\n")))
                }
            }
            Field::Tag(key) => self.tag(key)?,
            Field::TagNumber(key) => match self.tag(key)? {
                Value::Str(s) => s.trim().parse::<f64>().map_or(Value::Null, Value::Float),
                _ => Value::Null,
            },
        })
    }

    fn is_transaction(&self) -> bool {
        matches!(&self.top.event_type, Some(Value::Str(t)) if t == "transaction")
    }

    fn tag(&mut self, key: &str) -> Extracted<'a> {
        let Some(i) = self.tag_keys.iter().position(|k| k == key) else {
            // Not a key the projection announced: read the whole list.
            let tags: Tags<'a> = parse_member(self.top.tags, "tags")?;
            return Ok(first_tag(&tags, key));
        };
        if self.tags.is_none() {
            let mut found = vec![None; self.tag_keys.len()];
            if !(self.fast && self.top.scanned)
                || lookup_tags(self.top.tags, self.tag_keys, &mut found).is_none()
            {
                let tags: Tags<'a> = parse_member(self.top.tags, "tags")?;
                for (slot, key) in found.iter_mut().zip(self.tag_keys) {
                    *slot = Some(first_tag(&tags, key));
                }
            }
            self.tags = Some(found);
        }
        Ok(self
            .tags
            .as_ref()
            .and_then(|found| found.get(i)?.clone())
            .unwrap_or(Value::Null))
    }

    fn user(&mut self) -> Result<&User<'a>, ExtractError> {
        if self.user.is_none() {
            self.user = Some(parse_member(self.top.user, "user")?);
        }
        Ok(self.user.get_or_insert_with(User::default))
    }

    fn user_tag(&mut self) -> Extracted<'a> {
        let user = self.user()?;
        let candidates = [
            ("id", &user.id),
            ("username", &user.username),
            ("email", &user.email),
            ("ip", &user.ip_address),
        ];
        for (prefix, value) in candidates {
            if let Some(v) = present(value.as_ref()) {
                return Ok(Value::Str(Cow::Owned(format!("{prefix}:{}", v.as_text()))));
            }
        }
        Ok(Value::Null)
    }

    fn release(&self) -> Extracted<'a> {
        let Some(raw) = self.top.release else {
            return Ok(Value::Null);
        };
        if raw.starts_with('{') {
            let release: ReleaseObject<'a> = parse_member(Some(raw), "release")?;
            Ok(or_null(release.version.as_ref()))
        } else {
            let value: Option<Value<'a>> = parse_member(Some(raw), "release")?;
            Ok(value.unwrap_or(Value::Null))
        }
    }

    fn contexts(&mut self) -> Result<&Contexts<'a>, ExtractError> {
        if self.contexts.is_none() {
            self.contexts = Some(parse_member(self.top.contexts, "contexts")?);
        }
        Ok(self.contexts.get_or_insert_with(Contexts::default))
    }

    fn trace(
        &mut self,
        member: impl for<'t> Fn(&'t TraceContext<'a>) -> Option<&'t Value<'a>>,
    ) -> Extracted<'a> {
        let contexts = self.contexts()?;
        Ok(or_null(contexts.trace.as_ref().and_then(member)))
    }

    fn exceptions(&mut self) -> Result<&[Exception<'a>], ExtractError> {
        if self.exceptions.is_none() {
            let data = match self.entry("exception")? {
                Some(raw) => Some(raw),
                None => self.top.exception,
            };
            let data: ExceptionData<'a> = parse_member(data, "entries")?;
            self.exceptions = Some(data.values.unwrap_or_default());
        }
        Ok(self.exceptions.as_deref().unwrap_or_default())
    }

    fn request(&mut self) -> Result<&Request<'a>, ExtractError> {
        if self.request.is_none() {
            let data = match self.entry("request")? {
                Some(raw) => Some(raw),
                None => self.top.request,
            };
            self.request = Some(parse_member(data, "entries")?);
        }
        Ok(self.request.get_or_insert_with(Request::default))
    }

    /// The `data` of the first entry of `kind`.
    fn entry(&self, kind: &str) -> Result<Option<&'a str>, ExtractError> {
        let entries: Option<Vec<Entry<'a>>> = parse_member(self.top.entries, "entries")?;
        Ok(entries
            .unwrap_or_default()
            .into_iter()
            .find(|e| e.kind == kind)
            .and_then(|e| e.data)
            .map(RawValue::get))
    }

    fn per_exception(&mut self, get: impl Fn(&Exception<'a>) -> Value<'a>) -> Extracted<'a> {
        Ok(Value::Array(self.exceptions()?.iter().map(get).collect()))
    }

    fn per_frame(&mut self, member: StackField) -> Extracted<'a> {
        let exceptions = self.exceptions()?;
        let frames = exceptions
            .iter()
            .filter_map(|e| e.stacktrace.as_ref()?.frames.as_ref())
            .flatten();
        let values = frames.map(|frame| match member {
            StackField::Filename => or_null(frame.filename.as_ref()),
            StackField::Function => or_null(frame.function.as_ref()),
            StackField::AbsPath => or_null(frame.abs_path.as_ref()),
            StackField::Module => or_null(frame.module.as_ref()),
            StackField::Package => or_null(frame.package.as_ref()),
            StackField::InApp => frame.in_app.map_or(Value::Null, Value::Bool),
            StackField::LineNo => frame.line_no.map_or(Value::Null, Value::Int),
            StackField::ColNo => frame.col_no.map_or(Value::Null, Value::Int),
        });
        Ok(Value::Array(values.collect()))
    }

    fn timestamp(&self) -> Extracted<'a> {
        if let Some(raw) = self.top.date_created.filter(|r| *r != "null") {
            return date_member(Some(raw), "dateCreated");
        }
        if let Some(raw) = self.top.datetime.filter(|r| *r != "null") {
            return date_member(Some(raw), "datetime");
        }
        date_member(self.top.end_timestamp, "endTimestamp")
    }

    fn duration(&self) -> Extracted<'a> {
        let start: Option<f64> = parse_member(self.top.start_timestamp, "startTimestamp")?;
        let end: Option<f64> = parse_member(self.top.end_timestamp, "endTimestamp")?;
        Ok(match (start, end) {
            // Whole milliseconds, truncated as Sentry stores transaction durations; the
            // difference is first taken to whole microseconds (the payload's precision) so
            // that 0.3 s is 300 ms, not 299.
            (Some(start), Some(end)) => {
                let micros = ((end - start) * 1_000_000.0).round().max(0.0);
                Value::Int((micros / 1000.0).trunc() as i64)
            }
            _ => Value::Null,
        })
    }

    /// `breakdowns.span_ops.ops.<op>.value` (`total.time` is `span_ops.total.time`).
    fn breakdown(&self, op: &str) -> Extracted<'a> {
        let Some(raw) = self.top.breakdowns else {
            return Ok(Value::Null);
        };
        type Ops<'a> = std::collections::BTreeMap<Cow<'a, str>, Option<Measurement>>;
        let all: Option<std::collections::BTreeMap<Cow<'a, str>, Option<Ops<'a>>>> =
            parse_member(Some(raw), "breakdowns")?;
        let key = if op == "total.time" {
            op.to_owned()
        } else {
            format!("ops.{op}")
        };
        Ok(all
            .and_then(|b| {
                b.get("span_ops")?
                    .as_ref()?
                    .get(key.as_str())?
                    .as_ref()?
                    .value
            })
            .map_or(Value::Null, Value::Float))
    }

    fn measurement(&self, name: &str) -> Extracted<'a> {
        let Some(raw) = self.top.measurements else {
            return Ok(Value::Null);
        };
        let all: Option<std::collections::BTreeMap<Cow<'a, str>, Option<Measurement>>> =
            parse_member(Some(raw), "measurements")?;
        Ok(all
            .and_then(|m| m.get(name).and_then(|m| m.as_ref()?.value))
            .map_or(Value::Null, Value::Float))
    }
}

fn floor_timestamp(value: Value<'_>, step: i64) -> Value<'_> {
    match value {
        Value::Timestamp(t) => Value::Timestamp(t.div_euclid(step).saturating_mul(step)),
        other => other,
    }
}

/// A date member: an ISO 8601 string or a number of epoch seconds.
fn date_member<'a>(raw: Option<&'a str>, member: &'static str) -> Extracted<'a> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(names: &[&str], json: &str) -> Vec<Value<'static>> {
        Projection::new(names)
            .extract(json.as_bytes())
            .unwrap()
            .into_iter()
            .map(Value::into_owned)
            .collect()
    }

    fn s(text: &str) -> Value<'static> {
        Value::Str(Cow::Owned(text.to_owned()))
    }

    #[test]
    fn resolves_tags_measurements_and_unknown_names() {
        assert_eq!(Field::resolve("tags[level]"), Field::Tag("level".into()));
        assert_eq!(
            Field::resolve("tags[n, number]"),
            Field::TagNumber("n".into())
        );
        assert_eq!(
            Field::resolve("measurements.lcp"),
            Field::Measurement("lcp".into())
        );
        assert_eq!(
            Field::resolve("server_name"),
            Field::Tag("server_name".into())
        );
        assert_eq!(Field::resolve("title"), Field::Title);
    }

    #[test]
    fn known_fields_win_over_tags_of_the_same_name() {
        let json = r#"{"title":"T","tags":[{"key":"title","value":"tag"}]}"#;
        assert_eq!(
            extract(&["title", "tags[title]"], json),
            vec![s("T"), s("tag")]
        );
    }

    #[test]
    fn tags_accept_pairs_objects_and_numbers() {
        let json = r#"{"tags":[["a","1"],{"key":"b","value":2}]}"#;
        assert_eq!(
            extract(&["a", "b", "tags[b,number]"], json),
            vec![s("1"), s("2"), Value::Float(2.0)]
        );
        let json = r#"{"tags":{"a":"x"}}"#;
        assert_eq!(extract(&["a", "missing"], json), vec![s("x"), Value::Null]);
    }

    #[test]
    fn strings_without_escapes_borrow_from_the_line() {
        let json = br#"{"title":"plain","message":"a\"b"}"#;
        let values = Projection::new(["title", "message"]).extract(json).unwrap();
        assert!(matches!(&values[0], Value::Str(Cow::Borrowed("plain"))));
        assert_eq!(values[1], s("a\"b"));
    }

    #[test]
    fn non_objects_and_bad_json_are_told_apart() {
        let p = Projection::new(["title"]);
        assert_eq!(
            p.extract(b"[1]").unwrap_err(),
            ExtractError::NotAnEvent("an array")
        );
        assert!(matches!(
            p.extract(b"[1").unwrap_err(),
            ExtractError::BadJson(_)
        ));
        assert!(matches!(
            p.extract(b"{\"title\":").unwrap_err(),
            ExtractError::BadJson(_)
        ));
    }

    #[test]
    fn malformed_members_fail_only_when_needed() {
        let json = r#"{"title":"T","tags":5}"#;
        assert_eq!(extract(&["title"], json), vec![s("T")]);
        let err = Projection::new(["level"])
            .extract(json.as_bytes())
            .unwrap_err();
        assert!(matches!(
            err,
            ExtractError::BadMember { member: "tags", .. }
        ));
    }

    #[test]
    fn value_order_is_total_and_consistent_with_eq() {
        let mut values = vec![
            s("b"),
            Value::Float(1.5),
            Value::Null,
            Value::Int(2),
            Value::Int(1),
        ];
        values.sort();
        assert_eq!(
            values,
            vec![
                Value::Null,
                Value::Int(1),
                Value::Float(1.5),
                Value::Int(2),
                s("b")
            ]
        );
        assert_ne!(Value::Int(1), Value::Float(1.0));
        assert_eq!(Value::Null.as_text(), "");
        assert_eq!(
            format_timestamp(1_700_000_000_000),
            "2023-11-14T22:13:20+00:00"
        );
    }

    /// JSON text built from a tree, with chosen whitespace and string spellings, so the fast
    /// scanners see escapes, unicode, nesting, nulls and odd spacing.
    mod payloads {
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        pub(super) enum Json {
            Null,
            Bool(bool),
            Int(i64),
            Float(f64),
            Str(String),
            Array(Vec<Json>),
            Object(Vec<(String, Json)>),
        }

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::sample::select(vec![
                    "release", "level", "user", "browser.name", "os.name", "n", "transaction",
                    "error", "1.5", " 7 ", "", "Safari", "frontend@2.5.0",
                    "2026-11-16T06:25:01Z", "2026-10-01T00:00:00.5+02:00", "soon",
                ])
                .prop_map(str::to_owned),
                2 => "[a-z\"\\\\/é😀\u{1}\t\n ]{0,6}",
                1 => any::<String>(),
            ]
        }

        pub(super) fn json() -> impl Strategy<Value = Json> {
            let leaf = prop_oneof![
                Just(Json::Null),
                any::<bool>().prop_map(Json::Bool),
                any::<i64>().prop_map(Json::Int),
                prop_oneof![any::<f64>(), -1e3f64..1e10].prop_map(Json::Float),
                text().prop_map(Json::Str),
            ];
            leaf.prop_recursive(4, 24, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
                    prop::collection::vec((text(), inner), 0..5).prop_map(Json::Object),
                ]
            })
        }

        fn tag() -> impl Strategy<Value = Json> {
            let key = prop::sample::select(vec![
                "release",
                "level",
                "user",
                "browser.name",
                "transaction",
                "n",
                "other",
            ])
            .prop_map(|k| Json::Str(k.to_owned()));
            prop_oneof![
                6 => (key.clone(), json()).prop_map(|(k, v)| Json::Object(vec![
                    ("key".into(), k),
                    ("value".into(), v),
                ])),
                3 => (key.clone(), text()).prop_map(|(k, v)| Json::Object(vec![
                    ("key".into(), k),
                    ("value".into(), Json::Str(v)),
                ])),
                1 => (key.clone(), json()).prop_map(|(k, v)| Json::Object(vec![
                    ("value".into(), v),
                    ("extra".into(), Json::Null),
                    ("key".into(), k),
                ])),
                1 => (key.clone(), json()).prop_map(|(k, v)| Json::Array(vec![k, v])),
                1 => json(),
            ]
        }

        /// An event object: known and unknown members with plausible or arbitrary values.
        pub(super) fn event() -> impl Strategy<Value = Json> {
            let member = prop_oneof![
                prop::sample::select(vec![
                    "id",
                    "eventID",
                    "title",
                    "message",
                    "type",
                    "platform",
                    "projectID",
                    "projectSlug",
                    "groupID",
                    "culprit",
                ])
                .prop_flat_map(|k| (
                    Just(k),
                    prop_oneof![
                        3 => text().prop_map(Json::Str),
                        1 => json(),
                    ]
                )),
                prop::sample::select(vec![
                    "dateCreated",
                    "datetime",
                    "dateReceived",
                    "startTimestamp",
                    "endTimestamp",
                ])
                .prop_flat_map(|k| (
                    Just(k),
                    prop_oneof![
                        3 => text().prop_map(Json::Str),
                        2 => (1.7e9f64..1.8e9).prop_map(Json::Float),
                        1 => json(),
                    ]
                )),
                prop_oneof![
                    4 => prop::collection::vec(tag(), 0..6).prop_map(Json::Array),
                    1 => json(),
                ]
                .prop_map(|v| ("tags", v)),
                prop::sample::select(vec!["transaction", "error", "default"])
                    .prop_map(|t| ("type", Json::Str(t.to_owned()))),
                prop::sample::select(vec![
                    "user",
                    "contexts",
                    "entries",
                    "release",
                    "sdk",
                    "measurements",
                    "other",
                    "exception",
                    "request",
                ])
                .prop_flat_map(|k| (Just(k), json())),
            ];
            prop::collection::vec(member, 0..7).prop_map(|members| {
                Json::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            })
        }

        /// Writes `json`, taking whitespace and string spellings from `style` in turn.
        pub(super) fn write(json: &Json, style: &[u8], at: &mut usize, out: &mut String) {
            fn pick(style: &[u8], at: &mut usize) -> u8 {
                let s = style.get(*at % style.len().max(1)).copied().unwrap_or(0);
                *at += 1;
                s
            }
            // Tabs and newlines between tokens (valid, but the scanner leaves them to
            // serde_json) only in one event of four, so most events take the fast path.
            let odd = style.first().is_some_and(|s| s % 4 == 0);
            let ws = |at: &mut usize, out: &mut String| {
                out.push_str(match pick(style, at) % 16 {
                    2..=4 if !odd => " ",
                    0 => " ",
                    1 => "  ",
                    2 => "\t",
                    3 => "\r\n",
                    4 => "\n",
                    _ => "",
                });
            };
            let string = |s: &str, escape_all: bool, out: &mut String| {
                if escape_all {
                    out.push('"');
                    for unit in s.encode_utf16() {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                    out.push('"');
                } else {
                    out.push_str(&serde_json::to_string(s).unwrap().replace('/', "\\/"));
                }
            };
            ws(at, out);
            match json {
                Json::Null => out.push_str("null"),
                Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Json::Int(i) => out.push_str(&i.to_string()),
                Json::Float(f) => out.push_str(&serde_json::to_string(f).unwrap()),
                Json::Str(s) => string(s, pick(style, at) % 8 == 0, out),
                Json::Array(items) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write(item, style, at, out);
                    }
                    ws(at, out);
                    out.push(']');
                }
                Json::Object(members) => {
                    out.push('{');
                    for (i, (k, v)) in members.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        ws(at, out);
                        string(k, odd && pick(style, at) % 4 == 0, out);
                        ws(at, out);
                        out.push(':');
                        write(v, style, at, out);
                    }
                    ws(at, out);
                    out.push('}');
                }
            }
            ws(at, out);
        }
    }

    const ALL_FIELDS: &[&str] = &[
        "id",
        "title",
        "message",
        "event.type",
        "timestamp",
        "timestamp.to_day",
        "release",
        "transaction",
        "user",
        "browser.name",
        "os.name",
        "level",
        "n",
        "tags[n,number]",
        "transaction.duration",
        "project",
        "project.id",
        "issue.id",
        "user.email",
        "error.type",
        "stack.function",
        "http.method",
        "trace",
        "measurements.lcp",
        "sdk.name",
        "error.received",
        "environment",
        "platform",
        "culprit",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000, ..proptest::prelude::ProptestConfig::default()
        })]

        /// The fast scanners answer exactly as serde_json alone: same values, same errors,
        /// including on corrupted text.
        #[test]
        fn fast_extraction_matches_serde(
            event in payloads::event(),
            style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
            mutation in proptest::option::weighted(
                0.3,
                (proptest::prelude::any::<usize>(), 0u8..12),
            ),
            fields in proptest::sample::subsequence(ALL_FIELDS, 1..8),
        ) {
            let mut text = String::new();
            payloads::write(&event, &style, &mut 0, &mut text);
            let mut bytes = text.into_bytes();
            if let Some((at, what)) = mutation && !bytes.is_empty() {
                let at = at % bytes.len();
                match what {
                    0 => { bytes.remove(at); }
                    1 => bytes.truncate(at),
                    n => bytes.insert(at, b",{}[]\":\\x0\xff"[usize::from(n - 2)]),
                }
            }
            let projection = Projection::new(&fields);
            let fast = projection.extract_with(&bytes, true);
            let reference = projection.extract_with(&bytes, false);
            proptest::prop_assert_eq!(fast, reference, "{}", String::from_utf8_lossy(&bytes));
        }

        /// [`scalar`]'s shortcuts agree with serde_json.
        #[test]
        fn scalar_matches_serde(event in payloads::json(), style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..8)) {
            let mut text = String::new();
            payloads::write(&event, &style, &mut 0, &mut text);
            let text = text.trim_matches([' ', '\t', '\r', '\n']);
            let fast = scalar(text).map_err(|e| e.to_string());
            let reference = serde_json::from_str::<Option<Value<'_>>>(text).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(fast, reference);
        }
    }

    /// Most generated events take the fast path, so the property above tests it.
    #[test]
    fn generated_events_mostly_take_the_fast_path() {
        use proptest::strategy::{Strategy, ValueTree};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = (
            payloads::event(),
            proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        );
        let mut fast = 0;
        for _ in 0..400 {
            let (event, style) = strategy.new_tree(&mut runner).unwrap().current();
            let mut text = String::new();
            payloads::write(&event, &style, &mut 0, &mut text);
            let mut top = Top::default();
            if fast_top(&mut top, text.as_bytes(), u32::MAX).is_some() {
                fast += 1;
            }
        }
        assert!(fast > 160, "only {fast} of 400 took the fast path");
    }

    #[test]
    fn fast_paths_are_taken_for_plain_events() {
        let line = r#"{"type":"error","dateCreated":"2026-11-16T06:25:01Z","tags":[{"key":"level","value":"error"},{"key":"release","value":"a@1"}],"entries":[{"data":{"values":[1,2.5,true,null]},"type":"x"}]}"#;
        let mut top = Top::default();
        assert!(fast_top(&mut top, line.as_bytes(), u32::MAX).is_some());
        let keys = vec!["release".to_owned(), "level".to_owned()];
        let mut found = vec![None, None];
        assert!(lookup_tags(top.tags, &keys, &mut found).is_some());
        assert_eq!(found, vec![Some(s("a@1")), Some(s("error"))]);
        // Repeated known members are serde_json's error: the scanner leaves them to it.
        assert!(fast_top(&mut Top::default(), br#"{"title":null,"title":"x"}"#, 0).is_none());
        assert!(matches!(
            Projection::new(["title"]).extract(br#"{"title":null,"title":"x"}"#),
            Err(ExtractError::BadJson(_))
        ));
    }

    /// Catalog fields Sentry itself reads from the event's tags (`src/sentry/snuba/events.py`
    /// Columns: `tags[...]` or a promoted tag column), so reading the tag is reading what
    /// Sentry reads.
    const READ_AS_TAGS: &[&str] = &["environment", "level"];

    #[test]
    fn every_catalog_field_of_events_is_read_as_sentry_reads_it_or_refused() {
        // A catalog field the engine has no reading for would fall through to a tag of the
        // same name and answer blank; each must be read from its payload member or refused.
        let catalog = crate::semantic::Catalog::builtin();
        let mut blank = Vec::new();
        for dataset in ["errors", "transactions"] {
            // Filter-only keys too (`start`/`end` are refused before any engine runs).
            let keys = ["project_id", "time", "is_application"];
            let filter_only = keys.iter().filter_map(|k| catalog.lookup_field(k));
            for field in catalog.fields_in(dataset).into_iter().chain(filter_only) {
                let name = field.name.as_str();
                if name.ends_with('*') || unreadable(name) || READ_AS_TAGS.contains(&name) {
                    continue;
                }
                if let Field::Tag(_) = Field::resolve(name) {
                    blank.push(format!("{dataset}: {name}"));
                }
            }
        }
        blank.dedup();
        assert!(blank.is_empty(), "read as a tag of that name: {blank:?}");
    }

    #[test]
    fn os_distribution_comes_from_contexts_os() {
        let row = extract(
            &[
                "os.distribution_name",
                "os.distribution_version",
                "device.screen_dpi",
            ],
            r#"{"eventID":"a","contexts":{"os":{"distribution_name":"ubuntu","distribution_version":"24.04"},"device":{"screen_dpi":480}}}"#,
        );
        assert_eq!(row[0], s("ubuntu"));
        assert_eq!(row[1], s("24.04"));
        assert_eq!(row[2], Value::Int(480));
    }
}
