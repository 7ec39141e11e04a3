//! The REPL's shell habits, through a pseudo-terminal: pasted and typed-ahead input, the
//! continuation prompt, `.set` validation, completion of values, `.edit`, `.output`/`.once`,
//! `.last`, `.watch` and psql's backslash commands.

use crate::support::pty::{self, leave, run, type_line};
use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{ControlCode, Expect};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Starts `dql repl args…` on a pty in `dir` (its HOME, cwd and history), without colour.
fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Session {
    pty::spawn(dir, false, args, env)
}

fn events() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("events.ndjson.gz")
}

#[test]
fn every_pasted_statement_and_command_runs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), &[], &[]);
    // All at once, as a terminal without bracketed paste delivers a paste: four lines, a
    // command among them, and a query whose first line is a comment.
    repl.send(
        "SELECT count() FROM errors;\r\
         SELECT count() FROM transactions;\r\
         .format json\r\
         -- @name third\r\
         SELECT count() FROM errors\r\
         SINCE 1h;\r",
    )
    .unwrap();
    for marker in [
        "query    SELECT count() FROM errors;",
        "query    SELECT count() FROM transactions;",
        "format: json",
        "query    SELECT count() FROM errors SINCE 1h;",
    ] {
        repl.expect(marker).unwrap();
    }
    repl.expect("dql> ").unwrap();
    leave(repl);
}

#[test]
fn every_line_of_a_query_gets_the_continuation_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), &[], &[]);
    type_line(&mut repl, "SELECT count()");
    repl.expect("...> ").unwrap();
    type_line(&mut repl, "FROM errors");
    repl.expect("...> ").unwrap();
    let printed = run(&mut repl, "SINCE 1h;", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM errors SINCE 1h;"),
        "{printed}"
    );
    // A comment alone waits for its query.
    type_line(&mut repl, "-- first a comment");
    repl.expect("...> ").unwrap();
    let printed = run(&mut repl, "SELECT count() FROM errors;", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM errors;"),
        "{printed}"
    );
    leave(repl);
}

#[test]
fn set_refuses_a_value_its_clause_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), &[], &[]);
    let printed = run(&mut repl, ".set since banana", "error: ");
    assert!(
        printed.contains("`.set since banana` not set: `banana` is not a valid SINCE time"),
        "{printed}"
    );
    let printed = run(&mut repl, ".set since 1 week", "error: ");
    assert!(printed.contains("did you mean `7d`?"), "{printed}");
    let printed = run(&mut repl, ".set", "format       table");
    assert!(printed.contains("since        (not set)"), "{printed}");
    // Later queries are not broken by it.
    let printed = run(&mut repl, "SELECT count() FROM errors;", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM errors;"),
        "{printed}"
    );
    assert!(
        !printed.contains("banana") && !printed.contains("bad_time"),
        "{printed}"
    );
    let printed = run(&mut repl, ".set since 7d", "since = ");
    assert!(printed.contains("since = 7d"), "{printed}");
    leave(repl);
}

#[test]
fn tab_completes_values_seen_in_earlier_results_after_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = events();
    let mut repl = spawn(dir.path(), &["--events", path.to_str().unwrap()], &[]);
    let printed = run(
        &mut repl,
        "SELECT browser.name, count() FROM errors GROUP BY browser.name SINCE 30d;",
        "Firefox",
    );
    assert!(printed.contains("Safari"), "{printed}");
    repl.send("SELECT count() FROM errors WHERE browser.name:Fi")
        .unwrap();
    repl.send("\t").unwrap();
    // The only candidate is put in place: the value, not a field name.
    repl.expect("browser.name:Firefox").unwrap();
    let printed = run(&mut repl, " SINCE 30d;", "count()");
    assert!(printed.contains("493"), "{printed}");
    leave(repl);
}

#[test]
fn tab_completes_the_organizations_cached_attributes_before_any_result() {
    let dir = tempfile::tempdir().unwrap();
    // What `dql catalog pull` caches for the organization `acme`.
    let cached = dir.path().join("cache").join("attributes").join("acme");
    std::fs::create_dir_all(&cached).unwrap();
    std::fs::write(
        cached.join("spans.json"),
        serde_json::json!({
            "org": "acme", "dataset": "spans", "project": null,
            "fetched_at": "2026-11-20T00:00:00Z",
            "attributes": [
                {"name": "checkout.cart_size", "key": "checkout.cart_size", "type": "number",
                 "source": "sentry"},
                {"name": "checkout.is_vip", "key": "checkout.is_vip", "type": "boolean",
                 "source": "sentry"},
            ],
        })
        .to_string(),
    )
    .unwrap();
    let spans = events().with_file_name("spans.ndjson.gz");
    let cache = dir.path().join("cache");
    let mut repl = spawn(
        dir.path(),
        &["--events", spans.to_str().unwrap()],
        &[
            ("SENTRY_ORG", "acme"),
            ("DQL_CACHE_DIR", cache.to_str().unwrap()),
        ],
    );
    // A field of the dataset FROM names, from the cache: no result has shown it.
    repl.send("SELECT checkout.cart_s").unwrap();
    repl.send("\t").unwrap();
    repl.expect("SELECT checkout.cart_size").unwrap();
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("dql> ").unwrap();
    // After `has:` the cached names, and a cached boolean's values.
    repl.send("SELECT count() FROM spans WHERE has:checkout.is_")
        .unwrap();
    repl.send("\t").unwrap();
    repl.expect("has:checkout.is_vip").unwrap();
    repl.send(" checkout.is_vip:t").unwrap();
    repl.send("\t").unwrap();
    repl.expect("checkout.is_vip:true").unwrap();
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("dql> ").unwrap();
    leave(repl);
}

/// A 127.0.0.1 server refusing every query as Sentry does, with a 400 and a parse error.
fn refusing_server() -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let body = r#"{"detail":"Invalid query. Parse error\n  at position 3:\n  level:>x"}"#;
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let response = tiny_http::Response::from_string(body)
                .with_status_code(400)
                .with_header(header);
            let _ = request.respond(response);
        }
    });
    url
}

#[test]
fn a_400_is_labelled_at_the_clause_of_the_input_or_at_none() {
    let dir = tempfile::tempdir().unwrap();
    let url = refusing_server();
    let env = [
        ("SENTRY_URL", url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", "sntrys_test"),
    ];
    let mut repl = spawn(dir.path(), &[], &env);
    let printed = run(
        &mut repl,
        "SELECT count() FROM errors WHERE level:error SINCE 1d;",
        "dql::client::bad_query",
    );
    // Sentry's detail on one line (wrapped only at the terminal's width, as every
    // diagnostic on a terminal is).
    assert!(
        printed.contains("Sentry refused the query: Invalid query. Parse error at position 3:"),
        "{printed}"
    );
    assert!(
        printed.contains("Sentry's message most likely concerns this WHERE clause"),
        "{printed}"
    );
    assert!(printed.contains("<input>:1:28"), "{printed}");
    // No WHERE: the message stands alone, pointing at nothing.
    let printed = run(
        &mut repl,
        "SELECT count() FROM errors SINCE 1d;",
        "dql::client::bad_query",
    );
    assert!(printed.contains("Sentry refused the query"), "{printed}");
    assert!(!printed.contains("concerns"), "{printed}");
    leave(repl);
}

#[test]
fn edit_opens_the_editor_on_the_last_query_and_runs_what_it_saved() {
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed 's/FROM errors/FROM transactions/' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .unwrap();
    let mut repl = spawn(
        dir.path(),
        &[],
        &[("EDITOR", &format!("sh {}", editor.display()))],
    );
    run(&mut repl, "SELECT count() FROM errors;", "query    ");
    let printed = run(&mut repl, ".edit", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM transactions;"),
        "{printed}"
    );
    // `\e` on an unfinished query edits that one.
    type_line(&mut repl, "SELECT count() FROM errors");
    repl.expect("...> ").unwrap();
    type_line(&mut repl, "\\e");
    repl.expect("SELECT count() FROM transactions").unwrap();
    // The edited text has no `;`: it waits, as typed.
    let waits = repl.expect("...> ").unwrap();
    assert!(!String::from_utf8_lossy(waits.before()).contains("query    "));
    let printed = run(&mut repl, ";", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM transactions;"),
        "{printed}"
    );
    leave(repl);
}

#[test]
fn output_once_last_and_watch() {
    let dir = tempfile::tempdir().unwrap();
    let path = events();
    let mut repl = spawn(dir.path(), &["--events", path.to_str().unwrap()], &[]);
    let out = dir.path().join("out.csv");
    run(&mut repl, ".format csv", "format: csv");
    run(
        &mut repl,
        &format!(".once {}", out.display()),
        "the next result goes to",
    );
    let printed = run(
        &mut repl,
        "SELECT count() AS n FROM errors SINCE 30d;",
        "\n",
    );
    assert!(!printed.contains("9161"), "went to the file: {printed}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "n\n9161\n");
    let printed = run(&mut repl, ".last json", "{");
    assert!(printed.contains("{\"n\":9161}"), "{printed}");
    // `.watch` runs the last query again until Ctrl-C.
    type_line(&mut repl, ".watch 0.2");
    repl.expect("every 0.2 s, Ctrl-C stops").unwrap();
    repl.expect("9161").unwrap();
    repl.expect("every 0.2 s, Ctrl-C stops").unwrap();
    repl.expect("9161").unwrap();
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("watch stopped").unwrap();
    repl.expect("dql> ").unwrap();
    // The session goes on.
    let printed = run(&mut repl, ".format", "format: ");
    assert!(printed.contains("format: csv"), "{printed}");
    leave(repl);
}

#[test]
fn psql_backslash_commands_point_to_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), &[], &[]);
    let printed = run(&mut repl, "\\d", "dql has no tables");
    assert!(printed.contains("transactions"), "{printed}");
    let printed = run(&mut repl, "\\?", "Queries end with");
    assert!(printed.contains(".watch"), "{printed}");
    type_line(&mut repl, "\\q");
    let process = repl.get_process();
    for _ in 0..600 {
        match process.status().unwrap() {
            WaitStatus::StillAlive => std::thread::sleep(Duration::from_millis(100)),
            status => {
                assert_eq!(status, WaitStatus::Exited(process.pid(), 0));
                return;
            }
        }
    }
    panic!("\\q did not leave");
}

/// A 127.0.0.1 Sentry whose tag values endpoint knows two browsers; records request URLs.
fn tag_values_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            log.lock().unwrap().push(request.url().to_owned());
            // The answer's shape: getsentry/sentry src/sentry/tagstore/types.py.
            let body = if request.url().contains("/tags/browser.name/values/") {
                r#"[{"key":"browser.name","name":"Browser","value":"Vivaldi","count":7,
                     "lastSeen":"2026-11-26T09:00:00Z","firstSeen":"2026-11-20T09:00:00Z"},
                    {"key":"browser.name","name":"Browser","value":"Vivaldi Snapshot","count":1,
                     "lastSeen":null,"firstSeen":null}]"#
            } else if request
                .url()
                .contains("/trace-items/attributes/span.op/values/")
            {
                // getsentry/sentry organization_trace_item_attributes.py: TraceItemAttributeValue.
                r#"[{"key":"span.op","value":"http.client","first_seen":null,"last_seen":null,
                     "times_seen":null}]"#
            } else {
                r#"{"data":[{"count()":3}],"meta":{"fields":{"count()":"integer"},"units":{}}}"#
            };
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let _ = request.respond(tiny_http::Response::from_string(body).with_header(header));
        }
    });
    (url, seen)
}

#[test]
fn tab_completes_values_from_sentry_when_connected() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = tag_values_server();
    let env = [
        ("SENTRY_URL", url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", "sntrys_test"),
    ];
    let mut repl = spawn(dir.path(), &[], &env);
    // No result has shown a browser yet: the values come from Sentry.
    repl.send("SELECT count() FROM errors WHERE browser.name:Vi")
        .unwrap();
    repl.send("\t").unwrap();
    repl.send("\t").unwrap();
    // Two candidates: listed, the common part stays.
    repl.expect("\"Vivaldi Snapshot\"").unwrap();
    // Ctrl-C drops the input (and, as a terminal does, what was typed after it): wait for the
    // fresh, empty prompt.
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("dql> \r\x1b[5C").unwrap();
    // In step again: the next input runs on its own.
    let printed = run(&mut repl, ".format json", "format: ");
    assert!(printed.contains("format: json"), "{printed}");
    let asked: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|u| u.contains("/tags/"))
        .cloned()
        .collect();
    assert_eq!(asked.len(), 1, "asked once for both Tabs: {asked:?}");
    assert!(
        asked[0].starts_with("/api/0/organizations/acme/tags/browser.name/values/?query=Vi&"),
        "{asked:?}"
    );
    leave(repl);
}

#[test]
fn tab_completes_span_attribute_values_from_the_attributes_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = tag_values_server();
    let env = [
        ("SENTRY_URL", url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", "sntrys_test"),
    ];
    let mut repl = spawn(dir.path(), &[], &env);
    // Spans keep their values behind the trace-item attributes endpoint, not the tags one.
    repl.send("SELECT count() FROM spans WHERE span.op:ht")
        .unwrap();
    repl.send("\t").unwrap();
    repl.expect("span.op:http.client").unwrap();
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("dql> ").unwrap();
    let asked = seen.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0],
        "/api/0/organizations/acme/trace-items/attributes/span.op/values/\
         ?dataset=spans&attributeType=string&substringMatch=ht&statsPeriod=14d"
    );
    leave(repl);
}

/// Text as a terminal shows it: escape sequences and carriage returns removed.
fn screen(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ parameters… final letter.
                if chars.next_if_eq(&'[').is_some() {
                    for p in chars.by_ref() {
                        if p.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[test]
fn the_readme_transcript_is_what_the_repl_prints() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme
        .find("```text\n$ dql repl --events examples/events.ndjson.gz\n")
        .expect("the transcript");
    let body = &readme[start + "```text\n".len()..];
    let body = &body[..body.find("\n```").unwrap()];
    let inputs: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("dql> ").or_else(|| l.strip_prefix("...> ")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .args(["repl", "--events", "examples/events.ndjson.gz"])
        .env_clear()
        .env("HOME", dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("DQL_HISTORY", "")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    let mut repl = expectrl::Session::spawn(command).unwrap();
    repl.set_expect_timeout(Some(Duration::from_secs(60)));
    let mut seen = String::from("$ dql repl --events examples/events.ndjson.gz\n");
    let first = repl.expect("dql> ").unwrap();
    seen.push_str(&screen(first.before()));
    seen.push_str("dql> ");
    for input in inputs {
        type_line(&mut repl, input);
        let next = repl.expect(expectrl::Regex("(dql|\\.\\.\\.)> ")).unwrap();
        seen.push_str(&screen(next.before()));
        seen.push_str(&screen(next.get(0).unwrap()));
    }
    leave(repl);
    // `DQL_UPDATE_README=1 cargo test --test integration repl_habits:: the_readme` writes what this run
    // printed into the README (review the diff), for when the output rightly changed.
    if std::env::var_os("DQL_UPDATE_README").is_some() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let at = start + "```text\n".len();
        let updated = format!(
            "{}{}{}",
            &readme[..at],
            seen.trim_end(),
            &readme[at + body.trim_end().len()..]
        );
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(seen.trim_end(), body.trim_end());
}
