//! The local engine's input side: finding and streaming event files (NDJSON, JSON arrays,
//! gzip, directories), bad-input reporting, and extraction of every mapped field.
#![cfg(feature = "local")]

use dql::engine::{EngineError, EventFiles, Projection, ReadOptions, ScanStats, Value};
use dql::registry::EngineCode;
use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events")
        .join(name)
}

/// Every event's projected values, owned, plus the scan's stats.
fn read(
    path: &Path,
    names: &[&str],
    options: ReadOptions,
) -> Result<(Vec<Vec<Value<'static>>>, ScanStats), EngineError> {
    let files = EventFiles::open(path)?;
    let mut rows = Vec::new();
    let stats = files.scan(&Projection::new(names), &options, |event| {
        rows.push(event.values.into_iter().map(Value::into_owned).collect());
        Ok::<(), EngineError>(())
    })?;
    Ok((rows, stats))
}

fn s(text: &str) -> Value<'static> {
    Value::Str(Cow::Owned(text.to_owned()))
}

fn arr(items: Vec<Value<'static>>) -> Value<'static> {
    Value::Array(items)
}

/// Checks one event's value for each (field, expected) pair, naming the field on failure.
fn check_fields(line: usize, expected: &[(&str, Value<'static>)]) {
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    let (rows, _) = read(&fixture("full.ndjson"), &names, ReadOptions::default()).unwrap();
    let row = &rows[line];
    for ((name, want), got) in expected.iter().zip(row) {
        assert_eq!(got, want, "field `{name}` of event {line}");
    }
}

const SECOND: i64 = 1000;

#[test]
fn every_mapped_field_of_an_error_event() {
    check_fields(
        0,
        &[
            ("id", s("0123456789abcdef0123456789abcdef")),
            ("issue.id", Value::Int(6_114_575_469)),
            ("project", s("frontend")),
            ("project.name", s("frontend")),
            ("project.id", Value::Int(4_505_001)),
            ("timestamp", Value::Timestamp(1_795_091_696 * SECOND)),
            (
                "timestamp.to_hour",
                Value::Timestamp(1_795_089_600 * SECOND),
            ),
            ("timestamp.to_day", Value::Timestamp(1_795_046_400 * SECOND)),
            (
                "error.received",
                Value::Timestamp(1_795_091_697 * SECOND + 250),
            ),
            ("event.type", s("error")),
            ("title", s("TypeError: x is undefined")),
            ("message", s("TypeError: x is undefined")),
            ("culprit", s("renderCheckout(main)")),
            ("location", s("app:///main.js")),
            ("dist", s("42")),
            ("platform.name", s("javascript")),
            ("level", s("error")),
            ("environment", s("production")),
            ("release", s("frontend@2.5.0")),
            ("transaction", s("/checkout")),
            ("browser.name", s("Chrome")),
            ("os.name", s("Windows")),
            ("url", s("https://shop.example.com/checkout")),
            ("user", s("id:42")),
            ("user.id", s("42")),
            ("user.email", s("ana@example.com")),
            ("user.username", s("ana")),
            ("user.ip", s("10.0.0.1")),
            ("user.display", s("ana@example.com")),
            ("error.type", arr(vec![s("ChunkLoadError"), s("TypeError")])),
            (
                "error.value",
                arr(vec![s("Loading chunk 4 failed"), s("x is undefined")]),
            ),
            (
                "error.mechanism",
                arr(vec![s("onunhandledrejection"), s("onerror")]),
            ),
            // One boolean per event: not every exception is handled.
            ("error.handled", Value::Bool(false)),
            ("error.unhandled", Value::Bool(true)),
            (
                "stack.filename",
                arr(vec![s("app:///vendor.js"), s("app:///main.js")]),
            ),
            (
                "stack.function",
                arr(vec![s("dispatch"), s("renderCheckout")]),
            ),
            (
                "stack.abs_path",
                arr(vec![
                    s("https://shop.example.com/vendor.js"),
                    s("https://shop.example.com/main.js"),
                ]),
            ),
            ("stack.module", arr(vec![s("vendor"), s("main")])),
            ("stack.package", arr(vec![Value::Null, s("shop")])),
            (
                "stack.in_app",
                arr(vec![Value::Bool(false), Value::Bool(true)]),
            ),
            ("stack.lineno", arr(vec![Value::Int(10), Value::Int(120)])),
            ("stack.colno", arr(vec![Value::Int(3), Value::Int(17)])),
            ("http.method", s("POST")),
            ("http.url", s("https://shop.example.com/checkout")),
            ("transaction.duration", Value::Null),
            ("transaction.op", s("pageload")),
            ("transaction.status", s("ok")),
            ("trace", s("t1")),
            ("trace.span", s("s1")),
            ("trace.parent_span", s("p1")),
            ("measurements.lcp", Value::Null),
            ("sdk.name", s("sentry.javascript.react")),
            ("sdk.version", s("8.38.0")),
            ("custom", s("yes")),
            ("tags[custom]", s("yes")),
            ("tags[title]", s("not the title")),
            ("server_name", s("web-1")),
            ("no_such_tag", Value::Null),
        ],
    );
}

#[test]
fn every_mapped_field_of_a_transaction_event() {
    check_fields(
        1,
        &[
            ("id", s("fedcba9876543210fedcba9876543210")),
            ("issue.id", Value::Null),
            ("project", s("backend")),
            ("timestamp", Value::Timestamp(1_795_075_201 * SECOND)),
            ("event.type", s("transaction")),
            // No transaction tag: a transaction's name is its title.
            ("transaction", s("GET /api/orders")),
            ("message", s("GET /api/orders")),
            ("level", s("info")),
            ("environment", s("staging")),
            ("release", Value::Null),
            // No user tag and no id: the user tag is built from the first member present.
            ("user", s("username:bob")),
            ("user.id", Value::Null),
            ("user.display", s("bob")),
            ("user.ip", s("10.0.0.2")),
            // No tag: read from contexts.
            ("browser.name", s("Firefox")),
            ("os.name", Value::Null),
            ("error.type", arr(vec![])),
            ("error.unhandled", Value::Bool(false)),
            ("stack.function", arr(vec![])),
            ("http.method", Value::Null),
            ("transaction.duration", Value::Int(1250)),
            ("transaction.op", s("http.server")),
            ("transaction.status", s("internal_error")),
            ("trace.parent_span", Value::Null),
            ("measurements.lcp", Value::Float(812.5)),
            ("measurements.fcp", Value::Float(300.0)),
            ("measurements.cls", Value::Null),
            ("sdk.name", s("sentry.python")),
        ],
    );
}

#[test]
fn ingest_style_payloads_are_read_too() {
    check_fields(
        2,
        &[
            ("id", s("c0ffeec0ffeec0ffeec0ffeec0ffeec0")),
            // No projectSlug: the project is its id.
            ("project", s("7")),
            ("project.id", Value::Int(7)),
            ("timestamp", Value::Timestamp(1_794_960_000 * SECOND)),
            ("message", s("bad \"value\"")),
            ("level", s("warning")),
            ("tags[num,number]", Value::Float(3.5)),
            ("release", s("backend@1.0")),
            ("user", s("id:7")),
            ("user.id", s("7")),
            ("user.display", s("7")),
            ("error.type", arr(vec![s("ValueError")])),
            // No mechanism: handled.
            ("error.handled", Value::Bool(true)),
            ("error.unhandled", Value::Bool(false)),
            ("stack.abs_path", arr(vec![s("/srv/a.py")])),
            ("stack.in_app", arr(vec![Value::Bool(true)])),
            ("stack.lineno", arr(vec![Value::Int(5)])),
            ("stack.colno", arr(vec![Value::Null])),
            ("http.method", s("GET")),
            ("http.url", s("http://x/y")),
        ],
    );
}

#[test]
fn reads_a_json_array_with_the_line_of_each_element() {
    let files = EventFiles::open(fixture("array.json")).unwrap();
    let mut seen = Vec::new();
    files
        .scan(
            &Projection::new(["id", "level"]),
            &ReadOptions::default(),
            |event| {
                seen.push((
                    event.values[0].as_text().into_owned(),
                    event.values[1].clone().into_owned(),
                    event.line,
                ));
                Ok::<(), EngineError>(())
            },
        )
        .unwrap();
    assert_eq!(
        seen,
        vec![
            ("a1".to_owned(), s("error"), 2),
            ("a2".to_owned(), Value::Null, 4),
            ("a3".to_owned(), Value::Null, 8),
        ]
    );
}

#[test]
fn reads_a_directory_in_name_order_skipping_other_files() {
    let (rows, stats) = read(&fixture("dir"), &["id"], ReadOptions::default()).unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r[0].as_text().into_owned()).collect();
    assert_eq!(ids, ["d1", "d2", "d3", "d4", "d5", "d6"]);
    assert_eq!(stats.events, 6);
    let files = EventFiles::open(fixture("dir")).unwrap();
    let names: Vec<_> = files
        .files()
        .iter()
        .map(|f| f.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a.ndjson", "b.json", "c.jsonl", "d.ndjson.gz"]);
}

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dql-engine-io-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reads_gzip_by_content_whatever_the_name() {
    let dir = scratch("gzip");
    let text = std::fs::read(fixture("full.ndjson")).unwrap();
    for name in ["events.ndjson.gz", "no-extension"] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        std::fs::write(dir.join(name), gz.finish().unwrap()).unwrap();
        let (rows, _) = read(
            &dir.join(name),
            &["id", "transaction.duration"],
            ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(rows.len(), 3, "{name}");
        assert_eq!(rows[1][1], Value::Int(1250), "{name}");
    }
    // A truncated gzip stream is a read error naming the file.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let whole = gz.finish().unwrap();
    let truncated = dir.join("truncated.ndjson.gz");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let err = read(&truncated, &["id"], ReadOptions::default()).unwrap_err();
    assert_eq!(err.code(), EngineCode::ReadFailed);
    assert!(err.to_string().contains("truncated.ndjson.gz"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_malformed_line_is_an_error_naming_file_and_line() {
    let err = read(&fixture("bad.ndjson"), &["id"], ReadOptions::default()).unwrap_err();
    assert_eq!(err.code(), EngineCode::BadJson);
    let message = err.to_string();
    assert!(
        message.contains("bad.ndjson:3: invalid JSON: EOF while parsing"),
        "{message}"
    );
    assert!(
        miette::Diagnostic::help(&err)
            .unwrap()
            .to_string()
            .contains("--skip-bad")
    );
}

#[test]
fn skip_bad_counts_bad_lines_and_reports_the_first() {
    let options = ReadOptions {
        skip_bad: true,
        ..ReadOptions::default()
    };
    let (rows, stats) = read(&fixture("bad.ndjson"), &["id"], options).unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r[0].as_text().into_owned()).collect();
    // Line 6's malformed tags do not matter to a query that does not read tags.
    assert_eq!(ids, ["b1", "b5", "b6"]);
    assert_eq!((stats.events, stats.skipped), (3, 2));
    assert!(stats.first_skipped.unwrap().contains("bad.ndjson:3:"));

    let (rows, stats) = read(&fixture("bad.ndjson"), &["id", "level"], options).unwrap();
    assert_eq!((rows.len(), stats.skipped), (2, 3));
}

#[test]
fn a_non_object_and_a_malformed_member_have_their_own_codes() {
    let dir = scratch("shapes");
    std::fs::write(dir.join("a.ndjson"), "{\"eventID\":\"x\"}\n[1, 2]\n").unwrap();
    let err = read(&dir.join("a.ndjson"), &["id"], ReadOptions::default()).unwrap_err();
    assert_eq!(err.code(), EngineCode::NotAnEvent);
    assert!(
        err.to_string()
            .ends_with("a.ndjson:2: expected an event object, found an array"),
        "{err}"
    );

    let err = read(
        &fixture("bad.ndjson"),
        &["level"],
        ReadOptions {
            skip_bad: true,
            ..ReadOptions::default()
        },
    )
    .map(|(_, s)| s)
    .unwrap();
    assert_eq!(err.skipped, 3);
    std::fs::write(dir.join("b.ndjson"), "{\"tags\":5}\n").unwrap();
    let err = read(&dir.join("b.ndjson"), &["level"], ReadOptions::default()).unwrap_err();
    assert_eq!(err.code(), EngineCode::BadMember);
    assert!(
        err.to_string()
            .contains("b.ndjson:1: the event's `tags` is malformed"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_broken_json_array_reports_the_line_of_the_break() {
    let dir = scratch("array");
    std::fs::write(
        dir.join("a.json"),
        "\n[\n {\"eventID\": \"x\"},\n {\"eventID\": }\n]\n",
    )
    .unwrap();
    let err = read(
        &dir.join("a.json"),
        &["id"],
        ReadOptions {
            skip_bad: true,
            ..ReadOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), EngineCode::BadJson);
    assert!(err.to_string().contains("a.json:4:"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_paths_and_empty_directories_are_errors() {
    let err = EventFiles::open(fixture("nope.ndjson")).unwrap_err();
    assert_eq!(err.code(), EngineCode::NotFound);
    assert!(err.to_string().contains("nope.ndjson"));
    let dir = scratch("empty");
    std::fs::write(dir.join("readme.txt"), "x").unwrap();
    let err = EventFiles::open(&dir).unwrap_err();
    assert_eq!(err.code(), EngineCode::NoEventFiles);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_file_has_no_events() {
    let dir = scratch("blank");
    std::fs::write(dir.join("a.ndjson"), "\n  \n").unwrap();
    let (rows, stats) = read(&dir.join("a.ndjson"), &["id"], ReadOptions::default()).unwrap();
    assert!(rows.is_empty());
    assert_eq!(stats, ScanStats::default());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_callback_can_stop_the_scan() {
    #[derive(Debug)]
    enum Stop {
        Engine,
        Enough,
    }
    impl From<EngineError> for Stop {
        fn from(_: EngineError) -> Self {
            Stop::Engine
        }
    }
    let files = EventFiles::open(fixture("full.ndjson")).unwrap();
    let mut n = 0;
    let result = files.scan(&Projection::new(["id"]), &ReadOptions::default(), |_| {
        n += 1;
        if n == 2 { Err(Stop::Enough) } else { Ok(()) }
    });
    assert!(matches!(result, Err(Stop::Enough)));
    assert_eq!(n, 2);
}

#[test]
fn the_generated_sample_parses_entirely() {
    let names = [
        "id",
        "event.type",
        "project",
        "timestamp",
        "level",
        "transaction",
        "transaction.duration",
        "transaction.status",
        "error.type",
        "stack.function",
        "user.display",
        "http.url",
        "release",
        "measurements.lcp",
        "issue.id",
        "sdk.name",
        "browser.name",
    ];
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/events.ndjson.gz");
    let (rows, stats) = read(&sample, &names, ReadOptions::default()).unwrap();
    assert_eq!((stats.events, stats.skipped), (20_000, 0));
    let start = (1_795_132_800 - 30 * 86_400) * SECOND;
    let end = 1_795_132_800 * SECOND;
    let mut errors = 0;
    let mut projects = std::collections::BTreeSet::new();
    for row in &rows {
        let Value::Timestamp(t) = row[3] else {
            panic!("timestamp {:?}", row[3])
        };
        assert!((start..end).contains(&t));
        projects.insert(row[2].as_text().into_owned());
        match row[1].as_text().as_ref() {
            "error" => {
                errors += 1;
                assert!(matches!(row[14], Value::Int(_)));
                assert!(matches!(&row[8], Value::Array(types) if types.len() == 1));
                assert!(matches!(&row[9], Value::Array(frames) if frames.len() >= 3));
            }
            "transaction" => {
                assert!(matches!(row[6], Value::Int(ms) if ms >= 1));
                assert!(!row[7].is_null());
            }
            other => panic!("event type {other}"),
        }
        assert!(!row[12].is_null() && !row[5].is_null() && !row[15].is_null());
    }
    assert_eq!(projects.len(), 3);
    // Roughly 45% errors, by construction.
    assert!((7_000..11_000).contains(&errors), "{errors}");
}
