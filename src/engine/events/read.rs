//! Streaming one file or one byte range of a file: gzip detection, NDJSON vs JSON array, and
//! each event extracted with its file and line (errors name the absolute line).

use super::array::ArrayWalker;
use super::lines::{LineError, Lines};
use super::{Event, MAX_ARRAY_BYTES, Part, ReadOptions, ScanStats};
use crate::engine::EngineError;
use crate::engine::fields::{ExtractError, Projection};
use flate2::bufread::MultiGzDecoder;
use serde::de::Deserializer as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Streams the events of one part through `on_event` (see [`EventFiles::parts`](crate::engine::EventFiles::parts)).
pub fn scan_part<E, F>(
    part: &Part,
    projection: &Projection,
    options: &ReadOptions,
    mut on_event: F,
) -> Result<ScanStats, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    let Some((start, end)) = part.range else {
        return scan_file_as(&part.path, &part.shown, projection, options, on_event);
    };
    let path = part.path.as_path();
    let shown = part.shown.as_path();
    let read_err = |source| EngineError::Read {
        path: shown.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    // Start one byte early: if that byte ends a line, the line starting at `start` is ours.
    let mut pos = start.saturating_sub(1);
    file.seek(SeekFrom::Start(pos)).map_err(read_err)?;
    let mut lines = Lines::new(file, options.max_line_bytes);
    let too_long = |line: u64| EngineError::LineTooLong {
        path: shown.to_owned(),
        line,
        limit: options.max_line_bytes,
    };
    if start > 0 {
        pos += match lines.next_line() {
            Ok(l) => l.map_or(0, <[u8]>::len) as u64,
            Err(LineError::Io(e)) => return Err(read_err(e).into()),
            // The tail of a line the previous part owns.
            Err(LineError::TooLong) => return Err(too_long(0).into()),
        };
    }
    let mut scan = Scan {
        path,
        shown,
        projection,
        options,
        stats: ScanStats::default(),
        lines_before: if start == 0 {
            LinesBefore::Known(0)
        } else {
            LinesBefore::UpTo(pos)
        },
    };
    let mut line = 1u64;
    while pos < end {
        let text = match lines.next_line() {
            Ok(Some(text)) => text,
            Ok(None) => break,
            Err(LineError::Io(e)) => return Err(read_err(e).into()),
            Err(LineError::TooLong) => {
                let line = scan.absolute(line);
                return Err(too_long(line).into());
            }
        };
        pos += text.len() as u64;
        if !text.iter().all(u8::is_ascii_whitespace) {
            scan.event(text, line, &mut on_event)?;
        }
        line += 1;
    }
    Ok(scan.stats)
}

/// Streams the events of one file (plain or gzip, NDJSON or JSON array) through `on_event`.
/// Callers that split work across threads hand each thread its own files.
pub fn scan_file<E, F>(
    path: &Path,
    projection: &Projection,
    options: &ReadOptions,
    on_event: F,
) -> Result<ScanStats, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    scan_file_as(path, path, projection, options, on_event)
}

/// [`scan_file`] with errors and events naming `shown` rather than `path`.
pub(super) fn scan_file_as<E, F>(
    path: &Path,
    shown: &Path,
    projection: &Projection,
    options: &ReadOptions,
    mut on_event: F,
) -> Result<ScanStats, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    let read_err = |source| EngineError::Read {
        path: shown.to_owned(),
        source,
    };
    let file = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => EngineError::NotFound {
            path: shown.to_owned(),
        },
        _ => read_err(source),
    })?;
    let mut raw = BufReader::with_capacity(1 << 18, file);
    let is_gzip = raw.fill_buf().map_err(read_err)?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead> = if is_gzip {
        Box::new(BufReader::with_capacity(1 << 18, MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    let mut scan = Scan {
        path,
        shown,
        projection,
        options,
        stats: ScanStats::default(),
        lines_before: LinesBefore::Known(0),
    };
    // Skip a byte-order mark and leading blank space, counting lines, to see the first byte.
    let mut line = 1u64;
    let first = loop {
        let buf = reader.fill_buf().map_err(read_err)?;
        let Some(&byte) = buf.first() else {
            return Ok(scan.stats);
        };
        let skip = if buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else if byte.is_ascii_whitespace() {
            line += u64::from(byte == b'\n');
            1
        } else {
            break byte;
        };
        reader.consume(skip);
    };
    if first == b'[' {
        let mut text = Vec::new();
        (&mut reader)
            .take(MAX_ARRAY_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(read_err)?;
        if text.len() as u64 > MAX_ARRAY_BYTES {
            return Err(EngineError::ArrayTooLarge {
                path: shown.to_owned(),
                limit: MAX_ARRAY_BYTES,
            }
            .into());
        }
        scan.array(&text, line, &mut on_event)?;
    } else {
        scan.ndjson(reader, line, &mut on_event)?;
    }
    Ok(scan.stats)
}

pub(super) struct Scan<'p> {
    /// The file read.
    path: &'p Path,
    /// The name errors and events give it.
    shown: &'p Path,
    projection: &'p Projection,
    options: &'p ReadOptions,
    stats: ScanStats,
    /// Lines before the first one this scan numbers 1.
    lines_before: LinesBefore,
}

/// How many lines precede a scan's first line: known, or to be counted (only when an error
/// needs it) as the newlines before a byte offset.
pub(super) enum LinesBefore {
    Known(u64),
    UpTo(u64),
}

impl Scan<'_> {
    /// The absolute line of the scan's `line`.
    fn absolute(&mut self, line: u64) -> u64 {
        if let LinesBefore::UpTo(offset) = self.lines_before {
            let counted = File::open(self.path).ok().map_or(0, |file| {
                let mut reader = BufReader::new(file).take(offset);
                let mut count = 0u64;
                while let Ok(buf) = reader.fill_buf() {
                    if buf.is_empty() {
                        break;
                    }
                    count += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                    let n = buf.len();
                    reader.consume(n);
                }
                count
            });
            self.lines_before = LinesBefore::Known(counted);
        }
        match self.lines_before {
            LinesBefore::Known(before) => before + line,
            LinesBefore::UpTo(_) => line,
        }
    }
}

impl Scan<'_> {
    fn ndjson<E, F>(
        &mut self,
        reader: Box<dyn BufRead>,
        first_line: u64,
        on_event: &mut F,
    ) -> Result<(), E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let mut lines = Lines::new(reader, self.options.max_line_bytes);
        let mut line = first_line;
        loop {
            let text = match lines.next_line() {
                Ok(Some(text)) => text,
                Ok(None) => return Ok(()),
                Err(LineError::Io(source)) => {
                    return Err(EngineError::Read {
                        path: self.shown.to_owned(),
                        source,
                    }
                    .into());
                }
                Err(LineError::TooLong) => {
                    return Err(EngineError::LineTooLong {
                        path: self.shown.to_owned(),
                        line,
                        limit: self.options.max_line_bytes,
                    }
                    .into());
                }
            };
            if !text.iter().all(u8::is_ascii_whitespace) {
                self.event(text, line, on_event)?;
            }
            line += 1;
        }
    }

    fn array<E, F>(&mut self, text: &[u8], first_line: u64, on_event: &mut F) -> Result<(), E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let mut walker = ArrayWalker {
            scan: self,
            on_event,
            text,
            line: first_line,
            counted_to: 0,
            stopped: None,
        };
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        let result = (&mut deserializer)
            .deserialize_seq(&mut walker)
            .and_then(|()| deserializer.end());
        if let Some(error) = walker.stopped.take() {
            return Err(error);
        }
        result.map_err(|e| {
            E::from(EngineError::BadJson {
                path: self.shown.to_owned(),
                line: first_line + e.line() as u64 - 1,
                message: e.to_string(),
            })
        })
    }

    /// Extracts one event and hands it on, or skips it when allowed.
    pub(super) fn event<E, F>(&mut self, text: &[u8], line: u64, on_event: &mut F) -> Result<(), E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        match self.projection.extract(text) {
            Ok(values) => {
                self.stats.events += 1;
                on_event(Event {
                    values,
                    path: self.shown,
                    line,
                })
            }
            Err(error) => {
                let line = self.absolute(line);
                let error = located(error, self.shown, line);
                if !self.options.skip_bad {
                    return Err(error.into());
                }
                self.stats.skipped += 1;
                if self.stats.first_skipped.is_none() {
                    self.stats.first_skipped = Some(error.to_string());
                }
                Ok(())
            }
        }
    }
}

pub(super) fn located(error: ExtractError, path: &Path, line: u64) -> EngineError {
    let path = path.to_owned();
    match error {
        ExtractError::BadJson(message) => EngineError::BadJson {
            path,
            line,
            message: clip_message(message),
        },
        ExtractError::NotAnEvent(found) => EngineError::NotAnEvent { path, line, found },
        ExtractError::BadMember { member, message } => EngineError::BadMember {
            path,
            line,
            member,
            message: clip_message(message),
        },
    }
}

/// The longest parser message kept: serde_json quotes the offending string whole, which for a
/// 10 MB value would put megabytes on stderr.
pub(super) const MAX_MESSAGE_CHARS: usize = 300;

pub(super) fn clip_message(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((cut, _)) => {
            let mut clipped = message.get(..cut).unwrap_or_default().to_owned();
            clipped.push_str(&format!(
                "… ({} more characters)",
                message.get(cut..).map_or(0, |rest| rest.chars().count())
            ));
            clipped
        }
    }
}
