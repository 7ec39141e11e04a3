//! The live catalog: `dql catalog pull` against a 127.0.0.1 server answering
//! `/trace-items/attributes/` in the documented shape (sentry-api-2026.md §3: an array of
//! `{key, name, attributeSource: {source_type}, attributeType}`, one `attributeType` per
//! request, paged by the `Link` cursor), the cache it writes, and `check`, `catalog show` and
//! the library using it.

use crate::support::server::{Recorded, Reply, TestServer};
use dql::semantic::Catalog;
use dql::semantic::catalog::OrgAttribute;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const TOKEN: &str = "sntryu_live_catalog_test";

/// The attributes of spans: strings on two pages, one number, one boolean.
fn attributes_server() -> TestServer {
    TestServer::start(|request: &Recorded, _| {
        if request.path() == "/api/0/organizations/acme/events/" {
            // `dql run` of the typed query below.
            return Reply::json(
                200,
                json!({"data": [{"avg(gen_ai.usage.total_tokens)": 1200.5}],
                       "meta": {"fields": {"avg(gen_ai.usage.total_tokens)": "number"}}}),
            );
        }
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
            // A user's number attribute is keyed typed; a Sentry attribute newer than dql's
            // built-in catalog is keyed by its public alias (as_attribute_key in
            // src/sentry/api/endpoints/organization_trace_item_attributes.py).
            ("number", _) => Reply::json(
                200,
                json!([
                    item("tags[Batch Size,number]", "Batch Size", "user"),
                    item(
                        "gen_ai.usage.total_tokens",
                        "gen_ai.usage.total_tokens",
                        "sentry"
                    )
                ]),
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
            "feature.flag",
            "gen_ai.usage.total_tokens"
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
        stdout.contains("attributes of acme (cached 0h 0m ago, 6)"),
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

/// Pulls the attributes of spans into `dir`'s cache.
fn pull(dir: &Path, server: &TestServer) {
    let out = dql(dir, server)
        .args(["catalog", "pull", "--dataset", "spans"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn compile_and_run_type_attributes_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let server = attributes_server();
    let query =
        "SELECT avg(gen_ai.usage.total_tokens) FROM spans WHERE gen_ai.usage.total_tokens:>100";
    // Without the cache the attribute is text: not a numeric argument.
    let out = dql(dir.path(), &server)
        .args(["compile", "--output", "json", "-e", query])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "refused without the cache");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dql::semantic::bad_argument"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pull(dir.path(), &server);
    // With it the cached type makes it a number, in the function and in the filter.
    let out = dql(dir.path(), &server)
        .args(["compile", "--output", "json", "-e", query])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("dql::"), "no diagnostic: {stderr}");
    let compiled: Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = compiled.to_string();
    assert!(url.contains("gen_ai.usage.total_tokens:>100"), "{url}");
    // run: the same check, then the request.
    let out = dql(dir.path(), &server)
        .args(["run", "--format", "csv", "-e", query])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "avg(gen_ai.usage.total_tokens)\n1200.5\n"
    );
    // A user's typed attribute named bare would be a string attribute that matches
    // nothing: a warning whose fix is the typed key.
    let out = dql(dir.path(), &server)
        .args([
            "check",
            "--message-format",
            "json",
            "-e",
            "SELECT count() FROM spans WHERE beta:true",
        ])
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["code"], "dql::catalog::unknown_attribute");
    assert_eq!(line["fix"]["replacement"], "tags[beta,boolean]");
}

#[test]
fn the_repl_describes_and_checks_with_the_cache() {
    use expectrl::Expect;
    let dir = tempfile::tempdir().unwrap();
    let server = attributes_server();
    pull(dir.path(), &server);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dql"));
    command
        .arg("repl")
        .env_clear()
        .env("HOME", dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("DQL_HISTORY", dir.path().join("history"))
        .env("DQL_CACHE_DIR", dir.path().join("cache"))
        .env("SENTRY_URL", &server.base_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_AUTH_TOKEN", TOKEN)
        .current_dir(dir.path());
    let mut session = expectrl::Session::spawn(command).unwrap();
    session.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    session.expect("dql> ").unwrap();
    let mut run = |line: &str, marker: &str| -> String {
        session.send(line).unwrap();
        session.send("\r").unwrap();
        session.expect(marker).unwrap();
        let rest = session.expect("dql> ").unwrap();
        format!("{marker}{}", String::from_utf8_lossy(rest.before()))
    };
    let described = run(".describe spans", "dataset spans");
    assert!(
        described.contains("attributes of the organization (cached)"),
        "{described}"
    );
    assert!(described.contains("checkout.step"), "{described}");
    assert!(described.contains("tags[Batch Size,number]"), "{described}");
    assert!(
        described.contains("span.duration"),
        "built-in fields too: {described}"
    );
    let functions = run(".functions spans", "count(");
    assert!(
        functions.contains("p95([column: numeric = span.duration])"),
        "{functions}"
    );
    run(".compile on", "compile");
    let checked = run(
        "SELECT checkout.stp, avg(gen_ai.usage.total_tokens) FROM spans GROUP BY checkout.stp;",
        "dql::catalog::unknown_attribute",
    );
    assert!(
        checked.contains("did you mean `checkout.step`?"),
        "{checked}"
    );
    assert!(
        !checked.contains("bad_argument"),
        "the cached number type: {checked}"
    );
    session.send("\x04").unwrap();
}
