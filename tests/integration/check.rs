//! The semantic checker: every `tests/errors/semantic_*.dql` file produces the code its
//! `-- expect:` line names, with the primary span on the named text; plus rule tests.

use dql::semantic::checked::{CheckedKind, ColumnValue, FunctionArgKind, Projects, TimePoint};
use dql::semantic::{self, Catalog, CheckOptions, Checked, Params};
use dql::{Diagnostic, Source, syntax};
use std::path::Path;

fn check_with(
    text: &str,
    params: &Params,
    options: CheckOptions,
) -> (Source, Vec<Diagnostic>, Checked) {
    let source = Source::new("test.dql", text.to_string());
    let parsed = syntax::parse(&source);
    let checked = semantic::check(&parsed.file, Catalog::builtin(), params, &options);
    (source, parsed.diagnostics, checked)
}

fn check(text: &str) -> Checked {
    let (source, syntax, checked) = check_with(text, &Params::new(), CheckOptions::default());
    assert!(
        syntax.iter().all(|d| !d.is_error()),
        "syntax errors in {text}:\n{}",
        dql::diagnostic::render(&source, &syntax, false, 80)
    );
    checked
}

fn codes(checked: &Checked) -> Vec<&'static str> {
    checked.diagnostics.iter().map(|d| d.code).collect()
}

/// Whether the filter parser is in this build (it lands with the filter branch).
fn filters_parse() -> bool {
    let (filter, diagnostics) = syntax::parse_search("level:error");
    filter.is_some() && diagnostics.iter().all(|d| !d.is_error())
}

#[test]
fn every_semantic_error_file_reports_its_code_on_the_right_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    let mut seen = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/errors exists") {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(code) = file
            .strip_prefix("semantic_")
            .and_then(|f| f.strip_suffix(".dql"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .find_map(|l| l.strip_prefix("-- expect: "))
            .unwrap_or_else(|| panic!("{file}: no `-- expect:` line"));
        let (expected_code, snippet) = expect.split_once(" at ").expect("`CODE at \"text\"`");
        let snippet = snippet.trim().trim_matches('"');
        assert_eq!(
            expected_code,
            format!("dql::semantic::{code}"),
            "{file}: file name and code differ"
        );
        let mut params = Params::new();
        let mut options = CheckOptions::default();
        if let Some(args) = text.lines().find_map(|l| l.strip_prefix("-- check: ")) {
            let mut words = args.split_whitespace();
            while let Some(word) = words.next() {
                match word {
                    "--strict" => options.strict = true,
                    "--param" => {
                        let (k, v) = words.next().unwrap().split_once('=').unwrap();
                        params.bind(k, v);
                    }
                    other => panic!("{file}: unknown check option {other}"),
                }
            }
        }
        let uses_filter = text.contains("WHERE") || text.contains("HAVING");
        if uses_filter && !filters_parse() {
            continue;
        }
        seen += 1;
        let (source, syntax, checked) = check_with(&text, &params, options);
        if syntax.iter().any(|d| d.is_error()) {
            failures.push(format!(
                "{file}: syntax errors:\n{}",
                dql::diagnostic::render(&source, &syntax, false, 80)
            ));
            continue;
        }
        let found = checked.diagnostics.iter().any(|d| {
            d.code == expected_code
                && d.span().slice(source.text()) == Some(snippet)
                && d.help.is_some()
        });
        if !found {
            failures.push(format!(
                "{file}: expected {expected_code} at {snippet:?} with help; got:\n{}",
                dql::diagnostic::render(&source, &checked.diagnostics, false, 80)
            ));
        }
        if !checked.diagnostics.iter().any(Diagnostic::is_error) {
            failures.push(format!("{file}: no error, so the statement would compile"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(seen >= 50, "only {seen} semantic error files were checked");
}

#[test]
fn every_code_has_an_error_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    for code in dql::registry::SemanticCode::ALL {
        let name = dql::diagnostic::Code::code(*code)
            .trim_start_matches("dql::semantic::")
            .to_string();
        assert!(
            dir.join(format!("semantic_{name}.dql")).exists(),
            "no tests/errors/semantic_{name}.dql"
        );
    }
}

#[test]
fn a_valid_query_checks_into_the_contract_types() {
    let checked = check(
        "-- @name slow\nSELECT transaction, p95() AS p, count_if(transaction.duration, greater, 300) / count() * 100 AS pct\n\
         FROM transactions GROUP BY transaction ORDER BY -p LIMIT 10 SINCE 7d UNTIL 1d PROJECT 1, 2 ENVIRONMENT prod",
    );
    assert_eq!(codes(&checked), Vec::<&str>::new());
    let statement = &checked.statements[0];
    assert_eq!(statement.name.as_deref(), Some("slow"));
    let CheckedKind::Events(q) = &statement.kind else {
        panic!("events")
    };
    assert_eq!(q.dataset, "transactions");
    assert!(q.aggregate);
    let canon: Vec<String> = q.columns.iter().map(|c| c.value.canonical()).collect();
    assert_eq!(
        canon,
        [
            "transaction",
            "p95()",
            "equation|count_if(transaction.duration,greater,300) / count() * 100"
        ]
    );
    assert_eq!(q.columns[1].label, "p");
    let ColumnValue::Function(p95) = &q.columns[1].value else {
        panic!()
    };
    assert!(p95.args.is_empty());
    assert_eq!(p95.effective_args[0].text, "transaction.duration");
    assert_eq!(p95.ty.map(|t| t.meta_type()), Some("duration"));
    assert_eq!(
        q.group_by
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["transaction"]
    );
    assert_eq!(q.order_by.len(), 1);
    assert!(q.order_by[0].descending);
    assert_eq!(q.order_by[0].value.canonical(), "p95()");
    assert_eq!(q.limit, Some(10));
    assert!(matches!(&q.time.since, Some(TimePoint::Ago(p)) if p.seconds == 7 * 86_400));
    assert_eq!(q.projects, Projects::Ids(vec![1, 2]));
    assert_eq!(q.environments, ["prod"]);
}

#[test]
fn everything_is_reported_at_once_in_source_order() {
    let checked = check("SELECT cout(), avg(browser.name) FROM errors LIMIT 0 SINCE 2026-13-01");
    assert_eq!(
        codes(&checked),
        [
            "dql::semantic::unknown_function",
            "dql::semantic::bad_argument",
            "dql::semantic::bad_limit",
            "dql::semantic::bad_time"
        ]
    );
    assert!(checked.statements.is_empty());
}

#[test]
fn fix_its() {
    let (source, _, checked) = check_with(
        "SELECT count(*), count(DISTINCT user) FROM errors",
        &Params::new(),
        CheckOptions::default(),
    );
    let fixes: Vec<(&str, &str)> = checked
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .map(|f| (f.span.slice(source.text()).unwrap(), f.replacement.as_str()))
        .collect();
    assert_eq!(
        fixes,
        [
            ("count(*)", "count()"),
            ("count(DISTINCT user)", "count_unique(user)")
        ]
    );
    let checked = check("SELECT count_unique(DISTINCT user) FROM errors");
    assert_eq!(checked.diagnostics[0].severity, dql::Severity::Warning);
    assert_eq!(checked.statements.len(), 1, "a warning keeps the statement");
}

#[test]
fn near_names_warn_and_strict_makes_them_errors() {
    let text =
        "SELECT transaction.durtion, browser.name, tags[transaction.durtion] FROM transactions";
    let checked = check(text);
    assert_eq!(codes(&checked), ["dql::semantic::near_name"]);
    assert!(
        checked.diagnostics[0]
            .message
            .contains("`transaction.duration`")
    );
    assert_eq!(checked.statements.len(), 1);
    let (_, _, strict) = check_with(text, &Params::new(), CheckOptions { strict: true });
    assert!(strict.diagnostics[0].is_error());
    assert!(strict.statements.is_empty());
    // A far name is a tag without a word.
    assert!(check("SELECT os.name FROM errors").diagnostics.is_empty());
}

#[test]
fn dataset_rules() {
    let checked = check("SELECT p95(transaction.duration) FROM errors");
    let d = &checked.diagnostics;
    assert_eq!(d[0].code, "dql::semantic::not_in_dataset");
    assert_eq!(d[0].help.as_deref(), Some("add `FROM transactions`"));
    // Without FROM the dataset is errors.
    let checked = check("SELECT measurements.lcp");
    assert_eq!(codes(&checked), ["dql::semantic::not_in_dataset"]);
    // discover has both.
    assert!(
        check("SELECT p95(), level FROM discover")
            .diagnostics
            .is_empty()
    );
    // level is a promoted tag: a tag on transactions, not an error.
    assert!(
        check("SELECT level FROM transactions")
            .diagnostics
            .is_empty()
    );
    // spans have their own catalog (tests/integration/trace_items.rs has the rules).
    assert_eq!(
        codes(&check("SELECT span.op, count(span.duration) FROM spans")),
        Vec::<&str>::new()
    );
}

#[test]
fn star_expands_in_raw_queries_only() {
    let checked = check("SELECT * FROM transactions ORDER BY 4");
    let CheckedKind::Events(q) = &checked.statements[0].kind else {
        panic!()
    };
    let names: Vec<String> = q.columns.iter().map(|c| c.label.clone()).collect();
    assert_eq!(
        names,
        [
            "id",
            "transaction",
            "project",
            "transaction.duration",
            "user.display",
            "timestamp"
        ]
    );
    assert_eq!(q.order_by[0].value.canonical(), "transaction.duration");
    assert_eq!(
        codes(&check("SELECT * FROM errors GROUP BY title")),
        ["dql::semantic::star_not_allowed"]
    );
}

#[test]
fn grouping_rules() {
    let checked = check("SELECT DISTINCT browser.name, os.name FROM errors");
    let CheckedKind::Events(q) = &checked.statements[0].kind else {
        panic!()
    };
    assert!(q.aggregate);
    assert_eq!(q.group_by.len(), 2);
    // Implicit grouping: aggregates and plain fields without GROUP BY.
    let checked = check("SELECT release, count() FROM errors ORDER BY release");
    assert!(checked.diagnostics.is_empty());
    // A GROUP BY alias of a plain field resolves.
    assert!(
        check("SELECT release AS r, count() FROM errors GROUP BY r")
            .diagnostics
            .is_empty()
    );
    assert_eq!(
        codes(&check("SELECT count() AS n FROM errors GROUP BY n")),
        ["dql::semantic::aggregate_in_group_by"]
    );
    // Sorting an aggregate query by an aggregate that is not selected is allowed (hidden).
    assert!(
        check("SELECT release FROM errors GROUP BY release ORDER BY count()")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn series_rules() {
    assert!(
        check("SELECT count(), release FROM errors GROUP BY release LIMIT 5 INTERVAL 1h SINCE 3d")
            .diagnostics
            .is_empty()
    );
    assert_eq!(
        codes(&check(
            "SELECT count(), release FROM errors GROUP BY release INTERVAL 1h"
        )),
        ["dql::semantic::top_n_limit"]
    );
    assert_eq!(
        codes(&check("SELECT count() FROM errors INTERVAL 1m SINCE 30d")),
        ["dql::semantic::bad_interval"]
    );
    assert_eq!(
        codes(&check("SELECT count() FROM errors INTERVAL 2d SINCE 1d")),
        ["dql::semantic::bad_interval"]
    );
    assert_eq!(
        codes(&check("SELECT count() / 2 FROM errors INTERVAL 1h")),
        ["dql::semantic::not_in_series"]
    );
}

#[test]
fn params_fill_values_of_their_spot() {
    let mut params = Params::new();
    params
        .bind("n", "25")
        .bind("since", "2026-11-01")
        .bind("p", "frontend")
        .bind("q", "0.9");
    let (_, _, checked) = check_with(
        "SELECT percentile(transaction.duration, $q) FROM transactions LIMIT $n SINCE $since PROJECT $p",
        &params,
        CheckOptions::default(),
    );
    assert_eq!(codes(&checked), Vec::<&str>::new());
    let CheckedKind::Events(q) = &checked.statements[0].kind else {
        panic!()
    };
    assert_eq!(q.limit, Some(25));
    assert!(matches!(q.time.since, Some(TimePoint::Day(_))));
    assert_eq!(q.projects, Projects::Slugs(vec!["frontend".into()]));
    let ColumnValue::Function(f) = &q.columns[0].value else {
        panic!()
    };
    assert_eq!(f.args[1].kind, FunctionArgKind::Number(0.9));
    let (_, _, checked) = check_with(
        "SELECT count() FROM errors SINCE $a PROJECT $b",
        &Params::new(),
        CheckOptions::default(),
    );
    assert_eq!(
        codes(&checked),
        [
            "dql::semantic::unbound_param",
            "dql::semantic::unbound_param"
        ]
    );
}

#[test]
fn equations() {
    let checked =
        check("SELECT count() AS n, n * 2 AS twice, transaction.duration - 1 FROM transactions");
    // A field equation in an aggregate query is refused; the alias resolves to count().
    assert_eq!(
        codes(&checked),
        ["dql::semantic::field_equation_in_aggregate_query"]
    );
    let checked = check("SELECT (count() - failure_count()) / count() AS ok FROM transactions");
    let CheckedKind::Events(q) = &checked.statements[0].kind else {
        panic!()
    };
    assert_eq!(
        q.columns[0].value.canonical(),
        "equation|(count() - failure_count()) / count()"
    );
    assert!(
        check("SELECT transaction.duration * 2, id FROM transactions")
            .diagnostics
            .is_empty()
    );
    assert_eq!(
        codes(&check("SELECT user * 2 FROM transactions")),
        ["dql::semantic::not_in_equations"]
    );
}

#[test]
fn issues_show_and_update() {
    let checked = check("SELECT *, permalink AS link FROM issues ORDER BY lastSeen LIMIT 10");
    let CheckedKind::Issues(q) = &checked.statements[0].kind else {
        panic!()
    };
    assert_eq!(q.columns.len(), 7);
    assert_eq!(q.columns[6].label, "link");
    assert_eq!(q.sort.as_deref(), Some("date"));
    let checked = check("SHOW EVENT 'frontend:01234567-89ab-cdef-0123-456789ABCDEF'");
    let CheckedKind::ShowEvent(e) = &checked.statements[0].kind else {
        panic!()
    };
    assert_eq!(e.event_id, "0123456789abcdef0123456789abcdef");
    assert_eq!(e.project.as_deref(), Some("frontend"));
}

#[test]
fn time_ranges() {
    assert_eq!(
        codes(&check("SELECT count() FROM errors SINCE 1d UNTIL 7d")),
        ["dql::semantic::since_after_until"]
    );
    assert!(
        check("SELECT count() FROM errors SINCE 2026-11-01 UNTIL 2026-11-01")
            .diagnostics
            .is_empty()
    );
    assert!(
        check("SELECT count() FROM errors SINCE '2026-11-01 10:00:00' UNTIL 2026-11-02T00:00:00Z")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn filter_rules() {
    if !filters_parse() {
        return; // The filter parser lands with the filter branch; the error files cover these then.
    }
    let checked = check("SELECT count(), release FROM errors WHERE count():>10 GROUP BY release");
    assert_eq!(codes(&checked), ["dql::semantic::aggregate_in_where"]);
    assert_eq!(checked.statements.len(), 1);
    assert!(
        check("SELECT p95() AS p FROM transactions HAVING p > 2s")
            .diagnostics
            .is_empty()
    );
    assert_eq!(
        codes(&check(
            "SELECT release AS r, count() FROM errors GROUP BY release HAVING r:x"
        )),
        ["dql::semantic::plain_condition_in_having"]
    );
    assert_eq!(
        codes(&check("SELECT count() FROM errors WHERE tag:>500")),
        ["dql::filter::comparison_on_tag"]
    );
    assert!(
        check("SELECT count() FROM errors WHERE release.version:>1.2")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn case_files_check_without_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/cases exists") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if (text.contains("WHERE") || text.contains("HAVING")) && !filters_parse() {
            continue;
        }
        let mut params = Params::new();
        if let Some(args) = text.lines().find_map(|l| l.strip_prefix("-- test: ")) {
            for pair in args
                .split("--param")
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let (k, v) = pair.split_once('=').unwrap();
                params.bind(k, v);
            }
        }
        let (source, _, checked) = check_with(&text, &params, CheckOptions::default());
        // Some syntax cases use parameters without a `-- test:` line binding them; those are
        // (rightly) unbound here, and the rest of the file must still check cleanly.
        let errors: Vec<Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code != "dql::semantic::unbound_param")
            .cloned()
            .collect();
        if !errors.is_empty() {
            failures.push(format!(
                "{}:\n{}",
                path.display(),
                dql::diagnostic::render(&source, &errors, false, 80)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
