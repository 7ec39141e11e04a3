//! Codes of the local engine (`dql::engine::*`): reading event files (`EngineCode`, carried
//! by `engine::EngineError`), and queries the evaluator refuses (`EvalCode`). Declared here
//! whether or not the `local` feature builds the engine.

crate::codes! {
    /// Codes of `dql::engine::*` carried by `engine::EngineError`.
    pub enum EngineCode in "engine" {
        /// `--events missing.ndjson`
        NotFound = "not_found" : "the --events path does not exist",
        /// a truncated `.gz` file
        ReadFailed = "read_failed" : "an event file could not be read or decompressed",
        /// `--events empty_dir/`
        NoEventFiles = "no_event_files" : "a directory given to --events holds no event files",
        /// the line `{"id": "a",`
        BadJson = "bad_json" : "a line or array element of an event file is not valid JSON",
        /// the line `[1, 2]`
        NotAnEvent = "not_an_event" : "a line or array element is valid JSON but not an event object",
        /// `"tags": 5`
        BadMember = "bad_member" : "an event member needed by the query has an unexpected shape",
        /// `--events /dev/zero`
        LineTooLong = "line_too_long" : "an NDJSON line is longer than the cap (256 MiB)",
        /// a 3 GB JSON-array file
        ArrayTooLarge = "array_too_large" : "a JSON-array file is too large to read whole (2 GiB); NDJSON is streamed",
        /// `--events /dev/stdin` with a full disk
        SpoolFailed = "spool_failed" : "input readable only once (a pipe, a FIFO) could not be copied to a temporary file",
    }
}

crate::codes! {
    /// Codes of `dql::engine::*` carried by [`Diagnostic`](crate::Diagnostic)s of the evaluator.
    pub enum EvalCode in "engine" {
        /// `SELECT var(transaction.duration) FROM transactions`, `SHOW EVENT …`, `FROM spans`
        NotSupportedLocally = "not_supported_locally" : "the local engine cannot evaluate this exactly, so it refuses rather than approximate",
    }
}
