//! Trace-item datasets, cached attributes and the rarer clauses.

use super::*;

/// Decodes semantic tokens into (line, character, length, type).
fn decode_tokens(tokens: &Value) -> Vec<(u64, u64, u64, u64)> {
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (mut line, mut ch) = (0, 0);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                ch = t[1];
            } else {
                ch += t[1];
            }
            (line, ch, t[2], t[3])
        })
        .collect()
}

fn hover_text(client: &mut Client, line: u32, character: u32) -> String {
    client.request_ok("textDocument/hover", at(line, character))["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn trace_item_datasets_offer_their_own_fields_and_functions() {
    let (mut client, _) = Client::start();
    let text = "SELECT  FROM spans;\nSELECT  FROM logs;\nSELECT  FROM tracemetrics;\nSELECT count_op(span.op) FROM spans";
    // The three unfinished select lists are errors; the last statement is fine.
    let diags = client.open(URI, text);
    assert!(
        diags.iter().all(|d| d["range"]["start"]["line"] != 3),
        "{diags:?}"
    );

    let spans = client.request_ok("textDocument/completion", at(0, 7));
    assert_eq!(
        item(&spans, "span.duration")["detail"],
        "duration (millisecond)"
    );
    assert_eq!(item(&spans, "span.op")["detail"], "string");
    // A function only spans has, and the spans definition of a shared name.
    assert_eq!(item(&spans, "count_op")["detail"], "count_op(op) → integer");
    assert_eq!(
        item(&spans, "p95")["detail"],
        "p95([column = span.duration]) → the type of column"
    );
    let got = labels(&spans);
    for other in [
        "transaction.duration",
        "log.body",
        "error.type",
        "metric.name",
    ] {
        assert!(!got.contains(&other.to_owned()), "{other} in {got:?}");
    }

    let logs = client.request_ok("textDocument/completion", at(1, 7));
    assert_eq!(item(&logs, "log.body")["detail"], "string");
    assert_eq!(
        item(&logs, "count")["detail"],
        "count([column = log.body]) → integer"
    );
    assert!(!labels(&logs).contains(&"count_op".to_owned()));

    let metrics = client.request_ok("textDocument/completion", at(2, 7));
    assert_eq!(item(&metrics, "metric.name")["detail"], "string");
    let count = item(&metrics, "count")["detail"].as_str().unwrap();
    assert!(count.starts_with("count(column, [metric.name]"), "{count}");

    // Hover: the spans function, the dataset, a spans field.
    let function = hover_text(&mut client, 3, 9);
    assert!(function.contains("count_op(op) → integer"), "{function}");
    assert!(function.contains("— in spans"), "{function}");
    let dataset = hover_text(&mut client, 0, 15);
    assert!(
        dataset.contains("**spans** — trace-item dataset"),
        "{dataset}"
    );
    let field = hover_text(&mut client, 3, 18);
    assert!(field.contains("**span.op**: string"), "{field}");
    assert!(field.contains("spans"), "{field}");

    // Highlighting knows the trace-item functions: `count_op` is a function (1).
    let tokens = client.request_ok(
        "textDocument/semanticTokens/full",
        json!({"textDocument": doc()}),
    );
    let decoded = decode_tokens(&tokens);
    assert!(decoded.contains(&(3, 7, 8, 1)), "{decoded:?}");
    assert!(client.shutdown().success());
}

#[test]
fn the_cached_attributes_are_used_as_dql_check_uses_them() {
    let text = "SELECT checkout.step, count() FROM spans WHERE checkout.stp:pay queue.depth:>lots GROUP BY checkout.step;\nSELECT  FROM spans";
    // Without the cache: an unchecked attribute, and no attribute to complete.
    let (mut plain, _) = Client::start();
    // On the first line only (the second is an unfinished select list).
    let first_line = |diags: &[Value]| -> Vec<String> {
        diags
            .iter()
            .filter(|d| d["range"]["start"]["line"] == 0)
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let diags = plain.open(URI, text);
    assert_eq!(
        first_line(&diags),
        ["dql::filter::comparison_on_tag"],
        "`queue.depth` is a tag there: {diags:?}"
    );
    let items = plain.request_ok("textDocument/completion", at(1, 7));
    assert!(!labels(&items).contains(&"checkout.step".to_owned()));
    assert!(plain.shutdown().success());

    // With `dql catalog pull`'s cache of the organization: as `dql check` says.
    let cache = attribute_cache();
    let (mut client, _) = Client::start_env(cached_env(&cache), Value::Null);
    let diags = client.open(URI, text);
    assert_eq!(
        first_line(&diags),
        [
            "dql::catalog::unknown_attribute",
            "dql::filter::invalid_number"
        ],
        "{diags:?}"
    );
    let unknown = &diags[0];
    assert_eq!(unknown["severity"], 2);
    assert_eq!(unknown["range"], range(text, 47, 59));
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .ends_with("help: did you mean `checkout.step`?"),
        "{unknown}"
    );

    // Completion: the attributes with their cached types.
    let items = client.request_ok("textDocument/completion", at(1, 7));
    assert_eq!(
        item(&items, "checkout.step")["detail"],
        "string, attribute of the organization"
    );
    assert_eq!(
        item(&items, "queue.depth")["detail"],
        "number, attribute of the organization"
    );
    assert_eq!(
        item(&items, "tags[Batch Size,number]")["detail"],
        "number, attribute of the organization"
    );
    assert_eq!(
        item(&items, "span.op")["detail"],
        "string",
        "built-ins stay"
    );
    let items = client.request_ok("textDocument/completion", at(0, 56));
    assert_eq!(labels(&items), ["checkout.step"], "the prefix `checkout.s`");

    // Hover: the attribute, the dataset, and the warning's code explained.
    let attr = hover_text(&mut client, 0, 10);
    assert!(attr.contains("**checkout.step**: string"), "{attr}");
    assert!(
        attr.contains("an attribute of the organization in spans"),
        "{attr}"
    );
    let dataset = hover_text(&mut client, 0, 37);
    assert!(
        dataset.contains("trace-item dataset, 3 attributes of the organization cached"),
        "{dataset}"
    );
    let code = hover_text(&mut client, 0, 50);
    assert!(
        code.contains("`dql::catalog::unknown_attribute`: a name is neither a built-in field nor one of the organization's cached attributes"),
        "{code}"
    );

    // The fix-it is a quick fix.
    let actions = client.request_ok(
        "textDocument/codeAction",
        json!({"textDocument": doc(), "range": range(text, 50, 50), "context": {"diagnostics": []}}),
    );
    assert_eq!(actions[0]["title"], "Replace with `checkout.step`");
    assert_eq!(
        actions[0]["edit"]["changes"][URI],
        json!([{"range": range(text, 47, 59), "newText": "checkout.step"}])
    );
    assert!(client.shutdown().success());
}

#[test]
fn completion_follows_the_rarer_clauses() {
    let (mut client, _) = Client::start_with(json!({"params": {"env": "production"}}));
    let text = "SHOW EVENT abc ;\nSELECT count() FROM errors ORDER BY count() DESC ;\nSELECT count() FROM errors PROJECT ;\nUPDATE issues SET status = ;\nSELECT count() FROM errors ORDER BY count() NULLS ;\nSELECT count() FROM errors WHERE release:$";
    client.open(URI, text);
    // `SHOW EVENT |`: an id, nothing to offer; after it, PROJECT only.
    let items = client.request_ok("textDocument/completion", at(0, 11));
    assert_eq!(labels(&items), Vec::<String>::new());
    let items = client.request_ok("textDocument/completion", at(0, 15));
    assert_eq!(labels(&items), ["PROJECT"]);
    // After a sort direction: NULLS FIRST / LAST among the rest; after NULLS: FIRST, LAST.
    let got = labels(&client.request_ok("textDocument/completion", at(1, 49)));
    for want in ["NULLS FIRST", "NULLS LAST", "LIMIT"] {
        assert!(got.contains(&want.to_owned()), "{want} in {got:?}");
    }
    let items = client.request_ok("textDocument/completion", at(4, 50));
    assert_eq!(labels(&items), ["FIRST", "LAST"]);
    // `PROJECT |`: ALL.
    let items = client.request_ok("textDocument/completion", at(2, 35));
    assert_eq!(labels(&items), ["ALL"]);
    // `SET status = |`: the values Sentry accepts.
    let items = client.request_ok("textDocument/completion", at(3, 27));
    assert_eq!(
        labels(&items),
        ["resolved", "unresolved", "ignored", "resolvedInNextRelease"]
    );
    assert_eq!(item(&items, "ignored")["detail"], "status");
    // `$`: a parameter the settings bind is offered though the file does not use it yet.
    let items = client.request_ok("textDocument/completion", at(5, 42));
    assert_eq!(labels(&items), ["$env"]);
    assert!(client.shutdown().success());
}

#[test]
fn hover_on_a_param_bound_by_the_settings_shows_its_value() {
    let (mut client, _) = Client::start_with(json!({"params": {"env": "production"}}));
    client.open(
        URI,
        "SELECT count() FROM errors WHERE environment:$env release:$rel",
    );
    let env = hover_text(&mut client, 0, 47);
    assert!(
        env.contains("**$env**, bound to `production` by the settings; used 1 time(s): line 1"),
        "{env}"
    );
    let rel = hover_text(&mut client, 0, 60);
    assert!(rel.contains("bound with `--param rel=VALUE`"), "{rel}");
    assert!(client.shutdown().success());
}
