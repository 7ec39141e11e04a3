//! Output on a real terminal, 80 and 200 columns wide, through tmux: long Sentry-like titles
//! (100–300 characters, some CJK) never make a line wider than the terminal, and a long result
//! is either capped (without a pager) or shown in the pager (only when it is taller than the
//! screen), for `dql run` and in the REPL.
//!
//! These tests need tmux (and less for the real-pager case); without them they fail, loudly:
//! `.ci/run` installs both.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// Distinct titles in the generated events (so the grouped result has this many rows).
const N_TITLES: usize = 120;

/// Writes error events whose titles are 100–300 characters long (every seventh starts in
/// Japanese), `1 + t % 4` events per title, and the query grouping them.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let words: Vec<&str> = "TypeError: Cannot read properties of undefined (reading 'map') at \
         ProductList.render in components/ProductList.tsx while hydrating the checkout page after"
        .split(' ')
        .collect();
    let mut events = String::new();
    let mut n = 0;
    for t in 0..N_TITLES {
        let length = 100 + (t * 37) % 200;
        let mut title = format!("{t:03} ");
        if t % 7 == 0 {
            title.push_str("注文の処理に失敗しました 決済サービスが応答しません ");
        }
        for i in 0..60 {
            title.push_str(words[(t + i) % words.len()]);
            title.push(' ');
        }
        let title: String = title.chars().take(length).collect();
        for k in 0..1 + t % 4 {
            n += 1;
            let event = serde_json::json!({
                "eventID": format!("{n:032x}"), "groupID": (1000 + t).to_string(),
                "projectID": "1", "projectSlug": "frontend", "title": title, "message": title,
                "type": "error", "dateCreated": format!("2026-11-20T10:{k:02}:00Z"),
                "tags": [{"key": "level", "value": "error"}],
            });
            events.push_str(&event.to_string());
            events.push('\n');
        }
    }
    let events_path = dir.join("long.ndjson");
    std::fs::write(&events_path, events).unwrap();
    let query = dir.join("long.dql");
    std::fs::write(
        &query,
        "SELECT title, count(), last_seen() FROM errors GROUP BY title ORDER BY count() DESC \
         LIMIT 500;\n",
    )
    .unwrap();
    (events_path, query)
}

/// A tmux server of this test's own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    width: usize,
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

impl Tmux {
    /// Starts `command` (a shell line) in a `width`×`height` window of a new tmux server.
    fn start(width: usize, height: usize, command: &str) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.as_ref().is_ok_and(|o| o.status.success()),
            "these tests need tmux on PATH (apt-get install -y tmux): {version:?}"
        );
        let socket = format!(
            "dql-test-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Tmux { socket, width };
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        command
    }

    /// The screen, wrapped lines joined back (`-J`), so a line wider than the window shows.
    fn screen(&self) -> String {
        let output = self
            .command()
            .args(["capture-pane", "-p", "-J", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits (up to two minutes: debug builds on a busy machine) until the screen shows `what`.
    fn wait_for(&self, what: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if what(&screen) {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "timed out; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Types `text` literally, then Enter. tmux reads an argument ending in `;` as its
    /// command separator (even with `-l`), so that one is written `\;`.
    fn type_line(&self, text: &str) {
        let text = match text.strip_suffix(';') {
            Some(rest) => format!("{rest}\\;"),
            None => text.to_owned(),
        };
        let status = self
            .command()
            .args(["send-keys", "-t", "t", "-l", &text])
            .status()
            .unwrap();
        assert!(status.success());
        self.key("Enter");
    }

    /// Presses one key (`Enter`, `q`, `C-d`).
    fn key(&self, key: &str) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t", key])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Every line of `screen` fits the window.
    fn assert_fits(&self, screen: &str) {
        for line in screen.lines() {
            assert!(
                line.width() <= self.width,
                "a line of {} columns on a {}-column terminal:\n{line}\n\nscreen:\n{screen}",
                line.width(),
                self.width
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// The shell line running dql with a clean environment plus `env`, then printing its exit
/// status and staying open so the screen can be read.
fn shell_line(dir: &Path, args: &str, env: &str) -> String {
    format!(
        "cd '{}' && env -i PATH=\"$PATH\" HOME='{}' TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 {env} '{}' \
         {args} 2>/dev/null; echo \"__DONE__ $?\"; sleep 600",
        dir.display(),
        dir.display(),
        env!("CARGO_BIN_EXE_dql"),
    )
}

/// The data rows of the long result on a screen: table lines holding a last-seen date.
fn table_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.starts_with("│ ") && l.contains("2026-11-20T"))
        .count()
}

#[test]
fn at_80_columns_without_a_pager_a_long_result_is_cut_to_fit_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let (events, query) = fixture(dir.path());
    let args = format!(
        "run '{}' --events '{}' --no-pager",
        query.display(),
        events.display()
    );
    let tmux = Tmux::start(80, 60, &shell_line(dir.path(), &args, ""));
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
    tmux.assert_fits(&screen);
    // Long titles are cut with `…`; the counts and dates are whole, and so is the short
    // `count()` label (not split as `coun`/`t()` to give the titles three more characters).
    assert!(
        screen.contains("… ┆       4 ┆ 2026-11-20T10:03:00Z │"),
        "{screen}"
    );
    assert!(
        screen.contains("┆ count() ┆ last_seen()          │"),
        "{screen}"
    );
    // 40 rows, then how many more there are and how to see them.
    assert!(
        screen.contains("… 80 more rows (120 in all; --max-rows 0 or --format csv shows them all)"),
        "{screen}"
    );
}

#[test]
fn at_200_columns_a_long_result_opens_the_pager_and_still_fits() {
    let dir = tempfile::tempdir().unwrap();
    let (events, query) = fixture(dir.path());
    let args = format!("run '{}' --events '{}'", query.display(), events.display());
    let less = Command::new("less").arg("--version").output();
    assert!(
        less.as_ref().is_ok_and(|o| o.status.success()),
        "this test needs less on PATH (apt-get install -y less): {less:?}"
    );
    let tmux = Tmux::start(200, 30, &shell_line(dir.path(), &args, "PAGER=less"));
    // less waits at its prompt with a screenful shown: dql has not finished.
    let screen = tmux.wait_for(|s| s.lines().any(|l| l.starts_with(':')));
    assert!(!screen.contains("__DONE__"), "{screen}");
    assert!(
        !screen.contains("more rows"),
        "no cap with a pager: {screen}"
    );
    tmux.assert_fits(&screen);
    assert!(table_rows(&screen) > 20, "{screen}");
    tmux.key("q");
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
}

#[test]
fn the_pager_gets_every_row_cut_to_the_terminal_and_a_short_result_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    let (events, query) = fixture(dir.path());
    let paged = dir.path().join("paged.txt");
    let pager = format!("PAGER='cat > {}'", paged.display());
    let args = format!("run '{}' --events '{}'", query.display(), events.display());
    let tmux = Tmux::start(80, 30, &shell_line(dir.path(), &args, &pager));
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
    let text = std::fs::read_to_string(&paged).unwrap();
    assert_eq!(table_rows(&text), N_TITLES, "every row:\n{text}");
    for line in text.lines() {
        assert!(line.width() <= 80, "{line}");
    }
    drop(tmux);

    // Five rows fit on the screen: printed, no pager.
    let short = dir.path().join("short.dql");
    std::fs::write(
        &short,
        "SELECT title, count(), last_seen() FROM errors GROUP BY title ORDER BY count() DESC \
         LIMIT 5;\n",
    )
    .unwrap();
    std::fs::remove_file(&paged).unwrap();
    let args = format!("run '{}' --events '{}'", short.display(), events.display());
    let tmux = Tmux::start(80, 30, &shell_line(dir.path(), &args, &pager));
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
    assert_eq!(table_rows(&screen), 5, "{screen}");
    assert!(!paged.exists(), "the pager ran for a short result");
}

#[test]
fn a_wide_row_becomes_vertical_blocks_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = fixture(dir.path());
    let wide = dir.path().join("wide.dql");
    std::fs::write(
        &wide,
        "SELECT title, message, level, project, count() AS events_in_this_group, \
         count_unique(user) AS users_who_saw_this_error, last_seen() AS most_recently_seen_at \
         FROM errors GROUP BY title, message, level, project LIMIT 3;\n",
    )
    .unwrap();
    let args = format!("run '{}' --events '{}'", wide.display(), events.display());
    let tmux = Tmux::start(80, 60, &shell_line(dir.path(), &args, ""));
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
    tmux.assert_fits(&screen);
    assert!(screen.contains("─[ row 1 ]"), "{screen}");
    assert!(screen.contains("users_who_saw_this_error │ 0"), "{screen}");
}

#[test]
fn the_repl_fits_80_columns_caps_without_a_pager_and_toggles_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = fixture(dir.path());
    let args = format!("repl --events '{}'", events.display());
    let env = format!("DQL_HISTORY='{}'", dir.path().join("history").display());
    let tmux = Tmux::start(80, 60, &shell_line(dir.path(), &args, &env));
    tmux.wait_for(|s| s.contains("dql> "));
    tmux.type_line(".pager off");
    tmux.wait_for(|s| s.contains("pager: off"));
    tmux.type_line(
        "SELECT title, count(), last_seen() FROM errors GROUP BY title ORDER BY count() DESC \
         LIMIT 500;",
    );
    let screen = tmux.wait_for(|s| s.contains("more rows"));
    tmux.assert_fits(&screen);
    assert_eq!(table_rows(&screen), 40, "{screen}");
    assert!(
        screen.contains("… 80 more rows (120 in all; .pager on or .format csv shows them all)"),
        "{screen}"
    );
    tmux.type_line("\\x");
    tmux.wait_for(|s| s.contains("expanded: on"));
    tmux.type_line(
        "SELECT title, count() FROM errors GROUP BY title ORDER BY count() DESC LIMIT 2;",
    );
    let screen = tmux.wait_for(|s| s.contains("─[ row 2 ]"));
    tmux.assert_fits(&screen);
    assert!(screen.contains("count() │ 4"), "{screen}");
    tmux.key("C-d");
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
}

#[test]
fn the_repl_pages_a_long_result_and_prints_a_short_one() {
    let dir = tempfile::tempdir().unwrap();
    let (events, _) = fixture(dir.path());
    let paged = dir.path().join("paged.txt");
    let args = format!("repl --events '{}'", events.display());
    let env = format!(
        "DQL_HISTORY='{}' PAGER='cat > {}'",
        dir.path().join("history").display(),
        paged.display()
    );
    let tmux = Tmux::start(80, 40, &shell_line(dir.path(), &args, &env));
    tmux.wait_for(|s| s.contains("dql> "));
    tmux.type_line(
        "SELECT title, count(), last_seen() FROM errors GROUP BY title ORDER BY count() DESC \
         LIMIT 3;",
    );
    let screen = tmux.wait_for(|s| table_rows(s) == 3);
    tmux.assert_fits(&screen);
    assert!(!paged.exists(), "three rows fit the screen: no pager");
    tmux.type_line(
        "SELECT title, count(), last_seen() FROM errors GROUP BY title ORDER BY count() DESC \
         LIMIT 500;",
    );
    let started = Instant::now();
    while std::fs::read_to_string(&paged).map_or(0, |t| table_rows(&t)) < N_TITLES {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = std::fs::read_to_string(&paged).unwrap();
    assert!(!text.contains("more rows"), "{text}");
    for line in text.lines() {
        assert!(line.width() <= 80, "{line}");
    }
    // A long listing goes to the pager too, rather than past the top of the screen.
    std::fs::remove_file(&paged).unwrap();
    tmux.type_line(".describe errors");
    let started = Instant::now();
    while !std::fs::read_to_string(&paged).is_ok_and(|t| t.contains("last_seen() → date")) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Ctrl-D only once the prompt is back: typed while the pager runs, the terminal is not
    // in the line editor's raw mode and would swallow it.
    tmux.wait_for(|s| {
        s.contains("dql> .describe errors") && s.trim_end().lines().last() == Some("dql>")
    });
    tmux.key("C-d");
    let screen = tmux.wait_for(|s| s.contains("__DONE__"));
    assert!(screen.contains("__DONE__ 0"), "{screen}");
    // The long result went to the pager, not the screen.
    assert!(table_rows(&screen) < 10, "{screen}");
}
