//! Series as an SVG document (the `svg` crate builds and escapes it): a line per column in its
//! colour, incomplete buckets as hollow circles, the value axis labelled with its unit, bucket
//! times under it, a legend, and the accuracy notes at the bottom.

use super::{Chart, axis_label, time_label};
use svg::Document;
use svg::node::element::path::Data;
use svg::node::element::{Circle, Line as SvgLine, Path, Rectangle, Text, Title};

const WIDTH: f64 = 800.0;
const PLOT_HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
/// Gridlines (and labels) on the value axis.
const Y_TICKS: usize = 4;
/// Time labels under the plot.
const X_TICKS: usize = 5;
const FONT: &str = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif";

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A number with at most two decimals, for coordinates (keeps the document small and stable).
fn n(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The document's text.
pub(super) fn draw(chart: &Chart, title: Option<&str>) -> String {
    let legend_rows = chart.lines.len().div_ceil(3);
    let notes = chart.notes.len() + usize::from(!chart.incomplete.is_empty());
    let height = TOP + PLOT_HEIGHT + 40.0 + 20.0 * (legend_rows + notes) as f64 + 10.0;
    let plot_width = WIDTH - LEFT - RIGHT;
    let (lo, hi) = chart.y_range();
    let t0 = chart.times.first().copied().unwrap_or(0);
    let t_last = chart.times.last().copied().unwrap_or(t0);
    let span = (t_last - t0).max(1) as f64;
    let x = |t: i64| n(LEFT + (t - t0) as f64 / span * plot_width);
    let y = |v: f64| n(TOP + PLOT_HEIGHT - (v - lo) / (hi - lo) * PLOT_HEIGHT);
    let text = |content: String, at: (f64, f64), anchor: &str, size: u32| {
        Text::new(content)
            .set("x", at.0)
            .set("y", at.1)
            .set("text-anchor", anchor)
            .set("font-size", size)
            .set("fill", "#3e3446")
    };

    let mut doc = Document::new()
        .set("width", WIDTH)
        .set("height", n(height))
        .set("viewBox", (0.0, 0.0, WIDTH, n(height)))
        .set("font-family", FONT)
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "#ffffff"),
        );
    let heading = title.map_or_else(|| labels(chart), str::to_owned);
    doc = doc
        .add(Title::new(heading.clone()))
        .add(text(heading, (LEFT, 24.0), "start", 14));

    for tick in 0..=Y_TICKS {
        let value = lo + (hi - lo) * tick as f64 / Y_TICKS as f64;
        let at = y(value);
        doc = doc
            .add(
                SvgLine::new()
                    .set("x1", LEFT)
                    .set("x2", WIDTH - RIGHT)
                    .set("y1", at)
                    .set("y2", at)
                    .set("stroke", if tick == 0 { "#80708f" } else { "#e0dce5" })
                    .set("stroke-width", 1),
            )
            .add(text(
                axis_label(value, chart.unit.as_deref()),
                (LEFT - 8.0, at + 4.0),
                "end",
                11,
            ));
    }
    let spans_days = t_last - t0 >= 86_400;
    let ticks = X_TICKS.min(chart.times.len().max(1));
    for tick in 0..ticks {
        let index = if ticks <= 1 {
            0
        } else {
            tick * (chart.times.len() - 1) / (ticks - 1)
        };
        if let Some(&t) = chart.times.get(index) {
            doc = doc.add(text(
                time_label(t, spans_days),
                (x(t), TOP + PLOT_HEIGHT + 18.0),
                "middle",
                11,
            ));
        }
    }

    for (index, line) in chart.lines.iter().enumerate() {
        let colour = hex(chart.colour(index));
        let mut data = Data::new();
        let mut pen_down = false;
        let mut hollow = Vec::new();
        for (&t, value) in chart.times.iter().zip(&line.values) {
            let Some(value) = value else {
                // A gap where there is no value.
                pen_down = false;
                continue;
            };
            if chart.incomplete.contains(&t) {
                hollow.push((x(t), y(*value)));
                continue;
            }
            let point = (x(t), y(*value));
            data = if pen_down {
                data.line_to(point)
            } else {
                data.move_to(point)
            };
            pen_down = true;
        }
        let mut path = Path::new()
            .set("d", data)
            .set("fill", "none")
            .set("stroke", colour.clone())
            .set("stroke-width", 2)
            .set("stroke-linejoin", "round");
        if line.previous_of.is_some() {
            path = path.set("stroke-dasharray", "5 4");
        }
        doc = doc.add(path);
        for (cx, cy) in hollow {
            doc = doc.add(
                Circle::new()
                    .set("cx", cx)
                    .set("cy", cy)
                    .set("r", 3.5)
                    .set("fill", "#ffffff")
                    .set("stroke", colour.clone())
                    .set("stroke-width", 2),
            );
        }
    }

    let mut row_y = TOP + PLOT_HEIGHT + 44.0;
    for (index, line) in chart.lines.iter().enumerate() {
        let column = (index % 3) as f64;
        let at_x = n(LEFT + column * (plot_width / 3.0));
        if index > 0 && index % 3 == 0 {
            row_y += 20.0;
        }
        doc = doc
            .add(
                Rectangle::new()
                    .set("x", at_x)
                    .set("y", row_y - 9.0)
                    .set("width", 14)
                    .set("height", 4)
                    .set("fill", hex(chart.colour(index))),
            )
            .add(text(
                match line.previous_of {
                    Some(_) => format!("{} (earlier period)", line.label),
                    None => line.label.clone(),
                },
                (at_x + 20.0, row_y - 3.0),
                "start",
                12,
            ));
    }
    let mut notes: Vec<String> = Vec::new();
    if !chart.incomplete.is_empty() {
        notes.push("hollow circles: incomplete buckets".to_owned());
    }
    notes.extend(chart.notes.iter().map(|note| format!("note: {note}")));
    for note in notes {
        row_y += 20.0;
        doc = doc.add(text(note, (LEFT, row_y), "start", 11));
    }
    doc.to_string()
}

/// Every line's label, for a chart without a name.
fn labels(chart: &Chart) -> String {
    chart
        .lines
        .iter()
        .map(|l| l.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
