//! Series drawn in braille on a terminal by `textplots`: one chart holding every line, each in
//! its colour, with a legend; without colour (`NO_COLOR`, a pipe) lines could not be told
//! apart, so each line gets a chart of its own under its label — except a compared series'
//! earlier period, drawn as dots beside its line, which dots and lines tell apart.

use super::{Chart, axis_label, time_label};
use std::fmt::Write as _;
use textplots::{
    ColorPlot, LabelBuilder, LabelFormat, Plot, Shape, TickDisplay, TickDisplayBuilder,
};

/// Text rows of one chart (4 braille dots each).
const ROWS: u32 = 12;
/// Text rows of each chart when every line has its own.
const SMALL_ROWS: u32 = 8;
/// Held while `colored`'s global switch is set for one drawing.
static COLOUR_SWITCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Width used off a terminal.
const DEFAULT_WIDTH: usize = 80;

/// The chart as text lines fitting `width` columns.
pub(super) fn draw(chart: &Chart, width: Option<usize>, colour: bool) -> String {
    let width = width.unwrap_or(DEFAULT_WIDTH).clamp(40, 400);
    let mut out = String::new();
    if chart.times.is_empty() {
        out.push_str("(no buckets)\n");
    } else if colour || chart.lines.len() == 1 {
        let all: Vec<usize> = (0..chart.lines.len()).collect();
        out.push_str(&panel(chart, &all, width, ROWS, colour));
        out.push_str(&legend(chart, colour));
    } else {
        for (index, line) in chart.lines.iter().enumerate() {
            if line.previous_of.is_some() {
                continue;
            }
            let mut which = vec![index];
            which.extend(
                (0..chart.lines.len())
                    .filter(|&i| chart.lines.get(i).and_then(|l| l.previous_of) == Some(index)),
            );
            if which.len() == 1 {
                let _ = writeln!(out, "{}", line.label);
            } else {
                let subset = Chart {
                    lines: which
                        .iter()
                        .filter_map(|&i| chart.lines.get(i).cloned())
                        .collect(),
                    ..chart.clone()
                };
                let _ = write!(out, "{}", legend(&subset, false));
            }
            out.push_str(&panel(chart, &which, width, SMALL_ROWS, false));
        }
    }
    if !chart.incomplete.is_empty() {
        out.push_str("(dots: incomplete buckets)\n");
    }
    for note in &chart.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// One braille chart of the lines `which`, with the y range of every line (so small multiples
/// share one scale) and time labels under it.
fn panel(chart: &Chart, which: &[usize], width: usize, rows: u32, colour: bool) -> String {
    let (lo, hi) = chart.y_range();
    let unit = chart.unit.clone();
    let labels = [
        axis_label(lo, unit.as_deref()),
        axis_label(hi, unit.as_deref()),
    ];
    let label_width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    // The frame's columns: what the y labels (and one space) leave, two dots per column.
    let columns = width.saturating_sub(label_width + 2).max(20);
    let dots = u32::try_from(columns * 2).unwrap_or(u32::MAX).max(32);
    let t0 = chart.times.first().copied().unwrap_or(0);
    let t_last = chart.times.last().copied().unwrap_or(t0);
    let span = (t_last - t0).max(1);
    let spans_days = span >= 86_400;
    let x_label = move |x: f32| time_label(t0 + x.round() as i64, spans_days);

    // The points of each line: complete buckets joined, incomplete ones as dots.
    let mut joined: Vec<(usize, Vec<(f32, f32)>)> = Vec::new();
    let mut dotted: Vec<(usize, Vec<(f32, f32)>)> = Vec::new();
    for &index in which {
        let Some(line) = chart.lines.get(index) else {
            continue;
        };
        let mut solid = Vec::new();
        let mut dots = Vec::new();
        for (time, value) in chart.times.iter().zip(&line.values) {
            let Some(value) = value else { continue };
            let point = ((time - t0) as f32, *value as f32);
            if chart.incomplete.contains(time) || line.previous_of.is_some() {
                dots.push(point);
            } else {
                solid.push(point);
            }
        }
        joined.push((index, solid));
        dotted.push((index, dots));
    }
    let shapes: Vec<(usize, Shape<'_>)> = joined
        .iter()
        .map(|(i, points)| (*i, Shape::Lines(points)))
        .chain(dotted.iter().map(|(i, points)| (*i, Shape::Points(points))))
        .collect();

    let mut base =
        textplots::Chart::new_with_y_range(dots, rows * 4, 0.0, span as f32, lo as f32, hi as f32);
    let mut drawn = base
        .x_label_format(LabelFormat::Custom(Box::new(x_label)))
        .y_label_format(LabelFormat::Custom(Box::new(move |y| {
            axis_label(f64::from(y), unit.as_deref())
        })))
        .y_tick_display(TickDisplay::Sparse);
    for (index, shape) in &shapes {
        drawn = if colour {
            let (r, g, b) = chart.colour(*index);
            drawn.linecolorplot(shape, rgb::RGB8 { r, g, b })
        } else {
            drawn.lineplot(shape)
        };
    }
    // textplots colours through `colored`, whose switch is global and looks at stdout itself;
    // dql has decided, so the switch is set for this drawing alone.
    let text = {
        let _only_one = COLOUR_SWITCH
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        colored::control::set_override(colour);
        drawn.figures();
        let text = drawn.to_string();
        colored::control::unset_override();
        text
    };
    // Its blank cells are U+2800; trailing ones are noise in a copied chart.
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line.trim_end_matches('\u{2800}').trim_end());
        out.push('\n');
    }
    out
}

/// `━━ label` per line (`·· label (earlier period)` for a compared series' earlier period),
/// each in its colour.
fn legend(chart: &Chart, colour: bool) -> String {
    let mut parts = Vec::new();
    for (index, line) in chart.lines.iter().enumerate() {
        let (mark, label) = match line.previous_of {
            Some(_) => ("··", format!("{} (earlier period)", line.label)),
            None => ("━━", line.label.clone()),
        };
        if colour {
            let (r, g, b) = chart.colour(index);
            parts.push(format!("\u{1b}[38;2;{r};{g};{b}m{mark}\u{1b}[0m {label}"));
        } else {
            parts.push(format!("{mark} {label}"));
        }
    }
    format!("{}\n", parts.join("   "))
}
