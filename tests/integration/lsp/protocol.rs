//! Malformed messages, shutdown and exit, and the server settings.

use super::*;

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
