//! Edge cases of every output format, as snapshots: missing values, long text, CJK, huge and
//! tiny numbers, many rows; and the table's layout (width, row cap, expanded display).

use dql::answer::OutputColumn;
use dql::format::{Expanded, Format, Layout, write_result};
use dql::result::ResultSet;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

fn column(field: &str, label: &str) -> OutputColumn {
    OutputColumn {
        field: field.to_owned(),
        label: label.to_owned(),
        ty: None,
    }
}

/// Four rows: a long title with a newline, CJK, missing values everywhere, an empty string,
/// u64::MAX and i64::MIN counts, 1e300 and 1e-300 averages, and a binary-noise float as
/// Sentry might send it (kept as sent by machine formats).
fn edges() -> (Vec<OutputColumn>, ResultSet) {
    let long = "TypeError: Cannot read properties of undefined (reading 'map') at \
                ProductList.render (components/ProductList.tsx:42:17)\nat renderWithHooks";
    let result: ResultSet = serde_json::from_value(json!({
        "data": [
            {"title": long, "count()": 18_446_744_073_709_551_615_u64, "avg(x)": 1e300,
             "failure_rate()": 0.5, "last_seen()": "2026-11-26T10:00:00+00:00"},
            {"title": "注文の処理に失敗しました：決済サービスが応答しません", "count()": -9_223_372_036_854_775_807_i64 - 1,
             "avg(x)": 1e-300, "failure_rate()": null, "last_seen()": null},
            {"title": null, "count()": null, "avg(x)": 1945.5999999999988,
             "failure_rate()": 0.0001, "last_seen()": 1_795_687_200},
            {"title": "", "count()": 0, "avg(x)": null, "failure_rate()": 1,
             "last_seen()": "2026-11-26T10:00:00.250Z"},
        ],
        "meta": {"fields": {"title": "string", "count()": "integer", "avg(x)": "number",
                            "failure_rate()": "percentage", "last_seen()": "date"},
                 "units": {}}
    }))
    .unwrap();
    let columns = vec![
        column("title", "title"),
        column("count()", "count()"),
        column("avg(x)", "avg"),
        column("failure_rate()", "failure_rate()"),
        column("last_seen()", "last_seen()"),
    ];
    (columns, result)
}

/// `n` rows of a title and a count.
fn many(n: usize) -> (Vec<OutputColumn>, ResultSet) {
    let data = (0..n)
        .map(|i| {
            json!({"title": format!("transaction /api/v1/items/{i}/details"), "count()": i * 1000})
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let result = ResultSet {
        data,
        meta: serde_json::from_value(json!({
            "fields": {"title": "string", "count()": "integer"}, "units": {}
        }))
        .unwrap(),
    };
    (
        vec![column("title", "title"), column("count()", "count()")],
        result,
    )
}

fn draw(
    format: Format,
    layout: Layout,
    (columns, result): (Vec<OutputColumn>, ResultSet),
) -> String {
    let mut out = Vec::new();
    {
        let mut sink = format.sink_with(&mut out, false, layout);
        write_result(sink.as_mut(), None, &columns, &result).unwrap();
        sink.finish().unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn unlimited(format: Format) -> String {
    draw(format, Layout::default(), edges())
}

fn fitted(width: usize, expanded: Expanded) -> Layout {
    Layout {
        width: Some(width),
        expanded,
        ..Layout::default()
    }
}

fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.width() <= width,
            "{} > {width}: {line}\n{text}",
            line.width()
        );
    }
}

#[test]
fn table_edges_unlimited() {
    insta::assert_snapshot!(unlimited(Format::Table));
}

#[test]
fn table_edges_at_100_columns() {
    let text = draw(Format::Table, fitted(100, Expanded::Off), edges());
    assert_fits(&text, 100);
    // Numbers are never cut, text is, with `…`.
    assert!(text.contains("18,446,744,073,709,551,615"), "{text}");
    assert!(text.contains("-9,223,372,036,854,775,808"), "{text}");
    assert!(text.contains('…'), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn table_edges_at_40_columns_become_vertical() {
    let text = draw(Format::Table, fitted(40, Expanded::Auto), edges());
    assert_fits(&text, 40);
    assert!(text.starts_with("─[ row 1 ]"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn vertical_edges() {
    insta::assert_snapshot!(unlimited(Format::Vertical));
}

#[test]
fn markdown_edges() {
    insta::assert_snapshot!(unlimited(Format::Markdown));
}

#[test]
fn csv_edges() {
    let text = unlimited(Format::Csv);
    // Missing is empty; the empty string is the empty field too (csv cannot tell them apart).
    insta::assert_snapshot!(text);
}

#[test]
fn json_edges() {
    let text = unlimited(Format::Json);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed[0]["data"][2]["title"], Value::Null);
    assert_eq!(parsed[0]["data"][3]["title"], "");
    assert_eq!(parsed[0]["data"][0]["count()"], json!(u64::MAX));
    insta::assert_snapshot!(text);
}

#[test]
fn ndjson_edges() {
    insta::assert_snapshot!(unlimited(Format::Ndjson));
}

#[test]
fn many_rows_are_capped_with_a_count_of_the_rest() {
    let layout = Layout {
        width: Some(80),
        max_rows: Some(5),
        all_rows_hint: Some("--format csv shows them all".to_owned()),
        expanded: Expanded::Auto,
        color: false,
    };
    let text = draw(Format::Table, layout.clone(), many(5000));
    assert_fits(&text, 80);
    insta::assert_snapshot!(text);
    // At the cap exactly, nothing is said.
    let exact = draw(Format::Table, layout.clone(), many(5));
    assert!(!exact.contains("more row"), "{exact}");
    let one_more = draw(Format::Vertical, layout, many(6));
    assert!(
        one_more.ends_with("… 1 more row (6 in all; --format csv shows them all)\n"),
        "{one_more}"
    );
    // A count too long for the width with its hint: the hint goes on a line of its own.
    let narrow = Layout {
        width: Some(50),
        max_rows: Some(2),
        all_rows_hint: Some("--max-rows 0 or --format csv shows them all".to_owned()),
        expanded: Expanded::Auto,
        color: false,
    };
    let text = draw(Format::Table, narrow, many(123_456));
    assert_fits(&text, 50);
    assert!(
        text.ends_with(
            "… 123,454 more rows (123,456 in all)\n  --max-rows 0 or --format csv shows them all\n"
        ),
        "{text}"
    );
    // Machine formats and markdown are never capped.
    let csv = draw(
        Format::Csv,
        Layout {
            max_rows: Some(5),
            ..Layout::default()
        },
        many(5000),
    );
    assert_eq!(csv.lines().count(), 5001);
}

#[test]
fn expanded_on_and_off_are_obeyed() {
    let (columns, mut result) = many(2);
    result.data.truncate(2);
    let on = draw(
        Format::Table,
        fitted(200, Expanded::On),
        (columns.clone(), result.clone()),
    );
    assert!(on.starts_with("─[ row 1 ]"), "{on}");
    let off = draw(Format::Table, fitted(20, Expanded::Off), (columns, result));
    assert!(off.starts_with('┌'), "{off}");
}
