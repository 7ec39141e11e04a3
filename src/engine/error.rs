//! Why reading event files failed: [`EngineError`], each variant with its stable code (declared
//! once, in the registry, as [`EngineCode`]) and help.

use crate::registry::EngineCode;
use std::fmt;
use std::path::PathBuf;

/// Why reading events failed. Each variant has a stable code (see [`EngineCode`]) and help.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// `--events missing.ndjson` where the path does not exist.
    #[error("cannot find the event file or directory `{}`", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },

    /// A file that cannot be opened or read, or a corrupt gzip stream.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// `--events dir/` where the directory holds no `.ndjson`, `.jsonl`, `.json` (or `.gz`) file.
    #[error("the directory `{}` holds no event files", path.display())]
    NoEventFiles {
        /// The directory.
        path: PathBuf,
    },

    /// A line (or array element) that is not valid JSON, e.g. `{"id": "a",`.
    #[error("{}:{line}: invalid JSON: {message}", path.display())]
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
    NotAnEvent {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What was found (`an array`, `a string`, …).
        found: &'static str,
    },

    /// An NDJSON line longer than
    /// [`ReadOptions::max_line_bytes`](super::ReadOptions::max_line_bytes) (a file that is not
    /// NDJSON, `/dev/zero`, a line cut in a corrupt export).
    #[error("{}:{line}: the line is longer than {limit} bytes", path.display())]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line (0: the line runs on from before a part's start).
        line: u64,
        /// The cap, in bytes.
        limit: usize,
    },

    /// A JSON-array file too large to read whole.
    #[error("`{}` is a JSON array larger than {limit} bytes", path.display())]
    ArrayTooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        limit: u64,
    },

    /// Input that can be read only once (standard input, a pipe, a FIFO) could not be copied
    /// aside for the passes a query needs.
    #[error("cannot copy `{}` aside to read it more than once: {source}", path.display())]
    SpoolFailed {
        /// The input.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },

    /// An event whose member has an unexpected shape, e.g. `"tags": 5` or `"dateCreated": "soon"`.
    #[error("{}:{line}: the event's `{member}` is malformed: {message}", path.display())]
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
            EngineError::LineTooLong { .. } => EngineCode::LineTooLong,
            EngineError::ArrayTooLarge { .. } => EngineCode::ArrayTooLarge,
            EngineError::SpoolFailed { .. } => EngineCode::SpoolFailed,
        }
    }

    /// What to do about it.
    fn help_text(&self) -> &'static str {
        match self {
            EngineError::NotFound { .. } => {
                "--events takes an NDJSON or JSON-array file of Sentry event payloads \
                 (optionally .gz), or a directory of such files"
            }
            EngineError::Read { .. } => {
                "check the file's permissions; a .gz file must be a complete gzip stream"
            }
            EngineError::NoEventFiles { .. } => {
                "event files end in .ndjson, .jsonl or .json, optionally followed by .gz"
            }
            EngineError::BadJson { .. } => {
                "each line of an NDJSON file must hold one complete JSON object; pass \
                 --skip-bad to skip bad lines and count them"
            }
            EngineError::NotAnEvent { .. } => {
                "each event must be a JSON object as Sentry's event endpoints return it"
            }
            EngineError::LineTooLong { .. } => {
                "each line of an NDJSON file holds one event of at most a few MiB; is this an \
                 event export?"
            }
            EngineError::ArrayTooLarge { .. } => {
                "a JSON array is read whole into memory; export NDJSON instead (`dql export` \
                 writes it), which is streamed"
            }
            EngineError::SpoolFailed { .. } => {
                "a pipe or FIFO is copied to a temporary file first (TMPDIR); free space there, \
                 or write the events to a file and pass that"
            }
            EngineError::BadMember { .. } => {
                "the payload should have the shape of Sentry's event JSON; pass --skip-bad to \
                 skip such events and count them"
            }
        }
    }
}

impl miette::Diagnostic for EngineError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(EngineError::code(self).as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::EngineCode;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    #[test]
    fn every_engine_code_is_carried_by_one_error() {
        let path = PathBuf::from("x");
        let errors = [
            EngineError::NotFound { path: path.clone() },
            EngineError::Read {
                path: path.clone(),
                source: std::io::Error::other("x"),
            },
            EngineError::NoEventFiles { path: path.clone() },
            EngineError::BadJson {
                path: path.clone(),
                line: 1,
                message: String::new(),
            },
            EngineError::NotAnEvent {
                path: path.clone(),
                line: 1,
                found: "a number",
            },
            EngineError::BadMember {
                path: path.clone(),
                line: 1,
                member: "tags",
                message: String::new(),
            },
            EngineError::LineTooLong {
                path: path.clone(),
                line: 1,
                limit: 1,
            },
            EngineError::ArrayTooLarge {
                path: path.clone(),
                limit: 1,
            },
            EngineError::SpoolFailed {
                path,
                source: std::io::Error::other("x"),
            },
        ];
        // Every declared code is carried by exactly one variant, and miette reports it.
        let carried: BTreeSet<&str> = errors.iter().map(|e| e.code().as_str()).collect();
        let declared: BTreeSet<&str> = EngineCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(errors.len(), carried.len());
        assert_eq!(carried, declared);
        for error in &errors {
            let miette_code = miette::Diagnostic::code(error).map(|c| c.to_string());
            assert_eq!(miette_code.as_deref(), Some(error.code().as_str()));
            let help = miette::Diagnostic::help(error).map(|h| h.to_string());
            assert!(help.is_some_and(|h| !h.is_empty()));
        }
    }
}
