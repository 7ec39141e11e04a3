//! A search pasted from Sentry means what Sentry says, or dql says why not (language.md §4,
//! "Reading a pasted search"): each case compiles a WHERE and checks the `query` sent, the
//! codes reported, and the fix-its offered.

use dql::diagnostic::{Diagnostic, Severity};
use dql::{Options, Source};

fn options(strict: bool) -> Options {
    let mut o = Options::new("2026-12-01T12:00:00Z".parse().unwrap());
    o.strict = strict;
    o
}

/// The `query` parameter (or `None` when the statement did not compile) and every diagnostic.
fn compile_with(text: &str, strict: bool) -> (Option<String>, Vec<Diagnostic>) {
    let source = Source::new("<test>", text);
    let c = dql::compile_source(&source, &options(strict));
    let query = c.statements.first().map(|s| {
        s.request
            .params
            .iter()
            .find(|(k, _)| k == "query")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    });
    (query, c.diagnostics)
}

fn lower(search: &str) -> (Option<String>, Vec<Diagnostic>) {
    compile_with(
        &format!("SELECT count() FROM discover WHERE {search}"),
        false,
    )
}

fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter()
        .filter(|d| d.code != "dql::semantic::aggregate_in_where")
        .map(|d| d.code)
        .collect()
}

const DIFFERS: &str = "dql::filter::differs_from_sentry";

#[test]
fn lower_case_not_before_a_filter_negates_with_a_warning_and_fix() {
    let text = "SELECT count() FROM discover WHERE not sdk.name:x";
    let (q, d) = compile_with(text, false);
    assert_eq!(q.as_deref(), Some("!sdk.name:x"));
    assert_eq!(codes(&d), vec![DIFFERS]);
    let w = &d[0];
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("free text"), "{}", w.message);
    assert!(
        w.help.as_deref().unwrap().contains("\"not\""),
        "{:?}",
        w.help
    );
    let fix = w.fix.as_ref().unwrap();
    assert_eq!(fix.replacement, "!sdk.name:x");
    assert_eq!(fix.span.slice(text), Some("not sdk.name:x"));
    // Applying the fix gives the same query with no warning.
    let fixed = text.replace("not sdk.name:x", &fix.replacement);
    let (q2, d2) = compile_with(&fixed, false);
    assert_eq!(q2, q);
    assert!(d2.is_empty(), "{d2:?}");
    // A group: the fix is the capitals.
    let (q, d) = lower("Not (level:error OR level:fatal)");
    assert_eq!(q.as_deref(), Some("!level:error !level:fatal"));
    assert_eq!(d[0].fix.as_ref().unwrap().replacement, "NOT");
}

#[test]
fn capital_not_needs_no_warning() {
    let (q, d) = lower("NOT sdk.name:x");
    assert_eq!(q.as_deref(), Some("!sdk.name:x"));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn strict_makes_the_differing_reading_an_error() {
    let (q, d) = compile_with("SELECT count() FROM discover WHERE not sdk.name:x", true);
    assert_eq!(q, None);
    assert!(d.iter().any(|d| d.code == DIFFERS && d.is_error()), "{d:?}");
    let (_, d) = compile_with("SELECT count() FROM discover WHERE message is null", true);
    assert!(d.iter().any(|d| d.code == DIFFERS && d.is_error()), "{d:?}");
}

#[test]
fn not_before_free_text_is_free_text_as_in_sentry() {
    for (search, query) in [
        ("not found", "\"not found\""),
        ("timeout not", "\"timeout not\""),
        ("not", "not"),
        ("a order not segfault", "\"a order not segfault\""),
        ("is  not  null", "\"is  not  null\""),
        ("not (timeout)", "\"not (timeout)\""),
        ("level:error not 500", "level:error \"not 500\""),
    ] {
        let (q, d) = lower(search);
        assert_eq!(q.as_deref(), Some(query), "{search}");
        assert!(d.is_empty(), "{search}: {d:?}");
    }
    // A group holding free text cannot be negated: the word is Sentry's free text.
    let (q, d) = lower("timeout not (a:b c)");
    assert_eq!(q.as_deref(), Some("\"timeout not\" a:b c"));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn or_mixing_is_checked_after_not_is_pushed_down() {
    let (q, d) = lower("NOT (count():>5 level:error)");
    assert_eq!(q, None);
    assert_eq!(codes(&d), vec!["dql::semantic::or_mixes_aggregates"]);
    // Not in capitals, the negation that cannot be sent is no reading to prefer: the word is
    // Sentry's free text, as before free text.
    for (search, query) in [
        (
            "not (!count_unique(user):908 level:error)",
            "not !count_unique(user):908 level:error",
        ),
        (
            "x not (level:error count():>5)",
            "\"x not\" level:error count():>5",
        ),
    ] {
        let (q, d) = lower(search);
        assert_eq!(q.as_deref(), Some(query), "{search}");
        assert!(codes(&d).is_empty(), "{search}: {d:?}");
    }
    // Negating an OR makes an AND: that one stays dql's negation (said).
    let (q, d) = lower("not (count():>5 OR level:error)");
    assert_eq!(q.as_deref(), Some("count():<=5 !level:error"));
    assert_eq!(codes(&d), vec![DIFFERS]);
}

#[test]
fn is_null_is_a_test_only_after_a_field() {
    let (q, d) = lower("TypeError x is null");
    assert_eq!(q.as_deref(), Some("\"TypeError x is null\""));
    assert!(d.is_empty(), "{d:?}");
    let (q, d) = lower("Cannot read x is not null foo level:error");
    assert_eq!(
        q.as_deref(),
        Some("\"Cannot read x is not null foo\" level:error")
    );
    assert!(d.is_empty(), "{d:?}");
    // In capitals it is taken as meant, after any key.
    let (q, d) = lower("x IS NULL");
    assert_eq!(q.as_deref(), Some("!has:x"));
    assert!(d.is_empty(), "{d:?}");
    // After a field: dql's test, said, with a fix to the capitals.
    let text = "SELECT count() FROM discover WHERE message is not null";
    let (q, d) = compile_with(text, false);
    assert_eq!(q.as_deref(), Some("has:message"));
    assert_eq!(codes(&d), vec![DIFFERS]);
    let fix = d[0].fix.as_ref().unwrap();
    assert_eq!(fix.span.slice(text), Some("is not null"));
    assert_eq!(fix.replacement, "IS NOT NULL");
    let (q, d) = lower("tags[a] IS NULL");
    assert_eq!(q.as_deref(), Some("!has:tags[a]"));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn free_text_then_a_parenthesised_phrase_is_one_free_text() {
    let (q, d) = lower("payment (((76071)))");
    assert_eq!(q.as_deref(), Some("\"payment (((76071)))\""));
    assert!(d.is_empty(), "{d:?}");
    let (q, _) = lower("\"of function\" 500 (retry) stack.lineno:!=5");
    assert_eq!(
        q.as_deref(),
        Some("\"of function\" \"500 (retry)\" !stack.lineno:5")
    );
    // With a filter inside, it is a group.
    let (q, _) = lower("payment (level:error)");
    assert_eq!(q.as_deref(), Some("payment level:error"));
    // A quoted string inside is the phrase only when `)` follows it at once (Sentry's
    // `free_text_quoted` comes first and takes no spaces after it).
    let (q, d) = lower(r#"61137 ("said \"x is\"")"#);
    assert_eq!(q.as_deref(), Some(r#""61137 (\"said \\"x is\\"\")""#));
    assert!(d.is_empty(), "{d:?}");
    let (q, d) = lower(r#"61137 ("said \"x is\"" )"#);
    assert_eq!(q.as_deref(), Some("\"61137\" \"said \\\"x is\\\"\""));
    assert!(d.is_empty(), "{d:?}");
    // Unquoted words may have spaces before `)`.
    let (q, _) = lower("payment (76071 )");
    assert_eq!(q.as_deref(), Some("\"payment (76071 )\""));
}

#[test]
fn aggregate_parameters_keep_their_quotes() {
    let (q, _) = lower("count_if(user.email,equals,\"x@y.z\"):>5");
    assert_eq!(
        q.as_deref(),
        Some("count_if(user.email,equals,\"x@y.z\"):>5")
    );
    let (q, _) = lower("count_if(user.email,equals,x@y.z):>5");
    assert_eq!(q.as_deref(), Some("count_if(user.email,equals,x@y.z):>5"));
}

#[test]
fn minutes_on_an_aggregate_date_are_refused() {
    let (q, d) = lower("last_seen():>-84m");
    assert_eq!(q, None);
    assert_eq!(codes(&d), vec!["dql::filter::invalid_date"]);
    assert!(d.iter().any(|d| d.message.contains("million")), "{d:?}");
    let (q, _) = lower("last_seen():>-84h");
    assert!(q.is_some());
}

#[test]
fn relative_date_on_a_numeric_key_is_refused_as_sentry_does() {
    let (q, d) = lower("project_id:-367m");
    assert_eq!(q, None);
    assert_eq!(codes(&d), vec!["dql::filter::invalid_number"]);
    let (q, _) = lower("project_id:=-367m");
    assert_eq!(q.as_deref(), Some("project_id:-367000000"));
}

#[test]
fn has_on_an_explicit_tag_and_sizes_on_aggregates() {
    let (q, d) = lower("has:tags[x] !has:tags[y]");
    assert_eq!(q.as_deref(), Some("has:tags[x] !has:tags[y]"));
    assert!(d.is_empty(), "{d:?}");
    let (q, _) = lower("avg(measurements.app_start_size):<=140bit");
    assert_eq!(
        q.as_deref(),
        Some("avg(measurements.app_start_size):<=17.5bytes")
    );
}

#[test]
fn percentages_on_non_percentage_aggregates_are_refused() {
    let (q, d) = lower("apdex():>41%");
    assert_eq!(q, None);
    assert!(
        d.iter().any(|d| d.message.contains("not a percentage")),
        "{d:?}"
    );
    let (q, _) = lower("failure_rate():>41%");
    assert_eq!(q.as_deref(), Some("failure_rate():>41%"));
}

#[test]
fn typed_tags_are_refused_where_tags_have_no_type() {
    for text in [
        "SELECT count() FROM errors WHERE tags[cart_size,number]:!=5",
        "SELECT count() FROM discover WHERE tags[x,string]:a",
        "SELECT count() FROM transactions WHERE tags[x,boolean]:true",
        "SELECT tags[x,number], count() FROM errors GROUP BY tags[x,number]",
        "SELECT title FROM errors ORDER BY tags[x,number]",
        "SELECT avg(tags[x,number]) FROM errors",
    ] {
        let (q, d) = compile_with(text, false);
        assert_eq!(q, None, "{text}");
        let e = d
            .iter()
            .find(|d| d.code == "dql::semantic::typed_tag_unsupported")
            .unwrap_or_else(|| panic!("{text}: {d:?}"));
        assert!(
            e.help.as_deref().unwrap().contains("`tags[x]`")
                || e.help.as_deref().unwrap().contains("`tags[cart_size]`"),
            "{e:?}"
        );
        assert!(e.fix.is_some(), "{e:?}");
    }
    // Comparisons on tags no longer suggest the typed form there.
    let (_, d) = lower("custom_tag:>500");
    assert!(
        d.iter()
            .all(|d| !d.help.as_deref().unwrap_or("").contains("tags[x,number]")),
        "{d:?}"
    );
    // A dataset that types its attributes accepts them.
    let (q, d) = compile_with("SELECT count() FROM spans WHERE tags[x,number]:>5", false);
    assert!(q.is_some(), "{d:?}");
    assert!(
        d.iter()
            .all(|d| d.code != "dql::semantic::typed_tag_unsupported"),
        "{d:?}"
    );
}

#[test]
fn every_independent_problem_is_reported() {
    let (_, d) = compile_with("SELECT coutn() FROM errors GROUP BY count()", false);
    let c: Vec<&str> = d.iter().map(|d| d.code).collect();
    assert!(c.contains(&"dql::semantic::unknown_function"), "{c:?}");
    assert!(c.contains(&"dql::semantic::aggregate_in_group_by"), "{c:?}");
    // ORDER BY is checked after a failed select item too, its own problems only.
    let text = "SELECT coutn() AS c FROM errors ORDER BY p59(transaction.duration), c, 1";
    let (_, d) = compile_with(text, false);
    let spans: Vec<(&str, Option<&str>)> = d
        .iter()
        .map(|d| (d.code, d.fix.as_ref().and_then(|f| f.span.slice(text))))
        .collect();
    assert_eq!(
        spans,
        vec![
            ("dql::semantic::unknown_function", Some("coutn")),
            ("dql::semantic::unknown_function", Some("p59")),
        ]
    );
    // A failed call may be the aggregate: HAVING and an aggregate sort key are not refused
    // again as a raw-events query's, nor a field sort key as one not grouped by.
    for text in [
        "SELECT coutn() FROM errors HAVING count() > 5",
        "SELECT coutn() FROM errors WHERE count():>5",
        "SELECT coutn() FROM errors ORDER BY count()",
        "SELECT coutn(), title FROM errors GROUP BY title ORDER BY level",
    ] {
        let (_, d) = compile_with(text, false);
        assert_eq!(codes(&d), vec!["dql::semantic::unknown_function"], "{text}");
    }
    // A problem of a clause's own is still reported beside it.
    let (_, d) = compile_with(
        "SELECT coutn() FROM errors WHERE level:>error ORDER BY titel",
        false,
    );
    assert_eq!(
        codes(&d),
        vec![
            "dql::semantic::unknown_function",
            "dql::filter::comparison_on_text",
            "dql::semantic::near_name",
        ]
    );
}

#[test]
fn did_you_mean_carries_a_fix() {
    let text = "SELECT coutn() FROM errors";
    let (_, d) = compile_with(text, false);
    let f = d[0].fix.as_ref().unwrap();
    assert_eq!(f.span.slice(text), Some("coutn"));
    assert_eq!(f.replacement, "count");
    let text = "SELECT count() FROM erors";
    let (_, d) = compile_with(text, false);
    let f = d[0].fix.as_ref().unwrap();
    assert_eq!(f.span.slice(text), Some("erors"));
    assert_eq!(f.replacement, "errors");
    let text = "SELECT count() FROM errors WHERE enviroment:prod";
    let (_, d) = compile_with(text, false);
    let near = d
        .iter()
        .find(|d| d.code == "dql::semantic::near_name")
        .unwrap();
    assert_eq!(near.fix.as_ref().unwrap().replacement, "environment");
}

#[test]
fn did_you_mean_on_closed_sets_carries_a_fix() {
    for (text, wrong, right) in [
        (
            "UPDATE issues SET status = 'resolvd' WHERE is:unresolved",
            "'resolvd'",
            "'resolved'",
        ),
        (
            "SELECT title FROM issues WHERE is:unresolvd",
            "unresolvd",
            "unresolved",
        ),
        (
            "SELECT count() FROM errors WHERE count:5",
            "count",
            "count()",
        ),
        (
            "SELECT count_if(transaction.status, equals, okk) FROM transactions",
            "okk",
            "ok",
        ),
        (
            "SELECT count_if(transaction.status, equals, \"okk\") FROM transactions",
            "\"okk\"",
            "\"ok\"",
        ),
        (
            "SELECT count_if(transaction.duration, greatr, 300) FROM transactions",
            "greatr",
            "greater",
        ),
        (
            "SELECT title FROM issues WHERE issue.category:erorr",
            "erorr",
            "error",
        ),
        (
            "SELECT count() FROM errors WHERE error.handled",
            "error.handled",
            "error.handled:true",
        ),
    ] {
        let (_, d) = compile_with(text, false);
        let fixed = d
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .find(|f| f.span.slice(text) == Some(wrong))
            .unwrap_or_else(|| panic!("{text}: {d:?}"));
        assert_eq!(fixed.replacement, right, "{text}");
    }
}

#[test]
fn long_chains_of_lower_case_not_are_read_without_trouble() {
    let (_, d) = lower(&format!("{}level:error", "not ".repeat(5000)));
    assert!(d.iter().any(|d| d.code == DIFFERS), "{:?}", d.first());
    let (q, _) = lower(&format!("{}found", "not ".repeat(5000)));
    assert!(q.unwrap().ends_with("not found\""));
}
