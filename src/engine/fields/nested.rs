//! The fast path for the nested members queries read most (`user`, `contexts`, `entries`, the
//! exceptions, the request): one walk of the member's text with the scanner's cursor into the
//! same structs serde_json fills (`payload.rs`), descending only into what they hold and
//! skipping the rest.
//!
//! Each reader answers `None` whenever serde_json must decide: a shape other than the common
//! one (a struct written as an array, a duplicate member, a key with escapes, a value of
//! another type, a number that is not a plain integer), so that an answer given here is always
//! the one serde_json gives, and every error is still serde_json's (the property tests in
//! `tests.rs` check both).

use super::Value;
use super::member::scalar;
use super::payload::{
    Contexts, Exception, Frame, Mechanism, NamedContext, Raw, Request, Stacktrace, TraceContext,
    User,
};
use crate::engine::scan::{self, Cursor};

/// Depth passed to the scanner when skipping a value (its limit is checked on the whole event
/// first).
const NESTED: usize = 2;

/// Marks member `bit` as seen; `None` when it was (serde_json's "duplicate field" error).
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    if *seen & (1 << bit) != 0 {
        return None;
    }
    *seen |= 1 << bit;
    Some(())
}

/// An `Option<Value>` member, as serde_json reads it.
fn value<'a>(c: &mut Cursor<'a>) -> Option<Option<Value<'a>>> {
    scalar(c.value(NESTED)?).ok()
}

/// An `Option<Raw>` member (`null` is `None`).
fn raw<'a>(c: &mut Cursor<'a>) -> Option<Option<Raw<'a>>> {
    let text = c.value(NESTED)?;
    Some((text != "null").then_some(Raw(text)))
}

/// An `Option<bool>` member.
fn boolean(c: &mut Cursor<'_>) -> Option<Option<bool>> {
    match c.value(NESTED)? {
        "true" => Some(Some(true)),
        "false" => Some(Some(false)),
        "null" => Some(None),
        _ => None,
    }
}

/// An `Option<i64>` member: plain integers only (serde_json reads `-0` as a float, and
/// rejects fractions and integers out of range).
fn integer(c: &mut Cursor<'_>) -> Option<Option<i64>> {
    let text = c.value(NESTED)?;
    if text == "null" {
        return Some(None);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    (n != 0 || !text.starts_with('-')).then_some(Some(n))
}

/// Whether the value at `c` is `null` (consumed then).
fn null(c: &mut Cursor<'_>) -> Option<bool> {
    if c.peek()? == b'n' {
        c.value(NESTED)?;
        return Some(true);
    }
    Some(false)
}

/// Reads one whole member text with `read`, which must leave nothing but whitespace. The
/// text is valid JSON (a member the top-level scanner or serde_json validated), so what is
/// not read is skipped without checking it again ([`Cursor::trusted`]).
fn whole<'a, T>(text: &'a str, read: impl FnOnce(&mut Cursor<'a>) -> Option<T>) -> Option<T> {
    let mut c = Cursor::trusted(text);
    let out = read(&mut c)?;
    c.ws();
    c.at_end().then_some(out)
}

/// `user`, as `parse_member::<User>` reads it.
pub(super) fn user(text: &str) -> Option<User<'_>> {
    whole(text, |c| {
        let mut user = User::default();
        if null(c)? {
            return Some(user);
        }
        let mut seen = 0;
        scan::object(c, |key, c| {
            let (bit, slot) = match key {
                "id" => (0, &mut user.id),
                "email" => (1, &mut user.email),
                "username" => (2, &mut user.username),
                "ip_address" => (3, &mut user.ip_address),
                "geo" => {
                    once(&mut seen, 4)?;
                    user.geo = raw(c)?;
                    return Some(());
                }
                _ => return c.value(NESTED).map(drop),
            };
            once(&mut seen, bit)?;
            *slot = value(c)?;
            Some(())
        })?;
        Some(user)
    })
}

/// `contexts`, as `parse_member::<Contexts>` reads it.
#[cfg(test)]
pub(super) fn contexts(text: &str) -> Option<Contexts<'_>> {
    let mut contexts = Contexts::default();
    contexts_into(text, &mut contexts)?;
    Some(contexts)
}

/// `contexts`, as `parse_member::<Contexts>` reads it, written into `contexts` (a default one)
/// in place: the struct is large, and moving it and its parts by value was 4 % of a query that
/// reads the trace context. `None` (`contexts` then half filled) when serde_json must read it.
pub(super) fn contexts_into<'a>(text: &'a str, contexts: &mut Contexts<'a>) -> Option<()> {
    whole(text, |c| {
        if null(c)? {
            return Some(());
        }
        let mut seen = 0;
        scan::object(c, |key, c| {
            match key {
                "trace" => {
                    once(&mut seen, 0)?;
                    trace_into(c, &mut contexts.trace)?;
                }
                "browser" | "os" | "client_os" => {
                    let (bit, slot) = match key {
                        "browser" => (1, &mut contexts.browser),
                        "os" => (2, &mut contexts.os),
                        _ => (3, &mut contexts.client_os),
                    };
                    once(&mut seen, bit)?;
                    named_into(c, slot)?;
                }
                "device" => {
                    once(&mut seen, 4)?;
                    contexts.device = raw(c)?;
                }
                "response" => {
                    once(&mut seen, 5)?;
                    contexts.response = raw(c)?;
                }
                _ => {
                    c.value(NESTED)?;
                }
            }
            Some(())
        })
    })
}

/// The trace context at `c` into `slot` (left `None` for null).
fn trace_into<'a>(c: &mut Cursor<'a>, slot: &mut Option<TraceContext<'a>>) -> Option<()> {
    if null(c)? {
        return Some(());
    }
    let trace = slot.insert(TraceContext::default());
    let mut seen = 0;
    scan::object(c, |key, c| {
        let (bit, slot) = match key {
            "op" => (0, &mut trace.op),
            "status" => (1, &mut trace.status),
            "trace_id" => (2, &mut trace.trace_id),
            "span_id" => (3, &mut trace.span_id),
            "parent_span_id" => (4, &mut trace.parent_span_id),
            _ => return c.value(NESTED).map(drop),
        };
        once(&mut seen, bit)?;
        *slot = value(c)?;
        Some(())
    })
}

/// A named context (browser, os) at `c` into `slot` (left `None` for null).
fn named_into<'a>(c: &mut Cursor<'a>, slot: &mut Option<NamedContext<'a>>) -> Option<()> {
    if null(c)? {
        return Some(());
    }
    let named = slot.insert(NamedContext::default());
    let mut seen = 0;
    scan::object(c, |key, c| {
        let (bit, slot) = match key {
            "name" => (0, &mut named.name),
            "build" => (1, &mut named.build),
            "kernel_version" => (2, &mut named.kernel_version),
            "distribution_name" => (3, &mut named.distribution_name),
            "distribution_version" => (4, &mut named.distribution_version),
            _ => return c.value(NESTED).map(drop),
        };
        once(&mut seen, bit)?;
        *slot = value(c)?;
        Some(())
    })
}

/// The `data` of the first entry of `kind` in `entries`, as `parse_member::<Option<Vec<Entry>>>`
/// then a search reads it: every entry must have a plain string `type`.
pub(super) fn entry<'a>(text: &'a str, kind: &str) -> Option<Option<&'a str>> {
    whole(text, |c| {
        if null(c)? {
            return Some(None);
        }
        let mut found: Option<Option<&'a str>> = None;
        scan::array(c, |c| {
            let (mut ty, mut data, mut seen) = (None, None, 0);
            scan::object(c, |key, c| {
                match key {
                    "type" => {
                        once(&mut seen, 0)?;
                        if c.peek()? != b'"' {
                            return None;
                        }
                        let (text, escaped) = c.string()?;
                        if escaped {
                            return None;
                        }
                        ty = Some(text);
                    }
                    "data" => {
                        once(&mut seen, 1)?;
                        data = raw(c)?;
                    }
                    _ => {
                        c.value(NESTED)?;
                    }
                }
                Some(())
            })?;
            // Every entry needs its `type`, also after the one found.
            let ty = ty?;
            if found.is_none() && ty == kind {
                found = Some(data.map(|d| d.0));
            }
            Some(())
        })?;
        Some(found.flatten())
    })
}

/// The exceptions of an exception entry's `data` (or the top-level `exception`), as
/// `parse_member::<ExceptionData>` reads them with `frames`, and as
/// `parse_member::<ExceptionHeads>` without (the stack traces skipped unread).
pub(super) fn exceptions(text: &str, frames: bool) -> Option<Vec<Exception<'_>>> {
    whole(text, |c| {
        if null(c)? {
            return Some(Vec::new());
        }
        let mut values = Vec::new();
        let mut seen = 0;
        scan::object(c, |key, c| {
            if key != "values" {
                return c.value(NESTED).map(drop);
            }
            once(&mut seen, 0)?;
            values.clear();
            if null(c)? {
                return Some(());
            }
            scan::array(c, |c| {
                values.push(exception(c, frames)?);
                Some(())
            })
        })?;
        Some(values)
    })
}

fn exception<'a>(c: &mut Cursor<'a>, keep_frames: bool) -> Option<Exception<'a>> {
    let mut exception = Exception::default();
    let mut seen = 0;
    scan::object(c, |key, c| {
        match key {
            "type" => {
                once(&mut seen, 0)?;
                exception.kind = value(c)?;
            }
            "value" => {
                once(&mut seen, 1)?;
                exception.value = value(c)?;
            }
            "mechanism" => {
                once(&mut seen, 2)?;
                exception.mechanism = mechanism(c)?;
            }
            "stacktrace" if keep_frames => {
                once(&mut seen, 3)?;
                exception.stacktrace = stacktrace(c)?;
            }
            _ => {
                c.value(NESTED)?;
            }
        }
        Some(())
    })?;
    Some(exception)
}

fn mechanism<'a>(c: &mut Cursor<'a>) -> Option<Option<Mechanism<'a>>> {
    if null(c)? {
        return Some(None);
    }
    let mut mechanism = Mechanism::default();
    let mut seen = 0;
    scan::object(c, |key, c| {
        match key {
            "type" => {
                once(&mut seen, 0)?;
                mechanism.kind = value(c)?;
            }
            "handled" => {
                once(&mut seen, 1)?;
                mechanism.handled = boolean(c)?;
            }
            _ => {
                c.value(NESTED)?;
            }
        }
        Some(())
    })?;
    Some(Some(mechanism))
}

fn stacktrace<'a>(c: &mut Cursor<'a>) -> Option<Option<Stacktrace<'a>>> {
    if null(c)? {
        return Some(None);
    }
    let mut stacktrace = Stacktrace::default();
    let mut seen = 0;
    scan::object(c, |key, c| {
        if key != "frames" {
            return c.value(NESTED).map(drop);
        }
        once(&mut seen, 0)?;
        if null(c)? {
            stacktrace.frames = None;
            return Some(());
        }
        let mut frames = Vec::new();
        scan::array(c, |c| {
            frames.push(frame(c)?);
            Some(())
        })?;
        stacktrace.frames = Some(frames);
        Some(())
    })?;
    Some(Some(stacktrace))
}

fn frame<'a>(c: &mut Cursor<'a>) -> Option<Frame<'a>> {
    let mut frame = Frame::default();
    let mut seen = 0;
    scan::object(c, |key, c| {
        let (bit, slot) = match key {
            "filename" => (0, &mut frame.filename),
            "function" => (1, &mut frame.function),
            // serde's `alias`: either name fills the field, both are a duplicate.
            "absPath" | "abs_path" => (2, &mut frame.abs_path),
            "module" => (3, &mut frame.module),
            "package" => (4, &mut frame.package),
            "inApp" | "in_app" => {
                once(&mut seen, 5)?;
                frame.in_app = boolean(c)?;
                return Some(());
            }
            "lineNo" | "lineno" => {
                once(&mut seen, 6)?;
                frame.line_no = integer(c)?;
                return Some(());
            }
            "colNo" | "colno" => {
                once(&mut seen, 7)?;
                frame.col_no = integer(c)?;
                return Some(());
            }
            _ => return c.value(NESTED).map(drop),
        };
        once(&mut seen, bit)?;
        *slot = value(c)?;
        Some(())
    })?;
    Some(frame)
}

/// A request entry's `data` (or the top-level `request`), as `parse_member::<Request>` reads it.
pub(super) fn request(text: &str) -> Option<Request<'_>> {
    whole(text, |c| {
        let mut request = Request::default();
        if null(c)? {
            return Some(request);
        }
        let mut seen = 0;
        scan::object(c, |key, c| {
            let (bit, slot) = match key {
                "method" => (0, &mut request.method),
                "url" => (1, &mut request.url),
                _ => return c.value(NESTED).map(drop),
            };
            once(&mut seen, bit)?;
            *slot = value(c)?;
            Some(())
        })?;
        Some(request)
    })
}
