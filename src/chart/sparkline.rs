//! One-line summaries of a series for the REPL: each line of the chart as a sparkline of
//! block characters, with its smallest, largest and last value.
//!
//! Eight glyphs and a scale are all a sparkline is, so they are drawn here rather than with a
//! crate: `textplots` draws braille charts only, and the sparkline crates are either for
//! other languages or a TUI framework's widget (ratatui), far more than eight characters need.

use super::{Chart, axis_label};
use crate::answer::OutputColumn;
use crate::result::{Meta, Row};

/// The block characters, lowest first.
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One line per series of the result (`label ▁▃█▅ min … max … last …`), none when the result
/// is no series. At most `width` characters of bars (the latest buckets are kept).
pub fn sparklines(
    columns: &[OutputColumn],
    meta: &Meta,
    rows: &[Row],
    width: usize,
) -> Vec<String> {
    let Some(chart) = Chart::of(columns, meta, rows) else {
        return Vec::new();
    };
    let label_width = chart
        .lines
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(0);
    let unit = chart.unit.as_deref();
    chart
        .lines
        .iter()
        .map(|line| {
            let values: Vec<Option<f64>> = {
                let skip = line.values.len().saturating_sub(width.max(1));
                line.values.iter().skip(skip).copied().collect()
            };
            let known = values.iter().flatten();
            let (lo, hi) = known.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
            let bars: String = values.iter().map(|v| bar(*v, lo, hi)).collect();
            let last = values.iter().rev().flatten().next();
            let pad = label_width.saturating_sub(line.label.chars().count());
            match last {
                Some(last) => format!(
                    "{}{} {bars}  min {} · max {} · last {}",
                    line.label,
                    " ".repeat(pad),
                    axis_label(lo, unit),
                    axis_label(hi, unit),
                    axis_label(*last, unit)
                ),
                None => format!("{}{} {bars}  (no values)", line.label, " ".repeat(pad)),
            }
        })
        .collect()
}

/// The glyph of `value` on the scale `lo..=hi`; a space for no value.
fn bar(value: Option<f64>, lo: f64, hi: f64) -> char {
    let Some(value) = value else {
        return ' ';
    };
    let span = hi - lo;
    let step = if span > 0.0 && span.is_finite() {
        ((value - lo) / span * 7.0).round()
    } else {
        // A flat line sits in the middle.
        3.0
    };
    let index = usize::try_from(step.clamp(0.0, 7.0) as i64).unwrap_or(0);
    BLOCKS.get(index).copied().unwrap_or(' ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(values: &[serde_json::Value]) -> (Vec<OutputColumn>, Meta, Vec<Row>) {
        let columns = vec![
            // Typed by the meta, as Sentry's answers are.
            OutputColumn::plain("time"),
            OutputColumn::plain("count()"),
        ];
        let mut meta = Meta::default();
        meta.fields.insert("time".into(), "date".into());
        meta.fields.insert("count()".into(), "integer".into());
        let rows = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut row = Row::new();
                row.insert("time".into(), json!(1_764_000_000 + 3600 * i as i64));
                row.insert("count()".into(), v.clone());
                row
            })
            .collect();
        (columns, meta, rows)
    }

    #[test]
    fn a_series_is_one_line_of_blocks_with_its_range_and_last_value() {
        let (columns, meta, rows) = series(&[json!(0), json!(7), json!(14), json!(null), json!(3)]);
        assert_eq!(
            sparklines(&columns, &meta, &rows, 80),
            ["count() ▁▅█ ▃  min 0 · max 14 · last 3"]
        );
        // Narrow: the latest buckets.
        assert_eq!(
            sparklines(&columns, &meta, &rows, 2),
            ["count()  ▄  min 3 · max 3 · last 3"]
        );
    }

    #[test]
    fn a_result_that_is_no_series_has_no_sparkline() {
        let columns = vec![OutputColumn::plain("title")];
        let mut row = Row::new();
        row.insert("title".into(), json!("boom"));
        assert!(sparklines(&columns, &Meta::default(), &[row], 80).is_empty());
    }
}
