//! Sentry fidelity (issue 11), end to end against a scripted Sentry on 127.0.0.1.
//!
//! `UPDATE issues`: every PUT is scoped to
//! one project of the listed issues (Sentry scopes a bulk update by the PUT's own `project`
//! and `environment` parameters, `organization_group_index.py` `put`), carries the statement's
//! own query and environments, holds at most 100 ids; a 204 ("No groups found") is a failure
//! naming the ids; only what Sentry confirmed is counted; `dql compile --output curl` prints
//! both steps. An older self-hosted Sentry that refuses `dataset=errors|transactions` gets the
//! request again without it, said with `--verbose`.

use crate::support::binary::{self, Run};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};

fn dql(dir: &tempfile::TempDir, server: Option<&TestServer>, args: &[&str]) -> Run {
    let env = server.map(|s| binary::sentry_env(&s.base_url, TOKEN));
    binary::dql(
        dir.path(),
        args,
        env.as_ref().map_or(&[][..], |e| &e[..]),
        b"",
    )
    .hides(TOKEN)
}

const TOKEN: &str = "sntryu_upd7e57c0ffee5ecre7da7a0123456789";

fn file(dir: &tempfile::TempDir, text: &str) {
    std::fs::write(dir.path().join("u.dql"), text).unwrap();
}

/// 150 issues of project 7 and two of project 9, interleaved as a listing may be.
fn listing() -> Value {
    let mut rows = Vec::new();
    for i in 0..152u32 {
        let project = if i == 3 || i == 120 { "9" } else { "7" };
        rows.push(json!({
            "id": (1000 + i).to_string(),
            "shortId": format!("SHOP-{i}"),
            "title": "TypeError",
            "status": "unresolved",
            "project": {"id": project, "slug": format!("p{project}")},
        }));
    }
    Value::Array(rows)
}

/// An issue of project 9 that matches the statement but was not listed (it came after the
/// listing, or past its LIMIT): an UPDATE must never touch it.
const UNLISTED: &str = "5000";

/// Behaves as Sentry does for a bulk PUT (`update.py` `get_group_ids_and_group_list`): scoped
/// by its `project` params; more than one project with `resolvedInNextRelease` is a 400; ids
/// outside the scope are dropped; when none is left, Sentry searches with the PUT's own
/// `query` instead (here: every issue of the scope, [`UNLISTED`] among them, narrowed by an
/// `issue.id:[…]` filter when the query has one), and only a search that finds nothing is a
/// 204. `gone` ids no longer exist.
fn sentry(gone: &'static [&'static str]) -> TestServer {
    TestServer::start(move |request: &Recorded, _| {
        if request.method == "GET" {
            let limit: usize = request.param("limit").unwrap().parse().unwrap();
            let rows = listing().as_array().unwrap().clone();
            let cursor: usize = request
                .param("cursor")
                .map_or(0, |c| c.split(':').nth(1).unwrap().parse().unwrap());
            let page: Vec<Value> = rows.iter().skip(cursor).take(limit).cloned().collect();
            let next = cursor + limit;
            let more = next < rows.len();
            return Reply::json(200, Value::Array(page)).header(
                "Link",
                &format!(
                    "<{}/?cursor=0:{next}:0>; rel=\"next\"; results=\"{more}\"; cursor=\"0:{next}:0\"",
                    "http://127.0.0.1"
                ),
            );
        }
        let query = request.query();
        let projects: Vec<&str> = query
            .iter()
            .filter(|(k, _)| k == "project")
            .map(|(_, v)| v.as_str())
            .collect();
        let body: Value = serde_json::from_str(&request.body).unwrap();
        if projects.len() != 1 && body["status"] == "resolvedInNextRelease" {
            return Reply::json(
                400,
                json!({"detail": "Cannot set resolved in next release for multiple projects."}),
            );
        }
        let rows = listing();
        let in_scope = query.iter().filter(|(k, _)| k == "id").any(|(_, id)| {
            !gone.contains(&id.as_str())
                && rows.as_array().unwrap().iter().any(|r| {
                    r["id"] == id.as_str()
                        && projects.contains(&r["project"]["id"].as_str().unwrap())
                })
        });
        if in_scope {
            return Reply::json(200, body);
        }
        // The fallback search over the scope's issues.
        let q = request.param("query").unwrap_or_default();
        let only: Option<Vec<&str>> = q
            .split_once("issue.id:[")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(ids, _)| ids.split(',').collect());
        let mut scope: Vec<(String, String)> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let id = r["id"].as_str().unwrap().to_owned();
                (id, r["project"]["id"].as_str().unwrap().to_owned())
            })
            .collect();
        scope.push((UNLISTED.to_owned(), "9".to_owned()));
        let found = scope.iter().any(|(id, project)| {
            projects.contains(&project.as_str())
                && !gone.contains(&id.as_str())
                && only.as_ref().is_none_or(|ids| ids.contains(&id.as_str()))
        });
        if found {
            // Sentry changed issues the statement never listed.
            Reply::json(200, body)
        } else {
            Reply::json(204, json!({"detail": "No groups found"}))
        }
    })
}

const UPDATE: &str = "UPDATE issues SET status = resolvedInNextRelease \
                      WHERE is:unresolved level:error ENVIRONMENT prod, staging LIMIT 500;\n";

#[test]
fn every_put_names_one_project_its_environments_and_at_most_100_ids() {
    let dir = tempfile::tempdir().unwrap();
    file(&dir, UPDATE);
    let server = sentry(&[]);
    let run = dql(
        &dir,
        Some(&server),
        &["run", "u.dql", "--format", "csv", "--yes"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), ["updated", "152"]);
    let puts: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    // Project 7 (first seen) in chunks of 100 and 50, then project 9.
    assert_eq!(puts.len(), 3);
    let mut seen = Vec::new();
    for (put, (project, n)) in puts.iter().zip([("7", 100), ("7", 50), ("9", 2)]) {
        let query = put.query();
        let values = |key: &str| -> Vec<String> {
            query
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .collect()
        };
        assert_eq!(values("project"), [project]);
        assert_eq!(values("environment"), ["prod", "staging"]);
        assert!(values("projectSlug").is_empty());
        let ids = values("id");
        assert_eq!(ids.len(), n);
        // Should Sentry fall back to searching, it finds only this PUT's own ids.
        assert_eq!(
            values("query"),
            [format!(
                "issue.id:[{}] is:unresolved level:error",
                ids.join(",")
            )]
        );
        seen.extend(ids);
        let body: Value = serde_json::from_str(&put.body).unwrap();
        assert_eq!(body, json!({"status": "resolvedInNextRelease"}));
    }
    seen.sort();
    let mut listed: Vec<String> = (0..152).map(|i| (1000 + i).to_string()).collect();
    listed.sort();
    assert_eq!(seen, listed, "exactly the listed ids, each once");
    assert!(puts[2].query().contains(&("id".into(), "1003".into())));
    assert!(puts[2].query().contains(&("id".into(), "1120".into())));
}

#[test]
fn a_204_is_a_failure_naming_the_ids_and_only_confirmed_puts_count() {
    let dir = tempfile::tempdir().unwrap();
    file(&dir, UPDATE);
    // Both issues of project 9 vanished between the listing and the PUT; Sentry's fallback
    // search must not then change the unlisted issue of that project instead.
    let server = sentry(&["1003", "1120"]);
    let run = dql(
        &dir,
        Some(&server),
        &["run", "u.dql", "--format", "csv", "--yes"],
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("dql::client::nothing_updated"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1003, 1120"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("150 of 152 issue(s) changed before this failure; 2 not changed"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("152"), "{}", run.stdout);
}

#[test]
fn listed_issues_without_a_project_are_never_put() {
    let dir = tempfile::tempdir().unwrap();
    file(&dir, UPDATE);
    let server = TestServer::start(|request: &Recorded, _| match request.method.as_str() {
        "GET" => Reply::json(200, json!([{"id": "5", "shortId": "X-1", "title": "t"}])),
        _ => Reply::json(200, json!({})),
    });
    let run = dql(
        &dir,
        Some(&server),
        &["run", "u.dql", "--format", "csv", "--yes"],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("without a project id"),
        "{}",
        run.stderr
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn compile_curl_prints_the_listing_and_the_put_plan() {
    let dir = tempfile::tempdir().unwrap();
    file(&dir, UPDATE);
    let run = dql(
        &dir,
        None,
        &[
            "compile",
            "u.dql",
            "--output",
            "curl",
            "--now",
            "2026-11-26T10:00:00Z",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("curl -sS"), "{}", lines[0]);
    assert!(!lines[0].contains("-X PUT"));
    assert!(lines[0].contains("/api/0/organizations/{org}/issues/?query=is%3Aunresolved"));
    assert!(lines[1].starts_with("# then"), "{}", lines[1]);
    assert!(lines[1].contains("at most 100"), "{}", lines[1]);
    assert!(lines[2].contains("-X PUT"), "{}", lines[2]);
    assert!(lines[2].contains(r#"--data '{"status":"resolvedInNextRelease"}'"#));
    assert!(
        lines[2].contains(
            "issues/?project=PROJECT_ID&query=issue.id%3A%5BISSUE_ID%5D+is%3Aunresolved+level%3Aerror&statsPeriod=14d\
             &environment=prod&environment=staging&id=ISSUE_ID'"
        ),
        "{}",
        lines[2]
    );
}

/// An older self-hosted Sentry: `dataset` must be one of its older `DATASET_OPTIONS`.
fn old_sentry() -> TestServer {
    TestServer::start(
        |request: &Recorded, _| match request.param("dataset").as_deref() {
            Some("errors" | "transactions" | "spans") => Reply::json(
                400,
                json!({"detail": "dataset must be one of: discover, metricsEnhanced, metrics, profiles"}),
            ),
            _ => Reply::json(
                200,
                json!({"data": [{"title": "boom", "count()": 3}], "meta": {"fields": {"title": "string", "count()": "integer"}}}),
            ),
        },
    )
}

#[test]
fn an_old_sentry_refusing_the_dataset_is_asked_again_without_it() {
    let dir = tempfile::tempdir().unwrap();
    for (text, query) in [
        (
            "SELECT title, count() FROM errors WHERE level:error OR level:fatal GROUP BY title;\n",
            "!event.type:transaction (level:error OR level:fatal)",
        ),
        (
            "SELECT title, count() FROM transactions GROUP BY title;\n",
            "event.type:transaction",
        ),
    ] {
        file(&dir, text);
        let server = old_sentry();
        let run = dql(
            &dir,
            Some(&server),
            &["run", "u.dql", "--format", "csv", "--verbose"],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stdout.lines().collect::<Vec<_>>(),
            ["title,count()", "boom,3"]
        );
        assert!(
            run.stderr.contains("refused the `dataset` parameter"),
            "{}",
            run.stderr
        );
        let sent = server.requests();
        assert_eq!(sent.len(), 2, "one retry");
        assert!(sent[0].param("dataset").is_some());
        assert_eq!(sent[1].param("dataset"), None);
        assert_eq!(sent[1].param("query").as_deref(), Some(query));
    }
}

#[test]
fn a_dataset_discover_cannot_stand_for_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    file(
        &dir,
        "SELECT span.op, count() FROM spans GROUP BY span.op;\n",
    );
    let server = old_sentry();
    let run = dql(&dir, Some(&server), &["run", "u.dql", "--format", "csv"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("dataset must be one of"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
}
