//! [`EventView`]: one event being read, each field from its member, nested members parsed
//! on first use.

use super::member::*;
use super::nested;
use super::payload::*;
use super::tags::{Tags, first_tag, lookup_tags};
use super::top::Top;
use super::{ExtractError, Field, StackField, Value};
use std::borrow::Cow;

/// One event being read: the top level plus members parsed on first use.
pub(super) struct EventView<'a, 'p> {
    pub(super) top: Top<'a>,
    pub(super) tag_keys: &'p [String],
    /// The value of each of `tag_keys` (`None`: no such tag), once `tags` is read.
    pub(super) tags: Option<Vec<Option<Value<'a>>>>,
    /// Whether `tags` and the nested members may be read by the fast path ([`lookup_tags`],
    /// `nested.rs`) rather than serde_json alone.
    pub(super) fast: bool,
    pub(super) user: Option<User<'a>>,
    pub(super) contexts: Option<Contexts<'a>>,
    pub(super) exceptions: Option<Vec<Exception<'a>>>,
    /// Whether `exceptions` holds the stack frames (the fast path leaves them out unless a
    /// `stack.*` field needs them).
    pub(super) frames: bool,
    pub(super) request: Option<Request<'a>>,
}

impl<'a, 'p> EventView<'a, 'p> {
    pub(super) fn new(top: Top<'a>, tag_keys: &'p [String]) -> Self {
        EventView {
            top,
            tag_keys,
            fast: true,
            tags: None,
            user: None,
            contexts: None,
            exceptions: None,
            frames: false,
            request: None,
        }
    }

    pub(super) fn get(&mut self, field: &Field) -> Extracted<'a> {
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
                let exceptions = self.exceptions(false)?;
                Value::Bool(
                    !exceptions
                        .iter()
                        .any(|e| e.mechanism.as_ref().and_then(|m| m.handled) == Some(false)),
                )
            }
            Field::ErrorUnhandled => {
                let exceptions = self.exceptions(false)?;
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
            let fast = self.top.user.filter(|_| self.fast).and_then(nested::user);
            self.user = Some(match fast {
                Some(user) => user,
                None => parse_member(self.top.user, "user")?,
            });
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
            let (text, fast) = (self.top.contexts, self.fast);
            // Filled in place (see `nested::contexts_into`).
            let slot = self.contexts.insert(Contexts::default());
            if !(fast && text.is_some_and(|text| nested::contexts_into(text, slot).is_some())) {
                match parse_member(text, "contexts") {
                    Ok(contexts) => *slot = contexts,
                    Err(e) => {
                        self.contexts = None;
                        return Err(e);
                    }
                }
            }
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

    /// The exceptions; with `frames`, their stack frames too (without, the frames are not
    /// read at all, so a malformed one fails only the `stack.*` fields).
    fn exceptions(&mut self, frames: bool) -> Result<&[Exception<'a>], ExtractError> {
        if self.exceptions.is_none() || (frames && !self.frames) {
            let data = match self.entry("exception")? {
                Some(raw) => Some(raw),
                None => self.top.exception,
            };
            let fast = data
                .filter(|_| self.fast)
                .and_then(|d| nested::exceptions(d, frames));
            self.frames = frames;
            self.exceptions = Some(match fast {
                Some(values) => values,
                None if frames => {
                    let data: ExceptionData<'a> = parse_member(data, "entries")?;
                    data.values.unwrap_or_default()
                }
                None => {
                    let data: ExceptionHeads<'a> = parse_member(data, "entries")?;
                    let heads = data.values.unwrap_or_default();
                    heads.into_iter().map(Exception::from).collect()
                }
            });
        }
        Ok(self.exceptions.as_deref().unwrap_or_default())
    }

    fn request(&mut self) -> Result<&Request<'a>, ExtractError> {
        if self.request.is_none() {
            let data = match self.entry("request")? {
                Some(raw) => Some(raw),
                None => self.top.request,
            };
            let fast = data.filter(|_| self.fast).and_then(nested::request);
            self.request = Some(match fast {
                Some(request) => request,
                None => parse_member(data, "entries")?,
            });
        }
        Ok(self.request.get_or_insert_with(Request::default))
    }

    /// The `data` of the first entry of `kind`.
    fn entry(&self, kind: &str) -> Result<Option<&'a str>, ExtractError> {
        if let Some(found) = (self.top.entries)
            .filter(|_| self.fast)
            .and_then(|raw| nested::entry(raw, kind))
        {
            return Ok(found);
        }
        let entries: Option<Vec<Entry<'a>>> = parse_member(self.top.entries, "entries")?;
        Ok(entries
            .unwrap_or_default()
            .into_iter()
            .find(|e| e.kind == kind)
            .and_then(|e| e.data)
            .map(|raw| raw.0))
    }

    fn per_exception(&mut self, get: impl Fn(&Exception<'a>) -> Value<'a>) -> Extracted<'a> {
        Ok(Value::Array(
            self.exceptions(false)?.iter().map(get).collect(),
        ))
    }

    fn per_frame(&mut self, member: StackField) -> Extracted<'a> {
        let exceptions = self.exceptions(true)?;
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
