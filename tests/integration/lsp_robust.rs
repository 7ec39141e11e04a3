//! The language server never stops and never fails a request on any input: random bytes on the
//! wire, and random text with every request at random positions (in-process, through
//! `dql::lsp::serve`, so that thousands of cases run in seconds). A handler that panicked would
//! answer `InternalError`; none may.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::io::{BufRead, Cursor, Read};

fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Every message the server wrote.
fn replies(output: &[u8]) -> Vec<Value> {
    let mut r = Cursor::new(output);
    let mut out = Vec::new();
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 {
                return out;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            length = line
                .strip_prefix("Content-Length: ")
                .map(|v| v.parse::<usize>().unwrap());
        }
        let mut body = vec![0; length.unwrap()];
        r.read_exact(&mut body).unwrap();
        out.push(serde_json::from_slice(&body).unwrap());
    }
}

fn run(input: Vec<u8>) -> Vec<Value> {
    let mut output = Vec::new();
    dql::lsp::serve(&mut Cursor::new(input), &mut output).expect("no I/O error on memory");
    replies(&output)
}

fn initialize() -> Vec<u8> {
    frame(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}}),
    )
}

const METHODS: &[&str] = &[
    "textDocument/completion",
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/codeAction",
    "textDocument/formatting",
    "textDocument/documentSymbol",
    "textDocument/semanticTokens/full",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_after_initialize_end_cleanly(noise in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut input = initialize();
        input.extend(noise);
        let replies = run(input);
        prop_assert!(replies[0]["result"]["capabilities"].is_object());
        for r in &replies[1..] {
            prop_assert!(r.get("error").is_some() || r.get("method").is_some(), "{r}");
        }
    }

    #[test]
    fn every_request_anywhere_in_any_text_is_answered(
        text in prop_oneof!["[ -~\n]{0,120}", any::<String>(), Just("SELECT count(*) FROM errors WHERE a:'é😀".to_owned())],
        edits in proptest::collection::vec((0u32..4, 0u32..40, 0u32..4, 0u32..40, "[ -~é😀\n]{0,6}"), 0..4),
        requests in proptest::collection::vec((0usize..7, 0u32..5, 0u32..60), 1..10),
    ) {
        let uri = "file:///r.dql";
        let mut input = initialize();
        input.extend(frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "dql", "version": 1, "text": text}}})));
        for (i, (l1, c1, l2, c2, t)) in edits.iter().enumerate() {
            input.extend(frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": i + 2},
                "contentChanges": [{"range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}, "text": t}],
            }})));
        }
        for (n, (method, line, character)) in requests.iter().enumerate() {
            let pos = json!({"line": line, "character": character});
            let mut params = json!({"textDocument": {"uri": uri}, "position": pos});
            if METHODS[*method] == "textDocument/codeAction" {
                params["range"] = json!({"start": pos, "end": {"line": line + 1, "character": 0}});
                params["context"] = json!({"diagnostics": []});
            }
            if METHODS[*method] == "textDocument/formatting" {
                params["options"] = json!({"tabSize": 4, "insertSpaces": true});
            }
            input.extend(frame(&json!({"jsonrpc": "2.0", "id": n + 1, "method": METHODS[*method], "params": params})));
        }
        let replies = run(input);
        let answers: Vec<&Value> = replies.iter().filter(|r| r.get("id").is_some()).collect();
        prop_assert_eq!(answers.len(), requests.len() + 1);
        for a in answers {
            prop_assert!(a.get("error").is_none(), "{a}");
        }
        let published = replies.iter().filter(|r| r["method"] == "textDocument/publishDiagnostics").count();
        prop_assert_eq!(published, edits.len() + 1);
    }
}
