//! The machine formats, which stream: csv, ndjson and json. Values stay raw except dates (see
//! the module docs of [`crate::format`]).

use super::{Progress, Sink, heading, merge_meta, misuse, units};
use crate::answer::OutputColumn;
use crate::result::{Meta, Row};
use serde_json::Value;
use std::io::{self, BufWriter, Write};

/// One planned column and whether its values are dates to normalise.
struct Planned {
    field: String,
    label: String,
    is_date: bool,
}

/// The plan of the open result and the meta known so far.
#[derive(Default)]
struct Plan {
    columns: Vec<Planned>,
    meta: Meta,
}

impl Plan {
    fn new(columns: &[OutputColumn], meta: &Meta) -> Self {
        let mut plan = Plan {
            columns: columns
                .iter()
                .map(|column| Planned {
                    field: column.field.clone(),
                    label: column.label.clone(),
                    is_date: false,
                })
                .collect(),
            meta: meta.clone(),
        };
        plan.refresh();
        plan
    }

    fn extend(&mut self, meta: &Meta) {
        merge_meta(&mut self.meta, meta);
        self.refresh();
    }

    fn refresh(&mut self) {
        for column in &mut self.columns {
            column.is_date =
                self.meta.fields.get(&column.field).map(String::as_str) == Some("date");
        }
    }

    /// The value to write for `column`: the row's own, a normalised date, or null when absent.
    fn value<'r>(column: &Planned, row: &'r Row) -> Cell<'r> {
        let value = row.get(&column.field).unwrap_or(&Value::Null);
        if column.is_date
            && let Some(date) = units::normalize_date(value)
        {
            return Cell::Date(date);
        }
        Cell::Raw(value)
    }
}

enum Cell<'r> {
    Raw(&'r Value),
    Date(String),
}

fn json_error(error: serde_json::Error) -> io::Error {
    io::Error::from(error)
}

/// Writes `{"label":value,…}` for the planned columns of `row`, after `"statement":…` when
/// `statement` (JSON text) is given.
fn write_json_row(
    out: &mut impl Write,
    plan: &Plan,
    row: &Row,
    statement: Option<&str>,
) -> io::Result<()> {
    out.write_all(b"{")?;
    if let Some(statement) = statement {
        out.write_all(b"\"statement\":")?;
        out.write_all(statement.as_bytes())?;
    }
    for (index, column) in plan.columns.iter().enumerate() {
        if index > 0 || statement.is_some() {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &column.label).map_err(json_error)?;
        out.write_all(b":")?;
        match Plan::value(column, row) {
            Cell::Raw(value) => serde_json::to_writer(&mut *out, value),
            Cell::Date(date) => serde_json::to_writer(&mut *out, &date),
        }
        .map_err(json_error)?;
    }
    out.write_all(b"}")
}

/// Writes `{"fields":{label:type…},"units":{label:unit…}}` for the planned columns Sentry
/// described, in plan order.
fn write_json_meta(out: &mut impl Write, plan: &Plan) -> io::Result<()> {
    out.write_all(b"{\"fields\":")?;
    write_by_label(out, plan, |field| plan.meta.fields.get(field))?;
    out.write_all(b",\"units\":")?;
    write_by_label(out, plan, |field| plan.meta.units.get(field))?;
    if !plan.meta.accuracy.is_exact() {
        out.write_all(b",\"accuracy\":")?;
        serde_json::to_writer(&mut *out, &plan.meta.accuracy)?;
    }
    out.write_all(b"}")
}

/// Writes `{label:value…}` for the planned columns `lookup` knows, in plan order.
fn write_by_label<'m, T: serde::Serialize + 'm>(
    out: &mut impl Write,
    plan: &Plan,
    lookup: impl Fn(&str) -> Option<&'m T>,
) -> io::Result<()> {
    out.write_all(b"{")?;
    let known = plan
        .columns
        .iter()
        .filter_map(|column| Some((&column.label, lookup(&column.field)?)));
    for (index, (label, value)) in known.enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, label).map_err(json_error)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, value).map_err(json_error)?;
    }
    out.write_all(b"}")
}

/// csv: a header line of labels, then one record per row. Made for several results, it keeps
/// them until `finish` and writes one table: `statement`, then the union of their columns.
pub(super) struct CsvSink<W: Write> {
    out: csv::Writer<W>,
    progress: Progress,
    plan: Plan,
    /// Reused for numbers and JSON text so a row allocates nothing of its own.
    scratch: Vec<u8>,
    /// With several results: each one's heading, labels and fields, written at `finish`.
    kept: Option<Vec<KeptResult>>,
}

/// One result of a several-result csv, kept until `finish`.
struct KeptResult {
    statement: String,
    labels: Vec<String>,
    rows: Vec<Vec<Vec<u8>>>,
}

impl<W: Write> CsvSink<W> {
    pub(super) fn new(out: W, several: bool) -> Self {
        CsvSink {
            out: csv::Writer::from_writer(out),
            progress: Progress::new(several),
            plan: Plan::default(),
            scratch: Vec::new(),
            kept: several.then(Vec::new),
        }
    }

    /// Writes the kept results as one table.
    /// Writes the kept results as one table; the number of its header's fields, if it wrote.
    fn write_kept(&mut self) -> io::Result<Option<usize>> {
        let Some(kept) = self.kept.take() else {
            return Ok(None);
        };
        let mut union: Vec<&str> = Vec::new();
        for result in &kept {
            for label in &result.labels {
                if !union.contains(&label.as_str()) {
                    union.push(label);
                }
            }
        }
        self.out
            .write_record(std::iter::once("statement").chain(union.iter().copied()))
            .map_err(csv_error)?;
        for result in &kept {
            let at: Vec<Option<usize>> = union
                .iter()
                .map(|label| result.labels.iter().position(|l| l == label))
                .collect();
            for row in &result.rows {
                self.out
                    .write_field(result.statement.as_bytes())
                    .map_err(csv_error)?;
                for index in &at {
                    let field = index
                        .and_then(|i| row.get(i))
                        .map_or(&[][..], Vec::as_slice);
                    self.out.write_field(field).map_err(csv_error)?;
                }
                self.out.write_record(None::<&[u8]>).map_err(csv_error)?;
            }
        }
        self.kept = Some(Vec::new());
        Ok(Some(union.len() + 1))
    }
}

/// The csv text of one planned cell: raw values, dates normalised, null empty.
fn csv_field<'s>(cell: &Cell<'s>, scratch: &'s mut Vec<u8>) -> io::Result<&'s [u8]> {
    Ok(match cell {
        Cell::Date(date) => {
            scratch.clear();
            scratch.extend_from_slice(date.as_bytes());
            scratch
        }
        Cell::Raw(Value::Null) => b"",
        Cell::Raw(Value::String(text)) => text.as_bytes(),
        Cell::Raw(Value::Bool(true)) => b"true",
        Cell::Raw(Value::Bool(false)) => b"false",
        Cell::Raw(other) => {
            // Numbers print as JSON does; arrays and objects as their JSON text.
            scratch.clear();
            serde_json::to_writer(&mut *scratch, other).map_err(json_error)?;
            scratch
        }
    })
}

fn csv_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        let position = self.progress.begin()?;
        self.plan = Plan::new(columns, meta);
        if let Some(kept) = &mut self.kept {
            kept.push(KeptResult {
                statement: heading(name, position),
                labels: self.plan.columns.iter().map(|c| c.label.clone()).collect(),
                rows: Vec::new(),
            });
            return Ok(());
        }
        self.out
            .write_record(
                self.plan
                    .columns
                    .iter()
                    .map(|column| column.label.as_bytes()),
            )
            .map_err(csv_error)
    }

    fn extend_meta(&mut self, meta: &Meta) {
        self.plan.extend(meta);
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        self.progress.require_open()?;
        if let Some(kept) = &mut self.kept {
            let mut fields = Vec::with_capacity(self.plan.columns.len());
            for column in &self.plan.columns {
                let cell = Plan::value(column, row);
                fields.push(csv_field(&cell, &mut self.scratch)?.to_vec());
            }
            if let Some(result) = kept.last_mut() {
                result.rows.push(fields);
            }
            return Ok(());
        }
        for column in &self.plan.columns {
            let cell = Plan::value(column, row);
            let field = csv_field(&cell, &mut self.scratch)?;
            self.out.write_field(field).map_err(csv_error)?;
        }
        self.out.write_record(None::<&[u8]>).map_err(csv_error)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        self.progress.end()?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.progress.open {
            self.end()?;
        }
        self.write_kept()?;
        self.kept = None;
        self.out.flush()
    }

    fn abort(&mut self) -> io::Result<()> {
        let was_open = std::mem::replace(&mut self.progress.open, false);
        // Several results are one table written at the end: what came is written, then marked.
        let width = match self.write_kept()? {
            Some(width) => {
                self.kept = None;
                Some(width)
            }
            None => was_open.then_some(self.plan.columns.len()),
        };
        if let Some(width) = width {
            // One field more than the header: strict readers refuse the file, and anyone
            // reading it sees the mark.
            let fields = std::iter::once(super::INCOMPLETE_MARK)
                .chain(std::iter::repeat_n("", width))
                .collect::<Vec<_>>();
            self.out.write_record(fields).map_err(csv_error)?;
        }
        self.out.flush()
    }
}

/// ndjson: one row object per line, nothing else.
pub(super) struct NdjsonSink<W: Write> {
    out: BufWriter<W>,
    progress: Progress,
    plan: Plan,
    /// With several results: the open one's `"statement"` member, as JSON text.
    statement: Option<String>,
}

impl<W: Write> NdjsonSink<W> {
    pub(super) fn new(out: W, several: bool) -> Self {
        NdjsonSink {
            out: BufWriter::new(out),
            progress: Progress::new(several),
            plan: Plan::default(),
            statement: None,
        }
    }
}

impl<W: Write> Sink for NdjsonSink<W> {
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        let position = self.progress.begin()?;
        self.plan = Plan::new(columns, meta);
        if self.progress.several {
            let text = serde_json::to_string(&heading(name, position)).map_err(json_error)?;
            self.statement = Some(text);
        }
        Ok(())
    }

    fn extend_meta(&mut self, meta: &Meta) {
        self.plan.extend(meta);
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        self.progress.require_open()?;
        write_json_row(&mut self.out, &self.plan, row, self.statement.as_deref())?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        self.progress.end()?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.progress.open {
            self.end()?;
        }
        self.out.flush()
    }

    fn abort(&mut self) -> io::Result<()> {
        if self.progress.open {
            self.progress.open = false;
            // Not JSON: a reader of the stream stops here rather than take it for the end.
            writeln!(self.out, "{}", super::INCOMPLETE_MARK)?;
        }
        self.out.flush()
    }
}

/// json: `[{"name":…,"data":[…],"meta":{…}},…]`, one object per result whether there is one
/// or several, rows streamed one per line and meta written last so it holds everything later
/// pages added.
pub(super) struct JsonSink<W: Write> {
    out: BufWriter<W>,
    progress: Progress,
    plan: Plan,
    n_rows: usize,
    finished: bool,
}

impl<W: Write> JsonSink<W> {
    pub(super) fn new(out: W, several: bool) -> Self {
        JsonSink {
            out: BufWriter::new(out),
            progress: Progress::new(several),
            plan: Plan::default(),
            n_rows: 0,
            finished: false,
        }
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        if self.finished {
            return Err(misuse("begin called after finish"));
        }
        let position = self.progress.begin()?;
        self.plan = Plan::new(columns, meta);
        self.n_rows = 0;
        self.out
            .write_all(if position == 1 { b"[\n" } else { b",\n" })?;
        self.out.write_all(b"{\"name\":")?;
        serde_json::to_writer(&mut self.out, &name).map_err(json_error)?;
        self.out.write_all(b",\"data\":[")
    }

    fn extend_meta(&mut self, meta: &Meta) {
        self.plan.extend(meta);
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        self.progress.require_open()?;
        self.out
            .write_all(if self.n_rows == 0 { b"\n" } else { b",\n" })?;
        self.n_rows += 1;
        write_json_row(&mut self.out, &self.plan, row, None)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        self.progress.end()?;
        self.out
            .write_all(if self.n_rows == 0 { b"]" } else { b"\n]" })?;
        self.out.write_all(b",\"meta\":")?;
        write_json_meta(&mut self.out, &self.plan)?;
        self.out.write_all(b"}")?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.finished {
            return self.out.flush();
        }
        if self.progress.open {
            self.end()?;
        }
        self.finished = true;
        // No result at all is still one valid document.
        self.out.write_all(if self.progress.n_started == 0 {
            b"[]\n"
        } else {
            b"\n]\n"
        })?;
        self.out.flush()
    }

    fn abort(&mut self) -> io::Result<()> {
        if self.finished {
            return self.out.flush();
        }
        self.finished = true;
        if self.progress.open {
            self.progress.open = false;
            // The document stays unclosed, so it cannot parse as a whole result.
            write!(self.out, "\n{}\n", super::INCOMPLETE_MARK)?;
        } else if self.progress.several && self.progress.n_started > 0 {
            write!(self.out, ",\n{}\n", super::INCOMPLETE_MARK)?;
        }
        self.out.flush()
    }
}
