//! `dql pull`, `dql diff` and `dql push` end to end against a 127.0.0.1 stand-in that keeps
//! Discover and Explore saved queries as Sentry does (`tests/integration/saved_support/`): pull → edit →
//! diff → push → pull over both sources, the deprecated `queryDataset: discover` and
//! `transaction-like` queries, `dql migrate` moving a transaction query to spans and `push`
//! creating it in Explore, an older Sentry without Explore, and the refusals.

use crate::saved_support;

use crate::saved_support::{DISCOVER as LIST, EXPLORE, dql, listing, read, start};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};

#[test]
fn pull_edit_diff_push_pull() {
    let sentry = start(true);
    let (server, discover, explore) = (&sentry.server, &sentry.discover, &sentry.explore);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // pull: one canonical file per query, across the lists' pages, both sources; Sentry's
    // prebuilt Explore query is left out.
    let pulled = dql(dir, server, &["pull", "--verbose"]);
    assert_eq!(pulled.code, 0, "{}", pulled.stderr);
    assert!(
        pulled
            .stderr
            .contains("pulled 5 saved queries (3 Discover, 2 Explore) into queries: 5 written"),
        "{}",
        pulled.stderr
    );
    assert!(
        pulled
            .stderr
            .contains("1 prebuilt Explore queries left out"),
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
    assert_eq!(
        listing(dir),
        [
            "all_events.dql",
            "cache_gets.dql",
            "errors_by_browser.dql",
            "errors_by_release.dql",
            "slow_db_ops.dql"
        ]
    );
    assert_eq!(
        read(dir, "all_events.dql"),
        r#"-- @name all_events
-- @id 2
-- @source discover
-- @saved {"display":"default","name":"All Events","yAxis":["count()"]}
SELECT transaction, project, count(), avg(transaction.duration), p75(), p95()
FROM transactions
WHERE transaction:/api/foo
ORDER BY count() DESC
SINCE 24h;
"#
    );
    assert_eq!(
        read(dir, "slow_db_ops.dql"),
        r#"-- @name slow_db_ops
-- @id 1
-- @source explore
-- @saved {"interval":"1h","name":"Slow DB ops","query":[{"aggregateField":[{"groupBy":"span.op"},{"chartType":1,"yAxes":["p95(span.duration)"]},{"chartType":0,"yAxes":["count()"]}],"fields":["id","span.description","span.duration","timestamp"],"orderby":"-timestamp"}]}
SELECT span.op, p95(span.duration), count()
FROM spans
WHERE span.op:db*
ORDER BY p95(span.duration) DESC
SINCE 7d
PROJECT 1
ENVIRONMENT production;
"#
    );
    assert_eq!(
        read(dir, "cache_gets.dql"),
        "-- @name cache_gets\n-- @id 3\n-- @source explore\nSELECT span.op, span.duration, timestamp\nFROM spans\nWHERE span.op:cache.get\nORDER BY timestamp DESC\nSINCE 24h;\n"
    );
    // The pulled files check as they are, the deprecated `discover` one too.
    for file in ["errors_by_browser.dql", "slow_db_ops.dql"] {
        let checked = dql(dir, server, &["check", &format!("queries/{file}")]);
        assert_eq!(checked.code, 0, "{file}: {}", checked.stderr);
    }

    // Nothing differs right after a pull.
    let same = dql(dir, server, &["diff"]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stderr.contains("no differences"));

    // Edit a Discover and an Explore query, add one of each, describe one.
    let edited = read(dir, "errors_by_release.dql")
        .replace(
            "SELECT release, count()",
            "SELECT release, count(), count_unique(user)",
        )
        .replace("WHERE level:error", "WHERE level:fatal")
        .replace(
            "-- @name errors_by_release\n",
            "-- @name errors_by_release\n-- @description Fatal errors per release, for the release review\n",
        );
    std::fs::write(dir.join("queries/errors_by_release.dql"), &edited).unwrap();
    let cache = read(dir, "cache_gets.dql").replace(
        "WHERE span.op:cache.get",
        "WHERE span.op:cache.get span.duration:>10ms",
    );
    std::fs::write(dir.join("queries/cache_gets.dql"), &cache).unwrap();
    std::fs::write(
        dir.join("queries/slow_pages.dql"),
        "-- @name slow_pages\nselect transaction, p95() from transactions order by -p95() since 7d",
    )
    .unwrap();
    std::fs::write(
        dir.join("queries/log_errors.dql"),
        "-- @name log_errors\nselect severity, count() from logs where severity:error since 24h",
    )
    .unwrap();

    let differ = dql(dir, server, &["diff"]);
    assert_eq!(differ.code, 1, "{}{}", differ.stdout, differ.stderr);
    assert_eq!(
        differ.stdout,
        "queries/cache_gets.dql (cache_gets, explore id 3): 1 change(s)\n  \
         + filter `span.duration:>10ms`\n\
         queries/errors_by_release.dql (errors_by_release, discover id 9): 3 change(s)\n  \
         + column `count_unique(user)`\n  - filter `level:error`\n  + filter `level:fatal`\n\
         queries/log_errors.dql (log_errors): not on the server (push creates it)\n\
         queries/slow_pages.dql (slow_pages): not on the server (push creates it)\n"
    );

    // Without a terminal and without --yes nothing is sent.
    let before = server.requests().len();
    let refused = dql(dir, server, &["push"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    let dry = dql(dir, server, &["push", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    for request in [
        format!("PUT {}{LIST}9/\n", server.base_url),
        format!("POST {}{LIST}\n", server.base_url),
        format!("PUT {}{EXPLORE}3/\n", server.base_url),
        format!("POST {}{EXPLORE}\n", server.base_url),
        r#""query":"level:fatal""#.to_owned(),
    ] {
        assert!(dry.stdout.contains(&request), "{request}: {}", dry.stdout);
    }
    let writes = server.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0, "a refused or dry push sent something");

    let pushed = dql(dir, server, &["push", "--yes"]);
    assert_eq!(pushed.code, 0, "{}{}", pushed.stdout, pushed.stderr);
    for line in [
        "created slow_pages (discover id 100)",
        "created log_errors (explore id 200)",
        "updated cache_gets (explore id 3)",
    ] {
        assert!(pushed.stderr.contains(line), "{line}: {}", pushed.stderr);
    }
    {
        let discover = discover.lock().unwrap();
        assert_eq!(
            discover[&9]["fields"],
            json!(["release", "count()", "count_unique(user)"])
        );
        assert_eq!(discover[&9]["query"], json!("level:fatal"));
        assert_eq!(discover[&9]["name"], json!("errors_by_release"));
        assert_eq!(
            Value::Object(discover[&100].clone()),
            json!({"name": "slow_pages", "fields": ["transaction", "p95()"], "orderby": "-p95()",
                "range": "7d", "projects": [], "queryDataset": "transaction-like", "version": 2})
        );
        // The chart settings kept verbatim went back unchanged.
        assert_eq!(discover[&2]["display"], json!("default"));
        let explore = explore.lock().unwrap();
        assert_eq!(
            explore[&3]["query"][0]["query"],
            json!("span.op:cache.get span.duration:>10ms")
        );
        assert_eq!(
            Value::Object(explore[&200].clone()),
            json!({"name": "log_errors", "dataset": "logs", "range": "24h", "projects": [],
                "query": [{"mode": "aggregate", "query": "severity:error",
                "aggregateField": [{"groupBy": "severity"}, {"yAxes": ["count()"]}]}]})
        );
    }
    // The created queries' ids are written into their files.
    assert!(read(dir, "slow_pages.dql").starts_with("-- @id 100\n-- @name slow_pages\n"));
    assert!(read(dir, "log_errors.dql").starts_with("-- @id 200\n-- @name log_errors\n"));

    // pull again: the edited files are unchanged (the description stays); the new ones are
    // rewritten canonically in place.
    let again = dql(dir, server, &["pull"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains(
            "pulled 7 saved queries (4 Discover, 3 Explore) into queries: 2 written, 5 unchanged"
        ),
        "{}",
        again.stderr
    );
    assert!(
        !again.stderr.contains("prebuilt"),
        "said without --verbose: {}",
        again.stderr
    );
    assert_eq!(read(dir, "errors_by_release.dql"), edited);
    assert_eq!(read(dir, "cache_gets.dql"), cache);
    assert_eq!(
        read(dir, "slow_pages.dql"),
        "-- @name slow_pages\n-- @id 100\n-- @source discover\nSELECT transaction, p95()\nFROM transactions\nORDER BY p95() DESC\nSINCE 7d;\n"
    );
    assert_eq!(
        read(dir, "log_errors.dql"),
        "-- @name log_errors\n-- @id 200\n-- @source explore\nSELECT severity, count()\nFROM logs\nWHERE severity:error\nSINCE 24h;\n"
    );
    let clean = dql(dir, server, &["diff"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let nothing = dql(dir, server, &["push", "--yes"]);
    assert_eq!(nothing.code, 0);
    assert!(
        nothing.stderr.contains("nothing to push"),
        "{}",
        nothing.stderr
    );

    // --prune deletes what no file names, never a prebuilt query; without it nothing is ever
    // deleted.
    std::fs::remove_file(dir.join("queries/errors_by_browser.dql")).unwrap();
    std::fs::remove_file(dir.join("queries/slow_db_ops.dql")).unwrap();
    let listed = dql(dir, server, &["diff"]);
    assert_eq!(listed.code, 1);
    for line in [
        r#"only on the server: "Errors by browser" (discover id 5)"#,
        r#"only on the server: "Slow DB ops" (explore id 1)"#,
    ] {
        assert!(listed.stdout.contains(line), "{line}: {}", listed.stdout);
    }
    assert!(
        !listed.stdout.contains("All Transactions"),
        "{}",
        listed.stdout
    );
    let kept = dql(dir, server, &["push", "--yes"]);
    assert_eq!(kept.code, 0);
    assert!(discover.lock().unwrap().contains_key(&5));
    let pruned = dql(dir, server, &["push", "--yes", "--prune"]);
    assert_eq!(pruned.code, 0, "{}", pruned.stderr);
    assert!(
        pruned
            .stdout
            .contains(r#"delete "Errors by browser" (discover id 5)"#),
        "{}",
        pruned.stdout
    );
    assert!(!discover.lock().unwrap().contains_key(&5));
    let explore = explore.lock().unwrap();
    assert!(!explore.contains_key(&1));
    assert!(explore.contains_key(&4), "the prebuilt query was deleted");
}

#[test]
fn push_refuses_what_cannot_be_a_saved_query() {
    let sentry = start(true);
    let server = &sentry.server;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("queries")).unwrap();
    for (file, text) in [
        (
            "issues.dql",
            "UPDATE issues SET status = resolved WHERE is:unresolved",
        ),
        ("event.dql", "SHOW EVENT 0123456789abcdef0123456789abcdef"),
        (
            "two.dql",
            "SELECT count() FROM errors; SELECT count() FROM transactions LIMIT 10",
        ),
        (
            "wrong.dql",
            "-- @name wrong\n-- @source explore\nSELECT count() FROM errors",
        ),
    ] {
        std::fs::write(dir.join("queries").join(file), text).unwrap();
    }
    let refused = dql(dir, server, &["push", "--yes"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    for reason in [
        "dql::saved::not_a_saved_query",
        "UPDATE changes issues",
        "SHOW EVENT looks up one event",
        "keep this statement in a file that `dql push` is not given",
        "dql::saved::unnamed",
        "add `-- @name some_name` above it",
        "dql::saved::inexpressible",
        "no row limit",
        "dql::saved::wrong_source",
        "Explore saves queries over spans, logs and tracemetrics, not `errors`",
        // The span: the refused statement's line is shown under its file.
        "queries/event.dql:1:1",
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
fn migrate_moves_transaction_queries_to_explore_and_push_creates_them_there() {
    let sentry = start(true);
    let (server, discover, explore) = (&sentry.server, &sentry.discover, &sentry.explore);
    // A deprecated `discover` query over transactions, beside the seed's `discover` one over
    // errors.
    discover.lock().unwrap().insert(
        7,
        saved_support::object(json!({
            "name": "checkout_latency", "queryDataset": "discover", "version": 2,
            "fields": ["transaction", "p95(transaction.duration)"],
            "query": "event.type:transaction transaction:/checkout*", "range": "7d",
            "orderby": "-p95_transaction_duration", "projects": [1]
        })),
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(dql(dir, server, &["pull"]).code, 0);
    assert!(read(dir, "checkout_latency.dql").contains("FROM discover\n"));

    // The errors in `discover` have no spans equivalent: migrate says so and leaves the file.
    let browser = read(dir, "errors_by_browser.dql");
    let refused = dql(dir, server, &["migrate", "queries/errors_by_browser.dql"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("dql::migrate::mixed_dataset"),
        "{}",
        refused.stderr
    );
    assert_eq!(read(dir, "errors_by_browser.dql"), browser);

    // The `transaction-like` and the `discover` transaction queries move to spans, and to
    // Explore: `@source explore`, their Discover `@id` gone.
    for file in ["all_events.dql", "checkout_latency.dql"] {
        let migrated = dql(dir, server, &["migrate", &format!("queries/{file}")]);
        assert_eq!(migrated.code, 0, "{file}: {}", migrated.stderr);
    }
    let all_events = read(dir, "all_events.dql");
    assert_eq!(
        all_events,
        r#"-- @name all_events
-- @source explore
-- @saved {"name":"All Events","query":[{"aggregateField":[{"groupBy":"transaction"},{"groupBy":"project"},{"chartType":2,"yAxes":["count()"]},{"chartType":2,"yAxes":["avg(span.duration)"]},{"chartType":2,"yAxes":["p75()"]},{"chartType":2,"yAxes":["p95()"]}]}]}
SELECT transaction, project, count(), avg(span.duration), p75(), p95()
FROM spans
WHERE transaction:/api/foo AND is_transaction:true
ORDER BY count() DESC
SINCE 24h;
"#
    );
    assert!(
        read(dir, "checkout_latency.dql")
            .starts_with("-- @name checkout_latency\n-- @source explore\nSELECT"),
        "{}",
        read(dir, "checkout_latency.dql")
    );
    // Discover's chart settings became Explore's (`display` default: area charts), as Sentry's
    // migration writes them: the migrated file diffs and pushes as it is.
    let differ = dql(dir, server, &["diff"]);
    assert_eq!(differ.code, 1, "{}", differ.stderr);
    for line in [
        "queries/all_events.dql (all_events): not on the server (push creates it)",
        r#"only on the server: "All Events" (discover id 2)"#,
        r#"only on the server: "checkout_latency" (discover id 7)"#,
    ] {
        assert!(differ.stdout.contains(line), "{line}: {}", differ.stdout);
    }
    let pushed = dql(dir, server, &["push", "--yes", "--prune"]);
    assert_eq!(pushed.code, 0, "{}{}", pushed.stdout, pushed.stderr);
    let explore = explore.lock().unwrap();
    let created: Vec<&serde_json::Map<String, Value>> = explore
        .values()
        .filter(|q| q.get("name") == Some(&json!("All Events")))
        .collect();
    assert_eq!(created.len(), 1, "{explore:?}");
    assert_eq!(
        Value::Object(created[0].clone()),
        json!({"name": "All Events", "dataset": "spans", "range": "24h", "projects": [],
            "query": [{"mode": "aggregate",
                "query": "transaction:/api/foo is_transaction:true",
                "aggregateField": [{"groupBy": "transaction"}, {"groupBy": "project"},
                    {"yAxes": ["count()"], "chartType": 2},
                    {"yAxes": ["avg(span.duration)"], "chartType": 2},
                    {"yAxes": ["p75()"], "chartType": 2}, {"yAxes": ["p95()"], "chartType": 2}],
                "aggregateOrderby": "-count()"}]})
    );
    // --prune removed the Discover originals no file names any more.
    let discover = discover.lock().unwrap();
    assert!(!discover.contains_key(&2) && !discover.contains_key(&7));
    assert!(
        discover.contains_key(&5),
        "the errors query stays in Discover"
    );
    assert!(read(dir, "all_events.dql").starts_with("-- @id "));
}

#[test]
fn an_older_sentry_without_explore_is_skipped_and_said_with_verbose() {
    let sentry = start(false);
    let server = &sentry.server;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let quiet = dql(dir, server, &["pull"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        !quiet.stderr.contains("Explore saved queries ("),
        "{}",
        quiet.stderr
    );
    let verbose = dql(dir, server, &["pull", "--verbose"]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    assert!(
        verbose.stderr.contains(
            "note: the server has no Explore saved queries (its list, `/explore/saved/`, answered 404"
        ),
        "{}",
        verbose.stderr
    );
    assert!(
        verbose
            .stderr
            .contains("pulled 3 saved queries (3 Discover, 0 Explore)"),
        "{}",
        verbose.stderr
    );
    // diff of the whole directory still works; pushing a spans query says why it cannot.
    assert_eq!(dql(dir, server, &["diff"]).code, 0);
    std::fs::write(
        dir.join("queries/spans.dql"),
        "-- @name spans_q\nSELECT span.op, count() FROM spans",
    )
    .unwrap();
    let pushed = dql(dir, server, &["push", "--yes"]);
    assert_ne!(pushed.code, 0, "{}", pushed.stderr);
    assert!(
        pushed.stderr.contains("404") || pushed.stderr.contains("not found"),
        "{}",
        pushed.stderr
    );
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
