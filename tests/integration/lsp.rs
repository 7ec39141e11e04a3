//! `dql lsp` driven as an editor drives it: the built binary, JSON-RPC over stdio with
//! `Content-Length` framing, and the answers checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its helpers: a failed unwrap is a failed test"
)]

use crate::lsp_client::{Client, attribute_cache, cached_env, position, range};
use serde_json::{Value, json};
use std::process::{Command, Stdio};

const URI: &str = "file:///work/queries.dql";

fn doc() -> Value {
    json!({"uri": URI})
}

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": doc(), "position": {"line": line, "character": character}})
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

fn item<'a>(items: &'a Value, label: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {items}"))
}

#[test]
fn initialize_advertises_what_the_server_does() {
    let (client, caps) = Client::start();
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(caps["textDocumentSync"]["save"]["includeText"], true);
    for provider in [
        "hoverProvider",
        "definitionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
    ] {
        assert_eq!(caps[provider], true, "{provider}");
    }
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll"])
    );
    assert_eq!(caps["semanticTokensProvider"]["full"], true);
    assert!(client.shutdown().success());
}

#[test]
fn diagnostics_follow_open_incremental_changes_and_save() {
    let (mut client, _) = Client::start();
    let text = "SELECT count() FROM errors\nWHERE level:error LIMIT LIMIT 5";
    let diags = client.open(URI, text);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "dql");
    let code = d["code"].as_str().unwrap();
    assert!(code.starts_with("dql::syntax::"), "{code}");
    // The second LIMIT is not expected: line 1, after `LIMIT `.
    assert_eq!(d["range"]["start"]["line"], 1);

    // Delete the second `LIMIT ` with an incremental edit: no more problems.
    let diags = client.change(
        URI,
        2,
        json!([{"range": {"start": {"line": 1, "character": 24}, "end": {"line": 1, "character": 30}}, "text": ""}]),
    );
    assert_eq!(diags, Vec::<Value>::new());

    // Two edits in one notification, applied in order: a misspelt field, then `count(*)`.
    let diags = client.change(
        URI,
        3,
        json!([
            {"range": {"start": {"line": 0, "character": 14}, "end": {"line": 0, "character": 14}}, "text": ", relase"},
            {"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 14}}, "text": "count(*)"},
        ]),
    );
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["dql::semantic::count_star", "dql::semantic::near_name"]
    );
    let star = diags
        .iter()
        .find(|d| d["code"] == "dql::semantic::count_star")
        .unwrap();
    assert_eq!(
        star["range"],
        json!({"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 15}})
    );
    assert_eq!(star["severity"], 2, "a warning");
    assert!(
        star["message"]
            .as_str()
            .unwrap()
            .contains("\nhelp: write `count()`"),
        "{star}"
    );

    // Save with the text: diagnostics for what was saved.
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": doc(), "text": "SELECT count() FROM errros"}),
    );
    let diags = client.diagnostics(URI, 3);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]["message"].as_str().unwrap().contains("errros"));

    // Closing clears them.
    client.notify("textDocument/didClose", json!({"textDocument": doc()}));
    let cleared = client.next();
    assert_eq!(cleared["method"], "textDocument/publishDiagnostics");
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    assert!(client.shutdown().success());
}

#[test]
fn related_spans_come_as_related_information() {
    let (mut client, _) = Client::start();
    let text = "-- @name a\nSELECT count() FROM errors;\n-- @name a\nSELECT count() FROM errors";
    let diags = client.open(URI, text);
    let dup = diags
        .iter()
        .find(|d| d["code"] == "dql::semantic::duplicate_name")
        .unwrap_or_else(|| panic!("{diags:?}"));
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["message"], "first use");
    assert_eq!(related["location"]["uri"], URI);
    assert_eq!(related["location"]["range"], range(text, 9, 10));
    assert_eq!(dup["range"], range(text, 48, 49));
    assert!(client.shutdown().success());
}

#[test]
fn positions_are_utf16_code_units_with_multibyte_text() {
    let (mut client, _) = Client::start();
    // 'é' is one UTF-16 unit and two bytes, '😀' two units and four bytes.
    let text = "SELECT count() FROM transactions WHERE message:\"é😀\" transaction.duraton:>1";
    let diags = client.open(URI, text);
    let near = diags
        .iter()
        .find(|d| d["code"] == "dql::semantic::near_name")
        .unwrap_or_else(|| panic!("{diags:?}"));
    let start = text.find("transaction.duraton").unwrap();
    assert_eq!(
        near["range"],
        range(text, start, start + "transaction.duraton".len())
    );
    // Byte 56, but character 53: 'é' counts one unit and '😀' two.
    assert_eq!(start, 56);
    assert_eq!(near["range"]["start"]["character"], 53);

    // An edit placed by UTF-16 position, right after the emoji: fix the spelling there.
    let diags = client.change(
        URI,
        2,
        json!([{"range": {"start": {"line": 0, "character": 70}, "end": {"line": 0, "character": 70}}, "text": "i"}]),
    );
    assert_eq!(diags, Vec::<Value>::new(), "`duraton` became `duration`");
    // And the formatter sees exactly the edited text.
    let edits = client.request_ok(
        "textDocument/formatting",
        json!({"textDocument": doc(), "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "SELECT count()\nFROM transactions\nWHERE message:\"é😀\" transaction.duration:>1;\n"
    );
    assert!(client.shutdown().success());
}

#[test]
fn a_lone_carriage_return_ends_a_line_as_the_protocol_says() {
    let (mut client, _) = Client::start();
    // Lines: `SELECT count()`, `FROM errros`, `WHERE a:b` (`\r`, then `\r\n`).
    let text = "SELECT count()\rFROM errros\r\nWHERE a:b";
    let diags = client.open(URI, text);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 1, "character": 5}, "end": {"line": 1, "character": 11}})
    );
    assert_eq!(diags[0]["range"], range(text, 20, 26));
    // Fix the spelling (`ro` at line 1, characters 8–10, is `or`); then add a filter at the
    // end of line 2.
    let diags = client.change(
        URI,
        2,
        json!([
            {"range": {"start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 10}}, "text": "or"},
            {"range": {"start": {"line": 2, "character": 9}, "end": {"line": 2, "character": 99}}, "text": " c:d"},
        ]),
    );
    assert_eq!(diags, Vec::<Value>::new());
    let edits = client.request_ok(
        "textDocument/formatting",
        json!({"textDocument": doc(), "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "SELECT count()\nFROM errors\nWHERE a:b c:d;\n"
    );
    // The whole-document edit ends at the end of line 2.
    assert_eq!(
        edits[0]["range"]["end"],
        json!({"line": 2, "character": 13})
    );
    assert!(client.shutdown().success());
}

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

#[test]
fn malformed_messages_get_error_responses_and_the_server_goes_on() {
    // Before initialize: requests are refused, the server stays.
    let mut client = Client::spawn();
    let early = client.request("textDocument/hover", at(0, 0));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let result = client.request_ok(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert!(result["capabilities"].is_object());
    client.notify("initialized", json!({}));

    // Not JSON: a parse error with a null id.
    let body = "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\"";
    client.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let reply = client.next();
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    assert_eq!(reply["id"], Value::Null);
    // JSON that is not a message: invalid request, with the id when there is one.
    client.send(&json!([1, 2, 3]));
    assert_eq!(client.next()["error"]["code"], -32600);
    client.send(&json!({"jsonrpc": "2.0", "id": 41, "method": 7}));
    let reply = client.next();
    assert_eq!(
        (reply["id"].clone(), reply["error"]["code"].clone()),
        (json!(41), json!(-32600))
    );
    // A header without a length: a parse error.
    client.send_raw(b"Content-Type: x\r\n\r\n");
    assert_eq!(client.next()["error"]["code"], -32700);
    // Unknown method; parameters of the wrong shape; initialize twice.
    assert_eq!(
        client.request("dql/nothing", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        client.request("textDocument/hover", json!({"position": "here"}))["error"]["code"],
        -32602
    );
    assert_eq!(
        client.request("initialize", json!({"capabilities": {}}))["error"]["code"],
        -32600
    );
    // Notifications with bad params, changes to documents never opened, ranges past the end,
    // reversed ranges: no answer, no exit.
    client.notify("textDocument/didOpen", json!({"textDocument": 5}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.dql", "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    client.open(URI, "SELECT count() FROM errors");
    let diags = client.change(
        URI,
        2,
        json!([
            {"range": {"start": {"line": 99, "character": 0}, "end": {"line": 120, "character": 5}}, "text": " LIMIT 5"},
            {"range": {"start": {"line": 0, "character": 14}, "end": {"line": 0, "character": 7}}, "text": "count_unique(user)"},
        ]),
    );
    assert_eq!(diags, Vec::<Value>::new());
    let edits = client.request_ok(
        "textDocument/formatting",
        json!({"textDocument": doc(), "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "SELECT count_unique(user)\nFROM errors\nLIMIT 5;\n"
    );
    // Requests about a document that is not open: a null result.
    let hover = client.request_ok(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.dql"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover, Value::Null);
    assert!(client.is_running());
    assert!(client.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_status_1_and_eof_ends_the_server() {
    let (mut client, _) = Client::start();
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(1));
    let (client, _) = Client::start();
    assert_eq!(client.wait().code(), Some(1), "stdin closed without exit");
}

#[test]
fn requests_after_shutdown_are_refused() {
    let (mut client, _) = Client::start();
    assert_eq!(client.request_ok("shutdown", Value::Null), Value::Null);
    assert_eq!(
        client.request("textDocument/hover", at(0, 0))["error"]["code"],
        -32600
    );
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(0));
}

#[test]
fn strict_setting_makes_near_names_errors() {
    let text = "SELECT count(), relase FROM errors";
    let severity = |options: Value| {
        let (mut client, _) = Client::start_with(options);
        let diags = client.open(URI, text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0]["code"], "dql::semantic::near_name");
        let severity = diags[0]["severity"].clone();
        assert!(client.shutdown().success());
        severity
    };
    assert_eq!(severity(Value::Null), 2);
    assert_eq!(severity(json!({"strict": true})), 1);

    // Changed while documents are open: they are checked again.
    let (mut client, _) = Client::start();
    assert_eq!(client.open(URI, text)[0]["severity"], 2);
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dql": {"strict": true}}}),
    );
    assert_eq!(client.diagnostics(URI, 1)[0]["severity"], 1);
    assert!(client.shutdown().success());
}

#[test]
fn params_from_the_settings_are_bound() {
    let text = "SELECT count() FROM errors WHERE environment:$env";
    let (mut client, _) = Client::start();
    let diags = client.open(URI, text);
    assert_eq!(
        diags[0]["code"], "dql::semantic::unbound_param",
        "as dql check says"
    );
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dql": {"params": {"env": "production"}}}}),
    );
    assert_eq!(client.diagnostics(URI, 1), Vec::<Value>::new());
    assert!(client.shutdown().success());
    let (mut client, _) = Client::start_with(json!({"params": {"env": "production"}}));
    assert_eq!(client.open(URI, text), Vec::<Value>::new());
    assert!(client.shutdown().success());
}

#[test]
fn on_sentry_io_the_deprecated_datasets_warn_as_dql_check_does() {
    let mut client = Client::spawn_at("https://sentry.io");
    client.request_ok(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    let diags = client.open(URI, "SELECT count() FROM transactions SINCE 1d;\n");
    let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["dql::migrate::deprecated_dataset"], "{diags:?}");
    assert!(client.shutdown().success());
}

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
