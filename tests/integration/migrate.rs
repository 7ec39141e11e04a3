//! `dql migrate`: queries over the deprecated `transactions` and `discover` datasets move to
//! `spans` following Sentry's own translation (src/sentry/discover/translation/mep_to_eap.py
//! in getsentry/sentry), keeping comments and formatting; what has no equivalent is reported
//! at its span and its statement left as it is.

use dql::Source;
use dql::migrate::{Migration, migrate};
use dql::semantic::Catalog;
use std::process::Command;

fn run(text: &str) -> Migration {
    migrate(
        &Source::new("test.dql", text.to_string()),
        Catalog::builtin(),
    )
}

fn report_codes(m: &Migration) -> Vec<&'static str> {
    m.reports.iter().map(|d| d.code).collect()
}

fn errors_of(text: &str) -> Vec<String> {
    let now = "2026-12-01T10:00:00Z".parse().unwrap();
    let mut options = dql::Options::new(now);
    options
        .params
        .bind("env", "production")
        .bind("min", "10")
        .bind("since", "24h")
        .bind("release", "1.0")
        .bind("n", "5");
    let compilation = dql::compile_source(&Source::new("migrated.dql", text.to_string()), &options);
    compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

#[test]
fn transactions_move_to_spans_with_is_transaction() {
    let m = run(
        "-- @name slow\n-- keep me\nSELECT transaction, p95(transaction.duration) AS p95\n\
                 FROM transactions  -- the old one\nWHERE http.method:GET\nGROUP BY transaction\nSINCE 24h;\n",
    );
    assert!(m.reports.is_empty(), "{:#?}", m.reports);
    assert_eq!(
        m.text,
        "-- @name slow\n-- keep me\nSELECT transaction, p95(span.duration) AS p95\n\
         FROM spans  -- the old one\nWHERE transaction.method:GET AND is_transaction:true\n\
         GROUP BY transaction\nSINCE 24h;\n"
    );
    // No WHERE: one is added after FROM.
    let m = run("SELECT title, count() FROM transactions GROUP BY title");
    assert_eq!(
        m.text,
        "SELECT transaction, count() FROM spans WHERE is_transaction:true GROUP BY transaction"
    );
    // A top-level OR is wrapped, as Sentry's apply_is_segment_condition does.
    let m = run("SELECT count() FROM transactions WHERE a:1 OR b:2");
    assert_eq!(
        m.text,
        "SELECT count() FROM spans WHERE (a:1 OR b:2) AND is_transaction:true"
    );
    // percentile(c, p) becomes the pN function; tpm is epm.
    let m = run("SELECT percentile(transaction.duration, 0.95), tpm() FROM transactions");
    assert_eq!(
        m.text,
        "SELECT p95(span.duration), epm() FROM spans WHERE is_transaction:true"
    );
}

#[test]
fn discover_moves_only_its_transactions() {
    let m = run("SELECT count() FROM discover WHERE event.type:transaction environment:prod");
    assert!(m.reports.is_empty(), "{:#?}", m.reports);
    assert_eq!(
        m.text,
        "SELECT count() FROM spans WHERE is_transaction:true environment:prod"
    );
    let text = "SELECT title, count() FROM discover GROUP BY title";
    let m = run(text);
    assert_eq!(report_codes(&m), ["dql::migrate::mixed_dataset"]);
    assert_eq!(m.text, text, "a reported statement is left as it is");
    assert_eq!(m.reports[0].span().slice(text), Some("discover"));
}

#[test]
fn what_has_no_equivalent_is_reported_at_its_span() {
    // mep_to_eap.py drops any, count_miserable, count_web_vitals, last_seen, total.count.
    let text = "SELECT transaction, last_seen(), count_miserable(user, 300) FROM transactions GROUP BY transaction";
    let m = run(text);
    assert_eq!(
        report_codes(&m),
        ["dql::migrate::no_equivalent", "dql::migrate::no_equivalent"]
    );
    let at: Vec<&str> = m
        .reports
        .iter()
        .map(|d| d.span().slice(text).unwrap())
        .collect();
    assert_eq!(at, ["last_seen()", "count_miserable(user, 300)"]);
    assert_eq!(m.text, text);
    // A transactions field the spans catalog lacks would become an empty attribute.
    let text = "SELECT user.display FROM transactions";
    assert_eq!(report_codes(&run(text)), ["dql::migrate::no_equivalent"]);
    // A function the spans catalog lacks: the rewrite does not check, so it is not written.
    let text = "SELECT apdex(300) FROM transactions";
    let m = run(text);
    assert_eq!(report_codes(&m), ["dql::migrate::does_not_check"]);
    assert_eq!(m.text, text);
    // Other statements of the file still move.
    let m = run(
        "SELECT apdex(300) FROM transactions;\nSELECT count() FROM transactions;\nSELECT count() FROM errors;",
    );
    assert_eq!(m.rewritten, 1);
    assert_eq!(
        m.text,
        "SELECT apdex(300) FROM transactions;\nSELECT count() FROM spans WHERE is_transaction:true;\nSELECT count() FROM errors;"
    );
}

/// Every file with a query over an old dataset: each such statement is either rewritten to
/// one that compiles over spans, or reported; comments and annotations survive; a second
/// migration changes nothing.
#[test]
fn every_example_of_the_old_datasets() {
    let mut files = Vec::new();
    let old = |text: &str| text.contains("FROM transactions") || text.contains("FROM discover");
    for dir in ["examples", "tests/cases"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "dql") {
                let text = std::fs::read_to_string(&path).unwrap();
                if old(&text) {
                    files.push((path, text));
                }
            }
        }
    }
    // The queries of the README and the language reference: ```dql blocks, and the whole
    // statements the README's REPL transcript shows (`.compile` prints `query    …`).
    let mut documented = 0;
    for doc in ["README.md", "docs/language.md"] {
        for (i, query) in doc_queries(doc).into_iter().enumerate() {
            if old(&query) {
                documented += 1;
                files.push((std::path::PathBuf::from(format!("{doc} query {i}")), query));
            }
        }
    }
    assert!(
        documented >= 1,
        "the README's transcript queries transactions"
    );
    assert!(files.len() >= 7, "found only {} files", files.len());
    let mut rewritten = 0;
    let mut reported = 0;
    for (path, text) in &files {
        let source = Source::new(path.display().to_string(), text.clone());
        let m = migrate(&source, Catalog::builtin());
        rewritten += m.rewritten;
        reported += m.reports.len();
        for line in text.lines().filter(|l| l.trim_start().starts_with("--")) {
            assert!(
                m.text.contains(line.trim()),
                "{}: lost the comment {line:?}",
                path.display()
            );
        }
        // Every statement still over an old dataset is covered by a report.
        let parsed = dql::syntax::parse(&Source::new("out.dql", m.text.clone()));
        for statement in &parsed.file.statements {
            let span = statement.span.slice(&m.text).unwrap();
            if span.contains("FROM transactions") || span.contains("FROM discover") {
                let original_start = text.find(span).expect("an unchanged statement is kept");
                let covered = m.reports.iter().any(|d| {
                    let s = d.span();
                    (s.start as usize) >= original_start
                        && (s.end as usize) <= original_start + span.len()
                });
                assert!(
                    covered,
                    "{}: statement left on the old dataset without a report:\n{span}",
                    path.display()
                );
            }
        }
        // The rewritten file compiles as the original did (no new errors).
        let before = errors_of(text).len();
        let after = errors_of(&m.text);
        assert!(
            after.len() <= before,
            "{}: the rewrite has new errors: {after:#?}",
            path.display()
        );
        let again = migrate(
            &Source::new("again.dql", m.text.clone()),
            Catalog::builtin(),
        );
        assert_eq!(again.rewritten, 0, "{}: not idempotent", path.display());
        assert_eq!(again.text, m.text);
    }
    assert!(rewritten >= 3, "only {rewritten} statements rewritten");
    assert!(reported >= 1, "nothing reported");
}

/// The queries a Markdown file shows: each ```dql block, and each `query    …` line.
fn doc_queries(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut queries = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match &mut block {
            Some(b) if line.trim_start().starts_with("```") => {
                queries.push(std::mem::take(b));
                block = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None if line.trim_start().starts_with("```dql") => block = Some(String::new()),
            None => {
                if let Some(query) = line.strip_prefix("query    ") {
                    queries.push(query.to_owned());
                }
            }
        }
    }
    queries
}

#[test]
fn the_readme_transcript_query_moves_to_spans() {
    let query = doc_queries("README.md")
        .into_iter()
        .find(|q| q.contains("FROM transactions"))
        .expect("the transcript's query");
    let m = run(&query);
    assert!(m.reports.is_empty(), "{:#?}", m.reports);
    assert_eq!(
        m.text,
        "SELECT transaction, p95(span.duration) AS p95 FROM spans WHERE is_transaction:true \
         GROUP BY transaction ORDER BY p95 DESC LIMIT 3 SINCE 7d;"
    );
}

fn dql() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dql"))
}

#[test]
fn the_command_rewrites_in_place_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.dql");
    std::fs::write(&path, "-- note\nSELECT count() FROM transactions\n").unwrap();
    let check = dql()
        .arg("migrate")
        .arg(&path)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(1),
        "--check: something to migrate"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "-- note\nSELECT count() FROM transactions\n",
        "--check writes nothing"
    );
    let out = dql().arg("migrate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "-- note\nSELECT count() FROM spans WHERE is_transaction:true\n"
    );
    let check = dql()
        .arg("migrate")
        .arg(&path)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "nothing left to migrate");
    // A report: exit 1, the statement kept, the report on stderr at its place.
    std::fs::write(&path, "SELECT last_seen() FROM transactions\n").unwrap();
    let out = dql().arg("migrate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dql::migrate::no_equivalent"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "SELECT last_seen() FROM transactions\n"
    );
}

#[test]
fn sentry_io_warns_on_the_old_datasets_with_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.dql");
    std::fs::write(&path, "SELECT count() FROM transactions\n").unwrap();
    let check = |url: &str| {
        let out = dql()
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("SENTRY_URL", url)
            .env_remove("SENTRY_AUTH_TOKEN")
            .args(["check", "--message-format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "a warning is not an error");
        String::from_utf8(out.stdout).unwrap()
    };
    let lines = check("https://sentry.io");
    let warning: serde_json::Value = serde_json::from_str(lines.trim()).unwrap();
    assert_eq!(warning["code"], "dql::migrate::deprecated_dataset");
    assert_eq!(warning["severity"], "warning");
    assert_eq!(
        warning["fix"]["replacement"],
        "SELECT count() FROM spans WHERE is_transaction:true"
    );
    assert_eq!(warning["fix"]["offset"], 0);
    assert!(
        !check("https://us.sentry.io").trim().is_empty(),
        "a region of sentry.io"
    );
    assert_eq!(
        check("https://sentry.example.com"),
        "",
        "self-hosted Sentry still serves transactions"
    );
}

#[test]
fn the_repl_warns_on_the_old_datasets_of_sentry_io_too() {
    use expectrl::Expect;
    let dir = tempfile::tempdir().unwrap();
    let spawn = |env: &[(&str, &str)], args: &[&str]| {
        let mut command = dql();
        command
            .arg("repl")
            .args(args)
            .env_clear()
            .env("HOME", dir.path())
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .env("DQL_HISTORY", dir.path().join("history"))
            .current_dir(dir.path());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut session = expectrl::Session::spawn(command).unwrap();
        session.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
        session.expect("dql> ").unwrap();
        session
    };
    let query = "SELECT count() FROM transactions;";
    // No Sentry configured: sentry.io, compiled only.
    let mut io = spawn(&[], &[]);
    let before = {
        io.send(query).unwrap();
        io.send("\r").unwrap();
        let seen = io.expect("query    ").unwrap();
        String::from_utf8_lossy(seen.before()).into_owned()
    };
    assert!(
        before.contains("dql::migrate::deprecated_dataset"),
        "{before}"
    );
    assert!(
        before.contains("FROM spans WHERE is_transaction:true"),
        "the rewrite is offered: {before}"
    );
    io.send("\x04").unwrap();
    // A self-hosted Sentry still serves transactions.
    let mut own = spawn(&[("SENTRY_URL", "https://sentry.example.com")], &[]);
    own.send(query).unwrap();
    own.send("\r").unwrap();
    let seen = own.expect("query    ").unwrap();
    assert!(
        !String::from_utf8_lossy(seen.before()).contains("deprecated_dataset"),
        "self-hosted"
    );
    own.send("\x04").unwrap();
}
