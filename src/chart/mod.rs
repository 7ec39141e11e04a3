//! Charts of series results: `--format chart` draws a series on a terminal (braille lines by
//! `textplots`), `--format svg` writes it as an SVG document (built with the `svg` crate).
//!
//! A result is a series when it has a `time` column of dates and at least one numeric column
//! (what an `INTERVAL` query gives, from Sentry or the local engine); every numeric column is
//! one line. Anything else is drawn as the table format draws it, so `--format chart` never
//! loses a result. What Sentry said about accuracy ([`crate::result::Accuracy`]) is written
//! under the chart (terminal) or into it (SVG), and incomplete buckets are drawn as points
//! rather than joined by the line. The earlier period of a `COMPARE TO` series (its
//! `…_previous` column) is drawn dotted (SVG: dashed) in a paler shade of its series' colour,
//! and labelled as the earlier period in the legend.

mod sparkline;
mod svg_chart;
mod terminal;

pub use sparkline::sparklines;

use crate::answer::OutputColumn;
use crate::format::{Layout, Sink, units};
use crate::result::{Accuracy, Meta, Row};
use serde_json::Value;
use std::io::{self, Write};

/// Which drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Braille on a terminal.
    Terminal,
    /// An SVG document.
    Svg,
}

/// A series ready to draw: the bucket starts and one line per numeric column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    /// Bucket starts, epoch seconds, ascending.
    pub(crate) times: Vec<i64>,
    /// The lines, in column order.
    pub(crate) lines: Vec<Line>,
    /// The unit all lines share, if they share one (`millisecond`, `byte`…).
    pub(crate) unit: Option<String>,
    /// Bucket starts (epoch seconds) Sentry called incomplete.
    pub(crate) incomplete: Vec<i64>,
    /// Lines under the chart.
    pub(crate) notes: Vec<String>,
}

/// One plotted column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// The column's label.
    pub(crate) label: String,
    /// One value per bucket (`None`: no value).
    pub(crate) values: Vec<Option<f64>>,
    /// Whether it is the "Other" series of a top-n result (drawn grey, as Sentry draws it).
    pub(crate) other: bool,
    /// For the earlier period of a compared series (`s_previous`), the index of `s`'s line.
    pub(crate) previous_of: Option<usize>,
}

/// Colours of the lines, in order: Tableau 10, a palette told apart by most colour-blind
/// readers; "Other" is grey.
pub(crate) const PALETTE: [(u8, u8, u8); 9] = [
    (0x4e, 0x79, 0xa7),
    (0xf2, 0x8e, 0x2b),
    (0xe1, 0x57, 0x59),
    (0x76, 0xb7, 0xb2),
    (0x59, 0xa1, 0x4f),
    (0xed, 0xc9, 0x48),
    (0xb0, 0x7a, 0xa1),
    (0xff, 0x9d, 0xa7),
    (0x9c, 0x75, 0x5f),
];
/// The colour of "Other".
pub(crate) const OTHER_COLOUR: (u8, u8, u8) = (0xba, 0xb0, 0xac);

impl Chart {
    /// The colour of line `index`; an earlier period takes its series' colour, paler.
    pub(crate) fn colour(&self, index: usize) -> (u8, u8, u8) {
        match self.lines.get(index) {
            Some(line) if line.other => OTHER_COLOUR,
            Some(Line {
                previous_of: Some(current),
                ..
            }) if *current != index => {
                let pale = |c: u8| c + (255 - c) / 2;
                let (r, g, b) = self.colour(*current);
                (pale(r), pale(g), pale(b))
            }
            _ => PALETTE
                .get(index % PALETTE.len())
                .copied()
                .unwrap_or(OTHER_COLOUR),
        }
    }

    /// The chart of a result, or `None` when it is no series.
    pub(crate) fn of(columns: &[OutputColumn], meta: &Meta, rows: &[Row]) -> Option<Chart> {
        let kind = |c: &OutputColumn| {
            meta.fields
                .get(&c.field)
                .cloned()
                .or_else(|| c.ty.map(|t| t.meta_type().to_owned()))
        };
        let time = columns
            .iter()
            .find(|c| c.field == "time" && kind(c).as_deref() == Some("date"))?;
        let mut times = Vec::with_capacity(rows.len());
        for row in rows {
            times.push(epoch(row.get(&time.field)?)?);
        }
        let numeric: Vec<&OutputColumn> = columns
            .iter()
            .filter(|c| c.field != time.field)
            .filter(|c| match kind(c) {
                Some(k) => units::is_numeric_type(&k),
                None => rows
                    .iter()
                    .any(|r| r.get(&c.field).is_some_and(Value::is_number)),
            })
            .collect();
        if numeric.is_empty() {
            return None;
        }
        let previous_of = |c: &OutputColumn| {
            let stem = c.field.strip_suffix(crate::answer::PREVIOUS)?;
            numeric.iter().position(|n| n.field == stem)
        };
        let lines = numeric
            .iter()
            .map(|c| Line {
                previous_of: previous_of(c),
                label: c.label.clone(),
                values: rows
                    .iter()
                    .map(|r| {
                        r.get(&c.field)
                            .and_then(Value::as_f64)
                            .filter(|v| v.is_finite())
                    })
                    .collect(),
                other: c.field == "Other" || c.field.starts_with("Other: "),
            })
            .collect();
        let column_units: Vec<Option<String>> = numeric
            .iter()
            .map(|c| meta.units.get(&c.field).cloned().flatten())
            .collect();
        let unit = column_units.first().cloned().flatten().filter(|u| {
            column_units
                .iter()
                .all(|x| x.as_deref() == Some(u.as_str()))
        });
        let incomplete = incomplete_times(&meta.accuracy);
        Some(Chart {
            times,
            lines,
            unit,
            incomplete,
            notes: meta.accuracy.notes(),
        })
    }

    /// The smallest and largest value of every line, with 0 in the range when all values
    /// have one sign (a count starts at 0); `(0, 1)` when there is no value.
    pub(crate) fn y_range(&self) -> (f64, f64) {
        let values = self.lines.iter().flat_map(|l| l.values.iter().flatten());
        let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 1.0);
        }
        lo = lo.min(0.0);
        hi = hi.max(0.0);
        if (hi - lo).abs() < f64::EPSILON {
            hi = lo + 1.0;
        }
        (lo, hi)
    }
}

/// `value` for an axis label: short (`1.2k`, `3.5M`) and with the unit's short form.
pub(crate) fn axis_label(value: f64, unit: Option<&str>) -> String {
    let number = short_number(value);
    match unit.and_then(unit_suffix) {
        Some(suffix) => format!("{number}{suffix}"),
        None => number,
    }
}

/// The short suffix of a Sentry unit, for axis labels.
fn unit_suffix(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "nanosecond" => "ns",
        "microsecond" => "µs",
        "millisecond" => "ms",
        "second" => "s",
        "minute" => "min",
        "hour" => "h",
        "day" => "d",
        "week" => "wk",
        "byte" => "B",
        "kilobyte" | "kibibyte" => "KB",
        "megabyte" | "mebibyte" => "MB",
        "gigabyte" | "gibibyte" => "GB",
        "percent" => "%",
        "1/second" => "/s",
        "1/minute" => "/min",
        _ => return None,
    })
}

/// `1234` → `1.2k`, `0.25` → `0.25`, `12` → `12`.
fn short_number(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e4 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = if scaled.fract().abs() < 1e-9 || scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 1.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.2}")
    };
    format!("{text}{suffix}")
}

/// A date cell as epoch seconds: RFC 3339 text or a number of seconds.
fn epoch(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second()),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        _ => None,
    }
}

fn incomplete_times(accuracy: &Accuracy) -> Vec<i64> {
    accuracy
        .incomplete
        .iter()
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
        .collect()
}

/// A bucket start as an axis label: `11-26 08:00` when the chart spans days, else `08:00`.
pub(crate) fn time_label(seconds: i64, spans_days: bool) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(seconds) else {
        return seconds.to_string();
    };
    if spans_days {
        ts.strftime("%m-%d %H:%M").to_string()
    } else {
        ts.strftime("%H:%M").to_string()
    }
}

/// A result being gathered: name, plan, meta, rows.
type Open = (Option<String>, Vec<OutputColumn>, Meta, Vec<Row>);

/// Buffers each result and draws it at `end`; a result that is no series goes to a table sink.
pub(crate) struct ChartSink<'w> {
    kind: Kind,
    layout: Layout,
    several: bool,
    out: Box<dyn Write + 'w>,
    /// The open result.
    open: Option<Open>,
    n_started: usize,
}

impl<'w> ChartSink<'w> {
    pub(crate) fn new(out: impl Write + 'w, kind: Kind, several: bool, layout: Layout) -> Self {
        ChartSink {
            kind,
            layout,
            several,
            out: Box::new(out),
            open: None,
            n_started: 0,
        }
    }

    fn draw(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
        rows: &[Row],
    ) -> io::Result<()> {
        if self.several {
            if self.n_started > 1 && self.kind == Kind::Terminal {
                self.out.write_all(b"\n")?;
            }
            if self.kind == Kind::Terminal {
                let title = match name {
                    Some(name) => name.to_owned(),
                    None => format!("result {}", self.n_started),
                };
                writeln!(self.out, "{title}")?;
            }
        }
        match Chart::of(columns, meta, rows) {
            Some(chart) => match self.kind {
                Kind::Terminal => {
                    let text = terminal::draw(&chart, self.layout.width, self.layout.color);
                    self.out.write_all(text.as_bytes())?;
                }
                Kind::Svg => {
                    let document = svg_chart::draw(&chart, name);
                    self.out.write_all(document.as_bytes())?;
                    self.out.write_all(b"\n")?;
                }
            },
            None => {
                // Not a series: the table says it as well as anything.
                let mut table = crate::format::Format::Table.sink_with(
                    &mut self.out,
                    false,
                    self.layout.clone(),
                );
                table.begin(None, columns, meta)?;
                for row in rows {
                    table.row(row)?;
                }
                table.end()?;
                table.finish()?;
            }
        }
        self.out.flush()
    }
}

fn misuse(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_owned())
}

impl Sink for ChartSink<'_> {
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        if self.open.is_some() {
            return Err(misuse(
                "begin called while a result is open; call end first",
            ));
        }
        if !self.several && self.n_started > 0 {
            return Err(misuse(
                "this sink takes one result; make it with sink_for_several for more",
            ));
        }
        self.n_started += 1;
        self.open = Some((
            name.map(str::to_owned),
            columns.to_vec(),
            meta.clone(),
            Vec::new(),
        ));
        Ok(())
    }

    fn extend_meta(&mut self, meta: &Meta) {
        if let Some((_, _, into, _)) = &mut self.open {
            into.fields
                .extend(meta.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            into.units
                .extend(meta.units.iter().map(|(k, v)| (k.clone(), v.clone())));
            into.accuracy.merge(&meta.accuracy);
        }
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        match &mut self.open {
            Some((_, _, _, rows)) => {
                rows.push(row.clone());
                Ok(())
            }
            None => Err(misuse(
                "row or end called with no result open; call begin first",
            )),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        let Some((name, columns, meta, rows)) = self.open.take() else {
            return Err(misuse(
                "row or end called with no result open; call begin first",
            ));
        };
        self.draw(name.as_deref(), &columns, &meta, &rows)
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.open.is_some() {
            self.end()?;
        }
        self.out.flush()
    }

    fn abort(&mut self) -> io::Result<()> {
        if self.open.is_some() {
            self.end()?;
            let mark = match self.kind {
                Kind::Terminal => format!("{}\n", crate::format::INCOMPLETE_MARK),
                // An SVG cut short must not pass for a whole one: a comment says so.
                Kind::Svg => format!("<!-- {} -->\n", crate::format::INCOMPLETE_MARK),
            };
            self.out.write_all(mark.as_bytes())?;
        }
        self.out.flush()
    }
}
