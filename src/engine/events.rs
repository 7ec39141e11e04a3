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
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// How to treat bad events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Skip malformed lines and events, counting them in [`ScanStats::skipped`], instead of
    /// failing on the first one. A syntax error inside a JSON array still fails: the rest of
    /// the array cannot be found again.
    pub skip_bad: bool,
    /// The longest NDJSON line read, in bytes (default [`DEFAULT_MAX_LINE_BYTES`]); a longer
    /// one is `dql::engine::line_too_long`, never a buffer that grows without end.
    pub max_line_bytes: usize,
}

/// The default longest NDJSON line: 256 MiB (Sentry's largest events are a few MiB).
pub const DEFAULT_MAX_LINE_BYTES: usize = 256 << 20;

/// The largest JSON-array file read whole into memory: 2 GiB (NDJSON has no such limit).
pub const MAX_ARRAY_BYTES: u64 = 2 << 30;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            skip_bad: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
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
    /// Its 1-based line (for an array element, the line where the element starts). In a byte
    /// range of a split file ([`EventFiles::parts`]) the line counts from the range's first
    /// line; errors always name the absolute line.
    pub line: u64,
}

/// The event files behind one `--events PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFiles {
    files: Vec<PathBuf>,
    /// The temporary copy of input that can be read only once, kept while the files are.
    spool: Option<Spool>,
    /// The path given for spooled input (`/dev/stdin`): errors name it, never the copy.
    given: Option<PathBuf>,
}

/// A temporary file deleted when the last [`EventFiles`] holding it goes.
#[derive(Clone, Debug)]
struct Spool(std::sync::Arc<tempfile::TempPath>);

impl PartialEq for Spool {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Spool {}

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
        if metadata.is_file() {
            return Ok(EventFiles {
                files: vec![path.to_owned()],
                spool: None,
                given: None,
            });
        }
        if !metadata.is_dir() {
            // Standard input, a pipe, a FIFO, a device: readable once, and a query may need
            // two passes (the first finds "now"), so it is copied aside first.
            return spool(path);
        }
        let read_err = |source| EngineError::Read {
            path: path.to_owned(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let name = entry.file_name();
            if !name.to_str().is_some_and(is_event_file_name) {
                continue;
            }
            let entry_path = entry.path();
            // Follows links: a dangling link or an entry that cannot be looked at is reported,
            // never skipped as if it were not there.
            let metadata = entry_path.metadata().map_err(|source| EngineError::Read {
                path: entry_path.clone(),
                source,
            })?;
            if metadata.is_file() {
                files.push(entry_path);
            }
        }
        if files.is_empty() {
            return Err(EngineError::NoEventFiles {
                path: path.to_owned(),
            });
        }
        files.sort();
        Ok(EventFiles {
            files,
            spool: None,
            given: None,
        })
    }

    /// The name errors give `file`: the path given for spooled input, else the file itself.
    fn shown<'a>(&'a self, file: &'a Path) -> &'a Path {
        match &self.given {
            Some(given) if self.spool.is_some() => given,
            _ => file,
        }
    }

    /// The files, in reading order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Splits the input into `n` shares of about equal size for `n` threads. Whole files are
    /// dealt out largest first; when there are fewer files than threads, one plain
    /// (uncompressed) NDJSON file is cut into byte ranges at line boundaries instead. Parts
    /// keep the input's order in [`Part::order`], so results can be made independent of the
    /// split.
    pub fn parts(&self, n: usize) -> Vec<Vec<Part>> {
        let n = n.max(1);
        let mut shares: Vec<Vec<Part>> = (0..n).map(|_| Vec::new()).collect();
        if let [only] = self.files.as_slice()
            && n > 1
            && let Some(size) = splittable_size(only)
        {
            let step = size.div_ceil(n as u64);
            for (i, share) in shares.iter_mut().enumerate() {
                let start = step * i as u64;
                let end = (start + step).min(size);
                if start < end {
                    share.push(Part {
                        path: only.clone(),
                        shown: self.shown(only).to_owned(),
                        range: Some((start, end)),
                        order: i,
                    });
                }
            }
            return shares;
        }
        let mut sized: Vec<(u64, usize, &PathBuf)> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (std::fs::metadata(f).map_or(0, |m| m.len()), i, f))
            .collect();
        sized.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut loads = vec![0u64; n];
        for (size, order, path) in sized {
            let lightest = (0..n).min_by_key(|&i| loads.get(i).copied()).unwrap_or(0);
            if let (Some(load), Some(share)) = (loads.get_mut(lightest), shares.get_mut(lightest)) {
                *load += size.max(1);
                share.push(Part {
                    path: path.clone(),
                    shown: self.shown(path).to_owned(),
                    range: None,
                    order,
                });
            }
        }
        shares
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
            let shown = self.shown(file);
            stats.merge(scan_file_as(
                file,
                shown,
                projection,
                options,
                &mut on_event,
            )?);
        }
        Ok(stats)
    }
}

/// Copies input that can be read only once into a temporary file, refusing a line longer than
/// [`DEFAULT_MAX_LINE_BYTES`] as it goes (so `/dev/zero` ends, and does not fill the disk).
fn spool(path: &Path) -> Result<EventFiles, EngineError> {
    let failed = |source| EngineError::SpoolFailed {
        path: path.to_owned(),
        source,
    };
    let mut input = File::open(path).map_err(|source| EngineError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut temp = tempfile::Builder::new()
        .prefix("dql-events-")
        .tempfile()
        .map_err(failed)?;
    let mut buf = vec![0u8; READ_BYTES];
    let mut gzip: Option<bool> = None;
    let (mut line, mut line_len) = (1u64, 0usize);
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(EngineError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let chunk = buf.get(..n).unwrap_or_default();
        // Compressed bytes have no lines (the decompressed ones are checked when read), and a
        // JSON array may be one line: only NDJSON is checked here.
        let unchecked = *gzip.get_or_insert_with(|| {
            let body = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
            chunk.starts_with(&[0x1f, 0x8b])
                || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
        });
        if !unchecked {
            for piece in chunk.split_inclusive(|&b| b == b'\n') {
                line_len += piece.len();
                if line_len > DEFAULT_MAX_LINE_BYTES {
                    return Err(EngineError::LineTooLong {
                        path: path.to_owned(),
                        line,
                        limit: DEFAULT_MAX_LINE_BYTES,
                    });
                }
                if piece.ends_with(b"\n") {
                    line += 1;
                    line_len = 0;
                }
            }
        }
        std::io::Write::write_all(&mut temp, chunk).map_err(failed)?;
    }
    std::io::Write::flush(&mut temp).map_err(failed)?;
    let temp = temp.into_temp_path();
    Ok(EventFiles {
        files: vec![temp.to_path_buf()],
        spool: Some(Spool(std::sync::Arc::new(temp))),
        given: Some(path.to_owned()),
    })
}

/// A share of the input: a whole file, or a byte range of a plain NDJSON file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The file.
    pub path: PathBuf,
    /// The name errors give it (the path given, for input copied aside).
    shown: PathBuf,
    /// `[start, end)` in bytes: the lines that start in it. `None`: the whole file.
    pub range: Option<(u64, u64)>,
    /// Its position in the input (files in reading order, ranges in file order).
    pub order: usize,
}

/// Files below this size are not worth cutting.
const MIN_SPLIT_BYTES: u64 = 1 << 20;

/// The size of a plain NDJSON file worth splitting; `None` for gzip, JSON arrays, small files.
fn splittable_size(path: &Path) -> Option<u64> {
    let size = std::fs::metadata(path).ok()?.len();
    if size < MIN_SPLIT_BYTES {
        return None;
    }
    let mut head = [0u8; 4096];
    let n = File::open(path).ok()?.read(&mut head).ok()?;
    let head = head.get(..n)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    let first = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .iter()
        .find(|b| !b.is_ascii_whitespace())?;
    (*first == b'{').then_some(size)
}

/// Streams the events of one part through `on_event` (see [`EventFiles::parts`]).
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
fn scan_file_as<E, F>(
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

struct Scan<'p> {
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
enum LinesBefore {
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

fn located(error: ExtractError, path: &Path, line: u64) -> EngineError {
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
const MAX_MESSAGE_CHARS: usize = 300;

fn clip_message(message: String) -> String {
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

/// Bytes read at a time: large reads, and lines handed out in place rather than copied.
const READ_BYTES: usize = 1 << 20;

/// The lines of a reader as slices of one buffer; a line is moved only when it straddles two
/// reads (the buffer grows for a line longer than itself).
struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
}

/// Why [`Lines::next_line`] gave no line.
enum LineError {
    Io(std::io::Error),
    /// The line is longer than the cap.
    TooLong,
}

impl<R: Read> Lines<R> {
    fn new(reader: R, max_line: usize) -> Self {
        Lines {
            reader,
            buf: vec![0; READ_BYTES.min(max_line.saturating_add(1)).max(1)],
            start: 0,
            end: 0,
            eof: false,
            max_line,
        }
    }

    /// The next line with its `\n` (the last line may have none); `None` at the end.
    fn next_line(&mut self) -> Result<Option<&[u8]>, LineError> {
        let mut searched = 0;
        loop {
            let pending = self
                .buf
                .get(self.start + searched..self.end)
                .unwrap_or_default();
            if let Some(i) = memchr::memchr(b'\n', pending) {
                let line = self.start..self.start + searched + i + 1;
                self.start = line.end;
                return Ok(self.buf.get(line));
            }
            searched = self.end - self.start;
            if self.eof {
                let line = self.start..self.end;
                self.start = self.end;
                return Ok(self.buf.get(line).filter(|l| !l.is_empty()));
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end > self.max_line {
                return Err(LineError::TooLong);
            }
            if self.end == self.buf.len() {
                let grown = (self.buf.len() * 2).min(self.max_line.saturating_add(1));
                self.buf.resize(grown.max(self.buf.len() + 1), 0);
            }
            let free = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.reader.read(free) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(LineError::Io(e)),
            }
        }
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
