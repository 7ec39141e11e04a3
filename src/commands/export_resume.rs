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

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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
pub(crate) fn load(path: &Path) -> Result<Option<Checkpoint>, String> {
    let at = checkpoint_path(path);
    let text = match std::fs::read_to_string(&at) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", at.display())),
    };
    let checkpoint: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a dql export checkpoint: {e}", at.display()))?;
    if checkpoint.dql_export_checkpoint != VERSION {
        return Err(format!(
            "{} is a checkpoint of another version ({}) of dql export",
            at.display(),
            checkpoint.dql_export_checkpoint
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
    ) -> Result<Sink, String> {
        let shown = path.display();
        let length = match std::fs::metadata(path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {shown}: {e}")),
        };
        let checkpoint = match found {
            None if length.unwrap_or(0) > 0 => {
                return Err(format!(
                    "{shown} exists and has no checkpoint ({}): it is not an interrupted export; \
                     remove it or name another file",
                    checkpoint_path(path).display()
                ));
            }
            None => Checkpoint::start(query, now),
            Some(c) if c.query != query => {
                return Err(format!(
                    "{} is the checkpoint of another export (another query, time range or \
                     Sentry); resume with the same query file, parameters and --now, or name \
                     another file",
                    checkpoint_path(path).display()
                ));
            }
            Some(c) if length.unwrap_or(0) < c.bytes => {
                return Err(format!(
                    "{shown} is shorter ({} bytes) than its checkpoint says ({}): it was changed \
                     since; remove both to start again",
                    length.unwrap_or(0),
                    c.bytes
                ));
            }
            Some(c) => c,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open {shown}: {e}"))?;
        // Whatever follows the checkpoint (a torn line, a page written but not checkpointed,
        // an incomplete mark) goes: it is fetched again.
        file.set_len(checkpoint.bytes)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
            .map_err(|e| format!("cannot truncate {shown}: {e}"))?;
        let mut sink = Sink::File {
            file,
            path: path.to_owned(),
            checkpoint,
        };
        sink.save()
            .map_err(|e| format!("cannot write the checkpoint: {e}"))?;
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

    fn sink(path: &Path, query: &str) -> Result<Sink, String> {
        Sink::resume(path, load(path).unwrap(), query.into(), "now".into())
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
        assert!(error.contains("another export"), "{error}");

        let foreign = dir.path().join("mine.ndjson");
        std::fs::write(&foreign, "{}\n").unwrap();
        let error = sink(&foreign, "q").err().unwrap();
        assert!(error.contains("no checkpoint"), "{error}");
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
}
