//! The human formats, which buffer a result to know its widths: table (drawn by comfy-table),
//! vertical (one block per row, also drawn by comfy-table) and markdown (a GitHub-flavoured
//! pipe table).
//!
//! Table and vertical follow the [`Layout`]: with a width they fit it (comfy-table's dynamic
//! arrangement; text cut to one line ending in `…`, numbers and dates kept whole), with a
//! row cap they show the first rows and say how many more there are. Markdown is for pasting
//! and always shows everything.

use super::{Expanded, Layout, NULL_MARK, Progress, Sink, heading, merge_meta, units};
use crate::answer::OutputColumn;
use crate::result::{Meta, Row as ResultRow};
use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, ContentLineStyle, Row, Table, TableStyle,
    Width, presets,
};
use serde_json::Value;
use std::io::{self, BufWriter, Write};
use unicode_width::UnicodeWidthStr;

/// Which human format to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Table,
    Vertical,
    Markdown,
}

/// The narrowest a text column is cut to before `auto` expanded display turns the table into
/// vertical blocks: below this, values are no longer recognisable.
const MIN_TEXT_WIDTH: usize = 10;

/// The width a number or date column's label gets in a cut table: a short label (`count()`,
/// `users`) stays whole, since splitting it would save the text columns two or three
/// characters at the price of an unreadable header (`coun`/`t()`); a long one
/// (`count_unique(user)`) wraps onto a second line.
fn whole_label_width(label: usize) -> usize {
    if label <= MIN_TEXT_WIDTH {
        label
    } else {
        label.div_ceil(2)
    }
}

/// Buffers the planned cells of one result and draws them at `end`.
pub(super) struct GridSink<W: Write> {
    out: BufWriter<W>,
    style: Style,
    layout: Layout,
    progress: Progress,
    name: Option<String>,
    columns: Vec<OutputColumn>,
    meta: Meta,
    /// Raw planned values, row by row; rendered at `end` with the final meta.
    rows: Vec<Vec<Value>>,
    /// Rows past the layout's cap: counted, not kept.
    n_hidden: usize,
}

/// The text of a result, ready to draw.
struct Cells {
    labels: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Whether each column is numeric (right-aligned, never cut).
    numeric: Vec<bool>,
    /// Whether each column is kept whole when the table is fitted: numbers and dates, which
    /// mean nothing cut.
    whole: Vec<bool>,
}

impl<W: Write> GridSink<W> {
    pub(super) fn new(out: W, style: Style, several: bool, layout: Layout) -> Self {
        GridSink {
            out: BufWriter::new(out),
            style,
            layout,
            progress: Progress::new(several),
            name: None,
            columns: Vec::new(),
            meta: Meta::default(),
            rows: Vec::new(),
            n_hidden: 0,
        }
    }

    /// The row cap in effect: the layout's for table and vertical, none for markdown.
    fn max_rows(&self) -> Option<usize> {
        match self.style {
            Style::Markdown => None,
            Style::Table | Style::Vertical => self.layout.max_rows,
        }
    }

    /// Human text of every cell, and whether each column is numeric (right-aligned).
    fn render_cells(&self) -> Cells {
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
        let numeric: Vec<bool> = self
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
        // Rendered column by column: a column of plain numbers shares one precision.
        let mut rows: Vec<Vec<String>> =
            vec![Vec::with_capacity(self.columns.len()); self.rows.len()];
        for (index, column) in self.columns.iter().enumerate() {
            let values: Vec<&Value> = self
                .rows
                .iter()
                .map(|row| row.get(index).unwrap_or(&Value::Null))
                .collect();
            let texts = units::human_column(
                &values,
                &column.field,
                kinds.get(index).copied().flatten(),
                unit_of.get(index).copied().flatten(),
            );
            for ((row, text), value) in rows.iter_mut().zip(texts).zip(&values) {
                row.push(if value.is_null() {
                    NULL_MARK.to_owned()
                } else {
                    text
                });
            }
        }
        Cells {
            labels: self.columns.iter().map(|c| c.label.clone()).collect(),
            rows,
            whole: numeric
                .iter()
                .zip(&kinds)
                .map(|(numeric, kind)| *numeric || *kind == Some("date"))
                .collect(),
            numeric,
        }
    }

    /// Whether `auto` expanded display keeps the table: every number and date column whole (its
    /// label may take two lines) and every text column at least [`MIN_TEXT_WIDTH`] (or its own
    /// width) fit in `width`.
    fn table_fits(cells: &Cells, width: usize) -> bool {
        let labels = cells.labels.iter().map(|label| widest_line(label));
        let needed: usize = value_widths(cells)
            .iter()
            .zip(labels)
            .zip(&cells.whole)
            .map(|((values, label), whole)| {
                if *whole {
                    (*values).max(whole_label_width(label))
                } else {
                    (*values).max(label).min(MIN_TEXT_WIDTH)
                }
            })
            .map(|w| w + 3)
            .sum::<usize>()
            + 1;
        needed <= width
    }

    /// The table's lines, fitted to the layout's width when it has one.
    fn table_lines(&self, cells: &Cells) -> Vec<String> {
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED);
        let fitted = self.layout.width.is_some();
        if let Some(width) = self.layout.width {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
            // A cut cell keeps as many characters as fit: with no word delimiter (control
            // characters never reach a cell) comfy-table splits by character, not at spaces.
            table.set_delimiter('\u{0}');
        }
        let mut header = Row::from(cells.labels.iter().map(|label| sanitize_table(label)));
        if fitted {
            // A long label may take a second line; cells take one.
            header.max_height(2);
        }
        table.set_header(header);
        for cells_of_row in &cells.rows {
            let mut row = Row::from(cells_of_row.iter().map(|cell| sanitize_table(cell)));
            if fitted {
                row.max_height(1);
            }
            table.add_row(row);
        }
        let values = value_widths(cells);
        let labels: Vec<usize> = cells.labels.iter().map(|l| widest_line(l)).collect();
        let natural = values
            .iter()
            .zip(&labels)
            .map(|(value, label)| (*value).max(*label) + 3)
            .sum::<usize>()
            + 1;
        let cut = self.layout.width.is_some_and(|width| natural > width);
        for (index, (is_numeric, is_whole)) in cells.numeric.iter().zip(&cells.whole).enumerate() {
            let Some(column) = table.column_mut(index) else {
                continue;
            };
            if *is_numeric {
                column.set_cell_alignment(CellAlignment::Right);
            }
            if *is_whole && cut {
                // Numbers and dates are never cut, and give the rest of a long label's width
                // to the text columns: that label wraps onto a second line.
                let whole = values.get(index).copied().unwrap_or(1).max(1);
                let label = whole_label_width(labels.get(index).copied().unwrap_or(1));
                // comfy-table's boundaries count the padding (one space each side).
                let padding = usize::from(column.padding_width());
                let fixed = |n: usize| Width::Fixed(u16::try_from(n + padding).unwrap_or(u16::MAX));
                column.set_constraint(ColumnConstraint::Boundaries {
                    lower: fixed(whole),
                    upper: fixed(whole.max(label)),
                });
            }
        }
        table.lines().collect()
    }

    fn draw_table(&mut self, cells: &Cells) -> io::Result<()> {
        let expanded = self.layout.expanded;
        let vertical = match (expanded, self.layout.width) {
            (Expanded::On, _) => true,
            (Expanded::Auto, Some(width)) => !Self::table_fits(cells, width),
            _ => false,
        };
        if vertical {
            return self.draw_vertical(cells);
        }
        let lines = self.table_lines(cells);
        // comfy-table cannot cut below one character a column: when even that is too wide,
        // vertical blocks are the only way to stay inside the screen.
        if let (Expanded::Auto, Some(width)) = (expanded, self.layout.width)
            && lines.iter().any(|line| line.width() > width)
        {
            return self.draw_vertical(cells);
        }
        for line in lines {
            self.out.write_all(line.as_bytes())?;
            self.out.write_all(b"\n")?;
        }
        if cells.rows.is_empty() {
            self.out.write_all(b"(no rows)\n")?;
        }
        Ok(())
    }

    /// psql's expanded display: a rule naming the row, then `label │ value` lines; long
    /// values wrap (comfy-table) instead of being cut.
    fn draw_vertical(&mut self, cells: &Cells) -> io::Result<()> {
        if cells.rows.is_empty() {
            return self.out.write_all(b"(no rows)\n");
        }
        let label_width = cells.labels.iter().map(|l| l.width()).max().unwrap_or(0);
        let rule_width = self
            .layout
            .width
            .unwrap_or(40)
            .min(label_width + 40)
            .max(12);
        let style = TableStyle::new().content_lines(ContentLineStyle::none().junction('│'));
        for (index, row) in cells.rows.iter().enumerate() {
            let title = format!("─[ row {} ]", index + 1);
            let fill = "─".repeat(rule_width.saturating_sub(title.width()));
            writeln!(self.out, "{title}{fill}")?;
            let mut table = Table::new();
            table.load_style(style);
            if let Some(width) = self.layout.width {
                table.set_content_arrangement(ContentArrangement::Dynamic);
                table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
            }
            for (label, value) in cells.labels.iter().zip(row) {
                table.add_row([sanitize_table(label), sanitize_table(value)]);
            }
            if let Some(column) = table.column_mut(0) {
                column.set_constraint(ColumnConstraint::ContentWidth);
                column.set_padding((0, 1));
            }
            for line in table.lines() {
                self.out.write_all(line.trim_end().as_bytes())?;
                self.out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn draw_markdown(&mut self, cells: &Cells) -> io::Result<()> {
        let numeric = &cells.numeric;
        let header: Vec<String> = cells
            .labels
            .iter()
            .map(|label| sanitize_markdown(label))
            .collect();
        let body: Vec<Vec<String>> = cells
            .rows
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

    /// `… 4,960 more rows (5,000 in all; HINT)` under a capped result.
    fn draw_more(&mut self, n_shown: usize) -> io::Result<()> {
        if self.n_hidden == 0 {
            return Ok(());
        }
        let total = n_shown + self.n_hidden;
        let noun = if self.n_hidden == 1 { "row" } else { "rows" };
        let counted = format!(
            "… {} more {noun} ({} in all",
            units::group_thousands(&self.n_hidden.to_string()),
            units::group_thousands(&total.to_string()),
        );
        let Some(hint) = self.layout.all_rows_hint.as_deref() else {
            return writeln!(self.out, "{counted})");
        };
        let line = format!("{counted}; {hint})");
        if self.layout.width.is_some_and(|width| line.width() > width) {
            // Big counts on a narrow screen: the hint goes on a line of its own rather than
            // past the edge.
            return writeln!(self.out, "{counted})\n  {hint}");
        }
        writeln!(self.out, "{line}")
    }
}

/// The widest line of `text` on screen.
fn widest_line(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// Each column's widest value (labels aside), as the table would show it uncut.
fn value_widths(cells: &Cells) -> Vec<usize> {
    let mut widths = vec![0; cells.labels.len()];
    for row in &cells.rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(widest_line(&sanitize_table(cell)));
        }
    }
    widths
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
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        self.progress.begin()?;
        self.name = name.map(str::to_owned);
        self.columns = columns.to_vec();
        self.meta = meta.clone();
        self.rows.clear();
        self.n_hidden = 0;
        Ok(())
    }

    fn extend_meta(&mut self, meta: &Meta) {
        merge_meta(&mut self.meta, meta);
    }

    fn row(&mut self, row: &ResultRow) -> io::Result<()> {
        self.progress.require_open()?;
        if self.max_rows().is_some_and(|cap| self.rows.len() >= cap) {
            self.n_hidden += 1;
            return Ok(());
        }
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
                Style::Table | Style::Vertical => writeln!(self.out, "{}", sanitize_table(&title))?,
                Style::Markdown => writeln!(self.out, "## {}\n", sanitize_markdown(&title))?,
            }
        }
        let cells = self.render_cells();
        // The raw values are no longer needed; free them before drawing.
        self.rows = Vec::new();
        match self.style {
            Style::Table => self.draw_table(&cells)?,
            Style::Vertical => self.draw_vertical(&cells)?,
            Style::Markdown => self.draw_markdown(&cells)?,
        }
        self.draw_more(cells.rows.len())?;
        self.n_hidden = 0;
        // What Sentry said about the numbers' accuracy is part of the answer.
        for note in self.meta.accuracy.notes() {
            match self.style {
                Style::Markdown => writeln!(self.out, "\n*note: {}*", sanitize_markdown(&note))?,
                Style::Table | Style::Vertical => {
                    writeln!(self.out, "note: {}", sanitize_table(&note))?;
                }
            }
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
                Style::Table | Style::Vertical => writeln!(self.out, "{}", super::INCOMPLETE_MARK)?,
                Style::Markdown => writeln!(self.out, "\n**{}**", super::INCOMPLETE_MARK)?,
            }
        }
        self.out.flush()
    }
}
