//! [`Projection`]: the fields one query needs, extracted from one event's JSON text.

use super::member::top_error;
use super::top::{SerdeTop, Top, fast_top};
use super::view::EventView;
use super::{Field, Value};
use serde::de;

/// The fields one query needs, in the order the evaluator wants them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    pub(super) names: Vec<String>,
    pub(super) fields: Vec<Field>,
    /// Every tag key a field may read, looked up together in one pass over `tags`.
    pub(super) tag_keys: Vec<String>,
    /// The scalar top-level members the fields read, as bits of [`Top::scan`]'s numbering;
    /// the scanner only checks that the others would parse.
    pub(super) scalars: u32,
    /// Rows of a trace-item dataset (spans, logs): one flat object per item, keyed by the
    /// attribute names, instead of Sentry event payloads (see [`Projection::flat_rows`]).
    pub(super) flat: bool,
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

    /// [`Projection::extract`] by serde_json alone, without the fast scanners: the reference
    /// the fast path must agree with exactly, values and errors (the property tests and the
    /// `scanner` fuzz target check it).
    #[doc(hidden)]
    pub fn extract_reference<'a>(&self, text: &'a [u8]) -> Result<Vec<Value<'a>>, ExtractError> {
        self.extract_with(text, false)
    }

    /// [`Projection::extract`], with the fast scanners or with serde_json alone (`fast` false:
    /// the reference the tests compare the scanners with).
    pub(super) fn extract_with<'a>(
        &self,
        text: &'a [u8],
        fast: bool,
    ) -> Result<Vec<Value<'a>>, ExtractError> {
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
