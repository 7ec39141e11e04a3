//! Gaps left by issues 15 and 19: where SAMPLING and COMPARE TO end a search, ORDER BY under
//! COMPARE TO, the compared chart, and saved-query pull/migrate edges.

use dql::diagnostic::Diagnostic;
use dql::{Options, Source};

fn compile(text: &str) -> (Option<Vec<(String, String)>>, Vec<Diagnostic>) {
    let options = Options::new("2026-12-01T12:00:00Z".parse().unwrap());
    let source = Source::new("<test>", text);
    let c = dql::compile_source(&source, &options);
    let params = c.statements.first().map(|s| s.request.params.clone());
    (params, c.diagnostics)
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Compiles `text`, which must succeed, and returns its parameters.
fn params(text: &str) -> Vec<(String, String)> {
    let (p, d) = compile(text);
    p.unwrap_or_else(|| panic!("{text} did not compile: {d:?}"))
}

#[test]
fn sampling_in_free_text_is_searched_for() {
    for (search, query) in [
        // Adjacent free text is one phrase to Sentry, sent quoted.
        ("sampling error", "\"sampling error\""),
        (
            "level:error sampling failed",
            "level:error \"sampling failed\"",
        ),
        ("sampling", "sampling"),
        ("sampling exactly", "\"sampling exactly\""),
    ] {
        let p = params(&format!("SELECT count() FROM spans WHERE {search}"));
        assert_eq!(param(&p, "query"), Some(query), "{search}");
        assert_eq!(param(&p, "sampling"), None, "{search}");
    }
}

#[test]
fn sampling_followed_by_its_mode_is_the_clause() {
    for (text, mode) in [
        ("WHERE level:error SAMPLING exact", "HIGHEST_ACCURACY"),
        ("WHERE level:error sampling Normal", "NORMAL"),
        ("WHERE level:error\nSAMPLING normal LIMIT 5", "NORMAL"),
    ] {
        let p = params(&format!("SELECT count() FROM spans {text}"));
        assert_eq!(param(&p, "query"), Some("level:error"), "{text}");
        assert_eq!(param(&p, "sampling"), Some(mode), "{text}");
    }
}

#[test]
fn compare_to_in_free_text_is_searched_for() {
    for search in [
        "compare to previous",
        "failed to compare to baseline",
        "compare to",
    ] {
        let p = params(&format!(
            "SELECT count() FROM errors WHERE {search} INTERVAL 1h"
        ));
        let quoted = format!("\"{search}\"");
        assert_eq!(param(&p, "query"), Some(quoted.as_str()), "{search}");
        assert_eq!(param(&p, "comparisonDelta"), None, "{search}");
    }
}

#[test]
fn compare_to_followed_by_a_period_is_the_clause() {
    for text in [
        "WHERE level:error COMPARE TO 7d ago",
        "WHERE level:error compare to 1d",
        "WHERE level:error compare to 7 days ago",
    ] {
        let (p, d) = compile(&format!("SELECT count() FROM errors {text} INTERVAL 1h"));
        // The spelt-out period is an error with a fix; what matters is that the search ended.
        if let Some(p) = p {
            assert_eq!(param(&p, "query"), Some("level:error"), "{text}");
            assert!(param(&p, "comparisonDelta").is_some(), "{text}");
        } else {
            assert!(
                d.iter().any(|d| d.code == "dql::semantic::bad_compare"),
                "{text}: {d:?}"
            );
        }
    }
}

#[test]
fn sorting_by_a_column_compare_to_adds_is_refused_with_a_fix() {
    for (order, stem) in [
        ("c_previous DESC", "c"),
        ("c_change", "c"),
        ("-c_change_pct", "c"),
        ("count_previous", "count()"),
        (
            "p95_transaction_duration_change DESC",
            "p95(transaction.duration)",
        ),
    ] {
        let text = format!(
            "SELECT transaction, count() AS c, count(), p95(transaction.duration) FROM transactions \
             GROUP BY transaction ORDER BY {order} COMPARE TO 7d"
        );
        let (p, d) = compile(&text);
        assert!(p.is_none(), "{order} compiled");
        let e: Vec<_> = d
            .iter()
            .filter(|d| d.code == "dql::semantic::compare_sort")
            .collect();
        assert_eq!(e.len(), 1, "{order}: {d:?}");
        assert_eq!(d.len(), 1, "{order}: only the one error: {d:?}");
        let name = order.trim_start_matches('-').split(' ').next().unwrap();
        let at = text.find(name).unwrap();
        assert_eq!(e[0].labels[0].span.start as usize, at, "{order}");
        assert_eq!(e[0].labels[0].span.end as usize, at + name.len(), "{order}");
        assert!(
            e[0].help.as_deref().unwrap().contains(stem),
            "{:?}",
            e[0].help
        );
        assert_eq!(e[0].fix.as_ref().unwrap().replacement, stem, "{order}");
    }
}

#[test]
fn sorting_by_the_compared_value_itself_is_honoured() {
    let p = params(
        "SELECT transaction, count() AS c FROM transactions GROUP BY transaction \
         ORDER BY c DESC COMPARE TO 7d",
    );
    assert_eq!(param(&p, "sort"), Some("-count()"));
    // Without COMPARE TO, a `_previous` name is an ordinary (ungrouped) field.
    let (_, d) = compile(
        "SELECT transaction, count() AS c FROM transactions GROUP BY transaction ORDER BY c_previous",
    );
    assert!(
        d.iter()
            .any(|d| d.code == "dql::semantic::sort_not_grouped"),
        "{d:?}"
    );
}

/// A Sentry whose Explore list answers 403 (a token without access to it); its Discover list
/// answers 403 too when `discover_forbidden`.
fn forbidding_sentry(discover_forbidden: bool) -> super::support::server::TestServer {
    use super::saved_support::{DISCOVER, EXPLORE, discover_seed};
    use super::support::server::{Recorded, Reply, TestServer};
    use serde_json::{Value, json};
    let denied = || {
        Reply::json(
            403,
            json!({"detail": "You do not have permission to perform this action."}),
        )
    };
    TestServer::start(move |request: &Recorded, _| {
        let path = request.path();
        if path == EXPLORE || (discover_forbidden && path == DISCOVER) {
            return denied();
        }
        if path == DISCOVER {
            let page: Vec<Value> = discover_seed()
                .into_iter()
                .map(|(id, mut q)| {
                    q.insert("id".into(), json!(id.to_string()));
                    Value::Object(q)
                })
                .collect();
            return Reply::json(200, Value::Array(page));
        }
        Reply::json(
            404,
            json!({"detail": "The requested resource does not exist"}),
        )
    })
}

#[test]
fn pull_keeps_the_discover_side_when_explore_is_forbidden() {
    use super::saved_support::{dql, listing};
    let server = forbidding_sentry(false);
    let dir = tempfile::tempdir().unwrap();
    let run = dql(dir.path(), &server, &["pull", "--dir", "queries"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("dql::saved::explore_forbidden"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`org:read`"), "{}", run.stderr);
    let seeded = super::saved_support::discover_seed().len();
    assert_eq!(listing(dir.path()).len(), seeded, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("({seeded} Discover, 0 Explore)")),
        "{}",
        run.stderr
    );
}

#[test]
fn pull_fails_when_nothing_can_be_listed() {
    use super::saved_support::dql;
    let server = forbidding_sentry(true);
    let dir = tempfile::tempdir().unwrap();
    let run = dql(dir.path(), &server, &["pull", "--dir", "queries"]);
    // README "Exit codes": 3 for a 403.
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("dql::client::forbidden"),
        "{}",
        run.stderr
    );
}

/// A pulled Discover transaction query with its chart settings kept in `-- @saved`.
const PULLED: &str = "-- @name slow_pages
-- @id 7
-- @source discover
-- @saved {\"display\":\"dailytop5\",\"topEvents\":5,\"yAxis\":[\"count()\",\"p50()\"]}
SELECT transaction, count() FROM transactions GROUP BY transaction ORDER BY count() DESC SINCE 7d
";

#[test]
fn a_migrated_file_with_discover_chart_settings_pushes_as_it_is() {
    use dql::semantic::Catalog;
    let migration =
        dql::migrate::migrate(&Source::new("slow_pages.dql", PULLED), Catalog::builtin());
    let text = &migration.text;
    assert!(text.contains("-- @source explore"), "{text}");
    // display dailytop5: bars (chartType 0) by day; topEvents and the unselected p50() dropped.
    let saved_line = text
        .lines()
        .find(|l| l.starts_with("-- @saved "))
        .unwrap_or_else(|| panic!("{text}"));
    let saved: serde_json::Value =
        serde_json::from_str(saved_line.trim_start_matches("-- @saved ")).unwrap();
    assert_eq!(
        saved,
        serde_json::json!({"interval": "1d", "query": [{"aggregateField": [
            {"groupBy": "transaction"}, {"yAxes": ["count()"], "chartType": 0}]}]})
    );
    let warned: Vec<&str> = migration
        .reports
        .iter()
        .filter(|d| d.code == "dql::migrate::chart_dropped")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warned.len(), 2, "{:?}", migration.reports);
    assert!(warned.iter().any(|m| m.contains("topEvents")), "{warned:?}");
    assert!(warned.iter().any(|m| m.contains("p50()")), "{warned:?}");
    assert!(
        migration.reports.iter().all(|d| !d.is_error()),
        "{:?}",
        migration.reports
    );
    // What push compiles: no error, and the Explore body carries the chart types.
    let file = dql::saved::saved_queries(
        &Source::new("slow_pages.dql", text.as_str()),
        Catalog::builtin(),
    );
    assert!(!file.has_errors(), "{:?}", file.diagnostics);
    let body = serde_json::Value::Object(file.queries[0].body.clone());
    assert_eq!(body["interval"], serde_json::json!("1d"), "{body}");
    assert_eq!(
        body["query"][0]["aggregateField"][1]["chartType"],
        serde_json::json!(0),
        "{body}"
    );
}

#[test]
fn a_migrated_file_without_chart_settings_is_left_alone() {
    let text = PULLED.replace(
        "-- @saved {\"display\":\"dailytop5\",\"topEvents\":5,\"yAxis\":[\"count()\",\"p50()\"]}\n",
        "-- @saved {\"name\":\"Slow pages!\"}\n",
    );
    let migration = dql::migrate::migrate(
        &Source::new("f.dql", text.as_str()),
        dql::semantic::Catalog::builtin(),
    );
    assert!(
        migration
            .text
            .contains("-- @saved {\"name\":\"Slow pages!\"}"),
        "{}",
        migration.text
    );
    assert!(migration.reports.is_empty(), "{:?}", migration.reports);
}
