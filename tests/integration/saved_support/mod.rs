//! A stand-in for Sentry's saved-query API on 127.0.0.1, for `dql pull`, `diff` and `push`
//! end to end: Discover's and Explore's collections, each listed in pages by `Link` cursors
//! (two per page here), created (201, DRF-style 400s), fetched (404 for an unknown id),
//! replaced by PUT and deleted (204). Shapes: sentry-api.md §13.5 and getsentry/sentry
//! `src/sentry/discover/endpoints/discover_saved_queries.py`, `discover_saved_query_detail.py`,
//! `src/sentry/api/serializers/models/discoversavedquery.py`; for Explore
//! `src/sentry/explore/endpoints/explore_saved_queries.py`, `explore_saved_query_detail.py`,
//! `serializers.py` and `src/sentry/api/serializers/models/exploresavedquery.py` (a prebuilt
//! query cannot be changed or deleted; without the Explore feature the list is a 404).

use super::support::server::{Recorded, Reply, TestServer};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

pub(crate) const TOKEN: &str = "sntrys_saved_query_test_token";
pub(crate) const DISCOVER: &str = "/api/0/organizations/acme/discover/saved/";
pub(crate) const EXPLORE: &str = "/api/0/organizations/acme/explore/saved/";

/// One collection's saved queries, by id.
pub(crate) type Store = Arc<Mutex<BTreeMap<u64, Map<String, Value>>>>;

pub(crate) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// A Discover query as the response serializer shows it: the attributes given, plus `id`,
/// `dateCreated`, `dateUpdated`, `createdBy`, `expired`, `datasetSource`; `version` 2.
fn discover_response(id: u64, body: &Map<String, Value>) -> Value {
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

/// An Explore query as its response serializer shows it: the stored attributes, each
/// sub-query with the serializer's default `caseInsensitive: false`, plus `id`, `dateAdded`,
/// `dateUpdated`, `lastVisited`, `createdBy`, `starred`, `position`, `isPrebuilt`,
/// `changedReason`, `expired`. `prebuilt` is kept in the store as `"prebuilt": true`.
fn explore_response(id: u64, body: &Map<String, Value>) -> Value {
    let mut out = body.clone();
    out.retain(|_, v| !v.is_null());
    let prebuilt = out.remove("prebuilt").is_some();
    if let Some(Value::Array(subs)) = out.get_mut("query") {
        for sub in subs {
            if let Value::Object(sub) = sub {
                sub.entry("caseInsensitive").or_insert(json!(false));
            }
        }
    }
    out.insert("id".into(), json!(id.to_string()));
    out.insert("dateAdded".into(), json!("2026-11-30T10:00:00.123456Z"));
    out.insert("dateUpdated".into(), json!("2026-11-30T10:00:00.123456Z"));
    out.insert("lastVisited".into(), Value::Null);
    out.insert("createdBy".into(), json!({"id": "1", "name": "Ada"}));
    out.insert("starred".into(), json!(prebuilt));
    out.insert("position".into(), Value::Null);
    out.insert("isPrebuilt".into(), json!(prebuilt));
    out.insert("changedReason".into(), Value::Null);
    out.insert("expired".into(), json!(false));
    out.entry("dataset").or_insert(json!("spans"));
    out.entry("projects").or_insert(json!([]));
    Value::Object(out)
}

/// DRF validation of a Discover POST/PUT body, as `DiscoverSavedQuerySerializer` does it.
fn discover_invalid(body: &Map<String, Value>) -> Option<Value> {
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

/// DRF validation of an Explore POST/PUT body, as `ExploreSavedQuerySerializer` does it: a
/// name, a known dataset, and `query` a non-empty list of sub-queries, each with a mode.
fn explore_invalid(body: &Map<String, Value>) -> Option<Value> {
    if !body.get("name").is_some_and(Value::is_string) {
        return Some(json!({"name": ["This field is required."]}));
    }
    let datasets = ["spans", "logs", "segment_spans", "metrics", "replays"];
    if body
        .get("dataset")
        .is_some_and(|d| !datasets.iter().any(|n| d == n))
    {
        return Some(json!({"dataset": ["\"x\" is not a valid choice."]}));
    }
    let Some(Value::Array(subs)) = body
        .get("query")
        .filter(|q| q.as_array().is_some_and(|a| !a.is_empty()))
    else {
        return Some(json!({"query": ["This field is required."]}));
    };
    for sub in subs {
        let mode = sub.get("mode").and_then(Value::as_str);
        if !matches!(mode, Some("samples" | "aggregate")) {
            return Some(json!({"query": [{"mode": ["This field is required."]}]}));
        }
    }
    None
}

/// Answers one collection at `list`: the list in pages of two, POST, and GET/PUT/DELETE of
/// one query.
fn collection(request: &Recorded, list: &str, store: &Store, next_id: &Mutex<u64>) -> Reply {
    let explore = list == EXPLORE;
    let respond = |id: u64, q: &Map<String, Value>| {
        if explore {
            explore_response(id, q)
        } else {
            discover_response(id, q)
        }
    };
    let invalid = |body: &Map<String, Value>| {
        if explore {
            explore_invalid(body)
        } else {
            discover_invalid(body)
        }
    };
    let path = request.path().to_owned();
    let mut store = store.lock().unwrap();
    if path == list {
        return match request.method.as_str() {
            "GET" => {
                let offset: usize = request
                    .param("cursor")
                    .and_then(|c| c.split(':').nth(1).map(str::to_owned))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let all: Vec<Value> = store.iter().map(|(id, q)| respond(*id, q)).collect();
                let page: Vec<Value> = all.iter().skip(offset).take(2).cloned().collect();
                let more = offset + 2 < all.len();
                let next = offset + 2;
                Reply::json(200, Value::Array(page)).header(
                    "Link",
                    &format!(
                        r#"<http://x{list}?cursor=0:{next}:0>; rel="next"; results="{more}"; cursor="0:{next}:0""#
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
                Reply::json(201, respond(id, &body))
            }
            _ => Reply::raw(405, ""),
        };
    }
    let Some(id) = path
        .strip_prefix(list)
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return Reply::raw(404, "");
    };
    let prebuilt = store.get(&id).is_some_and(|q| q.contains_key("prebuilt"));
    match request.method.as_str() {
        "GET" => match store.get(&id) {
            Some(q) => Reply::json(200, respond(id, q)),
            None => Reply::json(
                404,
                json!({"detail": "The requested resource does not exist"}),
            ),
        },
        "PUT" | "DELETE" if prebuilt => {
            Reply::json(400, json!({"detail": "Cannot modify prebuilt queries"}))
        }
        "PUT" => {
            let body = object(serde_json::from_str(&request.body).unwrap());
            if let Some(errors) = invalid(&body) {
                return Reply::json(400, errors);
            }
            if !store.contains_key(&id) {
                return Reply::raw(404, "");
            }
            store.insert(id, body.clone());
            Reply::json(200, respond(id, &body))
        }
        "DELETE" => {
            store.remove(&id);
            Reply::raw(204, "")
        }
        _ => Reply::raw(405, ""),
    }
}

/// Three Discover queries in Sentry's documented shapes: Sentry's own `transaction-like`
/// example (with `-count`), a deprecated `discover` one, and an `error-events` one.
pub(crate) fn discover_seed() -> BTreeMap<u64, Map<String, Value>> {
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

/// Explore queries: an aggregate one with chart types (Explore's current shape), a samples
/// one as in Sentry's documented example, and one of Sentry's prebuilt queries.
pub(crate) fn explore_seed() -> BTreeMap<u64, Map<String, Value>> {
    let mut store = BTreeMap::new();
    store.insert(
        1,
        object(json!({
            "name": "Slow DB ops", "dataset": "spans", "projects": [1], "range": "7d",
            "environment": ["production"], "interval": "1h",
            "query": [{"mode": "aggregate", "query": "span.op:db*",
                "fields": ["id", "span.description", "span.duration", "timestamp"],
                "orderby": "-timestamp",
                "aggregateField": [{"groupBy": "span.op"},
                    {"yAxes": ["p95(span.duration)"], "chartType": 1},
                    {"yAxes": ["count()"], "chartType": 0}],
                "aggregateOrderby": "-p95(span.duration)"}]
        })),
    );
    store.insert(
        3,
        object(json!({
            "name": "cache_gets", "dataset": "spans", "projects": [], "range": "24h",
            "environment": [],
            "query": [{"mode": "samples", "query": "span.op:cache.get",
                "fields": ["span.op", "span.duration", "timestamp"], "orderby": "-timestamp"}]
        })),
    );
    store.insert(
        4,
        object(json!({
            "name": "All Transactions", "dataset": "spans", "prebuilt": true,
            "query": [{"mode": "samples", "query": "is_transaction:true",
                "fields": ["id", "span.op", "transaction", "timestamp"], "orderby": "-timestamp",
                "visualize": [{"chartType": 0, "yAxes": ["count()"]}]}]
        })),
    );
    store
}

/// The stand-in server and its two stores.
pub(crate) struct Sentry {
    pub(crate) server: TestServer,
    pub(crate) discover: Store,
    pub(crate) explore: Store,
}

/// Starts the stand-in with the seeds; without `explore`, the Explore list answers 404 (an
/// older self-hosted Sentry).
pub(crate) fn start(explore: bool) -> Sentry {
    let discover: Store = Arc::new(Mutex::new(discover_seed()));
    let explore_store: Store = Arc::new(Mutex::new(if explore {
        explore_seed()
    } else {
        BTreeMap::new()
    }));
    let (d, e) = (Arc::clone(&discover), Arc::clone(&explore_store));
    let (next_d, next_e) = (Mutex::new(100), Mutex::new(200));
    let server = TestServer::start(move |request: &Recorded, _| {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        if request.path().starts_with(DISCOVER) {
            collection(request, DISCOVER, &d, &next_d)
        } else if explore && request.path().starts_with(EXPLORE) {
            collection(request, EXPLORE, &e, &next_e)
        } else {
            Reply::json(
                404,
                json!({"detail": "The requested resource does not exist"}),
            )
        }
    });
    Sentry {
        server,
        discover,
        explore: explore_store,
    }
}

/// What a command printed and how it ended.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// The environment dql runs in: HOME and the working directory `dir`, the stand-in's URL,
/// organization and token, nothing else.
pub(crate) fn command(dir: &Path, server: &TestServer, program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("HOME", dir)
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .current_dir(dir)
        .stdin(Stdio::null());
    command
}

/// Runs `dql args…` in `dir` against `server`; checks that the token never shows and that
/// nothing panicked.
pub(crate) fn dql(dir: &Path, server: &TestServer, args: &[&str]) -> Run {
    let output = command(dir, server, env!("CARGO_BIN_EXE_dql"))
        .args(args)
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

/// The text of `queries/NAME` under `dir`.
pub(crate) fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("queries").join(name)).unwrap()
}

/// The `.dql` files under `dir/queries`, sorted.
pub(crate) fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("queries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}
