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

mod flat;
mod member;
mod nested;
mod payload;
mod projection;
mod tags;
mod top;
mod value;
mod view;

#[cfg(test)]
mod tests;

pub use projection::{ExtractError, Projection};
pub use value::{Value, format_timestamp, parse_timestamp};

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

/// The names the engine reads from a fixed payload member, each with its reading (the README
/// section "Where each field is read from"); [`Field::resolve`] looks a name up here after
/// `tags[…]` and before the families (`measurements.*`, `spans.*`, `device.*`). The test
/// `every_name_the_engine_reads_is_a_catalog_field` ties this table to the catalog.
pub(crate) const NAMED: &[(&str, Field)] = &[
    (
        "measurements.frames_slow_rate",
        Field::FramesRate("frames_slow"),
    ),
    (
        "measurements.frames_frozen_rate",
        Field::FramesRate("frames_frozen"),
    ),
    ("measurements.stall_percentage", Field::StallPercentage),
    ("id", Field::Id),
    ("issue.id", Field::IssueId),
    ("issue", Field::IssueId),
    ("project", Field::Project),
    ("project.name", Field::Project),
    // `project_id` is the search key of `project.id` (sentry-api.md §1.6).
    ("project.id", Field::ProjectId),
    ("project_id", Field::ProjectId),
    ("timestamp", Field::Timestamp),
    ("timestamp.to_hour", Field::TimestampToHour),
    ("timestamp.to_day", Field::TimestampToDay),
    ("error.received", Field::Received),
    ("event.type", Field::EventType),
    ("title", Field::Title),
    ("message", Field::Message),
    ("culprit", Field::Culprit),
    ("location", Field::Location),
    ("dist", Field::Dist),
    ("platform.name", Field::Platform),
    ("platform", Field::Platform),
    ("release", Field::Release),
    ("transaction", Field::Transaction),
    ("user", Field::User),
    ("user.id", Field::UserId),
    ("user.email", Field::UserEmail),
    ("user.username", Field::UserUsername),
    ("user.ip", Field::UserIp),
    ("user.display", Field::UserDisplay),
    ("error.type", Field::ErrorType),
    ("error.value", Field::ErrorValue),
    ("error.mechanism", Field::ErrorMechanism),
    ("error.handled", Field::ErrorHandled),
    ("error.unhandled", Field::ErrorUnhandled),
    ("stack.filename", Field::Stack(StackField::Filename)),
    ("stack.function", Field::Stack(StackField::Function)),
    ("stack.abs_path", Field::Stack(StackField::AbsPath)),
    ("stack.module", Field::Stack(StackField::Module)),
    ("stack.package", Field::Stack(StackField::Package)),
    ("stack.in_app", Field::Stack(StackField::InApp)),
    ("stack.lineno", Field::Stack(StackField::LineNo)),
    ("stack.colno", Field::Stack(StackField::ColNo)),
    ("http.method", Field::HttpMethod),
    ("http.url", Field::HttpUrl),
    ("transaction.duration", Field::TransactionDuration),
    ("transaction.op", Field::TransactionOp),
    ("transaction.status", Field::TransactionStatus),
    ("trace", Field::Trace),
    ("trace.span", Field::TraceSpan),
    ("trace.parent_span", Field::TraceParentSpan),
    ("sdk.name", Field::SdkName),
    ("sdk.version", Field::SdkVersion),
    ("browser.name", Field::BrowserName),
    ("os.name", Field::OsName),
    ("os.build", Field::Os("build")),
    ("os.kernel_version", Field::Os("kernel_version")),
    ("os.distribution_name", Field::Os("distribution_name")),
    ("os.distribution_version", Field::Os("distribution_version")),
    ("geo.country_code", Field::Geo("country_code")),
    ("geo.region", Field::Geo("region")),
    ("geo.city", Field::Geo("city")),
    ("geo.subdivision", Field::Geo("subdivision")),
    ("http.status_code", Field::HttpStatusCode),
    (SEARCH_MESSAGE, Field::SearchMessage),
];

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
        if let Some((_, field)) = NAMED.iter().find(|(named, _)| *named == name) {
            return field.clone();
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
        Field::Tag(name.to_owned())
    }
}
