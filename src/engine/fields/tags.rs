//! The `tags` member: the one-pass lookup of the fast path and serde_json's reading of
//! every shape.

use super::Value;
use super::member::as_text_value;
use crate::engine::scan;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Looks up `keys` in the tags member `raw` in one pass, setting each key's first value in
/// `found`. Handles the three shapes [`Tags`] reads — `[{"key": …, "value": …}]` (Sentry's
/// event JSON), `[[key, value]]` pairs and a `{key: value}` object (ingest payloads) — with
/// plain strings (or null values); `None` for anything else, which serde_json then reads.
pub(super) fn lookup_tags<'a>(
    raw: Option<&'a str>,
    keys: &[String],
    found: &mut [Option<Value<'a>>],
) -> Option<()> {
    let raw = match raw {
        None | Some("null") => return Some(()),
        Some(raw) => raw,
    };
    let mut set = |key: &str, value: Value<'a>| {
        if let Some(i) = keys.iter().position(|k| k == key)
            && let Some(slot @ None) = found.get_mut(i)
        {
            *slot = Some(value);
        }
    };
    // A member of a line the top-level scanner validated (see the caller).
    let mut c = scan::Cursor::trusted(raw);
    if c.peek()? == b'{' {
        scan::object(&mut c, |key, c| {
            set(key, tag_value(c)?);
            Some(())
        })?;
    } else {
        scan::array(&mut c, |c| {
            let (key, value) = match c.peek()? {
                b'{' => tag_object(c)?,
                b'[' => tag_pair(c)?,
                _ => return None,
            };
            set(key, value);
            Some(())
        })?;
    }
    c.ws();
    c.at_end().then_some(())
}

/// A string without escapes.
fn plain<'a>(c: &mut scan::Cursor<'a>) -> Option<&'a str> {
    if c.peek()? != b'"' {
        return None;
    }
    let (text, escaped) = c.string()?;
    (!escaped).then_some(text)
}

/// A tag's value: a plain string or null.
fn tag_value<'a>(c: &mut scan::Cursor<'a>) -> Option<Value<'a>> {
    match c.peek()? {
        b'"' => Some(Value::Str(Cow::Borrowed(plain(c)?))),
        b'n' => (c.value(2)? == "null").then_some(Value::Null),
        _ => None,
    }
}

/// `{"key": …, "value": …}` (other members ignored; the last `key` or `value` wins, as in
/// [`TagPairVisitor::visit_map`]).
fn tag_object<'a>(c: &mut scan::Cursor<'a>) -> Option<(&'a str, Value<'a>)> {
    let mut key = None;
    let mut value = Value::Null;
    scan::object(c, |name, c| {
        match name {
            "key" => key = Some(plain(c)?),
            "value" => value = tag_value(c)?,
            _ => {
                c.value(2)?;
            }
        }
        Some(())
    })?;
    Some((key?, value))
}

/// `[key, value, …]` (a missing value is null, further elements ignored, as in
/// [`TagPairVisitor::visit_seq`]).
fn tag_pair<'a>(c: &mut scan::Cursor<'a>) -> Option<(&'a str, Value<'a>)> {
    let mut key = None;
    let mut value = Value::Null;
    let mut at = 0;
    scan::array(c, |c| {
        match at {
            0 => key = Some(plain(c)?),
            1 => value = tag_value(c)?,
            _ => {
                c.value(2)?;
            }
        }
        at += 1;
        Some(())
    })?;
    Some((key?, value))
}

/// The tags list: `[{key, value}]` (Sentry's event JSON), `[[key, value]]` or `{key: value}`
/// (ingest payloads).
#[derive(Default)]
pub(super) struct Tags<'a>(Vec<(Cow<'a, str>, Value<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Tags<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TagsVisitor)
    }
}

pub(super) struct TagsVisitor;

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

pub(super) struct TagPair<'a>(Cow<'a, str>, Value<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for TagPair<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TagPairVisitor)
    }
}

pub(super) struct TagPairVisitor;

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
pub(super) struct BorrowedText<'a>(Cow<'a, str>);

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

/// The first value of `key` in `tags`, as text.
pub(super) fn first_tag<'a>(tags: &Tags<'a>, key: &str) -> Value<'a> {
    tags.0
        .iter()
        .find(|(k, _)| k == key)
        .map_or(Value::Null, |(_, v)| as_text_value(v))
}
