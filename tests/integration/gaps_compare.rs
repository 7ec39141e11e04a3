//! COMPARE TO when the earlier period has more groups than its first page: every current
//! group finds its earlier row (the client pages on, the local engine reads every group), or
//! the run fails with `dql::client::compare_incomplete` — never a silent null `_previous`.

use crate::support::binary::{self, Run};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};
use std::path::Path;

const TOKEN: &str = "sntryu_5e71e5c0ffee5ecre7da7a0123456789";
const NOW: &str = "2026-11-26T10:00:00Z";
const TABLE: &str = "SELECT count() AS n, span.op FROM spans GROUP BY span.op ORDER BY -n LIMIT 5 SINCE 24h COMPARE TO 7d AGO;";

fn dql(dir: &Path, base_url: &str, args: &[&str]) -> Run {
    binary::dql(dir, args, &binary::sentry_env(base_url, TOKEN), b"").hides(TOKEN)
}

fn over_http(args: &[&str], replies: Vec<Reply>) -> (Run, Vec<Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), TABLE).unwrap();
    let server = TestServer::scripted(replies);
    let mut all = vec!["run", "q.dql", "--now", NOW, "--format", "csv"];
    all.extend_from_slice(args);
    let run = dql(dir.path(), &server.base_url, &all);
    (run, server.requests())
}

fn answer(rows: Value) -> Reply {
    Reply::json(
        200,
        json!({"data": rows, "meta": {"fields": {"count()": "integer", "span.op": "string"},
                                       "units": {"count()": null, "span.op": null}}}),
    )
}

fn next(cursor: &str, results: bool) -> String {
    format!(r#"<http://x/?cursor={cursor}>; rel="next"; results="{results}"; cursor="{cursor}""#)
}

/// 100 earlier groups, each seen twice: a full first page.
fn busy_page() -> Value {
    (0..100)
        .map(|i| json!({"span.op": format!("op{i}"), "count()": 2}))
        .collect()
}

#[test]
fn a_current_group_past_the_earlier_first_page_finds_its_row() {
    let (run, sent) = over_http(
        &[],
        vec![
            answer(json!([{"span.op": "rare", "count()": 4}])),
            answer(busy_page()).header("Link", &next("0:100:0", true)),
            answer(json!([{"span.op": "rare", "count()": 1}]))
                .header("Link", &next("0:200:0", false)),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "n,n_previous,n_change,n_change_pct,span.op",
            "4,1,3,3.0,rare"
        ]
    );
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[2].param("cursor").as_deref(), Some("0:100:0"));
}

#[test]
fn a_current_group_past_the_offset_cap_is_a_loud_error() {
    let (run, _) = over_http(
        &["--offset-cap", "100"],
        vec![
            answer(json!([{"span.op": "rare", "count()": 4}])),
            answer(busy_page()).header("Link", &next("0:100:0", true)),
        ],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("dql::client::compare_incomplete"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 groups"), "{}", run.stderr);
}

#[test]
fn the_local_engine_reads_every_earlier_group() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.dql"), TABLE).unwrap();
    let span = |op: &str, at: &str, n: usize| {
        json!({"id": format!("{op}-{at}-{n}"), "project": "api", "timestamp": at,
               "span.op": op, "span.duration": 10.0})
        .to_string()
    };
    let mut lines = Vec::new();
    for n in 0..4 {
        lines.push(span("rare", "2026-11-26T01:00:00Z", n));
    }
    lines.push(span("rare", "2026-11-18T12:00:00Z", 0));
    for i in 0..100 {
        for n in 0..2 {
            lines.push(span(&format!("op{i}"), "2026-11-18T12:00:00Z", n));
        }
    }
    std::fs::write(dir.path().join("spans.ndjson"), lines.join("\n") + "\n").unwrap();
    let run = dql(
        dir.path(),
        "http://127.0.0.1:9",
        &[
            "run",
            "q.dql",
            "--now",
            NOW,
            "--events",
            "spans.ndjson",
            "--format",
            "csv",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "n,n_previous,n_change,n_change_pct,span.op",
            "4,1,3,3.0,rare"
        ]
    );
}
