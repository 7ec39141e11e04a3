//! Output formatting of result sets: table, json, ndjson, csv, markdown.
//!
//! Every format is a [`Sink`] fed one result at a time (`begin`, `row`…, `end`) and closed with
//! `finish`. Columns come from the output plan ([`Column`]): they follow its order and its
//! labels (aliases are the headers), and any field of a row that the plan does not name (hidden
//! sort fields, the `id`/`project.name` Sentry adds) is dropped. The API's key order never
//! matters.
//!
//! Decisions every format shares:
//! - **Streaming.** csv, ndjson and json write each row as it arrives, through a bounded buffer
//!   that [`Sink::flush`] empties (call it after each page), so memory does not grow with the
//!   row count. table and markdown need every width, so they keep the planned cells and render
//!   at `end`.
//! - **Meta.** It may come with the first page and grow with later ones
//!   ([`Sink::extend_meta`]). Buffered formats and json's `meta` (written last) use the final
//!   meta; csv and ndjson use what is known when a row arrives.
//! - **Machine formats keep raw values** (numbers stay numbers, durations stay in their unit,
//!   percentages stay ratios), **except dates**: every format writes a `date` column as UTC RFC
//!   3339 (`2025-04-07T12:23:39Z`, sub-second digits kept), because Sentry gives the same column
//!   as `+00:00` strings on one endpoint and epoch seconds on another, and scripts should not
//!   care which one answered. A value that does not read as a date is kept as it came.
//! - **json** is `{"data":[row…],"meta":{"fields":{…},"units":{…}}}`, one row per line. Rows are
//!   keyed by label (what the user named), and `meta` is keyed the same way and lists only
//!   planned columns, so `meta.fields[k]` describes `data[i][k]`. Several results make a JSON
//!   array of such objects, each with a leading `"name"` (null when the statement has none).
//!   ndjson is one row object per line, without meta.
//! - **csv** writes raw values; null is an empty field, arrays and objects are their JSON text.
//!   An empty result is the header line alone.
//! - **table/markdown** render values for people (see [`units`]), right-align numeric columns
//!   and say `(no rows)` for an empty result. Several results are each preceded by their name
//!   (table: a line; markdown: a `##` heading); an unnamed one is called `result N`.
//! - **Failures.** A run that fails after rows were written calls [`Sink::abort`], which leaves
//!   the output visibly incomplete in every format (see there): a truncated json document does
//!   not parse, a truncated csv or ndjson ends with a line no reader takes for a row.
//! - csv and ndjson cannot separate results: [`Format::separates_results`] says so and
//!   [`Format::sink_for_several`] refuses them with `dql::format::cannot_separate_results`.

pub mod codes;
mod grid;
mod machine;
pub mod units;

use crate::lower::Column;
use crate::result::{Meta, ResultSet, Row};
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A boxed table with human units; the default on a terminal.
    Table,
    /// One JSON document: `{"data": [...], "meta": {...}}`.
    Json,
    /// One JSON object per row and line.
    Ndjson,
    /// Comma-separated values with a header line; the default when piped.
    Csv,
    /// A GitHub-flavoured markdown table with human units.
    Markdown,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Ndjson,
        Format::Csv,
        Format::Markdown,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }

    /// Whether one output in this format can hold several named results. csv and ndjson cannot:
    /// the CLI then needs `--name` to pick one statement.
    pub fn separates_results(self) -> bool {
        !matches!(self, Format::Csv | Format::Ndjson)
    }

    /// A sink writing exactly one result to `out` (a second `begin` is an error).
    pub fn sink<'w>(self, out: impl Write + 'w) -> Box<dyn Sink + 'w> {
        self.make_sink(out, false)
    }

    /// A sink writing several results to `out`, each under its name; refused for formats that
    /// cannot separate results.
    pub fn sink_for_several<'w>(
        self,
        out: impl Write + 'w,
    ) -> Result<Box<dyn Sink + 'w>, FormatError> {
        if !self.separates_results() {
            return Err(FormatError::CannotSeparateResults { format: self });
        }
        Ok(self.make_sink(out, true))
    }

    fn make_sink<'w>(self, out: impl Write + 'w, several: bool) -> Box<dyn Sink + 'w> {
        match self {
            Format::Table => Box::new(grid::GridSink::new(out, grid::Style::Table, several)),
            Format::Markdown => Box::new(grid::GridSink::new(out, grid::Style::Markdown, several)),
            Format::Json => Box::new(machine::JsonSink::new(out, several)),
            Format::Ndjson => Box::new(machine::NdjsonSink::new(out)),
            Format::Csv => Box::new(machine::CsvSink::new(out)),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = FormatError;

    /// Reads a format name, ignoring case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| FormatError::UnknownFormat {
                given: text.to_owned(),
            })
    }
}

/// Errors of the format stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum FormatError {
    /// `--format yaml`
    #[error("unknown output format `{given}`")]
    #[diagnostic(
        code(dql::format::unknown_format),
        help("valid formats are: table, json, ndjson, csv, markdown")
    )]
    UnknownFormat {
        /// The name that was given.
        given: String,
    },
    /// `--format csv` on a file with several statements and no `--name`.
    #[error("{format} output cannot hold several results")]
    #[diagnostic(
        code(dql::format::cannot_separate_results),
        help("pick one statement with --name, or use table, json or markdown")
    )]
    CannotSeparateResults {
        /// The format that was asked for.
        format: Format,
    },
}

impl FormatError {
    /// The stable code of this error.
    pub fn code(&self) -> codes::FormatCode {
        match self {
            FormatError::UnknownFormat { .. } => codes::FormatCode::UnknownFormat,
            FormatError::CannotSeparateResults { .. } => codes::FormatCode::CannotSeparateResults,
        }
    }
}

/// A streaming writer of results in one format.
///
/// Call `begin`, then `row` for each row (and `extend_meta` when a later page brings more
/// meta), then `end`; repeat for further results when the sink was made for several; then
/// `finish`, which also ends a result still open. Calls out of order return an
/// [`io::ErrorKind::InvalidInput`] error; nothing panics.
pub trait Sink {
    /// Starts a result with its output plan and the meta known so far. `name` is shown only
    /// by sinks made for several results.
    fn begin(&mut self, name: Option<&str>, columns: &[Column], meta: &Meta) -> io::Result<()>;
    /// Merges meta brought by a later page (new entries win).
    fn extend_meta(&mut self, meta: &Meta);
    /// Adds one row; fields outside the plan are ignored and missing ones are null.
    fn row(&mut self, row: &Row) -> io::Result<()>;
    /// Pushes rows written so far to the writer (no-op for table and markdown, which cannot
    /// print before they know every width).
    fn flush(&mut self) -> io::Result<()>;
    /// Ends the current result (table and markdown render it now).
    fn end(&mut self) -> io::Result<()>;
    /// Ends the output and flushes the writer.
    fn finish(&mut self) -> io::Result<()>;
    /// Ends the output after a failure in the middle of a result, so that what was written
    /// cannot pass for a whole result: json is left unclosed, csv gets a last record with one
    /// field too many, ndjson a last line that is not JSON, and a table or markdown shows the
    /// rows it has under an `incomplete` line. Results ended before stay as they are; with no
    /// result open, nothing is added.
    fn abort(&mut self) -> io::Result<()>;
}

/// The line that marks an output cut short by a failure (see [`Sink::abort`]).
pub const INCOMPLETE_MARK: &str =
    "dql: INCOMPLETE RESULT: the run failed before every row was written (see stderr)";

/// Writes a whole result through `sink`: `begin`, every row, `end`.
pub fn write_result(
    sink: &mut dyn Sink,
    name: Option<&str>,
    columns: &[Column],
    result: &ResultSet,
) -> io::Result<()> {
    sink.begin(name, columns, &result.meta)?;
    for row in &result.data {
        sink.row(row)?;
    }
    sink.end()
}

/// Renders one result in `format` to a string (for tests, the REPL and small outputs).
pub fn render(format: Format, columns: &[Column], result: &ResultSet) -> io::Result<String> {
    let mut out = Vec::new();
    {
        let mut sink = format.sink(&mut out);
        write_result(sink.as_mut(), None, columns, result)?;
        sink.finish()?;
    }
    String::from_utf8(out).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// Adds `extra`'s entries to `meta`, replacing ones it already had.
fn merge_meta(meta: &mut Meta, extra: &Meta) {
    meta.fields.extend(
        extra
            .fields
            .iter()
            .map(|(field, kind)| (field.clone(), kind.clone())),
    );
    meta.units.extend(
        extra
            .units
            .iter()
            .map(|(field, unit)| (field.clone(), unit.clone())),
    );
}

/// Where a sink is in the `begin`/`row`/`end` sequence.
#[derive(Debug, Default)]
struct Progress {
    several: bool,
    n_started: usize,
    open: bool,
}

impl Progress {
    fn new(several: bool) -> Self {
        Progress {
            several,
            ..Progress::default()
        }
    }

    /// Starts a result; returns its 1-based position.
    fn begin(&mut self) -> io::Result<usize> {
        if self.open {
            return Err(misuse(
                "begin called while a result is open; call end first",
            ));
        }
        if !self.several && self.n_started > 0 {
            return Err(misuse(
                "this sink takes one result; make it with sink_for_several for more",
            ));
        }
        self.open = true;
        self.n_started += 1;
        Ok(self.n_started)
    }

    /// Closes the open result.
    fn end(&mut self) -> io::Result<()> {
        self.require_open()?;
        self.open = false;
        Ok(())
    }

    fn require_open(&self) -> io::Result<()> {
        if self.open {
            Ok(())
        } else {
            Err(misuse(
                "row or end called with no result open; call begin first",
            ))
        }
    }
}

fn misuse(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_owned())
}

/// The heading of a result among several.
fn heading(name: Option<&str>, position: usize) -> String {
    match name {
        Some(name) => name.to_owned(),
        None => format!("result {position}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn names_round_trip_and_ignore_case() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.name());
        }
        assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
    }

    #[test]
    fn unknown_format_lists_valid_names() {
        let error = "yaml".parse::<Format>().unwrap_err();
        assert_eq!(error.to_string(), "unknown output format `yaml`");
        let help = miette::Diagnostic::help(&error).unwrap().to_string();
        for format in Format::ALL {
            assert!(help.contains(format.name()), "{help}");
        }
    }

    #[test]
    fn miette_codes_match_declared_codes() {
        let errors = [
            FormatError::UnknownFormat { given: "x".into() },
            FormatError::CannotSeparateResults {
                format: Format::Csv,
            },
        ];
        for error in &errors {
            let code = miette::Diagnostic::code(error).unwrap().to_string();
            assert_eq!(code, error.code().code());
        }
        assert_eq!(codes::FormatCode::ALL.len(), errors.len());
    }

    #[test]
    fn only_csv_and_ndjson_cannot_separate_results() {
        for format in Format::ALL {
            let refused = format.sink_for_several(Vec::new()).is_err();
            assert_eq!(
                refused,
                matches!(format, Format::Csv | Format::Ndjson),
                "{format}"
            );
            assert_eq!(format.separates_results(), !refused);
        }
    }
}
