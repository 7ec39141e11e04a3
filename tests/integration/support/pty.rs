//! `dql repl` on a pseudo-terminal, as a user at a terminal drives it.

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{ControlCode, Expect};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Starts `dql repl args…` on a pty in `dir` (its HOME, cwd and history), with `env` added;
/// without colour (`NO_COLOR`) unless `colour`. Returns at the first prompt.
pub(crate) fn spawn(dir: &Path, colour: bool, args: &[&str], env: &[(&str, &str)]) -> Session {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .arg("repl")
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("TERM", "xterm")
        .env("DQL_HISTORY", dir.join("history"))
        .current_dir(dir);
    if !colour {
        command.env("NO_COLOR", "1");
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut session = expectrl::Session::spawn(command).expect("spawn dql repl on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("dql> ").expect("the first prompt");
    session
}

/// Types a line and presses Enter (for lines that continue an input: no prompt follows).
pub(crate) fn type_line(session: &mut Session, line: &str) {
    session.send(line).unwrap();
    session.send("\r").unwrap();
}

/// Types a line, presses Enter, waits for `marker` in the output and then for the next
/// prompt; returns what was printed from the marker on. Waiting keeps typing in step with the
/// REPL (text typed while it is busy would reach the terminal in cooked mode), and the marker
/// skips the prompt that the editor redraws while a multi-line input is being typed.
pub(crate) fn run(session: &mut Session, line: &str, marker: &str) -> String {
    type_line(session, line);
    session.expect(marker).unwrap();
    let rest = session.expect("dql> ").unwrap();
    format!("{marker}{}", String::from_utf8_lossy(rest.before()))
}

/// Leaves with Ctrl-D at a prompt (callers have just seen one) and checks the exit status.
pub(crate) fn leave(mut session: Session) {
    session.send(ControlCode::EndOfTransmission).unwrap();
    assert_eq!(
        exit_status(&session),
        WaitStatus::Exited(session.get_process().pid(), 0)
    );
}

/// Waits (up to a minute, so a stuck REPL fails instead of hanging) for the process to end.
pub(crate) fn exit_status(session: &Session) -> WaitStatus {
    let process = session.get_process();
    for _ in 0..600 {
        match process.status().unwrap() {
            WaitStatus::StillAlive => std::thread::sleep(Duration::from_millis(100)),
            status => return status,
        }
    }
    panic!("dql repl did not exit");
}
