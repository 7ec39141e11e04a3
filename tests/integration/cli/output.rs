//! Output through the binary: formats, series (INTERVAL), and a reader that goes away
//! (`dql … | head -1`).

use super::*;

fn hidden_server() -> TestServer {
    TestServer::scripted(vec![Reply::json(
        200,
        page(
            vec![
                json!({"p95(transaction.duration)": 812.5, "count()": 40, "transaction": "/checkout"}),
                json!({"p95(transaction.duration)": 120.0, "count()": 7, "transaction": "/home"}),
            ],
            json!({"p95(transaction.duration)": "duration", "count()": "integer", "transaction": "string"}),
        ),
    )])
}

#[test]
fn csv_uses_aliases_in_select_order_and_drops_hidden_columns() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["transaction,n", "/checkout,40", "/home,7"]);
    // The hidden column was asked for all the same, for the sort.
    let fields: Vec<_> = server.requests()[0]
        .query()
        .into_iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        fields,
        ["transaction", "count()", "p95(transaction.duration)"]
    );
}

#[test]
fn json_prints_data_and_meta() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    // One statement has the shape of several: an array of {name, data, meta}.
    assert_eq!(out.as_array().unwrap().len(), 1, "{out}");
    let out = &out[0];
    assert_eq!(
        out["data"],
        json!([{"transaction": "/checkout", "n": 40}, {"transaction": "/home", "n": 7}])
    );
    assert_eq!(
        out["meta"]["fields"],
        json!({"transaction": "string", "n": "integer"})
    );
    assert_eq!(out["name"], Value::Null);
    assert_eq!(out.as_object().unwrap().len(), 3, "{out}");
    // Keys follow the select list, whatever order Sentry's rows had.
    assert!(
        run.stdout.contains(r#"{"transaction":"/checkout","n":40}"#),
        "{}",
        run.stdout
    );
}

#[test]
fn ndjson_prints_one_object_per_row() {
    let dir = Dir::new();
    dir.file("q.dql", HIDDEN);
    let server = hidden_server();
    let run = dir.dql_at(&server, &["run", "q.dql", "--format", "ndjson"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            r#"{"transaction":"/checkout","n":40}"#,
            r#"{"transaction":"/home","n":7}"#
        ]
    );
}

#[test]
fn csv_holds_two_statements_with_a_statement_column() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);
    let counted = |n: u64| {
        Reply::json(
            200,
            page(vec![json!({"count()": n})], json!({"count()": "integer"})),
        )
    };
    let server = TestServer::scripted(vec![counted(5), counted(9)]);
    let run = dir.dql_at(&server, &["run", "two.dql", "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["statement,count(),n", "errors,5,", "slow,,9"]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn name_picks_one_statement() {
    let dir = Dir::new();
    dir.file("two.dql", TWO);
    let server = TestServer::scripted(vec![Reply::json(
        200,
        page(vec![json!({"count()": 9})], json!({"count()": "integer"})),
    )]);
    let run = dir.dql_at(
        &server,
        &["run", "two.dql", "--format", "csv", "--name", "slow"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.lines(), ["n", "9"]);
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].param("dataset").as_deref(), Some("transactions"));
    assert_eq!(
        sent[0].param("query").as_deref(),
        Some("transaction.duration:>2000ms")
    );
}

fn epoch(instant: &str) -> i64 {
    instant.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// One events-stats series in Sentry's documented shape (`sentry-api.md` §6).
fn stats_series(points: &[(&str, u64)], y_axis: &str, order: u64) -> Value {
    let data: Vec<Value> = points
        .iter()
        .map(|(t, n)| json!([epoch(t), [{"count": n}]]))
        .collect();
    json!({"data": data, "order": order, "isMetricsData": false,
           "start": epoch(points[0].0), "end": epoch(points[points.len() - 1].0) + 3600,
           "meta": {"fields": {y_axis: "integer"}, "units": {y_axis: null}}})
}

#[test]
fn series_columns_keep_aliases_as_the_local_engine_does() {
    let dir = Dir::new();
    dir.file(
        "s.dql",
        "SELECT count() AS n FROM errors SINCE 2h INTERVAL 1h;\n",
    );
    // A Sentry without events-timeseries: its 404 sends dql to events-stats.
    let server = TestServer::scripted(vec![
        Reply::json(404, json!({"detail": "not found"})),
        Reply::json(
            200,
            stats_series(
                &[("2026-11-26T08:00:00Z", 12), ("2026-11-26T09:00:00Z", 3)],
                "count()",
                0,
            ),
        ),
    ]);
    let run = dir.dql_at(&server, &["run", "s.dql", "--format", "csv", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            "time,n",
            "2026-11-26T08:00:00Z,12",
            "2026-11-26T09:00:00Z,3"
        ]
    );
    let sent = server.requests();
    assert_eq!(
        sent[0].path(),
        "/api/0/organizations/acme/events-timeseries/"
    );
    assert_eq!(sent[1].path(), "/api/0/organizations/acme/events-stats/");
    assert_eq!(sent[1].param("yAxis").as_deref(), Some("count()"));
    assert_eq!(sent[1].param("interval").as_deref(), Some("1h"));

    // The same query over exported events names its columns alike.
    let local = dir.dql(&[
        "run",
        "s.dql",
        "--format",
        "csv",
        "--events",
        &example("events.ndjson.gz"),
    ]);
    assert_eq!(local.code, 0, "{local:?}");
    assert_eq!(local.lines()[0], "time,n");
}

#[test]
fn top_events_series_name_a_column_per_group() {
    let dir = Dir::new();
    dir.file(
        "t.dql",
        "SELECT count(), error.type FROM errors GROUP BY error.type LIMIT 2 SINCE 2h INTERVAL 1h;\n",
    );
    let points = |a, b| [("2026-11-26T08:00:00Z", a), ("2026-11-26T09:00:00Z", b)];
    let server = TestServer::scripted(vec![
        Reply::json(404, json!({"detail": "not found"})),
        Reply::json(
            200,
            json!({
                "Other": stats_series(&points(1, 1), "count()", 2),
                "TypeError": stats_series(&points(5, 6), "count()", 0),
                "KeyError": stats_series(&points(2, 0), "count()", 1),
            }),
        ),
    ]);
    let run = dir.dql_at(&server, &["run", "t.dql", "--format", "csv", "--now", NOW]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.lines(),
        [
            "time,TypeError: count(),KeyError: count(),Other: count()",
            "2026-11-26T08:00:00Z,5,2,1",
            "2026-11-26T09:00:00Z,6,0,1",
        ]
    );
    let sent = server.requests();
    assert_eq!(sent[0].param("topEvents").as_deref(), Some("2"));
    assert_eq!(sent[1].param("topEvents").as_deref(), Some("2"));
    assert_eq!(sent[1].param("field").as_deref(), Some("error.type"));
}

impl Dir {
    /// Runs `dql args…`, reads the first line of its output, closes the pipe, calls `closed`
    /// and waits for the end: what `| head -1` does.
    fn dql_head(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        closed: impl FnOnce(),
    ) -> (String, Run) {
        use std::io::BufRead;
        let mut child = self
            .command(args, env)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut err = child.stderr.take().unwrap();
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).unwrap();
            s
        });
        let mut first = String::new();
        {
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            out.read_line(&mut first).unwrap();
        }
        closed();
        let status = wait(&mut child, args);
        let run = Run {
            code: status.code().expect("dql ended by a signal"),
            stdout: String::new(),
            stderr: err.join().unwrap(),
        };
        assert!(!run.stderr.contains("panicked"), "dql panicked: {run:?}");
        (first, run)
    }
}

/// More statements than a pipe buffers, so dql is still writing when the reader leaves.
/// (`count(*)` gives each a warning; rendering thousands of warnings for humans is slow, so
/// only `check --message-format json` gets them.)
fn many_statements(n: usize, count: &str) -> String {
    (0..n)
        .map(|i| format!("SELECT {count} FROM errors WHERE release:r{i} SINCE 1d;\n"))
        .collect()
}

#[test]
fn compile_and_fmt_end_quietly_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file("many.dql", &many_statements(3000, "count()"));
    let (first, compile) = dir.dql_head(&["compile", "many.dql", "--output", "url"], &[], || {});
    assert!(first.starts_with("https://sentry.io/api/0/organizations/{org}/events/?field=count%28%29&query=release%3Ar0&"), "{first}");
    assert_eq!(compile.code, 0, "{compile:?}");
    assert_eq!(compile.stderr, "");

    let (first, fmt) = dir.dql_head(&["fmt", "many.dql"], &[], || {});
    assert_eq!(first, "SELECT count()\n");
    assert_eq!(fmt.code, 0, "{fmt:?}");
    assert_eq!(fmt.stderr, "");
}

#[test]
fn check_cut_short_still_exits_1_on_errors() {
    let dir = Dir::new();
    dir.file(
        "many.dql",
        &format!(
            "{}SELECT count() FROM errors LIMIT 0;\n",
            many_statements(3000, "count(*)")
        ),
    );
    let (first, check) = dir.dql_head(
        &["check", "many.dql", "--message-format", "json"],
        &[],
        || {},
    );
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["code"], "dql::semantic::count_star");
    assert_eq!(check.code, 1, "{check:?}");
    assert_eq!(check.stderr, "");
}

#[test]
fn run_over_events_ends_quietly_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 5000 SINCE 30d;\n",
    );
    let events = example("events.ndjson.gz");
    let (first, run) = dir.dql_head(
        &["run", "q.dql", "--events", &events, "--format", "csv"],
        &[],
        || {},
    );
    assert_eq!(first, "id,title\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
}

#[test]
fn run_stops_fetching_when_the_reader_goes_away() {
    let dir = Dir::new();
    dir.file(
        "q.dql",
        "SELECT id, title FROM errors LIMIT 1000 SINCE 1d;\n",
    );
    // Page 2 is answered only once the reader has gone, so dql is sure to find it gone.
    let (gone_tx, gone_rx) = std::sync::mpsc::channel::<()>();
    let gone_rx = std::sync::Mutex::new(gone_rx);
    let server = TestServer::start(move |request: &Recorded, index| {
        if index == 1 {
            let _ = gone_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20));
        }
        paged_reply(request, 5000)
    });
    let (first, run) = dir.dql_head(
        &["run", "q.dql", "--format", "csv"],
        &sentry_env(&server),
        move || gone_tx.send(()).unwrap(),
    );
    assert_eq!(first, "id,title\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
    assert_eq!(
        server.requests().len(),
        2,
        "no page is fetched after the reader left"
    );
}
