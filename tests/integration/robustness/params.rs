//! Parameters: `\*` is never a wildcard; integers past 2^53; passwords in URLs.

use super::*;

// ---------------------------------------------------------------------------------------------
// 4. `\*` in a parameter is never a wildcard; integers past 2^53 are sent as written

fn query_param(text: &str, params: &[(&str, &str)]) -> Result<String, Vec<String>> {
    let compilation = compile(text, params);
    if compilation.has_errors() {
        return Err(compilation
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect());
    }
    let request = &compilation.statements[0].request;
    Ok(request
        .params
        .iter()
        .find(|(k, _)| k == "query")
        .map(|(_, v)| v.clone())
        .unwrap_or_default())
}

/// Whether Sentry reads `value` as a wildcard (`WILDCARD_CHARS` of event_search.py: a `*`
/// after an even run of backslashes).
fn sentry_wildcard(value: &str) -> bool {
    let mut run = 0;
    for c in value.chars() {
        match c {
            '\\' => run += 1,
            '*' if run % 2 == 0 => return true,
            _ => run = 0,
        }
    }
    false
}

#[test]
fn a_backslash_star_parameter_is_never_sent_as_a_wildcard() {
    for text in [
        "SELECT count() FROM errors WHERE message = $v",
        "SELECT count() FROM errors WHERE message:$v",
        "SELECT count() FROM errors WHERE message IN ($v, 'x')",
    ] {
        for value in [r"a\*b", r"\*", r"a\\\*b", r"*\*"] {
            match query_param(text, &[("v", value)]) {
                Ok(query) => panic!("{text} with {value}: sent as {query}"),
                Err(codes) => assert!(
                    codes.iter().any(|c| c == "dql::filter::backslash_star"),
                    "{codes:?}"
                ),
            }
        }
        for value in [r"a\\*b", r"a\b", r"a*b", r"a\\b*"] {
            let query = query_param(text, &[("v", value)]).unwrap();
            let sent = query
                .split_once("message:")
                .map(|(_, v)| v)
                .unwrap_or(&query);
            assert!(!sentry_wildcard(sent), "{text} with {value}: {query}");
        }
    }
    // In a pattern a literal `\*` can be written: `\\\*` is a literal backslash then star.
    let query = query_param(
        "SELECT count() FROM errors WHERE message LIKE $v",
        &[("v", r"%a\*b%")],
    )
    .unwrap();
    assert_eq!(query, r"message:*a\\\*b*");
}

#[test]
fn integers_beyond_two_to_the_53_are_sent_as_written() {
    for (text, params) in [
        (
            "SELECT count() FROM errors WHERE issue.id:9007199254740993",
            vec![],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id = 9007199254740993",
            vec![],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id:$id",
            vec![("id", "9007199254740993")],
        ),
        (
            "SELECT count() FROM errors WHERE issue.id:>$id",
            vec![("id", "9007199254740993")],
        ),
    ] {
        let query = query_param(text, &params).unwrap();
        assert!(query.ends_with("9007199254740993"), "{text}: {query}");
    }
    let query = query_param(
        "SELECT count() FROM errors WHERE issue.id:123456789012345678901234567890",
        &[],
    )
    .unwrap();
    assert_eq!(query, "issue.id:123456789012345678901234567890");
    let query = query_param(
        "SELECT count() FROM errors WHERE issue.id IN (9007199254740993, 5, $id)",
        &[("id", "18446744073709551617")],
    )
    .unwrap();
    assert_eq!(
        query,
        "issue.id:[9007199254740993, 5, 18446744073709551617]"
    );
}

// 2. for `export`: a repeating cursor is a failure, with the events written marked.

#[test]
fn export_exits_non_zero_when_pagination_cannot_go_on() {
    let (_keep, dir) = scratch("");
    let server = TestServer::start(|recorded, _| {
        if recorded.path() == "/api/0/organizations/acme/events/" {
            let id = format!("{:032x}", recorded.param("cursor").map_or(1, |_| 2));
            Reply::json(
                200,
                json!({"data": [{"id": id, "project": "web"}], "meta": {"fields": {}}}),
            )
            .header("Link", &next("0:1:0", true))
        } else {
            Reply::json(200, json!({"eventID": "e", "title": "t"}))
        }
    });
    let env = env_for(&server);
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("SENTRY_PROJECT", "web"));
    let run = dql(&dir, &["export", "--query", "", "--limit", "10"], &env, b"");
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("dql::client::incomplete"), "{run:?}");
    assert!(
        run.stdout
            .ends_with(&format!("{}\n", dql::format::INCOMPLETE_MARK)),
        "{run:?}"
    );
}

#[test]
fn config_and_compile_never_print_a_password_in_the_url() {
    let (_keep, dir) = scratch("SELECT count() FROM errors\n");
    let env = [
        ("SENTRY_URL", "https://me:pa55w0rdz@sentry.example.com"),
        ("SENTRY_ORG", "acme"),
    ];
    for args in [
        &["config"][..],
        &["compile", "q.dql", "--output", "url"],
        &["compile", "q.dql", "--output", "curl"],
    ] {
        let run = dql(&dir, args, &env, b"");
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(!run.stdout.contains("pa55w0rdz"), "{args:?}: {run:?}");
        assert!(!run.stderr.contains("pa55w0rdz"), "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("sentry.example.com"),
            "{args:?}: {run:?}"
        );
    }
}
