//! `dql pull`, `dql diff` and `dql push` end to end against a 127.0.0.1 server that keeps
//! saved queries as Sentry does: the list paged by `Link` cursors (two per page here), create
//! (201, DRF-style 400s), get (404 for an unknown id), update (PUT replaces the query), delete
//! (204), and no Explore list (404). Shapes: sentry-api.md §13.5, getsentry/sentry
//! `src/sentry/discover/endpoints/discover_saved_queries.py`, `discover_saved_query_detail.py`,
//! `src/sentry/api/serializers/models/discoversavedquery.py`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

#[allow(
    dead_code,
    reason = "the shared server helpers are used only in part here"
)]
mod support;

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use support::server::{Recorded, Reply, TestServer};

const TOKEN: &str = "sntrys_saved_query_test_token";
const LIST: &str = "/api/0/organizations/acme/discover/saved/";

/// The server's saved queries, by id.
type Store = Arc<Mutex<BTreeMap<u64, Map<String, Value>>>>;

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// The stored query as the response serializer shows it: the attributes given, plus `id`,
/// `dateCreated`, `dateUpdated`, `createdBy`, `expired`, `datasetSource`; `version` 2.
fn response(id: u64, body: &Map<String, Value>) -> Value {
    let mut out = body.clone();
    out.retain(|_, v| !v.is_null());
    out.insert("id".into(), json!(id.to_string()));
    out.insert("dateCreated".into(), json!("2026-11-30T10:00:00.123456Z"));
    out.insert("dateUpdated".into(), json!("2026-11-30T10:00:00.123456Z"));
    out.insert(
        "createdBy".into(),
        json!({"id": "1", "name": "Ada", "username": "ada", "email": "ada@example.com"}),
    );
    out.insert("expired".into(), json!(false));
    out.insert("datasetSource".into(), json!("user"));
    out.entry("queryDataset").or_insert(json!("error-events"));
    out.entry("projects").or_insert(json!([]));
    Value::Object(out)
}

/// DRF validation of a POST/PUT body, as `DiscoverSavedQuerySerializer` does it.
fn invalid(body: &Map<String, Value>) -> Option<Value> {
    if !body.get("name").is_some_and(Value::is_string) {
        return Some(json!({"name": ["This field is required."]}));
    }
    if body.get("version") != Some(&json!(2)) {
        return Some(
            json!({"non_field_errors": ["You cannot use the query attribute(s) with the selected version"]}),
        );
    }
    if body
        .get("fields")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        return Some(json!({"non_field_errors": ["You must include at least one field."]}));
    }
    None
}

fn handler(store: Store, next_id: Arc<Mutex<u64>>) -> impl Fn(&Recorded, usize) -> Reply + Send {
    move |request, _| {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        let path = request.path().to_owned();
        let mut store = store.lock().unwrap();
        if path == "/api/0/organizations/acme/explore/saved/" {
            return Reply::raw(404, "");
        }
        if path == LIST {
            return match request.method.as_str() {
                "GET" => {
                    let offset: usize = request
                        .param("cursor")
                        .and_then(|c| c.split(':').nth(1).map(str::to_owned))
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let all: Vec<Value> = store.iter().map(|(id, q)| response(*id, q)).collect();
                    let page: Vec<Value> = all.iter().skip(offset).take(2).cloned().collect();
                    let more = offset + 2 < all.len();
                    let next = offset + 2;
                    Reply::json(200, Value::Array(page)).header(
                        "Link",
                        &format!(
                            r#"<http://x{LIST}?cursor=0:{next}:0>; rel="next"; results="{more}"; cursor="0:{next}:0""#
                        ),
                    )
                }
                "POST" => {
                    let body = object(serde_json::from_str(&request.body).unwrap());
                    if let Some(errors) = invalid(&body) {
                        return Reply::json(400, errors);
                    }
                    let mut next = next_id.lock().unwrap();
                    let id = *next;
                    *next += 1;
                    store.insert(id, body.clone());
                    Reply::json(201, response(id, &body))
                }
                _ => Reply::raw(405, ""),
            };
        }
        let Some(id) = path
            .strip_prefix(LIST)
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|id| id.parse::<u64>().ok())
        else {
            return Reply::raw(404, "");
        };
        match request.method.as_str() {
            "GET" => match store.get(&id) {
                Some(q) => Reply::json(200, response(id, q)),
                None => Reply::json(
                    404,
                    json!({"detail": "The requested resource does not exist"}),
                ),
            },
            "PUT" => {
                let body = object(serde_json::from_str(&request.body).unwrap());
                if let Some(errors) = invalid(&body) {
                    return Reply::json(400, errors);
                }
                if !store.contains_key(&id) {
                    return Reply::raw(404, "");
                }
                store.insert(id, body.clone());
                Reply::json(200, response(id, &body))
            }
            "DELETE" => {
                store.remove(&id);
                Reply::raw(204, "")
            }
            _ => Reply::raw(405, ""),
        }
    }
}

/// Three saved queries in Sentry's documented shapes: Sentry's own `transaction-like`
/// example (with `-count`), a deprecated `discover` one, and an `error-events` one.
fn seed() -> BTreeMap<u64, Map<String, Value>> {
    let mut store = BTreeMap::new();
    store.insert(
        2,
        object(json!({
            "name": "All Events", "projects": [], "version": 2, "queryDataset": "transaction-like",
            "environment": [], "query": "transaction:/api/foo",
            "fields": ["transaction", "project", "count()", "avg(transaction.duration)", "p75()", "p95()"],
            "range": "24h", "orderby": "-count", "yAxis": ["count()"], "display": "default"
        })),
    );
    store.insert(
        5,
        object(json!({
            "name": "Errors by browser", "queryDataset": "discover", "version": 2,
            "fields": ["title", "browser.name", "count()"],
            "query": "event.type:error !browser.name:Firefox count():>10",
            "orderby": "-count", "projects": [-1], "environment": ["production"],
            "start": "2026-11-01T00:00:00+00:00", "end": "2026-11-08T00:00:00+00:00",
            "display": "top5", "topEvents": 5, "yAxis": ["count()"]
        })),
    );
    store.insert(
        9,
        object(json!({
            "name": "errors_by_release", "queryDataset": "error-events", "version": 2,
            "fields": ["release", "count()"], "query": "level:error", "orderby": "-count",
            "range": "7d", "projects": [1]
        })),
    );
    store
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn dql(dir: &Path, server: &TestServer, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().expect("dql ended by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token leaked"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("queries").join(name)).unwrap()
}

fn start() -> (TestServer, Store, tempfile::TempDir) {
    let store: Store = Arc::new(Mutex::new(seed()));
    let server = TestServer::start(handler(Arc::clone(&store), Arc::new(Mutex::new(100))));
    (server, store, tempfile::tempdir().unwrap())
}

#[test]
fn pull_edit_diff_push_pull() {
    let (server, store, tmp) = start();
    let dir = tmp.path();

    // pull: one canonical file per query, across the list's two pages.
    let pulled = dql(dir, &server, &["pull"]);
    assert_eq!(pulled.code, 0, "{}", pulled.stderr);
    assert!(
        pulled
            .stderr
            .contains("pulled 3 saved queries into queries: 3 written"),
        "{}",
        pulled.stderr
    );
    assert!(
        pulled.stderr.contains("no Explore saved queries"),
        "{}",
        pulled.stderr
    );
    assert!(
        pulled
            .stderr
            .contains("note: queries/all_events.dql: `yAxis` is kept verbatim"),
        "{}",
        pulled.stderr
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("queries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "all_events.dql",
            "errors_by_browser.dql",
            "errors_by_release.dql"
        ]
    );
    assert_eq!(
        read(dir, "all_events.dql"),
        r#"-- @name all_events
-- @description All Events
-- @id 2
-- @source discover
-- @saved {"display":"default","yAxis":["count()"]}
SELECT transaction, project, count(), avg(transaction.duration), p75(), p95()
FROM transactions
WHERE transaction:/api/foo
ORDER BY count() DESC
SINCE 24h;
"#
    );
    assert_eq!(
        read(dir, "errors_by_release.dql"),
        "-- @name errors_by_release\n-- @id 9\n-- @source discover\nSELECT release, count()\nFROM errors\nWHERE level:error\nORDER BY count() DESC\nSINCE 7d\nPROJECT 1;\n"
    );
    // The pulled files check as they are.
    let checked = dql(dir, &server, &["check", "queries/errors_by_browser.dql"]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);

    // Nothing differs right after a pull.
    let same = dql(dir, &server, &["diff"]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stderr.contains("no differences"));

    // Edit one query, add another.
    let edited = read(dir, "errors_by_release.dql")
        .replace(
            "SELECT release, count()",
            "SELECT release, count(), count_unique(user)",
        )
        .replace("WHERE level:error", "WHERE level:fatal");
    std::fs::write(dir.join("queries/errors_by_release.dql"), &edited).unwrap();
    std::fs::write(
        dir.join("queries/slow_pages.dql"),
        "-- @name slow_pages\nselect transaction, p95() from transactions order by -p95() since 7d",
    )
    .unwrap();

    let differ = dql(dir, &server, &["diff"]);
    assert_eq!(differ.code, 1, "{}{}", differ.stdout, differ.stderr);
    assert_eq!(
        differ.stdout,
        "queries/errors_by_release.dql (errors_by_release, id 9): 3 change(s)\n  \
         + column `count_unique(user)`\n  - filter `level:error`\n  + filter `level:fatal`\n\
         queries/slow_pages.dql (slow_pages): not on the server (push creates it)\n"
    );

    // Without a terminal and without --yes nothing is sent.
    let before = server.requests().len();
    let refused = dql(dir, &server, &["push"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    let dry = dql(dir, &server, &["push", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains(&format!("PUT {}{LIST}9/\n", server.base_url)),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains(&format!("POST {}{LIST}\n", server.base_url)),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(r#""query":"level:fatal""#),
        "{}",
        dry.stdout
    );
    let writes = server.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0, "a refused or dry push sent something");

    let pushed = dql(dir, &server, &["push", "--yes"]);
    assert_eq!(pushed.code, 0, "{}{}", pushed.stdout, pushed.stderr);
    assert!(
        pushed.stderr.contains("created slow_pages (id 100)"),
        "{}",
        pushed.stderr
    );
    {
        let store = store.lock().unwrap();
        assert_eq!(
            store[&9]["fields"],
            json!(["release", "count()", "count_unique(user)"])
        );
        assert_eq!(store[&9]["query"], json!("level:fatal"));
        assert_eq!(
            Value::Object(store[&100].clone()),
            json!({"name": "slow_pages", "fields": ["transaction", "p95()"], "orderby": "-p95()",
                "range": "7d", "projects": [], "queryDataset": "transaction-like", "version": 2})
        );
        // The chart settings kept verbatim went back unchanged.
        assert_eq!(store[&2]["display"], json!("default"));
    }
    // The created query's id is written into its file.
    assert!(read(dir, "slow_pages.dql").starts_with("-- @id 100\n-- @name slow_pages\n"));

    // pull again: the edited file is unchanged; the new one is rewritten canonically in place.
    let again = dql(dir, &server, &["pull"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("pulled 4 saved queries into queries: 1 written, 3 unchanged"),
        "{}",
        again.stderr
    );
    assert_eq!(read(dir, "errors_by_release.dql"), edited);
    assert_eq!(
        read(dir, "slow_pages.dql"),
        "-- @name slow_pages\n-- @id 100\n-- @source discover\nSELECT transaction, p95()\nFROM transactions\nORDER BY p95() DESC\nSINCE 7d;\n"
    );
    let clean = dql(dir, &server, &["diff"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let nothing = dql(dir, &server, &["push", "--yes"]);
    assert_eq!(nothing.code, 0);
    assert!(
        nothing.stderr.contains("nothing to push"),
        "{}",
        nothing.stderr
    );

    // --prune deletes what no file names; without it nothing is ever deleted.
    std::fs::remove_file(dir.join("queries/errors_by_browser.dql")).unwrap();
    let listed = dql(dir, &server, &["diff"]);
    assert_eq!(listed.code, 1);
    assert!(
        listed
            .stdout
            .contains(r#"only on the server: "Errors by browser" (id 5)"#),
        "{}",
        listed.stdout
    );
    let kept = dql(dir, &server, &["push", "--yes"]);
    assert_eq!(kept.code, 0);
    assert!(store.lock().unwrap().contains_key(&5));
    let pruned = dql(dir, &server, &["push", "--yes", "--prune"]);
    assert_eq!(pruned.code, 0, "{}", pruned.stderr);
    assert!(
        pruned
            .stdout
            .contains(r#"delete "Errors by browser" (id 5)"#),
        "{}",
        pruned.stdout
    );
    assert!(!store.lock().unwrap().contains_key(&5));
}

#[test]
fn push_refuses_what_cannot_be_a_saved_query() {
    let (server, _store, tmp) = start();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("queries")).unwrap();
    std::fs::write(
        dir.join("queries/issues.dql"),
        "UPDATE issues SET status = resolved WHERE is:unresolved",
    )
    .unwrap();
    std::fs::write(
        dir.join("queries/two.dql"),
        "SELECT count() FROM errors; SELECT count() FROM transactions LIMIT 10",
    )
    .unwrap();
    let refused = dql(dir, &server, &["push", "--yes"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for reason in [
        "dql::saved::not_a_saved_query",
        "UPDATE changes issues",
        "dql::saved::unnamed",
        "dql::saved::inexpressible",
        "no row limit",
        "nothing was sent",
    ] {
        assert!(
            refused.stderr.contains(reason),
            "{reason}: {}",
            refused.stderr
        );
    }
    assert!(server.requests().is_empty(), "something was sent");
}

#[test]
fn a_migrated_transaction_query_is_refused_by_discover_with_the_way_out() {
    let (server, _store, tmp) = start();
    let dir = tmp.path();
    assert_eq!(dql(dir, &server, &["pull"]).code, 0);
    let migrated = dql(dir, &server, &["migrate", "queries/all_events.dql"]);
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    assert!(read(dir, "all_events.dql").contains("FROM spans"));
    let push = dql(
        dir,
        &server,
        &["push", "--dry-run", "queries/all_events.dql"],
    );
    assert_eq!(push.code, 1, "{}", push.stderr);
    assert!(
        push.stderr.contains("dql::saved::wrong_source"),
        "{}",
        push.stderr
    );
    assert!(push.stderr.contains("Explore"), "{}", push.stderr);
}

#[test]
fn a_server_400_is_shown_with_the_field_it_names() {
    let server = TestServer::start(|request: &Recorded, _| {
        if request.method == "POST" {
            Reply::json(
                400,
                json!({"non_field_errors": ["Cannot save invalid query: bad"]}),
            )
        } else {
            Reply::json(200, json!([]))
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("queries")).unwrap();
    std::fs::write(
        dir.join("queries/a.dql"),
        "-- @name a\nSELECT count() FROM errors",
    )
    .unwrap();
    let pushed = dql(dir, &server, &["push", "--yes"]);
    assert_ne!(pushed.code, 0);
    assert!(
        pushed.stderr.contains("Cannot save invalid query: bad"),
        "{}",
        pushed.stderr
    );
    assert_eq!(read(dir, "a.dql"), "-- @name a\nSELECT count() FROM errors");
}
