//! Ctrl-C in `dql repl` cancels a request to a server that never answers (issue 12): the
//! prompt comes back at once instead of after the timeout and every retry.

use expectrl::{ControlCode, Expect};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A 127.0.0.1 server that takes every request and never answers it.
fn silent_server() -> (String, Arc<Mutex<usize>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let count = Arc::new(Mutex::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for request in server.incoming_requests() {
            *seen.lock().unwrap() += 1;
            held.push(request);
        }
    });
    (url, count)
}

#[test]
fn ctrl_c_cancels_a_request_that_gets_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (url, requests) = silent_server();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .arg("repl")
        .env_clear()
        .env("HOME", dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("DQL_HISTORY", dir.path().join("history"))
        .env("SENTRY_URL", &url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", "sntrys_test")
        .current_dir(dir.path());
    let mut repl = expectrl::Session::spawn(command).expect("spawn dql repl on a pty");
    repl.set_expect_timeout(Some(Duration::from_secs(30)));
    repl.expect("dql> ").unwrap();
    repl.send("SELECT count() FROM errors;\r").unwrap();
    // Wait until the request is at the server, then press Ctrl-C.
    let started = Instant::now();
    while *requests.lock().unwrap() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no request arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    repl.send(ControlCode::EndOfText).unwrap();
    // Before, the wait lasted the 60 s timeout times the retries: a guard far below that.
    repl.set_expect_timeout(Some(Duration::from_secs(10)));
    repl.expect("cancelled").unwrap();
    repl.expect("dql> ").unwrap();
    repl.send(ControlCode::EndOfTransmission).unwrap();
}
