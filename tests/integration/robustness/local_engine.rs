//! The local engine: line caps, pipes, bad members, dangling links and huge values.

use super::*;

// ---------------------------------------------------------------------------------------------
// Local engine: 1 (input read once), 8 (line cap), 13 (shapes, directories, long messages)

fn scan_error(
    path: &Path,
    fields: &[&str],
    options: dql::engine::ReadOptions,
) -> dql::engine::EngineError {
    let files = match dql::engine::EventFiles::open(path) {
        Ok(files) => files,
        Err(e) => return e,
    };
    let projection = dql::engine::Projection::new(fields.iter().copied());
    files
        .scan(&projection, &options, |_| {
            Ok::<(), dql::engine::EngineError>(())
        })
        .expect_err("the scan should fail")
}

#[test]
fn a_line_longer_than_the_cap_is_a_coded_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.ndjson");
    let mut text = String::from("{\"title\":\"a\"}\n{\"title\":\"b\"}\n");
    text.push_str(&"x".repeat(5_000));
    std::fs::write(&path, text).unwrap();
    let options = dql::engine::ReadOptions {
        max_line_bytes: 1_000,
        ..dql::engine::ReadOptions::default()
    };
    let error = scan_error(&path, &["title"], options);
    assert_eq!(error.code().code(), "dql::engine::line_too_long", "{error}");
    let text = error.to_string();
    assert!(text.contains("e.ndjson:3"), "{text}");
}

#[test]
fn events_from_a_pipe_are_read_once_and_answer() {
    let (_keep, dir) = scratch("SELECT count() AS n FROM errors\n");
    let events: String = (0..5)
        .map(|i| format!("{{\"eventID\":\"{i:032x}\",\"title\":\"t\",\"dateCreated\":\"2026-11-01T00:00:0{i}Z\"}}\n"))
        .collect();
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "/dev/stdin", "--format", "csv"],
        &[],
        events.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n5", "{run:?}");
}

#[test]
fn a_valid_event_with_a_member_of_the_wrong_shape_is_bad_member() {
    let dir = tempfile::tempdir().unwrap();
    for (line, member) in [
        (r#"{"eventID":"a","title":{"a":1}}"#, "title"),
        (r#"{"eventID":"a","title":5}"#, "title"),
        (r#"{"eventID":"a","title":["x"]}"#, "title"),
        (r#"{"eventID":"a","culprit":true,"title":"x"}"#, "culprit"),
    ] {
        let path = dir.path().join("e.ndjson");
        std::fs::write(&path, line).unwrap();
        let error = scan_error(
            &path,
            &["title", "culprit"],
            dql::engine::ReadOptions::default(),
        );
        assert_eq!(
            error.code().code(),
            "dql::engine::bad_member",
            "{line}: {error}"
        );
        assert!(
            error.to_string().contains(&format!("`{member}`")),
            "{error}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_link_in_an_events_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ndjson"), "{\"title\":\"a\"}\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.ndjson"), dir.path().join("b.ndjson"))
        .unwrap();
    let error = dql::engine::EventFiles::open(dir.path()).unwrap_err();
    assert_eq!(error.code().code(), "dql::engine::read_failed", "{error}");
    assert!(error.to_string().contains("b.ndjson"), "{error}");
}

#[test]
fn a_huge_bad_value_is_not_echoed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.ndjson");
    let big = "y".repeat(10_000_000);
    std::fs::write(&path, format!("{{\"title\":\"x\",\"tags\":\"{big}\"}}\n")).unwrap();
    let error = scan_error(&path, &["tags[a]"], dql::engine::ReadOptions::default());
    let text = format!("{error}");
    assert!(text.len() < 2_000, "{} bytes of message", text.len());
    std::fs::write(&path, format!("{{\"title\":\"{big}\n")).unwrap();
    let error = scan_error(&path, &["title"], dql::engine::ReadOptions::default());
    assert!(error.to_string().len() < 2_000);
}
