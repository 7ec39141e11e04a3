//! Reading event files: resolving `--events PATH` to files, gzip detection, NDJSON vs JSON
//! array detection, and streaming events one at a time with their file and line.
//!
//! NDJSON is streamed line by line through one reused buffer, so memory does not grow with
//! the file. A JSON array is read whole into memory (it cannot be resynchronised after an
//! error anyway), then walked element by element without building a tree.

use super::EngineError;
use super::fields::{ExtractError, Projection, Value};
use flate2::bufread::MultiGzDecoder;
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// How to treat bad events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Skip malformed lines and events, counting them in [`ScanStats::skipped`], instead of
    /// failing on the first one. A syntax error inside a JSON array still fails: the rest of
    /// the array cannot be found again.
    pub skip_bad: bool,
}

/// What a scan saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Events handed to the callback.
    pub events: u64,
    /// Bad lines or events skipped (only with [`ReadOptions::skip_bad`]).
    pub skipped: u64,
    /// The first skipped one's message (`file:line: …`), to show with the count.
    pub first_skipped: Option<String>,
}

impl ScanStats {
    /// Adds another scan's counts (e.g. another thread's files) to these.
    pub fn merge(&mut self, other: ScanStats) {
        self.events += other.events;
        self.skipped += other.skipped;
        if self.first_skipped.is_none() {
            self.first_skipped = other.first_skipped;
        }
    }
}

/// One event, as the evaluator sees it.
#[derive(Debug)]
pub struct Event<'a> {
    /// The projected fields, in projection order.
    pub values: Vec<Value<'a>>,
    /// The file it came from.
    pub path: &'a Path,
    /// Its 1-based line (for an array element, the line where the element starts).
    pub line: u64,
}

/// The event files behind one `--events PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFiles {
    files: Vec<PathBuf>,
}

const EVENT_EXTENSIONS: [&str; 3] = [".ndjson", ".jsonl", ".json"];

fn is_event_file_name(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    !name.starts_with('.') && EVENT_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

impl EventFiles {
    /// Resolves `path`: a file is taken as is (whatever its name); a directory contributes its
    /// `*.ndjson`, `*.jsonl`, `*.json` files and their `.gz` forms, sorted by name (not
    /// recursive).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EngineError> {
        let path = path.as_ref();
        let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => EngineError::NotFound {
                path: path.to_owned(),
            },
            _ => EngineError::Read {
                path: path.to_owned(),
                source,
            },
        })?;
        if !metadata.is_dir() {
            return Ok(EventFiles {
                files: vec![path.to_owned()],
            });
        }
        let read_err = |source| EngineError::Read {
            path: path.to_owned(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let name = entry.file_name();
            let is_file = entry.file_type().map_err(read_err)?.is_file()
                || entry.path().metadata().is_ok_and(|m| m.is_file());
            if is_file && name.to_str().is_some_and(is_event_file_name) {
                files.push(entry.path());
            }
        }
        if files.is_empty() {
            return Err(EngineError::NoEventFiles {
                path: path.to_owned(),
            });
        }
        files.sort();
        Ok(EventFiles { files })
    }

    /// The files, in reading order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Streams every event of every file through `on_event`, extracting `projection`.
    ///
    /// Stops at the first error, whether from reading or from `on_event`.
    pub fn scan<E, F>(
        &self,
        projection: &Projection,
        options: &ReadOptions,
        mut on_event: F,
    ) -> Result<ScanStats, E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let mut stats = ScanStats::default();
        for file in &self.files {
            stats.merge(scan_file(file, projection, options, &mut on_event)?);
        }
        Ok(stats)
    }
}

/// Streams the events of one file (plain or gzip, NDJSON or JSON array) through `on_event`.
/// Callers that split work across threads hand each thread its own files.
pub fn scan_file<E, F>(
    path: &Path,
    projection: &Projection,
    options: &ReadOptions,
    mut on_event: F,
) -> Result<ScanStats, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    let read_err = |source| EngineError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => EngineError::NotFound {
            path: path.to_owned(),
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
        projection,
        options,
        stats: ScanStats::default(),
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
        reader.read_to_end(&mut text).map_err(read_err)?;
        scan.array(&text, line, &mut on_event)?;
    } else {
        scan.ndjson(reader, line, &mut on_event)?;
    }
    Ok(scan.stats)
}

struct Scan<'p> {
    path: &'p Path,
    projection: &'p Projection,
    options: &'p ReadOptions,
    stats: ScanStats,
}

impl Scan<'_> {
    fn ndjson<E, F>(
        &mut self,
        mut reader: Box<dyn BufRead>,
        first_line: u64,
        on_event: &mut F,
    ) -> Result<(), E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let mut buf = Vec::with_capacity(1 << 12);
        let mut line = first_line;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|source| EngineError::Read {
                    path: self.path.to_owned(),
                    source,
                })?;
            if n == 0 {
                return Ok(());
            }
            if !buf.iter().all(u8::is_ascii_whitespace) {
                self.event(&buf, line, on_event)?;
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
                path: self.path.to_owned(),
                line: first_line + e.line() as u64 - 1,
                message: e.to_string(),
            })
        })
    }

    /// Extracts one event and hands it on, or skips it when allowed.
    fn event<E, F>(&mut self, text: &[u8], line: u64, on_event: &mut F) -> Result<(), E>
    where
        E: From<EngineError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        match self.projection.extract(text) {
            Ok(values) => {
                self.stats.events += 1;
                on_event(Event {
                    values,
                    path: self.path,
                    line,
                })
            }
            Err(error) => {
                let error = located(error, self.path, line);
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

fn located(error: ExtractError, path: &Path, line: u64) -> EngineError {
    let path = path.to_owned();
    match error {
        ExtractError::BadJson(message) => EngineError::BadJson {
            path,
            line,
            message,
        },
        ExtractError::NotAnEvent(found) => EngineError::NotAnEvent { path, line, found },
        ExtractError::BadMember { member, message } => EngineError::BadMember {
            path,
            line,
            member,
            message,
        },
    }
}

/// Walks a JSON array's elements as raw slices, handing each to [`Scan::event`].
struct ArrayWalker<'s, 'p, 't, F, E> {
    scan: &'s mut Scan<'p>,
    on_event: &'s mut F,
    text: &'t [u8],
    /// The line at byte `counted_to` of `text`.
    line: u64,
    counted_to: usize,
    /// The error that stopped the walk, if it came from us rather than from the JSON.
    stopped: Option<E>,
}

impl<'de, F, E> Visitor<'de> for &mut ArrayWalker<'_, '_, '_, F, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of event objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<&'de RawValue>()? {
            let element = element.get().as_bytes();
            // The element borrows from `text`; its offset gives its line.
            let offset = (element.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
            let counted = self.text.get(self.counted_to..offset).unwrap_or_default();
            self.line += counted.iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = offset.max(self.counted_to);
            if let Err(error) = self.scan.event(element, self.line, self.on_event) {
                self.stopped = Some(error);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}
