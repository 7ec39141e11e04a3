//! Output formats end to end: realistic Sentry results through every format, escaping, widths,
//! empty and several results, and streaming.

use dql::answer::OutputColumn;
use dql::format::{Format, render, write_result};
use dql::result::{Meta, ResultSet, Row};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use unicode_width::UnicodeWidthStr;

fn column(field: &str, label: &str) -> OutputColumn {
    OutputColumn {
        field: field.to_owned(),
        label: label.to_owned(),
        ty: None,
    }
}

fn result(value: Value) -> ResultSet {
    serde_json::from_value(value).unwrap()
}

fn row(value: Value) -> Row {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// sentry-api.md §4's recorded errors response (sentry-mcp fixture), with the `issue` key
/// Sentry post-fills, which the plan does not name.
fn errors_example() -> (Vec<OutputColumn>, ResultSet) {
    let result = result(json!({
        "data": [{"issue.id": 6114575469_u64,
                  "title": "Error: Tool list_organizations is already registered",
                  "project": "test-suite", "count()": 2,
                  "last_seen()": "2025-04-07T12:23:39+00:00",
                  "issue": "CLOUDFLARE-MCP-41"}],
        "meta": {"fields": {"issue.id": "integer", "title": "string", "project": "string",
                            "count()": "integer", "last_seen()": "date"},
                 "units": {"issue.id": null, "title": null, "project": null,
                           "count()": null, "last_seen()": null},
                 "isMetricsData": false, "isMetricsExtractedData": false,
                 "tips": {"query": null, "columns": null},
                 "datasetReason": "unchanged", "dataset": "errors"}
    }));
    let columns = vec![
        column("issue.id", "issue.id"),
        column("title", "title"),
        column("project", "project"),
        column("count()", "count()"),
        column("last_seen()", "last_seen()"),
    ];
    (columns, result)
}

/// A transactions result: aliases, a hidden sort field (`count()`), Sentry's auto-added `id`
/// and `project.name`, nulls, unicode, and duration/percentage/rate/size/date columns.
fn transactions_example() -> (Vec<OutputColumn>, ResultSet) {
    let result = result(json!({
        "data": [
            {"transaction": "/api/checkout", "p95(transaction.duration)": 1520.4,
             "failure_rate()": 0.125, "tpm()": 12.345, "avg(http.response_content_length)": 1258291,
             "last_seen()": "2026-11-26T11:00:00+01:00", "count()": 9000,
             "id": "a1b2", "project.name": "shop"},
            {"transaction": "/api/注文/履歴", "p95(transaction.duration)": 340,
             "failure_rate()": 0.0, "tpm()": 0.5, "avg(http.response_content_length)": null,
             "last_seen()": 1795680000, "count()": 120,
             "id": "c3d4", "project.name": "shop"},
            {"transaction": "GET /health", "p95(transaction.duration)": null,
             "failure_rate()": 1, "tpm()": 1234.5, "avg(http.response_content_length)": 512,
             "last_seen()": null, "count()": 12345,
             "id": "e5f6", "project.name": "shop"}
        ],
        "meta": {
            "fields": {"transaction": "string", "p95(transaction.duration)": "duration",
                       "failure_rate()": "percentage", "tpm()": "rate",
                       "avg(http.response_content_length)": "size", "last_seen()": "date",
                       "count()": "integer", "id": "string", "project.name": "string"},
            "units": {"transaction": null, "p95(transaction.duration)": "millisecond",
                      "failure_rate()": null, "tpm()": "1/minute",
                      "avg(http.response_content_length)": "byte", "last_seen()": null,
                      "count()": null, "id": null, "project.name": null}
        }
    }));
    let columns = vec![
        column("transaction", "transaction"),
        column("p95(transaction.duration)", "p95"),
        column("failure_rate()", "failures"),
        column("tpm()", "tpm"),
        column("avg(http.response_content_length)", "avg_size"),
        column("last_seen()", "last_seen"),
    ];
    (columns, result)
}

fn show(format: Format, (columns, result): (Vec<OutputColumn>, ResultSet)) -> String {
    render(format, &columns, &result).unwrap()
}

#[test]
fn errors_example_as_table() {
    insta::assert_snapshot!(show(Format::Table, errors_example()), @r#"
        ┌────────────┬──────────────────────────────────────────────────────┬────────────┬─────────┬──────────────────────┐
        │   issue.id ┆ title                                                ┆ project    ┆ count() ┆ last_seen()          │
        ╞════════════╪══════════════════════════════════════════════════════╪════════════╪═════════╪══════════════════════╡
        │ 6114575469 ┆ Error: Tool list_organizations is already registered ┆ test-suite ┆       2 ┆ 2025-04-07T12:23:39Z │
        └────────────┴──────────────────────────────────────────────────────┴────────────┴─────────┴──────────────────────┘
        "#);
}

#[test]
fn errors_example_as_json() {
    let text = show(Format::Json, errors_example());
    insta::assert_snapshot!(text, @r#"
        [
        {"name":null,"data":[
        {"issue.id":6114575469,"title":"Error: Tool list_organizations is already registered","project":"test-suite","count()":2,"last_seen()":"2025-04-07T12:23:39Z"}
        ],"meta":{"fields":{"issue.id":"integer","title":"string","project":"string","count()":"integer","last_seen()":"date"},"units":{"issue.id":null,"title":null,"project":null,"count()":null,"last_seen()":null}}}
        ]
        "#);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed[0]["data"][0]["issue.id"], json!(6114575469_u64));
    assert!(
        parsed[0]["data"][0].get("issue").is_none(),
        "unplanned keys are dropped"
    );
}

#[test]
fn errors_example_as_ndjson() {
    insta::assert_snapshot!(show(Format::Ndjson, errors_example()), @r#"
        {"issue.id":6114575469,"title":"Error: Tool list_organizations is already registered","project":"test-suite","count()":2,"last_seen()":"2025-04-07T12:23:39Z"}
        "#);
}

#[test]
fn errors_example_as_csv() {
    insta::assert_snapshot!(show(Format::Csv, errors_example()), @r#"
        issue.id,title,project,count(),last_seen()
        6114575469,Error: Tool list_organizations is already registered,test-suite,2,2025-04-07T12:23:39Z
        "#);
}

#[test]
fn errors_example_as_markdown() {
    insta::assert_snapshot!(show(Format::Markdown, errors_example()), @r#"
        |   issue.id | title                                                | project    | count() | last_seen()          |
        | ---------: | ---------------------------------------------------- | ---------- | ------: | -------------------- |
        | 6114575469 | Error: Tool list_organizations is already registered | test-suite |       2 | 2025-04-07T12:23:39Z |
        "#);
}

#[test]
fn transactions_as_table_use_units_and_labels() {
    let text = show(Format::Table, transactions_example());
    insta::assert_snapshot!(text, @r#"
        ┌────────────────┬────────┬──────────┬─────────────┬──────────┬──────────────────────┐
        │ transaction    ┆    p95 ┆ failures ┆         tpm ┆ avg_size ┆ last_seen            │
        ╞════════════════╪════════╪══════════╪═════════════╪══════════╪══════════════════════╡
        │ /api/checkout  ┆ 1.52 s ┆   12.5 % ┆    12.3/min ┆  1.2 MiB ┆ 2026-11-26T10:00:00Z │
        │ /api/注文/履歴 ┆ 340 ms ┆    0.0 % ┆     0.5/min ┆        ∅ ┆ 2026-11-26T08:00:00Z │
        │ GET /health    ┆      ∅ ┆  100.0 % ┆ 1,234.5/min ┆    512 B ┆ ∅                    │
        └────────────────┴────────┴──────────┴─────────────┴──────────┴──────────────────────┘
        "#);
    assert!(
        !text.contains("a1b2") && !text.contains("9000"),
        "hidden columns leak"
    );
}

#[test]
fn transactions_as_markdown() {
    insta::assert_snapshot!(show(Format::Markdown, transactions_example()), @r#"
        | transaction    |    p95 | failures |         tpm | avg_size | last_seen            |
        | -------------- | -----: | -------: | ----------: | -------: | -------------------- |
        | /api/checkout  | 1.52 s |   12.5 % |    12.3/min |  1.2 MiB | 2026-11-26T10:00:00Z |
        | /api/注文/履歴 | 340 ms |    0.0 % |     0.5/min |        ∅ | 2026-11-26T08:00:00Z |
        | GET /health    |      ∅ |  100.0 % | 1,234.5/min |    512 B | ∅                    |
        "#);
}

#[test]
fn transactions_as_csv_keep_raw_values_but_normalise_dates() {
    insta::assert_snapshot!(show(Format::Csv, transactions_example()), @r#"
        transaction,p95,failures,tpm,avg_size,last_seen
        /api/checkout,1520.4,0.125,12.345,1258291,2026-11-26T10:00:00Z
        /api/注文/履歴,340,0.0,0.5,,2026-11-26T08:00:00Z
        GET /health,,1,1234.5,512,
        "#);
}

#[test]
fn transactions_as_json_key_rows_and_meta_by_label() {
    let text = show(Format::Json, transactions_example());
    insta::assert_snapshot!(text, @r#"
        [
        {"name":null,"data":[
        {"transaction":"/api/checkout","p95":1520.4,"failures":0.125,"tpm":12.345,"avg_size":1258291,"last_seen":"2026-11-26T10:00:00Z"},
        {"transaction":"/api/注文/履歴","p95":340,"failures":0.0,"tpm":0.5,"avg_size":null,"last_seen":"2026-11-26T08:00:00Z"},
        {"transaction":"GET /health","p95":null,"failures":1,"tpm":1234.5,"avg_size":512,"last_seen":null}
        ],"meta":{"fields":{"transaction":"string","p95":"duration","failures":"percentage","tpm":"rate","avg_size":"size","last_seen":"date"},"units":{"transaction":null,"p95":"millisecond","failures":null,"tpm":"1/minute","avg_size":"byte","last_seen":null}}}
        ]
        "#);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    let first = parsed[0]["data"][0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    let mut expected = vec![
        "transaction",
        "p95",
        "failures",
        "tpm",
        "avg_size",
        "last_seen",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(parsed[0]["meta"]["fields"]["p95"], "duration");
    assert_eq!(parsed[0]["meta"]["units"]["tpm"], "1/minute");
    assert!(parsed[0]["meta"]["fields"].get("count()").is_none());
}

#[test]
fn columns_follow_the_plan_not_the_api() {
    // Rows are keyed maps (sorted), so only the plan can give this order.
    let columns = vec![
        column("zeta", "z"),
        column("alpha", "a"),
        column("mid", "m"),
    ];
    let result = result(json!({"data": [{"alpha": 1, "mid": 2, "zeta": 3}], "meta": {}}));
    assert_eq!(
        render(Format::Csv, &columns, &result).unwrap(),
        "z,a,m\n3,1,2\n"
    );
    assert_eq!(
        render(Format::Ndjson, &columns, &result).unwrap(),
        "{\"z\":3,\"a\":1,\"m\":2}\n"
    );
    // A planned field missing from a row is null, not an error.
    let sparse = result_with_rows(vec![json!({"alpha": 1})]);
    assert_eq!(
        render(Format::Csv, &columns, &sparse).unwrap(),
        "z,a,m\n,1,\n"
    );
}

fn result_with_rows(rows: Vec<Value>) -> ResultSet {
    ResultSet {
        data: rows.into_iter().map(row).collect(),
        meta: Meta::default(),
    }
}

#[test]
fn csv_escapes_commas_quotes_and_newlines() {
    let columns = vec![column("message", "message, text"), column("n", "n")];
    let result = result_with_rows(vec![
        json!({"message": "a, b", "n": 1}),
        json!({"message": "say \"hi\"", "n": 2}),
        json!({"message": "two\nlines", "n": 3}),
        json!({"message": ["x", "y"], "n": null}),
    ]);
    let text = render(Format::Csv, &columns, &result).unwrap();
    insta::assert_snapshot!(text, @r#"
        "message, text",n
        "a, b",1
        "say ""hi""",2
        "two
        lines",3
        "[""x"",""y""]",
        "#);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(reader.headers().unwrap().get(0), Some("message, text"));
    assert_eq!(records[0], ["a, b", "1"]);
    assert_eq!(records[1], ["say \"hi\"", "2"]);
    assert_eq!(records[2], ["two\nlines", "3"]);
    assert_eq!(records[3], ["[\"x\",\"y\"]", ""]);
}

#[test]
fn table_aligns_wide_characters() {
    let columns = vec![column("name", "名前"), column("n", "n")];
    let result = result_with_rows(vec![
        json!({"name": "東京", "n": 1}),
        json!({"name": "ascii", "n": 22}),
        json!({"name": "🚀 launch", "n": 333}),
    ]);
    let text = render(Format::Table, &columns, &result).unwrap();
    insta::assert_snapshot!(text, @r#"
        ┌───────────┬─────┐
        │ 名前      ┆   n │
        ╞═══════════╪═════╡
        │ 東京      ┆   1 │
        │ ascii     ┆  22 │
        │ 🚀 launch ┆ 333 │
        └───────────┴─────┘
        "#);
    let widths: Vec<usize> = text.lines().map(UnicodeWidthStr::width).collect();
    assert!(
        widths.iter().all(|width| *width == widths[0]),
        "{widths:?}\n{text}"
    );
}

#[test]
fn table_escapes_control_characters_and_markdown_escapes_pipes() {
    let columns = vec![column("m", "m")];
    let result = result_with_rows(vec![json!({"m": "red\u{1b}[31m|x\ty"})]);
    let table = render(Format::Table, &columns, &result).unwrap();
    assert!(
        !table.contains('\u{1b}') && table.contains("\\u{1b}[31m|x\\ty"),
        "{table}"
    );
    let markdown = render(Format::Markdown, &columns, &result).unwrap();
    assert!(markdown.contains("red\\u{1b}[31m\\|x\\ty"), "{markdown}");
    let multi = result_with_rows(vec![json!({"m": "a\nb"})]);
    let markdown = render(Format::Markdown, &columns, &multi).unwrap();
    assert!(markdown.contains("| a<br>b |"), "{markdown}");
}

#[test]
fn empty_results() {
    let columns = vec![column("title", "title"), column("count()", "n")];
    let empty = result(
        json!({"data": [], "meta": {"fields": {"count()": "integer"},
                                                   "units": {"count()": null}}}),
    );
    let table = render(Format::Table, &columns, &empty).unwrap();
    insta::assert_snapshot!(table, @r#"
        ┌───────┬───┐
        │ title ┆ n │
        ╞═══════╪═══╡
        └───────┴───┘
        (no rows)
        "#);
    let markdown = render(Format::Markdown, &columns, &empty).unwrap();
    insta::assert_snapshot!(markdown, @r#"
        | title |   n |
        | ----- | --: |

        (no rows)
        "#);
    assert_eq!(render(Format::Csv, &columns, &empty).unwrap(), "title,n\n");
    assert_eq!(render(Format::Ndjson, &columns, &empty).unwrap(), "");
    assert_eq!(
        render(Format::Json, &columns, &empty).unwrap(),
        "[\n{\"name\":null,\"data\":[],\"meta\":{\"fields\":{\"n\":\"integer\"},\"units\":{\"n\":null}}}\n]\n"
    );
}

#[test]
fn several_results_print_under_their_names() {
    let (errors_columns, errors) = errors_example();
    let (tx_columns, transactions) = transactions_example();
    let render_several = |format: Format| {
        let mut out = Vec::new();
        {
            let mut sink = format.sink_for_several(&mut out);
            write_result(
                sink.as_mut(),
                Some("recent_errors"),
                &errors_columns,
                &errors,
            )
            .unwrap();
            write_result(sink.as_mut(), None, &tx_columns, &transactions).unwrap();
            sink.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    };
    let table = render_several(Format::Table);
    assert!(table.starts_with("recent_errors\n┌"), "{table}");
    assert!(table.contains("\n\nresult 2\n┌"), "{table}");
    let markdown = render_several(Format::Markdown);
    assert!(
        markdown.starts_with("## recent_errors\n\n|   issue.id"),
        "{markdown}"
    );
    assert!(
        markdown.contains("\n\n## result 2\n\n| transaction"),
        "{markdown}"
    );
    let json_text = render_several(Format::Json);
    let parsed: Value = serde_json::from_str(&json_text).unwrap();
    let results = parsed.as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["name"], "recent_errors");
    assert_eq!(results[1]["name"], Value::Null);
    assert_eq!(results[1]["data"][1]["p95"], json!(340));
    // csv: one table, the statement first and the union of the columns.
    let csv = render_several(Format::Csv);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "statement,issue.id,title,project,count(),last_seen(),transaction,p95,failures,tpm,\
             avg_size,last_seen"
        )
    );
    assert_eq!(
        lines.next(),
        Some(
            "recent_errors,6114575469,Error: Tool list_organizations is already registered,\
             test-suite,2,2025-04-07T12:23:39Z,,,,,,"
        )
    );
    assert!(
        csv.contains(
            "\nresult 2,,,,,,/api/checkout,1520.4,0.125,12.345,1258291,2026-11-26T10:00:00Z\n"
        ),
        "{csv}"
    );
    // ndjson: every row says which statement it belongs to.
    let ndjson = render_several(Format::Ndjson);
    let rows: Vec<Value> = ndjson
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["statement"], "recent_errors");
    assert_eq!(rows[3]["statement"], "result 2");
    assert!(ndjson.starts_with("{\"statement\":\"recent_errors\",\"issue.id\""));
}

#[test]
fn several_sink_with_no_result_is_still_valid_json() {
    let mut out = Vec::new();
    {
        let mut sink = Format::Json.sink_for_several(&mut out);
        sink.finish().unwrap();
    }
    assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
}

#[test]
fn meta_from_a_later_page_reaches_buffered_output_and_json_meta() {
    let columns = vec![
        column("timestamp", "at"),
        column("transaction.duration", "took"),
    ];
    let first_page_meta = Meta::default();
    let later: Meta = serde_json::from_value(json!({
        "fields": {"timestamp": "date", "transaction.duration": "duration"},
        "units": {"transaction.duration": "millisecond"}
    }))
    .unwrap();
    let rows = [
        row(json!({"timestamp": 1795687200, "transaction.duration": 1520})),
        row(json!({"timestamp": 1795687260, "transaction.duration": 80})),
    ];
    let feed = |format: Format| {
        let mut out = Vec::new();
        {
            let mut sink = format.sink(&mut out);
            sink.begin(None, &columns, &first_page_meta).unwrap();
            sink.row(&rows[0]).unwrap();
            sink.extend_meta(&later);
            sink.row(&rows[1]).unwrap();
            sink.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    };
    let table = feed(Format::Table);
    assert!(
        table.contains("2026-11-26T10:00:00Z") && table.contains("1.52 s"),
        "{table}"
    );
    assert!(
        table.contains("2026-11-26T10:01:00Z") && table.contains("80 ms"),
        "{table}"
    );
    let json_text = feed(Format::Json);
    let parsed: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(parsed[0]["meta"]["fields"]["at"], "date");
    // Streaming formats use the meta known when each row arrived.
    assert_eq!(parsed[0]["data"][0]["at"], json!(1795687200));
    assert_eq!(parsed[0]["data"][1]["at"], "2026-11-26T10:01:00Z");
}

#[test]
fn sinks_refuse_calls_out_of_order() {
    let columns = vec![column("a", "a")];
    for format in Format::ALL {
        let mut sink = format.sink(Vec::new());
        let error = sink.row(&row(json!({"a": 1}))).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{format}");
        sink.begin(None, &columns, &Meta::default()).unwrap();
        sink.end().unwrap();
        let error = sink.begin(None, &columns, &Meta::default()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{format}");
        sink.finish().unwrap();
    }
}

/// A writer that records each `write` call, shared so the test can look while the sink lives.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<Vec<u8>>>>);

impl Recorder {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().concat()).unwrap()
    }
    fn n_writes(&self) -> usize {
        self.0.borrow().len()
    }
}

impl Write for Recorder {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().push(bytes.to_vec());
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn csv_and_ndjson_write_rows_before_finish() {
    let columns = vec![column("transaction", "transaction"), column("count()", "n")];
    for format in [Format::Csv, Format::Ndjson, Format::Json] {
        let recorder = Recorder::default();
        let mut sink = format.sink(recorder.clone());
        sink.begin(None, &columns, &Meta::default()).unwrap();
        sink.row(&row(json!({"transaction": "/a", "count()": 1})))
            .unwrap();
        sink.flush().unwrap();
        // One page flushed: its row is out before the result ends.
        assert!(
            recorder.text().contains("/a"),
            "{format}: {}",
            recorder.text()
        );
        // Without flushing, a long result still leaves through a bounded buffer.
        let before = recorder.n_writes();
        for index in 0..10_000 {
            sink.row(&row(
                json!({"transaction": format!("/t{index}"), "count()": index}),
            ))
            .unwrap();
        }
        assert!(
            recorder.n_writes() > before,
            "{format}: rows held until finish"
        );
        assert!(recorder.text().contains("/t5000"), "{format}");
        sink.finish().unwrap();
        assert!(recorder.text().contains("/t9999"), "{format}");
    }
}

#[test]
fn table_writes_only_at_end() {
    let columns = vec![column("a", "a")];
    let recorder = Recorder::default();
    let mut sink = Format::Table.sink(recorder.clone());
    sink.begin(None, &columns, &Meta::default()).unwrap();
    sink.row(&row(json!({"a": "x"}))).unwrap();
    sink.flush().unwrap();
    assert_eq!(recorder.n_writes(), 0);
    sink.finish().unwrap();
    assert!(recorder.text().contains("│ x │"), "{}", recorder.text());
}
