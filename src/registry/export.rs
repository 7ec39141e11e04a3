//! Codes of `dql export` (`dql::export::*`): statements that cannot be exported, and why
//! `--resume FILE` cannot continue. The binary raises them; they are listed here with every
//! other code.

crate::codes! {
    /// Why a statement cannot be exported (`dql export`).
    pub enum ExportCode in "export" {
        /// `dql export` of `SELECT count() FROM errors`
        NotExportable = "not_exportable" : "only a SELECT of single events (errors, transactions, discover) or rows (spans, logs) can be exported",
    }
}

crate::codes! {
    /// Why `dql export --resume FILE` cannot continue (or start).
    pub enum ResumeCode in "export" {
        /// `--resume out.ndjson` where `out.ndjson.checkpoint` is a directory
        CheckpointUnreadable = "checkpoint_unreadable" : "the checkpoint beside the --resume file exists but cannot be read",
        /// `--resume out.ndjson` where `out.ndjson.checkpoint` holds `not json`
        CheckpointCorrupt = "checkpoint_corrupt" : "the checkpoint beside the --resume file is not a checkpoint of this dql export (not JSON, another shape or another version)",
        /// `--resume out.ndjson` given another query than the interrupted export
        CheckpointMismatch = "checkpoint_mismatch" : "the checkpoint is of another export: another query, parameters, time range or Sentry",
        /// `--resume notes.txt` where `notes.txt` holds text and has no checkpoint
        NoCheckpoint = "no_checkpoint" : "the --resume file holds data but has no checkpoint beside it: it is no interrupted export",
        /// `--resume out.ndjson` after `out.ndjson` was deleted, its checkpoint kept
        OutputMissing = "output_missing" : "the checkpoint says events were written but the --resume file is gone",
        /// `--resume out.ndjson` after `out.ndjson` was cut shorter
        OutputChanged = "output_changed" : "the --resume file no longer matches its checkpoint: shorter than it says, or no line ends where it says",
        /// `--resume out.ndjson` in a directory that cannot be written
        OutputUnusable = "output_unusable" : "the --resume file or its checkpoint cannot be opened, read, cut back or written",
    }
}
