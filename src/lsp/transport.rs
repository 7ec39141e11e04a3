//! Reading framed JSON-RPC messages (`Content-Length: N\r\n\r\n` and N bytes of JSON) without
//! ever giving up on the stream.
//!
//! `lsp-server`'s own reader ends the connection at the first malformed message, and sizes its
//! buffer by whatever `Content-Length` says; the protocol answers a malformed message with an
//! error response instead. So the framing is read here, and the message itself is decoded and
//! written by `lsp-server`.

use lsp_server::{ErrorCode, Message};
use serde_json::Value;
use std::io::{self, BufRead, Read, Write};

/// The largest message read (64 MiB): a larger one is skipped and answered with an error.
const MAX_MESSAGE: usize = 64 << 20;

/// The longest header line read at once.
const MAX_HEADER: u64 = 8 << 10;

/// What came in.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// The client closed the stream.
    Eof,
    /// A well-formed message.
    Message(Message),
    /// Something that is not a message: answered with an error response and skipped.
    Malformed {
        /// The request's id when one could be read, else `null` (as JSON-RPC asks).
        id: Value,
        /// `ParseError` or `InvalidRequest`.
        code: ErrorCode,
        /// What was wrong.
        message: String,
    },
}

fn malformed(id: Value, code: ErrorCode, message: impl Into<String>) -> Incoming {
    Incoming::Malformed {
        id,
        code,
        message: message.into(),
    }
}

/// Reads the next message.
pub(crate) fn read(r: &mut impl BufRead) -> io::Result<Incoming> {
    let mut length: Option<usize> = None;
    let mut bad: Option<String> = None;
    let mut headers = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        // A header line is short: one longer than this is read in pieces, each a bad header,
        // rather than held in memory whole.
        if r.by_ref().take(MAX_HEADER).read_until(b'\n', &mut line)? == 0 {
            return Ok(Incoming::Eof);
        }
        let text = String::from_utf8_lossy(&line);
        let header = text.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if headers == 0 {
                // Blank lines between messages are noise, not a message.
                continue;
            }
            break;
        }
        headers += 1;
        match header.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            // Content-Type and any other header: nothing to do.
            Some(_) => {}
            None => bad = Some(format!("malformed header `{header}`")),
        }
    }
    let Some(length) = length else {
        let why = bad.unwrap_or_else(|| "no Content-Length header".to_owned());
        return Ok(malformed(Value::Null, ErrorCode::ParseError, why));
    };
    if length > MAX_MESSAGE {
        io::copy(&mut r.take(length as u64), &mut io::sink())?;
        return Ok(malformed(
            Value::Null,
            ErrorCode::InvalidRequest,
            format!("a message of {length} bytes is more than the {MAX_MESSAGE} the server reads"),
        ));
    }
    let mut body = vec![0; length];
    match r.read_exact(&mut body) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Incoming::Eof),
        Err(e) => return Err(e),
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(malformed(
                Value::Null,
                ErrorCode::ParseError,
                format!("not JSON: {e}"),
            ));
        }
    };
    Ok(decode(value))
}

/// A JSON value as a message: a request has a string `method` and an `id`, a notification a
/// `method` and no `id`, a response an `id` and no `method`.
fn decode(value: Value) -> Incoming {
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let Some(object) = value.as_object() else {
        return malformed(id, ErrorCode::InvalidRequest, "a message is a JSON object");
    };
    match object.get("method") {
        Some(Value::String(_)) => {}
        Some(_) => {
            return malformed(id, ErrorCode::InvalidRequest, "`method` is not a string");
        }
        None if object.contains_key("id") => {
            // A response to a request of ours (the server sends none): nothing to do.
            return match serde_json::from_value(value) {
                Ok(m) => Incoming::Message(Message::Response(m)),
                Err(e) => malformed(id, ErrorCode::InvalidRequest, e.to_string()),
            };
        }
        None => return malformed(id, ErrorCode::InvalidRequest, "no `method`"),
    }
    let result = if object.contains_key("id") {
        serde_json::from_value(value).map(Message::Request)
    } else {
        serde_json::from_value(value).map(Message::Notification)
    };
    match result {
        Ok(m) => Incoming::Message(m),
        Err(e) => malformed(id, ErrorCode::InvalidRequest, e.to_string()),
    }
}

/// Writes a message.
pub(crate) fn write(w: &mut impl Write, message: Message) -> io::Result<()> {
    message.write(w)
}

/// Writes the error response to a malformed message (its id may be `null`, which
/// `lsp-server`'s response type cannot hold).
pub(crate) fn write_error(
    w: &mut impl Write,
    id: &Value,
    code: ErrorCode,
    message: &str,
) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
    .to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_through_malformed_messages() {
        let input = [
            frame("{not json"),
            frame("[1, 2]"),
            frame(r#"{"jsonrpc":"2.0","id":7,"method":5}"#),
            format!("X-Long: {}\r\n\r\n", "y".repeat(20_000)),
            "Content-Length: 99999999999\r\n\r\n".to_owned(),
        ]
        .concat();
        let mut r = io::Cursor::new(input.into_bytes());
        let mut got = Vec::new();
        loop {
            match read(&mut r).unwrap_or(Incoming::Eof) {
                Incoming::Eof => break,
                Incoming::Malformed { id, code, .. } => got.push((id, code as i32)),
                Incoming::Message(m) => panic!("not a message: {m:?}"),
            }
        }
        assert_eq!(
            got,
            [
                (Value::Null, ErrorCode::ParseError as i32),
                (Value::Null, ErrorCode::InvalidRequest as i32),
                (Value::from(7), ErrorCode::InvalidRequest as i32),
                (Value::Null, ErrorCode::ParseError as i32),
                (Value::Null, ErrorCode::InvalidRequest as i32),
            ]
        );
    }

    #[test]
    fn reads_requests_and_notifications() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            "\r\n".to_owned(),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let mut r = io::Cursor::new(input.into_bytes());
        assert!(matches!(
            read(&mut r),
            Ok(Incoming::Message(Message::Request(_)))
        ));
        assert!(matches!(
            read(&mut r),
            Ok(Incoming::Message(Message::Notification(_)))
        ));
        assert!(matches!(read(&mut r), Ok(Incoming::Eof)));
    }
}
