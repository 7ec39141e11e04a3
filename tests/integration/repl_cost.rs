//! The REPL's `.cost`, on a pseudo-terminal: what the last query takes to run, the same
//! preview as `dql compile --cost` (one function prints both), sending nothing.

use crate::support::pty::{self, leave, run};
use std::io::Write;
use std::process::{Command, Stdio};

/// `dql compile --cost` of `query` read from standard input.
fn compile_cost(query: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["compile", "--cost", "-"])
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(query.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn cost_shows_what_dql_compile_cost_shows_for_the_last_query() {
    let query = "SELECT id, title FROM errors LIMIT ALL SINCE 2026-11-01 UNTIL 2026-11-02;";
    let expected = compile_cost(query);
    assert!(expected.starts_with("statement 1 (line 1): "), "{expected}");
    assert!(expected.contains("window"), "{expected}");

    let dir = tempfile::tempdir().unwrap();
    // No Sentry configured: queries compile, and `.cost` needs none either.
    let mut repl = pty::spawn(dir.path(), false, &[], &[]);
    let printed = run(&mut repl, ".cost", "no query yet");
    assert!(
        printed.contains(".cost shows what it takes to run"),
        "{printed}"
    );
    run(&mut repl, query, "query    ");
    let printed = run(&mut repl, ".cost", "statement 1");
    let printed = printed.replace("\r\n", "\n");
    assert!(
        printed.starts_with(expected.trim_end()),
        "REPL:\n{printed}\ncompile --cost:\n{expected}"
    );
    leave(repl);
}
