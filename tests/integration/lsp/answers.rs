//! Completion, hover, formatting, code actions, symbols and semantic tokens.

use super::*;

#[test]
fn completion_offers_what_fits_the_position() {
    let (mut client, _) = Client::start();
    let text = "-- @na\nSELECT p9, transaction.du FROM tr\nWHERE environment:$env;\nSELECT count() FROM transactions WHERE release:$rel AND x:$";
    client.open(URI, text);

    // Statement start: the statement keywords.
    let items = client.request_ok("textDocument/completion", at(3, 0));
    assert_eq!(
        labels(&items),
        ["SELECT", "SHOW EVENT", "UPDATE issues SET"]
    );

    // After FROM: datasets.
    let items = client.request_ok("textDocument/completion", at(1, 33));
    assert_eq!(labels(&items), ["tracemetrics", "transactions"]);
    assert_eq!(
        item(&items, "transactions")["textEdit"]["range"],
        json!({"start": {"line": 1, "character": 31}, "end": {"line": 1, "character": 33}})
    );

    // In the select list: functions with their signatures, fields with their types. The
    // dataset is the statement's, named after the cursor.
    let client_items = client.request_ok("textDocument/completion", at(1, 9));
    let p95 = item(&client_items, "p95");
    assert_eq!(p95["kind"], 3, "a function");
    assert_eq!(
        p95["detail"],
        "p95([column = transaction.duration]) → the type of column"
    );
    assert_eq!(p95["textEdit"]["newText"], "p95(");
    let items = client.request_ok("textDocument/completion", at(1, 25));
    let duration = item(&items, "transaction.duration");
    assert_eq!(duration["kind"], 5, "a field");
    assert_eq!(duration["detail"], "duration (millisecond)");
    assert_eq!(
        duration["textEdit"]["range"],
        json!({"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 25}})
    );

    // `$`: the parameters used anywhere in the file.
    let items = client.request_ok("textDocument/completion", at(3, 59));
    assert_eq!(labels(&items), ["$env", "$rel"]);

    // `-- @`: annotation keys.
    let items = client.request_ok("textDocument/completion", at(0, 6));
    assert_eq!(labels(&items), ["name"]);

    // After GROUP: BY; in a filter: the filter words and the clauses still missing.
    client.change(
        URI,
        2,
        json!([{"text": "SELECT count() FROM errors WHERE level:error GROUP "}]),
    );
    let items = client.request_ok("textDocument/completion", at(0, 51));
    assert_eq!(labels(&items), ["BY"]);
    let items = client.request_ok("textDocument/completion", at(0, 45));
    let got = labels(&items);
    for want in ["AND", "OR", "NOT", "ORDER BY", "LIMIT", "level", "message"] {
        assert!(got.contains(&want.to_owned()), "{want} in {got:?}");
    }
    assert!(!got.contains(&"WHERE".to_owned()), "WHERE is used: {got:?}");

    // The statement's aliases in HAVING and ORDER BY; the keys of UPDATE issues SET.
    client.change(
        URI,
        3,
        json!([{"text": "SELECT count() AS n, release FROM errors GROUP BY release ORDER BY \nUPDATE issues SET "}]),
    );
    let items = client.request_ok("textDocument/completion", at(0, 67));
    assert_eq!(item(&items, "n")["detail"], "alias");
    let items = client.request_ok("textDocument/completion", at(1, 18));
    let got = labels(&items);
    assert!(got.contains(&"status".to_owned()), "{got:?}");
    assert!(
        !got.contains(&"count".to_owned()),
        "not a function here: {got:?}"
    );
    assert!(
        !got.contains(&"transaction.duration".to_owned()),
        "not a field of errors: {got:?}"
    );
    assert!(client.shutdown().success());
}

#[test]
fn hover_explains_fields_functions_params_and_codes() {
    let (mut client, _) = Client::start();
    let text = "SELECT p95(transaction.duration), count(*) FROM transactions WHERE release:$rel AND environment:$rel";
    client.open(URI, text);
    let hover = |client: &mut Client, character: u32| {
        client.request_ok("textDocument/hover", at(0, character))["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let function = hover(&mut client, 8);
    assert!(
        function.contains("p95([column = transaction.duration]) → the type of column"),
        "{function}"
    );
    assert!(function.contains("aggregate function"), "{function}");
    let field = hover(&mut client, 15);
    assert!(
        field.contains("**transaction.duration**: duration (millisecond)"),
        "{field}"
    );
    assert!(field.contains("transactions"), "{field}");
    let param = hover(&mut client, 77);
    assert!(
        param.contains("parameter **$rel**") && param.contains("used 2 time(s)"),
        "{param}"
    );
    let code = hover(&mut client, 36);
    assert!(
        code.contains("`dql::semantic::count_star`") && code.contains("help: write `count()`"),
        "{code}"
    );
    let dataset = hover(&mut client, 50);
    assert!(
        dataset.contains("**transactions** — events dataset"),
        "{dataset}"
    );
    // Nothing to say about a keyword.
    let none = client.request_ok("textDocument/hover", at(0, 2));
    assert_eq!(none, Value::Null);
    assert!(client.shutdown().success());
}

/// `dql fmt` of `text`, from the binary.
fn dql_fmt(text: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dql fmt failed on {text:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn formatting_is_dql_fmt() {
    let (mut client, _) = Client::start();
    let mut texts: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(texts.len() >= 5);
    texts.push(
        "-- top\nselect count(*) ,p95() as p from transactions where a:b   since 1d -- end\n"
            .into(),
    );
    for (i, text) in texts.iter().enumerate() {
        let uri = format!("file:///f{i}.dql");
        client.open(&uri, text);
        let edits = client.request_ok(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
        );
        let want = dql_fmt(text);
        let got = match edits.as_array().unwrap().as_slice() {
            [] => text.clone(),
            [edit] => {
                assert_eq!(edit["range"]["start"], json!({"line": 0, "character": 0}));
                assert_eq!(edit["range"]["end"], position(text, text.len()));
                edit["newText"].as_str().unwrap().to_owned()
            }
            more => panic!("one whole-document edit, not {more:?}"),
        };
        assert_eq!(got, want, "formatting {text:?}");
    }
    // A file that does not parse is left alone.
    client.open("file:///bad.dql", "SELECT FROM (");
    let edits = client.request_ok(
        "textDocument/formatting",
        json!({"textDocument": {"uri": "file:///bad.dql"}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(edits, Value::Null);
    assert!(client.shutdown().success());
}

#[test]
fn code_actions_come_from_fix_its() {
    let (mut client, _) = Client::start();
    let text = "SELECT count(DISTINCT user), count(*) FROM errors";
    client.open(URI, text);
    let all_line =
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 49}});
    let actions = client.request_ok(
        "textDocument/codeAction",
        json!({"textDocument": doc(), "range": {"start": {"line": 0, "character": 30}, "end": {"line": 0, "character": 30}}, "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap();
    // The fix under the cursor, then "apply all".
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["title"], "Replace with `count()`");
    assert_eq!(
        actions[0]["diagnostics"][0]["code"],
        "dql::semantic::count_star"
    );
    assert_eq!(
        actions[0]["edit"]["changes"][URI],
        json!([{"range": range(text, 29, 37), "newText": "count()"}])
    );
    assert_eq!(actions[1]["kind"], "source.fixAll");
    assert_eq!(actions[1]["title"], "Apply all fixes (2)");
    assert_eq!(
        actions[1]["edit"]["changes"][URI],
        json!([
            {"range": range(text, 7, 27), "newText": "count_unique(user)"},
            {"range": range(text, 29, 37), "newText": "count()"},
        ])
    );
    // A range over the whole line: both quick fixes.
    let actions = client.request_ok(
        "textDocument/codeAction",
        json!({"textDocument": doc(), "range": all_line, "context": {"diagnostics": []}}),
    );
    assert_eq!(actions.as_array().unwrap().len(), 3, "{actions}");
    // Applying them leaves nothing to fix.
    let diags = client.change(
        URI,
        2,
        json!([
            {"range": range(text, 29, 37), "text": "count()"},
            {"range": range(text, 7, 27), "text": "count_unique(user)"},
        ]),
    );
    assert_eq!(diags, Vec::<Value>::new());
    assert!(client.shutdown().success());
}

#[test]
fn symbols_definition_and_semantic_tokens() {
    let (mut client, _) = Client::start();
    let text = "-- @name slow\n-- @description The slow ones\nSELECT count() FROM transactions WHERE release:$rel;\n\nSELECT count() FROM errors WHERE release:$rel";
    client.open(URI, text);
    let symbols = client.request_ok(
        "textDocument/documentSymbol",
        json!({"textDocument": doc()}),
    );
    let symbols = symbols.as_array().unwrap();
    assert_eq!(symbols.len(), 2, "{symbols:?}");
    assert_eq!(symbols[0]["name"], "slow");
    assert_eq!(symbols[0]["detail"], "The slow ones");
    assert_eq!(symbols[0]["selectionRange"], range(text, 9, 13));
    assert_eq!(
        symbols[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(
        symbols[1]["name"],
        "SELECT count() FROM errors WHERE release:$rel"
    );

    // Definition of the second `$rel`: its first use.
    let second = text.rfind("$rel").unwrap();
    let pos = position(text, second + 2);
    let location = client.request_ok(
        "textDocument/definition",
        json!({"textDocument": doc(), "position": pos}),
    );
    let first = text.find("$rel").unwrap();
    assert_eq!(location["uri"], URI);
    assert_eq!(location["range"], range(text, first, first + 4));

    // Semantic tokens, decoded from the relative encoding.
    let tokens = client.request_ok(
        "textDocument/semanticTokens/full",
        json!({"textDocument": doc()}),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    let (mut line, mut ch) = (0, 0);
    let mut decoded = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            ch = t[1];
        } else {
            ch += t[1];
        }
        decoded.push((line, ch, t[2], t[3]));
    }
    // keyword 0, function 1, property 2, parameter 3, namespace 8, decorator 9.
    for want in [
        (0, 3, 5, 9),
        (2, 0, 6, 0),
        (2, 7, 5, 1),
        (2, 20, 12, 8),
        (2, 39, 7, 2),
        (2, 47, 4, 3),
    ] {
        assert!(decoded.contains(&want), "{want:?} in {decoded:?}");
    }
    assert!(client.shutdown().success());
}
