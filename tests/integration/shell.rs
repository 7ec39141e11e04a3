//! The habits of a good shell, on the `dql` binary: queries from standard input and the command
//! line, `--name` and `--keep-going`, completions, `NO_COLOR`, `fmt --write` and what fmt keeps,
//! flag conventions, and one-line warnings. Each test runs the built executable in a fresh
//! directory with no inherited environment.

use crate::support::binary::{self, Run};
use crate::support::server::{Reply, TestServer};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `dql args…` in `dir` with only `env` set (plus HOME), `stdin` piped in.
fn dql(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    binary::dql(dir, args, env, stdin.as_bytes())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn events() -> String {
    repo()
        .join("examples")
        .join("events.ndjson.gz")
        .display()
        .to_string()
}

/// A Sentry on 127.0.0.1 answering every request with one small page.
fn server() -> TestServer {
    TestServer::start(|_, _| {
        Reply::json(
            200,
            json!({"data": [{"count()": 42}],
                   "meta": {"fields": {"count()": "integer"}, "units": {"count()": null}}}),
        )
    })
}

fn sentry_env(server: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("SENTRY_URL", server.base_url.clone()),
        ("SENTRY_ORG", "acme".into()),
        ("SENTRY_AUTH_TOKEN", "sntrys_shell_test".into()),
    ]
}

fn at(server: &TestServer) -> Vec<(&'static str, String)> {
    sentry_env(server)
}

fn env_refs<'e>(env: &'e [(&'static str, String)]) -> Vec<(&'static str, &'e str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

// ---------------------------------------------------------------------------------------------
// 6. Queries from standard input and the command line

#[test]
fn queries_piped_into_dql_run_as_psql_runs_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let env = at(&server);
    let run = dql(
        dir.path(),
        &[],
        &env_refs(&env),
        "SELECT count() FROM errors SINCE 1h;\n",
    );
    assert_eq!(run.code, 0, "{run:?}");
    // Piped output is csv, as `dql run` prints when piped.
    assert_eq!(run.stdout, "count()\n42\n");
    assert_eq!(server.requests().len(), 1);
    assert!(
        server.requests()[0]
            .path()
            .ends_with("/organizations/acme/events/")
    );
}

#[test]
fn one_inline_query_with_c_or_run_e() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let env = at(&server);
    let run = dql(
        dir.path(),
        &["-c", "SELECT count() FROM errors SINCE 1h"],
        &env_refs(&env),
        "",
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "count()\n42\n"),
        "{run:?}"
    );

    let run = dql(
        dir.path(),
        &[
            "run",
            "-e",
            "SELECT count() AS n FROM errors SINCE 30d",
            "--events",
            &events(),
            "-f",
            "json",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        rows[0]["data"][0]["n"].as_u64().unwrap() > 0,
        "{}",
        run.stdout
    );

    // A file and -e at once is a usage error.
    let run = dql(dir.path(), &["run", "x.dql", "-e", "SELECT 1"], &[], "");
    assert_eq!(run.code, 2, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// 7. --name scoping and --keep-going

#[test]
fn name_checks_and_binds_only_the_chosen_statement() {
    let dir = tempfile::tempdir().unwrap();
    // Not ASCII in the other statement: the blanked-out text keeps the file's offsets.
    let text = "-- @name mine\nSELECT count() FROM errors SINCE 1h;\n\n\
                -- @name theirs\n-- ünïcödé — fine\n\
                SELECT count() FROM errors WHERE release:$release SINCE 1h;\n";
    std::fs::write(dir.path().join("two.dql"), text).unwrap();
    let run = dql(
        dir.path(),
        &[
            "compile",
            "two.dql",
            "--name",
            "mine",
            "--output",
            "json",
            "--now",
            "2026-11-26T10:00:00Z",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let requests: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(requests.as_array().unwrap().len(), 1);
    assert_eq!(requests[0]["name"], "mine");
    assert_eq!(run.stderr, "");
    // A parameter only the other statement uses is not used by this run.
    let run = dql(
        dir.path(),
        &[
            "compile",
            "two.dql",
            "--name",
            "mine",
            "-p",
            "release=1",
            "--output",
            "json",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        "warning: --param release is not used: statement `@mine` does not mention `$release`\n"
    );
    // The other statement still needs its parameter when it is the one chosen.
    let run = dql(
        dir.path(),
        &["compile", "two.dql", "--name", "theirs", "--output", "json"],
        &[],
        "",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("$release"), "{}", run.stderr);
    // Diagnostics still point at the file's own lines.
    assert!(run.stderr.contains("two.dql:6:42"), "{}", run.stderr);
}

#[test]
fn keep_going_runs_the_rest_and_names_the_failed_statement() {
    let dir = tempfile::tempdir().unwrap();
    // `issue` (the short id) is not in exported events: the first statement fails when run.
    let text = "-- @name by_issue\nSELECT issue, count() FROM errors GROUP BY issue SINCE 30d;\n\n\
                -- @name errors\nSELECT count() AS n FROM errors SINCE 30d;\n";
    std::fs::write(dir.path().join("q.dql"), text).unwrap();
    let args = ["run", "q.dql", "--events", &events(), "--format", "json"];
    let stops = dql(dir.path(), &args, &[], "");
    assert_eq!(stops.code, 1, "{stops:?}");
    assert!(!stops.stdout.contains("\"n\""), "{}", stops.stdout);
    assert!(
        stops
            .stderr
            .contains("statement `@by_issue` (line 2) failed"),
        "{}",
        stops.stderr
    );

    let mut args = args.to_vec();
    args.push("--keep-going");
    let goes_on = dql(dir.path(), &args, &[], "");
    assert_eq!(goes_on.code, 1, "the run still failed: {goes_on:?}");
    assert!(goes_on.stdout.contains("\"n\""), "{}", goes_on.stdout);
    assert!(
        goes_on
            .stderr
            .contains("statement `@by_issue` (line 2) failed"),
        "{}",
        goes_on.stderr
    );

    // A statement with a compile error is left out, the others run.
    let text = "SELECT nope() FROM errors;\nSELECT count() AS n FROM errors SINCE 30d;\n";
    std::fs::write(dir.path().join("bad.dql"), text).unwrap();
    let run = dql(
        dir.path(),
        &[
            "run",
            "bad.dql",
            "--events",
            &events(),
            "-f",
            "json",
            "--keep-going",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("\"n\""), "{}", run.stdout);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// 8. Completions, NO_COLOR, fmt

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_dql()"),
        ("zsh", "#compdef dql"),
        ("fish", "complete -c dql"),
    ] {
        let run = dql(dir.path(), &["completions", shell], &[], "");
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        // Subcommands and their flags are in it.
        assert!(run.stdout.contains("keep-going"), "{shell}");
        assert!(run.stdout.contains("fmt"), "{shell}");
    }
    let run = dql(dir.path(), &["completions", "tcsh"], &[], "");
    assert_eq!(run.code, 2, "{run:?}");
}

/// `dql args…` on a pseudo-terminal (stderr a terminal); everything it printed.
fn on_a_terminal(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    use expectrl::Expect;
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("TERM", "xterm")
        .current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut session = expectrl::Session::spawn(command).unwrap();
    session.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    let found = session.expect(expectrl::Eof).unwrap();
    let mut all = found.before().to_vec();
    all.extend_from_slice(found.get(0).unwrap_or_default());
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn no_color_is_respected_by_check_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.dql"), "SELECT count() FORM errors;\n").unwrap();
    let coloured = on_a_terminal(dir.path(), &["check", "bad.dql"], &[]);
    assert!(coloured.contains("alias_without_as"), "{coloured}");
    assert!(
        coloured.contains("\x1b["),
        "colour on a terminal: {coloured:?}"
    );
    let plain = on_a_terminal(dir.path(), &["check", "bad.dql"], &[("NO_COLOR", "1")]);
    assert!(plain.contains("alias_without_as"), "{plain}");
    assert!(!plain.contains("\x1b["), "NO_COLOR: {plain:?}");
}

#[test]
fn fmt_write_formats_files_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("messy.dql");
    let tidy = dir.path().join("tidy.dql");
    std::fs::write(&messy, "select count() from errors since 24h").unwrap();
    std::fs::write(&tidy, "SELECT count()\nFROM errors;\n").unwrap();
    let before = std::fs::metadata(&tidy).unwrap().modified().unwrap();
    let run = dql(
        dir.path(),
        &["fmt", "--write", "messy.dql", "tidy.dql"],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, format!("formatted {}\n", "messy.dql"));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "SELECT count()\nFROM errors\nSINCE 24h;\n"
    );
    assert_eq!(
        std::fs::metadata(&tidy).unwrap().modified().unwrap(),
        before
    );
    let check = dql(
        dir.path(),
        &["fmt", "--check", "messy.dql", "tidy.dql"],
        &[],
        "",
    );
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn fmt_keeps_comments_around_an_empty_statement() {
    let dir = tempfile::tempdir().unwrap();
    // A stray `;` once took the comments before and after it with it.
    for (text, want) in [
        ("/* c */ ;", "/* c */\n"),
        ("-- c\n;", "-- c\n"),
        ("; -- c", "-- c\n"),
        (
            "SELECT count() FROM errors; ; -- done",
            "SELECT count()\nFROM errors; -- done\n",
        ),
    ] {
        std::fs::write(dir.path().join("q.dql"), text).unwrap();
        let run = dql(dir.path(), &["fmt", "q.dql"], &[], "");
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout, want, "fmt of {text:?}");
    }
}

#[test]
fn fmt_keeps_an_explicit_and_and_comments_at_the_end_of_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
-- errors by release
SELECT release, count() -- the two columns
FROM errors
WHERE level:error AND environment:production -- prod only
  browser.name:Chrome
GROUP BY release; -- done

SELECT count() FROM errors WHERE (a:1 OR b:2) AND c:3;
";
    std::fs::write(dir.path().join("q.dql"), text).unwrap();
    let run = dql(dir.path(), &["fmt", "q.dql"], &[], "");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "\
-- errors by release
SELECT release, count() -- the two columns
FROM errors
WHERE level:error AND environment:production browser.name:Chrome -- prod only
GROUP BY release; -- done

SELECT count()
FROM errors
WHERE (a:1 OR b:2) AND c:3;
"
    );
    // Formatting the formatted text changes nothing.
    std::fs::write(dir.path().join("again.dql"), &run.stdout).unwrap();
    let again = dql(dir.path(), &["fmt", "--check", "again.dql"], &[], "");
    assert_eq!(again.code, 0, "{again:?}");
}

// ---------------------------------------------------------------------------------------------
// 9. Flag conventions

#[test]
fn sentry_flags_are_listed_apart_and_absent_from_fmt() {
    let dir = tempfile::tempdir().unwrap();
    let run_help = dql(dir.path(), &["run", "--help"], &[], "");
    assert_eq!(run_help.code, 0);
    let heading = run_help
        .stdout
        .find("Sentry connection")
        .expect("a heading of their own");
    let org = run_help.stdout.find("--org <ORG>").unwrap();
    let keep = run_help.stdout.find("--keep-going").unwrap();
    assert!(keep < heading && heading < org, "{}", run_help.stdout);
    assert!(
        run_help.stdout.contains("-f, --format"),
        "{}",
        run_help.stdout
    );
    assert!(
        run_help.stdout.contains("-p, --param"),
        "{}",
        run_help.stdout
    );
    assert!(
        run_help.stdout.contains("[alias: --auth-token]"),
        "{}",
        run_help.stdout
    );

    // The same short forms wherever the flag is.
    for command in ["check", "compile", "export"] {
        let help = dql(dir.path(), &[command, "--help"], &[], "");
        assert!(
            help.stdout.contains("-p, --param"),
            "{command}: {}",
            help.stdout
        );
    }
    let fmt_help = dql(dir.path(), &["fmt", "--help"], &[], "");
    assert!(!fmt_help.stdout.contains("--org"), "{}", fmt_help.stdout);
    let check_help = dql(dir.path(), &["check", "--help"], &[], "");
    assert!(
        !check_help.stdout.contains("--token"),
        "{}",
        check_help.stdout
    );
    let fmt_org = dql(dir.path(), &["fmt", "q.dql", "--org", "acme"], &[], "");
    assert_eq!(fmt_org.code, 2, "{fmt_org:?}");
    // Nor before the command, where they would be ignored without a word.
    std::fs::write(dir.path().join("q.dql"), "SELECT count() FROM errors;\n").unwrap();
    for args in [
        &["--org", "acme", "fmt", "q.dql"][..],
        &["--url", "https://sentry.example.com", "migrate", "q.dql"],
        &["--auth-token", "x", "completions", "bash"],
    ] {
        let refused = dql(dir.path(), args, &[], "");
        assert_eq!(refused.code, 2, "{args:?}: {refused:?}");
        assert!(
            refused.stderr.contains("is a Sentry connection flag"),
            "{refused:?}"
        );
        assert!(refused.stdout.is_empty(), "{refused:?}");
    }
    // The commands that use them take them there.
    let compiled = dql(dir.path(), &["--org", "acme", "compile", "q.dql"], &[], "");
    assert_eq!(compiled.code, 0, "{compiled:?}");
    assert!(
        compiled.stdout.contains("/organizations/acme/"),
        "{compiled:?}"
    );
}

#[test]
fn auth_token_is_accepted_as_sentry_cli_spells_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = server();
    let run = dql(
        dir.path(),
        &[
            "run",
            "-e",
            "SELECT count() FROM errors SINCE 1h",
            "--url",
            &server.base_url,
            "--org",
            "acme",
            "--auth-token",
            "sntrys_from_flag",
            "-f",
            "csv",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let sent = server.requests();
    assert_eq!(
        sent[0].header("Authorization"),
        Some("Bearer sntrys_from_flag")
    );
    // Before the command too, as a global flag.
    let config = dql(
        dir.path(),
        &[
            "--auth-token",
            "sntrys_from_flag",
            "--org",
            "acme",
            "config",
        ],
        &[],
        "",
    );
    assert_eq!(config.code, 0, "{config:?}");
    assert!(config.stdout.contains("--org"), "{}", config.stdout);
    assert!(
        !config.stdout.contains("sntrys_from_flag"),
        "masked: {}",
        config.stdout
    );
}

#[test]
fn a_near_miss_unit_suggests_the_period() {
    let dir = tempfile::tempdir().unwrap();
    for (since, want) in [
        ("1 week", "7d"),
        ("1week", "7d"),
        ("2 hours", "2h"),
        ("'3 days'", "3d"),
    ] {
        let run = dql(
            dir.path(),
            &[
                "check",
                "-e",
                &format!("SELECT count() FROM errors SINCE {since}"),
            ],
            &[],
            "",
        );
        assert_eq!(run.code, 1, "{since}: {run:?}");
        assert!(
            run.stderr.contains(&format!("did you mean `{want}`?")),
            "{since}: {}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 10. `count() AS count`, and one-line warnings

#[test]
fn an_alias_may_be_a_functions_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = dql(
        dir.path(),
        &[
            "run",
            "-e",
            "SELECT count() AS count, project FROM errors GROUP BY project ORDER BY count DESC SINCE 30d",
            "--events",
            &events(),
            "-f",
            "csv",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("count,project\n"), "{}", run.stdout);
}

#[test]
fn nothing_to_run_gets_a_one_line_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.dql"), "\n").unwrap();
    std::fs::write(
        dir.path().join("comments.dql"),
        "-- nothing yet\n/* later */\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dangling.dql"),
        "SELECT count() FROM errors;\n-- @name orphan\n",
    )
    .unwrap();
    for (file, want) in [
        (
            "empty.dql",
            "warning: empty.dql is empty: there is no query to run\n",
        ),
        (
            "comments.dql",
            "warning: comments.dql holds only comments: there is no query to run\n",
        ),
        (
            "dangling.dql",
            "warning: dangling.dql:2: `-- @name orphan` annotates no statement (an annotation goes on the lines just above its statement)\n",
        ),
    ] {
        let run = dql(dir.path(), &["check", file], &[], "");
        assert_eq!((run.code, run.stderr.as_str()), (0, want), "{file}");
    }
    let run = dql(
        dir.path(),
        &[
            "check",
            "-e",
            "SELECT count() FROM errors WHERE release:$r",
            "-p",
            "r=1",
            "-p",
            "rr=2",
        ],
        &[],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        "warning: --param rr is not used: no statement mentions `$rr`\n"
    );
}

/// `--help` wraps at the terminal's width (clap reads `COLUMNS`) at word boundaries, instead of
/// running past an 80-column terminal and breaking words where the terminal cuts them.
#[test]
fn help_wraps_to_an_80_column_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &[][..],
        &["fmt"],
        &["check"],
        &["compile"],
        &["run"],
        &["export"],
        &["repl"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = dql(dir.path(), &args, &[("COLUMNS", "80")], "");
        assert_eq!(help.code, 0, "{help:?}");
        let long: Vec<&str> = help
            .stdout
            .lines()
            .filter(|line| line.chars().count() > 80)
            .collect();
        assert!(
            long.is_empty(),
            "{command:?}: lines over 80 columns: {long:#?}"
        );
    }
}
