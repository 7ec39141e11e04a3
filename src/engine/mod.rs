//! The local engine: evaluates checked queries over exported Sentry events, offline.
//!
//! This module holds the data side: [`events`] finds and streams event files (NDJSON or a JSON
//! array, optionally gzip-compressed, or a directory of them), [`fields`] extracts only the
//! fields a query needs from each event into small [`Value`]s, and [`aggregate`] holds mergeable
//! accumulators for Discover's aggregate functions. The evaluator builds on these.
//!
//! ```no_run
//! use dql::engine::{EventFiles, Projection, ReadOptions};
//! let files = EventFiles::open("events.ndjson.gz")?;
//! let projection = Projection::new(["project", "level", "transaction.duration"]);
//! let stats = files.scan(&projection, &ReadOptions::default(), |event| {
//!     let _level = event.values.get(1);
//!     Ok::<(), dql::engine::EngineError>(())
//! })?;
//! assert_eq!(stats.skipped, 0);
//! # Ok::<(), dql::engine::EngineError>(())
//! ```

pub mod aggregate;
pub mod codes;
pub mod events;
pub mod fields;

pub use aggregate::{Accumulator, AggregateFn, FinishContext};
pub use codes::EngineCode;
pub use events::{Event, EventFiles, ReadOptions, ScanStats};
pub use fields::{Field, Projection, Value};

use std::path::PathBuf;

/// Why reading events failed. Each variant has a stable code (see [`EngineCode`]) and help.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EngineError {
    /// `--events missing.ndjson` where the path does not exist.
    #[error("cannot find the event file or directory `{}`", path.display())]
    #[diagnostic(
        code(dql::engine::not_found),
        help(
            "--events takes an NDJSON or JSON-array file of Sentry event payloads \
             (optionally .gz), or a directory of such files"
        )
    )]
    NotFound {
        /// The path given.
        path: PathBuf,
    },

    /// A file that cannot be opened or read, or a corrupt gzip stream.
    #[error("cannot read `{}`: {source}", path.display())]
    #[diagnostic(
        code(dql::engine::read_failed),
        help("check the file's permissions; a .gz file must be a complete gzip stream")
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// `--events dir/` where the directory holds no `.ndjson`, `.jsonl`, `.json` (or `.gz`) file.
    #[error("the directory `{}` holds no event files", path.display())]
    #[diagnostic(
        code(dql::engine::no_event_files),
        help("event files end in .ndjson, .jsonl or .json, optionally followed by .gz")
    )]
    NoEventFiles {
        /// The directory.
        path: PathBuf,
    },

    /// A line (or array element) that is not valid JSON, e.g. `{"id": "a",`.
    #[error("{}:{line}: invalid JSON: {message}", path.display())]
    #[diagnostic(
        code(dql::engine::bad_json),
        help(
            "each line of an NDJSON file must hold one complete JSON object; pass --skip-bad to skip bad lines and count them"
        )
    )]
    BadJson {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// serde_json's message.
        message: String,
    },

    /// Valid JSON that is not an object, e.g. the line `[1, 2]` or `"text"`.
    #[error("{}:{line}: expected an event object, found {found}", path.display())]
    #[diagnostic(
        code(dql::engine::not_an_event),
        help("each event must be a JSON object as Sentry's event endpoints return it")
    )]
    NotAnEvent {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What was found (`an array`, `a string`, …).
        found: &'static str,
    },

    /// An event whose member has an unexpected shape, e.g. `"tags": 5` or `"dateCreated": "soon"`.
    #[error("{}:{line}: the event's `{member}` is malformed: {message}", path.display())]
    #[diagnostic(
        code(dql::engine::bad_member),
        help(
            "the payload should have the shape of Sentry's event JSON; pass --skip-bad to skip such events and count them"
        )
    )]
    BadMember {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The top-level member (`tags`, `entries`, …).
        member: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl EngineError {
    /// The stable code of this error.
    pub fn code(&self) -> EngineCode {
        match self {
            EngineError::NotFound { .. } => EngineCode::NotFound,
            EngineError::Read { .. } => EngineCode::ReadFailed,
            EngineError::NoEventFiles { .. } => EngineCode::NoEventFiles,
            EngineError::BadJson { .. } => EngineCode::BadJson,
            EngineError::NotAnEvent { .. } => EngineCode::NotAnEvent,
            EngineError::BadMember { .. } => EngineCode::BadMember,
        }
    }
}
