//! Commands that need no Sentry: `dql compile`, `dql check`, `dql fmt`, `dql run --events`, and
//! usage errors.

use super::*;

#[test]
fn compile_json_is_the_request_object() {
    let dir = Dir::new();
    dir.file("q.dql", &format!("-- @name top\n{HIDDEN}"));
    let run = dir.dql(&["compile", "q.dql", "--output", "json", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out,
        json!([{
            "name": "top",
            "method": "GET",
            "path": "/api/0/organizations/{org}/events/",
            "params": [
                ["field", "transaction"],
                ["field", "count()"],
                ["field", "p95(transaction.duration)"],
                ["sort", "-p95(transaction.duration)"],
                ["per_page", "3"],
                ["statsPeriod", "1d"],
                ["dataset", "transactions"],
            ],
            "hidden": ["p95(transaction.duration)"],
            "columns": [
                {"field": "transaction", "label": "transaction"},
                {"field": "count()", "label": "n"},
            ],
            "now": NOW,
        }])
    );
}

#[test]
fn compile_url_fills_org_when_known() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let query = "?field=title&field=count%28%29&query=level%3Aerror&sort=-count%28%29&per_page=5&statsPeriod=7d&dataset=errors";
    let with_org = dir.dql(&["--org", "acme", "compile", "q.dql", "--output", "url"]);
    assert_eq!(with_org.code, 0, "{with_org:?}");
    assert_eq!(
        with_org.stdout,
        format!("https://sentry.io/api/0/organizations/acme/events/{query}\n")
    );
    let without = dir.dql(&["compile", "q.dql", "--output", "url"]);
    assert_eq!(without.code, 0, "{without:?}");
    assert_eq!(
        without.stdout,
        format!("https://sentry.io/api/0/organizations/{{org}}/events/{query}\n")
    );
}

#[test]
fn compile_curl_reads_the_token_from_the_environment() {
    let dir = Dir::new();
    dir.file("q.dql", SIMPLE);
    let run = dir.dql_with(
        &["compile", "q.dql", "--output", "curl"],
        &[("SENTRY_AUTH_TOKEN", TOKEN), ("SENTRY_ORG", "acme")],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(
            "curl -sS -H \"Authorization: Bearer $SENTRY_AUTH_TOKEN\" 'https://sentry.io/api/0/organizations/acme/events/?field=title&"
        ),
        "{}",
        run.stdout
    );
    // (The runner asserts the token value appears nowhere.)
}

#[test]
fn compile_binds_params_as_values() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT count() FROM errors WHERE user.email:$email AND release = $rel SINCE 1d;\n",
    );
    let run = dir.dql(&[
        "compile",
        "q.dql",
        "--output",
        "json",
        "--param",
        "email=a@b.c",
        "--param",
        "rel=my app 1.0",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let query = out[0]["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "query")
        .unwrap()[1]
        .clone();
    assert_eq!(query, json!("user.email:a@b.c release:\"my app 1.0\""));

    let unbound = dir.dql(&["compile", "q.dql", "--output", "json", "--param", "email=x"]);
    assert_eq!(unbound.code, 1, "{unbound:?}");
    assert!(
        unbound.stderr.contains("dql::semantic::unbound_param"),
        "{}",
        unbound.stderr
    );
}

#[test]
fn compile_now_fixes_absolute_ranges() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT count() FROM errors SINCE 2026-11-20 UNTIL 3h;\n",
    );
    let run = dir.dql(&["compile", "q.dql", "--output", "json", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["params"],
        json!([
            ["field", "count()"],
            ["per_page", "100"],
            ["start", "2026-11-20T00:00:00Z"],
            ["end", "2026-11-26T07:00:00Z"],
            ["dataset", "errors"],
        ])
    );
    assert_eq!(out[0]["now"], NOW);

    // A relative range stays relative: Sentry counts it from its own now.
    dir.file("r.dql", "SELECT count() FROM errors SINCE 24h UNTIL 1h;\n");
    let run = dir.dql(&["compile", "r.dql", "--output", "json", "--now", NOW]);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out[0]["params"],
        json!([
            ["field", "count()"],
            ["per_page", "100"],
            ["statsPeriodStart", "24h"],
            ["statsPeriodEnd", "1h"],
            ["dataset", "errors"],
        ])
    );

    let bad = dir.dql(&["compile", "q.dql", "--now", "yesterday"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("--now"), "{}", bad.stderr);
}

#[test]
fn check_exit_codes() {
    let dir = Dir::new();
    dir.file("bad.dql", "SELECT count() FORM errors;\n");
    dir.file("good.dql", SIMPLE);
    let bad = dir.dql(&["check", "bad.dql"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(
        bad.stderr.contains("dql::syntax::alias_without_as"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("bad.dql:1:16"), "{}", bad.stderr);
    let good = dir.dql(&["check", "good.dql"]);
    assert_eq!(good.code, 0, "{good:?}");
    assert_eq!(good.stdout, "");
    assert_eq!(good.stderr, "");
}

#[test]
fn check_json_messages() {
    let dir = Dir::new();
    let run = dir.dql_with(
        &["check", "-", "--message-format", "json"],
        &[],
        "SELECT count(*) FROM errors LIMIT 0\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    let messages: Vec<Value> = run
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            json!({
                "code": "dql::semantic::count_star",
                "severity": "warning",
                "message": "`count(*)` is written `count()`",
                "labels": [{"offset": 7, "length": 8, "line": 1, "column": 8, "text": "`*` is not needed"}],
                "help": "write `count()`; `dql fmt` rewrites it",
                "fix": {"offset": 7, "length": 8, "replacement": "count()"},
            }),
            json!({
                "code": "dql::semantic::bad_limit",
                "severity": "error",
                "message": "`0` is not a valid LIMIT",
                "labels": [{"offset": 34, "length": 1, "line": 1, "column": 35, "text": "here"}],
                "help": "LIMIT takes a whole number of at least 1",
                "fix": null,
            }),
        ]
    );
    // The fix, applied as is, gives what it says.
    let text = "SELECT count(*) FROM errors LIMIT 0\n";
    let fix = &messages[0]["fix"];
    let start = fix["offset"].as_u64().unwrap() as usize;
    let end = start + fix["length"].as_u64().unwrap() as usize;
    let fixed = format!(
        "{}{}{}",
        &text[..start],
        fix["replacement"].as_str().unwrap(),
        &text[end..]
    );
    assert_eq!(fixed, "SELECT count() FROM errors LIMIT 0\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn fmt_check_exit_codes_on_stdin() {
    let dir = Dir::new();
    let messy = "select   count()  from errors  where level:error\n";
    let formatted = dir.dql_with(&["fmt", "-"], &[], messy);
    assert_eq!(formatted.code, 0, "{formatted:?}");
    assert_eq!(
        formatted.stdout,
        "SELECT count()\nFROM errors\nWHERE level:error;\n"
    );

    let unformatted = dir.dql_with(&["fmt", "--check", "-"], &[], messy);
    assert_eq!(unformatted.code, 1, "{unformatted:?}");
    assert_eq!(unformatted.stdout, "");
    assert!(
        unformatted.stderr.contains("not formatted"),
        "{}",
        unformatted.stderr
    );

    let clean = dir.dql_with(&["fmt", "--check", "-"], &[], &formatted.stdout);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert_eq!(clean.stdout, "");

    // `count(*)` is rewritten by fmt, so a file holding it is not formatted.
    let star = dir.dql_with(
        &["fmt", "--check", "-"],
        &[],
        "SELECT count(*)\nFROM errors;\n",
    );
    assert_eq!(star.code, 1, "{star:?}");
}

#[test]
fn events_run_prints_rows_and_the_now_it_used() {
    let dir = Dir::new();
    let events = example("events.ndjson.gz");
    let query = example("error_rate_by_release.dql");
    let run = dir.dql(&["run", &query, "--events", &events, "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines = run.lines();
    assert_eq!(lines[0], "release,errors,users");
    assert!(lines.len() > 2 && lines.len() <= 11, "{}", run.stdout);
    // ORDER BY errors DESC.
    let errors: Vec<u64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(errors.windows(2).all(|w| w[0] >= w[1]), "{errors:?}");
    assert!(
        run.stderr
            .contains("(just after the newest event; set it with --now)"),
        "{}",
        run.stderr
    );

    // An earlier now sees a different week of the same file.
    let earlier = dir.dql(&[
        "run",
        &query,
        "--events",
        &events,
        "--format",
        "csv",
        "--now",
        "2026-11-05T00:00:00Z",
    ]);
    assert_eq!(earlier.code, 0, "{earlier:?}");
    assert!(
        earlier
            .stderr
            .contains("now = 2026-11-05T00:00:00Z (given with --now)"),
        "{}",
        earlier.stderr
    );
    assert_eq!(earlier.lines()[0], "release,errors,users");
    assert_ne!(earlier.stdout, run.stdout);
}

/// Three events, the second line broken.
const BAD_NDJSON: &str = concat!(
    r#"{"eventID":"a","type":"error","dateCreated":"2026-11-20T10:00:00Z","tags":[["level","error"]]}"#,
    "\n",
    r#"{"eventID":"b","type":"error","dateCreated":"2026-11-20T10:01:00Z","tags":[["level","#,
    "\n",
    r#"{"eventID":"c","type":"error","dateCreated":"2026-11-20T10:02:00Z","tags":[["level","error"]]}"#,
    "\n",
);

#[test]
fn events_malformed_line_stops_or_is_skipped() {
    let dir = Dir::new();
    dir.file("bad.ndjson", BAD_NDJSON);
    dir.file("q.dql", "SELECT count() FROM errors WHERE level:error;\n");
    let stopped = dir.dql(&["run", "q.dql", "--events", "bad.ndjson", "--format", "csv"]);
    assert_ne!(stopped.code, 0, "{stopped:?}");
    assert!(
        stopped.stderr.contains("dql::engine::bad_json"),
        "{}",
        stopped.stderr
    );
    // file:line of the broken line.
    assert!(
        stopped.stderr.contains("bad.ndjson:2: invalid JSON"),
        "{}",
        stopped.stderr
    );

    let skipped = dir.dql(&[
        "run",
        "q.dql",
        "--events",
        "bad.ndjson",
        "--format",
        "csv",
        "--skip-bad",
    ]);
    assert_eq!(skipped.code, 0, "{skipped:?}");
    assert_eq!(skipped.lines(), ["count()", "2"]);
    assert!(
        skipped
            .stderr
            .contains("skipped 1 malformed line(s) (the first: bad.ndjson:2: invalid JSON"),
        "{}",
        skipped.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);

    let flag = dir.dql(&["check", "two.dql", "--no-such-flag"]);
    assert_eq!(flag.code, 2, "{flag:?}");
    assert!(flag.stderr.contains("--no-such-flag"), "{}", flag.stderr);

    let missing = dir.dql(&["check", "nowhere.dql"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("the query file nowhere.dql does not exist"),
        "{}",
        missing.stderr
    );

    let name = dir.dql(&["compile", "two.dql", "--name", "slwo", "--output", "json"]);
    assert_eq!(name.code, 2, "{name:?}");
    assert!(
        name.stderr.contains(
            "no statement is named `slwo`: did you mean `slow`? expected one of `errors` or `slow`"
        ),
        "{}",
        name.stderr
    );
    assert_eq!(name.stdout, "");

    let events = dir.dql(&[
        "run",
        "two.dql",
        "--name",
        "slow",
        "--events",
        "none.ndjson",
    ]);
    assert_eq!(events.code, 2, "{events:?}");
    assert!(
        events.stderr.contains("dql::engine::not_found"),
        "{}",
        events.stderr
    );
}
