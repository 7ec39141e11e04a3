//! Output formatting of result sets: table, json, ndjson, csv, markdown.
//!
//! Every format is a [`Sink`] fed one result at a time (`begin`, `row`…, `end`) and closed with
//! `finish`. Columns come from the output plan ([`OutputColumn`]): they follow its order and its
//! labels (aliases are the headers), and any field of a row that the plan does not name (hidden
//! sort fields, the `id`/`project.name` Sentry adds) is dropped. The API's key order never
//! matters.
//!
//! Decisions every format shares:
//! - **Streaming.** csv (one result), ndjson and json write each row as it arrives, through a
//!   bounded buffer that [`Sink::flush`] empties (call it after each page), so memory does not
//!   grow with the row count. table, vertical and markdown need every width, so they keep the
//!   planned cells and render at `end`; with a row cap ([`Layout::max_rows`]) they keep only
//!   the rows they show.
//! - **Meta.** It may come with the first page and grow with later ones
//!   ([`Sink::extend_meta`]). Buffered formats and json's `meta` (written last) use the final
//!   meta; csv and ndjson use what is known when a row arrives.
//! - **Machine formats keep raw values** (numbers stay numbers, durations stay in their unit,
//!   percentages stay ratios), **except dates**: every format writes a `date` column as UTC RFC
//!   3339 (`2025-04-07T12:23:39Z`, sub-second digits kept), because Sentry gives the same column
//!   as `+00:00` strings on one endpoint and epoch seconds on another, and scripts should not
//!   care which one answered. A value that does not read as a date is kept as it came.
//! - **Missing values**: `null` in json and ndjson, an empty field in csv, [`NULL_MARK`] (`∅`)
//!   in table, vertical and markdown, so an empty string and no value look different.
//! - **json** has one shape whatever the number of statements: an array with one object per
//!   statement, `[{"name":…,"data":[row…],"meta":{"fields":{…},"units":{…}}}]`, one row per
//!   line. `name` is the statement's `@name` (null without one). Rows are keyed by label (what
//!   the user named), and `meta` is keyed the same way and lists only planned columns, so
//!   `meta.fields[k]` describes `data[i][k]`.
//! - **ndjson** is one row object per line, without meta. With several statements every row
//!   starts with a `"statement"` member: the statement's name, or its 1-based position.
//! - **csv** writes raw values; null is an empty field, arrays and objects are their JSON text.
//!   An empty result is the header line alone. With several statements csv is one table: a
//!   leading `statement` column (name or position) and the union of every statement's columns
//!   in the order they first appear, empty where a statement has no such column; it is written
//!   at `finish`. (The CLI's `--output-dir` writes one file per statement instead.)
//! - **table/vertical/markdown** render values for people (see [`units`]), right-align numeric
//!   columns, give a column of plain numbers one precision, and say `(no rows)` for an empty
//!   result. Several results are each preceded by their name (table: a line; markdown: a `##`
//!   heading); an unnamed one is called `result N`. table and vertical follow a [`Layout`]
//!   (width, row cap, expanded display); markdown is for pasting and always shows everything.
//! - **Failures.** A run that fails after rows were written calls [`Sink::abort`], which leaves
//!   the output visibly incomplete in every format (see there): a truncated json document does
//!   not parse, a truncated csv or ndjson ends with a line no reader takes for a row.

/// One-line summaries of a series (the REPL prints them under a result).
pub use crate::chart::sparklines;

mod grid;
mod machine;
pub mod units;

use crate::answer::OutputColumn;
use crate::registry::FormatCode;
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
    /// One block per row, a `label │ value` line per column (psql's expanded display).
    Vertical,
    /// A series as a braille line chart for a terminal (other results as a table).
    Chart,
    /// A series as an SVG document (other results as a table).
    Svg,
}

/// How a missing value is shown by the human formats.
pub const NULL_MARK: &str = "∅";

/// When the table format shows rows as vertical blocks instead (psql's `\x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expanded {
    /// Always a table.
    Off,
    /// Always vertical blocks.
    On,
    /// Vertical blocks when the table would not fit the width: when text columns would be cut
    /// below ten characters or numbers could not be shown whole.
    #[default]
    Auto,
}

/// How the human formats (table, vertical) fit their output. The default is no limit at all,
/// which is right for a file or a pipe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Columns available; long text is cut with `…` to fit. `None`: no limit.
    pub width: Option<usize>,
    /// Rows shown per result; a line under the result counts the rest. `None`: all of them.
    pub max_rows: Option<usize>,
    /// What that line suggests for seeing every row (e.g. "--format csv shows them all").
    pub all_rows_hint: Option<String>,
    /// When a table becomes vertical blocks.
    pub expanded: Expanded,
    /// Whether charts may use colour (a terminal, `NO_COLOR` unset). Tables never do.
    pub color: bool,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 8] = [
        Format::Table,
        Format::Json,
        Format::Ndjson,
        Format::Csv,
        Format::Markdown,
        Format::Vertical,
        Format::Chart,
        Format::Svg,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Vertical => "vertical",
            Format::Chart => "chart",
            Format::Svg => "svg",
        }
    }

    /// The file name extension of this format (`--output-dir`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table | Format::Vertical | Format::Chart => "txt",
            Format::Svg => "svg",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Markdown => "md",
        }
    }

    /// Whether this format is drawn for people (and follows a [`Layout`]).
    pub fn is_human(self) -> bool {
        matches!(
            self,
            Format::Table | Format::Vertical | Format::Markdown | Format::Chart
        )
    }

    /// A sink writing exactly one result to `out` (a second `begin` is an error), with no
    /// width or row limit.
    pub fn sink<'w>(self, out: impl Write + 'w) -> Box<dyn Sink + 'w> {
        self.sink_with(out, false, Layout::default())
    }

    /// A sink writing several results to `out`, each under its name (see the module docs for
    /// how each format separates them).
    pub fn sink_for_several<'w>(self, out: impl Write + 'w) -> Box<dyn Sink + 'w> {
        self.sink_with(out, true, Layout::default())
    }

    /// A sink for one result or `several`, drawing human formats to `layout`.
    pub fn sink_with<'w>(
        self,
        out: impl Write + 'w,
        several: bool,
        layout: Layout,
    ) -> Box<dyn Sink + 'w> {
        match self {
            Format::Table => Box::new(grid::GridSink::new(
                out,
                grid::Style::Table,
                several,
                layout,
            )),
            Format::Vertical => Box::new(grid::GridSink::new(
                out,
                grid::Style::Vertical,
                several,
                layout,
            )),
            Format::Markdown => Box::new(grid::GridSink::new(
                out,
                grid::Style::Markdown,
                several,
                layout,
            )),
            Format::Json => Box::new(machine::JsonSink::new(out, several)),
            Format::Ndjson => Box::new(machine::NdjsonSink::new(out, several)),
            Format::Csv => Box::new(machine::CsvSink::new(out, several)),
            Format::Chart => Box::new(crate::chart::ChartSink::new(
                out,
                crate::chart::Kind::Terminal,
                several,
                layout,
            )),
            Format::Svg => Box::new(crate::chart::ChartSink::new(
                out,
                crate::chart::Kind::Svg,
                several,
                layout,
            )),
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// `--format yaml`
    #[error("unknown output format `{given}`")]
    UnknownFormat {
        /// The name that was given.
        given: String,
    },
}

impl FormatError {
    /// The stable code of this error.
    pub fn code(&self) -> FormatCode {
        match self {
            FormatError::UnknownFormat { .. } => FormatCode::UnknownFormat,
        }
    }
}

impl miette::Diagnostic for FormatError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(FormatError::code(self).as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match self {
            FormatError::UnknownFormat { .. } => {
                "valid formats are: table, json, ndjson, csv, markdown, vertical, chart, svg"
            }
        };
        Some(Box::new(help))
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
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()>;
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
    columns: &[OutputColumn],
    result: &ResultSet,
) -> io::Result<()> {
    sink.begin(name, columns, &result.meta)?;
    for row in &result.data {
        sink.row(row)?;
    }
    sink.end()
}

/// Renders one result in `format` to a string (for tests, the REPL and small outputs).
pub fn render(format: Format, columns: &[OutputColumn], result: &ResultSet) -> io::Result<String> {
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
    meta.accuracy.merge(&extra.accuracy);
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
        let errors = [FormatError::UnknownFormat { given: "x".into() }];
        for error in &errors {
            let code = miette::Diagnostic::code(error).unwrap().to_string();
            assert_eq!(code, error.code().as_str());
            assert!(miette::Diagnostic::help(error).is_some());
        }
        assert_eq!(FormatCode::ALL.len(), errors.len());
    }
}
