use super::*;
use crate::syntax::ast::without_spans;

fn clause(text: &str) -> (Option<Filter>, Vec<Diagnostic>, String) {
    let ctx = Ctx::new(text);
    let start = token::ws(&ctx, text);
    let (f, rest) = match filter(&ctx, start, FilterMode::Clause) {
        Ok((rest, f)) => (Some(f), rest.to_string()),
        Err(_) => (None, String::new()),
    };
    (f, ctx.finish().0, rest)
}

fn search(text: &str) -> (Option<Filter>, Vec<Diagnostic>) {
    crate::syntax::parse_search(text)
}

fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code).collect()
}

fn terms(f: &Filter) -> Vec<String> {
    match &f.kind {
        FilterKind::Term(t) => vec![match &t.kind {
            TermKind::FreeText(ft) => {
                format!("free:{}{}", if ft.quoted { "q:" } else { "" }, ft.text)
            }
            TermKind::Search(s) => format!(
                "search:{}",
                serde_json::to_string(&without_spans(s)).unwrap_or_default()
            ),
            TermKind::Sql(s) => format!(
                "sql:{}",
                serde_json::to_string(&without_spans(s)).unwrap_or_default()
            ),
        }],
        FilterKind::And(v) => {
            let mut out = vec!["AND".to_string()];
            out.extend(v.iter().flat_map(terms));
            out.push("/AND".into());
            out
        }
        FilterKind::Or(v) => {
            let mut out = vec!["OR".to_string()];
            out.extend(v.iter().flat_map(terms));
            out.push("/OR".into());
            out
        }
        FilterKind::Not(f) => {
            let mut out = vec!["NOT".to_string()];
            out.extend(terms(f));
            out
        }
    }
}

#[test]
fn clause_keyword_ends_filter() {
    let (f, d, rest) = clause("level:error FROM errors");
    assert_eq!(rest, "FROM errors");
    assert_eq!(terms(&f.unwrap()).len(), 1);
    assert!(d.is_empty());
    let (_, _, rest) = clause("a:b GROUP BY x");
    assert_eq!(rest, "GROUP BY x");
    // GROUP without BY and keywords used as keys do not end it.
    let (f, _, rest) = clause("group project:frontend environment = 'prod' LIMIT 5");
    assert_eq!(rest, "LIMIT 5");
    let t = terms(&f.unwrap());
    assert_eq!(t.first().map(String::as_str), Some("AND"));
    assert!(t.get(1).unwrap().starts_with("free:group"));
    assert!(t.get(2).unwrap().contains("\"project\""));
    assert!(t.get(3).unwrap().starts_with("sql:"));
    let (_, _, rest) = clause("a:b; SELECT");
    assert_eq!(rest, "; SELECT");
}

#[test]
fn keyword_after_free_text_warns() {
    let (_, d, rest) = clause("connection reset LIMIT 10");
    assert_eq!(rest, "LIMIT 10");
    assert_eq!(codes(&d), vec!["dql::syntax::keyword_after_free_text"]);
    let (_, d, _) = clause("connection reset\nLIMIT 10");
    assert!(d.is_empty());
}

#[test]
fn is_null_is_written_without_its_comments() {
    // Comments between the words are trivia: the words read as Sentry reads them as free text
    // (a comment is one space, spaces stay as they are), and the span of `IS … NULL` is the
    // source's.
    for (text, written, words) in [
        ("mytag /* x */ is null", "mytag is null", "is null"),
        ("mytag  is  null", "mytag  is  null", "is  null"),
        (
            "user.email is --y\n not /* z */ null",
            "user.email is not null",
            "is --y\n not /* z */ null",
        ),
        (
            "user.email IS NOT NULL",
            "user.email IS NOT NULL",
            "IS NOT NULL",
        ),
    ] {
        let (f, d, rest) = clause(text);
        assert!(d.is_empty(), "{text}: {d:?}");
        assert_eq!(rest, "", "{text}");
        let Some(Filter {
            kind:
                FilterKind::Term(Term {
                    kind: TermKind::Sql(sql),
                    ..
                }),
            ..
        }) = f
        else {
            panic!("{text}: not one SQL condition");
        };
        let SqlKind::IsNull {
            written: got,
            words: span,
            ..
        } = &sql.kind
        else {
            panic!("{text}: not IS NULL");
        };
        assert_eq!(got, written, "{text}");
        assert_eq!(span.slice(text), Some(words), "{text}");
    }
}

#[test]
fn comments_and_double_dash_values() {
    let (f, d, _) = clause("message:a--b -- a comment\n level:error /* x */ OR b:c");
    assert!(d.is_empty(), "{d:?}");
    let t = terms(&f.unwrap());
    assert!(t.iter().any(|s| s.contains("a--b")), "{t:?}");
    assert_eq!(t.first().map(String::as_str), Some("OR"));
}

#[test]
fn free_text_merging_and_parens() {
    let (f, d) = search("hello   there x:y when");
    assert!(d.is_empty());
    let t = terms(&f.unwrap());
    assert_eq!(t.get(1).unwrap(), "free:hello   there");
    assert_eq!(t.get(3).unwrap(), "free:when");
    let (f, d) = search("see foo(a, b)bar");
    assert!(d.is_empty());
    assert_eq!(terms(&f.unwrap()), vec!["free:see foo(a, b)bar"]);
    let (f, _) = search("hello\tthere");
    assert_eq!(terms(&f.unwrap()), vec!["free:hello there"]);
}

#[test]
fn orange_is_not_or() {
    let (f, d) = search("ORANGE or apple");
    assert!(d.is_empty());
    assert_eq!(
        terms(&f.unwrap()),
        vec!["OR", "free:ORANGE", "free:apple", "/OR"]
    );
    let (f, _) = search("a:b AND c:d OR e:f");
    let t = terms(&f.unwrap());
    assert_eq!(t.first().map(String::as_str), Some("OR"));
    assert_eq!(t.get(1).map(String::as_str), Some("AND"));
}

#[test]
fn operator_errors() {
    for q in ["OR a:b", "a:b OR", "a:b AND OR c:d", "(a:b", "a:b)", "()"] {
        let (_, d) = search(q);
        assert!(d.iter().any(Diagnostic::is_error), "{q}: {d:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let q = format!("{}a:b{}", "(".repeat(10_000), ")".repeat(10_000));
    let (_, d) = search(&q);
    assert!(codes(&d).contains(&"dql::syntax::too_deeply_nested"));
    let q = format!("{}a:b", "NOT ".repeat(10_000));
    let (_, d, _) = clause(&q);
    assert!(codes(&d).contains(&"dql::syntax::too_deeply_nested"));
}

#[test]
fn sql_conditions_and_not() {
    let (f, d, _) =
        clause("NOT (a = 'x' OR b IN (1, 2)) c NOT LIKE '%x%' d BETWEEN 1s AND 2s e IS NOT NULL");
    assert!(d.is_empty(), "{d:?}");
    let t = terms(&f.unwrap());
    assert_eq!(t.get(1).map(String::as_str), Some("NOT"));
    assert_eq!(t.iter().filter(|s| s.starts_with("sql:")).count(), 5);
    // `IN` without `(` is free text, as in Sentry.
    let (f, _, _) = clause("hello IN the morning");
    assert_eq!(terms(&f.unwrap()), vec!["free:hello IN the morning"]);
}

#[test]
fn warnings_and_single_quotes() {
    let (_, d, _) = clause("orderId=123");
    assert_eq!(codes(&d), vec!["dql::syntax::sql_operator_in_word"]);
    assert_eq!(d[0].fix.as_ref().unwrap().replacement, "orderId = 123");
    let (_, d, _) = clause("-level:error");
    assert_eq!(codes(&d), vec!["dql::syntax::minus_key"]);
    let (_, d, _) = clause("message:'x y'");
    assert_eq!(codes(&d), vec!["dql::syntax::single_quoted_search_value"]);
    assert_eq!(d[0].fix.as_ref().unwrap().replacement, "\"x y\"");
    let (_, d) = search("message:don't");
    assert!(d.is_empty());
}

#[test]
fn lists_and_values() {
    let (f, _) = search("test:[a, [h]] x:[] y:[a]x z:[h e]");
    let t = terms(&f.unwrap()).join("|");
    assert!(t.contains(r#""[h]""#), "{t}");
    assert!(t.contains(r#""text":"[]""#), "{t}");
    assert!(t.contains(r#""text":"[a]x""#), "{t}");
    assert!(t.contains("free:e]"), "{t}");
    let (_, d) = search("url:te\"st");
    assert_eq!(codes(&d), vec!["dql::syntax::invalid_quote"]);
}

#[test]
fn params_only_in_clause_mode() {
    let (f, d, _) = clause("release:$rel $text b:[$x, y]");
    assert!(d.is_empty(), "{d:?}");
    let t = terms(&f.unwrap()).join("|");
    assert!(t.contains("\"Param\":\"rel\""), "{t}");
    let (f, _) = search("release:$rel");
    assert!(terms(&f.unwrap()).join("").contains("\"$rel\""));
    let (_, d, _) = clause("release:$5");
    assert_eq!(codes(&d), vec!["dql::syntax::bad_parameter"]);
}
