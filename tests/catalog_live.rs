//! The live catalog: `dql catalog pull` against a 127.0.0.1 server answering
//! `/trace-items/attributes/` in the documented shape (sentry-api-2026.md §3: an array of
//! `{key, name, attributeSource: {source_type}, attributeType}`, one `attributeType` per
//! request, paged by the `Link` cursor), the cache it writes, and `check`, `catalog show` and
//! the library using it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation is a test failure"
)]

#[allow(
    dead_code,
    reason = "the shared server helpers are used only in part here"
)]
mod support;

use dql::semantic::Catalog;
use dql::semantic::catalog::OrgAttribute;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::server::{Recorded, Reply, TestServer};

const TOKEN: &str = "sntryu_live_catalog_test";

/// The attributes of spans: strings on two pages, one number, one boolean.
fn attributes_server() -> TestServer {
    TestServer::start(|request: &Recorded, _| {
        assert_eq!(
            request.path(),
            "/api/0/organizations/acme/trace-items/attributes/"
        );
        let ty = request.param("attributeType").unwrap();
        let cursor = request.param("cursor");
        let item = |key: &str, name: &str, source: &str| {
            json!({"key": key, "name": name, "attributeSource": {"source_type": source},
                   "attributeType": ty, "secondaryAliases": []})
        };
        let next = |more: bool, cursor: &str| {
            format!(
                "<http://ignored/?cursor={cursor}>; rel=\"next\"; results=\"{more}\"; cursor=\"{cursor}\""
            )
        };
        match (ty.as_str(), cursor.as_deref()) {
            ("string", None) => Reply::json(
                200,
                json!([
                    item("device.class", "device.class", "sentry"),
                    item("checkout.step", "checkout.step", "user")
                ]),
            )
            .header("Link", &next(true, "0:100:0")),
            ("string", Some("0:100:0")) => {
                Reply::json(200, json!([item("feature.flag", "feature.flag", "user")]))
                    .header("Link", &next(false, "0:200:0"))
            }
            ("number", _) => Reply::json(
                200,
                json!([item("tags[Batch Size,number]", "Batch Size", "user")]),
            ),
            ("boolean", _) => Reply::json(200, json!([item("tags[beta,boolean]", "beta", "user")])),
            other => panic!("unexpected request {other:?}"),
        }
    })
}

fn dql(cache: &Path, server: &TestServer) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .current_dir(cache)
        .env("HOME", cache)
        .env("DQL_CACHE_DIR", cache.join("cache"))
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .env_remove("SENTRY_PROJECT");
    command
}

#[test]
fn pull_caches_every_page_and_type_and_check_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = attributes_server();
    let out = dql(dir.path(), &server)
        .args([
            "catalog",
            "pull",
            "--dataset",
            "spans",
            "--project",
            "frontend",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token is never printed");
    // string (two pages), number, boolean.
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r.param("dataset").as_deref(), Some("spans"));
        assert_eq!(r.param("project").as_deref(), Some("frontend"));
    }
    assert_eq!(requests[1].param("cursor").as_deref(), Some("0:100:0"));
    let cache_file = dir.path().join("cache/attributes/acme/spans.json");
    let cache: Value =
        serde_json::from_str(&std::fs::read_to_string(&cache_file).unwrap()).unwrap();
    assert_eq!(cache["org"], "acme");
    assert_eq!(cache["dataset"], "spans");
    assert!(cache["fetched_at"].as_str().unwrap().starts_with("20"));
    let names: Vec<&str> = cache["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "tags[Batch Size,number]",
            "tags[beta,boolean]",
            "checkout.step",
            "device.class",
            "feature.flag"
        ],
        "sorted by name"
    );
    assert_eq!(cache["attributes"][2]["source"], "user");

    // check: an attribute of the org passes; one neither built in nor cached warns, with
    // did-you-mean over both.
    let query = dir.path().join("q.dql");
    std::fs::write(
        &query,
        "SELECT checkout.step, count() FROM spans WHERE checkout.stp:pay device.class:high GROUP BY checkout.step",
    )
    .unwrap();
    let out = dql(dir.path(), &server)
        .args(["check", "--message-format", "json"])
        .arg(&query)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["code"], "dql::catalog::unknown_attribute");
    assert_eq!(lines[0]["fix"]["replacement"], "checkout.step");

    // catalog show lists the cached attributes with their age.
    let out = dql(dir.path(), &server)
        .args(["catalog", "show", "spans", "--grep", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("attributes of acme (cached 0h 0m ago, 5)"),
        "{stdout}"
    );
    assert!(stdout.contains("checkout.step"), "{stdout}");
    assert!(!stdout.contains("device.class"), "--grep filters: {stdout}");
}

#[test]
fn without_a_cache_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::scripted(vec![Reply::json(500, json!({}))]);
    let query = dir.path().join("q.dql");
    std::fs::write(&query, "SELECT checkout.stp FROM spans").unwrap();
    let out = dql(dir.path(), &server)
        .args(["check", "--message-format", "json"])
        .arg(&query)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "",
        "an attribute, offline"
    );
    assert!(server.requests().is_empty(), "check never calls Sentry");
}

#[test]
fn cached_types_type_the_attributes() {
    let mut catalog = Catalog::builtin().clone();
    let attribute = |key: &str, name: &str, ty: &str| OrgAttribute {
        key: key.into(),
        name: name.into(),
        ty: ty.into(),
        source: "user".into(),
    };
    let added = catalog.add_org_attributes(
        "spans",
        &[
            attribute("queue.depth", "queue.depth", "number"),
            attribute("span.op", "span.op", "string"),
        ],
    );
    assert_eq!(added, 1, "a built-in name stays built in");
    let compile = |text: &str| {
        dql::compile_source_with(
            &dql::Source::new("q.dql", text.to_string()),
            &dql::Options::new("2026-12-01T00:00:00Z".parse().unwrap()),
            &catalog,
        )
    };
    // A number from the cache: a numeric argument and a numeric filter.
    let ok = compile("SELECT avg(queue.depth) FROM spans WHERE queue.depth:>10");
    assert!(ok.diagnostics.is_empty(), "{:#?}", ok.diagnostics);
    let bad = compile("SELECT count() FROM spans WHERE queue.depth:>lots");
    assert_eq!(bad.diagnostics[0].code, "dql::filter::invalid_number");
    let unknown = compile("SELECT queue.dpth FROM spans");
    assert_eq!(
        unknown.diagnostics[0].code,
        "dql::catalog::unknown_attribute"
    );
    // Another dataset is untouched.
    let logs = compile("SELECT queue.dpth FROM logs");
    assert!(logs.diagnostics.is_empty());
}
