//! Cut short in every format and at every destination, terminal included.

use super::*;

// ---------------------------------------------------------------------------------------------
// 3. Cut short in every format and at every destination: standard output, -o FILE,
// --output-dir, and a terminal (held output and the pager).

/// Whether `text` (a whole output) would pass as a complete result in `format`.
fn reads_as_whole(format: &str, text: &str) -> bool {
    let marked = text.contains(dql::format::INCOMPLETE_MARK);
    match format {
        "json" => serde_json::from_str::<Value>(text).is_ok(),
        "ndjson" => text
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "csv" => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            reader.records().all(|r| r.is_ok()) && !marked
        }
        _ => !marked,
    }
}

#[test]
fn every_format_cut_short_is_marked_on_stdout_in_a_file_and_in_a_folder() {
    let server = failing_on_page_two();
    for format in ["json", "ndjson", "csv", "table", "markdown", "vertical"] {
        for place in ["stdout", "file", "dir"] {
            let (_keep, dir) = scratch("SELECT title, level FROM errors LIMIT 10\n");
            let mut args = vec!["run", "q.dql", "--format", format, "--retry-tries", "1"];
            match place {
                "file" => args.extend(["-o", "out.txt"]),
                "dir" => args.extend(["--output-dir", "out"]),
                _ => {}
            }
            let run = at(&dir, &server, &args);
            let what = format!("{format} to {place}");
            assert_eq!(run.code, 5, "{what}: {run:?}");
            assert!(run.stderr.contains("2 rows"), "{what}: {run:?}");
            let written = match place {
                "file" => std::fs::read_to_string(dir.join("out.txt")).unwrap(),
                "dir" => {
                    let files: Vec<_> = std::fs::read_dir(dir.join("out"))
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .collect();
                    assert_eq!(files.len(), 1, "{what}: {files:?}");
                    std::fs::read_to_string(&files[0]).unwrap()
                }
                _ => run.stdout.clone(),
            };
            assert!(written.contains("t1"), "{what}: {written}");
            assert!(
                !reads_as_whole(format, &written),
                "{what} reads as a whole result:\n{written}"
            );
            assert!(
                written.contains(dql::format::INCOMPLETE_MARK),
                "{what}:\n{written}"
            );
        }
    }
}

/// A tmux server of the test's own running `command` in a `width`×`height` window; killed
/// when dropped.
struct Tmux(String);

impl Tmux {
    fn start(width: u16, height: u16, command: &str) -> Tmux {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "dql-robust-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let tmux = Tmux(socket);
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(command)
            .status()
            .expect("these tests need tmux on PATH");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.0, "-f", "/dev/null"]);
        command
    }

    fn screen(&self) -> String {
        let output = self
            .command()
            .args(["capture-pane", "-p", "-J", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// Runs `dql args` on a terminal (tmux, 100×12) with `pager` as DQL_PAGER, stderr to a file;
/// the exit code, the screen and stderr once it has ended.
fn on_terminal(dir: &Path, server: &TestServer, args: &str, pager: &str) -> (i32, String, String) {
    let line = format!(
        "cd '{d}' && env -i PATH=\"$PATH\" HOME='{d}' TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 \
         SENTRY_URL='{url}' SENTRY_ORG=acme SENTRY_AUTH_TOKEN='{TOKEN}' DQL_PAGER='{pager}' \
         '{bin}' {args} 2>err.txt; echo $? > code.txt; sleep 600",
        d = dir.display(),
        url = server.base_url,
        bin = env!("CARGO_BIN_EXE_dql"),
    );
    let tmux = Tmux::start(100, 12, &line);
    let started = Instant::now();
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(dir.join("code.txt"))
            && text.ends_with('\n')
        {
            break text.trim().parse::<i32>().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "dql did not finish; the screen shows:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(dir.join("err.txt")).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (code, tmux.screen(), stderr)
}

#[test]
fn a_result_cut_short_on_a_terminal_is_marked_held_or_paged() {
    // Two rows, then a failure: held back (shorter than the screen), printed with the mark.
    let (_keep, dir) = scratch("SELECT title FROM errors LIMIT 10\n");
    let server = failing_on_page_two();
    let (code, screen, stderr) = on_terminal(
        &dir,
        &server,
        "run q.dql --retry-tries 1",
        "cat > paged.txt",
    );
    assert_eq!(code, 5, "{screen}\n{stderr}");
    assert!(screen.contains("t1"), "{screen}");
    assert!(screen.contains("INCOMPLETE"), "{screen}");
    assert!(stderr.contains("2 rows"), "{stderr}");
    assert!(
        !dir.join("paged.txt").exists(),
        "a short result needs no pager"
    );

    // Thirty rows, taller than the screen: they go to the pager, and so does the mark.
    let server = TestServer::start(|recorded, _| {
        if recorded.param("cursor").is_none() {
            Reply::json(200, rows(30, 0)).header("Link", &next("0:30:0", true))
        } else {
            Reply::json(500, json!({"detail": "boom"}))
        }
    });
    std::fs::write(dir.join("q.dql"), "SELECT title FROM errors LIMIT 100\n").unwrap();
    for format in ["table", "csv", "json"] {
        let _ = std::fs::remove_file(dir.join("code.txt"));
        let args = format!("run q.dql --retry-tries 1 --format {format}");
        let (code, screen, stderr) = on_terminal(&dir, &server, &args, "cat > paged.txt");
        assert_eq!(code, 5, "{format}: {screen}\n{stderr}");
        let paged = std::fs::read_to_string(dir.join("paged.txt")).unwrap();
        assert!(paged.contains("t29"), "{format}: {paged}");
        assert!(
            !reads_as_whole(format, &paged),
            "{format}: the pager got a whole-looking result:\n{paged}"
        );
        assert!(paged.contains(dql::format::INCOMPLETE_MARK), "{paged}");
        assert!(stderr.contains("30 rows"), "{format}: {stderr}");
    }
}
