//! The human formats, which buffer a result to know its widths: table (drawn by comfy-table)
//! and markdown (a GitHub-flavoured pipe table).

use super::{Progress, Sink, heading, merge_meta, units};
use crate::lower::Column;
use crate::result::{Meta, Row};
use comfy_table::{CellAlignment, Table, presets};
use serde_json::Value;
use std::io::{self, BufWriter, Write};
use unicode_width::UnicodeWidthStr;

/// Which human format to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Table,
    Markdown,
}

/// Buffers the planned cells of one result and draws them at `end`.
pub(super) struct GridSink<W: Write> {
    out: BufWriter<W>,
    style: Style,
    progress: Progress,
    name: Option<String>,
    columns: Vec<Column>,
    meta: Meta,
    /// Raw planned values, row by row; rendered at `end` with the final meta.
    rows: Vec<Vec<Value>>,
}

impl<W: Write> GridSink<W> {
    pub(super) fn new(out: W, style: Style, several: bool) -> Self {
        GridSink {
            out: BufWriter::new(out),
            style,
            progress: Progress::new(several),
            name: None,
            columns: Vec::new(),
            meta: Meta::default(),
            rows: Vec::new(),
        }
    }

    /// Human text of every cell, and whether each column is numeric (right-aligned).
    fn render_cells(&self) -> (Vec<Vec<String>>, Vec<bool>) {
        let kinds: Vec<Option<&str>> = self
            .columns
            .iter()
            .map(|column| self.meta.fields.get(&column.field).map(String::as_str))
            .collect();
        let unit_of: Vec<Option<&str>> = self
            .columns
            .iter()
            .map(|column| {
                self.meta
                    .units
                    .get(&column.field)
                    .and_then(|unit| unit.as_deref())
            })
            .collect();
        let numeric = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, _)| match kinds.get(index).copied().flatten() {
                Some(kind) => units::is_numeric_type(kind),
                // Without a type, a column of numbers (nulls aside) is numeric.
                None => {
                    let mut values = self.rows.iter().filter_map(|row| row.get(index));
                    let mut any_number = false;
                    let all_numbers = values.all(|value| match value {
                        Value::Number(_) => {
                            any_number = true;
                            true
                        }
                        Value::Null => true,
                        _ => false,
                    });
                    all_numbers && any_number
                }
            })
            .collect();
        let cells = self
            .rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(row)
                    .enumerate()
                    .map(|(index, (column, value))| {
                        units::human(
                            value,
                            &column.field,
                            kinds.get(index).copied().flatten(),
                            unit_of.get(index).copied().flatten(),
                        )
                    })
                    .collect()
            })
            .collect();
        (cells, numeric)
    }

    fn draw_table(&mut self, cells: Vec<Vec<String>>, numeric: &[bool]) -> io::Result<()> {
        let n_rows = cells.len();
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        table.set_header(
            self.columns
                .iter()
                .map(|column| sanitize_table(&column.label)),
        );
        table.add_rows(
            cells
                .into_iter()
                .map(|row| row.into_iter().map(|cell| sanitize_table(&cell))),
        );
        for (index, is_numeric) in numeric.iter().enumerate() {
            if let (true, Some(column)) = (*is_numeric, table.column_mut(index)) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        for line in table.lines() {
            self.out.write_all(line.as_bytes())?;
            self.out.write_all(b"\n")?;
        }
        if n_rows == 0 {
            self.out.write_all(b"(no rows)\n")?;
        }
        Ok(())
    }

    fn draw_markdown(&mut self, cells: Vec<Vec<String>>, numeric: &[bool]) -> io::Result<()> {
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|column| sanitize_markdown(&column.label))
            .collect();
        let body: Vec<Vec<String>> = cells
            .iter()
            .map(|row| row.iter().map(|cell| sanitize_markdown(cell)).collect())
            .collect();
        // Three dashes is the narrowest separator every renderer accepts.
        let mut widths: Vec<usize> = header.iter().map(|label| label.width().max(3)).collect();
        for row in &body {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        let right = |index: usize| numeric.get(index).copied().unwrap_or(false);
        write_markdown_line(&mut self.out, &header, &widths, &right)?;
        let separator: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(index, width)| {
                if right(index) {
                    format!("{}:", "-".repeat(width.saturating_sub(1)))
                } else {
                    "-".repeat(*width)
                }
            })
            .collect();
        write_markdown_line(&mut self.out, &separator, &widths, &|_| false)?;
        for row in &body {
            write_markdown_line(&mut self.out, row, &widths, &right)?;
        }
        if body.is_empty() {
            self.out.write_all(b"\n(no rows)\n")?;
        }
        Ok(())
    }
}

fn write_markdown_line(
    out: &mut impl Write,
    cells: &[String],
    widths: &[usize],
    right: &dyn Fn(usize) -> bool,
) -> io::Result<()> {
    out.write_all(b"|")?;
    for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let padding = " ".repeat(width.saturating_sub(cell.width()));
        if right(index) {
            write!(out, " {padding}{cell} |")?;
        } else {
            write!(out, " {cell}{padding} |")?;
        }
    }
    out.write_all(b"\n")
}

/// Control characters (an ANSI escape in an event message, a tab) would move the terminal's
/// cursor and break the grid, so they are shown escaped; newlines stay (multi-line cells).
fn sanitize_table(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Markdown cells are one line and `|` ends them.
fn sanitize_markdown(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => clean.push_str("\\|"),
            '\n' => clean.push_str("<br>"),
            '\r' => {}
            c if c.is_control() => clean.extend(c.escape_default()),
            c => clean.push(c),
        }
    }
    clean
}

impl<W: Write> Sink for GridSink<W> {
    fn begin(&mut self, name: Option<&str>, columns: &[Column], meta: &Meta) -> io::Result<()> {
        self.progress.begin()?;
        self.name = name.map(str::to_owned);
        self.columns = columns.to_vec();
        self.meta = meta.clone();
        self.rows.clear();
        Ok(())
    }

    fn extend_meta(&mut self, meta: &Meta) {
        merge_meta(&mut self.meta, meta);
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        self.progress.require_open()?;
        self.rows.push(
            self.columns
                .iter()
                .map(|column| row.get(&column.field).cloned().unwrap_or(Value::Null))
                .collect(),
        );
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        self.progress.end()?;
        if self.progress.several {
            let position = self.progress.n_started;
            if position > 1 {
                self.out.write_all(b"\n")?;
            }
            let title = heading(self.name.as_deref(), position);
            match self.style {
                Style::Table => writeln!(self.out, "{}", sanitize_table(&title))?,
                Style::Markdown => writeln!(self.out, "## {}\n", sanitize_markdown(&title))?,
            }
        }
        let (cells, numeric) = self.render_cells();
        // The raw values are no longer needed; free them before drawing.
        self.rows = Vec::new();
        match self.style {
            Style::Table => self.draw_table(cells, &numeric)?,
            Style::Markdown => self.draw_markdown(cells, &numeric)?,
        }
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
            // The rows that came are worth seeing, under a line that says they are not all.
            self.end()?;
            match self.style {
                Style::Table => writeln!(self.out, "{}", super::INCOMPLETE_MARK)?,
                Style::Markdown => writeln!(self.out, "\n**{}**", super::INCOMPLETE_MARK)?,
            }
        }
        self.out.flush()
    }
}
