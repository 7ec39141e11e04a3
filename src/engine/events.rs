//! Reading event files: resolving `--events PATH` to files, gzip detection, NDJSON vs JSON
//! array detection, and streaming events one at a time with their file and line.
//!
//! NDJSON is streamed line by line through one reused buffer, so memory does not grow with
//! the file. A JSON array is read whole into memory (it cannot be resynchronised after an
//! error anyway), then walked element by element without building a tree.

mod array;
mod lines;
mod read;

pub use read::{scan_file, scan_part};

use super::EngineError;
use super::fields::{Projection, Value};
use lines::READ_BYTES;
use read::scan_file_as;
use std::fs::File;
use std::io::Read;
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
    /// Told of events read ([`EventFiles::on_scanned`]).
    pub(crate) on_scanned: Option<super::progress::ScanProgress>,
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
                on_scanned: None,
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
            on_scanned: None,
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

    /// The input cut into pieces of work for `n` threads, in input order ([`Part::order`] is
    /// the position in the returned list): whole files, except that with more than one thread
    /// a plain (uncompressed) NDJSON file larger than about a `4n`-th of the input is cut into
    /// byte ranges at line boundaries, so that every thread has work even with fewer files
    /// than threads, and no thread waits long at the end.
    pub fn chunks(&self, n: usize) -> Vec<Part> {
        let n = n.max(1) as u64;
        let sizes: Vec<u64> = self
            .files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .collect();
        let total: u64 = sizes.iter().sum();
        let target = (total / (n * CHUNKS_PER_THREAD)).max(MIN_SPLIT_BYTES);
        let mut chunks = Vec::new();
        for (file, &size) in self.files.iter().zip(&sizes) {
            let shown = self.shown(file);
            let splittable = (n > 1 && size > target)
                .then(|| splittable_size(file))
                .flatten();
            let Some(size) = splittable else {
                chunks.push(Part {
                    path: file.clone(),
                    shown: shown.to_owned(),
                    range: None,
                    order: chunks.len(),
                });
                continue;
            };
            let step = size.div_ceil(size.div_ceil(target));
            let mut start = 0;
            while start < size {
                let end = (start + step).min(size);
                chunks.push(Part {
                    path: file.clone(),
                    shown: shown.to_owned(),
                    range: Some((start, end)),
                    order: chunks.len(),
                });
                start = end;
            }
        }
        chunks
    }

    /// Splits the input into `n` shares of about equal size for `n` threads: the
    /// [`EventFiles::chunks`] dealt out largest first. Parts keep the input's order in
    /// [`Part::order`], so results can be made independent of the split.
    pub fn parts(&self, n: usize) -> Vec<Vec<Part>> {
        let n = n.max(1);
        let mut shares: Vec<Vec<Part>> = (0..n).map(|_| Vec::new()).collect();
        let mut chunks = self.chunks(n);
        chunks.sort_by_cached_key(|c| (std::cmp::Reverse(c.weight()), c.order));
        let mut loads = vec![0u64; n];
        for chunk in chunks {
            let lightest = (0..n).min_by_key(|&i| loads.get(i).copied()).unwrap_or(0);
            if let (Some(load), Some(share)) = (loads.get_mut(lightest), shares.get_mut(lightest)) {
                *load += chunk.weight().max(1);
                share.push(chunk);
            }
        }
        for share in &mut shares {
            share.sort_by_key(|c| c.order);
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
        on_scanned: None,
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

/// Byte ranges per thread a large input is cut into (see [`EventFiles::chunks`]).
const CHUNKS_PER_THREAD: u64 = 4;

impl Part {
    /// About how much work the part is: its bytes (a whole file's size on disk).
    pub fn weight(&self) -> u64 {
        match self.range {
            Some((start, end)) => end - start,
            None => std::fs::metadata(&self.path).map_or(0, |m| m.len()),
        }
    }
}

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
