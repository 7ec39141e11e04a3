//! `dql repl` driven through a pseudo-terminal: multi-line input, diagnostics, session
//! defaults, history across restarts, Ctrl-C and highlighting, as a user at a terminal sees
//! them.

use crate::support::pty::{self, exit_status, leave, run, type_line};
use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{ControlCode, Expect};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Starts `dql repl` on a pty in `dir` (its HOME, cwd and history), with `env` added.
fn spawn(dir: &Path, colour: bool, env: &[(&str, &str)]) -> Session {
    pty::spawn(dir, colour, &[], env)
}

/// [`spawn`] with arguments after `repl`.
fn spawn_with(dir: &Path, colour: bool, args: &[&str], env: &[(&str, &str)]) -> Session {
    pty::spawn(dir, colour, args, env)
}

/// A 127.0.0.1 server answering every request with one events page; counts requests.
fn events_server() -> (String, Arc<AtomicUsize>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            seen.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"data":[{"transaction":"/checkout","count()":3}],
                "meta":{"fields":{"transaction":"string","count()":"integer"},"units":{}}}"#;
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let _ = request.respond(tiny_http::Response::from_string(body).with_header(header));
        }
    });
    (url, count)
}

#[test]
fn multi_line_query_shows_a_table_from_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (url, requests) = events_server();
    let env = [
        ("SENTRY_URL", url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", "sntrys_test"),
    ];
    let mut repl = spawn(dir.path(), false, &env);
    type_line(&mut repl, "SELECT transaction, count()");
    type_line(&mut repl, "FROM transactions");
    // The three lines are one input: the server's answer comes back as a table.
    let printed = run(&mut repl, "GROUP BY transaction;", "/checkout");
    // The server's answer, as a table, after exactly one request.
    assert!(printed.contains("/checkout"), "{printed}");
    assert!(
        printed.contains(" 3 │") || printed.contains("│ 3"),
        "{printed}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    leave(repl);
}

/// A 127.0.0.1 server answering every request with one events page; records the URLs.
fn recording_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let urls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&urls);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            seen.lock().unwrap().push(request.url().to_owned());
            let body =
                r#"{"data":[{"count()":7}],"meta":{"fields":{"count()":"integer"},"units":{}}}"#;
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let _ = request.respond(tiny_http::Response::from_string(body).with_header(header));
        }
    });
    (url, urls)
}

#[test]
fn the_default_project_applies_to_queries_without_project() {
    let dir = tempfile::tempdir().unwrap();
    let (url, urls) = recording_server();
    let env = [
        ("SENTRY_URL", url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", "sntrys_test"),
    ];
    let mut repl = spawn_with(dir.path(), false, &["--project", "web"], &env);
    run(&mut repl, "SELECT count() FROM errors;", "7");
    // A PROJECT clause wins over the default, as in `dql run`.
    run(&mut repl, "SELECT count() FROM errors PROJECT api;", "7");
    let sent = urls.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("projectSlug=web"), "{sent:?}");
    assert!(
        sent[1].contains("projectSlug=api") && !sent[1].contains("projectSlug=web"),
        "{sent:?}"
    );
    leave(repl);
}

#[test]
fn a_typo_shows_a_diagnostic_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), false, &[]);
    let printed = run(&mut repl, "SELECT count() FORM errors;", "dql::syntax::");
    assert!(
        printed.contains("dql::syntax::alias_without_as"),
        "{printed}"
    );
    assert!(printed.contains("did you mean `FROM`?"), "{printed}");
    assert!(!printed.contains("query "), "nothing compiles: {printed}");
    let printed = run(&mut repl, "SELECT count() FROM errors;", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM errors;"),
        "{printed}"
    );
    assert!(
        printed.contains("not run: not connected to Sentry"),
        "{printed}"
    );
    let printed = run(&mut repl, ".fromat csv", "error: ");
    assert!(printed.contains("did you mean `.format`?"), "{printed}");
    leave(repl);
}

#[test]
fn set_defaults_show_up_in_the_compiled_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), false, &[]);
    for (line, echo) in [
        (".set since 24h", "since = 24h"),
        (".set environment production", "environment = production"),
        (".set project frontend", "project = frontend"),
        (".set dataset transactions", "dataset = transactions"),
    ] {
        let printed = run(&mut repl, line, echo);
        assert!(printed.contains(echo), "{printed}");
    }
    let printed = run(&mut repl, ".set", "format       table");
    assert!(printed.contains("environment  production"), "{printed}");
    run(&mut repl, "SELECT count();", "query    ");
    let printed = run(&mut repl, ".compile", "query    ");
    assert!(
        printed.contains(
            "query    SELECT count() FROM transactions SINCE 24h PROJECT frontend \
             ENVIRONMENT production;"
        ),
        "{printed}"
    );
    // `.compile` shows the lowered request carrying the defaults.
    assert!(printed.contains("statsPeriod=24h"), "{printed}");
    assert!(printed.contains("environment=production"), "{printed}");
    leave(repl);
}

#[test]
fn history_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = spawn(dir.path(), false, &[]);
    type_line(&mut first, "SELECT count()");
    let printed = run(&mut first, "FROM errors;", "query    ");
    assert!(
        printed.contains("query    SELECT count() FROM errors;"),
        "{printed}"
    );
    type_line(&mut first, ".quit");
    assert_eq!(
        exit_status(&first),
        WaitStatus::Exited(first.get_process().pid(), 0)
    );
    assert!(dir.path().join("history").is_file());

    let mut second = spawn(dir.path(), false, &[]);
    // Up recalls the whole multi-line input of the earlier session (`.quit` is not kept).
    second.send("\x1b[A").unwrap();
    second.send("\r").unwrap();
    second
        .expect("query    SELECT count() FROM errors;")
        .unwrap();
    second.expect("dql> ").unwrap();
    leave(second);
}

#[test]
fn ctrl_c_cancels_the_input_not_the_repl() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), false, &[]);
    type_line(&mut repl, "SELECT count()");
    // The input goes on: the next line has the continuation prompt.
    repl.expect("...> ").unwrap();
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("dql> ").unwrap();
    // Had the half-typed query survived, this line would continue it and print nothing.
    let printed = run(&mut repl, ".format json", "format: json");
    assert!(printed.contains("format: json"), "{printed}");
    leave(repl);
}

#[test]
fn keywords_are_highlighted_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = spawn(dir.path(), true, &[]);
    repl.send("SELECT").unwrap();
    repl.expect("\x1b[1;34mSELECT\x1b[0m").unwrap();
    // Ctrl-C drops the input; the prompt after it is the last thing printed.
    repl.send(ControlCode::EndOfText).unwrap();
    repl.expect("\r\n").unwrap();
    repl.expect("dql> ").unwrap();
    leave(repl);
}
