//! Property: after any sequence of incremental edits, the diagnostics `dql lsp` publishes are
//! exactly those `dql check --message-format json` prints for the resulting text (code,
//! severity, message and help, range in UTF-16, related spans).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its helpers: a failed unwrap is a failed test"
)]

#[allow(dead_code, reason = "tests/lsp.rs uses the rest of the client")]
mod lsp_client;

use lsp_client::{Client, range};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::io::Write;
use std::process::{Command, Stdio};

/// What `dql check` says about `text`, in the protocol's form.
fn check(uri: &str, text: &str) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["check", "--message-format", "json", "-"])
        .env_clear()
        .env("SENTRY_URL", lsp_client::SENTRY_URL)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .map(|line| {
            let d: Value = serde_json::from_str(line).unwrap();
            let label_range = |l: &Value| {
                let start = l["offset"].as_u64().unwrap() as usize;
                range(text, start, start + l["length"].as_u64().unwrap() as usize)
            };
            let labels = d["labels"].as_array().unwrap();
            let mut message = d["message"].as_str().unwrap().to_owned();
            if let Some(help) = d["help"].as_str() {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let severity = match d["severity"].as_str().unwrap() {
                "error" => 1,
                "warning" => 2,
                _ => 3,
            };
            let related: Vec<Value> = labels
                .iter()
                .skip(1)
                .map(|l| {
                    let text = l["text"].as_str().unwrap();
                    json!({
                        "location": {"uri": uri, "range": label_range(l)},
                        "message": if text.is_empty() { "here" } else { text },
                    })
                })
                .collect();
            let mut want = json!({
                "range": label_range(&labels[0]),
                "severity": severity,
                "code": d["code"],
                "source": "dql",
                "message": message,
            });
            if !related.is_empty() {
                want["relatedInformation"] = json!(related);
            }
            want
        })
        .collect()
}

/// Texts to start from: the examples, and a few with multi-byte characters and errors.
fn seeds() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    out.sort();
    out.push(
        "-- @name é\nSELECT count(*), relase FROM errors WHERE message:\"😀 x\" SINCE 1d;\n".into(),
    );
    out.push("SELECT p95(transaction.duraton) AS ü FROM transactions\r\nWHERE user.email:*@exämple.com\r\nORDER BY ü".into());
    out.push(String::new());
    out
}

/// Text an edit may insert.
fn insertion() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just(";".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just("é".to_owned()),
        Just("😀".to_owned()),
        Just("\r\n".to_owned()),
        Just("count(*)".to_owned()),
        Just(" WHERE ".to_owned()),
        Just(" FROM transactions ".to_owned()),
        Just("$env".to_owned()),
        Just("-- @name x\n".to_owned()),
        Just("transaction.duraton:>1s ".to_owned()),
        "[a-z.:>*$ ]{1,8}",
        any::<String>().prop_map(|s| s.chars().take(4).collect()),
    ]
}

/// One edit: where (a fraction of the text's characters), how many characters go, what comes.
fn edit() -> impl Strategy<Value = (f64, usize, String)> {
    (0.0..=1.0f64, 0usize..6, insertion())
}

thread_local! {
    /// One server for every case, and how many documents it has been given.
    static CLIENT: RefCell<Option<(Client, usize)>> = const { RefCell::new(None) };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn diagnostics_after_random_edits_are_dql_checks(
        seed in 0usize..64,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed % seeds.len()].clone();
        CLIENT.with(|cell| {
            let mut slot = cell.borrow_mut();
            let (client, count) = slot.get_or_insert_with(|| (Client::start().0, 0));
            // A new document for every case, so nothing of an earlier case can be mistaken
            // for an answer about this one.
            *count += 1;
            let uri = format!("file:///prop{count}.dql");
            let published = client.open(&uri, &text);
            assert_eq!(published, check(&uri, &text), "on open of {text:?}");
            for (version, (at, delete, insert)) in edits.into_iter().enumerate() {
                let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                let first = ((chars.len() - 1) as f64 * at) as usize;
                let start = chars[first];
                let end = chars[(first + delete).min(chars.len() - 1)];
                let change = json!([{"range": range(&text, start, end), "text": insert}]);
                text.replace_range(start..end, &insert);
                let published = client.change(&uri, version as i64 + 2, change);
                assert_eq!(published, check(&uri, &text), "after edits, on {text:?}");
            }
        });
    }
}
