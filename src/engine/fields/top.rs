//! The top level of an event: the fast scanner's reading and serde_json's fallback.

use super::Value;
use super::member::scalar;
use crate::engine::scan;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The top level by the fast scanner, `None` when serde_json must read it: text that is not
/// UTF-8 or holds control characters (only valid between tokens, and rare there) included.
pub(super) fn fast_top<'a>(top: &mut Top<'a>, text: &'a [u8], scalars: u32) -> Option<()> {
    let body = scan::trim(text);
    let mut ends = [0; scan::MAX_MEMBERS];
    let members = scan::object_members(body, &mut ends);
    if members.is_none() && !scan::no_control(body) {
        return None;
    }
    let text = simdutf8::basic::from_utf8(body).ok()?;
    let ends = members.and_then(|n| ends.get(..n));
    Top::scan(top, text, ends, scalars)
}

/// The top level of an event: scalars borrowed, big members kept as raw text for later.
#[derive(Default)]
pub(super) struct Top<'a> {
    /// Read by [`Top::scan`]: the text is valid JSON without control characters.
    pub(super) scanned: bool,
    pub(super) id: Option<Value<'a>>,
    pub(super) event_id: Option<Value<'a>>,
    pub(super) group_id: Option<Value<'a>>,
    pub(super) project_id: Option<Value<'a>>,
    pub(super) project_slug: Option<Value<'a>>,
    pub(super) title: Option<Value<'a>>,
    pub(super) message: Option<Value<'a>>,
    pub(super) event_type: Option<Value<'a>>,
    pub(super) platform: Option<Value<'a>>,
    pub(super) culprit: Option<Value<'a>>,
    pub(super) location: Option<Value<'a>>,
    pub(super) dist: Option<Value<'a>>,
    pub(super) date_created: Option<&'a str>,
    pub(super) datetime: Option<&'a str>,
    pub(super) date_received: Option<&'a str>,
    pub(super) start_timestamp: Option<&'a str>,
    pub(super) end_timestamp: Option<&'a str>,
    pub(super) tags: Option<&'a str>,
    pub(super) user: Option<&'a str>,
    pub(super) sdk: Option<&'a str>,
    pub(super) release: Option<&'a str>,
    pub(super) contexts: Option<&'a str>,
    pub(super) entries: Option<&'a str>,
    pub(super) measurements: Option<&'a str>,
    pub(super) exception: Option<&'a str>,
    pub(super) request: Option<&'a str>,
    pub(super) breakdowns: Option<&'a str>,
}

impl<'a> Top<'a> {
    /// Fills a default `top` by the fast scanner; `None` (`top` then half filled) when
    /// serde_json must decide. In place: `Top` is large to move. Scalar members not in
    /// `scalars` are left unset, once it is sure serde_json would read them without error.
    /// `ends` is where [`scan::object_members`] found each member to end, when it validated
    /// the text; otherwise the members are walked and validated token by token.
    fn scan(top: &mut Top<'a>, text: &'a str, ends: Option<&[u32]>, scalars: u32) -> Option<()> {
        top.scanned = true;
        let mut seen = 0u32;
        let member = |key, raw: &'a str| {
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
        };
        match ends {
            Some(ends) => scan::indexed_members(text, ends, member),
            None => scan::members(text, member),
        }
    }
}

pub(super) enum Slot<'s, 'a> {
    Raw(&'s mut Option<&'a str>),
    Value(&'s mut Option<Value<'a>>),
}

/// The top level as serde_json reads it (the fallback of [`Top::scan`]).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SerdeTop<'a> {
    #[serde(borrow)]
    pub(super) id: Option<Value<'a>>,
    #[serde(rename = "eventID", borrow)]
    pub(super) event_id: Option<Value<'a>>,
    #[serde(rename = "groupID", borrow)]
    pub(super) group_id: Option<Value<'a>>,
    #[serde(rename = "projectID", borrow)]
    pub(super) project_id: Option<Value<'a>>,
    #[serde(rename = "projectSlug", borrow)]
    pub(super) project_slug: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) title: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) message: Option<Value<'a>>,
    #[serde(rename = "type", borrow)]
    pub(super) event_type: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) platform: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) culprit: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) location: Option<Value<'a>>,
    #[serde(borrow)]
    pub(super) dist: Option<Value<'a>>,
    #[serde(rename = "dateCreated", borrow)]
    pub(super) date_created: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) datetime: Option<&'a RawValue>,
    #[serde(rename = "dateReceived", borrow)]
    pub(super) date_received: Option<&'a RawValue>,
    #[serde(rename = "startTimestamp", borrow)]
    pub(super) start_timestamp: Option<&'a RawValue>,
    #[serde(rename = "endTimestamp", borrow)]
    pub(super) end_timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) tags: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) user: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) sdk: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) release: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) contexts: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) entries: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) measurements: Option<&'a RawValue>,
    // Ingest-format payloads carry these at the top level instead of in `entries`.
    #[serde(borrow)]
    pub(super) exception: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) request: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) breakdowns: Option<&'a RawValue>,
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
