//! The README's "Saved queries in git" transcript is a real run: each `$ ` line of the block
//! is run in a fresh directory against the 127.0.0.1 stand-in of Sentry's saved-query API
//! (`tests/integration/saved_support/`), and what it prints must be what the README shows.
//! `DQL_UPDATE_README=1 cargo test --test integration saved_readme::` writes this run's output into the
//! README instead (review the diff), for when the output rightly changed.

use crate::saved_support;

use std::path::{Path, PathBuf};

const OPENING: &str = "```text\n$ dql pull\n";

#[test]
fn the_readme_transcript_is_what_the_commands_print() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let at = readme.find(OPENING).expect("the transcript") + "```text\n".len();
    let body = &readme[at..];
    let body = &body[..body.find("\n```").unwrap() + 1];
    let sentry = saved_support::start(true);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // `dql` on the PATH is the binary under test; `sh` and `sed` come from the system.
    let bin = Path::new(env!("CARGO_BIN_EXE_dql")).parent().unwrap();
    let path_var = format!("{}:/usr/bin:/bin", bin.display());
    let mut seen = String::new();
    let mut last = 0;
    for line in body.lines().filter_map(|l| l.strip_prefix("$ ")) {
        seen.push_str(&format!("$ {line}\n"));
        if line == "echo $?" {
            seen.push_str(&format!("{last}\n"));
            continue;
        }
        let output = saved_support::command(dir, &sentry.server, "sh")
            .env("PATH", &path_var)
            .args(["-c", &format!("{line} 2>&1")])
            .output()
            .unwrap();
        last = output.status.code().expect("ended by a signal");
        let printed = String::from_utf8(output.stdout).unwrap();
        assert!(!printed.contains(saved_support::TOKEN), "token leaked");
        assert!(!printed.contains("panicked"), "{printed}");
        seen.push_str(&printed);
    }
    if std::env::var_os("DQL_UPDATE_README").is_some() {
        let updated = format!("{}{seen}{}", &readme[..at], &readme[at + body.len()..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(seen, body);
}
