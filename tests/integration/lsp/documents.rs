//! Initialising, diagnostics as documents change, and positions.

use super::*;

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
