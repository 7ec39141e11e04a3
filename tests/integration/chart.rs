//! `--format chart` and `--format svg`: series drawn at fixed widths (snapshots), without colour
//! unless asked, incomplete buckets and accuracy notes shown, anything else drawn as a table.

use dql::answer::OutputColumn;
use dql::format::{Format, Layout};
use dql::result::{Meta, ResultSet, Row};
use serde_json::{Value, json};

fn column(field: &str, label: &str) -> OutputColumn {
    OutputColumn {
        field: field.to_owned(),
        label: label.to_owned(),
        ty: None,
    }
}

/// Hourly buckets from 2026-11-26T00:00Z, one value list per series column.
fn series(names: &[(&str, &str)], values: &[&[Value]]) -> (Vec<OutputColumn>, ResultSet) {
    let mut columns = vec![column("time", "time")];
    let mut meta = Meta::default();
    meta.fields.insert("time".into(), "date".into());
    for (field, label) in names {
        columns.push(column(field, label));
        meta.fields.insert((*field).to_owned(), "integer".into());
        meta.units.insert((*field).to_owned(), None);
    }
    let n = values.first().map_or(0, |v| v.len());
    let data = (0..n)
        .map(|i| {
            let mut row = Row::new();
            // 2026-11-26T00:00:00Z, then hourly.
            let t = jiff::Timestamp::from_second(1_795_651_200 + 3600 * i as i64).unwrap();
            row.insert("time".into(), Value::String(t.to_string()));
            for ((field, _), column) in names.iter().zip(values) {
                row.insert((*field).to_owned(), column[i].clone());
            }
            row
        })
        .collect();
    (columns, ResultSet { data, meta })
}

fn draw(
    format: Format,
    width: usize,
    color: bool,
    columns: &[OutputColumn],
    result: &ResultSet,
) -> String {
    let mut out = Vec::new();
    {
        let layout = Layout {
            width: Some(width),
            color,
            ..Layout::default()
        };
        let mut sink = format.sink_with(&mut out, false, layout);
        dql::format::write_result(sink.as_mut(), None, columns, result).unwrap();
        sink.finish().unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn ramp() -> Vec<Value> {
    [3, 5, 9, 14, 12, 20, 26, 18, 11, 7, 4, 2]
        .iter()
        .map(|n| json!(n))
        .collect()
}

#[test]
fn one_series_at_sixty_columns() {
    let (columns, result) = series(&[("count()", "count()")], &[&ramp()]);
    let text = draw(Format::Chart, 60, false, &columns, &result);
    assert!(text.lines().all(|l| unicode_width(l) <= 60), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour was asked for");
    insta::assert_snapshot!("one_series_60", text);
}

fn unicode_width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn one_series_follows_the_width() {
    let (columns, result) = series(&[("count()", "count()")], &[&ramp()]);
    let narrow = draw(Format::Chart, 40, false, &columns, &result);
    let wide = draw(Format::Chart, 100, false, &columns, &result);
    let widest = |t: &str| t.lines().map(unicode_width).max().unwrap();
    assert!(widest(&narrow) <= 40, "{narrow}");
    assert!(widest(&wide) > 80 && widest(&wide) <= 100, "{wide}");
    insta::assert_snapshot!("one_series_100", wide);
}

#[test]
fn without_colour_each_line_gets_its_own_chart() {
    let other: Vec<Value> = ramp().iter().rev().cloned().collect();
    let (columns, result) = series(
        &[
            ("db: count()", "db: count()"),
            ("Other: count()", "Other: count()"),
        ],
        &[&ramp(), &other],
    );
    let text = draw(Format::Chart, 70, false, &columns, &result);
    assert!(text.starts_with("db: count()\n"), "{text}");
    assert!(text.contains("\nOther: count()\n"), "{text}");
    insta::assert_snapshot!("two_series_no_colour_70", text);
}

#[test]
fn with_colour_lines_share_one_chart_with_a_coloured_legend() {
    let other: Vec<Value> = ramp().iter().rev().cloned().collect();
    let (columns, result) = series(
        &[
            ("db: count()", "db: count()"),
            ("Other: count()", "Other: count()"),
        ],
        &[&ramp(), &other],
    );
    let text = draw(Format::Chart, 70, true, &columns, &result);
    // The first line in the palette's first colour, "Other" in grey, as Sentry draws it.
    assert!(
        text.contains("\u{1b}[38;2;78;121;167m━━\u{1b}[0m db: count()"),
        "{text}"
    );
    assert!(
        text.contains("\u{1b}[38;2;186;176;172m━━\u{1b}[0m Other: count()"),
        "{text}"
    );
    // One chart: the labels are not repeated as titles.
    assert_eq!(text.matches("Other: count()").count(), 1, "{text}");
}

#[test]
fn incomplete_buckets_and_accuracy_are_said_under_the_chart() {
    let (columns, mut result) = series(&[("count()", "n")], &[&ramp()]);
    result.meta.accuracy.incomplete = vec!["2026-11-26T11:00:00Z".into()];
    result.meta.accuracy.min_sample_rate = Some(0.05);
    let text = draw(Format::Chart, 60, false, &columns, &result);
    let tail: Vec<&str> = text.lines().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            "note: incomplete (still receiving data) 1 bucket: 2026-11-26T11:00:00Z",
            "note: values are extrapolated from samples (sample rate as low as 5%)",
            "(dots: incomplete buckets)",
        ],
        "{text}"
    );
    insta::assert_snapshot!("incomplete_60", text);
}

#[test]
fn units_label_the_value_axis() {
    let (columns, mut result) = series(&[("p95(span.duration)", "p95")], &[&ramp()]);
    result
        .meta
        .fields
        .insert("p95(span.duration)".into(), "duration".into());
    result
        .meta
        .units
        .insert("p95(span.duration)".into(), Some("millisecond".into()));
    let text = draw(Format::Chart, 60, false, &columns, &result);
    assert!(text.lines().next().unwrap().ends_with(" 26ms"), "{text}");
    assert!(text.contains(" 0ms\n"), "{text}");
}

#[test]
fn a_result_that_is_no_series_is_a_table() {
    let columns = vec![column("title", "title"), column("count()", "count()")];
    let mut row = Row::new();
    row.insert("title".into(), json!("TypeError"));
    row.insert("count()".into(), json!(3));
    let result = ResultSet {
        data: vec![row],
        meta: Meta::default(),
    };
    let chart = draw(Format::Chart, 60, false, &columns, &result);
    let table = draw(Format::Table, 60, false, &columns, &result);
    assert_eq!(chart, table);
}

#[test]
fn odd_series_draw_without_failing() {
    let cases: Vec<Vec<Value>> = vec![
        vec![],
        vec![json!(5)],
        vec![json!(null), json!(null)],
        vec![json!(-5), json!(3), json!(null), json!(-1e12)],
        vec![json!(1e300), json!(0)],
        vec![json!(0), json!(0), json!(0)],
    ];
    for values in cases {
        let (columns, result) = series(&[("count()", "count()")], &[&values]);
        for width in [0, 10, 40, 500] {
            for format in [Format::Chart, Format::Svg] {
                let text = draw(format, width, false, &columns, &result);
                assert!(!text.is_empty(), "{values:?} {width}");
            }
        }
    }
}

#[test]
fn svg_is_a_document_with_a_path_per_line_and_the_notes() {
    let other: Vec<Value> = ramp().iter().rev().cloned().collect();
    let (columns, mut result) = series(
        &[
            ("db: count()", "db <&> count()"),
            ("Other: count()", "Other: count()"),
        ],
        &[&ramp(), &other],
    );
    result.meta.accuracy.incomplete = vec!["2026-11-26T11:00:00Z".into()];
    let text = draw(Format::Svg, 60, false, &columns, &result);
    assert!(text.starts_with("<svg"), "{text}");
    // It parses, and labels are escaped.
    let mut paths = 0;
    let mut circles = 0;
    for event in svg::read(&text).unwrap() {
        if let svg::parser::Event::Tag(name, svg::node::element::tag::Type::Empty, _) = event {
            paths += usize::from(name == "path");
            circles += usize::from(name == "circle");
        }
    }
    assert_eq!(paths, 2);
    assert_eq!(circles, 2, "the incomplete bucket of each line");
    assert!(text.contains("db &lt;&amp;&gt; count()"), "{text}");
    assert!(
        text.contains("hollow circles: incomplete buckets"),
        "{text}"
    );
    insta::assert_snapshot!("two_series_svg", text);
}

#[test]
fn incomplete_buckets_are_not_joined_by_the_line() {
    // A jump in the last bucket: joined, the line climbs; as a dot, it does not.
    let values: Vec<Value> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 26]
        .iter()
        .map(|n| json!(n))
        .collect();
    let (columns, mut result) = series(&[("count()", "n")], &[&values]);
    let joined = draw(Format::Chart, 60, false, &columns, &result);
    result.meta.accuracy.incomplete = vec!["2026-11-26T11:00:00Z".into()];
    let dotted = draw(Format::Chart, 60, false, &columns, &result);
    let frame = |t: &str| t.lines().take(12).collect::<Vec<_>>().join("\n");
    assert_ne!(frame(&joined), frame(&dotted), "{joined}\n{dotted}");
}

/// A compared series: the earlier period (`count()_previous`) beside the current one.
fn compared() -> (Vec<OutputColumn>, ResultSet) {
    let earlier: Vec<Value> = [2, 4, 6, 9, 10, 12, 15, 14, 9, 6, 3, 2]
        .iter()
        .map(|n| json!(n))
        .collect();
    series(
        &[
            ("count()", "count()"),
            ("count()_previous", "count()_previous"),
        ],
        &[&ramp(), &earlier],
    )
}

#[test]
fn a_compared_series_draws_its_earlier_period_dotted_and_labelled() {
    let (columns, result) = compared();
    let text = draw(Format::Chart, 70, false, &columns, &result);
    assert!(text.lines().all(|l| unicode_width(l) <= 70), "{text}");
    // Without colour the two periods share one panel, told apart by line and dots.
    assert_eq!(
        text.matches("━━ count()   ·· count()_previous (earlier period)")
            .count(),
        1,
        "{text}"
    );
    insta::assert_snapshot!("compared_series_no_colour_70", text);
    let coloured = draw(Format::Chart, 70, true, &columns, &result);
    // The earlier period is a paler shade of its series' colour (Tableau blue 4e79a7).
    assert!(coloured.contains("\u{1b}[38;2;78;121;167m━━"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}[38;2;166;188;211m··"),
        "{coloured}"
    );
    let svg = draw(Format::Svg, 640, false, &columns, &result);
    assert_eq!(svg.matches("stroke-dasharray=\"5 4\"").count(), 1, "{svg}");
    assert!(svg.contains("count()_previous (earlier period)"), "{svg}");
}
