//! Running the built `dql` binary: in a scratch directory that is its HOME and working
//! directory, with no inherited environment, every stream piped, a guard against hangs, and
//! the checks every run must pass (no panic; a secret never printed).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Longest a single run may take before the test fails as hung (a guard, not a measurement).
pub(crate) const HANG_GUARD: Duration = Duration::from_secs(60);

/// What one run of the binary produced.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// The stdout lines.
    pub(crate) fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Fails the test when `secret` shows anywhere in the output.
    pub(crate) fn hides(self, secret: &str) -> Run {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "the token leaked: {self:?}"
        );
        self
    }
}

/// `dql args…` in `dir` with only `env` set (plus HOME), every stream piped.
pub(crate) fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Waits for `child` to end; kills it and fails the test when it hangs.
pub(crate) fn wait(child: &mut std::process::Child, args: &[&str]) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("dql {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `command` (from [`command`]) with `stdin` fed in while stdout and stderr are read, so
/// that no pipe fills; fails the test when dql hangs or panics.
pub(crate) fn finish(mut command: Command, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // dql may exit before reading its input (a usage error): a closed pipe is no failure.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let status = wait(&mut child, args);
    let _ = feeder.join();
    let run = Run {
        code: status.code().expect("dql ended by a signal"),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "dql panicked: {run:?}");
    run
}

/// Runs `dql args…` in `dir` with only `env` set (plus HOME), `stdin` piped in.
pub(crate) fn dql(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    finish(command(dir, args, env), args, stdin)
}

/// The environment that points dql at a Sentry stand-in: its URL, organization `acme` and
/// `token`.
pub(crate) fn sentry_env<'a>(base_url: &'a str, token: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("SENTRY_URL", base_url),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", token),
    ]
}
