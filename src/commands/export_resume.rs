//! Where `dql export` writes, and `--resume FILE`: whole NDJSON lines, a page at a time, and
//! beside FILE a checkpoint (`FILE.checkpoint`, JSON, replaced atomically after each page)
//! saying how far the export got: the statement, the cursor of the next page, the ids of the
//! last page and the length of FILE at that point.
//!
//! Resuming truncates FILE to that length (whatever came after, a torn last line included, is
//! fetched again) and continues at the cursor, skipping an id the last page already wrote
//! (Sentry's cursor is an offset: an event ingested meanwhile shifts the next page by one).
//! The checkpoint keeps the instant relative times were resolved against, so the resumed
//! export asks for the same absolute time range.

use dql::diagnostic::Code;
use dql::registry::ResumeCode;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why `--resume FILE` cannot go on: a coded diagnostic (no source: the file is the subject)
/// with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResumeError {
    pub(crate) code: ResumeCode,
    pub(crate) message: String,
    pub(crate) help: String,
}

impl ResumeError {
    fn new(code: ResumeCode, message: String, help: impl Into<String>) -> ResumeError {
        ResumeError {
            code,
            message,
            help: help.into(),
        }
    }
}

impl std::fmt::Display for ResumeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResumeError {}

impl miette::Diagnostic for ResumeError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// The checkpoint format's version.
const VERSION: u32 = 1;

/// How far an export got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    /// [`VERSION`].
    pub(crate) dql_export_checkpoint: u32,
    /// The requests exported, as sent (time made absolute): a resume of another query is
    /// refused.
    pub(crate) query: String,
    /// The instant relative times were resolved against (RFC 3339).
    pub(crate) now: String,
    /// The statement being exported (those before it are done).
    pub(crate) statement: usize,
    /// The cursor of that statement's next page; `None` for its first.
    pub(crate) cursor: Option<String>,
    /// Events of that statement written so far.
    pub(crate) exported: u64,
    /// Events written in all.
    pub(crate) total: u64,
    /// The length of the output at this point, in bytes.
    pub(crate) bytes: u64,
    /// The ids of the last page written.
    pub(crate) last_ids: Vec<String>,
    /// The export finished.
    pub(crate) complete: bool,
}

impl Checkpoint {
    /// A checkpoint before anything is written.
    pub(crate) fn start(query: String, now: String) -> Checkpoint {
        Checkpoint {
            dql_export_checkpoint: VERSION,
            query,
            now,
            statement: 0,
            cursor: None,
            exported: 0,
            total: 0,
            bytes: 0,
            last_ids: Vec::new(),
            complete: false,
        }
    }
}

/// The checkpoint file of output `path`.
pub(crate) fn checkpoint_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Reads the checkpoint of output `path`; `Ok(None)` when there is none.
pub(crate) fn load(path: &Path) -> Result<Option<Checkpoint>, ResumeError> {
    let at = checkpoint_path(path);
    let shown = at.display();
    let start_again = format!(
        "remove {shown} and {} to export again from the start, or name another file",
        path.display()
    );
    let text = match std::fs::read_to_string(&at) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ResumeError::new(
                ResumeCode::CheckpointUnreadable,
                format!("cannot read the checkpoint {shown}: {e}"),
                format!("make it readable (it must be a file), or {start_again}"),
            ));
        }
    };
    let checkpoint: Checkpoint = serde_json::from_str(&text).map_err(|e| {
        ResumeError::new(
            ResumeCode::CheckpointCorrupt,
            format!("{shown} is not a dql export checkpoint: {e}"),
            format!("it was changed or written by something else; {start_again}"),
        )
    })?;
    if checkpoint.dql_export_checkpoint != VERSION {
        return Err(ResumeError::new(
            ResumeCode::CheckpointCorrupt,
            format!(
                "{shown} is a checkpoint of another version ({}) of dql export",
                checkpoint.dql_export_checkpoint
            ),
            format!(
                "resume with the dql that wrote it (checkpoint version {}), or {start_again}",
                checkpoint.dql_export_checkpoint
            ),
        ));
    }
    Ok(Some(checkpoint))
}

/// Where the events go: standard output, or a file with its checkpoint.
pub(crate) enum Sink {
    /// Standard output.
    Stdout(std::io::Stdout),
    /// `--resume FILE`.
    File {
        file: File,
        path: PathBuf,
        checkpoint: Checkpoint,
    },
}

impl Sink {
    /// Opens `path` for an export of `query`: a fresh one when neither it nor its checkpoint
    /// exists (or it is empty), else the interrupted one its checkpoint describes, the file
    /// cut back to the checkpoint's length. Refuses a file without a checkpoint, a checkpoint
    /// of another query and a file shorter than its checkpoint says.
    pub(crate) fn resume(
        path: &Path,
        found: Option<Checkpoint>,
        query: String,
        now: String,
    ) -> Result<Sink, ResumeError> {
        let shown = path.display();
        let checkpoint_at = checkpoint_path(path);
        let unusable = |what: String, e: std::io::Error| {
            ResumeError::new(
                ResumeCode::OutputUnusable,
                format!("{what}: {e}"),
                "check the path and its permissions, and that the disk has room",
            )
        };
        let start_again = format!(
            "remove {shown} and {} to export again from the start, or name another file",
            checkpoint_at.display()
        );
        let length = match std::fs::metadata(path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(unusable(format!("cannot read {shown}"), e)),
        };
        let checkpoint = match found {
            None if length.unwrap_or(0) > 0 => {
                return Err(ResumeError::new(
                    ResumeCode::NoCheckpoint,
                    format!(
                        "{shown} exists and has no checkpoint ({}): it is not an interrupted export",
                        checkpoint_at.display()
                    ),
                    "remove it or name another file; dql never writes over a file it did not start",
                ));
            }
            None => Checkpoint::start(query, now),
            Some(c) if c.query != query => {
                return Err(ResumeError::new(
                    ResumeCode::CheckpointMismatch,
                    format!(
                        "{} is the checkpoint of another export (another query, time range or \
                         Sentry)",
                        checkpoint_at.display()
                    ),
                    format!(
                        "resume with the same query file, parameters, --now and Sentry as the \
                         first run, or {start_again}"
                    ),
                ));
            }
            Some(c) if length.is_none() && c.bytes > 0 => {
                return Err(ResumeError::new(
                    ResumeCode::OutputMissing,
                    format!(
                        "{shown} is gone, but its checkpoint says {} events ({} bytes) were written \
                         to it",
                        c.total, c.bytes
                    ),
                    format!("restore the file if it was moved, or {start_again}"),
                ));
            }
            Some(c) if length.unwrap_or(0) < c.bytes => {
                return Err(ResumeError::new(
                    ResumeCode::OutputChanged,
                    format!(
                        "{shown} is shorter ({} bytes) than its checkpoint says ({}): it was \
                         changed since",
                        length.unwrap_or(0),
                        c.bytes
                    ),
                    start_again,
                ));
            }
            Some(c) => c,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| unusable(format!("cannot open {shown}"), e))?;
        // The checkpoint's length must end a line: otherwise the file was changed in place.
        if checkpoint.bytes > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(checkpoint.bytes - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| unusable(format!("cannot read {shown}"), e))?;
            if last != *b"\n" {
                return Err(ResumeError::new(
                    ResumeCode::OutputChanged,
                    format!(
                        "{shown} has no line ending where its checkpoint says the last page \
                         ended (byte {}): it was changed since",
                        checkpoint.bytes
                    ),
                    start_again,
                ));
            }
        }
        // Whatever follows the checkpoint (a torn line, a page written but not checkpointed,
        // an incomplete mark) goes: it is fetched again.
        file.set_len(checkpoint.bytes)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
            .map_err(|e| unusable(format!("cannot truncate {shown}"), e))?;
        let mut sink = Sink::File {
            file,
            path: path.to_owned(),
            checkpoint,
        };
        sink.save().map_err(|e| {
            unusable(
                format!("cannot write the checkpoint {}", checkpoint_at.display()),
                e,
            )
        })?;
        Ok(sink)
    }

    /// The checkpoint being continued from (`None` on standard output).
    pub(crate) fn checkpoint(&self) -> Option<&Checkpoint> {
        match self {
            Sink::Stdout(_) => None,
            Sink::File { checkpoint, .. } => Some(checkpoint),
        }
    }

    /// Writes one page's whole lines (`lines`, each ending in `\n`) and then records that the
    /// export got to `cursor` (the next page) of `statement`, `ids` being this page's; after
    /// its `last` page, that the next statement starts (in the same write, so an interruption
    /// between the two cannot repeat the statement).
    pub(crate) fn page(
        &mut self,
        lines: &[u8],
        events: u64,
        statement: usize,
        cursor: Option<String>,
        ids: Vec<String>,
        last: bool,
    ) -> std::io::Result<()> {
        match self {
            Sink::Stdout(out) => {
                let mut out = out.lock();
                out.write_all(lines)?;
                out.flush()
            }
            Sink::File {
                file, checkpoint, ..
            } => {
                file.write_all(lines)?;
                file.sync_data()?;
                if checkpoint.statement != statement {
                    checkpoint.statement = statement;
                    checkpoint.exported = 0;
                }
                checkpoint.cursor = cursor;
                checkpoint.exported += events;
                checkpoint.total += events;
                checkpoint.bytes += lines.len() as u64;
                checkpoint.last_ids = ids;
                if last {
                    checkpoint.statement = statement + 1;
                    checkpoint.cursor = None;
                    checkpoint.exported = 0;
                    checkpoint.last_ids.clear();
                }
                self.save()
            }
        }
    }

    /// Records that `statement` is done and the next one starts at its first page.
    pub(crate) fn next_statement(&mut self, statement: usize) -> std::io::Result<()> {
        if let Sink::File { checkpoint, .. } = self {
            checkpoint.statement = statement;
            checkpoint.cursor = None;
            checkpoint.exported = 0;
            checkpoint.last_ids.clear();
            return self.save();
        }
        Ok(())
    }

    /// Writes a line that is not an event (the incomplete mark) after the last page; on a
    /// file it is not checkpointed, so a resume removes it.
    pub(crate) fn trailer(&mut self, line: &str) -> std::io::Result<()> {
        self.unchecked(format!("{line}\n").as_bytes())
    }

    /// Writes whole lines that are not checkpointed (what a failed page got before failing):
    /// a resume removes them and fetches their page again.
    pub(crate) fn unchecked(&mut self, text: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Stdout(out) => {
                let mut out = out.lock();
                out.write_all(text)?;
                out.flush()
            }
            Sink::File { file, .. } => {
                file.write_all(text)?;
                file.sync_data()
            }
        }
    }

    /// Records that the export is complete.
    pub(crate) fn complete(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(out) => out.lock().flush(),
            Sink::File { checkpoint, .. } => {
                checkpoint.complete = true;
                checkpoint.cursor = None;
                self.save()
            }
        }
    }

    /// Replaces the checkpoint file atomically (a temporary file renamed over it).
    fn save(&mut self) -> std::io::Result<()> {
        let Sink::File {
            path, checkpoint, ..
        } = self
        else {
            return Ok(());
        };
        let at = checkpoint_path(path);
        let mut temporary = at.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let text = serde_json::to_vec_pretty(checkpoint).map_err(std::io::Error::from)?;
        {
            let mut file = File::create(&temporary)?;
            file.write_all(&text)?;
            file.sync_data()?;
        }
        std::fs::rename(&temporary, &at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test code")]
mod tests {
    use super::*;

    fn sink(path: &Path, query: &str) -> Result<Sink, ResumeError> {
        Sink::resume(path, load(path)?, query.into(), "now".into())
    }

    /// The code `sink` refuses `path` with.
    fn refused(path: &Path, query: &str) -> ResumeCode {
        match sink(path, query) {
            Ok(_) => panic!("{} was not refused", path.display()),
            Err(e) => {
                assert!(!e.help.is_empty(), "{e:?} has no help");
                e.code
            }
        }
    }

    #[test]
    fn a_resume_cuts_the_file_back_to_its_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut out = sink(&path, "q").unwrap();
        out.page(
            b"{\"a\":1}\n{\"a\":2}\n",
            2,
            0,
            Some("0:2:0".into()),
            vec!["x".into()],
            false,
        )
        .unwrap();
        drop(out);
        // Interrupted mid-page: a line and a half after the checkpoint.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"a\":3}\n{\"a\"").unwrap();
        drop(file);

        let out = sink(&path, "q").unwrap();
        let checkpoint = out.checkpoint().unwrap().clone();
        assert_eq!(checkpoint.cursor.as_deref(), Some("0:2:0"));
        assert_eq!((checkpoint.exported, checkpoint.total), (2, 2));
        assert_eq!(checkpoint.last_ids, ["x"]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n"
        );
    }

    #[test]
    fn another_query_or_a_file_without_checkpoint_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        sink(&path, "q").unwrap();
        let error = sink(&path, "other").err().unwrap();
        assert_eq!(error.code, ResumeCode::CheckpointMismatch);
        assert!(error.message.contains("another export"), "{error}");

        let foreign = dir.path().join("mine.ndjson");
        std::fs::write(&foreign, "{}\n").unwrap();
        let error = sink(&foreign, "q").err().unwrap();
        assert_eq!(error.code, ResumeCode::NoCheckpoint);
        assert!(error.message.contains("no checkpoint"), "{error}");
    }

    #[test]
    fn a_complete_export_says_so_and_statements_restart_their_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut out = sink(&path, "q").unwrap();
        out.page(b"{}\n", 1, 0, None, Vec::new(), false).unwrap();
        out.next_statement(1).unwrap();
        out.page(b"{}\n", 1, 1, Some("c".into()), Vec::new(), false)
            .unwrap();
        out.complete().unwrap();
        let checkpoint = load(&path).unwrap().unwrap();
        assert!(checkpoint.complete);
        assert_eq!((checkpoint.statement, checkpoint.exported), (1, 1));
        assert_eq!((checkpoint.total, checkpoint.bytes), (2, 6));
    }

    #[test]
    fn a_last_page_moves_the_checkpoint_to_the_next_statement_in_the_same_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut out = sink(&path, "q").unwrap();
        out.page(b"{}\n", 1, 0, None, vec!["a".into()], true)
            .unwrap();
        let checkpoint = load(&path).unwrap().unwrap();
        assert_eq!((checkpoint.statement, checkpoint.exported), (1, 0));
        assert_eq!((checkpoint.total, checkpoint.cursor), (1, None));
        assert!(checkpoint.last_ids.is_empty());
    }

    /// An export of two lines at `path`, checkpointed.
    fn two_lines(path: &Path) {
        let mut out = sink(path, "q").unwrap();
        out.page(
            b"{\"a\":1}\n{\"a\":2}\n",
            2,
            0,
            Some("c".into()),
            Vec::new(),
            false,
        )
        .unwrap();
    }

    #[test]
    fn a_checkpoint_that_is_no_checkpoint_is_refused_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        std::fs::write(
            checkpoint_path(&path),
            "{\"dql_export_checkpoint\": 1, \"que",
        )
        .unwrap();
        assert_eq!(refused(&path, "q"), ResumeCode::CheckpointCorrupt);
        let mut other = Checkpoint::start("q".into(), "now".into());
        other.dql_export_checkpoint = VERSION + 1;
        std::fs::write(checkpoint_path(&path), serde_json::to_vec(&other).unwrap()).unwrap();
        assert_eq!(refused(&path, "q"), ResumeCode::CheckpointCorrupt);
        // A directory where the checkpoint belongs cannot be read as one.
        std::fs::remove_file(checkpoint_path(&path)).unwrap();
        std::fs::create_dir(checkpoint_path(&path)).unwrap();
        assert_eq!(refused(&path, "q"), ResumeCode::CheckpointUnreadable);
    }

    #[test]
    fn an_output_gone_shorter_or_changed_in_place_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        two_lines(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(refused(&path, "q"), ResumeCode::OutputMissing);
        assert!(!path.exists(), "a missing output is not created again");

        two_lines(&dir.path().join("short.ndjson"));
        let short = dir.path().join("short.ndjson");
        std::fs::write(&short, "{\"a\":1}\n").unwrap();
        assert_eq!(refused(&short, "q"), ResumeCode::OutputChanged);
        assert_eq!(std::fs::read_to_string(&short).unwrap(), "{\"a\":1}\n");

        let torn = dir.path().join("torn.ndjson");
        two_lines(&torn);
        // As long as the checkpoint says, but no line ends where it says the last page did.
        std::fs::write(&torn, "{\"a\":1}\n{\"a\":2,\"b\":3").unwrap();
        assert_eq!(refused(&torn, "q"), ResumeCode::OutputChanged);
        assert_eq!(
            std::fs::read_to_string(&torn).unwrap(),
            "{\"a\":1}\n{\"a\":2,\"b\":3",
            "a refused resume cuts nothing"
        );
    }
}
